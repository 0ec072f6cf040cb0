/* SPDX-License-Identifier: MIT */
/*
 * txpath tcp fuzz target tcp_options: build TCP option blocks with txp_tcp_options_write and
 * parse them back with txp_tcp_opts_parse (components/pkt), and the reverse on raw bytes.
 *
 * Invariants (trap on violation):
 *  - the size equals the one computed here from the option sizes (MSS 4, TS 12, SACK_PERM 4
 *    when alone, WS 4, SACK 4 + 8n), is a multiple of 4 and at most 40, else TXP_EMSGSIZE;
 *  - a written block parses, and every field written comes back (MSS, WS, TS values, SACK
 *    edges; SACK_PERM present exactly when written on a SYN);
 *  - raw input that parses is rebuilt from the parsed fields (when they fit) and parses to the
 *    same fields again.
 *
 * Input: byte 0 option bits, bytes 1-2 MSS, 3 WS, 4-11 TSval/TSecr, 12 SACK count, then SACK
 * edges; the whole input is also parsed as a raw option block (first 40 bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "txpath/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
ref_size(const struct txp_tcp_optset *o)
{
    int n = 0;
    if (o->syn && o->mss)
        n += 4;
    if (o->ts)
        n += 12;
    else if (o->syn && o->sack_perm)
        n += 4;
    if (o->syn && o->ws)
        n += 4;
    if (o->nsack)
        n += 4 + 8 * o->nsack;
    return n;
}

static void
roundtrip(const struct txp_tcp_optset *o)
{
    uint8_t buf[40];
    struct txp_tcp_opts p;
    int want = ref_size(o);
    int n = txp_tcp_options_write(buf, sizeof buf, o);

    if (want > 40 || o->nsack > TXP_TCP_MAX_SACK) {
        FZ_CHECK(n == TXP_EMSGSIZE);
        return;
    }
    if (o->syn && o->ws && o->ws_val > 14) {
        FZ_CHECK(n == TXP_EINVAL);
        return;
    }
    FZ_CHECK(n == want && n % 4 == 0);
    FZ_CHECK(txp_tcp_options_size(o) == n);
    FZ_CHECK(txp_tcp_opts_parse(buf, (size_t)n, &p, NULL) == TXP_OK);
    FZ_CHECK(((p.present & TXP_TCP_OPTF_MSS) != 0) == (o->syn && o->mss));
    if (o->syn && o->mss)
        FZ_CHECK(p.mss == o->mss_val);
    FZ_CHECK(((p.present & TXP_TCP_OPTF_WSCALE) != 0) == (o->syn && o->ws));
    if (o->syn && o->ws)
        FZ_CHECK(p.wscale == o->ws_val);
    FZ_CHECK(((p.present & TXP_TCP_OPTF_SACK_PERM) != 0) == (o->syn && o->sack_perm));
    FZ_CHECK(((p.present & TXP_TCP_OPTF_TS) != 0) == o->ts);
    if (o->ts)
        FZ_CHECK(p.tsval == o->tsval && p.tsecr == o->tsecr);
    FZ_CHECK(p.nsack == o->nsack);
    for (uint8_t i = 0; i < o->nsack; i++)
        FZ_CHECK(p.sack[i][0] == o->sack[i][0] && p.sack[i][1] == o->sack[i][1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct txp_tcp_optset o;
    struct txp_tcp_opts p, p2;
    uint8_t buf[40];

    if (size < 13)
        return 0;
    memset(&o, 0, sizeof o);
    o.syn = data[0] & 1;
    o.mss = (data[0] >> 1) & 1;
    o.ts = (data[0] >> 2) & 1;
    o.sack_perm = (data[0] >> 3) & 1;
    o.ws = (data[0] >> 4) & 1;
    o.mss_val = (uint16_t)(data[1] << 8 | data[2]);
    o.ws_val = data[3];
    o.tsval = rd32(data + 4);
    o.tsecr = rd32(data + 8);
    o.nsack = data[12] % 6;
    for (uint8_t i = 0; i < o.nsack && i < TXP_TCP_MAX_SACK; i++) {
        size_t at = 13 + (size_t)i * 8;
        o.sack[i][0] = at + 4 <= size ? rd32(data + at) : i;
        o.sack[i][1] = at + 8 <= size ? rd32(data + at + 4) : i + 1u;
    }
    if (o.nsack > TXP_TCP_MAX_SACK) {
        FZ_CHECK(txp_tcp_options_size(&o) == TXP_EMSGSIZE);
        o.nsack = TXP_TCP_MAX_SACK;
    }
    roundtrip(&o);

    /* Raw bytes: parse, rebuild as an established or SYN block, parse again. */
    size_t n = size < 40 ? size : 40;
    if (txp_tcp_opts_parse(data, n, &p, NULL) != TXP_OK)
        return 0;
    memset(&o, 0, sizeof o);
    o.syn = (p.present & (TXP_TCP_OPTF_MSS | TXP_TCP_OPTF_WSCALE | TXP_TCP_OPTF_SACK_PERM)) != 0;
    o.mss = (p.present & TXP_TCP_OPTF_MSS) != 0;
    o.mss_val = p.mss;
    o.ws = (p.present & TXP_TCP_OPTF_WSCALE) != 0;
    o.ws_val = p.wscale;
    o.sack_perm = (p.present & TXP_TCP_OPTF_SACK_PERM) != 0;
    o.ts = (p.present & TXP_TCP_OPTF_TS) != 0;
    o.tsval = p.tsval;
    o.tsecr = p.tsecr;
    o.nsack = p.nsack;
    memcpy(o.sack, p.sack, sizeof o.sack);
    int w = txp_tcp_options_write(buf, sizeof buf, &o);
    if (w < 0) {
        FZ_CHECK(ref_size(&o) > 40 || (o.ws && o.ws_val > 14));
        return 0;
    }
    FZ_CHECK(txp_tcp_opts_parse(buf, (size_t)w, &p2, NULL) == TXP_OK);
    FZ_CHECK(p2.present == (p.present & (uint8_t) ~(p.nsack ? 0 : TXP_TCP_OPTF_SACK)));
    FZ_CHECK(p2.mss == p.mss && p2.wscale == p.wscale && p2.nsack == p.nsack);
    if (o.ts)
        FZ_CHECK(p2.tsval == p.tsval && p2.tsecr == p.tsecr);
    return 0;
}
