/* SPDX-License-Identifier: MIT */
/*
 * txpath neigh: `ip neigh show` text, printed and loaded (iproute2 ip/ipneigh.c print_neigh:
 * "ADDR dev DEV [lladdr MAC] STATE " with a trailing space; NOARP and NONE entries only with
 * `nud all`).
 */
#include "neigh_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/prot/eth.h"

struct row {
    uint32_t ifindex, ip;
    const struct neigh_entry *e;
};

static int
row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->ifindex != y->ifindex)
        return x->ifindex < y->ifindex ? -1 : 1;
    return x->ip < y->ip ? -1 : x->ip > y->ip;
}

int
txp_neigh_format(const struct txp_neigh *n, int all, char *buf, size_t cap)
{
    struct row *rows = NULL;
    if (n->count) {
        rows = txp_alloc_mem(n->alloc, sizeof(*rows) * n->count, _Alignof(struct row));
        if (!rows)
            return TXP_ENOMEM;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->nbucket; i++)
        for (const struct neigh_entry *e = n->bucket[i]; e; e = e->hnext)
            if (k < n->count)
                rows[k++] = (struct row){e->ifindex, e->ip, e};
    if (k)
        qsort(rows, k, sizeof *rows, row_cmp);
    size_t used = 0;
    int total = 0;
    if (cap)
        buf[0] = '\0';
    for (uint32_t i = 0; i < k; i++) {
        const struct neigh_entry *e = rows[i].e;
        if (!all && (e->state == TXP_NUD_NOARP || e->state == TXP_NUD_NONE))
            continue;
        char mac[18] = "";
        if (e->state & (TXP_NUD_PERMANENT | TXP_NUD_NOARP | TXP_NUD_REACHABLE | TXP_NUD_PROBE |
                        TXP_NUD_STALE | TXP_NUD_DELAY))
            txp_eth_addr_format(e->ha, mac);
        int w = snprintf(cap ? buf + used : NULL, cap ? cap - used : 0,
                         "%u.%u.%u.%u dev %s %s%s%s%s \n", e->ip >> 24, (e->ip >> 16) & 255u,
                         (e->ip >> 8) & 255u, e->ip & 255u, e->dev->d.name, mac[0] ? "lladdr " : "",
                         mac, mac[0] ? " " : "", txp_neigh_state_name(e->state));
        if (w < 0)
            break;
        total += w;
        used = (size_t)total < cap ? (size_t)total : (cap ? cap - 1 : 0);
    }
    txp_free(n->alloc, rows);
    return total;
}

static int
parse_ip(const char *s, uint32_t *out)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return -1;
    *out = a << 24 | b << 16 | c << 8 | d;
    return 0;
}

static unsigned
state_of(const char *s)
{
    static const unsigned all[] = {TXP_NUD_INCOMPLETE, TXP_NUD_REACHABLE, TXP_NUD_STALE,
                                   TXP_NUD_DELAY,      TXP_NUD_PROBE,     TXP_NUD_FAILED,
                                   TXP_NUD_NOARP,      TXP_NUD_PERMANENT, TXP_NUD_NONE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, txp_neigh_state_name(all[i])))
            return all[i];
    return 0x100;
}

struct pending {
    uint32_t ifindex, ip;
    uint8_t mac[6];
    int has_mac;
    unsigned state;
};

int
txp_neigh_load(struct txp_neigh *n, const char *text, size_t len, const char *file, uint64_t now_ns,
               struct txp_diag *d)
{
    txp_diag_init(d, file);
    size_t cap = 16, np = 0;
    struct pending *pend = malloc(cap * sizeof *pend);
    if (!pend)
        return TXP_ENOMEM;
    size_t pos = 0;
    uint32_t line = 0;
    int rc = TXP_OK;
    while (pos < len && rc == TXP_OK) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n')
            eol++;
        line++;
        char l[512];
        size_t ll = eol - pos;
        if (ll >= sizeof l) {
            rc = txp_diag_set(d, line, 1, "line longer than %zu characters", sizeof l - 1);
            break;
        }
        memcpy(l, text + pos, ll);
        l[ll] = '\0';
        pos = eol + 1;
        /* tokens with their columns */
        char *tok[16];
        uint32_t col[16];
        int nt = 0;
        for (char *p = l; *p && nt < 16;) {
            while (*p == ' ' || *p == '\t' || *p == '\r')
                p++;
            if (!*p)
                break;
            tok[nt] = p;
            col[nt] = (uint32_t)(p - l) + 1;
            nt++;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r')
                p++;
            if (*p)
                *p++ = '\0';
        }
        if (nt == 0 || tok[0][0] == '#')
            continue;
        struct pending pe;
        memset(&pe, 0, sizeof pe);
        pe.state = 0x100;
        if (parse_ip(tok[0], &pe.ip)) {
            rc = txp_diag_set(d, line, col[0], "expected an IPv4 address, got \"%s\"", tok[0]);
            break;
        }
        int i = 1, have_dev = 0;
        for (; i < nt && rc == TXP_OK; i++) {
            if (!strcmp(tok[i], "dev") && i + 1 < nt) {
                i++;
                const struct neigh_devst *ds = NULL;
                for (uint32_t k = 0; k < n->ndev; k++)
                    if (!strcmp(n->dev[k].d.name, tok[i]))
                        ds = &n->dev[k];
                if (!ds)
                    rc = txp_diag_set(d, line, col[i], "unknown device \"%s\"", tok[i]);
                else
                    pe.ifindex = ds->d.ifindex;
                have_dev = 1;
            } else if (!strcmp(tok[i], "lladdr") && i + 1 < nt) {
                i++;
                if (txp_eth_addr_parse(tok[i], pe.mac) != TXP_OK)
                    rc =
                        txp_diag_set(d, line, col[i], "expected a MAC address, got \"%s\"", tok[i]);
                pe.has_mac = 1;
            } else if (!strcmp(tok[i], "router") || !strcmp(tok[i], "extern_learn") ||
                       !strcmp(tok[i], "managed")) {
                continue; /* flags txpath does not model */
            } else if (state_of(tok[i]) != 0x100 && pe.state == 0x100) {
                pe.state = state_of(tok[i]);
            } else {
                rc = txp_diag_set(d, line, col[i],
                                  "unexpected \"%s\" (expected dev DEV, lladdr MAC or a state: "
                                  "PERMANENT, NOARP, REACHABLE, STALE, DELAY, PROBE, FAILED, "
                                  "INCOMPLETE, NONE)",
                                  tok[i]);
            }
        }
        if (rc != TXP_OK)
            break;
        if (!have_dev) {
            rc = txp_diag_set(d, line, (uint32_t)ll + 1, "missing \"dev DEV\"");
            break;
        }
        if (pe.state == 0x100) {
            rc = txp_diag_set(d, line, (uint32_t)ll + 1, "missing the state (e.g. REACHABLE)");
            break;
        }
        if ((pe.state & (TXP_NUD_PERMANENT | TXP_NUD_NOARP | TXP_NUD_REACHABLE | TXP_NUD_PROBE |
                         TXP_NUD_STALE | TXP_NUD_DELAY)) &&
            !pe.has_mac) {
            rc = txp_diag_set(d, line, (uint32_t)ll + 1, "state %s needs \"lladdr MAC\"",
                              txp_neigh_state_name(pe.state));
            break;
        }
        for (size_t k = 0; k < np; k++)
            if (pend[k].ip == pe.ip && pend[k].ifindex == pe.ifindex) {
                rc = txp_diag_set(d, line, col[0], "duplicate entry for %s", tok[0]);
                break;
            }
        if (rc != TXP_OK)
            break;
        if (np == cap) {
            struct pending *g = realloc(pend, cap * 2 * sizeof *pend);
            if (!g) {
                rc = TXP_ENOMEM;
                break;
            }
            pend = g;
            cap *= 2;
        }
        pend[np++] = pe;
    }
    /* all-or-nothing: nothing is applied unless every line parsed */
    for (size_t k = 0; k < np && rc == TXP_OK; k++)
        rc = txp_neigh_add(n, pend[k].ifindex, pend[k].ip, pend[k].has_mac ? pend[k].mac : NULL,
                           pend[k].state, now_ns);
    free(pend);
    return rc;
}
