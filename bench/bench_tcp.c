/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: the TCP send path segmenting and checksumming a 1 MiB write into 1448-byte
 * segments (components/tcp), against a plain memcpy of the same bytes, measured in the same
 * run.
 *
 * Method. One established connection (timestamps on, MSS 1448, the peer's window 8 MiB) gets
 * 1 MiB writes; after each the peer acknowledges everything in flight until it is acked, so
 * every byte is copied into an IPv4+TCP packet and checksummed with the pseudo-header once.
 * The socket runs as Linux does by default on a device without TSO: GSO on (gso_max_size
 * 65536, skbs of up to 45 segments) with the segmentation done in software at transmit
 * (gso_sw), so what leaves is 1448-byte segments; the sink checks that every packet is one
 * (no GSO packet, payload at most 1448) and that a write makes 725 of them. Emitted packets go
 * back to the pool at once. The peer is memcpy(dst, src, 1 MiB) into a
 * 1 MiB buffer that each round reuses, as the socket reuses its write queue's memory: the same
 * bytes read and written once, which is the copy the send path cannot avoid (the data stays
 * queued until acked, so its destination cannot be one small buffer). Each measurement
 * calibrates an iteration count that lasts at least the target time, runs several rounds
 * interleaving them, and reports the median. The target: ratio >= 0.5.
 *
 * A second row measures the same socket without GSO (one skb per segment, every segment built
 * and queued on its own: the figure earlier versions reported as the main one).
 *
 * A third row, for the cost breakdown only, measures the one pass the send path cannot avoid
 * on its own: txp_csum_copy_pieces of the same 1 MiB in skbs of 45 pieces of 1448 bytes,
 * pieces 1792 bytes apart, skbs one 90816-byte slot apart (the socket's write-queue slots for
 * gso_sw, which hold the whole write until it is acked). txpath's time minus this one is the
 * per-segment overhead.
 *
 * A fourth row compares txpath with the peer earlier versions reported, memcpy of the same
 * 1 MiB 1448 bytes at a time into one 1500-byte buffer: a stricter figure, because that
 * destination stays in the L1 cache, so it measures reading the bytes, not copying them into
 * memory that keeps them.
 *
 * Output: a table on stdout; with --json FILE one JSON object per line:
 * {"bench", "metric", "value", "unit", "peer", "peer_value", "ratio"} with value and peer_value
 * in bytes/s and ratio = txpath / memcpy (1 would be memcpy speed).
 *
 * Options: --quick (short rounds, for CI), --json FILE, --help.
 * Exit status: 0 on success, 1 if the send path did not deliver the whole write, 2 on a usage
 * or I/O error.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/csum.h"
#include "txpath/tcp.h"

#define WRITE_LEN (1u << 20)
#define MAX_ROUNDS 15
#define FLOOR_SEGS ((WRITE_LEN + 1447u) / 1448u)
#define FLOOR_PIECE_STRIDE 1792u /* round_up(1448, 64) + 320 of header room */
#define FLOOR_SKB (45u * 1448u)  /* size_goal at MSS 1448 with gso_max_size 65536 */
#define FLOOR_SKBS ((WRITE_LEN + FLOOR_SKB - 1) / FLOOR_SKB)
#define FLOOR_SLOT 90816u /* the socket's slot size for gso_sw */
#define BENCH_CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

struct sink {
    struct txp_tcp_out out;
    uint64_t bytes;
    uint64_t segs; /* data segments */
    uint64_t bad;  /* GSO packets or segments over the MSS: must stay 0 */
    uint32_t last;
};

static void
on_out(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now)
{
    struct sink *s = TXP_CONTAINER_OF(self, struct sink, out);
    (void)now;
    s->bytes += p->len;
    s->segs += p->len > 52;
    s->bad += (p->meta.flags & TXP_PKT_F_GSO) != 0 || p->len > 1500;
    s->last ^= txp_pkt_data(p)[36]; /* the TCP checksum's high byte: the work is used */
    txp_pkt_free(p);
}

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct ctx {
    struct txp_pkt_pool *pool;
    struct sink sink;
    uint8_t *data;
    uint8_t dst[1500];
    uint8_t *buf;   /* 1 MiB: the destination of the plain memcpy */
    uint8_t *slots; /* FLOOR_SKBS x FLOOR_SLOT bytes for the checksum-copy row */
    uint32_t floor_sum;
    uint64_t clock;
    struct txp_tcp_sock *sk;     /* the one one_transfer drives */
    struct txp_tcp_sock *sk_gso; /* GSO with software segmentation (the main row) */
    struct txp_tcp_sock *sk_one; /* no GSO: one skb per segment */
};

static size_t
peer_ack(uint8_t *b, uint32_t ack, uint64_t t)
{
    struct txp_tcp_hdr h;
    uint32_t v = (uint32_t)(t / 1000000u);
    memset(&h, 0, sizeof h);
    h.sport = 5001;
    h.dport = 40000;
    h.seq = 8;
    h.ack_seq = ack;
    h.flags = TXP_TCP_ACK;
    h.window = 65535;
    uint8_t o[12] = {1,         1, 8, 10, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                     (uint8_t)v};
    memcpy(h.opts, o, 12);
    h.opt_len = 12;
    return (size_t)txp_tcp_build(b, 60, &h);
}

/* Open a connection the transfers reuse (GSO with software segmentation or none). @return 0
 * on success. */
static int
open_conn(struct ctx *c, bool gso)
{
    struct txp_tcp_config cfg;
    uint8_t b[64];
    struct txp_tcp_hdr h;
    static const uint8_t syn_opts[20] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0,
                                         0, 1, 0, 0,    0, 0, 1, 3,  3, 7};

    txp_tcp_config_default(&cfg);
    cfg.isn = 1;
    cfg.pool = c->pool;
    cfg.out = &c->sink.out;
    cfg.sndbuf = WRITE_LEN; /* one write fills it: the ring stays as small as it can */
    if (gso) {
        cfg.gso_max_size = 65536;
        cfg.gso_sw = true;
    }
    if (txp_tcp_create(&cfg, NULL, &c->sk) != TXP_OK)
        return 1;
    c->clock += 1000000;
    if (txp_tcp_connect(c->sk, c->clock) != TXP_OK)
        return 1;
    memset(&h, 0, sizeof h);
    h.sport = 5001;
    h.dport = 40000;
    h.seq = 7;
    h.ack_seq = 2;
    h.flags = TXP_TCP_SYN | TXP_TCP_ACK;
    h.window = 65535;
    memcpy(h.opts, syn_opts, 20);
    h.opt_len = 20;
    c->clock += 1000000;
    return txp_tcp_input(c->sk, b, (size_t)txp_tcp_build(b, 60, &h), c->clock) == TXP_OK ? 0 : 1;
}

/* One 1 MiB write, acknowledged until all of it is acked. @return 0 on success. */
static int
one_transfer(struct ctx *c)
{
    struct txp_tcp_info in;
    uint8_t b[64];

    if (txp_tcp_sendmsg(c->sk, c->data, WRITE_LEN, 0, c->clock) != (int)WRITE_LEN)
        return 1;
    for (int k = 0; k < 100000; k++) {
        txp_tcp_get_info(c->sk, &in);
        if (in.snd_una == in.write_seq)
            return 0;
        c->clock += 1000;
        txp_tcp_input(c->sk, b, peer_ack(b, in.snd_nxt, c->clock), c->clock);
    }
    return 1;
}

/* @p iters transfers on @p sk. @return 0 when every write left as FLOOR_SEGS segments of at
 * most one MSS. */
static int
run_on(struct ctx *c, struct txp_tcp_sock *sk, uint64_t iters)
{
    uint64_t segs = c->sink.segs;

    c->sk = sk;
    for (uint64_t i = 0; i < iters; i++)
        if (one_transfer(c) != 0)
            return 1;
    return c->sink.segs - segs != iters * FLOOR_SEGS || c->sink.bad != 0;
}

static int
run_txp(struct ctx *c, uint64_t iters)
{
    return run_on(c, c->sk_gso, iters);
}

static int
run_txp_one(struct ctx *c, uint64_t iters)
{
    return run_on(c, c->sk_one, iters);
}

static int
run_memcpy(struct ctx *c, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        memcpy(c->buf, c->data, WRITE_LEN);
        BENCH_CLOBBER(c->buf);
    }
    return 0;
}

static int
run_memcpy_l1(struct ctx *c, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        for (uint32_t off = 0; off < WRITE_LEN; off += 1448) {
            uint32_t n = WRITE_LEN - off < 1448 ? WRITE_LEN - off : 1448;
            memcpy(c->dst + 52, c->data + off, n);
            BENCH_CLOBBER(c->dst);
        }
    }
    return 0;
}

static int
run_floor(struct ctx *c, uint64_t iters)
{
    uint32_t sums[45];

    for (uint64_t i = 0; i < iters; i++) {
        uint32_t k = 0;
        for (uint32_t off = 0; off < WRITE_LEN; off += FLOOR_SKB, k++) {
            uint32_t n = WRITE_LEN - off < FLOOR_SKB ? WRITE_LEN - off : FLOOR_SKB;
            uint8_t *d = c->slots + (size_t)(FLOOR_SKBS - 1 - k) * FLOOR_SLOT + 320;
            (void)txp_csum_copy_pieces(d, FLOOR_PIECE_STRIDE, 1448, c->data + off, n, sums);
            c->floor_sum += sums[0];
            BENCH_CLOBBER(d);
        }
    }
    return 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median bytes/s of fn over @p rounds rounds of at least @p target_ns each. */
static double
measure(int (*fn)(struct ctx *, uint64_t), struct ctx *c, double target_ns, unsigned rounds,
        int *err)
{
    uint64_t iters = 1;
    double r[MAX_ROUNDS];
    for (;;) {
        uint64_t t0 = now_ns();
        if (fn(c, iters)) {
            *err = 1;
            return 0;
        }
        if ((double)(now_ns() - t0) >= target_ns / 4 || iters > (1u << 20))
            break;
        iters *= 2;
    }
    iters *= 4;
    for (unsigned k = 0; k < rounds; k++) {
        uint64_t t0 = now_ns();
        if (fn(c, iters)) {
            *err = 1;
            return 0;
        }
        double ns = (double)(now_ns() - t0);
        r[k] = (double)iters * WRITE_LEN / (ns / 1e9);
    }
    qsort(r, rounds, sizeof r[0], cmp_double);
    return r[rounds / 2];
}

int
main(int argc, char **argv)
{
    int quick = 0, err = 0;
    const char *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json_path = argv[++i];
        } else {
            fprintf(stderr,
                    "usage: %s [--quick] [--json FILE]\n"
                    "TCP send path: a 1 MiB write segmented (MSS 1448) and checksummed, "
                    "vs memcpy of the same bytes\n",
                    argv[0]);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.sink.out.fn = on_out;
    struct txp_pkt_pool_config pc = {64, 2048};
    c.slots = calloc(FLOOR_SKBS, FLOOR_SLOT);
    c.buf = malloc(WRITE_LEN);
    if (txp_pkt_pool_create(&pc, NULL, &c.pool) != TXP_OK || !(c.data = malloc(WRITE_LEN)) ||
        c.slots == NULL || c.buf == NULL) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    for (uint32_t i = 0; i < WRITE_LEN; i++)
        c.data[i] = (uint8_t)(i * 2654435761u >> 24);
    memset(c.buf, 0, WRITE_LEN);
    if (open_conn(&c, true) != 0) {
        fprintf(stderr, "bench_tcp: could not open the connection\n");
        return 1;
    }
    c.sk_gso = c.sk;
    if (open_conn(&c, false) != 0) {
        fprintf(stderr, "bench_tcp: could not open the connection\n");
        return 1;
    }
    c.sk_one = c.sk;
    double target = quick ? 2e7 : 2e8;
    unsigned rounds = quick ? 3u : 9u;
    double vt = 0, vm = 0, vf = 0, vl = 0, vo = 0;
    double rt[MAX_ROUNDS], rm[MAX_ROUNDS], rf[MAX_ROUNDS], rl[MAX_ROUNDS], ro[MAX_ROUNDS];
    /* Interleave them round by round so frequency drift hits all alike. */
    for (unsigned k = 0; k < rounds && !err; k++) {
        rt[k] = measure(run_txp, &c, target, 1, &err);
        rm[k] = measure(run_memcpy, &c, target, 1, &err);
        rf[k] = measure(run_floor, &c, target, 1, &err);
        rl[k] = measure(run_memcpy_l1, &c, target, 1, &err);
        ro[k] = measure(run_txp_one, &c, target, 1, &err);
    }
    if (err) {
        fprintf(stderr,
                "bench_tcp: the send path did not deliver the whole write as %u "
                "segments of at most 1448 bytes\n",
                FLOOR_SEGS);
        return 1;
    }
    qsort(rt, rounds, sizeof rt[0], cmp_double);
    qsort(rm, rounds, sizeof rm[0], cmp_double);
    qsort(rf, rounds, sizeof rf[0], cmp_double);
    qsort(rl, rounds, sizeof rl[0], cmp_double);
    qsort(ro, rounds, sizeof ro[0], cmp_double);
    vt = rt[rounds / 2];
    vm = rm[rounds / 2];
    vf = rf[rounds / 2];
    vl = rl[rounds / 2];
    vo = ro[rounds / 2];
    printf("bench_tcp: 1 MiB write, MSS 1448, IPv4+TCP with timestamps, checksum with the "
           "pseudo-header (median of %u rounds)\n",
           rounds);
    printf("%-34s %12s %12s %8s\n", "metric", "txpath MB/s", "memcpy MB/s", "ratio");
    printf("%-34s %12.1f %12.1f %8.3f\n", "segment+checksum 1 MiB (1448)", vt / 1e6, vm / 1e6,
           vt / vm);
    printf("%-34s %12.1f %12.1f %8.3f\n", "  the same without GSO", vo / 1e6, vm / 1e6, vo / vm);
    printf("%-34s %12.1f %12.1f %8.3f\n", "  of which: csum-copy alone", vf / 1e6, vm / 1e6,
           vf / vm);
    printf("%-34s %12.1f %12.1f %8.3f\n", "vs memcpy into one 1500-byte buf", vt / 1e6, vl / 1e6,
           vt / vl);
    printf("per 1448-byte segment: txpath %.1f ns = csum-copy %.1f ns + the rest %.1f ns; "
           "memcpy %.1f ns (into one 1500-byte buffer %.1f ns)\n",
           1448e9 / vt, 1448e9 / vf, 1448e9 / vt - 1448e9 / vf, 1448e9 / vm, 1448e9 / vl);
    printf("(target: ratio >= 0.5; sink %u)\n", c.sink.last ^ (c.floor_sum & 1u));
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f) {
            perror(json_path);
            return 2;
        }
        fprintf(f,
                "{\"bench\":\"bench_tcp\",\"metric\":\"segment_csum_1MiB_mss1448\",\"value\":%.0f,"
                "\"unit\":\"bytes/s\",\"peer\":\"memcpy\",\"peer_value\":%.0f,\"ratio\":%.4f}\n",
                vt, vm, vt / vm);
        fprintf(f,
                "{\"bench\":\"bench_tcp\",\"metric\":\"segment_csum_1MiB_mss1448\",\"value\":%.0f,"
                "\"unit\":\"bytes/s\",\"peer\":\"memcpy_1500B_dst\",\"peer_value\":%.0f,"
                "\"ratio\":%.4f}\n",
                vt, vl, vt / vl);
        fprintf(f,
                "{\"bench\":\"bench_tcp\",\"metric\":\"segment_csum_1MiB_mss1448_nogso\","
                "\"value\":%.0f,\"unit\":\"bytes/s\",\"peer\":\"memcpy\",\"peer_value\":%.0f,"
                "\"ratio\":%.4f}\n",
                vo, vm, vo / vm);
        fclose(f);
    }
    txp_tcp_destroy(c.sk_gso);
    txp_tcp_destroy(c.sk_one);
    txp_pkt_pool_destroy(c.pool);
    free(c.data);
    free(c.slots);
    free(c.buf);
    return 0;
}
