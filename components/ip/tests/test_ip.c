/* SPDX-License-Identifier: MIT */
/* CUnit tests of the ip component: header, IP ID, options, fragmentation, UDP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/ip.h"

#define SADDR 0x0AC80001u /* 10.200.0.1 */
#define DADDR 0x0AC80002u /* 10.200.0.2 */
#define MAXPKT 64

static struct txp_pkt_pool *pool;
static struct txp_pkt *pkts[MAXPKT];
static struct txp_ip_out out;
static struct txp_ip_ident *ids;
static uint8_t big[70000];
static uint64_t baseline; /* allocations of the suite fixture (pool, generator) */

/* Every test returns what it allocated: only the fixture's allocations remain. */
#define ASSERT_NO_NEW_ALLOCS() CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, baseline)

static int
setup(void)
{
    struct txp_pkt_pool_config pc = {MAXPKT, TXP_PKT_MAX_BUF};
    struct txp_ip_ident_config ic = {0, TXP_IP_ID_LINUX, 42};

    txp_h_alloc_reset();
    if (txp_pkt_pool_create(&pc, txp_h_alloc(), &pool) != TXP_OK)
        return 1;
    if (txp_ip_ident_create(&ic, txp_h_alloc(), &ids) != TXP_OK)
        return 1;
    out.pool = pool;
    out.pkts = pkts;
    out.cap = MAXPKT;
    out.n = 0;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 3);
    baseline = txp_h_alloc_counter()->outstanding;
    return 0;
}

static int
teardown(void)
{
    txp_ip_ident_destroy(ids);
    txp_pkt_pool_destroy(pool);
    return txp_h_alloc_counter()->outstanding == 0 ? 0 : 1;
}

static void
free_out(void)
{
    for (size_t i = 0; i < out.n; i++)
        txp_pkt_free(pkts[i]);
    out.n = 0;
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);
}

static struct txp_ip_sock *
mksock(int pmtudisc, bool connected, uint8_t proto)
{
    struct txp_ip_sock_config c;
    struct txp_ip_sock *s = NULL;

    txp_ip_sock_config_default(&c);
    c.saddr = SADDR;
    c.daddr = DADDR;
    c.sport = 40000;
    c.dport = 9;
    c.protocol = proto;
    c.pmtudisc = (enum txp_ip_pmtudisc)pmtudisc;
    c.connected = connected;
    c.inet_id = 1000;
    CU_ASSERT_FATAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s) == TXP_OK);
    return s;
}

static struct txp_ip_route
rt_of(uint32_t mtu)
{
    struct txp_ip_route r = {mtu, false, 0};
    return r;
}

static const uint8_t *
pd(size_t i)
{
    return txp_pkt_data(pkts[i]);
}

static uint16_t
be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/*
 * Independent reassembler: checks every fragment (valid header, checksum, size <= mtu, offsets
 * multiple of 8 and contiguous, MF on all but the last, same ID/proto/addresses/IHL, options of
 * later fragments = first fragment's with non-copied options as NOPs) and returns the data.
 */
static size_t
reassemble(uint32_t mtu, uint8_t *data, size_t cap, uint8_t *first_opts, size_t *opt_len)
{
    struct txp_ipv4_hdr h0;
    size_t next = 0;

    CU_ASSERT_FATAL(out.n >= 1);
    for (size_t i = 0; i < out.n; i++) {
        struct txp_ipv4_hdr h;
        struct txp_parse_err pe;
        int hl = txp_ipv4_parse(pd(i), pkts[i]->len, &h, &pe);

        if (getenv("DBG") && i + 1 < out.n && (h.tot_len - (size_t)hl) % 8)
            fprintf(stderr, "mtu %u frag %zu/%zu len %u off %x\n", mtu, i, out.n, pkts[i]->len,
                    be16(pd(i) + 6));
        CU_ASSERT_FATAL(hl >= 20);
        CU_ASSERT_EQUAL(h.tot_len, pkts[i]->len);
        CU_ASSERT(pkts[i]->len <= mtu);
        CU_ASSERT_EQUAL(txp_csum(pd(i), (size_t)hl), 0);
        {
            /* the stored checksum is exactly a full recomputation's */
            uint8_t hz[60];
            memcpy(hz, pd(i), (size_t)hl);
            hz[10] = hz[11] = 0;
            CU_ASSERT_EQUAL(be16(pd(i) + 10), txp_csum(hz, (size_t)hl));
        }
        CU_ASSERT_EQUAL((size_t)(h.frag_off & TXP_IP_OFFMASK) * 8, next);
        if (out.n > 1) {
            CU_ASSERT_EQUAL((h.frag_off & TXP_IP_MF) != 0, i + 1 < out.n);
            CU_ASSERT_EQUAL(h.frag_off & TXP_IP_DF, 0);
        }
        if (i + 1 < out.n)
            CU_ASSERT_EQUAL((h.tot_len - (size_t)hl) % 8, 0);
        if (i == 0) {
            h0 = h;
            memcpy(first_opts, h.opts, h.opt_len);
            *opt_len = h.opt_len;
        } else {
            uint8_t want[40];

            memcpy(want, h0.opts, h0.opt_len);
            txp_ip_options_fragment(want, h0.opt_len);
            CU_ASSERT_EQUAL(h.opt_len, h0.opt_len);
            CU_ASSERT(memcmp(h.opts, want, h0.opt_len) == 0);
            CU_ASSERT_EQUAL(h.id, h0.id);
            CU_ASSERT_EQUAL(h.ttl, h0.ttl);
            CU_ASSERT_EQUAL(h.tos, h0.tos);
            CU_ASSERT_EQUAL(h.protocol, h0.protocol);
            CU_ASSERT_EQUAL(h.daddr, h0.daddr);
        }
        CU_ASSERT_FATAL(next + h.tot_len - (size_t)hl <= cap);
        memcpy(data + next, pd(i) + hl, h.tot_len - (size_t)hl);
        next += h.tot_len - (size_t)hl;
    }
    return next;
}

/* Send @p len bytes of big[] over UDP and check the reassembled datagram. */
static void
udp_roundtrip(struct txp_ip_sock *s, uint32_t mtu, size_t len)
{
    struct txp_ip_route rt = rt_of(mtu);
    static uint8_t data[70000];
    uint8_t opts[40];
    size_t olen, n;

    CU_ASSERT_FATAL(txp_ip_udp_sendmsg(s, &rt, big, len, 0, 0, &out) == TXP_OK);
    n = reassemble(mtu, data, sizeof(data), opts, &olen);
    CU_ASSERT_EQUAL(n, len + 8);
    CU_ASSERT_EQUAL(be16(data + 4), len + 8);
    CU_ASSERT(memcmp(data + 8, big, len) == 0);
    /* The UDP checksum verifies over the whole datagram. */
    CU_ASSERT_EQUAL(txp_ipv4_l4_csum(SADDR, be32(pd(0) + 16), 17, data, n), 0);
    CU_ASSERT_EQUAL(out.n, txp_ip_frag_count(20 + olen + n, 20 + olen, mtu));
    free_out();
}

/* ---- header ---- */

static void
test_header_defaults(void)
{
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    struct txp_ip_route rt = rt_of(1500);
    const uint8_t *p;

    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 100, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(out.n, 1);
    p = pd(0);
    CU_ASSERT_EQUAL(p[0], 0x45);
    CU_ASSERT_EQUAL(p[1], 0);
    CU_ASSERT_EQUAL(be16(p + 2), 128);
    CU_ASSERT_EQUAL(be16(p + 6), TXP_IP_DF); /* WANT and fits: DF */
    CU_ASSERT_EQUAL(p[8], 64);
    CU_ASSERT_EQUAL(p[9], 17);
    CU_ASSERT_EQUAL(be32(p + 12), SADDR);
    CU_ASSERT_EQUAL(be32(p + 16), DADDR);
    CU_ASSERT_EQUAL(txp_csum(p, 20), 0);
    CU_ASSERT_EQUAL(be16(p + 20), 40000);
    CU_ASSERT_EQUAL(be16(p + 22), 9);
    CU_ASSERT_EQUAL(be16(p + 24), 108);
    CU_ASSERT_EQUAL(txp_ipv4_l4_csum(SADDR, DADDR, 17, p + 20, 108), 0);
    CU_ASSERT(pkts[0]->meta.flags & TXP_PKT_F_RAW_IP);
    free_out();
    txp_ip_sock_destroy(s);
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_header_ttl(void)
{
    struct txp_ip_sock_config c;
    struct txp_ip_sock *s = NULL;
    struct txp_ip_route rt = rt_of(1500);

    txp_ip_sock_config_default(&c);
    c.saddr = SADDR;
    c.daddr = 0xE0000001u; /* 224.0.0.1 */
    CU_ASSERT_FATAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s) == TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[8], 1); /* multicast default */
    free_out();
    CU_ASSERT_EQUAL(txp_ip_sock_set_ttl(s, 200), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[8], 1); /* IP_TTL does not apply to multicast */
    free_out();
    txp_ip_sock_destroy(s);

    c.daddr = DADDR;
    c.mc_ttl = 0;
    c.ttl = -1;
    CU_ASSERT_FATAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s) == TXP_OK);
    rt.hoplimit = 33;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[8], 33); /* route hop limit */
    free_out();
    CU_ASSERT_EQUAL(txp_ip_sock_set_ttl(s, 255), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[8], 255);
    free_out();
    /* invalid TTLs are refused and change nothing */
    CU_ASSERT_EQUAL(txp_ip_sock_set_ttl(s, 0), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_sock_set_ttl(s, 256), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_sock_set_ttl(s, -2), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[8], 255);
    free_out();
    txp_ip_sock_destroy(s);
    c.ttl = 0;
    CU_ASSERT_EQUAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s), TXP_EINVAL);
    c.ttl = 64;
    c.mc_ttl = 256;
    CU_ASSERT_EQUAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s), TXP_EINVAL);
    c.mc_ttl = 1;
    c.pmtudisc = (enum txp_ip_pmtudisc)4;
    CU_ASSERT_EQUAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s), TXP_EINVAL);
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_header_df_modes(void)
{
    static const struct {
        int mode;
        bool locked;
        bool dgram_df;
        bool xmit_df;
    } cases[] = {
        {TXP_IP_PMTUDISC_DONT, false, false, false}, {TXP_IP_PMTUDISC_WANT, false, true, true},
        {TXP_IP_PMTUDISC_WANT, true, false, false},  {TXP_IP_PMTUDISC_DO, false, true, true},
        {TXP_IP_PMTUDISC_DO, true, true, true},      {TXP_IP_PMTUDISC_PROBE, false, true, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct txp_ip_sock *s = mksock(cases[i].mode, false, TXP_IPPROTO_UDP);
        struct txp_ip_route rt = rt_of(1500);

        rt.mtu_locked = cases[i].locked;
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 100, 0, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL((be16(pd(0) + 6) & TXP_IP_DF) != 0, cases[i].dgram_df);
        free_out();
        CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 100, 1, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL((be16(pd(0) + 6) & TXP_IP_DF) != 0, cases[i].xmit_df);
        free_out();
        txp_ip_sock_destroy(s);
    }
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_header_emsgsize(void)
{
    struct txp_ip_route rt = rt_of(1500);
    struct txp_ip_sock *s;

    for (int mode = TXP_IP_PMTUDISC_DO; mode <= TXP_IP_PMTUDISC_PROBE; mode++) {
        s = mksock(mode, false, TXP_IPPROTO_UDP);
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1473, 0, 0, &out), TXP_EMSGSIZE);
        CU_ASSERT_EQUAL(out.n, 0);
        CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 0);
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1472, 0, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL(out.n, 1);
        CU_ASSERT_EQUAL(pkts[0]->len, 1500);
        CU_ASSERT(be16(pd(0) + 6) & TXP_IP_DF);
        free_out();
        txp_ip_sock_destroy(s);
    }
    /* WANT: 3000 bytes go out fragmented without DF (linux-facts 2.3/2.4) */
    s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 3000, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(out.n, 3);
    CU_ASSERT_EQUAL(pkts[0]->len, 1500);
    CU_ASSERT_EQUAL(pkts[1]->len, 1500);
    CU_ASSERT_EQUAL(pkts[2]->len, 68);
    CU_ASSERT_EQUAL(be16(pd(0) + 6), TXP_IP_MF | 0);
    CU_ASSERT_EQUAL(be16(pd(1) + 6), TXP_IP_MF | 185);
    CU_ASSERT_EQUAL(be16(pd(2) + 6), 370);
    CU_ASSERT_EQUAL(be16(pd(0) + 4), be16(pd(2) + 4));
    free_out();
    /* payload limits: 65507 is the largest, one more is EMSGSIZE */
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, TXP_IP_UDP_MAX_PAYLOAD + 1, 0, 0, &out),
                    TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 65536, 0, 0, &out), TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(out.n, 0);
    udp_roundtrip(s, 1500, TXP_IP_UDP_MAX_PAYLOAD);
    /* bad MTUs */
    rt.mtu = 67;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_EINVAL);
    rt.mtu = 65536;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 10, 1, 0, &out), TXP_EINVAL);
    CU_ASSERT_EQUAL(out.n, 0);
    rt.mtu = 1500;
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 65516, 1, 0, &out), TXP_EMSGSIZE);
    txp_ip_sock_destroy(s);
    /* queue_xmit with DF (DO) and too big: dropped */
    s = mksock(TXP_IP_PMTUDISC_DO, true, TXP_IPPROTO_TCP);
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 1481, 1, 0, &out), TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(txp_ip_sock_inet_id(s), 1000); /* no ID consumed */
    CU_ASSERT_EQUAL(out.n, 0);
    txp_ip_sock_destroy(s);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);
    ASSERT_NO_NEW_ALLOCS();
}

/* queue_xmit: options, fragmentation without DF, hashed IDs reserved per GSO segment */
static void
test_xmit_segments(void)
{
    uint8_t raw[15] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 148, 4, 0, 0};
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_DONT, false, TXP_IPPROTO_TCP);
    struct txp_ip_route rt = rt_of(1500);
    static uint8_t data[4000];
    uint8_t opts[40];
    size_t olen;
    uint16_t id;

    CU_ASSERT_EQUAL_FATAL(txp_ip_sock_set_options(s, raw, sizeof raw, 0, NULL), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 3000, 3, 7, &out), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(out.n, 3);
    CU_ASSERT_EQUAL(reassemble(1500, data, sizeof data, opts, &olen), 3000);
    CU_ASSERT(memcmp(data, big, 3000) == 0);
    CU_ASSERT_EQUAL(olen, 16);
    CU_ASSERT_EQUAL(opts[2], 8); /* RR filled */
    CU_ASSERT_EQUAL(pd(0)[9], TXP_IPPROTO_TCP);
    CU_ASSERT_EQUAL(pkts[0]->meta.l4_off, 36);
    CU_ASSERT_EQUAL(pkts[1]->meta.l4_off, 0xFFFF);
    id = be16(pd(0) + 4);
    free_out();
    /* three segments reserved three IDs: the next packet's is id + 3 (same jiffy) */
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 10, 1, 7, &out), TXP_OK);
    CU_ASSERT_EQUAL(be16(pd(0) + 4), (uint16_t)(id + 3));
    free_out();
    /* bad arguments */
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 10, 0, 7, &out), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, NULL, 10, 1, 7, &out), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 10, 1, 7, NULL), TXP_EINVAL);
    out.cap = 2;
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 3000, 1, 7, &out), TXP_ENOSPC);
    out.cap = MAXPKT;
    CU_ASSERT_EQUAL(out.n, 0);
    txp_ip_sock_destroy(s);
    ASSERT_NO_NEW_ALLOCS();
}

/* ---- IP ID ---- */

static void
test_ident_connected(void)
{
    struct txp_ip_route rt = rt_of(1500);
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, true, TXP_IPPROTO_UDP);

    /* UDP: atomic_add_return, the new value */
    for (uint16_t k = 1; k <= 3; k++) {
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL(be16(pd(0) + 4), 1000 + k);
        free_out();
    }
    txp_ip_sock_destroy(s);
    /* TCP: the current value, then += segs (a 3-segment GSO packet takes three) */
    s = mksock(TXP_IP_PMTUDISC_WANT, true, TXP_IPPROTO_TCP);
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 20, 1, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(be16(pd(0) + 4), 1000);
    free_out();
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 20, 3, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(be16(pd(0) + 4), 1001);
    free_out();
    CU_ASSERT_EQUAL(txp_ip_queue_xmit(s, &rt, big, 20, 1, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(be16(pd(0) + 4), 1004);
    free_out();
    txp_ip_sock_destroy(s);
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_ident_hashed(void)
{
    struct txp_ip_ident_config ic = {256, TXP_IP_ID_HASH_ALWAYS, 7};
    struct txp_ip_ident *a = NULL, *b = NULL;
    uint16_t x, y;

    CU_ASSERT_FATAL(txp_ip_ident_create(&ic, txp_h_alloc(), &a) == TXP_OK);
    CU_ASSERT_FATAL(txp_ip_ident_create(&ic, txp_h_alloc(), &b) == TXP_OK);
    /* same seed, same sequence; consecutive within a jiffy */
    x = txp_ip_ident_reserve(a, SADDR, DADDR, 17, 1, 1000000000u);
    CU_ASSERT_EQUAL(txp_ip_ident_reserve(b, SADDR, DADDR, 17, 1, 1000000000u), x);
    CU_ASSERT_EQUAL(txp_ip_ident_reserve(a, SADDR, DADDR, 17, 1, 1000000000u), (uint16_t)(x + 1));
    CU_ASSERT_EQUAL(txp_ip_ident_reserve(a, SADDR, DADDR, 17, 3, 1000000001u), (uint16_t)(x + 2));
    CU_ASSERT_EQUAL(txp_ip_ident_reserve(a, SADDR, DADDR, 17, 1, 1000000002u), (uint16_t)(x + 5));
    /* another destination has its own counter: interleaving does not disturb the first */
    {
        uint16_t o1 = txp_ip_ident_reserve(a, SADDR, DADDR + 1, 17, 1, 1000000002u);
        uint16_t m = txp_ip_ident_reserve(a, SADDR, DADDR, 17, 1, 1000000002u);
        uint16_t o2 = txp_ip_ident_reserve(a, SADDR, DADDR + 1, 17, 1, 1000000002u);
        CU_ASSERT_EQUAL(m, (uint16_t)(x + 6));
        CU_ASSERT_EQUAL(o2, (uint16_t)(o1 + 1));
        x = (uint16_t)(x + 1); /* the bucket of DADDR advanced once more */
    }
    /* after idle time the bucket jumps by less than the jiffies elapsed (+1 for the packet) */
    y = txp_ip_ident_reserve(a, SADDR, DADDR, 17, 1, 1000000000u + 400000000u);
    CU_ASSERT((uint16_t)(y - (x + 6)) < 100);
    txp_ip_ident_destroy(a);
    txp_ip_ident_destroy(b);

    /* caller memory; bad bucket counts */
    ic.buckets = 3;
    CU_ASSERT_EQUAL(txp_ip_ident_memsize(&ic), 0);
    ic.buckets = 16;
    {
        uint64_t mem[64];
        struct txp_ip_ident *g = NULL;
        CU_ASSERT_FATAL(txp_ip_ident_memsize(&ic) <= sizeof(mem));
        CU_ASSERT_EQUAL(txp_ip_ident_init(mem, sizeof(mem), &ic, &g), TXP_OK);
        CU_ASSERT_EQUAL(txp_ip_ident_init(mem, 8, &ic, &g), TXP_EINVAL);
        txp_ip_ident_destroy(g); /* not owned: no-op */
    }
    txp_ip_ident_destroy(NULL);
    ASSERT_NO_NEW_ALLOCS();
}

/*
 * Unconnected DF datagrams: ID 0 when ignore_df is clear (DO/PROBE) under the default rule
 * (seen live on 6.18.44), hashed under WANT; always hashed under HASH_ALWAYS.
 */
static void
test_ident_policy(void)
{
    struct txp_ip_ident_config ic = {64, TXP_IP_ID_LINUX, 9};
    struct txp_ip_ident_config rc = {64, TXP_IP_ID_HASH_ALWAYS, 9};
    struct txp_ip_ident *old = NULL, *ref = NULL, *save = ids;
    struct txp_ip_route rt = rt_of(1500);

    CU_ASSERT_FATAL(txp_ip_ident_create(&ic, txp_h_alloc(), &old) == TXP_OK);
    CU_ASSERT_FATAL(txp_ip_ident_create(&rc, txp_h_alloc(), &ref) == TXP_OK);
    ids = old;
    {
        struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_DO, false, TXP_IPPROTO_UDP);
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL(be16(pd(0) + 4), 0); /* DF and not ignore_df */
        free_out();
        txp_ip_sock_destroy(s);
        /* WANT: DF but ignore_df, so hashed: the same value the reference generator gives */
        s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 5, &out), TXP_OK);
        CU_ASSERT_EQUAL(be16(pd(0) + 4), txp_ip_ident_reserve(ref, SADDR, DADDR, 17, 1, 5));
        free_out();
        txp_ip_sock_destroy(s);
    }
    ids = ref;
    {
        /* HASH_ALWAYS: DO datagrams take the hashed counter too, consecutive per destination */
        struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_DO, false, TXP_IPPROTO_UDP);
        uint16_t first;
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 5, &out), TXP_OK);
        first = be16(pd(0) + 4);
        free_out();
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 3000 - 1500, 0, 5, &out), TXP_EMSGSIZE);
        CU_ASSERT_EQUAL(txp_ip_sock_set_pmtudisc(s, TXP_IP_PMTUDISC_WANT), TXP_OK);
        CU_ASSERT_EQUAL(txp_ip_sock_set_pmtudisc(s, 7), TXP_EINVAL);
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 3000, 0, 5, &out), TXP_OK);
        CU_ASSERT_EQUAL(out.n, 3);
        for (size_t i = 0; i < out.n; i++)
            CU_ASSERT_EQUAL(be16(pd(i) + 4), (uint16_t)(first + 1));
        free_out();
        txp_ip_sock_destroy(s);
    }
    ids = save;
    txp_ip_ident_destroy(old);
    txp_ip_ident_destroy(ref);
    ASSERT_NO_NEW_ALLOCS();
}

/* ---- options ---- */

static int
send_with_opts(const uint8_t *raw, size_t len, uint64_t now_ns, struct txp_ip_opt_diag *d)
{
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    struct txp_ip_route rt = rt_of(1500);
    int rc = txp_ip_sock_set_options(s, raw, len, 0, d);

    if (rc == TXP_OK)
        rc = txp_ip_udp_sendmsg(s, &rt, big, 16, 0, now_ns, &out);
    txp_ip_sock_destroy(s);
    return rc;
}

static void
expect_opts(const uint8_t *want, size_t n)
{
    CU_ASSERT_EQUAL_FATAL(out.n, 1);
    CU_ASSERT_EQUAL(pd(0)[0], 0x40 | (uint8_t)(5 + n / 4));
    CU_ASSERT(memcmp(pd(0) + 20, want, n) == 0);
    if (memcmp(pd(0) + 20, want, n) != 0) {
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%u/%u ", pd(0)[20 + i], want[i]);
        fprintf(stderr, "\n");
    }
    CU_ASSERT_EQUAL(txp_csum(pd(0), 20 + n), 0);
    CU_ASSERT_EQUAL(be16(pd(0) + 2), 20 + n + 24);
}

static void
test_opts_kinds(void)
{
    /* 12:34:56.789 after midnight, plus two days */
    uint64_t now = (2ull * 86400000ull + 45296789ull) * 1000000ull;
    uint8_t ms[4] = {0x02, 0xB3, 0x2C, 0x95}; /* 45296789 */

    { /* RR: our address goes into the first slot */
        uint8_t raw[11] = {7, 11, 4};
        uint8_t want[12] = {7, 11, 8, 10, 200, 0, 1, 0, 0, 0, 0, 0};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
    }
    { /* TS, timestamps only */
        uint8_t raw[12] = {68, 12, 5, 0};
        uint8_t want[12] = {68, 12, 9, 0, ms[0], ms[1], ms[2], ms[3], 0, 0, 0, 0};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
    }
    { /* TS, address and timestamp */
        uint8_t raw[20] = {68, 20, 5, 1};
        uint8_t want[20] = {68, 20, 13, 1, 10, 200, 0, 1, ms[0], ms[1], ms[2], ms[3]};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
    }
    { /* TS, prespecified: our address is stamped, another is left alone */
        uint8_t raw[20] = {68, 20, 5, 3, 10, 200, 0, 1, 0, 0, 0, 0, 10, 200, 0, 2};
        uint8_t want[20] = {68,    20,    13,    3,     10, 200, 0, 1,
                            ms[0], ms[1], ms[2], ms[3], 10, 200, 0, 2};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
        raw[7] = 9;
        memcpy(want, raw, sizeof want);
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
    }
    { /* LSRR / SSRR: first hop in the header, destination in the last slot */
        for (int k = 0; k < 2; k++) {
            uint8_t t = k ? 137 : 131;
            uint8_t raw[11] = {t, 11, 4, 10, 9, 9, 1, 10, 9, 9, 2};
            uint8_t want[12] = {t, 11, 4, 10, 9, 9, 2, 10, 200, 0, 2, 0};
            CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
            expect_opts(want, sizeof want);
            CU_ASSERT_EQUAL(be32(pd(0) + 16), 0x0A090901u);
            /* the UDP pseudo-header uses the header's destination (fl4->daddr) */
            CU_ASSERT_EQUAL(txp_ipv4_l4_csum(SADDR, 0x0A090901u, 17, pd(0) + 32, 24), 0);
            free_out();
        }
    }
    { /* RA, NOPs, EOL padding */
        uint8_t raw[5] = {1, 148, 4, 0, 0};
        uint8_t want[8] = {1, 148, 4, 0, 0, 0, 0, 0};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
    }
    { /* bytes after an EOL become EOL */
        uint8_t raw[4] = {1, 0, 7, 7};
        uint8_t want[4] = {1, 0, 0, 0};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(want, sizeof want);
        free_out();
    }
    { /* a full RR (pointer past the end) is sent unchanged */
        uint8_t raw[8] = {7, 7, 8, 1, 2, 3, 4, 1};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        expect_opts(raw, sizeof raw);
        free_out();
    }
    { /* 40 bytes: the largest header */
        uint8_t raw[40] = {7, 39, 4};
        CU_ASSERT_EQUAL(send_with_opts(raw, sizeof raw, now, NULL), TXP_OK);
        CU_ASSERT_EQUAL(pd(0)[0], 0x4F);
        free_out();
    }
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_opts_errors(void)
{
    static const struct {
        uint8_t raw[44];
        size_t len;
        enum txp_ip_opt_err err;
        uint32_t off;
    } cases[] = {
        {{7}, 41, TXP_IP_OPT_TOO_LONG, 40},
        {{1, 1, 1, 7}, 4, TXP_IP_OPT_TRUNCATED, 3},
        {{7, 1}, 2, TXP_IP_OPT_BAD_LEN, 1},
        {{7, 9, 4}, 4, TXP_IP_OPT_TRUNCATED, 1},
        {{7, 3, 3}, 3, TXP_IP_OPT_BAD_PTR, 2},
        {{7, 7, 6, 0, 0, 0, 0}, 7, TXP_IP_OPT_BAD_PTR, 2},
        {{7, 7, 4, 0, 0, 0, 0, 7, 7, 4}, 14, TXP_IP_OPT_DUP, 7},
        {{68, 3, 5}, 3, TXP_IP_OPT_BAD_LEN, 1},
        {{68, 8, 4, 0}, 8, TXP_IP_OPT_BAD_PTR, 2},
        {{68, 8, 5, 2}, 8, TXP_IP_OPT_BAD_FLAG, 3},
        {{68, 8, 5, 1}, 8, TXP_IP_OPT_BAD_PTR, 2},
        {{68, 8, 9, 0xF0}, 8, TXP_IP_OPT_OVERFLOW, 3},
        {{131, 7, 8, 1, 2, 3, 4}, 7, TXP_IP_OPT_BAD_PTR, 2},
        {{131, 9, 4, 1, 2, 3, 4, 5, 6}, 9, TXP_IP_OPT_BAD_LEN, 1},
        {{131, 3, 4}, 3, TXP_IP_OPT_BAD_LEN, 1},
        {{131, 7, 4, 1, 2, 3, 4, 137, 7, 4, 1, 2, 3, 4}, 14, TXP_IP_OPT_DUP, 7},
        {{148, 6, 0, 0, 0, 0}, 6, TXP_IP_OPT_BAD_LEN, 1},
        {{130, 4, 0, 0}, 4, TXP_IP_OPT_UNKNOWN, 0},
    };
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    struct txp_ip_route rt = rt_of(1500);
    uint8_t ra[4] = {148, 4, 0, 0};
    struct txp_ip_options o;

    CU_ASSERT_EQUAL(txp_ip_sock_set_options(s, ra, 4, 0, NULL), TXP_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct txp_ip_opt_diag d = {TXP_IP_OPT_OK, 99};
        CU_ASSERT_EQUAL(txp_ip_sock_set_options(s, cases[i].raw, cases[i].len, 0, &d), TXP_EINVAL);
        if (d.err != cases[i].err || d.offset != cases[i].off)
            fprintf(stderr, "case %zu: %s at %u\n", i, txp_ip_opt_errname(d.err), d.offset);
        CU_ASSERT_EQUAL(d.err, cases[i].err);
        CU_ASSERT_EQUAL(d.offset, cases[i].off);
    }
    /* the socket keeps its previous options after every refusal */
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[0], 0x46);
    CU_ASSERT(memcmp(pd(0) + 20, ra, 4) == 0);
    free_out();
    /* unknown kinds pass with the raw flag; TS flag 2 too */
    CU_ASSERT_EQUAL(txp_ip_options_compile(cases[17].raw, 4, SADDR, TXP_IP_OPT_F_RAW, &o, NULL),
                    TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_options_compile(cases[9].raw, 8, SADDR, TXP_IP_OPT_F_RAW, &o, NULL),
                    TXP_OK);
    CU_ASSERT_STRING_EQUAL(txp_ip_opt_errname(TXP_IP_OPT_DUP), "DUP");
    /* clearing */
    CU_ASSERT_EQUAL(txp_ip_sock_set_options(s, NULL, 0, 0, NULL), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pd(0)[0], 0x45);
    free_out();
    txp_ip_sock_destroy(s);
    ASSERT_NO_NEW_ALLOCS();
}

/* ---- fragmentation ---- */

static void
test_frag_sweep(void)
{
    static const uint32_t mtus[] = {68, 69, 75, 576, 1280, 1500, 9000, 65535};
    static const uint8_t optsets[][12] = {
        {0}, {7, 7, 4, 0, 0, 0, 0, 148, 4, 0, 0, 0}, {131, 7, 4, 10, 1, 1, 1, 68, 4, 5, 0, 0}};
    static const size_t optlens[] = {0, 11, 11};

    for (size_t o = 0; o < 3; o++) {
        struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
        CU_ASSERT_EQUAL_FATAL(txp_ip_sock_set_options(s, optsets[o], optlens[o], 0, NULL), TXP_OK);
        for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
            size_t hlen = o ? 32 : 20;
            size_t step = (mtus[m] - hlen) & ~(size_t)7;
            size_t base[] = {0, 1, 7, 8, step - 8, step, mtus[m] - hlen - 8, 2 * step - 8};
            for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
                for (int d = -1; d <= 1; d++) {
                    long len = (long)base[b] + d;
                    size_t nf;
                    if (len < 0 || len > TXP_IP_UDP_MAX_PAYLOAD - (long)(hlen - 20))
                        continue;
                    nf = txp_ip_frag_count(hlen + 8 + (size_t)len, hlen, mtus[m]);
                    if (nf > MAXPKT)
                        continue;
                    udp_roundtrip(s, mtus[m], (size_t)len);
                }
            }
        }
        txp_ip_sock_destroy(s);
    }
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_frag_options_copy(void)
{
    /* RR (not copied), RA (copied), LSRR (copied), TS (not copied) */
    uint8_t raw[36] = {7,  7,  4, 0, 0, 0, 0, 148, 4, 0, 0, 131, 7, 4, 10, 1, 1, 1,
                       68, 12, 5, 0, 0, 0, 0, 0,   0, 0, 0, 0,   0, 1, 1,  1, 1, 0};
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    struct txp_ip_route rt = rt_of(576);
    uint8_t later[36];

    CU_ASSERT_EQUAL_FATAL(txp_ip_sock_set_options(s, raw, sizeof raw, 0, NULL), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1200, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(out.n, 3);
    CU_ASSERT_EQUAL(pd(0)[0], 0x4E);
    memcpy(later, pd(0) + 20, 36);
    memset(later, 1, 7);       /* RR -> NOP */
    memset(later + 18, 1, 12); /* TS -> NOP */
    for (size_t i = 1; i < 3; i++) {
        CU_ASSERT_EQUAL(pd(i)[0], 0x4E);
        CU_ASSERT(memcmp(pd(i) + 20, later, 36) == 0);
        CU_ASSERT_EQUAL(txp_csum(pd(i), 56), 0);
    }
    CU_ASSERT_EQUAL(pd(0)[22], 8); /* RR filled in fragment 1 */
    CU_ASSERT_EQUAL(pd(1)[27], 148);
    free_out();
    txp_ip_sock_destroy(s);
    ASSERT_NO_NEW_ALLOCS();
}

static size_t
mkdgram(uint8_t *buf, uint16_t frag_off, size_t payload, const uint8_t *opts, uint8_t olen)
{
    struct txp_ipv4_hdr h;
    int hl;

    memset(&h, 0, sizeof(h));
    h.ttl = 9;
    h.protocol = 253;
    h.id = 0x1234;
    h.frag_off = frag_off;
    h.saddr = SADDR;
    h.daddr = DADDR;
    h.opt_len = olen;
    if (olen)
        memcpy(h.opts, opts, olen);
    hl = txp_ipv4_build(buf, 60, &h, payload, 0);
    memcpy(buf + hl, big, payload);
    return (size_t)hl + payload;
}

static void
test_frag_direct(void)
{
    static uint8_t dg[70000];
    size_t len = mkdgram(dg, TXP_IP_MF | 100, 3000, NULL, 0);

    /* a non-last fragment refragmented: offsets add, the last keeps MF */
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 1500, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(out.n, 3);
    CU_ASSERT_EQUAL(be16(pd(0) + 6), TXP_IP_MF | 100);
    CU_ASSERT_EQUAL(be16(pd(1) + 6), TXP_IP_MF | 285);
    CU_ASSERT_EQUAL(be16(pd(2) + 6), TXP_IP_MF | 470);
    CU_ASSERT_EQUAL(pkts[0]->meta.l4_off, 0xFFFF);
    free_out();
    /* DF: refused unless ignore_df; then fragments lose DF */
    len = mkdgram(dg, TXP_IP_DF, 3000, NULL, 0);
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 1500, 0, &out), TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(out.n, 0);
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 1500, TXP_IP_FRAG_IGNORE_DF, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 3);
    CU_ASSERT_EQUAL(be16(pd(0) + 6), TXP_IP_MF);
    free_out();
    /* fits: one copy, DF kept */
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 9000, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 1);
    CU_ASSERT(memcmp(pd(0), dg, len) == 0);
    free_out();
    /* output space */
    out.cap = 2;
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 1500, TXP_IP_FRAG_IGNORE_DF, &out), TXP_ENOSPC);
    out.cap = MAXPKT;
    CU_ASSERT_EQUAL(out.n, 0);
    {
        struct txp_pkt *hold[MAXPKT];
        for (size_t i = 0; i < MAXPKT - 2; i++)
            hold[i] = txp_pkt_alloc(pool);
        CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 1500, TXP_IP_FRAG_IGNORE_DF, &out), TXP_ENOBUFS);
        CU_ASSERT_EQUAL(out.n, 0);
        CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), MAXPKT - 2);
        for (size_t i = 0; i < MAXPKT - 2; i++)
            txp_pkt_free(hold[i]);
    }
    /* bad input */
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, 19, 1500, 0, &out), TXP_EBADMSG);
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 67, 0, &out), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 65536, 0, &out), TXP_EINVAL);
    /* offsets that would overflow 13 bits */
    len = mkdgram(dg, 8000, 3000, NULL, 0);
    CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 1500, 0, &out), TXP_EINVAL);
    /* a 60-byte header at MTU 68 carries 8 bytes per fragment */
    {
        uint8_t opts[40] = {148, 4, 0, 0};
        for (size_t i = 4; i < 40; i++)
            opts[i] = 1;
        len = mkdgram(dg, 0, 100, opts, 40);
        CU_ASSERT_EQUAL(txp_ip_frag_count(len, 60, 68), 13);
        CU_ASSERT_EQUAL(txp_ip_fragment(dg, len, 68, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL(out.n, 13);
        CU_ASSERT_EQUAL(pkts[12]->len, 64);
        free_out();
    }
    CU_ASSERT_EQUAL(txp_ip_frag_count(100, 60, 67), 0);
    CU_ASSERT_EQUAL(txp_ip_frag_count(3028, 20, 1500), 3);
    ASSERT_NO_NEW_ALLOCS();
}

/* ---- UDP ---- */

static void
test_udp_checksum(void)
{
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    struct txp_ip_route rt = rt_of(1500);
    uint8_t pl[2] = {0, 0};
    uint16_t c;

    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, pl, 2, 0, 0, &out), TXP_OK);
    c = be16(pd(0) + 26);
    free_out();
    /* a payload word equal to the checksum of the zero payload makes the sum 0xFFFF */
    pl[0] = (uint8_t)(c >> 8);
    pl[1] = (uint8_t)c;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, pl, 2, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(be16(pd(0) + 26), 0xFFFF);
    CU_ASSERT_EQUAL(txp_ipv4_l4_csum(SADDR, DADDR, 17, pd(0) + 20, 10), 0);
    free_out();
    txp_ip_sock_destroy(s);
    {
        struct txp_ip_sock_config cfg;
        txp_ip_sock_config_default(&cfg);
        cfg.saddr = SADDR;
        cfg.daddr = DADDR;
        cfg.no_check = true;
        CU_ASSERT_FATAL(txp_ip_sock_create(&cfg, ids, txp_h_alloc(), &s) == TXP_OK);
        CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 30, 0, 0, &out), TXP_OK);
        CU_ASSERT_EQUAL(be16(pd(0) + 26), 0);
        free_out();
        txp_ip_sock_destroy(s);
    }
    /* not a UDP socket */
    s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_TCP);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 30, 0, 0, &out), TXP_EINVAL);
    txp_ip_sock_destroy(s);
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_udp_cork(void)
{
    struct txp_ip_sock *s = mksock(TXP_IP_PMTUDISC_WANT, false, TXP_IPPROTO_UDP);
    struct txp_ip_route rt = rt_of(1500);
    static uint8_t data[4000];
    uint8_t opts[40];
    size_t olen;

    /* UDP_CORK */
    CU_ASSERT_EQUAL(txp_ip_udp_set_cork(s, true, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 100, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 0);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big + 100, 2000, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 0);
    CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 2100);
    CU_ASSERT_EQUAL(txp_ip_udp_set_cork(s, false, 0, NULL), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 2100);
    CU_ASSERT_EQUAL(txp_ip_udp_set_cork(s, false, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 2);
    CU_ASSERT_EQUAL(reassemble(1500, data, sizeof data, opts, &olen), 2108);
    CU_ASSERT(memcmp(data + 8, big, 2100) == 0);
    CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 0);
    free_out();
    /* MSG_MORE */
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, TXP_IP_MSG_MORE, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 0);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big + 10, 20, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL_FATAL(out.n, 1);
    CU_ASSERT_EQUAL(be16(pd(0) + 24), 38);
    CU_ASSERT(memcmp(pd(0) + 28, big, 30) == 0);
    free_out();
    /* an empty datagram */
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, NULL, 0, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(pkts[0]->len, 28);
    free_out();
    /* cork pins the route of the first append */
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1000, TXP_IP_MSG_MORE, 0, &out), TXP_OK);
    rt.mtu = 9000;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1000, 0, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(out.n, 2);
    free_out();
    /* the cork grows past 65535: EMSGSIZE discards everything pending */
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 60000, TXP_IP_MSG_MORE, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 6000, 0, 0, &out), TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 0);
    CU_ASSERT_EQUAL(out.n, 0);
    txp_ip_sock_destroy(s);
    /* DO: the cork may not exceed the MTU */
    s = mksock(TXP_IP_PMTUDISC_DO, false, TXP_IPPROTO_UDP);
    rt.mtu = 1500;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 1000, TXP_IP_MSG_MORE, 0, &out), TXP_OK);
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 473, TXP_IP_MSG_MORE, 0, &out), TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 0);
    /* output space: the datagram is discarded, nothing emitted */
    out.cap = 0;
    CU_ASSERT_EQUAL(txp_ip_udp_sendmsg(s, &rt, big, 10, 0, 0, &out), TXP_ENOSPC);
    out.cap = MAXPKT;
    CU_ASSERT_EQUAL(txp_ip_udp_pending(s), 0);
    txp_ip_sock_destroy(s);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);
    ASSERT_NO_NEW_ALLOCS();
}

static void
test_alloc_failures(void)
{
    struct txp_ip_ident_config ic = {0, TXP_IP_ID_HASH_ALWAYS, 1};
    struct txp_ip_ident *g = NULL;
    struct txp_ip_sock_config c;
    struct txp_ip_sock *s = NULL;

    txp_h_alloc_counter()->fail_after = 0;
    CU_ASSERT_EQUAL(txp_ip_ident_create(&ic, txp_h_alloc(), &g), TXP_ENOMEM);
    txp_ip_sock_config_default(&c);
    txp_h_alloc_counter()->fail_after = 0;
    CU_ASSERT_EQUAL(txp_ip_sock_create(&c, ids, txp_h_alloc(), &s), TXP_ENOMEM);
    txp_h_alloc_counter()->fail_after = -1;
    ic.policy = (enum txp_ip_id_policy)5;
    CU_ASSERT_EQUAL(txp_ip_ident_create(&ic, txp_h_alloc(), &g), TXP_EINVAL);
    txp_ip_sock_destroy(NULL);
    ASSERT_NO_NEW_ALLOCS();
}

static const struct txp_h_test header_tests[] = {
    TXP_H_TEST(test_header_defaults), TXP_H_TEST(test_header_ttl),
    TXP_H_TEST(test_header_df_modes), TXP_H_TEST(test_header_emsgsize),
    TXP_H_TEST(test_xmit_segments),   TXP_H_TEST_END};
static const struct txp_h_test ident_tests[] = {TXP_H_TEST(test_ident_connected),
                                                TXP_H_TEST(test_ident_hashed),
                                                TXP_H_TEST(test_ident_policy), TXP_H_TEST_END};
static const struct txp_h_test opts_tests[] = {TXP_H_TEST(test_opts_kinds),
                                               TXP_H_TEST(test_opts_errors), TXP_H_TEST_END};
static const struct txp_h_test frag_tests[] = {TXP_H_TEST(test_frag_sweep),
                                               TXP_H_TEST(test_frag_options_copy),
                                               TXP_H_TEST(test_frag_direct), TXP_H_TEST_END};
static const struct txp_h_test udp_tests[] = {TXP_H_TEST(test_udp_checksum),
                                              TXP_H_TEST(test_udp_cork),
                                              TXP_H_TEST(test_alloc_failures), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("header", setup, teardown, header_tests),
    TXP_H_SUITE("ident", setup, teardown, ident_tests),
    TXP_H_SUITE("options", setup, teardown, opts_tests),
    TXP_H_SUITE("frag", setup, teardown, frag_tests),
    TXP_H_SUITE("udp", setup, teardown, udp_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
