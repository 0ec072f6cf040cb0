/* SPDX-License-Identifier: MIT */
/* txpath pkt: Ethernet II header, explicit byte offsets. */
#ifndef TXP_PROT_ETH_H
#define TXP_PROT_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "txpath/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_ETH_ALEN 6
#define TXP_ETH_HLEN 14
#define TXP_ETH_ZLEN 60 /**< minimum frame length without FCS; shorter frames are padded */
#define TXP_ETH_P_IP 0x0800u
#define TXP_ETH_P_ARP 0x0806u
#define TXP_ETH_P_8021Q 0x8100u
/* byte offsets */
#define TXP_ETH_OFF_DST 0
#define TXP_ETH_OFF_SRC 6
#define TXP_ETH_OFF_TYPE 12

/** Ethernet II header fields, host order. */
struct txp_eth_hdr {
    uint8_t dst[TXP_ETH_ALEN];
    uint8_t src[TXP_ETH_ALEN];
    uint16_t type;
};

/**
 * Parse an Ethernet II header.
 * @param buf frame. @param len bytes available. @param h out. @param pe out, may be NULL.
 * @return TXP_ETH_HLEN, or TXP_EBADMSG with pe->reason TRUNCATED.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(1). Never reads past @p len.
 */
int txp_eth_parse(const uint8_t *buf, size_t len, struct txp_eth_hdr *h, struct txp_parse_err *pe);

/**
 * Write an Ethernet II header.
 * @return TXP_ETH_HLEN, or TXP_ENOSPC if @p cap < 14. Complexity: O(1).
 */
int txp_eth_build(uint8_t *buf, size_t cap, const struct txp_eth_hdr *h);

/**
 * Parse "aa:bb:cc:dd:ee:ff" (hex, case-insensitive, exactly six groups).
 * @return TXP_OK or TXP_EINVAL. Complexity: O(1).
 */
int txp_eth_addr_parse(const char *s, uint8_t mac[TXP_ETH_ALEN]);

/**
 * Format a MAC address as lower-case "aa:bb:cc:dd:ee:ff" into @p out (18 bytes with NUL).
 * Complexity: O(1).
 */
void txp_eth_addr_format(const uint8_t mac[TXP_ETH_ALEN], char out[18]);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PROT_ETH_H */
