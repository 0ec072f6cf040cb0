/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: unit tests of the wire formats (prot/eth.h arp.h ip.h tcp.h udp.h dissect.h).
 *
 * What every suite checks:
 *  - known-good vectors (frames made by scapy 2.5, or the classic IPv4 header with checksum
 *    0xb861) parse to the expected fields, and their checksums verify;
 *  - parse -> build reproduces the bytes exactly;
 *  - every malformed class yields TXP_EBADMSG with the exact reason AND the exact byte offset;
 *  - truncation at every length 0..n-1 of a valid input gives the exact expected outcome;
 *  - parsers never read past the length given: every parse runs on a copy whose last byte sits
 *    just before a PROT_NONE page (harness guard.c), so one byte too far is a SIGSEGV (and an
 *    ASan report in sanitizer builds).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/h_guard.h"
#include "txpath/pkt.h"

/* ------------------------------------------------------------------ vectors (scapy 2.5) */

/* Ether/IP(192.168.0.1 > 192.168.0.199, DF)/TCP SYN 40000 > 80, options MSS 1460, SAckOK,
 * TS(0xaabbccdd, 0), NOP, WScale 7. IP csum 0xa66f, TCP csum 0xb2c6. */
static const uint8_t v_eth_tcp_syn[74] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0xa6, 0x6f, 0xc0, 0xa8, 0x00, 0x01,
    0xc0, 0xa8, 0x00, 0xc7, 0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00,
    0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xb2, 0xc6, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

/* Ether/IP(10.0.0.1 > 10.0.0.2)/UDP 1234 > 5678 "hello". IP csum 0x66c3, UDP csum 0x8cff. */
static const uint8_t v_eth_udp[47] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x21, 0x00, 0x07, 0x00, 0x00, 0x40, 0x11, 0x66, 0xc3, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
    0x00, 0x02, 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0d, 0x8c, 0xff, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

/* Ether/IP/ICMP echo request id 0x4242 seq 1, "ping" * 8. ICMP csum 0xbf35. */
static const uint8_t v_eth_icmp[74] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x00, 0x08, 0x00, 0x00, 0x40, 0x01, 0x66, 0xb7, 0x0a, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0xbf, 0x35, 0x42, 0x42, 0x00, 0x01, 0x70, 0x69, 0x6e,
    0x67, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x69,
    0x6e, 0x67, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x69, 0x6e, 0x67};

/* Ether(broadcast)/ARP who-has 10.0.0.2 tell 10.0.0.1 (02:00:00:00:00:01), unpadded. */
static const uint8_t v_eth_arp[42] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02};

/* IP(10.0.0.1 > 224.0.0.22, ttl 1, Router Alert)/UDP 7 > 9 "xy". IP 0x3aaf, UDP 0x9d39. */
static const uint8_t v_raw_ip_ra_udp[34] = {0x46, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00, 0x01,
                                            0x11, 0x3a, 0xaf, 0x0a, 0x00, 0x00, 0x01, 0xe0, 0x00,
                                            0x00, 0x16, 0x94, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00,
                                            0x09, 0x00, 0x0a, 0x9d, 0x39, 0x78, 0x79};

/* The classic IPv4 header (UDP, 115 bytes total, DF), checksum 0xb861. */
static const uint8_t v_ip_b861[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

/* ------------------------------------------------------------------ helpers */

#define EXPECT_PERR(rc, pe, r, off)                                                                \
    do {                                                                                           \
        CU_ASSERT_EQUAL((rc), TXP_EBADMSG);                                                        \
        CU_ASSERT_EQUAL((pe).reason, (r));                                                         \
        CU_ASSERT_EQUAL((pe).offset, (uint32_t)(off));                                             \
    } while (0)

/* Copy @p src[0..n) to the end of a guarded mapping: data[n] is a PROT_NONE byte. */
static const uint8_t *
gplace(struct txp_h_guard *g, const uint8_t *src, size_t n)
{
    int rc = txp_h_guard_place(g, src, n);

    CU_ASSERT_FATAL(rc == TXP_OK);
    return g->data;
}

static int
g_eth(const uint8_t *src, size_t n, struct txp_eth_hdr *h, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_eth_parse(gplace(&g, src, n), n, h, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_arp(const uint8_t *src, size_t n, struct txp_arp_hdr *h, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_arp_parse(gplace(&g, src, n), n, h, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_ipv4(const uint8_t *src, size_t n, struct txp_ipv4_hdr *h, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_ipv4_parse(gplace(&g, src, n), n, h, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_ipv4_opts_walk(const uint8_t *src, size_t n, struct txp_ipv4_opt *out, size_t max, size_t *cnt,
                 struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    const uint8_t *p = gplace(&g, src, n);
    size_t pos = 0;
    int rc;

    *cnt = 0;
    for (;;) {
        struct txp_ipv4_opt o;

        rc = txp_ipv4_opt_next(p, n, &pos, &o, pe);
        if (rc != 1)
            break;
        if (*cnt < max) {
            /* data pointed into the guarded copy: make it an offset into @p src. */
            o.data = src + (o.data - p);
            out[*cnt] = o;
        }
        (*cnt)++;
        if (*cnt > n + 1)
            break;
    }
    txp_h_guard_free(&g);
    return rc;
}

static int
g_tcp(const uint8_t *src, size_t n, struct txp_tcp_hdr *h, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_tcp_parse(gplace(&g, src, n), n, h, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_tcp_opts(const uint8_t *src, size_t n, struct txp_tcp_opts *o, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_tcp_opts_parse(gplace(&g, src, n), n, o, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_udp(const uint8_t *src, size_t n, struct txp_udp_hdr *h, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_udp_parse(gplace(&g, src, n), n, h, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_icmp(const uint8_t *src, size_t n, struct txp_icmp_hdr *h, struct txp_parse_err *pe)
{
    struct txp_h_guard g;
    int rc = txp_icmp_parse(gplace(&g, src, n), n, h, pe);

    txp_h_guard_free(&g);
    return rc;
}

static int
g_dissect(const uint8_t *src, size_t n, enum txp_link link, struct txp_dissect *d)
{
    struct txp_h_guard g;
    int rc = txp_dissect(gplace(&g, src, n), n, link, d);

    txp_h_guard_free(&g);
    return rc;
}

/* Build a dissection back into an exact-size buffer; it must equal @p frame. */
static void
check_dissect_roundtrip(const struct txp_dissect *d, const uint8_t *frame, size_t n)
{
    uint8_t *out = malloc(n > 0 ? n : 1);
    int rc;

    CU_ASSERT_FATAL(out != NULL);
    rc = txp_dissect_build(out, n, d, frame);
    CU_ASSERT_EQUAL(rc, (int)n);
    CU_ASSERT(memcmp(out, frame, n) == 0);
    if (n > 0)
        CU_ASSERT_EQUAL(txp_dissect_build(out, n - 1, d, frame), TXP_ENOSPC);
    free(out);
}

/* Dissect @p frame (guarded), expect success, check the round trip; @return the dissection. */
static struct txp_dissect
dissect_ok(const uint8_t *frame, size_t n, enum txp_link link)
{
    struct txp_dissect d;
    int rc = g_dissect(frame, n, link, &d);

    CU_ASSERT_EQUAL(rc, TXP_OK);
    CU_ASSERT_EQUAL(d.err.reason, TXP_PARSE_OK);
    CU_ASSERT_EQUAL(d.err_layer, 0);
    CU_ASSERT_EQUAL(d.frame_len, n);
    CU_ASSERT_EQUAL((size_t)d.payload_off + d.payload_len + d.trailer_len, n);
    if (rc == TXP_OK)
        check_dissect_roundtrip(&d, frame, n);
    return d;
}

/* ------------------------------------------------------------------ eth */

static void
test_eth_parse_known(void)
{
    struct txp_eth_hdr h;
    struct txp_parse_err pe = {TXP_PARSE_BAD_IHL, 99};
    static const uint8_t dst[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};

    CU_ASSERT_EQUAL(g_eth(v_eth_tcp_syn, sizeof(v_eth_tcp_syn), &h, &pe), TXP_ETH_HLEN);
    CU_ASSERT(memcmp(h.dst, dst, 6) == 0);
    CU_ASSERT(memcmp(h.src, src, 6) == 0);
    CU_ASSERT_EQUAL(h.type, TXP_ETH_P_IP);
    CU_ASSERT_EQUAL(pe.reason, TXP_PARSE_OK);
    /* exactly 14 bytes is enough; pe may be NULL */
    CU_ASSERT_EQUAL(g_eth(v_eth_arp, TXP_ETH_HLEN, &h, NULL), TXP_ETH_HLEN);
    CU_ASSERT_EQUAL(h.type, TXP_ETH_P_ARP);
}

static void
test_eth_truncated_every_len(void)
{
    struct txp_eth_hdr h;
    struct txp_parse_err pe;
    size_t n;

    for (n = 0; n < TXP_ETH_HLEN; n++) {
        memset(&pe, 0, sizeof(pe));
        EXPECT_PERR(g_eth(v_eth_tcp_syn, n, &h, &pe), pe, TXP_PARSE_TRUNCATED, n);
    }
    CU_ASSERT_EQUAL(g_eth(v_eth_tcp_syn, 5, &h, NULL), TXP_EBADMSG);
}

static void
test_eth_build_roundtrip(void)
{
    struct txp_eth_hdr h;
    uint8_t out[TXP_ETH_HLEN];

    CU_ASSERT_EQUAL_FATAL(g_eth(v_eth_arp, sizeof(v_eth_arp), &h, NULL), TXP_ETH_HLEN);
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_eth_build(out, sizeof(out), &h), TXP_ETH_HLEN);
    CU_ASSERT(memcmp(out, v_eth_arp, TXP_ETH_HLEN) == 0);
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_eth_build(out, TXP_ETH_HLEN - 1, &h), TXP_ENOSPC);
    CU_ASSERT_EQUAL(out[0], 0xee); /* nothing written */
}

static void
test_eth_addr_text(void)
{
    static const uint8_t want[6] = {0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0xef};
    static const char *const bad[] = {
        "",
        "00:1a:2b:3c:4d",
        "00:1a:2b:3c:4d:ef:",
        "00:1a:2b:3c:4d:ef:00",
        "0:1a:2b:3c:4d:ef",
        "00:1a:2b:3c:4d:e",
        "00-1a-2b-3c-4d-ef",
        "00:1a:2b:3c:4d:eg",
        "00:1a:2b:3c:4d:ef ",
        " 00:1a:2b:3c:4d:ef",
        "001a2b3c4def",
        "00:1a:2b:3c:4d:+f",
    };
    uint8_t mac[6];
    uint8_t keep[6] = {1, 2, 3, 4, 5, 6};
    char s[18];
    size_t i;

    CU_ASSERT_EQUAL(txp_eth_addr_parse("00:1a:2b:3c:4d:ef", mac), TXP_OK);
    CU_ASSERT(memcmp(mac, want, 6) == 0);
    CU_ASSERT_EQUAL(txp_eth_addr_parse("00:1A:2B:3C:4D:EF", mac), TXP_OK);
    CU_ASSERT(memcmp(mac, want, 6) == 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(mac, keep, 6);
        CU_ASSERT_EQUAL(txp_eth_addr_parse(bad[i], mac), TXP_EINVAL);
        CU_ASSERT(memcmp(mac, keep, 6) == 0); /* untouched on failure */
    }
    txp_eth_addr_format(want, s);
    CU_ASSERT_STRING_EQUAL(s, "00:1a:2b:3c:4d:ef");
    memset(mac, 0xff, 6);
    txp_eth_addr_format(mac, s);
    CU_ASSERT_STRING_EQUAL(s, "ff:ff:ff:ff:ff:ff");
}

/* ------------------------------------------------------------------ arp */

static const uint8_t *const arp_body = v_eth_arp + TXP_ETH_HLEN;

static void
test_arp_parse_known(void)
{
    struct txp_arp_hdr h;
    struct txp_parse_err pe;
    static const uint8_t sha[6] = {0x02, 0, 0, 0, 0, 0x01};
    static const uint8_t zero[6] = {0};

    CU_ASSERT_EQUAL(g_arp(arp_body, TXP_ARP_LEN, &h, &pe), TXP_ARP_LEN);
    CU_ASSERT_EQUAL(pe.reason, TXP_PARSE_OK);
    CU_ASSERT_EQUAL(h.htype, TXP_ARP_HRD_ETHER);
    CU_ASSERT_EQUAL(h.ptype, TXP_ETH_P_IP);
    CU_ASSERT_EQUAL(h.hlen, 6);
    CU_ASSERT_EQUAL(h.plen, 4);
    CU_ASSERT_EQUAL(h.oper, TXP_ARP_OP_REQUEST);
    CU_ASSERT(memcmp(h.sha, sha, 6) == 0);
    CU_ASSERT_EQUAL(h.spa, 0x0a000001u);
    CU_ASSERT(memcmp(h.tha, zero, 6) == 0);
    CU_ASSERT_EQUAL(h.tpa, 0x0a000002u);
}

static void
test_arp_truncated_every_len(void)
{
    struct txp_arp_hdr h;
    struct txp_parse_err pe;
    size_t n;

    for (n = 0; n < TXP_ARP_LEN; n++) {
        memset(&pe, 0, sizeof(pe));
        EXPECT_PERR(g_arp(arp_body, n, &h, &pe), pe, TXP_PARSE_TRUNCATED, n);
    }
}

static void
test_arp_bad_addr_len(void)
{
    uint8_t b[TXP_ARP_LEN];
    struct txp_arp_hdr h;
    struct txp_parse_err pe;

    memcpy(b, arp_body, sizeof(b));
    b[4] = 8; /* hlen */
    EXPECT_PERR(g_arp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_BAD_ADDR_LEN, 4);
    /* the address lengths are judged as soon as the fixed 8 bytes are there */
    EXPECT_PERR(g_arp(b, 8, &h, &pe), pe, TXP_PARSE_BAD_ADDR_LEN, 4);
    b[4] = 6;
    b[5] = 16; /* plen (IPv6) */
    EXPECT_PERR(g_arp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_BAD_ADDR_LEN, 5);
    b[4] = 0; /* both wrong: hlen first */
    EXPECT_PERR(g_arp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_BAD_ADDR_LEN, 4);
}

static void
test_arp_build_roundtrip(void)
{
    struct txp_arp_hdr h;
    uint8_t out[TXP_ARP_LEN];

    CU_ASSERT_EQUAL_FATAL(g_arp(arp_body, TXP_ARP_LEN, &h, NULL), TXP_ARP_LEN);
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_arp_build(out, sizeof(out), &h), TXP_ARP_LEN);
    CU_ASSERT(memcmp(out, arp_body, TXP_ARP_LEN) == 0);
    CU_ASSERT_EQUAL(txp_arp_build(out, TXP_ARP_LEN - 1, &h), TXP_ENOSPC);
    h.hlen = 8;
    CU_ASSERT_EQUAL(txp_arp_build(out, sizeof(out), &h), TXP_EINVAL);
    h.hlen = 6;
    h.plen = 16;
    CU_ASSERT_EQUAL(txp_arp_build(out, sizeof(out), &h), TXP_EINVAL);
    /* a reply built from fields */
    h.plen = 4;
    h.oper = TXP_ARP_OP_REPLY;
    CU_ASSERT_EQUAL(txp_arp_build(out, sizeof(out), &h), TXP_ARP_LEN);
    CU_ASSERT_EQUAL(out[6], 0);
    CU_ASSERT_EQUAL(out[7], 2);
}

/* ------------------------------------------------------------------ ipv4 */

/* The 0xb861 header followed by its 95 payload bytes (zeros). */
static uint8_t *
ip_b861_datagram(void)
{
    uint8_t *b = calloc(1, 0x73);

    CU_ASSERT_FATAL(b != NULL);
    memcpy(b, v_ip_b861, sizeof(v_ip_b861));
    return b;
}

static void
test_ipv4_known_vector(void)
{
    uint8_t *b = ip_b861_datagram();
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;
    uint8_t out[20];

    CU_ASSERT_EQUAL(txp_csum(v_ip_b861, sizeof(v_ip_b861)), 0);
    CU_ASSERT_EQUAL(g_ipv4(b, 0x73, &h, &pe), 20);
    CU_ASSERT_EQUAL(pe.reason, TXP_PARSE_OK);
    CU_ASSERT_EQUAL(h.version, 4);
    CU_ASSERT_EQUAL(h.ihl, 5);
    CU_ASSERT_EQUAL(h.tos, 0);
    CU_ASSERT_EQUAL(h.tot_len, 0x73);
    CU_ASSERT_EQUAL(h.id, 0);
    CU_ASSERT_EQUAL(h.frag_off, TXP_IP_DF);
    CU_ASSERT_EQUAL(h.ttl, 64);
    CU_ASSERT_EQUAL(h.protocol, TXP_IPPROTO_UDP);
    CU_ASSERT_EQUAL(h.check, 0xb861);
    CU_ASSERT_EQUAL(h.saddr, 0xc0a80001u);
    CU_ASSERT_EQUAL(h.daddr, 0xc0a800c7u);
    CU_ASSERT_EQUAL(h.opt_len, 0);

    /* computed checksum reproduces the vector; so does KEEP_CSUM */
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 95, 0), 20);
    CU_ASSERT(memcmp(out, v_ip_b861, 20) == 0);
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 95, TXP_IPV4_BUILD_KEEP_CSUM), 20);
    CU_ASSERT(memcmp(out, v_ip_b861, 20) == 0);
    /* KEEP_CSUM writes whatever check holds; the default ignores it */
    h.check = 0x1234;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 95, TXP_IPV4_BUILD_KEEP_CSUM), 20);
    CU_ASSERT_EQUAL(out[10], 0x12);
    CU_ASSERT_EQUAL(out[11], 0x34);
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 95, 0), 20);
    CU_ASSERT(memcmp(out, v_ip_b861, 20) == 0);
    free(b);
}

static void
test_ipv4_truncated_every_len(void)
{
    /* IHL 6 (one RA option), tot_len 34: 0..19 TRUNCATED, 20..23 BAD_IHL, 24..33 LEN_MISMATCH */
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;
    size_t n;

    for (n = 0; n < sizeof(v_raw_ip_ra_udp); n++) {
        memset(&pe, 0, sizeof(pe));
        if (n < 20)
            EXPECT_PERR(g_ipv4(v_raw_ip_ra_udp, n, &h, &pe), pe, TXP_PARSE_TRUNCATED, n);
        else if (n < 24)
            EXPECT_PERR(g_ipv4(v_raw_ip_ra_udp, n, &h, &pe), pe, TXP_PARSE_BAD_IHL, 0);
        else
            EXPECT_PERR(g_ipv4(v_raw_ip_ra_udp, n, &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 2);
    }
    CU_ASSERT_EQUAL(g_ipv4(v_raw_ip_ra_udp, sizeof(v_raw_ip_ra_udp), &h, &pe), 24);
}

static void
test_ipv4_bad_version(void)
{
    uint8_t *b = ip_b861_datagram();
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;

    b[0] = 0x65; /* IPv6 version nibble */
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_BAD_VERSION, 0);
    b[0] = 0x05;
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_BAD_VERSION, 0);
    b[0] = 0xf4; /* version checked before IHL */
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_BAD_VERSION, 0);
    free(b);
}

static void
test_ipv4_bad_ihl(void)
{
    uint8_t *b = ip_b861_datagram();
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;

    b[0] = 0x44;
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_BAD_IHL, 0);
    b[0] = 0x40;
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_BAD_IHL, 0);
    /* IHL 15 = 60 bytes, only 59 present */
    b[0] = 0x4f;
    EXPECT_PERR(g_ipv4(b, 59, &h, &pe), pe, TXP_PARSE_BAD_IHL, 0);
    free(b);
}

static void
test_ipv4_len_mismatch(void)
{
    uint8_t *b = ip_b861_datagram();
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;

    /* tot_len above the bytes present */
    EXPECT_PERR(g_ipv4(b, 0x72, &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 2);
    /* tot_len below the header length */
    b[2] = 0;
    b[3] = 19;
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 2);
    b[3] = 0;
    EXPECT_PERR(g_ipv4(b, 0x73, &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 2);
    /* tot_len == header length: a datagram with no payload is fine */
    b[3] = 20;
    CU_ASSERT_EQUAL(g_ipv4(b, 20, &h, &pe), 20);
    CU_ASSERT_EQUAL(h.tot_len, 20);
    /* bytes beyond tot_len (link padding) are allowed */
    CU_ASSERT_EQUAL(g_ipv4(b, 0x73, &h, &pe), 20);
    free(b);
}

static void
test_ipv4_build_fields(void)
{
    struct txp_ipv4_hdr h;
    struct txp_ipv4_hdr p;
    uint8_t out[64];

    memset(&h, 0, sizeof(h));
    h.ttl = 64;
    h.protocol = TXP_IPPROTO_TCP;
    h.saddr = 0x0a000001u;
    h.daddr = 0x0a000002u;
    h.id = 0xbeef;
    h.frag_off = TXP_IP_MF | 0x0123u;
    h.tos = 0xb8;
    /* version 0 -> 4, ihl 0 -> computed, tot_len 0 -> header + payload */
    h.opt_len = 3;
    h.opts[0] = TXP_IPOPT_NOOP;
    h.opts[1] = TXP_IPOPT_NOOP;
    h.opts[2] = TXP_IPOPT_NOOP;
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL_FATAL(txp_ipv4_build(out, 24, &h, 100, 0), 24);
    CU_ASSERT_EQUAL(out[0], 0x46);
    CU_ASSERT_EQUAL(out[1], 0xb8);
    CU_ASSERT_EQUAL(txp_load_be16(out + 2), 124);
    CU_ASSERT_EQUAL(txp_load_be16(out + 6), 0x2123);
    CU_ASSERT_EQUAL(out[23], 0); /* padded with EOL */
    CU_ASSERT_EQUAL(out[24], 0xee);
    CU_ASSERT_EQUAL(txp_csum(out, 24), 0);
    {
        struct txp_parse_err pe;

        EXPECT_PERR(g_ipv4(out, 24, &p, &pe), pe, TXP_PARSE_LEN_MISMATCH, 2);
    }
    out[3] = 24; /* make it self-contained and parse it back */
    CU_ASSERT_EQUAL_FATAL(g_ipv4(out, 24, &p, NULL), 24);
    CU_ASSERT_EQUAL(p.opt_len, 4);
    CU_ASSERT_EQUAL(p.id, 0xbeef);
    CU_ASSERT_EQUAL(p.frag_off, TXP_IP_MF | 0x0123u);

    /* explicit tot_len wins over payload_len */
    h.tot_len = 1000;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, 24, &h, 5, 0), 24);
    CU_ASSERT_EQUAL(txp_load_be16(out + 2), 1000);
    h.tot_len = 0;
    /* too small a buffer */
    CU_ASSERT_EQUAL(txp_ipv4_build(out, 23, &h, 0, 0), TXP_ENOSPC);
    /* ihl disagreeing with opt_len */
    h.ihl = 5;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 0, 0), TXP_EINVAL);
    h.ihl = 7;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 0, 0), TXP_EINVAL);
    h.ihl = 6;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 0, 0), 24);
    /* options over 40 bytes */
    h.ihl = 0;
    h.opt_len = 41;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 0, 0), TXP_EINVAL);
    h.opt_len = 40;
    memset(h.opts, TXP_IPOPT_NOOP, 40);
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 0, 0), 60);
    CU_ASSERT_EQUAL(out[0], 0x4f);
    /* total length over 65535 */
    h.opt_len = 0;
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 65535 - 20, 0), 20);
    CU_ASSERT_EQUAL(txp_load_be16(out + 2), 65535);
    CU_ASSERT_EQUAL(txp_ipv4_build(out, sizeof(out), &h, 65535 - 19, 0), TXP_EINVAL);
}

static void
test_ipv4_l4_csum(void)
{
    const uint8_t *seg = v_eth_udp + 34;
    uint8_t tcp[40];
    uint8_t u[12];
    uint16_t c;

    /* UDP from the scapy vector: 0x8cff */
    {
        uint8_t s13[13];

        memcpy(s13, seg, 13);
        s13[6] = 0;
        s13[7] = 0;
        CU_ASSERT_EQUAL(txp_ipv4_l4_csum(0x0a000001u, 0x0a000002u, TXP_IPPROTO_UDP, s13, 13),
                        0x8cff);
        CU_ASSERT_EQUAL(txp_udp_csum_ipv4(0x0a000001u, 0x0a000002u, s13, 13), 0x8cff);
    }
    /* TCP SYN from the scapy vector: 0xb2c6 */
    memcpy(tcp, v_eth_tcp_syn + 34, 40);
    tcp[16] = 0;
    tcp[17] = 0;
    CU_ASSERT_EQUAL(txp_ipv4_l4_csum(0xc0a80001u, 0xc0a800c7u, TXP_IPPROTO_TCP, tcp, 40), 0xb2c6);

    /* A UDP segment whose checksum computes to 0 is sent as 0xFFFF (RFC 768). */
    memset(u, 0, sizeof(u));
    u[5] = 12; /* length */
    c = txp_ipv4_l4_csum(0x01020304u, 0x05060708u, TXP_IPPROTO_UDP, u, 12);
    txp_store_be16(u + 8, c); /* adding ~S to S makes the sum 0xffff: checksum 0 */
    CU_ASSERT_EQUAL(txp_ipv4_l4_csum(0x01020304u, 0x05060708u, TXP_IPPROTO_UDP, u, 12), 0);
    CU_ASSERT_EQUAL(txp_udp_csum_ipv4(0x01020304u, 0x05060708u, u, 12), 0xffff);
}

static void
test_ipv4_addr_text(void)
{
    static const char *const bad[] = {
        "",         "1.2.3",     "1.2.3.4.",   "1.2.3.4 ",  " 1.2.3.4",   "+1.2.3.4",
        "1.+2.3.4", "1..2.3",    "1.2.3.256",  "256.0.0.1", "01.2.3.4",   "1.2.3.00",
        "1.2.3.-4", "1.2.3.4x",  "1234.1.1.1", "0x1.2.3.4", "1.2.3.4.5",  "1,2,3,4",
        ".1.2.3",   "1.2.3.999", "4294967296", "1.2.3.",    "1.2.3.0004",
    };
    uint32_t a = 0x11111111u;
    char s[16];
    size_t i;

    CU_ASSERT_EQUAL(txp_ipv4_addr_parse("192.168.0.1", &a), TXP_OK);
    CU_ASSERT_EQUAL(a, 0xc0a80001u);
    CU_ASSERT_EQUAL(txp_ipv4_addr_parse("0.0.0.0", &a), TXP_OK);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(txp_ipv4_addr_parse("255.255.255.255", &a), TXP_OK);
    CU_ASSERT_EQUAL(a, 0xffffffffu);
    CU_ASSERT_EQUAL(txp_ipv4_addr_parse("10.0.100.249", &a), TXP_OK);
    CU_ASSERT_EQUAL(a, 0x0a0064f9u);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a = 0x11111111u;
        CU_ASSERT_EQUAL(txp_ipv4_addr_parse(bad[i], &a), TXP_EINVAL);
        CU_ASSERT_EQUAL(a, 0x11111111u);
    }
    txp_ipv4_addr_format(0xc0a80001u, s);
    CU_ASSERT_STRING_EQUAL(s, "192.168.0.1");
    txp_ipv4_addr_format(0xffffffffu, s);
    CU_ASSERT_STRING_EQUAL(s, "255.255.255.255");
    txp_ipv4_addr_format(0, s);
    CU_ASSERT_STRING_EQUAL(s, "0.0.0.0");
}

/* ------------------------------------------------------------------ ipv4opt */

/* A header of 20 + @p olen (multiple of 4) bytes with options @p o, tot_len = header length. */
static size_t
ip_with_opts(uint8_t *b, const uint8_t *o, size_t olen)
{
    size_t hl = 20 + olen;

    memcpy(b, v_ip_b861, 20);
    b[0] = (uint8_t)(0x40u | (hl / 4));
    txp_store_be16(b + 2, (uint16_t)hl);
    memcpy(b + 20, o, olen);
    return hl;
}

static void
test_ipv4opt_iterate(void)
{
    /* NOP, RR (len 7: ptr 4 + one address), RA, EOL, then padding that is not examined */
    static const uint8_t o[16] = {1, 7, 7, 4, 10, 0, 0, 1, 148, 4, 0, 0, 0, 0xff, 0x44, 0x01};
    struct txp_ipv4_opt v[8];
    struct txp_parse_err pe = {TXP_PARSE_OK, 0};
    size_t cnt;

    CU_ASSERT_EQUAL(g_ipv4_opts_walk(o, sizeof(o), v, 8, &cnt, &pe), 0);
    CU_ASSERT_EQUAL_FATAL(cnt, 4);
    CU_ASSERT_EQUAL(v[0].type, TXP_IPOPT_NOOP);
    CU_ASSERT_EQUAL(v[0].len, 1);
    CU_ASSERT_EQUAL(v[0].off, 0);
    CU_ASSERT_EQUAL(v[1].type, TXP_IPOPT_RR);
    CU_ASSERT_EQUAL(v[1].len, 7);
    CU_ASSERT_EQUAL(v[1].off, 1);
    CU_ASSERT(v[1].data == o + 3);
    CU_ASSERT_EQUAL(v[2].type, TXP_IPOPT_RA);
    CU_ASSERT_EQUAL(v[2].len, 4);
    CU_ASSERT_EQUAL(v[2].off, 8);
    CU_ASSERT(v[2].data == o + 10);
    CU_ASSERT_EQUAL(v[3].type, TXP_IPOPT_END);
    CU_ASSERT_EQUAL(v[3].len, 1);
    CU_ASSERT_EQUAL(v[3].off, 12);
    CU_ASSERT(TXP_IPOPT_COPIED(v[2].type));
    CU_ASSERT(!TXP_IPOPT_COPIED(v[1].type));
    /* empty option area */
    CU_ASSERT_EQUAL(g_ipv4_opts_walk(o, 0, v, 8, &cnt, &pe), 0);
    CU_ASSERT_EQUAL(cnt, 0);
    /* ends at the end of bytes without EOL */
    CU_ASSERT_EQUAL(g_ipv4_opts_walk(o, 8, v, 8, &cnt, &pe), 0);
    CU_ASSERT_EQUAL(cnt, 2);
}

static void
test_ipv4opt_iter_errors(void)
{
    struct txp_ipv4_opt v[8];
    struct txp_parse_err pe;
    size_t cnt;
    /* type byte is the last byte: no length */
    static const uint8_t last[4] = {1, 1, 1, 7};
    /* length 0, 1 */
    static const uint8_t l0[4] = {1, 131, 0, 0};
    static const uint8_t l1[4] = {1, 1, 68, 1};
    /* length past the end */
    static const uint8_t over[8] = {1, 7, 8, 4, 0, 0, 0, 0};
    /* RA must be 4 */
    static const uint8_t ra3[4] = {148, 3, 0, 0};
    static const uint8_t ra6[8] = {1, 1, 148, 6, 0, 0, 0, 0};
    static const uint8_t fill[8] = {1, 7, 7, 4, 0, 0, 0, 0};

    EXPECT_PERR(g_ipv4_opts_walk(last, 4, v, 8, &cnt, &pe), pe, TXP_PARSE_OPT_OVERRUN, 3);
    CU_ASSERT_EQUAL(cnt, 3);
    EXPECT_PERR(g_ipv4_opts_walk(l0, 4, v, 8, &cnt, &pe), pe, TXP_PARSE_BAD_OPT_LEN, 1);
    EXPECT_PERR(g_ipv4_opts_walk(l1, 4, v, 8, &cnt, &pe), pe, TXP_PARSE_BAD_OPT_LEN, 2);
    EXPECT_PERR(g_ipv4_opts_walk(over, 8, v, 8, &cnt, &pe), pe, TXP_PARSE_OPT_OVERRUN, 1);
    EXPECT_PERR(g_ipv4_opts_walk(ra3, 4, v, 8, &cnt, &pe), pe, TXP_PARSE_BAD_OPT_LEN, 0);
    EXPECT_PERR(g_ipv4_opts_walk(ra6, 8, v, 8, &cnt, &pe), pe, TXP_PARSE_BAD_OPT_LEN, 2);
    /* a length that exactly fills the area is fine */
    CU_ASSERT_EQUAL(g_ipv4_opts_walk(fill, 8, v, 8, &cnt, &pe), 0);
    CU_ASSERT_EQUAL(cnt, 2);
}

static void
test_ipv4opt_parse_errors(void)
{
    /* the same classes seen through txp_ipv4_parse: offsets from the header start (20 + k) */
    static const uint8_t last[4] = {1, 1, 1, 7};
    static const uint8_t l1[4] = {1, 1, 131, 1};
    static const uint8_t over[8] = {1, 7, 8, 4, 0, 0, 0, 0};
    static const uint8_t ra3[4] = {148, 3, 0, 0};
    static const uint8_t after_eol[4] = {0, 0xff, 0xff, 0xff};
    uint8_t b[60];
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;
    size_t hl;

    hl = ip_with_opts(b, last, 4);
    EXPECT_PERR(g_ipv4(b, hl, &h, &pe), pe, TXP_PARSE_OPT_OVERRUN, 23);
    hl = ip_with_opts(b, l1, 4);
    EXPECT_PERR(g_ipv4(b, hl, &h, &pe), pe, TXP_PARSE_BAD_OPT_LEN, 22);
    hl = ip_with_opts(b, over, 8);
    EXPECT_PERR(g_ipv4(b, hl, &h, &pe), pe, TXP_PARSE_OPT_OVERRUN, 21);
    hl = ip_with_opts(b, ra3, 4);
    EXPECT_PERR(g_ipv4(b, hl, &h, &pe), pe, TXP_PARSE_BAD_OPT_LEN, 20);
    /* an option overrunning the header but not the buffer: still OPT_OVERRUN (header bound) */
    hl = ip_with_opts(b, over, 8);
    b[0] = 0x46; /* IHL 6: the RR's 8 bytes now run past 24 */
    b[3] = 28;
    EXPECT_PERR(g_ipv4(b, 28, &h, &pe), pe, TXP_PARSE_OPT_OVERRUN, 21);
    /* bytes after EOL are padding, not options */
    hl = ip_with_opts(b, after_eol, 4);
    CU_ASSERT_EQUAL(g_ipv4(b, hl, &h, &pe), 24);
    CU_ASSERT_EQUAL(h.opt_len, 4);
    CU_ASSERT(memcmp(h.opts, after_eol, 4) == 0);
}

static void
test_ipv4opt_roundtrip(void)
{
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;
    uint8_t out[24];
    uint8_t b[60];
    size_t hl;
    static const uint8_t ts[40] = {68, 12, 5,   0x01, 10, 0,  0, 1, 0, 0, 0, 0, 1, 1,
                                   1,  1,  131, 7,    4,  10, 0, 0, 2, 1, 1, 1, 1, 1,
                                   1,  1,  1,   1,    1,  1,  1, 1, 1, 1, 1, 0};

    /* scapy's Router Alert datagram: fields, checksum 0x3aaf both ways */
    CU_ASSERT_EQUAL_FATAL(g_ipv4(v_raw_ip_ra_udp, sizeof(v_raw_ip_ra_udp), &h, &pe), 24);
    CU_ASSERT_EQUAL(h.ihl, 6);
    CU_ASSERT_EQUAL(h.opt_len, 4);
    CU_ASSERT_EQUAL(h.opts[0], TXP_IPOPT_RA);
    CU_ASSERT_EQUAL(h.check, 0x3aaf);
    CU_ASSERT_EQUAL(h.ttl, 1);
    CU_ASSERT_EQUAL(h.daddr, 0xe0000016u);
    CU_ASSERT_EQUAL(txp_ipv4_build(out, 24, &h, 10, TXP_IPV4_BUILD_KEEP_CSUM), 24);
    CU_ASSERT(memcmp(out, v_raw_ip_ra_udp, 24) == 0);
    memset(out, 0, sizeof(out));
    CU_ASSERT_EQUAL(txp_ipv4_build(out, 24, &h, 10, 0), 24);
    CU_ASSERT(memcmp(out, v_raw_ip_ra_udp, 24) == 0);
    CU_ASSERT_EQUAL(txp_ipv4_build(out, 23, &h, 10, 0), TXP_ENOSPC);

    /* a full 40-byte option area (TS, LSRR, NOPs, EOL) survives parse -> build */
    hl = ip_with_opts(b, ts, 40);
    CU_ASSERT_EQUAL_FATAL(g_ipv4(b, hl, &h, &pe), 60);
    {
        uint8_t o60[60];

        CU_ASSERT_EQUAL(txp_ipv4_build(o60, 60, &h, 0, TXP_IPV4_BUILD_KEEP_CSUM), 60);
        CU_ASSERT(memcmp(o60, b, 60) == 0);
        CU_ASSERT_EQUAL(txp_ipv4_build(o60, 60, &h, 0, 0), 60);
        CU_ASSERT_EQUAL(txp_csum(o60, 60), 0);
    }
}

/* ------------------------------------------------------------------ tcp */

static const uint8_t *const tcp_syn = v_eth_tcp_syn + 34;
#define TCP_SYN_LEN 40

static void
test_tcp_parse_known(void)
{
    struct txp_tcp_hdr h;
    struct txp_parse_err pe;

    CU_ASSERT_EQUAL(g_tcp(tcp_syn, TCP_SYN_LEN, &h, &pe), 40);
    CU_ASSERT_EQUAL(pe.reason, TXP_PARSE_OK);
    CU_ASSERT_EQUAL(h.sport, 40000);
    CU_ASSERT_EQUAL(h.dport, 80);
    CU_ASSERT_EQUAL(h.seq, 0x01020304u);
    CU_ASSERT_EQUAL(h.ack_seq, 0);
    CU_ASSERT_EQUAL(h.doff, 10);
    CU_ASSERT_EQUAL(h.reserved, 0);
    CU_ASSERT_EQUAL(h.flags, TXP_TCP_SYN);
    CU_ASSERT_EQUAL(h.window, 64240);
    CU_ASSERT_EQUAL(h.check, 0xb2c6);
    CU_ASSERT_EQUAL(h.urg_ptr, 0);
    CU_ASSERT_EQUAL(h.opt_len, 20);
    CU_ASSERT(memcmp(h.opts, tcp_syn + 20, 20) == 0);
}

static void
test_tcp_truncated_every_len(void)
{
    struct txp_tcp_hdr h;
    struct txp_parse_err pe;
    size_t n;

    for (n = 0; n < TCP_SYN_LEN; n++) {
        memset(&pe, 0, sizeof(pe));
        if (n < 20)
            EXPECT_PERR(g_tcp(tcp_syn, n, &h, &pe), pe, TXP_PARSE_TRUNCATED, n);
        else
            EXPECT_PERR(g_tcp(tcp_syn, n, &h, &pe), pe, TXP_PARSE_BAD_DOFF, 12);
    }
}

static void
test_tcp_bad_doff(void)
{
    uint8_t b[TCP_SYN_LEN];
    struct txp_tcp_hdr h;
    struct txp_parse_err pe;

    memcpy(b, tcp_syn, sizeof(b));
    b[12] = 0x40;
    EXPECT_PERR(g_tcp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_BAD_DOFF, 12);
    b[12] = 0x00;
    EXPECT_PERR(g_tcp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_BAD_DOFF, 12);
    b[12] = 0xb0; /* 44 > 40 */
    EXPECT_PERR(g_tcp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_BAD_DOFF, 12);
    b[12] = 0x50; /* doff 5: the option bytes are now payload */
    CU_ASSERT_EQUAL(g_tcp(b, sizeof(b), &h, &pe), 20);
    CU_ASSERT_EQUAL(h.opt_len, 0);
}

static void
test_tcp_build_roundtrip(void)
{
    struct txp_tcp_hdr h;
    uint8_t b[TCP_SYN_LEN];
    uint8_t out[64];

    CU_ASSERT_EQUAL_FATAL(g_tcp(tcp_syn, TCP_SYN_LEN, &h, NULL), 40);
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_tcp_build(out, 40, &h), 40);
    CU_ASSERT(memcmp(out, tcp_syn, 40) == 0);
    CU_ASSERT_EQUAL(txp_tcp_build(out, 39, &h), TXP_ENOSPC);

    /* reserved bits (AE) and every flag survive */
    memcpy(b, tcp_syn, sizeof(b));
    b[12] = 0xaf;
    b[13] = 0xff;
    CU_ASSERT_EQUAL_FATAL(g_tcp(b, sizeof(b), &h, NULL), 40);
    CU_ASSERT_EQUAL(h.reserved, 0x0f);
    CU_ASSERT_EQUAL(h.flags, 0xff);
    CU_ASSERT_EQUAL(txp_tcp_build(out, 40, &h), 40);
    CU_ASSERT(memcmp(out, b, 40) == 0);

    /* doff 0 -> computed, options padded with EOL */
    memset(&h, 0, sizeof(h));
    h.sport = 1;
    h.dport = 2;
    h.flags = TXP_TCP_ACK;
    h.opt_len = 3;
    h.opts[0] = TXP_TCPOPT_WINDOW;
    h.opts[1] = 3;
    h.opts[2] = 14;
    memset(out, 0xee, sizeof(out));
    CU_ASSERT_EQUAL(txp_tcp_build(out, sizeof(out), &h), 24);
    CU_ASSERT_EQUAL(out[12], 0x60);
    CU_ASSERT_EQUAL(out[23], 0);
    CU_ASSERT_EQUAL(out[24], 0xee);
    /* doff disagreeing, options too long, reserved too wide */
    h.doff = 5;
    CU_ASSERT_EQUAL(txp_tcp_build(out, sizeof(out), &h), TXP_EINVAL);
    h.doff = 6;
    CU_ASSERT_EQUAL(txp_tcp_build(out, sizeof(out), &h), 24);
    h.doff = 0;
    h.opt_len = 41;
    CU_ASSERT_EQUAL(txp_tcp_build(out, sizeof(out), &h), TXP_EINVAL);
    h.opt_len = 0;
    h.reserved = 0x10;
    CU_ASSERT_EQUAL(txp_tcp_build(out, sizeof(out), &h), TXP_EINVAL);
}

/* ------------------------------------------------------------------ tcpopt */

static void
test_tcpopt_decode_syn(void)
{
    struct txp_tcp_opts o;
    struct txp_parse_err pe;

    CU_ASSERT_EQUAL(g_tcp_opts(tcp_syn + 20, 20, &o, &pe), TXP_OK);
    CU_ASSERT_EQUAL(pe.reason, TXP_PARSE_OK);
    CU_ASSERT_EQUAL(o.present, TXP_TCP_OPTF_MSS | TXP_TCP_OPTF_SACK_PERM | TXP_TCP_OPTF_TS |
                                   TXP_TCP_OPTF_WSCALE);
    CU_ASSERT_EQUAL(o.mss, 1460);
    CU_ASSERT_EQUAL(o.wscale, 7);
    CU_ASSERT_EQUAL(o.tsval, 0xaabbccddu);
    CU_ASSERT_EQUAL(o.tsecr, 0);
    CU_ASSERT_EQUAL(o.nsack, 0);
    /* empty */
    CU_ASSERT_EQUAL(g_tcp_opts(tcp_syn, 0, &o, &pe), TXP_OK);
    CU_ASSERT_EQUAL(o.present, 0);
}

static void
test_tcpopt_sack_blocks(void)
{
    uint8_t b[64];
    struct txp_tcp_opts o;
    struct txp_parse_err pe;
    unsigned n;
    unsigned i;

    for (n = 1; n <= 4; n++) {
        size_t len = 2 + 2 + 8 * (size_t)n;

        memset(b, 0, sizeof(b));
        b[0] = TXP_TCPOPT_NOP;
        b[1] = TXP_TCPOPT_NOP;
        b[2] = TXP_TCPOPT_SACK;
        b[3] = (uint8_t)(2 + 8 * n);
        for (i = 0; i < n; i++) {
            txp_store_be32(b + 4 + 8 * i, 1000u * (i + 1));
            txp_store_be32(b + 8 + 8 * i, 1000u * (i + 1) + 500u);
        }
        CU_ASSERT_EQUAL(g_tcp_opts(b, len, &o, &pe), TXP_OK);
        CU_ASSERT_EQUAL(o.present, TXP_TCP_OPTF_SACK);
        CU_ASSERT_EQUAL(o.nsack, n);
        for (i = 0; i < n; i++) {
            CU_ASSERT_EQUAL(o.sack[i][0], 1000u * (i + 1));
            CU_ASSERT_EQUAL(o.sack[i][1], 1000u * (i + 1) + 500u);
        }
    }
}

static void
test_tcpopt_eol_unknown(void)
{
    /* unknown kind 30 (len 4) skipped; after EOL the bytes are not options */
    static const uint8_t b[12] = {30, 4, 0xde, 0xad, 2, 4, 0x05, 0x78, 0, 2, 9, 9};
    struct txp_tcp_opts o;
    struct txp_parse_err pe;

    CU_ASSERT_EQUAL(g_tcp_opts(b, sizeof(b), &o, &pe), TXP_OK);
    CU_ASSERT_EQUAL(o.present, TXP_TCP_OPTF_MSS);
    CU_ASSERT_EQUAL(o.mss, 1400);
}

struct tcpopt_bad {
    uint8_t b[12];
    size_t len;
    enum txp_parse_reason reason;
    uint32_t off;
};

static void
test_tcpopt_errors(void)
{
    static const struct tcpopt_bad v[] = {
        {{1, 1, 1, 2}, 4, TXP_PARSE_OPT_OVERRUN, 3},                /* kind, no length byte */
        {{1, 2, 4, 5}, 4, TXP_PARSE_OPT_OVERRUN, 1},                /* MSS cut short */
        {{30, 9, 0, 0, 0, 0, 0, 0}, 8, TXP_PARSE_OPT_OVERRUN, 0},   /* unknown past the end */
        {{1, 30, 0, 1}, 4, TXP_PARSE_BAD_OPT_LEN, 1},               /* length 0 */
        {{1, 1, 30, 1}, 4, TXP_PARSE_BAD_OPT_LEN, 2},               /* length 1 */
        {{2, 3, 5, 1}, 4, TXP_PARSE_BAD_OPT_LEN, 0},                /* MSS 3 */
        {{1, 2, 5, 5, 0xb4, 1, 1, 1}, 8, TXP_PARSE_BAD_OPT_LEN, 1}, /* MSS 5 */
        {{3, 4, 7, 0}, 4, TXP_PARSE_BAD_OPT_LEN, 0},                /* WS 4 */
        {{1, 3, 2, 1}, 4, TXP_PARSE_BAD_OPT_LEN, 1},                /* WS 2 */
        {{4, 3, 0, 1}, 4, TXP_PARSE_BAD_OPT_LEN, 0},                /* SACK_PERM 3 */
        {{1, 1, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0}, 12, TXP_PARSE_BAD_OPT_LEN, 2},  /* TS 8 */
        {{5, 2, 1, 1}, 4, TXP_PARSE_BAD_OPT_LEN, 0},                           /* SACK, no block */
        {{5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, TXP_PARSE_BAD_OPT_LEN, 0},  /* SACK 9 */
        {{5, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, TXP_PARSE_BAD_OPT_LEN, 0}, /* SACK 12 */
    };
    struct txp_tcp_opts o;
    struct txp_parse_err pe;
    uint8_t hdr[32];
    struct txp_tcp_hdr h;
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        memset(&pe, 0, sizeof(pe));
        EXPECT_PERR(g_tcp_opts(v[i].b, v[i].len, &o, &pe), pe, v[i].reason, v[i].off);
        /* through txp_tcp_parse: offset from the TCP header start */
        memcpy(hdr, tcp_syn, 20);
        memset(hdr + 20, 0, 12);
        memcpy(hdr + 20, v[i].b, v[i].len);
        hdr[12] = (uint8_t)((5 + v[i].len / 4) << 4);
        memset(&pe, 0, sizeof(pe));
        EXPECT_PERR(g_tcp(hdr, 20 + v[i].len, &h, &pe), pe, v[i].reason, 20 + v[i].off);
    }
}

static void
test_tcpopt_sack_len_limits(void)
{
    /* SACK with 4 blocks (34) in 40 option bytes is fine; a 42-byte SACK cannot fit */
    uint8_t b[40];
    struct txp_tcp_opts o;
    struct txp_parse_err pe;

    memset(b, 0, sizeof(b));
    b[0] = TXP_TCPOPT_SACK;
    b[1] = 34;
    CU_ASSERT_EQUAL(g_tcp_opts(b, 40, &o, &pe), TXP_OK);
    CU_ASSERT_EQUAL(o.nsack, 4);
    b[1] = 42;
    EXPECT_PERR(g_tcp_opts(b, 40, &o, &pe), pe, TXP_PARSE_OPT_OVERRUN, 0);
}

/* ------------------------------------------------------------------ udp / icmp */

static const uint8_t *const udp_seg = v_eth_udp + 34;
#define UDP_SEG_LEN 13

static void
test_udp_parse_known(void)
{
    struct txp_udp_hdr h;
    struct txp_parse_err pe;
    uint8_t out[8];

    CU_ASSERT_EQUAL(g_udp(udp_seg, UDP_SEG_LEN, &h, &pe), 8);
    CU_ASSERT_EQUAL(pe.reason, TXP_PARSE_OK);
    CU_ASSERT_EQUAL(h.sport, 1234);
    CU_ASSERT_EQUAL(h.dport, 5678);
    CU_ASSERT_EQUAL(h.len, 13);
    CU_ASSERT_EQUAL(h.check, 0x8cff);
    CU_ASSERT_EQUAL(txp_udp_build(out, 8, &h, 5), 8);
    CU_ASSERT(memcmp(out, udp_seg, 8) == 0);
    CU_ASSERT_EQUAL(txp_udp_build(out, 7, &h, 5), TXP_ENOSPC);
    /* len 0 -> 8 + payload_len */
    h.len = 0;
    CU_ASSERT_EQUAL(txp_udp_build(out, 8, &h, 5), 8);
    CU_ASSERT(memcmp(out, udp_seg, 8) == 0);
    CU_ASSERT_EQUAL(txp_udp_build(out, 8, &h, 65535 - 8), 8);
    CU_ASSERT_EQUAL(txp_load_be16(out + 4), 65535);
    CU_ASSERT_EQUAL(txp_udp_build(out, 8, &h, 65535 - 7), TXP_EINVAL);
}

static void
test_udp_truncated_every_len(void)
{
    struct txp_udp_hdr h;
    struct txp_parse_err pe;
    size_t n;

    for (n = 0; n < UDP_SEG_LEN; n++) {
        memset(&pe, 0, sizeof(pe));
        if (n < 8)
            EXPECT_PERR(g_udp(udp_seg, n, &h, &pe), pe, TXP_PARSE_TRUNCATED, n);
        else
            EXPECT_PERR(g_udp(udp_seg, n, &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 4);
    }
}

static void
test_udp_len_mismatch(void)
{
    uint8_t b[UDP_SEG_LEN];
    struct txp_udp_hdr h;
    struct txp_parse_err pe;

    memcpy(b, udp_seg, sizeof(b));
    b[5] = 7;
    EXPECT_PERR(g_udp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 4);
    b[5] = 0;
    EXPECT_PERR(g_udp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 4);
    b[5] = 14;
    EXPECT_PERR(g_udp(b, sizeof(b), &h, &pe), pe, TXP_PARSE_LEN_MISMATCH, 4);
    b[5] = 8; /* shorter than the bytes given is fine */
    CU_ASSERT_EQUAL(g_udp(b, sizeof(b), &h, &pe), 8);
    CU_ASSERT_EQUAL(h.len, 8);
}

static void
test_icmp_parse_build(void)
{
    const uint8_t *m = v_eth_icmp + 34;
    struct txp_icmp_hdr h;
    struct txp_parse_err pe;
    uint8_t out[8];
    size_t n;

    CU_ASSERT_EQUAL(txp_csum(m, 40), 0); /* scapy's checksum verifies */
    CU_ASSERT_EQUAL(g_icmp(m, 40, &h, &pe), 8);
    CU_ASSERT_EQUAL(h.type, TXP_ICMP_ECHO);
    CU_ASSERT_EQUAL(h.code, 0);
    CU_ASSERT_EQUAL(h.check, 0xbf35);
    CU_ASSERT_EQUAL(h.rest, 0x42420001u);
    CU_ASSERT_EQUAL(txp_icmp_build(out, 8, &h), 8);
    CU_ASSERT(memcmp(out, m, 8) == 0);
    CU_ASSERT_EQUAL(txp_icmp_build(out, 7, &h), TXP_ENOSPC);
    for (n = 0; n < 8; n++) {
        memset(&pe, 0, sizeof(pe));
        EXPECT_PERR(g_icmp(m, n, &h, &pe), pe, TXP_PARSE_TRUNCATED, n);
    }
    CU_ASSERT_EQUAL(g_icmp(m, 8, &h, NULL), 8);
}

/* ------------------------------------------------------------------ dissect */

static void
test_dissect_tcp(void)
{
    struct txp_dissect d = dissect_ok(v_eth_tcp_syn, sizeof(v_eth_tcp_syn), TXP_LINK_ETH);

    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4 | TXP_L_TCP);
    CU_ASSERT_EQUAL(d.link, TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.l3_off, 14);
    CU_ASSERT_EQUAL(d.l4_off, 34);
    CU_ASSERT_EQUAL(d.payload_off, 74);
    CU_ASSERT_EQUAL(d.payload_len, 0);
    CU_ASSERT_EQUAL(d.trailer_len, 0);
    CU_ASSERT(!d.ip_fragment);
    CU_ASSERT_EQUAL(d.ip.check, 0xa66f);
    CU_ASSERT_EQUAL(d.tcp.check, 0xb2c6);
    CU_ASSERT_EQUAL(d.tcp.sport, 40000);
}

static void
test_dissect_udp_padded(void)
{
    uint8_t f[60];
    struct txp_dissect d;
    size_t n;

    d = dissect_ok(v_eth_udp, sizeof(v_eth_udp), TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4 | TXP_L_UDP);
    CU_ASSERT_EQUAL(d.payload_off, 42);
    CU_ASSERT_EQUAL(d.payload_len, 5);
    CU_ASSERT_EQUAL(d.trailer_len, 0);
    CU_ASSERT_EQUAL(d.udp.len, 13);

    /* padded to the 60-byte minimum with non-zero bytes: the padding is trailer, round-trips */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    memset(f + sizeof(v_eth_udp), 0xa5, sizeof(f) - sizeof(v_eth_udp));
    for (n = sizeof(v_eth_udp); n <= sizeof(f); n++) {
        d = dissect_ok(f, n, TXP_LINK_ETH);
        CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4 | TXP_L_UDP);
        CU_ASSERT_EQUAL(d.payload_len, 5);
        CU_ASSERT_EQUAL(d.trailer_len, n - sizeof(v_eth_udp));
    }
}

static void
test_dissect_icmp_arp_other(void)
{
    uint8_t f[60];
    struct txp_dissect d;

    d = dissect_ok(v_eth_icmp, sizeof(v_eth_icmp), TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4 | TXP_L_ICMP);
    CU_ASSERT_EQUAL(d.payload_off, 42);
    CU_ASSERT_EQUAL(d.payload_len, 32);
    CU_ASSERT_EQUAL(d.icmp.rest, 0x42420001u);

    d = dissect_ok(v_eth_arp, sizeof(v_eth_arp), TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_ARP);
    CU_ASSERT_EQUAL(d.l3_off, 14);
    CU_ASSERT_EQUAL(d.payload_off, 42);
    CU_ASSERT_EQUAL(d.payload_len, 0);
    CU_ASSERT_EQUAL(d.trailer_len, 0);
    CU_ASSERT_EQUAL(d.arp.tpa, 0x0a000002u);
    memcpy(f, v_eth_arp, sizeof(v_eth_arp));
    memset(f + 42, 0x5a, 18);
    d = dissect_ok(f, 60, TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_ARP);
    CU_ASSERT_EQUAL(d.payload_len, 0);
    CU_ASSERT_EQUAL(d.trailer_len, 18);

    /* unknown EtherType (IPv6): the rest is payload */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    f[12] = 0x86;
    f[13] = 0xdd;
    d = dissect_ok(f, sizeof(v_eth_udp), TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH);
    CU_ASSERT_EQUAL(d.payload_off, 14);
    CU_ASSERT_EQUAL(d.payload_len, sizeof(v_eth_udp) - 14);
    /* a bare Ethernet header */
    d = dissect_ok(f, 14, TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.payload_len, 0);

    /* unknown IP protocol (GRE): payload after the IP header; checksum kept as parsed */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    f[23] = 47;
    d = dissect_ok(f, sizeof(v_eth_udp), TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4);
    CU_ASSERT_EQUAL(d.payload_off, 34);
    CU_ASSERT_EQUAL(d.payload_len, 13);
}

static void
test_dissect_raw_ipv4(void)
{
    struct txp_dissect d = dissect_ok(v_raw_ip_ra_udp, sizeof(v_raw_ip_ra_udp), TXP_LINK_RAW_IPV4);
    struct txp_parse_err pe = {TXP_PARSE_OK, 0};
    uint8_t f[34];

    CU_ASSERT_EQUAL(d.layers, TXP_L_IPV4 | TXP_L_UDP);
    CU_ASSERT_EQUAL(d.l3_off, 0);
    CU_ASSERT_EQUAL(d.l4_off, 24);
    CU_ASSERT_EQUAL(d.payload_off, 32);
    CU_ASSERT_EQUAL(d.payload_len, 2);
    CU_ASSERT_EQUAL(d.udp.check, 0x9d39);
    /* errors on the raw link are offsets from the IPv4 header */
    memcpy(f, v_raw_ip_ra_udp, sizeof(f));
    f[21] = 3; /* RA length */
    CU_ASSERT_EQUAL(g_dissect(f, sizeof(f), TXP_LINK_RAW_IPV4, &d), TXP_EBADMSG);
    pe = d.err;
    EXPECT_PERR(TXP_EBADMSG, pe, TXP_PARSE_BAD_OPT_LEN, 20);
    CU_ASSERT_EQUAL(d.err_layer, TXP_L_IPV4);
    CU_ASSERT_EQUAL(d.layers, 0);
    /* unknown link type */
    CU_ASSERT_EQUAL(g_dissect(f, sizeof(f), (enum txp_link)147, &d), TXP_ENOTSUP);
    CU_ASSERT_EQUAL(d.err.reason, TXP_PARSE_UNSUPPORTED);
    CU_ASSERT_EQUAL(d.layers, 0);
}

/* Expect a failed dissection with the given error, failing layer and layers that parsed. */
#define EXPECT_DERR(rc, d, r, off, layer, ok_layers)                                               \
    do {                                                                                           \
        EXPECT_PERR((rc), (d).err, (r), (off));                                                    \
        CU_ASSERT_EQUAL((d).err_layer, (layer));                                                   \
        CU_ASSERT_EQUAL((d).layers, (ok_layers));                                                  \
    } while (0)

static void
test_dissect_truncated_every_len(void)
{
    struct txp_dissect d;
    size_t n;
    int rc;

    /* Ethernet/IPv4/TCP: 0..13 ETH, 14..33 IPv4 TRUNCATED, 34..73 IPv4 tot_len too long */
    for (n = 0; n < sizeof(v_eth_tcp_syn); n++) {
        rc = g_dissect(v_eth_tcp_syn, n, TXP_LINK_ETH, &d);
        if (n < 14)
            EXPECT_DERR(rc, d, TXP_PARSE_TRUNCATED, n, TXP_L_ETH, 0);
        else if (n < 34)
            EXPECT_DERR(rc, d, TXP_PARSE_TRUNCATED, n, TXP_L_IPV4, TXP_L_ETH);
        else
            EXPECT_DERR(rc, d, TXP_PARSE_LEN_MISMATCH, 16, TXP_L_IPV4, TXP_L_ETH);
    }
    /* ARP: 14..41 ARP TRUNCATED at the end of the frame */
    for (n = 14; n < sizeof(v_eth_arp); n++) {
        rc = g_dissect(v_eth_arp, n, TXP_LINK_ETH, &d);
        EXPECT_DERR(rc, d, TXP_PARSE_TRUNCATED, n, TXP_L_ARP, TXP_L_ETH);
    }
    /* raw IPv4 with RA option: 0..19 TRUNCATED, 20..23 BAD_IHL, 24..33 LEN_MISMATCH */
    for (n = 0; n < sizeof(v_raw_ip_ra_udp); n++) {
        rc = g_dissect(v_raw_ip_ra_udp, n, TXP_LINK_RAW_IPV4, &d);
        if (n < 20)
            EXPECT_DERR(rc, d, TXP_PARSE_TRUNCATED, n, TXP_L_IPV4, 0);
        else if (n < 24)
            EXPECT_DERR(rc, d, TXP_PARSE_BAD_IHL, 0, TXP_L_IPV4, 0);
        else
            EXPECT_DERR(rc, d, TXP_PARSE_LEN_MISMATCH, 2, TXP_L_IPV4, 0);
    }
}

static void
test_dissect_l4_errors(void)
{
    uint8_t f[80];
    struct txp_dissect d;
    int rc;

    /* TCP doff 4: offset 14 + 20 + 12 */
    memcpy(f, v_eth_tcp_syn, sizeof(v_eth_tcp_syn));
    f[46] = 0x40;
    rc = g_dissect(f, sizeof(v_eth_tcp_syn), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_BAD_DOFF, 46, TXP_L_TCP, TXP_L_ETH | TXP_L_IPV4);
    /* TCP option error: MSS length 5 at option offset 0 -> 14 + 20 + 20 */
    memcpy(f, v_eth_tcp_syn, sizeof(v_eth_tcp_syn));
    f[55] = 5;
    rc = g_dissect(f, sizeof(v_eth_tcp_syn), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_BAD_OPT_LEN, 54, TXP_L_TCP, TXP_L_ETH | TXP_L_IPV4);
    /* UDP length beyond the datagram: 14 + 20 + 4 */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    f[39] = 14;
    rc = g_dissect(f, sizeof(v_eth_udp), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_LEN_MISMATCH, 38, TXP_L_UDP, TXP_L_ETH | TXP_L_IPV4);
    /* ...even when link padding follows: L4 sees only the datagram */
    memset(f + sizeof(v_eth_udp), 0, 13);
    rc = g_dissect(f, 60, TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_LEN_MISMATCH, 38, TXP_L_UDP, TXP_L_ETH | TXP_L_IPV4);
    /* IPv4 tot_len cutting the TCP header to 19 bytes, padding behind: TCP TRUNCATED at 34+19 */
    memcpy(f, v_eth_tcp_syn, sizeof(v_eth_tcp_syn));
    txp_store_be16(f + 16, 39);
    rc = g_dissect(f, sizeof(v_eth_tcp_syn), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_TRUNCATED, 53, TXP_L_TCP, TXP_L_ETH | TXP_L_IPV4);
    /* ICMP with 7 bytes */
    memcpy(f, v_eth_icmp, sizeof(v_eth_icmp));
    txp_store_be16(f + 16, 27);
    rc = g_dissect(f, sizeof(v_eth_icmp), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_TRUNCATED, 41, TXP_L_ICMP, TXP_L_ETH | TXP_L_IPV4);
    /* IPv4 bad version behind Ethernet: 14 */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    f[14] = 0x65;
    rc = g_dissect(f, sizeof(v_eth_udp), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_BAD_VERSION, 14, TXP_L_IPV4, TXP_L_ETH);
    /* ARP bad plen: 14 + 5 */
    memcpy(f, v_eth_arp, sizeof(v_eth_arp));
    f[19] = 16;
    rc = g_dissect(f, sizeof(v_eth_arp), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_BAD_ADDR_LEN, 19, TXP_L_ARP, TXP_L_ETH);
}

static void
test_dissect_fragments(void)
{
    uint8_t f[80];
    struct txp_dissect d;
    int rc;

    /* first fragment (MF, offset 0) whose UDP length covers the whole datagram, as
     * ip_do_fragment leaves it: UDP with the datagram's length, the rest payload */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    txp_store_be16(f + 20, TXP_IP_MF);
    txp_store_be16(f + 38, 1000);
    d = dissect_ok(f, sizeof(v_eth_udp), TXP_LINK_ETH);
    CU_ASSERT(d.ip_fragment);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4 | TXP_L_UDP);
    CU_ASSERT_EQUAL(d.udp.len, 1000);
    CU_ASSERT_EQUAL(d.payload_off, 42);
    CU_ASSERT_EQUAL(d.payload_len, 5);
    /* a UDP length below 8 is still not a UDP header: no L4 */
    txp_store_be16(f + 38, 7);
    d = dissect_ok(f, sizeof(v_eth_udp), TXP_LINK_ETH);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4);
    CU_ASSERT_EQUAL(d.payload_off, 34);
    CU_ASSERT_EQUAL(d.payload_len, 13);
    txp_store_be16(f + 38, 1000);
    /* the same bytes unfragmented are an error */
    txp_store_be16(f + 20, 0);
    rc = g_dissect(f, sizeof(v_eth_udp), TXP_LINK_ETH, &d);
    EXPECT_DERR(rc, d, TXP_PARSE_LEN_MISMATCH, 38, TXP_L_UDP, TXP_L_ETH | TXP_L_IPV4);
    /* first fragment whose UDP header fits: parsed */
    memcpy(f, v_eth_udp, sizeof(v_eth_udp));
    txp_store_be16(f + 20, TXP_IP_MF);
    d = dissect_ok(f, sizeof(v_eth_udp), TXP_LINK_ETH);
    CU_ASSERT(d.ip_fragment);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4 | TXP_L_UDP);
    /* non-first fragment (offset 185 * 8), garbage where a TCP header would be: no L4 */
    memcpy(f, v_eth_tcp_syn, sizeof(v_eth_tcp_syn));
    txp_store_be16(f + 20, 185);
    f[46] = 0x00;
    d = dissect_ok(f, sizeof(v_eth_tcp_syn), TXP_LINK_ETH);
    CU_ASSERT(d.ip_fragment);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4);
    CU_ASSERT_EQUAL(d.payload_off, 34);
    CU_ASSERT_EQUAL(d.payload_len, 40);
    /* last fragment (MF clear, offset set) too */
    txp_store_be16(f + 20, TXP_IP_DF | 1);
    d = dissect_ok(f, sizeof(v_eth_tcp_syn), TXP_LINK_ETH);
    CU_ASSERT(d.ip_fragment);
    CU_ASSERT_EQUAL(d.layers, TXP_L_ETH | TXP_L_IPV4);
}

static void
test_dissect_build_checks(void)
{
    struct txp_dissect d = dissect_ok(v_eth_tcp_syn, sizeof(v_eth_tcp_syn), TXP_LINK_ETH);
    struct txp_dissect bad;
    uint8_t out[80];

    /* headers come from the fields: change one and the output follows */
    bad = d;
    bad.tcp.window = 1;
    CU_ASSERT_EQUAL(txp_dissect_build(out, sizeof(out), &bad, v_eth_tcp_syn), 74);
    CU_ASSERT_EQUAL(txp_load_be16(out + 48), 1);
    CU_ASSERT(memcmp(out, v_eth_tcp_syn, 48) == 0);
    /* inconsistent dissections are refused */
    bad = d;
    bad.payload_off = 70;
    CU_ASSERT_EQUAL(txp_dissect_build(out, sizeof(out), &bad, v_eth_tcp_syn), TXP_EINVAL);
    bad = d;
    bad.frame_len = 75;
    CU_ASSERT_EQUAL(txp_dissect_build(out, sizeof(out), &bad, v_eth_tcp_syn), TXP_EINVAL);
    bad = d;
    bad.layers |= TXP_L_UDP;
    CU_ASSERT_EQUAL(txp_dissect_build(out, sizeof(out), &bad, v_eth_tcp_syn), TXP_EINVAL);
    bad = d;
    bad.link = TXP_LINK_RAW_IPV4;
    CU_ASSERT_EQUAL(txp_dissect_build(out, sizeof(out), &bad, v_eth_tcp_syn), TXP_EINVAL);
    bad = d;
    bad.ip.tot_len = 59;
    CU_ASSERT_EQUAL(txp_dissect_build(out, sizeof(out), &bad, v_eth_tcp_syn), TXP_EINVAL);
}

static void
test_dissect_every_prefix_roundtrips(void)
{
    /* whatever a prefix dissects to, accepted ones rebuild exactly; rejected ones are sane */
    const uint8_t *const frames[] = {v_eth_tcp_syn, v_eth_udp, v_eth_icmp, v_eth_arp,
                                     v_raw_ip_ra_udp};
    const size_t lens[] = {sizeof(v_eth_tcp_syn), sizeof(v_eth_udp), sizeof(v_eth_icmp),
                           sizeof(v_eth_arp), sizeof(v_raw_ip_ra_udp)};
    size_t i;
    size_t n;

    for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        enum txp_link link = i == 4 ? TXP_LINK_RAW_IPV4 : TXP_LINK_ETH;

        for (n = 0; n <= lens[i]; n++) {
            struct txp_dissect d;
            int rc = g_dissect(frames[i], n, link, &d);

            if (rc == TXP_OK) {
                check_dissect_roundtrip(&d, frames[i], n);
            } else {
                CU_ASSERT_EQUAL(rc, TXP_EBADMSG);
                CU_ASSERT(d.err.reason != TXP_PARSE_OK);
                CU_ASSERT(d.err.offset <= n);
            }
            CU_ASSERT_EQUAL(rc == TXP_OK, n == lens[i]);
        }
    }
}

/* ------------------------------------------------------------------ suites */

static const struct txp_h_test eth_tests[] = {
    TXP_H_TEST(test_eth_parse_known), TXP_H_TEST(test_eth_truncated_every_len),
    TXP_H_TEST(test_eth_build_roundtrip), TXP_H_TEST(test_eth_addr_text), TXP_H_TEST_END};
static const struct txp_h_test arp_tests[] = {
    TXP_H_TEST(test_arp_parse_known), TXP_H_TEST(test_arp_truncated_every_len),
    TXP_H_TEST(test_arp_bad_addr_len), TXP_H_TEST(test_arp_build_roundtrip), TXP_H_TEST_END};
static const struct txp_h_test ipv4_tests[] = {TXP_H_TEST(test_ipv4_known_vector),
                                               TXP_H_TEST(test_ipv4_truncated_every_len),
                                               TXP_H_TEST(test_ipv4_bad_version),
                                               TXP_H_TEST(test_ipv4_bad_ihl),
                                               TXP_H_TEST(test_ipv4_len_mismatch),
                                               TXP_H_TEST(test_ipv4_build_fields),
                                               TXP_H_TEST(test_ipv4_l4_csum),
                                               TXP_H_TEST(test_ipv4_addr_text),
                                               TXP_H_TEST_END};
static const struct txp_h_test ipv4opt_tests[] = {
    TXP_H_TEST(test_ipv4opt_iterate), TXP_H_TEST(test_ipv4opt_iter_errors),
    TXP_H_TEST(test_ipv4opt_parse_errors), TXP_H_TEST(test_ipv4opt_roundtrip), TXP_H_TEST_END};
static const struct txp_h_test tcp_tests[] = {
    TXP_H_TEST(test_tcp_parse_known), TXP_H_TEST(test_tcp_truncated_every_len),
    TXP_H_TEST(test_tcp_bad_doff), TXP_H_TEST(test_tcp_build_roundtrip), TXP_H_TEST_END};
static const struct txp_h_test tcpopt_tests[] = {
    TXP_H_TEST(test_tcpopt_decode_syn),      TXP_H_TEST(test_tcpopt_sack_blocks),
    TXP_H_TEST(test_tcpopt_eol_unknown),     TXP_H_TEST(test_tcpopt_errors),
    TXP_H_TEST(test_tcpopt_sack_len_limits), TXP_H_TEST_END};
static const struct txp_h_test udp_tests[] = {
    TXP_H_TEST(test_udp_parse_known), TXP_H_TEST(test_udp_truncated_every_len),
    TXP_H_TEST(test_udp_len_mismatch), TXP_H_TEST(test_icmp_parse_build), TXP_H_TEST_END};
static const struct txp_h_test dissect_tests[] = {TXP_H_TEST(test_dissect_tcp),
                                                  TXP_H_TEST(test_dissect_udp_padded),
                                                  TXP_H_TEST(test_dissect_icmp_arp_other),
                                                  TXP_H_TEST(test_dissect_raw_ipv4),
                                                  TXP_H_TEST(test_dissect_truncated_every_len),
                                                  TXP_H_TEST(test_dissect_l4_errors),
                                                  TXP_H_TEST(test_dissect_fragments),
                                                  TXP_H_TEST(test_dissect_build_checks),
                                                  TXP_H_TEST(test_dissect_every_prefix_roundtrips),
                                                  TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("eth", NULL, NULL, eth_tests),
    TXP_H_SUITE("arp", NULL, NULL, arp_tests),
    TXP_H_SUITE("ipv4", NULL, NULL, ipv4_tests),
    TXP_H_SUITE("ipv4opt", NULL, NULL, ipv4opt_tests),
    TXP_H_SUITE("tcp", NULL, NULL, tcp_tests),
    TXP_H_SUITE("tcpopt", NULL, NULL, tcpopt_tests),
    TXP_H_SUITE("udp", NULL, NULL, udp_tests),
    TXP_H_SUITE("dissect", NULL, NULL, dissect_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
