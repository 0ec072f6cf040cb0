/* SPDX-License-Identifier: MIT */
/*
 * txpath ip fuzz target: arbitrary bytes as an IPv4 header with options.
 *
 * Input: byte 0 selects an MTU (68 + 8 * value) and the raw-options flag (bit 7 of byte 0
 * unset: TXP_IP_OPT_F_RAW); the rest is the header (and any payload).
 *
 * Invariants (trap on violation):
 *   - txp_ipv4_parse never reads past the input (ASan) and every rejection names a reason
 *     other than OK with an offset inside the input (or equal to its length for TRUNCATED);
 *   - the option list of an accepted header walks with txp_ipv4_opt_next to its end without
 *     error, never stepping backwards or past the option area;
 *   - txp_ip_options_compile over the same bytes either accepts (a padded list of at most 40
 *     bytes, padding included) or names a reason and an offset inside the padded list;
 *   - txp_ip_options_fragment keeps the length, leaves only NOPs where non-copied options were,
 *     is idempotent, and its output still parses;
 *   - txp_ip_fragment on an accepted header either fails with nothing emitted, or emits
 *     packets that each parse, fit the MTU, and carry in total the input's data bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "txpath/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define NPKT 64u

static struct txp_pkt_pool *pool;
static struct txp_pkt *pkts[NPKT];

static void
check_options(const uint8_t *opts, size_t olen, unsigned flags)
{
    struct txp_ipv4_opt o;
    struct txp_parse_err pe;
    struct txp_ip_options c;
    struct txp_ip_opt_diag d;
    uint8_t frag[40], again[40];
    size_t pos = 0, last = 0;
    int rc;

    while ((rc = txp_ipv4_opt_next(opts, olen, &pos, &o, &pe)) == 1) {
        FZ_CHECK(pos > last || (pos == olen && o.type == TXP_IPOPT_END));
        FZ_CHECK(pos <= olen && o.off == last);
        last = pos;
    }
    FZ_CHECK(rc == 0);

    rc = txp_ip_options_compile(opts, olen, 0x0A000001u, flags, &c, &d);
    if (rc == TXP_OK) {
        FZ_CHECK(c.len % 4 == 0 && c.len >= olen && c.len <= 40);
        FZ_CHECK(d.err == TXP_IP_OPT_OK);
    } else {
        FZ_CHECK(rc == TXP_EINVAL && d.err != TXP_IP_OPT_OK);
        FZ_CHECK(d.offset < ((olen + 3) & ~(size_t)3));
        FZ_CHECK(txp_ip_opt_errname(d.err)[0] != '?');
    }

    memcpy(frag, opts, olen);
    txp_ip_options_fragment(frag, olen);
    memcpy(again, frag, olen);
    txp_ip_options_fragment(again, olen);
    FZ_CHECK(memcmp(frag, again, olen) == 0);
    pos = 0;
    while ((rc = txp_ipv4_opt_next(frag, olen, &pos, &o, &pe)) == 1) {
        FZ_CHECK(o.type <= 1 || TXP_IPOPT_COPIED(o.type));
        if (o.type > 1)
            FZ_CHECK(memcmp(frag + o.off, opts + o.off, o.len) == 0);
    }
    FZ_CHECK(rc == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct txp_ipv4_hdr h;
    struct txp_parse_err pe = {TXP_PARSE_OK, 0};
    struct txp_ip_out out;
    uint32_t mtu;
    unsigned flags;
    size_t total = 0;
    int hl, rc;

    if (size < 1)
        return 0;
    if (pool == NULL) {
        struct txp_pkt_pool_config pc = {NPKT, TXP_PKT_MAX_BUF};
        FZ_CHECK(txp_pkt_pool_create(&pc, NULL, &pool) == TXP_OK);
    }
    mtu = 68u + 8u * (data[0] & 0x7Fu);
    flags = (data[0] & 0x80u) ? 0u : TXP_IP_OPT_F_RAW;
    data++;
    size--;

    hl = txp_ipv4_parse(data, size, &h, &pe);
    if (hl < 0) {
        FZ_CHECK(hl == TXP_EBADMSG && pe.reason != TXP_PARSE_OK && pe.reason < TXP_PARSE__COUNT);
        FZ_CHECK(pe.offset < size || (pe.reason == TXP_PARSE_TRUNCATED && pe.offset == size));
        FZ_CHECK(txp_parse_name(pe.reason) != NULL);
        /* A header refused only for its options still has its option area checked. */
        if ((pe.reason == TXP_PARSE_OPT_OVERRUN || pe.reason == TXP_PARSE_BAD_OPT_LEN))
            FZ_CHECK(pe.offset >= 20 && pe.offset < (size_t)(data[0] & 15u) * 4);
        return 0;
    }
    FZ_CHECK(pe.reason == TXP_PARSE_OK && hl >= 20 && hl <= 60 && (size_t)hl <= size);
    FZ_CHECK(h.opt_len == hl - 20 && h.tot_len >= hl && h.tot_len <= size);
    check_options(data + 20, h.opt_len, flags);

    out.pool = pool;
    out.pkts = pkts;
    out.cap = NPKT;
    out.n = 0;
    rc = txp_ip_fragment(data, size, mtu, TXP_IP_FRAG_IGNORE_DF, &out);
    if (rc != TXP_OK) {
        FZ_CHECK(out.n == 0 && txp_pkt_pool_in_use(pool) == 0);
        FZ_CHECK(rc == TXP_ENOSPC || rc == TXP_EINVAL);
        return 0;
    }
    for (size_t i = 0; i < out.n; i++) {
        struct txp_ipv4_hdr fh;
        int fhl = txp_ipv4_parse(txp_pkt_data(pkts[i]), pkts[i]->len, &fh, NULL);

        FZ_CHECK(fhl == hl && fh.tot_len == pkts[i]->len);
        FZ_CHECK(out.n == 1 || pkts[i]->len <= mtu);
        FZ_CHECK(txp_csum(txp_pkt_data(pkts[i]), (size_t)fhl) == 0 || out.n == 1);
        total += pkts[i]->len - (size_t)fhl;
        txp_pkt_free(pkts[i]);
    }
    FZ_CHECK(total == (size_t)h.tot_len - (size_t)hl);
    FZ_CHECK(txp_pkt_pool_in_use(pool) == 0);
    return 0;
}
