/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the compiled fast path (src/compile.c):
 *   fast-box    the box and the EXACT / TERM / EMPTY flags derived from rules
 *   fast-tree   the decision trees against a linear scan of the boxes (random 5-tuple rule sets
 *               of several shapes, every `from` position)
 *   fast-eval   compiled do_table / do_hook against the interpreter on a ruleset with user
 *               chains, jumps, gotos, RETURN, limit, LOG, MARK and a non-contiguous mask:
 *               verdicts, packet bytes, metadata and every counter
 */
#include <stdlib.h>
#include <string.h>

#include "compile_int.h"
#include "txpath/h_cunit.h"
#include "txpath/ipt.h"

static uint64_t rng_state;

static uint32_t
rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static struct txp_ipt_match *
one_match(enum txp_ipt_match_kind k)
{
    struct txp_ipt_match *m = calloc(1, sizeof *m);
    m->kind = k;
    return m;
}

/* ---------------------------------------------------------------- fast-box */

static void
test_box_prefix_exact(void)
{
    struct txp_ipt_rule r;
    struct txp_ipt__box b;
    memset(&r, 0, sizeof r);
    r.ip.src = 0x0A000000;
    r.ip.smsk = 0xFF000000;
    r.ip.dst = 0xC0A80001;
    r.ip.dmsk = 0xFFFFFFFF;
    r.ip.proto = 6;
    r.target.kind = TXP_IPT_T_DROP;
    struct txp_ipt_match m;
    memset(&m, 0, sizeof m);
    m.kind = TXP_IPT_M_TCP;
    m.u.tcpudp.spts[1] = 65535;
    m.u.tcpudp.dpts[0] = 80;
    m.u.tcpudp.dpts[1] = 88;
    r.matches = &m;
    r.n_matches = 1;
    unsigned f = txp_ipt__rule_box(&r, &b);
    CU_ASSERT_EQUAL(f, TXP_IPT__B_EXACT | TXP_IPT__B_TERM);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_SRC], 0x0A000000u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_SRC], 0x0AFFFFFFu);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_DST], 0xC0A80001u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_DST], 0xC0A80001u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_PROTO], 6u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_PROTO], 6u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_DPORT], 80u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_DPORT], 88u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_SPORT], 65535u);
    /* a continuing target: exact, not terminal */
    r.target.kind = TXP_IPT_T_LOG;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), TXP_IPT__B_EXACT);
}

static void
test_box_inexact(void)
{
    struct txp_ipt_rule r;
    struct txp_ipt__box b;
    memset(&r, 0, sizeof r);
    r.target.kind = TXP_IPT_T_ACCEPT;
    /* a non-contiguous mask: a superset box, not exact */
    r.ip.src = 0x0A000001;
    r.ip.smsk = 0xFF0000FF;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_SRC], 0x0A000001u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_SRC], 0x0AFFFF01u);
    /* bits outside the mask: never matches */
    r.ip.src = 0x0A000001;
    r.ip.smsk = 0xFF000000;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), TXP_IPT__B_EMPTY);
    /* ... unless inverted: then the address says nothing */
    r.ip.invflags = TXP_IPT_INV_SRCIP;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_SRC], 0u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_SRC], 0xFFFFFFFFu);
    /* an interface makes it inexact */
    memset(&r.ip, 0, sizeof r.ip);
    strcpy(r.ip.iniface, "eth");
    memset(r.ip.iniface_mask, 0xFF, 3);
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    /* -f too */
    memset(&r.ip, 0, sizeof r.ip);
    r.ip.flags = TXP_IPT_F_FRAG;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    memset(&r.ip, 0, sizeof r.ip);
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), TXP_IPT__B_EXACT | TXP_IPT__B_TERM);
}

static void
test_box_ports_after_limit(void)
{
    struct txp_ipt_rule r;
    struct txp_ipt__box b;
    struct txp_ipt_match m[2];
    memset(&r, 0, sizeof r);
    memset(m, 0, sizeof m);
    r.ip.proto = 17;
    r.target.kind = TXP_IPT_T_ACCEPT;
    m[0].kind = TXP_IPT_M_LIMIT;
    m[1].kind = TXP_IPT_M_UDP;
    m[1].u.tcpudp.spts[1] = 65535;
    m[1].u.tcpudp.dpts[0] = m[1].u.tcpudp.dpts[1] = 53;
    r.matches = m;
    r.n_matches = 2;
    /* the limit is evaluated (and spends credit) before the port is looked at: the port must
     * not be used to skip the rule */
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_DPORT], 0u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_DPORT], 65535u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_PROTO], 17u);
    /* the other order: ports in the box */
    struct txp_ipt_match t = m[0];
    m[0] = m[1];
    m[1] = t;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_DPORT], 53u);
    CU_ASSERT_EQUAL(b.hi[TXP_IPT__D_DPORT], 53u);
    /* a tcp match on a rule without -p tcp reads whatever is there: not classified */
    r.ip.proto = 0;
    m[0].kind = TXP_IPT_M_TCP;
    r.n_matches = 1;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), 0u);
    CU_ASSERT_EQUAL(b.lo[TXP_IPT__D_DPORT], 0u);
    /* an empty port range never matches */
    r.ip.proto = 6;
    m[0].u.tcpudp.dpts[0] = 90;
    m[0].u.tcpudp.dpts[1] = 80;
    CU_ASSERT_EQUAL(txp_ipt__rule_box(&r, &b), TXP_IPT__B_EMPTY);
}

/* ---------------------------------------------------------------- fast-tree */

/* A filter FORWARD chain of @p n random 5-tuple rules of @p shape (0: specific, 1: many
 * wildcards, 2: nested prefixes). */
static void
random_rules(struct txp_ipt_ruleset *rs, uint32_t n, int shape)
{
    CU_ASSERT_EQUAL_FATAL(txp_ipt_ruleset_init(rs), TXP_OK);
    struct txp_ipt_table *t = &rs->tables[TXP_IPT_FILTER];
    t->present = 1;
    struct txp_ipt_chain *ch = &t->chains[txp_ipt_chain_find(t, "FORWARD")];
    ch->rules = calloc(n, sizeof *ch->rules);
    ch->cap_rules = n;
    for (uint32_t i = 0; i < n; i++) {
        struct txp_ipt_rule *r = &ch->rules[i];
        uint32_t sl = shape == 1 && rnd() % 2 ? 0 : 8 + rnd() % 25;
        uint32_t dl = shape == 1 && rnd() % 2 ? 0 : shape == 2 ? rnd() % 33 : 16 + rnd() % 17;
        r->ip.smsk = sl ? 0xFFFFFFFFu << (32 - sl) : 0;
        r->ip.dmsk = dl ? 0xFFFFFFFFu << (32 - dl) : 0;
        r->ip.src = (0x0A000000u | (rnd() & 0x00FFFFFFu)) & r->ip.smsk;
        r->ip.dst = (0xC0A80000u | (rnd() & 0xFFFFu)) & r->ip.dmsk;
        r->ip.proto = (uint16_t)(rnd() % 3 == 0 ? 0 : rnd() % 2 ? 6 : 17);
        r->target.kind = rnd() % 4 == 0 ? TXP_IPT_T_NONE : TXP_IPT_T_ACCEPT;
        if (r->ip.proto) {
            r->matches = one_match(r->ip.proto == 6 ? TXP_IPT_M_TCP : TXP_IPT_M_UDP);
            r->n_matches = 1;
            struct txp_ipt_m_tcpudp *tu = &r->matches[0].u.tcpudp;
            uint16_t a = (uint16_t)(rnd() % 2048), w = (uint16_t)(rnd() % 3 == 0 ? 0 : rnd() % 600);
            tu->spts[1] = 65535;
            tu->dpts[0] = a;
            tu->dpts[1] = (uint16_t)(a + w);
        }
        ch->n_rules++;
    }
}

static void
random_key(uint32_t *k)
{
    k[TXP_IPT__D_SRC] = 0x0A000000u | (rnd() & 0x00FFFFFFu);
    k[TXP_IPT__D_DST] = 0xC0A80000u | (rnd() & 0xFFFFu);
    k[TXP_IPT__D_PROTO] = rnd() % 3 == 0 ? 1 : rnd() % 2 ? 6 : 17;
    k[TXP_IPT__D_SPORT] = rnd() & 0xFFFF;
    k[TXP_IPT__D_DPORT] = rnd() % 2600;
    if (rnd() % 8 == 0)
        k[TXP_IPT__D_SRC] = rnd();
}

static int
in_box(const struct txp_ipt__box *b, const uint32_t *k)
{
    for (int d = 0; d < TXP_IPT__D_COUNT; d++)
        if (k[d] < b->lo[d] || k[d] > b->hi[d])
            return 0;
    return 1;
}

static void
tree_vs_scan(uint32_t n, int shape)
{
    struct txp_ipt_ruleset rs;
    struct txp_ipt_compiled *c = NULL;
    random_rules(&rs, n, shape);
    CU_ASSERT_EQUAL_FATAL(txp_ipt_compile(&rs, &c), TXP_OK);
    const struct txp_ipt_table *t = &rs.tables[TXP_IPT_FILTER];
    uint32_t ci = (uint32_t)txp_ipt_chain_find(t, "FORWARD");
    const struct txp_ipt_chain *ch = &t->chains[ci];
    struct txp_ipt__box *boxes = calloc(n, sizeof *boxes);
    unsigned *fl = calloc(n, sizeof *fl);
    for (uint32_t i = 0; i < n; i++)
        fl[i] = txp_ipt__rule_box(&ch->rules[i], &boxes[i]);
    uint32_t bad = 0;
    for (int q = 0; q < 3000; q++) {
        uint32_t k[TXP_IPT__D_COUNT];
        random_key(k);
        uint32_t from = q % 3 == 0 ? rnd() % n : 0;
        uint32_t want = UINT32_MAX;
        int shadowed = 0; /* a TERM rule before `from` holds the key: unreachable, skip */
        for (uint32_t i = 0; i < from; i++)
            shadowed |= (fl[i] & TXP_IPT__B_TERM) && in_box(&boxes[i], k);
        if (shadowed)
            continue;
        for (uint32_t i = from; i < n; i++)
            if (!(fl[i] & TXP_IPT__B_EMPTY) && in_box(&boxes[i], k)) {
                want = i;
                break;
            }
        unsigned f = 0;
        uint32_t got = txp_ipt__compiled_first(c, TXP_IPT_FILTER, ci, k, from, &f);
        if (got != want)
            bad++;
        else if (got != UINT32_MAX)
            CU_ASSERT_EQUAL(f, fl[got]);
    }
    CU_ASSERT_EQUAL(bad, 0u);
    struct txp_ipt__tree_stats st;
    CU_ASSERT_EQUAL(txp_ipt__compiled_stats(c, TXP_IPT_FILTER, ci, &st), TXP_OK);
    CU_ASSERT(st.trees >= 1);
    CU_ASSERT(txp_ipt_compiled_mem(c) > 0);
    CU_ASSERT_EQUAL(txp_ipt__compiled_stats(c, TXP_IPT_FILTER, 99, &st), TXP_EINVAL);
    free(boxes);
    free(fl);
    txp_ipt_compiled_free(c);
    txp_ipt_ruleset_fini(&rs);
}

static void
test_tree_specific(void)
{
    rng_state = 0x1234567;
    tree_vs_scan(3000, 0);
}

static void
test_tree_wildcards(void)
{
    rng_state = 0xABCDEF;
    tree_vs_scan(2000, 1);
}

static void
test_tree_nested(void)
{
    rng_state = 0x777;
    tree_vs_scan(1500, 2);
    tree_vs_scan(7, 2);
    tree_vs_scan(1, 0);
}

/* ---------------------------------------------------------------- fast-eval */

static struct txp_ipt_rule *
add_rule(struct txp_ipt_chain *ch)
{
    if (ch->n_rules == ch->cap_rules) {
        ch->cap_rules = ch->cap_rules ? ch->cap_rules * 2 : 8;
        ch->rules = realloc(ch->rules, ch->cap_rules * sizeof *ch->rules);
    }
    struct txp_ipt_rule *r = &ch->rules[ch->n_rules++];
    memset(r, 0, sizeof *r);
    return r;
}

static void
dport_rule(struct txp_ipt_rule *r, uint16_t proto, uint16_t lo, uint16_t hi)
{
    r->ip.proto = proto;
    r->matches = one_match(proto == 6 ? TXP_IPT_M_TCP : TXP_IPT_M_UDP);
    r->n_matches = 1;
    r->matches[0].u.tcpudp.spts[1] = 65535;
    r->matches[0].u.tcpudp.dpts[0] = lo;
    r->matches[0].u.tcpudp.dpts[1] = hi;
}

/* filter OUTPUT with two user chains: many port rules (a real tree), a jump, a goto, RETURN,
 * a limit, a LOG, a MARK and a rule with a non-contiguous mask. */
static void
eval_ruleset(struct txp_ipt_ruleset *rs)
{
    CU_ASSERT_EQUAL_FATAL(txp_ipt_ruleset_init(rs), TXP_OK);
    struct txp_ipt_table *t = &rs->tables[TXP_IPT_FILTER];
    t->present = 1;
    t->chains = realloc(t->chains, (t->n_chains + 2) * sizeof *t->chains);
    t->cap_chains = t->n_chains + 2;
    uint32_t u1 = t->n_chains, u2 = t->n_chains + 1;
    memset(&t->chains[u1], 0, 2 * sizeof *t->chains);
    strcpy(t->chains[u1].name, "U1");
    strcpy(t->chains[u2].name, "U2");
    t->n_chains += 2;
    struct txp_ipt_chain *out = &t->chains[txp_ipt_chain_find(t, "OUTPUT")];
    out->policy = TXP_IPT_T_DROP;
    struct txp_ipt_rule *r = add_rule(out);
    r->matches = one_match(TXP_IPT_M_LIMIT);
    r->n_matches = 1;
    r->matches[0].u.limit.avg = 10000; /* 1/s */
    r->matches[0].u.limit.burst = 2;
    r->target.kind = TXP_IPT_T_LOG;
    strcpy(r->target.u.log.prefix, "lim ");
    for (uint16_t p = 0; p < 40; p++) {
        r = add_rule(out);
        dport_rule(r, p % 2 ? 17 : 6, (uint16_t)(1000 + 10 * p), (uint16_t)(1004 + 10 * p));
        r->target.kind = p % 3 == 0   ? TXP_IPT_T_DROP
                         : p % 3 == 1 ? TXP_IPT_T_ACCEPT
                                      : TXP_IPT_T_NONE;
    }
    r = add_rule(out);
    r->ip.dst = 0xC0A80001;
    r->ip.dmsk = 0xFFFF00FF; /* non-contiguous */
    r->target.kind = TXP_IPT_T_JUMP;
    r->target.chain = u1;
    r = add_rule(out);
    dport_rule(r, 6, 22, 22);
    r->ip.flags = TXP_IPT_F_GOTO;
    r->target.kind = TXP_IPT_T_JUMP;
    r->target.chain = u2;
    r = add_rule(out);
    r->ip.proto = 17;
    r->target.kind = TXP_IPT_T_ACCEPT;
    /* U1: mark, return for udp, accept tcp 80 */
    struct txp_ipt_chain *c1 = &t->chains[u1];
    r = add_rule(c1);
    r->target.kind = TXP_IPT_T_MARK;
    r->target.u.mark.value = 7;
    r->target.u.mark.mask = 0xFFFFFFFF;
    r = add_rule(c1);
    r->ip.proto = 17;
    r->target.kind = TXP_IPT_T_RETURN;
    r = add_rule(c1);
    dport_rule(r, 6, 80, 80);
    r->target.kind = TXP_IPT_T_ACCEPT;
    /* U2: match the mark, else RETURN (to the policy: it was a goto) */
    struct txp_ipt_chain *c2 = &t->chains[u2];
    r = add_rule(c2);
    r->matches = one_match(TXP_IPT_M_MARK);
    r->n_matches = 1;
    r->matches[0].u.mark.mark = 7;
    r->matches[0].u.mark.mask = 0xFFFFFFFF;
    r->target.kind = TXP_IPT_T_ACCEPT;
    r = add_rule(c2);
    r->target.kind = TXP_IPT_T_RETURN;
}

static size_t
make_pkt(uint8_t *p, uint8_t proto, uint32_t dst, uint16_t dport, uint16_t fragoff, size_t len)
{
    memset(p, 0, 64);
    size_t tot = proto == 6 ? 40 : 28;
    p[0] = 0x45;
    p[2] = 0;
    p[3] = (uint8_t)tot;
    p[6] = (uint8_t)(fragoff >> 8);
    p[7] = (uint8_t)fragoff;
    p[8] = 64;
    p[9] = proto;
    p[12] = 10, p[15] = 1;
    for (int i = 0; i < 4; i++)
        p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    p[20] = 0x30, p[21] = 0x39;
    p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
    if (proto == 6)
        p[32] = 0x50;
    return len ? len : tot;
}

static void
noop_log(void *ctx, const char *line)
{
    (void)line;
    ++*(int *)ctx;
}

static void
test_eval_same_as_interpreter(void)
{
    struct txp_ipt_ruleset ra, rb;
    struct txp_ipt_compiled *c = NULL;
    eval_ruleset(&ra);
    CU_ASSERT_EQUAL_FATAL(txp_ipt_ruleset_clone(&rb, &ra), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(txp_ipt_compile(&rb, &c), TXP_OK);
    int la = 0, lb = 0;
    struct txp_ipt_env ea = {0, noop_log, &la}, eb = {0, noop_log, &lb};
    static const uint32_t dsts[] = {0xC0A80001, 0xC0A8AB01, 0x08080808};
    rng_state = 99;
    for (int i = 0; i < 3000; i++) {
        uint8_t pa[64], pb[64];
        uint8_t proto = rnd() % 5 == 0 ? 1 : rnd() % 2 ? 6 : 17;
        uint16_t dport = (uint16_t)(rnd() % 3 == 0 ? 22 + 58 * (rnd() % 2) : 995 + rnd() % 420);
        uint16_t frag = rnd() % 10 == 0 ? (uint16_t)(rnd() % 3) : 0;
        size_t len = make_pkt(pa, proto, dsts[rnd() % 3], dport, frag, rnd() % 10 == 0 ? 24 : 0);
        memcpy(pb, pa, sizeof pa);
        struct txp_ipt_pktinfo ia, ib;
        memset(&ia, 0, sizeof ia);
        ia.out_dev = "eth0";
        ia.ctstate = TXP_IPT_CT_NEW;
        ib = ia;
        ea.now_ns = eb.now_ns = (uint64_t)i * 50000000u;
        struct txp_ipt_verdict va, vb;
        int x, y;
        if (i % 2) {
            x = txp_ipt_do_table(&ra, TXP_IPT_FILTER, TXP_IPT_OUTPUT, pa, len, &ia, &ea, &va);
            y = txp_ipt_compiled_do_table(c, TXP_IPT_FILTER, TXP_IPT_OUTPUT, pb, len, &ib, &eb,
                                          &vb);
        } else {
            x = txp_ipt_do_hook(&ra, TXP_IPT_OUTPUT, pa, len, &ia, &ea, &va);
            y = txp_ipt_compiled_do_hook(c, TXP_IPT_OUTPUT, pb, len, &ib, &eb, &vb);
        }
        CU_ASSERT_EQUAL(x, y);
        CU_ASSERT_EQUAL(va.verdict, vb.verdict);
        CU_ASSERT_EQUAL(va.chain, vb.chain);
        CU_ASSERT_EQUAL(va.rule, vb.rule);
        CU_ASSERT_EQUAL(va.n_logged, vb.n_logged);
        CU_ASSERT_EQUAL(ia.mark, ib.mark);
        CU_ASSERT(memcmp(pa, pb, sizeof pa) == 0);
    }
    CU_ASSERT_EQUAL(la, lb);
    CU_ASSERT(la > 0);
    const struct txp_ipt_table *ta = &ra.tables[TXP_IPT_FILTER], *tb = &rb.tables[TXP_IPT_FILTER];
    uint64_t total = 0;
    for (uint32_t ci = 0; ci < ta->n_chains; ci++) {
        CU_ASSERT_EQUAL(ta->chains[ci].cnt.pkts, tb->chains[ci].cnt.pkts);
        CU_ASSERT_EQUAL(ta->chains[ci].cnt.bytes, tb->chains[ci].cnt.bytes);
        for (uint32_t ri = 0; ri < ta->chains[ci].n_rules; ri++) {
            CU_ASSERT_EQUAL(ta->chains[ci].rules[ri].cnt.pkts, tb->chains[ci].rules[ri].cnt.pkts);
            CU_ASSERT_EQUAL(ta->chains[ci].rules[ri].cnt.bytes, tb->chains[ci].rules[ri].cnt.bytes);
            total += ta->chains[ci].rules[ri].cnt.pkts;
        }
    }
    CU_ASSERT(total > 3000);
    txp_ipt_compiled_free(c);
    txp_ipt_ruleset_fini(&ra);
    txp_ipt_ruleset_fini(&rb);
}

static void
test_eval_errors(void)
{
    struct txp_ipt_ruleset rs;
    struct txp_ipt_compiled *c = NULL;
    eval_ruleset(&rs);
    CU_ASSERT_EQUAL_FATAL(txp_ipt_compile(&rs, &c), TXP_OK);
    uint8_t p[64];
    struct txp_ipt_pktinfo info;
    struct txp_ipt_verdict v;
    struct txp_ipt_env env = {0, NULL, NULL};
    memset(&info, 0, sizeof info);
    size_t len = make_pkt(p, 6, 0x01020304, 80, 0, 0);
    p[0] = 0x65; /* not IPv4 */
    CU_ASSERT_EQUAL(
        txp_ipt_compiled_do_table(c, TXP_IPT_FILTER, TXP_IPT_OUTPUT, p, len, &info, &env, &v),
        TXP_EINVAL);
    p[0] = 0x45;
    /* filter has no PREROUTING chain */
    CU_ASSERT_EQUAL(
        txp_ipt_compiled_do_table(c, TXP_IPT_FILTER, TXP_IPT_PREROUTING, p, len, &info, &env, &v),
        TXP_EINVAL);
    CU_ASSERT_EQUAL(
        txp_ipt_compiled_do_table(c, TXP_IPT_FILTER, TXP_IPT_OUTPUT, p, len, &info, &env, &v),
        TXP_OK);
    CU_ASSERT_EQUAL(txp_ipt_compiled_do_hook(NULL, TXP_IPT_OUTPUT, p, len, &info, &env, &v),
                    TXP_EINVAL);
    uint32_t key[TXP_IPT__D_COUNT];
    CU_ASSERT_EQUAL(txp_ipt__pkt_key(p, len, key), 1);
    CU_ASSERT_EQUAL(key[TXP_IPT__D_DPORT], 80u);
    CU_ASSERT_EQUAL(key[TXP_IPT__D_DST], 0x01020304u);
    CU_ASSERT_EQUAL(txp_ipt__pkt_key(p, 30, key), 0); /* TCP header cut short */
    p[7] = 1;                                         /* a non-first fragment */
    CU_ASSERT_EQUAL(txp_ipt__pkt_key(p, len, key), 0);
    txp_ipt_compiled_free(c);
    txp_ipt_compiled_free(NULL);
    CU_ASSERT_EQUAL(txp_ipt_compiled_mem(NULL), 0u);
    txp_ipt_ruleset_fini(&rs);
}

static const struct txp_h_test box_tests[] = {
    TXP_H_TEST(test_box_prefix_exact),
    TXP_H_TEST(test_box_inexact),
    TXP_H_TEST(test_box_ports_after_limit),
    TXP_H_TEST_END,
};

static const struct txp_h_test tree_tests[] = {
    TXP_H_TEST(test_tree_specific),
    TXP_H_TEST(test_tree_wildcards),
    TXP_H_TEST(test_tree_nested),
    TXP_H_TEST_END,
};

static const struct txp_h_test eval_tests[] = {
    TXP_H_TEST(test_eval_same_as_interpreter),
    TXP_H_TEST(test_eval_errors),
    TXP_H_TEST_END,
};

/* clang-format off */
static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("fast-box", NULL, NULL, box_tests),
    TXP_H_SUITE("fast-tree", NULL, NULL, tree_tests),
    TXP_H_SUITE("fast-eval", NULL, NULL, eval_tests),
    TXP_H_SUITE_END,
};
/* clang-format on */

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
