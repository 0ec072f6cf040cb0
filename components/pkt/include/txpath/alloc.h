/* SPDX-License-Identifier: MIT */
/* txpath pkt: the allocator interface every create() takes, and a counting allocator for tests. */
#ifndef TXP_ALLOC_H
#define TXP_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An allocator. alloc returns memory aligned to @p align (a power of two, at most 4096) or NULL;
 * free accepts NULL. Passing a NULL `const struct txp_alloc *` anywhere means malloc/free.
 */
struct txp_alloc {
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
};

/**
 * Allocate through @p a (NULL = the C library). Zero-filled.
 * @param a allocator or NULL. @param size bytes (0 gives NULL). @param align power of two.
 * @return memory or NULL.
 * Ownership: returns owned; release with txp_free() and the same allocator.
 * Thread-safety: that of the allocator. Complexity: that of the allocator plus O(size).
 */
void *txp_alloc_mem(const struct txp_alloc *a, size_t size, size_t align);

/**
 * Free memory from txp_alloc_mem(). NULL is a no-op.
 * Ownership: consumes @p p. Thread-safety: that of the allocator. Complexity: O(1).
 */
void txp_free(const struct txp_alloc *a, void *p);

/** State of a counting allocator: wraps malloc, counts and can fail on demand. */
struct txp_alloc_counter {
    uint64_t allocs;      /**< successful allocations */
    uint64_t frees;       /**< frees of non-NULL pointers */
    uint64_t outstanding; /**< allocs - frees */
    uint64_t bytes;       /**< bytes outstanding */
    int64_t fail_after;   /**< fail the allocation after this many more successes; -1 never */
};

/**
 * Make @p out a counting allocator backed by @p c (tests assert c->outstanding == 0).
 * @param c counter state, caller-owned, zeroed by this call (fail_after = -1).
 * @param out the allocator to pass to create() functions.
 * Ownership: borrows both; @p c must outlive every allocation. Thread-safety: none.
 * Complexity: O(1).
 */
void txp_alloc_counter_init(struct txp_alloc_counter *c, struct txp_alloc *out);

#ifdef __cplusplus
}
#endif
#endif /* TXP_ALLOC_H */
