/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: the golden comparator's field-level diff.
 *
 * Each frame is dissected with txp_dissect() and flattened into a list of named fields with
 * their values formatted as text:
 *
 *   eth.dst eth.src eth.type
 *   arp.htype arp.ptype arp.hlen arp.plen arp.oper arp.sha arp.spa arp.tha arp.tpa
 *   ipv4.version ipv4.ihl ipv4.tos ipv4.tot_len ipv4.id ipv4.frag_off ipv4.ttl ipv4.protocol
 *   ipv4.check ipv4.saddr ipv4.daddr ipv4.opt[i].{type,len,data} ipv4.opt_pad
 *   tcp.sport tcp.dport tcp.seq tcp.ack_seq tcp.doff tcp.reserved tcp.flags tcp.window
 *   tcp.check tcp.urg_ptr tcp.opt[i].{kind,len,mss,wscale,tsval,tsecr,data} tcp.opt_pad
 *   udp.sport udp.dport udp.len udp.check
 *   icmp.type icmp.code icmp.check icmp.rest
 *
 * The two lists are compared by name: a field in both with different text gives
 *   "pkt 3: ipv4.ttl golden=64 actual=63"
 * a field in only one (options) gives golden=absent / actual=absent, and a layer found in only
 * one frame gives one "layers golden=eth,ipv4,tcp actual=eth,ipv4,udp" line instead of a line
 * per field. The bytes after the headers are compared one by one as payload[i] (and trailer[i]
 * for Ethernet padding after the IPv4 datagram) with the absolute byte offset. Where a frame
 * does not dissect, a line says why and where, and the bytes from the failing layer on are
 * compared as byte[i]. Whatever the dissection, the diff never reports "identical" for frames
 * whose bytes differ: a last-resort byte[i] line guarantees it.
 *
 * Entry points: txp_h_diff_frame, txp_h_diff_files.
 */
#include "txpath/h_diff.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define H_NAME_MAX 32
#define H_VAL_MAX 96
/* eth 3 + arp 9 + ipv4 11 + 3 per option byte (40) + tcp 10 + 4 per option byte + udp/icmp. */
#define H_FIELDS_MAX 320
/* Per frame, differing payload bytes reported before summarising the rest. */
#define H_PAYLOAD_LINES_MAX 16

struct h_field {
    char name[H_NAME_MAX];
    char val[H_VAL_MAX];
    uint32_t layer; /* TXP_L_* */
};

struct h_frame {
    struct txp_dissect d;
    int rc;               /* txp_dissect() result */
    uint32_t layers;      /* layers whose fields are in the list */
    uint32_t rest_off;    /* first byte not covered by fields */
    uint32_t payload_end; /* end of payload (start of trailer) */
    int rest_is_payload;  /* 1: rest is payload/trailer; 0: raw bytes after a failure */
    struct h_field f[H_FIELDS_MAX];
    uint32_t n;
};

/* Where lines go, with a cap; lines beyond it are only counted. */
struct h_sink {
    FILE *out;
    uint32_t written;
    uint32_t suppressed;
    uint32_t max; /* 0 = no limit */
};

static void h_line(struct h_sink *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
h_line(struct h_sink *s, const char *fmt, ...)
{
    if (s->max && s->written >= s->max) {
        s->suppressed++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    if (s->out) {
        vfprintf(s->out, fmt, ap);
        fputc('\n', s->out);
    }
    va_end(ap);
    s->written++;
}

static void h_add(struct h_frame *fr, uint32_t layer, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void
h_add(struct h_frame *fr, uint32_t layer, const char *name, const char *fmt, ...)
{
    if (fr->n >= H_FIELDS_MAX)
        return;
    struct h_field *f = &fr->f[fr->n++];
    f->layer = layer;
    (void)snprintf(f->name, sizeof f->name, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(f->val, sizeof f->val, fmt, ap);
    va_end(ap);
}

static void
h_hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 <= cap; i++) {
        out[o++] = digits[p[i] >> 4];
        out[o++] = digits[p[i] & 15];
    }
    if (o + 3 > cap && n * 2 > o && cap > 3) {
        o = cap - 3;
        out[o++] = '.';
        out[o++] = '.';
    }
    out[cap ? (o < cap ? o : cap - 1) : 0] = '\0';
}

static void
h_mac(char out[18], const uint8_t m[6])
{
    (void)snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void
h_ip(char out[16], uint32_t a)
{
    (void)snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(a >> 24), (unsigned)(a >> 16 & 255),
                   (unsigned)(a >> 8 & 255), (unsigned)(a & 255));
}

static uint32_t
h_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Options as type-length-value, named <prefix>.opt[i].*. This walk is deliberately our own and
 * lenient (names only, no validation): EOL ends the list and the rest is opt_pad; a bad length
 * makes the rest one opt[i].raw field.
 */
static void
h_add_opts(struct h_frame *fr, uint32_t layer, const char *prefix, const char *kindname,
           const uint8_t *o, size_t len, int tcp)
{
    char name[H_NAME_MAX];
    char hex[H_VAL_MAX];
    size_t pos = 0;
    unsigned i = 0;
    while (pos < len) {
        uint8_t kind = o[pos];
        (void)snprintf(name, sizeof name, "%s.opt[%u].%s", prefix, i, kindname);
        h_add(fr, layer, name, "%u", (unsigned)kind);
        if (kind == 0) {
            pos++;
            if (pos < len) {
                h_hex(hex, sizeof hex, o + pos, len - pos);
                (void)snprintf(name, sizeof name, "%s.opt_pad", prefix);
                h_add(fr, layer, name, "%s", hex);
            }
            return;
        }
        if (kind == 1) {
            pos++;
            i++;
            continue;
        }
        if (pos + 1 >= len || o[pos + 1] < 2 || pos + o[pos + 1] > len) {
            h_hex(hex, sizeof hex, o + pos + 1, len - pos - 1);
            (void)snprintf(name, sizeof name, "%s.opt[%u].raw", prefix, i);
            h_add(fr, layer, name, "%s", hex);
            return;
        }
        uint8_t olen = o[pos + 1];
        const uint8_t *data = o + pos + 2;
        (void)snprintf(name, sizeof name, "%s.opt[%u].len", prefix, i);
        h_add(fr, layer, name, "%u", (unsigned)olen);
        if (tcp && kind == TXP_TCPOPT_MSS && olen == TXP_TCPOLEN_MSS) {
            (void)snprintf(name, sizeof name, "%s.opt[%u].mss", prefix, i);
            h_add(fr, layer, name, "%u", (unsigned)data[0] << 8 | data[1]);
        } else if (tcp && kind == TXP_TCPOPT_WINDOW && olen == TXP_TCPOLEN_WINDOW) {
            (void)snprintf(name, sizeof name, "%s.opt[%u].wscale", prefix, i);
            h_add(fr, layer, name, "%u", (unsigned)data[0]);
        } else if (tcp && kind == TXP_TCPOPT_TIMESTAMP && olen == TXP_TCPOLEN_TIMESTAMP) {
            (void)snprintf(name, sizeof name, "%s.opt[%u].tsval", prefix, i);
            h_add(fr, layer, name, "%" PRIu32, h_be32(data));
            (void)snprintf(name, sizeof name, "%s.opt[%u].tsecr", prefix, i);
            h_add(fr, layer, name, "%" PRIu32, h_be32(data + 4));
        } else if (olen > 2) {
            h_hex(hex, sizeof hex, data, (size_t)olen - 2);
            (void)snprintf(name, sizeof name, "%s.opt[%u].data", prefix, i);
            h_add(fr, layer, name, "%s", hex);
        }
        pos += olen;
        i++;
    }
}

static void
h_add_eth(struct h_frame *fr, const struct txp_eth_hdr *e)
{
    char m[18];
    h_mac(m, e->dst);
    h_add(fr, TXP_L_ETH, "eth.dst", "%s", m);
    h_mac(m, e->src);
    h_add(fr, TXP_L_ETH, "eth.src", "%s", m);
    h_add(fr, TXP_L_ETH, "eth.type", "0x%04x", (unsigned)e->type);
}

static void
h_add_arp(struct h_frame *fr, const struct txp_arp_hdr *a)
{
    char m[18], ip[16];
    h_add(fr, TXP_L_ARP, "arp.htype", "%u", (unsigned)a->htype);
    h_add(fr, TXP_L_ARP, "arp.ptype", "0x%04x", (unsigned)a->ptype);
    h_add(fr, TXP_L_ARP, "arp.hlen", "%u", (unsigned)a->hlen);
    h_add(fr, TXP_L_ARP, "arp.plen", "%u", (unsigned)a->plen);
    h_add(fr, TXP_L_ARP, "arp.oper", "%u", (unsigned)a->oper);
    h_mac(m, a->sha);
    h_add(fr, TXP_L_ARP, "arp.sha", "%s", m);
    h_ip(ip, a->spa);
    h_add(fr, TXP_L_ARP, "arp.spa", "%s", ip);
    h_mac(m, a->tha);
    h_add(fr, TXP_L_ARP, "arp.tha", "%s", m);
    h_ip(ip, a->tpa);
    h_add(fr, TXP_L_ARP, "arp.tpa", "%s", ip);
}

static void
h_add_ipv4(struct h_frame *fr, const struct txp_ipv4_hdr *h)
{
    char ip[16];
    h_add(fr, TXP_L_IPV4, "ipv4.version", "%u", (unsigned)h->version);
    h_add(fr, TXP_L_IPV4, "ipv4.ihl", "%u", (unsigned)h->ihl);
    h_add(fr, TXP_L_IPV4, "ipv4.tos", "0x%02x", (unsigned)h->tos);
    h_add(fr, TXP_L_IPV4, "ipv4.tot_len", "%u", (unsigned)h->tot_len);
    h_add(fr, TXP_L_IPV4, "ipv4.id", "%u", (unsigned)h->id);
    h_add(fr, TXP_L_IPV4, "ipv4.frag_off", "0x%04x", (unsigned)h->frag_off);
    h_add(fr, TXP_L_IPV4, "ipv4.ttl", "%u", (unsigned)h->ttl);
    h_add(fr, TXP_L_IPV4, "ipv4.protocol", "%u", (unsigned)h->protocol);
    h_add(fr, TXP_L_IPV4, "ipv4.check", "0x%04x", (unsigned)h->check);
    h_ip(ip, h->saddr);
    h_add(fr, TXP_L_IPV4, "ipv4.saddr", "%s", ip);
    h_ip(ip, h->daddr);
    h_add(fr, TXP_L_IPV4, "ipv4.daddr", "%s", ip);
    size_t ol = h->opt_len <= TXP_IPV4_OPT_MAX ? h->opt_len : TXP_IPV4_OPT_MAX;
    h_add_opts(fr, TXP_L_IPV4, "ipv4", "type", h->opts, ol, 0);
}

static void
h_add_tcp(struct h_frame *fr, const struct txp_tcp_hdr *t)
{
    h_add(fr, TXP_L_TCP, "tcp.sport", "%u", (unsigned)t->sport);
    h_add(fr, TXP_L_TCP, "tcp.dport", "%u", (unsigned)t->dport);
    h_add(fr, TXP_L_TCP, "tcp.seq", "%" PRIu32, t->seq);
    h_add(fr, TXP_L_TCP, "tcp.ack_seq", "%" PRIu32, t->ack_seq);
    h_add(fr, TXP_L_TCP, "tcp.doff", "%u", (unsigned)t->doff);
    h_add(fr, TXP_L_TCP, "tcp.reserved", "0x%x", (unsigned)t->reserved);
    h_add(fr, TXP_L_TCP, "tcp.flags", "0x%02x", (unsigned)t->flags);
    h_add(fr, TXP_L_TCP, "tcp.window", "%u", (unsigned)t->window);
    h_add(fr, TXP_L_TCP, "tcp.check", "0x%04x", (unsigned)t->check);
    h_add(fr, TXP_L_TCP, "tcp.urg_ptr", "%u", (unsigned)t->urg_ptr);
    size_t ol = t->opt_len <= TXP_TCP_OPT_MAX ? t->opt_len : TXP_TCP_OPT_MAX;
    h_add_opts(fr, TXP_L_TCP, "tcp", "kind", t->opts, ol, 1);
}

static void
h_add_udp(struct h_frame *fr, const struct txp_udp_hdr *u)
{
    h_add(fr, TXP_L_UDP, "udp.sport", "%u", (unsigned)u->sport);
    h_add(fr, TXP_L_UDP, "udp.dport", "%u", (unsigned)u->dport);
    h_add(fr, TXP_L_UDP, "udp.len", "%u", (unsigned)u->len);
    h_add(fr, TXP_L_UDP, "udp.check", "0x%04x", (unsigned)u->check);
}

static void
h_add_icmp(struct h_frame *fr, const struct txp_icmp_hdr *c)
{
    h_add(fr, TXP_L_ICMP, "icmp.type", "%u", (unsigned)c->type);
    h_add(fr, TXP_L_ICMP, "icmp.code", "%u", (unsigned)c->code);
    h_add(fr, TXP_L_ICMP, "icmp.check", "0x%04x", (unsigned)c->check);
    h_add(fr, TXP_L_ICMP, "icmp.rest", "0x%08" PRIx32, c->rest);
}

/* Dissect @p p and flatten it into @p fr. */
static void
h_flatten(struct h_frame *fr, enum txp_link link, const uint8_t *p, size_t len)
{
    memset(&fr->d, 0, sizeof fr->d);
    fr->n = 0;
    fr->layers = 0;
    fr->rc = txp_dissect(p, len, link, &fr->d);
    uint32_t flen = (uint32_t)len;
    uint32_t got = fr->rc == TXP_OK || fr->rc == TXP_EBADMSG ? fr->d.layers : 0;
    /* Layer start offsets, computed here rather than trusted from a failed dissection. */
    uint32_t l3 = link == TXP_LINK_ETH ? TXP_ETH_HLEN : 0;
    uint32_t l4 = (got & TXP_L_IPV4) ? l3 + (uint32_t)fr->d.ip.ihl * 4u : l3;
    if (got & TXP_L_ETH)
        h_add_eth(fr, &fr->d.eth);
    if (got & TXP_L_ARP)
        h_add_arp(fr, &fr->d.arp);
    if (got & TXP_L_IPV4)
        h_add_ipv4(fr, &fr->d.ip);
    if (got & TXP_L_TCP)
        h_add_tcp(fr, &fr->d.tcp);
    if (got & TXP_L_UDP)
        h_add_udp(fr, &fr->d.udp);
    if (got & TXP_L_ICMP)
        h_add_icmp(fr, &fr->d.icmp);
    fr->layers = got;
    if (fr->rc == TXP_OK && fr->d.payload_off <= flen) {
        fr->rest_is_payload = 1;
        fr->rest_off = fr->d.payload_off;
        uint64_t end = (uint64_t)fr->d.payload_off + fr->d.payload_len;
        fr->payload_end = end <= flen ? (uint32_t)end : flen;
        return;
    }
    fr->rest_is_payload = 0;
    fr->payload_end = flen;
    if (fr->rc != TXP_EBADMSG) {
        fr->rest_off = 0;
        return;
    }
    /* Raw bytes from the start of the layer that failed. */
    switch (fr->d.err_layer) {
    case TXP_L_ETH:
        fr->rest_off = 0;
        break;
    case TXP_L_ARP:
    case TXP_L_IPV4:
        fr->rest_off = l3;
        break;
    case TXP_L_TCP:
    case TXP_L_UDP:
    case TXP_L_ICMP:
        fr->rest_off = l4;
        break;
    default:
        fr->rest_off = 0;
        break;
    }
    if (fr->rest_off > flen)
        fr->rest_off = flen;
}

static void
h_layers_text(char *out, size_t cap, uint32_t layers)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } tab[] = {{TXP_L_ETH, "eth"}, {TXP_L_ARP, "arp"}, {TXP_L_IPV4, "ipv4"},
               {TXP_L_TCP, "tcp"}, {TXP_L_UDP, "udp"}, {TXP_L_ICMP, "icmp"}};
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (!(layers & tab[i].bit))
            continue;
        int w = snprintf(out + o, cap - o, "%s%s", o ? "," : "", tab[i].name);
        if (w < 0 || (size_t)w >= cap - o)
            return;
        o += (size_t)w;
    }
    if (!o)
        (void)snprintf(out, cap, "none");
}

static const struct h_field *
h_find(const struct h_frame *fr, const char *name)
{
    for (uint32_t i = 0; i < fr->n; i++) {
        if (strcmp(fr->f[i].name, name) == 0)
            return &fr->f[i];
    }
    return NULL;
}

/* Report why a frame did not dissect. */
static void
h_report_dissect(struct h_sink *s, uint32_t index, const char *which, const struct h_frame *fr)
{
    if (fr->rc == TXP_OK)
        return;
    if (fr->rc == TXP_EBADMSG) {
        char lay[32];
        h_layers_text(lay, sizeof lay, fr->d.err_layer);
        h_line(s, "pkt %u: %s does not dissect: %s byte %u: %s", (unsigned)index, which, lay,
               (unsigned)fr->d.err.offset, txp_parse_desc(fr->d.err.reason));
    } else {
        h_line(s, "pkt %u: %s does not dissect: %s", (unsigned)index, which, txp_strerror(fr->rc));
    }
}

/*
 * Compare bytes [go..gend) of g with [ao..aend) of a, naming them "<what>[i]" with i from the
 * region start; when @p what is NULL they are named "byte[N]" by absolute offset and no length
 * line is written (frame.len already says it).
 */
static uint32_t
h_cmp_bytes(struct h_sink *s, uint32_t index, const char *what, const uint8_t *g, uint32_t go,
            uint32_t gend, const uint8_t *a, uint32_t ao, uint32_t aend)
{
    uint32_t gl = gend > go ? gend - go : 0;
    uint32_t al = aend > ao ? aend - ao : 0;
    uint32_t before = s->written + s->suppressed;
    if (gl != al && what)
        h_line(s, "pkt %u: %s.len golden=%u actual=%u", (unsigned)index, what, (unsigned)gl,
               (unsigned)al);
    uint32_t n = gl < al ? gl : al;
    uint32_t shown = 0, more = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (g[go + i] == a[ao + i])
            continue;
        if (shown == H_PAYLOAD_LINES_MAX) {
            more++;
            continue;
        }
        shown++;
        if (!what)
            h_line(s, "pkt %u: byte[%u] golden=0x%02x actual=0x%02x", (unsigned)index,
                   (unsigned)(go + i), g[go + i], a[ao + i]);
        else if (go == ao)
            h_line(s, "pkt %u: %s[%u] golden=0x%02x actual=0x%02x (byte %u)", (unsigned)index, what,
                   (unsigned)i, g[go + i], a[ao + i], (unsigned)(go + i));
        else
            h_line(s, "pkt %u: %s[%u] golden=0x%02x actual=0x%02x (byte %u golden, %u actual)",
                   (unsigned)index, what, (unsigned)i, g[go + i], a[ao + i], (unsigned)(go + i),
                   (unsigned)(ao + i));
    }
    if (more)
        h_line(s, "pkt %u: %s: %u more differing bytes", (unsigned)index, what ? what : "bytes",
               (unsigned)more);
    return s->written + s->suppressed - before;
}

static uint32_t
h_diff_frame(struct h_sink *s, uint32_t index, enum txp_link link, const uint8_t *golden,
             size_t glen, const uint8_t *actual, size_t alen)
{
    if (glen == alen && (glen == 0 || memcmp(golden, actual, glen) == 0))
        return 0;
    uint32_t before = s->written + s->suppressed;
    /* Two frames of up to 320 fields each: too big for comfort on the stack of a test thread. */
    struct h_frame *fr = calloc(2, sizeof *fr);
    if (!fr) {
        h_line(s, "pkt %u: frames differ (out of memory for the field diff)", (unsigned)index);
        return 1;
    }
    struct h_frame *g = &fr[0], *a = &fr[1];
    h_flatten(g, link, golden, glen);
    h_flatten(a, link, actual, alen);

    if (glen != alen)
        h_line(s, "pkt %u: frame.len golden=%zu actual=%zu", (unsigned)index, glen, alen);
    h_report_dissect(s, index, "golden", g);
    h_report_dissect(s, index, "actual", a);
    if (g->layers != a->layers) {
        char gt[48], at[48];
        h_layers_text(gt, sizeof gt, g->layers);
        h_layers_text(at, sizeof at, a->layers);
        h_line(s, "pkt %u: layers golden=%s actual=%s", (unsigned)index, gt, at);
    }
    uint32_t common = g->layers & a->layers;
    for (uint32_t i = 0; i < g->n; i++) {
        const struct h_field *gf = &g->f[i];
        if (!(gf->layer & common))
            continue;
        const struct h_field *af = h_find(a, gf->name);
        if (!af)
            h_line(s, "pkt %u: %s golden=%s actual=absent", (unsigned)index, gf->name, gf->val);
        else if (strcmp(gf->val, af->val) != 0)
            h_line(s, "pkt %u: %s golden=%s actual=%s", (unsigned)index, gf->name, gf->val,
                   af->val);
    }
    for (uint32_t i = 0; i < a->n; i++) {
        const struct h_field *af = &a->f[i];
        if ((af->layer & common) && !h_find(g, af->name))
            h_line(s, "pkt %u: %s golden=absent actual=%s", (unsigned)index, af->name, af->val);
    }

    const uint8_t *gp = golden, *ap = actual;
    if (g->rest_is_payload && a->rest_is_payload) {
        h_cmp_bytes(s, index, "payload", gp, g->rest_off, g->payload_end, ap, a->rest_off,
                    a->payload_end);
        h_cmp_bytes(s, index, "trailer", gp, g->payload_end, (uint32_t)glen, ap, a->payload_end,
                    (uint32_t)alen);
    } else {
        /* One side failed: compare raw bytes from the earlier of the two failure points. */
        uint32_t from = g->rest_off < a->rest_off ? g->rest_off : a->rest_off;
        h_cmp_bytes(s, index, NULL, gp, from, (uint32_t)glen, ap, from, (uint32_t)alen);
    }
    if (s->written + s->suppressed == before) {
        /* The fields agree yet the bytes do not: name the first differing byte. */
        size_t n = glen < alen ? glen : alen;
        size_t i = 0;
        while (i < n && golden[i] == actual[i])
            i++;
        if (i < n)
            h_line(s, "pkt %u: byte[%zu] golden=0x%02x actual=0x%02x", (unsigned)index, i,
                   golden[i], actual[i]);
        else
            h_line(s, "pkt %u: frame.len golden=%zu actual=%zu", (unsigned)index, glen, alen);
    }
    free(fr);
    return s->written + s->suppressed - before;
}

uint32_t
txp_h_diff_frame(FILE *out, uint32_t index, enum txp_link link, const uint8_t *golden, size_t glen,
                 const uint8_t *actual, size_t alen)
{
    struct h_sink s = {out, 0, 0, 0};
    return h_diff_frame(&s, index, link, golden, glen, actual, alen);
}

static const char *
h_link_name(enum txp_link l)
{
    switch (l) {
    case TXP_LINK_ETH:
        return "ether";
    case TXP_LINK_RAW_IPV4:
        return "raw-ipv4";
    default:
        return "unknown";
    }
}

static void
h_ts(char *out, size_t cap, uint64_t ns)
{
    (void)snprintf(out, cap, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

int
txp_h_diff_files(FILE *out, const struct txp_h_pcap_file *golden,
                 const struct txp_h_pcap_file *actual, uint32_t max_lines,
                 struct txp_h_diff_result *res)
{
    TXP_ASSERT(golden && actual);
    struct h_sink s = {out, 0, 0, max_lines ? max_lines : 100};
    struct txp_h_diff_result r = {golden->count, actual->count, 0, 0};
    int differ = 0;
    if (golden->link != actual->link) {
        h_line(&s, "link type golden=%s(%u) actual=%s(%u)", h_link_name(golden->link),
               (unsigned)golden->link, h_link_name(actual->link), (unsigned)actual->link);
        differ = 1;
    }
    if (golden->count != actual->count) {
        h_line(&s, "record count golden=%u actual=%u", (unsigned)golden->count,
               (unsigned)actual->count);
        differ = 1;
    }
    uint32_t n = golden->count < actual->count ? golden->count : actual->count;
    for (uint32_t i = 0; i < n && golden->link == actual->link; i++) {
        const struct txp_h_pcap_rec *g = &golden->recs[i], *a = &actual->recs[i];
        int rec_differs = 0;
        if (g->ts_ns != a->ts_ns) {
            char gt[32], at[32];
            h_ts(gt, sizeof gt, g->ts_ns);
            h_ts(at, sizeof at, a->ts_ns);
            h_line(&s, "pkt %u: ts golden=%s actual=%s", (unsigned)i, gt, at);
            rec_differs = 1;
        }
        /* A length change already shows as frame.len; report origlen when it says more. */
        if (g->origlen != a->origlen && (g->origlen != g->caplen || a->origlen != a->caplen)) {
            h_line(&s, "pkt %u: origlen golden=%u actual=%u", (unsigned)i, (unsigned)g->origlen,
                   (unsigned)a->origlen);
            rec_differs = 1;
        }
        if (h_diff_frame(&s, i, golden->link, g->data, g->caplen, a->data, a->caplen))
            rec_differs = 1;
        if (rec_differs) {
            r.packets_differing++;
            differ = 1;
        }
    }
    for (uint32_t i = n; i < golden->count; i++) {
        h_line(&s, "pkt %u: missing in actual (golden has %u bytes)", (unsigned)i,
               (unsigned)golden->recs[i].caplen);
        r.packets_differing++;
    }
    for (uint32_t i = n; i < actual->count; i++) {
        h_line(&s, "pkt %u: extra in actual (%u bytes)", (unsigned)i,
               (unsigned)actual->recs[i].caplen);
        r.packets_differing++;
    }
    if (s.suppressed && out)
        fprintf(out, "... %u more differences\n", (unsigned)s.suppressed);
    r.lines = s.written + (s.suppressed ? 1u : 0u);
    if (res)
        *res = r;
    return differ;
}
