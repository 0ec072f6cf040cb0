/* SPDX-License-Identifier: MIT */
/* CUnit tests of the neigh component: NUD transitions, ARP frames, queue, input, text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/neigh.h"

#define S 1000000000ull
#define MSEC 1000000ull
#define MAXF 1024

static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t MAC_B[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t MAC_C[6] = {2, 0, 0, 0, 0, 3};
#define IP_A 0x0A000001u /* 10.0.0.1 (us) */
#define IP_B 0x0A000002u
#define IP_C 0x0A000003u
#define IP_X 0x0A000063u /* 10.0.0.99: absent */

struct cap {
    uint32_t n;
    uint64_t t[MAXF];
    uint8_t f[MAXF][64];
    uint32_t len[MAXF];
    uint32_t drops, drop_err[8], ndrop_err;
    uint32_t reason[TXP_DROP__COUNT];
};

static struct cap cap;

static void
on_xmit(void *ctx, uint32_t ifindex, struct txp_pkt *p, uint64_t t)
{
    (void)ctx;
    (void)ifindex;
    if (cap.n < MAXF) {
        cap.t[cap.n] = t;
        cap.len[cap.n] = p->len;
        memcpy(cap.f[cap.n], txp_pkt_data(p), p->len < 64 ? p->len : 64);
        cap.n++;
    }
    txp_pkt_free(p);
}

static void
on_drop(void *ctx, struct txp_pkt *p, int err, uint64_t t)
{
    (void)ctx;
    (void)t;
    cap.drops++;
    if (cap.ndrop_err < 8)
        cap.drop_err[cap.ndrop_err++] = (uint32_t)-err;
    cap.reason[p->meta.drop_reason]++;
    txp_pkt_free(p);
}

static struct txp_pkt_pool *pool;

static struct txp_neigh *
mk(struct txp_neigh_parms *parms)
{
    memset(&cap, 0, sizeof cap);
    struct txp_pkt_pool_config pc = {2048, 256};
    CU_ASSERT_FATAL(txp_pkt_pool_create(&pc, txp_h_alloc(), &pool) == TXP_OK);
    struct txp_neigh_config c;
    txp_neigh_config_default(&c);
    c.pool = pool;
    c.seed = 1;
    c.io = (struct txp_neigh_io){NULL, on_xmit, on_drop};
    struct txp_neigh *n = NULL;
    CU_ASSERT_FATAL(txp_neigh_create(&c, txp_h_alloc(), &n) == TXP_OK);
    struct txp_neigh_dev d;
    memset(&d, 0, sizeof d);
    d.ifindex = 2;
    strcpy(d.name, "eth0");
    memcpy(d.mac, MAC_A, 6);
    d.naddr = 2;
    d.addr[0] = IP_A;
    d.plen[0] = 24;
    d.addr[1] = 0xC0A80101u; /* 192.168.1.1/24, secondary subnet */
    d.plen[1] = 24;
    if (parms)
        d.parms = *parms;
    else
        txp_neigh_parms_default(&d.parms);
    CU_ASSERT_FATAL(txp_neigh_dev_add(n, &d, 0) == TXP_OK);
    return n;
}

static void
fin(struct txp_neigh *n, uint64_t now)
{
    txp_neigh_destroy(n, now);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

/* An IPv4/UDP packet (data starts at the IP header) from @p src, @p len bytes, id @p id. */
static struct txp_pkt *
ippkt(uint32_t src, uint32_t dst, uint16_t id, uint32_t len)
{
    struct txp_pkt *p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    uint8_t *b = txp_pkt_put(p, len);
    memset(b, 0, len);
    b[0] = 0x45;
    b[2] = (uint8_t)(len >> 8);
    b[3] = (uint8_t)len;
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    b[8] = 64;
    b[9] = 17;
    for (int i = 0; i < 4; i++) {
        b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    p->meta.l3_off = 0;
    return p;
}

/* An ARP frame to @p eth_dst. */
static size_t
arpf(uint8_t *f, const uint8_t *eth_dst, const uint8_t *eth_src, uint16_t op, const uint8_t *sha,
     uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    memcpy(f, eth_dst, 6);
    memcpy(f + 6, eth_src, 6);
    f[12] = 0x08;
    f[13] = 0x06;
    uint8_t *a = f + 14;
    a[0] = 0;
    a[1] = 1;
    a[2] = 8;
    a[3] = 0;
    a[4] = 6;
    a[5] = 4;
    a[6] = 0;
    a[7] = (uint8_t)op;
    memcpy(a + 8, sha, 6);
    for (int i = 0; i < 4; i++) {
        a[14 + i] = (uint8_t)(spa >> (24 - 8 * i));
        a[24 + i] = (uint8_t)(tpa >> (24 - 8 * i));
    }
    if (tha)
        memcpy(a + 18, tha, 6);
    else
        memset(a + 18, 0, 6);
    return 42;
}

static unsigned
state(struct txp_neigh *n, uint32_t ip)
{
    struct txp_neigh_info in;
    if (txp_neigh_lookup(n, 2, ip, &in) != TXP_OK)
        return 0x1000;
    return in.state;
}

static int
is_request(uint32_t i, const uint8_t *eth_dst, uint32_t spa, uint32_t tpa)
{
    uint8_t want[42];
    arpf(want, eth_dst, MAC_A, 1, MAC_A, spa, NULL, tpa);
    return cap.len[i] == 42 && !memcmp(cap.f[i], want, 42);
}

static const uint8_t BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- resolution ---- */

static void
test_resolve_fail(void)
{
    txp_h_alloc_reset();
    struct txp_neigh *n = mk(NULL);
    CU_ASSERT_EQUAL(txp_neigh_output(n, ippkt(IP_A, IP_X, 1, 28), 2, IP_X, 0), TXP_OK);
    CU_ASSERT_EQUAL(state(n, IP_X), TXP_NUD_INCOMPLETE);
    CU_ASSERT_EQUAL(cap.n, 1);
    CU_ASSERT(is_request(0, BC, IP_A, IP_X)); /* 42 bytes, target MAC zero, broadcast */
    CU_ASSERT_EQUAL(txp_neigh_run_timers(n, 2999 * MSEC), 3 * S);
    CU_ASSERT_EQUAL(cap.n, 3); /* requests at 0, 1 s, 2 s */
    CU_ASSERT_EQUAL(cap.t[1], 1 * S);
    CU_ASSERT_EQUAL(cap.t[2], 2 * S);
    CU_ASSERT(is_request(2, BC, IP_A, IP_X));
    CU_ASSERT_EQUAL(state(n, IP_X), TXP_NUD_INCOMPLETE);
    txp_neigh_run_timers(n, 3 * S);
    CU_ASSERT_EQUAL(state(n, IP_X), TXP_NUD_FAILED);
    CU_ASSERT_EQUAL(cap.n, 3);
    CU_ASSERT_EQUAL(cap.drops, 1);
    CU_ASSERT_EQUAL(cap.reason[TXP_DROP_NEIGH_FAILED], 1);
    CU_ASSERT_EQUAL(cap.drop_err[0], (uint32_t)-TXP_EHOSTUNREACH);
    /* a new packet restarts resolution from FAILED */
    txp_neigh_output(n, ippkt(IP_A, IP_X, 2, 28), 2, IP_X, 10 * S);
    CU_ASSERT_EQUAL(state(n, IP_X), TXP_NUD_INCOMPLETE);
    CU_ASSERT_EQUAL(cap.n, 4);
    fin(n, 20 * S);
}

static void
test_resolve_reply_and_queue(void)
{
    txp_h_alloc_reset();
    struct txp_neigh *n = mk(NULL);
    for (uint16_t i = 0; i < 5; i++)
        txp_neigh_output(n, ippkt(IP_A, IP_B, i, 28), 2, IP_B, i * MSEC);
    CU_ASSERT_EQUAL(cap.n, 1); /* one request */
    uint8_t f[60];
    /* the second request goes out at 1 s; the reply comes at 1.5 s */
    txp_neigh_run_timers(n, 1500 * MSEC);
    CU_ASSERT_EQUAL(cap.n, 2);
    size_t l = arpf(f, MAC_A, MAC_B, 2, MAC_B, IP_B, MAC_A, IP_A);
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, 1500 * MSEC), TXP_OK);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_REACHABLE);
    CU_ASSERT_EQUAL(cap.n, 7); /* the five queued packets, in order, now */
    for (uint32_t i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(cap.t[2 + i], 1500 * MSEC);
        CU_ASSERT(!memcmp(cap.f[2 + i], MAC_B, 6) && !memcmp(cap.f[2 + i] + 6, MAC_A, 6));
        CU_ASSERT_EQUAL(cap.f[2 + i][14 + 5], i); /* IP id */
    }
    /* resolved: straight out */
    txp_neigh_output(n, ippkt(IP_A, IP_B, 9, 28), 2, IP_B, 2 * S);
    CU_ASSERT_EQUAL(cap.n, 8);
    CU_ASSERT_EQUAL(cap.t[7], 2 * S);

    /* queue bound: unres_qlen_bytes 212992, truesize 832 -> the newest 256 survive */
    for (uint32_t i = 0; i < 1000; i++)
        txp_neigh_output(n, ippkt(IP_A, IP_C, (uint16_t)i, 29), 2, IP_C, 3 * S);
    struct txp_neigh_info in;
    txp_neigh_lookup(n, 2, IP_C, &in);
    CU_ASSERT_EQUAL(in.queue_len, 256);
    CU_ASSERT_EQUAL(cap.reason[TXP_DROP_NEIGH_QUEUEFULL], 744);
    l = arpf(f, MAC_A, MAC_C, 2, MAC_C, IP_C, MAC_A, IP_A);
    uint32_t before = cap.n;
    txp_neigh_input(n, f, l, 2, 3 * S + 1);
    CU_ASSERT_EQUAL(cap.n - before, 256);
    CU_ASSERT_EQUAL((cap.f[before][14 + 4] << 8) | cap.f[before][14 + 5], 744);
    CU_ASSERT_EQUAL(txp_neigh_get_stats(n)->unres_discards, 744);
    fin(n, 4 * S);
}

static void
test_reachable_stale_probe(void)
{
    txp_h_alloc_reset();
    struct txp_neigh_parms p;
    txp_neigh_parms_default(&p);
    p.base_reachable_time_ns = 4 * S; /* reachable_time in [2, 6) s: past used + 1 s */
    p.delay_first_probe_time_ns = 1 * S;
    struct txp_neigh *n = mk(&p);
    uint64_t rt = txp_neigh_reachable_time(n, 2);
    CU_ASSERT(rt >= 2 * S && rt < 6 * S);
    uint8_t f[60];
    txp_neigh_output(n, ippkt(IP_A, IP_B, 1, 28), 2, IP_B, 0);
    size_t l = arpf(f, MAC_A, MAC_B, 2, MAC_B, IP_B, MAC_A, IP_A);
    txp_neigh_input(n, f, l, 2, 1 * MSEC);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_REACHABLE);
    txp_neigh_run_timers(n, MSEC + rt);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_REACHABLE); /* now <= confirmed + reachable */
    txp_neigh_run_timers(n, 10 * S);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_STALE);
    /* STALE: the packet goes out at once with the cached MAC; DELAY for 1 s */
    uint32_t before = cap.n;
    txp_neigh_output(n, ippkt(IP_A, IP_B, 2, 28), 2, IP_B, 20 * S);
    CU_ASSERT_EQUAL(cap.n, before + 1);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_DELAY);
    txp_neigh_run_timers(n, 21 * S);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_PROBE);
    CU_ASSERT_EQUAL(cap.n, before + 2);
    CU_ASSERT(is_request(before + 1, MAC_B, IP_A, IP_B)); /* unicast probe */
    txp_neigh_run_timers(n, 23 * S);
    CU_ASSERT_EQUAL(cap.n, before + 4);
    CU_ASSERT_EQUAL(cap.t[before + 3], 23 * S);
    CU_ASSERT(is_request(before + 3, MAC_B, IP_A, IP_B));
    txp_neigh_run_timers(n, 24 * S);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_FAILED); /* mcast_resolicit 0: no broadcast */
    CU_ASSERT_EQUAL(cap.n, before + 4);

    /* DELAY confirmed by a reply -> REACHABLE */
    txp_neigh_add(n, 2, IP_C, MAC_C, TXP_NUD_STALE, 30 * S);
    txp_neigh_output(n, ippkt(IP_A, IP_C, 3, 28), 2, IP_C, 30 * S);
    CU_ASSERT_EQUAL(state(n, IP_C), TXP_NUD_DELAY);
    l = arpf(f, MAC_A, MAC_C, 2, MAC_C, IP_C, MAC_A, IP_A);
    txp_neigh_input(n, f, l, 2, 30 * S + 300 * MSEC);
    CU_ASSERT_EQUAL(state(n, IP_C), TXP_NUD_REACHABLE);
    fin(n, 40 * S);
}

static void
test_delay_to_reachable_by_confirm(void)
{
    /* REACHABLE expires while the entry is in use -> DELAY; a reply (confirm) within
     * delay_first_probe_time makes the DELAY timer go back to REACHABLE */
    txp_h_alloc_reset();
    struct txp_neigh_parms p;
    txp_neigh_parms_default(&p);
    p.base_reachable_time_ns = 2 * S;
    struct txp_neigh *n = mk(&p);
    uint64_t rt = txp_neigh_reachable_time(n, 2);
    txp_neigh_add(n, 2, IP_B, MAC_B, TXP_NUD_REACHABLE, 0);
    txp_neigh_output(n, ippkt(IP_A, IP_B, 1, 28), 2, IP_B, rt - 1); /* used recently */
    txp_neigh_run_timers(n, rt + MSEC);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_REACHABLE); /* re-armed 10 ms later (HZ/100) */
    txp_neigh_run_timers(n, rt + 10 * MSEC);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_DELAY); /* used within delay_first_probe_time */
    uint8_t f[60];
    size_t l = arpf(f, MAC_A, MAC_B, 2, MAC_B, IP_B, MAC_A, IP_A);
    txp_neigh_input(n, f, l, 2, rt + 2 * S);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_REACHABLE);
    fin(n, 40 * S);
}

/* ---- frames and input ---- */

static void
test_announce_and_input(void)
{
    txp_h_alloc_reset();
    struct txp_neigh_parms p;
    txp_neigh_parms_default(&p);
    p.arp_notify = 1;
    struct txp_neigh *n = mk(&p);
    /* gratuitous ARP for each address at dev add */
    CU_ASSERT_EQUAL(cap.n, 2);
    CU_ASSERT(is_request(0, BC, IP_A, IP_A));
    CU_ASSERT(is_request(1, BC, 0xC0A80101u, 0xC0A80101u));
    /* arp_announce 0: the packet's source when local, even from another subnet */
    txp_neigh_output(n, ippkt(0xC0A80101u, IP_B, 1, 28), 2, IP_B, 0);
    CU_ASSERT(is_request(2, BC, 0xC0A80101u, IP_B));
    /* arp_announce 1: only if on a subnet shared with the target */
    txp_neigh_set_param(n, 2, "arp_announce", 1, 0);
    txp_neigh_output(n, ippkt(0xC0A80101u, IP_C, 1, 28), 2, IP_C, 0);
    CU_ASSERT(is_request(3, BC, IP_A, IP_C));
    /* arp_announce 2: never; a non-local source is never used */
    txp_neigh_set_param(n, 2, "arp_announce", 2, 0);
    txp_neigh_output(n, ippkt(IP_A, 0x0A000004u, 1, 28), 2, 0x0A000004u, 0);
    CU_ASSERT(is_request(4, BC, IP_A, 0x0A000004u));
    txp_neigh_set_param(n, 2, "arp_announce", 0, 0);
    txp_neigh_output(n, ippkt(0x08080808u, 0x0A000005u, 1, 28), 2, 0x0A000005u, 0);
    CU_ASSERT(is_request(5, BC, IP_A, 0x0A000005u));

    /* a request for our address: a reply, and the sender becomes STALE */
    uint8_t f[60], want[42];
    size_t l = arpf(f, BC, MAC_C, 1, MAC_C, 0x0A000007u, NULL, IP_A);
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, S), TXP_OK);
    arpf(want, MAC_C, MAC_A, 2, MAC_A, IP_A, MAC_C, 0x0A000007u);
    CU_ASSERT(cap.len[6] == 42 && !memcmp(cap.f[6], want, 42));
    CU_ASSERT_EQUAL(state(n, 0x0A000007u), TXP_NUD_STALE);
    /* DAD probe (sender IP 0) for our address: a reply to 0.0.0.0, no entry */
    l = arpf(f, BC, MAC_C, 1, MAC_C, 0, NULL, IP_A);
    txp_neigh_input(n, f, l, 2, S);
    CU_ASSERT_EQUAL(cap.n, 8);
    CU_ASSERT_EQUAL(state(n, 0), 0x1000);
    /* unsolicited reply: ignored with arp_accept 0, an entry with arp_accept 1 */
    l = arpf(f, MAC_A, MAC_C, 2, MAC_C, 0x0A000008u, MAC_A, IP_A);
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, S), TXP_EAGAIN);
    CU_ASSERT_EQUAL(state(n, 0x0A000008u), 0x1000);
    txp_neigh_set_param(n, 2, "arp_accept", 1, S);
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, S), TXP_OK);
    CU_ASSERT_EQUAL(state(n, 0x0A000008u), TXP_NUD_REACHABLE);
    /* locktime: another MAC within 1 s of the last update is ignored, later it overrides */
    l = arpf(f, MAC_A, MAC_B, 2, MAC_B, 0x0A000008u, MAC_A, IP_A);
    txp_neigh_input(n, f, l, 2, S + 500 * MSEC);
    struct txp_neigh_info in;
    txp_neigh_lookup(n, 2, 0x0A000008u, &in);
    CU_ASSERT(!memcmp(in.mac, MAC_C, 6));
    txp_neigh_input(n, f, l, 2, 2 * S + 1);
    txp_neigh_lookup(n, 2, 0x0A000008u, &in);
    CU_ASSERT(!memcmp(in.mac, MAC_B, 6));
    /* a broadcast reply only makes an entry STALE */
    l = arpf(f, BC, MAC_C, 2, MAC_C, 0x0A000009u, MAC_A, IP_A);
    txp_neigh_input(n, f, l, 2, 3 * S);
    CU_ASSERT_EQUAL(state(n, 0x0A000009u), TXP_NUD_STALE);
    /* malformed and foreign frames are counted, not processed */
    const struct txp_neigh_stats *st = txp_neigh_get_stats(n);
    l = arpf(f, BC, MAC_C, 3, MAC_C, 0x0A00000Au, NULL, IP_A); /* op 3 */
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, 3 * S), TXP_EBADMSG);
    l = arpf(f, BC, MAC_C, 1, MAC_C, 0x0A00000Au, NULL, IP_A);
    f[14 + 4] = 8; /* hlen 8 */
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, 3 * S), TXP_EBADMSG);
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, 20, 2, 3 * S), TXP_EBADMSG); /* truncated */
    l = arpf(f, MAC_B, MAC_C, 1, MAC_C, 0x0A00000Au, NULL, IP_A);      /* to another host */
    CU_ASSERT_EQUAL(txp_neigh_input(n, f, l, 2, 3 * S), TXP_EAGAIN);
    CU_ASSERT_EQUAL(st->arp_rx_bad, 3);
    CU_ASSERT_EQUAL(st->arp_rx_not_for_us, 1);
    fin(n, 10 * S);
}

static void
test_special_addresses(void)
{
    txp_h_alloc_reset();
    struct txp_neigh *n = mk(NULL);
    /* multicast and broadcast next hops need no ARP */
    txp_neigh_output(n, ippkt(IP_A, 0xE0000016u, 1, 28), 2, 0xE0000016u, 0);
    CU_ASSERT_EQUAL(state(n, 0xE0000016u), TXP_NUD_NOARP);
    static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x16};
    CU_ASSERT(!memcmp(cap.f[0], mc, 6));
    txp_neigh_output(n, ippkt(IP_A, 0x0A0000FFu, 1, 28), 2, 0x0A0000FFu, 0);
    CU_ASSERT(!memcmp(cap.f[1], BC, 6));
    CU_ASSERT_EQUAL(cap.n, 2);
    /* mcast_solicit + app_solicit == 0: FAILED at once, the packet dropped */
    txp_neigh_set_param(n, 2, "mcast_solicit", 0, 0);
    CU_ASSERT_EQUAL(txp_neigh_output(n, ippkt(IP_A, IP_B, 1, 28), 2, IP_B, 0), TXP_EHOSTUNREACH);
    CU_ASSERT_EQUAL(state(n, IP_B), TXP_NUD_FAILED);
    CU_ASSERT_EQUAL(cap.reason[TXP_DROP_NEIGH_FAILED], 1);
    /* unknown device */
    CU_ASSERT_EQUAL(txp_neigh_output(n, ippkt(IP_A, IP_B, 1, 28), 9, IP_B, 0), TXP_ENOENT);
    CU_ASSERT_EQUAL(txp_neigh_set_param(n, 2, "frobnicate", 1, 0), TXP_ENOENT);
    fin(n, S);
}

static void
test_gc(void)
{
    txp_h_alloc_reset();
    struct txp_neigh *n = mk(NULL);
    /* 200 failed resolutions: periodic GC (every 15 s, table >= gc_thresh1 128) removes them */
    for (uint32_t i = 0; i < 200; i++)
        txp_neigh_output(n, ippkt(IP_A, 0x0A010000u + i, 1, 28), 2, 0x0A010000u + i, 0);
    txp_neigh_add(n, 2, IP_B, MAC_B, TXP_NUD_PERMANENT, 0);
    txp_neigh_run_timers(n, 5 * S);
    CU_ASSERT_EQUAL(txp_neigh_count(n), 201);
    txp_neigh_run_timers(n, 15 * S);
    CU_ASSERT_EQUAL(txp_neigh_count(n), 1); /* only the PERMANENT one */
    CU_ASSERT_EQUAL(txp_neigh_get_stats(n)->periodic_gc_runs, 1);
    fin(n, 20 * S);

    /* gc_thresh3: with no entry to reclaim, creation fails and the packet is dropped */
    txp_h_alloc_reset();
    memset(&cap, 0, sizeof cap);
    struct txp_pkt_pool_config pc = {64, 256};
    CU_ASSERT_FATAL(txp_pkt_pool_create(&pc, txp_h_alloc(), &pool) == TXP_OK);
    struct txp_neigh_config c;
    txp_neigh_config_default(&c);
    c.pool = pool;
    c.gc_thresh1 = 2;
    c.gc_thresh2 = 3;
    c.gc_thresh3 = 4;
    c.io = (struct txp_neigh_io){NULL, on_xmit, on_drop};
    CU_ASSERT_FATAL(txp_neigh_create(&c, txp_h_alloc(), &n) == TXP_OK);
    struct txp_neigh_dev d;
    memset(&d, 0, sizeof d);
    d.ifindex = 2;
    strcpy(d.name, "eth0");
    txp_neigh_parms_default(&d.parms);
    txp_neigh_dev_add(n, &d, 0);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(
            txp_neigh_output(n, ippkt(IP_A, 0x0A010000u + i, 1, 28), 2, 0x0A010000u + i, 0),
            TXP_OK);
    CU_ASSERT_EQUAL(txp_neigh_output(n, ippkt(IP_A, IP_B, 1, 28), 2, IP_B, 0), TXP_ENOBUFS);
    CU_ASSERT_EQUAL(cap.reason[TXP_DROP_NEIGH_CREATEFAIL], 1);
    CU_ASSERT_EQUAL(txp_neigh_get_stats(n)->table_fulls, 1);
    fin(n, 0);
}

/* ---- text ---- */

static void
test_text(void)
{
    txp_h_alloc_reset();
    struct txp_neigh *n = mk(NULL);
    static const char in[] = "10.0.0.50 dev eth0 lladdr 02:00:00:00:00:50 PERMANENT \n"
                             "10.0.0.52 dev eth0 lladdr 02:00:00:00:00:52 STALE \n"
                             "10.0.0.51 dev eth0 lladdr 02:00:00:00:00:51 NOARP \n"
                             "10.0.0.53 dev eth0 INCOMPLETE \n"
                             "10.0.0.54 dev eth0 lladdr 02:00:00:00:00:54 router REACHABLE\n";
    struct txp_diag d;
    CU_ASSERT_EQUAL(txp_neigh_load(n, in, strlen(in), "neigh", 0, &d), TXP_OK);
    char out[1024];
    txp_neigh_format(n, 0, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "10.0.0.50 dev eth0 lladdr 02:00:00:00:00:50 PERMANENT \n"
                                "10.0.0.52 dev eth0 lladdr 02:00:00:00:00:52 STALE \n"
                                "10.0.0.53 dev eth0 INCOMPLETE \n"
                                "10.0.0.54 dev eth0 lladdr 02:00:00:00:00:54 REACHABLE \n");
    txp_neigh_format(n, 1, out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "10.0.0.51 dev eth0 lladdr 02:00:00:00:00:51 NOARP \n"));
    /* admin entries are not touched by ARP input */
    uint8_t f[60];
    size_t l = arpf(f, MAC_A, MAC_C, 2, MAC_C, 0x0A000032u, MAC_A, IP_A);
    txp_neigh_input(n, f, l, 2, 5 * S);
    struct txp_neigh_info info;
    txp_neigh_lookup(n, 2, 0x0A000032u, &info);
    CU_ASSERT_EQUAL(info.state, TXP_NUD_PERMANENT);
    CU_ASSERT_EQUAL(info.mac[5], 0x50);
    static const struct {
        const char *text;
        uint32_t line, col;
        const char *msg;
    } bad[] = {
        {"10.0.0.1 dev eth9 STALE\n", 1, 14, "unknown device"},
        {"10.0.0.1 dev eth0 lladdr zz STALE\n", 1, 26, "expected a MAC"},
        {"# ok\n10.0.0.300 dev eth0 STALE\n", 2, 1, "expected an IPv4"},
        {"10.0.0.1 dev eth0 STALE\n", 1, 24, "needs \"lladdr MAC\""},
        {"10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01\n", 1, 43, "missing the state"},
        {"10.0.0.1 dev eth0 WOBBLY\n", 1, 19, "unexpected \"WOBBLY\""},
        {"10.0.0.9 dev eth0 FAILED\n10.0.0.9 dev eth0 FAILED\n", 2, 1, "duplicate"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t before = txp_neigh_count(n);
        CU_ASSERT_EQUAL(txp_neigh_load(n, bad[i].text, strlen(bad[i].text), "f", 0, &d),
                        TXP_EBADMSG);
        if (d.line != bad[i].line || d.column != bad[i].col || !strstr(d.msg, bad[i].msg))
            fprintf(stderr, "case %zu: %u:%u %s\n", i, (unsigned)d.line, (unsigned)d.column, d.msg);
        CU_ASSERT_EQUAL(d.line, bad[i].line);
        CU_ASSERT_EQUAL(d.column, bad[i].col);
        CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, bad[i].msg));
        CU_ASSERT_EQUAL(txp_neigh_count(n), before); /* nothing applied */
    }
    fin(n, 10 * S);
}

static void
test_alloc_failures(void)
{
    for (int64_t k = 0; k < 12; k++) {
        txp_h_alloc_reset();
        memset(&cap, 0, sizeof cap);
        struct txp_pkt_pool_config pc = {64, 256};
        struct txp_pkt_pool *pl = NULL;
        CU_ASSERT_FATAL(txp_pkt_pool_create(&pc, NULL, &pl) == TXP_OK);
        pool = pl;
        txp_h_alloc_counter()->fail_after = k;
        struct txp_neigh_config c;
        txp_neigh_config_default(&c);
        c.pool = pl;
        c.io = (struct txp_neigh_io){NULL, on_xmit, on_drop};
        struct txp_neigh *n = NULL;
        if (txp_neigh_create(&c, txp_h_alloc(), &n) == TXP_OK) {
            struct txp_neigh_dev d;
            memset(&d, 0, sizeof d);
            d.ifindex = 2;
            strcpy(d.name, "eth0");
            txp_neigh_parms_default(&d.parms);
            if (txp_neigh_dev_add(n, &d, 0) == TXP_OK)
                for (uint32_t i = 0; i < 10; i++)
                    txp_neigh_output(n, ippkt(IP_A, 0x0A010000u + i, 1, 28), 2, 0x0A010000u + i, 0);
            txp_neigh_run_timers(n, 5 * S);
            txp_neigh_destroy(n, 5 * S);
        }
        txp_h_alloc_counter()->fail_after = -1;
        CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pl), 0);
        txp_pkt_pool_destroy(pl);
        TXP_H_ASSERT_NO_LEAKS();
    }
}

static const struct txp_h_test nud_tests[] = {
    TXP_H_TEST(test_resolve_fail),          TXP_H_TEST(test_resolve_reply_and_queue),
    TXP_H_TEST(test_reachable_stale_probe), TXP_H_TEST(test_delay_to_reachable_by_confirm),
    TXP_H_TEST(test_special_addresses),     TXP_H_TEST(test_gc),
    TXP_H_TEST(test_alloc_failures),        TXP_H_TEST_END};
static const struct txp_h_test arp_tests[] = {TXP_H_TEST(test_announce_and_input), TXP_H_TEST_END};
static const struct txp_h_test text_tests[] = {TXP_H_TEST(test_text), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("nud", NULL, NULL, nud_tests),
    TXP_H_SUITE("arp", NULL, NULL, arp_tests),
    TXP_H_SUITE("text", NULL, NULL, text_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
