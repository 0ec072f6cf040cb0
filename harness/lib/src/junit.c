/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: a small JUnit XML writer.
 *
 * Test cases are collected in memory (the <testsuite> element carries counts as attributes, so
 * nothing can be written before the last case is known) and written at close:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <testsuites tests="3" failures="1" errors="0" skipped="0">
 *     <testsuite name="pkt.conform" tests="3" failures="1" errors="0" skipped="0" time="0.010">
 *       <testcase classname="pkt.conform" name="eth-basic" time="0.002"/>
 *       <testcase classname="pkt.conform" name="ttl" time="0.003">
 *         <failure message="1 packet differs">pkt 0: ipv4.ttl golden=64 actual=63</failure>
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * Entry points: txp_h_junit_create, txp_h_junit_add, txp_h_junit_close, txp_h_xml_escape.
 * The format follows what Jenkins, GitLab and GitHub test reporters read (the de-facto JUnit
 * schema); every string is escaped with txp_h_xml_escape().
 */
#include "txpath/h_junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct h_junit_case {
    char *suite;
    char *name;
    char *message;
    char *details;
    double seconds;
    enum txp_h_junit_status st;
};

struct txp_h_junit {
    char *path;
    struct h_junit_case *cases;
    size_t count;
    size_t cap;
};

static char *
h_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

size_t
txp_h_xml_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char tmp[8];
        const char *rep;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
                (void)snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)*p);
            } else {
                tmp[0] = (char)*p;
                tmp[1] = '\0';
            }
            rep = tmp;
            break;
        }
        for (const char *r = rep; *r; r++, n++) {
            if (cap && n < cap - 1)
                out[n] = *r;
        }
    }
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* Write @p s escaped. */
static void
h_put_escaped(FILE *fp, const char *s)
{
    if (!s)
        return;
    char small[512];
    size_t need = txp_h_xml_escape(small, sizeof small, s);
    if (need < sizeof small) {
        fputs(small, fp);
        return;
    }
    char *big = malloc(need + 1);
    if (!big) {
        fputs("(out of memory)", fp);
        return;
    }
    (void)txp_h_xml_escape(big, need + 1, s);
    fputs(big, fp);
    free(big);
}

int
txp_h_junit_create(const char *path, struct txp_h_junit **out)
{
    TXP_ASSERT(path && out);
    struct txp_h_junit *j = calloc(1, sizeof *j);
    if (!j)
        return TXP_ENOMEM;
    j->path = h_strdup(path);
    if (!j->path) {
        free(j);
        return TXP_ENOMEM;
    }
    *out = j;
    return TXP_OK;
}

static void
h_case_free(struct h_junit_case *c)
{
    free(c->suite);
    free(c->name);
    free(c->message);
    free(c->details);
}

int
txp_h_junit_add(struct txp_h_junit *j, const char *suite, const char *name, double seconds,
                enum txp_h_junit_status st, const char *message, const char *details)
{
    TXP_ASSERT(j && suite && name);
    if (j->count == j->cap) {
        size_t ncap = j->cap ? j->cap * 2 : 16;
        struct h_junit_case *n = realloc(j->cases, ncap * sizeof *n);
        if (!n)
            return TXP_ENOMEM;
        j->cases = n;
        j->cap = ncap;
    }
    struct h_junit_case c = {h_strdup(suite),   h_strdup(name), h_strdup(message),
                             h_strdup(details), seconds,        st};
    if (!c.suite || !c.name || (message && !c.message) || (details && !c.details)) {
        h_case_free(&c);
        return TXP_ENOMEM;
    }
    j->cases[j->count++] = c;
    return TXP_OK;
}

/* Counts of the cases of @p suite (all suites when NULL). */
struct h_counts {
    size_t tests, failures, errors, skipped;
    double seconds;
};

static struct h_counts
h_count(const struct txp_h_junit *j, const char *suite)
{
    struct h_counts k = {0, 0, 0, 0, 0.0};
    for (size_t i = 0; i < j->count; i++) {
        const struct h_junit_case *c = &j->cases[i];
        if (suite && strcmp(c->suite, suite) != 0)
            continue;
        k.tests++;
        k.seconds += c->seconds;
        switch (c->st) {
        case TXP_H_JUNIT_FAIL:
            k.failures++;
            break;
        case TXP_H_JUNIT_ERROR:
            k.errors++;
            break;
        case TXP_H_JUNIT_SKIP:
            k.skipped++;
            break;
        case TXP_H_JUNIT_PASS:
        default:
            break;
        }
    }
    return k;
}

static void
h_write_case(FILE *fp, const struct h_junit_case *c)
{
    fputs("    <testcase classname=\"", fp);
    h_put_escaped(fp, c->suite);
    fputs("\" name=\"", fp);
    h_put_escaped(fp, c->name);
    fprintf(fp, "\" time=\"%.3f\"", c->seconds);
    const char *tag = NULL;
    switch (c->st) {
    case TXP_H_JUNIT_FAIL:
        tag = "failure";
        break;
    case TXP_H_JUNIT_ERROR:
        tag = "error";
        break;
    case TXP_H_JUNIT_SKIP:
        tag = "skipped";
        break;
    case TXP_H_JUNIT_PASS:
    default:
        break;
    }
    if (!tag) {
        fputs("/>\n", fp);
        return;
    }
    fprintf(fp, ">\n      <%s message=\"", tag);
    h_put_escaped(fp, c->message ? c->message : "");
    fputs("\"", fp);
    if (c->details && c->details[0]) {
        fputs(">", fp);
        h_put_escaped(fp, c->details);
        fprintf(fp, "</%s>\n", tag);
    } else {
        fputs("/>\n", fp);
    }
    fputs("    </testcase>\n", fp);
}

static void
h_write(FILE *fp, const struct txp_h_junit *j)
{
    struct h_counts all = h_count(j, NULL);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
    fprintf(fp,
            "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
            "time=\"%.3f\">\n",
            all.tests, all.failures, all.errors, all.skipped, all.seconds);
    for (size_t i = 0; i < j->count; i++) {
        const char *suite = j->cases[i].suite;
        size_t first = 0;
        while (strcmp(j->cases[first].suite, suite) != 0)
            first++;
        if (first != i)
            continue; /* suite already written */
        struct h_counts k = h_count(j, suite);
        fputs("  <testsuite name=\"", fp);
        h_put_escaped(fp, suite);
        fprintf(fp,
                "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
                "time=\"%.3f\">\n",
                k.tests, k.failures, k.errors, k.skipped, k.seconds);
        for (size_t m = i; m < j->count; m++) {
            if (strcmp(j->cases[m].suite, suite) == 0)
                h_write_case(fp, &j->cases[m]);
        }
        fputs("  </testsuite>\n", fp);
    }
    fputs("</testsuites>\n", fp);
}

int
txp_h_junit_close(struct txp_h_junit *j, struct txp_diag *d)
{
    if (!j)
        return TXP_OK;
    int rc = TXP_OK;
    /* The diagnostic outlives the report, so it names the file in the message. */
    if (d)
        txp_diag_init(d, "junit");
    FILE *fp = fopen(j->path, "w");
    if (!fp) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "cannot create %s: %s", j->path, strerror(errno));
        rc = TXP_EIO;
    } else {
        h_write(fp, j);
        int bad = ferror(fp);
        if (fclose(fp) != 0 || bad) {
            if (d)
                (void)txp_diag_set(d, 0, 0, "write error on %s", j->path);
            rc = TXP_EIO;
        }
    }
    for (size_t i = 0; i < j->count; i++)
        h_case_free(&j->cases[i]);
    free(j->cases);
    free(j->path);
    free(j);
    return rc;
}
