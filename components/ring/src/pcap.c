/* SPDX-License-Identifier: MIT */
/*
 * txpath ring: the pcap file backend. The device model hands it each frame with the
 * device-clock time its last bit left; it appends a record to a nanosecond-resolution pcap
 * file (magic a1b23c4d, version 2.4, snaplen 65535, LINKTYPE_ETHERNET), written in the host's
 * little-endian order field by field, so no struct layout is involved.
 *
 * Entry points: txp_ring_pcap_open, txp_ring_pcap_backend, txp_ring_pcap_close.
 * Reference: the libpcap savefile format (pcap-savefile(5)).
 */
#include <stdio.h>
#include <string.h>

#include "txpath/ring.h"

#define RING_PCAP_MAGIC_NSEC 0xa1b23c4du
#define RING_PCAP_SNAPLEN 65535u
#define RING_PCAP_LINKTYPE_ETHERNET 1u

struct txp_ring_pcap {
    struct txp_ring_backend be; /* first: the backend callback */
    FILE *f;
    const struct txp_alloc *alloc;
    int err; /* a write failed */
};

static void
ring_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int
ring_pcap_write(struct txp_ring_backend *self, uint64_t ts_ns, const uint8_t *data, uint32_t len)
{
    struct txp_ring_pcap *w = TXP_CONTAINER_OF(self, struct txp_ring_pcap, be);
    uint8_t h[16];
    uint32_t cap = len > RING_PCAP_SNAPLEN ? RING_PCAP_SNAPLEN : len;
    ring_put32(h, (uint32_t)(ts_ns / 1000000000u));
    ring_put32(h + 4, (uint32_t)(ts_ns % 1000000000u));
    ring_put32(h + 8, cap);
    ring_put32(h + 12, len);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h || fwrite(data, 1, cap, w->f) != cap) {
        w->err = 1;
        return TXP_EIO;
    }
    return TXP_OK;
}

int
txp_ring_pcap_open(const char *path, const struct txp_alloc *a, struct txp_ring_pcap **out)
{
    if (!path || !out)
        return TXP_EINVAL;
    struct txp_ring_pcap *w = txp_alloc_mem(a, sizeof *w, 16);
    if (!w)
        return TXP_ENOMEM;
    w->alloc = a;
    w->be.fn = ring_pcap_write;
    w->f = fopen(path, "wb");
    if (!w->f) {
        txp_free(a, w);
        return TXP_EIO;
    }
    uint8_t h[24];
    memset(h, 0, sizeof h);
    ring_put32(h, RING_PCAP_MAGIC_NSEC);
    h[4] = 2; /* version 2.4 */
    h[6] = 4;
    ring_put32(h + 16, RING_PCAP_SNAPLEN);
    ring_put32(h + 20, RING_PCAP_LINKTYPE_ETHERNET);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        fclose(w->f);
        txp_free(a, w);
        return TXP_EIO;
    }
    *out = w;
    return TXP_OK;
}

struct txp_ring_backend *
txp_ring_pcap_backend(struct txp_ring_pcap *w)
{
    return &w->be;
}

int
txp_ring_pcap_close(struct txp_ring_pcap *w)
{
    if (!w)
        return TXP_OK;
    int bad = w->err;
    if (fclose(w->f) != 0)
        bad = 1;
    txp_free(w->alloc, w);
    return bad ? TXP_EIO : TXP_OK;
}
