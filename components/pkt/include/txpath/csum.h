/* SPDX-License-Identifier: MIT */
/* txpath pkt: the Internet checksum (RFC 1071), incremental update (RFC 1624), pseudo-headers. */
#ifndef TXP_CSUM_H
#define TXP_CSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Conventions: a "partial sum" is a uint32_t one's-complement accumulator of big-endian 16-bit
 * words, not yet folded. A "checksum" is the final uint16_t in host order, ready for
 * txp_store_be16(). A buffer of odd length is padded with one zero byte (RFC 1071), so a
 * partial sum must only be continued after an even number of bytes.
 */

/**
 * Add @p len bytes at @p data to the partial sum @p sum.
 * @return the new partial sum. Ownership: borrows. Thread-safety: safe. Complexity: O(len).
 */
uint32_t txp_csum_partial(const void *data, size_t len, uint32_t sum);

/**
 * Copy @p len bytes from @p src to @p dst and add them to the partial sum @p sum in the same
 * pass (the "checksum copy": each byte is read once). Same result as memcpy() followed by
 * txp_csum_partial() over @p dst. The buffers must not overlap.
 * @return the new partial sum. Ownership: borrows both. Thread-safety: safe.
 * Complexity: O(len).
 */
uint32_t txp_csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum);

/**
 * The checksum copy into pieces: copy @p len bytes from @p src into consecutive pieces of
 * @p piece bytes, piece k at @p dst + k * @p stride (the last one may be shorter), and store in
 * @p sums[k] the partial sum of piece k alone, the value txp_csum_partial_copy(piece k, its
 * source, its length, 0) returns. One pass over the bytes, without a call per piece. Used by
 * the TCP send path to keep a GSO skb's payload in MSS-sized pieces with header room between
 * them. The pieces must not overlap each other or @p src (stride >= piece).
 * @return the number of pieces (ceil(len / piece); 0 when len or piece is 0).
 * Ownership: borrows all. Thread-safety: safe. Complexity: O(len).
 */
size_t txp_csum_copy_pieces(void *dst, size_t stride, size_t piece, const void *src, size_t len,
                            uint32_t *sums);

/**
 * Fold a partial sum to 16 bits and complement it.
 * @return the checksum to store. Complexity: O(1).
 */
uint16_t txp_csum_fold(uint32_t sum);

/**
 * Checksum of a buffer: txp_csum_fold(txp_csum_partial(data, len, 0)).
 * A buffer that already contains its correct checksum field yields 0.
 * @return the checksum. Ownership: borrows. Complexity: O(len).
 */
uint16_t txp_csum(const void *data, size_t len);

/**
 * Partial sum of the IPv4 pseudo-header (RFC 793 / RFC 768): source, destination, zero,
 * protocol, and the L4 length. Addresses in host order.
 * @return the partial sum, to continue with txp_csum_partial() over the L4 header and payload.
 * Complexity: O(1).
 */
uint32_t txp_csum_pseudo_ipv4(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t l4len);

/**
 * Incremental update (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')) after a 16-bit field changes.
 * @param csum the checksum currently stored. @param old_val previous field value.
 * @param new_val the new field value. All host order.
 * @return the new checksum. Complexity: O(1).
 */
uint16_t txp_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);

/**
 * Incremental update after a 32-bit field (an address, a sequence number) changes.
 * @return the new checksum. Complexity: O(1).
 */
uint16_t txp_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

#ifdef __cplusplus
}
#endif
#endif /* TXP_CSUM_H */
