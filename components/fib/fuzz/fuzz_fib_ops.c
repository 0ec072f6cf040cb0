/* SPDX-License-Identifier: MIT */
/*
 * txpath fib fuzz target: random route add/delete/lookup sequences, every lookup compared
 * with a naive reference: a flat list of routes scanned for the longest matching prefix, with
 * Linux's tie-breaks (local before main in the merged trie, TOS descending, metric ascending,
 * insertion order) and the route-type errors, under either the merged local/main fast path or
 * a small rule list (fwmark 1 -> table 100, then main, then default). Unicast routes may be
 * multipath (two or three weighted nexthops over two devices): the answer must be one of the
 * route's nexthops, the same for a repeated flow.
 *
 * Deletes match table, prefix, tos and metric, and the request's gateway and device when it
 * gives them. Input: byte 0 bit 0 selects rules; then 8-byte records:
 *   op(1) a(4) b(1) c(1) d(1)   op % 4: 0,1 add, 2 delete, 3 lookup
 * Addresses are folded into 10.0.0.0/12 so prefixes collide often.
 * A disagreement traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "txpath/fib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define REF_MAX 512

struct ref_route {
    struct txp_fib_route r;
    uint32_t seq;
    bool live;
};

struct ref {
    struct ref_route routes[REF_MAX];
    uint32_t n, seq;
};

static uint32_t
mask_of(uint8_t plen)
{
    return plen == 0 ? 0 : ~0u << (32 - plen);
}

static int
type_err(enum txp_fib_type t)
{
    switch (t) {
    case TXP_FIB_BLACKHOLE:
        return TXP_EINVAL;
    case TXP_FIB_UNREACHABLE:
        return TXP_EHOSTUNREACH;
    case TXP_FIB_PROHIBIT:
        return TXP_EACCES;
    case TXP_FIB_THROW:
        return TXP_EAGAIN;
    case TXP_FIB_UNSPEC:
    case TXP_FIB_UNICAST:
    case TXP_FIB_LOCAL:
    case TXP_FIB_BROADCAST:
    case TXP_FIB_ANYCAST:
    case TXP_FIB_MULTICAST:
    default:
        return 0;
    }
}

/* Is a better than b at the same prefix (tables already ordered by the caller)? */
static bool
ref_better(const struct ref_route *a, const struct ref_route *b)
{
    if (a->r.tos != b->r.tos)
        return a->r.tos > b->r.tos;
    if (a->r.metric != b->r.metric)
        return a->r.metric < b->r.metric;
    return a->seq < b->seq;
}

/* Lookup in the given tables (in priority order at equal prefix length). */
static int
ref_tables(const struct ref *rf, const uint32_t *tabs, int nt, uint32_t dst, uint8_t tos,
           const struct txp_fib_route **hit)
{
    for (int plen = 32; plen >= 0; plen--) {
        for (int t = 0; t < nt; t++) {
            /* visit the aliases of this prefix in Linux's order, by repeated selection */
            bool used[REF_MAX];
            memset(used, 0, sizeof used);
            for (;;) {
                const struct ref_route *best = NULL;
                uint32_t bi = 0;
                for (uint32_t i = 0; i < rf->n; i++) {
                    const struct ref_route *x = &rf->routes[i];
                    if (!x->live || used[i] || x->r.table != tabs[t] || x->r.plen != plen ||
                        ((dst ^ x->r.dst) & mask_of((uint8_t)plen)) != 0)
                        continue;
                    if (best == NULL || ref_better(x, best)) {
                        best = x;
                        bi = i;
                    }
                }
                if (best == NULL)
                    break;
                used[bi] = true;
                if (best->r.tos != 0 && best->r.tos != (tos & 0x1Eu))
                    continue;
                int e = type_err(best->r.type);
                if (e != 0)
                    return e;
                *hit = &best->r;
                return 0;
            }
        }
    }
    return TXP_EAGAIN;
}

static int
ref_lookup(const struct ref *rf, bool rules, uint32_t dst, uint8_t tos, uint32_t mark,
           const struct txp_fib_route **hit)
{
    if (!rules) {
        static const uint32_t merged[2] = {255, 254}, dflt[1] = {253};
        int e = ref_tables(rf, merged, 2, dst, tos, hit);
        if (e == TXP_EAGAIN)
            e = ref_tables(rf, dflt, 1, dst, tos, hit);
        return e == TXP_EAGAIN ? TXP_ENETUNREACH : e;
    }
    static const uint32_t order[4] = {255, 100, 254, 253};
    for (int i = 0; i < 4; i++) {
        if (order[i] == 100 && mark != 1)
            continue;
        int e = ref_tables(rf, &order[i], 1, dst, tos, hit);
        if (e != TXP_EAGAIN)
            return e;
    }
    return TXP_ENETUNREACH;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ref rf; /* large; reset for every input */
    struct txp_fib *fib;
    static const uint32_t tables[4] = {254, 255, 100, 253};
    static const enum txp_fib_type types[8] = {
        TXP_FIB_UNICAST,   TXP_FIB_UNICAST,     TXP_FIB_UNICAST,  TXP_FIB_LOCAL,
        TXP_FIB_BLACKHOLE, TXP_FIB_UNREACHABLE, TXP_FIB_PROHIBIT, TXP_FIB_THROW};
    static const uint8_t toses[4] = {0, 0, 0x08, 0x10};

    if (size < 1)
        return 0;
    memset(&rf, 0, sizeof rf);
    FZ_CHECK(txp_fib_create(NULL, &fib) == TXP_OK);
    FZ_CHECK(txp_fib_dev_add(fib, "lo", 1, 65536, true, true) == TXP_OK);
    FZ_CHECK(txp_fib_dev_add(fib, "d0", 2, 1500, true, false) == TXP_OK);
    FZ_CHECK(txp_fib_addr_add(fib, 2, 0x0A000001u, 8, 0, false) == TXP_OK);
    FZ_CHECK(txp_fib_dev_add(fib, "d1", 3, 1500, true, false) == TXP_OK);
    FZ_CHECK(txp_fib_addr_add(fib, 3, 0xC0A80001u, 16, 0, false) == TXP_OK);
    FZ_CHECK(txp_fib_set_multipath_hash(fib, (data[0] >> 1) & 1u, data[0]) == TXP_OK);
    bool rules = data[0] & 1u;
    if (rules) {
        struct txp_fib_rule r;
        memset(&r, 0, sizeof r);
        r.pref = 100;
        r.fwmark = 1;
        r.fwmask = 0xFFFFFFFFu;
        r.action = TXP_FIB_ACT_TO_TBL;
        r.table = 100;
        r.suppress_prefixlen = -1;
        FZ_CHECK(txp_fib_rule_add(fib, &r) == TXP_OK);
    }
    for (size_t off = 1; off + 8 <= size; off += 8) {
        const uint8_t *p = data + off;
        uint32_t a = ((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
        a = 0x0A000000u | (a & 0x000FFFFFu) | ((a & 0x00F00000u) ? 0 : 0x00100000u);
        uint8_t plen = (uint8_t)(p[5] % 33);
        if (plen < 8)
            plen = (uint8_t)(p[5] & 1u ? 0 : 8 + (p[5] % 24));
        struct txp_fib_route r;
        memset(&r, 0, sizeof r);
        r.dst = a & mask_of(plen);
        r.plen = plen;
        r.table = tables[p[6] & 3u];
        r.type = types[(p[6] >> 2) & 7u];
        r.tos = toses[(p[6] >> 5) & 3u];
        r.metric = p[7] & 3u;
        r.ifindex = (r.type == TXP_FIB_UNICAST || r.type == TXP_FIB_LOCAL) ? 2 : 0;
        r.gw = (p[7] & 4u) && r.type == TXP_FIB_UNICAST ? 0x0A0000FEu : 0;
        r.scope = r.gw ? TXP_FIB_SCOPE_UNIVERSE : TXP_FIB_SCOPE_LINK;
        if (r.type == TXP_FIB_UNICAST && (p[7] & 8u)) {
            /* multipath: two or three weighted nexthops over d0 and d1 */
            r.nnh = (uint8_t)(2 + (p[5] >> 7));
            r.nh[0] = (struct txp_fib_nh){0x0A0000FEu, 2, (uint16_t)(1 + ((p[7] >> 4) & 3u)), 0};
            r.nh[1] = (struct txp_fib_nh){0xC0A800FEu, 3, (uint16_t)(1 + (p[7] >> 6)), 0};
            r.nh[2] = (struct txp_fib_nh){0, 3, 1, 0};
            r.gw = 0;
            r.ifindex = 0;
            r.scope = TXP_FIB_SCOPE_UNIVERSE;
        }
        switch (p[0] & 3u) {
        case 0:
        case 1: {
            bool dup = false;
            for (uint32_t i = 0; i < rf.n; i++) {
                const struct txp_fib_route *x = &rf.routes[i].r;
                if (rf.routes[i].live && x->table == r.table && x->dst == r.dst &&
                    x->plen == r.plen && x->tos == r.tos && x->metric == r.metric)
                    dup = true;
            }
            int rc = txp_fib_route_add(fib, &r);
            FZ_CHECK(dup ? rc == TXP_EEXIST : rc == TXP_OK);
            if (rc == TXP_OK && rf.n < REF_MAX) {
                rf.routes[rf.n].r = r;
                rf.routes[rf.n].seq = rf.seq++;
                rf.routes[rf.n].live = true;
                rf.n++;
            } else if (rc == TXP_OK) {
                FZ_CHECK(txp_fib_route_del(fib, &r) == TXP_OK);
            }
            break;
        }
        case 2: {
            bool found = false;
            for (uint32_t i = 0; i < rf.n && !found; i++) {
                struct txp_fib_route *x = &rf.routes[i].r;
                /* a gateway or device in the request must match (the first nexthop of a
                 * multipath route), as fib_table_delete's fib_nh_match */
                uint32_t xgw = x->nnh >= 2 ? x->nh[0].gw : x->gw;
                uint32_t xif = x->nnh >= 2 ? x->nh[0].ifindex : x->ifindex;
                if (rf.routes[i].live && x->table == r.table && x->dst == r.dst &&
                    x->plen == r.plen && x->tos == r.tos && x->metric == r.metric &&
                    (r.gw == 0 || xgw == r.gw) && (r.ifindex == 0 || xif == r.ifindex)) {
                    rf.routes[i].live = false;
                    found = true;
                }
            }
            FZ_CHECK(txp_fib_route_del(fib, &r) == (found ? TXP_OK : TXP_ENOENT));
            break;
        }
        default: {
            struct txp_fib_flow fl;
            struct txp_fib_result res;
            const struct txp_fib_route *hit = NULL;
            memset(&fl, 0, sizeof fl);
            fl.dst = a;
            fl.tos = (uint8_t)(p[6] & 0x1Cu);
            fl.mark = p[7] & 1u;
            int want = ref_lookup(&rf, rules, fl.dst, fl.tos, fl.mark, &hit);
            int got = txp_fib_lookup(fib, &fl, &res);
            FZ_CHECK(got == want);
            if (got == TXP_OK) {
                /* merged local+main report the local table's routes as main (as Linux) */
                uint32_t want_tab = !rules && hit->table == 255 ? 254 : hit->table;
                FZ_CHECK(res.table == want_tab && res.prefix == hit->dst && res.plen == hit->plen &&
                         res.tos == hit->tos);
                if (hit->nnh >= 2) {
                    /* one of the route's nexthops, and the same one for the same flow */
                    FZ_CHECK(res.nh_sel < hit->nnh && res.gw == hit->nh[res.nh_sel].gw &&
                             res.oif == hit->nh[res.nh_sel].ifindex);
                    struct txp_fib_result again;
                    FZ_CHECK(txp_fib_lookup(fib, &fl, &again) == TXP_OK &&
                             again.nh_sel == res.nh_sel);
                } else if (hit->type != TXP_FIB_LOCAL) {
                    FZ_CHECK(res.gw == hit->gw && res.oif == hit->ifindex);
                }
            }
            break;
        }
        }
    }
    size_t live = 0;
    for (uint32_t i = 0; i < rf.n; i++)
        live += rf.routes[i].live;
    FZ_CHECK(txp_fib_route_count(fib) == live);
    txp_fib_destroy(fib);
    return 0;
}
