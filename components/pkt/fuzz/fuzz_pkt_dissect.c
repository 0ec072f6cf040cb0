/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt fuzz target: frame dissection and every wire parser, against their builders.
 * txp-fuzz-pcap: link-frame
 *
 * Input layout:
 *
 *     byte 0      link selector: bit 0 clear = Ethernet, set = raw IPv4 (pcap LINKTYPE_IPV4)
 *     bytes 1..   the frame
 *
 * Invariants checked (a violation traps, so every engine records it as a crash):
 *  1. txp_dissect() never reads outside the frame (the frame is copied into a heap buffer of
 *     exactly its size, so ASan sees any over-read).
 *  2. Accepted frames: the layer set is coherent (ETH iff link is Ethernet; ARP and IPv4
 *     exclusive; at most one of TCP/UDP/ICMP and only above IPv4 with the matching protocol
 *     number; no L4 header in a non-first fragment), offsets are in order and in bounds, and
 *     payload_off + payload_len + trailer_len == frame_len == len, with the IPv4 datagram
 *     ending exactly at l3_off + tot_len.
 *  3. Accepted frames: txp_dissect_build() reproduces the input byte for byte into a buffer of
 *     exactly frame_len bytes, and fails (without writing out of bounds) with one byte less.
 *  4. Rejected frames: TXP_EBADMSG with a reason other than OK, an offset inside the frame
 *     (at its end for TRUNCATED) and a single failing layer.
 *  5. Each parser (Ethernet, ARP, IPv4, TCP, UDP, ICMP, TCP options) run directly on the
 *     frame: if it accepts, its builder (IPv4 with TXP_IPV4_BUILD_KEEP_CSUM) writes back the
 *     same bytes; an IPv4 header built with a computed checksum verifies (txp_csum() == 0);
 *     if it rejects, it reports a reason and an in-bounds offset.
 *  6. The IPv4 option iterator terminates, every option lies inside the option bytes, offsets
 *     strictly increase, and it agrees with txp_ipv4_parse(): options of an accepted header
 *     iterate without error. TCP options of an accepted TCP header decode without error.
 *
 * The target keeps no state between inputs: everything lives on the stack or in heap buffers
 * freed before returning.
 *
 * References: RFC 791 (IPv4 and options), RFC 826 (ARP), RFC 9293 / 7323 / 2018 (TCP options).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed invariant: trap at once so the engine saves the input and the line is visible. */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Copy @p n bytes into a heap buffer of exactly @p n bytes (at least 1 allocated). */
static uint8_t *
fz_dup(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n > 0 ? n : 1);

    FZ_CHECK(p != NULL);
    if (n > 0)
        memcpy(p, src, n);
    return p;
}

/* A rejected parse: a real reason and an offset inside the input (or at its end if truncated). */
static void
fz_check_reject(int rc, const struct txp_parse_err *pe, size_t len)
{
    FZ_CHECK(rc == TXP_EBADMSG);
    FZ_CHECK(pe->reason != TXP_PARSE_OK && pe->reason < TXP_PARSE__COUNT);
    if (pe->reason == TXP_PARSE_TRUNCATED)
        FZ_CHECK(pe->offset <= len);
    else
        FZ_CHECK(pe->offset < len);
}

/* Builders write into an exact-size heap buffer, then the bytes are compared with the input. */
static void
fz_check_same(const uint8_t *built, const uint8_t *orig, size_t n)
{
    FZ_CHECK(memcmp(built, orig, n) == 0);
}

/*
 * The IPv4 option iterator over @p opts[0..len): bounded, in bounds, increasing offsets.
 * @return the iterator's final result (0 at the end or TXP_EBADMSG).
 */
static int
fz_walk_ipv4_opts(const uint8_t *opts, size_t len)
{
    size_t pos = 0;
    size_t steps = 0;
    long last_off = -1;
    struct txp_ipv4_opt o;
    struct txp_parse_err pe;
    int rc;

    for (;;) {
        size_t before = pos;

        memset(&pe, 0, sizeof(pe));
        rc = txp_ipv4_opt_next(opts, len, &pos, &o, &pe);
        if (rc != 1)
            break;
        /* Each step consumes at least one byte, so len steps is the most there can be. */
        FZ_CHECK(++steps <= len);
        FZ_CHECK(pos > before && pos <= len);
        FZ_CHECK((long)o.off > last_off);
        last_off = o.off;
        FZ_CHECK(o.len >= 1);
        FZ_CHECK((size_t)o.off + o.len <= len);
        FZ_CHECK(o.type == opts[o.off]);
        if (o.len >= 2) {
            FZ_CHECK(o.data == opts + o.off + 2);
            FZ_CHECK(opts[o.off + 1] == o.len);
        } else {
            FZ_CHECK(o.type == TXP_IPOPT_END || o.type == TXP_IPOPT_NOOP);
        }
    }
    if (rc == 0) {
        FZ_CHECK(pos <= len);
    } else {
        FZ_CHECK(rc == TXP_EBADMSG);
        FZ_CHECK(pe.reason == TXP_PARSE_OPT_OVERRUN || pe.reason == TXP_PARSE_BAD_OPT_LEN);
        FZ_CHECK(pe.offset < len);
    }
    return rc;
}

static void
fz_check_tcp_opts(const uint8_t *opts, size_t len, bool must_accept)
{
    struct txp_tcp_opts o;
    struct txp_parse_err pe;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_tcp_opts_parse(opts, len, &o, &pe);
    if (rc == TXP_OK) {
        FZ_CHECK(o.nsack <= TXP_TCP_MAX_SACK);
        FZ_CHECK((o.present & ~0x1Fu) == 0);
        return;
    }
    FZ_CHECK(!must_accept);
    FZ_CHECK(rc == TXP_EBADMSG);
    FZ_CHECK(pe.reason == TXP_PARSE_OPT_OVERRUN || pe.reason == TXP_PARSE_BAD_OPT_LEN);
    FZ_CHECK(pe.offset < len);
}

static void
fz_parser_eth(const uint8_t *buf, size_t len)
{
    struct txp_eth_hdr h;
    struct txp_parse_err pe;
    uint8_t *out;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_eth_parse(buf, len, &h, &pe);
    if (rc < 0) {
        fz_check_reject(rc, &pe, len);
        FZ_CHECK(len < TXP_ETH_HLEN);
        return;
    }
    FZ_CHECK(rc == TXP_ETH_HLEN && len >= TXP_ETH_HLEN);
    out = malloc(TXP_ETH_HLEN);
    FZ_CHECK(out != NULL);
    FZ_CHECK(txp_eth_build(out, TXP_ETH_HLEN, &h) == TXP_ETH_HLEN);
    fz_check_same(out, buf, TXP_ETH_HLEN);
    FZ_CHECK(txp_eth_build(out, TXP_ETH_HLEN - 1, &h) == TXP_ENOSPC);
    free(out);
}

static void
fz_parser_arp(const uint8_t *buf, size_t len)
{
    struct txp_arp_hdr h;
    struct txp_parse_err pe;
    uint8_t *out;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_arp_parse(buf, len, &h, &pe);
    if (rc < 0) {
        fz_check_reject(rc, &pe, len);
        return;
    }
    FZ_CHECK(rc == TXP_ARP_LEN && len >= TXP_ARP_LEN);
    FZ_CHECK(h.hlen == TXP_ETH_ALEN && h.plen == 4);
    out = malloc(TXP_ARP_LEN);
    FZ_CHECK(out != NULL);
    FZ_CHECK(txp_arp_build(out, TXP_ARP_LEN, &h) == TXP_ARP_LEN);
    fz_check_same(out, buf, TXP_ARP_LEN);
    FZ_CHECK(txp_arp_build(out, TXP_ARP_LEN - 1, &h) == TXP_ENOSPC);
    free(out);
}

static void
fz_parser_ipv4(const uint8_t *buf, size_t len)
{
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;
    uint8_t *out;
    size_t hl;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_ipv4_parse(buf, len, &h, &pe);
    if (rc < 0) {
        fz_check_reject(rc, &pe, len);
        return;
    }
    hl = (size_t)rc;
    FZ_CHECK(hl >= TXP_IPV4_HLEN_MIN && hl <= TXP_IPV4_HLEN_MAX && hl <= len);
    FZ_CHECK(h.version == 4 && (size_t)h.ihl * 4 == hl);
    FZ_CHECK(h.opt_len == hl - TXP_IPV4_HLEN_MIN);
    FZ_CHECK(h.tot_len >= hl && h.tot_len <= len);
    FZ_CHECK(memcmp(h.opts, buf + TXP_IPV4_OFF_OPTS, h.opt_len) == 0);
    /* The parser walked the options already: iterating them again must succeed. */
    FZ_CHECK(fz_walk_ipv4_opts(h.opts, h.opt_len) == 0);

    out = malloc(hl);
    FZ_CHECK(out != NULL);
    FZ_CHECK(txp_ipv4_build(out, hl, &h, h.tot_len - hl, TXP_IPV4_BUILD_KEEP_CSUM) == (int)hl);
    fz_check_same(out, buf, hl);
    /* With the checksum computed, the header verifies and only the checksum bytes may differ. */
    FZ_CHECK(txp_ipv4_build(out, hl, &h, h.tot_len - hl, 0) == (int)hl);
    FZ_CHECK(txp_csum(out, hl) == 0);
    FZ_CHECK(memcmp(out, buf, TXP_IPV4_OFF_CSUM) == 0);
    FZ_CHECK(memcmp(out + TXP_IPV4_OFF_SADDR, buf + TXP_IPV4_OFF_SADDR, hl - TXP_IPV4_OFF_SADDR) ==
             0);
    FZ_CHECK(txp_ipv4_build(out, hl - 1, &h, h.tot_len - hl, 0) == TXP_ENOSPC);
    free(out);
}

static void
fz_parser_tcp(const uint8_t *buf, size_t len)
{
    struct txp_tcp_hdr h;
    struct txp_parse_err pe;
    uint8_t *out;
    size_t hl;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_tcp_parse(buf, len, &h, &pe);
    if (rc < 0) {
        fz_check_reject(rc, &pe, len);
        return;
    }
    hl = (size_t)rc;
    FZ_CHECK(hl >= TXP_TCP_HLEN_MIN && hl <= TXP_TCP_HLEN_MAX && hl <= len);
    FZ_CHECK((size_t)h.doff * 4 == hl && h.opt_len == hl - TXP_TCP_HLEN_MIN);
    FZ_CHECK(memcmp(h.opts, buf + TXP_TCP_OFF_OPTS, h.opt_len) == 0);
    fz_check_tcp_opts(h.opts, h.opt_len, true);

    out = malloc(hl);
    FZ_CHECK(out != NULL);
    FZ_CHECK(txp_tcp_build(out, hl, &h) == (int)hl);
    fz_check_same(out, buf, hl);
    FZ_CHECK(txp_tcp_build(out, hl - 1, &h) == TXP_ENOSPC);
    free(out);
}

static void
fz_parser_udp(const uint8_t *buf, size_t len)
{
    struct txp_udp_hdr h;
    struct txp_parse_err pe;
    uint8_t *out;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_udp_parse(buf, len, &h, &pe);
    if (rc < 0) {
        fz_check_reject(rc, &pe, len);
        return;
    }
    FZ_CHECK(rc == TXP_UDP_HLEN && len >= TXP_UDP_HLEN);
    FZ_CHECK(h.len >= TXP_UDP_HLEN && h.len <= len);
    out = malloc(TXP_UDP_HLEN);
    FZ_CHECK(out != NULL);
    FZ_CHECK(txp_udp_build(out, TXP_UDP_HLEN, &h, (size_t)h.len - TXP_UDP_HLEN) == TXP_UDP_HLEN);
    fz_check_same(out, buf, TXP_UDP_HLEN);
    FZ_CHECK(txp_udp_build(out, TXP_UDP_HLEN - 1, &h, (size_t)h.len - TXP_UDP_HLEN) == TXP_ENOSPC);
    free(out);
}

static void
fz_parser_icmp(const uint8_t *buf, size_t len)
{
    struct txp_icmp_hdr h;
    struct txp_parse_err pe;
    uint8_t *out;
    int rc;

    memset(&pe, 0, sizeof(pe));
    rc = txp_icmp_parse(buf, len, &h, &pe);
    if (rc < 0) {
        fz_check_reject(rc, &pe, len);
        FZ_CHECK(pe.reason == TXP_PARSE_TRUNCATED && len < TXP_ICMP_HLEN);
        return;
    }
    FZ_CHECK(rc == TXP_ICMP_HLEN && len >= TXP_ICMP_HLEN);
    out = malloc(TXP_ICMP_HLEN);
    FZ_CHECK(out != NULL);
    FZ_CHECK(txp_icmp_build(out, TXP_ICMP_HLEN, &h) == TXP_ICMP_HLEN);
    fz_check_same(out, buf, TXP_ICMP_HLEN);
    FZ_CHECK(txp_icmp_build(out, TXP_ICMP_HLEN - 1, &h) == TXP_ENOSPC);
    free(out);
}

/* Exactly one bit of TXP_L_* set. */
static bool
fz_one_layer(uint32_t l)
{
    return l != 0 && (l & (l - 1)) == 0 && (l & ~0x3Fu) == 0;
}

static void
fz_check_accepted(const struct txp_dissect *d, const uint8_t *frame, size_t len, enum txp_link link)
{
    const uint32_t l4 = TXP_L_TCP | TXP_L_UDP | TXP_L_ICMP;
    uint32_t hdr_end = 0;
    uint8_t *out;
    int rc;

    FZ_CHECK(d->err.reason == TXP_PARSE_OK);
    FZ_CHECK(d->frame_len == len && d->link == link);
    FZ_CHECK((d->layers & ~0x3Fu) == 0);
    FZ_CHECK(((d->layers & TXP_L_ETH) != 0) == (link == TXP_LINK_ETH));
    FZ_CHECK((d->layers & (TXP_L_ARP | TXP_L_IPV4)) != (TXP_L_ARP | TXP_L_IPV4));
    FZ_CHECK((d->layers & l4) == 0 || fz_one_layer(d->layers & l4));
    FZ_CHECK((d->layers & l4) == 0 || (d->layers & TXP_L_IPV4) != 0);
    if (link == TXP_LINK_RAW_IPV4)
        FZ_CHECK((d->layers & TXP_L_IPV4) != 0 && d->l3_off == 0 && (d->layers & TXP_L_ARP) == 0);
    if (d->layers & TXP_L_ETH)
        hdr_end = TXP_ETH_HLEN;
    if (d->layers & TXP_L_ARP) {
        FZ_CHECK(d->eth.type == TXP_ETH_P_ARP && d->l3_off == TXP_ETH_HLEN);
        FZ_CHECK(d->l3_off + TXP_ARP_LEN <= len);
        hdr_end = d->l3_off + TXP_ARP_LEN;
    }
    if (d->layers & TXP_L_IPV4) {
        uint32_t ihl = (uint32_t)d->ip.ihl * 4;
        bool frag = (d->ip.frag_off & (TXP_IP_MF | TXP_IP_OFFMASK)) != 0;

        if (d->layers & TXP_L_ETH)
            FZ_CHECK(d->eth.type == TXP_ETH_P_IP && d->l3_off == TXP_ETH_HLEN);
        FZ_CHECK(d->ip.version == 4 && ihl >= TXP_IPV4_HLEN_MIN && ihl <= TXP_IPV4_HLEN_MAX);
        FZ_CHECK(d->ip.opt_len == ihl - TXP_IPV4_HLEN_MIN);
        FZ_CHECK(d->ip.tot_len >= ihl && (size_t)d->l3_off + d->ip.tot_len <= len);
        FZ_CHECK(d->ip_fragment == frag);
        /* The datagram ends at tot_len; what follows is trailer (Ethernet padding). */
        FZ_CHECK(d->payload_off + d->payload_len == d->l3_off + d->ip.tot_len);
        FZ_CHECK(d->trailer_len == len - (d->l3_off + d->ip.tot_len));
        hdr_end = d->l3_off + ihl;
        if ((d->ip.frag_off & TXP_IP_OFFMASK) != 0)
            FZ_CHECK((d->layers & l4) == 0);
        if (d->layers & l4)
            FZ_CHECK(d->l4_off == hdr_end);
        if (d->layers & TXP_L_TCP) {
            FZ_CHECK(d->ip.protocol == TXP_IPPROTO_TCP);
            FZ_CHECK(d->tcp.doff >= 5 && d->tcp.opt_len == (uint32_t)d->tcp.doff * 4 - 20);
            hdr_end = d->l4_off + (uint32_t)d->tcp.doff * 4;
        } else if (d->layers & TXP_L_UDP) {
            FZ_CHECK(d->ip.protocol == TXP_IPPROTO_UDP);
            FZ_CHECK(d->udp.len >= TXP_UDP_HLEN);
            /* Only a first fragment may carry a UDP length beyond its own datagram bytes. */
            FZ_CHECK(d->ip_fragment ||
                     (size_t)d->l4_off + d->udp.len <= (size_t)d->l3_off + d->ip.tot_len);
            hdr_end = d->l4_off + TXP_UDP_HLEN;
        } else if (d->layers & TXP_L_ICMP) {
            FZ_CHECK(d->ip.protocol == TXP_IPPROTO_ICMP);
            hdr_end = d->l4_off + TXP_ICMP_HLEN;
        }
    }
    FZ_CHECK(d->payload_off == hdr_end);
    FZ_CHECK((uint64_t)d->payload_off + d->payload_len + d->trailer_len == d->frame_len);

    /* Re-serialise into exactly frame_len bytes: identical to the input. */
    out = malloc(len > 0 ? len : 1);
    FZ_CHECK(out != NULL);
    rc = txp_dissect_build(out, len, d, frame);
    FZ_CHECK(rc >= 0 && (size_t)rc == len);
    fz_check_same(out, frame, len);
    free(out);
    /* One byte short: refused, and ASan would flag a write past the smaller buffer. */
    if (len > 0) {
        out = malloc(len - 1 > 0 ? len - 1 : 1);
        FZ_CHECK(out != NULL);
        rc = txp_dissect_build(out, len - 1, d, frame);
        FZ_CHECK(rc == TXP_ENOSPC || rc == TXP_EINVAL);
        free(out);
    }
}

static void
fz_check_rejected(int rc, const struct txp_dissect *d, size_t len)
{
    FZ_CHECK(rc == TXP_EBADMSG);
    fz_check_reject(rc, &d->err, len);
    FZ_CHECK(fz_one_layer(d->err_layer));
    FZ_CHECK((d->layers & d->err_layer) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct txp_dissect d;
    enum txp_link link;
    uint8_t *frame;
    size_t len;
    int rc;

    if (size < 1)
        return 0;
    link = (data[0] & 1u) ? TXP_LINK_RAW_IPV4 : TXP_LINK_ETH;
    len = size - 1;
    frame = fz_dup(data + 1, len);

    memset(&d, 0, sizeof(d));
    rc = txp_dissect(frame, len, link, &d);
    if (rc == TXP_OK)
        fz_check_accepted(&d, frame, len, link);
    else
        fz_check_rejected(rc, &d, len);

    /* Dissection is a pure function of the bytes: a second run agrees. */
    {
        struct txp_dissect d2;

        memset(&d2, 0, sizeof(d2));
        FZ_CHECK(txp_dissect(frame, len, link, &d2) == rc);
        FZ_CHECK(d2.layers == d.layers && d2.payload_off == d.payload_off &&
                 d2.payload_len == d.payload_len && d2.err.reason == d.err.reason &&
                 d2.err.offset == d.err.offset);
    }

    /* Every parser straight on the frame bytes. */
    fz_parser_eth(frame, len);
    fz_parser_arp(frame, len);
    fz_parser_ipv4(frame, len);
    fz_parser_tcp(frame, len);
    fz_parser_udp(frame, len);
    fz_parser_icmp(frame, len);
    (void)fz_walk_ipv4_opts(frame, len < TXP_IPV4_OPT_MAX ? len : TXP_IPV4_OPT_MAX);
    fz_check_tcp_opts(frame, len < TXP_TCP_OPT_MAX ? len : TXP_TCP_OPT_MAX, false);

    free(frame);
    return 0;
}
