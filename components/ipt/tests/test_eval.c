/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt unit tests for the reference interpreter (eval.c, match.c, target.c) and the
 * minimal conntrack (ct.c). Rulesets are built in code (plus a few through txp_ipt_parse),
 * packets by hand with checksums computed here; rewritten packets are checked by recomputing
 * their IP and L4 checksums.
 *
 * Suites (ctest ipt.unit.eval_<suite>):
 *   ipmatch   ip_packet_match: addresses, masks, inversions, interface byte masks, protocol, -f
 *   traverse  first match, counters (bytes = IP total length), jumps, goto, RETURN, implicit
 *             RETURN, underflow to the policy, stack overflow, the deciding rule's position
 *   matches   every match module (tcp, udp, icmp, multiport, state, conntrack, mark, connmark,
 *             length, iprange, addrtype, owner, tos, dscp, ttl, pkttype, mac, comment) incl.
 *             fragments and hotdrop
 *   limit     xt_limit's token bucket on the injected clock
 *   targets   REJECT, LOG (kernel line text), MARK, CONNMARK, TOS, DSCP, TTL, NOTRACK, CT
 *   nat       SNAT, DNAT, MASQUERADE, REDIRECT: tuple choice, rewrites, checksums
 *   hook      table order per hook, nat only on a flow's first packet, binding applied
 *             otherwise, reroute signal, stop at the first DROP, absent tables
 *   ct        NEW / ESTABLISHED / REPLY, ctmark and NAT binding per flow, confirm rules,
 *             reply packets of NATed flows, table full
 *   parse     end to end through txp_ipt_parse: a saved ruleset evaluated
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/be.h"
#include "txpath/csum.h"
#include "txpath/h_cunit.h"
#include "txpath/ipt.h"
#include "txpath/prot/ip.h"
#include "txpath/prot/tcp.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* ------------------------------------------------------------------ ruleset helpers */

static struct txp_ipt_ruleset rs;

static int
rs_setup(void)
{
    int t;

    if (txp_ipt_ruleset_init(&rs) != TXP_OK)
        return 1;
    for (t = 0; t < TXP_IPT_TABLE_COUNT; t++)
        rs.tables[t].present = 1;
    return 0;
}

static int
rs_teardown(void)
{
    txp_ipt_ruleset_fini(&rs);
    return 0;
}

/* Start each test from a fresh ruleset. */
static void
fresh(void)
{
    rs_teardown();
    CU_ASSERT_FATAL(rs_setup() == 0);
}

static uint32_t
chain_of(enum txp_ipt_table_id t, const char *name)
{
    int i = txp_ipt_chain_find(&rs.tables[t], name);

    CU_ASSERT_FATAL(i >= 0);
    return (uint32_t)i;
}

static uint32_t
add_chain(enum txp_ipt_table_id t, const char *name)
{
    struct txp_ipt_table *tab = &rs.tables[t];
    struct txp_ipt_chain *c;

    c = realloc(tab->chains, (tab->n_chains + 1) * sizeof *c);
    CU_ASSERT_FATAL(c != NULL);
    tab->chains = c;
    tab->cap_chains = tab->n_chains + 1;
    c = &tab->chains[tab->n_chains];
    memset(c, 0, sizeof *c);
    strcpy(c->name, name);
    c->policy = TXP_IPT_T_RETURN;
    return tab->n_chains++;
}

static struct txp_ipt_rule *
add_rule(enum txp_ipt_table_id t, uint32_t chain, enum txp_ipt_target_kind k)
{
    struct txp_ipt_chain *c = &rs.tables[t].chains[chain];
    struct txp_ipt_rule *r;

    r = realloc(c->rules, (c->n_rules + 1) * sizeof *r);
    CU_ASSERT_FATAL(r != NULL);
    c->rules = r;
    c->cap_rules = c->n_rules + 1;
    r = &c->rules[c->n_rules++];
    memset(r, 0, sizeof *r);
    r->target.kind = k;
    return r;
}

static struct txp_ipt_rule *
add_jump(enum txp_ipt_table_id t, uint32_t chain, uint32_t to, int go)
{
    struct txp_ipt_rule *r = add_rule(t, chain, TXP_IPT_T_JUMP);

    r->target.chain = to;
    if (go)
        r->ip.flags |= TXP_IPT_F_GOTO;
    return r;
}

static struct txp_ipt_match *
add_match(struct txp_ipt_rule *r, enum txp_ipt_match_kind k)
{
    struct txp_ipt_match *m = realloc(r->matches, (r->n_matches + 1) * sizeof *m);

    CU_ASSERT_FATAL(m != NULL);
    r->matches = m;
    m = &m[r->n_matches++];
    memset(m, 0, sizeof *m);
    m->kind = k;
    return m;
}

/* xtables_parse_interface: "eth+" masks the prefix, anything else the name and its NUL. */
static void
set_iface(char name[TXP_IPT_IFNAMSIZ], uint8_t mask[TXP_IPT_IFNAMSIZ], const char *s)
{
    size_t n = strlen(s);

    memset(name, 0, TXP_IPT_IFNAMSIZ);
    memset(mask, 0, TXP_IPT_IFNAMSIZ);
    memcpy(name, s, n);
    if (n > 0 && s[n - 1] == '+') {
        name[n - 1] = '\0';
        memset(mask, 0xFF, n - 1);
    } else {
        memset(mask, 0xFF, n + 1);
    }
}

static struct txp_ipt_m_tcpudp *
add_ports(struct txp_ipt_rule *r, enum txp_ipt_match_kind k)
{
    struct txp_ipt_match *m = add_match(r, k);

    m->u.tcpudp.spts[1] = 0xFFFF;
    m->u.tcpudp.dpts[1] = 0xFFFF;
    return &m->u.tcpudp;
}

/* ------------------------------------------------------------------ packet helpers */

static uint8_t pkt[256];
static size_t plen;

static void
ip_hdr(uint8_t *b, uint8_t proto, uint32_t s, uint32_t d, size_t l4len)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    txp_store_be16(b + 2, (uint16_t)(20 + l4len));
    txp_store_be16(b + 4, 0x1234);
    txp_store_be16(b + 6, TXP_IP_DF);
    b[8] = 64;
    b[9] = proto;
    txp_store_be32(b + 12, s);
    txp_store_be32(b + 16, d);
    txp_store_be16(b + 10, txp_csum(b, 20));
}

static void
fix_ip_csum(uint8_t *b)
{
    txp_store_be16(b + 10, 0);
    txp_store_be16(b + 10, txp_csum(b, (size_t)(b[0] & 0x0F) * 4));
}

static void
mk_tcp(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp, uint8_t flags, size_t payload)
{
    uint8_t *t = pkt + 20;
    size_t i;

    plen = 20 + 20 + payload;
    ip_hdr(pkt, 6, s, d, 20 + payload);
    memset(t, 0, 20);
    txp_store_be16(t, sp);
    txp_store_be16(t + 2, dp);
    txp_store_be32(t + 4, 1000);
    txp_store_be32(t + 8, 2000);
    t[12] = 0x50;
    t[13] = flags;
    txp_store_be16(t + 14, 65535);
    for (i = 0; i < payload; i++)
        t[20 + i] = (uint8_t)(i * 7 + 1);
    txp_store_be16(t + 16, txp_ipv4_l4_csum(s, d, 6, t, 20 + payload));
}

static void
mk_udp(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp, size_t payload)
{
    uint8_t *u = pkt + 20;
    uint16_t ck;
    size_t i;

    plen = 20 + 8 + payload;
    ip_hdr(pkt, 17, s, d, 8 + payload);
    txp_store_be16(u, sp);
    txp_store_be16(u + 2, dp);
    txp_store_be16(u + 4, (uint16_t)(8 + payload));
    txp_store_be16(u + 6, 0);
    for (i = 0; i < payload; i++)
        u[8 + i] = (uint8_t)(i + 0x41);
    ck = txp_ipv4_l4_csum(s, d, 17, u, 8 + payload);
    txp_store_be16(u + 6, ck == 0 ? 0xFFFF : ck);
}

static void
mk_icmp(uint32_t s, uint32_t d, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
    uint8_t *ic = pkt + 20;

    plen = 20 + 8 + 4;
    ip_hdr(pkt, 1, s, d, 12);
    memset(ic, 0, 12);
    ic[0] = type;
    ic[1] = code;
    txp_store_be16(ic + 4, id);
    txp_store_be16(ic + 6, seq);
    memcpy(ic + 8, "ping", 4);
    txp_store_be16(ic + 2, txp_csum(ic, 12));
}

/* The IP header checksum and (first fragments) the L4 checksum verify. */
static int
csums_ok(const uint8_t *b, size_t len)
{
    size_t hl = (size_t)(b[0] & 0x0F) * 4;
    size_t tot = txp_load_be16(b + 2);
    uint32_t s = txp_load_be32(b + 12), d = txp_load_be32(b + 16);

    if (txp_csum(b, hl) != 0 || tot > len)
        return 0;
    if ((txp_load_be16(b + 6) & TXP_IP_OFFMASK) != 0)
        return 1;
    if (b[9] == 6)
        return txp_ipv4_l4_csum(s, d, 6, b + hl, tot - hl) == 0;
    if (b[9] == 17)
        return txp_load_be16(b + hl + 6) == 0 || txp_ipv4_l4_csum(s, d, 17, b + hl, tot - hl) == 0;
    if (b[9] == 1)
        return txp_csum(b + hl, tot - hl) == 0;
    return 1;
}

static struct txp_ipt_pktinfo info;
static struct txp_ipt_env env;
static struct txp_ipt_verdict v;

static void
out_info(void)
{
    memset(&info, 0, sizeof info);
    info.out_dev = "eth0";
    info.ctstate = TXP_IPT_CT_NEW;
    info.nat_first = 1;
    memset(&env, 0, sizeof env);
}

static int
run(enum txp_ipt_table_id t, enum txp_ipt_hook h)
{
    return txp_ipt_do_table(&rs, t, h, pkt, plen, &info, &env, &v);
}

/* Run filter OUTPUT on the current packet; @return the verdict. */
static int
filter_out(void)
{
    CU_ASSERT_FATAL(run(TXP_IPT_FILTER, TXP_IPT_OUTPUT) == TXP_OK);
    return v.verdict;
}

#define OUT (chain_of(TXP_IPT_FILTER, "OUTPUT"))
#define FT TXP_IPT_FILTER

/* ------------------------------------------------------------------ ipmatch */

static void
test_addresses(void)
{
    struct txp_ipt_rule *r;

    fresh();
    out_info();
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    r->ip.src = A(10, 1, 0, 0);
    r->ip.smsk = A(255, 255, 0, 0);
    r->ip.dst = A(192, 0, 2, 1);
    r->ip.dmsk = 0xFFFFFFFFu;
    mk_udp(A(10, 1, 2, 3), A(192, 0, 2, 1), 1, 2, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.rule, 0);
    mk_udp(A(10, 2, 2, 3), A(192, 0, 2, 1), 1, 2, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, -1);
    CU_ASSERT_EQUAL(v.chain, -1);
    /* ! -s */
    rs.tables[FT].chains[OUT].rules[0].ip.invflags = TXP_IPT_INV_SRCIP;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    mk_udp(A(10, 1, 2, 3), A(192, 0, 2, 1), 1, 2, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    /* ! -d with a non-contiguous mask */
    r = &rs.tables[FT].chains[OUT].rules[0];
    r->ip.invflags = TXP_IPT_INV_DSTIP;
    r->ip.dst = A(192, 0, 0, 1);
    r->ip.dmsk = A(255, 255, 0, 255);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT); /* 192.0.2.1 is in 192.0.x.1 */
    mk_udp(A(10, 1, 2, 3), A(192, 0, 2, 2), 1, 2, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
}

static void
test_interfaces(void)
{
    struct txp_ipt_rule *r;

    fresh();
    out_info();
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    set_iface(r->ip.outiface, r->ip.outiface_mask, "eth+");
    mk_tcp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1000, 80, TXP_TCP_SYN, 0);
    info.out_dev = "eth0";
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    info.out_dev = "eth";
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    info.out_dev = "et";
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    info.out_dev = "veth0";
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    /* exact name: eth0 matches, eth01 does not (the NUL is in the mask) */
    r = &rs.tables[FT].chains[OUT].rules[0];
    set_iface(r->ip.outiface, r->ip.outiface_mask, "eth0");
    info.out_dev = "eth0";
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    info.out_dev = "eth01";
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    r->ip.invflags = TXP_IPT_INV_VIA_OUT;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    /* -i in OUTPUT compares against the empty name: -i lo never matches, ! -i lo always */
    memset(r->ip.outiface_mask, 0, sizeof r->ip.outiface_mask);
    r->ip.invflags = 0;
    set_iface(r->ip.iniface, r->ip.iniface_mask, "lo");
    info.in_dev = NULL;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    r->ip.invflags = TXP_IPT_INV_VIA_IN;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    /* "+" alone: mask of zero bytes, anything matches, including no device */
    set_iface(r->ip.iniface, r->ip.iniface_mask, "+");
    r->ip.invflags = 0;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
}

static void
test_proto_frag(void)
{
    struct txp_ipt_rule *r;

    fresh();
    out_info();
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    r->ip.proto = 17;
    mk_udp(1, 2, 3, 4, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    mk_tcp(1, 2, 3, 4, 0, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    rs.tables[FT].chains[OUT].rules[0].ip.invflags = TXP_IPT_INV_PROTO;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    /* -f: only non-first fragments */
    r = &rs.tables[FT].chains[OUT].rules[0];
    r->ip.proto = 0;
    r->ip.invflags = 0;
    r->ip.flags = TXP_IPT_F_FRAG;
    mk_udp(1, 2, 3, 4, 16);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT); /* unfragmented */
    txp_store_be16(pkt + 6, TXP_IP_MF);              /* first fragment */
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    txp_store_be16(pkt + 6, 3); /* offset 24 bytes */
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    r->ip.invflags = TXP_IPT_INV_FRAG; /* ! -f */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    txp_store_be16(pkt + 6, TXP_IP_MF);
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
}

static void
test_not_ipv4(void)
{
    fresh();
    out_info();
    add_rule(FT, OUT, TXP_IPT_T_DROP);
    mk_udp(1, 2, 3, 4, 0);
    pkt[0] = 0x65;
    CU_ASSERT_EQUAL(run(FT, TXP_IPT_OUTPUT), TXP_EINVAL);
    pkt[0] = 0x44;
    CU_ASSERT_EQUAL(run(FT, TXP_IPT_OUTPUT), TXP_EINVAL);
    pkt[0] = 0x45;
    CU_ASSERT_EQUAL(txp_ipt_do_table(&rs, FT, TXP_IPT_OUTPUT, pkt, 19, &info, &env, &v),
                    TXP_EINVAL);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[0].cnt.pkts, 0);
    /* no chain for the hook: filter has no PREROUTING */
    CU_ASSERT_EQUAL(run(FT, TXP_IPT_PREROUTING), TXP_EINVAL);
}

/* ------------------------------------------------------------------ traverse */

static void
test_first_match_counters(void)
{
    struct txp_ipt_rule *r;
    struct txp_ipt_chain *c;

    fresh();
    out_info();
    r = add_rule(FT, OUT, TXP_IPT_T_NONE); /* counts, continues */
    r = add_rule(FT, OUT, TXP_IPT_T_ACCEPT);
    r->ip.proto = 6;
    add_rule(FT, OUT, TXP_IPT_T_DROP);
    mk_tcp(1, 2, 3, 4, 0, 10); /* 50 bytes */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, 1);
    CU_ASSERT_EQUAL(v.chain, (int32_t)OUT);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_FILTER);
    mk_udp(1, 2, 3, 4, 2); /* 30 bytes */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.rule, 2);
    c = &rs.tables[FT].chains[OUT];
    CU_ASSERT_EQUAL(c->rules[0].cnt.pkts, 2);
    CU_ASSERT_EQUAL(c->rules[0].cnt.bytes, 80);
    CU_ASSERT_EQUAL(c->rules[1].cnt.pkts, 1);
    CU_ASSERT_EQUAL(c->rules[1].cnt.bytes, 50);
    CU_ASSERT_EQUAL(c->rules[2].cnt.pkts, 1);
    CU_ASSERT_EQUAL(c->rules[2].cnt.bytes, 30);
    CU_ASSERT_EQUAL(c->cnt.pkts, 0);
    /* Bytes are the IP total length even when the buffer is longer. */
    mk_udp(1, 2, 3, 4, 2);
    rs.tables[FT].chains[OUT].rules[2].target.kind = TXP_IPT_T_NONE;
    CU_ASSERT_EQUAL(txp_ipt_do_table(&rs, FT, TXP_IPT_OUTPUT, pkt, plen + 40, &info, &env, &v),
                    TXP_OK);
    c = &rs.tables[FT].chains[OUT];
    CU_ASSERT_EQUAL(c->cnt.pkts, 1); /* policy */
    CU_ASSERT_EQUAL(c->cnt.bytes, 30);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, -1);
    c->policy = TXP_IPT_T_DROP;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].cnt.pkts, 2);
}

static void
test_jump_return(void)
{
    uint32_t a, b;
    struct txp_ipt_rule *r;
    struct txp_ipt_chain *out;

    fresh();
    out_info();
    a = add_chain(FT, "A");
    b = add_chain(FT, "B");
    add_jump(FT, OUT, a, 0);           /* OUTPUT 0: -j A */
    add_rule(FT, OUT, TXP_IPT_T_NONE); /* OUTPUT 1: counts the return */
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    r->ip.proto = 17;                      /* OUTPUT 2: udp DROP */
    add_jump(FT, a, b, 0);                 /* A 0: -j B */
    r = add_rule(FT, a, TXP_IPT_T_ACCEPT); /* A 1: tcp ACCEPT */
    r->ip.proto = 6;
    r = add_rule(FT, b, TXP_IPT_T_RETURN); /* B 0: icmp RETURN */
    r->ip.proto = 1;
    r = add_rule(FT, b, TXP_IPT_T_DROP); /* B 1: -p tcp --dport 23 DROP */
    r->ip.proto = 6;
    add_ports(r, TXP_IPT_M_TCP)->dpts[0] = 23;
    rs.tables[FT].chains[b].rules[1].matches[0].u.tcpudp.dpts[1] = 23;

    mk_tcp(1, 2, 3, 80, 0, 0); /* A -> B (no hit, implicit RETURN) -> A 1 ACCEPT */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.chain, (int32_t)a);
    CU_ASSERT_EQUAL(v.rule, 1);
    mk_tcp(1, 2, 3, 23, 0, 0); /* B 1 DROP */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.chain, (int32_t)b);
    CU_ASSERT_EQUAL(v.rule, 1);
    mk_icmp(1, 2, 8, 0, 1, 1); /* B 0 RETURN -> A 1 (no) -> end of A -> OUTPUT 1, policy */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, -1);
    out = &rs.tables[FT].chains[OUT];
    CU_ASSERT_EQUAL(out->rules[0].cnt.pkts, 3);
    CU_ASSERT_EQUAL(out->rules[1].cnt.pkts, 1);
    CU_ASSERT_EQUAL(out->cnt.pkts, 1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[a].rules[0].cnt.pkts, 3);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[b].rules[0].cnt.pkts, 1);
    mk_udp(1, 2, 3, 4, 0); /* through A and B, back, OUTPUT 2 DROP */
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.chain, (int32_t)OUT);
    CU_ASSERT_EQUAL(v.rule, 2);
}

static void
test_goto(void)
{
    uint32_t a, b;
    struct txp_ipt_rule *r;

    fresh();
    out_info();
    a = add_chain(FT, "A");
    b = add_chain(FT, "B");
    add_jump(FT, OUT, a, 0);               /* OUTPUT 0: -j A */
    r = add_rule(FT, OUT, TXP_IPT_T_DROP); /* OUTPUT 1: DROP */
    add_jump(FT, a, b, 1);                 /* A 0: -g B */
    add_rule(FT, a, TXP_IPT_T_ACCEPT);     /* A 1: never reached after the goto */
    add_rule(FT, b, TXP_IPT_T_RETURN);     /* B 0: RETURN -> back to OUTPUT 1 */
    (void)r;
    mk_udp(1, 2, 3, 4, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.chain, (int32_t)OUT);
    CU_ASSERT_EQUAL(v.rule, 1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[a].rules[1].cnt.pkts, 0);

    /* A goto from the built-in chain: RETURN at depth 0 is the policy (counted). */
    rs.tables[FT].chains[OUT].rules[0].ip.flags |= TXP_IPT_F_GOTO;
    rs.tables[FT].chains[OUT].policy = TXP_IPT_T_DROP;
    rs.tables[FT].chains[OUT].rules[1].target.kind = TXP_IPT_T_ACCEPT;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.rule, -1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].cnt.pkts, 1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[1].cnt.pkts, 1); /* from the first run */
    /* The same with the user chain simply ending (implicit RETURN). */
    rs.tables[FT].chains[b].rules[0].target.kind = TXP_IPT_T_NONE;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].cnt.pkts, 2);
    /* RETURN in a built-in chain: the policy. */
    fresh();
    add_rule(FT, OUT, TXP_IPT_T_RETURN);
    add_rule(FT, OUT, TXP_IPT_T_DROP);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].cnt.pkts, 1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[1].cnt.pkts, 0);
}

static void
test_stack_overflow(void)
{
    uint32_t a;

    fresh();
    out_info();
    a = add_chain(FT, "LOOP");
    add_jump(FT, OUT, a, 0);
    add_jump(FT, a, a, 0); /* a loop the kernel would refuse to load */
    mk_udp(1, 2, 3, 4, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.stack_overflow, 1);
    CU_ASSERT_EQUAL(v.chain, (int32_t)a);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[a].rules[0].cnt.pkts, TXP_IPT_STACK_MAX);
    /* A goto loop does not grow the stack; depth exactly at the limit is fine. */
    fresh();
    {
        uint32_t ch[TXP_IPT_STACK_MAX];
        char name[16];
        int i;

        for (i = 0; i < TXP_IPT_STACK_MAX; i++) {
            name[0] = 'C';
            name[1] = (char)('A' + i / 26);
            name[2] = (char)('a' + i % 26);
            name[3] = '\0';
            ch[i] = add_chain(FT, name);
        }
        add_jump(FT, OUT, ch[0], 0);
        for (i = 0; i + 1 < TXP_IPT_STACK_MAX; i++)
            add_jump(FT, ch[i], ch[i + 1], 0);
        add_rule(FT, ch[TXP_IPT_STACK_MAX - 1], TXP_IPT_T_DROP);
        CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
        CU_ASSERT_EQUAL(v.stack_overflow, 0);
        CU_ASSERT_EQUAL(v.chain, (int32_t)ch[TXP_IPT_STACK_MAX - 1]);
    }
}

/* ------------------------------------------------------------------ matches */

/* One rule "matches -> DROP" in filter OUTPUT; returns 1 when the packet matched. */
static struct txp_ipt_rule *
one_rule(void)
{
    fresh();
    out_info();
    return add_rule(FT, OUT, TXP_IPT_T_DROP);
}

static struct txp_ipt_match *
mrule(enum txp_ipt_match_kind k)
{
    return add_match(one_rule(), k);
}

#define M0 (rs.tables[FT].chains[OUT].rules[0].matches[0].u)

static int
hit(void)
{
    return filter_out() == TXP_IPT_V_DROP && v.rule == 0;
}

static void
test_tcp(void)
{
    mrule(TXP_IPT_M_TCP);
    M0.tcpudp.spts[0] = 1000;
    M0.tcpudp.spts[1] = 2000;
    M0.tcpudp.dpts[0] = 80;
    M0.tcpudp.dpts[1] = 80;
    mk_tcp(1, 2, 1500, 80, TXP_TCP_SYN, 0);
    CU_ASSERT(hit());
    mk_tcp(1, 2, 2001, 80, TXP_TCP_SYN, 0);
    CU_ASSERT(!hit());
    M0.tcpudp.invflags = 0x01;
    CU_ASSERT(hit());
    M0.tcpudp.invflags = 0x03;
    CU_ASSERT(!hit());
    mk_tcp(1, 2, 2001, 81, TXP_TCP_SYN, 0);
    CU_ASSERT(hit());
    /* --syn = FIN,SYN,RST,ACK SYN */
    M0.tcpudp.invflags = 0;
    M0.tcpudp.spts[0] = 0;
    M0.tcpudp.spts[1] = 0xFFFF;
    M0.tcpudp.dpts[0] = 0;
    M0.tcpudp.dpts[1] = 0xFFFF;
    M0.tcpudp.flg_mask = 0x17;
    M0.tcpudp.flg_cmp = 0x02;
    mk_tcp(1, 2, 3, 4, TXP_TCP_SYN | TXP_TCP_ECE | TXP_TCP_CWR, 0);
    CU_ASSERT(hit());
    mk_tcp(1, 2, 3, 4, TXP_TCP_SYN | TXP_TCP_ACK, 0);
    CU_ASSERT(!hit());
    M0.tcpudp.invflags = 0x04;
    CU_ASSERT(hit());
    /* flags over all 8 bits: CWR and ECE are in byte 13 */
    M0.tcpudp.invflags = 0;
    M0.tcpudp.flg_mask = 0xC0;
    M0.tcpudp.flg_cmp = 0x80;
    mk_tcp(1, 2, 3, 4, TXP_TCP_CWR, 0);
    CU_ASSERT(hit());
    /* a non-first fragment never matches; offset 1 is dropped (hotdrop) */
    M0.tcpudp.flg_mask = 0;
    M0.tcpudp.flg_cmp = 0;
    M0.tcpudp.invflags = 0; /* full port ranges: anything readable matches */
    mk_tcp(1, 2, 3, 4, 0, 0);
    CU_ASSERT(hit());
    txp_store_be16(pkt + 6, 2);
    fix_ip_csum(pkt);
    CU_ASSERT(!hit());
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    rs.tables[FT].chains[OUT].rules[0].target.kind = TXP_IPT_T_ACCEPT;
    rs.tables[FT].chains[OUT].policy = TXP_IPT_T_ACCEPT;
    txp_store_be16(pkt + 6, 1);
    fix_ip_csum(pkt);
    {
        uint64_t rc = rs.tables[FT].chains[OUT].rules[0].cnt.pkts;
        uint64_t pc = rs.tables[FT].chains[OUT].cnt.pkts;

        CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP); /* hotdrop beats the ACCEPT rule */
        CU_ASSERT_EQUAL(v.rule, 0);
        CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[0].cnt.pkts, rc); /* nothing counted */
        CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].cnt.pkts, pc);
    }
    /* a short TCP header: hotdrop */
    mk_tcp(1, 2, 3, 4, 0, 0);
    txp_store_be16(pkt + 2, 30);
    fix_ip_csum(pkt);
    plen = 30;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
}

static void
test_tcp_option(void)
{
    uint8_t *t;

    mrule(TXP_IPT_M_TCP);
    M0.tcpudp.spts[1] = 0xFFFF;
    M0.tcpudp.dpts[1] = 0xFFFF;
    M0.tcpudp.option = 8; /* timestamps */
    mk_tcp(1, 2, 3, 4, TXP_TCP_SYN, 0);
    CU_ASSERT(!hit()); /* no options at all */
    M0.tcpudp.invflags = 0x08;
    CU_ASSERT(hit());
    M0.tcpudp.invflags = 0;
    /* options: MSS(4) NOP NOP TS(10) = 16 bytes, plus pad to 20 */
    mk_tcp(1, 2, 3, 4, TXP_TCP_SYN, 20);
    t = pkt + 20;
    t[12] = 0xA0; /* doff 10 */
    memcpy(t + 20,
           "\x02\x04\x05\xb4\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 20);
    CU_ASSERT(hit());
    M0.tcpudp.option = 3; /* wscale absent */
    CU_ASSERT(!hit());
    M0.tcpudp.option = 2;
    CU_ASSERT(hit());
    /* a kind inside another option's data is skipped over */
    M0.tcpudp.option = 5; /* 0x05 is inside the MSS value 0x05b4 */
    CU_ASSERT(!hit());
    /* a zero length byte advances by one */
    memcpy(t + 20, "\x03\x00\x05", 3);
    CU_ASSERT(hit());
}

static void
test_udp_icmp(void)
{
    mrule(TXP_IPT_M_UDP);
    M0.tcpudp.spts[1] = 0xFFFF;
    M0.tcpudp.dpts[0] = 53;
    M0.tcpudp.dpts[1] = 53;
    mk_udp(1, 2, 999, 53, 4);
    CU_ASSERT(hit());
    mk_udp(1, 2, 999, 54, 4);
    CU_ASSERT(!hit());
    M0.tcpudp.invflags = 0x02;
    CU_ASSERT(hit());
    txp_store_be16(pkt + 6, 1); /* non-first fragment: no match, no hotdrop for UDP */
    fix_ip_csum(pkt);
    CU_ASSERT(!hit());
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    mk_udp(1, 2, 999, 54, 0);
    plen = 26;
    txp_store_be16(pkt + 2, 26);
    fix_ip_csum(pkt);
    rs.tables[FT].chains[OUT].rules[0].target.kind = TXP_IPT_T_ACCEPT;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP); /* unreadable header: hotdrop */

    mrule(TXP_IPT_M_ICMP);
    M0.icmp.type = 3;
    M0.icmp.code_min = 0;
    M0.icmp.code_max = 3;
    mk_icmp(1, 2, 3, 3, 0, 0);
    CU_ASSERT(hit());
    mk_icmp(1, 2, 3, 4, 0, 0);
    CU_ASSERT(!hit());
    M0.icmp.invert = 1;
    CU_ASSERT(hit());
    M0.icmp.invert = 0;
    M0.icmp.type = 0xFF; /* any */
    mk_icmp(1, 2, 8, 0, 0, 0);
    CU_ASSERT(hit());
    txp_store_be16(pkt + 6, 5);
    fix_ip_csum(pkt);
    CU_ASSERT(!hit());
    mk_icmp(1, 2, 8, 0, 0, 0);
    plen = 26; /* 6 bytes of ICMP: hotdrop */
    txp_store_be16(pkt + 2, 26);
    fix_ip_csum(pkt);
    rs.tables[FT].chains[OUT].rules[0].target.kind = TXP_IPT_T_ACCEPT;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
}

static void
test_multiport(void)
{
    mrule(TXP_IPT_M_MULTIPORT);
    M0.multiport.flags = 2; /* destination */
    M0.multiport.count = 4;
    M0.multiport.ports[0] = 22;
    M0.multiport.ports[1] = 8000;
    M0.multiport.pflags[1] = 1;
    M0.multiport.ports[2] = 8080;
    M0.multiport.ports[3] = 443;
    mk_tcp(1, 2, 22, 80, 0, 0);
    CU_ASSERT(!hit());
    mk_tcp(1, 2, 80, 22, 0, 0);
    CU_ASSERT(hit());
    mk_udp(1, 2, 80, 8050, 0);
    CU_ASSERT(hit());
    mk_udp(1, 2, 80, 443, 0);
    CU_ASSERT(hit());
    mk_udp(1, 2, 80, 8081, 0);
    CU_ASSERT(!hit());
    M0.multiport.flags = 1; /* source */
    mk_udp(1, 2, 8080, 1, 0);
    CU_ASSERT(hit());
    M0.multiport.flags = 3; /* either */
    mk_udp(1, 2, 1, 22, 0);
    CU_ASSERT(hit());
    M0.multiport.invert = 1;
    CU_ASSERT(!hit());
    mk_udp(1, 2, 1, 2, 0);
    CU_ASSERT(hit());
    txp_store_be16(pkt + 6, 9);
    fix_ip_csum(pkt);
    CU_ASSERT(!hit()); /* fragments never match, even inverted */
}

static void
test_state_conntrack(void)
{
    mrule(TXP_IPT_M_STATE);
    M0.ct.statemask = TXP_IPT_CT_ESTABLISHED | TXP_IPT_CT_RELATED;
    mk_tcp(1, 2, 3, 4, 0, 0);
    info.ctstate = TXP_IPT_CT_ESTABLISHED;
    CU_ASSERT(hit());
    info.ctstate = TXP_IPT_CT_NEW;
    CU_ASSERT(!hit());
    M0.ct.statemask = TXP_IPT_CT_INVALID;
    info.ctstate = TXP_IPT_CT_INVALID;
    CU_ASSERT(hit());
    M0.ct.statemask = TXP_IPT_CT_UNTRACKED;
    info.ctstate = TXP_IPT_CT_UNTRACKED;
    CU_ASSERT(hit());

    mrule(TXP_IPT_M_CONNTRACK);
    mk_tcp(1, 2, 3, 4, 0, 0);
    M0.ct.statemask = TXP_IPT_CT_NEW;
    CU_ASSERT(hit());
    M0.ct.invert = 1;
    CU_ASSERT(!hit());
    info.ctstate = TXP_IPT_CT_ESTABLISHED;
    CU_ASSERT(hit());
    /* --ctstate DNAT: the flow's destination is mapped */
    M0.ct.invert = 0;
    M0.ct.statemask = TXP_IPT_CT_DNAT;
    CU_ASSERT(!hit());
    info.nat.dst = 1;
    CU_ASSERT(hit());
    info.ctdir = 1; /* a reply: the inverted binding's dst side is the flow's SNAT */
    CU_ASSERT(!hit());
    M0.ct.statemask = TXP_IPT_CT_SNAT;
    CU_ASSERT(hit());
    /* --ctdir */
    M0.ct.statemask = 0;
    M0.ct.dir = 2;
    CU_ASSERT(hit());
    M0.ct.dir = 1;
    CU_ASSERT(!hit());
    info.ctdir = 0;
    CU_ASSERT(hit());
    /* without a conntrack entry --ctdir alone is false; --ctstate INVALID true */
    info.ctstate = TXP_IPT_CT_INVALID;
    CU_ASSERT(!hit());
    M0.ct.dir = 0;
    M0.ct.statemask = TXP_IPT_CT_INVALID;
    CU_ASSERT(hit());
    M0.ct.dir = 2; /* state holds, and then without ct the direction is not checked */
    CU_ASSERT(hit());
}

static void
test_marks_length(void)
{
    mrule(TXP_IPT_M_MARK);
    M0.mark.mark = 0x10;
    M0.mark.mask = 0xF0;
    mk_udp(1, 2, 3, 4, 0);
    info.mark = 0x1F;
    CU_ASSERT(hit());
    info.mark = 0x2F;
    CU_ASSERT(!hit());
    M0.mark.invert = 1;
    CU_ASSERT(hit());

    mrule(TXP_IPT_M_CONNMARK);
    M0.mark.mark = 7;
    M0.mark.mask = 0xFFFFFFFF;
    mk_udp(1, 2, 3, 4, 0);
    info.ctmark = 7;
    CU_ASSERT(hit());
    M0.mark.invert = 1;
    CU_ASSERT(!hit());
    info.ctstate = TXP_IPT_CT_UNTRACKED; /* no entry: false even inverted */
    CU_ASSERT(!hit());
    M0.mark.invert = 0;
    CU_ASSERT(!hit());

    mrule(TXP_IPT_M_LENGTH);
    M0.length.min = 28;
    M0.length.max = 40;
    mk_udp(1, 2, 3, 4, 0);
    CU_ASSERT(hit());
    mk_udp(1, 2, 3, 4, 13);
    CU_ASSERT(!hit());
    M0.length.invert = 1;
    CU_ASSERT(hit());

    mrule(TXP_IPT_M_COMMENT);
    strcpy(M0.comment.text, "hello");
    CU_ASSERT(hit());
}

static int
fake_addr_type(void *ctx, uint32_t addr, const char *dev)
{
    (void)ctx;
    if (addr == A(10, 0, 0, 1) && dev != NULL && strcmp(dev, "eth0") == 0)
        return TXP_IPT_RTN_LOCAL;
    return txp_ipt_addr_type_default(NULL, addr, dev);
}

static void
test_addr_matches(void)
{
    mrule(TXP_IPT_M_IPRANGE);
    M0.iprange.flags = 0x01;
    M0.iprange.src_min = A(10, 0, 0, 5);
    M0.iprange.src_max = A(10, 0, 0, 9);
    mk_udp(A(10, 0, 0, 5), A(10, 0, 1, 1), 3, 4, 0);
    CU_ASSERT(hit());
    mk_udp(A(10, 0, 0, 10), A(10, 0, 1, 1), 3, 4, 0);
    CU_ASSERT(!hit());
    M0.iprange.flags = 0x11;
    CU_ASSERT(hit());
    M0.iprange.flags = 0x22;
    M0.iprange.dst_min = A(10, 0, 1, 0);
    M0.iprange.dst_max = A(10, 0, 1, 255);
    CU_ASSERT(!hit()); /* src skipped, dst in range but inverted */
    M0.iprange.flags = 0x02;
    CU_ASSERT(hit());

    mrule(TXP_IPT_M_ADDRTYPE);
    M0.addrtype.dest = 1u << TXP_IPT_RTN_MULTICAST;
    mk_udp(A(10, 0, 0, 1), A(224, 0, 0, 251), 5353, 5353, 0);
    CU_ASSERT(hit());
    mk_udp(A(10, 0, 0, 1), A(255, 255, 255, 255), 1, 2, 0);
    CU_ASSERT(!hit());
    M0.addrtype.dest = 1u << TXP_IPT_RTN_BROADCAST;
    CU_ASSERT(hit());
    M0.addrtype.flags = 2; /* ! --dst-type */
    CU_ASSERT(!hit());
    M0.addrtype.flags = 0;
    M0.addrtype.dest = 0;
    M0.addrtype.source = 1u << TXP_IPT_RTN_LOCAL;
    CU_ASSERT(!hit());
    info.addr_type = fake_addr_type;
    CU_ASSERT(!hit());     /* no device passed without --limit-iface-* */
    M0.addrtype.flags = 8; /* --limit-iface-out: dev = eth0 */
    CU_ASSERT(hit());
    mk_udp(A(127, 0, 0, 1), A(127, 0, 0, 1), 1, 2, 0);
    info.addr_type = NULL;
    CU_ASSERT(hit());
    CU_ASSERT_EQUAL(txp_ipt_addr_type_default(NULL, 0, NULL), TXP_IPT_RTN_BROADCAST);
    CU_ASSERT_EQUAL(txp_ipt_addr_type_default(NULL, A(0, 0, 0, 1), NULL), TXP_IPT_RTN_UNICAST);
    CU_ASSERT_EQUAL(txp_ipt_addr_type_default(NULL, A(239, 1, 1, 1), NULL), TXP_IPT_RTN_MULTICAST);
    CU_ASSERT_EQUAL(txp_ipt_addr_type_default(NULL, A(8, 8, 8, 8), NULL), TXP_IPT_RTN_UNICAST);
}

static void
test_owner(void)
{
    mrule(TXP_IPT_M_OWNER);
    M0.owner.match = 1;
    M0.owner.uid_min = M0.owner.uid_max = 1000;
    mk_tcp(1, 2, 3, 4, 0, 0);
    CU_ASSERT(!hit()); /* no socket */
    M0.owner.invert = 1;
    CU_ASSERT(hit()); /* no socket, fully inverted: holds */
    info.has_sock = 1;
    info.uid = 1000;
    CU_ASSERT(!hit());
    info.uid = 1001;
    CU_ASSERT(hit());
    M0.owner.invert = 0;
    CU_ASSERT(!hit());
    M0.owner.match = 3;
    M0.owner.uid_max = 2000;
    M0.owner.gid_min = 10;
    M0.owner.gid_max = 20;
    info.gid = 20;
    CU_ASSERT(hit());
    info.gid = 21;
    CU_ASSERT(!hit());
    M0.owner.invert = 2;
    CU_ASSERT(hit());
    info.has_sock = 0; /* uid asked plainly: no match without a socket */
    CU_ASSERT(!hit());
    M0.owner.match = 4; /* --socket-exists */
    M0.owner.invert = 0;
    CU_ASSERT(!hit());
    info.has_sock = 1;
    CU_ASSERT(hit());
    M0.owner.invert = 4;
    CU_ASSERT(!hit());
}

static void
test_header_fields(void)
{
    mrule(TXP_IPT_M_TOS);
    M0.tos.value = 0x10;
    M0.tos.mask = 0x3F;
    mk_udp(1, 2, 3, 4, 0);
    pkt[1] = 0xD0;
    fix_ip_csum(pkt);
    CU_ASSERT(hit());
    pkt[1] = 0x08;
    fix_ip_csum(pkt);
    CU_ASSERT(!hit());
    M0.tos.invert = 1;
    CU_ASSERT(hit());

    mrule(TXP_IPT_M_DSCP);
    M0.dscp.dscp = 46;
    mk_udp(1, 2, 3, 4, 0);
    pkt[1] = (uint8_t)(46 << 2 | 1);
    fix_ip_csum(pkt);
    CU_ASSERT(hit());
    M0.dscp.invert = 1;
    CU_ASSERT(!hit());

    mrule(TXP_IPT_M_TTL);
    mk_udp(1, 2, 3, 4, 0); /* ttl 64 */
    M0.ttl.value = 64;
    CU_ASSERT(hit());
    M0.ttl.mode = 1;
    CU_ASSERT(!hit());
    M0.ttl.mode = 2;
    CU_ASSERT(!hit());
    M0.ttl.value = 65;
    CU_ASSERT(hit());
    M0.ttl.mode = 3;
    M0.ttl.value = 63;
    CU_ASSERT(hit());

    mrule(TXP_IPT_M_PKTTYPE);
    mk_udp(1, A(224, 1, 1, 1), 3, 4, 0);
    M0.pkttype.pkttype = 0;
    CU_ASSERT(hit());
    info.pkttype = 5; /* PACKET_LOOPBACK with a multicast destination */
    CU_ASSERT(!hit());
    M0.pkttype.pkttype = 2;
    CU_ASSERT(hit());
    M0.pkttype.invert = 1;
    CU_ASSERT(!hit());

    mrule(TXP_IPT_M_MAC);
    memcpy(M0.mac.addr, "\x02\x00\x00\x00\x00\x01", 6);
    mk_udp(1, 2, 3, 4, 0);
    CU_ASSERT(!hit());
    M0.mac.invert = 1;
    CU_ASSERT(!hit()); /* no link-layer header: false even inverted */
    info.has_mac = 1;
    memcpy(info.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
    CU_ASSERT(!hit());
    M0.mac.invert = 0;
    CU_ASSERT(hit());
}

/* ------------------------------------------------------------------ limit */

static void
test_limit(void)
{
    int i, n;

    /* --limit 2/sec --limit-burst 3: avg = 10000/2 */
    mrule(TXP_IPT_M_LIMIT);
    rs.tables[FT].chains[OUT].rules[0].target.kind = TXP_IPT_T_ACCEPT;
    rs.tables[FT].chains[OUT].policy = TXP_IPT_T_DROP;
    M0.limit.avg = 5000;
    M0.limit.burst = 3;
    mk_udp(1, 2, 3, 4, 0);
    env.now_ns = 5000000000ull;
    for (i = 0, n = 0; i < 10; i++)
        n += filter_out() == TXP_IPT_V_ACCEPT;
    CU_ASSERT_EQUAL(n, 3); /* the burst */
    /* credits: cost = 5000*1000*32/10000 = 16000, cap 48000, 32 per ms: 500 ms per packet */
    CU_ASSERT_EQUAL(M0.limit.cost, 16000);
    CU_ASSERT_EQUAL(M0.limit.credit_cap, 48000);
    env.now_ns += 499000000ull;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    env.now_ns += 1000000ull;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    /* a long pause refills to the cap only */
    env.now_ns += 60000000000ull;
    for (i = 0, n = 0; i < 10; i++)
        n += filter_out() == TXP_IPT_V_ACCEPT;
    CU_ASSERT_EQUAL(n, 3);
    /* credits accrue per whole jiffy: 499.999 ms in small steps buy nothing, the jiffy that
     * completes 500 ms buys one packet */
    for (i = 0, n = 0; i < 1000; i++) {
        env.now_ns += 499999ull;
        n += filter_out() == TXP_IPT_V_ACCEPT;
    }
    CU_ASSERT_EQUAL(n, 0);
    env.now_ns += 1000ull;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    /* default 3/hour burst 5 */
    mrule(TXP_IPT_M_LIMIT);
    M0.limit.avg = 10000u * 3600u / 3u;
    M0.limit.burst = 5;
    mk_udp(1, 2, 3, 4, 0);
    for (i = 0, n = 0; i < 20; i++)
        n += hit();
    CU_ASSERT_EQUAL(n, 5);
    env.now_ns += 1200ull * 1000000000ull; /* 20 minutes: one more */
    for (i = 0, n = 0; i < 20; i++)
        n += hit();
    CU_ASSERT_EQUAL(n, 1);
}

/* ------------------------------------------------------------------ targets */

static char logline[1100];
static int nlog;

static void
log_cb(void *ctx, const char *line)
{
    (void)ctx;
    strncpy(logline, line, sizeof logline - 1);
    nlog++;
}

static void
test_reject_mark(void)
{
    struct txp_ipt_rule *r;

    r = one_rule();
    r->target.kind = TXP_IPT_T_REJECT;
    r->target.u.reject_with = TXP_IPT_REJ_TCP_RESET;
    mk_tcp(1, 2, 3, 4, 0, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.rejected, 1);
    CU_ASSERT_EQUAL(v.reject_with, TXP_IPT_REJ_TCP_RESET);

    r = one_rule();
    r->target.kind = TXP_IPT_T_MARK;
    r->target.u.mark.value = 0x5;
    r->target.u.mark.mask = 0xFF;
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    add_match(r, TXP_IPT_M_MARK)->u.mark.mask = 0xFFFFFFFF;
    r->matches[0].u.mark.mark = 0x1205;
    info.mark = 0x12A0;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_DROP); /* (0x12A0 & ~0xFF) ^ 5 */
    CU_ASSERT_EQUAL(info.mark, 0x1205);
    CU_ASSERT_EQUAL(v.rule, 1);

    /* CONNMARK set-xmark, save, restore */
    r = one_rule();
    r->target.kind = TXP_IPT_T_CONNMARK;
    r->target.u.connmark.mode = 0;
    r->target.u.connmark.ctmark = 0x30;
    r->target.u.connmark.ctmask = 0xF0;
    info.ctmark = 0x1FF;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctmark, 0x13F);
    r = &rs.tables[FT].chains[OUT].rules[0];
    r->target.u.connmark.mode = 1; /* save: ct = (ct & ~ctmask) ^ (mark & nfmask) */
    r->target.u.connmark.ctmask = 0xFFFF;
    r->target.u.connmark.nfmask = 0x0F0F;
    info.mark = 0xABCD;
    info.ctmark = 0x12345678;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctmark, 0x12340B0D);
    r->target.u.connmark.mode = 2; /* restore: mark = (mark & ~nfmask) ^ (ct & ctmask) */
    r->target.u.connmark.ctmask = 0xFF00;
    r->target.u.connmark.nfmask = 0xFFFF;
    info.mark = 0xFFFF0001;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.mark, 0xFFFF0B00);
    info.ctstate = TXP_IPT_CT_INVALID; /* no entry: nothing happens */
    info.mark = 1;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.mark, 1);
}

static void
test_tos_dscp_ttl(void)
{
    struct txp_ipt_rule *r;
    enum txp_ipt_table_id mg = TXP_IPT_MANGLE;
    uint32_t mout;

    fresh();
    out_info();
    mout = chain_of(mg, "OUTPUT");
    r = add_rule(mg, mout, TXP_IPT_T_TOS);
    r->target.u.tos.value = 0x10;
    r->target.u.tos.mask = 0x3F;
    mk_udp(1, 2, 3, 4, 5);
    pkt[1] = 0xE3;
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[1], 0xD0); /* (0xE3 & ~0x3F) ^ 0x10 */
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(v.reroute, 1);
    r->target.kind = TXP_IPT_T_DSCP;
    r->target.u.dscp = 0x2E;
    pkt[1] = 0x03; /* ECN bits are kept */
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[1], 0xBB);
    CU_ASSERT(csums_ok(pkt, plen));
    r->target.kind = TXP_IPT_T_TTL;
    r->target.u.ttl.mode = 2;
    r->target.u.ttl.value = 10;
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[8], 54);
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(v.reroute, 0); /* TTL is not a reroute key */
    r->target.u.ttl.value = 100;
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[8], 0);
    r->target.u.ttl.mode = 1;
    r->target.u.ttl.value = 200;
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[8], 200);
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[8], 255);
    r->target.u.ttl.mode = 0;
    r->target.u.ttl.value = 7;
    CU_ASSERT_EQUAL(run(mg, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(pkt[8], 7);
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(rs.tables[mg].chains[mout].rules[0].cnt.pkts, 7);
}

static void
test_log(void)
{
    struct txp_ipt_rule *r;

    r = one_rule();
    r->target.kind = TXP_IPT_T_LOG;
    strcpy(r->target.u.log.prefix, "fw: ");
    add_rule(FT, OUT, TXP_IPT_T_ACCEPT);
    env.log = log_cb;
    nlog = 0;
    mk_tcp(A(10, 0, 0, 1), A(10, 0, 0, 2), 40000, 80, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, 1); /* LOG does not end the traversal */
    CU_ASSERT_EQUAL(v.n_logged, 1);
    CU_ASSERT_EQUAL(nlog, 1);
    CU_ASSERT_STRING_EQUAL(logline, "fw: IN= OUT=eth0 SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 "
                                    "PREC=0x00 TTL=64 ID=4660 DF PROTO=TCP SPT=40000 DPT=80 "
                                    "WINDOW=65535 RES=0x00 SYN URGP=0 ");
    /* sequence numbers, uid, mark; UDP */
    r = &rs.tables[FT].chains[OUT].rules[0];
    r->target.u.log.flags = 0x01 | 0x08;
    r->target.u.log.prefix[0] = '\0';
    info.has_sock = 1;
    info.uid = 1000;
    info.gid = 100;
    info.mark = 0x2a;
    mk_tcp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1, 2, TXP_TCP_ACK | TXP_TCP_PSH | TXP_TCP_CWR, 3);
    pkt[1] = 0xB8;
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_STRING_EQUAL(logline, "IN= OUT=eth0 SRC=10.0.0.1 DST=10.0.0.2 LEN=43 TOS=0x18 "
                                    "PREC=0xA0 TTL=64 ID=4660 DF PROTO=TCP SPT=1 DPT=2 SEQ=1000 "
                                    "ACK=2000 WINDOW=65535 RES=0x00 CWR ACK PSH URGP=0 UID=1000 "
                                    "GID=100 MARK=0x2a ");
    info.has_sock = 0;
    info.mark = 0;
    info.in_dev = "eth1";
    info.out_dev = NULL;
    mk_udp(A(192, 168, 1, 1), A(192, 168, 1, 2), 53, 5353, 4);
    txp_store_be16(pkt + 6, TXP_IP_MF);
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_STRING_EQUAL(logline, "IN=eth1 OUT= MAC= SRC=192.168.1.1 DST=192.168.1.2 LEN=32 "
                                    "TOS=0x00 PREC=0x00 TTL=64 ID=4660 MF PROTO=UDP SPT=53 "
                                    "DPT=5353 LEN=12 ");
    txp_store_be16(pkt + 6, 0x2000 | 185);
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_STRING_EQUAL(logline, "IN=eth1 OUT= MAC= SRC=192.168.1.1 DST=192.168.1.2 LEN=32 "
                                    "TOS=0x00 PREC=0x00 TTL=64 ID=4660 MF FRAG:185 PROTO=UDP ");
    info.in_dev = NULL;
    info.out_dev = "eth0";
    mk_icmp(A(10, 0, 0, 1), A(10, 0, 0, 2), 8, 0, 77, 3);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_STRING_EQUAL(logline, "IN= OUT=eth0 SRC=10.0.0.1 DST=10.0.0.2 LEN=32 TOS=0x00 "
                                    "PREC=0x00 TTL=64 ID=4660 DF PROTO=ICMP TYPE=8 CODE=0 ID=77 "
                                    "SEQ=3 ");
    /* an ICMP error quoting a UDP header: the inner packet in brackets */
    {
        uint8_t *ic = pkt + 20;

        plen = 20 + 8 + 28;
        ip_hdr(pkt, 1, A(10, 0, 0, 1), A(10, 0, 0, 2), 36);
        memset(ic, 0, 36);
        ic[0] = 3;
        ic[1] = 4;
        txp_store_be16(ic + 6, 1400);
        ip_hdr(ic + 8, 17, A(10, 0, 0, 2), A(10, 0, 0, 9), 100);
        txp_store_be16(ic + 28, 1234);
        txp_store_be16(ic + 30, 53);
        txp_store_be16(ic + 32, 108);
        txp_store_be16(ic + 2, txp_csum(ic, 36));
        CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
        CU_ASSERT_STRING_EQUAL(
            logline, "IN= OUT=eth0 SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 "
                     "ID=4660 DF PROTO=ICMP TYPE=3 CODE=4 [SRC=10.0.0.2 DST=10.0.0.9 LEN=120 "
                     "TOS=0x00 PREC=0x00 TTL=64 ID=4660 DF PROTO=UDP SPT=1234 DPT=53 LEN=108 ] "
                     "MTU=1400 ");
    }
    /* --log-tcp-options and --log-ip-options: hex dumps of the option bytes */
    rs.tables[FT].chains[OUT].rules[0].target.u.log.flags = 0x02 | 0x04;
    mk_tcp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1, 2, TXP_TCP_SYN, 4);
    pkt[32] = 0x60; /* doff 6: the 4 payload bytes become options */
    memcpy(pkt + 40, "\x02\x04\x05\xb4", 4);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(logline, "SYN URGP=0 OPT (020405B4) "));
    memmove(pkt + 24, pkt + 20, 24);
    memcpy(pkt + 20, "\x01\x01\x01\x00", 4); /* NOP NOP NOP EOL */
    pkt[0] = 0x46;
    txp_store_be16(pkt + 2, 48);
    plen = 48;
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(logline, "ID=4660 DF OPT (01010100) PROTO=TCP SPT=1 DPT=2 "));
    rs.tables[FT].chains[OUT].rules[0].target.u.log.flags = 0;
    /* other protocols; a truncated TCP header */
    mk_udp(1, 2, 3, 4, 0);
    pkt[9] = 47;
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(logline, "DF PROTO=47 "));
    pkt[9] = 6;
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(logline, "DF PROTO=TCP INCOMPLETE [8 bytes] "));
    /* without a sink LOG only counts */
    env.log = NULL;
    nlog = 0;
    CU_ASSERT_EQUAL(filter_out(), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.n_logged, 1);
    CU_ASSERT_EQUAL(nlog, 0);
}

static void
test_notrack(void)
{
    struct txp_ipt_rule *r;
    uint32_t raw_out;

    fresh();
    out_info();
    raw_out = chain_of(TXP_IPT_RAW, "OUTPUT");
    add_rule(TXP_IPT_RAW, raw_out, TXP_IPT_T_CT); /* zone only: nothing */
    add_rule(TXP_IPT_RAW, raw_out, TXP_IPT_T_NOTRACK);
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    add_match(r, TXP_IPT_M_STATE)->u.ct.statemask = TXP_IPT_CT_UNTRACKED;
    /* a SNAT that must not run for an untracked packet */
    r = add_rule(TXP_IPT_NAT, chain_of(TXP_IPT_NAT, "OUTPUT"), TXP_IPT_T_DNAT);
    r->target.u.nat.flags = 1;
    r->target.u.nat.min_addr = r->target.u.nat.max_addr = A(9, 9, 9, 9);
    mk_udp(1, 2, 3, 4, 0);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.notrack, 1);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_FILTER);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_UNTRACKED);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), 2);
    CU_ASSERT_EQUAL(info.nat.dst, 0);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_RAW].chains[raw_out].rules[0].cnt.pkts, 1);
}

/* ------------------------------------------------------------------ nat */

static struct txp_ipt_rule *
nat_rule(enum txp_ipt_hook h, enum txp_ipt_target_kind k, uint32_t amin, uint32_t amax,
         uint16_t pmin, uint16_t pmax)
{
    struct txp_ipt_rule *r;

    fresh();
    out_info();
    r = add_rule(TXP_IPT_NAT, chain_of(TXP_IPT_NAT, txp_ipt_hook_name(h)), k);
    if (amin != 0 || amax != 0) {
        r->target.u.nat.flags |= 1;
        r->target.u.nat.min_addr = amin;
        r->target.u.nat.max_addr = amax;
    }
    if (pmin != 0 || pmax != 0) {
        r->target.u.nat.flags |= 2;
        r->target.u.nat.min_port = pmin;
        r->target.u.nat.max_port = pmax;
    }
    return r;
}

static void
test_snat(void)
{
    uint32_t dst = A(198, 51, 100, 7);

    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 5), A(203, 0, 113, 5), 0, 0);
    mk_tcp(A(10, 0, 0, 1), dst, 40000, 443, TXP_TCP_SYN, 7);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, 0);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(203, 0, 113, 5));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 40000); /* port kept */
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(info.nat.src, 1);
    CU_ASSERT_EQUAL(info.nat.dst, 0);
    CU_ASSERT_EQUAL(info.nat.saddr, A(203, 0, 113, 5));
    CU_ASSERT_EQUAL(info.nat.sport, 40000);

    /* a port range the old port is outside of: the lowest port (model's offset 0) */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 5), A(203, 0, 113, 5), 1000, 2000);
    mk_udp(A(10, 0, 0, 1), dst, 40000, 53, 9);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 1000);
    CU_ASSERT_EQUAL(info.nat.sport, 1000);
    CU_ASSERT(csums_ok(pkt, plen));
    /* in range: kept */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 5), A(203, 0, 113, 5), 1000, 2000);
    mk_udp(A(10, 0, 0, 1), dst, 1500, 53, 9);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 1500);
    CU_ASSERT(csums_ok(pkt, plen));
    /* the original address inside the range: the tuple is kept as it is */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(10, 0, 0, 0), A(10, 0, 0, 255), 0, 0);
    mk_udp(A(10, 0, 0, 1), dst, 1500, 53, 9);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(10, 0, 0, 1));
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, 0);
    CU_ASSERT_EQUAL(info.nat.src, 0); /* an unchanged tuple is no mapping (no SNAT status) */
    /* a range: jhash picks one address inside it, the same one every time */
    {
        uint32_t a1, a2;

        nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 10), A(203, 0, 113, 20), 0, 0);
        mk_udp(A(10, 0, 0, 1), dst, 1500, 53, 9);
        CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
        a1 = txp_load_be32(pkt + 12);
        CU_ASSERT(a1 >= A(203, 0, 113, 10) && a1 <= A(203, 0, 113, 20));
        CU_ASSERT(csums_ok(pkt, plen));
        out_info();
        mk_udp(A(10, 0, 0, 1), dst, 1500, 53, 9);
        CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
        a2 = txp_load_be32(pkt + 12);
        CU_ASSERT_EQUAL(a1, a2);
    }
    /* UDP without a checksum keeps none; ICMP echo: the id is kept */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 5), A(203, 0, 113, 5), 0, 0);
    mk_udp(A(10, 0, 0, 1), dst, 1500, 53, 9);
    txp_store_be16(pkt + 26, 0);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 26), 0);
    CU_ASSERT(csums_ok(pkt, plen));
    out_info();
    mk_icmp(A(10, 0, 0, 1), dst, 8, 0, 4242, 1);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(203, 0, 113, 5));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 24), 4242);
    CU_ASSERT(csums_ok(pkt, plen));
    /* ICMP with an id range: the id is mapped and the ICMP checksum follows */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 5), A(203, 0, 113, 5), 100, 200);
    mk_icmp(A(10, 0, 0, 1), dst, 8, 0, 4242, 1);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 24), 100);
    CU_ASSERT(csums_ok(pkt, plen));
    /* no port class given, --random: the low end of the old port's class */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_SNAT, A(203, 0, 113, 5), A(203, 0, 113, 5), 0, 0);
    rs.tables[TXP_IPT_NAT]
        .chains[chain_of(TXP_IPT_NAT, "POSTROUTING")]
        .rules[0]
        .target.u.nat.flags |= 4;
    mk_tcp(A(10, 0, 0, 1), dst, 700, 443, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 600);
    CU_ASSERT(csums_ok(pkt, plen));
}

static void
test_dnat_masq_redirect(void)
{
    nat_rule(TXP_IPT_OUTPUT, TXP_IPT_T_DNAT, A(192, 0, 2, 80), A(192, 0, 2, 80), 8080, 8080);
    mk_tcp(A(10, 0, 0, 1), A(10, 9, 9, 9), 40000, 80, TXP_TCP_SYN, 3);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(192, 0, 2, 80));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 8080);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 40000);
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(info.nat.dst, 1);
    CU_ASSERT_EQUAL(info.nat.daddr, A(192, 0, 2, 80));
    CU_ASSERT_EQUAL(info.nat.dport, 8080);
    /* a DNAT port range: the port is kept when inside, else the lowest */
    nat_rule(TXP_IPT_OUTPUT, TXP_IPT_T_DNAT, A(192, 0, 2, 80), A(192, 0, 2, 80), 70, 90);
    mk_udp(A(10, 0, 0, 1), A(10, 9, 9, 9), 40000, 80, 3);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 80);
    CU_ASSERT(csums_ok(pkt, plen));
    out_info();
    mk_udp(A(10, 0, 0, 1), A(10, 9, 9, 9), 40000, 100, 3);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 70);
    CU_ASSERT(csums_ok(pkt, plen));
    /* DNAT of the port only: no address change */
    nat_rule(TXP_IPT_PREROUTING, TXP_IPT_T_DNAT, 0, 0, 2222, 2222);
    mk_tcp(A(10, 0, 0, 1), A(10, 9, 9, 9), 40000, 22, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_PREROUTING), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(10, 9, 9, 9));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 2222);
    CU_ASSERT(csums_ok(pkt, plen));

    /* MASQUERADE: the out device's address; none -> DROP; source 0.0.0.0 left alone */
    nat_rule(TXP_IPT_POSTROUTING, TXP_IPT_T_MASQUERADE, 0, 0, 0, 0);
    mk_udp(A(10, 0, 0, 1), A(8, 8, 8, 8), 5000, 53, 20);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    info.masq_addr = A(100, 64, 0, 2);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(100, 64, 0, 2));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 5000);
    CU_ASSERT(csums_ok(pkt, plen));
    out_info();
    mk_udp(0, A(255, 255, 255, 255), 68, 67, 20);
    info.masq_addr = A(100, 64, 0, 2);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_POSTROUTING), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), 0);
    CU_ASSERT_EQUAL(info.nat.src, 0);

    /* REDIRECT: 127.0.0.1 on OUTPUT, the in-device address elsewhere (none -> DROP) */
    nat_rule(TXP_IPT_OUTPUT, TXP_IPT_T_REDIRECT, 0, 0, 3128, 3128);
    mk_tcp(A(10, 0, 0, 1), A(93, 184, 216, 34), 40000, 80, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_OUTPUT), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(127, 0, 0, 1));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 3128);
    CU_ASSERT(csums_ok(pkt, plen));
    nat_rule(TXP_IPT_PREROUTING, TXP_IPT_T_REDIRECT, 0, 0, 0, 0);
    mk_tcp(A(10, 0, 0, 1), A(93, 184, 216, 34), 40000, 80, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_PREROUTING), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    info.redirect_addr = A(10, 0, 0, 254);
    CU_ASSERT_EQUAL(run(TXP_IPT_NAT, TXP_IPT_PREROUTING), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(10, 0, 0, 254));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 80);
    CU_ASSERT(csums_ok(pkt, plen));
}

static void
test_nat_apply(void)
{
    struct txp_ipt_nat_binding b;

    memset(&b, 0, sizeof b);
    mk_tcp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1111, 2222, TXP_TCP_ACK, 33);
    CU_ASSERT_EQUAL(txp_ipt_nat_apply(pkt, plen, &b, 1), TXP_OK); /* nothing mapped */
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(10, 0, 0, 2));
    b.src = 1;
    b.saddr = A(172, 16, 0, 1);
    b.sport = 65000;
    b.dst = 1;
    b.daddr = A(172, 16, 0, 2);
    b.dport = 1;
    CU_ASSERT_EQUAL(txp_ipt_nat_apply(pkt, plen, &b, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(172, 16, 0, 1));
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(10, 0, 0, 2));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 65000);
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(txp_ipt_nat_apply(pkt, plen, &b, 1), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(172, 16, 0, 2));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 1);
    CU_ASSERT(csums_ok(pkt, plen));
    /* a non-first fragment: addresses only */
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1111, 2222, 16);
    txp_store_be16(pkt + 6, 2);
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(txp_ipt_nat_apply(pkt, plen, &b, 1), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(172, 16, 0, 2));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 2222);
    CU_ASSERT_EQUAL(txp_csum(pkt, 20), 0);
    pkt[0] = 0x60;
    CU_ASSERT_EQUAL(txp_ipt_nat_apply(pkt, plen, &b, 1), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ipt_nat_apply(pkt, plen, NULL, 1), TXP_EINVAL);
}

/* ------------------------------------------------------------------ hook */

static void
test_hook_order(void)
{
    struct txp_ipt_rule *r;
    uint32_t mo, so;

    fresh();
    out_info();
    /* mangle OUTPUT marks, filter OUTPUT sees the mark (LIVE fact 4.1) */
    mo = chain_of(TXP_IPT_MANGLE, "OUTPUT");
    r = add_rule(TXP_IPT_MANGLE, mo, TXP_IPT_T_MARK);
    r->target.u.mark.value = 9;
    r->target.u.mark.mask = 0xFFFFFFFF;
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    add_match(r, TXP_IPT_M_MARK)->u.mark.mask = 0xFFFFFFFF;
    r->matches[0].u.mark.mark = 9;
    so = chain_of(TXP_IPT_SECURITY, "OUTPUT");
    r = add_rule(TXP_IPT_SECURITY, so, TXP_IPT_T_NONE);
    mk_udp(1, 2, 3, 4, 10);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_FILTER);
    CU_ASSERT_EQUAL(v.rule, 0);
    CU_ASSERT_EQUAL(v.reroute, 1);
    /* security is after filter: not reached */
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_SECURITY].chains[so].rules[0].cnt.pkts, 0);
    /* the mark does not change: no reroute; security reached */
    out_info();
    info.mark = 9;
    rs.tables[FT].chains[OUT].rules[0].target.kind = TXP_IPT_T_NONE;
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.reroute, 0);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_SECURITY);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_SECURITY].chains[so].rules[0].cnt.pkts, 1);
    /* an absent table is skipped */
    rs.tables[TXP_IPT_SECURITY].present = 0;
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_FILTER);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_SECURITY].chains[so].rules[0].cnt.pkts, 1);
    /* policy counters of every table on the way */
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_RAW].chains[chain_of(TXP_IPT_RAW, "OUTPUT")].cnt.pkts, 3);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].chains[chain_of(TXP_IPT_NAT, "OUTPUT")].cnt.pkts, 3);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_MANGLE].chains[mo].cnt.pkts, 3);
    /* INPUT: nat (SNAT side, priority 100) runs after filter and security */
    fresh();
    memset(&info, 0, sizeof info);
    info.in_dev = "eth0";
    info.ctstate = TXP_IPT_CT_NEW;
    info.nat_first = 1;
    rs.tables[FT].chains[chain_of(FT, "INPUT")].policy = TXP_IPT_T_DROP;
    mk_udp(1, 2, 3, 4, 10);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_INPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].chains[chain_of(TXP_IPT_NAT, "INPUT")].cnt.pkts, 0);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_MANGLE].chains[chain_of(TXP_IPT_MANGLE, "INPUT")].cnt.pkts,
                    1);
    /* FORWARD and PREROUTING */
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_FORWARD, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_SECURITY);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_PREROUTING, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.table, TXP_IPT_NAT);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_RAW].chains[chain_of(TXP_IPT_RAW, "PREROUTING")].cnt.pkts, 1);
    pkt[0] = 0x55;
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_EINVAL);
}

static void
test_hook_nat(void)
{
    struct txp_ipt_rule *r;
    uint32_t no, np;
    uint8_t first[64];
    size_t flen;

    fresh();
    out_info();
    no = chain_of(TXP_IPT_NAT, "OUTPUT");
    np = chain_of(TXP_IPT_NAT, "POSTROUTING");
    r = add_rule(TXP_IPT_NAT, no, TXP_IPT_T_DNAT);
    r->target.u.nat.flags = 3;
    r->target.u.nat.min_addr = r->target.u.nat.max_addr = A(192, 0, 2, 1);
    r->target.u.nat.min_port = r->target.u.nat.max_port = 5353;
    r = add_rule(TXP_IPT_NAT, np, TXP_IPT_T_SNAT);
    r->target.u.nat.flags = 1;
    r->target.u.nat.min_addr = r->target.u.nat.max_addr = A(203, 0, 113, 1);
    /* filter sees the DNATed destination */
    r = add_rule(FT, OUT, TXP_IPT_T_NONE);
    r->ip.dst = A(192, 0, 2, 1);
    r->ip.dmsk = 0xFFFFFFFF;
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 53), 4000, 53, 10);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.reroute, 1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[0].cnt.pkts, 1);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_POSTROUTING, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(203, 0, 113, 1));
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(192, 0, 2, 1));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 5353);
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(info.nat.src, 1);
    CU_ASSERT_EQUAL(info.nat.dst, 1);
    memcpy(first, pkt, plen);
    flen = plen;
    /* the flow's next packet: nat rules do not run, the binding is applied (LIVE 4.1: nat
     * counters stay at the first packet) */
    info.nat_first = 0;
    info.ctstate = TXP_IPT_CT_NEW;
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 53), 4000, 53, 10);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.reroute, 1);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_POSTROUTING, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(plen, flen);
    CU_ASSERT_EQUAL(memcmp(pkt, first, plen), 0);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].chains[no].rules[0].cnt.pkts, 1);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].chains[np].rules[0].cnt.pkts, 1);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[0].cnt.pkts, 2);
    /* INVALID packets skip nat entirely */
    out_info();
    info.ctstate = TXP_IPT_CT_INVALID;
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 53), 4000, 53, 10);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(10, 0, 0, 53));
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].chains[no].rules[0].cnt.pkts, 1);
    CU_ASSERT_EQUAL(v.reroute, 0);
}

/* ------------------------------------------------------------------ ct */

struct flowrun {
    struct txp_ipt_ct *ct;
    uint32_t flow;
};

/* The CLI's path for one locally generated packet: lookup, OUTPUT, POSTROUTING, confirm. */
static int
send_local(struct flowrun *f)
{
    memset(&info, 0, sizeof info);
    info.out_dev = "eth0";
    CU_ASSERT_FATAL(txp_ipt_ct_lookup(f->ct, pkt, plen, &info, &f->flow) == TXP_OK);
    CU_ASSERT_FATAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v) == TXP_OK);
    if (v.verdict == TXP_IPT_V_ACCEPT) {
        uint8_t notrack = v.notrack;

        CU_ASSERT_FATAL(txp_ipt_do_hook(&rs, TXP_IPT_POSTROUTING, pkt, plen, &info, &env, &v) ==
                        TXP_OK);
        v.notrack |= notrack; /* the packet's path: flags of both hooks */
    }
    CU_ASSERT_FATAL(txp_ipt_ct_confirm(f->ct, f->flow, &info, &v) == TXP_OK);
    return v.verdict;
}

static void
test_ct_states(void)
{
    struct flowrun f;
    struct txp_ipt_rule *r;

    fresh();
    memset(&env, 0, sizeof env);
    CU_ASSERT_FATAL(txp_ipt_ct_new(8, &f.ct) == TXP_OK);
    /* count NEW / ESTABLISHED / REPLY packets in filter OUTPUT */
    r = add_rule(FT, OUT, TXP_IPT_T_NONE);
    add_match(r, TXP_IPT_M_STATE)->u.ct.statemask = TXP_IPT_CT_NEW;
    r = add_rule(FT, OUT, TXP_IPT_T_NONE);
    add_match(r, TXP_IPT_M_STATE)->u.ct.statemask = TXP_IPT_CT_ESTABLISHED;
    r = add_rule(FT, OUT, TXP_IPT_T_NONE);
    add_match(r, TXP_IPT_M_CONNTRACK)->u.ct.dir = 2;
    r = add_rule(FT, OUT, TXP_IPT_T_CONNMARK); /* ctmark++ via set-xmark on NEW only */
    add_match(r, TXP_IPT_M_STATE)->u.ct.statemask = TXP_IPT_CT_NEW;
    r->target.u.connmark.ctmark = 0x77;
    r->target.u.connmark.ctmask = 0xFFFFFFFF;

    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1000, 2000, 4);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    CU_ASSERT_EQUAL(info.nat_first, 1);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT); /* no reply yet: NEW, not first */
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    CU_ASSERT_EQUAL(info.nat_first, 0);
    CU_ASSERT_EQUAL(info.ctmark, 0x77);
    mk_udp(A(10, 0, 0, 2), A(10, 0, 0, 1), 2000, 1000, 4); /* the reply */
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(info.ctdir, 1);
    CU_ASSERT_EQUAL(info.ctmark, 0x77);
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1000, 2000, 4);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(info.ctdir, 0);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[0].cnt.pkts, 2);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[1].cnt.pkts, 2);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[OUT].rules[2].cnt.pkts, 1);
    /* ICMP echo and its reply; an ICMP error has no flow (INVALID) */
    mk_icmp(A(10, 0, 0, 1), A(10, 0, 0, 2), 8, 0, 99, 1);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    mk_icmp(A(10, 0, 0, 2), A(10, 0, 0, 1), 0, 0, 99, 1);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(info.ctdir, 1);
    mk_icmp(A(10, 0, 0, 1), A(10, 0, 0, 2), 13, 0, 99, 1); /* timestamp: its own flow */
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    mk_icmp(A(10, 0, 0, 2), A(10, 0, 0, 1), 14, 0, 99, 1);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(info.ctdir, 1);
    mk_icmp(A(10, 0, 0, 2), A(10, 0, 0, 1), 0, 0, 98, 1); /* unknown echo reply */
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_INVALID);
    CU_ASSERT_EQUAL(f.flow, UINT32_MAX);
    mk_icmp(A(10, 0, 0, 2), A(10, 0, 0, 1), 3, 1, 0, 0);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_INVALID);
    /* fragments, first or not, of a known flow or not: no entry (no reassembly) */
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1000, 2000, 4);
    txp_store_be16(pkt + 6, TXP_IP_MF);
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_INVALID);
    CU_ASSERT_EQUAL(f.flow, UINT32_MAX);
    txp_store_be16(pkt + 6, 7);
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_INVALID);
    /* another protocol: addresses only */
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1000, 2000, 4);
    pkt[9] = 47;
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    CU_ASSERT_EQUAL(info.nat_first, 1);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    CU_ASSERT_EQUAL(info.nat_first, 0);
    txp_store_be32(pkt + 12, A(10, 0, 0, 2));
    txp_store_be32(pkt + 16, A(10, 0, 0, 1));
    fix_ip_csum(pkt);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(info.ctdir, 1);
    CU_ASSERT_EQUAL(txp_ipt_ct_confirm(f.ct, 12345, &info, &v), TXP_EINVAL);
    txp_ipt_ct_free(f.ct);
}

static void
test_ct_confirm_rules(void)
{
    struct flowrun f;
    struct txp_ipt_rule *r;
    uint32_t raw_out;
    int i;

    fresh();
    memset(&env, 0, sizeof env);
    CU_ASSERT_FATAL(txp_ipt_ct_new(2, &f.ct) == TXP_OK);
    /* a dropped first packet leaves no flow: the next one is NEW and first again */
    r = add_rule(FT, OUT, TXP_IPT_T_DROP);
    add_match(r, TXP_IPT_M_LENGTH)->u.length.max = 30;
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1, 2, 0);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_DROP);
    mk_udp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1, 2, 10);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.nat_first, 1);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.nat_first, 0);
    /* NOTRACK: no flow either */
    raw_out = chain_of(TXP_IPT_RAW, "OUTPUT");
    r = add_rule(TXP_IPT_RAW, raw_out, TXP_IPT_T_NOTRACK);
    r->ip.proto = 6;
    for (i = 0; i < 2; i++) {
        mk_tcp(A(10, 0, 0, 1), A(10, 0, 0, 2), 1, 2, TXP_TCP_SYN, 0);
        CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
        CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_UNTRACKED);
        CU_ASSERT_EQUAL(v.notrack, 1);
    }
    /* one slot left: a second flow fits, a third does not */
    mk_udp(A(10, 0, 0, 3), A(10, 0, 0, 2), 1, 2, 10);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    mk_udp(A(10, 0, 0, 4), A(10, 0, 0, 2), 1, 2, 10);
    memset(&info, 0, sizeof info);
    CU_ASSERT_EQUAL(txp_ipt_ct_lookup(f.ct, pkt, plen, &info, &f.flow), TXP_ENOSPC);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_INVALID);
    CU_ASSERT_EQUAL(f.flow, UINT32_MAX);
    CU_ASSERT_EQUAL(txp_ipt_ct_confirm(f.ct, f.flow, &info, &v), TXP_OK);
    pkt[0] = 0x55;
    CU_ASSERT_EQUAL(txp_ipt_ct_lookup(f.ct, pkt, plen, &info, &f.flow), TXP_EINVAL);
    {
        struct txp_ipt_ct *none = NULL;

        CU_ASSERT_EQUAL(txp_ipt_ct_new(0, &none), TXP_EINVAL);
        CU_ASSERT_PTR_NULL(none);
    }
    txp_ipt_ct_free(f.ct);
    txp_ipt_ct_free(NULL);
}

static void
test_ct_nat_reply(void)
{
    struct flowrun f;
    struct txp_ipt_rule *r;

    fresh();
    memset(&env, 0, sizeof env);
    CU_ASSERT_FATAL(txp_ipt_ct_new(16, &f.ct) == TXP_OK);
    r = add_rule(TXP_IPT_NAT, chain_of(TXP_IPT_NAT, "OUTPUT"), TXP_IPT_T_DNAT);
    r->ip.proto = 6;
    r->target.u.nat.flags = 3;
    r->target.u.nat.min_addr = r->target.u.nat.max_addr = A(192, 0, 2, 10);
    r->target.u.nat.min_port = r->target.u.nat.max_port = 8443;
    r = add_rule(TXP_IPT_NAT, chain_of(TXP_IPT_NAT, "POSTROUTING"), TXP_IPT_T_SNAT);
    r->target.u.nat.flags = 3;
    r->target.u.nat.min_addr = r->target.u.nat.max_addr = A(203, 0, 113, 9);
    r->target.u.nat.min_port = 20000;
    r->target.u.nat.max_port = 20010;
    mk_tcp(A(10, 0, 0, 1), A(10, 9, 9, 9), 40000, 443, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(203, 0, 113, 9));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 20000);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(192, 0, 2, 10));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 8443);
    CU_ASSERT(csums_ok(pkt, plen));
    /* the reply comes from the mapped destination to the mapped source: it is found, and the
     * inverted binding restores the original addresses and ports */
    mk_tcp(A(192, 0, 2, 10), A(203, 0, 113, 9), 8443, 20000, TXP_TCP_SYN | TXP_TCP_ACK, 0);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(info.ctdir, 1);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(10, 9, 9, 9));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 20), 443);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 16), A(10, 0, 0, 1));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 40000);
    CU_ASSERT(csums_ok(pkt, plen));
    /* the original direction again: ESTABLISHED, same rewrite, nat rules not run */
    mk_tcp(A(10, 0, 0, 1), A(10, 9, 9, 9), 40000, 443, TXP_TCP_ACK, 5);
    CU_ASSERT_EQUAL(send_local(&f), TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_ESTABLISHED);
    CU_ASSERT_EQUAL(txp_load_be32(pkt + 12), A(203, 0, 113, 9));
    CU_ASSERT_EQUAL(txp_load_be16(pkt + 22), 8443);
    CU_ASSERT(csums_ok(pkt, plen));
    CU_ASSERT_EQUAL(
        rs.tables[TXP_IPT_NAT].chains[chain_of(TXP_IPT_NAT, "OUTPUT")].rules[0].cnt.pkts, 1);
    /* a packet to the pre-NAT reply tuple is a new flow of its own */
    mk_tcp(A(10, 9, 9, 9), A(10, 0, 0, 1), 443, 40000, TXP_TCP_ACK, 0);
    memset(&info, 0, sizeof info);
    CU_ASSERT_EQUAL(txp_ipt_ct_lookup(f.ct, pkt, plen, &info, &f.flow), TXP_OK);
    CU_ASSERT_EQUAL(info.ctstate, TXP_IPT_CT_NEW);
    txp_ipt_ct_free(f.ct);
}

/* ------------------------------------------------------------------ parse (end to end) */

static void
test_parsed(void)
{
    static const char text[] = "*mangle\n"
                               ":PREROUTING ACCEPT [0:0]\n"
                               ":INPUT ACCEPT [0:0]\n"
                               ":FORWARD ACCEPT [0:0]\n"
                               ":OUTPUT ACCEPT [0:0]\n"
                               ":POSTROUTING ACCEPT [0:0]\n"
                               "-A OUTPUT -p udp -m udp --dport 53 -j MARK --set-xmark 0x5/0xff\n"
                               "COMMIT\n"
                               "*filter\n"
                               ":INPUT ACCEPT [0:0]\n"
                               ":FORWARD ACCEPT [0:0]\n"
                               ":OUTPUT DROP [0:0]\n"
                               ":web - [0:0]\n"
                               "-A OUTPUT -m mark --mark 0x5/0xff -j ACCEPT\n"
                               "-A OUTPUT -p tcp -m multiport --dports 80,443 -j web\n"
                               "-A web -d 10.0.0.0/8 -j RETURN\n"
                               "-A web -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT\n"
                               "COMMIT\n";
    struct txp_diag d;
    uint32_t web;

    rs_teardown();
    CU_ASSERT_FATAL(txp_ipt_ruleset_init(&rs) == TXP_OK);
    memset(&d, 0, sizeof d);
    CU_ASSERT_FATAL(txp_ipt_parse(&rs, text, sizeof text - 1, NULL, &d) == TXP_OK);
    out_info();
    web = chain_of(FT, "web");
    mk_udp(A(10, 0, 0, 1), A(8, 8, 8, 8), 1000, 53, 20);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.rule, 0);
    CU_ASSERT_EQUAL(info.mark, 5);
    CU_ASSERT_EQUAL(v.reroute, 1);
    out_info();
    mk_tcp(A(10, 0, 0, 1), A(93, 184, 216, 34), 40000, 443, TXP_TCP_SYN, 0);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_ACCEPT);
    CU_ASSERT_EQUAL(v.chain, (int32_t)web);
    CU_ASSERT_EQUAL(v.rule, 1);
    out_info();
    mk_tcp(A(10, 0, 0, 1), A(10, 1, 1, 1), 40000, 80, TXP_TCP_SYN, 0); /* RETURN -> policy */
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(v.rule, -1);
    out_info();
    mk_tcp(A(10, 0, 0, 1), A(93, 184, 216, 34), 40000, 443, TXP_TCP_ACK, 0);
    CU_ASSERT_EQUAL(txp_ipt_do_hook(&rs, TXP_IPT_OUTPUT, pkt, plen, &info, &env, &v), TXP_OK);
    CU_ASSERT_EQUAL(v.verdict, TXP_IPT_V_DROP);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[chain_of(FT, "OUTPUT")].cnt.pkts, 2);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[chain_of(FT, "OUTPUT")].cnt.bytes, 80);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[chain_of(FT, "OUTPUT")].rules[1].cnt.pkts, 3);
    CU_ASSERT_EQUAL(rs.tables[FT].chains[web].rules[0].cnt.pkts, 1);
}

/* ------------------------------------------------------------------ registration */

static const struct txp_h_test ipmatch_tests[] = {
    TXP_H_TEST(test_addresses), TXP_H_TEST(test_interfaces), TXP_H_TEST(test_proto_frag),
    TXP_H_TEST(test_not_ipv4), TXP_H_TEST_END};
static const struct txp_h_test traverse_tests[] = {
    TXP_H_TEST(test_first_match_counters), TXP_H_TEST(test_jump_return), TXP_H_TEST(test_goto),
    TXP_H_TEST(test_stack_overflow), TXP_H_TEST_END};
static const struct txp_h_test matches_tests[] = {TXP_H_TEST(test_tcp),
                                                  TXP_H_TEST(test_tcp_option),
                                                  TXP_H_TEST(test_udp_icmp),
                                                  TXP_H_TEST(test_multiport),
                                                  TXP_H_TEST(test_state_conntrack),
                                                  TXP_H_TEST(test_marks_length),
                                                  TXP_H_TEST(test_addr_matches),
                                                  TXP_H_TEST(test_owner),
                                                  TXP_H_TEST(test_header_fields),
                                                  TXP_H_TEST_END};
static const struct txp_h_test limit_tests[] = {TXP_H_TEST(test_limit), TXP_H_TEST_END};
static const struct txp_h_test targets_tests[] = {
    TXP_H_TEST(test_reject_mark), TXP_H_TEST(test_tos_dscp_ttl), TXP_H_TEST(test_log),
    TXP_H_TEST(test_notrack), TXP_H_TEST_END};
static const struct txp_h_test nat_tests[] = {TXP_H_TEST(test_snat),
                                              TXP_H_TEST(test_dnat_masq_redirect),
                                              TXP_H_TEST(test_nat_apply), TXP_H_TEST_END};
static const struct txp_h_test hook_tests[] = {TXP_H_TEST(test_hook_order),
                                               TXP_H_TEST(test_hook_nat), TXP_H_TEST_END};
static const struct txp_h_test ct_tests[] = {TXP_H_TEST(test_ct_states),
                                             TXP_H_TEST(test_ct_confirm_rules),
                                             TXP_H_TEST(test_ct_nat_reply), TXP_H_TEST_END};
static const struct txp_h_test parse_tests[] = {TXP_H_TEST(test_parsed), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("eval_ipmatch", rs_setup, rs_teardown, ipmatch_tests),
    TXP_H_SUITE("eval_traverse", rs_setup, rs_teardown, traverse_tests),
    TXP_H_SUITE("eval_matches", rs_setup, rs_teardown, matches_tests),
    TXP_H_SUITE("eval_limit", rs_setup, rs_teardown, limit_tests),
    TXP_H_SUITE("eval_targets", rs_setup, rs_teardown, targets_tests),
    TXP_H_SUITE("eval_nat", rs_setup, rs_teardown, nat_tests),
    TXP_H_SUITE("eval_hook", rs_setup, rs_teardown, hook_tests),
    TXP_H_SUITE("eval_ct", rs_setup, rs_teardown, ct_tests),
    TXP_H_SUITE("eval_parse", rs_setup, rs_teardown, parse_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
