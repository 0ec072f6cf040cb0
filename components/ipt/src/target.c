/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: the targets, each as its kernel module acts, and the NAT rewriting.
 *
 *   REJECT       ipt_REJECT.c: the packet is dropped (the reply it sends is the caller's
 *                business: the verdict says rejected and how)
 *   LOG          xt_LOG.c + nf_log_syslog.c: builds the kernel's log line, XT_CONTINUE
 *   MARK         xt_mark.c: mark = (mark & ~mask) ^ value
 *   CONNMARK     xt_connmark.c: set-xmark / save / restore with masks; nothing without a
 *                conntrack entry
 *   TOS, DSCP    xt_DSCP.c: the DS field rewritten, IP checksum updated incrementally
 *   TTL          xt_HL.c: set / inc (cap 255) / dec (floor 0), checksum updated
 *   NOTRACK, CT  xt_CT.c: --notrack makes the packet UNTRACKED for later tables
 *   SNAT, DNAT, MASQUERADE, REDIRECT
 *                xt_nat.c, nf_nat_masquerade.c, nf_nat_redirect.c -> nf_nat_setup_info:
 *                get_unique_tuple for a flow without clashes (see nat_choose), then the packet
 *                is rewritten as nf_nat_packet does (txp_ipt_nat_apply)
 *
 * NAT tuple choice (nf_nat_core.c get_unique_tuple), for one flow with no other flow in the
 * way (no clash, no earlier mapping of the same source):
 *   1. source NAT without random flags: the original tuple is kept when it is in the range
 *      (address in [min, max] if addresses are mapped, port in range if ports are given);
 *   2. find_best_ips_proto: one address -> it; a range -> min + reciprocal_scale(j, max-min+1)
 *      with j = jhash2(source address as 4 words, initval = destination address (0 with
 *      --persistent)), the words taken as the kernel reads __be32 on a little-endian host;
 *   3. the port (ICMP: echo id) is kept when ports are not given, or when in the given range;
 *   4. otherwise nf_nat_l4proto_unique_tuple: a port from the range (without --to ports: the
 *      1..511 / 600..1023 / 1024..65535 class of the old port, for the source side only). The
 *      kernel starts the search at a random offset (get_random_u16); the model starts at
 *      offset 0, i.e. takes the lowest port of the range (documented deviation: the kernel's
 *      choice is not reproducible).
 * nf_nat_setup_info marks the entry SRC_NAT / DST_NAT (and nf_nat_packet rewrites) only when
 * the chosen tuple differs from the current one: the binding's side is set only then.
 *
 * Entry points: txp_ipt__target (eval_int.h), txp_ipt_nat_apply, txp_ipt_addr_type_default;
 * helpers txp_ipt__tuple_of, txp_ipt__icmp_query_kind, txp_ipt__jhash2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eval_int.h"
#include "txpath/be.h"
#include "txpath/csum.h"
#include "txpath/prot/ip.h"
#include "txpath/prot/tcp.h"
#include "txpath/prot/udp.h"

/* ------------------------------------------------------------------ small helpers */

int
txp_ipt_addr_type_default(void *ctx, uint32_t addr, const char *dev)
{
    (void)ctx;
    (void)dev;
    if (addr == 0 || addr == 0xFFFFFFFFu)
        return TXP_IPT_RTN_BROADCAST;
    if ((addr & 0xF0000000u) == 0xE0000000u)
        return TXP_IPT_RTN_MULTICAST;
    if ((addr & 0xFF000000u) == 0x7F000000u)
        return TXP_IPT_RTN_LOCAL;
    return TXP_IPT_RTN_UNICAST;
}

int
txp_ipt__icmp_query_kind(uint8_t type)
{
    switch (type) {
    case 8:  /* echo */
    case 13: /* timestamp */
    case 15: /* information request */
    case 17: /* address mask request */
        return 1;
    case 0:
    case 14:
    case 16:
    case 18:
        return 2;
    default:
        return 0;
    }
}

void
txp_ipt__tuple_of(const struct txp_ipt__pkt *p, struct txp_ipt__tuple *t)
{
    const uint8_t *l4;

    memset(t, 0, sizeof *t);
    t->saddr = txp_load_be32(p->ip + TXP_IPV4_OFF_SADDR);
    t->daddr = txp_load_be32(p->ip + TXP_IPV4_OFF_DADDR);
    t->proto = p->proto;
    if (p->fragoff != 0)
        return;
    if (p->proto == TXP_IPPROTO_TCP || p->proto == TXP_IPPROTO_UDP) {
        l4 = txp_ipt__pkt_at(p, p->thoff, 4);
        if (l4 != NULL) {
            t->sport = txp_load_be16(l4);
            t->dport = txp_load_be16(l4 + 2);
            t->has_ports = 1;
        }
    } else if (p->proto == TXP_IPPROTO_ICMP) {
        l4 = txp_ipt__pkt_at(p, p->thoff, 8);
        if (l4 != NULL && txp_ipt__icmp_query_kind(l4[0]) != 0) {
            t->sport = txp_load_be16(l4 + 4);
            t->has_ports = 2;
        }
    }
}

static uint32_t
rol32(uint32_t w, unsigned s)
{
    return (w << s) | (w >> (32u - s));
}

uint32_t
txp_ipt__jhash2(const uint32_t *k, uint32_t n, uint32_t initval)
{
    uint32_t a, b, c;

    a = b = c = 0xdeadbeefu + (n << 2) + initval;
    while (n > 3) {
        a += k[0];
        b += k[1];
        c += k[2];
        /* __jhash_mix */
        a -= c;
        a ^= rol32(c, 4);
        c += b;
        b -= a;
        b ^= rol32(a, 6);
        a += c;
        c -= b;
        c ^= rol32(b, 8);
        b += a;
        a -= c;
        a ^= rol32(c, 16);
        c += b;
        b -= a;
        b ^= rol32(a, 19);
        a += c;
        c -= b;
        c ^= rol32(b, 4);
        b += a;
        n -= 3;
        k += 3;
    }
    if (n == 0)
        return c;
    if (n == 3)
        c += k[2];
    if (n >= 2)
        b += k[1];
    a += k[0];
    /* __jhash_final */
    c ^= b;
    c -= rol32(b, 14);
    a ^= c;
    a -= rol32(c, 11);
    b ^= a;
    b -= rol32(a, 25);
    c ^= b;
    c -= rol32(b, 16);
    a ^= c;
    a -= rol32(c, 4);
    b ^= a;
    b -= rol32(a, 14);
    c ^= b;
    c -= rol32(b, 24);
    return c;
}

/* A host-order address as the kernel's u32 view of the __be32 on a little-endian host. */
static uint32_t
le_word(uint32_t host_addr)
{
    return ((host_addr & 0xFFu) << 24) | ((host_addr & 0xFF00u) << 8) |
           ((host_addr >> 8) & 0xFF00u) | (host_addr >> 24);
}

/* ------------------------------------------------------------------ rewrites */

/* Replace a 16-bit word of the IP header at @p off, updating the header checksum. */
static void
ip_set16(uint8_t *ip, unsigned off, uint16_t nv)
{
    uint16_t ov = txp_load_be16(ip + off);
    uint16_t ck = txp_load_be16(ip + TXP_IPV4_OFF_CSUM);

    if (ov == nv)
        return;
    txp_store_be16(ip + off, nv);
    txp_store_be16(ip + TXP_IPV4_OFF_CSUM, txp_csum_update16(ck, ov, nv));
}

/* ipv4_change_dsfield(iph, mask, value): tos = (tos & mask) | value. */
static void
set_dsfield(uint8_t *ip, uint8_t tos)
{
    ip_set16(ip, TXP_IPV4_OFF_VIHL, (uint16_t)((ip[0] << 8) | tos));
}

/* Where the L4 checksum of @p p lives, when it covers this fragment and is present. */
static uint8_t *
l4_csum_field(const struct txp_ipt__pkt *p, bool *udp)
{
    *udp = false;
    if (p->fragoff != 0)
        return NULL;
    if (p->proto == TXP_IPPROTO_TCP) {
        /* Only a complete header has its checksum rewritten (tcp_manip_pkt). */
        if (txp_ipt__pkt_at(p, p->thoff, TXP_TCP_HLEN_MIN) == NULL)
            return NULL;
        return p->ip + p->thoff + TXP_TCP_OFF_CSUM;
    }
    if (p->proto == TXP_IPPROTO_UDP) {
        if (txp_ipt__pkt_at(p, p->thoff, TXP_UDP_HLEN) == NULL)
            return NULL;
        *udp = true;
        return p->ip + p->thoff + 6;
    }
    return NULL;
}

/* Update an L4 checksum field after a 16- or 32-bit covered value changed. UDP: a zero
 * checksum (none) stays zero, a computed zero is sent as 0xFFFF (CSUM_MANGLED_0). */
static void
l4_csum_fix(uint8_t *f, bool udp, uint32_t ov, uint32_t nv, bool wide)
{
    uint16_t ck = txp_load_be16(f);

    if (udp && ck == 0)
        return;
    ck = wide ? txp_csum_update32(ck, ov, nv) : txp_csum_update16(ck, (uint16_t)ov, (uint16_t)nv);
    if (udp && ck == 0)
        ck = 0xFFFFu;
    txp_store_be16(f, ck);
}

int
txp_ipt_nat_apply(uint8_t *ip, size_t len, const struct txp_ipt_nat_binding *b, int dst_side)
{
    struct txp_ipt__pkt p;
    unsigned aoff = dst_side ? TXP_IPV4_OFF_DADDR : TXP_IPV4_OFF_SADDR;
    uint32_t oa, na;
    uint16_t np;
    uint8_t *ck;
    bool udp;
    int err;

    if (b == NULL)
        return TXP_EINVAL;
    err = txp_ipt__pkt_init(&p, ip, len);
    if (err != TXP_OK)
        return err;
    if (dst_side ? !b->dst : !b->src)
        return TXP_OK;
    na = dst_side ? b->daddr : b->saddr;
    np = dst_side ? b->dport : b->sport;
    ck = l4_csum_field(&p, &udp);
    /* Ports first (l4proto_manip_pkt), then the address (nf_nat_ipv4_manip_pkt). */
    if (p.fragoff == 0 && (p.proto == TXP_IPPROTO_TCP || p.proto == TXP_IPPROTO_UDP) &&
        txp_ipt__pkt_at(&p, p.thoff, 4) != NULL) {
        uint8_t *pp = ip + p.thoff + (dst_side ? 2 : 0);
        uint16_t op = txp_load_be16(pp);

        if (op != np) {
            if (ck != NULL)
                l4_csum_fix(ck, udp, op, np, false);
            txp_store_be16(pp, np);
        }
    } else if (p.fragoff == 0 && p.proto == TXP_IPPROTO_ICMP) {
        const uint8_t *ic = txp_ipt__pkt_at(&p, p.thoff, 8);

        if (ic != NULL && txp_ipt__icmp_query_kind(ic[0]) != 0) {
            uint8_t *idp = ip + p.thoff + 4;
            uint16_t oid = txp_load_be16(idp);

            if (oid != np) {
                uint8_t *icf = ip + p.thoff + 2;

                txp_store_be16(icf, txp_csum_update16(txp_load_be16(icf), oid, np));
                txp_store_be16(idp, np);
            }
        }
    }
    oa = txp_load_be32(ip + aoff);
    if (oa != na) {
        if (ck != NULL)
            l4_csum_fix(ck, udp, oa, na, true);
        txp_store_be16(ip + TXP_IPV4_OFF_CSUM,
                       txp_csum_update32(txp_load_be16(ip + TXP_IPV4_OFF_CSUM), oa, na));
        txp_store_be32(ip + aoff, na);
    }
    return TXP_OK;
}

/* ------------------------------------------------------------------ NAT targets */

enum {
    NAT_MAP_IPS = 1,
    NAT_PROTO_SPECIFIED = 2,
    NAT_RANDOM = 4,
    NAT_PERSISTENT = 8,
    NAT_RANDOM_FULLY = 16,
};

static bool
port_in_range(const struct txp_ipt__tuple *t, uint16_t port, const struct txp_ipt_nat *r)
{
    if (t->has_ports == 0)
        return true; /* protocols without a per-protocol part are always "in range" */
    return port >= r->min_port && port <= r->max_port;
}

/* get_unique_tuple for one side; *addr and *port start as the current values. */
static void
nat_choose(const struct txp_ipt__tuple *t, const struct txp_ipt_nat *r, bool src, uint32_t *addr,
           uint16_t *port)
{
    bool random_all = (r->flags & (NAT_RANDOM | NAT_RANDOM_FULLY)) != 0;
    bool proto_spec = (r->flags & NAT_PROTO_SPECIFIED) != 0;
    uint32_t min, size;

    *addr = src ? t->saddr : t->daddr;
    *port = t->has_ports == 2 ? t->sport : (src ? t->sport : t->dport);
    if (src && !random_all) {
        bool in = true;

        if ((r->flags & NAT_MAP_IPS) && (t->saddr < r->min_addr || t->saddr > r->max_addr))
            in = false;
        if (in && proto_spec && !port_in_range(t, *port, r))
            in = false;
        if (in)
            return;
    }
    if (r->flags & NAT_MAP_IPS) {
        if (r->min_addr == r->max_addr) {
            *addr = r->min_addr;
        } else {
            uint32_t k[4] = {le_word(t->saddr), 0, 0, 0};
            uint32_t j =
                txp_ipt__jhash2(k, 4, (r->flags & NAT_PERSISTENT) ? 0u : le_word(t->daddr));
            uint32_t dist = r->max_addr - r->min_addr + 1u;

            *addr = r->min_addr + (uint32_t)(((uint64_t)j * dist) >> 32);
        }
    }
    if (!random_all) {
        if (!proto_spec || port_in_range(t, *port, r))
            return;
    }
    /* nf_nat_l4proto_unique_tuple, search starting at offset 0. */
    if (t->has_ports == 0)
        return;
    if (t->has_ports == 2) {
        min = proto_spec ? r->min_port : 0u;
        size = proto_spec ? (uint32_t)(r->max_port - r->min_port) + 1u : 65536u;
        (void)size;
        *port = (uint16_t)min;
        return;
    }
    if (!proto_spec) {
        if (!src)
            return;
        if (*port < 1024)
            min = *port < 512 ? 1u : 600u;
        else
            min = 1024u;
    } else {
        min = r->min_port < r->max_port ? r->min_port : r->max_port;
    }
    *port = (uint16_t)min;
}

static int
nat_target(struct txp_ipt__ctx *c, const struct txp_ipt_target *tg)
{
    struct txp_ipt_nat r = tg->u.nat;
    struct txp_ipt__tuple t;
    struct txp_ipt_nat_binding *b = &c->info->nat;
    bool src = tg->kind == TXP_IPT_T_SNAT || tg->kind == TXP_IPT_T_MASQUERADE;
    uint32_t addr;
    uint16_t port;

    txp_ipt__tuple_of(&c->pkt, &t);
    if (tg->kind == TXP_IPT_T_MASQUERADE) {
        /* A locally generated packet with source 0.0.0.0 is left alone. */
        if (t.saddr == 0)
            return TXP_IPT_V_ACCEPT;
        if (c->info->masq_addr == 0)
            return TXP_IPT_V_DROP; /* "<dev> ate my IP address" */
        r.flags |= NAT_MAP_IPS;
        r.min_addr = r.max_addr = c->info->masq_addr;
    } else if (tg->kind == TXP_IPT_T_REDIRECT) {
        uint32_t to = c->hook == TXP_IPT_OUTPUT ? 0x7F000001u : c->info->redirect_addr;

        if (to == 0)
            return TXP_IPT_V_DROP;
        r.flags |= NAT_MAP_IPS;
        r.min_addr = r.max_addr = to;
    }
    nat_choose(&t, &r, src, &addr, &port);
    if (src) {
        if (addr == t.saddr && port == t.sport)
            return TXP_IPT_V_ACCEPT;
        b->src = 1;
        b->saddr = addr;
        b->sport = port;
    } else {
        if (addr == t.daddr && port == (t.has_ports == 2 ? t.sport : t.dport))
            return TXP_IPT_V_ACCEPT;
        b->dst = 1;
        b->daddr = addr;
        b->dport = port;
    }
    (void)txp_ipt_nat_apply(c->pkt.ip, c->pkt.len, b, src ? 0 : 1);
    return TXP_IPT_V_ACCEPT;
}

/* ------------------------------------------------------------------ LOG */

struct logbuf {
    char s[1024];
    size_t n;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
lb_add(struct logbuf *b, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (b->n >= sizeof b->s - 1)
        return;
    va_start(ap, fmt);
    w = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        b->n += (size_t)w;
    if (b->n > sizeof b->s - 1)
        b->n = sizeof b->s - 1;
}

static void
lb_addr(struct logbuf *b, const char *tag, const uint8_t *a)
{
    lb_add(b, "%s=%u.%u.%u.%u ", tag, a[0], a[1], a[2], a[3]);
}

static void
lb_hex(struct logbuf *b, const uint8_t *p, uint32_t n)
{
    uint32_t i;

    lb_add(b, "OPT (");
    for (i = 0; i < n; i++)
        lb_add(b, "%02X", p[i]);
    lb_add(b, ") ");
}

/* nf_log_dump_tcp_header / nf_log_dump_udp_header; true when the dump must stop. */
static bool
log_l4(struct logbuf *b, const struct txp_ipt__pkt *p, uint8_t proto, bool frag, uint32_t off,
       uint8_t flags)
{
    const uint8_t *h;

    if (proto == TXP_IPPROTO_TCP) {
        lb_add(b, "PROTO=TCP ");
        if (frag)
            return false;
        h = txp_ipt__pkt_at(p, off, TXP_TCP_HLEN_MIN);
        if (h == NULL) {
            lb_add(b, "INCOMPLETE [%u bytes] ", p->len - off);
            return true;
        }
        lb_add(b, "SPT=%u DPT=%u ", txp_load_be16(h), txp_load_be16(h + 2));
        if (flags & 0x01)
            lb_add(b, "SEQ=%u ACK=%u ", txp_load_be32(h + 4), txp_load_be32(h + 8));
        lb_add(b, "WINDOW=%u ", txp_load_be16(h + 14));
        lb_add(b, "RES=0x%02x ", (unsigned)((h[12] & 0x0Eu) << 2));
        if (h[12] & 0x01u)
            lb_add(b, "AE ");
        if (h[13] & TXP_TCP_CWR)
            lb_add(b, "CWR ");
        if (h[13] & TXP_TCP_ECE)
            lb_add(b, "ECE ");
        if (h[13] & TXP_TCP_URG)
            lb_add(b, "URG ");
        if (h[13] & TXP_TCP_ACK)
            lb_add(b, "ACK ");
        if (h[13] & TXP_TCP_PSH)
            lb_add(b, "PSH ");
        if (h[13] & TXP_TCP_RST)
            lb_add(b, "RST ");
        if (h[13] & TXP_TCP_SYN)
            lb_add(b, "SYN ");
        if (h[13] & TXP_TCP_FIN)
            lb_add(b, "FIN ");
        lb_add(b, "URGP=%u ", txp_load_be16(h + 18));
        if ((flags & 0x02) && (h[12] >> 4) * 4u > TXP_TCP_HLEN_MIN) {
            uint32_t n = (h[12] >> 4) * 4u - TXP_TCP_HLEN_MIN;
            const uint8_t *op = txp_ipt__pkt_at(p, off + TXP_TCP_HLEN_MIN, n);

            if (op == NULL) {
                lb_add(b, "OPT (TRUNCATED)");
                return true;
            }
            lb_hex(b, op, n);
        }
        return false;
    }
    lb_add(b, proto == TXP_IPPROTO_UDP ? "PROTO=UDP " : "PROTO=UDPLITE ");
    if (frag)
        return false;
    h = txp_ipt__pkt_at(p, off, TXP_UDP_HLEN);
    if (h == NULL) {
        lb_add(b, "INCOMPLETE [%u bytes] ", p->len - off);
        return true;
    }
    lb_add(b, "SPT=%u DPT=%u LEN=%u ", txp_load_be16(h), txp_load_be16(h + 2),
           txp_load_be16(h + 4));
    return false;
}

/* ICMP lengths a message type needs before its details are printed (required_len[]). */
static uint32_t
icmp_required(uint8_t type)
{
    switch (type) {
    case 0:
    case 8:
        return 4;
    case 3:
    case 4:
    case 5:
    case 11:
    case 12:
        return 8 + 20;
    case 13:
    case 14:
        return 20;
    case 17:
    case 18:
        return 12;
    default:
        return 0;
    }
}

/* dump_ipv4_packet at @p iphoff (0: the packet; else the header inside an ICMP error). */
static void
log_ipv4(struct logbuf *b, const struct txp_ipt__ctx *c, uint32_t iphoff, uint8_t flags)
{
    const struct txp_ipt__pkt *p = &c->pkt;
    const uint8_t *ih = txp_ipt__pkt_at(p, iphoff, TXP_IPV4_HLEN_MIN);
    uint16_t fo;
    uint32_t hl, l4;
    bool frag;

    if (ih == NULL) {
        lb_add(b, "TRUNCATED");
        return;
    }
    fo = txp_load_be16(ih + TXP_IPV4_OFF_FRAG);
    hl = (ih[0] & 0x0Fu) * 4u;
    l4 = iphoff + hl;
    frag = (fo & TXP_IP_OFFMASK) != 0;
    lb_addr(b, "SRC", ih + TXP_IPV4_OFF_SADDR);
    lb_addr(b, "DST", ih + TXP_IPV4_OFF_DADDR);
    lb_add(b, "LEN=%u TOS=0x%02X PREC=0x%02X TTL=%u ID=%u ", txp_load_be16(ih + 2), ih[1] & 0x1Eu,
           ih[1] & 0xE0u, ih[TXP_IPV4_OFF_TTL], txp_load_be16(ih + 4));
    if (fo & TXP_IP_RF)
        lb_add(b, "CE ");
    if (fo & TXP_IP_DF)
        lb_add(b, "DF ");
    if (fo & TXP_IP_MF)
        lb_add(b, "MF ");
    if (frag)
        lb_add(b, "FRAG:%u ", fo & TXP_IP_OFFMASK);
    if ((flags & 0x04) && hl > TXP_IPV4_HLEN_MIN) {
        const uint8_t *op = txp_ipt__pkt_at(p, iphoff + TXP_IPV4_HLEN_MIN, hl - TXP_IPV4_HLEN_MIN);

        if (op == NULL) {
            lb_add(b, "TRUNCATED");
            return;
        }
        lb_hex(b, op, hl - TXP_IPV4_HLEN_MIN);
    }
    switch (ih[TXP_IPV4_OFF_PROTO]) {
    case TXP_IPPROTO_TCP:
    case TXP_IPPROTO_UDP:
    case 136: /* UDP-Lite */
        if (log_l4(b, p, ih[TXP_IPV4_OFF_PROTO], frag, l4, flags))
            return;
        break;
    case TXP_IPPROTO_ICMP: {
        const uint8_t *ic;

        lb_add(b, "PROTO=ICMP ");
        if (frag)
            break;
        ic = txp_ipt__pkt_at(p, l4, 8);
        if (ic == NULL) {
            lb_add(b, "INCOMPLETE [%u bytes] ", p->len - l4);
            break;
        }
        lb_add(b, "TYPE=%u CODE=%u ", ic[0], ic[1]);
        if (icmp_required(ic[0]) != 0 && p->len - l4 < icmp_required(ic[0])) {
            lb_add(b, "INCOMPLETE [%u bytes] ", p->len - l4);
            break;
        }
        switch (ic[0]) {
        case 0:
        case 8:
            lb_add(b, "ID=%u SEQ=%u ", txp_load_be16(ic + 4), txp_load_be16(ic + 6));
            break;
        case 12:
            lb_add(b, "PARAMETER=%u ", ic[4]);
            break;
        case 5:
        case 3:
        case 4:
        case 11:
            if (ic[0] == 5)
                lb_addr(b, "GATEWAY", ic + 4);
            if (iphoff == 0) {
                lb_add(b, "[");
                log_ipv4(b, c, l4 + 8, flags);
                lb_add(b, "] ");
            }
            if (ic[0] == 3 && ic[1] == 4)
                lb_add(b, "MTU=%u ", txp_load_be16(ic + 6));
            break;
        default:
            break;
        }
        break;
    }
    case 51: { /* AH */
        const uint8_t *ah;

        if (frag)
            break;
        lb_add(b, "PROTO=AH ");
        ah = txp_ipt__pkt_at(p, l4, 12);
        if (ah == NULL) {
            lb_add(b, "INCOMPLETE [%u bytes] ", p->len - l4);
            break;
        }
        lb_add(b, "SPI=0x%x ", txp_load_be32(ah + 4));
        break;
    }
    case 50: { /* ESP */
        const uint8_t *eh;

        lb_add(b, "PROTO=ESP ");
        if (frag)
            break;
        eh = txp_ipt__pkt_at(p, l4, 8);
        if (eh == NULL) {
            lb_add(b, "INCOMPLETE [%u bytes] ", p->len - l4);
            break;
        }
        lb_add(b, "SPI=0x%x ", txp_load_be32(eh));
        break;
    }
    default:
        lb_add(b, "PROTO=%u ", ih[TXP_IPV4_OFF_PROTO]);
        break;
    }
    if ((flags & 0x08) && iphoff == 0 && c->info->has_sock)
        lb_add(b, "UID=%u GID=%u ", c->info->uid, c->info->gid);
    if (iphoff == 0 && c->info->mark != 0)
        lb_add(b, "MARK=0x%x ", c->info->mark);
}

static void
log_target(struct txp_ipt__ctx *c, const struct txp_ipt_target *t)
{
    struct logbuf b;
    const char *in = c->info->in_dev != NULL ? c->info->in_dev : "";
    const char *out = c->info->out_dev != NULL ? c->info->out_dev : "";
    size_t plen = 0;

    c->v->n_logged++;
    if (c->env == NULL || c->env->log == NULL)
        return;
    while (plen < sizeof t->u.log.prefix && t->u.log.prefix[plen] != '\0')
        plen++;
    b.n = 0;
    b.s[0] = '\0';
    lb_add(&b, "%.*sIN=%s OUT=%s ", (int)plen, t->u.log.prefix, in, out);
    /* The link-layer header is not part of the model: with an input device the kernel prints
     * "MAC=" and the header bytes; here the field is left empty. */
    if (in[0] != '\0')
        lb_add(&b, "MAC= ");
    log_ipv4(&b, c, 0, t->u.log.flags);
    c->env->log(c->env->log_ctx, b.s);
}

/* ------------------------------------------------------------------ dispatch */

int
txp_ipt__target(struct txp_ipt__ctx *c, const struct txp_ipt_target *t)
{
    struct txp_ipt_pktinfo *info = c->info;
    uint8_t *ip = c->pkt.ip;

    switch (t->kind) {
    case TXP_IPT_T_REJECT:
        c->v->rejected = 1;
        c->v->reject_with = t->u.reject_with;
        return TXP_IPT_V_DROP;
    case TXP_IPT_T_LOG:
        log_target(c, t);
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_MARK:
        info->mark = (info->mark & ~t->u.mark.mask) ^ t->u.mark.value;
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_CONNMARK:
        if (!txp_ipt__has_ct(info))
            return TXP_IPT__CONTINUE;
        switch (t->u.connmark.mode) {
        case 0:
            info->ctmark = (info->ctmark & ~t->u.connmark.ctmask) ^ t->u.connmark.ctmark;
            break;
        case 1:
            info->ctmark =
                (info->ctmark & ~t->u.connmark.ctmask) ^ (info->mark & t->u.connmark.nfmask);
            break;
        case 2:
            info->mark =
                (info->mark & ~t->u.connmark.nfmask) ^ (info->ctmark & t->u.connmark.ctmask);
            break;
        default:
            break;
        }
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_TOS:
        set_dsfield(ip, (uint8_t)((ip[TXP_IPV4_OFF_TOS] & ~t->u.tos.mask) ^ t->u.tos.value));
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_DSCP:
        set_dsfield(
            ip, (uint8_t)((ip[TXP_IPV4_OFF_TOS] & 0x03u) | (uint8_t)((unsigned)t->u.dscp << 2)));
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_TTL: {
        int ttl = ip[TXP_IPV4_OFF_TTL];

        if (t->u.ttl.mode == 0)
            ttl = t->u.ttl.value;
        else if (t->u.ttl.mode == 1)
            ttl = ttl + t->u.ttl.value > 255 ? 255 : ttl + t->u.ttl.value;
        else if (t->u.ttl.mode == 2)
            ttl = ttl - t->u.ttl.value < 0 ? 0 : ttl - t->u.ttl.value;
        ip_set16(ip, TXP_IPV4_OFF_TTL, (uint16_t)((ttl << 8) | ip[TXP_IPV4_OFF_PROTO]));
        return TXP_IPT__CONTINUE;
    }
    case TXP_IPT_T_NOTRACK:
        info->ctstate = TXP_IPT_CT_UNTRACKED;
        c->v->notrack = 1;
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_CT:
        return TXP_IPT__CONTINUE;
    case TXP_IPT_T_SNAT:
    case TXP_IPT_T_DNAT:
    case TXP_IPT_T_MASQUERADE:
    case TXP_IPT_T_REDIRECT:
        return nat_target(c, t);
    case TXP_IPT_T_ACCEPT:
        return TXP_IPT_V_ACCEPT;
    case TXP_IPT_T_DROP:
        return TXP_IPT_V_DROP;
    case TXP_IPT_T_NONE:
    case TXP_IPT_T_RETURN:
    case TXP_IPT_T_JUMP:
    default:
        return TXP_IPT__CONTINUE;
    }
}
