/* SPDX-License-Identifier: MIT */
/*
 * txpath ip: the output of a socket (net/ipv4/ip_output.c __ip_queue_xmit, __ip_append_data,
 * __ip_make_skb, ip_finish_output; net/ipv4/udp.c udp_sendmsg, udp_send_skb,
 * udp_push_pending_frames; include/net/ip.h ip_dont_fragment, ip_sk_ignore_df,
 * ip_select_ident_segs).
 *
 * A packet that fits the MTU is built straight into its output buffer. A UDP datagram is
 * gathered in the socket's buffer (the cork), and a packet that must be fragmented is
 * assembled there before txp_ip_fragment() cuts it:
 *
 *   buf: [ 60 bytes: IP header ends at 60 | L4 header | payload ........ up to 65535 ]
 *                              ^ buf + 60 - hlen
 *
 * Header rules:
 *   ttl   datagrams to a multicast group: IP_MULTICAST_TTL (default 1); otherwise IP_TTL if
 *         set, else the route's hop limit, else 64 (ip_select_ttl)
 *   DF    queue_xmit: ip_dont_fragment = DO, or WANT on an unlocked route MTU; datagrams
 *         (__ip_make_skb): DO or PROBE, or (fits the MTU and ip_dont_fragment)
 *   ID    connected socket: the socket counter (TCP: current value, then += segs; others:
 *         += segs, then the new value, as atomic_add_return); otherwise the shared generator
 *         (see ident.c and the 6.18 / 6.12 policy in ip.h)
 *   daddr the first hop of a source route, else the destination; the UDP pseudo-header uses
 *         the same address (udp_send_skb checksums with fl4->daddr)
 * Size rules: a datagram over MTU with DF required (DO/PROBE: ignore_df is false) fails with
 * EMSGSIZE at append time, the whole pending cork being discarded (udp_flush_pending_frames);
 * WANT/DONT allow up to 65535 - hlen bytes and fragment. A queue_xmit packet with DF that does
 * not fit is dropped with EMSGSIZE (Linux also sends ICMP frag-needed to itself: not modelled).
 */
#include <string.h>

#include "ip_int.h"

#define HDR_ROOM TXP_IPV4_HLEN_MAX
#define BUF_SIZE (HDR_ROOM + TXP_IPV4_MAX_LEN)

struct txp_ip_sock {
    struct txp_ip_sock_config cfg;
    struct txp_ip_ident *ids;
    struct txp_alloc alloc;
    bool has_alloc;
    struct txp_ip_options opt; /* IP_OPTIONS, len 0 when none */
    /* UDP cork (inet->cork): options and route are fixed by the first append. */
    bool corkflag;
    bool pending;
    size_t plen;
    struct txp_ip_options cork_opt;
    struct txp_ip_route cork_rt;
    uint8_t buf[BUF_SIZE];
};

void
txp_ip_sock_config_default(struct txp_ip_sock_config *c)
{
    memset(c, 0, sizeof(*c));
    c->protocol = TXP_IPPROTO_UDP;
    c->ttl = -1;
    c->mc_ttl = -1;
    c->pmtudisc = TXP_IP_PMTUDISC_WANT;
}

static bool
ttl_valid(int ttl)
{
    return ttl == -1 || (ttl >= 1 && ttl <= 255);
}

static bool
route_valid(const struct txp_ip_route *rt)
{
    return rt != NULL && rt->mtu >= TXP_IP_MTU_MIN && rt->mtu <= TXP_IP_MTU_MAX;
}

int
txp_ip_sock_create(const struct txp_ip_sock_config *cfg, struct txp_ip_ident *ids,
                   const struct txp_alloc *a, struct txp_ip_sock **out)
{
    struct txp_ip_sock *s;

    if (cfg == NULL || ids == NULL || out == NULL || !ttl_valid(cfg->ttl) || cfg->mc_ttl < -1 ||
        cfg->mc_ttl > 255 || (unsigned)cfg->pmtudisc > TXP_IP_PMTUDISC_PROBE)
        return TXP_EINVAL;
    s = txp_alloc_mem(a, sizeof(*s), 8);
    if (s == NULL)
        return TXP_ENOMEM;
    memset(s, 0, offsetof(struct txp_ip_sock, buf));
    s->cfg = *cfg;
    s->ids = ids;
    if (a != NULL) {
        s->alloc = *a;
        s->has_alloc = true;
    }
    s->opt.srr = s->opt.rr = s->opt.ts = TXP_IP__OPT_NONE;
    *out = s;
    return TXP_OK;
}

void
txp_ip_sock_destroy(struct txp_ip_sock *s)
{
    struct txp_alloc a;
    bool has;

    if (s == NULL)
        return;
    a = s->alloc;
    has = s->has_alloc;
    txp_free(has ? &a : NULL, s);
}

int
txp_ip_sock_set_options(struct txp_ip_sock *s, const uint8_t *raw, size_t len, unsigned flags,
                        struct txp_ip_opt_diag *d)
{
    return txp_ip_options_compile(raw, len, s->cfg.saddr, flags, &s->opt, d);
}

int
txp_ip_sock_set_ttl(struct txp_ip_sock *s, int ttl)
{
    if (!ttl_valid(ttl))
        return TXP_EINVAL;
    s->cfg.ttl = ttl;
    return TXP_OK;
}

int
txp_ip_sock_set_pmtudisc(struct txp_ip_sock *s, int mode)
{
    if (mode < TXP_IP_PMTUDISC_DONT || mode > TXP_IP_PMTUDISC_PROBE)
        return TXP_EINVAL;
    s->cfg.pmtudisc = (enum txp_ip_pmtudisc)mode;
    return TXP_OK;
}

uint16_t
txp_ip_sock_inet_id(const struct txp_ip_sock *s)
{
    return s->cfg.inet_id;
}

size_t
txp_ip_udp_pending(const struct txp_ip_sock *s)
{
    return s->pending ? s->plen : 0;
}

/* ip_dont_fragment(sk, dst). */
static bool
dont_fragment(const struct txp_ip_sock *s, const struct txp_ip_route *rt)
{
    return s->cfg.pmtudisc == TXP_IP_PMTUDISC_DO ||
           (s->cfg.pmtudisc == TXP_IP_PMTUDISC_WANT && !rt->mtu_locked);
}

static uint8_t
select_ttl(const struct txp_ip_sock *s, const struct txp_ip_route *rt, bool datagram,
           uint32_t daddr)
{
    if (datagram && txp_ip__is_multicast(daddr))
        return s->cfg.mc_ttl < 0 ? TXP_IP_MC_TTL : (uint8_t)s->cfg.mc_ttl;
    if (s->cfg.ttl > 0)
        return (uint8_t)s->cfg.ttl;
    return rt->hoplimit != 0 ? rt->hoplimit : TXP_IP_DEFAULT_TTL;
}

static uint16_t
select_id(struct txp_ip_sock *s, uint32_t daddr, bool df, bool ignore_df, uint16_t segs,
          uint64_t now_ns)
{
    if (s->cfg.connected) {
        uint16_t v = s->cfg.inet_id;

        s->cfg.inet_id = (uint16_t)(v + segs);
        return s->cfg.protocol == TXP_IPPROTO_TCP ? v : s->cfg.inet_id;
    }
    return txp_ip__ident_unconnected(s->ids, s->cfg.saddr, daddr, s->cfg.protocol, df, ignore_df,
                                     segs, now_ns);
}

static uint32_t
first_hop(const struct txp_ip_sock *s, const struct txp_ip_options *opt)
{
    return opt->srr != TXP_IP__OPT_NONE ? opt->faddr : s->cfg.daddr;
}

/*
 * Put an IP header in front of the @p l4len bytes at @p l4 and emit the packet(s). A packet
 * that fits is built straight into its output buffer; one that must be fragmented is first
 * assembled in the socket's buffer (where a UDP datagram already is) for txp_ip_fragment().
 * Checks everything that can fail before the ID is taken.
 */
static int
emit(struct txp_ip_sock *s, const struct txp_ip_options *opt, const struct txp_ip_route *rt,
     const uint8_t *l4, size_t l4len, bool datagram, uint16_t segs, uint64_t now_ns,
     struct txp_ip_out *out)
{
    struct txp_ipv4_hdr h;
    size_t hlen = TXP_IPV4_HLEN_MIN + opt->len;
    size_t tot = hlen + l4len;
    uint32_t daddr = first_hop(s, opt);
    bool ignore_df = datagram && s->cfg.pmtudisc < TXP_IP_PMTUDISC_DO;
    bool df;
    size_t n;
    uint8_t *ip = s->buf + HDR_ROOM - hlen;
    struct txp_pkt *p = NULL;
    int rc;

    if (tot > TXP_IPV4_MAX_LEN)
        return TXP_EMSGSIZE;
    if (datagram)
        df = s->cfg.pmtudisc == TXP_IP_PMTUDISC_DO || s->cfg.pmtudisc == TXP_IP_PMTUDISC_PROBE ||
             (tot <= rt->mtu && dont_fragment(s, rt));
    else
        df = dont_fragment(s, rt);
    if (tot > rt->mtu && df && !ignore_df)
        return TXP_EMSGSIZE;
    n = txp_ip_frag_count(tot, hlen, rt->mtu);
    if (out->pkts == NULL || out->pool == NULL || n > out->cap)
        return TXP_ENOSPC;
    if (txp_pkt_pool_count(out->pool) - txp_pkt_pool_in_use(out->pool) < n)
        return TXP_ENOBUFS;
    if (n == 1) {
        p = txp_pkt_alloc(out->pool);
        if (p == NULL)
            return TXP_ENOBUFS;
        if (txp_pkt_tailroom(p) < tot) {
            txp_pkt_free(p);
            return TXP_ENOSPC;
        }
        ip = txp_pkt_put(p, (uint32_t)tot);
    }

    memset(&h, 0, sizeof(h));
    h.tos = s->cfg.tos;
    h.ttl = select_ttl(s, rt, datagram, daddr);
    h.protocol = s->cfg.protocol;
    h.saddr = s->cfg.saddr;
    h.daddr = daddr;
    h.frag_off = df ? (uint16_t)TXP_IP_DF : 0;
    h.opt_len = opt->len;
    if (opt->len > 0)
        txp_ip__options_build(opt, h.opts, s->cfg.saddr, s->cfg.daddr, now_ns);
    h.id = select_id(s, daddr, df, ignore_df, segs, now_ns);
    rc = txp_ipv4_build(ip, hlen, &h, l4len, 0);
    TXP_ASSERT(rc == (int)hlen);
    if (ip + hlen != l4)
        memcpy(ip + hlen, l4, l4len);
    if (p != NULL) {
        txp_ip__pkt_meta(p, h.tos, true, hlen);
        out->pkts[0] = p;
        out->n = 1;
        return TXP_OK;
    }
    return txp_ip_fragment(ip, tot, rt->mtu, ignore_df ? TXP_IP_FRAG_IGNORE_DF : 0u, out);
}

int
txp_ip_queue_xmit(struct txp_ip_sock *s, const struct txp_ip_route *rt, const uint8_t *l4,
                  size_t l4len, uint16_t segs, uint64_t now_ns, struct txp_ip_out *out)
{
    if (out == NULL)
        return TXP_EINVAL;
    out->n = 0;
    if (s == NULL || !route_valid(rt) || segs == 0 || (l4len > 0 && l4 == NULL))
        return TXP_EINVAL;
    if (l4len > TXP_IPV4_MAX_LEN - TXP_IPV4_HLEN_MIN - s->opt.len)
        return TXP_EMSGSIZE;
    return emit(s, &s->opt, rt, l4, l4len, false, segs, now_ns, out);
}

/* udp_push_pending_frames: header, checksum, IP output; the cork is emptied either way. */
static int
udp_push(struct txp_ip_sock *s, uint64_t now_ns, struct txp_ip_out *out)
{
    struct txp_udp_hdr uh;
    uint8_t *l4 = s->buf + HDR_ROOM;
    size_t l4len = TXP_UDP_HLEN + s->plen;
    int rc;

    if (!s->pending)
        return TXP_OK;
    s->pending = false;
    uh.sport = s->cfg.sport;
    uh.dport = s->cfg.dport;
    uh.len = 0;
    uh.check = 0;
    rc = txp_udp_build(l4, TXP_UDP_HLEN, &uh, s->plen);
    if (rc < 0)
        return rc;
    if (!s->cfg.no_check)
        txp_store_be16(l4 + 6,
                       txp_udp_csum_ipv4(s->cfg.saddr, first_hop(s, &s->cork_opt), l4, l4len));
    return emit(s, &s->cork_opt, &s->cork_rt, l4, l4len, true, 1, now_ns, out);
}

int
txp_ip_udp_sendmsg(struct txp_ip_sock *s, const struct txp_ip_route *rt, const uint8_t *data,
                   size_t len, unsigned flags, uint64_t now_ns, struct txp_ip_out *out)
{
    size_t hlen, maxsize;

    if (out == NULL)
        return TXP_EINVAL;
    out->n = 0;
    if (s == NULL || s->cfg.protocol != TXP_IPPROTO_UDP || (len > 0 && data == NULL))
        return TXP_EINVAL;
    if (!s->pending && !route_valid(rt))
        return TXP_EINVAL;
    if (len > TXP_IPV4_MAX_LEN)
        return TXP_EMSGSIZE;
    if (!s->pending) {
        s->cork_opt = s->opt;
        s->cork_rt = *rt;
        s->plen = 0;
        s->pending = true;
    }
    /* __ip_append_data: maxnonfragsize is the MTU unless ignore_df, else IP_MAX_MTU. */
    hlen = TXP_IPV4_HLEN_MIN + s->cork_opt.len;
    maxsize = s->cfg.pmtudisc < TXP_IP_PMTUDISC_DO ? TXP_IPV4_MAX_LEN : s->cork_rt.mtu;
    if (TXP_UDP_HLEN + s->plen + len > maxsize - hlen) {
        s->pending = false;
        s->plen = 0;
        return TXP_EMSGSIZE;
    }
    if (len > 0)
        memcpy(s->buf + HDR_ROOM + TXP_UDP_HLEN + s->plen, data, len);
    s->plen += len;
    if (s->corkflag || (flags & TXP_IP_MSG_MORE))
        return TXP_OK;
    return udp_push(s, now_ns, out);
}

int
txp_ip_udp_set_cork(struct txp_ip_sock *s, bool on, uint64_t now_ns, struct txp_ip_out *out)
{
    if (out != NULL)
        out->n = 0;
    if (!on && s->pending && out == NULL)
        return TXP_EINVAL;
    s->corkflag = on;
    if (on)
        return TXP_OK;
    return udp_push(s, now_ns, out);
}
