/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: the CUnit runner glue behind every unit-test binary, and the per-test
 * counting allocator.
 *
 * txp_h_cunit_main() turns a NULL-terminated table of suites into a CUnit registry, keeping
 * only what the command line selects, runs it with CUnit's core runner (CU_run_all_tests) and
 * its own message handlers, and prints one line per test and CUnit's run summary:
 *
 *     test_pkt [--suite NAME]... [--test NAME]... [--list] [--junit FILE]
 *
 *   --suite NAME  run this suite (repeatable; default: all suites)
 *   --test NAME   run only tests with this name ("test_fn" or "suite/test_fn"; repeatable)
 *   --list        print the selected tests as "suite/test", one a line, and exit
 *   --junit FILE  also write a JUnit XML report (one <testsuite> per suite, <failure> per
 *                 failed test with every failed assertion, <error> when a suite init failed)
 *
 * Exit status: 0 when every selected test passed and at least one ran; 1 when a test or a
 * suite init/cleanup failed, when nothing ran, or when the report could not be written; 2 on
 * bad usage or a --suite/--test name that selects nothing.
 *
 * The handlers record results in a table owned by the run (struct h_run); CUnit's handler
 * signatures carry no user pointer, so the table is reached through one file-scope pointer
 * that is set only while CU_run_all_tests() runs. This is test-binary code, not a component
 * library, so the no-mutable-globals rule (style B5/B6) does not apply; the counting allocator
 * state below is per process for the same reason.
 */
#define _POSIX_C_SOURCE 200809L

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/h_cunit.h"

/* ------------------------------------------------------------------ counting allocator */

static struct txp_alloc_counter h_counter;
static struct txp_alloc h_counting;
static bool h_counter_ready;

struct txp_alloc_counter *
txp_h_alloc_counter(void)
{
    if (!h_counter_ready)
        txp_h_alloc_reset();
    return &h_counter;
}

const struct txp_alloc *
txp_h_alloc(void)
{
    if (!h_counter_ready)
        txp_h_alloc_reset();
    return &h_counting;
}

void
txp_h_alloc_reset(void)
{
    txp_alloc_counter_init(&h_counter, &h_counting);
    h_counter_ready = true;
}

/* ------------------------------------------------------------------ results */

enum h_status { H_PASS, H_FAIL, H_ERROR };

struct h_result {
    const char *suite;
    const char *name;
    double seconds;
    enum h_status status;
    char *details; /* failed assertions, one "file:line: condition" a line; malloc'd */
    unsigned nfail;
};

struct h_run {
    struct h_result *res;
    size_t nres;
    size_t cap;
    struct timespec t0;
    bool oom;
};

static struct h_run *h_cur; /* set only while CU_run_all_tests() runs */

static double
h_now(void)
{
    struct timespec ts;

    if (timespec_get(&ts, TIME_UTC) == 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct h_result *
h_add_result(struct h_run *r, const char *suite, const char *name)
{
    struct h_result *x;

    if (r->nres == r->cap) {
        r->oom = true;
        return NULL;
    }
    x = &r->res[r->nres++];
    memset(x, 0, sizeof(*x));
    x->suite = suite;
    x->name = name;
    x->status = H_PASS;
    return x;
}

/* Append "file:line: condition\n" (or just "condition\n" when @p file is NULL) to @p x. */
static void
h_add_detail(struct h_run *r, struct h_result *x, const char *file, unsigned line, const char *cond)
{
    size_t old = x->details != NULL ? strlen(x->details) : 0;
    char tmp[1024];
    size_t add;
    char *n;
    int k;

    if (file != NULL)
        k = snprintf(tmp, sizeof(tmp), "%s:%u: %s\n", file, line, cond != NULL ? cond : "");
    else
        k = snprintf(tmp, sizeof(tmp), "%s\n", cond != NULL ? cond : "");
    if (k < 0)
        return;
    add = strlen(tmp);
    n = realloc(x->details, old + add + 1);
    if (n == NULL) {
        r->oom = true;
        return;
    }
    memcpy(n + old, tmp, add + 1);
    x->details = n;
}

static void
h_on_test_start(const CU_pTest test, const CU_pSuite suite)
{
    (void)test;
    (void)suite;
    (void)timespec_get(&h_cur->t0, TIME_UTC);
}

static void
h_on_test_complete(const CU_pTest test, const CU_pSuite suite, const CU_pFailureRecord fail)
{
    struct h_run *r = h_cur;
    struct h_result *x = h_add_result(r, suite->pName, test->pName);
    const CU_FailureRecord *f;
    double t0 = (double)r->t0.tv_sec + (double)r->t0.tv_nsec / 1e9;

    if (x == NULL)
        return;
    x->seconds = h_now() - t0;
    if (x->seconds < 0)
        x->seconds = 0;
    for (f = fail; f != NULL && f->pTest == test; f = f->pNext) {
        x->status = H_FAIL;
        x->nfail++;
        h_add_detail(r, x, f->strFileName, f->uiLineNumber, f->strCondition);
    }
    printf("  %s/%s ... %s\n", x->suite, x->name, x->status == H_PASS ? "ok" : "FAILED");
    if (x->details != NULL)
        printf("%s", x->details);
    fflush(stdout);
}

static void
h_on_suite_init_failure(const CU_pSuite suite)
{
    struct h_run *r = h_cur;
    CU_pTest t;

    printf("  %s: suite init FAILED, its tests did not run\n", suite->pName);
    for (t = suite->pTest; t != NULL; t = t->pNext) {
        struct h_result *x = h_add_result(r, suite->pName, t->pName);

        if (x == NULL)
            return;
        x->status = H_ERROR;
        h_add_detail(r, x, NULL, 0, "suite initialisation function failed");
    }
}

static void
h_on_suite_cleanup_failure(const CU_pSuite suite)
{
    printf("  %s: suite cleanup FAILED\n", suite->pName);
}

/* ------------------------------------------------------------------ JUnit */

static void
h_xml_put(FILE *f, const char *s)
{
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                fprintf(f, "\\x%02X", *p);
            else
                fputc(*p, f);
            break;
        }
    }
}

static int
h_write_junit(const char *path, const struct h_run *r, const char *prog)
{
    FILE *f = fopen(path, "w");
    size_t i;
    size_t j;
    int failed = 0;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot write %s\n", prog, path);
        return -1;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
    for (i = 0; i < r->nres; i = j) {
        size_t nfail = 0;
        size_t nerr = 0;
        double secs = 0;

        /* Results of one suite are contiguous (suites run one after the other). */
        for (j = i; j < r->nres && strcmp(r->res[j].suite, r->res[i].suite) == 0; j++) {
            nfail += r->res[j].status == H_FAIL;
            nerr += r->res[j].status == H_ERROR;
            secs += r->res[j].seconds;
        }
        fputs("  <testsuite name=\"", f);
        h_xml_put(f, r->res[i].suite);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.6f\">\n", j - i,
                nfail, nerr, secs);
        for (size_t k = i; k < j; k++) {
            const struct h_result *x = &r->res[k];

            fputs("    <testcase classname=\"", f);
            h_xml_put(f, x->suite);
            fputs("\" name=\"", f);
            h_xml_put(f, x->name);
            fprintf(f, "\" time=\"%.6f\"", x->seconds);
            if (x->status == H_PASS) {
                fputs("/>\n", f);
                continue;
            }
            fputs(">\n", f);
            if (x->status == H_FAIL)
                fprintf(f, "      <failure message=\"%u assertion(s) failed\">", x->nfail);
            else
                fputs("      <error message=\"suite initialisation failed\">", f);
            h_xml_put(f, x->details != NULL ? x->details : "");
            fputs(x->status == H_FAIL ? "</failure>\n" : "</error>\n", f);
            fputs("    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    if (ferror(f))
        failed = 1;
    if (fclose(f) != 0)
        failed = 1;
    if (failed) {
        fprintf(stderr, "%s: error writing %s\n", prog, path);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ selection */

static bool
h_name_in(const char *name, char **list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* Does --test pattern @p pat select test @p t of suite @p s? */
static bool
h_test_matches(const char *pat, const char *s, const char *t)
{
    size_t sl = strlen(s);

    if (strcmp(pat, t) == 0)
        return true;
    return strncmp(pat, s, sl) == 0 && pat[sl] == '/' && strcmp(pat + sl + 1, t) == 0;
}

static bool
h_test_selected(const char *suite, const char *test, char **tests, size_t ntests)
{
    size_t i;

    if (ntests == 0)
        return true;
    for (i = 0; i < ntests; i++)
        if (h_test_matches(tests[i], suite, test))
            return true;
    return false;
}

static bool
h_suite_selected(const char *suite, char **suites, size_t nsuites)
{
    return nsuites == 0 || h_name_in(suite, suites, nsuites);
}

static void
h_usage(FILE *f, const char *prog)
{
    fprintf(f, "usage: %s [--suite NAME]... [--test NAME]... [--list] [--junit FILE]\n", prog);
}

int
txp_h_cunit_main(int argc, char **argv, const struct txp_h_suite *suites)
{
    const char *prog = argc > 0 && argv[0] != NULL ? argv[0] : "test";
    char **sel_suites = NULL;
    char **sel_tests = NULL;
    size_t nsuites = 0;
    size_t ntests = 0;
    const char *junit = NULL;
    bool list = false;
    size_t selected = 0;
    struct h_run run;
    int status = 2;
    size_t i;
    int a;

    memset(&run, 0, sizeof(run));
    if (suites == NULL)
        return 2;
    sel_suites = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*sel_suites));
    sel_tests = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*sel_tests));
    if (sel_suites == NULL || sel_tests == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        goto out;
    }
    for (a = 1; a < argc; a++) {
        const char *o = argv[a];
        bool has_arg = a + 1 < argc;

        if (strcmp(o, "--suite") == 0 && has_arg) {
            sel_suites[nsuites++] = argv[++a];
        } else if (strcmp(o, "--test") == 0 && has_arg) {
            sel_tests[ntests++] = argv[++a];
        } else if (strcmp(o, "--junit") == 0 && has_arg) {
            junit = argv[++a];
        } else if (strcmp(o, "--list") == 0) {
            list = true;
        } else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            h_usage(stdout, prog);
            status = 0;
            goto out;
        } else {
            fprintf(stderr, "%s: bad argument '%s'\n", prog, o);
            h_usage(stderr, prog);
            goto out;
        }
    }

    /* Every --suite and --test name must select something. */
    for (i = 0; i < nsuites; i++) {
        const struct txp_h_suite *s;

        for (s = suites; s->name != NULL; s++)
            if (strcmp(s->name, sel_suites[i]) == 0)
                break;
        if (s->name == NULL) {
            fprintf(stderr, "%s: unknown suite '%s'\n", prog, sel_suites[i]);
            goto out;
        }
    }
    for (i = 0; i < ntests; i++) {
        const struct txp_h_suite *s;
        bool found = false;

        for (s = suites; s->name != NULL && !found; s++) {
            const struct txp_h_test *t;

            if (!h_suite_selected(s->name, sel_suites, nsuites) || s->tests == NULL)
                continue;
            for (t = s->tests; t->name != NULL && !found; t++)
                found = h_test_matches(sel_tests[i], s->name, t->name);
        }
        if (!found) {
            fprintf(stderr, "%s: no test '%s' in the selected suites\n", prog, sel_tests[i]);
            goto out;
        }
    }

    if (list) {
        const struct txp_h_suite *s;

        for (s = suites; s->name != NULL; s++) {
            const struct txp_h_test *t;

            if (!h_suite_selected(s->name, sel_suites, nsuites) || s->tests == NULL)
                continue;
            for (t = s->tests; t->name != NULL; t++)
                if (h_test_selected(s->name, t->name, sel_tests, ntests))
                    printf("%s/%s\n", s->name, t->name);
        }
        status = 0;
        goto out;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "%s: CUnit: %s\n", prog, CU_get_error_msg());
        goto out;
    }
    for (const struct txp_h_suite *s = suites; s->name != NULL; s++) {
        const struct txp_h_test *t;
        CU_pSuite cs;

        if (!h_suite_selected(s->name, sel_suites, nsuites) || s->tests == NULL)
            continue;
        cs = NULL;
        for (t = s->tests; t->name != NULL; t++) {
            if (!h_test_selected(s->name, t->name, sel_tests, ntests))
                continue;
            if (cs == NULL)
                cs = CU_add_suite(s->name, s->init, s->cleanup);
            if (cs == NULL || CU_add_test(cs, t->name, t->fn) == NULL) {
                fprintf(stderr, "%s: CUnit: %s (%s/%s)\n", prog, CU_get_error_msg(), s->name,
                        t->name);
                CU_cleanup_registry();
                goto out;
            }
            selected++;
        }
    }

    run.cap = selected;
    run.res = calloc(selected > 0 ? selected : 1, sizeof(*run.res));
    if (run.res == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        CU_cleanup_registry();
        goto out;
    }
    CU_set_error_action(CUEA_IGNORE);
    CU_set_test_start_handler(h_on_test_start);
    CU_set_test_complete_handler(h_on_test_complete);
    CU_set_suite_init_failure_handler(h_on_suite_init_failure);
    CU_set_suite_cleanup_failure_handler(h_on_suite_cleanup_failure);
    h_cur = &run;
    (void)CU_run_all_tests();
    h_cur = NULL;
    printf("\n");
    CU_print_run_results(stdout);
    printf("\n");

    status = 0;
    if (CU_get_number_of_suites_failed() > 0)
        status = 1;
    for (i = 0; i < run.nres; i++)
        if (run.res[i].status != H_PASS)
            status = 1;
    if (CU_get_number_of_tests_failed() > 0 || run.oom)
        status = 1;
    if (CU_get_number_of_tests_run() == 0) {
        fprintf(stderr, "%s: no tests ran\n", prog);
        status = 1;
    }
    if (junit != NULL && h_write_junit(junit, &run, prog) != 0)
        status = 1;
    CU_cleanup_registry();

out:
    for (i = 0; i < run.nres; i++)
        free(run.res[i].details);
    free(run.res);
    free(sel_suites);
    free(sel_tests);
    return status;
}
