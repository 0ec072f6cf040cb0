/* SPDX-License-Identifier: MIT */
/*
 * txpath neigh fuzz target: random timelines of sends, received frames (ARP built from the
 * input, or raw bytes), clock steps, parameter changes and admin changes.
 *
 * Invariants (checked after every event and in the callbacks):
 *  - a data packet leaves only with the MAC of a valid entry for its next hop;
 *  - per next hop, packets leave in the order they were sent, each at most once;
 *  - every packet is sent, still queued, or dropped with a reason (conservation);
 *  - a queue never holds more than unres_qlen_bytes, except a single packet larger than it;
 *  - every ARP frame is 42 bytes of Ethernet/ARP with our source MAC.
 *
 * Input: 4-byte records [op, a, b, c]: op % 8 = 0,1 send (next hop a % 8, source b, size c),
 * 2 ARP frame (a: op/eth destination bits, b: sender index, c: target index), 3 raw frame
 * (the next c % 64 input bytes), 4 clock step (a * b * 1 ms), 5 parameter (a: which, b, c:
 * value), 6 admin add (a: next hop, b: state), 7 admin delete (a: next hop).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/neigh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define NH 8
#define MAXPKT 4096

static const uint8_t US[6] = {2, 0, 0, 0, 0, 1};
static struct txp_neigh *tbl;
static struct txp_pkt_pool *pool;
static uint32_t last_seq[NH];
static uint8_t seen[MAXPKT];
static uint32_t sent_in, sent_out, dropped;

static uint32_t
nh_ip(uint32_t i)
{
    return 0x0A000002u + i; /* 10.0.0.2 .. 10.0.0.9 */
}

static void
on_xmit(void *ctx, uint32_t ifindex, struct txp_pkt *p, uint64_t t)
{
    (void)ctx;
    (void)t;
    FZ_CHECK(ifindex == 2);
    const uint8_t *f = txp_pkt_data(p);
    FZ_CHECK(p->len >= 14 && !memcmp(f + 6, US, 6));
    if (f[12] == 0x08 && f[13] == 0x06) {
        FZ_CHECK(p->len == 42);
        FZ_CHECK(f[14] == 0 && f[15] == 1 && f[16] == 8 && f[17] == 0 && f[18] == 6 && f[19] == 4);
    } else {
        FZ_CHECK(f[12] == 0x08 && f[13] == 0x00 && p->len >= 14 + 24);
        uint32_t nh = f[14 + 20];
        uint32_t seq = (uint32_t)f[14 + 21] << 8 | f[14 + 22];
        FZ_CHECK(nh < NH && seq < MAXPKT);
        FZ_CHECK(!seen[seq]);
        seen[seq] = 1;
        FZ_CHECK(seq + 1 > last_seq[nh]); /* in order per next hop */
        last_seq[nh] = seq + 1;
        struct txp_neigh_info in;
        FZ_CHECK(txp_neigh_lookup(tbl, 2, nh_ip(nh), &in) == TXP_OK);
        FZ_CHECK(in.state & (TXP_NUD_PERMANENT | TXP_NUD_NOARP | TXP_NUD_REACHABLE | TXP_NUD_PROBE |
                             TXP_NUD_STALE | TXP_NUD_DELAY));
        FZ_CHECK(!memcmp(f, in.mac, 6));
        sent_out++;
    }
    txp_pkt_free(p);
}

static void
on_drop(void *ctx, struct txp_pkt *p, int err, uint64_t t)
{
    (void)ctx;
    (void)err;
    (void)t;
    FZ_CHECK(p->meta.drop_reason != TXP_DROP_NOT_DROPPED && p->meta.drop_reason < TXP_DROP__COUNT);
    const uint8_t *ip = txp_pkt_data(p);
    FZ_CHECK(p->len >= 24);
    uint32_t seq = (uint32_t)ip[21] << 8 | ip[22];
    FZ_CHECK(seq < MAXPKT && !seen[seq]);
    seen[seq] = 1;
    dropped++;
    txp_pkt_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct txp_pkt_pool_config pc = {1024, 512};
    if (txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        return 0;
    struct txp_neigh_config c;
    txp_neigh_config_default(&c);
    c.pool = pool;
    c.gc_thresh1 = 4;
    c.gc_thresh2 = 6;
    c.gc_thresh3 = 7;
    c.io = (struct txp_neigh_io){NULL, on_xmit, on_drop};
    FZ_CHECK(txp_neigh_create(&c, NULL, &tbl) == TXP_OK);
    struct txp_neigh_dev d;
    memset(&d, 0, sizeof d);
    d.ifindex = 2;
    strcpy(d.name, "eth0");
    memcpy(d.mac, US, 6);
    d.naddr = 2;
    d.addr[0] = 0x0A000001u;
    d.plen[0] = 24;
    d.addr[1] = 0xC0A80101u;
    d.plen[1] = 24;
    txp_neigh_parms_default(&d.parms);
    FZ_CHECK(txp_neigh_dev_add(tbl, &d, 0) == TXP_OK);
    memset(last_seq, 0, sizeof last_seq);
    memset(seen, 0, sizeof seen);
    sent_in = sent_out = dropped = 0;
    uint32_t unres = d.parms.unres_qlen_bytes, max_ts = 0;
    uint64_t now = 0;
    static const char *params[] = {"ucast_solicit",
                                   "mcast_solicit",
                                   "app_solicit",
                                   "retrans_time_ms",
                                   "delay_first_probe_time",
                                   "base_reachable_time_ms",
                                   "reachable_time_ms",
                                   "unres_qlen_bytes",
                                   "arp_announce",
                                   "arp_accept",
                                   "locktime",
                                   "mcast_resolicit",
                                   "arp_ignore",
                                   "gc_stale_time"};
    for (size_t i = 0; i + 4 <= size && sent_in < MAXPKT - 1; i += 4) {
        uint8_t op = data[i] % 8, a = data[i + 1], b = data[i + 2], cc = data[i + 3];
        if (op <= 1) {
            struct txp_pkt *p = txp_pkt_alloc(pool);
            if (!p)
                continue;
            uint32_t len = 24u + cc;
            uint8_t *ip = txp_pkt_put(p, len);
            memset(ip, 0, len);
            ip[0] = 0x45;
            uint32_t src = (b & 1) ? 0xC0A80101u : (b & 2) ? 0x0A000001u : 0x08080808u;
            for (int k = 0; k < 4; k++)
                ip[12 + k] = (uint8_t)(src >> (24 - 8 * k));
            ip[20] = (uint8_t)(a % NH);
            ip[21] = (uint8_t)(sent_in >> 8);
            ip[22] = (uint8_t)sent_in;
            sent_in++;
            uint32_t ts = 768u + ((len + 63u) & ~63u);
            if (ts > max_ts)
                max_ts = ts;
            txp_neigh_output(tbl, p, 2, nh_ip(a % NH), now);
        } else if (op == 2) {
            uint8_t f[42];
            static const uint8_t BC[6] = {255, 255, 255, 255, 255, 255};
            uint8_t peer[6] = {2, 0, 0, 0, 1, (uint8_t)(b & 3)};
            memcpy(f, (a & 1) ? US : (a & 2) ? BC : peer, 6);
            memcpy(f + 6, peer, 6);
            f[12] = 8;
            f[13] = 6;
            f[14] = 0;
            f[15] = 1;
            f[16] = 8;
            f[17] = 0;
            f[18] = 6;
            f[19] = 4;
            f[20] = 0;
            f[21] = (uint8_t)(1 + ((a >> 2) & 1));
            memcpy(f + 22, peer, 6);
            uint32_t spa = (b >> 2) % 10 == 9 ? 0 : nh_ip((b >> 2) % NH);
            uint32_t tpa = cc & 1 ? 0x0A000001u : nh_ip((cc >> 1) % NH);
            if (a & 8)
                tpa = spa; /* gratuitous */
            for (int k = 0; k < 4; k++) {
                f[28 + k] = (uint8_t)(spa >> (24 - 8 * k));
                f[38 + k] = (uint8_t)(tpa >> (24 - 8 * k));
            }
            memcpy(f + 32, (a & 16) ? US : peer, 6);
            txp_neigh_input(tbl, f, sizeof f, 2, now);
        } else if (op == 3) {
            size_t n = cc % 64u;
            if (i + 4 + n > size)
                n = size - i - 4;
            txp_neigh_input(tbl, data + i + 4, n, 2, now);
            i += n;
        } else if (op == 4) {
            now += (uint64_t)a * b * 1000000u;
            txp_neigh_run_timers(tbl, now);
        } else if (op == 5) {
            const char *name = params[a % (sizeof params / sizeof params[0])];
            int64_t v = (int64_t)b * 64 + cc;
            if (!strcmp(name, "ucast_solicit") || !strcmp(name, "mcast_solicit") ||
                !strcmp(name, "app_solicit") || !strcmp(name, "mcast_resolicit") ||
                !strcmp(name, "arp_announce") || !strcmp(name, "arp_accept") ||
                !strcmp(name, "delay_first_probe_time") || !strcmp(name, "arp_ignore"))
                v %= 5;
            if (txp_neigh_set_param(tbl, 2, name, v, now) == TXP_OK &&
                !strcmp(name, "unres_qlen_bytes") && (uint32_t)v > unres)
                unres = (uint32_t)v; /* a lowered bound applies from the next enqueue on */
        } else if (op == 6) {
            static const unsigned st[] = {TXP_NUD_PERMANENT, TXP_NUD_REACHABLE, TXP_NUD_STALE,
                                          TXP_NUD_NOARP,     TXP_NUD_FAILED,    TXP_NUD_INCOMPLETE,
                                          TXP_NUD_DELAY,     TXP_NUD_PROBE};
            uint8_t mac[6] = {2, 0, 0, 0, 2, b};
            txp_neigh_add(tbl, 2, nh_ip(a % NH), mac, st[b % 8], now);
        } else {
            txp_neigh_del(tbl, 2, nh_ip(a % NH), now);
        }
        /* conservation and the queue bound */
        uint32_t queued = 0;
        for (uint32_t k = 0; k < NH; k++) {
            struct txp_neigh_info in;
            if (txp_neigh_lookup(tbl, 2, nh_ip(k), &in) == TXP_OK) {
                queued += in.queue_len;
                FZ_CHECK(in.queue_bytes <= (unres > max_ts ? unres : max_ts) || in.queue_len <= 1);
                if (in.queue_len)
                    FZ_CHECK(in.state == TXP_NUD_INCOMPLETE);
            }
        }
        FZ_CHECK(sent_in == sent_out + dropped + queued);
    }
    txp_neigh_destroy(tbl, now);
    FZ_CHECK(sent_in == sent_out + dropped);
    FZ_CHECK(txp_pkt_pool_in_use(pool) == 0);
    txp_pkt_pool_destroy(pool);
    return 0;
}
