/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: IPv4 longest-prefix match on a synthetic Internet-sized table, txpath's
 * Poptrie-style trie (txpath/fib_lpm.h) against DPDK's rte_lpm and rte_fib (DIR-24-8) in
 * the same run.
 *
 * Table: about 1,000,000 distinct prefixes drawn from a seeded generator with the
 * prefix-length shape of the global IPv4 BGP table in 2024 (approximate shares read off the
 * public CIDR Report and Geoff Huston's annual "BGP in 2024" analysis: /24 about 60%, /22-/23
 * about 23%, /16-/21 about 16%, shorter than /16 under 0.5%, longer than /24 a few thousand),
 * addresses uniform over 1.0.0.0-223.255.255.255; the value of a prefix is its index.
 * Streams: "random" (uniform 32-bit destinations) and "skewed" (90% inside 1,000 hot
 * prefixes). Every txpath answer is checked against rte_lpm's before timing. Rounds
 * interleave the implementations; each one's measurements start after an untimed warm-up
 * pass over the whole stream, so no table is timed cold after another one's turn.
 *
 * Reported, as ratios to rte_lpm: lookups/s (single, and bulk in batches of 64), bytes of
 * memory (rte_lpm and rte_fib: DPDK heap bytes in use after loading; txpath: what lookups read
 * plus the prefixes kept to rebuild nodes), and route inserts/s (loading the whole table) and
 * updates/s (delete and re-add 100,000 random prefixes).
 *
 * Options: --quick (200,000 prefixes, short rounds), --json FILE. Exit 0, 1 on a wrong answer,
 * 2 on usage or setup errors. DPDK runs with --no-huge --no-pci; without libdpdk the txpath
 * numbers are printed alone.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/fib_lpm.h"

#ifdef TXP_BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#endif

#define NQ (1u << 20)
#define WARM NQ /* untimed lookups before each table's measurements */
#define BATCH 64

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint32_t
rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t)(rs >> 16);
}

struct pfx {
    uint32_t p;
    uint8_t l;
};

/* per-mille shares by length, 8..32 */
static const struct {
    uint8_t len;
    uint32_t per_million;
} shape[] = {{8, 16},     {9, 12},     {10, 35},     {11, 100},    {12, 300},    {13, 600},
             {14, 1200},  {15, 2000},  {16, 13500},  {17, 8000},   {18, 14000},  {19, 26000},
             {20, 45000}, {21, 50000}, {22, 118000}, {23, 108000}, {24, 608000}, {25, 600},
             {26, 700},   {27, 500},   {28, 500},    {29, 400},    {30, 300},    {32, 237}};

static int
pfx_cmp(const void *a, const void *b)
{
    const struct pfx *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->l > y->l) - (x->l < y->l);
}

/* @p n distinct prefixes with the shape above. */
static size_t
make_table(struct pfx *t, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++) {
        size_t want = (size_t)((uint64_t)shape[i].per_million * n / 1000000u);
        uint8_t l = shape[i].len;
        for (size_t j = 0; j < want; j++) {
            uint32_t a = 0x01000000u + rnd() % (0xE0000000u - 0x01000000u);
            t[k].p = a & (0xFFFFFFFFu << (32 - l));
            t[k].l = l;
            k++;
        }
    }
    qsort(t, k, sizeof *t, pfx_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || t[i].p != t[u - 1].p || t[i].l != t[u - 1].l)
            t[u++] = t[i];
    for (size_t i = u; i > 1; i--) { /* shuffle: insertion order should not be sorted */
        size_t j = rnd() % i;
        struct pfx x = t[i - 1];
        t[i - 1] = t[j];
        t[j] = x;
    }
    return u;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_d);
    return v[n / 2];
}

static uint64_t sink;

#ifdef TXP_BENCH_HAVE_DPDK
static size_t
dpdk_heap_bytes(void)
{
    struct rte_malloc_socket_stats st;
    size_t total = 0;
    for (int s = 0; s < 2; s++)
        if (rte_malloc_get_socket_stats(s, &st) == 0)
            total += st.heap_allocsz_bytes;
    return total;
}
#endif

struct row {
    const char *name, *unit;
    char metric[64];
    double value, peer;
};
static struct row rows[32];
static int nrows;

static void
add_row(const char *name, const char *metric, const char *unit, double v, double peer)
{
    struct row *w = &rows[nrows++];
    w->name = name;
    w->unit = unit;
    snprintf(w->metric, sizeof w->metric, "%s", metric);
    w->value = v;
    w->peer = peer;
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
            fprintf(stderr, "usage: %s [--quick] [--json FILE]\n", argv[0]);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    size_t want = quick ? 200000 : 1000000;
    struct pfx *t = malloc(want * 2 * sizeof *t);
    uint32_t *qr = malloc(NQ * 4), *qs = malloc(NQ * 4), *out = malloc(NQ * 4),
             *ref = malloc(NQ * 4);
    if (!t || !qr || !qs || !out || !ref)
        return 2;
    size_t n = make_table(t, want);
    for (uint32_t i = 0; i < NQ; i++) {
        qr[i] = rnd() << 16 ^ rnd();
        if (rnd() % 10 != 0) {
            const struct pfx *h = &t[rnd() % 1000];
            uint32_t host = h->l == 32 ? 0 : (rnd() << 16 ^ rnd()) & ~(0xFFFFFFFFu << (32 - h->l));
            qs[i] = h->p | host;
        } else {
            qs[i] = rnd() << 16 ^ rnd();
        }
    }
    printf("table: %zu prefixes (Internet-like lengths), %u destinations per stream\n", n, NQ);

    /* ---- txpath ---- */
    struct txp_fib_lpm *l = NULL;
    if (txp_fib_lpm_create(NULL, &l) != TXP_OK)
        return 2;
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        if (txp_fib_lpm_add(l, t[i].p, t[i].l, (uint32_t)i) != TXP_OK)
            return 2;
    double txp_ins = (double)n / ((now_ns() - t0) / 1e9);
    struct txp_fib_lpm_mem mem;
    txp_fib_lpm_memory(l, &mem);
    double txp_mem = (double)(mem.lookup + mem.control + mem.spare);

#ifdef TXP_BENCH_HAVE_DPDK
    char a0[] = "bench_fib", a1[] = "--no-huge", a2[] = "--no-pci", a3[] = "--no-shconf",
         a4[] = "--no-telemetry", a5[] = "--log-level=*:error", a6[] = "-l", a7[] = "0",
         a8[] = "-m", a9[] = "1536";
    char *eal_argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL};
    if (rte_eal_init(10, eal_argv) < 0) {
        fprintf(stderr, "bench_fib: DPDK EAL did not start\n");
        return 2;
    }
    /* as many tbl8 groups as /24s holding longer prefixes, plus room */
    uint32_t tbl8 = 64;
    for (size_t i = 0; i < n; i++)
        tbl8 += t[i].l > 24;
    size_t h0 = dpdk_heap_bytes();
    struct rte_lpm_config lc = {(uint32_t)n + 16, tbl8, 0};
    struct rte_lpm *lpm = rte_lpm_create("txp_lpm", (int)rte_socket_id(), &lc);
    if (!lpm) {
        fprintf(stderr, "bench_fib: rte_lpm_create failed\n");
        return 2;
    }
    t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        if (rte_lpm_add(lpm, t[i].p, t[i].l, (uint32_t)i) < 0)
            return 2;
    double lpm_ins = (double)n / ((now_ns() - t0) / 1e9);
    double lpm_mem = (double)(dpdk_heap_bytes() - h0);
    size_t h1 = dpdk_heap_bytes();
    struct rte_fib_conf fc;
    memset(&fc, 0, sizeof fc);
    fc.type = RTE_FIB_DIR24_8;
    fc.default_nh = 0x7FFFFFFF;
    fc.max_routes = (int)n + 16;
    fc.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
    fc.dir24_8.num_tbl8 = tbl8;
    struct rte_fib *fib = rte_fib_create("txp_fib", (int)rte_socket_id(), &fc);
    if (!fib) {
        fprintf(stderr, "bench_fib: rte_fib_create failed\n");
        return 2;
    }
    t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        if (rte_fib_add(fib, t[i].p, t[i].l, (uint64_t)i) < 0)
            return 2;
    double fib_ins = (double)n / ((now_ns() - t0) / 1e9);
    double fib_mem = (double)(dpdk_heap_bytes() - h1);
    /* correctness: txpath must answer what rte_lpm answers */
    for (uint32_t i = 0; i < NQ; i += 7) {
        uint32_t a = (i & 8) ? qs[i] : qr[i], v = 0;
        uint32_t x = txp_fib_lpm_lookup(l, a);
        int hit = rte_lpm_lookup(lpm, a, &v) == 0;
        if ((hit ? x != v : x != TXP_FIB_LPM_MISS) || txp_fib_lpm_lookup_inline(l, a) != x) {
            fprintf(stderr, "bench_fib: %08x: txpath %u, rte_lpm %s%u\n", a, x, hit ? "" : "miss ",
                    v);
            return 1;
        }
    }
#endif

    const int R = quick ? 3 : 7;
    double r[6][2][15];
    for (int rd = 0; rd < R; rd++) {
        for (int s = 0; s < 2; s++) {
            const uint32_t *q = s ? qs : qr;
            /* each table gets an untimed warm-up pass over the stream first: the previous
             * measurement (rte_fib's 446 MB) evicted it from the caches and the TLB */
            for (uint32_t i = 0; i < WARM; i++)
                sink += txp_fib_lpm_lookup(l, q[i]);
            double a = now_ns();
            for (uint32_t i = 0; i < NQ; i++)
                sink += txp_fib_lpm_lookup_inline(l, q[i]);
            r[0][s][rd] = (now_ns() - a) / NQ;
            a = now_ns();
            for (uint32_t i = 0; i < NQ; i++)
                sink += txp_fib_lpm_lookup(l, q[i]);
            r[5][s][rd] = (now_ns() - a) / NQ;
            a = now_ns();
            for (uint32_t i = 0; i < NQ; i += BATCH)
                txp_fib_lpm_lookup_bulk(l, q + i, out + i, BATCH);
            r[1][s][rd] = (now_ns() - a) / NQ;
            sink += out[NQ / 2];
#ifdef TXP_BENCH_HAVE_DPDK
            for (uint32_t i = 0; i < WARM; i++) {
                uint32_t v = 0;
                rte_lpm_lookup(lpm, q[i], &v);
                sink += v;
            }
            a = now_ns();
            for (uint32_t i = 0; i < NQ; i++) {
                uint32_t v = 0;
                rte_lpm_lookup(lpm, q[i], &v);
                sink += v;
            }
            r[2][s][rd] = (now_ns() - a) / NQ;
            a = now_ns();
            for (uint32_t i = 0; i < NQ; i += BATCH)
                rte_lpm_lookup_bulk(lpm, q + i, ref + i, BATCH);
            r[3][s][rd] = (now_ns() - a) / NQ;
            sink += ref[NQ / 2];
            uint64_t nh[BATCH];
            uint32_t ips[BATCH];
            for (uint32_t i = 0; i < WARM; i += BATCH) {
                memcpy(ips, q + i, sizeof ips);
                rte_fib_lookup_bulk(fib, ips, nh, BATCH);
                sink += nh[0];
            }
            a = now_ns();
            for (uint32_t i = 0; i < NQ; i += BATCH) {
                memcpy(ips, q + i, sizeof ips);
                rte_fib_lookup_bulk(fib, ips, nh, BATCH);
                sink += nh[0];
            }
            r[4][s][rd] = (now_ns() - a) / NQ;
#endif
        }
    }
    /* updates: delete and re-add 100,000 random prefixes */
    size_t nu = n < 100000 ? n : 100000;
    t0 = now_ns();
    for (size_t i = 0; i < nu; i++) {
        size_t k = (i * 7919u) % n;
        txp_fib_lpm_del(l, t[k].p, t[k].l);
        txp_fib_lpm_add(l, t[k].p, t[k].l, (uint32_t)k);
    }
    double txp_upd = 2.0 * (double)nu / ((now_ns() - t0) / 1e9);
    double lpm_upd = 0;
#ifdef TXP_BENCH_HAVE_DPDK
    t0 = now_ns();
    for (size_t i = 0; i < nu; i++) {
        size_t k = (i * 7919u) % n;
        rte_lpm_delete(lpm, t[k].p, t[k].l);
        rte_lpm_add(lpm, t[k].p, t[k].l, (uint32_t)k);
    }
    lpm_upd = 2.0 * (double)nu / ((now_ns() - t0) / 1e9);
#endif
    const char *sn[2] = {"random", "skewed"};
    for (int s = 0; s < 2; s++) {
        double ts = median(r[0][s], R), tb = median(r[1][s], R), tc = median(r[5][s], R);
        double ls = 0, lb = 0, fb = 0;
#ifdef TXP_BENCH_HAVE_DPDK
        ls = median(r[2][s], R);
        lb = median(r[3][s], R);
        fb = median(r[4][s], R);
#endif
        char m1[64], m2[64], m3[64];
        snprintf(m1, sizeof m1, "lookups/s single, %s", sn[s]);
        snprintf(m2, sizeof m2, "lookups/s bulk %d, %s", BATCH, sn[s]);
        snprintf(m3, sizeof m3, "rte_fib bulk %d, %s", BATCH, sn[s]);
        add_row("txpath", m1, "Mlookups/s", 1e3 / ts, ls ? 1e3 / ls : 0);
        add_row("txpath", m2, "Mlookups/s", 1e3 / tb, lb ? 1e3 / lb : 0);
        snprintf(m1, sizeof m1, "lookups/s single call, %s", sn[s]);
        add_row("txpath", m1, "Mlookups/s", 1e3 / tc, ls ? 1e3 / ls : 0);
        if (fb)
            add_row("rte_fib", m3, "Mlookups/s", 1e3 / fb, lb ? 1e3 / lb : 0);
    }
    add_row("txpath", "memory", "MB", txp_mem / 1048576.0, 0);
#ifdef TXP_BENCH_HAVE_DPDK
    rows[nrows - 1].peer = lpm_mem / 1048576.0;
    add_row("rte_fib", "memory", "MB", fib_mem / 1048576.0, lpm_mem / 1048576.0);
    add_row("txpath", "route inserts/s (load)", "M/s", txp_ins / 1e6, lpm_ins / 1e6);
    add_row("rte_fib", "route inserts/s (load)", "M/s", fib_ins / 1e6, lpm_ins / 1e6);
#else
    add_row("txpath", "route inserts/s (load)", "M/s", txp_ins / 1e6, 0);
#endif
    add_row("txpath", "route updates/s", "M/s", txp_upd / 1e6, lpm_upd / 1e6);
    printf("%-8s %-30s %12s %12s %8s   (peer: rte_lpm)\n", "impl", "measurement", "value",
           "rte_lpm", "ratio");
    FILE *jf = json ? fopen(json, "w") : NULL;
    for (int i = 0; i < nrows; i++) {
        const struct row *w = &rows[i];
        double ratio = w->peer ? w->value / w->peer : 0;
        printf("%-8s %-30s %9.2f %-3s %9.2f %-3s %7.2fx\n", w->name, w->metric, w->value,
               !strcmp(w->unit, "MB") ? "MB" : "M/s", w->peer,
               !strcmp(w->unit, "MB") ? "MB" : "M/s", ratio);
        if (jf)
            fprintf(jf,
                    "{\"bench\": \"fib_lpm_%s\", \"metric\": \"%s\", \"value\": %.4f, \"unit\": "
                    "\"%s\", \"peer\": \"rte_lpm\", \"peer_value\": %.4f, \"ratio\": %.4f}\n",
                    w->name, w->metric, w->value, w->unit, w->peer, ratio);
    }
    struct txp_fib_lpm_mem m2;
    txp_fib_lpm_memory(l, &m2);
    printf("txpath memory: %.1f MB read by lookups + %.1f MB of prefixes kept for updates + %.1f "
           "MB spare in the node and leaf arrays\n",
           (double)m2.lookup / 1048576.0, (double)m2.control / 1048576.0,
           (double)m2.spare / 1048576.0);
    if (jf)
        fclose(jf);
    txp_fib_lpm_destroy(l);
    free(t);
    free(qr);
    free(qs);
    free(out);
    free(ref);
    return sink == 42 ? 3 : 0;
}
