/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: Ethernet II header parse/build and MAC address text form.
 *
 * The header is read and written over explicit byte offsets (TXP_ETH_OFF_*), never through a
 * packed struct. The parser needs exactly 14 bytes and never looks further; a short buffer is
 * reported as TRUNCATED with the offset at the end of the bytes given. No EtherType is judged
 * here: 802.1Q tags and unknown types are the caller's business (txp_dissect treats them as
 * payload).
 */
#include <string.h>

#include "txpath/be.h"
#include "txpath/prot/eth.h"

int
txp_eth_parse(const uint8_t *buf, size_t len, struct txp_eth_hdr *h, struct txp_parse_err *pe)
{
    if (len < TXP_ETH_HLEN) {
        if (pe != NULL) {
            pe->reason = TXP_PARSE_TRUNCATED;
            pe->offset = (uint32_t)len;
        }
        return TXP_EBADMSG;
    }
    memcpy(h->dst, buf + TXP_ETH_OFF_DST, TXP_ETH_ALEN);
    memcpy(h->src, buf + TXP_ETH_OFF_SRC, TXP_ETH_ALEN);
    h->type = txp_load_be16(buf + TXP_ETH_OFF_TYPE);
    if (pe != NULL) {
        pe->reason = TXP_PARSE_OK;
        pe->offset = 0;
    }
    return TXP_ETH_HLEN;
}

int
txp_eth_build(uint8_t *buf, size_t cap, const struct txp_eth_hdr *h)
{
    if (cap < TXP_ETH_HLEN)
        return TXP_ENOSPC;
    memcpy(buf + TXP_ETH_OFF_DST, h->dst, TXP_ETH_ALEN);
    memcpy(buf + TXP_ETH_OFF_SRC, h->src, TXP_ETH_ALEN);
    txp_store_be16(buf + TXP_ETH_OFF_TYPE, h->type);
    return TXP_ETH_HLEN;
}

/* Value of one hex digit, or -1. */
static int
eth_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
txp_eth_addr_parse(const char *s, uint8_t mac[TXP_ETH_ALEN])
{
    uint8_t tmp[TXP_ETH_ALEN];
    size_t i;

    if (s == NULL)
        return TXP_EINVAL;
    /* Exactly "xx:xx:xx:xx:xx:xx": two digits per group, ':' between, NUL after the last. */
    for (i = 0; i < TXP_ETH_ALEN; i++) {
        const char *g = s + i * 3;
        int hi = eth_hexval(g[0]);
        int lo = hi < 0 ? -1 : eth_hexval(g[1]);
        char sep;

        if (hi < 0 || lo < 0)
            return TXP_EINVAL;
        sep = g[2];
        if (i + 1 < TXP_ETH_ALEN ? sep != ':' : sep != '\0')
            return TXP_EINVAL;
        tmp[i] = (uint8_t)((hi << 4) | lo);
    }
    memcpy(mac, tmp, TXP_ETH_ALEN);
    return TXP_OK;
}

void
txp_eth_addr_format(const uint8_t mac[TXP_ETH_ALEN], char out[18])
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < TXP_ETH_ALEN; i++) {
        out[i * 3] = hex[mac[i] >> 4];
        out[i * 3 + 1] = hex[mac[i] & 0x0f];
        out[i * 3 + 2] = (i + 1 < TXP_ETH_ALEN) ? ':' : '\0';
    }
}
