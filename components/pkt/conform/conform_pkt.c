/* SPDX-License-Identifier: MIT */
/*
 * pkt golden driver: builds every frame of a pcaps/pkt/<case>/case.json with pkt's builders
 * (txp_eth_build, txp_arp_build, txp_ipv4_build, txp_tcp_build, txp_udp_build,
 * txp_icmp_build) and pkt's checksum code, and emits it. pcaps/gen/pkt.py builds the same
 * frames with scapy into golden.pcap; `txpath conform` compares the two byte for byte. No
 * length or checksum is read from the JSON: both sides compute them.
 *
 * case.json layout (the same text heads pcaps/gen/pkt.py):
 *   {"component": "pkt", "description": "...", "link": "ether" | "raw-ipv4",
 *    "packets": [{"ts_ns": N, "pad_to": 60 (optional, ether only), "layers": [LAYER...]}]}
 * LAYER is {"type": T, fields...}, outermost first, default in brackets:
 *   eth      dst, src; ethertype [from the next layer: ipv4 0x0800, arp 0x0806]
 *   arp      op, sha, spa, tha, tpa; htype [1], ptype [0x0800] (hlen 6, plen 4)
 *   ipv4     src, dst; ttl [64], tos [0], id [0], flags [""] ("RF", "DF", "MF" joined by
 *            '+'), frag [0] (8-byte units), proto [from the next layer: tcp 6, udp 17,
 *            icmp 1], options [[]]: {"opt": "eol"|"nop"}, {"opt": "rr", "pointer" [4],
 *            "addrs": [...]}, {"opt": "ts", "pointer" [5, or 9 with an address], "overflow"
 *            [0], "flag" [0] (0, 1 or 3), "addr" (flag 1 and 3 only), "timestamp" [0]},
 *            {"opt": "ra", "value" [0]}; padded with EOL to a multiple of 4
 *   tcp      sport, dport; seq [0], ack [0], flags [""] (letters of "FSRPAUEC"), window
 *            [65535], urg_ptr [0], options [[]]: {"opt": "eol"|"nop"|"sack_perm"},
 *            {"opt": "mss", "value"}, {"opt": "wscale", "value"}, {"opt": "ts", "val",
 *            "ecr"}, {"opt": "sack", "blocks": [[left, right], ...]}; padded with EOL
 *   udp      sport, dport
 *   icmp     icmp_type [8], code [0], id [0], seq [0]
 *   payload  hex (may be ""; last layer only)
 * Order: "ether" cases start with eth, "raw-ipv4" ones with ipv4; arp and ipv4 follow eth;
 * tcp, udp and icmp follow ipv4; payload is last. Unknown keys are errors, so a typo cannot
 * silently fall back to a default.
 *
 * Frames are built innermost first into one buffer with headroom (as a stack pushes headers
 * onto an skb), so every header's length field sees the bytes that follow it. Every error
 * returns TXP_EBADMSG (or the builder's code) with d->msg naming the JSON path, e.g.
 * "packets[2].layers[1].ttl: expected an integer 0..255, got 300".
 */
#include "txpath/h_conform.h"
#include "txpath/pkt.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PK_PATH_MAX 160
#define PK_MAX_LAYERS 8
#define PK_PAYLOAD_MAX 65535u
/* Room in front of the data for the payload and every header; the pad sits behind. */
#define PK_HEADROOM (PK_PAYLOAD_MAX + 1024u)
#define PK_TAILROOM (65536u)
#define PK_BUF_SIZE (PK_HEADROOM + PK_TAILROOM)
#define PK_PAD_MAX 65535

enum pk_type { PK_ETH, PK_ARP, PK_IPV4, PK_TCP, PK_UDP, PK_ICMP, PK_PAYLOAD, PK_NONE };

static const char *const pk_type_names[] = {"eth", "arp", "ipv4", "tcp", "udp", "icmp", "payload"};

/* One parsed layer. Only the member matching type is used. */
struct pk_layer {
    enum pk_type type;
    char path[PK_PATH_MAX];
    struct txp_eth_hdr eth;
    struct txp_arp_hdr arp;
    struct txp_ipv4_hdr ip;
    struct txp_tcp_hdr tcp;
    struct txp_udp_hdr udp;
    struct txp_icmp_hdr icmp;
};

/* Per-run state: the frame buffer and the payload scratch (both malloc'd once per run). */
struct pk_run {
    uint8_t *buf;
    uint8_t *pl;
    size_t pl_len;
    struct pk_layer layers[PK_MAX_LAYERS];
};

/* Reject members of @p obj not named in @p allowed (NULL-terminated). */
static int
pk_check_keys(const json_t *obj, const char *path, const char *const *allowed, struct txp_diag *d)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)obj, key, v)
    {
        (void)v;
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            char list[256] = "";
            size_t used = 0;
            for (size_t i = 0; allowed[i] && used < sizeof list; i++) {
                int n =
                    snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
                if (n < 0)
                    break;
                used += (size_t)n;
            }
            return txp_diag_set(d, 0, 0, "%s%s%s: unknown key (allowed: %s)", path,
                                path[0] ? "." : "", key, list);
        }
    }
    return TXP_OK;
}

/* A string member: 1 = found, 0 = absent (and optional), <0 = error. */
static int
pk_string(const json_t *obj, const char *path, const char *key, int required, const char **out,
          struct txp_diag *d)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (!required)
            return 0;
        return txp_diag_set(d, 0, 0, "%s.%s: missing (expected a string)", path, key);
    }
    if (!json_is_string(v))
        return txp_diag_set(d, 0, 0, "%s.%s: expected a string, got %s", path, key,
                            txp_h_json_type_name(v));
    *out = json_string_value(v);
    return 1;
}

/* An array member: 1 = found, 0 = absent (and optional), <0 = error. */
static int
pk_array(const json_t *obj, const char *path, const char *key, int required, json_t **out,
         struct txp_diag *d)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (!required)
            return 0;
        return txp_diag_set(d, 0, 0, "%s.%s: missing (expected an array)", path, key);
    }
    if (!json_is_array(v))
        return txp_diag_set(d, 0, 0, "%s.%s: expected an array, got %s", path, key,
                            txp_h_json_type_name(v));
    *out = v;
    return 1;
}

/* Integer member in [min, max]; the narrowing casts at the call sites are then exact. */
static int
pk_int(const json_t *obj, const char *path, const char *key, int64_t max, int required, int64_t def,
       int64_t *out, struct txp_diag *d)
{
    return txp_h_json_int(obj, path, key, 0, max, required, def, out, d);
}

static int
pk_u8(const json_t *obj, const char *path, const char *key, int required, uint8_t def, uint8_t *out,
      struct txp_diag *d)
{
    int64_t v = 0;
    int rc = pk_int(obj, path, key, UINT8_MAX, required, def, &v, d);
    if (rc == TXP_OK)
        *out = (uint8_t)v;
    return rc;
}

static int
pk_u16(const json_t *obj, const char *path, const char *key, int required, uint16_t def,
       uint16_t *out, struct txp_diag *d)
{
    int64_t v = 0;
    int rc = pk_int(obj, path, key, UINT16_MAX, required, def, &v, d);
    if (rc == TXP_OK)
        *out = (uint16_t)v;
    return rc;
}

static int
pk_u32(const json_t *obj, const char *path, const char *key, int required, uint32_t def,
       uint32_t *out, struct txp_diag *d)
{
    int64_t v = 0;
    int rc = pk_int(obj, path, key, UINT32_MAX, required, def, &v, d);
    if (rc == TXP_OK)
        *out = (uint32_t)v;
    return rc;
}

/* Append @p n bytes to an option area of 40 bytes. */
static int
pk_opt_put(uint8_t *opts, uint8_t *len, const uint8_t *src, size_t n, const char *path,
           struct txp_diag *d)
{
    if ((size_t)*len + n > TXP_IPV4_OPT_MAX)
        return txp_diag_set(d, 0, 0, "%s: options exceed %u bytes (%zu needed)", path,
                            (unsigned)TXP_IPV4_OPT_MAX, (size_t)*len + n);
    memcpy(opts + *len, src, n);
    *len = (uint8_t)(*len + n);
    return TXP_OK;
}

static int
pk_ipv4_opt(const json_t *o, const char *path, struct txp_ipv4_hdr *h, struct txp_diag *d)
{
    const char *kind = NULL;
    uint8_t b[TXP_IPV4_OPT_MAX];
    size_t n = 0;
    int rc;
    if (!json_is_object(o))
        return txp_diag_set(d, 0, 0, "%s: expected an object, got %s", path,
                            txp_h_json_type_name(o));
    if ((rc = pk_string(o, path, "opt", 1, &kind, d)) < 0)
        return rc;
    if (strcmp(kind, "eol") == 0 || strcmp(kind, "nop") == 0) {
        static const char *const keys[] = {"opt", NULL};
        if ((rc = pk_check_keys(o, path, keys, d)) < 0)
            return rc;
        b[n++] = (uint8_t)(kind[0] == 'e' ? TXP_IPOPT_END : TXP_IPOPT_NOOP);
    } else if (strcmp(kind, "rr") == 0) {
        static const char *const keys[] = {"opt", "pointer", "addrs", NULL};
        json_t *addrs = NULL;
        uint8_t ptr = 0;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_u8(o, path, "pointer", 0, 4, &ptr, d)) < 0 ||
            (rc = pk_array(o, path, "addrs", 1, &addrs, d)) < 0)
            return rc;
        size_t na = json_array_size(addrs);
        if (na > 9)
            return txp_diag_set(d, 0, 0, "%s.addrs: at most 9 addresses fit, got %zu", path, na);
        b[n++] = TXP_IPOPT_RR;
        b[n++] = (uint8_t)(3 + 4 * na);
        b[n++] = ptr;
        for (size_t i = 0; i < na; i++) {
            json_t *a = json_array_get(addrs, i);
            uint32_t addr;
            if (!json_is_string(a) || txp_ipv4_addr_parse(json_string_value(a), &addr) != TXP_OK)
                return txp_diag_set(
                    d, 0, 0, "%s.addrs[%zu]: expected a dotted-quad IPv4 address string", path, i);
            txp_store_be32(b + n, addr);
            n += 4;
        }
    } else if (strcmp(kind, "ts") == 0) {
        static const char *const keys[] = {"opt",  "pointer",   "overflow", "flag",
                                           "addr", "timestamp", NULL};
        uint8_t flag = 0, ovf = 0, ptr = 0;
        uint32_t ts = 0, addr = 0;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_u8(o, path, "flag", 0, 0, &flag, d)) < 0)
            return rc;
        if (flag != TXP_IPOPT_TS_TSONLY && flag != TXP_IPOPT_TS_TSANDADDR &&
            flag != TXP_IPOPT_TS_PRESPEC)
            return txp_diag_set(d, 0, 0, "%s.flag: expected 0, 1 or 3, got %u", path,
                                (unsigned)flag);
        int with_addr = flag != TXP_IPOPT_TS_TSONLY;
        int64_t ov = 0;
        if ((rc = pk_u8(o, path, "pointer", 0, with_addr ? 9 : 5, &ptr, d)) < 0 ||
            (rc = txp_h_json_int(o, path, "overflow", 0, 15, 0, 0, &ov, d)) < 0 ||
            (rc = pk_u32(o, path, "timestamp", 0, 0, &ts, d)) < 0)
            return rc;
        ovf = (uint8_t)ov;
        if (with_addr) {
            if ((rc = txp_h_json_ipv4(o, path, "addr", 1, 0, &addr, d)) < 0)
                return rc;
        } else if (json_object_get(o, "addr")) {
            return txp_diag_set(d, 0, 0, "%s.addr: only with flag 1 or 3", path);
        }
        b[n++] = TXP_IPOPT_TS;
        b[n++] = with_addr ? 12 : 8;
        b[n++] = ptr;
        b[n++] = (uint8_t)(ovf << 4 | flag);
        if (with_addr) {
            txp_store_be32(b + n, addr);
            n += 4;
        }
        txp_store_be32(b + n, ts);
        n += 4;
    } else if (strcmp(kind, "ra") == 0) {
        static const char *const keys[] = {"opt", "value", NULL};
        uint16_t val = 0;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_u16(o, path, "value", 0, 0, &val, d)) < 0)
            return rc;
        b[n++] = TXP_IPOPT_RA;
        b[n++] = 4;
        txp_store_be16(b + n, val);
        n += 2;
    } else {
        return txp_diag_set(d, 0, 0,
                            "%s.opt: unknown IPv4 option \"%.32s\" (expected eol, nop, rr, ts "
                            "or ra)",
                            path, kind);
    }
    return pk_opt_put(h->opts, &h->opt_len, b, n, path, d);
}

static int
pk_tcp_opt(const json_t *o, const char *path, struct txp_tcp_hdr *h, struct txp_diag *d)
{
    const char *kind = NULL;
    uint8_t b[TXP_TCP_OPT_MAX];
    size_t n = 0;
    int rc;
    if (!json_is_object(o))
        return txp_diag_set(d, 0, 0, "%s: expected an object, got %s", path,
                            txp_h_json_type_name(o));
    if ((rc = pk_string(o, path, "opt", 1, &kind, d)) < 0)
        return rc;
    if (strcmp(kind, "eol") == 0 || strcmp(kind, "nop") == 0 || strcmp(kind, "sack_perm") == 0) {
        static const char *const keys[] = {"opt", NULL};
        if ((rc = pk_check_keys(o, path, keys, d)) < 0)
            return rc;
        if (kind[0] == 'e') {
            b[n++] = TXP_TCPOPT_EOL;
        } else if (kind[0] == 'n') {
            b[n++] = TXP_TCPOPT_NOP;
        } else {
            b[n++] = TXP_TCPOPT_SACK_PERM;
            b[n++] = TXP_TCPOLEN_SACK_PERM;
        }
    } else if (strcmp(kind, "mss") == 0) {
        static const char *const keys[] = {"opt", "value", NULL};
        uint16_t v = 0;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_u16(o, path, "value", 1, 0, &v, d)) < 0)
            return rc;
        b[n++] = TXP_TCPOPT_MSS;
        b[n++] = TXP_TCPOLEN_MSS;
        txp_store_be16(b + n, v);
        n += 2;
    } else if (strcmp(kind, "wscale") == 0) {
        static const char *const keys[] = {"opt", "value", NULL};
        uint8_t v = 0;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_u8(o, path, "value", 1, 0, &v, d)) < 0)
            return rc;
        b[n++] = TXP_TCPOPT_WINDOW;
        b[n++] = TXP_TCPOLEN_WINDOW;
        b[n++] = v;
    } else if (strcmp(kind, "ts") == 0) {
        static const char *const keys[] = {"opt", "val", "ecr", NULL};
        uint32_t val = 0, ecr = 0;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_u32(o, path, "val", 1, 0, &val, d)) < 0 ||
            (rc = pk_u32(o, path, "ecr", 1, 0, &ecr, d)) < 0)
            return rc;
        b[n++] = TXP_TCPOPT_TIMESTAMP;
        b[n++] = TXP_TCPOLEN_TIMESTAMP;
        txp_store_be32(b + n, val);
        txp_store_be32(b + n + 4, ecr);
        n += 8;
    } else if (strcmp(kind, "sack") == 0) {
        static const char *const keys[] = {"opt", "blocks", NULL};
        json_t *blocks = NULL;
        if ((rc = pk_check_keys(o, path, keys, d)) < 0 ||
            (rc = pk_array(o, path, "blocks", 1, &blocks, d)) < 0)
            return rc;
        size_t nb = json_array_size(blocks);
        if (nb < 1 || nb > TXP_TCP_MAX_SACK)
            return txp_diag_set(d, 0, 0, "%s.blocks: expected 1..%d [left, right] pairs, got %zu",
                                path, TXP_TCP_MAX_SACK, nb);
        b[n++] = TXP_TCPOPT_SACK;
        b[n++] = (uint8_t)(2 + 8 * nb);
        for (size_t i = 0; i < nb; i++) {
            json_t *blk = json_array_get(blocks, i);
            for (size_t j = 0; j < 2; j++) {
                json_t *e =
                    json_is_array(blk) && json_array_size(blk) == 2 ? json_array_get(blk, j) : NULL;
                json_int_t x = e && json_is_integer(e) ? json_integer_value(e) : -1;
                if (x < 0 || x > (json_int_t)UINT32_MAX)
                    return txp_diag_set(d, 0, 0,
                                        "%s.blocks[%zu]: expected [left, right], two integers "
                                        "0..4294967295",
                                        path, i);
                txp_store_be32(b + n, (uint32_t)x);
                n += 4;
            }
        }
    } else {
        return txp_diag_set(d, 0, 0,
                            "%s.opt: unknown TCP option \"%.32s\" (expected eol, nop, mss, "
                            "wscale, sack_perm, ts or sack)",
                            path, kind);
    }
    if ((size_t)h->opt_len + n > TXP_TCP_OPT_MAX)
        return txp_diag_set(d, 0, 0, "%s: options exceed %u bytes (%zu needed)", path,
                            (unsigned)TXP_TCP_OPT_MAX, (size_t)h->opt_len + n);
    memcpy(h->opts + h->opt_len, b, n);
    h->opt_len = (uint8_t)(h->opt_len + n);
    return TXP_OK;
}

/* Run @p fn over every element of the optional array member "options". */
static int
pk_options(const json_t *obj, const char *path, void *h,
           int (*fn)(const json_t *, const char *, void *, struct txp_diag *), struct txp_diag *d)
{
    json_t *arr = NULL;
    int rc = pk_array(obj, path, "options", 0, &arr, d);
    if (rc <= 0)
        return rc;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char p[PK_PATH_MAX];
        (void)snprintf(p, sizeof p, "%s.options[%zu]", path, i);
        if ((rc = fn(json_array_get(arr, i), p, h, d)) < 0)
            return rc;
    }
    return TXP_OK;
}

static int
pk_ipv4_opt_cb(const json_t *o, const char *path, void *h, struct txp_diag *d)
{
    return pk_ipv4_opt(o, path, h, d);
}

static int
pk_tcp_opt_cb(const json_t *o, const char *path, void *h, struct txp_diag *d)
{
    return pk_tcp_opt(o, path, h, d);
}

/* "DF", "MF+DF", "" -> frag_off flag bits. */
static int
pk_ip_flags(const char *s, const char *path, uint16_t *out, struct txp_diag *d)
{
    uint16_t f = 0;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, "+");
        if (n == 2 && strncmp(p, "RF", 2) == 0)
            f |= TXP_IP_RF;
        else if (n == 2 && strncmp(p, "DF", 2) == 0)
            f |= TXP_IP_DF;
        else if (n == 2 && strncmp(p, "MF", 2) == 0)
            f |= TXP_IP_MF;
        else
            return txp_diag_set(d, 0, 0,
                                "%s.flags: expected \"\" or RF, DF, MF joined by '+', got "
                                "\"%.32s\"",
                                path, s);
        p += n;
        if (*p == '+') {
            p++;
            if (!*p)
                return txp_diag_set(d, 0, 0, "%s.flags: trailing '+' in \"%.32s\"", path, s);
        }
    }
    *out = f;
    return TXP_OK;
}

/* "SA", "PA", "" -> TCP flag bits. */
static int
pk_tcp_flags(const char *s, const char *path, uint8_t *out, struct txp_diag *d)
{
    static const char letters[] = "FSRPAUEC";
    uint8_t f = 0;
    for (const char *p = s; *p; p++) {
        const char *q = strchr(letters, *p);
        if (!q)
            return txp_diag_set(d, 0, 0,
                                "%s.flags: expected letters from \"%s\", got '%c' in \"%.32s\"",
                                path, letters, *p >= 0x20 && *p < 0x7f ? *p : '?', s);
        f = (uint8_t)(f | 1u << (unsigned)(q - letters));
    }
    *out = f;
    return TXP_OK;
}

static int
pk_parse_eth(const json_t *o, struct pk_layer *L, enum pk_type next, struct txp_diag *d)
{
    static const char *const keys[] = {"type", "dst", "src", "ethertype", NULL};
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0 ||
        (rc = txp_h_json_mac(o, L->path, "dst", 1, NULL, L->eth.dst, d)) < 0 ||
        (rc = txp_h_json_mac(o, L->path, "src", 1, NULL, L->eth.src, d)) < 0)
        return rc;
    uint16_t def = next == PK_IPV4 ? TXP_ETH_P_IP : next == PK_ARP ? TXP_ETH_P_ARP : 0;
    return pk_u16(o, L->path, "ethertype", def == 0, def, &L->eth.type, d);
}

static int
pk_parse_arp(const json_t *o, struct pk_layer *L, struct txp_diag *d)
{
    static const char *const keys[] = {"type", "op",    "sha",   "spa", "tha",
                                       "tpa",  "htype", "ptype", NULL};
    struct txp_arp_hdr *a = &L->arp;
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0 ||
        (rc = pk_u16(o, L->path, "op", 1, 0, &a->oper, d)) < 0 ||
        (rc = pk_u16(o, L->path, "htype", 0, TXP_ARP_HRD_ETHER, &a->htype, d)) < 0 ||
        (rc = pk_u16(o, L->path, "ptype", 0, TXP_ETH_P_IP, &a->ptype, d)) < 0 ||
        (rc = txp_h_json_mac(o, L->path, "sha", 1, NULL, a->sha, d)) < 0 ||
        (rc = txp_h_json_ipv4(o, L->path, "spa", 1, 0, &a->spa, d)) < 0 ||
        (rc = txp_h_json_mac(o, L->path, "tha", 1, NULL, a->tha, d)) < 0 ||
        (rc = txp_h_json_ipv4(o, L->path, "tpa", 1, 0, &a->tpa, d)) < 0)
        return rc;
    a->hlen = TXP_ETH_ALEN;
    a->plen = 4;
    return TXP_OK;
}

static int
pk_parse_ipv4(const json_t *o, struct pk_layer *L, enum pk_type next, struct txp_diag *d)
{
    static const char *const keys[] = {"type",  "src",  "dst",   "ttl",     "tos", "id",
                                       "flags", "frag", "proto", "options", NULL};
    struct txp_ipv4_hdr *h = &L->ip;
    const char *flags = "";
    uint16_t fbits = 0, frag = 0;
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0 ||
        (rc = txp_h_json_ipv4(o, L->path, "src", 1, 0, &h->saddr, d)) < 0 ||
        (rc = txp_h_json_ipv4(o, L->path, "dst", 1, 0, &h->daddr, d)) < 0 ||
        (rc = pk_u8(o, L->path, "ttl", 0, 64, &h->ttl, d)) < 0 ||
        (rc = pk_u8(o, L->path, "tos", 0, 0, &h->tos, d)) < 0 ||
        (rc = pk_u16(o, L->path, "id", 0, 0, &h->id, d)) < 0 ||
        (rc = pk_string(o, L->path, "flags", 0, &flags, d)) < 0 ||
        (rc = pk_ip_flags(flags, L->path, &fbits, d)) < 0 ||
        (rc = pk_u16(o, L->path, "frag", 0, 0, &frag, d)) < 0)
        return rc;
    if (frag > TXP_IP_OFFMASK)
        return txp_diag_set(d, 0, 0, "%s.frag: expected an integer 0..%u, got %u", L->path,
                            (unsigned)TXP_IP_OFFMASK, (unsigned)frag);
    h->frag_off = (uint16_t)(fbits | frag);
    uint8_t def = next == PK_TCP    ? TXP_IPPROTO_TCP
                  : next == PK_UDP  ? TXP_IPPROTO_UDP
                  : next == PK_ICMP ? TXP_IPPROTO_ICMP
                                    : 0;
    if ((rc = pk_u8(o, L->path, "proto", def == 0, def, &h->protocol, d)) < 0)
        return rc;
    /* version, ihl, tot_len and check stay 0: txp_ipv4_build computes them. */
    return pk_options(o, L->path, h, pk_ipv4_opt_cb, d);
}

static int
pk_parse_tcp(const json_t *o, struct pk_layer *L, struct txp_diag *d)
{
    static const char *const keys[] = {"type",  "sport",  "dport",   "seq",     "ack",
                                       "flags", "window", "urg_ptr", "options", NULL};
    struct txp_tcp_hdr *t = &L->tcp;
    const char *flags = "";
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0 ||
        (rc = pk_u16(o, L->path, "sport", 1, 0, &t->sport, d)) < 0 ||
        (rc = pk_u16(o, L->path, "dport", 1, 0, &t->dport, d)) < 0 ||
        (rc = pk_u32(o, L->path, "seq", 0, 0, &t->seq, d)) < 0 ||
        (rc = pk_u32(o, L->path, "ack", 0, 0, &t->ack_seq, d)) < 0 ||
        (rc = pk_string(o, L->path, "flags", 0, &flags, d)) < 0 ||
        (rc = pk_tcp_flags(flags, L->path, &t->flags, d)) < 0 ||
        (rc = pk_u16(o, L->path, "window", 0, 65535, &t->window, d)) < 0 ||
        (rc = pk_u16(o, L->path, "urg_ptr", 0, 0, &t->urg_ptr, d)) < 0)
        return rc;
    return pk_options(o, L->path, t, pk_tcp_opt_cb, d);
}

static int
pk_parse_udp(const json_t *o, struct pk_layer *L, struct txp_diag *d)
{
    static const char *const keys[] = {"type", "sport", "dport", NULL};
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0 ||
        (rc = pk_u16(o, L->path, "sport", 1, 0, &L->udp.sport, d)) < 0)
        return rc;
    return pk_u16(o, L->path, "dport", 1, 0, &L->udp.dport, d);
}

static int
pk_parse_icmp(const json_t *o, struct pk_layer *L, struct txp_diag *d)
{
    static const char *const keys[] = {"type", "icmp_type", "code", "id", "seq", NULL};
    uint16_t id = 0, seq = 0;
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0 ||
        (rc = pk_u8(o, L->path, "icmp_type", 0, TXP_ICMP_ECHO, &L->icmp.type, d)) < 0 ||
        (rc = pk_u8(o, L->path, "code", 0, 0, &L->icmp.code, d)) < 0 ||
        (rc = pk_u16(o, L->path, "id", 0, 0, &id, d)) < 0 ||
        (rc = pk_u16(o, L->path, "seq", 0, 0, &seq, d)) < 0)
        return rc;
    L->icmp.rest = (uint32_t)id << 16 | seq;
    return TXP_OK;
}

static int
pk_parse_payload(const json_t *o, struct pk_layer *L, struct pk_run *r, struct txp_diag *d)
{
    static const char *const keys[] = {"type", "hex", NULL};
    int rc;
    if ((rc = pk_check_keys(o, L->path, keys, d)) < 0)
        return rc;
    return txp_h_json_hex(o, L->path, "hex", 1, r->pl, PK_PAYLOAD_MAX, &r->pl_len, d);
}

/* May a layer of type @p t sit at index @p i after @p prev? NULL = yes, else why not. */
static const char *
pk_order_error(enum txp_link link, size_t i, size_t n, enum pk_type prev, enum pk_type t)
{
    if (i == 0) {
        if (link == TXP_LINK_ETH && t != PK_ETH)
            return "the first layer of an \"ether\" case must be eth";
        if (link == TXP_LINK_RAW_IPV4 && t != PK_IPV4)
            return "the first layer of a \"raw-ipv4\" case must be ipv4";
        return NULL;
    }
    switch (t) {
    case PK_ETH:
        return "eth must be the first layer";
    case PK_ARP:
        return prev == PK_ETH ? NULL : "arp must follow eth";
    case PK_IPV4:
        return prev == PK_ETH ? NULL : "ipv4 must follow eth (or be first on raw-ipv4)";
    case PK_TCP:
    case PK_UDP:
    case PK_ICMP:
        return prev == PK_IPV4 ? NULL : "tcp, udp and icmp must follow ipv4";
    case PK_PAYLOAD:
        return i + 1 == n ? NULL : "payload must be the last layer";
    case PK_NONE:
    default:
        return "unknown layer";
    }
}

/* Parse packets[pi]: fills r->layers, returns the layer count via @p nl. */
static int
pk_parse_packet(const struct txp_h_case *c, const json_t *pkt, const char *ppath, struct pk_run *r,
                size_t *nl, struct txp_diag *d)
{
    json_t *layers = NULL;
    int rc = pk_array(pkt, ppath, "layers", 1, &layers, d);
    if (rc < 0)
        return rc;
    size_t n = json_array_size(layers);
    if (n == 0 || n > PK_MAX_LAYERS)
        return txp_diag_set(d, 0, 0, "%s.layers: expected 1..%d layers, got %zu", ppath,
                            PK_MAX_LAYERS, n);
    /* Pass 1: types and order, so that defaults may look at the next layer. */
    for (size_t i = 0; i < n; i++) {
        struct pk_layer *L = &r->layers[i];
        const json_t *o = json_array_get(layers, i);
        const char *type = NULL;
        memset(L, 0, sizeof *L);
        int pn = snprintf(L->path, sizeof L->path, "%s.layers[%zu]", ppath, i);
        if (pn < 0 || (size_t)pn >= sizeof L->path)
            return txp_diag_set(d, 0, 0, "%s: JSON path too long", ppath);
        if (!json_is_object(o))
            return txp_diag_set(d, 0, 0, "%s: expected an object, got %s", L->path,
                                txp_h_json_type_name(o));
        if ((rc = pk_string(o, L->path, "type", 1, &type, d)) < 0)
            return rc;
        L->type = PK_NONE;
        for (size_t k = 0; k < sizeof pk_type_names / sizeof pk_type_names[0]; k++)
            if (strcmp(type, pk_type_names[k]) == 0)
                L->type = (enum pk_type)k;
        if (L->type == PK_NONE)
            return txp_diag_set(d, 0, 0,
                                "%s.type: unknown layer \"%.32s\" (expected eth, arp, ipv4, "
                                "tcp, udp, icmp or payload)",
                                L->path, type);
        const char *why =
            pk_order_error(c->link, i, n, i ? r->layers[i - 1].type : PK_NONE, L->type);
        if (why)
            return txp_diag_set(d, 0, 0, "%s.type: \"%s\" not allowed here: %s", L->path, type,
                                why);
    }
    /* Pass 2: the fields. */
    r->pl_len = 0;
    for (size_t i = 0; i < n; i++) {
        struct pk_layer *L = &r->layers[i];
        const json_t *o = json_array_get(layers, i);
        enum pk_type next = i + 1 < n ? r->layers[i + 1].type : PK_NONE;
        switch (L->type) {
        case PK_ETH:
            rc = pk_parse_eth(o, L, next, d);
            break;
        case PK_ARP:
            rc = pk_parse_arp(o, L, d);
            break;
        case PK_IPV4:
            rc = pk_parse_ipv4(o, L, next, d);
            break;
        case PK_TCP:
            rc = pk_parse_tcp(o, L, d);
            break;
        case PK_UDP:
            rc = pk_parse_udp(o, L, d);
            break;
        case PK_ICMP:
            rc = pk_parse_icmp(o, L, d);
            break;
        case PK_PAYLOAD:
            rc = pk_parse_payload(o, L, r, d);
            break;
        case PK_NONE:
        default:
            rc = txp_diag_set(d, 0, 0, "%s: unknown layer", L->path);
            break;
        }
        if (rc < 0)
            return rc;
    }
    *nl = n;
    return TXP_OK;
}

static int
pk_build_fail(const struct pk_layer *L, const char *what, int rc, struct txp_diag *d)
{
    (void)txp_diag_set(d, 0, 0, "%s: %s failed: %s", L->path, what, txp_strerror(rc));
    return rc < 0 ? rc : TXP_EINVAL;
}

/* Push a header of @p hl bytes in front of the data. */
static uint8_t *
pk_push(struct txp_pkt *p, size_t hl, const struct pk_layer *L, struct txp_diag *d)
{
    uint8_t *h = txp_pkt_push(p, (uint32_t)hl);
    if (!h)
        (void)txp_diag_set(d, 0, 0, "%s: no headroom for %zu more bytes", L->path, hl);
    return h;
}

/* Does an L4 segment of @p l4len bytes fit one IPv4 datagram behind header @p ip? */
static int
pk_fits_ipv4(const struct pk_layer *L, const struct txp_ipv4_hdr *ip, size_t l4len,
             struct txp_diag *d)
{
    if (!ip)
        return txp_diag_set(d, 0, 0, "%s: tcp, udp and icmp must follow ipv4", L->path);
    size_t iphl = TXP_IPV4_HLEN_MIN + ((size_t)ip->opt_len + 3u) / 4u * 4u;
    if (iphl + l4len > TXP_IPV4_MAX_LEN)
        return txp_diag_set(d, 0, 0,
                            "%s: %zu bytes from here on do not fit an IPv4 datagram (%zu "
                            "with the IPv4 header, max 65535)",
                            L->path, l4len, iphl + l4len);
    return TXP_OK;
}

/* Build the layers innermost first; on success the frame is txp_pkt_data(p), p->len. */
static int
pk_build(struct pk_run *r, size_t n, struct txp_pkt *p, struct txp_diag *d)
{
    for (size_t k = n; k-- > 0;) {
        const struct pk_layer *L = &r->layers[k];
        const struct txp_ipv4_hdr *ip = k > 0 ? &r->layers[k - 1].ip : NULL;
        size_t inner = p->len;
        uint8_t *h;
        int rc;
        switch (L->type) {
        case PK_PAYLOAD:
            if (!(h = pk_push(p, r->pl_len, L, d)))
                return TXP_ENOSPC;
            if (r->pl_len)
                memcpy(h, r->pl, r->pl_len);
            break;
        case PK_UDP:
            if ((rc = pk_fits_ipv4(L, ip, inner + TXP_UDP_HLEN, d)) < 0)
                return rc;
            if (!(h = pk_push(p, TXP_UDP_HLEN, L, d)))
                return TXP_ENOSPC;
            if ((rc = txp_udp_build(h, TXP_UDP_HLEN, &L->udp, inner)) < 0)
                return pk_build_fail(L, "txp_udp_build", rc, d);
            txp_store_be16(h + 6, txp_udp_csum_ipv4(ip->saddr, ip->daddr, h, p->len));
            break;
        case PK_TCP: {
            size_t hl = TXP_TCP_HLEN_MIN + ((size_t)L->tcp.opt_len + 3u) / 4u * 4u;
            if ((rc = pk_fits_ipv4(L, ip, inner + hl, d)) < 0)
                return rc;
            if (!(h = pk_push(p, hl, L, d)))
                return TXP_ENOSPC;
            if ((rc = txp_tcp_build(h, hl, &L->tcp)) < 0)
                return pk_build_fail(L, "txp_tcp_build", rc, d);
            txp_store_be16(h + TXP_TCP_OFF_CSUM,
                           txp_ipv4_l4_csum(ip->saddr, ip->daddr, TXP_IPPROTO_TCP, h, p->len));
            break;
        }
        case PK_ICMP:
            if ((rc = pk_fits_ipv4(L, ip, inner + TXP_ICMP_HLEN, d)) < 0)
                return rc;
            if (!(h = pk_push(p, TXP_ICMP_HLEN, L, d)))
                return TXP_ENOSPC;
            if ((rc = txp_icmp_build(h, TXP_ICMP_HLEN, &L->icmp)) < 0)
                return pk_build_fail(L, "txp_icmp_build", rc, d);
            txp_store_be16(h + 2, txp_csum(h, p->len));
            break;
        case PK_IPV4: {
            size_t hl = TXP_IPV4_HLEN_MIN + ((size_t)L->ip.opt_len + 3u) / 4u * 4u;
            if (hl + inner > TXP_IPV4_MAX_LEN)
                return txp_diag_set(d, 0, 0, "%s: IPv4 total length %zu exceeds 65535", L->path,
                                    hl + inner);
            if (!(h = pk_push(p, hl, L, d)))
                return TXP_ENOSPC;
            if ((rc = txp_ipv4_build(h, hl, &L->ip, inner, 0)) < 0)
                return pk_build_fail(L, "txp_ipv4_build", rc, d);
            break;
        }
        case PK_ARP:
            if (!(h = pk_push(p, TXP_ARP_LEN, L, d)))
                return TXP_ENOSPC;
            if ((rc = txp_arp_build(h, TXP_ARP_LEN, &L->arp)) < 0)
                return pk_build_fail(L, "txp_arp_build", rc, d);
            break;
        case PK_ETH:
            if (!(h = pk_push(p, TXP_ETH_HLEN, L, d)))
                return TXP_ENOSPC;
            if ((rc = txp_eth_build(h, TXP_ETH_HLEN, &L->eth)) < 0)
                return pk_build_fail(L, "txp_eth_build", rc, d);
            break;
        case PK_NONE:
        default:
            return txp_diag_set(d, 0, 0, "%s: unknown layer", L->path);
        }
    }
    return TXP_OK;
}

static int
pk_run_packets(const struct txp_h_case *c, const json_t *pkts, struct pk_run *r,
               struct txp_h_emit *emit, struct txp_diag *d)
{
    static const char *const keys[] = {"ts_ns", "layers", "pad_to", NULL};
    for (size_t i = 0; i < json_array_size(pkts); i++) {
        const json_t *pkt = json_array_get(pkts, i);
        char path[PK_PATH_MAX];
        int64_t ts = 0, pad = 0;
        size_t n = 0;
        struct txp_pkt p;
        int rc;
        (void)snprintf(path, sizeof path, "packets[%zu]", i);
        if (!json_is_object(pkt))
            return txp_diag_set(d, 0, 0, "%s: expected an object, got %s", path,
                                txp_h_json_type_name(pkt));
        if ((rc = pk_check_keys(pkt, path, keys, d)) < 0 ||
            (rc = txp_h_json_int(pkt, path, "ts_ns", 0, INT64_MAX, 1, 0, &ts, d)) < 0 ||
            (rc = txp_h_json_int(pkt, path, "pad_to", 0, PK_PAD_MAX, 0, 0, &pad, d)) < 0)
            return rc;
        if (pad != 0 && c->link != TXP_LINK_ETH)
            return txp_diag_set(d, 0, 0, "%s.pad_to: only for link \"ether\"", path);
        if ((rc = pk_parse_packet(c, pkt, path, r, &n, d)) < 0)
            return rc;
        if ((rc = txp_pkt_init(&p, r->buf, PK_BUF_SIZE, PK_HEADROOM)) < 0)
            return pk_build_fail(&r->layers[0], "txp_pkt_init", rc, d);
        if ((rc = pk_build(r, n, &p, d)) < 0)
            return rc;
        if (p.len > TXP_IPV4_MAX_LEN + TXP_ETH_HLEN)
            return txp_diag_set(d, 0, 0, "%s: frame of %u bytes exceeds %u (IPv4 maximum + 14)",
                                path, (unsigned)p.len, TXP_IPV4_MAX_LEN + TXP_ETH_HLEN);
        if ((uint64_t)pad > p.len) {
            uint32_t extra = (uint32_t)pad - p.len;
            uint8_t *t = txp_pkt_put(&p, extra);
            if (!t)
                return txp_diag_set(d, 0, 0, "%s.pad_to: no tailroom for %u bytes", path,
                                    (unsigned)extra);
            memset(t, 0, extra);
        }
        if ((rc = emit->fn(emit, (uint64_t)ts, txp_pkt_data(&p), p.len)) != 0) {
            (void)txp_diag_set(d, 0, 0, "%s: emitting %u bytes failed: %s", path, (unsigned)p.len,
                               txp_strerror(rc));
            return rc < 0 ? rc : TXP_EIO;
        }
    }
    return TXP_OK;
}

static int
pk_conform_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    static const char *const keys[] = {"component", "description", "link", "packets", NULL};
    const json_t *root = c->json;
    json_t *pkts = NULL;
    int rc;
    if (!json_is_object(root))
        return txp_diag_set(d, 0, 0, "(root): expected an object");
    if ((rc = pk_check_keys(root, "", keys, d)) < 0)
        return rc;
    pkts = json_object_get(root, "packets");
    if (!json_is_array(pkts) || json_array_size(pkts) == 0)
        return txp_diag_set(d, 0, 0, "packets: expected a non-empty array of packets, got %s",
                            !pkts                 ? "nothing (missing)"
                            : json_is_array(pkts) ? "an empty array"
                                                  : txp_h_json_type_name(pkts));
    struct pk_run *r = calloc(1, sizeof *r);
    uint8_t *buf = malloc(PK_BUF_SIZE);
    uint8_t *pl = malloc(PK_PAYLOAD_MAX);
    if (!r || !buf || !pl) {
        free(r);
        free(buf);
        free(pl);
        (void)txp_diag_set(d, 0, 0, "out of memory");
        return TXP_ENOMEM;
    }
    r->buf = buf;
    r->pl = pl;
    rc = pk_run_packets(c, pkts, r, emit, d);
    free(buf);
    free(pl);
    free(r);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_pkt = {
    .component = "pkt",
    .run = pk_conform_run,
};
