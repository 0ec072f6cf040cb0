/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: UDP header (RFC 768) and ICMP header (RFC 792) parse/build, and the UDP checksum.
 *
 * UDP: len < 8 is TRUNCATED at len; a length field below 8 or beyond the bytes given is
 * LEN_MISMATCH at 4. Bytes after the UDP length (inside the IP datagram) are not judged here.
 * The UDP checksum maps a computed 0 to 0xFFFF, since 0 on the wire means "no checksum".
 * ICMP: only the 8-byte header is parsed; its checksum covers the payload too and is reported,
 * not verified.
 */
#include "txpath/prot/udp.h"
#include "txpath/be.h"
#include "txpath/prot/ip.h"

#define UDP_OFF_SPORT 0
#define UDP_OFF_DPORT 2
#define UDP_OFF_LEN 4
#define UDP_OFF_CSUM 6
#define ICMP_OFF_TYPE 0
#define ICMP_OFF_CODE 1
#define ICMP_OFF_CSUM 2
#define ICMP_OFF_REST 4

static int
udp_fail(struct txp_parse_err *pe, enum txp_parse_reason r, size_t off)
{
    if (pe != NULL) {
        pe->reason = r;
        pe->offset = (uint32_t)off;
    }
    return TXP_EBADMSG;
}

static void
udp_ok(struct txp_parse_err *pe)
{
    if (pe != NULL) {
        pe->reason = TXP_PARSE_OK;
        pe->offset = 0;
    }
}

int
txp_udp_parse(const uint8_t *buf, size_t len, struct txp_udp_hdr *h, struct txp_parse_err *pe)
{
    uint16_t ulen;

    if (len < TXP_UDP_HLEN)
        return udp_fail(pe, TXP_PARSE_TRUNCATED, len);
    ulen = txp_load_be16(buf + UDP_OFF_LEN);
    if (ulen < TXP_UDP_HLEN || ulen > len)
        return udp_fail(pe, TXP_PARSE_LEN_MISMATCH, UDP_OFF_LEN);
    h->sport = txp_load_be16(buf + UDP_OFF_SPORT);
    h->dport = txp_load_be16(buf + UDP_OFF_DPORT);
    h->len = ulen;
    h->check = txp_load_be16(buf + UDP_OFF_CSUM);
    udp_ok(pe);
    return TXP_UDP_HLEN;
}

int
txp_udp_build(uint8_t *buf, size_t cap, const struct txp_udp_hdr *h, size_t payload_len)
{
    uint16_t ulen = h->len;

    if (ulen == 0) {
        if (payload_len > TXP_IPV4_MAX_LEN - TXP_UDP_HLEN)
            return TXP_EINVAL;
        ulen = (uint16_t)(TXP_UDP_HLEN + payload_len);
    }
    if (cap < TXP_UDP_HLEN)
        return TXP_ENOSPC;
    txp_store_be16(buf + UDP_OFF_SPORT, h->sport);
    txp_store_be16(buf + UDP_OFF_DPORT, h->dport);
    txp_store_be16(buf + UDP_OFF_LEN, ulen);
    txp_store_be16(buf + UDP_OFF_CSUM, h->check);
    return TXP_UDP_HLEN;
}

uint16_t
txp_udp_csum_ipv4(uint32_t saddr, uint32_t daddr, const uint8_t *l4, size_t l4len)
{
    uint16_t c = txp_ipv4_l4_csum(saddr, daddr, TXP_IPPROTO_UDP, l4, l4len);

    return c == 0 ? 0xffffu : c;
}

int
txp_icmp_parse(const uint8_t *buf, size_t len, struct txp_icmp_hdr *h, struct txp_parse_err *pe)
{
    if (len < TXP_ICMP_HLEN)
        return udp_fail(pe, TXP_PARSE_TRUNCATED, len);
    h->type = buf[ICMP_OFF_TYPE];
    h->code = buf[ICMP_OFF_CODE];
    h->check = txp_load_be16(buf + ICMP_OFF_CSUM);
    h->rest = txp_load_be32(buf + ICMP_OFF_REST);
    udp_ok(pe);
    return TXP_ICMP_HLEN;
}

int
txp_icmp_build(uint8_t *buf, size_t cap, const struct txp_icmp_hdr *h)
{
    if (cap < TXP_ICMP_HLEN)
        return TXP_ENOSPC;
    buf[ICMP_OFF_TYPE] = h->type;
    buf[ICMP_OFF_CODE] = h->code;
    txp_store_be16(buf + ICMP_OFF_CSUM, h->check);
    txp_store_be32(buf + ICMP_OFF_REST, h->rest);
    return TXP_ICMP_HLEN;
}
