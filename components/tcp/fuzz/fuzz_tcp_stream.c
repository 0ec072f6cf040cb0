/* SPDX-License-Identifier: MIT */
/*
 * txpath tcp fuzz target tcp_stream: a connection (options, MTU, GSO from the first bytes)
 * driven by a random sequence of writes (sizes, MSG_MORE), ACKs, window updates, invalid ACKs,
 * NODELAY/CORK toggles, clock steps, shutdown and abort; at the end the peer acknowledges
 * everything.
 *
 * Invariants (trap on violation):
 *  - every packet's IPv4 header checksum and TCP checksum verify with the routine below
 *    (written here, independent of txpath/csum.h);
 *  - the payload bytes emitted, placed by sequence number, equal the bytes written (so the
 *    stream is a prefix of what was written), and no byte lies beyond write_seq;
 *  - no segment carries more than the MSS, except a GSO packet (gso_size = MSS);
 *  - no data is sent past snd_una + snd_wnd, and packets in flight never exceed cwnd;
 *  - an invalid ACK (beyond snd_nxt) leaves the socket's state unchanged;
 *  - unless the connection was aborted, once the peer acknowledges everything every written
 *    byte has been emitted and snd_una == write_seq;
 *  - the last 1 + (byte 0 >> 4) packets emitted are kept, checked intact at every later
 *    emission (transmissions still in flight, so a retransmission of the same bytes, or of
 *    other pieces of the same slot, must not disturb them), and the final ones past
 *    txp_tcp_destroy, which must leave their bytes and checksums intact (freed after).
 *
 * Input: 4 header bytes [options bits (low 4) and packets held (high 4), mtu index, window
 * scale, gso (bit 0 GSO, bit 1 software segmentation at transmit: then no packet may be a GSO
 * one)], then 4-byte records
 * [op, a, b, c]: op % 10 = 0 write (a*256+b bytes, c & 1 MSG_MORE), 1 ACK of a fraction a/255
 * of the data in flight with window b*c*16, 2 window update, 3 ACK beyond snd_nxt, 4 clock step
 * a*b*100 us, 5 run timers at the next deadline, 6 NODELAY (a&1), 7 CORK (a&1), 8 shutdown,
 * 9 abort (only when a == 0x5a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define ISN 0xfffff000u /* wraps the sequence space during the run */
#define PEER_ISN 77u
#define MAXW (1u << 18)
#define SADDR 0x0A000001u
#define DADDR 0x0A000002u

struct fz {
    struct txp_tcp_out out;
    struct txp_tcp_sock *sk;
    uint8_t ref[MAXW];  /* bytes written */
    uint8_t seen[MAXW]; /* 1 when emitted at least once */
    uint32_t written;
    uint32_t offered; /* written + the bytes of a sendmsg in progress */
    bool fin_sent;
    struct txp_pkt *held[16]; /* the last packets emitted, still "in flight" */
    uint32_t nheld, hold_max;
    bool gso_sw; /* the socket segments its GSO skbs itself */
};

static struct fz *F;

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t
fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Both checksums of an emitted packet verify. @return its total length. */
static size_t
check_csums(const struct txp_pkt *p)
{
    const uint8_t *d = txp_pkt_data(p);
    FZ_CHECK(p->len >= 40 && d[0] == 0x45 && d[9] == 6);
    size_t tot = (size_t)d[2] << 8 | d[3];
    FZ_CHECK(tot == p->len);
    FZ_CHECK(fold(sum16(d, 20, 0)) == 0xffff);
    uint32_t ph = sum16(d + 12, 8, 0) + 6 + (uint32_t)(tot - 20);
    FZ_CHECK(fold(sum16(d + 20, tot - 20, ph)) == 0xffff);
    return tot;
}

static void
on_out(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now)
{
    struct fz *f = TXP_CONTAINER_OF(self, struct fz, out);
    const uint8_t *d = txp_pkt_data(p);
    struct txp_tcp_info in;
    (void)now;
    size_t tot = check_csums(p);
    const uint8_t *t = d + 20;
    size_t hl = (size_t)(t[12] >> 4) * 4;
    FZ_CHECK(hl >= 20 && hl <= tot - 20);
    uint32_t seq = be32(t + 4);
    uint8_t flags = t[13];
    uint32_t n = (uint32_t)(tot - 20 - hl);
    txp_tcp_get_info(f->sk, &in);
    if (n > 0) {
        uint32_t off = seq - (ISN + 1);
        FZ_CHECK((uint64_t)off + n <= f->offered);
        FZ_CHECK(memcmp(t + hl, f->ref + off, n) == 0);
        memset(f->seen + off, 1, n);
        if (p->meta.flags & TXP_PKT_F_GSO)
            FZ_CHECK(!F->gso_sw && p->meta.gso_size == in.mss_cache && n <= 65535);
        else
            FZ_CHECK(n <= in.mss_cache);
        /* Within the peer's window. */
        FZ_CHECK((int32_t)(seq + n - (in.snd_una + in.snd_wnd)) <= 0);
    }
    if (flags & TXP_TCP_FIN) {
        FZ_CHECK(seq + n == ISN + 1 + f->written);
        f->fin_sent = true;
    }
    for (uint32_t i = 0; i < f->nheld; i++) /* not disturbed by later sends */
        FZ_CHECK(check_csums(f->held[i]) == f->held[i]->len);
    if (f->nheld == f->hold_max) {
        txp_pkt_free(f->held[0]);
        memmove(f->held, f->held + 1, (f->nheld - 1) * sizeof(f->held[0]));
        f->nheld--;
    }
    f->held[f->nheld++] = p;
}

static size_t
peer_seg(uint8_t *b, const struct txp_tcp_info *in, uint8_t flags, uint32_t ack, uint16_t win,
         uint64_t now)
{
    struct txp_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = 5001;
    h.dport = 40000;
    h.seq = PEER_ISN + 1;
    h.ack_seq = ack;
    h.flags = flags;
    h.window = win;
    if (in->ts_ok) {
        uint8_t o[12] = {1, 1, 8, 10};
        uint32_t v = (uint32_t)(now / 1000000u) + 3;
        o[4] = (uint8_t)(v >> 24);
        o[5] = (uint8_t)(v >> 16);
        o[6] = (uint8_t)(v >> 8);
        o[7] = (uint8_t)v;
        memcpy(h.opts, o, 12);
        h.opt_len = 12;
    }
    return (size_t)txp_tcp_build(b, 60, &h);
}

static void
check_flight(const struct txp_tcp_sock *sk)
{
    struct txp_tcp_info in;
    txp_tcp_get_info(sk, &in);
    FZ_CHECK(in.packets_out - in.lost_out + in.retrans_out <= in.cwnd);
    FZ_CHECK((int32_t)(in.snd_nxt - in.snd_una) >= 0 && (int32_t)(in.write_seq - in.snd_nxt) >= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t mtus[8] = {1500, 9000, 576, 68, 1280, 100, 65535, 1492};
    struct txp_pkt_pool_config pc = {128, 66000};
    struct txp_pkt_pool *pool = NULL;
    struct txp_tcp_config c;
    struct txp_tcp_info in, in2;
    uint64_t now = 0;
    uint8_t b[64];
    bool aborted = false;

    if (size < 4)
        return 0;
    if (F == NULL && (F = malloc(sizeof(*F))) == NULL)
        return 0;
    memset(F, 0, sizeof(*F));
    F->out.fn = on_out;
    F->hold_max = 1u + (data[0] >> 4);
    if (txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        return 0;
    txp_tcp_config_default(&c);
    c.isn = ISN;
    c.pool = pool;
    c.out = &F->out;
    c.sndbuf = 1u << 16;
    c.max_skbs = 256;
    c.mtu = mtus[data[1] & 7];
    c.opt_ts = data[0] & 1;
    c.opt_sack = (data[0] >> 1) & 1;
    c.opt_wscale = (data[0] >> 2) & 1;
    c.gso_max_size = (data[3] & 1) ? 65536 : 0;
    c.gso_sw = (data[3] & 2) != 0;
    F->gso_sw = c.gso_sw && c.gso_max_size != 0;
    FZ_CHECK(txp_tcp_create(&c, NULL, &F->sk) == TXP_OK);
    struct txp_tcp_sock *sk = F->sk;
    FZ_CHECK(txp_tcp_connect(sk, now) == TXP_OK);
    /* SYN-ACK: MSS from the input, options mirrored per the header bits. */
    {
        struct txp_tcp_hdr h;
        memset(&h, 0, sizeof h);
        h.sport = 5001;
        h.dport = 40000;
        h.seq = PEER_ISN;
        h.ack_seq = ISN + 1;
        h.flags = TXP_TCP_SYN | TXP_TCP_ACK;
        h.window = (uint16_t)(1000u + (uint32_t)data[1] * 250u);
        uint16_t mss = (uint16_t)(40u + (uint32_t)data[2] * 40u);
        uint8_t o[20] = {
            2, 4, (uint8_t)(mss >> 8),    (uint8_t)mss, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1,
            3, 3, (uint8_t)(data[2] % 15)};
        memcpy(h.opts, o, 20);
        h.opt_len = (data[0] & 8) ? 4 : 20;
        size_t n = (size_t)txp_tcp_build(b, 60, &h);
        now += 1000000;
        FZ_CHECK(txp_tcp_input(sk, b, n, now) == TXP_OK);
    }
    for (size_t i = 4; i + 4 <= size; i += 4) {
        const uint8_t *r = data + i;
        txp_tcp_get_info(sk, &in);
        uint32_t flight = in.snd_nxt - in.snd_una;
        switch (r[0] % 10) {
        case 0: {
            uint32_t len = (uint32_t)r[1] << 8 | r[2];
            if (len > MAXW - F->written)
                len = MAXW - F->written;
            for (uint32_t k = 0; k < len; k++)
                F->ref[F->written + k] = (uint8_t)(F->written + k + r[3]);
            F->offered = F->written + len;
            int rc = txp_tcp_sendmsg(sk, F->ref + F->written, len,
                                     (r[3] & 1) ? TXP_TCP_MSG_MORE : 0, now);
            FZ_CHECK(rc >= 0 || rc == TXP_EAGAIN || rc == TXP_EPIPE || rc == TXP_ECONNRESET);
            if (rc > 0)
                F->written += (uint32_t)rc;
            F->offered = F->written;
            break;
        }
        case 1:
        case 2: {
            uint32_t a = r[0] % 10 == 1 ? in.snd_una + (uint32_t)((uint64_t)flight * r[1] / 255)
                                        : in.snd_una;
            size_t n = peer_seg(b, &in, TXP_TCP_ACK, a, (uint16_t)(r[2] * r[3] * 16), now);
            (void)txp_tcp_input(sk, b, n, now);
            break;
        }
        case 3: {
            size_t n = peer_seg(b, &in, TXP_TCP_ACK, in.snd_nxt + 1 + r[1], 1000, now);
            FZ_CHECK(txp_tcp_input(sk, b, n, now) < 0);
            txp_tcp_get_info(sk, &in2);
            memcpy(in2.drops, in.drops, sizeof in.drops);
            FZ_CHECK(memcmp(&in, &in2, sizeof in) == 0);
            break;
        }
        case 4:
            now += (uint64_t)r[1] * r[2] * 100000u;
            txp_tcp_run_timers(sk, now);
            break;
        case 5:
            if (txp_tcp_next_timer(sk) != UINT64_MAX && txp_tcp_next_timer(sk) > now) {
                now = txp_tcp_next_timer(sk);
                txp_tcp_run_timers(sk, now);
            }
            break;
        case 6:
            txp_tcp_set_nodelay(sk, r[1] & 1, now);
            break;
        case 7:
            txp_tcp_set_cork(sk, r[1] & 1, now);
            break;
        case 8:
            (void)txp_tcp_shutdown(sk, now);
            break;
        default:
            if (r[1] == 0x5a && txp_tcp_abort(sk, now) == TXP_OK)
                aborted = true;
            break;
        }
        check_flight(sk);
    }
    /* Final phase: the peer opens its window and acknowledges all it gets. */
    txp_tcp_set_cork(sk, false, now);
    txp_tcp_set_nodelay(sk, true, now);
    for (int k = 0; k < 4000 && !aborted; k++) {
        txp_tcp_get_info(sk, &in);
        if (in.snd_una == in.write_seq)
            break;
        now += 1000000;
        size_t n = peer_seg(b, &in, TXP_TCP_ACK, in.snd_nxt, 65535, now);
        FZ_CHECK(txp_tcp_input(sk, b, n, now) == TXP_OK);
        if (txp_tcp_next_timer(sk) <= now + 1000000) {
            now = txp_tcp_next_timer(sk) > now ? txp_tcp_next_timer(sk) : now;
            txp_tcp_run_timers(sk, now);
        }
        check_flight(sk);
    }
    if (!aborted) {
        txp_tcp_get_info(sk, &in);
        FZ_CHECK(in.snd_una == in.write_seq);
        for (uint32_t k = 0; k < F->written; k++)
            FZ_CHECK(F->seen[k]);
    }
    txp_tcp_destroy(sk);
    for (uint32_t i = 0; i < F->nheld; i++) {
        (void)check_csums(F->held[i]); /* still readable: the slots outlive the socket */
        txp_pkt_free(F->held[i]);
        F->held[i] = NULL;
    }
    F->nheld = 0;
    FZ_CHECK(txp_pkt_pool_in_use(pool) == 0);
    txp_pkt_pool_destroy(pool);
    return 0;
}
