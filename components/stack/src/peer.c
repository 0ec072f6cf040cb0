/* SPDX-License-Identifier: MIT */
/*
 * txpath stack: the peer model, the far end of the link in offline runs.
 *
 * It sees every frame the host's devices send (txp_stack_link.tx) and answers after a fixed
 * delay through txp_stack_link.rx, in time order:
 *   - ARP requests for one of its addresses: an ARP reply from its MAC (RFC 826);
 *   - TCP: SYN -> SYN-ACK (MSS, SACK-permitted + timestamps, window scale, in Linux's option
 *     layout); in-order data advances rcv_nxt and is acknowledged cumulatively with the
 *     configured window (scaled when both sides offered window scaling); out-of-order data
 *     gets a duplicate ACK; FIN is acknowledged; RST forgets the connection;
 *   - UDP: fragments are reassembled (offsets, MF, overlaps refused), checksums checked.
 * Every IPv4 header and TCP/UDP checksum is verified; failures are counted (bad_csum), which
 * is how the tests see that the pipeline never puts a broken frame on the wire.
 *
 * Entry points: txp_stack_peer_create/destroy, txp_stack_peer_link, txp_stack_peer_chain,
 * txp_stack_peer_stats.
 */
#include <string.h>

#include "stack_internal.h"

#define PEER_CONNS 8
#define PEER_FRAGS 4
#define PEER_ANSWER_MAX 128

struct peer_answer {
    struct peer_answer *next;
    uint64_t t;
    uint32_t ifindex;
    uint32_t len;
    uint8_t data[PEER_ANSWER_MAX];
};

struct peer_conn {
    bool used;
    uint32_t laddr, raddr; /* peer side, host side */
    uint16_t lport, rport;
    uint8_t rmac[6];
    uint32_t rcv_nxt, snd_nxt;
    bool ts_ok, ws_ok;
    uint32_t ts_recent;
};

struct peer_frag {
    bool used;
    uint16_t id;
    uint8_t proto;
    uint32_t saddr, daddr;
    uint32_t total; /* payload length once the last fragment arrived, else 0 */
    uint32_t got;   /* payload bytes received */
    uint8_t data[65536];
    uint8_t have[65536 / 8]; /* one bit per 8-byte block */
};

struct txp_stack_peer {
    struct txp_stack_peer_config cfg;
    struct txp_stack_link link;
    struct txp_stack_link *next;
    struct peer_answer *head, *tail;
    struct peer_conn conn[PEER_CONNS];
    struct peer_frag *frag[PEER_FRAGS];
    uint32_t frag_rr;
    uint64_t data_arrivals;
    struct txp_stack_peer_stats st;
};

static bool
peer_owns(const struct txp_stack_peer *p, uint32_t a)
{
    for (uint32_t i = 0; i < p->cfg.naddrs; i++)
        if (p->cfg.addrs[i] == a)
            return true;
    return false;
}

static void
peer_queue(struct txp_stack_peer *p, uint64_t t, uint32_t ifindex, const uint8_t *d, uint32_t len)
{
    struct peer_answer *a = txp_alloc_mem(p->cfg.alloc, sizeof *a, 8);
    if (a == NULL || len > PEER_ANSWER_MAX) {
        txp_free(p->cfg.alloc, a);
        return;
    }
    a->t = t;
    a->ifindex = ifindex;
    a->len = len;
    memcpy(a->data, d, len);
    /* Answers are made in frame order and device times only grow, so this is an append;
     * the walk handles the rest. */
    if (p->tail && p->tail->t <= t) {
        a->next = NULL;
        p->tail->next = a;
        p->tail = a;
        return;
    }
    struct peer_answer **pp = &p->head;
    while (*pp && (*pp)->t <= t)
        pp = &(*pp)->next;
    a->next = *pp;
    *pp = a;
    if (a->next == NULL)
        p->tail = a;
}

static void
peer_arp(struct txp_stack_peer *p, uint32_t ifindex, uint64_t ts, const uint8_t *f, size_t len)
{
    struct txp_arp_hdr ah;
    struct txp_parse_err pe;
    if (txp_arp_parse(f + TXP_ETH_HLEN, len - TXP_ETH_HLEN, &ah, &pe) < 0) {
        p->st.bad_frames++;
        return;
    }
    if (ah.oper != TXP_ARP_OP_REQUEST)
        return;
    p->st.arp_requests++;
    if (!peer_owns(p, ah.tpa))
        return;
    uint8_t out[TXP_ETH_ZLEN];
    memset(out, 0, sizeof out);
    struct txp_eth_hdr eh;
    memcpy(eh.dst, ah.sha, 6);
    memcpy(eh.src, p->cfg.mac, 6);
    eh.type = TXP_ETH_P_ARP;
    txp_eth_build(out, sizeof out, &eh);
    struct txp_arp_hdr r = ah;
    r.oper = TXP_ARP_OP_REPLY;
    memcpy(r.sha, p->cfg.mac, 6);
    r.spa = ah.tpa;
    memcpy(r.tha, ah.sha, 6);
    r.tpa = ah.spa;
    txp_arp_build(out + TXP_ETH_HLEN, sizeof out - TXP_ETH_HLEN, &r);
    p->st.arp_replies++;
    peer_queue(p, ts + p->cfg.delay_ns, ifindex, out, sizeof out);
}

static struct peer_conn *
peer_conn_find(struct txp_stack_peer *p, uint32_t laddr, uint32_t raddr, uint16_t lport,
               uint16_t rport, bool create)
{
    struct peer_conn *free_c = NULL;
    for (int i = 0; i < PEER_CONNS; i++) {
        struct peer_conn *c = &p->conn[i];
        if (c->used && c->laddr == laddr && c->raddr == raddr && c->lport == lport &&
            c->rport == rport)
            return c;
        if (!c->used && free_c == NULL)
            free_c = c;
    }
    if (!create)
        return NULL;
    if (free_c == NULL)
        free_c = &p->conn[(lport ^ rport) % PEER_CONNS];
    memset(free_c, 0, sizeof *free_c);
    free_c->used = true;
    free_c->laddr = laddr;
    free_c->raddr = raddr;
    free_c->lport = lport;
    free_c->rport = rport;
    return free_c;
}

/* Send a segment of the connection (no payload): SYN-ACK or ACK. */
static void
peer_tcp_send(struct txp_stack_peer *p, struct peer_conn *c, uint32_t ifindex, uint64_t ts,
              uint8_t flags)
{
    uint8_t out[PEER_ANSWER_MAX];
    memset(out, 0, sizeof out);
    uint8_t opts[40];
    size_t ol = 0;
    uint64_t t = ts + p->cfg.delay_ns;
    uint32_t tsval = (uint32_t)(t / 1000000u) + 0x1000u;
    if (flags & TXP_TCP_SYN) {
        opts[ol++] = TXP_TCPOPT_MSS;
        opts[ol++] = TXP_TCPOLEN_MSS;
        opts[ol++] = (uint8_t)(p->cfg.mss >> 8);
        opts[ol++] = (uint8_t)p->cfg.mss;
        if (c->ts_ok) {
            opts[ol++] = TXP_TCPOPT_SACK_PERM;
            opts[ol++] = TXP_TCPOLEN_SACK_PERM;
        } else {
            opts[ol++] = TXP_TCPOPT_NOP;
            opts[ol++] = TXP_TCPOPT_NOP;
        }
    } else if (c->ts_ok) {
        opts[ol++] = TXP_TCPOPT_NOP;
        opts[ol++] = TXP_TCPOPT_NOP;
    }
    if (c->ts_ok) {
        opts[ol++] = TXP_TCPOPT_TIMESTAMP;
        opts[ol++] = TXP_TCPOLEN_TIMESTAMP;
        txp_store_be32(opts + ol, tsval);
        txp_store_be32(opts + ol + 4, c->ts_recent);
        ol += 8;
    } else if (flags & TXP_TCP_SYN) {
        opts[ol++] = TXP_TCPOPT_SACK_PERM;
        opts[ol++] = TXP_TCPOLEN_SACK_PERM;
    }
    if ((flags & TXP_TCP_SYN) && c->ws_ok) {
        opts[ol++] = TXP_TCPOPT_NOP;
        opts[ol++] = TXP_TCPOPT_WINDOW;
        opts[ol++] = TXP_TCPOLEN_WINDOW;
        opts[ol++] = p->cfg.wscale;
    }
    uint32_t win = p->cfg.window;
    if (!(flags & TXP_TCP_SYN) && c->ws_ok)
        win >>= p->cfg.wscale;
    if (win > 65535u)
        win = 65535u;

    struct txp_eth_hdr eh;
    memcpy(eh.dst, c->rmac, 6);
    memcpy(eh.src, p->cfg.mac, 6);
    eh.type = TXP_ETH_P_IP;
    txp_eth_build(out, sizeof out, &eh);
    uint8_t *l4 = out + TXP_ETH_HLEN + 20;
    struct txp_tcp_hdr th;
    memset(&th, 0, sizeof th);
    th.sport = c->lport;
    th.dport = c->rport;
    th.seq = c->snd_nxt;
    th.ack_seq = c->rcv_nxt;
    th.flags = flags;
    th.window = (uint16_t)win;
    th.opt_len = (uint8_t)ol;
    memcpy(th.opts, opts, ol);
    int tl = txp_tcp_build(l4, sizeof out - TXP_ETH_HLEN - 20, &th);
    if (tl < 0)
        return;
    uint16_t ck = txp_ipv4_l4_csum(c->laddr, c->raddr, TXP_IPPROTO_TCP, l4, (size_t)tl);
    txp_store_be16(l4 + TXP_TCP_OFF_CSUM, ck);
    struct txp_ipv4_hdr ih;
    memset(&ih, 0, sizeof ih);
    ih.ttl = 64;
    ih.protocol = TXP_IPPROTO_TCP;
    ih.frag_off = TXP_IP_DF;
    ih.saddr = c->laddr;
    ih.daddr = c->raddr;
    if (txp_ipv4_build(out + TXP_ETH_HLEN, 20, &ih, (size_t)tl, 0) < 0)
        return;
    uint32_t flen = TXP_ETH_HLEN + 20u + (uint32_t)tl;
    if (flen < TXP_ETH_ZLEN)
        flen = TXP_ETH_ZLEN;
    if (flags & TXP_TCP_SYN)
        c->snd_nxt++;
    peer_queue(p, t, ifindex, out, flen);
}

static void
peer_tcp(struct txp_stack_peer *p, uint32_t ifindex, uint64_t ts, const uint8_t *smac,
         const struct txp_ipv4_hdr *ih, const uint8_t *l4, size_t l4len)
{
    struct txp_tcp_hdr th;
    struct txp_parse_err pe;
    if (txp_tcp_parse(l4, l4len, &th, &pe) < 0) {
        p->st.bad_frames++;
        return;
    }
    p->st.tcp_segs++;
    struct txp_tcp_opts o;
    memset(&o, 0, sizeof o);
    (void)txp_tcp_opts_parse(th.opts, th.opt_len, &o, &pe);
    size_t plen = l4len - (size_t)th.doff * 4u;
    if ((th.flags & TXP_TCP_SYN) && !(th.flags & TXP_TCP_ACK)) {
        struct peer_conn *c = peer_conn_find(p, ih->daddr, ih->saddr, th.dport, th.sport, true);
        c->rcv_nxt = th.seq + 1;
        c->snd_nxt = p->cfg.isn;
        c->ts_ok = (o.present & TXP_TCP_OPTF_TS) != 0;
        c->ws_ok = (o.present & TXP_TCP_OPTF_WSCALE) != 0;
        c->ts_recent = o.tsval;
        memcpy(c->rmac, smac, 6);
        peer_tcp_send(p, c, ifindex, ts, TXP_TCP_SYN | TXP_TCP_ACK);
        return;
    }
    struct peer_conn *c = peer_conn_find(p, ih->daddr, ih->saddr, th.dport, th.sport, false);
    if (c == NULL)
        return;
    if (th.flags & TXP_TCP_RST) {
        c->used = false;
        return;
    }
    if (plen == 0 && !(th.flags & TXP_TCP_FIN))
        return; /* a pure ACK needs no answer */
    if (plen > 0 && p->cfg.drop_every && ++p->data_arrivals % p->cfg.drop_every == 0) {
        p->st.dropped_by_peer++;
        return;
    }
    if (o.present & TXP_TCP_OPTF_TS)
        c->ts_recent = o.tsval;
    if (plen > 0 && th.seq == c->rcv_nxt) {
        c->rcv_nxt += (uint32_t)plen;
        p->st.tcp_bytes_in_order += plen;
    }
    if ((th.flags & TXP_TCP_FIN) && th.seq + (uint32_t)plen == c->rcv_nxt) {
        c->rcv_nxt++;
        p->st.fin_seen = true;
    }
    peer_tcp_send(p, c, ifindex, ts, TXP_TCP_ACK);
}

static void
peer_l4(struct txp_stack_peer *p, uint32_t ifindex, uint64_t ts, const uint8_t *smac,
        const struct txp_ipv4_hdr *ih, const uint8_t *l4, size_t l4len)
{
    if (ih->protocol == TXP_IPPROTO_TCP) {
        if (!p->cfg.trust_csum &&
            txp_ipv4_l4_csum(ih->saddr, ih->daddr, TXP_IPPROTO_TCP, l4, l4len) != 0) {
            p->st.bad_csum++;
            return;
        }
        peer_tcp(p, ifindex, ts, smac, ih, l4, l4len);
    } else if (ih->protocol == TXP_IPPROTO_UDP) {
        if (l4len < 8 || txp_load_be16(l4 + 4) != l4len) {
            p->st.bad_frames++;
            return;
        }
        if (!p->cfg.trust_csum && txp_load_be16(l4 + 6) != 0 &&
            txp_ipv4_l4_csum(ih->saddr, ih->daddr, TXP_IPPROTO_UDP, l4, l4len) != 0) {
            p->st.bad_csum++;
            return;
        }
        p->st.udp_datagrams++;
        p->st.udp_bytes += l4len - 8;
    }
}

/* IPv4 reassembly (ip_defrag's rules reduced: overlapping fragments are refused). */
static void
peer_frag(struct txp_stack_peer *p, uint32_t ifindex, uint64_t ts, const uint8_t *smac,
          const struct txp_ipv4_hdr *ih, const uint8_t *pl, size_t plen)
{
    p->st.ip_fragments++;
    uint32_t off = (uint32_t)(ih->frag_off & TXP_IP_OFFMASK) * 8u;
    bool mf = (ih->frag_off & TXP_IP_MF) != 0;
    if (off + plen > 65535u - 20u || (mf && plen % 8 != 0)) {
        p->st.bad_frames++;
        return;
    }
    struct peer_frag *f = NULL;
    for (int i = 0; i < PEER_FRAGS; i++)
        if (p->frag[i] && p->frag[i]->used && p->frag[i]->id == ih->id &&
            p->frag[i]->saddr == ih->saddr && p->frag[i]->daddr == ih->daddr &&
            p->frag[i]->proto == ih->protocol)
            f = p->frag[i];
    if (f == NULL) {
        uint32_t k = p->frag_rr++ % PEER_FRAGS;
        if (p->frag[k] == NULL)
            p->frag[k] = txp_alloc_mem(p->cfg.alloc, sizeof *p->frag[k], 8);
        f = p->frag[k];
        if (f == NULL)
            return;
        memset(f, 0, sizeof *f);
        f->used = true;
        f->id = ih->id;
        f->saddr = ih->saddr;
        f->daddr = ih->daddr;
        f->proto = ih->protocol;
    }
    for (uint32_t b = off / 8u; b < (off + (uint32_t)plen + 7u) / 8u; b++)
        if (f->have[b / 8] & (1u << (b % 8))) {
            p->st.bad_frames++; /* overlap: Linux drops the whole queue (RFC 5722 spirit) */
            f->used = false;
            return;
        }
    memcpy(f->data + off, pl, plen);
    for (uint32_t b = off / 8u; b < (off + (uint32_t)plen + 7u) / 8u; b++)
        f->have[b / 8] = (uint8_t)(f->have[b / 8] | (1u << (b % 8)));
    f->got += (uint32_t)plen;
    if (!mf)
        f->total = off + (uint32_t)plen;
    if (f->total && f->got == f->total) {
        f->used = false;
        peer_l4(p, ifindex, ts, smac, ih, f->data, f->total);
    }
}

static void
peer_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts_ns, const uint8_t *frame,
        uint32_t len)
{
    struct txp_stack_peer *p = TXP_STACK_CONTAINER(self, struct txp_stack_peer, link);
    if (p->next)
        p->next->tx(p->next, ifindex, ts_ns, frame, len);
    p->st.frames++;
    struct txp_eth_hdr eh;
    struct txp_parse_err pe;
    if (txp_eth_parse(frame, len, &eh, &pe) < 0) {
        p->st.bad_frames++;
        return;
    }
    if (eh.type == TXP_ETH_P_ARP) {
        peer_arp(p, ifindex, ts_ns, frame, len);
        return;
    }
    if (eh.type != TXP_ETH_P_IP)
        return;
    const uint8_t *ip = frame + TXP_ETH_HLEN;
    size_t iplen = len - TXP_ETH_HLEN;
    struct txp_ipv4_hdr ih;
    if (txp_ipv4_parse(ip, iplen, &ih, &pe) < 0 || ih.tot_len > iplen ||
        ih.tot_len < (size_t)ih.ihl * 4u) {
        p->st.bad_frames++;
        return;
    }
    size_t hl = (size_t)ih.ihl * 4u;
    if (!p->cfg.trust_csum && txp_csum(ip, hl) != 0) {
        p->st.bad_csum++;
        return;
    }
    if (!peer_owns(p, ih.daddr) && memcmp(eh.dst, p->cfg.mac, 6) != 0)
        return; /* neither for one of its addresses nor routed through it */
    if (ih.frag_off & (TXP_IP_MF | TXP_IP_OFFMASK))
        peer_frag(p, ifindex, ts_ns, eh.src, &ih, ip + hl, ih.tot_len - hl);
    else
        peer_l4(p, ifindex, ts_ns, eh.src, &ih, ip + hl, ih.tot_len - hl);
}

static int
peer_rx(struct txp_stack_link *self, uint64_t until_ns, uint64_t *now_ns, uint8_t *buf,
        uint32_t cap, uint32_t *len, uint32_t *ifindex)
{
    struct txp_stack_peer *p = TXP_STACK_CONTAINER(self, struct txp_stack_peer, link);
    struct peer_answer *a = p->head;
    if (a == NULL || a->t > until_ns) {
        *now_ns = until_ns;
        return 0;
    }
    p->head = a->next;
    if (p->head == NULL)
        p->tail = NULL;
    *now_ns = a->t;
    uint32_t n = a->len < cap ? a->len : cap;
    memcpy(buf, a->data, n);
    *len = n;
    *ifindex = a->ifindex;
    txp_free(p->cfg.alloc, a);
    return 1;
}

int
txp_stack_peer_create(const struct txp_stack_peer_config *cfg, struct txp_stack_peer **out)
{
    struct txp_stack_peer_config c;
    if (cfg)
        c = *cfg;
    else
        memset(&c, 0, sizeof c);
    if (c.naddrs > 8)
        return TXP_EINVAL;
    if (c.naddrs == 0) {
        c.addrs[0] = 0x0A0000FEu; /* 10.0.0.254 */
        c.addrs[1] = 0x0A000002u; /* 10.0.0.2 */
        c.naddrs = 2;
    }
    static const uint8_t zero[6] = {0};
    if (memcmp(c.mac, zero, 6) == 0) {
        static const uint8_t defmac[6] = {0x02, 0, 0, 0, 0, 0xfe};
        memcpy(c.mac, defmac, 6);
    }
    if (c.delay_ns == 0)
        c.delay_ns = 50000;
    if (c.window == 0)
        c.window = 262144;
    if (c.wscale == 0)
        c.wscale = 7;
    if (c.wscale > 14)
        return TXP_EINVAL;
    if (c.mss == 0)
        c.mss = 1460;
    if (c.isn == 0)
        c.isn = 0x10000000u;
    if (c.ifindex == 0)
        c.ifindex = 2;
    struct txp_stack_peer *p = txp_alloc_mem(c.alloc, sizeof *p, 16);
    if (p == NULL)
        return TXP_ENOMEM;
    p->cfg = c;
    p->link.tx = peer_tx;
    p->link.rx = peer_rx;
    *out = p;
    return TXP_OK;
}

void
txp_stack_peer_destroy(struct txp_stack_peer *p)
{
    if (p == NULL)
        return;
    while (p->head) {
        struct peer_answer *a = p->head;
        p->head = a->next;
        txp_free(p->cfg.alloc, a);
    }
    for (int i = 0; i < PEER_FRAGS; i++)
        txp_free(p->cfg.alloc, p->frag[i]);
    txp_free(p->cfg.alloc, p);
}

struct txp_stack_link *
txp_stack_peer_link(struct txp_stack_peer *p)
{
    return &p->link;
}

void
txp_stack_peer_chain(struct txp_stack_peer *p, struct txp_stack_link *next)
{
    p->next = next;
}

void
txp_stack_peer_stats(const struct txp_stack_peer *p, struct txp_stack_peer_stats *out)
{
    *out = p->st;
}
