/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: the Internet checksum, txp_csum_partial() against its peers in the same run.
 *
 * Peers:
 *  - DPDK rte_raw_cksum() (rte_ip.h, header-inline), when the build found libdpdk;
 *  - a naive RFC 1071 reference (one 16-bit big-endian word at a time into a 64-bit
 *    accumulator), which is the floor any real implementation must beat.
 *
 * Method. Buffers of 64, 576, 1500 and 9000 bytes are filled from a seeded xorshift64* PRNG
 * (--seed, default 1), so every run sums the same bytes. Before timing, every implementation's
 * folded result is checked against the reference (DPDK sums native-order words, so its result
 * is byte-swapped on a little-endian host, RFC 1071 section 2 (B)); a mismatch fails the run.
 * Each measurement calibrates an iteration count that lasts at least the target time, then runs
 * several rounds; the implementations are interleaved round by round so frequency drift hits
 * them alike, and the median ns/op of each is reported. A compiler barrier on the buffer in every
 * iteration keeps the inline peer from being hoisted out of the loop, and each result feeds a
 * sink, so none of the work can be optimised away.
 *
 * Output: a table on stdout; with --json FILE one JSON object per line per measurement, as the
 * bench/ convention says: {"bench", "metric", "value", "unit", "peer", "peer_value", "ratio"},
 * where ratio = txpath / peer (below 1: txpath is faster).
 *
 * Options: --quick (short rounds, for CI), --json FILE, --seed N, --help.
 * Exit status: 0 on success, 1 on a result mismatch, 2 on a usage or I/O error.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/csum.h"

#ifdef TXP_BENCH_HAVE_DPDK
#include <rte_byteorder.h>
#include <rte_ip.h>
#endif

/** One implementation under test: returns the folded (not complemented) sum in network order. */
struct bench_impl {
    const char *name; /**< short name, used in the table */
    const char *peer; /**< name in the JSON "peer" field */
    uint16_t (*sum)(const uint8_t *buf, size_t len);
};

/** Run parameters. */
struct bench_opts {
    int quick;        /**< short rounds */
    const char *json; /**< JSON lines output path, or NULL */
    uint64_t seed;    /**< PRNG seed for the buffer contents */
    double target_ns; /**< minimum duration of one round */
    unsigned rounds;  /**< rounds per implementation (median reported) */
};

#define BENCH_MAX_IMPLS 3
#define BENCH_MAX_ROUNDS 15

static const size_t bench_sizes[] = {64, 576, 1500, 9000};

/* Compiler barrier: the buffer may have changed, so every iteration really reads it. */
#define BENCH_CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

static uint16_t
bench_fold(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

static uint16_t
bench_sum_txp(const uint8_t *buf, size_t len)
{
    /* txp_csum_fold() complements; undo it so every implementation returns the plain sum. */
    return (uint16_t)(0xFFFFu ^ txp_csum_fold(txp_csum_partial(buf, len, 0)));
}

static uint16_t
bench_sum_naive(const uint8_t *buf, size_t len)
{
    uint64_t acc = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        acc += (uint64_t)((unsigned)buf[i] << 8 | buf[i + 1]);
    if (len & 1u)
        acc += (uint64_t)buf[len - 1] << 8;
    return bench_fold(acc);
}

#ifdef TXP_BENCH_HAVE_DPDK
static uint16_t
bench_sum_dpdk(const uint8_t *buf, size_t len)
{
    return rte_be_to_cpu_16(rte_raw_cksum(buf, len));
}
#endif

static double
bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Run @p iters sums; @return elapsed nanoseconds. The sums go to @p sink. */
static double
bench_run(const struct bench_impl *im, const uint8_t *buf, size_t len, uint64_t iters,
          volatile uint32_t *sink)
{
    uint32_t acc = 0;
    uint64_t i;
    double t0;
    double t1;

    t0 = bench_now_ns();
    for (i = 0; i < iters; i++) {
        BENCH_CLOBBER(buf);
        acc += im->sum(buf, len);
    }
    t1 = bench_now_ns();
    *sink += acc;
    return t1 - t0;
}

/* Iterations so that one round of @p im lasts at least the target time. */
static uint64_t
bench_calibrate(const struct bench_impl *im, const uint8_t *buf, size_t len, double target_ns,
                volatile uint32_t *sink)
{
    uint64_t iters = 16;

    for (;;) {
        double t = bench_run(im, buf, len, iters, sink);

        if (t >= target_ns || iters >= (UINT64_C(1) << 40))
            break;
        if (t < target_ns / 16)
            iters *= 16;
        else
            iters = (uint64_t)((double)iters * (target_ns * 1.1 / t)) + 1;
    }
    return iters;
}

static int
bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
bench_median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return (n & 1u) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* xorshift64* (Vigna): deterministic buffer contents from the seed. */
static void
bench_fill(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed ? seed : 0x9E3779B97F4A7C15u;
    size_t i;

    for (i = 0; i < len; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        buf[i] = (uint8_t)((x * 0x2545F4914F6CDD1Du) >> 56);
    }
}

static void
bench_json_line(FILE *f, size_t size, double value, const char *peer, double peer_value)
{
    fprintf(f,
            "{\"bench\": \"pkt_csum_partial_%zuB\", \"metric\": \"time_per_op\", \"value\": %.3f, "
            "\"unit\": \"ns\", \"peer\": \"%s\", \"peer_value\": %.3f, \"ratio\": %.4f}\n",
            size, value, peer, peer_value, peer_value > 0 ? value / peer_value : 0.0);
}

static void
bench_usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "usage: %s [--quick] [--json FILE] [--seed N]\n"
            "txp_csum_partial() against DPDK rte_raw_cksum() and a naive RFC 1071 sum,\n"
            "on 64/576/1500/9000-byte buffers; reports ns/op and the ratio txpath/peer.\n",
            argv0);
}

static int
bench_parse(int argc, char **argv, struct bench_opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->seed = 1;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            o->json = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            char *end;

            o->seed = strtoull(argv[++i], &end, 0);
            if (*end != '\0') {
                bench_usage(stderr, argv[0]);
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            bench_usage(stdout, argv[0]);
            return 1;
        } else {
            bench_usage(stderr, argv[0]);
            return 2;
        }
    }
    o->target_ns = o->quick ? 5e6 : 1e8;
    o->rounds = o->quick ? 3u : 9u;
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct bench_impl impls[] = {
        {"txpath", "txpath:txp_csum_partial", bench_sum_txp},
#ifdef TXP_BENCH_HAVE_DPDK
        {"dpdk", "dpdk:rte_raw_cksum", bench_sum_dpdk},
#endif
        {"naive", "naive:rfc1071_wordwise", bench_sum_naive},
    };
    const size_t n_impls = sizeof(impls) / sizeof(impls[0]);
    volatile uint32_t sink = 0;
    struct bench_opts o;
    FILE *json = NULL;
    uint8_t *buf;
    size_t s;
    int rc;

    rc = bench_parse(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (o.json != NULL) {
        json = fopen(o.json, "w");
        if (json == NULL) {
            perror(o.json);
            return 2;
        }
    }
    buf = malloc(bench_sizes[sizeof(bench_sizes) / sizeof(bench_sizes[0]) - 1]);
    if (buf == NULL) {
        fprintf(stderr, "bench_pkt_csum: out of memory\n");
        if (json != NULL)
            fclose(json);
        return 2;
    }

    printf("pkt_csum: txp_csum_partial vs peers (seed %llu, %u rounds of >= %.0f ms, median)\n",
           (unsigned long long)o.seed, o.rounds, o.target_ns / 1e6);
#ifdef TXP_BENCH_HAVE_DPDK
    printf("peer dpdk: rte_raw_cksum from DPDK %s (header-inline)\n", TXP_BENCH_DPDK_VERSION);
#else
    printf("peer dpdk: NOT BUILT (libdpdk not found at configure time)\n");
#endif
    printf("%7s", "bytes");
    for (size_t k = 0; k < n_impls; k++)
        printf("  %9s ns/op", impls[k].name);
    for (size_t k = 1; k < n_impls; k++)
        printf("  txpath/%-6s", impls[k].name);
    printf("  txpath GB/s\n");

    for (s = 0; s < sizeof(bench_sizes) / sizeof(bench_sizes[0]); s++) {
        size_t len = bench_sizes[s];
        uint16_t want;
        uint64_t iters[BENCH_MAX_IMPLS];
        double samples[BENCH_MAX_IMPLS][BENCH_MAX_ROUNDS];
        double med[BENCH_MAX_IMPLS];
        unsigned r;
        size_t k;

        bench_fill(buf, len, o.seed + len);
        want = bench_sum_naive(buf, len);
        for (k = 0; k < n_impls; k++) {
            uint16_t got = impls[k].sum(buf, len);

            if (got != want) {
                fprintf(stderr, "bench_pkt_csum: %s sums %zu bytes to 0x%04x, reference 0x%04x\n",
                        impls[k].name, len, got, want);
                free(buf);
                if (json != NULL)
                    fclose(json);
                return 1;
            }
            iters[k] = bench_calibrate(&impls[k], buf, len, o.target_ns, &sink);
        }
        for (r = 0; r < o.rounds; r++)
            for (k = 0; k < n_impls; k++)
                samples[k][r] = bench_run(&impls[k], buf, len, iters[k], &sink) / (double)iters[k];
        for (k = 0; k < n_impls; k++)
            med[k] = bench_median(samples[k], o.rounds);

        printf("%7zu", len);
        for (k = 0; k < n_impls; k++)
            printf("  %15.2f", med[k]);
        for (k = 1; k < n_impls; k++)
            printf("  %13.3f", med[0] / med[k]);
        printf("  %11.2f\n", (double)len / med[0]);
        if (json != NULL)
            for (k = 1; k < n_impls; k++)
                bench_json_line(json, len, med[0], impls[k].peer, med[k]);
    }
    printf("ratio = txpath / peer time: below 1 means txpath is faster (sink %u)\n",
           (unsigned)sink);
    free(buf);
    if (json != NULL && fclose(json) != 0) {
        perror(o.json);
        return 2;
    }
    return 0;
}
