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
 * The same with AVX2. Each 16-bit word w is biased to the signed value w - 0x8000 (xor with
 * 0x8000) so that vpmaddwd against ones adds word pairs exactly into signed 32-bit lanes: one
 * xor, one multiply-add and one add per 32 bytes, which keeps the checksum copy at the speed of
 * a plain copy. The bias is added back once per run (0x8000 per word). A lane gains at most
 * 2^17 in magnitude per 64-byte iteration, so runs of TXP_CSUM_AVX2_RUN bytes (2^12
 * iterations, 2^29 per lane with both accumulators) cannot overflow. Returns the exact sum of
 * the native-order words of @p len bytes (a multiple of 8), not folded.
 */
#define TXP_CSUM_AVX2_RUN ((size_t)1 << 18)

__attribute__((target("avx2"), always_inline)) static inline uint64_t
txp_sum_run_avx2(uint8_t *dst, const uint8_t *p, size_t len)
{
    const __m256i bias = _mm256_set1_epi16((short)0x8000);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    size_t i = 0;
    size_t n64 = len & ~(size_t)63;
    uint64_t acc;
    __m128i lo, hi, s;

    for (; i < n64; i += 64) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));
        if (dst != NULL) {
            _mm256_storeu_si256((__m256i *)(void *)(dst + i), v0);
            _mm256_storeu_si256((__m256i *)(void *)(dst + i + 32), v1);
        }
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_xor_si256(v0, bias), ones));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_xor_si256(v1, bias), ones));
    }
    if (len - i >= 32) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        if (dst != NULL)
            _mm256_storeu_si256((__m256i *)(void *)(dst + i), v0);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_xor_si256(v0, bias), ones));
        i += 32;
    }
    if (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        if (dst != NULL)
            _mm_storeu_si128((__m128i *)(void *)(dst + i), v);
        v = _mm_madd_epi16(_mm_xor_si128(v, _mm256_castsi256_si128(bias)),
                           _mm256_castsi256_si128(ones));
        a1 = _mm256_add_epi32(a1, _mm256_zextsi128_si256(v));
        i += 16;
    }
    /* Eight signed 32-bit lanes, widened to 64 bits and added, plus the bias of every word. */
    a0 = _mm256_add_epi32(a0, a1);
    lo = _mm256_castsi256_si128(a0);
    hi = _mm256_extracti128_si256(a0, 1);
    s = _mm_add_epi64(_mm_cvtepi32_epi64(lo), _mm_cvtepi32_epi64(_mm_srli_si128(lo, 8)));
    s = _mm_add_epi64(s, _mm_cvtepi32_epi64(hi));
    s = _mm_add_epi64(s, _mm_cvtepi32_epi64(_mm_srli_si128(hi, 8)));
    acc = (uint64_t)(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1) + (int64_t)(i / 2) * 0x8000);
    if (i < len) {
        /* At most one 8-byte word pair is left (len is a multiple of 8). */
        uint32_t a;
        uint32_t b;

        memcpy(&a, p + i, 4);
        memcpy(&b, p + i + 4, 4);
        if (dst != NULL)
            memcpy(dst + i, p + i, 8);
        acc += (uint64_t)a + b;
    }
    return acc;
}

/* AVX2 bulk: runs of at most TXP_CSUM_AVX2_RUN bytes, folded to 16 bits, native order. */
__attribute__((target("avx2"))) static uint32_t
txp_sum_words_avx2(uint8_t *dst, const uint8_t *p, size_t len)
{
    uint64_t acc = 0;

    while (len > 0) {
        size_t run = len < TXP_CSUM_AVX2_RUN ? len : TXP_CSUM_AVX2_RUN;

        acc += txp_sum_run_avx2(dst, p, run);
        acc = txp_fold64_16(acc);
        p += run;
        if (dst != NULL)
            dst += run;
        len -= run;
    }
    return (uint32_t)acc;
}
#endif

/*
 * The last len (< 8) bytes of a sum whose bulk is in @p acc (copied to @p dst when it is not
 * NULL), then the fold to 16 bits in network order.
 */
static uint32_t
txp_sum16_tail(uint64_t acc, uint8_t *dst, const uint8_t *p, size_t len)
{
    uint32_t s;

    if (dst != NULL)
        memcpy(dst, p, len);
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

/*
 * One's-complement sum, in network order, of @p len bytes (copied to @p dst on the way when
 * @p dst is not NULL); folded to 16 bits.
 */
static uint32_t
txp_sum16_be(uint8_t *dst, const uint8_t *p, size_t len)
{
    size_t bulk = len & ~(size_t)7;
    uint64_t acc;

#ifdef TXP_CSUM_HAVE_AVX2
    if (bulk >= 128 && __builtin_cpu_supports("avx2"))
        acc = txp_sum_words_avx2(dst, p, bulk);
    else
#endif
        acc = txp_sum_words(dst, p, bulk);
    return txp_sum16_tail(acc, dst != NULL ? dst + bulk : NULL, p + bulk, len - bulk);
}

#ifdef TXP_CSUM_HAVE_AVX2
/* txp_csum_copy_pieces with AVX2, every piece's bulk summed inline (no per-piece dispatch). */
__attribute__((target("avx2"))) static size_t
txp_copy_pieces_avx2(uint8_t *dst, size_t stride, size_t piece, const uint8_t *p, size_t len,
                     uint32_t *sums)
{
    size_t k;

    for (k = 0; len > 0; k++) {
        size_t n = len < piece ? len : piece;
        size_t bulk = n & ~(size_t)7;
        uint64_t acc = 0;

        if (bulk == n && n <= TXP_CSUM_AVX2_RUN) {
            /* Whole words in one run (an MSS piece): a fold in fixed steps instead of the
             * loop's data-dependent ones (the same value: a step on a value below 2^16 keeps
             * it), then network order. */
            uint32_t s;

            acc = txp_sum_run_avx2(dst, p, n);
            acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
            acc = (acc & 0xFFFFu) + (acc >> 16);
            acc = (acc & 0xFFFFu) + (acc >> 16);
            s = (uint32_t)((acc & 0xFFFFu) + (acc >> 16));
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            s = ((s & 0xFFu) << 8) | (s >> 8);
#endif
            sums[k] = s;
            dst += stride;
            p += n;
            len -= n;
            continue;
        }
        for (size_t off = 0; off < bulk;) {
            size_t run = bulk - off < TXP_CSUM_AVX2_RUN ? bulk - off : TXP_CSUM_AVX2_RUN;

            acc = txp_fold64_16(acc + txp_sum_run_avx2(dst + off, p + off, run));
            off += run;
        }
        sums[k] = txp_sum16_tail(acc, dst + bulk, p + bulk, n - bulk);
        dst += stride;
        p += n;
        len -= n;
    }
    return k;
}
#endif

size_t
txp_csum_copy_pieces(void *dst, size_t stride, size_t piece, const void *src, size_t len,
                     uint32_t *sums)
{
    uint8_t *d = dst;
    const uint8_t *p = src;
    size_t k;

    if (piece == 0)
        return 0;
#ifdef TXP_CSUM_HAVE_AVX2
    if (piece >= 128 && __builtin_cpu_supports("avx2"))
        return txp_copy_pieces_avx2(d, stride, piece, p, len, sums);
#endif
    for (k = 0; len > 0; k++) {
        size_t n = len < piece ? len : piece;

        sums[k] = txp_sum16_be(d, p, n);
        d += stride;
        p += n;
        len -= n;
    }
    return k;
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
