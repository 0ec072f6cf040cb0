/* SPDX-License-Identifier: MIT */
/* txpath harness: guard-page buffers, so a parser reading one byte too far faults at once. */
#ifndef TXP_H_GUARD_H
#define TXP_H_GUARD_H

#include "txpath/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A mapping of whole pages followed by one PROT_NONE page. The data is placed so that its
 * last byte is the last byte before the guard page (picohttpparser's test trick).
 */
struct txp_h_guard {
    uint8_t *map;   /**< start of the mapping */
    size_t map_len; /**< bytes mapped, guard page included */
    uint8_t *data;  /**< first data byte; data + len is the first byte of the guard page */
    size_t len;     /**< data bytes */
};

/**
 * Map enough pages for @p len bytes plus a guard page and copy @p src (may be NULL when
 * @p len is 0) so that it ends right before the guard page.
 * @return TXP_OK or TXP_ENOMEM (mmap/mprotect failed). On failure @p g is zeroed.
 * Ownership: @p g owns the mapping; release it with txp_h_guard_free(). Borrows @p src.
 * Thread-safety: per object. Complexity: O(len).
 */
int txp_h_guard_place(struct txp_h_guard *g, const void *src, size_t len);

/**
 * Unmap. A zeroed or already freed @p g is a no-op.
 * Ownership: releases the mapping. Thread-safety: per object. Complexity: O(1).
 */
void txp_h_guard_free(struct txp_h_guard *g);

#ifdef __cplusplus
}
#endif
#endif /* TXP_H_GUARD_H */
