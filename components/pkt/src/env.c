/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: the injected environment (clock value, seeded PRNG, log sink).
 *
 * PRNG: xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators",
 * 2018): 256 bits of state, period 2^256 - 1, passes BigCrush. The all-zero state is its only
 * fixed point, so the seed is expanded through splitmix64 (Steele, Lea and Flood, 2014), whose
 * outputs are a bijection of a Weyl sequence: four consecutive outputs can never all be zero,
 * and every 64-bit seed, 0 included, gives a distinct valid state.
 *
 * txp_rng_below() uses Lemire's multiply-and-reject ("Fast random integer generation in an
 * interval", 2019): the high 32 bits of x * n are uniform over [0, n) once the few values whose
 * low half falls below 2^32 mod n are rejected. It needs one multiplication and, for most n,
 * no division at all.
 *
 * Logging formats into a 513-byte stack buffer (512 characters and the terminator), strips
 * trailing newlines, and calls the sink. Nothing here reads the system clock or keeps state
 * outside the caller's objects; the stderr sink is a constant function table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "txpath/env.h"
#include "txpath/err.h"

#define TXP_LOG_LINE_MAX 512

static uint64_t
splitmix64_next(uint64_t *x)
{
    uint64_t z;

    *x += 0x9E3779B97F4A7C15ull;
    z = *x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t
rotl64(uint64_t x, unsigned k)
{
    return (x << k) | (x >> (64u - k));
}

void
txp_rng_seed(struct txp_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    size_t i;

    TXP_ASSERT(r != NULL);
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64_next(&x);
}

uint64_t
txp_rng_u64(struct txp_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5u, 7) * 9u;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

uint32_t
txp_rng_u32(struct txp_rng *r)
{
    return (uint32_t)(txp_rng_u64(r) >> 32);
}

uint32_t
txp_rng_below(struct txp_rng *r, uint32_t n)
{
    uint64_t m;
    uint32_t low;

    if (n == 0)
        return 0;
    m = (uint64_t)txp_rng_u32(r) * n;
    low = (uint32_t)m;
    if (low < n) {
        /* 2^32 mod n, computed in 32 bits as (2^32 - n) mod n. */
        uint32_t threshold = (uint32_t)(0u - n) % n;

        while (low < threshold) {
            m = (uint64_t)txp_rng_u32(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void
txp_env_init(struct txp_env *env, uint64_t seed, uint64_t now_ns)
{
    TXP_ASSERT(env != NULL);
    memset(env, 0, sizeof(*env));
    env->now_ns = now_ns;
    txp_rng_seed(&env->rng, seed);
    env->log = NULL;
    env->log_max = TXP_LOG_INFO;
}

void
txp_log(const struct txp_env *env, enum txp_log_level level, const char *component, const char *fmt,
        ...)
{
    char line[TXP_LOG_LINE_MAX + 1];
    va_list ap;
    size_t n;
    int rc;

    if (env == NULL || env->log == NULL || env->log->fn == NULL || level > env->log_max ||
        fmt == NULL)
        return;
    va_start(ap, fmt);
    rc = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (rc < 0)
        return;
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    env->log->fn(env->log, level, component != NULL ? component : "", line);
}

static const char *
txp_log_level_name(enum txp_log_level level)
{
    switch (level) {
    case TXP_LOG_ERROR:
        return "error";
    case TXP_LOG_WARN:
        return "warn";
    case TXP_LOG_INFO:
        return "info";
    case TXP_LOG_DEBUG:
        return "debug";
    default:
        return "log";
    }
}

static void
txp_log_stderr_fn(struct txp_log_sink *self, enum txp_log_level level, const char *component,
                  const char *msg)
{
    (void)self;
    fprintf(stderr, "%s %s: %s\n", txp_log_level_name(level), component, msg);
}

struct txp_log_sink *
txp_log_sink_stderr(void)
{
    /* Never written: the sink has no state, only its function pointer. */
    static struct txp_log_sink sink = {txp_log_stderr_fn};

    return &sink;
}
