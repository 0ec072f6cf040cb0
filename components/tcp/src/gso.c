/* SPDX-License-Identifier: MIT */
/*
 * GSO split of an IPv4+TCP super-segment (net/ipv4/tcp_offload.c: tcp_gso_segment,
 * net/ipv4/af_inet.c: inet_gso_segment), done in software as skb_segment would.
 *
 *   in:  | IPv4 (id N) | TCP (seq S, flags F) | payload: k * gso_size + r bytes |
 *   out: segment i: IPv4 id N + i, tot_len; TCP seq S + i * gso_size;
 *        flags F without CWR after the first, without PSH and FIN before the last;
 *        IPv4 header checksum and TCP checksum (pseudo-header) recomputed.
 *
 * Entry point: txp_tcp_gso_segment. Options (timestamps) are copied unchanged into every
 * segment, as the kernel does.
 */
#include <string.h>

#include "txpath/be.h"
#include "txpath/tcp.h"

static void
free_all(struct txp_pkt **out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        txp_pkt_free(out[i]);
        out[i] = NULL;
    }
}

int
txp_tcp_gso_segment(const struct txp_pkt *in, struct txp_pkt_pool *pool, struct txp_pkt **out,
                    size_t cap)
{
    const uint8_t *d = txp_pkt_data(in);
    struct txp_ipv4_hdr ih;
    struct txp_tcp_hdr th;
    int ihl, thl;
    size_t hl, plen, mss, nseg;

    ihl = txp_ipv4_parse(d, in->len, &ih, NULL);
    if (ihl < 0 || ih.protocol != TXP_IPPROTO_TCP || ih.tot_len > in->len ||
        (ih.frag_off & (TXP_IP_MF | TXP_IP_OFFMASK)) != 0)
        return TXP_EBADMSG;
    thl = txp_tcp_parse(d + ihl, (size_t)ih.tot_len - (size_t)ihl, &th, NULL);
    if (thl < 0)
        return TXP_EBADMSG;
    hl = (size_t)ihl + (size_t)thl;
    plen = ih.tot_len - hl;
    mss = (in->meta.flags & TXP_PKT_F_GSO) ? in->meta.gso_size : 0;
    if (mss == 0 || plen <= mss)
        mss = plen > 0 ? plen : 1;
    nseg = plen == 0 ? 1 : (plen + mss - 1) / mss;
    if (nseg > cap)
        return TXP_ENOSPC;
    for (size_t i = 0; i < nseg; i++) {
        size_t off = i * mss;
        size_t n = plen - off < mss ? plen - off : mss;
        struct txp_pkt *p = txp_pkt_alloc(pool);
        uint8_t *o, *t;
        uint8_t flags = th.flags;

        if (p == NULL || (o = txp_pkt_put(p, (uint32_t)(hl + n))) == NULL) {
            if (p != NULL)
                txp_pkt_free(p);
            free_all(out, i);
            return TXP_ENOBUFS;
        }
        memcpy(o, d, hl);
        memcpy(o + hl, d + hl + off, n);
        txp_store_be16(o + TXP_IPV4_OFF_TOTLEN, (uint16_t)(hl + n));
        txp_store_be16(o + TXP_IPV4_OFF_ID, (uint16_t)(ih.id + i));
        txp_store_be16(o + TXP_IPV4_OFF_CSUM, 0);
        txp_store_be16(o + TXP_IPV4_OFF_CSUM, txp_csum(o, (size_t)ihl));
        t = o + ihl;
        txp_store_be32(t + TXP_TCP_OFF_SEQ, (uint32_t)(th.seq + off));
        if (i > 0)
            flags = (uint8_t)(flags & ~TXP_TCP_CWR);
        if (i + 1 < nseg)
            flags = (uint8_t)(flags & ~(TXP_TCP_PSH | TXP_TCP_FIN));
        t[TXP_TCP_OFF_FLAGS] = flags;
        txp_store_be16(t + TXP_TCP_OFF_CSUM, 0);
        txp_store_be16(t + TXP_TCP_OFF_CSUM,
                       txp_ipv4_l4_csum(ih.saddr, ih.daddr, TXP_IPPROTO_TCP, t, (size_t)thl + n));
        p->meta = in->meta;
        p->meta.flags = (uint16_t)(p->meta.flags & ~TXP_PKT_F_GSO);
        p->meta.gso_size = 0;
        out[i] = p;
    }
    return (int)nseg;
}
