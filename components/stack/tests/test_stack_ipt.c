/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the iptables stages of the pipeline (built only with components/ipt): a DROP
 * rule and its counters, a MARK in mangle OUTPUT that selects a routing table (reroute), SNAT
 * in nat POSTROUTING, DNAT in nat OUTPUT that reroutes, and whole TCP connections through SNAT
 * and DNAT (the replies mapped back by the conntrack on the receive side). Every test checks
 * the accounting invariant, that the peer model saw valid checksums, and that nothing leaks.
 */
#include <stdio.h>
#include <string.h>

#include "stack_internal.h"
#include "txpath/h_cunit.h"

#define REC_MAX 256
struct rec {
    struct txp_stack_link link;
    uint32_t n;
    uint16_t ethertype[REC_MAX];
    uint32_t saddr[REC_MAX], daddr[REC_MAX], arp_tpa[REC_MAX];
};

static void
rec_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct rec *r = (struct rec *)(void *)self;
    (void)ifindex;
    (void)ts;
    (void)len;
    if (r->n == REC_MAX)
        return;
    uint32_t i = r->n++;
    r->ethertype[i] = txp_load_be16(f + 12);
    if (r->ethertype[i] == TXP_ETH_P_IP) {
        r->saddr[i] = txp_load_be32(f + 26);
        r->daddr[i] = txp_load_be32(f + 30);
    } else {
        r->arp_tpa[i] = txp_load_be32(f + 38);
    }
}

struct env {
    struct txp_stack_host host;
    struct txp_stack_peer *peer;
    struct txp_stack *st;
    struct rec rec;
};

static bool interpret; /* cfg.ipt_interpret of the next env_up */

static int
env_up(struct env *e, const char *iptables, const char *rules, const char *routes)
{
    struct txp_stack_peer_config pc;
    memset(&pc, 0, sizeof pc);
    pc.addrs[0] = 0x0A0000FEu;
    pc.addrs[1] = 0x0A0000FDu;
    pc.addrs[2] = 0x0A000002u;
    pc.naddrs = 3;
    pc.alloc = txp_h_alloc();
    if (txp_stack_peer_create(&pc, &e->peer) != TXP_OK)
        return -1;
    memset(&e->rec, 0, sizeof e->rec);
    e->rec.link.tx = rec_tx;
    txp_stack_peer_chain(e->peer, &e->rec.link);
    txp_stack_host_default(&e->host);
    e->host.text[TXP_STACK_HF_IPTABLES] = iptables;
    e->host.len[TXP_STACK_HF_IPTABLES] = strlen(iptables);
    if (rules) {
        e->host.text[TXP_STACK_HF_RULE] = rules;
        e->host.len[TXP_STACK_HF_RULE] = strlen(rules);
    }
    if (routes) {
        e->host.text[TXP_STACK_HF_ROUTE] = routes;
        e->host.len[TXP_STACK_HF_ROUTE] = strlen(routes);
    }
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = &e->host;
    cfg.seed = 3;
    cfg.pool_count = 1024;
    cfg.link = txp_stack_peer_link(e->peer);
    cfg.alloc = txp_h_alloc();
    cfg.ipt_interpret = interpret;
    struct txp_diag d;
    int rc = txp_stack_create(&cfg, &e->st, &d);
    if (rc != TXP_OK) {
        char m[600];
        txp_diag_format(&d, m, sizeof m);
        fprintf(stderr, "create: %s\n", m);
    }
    return rc;
}

static void
env_down(struct env *e)
{
    struct txp_stack_totals t;
    struct txp_stack_peer_stats ps;
    CU_ASSERT_EQUAL(txp_stack_totals(e->st, &t), TXP_OK);
    txp_stack_peer_stats(e->peer, &ps);
    CU_ASSERT_EQUAL(ps.bad_csum, 0);
    CU_ASSERT_EQUAL(ps.bad_frames, 0);
    txp_stack_destroy(e->st);
    txp_stack_peer_destroy(e->peer);
    TXP_H_ASSERT_NO_LEAKS();
}

static int
t_setup(void)
{
    txp_h_alloc_reset();
    return 0;
}

static int
udp_job(struct env *e, uint32_t daddr, uint16_t dport, uint64_t bytes, uint32_t wsize,
        struct txp_stack_job_result *res)
{
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.proto = TXP_IPPROTO_UDP;
    job.daddr = daddr;
    job.dport = dport;
    job.bytes = bytes;
    job.write_size = wsize;
    job.deadline_ns = 5000000000ull;
    return txp_stack_run_job(e->st, &job, res);
}

static void
test_drop_counters(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
                           ":OUTPUT ACCEPT [0:0]\n-A OUTPUT -p udp -m udp --dport 9 -j DROP\n"
                           "COMMIT\n",
                           NULL, NULL) == TXP_OK);
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(udp_job(&e, 0x0A000002u, 9, 300, 100, &res), TXP_OK);
    struct txp_stack_stage_stats s[TXP_STACK_ST__COUNT];
    txp_stack_stage_stats(e.st, s);
    CU_ASSERT_EQUAL(s[TXP_STACK_ST_IPT_OUT].drop_reason[TXP_DROP_NETFILTER_DROP], 3);
    CU_ASSERT_EQUAL(e.rec.n, 0);
    const struct txp_ipt_table *ft = &e.st->ipt.tables[TXP_IPT_FILTER];
    int out = txp_ipt_chain_find(ft, "OUTPUT");
    CU_ASSERT_FATAL(out >= 0);
    CU_ASSERT_EQUAL(ft->chains[out].rules[0].cnt.pkts, 3);
    CU_ASSERT_EQUAL(ft->chains[out].rules[0].cnt.bytes, 3 * (20 + 8 + 100));
    /* Another port passes and is counted by the policy. */
    CU_ASSERT_EQUAL(udp_job(&e, 0x0A000002u, 10, 100, 100, &res), TXP_OK);
    CU_ASSERT(res.complete);
    CU_ASSERT_EQUAL(ft->chains[out].cnt.pkts, 1);
    env_down(&e);
}

static void
test_mark_table(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                           ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                           ":POSTROUTING ACCEPT [0:0]\n"
                           "-A OUTPUT -p udp -m udp --dport 80 -j MARK --set-xmark 0x1/0xffffffff\n"
                           "COMMIT\n",
                           "0:\tfrom all lookup local\n100:\tfrom all fwmark 0x1 lookup 100\n"
                           "32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n",
                           "default via 10.0.0.254 dev eth0\n"
                           "default via 10.0.0.253 dev eth0 table 100\n"
                           "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
                           "local 10.0.0.1 dev eth0 table local proto kernel scope host src "
                           "10.0.0.1\n") == TXP_OK);
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(udp_job(&e, 0x0A320001u, 80, 100, 100, &res), TXP_OK);
    CU_ASSERT(res.complete);
    /* The socket routed via .254; MARK 1 sent the packet to table 100: ARP for .253. */
    CU_ASSERT_FATAL(e.rec.n == 2);
    CU_ASSERT_EQUAL(e.rec.ethertype[0], TXP_ETH_P_ARP);
    CU_ASSERT_EQUAL(e.rec.arp_tpa[0], 0x0A0000FDu);
    CU_ASSERT_EQUAL(e.rec.daddr[1], 0x0A320001u);
    /* Without the mark: the main table's gateway. */
    CU_ASSERT_EQUAL(udp_job(&e, 0x0A320001u, 81, 100, 100, &res), TXP_OK);
    CU_ASSERT_FATAL(e.rec.n == 4);
    CU_ASSERT_EQUAL(e.rec.arp_tpa[2], 0x0A0000FEu);
    env_down(&e);
}

static void
test_snat(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                           ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                           "-A POSTROUTING -o eth0 -p udp -j SNAT --to-source 10.0.0.9\n"
                           "COMMIT\n",
                           NULL, NULL) == TXP_OK);
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(udp_job(&e, 0x0A000002u, 9, 3000, 3000, &res), TXP_OK);
    CU_ASSERT(res.complete);
    /* ARP, then 3 fragments all from the new source; the peer reassembled one datagram
     * with a valid checksum over the rewritten pseudo-header. */
    CU_ASSERT_FATAL(e.rec.n == 4);
    for (uint32_t i = 1; i < 4; i++)
        CU_ASSERT_EQUAL(e.rec.saddr[i], 0x0A000009u);
    struct txp_stack_peer_stats ps;
    txp_stack_peer_stats(e.peer, &ps);
    CU_ASSERT_EQUAL(ps.udp_datagrams, 1);
    env_down(&e);
}

static void
test_dnat_reroute(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                           ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                           "-A OUTPUT -d 10.99.0.1/32 -p udp -j DNAT --to-destination 10.0.0.2\n"
                           "COMMIT\n",
                           NULL, NULL) == TXP_OK);
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(udp_job(&e, 0x0A630001u, 9, 200, 100, &res), TXP_OK);
    CU_ASSERT(res.complete);
    /* Routed to the gateway at first; after DNAT the destination is on link: ARP for it. */
    CU_ASSERT_FATAL(e.rec.n == 3);
    CU_ASSERT_EQUAL(e.rec.arp_tpa[0], 0x0A000002u);
    CU_ASSERT_EQUAL(e.rec.daddr[1], 0x0A000002u);
    CU_ASSERT_EQUAL(e.rec.daddr[2], 0x0A000002u);
    struct txp_stack_peer_stats ps;
    txp_stack_peer_stats(e.peer, &ps);
    CU_ASSERT_EQUAL(ps.udp_datagrams, 2);
    env_down(&e);
}

/* 100 kB over TCP, FIN included; the peer saw every byte in order. */
static void
tcp_through(struct env *e, uint32_t daddr, uint16_t dport, bool nat)
{
    struct txp_stack_job job;
    struct txp_stack_job_result res;
    memset(&job, 0, sizeof job);
    job.proto = TXP_IPPROTO_TCP;
    job.daddr = daddr;
    job.dport = dport;
    job.bytes = 100000;
    job.deadline_ns = 5000000000ull;
    CU_ASSERT_EQUAL(txp_stack_run_job(e->st, &job, &res), TXP_OK);
    CU_ASSERT(res.complete);
    CU_ASSERT_EQUAL(res.acked, 100000);
    struct txp_stack_peer_stats ps;
    txp_stack_peer_stats(e->peer, &ps);
    CU_ASSERT_EQUAL(ps.tcp_bytes_in_order, 100000);
    CU_ASSERT(ps.fin_seen);
    struct txp_stack_totals t;
    CU_ASSERT_EQUAL(txp_stack_totals(e->st, &t), TXP_OK);
    /* Every answer the peer sent (SYN-ACK, ACKs, FIN-ACK) was mapped back to the socket. */
    CU_ASSERT_EQUAL(t.rx_denat > 0, nat);
    CU_ASSERT_EQUAL(t.rx_ignored, 0);
}

static void
test_snat_tcp(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                           ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                           "-A POSTROUTING -o eth0 -p tcp -j SNAT --to-source 10.0.0.9:2000\n"
                           "COMMIT\n",
                           NULL, NULL) == TXP_OK);
    tcp_through(&e, 0x0A000002u, 5001, true);
    /* Everything after the ARP left from 10.0.0.9 (port 2000: checked by the golden). */
    CU_ASSERT_FATAL(e.rec.n > 3);
    for (uint32_t i = 1; i < e.rec.n; i++)
        CU_ASSERT_EQUAL(e.rec.saddr[i], 0x0A000009u);
    env_down(&e);
}

static void
test_dnat_tcp(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                           ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                           "-A OUTPUT -d 10.99.0.1/32 -p tcp -j DNAT --to-destination "
                           "10.0.0.2:6000\n"
                           "COMMIT\n",
                           NULL, NULL) == TXP_OK);
    tcp_through(&e, 0x0A630001u, 5001, true);
    CU_ASSERT_FATAL(e.rec.n > 3);
    CU_ASSERT_EQUAL(e.rec.arp_tpa[0], 0x0A000002u);
    for (uint32_t i = 1; i < e.rec.n; i++)
        CU_ASSERT_EQUAL(e.rec.daddr[i], 0x0A000002u);
    env_down(&e);
}

/* A state match needs the replies: ESTABLISHED is only reached once one was seen. */
static void
test_state_established(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e,
                           "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
                           ":OUTPUT ACCEPT [0:0]\n"
                           "-A OUTPUT -p tcp -m conntrack --ctstate NEW -j ACCEPT\n"
                           "-A OUTPUT -p tcp -m conntrack --ctstate ESTABLISHED -j ACCEPT\n"
                           "COMMIT\n",
                           NULL, NULL) == TXP_OK);
    tcp_through(&e, 0x0A000002u, 5001, false);
    const struct txp_ipt_table *ft = &e.st->ipt.tables[TXP_IPT_FILTER];
    int out = txp_ipt_chain_find(ft, "OUTPUT");
    CU_ASSERT_FATAL(out >= 0);
    CU_ASSERT_EQUAL(ft->chains[out].rules[0].cnt.pkts, 1); /* the SYN only */
    CU_ASSERT(ft->chains[out].rules[1].cnt.pkts > 60);
    CU_ASSERT_EQUAL(ft->chains[out].cnt.pkts, 0);
    env_down(&e);
}

/* The same scenarios with the rules interpreted one by one instead of compiled. */
static void
test_interpreted(void)
{
    interpret = true;
    test_drop_counters();
    txp_h_alloc_reset();
    test_snat_tcp();
    txp_h_alloc_reset();
    test_dnat_reroute();
    interpret = false;
}

static void
test_bad_ruleset(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(env_up(&e, "*filter\n-A OUTPUT -j NOSUCHTARGET\nCOMMIT\n", NULL, NULL) < 0, 1);
    CU_ASSERT(e.st == NULL);
    txp_stack_peer_destroy(e.peer);
    TXP_H_ASSERT_NO_LEAKS();
}

static const struct txp_h_test ipt_tests[] = {TXP_H_TEST(test_drop_counters),
                                              TXP_H_TEST(test_mark_table),
                                              TXP_H_TEST(test_snat),
                                              TXP_H_TEST(test_dnat_reroute),
                                              TXP_H_TEST(test_snat_tcp),
                                              TXP_H_TEST(test_dnat_tcp),
                                              TXP_H_TEST(test_state_established),
                                              TXP_H_TEST(test_interpreted),
                                              TXP_H_TEST(test_bad_ruleset),
                                              TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("ipt", t_setup, NULL, ipt_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
