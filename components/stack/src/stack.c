/* SPDX-License-Identifier: MIT */
/*
 * txpath stack: the pipeline and the socket layer.
 *
 *   write(fd) -> file ops .write_iter (sock_write_iter) -> sock_sendmsg -> proto_ops .sendmsg
 *   (inet_sendmsg) -> proto .sendmsg (tcp_sendmsg / udp_sendmsg)
 *        |  packets (IPv4 + L4) appended to sock_out
 *        v
 *   [sock] -> [fib] -> ([ipt OUTPUT] -> [ipt POSTROUTING]) -> [ip] -> [neigh] -> [qdisc]
 *                                                                                  | kick
 *                                                                                  v
 *                                                      [ring] qdisc_run -> device -> link
 *
 * Each list stage takes bursts of up to TXP_STACK_BURST packets and sorts every packet to
 * next (appended to the next list), drop (counted with its reason, then freed here: only the
 * pipeline frees dropped packets) or hold (kept by the component: the neighbour table's
 * unresolved queue, the qdisc, the ring). Held packets come back later through callbacks
 * (neighbour xmit after ARP, qdisc dequeue by qdisc_run, ring completion) and continue from
 * the stage after the one that held them.
 *
 * Invariants (txp_stack_totals):
 *   per stage   in + created == out + dropped + held, held == 0 for stages that hold nothing;
 *   qdisc held  == sum of txp_qdisc_qlen(); ring held == accepted - sent as the ring counts;
 *   neigh held  == packets allocated from the pool - qdisc held - ring packets not completed;
 *   total       offered == sent + dropped + held.
 *
 * Entry points: txp_stack_create/destroy, txp_stack_advance, txp_stack_next_event,
 * txp_stack_rx, txp_stack_socket/connect/write/shutdown/close, txp_stack_totals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"
#if defined(TXP_STACK_HAVE_IPT)
#include "txpath/ipt.h"
#endif

static const char *const stage_names[TXP_STACK_ST__COUNT] = {
    "sock", "fib", "ipt_out", "ipt_post", "ip", "neigh", "qdisc", "ring",
};

const char *
txp_stack_stage_name(enum txp_stack_stage_id s)
{
    if ((unsigned)s >= TXP_STACK_ST__COUNT)
        return "?";
    return stage_names[s];
}

int
txp_stack_stage_lookup(const char *name)
{
    for (int i = 0; i < TXP_STACK_ST__COUNT; i++)
        if (strcmp(name, stage_names[i]) == 0)
            return i;
    return -1;
}

bool
txp_stack_stage_present(enum txp_stack_stage_id s)
{
#if !defined(TXP_STACK_HAVE_IPT)
    if (s == TXP_STACK_ST_IPT_OUT || s == TXP_STACK_ST_IPT_POST)
        return false;
#endif
    return (unsigned)s < TXP_STACK_ST__COUNT;
}

uint64_t
txp_stack_now(const struct txp_stack *st)
{
    return st->env.now_ns;
}

/* ---------------------------------------------------------------- lists and counting */

static void
list_add(struct txp_stack_list *l, struct txp_pkt *p)
{
    p->next = NULL;
    if (l->tail)
        l->tail->next = p;
    else
        l->head = p;
    l->tail = p;
    l->n++;
}

static struct txp_pkt *
list_pop(struct txp_stack_list *l)
{
    struct txp_pkt *p = l->head;
    if (p) {
        l->head = p->next;
        if (l->head == NULL)
            l->tail = NULL;
        l->n--;
        p->next = NULL;
    }
    return p;
}

static void
trace(struct txp_stack *st, enum txp_stack_stage_id s, const struct txp_pkt *p, const char *what)
{
    if (st->trace)
        st->trace->fn(st->trace, s, st->env.now_ns, p, what);
}

static void
tap(struct txp_stack *st, enum txp_stack_stage_id s, uint64_t ts, const uint8_t *data, uint32_t len,
    bool l2)
{
    if (st->tap && (st->tap_mask & (1u << s)))
        st->tap->fn(st->tap, s, ts, data, len, l2);
}

static void
stage_drop(struct txp_stack *st, enum txp_stack_stage_id s, struct txp_pkt *p,
           enum txp_drop_reason r)
{
    if (r == TXP_DROP_NOT_DROPPED || (unsigned)r >= TXP_DROP__COUNT)
        r = TXP_DROP_NOT_SPECIFIED;
    p->meta.drop_reason = (uint16_t)r;
    p->meta.stage = (uint8_t)s;
    st->stats[s].dropped++;
    st->stats[s].drop_reason[r]++;
    trace(st, s, p, txp_drop_name(r));
    txp_pkt_free(p);
}

static struct txp_stack_dev *
dev_by_index(struct txp_stack *st, uint32_t ifindex)
{
    for (uint32_t i = 0; i < st->ndev; i++)
        if (st->dev[i].ifindex == ifindex)
            return &st->dev[i];
    return NULL;
}

static struct txp_stack_file *
file_of(struct txp_stack *st, const struct txp_pkt *p)
{
    uint32_t id = p->meta.flow_id;
    if (id == 0 || id > TXP_STACK_MAX_FILES)
        return NULL;
    return st->files[id - 1];
}

/* ---------------------------------------------------------------- the runner */

static void run_from(struct txp_stack *st, uint32_t first, struct txp_stack_list *l);

static uint32_t
stage_index(const struct txp_stack *st, enum txp_stack_stage_id id)
{
    for (uint32_t k = 0; k < st->nstages; k++)
        if (st->stages[k].id == id)
            return k;
    return st->nstages;
}

/* Run the list through stages[first..]: bursts of TXP_STACK_BURST, each stage's next list
 * becoming the following stage's input. */
static void
run_from(struct txp_stack *st, uint32_t first, struct txp_stack_list *l)
{
    struct txp_pkt *burst[TXP_STACK_BURST];
    for (uint32_t k = first; k < st->nstages && l->n > 0; k++) {
        const struct txp_stack_stage *sg = &st->stages[k];
        struct txp_stack_list next = {0};
        while (l->n > 0) {
            uint32_t n = 0;
            while (n < TXP_STACK_BURST && l->n > 0)
                burst[n++] = list_pop(l);
            st->stats[sg->id].in += n;
            sg->process(st, burst, n, &next);
        }
        st->stats[sg->id].out += next.n;
        for (struct txp_pkt *p = next.head; p; p = p->next) {
            p->meta.stage = (uint8_t)sg->id;
            tap(st, sg->id, st->env.now_ns, txp_pkt_data(p), p->len,
                (p->meta.flags & TXP_PKT_F_RAW_IP) == 0);
            trace(st, sg->id, p, "next");
        }
        *l = next;
    }
    /* Whatever leaves the last list stage has been taken by a qdisc or freed. */
}

/* Packets the sockets emitted enter the pipeline at fib. */
static void
flush_sock(struct txp_stack *st)
{
    if (st->running)
        return;
    st->running = true;
    while (st->sock_out.n > 0) {
        struct txp_stack_list l = st->sock_out;
        memset(&st->sock_out, 0, sizeof st->sock_out);
        st->stats[TXP_STACK_ST_SOCK].created += l.n;
        st->stats[TXP_STACK_ST_SOCK].out += l.n;
        for (struct txp_pkt *p = l.head; p; p = p->next) {
            tap(st, TXP_STACK_ST_SOCK, st->env.now_ns, txp_pkt_data(p), p->len, false);
            trace(st, TXP_STACK_ST_SOCK, p, "next");
        }
        run_from(st, stage_index(st, TXP_STACK_ST_FIB), &l);
    }
    st->running = false;
}

/* Frames the neighbour table sent outside its stage (after ARP, from timers) go on at qdisc. */
static void
flush_neigh(struct txp_stack *st)
{
    if (st->running)
        return;
    st->running = true;
    while (st->neigh_out.n > 0) {
        struct txp_stack_list l = st->neigh_out;
        memset(&st->neigh_out, 0, sizeof st->neigh_out);
        st->stats[TXP_STACK_ST_NEIGH].out += l.n;
        for (struct txp_pkt *p = l.head; p; p = p->next) {
            tap(st, TXP_STACK_ST_NEIGH, st->env.now_ns, txp_pkt_data(p), p->len, true);
            trace(st, TXP_STACK_ST_NEIGH, p, "next");
        }
        run_from(st, stage_index(st, TXP_STACK_ST_QDISC), &l);
    }
    st->running = false;
}

/* ---------------------------------------------------------------- stage: fib */

static enum txp_drop_reason
route_err_reason(int err)
{
    switch (err) {
    case TXP_EINVAL:
        return TXP_DROP_IP_BLACKHOLE;
    case TXP_EHOSTUNREACH:
        return TXP_DROP_IP_UNREACHABLE;
    case TXP_EACCES:
        return TXP_DROP_IP_PROHIBIT;
    default:
        return TXP_DROP_IP_OUTNOROUTES;
    }
}

/* Build the flow of an IPv4 packet (ports from the L4 header of a first fragment). */
static void
pkt_flow(const struct txp_pkt *p, struct txp_fib_flow *fl)
{
    const uint8_t *d = txp_pkt_data(p);
    memset(fl, 0, sizeof *fl);
    if (p->len < TXP_IPV4_HLEN_MIN)
        return;
    fl->tos = d[TXP_IPV4_OFF_TOS];
    fl->proto = d[TXP_IPV4_OFF_PROTO];
    fl->src = txp_load_be32(d + TXP_IPV4_OFF_SADDR);
    fl->dst = txp_load_be32(d + TXP_IPV4_OFF_DADDR);
    fl->mark = p->meta.mark;
    fl->uid = p->meta.uid;
    uint32_t ihl = (uint32_t)(d[0] & 0x0Fu) * 4u;
    uint16_t frag = txp_load_be16(d + TXP_IPV4_OFF_FRAG);
    if ((frag & TXP_IP_OFFMASK) == 0 && p->len >= ihl + 4u &&
        (fl->proto == TXP_IPPROTO_TCP || fl->proto == TXP_IPPROTO_UDP)) {
        fl->sport = txp_load_be16(d + ihl);
        fl->dport = txp_load_be16(d + ihl + 2);
    }
}

static int
route_packet(struct txp_stack *st, struct txp_pkt *p, struct txp_fib_result *res)
{
    struct txp_fib_flow fl;
    pkt_flow(p, &fl);
    return txp_fib_lookup(st->fib, &fl, res);
}

static void
stage_fib(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n, struct txp_stack_list *next)
{
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = pkts[i];
        struct txp_fib_result res;
        int rc = route_packet(st, p, &res);
        if (rc != TXP_OK) {
            struct txp_stack_file *f = file_of(st, p);
            if (f)
                f->last_err = rc;
            stage_drop(st, TXP_STACK_ST_FIB, p, route_err_reason(rc));
            continue;
        }
        struct txp_stack_dev *dv = dev_by_index(st, res.oif);
        if (res.type == TXP_FIB_LOCAL || (dv && dv->loopback)) {
            /* Delivered to ourselves through lo: it never reaches a wire. */
            st->looped++;
            st->stats[TXP_STACK_ST_FIB].out++;
            trace(st, TXP_STACK_ST_FIB, p, "local");
            txp_pkt_free(p);
            continue;
        }
        if (dv == NULL || !dv->up) {
            stage_drop(st, TXP_STACK_ST_FIB, p, TXP_DROP_DEV_READY);
            continue;
        }
        struct txp_stack_file *f = file_of(st, p);
        if (f) {
            f->dst.valid = true;
            f->dst.res = res;
        }
        p->meta.out_ifindex = res.oif;
        p->meta.nexthop = res.gw ? res.gw : txp_load_be32(txp_pkt_data(p) + TXP_IPV4_OFF_DADDR);
        p->meta.flags |= TXP_PKT_F_HAS_NEXTHOP;
        list_add(next, p);
    }
}

/* ---------------------------------------------------------------- stage: ip */

static uint32_t
pkt_mtu(struct txp_stack *st, const struct txp_pkt *p)
{
    struct txp_stack_file *f = file_of(st, p);
    const struct txp_stack_dev *dv = dev_by_index(st, p->meta.out_ifindex);
    uint32_t mtu = dv ? dv->mtu : 1500;
    if (f && f->dst.valid && f->dst.res.oif == p->meta.out_ifindex && f->dst.res.mtu &&
        f->dst.res.mtu < mtu)
        mtu = f->dst.res.mtu;
    return mtu;
}

static void
stage_ip(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n, struct txp_stack_list *next)
{
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = pkts[i];
        const uint8_t *d = txp_pkt_data(p);
        uint32_t mtu = pkt_mtu(st, p);
        struct txp_stack_file *f = file_of(st, p);
        if (f)
            p->meta.priority = f->priority;
        p->meta.l3_off = 0;
        if (p->len <= mtu) {
            list_add(next, p);
            continue;
        }
        /* ip_finish_output_gso / ip_fragment: DF means the packet cannot go (the socket
         * learns EMSGSIZE); otherwise it is cut into fragments that fit. */
        if (txp_load_be16(d + TXP_IPV4_OFF_FRAG) & TXP_IP_DF) {
            if (f)
                f->last_err = TXP_EMSGSIZE;
            stage_drop(st, TXP_STACK_ST_IP, p, TXP_DROP_FRAG_DF);
            continue;
        }
        struct txp_ip_out out = {st->pool, st->frag, TXP_STACK_MAX_FRAGS, 0};
        int rc = txp_ip_fragment(d, p->len, mtu, 0, &out);
        if (rc != TXP_OK) {
            stage_drop(st, TXP_STACK_ST_IP, p,
                       rc == TXP_ENOBUFS || rc == TXP_ENOSPC ? TXP_DROP_NOMEM
                                                             : TXP_DROP_PKT_TOO_BIG);
            continue;
        }
        for (size_t k = 0; k < out.n; k++) {
            struct txp_pkt *q = out.pkts[k];
            q->meta = p->meta;
            list_add(next, q);
        }
        /* The first fragment carries on as the original; the rest are new packets. */
        st->stats[TXP_STACK_ST_IP].created += out.n - 1;
        txp_pkt_free(p);
    }
}

/* ---------------------------------------------------------------- stages: iptables */

#if defined(TXP_STACK_HAVE_IPT)
static int
ipt_addr_type(void *ctx, uint32_t addr, const char *dev)
{
    struct txp_stack *st = ctx;
    struct txp_fib_flow fl;
    struct txp_fib_result res;
    (void)dev;
    memset(&fl, 0, sizeof fl);
    fl.dst = addr;
    if (txp_fib_lookup(st->fib, &fl, &res) != TXP_OK)
        return txp_ipt_addr_type_default(NULL, addr, dev);
    return (int)res.type;
}

static void
ipt_info(struct txp_stack *st, const struct txp_pkt *p, struct txp_ipt_pktinfo *info)
{
    const struct txp_stack_dev *dv = dev_by_index(st, p->meta.out_ifindex);
    memset(info, 0, sizeof *info);
    info->out_dev = dv ? dv->name : "";
    info->in_dev = "";
    info->mark = p->meta.mark;
    info->has_sock = p->meta.flow_id != 0;
    info->uid = p->meta.uid;
    info->gid = p->meta.gid;
    info->redirect_addr = 0x7F000001u;
    info->addr_type = ipt_addr_type;
    info->addr_ctx = st;
}

static int
ipt_hook(struct txp_stack *st, enum txp_ipt_hook hook, struct txp_pkt *p,
         struct txp_ipt_pktinfo *info, struct txp_ipt_verdict *v)
{
    struct txp_ipt_env env = {st->env.now_ns, NULL, NULL};
    if (st->ipt_c)
        return txp_ipt_compiled_do_hook(st->ipt_c, hook, txp_pkt_data(p), p->len, info, &env, v);
    return txp_ipt_do_hook(&st->ipt, hook, txp_pkt_data(p), p->len, info, &env, v);
}

/* raw, mangle, nat (first packet of a flow), filter OUTPUT after the conntrack lookup
 * (nf_conntrack_in at LOCAL_OUT); then ip_route_me_harder when mangle changed what routing
 * looks at, or nat DNAT changed the destination. */
static void
stage_ipt_out(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n, struct txp_stack_list *next)
{
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = pkts[i];
        if (!st->have_ipt) {
            list_add(next, p);
            continue;
        }
        struct txp_ipt_pktinfo info;
        struct txp_ipt_verdict v;
        uint32_t flow = UINT32_MAX;
        ipt_info(st, p, &info);
        (void)txp_ipt_ct_lookup(st->ct, txp_pkt_data(p), p->len, &info, &flow);
        int rc = ipt_hook(st, TXP_IPT_OUTPUT, p, &info, &v);
        if (rc != TXP_OK || v.verdict == TXP_IPT_V_DROP) {
            /* A dropped first packet leaves no flow (an unconfirmed conntrack dies with it);
             * the socket learns EPERM, as from ip_local_out's NF_DROP. */
            if (rc == TXP_OK)
                (void)txp_ipt_ct_confirm(st->ct, flow, &info, &v);
            struct txp_stack_file *f = file_of(st, p);
            if (f)
                f->last_err = TXP_EPERM;
            stage_drop(st, TXP_STACK_ST_IPT_OUT, p,
                       v.rejected ? TXP_DROP_NETFILTER_REJECT : TXP_DROP_NETFILTER_DROP);
            continue;
        }
        p->meta.mark = info.mark;
        p->meta.tos = txp_pkt_data(p)[TXP_IPV4_OFF_TOS];
        if (v.reroute) {
            struct txp_fib_result res;
            rc = route_packet(st, p, &res);
            struct txp_stack_dev *dv = rc == TXP_OK ? dev_by_index(st, res.oif) : NULL;
            if (rc != TXP_OK || dv == NULL || dv->loopback || !dv->up) {
                stage_drop(st, TXP_STACK_ST_IPT_OUT, p,
                           rc != TXP_OK ? route_err_reason(rc) : TXP_DROP_DEV_READY);
                continue;
            }
            p->meta.out_ifindex = res.oif;
            p->meta.nexthop = res.gw ? res.gw : txp_load_be32(txp_pkt_data(p) + TXP_IPV4_OFF_DADDR);
        }
        struct txp_stack_ctpkt *q = &st->ct_q[st->ct_tail++ % st->ct_cap];
        q->flow = flow;
        q->info = info;
        list_add(next, p);
    }
}

/* mangle and nat POSTROUTING (SNAT, MASQUERADE on a flow's first packet; the binding after),
 * then the conntrack confirm (ipv4_confirm, the last hook). */
static void
stage_ipt_post(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n, struct txp_stack_list *next)
{
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = pkts[i];
        if (!st->have_ipt) {
            list_add(next, p);
            continue;
        }
        struct txp_ipt_pktinfo info;
        struct txp_ipt_verdict v;
        uint32_t flow = UINT32_MAX;
        if (st->ct_head != st->ct_tail) {
            const struct txp_stack_ctpkt *q = &st->ct_q[st->ct_head++ % st->ct_cap];
            flow = q->flow;
            info = q->info;
        } else {
            ipt_info(st, p, &info);
            (void)txp_ipt_ct_lookup(st->ct, txp_pkt_data(p), p->len, &info, &flow);
        }
        /* A reroute in OUTPUT may have changed the device. */
        const struct txp_stack_dev *dv = dev_by_index(st, p->meta.out_ifindex);
        info.out_dev = dv ? dv->name : "";
        info.mark = p->meta.mark;
        /* MASQUERADE's address (nf_nat_masquerade_ipv4: the source the output device would
         * pick for the route now in use); the nat table only runs on a flow's first packet. */
        if (info.nat_first && dv) {
            uint32_t gw, oif, src;
            if (txp_stack_route_get(st, txp_load_be32(txp_pkt_data(p) + TXP_IPV4_OFF_DADDR),
                                    p->meta.tos, p->meta.mark, &gw, &oif, &src) == TXP_OK)
                info.masq_addr = src;
        }
        int rc = ipt_hook(st, TXP_IPT_POSTROUTING, p, &info, &v);
        if (rc == TXP_OK)
            (void)txp_ipt_ct_confirm(st->ct, flow, &info, &v);
        if (rc != TXP_OK || v.verdict == TXP_IPT_V_DROP) {
            stage_drop(st, TXP_STACK_ST_IPT_POST, p,
                       v.rejected ? TXP_DROP_NETFILTER_REJECT : TXP_DROP_NETFILTER_DROP);
            continue;
        }
        p->meta.mark = info.mark;
        list_add(next, p);
    }
}
#endif

/* ---------------------------------------------------------------- stage: neigh */

static void
neigh_xmit(void *ctx, uint32_t ifindex, struct txp_pkt *frame, uint64_t now_ns)
{
    struct txp_stack *st = ctx;
    (void)now_ns;
    const uint8_t *d = txp_pkt_data(frame);
    frame->meta.out_ifindex = ifindex;
    frame->meta.flags &= (uint16_t)~TXP_PKT_F_RAW_IP;
    frame->meta.l2_off = 0;
    if (frame->len >= TXP_ETH_HLEN && txp_load_be16(d + TXP_ETH_OFF_TYPE) == TXP_ETH_P_ARP) {
        /* A frame the table made itself: it enters the pipeline here. */
        st->stats[TXP_STACK_ST_NEIGH].created++;
        frame->meta.priority = 0;
        frame->meta.flow_id = 0;
    }
    list_add(&st->neigh_out, frame);
}

static void
neigh_drop(void *ctx, struct txp_pkt *p, int err, uint64_t now_ns)
{
    struct txp_stack *st = ctx;
    (void)now_ns;
    struct txp_stack_file *f = file_of(st, p);
    if (f && err)
        f->last_err = err;
    stage_drop(st, TXP_STACK_ST_NEIGH, p,
               p->meta.drop_reason ? (enum txp_drop_reason)p->meta.drop_reason
                                   : TXP_DROP_NEIGH_FAILED);
}

static void
stage_neigh(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n, struct txp_stack_list *next)
{
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = pkts[i];
        (void)txp_neigh_output(st->neigh, p, p->meta.out_ifindex, p->meta.nexthop, st->env.now_ns);
    }
    while (st->neigh_out.n > 0)
        list_add(next, list_pop(&st->neigh_out));
}

/* ---------------------------------------------------------------- stages: qdisc and ring */

static uint64_t
wire_ns(const struct txp_stack *st, uint32_t len)
{
    if (len < TXP_RING_MIN_FRAME)
        len = TXP_RING_MIN_FRAME;
    uint64_t bits = ((uint64_t)len + TXP_RING_WIRE_OVERHEAD) * 8u;
    return (bits * 1000000000ull + st->link_bps - 1u) / st->link_bps;
}

/* A frame entered the ring: it leaves when the device is free plus its wire time. */
static void
fin_push(struct txp_stack_dev *dv, uint32_t len)
{
    struct txp_stack *st = dv->st;
    if (st->link_bps == 0 || dv->fin_tail - dv->fin_head >= TXP_RING_MAX_SIZE)
        return;
    uint64_t start = st->env.now_ns;
    if (dv->fin_tail != dv->fin_head) {
        uint64_t last = dv->fin[(dv->fin_tail - 1u) % TXP_RING_MAX_SIZE];
        if (last > start)
            start = last;
    }
    dv->fin[dv->fin_tail++ % TXP_RING_MAX_SIZE] = start + wire_ns(st, len);
}

/* The frame just pushed did not enter the ring after all (requeued or refused). */
static void
fin_unpush(struct txp_stack_dev *dv)
{
    if (dv->st->link_bps && dv->fin_tail != dv->fin_head)
        dv->fin_tail--;
}

static void
kick(struct txp_stack_dev *dv)
{
    struct txp_stack *st = dv->st;
    uint64_t now = st->env.now_ns;
    if (dv->ring == NULL)
        return;
    for (int round = 0; round < 1024; round++) {
        struct txp_ring_run_result res;
        memset(&res, 0, sizeof res);
        bool ran = false;
        if (txp_qdisc_qlen(dv->q) > 0 || txp_ring_scheduled(dv->ring)) {
            (void)txp_ring_qdisc_run(dv->ring, &dv->src, now, &res);
            ran = true;
        }
        uint32_t sent = txp_ring_dev_run(dv->ring, now, 0);
        uint32_t cleaned = txp_ring_clean(dv->ring, now);
        if (!(ran && (res.sent || res.quota_used)) && sent == 0 && cleaned == 0)
            break;
        if (txp_qdisc_qlen(dv->q) == 0 && !txp_ring_scheduled(dv->ring) && sent == 0)
            break;
    }
}

static void
stage_qdisc(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n, struct txp_stack_list *next)
{
    bool touched[TXP_STACK_MAX_DEVS] = {false};
    (void)next;
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = pkts[i];
        struct txp_stack_dev *dv = dev_by_index(st, p->meta.out_ifindex);
        if (dv == NULL || dv->q == NULL) {
            stage_drop(st, TXP_STACK_ST_QDISC, p, TXP_DROP_DEV_READY);
            continue;
        }
        struct txp_pkt *to_free = NULL;
        int v = txp_qdisc_enqueue(dv->q, p, st->env.now_ns, &to_free);
        if (v == TXP_QDISC_XMIT_NOQUEUE) {
            /* noqueue: straight to the driver; a busy device drops it (dev_queue_xmit's
             * "Virtual device asks to queue packet!"). */
            uint32_t plen = p->len;
            int rc = txp_ring_xmit(dv->ring, p, NULL, 0, false, st->env.now_ns);
            if (rc == TXP_OK)
                fin_push(dv, plen);
            if (rc == TXP_EBUSY) {
                stage_drop(st, TXP_STACK_ST_QDISC, p, TXP_DROP_DEV_READY);
            } else {
                st->stats[TXP_STACK_ST_QDISC].out++;
                st->stats[TXP_STACK_ST_RING].in++;
                if (rc != TXP_OK)
                    stage_drop(st, TXP_STACK_ST_RING, p, (enum txp_drop_reason)p->meta.drop_reason);
            }
        } else {
            trace(st, TXP_STACK_ST_QDISC, p, "hold");
        }
        while (to_free) {
            struct txp_pkt *q = to_free;
            to_free = q->next;
            q->next = NULL;
            stage_drop(st, TXP_STACK_ST_QDISC, q,
                       q->meta.drop_reason ? (enum txp_drop_reason)q->meta.drop_reason
                                           : TXP_DROP_QDISC_DROP);
        }
        touched[dv - st->dev] = true;
    }
    for (uint32_t k = 0; k < st->ndev; k++)
        if (touched[k])
            kick(&st->dev[k]);
}

static struct txp_pkt *
src_dequeue(struct txp_ring_src *self, uint64_t now_ns)
{
    struct txp_stack_dev *dv = TXP_STACK_CONTAINER(self, struct txp_stack_dev, src);
    struct txp_pkt *p = txp_qdisc_dequeue(dv->q, now_ns);
    if (p) {
        dv->st->stats[TXP_STACK_ST_QDISC].out++;
        dv->st->stats[TXP_STACK_ST_RING].in++;
        tap(dv->st, TXP_STACK_ST_QDISC, now_ns, txp_pkt_data(p), p->len, true);
        fin_push(dv, p->len);
    }
    return p;
}

static void
src_requeue(struct txp_ring_src *self, struct txp_pkt *p)
{
    struct txp_stack_dev *dv = TXP_STACK_CONTAINER(self, struct txp_stack_dev, src);
    dv->st->stats[TXP_STACK_ST_QDISC].out--;
    dv->st->stats[TXP_STACK_ST_RING].in--;
    fin_unpush(dv);
    txp_qdisc_requeue(dv->q, p);
}

static void
src_drop(struct txp_ring_src *self, struct txp_pkt *p, enum txp_drop_reason reason)
{
    struct txp_stack_dev *dv = TXP_STACK_CONTAINER(self, struct txp_stack_dev, src);
    fin_unpush(dv);
    stage_drop(dv->st, TXP_STACK_ST_RING, p, reason);
}

static int
dev_backend(struct txp_ring_backend *self, uint64_t ts_ns, const uint8_t *data, uint32_t len)
{
    struct txp_stack_dev *dv = TXP_STACK_CONTAINER(self, struct txp_stack_dev, backend);
    struct txp_stack *st = dv->st;
    st->stats[TXP_STACK_ST_RING].out++;
    st->wire_bytes += len;
    if (dv->fin_head != dv->fin_tail)
        dv->fin_head++;
    tap(st, TXP_STACK_ST_RING, ts_ns, data, len, true);
    if (st->link)
        st->link->tx(st->link, dv->ifindex, ts_ns, data, len);
    return 0;
}

static void
dev_done(struct txp_ring_done_cb *self, struct txp_pkt *p, uint64_t now_ns)
{
    (void)self;
    (void)now_ns;
    txp_pkt_free(p);
}

/* ---------------------------------------------------------------- create / destroy */

static int
load_text(struct txp_stack *st, const struct txp_stack_host *h, enum txp_stack_host_file f,
          struct txp_diag *d)
{
    const char *t = h->text[f];
    size_t len = h->len[f];
    txp_diag_init(d, h->path[f]);
    switch (f) {
    case TXP_STACK_HF_LINK:
        return txp_fib_load_links(st->fib, t, len, h->path[f], d);
    case TXP_STACK_HF_ADDR:
        return txp_fib_load_addrs(st->fib, t, len, h->path[f], d);
    case TXP_STACK_HF_ROUTE:
        return txp_fib_load_routes(st->fib, t, len, h->path[f], d);
    case TXP_STACK_HF_RULE:
        return txp_fib_load_rules(st->fib, t, len, h->path[f], d);
    case TXP_STACK_HF_NEIGH:
        return txp_neigh_load(st->neigh, t, len, h->path[f], st->env.now_ns, d);
    case TXP_STACK_HF_QDISC:
    case TXP_STACK_HF_SYSCTL:
    case TXP_STACK_HF_IPTABLES:
    case TXP_STACK_HF__COUNT:
    default:
        return TXP_OK;
    }
}

/* Addresses of each device from ip-addr, for the neighbour table (ARP source selection). */
static void
neigh_addrs(const struct txp_stack_host *h, struct txp_neigh_dev *nd)
{
    const char *t = h->text[TXP_STACK_HF_ADDR];
    const char *end = t + h->len[TXP_STACK_HF_ADDR];
    char line[512];
    for (const char *p = t; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
        size_t c = l < sizeof line - 1 ? l : sizeof line - 1;
        memcpy(line, p, c);
        line[c] = '\0';
        p = e ? e + 1 : end;
        unsigned idx, a, b, cc, dd, pl;
        const char *in = strstr(line, " inet ");
        if (in == NULL || sscanf(line, "%u:", &idx) != 1 ||
            sscanf(in, " inet %u.%u.%u.%u/%u", &a, &b, &cc, &dd, &pl) != 5 || idx != nd->ifindex ||
            pl > 32 || a > 255 || b > 255 || cc > 255 || dd > 255)
            continue;
        if (nd->naddr < TXP_NEIGH_MAX_ADDRS) {
            nd->addr[nd->naddr] = a << 24 | b << 16 | cc << 8 | dd;
            nd->plen[nd->naddr++] = (uint8_t)pl;
        }
    }
}

static int
dev_setup(struct txp_stack *st, struct txp_stack_dev *dv, const struct txp_stack_config *cfg,
          const struct txp_stack_host *h, struct txp_diag *d)
{
    dv->backend.fn = dev_backend;
    dv->done.fn = dev_done;
    dv->src.dequeue = src_dequeue;
    dv->src.requeue = src_requeue;
    dv->src.drop = src_drop;
    if (dv->loopback)
        return TXP_OK;
    struct txp_neigh_dev nd;
    memset(&nd, 0, sizeof nd);
    nd.ifindex = dv->ifindex;
    memcpy(nd.name, dv->name, sizeof nd.name);
    memcpy(nd.mac, dv->mac, 6);
    nd.noarp = dv->noarp;
    txp_neigh_parms_default(&nd.parms);
    neigh_addrs(h, &nd);
    int rc = txp_neigh_dev_add(st->neigh, &nd, st->env.now_ns);
    if (rc != TXP_OK)
        return rc;

    struct txp_qdisc_conf qc;
    char devname[16];
    txp_diag_init(d, h->path[TXP_STACK_HF_QDISC]);
    const char *spec = dv->qdisc_spec;
    if (strcmp(spec, "pfifo_fast") != 0 && strcmp(spec, "noqueue") != 0 &&
        strncmp(spec, "pfifo", 5) != 0 && strncmp(spec, "bfifo", 5) != 0 &&
        strncmp(spec, "prio", 4) != 0 && strncmp(spec, "netem", 5) != 0) {
        /* fq_codel, mq, ... are not modelled: Linux's pfifo_fast stands in (README). */
        txp_log(&st->env, TXP_LOG_WARN, "stack", "%s: qdisc '%s' not modelled, using pfifo_fast",
                dv->name, spec);
        spec = "pfifo_fast";
    }
    rc = txp_qdisc_parse(spec, &qc, devname, d);
    if (rc != TXP_OK)
        return rc;
    struct txp_qdisc_dev qd;
    txp_qdisc_dev_default(&qd);
    qd.name = dv->name;
    qd.tx_queue_len = dv->txqlen;
    qd.mtu = dv->mtu;
    rc = txp_qdisc_create(&qc, &qd, st->alloc, &dv->q);
    if (rc != TXP_OK)
        return rc;

    struct txp_ring_config rcfg;
    memset(&rcfg, 0, sizeof rcfg);
    rcfg.size = cfg->ring_size ? cfg->ring_size : TXP_RING_DEFAULT_SIZE;
    rcfg.mtu = dv->mtu < 46 ? 46 : (dv->mtu > TXP_RING_MAX_MTU ? TXP_RING_MAX_MTU : dv->mtu);
    rcfg.link_bps = cfg->link_bps;
    rcfg.backend = &dv->backend;
    rcfg.done = &dv->done;
    return txp_ring_create(&rcfg, st->alloc, &dv->ring);
}

int
txp_stack_create(const struct txp_stack_config *cfg, struct txp_stack **out, struct txp_diag *d)
{
    struct txp_stack_host defhost;
    const struct txp_stack_host *h = cfg->host;
    if (h == NULL) {
        txp_stack_host_default(&defhost);
        h = &defhost;
    }
    for (int i = TXP_STACK_HF_LINK; i <= TXP_STACK_HF_RULE; i++)
        if (h->text[i] == NULL) {
            txp_diag_init(d, h->path[i]);
            txp_diag_set(d, 0, 0, "required file missing");
            return TXP_EINVAL;
        }
    struct txp_stack *st = txp_alloc_mem(cfg->alloc, sizeof *st, 64);
    if (st == NULL)
        return TXP_ENOMEM;
    st->alloc = cfg->alloc;
    txp_env_init(&st->env, cfg->seed, cfg->start_ns);
    st->ip_default_ttl = 64;
    st->tcp_timestamps = st->tcp_sack = st->tcp_window_scaling = 1;
    st->link = cfg->link;
    st->tap = cfg->tap;
    st->tap_mask = cfg->tap_mask;
    st->trace = cfg->trace;
    st->link_bps = cfg->link_bps;
    for (int i = 0; i < TXP_STACK_ST__COUNT; i++) {
        st->stats[i].name =
            txp_stack_stage_present((enum txp_stack_stage_id)i) ? stage_names[i] : NULL;
        st->present[i] = st->stats[i].name != NULL;
    }

    struct txp_fib_config fc = {cfg->alloc};
    int rc = txp_fib_create(&fc, &st->fib);
    for (int f = TXP_STACK_HF_LINK; rc == TXP_OK && f <= TXP_STACK_HF_RULE; f++)
        rc = load_text(st, h, (enum txp_stack_host_file)f, d);
    if (rc == TXP_OK)
        rc = txp_stack__host_parse_links(st, h, d);
    uint32_t maxmtu = 1500;
    for (uint32_t k = 0; k < st->ndev; k++)
        if (!st->dev[k].loopback && st->dev[k].mtu > maxmtu)
            maxmtu = st->dev[k].mtu;
    if (maxmtu > TXP_RING_MAX_MTU)
        maxmtu = TXP_RING_MAX_MTU;
    if (rc == TXP_OK) {
        struct txp_pkt_pool_config pc = {cfg->pool_count ? cfg->pool_count : 8192,
                                         maxmtu + TXP_PKT_HEADROOM + 64};
        rc = txp_pkt_pool_create(&pc, cfg->alloc, &st->pool);
    }
    if (rc == TXP_OK) {
        struct txp_pkt_pool_config bc = {64, TXP_PKT_MAX_BUF};
        rc = txp_pkt_pool_create(&bc, cfg->alloc, &st->big_pool);
    }
    if (rc == TXP_OK) {
        struct txp_ip_ident_config ic = {0, TXP_IP_ID_LINUX, txp_rng_u64(&st->env.rng)};
        rc = txp_ip_ident_create(&ic, cfg->alloc, &st->ids);
    }
    if (rc == TXP_OK) {
        struct txp_neigh_config nc;
        txp_neigh_config_default(&nc);
        nc.seed = txp_rng_u64(&st->env.rng);
        nc.pool = st->pool;
        nc.io.ctx = st;
        nc.io.xmit = neigh_xmit;
        nc.io.drop = neigh_drop;
        rc = txp_neigh_create(&nc, cfg->alloc, &st->neigh);
    }
    if (rc == TXP_OK)
        rc = txp_stack__host_qdisc_spec(st, h, d);
    for (uint32_t k = 0; rc == TXP_OK && k < st->ndev; k++)
        rc = dev_setup(st, &st->dev[k], cfg, h, d);
    if (rc == TXP_OK && h->text[TXP_STACK_HF_NEIGH])
        rc = load_text(st, h, TXP_STACK_HF_NEIGH, d);
    if (rc == TXP_OK)
        txp_stack__host_sysctl(st, h);
#if defined(TXP_STACK_HAVE_IPT)
    if (rc == TXP_OK && txp_ipt_ruleset_init(&st->ipt) != TXP_OK)
        rc = TXP_ENOMEM;
    if (rc == TXP_OK && h->text[TXP_STACK_HF_IPTABLES]) {
        struct txp_ipt_parse_opts po = {1};
        txp_diag_init(d, h->path[TXP_STACK_HF_IPTABLES]);
        rc = txp_ipt_parse(&st->ipt, h->text[TXP_STACK_HF_IPTABLES], h->len[TXP_STACK_HF_IPTABLES],
                           &po, d);
        st->have_ipt = rc == TXP_OK;
    }
    /* The compiled form gives the same verdicts, rewrites and counters; without memory for it
     * the rules are interpreted. */
    if (rc == TXP_OK && st->have_ipt && !cfg->ipt_interpret &&
        txp_ipt_compile(&st->ipt, &st->ipt_c) != TXP_OK)
        st->ipt_c = NULL;
    st->ct_cap = cfg->pool_count ? cfg->pool_count : 8192;
    if (rc == TXP_OK && txp_ipt_ct_new(65536, &st->ct) != TXP_OK)
        rc = TXP_ENOMEM;
    if (rc == TXP_OK) {
        st->ct_q = txp_alloc_mem(cfg->alloc, sizeof *st->ct_q * st->ct_cap, 8);
        if (st->ct_q == NULL)
            rc = TXP_ENOMEM;
    }
#endif
    if (rc != TXP_OK) {
        txp_stack_destroy(st);
        return rc;
    }
    struct {
        enum txp_stack_stage_id id;
        void (*fn)(struct txp_stack *, struct txp_pkt **, uint32_t, struct txp_stack_list *);
    } const order[] = {
        {TXP_STACK_ST_FIB, stage_fib},
#if defined(TXP_STACK_HAVE_IPT)
        {TXP_STACK_ST_IPT_OUT, stage_ipt_out},
        {TXP_STACK_ST_IPT_POST, stage_ipt_post},
#endif
        {TXP_STACK_ST_IP, stage_ip},
        {TXP_STACK_ST_NEIGH, stage_neigh},
        {TXP_STACK_ST_QDISC, stage_qdisc},
    };
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        st->stages[st->nstages].id = order[k].id;
        st->stages[st->nstages].process = order[k].fn;
        st->nstages++;
    }
    *out = st;
    return TXP_OK;
}

void
txp_stack_destroy(struct txp_stack *st)
{
    if (st == NULL)
        return;
    for (uint32_t i = 0; i < TXP_STACK_MAX_FILES; i++)
        if (st->files[i])
            txp_stack_close(st->files[i]);
    while (st->sock_out.n)
        txp_pkt_free(list_pop(&st->sock_out));
    if (st->neigh)
        txp_neigh_destroy(st->neigh, st->env.now_ns); /* queued packets come back as drops */
    while (st->neigh_out.n)
        txp_pkt_free(list_pop(&st->neigh_out));
    for (uint32_t k = 0; k < st->ndev; k++) {
        struct txp_stack_dev *dv = &st->dev[k];
        struct txp_pkt *to_free = NULL;
        if (dv->q)
            txp_qdisc_destroy(dv->q, &to_free);
        while (to_free) {
            struct txp_pkt *p = to_free;
            to_free = p->next;
            txp_pkt_free(p);
        }
        txp_ring_destroy(dv->ring);
    }
    txp_ip_ident_destroy(st->ids);
#if defined(TXP_STACK_HAVE_IPT)
    txp_ipt_compiled_free(st->ipt_c);
    txp_ipt_ct_free(st->ct);
    txp_ipt_ruleset_fini(&st->ipt);
    txp_free(st->alloc, st->ct_q);
#endif
    txp_fib_destroy(st->fib);
    txp_pkt_pool_destroy(st->pool);
    txp_pkt_pool_destroy(st->big_pool);
    txp_free(st->alloc, st);
}

/* ---------------------------------------------------------------- clock */

static uint64_t
frame_time_ns(const struct txp_stack *st)
{
    if (st->link_bps == 0)
        return 0;
    uint64_t t =
        (uint64_t)(TXP_RING_MIN_FRAME + TXP_RING_WIRE_OVERHEAD) * 8u * 1000000000u / st->link_bps;
    return t ? t : 1;
}

uint64_t
txp_stack_next_event(const struct txp_stack *st)
{
    uint64_t t = UINT64_MAX, now = st->env.now_ns;
    for (uint32_t i = 0; i < TXP_STACK_MAX_FILES; i++) {
        const struct txp_stack_file *f = st->files[i];
        if (f && f->tcp) {
            uint64_t x = txp_tcp_next_timer(f->tcp);
            if (x < t)
                t = x;
        }
    }
    uint64_t x = txp_neigh_next_timer(st->neigh);
    if (x < t)
        t = x;
    for (uint32_t k = 0; k < st->ndev; k++) {
        const struct txp_stack_dev *dv = &st->dev[k];
        if (dv->ring == NULL)
            continue;
        struct txp_ring_stats rs;
        txp_ring_stats(dv->ring, &rs);
        if (txp_qdisc_qlen(dv->q) > 0) {
            uint64_t due = txp_qdisc_next_due(dv->q, now);
            if (due < t)
                t = due > now ? due : now + frame_time_ns(st);
        }
        if (dv->fin_head != dv->fin_tail) {
            /* The next frame to leave the device, where completions and refills happen. */
            uint64_t due = dv->fin[dv->fin_head % TXP_RING_MAX_SIZE];
            if (due < t)
                t = due > now ? due : now;
        } else if (rs.tx_packets > rs.dev_frames || rs.tx_packets > rs.clean_packets) {
            uint64_t due = now + (frame_time_ns(st) ? frame_time_ns(st) : 1);
            if (due < t)
                t = due;
        }
    }
    return t;
}

void
txp_stack_advance(struct txp_stack *st, uint64_t now_ns)
{
    if (now_ns > st->env.now_ns)
        st->env.now_ns = now_ns;
    now_ns = st->env.now_ns;
    for (uint32_t i = 0; i < TXP_STACK_MAX_FILES; i++) {
        struct txp_stack_file *f = st->files[i];
        if (f && f->tcp && txp_tcp_next_timer(f->tcp) <= now_ns) {
            txp_tcp_run_timers(f->tcp, now_ns);
            flush_sock(st);
        }
    }
    if (txp_neigh_next_timer(st->neigh) <= now_ns) {
        txp_neigh_run_timers(st->neigh, now_ns);
        flush_neigh(st);
    }
    for (uint32_t k = 0; k < st->ndev; k++)
        kick(&st->dev[k]);
}

/* ---------------------------------------------------------------- input */

#if defined(TXP_STACK_HAVE_IPT)
/* The conntrack on the way in (nf_conntrack_in at PRE_ROUTING): a packet of a flow's reply
 * direction gets the flow's NAT binding inverted, its destination mapped back to the original
 * source (un-SNAT, where nat PREROUTING runs) and its source to the original destination
 * (un-DNAT, where nat INPUT runs), so the socket sees the addresses it sent from and to. A
 * tuple no flow knows starts none (the hooks of the input side are not modelled): its pending
 * entry is released at once. Returns true when *ip now points at a rewritten copy. */
static bool
rx_denat(struct txp_stack *st, const uint8_t **ip, size_t len)
{
    struct txp_ipt_pktinfo info;
    uint32_t flow = UINT32_MAX;
    memset(&info, 0, sizeof info);
    if (len > sizeof st->rx_buf)
        return false;
    if (txp_ipt_ct_lookup(st->ct, *ip, len, &info, &flow) != TXP_OK)
        return false;
    if (info.nat_first) {
        struct txp_ipt_verdict v;
        memset(&v, 0, sizeof v);
        v.verdict = TXP_IPT_V_DROP;
        (void)txp_ipt_ct_confirm(st->ct, flow, &info, &v);
        return false;
    }
    if (info.ctdir != 1 || (!info.nat.src && !info.nat.dst))
        return false;
    memcpy(st->rx_buf, *ip, len);
    if (txp_ipt_nat_apply(st->rx_buf, len, &info.nat, 1) != TXP_OK ||
        txp_ipt_nat_apply(st->rx_buf, len, &info.nat, 0) != TXP_OK)
        return false;
    st->rx_denat++;
    *ip = st->rx_buf;
    return true;
}
#endif

int
txp_stack_rx(struct txp_stack *st, uint32_t ifindex, const uint8_t *frame, size_t len)
{
    st->rx_frames++;
    if (len < TXP_ETH_HLEN)
        return TXP_EBADMSG;
    uint16_t type = txp_load_be16(frame + TXP_ETH_OFF_TYPE);
    if (type == TXP_ETH_P_ARP) {
        int rc = txp_neigh_input(st->neigh, frame, len, ifindex, st->env.now_ns);
        flush_neigh(st);
        if (rc == TXP_EAGAIN)
            st->rx_ignored++;
        return rc;
    }
    if (type == TXP_ETH_P_IP) {
        struct txp_ipv4_hdr ih;
        struct txp_parse_err pe;
        const uint8_t *ip = frame + TXP_ETH_HLEN;
        size_t iplen = len - TXP_ETH_HLEN;
        if (txp_ipv4_parse(ip, iplen, &ih, &pe) < 0)
            return TXP_EBADMSG;
        size_t hl = (size_t)ih.ihl * 4u;
        if (ih.tot_len < hl || ih.tot_len > iplen)
            return TXP_EBADMSG;
#if defined(TXP_STACK_HAVE_IPT)
        if (st->have_ipt && rx_denat(st, &ip, ih.tot_len)) {
            ih.saddr = txp_load_be32(ip + TXP_IPV4_OFF_SADDR);
            ih.daddr = txp_load_be32(ip + TXP_IPV4_OFF_DADDR);
        }
#endif
        if (ih.protocol == TXP_IPPROTO_TCP && (ih.frag_off & (TXP_IP_MF | TXP_IP_OFFMASK)) == 0 &&
            ih.tot_len >= hl + TXP_TCP_HLEN_MIN) {
            const uint8_t *l4 = ip + hl;
            uint16_t sport = txp_load_be16(l4), dport = txp_load_be16(l4 + 2);
            for (uint32_t i = 0; i < TXP_STACK_MAX_FILES; i++) {
                struct txp_stack_file *f = st->files[i];
                if (f && f->tcp && f->daddr == ih.saddr && f->saddr == ih.daddr &&
                    f->dport == sport && f->sport == dport) {
                    int rc = txp_tcp_input(f->tcp, l4, ih.tot_len - hl, st->env.now_ns);
                    flush_sock(st);
                    return rc == TXP_OK ? TXP_OK : TXP_EBADMSG;
                }
            }
        }
    }
    st->rx_ignored++;
    return TXP_EAGAIN;
}

/* ---------------------------------------------------------------- accounting */

void
txp_stack_stage_stats(const struct txp_stack *st,
                      struct txp_stack_stage_stats out[TXP_STACK_ST__COUNT])
{
    memcpy(out, st->stats, sizeof st->stats);
}

static uint64_t
stage_held(const struct txp_stack_stage_stats *s)
{
    return s->in + s->created - s->out - s->dropped;
}

int
txp_stack_totals(const struct txp_stack *st, struct txp_stack_totals *out)
{
    memset(out, 0, sizeof *out);
    int ok = 1;
    uint64_t qlen = 0, ring_held = 0, ring_uncleaned = 0;
    for (uint32_t k = 0; k < st->ndev; k++) {
        const struct txp_stack_dev *dv = &st->dev[k];
        if (dv->ring == NULL)
            continue;
        struct txp_ring_stats rs;
        txp_ring_stats(dv->ring, &rs);
        qlen += txp_qdisc_qlen(dv->q);
        ring_held += rs.tx_packets - rs.dev_frames;
        ring_uncleaned += rs.tx_packets - rs.clean_packets;
    }
    for (int i = 0; i < TXP_STACK_ST__COUNT; i++) {
        const struct txp_stack_stage_stats *s = &st->stats[i];
        out->offered += s->created;
        out->dropped += s->dropped;
        uint64_t held = stage_held(s);
        out->held += held;
        if (s->in + s->created < s->out + s->dropped)
            ok = 0; /* more left than came in */
        if (i != TXP_STACK_ST_NEIGH && i != TXP_STACK_ST_QDISC && i != TXP_STACK_ST_RING &&
            held != 0)
            ok = 0;
    }
    /* Each holder's count, as the component itself reports it. */
    if (stage_held(&st->stats[TXP_STACK_ST_QDISC]) != qlen)
        ok = 0;
    if (stage_held(&st->stats[TXP_STACK_ST_RING]) != ring_held)
        ok = 0;
    uint64_t in_use = (uint64_t)txp_pkt_pool_in_use(st->pool) + txp_pkt_pool_in_use(st->big_pool) -
                      st->sock_out.n - st->neigh_out.n;
    if (stage_held(&st->stats[TXP_STACK_ST_NEIGH]) + qlen + ring_uncleaned != in_use)
        ok = 0;
    out->sent = st->stats[TXP_STACK_ST_RING].out + st->looped;
    out->wire_bytes = st->wire_bytes;
    out->rx_frames = st->rx_frames;
    out->rx_ignored = st->rx_ignored;
#if defined(TXP_STACK_HAVE_IPT)
    out->rx_denat = st->rx_denat;
#else
    out->rx_denat = 0;
#endif
    if (out->offered != out->sent + out->dropped + out->held)
        ok = 0;
    return ok ? TXP_OK : TXP_ERANGE;
}

uint32_t
txp_stack_dev_index(const struct txp_stack *st, const char *name)
{
    for (uint32_t i = 0; i < st->ndev; i++)
        if (strcmp(st->dev[i].name, name) == 0)
            return st->dev[i].ifindex;
    return 0;
}

int
txp_stack_dev_info(const struct txp_stack *st, uint32_t ifindex, uint8_t mac[6], uint32_t *mtu)
{
    for (uint32_t i = 0; i < st->ndev; i++)
        if (st->dev[i].ifindex == ifindex) {
            if (mac)
                memcpy(mac, st->dev[i].mac, 6);
            if (mtu)
                *mtu = st->dev[i].mtu;
            return TXP_OK;
        }
    return TXP_ENOENT;
}

/* ---------------------------------------------------------------- sockets */

/* Metadata every packet of a socket carries (skb->mark, priority, owner...). */
static void
sock_meta(struct txp_stack_file *f, struct txp_pkt *p)
{
    p->meta.flow_id = f->idx + 1;
    p->meta.mark = f->opt.mark;
    p->meta.tos = f->opt.tos;
    p->meta.priority = f->priority;
    p->meta.uid = f->opt.uid;
    p->meta.flags |= TXP_PKT_F_LOCAL_OUT | TXP_PKT_F_RAW_IP;
    p->meta.l3_off = 0;
    p->meta.tstamp_ns = f->st->env.now_ns;
    p->meta.stage = TXP_STACK_ST_SOCK;
}

static void
tcp_emit(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now_ns)
{
    struct txp_stack_file *f = TXP_STACK_CONTAINER(self, struct txp_stack_file, tcp_out);
    (void)now_ns;
    sock_meta(f, p);
    list_add(&f->st->sock_out, p);
}

/* The route a connect uses (ip_route_connect). */
static int
sock_route(struct txp_stack_file *f)
{
    struct txp_fib_flow fl;
    memset(&fl, 0, sizeof fl);
    fl.dst = f->daddr;
    fl.src = f->opt.saddr;
    fl.tos = f->opt.tos;
    fl.mark = f->opt.mark;
    fl.proto = (uint8_t)f->proto;
    fl.sport = f->sport;
    fl.dport = f->dport;
    fl.uid = f->opt.uid;
    int rc = txp_fib_lookup(f->st->fib, &fl, &f->dst.res);
    if (rc != TXP_OK)
        return rc;
    f->dst.valid = true;
    f->saddr = f->dst.res.src;
    return TXP_OK;
}

/* The largest MTU a socket may use: what the pool's buffers hold. */
static uint32_t
sock_mtu(const struct txp_stack_file *f)
{
    uint32_t mtu = f->dst.res.mtu ? f->dst.res.mtu : 1500;
    const struct txp_stack_dev *dv = NULL;
    for (uint32_t i = 0; i < f->st->ndev; i++)
        if (f->st->dev[i].ifindex == f->dst.res.oif)
            dv = &f->st->dev[i];
    if (dv && dv->mtu < mtu)
        mtu = dv->mtu;
    if (mtu > TXP_RING_MAX_MTU)
        mtu = TXP_RING_MAX_MTU;
    if (mtu < TXP_IP_MTU_MIN)
        mtu = TXP_IP_MTU_MIN;
    return mtu;
}

/* tcp_v4_connect + tcp_connect. */
static int
tcp_v4_connect(struct txp_stack_file *f)
{
    struct txp_stack *st = f->st;
    int rc = sock_route(f);
    if (rc != TXP_OK)
        return rc;
    struct txp_tcp_config c;
    txp_tcp_config_default(&c);
    c.saddr = f->saddr;
    c.daddr = f->daddr;
    c.sport = f->sport;
    c.dport = f->dport;
    c.isn = txp_rng_u32(&st->env.rng);
    c.ts_offset = txp_rng_u32(&st->env.rng);
    c.ip_id = (uint16_t)txp_rng_u32(&st->env.rng);
    if (f->opt.pinned) {
        c.isn = f->opt.isn;
        c.ts_offset = f->opt.ts_offset;
        c.ip_id = f->opt.inet_id;
    }
    c.tos = f->opt.tos;
    c.ttl = (uint8_t)st->ip_default_ttl;
    c.mtu = sock_mtu(f);
    c.user_mss = f->opt.user_mss;
    c.opt_ts = st->tcp_timestamps != 0;
    c.opt_sack = st->tcp_sack != 0;
    c.opt_wscale = st->tcp_window_scaling != 0;
    c.nodelay = f->opt.nodelay;
    if (f->opt.sndbuf)
        c.sndbuf = f->opt.sndbuf;
    c.gso_max_size = 0;
    c.pool = st->pool;
    f->tcp_out.fn = tcp_emit;
    c.out = &f->tcp_out;
    rc = txp_tcp_create(&c, st->alloc, &f->tcp);
    if (rc != TXP_OK)
        return rc;
    rc = txp_tcp_connect(f->tcp, st->env.now_ns);
    flush_sock(st);
    return rc;
}

static int64_t
tcp_sendmsg(struct txp_stack_file *f, const void *data, size_t len)
{
    int rc = txp_tcp_sendmsg(f->tcp, data, len, 0, f->st->env.now_ns);
    flush_sock(f->st);
    return rc;
}

static int
tcp_shutdown(struct txp_stack_file *f)
{
    int rc = txp_tcp_shutdown(f->tcp, f->st->env.now_ns);
    flush_sock(f->st);
    return rc;
}

static void
tcp_close(struct txp_stack_file *f)
{
    txp_tcp_destroy(f->tcp);
    f->tcp = NULL;
}

/* ip4_datagram_connect: the route, the source address, a connected socket. */
static int
udp_connect(struct txp_stack_file *f)
{
    int rc = sock_route(f);
    if (rc != TXP_OK)
        return rc;
    struct txp_ip_sock_config c;
    txp_ip_sock_config_default(&c);
    c.saddr = f->saddr;
    c.daddr = f->daddr;
    c.sport = f->sport;
    c.dport = f->dport;
    c.protocol = TXP_IPPROTO_UDP;
    c.tos = f->opt.tos;
    c.ttl = f->st->ip_default_ttl == 64 ? -1 : f->st->ip_default_ttl;
    c.pmtudisc = f->opt.pmtudisc > 0      ? (enum txp_ip_pmtudisc)(f->opt.pmtudisc - 1)
                 : f->st->ip_no_pmtu_disc ? TXP_IP_PMTUDISC_DONT
                                          : TXP_IP_PMTUDISC_WANT;
    c.connected = true;
    c.inet_id = (uint16_t)txp_rng_u32(&f->st->env.rng);
    if (f->opt.pinned)
        c.inet_id = f->opt.inet_id;
    return txp_ip_sock_create(&c, f->st->ids, f->st->alloc, &f->udp);
}

/* udp_sendmsg: the datagram is built whole (ip_append_data + ip_make_skb), so that netfilter
 * sees and NATs all of it; ip_finish_output cuts it at the route MTU after POSTROUTING. Under
 * IP_PMTUDISC_DO/PROBE a datagram over the MTU is EMSGSIZE (the ip component says so); under
 * WANT/DONT it goes without DF. */
static int64_t
udp_sendmsg(struct txp_stack_file *f, const void *data, size_t len)
{
    struct txp_stack *st = f->st;
    uint32_t mtu = sock_mtu(f);
    int mode = f->opt.pmtudisc > 0   ? f->opt.pmtudisc - 1
               : st->ip_no_pmtu_disc ? TXP_IP_PMTUDISC_DONT
                                     : TXP_IP_PMTUDISC_WANT;
    bool whole = len + 28u > mtu && mode != TXP_IP_PMTUDISC_DO && mode != TXP_IP_PMTUDISC_PROBE;
    struct txp_ip_route rt = {whole ? TXP_IP_MTU_MAX : mtu, false, 0};
    struct txp_ip_out out = {whole ? st->big_pool : st->pool, st->frag, TXP_STACK_MAX_FRAGS, 0};
    int rc = txp_ip_udp_sendmsg(f->udp, &rt, data, len, 0, st->env.now_ns, &out);
    if (rc != TXP_OK)
        return rc;
    for (size_t k = 0; k < out.n; k++) {
        struct txp_pkt *p = out.pkts[k];
        uint8_t *ip = txp_pkt_data(p);
        uint16_t frag = txp_load_be16(ip + TXP_IPV4_OFF_FRAG);
        if (whole && (frag & TXP_IP_DF)) {
            /* It did not fit the real route MTU, so it carries no DF (__ip_make_skb). */
            uint16_t nf = (uint16_t)(frag & ~TXP_IP_DF);
            txp_store_be16(ip + TXP_IPV4_OFF_FRAG, nf);
            uint16_t ck = txp_load_be16(ip + TXP_IPV4_OFF_CSUM);
            txp_store_be16(ip + TXP_IPV4_OFF_CSUM, txp_csum_update16(ck, frag, nf));
        }
        sock_meta(f, p);
        list_add(&st->sock_out, p);
    }
    flush_sock(st);
    return (int64_t)len;
}

static int
udp_shutdown(struct txp_stack_file *f)
{
    (void)f;
    return TXP_OK;
}

static void
udp_close(struct txp_stack_file *f)
{
    txp_ip_sock_destroy(f->udp);
    f->udp = NULL;
}

static const struct txp_stack_proto tcp_prot = {"TCP", tcp_v4_connect, tcp_sendmsg, tcp_shutdown,
                                                tcp_close};
static const struct txp_stack_proto udp_prot = {"UDP", udp_connect, udp_sendmsg, udp_shutdown,
                                                udp_close};

/* inet_stream_connect / inet_dgram_connect: bind a port when none is bound, then the
 * protocol's connect. */
static int
inet_connect(struct txp_stack_file *f, uint32_t daddr, uint16_t dport)
{
    if (f->connected)
        return TXP_EINVAL;
    f->daddr = daddr;
    f->dport = dport;
    int rc = f->prot->connect(f);
    if (rc == TXP_OK)
        f->connected = true;
    else
        f->last_err = rc;
    return rc;
}

/* inet_sendmsg: sk->sk_prot->sendmsg. */
static int64_t
inet_sendmsg(struct txp_stack_file *f, const void *data, size_t len)
{
    if (!f->connected)
        return f->proto == TXP_IPPROTO_TCP ? TXP_ENOTCONN : TXP_EINVAL;
    int64_t rc = f->prot->sendmsg(f, data, len);
    if (rc < 0)
        f->last_err = (int)rc;
    return rc;
}

static int
inet_shutdown(struct txp_stack_file *f)
{
    if (!f->connected)
        return TXP_ENOTCONN;
    return f->prot->shutdown(f);
}

static const struct txp_stack_proto_ops inet_stream_ops = {"inet_stream_ops", inet_connect,
                                                           inet_sendmsg, inet_shutdown};
static const struct txp_stack_proto_ops inet_dgram_ops = {"inet_dgram_ops", inet_connect,
                                                          inet_sendmsg, inet_shutdown};

/* sock_sendmsg -> sock->ops->sendmsg. */
static int64_t
sock_sendmsg(struct txp_stack_file *f, const void *data, size_t len)
{
    return f->ops->sendmsg(f, data, len);
}

/* sock_write_iter: a write() on a socket file is a sendmsg without flags. */
static int64_t
sock_write_iter(struct txp_stack_file *f, const void *data, size_t len)
{
    if (len == 0 && f->proto == TXP_IPPROTO_TCP)
        return 0;
    return sock_sendmsg(f, data, len);
}

static const struct txp_stack_file_ops socket_file_ops = {"socket_file_ops", sock_write_iter};

int
txp_stack_socket(struct txp_stack *st, int proto, const struct txp_stack_sockopt *o,
                 struct txp_stack_file **out)
{
    if (proto != TXP_IPPROTO_TCP && proto != TXP_IPPROTO_UDP)
        return TXP_EINVAL;
    uint32_t idx = 0;
    while (idx < TXP_STACK_MAX_FILES && st->files[idx])
        idx++;
    if (idx == TXP_STACK_MAX_FILES)
        return TXP_ENOSPC;
    struct txp_stack_file *f = txp_alloc_mem(st->alloc, sizeof *f, 16);
    if (f == NULL)
        return TXP_ENOMEM;
    f->st = st;
    f->idx = idx;
    f->proto = proto;
    if (o)
        f->opt = *o;
    if (f->opt.pmtudisc < 0 || f->opt.pmtudisc > 4) {
        txp_free(st->alloc, f);
        return TXP_EINVAL;
    }
    f->f_op = &socket_file_ops;
    f->ops = proto == TXP_IPPROTO_TCP ? &inet_stream_ops : &inet_dgram_ops;
    f->prot = proto == TXP_IPPROTO_TCP ? &tcp_prot : &udp_prot;
    f->sport = f->opt.sport ? f->opt.sport : (uint16_t)(40000u + idx);
    struct txp_qdisc_sockprio sp;
    txp_qdisc_sockprio_init(&sp, proto == TXP_IPPROTO_TCP);
    if (f->opt.tos)
        (void)txp_qdisc_sockprio_set_tos(&sp, f->opt.tos);
    f->priority = sp.priority;
    st->files[idx] = f;
    *out = f;
    return TXP_OK;
}

int
txp_stack_connect(struct txp_stack_file *f, uint32_t daddr, uint16_t dport)
{
    return f->ops->connect(f, daddr, dport);
}

int64_t
txp_stack_write(struct txp_stack_file *f, const void *data, size_t len)
{
    int64_t rc = f->f_op->write_iter(f, data, len);
    if (rc > 0)
        f->written += (uint64_t)rc;
    return rc;
}

int
txp_stack_shutdown(struct txp_stack_file *f)
{
    int rc = f->ops->shutdown(f);
    if (rc == TXP_OK)
        f->shut = true;
    return rc;
}

void
txp_stack_close(struct txp_stack_file *f)
{
    if (f == NULL)
        return;
    struct txp_stack *st = f->st;
    f->prot->close(f);
    st->files[f->idx] = NULL;
    txp_free(st->alloc, f);
}

void
txp_stack_sockinfo(const struct txp_stack_file *f, struct txp_stack_sockinfo *out)
{
    memset(out, 0, sizeof *out);
    out->proto = f->proto;
    out->bytes_written = f->written;
    out->last_err = f->last_err;
    if (f->tcp) {
        struct txp_tcp_info ti;
        txp_tcp_get_info(f->tcp, &ti);
        out->established = ti.state == TXP_TCP_ESTABLISHED || ti.state == TXP_TCP_FIN_SENT;
        out->reset = ti.state == TXP_TCP_RESET;
        out->finished = ti.state == TXP_TCP_FIN_SENT && ti.snd_una == ti.write_seq &&
                        ti.snd_nxt == ti.write_seq;
        /* Data not yet acknowledged: [snd_una, write_seq) less a queued, unacked FIN. */
        uint32_t unacked = ti.write_seq - ti.snd_una;
        if (ti.state == TXP_TCP_FIN_SENT && unacked > 0)
            unacked--;
        if (ti.state == TXP_TCP_SYN_SENT || ti.state == TXP_TCP_CLOSED)
            out->bytes_acked = 0;
        else
            out->bytes_acked = f->written > unacked ? f->written - unacked : 0;
        out->retrans = ti.retrans_segs;
        out->mss = ti.mss_cache;
        out->cwnd = ti.cwnd;
    } else {
        out->established = f->connected;
        out->finished = f->connected && f->st->sock_out.n == 0;
        out->bytes_acked = f->written;
    }
}

int
txp_stack_route_get(const struct txp_stack *st, uint32_t daddr, uint8_t tos, uint32_t mark,
                    uint32_t *gw, uint32_t *oif, uint32_t *src)
{
    struct txp_fib_flow fl;
    struct txp_fib_result res;
    memset(&fl, 0, sizeof fl);
    fl.dst = daddr;
    fl.tos = tos;
    fl.mark = mark;
    int rc = txp_fib_lookup(st->fib, &fl, &res);
    if (rc != TXP_OK)
        return rc;
    *gw = res.gw;
    *oif = res.oif;
    *src = res.src;
    return TXP_OK;
}

size_t
txp_stack_iptables_save(const struct txp_stack *st, bool counters, char *out, size_t cap)
{
    if (out && cap)
        out[0] = '\0';
#if defined(TXP_STACK_HAVE_IPT)
    if (st->have_ipt) {
        struct txp_ipt_print_opts po;
        memset(&po, 0, sizeof po);
        po.counters = counters ? 1 : 0;
        return txp_ipt_print(&st->ipt, &po, out, cap);
    }
#else
    (void)st;
    (void)counters;
#endif
    return 0;
}
