/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target stack_e2e: a fuzzed host and a sequence of socket calls, clock steps, peer
 * answers and stray received frames, through the whole pipeline.
 *
 * Input layout:
 *   byte 0..1  device MTU = 68 + (u16 % 8933)        byte 2  txqueuelen = 1 + b % 64
 *   byte 3     qdisc: 0 pfifo_fast, 1 pfifo, 2 prio, 3 noqueue, 4 netem delay 1ms loss 10%
 *   byte 4     link rate: 0 instant, else b * 1 Mbit/s   byte 5  ring size 64 << (b % 3)
 *   byte 6     peer: bit 0 answers for the destination, bit 1 drops every 7th data segment;
 *              bit 2 an iptables ruleset (MARK to a second table, SNAT of UDP and of TCP to
 *              port 9, DNAT of 10.0.0.7, DROP; it takes effect in builds with components/ipt;
 *              the peer's answers to TCP through SNAT/DNAT are mapped back on arrival)
 *   byte 7     route MTU for 10.9.0.0/16: 0 none, else 68 + b * 16
 *   then records of 4 bytes {op, a, b, c}:
 *     0 socket(a & 4 ? udp : tcp, tos b, pmtudisc c % 5)   1 connect(file a, 10.0.0.2 or
 *     10.9.0.1 or 10.0.0.7 by b % 3, port 80, 81, 9 or 5001 by c % 4)   2 write(file a, (b << 8 |
 * c) % 9000 + 1 bytes) 3 shutdown(file a)   4 close(file a)   5 step the clock by (b << 8 | c)
 * microseconds 6 deliver every peer answer due   7 receive c bytes of the input as a frame
 *
 * Invariants (trap on violation):
 *   - every frame on the wire decodes with the decoder below (written here, not txpath's):
 *     Ethernet + ARP (Ethernet/IPv4, request or reply) or IPv4 (version 4, IHL, total
 *     length within the frame, header checksum), and for unfragmented TCP/UDP a valid
 *     checksum and consistent lengths; no frame is longer than MTU + 14, none shorter than 60,
 *     padding only up to 60;
 *   - offered == sent + dropped + held, with each holder's count as the component reports it
 *     (txp_stack_totals), after every operation;
 *   - nothing leaks (counting allocator) once the stack is destroyed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/stack.h"

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "stack_e2e: %s (line %d)\n", #c, __LINE__);                            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The one's-complement sum of RFC 1071, written out here for independence. */
static uint32_t
fz_sum(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    return s;
}

static uint16_t
fz_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFFu) + (s >> 16);
    return (uint16_t)s;
}

struct fz_link {
    struct txp_stack_link link;
    struct txp_stack_link *peer;
    uint32_t mtu;
    uint64_t frames;
};

static void
fz_check_frame(const struct fz_link *l, const uint8_t *f, uint32_t len)
{
    FZ_CHECK(len >= 60 && len <= l->mtu + 14u);
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    if (type == 0x0806) {
        FZ_CHECK(f[14] == 0 && f[15] == 1 && f[16] == 8 && f[17] == 0 && f[18] == 6 && f[19] == 4 &&
                 f[20] == 0 && (f[21] == 1 || f[21] == 2));
        FZ_CHECK(len == 60);
        return;
    }
    FZ_CHECK(type == 0x0800);
    const uint8_t *ip = f + 14;
    uint32_t ihl = (uint32_t)(ip[0] & 15) * 4u, tot = (uint32_t)(ip[2] << 8 | ip[3]);
    FZ_CHECK((ip[0] >> 4) == 4 && ihl >= 20);
    FZ_CHECK(tot >= ihl && tot + 14u <= len);
    FZ_CHECK(len == (tot + 14u < 60u ? 60u : tot + 14u));
    FZ_CHECK(fz_fold(fz_sum(ip, ihl, 0)) == 0xFFFFu);
    uint16_t frag = (uint16_t)(ip[6] << 8 | ip[7]);
    if (frag & 0x3FFFu)
        return; /* a fragment: the L4 header is checked by the peer after reassembly */
    const uint8_t *l4 = ip + ihl;
    uint32_t l4len = tot - ihl;
    uint32_t pseudo = fz_sum(ip + 12, 8, 0) + ip[9] + l4len;
    if (ip[9] == 6) {
        FZ_CHECK(l4len >= 20 && (uint32_t)(l4[12] >> 4) * 4u >= 20 &&
                 (uint32_t)(l4[12] >> 4) * 4u <= l4len);
        FZ_CHECK(fz_fold(fz_sum(l4, l4len, pseudo)) == 0xFFFFu);
    } else if (ip[9] == 17) {
        FZ_CHECK(l4len >= 8 && (uint32_t)(l4[4] << 8 | l4[5]) == l4len);
        if (l4[6] | l4[7])
            FZ_CHECK(fz_fold(fz_sum(l4, l4len, pseudo)) == 0xFFFFu);
    }
}

static void
fz_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct fz_link *l = (struct fz_link *)(void *)self;
    fz_check_frame(l, f, len);
    l->frames++;
    l->peer->tx(l->peer, ifindex, ts, f, len);
}

static int
fz_rx(struct txp_stack_link *self, uint64_t until, uint64_t *now, uint8_t *buf, uint32_t cap,
      uint32_t *len, uint32_t *ifindex)
{
    struct fz_link *l = (struct fz_link *)(void *)self;
    return l->peer->rx(l->peer, until, now, buf, cap, len, ifindex);
}

static void
fz_totals(const struct txp_stack *st)
{
    struct txp_stack_totals t;
    FZ_CHECK(txp_stack_totals(st, &t) == TXP_OK);
    FZ_CHECK(t.offered == t.sent + t.dropped + t.held);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    struct txp_alloc_counter ctr;
    struct txp_alloc al;
    txp_alloc_counter_init(&ctr, &al);
    uint32_t mtu = 68u + (uint32_t)(data[0] << 8 | data[1]) % 8933u;
    uint32_t qlen = 1u + data[2] % 64u;
    static const char *const qd[] = {"pfifo_fast", "pfifo", "prio", "noqueue", "netem"};
    const char *kind = qd[data[3] % 5];
    char link[600], route[600], qtext[200];
    snprintf(link, sizeof link,
             "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\\    "
             "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
             "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu %u qdisc %s state UP mode DEFAULT "
             "group default qlen %u\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n",
             mtu, kind, qlen);
    int rl = snprintf(route, sizeof route,
                      "default via 10.0.0.254 dev eth0\n"
                      "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
                      "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n");
    if (data[7])
        snprintf(route + rl, sizeof route - (size_t)rl,
                 "10.9.0.0/16 via 10.0.0.254 dev eth0 mtu %u\n", 68u + data[7] * 16u);
    snprintf(qtext, sizeof qtext,
             "qdisc netem 8001: dev eth0 root refcnt 2 limit %u delay 1ms loss 10%%\n", qlen);
    struct txp_stack_host h;
    txp_stack_host_default(&h);
    h.text[TXP_STACK_HF_LINK] = link;
    h.len[TXP_STACK_HF_LINK] = strlen(link);
    h.text[TXP_STACK_HF_ROUTE] = route;
    h.len[TXP_STACK_HF_ROUTE] = strlen(route);
    static const char ipt_rules[] =
        "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        "-A OUTPUT -p udp -m udp --dport 80 -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n"
        "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        ":POSTROUTING ACCEPT [0:0]\n-A OUTPUT -d 10.0.0.7/32 -j DNAT --to-destination 10.0.0.2\n"
        "-A POSTROUTING -p udp -j SNAT --to-source 10.0.0.9\n"
        "-A POSTROUTING -p tcp -m tcp --dport 9 -j SNAT --to-source 10.0.0.9:3000\nCOMMIT\n"
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A OUTPUT -p tcp -m tcp --dport 81 -j DROP\nCOMMIT\n";
    static const char ipt_rule_text[] = "0:\tfrom all lookup local\n"
                                        "100:\tfrom all fwmark 0x1 lookup 100\n"
                                        "32766:\tfrom all lookup main\n"
                                        "32767:\tfrom all lookup default\n";
    if (data[6] & 4) {
        h.text[TXP_STACK_HF_IPTABLES] = ipt_rules;
        h.len[TXP_STACK_HF_IPTABLES] = sizeof ipt_rules - 1;
        h.text[TXP_STACK_HF_RULE] = ipt_rule_text;
        h.len[TXP_STACK_HF_RULE] = sizeof ipt_rule_text - 1;
        rl = (int)strlen(route);
        snprintf(route + rl, sizeof route - (size_t)rl,
                 "default via 10.0.0.254 dev eth0 table 100\n");
    }
    if (data[3] % 5 == 4) {
        h.text[TXP_STACK_HF_QDISC] = qtext;
        h.len[TXP_STACK_HF_QDISC] = strlen(qtext);
    }

    struct txp_stack_peer_config pc;
    memset(&pc, 0, sizeof pc);
    pc.addrs[pc.naddrs++] = 0x0A0000FEu;
    if (data[6] & 1)
        pc.addrs[pc.naddrs++] = 0x0A000002u;
    pc.drop_every = (data[6] & 2) ? 7u : 0u;
    pc.alloc = &al;
    struct txp_stack_peer *peer = NULL;
    FZ_CHECK(txp_stack_peer_create(&pc, &peer) == TXP_OK);
    struct fz_link fl = {{fz_tx, fz_rx}, txp_stack_peer_link(peer), mtu, 0};
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = &h;
    cfg.seed = data[0];
    cfg.pool_count = 512;
    cfg.link_bps = (uint64_t)data[4] * 1000000u;
    cfg.ring_size = 64u << (data[5] % 3);
    cfg.link = &fl.link;
    cfg.alloc = &al;
    struct txp_stack *st = NULL;
    struct txp_diag d;
    if (txp_stack_create(&cfg, &st, &d) != TXP_OK) {
        txp_stack_peer_destroy(peer);
        FZ_CHECK(ctr.outstanding == 0);
        return 0;
    }
    struct txp_stack_file *files[4] = {NULL};
    static const uint32_t dsts[3] = {0x0A000002u, 0x0A090001u, 0x0A000007u};
    static const uint16_t ports[4] = {80, 81, 9, 5001};
    uint8_t *buf = malloc(9001);
    uint8_t *rx = malloc(65536);
    FZ_CHECK(buf && rx);
    for (size_t i = 0; i < 9001; i++)
        buf[i] = (uint8_t)(i * 13u);
    for (size_t off = 8; off + 4 <= size; off += 4) {
        uint8_t op = data[off] % 8, a = data[off + 1] % 4, b = data[off + 2], c = data[off + 3];
        struct txp_stack_file *f = files[a];
        switch (op) {
        case 0:
            if (f == NULL) {
                struct txp_stack_sockopt so;
                memset(&so, 0, sizeof so);
                so.tos = b;
                so.pmtudisc = c % 5;
                (void)txp_stack_socket(st, (data[off + 1] & 4) ? TXP_IPPROTO_UDP : TXP_IPPROTO_TCP,
                                       &so, &files[a]);
            }
            break;
        case 1:
            if (f)
                (void)txp_stack_connect(f, dsts[b % 3], ports[c % 4]);
            break;
        case 2:
            if (f)
                (void)txp_stack_write(f, buf, ((size_t)b << 8 | c) % 9000u + 1u);
            break;
        case 3:
            if (f)
                (void)txp_stack_shutdown(f);
            break;
        case 4:
            txp_stack_close(f);
            files[a] = NULL;
            break;
        case 5:
            txp_stack_advance(st, txp_stack_now(st) + ((uint64_t)b << 8 | c) * 1000u);
            break;
        case 6: {
            uint64_t now = txp_stack_now(st);
            uint32_t len, ifx;
            for (int k = 0; k < 256 && fl.link.rx(&fl.link, now, &now, rx, 65536, &len, &ifx); k++)
                (void)txp_stack_rx(st, ifx, rx, len);
            break;
        }
        case 7: {
            size_t n = c;
            if (n > size - off - 4)
                n = size - off - 4;
            (void)txp_stack_rx(st, 2, data + off + 4, n);
            break;
        }
        default:
            break;
        }
        fz_totals(st);
    }
    /* Let the run settle: every answer delivered, every timer fired for a few seconds. */
    uint64_t end = txp_stack_now(st) + 5000000000ull;
    for (int k = 0; k < 100000; k++) {
        uint64_t next = txp_stack_next_event(st), now;
        if (next > end)
            next = end;
        uint32_t len, ifx;
        int got = fl.link.rx(&fl.link, next, &now, rx, 65536, &len, &ifx);
        txp_stack_advance(st, now);
        if (got)
            (void)txp_stack_rx(st, ifx, rx, len);
        if (now >= end)
            break;
    }
    fz_totals(st);
    if (getenv("TXP_FUZZ_VERBOSE")) {
        struct txp_stack_totals t;
        (void)txp_stack_totals(st, &t);
        fprintf(stderr, "stack_e2e: %llu frames on the wire, offered %llu, dropped %llu\n",
                (unsigned long long)fl.frames, (unsigned long long)t.offered,
                (unsigned long long)t.dropped);
    }
    free(buf);
    free(rx);
    txp_stack_destroy(st);
    txp_stack_peer_destroy(peer);
    FZ_CHECK(ctr.outstanding == 0);
    return 0;
}
