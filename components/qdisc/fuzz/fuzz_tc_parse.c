/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc fuzz target: the tc-syntax parser on arbitrary text.
 * Invariants: no crash or over-read; a rejection is TXP_EBADMSG with line 1, a column inside
 * the text (or just past its end) and a non-empty message; an accepted spec creates a qdisc
 * (the parser and create agree on what is valid), prints a NUL-terminated line starting with
 * "qdisc <kind> ", and when the printed options are in the parser's own syntax, parsing them
 * again and printing gives the same line (print is a fixed point after one round; pfifo_fast
 * prints a priomap and pfifo a "100p" limit that tc does not read back). Times are the one
 * exception: tc's get_time64 truncates strtod's double to whole nanoseconds, so "522.41us"
 * reads back as 522409 ns and each round may lose a nanosecond (iproute2 does the same); two
 * rounds then print the same words except times, which agree to the printed precision.
 *
 * Input: the whole input is the spec (bytes after a NUL are ignored).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/qdisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* A word of a printed time ("522.41us", "1.5s", "80ns"), in nanoseconds; -1 if not a time. */
static double
time_word(const char *w, size_t n)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, w, n);
    buf[n] = '\0';
    double v = strtod(buf, &end);
    if (end == buf || !(v >= 0))
        return -1;
    if (!strcmp(end, "s"))
        return v * 1e9;
    if (!strcmp(end, "ms"))
        return v * 1e6;
    if (!strcmp(end, "us"))
        return v * 1e3;
    if (!strcmp(end, "ns"))
        return v;
    return -1;
}

/* @p a and @p b have the same words, except times that differ by no more than the rounding
 * of "%g" (6 significant digits: a step of at most 1e-5) plus a truncated nanosecond. */
static int
same_but_time_rounding(const char *a, const char *b)
{
    for (;;) {
        size_t na = strcspn(a, " "), nb = strcspn(b, " ");
        if (na != nb || memcmp(a, b, na)) {
            double ta = time_word(a, na), tb = time_word(b, nb);
            if (ta < 0 || tb < 0)
                return 0;
            double big = ta > tb ? ta : tb;
            if (fabs(ta - tb) > big * 2e-5 + 2)
                return 0;
        }
        a += na;
        b += nb;
        if (*a != *b)
            return 0;
        if (!*a)
            return 1;
        a++;
        b++;
    }
}

static int
print_of(const char *spec, char *line, size_t cap)
{
    struct txp_qdisc_conf c;
    struct txp_diag d;
    txp_diag_init(&d, "fuzz");
    if (txp_qdisc_parse(spec, &c, NULL, &d) != TXP_OK)
        return -1;
    struct txp_qdisc *q = NULL;
    FZ_CHECK(txp_qdisc_create(&c, NULL, NULL, &q) == TXP_OK);
    int n = txp_qdisc_format(q, 0, 0, line, cap);
    FZ_CHECK(n > 0 && (size_t)n < cap);
    FZ_CHECK(!strncmp(line, "qdisc ", 6));
    FZ_CHECK(!strncmp(line + 6, q->ops->id, strlen(q->ops->id)));
    txp_qdisc_destroy(q, NULL);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    size_t len = strlen(spec);
    struct txp_qdisc_conf c;
    struct txp_diag d;
    txp_diag_init(&d, "fuzz");
    char dev[16];
    int rc = txp_qdisc_parse(spec, &c, dev, &d);
    if (rc != TXP_OK) {
        FZ_CHECK(rc == TXP_EBADMSG);
        FZ_CHECK(d.line == 1 && d.column >= 1 && d.column <= len + 2);
        FZ_CHECK(d.msg[0] != '\0');
        free(spec);
        return 0;
    }
    char line[1024];
    FZ_CHECK(print_of(spec, line, sizeof line) == 0);
    /* "qdisc KIND H: root refcnt N OPTIONS": re-parse "KIND OPTIONS" when the options are in
     * input syntax (tc prints some forms it does not read back). */
    const char *kind = line + 6;
    const char *opts = strstr(line, " refcnt ");
    FZ_CHECK(opts != NULL);
    opts = strchr(opts + 8, ' ');
    if (opts && strncmp(kind, "pfifo_fast ", 11) && strncmp(kind, "pfifo ", 6) &&
        !strstr(line, "loss state") && !strstr(line, "loss gemodel") && !strstr(line, "overhead") &&
        !strstr(line, "cellsize")) {
        char again[1200];
        size_t kl = (size_t)(strchr(kind, ' ') - kind);
        snprintf(again, sizeof again, "%.*s%s", (int)kl, kind, opts);
        char line2[1024], line3[1024];
        int ok = print_of(again, line2, sizeof line2);
        FZ_CHECK(ok == 0);
        /* one more round reaches the fixed point */
        const char *o2 = strchr(strstr(line2, " refcnt ") + 8, ' ');
        snprintf(again, sizeof again, "%.*s%s", (int)kl, kind, o2 ? o2 : "");
        FZ_CHECK(print_of(again, line3, sizeof line3) == 0);
        FZ_CHECK(same_but_time_rounding(line2, line3));
    }
    free(spec);
    return 0;
}
