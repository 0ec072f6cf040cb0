/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: a compressed multibit trie for IPv4 longest-prefix match (the fast path).
 *
 * Layout (Poptrie, Asai and Ohara, SIGCOMM 2015, with each node's values stored right after
 * it): a direct table of 2^18 entries, one per /18, each a value or a node of 64 slots
 * (strides of 6 bits: 18-23, 24-29, 30-31) holding two 64-bit maps -- which slots hold a
 * child, and where a run of equal values starts -- then its children and its runs' values.
 * A lookup of an address whose /18 has no prefix longer than /24 (nearly all of an Internet
 * table) is one direct read, then one read of a node that sits in one 64-byte line, a
 * popcount, and a read in that line.
 *
 * Updates: a prefix rebuilds the subtree of each /18 it touches (for /18 and shorter, every
 * /18 under it) into a fresh block and switches the direct entry; running out of memory
 * leaves the table as it was. Blocks freed by updates are reused, and the node heap is
 * compacted when its free words have grown by a sixteenth of those in use. Lookups see a
 * consistent structure between calls (not during one: no concurrent readers).
 *
 * Control data: prefixes of /17../32 are kept per /16 (6 bytes each) and /0../16 in direct
 * per-length tables, so a /18 is rebuilt from its own prefixes.
 *
 * Memory: with the default allocator on Linux, the node heap (megabytes at Internet scale) is
 * 2 MiB-aligned and advised for transparent huge pages.
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

/**
 * What lookups read; the first member of struct txp_fib_lpm, so the inline lookup can reach
 * it. Read-only for callers; valid until the next add, delete or destroy. Layout: lpm.c.
 */
struct txp_fib_lpm_view {
    const uint32_t *dir;  /**< 2^18 entries, one per /18 */
    const uint32_t *heap; /**< the nodes */
};

/** Memory in use, bytes. */
struct txp_fib_lpm_mem {
    size_t lookup;  /**< what lookups read: the direct table and the nodes */
    size_t control; /**< the prefixes kept to rebuild nodes, and scratch for rebuilding */
    size_t spare;   /**< heap allocated but not in use (free blocks, growth) */
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
 * Complexity: O(prefixes of the /16 + nodes rebuilt x 64) for /17../32; for /n <= 16,
 * O(2^(16-n)) /16s, and a rebuild of the /18s under them that hold longer prefixes; now and
 * then a compaction, O(size of the heap).
 */
int txp_fib_lpm_add(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen, uint32_t value);

/** Delete @p prefix/@p plen. @return TXP_OK, TXP_ENOENT, TXP_EINVAL, TXP_ENOMEM. */
int txp_fib_lpm_del(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen);

/** Longest match for @p addr. @return the value, or TXP_FIB_LPM_MISS. Complexity: O(1). */
uint32_t txp_fib_lpm_lookup(const struct txp_fib_lpm *l, uint32_t addr);

/**
 * txp_fib_lpm_lookup() inline, for callers that look up in a tight loop (as rte_lpm_lookup is
 * inline): a value in the direct table, or a node without children (nearly all /18s of an
 * Internet table), is read here; the rest through txp_fib_lpm_lookup(). It uses
 * __builtin_popcountll: compile the caller with POPCNT (-mpopcnt, or -march=x86-64-v2 and
 * newer) or it is slower than the function. Same answers.
 */
static inline uint32_t
txp_fib_lpm_lookup_inline(const struct txp_fib_lpm *l, uint32_t addr)
{
    const struct txp_fib_lpm_view *v = (const struct txp_fib_lpm_view *)(const void *)l;
    uint32_t e = v->dir[addr >> 14];
    if (e & 0x80000000u) /* a value */
        return e & 0x7FFFFFFFu;
    if (__builtin_expect((e & 0x40000000u) != 0, 0)) /* a node with children */
        return txp_fib_lpm_lookup(l, addr);
    const uint32_t *w = v->heap + e;
    uint64_t m = (2ull << ((addr >> 8) & 63u)) - 1u;
    return w[1 + (unsigned)__builtin_popcountll(((uint64_t)w[0] | (uint64_t)w[1] << 32) & m)];
}

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
