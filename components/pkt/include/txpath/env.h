/* SPDX-License-Identifier: MIT */
/* txpath pkt: the injected environment: clock value, seeded PRNG, log sink. */
#ifndef TXP_ENV_H
#define TXP_ENV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A seeded pseudo-random generator (xoshiro256**, seeded through splitmix64). Every random
 * choice in txpath (IP ID secret, ARP jitter, netem) comes from one of these, so a run with the
 * same seed reproduces bit for bit.
 */
struct txp_rng {
    uint64_t s[4];
};

/**
 * Seed @p r. Any seed, 0 included, gives a valid non-zero state.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
void txp_rng_seed(struct txp_rng *r, uint64_t seed);

/** Next 64 random bits. Thread-safety: per object. Complexity: O(1). @return 64 bits. */
uint64_t txp_rng_u64(struct txp_rng *r);

/** Next 32 random bits (the high half of txp_rng_u64). @return 32 bits. Complexity: O(1). */
uint32_t txp_rng_u32(struct txp_rng *r);

/**
 * Uniform value in [0, n) without modulo bias (Lemire's method). n = 0 gives 0.
 * @return the value. Thread-safety: per object. Complexity: O(1) expected.
 */
uint32_t txp_rng_below(struct txp_rng *r, uint32_t n);

/** Log levels, most severe first. */
enum txp_log_level {
    TXP_LOG_ERROR = 0,
    TXP_LOG_WARN = 1,
    TXP_LOG_INFO = 2,
    TXP_LOG_DEBUG = 3,
};

/**
 * A log sink (closure struct): embed it in your own struct and recover it with container_of.
 * @p msg is one formatted line without trailing newline, valid only during the call.
 */
struct txp_log_sink {
    void (*fn)(struct txp_log_sink *self, enum txp_log_level level, const char *component,
               const char *msg);
};

/**
 * The environment. Components receive a pointer at create/init time and keep it (borrowed):
 * the caller advances now_ns and owns the PRNG. No component reads the system clock or rand().
 */
struct txp_env {
    uint64_t now_ns;            /**< the injected clock: monotonic nanoseconds */
    struct txp_rng rng;         /**< the run's seeded PRNG */
    struct txp_log_sink *log;   /**< NULL: logging discarded */
    enum txp_log_level log_max; /**< messages above this level are discarded */
};

/**
 * Initialise an environment: clock at @p now_ns, PRNG seeded with @p seed, no log sink.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
void txp_env_init(struct txp_env *env, uint64_t seed, uint64_t now_ns);

/**
 * Log through the environment's sink, if any and if @p level <= log_max. Lines longer than
 * 512 bytes are truncated. @p env may be NULL.
 * Ownership: borrows. Thread-safety: per env. Complexity: O(len).
 */
void txp_log(const struct txp_env *env, enum txp_log_level level, const char *component,
             const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/**
 * A log sink writing "level component: msg" lines to stderr.
 * Ownership: returns static read-only-behaviour storage (no state). Thread-safety: safe.
 * @return the sink.
 */
struct txp_log_sink *txp_log_sink_stderr(void);

#ifdef __cplusplus
}
#endif
#endif /* TXP_ENV_H */
