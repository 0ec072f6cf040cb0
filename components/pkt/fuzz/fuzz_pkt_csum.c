/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt fuzz target: the Internet checksum against a naive reference.
 * txp-fuzz-pcap: csum-l4
 *
 * Input layout:
 *
 *     bytes 0..3   seed of a starting partial sum (big-endian)
 *     bytes 4..11  IPv4 pseudo-header inputs: source and destination address
 *     byte  12     protocol; also the number of incremental field updates (low 3 bits + 1)
 *     bytes 13..   the data buffer
 *
 * Reference (RFC 1071, section 4.1, written for clarity, not speed): add the buffer as
 * big-endian 16-bit words, one byte at a time, into a 64-bit accumulator (a lone last byte is
 * the high half of a word padded with zero), fold the carries back in until 16 bits remain,
 * and complement.
 *
 * Invariants (a violation traps):
 *  1. txp_csum(data) equals the reference, exactly, for every length and alignment (the data is
 *     copied to an exact-size heap buffer, and also checked from an odd address).
 *  2. Splitting the sum at an even point k: fold(partial(tail, partial(head, 0))) == whole, at
 *     every k for buffers up to 128 bytes, else at both ends and 16 seed-chosen points.
 *     Continuing from an arbitrary starting sum (including 0xFFFFFFFF) agrees with the
 *     reference's one's-complement addition of that sum.
 *  3. Pseudo-header: txp_csum_pseudo_ipv4() equals the reference over the 12 pseudo-header
 *     bytes; txp_ipv4_l4_csum() and txp_udp_csum_ipv4() equal the reference over
 *     pseudo-header + segment (UDP maps 0 to 0xFFFF, RFC 768).
 *  4. A checksum stored into its (zeroed, even-offset) field makes the buffer sum to 0.
 *  5. Incremental update (RFC 1624 eqn. 3) of 16- and 32-bit fields at even offsets, applied
 *     several times in a row, equals full recomputation, modulo the one corner case below.
 *  6. Checksum copies: txp_csum_partial_copy() copies the bytes exactly and returns what
 *     txp_csum_partial() does; txp_csum_copy_pieces() with a seed-chosen piece size (1 byte to
 *     the whole buffer) and gap puts every piece at its stride, leaves the gaps untouched and
 *     gives each piece the reference's sum of that piece alone.
 *
 * Why exact equality holds for 1-4 but not always for 5: a one's-complement sum of non-negative
 * words computed by adding carries back in is 0x0000 only when every word is zero; otherwise it
 * is in 1..0xFFFF, a unique representative of its value modulo 0xFFFF. So a full computation
 * yields 0xFFFF only for an all-zero buffer, and two correct full computations agree exactly.
 * Eqn. 3 computes HC' = ~(~HC + ~m + m'), and the one's-complement sum inside can be 0xFFFF
 * (negative zero) where a full recomputation has +0 or vice versa: e.g. a buffer whose only
 * non-zero word is the field, changed to zero, gives HC' = 0x0000 by eqn. 3 while the full
 * checksum of the now all-zero buffer is 0xFFFF. RFC 1624 section 3 discusses exactly this.
 * Both encode the same one's-complement value, and a receiver verifying either gets a valid
 * sum, so the target compares incremental results modulo the 0x0000/0xFFFF equivalence and
 * exactly in every other case.
 *
 * No state survives an input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Header bytes before the data buffer (see the layout above). */
#define FZ_HDR 13

/* Reference one's-complement sum of @p len bytes, not complemented, folded to 16 bits. */
static uint16_t
ref_sum16(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        if ((i & 1u) == 0)
            acc += (uint64_t)p[i] << 8;
        else
            acc += p[i];
    }
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

/* One's-complement addition of two 16-bit values with end-around carry. */
static uint16_t
ref_add16(uint16_t a, uint16_t b)
{
    uint32_t s = (uint32_t)a + b;

    return (uint16_t)((s & 0xFFFFu) + (s >> 16));
}

/* The complement as a 16-bit value (spelled out: gcc warns on ~ of a promoted uint16_t). */
static uint16_t
ref_not(uint16_t x)
{
    return (uint16_t)(0xFFFFu ^ x);
}

/* Fold a 32-bit partial sum the reference way (no complement). */
static uint16_t
ref_fold32(uint32_t sum)
{
    uint64_t acc = sum;

    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

/* Equal as one's-complement values: identical, or the two encodings of zero. */
static bool
same_ones(uint16_t a, uint16_t b)
{
    return a == b || ((a == 0 || a == 0xFFFFu) && (b == 0 || b == 0xFFFFu));
}

static uint32_t
fz_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Invariant 1 and 2: whole buffer, every even split, arbitrary starting sums. */
static void
fz_check_sums(const uint8_t *buf, size_t len, uint32_t seed)
{
    uint16_t whole = ref_not(ref_sum16(buf, len));
    uint8_t *odd;
    size_t k;

    FZ_CHECK(txp_csum(buf, len) == whole);
    FZ_CHECK(txp_csum_fold(txp_csum_partial(buf, len, 0)) == whole);

    /* Same bytes from an odd address: implementations often special-case alignment. */
    odd = malloc(len + 1);
    FZ_CHECK(odd != NULL);
    memcpy(odd + 1, buf, len);
    FZ_CHECK(txp_csum(odd + 1, len) == whole);
    free(odd);

    /*
     * Every even split of short buffers; for long ones (where checking all splits would make
     * each input cost O(len^2)) both ends plus 16 split points chosen from the seed.
     */
    if (len <= 128) {
        for (k = 0; k <= len; k += 2) {
            uint32_t s = txp_csum_partial(buf, k, 0);

            s = txp_csum_partial(buf + k, len - k, s);
            FZ_CHECK(txp_csum_fold(s) == whole);
        }
    } else {
        for (unsigned i = 0; i < 18; i++) {
            uint32_t s;

            if (i == 0)
                k = 0;
            else if (i == 1)
                k = len & ~(size_t)1;
            else
                k = (size_t)((((uint64_t)seed + i) * 2654435761u) % (len / 2 + 1)) * 2;
            s = txp_csum_partial(buf, k, 0);
            s = txp_csum_partial(buf + k, len - k, s);
            FZ_CHECK(txp_csum_fold(s) == whole);
        }
    }

    /*
     * A non-zero starting sum: the result is that sum plus the data, exact (both operands are
     * sums of non-negative words, so no negative zero can appear unless both are zero).
     */
    {
        static const uint32_t fixed[] = {0u, 1u, 0xFFFFu, 0x10000u, 0xFFFF0000u, 0xFFFFFFFFu};
        size_t i;

        FZ_CHECK(txp_csum_fold(txp_csum_partial(buf, len, seed)) ==
                 ref_not(ref_add16(ref_fold32(seed), ref_sum16(buf, len))));
        for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
            uint16_t want = ref_not(ref_add16(ref_fold32(fixed[i]), ref_sum16(buf, len)));

            FZ_CHECK(txp_csum_fold(txp_csum_partial(buf, len, fixed[i])) == want);
        }
        FZ_CHECK(txp_csum_fold(seed) == ref_not(ref_fold32(seed)));
    }
}

/* Invariant 3: pseudo-header sums. */
static void
fz_check_pseudo(const uint8_t *l4, size_t len, uint32_t saddr, uint32_t daddr, uint8_t proto)
{
    uint8_t ph[12];
    uint16_t l4len = (uint16_t)len;
    uint16_t want;
    uint16_t sum_ph;

    txp_store_be32(ph, saddr);
    txp_store_be32(ph + 4, daddr);
    ph[8] = 0;
    ph[9] = proto;
    txp_store_be16(ph + 10, l4len);
    sum_ph = ref_sum16(ph, sizeof(ph));
    FZ_CHECK(txp_csum_fold(txp_csum_pseudo_ipv4(saddr, daddr, proto, l4len)) == ref_not(sum_ph));

    want = ref_not(ref_add16(sum_ph, ref_sum16(l4, len)));
    FZ_CHECK(txp_csum_fold(txp_csum_partial(
                 l4, len, txp_csum_pseudo_ipv4(saddr, daddr, proto, l4len))) == want);
    FZ_CHECK(txp_ipv4_l4_csum(saddr, daddr, proto, l4, len) == want);

    /* UDP: the pseudo-header carries protocol 17 and a computed 0 is sent as 0xFFFF. */
    txp_store_be16(ph + 8, TXP_IPPROTO_UDP);
    want = ref_not(ref_add16(ref_sum16(ph, sizeof(ph)), ref_sum16(l4, len)));
    if (want == 0)
        want = 0xFFFFu;
    FZ_CHECK(txp_udp_csum_ipv4(saddr, daddr, l4, len) == want);
}

/* Invariant 4: insert the checksum into a zeroed 16-bit field at @p off; the sum is then 0. */
static void
fz_check_insert(uint8_t *buf, size_t len, size_t off)
{
    uint16_t c;

    buf[off] = 0;
    buf[off + 1] = 0;
    c = txp_csum(buf, len);
    txp_store_be16(buf + off, c);
    FZ_CHECK(txp_csum(buf, len) == 0);
    /* c is ~S for data summing to S (0xFFFF for all-zero data), so the sum is now -0. */
    FZ_CHECK(ref_sum16(buf, len) == 0xFFFFu);
}

/* Invariant 5: a sequence of field updates, each checked against full recomputation. */
static void
fz_check_updates(uint8_t *buf, size_t len, const uint8_t *ctl, size_t nctl, unsigned rounds)
{
    uint16_t c = txp_csum(buf, len);
    size_t words = len / 2;
    unsigned r;

    for (r = 0; r < rounds && words > 0; r++) {
        /* Each round takes 6 control bytes: kind/offset (2), new value (4). */
        const uint8_t *q = ctl + (size_t)r * 6;
        size_t off;

        if ((size_t)r * 6 + 6 > nctl)
            break;
        off = (((size_t)q[0] << 8 | q[1]) % words) * 2;
        if ((q[0] & 0x80u) && off + 4 <= len) {
            uint32_t oldv = txp_load_be32(buf + off);
            uint32_t newv = fz_be32(q + 2);

            txp_store_be32(buf + off, newv);
            c = txp_csum_update32(c, oldv, newv);
        } else {
            uint16_t oldv = txp_load_be16(buf + off);
            uint16_t newv = (uint16_t)((q[2] << 8) | q[3]);

            txp_store_be16(buf + off, newv);
            c = txp_csum_update16(c, oldv, newv);
        }
        FZ_CHECK(same_ones(c, txp_csum(buf, len)));
        /* An unchanged field leaves the checksum's value unchanged. */
        FZ_CHECK(same_ones(txp_csum_update16(c, 0x1234u, 0x1234u), c));
    }
}

/* Invariant 6. */
static void
fz_check_copies(const uint8_t *buf, size_t len, uint32_t seed)
{
    size_t piece = len > 0 ? 1 + (size_t)seed % len : 1;
    size_t gap = (seed >> 16) % 65;
    size_t stride = piece + gap;
    size_t n = (len + piece - 1) / piece;
    size_t cap = n > 0 ? (n - 1) * stride + piece + 1 : 1;
    uint8_t *dst = malloc(cap > len + 1 ? cap : len + 1);
    uint32_t *sums = malloc((n > 0 ? n : 1) * sizeof(uint32_t));

    FZ_CHECK(dst != NULL && sums != NULL);
    memset(dst, 0xA5, len + 1);
    FZ_CHECK(txp_csum_partial_copy(dst, buf, len, seed) == txp_csum_partial(buf, len, seed));
    FZ_CHECK(memcmp(dst, buf, len) == 0 && dst[len] == 0xA5);
    memset(dst, 0xA5, cap);
    FZ_CHECK(txp_csum_copy_pieces(dst, stride, piece, buf, len, sums) == n);
    for (size_t k = 0; k < n; k++) {
        size_t m = len - k * piece < piece ? len - k * piece : piece;

        FZ_CHECK(memcmp(dst + k * stride, buf + k * piece, m) == 0);
        for (size_t g = m; g < stride && k * stride + g < cap; g++)
            FZ_CHECK(dst[k * stride + g] == 0xA5);
        FZ_CHECK(ref_not(ref_sum16(buf + k * piece, m)) == txp_csum_fold(sums[k]));
    }
    free(dst);
    free(sums);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seed;
    uint32_t saddr;
    uint32_t daddr;
    uint8_t proto;
    const uint8_t *body;
    size_t len;
    uint8_t *buf;

    if (size < FZ_HDR)
        return 0;
    seed = fz_be32(data);
    saddr = fz_be32(data + 4);
    daddr = fz_be32(data + 8);
    proto = data[12];
    body = data + FZ_HDR;
    len = size - FZ_HDR;
    if (len > TXP_IPV4_MAX_LEN)
        len = TXP_IPV4_MAX_LEN;

    buf = malloc(len > 0 ? len : 1);
    FZ_CHECK(buf != NULL);
    if (len > 0)
        memcpy(buf, body, len);

    fz_check_sums(buf, len, seed);
    fz_check_pseudo(buf, len, saddr, daddr, proto);
    fz_check_copies(buf, len, seed);
    FZ_CHECK(memcmp(buf, body, len) == 0); /* nothing above may write to its input */

    /* The updates use the buffer's own first bytes as control, so the fuzzer steers them. */
    if (len >= 2) {
        uint8_t *work = malloc(len);

        FZ_CHECK(work != NULL);
        memcpy(work, buf, len);
        fz_check_updates(work, len, body, len, (proto & 7u) + 1u);
        memcpy(work, buf, len);
        fz_check_insert(work, len, ((size_t)seed % (len / 2)) * 2);
        free(work);
    }
    free(buf);
    return 0;
}
