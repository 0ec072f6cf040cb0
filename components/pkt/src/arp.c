/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: ARP for Ethernet/IPv4 (RFC 826), parse and build over explicit byte offsets.
 *
 * Layout (28 bytes): htype(0) ptype(2) hlen(4) plen(5) oper(6) sha(8) spa(14) tha(18) tpa(24).
 * Validation order: the 8-byte fixed part must be present (TRUNCATED at the end of the bytes),
 * then hlen must be 6 (BAD_ADDR_LEN at 4) and plen 4 (BAD_ADDR_LEN at 5), then the 20 address
 * bytes must be present (TRUNCATED). htype, ptype and oper are reported as found, not judged:
 * what an ARP with another hardware type means is the neighbour layer's decision.
 */
#include <string.h>

#include "txpath/be.h"
#include "txpath/prot/arp.h"

#define ARP_OFF_HTYPE 0
#define ARP_OFF_PTYPE 2
#define ARP_OFF_HLEN 4
#define ARP_OFF_PLEN 5
#define ARP_OFF_OPER 6
#define ARP_OFF_SHA 8
#define ARP_OFF_SPA 14
#define ARP_OFF_THA 18
#define ARP_OFF_TPA 24
#define ARP_FIXED_LEN 8
#define ARP_PLEN_IPV4 4

static int
arp_fail(struct txp_parse_err *pe, enum txp_parse_reason r, size_t off)
{
    if (pe != NULL) {
        pe->reason = r;
        pe->offset = (uint32_t)off;
    }
    return TXP_EBADMSG;
}

int
txp_arp_parse(const uint8_t *buf, size_t len, struct txp_arp_hdr *h, struct txp_parse_err *pe)
{
    if (len < ARP_FIXED_LEN)
        return arp_fail(pe, TXP_PARSE_TRUNCATED, len);
    if (buf[ARP_OFF_HLEN] != TXP_ETH_ALEN)
        return arp_fail(pe, TXP_PARSE_BAD_ADDR_LEN, ARP_OFF_HLEN);
    if (buf[ARP_OFF_PLEN] != ARP_PLEN_IPV4)
        return arp_fail(pe, TXP_PARSE_BAD_ADDR_LEN, ARP_OFF_PLEN);
    if (len < TXP_ARP_LEN)
        return arp_fail(pe, TXP_PARSE_TRUNCATED, len);
    h->htype = txp_load_be16(buf + ARP_OFF_HTYPE);
    h->ptype = txp_load_be16(buf + ARP_OFF_PTYPE);
    h->hlen = buf[ARP_OFF_HLEN];
    h->plen = buf[ARP_OFF_PLEN];
    h->oper = txp_load_be16(buf + ARP_OFF_OPER);
    memcpy(h->sha, buf + ARP_OFF_SHA, TXP_ETH_ALEN);
    h->spa = txp_load_be32(buf + ARP_OFF_SPA);
    memcpy(h->tha, buf + ARP_OFF_THA, TXP_ETH_ALEN);
    h->tpa = txp_load_be32(buf + ARP_OFF_TPA);
    if (pe != NULL) {
        pe->reason = TXP_PARSE_OK;
        pe->offset = 0;
    }
    return TXP_ARP_LEN;
}

int
txp_arp_build(uint8_t *buf, size_t cap, const struct txp_arp_hdr *h)
{
    if (h->hlen != TXP_ETH_ALEN || h->plen != ARP_PLEN_IPV4)
        return TXP_EINVAL;
    if (cap < TXP_ARP_LEN)
        return TXP_ENOSPC;
    txp_store_be16(buf + ARP_OFF_HTYPE, h->htype);
    txp_store_be16(buf + ARP_OFF_PTYPE, h->ptype);
    buf[ARP_OFF_HLEN] = h->hlen;
    buf[ARP_OFF_PLEN] = h->plen;
    txp_store_be16(buf + ARP_OFF_OPER, h->oper);
    memcpy(buf + ARP_OFF_SHA, h->sha, TXP_ETH_ALEN);
    txp_store_be32(buf + ARP_OFF_SPA, h->spa);
    memcpy(buf + ARP_OFF_THA, h->tha, TXP_ETH_ALEN);
    txp_store_be32(buf + ARP_OFF_TPA, h->tpa);
    return TXP_ARP_LEN;
}
