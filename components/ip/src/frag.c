/* SPDX-License-Identifier: MIT */
/*
 * txpath ip: fragmentation of a complete IPv4 datagram (net/ipv4/ip_output.c: ip_fragment,
 * ip_do_fragment slow path, ip_frag_init, ip_frag_next; ip_options.c: ip_options_fragment).
 *
 * Geometry, with hlen the header length (kept in every fragment) and room = mtu - hlen:
 *
 *   fragment k < last: data [k * step, (k + 1) * step) where step = room & ~7
 *   the last: whatever is left, at most room bytes (not rounded: ip_frag_next rounds only
 *   when more follows)
 *   offset field = (input offset + k * step) / 8
 *   MF = 1 on all but the last; on the last, MF as the input had it
 *   DF = 0 (only forwarded packets keep DF, IPSKB_FRAG_PMTU, which txpath does not model)
 *
 * Invariants: every fragment is <= mtu; every non-last fragment's data is a multiple of 8 and
 * as large as possible; concatenating the data in order gives the input's data; fragment 1
 * carries the input's options, later ones have non-copied options overwritten with NOPs.
 *
 * The headers of fragments 1 and 2 are written by txp_ipv4_build() (pkt), which computes the
 * checksum; later fragments copy fragment 2's header and patch length and offset with an
 * incremental checksum update (txp_csum_update16, RFC 1624), which the fuzz target and the unit
 * tests verify against a full recomputation.
 * Failures leave nothing behind: packets allocated before an error go back to the pool.
 */
#include <string.h>

#include "ip_int.h"

size_t
txp_ip_frag_count(size_t tot_len, size_t hlen, uint32_t mtu)
{
    size_t room, step;

    if (tot_len <= mtu)
        return 1;
    if (mtu < hlen + 8)
        return 0;
    /* Non-last fragments carry step bytes; the last may carry up to room (not rounded). */
    room = mtu - hlen;
    step = room & ~(size_t)7;
    return 1 + (tot_len - hlen - room + step - 1) / step;
}

static void
release(struct txp_ip_out *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        txp_pkt_free(out->pkts[i]);
        out->pkts[i] = NULL;
    }
    out->n = 0;
}

/* Allocate @p n packets with room for @p bytes each (the largest fragment). */
static int
alloc_all(struct txp_ip_out *out, size_t n, size_t bytes)
{
    if (out->pool == NULL || out->pkts == NULL || n > out->cap)
        return TXP_ENOSPC;
    for (size_t i = 0; i < n; i++) {
        struct txp_pkt *p = txp_pkt_alloc(out->pool);

        if (p == NULL) {
            release(out, i);
            return TXP_ENOBUFS;
        }
        out->pkts[i] = p;
        if (txp_pkt_tailroom(p) < bytes) {
            release(out, i + 1);
            return TXP_ENOSPC;
        }
    }
    return TXP_OK;
}

void
txp_ip__pkt_meta(struct txp_pkt *p, uint8_t tos, bool has_l4, size_t hlen)
{
    p->meta.flags = (uint16_t)(p->meta.flags | TXP_PKT_F_RAW_IP | TXP_PKT_F_LOCAL_OUT);
    p->meta.l3_off = 0;
    p->meta.l4_off = has_l4 ? (uint16_t)hlen : 0xFFFFu;
    p->meta.tos = tos;
}

int
txp_ip_fragment(const uint8_t *dgram, size_t len, uint32_t mtu, unsigned flags,
                struct txp_ip_out *out)
{
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe;
    size_t hlen, tot, room, step, n, off, orig_off;
    bool orig_mf;
    int rc;

    if (out == NULL)
        return TXP_EINVAL;
    out->n = 0;
    if (mtu < TXP_IP_MTU_MIN || mtu > TXP_IP_MTU_MAX || dgram == NULL)
        return TXP_EINVAL;
    rc = txp_ipv4_parse(dgram, len, &h, &pe);
    if (rc < 0)
        return TXP_EBADMSG;
    hlen = (size_t)rc;
    tot = h.tot_len;
    if (tot <= mtu) {
        rc = alloc_all(out, 1, tot);
        if (rc != TXP_OK)
            return rc;
        memcpy(txp_pkt_put(out->pkts[0], (uint32_t)tot), dgram, tot);
        txp_ip__pkt_meta(out->pkts[0], h.tos, (h.frag_off & TXP_IP_OFFMASK) == 0, hlen);
        out->n = 1;
        return TXP_OK;
    }
    if ((h.frag_off & TXP_IP_DF) && !(flags & TXP_IP_FRAG_IGNORE_DF))
        return TXP_EMSGSIZE;
    if (mtu < hlen + 8)
        return TXP_EINVAL;
    room = mtu - hlen;
    step = room & ~(size_t)7;
    n = txp_ip_frag_count(tot, hlen, mtu);
    orig_off = (size_t)(h.frag_off & TXP_IP_OFFMASK) * 8;
    orig_mf = (h.frag_off & TXP_IP_MF) != 0;
    /* A fragment whose offset would not fit the 13-bit field cannot be sent. */
    if ((orig_off + (n - 1) * step) / 8 > TXP_IP_OFFMASK)
        return TXP_EINVAL;
    rc = alloc_all(out, n, hlen + step);
    if (rc != TXP_OK)
        return rc;
    off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t left = tot - hlen - off;
        size_t dlen = left > room ? step : left;
        bool last = i + 1 == n;
        uint8_t *dst = txp_pkt_put(out->pkts[i], (uint32_t)(hlen + dlen));
        uint16_t fo = (uint16_t)(((orig_off + off) / 8) | ((!last || orig_mf) ? TXP_IP_MF : 0u));

        if (i < 2) {
            /* Fragment 1 carries every option, fragment 2 is the template for the rest. */
            h.tot_len = 0;
            h.frag_off = fo;
            h.ihl = 0;
            rc = txp_ipv4_build(dst, hlen, &h, dlen, 0);
            TXP_ASSERT(rc == (int)hlen);
            if (i == 0)
                txp_ip_options_fragment(h.opts, h.opt_len);
        } else {
            /* Later headers differ from fragment 2's only in length and offset: copy and
             * update the checksum incrementally (RFC 1624). */
            const uint8_t *tpl = txp_pkt_data(out->pkts[1]);
            uint16_t c = txp_load_be16(tpl + TXP_IPV4_OFF_CSUM);

            memcpy(dst, tpl, hlen);
            c = txp_csum_update16(c, txp_load_be16(tpl + TXP_IPV4_OFF_TOTLEN),
                                  (uint16_t)(hlen + dlen));
            c = txp_csum_update16(c, txp_load_be16(tpl + TXP_IPV4_OFF_FRAG), fo);
            txp_store_be16(dst + TXP_IPV4_OFF_TOTLEN, (uint16_t)(hlen + dlen));
            txp_store_be16(dst + TXP_IPV4_OFF_FRAG, fo);
            txp_store_be16(dst + TXP_IPV4_OFF_CSUM, c);
        }
        memcpy(dst + hlen, dgram + hlen + off, dlen);
        txp_ip__pkt_meta(out->pkts[i], h.tos, orig_off == 0 && i == 0, hlen);
        off += dlen;
    }
    out->n = n;
    return TXP_OK;
}
