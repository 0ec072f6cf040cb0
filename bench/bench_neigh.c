/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: the neighbour table with 100,000 resolved entries.
 *
 *  - lookups/s: txp_neigh_lookup() of random present addresses;
 *  - packets/s through the resolved fast path: txp_neigh_output() to a PERMANENT entry, which
 *    looks the entry up, pushes the Ethernet header and hands the frame to the xmit callback
 *    (the callback pulls the header off again so the packet is reused, no allocation);
 * each against a plain baseline measured in the same run: an open-addressing hash table of
 * (ifindex, address) -> MAC with a multiplicative hash (the lookup), plus a 14-byte header
 * write into the packet (the fast path). Addresses come from a seeded xorshift, interleaved
 * rounds, median reported; ratio = txpath ns / baseline ns.
 *
 * Options: --quick, --json FILE. Exit: 0 ok, 1 wrong result, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/neigh.h"

#define N_ENT 100000u
#define NQ 131072u /* random present addresses: the whole table is touched */
#define ROUNDS 9

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t sink;
static struct txp_pkt *fast_pkt;

static void
on_xmit(void *ctx, uint32_t ifindex, struct txp_pkt *p, uint64_t t)
{
    (void)ctx;
    (void)ifindex;
    (void)t;
    sink += txp_pkt_data(p)[5];
    txp_pkt_pull(p, 14);
    fast_pkt = p;
}

static void
on_drop(void *ctx, struct txp_pkt *p, int err, uint64_t t)
{
    (void)ctx;
    (void)err;
    (void)t;
    fast_pkt = p;
    sink = ~0ull; /* never expected */
}

/* the baseline: open addressing, 2^18 slots */
struct slot {
    uint64_t key;
    uint8_t mac[6];
    uint8_t used;
};
#define HBITS 18
static struct slot *ht;

static uint32_t
hkey(uint64_t k)
{
    return (uint32_t)((k * 0x9E3779B97F4A7C15ull) >> (64 - HBITS));
}

static const struct slot *
hlook(uint64_t k)
{
    for (uint32_t i = hkey(k);; i = (i + 1) & ((1u << HBITS) - 1)) {
        if (!ht[i].used)
            return NULL;
        if (ht[i].key == k)
            return &ht[i];
    }
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
            fprintf(stderr, "usage: %s [--quick] [--json FILE]\n", argv[0]);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    struct txp_pkt_pool_config pc = {64, 256};
    struct txp_pkt_pool *pool = NULL;
    if (txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        return 2;
    struct txp_neigh_config c;
    txp_neigh_config_default(&c);
    c.pool = pool;
    c.gc_thresh1 = c.gc_thresh2 = c.gc_thresh3 = 4 * N_ENT;
    c.io = (struct txp_neigh_io){NULL, on_xmit, on_drop};
    struct txp_neigh *n = NULL;
    if (txp_neigh_create(&c, NULL, &n) != TXP_OK)
        return 2;
    struct txp_neigh_dev d;
    memset(&d, 0, sizeof d);
    d.ifindex = 2;
    strcpy(d.name, "eth0");
    d.mac[0] = 2;
    d.naddr = 1;
    d.addr[0] = 0x0A000001u;
    d.plen[0] = 8;
    txp_neigh_parms_default(&d.parms);
    txp_neigh_dev_add(n, &d, 0);
    ht = calloc(1u << HBITS, sizeof *ht);
    uint32_t *ips = malloc(N_ENT * sizeof *ips);
    uint32_t *q = malloc(NQ * sizeof *q);
    if (!ht || !ips || !q)
        return 2;
    for (uint32_t i = 0; i < N_ENT; i++) {
        ips[i] = 0x0A100000u + i * 7u;
        uint8_t mac[6] = {2, 1, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, 9};
        if (txp_neigh_add(n, 2, ips[i], mac, TXP_NUD_PERMANENT, 0) != TXP_OK)
            return 2;
        uint64_t k = (uint64_t)2 << 32 | ips[i];
        uint32_t h = hkey(k);
        while (ht[h].used)
            h = (h + 1) & ((1u << HBITS) - 1);
        ht[h].key = k;
        memcpy(ht[h].mac, mac, 6);
        ht[h].used = 1;
    }
    uint64_t x = 88172645463325252ull;
    for (uint32_t i = 0; i < NQ; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        q[i] = ips[x % N_ENT];
    }
    fast_pkt = txp_pkt_alloc(pool);
    memset(txp_pkt_put(fast_pkt, 60), 0, 60);
    uint64_t iters = quick ? 200000 : 4000000;
    double r[4][ROUNDS];
    int bad = 0;
    for (int rd = 0; rd < ROUNDS; rd++) {
        /* 0: txpath lookup */
        double t = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
            struct txp_neigh_info in;
            if (txp_neigh_lookup(n, 2, q[i & (NQ - 1)], &in) != TXP_OK)
                bad = 1;
            sink += in.mac[4];
        }
        r[0][rd] = (now_ns() - t) / (double)iters;
        /* 1: baseline lookup */
        t = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
            const struct slot *s = hlook((uint64_t)2 << 32 | q[i & (NQ - 1)]);
            if (!s)
                bad = 1;
            else
                sink += s->mac[4];
        }
        r[1][rd] = (now_ns() - t) / (double)iters;
        /* 2: txpath fast path */
        t = now_ns();
        for (uint64_t i = 0; i < iters; i++)
            if (txp_neigh_output(n, fast_pkt, 2, q[i & (NQ - 1)], 1) != TXP_OK)
                bad = 1;
        r[2][rd] = (now_ns() - t) / (double)iters;
        /* 3: baseline: lookup + header write */
        t = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
            const struct slot *s = hlook((uint64_t)2 << 32 | q[i & (NQ - 1)]);
            uint8_t *h = txp_pkt_push(fast_pkt, 14);
            if (!s || !h) {
                bad = 1;
                continue;
            }
            memcpy(h, s->mac, 6);
            memcpy(h + 6, d.mac, 6);
            h[12] = 8;
            h[13] = 0;
            sink += h[5];
            txp_pkt_pull(fast_pkt, 14);
        }
        r[3][rd] = (now_ns() - t) / (double)iters;
    }
    double med[4];
    for (int k = 0; k < 4; k++) {
        qsort(r[k], ROUNDS, sizeof(double), cmp_d);
        med[k] = r[k][ROUNDS / 2];
    }
    printf("neighbour table, %u resolved entries, random present addresses\n", N_ENT);
    printf("%-26s %10s %12s %8s\n", "measurement", "ns/op", "Mops/s", "ratio");
    printf("%-26s %10.2f %12.2f %8.2f\n", "txp_neigh_lookup", med[0], 1e3 / med[0],
           med[0] / med[1]);
    printf("%-26s %10.2f %12.2f %8s\n", "baseline hash lookup", med[1], 1e3 / med[1], "1.00");
    printf("%-26s %10.2f %12.2f %8.2f\n", "txp_neigh_output (fast)", med[2], 1e3 / med[2],
           med[2] / med[3]);
    printf("%-26s %10.2f %12.2f %8s\n", "baseline lookup+header", med[3], 1e3 / med[3], "1.00");
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f)
            return 2;
        fprintf(f,
                "{\"bench\": \"neigh_lookup\", \"metric\": \"lookup 100k entries\", \"value\": "
                "%.3f, \"unit\": \"ns\", \"peer\": \"open_addressing_hash\", \"peer_value\": "
                "%.3f, \"ratio\": %.4f}\n",
                med[0], med[1], med[0] / med[1]);
        fprintf(f,
                "{\"bench\": \"neigh_output\", \"metric\": \"resolved fast path\", \"value\": "
                "%.3f, \"unit\": \"ns\", \"peer\": \"hash_lookup_plus_header\", \"peer_value\": "
                "%.3f, \"ratio\": %.4f}\n",
                med[2], med[3], med[2] / med[3]);
        fclose(f);
    }
    txp_pkt_free(fast_pkt);
    txp_neigh_destroy(n, 0);
    txp_pkt_pool_destroy(pool);
    free(ht);
    free(ips);
    free(q);
    if (bad || sink == ~0ull) {
        fprintf(stderr, "bench_neigh: a lookup or a send failed\n");
        return 1;
    }
    return 0;
}
