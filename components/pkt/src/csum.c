/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: the Internet checksum (RFC 1071), pseudo-headers, incremental update (RFC 1624).
 *
 * Summing. RFC 1071 section 2 (B) lets the sum be computed in either byte order: the one's-
 * complement sum of byte-swapped words is the byte-swapped sum. So the bulk loop adds the
 * buffer as native-order 32-bit words (loaded with memcpy, any alignment) into a 64-bit
 * accumulator; since 2^16 == 1 (mod 2^16 - 1), a 32-bit word counts as its two 16-bit halves.
 * The accumulator is folded to 16 bits with end-around carries and, on a little-endian host,
 * byte-swapped into network order. A trailing odd byte is the high half of a zero-padded word.
 * Nothing depends on the address of the buffer, so odd start addresses give identical results.
 *
 * Canonical values. Folding a non-zero sum of non-negative words never produces 0, so the
 * folded sum is 0 only for an all-zero buffer and is otherwise the unique representative in
 * 1..0xFFFF of its value mod 0xFFFF. That makes txp_csum() equal any other correct full
 * computation bit for bit, and makes partial sums composable: txp_csum_partial() adds its
 * starting sum (an arbitrary 32-bit value, 0xFFFFFFFF included) with end-around carry.
 *
 * Incremental update. RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), computed in 32 bits and folded.
 * It can return 0x0000 where a recomputation gives 0xFFFF (or the reverse), the two encodings
 * of one's-complement zero (RFC 1624 section 3); both verify.
 *
 * Complexity: O(len) for sums, O(1) otherwise. No state; all functions are thread-safe.
 */
#include <string.h>

#include "txpath/csum.h"

/* Fold a 64-bit accumulator of 16-bit quantities to 16 bits (end-around carry). */
static uint32_t
txp_fold64_16(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint32_t)acc;
}

/*
 * Bulk of the sum: native-order 32-bit words into a 64-bit accumulator, optionally copying
 * the bytes to @p dst in the same pass (the checksum copy: the data is read once). @p len is a
 * multiple of 8; the result is folded to 16 bits, native order.
 */
static uint32_t
txp_sum_words(uint8_t *dst, const uint8_t *p, size_t len)
{
    uint64_t acc = 0;

    while (len >= 8) {
        /* Bound each run so the 64-bit accumulator cannot overflow (2^33 per iteration). */
        size_t run = len / 8 < ((size_t)1 << 28) ? len / 8 : ((size_t)1 << 28);

        len -= run * 8;
        while (run-- > 0) {
            uint32_t a;
            uint32_t b;

            memcpy(&a, p, 4);
            memcpy(&b, p + 4, 4);
            if (dst != NULL) {
                memcpy(dst, p, 8);
                dst += 8;
            }
            acc += (uint64_t)a + b;
            p += 8;
        }
        acc = txp_fold64_16(acc);
    }
    return (uint32_t)acc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TXP_CSUM_HAVE_AVX2 1

/*
 * The same with AVX2, 64 bytes per iteration: each 32-bit word is widened into a 64-bit lane
 * (unpack with zero) and added; two accumulators hide the add latency. Lanes gain at most
 * 2^34 per iteration, so 2^29 iterations (32 GiB) cannot overflow; callers pass far less.
 */
__attribute__((target("avx2"))) static uint32_t
txp_sum_words_avx2(uint8_t *dst, const uint8_t *p, size_t len)
{
    const __m256i z = _mm256_setzero_si256();
    __m256i a0 = z, a1 = z;
    uint64_t lanes[4];
    uint64_t acc = 0;
    size_t n64 = len & ~(size_t)63;

    for (size_t i = 0; i < n64; i += 64) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));
        if (dst != NULL) {
            _mm256_storeu_si256((__m256i *)(void *)(dst + i), v0);
            _mm256_storeu_si256((__m256i *)(void *)(dst + i + 32), v1);
        }
        a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(v0, z));
        a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(v0, z));
        a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(v1, z));
        a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(v1, z));
    }
    a0 = _mm256_add_epi64(a0, a1);
    _mm256_storeu_si256((__m256i *)(void *)lanes, a0);
    for (int k = 0; k < 4; k++)
        acc += txp_fold64_16(lanes[k]);
    acc += txp_sum_words(dst != NULL ? dst + n64 : NULL, p + n64, len - n64);
    return txp_fold64_16(acc);
}
#endif

/*
 * One's-complement sum, in network order, of @p len bytes (copied to @p dst on the way when
 * @p dst is not NULL); folded to 16 bits.
 */
static uint32_t
txp_sum16_be(uint8_t *dst, const uint8_t *p, size_t len)
{
    size_t bulk = len & ~(size_t)7;
    uint64_t acc;
    uint32_t s;

#ifdef TXP_CSUM_HAVE_AVX2
    if (bulk >= 128 && __builtin_cpu_supports("avx2"))
        acc = txp_sum_words_avx2(dst, p, bulk);
    else
#endif
        acc = txp_sum_words(dst, p, bulk);
    p += bulk;
    len -= bulk;
    if (dst != NULL) {
        dst += bulk;
        memcpy(dst, p, len);
    }
    while (len >= 2) {
        uint16_t w;

        memcpy(&w, p, 2);
        acc += w;
        p += 2;
        len -= 2;
    }
    s = txp_fold64_16(acc);
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    s = ((s & 0xFFu) << 8) | (s >> 8);
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) &&                                  \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    /* network order already */
#else
#error "txpath csum: unknown byte order"
#endif
    if (len == 1)
        s = txp_fold64_16((uint64_t)s + ((uint32_t)p[0] << 8));
    return s;
}

uint32_t
txp_csum_partial(const void *data, size_t len, uint32_t sum)
{
    uint64_t acc;

    if (len == 0)
        return sum;
    acc = (uint64_t)sum + txp_sum16_be(NULL, data, len);
    /* Back to 32 bits with end-around carry (2^32 == 1 mod 0xFFFF). */
    while (acc >> 32)
        acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
    return (uint32_t)acc;
}

uint32_t
txp_csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
    uint64_t acc;

    if (len == 0)
        return sum;
    acc = (uint64_t)sum + txp_sum16_be(dst, src, len);
    while (acc >> 32)
        acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t
txp_csum_fold(uint32_t sum)
{
    return (uint16_t)(0xFFFFu ^ txp_fold64_16(sum));
}

uint16_t
txp_csum(const void *data, size_t len)
{
    return txp_csum_fold(txp_csum_partial(data, len, 0));
}

uint32_t
txp_csum_pseudo_ipv4(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t l4len)
{
    return (saddr >> 16) + (saddr & 0xFFFFu) + (daddr >> 16) + (daddr & 0xFFFFu) + proto + l4len;
}

uint16_t
txp_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
    uint32_t s = (0xFFFFu ^ csum) + (0xFFFFu ^ old_val) + (uint32_t)new_val;

    return (uint16_t)(0xFFFFu ^ txp_fold64_16(s));
}

uint16_t
txp_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
    uint32_t s = (0xFFFFu ^ csum) + (0xFFFFu ^ (old_val >> 16)) + (0xFFFFu ^ (old_val & 0xFFFFu)) +
                 (new_val >> 16) + (new_val & 0xFFFFu);

    return (uint16_t)(0xFFFFu ^ txp_fold64_16(s));
}
