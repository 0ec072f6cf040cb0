/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: a ClassBench-like generator of 5-tuple rule sets and matching packet traces
 * (deterministic, seeded), for bench_ipt.c. Written from the ClassBench paper's description
 * (D. E. Taylor, J. S. Turner, "ClassBench: a packet classification benchmark", INFOCOM 2005)
 * with its own, simpler parameters; no ClassBench seed file or code is used.
 *
 * Three styles, as ClassBench's seed families:
 *   acl  access-control lists: specific source and destination prefixes (many /32 and /24-/31),
 *        mostly TCP/UDP, destination ports exact (well-known) or ranges, source port wildcard;
 *   fw   firewalls: many wildcard addresses and protocols, wide port ranges (1024:65535,
 *        0:1023, arbitrary), exact destination ports;
 *   ipc  IP chains: a mix of both with more exact source ports.
 * Addresses are drawn around a pool of "sites" (a few dozen /8-/16 bases, extended by random
 * bits), so prefixes nest and overlap as in real sets. Each rule gets ACCEPT or DROP.
 * A trace packet copies a random rule's box (a random value in each range; the header of a
 * real TCP/UDP/ICMP packet) with probability 0.95, and is uniformly random otherwise.
 *
 * Everything is static so the header is included once by the bench and by tools.
 */
#ifndef TXP_BENCH_IPT_GEN_H
#define TXP_BENCH_IPT_GEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum gen_style { GEN_ACL = 0, GEN_FW, GEN_IPC };

/** One abstract 5-tuple rule (host order); proto 0 = any; ports inclusive ranges. */
struct gen_rule {
    uint32_t src, dst;
    uint8_t slen, dlen;
    uint8_t proto;
    uint8_t accept;
    uint16_t sp_lo, sp_hi, dp_lo, dp_hi;
};

struct gen_rng {
    uint64_t s;
};

static uint32_t
gen_next(struct gen_rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (uint32_t)((r->s * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint32_t
gen_below(struct gen_rng *r, uint32_t n)
{
    return (uint32_t)(((uint64_t)gen_next(r) * n) >> 32);
}

struct gen_plen {
    uint8_t lo, hi;  /* prefix lengths drawn uniformly in [lo, hi] */
    uint16_t permil; /* share */
};

struct gen_params {
    struct gen_plen src[4], dst[4];
    uint16_t p_tcp, p_udp, p_icmp; /* per mille; the rest: any protocol */
    /* port kinds per mille: wildcard, 1024:65535, 0:1023, exact, arbitrary range */
    uint16_t sp[5], dp[5];
    uint16_t p_accept;
};

static const struct gen_params gen_style_params[3] = {
    /* acl */
    {{{32, 32, 400}, {24, 31, 300}, {16, 23, 200}, {0, 0, 100}},
     {{32, 32, 550}, {24, 31, 250}, {16, 23, 150}, {0, 0, 50}},
     700,
     250,
     30,
     {950, 50, 0, 0, 0},
     {150, 100, 0, 550, 200},
     600},
    /* fw */
    {{{0, 0, 500}, {8, 16, 200}, {24, 32, 300}, {0, 0, 0}},
     {{0, 0, 300}, {24, 32, 400}, {16, 23, 300}, {0, 0, 0}},
     400,
     300,
     0,
     {700, 150, 100, 0, 50},
     {200, 150, 0, 400, 250},
     500},
    /* ipc */
    {{{0, 0, 200}, {8, 16, 200}, {17, 24, 300}, {25, 32, 300}},
     {{0, 0, 200}, {8, 16, 200}, {17, 24, 300}, {25, 32, 300}},
     450,
     350,
     100,
     {500, 100, 100, 200, 100},
     {300, 100, 50, 450, 100},
     500},
};

static const uint16_t gen_ports[] = {20,  21,  22,   23,   25,   53,   67,   69,   80,   110,
                                     123, 137, 143,  161,  179,  389,  443,  445,  514,  636,
                                     993, 995, 1433, 1521, 1723, 3306, 3389, 5060, 8080, 8443};

static uint8_t
gen_plen_pick(struct gen_rng *r, const struct gen_plen *p)
{
    uint32_t x = gen_below(r, 1000), acc = 0;
    for (int i = 0; i < 4; i++) {
        acc += p[i].permil;
        if (x < acc)
            return (uint8_t)(p[i].lo + gen_below(r, (uint32_t)(p[i].hi - p[i].lo + 1)));
    }
    return 0;
}

static uint32_t
gen_addr(struct gen_rng *r, const uint32_t *sites, uint32_t nsites, uint8_t len)
{
    if (len == 0)
        return 0;
    uint32_t base = sites[gen_below(r, nsites)];
    /* keep the site's first 8..16 bits, randomise the rest, then cut to the prefix */
    uint32_t keep = 8 + gen_below(r, 9);
    uint32_t km = 0xFFFFFFFFu << (32 - keep);
    uint32_t a = (base & km) | (gen_next(r) & ~km);
    return len == 32 ? a : a & (0xFFFFFFFFu << (32 - len));
}

static void
gen_ports_pick(struct gen_rng *r, const uint16_t *kinds, uint16_t *lo, uint16_t *hi)
{
    uint32_t x = gen_below(r, 1000), acc = 0, k = 0;
    for (k = 0; k < 5; k++) {
        acc += kinds[k];
        if (x < acc)
            break;
    }
    switch (k) {
    case 1:
        *lo = 1024, *hi = 65535;
        break;
    case 2:
        *lo = 0, *hi = 1023;
        break;
    case 3:
        *lo = *hi = gen_ports[gen_below(r, sizeof gen_ports / sizeof gen_ports[0])];
        break;
    case 4: {
        uint16_t a = (uint16_t)gen_below(r, 65536), w = (uint16_t)(1u << gen_below(r, 14));
        *lo = a;
        *hi = (uint16_t)(a + w < 65536 ? a + w : 65535);
        break;
    }
    default:
        *lo = 0, *hi = 65535;
        break;
    }
}

/* floor(log2(w)) for w >= 1 */
static uint32_t
gen_log2_width(uint32_t w)
{
    uint32_t l = 0;
    while (w > 1) {
        w >>= 1;
        l++;
    }
    return l;
}

/** Generate @p n rules of @p style from @p seed into @p out. */
static void
gen_rules(enum gen_style style, uint32_t n, uint64_t seed, struct gen_rule *out)
{
    const struct gen_params *p = &gen_style_params[style];
    struct gen_rng r = {seed * 0x9E3779B97F4A7C15ull + 1 + (uint64_t)style};
    uint32_t sites[48];
    for (int i = 0; i < 48; i++)
        sites[i] = (1u + gen_below(&r, 223)) << 24 | gen_next(&r) >> 8;
    for (uint32_t i = 0; i < n; i++) {
        struct gen_rule *g = &out[i];
        memset(g, 0, sizeof *g);
        g->slen = gen_plen_pick(&r, p->src);
        g->dlen = gen_plen_pick(&r, p->dst);
        g->src = gen_addr(&r, sites, 24, g->slen); /* sources and destinations: own sites */
        g->dst = gen_addr(&r, sites + 24, 24, g->dlen);
        uint32_t x = gen_below(&r, 1000), t1 = p->p_tcp, t2 = t1 + p->p_udp, t3 = t2 + p->p_icmp;
        g->proto = x < t1 ? 6 : x < t2 ? 17 : x < t3 ? 1 : 0;
        g->sp_lo = 0, g->sp_hi = 65535, g->dp_lo = 0, g->dp_hi = 65535;
        if (g->proto == 6 || g->proto == 17) {
            gen_ports_pick(&r, p->sp, &g->sp_lo, &g->sp_hi);
            gen_ports_pick(&r, p->dp, &g->dp_lo, &g->dp_hi);
        }
        g->accept = gen_below(&r, 1000) < p->p_accept;
    }
    /* Most specific first, as administrators order rules (a broad rule above narrower ones
     * would shadow them); a random jitter keeps rules of similar weight mixed. Insertion sort
     * over buckets: scores are small integers. */
    uint32_t *score = (uint32_t *)malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    struct gen_rule *tmp = (struct gen_rule *)malloc((size_t)(n ? n : 1) * sizeof *tmp);
    if (!score || !tmp) {
        free(score);
        free(tmp);
        return;
    }
    uint32_t hist[160] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const struct gen_rule *g = &out[i];
        uint32_t s = (uint32_t)g->slen + g->dlen + (g->proto ? 8u : 0u);
        s += 16u - gen_log2_width((uint32_t)g->sp_hi - g->sp_lo + 1u);
        s += 16u - gen_log2_width((uint32_t)g->dp_hi - g->dp_lo + 1u);
        s += gen_below(&r, 12);
        score[i] = 159u - (s > 159u ? 159u : s);
        hist[score[i]]++;
    }
    uint32_t start[160], acc = 0;
    for (int b = 0; b < 160; b++) {
        start[b] = acc;
        acc += hist[b];
    }
    for (uint32_t i = 0; i < n; i++)
        tmp[start[score[i]]++] = out[i];
    memcpy(out, tmp, (size_t)n * sizeof *tmp);
    free(score);
    free(tmp);
}

static uint32_t
gen_in(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
    if (lo == 0 && hi == 0xFFFFFFFFu)
        return gen_next(r);
    return lo + gen_below(r, hi - lo + 1);
}

/** Packet length of trace packets (IP total length): 40 TCP, 28 UDP and ICMP, 20 + 8 other. */
#define GEN_PKT_LEN 40

/** Write @p n packets (GEN_PKT_LEN bytes each, IPv4 + L4 header) matching @p rules. */
static void
gen_trace(const struct gen_rule *rules, uint32_t nr, uint32_t n, uint64_t seed, uint8_t *pkts)
{
    struct gen_rng r = {seed * 0xD1B54A32D192ED03ull + 7};
    static const uint8_t protos[] = {6, 17, 1, 47};
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = pkts + (size_t)i * GEN_PKT_LEN;
        uint32_t src, dst, sp, dp;
        uint8_t proto;
        if (gen_below(&r, 100) < 95 && nr > 0) {
            const struct gen_rule *g = &rules[gen_below(&r, nr)];
            uint32_t sm = g->slen ? 0xFFFFFFFFu << (32 - g->slen) : 0;
            uint32_t dm = g->dlen ? 0xFFFFFFFFu << (32 - g->dlen) : 0;
            src = g->src | (gen_next(&r) & ~sm);
            dst = g->dst | (gen_next(&r) & ~dm);
            proto = g->proto ? g->proto : protos[gen_below(&r, 4)];
            sp = gen_in(&r, g->sp_lo, g->sp_hi);
            dp = gen_in(&r, g->dp_lo, g->dp_hi);
        } else {
            src = gen_next(&r);
            dst = gen_next(&r);
            proto = protos[gen_below(&r, 4)];
            sp = gen_below(&r, 65536);
            dp = gen_below(&r, 65536);
        }
        memset(p, 0, GEN_PKT_LEN);
        uint16_t tot = proto == 6 ? 40 : 28;
        p[0] = 0x45;
        p[2] = (uint8_t)(tot >> 8);
        p[3] = (uint8_t)tot;
        p[4] = (uint8_t)(i >> 8);
        p[5] = (uint8_t)i;
        p[6] = 0x40; /* DF */
        p[8] = 64;
        p[9] = proto;
        for (int b = 0; b < 4; b++) {
            p[12 + b] = (uint8_t)(src >> (24 - 8 * b));
            p[16 + b] = (uint8_t)(dst >> (24 - 8 * b));
        }
        uint32_t sum = 0;
        for (int b = 0; b < 20; b += 2)
            sum += (uint32_t)p[b] << 8 | p[b + 1];
        while (sum >> 16)
            sum = (sum & 0xFFFF) + (sum >> 16);
        p[10] = (uint8_t)(~sum >> 8);
        p[11] = (uint8_t)~sum;
        uint8_t *l4 = p + 20;
        if (proto == 1) {
            l4[0] = 8; /* echo request */
        } else {
            l4[0] = (uint8_t)(sp >> 8);
            l4[1] = (uint8_t)sp;
            l4[2] = (uint8_t)(dp >> 8);
            l4[3] = (uint8_t)dp;
            if (proto == 6) {
                l4[12] = 0x50; /* data offset 5 */
                l4[13] = 0x10; /* ACK */
                l4[14] = 0xFF;
            } else if (proto == 17) {
                l4[5] = 8;
            }
        }
    }
}

#endif /* TXP_BENCH_IPT_GEN_H */
