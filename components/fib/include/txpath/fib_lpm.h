/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: a compressed multibit trie for IPv4 longest-prefix match (the fast path).
 *
 * Layout (16-8-8 strides, Poptrie-style node compression): a direct table of 2^16 entries for
 * the first 16 bits; each entry is either a value or a level-1 node covering the next 8 bits;
 * a level-1 slot is either a value or a level-2 node for the last 8 bits. A node keeps two
 * 256-bit maps -- where a run of equal values starts, and which slots hold a child -- and only
 * the distinct runs and the children, so a lookup is one direct read, then per level one
 * popcount over a map and one read. Updates rebuild the one node a prefix falls into (or, for
 * prefixes of 16 bits or fewer, refresh the direct entries and the defaults of the nodes they
 * cover); lookups see a consistent structure between calls.
 *
 * Control data: prefixes of /17../24 are kept per /16 and /25../32 per /24, so a node is
 * rebuilt from its own prefixes; /0../16 live in direct per-length tables.
 */
#ifndef TXPATH_FIB_LPM_H
#define TXPATH_FIB_LPM_H

#include "txpath/alloc.h"
#include "txpath/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Value returned for an address no prefix covers. */
#define TXP_FIB_LPM_MISS 0xFFFFFFFFu
/** Largest value a prefix may carry (values are 31-bit). */
#define TXP_FIB_LPM_VALUE_MAX 0x7FFFFFFEu

struct txp_fib_lpm;

/** Memory in use, bytes. */
struct txp_fib_lpm_mem {
    size_t lookup;  /**< what lookups read: the direct table and the nodes */
    size_t control; /**< the prefixes kept to rebuild nodes */
};

/**
 * Create an empty table.
 * @return TXP_OK or TXP_ENOMEM. Ownership: *out owned; txp_fib_lpm_destroy().
 */
int txp_fib_lpm_create(const struct txp_alloc *a, struct txp_fib_lpm **out);

/** Destroy. NULL is a no-op. */
void txp_fib_lpm_destroy(struct txp_fib_lpm *l);

/**
 * Add or replace @p prefix/@p plen -> @p value (host order; host bits must be zero).
 * @return TXP_OK, TXP_EINVAL (bad prefix or value), TXP_ENOMEM (table unchanged).
 * Complexity: O(prefixes in the affected node + 256) for /17../32; for /n <= 16, O(2^(16-n))
 * direct entries plus a rebuild of every node under them.
 */
int txp_fib_lpm_add(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen, uint32_t value);

/** Delete @p prefix/@p plen. @return TXP_OK, TXP_ENOENT, TXP_EINVAL, TXP_ENOMEM. */
int txp_fib_lpm_del(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen);

/** Longest match for @p addr. @return the value, or TXP_FIB_LPM_MISS. Complexity: O(1). */
uint32_t txp_fib_lpm_lookup(const struct txp_fib_lpm *l, uint32_t addr);

/** Look up @p n addresses (software-pipelined with prefetches). */
void txp_fib_lpm_lookup_bulk(const struct txp_fib_lpm *l, const uint32_t *addr, uint32_t *out,
                             size_t n);

/** Number of prefixes. */
size_t txp_fib_lpm_count(const struct txp_fib_lpm *l);

/** Memory in use. */
void txp_fib_lpm_memory(const struct txp_fib_lpm *l, struct txp_fib_lpm_mem *m);

#ifdef __cplusplus
}
#endif
#endif /* TXPATH_FIB_LPM_H */
