/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: the compressed 16-8-8 multibit trie of txpath/fib_lpm.h.
 *
 * Direct table: 2^16 tagged 64-bit entries, (value << 1) | 1 or a pointer to a level-1 node.
 * A node covers 256 slots; leafmap marks the slots where a run of equal values starts (child
 * slots do not break a run), childmap the slots that hold a level-2 node. The node stores the
 * run values, then the child pointers, with per-word running counts so the popcount touches one
 * word. Values are 31-bit; INT_MISS marks "no prefix".
 */
#include "txpath/fib_lpm.h"

#include <stdbool.h>
#include <string.h>

#define INT_MISS 0x7FFFFFFFu
#define L0N 65536u

struct lpm_node {
    uint64_t leafmap[4];
    uint64_t childmap[4];
    uint16_t lcum[4]; /* leaf runs starting before word w */
    uint16_t ccum[4]; /* children before word w */
    uint16_t nleaf, nchild;
    uint32_t bytes;
    /* uint32_t leaf[nleaf]; (padding to 8); struct lpm_node *child[nchild]; */
};

/* A /17../32 prefix inside its /16: length, third and fourth octet (masked), value. */
struct lpm_pent {
    uint8_t len, b3, b4, pad;
    uint32_t value;
};

struct lpm_plist {
    uint32_t n, cap;
    struct lpm_pent e[];
};

struct txp_fib_lpm {
    uint64_t l0[L0N];
    const struct txp_alloc *a;
    uint32_t dval[L0N]; /* best /0../16 value covering each /16 */
    uint8_t ddep[L0N];  /* its length + 1; 0 = none */
    struct lpm_plist *mid[L0N];
    uint32_t *sval[17]; /* /0../16 prefixes: value per prefix index, INT_MISS = absent */
    size_t count, node_bytes, list_bytes;
    bool popcnt;
};

static inline uint32_t *
node_leaf(const struct lpm_node *n)
{
    return (uint32_t *)(uintptr_t)((const uint8_t *)n + sizeof(*n));
}

static inline struct lpm_node **
node_child(const struct lpm_node *n)
{
    size_t off = sizeof(*n) + (((size_t)n->nleaf * 4u + 7u) & ~(size_t)7u);
    return (struct lpm_node **)(uintptr_t)((const uint8_t *)n + off);
}

/* ---- lookup ---- */

__attribute__((always_inline)) static inline uint32_t
node_get(const struct lpm_node *n, unsigned s, const struct lpm_node **child)
{
    unsigned w = s >> 6, b = s & 63u;
    uint64_t bit = 1ull << b;
    if (n->childmap[w] & bit) {
        unsigned ci = n->ccum[w] + (unsigned)__builtin_popcountll(n->childmap[w] & (bit - 1));
        *child = node_child(n)[ci];
        return 0;
    }
    unsigned li = n->lcum[w] + (unsigned)__builtin_popcountll(n->leafmap[w] & (bit | (bit - 1)));
    *child = NULL;
    return node_leaf(n)[li - 1];
}

__attribute__((always_inline)) static inline uint32_t
lookup_core(const struct txp_fib_lpm *l, uint32_t addr)
{
    uint64_t e = l->l0[addr >> 16];
    if (e & 1u)
        return (uint32_t)(e >> 1);
    const struct lpm_node *c;
    uint32_t v = node_get((const struct lpm_node *)(uintptr_t)e, (addr >> 8) & 255u, &c);
    if (c)
        v = node_get(c, addr & 255u, &c);
    return v;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LPM_HAVE_TARGET 1
__attribute__((target("popcnt"))) static uint32_t
lookup_popcnt(const struct txp_fib_lpm *l, uint32_t addr)
{
    return lookup_core(l, addr);
}

__attribute__((target("popcnt"))) static void
bulk_popcnt(const struct txp_fib_lpm *l, const uint32_t *addr, uint32_t *out, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const void *p[8];
        for (int k = 0; k < 8; k++) {
            uint64_t e = l->l0[addr[i + (size_t)k] >> 16];
            p[k] = (e & 1u) ? NULL : (const void *)(uintptr_t)e;
        }
        for (int k = 0; k < 8; k++)
            if (p[k])
                __builtin_prefetch(p[k]);
        for (int k = 0; k < 8; k++)
            out[i + (size_t)k] = lookup_core(l, addr[i + (size_t)k]);
    }
    for (; i < n; i++)
        out[i] = lookup_core(l, addr[i]);
}
#endif

static uint32_t
lookup_plain(const struct txp_fib_lpm *l, uint32_t addr)
{
    return lookup_core(l, addr);
}

uint32_t
txp_fib_lpm_lookup(const struct txp_fib_lpm *l, uint32_t addr)
{
    uint32_t v;
#ifdef LPM_HAVE_TARGET
    if (l->popcnt)
        v = lookup_popcnt(l, addr);
    else
#endif
        v = lookup_plain(l, addr);
    return v == INT_MISS ? TXP_FIB_LPM_MISS : v;
}

void
txp_fib_lpm_lookup_bulk(const struct txp_fib_lpm *l, const uint32_t *addr, uint32_t *out, size_t n)
{
#ifdef LPM_HAVE_TARGET
    if (l->popcnt)
        bulk_popcnt(l, addr, out, n);
    else
#endif
        for (size_t i = 0; i < n; i++)
            out[i] = lookup_plain(l, addr[i]);
    for (size_t i = 0; i < n; i++)
        if (out[i] == INT_MISS)
            out[i] = TXP_FIB_LPM_MISS;
}

/* ---- nodes ---- */

static void
node_free(struct txp_fib_lpm *l, struct lpm_node *n)
{
    if (!n)
        return;
    struct lpm_node **ch = node_child(n);
    for (unsigned i = 0; i < n->nchild; i++)
        node_free(l, ch[i]);
    l->node_bytes -= n->bytes;
    txp_free(l->a, n);
}

/* Build a node from 256 values and children (kid[s] != NULL: slot s is a child). */
static struct lpm_node *
node_build(struct txp_fib_lpm *l, const uint32_t *val, struct lpm_node *const *kid)
{
    uint64_t lm[4] = {0}, cm[4] = {0};
    unsigned nl = 0, nc = 0;
    uint32_t prev = 0;
    bool have = false;
    for (unsigned s = 0; s < 256; s++) {
        if (kid && kid[s]) {
            cm[s >> 6] |= 1ull << (s & 63u);
            nc++;
        } else if (!have || val[s] != prev) {
            lm[s >> 6] |= 1ull << (s & 63u);
            nl++;
            prev = val[s];
            have = true;
        }
    }
    size_t bytes = sizeof(struct lpm_node) + ((nl * 4u + 7u) & ~7u) + nc * sizeof(void *);
    struct lpm_node *n = txp_alloc_mem(l->a, bytes, 8);
    if (!n)
        return NULL;
    memcpy(n->leafmap, lm, sizeof lm);
    memcpy(n->childmap, cm, sizeof cm);
    n->nleaf = (uint16_t)nl;
    n->nchild = (uint16_t)nc;
    n->bytes = (uint32_t)bytes;
    unsigned la = 0, ca = 0;
    for (unsigned w = 0; w < 4; w++) {
        n->lcum[w] = (uint16_t)la;
        n->ccum[w] = (uint16_t)ca;
        la += (unsigned)__builtin_popcountll(lm[w]);
        ca += (unsigned)__builtin_popcountll(cm[w]);
    }
    uint32_t *lv = node_leaf(n);
    struct lpm_node **cv = node_child(n);
    unsigned li = 0, ci = 0;
    for (unsigned s = 0; s < 256; s++) {
        if (cm[s >> 6] & (1ull << (s & 63u)))
            cv[ci++] = kid[s];
        else if (lm[s >> 6] & (1ull << (s & 63u)))
            lv[li++] = val[s];
    }
    l->node_bytes += bytes;
    return n;
}

/* Rebuild the direct entry of /16 @p h from its default and its prefix list. */
static int
rebuild(struct txp_fib_lpm *l, uint32_t h)
{
    uint32_t def = l->ddep[h] ? l->dval[h] : INT_MISS;
    const struct lpm_plist *pl = l->mid[h];
    uint64_t old = l->l0[h];
    if (!pl || pl->n == 0) {
        l->l0[h] = (uint64_t)def << 1 | 1u;
        if (!(old & 1u))
            node_free(l, (struct lpm_node *)(uintptr_t)old);
        return TXP_OK;
    }
    uint32_t val[256];
    struct lpm_node *kid[256];
    bool any_kid = false;
    for (unsigned s = 0; s < 256; s++)
        val[s] = def;
    memset(kid, 0, sizeof kid);
    /* entries are sorted by length: paint shorter first, longer over them */
    uint32_t i = 0;
    for (; i < pl->n && pl->e[i].len <= 24; i++) {
        unsigned span = 1u << (24 - pl->e[i].len);
        for (unsigned s = pl->e[i].b3; s < pl->e[i].b3 + span; s++)
            val[s] = pl->e[i].value;
    }
    int rc = TXP_OK;
    for (uint32_t j = i; j < pl->n && rc == TXP_OK; j++) {
        unsigned s = pl->e[j].b3;
        if (kid[s])
            continue; /* built with the first entry of this /24 */
        uint32_t v2[256];
        for (unsigned t = 0; t < 256; t++)
            v2[t] = val[s];
        for (uint32_t k = j; k < pl->n; k++) { /* sorted by length within the tail too */
            if (pl->e[k].b3 != s)
                continue;
            unsigned span = 1u << (32 - pl->e[k].len);
            for (unsigned t = pl->e[k].b4; t < pl->e[k].b4 + span; t++)
                v2[t] = pl->e[k].value;
        }
        kid[s] = node_build(l, v2, NULL);
        if (!kid[s])
            rc = TXP_ENOMEM;
        any_kid = true;
    }
    struct lpm_node *n = rc == TXP_OK ? node_build(l, val, any_kid ? kid : NULL) : NULL;
    if (!n) {
        for (unsigned s = 0; s < 256; s++)
            node_free(l, kid[s]);
        return TXP_ENOMEM;
    }
    l->l0[h] = (uint64_t)(uintptr_t)n;
    if (!(old & 1u))
        node_free(l, (struct lpm_node *)(uintptr_t)old);
    return TXP_OK;
}

/* ---- prefixes ---- */

static uint32_t
pmask(uint8_t plen)
{
    return plen ? 0xFFFFFFFFu << (32 - plen) : 0;
}

static int
pent_cmp(const struct lpm_pent *a, uint8_t len, uint8_t b3, uint8_t b4)
{
    if (a->len != len)
        return a->len < len ? -1 : 1;
    if (a->b3 != b3)
        return a->b3 < b3 ? -1 : 1;
    return a->b4 < b4 ? -1 : a->b4 > b4;
}

/* Position of (len, b3, b4) in the sorted list, and whether it is there. */
static uint32_t
plist_find(const struct lpm_plist *pl, uint8_t len, uint8_t b3, uint8_t b4, bool *found)
{
    uint32_t lo = 0, hi = pl ? pl->n : 0;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = pent_cmp(&pl->e[mid], len, b3, b4);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

int
txp_fib_lpm_create(const struct txp_alloc *a, struct txp_fib_lpm **out)
{
    struct txp_fib_lpm *l = txp_alloc_mem(a, sizeof *l, 64);
    if (!l)
        return TXP_ENOMEM;
    l->a = a;
    for (uint32_t h = 0; h < L0N; h++)
        l->l0[h] = (uint64_t)INT_MISS << 1 | 1u;
#ifdef LPM_HAVE_TARGET
    l->popcnt = __builtin_cpu_supports("popcnt");
#endif
    *out = l;
    return TXP_OK;
}

void
txp_fib_lpm_destroy(struct txp_fib_lpm *l)
{
    if (!l)
        return;
    for (uint32_t h = 0; h < L0N; h++) {
        if (!(l->l0[h] & 1u))
            node_free(l, (struct lpm_node *)(uintptr_t)l->l0[h]);
        txp_free(l->a, l->mid[h]);
    }
    for (int i = 0; i <= 16; i++)
        txp_free(l->a, l->sval[i]);
    txp_free(l->a, l);
}

/* The best /0../16 covering /16 @p h below length @p below (exclusive). */
static void
best_short(const struct txp_fib_lpm *l, uint32_t h, int below, uint32_t *val, uint8_t *dep)
{
    for (int len = below - 1; len >= 0; len--) {
        if (!l->sval[len])
            continue;
        uint32_t v = l->sval[len][len ? h >> (16 - len) : 0];
        if (v != INT_MISS) {
            *val = v;
            *dep = (uint8_t)(len + 1);
            return;
        }
    }
    *val = INT_MISS;
    *dep = 0;
}

static int
short_update(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen, uint32_t value, bool del)
{
    uint32_t idx = plen ? prefix >> (32 - plen) : 0;
    if (!l->sval[plen]) {
        if (del)
            return TXP_ENOENT;
        size_t n = (size_t)1 << plen;
        l->sval[plen] = txp_alloc_mem(l->a, n * 4u, 4);
        if (!l->sval[plen])
            return TXP_ENOMEM;
        for (size_t i = 0; i < n; i++)
            l->sval[plen][i] = INT_MISS;
        l->list_bytes += n * 4u;
    }
    uint32_t old = l->sval[plen][idx];
    if (del && old == INT_MISS)
        return TXP_ENOENT;
    l->sval[plen][idx] = del ? INT_MISS : value;
    if (del)
        l->count--;
    else if (old == INT_MISS)
        l->count++;
    uint32_t h0 = prefix >> 16, hn = 1u << (16 - plen);
    int rc = TXP_OK;
    for (uint32_t h = h0; h < h0 + hn; h++) {
        if (l->ddep[h] > plen + 1u)
            continue; /* a longer short prefix covers this /16 */
        if (del)
            best_short(l, h, plen, &l->dval[h], &l->ddep[h]);
        else {
            l->dval[h] = value;
            l->ddep[h] = (uint8_t)(plen + 1);
        }
        if (l->l0[h] & 1u)
            l->l0[h] = (uint64_t)(l->ddep[h] ? l->dval[h] : INT_MISS) << 1 | 1u;
        else if (rebuild(l, h) != TXP_OK)
            rc = TXP_ENOMEM; /* the old node stays: its default is stale for this /16 */
    }
    return rc;
}

int
txp_fib_lpm_add(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen, uint32_t value)
{
    if (plen > 32 || (prefix & ~pmask(plen)) || value > TXP_FIB_LPM_VALUE_MAX)
        return TXP_EINVAL;
    if (plen <= 16)
        return short_update(l, prefix, plen, value, false);
    uint32_t h = prefix >> 16;
    uint8_t b3 = (uint8_t)(prefix >> 8), b4 = (uint8_t)prefix;
    struct lpm_plist *pl = l->mid[h];
    bool found;
    uint32_t pos = plist_find(pl, plen, b3, b4, &found);
    if (found) {
        uint32_t oldv = pl->e[pos].value;
        pl->e[pos].value = value;
        int rc = rebuild(l, h);
        if (rc != TXP_OK)
            pl->e[pos].value = oldv;
        return rc;
    }
    if (!pl || pl->n == pl->cap) {
        uint32_t cap = pl ? pl->cap * 2 : 4;
        struct lpm_plist *g = txp_alloc_mem(l->a, sizeof(*g) + cap * sizeof(g->e[0]), 8);
        if (!g)
            return TXP_ENOMEM;
        g->cap = cap;
        g->n = pl ? pl->n : 0;
        if (pl) {
            memcpy(g->e, pl->e, pl->n * sizeof(g->e[0]));
            l->list_bytes -= sizeof(*pl) + pl->cap * sizeof(pl->e[0]);
            txp_free(l->a, pl);
        }
        l->list_bytes += sizeof(*g) + cap * sizeof(g->e[0]);
        l->mid[h] = pl = g;
    }
    memmove(&pl->e[pos + 1], &pl->e[pos], (pl->n - pos) * sizeof(pl->e[0]));
    pl->e[pos] = (struct lpm_pent){plen, b3, b4, 0, value};
    pl->n++;
    int rc = rebuild(l, h);
    if (rc != TXP_OK) {
        pl->n--;
        memmove(&pl->e[pos], &pl->e[pos + 1], (pl->n - pos) * sizeof(pl->e[0]));
        return rc;
    }
    l->count++;
    return TXP_OK;
}

int
txp_fib_lpm_del(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen)
{
    if (plen > 32 || (prefix & ~pmask(plen)))
        return TXP_EINVAL;
    if (plen <= 16)
        return short_update(l, prefix, plen, 0, true);
    uint32_t h = prefix >> 16;
    struct lpm_plist *pl = l->mid[h];
    bool found;
    uint32_t pos = plist_find(pl, plen, (uint8_t)(prefix >> 8), (uint8_t)prefix, &found);
    if (!found)
        return TXP_ENOENT;
    struct lpm_pent saved = pl->e[pos];
    pl->n--;
    memmove(&pl->e[pos], &pl->e[pos + 1], (pl->n - pos) * sizeof(pl->e[0]));
    int rc = rebuild(l, h);
    if (rc != TXP_OK) {
        memmove(&pl->e[pos + 1], &pl->e[pos], (pl->n - pos) * sizeof(pl->e[0]));
        pl->e[pos] = saved;
        pl->n++;
        return rc;
    }
    l->count--;
    return TXP_OK;
}

size_t
txp_fib_lpm_count(const struct txp_fib_lpm *l)
{
    return l->count;
}

void
txp_fib_lpm_memory(const struct txp_fib_lpm *l, struct txp_fib_lpm_mem *m)
{
    m->lookup = sizeof(l->l0) + l->node_bytes;
    m->control = sizeof(*l) - sizeof(l->l0) + l->list_bytes;
}
