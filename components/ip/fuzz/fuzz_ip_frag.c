/* SPDX-License-Identifier: MIT */
/*
 * txpath ip fuzz target: fragmentation, directly (txp_ip_fragment) and through the UDP send
 * path (txp_ip_udp_sendmsg with options and a PMTU mode).
 *
 * Input layout:
 *   [0..1]  MTU selector, big-endian: mtu = 68 + value % 65468
 *   [2]     bit 0-1 PMTU mode (UDP) | bit 2 DF in the input (direct) | bit 3 IGNORE_DF flag
 *           | bit 4 MF in the input | bit 5 use the UDP path | bit 6 HASH_ALWAYS ID policy
 *   [3]     option length (value % 41)
 *   [4..5]  input fragment offset (direct; 13 bits)
 *   then    the option bytes, then the payload
 *
 * Invariants (trap on violation), checked by a reassembler written here from RFC 791 alone
 * (own byte loads, own checksum, own copy-bit walk):
 *   - on success every packet is a valid IPv4 header whose checksum verifies, <= MTU;
 *   - offsets are multiples of 8 and contiguous from the input offset; non-last fragments
 *     carry a multiple of 8 bytes; MF on all but the last (the last: as the input);
 *   - ID, TTL, TOS, protocol, addresses and header length are equal in all fragments;
 *     fragment 1 carries the options exactly; later fragments carry them with every option
 *     lacking the copy bit replaced by NOPs;
 *   - the data put back together is the original (direct) or UDP header + payload, whose
 *     checksum verifies (UDP path);
 *   - on failure nothing is emitted and no pool packet is held; DF + too big is EMSGSIZE.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define SMALL_BUF 2048u
#define SMALL_N 1500u
#define BIG_N 64u

static struct txp_pkt_pool *small_pool, *big_pool;
static struct txp_ip_ident *ids, *ids_hash;
static struct txp_pkt *pkts[SMALL_N];
static uint8_t dgram[65536 + 64];
static uint8_t rebuilt[65536 + 64];

static uint16_t
ld16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* RFC 1071 sum written out here, independent of txp_csum(). */
static uint16_t
sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)((p[i] << 8) | p[i + 1]);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)~acc;
}

/* The copy-bit rule, written out here: options without 0x80 become NOP bytes. */
static void
nop_uncopied(uint8_t *o, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (o[i] == 0)
            return;
        if (o[i] == 1 || i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i) {
            i++;
            continue;
        }
        if (!(o[i] & 0x80))
            memset(o + i, 1, o[i + 1]);
        i += o[i + 1];
    }
}

static void
setup(void)
{
    struct txp_pkt_pool_config sc = {SMALL_N, SMALL_BUF};
    struct txp_pkt_pool_config bc = {BIG_N, TXP_PKT_MAX_BUF};
    struct txp_ip_ident_config ic = {0, TXP_IP_ID_LINUX, 1};

    if (small_pool != NULL)
        return;
    FZ_CHECK(txp_pkt_pool_create(&sc, NULL, &small_pool) == TXP_OK);
    FZ_CHECK(txp_pkt_pool_create(&bc, NULL, &big_pool) == TXP_OK);
    FZ_CHECK(txp_ip_ident_create(&ic, NULL, &ids) == TXP_OK);
    ic.policy = TXP_IP_ID_HASH_ALWAYS;
    FZ_CHECK(txp_ip_ident_create(&ic, NULL, &ids_hash) == TXP_OK);
}

/*
 * Reassemble out[0..n) and check all per-fragment invariants. @p opts/@p olen: the options
 * fragment 1 must carry. @p off0/@p mf_last: the input's offset and MF. @return data length.
 */
static size_t
reassemble(const struct txp_ip_out *out, uint32_t mtu, const uint8_t *opts, size_t olen,
           size_t off0, bool mf_last)
{
    const uint8_t *f0 = txp_pkt_data(out->pkts[0]);
    size_t hl0 = (size_t)(f0[0] & 15u) * 4;
    uint8_t later[40];
    size_t next = off0;

    FZ_CHECK(hl0 == 20 + olen);
    memcpy(later, opts, olen);
    nop_uncopied(later, olen);
    for (size_t i = 0; i < out->n; i++) {
        const uint8_t *f = txp_pkt_data(out->pkts[i]);
        size_t len = out->pkts[i]->len;
        uint16_t fo;
        size_t dlen;
        bool last = i + 1 == out->n;

        FZ_CHECK(len >= 20 && len <= mtu);
        FZ_CHECK((f[0] >> 4) == 4 && (size_t)(f[0] & 15u) * 4 == hl0);
        FZ_CHECK(ld16(f + 2) == len);
        FZ_CHECK(sum16(f, hl0, 0) == 0);
        {
            /* exactly the recomputed value, not merely an equivalent one (0 vs 0xFFFF) */
            uint8_t hz[60];
            uint16_t want;
            memcpy(hz, f, hl0);
            hz[10] = hz[11] = 0;
            want = sum16(hz, hl0, 0);
            FZ_CHECK(ld16(f + 10) == want);
        }
        FZ_CHECK(memcmp(f + 4, f0 + 4, 2) == 0);   /* ID */
        FZ_CHECK(f[1] == f0[1] && f[8] == f0[8]);  /* TOS, TTL */
        FZ_CHECK(memcmp(f + 9, f0 + 9, 1) == 0);   /* protocol */
        FZ_CHECK(memcmp(f + 12, f0 + 12, 8) == 0); /* addresses */
        FZ_CHECK(memcmp(f + 20, i == 0 ? opts : later, olen) == 0);
        fo = ld16(f + 6);
        dlen = len - hl0;
        if (out->n > 1) {
            FZ_CHECK((fo & 0x8000u) == 0 && (fo & 0x4000u) == 0);
            FZ_CHECK(((fo & 0x2000u) != 0) == (!last || mf_last));
            FZ_CHECK((size_t)(fo & 0x1FFFu) * 8 == next);
            if (!last) {
                FZ_CHECK(dlen % 8 == 0);
                /* as large as possible: the next 8 bytes would not fit */
                FZ_CHECK(len + 8 > mtu);
            }
        }
        memcpy(rebuilt + (next - off0), f + hl0, dlen);
        next += dlen;
    }
    return next - off0;
}

static void
release(struct txp_ip_out *out)
{
    for (size_t i = 0; i < out->n; i++)
        txp_pkt_free(out->pkts[i]);
    out->n = 0;
    FZ_CHECK(txp_pkt_pool_in_use(out->pool) == 0);
}

static void
direct(uint32_t mtu, uint8_t flags, const uint8_t *opts, size_t olen, uint16_t off,
       const uint8_t *payload, size_t plen, struct txp_ip_out *out)
{
    size_t hl = 20 + ((olen + 3) & ~(size_t)3);
    size_t tot = hl + plen;
    bool df = flags & 4, mf = flags & 16;
    int rc;

    if (tot > 65535)
        return;
    memset(dgram, 0, hl);
    dgram[0] = (uint8_t)(0x40 | (hl / 4));
    dgram[1] = 0x10;
    dgram[2] = (uint8_t)(tot >> 8);
    dgram[3] = (uint8_t)tot;
    dgram[4] = 0xAB;
    dgram[5] = 0xCD;
    dgram[6] = (uint8_t)(((df ? 0x40 : 0) | (mf ? 0x20 : 0)) | ((off >> 8) & 0x1F));
    dgram[7] = (uint8_t)off;
    dgram[8] = 7;
    dgram[9] = 253;
    memcpy(dgram + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    memcpy(dgram + 20, opts, olen);
    {
        uint16_t c = sum16(dgram, hl, 0);
        dgram[10] = (uint8_t)(c >> 8);
        dgram[11] = (uint8_t)c;
    }
    memcpy(dgram + hl, payload, plen);
    rc = txp_ip_fragment(dgram, tot, mtu, (flags & 8) ? TXP_IP_FRAG_IGNORE_DF : 0u, out);
    if (rc != TXP_OK) {
        FZ_CHECK(out->n == 0 && txp_pkt_pool_in_use(out->pool) == 0);
        if (rc == TXP_EBADMSG)
            return; /* options the pkt parser refuses */
        /* Only a datagram that needs fragmenting can fail, and for a stated reason. */
        FZ_CHECK(tot > mtu);
        if (df && !(flags & 8))
            FZ_CHECK(rc == TXP_EMSGSIZE);
        else if (rc == TXP_EINVAL)
            FZ_CHECK(((size_t)(off & 0x1FFFu) * 8 + tot - hl > 65535) || mtu < hl + 8);
        else
            FZ_CHECK(rc == TXP_ENOSPC && txp_ip_frag_count(tot, hl, mtu) > out->cap);
        return;
    }
    FZ_CHECK(out->n == txp_ip_frag_count(tot, hl, mtu));
    if (out->n == 1) {
        FZ_CHECK(out->pkts[0]->len == tot && memcmp(txp_pkt_data(out->pkts[0]), dgram, tot) == 0);
    } else {
        uint8_t padded[40] = {0};
        memcpy(padded, opts, olen);
        FZ_CHECK(reassemble(out, mtu, padded, hl - 20, (size_t)(off & 0x1FFFu) * 8, mf) == plen);
        FZ_CHECK(memcmp(rebuilt, payload, plen) == 0);
    }
    release(out);
}

static void
udp(uint32_t mtu, uint8_t flags, const uint8_t *opts, size_t olen, const uint8_t *payload,
    size_t plen, struct txp_ip_out *out)
{
    struct txp_ip_sock_config c;
    struct txp_ip_sock *s = NULL;
    struct txp_ip_route rt = {mtu, false, 0};
    struct txp_ip_opt_diag d;
    int mode = flags & 3;
    int rc;

    txp_ip_sock_config_default(&c);
    c.saddr = 0x0A000001u;
    c.daddr = 0x0A000002u;
    c.sport = 1;
    c.dport = 2;
    c.pmtudisc = (enum txp_ip_pmtudisc)mode;
    FZ_CHECK(txp_ip_sock_create(&c, (flags & 64) ? ids_hash : ids, NULL, &s) == TXP_OK);
    rc = txp_ip_sock_set_options(s, opts, olen, TXP_IP_OPT_F_RAW, &d);
    if (rc != TXP_OK) {
        FZ_CHECK(d.err != TXP_IP_OPT_OK && d.offset <= 40);
        olen = 0;
    }
    rc = txp_ip_udp_sendmsg(s, &rt, payload, plen, 0, 12345678, out);
    if (rc == TXP_OK) {
        const uint8_t *f0 = txp_pkt_data(out->pkts[0]);
        size_t hl = (size_t)(f0[0] & 15u) * 4;
        size_t n;
        uint8_t first_opts[40];
        uint32_t acc;

        FZ_CHECK(hl == 20 + ((olen + 3) & ~(size_t)3));
        FZ_CHECK(mode < 2 || out->n == 1);
        memcpy(first_opts, f0 + 20, hl - 20);
        if (out->n == 1) {
            FZ_CHECK(out->pkts[0]->len <= mtu);
            memcpy(rebuilt, f0 + hl, out->pkts[0]->len - hl);
            n = out->pkts[0]->len - hl;
            FZ_CHECK(sum16(f0, hl, 0) == 0);
        } else {
            n = reassemble(out, mtu, first_opts, hl - 20, 0, false);
        }
        FZ_CHECK(n == plen + 8 && ld16(rebuilt + 4) == n);
        FZ_CHECK(memcmp(rebuilt + 8, payload, plen) == 0);
        /* pseudo-header with the header's addresses, then the datagram */
        acc = (uint32_t)ld16(f0 + 12) + ld16(f0 + 14) + ld16(f0 + 16) + ld16(f0 + 18) + 17u +
              (uint32_t)n;
        FZ_CHECK(ld16(rebuilt + 6) != 0 && sum16(rebuilt, n, acc) == 0);
        release(out);
    } else {
        FZ_CHECK(out->n == 0 && txp_pkt_pool_in_use(out->pool) == 0);
        FZ_CHECK(txp_ip_udp_pending(s) == 0);
        if (rc == TXP_EMSGSIZE)
            FZ_CHECK(plen + 8 + 20 + ((olen + 3) & ~(size_t)3) > (mode >= 2 ? mtu : 65535u));
        else
            FZ_CHECK(rc == TXP_ENOSPC);
    }
    txp_ip_sock_destroy(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct txp_ip_out out;
    uint32_t mtu;
    uint8_t flags;
    size_t olen;
    uint16_t off;

    if (size < 6)
        return 0;
    setup();
    mtu = 68u + ld16(data) % 65468u;
    flags = data[2];
    olen = data[3] % 41u;
    off = ld16(data + 4);
    data += 6;
    size -= 6;
    if (olen > size)
        olen = size;
    out.pool = mtu + TXP_PKT_HEADROOM <= SMALL_BUF ? small_pool : big_pool;
    out.pkts = pkts;
    out.cap = out.pool == small_pool ? SMALL_N : BIG_N;
    out.n = 0;
    if (flags & 32)
        udp(mtu, flags, data, olen, data + olen, size - olen, &out);
    else
        direct(mtu, flags, data, olen, off, data + olen, size - olen, &out);
    return 0;
}
