/* SPDX-License-Identifier: MIT */
/*
 * txpath ip: IP ID selection (include/net/ip.h ip_select_ident_segs, net/ipv4/route.c
 * __ip_select_ident and ip_idents_reserve).
 *
 * The shared generator is an array of bucket counters with one timestamp (jiffies) each:
 *
 *   bucket = SipHash-2-4(key, daddr | saddr | proto) & (buckets - 1)
 *   if the bucket was last used at an earlier jiffy:
 *       counter += uniform random below (jiffies elapsed)      -- hides the send rate
 *   counter += segs; the packet gets (counter - segs) & 0xFFFF
 *
 * The key, the bucket start values and the jumps come from a txp_rng seeded by the caller, so a
 * run reproduces bit for bit; jiffies are now_ns at HZ 250 (the fact sheet's machine). Linux
 * keys siphash_3u32 with a per-netns key; ours hashes the same three words as 12 little-endian
 * bytes. The key is random in both, so no ID value is comparable with the kernel's, only the
 * structure (one counter per destination, consecutive IDs, the idle jump).
 *
 * Entry points: txp_ip_ident_memsize/init/create/destroy, txp_ip_ident_reserve, and the
 * unconnected-socket rule txp_ip__ident_unconnected (policy LINUX vs HASH_ALWAYS, see ip.h).
 *
 * Reference: J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast short-input PRF" (2012).
 */
#include <string.h>

#include "ip_int.h"

struct txp_ip_ident {
    uint64_t k0, k1;    /* hash key */
    struct txp_rng rng; /* jumps */
    uint32_t mask;      /* buckets - 1 */
    enum txp_ip_id_policy policy;
    struct txp_alloc alloc; /* used by destroy when owned */
    bool owned;
    uint32_t *counter; /* buckets entries (atomic_t ip_idents) */
    uint32_t *tstamp;  /* buckets entries (ip_tstamps), jiffies of last use */
};

#define NS_PER_JIFFY (1000000000ull / TXP_IP_HZ)

static uint64_t
rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64u - b));
}

/* One SipRound over the four state words. */
static void
sipround(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl64(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl64(v[0], 32);
    v[2] += v[3];
    v[3] = rotl64(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl64(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl64(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl64(v[2], 32);
}

/* SipHash-2-4 of a 12-byte message made of three 32-bit words (little-endian layout). */
static uint64_t
siphash_3u32(uint64_t k0, uint64_t k1, uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    uint64_t m0 = (uint64_t)a | ((uint64_t)b << 32);
    /* Last block: the 4 remaining bytes and the message length (12) in the top byte. */
    uint64_t m1 = (uint64_t)c | ((uint64_t)12 << 56);

    v[3] ^= m0;
    sipround(v);
    sipround(v);
    v[0] ^= m0;
    v[3] ^= m1;
    sipround(v);
    sipround(v);
    v[0] ^= m1;
    v[2] ^= 0xff;
    sipround(v);
    sipround(v);
    sipround(v);
    sipround(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t
cfg_buckets(const struct txp_ip_ident_config *cfg)
{
    return cfg->buckets != 0 ? cfg->buckets : TXP_IP_IDENTS_DEFAULT;
}

static bool
cfg_valid(const struct txp_ip_ident_config *cfg)
{
    uint32_t b;

    if (cfg == NULL)
        return false;
    b = cfg_buckets(cfg);
    if (b > 65536u || (b & (b - 1u)) != 0)
        return false;
    return cfg->policy == TXP_IP_ID_HASH_ALWAYS || cfg->policy == TXP_IP_ID_LINUX;
}

size_t
txp_ip_ident_memsize(const struct txp_ip_ident_config *cfg)
{
    if (!cfg_valid(cfg))
        return 0;
    return sizeof(struct txp_ip_ident) + (size_t)cfg_buckets(cfg) * 2u * sizeof(uint32_t);
}

int
txp_ip_ident_init(void *mem, size_t len, const struct txp_ip_ident_config *cfg,
                  struct txp_ip_ident **out)
{
    struct txp_ip_ident *g;
    size_t need = txp_ip_ident_memsize(cfg);
    uint32_t b;

    if (need == 0 || mem == NULL || out == NULL || len < need || ((uintptr_t)mem & 7u) != 0)
        return TXP_EINVAL;
    b = cfg_buckets(cfg);
    g = mem;
    memset(g, 0, sizeof(*g));
    txp_rng_seed(&g->rng, cfg->seed);
    g->k0 = txp_rng_u64(&g->rng);
    g->k1 = txp_rng_u64(&g->rng);
    g->mask = b - 1u;
    g->policy = cfg->policy;
    g->counter = (uint32_t *)(void *)(g + 1);
    g->tstamp = g->counter + b;
    /* Linux fills ip_idents with random bytes and zeroes ip_tstamps. */
    for (uint32_t i = 0; i < b; i++) {
        g->counter[i] = txp_rng_u32(&g->rng);
        g->tstamp[i] = 0;
    }
    *out = g;
    return TXP_OK;
}

int
txp_ip_ident_create(const struct txp_ip_ident_config *cfg, const struct txp_alloc *a,
                    struct txp_ip_ident **out)
{
    size_t need = txp_ip_ident_memsize(cfg);
    void *mem;
    int rc;

    if (need == 0 || out == NULL)
        return TXP_EINVAL;
    mem = txp_alloc_mem(a, need, 8);
    if (mem == NULL)
        return TXP_ENOMEM;
    rc = txp_ip_ident_init(mem, need, cfg, out);
    if (rc != TXP_OK) {
        txp_free(a, mem);
        return rc;
    }
    (*out)->owned = true;
    if (a != NULL)
        (*out)->alloc = *a;
    return TXP_OK;
}

void
txp_ip_ident_destroy(struct txp_ip_ident *g)
{
    struct txp_alloc a;

    if (g == NULL || !g->owned)
        return;
    a = g->alloc;
    txp_free(a.alloc != NULL ? &a : NULL, g);
}

uint16_t
txp_ip_ident_reserve(struct txp_ip_ident *g, uint32_t saddr, uint32_t daddr, uint8_t proto,
                     uint16_t segs, uint64_t now_ns)
{
    uint32_t h = (uint32_t)siphash_3u32(g->k0, g->k1, daddr, saddr, proto);
    uint32_t i = h & g->mask;
    uint32_t now = (uint32_t)(now_ns / NS_PER_JIFFY);
    uint32_t old = g->tstamp[i];
    uint32_t delta = 0;

    if (segs == 0)
        segs = 1;
    if (old != now) {
        /* get_random_u32_below(now - old): a multiply-shift of 32 random bits. */
        g->tstamp[i] = now;
        delta = (uint32_t)(((uint64_t)txp_rng_u32(&g->rng) * (uint32_t)(now - old)) >> 32);
    }
    g->counter[i] += (uint32_t)segs + delta;
    return (uint16_t)(g->counter[i] - segs);
}

uint16_t
txp_ip__ident_unconnected(struct txp_ip_ident *g, uint32_t saddr, uint32_t daddr, uint8_t proto,
                          bool df, bool ignore_df, uint16_t segs, uint64_t now_ns)
{
    if (g->policy == TXP_IP_ID_LINUX && df && !ignore_df)
        return 0;
    return txp_ip_ident_reserve(g, saddr, daddr, proto, segs, now_ns);
}
