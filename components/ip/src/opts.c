/* SPDX-License-Identifier: MIT */
/*
 * txpath ip: IPv4 options of a sending socket (net/ipv4/ip_options.c: ip_options_compile with
 * no skb, ip_options_build, ip_options_fragment).
 *
 * Compile (setsockopt IP_OPTIONS), over the bytes padded with EOL to a multiple of 4:
 *   EOL        the rest of the list becomes EOL
 *   NOP        one byte
 *   LSRR/SSRR  len >= 3, pointer 4, len >= 7 and (len - 3) % 4 == 0, only one source route.
 *              The first address is taken out as the first hop (faddr) and the rest moves up
 *              one slot; output writes the real destination into the last slot:
 *                given  [131 len 4 | A1 A2 .. An]      destination D
 *                wire   [131 len 4 | A2 .. An D]       header daddr A1
 *   RR         len >= 3, pointer >= 4; if pointer <= len a slot must fit (pointer + 3 <= len),
 *              the pointer advances 4 and output writes our address into that slot
 *   TS         len >= 4, pointer >= 5; if pointer <= len: TSONLY reserves 4 bytes (time),
 *              TSANDADDR 8 (address + time), PRESPEC 8 when the listed address is ours (time
 *              only), else it is left alone; a full option must have overflow < 15
 *   RA         len == 4 (RFC 2113; txp_ipv4_parse insists on it too)
 *   other      only with TXP_IP_OPT_F_RAW (Linux: CAP_NET_RAW), passed through
 * A length byte missing or running past the list is TRUNCATED, a length below 2 BAD_LEN; a
 * second RR, TS or source route is DUP.
 *
 * Fragment: every option without the copy bit (0x80) is overwritten with NOP (0x01) bytes, so
 * later fragments keep the header length but carry only copied options (LSRR, SSRR, RA, SEC).
 *
 * Timestamps are milliseconds since midnight UT of the injected clock (inet_current_timestamp
 * reads the real-time clock; txpath treats now_ns as that clock here).
 */
#include <string.h>

#include "ip_int.h"

#define OPT_PTR 2
#define TS_FLAGS 3

static int
opt_fail(struct txp_ip_opt_diag *d, enum txp_ip_opt_err e, size_t off)
{
    if (d != NULL) {
        d->err = e;
        d->offset = (uint32_t)off;
    }
    return TXP_EINVAL;
}

static uint32_t
load32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Source route: validate, take out the first hop and shift the remaining addresses up. */
static int
compile_srr(uint8_t *o, size_t optlen, size_t pos, struct txp_ip_options *c,
            struct txp_ip_opt_diag *d)
{
    if (optlen < 3)
        return opt_fail(d, TXP_IP_OPT_BAD_LEN, pos + 1);
    if (o[OPT_PTR] < 4)
        return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
    if (c->srr != TXP_IP__OPT_NONE)
        return opt_fail(d, TXP_IP_OPT_DUP, pos);
    if (o[OPT_PTR] != 4)
        return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
    if (optlen < 7 || ((optlen - 3) & 3u) != 0)
        return opt_fail(d, TXP_IP_OPT_BAD_LEN, pos + 1);
    c->faddr = load32(o + 3);
    if (optlen > 7)
        memmove(o + 3, o + 7, optlen - 7);
    c->srr = (uint8_t)pos;
    return TXP_OK;
}

static int
compile_rr(uint8_t *o, size_t optlen, size_t pos, struct txp_ip_options *c,
           struct txp_ip_opt_diag *d)
{
    if (optlen < 3)
        return opt_fail(d, TXP_IP_OPT_BAD_LEN, pos + 1);
    if (o[OPT_PTR] < 4)
        return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
    if (c->rr != TXP_IP__OPT_NONE)
        return opt_fail(d, TXP_IP_OPT_DUP, pos);
    if (o[OPT_PTR] <= optlen) {
        if ((size_t)o[OPT_PTR] + 3 > optlen)
            return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
        o[OPT_PTR] = (uint8_t)(o[OPT_PTR] + 4);
        c->rr_needaddr = true;
    }
    c->rr = (uint8_t)pos;
    return TXP_OK;
}

static int
compile_ts(uint8_t *o, size_t optlen, size_t pos, uint32_t saddr, unsigned flags,
           struct txp_ip_options *c, struct txp_ip_opt_diag *d)
{
    if (optlen < 4)
        return opt_fail(d, TXP_IP_OPT_BAD_LEN, pos + 1);
    if (o[OPT_PTR] < 5)
        return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
    if (c->ts != TXP_IP__OPT_NONE)
        return opt_fail(d, TXP_IP_OPT_DUP, pos);
    if (o[OPT_PTR] <= optlen) {
        size_t ptr = o[OPT_PTR];

        if (ptr + 3 > optlen)
            return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
        switch (o[TS_FLAGS] & 0x0Fu) {
        case TXP_IPOPT_TS_TSONLY:
            c->ts_needtime = true;
            o[OPT_PTR] = (uint8_t)(ptr + 4);
            break;
        case TXP_IPOPT_TS_TSANDADDR:
            if (ptr + 7 > optlen)
                return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
            c->ts_needaddr = true;
            c->ts_needtime = true;
            o[OPT_PTR] = (uint8_t)(ptr + 8);
            break;
        case TXP_IPOPT_TS_PRESPEC:
            if (ptr + 7 > optlen)
                return opt_fail(d, TXP_IP_OPT_BAD_PTR, pos + 2);
            /* Only an entry naming one of our addresses is stamped. */
            if (load32(o + ptr - 1) == saddr) {
                c->ts_needtime = true;
                o[OPT_PTR] = (uint8_t)(ptr + 8);
            }
            break;
        default:
            if (!(flags & TXP_IP_OPT_F_RAW))
                return opt_fail(d, TXP_IP_OPT_BAD_FLAG, pos + 3);
            break;
        }
    } else if ((o[TS_FLAGS] & 0xF0u) == 0xF0u) {
        return opt_fail(d, TXP_IP_OPT_OVERFLOW, pos + 3);
    }
    c->ts = (uint8_t)pos;
    return TXP_OK;
}

int
txp_ip_options_compile(const uint8_t *raw, size_t len, uint32_t saddr, unsigned flags,
                       struct txp_ip_options *out, struct txp_ip_opt_diag *d)
{
    struct txp_ip_options c;
    size_t total;
    size_t pos = 0;
    int rc = TXP_OK;

    if (len > TXP_IPV4_OPT_MAX)
        return opt_fail(d, TXP_IP_OPT_TOO_LONG, TXP_IPV4_OPT_MAX);
    if (len > 0 && raw == NULL)
        return opt_fail(d, TXP_IP_OPT_TRUNCATED, 0);
    memset(&c, 0, sizeof(c));
    c.srr = c.rr = c.ts = TXP_IP__OPT_NONE;
    total = (len + 3u) & ~(size_t)3u;
    if (len > 0)
        memcpy(c.data, raw, len);
    c.len = (uint8_t)total;

    while (pos < total && rc == TXP_OK) {
        uint8_t *o = c.data + pos;
        size_t optlen;

        if (o[0] == TXP_IPOPT_END) {
            memset(o, TXP_IPOPT_END, total - pos);
            break;
        }
        if (o[0] == TXP_IPOPT_NOOP) {
            pos++;
            continue;
        }
        if (total - pos < 2)
            return opt_fail(d, TXP_IP_OPT_TRUNCATED, pos);
        optlen = o[1];
        if (optlen < 2)
            return opt_fail(d, TXP_IP_OPT_BAD_LEN, pos + 1);
        if (optlen > total - pos)
            return opt_fail(d, TXP_IP_OPT_TRUNCATED, pos + 1);
        switch (o[0]) {
        case TXP_IPOPT_LSRR:
        case TXP_IPOPT_SSRR:
            rc = compile_srr(o, optlen, pos, &c, d);
            break;
        case TXP_IPOPT_RR:
            rc = compile_rr(o, optlen, pos, &c, d);
            break;
        case TXP_IPOPT_TS:
            rc = compile_ts(o, optlen, pos, saddr, flags, &c, d);
            break;
        case TXP_IPOPT_RA:
            if (optlen != 4)
                rc = opt_fail(d, TXP_IP_OPT_BAD_LEN, pos + 1);
            break;
        default:
            if (!(flags & TXP_IP_OPT_F_RAW))
                rc = opt_fail(d, TXP_IP_OPT_UNKNOWN, pos);
            break;
        }
        pos += optlen;
    }
    if (rc != TXP_OK)
        return rc;
    *out = c;
    if (d != NULL) {
        d->err = TXP_IP_OPT_OK;
        d->offset = 0;
    }
    return TXP_OK;
}

const char *
txp_ip_opt_errname(enum txp_ip_opt_err e)
{
    switch (e) {
    case TXP_IP_OPT_OK:
        return "OK";
    case TXP_IP_OPT_TOO_LONG:
        return "TOO_LONG";
    case TXP_IP_OPT_TRUNCATED:
        return "TRUNCATED";
    case TXP_IP_OPT_BAD_LEN:
        return "BAD_LEN";
    case TXP_IP_OPT_BAD_PTR:
        return "BAD_PTR";
    case TXP_IP_OPT_DUP:
        return "DUP";
    case TXP_IP_OPT_OVERFLOW:
        return "OVERFLOW";
    case TXP_IP_OPT_BAD_FLAG:
        return "BAD_FLAG";
    case TXP_IP_OPT_UNKNOWN:
        return "UNKNOWN";
    default:
        return "?";
    }
}

void
txp_ip__options_build(const struct txp_ip_options *opt, uint8_t *dst, uint32_t saddr,
                      uint32_t daddr, uint64_t now_ns)
{
    memcpy(dst, opt->data, opt->len);
    if (opt->srr != TXP_IP__OPT_NONE)
        store32(dst + opt->srr + dst[opt->srr + 1] - 4, daddr);
    if (opt->rr_needaddr)
        store32(dst + opt->rr + dst[opt->rr + OPT_PTR] - 5, saddr);
    if (opt->ts_needaddr)
        store32(dst + opt->ts + dst[opt->ts + OPT_PTR] - 9, saddr);
    if (opt->ts_needtime) {
        uint32_t ms = (uint32_t)((now_ns / 1000000u) % 86400000u);

        store32(dst + opt->ts + dst[opt->ts + OPT_PTR] - 5, ms);
    }
}

void
txp_ip_options_fragment(uint8_t *opts, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        size_t optlen;

        if (opts[pos] == TXP_IPOPT_END)
            return;
        if (opts[pos] == TXP_IPOPT_NOOP) {
            pos++;
            continue;
        }
        if (len - pos < 2)
            return;
        optlen = opts[pos + 1];
        if (optlen < 2 || optlen > len - pos)
            return;
        if (!TXP_IPOPT_COPIED(opts[pos]))
            memset(opts + pos, TXP_IPOPT_NOOP, optlen);
        pos += optlen;
    }
}
