/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: the compiled fast path. Same verdicts, rewrites and counters as the reference
 * interpreter (eval.c), found faster: per chain, a multi-way range-cut decision tree over
 * (source address, destination address, protocol, source port, destination port) narrows the
 * chain to the few rules whose 5-tuple box holds the packet, in rule order; each candidate is
 * then checked in full with the interpreter's own matcher (or taken at once when its box is
 * the whole rule), and targets, jumps, gotos, RETURN, policies and counters run as in eval.c.
 *
 * Boxes. Every rule gets inclusive ranges per dimension (compile_int.h: txp_ipt__box) holding
 * every packet it can match: -s/-d give [addr, addr | ~mask], -p a point, the first tcp/udp
 * match of a `-p tcp|udp` rule its --sport/--dport ranges (only when no match before it can
 * have a side effect when evaluated: a limit spends credit, a tcp match may hotdrop on a
 * packet that is not TCP or when it looks for an option), everything else the full range. A
 * rule is EXACT when its box says everything (no inversions, no interface, no -f, only
 * port-only tcp/udp and comment matches): a packet inside its box then matches it without
 * asking the matcher. EXACT rules with ACCEPT, DROP or REJECT are TERMinal.
 *
 * Skipping a rule whose box misses the packet is what the interpreter does too, minus the work:
 * the part of the rule that misses is evaluated, in the kernel's order, before anything with a
 * side effect (ip_packet_match first, then matches in order). Packets the key cannot describe
 * (tcp/udp non-first fragments, truncated L4 headers, malformed IP headers) walk every rule
 * through the matcher, as the interpreter.
 *
 * Groups (EffiCuts' separation of large and small rules). A chain's rules are split by shape,
 * the set of dimensions in which a rule is wide (> 2^24 addresses, any protocol, > 2^12
 * ports), into at most GROUPS_MAX trees: an exhaustive search over the most common shapes
 * picks the group shapes, each rule joins the narrowest group shape that contains its own, and
 * the cost weighs the wide dimensions a rule gains from its group (copies when its tree cuts
 * there) against one more descent per lookup. Trees are sorted by their first rule; a lookup
 * descends a tree only while its candidates so far come after that tree's first rule, and
 * merges the trees' candidates by rule number.
 *
 * Tree (HyperSplit-like, Qi et al. 2009, with multi-way cuts as in HiCuts/HyperCuts):
 *
 *     node (96 bytes):  thr[0..6] sorted cut points on dimension `dim`, child[0..7] and
 *                       cmin[0..7] (the smallest rule id under each child)
 *         child i holds key[dim] in (thr[i-1], thr[i]]; unused cut points are UINT32_MAX,
 *         so i = number of cut points below the key (branch-free, seven compares)
 *     child ref:        bit 31 set = leaf: offset into leaf[] of {count, rule ids ascending}
 *
 * A node's cut points are the weighted quantiles of the rules' clipped endpoints (8-, then 4-,
 * then 2-way) on the dimension whose cut leaves the smallest largest child while copying at
 * most REPL_MAX_PCT percent of the rules (rules spanning a cut go to both sides). A list is cut
 * after its first TERM rule covering the whole region (nothing after it can be reached); a node
 * becomes a leaf at <= LEAF_MAX rules, at depth DEPTH_MAX, when no cut separates anything, or
 * when the tree's copy budget (BUDGET_PER_RULE x rules) is spent.
 *
 * Complexity: build O(d x n log n) per tree level; lookups O(trees x depth + candidates).
 *
 * Entry points: txp_ipt_compile, txp_ipt_compiled_do_table, txp_ipt_compiled_do_hook,
 * txp_ipt_compiled_free, txp_ipt_compiled_mem; for tests:
 * txp_ipt__rule_box, txp_ipt__pkt_key, txp_ipt__compiled_first, txp_ipt__compiled_stats.
 *
 * References: net/ipv4/netfilter/ip_tables.c (ipt_do_table, ip_packet_match);
 * net/netfilter/xt_tcpudp.c (what the port checks read); D. E. Taylor, J. S. Turner,
 * "ClassBench" (2005); Y. Qi et al., "Packet classification algorithms: from theory to
 * practice" (HyperSplit, INFOCOM 2009); B. Vamanan et al., "EffiCuts" (SIGCOMM 2010); DPDK
 * lib/acl (the peer in bench/bench_ipt.c).
 */
#include "compile_int.h"
#include "eval_int.h"
#include "walk.h"

#include <stdlib.h>
#include <string.h>

/* Tuning, measured with bench/bench_ipt.c on the acl/fw/ipc sets (counts of node visits and
 * box tests per packet, which do not depend on the machine's load):
 *   FANOUT 8          seven cut points, eight children per node; 16 was no faster
 *   LEAF_MAX 6        a leaf's rules are tested one after the other; 10 was no faster
 *   DEPTH_MAX 24      a bound on recursion; trees of 10,000 rules are 7-15 deep
 *   BUDGET_PER_RULE   leaf entries a tree may hold per rule (plus BUDGET_MIN) before it stops
 *                     cutting: bounds memory on sets whose rules overlap badly
 *   REPL_MAX_PCT 400  a cut may copy rules up to 4x: 150 left fw/ipc leaves 10x longer;
 *                     with 4 trees, 400 ran fw/ipc 10,000 about 5-8% faster than 250
 *                     (800 and 2000 the same as 400: the copy budget binds first)
 *   GROUPS_MAX 4      trees per chain; each costs a descent per packet (when not pruned).
 *                     Packets/s of the compiled path at 10,000 rules (acl/fw/ipc, one run):
 *                     2 trees 2.8/1.0/0.8 M, 3: 8.1/0.9/1.6 M, 4: 8.3/5.1/4.7 M,
 *                     5: 6.8/4.5/4.0 M, 6: 6.6/4.1/3.7 M, 8: 6.4/3.9/3.3 M. With more room
 *                     the search picks more groups whose trees come out deeper, with longer
 *                     leaves (acl: 8 deep, 8 per leaf with 4 trees; 15 and 48 with 5 or 6),
 *                     which the cost below does not see; weighing a descent at live/2 or
 *                     live instead of live/8 did not recover it
 *   GROUP_MIN_RULES   chains of at most twice this many rules get a single tree
 *   GROUP_CANDS 16    shapes the group search considers (it tries their subsets of up to
 *                     GROUPS_MAX) */
#define LEAF_BIT 0x80000000u
#define FANOUT 8
#define LEAF_MAX 6
#define DEPTH_MAX 24
#define BUDGET_PER_RULE 48u
#define BUDGET_MIN 4096u
#define GROUPS_MAX 4
#define REPL_MAX_PCT 400u
#define GROUP_MIN_RULES 8u
#define GROUP_CANDS 16u

static const uint32_t dim_max[TXP_IPT__D_COUNT] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFu, 0xFFFFu,
                                                   0xFFFFu};

/* ---------------------------------------------------------------- boxes and keys */

static unsigned
addr_box(uint32_t a, uint32_t m, uint32_t *lo, uint32_t *hi)
{
    /* (v & m) == a implies a <= v <= a | ~m whatever the mask; exact when m is a prefix. */
    if ((a & ~m) != 0)
        return TXP_IPT__B_EMPTY;
    *lo = a;
    *hi = a | ~m;
    uint32_t inv = ~m;
    return (inv & (inv + 1u)) == 0 ? TXP_IPT__B_EXACT : 0;
}

static int
iface_any(const uint8_t mask[TXP_IPT_IFNAMSIZ])
{
    for (int i = 0; i < TXP_IPT_IFNAMSIZ; i++)
        if (mask[i])
            return 0;
    return 1;
}

unsigned
txp_ipt__rule_box(const struct txp_ipt_rule *r, struct txp_ipt__box *b)
{
    const struct txp_ipt_ip *ip = &r->ip;
    unsigned exact = TXP_IPT__B_EXACT, empty = 0, f;
    for (int d = 0; d < TXP_IPT__D_COUNT; d++) {
        b->lo[d] = 0;
        b->hi[d] = dim_max[d];
    }
    if (ip->invflags & TXP_IPT_INV_SRCIP) {
        exact = 0;
    } else {
        f = addr_box(ip->src, ip->smsk, &b->lo[TXP_IPT__D_SRC], &b->hi[TXP_IPT__D_SRC]);
        empty |= f & TXP_IPT__B_EMPTY;
        exact &= f;
    }
    if (ip->invflags & TXP_IPT_INV_DSTIP) {
        exact = 0;
    } else {
        f = addr_box(ip->dst, ip->dmsk, &b->lo[TXP_IPT__D_DST], &b->hi[TXP_IPT__D_DST]);
        empty |= f & TXP_IPT__B_EMPTY;
        exact &= f;
    }
    if ((ip->invflags & (TXP_IPT_INV_VIA_IN | TXP_IPT_INV_VIA_OUT)) ||
        !iface_any(ip->iniface_mask) || !iface_any(ip->outiface_mask))
        exact = 0;
    if ((ip->flags & TXP_IPT_F_FRAG) || (ip->invflags & TXP_IPT_INV_FRAG))
        exact = 0;
    int l4proto = 0; /* the protocol every packet of this rule has, 0 = not known */
    if (ip->proto != 0) {
        if (ip->invflags & TXP_IPT_INV_PROTO) {
            exact = 0;
        } else if (ip->proto > 255) {
            empty = TXP_IPT__B_EMPTY;
        } else {
            b->lo[TXP_IPT__D_PROTO] = b->hi[TXP_IPT__D_PROTO] = ip->proto;
            l4proto = ip->proto;
        }
    }
    int ports_done = 0, pure_so_far = 1;
    for (uint32_t i = 0; i < r->n_matches; i++) {
        const struct txp_ipt_match *m = &r->matches[i];
        if (m->kind == TXP_IPT_M_COMMENT)
            continue;
        if ((m->kind == TXP_IPT_M_TCP && l4proto == 6) ||
            (m->kind == TXP_IPT_M_UDP && l4proto == 17)) {
            const struct txp_ipt_m_tcpudp *tu = &m->u.tcpudp;
            if (!ports_done && pure_so_far && !(tu->invflags & 0x03)) {
                ports_done = 1;
                if (tu->spts[0] > tu->spts[1] || tu->dpts[0] > tu->dpts[1])
                    empty = TXP_IPT__B_EMPTY;
                b->lo[TXP_IPT__D_SPORT] = tu->spts[0];
                b->hi[TXP_IPT__D_SPORT] = tu->spts[1];
                b->lo[TXP_IPT__D_DPORT] = tu->dpts[0];
                b->hi[TXP_IPT__D_DPORT] = tu->dpts[1];
                if (tu->flg_mask != 0 || tu->option != 0 || (tu->invflags & 0x0C))
                    exact = 0;
            } else {
                exact = 0;
            }
            if (m->kind == TXP_IPT_M_TCP && tu->option != 0)
                pure_so_far = 0; /* a bad data offset hotdrops when the option is looked for */
            continue;
        }
        exact = 0;
        /* limit spends credit; a tcp match on a packet that is not TCP may find no 20-byte
         * header and hotdrop (matches.c); the others cannot fail loudly on a packet whose key
         * has ports (a first fragment with its whole TCP or UDP header) */
        if (m->kind == TXP_IPT_M_LIMIT || m->kind == TXP_IPT_M_TCP)
            pure_so_far = 0;
    }
    if (empty) {
        /* An empty box is only trusted when reaching the empty part has no side effect; the
         * port part is, by construction; the IP part always is. */
        return TXP_IPT__B_EMPTY;
    }
    unsigned flags = exact;
    if (exact && (r->target.kind == TXP_IPT_T_ACCEPT || r->target.kind == TXP_IPT_T_DROP ||
                  r->target.kind == TXP_IPT_T_REJECT))
        flags |= TXP_IPT__B_TERM;
    return flags;
}

static uint32_t
rd16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The key of a packet the interpreter accepted (txp_ipt__pkt_init); 0 when the tcp/udp matches
 * would not see ports (a non-first fragment or a header that is not all there). */
static int
key_of(const struct txp_ipt__pkt *p, uint32_t key[TXP_IPT__D_COUNT])
{
    key[TXP_IPT__D_SRC] = rd32(p->ip + 12);
    key[TXP_IPT__D_DST] = rd32(p->ip + 16);
    key[TXP_IPT__D_PROTO] = p->proto;
    key[TXP_IPT__D_SPORT] = 0;
    key[TXP_IPT__D_DPORT] = 0;
    if (p->proto == 6 || p->proto == 17) {
        const uint8_t *l4 = txp_ipt__pkt_at(p, p->thoff, p->proto == 6 ? 20u : 8u);
        if (p->fragoff != 0 || !l4)
            return 0;
        key[TXP_IPT__D_SPORT] = rd16(l4);
        key[TXP_IPT__D_DPORT] = rd16(l4 + 2);
    }
    return 1;
}

int
txp_ipt__pkt_key(uint8_t *ip, size_t len, uint32_t key[TXP_IPT__D_COUNT])
{
    struct txp_ipt__pkt p;
    if (txp_ipt__pkt_init(&p, ip, len) != TXP_OK)
        return 0;
    return key_of(&p, key);
}

/* ---------------------------------------------------------------- the tree */

struct cl_node {
    uint32_t thr[FANOUT - 1];
    uint32_t dim;
    uint32_t child[FANOUT];
    uint32_t cmin[FANOUT]; /* smallest rule id under each child (UINT32_MAX: none) */
};

struct cl_tree {
    uint32_t root;
    uint32_t first; /* smallest rule id in the tree (trees are kept sorted by it) */
    struct cl_node *nodes;
    uint32_t n_nodes, cap_nodes;
    uint32_t *leaf;
    uint32_t n_leaf, cap_leaf;
    uint32_t budget; /* leaf entries still allowed */
    struct txp_ipt__tree_stats st;
};

struct cl_chain {
    uint32_t n_rules, n_trees;
    struct txp_ipt__box *box;
    uint8_t *flags;
    struct cl_tree tree[GROUPS_MAX];
};

struct txp_ipt_compiled {
    struct txp_ipt_ruleset *rs;
    struct cl_chain *chains[TXP_IPT_TABLE_COUNT]; /* rs->tables[t].n_chains each */
    uint32_t n_chains[TXP_IPT_TABLE_COUNT];
    size_t mem;
};

static int
grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return TXP_OK;
    uint32_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > UINT32_MAX / 2)
            return TXP_ENOMEM;
        nc *= 2;
    }
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return TXP_ENOMEM;
    *p = q;
    *cap = nc;
    return TXP_OK;
}

static int
leaf_add(struct cl_tree *tr, const uint32_t *ids, uint32_t n, uint32_t *ref, uint32_t depth)
{
    if (n == 0 && tr->n_leaf > 0 && tr->leaf[0] == 0) {
        *ref = LEAF_BIT; /* the shared empty leaf at offset 0 */
    } else {
        if (tr->n_leaf >= LEAF_BIT - n - 1 ||
            grow((void **)&tr->leaf, &tr->cap_leaf, tr->n_leaf + n + 1, sizeof(uint32_t)))
            return TXP_ENOMEM;
        *ref = LEAF_BIT | tr->n_leaf;
        tr->leaf[tr->n_leaf] = n;
        if (n)
            memcpy(&tr->leaf[tr->n_leaf + 1], ids, (size_t)n * sizeof(uint32_t));
        tr->n_leaf += n + 1;
    }
    tr->st.leaves++;
    tr->st.leaf_entries += n;
    if (n > tr->st.max_leaf)
        tr->st.max_leaf = n;
    if (depth > tr->st.max_depth)
        tr->st.max_depth = depth;
    tr->budget = tr->budget > n ? tr->budget - n : 0;
    return TXP_OK;
}

struct region {
    uint32_t lo[TXP_IPT__D_COUNT], hi[TXP_IPT__D_COUNT];
};

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Number of entries of sorted @p v that are <= @p x. */
static uint32_t
count_le(const uint32_t *v, uint32_t n, uint32_t x)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Number of entries of sorted @p v that are < @p x. */
static uint32_t
count_lt(const uint32_t *v, uint32_t n, uint32_t x)
{
    return x == 0 ? 0 : count_le(v, n, x - 1);
}

struct scratch {
    uint32_t *lo, *hi, *cand; /* n each; cand 2n */
};

struct cut {
    uint32_t dim, k; /* k children */
    uint32_t thr[FANOUT - 1];
    uint64_t sum;
    uint32_t maxc;
};

/* Choose the cut points on dimension @p d for the rules @p ids inside @p rg. @return 0 when
 * the dimension cannot be cut. */
static int
plan_cut(const struct cl_chain *ch, const uint32_t *ids, uint32_t n, const struct region *rg,
         uint32_t d, struct scratch *s, struct cut *out)
{
    uint32_t rlo = rg->lo[d], rhi = rg->hi[d], nc = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct txp_ipt__box *b = &ch->box[ids[i]];
        uint32_t lo = b->lo[d] > rlo ? b->lo[d] : rlo, hi = b->hi[d] < rhi ? b->hi[d] : rhi;
        s->lo[i] = lo;
        s->hi[i] = hi;
        if (hi < rhi)
            s->cand[nc++] = hi;
        if (lo > rlo)
            s->cand[nc++] = lo - 1;
    }
    if (nc == 0)
        return 0;
    qsort(s->cand, nc, sizeof(uint32_t), cmp_u32);
    uint32_t u = 0;
    for (uint32_t i = 0; i < nc; i++)
        if (u == 0 || s->cand[i] != s->cand[u - 1])
            s->cand[u++] = s->cand[i];
    qsort(s->lo, n, sizeof(uint32_t), cmp_u32);
    qsort(s->hi, n, sizeof(uint32_t), cmp_u32);
    /* Elementary segments [cand[j-1]+1, cand[j]] (j = 0..u, ends at rlo and rhi); weight =
     * rules overlapping it. Cut at the weighted quantiles. */
    uint64_t total = 0;
    for (uint32_t j = 0; j <= u; j++) {
        uint32_t a = j == 0 ? rlo : s->cand[j - 1] + 1, e = j == u ? rhi : s->cand[j];
        total += count_le(s->lo, n, e) - count_lt(s->hi, n, a);
    }
    /* Try FANOUT-way, then 4- and 2-way cuts; keep the widest whose copies stay within
     * REPL_MAX_PCT of the rules (else the one with the fewest copies). */
    int have = 0;
    for (uint32_t want = FANOUT; want >= 2; want /= 2) {
        struct cut c;
        uint32_t k = u + 1 < want ? u + 1 : want, nt = 0;
        uint64_t acc = 0;
        for (uint32_t j = 0; j < u && nt < k - 1; j++) {
            uint32_t a = j == 0 ? rlo : s->cand[j - 1] + 1, e = s->cand[j];
            acc += count_le(s->lo, n, e) - count_lt(s->hi, n, a);
            /* place cut nt+1 once the running weight passes its share */
            if (acc * k >= total * (nt + 1) || u - j <= (k - 1) - nt)
                c.thr[nt++] = e;
        }
        if (nt == 0)
            c.thr[nt++] = s->cand[u / 2];
        c.dim = d;
        c.k = nt + 1;
        c.sum = 0;
        c.maxc = 0;
        for (uint32_t i = 0; i <= nt; i++) {
            uint32_t a = i == 0 ? rlo : c.thr[i - 1] + 1, e = i == nt ? rhi : c.thr[i];
            uint32_t cnt = count_le(s->lo, n, e) - count_lt(s->hi, n, a);
            c.sum += cnt;
            if (cnt > c.maxc)
                c.maxc = cnt;
        }
        for (uint32_t i = nt; i < FANOUT - 1; i++)
            c.thr[i] = UINT32_MAX;
        /* useful: separates something; ok: and copies few rules */
        int ok = c.maxc < n && c.sum * 100 <= (uint64_t)n * REPL_MAX_PCT;
        int out_ok = have && out->maxc < n && out->sum * 100 <= (uint64_t)n * REPL_MAX_PCT;
        if (!have || (ok && !out_ok) || (!ok && !out_ok && c.maxc < out->maxc)) {
            *out = c;
            have = 1;
        }
        if (ok)
            break;
    }
    return 1;
}

static int
box_covers(const struct txp_ipt__box *b, const struct region *rg)
{
    for (int d = 0; d < TXP_IPT__D_COUNT; d++)
        if (b->lo[d] > rg->lo[d] || b->hi[d] < rg->hi[d])
            return 0;
    return 1;
}

static int
build(const struct cl_chain *ch, struct cl_tree *tr, const uint32_t *in, uint32_t n,
      const struct region *rg, uint32_t depth, struct scratch *s, uint32_t *ref)
{
    /* Nothing after a terminal rule covering the region can be reached. */
    uint32_t m = 0;
    for (; m < n; m++)
        if ((ch->flags[in[m]] & TXP_IPT__B_TERM) && box_covers(&ch->box[in[m]], rg)) {
            m++;
            break;
        }
    if (m <= LEAF_MAX || depth >= DEPTH_MAX || tr->budget < m)
        return leaf_add(tr, in, m, ref, depth);
    struct cut best = {0}, c;
    int have = 0;
    for (uint32_t d = 0; d < TXP_IPT__D_COUNT; d++) {
        if (!plan_cut(ch, in, m, rg, d, s, &c))
            continue;
        /* within the copy limit: the smallest largest child, then fewer copies; beyond it:
         * fewer copies */
        int cok = c.maxc < m && c.sum * 100 <= (uint64_t)m * REPL_MAX_PCT;
        int bok = have && best.maxc < m && best.sum * 100 <= (uint64_t)m * REPL_MAX_PCT;
        if (!have || (cok && !bok) ||
            (cok && bok && (c.maxc < best.maxc || (c.maxc == best.maxc && c.sum < best.sum))) ||
            (!cok && !bok && (c.maxc < best.maxc || (c.maxc == best.maxc && c.sum < best.sum)))) {
            best = c;
            have = 1;
        }
    }
    if (!have || best.maxc >= m)
        return leaf_add(tr, in, m, ref, depth);
    if (grow((void **)&tr->nodes, &tr->cap_nodes, tr->n_nodes + 1, sizeof(struct cl_node)))
        return TXP_ENOMEM;
    uint32_t me = tr->n_nodes++;
    tr->st.nodes++;
    tr->nodes[me].dim = best.dim;
    memcpy(tr->nodes[me].thr, best.thr, sizeof best.thr);
    uint32_t *sub = malloc((size_t)m * sizeof(uint32_t));
    if (!sub)
        return TXP_ENOMEM;
    uint32_t d = best.dim;
    int rc = TXP_OK;
    for (uint32_t k = 0; k < FANOUT && rc == TXP_OK; k++) {
        uint32_t cref = LEAF_BIT, cmin = UINT32_MAX;
        if (k < best.k) {
            struct region cr = *rg;
            cr.lo[d] = k == 0 ? rg->lo[d] : best.thr[k - 1] + 1;
            cr.hi[d] = k == best.k - 1 ? rg->hi[d] : best.thr[k];
            uint32_t cn = 0;
            for (uint32_t i = 0; i < m; i++) {
                const struct txp_ipt__box *b = &ch->box[in[i]];
                if (b->lo[d] <= cr.hi[d] && b->hi[d] >= cr.lo[d])
                    sub[cn++] = in[i];
            }
            rc = build(ch, tr, sub, cn, &cr, depth + 1, s, &cref);
            cmin = cn ? sub[0] : UINT32_MAX;
        } else {
            rc = leaf_add(tr, NULL, 0, &cref, depth + 1);
        }
        /* tr->nodes may have moved while the child was built */
        tr->nodes[me].child[k] = cref;
        tr->nodes[me].cmin[k] = cmin;
    }
    free(sub);
    *ref = me;
    return rc;
}

static void
chain_free(struct cl_chain *ch)
{
    free(ch->box);
    free(ch->flags);
    for (uint32_t g = 0; g < GROUPS_MAX; g++) {
        free(ch->tree[g].nodes);
        free(ch->tree[g].leaf);
    }
}

/* Which dimensions of a box are wide (EffiCuts' "large" fields): bit d set when the range
 * covers more than 2^24 addresses, more than one protocol or more than 2^12 ports. Rules of
 * one shape share a tree well: a tree seldom copies a rule into every child of a cut on a
 * dimension the rule spans. */
#define SHAPES 32

static unsigned
box_shape(const struct txp_ipt__box *b)
{
    unsigned s = 0;
    s |= b->hi[TXP_IPT__D_SRC] - b->lo[TXP_IPT__D_SRC] >= (1u << 24) ? 1u : 0u;
    s |= b->hi[TXP_IPT__D_DST] - b->lo[TXP_IPT__D_DST] >= (1u << 24) ? 2u : 0u;
    s |= b->hi[TXP_IPT__D_PROTO] != b->lo[TXP_IPT__D_PROTO] ? 4u : 0u;
    s |= b->hi[TXP_IPT__D_SPORT] - b->lo[TXP_IPT__D_SPORT] >= (1u << 12) ? 8u : 0u;
    s |= b->hi[TXP_IPT__D_DPORT] - b->lo[TXP_IPT__D_DPORT] >= (1u << 12) ? 16u : 0u;
    return s;
}

/* The search for group shapes: candidates are the most common shapes (and the all-wide one);
 * a rule of shape s joins the group whose shape is the narrowest superset of s (it is narrow
 * wherever that tree cuts). Cost of a choice: every wide dimension a rule gets from its group
 * beyond its own (copies when the tree cuts there) and a lookup's extra descent per group. */
struct gsearch {
    const uint32_t *cnt;
    uint32_t cand[GROUP_CANDS + 1], n_cand, live;
    uint32_t pick[GROUPS_MAX], n_pick;
    uint32_t best[GROUPS_MAX], n_best;
    uint64_t best_cost;
};

/* Wide dimensions a shape-s rule gains in a group of shape sh: an address counts 16 (a tree
 * mostly cuts addresses, and rules wide in the address it cuts pile up in every leaf), the
 * protocol and the ports 1. */
static uint32_t
shape_extra(uint32_t sh, uint32_t s)
{
    uint32_t x = sh ^ s;
    return 16u * (uint32_t)__builtin_popcount(x & 3u) + (uint32_t)__builtin_popcount(x & ~3u);
}

static uint64_t
group_cost(const struct gsearch *g, const uint32_t *sh, uint32_t k)
{
    uint64_t cost = (uint64_t)k * (g->live / 8 + 256); /* a descent per packet and group */
    for (uint32_t s = 0; s < SHAPES; s++) {
        if (!g->cnt[s])
            continue;
        uint32_t extra = UINT32_MAX;
        for (uint32_t i = 0; i < k; i++)
            if ((sh[i] & s) == s && shape_extra(sh[i], s) < extra)
                extra = shape_extra(sh[i], s);
        if (extra == UINT32_MAX)
            return UINT64_MAX; /* not covered */
        cost += (uint64_t)g->cnt[s] * extra * 4u;
    }
    return cost;
}

static void
group_search(struct gsearch *g, uint32_t from)
{
    if (g->n_pick > 0) {
        uint64_t c = group_cost(g, g->pick, g->n_pick);
        if (c < g->best_cost) {
            g->best_cost = c;
            memcpy(g->best, g->pick, sizeof g->pick);
            g->n_best = g->n_pick;
        }
    }
    if (g->n_pick == GROUPS_MAX)
        return;
    for (uint32_t i = from; i < g->n_cand; i++) {
        g->pick[g->n_pick++] = g->cand[i];
        group_search(g, i + 1);
        g->n_pick--;
    }
}

/* Split the live rules into at most GROUPS_MAX groups by shape (above). @return the number
 * of groups; grp[i] is rule ids[i]'s group. */
static uint32_t
group_rules(const struct cl_chain *ch, const uint32_t *ids, uint32_t live, uint8_t *grp)
{
    uint32_t cnt[SHAPES] = {0}, map[SHAPES];
    struct gsearch g;
    if (live <= GROUP_MIN_RULES * 2) {
        memset(grp, 0, live);
        return 1;
    }
    for (uint32_t i = 0; i < live; i++)
        cnt[box_shape(&ch->box[ids[i]])]++;
    memset(&g, 0, sizeof g);
    g.cnt = cnt;
    g.live = live;
    g.best_cost = UINT64_MAX;
    /* candidates: the GROUP_CANDS most common shapes, then the all-wide one (always a cover) */
    uint32_t used[SHAPES], nu = 0;
    for (uint32_t s = 0; s < SHAPES; s++)
        if (cnt[s])
            used[nu++] = s;
    for (uint32_t i = 1; i < nu; i++)
        for (uint32_t j = i; j > 0 && cnt[used[j]] > cnt[used[j - 1]]; j--) {
            uint32_t x = used[j];
            used[j] = used[j - 1];
            used[j - 1] = x;
        }
    uint32_t ncand = live >= 1000 ? GROUP_CANDS : GROUP_CANDS / 2; /* search time ~ 2^ncand */
    for (uint32_t i = 0; i < nu && g.n_cand < ncand; i++)
        if (used[i] != SHAPES - 1)
            g.cand[g.n_cand++] = used[i];
    g.cand[g.n_cand++] = SHAPES - 1;
    group_search(&g, 0);
    for (uint32_t s = 0; s < SHAPES; s++) {
        uint32_t extra = UINT32_MAX;
        map[s] = 0;
        for (uint32_t i = 0; i < g.n_best; i++)
            if ((g.best[i] & s) == s && shape_extra(g.best[i], s) < extra) {
                extra = shape_extra(g.best[i], s);
                map[s] = i;
            }
    }
    for (uint32_t i = 0; i < live; i++)
        grp[i] = (uint8_t)map[box_shape(&ch->box[ids[i]])];
    return g.n_best ? g.n_best : 1;
}

static int
chain_build(struct cl_chain *ch, const struct txp_ipt_chain *src, size_t *mem)
{
    uint32_t n = src->n_rules;
    size_t nn = n ? n : 1;
    ch->n_rules = n;
    ch->box = malloc(nn * sizeof *ch->box);
    ch->flags = malloc(nn);
    uint32_t *ids = malloc(nn * sizeof(uint32_t)), *gid = malloc(nn * sizeof(uint32_t));
    uint8_t *grp = malloc(nn);
    struct scratch s = {malloc(nn * sizeof(uint32_t)), malloc(nn * sizeof(uint32_t)),
                        malloc(nn * 2 * sizeof(uint32_t))};
    int rc = TXP_ENOMEM;
    if (ch->box && ch->flags && ids && gid && grp && s.lo && s.hi && s.cand) {
        uint32_t live = 0;
        for (uint32_t i = 0; i < n; i++) {
            ch->flags[i] = (uint8_t)txp_ipt__rule_box(&src->rules[i], &ch->box[i]);
            if (!(ch->flags[i] & TXP_IPT__B_EMPTY))
                ids[live++] = i;
        }
        ch->n_trees = group_rules(ch, ids, live, grp);
        struct region rg;
        for (int d = 0; d < TXP_IPT__D_COUNT; d++) {
            rg.lo[d] = 0;
            rg.hi[d] = dim_max[d];
        }
        rc = TXP_OK;
        for (uint32_t g = 0; g < ch->n_trees && rc == TXP_OK; g++) {
            struct cl_tree *tr = &ch->tree[g];
            uint32_t gn = 0;
            for (uint32_t i = 0; i < live; i++)
                if (grp[i] == g)
                    gid[gn++] = ids[i];
            tr->first = gn ? gid[0] : UINT32_MAX;
            uint64_t budget = (uint64_t)BUDGET_PER_RULE * gn + BUDGET_MIN;
            tr->budget = budget > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)budget;
            rc = leaf_add(tr, NULL, 0, &tr->root, 0); /* offset 0: the shared empty leaf */
            tr->st.leaves = 0;
            if (rc == TXP_OK)
                rc = build(ch, tr, gid, gn, &rg, 0, &s, &tr->root);
            *mem += (size_t)tr->cap_nodes * sizeof(struct cl_node) +
                    (size_t)tr->cap_leaf * sizeof(uint32_t);
        }
    }
    /* by first rule, so that a lookup can stop at a tree whose rules all come later */
    for (uint32_t i = 1; i < ch->n_trees; i++)
        for (uint32_t j = i; j > 0 && ch->tree[j].first < ch->tree[j - 1].first; j--) {
            struct cl_tree x = ch->tree[j];
            ch->tree[j] = ch->tree[j - 1];
            ch->tree[j - 1] = x;
        }
    free(ids);
    free(gid);
    free(grp);
    free(s.lo);
    free(s.hi);
    free(s.cand);
    *mem += (size_t)n * (sizeof *ch->box + 1);
    return rc;
}

/* The child of @p nd holding @p v: the number of cut points below it (branch-free; the
 * compiler turns the fixed-count loop into vector compares). */
static inline unsigned
node_slot(const struct cl_node *nd, uint32_t v)
{
    unsigned i = 0;
    for (unsigned k = 0; k < FANOUT - 1; k++)
        i += (unsigned)(v > nd->thr[k]);
    return i;
}

/* The leaf for @p key: a count, then that many rule ids in ascending order; NULL when the
 * descent reaches a child whose rules all come at or after @p bound. */
static inline const uint32_t *
tree_leaf(const struct cl_tree *tr, const uint32_t *key, uint32_t bound)
{
    uint32_t ref = tr->root;
    while (!(ref & LEAF_BIT)) {
        const struct cl_node *nd = &tr->nodes[ref];
        unsigned i = node_slot(nd, key[nd->dim]);
        if (nd->cmin[i] >= bound)
            return NULL;
        ref = nd->child[i];
    }
    return &tr->leaf[ref & ~LEAF_BIT];
}

static inline int
box_has(const struct txp_ipt__box *b, const uint32_t *key)
{
    return key[0] - b->lo[0] <= b->hi[0] - b->lo[0] && key[1] - b->lo[1] <= b->hi[1] - b->lo[1] &&
           key[2] - b->lo[2] <= b->hi[2] - b->lo[2] && key[3] - b->lo[3] <= b->hi[3] - b->lo[3] &&
           key[4] - b->lo[4] <= b->hi[4] - b->lo[4];
}

/* Position in @p leaf of the first candidate at or after @p pos whose box holds @p key, or
 * leaf[0]. */
static inline uint32_t
leaf_next(const struct cl_chain *ch, const uint32_t *leaf, uint32_t pos, const uint32_t *key)
{
    uint32_t n = leaf[0];
    for (; pos < n; pos++)
        if (box_has(&ch->box[leaf[1 + pos]], key))
            return pos;
    return n;
}

/* First position of @p leaf whose rule id is >= @p ri. */
static uint32_t
leaf_seek(const uint32_t *leaf, uint32_t ri)
{
    uint32_t lo = 0, hi = leaf[0];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (leaf[1 + mid] < ri)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A chain's candidates for one key: one cursor per tree, merged by rule id. A tree is
 * descended only when it may hold a rule before the best candidate so far: not when its first
 * rule comes later, and the descent stops (the tree is "pruned below ub") at a child whose
 * rules all come later; a pruned tree is descended again if the candidates before ub all miss
 * the full check. */
struct cursor {
    const uint32_t *lf[GROUPS_MAX];
    uint32_t ps[GROUPS_MAX];
    uint32_t ub[GROUPS_MAX]; /* pruned trees: no candidate below this */
    uint32_t floor;          /* rules before this one are not wanted */
    uint32_t opened, pruned; /* bit g: tree g has a leaf / was pruned */
    uint32_t cur;            /* the tree the current candidate came from */
};

static inline void
cursor_init(struct cursor *k, uint32_t from)
{
    k->floor = from;
    k->opened = k->pruned = 0;
}

static inline void
cursor_open(struct cursor *k, const struct cl_chain *ch, const uint32_t *key, uint32_t g,
            uint32_t bound)
{
    const uint32_t *lf = tree_leaf(&ch->tree[g], key, bound);
    if (!lf) {
        k->pruned |= 1u << g;
        k->ub[g] = bound;
        return;
    }
    k->lf[g] = lf;
    k->ps[g] = leaf_next(ch, lf, k->floor ? leaf_seek(lf, k->floor) : 0, key);
    k->opened |= 1u << g;
}

/* The smallest candidate rule id, or UINT32_MAX. */
static inline uint32_t
cursor_min(struct cursor *k, const struct cl_chain *ch, const uint32_t *key)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t g = 0; g < ch->n_trees; g++) {
        if (!((k->opened >> g) & 1u)) {
            if (ch->tree[g].first >= best)
                break; /* this tree and the later ones start after the best candidate */
            if (((k->pruned >> g) & 1u) && k->ub[g] >= best)
                continue; /* nothing before ub in it */
            cursor_open(k, ch, key, g, best);
            if (!((k->opened >> g) & 1u))
                continue;
        }
        if (k->ps[g] < k->lf[g][0] && k->lf[g][1 + k->ps[g]] < best) {
            best = k->lf[g][1 + k->ps[g]];
            k->cur = g;
        }
    }
    return best;
}

/* Move past the current candidate. */
static inline void
cursor_next(struct cursor *k, const struct cl_chain *ch, const uint32_t *key)
{
    uint32_t g = k->cur;
    k->floor = k->lf[g][1 + k->ps[g]] + 1;
    k->ps[g] = leaf_next(ch, k->lf[g], k->ps[g] + 1, key);
}

uint32_t
txp_ipt__compiled_first(const struct txp_ipt_compiled *c, enum txp_ipt_table_id t, uint32_t chain,
                        const uint32_t key[TXP_IPT__D_COUNT], uint32_t from, unsigned *flags)
{
    if ((unsigned)t >= TXP_IPT_TABLE_COUNT || chain >= c->n_chains[t])
        return UINT32_MAX;
    const struct cl_chain *ch = &c->chains[t][chain];
    struct cursor k;
    cursor_init(&k, from);
    uint32_t r = cursor_min(&k, ch, key);
    if (r != UINT32_MAX && flags)
        *flags = ch->flags[r];
    return r;
}

int
txp_ipt__compiled_stats(const struct txp_ipt_compiled *c, enum txp_ipt_table_id t, uint32_t chain,
                        struct txp_ipt__tree_stats *st)
{
    if ((unsigned)t >= TXP_IPT_TABLE_COUNT || chain >= c->n_chains[t])
        return TXP_EINVAL;
    const struct cl_chain *ch = &c->chains[t][chain];
    memset(st, 0, sizeof *st);
    st->trees = ch->n_trees;
    for (uint32_t g = 0; g < ch->n_trees; g++) {
        const struct txp_ipt__tree_stats *x = &ch->tree[g].st;
        st->nodes += x->nodes;
        st->leaves += x->leaves;
        st->leaf_entries += x->leaf_entries;
        st->max_depth = x->max_depth > st->max_depth ? x->max_depth : st->max_depth;
        st->max_leaf = x->max_leaf > st->max_leaf ? x->max_leaf : st->max_leaf;
    }
    return TXP_OK;
}

/* ---------------------------------------------------------------- lifecycle */

void
txp_ipt_compiled_free(struct txp_ipt_compiled *c)
{
    if (!c)
        return;
    for (int t = 0; t < TXP_IPT_TABLE_COUNT; t++) {
        for (uint32_t i = 0; i < c->n_chains[t]; i++)
            chain_free(&c->chains[t][i]);
        free(c->chains[t]);
    }
    free(c);
}

int
txp_ipt_compile(struct txp_ipt_ruleset *rs, struct txp_ipt_compiled **out)
{
    *out = NULL;
    struct txp_ipt_compiled *c = calloc(1, sizeof *c);
    if (!c)
        return TXP_ENOMEM;
    c->rs = rs;
    c->mem = sizeof *c;
    for (int t = 0; t < TXP_IPT_TABLE_COUNT; t++) {
        const struct txp_ipt_table *tb = &rs->tables[t];
        if (tb->n_chains == 0)
            continue;
        c->chains[t] = calloc(tb->n_chains, sizeof(struct cl_chain));
        if (!c->chains[t]) {
            txp_ipt_compiled_free(c);
            return TXP_ENOMEM;
        }
        c->n_chains[t] = tb->n_chains;
        c->mem += tb->n_chains * sizeof(struct cl_chain);
        for (uint32_t i = 0; i < tb->n_chains; i++)
            if (chain_build(&c->chains[t][i], &tb->chains[i], &c->mem) != TXP_OK) {
                txp_ipt_compiled_free(c);
                return TXP_ENOMEM;
            }
    }
    *out = c;
    return TXP_OK;
}

size_t
txp_ipt_compiled_mem(const struct txp_ipt_compiled *c)
{
    return c ? c->mem : 0;
}

/* ---------------------------------------------------------------- evaluation */

/*
 * The chain walk of walk.h (shared with eval.c) with the classifier as its pick: in a chain,
 * the next rule looked at is the packet's next candidate instead of the next rule.
 */

/* The walk's per-packet classifier state. */
struct cpick {
    const struct cl_chain *cls; /* the table's chains */
    const struct txp_ipt__pkt *pkt;
    uint32_t key[TXP_IPT__D_COUNT];
    int fast; /* the packet has a key (not a fragment or a truncated header) */
    struct cursor cur;
};

static inline uint32_t
cpick_next(void *st, uint32_t ci, uint32_t ri, int restart, int consumed, unsigned *flags)
{
    struct cpick *p = st;
    const struct cl_chain *cl;
    uint32_t r;

    if (restart == TXP_IPT__WALK_REKEY)
        p->fast = key_of(p->pkt, p->key); /* a target may have rewritten the packet */
    if (!p->fast)
        return ri;
    cl = &p->cls[ci];
    if (restart)
        cursor_init(&p->cur, ri);
    else if (consumed)
        cursor_next(&p->cur, cl, p->key);
    r = cursor_min(&p->cur, cl, p->key);
    *flags = r != UINT32_MAX && (cl->flags[r] & TXP_IPT__B_EXACT) ? TXP_IPT__WALK_EXACT : 0;
    return r;
}

static void
cwalk(struct txp_ipt_table *tab, const struct cl_chain *cls, int hook_chain, struct txp_ipt__ctx *c)
{
    struct cpick p;

    p.cls = cls;
    p.pkt = &c->pkt;
    p.cur.floor = p.cur.opened = p.cur.pruned = p.cur.cur = 0;
    p.fast = key_of(&c->pkt, p.key);
    txp_ipt__walk(tab, hook_chain, c, cpick_next, &p);
}

/* The compiled path's walker for eval.c's table and hook runners. */
static int
compiled_walk(void *ctx, struct txp_ipt_table *tab, enum txp_ipt_table_id t, int hook_chain,
              struct txp_ipt__ctx *c)
{
    const struct txp_ipt_compiled *cc = ctx;

    if (tab->n_chains != cc->n_chains[t])
        return TXP_EINVAL; /* the ruleset changed shape since txp_ipt_compile */
    cwalk(tab, cc->chains[t], hook_chain, c);
    return TXP_OK;
}

int
txp_ipt_compiled_do_table(struct txp_ipt_compiled *cc, enum txp_ipt_table_id t,
                          enum txp_ipt_hook hook, uint8_t *ip, size_t len,
                          struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                          struct txp_ipt_verdict *v)
{
    struct txp_ipt__walker w = {compiled_walk, cc};

    if (cc == NULL)
        return TXP_EINVAL;
    return txp_ipt__run_table(cc->rs, &w, t, hook, ip, len, info, env, v);
}

int
txp_ipt_compiled_do_hook(struct txp_ipt_compiled *cc, enum txp_ipt_hook hook, uint8_t *ip,
                         size_t len, struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                         struct txp_ipt_verdict *v)
{
    struct txp_ipt__walker w = {compiled_walk, cc};

    if (cc == NULL)
        return TXP_EINVAL;
    return txp_ipt__run_hook(cc->rs, &w, hook, ip, len, info, env, v);
}
