/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: the ip component's output path, each against a peer in the same run.
 *
 * 1. Headers per second. txpath: txp_ip_queue_xmit() of a 20-byte segment on a connected
 *    socket (TTL, DF from the PMTU mode, ID from the socket counter, header checksum through
 *    pkt's txp_ipv4_build, packet taken from a pool, segment copied, packet freed). Peer: the
 *    floor of header writing: 20 bytes from a template with total length and ID patched and the
 *    checksum computed by DPDK's rte_ipv4_cksum() (header-inline, when libdpdk is available)
 *    or by a plain 10-word sum otherwise; no packet buffer, no socket state.
 * 2. Fragmenting a 64 KiB datagram (65535 bytes) at MTU 1500 into 45 fragments with
 *    txp_ip_fragment(), against memcpy() of the same 65535 bytes: the ratio is the cost of
 *    fragmentation over the copy it cannot avoid.
 * Every output is checked (header checksum, fragment count and bytes), rounds are interleaved
 * and the median is reported.
 *
 * Output: a table; with --json FILE one JSON object per line:
 * {"bench", "metric", "value", "unit", "peer", "peer_value", "ratio"} with ratio =
 * txpath ns / peer ns. Options: --quick (short rounds, CI), --json FILE, --help.
 * Exit: 0 ok, 1 wrong result, 2 usage or setup failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txpath/ip.h"

#ifdef TXP_BENCH_HAVE_DPDK
#include <rte_byteorder.h>
#include <rte_ip.h>
#define PEER_HDR "dpdk_rte_ipv4_cksum"
#else
#define PEER_HDR "bare_header_writer"
#endif

#define ROUNDS_MAX 15
#define NFRAG 45

static uint64_t sink;

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct state {
    struct txp_ip_sock *sock;
    struct txp_ip_route rt;
    struct txp_pkt_pool *pool;
    struct txp_pkt *pkts[64];
    uint8_t seg[20];
    uint8_t hdr[64];
    uint8_t *dgram;
    uint8_t *copy;
    size_t dlen;
    int bad;
};

/* Bench kinds: 0 txpath header, 1 peer header, 2 txpath fragment, 3 memcpy. */
static double
run(struct state *s, int kind, uint64_t iters)
{
    double t0 = now_ns();
    struct txp_ip_out out = {s->pool, s->pkts, 64, 0};

    for (uint64_t i = 0; i < iters; i++) {
        switch (kind) {
        case 0:
            if (txp_ip_queue_xmit(s->sock, &s->rt, s->seg, sizeof s->seg, 1, i, &out) != TXP_OK ||
                out.n != 1) {
                s->bad = 1;
                break;
            }
            sink += txp_pkt_data(s->pkts[0])[4];
            txp_pkt_free(s->pkts[0]);
            break;
        case 1: {
            uint8_t *h = s->hdr;
            h[2] = 0;
            h[3] = 40;
            h[4] = (uint8_t)(i >> 8);
            h[5] = (uint8_t)i;
            h[10] = h[11] = 0;
#ifdef TXP_BENCH_HAVE_DPDK
            {
                uint16_t c = rte_ipv4_cksum((const struct rte_ipv4_hdr *)(const void *)h);
                memcpy(h + 10, &c, 2);
            }
#else
            {
                uint32_t acc = 0;
                for (int w = 0; w < 20; w += 2)
                    acc += (uint32_t)((h[w] << 8) | h[w + 1]);
                while (acc >> 16)
                    acc = (acc & 0xFFFFu) + (acc >> 16);
                h[10] = (uint8_t)(~acc >> 8);
                h[11] = (uint8_t)~acc;
            }
#endif
            sink += h[10];
            break;
        }
        case 2:
            if (txp_ip_fragment(s->dgram, s->dlen, 1500, 0, &out) != TXP_OK || out.n != NFRAG) {
                s->bad = 1;
                break;
            }
            for (size_t k = 0; k < out.n; k++) {
                sink += s->pkts[k]->len;
                txp_pkt_free(s->pkts[k]);
            }
            break;
        default:
            memcpy(s->copy, s->dgram, s->dlen);
            sink += s->copy[i % s->dlen];
            break;
        }
        if (s->bad)
            break;
    }
    return (now_ns() - t0) / (double)iters;
}

static int
setup(struct state *s)
{
    struct txp_pkt_pool_config pc = {64, 2048};
    struct txp_ip_ident_config ic = {0, TXP_IP_ID_LINUX, 1};
    struct txp_ip_ident *ids = NULL;
    struct txp_ip_sock_config c;
    struct txp_ipv4_hdr h;

    memset(s, 0, sizeof(*s));
    if (txp_pkt_pool_create(&pc, NULL, &s->pool) != TXP_OK ||
        txp_ip_ident_create(&ic, NULL, &ids) != TXP_OK)
        return -1;
    txp_ip_sock_config_default(&c);
    c.saddr = 0x0A000001u;
    c.daddr = 0x0A000002u;
    c.protocol = TXP_IPPROTO_TCP;
    c.connected = true;
    if (txp_ip_sock_create(&c, ids, NULL, &s->sock) != TXP_OK)
        return -1;
    s->rt.mtu = 1500;
    memset(s->seg, 0x5A, sizeof s->seg);
    /* the peer's template: the same header txpath writes */
    memcpy(s->hdr,
           "\x45\x00\x00\x28\x00\x00\x40\x00\x40\x06\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02", 20);
    s->dlen = TXP_IPV4_MAX_LEN;
    s->dgram = malloc(s->dlen);
    s->copy = malloc(s->dlen);
    if (s->dgram == NULL || s->copy == NULL)
        return -1;
    memset(&h, 0, sizeof(h));
    h.ttl = 64;
    h.protocol = TXP_IPPROTO_UDP;
    h.saddr = c.saddr;
    h.daddr = c.daddr;
    h.id = 7;
    for (size_t i = 0; i < s->dlen; i++)
        s->dgram[i] = (uint8_t)(i * 13);
    return txp_ipv4_build(s->dgram, 20, &h, s->dlen - 20, 0) == 20 ? 0 : -1;
}

/* Check once, outside the timed loops, that each measured operation produces the right bytes. */
static int
verify(struct state *s)
{
    struct txp_ip_out out = {s->pool, s->pkts, 64, 0};
    size_t data = 0;
    int ok;

    if (txp_ip_queue_xmit(s->sock, &s->rt, s->seg, sizeof s->seg, 1, 0, &out) != TXP_OK)
        return -1;
    ok = out.n == 1 && s->pkts[0]->len == 40 && txp_csum(txp_pkt_data(s->pkts[0]), 20) == 0 &&
         memcmp(txp_pkt_data(s->pkts[0]), s->hdr, 4) == 0;
    txp_pkt_free(s->pkts[0]);
    if (!ok || txp_ip_fragment(s->dgram, s->dlen, 1500, 0, &out) != TXP_OK || out.n != NFRAG)
        return -1;
    for (size_t k = 0; k < out.n; k++) {
        const uint8_t *p = txp_pkt_data(s->pkts[k]);
        ok &= s->pkts[k]->len <= 1500 && txp_csum(p, 20) == 0 &&
              memcmp(p + 20, s->dgram + 20 + data, s->pkts[k]->len - 20) == 0;
        data += s->pkts[k]->len - 20;
        txp_pkt_free(s->pkts[k]);
    }
    return ok && data == s->dlen - 20 ? 0 : -1;
}

int
main(int argc, char **argv)
{
    static const char *const names[4] = {"txpath queue_xmit (20 B segment)", PEER_HDR,
                                         "txpath fragment 64 KiB @1500", "memcpy 64 KiB"};
    struct state *s = malloc(sizeof(*s));
    const char *json = NULL;
    int quick = 0;
    double med[4], r[4][ROUNDS_MAX], target;
    uint64_t iters[4];
    unsigned rounds;
    FILE *jf = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--quick] [--json FILE]\n"
                    "IPv4 headers per second (txp_ip_queue_xmit vs a bare header writer) and\n"
                    "fragmenting 64 KiB at MTU 1500 (txp_ip_fragment vs memcpy).\n",
                    argv[0]);
            free(s);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (s == NULL || setup(s) != 0) {
        fprintf(stderr, "bench_ip: setup failed\n");
        return 2;
    }
    if (verify(s) != 0) {
        fprintf(stderr, "bench_ip: wrong output from txp_ip_queue_xmit or txp_ip_fragment\n");
        return 1;
    }
    if (json != NULL && (jf = fopen(json, "w")) == NULL) {
        perror(json);
        return 2;
    }
    target = quick ? 5e6 : 1e8;
    rounds = quick ? 3 : ROUNDS_MAX;
    for (int k = 0; k < 4; k++) {
        uint64_t n = 16;
        while (run(s, k, n) * (double)n < target && n < (1ull << 36))
            n *= 2;
        iters[k] = n;
    }
    for (unsigned rd = 0; rd < rounds; rd++)
        for (int k = 0; k < 4; k++)
            r[k][rd] = run(s, k, iters[k]);
    for (int k = 0; k < 4; k++) {
        qsort(r[k], rounds, sizeof(double), cmp_d);
        med[k] = r[k][rounds / 2];
    }
    printf("%-36s %12s %14s %8s\n", "", "ns/op", "Mops/s", "ratio");
    for (int k = 0; k < 4; k++)
        printf("%-36s %12.2f %14.3f %8.2f\n", names[k], med[k], 1e3 / med[k],
               med[k] / med[k & 2 ? 3 : 1]);
    printf("headers per second: txpath %.1f M, peer %.1f M; fragmenting 64 KiB costs %.2fx its "
           "memcpy (%.2f GB/s)\n",
           1e3 / med[0], 1e3 / med[1], med[2] / med[3], (double)s->dlen / med[2]);
    if (jf != NULL) {
        fprintf(jf,
                "{\"bench\": \"ip_header\", \"metric\": \"headers built (queue_xmit, 20 B "
                "segment)\", \"value\": %.3f, \"unit\": \"ns\", \"peer\": \"%s\", "
                "\"peer_value\": %.3f, \"ratio\": %.4f}\n",
                med[0], PEER_HDR, med[1], med[0] / med[1]);
        fprintf(jf,
                "{\"bench\": \"ip_fragment\", \"metric\": \"fragment 65535 B at MTU 1500\", "
                "\"value\": %.3f, \"unit\": \"ns\", \"peer\": \"memcpy\", \"peer_value\": %.3f, "
                "\"ratio\": %.4f}\n",
                med[2], med[3], med[2] / med[3]);
        fclose(jf);
    }
    printf("(sink %llu)\n", (unsigned long long)(sink & 1));
    if (s->bad) {
        fprintf(stderr, "bench_ip: a txpath call failed or produced the wrong output\n");
        return 1;
    }
    return 0;
}
