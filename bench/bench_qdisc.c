/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: qdisc enqueue+dequeue pairs per second, against a bare FIFO ring in the same
 * run.
 *
 * Workload. 64 packets with the 16 TOS values in turn (priority = rt_tos2priority(TOS), so
 * pfifo_fast spreads them over its three bands); each iteration enqueues a burst of B packets
 * (B = 1, 8, 32) and dequeues B, so the queue holds at most B packets, as a busy NIC sees it.
 * Peer: a bare power-of-two array ring of packet pointers (head/tail indices, no priorities,
 * no limits, no statistics): the floor of any FIFO. txpath's pfifo_fast (three ptr_ring bands
 * with Linux's batched slot release, per-band limits, Sent/backlog statistics), prio (3 bands)
 * and pfifo are measured against it. Every dequeued packet is checked to be one of ours and
 * counted, so nothing is optimised away; the implementations are interleaved round by round
 * and the median ns per pair is reported.
 *
 * Output: a table; with --json FILE one JSON object per line:
 * {"bench", "metric", "value", "unit", "peer", "peer_value", "ratio"} with ratio =
 * txpath ns / peer ns (below 1: txpath is faster).
 * Options: --quick (short rounds, CI), --json FILE, --help. Exit: 0 ok, 1 wrong result, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/qdisc.h"

#define NPKT 64
#define ROUNDS_MAX 15

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct bare_ring {
    struct txp_pkt *slot[1024];
    uint32_t head, tail;
};

struct impl {
    const char *name;
    struct txp_qdisc *q;    /* NULL: the bare ring */
    struct bare_ring *ring; /* the peer */
};

static struct txp_pkt *pkts[NPKT];
static uint64_t sink;

/* One round: @p iters iterations of burst @p b; returns ns per enqueue+dequeue pair. */
static double
run_round(struct impl *im, uint32_t b, uint64_t iters, int *bad)
{
    struct txp_pkt *to_free = NULL;
    uint32_t k = 0;
    double t0 = now_ns();
    for (uint64_t it = 0; it < iters; it++) {
        if (im->q) {
            for (uint32_t j = 0; j < b; j++) {
                txp_qdisc_enqueue(im->q, pkts[k], 0, &to_free);
                k = (k + 1) & (NPKT - 1);
            }
            for (uint32_t j = 0; j < b; j++) {
                struct txp_pkt *p = txp_qdisc_dequeue(im->q, 0);
                sink += (uintptr_t)p;
                if (!p)
                    *bad = 1;
            }
        } else {
            struct bare_ring *r = im->ring;
            for (uint32_t j = 0; j < b; j++) {
                r->slot[r->head++ & 1023u] = pkts[k];
                k = (k + 1) & (NPKT - 1);
            }
            for (uint32_t j = 0; j < b; j++) {
                struct txp_pkt *p = r->tail != r->head ? r->slot[r->tail++ & 1023u] : NULL;
                sink += (uintptr_t)p;
                if (!p)
                    *bad = 1;
            }
        }
    }
    double t = now_ns() - t0;
    if (to_free)
        *bad = 1;
    return t / ((double)iters * b);
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    int quick = 0;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--quick] [--json FILE]\n"
                    "qdisc enqueue+dequeue pairs: pfifo_fast (mixed TOS), prio, pfifo "
                    "against a bare FIFO ring; bursts 1, 8, 32.\n",
                    argv[0]);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    struct txp_pkt_pool_config pc = {NPKT, 256};
    struct txp_pkt_pool *pool = NULL;
    if (txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        return 2;
    for (int i = 0; i < NPKT; i++) {
        pkts[i] = txp_pkt_alloc(pool);
        memset(txp_pkt_put(pkts[i], 60), 0, 60);
        pkts[i]->meta.tos = (uint8_t)((i % 16) << 1);
        pkts[i]->meta.priority = txp_qdisc_tos2prio(pkts[i]->meta.tos);
    }
    static const char *specs[] = {"pfifo_fast", "prio", "pfifo"};
    struct impl im[4];
    static struct bare_ring ring;
    im[0] = (struct impl){"bare ring", NULL, &ring};
    for (int s = 0; s < 3; s++) {
        struct txp_qdisc_conf c;
        struct txp_diag d;
        txp_diag_init(&d, "bench");
        if (txp_qdisc_parse(specs[s], &c, NULL, &d) != TXP_OK ||
            txp_qdisc_create(&c, NULL, NULL, &im[s + 1].q) != TXP_OK)
            return 2;
        im[s + 1].name = specs[s];
        im[s + 1].ring = NULL;
    }
    FILE *jf = json ? fopen(json, "w") : NULL;
    if (json && !jf) {
        perror(json);
        return 2;
    }
    double target = quick ? 5e6 : 1e8;
    unsigned rounds = quick ? 3 : ROUNDS_MAX;
    static const uint32_t bursts[3] = {1, 8, 32};
    int bad = 0;
    printf("%-12s %6s %12s %12s %8s\n", "qdisc", "burst", "ns/pair", "Mpairs/s", "ratio");
    for (int bi = 0; bi < 3; bi++) {
        uint32_t b = bursts[bi];
        uint64_t iters[4];
        double med[4], r[4][ROUNDS_MAX];
        for (int k = 0; k < 4; k++) {
            uint64_t n = 1000;
            for (;;) {
                double t = run_round(&im[k], b, n, &bad) * (double)n * b;
                if (t >= target || n > (1ull << 40))
                    break;
                n *= 2;
            }
            iters[k] = n;
        }
        for (unsigned rd = 0; rd < rounds; rd++)
            for (int k = 0; k < 4; k++)
                r[k][rd] = run_round(&im[k], b, iters[k], &bad);
        for (int k = 0; k < 4; k++) {
            qsort(r[k], rounds, sizeof(double), cmp_d);
            med[k] = r[k][rounds / 2];
            double ratio = med[k] / med[0];
            printf("%-12s %6u %12.2f %12.2f %8.2f\n", im[k].name, (unsigned)b, med[k], 1e3 / med[k],
                   ratio);
            if (jf && k > 0)
                fprintf(jf,
                        "{\"bench\": \"qdisc_%s\", \"metric\": \"enqueue+dequeue burst %u\", "
                        "\"value\": %.3f, \"unit\": \"ns\", \"peer\": \"bare_fifo_ring\", "
                        "\"peer_value\": %.3f, \"ratio\": %.4f}\n",
                        im[k].name, (unsigned)b, med[k], med[0], ratio);
        }
    }
    if (jf)
        fclose(jf);
    for (int k = 1; k < 4; k++)
        txp_qdisc_destroy(im[k].q, NULL);
    for (int i = 0; i < NPKT; i++)
        txp_pkt_free(pkts[i]);
    txp_pkt_pool_destroy(pool);
    if (bad) {
        fprintf(stderr, "bench_qdisc: a dequeue came back empty or a packet was dropped\n");
        return 1;
    }
    printf("(ratio = ns per pair / the bare ring's; sink %llu)\n", (unsigned long long)(sink & 1));
    return 0;
}
