/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: devices, addresses, route tables, policy rules and the output route lookup.
 *
 * Tables are binary tries (one node per prefix bit, the prefix's routes -- Linux's "aliases"
 * -- hanging off the node at depth plen). A lookup walks the destination's path once per table,
 * remembers the node at every depth, then tries prefixes from /32 down to /0, which is what
 * fib_table_lookup's backtracking amounts to. Inside one prefix the aliases are kept in
 * Linux's order (fib_find_alias / fib_table_insert): TOS descending, then metric ascending,
 * then insertion order. Until the first rule is added or deleted, local and main are searched
 * as one trie (fib_unmerge not yet called), local's aliases first at each prefix length,
 * exactly as the merged trie orders them by table id.
 *
 * Multipath routes pick a nexthop by flow hash (fib_select_multipath); several equal default
 * routes pick by neighbour state through the caller's callback (fib_select_default).
 * Not modelled: l3mdev/VRF, route_localnet.
 *
 * Thread-safety: lookups are read-only; modifications need external exclusion.
 */
#include <stdlib.h>
#include <string.h>

#include "fib_int.h"

static void *
fib_alloc(const struct txp_fib *f, size_t n)
{
    return txp_alloc_mem(f->alloc, n, 16);
}

static void
fib_free(const struct txp_fib *f, void *p)
{
    txp_free(f->alloc, p);
}

/* Grow an array of @p elem-sized items to hold at least @p need. */
static int
fib_grow(const struct txp_fib *f, void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return TXP_OK;
    uint32_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *n = fib_alloc(f, (size_t)ncap * elem);
    if (n == NULL)
        return TXP_ENOMEM;
    if (*arr != NULL) {
        memcpy(n, *arr, (size_t)*cap * elem);
        fib_free(f, *arr);
    }
    *arr = n;
    *cap = ncap;
    return TXP_OK;
}

static const struct txp_alloc fib_malloc_alloc = {NULL, NULL, NULL};

int
txp_fib_create(const struct txp_fib_config *cfg, struct txp_fib **out)
{
    const struct txp_alloc *a = (cfg && cfg->alloc) ? cfg->alloc : &fib_malloc_alloc;
    struct txp_fib *f = txp_alloc_mem(a, sizeof(*f), 16);

    *out = NULL;
    if (f == NULL)
        return TXP_ENOMEM;
    memset(f, 0, sizeof(*f));
    f->alloc_copy = *a;
    f->alloc = &f->alloc_copy;
    static const struct txp_fib_rule defs[3] = {
        {.pref = 0,
         .action = TXP_FIB_ACT_TO_TBL,
         .table = TXP_FIB_TABLE_LOCAL,
         .suppress_prefixlen = -1},
        {.pref = 32766,
         .action = TXP_FIB_ACT_TO_TBL,
         .table = TXP_FIB_TABLE_MAIN,
         .suppress_prefixlen = -1},
        {.pref = 32767,
         .action = TXP_FIB_ACT_TO_TBL,
         .table = TXP_FIB_TABLE_DEFAULT,
         .suppress_prefixlen = -1},
    };
    for (int i = 0; i < 3; i++) {
        if (fib_rule_insert(f, &defs[i]) != TXP_OK) {
            txp_fib_destroy(f);
            return TXP_ENOMEM;
        }
    }
    f->custom_rules = false;
    *out = f;
    return TXP_OK;
}

static void
fib_node_free(struct txp_fib *f, struct fib_node *n)
{
    if (n == NULL)
        return;
    fib_node_free(f, n->child[0]);
    fib_node_free(f, n->child[1]);
    fib_free(f, n->routes);
    fib_free(f, n);
}

void
txp_fib_destroy(struct txp_fib *f)
{
    if (f == NULL)
        return;
    for (uint32_t i = 0; i < f->ntables; i++)
        fib_node_free(f, f->tables[i].root);
    for (uint32_t i = 0; i < f->ndevs; i++)
        fib_free(f, f->devs[i].addrs);
    fib_free(f, f->tables);
    fib_free(f, f->devs);
    fib_free(f, f->rules);
    struct txp_alloc a = f->alloc_copy;
    txp_free(&a, f);
}

/* ------------------------------------------------------------------ devices, addresses */

struct fib_dev *
fib_dev_by_index(const struct txp_fib *f, uint32_t ifindex)
{
    for (uint32_t i = 0; i < f->ndevs; i++) {
        if (f->devs[i].ifindex == ifindex)
            return &f->devs[i];
    }
    return NULL;
}

int
txp_fib_dev_add(struct txp_fib *f, const char *name, uint32_t ifindex, uint32_t mtu, bool up,
                bool loopback)
{
    size_t nl = strlen(name);

    if (ifindex == 0 || nl == 0 || nl >= TXP_FIB_IFNAMSIZ)
        return TXP_EINVAL;
    if (fib_dev_by_index(f, ifindex) != NULL || txp_fib_dev_index(f, name) != 0)
        return TXP_EEXIST;
    int rc = fib_grow(f, (void **)&f->devs, &f->devcap, f->ndevs + 1, sizeof(*f->devs));
    if (rc != TXP_OK)
        return rc;
    struct fib_dev *d = &f->devs[f->ndevs++];
    memset(d, 0, sizeof(*d));
    memcpy(d->name, name, nl + 1);
    d->ifindex = ifindex;
    d->mtu = mtu;
    d->up = up;
    d->loopback = loopback;
    if (loopback && f->lo_index == 0)
        f->lo_index = ifindex;
    return TXP_OK;
}

uint32_t
txp_fib_dev_index(const struct txp_fib *f, const char *name)
{
    for (uint32_t i = 0; i < f->ndevs; i++) {
        if (strcmp(f->devs[i].name, name) == 0)
            return f->devs[i].ifindex;
    }
    return 0;
}

const char *
txp_fib_dev_name(const struct txp_fib *f, uint32_t ifindex)
{
    const struct fib_dev *d = fib_dev_by_index(f, ifindex);
    return d ? d->name : NULL;
}

int
txp_fib_addr_add(struct txp_fib *f, uint32_t ifindex, uint32_t addr, uint8_t plen, uint8_t scope,
                 bool secondary)
{
    struct fib_dev *d = fib_dev_by_index(f, ifindex);

    if (d == NULL)
        return TXP_ENOENT;
    if (plen > 32)
        return TXP_EINVAL;
    for (uint32_t i = 0; i < d->naddrs; i++) {
        if (d->addrs[i].addr == addr && d->addrs[i].plen == plen)
            return TXP_EEXIST;
    }
    int rc = fib_grow(f, (void **)&d->addrs, &d->addrcap, d->naddrs + 1, sizeof(*d->addrs));
    if (rc != TXP_OK)
        return rc;
    d->addrs[d->naddrs].addr = addr;
    d->addrs[d->naddrs].plen = plen;
    d->addrs[d->naddrs].scope = scope;
    d->addrs[d->naddrs].secondary = secondary;
    d->naddrs++;
    return TXP_OK;
}

/* Is @p a configured on any device (__ip_dev_find)? */
static bool
fib_is_local_addr(const struct txp_fib *f, uint32_t a)
{
    for (uint32_t i = 0; i < f->ndevs; i++) {
        for (uint32_t k = 0; k < f->devs[i].naddrs; k++) {
            if (f->devs[i].addrs[k].addr == a)
                return true;
        }
    }
    return false;
}

static uint32_t
fib_mask(uint8_t plen)
{
    return plen == 0 ? 0 : ~0u << (32 - plen);
}

/*
 * inet_select_addr(dev, dst, scope): the first primary address of the device whose scope is
 * not wider-numbered than @p scope, preferring one on dst's subnet; failing that, a
 * global-enough address of any other device.
 */
uint32_t
fib_select_addr(const struct txp_fib *f, uint32_t ifindex, uint32_t dst, uint8_t scope)
{
    const struct fib_dev *d = fib_dev_by_index(f, ifindex);
    uint32_t addr = 0;

    if (d != NULL) {
        for (uint32_t i = 0; i < d->naddrs; i++) {
            const struct fib_addr *a = &d->addrs[i];
            if (a->secondary || a->scope > scope)
                continue;
            if (dst == 0 || ((a->addr ^ dst) & fib_mask(a->plen)) == 0)
                return a->addr;
            if (addr == 0)
                addr = a->addr;
        }
    }
    if (addr != 0)
        return addr;
    for (uint32_t i = 0; i < f->ndevs; i++) {
        const struct fib_dev *o = &f->devs[i];
        for (uint32_t k = 0; k < o->naddrs; k++) {
            const struct fib_addr *a = &o->addrs[k];
            if (!a->secondary && a->scope != TXP_FIB_SCOPE_LINK && a->scope <= scope)
                return a->addr;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ tables */

struct fib_table *
fib_table_get(const struct txp_fib *f, uint32_t id)
{
    for (uint32_t i = 0; i < f->ntables; i++) {
        if (f->tables[i].id == id)
            return &f->tables[i];
    }
    return NULL;
}

static struct fib_table *
fib_table_make(struct txp_fib *f, uint32_t id)
{
    struct fib_table *t = fib_table_get(f, id);
    if (t != NULL)
        return t;
    if (fib_grow(f, (void **)&f->tables, &f->tablecap, f->ntables + 1, sizeof(*f->tables)) !=
        TXP_OK)
        return NULL;
    t = &f->tables[f->ntables++];
    memset(t, 0, sizeof(*t));
    t->id = id;
    return t;
}

/* Linux's alias order: TOS descending, then metric ascending; equal keys keep insertion. */
static bool
fib_alias_before(const struct txp_fib_route *a, const struct txp_fib_route *b)
{
    if (a->tos != b->tos)
        return a->tos > b->tos;
    return a->metric < b->metric;
}

/* Same fib_info for fib_table_insert's "perfect match": type, scope, nexthops, source, MTU. */
static bool
fib_alias_same_info(const struct txp_fib_route *a, const struct txp_fib_route *b)
{
    if (a->type != b->type || a->scope != b->scope || a->gw != b->gw || a->ifindex != b->ifindex ||
        a->prefsrc != b->prefsrc || a->mtu != b->mtu || a->nnh != b->nnh || a->proto != b->proto ||
        a->flags != b->flags)
        return false;
    for (uint8_t i = 0; i < a->nnh && i < TXP_FIB_MAX_NH; i++)
        if (a->nh[i].gw != b->nh[i].gw || a->nh[i].ifindex != b->nh[i].ifindex ||
            a->nh[i].weight != b->nh[i].weight || a->nh[i].flags != b->nh[i].flags)
            return false;
    return true;
}

static int fib_route_insert(struct txp_fib *f, const struct txp_fib_route *rin, bool append);

int
txp_fib_route_add(struct txp_fib *f, const struct txp_fib_route *rin)
{
    return fib_route_insert(f, rin, false);
}

int
txp_fib_route_append(struct txp_fib *f, const struct txp_fib_route *rin)
{
    return fib_route_insert(f, rin, true);
}

/* The route as the table keeps it (defaults, one nexthop as a plain route), or an error. */
static int
fib_route_norm(const struct txp_fib *f, struct txp_fib_route *r)
{
    if (r->plen > 32 || (r->dst & ~fib_mask(r->plen)) != 0)
        return TXP_EINVAL;
    if (r->table == 0)
        r->table = TXP_FIB_TABLE_MAIN;
    if (r->type == TXP_FIB_UNSPEC)
        r->type = TXP_FIB_UNICAST;
    if (r->type > TXP_FIB_THROW)
        return TXP_EINVAL;
    if (r->nnh > TXP_FIB_MAX_NH)
        return TXP_EINVAL;
    if (r->nnh == 1) { /* one nexthop is a plain route, as the kernel keeps it */
        r->gw = r->nh[0].gw;
        r->ifindex = r->nh[0].ifindex;
        r->flags |= r->nh[0].flags;
        r->nnh = 0;
    }
    if (r->nnh >= 2) {
        if (r->type != TXP_FIB_UNICAST)
            return TXP_EINVAL;
        for (uint8_t i = 0; i < r->nnh; i++) {
            if (r->nh[i].ifindex == 0)
                return TXP_EINVAL;
            if (fib_dev_by_index(f, r->nh[i].ifindex) == NULL)
                return TXP_ENOENT;
            if (r->nh[i].weight == 0)
                r->nh[i].weight = 1;
            if (r->nh[i].weight > 256)
                return TXP_EINVAL;
        }
        r->gw = 0;
        r->ifindex = r->nh[0].ifindex; /* for the checks below; cleared after */
    } else {
        memset(r->nh, 0, sizeof(r->nh));
    }
    if (r->ifindex != 0 && fib_dev_by_index(f, r->ifindex) == NULL)
        return TXP_ENOENT;
    if ((r->type == TXP_FIB_UNICAST || r->type == TXP_FIB_LOCAL || r->type == TXP_FIB_BROADCAST ||
         r->type == TXP_FIB_MULTICAST || r->type == TXP_FIB_ANYCAST) &&
        r->ifindex == 0)
        return TXP_EINVAL;
    if (r->nnh >= 2)
        r->ifindex = 0;
    return TXP_OK;
}

static int
fib_route_insert(struct txp_fib *f, const struct txp_fib_route *rin, bool append)
{
    struct txp_fib_route r = *rin;

    int nrc = fib_route_norm(f, &r);
    if (nrc != TXP_OK)
        return nrc;
    struct fib_table *t = fib_table_make(f, r.table);
    if (t == NULL)
        return TXP_ENOMEM;
    struct fib_node **pp = &t->root;
    for (uint8_t depth = 0;; depth++) {
        if (*pp == NULL) {
            struct fib_node *n = fib_alloc(f, sizeof(*n));
            if (n == NULL)
                return TXP_ENOMEM;
            memset(n, 0, sizeof(*n));
            *pp = n;
        }
        if (depth == r.plen)
            break;
        pp = &(*pp)->child[(r.dst >> (31 - depth)) & 1u];
    }
    struct fib_node *n = *pp;
    for (uint32_t i = 0; i < n->nroutes; i++) {
        if (n->routes[i].tos == r.tos && n->routes[i].metric == r.metric &&
            (!append || fib_alias_same_info(&n->routes[i], &r)))
            return TXP_EEXIST;
    }
    r.fa_default = -1;
    int rc = fib_grow(f, (void **)&n->routes, &n->cap, n->nroutes + 1, sizeof(*n->routes));
    if (rc != TXP_OK)
        return rc;
    uint32_t pos = n->nroutes;
    while (pos > 0 && fib_alias_before(&r, &n->routes[pos - 1]))
        pos--;
    memmove(&n->routes[pos + 1], &n->routes[pos], (n->nroutes - pos) * sizeof(r));
    n->routes[pos] = r;
    n->nroutes++;
    t->count++;
    f->nroutes++;
    return TXP_OK;
}

/* Undo an add or append: remove the last alias identical to @p r (the one just added). */
int
fib_route_undo(struct txp_fib *f, const struct txp_fib_route *rin)
{
    struct txp_fib_route r = *rin;
    if (fib_route_norm(f, &r) != TXP_OK)
        return TXP_ENOENT;
    struct fib_table *t = fib_table_get(f, r.table);
    if (t == NULL || r.plen > 32)
        return TXP_ENOENT;
    struct fib_node *n = t->root;
    for (uint8_t depth = 0; n != NULL && depth < r.plen; depth++)
        n = n->child[(r.dst >> (31 - depth)) & 1u];
    if (n == NULL)
        return TXP_ENOENT;
    for (uint32_t i = n->nroutes; i-- > 0;) {
        const struct txp_fib_route *a = &n->routes[i];
        if (a->tos == r.tos && a->metric == r.metric && fib_alias_same_info(a, &r)) {
            memmove(&n->routes[i], &n->routes[i + 1], (n->nroutes - i - 1) * sizeof(r));
            n->nroutes--;
            t->count--;
            f->nroutes--;
            return TXP_OK;
        }
    }
    return TXP_ENOENT;
}

int
txp_fib_route_del(struct txp_fib *f, const struct txp_fib_route *r)
{
    struct fib_table *t = fib_table_get(f, r->table ? r->table : TXP_FIB_TABLE_MAIN);
    if (t == NULL || r->plen > 32)
        return TXP_ENOENT;
    struct fib_node *n = t->root;
    for (uint8_t depth = 0; n != NULL && depth < r->plen; depth++)
        n = n->child[(r->dst >> (31 - depth)) & 1u];
    if (n == NULL)
        return TXP_ENOENT;
    for (uint32_t i = 0; i < n->nroutes; i++) {
        const struct txp_fib_route *a = &n->routes[i];
        /* fib_table_delete: tos and metric select; a given gateway or device must match too
         * (fib_nh_match compares them with the first nexthop of a multipath route) */
        uint32_t agw = a->nnh >= 2 ? a->nh[0].gw : a->gw;
        uint32_t aif = a->nnh >= 2 ? a->nh[0].ifindex : a->ifindex;
        if (a->tos == r->tos && a->metric == r->metric && (r->gw == 0 || agw == r->gw) &&
            (r->ifindex == 0 || aif == r->ifindex)) {
            memmove(&n->routes[i], &n->routes[i + 1], (n->nroutes - i - 1) * sizeof(*r));
            n->nroutes--;
            t->count--;
            f->nroutes--;
            return TXP_OK;
        }
    }
    return TXP_ENOENT;
}

size_t
txp_fib_route_count(const struct txp_fib *f)
{
    return f->nroutes;
}

/* ------------------------------------------------------------------ rules */

int
fib_rule_insert(struct txp_fib *f, const struct txp_fib_rule *r)
{
    int rc = fib_grow(f, (void **)&f->rules, &f->rulecap, f->nrules + 1, sizeof(*r));
    if (rc != TXP_OK)
        return rc;
    uint32_t pos = f->nrules;
    while (pos > 0 && f->rules[pos - 1].pref > r->pref)
        pos--;
    memmove(&f->rules[pos + 1], &f->rules[pos], (f->nrules - pos) * sizeof(*r));
    f->rules[pos] = *r;
    f->nrules++;
    f->custom_rules = true;
    return TXP_OK;
}

int
txp_fib_rule_add(struct txp_fib *f, const struct txp_fib_rule *r)
{
    if (r->src_len > 32 || r->dst_len > 32 || r->action == 0 ||
        (r->action == TXP_FIB_ACT_TO_TBL && r->table == 0))
        return TXP_EINVAL;
    return fib_rule_insert(f, r);
}

void
txp_fib_rules_flush(struct txp_fib *f)
{
    f->nrules = 0;
    f->custom_rules = true;
}

static bool
fib_rule_match(const struct txp_fib *f, const struct txp_fib_rule *r, const struct txp_fib_flow *fl)
{
    bool m = true;

    if (r->iif != 0 || r->iif_lo)
        m = m && (r->iif_lo || r->iif == f->lo_index);
    if (r->oif != 0)
        m = m && r->oif == fl->oif;
    if (r->fwmask != 0)
        m = m && ((fl->mark ^ r->fwmark) & r->fwmask) == 0;
    if (r->has_uid)
        m = m && fl->uid >= r->uid_lo && fl->uid <= r->uid_hi;
    if (r->src_len != 0)
        m = m && ((fl->src ^ r->src) & fib_mask(r->src_len)) == 0;
    if (r->dst_len != 0)
        m = m && ((fl->dst ^ r->dst) & fib_mask(r->dst_len)) == 0;
    if (r->tos != 0)
        m = m && r->tos == (fl->tos & 0x1Eu);
    if (r->ipproto != 0)
        m = m && r->ipproto == fl->proto;
    if (r->sport_lo != 0 || r->sport_hi != 0)
        m = m && fl->sport >= r->sport_lo && fl->sport <= r->sport_hi;
    if (r->dport_lo != 0 || r->dport_hi != 0)
        m = m && fl->dport >= r->dport_lo && fl->dport <= r->dport_hi;
    return r->invert ? !m : m;
}

/* ------------------------------------------------------------------ lookup */

/* The node at each depth of dst's path in @p t (NULL where there is none). */
static void
fib_path(const struct fib_table *t, uint32_t dst, const struct fib_node *path[33])
{
    const struct fib_node *n = t ? t->root : NULL;
    for (int d = 0; d <= 32; d++) {
        path[d] = n;
        if (n == NULL || d == 32)
            continue;
        n = n->child[(dst >> (31 - d)) & 1u];
    }
    for (int d = 0; d <= 32; d++) {
        if (path[d] != NULL && path[d]->nroutes == 0)
            path[d] = NULL;
    }
}

static int
fib_type_error(enum txp_fib_type t)
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
        return TXP_OK;
    }
}

/* A multipath nexthop is alive while its device is up (fib_sync_down_dev marks it dead). */
static bool
fib_nh_alive(const struct txp_fib *f, const struct txp_fib_nh *nh)
{
    const struct fib_dev *d = fib_dev_by_index(f, nh->ifindex);
    return d != NULL && d->up;
}

/* The first live nexthop of @p r (on @p oif when it is not 0), or -1. */
static int
fib_mp_first(const struct txp_fib *f, const struct txp_fib_route *r, uint32_t oif)
{
    for (int i = 0; i < r->nnh; i++)
        if (fib_nh_alive(f, &r->nh[i]) && (oif == 0 || r->nh[i].ifindex == oif))
            return i;
    return -1;
}

static uint64_t
fib_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return h;
}

/* fib_multipath_hash: a 31-bit flow hash (policy 0: addresses; 1: the 5-tuple). */
static uint32_t
fib_mp_hash(const struct txp_fib *f, const struct txp_fib_flow *fl)
{
    uint64_t h = fib_mix(f->mp_seed, (uint64_t)fl->src << 32 | fl->dst);
    if (f->mp_policy == 1)
        h = fib_mix(h, (uint64_t)fl->proto << 32 | (uint32_t)fl->sport << 16 | fl->dport);
    return (uint32_t)(h >> 33);
}

/* fib_select_multipath with fib_rebalance's upper bounds: the first live nexthop whose bound
 * the hash does not exceed. */
static int
fib_mp_select(const struct txp_fib *f, const struct txp_fib_route *r, uint32_t hash)
{
    uint64_t total = 0, w = 0;
    for (int i = 0; i < r->nnh; i++)
        if (fib_nh_alive(f, &r->nh[i]))
            total += r->nh[i].weight;
    int first = -1;
    for (int i = 0; i < r->nnh && total; i++) {
        if (!fib_nh_alive(f, &r->nh[i]))
            continue;
        if (first < 0)
            first = i;
        w += r->nh[i].weight;
        int64_t ub = (int64_t)(((w << 31) + total / 2) / total) - 1;
        if ((int64_t)hash <= ub)
            return i;
    }
    return first;
}

int
txp_fib_set_multipath_hash(struct txp_fib *f, int policy, uint64_t seed)
{
    if (policy != 0 && policy != 1)
        return TXP_EINVAL;
    f->mp_policy = policy;
    f->mp_seed = seed;
    return TXP_OK;
}

/*
 * fib_table_lookup over one table, or over local+main merged (@p n == 2, local first).
 * @return TXP_OK with *hit, TXP_EAGAIN (nothing, or throw), or a route-type error.
 */
static int
fib_tables_lookup(const struct txp_fib *f, const struct fib_table *const *tabs, int n,
                  const struct txp_fib_flow *fl, const struct txp_fib_route **hit)
{
    const struct fib_node *path[2][33];

    for (int i = 0; i < n; i++)
        fib_path(tabs[i], fl->dst, path[i]);
    for (int plen = 32; plen >= 0; plen--) {
        for (int i = 0; i < n; i++) {
            const struct fib_node *node = path[i][plen];
            if (node == NULL)
                continue;
            for (uint32_t k = 0; k < node->nroutes; k++) {
                const struct txp_fib_route *r = &node->routes[k];
                if (r->tos != 0 && r->tos != (fl->tos & 0x1Eu))
                    continue;
                int err = fib_type_error(r->type);
                if (err != TXP_OK)
                    return err;
                if (r->nnh >= 2) {
                    /* a multipath route matches through any live nexthop (on oif if set) */
                    if (fib_mp_first(f, r, fl->oif) < 0)
                        continue;
                    *hit = r;
                    return TXP_OK;
                }
                if (r->ifindex != 0) {
                    const struct fib_dev *d = fib_dev_by_index(f, r->ifindex);
                    if (d == NULL || !d->up)
                        continue;
                }
                if (fl->oif != 0 && r->ifindex != fl->oif && r->type != TXP_FIB_LOCAL)
                    continue;
                *hit = r;
                return TXP_OK;
            }
        }
    }
    return TXP_EAGAIN;
}

void
txp_fib_set_neigh_state(struct txp_fib *f, txp_fib_neigh_state_fn fn, void *ctx)
{
    f->neigh_state = fn;
    f->neigh_ctx = ctx;
}

#define NUD_INCOMPLETE 0x01
#define NUD_REACHABLE 0x02
#define NUD_VALID 0xDE /* PERMANENT | NOARP | REACHABLE | PROBE | STALE | DELAY */

/* fib_detect_death: 0 when @p fi's gateway is good enough to use now; else 1, after noting
 * it as the last resort when it is valid (or, before any, not INCOMPLETE and after @p dflt). */
static int
fib_detect_death(const struct txp_fib *f, const struct txp_fib_route *fi, int order,
                 const struct txp_fib_route **last_resort, int *last_idx, int dflt)
{
    uint32_t gw = fi->nnh >= 2 ? fi->nh[0].gw : fi->gw;
    uint32_t dev = fi->nnh >= 2 ? fi->nh[0].ifindex : fi->ifindex;
    int state = f->neigh_state != NULL ? f->neigh_state(f->neigh_ctx, dev, gw) : -1;

    if (state < 0)
        return 0; /* no neighbour entry */
    if (state == NUD_REACHABLE)
        return 0;
    if ((state & NUD_VALID) && order != dflt)
        return 0;
    if ((state & NUD_VALID) || (*last_idx < 0 && order > dflt && state != NUD_INCOMPLETE)) {
        *last_resort = fi;
        *last_idx = order;
    }
    return 1;
}

static bool
fib_route_dead(const struct txp_fib *f, const struct txp_fib_route *r)
{
    if (r->nnh >= 2)
        return fib_mp_first(f, r, 0) < 0;
    if (r->ifindex == 0)
        return false;
    const struct fib_dev *d = fib_dev_by_index(f, r->ifindex);
    return d == NULL || !d->up;
}

/*
 * fib_select_default: @p hit is a /0 unicast route of a table holding more than one default
 * route. Walk the table's default aliases of @p hit's TOS and metric that are unicast, of the
 * same scope and with a link-scope gateway, and pick by neighbour state; the choice is
 * remembered in the first alias (fa_default), which is why the walk writes to the table.
 */
static const struct txp_fib_route *
fib_select_default(const struct txp_fib *f, const struct txp_fib_flow *fl,
                   const struct txp_fib_route *hit)
{
    const struct fib_table *t = fib_table_get(f, hit->table);
    const struct txp_fib_route *fi = NULL, *last_resort = NULL;
    struct txp_fib_route *fa1 = NULL;
    int order = -1, last_idx = -1;
    uint32_t last_prio = hit->metric;
    uint8_t last_tos = 0;

    if (t == NULL || t->root == NULL)
        return hit;
    for (uint32_t k = 0; k < t->root->nroutes; k++) {
        struct txp_fib_route *fa = &t->root->routes[k];
        if (fa->tos != 0 && fa->tos != (fl->tos & 0x1Eu))
            continue;
        if (fa->metric > last_prio && fa->tos == last_tos) {
            if (last_tos != 0)
                continue;
            break;
        }
        if (fib_route_dead(f, fa))
            continue;
        last_tos = fa->tos;
        last_prio = fa->metric;
        if (fa->scope != hit->scope || fa->type != TXP_FIB_UNICAST)
            continue;
        /* the first nexthop must be a gateway (its scope is link: it resolved on link) */
        if ((fa->nnh >= 2 ? fa->nh[0].gw : fa->gw) == 0)
            continue;
        if (fi == NULL) {
            if (fa != hit)
                break;
            fa1 = fa;
        } else if (!fib_detect_death(f, fi, order, &last_resort, &last_idx, fa1->fa_default)) {
            fa1->fa_default = order;
            return fi;
        }
        fi = fa;
        order++;
    }
    if (order <= 0 || fi == NULL) {
        if (fa1 != NULL)
            fa1->fa_default = -1;
        return hit;
    }
    if (!fib_detect_death(f, fi, order, &last_resort, &last_idx, fa1->fa_default)) {
        fa1->fa_default = order;
        return fi;
    }
    fa1->fa_default = last_idx;
    return last_idx >= 0 ? last_resort : hit;
}

/* tb_num_default: routes of /0 in @p hit's table. */
static uint32_t
fib_num_default(const struct txp_fib *f, uint32_t table)
{
    const struct fib_table *t = fib_table_get(f, table);
    return t != NULL && t->root != NULL ? t->root->nroutes : 0;
}

/* fib_lookup: the merged fast path, or the rule walk. */
static int
fib_resolve(const struct txp_fib *f, const struct txp_fib_flow *fl,
            const struct txp_fib_route **hit)
{
    if (!f->custom_rules) {
        const struct fib_table *m[2] = {fib_table_get(f, TXP_FIB_TABLE_LOCAL),
                                        fib_table_get(f, TXP_FIB_TABLE_MAIN)};
        int err = fib_tables_lookup(f, m, 2, fl, hit);
        if (err != TXP_EAGAIN)
            return err;
        const struct fib_table *dflt = fib_table_get(f, TXP_FIB_TABLE_DEFAULT);
        err = fib_tables_lookup(f, &dflt, 1, fl, hit);
        return err == TXP_EAGAIN ? TXP_ENETUNREACH : err;
    }
    for (uint32_t i = 0; i < f->nrules; i++) {
        const struct txp_fib_rule *r = &f->rules[i];
        if (!fib_rule_match(f, r, fl))
            continue;
        switch (r->action) {
        case TXP_FIB_ACT_GOTO: {
            uint32_t k = i + 1;
            while (k < f->nrules && f->rules[k].pref < r->goto_pref)
                k++;
            if (k < f->nrules && f->rules[k].pref == r->goto_pref)
                i = k - 1; /* continue at the target */
            break;
        }
        case TXP_FIB_ACT_NOP:
            break;
        case TXP_FIB_ACT_BLACKHOLE:
            return TXP_EINVAL;
        case TXP_FIB_ACT_UNREACHABLE:
            return TXP_ENETUNREACH;
        case TXP_FIB_ACT_PROHIBIT:
            return TXP_EACCES;
        case TXP_FIB_ACT_TO_TBL:
        default: {
            const struct fib_table *t = fib_table_get(f, r->table);
            if (t == NULL)
                break;
            int err = fib_tables_lookup(f, &t, 1, fl, hit);
            if (err == TXP_EAGAIN)
                break;
            if (err == TXP_OK && r->suppress_prefixlen >= 0 &&
                (int32_t)(*hit)->plen <= r->suppress_prefixlen)
                break;
            return err;
        }
        }
    }
    return TXP_ENETUNREACH;
}

static bool
fib_is_multicast(uint32_t a)
{
    return (a & 0xF0000000u) == 0xE0000000u;
}

static bool
fib_is_loopback(uint32_t a)
{
    return (a >> 24) == 127u;
}

int
txp_fib_lookup(const struct txp_fib *f, const struct txp_fib_flow *flow, struct txp_fib_result *res)
{
    struct txp_fib_flow fl = *flow;
    const struct txp_fib_route *hit = NULL;
    const struct fib_dev *dev_out = NULL;

    memset(res, 0, sizeof(*res));
    fl.tos &= 0xFCu; /* the flow's TOS is reduced to DSCP, then RT_TOS per route */
    res->table = TXP_FIB_TABLE_MAIN;
    res->src_given = fl.src != 0;
    if (fl.src != 0) {
        if (fib_is_multicast(fl.src) || fl.src == 0xFFFFFFFFu)
            return TXP_EINVAL;
        if (!fib_is_local_addr(f, fl.src))
            return TXP_ENETUNREACH;
    }
    if (fl.oif != 0) {
        dev_out = fib_dev_by_index(f, fl.oif);
        if (dev_out == NULL)
            return TXP_ENOENT;
        if (!dev_out->up)
            return TXP_ENETUNREACH;
        if (fl.dst == 0xFFFFFFFFu || fib_is_multicast(fl.dst)) {
            res->type = fl.dst == 0xFFFFFFFFu ? TXP_FIB_BROADCAST : TXP_FIB_MULTICAST;
            res->oif = fl.oif;
            res->src = fl.src ? fl.src : fib_select_addr(f, fl.oif, 0, TXP_FIB_SCOPE_LINK);
            res->mtu = dev_out->mtu;
            return TXP_OK;
        }
    }
    if (fl.dst == 0) {
        fl.dst = fl.src;
        if (fl.dst == 0)
            fl.src = 0x7F000001u;
        res->type = TXP_FIB_LOCAL;
        res->oif = f->lo_index;
        res->src = fl.src ? fl.src : 0x7F000001u;
        dev_out = fib_dev_by_index(f, f->lo_index);
        res->mtu = dev_out ? dev_out->mtu : 65536;
        return TXP_OK;
    }
    int err = fib_resolve(f, &fl, &hit);
    if (err != TXP_OK) {
        if (fl.oif != 0) {
            /* No route but a device was named: assume the destination is on link. */
            res->type = TXP_FIB_UNICAST;
            res->oif = fl.oif;
            res->src = fl.src ? fl.src : fib_select_addr(f, fl.oif, 0, TXP_FIB_SCOPE_LINK);
            res->mtu = dev_out->mtu;
            return TXP_OK;
        }
        return err;
    }
    res->table = hit->table;
    if (!f->custom_rules && hit->table == TXP_FIB_TABLE_LOCAL)
        res->table = TXP_FIB_TABLE_MAIN; /* merged: the local routes live in main's trie */
    res->prefix = hit->dst;
    res->plen = hit->plen;
    res->scope = hit->scope;
    res->tos = hit->tos;
    res->type = hit->type;
    if (hit->type == TXP_FIB_LOCAL) {
        res->oif = f->lo_index;
        res->src = fl.src ? fl.src : (hit->prefsrc ? hit->prefsrc : fl.dst);
        dev_out = fib_dev_by_index(f, f->lo_index);
        res->mtu = hit->mtu ? hit->mtu : (dev_out ? dev_out->mtu : 65536);
        return TXP_OK;
    }
    /* fib_select_path: several equal default routes without an oif: fib_select_default */
    if (fl.oif == 0 && hit->plen == 0 && hit->nnh < 2 && hit->type == TXP_FIB_UNICAST &&
        fib_num_default(f, hit->table) > 1)
        hit = fib_select_default(f, &fl, hit);
    uint32_t out_if = hit->ifindex, gw = hit->gw;
    if (hit->nnh >= 2) {
        /* fib_select_path: with an oif the lookup already picked its nexthop; else hash */
        int sel =
            fl.oif ? fib_mp_first(f, hit, fl.oif) : fib_mp_select(f, hit, fib_mp_hash(f, &fl));
        if (sel < 0)
            return TXP_ENETUNREACH;
        res->nh_sel = (uint8_t)sel;
        out_if = hit->nh[sel].ifindex;
        gw = hit->nh[sel].gw;
    }
    res->oif = out_if;
    res->gw = gw;
    dev_out = fib_dev_by_index(f, out_if);
    if (fl.src == 0)
        res->src = hit->prefsrc ? hit->prefsrc : fib_select_addr(f, out_if, gw, hit->scope);
    else
        res->src = fl.src;
    if (fib_is_loopback(res->src) && dev_out != NULL && !dev_out->loopback)
        return TXP_EINVAL;
    if (fl.dst == 0xFFFFFFFFu) {
        res->type = TXP_FIB_BROADCAST;
        res->gw = 0;
    } else if (fib_is_multicast(fl.dst)) {
        res->type = TXP_FIB_MULTICAST;
        res->gw = 0;
    } else if ((fl.dst >> 24) == 0) {
        return TXP_EINVAL;
    }
    if (res->type == TXP_FIB_BROADCAST)
        res->gw = 0;
    res->mtu = hit->mtu ? hit->mtu : (dev_out ? dev_out->mtu : 0);
    return TXP_OK;
}
