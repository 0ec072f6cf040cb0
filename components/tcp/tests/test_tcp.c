/* SPDX-License-Identifier: MIT */
/* CUnit tests of the tcp component: SYN layouts, MSS, write_xmit limits, Nagle/cork, FIN, RST,
 * RTO, zero window, GSO split, options, bad input; zero-copy transmit (shared packets, a copy
 * while a transmission is in flight or after a partial ACK, destroy with packets out, slots
 * exhausted); gso_sw (segments sharing their pieces, and the same bytes as GSO split by
 * txp_tcp_gso_segment over pseudo-random runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/tcp.h"

#define MS 1000000ull
#define MAXP 512
#define ISN 1000u
#define PEER_ISN 5000u

struct seg {
    uint16_t ip_id, tot_len;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    uint32_t plen;
    uint8_t opt_len;
    uint8_t opts[40];
    uint16_t gso_size;
    bool csum_ok;
};

struct cap {
    struct txp_tcp_out out;
    uint32_t n;
    struct seg s[MAXP];
};

static struct cap cap;
static struct txp_pkt_pool *pool;

static void
on_out(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now)
{
    struct cap *c = TXP_CONTAINER_OF(self, struct cap, out);
    const uint8_t *d = txp_pkt_data(p);
    struct txp_ipv4_hdr ih;
    struct txp_tcp_hdr th;
    (void)now;
    CU_ASSERT_FATAL(c->n < MAXP);
    struct seg *s = &c->s[c->n++];
    int ihl = txp_ipv4_parse(d, p->len, &ih, NULL);
    CU_ASSERT_FATAL(ihl == 20);
    int thl = txp_tcp_parse(d + 20, p->len - 20, &th, NULL);
    CU_ASSERT_FATAL(thl >= 20);
    CU_ASSERT(ih.frag_off == TXP_IP_DF);
    CU_ASSERT(ih.ttl == 64);
    CU_ASSERT(txp_csum(d, 20) == 0);
    s->ip_id = ih.id;
    s->tot_len = ih.tot_len;
    s->seq = th.seq;
    s->ack = th.ack_seq;
    s->flags = th.flags;
    s->window = th.window;
    s->plen = p->len - 20 - (uint32_t)thl;
    s->opt_len = th.opt_len;
    memcpy(s->opts, th.opts, th.opt_len);
    s->gso_size = p->meta.gso_size;
    s->csum_ok = txp_ipv4_l4_csum(ih.saddr, ih.daddr, 6, d + 20, p->len - 20) == 0;
    CU_ASSERT(s->csum_ok);
    txp_pkt_free(p);
}

static struct txp_tcp_config
cfg_default(void)
{
    struct txp_tcp_config c;
    txp_tcp_config_default(&c);
    c.isn = ISN;
    c.ip_id = 100;
    c.pool = pool;
    c.out = &cap.out;
    c.sndbuf = 1u << 18;
    c.max_skbs = 1024;
    return c;
}

static int
setup(void)
{
    memset(&cap, 0, sizeof cap);
    cap.out.fn = on_out;
    struct txp_pkt_pool_config pc = {64, 66000};
    return txp_pkt_pool_create(&pc, txp_h_alloc(), &pool) == TXP_OK ? 0 : 1;
}

static int
teardown(void)
{
    txp_pkt_pool_destroy(pool);
    pool = NULL;
    return txp_h_alloc_counter()->outstanding == 0 ? 0 : 1;
}

/* A peer segment: flags, seq, ack, window and optional options bytes. */
static size_t
peer(uint8_t *buf, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
     uint8_t olen)
{
    struct txp_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = 5001;
    h.dport = 40000;
    h.seq = seq;
    h.ack_seq = ack;
    h.flags = flags;
    h.window = win;
    h.opt_len = olen;
    if (olen)
        memcpy(h.opts, opts, olen);
    int n = txp_tcp_build(buf, 60, &h);
    CU_ASSERT_FATAL(n > 0);
    return (size_t)n;
}

static const uint8_t SYNACK_OPTS[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
                                      0, 9, 0,    0,    0, 0, 1, 3,  3, 7};

/* Create, connect at t=0, SYN-ACK at 10 ms with @p opts; the capture is cleared. */
static struct txp_tcp_sock *
established(struct txp_tcp_config *c, const uint8_t *opts, uint8_t olen, uint16_t win)
{
    struct txp_tcp_sock *sk = NULL;
    uint8_t b[60];
    cap.n = 0;
    CU_ASSERT_FATAL(txp_tcp_create(c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT_FATAL(txp_tcp_connect(sk, 0) == TXP_OK);
    size_t n = peer(b, TXP_TCP_SYN | TXP_TCP_ACK, PEER_ISN, ISN + 1, win, opts, olen);
    CU_ASSERT_FATAL(txp_tcp_input(sk, b, n, 10 * MS) == TXP_OK);
    CU_ASSERT_FATAL(cap.n == 2);
    cap.n = 0;
    return sk;
}

static struct txp_tcp_sock *
est_default(void)
{
    struct txp_tcp_config c = cfg_default();
    return established(&c, SYNACK_OPTS, sizeof SYNACK_OPTS, 65160);
}

static int
ack(struct txp_tcp_sock *sk, uint32_t a, uint16_t win, uint64_t t)
{
    uint8_t b[60];
    uint8_t o[12] = {1, 1, 8, 10, 0, 0, 0, 10, 0, 0, 0, 0};
    size_t n = peer(b, TXP_TCP_ACK, PEER_ISN + 1, a, win, o, 12);
    return txp_tcp_input(sk, b, n, t);
}

static uint8_t data[1 << 18];

/* ---- SYN --------------------------------------------------------------------------------- */

static void
test_syn_default(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    struct txp_tcp_sock *sk = NULL;
    CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT(txp_tcp_connect(sk, 5 * MS) == TXP_OK);
    CU_ASSERT_FATAL(cap.n == 1);
    struct seg *s = &cap.s[0];
    CU_ASSERT(s->flags == TXP_TCP_SYN);
    CU_ASSERT(s->seq == ISN);
    CU_ASSERT(s->ack == 0);
    CU_ASSERT(s->window == 64240);
    CU_ASSERT(s->tot_len == 60);
    CU_ASSERT(s->ip_id == 100);
    const uint8_t want[20] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0, 1, 3, 3, 7};
    CU_ASSERT(s->opt_len == 20 && memcmp(s->opts, want, 20) == 0);
    CU_ASSERT(txp_tcp_connect(sk, 6 * MS) == TXP_EINVAL);
    txp_tcp_destroy(sk);
}

static void
test_syn_variants(void)
{
    cap.n = 0;
    static const struct {
        bool ts, sack, ws;
        uint8_t len;
        uint8_t opts[20];
    } v[] = {
        {false, true, true, 12, {2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7}},
        {true, false, true, 20, {2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7}},
        {true, true, false, 16, {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0}},
        {false, false, false, 4, {2, 4, 5, 0xb4}},
        {false, true, false, 8, {2, 4, 5, 0xb4, 1, 1, 4, 2}},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct txp_tcp_config c = cfg_default();
        c.opt_ts = v[i].ts;
        c.opt_sack = v[i].sack;
        c.opt_wscale = v[i].ws;
        struct txp_tcp_sock *sk = NULL;
        cap.n = 0;
        CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
        CU_ASSERT(txp_tcp_connect(sk, 0) == TXP_OK);
        CU_ASSERT(cap.s[0].opt_len == v[i].len);
        CU_ASSERT(memcmp(cap.s[0].opts, v[i].opts, v[i].len) == 0);
        CU_ASSERT(cap.s[0].tot_len == 40 + v[i].len);
        txp_tcp_destroy(sk);
    }
}

static void
test_syn_mtu_and_user_mss(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    c.mtu = 9000;
    struct txp_tcp_sock *sk = NULL;
    CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT(txp_tcp_set_maxseg(sk, 87) == TXP_EINVAL);
    CU_ASSERT(txp_tcp_set_maxseg(sk, 32768) == TXP_EINVAL);
    CU_ASSERT(txp_tcp_connect(sk, 0) == TXP_OK);
    CU_ASSERT(cap.s[0].opts[2] == (8960 >> 8) && cap.s[0].opts[3] == (8960 & 0xff));
    /* 65536 rounded down to 8960 */
    CU_ASSERT(cap.s[0].window == 62720);
    CU_ASSERT(txp_tcp_set_maxseg(sk, 1000) == TXP_EINVAL); /* not CLOSED */
    txp_tcp_destroy(sk);
    cap.n = 0;
    c.mtu = 1500;
    CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT(txp_tcp_set_maxseg(sk, 1000) == TXP_OK);
    CU_ASSERT(txp_tcp_connect(sk, 0) == TXP_OK);
    CU_ASSERT(cap.s[0].opts[2] == (1000 >> 8) && cap.s[0].opts[3] == (1000 & 0xff));
    CU_ASSERT(cap.s[0].window == 65000);
    txp_tcp_destroy(sk);
    c.mtu = 67;
    CU_ASSERT(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_EINVAL);
    c.mtu = 1500;
    c.rcv_wscale = 15;
    CU_ASSERT(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_EINVAL);
}

/* ---- MSS ---------------------------------------------------------------------------------- */

static void
test_mss_negotiation(void)
{
    cap.n = 0;
    struct txp_tcp_info in;
    struct txp_tcp_sock *sk = est_default();
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.state == TXP_TCP_ESTABLISHED);
    CU_ASSERT(in.mss_cache == 1448);
    CU_ASSERT(in.ts_ok && in.sack_ok && in.wscale_ok);
    CU_ASSERT(in.snd_wscale == 7 && in.rcv_wscale == 7);
    CU_ASSERT(in.snd_wnd == 65160);
    CU_ASSERT(in.cwnd == 10);
    CU_ASSERT(in.ssthresh == TXP_TCP_INFINITE_SSTHRESH);
    CU_ASSERT(in.snd_una == ISN + 1 && in.snd_nxt == ISN + 1);
    /* RTT 10 ms from the SYN: rto = 10 + max(20, 200) ms */
    CU_ASSERT(in.rto_ns == 210 * MS);
    txp_tcp_destroy(sk);

    /* No timestamps from the peer: 1460. No MSS option: 536 (clamp stays the default). */
    struct txp_tcp_config c = cfg_default();
    const uint8_t o1[] = {2, 4, 5, 0xb4};
    sk = established(&c, o1, 4, 65535);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.mss_cache == 1460 && !in.ts_ok && !in.wscale_ok);
    txp_tcp_destroy(sk);
    sk = established(&c, NULL, 0, 65535);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.mss_cache == 536);
    txp_tcp_destroy(sk);
    /* Peer MSS 536 with TS: 524; tiny MTU 68: floor 48 then minus 12 = 36. */
    const uint8_t o2[] = {2, 4, 2, 0x18, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    sk = established(&c, o2, 16, 65535);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.mss_cache == 524);
    txp_tcp_destroy(sk);
    c.mtu = 68;
    sk = established(&c, o2, 16, 65535);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.mss_cache == 36);
    txp_tcp_destroy(sk);
    /* A small peer window bounds the MSS to half of it. */
    c.mtu = 1500;
    sk = established(&c, SYNACK_OPTS, sizeof SYNACK_OPTS, 1000);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.mss_cache == 500);
    txp_tcp_destroy(sk);
}

/* ---- write_xmit ---------------------------------------------------------------------------- */

static void
test_bulk_cwnd(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 20 * 1448, 0, 20 * MS) == 20 * 1448);
    CU_ASSERT_FATAL(cap.n == 10);
    for (uint32_t i = 0; i < 10; i++) {
        CU_ASSERT(cap.s[i].plen == 1448);
        CU_ASSERT(cap.s[i].seq == ISN + 1 + i * 1448);
        CU_ASSERT(cap.s[i].ack == PEER_ISN + 1);
        CU_ASSERT(cap.s[i].flags == TXP_TCP_ACK);
        CU_ASSERT(cap.s[i].window == 502); /* 64240 rounded up to 128, >> 7 */
        CU_ASSERT(cap.s[i].opt_len == 12 && cap.s[i].opts[0] == 1 && cap.s[i].opts[2] == 8);
        CU_ASSERT(cap.s[i].ip_id == 102 + i);
    }
    /* ACK of 2 segments: slow start cwnd 12, 4 more go out (in flight 8). */
    CU_ASSERT(ack(sk, ISN + 1 + 2 * 1448, 509, 30 * MS) == TXP_OK);
    struct txp_tcp_info in;
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.cwnd == 12);
    CU_ASSERT(in.packets_out == 12);
    CU_ASSERT(cap.n == 14);
    /* The rest: the last segment carries PSH. */
    CU_ASSERT(ack(sk, ISN + 1 + 14 * 1448, 509, 40 * MS) == TXP_OK);
    CU_ASSERT(cap.n == 20);
    CU_ASSERT(cap.s[19].flags == (TXP_TCP_ACK | TXP_TCP_PSH));
    CU_ASSERT(cap.s[18].flags == TXP_TCP_ACK);
    CU_ASSERT(ack(sk, ISN + 1 + 20 * 1448, 509, 50 * MS) == TXP_OK);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.packets_out == 0 && in.snd_una == ISN + 1 + 20 * 1448);
    CU_ASSERT(txp_tcp_next_timer(sk) == UINT64_MAX);
    txp_tcp_destroy(sk);
}

static void
test_congestion_avoidance(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    struct txp_tcp_info in;
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100 * 1448, 0, 20 * MS) == 100 * 1448);
    /* An RTO halves: ssthresh 5, cwnd 1; then ACKs grow cwnd to 5 by slow start, then +1 per
     * window. */
    txp_tcp_run_timers(sk, 20 * MS + 210 * MS);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.ssthresh == 5 && in.cwnd == 1);
    CU_ASSERT(in.lost_out == 10 && in.retrans_out == 1);
    uint32_t una = ISN + 1;
    uint64_t t = 300 * MS;
    for (int i = 0; i < 10; i++) {
        una += 1448;
        CU_ASSERT(ack(sk, una, 509, t) == TXP_OK);
        t += MS;
    }
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.cwnd >= 5 && in.cwnd <= 7);
    CU_ASSERT(in.lost_out == 0);
    txp_tcp_destroy(sk);
}

static void
test_rwnd_limited(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    const uint8_t o[] = {2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0};
    struct txp_tcp_sock *sk = established(&c, o, 16, 4000);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 10 * 1448, 0, 20 * MS) == 10 * 1448);
    CU_ASSERT(cap.n == 2);
    /* window opens to 3 * 1448 past the new una */
    CU_ASSERT(ack(sk, ISN + 1 + 1448, 3 * 1448, 30 * MS) == TXP_OK);
    CU_ASSERT(cap.n == 4);
    txp_tcp_destroy(sk);
}

static void
test_zero_window_probe(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    const uint8_t o[] = {2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0};
    struct txp_tcp_sock *sk = established(&c, o, 16, 0);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 3000, 0, 20 * MS) == 3000);
    CU_ASSERT(cap.n == 0);
    uint64_t t = txp_tcp_next_timer(sk);
    CU_ASSERT(t == 20 * MS + 210 * MS);
    txp_tcp_run_timers(sk, t);
    CU_ASSERT_FATAL(cap.n == 1);
    CU_ASSERT(cap.s[0].seq == ISN && cap.s[0].plen == 0 && cap.s[0].flags == TXP_TCP_ACK);
    CU_ASSERT(txp_tcp_next_timer(sk) == t + 420 * MS); /* backoff 1 */
    /* A window update: everything goes out, the probe timer stops, an RTO is armed. */
    uint8_t b[60];
    uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 10, 0, 0, 0, 0};
    size_t n = peer(b, TXP_TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, ts, 12);
    CU_ASSERT(txp_tcp_input(sk, b, n, t + 5 * MS) == TXP_OK);
    CU_ASSERT(cap.n == 4);
    CU_ASSERT(cap.s[1].plen == 1448 && cap.s[3].plen == 3000 - 2 * 1448);
    CU_ASSERT(txp_tcp_next_timer(sk) == t + 5 * MS + 210 * MS);
    txp_tcp_destroy(sk);
}

/* ---- Nagle, NODELAY, cork, MSG_MORE ------------------------------------------------------- */

static void
test_nagle_minshall(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 20 * MS) == 100);
    CU_ASSERT(cap.n == 1 && cap.s[0].flags == (TXP_TCP_ACK | TXP_TCP_PSH));
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 21 * MS) == 100);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 50, 0, 22 * MS) == 50);
    CU_ASSERT(cap.n == 1); /* a small segment is unacked: held, coalesced */
    CU_ASSERT(ack(sk, ISN + 101, 509, 30 * MS) == TXP_OK);
    CU_ASSERT_FATAL(cap.n == 2);
    CU_ASSERT(cap.s[1].plen == 150 && cap.s[1].seq == ISN + 101);
    /* Minshall: unacked full-sized data does not hold a small segment. */
    CU_ASSERT(ack(sk, ISN + 251, 509, 40 * MS) == TXP_OK);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1448 + 10, 0, 41 * MS) == 1458);
    CU_ASSERT(cap.n == 4);
    CU_ASSERT(cap.s[2].plen == 1448 && cap.s[3].plen == 10);
    txp_tcp_destroy(sk);
}

static void
test_nodelay(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    txp_tcp_set_nodelay(sk, true, 15 * MS);
    for (int i = 0; i < 5; i++)
        CU_ASSERT(txp_tcp_sendmsg(sk, data, 10, 0, (20 + (uint64_t)i) * MS) == 10);
    CU_ASSERT(cap.n == 5);
    txp_tcp_destroy(sk);
}

static void
test_cork(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    txp_tcp_set_cork(sk, true, 15 * MS);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 20 * MS) == 100);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 21 * MS) == 100);
    CU_ASSERT(cap.n == 0);
    /* A full MSS goes out even when corked; the partial rest waits. */
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1400, 0, 22 * MS) == 1400);
    CU_ASSERT(cap.n == 1 && cap.s[0].plen == 1448);
    txp_tcp_set_cork(sk, false, 23 * MS);
    /* Minshall: only the full-sized segment is unacked, so the rest goes at once. */
    CU_ASSERT(cap.n == 2 && cap.s[1].plen == 152 && (cap.s[1].flags & TXP_TCP_PSH));
    txp_tcp_destroy(sk);

    /* Corked with nothing in flight: the probe timer sends the partial segment after the RTO. */
    cap.n = 0;
    sk = est_default();
    txp_tcp_set_cork(sk, true, 15 * MS);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 20 * MS) == 100);
    CU_ASSERT(cap.n == 0);
    CU_ASSERT(txp_tcp_next_timer(sk) == 230 * MS);
    txp_tcp_run_timers(sk, 230 * MS);
    CU_ASSERT(cap.n == 1 && cap.s[0].plen == 100 && (cap.s[0].flags & TXP_TCP_PSH));
    txp_tcp_destroy(sk);
}

static void
test_msg_more(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, TXP_TCP_MSG_MORE, 20 * MS) == 100);
    CU_ASSERT(cap.n == 0);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 21 * MS) == 100);
    CU_ASSERT(cap.n == 1 && cap.s[0].plen == 200 && cap.s[0].flags == (TXP_TCP_ACK | TXP_TCP_PSH));
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1, 0x80, 22 * MS) == TXP_EINVAL);
    txp_tcp_destroy(sk);
}

/* ---- FIN, RST, errors -------------------------------------------------------------------- */

static void
test_fin_after_data(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    struct txp_tcp_info in;
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 500, 0, 20 * MS) == 500);
    CU_ASSERT(txp_tcp_shutdown(sk, 21 * MS) == TXP_OK);
    CU_ASSERT_FATAL(cap.n == 2);
    CU_ASSERT(cap.s[1].flags == (TXP_TCP_ACK | TXP_TCP_FIN) && cap.s[1].seq == ISN + 501);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1, 0, 22 * MS) == TXP_EPIPE);
    CU_ASSERT(txp_tcp_shutdown(sk, 22 * MS) == TXP_EPIPE);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.snd_nxt == ISN + 502 && in.write_seq == ISN + 502);
    CU_ASSERT(ack(sk, ISN + 502, 509, 30 * MS) == TXP_OK);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.snd_una == ISN + 502 && in.packets_out == 0);
    txp_tcp_destroy(sk);

    /* FIN on an unsent (corked) tail: one segment with data and FIN. */
    cap.n = 0;
    sk = est_default();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 300, TXP_TCP_MSG_MORE, 20 * MS) == 300);
    CU_ASSERT(txp_tcp_shutdown(sk, 21 * MS) == TXP_OK);
    CU_ASSERT(cap.n == 1 && cap.s[0].plen == 300 && cap.s[0].flags == (TXP_TCP_ACK | TXP_TCP_FIN));
    txp_tcp_destroy(sk);
}

static void
test_rst(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 200, 0, 20 * MS) == 200);
    CU_ASSERT(txp_tcp_abort(sk, 25 * MS) == TXP_OK);
    CU_ASSERT_FATAL(cap.n == 2);
    CU_ASSERT(cap.s[1].flags == (TXP_TCP_ACK | TXP_TCP_RST) && cap.s[1].seq == ISN + 201);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1, 0, 26 * MS) == TXP_ECONNRESET);
    CU_ASSERT(txp_tcp_shutdown(sk, 26 * MS) == TXP_ECONNRESET);
    CU_ASSERT(txp_tcp_abort(sk, 26 * MS) == TXP_ENOTCONN);
    CU_ASSERT(txp_tcp_next_timer(sk) == UINT64_MAX);
    txp_tcp_destroy(sk);

    /* An RST from the peer at rcv_nxt resets; a wrong sequence is dropped. */
    cap.n = 0;
    sk = est_default();
    uint8_t b[60];
    size_t n = peer(b, TXP_TCP_RST, PEER_ISN + 7, 0, 0, NULL, 0);
    CU_ASSERT(txp_tcp_input(sk, b, n, 30 * MS) == TXP_EINVAL);
    n = peer(b, TXP_TCP_RST, PEER_ISN + 1, 0, 0, NULL, 0);
    CU_ASSERT(txp_tcp_input(sk, b, n, 31 * MS) == TXP_OK);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1, 0, 32 * MS) == TXP_ECONNRESET);
    txp_tcp_destroy(sk);
}

static void
test_bad_input(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    struct txp_tcp_sock *sk = NULL;
    struct txp_tcp_info a, b2;
    CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1, 0, 0) == TXP_ENOTCONN);
    CU_ASSERT(txp_tcp_shutdown(sk, 0) == TXP_ENOTCONN);
    txp_tcp_destroy(sk);
    sk = est_default();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1000, 0, 20 * MS) == 1000);
    txp_tcp_get_info(sk, &a);
    /* ACK for data never sent */
    CU_ASSERT(ack(sk, ISN + 1 + 1001, 509, 21 * MS) == TXP_ERANGE);
    /* truncated header */
    uint8_t b[60];
    CU_ASSERT(txp_tcp_input(sk, b, 10, 21 * MS) == TXP_EBADMSG);
    /* wrong ports */
    size_t n = peer(b, TXP_TCP_ACK, PEER_ISN + 1, ISN + 1001, 509, NULL, 0);
    b[0] = 0x99;
    CU_ASSERT(txp_tcp_input(sk, b, n, 21 * MS) == TXP_EINVAL);
    txp_tcp_get_info(sk, &b2);
    CU_ASSERT(b2.drops[TXP_DROP_TCP_INVALID_ACK] == 1);
    CU_ASSERT(b2.drops[TXP_DROP_HDR_TRUNC] == 1);
    b2.drops[TXP_DROP_TCP_INVALID_ACK] = a.drops[TXP_DROP_TCP_INVALID_ACK];
    b2.drops[TXP_DROP_HDR_TRUNC] = a.drops[TXP_DROP_HDR_TRUNC];
    b2.drops[TXP_DROP_NOT_SPECIFIED] = a.drops[TXP_DROP_NOT_SPECIFIED];
    CU_ASSERT(memcmp(&a, &b2, sizeof a) == 0);
    /* A SYN-ACK acking the wrong sequence is dropped in SYN_SENT. */
    txp_tcp_destroy(sk);
    cap.n = 0;
    CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT(txp_tcp_connect(sk, 0) == TXP_OK);
    n = peer(b, TXP_TCP_SYN | TXP_TCP_ACK, PEER_ISN, ISN + 5, 100, NULL, 0);
    CU_ASSERT(txp_tcp_input(sk, b, n, MS) == TXP_ERANGE);
    txp_tcp_get_info(sk, &a);
    CU_ASSERT(a.state == TXP_TCP_SYN_SENT);
    txp_tcp_destroy(sk);
}

static void
test_options_write(void)
{
    cap.n = 0;
    struct txp_tcp_optset o;
    uint8_t buf[40];
    memset(&o, 0, sizeof o);
    o.ts = true;
    o.nsack = 3;
    CU_ASSERT(txp_tcp_options_write(buf, sizeof buf, &o) == 40);
    CU_ASSERT(buf[0] == 1 && buf[1] == 1 && buf[2] == 8 && buf[12] == 1 && buf[14] == 5 &&
              buf[15] == 26);
    o.nsack = 4;
    CU_ASSERT(txp_tcp_options_write(buf, sizeof buf, &o) == TXP_EMSGSIZE);
    o.ts = false;
    CU_ASSERT(txp_tcp_options_write(buf, sizeof buf, &o) == 36);
    CU_ASSERT(txp_tcp_options_write(buf, 20, &o) == TXP_ENOSPC);
    memset(&o, 0, sizeof o);
    o.syn = o.ws = true;
    o.ws_val = 15;
    CU_ASSERT(txp_tcp_options_write(buf, sizeof buf, &o) == TXP_EINVAL);
    o.ws_val = 14;
    o.mss = true;
    o.mss_val = 1460;
    CU_ASSERT(txp_tcp_options_write(buf, sizeof buf, &o) == 8);
    struct txp_tcp_opts po;
    CU_ASSERT(txp_tcp_opts_parse(buf, 8, &po, NULL) == TXP_OK);
    CU_ASSERT(po.mss == 1460 && po.wscale == 14);
}

/* ---- RTO ---------------------------------------------------------------------------------- */

static void
test_rto_backoff(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    struct txp_tcp_info in;
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 3 * 1448, 0, 20 * MS) == 3 * 1448);
    CU_ASSERT(cap.n == 3);
    uint64_t t = txp_tcp_next_timer(sk);
    CU_ASSERT(t == 230 * MS);
    txp_tcp_run_timers(sk, t - 1);
    CU_ASSERT(cap.n == 3);
    txp_tcp_run_timers(sk, t);
    CU_ASSERT_FATAL(cap.n == 4);
    CU_ASSERT(cap.s[3].seq == ISN + 1 && cap.s[3].plen == 1448);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.cwnd == 1 && in.ssthresh == 5 && in.backoff == 1 && in.rto_ns == 420 * MS);
    CU_ASSERT(txp_tcp_next_timer(sk) == t + 420 * MS);
    txp_tcp_run_timers(sk, t + 420 * MS);
    CU_ASSERT(cap.n == 5 && cap.s[4].seq == ISN + 1);
    CU_ASSERT(txp_tcp_next_timer(sk) == t + 420 * MS + 840 * MS);
    /* The retransmission is acked: no RTT sample from retransmitted data without TS echo,
     * cwnd 2, the next lost segment goes out. */
    uint8_t b[60];
    size_t n = peer(b, TXP_TCP_ACK, PEER_ISN + 1, ISN + 1 + 1448, 509, NULL, 0);
    CU_ASSERT(txp_tcp_input(sk, b, n, 1500 * MS) == TXP_OK);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.cwnd == 2);
    CU_ASSERT(cap.n == 7);
    CU_ASSERT(cap.s[5].seq == ISN + 1 + 1448 && cap.s[6].seq == ISN + 1 + 2 * 1448);
    CU_ASSERT(in.rto_ns == 840 * MS);
    txp_tcp_destroy(sk);
}

static void
test_syn_retransmit(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    struct txp_tcp_sock *sk = NULL;
    CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT(txp_tcp_connect(sk, 0) == TXP_OK);
    txp_tcp_run_timers(sk, 1000 * MS);
    txp_tcp_run_timers(sk, 3000 * MS);
    CU_ASSERT(cap.n == 3);
    CU_ASSERT(cap.s[1].flags == TXP_TCP_SYN && cap.s[2].seq == ISN);
    CU_ASSERT(txp_tcp_next_timer(sk) == 7000 * MS);
    txp_tcp_destroy(sk);
}

/* ---- GSO ----------------------------------------------------------------------------------- */

static void
test_gso(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    c.gso_max_size = 65536;
    struct txp_tcp_sock *sk = established(&c, SYNACK_OPTS, sizeof SYNACK_OPTS, 65160);
    /* size_goal bounded by half the peer window: 32580 -> 22 * 1448 */
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 30000, 0, 20 * MS) == 30000);
    /* cwnd 10: quota min(cwnd/2, ...) = 5 segments per GSO packet */
    CU_ASSERT_FATAL(cap.n == 2);
    CU_ASSERT(cap.s[0].plen == 5 * 1448 && cap.s[0].gso_size == 1448);
    CU_ASSERT(cap.s[0].flags == (TXP_TCP_ACK | TXP_TCP_PSH));
    CU_ASSERT(cap.s[1].plen == 5 * 1448 && cap.s[1].ip_id == 102 + 5);
    txp_tcp_destroy(sk);

    /* Split a super-segment. */
    struct txp_pkt *in = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(in != NULL);
    uint8_t *d = txp_pkt_put(in, 20 + 32 + 3000);
    struct txp_ipv4_hdr ih;
    memset(&ih, 0, sizeof ih);
    ih.id = 7;
    ih.frag_off = TXP_IP_DF;
    ih.ttl = 64;
    ih.protocol = 6;
    ih.saddr = 0x0A000001;
    ih.daddr = 0x0A000002;
    CU_ASSERT(txp_ipv4_build(d, 20, &ih, 32 + 3000, 0) == 20);
    struct txp_tcp_hdr th;
    memset(&th, 0, sizeof th);
    th.sport = 1;
    th.dport = 2;
    th.seq = 100;
    th.flags = TXP_TCP_ACK | TXP_TCP_PSH | TXP_TCP_FIN | TXP_TCP_CWR;
    th.opt_len = 12;
    th.opts[0] = 1;
    th.opts[1] = 1;
    th.opts[2] = 8;
    th.opts[3] = 10;
    CU_ASSERT(txp_tcp_build(d + 20, 32, &th) == 32);
    for (int i = 0; i < 3000; i++)
        d[52 + i] = (uint8_t)i;
    in->meta.flags = TXP_PKT_F_GSO;
    in->meta.gso_size = 1448;
    struct txp_pkt *out[4];
    CU_ASSERT(txp_tcp_gso_segment(in, pool, out, 2) == TXP_ENOSPC);
    CU_ASSERT_FATAL(txp_tcp_gso_segment(in, pool, out, 4) == 3);
    for (int i = 0; i < 3; i++) {
        const uint8_t *o = txp_pkt_data(out[i]);
        struct txp_ipv4_hdr oh;
        struct txp_tcp_hdr ot;
        CU_ASSERT(txp_ipv4_parse(o, out[i]->len, &oh, NULL) == 20);
        CU_ASSERT(txp_tcp_parse(o + 20, out[i]->len - 20, &ot, NULL) == 32);
        CU_ASSERT(oh.id == 7 + i);
        CU_ASSERT(ot.seq == 100 + (uint32_t)i * 1448);
        CU_ASSERT(txp_ipv4_l4_csum(oh.saddr, oh.daddr, 6, o + 20, out[i]->len - 20) == 0);
        CU_ASSERT(o[52] == (uint8_t)(i * 1448));
        uint8_t want = i == 0   ? (TXP_TCP_ACK | TXP_TCP_CWR)
                       : i == 1 ? TXP_TCP_ACK
                                : (TXP_TCP_ACK | TXP_TCP_PSH | TXP_TCP_FIN);
        CU_ASSERT(ot.flags == want);
        txp_pkt_free(out[i]);
    }
    CU_ASSERT(txp_pkt_data(in)[0] == 0x45);
    in->len = 10;
    CU_ASSERT(txp_tcp_gso_segment(in, pool, out, 4) == TXP_EBADMSG);
    txp_pkt_free(in);
}

static void
test_sndbuf_full(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    c.sndbuf = 5000;
    struct txp_tcp_sock *sk = established(&c, SYNACK_OPTS, sizeof SYNACK_OPTS, 0);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 8000, 0, 20 * MS) == 5000);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 10, 0, 21 * MS) == TXP_EAGAIN);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 0, 0, 21 * MS) == 0);
    struct txp_tcp_info in;
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.write_seq == ISN + 1 + 5000);
    txp_tcp_destroy(sk);
}

static void
test_autocork(void)
{
    cap.n = 0;
    struct txp_tcp_config c = cfg_default();
    c.autocork = true;
    c.nodelay = true;
    struct txp_tcp_sock *sk = established(&c, SYNACK_OPTS, sizeof SYNACK_OPTS, 65160);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 20 * MS) == 100);
    CU_ASSERT(cap.n == 1);
    /* Data still in the host queues and a partial tail: deferred even with NODELAY. */
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 21 * MS) == 100);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 22 * MS) == 100);
    CU_ASSERT(cap.n == 1);
    txp_tcp_tx_done(sk, 23 * MS);
    CU_ASSERT(cap.n == 2 && cap.s[1].plen == 200);
    txp_tcp_destroy(sk);
    /* Off (the default): each write goes at once with NODELAY. */
    c.autocork = false;
    sk = established(&c, SYNACK_OPTS, sizeof SYNACK_OPTS, 65160);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 20 * MS) == 100);
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 100, 0, 21 * MS) == 100);
    CU_ASSERT(cap.n == 2);
    txp_tcp_destroy(sk);
}

static void
test_old_ack_and_window_update(void)
{
    cap.n = 0;
    struct txp_tcp_sock *sk = est_default();
    struct txp_tcp_info a, b2;
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 3 * 1448, 0, 20 * MS) == 3 * 1448);
    CU_ASSERT(ack(sk, ISN + 1 + 1448, 100, 30 * MS) == TXP_OK);
    txp_tcp_get_info(sk, &a);
    CU_ASSERT(a.snd_wnd == 100u << 7);
    /* An older ACK changes nothing. */
    CU_ASSERT(ack(sk, ISN + 1, 500, 31 * MS) == TXP_OK);
    txp_tcp_get_info(sk, &b2);
    CU_ASSERT(b2.snd_una == a.snd_una && b2.snd_wnd == a.snd_wnd);
    /* A pure window update (same ACK, larger window) is taken. */
    CU_ASSERT(ack(sk, ISN + 1 + 1448, 400, 32 * MS) == TXP_OK);
    txp_tcp_get_info(sk, &b2);
    CU_ASSERT(b2.snd_wnd == 400u << 7);
    txp_tcp_destroy(sk);
}

/* ---- zero-copy transmit (payload slots shared with the emitted packets) ------------------- */

/* An output closure that keeps the packets, so a transmission can still be in flight. */
struct hold {
    struct txp_tcp_out out;
    uint32_t n;
    struct txp_pkt *p[64];
};

static struct hold hold;

static void
on_hold(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now)
{
    struct hold *h = TXP_CONTAINER_OF(self, struct hold, out);
    (void)now;
    CU_ASSERT_FATAL(h->n < 64);
    h->p[h->n++] = p;
}

static void
hold_free(void)
{
    for (uint32_t i = 0; i < hold.n; i++)
        txp_pkt_free(hold.p[i]);
    hold.n = 0;
}

static void
fill_data(void)
{
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 131u + 7u);
}

/* The packet is a valid segment whose payload is data[] at its sequence offset. */
static void
check_payload(const struct txp_pkt *p, uint32_t want_seq, uint32_t want_len)
{
    const uint8_t *d = txp_pkt_data(p);
    uint32_t thl = (uint32_t)(d[20 + 12] >> 4) * 4u;
    uint32_t seq = txp_load_be32(d + 24);

    CU_ASSERT(seq == want_seq);
    CU_ASSERT(p->len - 20 - thl == want_len);
    CU_ASSERT(memcmp(d + 20 + thl, data + (seq - ISN - 1), want_len) == 0);
    CU_ASSERT(txp_csum(d, 20) == 0);
    CU_ASSERT(txp_ipv4_l4_csum(txp_load_be32(d + 12), txp_load_be32(d + 16), 6, d + 20,
                               p->len - 20) == 0);
}

static struct txp_tcp_sock *
est_hold(struct txp_tcp_config *c)
{
    struct txp_tcp_sock *sk = NULL;
    uint8_t b[60];
    memset(&hold, 0, sizeof hold);
    hold.out.fn = on_hold;
    c->out = &hold.out;
    c->nodelay = true;
    CU_ASSERT_FATAL(txp_tcp_create(c, txp_h_alloc(), &sk) == TXP_OK);
    CU_ASSERT_FATAL(txp_tcp_connect(sk, 0) == TXP_OK);
    size_t n = peer(b, TXP_TCP_SYN | TXP_TCP_ACK, PEER_ISN, ISN + 1, 65160, SYNACK_OPTS,
                    sizeof SYNACK_OPTS);
    CU_ASSERT_FATAL(txp_tcp_input(sk, b, n, 10 * MS) == TXP_OK);
    CU_ASSERT_FATAL(hold.n == 2);
    CU_ASSERT(!txp_pkt_shared(hold.p[0]) && !txp_pkt_shared(hold.p[1])); /* SYN, ACK */
    hold_free();
    return sk;
}

static void
test_zc_shared(void)
{
    struct txp_tcp_config c = cfg_default();
    struct txp_tcp_sock *sk = est_hold(&c);
    struct txp_pkt_pool_stats st;

    fill_data();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 3 * 1448 + 100, 0, 20 * MS) == 3 * 1448 + 100);
    CU_ASSERT_FATAL(hold.n == 4);
    for (uint32_t i = 0; i < 4; i++) {
        CU_ASSERT(txp_pkt_shared(hold.p[i]));
        check_payload(hold.p[i], ISN + 1 + i * 1448, i < 3 ? 1448 : 100);
    }
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT(st.shared == 4);
    hold_free();
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT(st.shared == 0 && st.in_use == 0);
    txp_tcp_destroy(sk);
}

/* A transmission still in flight: the retransmission is a copy (pskb_copy), same bytes. */
static void
test_zc_retransmit_copy(void)
{
    struct txp_tcp_config c = cfg_default();
    struct txp_tcp_sock *sk = est_hold(&c);
    struct txp_pkt_pool_stats st;

    fill_data();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 1448, 0, 20 * MS) == 1448);
    CU_ASSERT_FATAL(hold.n == 1);
    CU_ASSERT(txp_pkt_shared(hold.p[0]));
    txp_tcp_run_timers(sk, txp_tcp_next_timer(sk));
    CU_ASSERT_FATAL(hold.n == 2);
    CU_ASSERT(!txp_pkt_shared(hold.p[1]));
    check_payload(hold.p[1], ISN + 1, 1448);
    hold_free();
    /* Nothing is in flight any more: the next retransmission shares the slot again. */
    txp_tcp_run_timers(sk, txp_tcp_next_timer(sk));
    CU_ASSERT_FATAL(hold.n == 1);
    CU_ASSERT(txp_pkt_shared(hold.p[0]));
    check_payload(hold.p[0], ISN + 1, 1448);
    hold_free();
    /* A partial ACK trims the skb; its stored sum no longer applies, so it goes by copy. */
    CU_ASSERT(ack(sk, ISN + 1 + 500, 65160, 3000 * MS) == TXP_OK);
    txp_tcp_run_timers(sk, txp_tcp_next_timer(sk));
    CU_ASSERT_FATAL(hold.n == 1);
    CU_ASSERT(!txp_pkt_shared(hold.p[0]));
    check_payload(hold.p[0], ISN + 1 + 500, 948);
    hold_free();
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT(st.unshares == 0);
    txp_tcp_destroy(sk);
}

/* Packets still sharing the slots of a destroyed socket keep their bytes where they are (a TX
 * ring may hold their address); the slots go with the last of them. */
static void
test_zc_destroy_keeps_shared(void)
{
    struct txp_tcp_config c = cfg_default();
    struct txp_tcp_sock *sk = est_hold(&c);

    fill_data();
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 2 * 1448, 0, 20 * MS) == 2 * 1448);
    CU_ASSERT_FATAL(hold.n == 2);
    const uint8_t *where = txp_pkt_data(hold.p[0]);
    txp_tcp_destroy(sk);
    for (uint32_t i = 0; i < 2; i++) {
        CU_ASSERT(txp_pkt_shared(hold.p[i]));
        check_payload(hold.p[i], ISN + 1 + i * 1448, 1448);
    }
    CU_ASSERT(txp_pkt_data(hold.p[0]) == where);
    txp_pkt_unshare(hold.p[0]); /* one let go by a copy, one by a free */
    check_payload(hold.p[0], ISN + 1, 1448);
    hold_free();
    CU_ASSERT(txp_pkt_pool_in_use(pool) == 0);
}

/* With every slot taken (acked skbs whose transmissions are still held), new skbs keep their
 * bytes in the ring and go by copy; the bytes on the wire are the same. */
static void
test_zc_slots_exhausted(void)
{
    struct txp_tcp_config c = cfg_default();
    c.sndbuf = 4096; /* 2 * 4096 / 1856 + 8 = 12 slots */
    c.max_skbs = 64;
    struct txp_tcp_sock *sk = est_hold(&c);
    uint32_t off = 0;

    fill_data();
    for (uint32_t i = 0; i < 10; i++, off += 100)
        CU_ASSERT(txp_tcp_sendmsg(sk, data + off, 100, 0, 20 * MS) == 100);
    CU_ASSERT_FATAL(hold.n == 10);
    CU_ASSERT(ack(sk, ISN + 1 + off, 65160, 30 * MS) == TXP_OK);
    for (uint32_t i = 0; i < 6; i++, off += 100)
        CU_ASSERT(txp_tcp_sendmsg(sk, data + off, 100, 0, 40 * MS) == 100);
    CU_ASSERT_FATAL(hold.n == 16);
    for (uint32_t i = 0; i < 16; i++) {
        CU_ASSERT(txp_pkt_shared(hold.p[i]) == (i < 12));
        check_payload(hold.p[i], ISN + 1 + i * 100, 100);
    }
    hold_free();
    CU_ASSERT(ack(sk, ISN + 1 + off, 65160, 50 * MS) == TXP_OK);
    CU_ASSERT(txp_tcp_sendmsg(sk, data + off, 100, 0, 60 * MS) == 100);
    CU_ASSERT_FATAL(hold.n == 1);
    CU_ASSERT(txp_pkt_shared(hold.p[0]));
    check_payload(hold.p[0], ISN + 1 + off, 100);
    hold_free();
    txp_tcp_destroy(sk);
}

/* An established socket with GSO segmented at transmit, its packets held. */
static struct txp_tcp_sock *
est_hold_gso_sw(void)
{
    struct txp_tcp_config c = cfg_default();

    c.gso_max_size = 65536;
    c.gso_sw = true;
    return est_hold(&c);
}

/* gso_sw: a GSO skb leaves as its segments, each borrowing its piece of the slot; a
 * retransmission while they are still held is a copy; destroy keeps the pieces for them. */
static void
test_gso_sw_zero_copy(void)
{
    struct txp_tcp_sock *sk = est_hold_gso_sw();
    struct txp_pkt_pool_stats st;
    struct txp_tcp_info in;

    fill_data();
    /* 5 segments: within the first quota (half of cwnd 10), so the skb is never split. */
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 4 * 1448 + 100, 0, 20 * MS) == 4 * 1448 + 100);
    CU_ASSERT_FATAL(hold.n == 5);
    for (uint32_t i = 0; i < 5; i++) {
        const uint8_t *d = txp_pkt_data(hold.p[i]);
        CU_ASSERT(txp_pkt_shared(hold.p[i]));
        CU_ASSERT(!(hold.p[i]->meta.flags & TXP_PKT_F_GSO));
        CU_ASSERT(txp_load_be16(d + 4) == 102 + i); /* IP ID + i (SYN 100, ACK 101) */
        CU_ASSERT(d[33] == (i < 4 ? TXP_TCP_ACK : (TXP_TCP_ACK | TXP_TCP_PSH)));
        check_payload(hold.p[i], ISN + 1 + i * 1448, i < 4 ? 1448 : 100);
    }
    /* The pieces sit a stride apart with header room between them. */
    CU_ASSERT(txp_pkt_data(hold.p[1]) - txp_pkt_data(hold.p[0]) > 1448 + 52);
    txp_tcp_get_info(sk, &in);
    CU_ASSERT(in.segs_out == 2 + 5 && in.data_segs_out == 5);
    /* RTO with all five still held: cwnd 1, one segment, by copy. */
    txp_tcp_run_timers(sk, txp_tcp_next_timer(sk));
    CU_ASSERT_FATAL(hold.n == 6);
    CU_ASSERT(!txp_pkt_shared(hold.p[5]));
    check_payload(hold.p[5], ISN + 1, 1448);
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT(st.shared == 5);
    txp_tcp_destroy(sk);
    for (uint32_t i = 0; i < 5; i++)
        check_payload(hold.p[i], ISN + 1 + i * 1448, i < 4 ? 1448 : 100);
    hold_free();
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT(st.shared == 0 && st.in_use == 0);
}

/* gso_sw: cuts on pieces (cwnd quota, a retransmission of one segment) and a trim by an ACK
 * that ends on a segment keep the piece sums, so those transmissions are zero-copy too. */
static void
test_gso_sw_split_zero_copy(void)
{
    struct txp_tcp_sock *sk = est_hold_gso_sw();

    fill_data();
    /* One skb of 12 segments; cwnd 10 with the half-cwnd quota: cut at 5, then at 5 again. */
    CU_ASSERT(txp_tcp_sendmsg(sk, data, 12 * 1448, 0, 20 * MS) == 12 * 1448);
    CU_ASSERT_FATAL(hold.n == 10);
    for (uint32_t i = 0; i < 10; i++) {
        CU_ASSERT(txp_pkt_shared(hold.p[i]));
        check_payload(hold.p[i], ISN + 1 + i * 1448, 1448);
    }
    hold_free();
    /* An ACK of 3 segments trims the first skb on a piece; slow start sends the last 2. */
    CU_ASSERT(ack(sk, ISN + 1 + 3 * 1448, 65160, 30 * MS) == TXP_OK);
    CU_ASSERT_FATAL(hold.n == 2);
    for (uint32_t i = 0; i < 2; i++) {
        CU_ASSERT(txp_pkt_shared(hold.p[i]));
        check_payload(hold.p[i], ISN + 1 + (10 + i) * 1448, 1448);
    }
    hold_free();
    /* RTO: cwnd 1, the trimmed head cut to one segment, still from its piece. */
    txp_tcp_run_timers(sk, txp_tcp_next_timer(sk));
    CU_ASSERT_FATAL(hold.n == 1);
    CU_ASSERT(txp_pkt_shared(hold.p[0]));
    check_payload(hold.p[0], ISN + 1 + 3 * 1448, 1448);
    hold_free();
    /* An ACK in the middle of a segment: that skb now goes by copy, bytes unchanged. */
    CU_ASSERT(ack(sk, ISN + 1 + 4 * 1448 + 100, 65160, 3000 * MS) == TXP_OK);
    hold_free();
    txp_tcp_run_timers(sk, txp_tcp_next_timer(sk));
    CU_ASSERT_FATAL(hold.n >= 1);
    CU_ASSERT(!txp_pkt_shared(hold.p[0]));
    check_payload(hold.p[0], ISN + 1 + 4 * 1448 + 100, 1348);
    hold_free();
    txp_tcp_destroy(sk);
}

/* Records every packet's bytes; with split, GSO packets are split by txp_tcp_gso_segment. */
struct rec {
    struct txp_tcp_out out;
    bool split;
    uint32_t n;
    size_t len;
    uint8_t *buf;
};

static void
rec_one(struct rec *r, const struct txp_pkt *p)
{
    CU_ASSERT_FATAL(r->len + 2 + p->len <= (8u << 20));
    r->buf[r->len++] = (uint8_t)(p->len >> 8);
    r->buf[r->len++] = (uint8_t)p->len;
    memcpy(r->buf + r->len, txp_pkt_data(p), p->len);
    r->len += p->len;
    r->n++;
}

static void
on_rec(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now)
{
    struct rec *r = TXP_CONTAINER_OF(self, struct rec, out);
    struct txp_pkt *seg[160];
    (void)now;
    if (r->split && (p->meta.flags & TXP_PKT_F_GSO)) {
        int n = txp_tcp_gso_segment(p, pool, seg, 160);
        CU_ASSERT_FATAL(n > 0);
        for (int i = 0; i < n; i++) {
            rec_one(r, seg[i]);
            txp_pkt_free(seg[i]);
        }
    } else {
        CU_ASSERT(!(p->meta.flags & TXP_PKT_F_GSO));
        rec_one(r, p);
    }
    txp_pkt_free(p);
}

/*
 * gso_sw against GSO + txp_tcp_gso_segment: the same pseudo-random run (writes of any size,
 * partial and duplicate ACKs, window changes, RTOs and probes) on two sockets gives the same
 * bytes, packet for packet, and the same state.
 */
static void
test_gso_sw_matches_split(void)
{
    static const uint32_t mtus[] = {1500, 9000, 576};
    struct rec r[2];
    struct txp_tcp_sock *sk[2];
    struct txp_rng rng;
    uint8_t b[60];
    /* Room for a whole GSO skb of the smallest MSS here (125 segments): with less, gso_sw sends
     * what the pool holds and the runs differ by design. */
    struct txp_pkt_pool *small = pool;
    struct txp_pkt_pool_config pc = {320, 66000};

    CU_ASSERT_FATAL(txp_pkt_pool_create(&pc, txp_h_alloc(), &pool) == TXP_OK);
    fill_data();
    for (uint32_t run = 0; run < 6; run++) {
        txp_rng_seed(&rng, 4000 + run);
        for (int k = 0; k < 2; k++) {
            struct txp_tcp_config c = cfg_default();
            c.gso_max_size = 65536;
            c.gso_sw = k == 1;
            c.mtu = mtus[run % 3];
            c.nodelay = run & 1;
            memset(&r[k], 0, sizeof r[k]);
            r[k].out.fn = on_rec;
            r[k].split = k == 0;
            r[k].buf = malloc(8u << 20);
            CU_ASSERT_FATAL(r[k].buf != NULL);
            c.out = &r[k].out;
            CU_ASSERT_FATAL(txp_tcp_create(&c, txp_h_alloc(), &sk[k]) == TXP_OK);
            CU_ASSERT_FATAL(txp_tcp_connect(sk[k], 0) == TXP_OK);
            uint8_t so[20];
            memcpy(so, SYNACK_OPTS, sizeof so);
            so[2] = (uint8_t)((c.mtu - 40) >> 8);
            so[3] = (uint8_t)(c.mtu - 40);
            size_t n = peer(b, TXP_TCP_SYN | TXP_TCP_ACK, PEER_ISN, ISN + 1, 65535, so, 20);
            CU_ASSERT_FATAL(txp_tcp_input(sk[k], b, n, 10 * MS) == TXP_OK);
        }
        uint64_t now = 10 * MS;
        uint32_t off = 0;
        for (int step = 0; step < 300; step++) {
            struct txp_tcp_info in;
            uint64_t x = txp_rng_u64(&rng);
            txp_tcp_get_info(sk[0], &in);
            now += (x >> 40) % (20 * MS);
            for (int k = 0; k < 2; k++) {
                switch (x % 6) {
                case 0:
                case 1: {
                    uint32_t len = (uint32_t)((x >> 8) % 70000);
                    if (off + len > sizeof data)
                        len = (uint32_t)(sizeof data - off);
                    (void)txp_tcp_sendmsg(sk[k], data + off, len, 0, now);
                    break;
                }
                case 2:
                case 3: {
                    uint32_t fl = in.snd_nxt - in.snd_una;
                    uint32_t a = in.snd_una + (uint32_t)(fl * ((x >> 16) % 5) / 4);
                    uint16_t w = (uint16_t)((x >> 24) % 4 == 0 ? (x >> 32) % 2000 : 65535);
                    CU_ASSERT(ack(sk[k], a, w, now) == TXP_OK);
                    break;
                }
                default:
                    if (txp_tcp_next_timer(sk[k]) <= now)
                        txp_tcp_run_timers(sk[k], now);
                    break;
                }
            }
            if (x % 6 < 2) {
                struct txp_tcp_info i1;
                txp_tcp_get_info(sk[1], &i1);
                txp_tcp_get_info(sk[0], &in);
                CU_ASSERT_FATAL(in.write_seq == i1.write_seq);
                off = in.write_seq - ISN - 1;
            }
        }
        struct txp_tcp_info i0, i1;
        txp_tcp_get_info(sk[0], &i0);
        txp_tcp_get_info(sk[1], &i1);
        CU_ASSERT(i0.snd_una == i1.snd_una && i0.snd_nxt == i1.snd_nxt && i0.cwnd == i1.cwnd &&
                  i0.segs_out == i1.segs_out);
        CU_ASSERT(r[0].n == r[1].n && r[0].n > 30);
        CU_ASSERT(r[0].len == r[1].len && memcmp(r[0].buf, r[1].buf, r[0].len) == 0);
        for (int k = 0; k < 2; k++) {
            txp_tcp_destroy(sk[k]);
            free(r[k].buf);
        }
    }
    CU_ASSERT(txp_pkt_pool_in_use(pool) == 0);
    txp_pkt_pool_destroy(pool);
    pool = small;
}

static const struct txp_h_test syn_tests[] = {
    TXP_H_TEST(test_syn_default),
    TXP_H_TEST(test_syn_variants),
    TXP_H_TEST(test_syn_mtu_and_user_mss),
    TXP_H_TEST(test_mss_negotiation),
    TXP_H_TEST(test_syn_retransmit),
    TXP_H_TEST(test_options_write),
    TXP_H_TEST_END,
};

static const struct txp_h_test xmit_tests[] = {
    TXP_H_TEST(test_bulk_cwnd),
    TXP_H_TEST(test_congestion_avoidance),
    TXP_H_TEST(test_rwnd_limited),
    TXP_H_TEST(test_zero_window_probe),
    TXP_H_TEST(test_nagle_minshall),
    TXP_H_TEST(test_nodelay),
    TXP_H_TEST(test_cork),
    TXP_H_TEST(test_msg_more),
    TXP_H_TEST(test_sndbuf_full),
    TXP_H_TEST(test_gso),
    TXP_H_TEST(test_autocork),
    TXP_H_TEST(test_old_ack_and_window_update),
    TXP_H_TEST_END,
};

static const struct txp_h_test close_tests[] = {
    TXP_H_TEST(test_fin_after_data), TXP_H_TEST(test_rst), TXP_H_TEST(test_bad_input),
    TXP_H_TEST(test_rto_backoff),    TXP_H_TEST_END,
};

static const struct txp_h_test zc_tests[] = {
    TXP_H_TEST(test_zc_shared),
    TXP_H_TEST(test_zc_retransmit_copy),
    TXP_H_TEST(test_zc_destroy_keeps_shared),
    TXP_H_TEST(test_zc_slots_exhausted),
    TXP_H_TEST(test_gso_sw_zero_copy),
    TXP_H_TEST(test_gso_sw_split_zero_copy),
    TXP_H_TEST(test_gso_sw_matches_split),
    TXP_H_TEST_END,
};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("syn", setup, teardown, syn_tests),
    TXP_H_SUITE("xmit", setup, teardown, xmit_tests),
    TXP_H_SUITE("close", setup, teardown, close_tests),
    TXP_H_SUITE("zerocopy", setup, teardown, zc_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
