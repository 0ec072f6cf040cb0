/* SPDX-License-Identifier: MIT */
/*
 * txpath neigh: the IPv4 neighbour table, following net/core/neighbour.c and net/ipv4/arp.c
 * (6.18): __neigh_event_send, neigh_timer_handler, __neigh_update, neigh_probe/arp_solicit,
 * neigh_invalidate, arp_process, neigh_periodic_work and neigh_forced_gc, with times in
 * nanoseconds of an injected clock and randomness from a seeded PRNG.
 *
 * Entries live in a chained hash table keyed by (ifindex, address) with a seeded multiplier.
 * Timers are a binary heap of (time, sequence, entry, generation); re-arming bumps the entry's
 * generation so stale heap items are skipped. An entry removed while heap items still point at
 * it is parked until they are gone.
 */
#include "neigh_int.h"

#include <stdio.h>
#include <string.h>

#include "txpath/prot/arp.h"
#include "txpath/prot/eth.h"

#define NUD_IN_TIMER (TXP_NUD_INCOMPLETE | TXP_NUD_REACHABLE | TXP_NUD_DELAY | TXP_NUD_PROBE)
#define NUD_VALID                                                                                  \
    (TXP_NUD_PERMANENT | TXP_NUD_NOARP | TXP_NUD_REACHABLE | TXP_NUD_PROBE | TXP_NUD_STALE |       \
     TXP_NUD_DELAY)
#define NUD_CONNECTED (TXP_NUD_PERMANENT | TXP_NUD_NOARP | TXP_NUD_REACHABLE)

#define UPD_OVERRIDE 1u
#define UPD_WEAK_OVERRIDE 2u
#define UPD_ADMIN 8u

#define MS 1000000ll
#define HZ100 (10 * MS) /* HZ/100: the shortest neighbour timer */

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

const char *
txp_neigh_state_name(unsigned s)
{
    switch (s) {
    case TXP_NUD_NONE:
        return "NONE";
    case TXP_NUD_INCOMPLETE:
        return "INCOMPLETE";
    case TXP_NUD_REACHABLE:
        return "REACHABLE";
    case TXP_NUD_STALE:
        return "STALE";
    case TXP_NUD_DELAY:
        return "DELAY";
    case TXP_NUD_PROBE:
        return "PROBE";
    case TXP_NUD_FAILED:
        return "FAILED";
    case TXP_NUD_NOARP:
        return "NOARP";
    case TXP_NUD_PERMANENT:
        return "PERMANENT";
    default:
        return "?";
    }
}

void
txp_neigh_parms_default(struct txp_neigh_parms *p)
{
    memset(p, 0, sizeof *p);
    p->base_reachable_time_ns = 30000 * (uint64_t)MS;
    p->retrans_time_ns = 1000 * (uint64_t)MS;
    p->delay_first_probe_time_ns = 5000 * (uint64_t)MS;
    p->gc_stale_time_ns = 60000 * (uint64_t)MS;
    p->locktime_ns = 1000 * (uint64_t)MS;
    p->mcast_solicit = 3;
    p->ucast_solicit = 3;
    p->unres_qlen_bytes = 212992;
}

void
txp_neigh_config_default(struct txp_neigh_config *c)
{
    memset(c, 0, sizeof *c);
    c->gc_thresh1 = 128;
    c->gc_thresh2 = 512;
    c->gc_thresh3 = 1024;
    c->truesize_overhead = 768;
}

/* ---- PRNG (splitmix64 of the seed; reachable_time only) ---- */

static uint64_t
rnd64(struct txp_neigh *n)
{
    uint64_t z = (n->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* neigh_rand_reach_time: uniform in [base/2, 3*base/2). */
static int64_t
rand_reach_time(struct txp_neigh *n, uint64_t base)
{
    if (!base)
        return 0;
    return (int64_t)(rnd64(n) % base + (base >> 1));
}

/* ---- devices ---- */

struct neigh_devst *
txp_neigh__dev(const struct txp_neigh *n, uint32_t ifindex)
{
    for (uint32_t i = 0; i < n->ndev; i++)
        if (n->dev[i].d.ifindex == ifindex)
            return &n->dev[i];
    return NULL;
}

static uint32_t
mask_of(uint8_t plen)
{
    return plen ? 0xFFFFFFFFu << (32 - plen) : 0;
}

/* Is @p ip one of our addresses (inet_addr_type == RTN_LOCAL)? */
static int
is_local(const struct txp_neigh *n, uint32_t ip)
{
    for (uint32_t i = 0; i < n->ndev; i++)
        for (uint32_t k = 0; k < n->dev[i].d.naddr; k++)
            if (n->dev[i].d.addr[k] == ip)
                return 1;
    return 0;
}

/* inet_addr_onlink: @p a and @p b both inside one subnet of @p dev. */
static int
onlink(const struct txp_neigh_dev *dev, uint32_t a, uint32_t b)
{
    for (uint32_t k = 0; k < dev->naddr; k++) {
        uint32_t m = mask_of(dev->plen[k]);
        if ((a & m) == (dev->addr[k] & m) && (b & m) == (dev->addr[k] & m))
            return 1;
    }
    return 0;
}

/* inet_select_addr(dev, dst, RT_SCOPE_LINK), simplified: an address of the device whose subnet
 * holds dst, else its primary address, else any address of another device, else 0. */
static uint32_t
select_addr(const struct txp_neigh *n, const struct txp_neigh_dev *dev, uint32_t dst)
{
    for (uint32_t k = 0; k < dev->naddr; k++) {
        uint32_t m = mask_of(dev->plen[k]);
        if ((dst & m) == (dev->addr[k] & m))
            return dev->addr[k];
    }
    if (dev->naddr)
        return dev->addr[0];
    for (uint32_t i = 0; i < n->ndev; i++)
        if (n->dev[i].d.naddr && (n->dev[i].d.addr[0] >> 24) != 127)
            return n->dev[i].d.addr[0];
    return 0;
}

/* RTN_BROADCAST for the device: limited broadcast or a connected subnet's broadcast. */
static int
is_bcast(const struct txp_neigh_dev *dev, uint32_t ip)
{
    if (ip == 0xFFFFFFFFu)
        return 1;
    for (uint32_t k = 0; k < dev->naddr; k++)
        if (dev->plen[k] < 31 && ip == (dev->addr[k] | ~mask_of(dev->plen[k])))
            return 1;
    return 0;
}

/* ---- drop accounting ---- */

static void
drop_pkt(struct txp_neigh *n, struct txp_pkt *p, enum txp_drop_reason r, int err, uint64_t now)
{
    p->meta.drop_reason = (uint16_t)r;
    p->next = NULL;
    n->stats.drop_reason[r]++;
    n->cfg.io.drop(n->cfg.io.ctx, p, err, now);
}

/* ---- hash table ---- */

static uint32_t
hash_of(const struct txp_neigh *n, uint32_t ifindex, uint32_t ip)
{
    /* multiplicative hashing: the top bits of the product are the well-mixed ones */
    uint64_t h = ((uint64_t)ifindex << 32 | ip) * n->hash_mul;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return (uint32_t)(h >> 32) & (n->nbucket - 1);
}

struct neigh_entry *
txp_neigh__find(const struct txp_neigh *n, uint32_t ifindex, uint32_t ip)
{
    for (struct neigh_entry *e = n->bucket[hash_of(n, ifindex, ip)]; e; e = e->hnext)
        if (e->ip == ip && e->ifindex == ifindex)
            return e;
    return NULL;
}

static int
grow(struct txp_neigh *n)
{
    uint32_t nb = n->nbucket * 2;
    struct neigh_entry **b = txp_alloc_mem(n->alloc, sizeof(*b) * nb, _Alignof(void *));
    if (!b)
        return TXP_ENOMEM;
    uint32_t old = n->nbucket;
    struct neigh_entry **ob = n->bucket;
    n->bucket = b;
    n->nbucket = nb;
    for (uint32_t i = 0; i < old; i++) {
        struct neigh_entry *e = ob[i];
        while (e) {
            struct neigh_entry *next = e->hnext;
            uint32_t h = hash_of(n, e->ifindex, e->ip);
            e->hnext = b[h];
            b[h] = e;
            e = next;
        }
    }
    txp_free(n->alloc, ob);
    return TXP_OK;
}

/* ---- timers ---- */

static void
heap_swap(struct neigh_titem *a, struct neigh_titem *b)
{
    struct neigh_titem t = *a;
    *a = *b;
    *b = t;
}

static int
ti_less(const struct neigh_titem *a, const struct neigh_titem *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
heap_pop(struct txp_neigh *n)
{
    n->heap[0] = n->heap[--n->nheap];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        if (l < n->nheap && ti_less(&n->heap[l], &n->heap[m]))
            m = l;
        if (l + 1 < n->nheap && ti_less(&n->heap[l + 1], &n->heap[m]))
            m = l + 1;
        if (m == i)
            break;
        heap_swap(&n->heap[i], &n->heap[m]);
        i = m;
    }
}

static int
mod_timer(struct txp_neigh *n, struct neigh_entry *e, int64_t t)
{
    if (n->nheap == n->heapcap) {
        uint32_t cap = n->heapcap ? n->heapcap * 2 : 64;
        struct neigh_titem *h = txp_alloc_mem(n->alloc, sizeof(*h) * cap, _Alignof(uint64_t));
        if (!h)
            return TXP_ENOMEM;
        if (n->nheap)
            memcpy(h, n->heap, sizeof(*h) * n->nheap);
        txp_free(n->alloc, n->heap);
        n->heap = h;
        n->heapcap = cap;
    }
    if (t < 0)
        t = 0;
    e->timer_gen++;
    e->timer_on = 1;
    e->timer_at = t;
    e->heap_refs++;
    struct neigh_titem it = {(uint64_t)t, n->seq++, e, e->timer_gen};
    uint32_t i = n->nheap++;
    n->heap[i] = it;
    while (i > 0 && ti_less(&n->heap[i], &n->heap[(i - 1) / 2])) {
        heap_swap(&n->heap[i], &n->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return TXP_OK;
}

static void
del_timer(struct neigh_entry *e)
{
    e->timer_on = 0;
    e->timer_gen++;
}

/* ---- frames ---- */

static struct txp_pkt *
arp_frame(struct txp_neigh *n, const struct neigh_devst *ds, uint16_t op, const uint8_t *eth_dst,
          uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    struct txp_pkt *f = txp_pkt_alloc(n->cfg.pool);
    if (!f)
        return NULL;
    uint8_t *b = txp_pkt_put(f, TXP_ETH_HLEN + TXP_ARP_LEN);
    if (!b) {
        txp_pkt_free(f);
        return NULL;
    }
    struct txp_eth_hdr eh;
    memcpy(eh.dst, eth_dst ? eth_dst : bcast, 6);
    memcpy(eh.src, ds->d.mac, 6);
    eh.type = TXP_ETH_P_ARP;
    txp_eth_build(b, TXP_ETH_HLEN, &eh);
    struct txp_arp_hdr ah;
    memset(&ah, 0, sizeof ah);
    ah.htype = TXP_ARP_HRD_ETHER;
    ah.ptype = TXP_ETH_P_IP;
    ah.hlen = 6;
    ah.plen = 4;
    ah.oper = op;
    memcpy(ah.sha, ds->d.mac, 6);
    ah.spa = spa;
    if (tha)
        memcpy(ah.tha, tha, 6);
    ah.tpa = tpa;
    txp_arp_build(b + TXP_ETH_HLEN, TXP_ARP_LEN, &ah);
    f->meta.l2_off = 0;
    return f;
}

static void
send_arp(struct txp_neigh *n, const struct neigh_devst *ds, uint16_t op, const uint8_t *eth_dst,
         uint32_t spa, const uint8_t *tha, uint32_t tpa, int64_t now)
{
    if (ds->d.noarp)
        return; /* arp_send: no ARP on an IFF_NOARP device */
    struct txp_pkt *f = arp_frame(n, ds, op, eth_dst, spa, tha, tpa);
    if (!f) {
        n->stats.drop_reason[TXP_DROP_NOMEM]++;
        return;
    }
    if (op == TXP_ARP_OP_REQUEST)
        n->stats.arp_tx_requests++;
    else
        n->stats.arp_tx_replies++;
    f->meta.tstamp_ns = (uint64_t)now;
    n->cfg.io.xmit(n->cfg.io.ctx, ds->d.ifindex, f, (uint64_t)now);
}

/* Push the Ethernet header and hand the frame out (neigh_connected_output). */
static int
xmit_data(struct txp_neigh *n, struct neigh_entry *e, struct txp_pkt *p, int64_t now)
{
    uint8_t *h = txp_pkt_push(p, TXP_ETH_HLEN);
    if (!h) {
        drop_pkt(n, p, TXP_DROP_DEV_HDR, TXP_ENOSPC, (uint64_t)now);
        return TXP_ENOSPC;
    }
    memcpy(h, e->ha, 6);
    memcpy(h + 6, e->dev->d.mac, 6);
    h[12] = 0x08;
    h[13] = 0x00;
    p->meta.l2_off = 0;
    if (p->meta.l3_off != 0xFFFF)
        p->meta.l3_off = (uint16_t)(p->meta.l3_off + TXP_ETH_HLEN);
    p->meta.out_ifindex = e->ifindex;
    p->meta.tstamp_ns = (uint64_t)now;
    p->next = NULL;
    n->stats.sent++;
    n->cfg.io.xmit(n->cfg.io.ctx, e->ifindex, p, (uint64_t)now);
    return TXP_OK;
}

/* ---- the state machine ---- */

static uint32_t
max_probes(const struct neigh_entry *e)
{
    const struct txp_neigh_parms *p = &e->dev->d.parms;
    return p->ucast_solicit + p->app_solicit +
           ((e->state & TXP_NUD_PROBE) ? p->mcast_resolicit : p->mcast_solicit);
}

/* arp_solicit, with the packet at the tail of the queue (neigh_probe). */
static void
solicit(struct txp_neigh *n, struct neigh_entry *e, const struct txp_pkt *skb, int64_t now)
{
    const struct neigh_devst *ds = e->dev;
    uint32_t saddr = 0, target = e->ip;
    uint32_t ipsrc = 0;
    int have_src = 0;
    if (skb && skb->len >= 20) {
        const uint8_t *ip = txp_pkt_data(skb);
        ipsrc = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
        have_src = 1;
    }
    switch (ds->d.parms.arp_announce) {
    case 1:
        if (have_src && is_local(n, ipsrc) && onlink(&ds->d, target, ipsrc))
            saddr = ipsrc;
        break;
    case 2:
        break;
    default:
        if (have_src && is_local(n, ipsrc))
            saddr = ipsrc;
        break;
    }
    if (!saddr)
        saddr = select_addr(n, &ds->d, target);
    int64_t probes = (int64_t)e->probes - ds->d.parms.ucast_solicit;
    const uint8_t *dst = NULL;
    if (probes < 0) {
        dst = e->ha; /* unicast probe to the cached address */
    } else if (probes - (int64_t)ds->d.parms.app_solicit < 0) {
        return; /* an application probe (neigh_app_ns): netlink, no frame */
    }
    send_arp(n, ds, TXP_ARP_OP_REQUEST, dst, saddr, NULL, target, now);
}

static void
neigh_probe(struct txp_neigh *n, struct neigh_entry *e, int64_t now)
{
    solicit(n, e, e->qtail, now);
    e->probes++;
}

/* neigh_invalidate: FAILED; queued packets are reported unreachable and dropped. */
static void
invalidate(struct txp_neigh *n, struct neigh_entry *e, int64_t now)
{
    n->stats.res_failed++;
    e->updated = now;
    while (e->qhead) {
        struct txp_pkt *p = e->qhead;
        e->qhead = p->next;
        drop_pkt(n, p, TXP_DROP_NEIGH_FAILED, TXP_EHOSTUNREACH, (uint64_t)now);
    }
    e->qtail = NULL;
    e->qlen = 0;
    e->qbytes = 0;
}

static uint32_t
truesize(const struct txp_neigh *n, const struct txp_pkt *p)
{
    return n->cfg.truesize_overhead + ((p->len + 63u) & ~63u);
}

static int entry_output(struct txp_neigh *n, struct neigh_entry *e, struct txp_pkt *p, int64_t now);

/* __neigh_update. */
static int
neigh_update(struct txp_neigh *n, struct neigh_entry *e, const uint8_t *lladdr, unsigned newst,
             unsigned flags, int64_t now)
{
    unsigned old = e->state;
    if (!(flags & UPD_ADMIN) && (old & (TXP_NUD_NOARP | TXP_NUD_PERMANENT)))
        return TXP_EPERM;
    if (!(newst & NUD_VALID)) {
        del_timer(e);
        e->state = newst;
        if ((old & (TXP_NUD_INCOMPLETE | TXP_NUD_PROBE)) && (newst & TXP_NUD_FAILED))
            invalidate(n, e, now);
        return TXP_OK;
    }
    int same_addr;
    if (lladdr) {
        same_addr = (old & NUD_VALID) && !memcmp(lladdr, e->ha, 6);
    } else {
        if (!(old & NUD_VALID))
            return TXP_EINVAL; /* no link-layer address given */
        lladdr = e->ha;
        same_addr = 1;
    }
    if (newst & NUD_CONNECTED)
        e->confirmed = now;
    if (old & NUD_VALID) {
        if (!same_addr && !(flags & UPD_OVERRIDE)) {
            if ((flags & UPD_WEAK_OVERRIDE) && (old & NUD_CONNECTED)) {
                lladdr = e->ha;
                same_addr = 1;
                newst = TXP_NUD_STALE;
            } else {
                return TXP_OK;
            }
        } else if (same_addr && newst == TXP_NUD_STALE && !(flags & UPD_ADMIN)) {
            newst = old;
        }
    }
    if (newst != old || !same_addr)
        e->updated = now;
    if (newst != old) {
        del_timer(e);
        if (newst & TXP_NUD_PROBE)
            e->probes = 0;
        if (newst & NUD_IN_TIMER)
            mod_timer(n, e, now + ((newst & TXP_NUD_REACHABLE) ? e->dev->reachable_time : 0));
        e->state = newst;
    }
    if (!same_addr) {
        memcpy(e->ha, lladdr, 6);
        if (!(newst & NUD_CONNECTED))
            e->confirmed = now - (int64_t)(e->dev->d.parms.base_reachable_time_ns << 1);
    }
    if (newst == old)
        return TXP_OK;
    if (!(old & NUD_VALID)) {
        /* resolved: the queue leaves in order through the entry's output */
        while ((e->state & NUD_VALID) && e->qhead) {
            struct txp_pkt *p = e->qhead;
            e->qhead = p->next;
            if (!e->qhead)
                e->qtail = NULL;
            e->qlen--;
            e->qbytes -= truesize(n, p);
            p->next = NULL;
            entry_output(n, e, p, now);
        }
        while (e->qhead) { /* the loop stopped because the entry went invalid again */
            struct txp_pkt *p = e->qhead;
            e->qhead = p->next;
            drop_pkt(n, p, TXP_DROP_NEIGH_DEAD, 0, (uint64_t)now);
        }
        e->qtail = NULL;
        e->qlen = 0;
        e->qbytes = 0;
    }
    return TXP_OK;
}

/* __neigh_event_send: 0 = send now, 1 = consumed (queued or dropped). */
static int
event_send(struct txp_neigh *n, struct neigh_entry *e, struct txp_pkt *p, int64_t now)
{
    const struct txp_neigh_parms *pa = &e->dev->d.parms;
    int immediate = 0;
    if (e->state & (NUD_CONNECTED | TXP_NUD_DELAY | TXP_NUD_PROBE))
        return 0;
    if (!(e->state & (TXP_NUD_STALE | TXP_NUD_INCOMPLETE))) {
        if (pa->mcast_solicit + pa->app_solicit) {
            e->probes = pa->ucast_solicit;
            del_timer(e);
            e->state = TXP_NUD_INCOMPLETE;
            e->updated = now;
            immediate = 1;
            int64_t rt = (int64_t)pa->retrans_time_ns;
            mod_timer(n, e, now + (rt > HZ100 ? rt : HZ100));
        } else {
            e->state = TXP_NUD_FAILED;
            e->updated = now;
            if (p)
                drop_pkt(n, p, TXP_DROP_NEIGH_FAILED, 0, (uint64_t)now);
            return 1;
        }
    } else if (e->state & TXP_NUD_STALE) {
        del_timer(e);
        e->state = TXP_NUD_DELAY;
        e->updated = now;
        mod_timer(n, e, now + (int64_t)pa->delay_first_probe_time_ns);
    }
    int rc = 0;
    if (e->state == TXP_NUD_INCOMPLETE) {
        if (p) {
            uint32_t ts = truesize(n, p);
            while (e->qbytes + ts > pa->unres_qlen_bytes && e->qhead) {
                struct txp_pkt *old = e->qhead;
                e->qhead = old->next;
                if (!e->qhead)
                    e->qtail = NULL;
                e->qlen--;
                e->qbytes -= truesize(n, old);
                n->stats.unres_discards++;
                drop_pkt(n, old, TXP_DROP_NEIGH_QUEUEFULL, 0, (uint64_t)now);
            }
            p->next = NULL;
            if (e->qtail)
                e->qtail->next = p;
            else
                e->qhead = p;
            e->qtail = p;
            e->qlen++;
            e->qbytes += ts;
        }
        rc = 1;
    }
    if (immediate)
        neigh_probe(n, e, now);
    return rc;
}

/* neigh_output: a connected entry goes out through the header cache without touching `used`
 * (so a busy flow still sees REACHABLE -> STALE -> DELAY -> PROBE every reachable_time);
 * otherwise neigh_resolve_output -> neigh_event_send_probe stamps `used` first. */
static int
entry_output(struct txp_neigh *n, struct neigh_entry *e, struct txp_pkt *p, int64_t now)
{
    if (e->state & NUD_CONNECTED)
        return xmit_data(n, e, p, now);
    e->used = now;
    if (event_send(n, e, p, now))
        return TXP_OK;
    return xmit_data(n, e, p, now);
}

/* neigh_timer_handler, at the timer's own time @p now. */
static void
timer_handler(struct txp_neigh *n, struct neigh_entry *e, int64_t now)
{
    const struct txp_neigh_parms *pa = &e->dev->d.parms;
    int64_t next = now + 1000 * MS;
    int64_t rt = (int64_t)pa->retrans_time_ns > HZ100 ? (int64_t)pa->retrans_time_ns : HZ100;
    int64_t dp = (int64_t)pa->delay_first_probe_time_ns;
    unsigned st = e->state;
    if (!(st & NUD_IN_TIMER))
        return;
    if (st & TXP_NUD_REACHABLE) {
        if (now <= e->confirmed + e->dev->reachable_time) {
            next = e->confirmed + e->dev->reachable_time;
        } else if (now <= e->used + dp) {
            e->state = TXP_NUD_DELAY;
            e->updated = now;
            next = now + dp;
        } else {
            e->state = TXP_NUD_STALE;
            e->updated = now;
        }
    } else if (st & TXP_NUD_DELAY) {
        if (now <= e->confirmed + dp) {
            e->state = TXP_NUD_REACHABLE;
            e->updated = now;
            next = e->confirmed + e->dev->reachable_time;
        } else {
            e->state = TXP_NUD_PROBE;
            e->updated = now;
            e->probes = 0;
            next = now + rt;
        }
    } else {
        next = now + rt; /* PROBE or INCOMPLETE */
    }
    if ((e->state & (TXP_NUD_INCOMPLETE | TXP_NUD_PROBE)) && e->probes >= max_probes(e)) {
        e->state = TXP_NUD_FAILED;
        invalidate(n, e, now);
        return;
    }
    if (e->state & NUD_IN_TIMER) {
        if (next < now + HZ100)
            next = now + HZ100;
        mod_timer(n, e, next);
    }
    if (e->state & (TXP_NUD_INCOMPLETE | TXP_NUD_PROBE))
        neigh_probe(n, e, now);
}

/* ---- entries ---- */

static void
unlink_entry(struct txp_neigh *n, struct neigh_entry *e, int64_t now)
{
    struct neigh_entry **pp = &n->bucket[hash_of(n, e->ifindex, e->ip)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    while (e->qhead) {
        struct txp_pkt *p = e->qhead;
        e->qhead = p->next;
        drop_pkt(n, p, TXP_DROP_NEIGH_DEAD, 0, (uint64_t)now);
    }
    e->qtail = NULL;
    del_timer(e);
    e->dead = 1;
    n->count--;
    if (!(e->state & TXP_NUD_PERMANENT))
        n->gc_entries--;
    n->stats.destroys++;
    if (e->heap_refs) {
        e->hnext = n->grave;
        n->grave = e;
    } else {
        txp_free(n->alloc, e);
    }
}

/* neigh_forced_gc: drop unreferenced FAILED/NOARP entries and those not updated for 5 s,
 * oldest first, down to gc_thresh2. @return entries removed. */
static uint32_t
forced_gc(struct txp_neigh *n, int64_t now)
{
    n->stats.forced_gc_runs++;
    int64_t max_clean = (int64_t)n->gc_entries - n->cfg.gc_thresh2;
    uint32_t shrunk = 0;
    if (max_clean > 0) {
        for (uint32_t i = 0; i < n->nbucket && (int64_t)shrunk < max_clean; i++) {
            struct neigh_entry *e = n->bucket[i];
            while (e && (int64_t)shrunk < max_clean) {
                struct neigh_entry *next = e->hnext;
                if (!(e->state & (TXP_NUD_PERMANENT | NUD_IN_TIMER)) && !e->qhead &&
                    (e->state == TXP_NUD_FAILED || e->state == TXP_NUD_NOARP ||
                     now - e->updated > 5000 * MS)) {
                    unlink_entry(n, e, now);
                    shrunk++;
                }
                e = next;
            }
        }
    }
    n->last_flush = now;
    return shrunk;
}

static struct neigh_entry *
create_entry(struct txp_neigh *n, struct neigh_devst *ds, uint32_t ip, int64_t now)
{
    uint32_t entries = n->gc_entries;
    if (entries >= n->cfg.gc_thresh3 ||
        (entries >= n->cfg.gc_thresh2 && now > n->last_flush + 5000 * MS)) {
        if (!forced_gc(n, now) && entries >= n->cfg.gc_thresh3) {
            n->stats.table_fulls++;
            return NULL;
        }
    }
    if (n->count + 1 > n->nbucket && grow(n) != TXP_OK)
        return NULL;
    struct neigh_entry *e = txp_alloc_mem(n->alloc, sizeof *e, _Alignof(struct neigh_entry));
    if (!e)
        return NULL;
    e->ifindex = ds->d.ifindex;
    e->ip = ip;
    e->dev = ds;
    e->state = TXP_NUD_NONE;
    e->updated = e->used = now;
    e->confirmed = now - (int64_t)(ds->d.parms.base_reachable_time_ns << 1);
    /* arp_constructor */
    if ((ip >> 28) == 0xE) {
        e->state = TXP_NUD_NOARP;
        e->ha[0] = 0x01;
        e->ha[1] = 0x00;
        e->ha[2] = 0x5e;
        e->ha[3] = (uint8_t)((ip >> 16) & 0x7F);
        e->ha[4] = (uint8_t)(ip >> 8);
        e->ha[5] = (uint8_t)ip;
    } else if (ds->d.noarp) {
        e->state = TXP_NUD_NOARP;
        memcpy(e->ha, ds->d.mac, 6);
    } else if (is_bcast(&ds->d, ip)) {
        e->state = TXP_NUD_NOARP;
        memcpy(e->ha, bcast, 6);
    }
    uint32_t h = hash_of(n, e->ifindex, ip);
    e->hnext = n->bucket[h];
    n->bucket[h] = e;
    n->count++;
    n->gc_entries++;
    n->stats.allocs++;
    return e;
}

/* ---- public ---- */

int
txp_neigh_create(const struct txp_neigh_config *cfg, const struct txp_alloc *a,
                 struct txp_neigh **out)
{
    if (!cfg || !out || !cfg->pool || !cfg->io.xmit || !cfg->io.drop || cfg->gc_thresh3 == 0)
        return TXP_EINVAL;
    struct txp_neigh *n = txp_alloc_mem(a, sizeof *n, _Alignof(struct txp_neigh));
    if (!n)
        return TXP_ENOMEM;
    n->alloc = a;
    n->cfg = *cfg;
    n->rng = cfg->seed;
    n->hash_mul = rnd64(n) | 1u;
    n->nbucket = 64;
    n->bucket = txp_alloc_mem(a, sizeof(*n->bucket) * n->nbucket, _Alignof(void *));
    if (!n->bucket) {
        txp_free(a, n);
        return TXP_ENOMEM;
    }
    n->gc_next = INT64_MAX;
    n->last_flush = 0;
    *out = n;
    return TXP_OK;
}

void
txp_neigh_destroy(struct txp_neigh *n, uint64_t now_ns)
{
    if (!n)
        return;
    for (uint32_t i = 0; i < n->nbucket; i++)
        while (n->bucket[i])
            unlink_entry(n, n->bucket[i], (int64_t)now_ns);
    while (n->grave) {
        struct neigh_entry *e = n->grave;
        n->grave = e->hnext;
        txp_free(n->alloc, e);
    }
    txp_free(n->alloc, n->heap);
    txp_free(n->alloc, n->bucket);
    txp_free(n->alloc, n->dev);
    txp_free(n->alloc, n);
}

int
txp_neigh_dev_add(struct txp_neigh *n, const struct txp_neigh_dev *dev, uint64_t now_ns)
{
    int64_t now = (int64_t)now_ns;
    if (!dev || dev->naddr > TXP_NEIGH_MAX_ADDRS)
        return TXP_EINVAL;
    if (txp_neigh__dev(n, dev->ifindex))
        return TXP_EEXIST;
    for (uint32_t k = 0; k < dev->naddr; k++)
        if (dev->plen[k] > 32)
            return TXP_EINVAL;
    struct neigh_devst *d =
        txp_alloc_mem(n->alloc, sizeof(*d) * (n->ndev + 1u), _Alignof(struct neigh_devst));
    if (!d)
        return TXP_ENOMEM;
    if (n->ndev)
        memcpy(d, n->dev, sizeof(*d) * n->ndev);
    /* entries point at their device: re-point them */
    for (uint32_t i = 0; i < n->nbucket; i++)
        for (struct neigh_entry *e = n->bucket[i]; e; e = e->hnext)
            e->dev = &d[e->dev - n->dev];
    for (struct neigh_entry *e = n->grave; e; e = e->hnext)
        e->dev = &d[e->dev - n->dev];
    txp_free(n->alloc, n->dev);
    n->dev = d;
    struct neigh_devst *ds = &n->dev[n->ndev++];
    memset(ds, 0, sizeof *ds);
    ds->d = *dev;
    ds->d.name[sizeof ds->d.name - 1] = '\0';
    ds->reachable_time = rand_reach_time(n, ds->d.parms.base_reachable_time_ns);
    if (n->ndev == 1) {
        /* neigh_periodic_work: every base_reachable_time/2 of the first device's parms */
        n->gc_base = ds->d.parms.base_reachable_time_ns;
        n->gc_next = now + (int64_t)(n->gc_base >> 1);
        n->last_rand = now;
    }
    if (ds->d.parms.arp_notify)
        for (uint32_t k = 0; k < ds->d.naddr; k++)
            send_arp(n, ds, TXP_ARP_OP_REQUEST, NULL, ds->d.addr[k], NULL, ds->d.addr[k], now);
    return TXP_OK;
}

uint64_t
txp_neigh_reachable_time(const struct txp_neigh *n, uint32_t ifindex)
{
    const struct neigh_devst *ds = txp_neigh__dev(n, ifindex);
    return ds ? (uint64_t)ds->reachable_time : 0;
}

int
txp_neigh_set_param(struct txp_neigh *n, uint32_t ifindex, const char *name, int64_t v,
                    uint64_t now_ns)
{
    (void)now_ns;
    struct neigh_devst *ds = txp_neigh__dev(n, ifindex);
    if (!ds)
        return TXP_ENOENT;
    struct txp_neigh_parms *p = &ds->d.parms;
    if (v < 0)
        return TXP_ERANGE;
    uint64_t u = (uint64_t)v;
    if (u > UINT32_MAX) /* every neighbour sysctl is an int (the times in ms/cs/s) */
        return TXP_ERANGE;
    if (!strcmp(name, "base_reachable_time_ms") || !strcmp(name, "base_reachable_time")) {
        uint64_t ns = !strcmp(name, "base_reachable_time") ? u * 1000000000ull : u * (uint64_t)MS;
        if (ns > (1ull << 62))
            return TXP_ERANGE;
        p->base_reachable_time_ns = ns;
        ds->reachable_time = rand_reach_time(n, ns); /* the sysctl handler re-randomises */
    } else if (!strcmp(name, "reachable_time_ms")) {
        /* txpath extension: pin the randomised reachable_time (tests, goldens) */
        ds->reachable_time = v * MS;
    } else if (!strcmp(name, "retrans_time_ms")) {
        p->retrans_time_ns = u * (uint64_t)MS;
    } else if (!strcmp(name, "retrans_time")) {
        p->retrans_time_ns = u * 10 * (uint64_t)MS; /* USER_HZ 100 */
    } else if (!strcmp(name, "delay_first_probe_time")) {
        p->delay_first_probe_time_ns = u * 1000000000ull;
    } else if (!strcmp(name, "gc_stale_time")) {
        p->gc_stale_time_ns = u * 1000000000ull;
    } else if (!strcmp(name, "locktime")) {
        p->locktime_ns = u * 10 * (uint64_t)MS;
    } else if (!strcmp(name, "mcast_solicit")) {
        p->mcast_solicit = (uint32_t)u;
    } else if (!strcmp(name, "ucast_solicit")) {
        p->ucast_solicit = (uint32_t)u;
    } else if (!strcmp(name, "app_solicit")) {
        p->app_solicit = (uint32_t)u;
    } else if (!strcmp(name, "mcast_resolicit")) {
        p->mcast_resolicit = (uint32_t)u;
    } else if (!strcmp(name, "unres_qlen_bytes")) {
        p->unres_qlen_bytes = (uint32_t)u;
    } else if (!strcmp(name, "unres_qlen")) {
        p->unres_qlen_bytes = (uint32_t)(u * 2112u); /* SKB_TRUESIZE(ETH_FRAME_LEN) */
    } else if (!strcmp(name, "arp_announce")) {
        p->arp_announce = (int)u;
    } else if (!strcmp(name, "arp_ignore")) {
        p->arp_ignore = (int)u;
    } else if (!strcmp(name, "arp_accept")) {
        p->arp_accept = (int)u;
    } else if (!strcmp(name, "arp_notify")) {
        p->arp_notify = (int)u;
    } else {
        return TXP_ENOENT;
    }

    return TXP_OK;
}

int
txp_neigh_output(struct txp_neigh *n, struct txp_pkt *p, uint32_t ifindex, uint32_t nexthop,
                 uint64_t now_ns)
{
    int64_t now = (int64_t)now_ns;
    struct neigh_devst *ds = txp_neigh__dev(n, ifindex);
    if (!ds) {
        drop_pkt(n, p, TXP_DROP_DEV_READY, TXP_ENOENT, now_ns);
        return TXP_ENOENT;
    }
    n->stats.lookups++;
    struct neigh_entry *e = txp_neigh__find(n, ifindex, nexthop);
    if (e) {
        n->stats.hits++;
    } else {
        e = create_entry(n, ds, nexthop, now);
        if (!e) {
            drop_pkt(n, p, TXP_DROP_NEIGH_CREATEFAIL, TXP_ENOBUFS, now_ns);
            return TXP_ENOBUFS;
        }
    }
    unsigned before = e->state;
    int rc = entry_output(n, e, p, now);
    if (rc == TXP_OK && e->state == TXP_NUD_FAILED && !(before & TXP_NUD_FAILED) &&
        e->dev->d.parms.mcast_solicit + e->dev->d.parms.app_solicit == 0)
        return TXP_EHOSTUNREACH;
    return rc;
}

int
txp_neigh_input(struct txp_neigh *n, const uint8_t *frame, size_t len, uint32_t ifindex,
                uint64_t now_ns)
{
    int64_t now = (int64_t)now_ns;
    struct neigh_devst *ds = txp_neigh__dev(n, ifindex);
    if (!ds)
        return TXP_ENOENT;
    if (len < TXP_ETH_HLEN || frame[12] != 0x08 || frame[13] != 0x06)
        return TXP_EAGAIN; /* not ARP */
    n->stats.arp_rx++;
    int to_host = !memcmp(frame, ds->d.mac, 6);
    int to_bcast = !memcmp(frame, bcast, 6);
    if (!to_host && !to_bcast && !(frame[0] & 1)) {
        n->stats.arp_rx_not_for_us++; /* PACKET_OTHERHOST */
        return TXP_EAGAIN;
    }
    struct txp_arp_hdr ah;
    struct txp_parse_err pe;
    if (ds->d.noarp || txp_arp_parse(frame + TXP_ETH_HLEN, len - TXP_ETH_HLEN, &ah, &pe) < 0 ||
        (ah.htype != 1 && ah.htype != 6) || ah.ptype != TXP_ETH_P_IP ||
        (ah.oper != TXP_ARP_OP_REQUEST && ah.oper != TXP_ARP_OP_REPLY)) {
        n->stats.arp_rx_bad++;
        return TXP_EBADMSG;
    }
    uint32_t sip = ah.spa, tip = ah.tpa;
    if ((tip >> 24) == 127 || (tip >> 28) == 0xE) {
        n->stats.arp_rx_ignored++;
        return TXP_EAGAIN;
    }
    if (ah.oper == TXP_ARP_OP_REPLY)
        n->stats.arp_rx_replies++;
    else
        n->stats.arp_rx_requests++;
    int tip_local_dev = 0;
    for (uint32_t k = 0; k < ds->d.naddr; k++)
        tip_local_dev |= ds->d.addr[k] == tip;
    int ignore = 0;
    if (ds->d.parms.arp_ignore == 1)
        ignore = !tip_local_dev;
    else if (ds->d.parms.arp_ignore == 8)
        ignore = 1;
    if (sip == 0) { /* duplicate address detection (RFC 2131) */
        if (ah.oper == TXP_ARP_OP_REQUEST && is_local(n, tip) && !ignore)
            send_arp(n, ds, TXP_ARP_OP_REPLY, ah.sha, tip, ah.sha, sip, now);
        return TXP_OK;
    }
    if (ah.oper == TXP_ARP_OP_REQUEST && is_local(n, tip)) {
        if (ignore) {
            n->stats.arp_rx_ignored++;
            return TXP_EAGAIN;
        }
        /* neigh_event_ns: create or update the sender as STALE, then reply */
        struct neigh_entry *e = txp_neigh__find(n, ifindex, sip);
        if (!e)
            e = create_entry(n, ds, sip, now);
        if (e)
            neigh_update(n, e, ah.sha, TXP_NUD_STALE, UPD_OVERRIDE, now);
        if (e)
            send_arp(n, ds, TXP_ARP_OP_REPLY, ah.sha, tip, ah.sha, sip, now);
        return TXP_OK;
    }
    struct neigh_entry *e = txp_neigh__find(n, ifindex, sip);
    int sip_unicast =
        !is_local(n, sip) && !is_bcast(&ds->d, sip) && (sip >> 28) != 0xE && (sip >> 24) != 127;
    int accept = 0;
    switch (ds->d.parms.arp_accept) {
    case 1:
        accept = 1;
        break;
    case 2:
        for (uint32_t k = 0; k < ds->d.naddr; k++) {
            uint32_t m = mask_of(ds->d.plen[k]);
            accept |= (sip & m) == (ds->d.addr[k] & m);
        }
        break;
    default:
        break;
    }
    int is_garp = 0;
    if (e || accept) {
        is_garp = tip == sip;
        if (is_garp && ah.oper == TXP_ARP_OP_REPLY)
            is_garp = !memcmp(ah.tha, ah.sha, 6);
        if (is_garp && !sip_unicast)
            is_garp = 0;
    }
    if (accept && !e && (is_garp || (ah.oper == TXP_ARP_OP_REPLY && sip_unicast)))
        e = create_entry(n, ds, sip, now);
    if (!e) {
        n->stats.arp_rx_unsolicited++;
        return TXP_EAGAIN;
    }
    int override = now > e->updated + (int64_t)ds->d.parms.locktime_ns || is_garp;
    unsigned st = (ah.oper == TXP_ARP_OP_REPLY && to_host) ? TXP_NUD_REACHABLE : TXP_NUD_STALE;
    neigh_update(n, e, ah.sha, st, override ? UPD_OVERRIDE : 0, now);
    return TXP_OK;
}

/* neigh_periodic_work at @p now. */
static void
periodic_gc(struct txp_neigh *n, int64_t now)
{
    n->stats.periodic_gc_runs++;
    if (now > n->last_rand + 300000 * MS) {
        n->last_rand = now;
        for (uint32_t i = 0; i < n->ndev; i++)
            n->dev[i].reachable_time = rand_reach_time(n, n->dev[i].d.parms.base_reachable_time_ns);
    }
    if (n->count >= n->cfg.gc_thresh1) {
        for (uint32_t i = 0; i < n->nbucket; i++) {
            struct neigh_entry *e = n->bucket[i];
            while (e) {
                struct neigh_entry *next = e->hnext;
                if (!(e->state & (TXP_NUD_PERMANENT | NUD_IN_TIMER))) {
                    if (e->used < e->confirmed && e->confirmed <= now)
                        e->used = e->confirmed;
                    if (!e->qhead && (e->state == TXP_NUD_FAILED ||
                                      !(now >= e->used &&
                                        now < e->used + (int64_t)e->dev->d.parms.gc_stale_time_ns)))
                        unlink_entry(n, e, now);
                }
                e = next;
            }
        }
    }
    uint64_t half = n->gc_base >> 1;
    n->gc_next = now + (int64_t)(half ? half : 1000 * MS);
}

uint64_t
txp_neigh_next_timer(const struct txp_neigh *n)
{
    uint64_t t = UINT64_MAX;
    for (uint32_t i = 0; i < n->nheap; i++) { /* the top may be stale; scan for a live one */
        const struct neigh_titem *it = &n->heap[i];
        if (!it->e->dead && it->e->timer_on && it->gen == it->e->timer_gen && it->t < t)
            t = it->t;
    }
    if (n->ndev && (uint64_t)n->gc_next < t)
        t = (uint64_t)n->gc_next;
    return t;
}

uint64_t
txp_neigh_run_timers(struct txp_neigh *n, uint64_t now_ns)
{
    for (;;) {
        /* drop stale items from the top */
        while (n->nheap) {
            struct neigh_titem *top = &n->heap[0];
            struct neigh_entry *e = top->e;
            if (!e->dead && e->timer_on && top->gen == e->timer_gen)
                break;
            e->heap_refs--;
            heap_pop(n);
            if (e->dead && e->heap_refs == 0) {
                struct neigh_entry **pp = &n->grave;
                while (*pp && *pp != e)
                    pp = &(*pp)->hnext;
                if (*pp)
                    *pp = e->hnext;
                txp_free(n->alloc, e);
            }
        }
        uint64_t te = n->nheap ? n->heap[0].t : UINT64_MAX;
        uint64_t tg = n->ndev ? (uint64_t)n->gc_next : UINT64_MAX;
        uint64_t t = te < tg ? te : tg;
        if (t > now_ns || t == UINT64_MAX)
            return t;
        if (te <= tg) {
            struct neigh_entry *e = n->heap[0].e;
            e->heap_refs--;
            heap_pop(n);
            e->timer_on = 0;
            timer_handler(n, e, (int64_t)te);
        } else {
            periodic_gc(n, (int64_t)tg);
        }
    }
}

int
txp_neigh_add(struct txp_neigh *n, uint32_t ifindex, uint32_t ip, const uint8_t *mac,
              unsigned state, uint64_t now_ns)
{
    int64_t now = (int64_t)now_ns;
    struct neigh_devst *ds = txp_neigh__dev(n, ifindex);
    if (!ds)
        return TXP_ENOENT;
    if (state != TXP_NUD_NONE && (state & (state - 1)))
        return TXP_EINVAL; /* one state */
    if ((state & NUD_VALID) && !mac)
        return TXP_EINVAL;
    struct neigh_entry *e = txp_neigh__find(n, ifindex, ip);
    int created = 0;
    if (!e) {
        e = create_entry(n, ds, ip, now);
        if (!e)
            return TXP_ENOMEM;
        created = 1;
        if (e->state == TXP_NUD_NOARP)
            e->state = TXP_NUD_NONE; /* admin entries take the state they are given */
    }
    unsigned old = e->state;
    int rc = neigh_update(n, e, mac, state, UPD_ADMIN | UPD_OVERRIDE, now);
    if (rc == TXP_OK && ((old ^ e->state) & TXP_NUD_PERMANENT)) {
        if (e->state & TXP_NUD_PERMANENT)
            n->gc_entries--;
        else
            n->gc_entries++;
    }
    if (rc != TXP_OK && created)
        unlink_entry(n, e, now);
    return rc;
}

int
txp_neigh_del(struct txp_neigh *n, uint32_t ifindex, uint32_t ip, uint64_t now_ns)
{
    struct neigh_entry *e = txp_neigh__find(n, ifindex, ip);
    if (!e)
        return TXP_ENOENT;
    unlink_entry(n, e, (int64_t)now_ns);
    return TXP_OK;
}

int
txp_neigh_lookup(const struct txp_neigh *n, uint32_t ifindex, uint32_t ip,
                 struct txp_neigh_info *out)
{
    const struct neigh_entry *e = txp_neigh__find(n, ifindex, ip);
    if (!e)
        return TXP_ENOENT;
    memset(out, 0, sizeof *out);
    out->state = e->state;
    memcpy(out->mac, e->ha, 6);
    out->probes = e->probes;
    out->queue_len = e->qlen;
    out->queue_bytes = e->qbytes;
    out->confirmed_ns = e->confirmed > 0 ? (uint64_t)e->confirmed : 0;
    out->updated_ns = (uint64_t)e->updated;
    out->used_ns = (uint64_t)e->used;
    out->timer_ns = e->timer_on ? (uint64_t)e->timer_at : UINT64_MAX;
    return TXP_OK;
}

uint32_t
txp_neigh_count(const struct txp_neigh *n)
{
    return n->count;
}

const struct txp_neigh_stats *
txp_neigh_get_stats(const struct txp_neigh *n)
{
    return &n->stats;
}
