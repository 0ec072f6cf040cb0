/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the stack: the socket layer's dispatch, transfers through the whole pipeline
 * against the peer model, and the scenarios of issue 10 (ARP then SYN, TOS band order, route
 * MTU, UDP fragmentation, neighbour failure, ring and qdisc back-pressure, bad host input).
 * Every test checks the accounting invariant and that nothing leaks.
 */
#include <stdio.h>
#include <string.h>

#include "stack_internal.h"
#include "txpath/h_cunit.h"

/* A link that records every wire frame and forwards to the peer model. */
#define REC_MAX 4096
struct rec {
    struct txp_stack_link link;
    uint32_t n;
    uint16_t len[REC_MAX];
    uint8_t tos[REC_MAX];
    uint8_t proto[REC_MAX];
    uint16_t ethertype[REC_MAX];
    uint16_t frag[REC_MAX];
    uint16_t sport[REC_MAX];
};

static void
rec_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct rec *r = (struct rec *)(void *)self;
    (void)ifindex;
    (void)ts;
    if (r->n == REC_MAX)
        return;
    uint32_t i = r->n++;
    r->len[i] = (uint16_t)len;
    r->ethertype[i] = txp_load_be16(f + 12);
    if (r->ethertype[i] == TXP_ETH_P_IP) {
        r->tos[i] = f[15];
        r->proto[i] = f[23];
        r->frag[i] = txp_load_be16(f + 20);
        r->sport[i] = txp_load_be16(f + 34);
    }
}

struct env {
    struct txp_stack_host host;
    struct txp_stack_peer *peer;
    struct txp_stack *st;
    struct rec rec;
};

static int
env_up(struct env *e, const struct txp_stack_peer_config *pc, uint64_t link_bps, uint32_t ring)
{
    struct txp_stack_peer_config c;
    memset(&c, 0, sizeof c);
    if (pc)
        c = *pc;
    c.alloc = txp_h_alloc();
    if (txp_stack_peer_create(&c, &e->peer) != TXP_OK)
        return -1;
    memset(&e->rec, 0, sizeof e->rec);
    e->rec.link.tx = rec_tx;
    txp_stack_peer_chain(e->peer, &e->rec.link);
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = e->host.text[0] ? &e->host : NULL;
    cfg.seed = 7;
    cfg.pool_count = 2048;
    cfg.link_bps = link_bps;
    cfg.ring_size = ring;
    cfg.link = txp_stack_peer_link(e->peer);
    cfg.alloc = txp_h_alloc();
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
    CU_ASSERT_EQUAL(txp_stack_totals(e->st, &t), TXP_OK);
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

static void
host_set(struct txp_stack_host *h, enum txp_stack_host_file f, const char *text)
{
    if (h->text[0] == NULL)
        txp_stack_host_default(h);
    h->text[f] = text;
    h->len[f] = text ? strlen(text) : 0;
}

static struct txp_stack_stage_stats
stats_of(const struct txp_stack *st, enum txp_stack_stage_id s)
{
    struct txp_stack_stage_stats all[TXP_STACK_ST__COUNT];
    txp_stack_stage_stats(st, all);
    return all[s];
}

/* ---------------------------------------------------------------- socket layer */

static void
test_dispatch(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e, NULL, 0, 0) == TXP_OK);
    struct txp_stack_file *t = NULL, *u = NULL, *x = NULL;
    CU_ASSERT_EQUAL(txp_stack_socket(e.st, 1, NULL, &x), TXP_EINVAL);
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_TCP, NULL, &t) == TXP_OK);
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_UDP, NULL, &u) == TXP_OK);
    /* The ops tables Linux uses for each kind of socket. */
    CU_ASSERT_STRING_EQUAL(t->f_op->name, "socket_file_ops");
    CU_ASSERT_STRING_EQUAL(t->ops->name, "inet_stream_ops");
    CU_ASSERT_STRING_EQUAL(t->prot->name, "TCP");
    CU_ASSERT_STRING_EQUAL(u->ops->name, "inet_dgram_ops");
    CU_ASSERT_STRING_EQUAL(u->prot->name, "UDP");
    CU_ASSERT_EQUAL(txp_stack_write(t, "x", 1), TXP_ENOTCONN);
    CU_ASSERT_EQUAL(txp_stack_write(u, "x", 1), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_stack_shutdown(t), TXP_ENOTCONN);
    CU_ASSERT_EQUAL(txp_stack_connect(t, 0x0A000002u, 80), TXP_OK);
    CU_ASSERT_EQUAL(txp_stack_connect(t, 0x0A000002u, 80), TXP_EINVAL);
    /* Before the handshake completes TCP refuses data as tcp_sendmsg does. */
    CU_ASSERT_EQUAL(txp_stack_write(t, "x", 1), TXP_ENOTCONN);
    CU_ASSERT_EQUAL(txp_stack_connect(u, 0x0A000002u, 53), TXP_OK);
    CU_ASSERT_EQUAL(txp_stack_write(u, "hello", 5), 5);
    txp_stack_close(t);
    txp_stack_close(u);
    env_down(&e);
}

static void
test_tcp_default(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e, NULL, 1000000000u, 0) == TXP_OK);
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.daddr = 0x0A000002u;
    job.dport = 5001;
    job.bytes = 300000;
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(res.complete);
    CU_ASSERT_EQUAL(res.acked, 300000);
    struct txp_stack_peer_stats ps;
    txp_stack_peer_stats(e.peer, &ps);
    CU_ASSERT_EQUAL(ps.tcp_bytes_in_order, 300000);
    CU_ASSERT(ps.fin_seen);
    CU_ASSERT_EQUAL(ps.bad_csum, 0);
    CU_ASSERT_EQUAL(ps.bad_frames, 0);
    /* ARP resolution first, then the SYN (the neighbour queue held it), then data. */
    CU_ASSERT_FATAL(e.rec.n > 3);
    CU_ASSERT_EQUAL(e.rec.ethertype[0], TXP_ETH_P_ARP);
    CU_ASSERT_EQUAL(e.rec.ethertype[1], TXP_ETH_P_IP);
    CU_ASSERT_EQUAL(e.rec.len[1], 14 + 20 + 40); /* SYN with MSS, SACK, TS, WS */
    for (uint32_t i = 2; i < e.rec.n; i++)
        CU_ASSERT(e.rec.len[i] <= 1514);
    struct txp_stack_stage_stats n = stats_of(e.st, TXP_STACK_ST_NEIGH);
    CU_ASSERT_EQUAL(n.created, 1);
    struct txp_stack_totals t;
    CU_ASSERT_EQUAL(txp_stack_totals(e.st, &t), TXP_OK);
    CU_ASSERT_EQUAL(t.sent, e.rec.n);
    CU_ASSERT_EQUAL(t.dropped, 0);
    env_down(&e);
}

static void
test_tcp_loss(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    struct txp_stack_peer_config pc;
    memset(&pc, 0, sizeof pc);
    pc.drop_every = 25;
    CU_ASSERT_FATAL(env_up(&e, &pc, 1000000000u, 0) == TXP_OK);
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.daddr = 0x0A000002u;
    job.dport = 5001;
    job.bytes = 100000;
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(res.complete);
    struct txp_stack_peer_stats ps;
    txp_stack_peer_stats(e.peer, &ps);
    CU_ASSERT(ps.dropped_by_peer > 0);
    CU_ASSERT_EQUAL(ps.tcp_bytes_in_order, 100000);
    env_down(&e);
}

/* ---------------------------------------------------------------- scenarios */

static void
test_udp_fragments(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_FATAL(env_up(&e, NULL, 1000000000u, 0) == TXP_OK);
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.proto = TXP_IPPROTO_UDP;
    job.daddr = 0x0A000002u;
    job.dport = 9;
    job.bytes = 8000;
    job.write_size = 4000;
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(res.complete);
    struct txp_stack_peer_stats ps;
    txp_stack_peer_stats(e.peer, &ps);
    CU_ASSERT_EQUAL(ps.udp_datagrams, 2);
    CU_ASSERT_EQUAL(ps.udp_bytes, 8000);
    CU_ASSERT_EQUAL(ps.ip_fragments, 6); /* 4008 bytes at MTU 1500: 1480 + 1480 + 1048 */
    CU_ASSERT_EQUAL(ps.bad_csum, 0);
    /* Fragments carry MF on all but the last, and the offsets in 8-byte units. */
    CU_ASSERT_EQUAL(e.rec.frag[1] & 0x3FFFu, TXP_IP_MF | 0);
    CU_ASSERT_EQUAL(e.rec.frag[2] & 0x3FFFu, TXP_IP_MF | 185);
    CU_ASSERT_EQUAL(e.rec.frag[3] & 0x3FFFu, 370);
    /* Whole datagrams leave the socket; ip_finish_output cuts them after POSTROUTING. */
    CU_ASSERT_EQUAL(stats_of(e.st, TXP_STACK_ST_SOCK).created, 2);
    CU_ASSERT_EQUAL(stats_of(e.st, TXP_STACK_ST_IP).created, 4);
    env_down(&e);
}

static void
test_route_mtu(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    host_set(&e.host, TXP_STACK_HF_ROUTE,
             "default via 10.0.0.254 dev eth0\n"
             "10.9.0.0/16 via 10.0.0.254 dev eth0 mtu 1000\n"
             "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
             "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n");
    CU_ASSERT_FATAL(env_up(&e, NULL, 1000000000u, 0) == TXP_OK);
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.daddr = 0x0A090001u;
    job.dport = 80;
    job.bytes = 20000;
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(res.complete);
    /* TCP sizes its segments from the route MTU: no IP packet above 1000 bytes, all DF. */
    uint32_t ip = 0;
    for (uint32_t i = 0; i < e.rec.n; i++)
        if (e.rec.ethertype[i] == TXP_ETH_P_IP) {
            ip++;
            CU_ASSERT(e.rec.len[i] <= 14 + 1000);
            CU_ASSERT(e.rec.frag[i] & TXP_IP_DF);
        }
    CU_ASSERT(ip > 20);
    /* UDP with IP_PMTUDISC_DO and a datagram over the route MTU: EMSGSIZE, nothing sent. */
    memset(&job, 0, sizeof job);
    job.proto = TXP_IPPROTO_UDP;
    job.daddr = 0x0A090001u;
    job.dport = 9;
    job.bytes = 1200;
    job.opt.pmtudisc = TXP_IP_PMTUDISC_DO + 1;
    uint32_t before = e.rec.n;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(!res.complete);
    CU_ASSERT_EQUAL(res.err, TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(e.rec.n, before);
    /* The same with the default (WANT): fragmented without DF. */
    job.opt.pmtudisc = 0;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(res.complete);
    CU_ASSERT_EQUAL(e.rec.n, before + 2);
    CU_ASSERT_EQUAL(e.rec.frag[before] & (TXP_IP_DF | TXP_IP_MF), TXP_IP_MF);
    env_down(&e);
}

static void
test_neigh_failure(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    struct txp_stack_peer_config pc;
    memset(&pc, 0, sizeof pc);
    pc.addrs[0] = 0x0A0000FEu; /* answers for the gateway only */
    pc.naddrs = 1;
    CU_ASSERT_FATAL(env_up(&e, &pc, 1000000000u, 0) == TXP_OK);
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.proto = TXP_IPPROTO_UDP;
    job.daddr = 0x0A000007u; /* on link, nobody answers */
    job.dport = 9;
    job.bytes = 300;
    job.write_size = 100;
    job.deadline_ns = 10000000000ull;
    struct txp_stack_job_result res;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    /* ucast/mcast_solicit 3: three requests one second apart, then the queue is dropped. */
    CU_ASSERT(res.complete);
    struct txp_stack_stage_stats n = stats_of(e.st, TXP_STACK_ST_NEIGH);
    CU_ASSERT_EQUAL(n.created, 3);
    CU_ASSERT_EQUAL(n.drop_reason[TXP_DROP_NEIGH_FAILED], 3);
    CU_ASSERT_EQUAL(e.rec.n, 3);
    CU_ASSERT(res.end_ns - res.start_ns >= 3000000000ull);
    /* A TCP connect to a host that never answers: SYN queued, dropped, retried, counted. */
    memset(&job, 0, sizeof job);
    job.daddr = 0x0A000007u;
    job.dport = 80;
    job.bytes = 10;
    job.deadline_ns = 5000000000ull;
    CU_ASSERT_EQUAL(txp_stack_run_job(e.st, &job, &res), TXP_OK);
    CU_ASSERT(!res.complete);
    CU_ASSERT(stats_of(e.st, TXP_STACK_ST_NEIGH).drop_reason[TXP_DROP_NEIGH_FAILED] > 3);
    env_down(&e);
}

static void
test_unreachable(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    host_set(&e.host, TXP_STACK_HF_ROUTE,
             "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
             "blackhole 10.66.0.0/16\n"
             "prohibit 10.67.0.0/16\n");
    CU_ASSERT_FATAL(env_up(&e, NULL, 0, 0) == TXP_OK);
    struct txp_stack_file *f;
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_TCP, NULL, &f) == TXP_OK);
    CU_ASSERT_EQUAL(txp_stack_connect(f, 0x0B000001u, 80), TXP_ENETUNREACH);
    txp_stack_close(f);
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_UDP, NULL, &f) == TXP_OK);
    CU_ASSERT_EQUAL(txp_stack_connect(f, 0x0A430001u, 80), TXP_EACCES);
    txp_stack_close(f);
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_UDP, NULL, &f) == TXP_OK);
    CU_ASSERT_EQUAL(txp_stack_connect(f, 0x0A420001u, 80), TXP_EINVAL);
    txp_stack_close(f);
    struct txp_stack_totals t;
    CU_ASSERT_EQUAL(txp_stack_totals(e.st, &t), TXP_OK);
    CU_ASSERT_EQUAL(t.offered, 0);
    env_down(&e);
}

/* pfifo_fast under load: with the device slower than the sender, interactive TOS (band 0)
 * overtakes bulk (band 2) queued before it. */
static void
test_tos_bands(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    host_set(&e.host, TXP_STACK_HF_NEIGH, "10.0.0.2 dev eth0 lladdr 02:00:00:00:00:fe PERMANENT\n");
    CU_ASSERT_FATAL(env_up(&e, NULL, 10000000u, 64) == TXP_OK);
    struct txp_stack_sockopt bulk = {0}, inter = {0};
    bulk.tos = 0x08;  /* IPTOS_THROUGHPUT: TC_PRIO_BULK 2 -> band 2 */
    inter.tos = 0x10; /* IPTOS_LOWDELAY: TC_PRIO_INTERACTIVE 6 -> band 0 */
    struct txp_stack_file *b, *i;
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_UDP, &bulk, &b) == TXP_OK);
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_UDP, &inter, &i) == TXP_OK);
    CU_ASSERT_FATAL(txp_stack_connect(b, 0x0A000002u, 9) == TXP_OK);
    CU_ASSERT_FATAL(txp_stack_connect(i, 0x0A000002u, 9) == TXP_OK);
    uint8_t buf[1000];
    memset(buf, 0xab, sizeof buf);
    for (int k = 0; k < 100; k++)
        CU_ASSERT_EQUAL(txp_stack_write(b, buf, sizeof buf), (int64_t)sizeof buf);
    for (int k = 0; k < 10; k++)
        CU_ASSERT_EQUAL(txp_stack_write(i, buf, sizeof buf), (int64_t)sizeof buf);
    uint64_t t = txp_stack_now(e.st);
    for (int step = 0; step < 100000 && e.rec.n < 110; step++) {
        t = txp_stack_next_event(e.st);
        txp_stack_advance(e.st, t);
    }
    CU_ASSERT_EQUAL_FATAL(e.rec.n, 110);
    /* The ring took the first bulk packets before the interactive ones arrived; of what was
     * still in the qdisc, the 10 interactive packets leave first. */
    uint32_t first_inter = REC_MAX, last_inter = 0, bulk_before = 0;
    for (uint32_t k = 0; k < e.rec.n; k++) {
        if (e.rec.tos[k] == 0x10) {
            if (first_inter == REC_MAX)
                first_inter = k;
            last_inter = k;
        } else if (first_inter == REC_MAX) {
            bulk_before++;
        }
    }
    CU_ASSERT_EQUAL(last_inter - first_inter, 9);
    CU_ASSERT(bulk_before < 100);
    CU_ASSERT(bulk_before > 0);
    CU_ASSERT_EQUAL(i->priority, 6);
    CU_ASSERT_EQUAL(b->priority, 2);
    txp_stack_close(b);
    txp_stack_close(i);
    env_down(&e);
}

/* A slow device with a small ring: BQL stops the queue, the qdisc holds the rest, and a short
 * txqueuelen drops the excess with QDISC_DROP. */
static void
test_backpressure(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    host_set(&e.host, TXP_STACK_HF_NEIGH, "10.0.0.2 dev eth0 lladdr 02:00:00:00:00:fe PERMANENT\n");
    host_set(&e.host, TXP_STACK_HF_LINK,
             "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\\    "
             "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
             "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP "
             "mode DEFAULT group default qlen 50\\    link/ether 02:00:00:00:00:01 brd "
             "ff:ff:ff:ff:ff:ff\n");
    CU_ASSERT_FATAL(env_up(&e, NULL, 100000000u, 64) == TXP_OK);
    struct txp_stack_file *f;
    CU_ASSERT_FATAL(txp_stack_socket(e.st, TXP_IPPROTO_UDP, NULL, &f) == TXP_OK);
    CU_ASSERT_FATAL(txp_stack_connect(f, 0x0A000002u, 9) == TXP_OK);
    uint8_t buf[1400];
    memset(buf, 1, sizeof buf);
    for (int k = 0; k < 200; k++)
        CU_ASSERT_EQUAL(txp_stack_write(f, buf, sizeof buf), (int64_t)sizeof buf);
    struct txp_stack_totals t;
    CU_ASSERT_EQUAL(txp_stack_totals(e.st, &t), TXP_OK);
    CU_ASSERT(t.held >= 50); /* the qdisc is full (txqueuelen 50) */
    struct txp_stack_stage_stats q = stats_of(e.st, TXP_STACK_ST_QDISC);
    CU_ASSERT(q.drop_reason[TXP_DROP_QDISC_DROP] > 0);
    uint64_t now = txp_stack_now(e.st);
    for (int step = 0; step < 1000000; step++) {
        uint64_t n = txp_stack_next_event(e.st);
        if (n > now + 1000000000ull)
            break;
        txp_stack_advance(e.st, n);
    }
    CU_ASSERT_EQUAL(txp_stack_totals(e.st, &t), TXP_OK);
    CU_ASSERT_EQUAL(t.held, 0);
    CU_ASSERT_EQUAL(t.sent + q.drop_reason[TXP_DROP_QDISC_DROP], 200);
    CU_ASSERT_EQUAL(e.rec.n, t.sent);
    struct txp_ring_stats rs;
    txp_ring_stats(e.st->dev[1].ring, &rs);
    /* Byte queue limits stop the stack long before the 64 descriptors run out, and every
     * stop is followed by a restart as completions come in. */
    CU_ASSERT(rs.stack_xoff > 0);
    CU_ASSERT_EQUAL(rs.stack_xon, rs.stack_xoff);
    txp_stack_close(f);
    env_down(&e);
}

/* ---------------------------------------------------------------- bad input */

static void
test_bad_host(void)
{
    struct env e;
    memset(&e, 0, sizeof e);
    host_set(&e.host, TXP_STACK_HF_ROUTE,
             "default via 10.0.0.254 dev eth0\n10.0.0.0/24 dev eth9 scope link\n");
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = &e.host;
    cfg.alloc = txp_h_alloc();
    struct txp_stack *st = NULL;
    struct txp_diag d;
    int rc = txp_stack_create(&cfg, &st, &d);
    CU_ASSERT(rc < 0);
    CU_ASSERT(st == NULL);
    CU_ASSERT_EQUAL(d.line, 2);
    CU_ASSERT(strstr(d.file, "ip-route") != NULL);
    host_set(&e.host, TXP_STACK_HF_ROUTE, NULL);
    rc = txp_stack_create(&cfg, &st, &d);
    CU_ASSERT_EQUAL(rc, TXP_EINVAL);
    host_set(&e.host, TXP_STACK_HF_ROUTE, "default via 10.0.0.254 dev eth0\n");
    host_set(&e.host, TXP_STACK_HF_QDISC, "qdisc\n");
    rc = txp_stack_create(&cfg, &st, &d);
    CU_ASSERT_EQUAL(rc, TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.line, 1);
    host_set(&e.host, TXP_STACK_HF_QDISC, "qdisc netem 8001: dev eth0 root refcnt 2 delay 10x\n");
    rc = txp_stack_create(&cfg, &st, &d);
    CU_ASSERT_EQUAL(rc, TXP_EBADMSG);
    struct txp_stack_host h;
    CU_ASSERT_EQUAL(txp_stack_host_read("/nonexistent-txpath-dir", &h, &d), TXP_EIO);
    CU_ASSERT(strstr(d.file, "ip-link") != NULL);
    TXP_H_ASSERT_NO_LEAKS();
}

static const struct txp_h_test socket_tests[] = {TXP_H_TEST(test_dispatch),
                                                 TXP_H_TEST(test_tcp_default),
                                                 TXP_H_TEST(test_tcp_loss), TXP_H_TEST_END};
static const struct txp_h_test scenario_tests[] = {TXP_H_TEST(test_udp_fragments),
                                                   TXP_H_TEST(test_route_mtu),
                                                   TXP_H_TEST(test_neigh_failure),
                                                   TXP_H_TEST(test_unreachable),
                                                   TXP_H_TEST(test_tos_bands),
                                                   TXP_H_TEST(test_backpressure),
                                                   TXP_H_TEST_END};
static const struct txp_h_test bad_tests[] = {TXP_H_TEST(test_bad_host), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("socket", t_setup, NULL, socket_tests),
    TXP_H_SUITE("scenario", t_setup, NULL, scenario_tests),
    TXP_H_SUITE("bad", t_setup, NULL, bad_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
