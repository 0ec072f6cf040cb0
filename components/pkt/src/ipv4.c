/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: IPv4 header (RFC 791) parse/build, option iterator, L4 pseudo-header checksum and
 * the dotted-quad text form.
 *
 * Parse order, each failure reported with its reason and the offset of the offending byte from
 * the start of the header:
 *   len < 20                        TRUNCATED     at len (where the bytes ran out)
 *   version != 4                    BAD_VERSION   at 0
 *   IHL < 5 or IHL * 4 > len        BAD_IHL       at 0
 *   tot_len < IHL * 4 or > len      LEN_MISMATCH  at 2
 *   an option (see the iterator)    OPT_OVERRUN / BAD_OPT_LEN at 20 + the option's offset
 * The checksum is reported, not verified. Bytes after tot_len (link padding) are the caller's.
 *
 * Options: EOL (0) ends the list and is reported as a one-byte option; what follows it is
 * padding and is not looked at. NOP (1) is one byte. Every other type has a length byte that
 * counts type and length: a missing length byte or a length reaching past the option area is
 * OPT_OVERRUN, a length below 2 (or other than 4 for Router Alert, RFC 2113) is BAD_OPT_LEN.
 * Both are reported at the option's type byte, so the offset is always inside the options.
 * txp_ipv4_parse() runs the same iterator, so a header it accepts iterates without error.
 *
 * Build: options are copied and zero-padded to a word; the header checksum is computed over the
 * finished header unless TXP_IPV4_BUILD_KEEP_CSUM asks for h->check as given (re-serialising a
 * parsed header byte for byte).
 */
#include <stdio.h>
#include <string.h>

#include "txpath/be.h"
#include "txpath/csum.h"
#include "txpath/prot/ip.h"

#define IPV4_RA_LEN 4 /* Router Alert: type, length, 2 value bytes */

static int
ipv4_fail(struct txp_parse_err *pe, enum txp_parse_reason r, size_t off)
{
    if (pe != NULL) {
        pe->reason = r;
        pe->offset = (uint32_t)off;
    }
    return TXP_EBADMSG;
}

int
txp_ipv4_opt_next(const uint8_t *opts, size_t len, size_t *pos, struct txp_ipv4_opt *o,
                  struct txp_parse_err *pe)
{
    size_t p = *pos;
    uint8_t type;
    uint8_t olen;

    if (p >= len)
        return 0;
    type = opts[p];
    o->type = type;
    o->off = (uint16_t)p;
    if (type == TXP_IPOPT_END || type == TXP_IPOPT_NOOP) {
        o->len = 1;
        o->data = opts + p + 1;
        /* After EOL the rest is padding: the next call reports the end. */
        *pos = (type == TXP_IPOPT_END) ? len : p + 1;
        return 1;
    }
    if (len - p < 2)
        return ipv4_fail(pe, TXP_PARSE_OPT_OVERRUN, p);
    olen = opts[p + 1];
    if (olen < 2)
        return ipv4_fail(pe, TXP_PARSE_BAD_OPT_LEN, p);
    if (olen > len - p)
        return ipv4_fail(pe, TXP_PARSE_OPT_OVERRUN, p);
    if (type == TXP_IPOPT_RA && olen != IPV4_RA_LEN)
        return ipv4_fail(pe, TXP_PARSE_BAD_OPT_LEN, p);
    o->len = olen;
    o->data = opts + p + 2;
    *pos = p + olen;
    return 1;
}

int
txp_ipv4_parse(const uint8_t *buf, size_t len, struct txp_ipv4_hdr *h, struct txp_parse_err *pe)
{
    struct txp_ipv4_opt o;
    struct txp_parse_err ope = {TXP_PARSE_OK, 0};
    size_t hl;
    size_t olen;
    size_t pos = 0;
    uint16_t tot;
    int rc;

    if (len < TXP_IPV4_HLEN_MIN)
        return ipv4_fail(pe, TXP_PARSE_TRUNCATED, len);
    if ((buf[TXP_IPV4_OFF_VIHL] >> 4) != 4)
        return ipv4_fail(pe, TXP_PARSE_BAD_VERSION, TXP_IPV4_OFF_VIHL);
    hl = (size_t)(buf[TXP_IPV4_OFF_VIHL] & 0x0fu) * 4;
    if (hl < TXP_IPV4_HLEN_MIN || hl > len)
        return ipv4_fail(pe, TXP_PARSE_BAD_IHL, TXP_IPV4_OFF_VIHL);
    tot = txp_load_be16(buf + TXP_IPV4_OFF_TOTLEN);
    if (tot < hl || tot > len)
        return ipv4_fail(pe, TXP_PARSE_LEN_MISMATCH, TXP_IPV4_OFF_TOTLEN);
    olen = hl - TXP_IPV4_HLEN_MIN;
    while ((rc = txp_ipv4_opt_next(buf + TXP_IPV4_OFF_OPTS, olen, &pos, &o, &ope)) == 1)
        ;
    if (rc < 0)
        return ipv4_fail(pe, ope.reason, TXP_IPV4_OFF_OPTS + (size_t)ope.offset);

    h->version = 4;
    h->ihl = (uint8_t)(hl / 4);
    h->tos = buf[TXP_IPV4_OFF_TOS];
    h->tot_len = tot;
    h->id = txp_load_be16(buf + TXP_IPV4_OFF_ID);
    h->frag_off = txp_load_be16(buf + TXP_IPV4_OFF_FRAG);
    h->ttl = buf[TXP_IPV4_OFF_TTL];
    h->protocol = buf[TXP_IPV4_OFF_PROTO];
    h->check = txp_load_be16(buf + TXP_IPV4_OFF_CSUM);
    h->saddr = txp_load_be32(buf + TXP_IPV4_OFF_SADDR);
    h->daddr = txp_load_be32(buf + TXP_IPV4_OFF_DADDR);
    h->opt_len = (uint8_t)olen;
    memcpy(h->opts, buf + TXP_IPV4_OFF_OPTS, olen);
    if (olen < TXP_IPV4_OPT_MAX)
        memset(h->opts + olen, 0, TXP_IPV4_OPT_MAX - olen);
    if (pe != NULL) {
        pe->reason = TXP_PARSE_OK;
        pe->offset = 0;
    }
    return (int)hl;
}

int
txp_ipv4_build(uint8_t *buf, size_t cap, const struct txp_ipv4_hdr *h, size_t payload_len,
               unsigned flags)
{
    size_t ihl_words;
    size_t hl;
    size_t tot;
    uint8_t version = h->version != 0 ? h->version : 4;

    if (h->opt_len > TXP_IPV4_OPT_MAX || version > 15)
        return TXP_EINVAL;
    ihl_words = 5 + ((size_t)h->opt_len + 3) / 4;
    if (h->ihl != 0 && h->ihl != ihl_words)
        return TXP_EINVAL;
    hl = ihl_words * 4;
    if (h->tot_len != 0) {
        tot = h->tot_len;
    } else {
        if (payload_len > TXP_IPV4_MAX_LEN - hl)
            return TXP_EINVAL;
        tot = hl + payload_len;
    }
    if (cap < hl)
        return TXP_ENOSPC;

    buf[TXP_IPV4_OFF_VIHL] = (uint8_t)(((size_t)version << 4) | ihl_words);
    buf[TXP_IPV4_OFF_TOS] = h->tos;
    txp_store_be16(buf + TXP_IPV4_OFF_TOTLEN, (uint16_t)tot);
    txp_store_be16(buf + TXP_IPV4_OFF_ID, h->id);
    txp_store_be16(buf + TXP_IPV4_OFF_FRAG, h->frag_off);
    buf[TXP_IPV4_OFF_TTL] = h->ttl;
    buf[TXP_IPV4_OFF_PROTO] = h->protocol;
    txp_store_be16(buf + TXP_IPV4_OFF_CSUM, 0);
    txp_store_be32(buf + TXP_IPV4_OFF_SADDR, h->saddr);
    txp_store_be32(buf + TXP_IPV4_OFF_DADDR, h->daddr);
    memcpy(buf + TXP_IPV4_OFF_OPTS, h->opts, h->opt_len);
    memset(buf + TXP_IPV4_OFF_OPTS + h->opt_len, 0, hl - TXP_IPV4_HLEN_MIN - h->opt_len);
    if (flags & TXP_IPV4_BUILD_KEEP_CSUM)
        txp_store_be16(buf + TXP_IPV4_OFF_CSUM, h->check);
    else
        txp_store_be16(buf + TXP_IPV4_OFF_CSUM, txp_csum(buf, hl));
    return (int)hl;
}

uint16_t
txp_ipv4_l4_csum(uint32_t saddr, uint32_t daddr, uint8_t proto, const uint8_t *l4, size_t l4len)
{
    uint32_t sum;

    TXP_ASSERT(l4len <= TXP_IPV4_MAX_LEN);
    sum = txp_csum_pseudo_ipv4(saddr, daddr, proto, (uint16_t)l4len);
    return txp_csum_fold(txp_csum_partial(l4, l4len, sum));
}

int
txp_ipv4_addr_parse(const char *s, uint32_t *addr)
{
    uint32_t a = 0;
    int part;

    if (s == NULL)
        return TXP_EINVAL;
    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        int ndig = 0;

        /* One to three digits, no leading zero (so "010" is not silently decimal or octal). */
        while (*s >= '0' && *s <= '9') {
            if (ndig == 3 || (ndig == 1 && v == 0))
                return TXP_EINVAL;
            v = v * 10 + (unsigned)(*s - '0');
            ndig++;
            s++;
        }
        if (ndig == 0 || v > 255)
            return TXP_EINVAL;
        a = (a << 8) | v;
        if (part < 3) {
            if (*s != '.')
                return TXP_EINVAL;
            s++;
        }
    }
    if (*s != '\0')
        return TXP_EINVAL;
    *addr = a;
    return TXP_OK;
}

void
txp_ipv4_addr_format(uint32_t addr, char out[16])
{
    (void)snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24), (unsigned)((addr >> 16) & 0xffu),
                   (unsigned)((addr >> 8) & 0xffu), (unsigned)(addr & 0xffu));
}
