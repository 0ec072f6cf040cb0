/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc fuzz target: the tc-syntax parser on arbitrary text.
 * Invariants: no crash or over-read; a rejection is TXP_EBADMSG with line 1, a column inside
 * the text (or just past its end) and a non-empty message; an accepted spec creates a qdisc
 * (the parser and create agree on what is valid), prints a NUL-terminated line starting with
 * "qdisc <kind> ", and when the printed options are in the parser's own syntax, parsing them
 * again and printing gives the same line (print is a fixed point after one round; pfifo_fast
 * prints a priomap and pfifo a "100p" limit
 * that tc does not read back).
 *
 * Input: the whole input is the spec (bytes after a NUL are ignored).
 */
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
        FZ_CHECK(!strcmp(line2, line3));
    }
    free(spec);
    return 0;
}
