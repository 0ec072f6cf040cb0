/* SPDX-License-Identifier: MIT */
/* txpath pkt: IPv4 header with options (RFC 791), explicit byte offsets. */
#ifndef TXP_PROT_IP_H
#define TXP_PROT_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_IPV4_HLEN_MIN 20
#define TXP_IPV4_HLEN_MAX 60
#define TXP_IPV4_OPT_MAX 40
#define TXP_IPV4_MAX_LEN 65535u
/* frag_off field */
#define TXP_IP_RF 0x8000u
#define TXP_IP_DF 0x4000u
#define TXP_IP_MF 0x2000u
#define TXP_IP_OFFMASK 0x1fffu
/* protocols */
#define TXP_IPPROTO_ICMP 1u
#define TXP_IPPROTO_TCP 6u
#define TXP_IPPROTO_UDP 17u
/* option types (include/uapi/linux/ip.h) */
#define TXP_IPOPT_END 0u
#define TXP_IPOPT_NOOP 1u
#define TXP_IPOPT_RR 7u
#define TXP_IPOPT_TS 68u
#define TXP_IPOPT_SEC 130u
#define TXP_IPOPT_LSRR 131u
#define TXP_IPOPT_CIPSO 134u
#define TXP_IPOPT_SSRR 137u
#define TXP_IPOPT_RA 148u
#define TXP_IPOPT_COPIED(t) (((t)&0x80u) != 0)
/* timestamp option flags (low nibble of the 4th byte) */
#define TXP_IPOPT_TS_TSONLY 0u
#define TXP_IPOPT_TS_TSANDADDR 1u
#define TXP_IPOPT_TS_PRESPEC 3u
/* byte offsets */
#define TXP_IPV4_OFF_VIHL 0
#define TXP_IPV4_OFF_TOS 1
#define TXP_IPV4_OFF_TOTLEN 2
#define TXP_IPV4_OFF_ID 4
#define TXP_IPV4_OFF_FRAG 6
#define TXP_IPV4_OFF_TTL 8
#define TXP_IPV4_OFF_PROTO 9
#define TXP_IPV4_OFF_CSUM 10
#define TXP_IPV4_OFF_SADDR 12
#define TXP_IPV4_OFF_DADDR 16
#define TXP_IPV4_OFF_OPTS 20

/** IPv4 header fields, host order. Options are raw bytes, exactly as on the wire. */
struct txp_ipv4_hdr {
    uint8_t version; /**< parse: as found; build: 0 means 4 */
    uint8_t ihl;     /**< in 32-bit words; build: 0 means 5 + opt_len rounded up to words */
    uint8_t tos;
    uint16_t tot_len; /**< build: 0 means header length + payload_len */
    uint16_t id;
    uint16_t frag_off; /**< flags (RF/DF/MF) | offset in 8-byte units */
    uint8_t ttl;
    uint8_t protocol;
    uint16_t check; /**< build: written as given when TXP_IPV4_BUILD_KEEP_CSUM, else computed */
    uint32_t saddr;
    uint32_t daddr;
    uint8_t opt_len; /**< bytes of options present in opts (0..40) */
    uint8_t opts[TXP_IPV4_OPT_MAX];
};

/** txp_ipv4_build() flags. */
#define TXP_IPV4_BUILD_KEEP_CSUM 0x1u /**< write h->check instead of computing the checksum */

/**
 * Parse and validate an IPv4 header and walk its options.
 * @param buf start of the IPv4 header. @param len bytes available from there.
 * @param h out. @param pe out (reason and offset from @p buf), may be NULL.
 * @return the header length (IHL * 4) or TXP_EBADMSG with reason TRUNCATED (len < 20),
 * BAD_VERSION, BAD_IHL (IHL < 5 or IHL*4 > len), LEN_MISMATCH (tot_len < IHL*4 or > len),
 * OPT_OVERRUN (an option's length runs past the header) or BAD_OPT_LEN (length < 2, or
 * wrong for RA). The checksum is not verified; use txp_csum() over the header.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(IHL). Never reads past @p len.
 */
int txp_ipv4_parse(const uint8_t *buf, size_t len, struct txp_ipv4_hdr *h,
                   struct txp_parse_err *pe);

/**
 * Write an IPv4 header; options are copied and padded with zero (EOL) bytes to a word.
 * @param payload_len used when h->tot_len is 0.
 * @param flags TXP_IPV4_BUILD_*.
 * @return the header length written, TXP_ENOSPC if @p cap is too small, TXP_EINVAL if the
 * options do not fit 40 bytes, ihl disagrees with opt_len or the total length exceeds 65535.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(header).
 */
int txp_ipv4_build(uint8_t *buf, size_t cap, const struct txp_ipv4_hdr *h, size_t payload_len,
                   unsigned flags);

/** One IPv4 option as found by txp_ipv4_opt_next(). */
struct txp_ipv4_opt {
    uint8_t type;
    uint8_t len;         /**< total option length (1 for EOL and NOP) */
    uint16_t off;        /**< offset of the type byte within the options */
    const uint8_t *data; /**< the option's bytes after type and length (len - 2 of them) */
};

/**
 * Iterate over options @p opts[0..len). Start with *pos = 0.
 * @return 1 with @p o filled, 0 at the end (end of bytes or after EOL), or TXP_EBADMSG with
 * pe->reason OPT_OVERRUN / BAD_OPT_LEN and pe->offset the option's offset within @p opts.
 * Ownership: borrows; o->data points into @p opts. Complexity: O(1) per call.
 */
int txp_ipv4_opt_next(const uint8_t *opts, size_t len, size_t *pos, struct txp_ipv4_opt *o,
                      struct txp_parse_err *pe);

/**
 * Checksum of an L4 segment with the IPv4 pseudo-header; the segment's checksum field must be
 * zero. UDP callers map a 0 result to 0xFFFF (see txp_udp_csum_ipv4()).
 * @return the checksum (host order). Ownership: borrows. Complexity: O(l4len).
 */
uint16_t txp_ipv4_l4_csum(uint32_t saddr, uint32_t daddr, uint8_t proto, const uint8_t *l4,
                          size_t l4len);

/**
 * Parse a dotted-quad IPv4 address ("10.0.0.1") into host order. Strict: four decimal parts
 * 0..255, no leading '+', no trailing text.
 * @return TXP_OK or TXP_EINVAL. Complexity: O(len).
 */
int txp_ipv4_addr_parse(const char *s, uint32_t *addr);

/**
 * Format a host-order IPv4 address as dotted quad into @p out (16 bytes with NUL).
 * Complexity: O(1).
 */
void txp_ipv4_addr_format(uint32_t addr, char out[16]);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PROT_IP_H */
