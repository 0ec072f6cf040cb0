/* SPDX-License-Identifier: MIT */
/* txpath pkt: TCP header with options (RFC 9293, 7323, 2018), explicit byte offsets. */
#ifndef TXP_PROT_TCP_H
#define TXP_PROT_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "txpath/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_TCP_HLEN_MIN 20
#define TXP_TCP_HLEN_MAX 60
#define TXP_TCP_OPT_MAX 40
/* flags (byte 13) */
#define TXP_TCP_FIN 0x01u
#define TXP_TCP_SYN 0x02u
#define TXP_TCP_RST 0x04u
#define TXP_TCP_PSH 0x08u
#define TXP_TCP_ACK 0x10u
#define TXP_TCP_URG 0x20u
#define TXP_TCP_ECE 0x40u
#define TXP_TCP_CWR 0x80u
/* option kinds and lengths */
#define TXP_TCPOPT_EOL 0u
#define TXP_TCPOPT_NOP 1u
#define TXP_TCPOPT_MSS 2u
#define TXP_TCPOPT_WINDOW 3u
#define TXP_TCPOPT_SACK_PERM 4u
#define TXP_TCPOPT_SACK 5u
#define TXP_TCPOPT_TIMESTAMP 8u
#define TXP_TCPOLEN_MSS 4u
#define TXP_TCPOLEN_WINDOW 3u
#define TXP_TCPOLEN_SACK_PERM 2u
#define TXP_TCPOLEN_TIMESTAMP 10u
/* byte offsets */
#define TXP_TCP_OFF_SPORT 0
#define TXP_TCP_OFF_DPORT 2
#define TXP_TCP_OFF_SEQ 4
#define TXP_TCP_OFF_ACK 8
#define TXP_TCP_OFF_DOFF 12
#define TXP_TCP_OFF_FLAGS 13
#define TXP_TCP_OFF_WINDOW 14
#define TXP_TCP_OFF_CSUM 16
#define TXP_TCP_OFF_URG 18
#define TXP_TCP_OFF_OPTS 20

/** TCP header fields, host order; options raw, as on the wire. */
struct txp_tcp_hdr {
    uint16_t sport;
    uint16_t dport;
    uint32_t seq;
    uint32_t ack_seq;
    uint8_t doff;     /**< in 32-bit words; build: 0 means 5 + opt_len rounded up */
    uint8_t reserved; /**< the 4 reserved bits (low nibble of byte 12; bit 0 is AE/NS) */
    uint8_t flags;    /**< TXP_TCP_* */
    uint16_t window;
    uint16_t check;
    uint16_t urg_ptr;
    uint8_t opt_len; /**< bytes in opts (0..40) */
    uint8_t opts[TXP_TCP_OPT_MAX];
};

/**
 * Parse and validate a TCP header and its options.
 * @return header length (doff * 4), or TXP_EBADMSG with reason TRUNCATED (len < 20), BAD_DOFF
 * (doff < 5 or doff*4 > len), OPT_OVERRUN or BAD_OPT_LEN (known kind with a wrong length, or
 * length < 2); pe->offset is from @p buf. Checksum not verified.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(doff). Never reads past @p len.
 */
int txp_tcp_parse(const uint8_t *buf, size_t len, struct txp_tcp_hdr *h, struct txp_parse_err *pe);

/**
 * Write a TCP header; options copied and padded with zero (EOL) bytes to a word. The checksum
 * field is written as h->check (compute it afterwards with txp_ipv4_l4_csum()).
 * @return header length, TXP_ENOSPC, or TXP_EINVAL (options over 40 bytes, doff disagrees).
 * Complexity: O(header).
 */
int txp_tcp_build(uint8_t *buf, size_t cap, const struct txp_tcp_hdr *h);

/** Presence bits of struct txp_tcp_opts. */
#define TXP_TCP_OPTF_MSS 0x01u
#define TXP_TCP_OPTF_WSCALE 0x02u
#define TXP_TCP_OPTF_SACK_PERM 0x04u
#define TXP_TCP_OPTF_TS 0x08u
#define TXP_TCP_OPTF_SACK 0x10u
#define TXP_TCP_MAX_SACK 4

/** Decoded TCP options. */
struct txp_tcp_opts {
    uint8_t present; /**< TXP_TCP_OPTF_* */
    uint8_t wscale;
    uint16_t mss;
    uint32_t tsval;
    uint32_t tsecr;
    uint8_t nsack;
    uint32_t sack[TXP_TCP_MAX_SACK][2]; /**< left, right edges */
};

/**
 * Decode TCP options (bytes after the fixed header). Unknown kinds with a valid length are
 * skipped, as Linux's tcp_parse_options does.
 * @return TXP_OK or TXP_EBADMSG (OPT_OVERRUN / BAD_OPT_LEN, pe->offset within @p opts).
 * Complexity: O(len).
 */
int txp_tcp_opts_parse(const uint8_t *opts, size_t len, struct txp_tcp_opts *o,
                       struct txp_parse_err *pe);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PROT_TCP_H */
