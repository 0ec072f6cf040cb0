/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: whole-frame dissection and its inverse.
 *
 * txp_dissect() walks a frame layer by layer with the wire parsers:
 *   Ethernet II (link ETH only) -> ARP (EtherType 0x0806) | IPv4 (0x0800) | other: payload
 *   IPv4 -> TCP (6) | UDP (17) | ICMP (1) | other: payload
 * Every layer gets only the bytes that belong to it: L4 parsers see the IPv4 datagram up to
 * its total length, never the link padding behind it. What follows the datagram (or the
 * 28-byte ARP body) is the trailer; what follows the last parsed header inside the datagram
 * (or the frame, for unknown EtherTypes) is the payload. So
 *     payload_off + payload_len + trailer_len == frame_len,
 * and the headers, payload and trailer tile the frame with no gap.
 *
 * Fragments: L4 headers are parsed only in the first fragment (offset 0). A first fragment
 * with MF set holds only part of the datagram: a UDP header whose length covers the whole
 * datagram is accepted as UDP (its length may exceed the fragment), and an L4 header that
 * does not parse there otherwise (cut by the fragment boundary) is not an error: the L4 layer
 * is left out and its bytes are payload. In an unfragmented datagram the
 * same failures are errors.
 *
 * Errors: d->err carries the parser's reason with the offset moved to the frame start, and
 * d->err_layer the TXP_L_* bit of the failing layer; d->layers lists the layers that parsed.
 *
 * txp_dissect_build() writes the headers back from the parsed fields (IPv4 with the checksum
 * as parsed) and copies payload and trailer from the original frame, so for every accepted
 * frame the output equals the input byte for byte.
 */
#include <string.h>

#include "txpath/be.h"
#include "txpath/prot/dissect.h"

static int
dissect_fail(struct txp_dissect *d, uint32_t layer, const struct txp_parse_err *pe, size_t base)
{
    d->err.reason = pe->reason;
    d->err.offset = (uint32_t)(base + pe->offset);
    d->err_layer = layer;
    return TXP_EBADMSG;
}

/* Everything from @p off to the end of the frame is payload. */
static void
dissect_rest_payload(struct txp_dissect *d, size_t off, size_t len)
{
    d->payload_off = (uint32_t)off;
    d->payload_len = (uint32_t)(len - off);
    d->trailer_len = 0;
}

/*
 * IPv4 and what it carries, starting at @p l3 in @p frame of @p len bytes.
 * Returns TXP_OK or TXP_EBADMSG (d->err set).
 */
static int
dissect_ipv4(const uint8_t *frame, size_t len, size_t l3, struct txp_dissect *d)
{
    struct txp_parse_err pe = {TXP_PARSE_OK, 0};
    const uint8_t *l4p;
    size_t hl;
    size_t end;
    size_t l4;
    size_t l4avail;
    size_t hdr_end;
    int rc;

    rc = txp_ipv4_parse(frame + l3, len - l3, &d->ip, &pe);
    if (rc < 0)
        return dissect_fail(d, TXP_L_IPV4, &pe, l3);
    d->layers |= TXP_L_IPV4;
    d->l3_off = (uint32_t)l3;
    hl = (size_t)rc;
    end = l3 + d->ip.tot_len;
    d->ip_fragment = (d->ip.frag_off & (TXP_IP_MF | TXP_IP_OFFMASK)) != 0;
    l4 = l3 + hl;
    l4avail = end - l4;
    l4p = frame + l4;
    hdr_end = l4;

    if ((d->ip.frag_off & TXP_IP_OFFMASK) == 0) {
        uint32_t layer = 0;

        switch (d->ip.protocol) {
        case TXP_IPPROTO_TCP:
            layer = TXP_L_TCP;
            rc = txp_tcp_parse(l4p, l4avail, &d->tcp, &pe);
            break;
        case TXP_IPPROTO_UDP:
            layer = TXP_L_UDP;
            rc = txp_udp_parse(l4p, l4avail, &d->udp, &pe);
            if (rc < 0 && d->ip_fragment && pe.reason == TXP_PARSE_LEN_MISMATCH &&
                l4avail >= TXP_UDP_HLEN && txp_load_be16(l4p + 4) >= TXP_UDP_HLEN) {
                /* First fragment of a larger datagram (ip_do_fragment keeps the UDP header
                 * of the whole datagram): its length covers bytes in later fragments. */
                d->udp.sport = txp_load_be16(l4p);
                d->udp.dport = txp_load_be16(l4p + 2);
                d->udp.len = txp_load_be16(l4p + 4);
                d->udp.check = txp_load_be16(l4p + 6);
                rc = TXP_UDP_HLEN;
            }
            break;
        case TXP_IPPROTO_ICMP:
            layer = TXP_L_ICMP;
            rc = txp_icmp_parse(l4p, l4avail, &d->icmp, &pe);
            break;
        default:
            break;
        }
        if (layer != 0 && rc < 0) {
            if (!d->ip_fragment)
                return dissect_fail(d, layer, &pe, l4);
            /* Part of a datagram: the header may legitimately not fit; leave it as payload. */
            memset(&d->tcp, 0, sizeof(d->tcp));
            memset(&d->udp, 0, sizeof(d->udp));
            memset(&d->icmp, 0, sizeof(d->icmp));
            pe.reason = TXP_PARSE_OK;
            pe.offset = 0;
        } else if (layer != 0) {
            d->layers |= layer;
            d->l4_off = (uint32_t)l4;
            hdr_end = l4 + (size_t)rc;
        }
    }
    d->payload_off = (uint32_t)hdr_end;
    d->payload_len = (uint32_t)(end - hdr_end);
    d->trailer_len = (uint32_t)(len - end);
    return TXP_OK;
}

int
txp_dissect(const uint8_t *frame, size_t len, enum txp_link link, struct txp_dissect *d)
{
    struct txp_parse_err pe = {TXP_PARSE_OK, 0};
    int rc;

    memset(d, 0, sizeof(*d));
    d->link = link;
    d->frame_len = (uint32_t)len;
    if (len > UINT32_MAX) {
        d->err.reason = TXP_PARSE_UNSUPPORTED;
        return TXP_EINVAL;
    }

    switch (link) {
    case TXP_LINK_RAW_IPV4:
        return dissect_ipv4(frame, len, 0, d);
    case TXP_LINK_ETH:
        break;
    default:
        d->err.reason = TXP_PARSE_UNSUPPORTED;
        return TXP_ENOTSUP;
    }

    rc = txp_eth_parse(frame, len, &d->eth, &pe);
    if (rc < 0)
        return dissect_fail(d, TXP_L_ETH, &pe, 0);
    d->layers |= TXP_L_ETH;

    switch (d->eth.type) {
    case TXP_ETH_P_IP:
        return dissect_ipv4(frame, len, TXP_ETH_HLEN, d);
    case TXP_ETH_P_ARP:
        rc = txp_arp_parse(frame + TXP_ETH_HLEN, len - TXP_ETH_HLEN, &d->arp, &pe);
        if (rc < 0)
            return dissect_fail(d, TXP_L_ARP, &pe, TXP_ETH_HLEN);
        d->layers |= TXP_L_ARP;
        d->l3_off = TXP_ETH_HLEN;
        /* ARP has a fixed size: what follows is link padding. */
        d->payload_off = TXP_ETH_HLEN + TXP_ARP_LEN;
        d->payload_len = 0;
        d->trailer_len = (uint32_t)(len - d->payload_off);
        return TXP_OK;
    default:
        dissect_rest_payload(d, TXP_ETH_HLEN, len);
        return TXP_OK;
    }
}

/* Where the headers listed in @p d end, or 0 if the layer set is not one txp_dissect makes. */
static size_t
dissect_hdr_end(const struct txp_dissect *d)
{
    const uint32_t l4 = TXP_L_TCP | TXP_L_UDP | TXP_L_ICMP;
    uint32_t l = d->layers;
    size_t off = 0;

    if ((l & ~(TXP_L_ETH | TXP_L_ARP | TXP_L_IPV4 | l4)) != 0)
        return 0;
    if (((l & TXP_L_ETH) != 0) != (d->link == TXP_LINK_ETH))
        return 0;
    if (l & TXP_L_ETH)
        off = TXP_ETH_HLEN;
    if ((l & TXP_L_ARP) && (l & TXP_L_IPV4))
        return 0;
    if ((l & (TXP_L_ARP | TXP_L_IPV4)) && d->l3_off != off)
        return 0;
    if (l & TXP_L_ARP) {
        if (l & l4)
            return 0;
        return off + TXP_ARP_LEN;
    }
    if (!(l & TXP_L_IPV4))
        return (l & l4) ? 0 : (d->link == TXP_LINK_ETH ? off : 0);
    off += (size_t)d->ip.ihl * 4;
    if ((l & l4) == 0)
        return off;
    if (d->l4_off != off)
        return 0;
    switch (l & l4) {
    case TXP_L_TCP:
        return off + (size_t)d->tcp.doff * 4;
    case TXP_L_UDP:
        return off + TXP_UDP_HLEN;
    case TXP_L_ICMP:
        return off + TXP_ICMP_HLEN;
    default:
        return 0;
    }
}

int
txp_dissect_build(uint8_t *out, size_t cap, const struct txp_dissect *d, const uint8_t *frame)
{
    size_t hdr_end = dissect_hdr_end(d);
    size_t tail = (size_t)d->payload_len + d->trailer_len;
    int rc;

    if ((d->layers != 0 && hdr_end == 0) || hdr_end != d->payload_off)
        return TXP_EINVAL;
    if ((uint64_t)d->payload_off + tail != d->frame_len || (tail > 0 && frame == NULL))
        return TXP_EINVAL;
    if (d->layers & TXP_L_IPV4) {
        size_t ihl = (size_t)d->ip.ihl * 4;
        if (d->ip.tot_len < ihl ||
            (size_t)d->l3_off + d->ip.tot_len + d->trailer_len != d->frame_len)
            return TXP_EINVAL;
    }
    if (cap < d->frame_len)
        return TXP_ENOSPC;

    if (d->layers & TXP_L_ETH) {
        rc = txp_eth_build(out, cap, &d->eth);
        if (rc < 0)
            return rc;
    }
    if (d->layers & TXP_L_ARP) {
        rc = txp_arp_build(out + d->l3_off, cap - d->l3_off, &d->arp);
        if (rc < 0)
            return rc;
    }
    if (d->layers & TXP_L_IPV4) {
        size_t ihl = (size_t)d->ip.ihl * 4;

        rc = txp_ipv4_build(out + d->l3_off, cap - d->l3_off, &d->ip, d->ip.tot_len - ihl,
                            TXP_IPV4_BUILD_KEEP_CSUM);
        if (rc < 0)
            return rc;
    }
    if (d->layers & TXP_L_TCP) {
        rc = txp_tcp_build(out + d->l4_off, cap - d->l4_off, &d->tcp);
        if (rc < 0)
            return rc;
    } else if (d->layers & TXP_L_UDP) {
        if (d->udp.len < TXP_UDP_HLEN)
            return TXP_EINVAL;
        rc = txp_udp_build(out + d->l4_off, cap - d->l4_off, &d->udp,
                           (size_t)d->udp.len - TXP_UDP_HLEN);
        if (rc < 0)
            return rc;
    } else if (d->layers & TXP_L_ICMP) {
        rc = txp_icmp_build(out + d->l4_off, cap - d->l4_off, &d->icmp);
        if (rc < 0)
            return rc;
    }
    if (tail > 0)
        memcpy(out + d->payload_off, frame + d->payload_off, tail);
    return (int)d->frame_len;
}
