/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: TCP header (RFC 9293) parse/build and option decoding (RFC 7323 window scale and
 * timestamps, RFC 2018 SACK, RFC 9293 MSS).
 *
 * Parse order, offsets from the start of the header:
 *   len < 20                            TRUNCATED    at len
 *   data offset < 5 or doff * 4 > len   BAD_DOFF     at 12
 *   an option                           OPT_OVERRUN / BAD_OPT_LEN at 20 + the option's offset
 * The checksum is reported, not verified (it needs the pseudo-header: txp_ipv4_l4_csum()).
 *
 * Options follow Linux's tcp_parse_options() walk: EOL ends the list, NOP is one byte, every
 * other kind has a length byte counting kind and length. Where Linux silently stops, we report:
 * a missing length byte or a length past the option bytes is OPT_OVERRUN; a length below 2, or
 * a known kind with the wrong length (MSS 4, WS 3, SACK_PERM 2, TS 10, SACK 2 + 8n with
 * n = 1..4), is BAD_OPT_LEN. Both at the option's kind byte. Unknown kinds with a sane length
 * are skipped. A repeated option overwrites the earlier one, as in Linux.
 */
#include <string.h>

#include "txpath/be.h"
#include "txpath/prot/tcp.h"

#define TCPOLEN_SACK_BASE 2u
#define TCPOLEN_SACK_PERBLOCK 8u

static int
tcp_fail(struct txp_parse_err *pe, enum txp_parse_reason r, size_t off)
{
    if (pe != NULL) {
        pe->reason = r;
        pe->offset = (uint32_t)off;
    }
    return TXP_EBADMSG;
}

/* Whether @p olen is a valid total length for the known kind @p kind (unknown kinds: any). */
static int
tcp_opt_len_ok(uint8_t kind, uint8_t olen)
{
    switch (kind) {
    case TXP_TCPOPT_MSS:
        return olen == TXP_TCPOLEN_MSS;
    case TXP_TCPOPT_WINDOW:
        return olen == TXP_TCPOLEN_WINDOW;
    case TXP_TCPOPT_SACK_PERM:
        return olen == TXP_TCPOLEN_SACK_PERM;
    case TXP_TCPOPT_TIMESTAMP:
        return olen == TXP_TCPOLEN_TIMESTAMP;
    case TXP_TCPOPT_SACK:
        return olen >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
               olen <= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK * TXP_TCP_MAX_SACK &&
               (olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK == 0;
    default:
        return 1;
    }
}

int
txp_tcp_opts_parse(const uint8_t *opts, size_t len, struct txp_tcp_opts *o,
                   struct txp_parse_err *pe)
{
    size_t p = 0;

    memset(o, 0, sizeof(*o));
    while (p < len) {
        uint8_t kind = opts[p];
        uint8_t olen;
        const uint8_t *v;

        if (kind == TXP_TCPOPT_EOL)
            break;
        if (kind == TXP_TCPOPT_NOP) {
            p++;
            continue;
        }
        if (len - p < 2)
            return tcp_fail(pe, TXP_PARSE_OPT_OVERRUN, p);
        olen = opts[p + 1];
        if (olen < 2)
            return tcp_fail(pe, TXP_PARSE_BAD_OPT_LEN, p);
        if (olen > len - p)
            return tcp_fail(pe, TXP_PARSE_OPT_OVERRUN, p);
        if (!tcp_opt_len_ok(kind, olen))
            return tcp_fail(pe, TXP_PARSE_BAD_OPT_LEN, p);
        v = opts + p + 2;
        switch (kind) {
        case TXP_TCPOPT_MSS:
            o->mss = txp_load_be16(v);
            o->present |= TXP_TCP_OPTF_MSS;
            break;
        case TXP_TCPOPT_WINDOW:
            o->wscale = v[0];
            o->present |= TXP_TCP_OPTF_WSCALE;
            break;
        case TXP_TCPOPT_SACK_PERM:
            o->present |= TXP_TCP_OPTF_SACK_PERM;
            break;
        case TXP_TCPOPT_TIMESTAMP:
            o->tsval = txp_load_be32(v);
            o->tsecr = txp_load_be32(v + 4);
            o->present |= TXP_TCP_OPTF_TS;
            break;
        case TXP_TCPOPT_SACK: {
            uint8_t n = (uint8_t)((olen - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_PERBLOCK);
            uint8_t i;

            for (i = 0; i < n; i++) {
                o->sack[i][0] = txp_load_be32(v + i * TCPOLEN_SACK_PERBLOCK);
                o->sack[i][1] = txp_load_be32(v + i * TCPOLEN_SACK_PERBLOCK + 4);
            }
            o->nsack = n;
            o->present |= TXP_TCP_OPTF_SACK;
            break;
        }
        default:
            break;
        }
        p += olen;
    }
    if (pe != NULL) {
        pe->reason = TXP_PARSE_OK;
        pe->offset = 0;
    }
    return TXP_OK;
}

int
txp_tcp_parse(const uint8_t *buf, size_t len, struct txp_tcp_hdr *h, struct txp_parse_err *pe)
{
    struct txp_tcp_opts o;
    struct txp_parse_err ope = {TXP_PARSE_OK, 0};
    size_t hl;
    size_t olen;

    if (len < TXP_TCP_HLEN_MIN)
        return tcp_fail(pe, TXP_PARSE_TRUNCATED, len);
    hl = (size_t)(buf[TXP_TCP_OFF_DOFF] >> 4) * 4;
    if (hl < TXP_TCP_HLEN_MIN || hl > len)
        return tcp_fail(pe, TXP_PARSE_BAD_DOFF, TXP_TCP_OFF_DOFF);
    olen = hl - TXP_TCP_HLEN_MIN;
    if (txp_tcp_opts_parse(buf + TXP_TCP_OFF_OPTS, olen, &o, &ope) != TXP_OK)
        return tcp_fail(pe, ope.reason, TXP_TCP_OFF_OPTS + (size_t)ope.offset);

    h->sport = txp_load_be16(buf + TXP_TCP_OFF_SPORT);
    h->dport = txp_load_be16(buf + TXP_TCP_OFF_DPORT);
    h->seq = txp_load_be32(buf + TXP_TCP_OFF_SEQ);
    h->ack_seq = txp_load_be32(buf + TXP_TCP_OFF_ACK);
    h->doff = (uint8_t)(hl / 4);
    h->reserved = buf[TXP_TCP_OFF_DOFF] & 0x0fu;
    h->flags = buf[TXP_TCP_OFF_FLAGS];
    h->window = txp_load_be16(buf + TXP_TCP_OFF_WINDOW);
    h->check = txp_load_be16(buf + TXP_TCP_OFF_CSUM);
    h->urg_ptr = txp_load_be16(buf + TXP_TCP_OFF_URG);
    h->opt_len = (uint8_t)olen;
    memcpy(h->opts, buf + TXP_TCP_OFF_OPTS, olen);
    if (olen < TXP_TCP_OPT_MAX)
        memset(h->opts + olen, 0, TXP_TCP_OPT_MAX - olen);
    if (pe != NULL) {
        pe->reason = TXP_PARSE_OK;
        pe->offset = 0;
    }
    return (int)hl;
}

int
txp_tcp_build(uint8_t *buf, size_t cap, const struct txp_tcp_hdr *h)
{
    size_t doff;
    size_t hl;

    /* reserved is a 4-bit field: a larger value cannot be written as given. */
    if (h->opt_len > TXP_TCP_OPT_MAX || h->reserved > 0x0fu)
        return TXP_EINVAL;
    doff = 5 + ((size_t)h->opt_len + 3) / 4;
    if (h->doff != 0 && h->doff != doff)
        return TXP_EINVAL;
    hl = doff * 4;
    if (cap < hl)
        return TXP_ENOSPC;
    txp_store_be16(buf + TXP_TCP_OFF_SPORT, h->sport);
    txp_store_be16(buf + TXP_TCP_OFF_DPORT, h->dport);
    txp_store_be32(buf + TXP_TCP_OFF_SEQ, h->seq);
    txp_store_be32(buf + TXP_TCP_OFF_ACK, h->ack_seq);
    buf[TXP_TCP_OFF_DOFF] = (uint8_t)((doff << 4) | h->reserved);
    buf[TXP_TCP_OFF_FLAGS] = h->flags;
    txp_store_be16(buf + TXP_TCP_OFF_WINDOW, h->window);
    txp_store_be16(buf + TXP_TCP_OFF_CSUM, h->check);
    txp_store_be16(buf + TXP_TCP_OFF_URG, h->urg_ptr);
    memcpy(buf + TXP_TCP_OFF_OPTS, h->opts, h->opt_len);
    memset(buf + TXP_TCP_OFF_OPTS + h->opt_len, 0, hl - TXP_TCP_HLEN_MIN - h->opt_len);
    return (int)hl;
}
