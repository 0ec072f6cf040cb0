/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ipt_parse: arbitrary text into txp_ipt_parse, with and without -c counters.
 * Invariants (a violation traps):
 *   - the result is TXP_OK, TXP_EBADMSG, TXP_ENOTSUP or TXP_ENOMEM;
 *   - a rejection names a line within the input (1..lines) and a column within that line
 *     (1..its length + 1), with a non-empty message; the ruleset is left as it was (empty);
 *   - an accepted ruleset prints to text that parses again in the same mode and prints
 *     byte for byte the same (print is a fixed point of parse . print);
 *   - each rule's txp_ipt_print_rule line is a line of the whole text, and a clone of the
 *     ruleset prints identically.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/ipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_diag(const char *text, size_t len, const struct txp_diag *d)
{
    uint32_t lines = 0, line_len = 0, cur = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            lines++;
            if (lines == d->line)
                line_len = cur;
            cur = 0;
        } else {
            cur++;
        }
    }
    if (len == 0 || text[len - 1] != '\n') {
        lines++;
        if (lines == d->line)
            line_len = cur;
    }
    if (lines == 0)
        lines = 1;
    if (d->line < 1 || d->line > lines || d->column < 1 || d->column > line_len + 1 ||
        d->msg[0] == '\0')
        __builtin_trap();
}

static char *
print_all(const struct txp_ipt_ruleset *rs, int counters, size_t *len)
{
    struct txp_ipt_print_opts po = {counters, 0, NULL};
    size_t n = txp_ipt_print(rs, &po, NULL, 0);
    char *buf = malloc(n + 1);
    if (!buf)
        return NULL;
    if (txp_ipt_print(rs, &po, buf, n + 1) != n || strlen(buf) != n)
        __builtin_trap();
    *len = n;
    return buf;
}

static void
one(const char *text, size_t len, int counters)
{
    struct txp_ipt_ruleset rs;
    if (txp_ipt_ruleset_init(&rs) != TXP_OK)
        return;
    struct txp_diag d;
    txp_diag_init(&d, "fuzz");
    struct txp_ipt_parse_opts po = {counters};
    int rc = txp_ipt_parse(&rs, text, len, &po, &d);
    if (rc == TXP_EBADMSG || rc == TXP_ENOTSUP) {
        check_diag(text, len, &d);
        for (int t = 0; t < TXP_IPT_TABLE_COUNT; t++) /* left as before: empty */
            if (rs.tables[t].present)
                __builtin_trap();
    } else if (rc == TXP_OK) {
        size_t n1 = 0, n2 = 0;
        char *p1 = print_all(&rs, counters, &n1);
        if (p1 && !counters) {
            /* every rule's own line is a line of the whole text */
            char line[4096];
            for (int t = 0; t < TXP_IPT_TABLE_COUNT; t++)
                for (uint32_t c = 0; rs.tables[t].present && c < rs.tables[t].n_chains; c++)
                    for (uint32_t r = 0; r < rs.tables[t].chains[c].n_rules; r++) {
                        line[0] = '\n';
                        size_t l = txp_ipt_print_rule(&rs, (enum txp_ipt_table_id)t, c, r, line + 1,
                                                      sizeof line - 2);
                        if (l + 2 >= sizeof line)
                            continue;
                        line[l + 1] = '\n';
                        line[l + 2] = '\0';
                        if (!strstr(p1, line))
                            __builtin_trap();
                    }
        }
        struct txp_ipt_ruleset cp;
        if (p1 && txp_ipt_ruleset_clone(&cp, &rs) == TXP_OK) { /* a clone prints the same */
            size_t nc = 0;
            char *pc = print_all(&cp, counters, &nc);
            if (pc && (nc != n1 || memcmp(pc, p1, n1)))
                __builtin_trap();
            free(pc);
            txp_ipt_ruleset_fini(&cp);
        }
        if (p1) {
            struct txp_ipt_ruleset rs2;
            if (txp_ipt_ruleset_init(&rs2) == TXP_OK) {
                txp_diag_init(&d, "fuzz-printed");
                int rc2 = txp_ipt_parse(&rs2, p1, n1, &po, &d);
                if (rc2 != TXP_OK && rc2 != TXP_ENOMEM)
                    __builtin_trap();
                if (rc2 == TXP_OK) {
                    char *p2 = print_all(&rs2, counters, &n2);
                    if (p2 && (n1 != n2 || memcmp(p1, p2, n1)))
                        __builtin_trap();
                    free(p2);
                }
                txp_ipt_ruleset_fini(&rs2);
            }
            free(p1);
        }
    } else if (rc != TXP_ENOMEM) {
        __builtin_trap();
    }
    txp_ipt_ruleset_fini(&rs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    one((const char *)data, size, 0);
    one((const char *)data, size, 1);
    return 0;
}
