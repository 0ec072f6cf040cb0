/* SPDX-License-Identifier: MIT */
/* txpath pkt: ARP for Ethernet/IPv4 (RFC 826), explicit byte offsets. */
#ifndef TXP_PROT_ARP_H
#define TXP_PROT_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "txpath/err.h"
#include "txpath/prot/eth.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_ARP_LEN 28 /**< Ethernet/IPv4 ARP payload */
#define TXP_ARP_HRD_ETHER 1u
#define TXP_ARP_OP_REQUEST 1u
#define TXP_ARP_OP_REPLY 2u

/** ARP fields, host order (addresses too). */
struct txp_arp_hdr {
    uint16_t htype;
    uint16_t ptype;
    uint8_t hlen;
    uint8_t plen;
    uint16_t oper;
    uint8_t sha[TXP_ETH_ALEN];
    uint32_t spa;
    uint8_t tha[TXP_ETH_ALEN];
    uint32_t tpa;
};

/**
 * Parse an Ethernet/IPv4 ARP body.
 * @return TXP_ARP_LEN, or TXP_EBADMSG with pe->reason TRUNCATED (fewer than 8 or 28 bytes) or
 * BAD_ADDR_LEN (hlen != 6 or plen != 4; offset 4 or 5).
 * Ownership: borrows. Thread-safety: safe. Complexity: O(1).
 */
int txp_arp_parse(const uint8_t *buf, size_t len, struct txp_arp_hdr *h, struct txp_parse_err *pe);

/**
 * Write an ARP body (hlen/plen as given; must be 6/4).
 * @return TXP_ARP_LEN, TXP_ENOSPC, or TXP_EINVAL for other address lengths. Complexity: O(1).
 */
int txp_arp_build(uint8_t *buf, size_t cap, const struct txp_arp_hdr *h);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PROT_ARP_H */
