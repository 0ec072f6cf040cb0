/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: the match modules, each as its kernel module decides.
 *
 *   tcp, udp    xt_tcpudp.c: false on a non-first fragment (TCP at offset 1 also hotdrops),
 *               hotdrop when the header cannot be read; port ranges XOR invert; TCP flags on
 *               byte 13 (CWR/ECE included); --tcp-option scans the options, kinds 0 and 1 one
 *               byte long, a zero length counted as one
 *   icmp        ip_tables.c icmp_match: false on a non-first fragment, hotdrop on a short
 *               header (8 bytes); type 0xFF = any; code range
 *   multiport   xt_multiport.c v1: false on a non-first fragment, hotdrop without 4 port bytes
 *   state       xt_state.c; conntrack xt_conntrack.c (v1+): state bits, SNAT/DNAT status,
 *               --ctdir (false without a conntrack entry)
 *   mark        xt_mark.c; connmark xt_connmark.c (false without a conntrack entry, even
 *               inverted)
 *   length      xt_length.c: IP total length
 *   limit       xt_limit.c: token bucket in credits, HZ = 1000 jiffies from env->now_ns
 *   iprange     xt_iprange.c v1; addrtype xt_addrtype.c v1; owner xt_owner.c; tos and dscp
 *               xt_dscp.c; ttl xt_hl.c; pkttype xt_pkttype.c; mac xt_mac.c; comment: true
 *
 * Entry point: txp_ipt__match (eval_int.h).
 */
#include <string.h>

#include "eval_int.h"
#include "txpath/be.h"
#include "txpath/prot/ip.h"
#include "txpath/prot/tcp.h"

/* ------------------------------------------------------------------ tcp / udp */

static bool
port_in(uint16_t lo, uint16_t hi, uint16_t port, bool invert)
{
    return (port >= lo && port <= hi) != invert;
}

/* tcp_find_option: scan the option bytes for @p kind. */
static bool
tcp_find_option(struct txp_ipt__ctx *c, uint8_t kind, uint32_t optlen, bool invert)
{
    const uint8_t *op;
    uint32_t i = 0;
    uint32_t base = c->pkt.thoff + TXP_TCP_HLEN_MIN;

    if (optlen == 0)
        return invert;
    op = txp_ipt__pkt_at(&c->pkt, base, optlen);
    if (op == NULL) {
        c->hotdrop = true;
        return false;
    }
    while (i < optlen) {
        uint8_t l;

        if (op[i] == kind)
            return !invert;
        if (op[i] < 2) {
            i++;
            continue;
        }
        /* The length byte may lie past the options (the kernel reads what follows). */
        l = base + i + 1 < c->pkt.len ? c->pkt.ip[base + i + 1] : 0;
        i += l != 0 ? l : 1u;
    }
    return invert;
}

static bool
match_tcp(struct txp_ipt__ctx *c, const struct txp_ipt_m_tcpudp *m)
{
    const uint8_t *th;

    if (c->pkt.fragoff != 0) {
        /* An offset-1 fragment could overwrite the flags of the first one. */
        if (c->pkt.fragoff == 1)
            c->hotdrop = true;
        return false;
    }
    th = txp_ipt__pkt_at(&c->pkt, c->pkt.thoff, TXP_TCP_HLEN_MIN);
    if (th == NULL) {
        c->hotdrop = true;
        return false;
    }
    if (!port_in(m->spts[0], m->spts[1], txp_load_be16(th), (m->invflags & 0x01) != 0))
        return false;
    if (!port_in(m->dpts[0], m->dpts[1], txp_load_be16(th + 2), (m->invflags & 0x02) != 0))
        return false;
    if (((th[TXP_TCP_OFF_FLAGS] & m->flg_mask) == m->flg_cmp) == ((m->invflags & 0x04) != 0))
        return false;
    if (m->option != 0) {
        uint32_t doff = (uint32_t)(th[TXP_TCP_OFF_DOFF] >> 4) * 4u;

        if (doff < TXP_TCP_HLEN_MIN) {
            c->hotdrop = true;
            return false;
        }
        if (!tcp_find_option(c, m->option, doff - TXP_TCP_HLEN_MIN, (m->invflags & 0x08) != 0))
            return false;
    }
    return true;
}

static bool
match_udp(struct txp_ipt__ctx *c, const struct txp_ipt_m_tcpudp *m)
{
    const uint8_t *uh;

    if (c->pkt.fragoff != 0)
        return false;
    uh = txp_ipt__pkt_at(&c->pkt, c->pkt.thoff, 8);
    if (uh == NULL) {
        c->hotdrop = true;
        return false;
    }
    return port_in(m->spts[0], m->spts[1], txp_load_be16(uh), (m->invflags & 0x01) != 0) &&
           port_in(m->dpts[0], m->dpts[1], txp_load_be16(uh + 2), (m->invflags & 0x02) != 0);
}

/* ------------------------------------------------------------------ icmp, multiport */

static bool
match_icmp(struct txp_ipt__ctx *c, const struct txp_ipt_m_icmp *m)
{
    const uint8_t *ic;
    bool hit;

    if (c->pkt.fragoff != 0)
        return false;
    ic = txp_ipt__pkt_at(&c->pkt, c->pkt.thoff, 8);
    if (ic == NULL) {
        c->hotdrop = true;
        return false;
    }
    hit = m->type == 0xFF || (ic[0] == m->type && ic[1] >= m->code_min && ic[1] <= m->code_max);
    return hit != (m->invert != 0);
}

static bool
match_multiport(struct txp_ipt__ctx *c, const struct txp_ipt_m_multiport *m)
{
    const uint8_t *pp;
    uint16_t src, dst;
    unsigned i;
    bool want_src = m->flags == 1 || m->flags == 3;
    bool want_dst = m->flags == 2 || m->flags == 3;

    if (c->pkt.fragoff != 0)
        return false;
    pp = txp_ipt__pkt_at(&c->pkt, c->pkt.thoff, 4);
    if (pp == NULL) {
        c->hotdrop = true;
        return false;
    }
    src = txp_load_be16(pp);
    dst = txp_load_be16(pp + 2);
    for (i = 0; i < m->count && i < 15; i++) {
        uint16_t lo = m->ports[i], hi = m->ports[i];

        if (m->pflags[i] && i + 1 < 15) {
            i++;
            hi = m->ports[i];
        }
        if ((want_src && src >= lo && src <= hi) || (want_dst && dst >= lo && dst <= hi))
            return m->invert == 0;
    }
    return m->invert != 0;
}

/* ------------------------------------------------------------------ conntrack */

static bool
match_state(const struct txp_ipt__ctx *c, const struct txp_ipt_m_ctstate *m)
{
    uint16_t bit = c->info->ctstate != 0 ? c->info->ctstate : TXP_IPT_CT_INVALID;

    /* xt_state has no inversion of its own; "! --state" is not accepted by libxt_state's
     * parser for revision 0, but the model allows it: honour it. */
    return ((m->statemask & bit) != 0) != (m->invert != 0);
}

static bool
match_conntrack(const struct txp_ipt__ctx *c, const struct txp_ipt_m_ctstate *m)
{
    const struct txp_ipt_pktinfo *info = c->info;
    bool ct = txp_ipt__has_ct(info);
    uint16_t bit = info->ctstate != 0 ? info->ctstate : TXP_IPT_CT_INVALID;

    if (m->statemask != 0) {
        if (ct) {
            /* IPS_SRC_NAT / IPS_DST_NAT of the entry. For a REPLY packet the minimal conntrack
             * hands the inverted binding, so the sides swap. */
            bool snat = info->ctdir == 0 ? info->nat.src != 0 : info->nat.dst != 0;
            bool dnat = info->ctdir == 0 ? info->nat.dst != 0 : info->nat.src != 0;

            if (snat)
                bit |= TXP_IPT_CT_SNAT;
            if (dnat)
                bit |= TXP_IPT_CT_DNAT;
        }
        if (((m->statemask & bit) != 0) == (m->invert != 0))
            return false;
    }
    if (!ct)
        return m->statemask != 0;
    if (m->dir == 1 && info->ctdir != 0)
        return false;
    if (m->dir == 2 && info->ctdir == 0)
        return false;
    return true;
}

/* ------------------------------------------------------------------ limit */

/* xt_limit's constants for HZ = 1000: CREDITS_PER_JIFFY is the power of two below
 * 0xFFFFFFFF / (HZ * 86400) = 49, i.e. 32; XT_LIMIT_SCALE = 10000. */
#define LIMIT_HZ 1000u
#define LIMIT_CPJ 32u
#define LIMIT_SCALE 10000u

static uint32_t
user2credits(uint32_t user)
{
    if (user > 0xFFFFFFFFu / (LIMIT_HZ * LIMIT_CPJ))
        return (user / LIMIT_SCALE) * LIMIT_HZ * LIMIT_CPJ;
    return (user * LIMIT_HZ * LIMIT_CPJ) / LIMIT_SCALE;
}

static bool
match_limit(const struct txp_ipt__ctx *c, struct txp_ipt_m_limit *m)
{
    uint64_t now = c->env != NULL ? c->env->now_ns / 1000000u : 0;

    if (!m->primed) {
        /* limit_mt_check: credits full at load time (here: first use). */
        m->prev_jiffies = now;
        m->credit = user2credits(m->avg * m->burst);
        if (m->cost == 0) {
            m->credit_cap = m->credit;
            m->cost = user2credits(m->avg);
        }
        m->primed = 1;
    }
    /* credit is a u32 in the kernel: the increase wraps after ~37 idle hours. */
    m->credit += (uint32_t)((now - m->prev_jiffies) * LIMIT_CPJ);
    m->prev_jiffies = now;
    if (m->credit > m->credit_cap)
        m->credit = m->credit_cap;
    if (m->credit >= m->cost) {
        m->credit -= m->cost;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ addresses, owner */

static int
addr_type(const struct txp_ipt__ctx *c, uint32_t addr, const char *dev)
{
    if (c->info->addr_type != NULL)
        return c->info->addr_type(c->info->addr_ctx, addr, dev);
    return txp_ipt_addr_type_default(NULL, addr, dev);
}

static bool
type_in(int type, uint16_t mask)
{
    return type >= 0 && type < 16 && (mask & (1u << type)) != 0;
}

static bool
match_addrtype(const struct txp_ipt__ctx *c, const struct txp_ipt_m_addrtype *m)
{
    const char *dev = NULL;
    bool ret = true;

    if (m->flags & 4)
        dev = c->info->in_dev;
    else if (m->flags & 8)
        dev = c->info->out_dev;
    if (dev != NULL && dev[0] == '\0')
        dev = NULL;
    if (m->source != 0)
        ret = type_in(addr_type(c, txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_SADDR), dev),
                      m->source) != ((m->flags & 1) != 0);
    if (ret && m->dest != 0)
        ret = type_in(addr_type(c, txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_DADDR), dev), m->dest) !=
              ((m->flags & 2) != 0);
    return ret;
}

static bool
match_iprange(const struct txp_ipt__ctx *c, const struct txp_ipt_m_iprange *m)
{
    uint32_t s = txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_SADDR);
    uint32_t d = txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_DADDR);

    if ((m->flags & 0x01) && ((s < m->src_min || s > m->src_max) != ((m->flags & 0x10) != 0)))
        return false;
    if ((m->flags & 0x02) && ((d < m->dst_min || d > m->dst_max) != ((m->flags & 0x20) != 0)))
        return false;
    return true;
}

static bool
match_owner(const struct txp_ipt__ctx *c, const struct txp_ipt_m_owner *m)
{
    const struct txp_ipt_pktinfo *info = c->info;

    /* Without a (full) socket every asked-for condition is false: only a fully inverted
     * match holds. */
    if (!info->has_sock)
        return (m->match ^ m->invert) == 0;
    if (m->match & m->invert & 4)
        return false;
    if ((m->match & 1) &&
        ((info->uid >= m->uid_min && info->uid <= m->uid_max) == ((m->invert & 1) != 0)))
        return false;
    if ((m->match & 2) &&
        ((info->gid >= m->gid_min && info->gid <= m->gid_max) == ((m->invert & 2) != 0)))
        return false;
    return true;
}

/* ------------------------------------------------------------------ dispatch */

bool
txp_ipt__match(struct txp_ipt__ctx *c, struct txp_ipt_match *m)
{
    const uint8_t *ip = c->pkt.ip;

    switch (m->kind) {
    case TXP_IPT_M_TCP:
        return match_tcp(c, &m->u.tcpudp);
    case TXP_IPT_M_UDP:
        return match_udp(c, &m->u.tcpudp);
    case TXP_IPT_M_ICMP:
        return match_icmp(c, &m->u.icmp);
    case TXP_IPT_M_MULTIPORT:
        return match_multiport(c, &m->u.multiport);
    case TXP_IPT_M_STATE:
        return match_state(c, &m->u.ct);
    case TXP_IPT_M_CONNTRACK:
        return match_conntrack(c, &m->u.ct);
    case TXP_IPT_M_MARK:
        return ((c->info->mark & m->u.mark.mask) == m->u.mark.mark) != (m->u.mark.invert != 0);
    case TXP_IPT_M_CONNMARK:
        if (!txp_ipt__has_ct(c->info))
            return false;
        return ((c->info->ctmark & m->u.mark.mask) == m->u.mark.mark) != (m->u.mark.invert != 0);
    case TXP_IPT_M_LENGTH:
        return (c->pkt.tot_len >= m->u.length.min && c->pkt.tot_len <= m->u.length.max) !=
               (m->u.length.invert != 0);
    case TXP_IPT_M_LIMIT:
        return match_limit(c, &m->u.limit);
    case TXP_IPT_M_COMMENT:
        return true;
    case TXP_IPT_M_IPRANGE:
        return match_iprange(c, &m->u.iprange);
    case TXP_IPT_M_ADDRTYPE:
        return match_addrtype(c, &m->u.addrtype);
    case TXP_IPT_M_OWNER:
        return match_owner(c, &m->u.owner);
    case TXP_IPT_M_TOS:
        return ((ip[TXP_IPV4_OFF_TOS] & m->u.tos.mask) == m->u.tos.value) != (m->u.tos.invert != 0);
    case TXP_IPT_M_DSCP:
        return ((ip[TXP_IPV4_OFF_TOS] >> 2) == m->u.dscp.dscp) != (m->u.dscp.invert != 0);
    case TXP_IPT_M_TTL:
        switch (m->u.ttl.mode) {
        case 0:
            return ip[TXP_IPV4_OFF_TTL] == m->u.ttl.value;
        case 1:
            return ip[TXP_IPV4_OFF_TTL] != m->u.ttl.value;
        case 2:
            return ip[TXP_IPV4_OFF_TTL] < m->u.ttl.value;
        case 3:
            return ip[TXP_IPV4_OFF_TTL] > m->u.ttl.value;
        default:
            return false;
        }
    case TXP_IPT_M_PKTTYPE: {
        uint8_t type = c->info->pkttype;

        /* PACKET_LOOPBACK (5) reads as multicast or broadcast by the destination. */
        if (type == 5)
            type = (ip[TXP_IPV4_OFF_DADDR] & 0xF0u) == 0xE0u ? 2 : 1;
        return (type == m->u.pkttype.pkttype) != (m->u.pkttype.invert != 0);
    }
    case TXP_IPT_M_MAC:
        /* No link-layer header (locally generated, or not Ethernet): false, even inverted. */
        if (!c->info->has_mac)
            return false;
        return (memcmp(c->info->src_mac, m->u.mac.addr, 6) == 0) != (m->u.mac.invert != 0);
    default:
        return false;
    }
}
