/* SPDX-License-Identifier: MIT */
/* txpath pkt: whole-frame dissection (Ethernet / raw IPv4 -> ARP | IPv4 -> TCP | UDP | ICMP). */
#ifndef TXP_PROT_DISSECT_H
#define TXP_PROT_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/err.h"
#include "txpath/prot/arp.h"
#include "txpath/prot/eth.h"
#include "txpath/prot/ip.h"
#include "txpath/prot/tcp.h"
#include "txpath/prot/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Link types, numbered as pcap's LINKTYPE_* values. */
enum txp_link {
    TXP_LINK_ETH = 1,       /**< LINKTYPE_ETHERNET */
    TXP_LINK_RAW_IPV4 = 228 /**< LINKTYPE_IPV4: the record starts at the IPv4 header */
};

/** Layers found (bits of txp_dissect.layers). */
#define TXP_L_ETH 0x01u
#define TXP_L_ARP 0x02u
#define TXP_L_IPV4 0x04u
#define TXP_L_TCP 0x08u
#define TXP_L_UDP 0x10u
#define TXP_L_ICMP 0x20u

/** A dissected frame: every header found, with offsets from the frame start. */
struct txp_dissect {
    uint32_t layers; /**< TXP_L_* */
    enum txp_link link;
    struct txp_eth_hdr eth;
    struct txp_arp_hdr arp;
    struct txp_ipv4_hdr ip;
    struct txp_tcp_hdr tcp;
    struct txp_udp_hdr udp;
    struct txp_icmp_hdr icmp;
    uint32_t l3_off;      /**< ARP or IPv4 header */
    uint32_t l4_off;      /**< TCP/UDP/ICMP header (first fragments only) */
    uint32_t payload_off; /**< bytes after the last parsed header */
    uint32_t payload_len; /**< up to the IPv4 total length (or frame end) */
    uint32_t trailer_len; /**< bytes after the IPv4 datagram (Ethernet padding) */
    uint32_t frame_len;
    bool ip_fragment; /**< MF set or offset non-zero; L4 is parsed only when offset is 0 */
    /** When dissection fails: what, where (offset from the frame start) and in which layer. */
    struct txp_parse_err err;
    uint32_t err_layer; /**< TXP_L_* of the layer that failed, or 0 */
};

/**
 * Dissect a frame. Unknown EtherTypes and IP protocols end dissection successfully with the
 * rest as payload. L4 headers of non-first fragments are not parsed.
 * @return TXP_OK, or TXP_EBADMSG with d->err / d->err_layer set and d->layers listing what did
 * parse; TXP_ENOTSUP for an unknown link type.
 * Ownership: borrows @p frame. Thread-safety: safe. Complexity: O(len of headers).
 */
int txp_dissect(const uint8_t *frame, size_t len, enum txp_link link, struct txp_dissect *d);

/**
 * Re-serialise a dissection: headers from the fields in @p d (checksums and lengths as they
 * were parsed, not recomputed), then payload and trailer bytes copied from @p frame.
 * Invariant tested by the fuzzer: for every frame txp_dissect() accepts, the output equals the
 * input byte for byte.
 * @return bytes written (d->frame_len), TXP_ENOSPC, or TXP_EINVAL.
 * Ownership: borrows. Complexity: O(frame_len).
 */
int txp_dissect_build(uint8_t *out, size_t cap, const struct txp_dissect *d, const uint8_t *frame);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PROT_DISSECT_H */
