/* SPDX-License-Identifier: MIT */
/* txpath pkt: UDP header (RFC 768) and ICMP header (RFC 792), explicit byte offsets. */
#ifndef TXP_PROT_UDP_H
#define TXP_PROT_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "txpath/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_UDP_HLEN 8
#define TXP_ICMP_HLEN 8
#define TXP_ICMP_ECHOREPLY 0u
#define TXP_ICMP_DEST_UNREACH 3u
#define TXP_ICMP_ECHO 8u
#define TXP_ICMP_TIME_EXCEEDED 11u
#define TXP_ICMP_FRAG_NEEDED 4u /**< code of DEST_UNREACH */

/** UDP header fields, host order. */
struct txp_udp_hdr {
    uint16_t sport;
    uint16_t dport;
    uint16_t len; /**< header + payload; build: 0 means 8 + payload_len */
    uint16_t check;
};

/** ICMP header fields, host order. */
struct txp_icmp_hdr {
    uint8_t type;
    uint8_t code;
    uint16_t check;
    uint32_t
        rest; /**< bytes 4..7 (echo: id << 16 | seq; frag-needed: next-hop MTU in the low 16) */
};

/**
 * Parse a UDP header.
 * @return 8, or TXP_EBADMSG: TRUNCATED (len < 8), LEN_MISMATCH (length field < 8 or > len).
 * Ownership: borrows. Thread-safety: safe. Complexity: O(1).
 */
int txp_udp_parse(const uint8_t *buf, size_t len, struct txp_udp_hdr *h, struct txp_parse_err *pe);

/**
 * Write a UDP header; check is written as given.
 * @return 8, TXP_ENOSPC, or TXP_EINVAL when 8 + payload_len exceeds 65535 (with len 0).
 * Complexity: O(1).
 */
int txp_udp_build(uint8_t *buf, size_t cap, const struct txp_udp_hdr *h, size_t payload_len);

/**
 * UDP checksum over the pseudo-header, header (check field zero) and payload, with a computed 0
 * sent as 0xFFFF (RFC 768).
 * @return the checksum. Complexity: O(l4len).
 */
uint16_t txp_udp_csum_ipv4(uint32_t saddr, uint32_t daddr, const uint8_t *l4, size_t l4len);

/**
 * Parse an ICMP header.
 * @return 8, or TXP_EBADMSG TRUNCATED. Complexity: O(1).
 */
int txp_icmp_parse(const uint8_t *buf, size_t len, struct txp_icmp_hdr *h,
                   struct txp_parse_err *pe);

/**
 * Write an ICMP header; check written as given (ICMP's checksum covers header and payload:
 * compute it with txp_csum() after the payload is in place).
 * @return 8 or TXP_ENOSPC. Complexity: O(1).
 */
int txp_icmp_build(uint8_t *buf, size_t cap, const struct txp_icmp_hdr *h);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PROT_UDP_H */
