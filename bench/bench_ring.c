/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: the SPSC pointer ring (txp_ring_ptr_enqueue_burst / _dequeue_burst) against
 * DPDK's rte_ring created with RING_F_SP_ENQ | RING_F_SC_DEQ, in the same run.
 *
 * Method. Both rings hold 1024 entries. One measurement is a loop of "enqueue a burst of B
 * pointers, dequeue a burst of B pointers" on one core (DPDK's ring_perf single-core burst
 * test does the same), for B = 1, 8 and 32; the result is pointers per second through the
 * ring (each pointer enqueued and dequeued once). Every dequeued burst is checked against
 * what was enqueued (a mismatch fails the run) and feeds a sink, and a compiler barrier per
 * iteration keeps the loop from being collapsed. Each measurement calibrates an iteration
 * count lasting at least the target time, then runs several rounds, txpath and DPDK
 * interleaved round by round so frequency drift hits both alike; the median is reported.
 * DPDK's EAL starts with --no-huge --no-pci (anonymous memory, no devices); if it cannot
 * start, the run says so and measures txpath alone.
 *
 * Output: a table on stdout; with --json FILE one JSON object per line per burst size:
 * {"bench", "metric", "value", "unit", "peer", "peer_value", "ratio"}, metric "throughput"
 * in Mpointers/s, ratio = txpath / dpdk (above 1: txpath moves more pointers per second).
 *
 * Options: --quick (short rounds, for CI), --json FILE, --help.
 * Exit status: 0 on success, 1 on a data mismatch, 2 on a usage or setup error.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/ring.h"

#ifdef TXP_BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#endif

#define BENCH_RING_SIZE 1024u
#define BENCH_MAX_ROUNDS 15u
#define BENCH_CLOBBER() __asm__ __volatile__("" ::: "memory")

enum bench_kind { BENCH_TXP, BENCH_DPDK };

struct bench_ctx {
    struct txp_ring_ptr *txp;
#ifdef TXP_BENCH_HAVE_DPDK
    struct rte_ring *dpdk;
#endif
    void *in[32];
    void *out[32];
    uint64_t sink;
    int mismatch;
};

static double
bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
bench_run_txp(struct bench_ctx *c, uint32_t burst, uint64_t iters)
{
    struct txp_ring_ptr *r = c->txp;
    uint64_t acc = 0;
    double t0 = bench_now_ns();
    for (uint64_t i = 0; i < iters; i++) {
        uint32_t e = txp_ring_ptr_enqueue_burst(r, c->in, burst);
        uint32_t d = txp_ring_ptr_dequeue_burst(r, c->out, burst);
        acc += (uintptr_t)c->out[d - 1u] + e;
        BENCH_CLOBBER();
    }
    double t1 = bench_now_ns();
    c->sink += acc;
    return t1 - t0;
}

#ifdef TXP_BENCH_HAVE_DPDK
static double
bench_run_dpdk(struct bench_ctx *c, uint32_t burst, uint64_t iters)
{
    struct rte_ring *r = c->dpdk;
    uint64_t acc = 0;
    double t0 = bench_now_ns();
    for (uint64_t i = 0; i < iters; i++) {
        unsigned e = rte_ring_sp_enqueue_burst(r, c->in, burst, NULL);
        unsigned d = rte_ring_sc_dequeue_burst(r, c->out, burst, NULL);
        acc += (uintptr_t)c->out[d - 1u] + e;
        BENCH_CLOBBER();
    }
    double t1 = bench_now_ns();
    c->sink += acc;
    return t1 - t0;
}
#endif

static double
bench_run(struct bench_ctx *c, enum bench_kind k, uint32_t burst, uint64_t iters)
{
#ifdef TXP_BENCH_HAVE_DPDK
    if (k == BENCH_DPDK)
        return bench_run_dpdk(c, burst, iters);
#endif
    (void)k;
    return bench_run_txp(c, burst, iters);
}

/* One burst through each ring, checked element by element. */
static void
bench_check(struct bench_ctx *c, enum bench_kind k, uint32_t burst)
{
    for (uint32_t i = 0; i < 32; i++)
        c->out[i] = NULL;
    bench_run(c, k, burst, 1);
    for (uint32_t i = 0; i < burst; i++)
        if (c->out[i] != c->in[i])
            c->mismatch = 1;
}

static uint64_t
bench_calibrate(struct bench_ctx *c, enum bench_kind k, uint32_t burst, double target_ns)
{
    uint64_t iters = 64;
    for (;;) {
        double t = bench_run(c, k, burst, iters);
        if (t >= target_ns || iters >= (UINT64_C(1) << 40))
            return iters;
        if (t < target_ns / 16)
            iters *= 16;
        else
            iters = (uint64_t)((double)iters * (target_ns * 1.1 / t)) + 1;
    }
}

static int
bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
bench_median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, bench_cmp);
    return (n & 1u) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#ifdef TXP_BENCH_HAVE_DPDK
/* Start DPDK's EAL without hugepages or devices. @return 0 or -1. */
static int
bench_dpdk_init(struct bench_ctx *c)
{
    char a0[] = "bench_ring", a1[] = "--no-huge", a2[] = "--no-pci", a3[] = "--no-shconf",
         a4[] = "--no-telemetry", a5[] = "--log-level=*:error", a6[] = "-l", a7[] = "0",
         a8[] = "-m", a9[] = "64";
    char *eal_argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL};
    if (rte_eal_init(10, eal_argv) < 0)
        return -1;
    c->dpdk = rte_ring_create("txp_bench", BENCH_RING_SIZE, (int)rte_socket_id(),
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
    return c->dpdk ? 0 : -1;
}
#endif

int
main(int argc, char **argv)
{
    int quick = 0;
    const char *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json_path = argv[++i];
        else {
            FILE *f = strcmp(argv[i], "--help") == 0 ? stdout : stderr;
            fprintf(f,
                    "usage: %s [--quick] [--json FILE]\n"
                    "SPSC pointer ring bursts of 1, 8, 32: txp_ring_ptr vs DPDK rte_ring "
                    "(SP/SC), Mpointers/s and the ratio txpath/dpdk.\n",
                    argv[0]);
            return f == stdout ? 0 : 2;
        }
    }
    double target_ns = quick ? 5e6 : 1e8;
    unsigned rounds = quick ? 3u : 9u;

    struct bench_ctx c;
    memset(&c, 0, sizeof c);
    for (uintptr_t i = 0; i < 32; i++)
        c.in[i] = (void *)(0x1000 + 64 * i);
    if (txp_ring_ptr_create(BENCH_RING_SIZE, NULL, &c.txp) != TXP_OK) {
        fputs("bench_ring: cannot create the txpath ring\n", stderr);
        return 2;
    }
    int have_dpdk = 0;
#ifdef TXP_BENCH_HAVE_DPDK
    have_dpdk = bench_dpdk_init(&c) == 0;
#endif
    FILE *json = NULL;
    if (json_path && !(json = fopen(json_path, "w"))) {
        perror(json_path);
        txp_ring_ptr_destroy(c.txp);
        return 2;
    }

    printf("ring_ptr: SPSC enqueue+dequeue bursts on one core, ring of %u, %u rounds of >= "
           "%.0f ms, median\n",
           BENCH_RING_SIZE, rounds, target_ns / 1e6);
#ifdef TXP_BENCH_HAVE_DPDK
    if (have_dpdk)
        printf("peer dpdk: rte_ring SP/SC from DPDK %s (EAL --no-huge --no-pci)\n",
               TXP_BENCH_DPDK_VERSION);
    else
        printf("peer dpdk: EAL did not start; measuring txpath alone\n");
#else
    printf("peer dpdk: NOT BUILT (libdpdk not found at configure time)\n");
#endif
    printf("%6s  %14s  %14s  %12s\n", "burst", "txpath Mptr/s", "dpdk Mptr/s", "txpath/dpdk");

    static const uint32_t bursts[] = {1, 8, 32};
    for (size_t b = 0; b < sizeof bursts / sizeof bursts[0]; b++) {
        uint32_t burst = bursts[b];
        bench_check(&c, BENCH_TXP, burst);
        if (have_dpdk)
            bench_check(&c, BENCH_DPDK, burst);
        uint64_t it_txp = bench_calibrate(&c, BENCH_TXP, burst, target_ns);
        uint64_t it_dpdk = have_dpdk ? bench_calibrate(&c, BENCH_DPDK, burst, target_ns) : 0;
        double mt[BENCH_MAX_ROUNDS], md[BENCH_MAX_ROUNDS];
        for (unsigned r = 0; r < rounds; r++) {
            mt[r] = (double)it_txp * burst / bench_run(&c, BENCH_TXP, burst, it_txp) * 1e3;
            md[r] = have_dpdk
                        ? (double)it_dpdk * burst / bench_run(&c, BENCH_DPDK, burst, it_dpdk) * 1e3
                        : 0;
        }
        double vt = bench_median(mt, rounds), vd = have_dpdk ? bench_median(md, rounds) : 0;
        if (have_dpdk)
            printf("%6u  %14.1f  %14.1f  %11.2fx\n", burst, vt, vd, vt / vd);
        else
            printf("%6u  %14.1f  %14s  %12s\n", burst, vt, "-", "-");
        if (json)
            fprintf(json,
                    "{\"bench\": \"ring_ptr_spsc_burst%u\", \"metric\": \"throughput\", "
                    "\"value\": %.3f, \"unit\": \"Mpointers/s\", \"peer\": \"%s\", "
                    "\"peer_value\": %.3f, \"ratio\": %.4f}\n",
                    burst, vt, have_dpdk ? "dpdk:rte_ring_sp_sc" : "none", vd,
                    have_dpdk ? vt / vd : 0.0);
    }
    if (c.mismatch)
        fputs("bench_ring: a ring returned pointers other than those enqueued\n", stderr);
    if (json)
        fclose(json);
    txp_ring_ptr_destroy(c.txp);
#ifdef TXP_BENCH_HAVE_DPDK
    if (have_dpdk) {
        rte_ring_free(c.dpdk);
        rte_eal_cleanup();
    }
#endif
    printf("(sink %llu)\n", (unsigned long long)(c.sink & 1u));
    return c.mismatch ? 1 : 0;
}
