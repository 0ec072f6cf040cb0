/* SPDX-License-Identifier: MIT */
/*
 * txpath fib unit tests. The expected answers were taken from a Linux 6.x kernel in a network
 * namespace (ip route get), for the same snapshot text as below.
 */
#include <string.h>

#include "txpath/fib.h"
#include "txpath/fib_lpm.h"
#include "txpath/h_cunit.h"
#include "txpath/prot/ip.h"

static const char links[] =
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group "
    "default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "3: d0@d0p: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT "
    "group default qlen 1000\\    link/ether c6:7e:71:d6:c7:3a brd ff:ff:ff:ff:ff:ff\n"
    "5: d1@d1p: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT "
    "group default qlen 1000\\    link/ether c6:7e:71:d6:c7:3b brd ff:ff:ff:ff:ff:ff\n";
static const char addrs[] =
    "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
    "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n"
    "3: d0    inet 10.0.0.1/24 scope global d0\\       valid_lft forever preferred_lft forever\n"
    "3: d0    inet 10.0.0.9/24 scope global secondary d0\\       valid_lft forever "
    "preferred_lft forever\n"
    "5: d1    inet 192.168.5.2/16 scope global d1\\       valid_lft forever preferred_lft "
    "forever\n";
static const char routes[] =
    "10.1.0.0/16 via 192.168.0.1 dev d1 table 100 \n"
    "10.2.0.0/16 via 10.0.0.3 dev d0 table 100 \n"
    "throw 10.6.0.0/16 table 100 \n"
    "default via 10.0.0.254 dev d0 \n"
    "10.0.0.0/24 dev d0 proto kernel scope link src 10.0.0.1 \n"
    "10.1.0.0/16 tos 0x10 via 10.0.0.2 dev d0 metric 20 mtu 1400 \n"
    "10.3.0.0/16 tos 0x08 via 10.0.0.4 dev d0 \n"
    "prohibit 10.7.0.0/16 \n"
    "unreachable 10.8.0.0/16 metric 5 \n"
    "blackhole 10.9.0.0/16 \n"
    "172.16.0.0/12 dev d1 scope link src 192.168.5.2 \n"
    "192.168.0.0/16 dev d1 proto kernel scope link src 192.168.5.2 \n"
    "local 10.0.0.1 dev d0 table local proto kernel scope host src 10.0.0.1 \n"
    "local 10.0.0.9 dev d0 table local proto kernel scope host src 10.0.0.1 \n"
    "broadcast 10.0.0.255 dev d0 table local proto kernel scope link src 10.0.0.1 \n"
    "local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \n"
    "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 \n"
    "broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 \n"
    "local 192.168.5.2 dev d1 table local proto kernel scope host src 192.168.5.2 \n"
    "broadcast 192.168.255.255 dev d1 table local proto kernel scope link src 192.168.5.2 \n"
    "local ::1 dev lo table local proto kernel metric 0 pref medium\n"
    "default via fd00::1 dev d0 metric 1024 pref medium\n";
static const char rules[] = "0:\tfrom all lookup local\n"
                            "32765:\tfrom all fwmark 0x5 lookup 100\n"
                            "32766:\tfrom all lookup main\n"
                            "32767:\tfrom all lookup default\n";

static struct txp_fib *
load(const char *rule_text)
{
    struct txp_fib *f = NULL;
    struct txp_diag d;
    CU_ASSERT_FATAL(txp_fib_create(NULL, &f) == TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_load_links(f, links, strlen(links), "ip-link", &d), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_load_addrs(f, addrs, strlen(addrs), "ip-addr", &d), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_load_routes(f, routes, strlen(routes), "ip-route", &d), TXP_OK);
    if (rule_text != NULL)
        CU_ASSERT_EQUAL(txp_fib_load_rules(f, rule_text, strlen(rule_text), "ip-rule", &d), TXP_OK);
    return f;
}

/* Look up "dst" with optional src/tos/mark/oif and compare with `ip route get`'s line. */
static void
expect(struct txp_fib *f, const char *dst, const char *src, uint8_t tos, uint32_t mark,
       const char *oif, const char *want)
{
    struct txp_fib_flow fl;
    struct txp_fib_result r;
    char line[256];
    memset(&fl, 0, sizeof fl);
    CU_ASSERT_FATAL(txp_ipv4_addr_parse(dst, &fl.dst) == TXP_OK);
    if (src)
        CU_ASSERT_FATAL(txp_ipv4_addr_parse(src, &fl.src) == TXP_OK);
    fl.tos = tos;
    fl.mark = mark;
    fl.oif = oif ? txp_fib_dev_index(f, oif) : 0;
    int rc = txp_fib_lookup(f, &fl, &r);
    if (rc == TXP_OK)
        (void)txp_fib_format_result(f, &fl, &r, line, sizeof line);
    else
        (void)snprintf(line, sizeof line, "RTNETLINK answers: %s", txp_fib_strerror(rc));
    if (strcmp(line, want) != 0)
        fprintf(stderr, "\n  route get %s: got  \"%s\"\n                 want \"%s\"\n", dst, line,
                want);
    CU_ASSERT_STRING_EQUAL(line, want);
}

static void
test_kernel_answers(void)
{
    struct txp_fib *f = load(rules);
    expect(f, "10.1.2.3", NULL, 0, 0, NULL, "10.1.2.3 via 10.0.0.254 dev d0 src 10.0.0.1");
    expect(f, "10.1.2.3", NULL, 0x10, 0, NULL,
           "10.1.2.3 tos 0x10 via 10.0.0.2 dev d0 src 10.0.0.1");
    expect(f, "10.1.2.3", NULL, 0x14, 0, NULL, "10.1.2.3 via 10.0.0.254 dev d0 src 10.0.0.1");
    expect(f, "10.1.2.3", NULL, 0x12, 0, NULL,
           "10.1.2.3 tos 0x10 via 10.0.0.2 dev d0 src 10.0.0.1");
    expect(f, "10.3.2.3", NULL, 0x09, 0, NULL,
           "10.3.2.3 tos 0x08 via 10.0.0.4 dev d0 src 10.0.0.1");
    expect(f, "10.3.2.3", NULL, 0x0c, 0, NULL, "10.3.2.3 via 10.0.0.254 dev d0 src 10.0.0.1");
    expect(f, "10.9.1.1", NULL, 0, 0, NULL, "RTNETLINK answers: Invalid argument");
    expect(f, "10.8.1.1", NULL, 0, 0, NULL, "RTNETLINK answers: No route to host");
    expect(f, "10.7.1.1", NULL, 0, 0, NULL, "RTNETLINK answers: Permission denied");
    expect(f, "10.0.0.1", NULL, 0, 0, NULL, "local 10.0.0.1 dev lo table local src 10.0.0.1");
    expect(f, "10.0.0.255", NULL, 0, 0, NULL,
           "broadcast 10.0.0.255 dev d0 table local src 10.0.0.1");
    expect(f, "10.0.0.5", NULL, 0, 0, NULL, "10.0.0.5 dev d0 src 10.0.0.1");
    expect(f, "172.16.1.1", NULL, 0, 0, NULL, "172.16.1.1 dev d1 src 192.168.5.2");
    expect(f, "10.1.2.3", NULL, 0, 5, NULL,
           "10.1.2.3 via 192.168.0.1 dev d1 table 100 src 192.168.5.2 mark 5");
    expect(f, "10.6.1.1", NULL, 0, 5, NULL, "10.6.1.1 via 10.0.0.254 dev d0 src 10.0.0.1 mark 5");
    expect(f, "10.2.1.1", NULL, 0, 5, NULL,
           "10.2.1.1 via 10.0.0.3 dev d0 table 100 src 10.0.0.1 mark 5");
    expect(f, "8.8.8.8", "10.0.0.9", 0, 0, NULL, "8.8.8.8 from 10.0.0.9 via 10.0.0.254 dev d0");
    expect(f, "8.8.8.8", "1.2.3.4", 0, 0, NULL, "RTNETLINK answers: Network is unreachable");
    expect(f, "255.255.255.255", NULL, 0, 0, NULL, "broadcast 255.255.255.255 dev d0 src 10.0.0.1");
    expect(f, "8.8.8.8", NULL, 0, 0, "d1", "8.8.8.8 dev d1 src 192.168.5.2");
    expect(f, "10.0.0.0", NULL, 0, 0, NULL, "10.0.0.0 dev d0 src 10.0.0.1");
    expect(f, "192.168.255.255", NULL, 0, 0, NULL,
           "broadcast 192.168.255.255 dev d1 table local src 192.168.5.2");
    expect(f, "127.0.0.1", NULL, 0, 0, NULL, "local 127.0.0.1 dev lo table local src 127.0.0.1");
    expect(f, "1.2.3.4", "127.0.0.1", 0, 0, NULL, "RTNETLINK answers: Invalid argument");
    expect(f, "10.0.0.1", "10.0.0.9", 0, 0, NULL,
           "local 10.0.0.1 from 10.0.0.9 dev lo table local");
    txp_fib_destroy(f);
}

/* Without custom rules local and main are one trie: the longest prefix wins across both. */
static void
test_merge(void)
{
    struct txp_fib *f = load(NULL);
    struct txp_fib_route r;
    memset(&r, 0, sizeof r);
    r.dst = 0x7F010000u; /* 127.1.0.0/16 in main */
    r.plen = 16;
    r.ifindex = txp_fib_dev_index(f, "lo");
    r.scope = TXP_FIB_SCOPE_LINK;
    CU_ASSERT_EQUAL(txp_fib_route_add(f, &r), TXP_OK);
    expect(f, "127.1.2.3", NULL, 0, 0, NULL, "127.1.2.3 dev lo src 10.0.0.1");
    /* any rule ends the merge: local (rule 0) is consulted first from then on */
    struct txp_fib_rule rule;
    memset(&rule, 0, sizeof rule);
    rule.pref = 100;
    rule.action = TXP_FIB_ACT_TO_TBL;
    rule.table = 100;
    rule.fwmask = 0xFFFFFFFFu;
    rule.fwmark = 77;
    rule.suppress_prefixlen = -1;
    CU_ASSERT_EQUAL(txp_fib_rule_add(f, &rule), TXP_OK);
    expect(f, "127.1.2.3", NULL, 0, 0, NULL, "local 127.1.2.3 dev lo table local src 127.0.0.1");
    txp_fib_destroy(f);
}

static void
test_route_order_and_errors(void)
{
    struct txp_fib *f = load(rules);
    struct txp_fib_route r;
    memset(&r, 0, sizeof r);
    r.dst = 0x0A010000u;
    r.plen = 16;
    r.tos = 0x10;
    r.metric = 20;
    r.ifindex = txp_fib_dev_index(f, "d0");
    CU_ASSERT_EQUAL(txp_fib_route_add(f, &r), TXP_EEXIST);
    r.metric = 10; /* same prefix and tos, lower metric: preferred */
    r.gw = 0x0A000063u;
    CU_ASSERT_EQUAL(txp_fib_route_add(f, &r), TXP_OK);
    expect(f, "10.1.2.3", NULL, 0x10, 0, NULL,
           "10.1.2.3 tos 0x10 via 10.0.0.99 dev d0 src 10.0.0.1");
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &r), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &r), TXP_ENOENT);
    expect(f, "10.1.2.3", NULL, 0x10, 0, NULL,
           "10.1.2.3 tos 0x10 via 10.0.0.2 dev d0 src 10.0.0.1");
    r.dst = 0x0A010001u; /* host bits set */
    CU_ASSERT_EQUAL(txp_fib_route_add(f, &r), TXP_EINVAL);
    r.dst = 0x0A010000u;
    r.plen = 33;
    CU_ASSERT_EQUAL(txp_fib_route_add(f, &r), TXP_EINVAL);
    txp_fib_destroy(f);
}

static void
test_rule_actions(void)
{
    static const char rs[] = "0:\tfrom all lookup local\n"
                             "10:\tfrom all to 10.9.0.0/16 goto 40\n"
                             "20:\tfrom all to 10.9.0.0/16 prohibit\n"
                             "30:\tfrom all fwmark 0x2/0x2 unreachable\n"
                             "40:\tfrom all lookup main suppress_prefixlength 0\n"
                             "50:\tnot from all fwmark 0x8/0xc blackhole\n"
                             "32766:\tfrom all lookup main\n";
    struct txp_fib *f = load(rs);
    /* goto skips the prohibit rule; main's blackhole /16 is longer than /0: returned */
    expect(f, "10.9.1.1", NULL, 0, 0, NULL, "RTNETLINK answers: Invalid argument");
    expect(f, "8.8.8.8", NULL, 0, 2, NULL, "RTNETLINK answers: Network is unreachable");
    /* suppress_prefixlength 0 skips the default route; rule 50 (not mark 8/c) blackholes */
    expect(f, "8.8.8.8", NULL, 0, 0, NULL, "RTNETLINK answers: Invalid argument");
    /* mark 8: rule 50 does not match; main again gives the default route */
    expect(f, "8.8.8.8", NULL, 0, 8, NULL, "8.8.8.8 via 10.0.0.254 dev d0 src 10.0.0.1 mark 8");
    txp_fib_destroy(f);
}

/* Neighbour states for fib_select_default: gateways 10.0.0.254, .2, .3 on d0. */
struct nstates {
    int st[3];
};

static int
nstate(void *ctx, uint32_t ifindex, uint32_t gw)
{
    const struct nstates *n = ctx;
    (void)ifindex;
    return gw == 0x0A0000FEu ? n->st[0] : gw == 0x0A000002u ? n->st[1] : n->st[2];
}

/* The gateways of @p n lookups of 198.51.100.1, as a string of 'A' (.254), 'B' (.2), 'C' (.3). */
static void
dflt_seq(struct txp_fib *f, int n, char *out)
{
    struct txp_fib_flow fl;
    struct txp_fib_result r;
    memset(&fl, 0, sizeof fl);
    fl.dst = 0xC6336401u;
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL_FATAL(txp_fib_lookup(f, &fl, &r), TXP_OK);
        out[i] = r.gw == 0x0A0000FEu ? 'A' : r.gw == 0x0A000002u ? 'B' : 'C';
    }
    out[n] = '\0';
}

/* fib_select_default / fib_detect_death, traced by hand through the kernel's code for the
 * states the kernel test cannot hold still (INCOMPLETE, DELAY); `ip route append` and delete
 * by gateway. */
static void
test_select_default(void)
{
    struct txp_fib *f = load(NULL);
    struct txp_diag d;
    static const char more[] = "default via 10.0.0.2 dev d0 \ndefault via 10.0.0.3 dev d0 \n";
    char seq[16];
    CU_ASSERT_EQUAL_FATAL(txp_fib_load_routes(f, more, strlen(more), "ip-route", &d), TXP_OK);
    /* the same nexthop twice is still a duplicate */
    CU_ASSERT_EQUAL(txp_fib_load_routes(f, more, 30, "ip-route", &d), TXP_EBADMSG);
    /* no neighbour entries: the first default route, always */
    dflt_seq(f, 4, seq);
    CU_ASSERT_STRING_EQUAL(seq, "AAAA");
    /* .254 INCOMPLETE, .2 DELAY, .3 no entry: B (valid, not the last choice), then C (B was
     * last: it becomes the last resort and C, without an entry, wins), and so on */
    struct nstates ns = {{0x01, 0x08, -1}};
    txp_fib_set_neigh_state(f, nstate, &ns);
    dflt_seq(f, 5, seq);
    CU_ASSERT_STRING_EQUAL(seq, "BCBCB");
    /* all FAILED: each is the last resort in turn, then none is after the last choice */
    txp_fib_set_neigh_state(f, NULL, NULL);
    dflt_seq(f, 1, seq); /* resets the memory to "first" (-1 -> 0 after one lookup) */
    struct nstates failed = {{0x20, 0x20, 0x20}};
    txp_fib_set_neigh_state(f, nstate, &failed);
    dflt_seq(f, 8, seq);
    CU_ASSERT_STRING_EQUAL(seq, "BCAABCAA");
    /* the walk stops at the first usable gateway in order: a valid one that was not the last
     * choice beats a REACHABLE one further down (A FAILED, B STALE, C REACHABLE) */
    struct nstates reach = {{0x20, 0x04, 0x02}};
    txp_fib_set_neigh_state(f, nstate, &reach);
    dflt_seq(f, 3, seq);
    CU_ASSERT_STRING_EQUAL(seq, "BCB");
    /* with an oif the choice is skipped (fib_select_path) */
    struct txp_fib_flow fl;
    struct txp_fib_result r;
    memset(&fl, 0, sizeof fl);
    fl.dst = 0xC6336401u;
    fl.oif = txp_fib_dev_index(f, "d0");
    CU_ASSERT_EQUAL(txp_fib_lookup(f, &fl, &r), TXP_OK);
    CU_ASSERT_EQUAL(r.gw, 0x0A0000FEu);
    /* delete by gateway removes that one only */
    struct txp_fib_route del;
    memset(&del, 0, sizeof del);
    del.table = TXP_FIB_TABLE_MAIN;
    del.gw = 0x0A000003u;
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &del), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &del), TXP_ENOENT);
    /* B, the last choice and valid, is its own last resort while A has FAILED */
    dflt_seq(f, 2, seq);
    CU_ASSERT_STRING_EQUAL(seq, "BB");
    txp_fib_destroy(f);
}

static void
test_multipath(void)
{
    struct txp_fib *f = load(NULL);
    struct txp_diag d;
    static const char mp[] = "10.60.0.0/16 metric 10 \n"
                             "\tnexthop via 10.0.0.2 dev d0 weight 1 \n"
                             "\tnexthop via 192.168.0.7 dev d1 weight 3 \n"
                             "10.61.0.0/16 nexthop via 10.0.0.2 dev d0 nexthop dev d1\n";
    CU_ASSERT_EQUAL_FATAL(txp_fib_load_routes(f, mp, strlen(mp), "ip-route", &d), TXP_OK);
    char out[4096];
    (void)txp_fib_format_routes(f, TXP_FIB_TABLE_MAIN, out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "10.60.0.0/16 metric 10\n"
                                       "\tnexthop via 10.0.0.2 dev d0 weight 1\n"
                                       "\tnexthop via 192.168.0.7 dev d1 weight 3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "10.61.0.0/16\n\tnexthop via 10.0.0.2 dev d0 weight 1\n"
                                       "\tnexthop dev d1 weight 1\n"));
    /* the weights split the flows about 1:3, the same flow always takes the same nexthop */
    struct txp_fib_flow fl;
    struct txp_fib_result r, r2;
    uint32_t on_d1 = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        memset(&fl, 0, sizeof fl);
        fl.dst = 0x0A3C0000u + i;
        CU_ASSERT_EQUAL_FATAL(txp_fib_lookup(f, &fl, &r), TXP_OK);
        CU_ASSERT(r.oif == txp_fib_dev_index(f, "d1") ? r.gw == 0xC0A80007u : r.gw == 0x0A000002u);
        on_d1 += r.oif == txp_fib_dev_index(f, "d1");
        CU_ASSERT_EQUAL(txp_fib_lookup(f, &fl, &r2), TXP_OK);
        CU_ASSERT_EQUAL(r2.nh_sel, r.nh_sel);
    }
    CU_ASSERT(on_d1 > 14500 && on_d1 < 15500);
    /* the source follows the chosen nexthop's device */
    expect(f, "10.60.0.1", NULL, 0, 0, "d1", "10.60.0.1 via 192.168.0.7 dev d1 src 192.168.5.2");
    expect(f, "10.60.0.1", NULL, 0, 0, "d0", "10.60.0.1 via 10.0.0.2 dev d0 src 10.0.0.1");
    /* policy 0 ignores ports, policy 1 spreads one address pair over both */
    uint32_t seen0 = 0, seen1 = 0;
    for (uint16_t port = 1; port < 200; port++) {
        memset(&fl, 0, sizeof fl);
        fl.dst = 0x0A3C0505u;
        fl.proto = 17;
        fl.sport = port;
        fl.dport = 53;
        txp_fib_lookup(f, &fl, &r);
        seen0 |= 1u << r.nh_sel;
        CU_ASSERT_EQUAL(txp_fib_set_multipath_hash(f, 1, 0), TXP_OK);
        txp_fib_lookup(f, &fl, &r);
        seen1 |= 1u << r.nh_sel;
        txp_fib_set_multipath_hash(f, 0, 0);
    }
    CU_ASSERT(seen0 == 1 || seen0 == 2);
    CU_ASSERT_EQUAL(seen1, 3);
    CU_ASSERT_EQUAL(txp_fib_set_multipath_hash(f, 2, 0), TXP_EINVAL);
    /* merged local+main (no custom rules): local and broadcast answers say no table (live) */
    expect(f, "10.0.0.255", NULL, 0, 0, NULL, "broadcast 10.0.0.255 dev d0 src 10.0.0.1");
    expect(f, "10.0.0.1", NULL, 0, 0, NULL, "local 10.0.0.1 dev lo src 10.0.0.1");
    /* delete by prefix/metric works for multipath routes too */
    struct txp_fib_route del;
    memset(&del, 0, sizeof del);
    del.table = TXP_FIB_TABLE_MAIN;
    del.dst = 0x0A3C0000u;
    del.plen = 16;
    del.metric = 10;
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &del), TXP_OK);
    expect(f, "10.60.0.1", NULL, 0, 0, NULL, "10.60.0.1 via 10.0.0.254 dev d0 src 10.0.0.1");
    txp_fib_destroy(f);
}

/* ---- the fast LPM against a linear reference ---- */

struct ref_pfx {
    uint32_t p;
    uint8_t l;
    uint32_t v;
};

static uint32_t
ref_lookup(const struct ref_pfx *r, size_t n, uint32_t a)
{
    int best = -1;
    uint32_t v = TXP_FIB_LPM_MISS;
    for (size_t i = 0; i < n; i++) {
        uint32_t m = r[i].l ? 0xFFFFFFFFu << (32 - r[i].l) : 0;
        if ((a & m) == r[i].p && (int)r[i].l > best) {
            best = r[i].l;
            v = r[i].v;
        }
    }
    return v;
}

static uint64_t rs = 0x1234567u;
static uint32_t
rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t)rs;
}

static void
test_lpm(void)
{
    txp_h_alloc_reset();
    struct txp_fib_lpm *l = NULL;
    CU_ASSERT_FATAL(txp_fib_lpm_create(txp_h_alloc(), &l) == TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x01020304u), TXP_FIB_LPM_MISS);
    /* fixed vectors: nested, /0, /32, adjacent, deletion uncovering a shorter prefix */
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0, 0, 1), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0x0A000000u, 8, 2), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0x0A010000u, 16, 3), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0x0A010100u, 24, 4), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0x0A010101u, 32, 5), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0x0A010180u, 25, 6), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010101u), 5);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010102u), 4);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A0101FFu), 6);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010201u), 3);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A020201u), 2);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0B000000u), 1);
    CU_ASSERT_EQUAL(txp_fib_lpm_del(l, 0x0A010100u, 24), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010102u), 3);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010101u), 5);
    CU_ASSERT_EQUAL(txp_fib_lpm_del(l, 0x0A010000u, 16), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010102u), 2);
    CU_ASSERT_EQUAL(txp_fib_lpm_del(l, 0x0A010000u, 16), TXP_ENOENT);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0x0A010001u, 16, 1), TXP_EINVAL); /* host bits */
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0, 33, 1), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_fib_lpm_add(l, 0, 8, 0x7FFFFFFFu), TXP_EINVAL);
    txp_fib_lpm_destroy(l);
    TXP_H_ASSERT_NO_LEAKS();

    /* random adds, replaces and deletes, every length, against the linear reference */
    enum { N = 1500 };
    static struct ref_pfx ref[N];
    size_t nref = 0;
    txp_h_alloc_reset();
    CU_ASSERT_FATAL(txp_fib_lpm_create(txp_h_alloc(), &l) == TXP_OK);
    for (int step = 0; step < 6000; step++) {
        uint32_t r = rnd();
        if (r % 4 != 0 || nref == 0) {
            uint8_t len = (uint8_t)(r % 3 == 0 ? rnd() % 33 : 16 + rnd() % 17);
            uint32_t p =
                (0x0A000000u | (rnd() & 0x0003FFFFu)) & (len ? 0xFFFFFFFFu << (32 - len) : 0);
            uint32_t v = rnd() % 1000;
            size_t k;
            for (k = 0; k < nref; k++)
                if (ref[k].p == p && ref[k].l == len)
                    break;
            if (k == nref && nref == N)
                continue;
            CU_ASSERT_EQUAL_FATAL(txp_fib_lpm_add(l, p, len, v), TXP_OK);
            ref[k] = (struct ref_pfx){p, len, v};
            if (k == nref)
                nref++;
        } else {
            size_t k = rnd() % nref;
            CU_ASSERT_EQUAL_FATAL(txp_fib_lpm_del(l, ref[k].p, ref[k].l), TXP_OK);
            ref[k] = ref[--nref];
        }
        if (step % 50 == 0) {
            uint32_t a[64], got[64];
            for (int q = 0; q < 64; q++)
                a[q] = (q & 1) ? rnd() : (0x0A000000u | (rnd() & 0x0003FFFFu));
            txp_fib_lpm_lookup_bulk(l, a, got, 64);
            for (int q = 0; q < 64; q++) {
                uint32_t want = ref_lookup(ref, nref, a[q]);
                CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, a[q]), want);
                CU_ASSERT_EQUAL(txp_fib_lpm_lookup_inline(l, a[q]), want);
                CU_ASSERT_EQUAL(got[q], want);
            }
        }
    }
    CU_ASSERT_EQUAL(txp_fib_lpm_count(l), nref);
    struct txp_fib_lpm_mem m;
    txp_fib_lpm_memory(l, &m);
    CU_ASSERT(m.lookup > (1u << 18) * 4u);
    /* deleting everything leaves only the direct table in use */
    while (nref > 0) {
        nref--;
        CU_ASSERT_EQUAL_FATAL(txp_fib_lpm_del(l, ref[nref].p, ref[nref].l), TXP_OK);
    }
    txp_fib_lpm_memory(l, &m);
    CU_ASSERT_EQUAL(m.lookup, (1u << 18) * 4u);
    CU_ASSERT_EQUAL(txp_fib_lpm_count(l), 0);
    CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A000001u), TXP_FIB_LPM_MISS);
    txp_fib_lpm_destroy(l);
    TXP_H_ASSERT_NO_LEAKS();

    /* allocation failures anywhere in a sequence of updates (node scratch, heap growth,
     * compaction, the /18s of a /17 or of a short prefix) leave the table as it was */
    txp_h_alloc_reset();
    CU_ASSERT_FATAL(txp_fib_lpm_create(txp_h_alloc(), &l) == TXP_OK);
    nref = 0;
    int enomem = 0;
    for (int step = 0; step < 8000; step++) {
        uint32_t r = rnd();
        int rc;
        size_t k = 0;
        uint8_t len = 0;
        uint32_t p = 0, v = 0;
        bool del = r % 3 == 0 && nref > 0;
        if (del)
            k = rnd() % nref;
        else {
            len = (uint8_t)(r % 5 == 0 ? rnd() % 33 : 17 + rnd() % 16);
            p = (0x0A000000u | (rnd() & 0x0001FFFFu)) & (len ? 0xFFFFFFFFu << (32 - len) : 0);
            v = rnd() % 100000;
            for (k = 0; k < nref; k++)
                if (ref[k].p == p && ref[k].l == len)
                    break;
            if (k == nref && nref == N)
                continue;
        }
        if (rnd() % 2 == 0)
            txp_h_alloc_counter()->fail_after = (int64_t)(rnd() % 3);
        rc = del ? txp_fib_lpm_del(l, ref[k].p, ref[k].l) : txp_fib_lpm_add(l, p, len, v);
        txp_h_alloc_counter()->fail_after = -1;
        if (rc == TXP_ENOMEM) {
            enomem++;
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(rc, TXP_OK);
        if (del)
            ref[k] = ref[--nref];
        else {
            ref[k] = (struct ref_pfx){p, len, v};
            if (k == nref)
                nref++;
        }
        if (step % 40 == 0) {
            for (int q = 0; q < 64; q++) {
                uint32_t a = (q & 1) ? rnd() : (0x0A000000u | (rnd() & 0x0001FFFFu));
                CU_ASSERT_EQUAL_FATAL(txp_fib_lpm_lookup(l, a), ref_lookup(ref, nref, a));
            }
            CU_ASSERT_EQUAL_FATAL(txp_fib_lpm_count(l), nref);
        }
    }
    CU_ASSERT(enomem > 50); /* 182 with this seed */
    txp_fib_lpm_destroy(l);
    TXP_H_ASSERT_NO_LEAKS();

    /* allocation failures leave the table as it was */
    for (int64_t k = 0; k < 8; k++) {
        txp_h_alloc_reset();
        CU_ASSERT_FATAL(txp_fib_lpm_create(txp_h_alloc(), &l) == TXP_OK);
        txp_fib_lpm_add(l, 0x0A000000u, 8, 1);
        txp_h_alloc_counter()->fail_after = k;
        int rc = txp_fib_lpm_add(l, 0x0A010180u, 25, 2);
        txp_h_alloc_counter()->fail_after = -1;
        CU_ASSERT(rc == TXP_OK || rc == TXP_ENOMEM);
        CU_ASSERT_EQUAL(txp_fib_lpm_lookup(l, 0x0A010181u), rc == TXP_OK ? 2u : 1u);
        CU_ASSERT_EQUAL(txp_fib_lpm_count(l), rc == TXP_OK ? 2u : 1u);
        txp_fib_lpm_destroy(l);
        TXP_H_ASSERT_NO_LEAKS();
    }
}

static void
expect_bad(const char *text, int which, const char *msg_part, uint32_t line)
{
    struct txp_fib *f = load(NULL);
    struct txp_diag d;
    int rc;
    size_t before = txp_fib_route_count(f);
    if (which == 0)
        rc = txp_fib_load_routes(f, text, strlen(text), "ip-route", &d);
    else
        rc = txp_fib_load_rules(f, text, strlen(text), "ip-rule", &d);
    CU_ASSERT_EQUAL(rc, TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.line, line);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, msg_part));
    if (strstr(d.msg, msg_part) == NULL)
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", d.msg, msg_part);
    CU_ASSERT_EQUAL(txp_fib_route_count(f), before); /* nothing half-loaded */
    txp_fib_destroy(f);
}

static void
test_bad_input(void)
{
    expect_bad("10.50.0.0/16 dev d0\n10.51.0.0/16 dev nosuch\n", 0, "unknown device", 2);
    expect_bad("10.50.0.0/16 dev d0\n10.51.0.0/33 dev d0\n", 0, "prefix", 2);
    expect_bad("10.50.0.1/16 dev d0\n", 0, "host bits", 1);
    expect_bad("10.50.0.0/16 dev d0 frobnicate 3\n", 0, "unknown route attribute", 1);
    expect_bad("10.50.0.0/16 nexthop via 10.0.0.2 weight 1\n", 0, "needs \"dev DEVICE\"", 1);
    expect_bad("10.50.0.0/16 dev d0\n\tnexthop via 10.0.0.2 dev d0\n", 0, "without a multipath", 2);
    expect_bad("10.50.0.0/16\n\tnexthop via 10.0.0.2 dev d0 weight 0\n", 0, "weight 1..256", 2);
    expect_bad("10.50.0.0/16 metric 3\n10.51.0.0/16 dev d0\n", 0, "needs \"dev DEVICE\"", 1);
    expect_bad("10.50.0.0/16 nhid 5\n", 0, "nexthop objects", 1);
    expect_bad("10.50.0.0/16 dev d0\n10.50.0.0/16 dev d0\n", 0, "listed twice", 2);
    expect_bad("10.50.0.0/16 via 10.0.0.2 metric x dev d0\n", 0, "metric", 1);
    expect_bad("0:\tfrom all lookup local\nx:\tfrom all lookup main\n", 1, "preference", 2);
    expect_bad("5:\tfrom all fwmark\n", 1, "MARK", 1);
    expect_bad("5:\tfrom all\n", 1, "no action", 1);
    expect_bad("5:\tfrom all wibble 3 lookup main\n", 1, "unknown rule selector", 1);
}

/* Fixed LPM vectors in the spirit of Linux's and DPDK's LPM tests: nested prefixes, /0 and
 * /32, adjacent prefixes, deletion uncovering the shorter prefix. Gateways tell which matched. */
static void
lpm_add(struct txp_fib *f, uint32_t dst, uint8_t plen, uint32_t gw)
{
    struct txp_fib_route r;
    memset(&r, 0, sizeof r);
    r.dst = dst;
    r.plen = plen;
    r.gw = gw;
    r.ifindex = 2;
    CU_ASSERT_EQUAL(txp_fib_route_add(f, &r), TXP_OK);
}

static uint32_t
lpm_gw(const struct txp_fib *f, uint32_t dst)
{
    struct txp_fib_flow fl;
    struct txp_fib_result r;
    memset(&fl, 0, sizeof fl);
    fl.dst = dst;
    if (txp_fib_lookup(f, &fl, &r) != TXP_OK)
        return 0;
    return r.gw;
}

static void
test_lpm_vectors(void)
{
    struct txp_fib *f;
    CU_ASSERT_FATAL(txp_fib_create(NULL, &f) == TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_dev_add(f, "lo", 1, 65536, true, true), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_dev_add(f, "e0", 2, 1500, true, false), TXP_OK);
    CU_ASSERT_EQUAL(txp_fib_addr_add(f, 2, 0x0A000001u, 8, 0, false), TXP_OK);
    CU_ASSERT_EQUAL(lpm_gw(f, 0x01020304u), 0); /* empty: unreachable */
    lpm_add(f, 0, 0, 0x0A0000FFu);              /* /0 */
    for (uint8_t plen = 1; plen <= 32;
         plen++) /* nested chain under 76.168.0.0 (clear of 127/8 and 224/4) */
        lpm_add(f, 0x4CA80000u & (~0u << (32 - plen)), plen, 0x0A000000u | plen);
    for (uint8_t plen = 1; plen <= 32; plen++) {
        /* an address whose first difference from 76.168.0.0 is at bit plen (1-based) */
        uint32_t a = 0x4CA80000u ^ (1u << (32 - plen));
        uint32_t want = plen == 1 ? 0x0A0000FFu : 0x0A000000u | (uint32_t)(plen - 1);
        if (lpm_gw(f, a) != want)
            fprintf(stderr, "\n  lpm plen %u: got 0x%08x want 0x%08x\n", plen, lpm_gw(f, a), want);
        CU_ASSERT_EQUAL(lpm_gw(f, a), want);
    }
    CU_ASSERT_EQUAL(lpm_gw(f, 0x4CA80000u), 0x0A000020u); /* the /32 itself */
    /* adjacent /24s and a /23 covering both */
    lpm_add(f, 0x0B000000u, 24, 0x0A000101u);
    lpm_add(f, 0x0B000100u, 24, 0x0A000102u);
    lpm_add(f, 0x0B000000u, 23, 0x0A000103u);
    CU_ASSERT_EQUAL(lpm_gw(f, 0x0B0000FFu), 0x0A000101u);
    CU_ASSERT_EQUAL(lpm_gw(f, 0x0B000100u), 0x0A000102u);
    CU_ASSERT_EQUAL(lpm_gw(f, 0x0B000200u), 0x0A000001u); /* only 0.0.0.0/1 covers it */
    CU_ASSERT_EQUAL(lpm_gw(f, 0xC8000001u), 0x0A0000FFu); /* only /0 covers 200.0.0.1 */
    struct txp_fib_route r;
    memset(&r, 0, sizeof r);
    r.dst = 0x0B000100u;
    r.plen = 24;
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &r), TXP_OK);
    CU_ASSERT_EQUAL(lpm_gw(f, 0x0B000100u), 0x0A000103u); /* the /23 shows through */
    r.dst = 0;
    r.plen = 0;
    CU_ASSERT_EQUAL(txp_fib_route_del(f, &r), TXP_OK);
    CU_ASSERT_EQUAL(lpm_gw(f, 0xC8000001u), 0);
    CU_ASSERT_EQUAL(txp_fib_route_count(f), 32 + 2);
    txp_fib_destroy(f);
}

/* No leaks, and allocation failures are reported, never crash. */
static void
test_alloc_failures(void)
{
    for (int64_t n = 0; n < 40; n++) {
        txp_h_alloc_reset();
        txp_h_alloc_counter()->fail_after = n;
        struct txp_fib_config cfg = {txp_h_alloc()};
        struct txp_fib *f = NULL;
        if (txp_fib_create(&cfg, &f) == TXP_OK) {
            struct txp_diag d;
            int rc = txp_fib_load_links(f, links, strlen(links), "ip-link", &d);
            if (rc == TXP_OK)
                rc = txp_fib_load_routes(f, "10.0.0.0/8 dev d0\n10.1.0.0/16 dev d0\n", 36,
                                         "ip-route", &d);
            CU_ASSERT(rc == TXP_OK || rc == TXP_ENOMEM);
            txp_fib_destroy(f);
        }
        TXP_H_ASSERT_NO_LEAKS();
    }
    txp_h_alloc_reset();
}

/* `ip route show table all` printed back: the kernel's own dump of the snapshot above. */
static void
test_show(void)
{
    struct txp_fib *f = load(rules);
    char want[sizeof(routes)], got[4096];
    size_t n = 0;
    /* the IPv4 lines of routes[], without the blank iproute2 leaves at each line end */
    for (const char *p = routes; *p != '\0';) {
        const char *e = strchr(p, '\n');
        size_t len = (size_t)(e - p);
        if (memchr(p, ':', len) == NULL) {
            while (len > 0 && p[len - 1] == ' ')
                len--;
            memcpy(want + n, p, len);
            n += len;
            want[n++] = '\n';
        }
        p = e + 1;
    }
    want[n] = '\0';
    size_t need = txp_fib_format_routes(f, 0, got, sizeof got);
    CU_ASSERT_EQUAL(need, n);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* a size query with no buffer, and truncation, report the full length */
    CU_ASSERT_EQUAL(txp_fib_format_routes(f, 0, NULL, 0), n);
    CU_ASSERT_EQUAL(txp_fib_format_routes(f, 0, got, 10), n);
    CU_ASSERT_EQUAL(strlen(got), 9);
    /* one table: no "table" word */
    (void)txp_fib_format_routes(f, 100, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "10.1.0.0/16 via 192.168.0.1 dev d1\n"
                                "10.2.0.0/16 via 10.0.0.3 dev d0\n"
                                "throw 10.6.0.0/16\n");
    txp_fib_destroy(f);
}

static const struct txp_h_test fib_tests[] = {TXP_H_TEST(test_kernel_answers),
                                              TXP_H_TEST(test_merge),
                                              TXP_H_TEST(test_route_order_and_errors),
                                              TXP_H_TEST(test_rule_actions),
                                              TXP_H_TEST(test_bad_input),
                                              TXP_H_TEST(test_lpm_vectors),
                                              TXP_H_TEST(test_alloc_failures),
                                              TXP_H_TEST(test_show),
                                              TXP_H_TEST(test_multipath),
                                              TXP_H_TEST(test_select_default),
                                              TXP_H_TEST(test_lpm),
                                              TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("lookup", NULL, NULL, fib_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
