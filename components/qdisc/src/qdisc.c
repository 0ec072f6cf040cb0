/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc: priorities (ip_tos2prio, IP_TOS vs SO_PRIORITY), the generic qdisc object
 * (create/enqueue/dequeue/requeue/stats) and the simple qdiscs: pfifo_fast (three ptr_ring
 * bands of txqueuelen slots, with ptr_ring's batched slot release), prio (bands of pfifo
 * children), pfifo, bfifo and noqueue.
 *
 * Linux: net/sched/sch_generic.c (pfifo_fast_*, noqueue), sch_prio.c, sch_fifo.c,
 * include/linux/ptr_ring.h, net/ipv4/route.c (ip_tos2prio), net/ipv4/ip_sockglue.c
 * (__ip_sock_set_tos), net/core/sock.c (sk_set_prio_allowed).
 */
#include "qdisc_int.h"

#include <stdio.h>
#include <string.h>

const uint8_t txp_qdisc_default_priomap[TXP_QDISC_PRIO_MAX + 1] = {1, 2, 2, 2, 1, 2, 0, 0,
                                                                   1, 1, 1, 1, 1, 1, 1, 1};

/* TC_PRIO_BESTEFFORT 0, BULK 2, INTERACTIVE_BULK 4, INTERACTIVE 6; ECN_OR_COST = neighbour. */
static const uint8_t tos2prio[16] = {0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4};

uint32_t
txp_qdisc_tos2prio(uint8_t tos)
{
    return tos2prio[(tos & 0x1Eu) >> 1];
}

void
txp_qdisc_sockprio_init(struct txp_qdisc_sockprio *s, int is_tcp)
{
    s->tos = 0;
    s->is_tcp = is_tcp ? 1 : 0;
    s->priority = 0;
}

int
txp_qdisc_sockprio_set_tos(struct txp_qdisc_sockprio *s, uint8_t tos)
{
    if (s->is_tcp)
        tos = (uint8_t)((tos & ~0x03u) | (s->tos & 0x03u)); /* INET_ECN_MASK kept */
    if (s->tos != tos) {
        s->tos = tos;
        s->priority = txp_qdisc_tos2prio(tos);
    }
    return TXP_OK;
}

int
txp_qdisc_sockprio_set_priority(struct txp_qdisc_sockprio *s, uint32_t prio, int capable)
{
    if (prio > 6 && !capable) /* TC_PRIO_BESTEFFORT..TC_PRIO_INTERACTIVE for anyone */
        return TXP_EPERM;
    s->priority = prio;
    return TXP_OK;
}

void
txp_qdisc_dev_default(struct txp_qdisc_dev *dev)
{
    dev->name = "eth0";
    dev->tx_queue_len = 1000;
    dev->mtu = 1500;
    dev->hard_header_len = 14;
    dev->num_tx_queues = 1;
}

void
txp_qdisc_conf_default(struct txp_qdisc_conf *c, enum txp_qdisc_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->bands = 3;
    memcpy(c->priomap, txp_qdisc_default_priomap, sizeof c->priomap);
    c->netem.limit = 1000;
}

/* ---- helpers shared by the qdiscs ---- */

void
txp_qdisc__drop(struct txp_qdisc *q, struct txp_pkt *p, enum txp_drop_reason reason,
                struct txp_pkt **to_free)
{
    p->meta.drop_reason = (uint16_t)reason;
    q->stats.drops++;
    if ((unsigned)reason < TXP_DROP__COUNT)
        q->stats.drop_reason[reason]++;
    p->next = *to_free;
    *to_free = p;
}

void
txp_qdisc__fifo_push(struct txp_qdisc__fifo *f, struct txp_pkt *p)
{
    p->next = NULL;
    if (f->tail)
        f->tail->next = p;
    else
        f->head = p;
    f->tail = p;
    f->len++;
    f->bytes += p->len;
}

void
txp_qdisc__fifo_push_head(struct txp_qdisc__fifo *f, struct txp_pkt *p)
{
    p->next = f->head;
    f->head = p;
    if (!f->tail)
        f->tail = p;
    f->len++;
    f->bytes += p->len;
}

struct txp_pkt *
txp_qdisc__fifo_pop(struct txp_qdisc__fifo *f)
{
    struct txp_pkt *p = f->head;
    if (!p)
        return NULL;
    f->head = p->next;
    if (!f->head)
        f->tail = NULL;
    p->next = NULL;
    f->len--;
    f->bytes -= p->len;
    return p;
}

void
txp_qdisc__fifo_flush(struct txp_qdisc__fifo *f, struct txp_pkt **to_free)
{
    struct txp_pkt *p;
    while ((p = txp_qdisc__fifo_pop(f)) != NULL) {
        p->meta.drop_reason = TXP_DROP_NOT_SPECIFIED;
        p->next = *to_free;
        *to_free = p;
    }
}

static void
q_add_backlog(struct txp_qdisc *q, const struct txp_pkt *p)
{
    q->inner_qlen++;
    q->stats.backlog += p->len;
}

static void
q_sub_backlog(struct txp_qdisc *q, const struct txp_pkt *p)
{
    q->inner_qlen--;
    q->stats.backlog -= p->len;
}

/* ---- pfifo / bfifo (sch_fifo.c) ---- */

struct fifo_priv {
    struct txp_qdisc__fifo f;
    int bytes; /* bfifo */
};

static uint32_t
psched_mtu(const struct txp_qdisc_dev *dev)
{
    return dev->mtu + dev->hard_header_len;
}

static int
fifo_init(struct txp_qdisc *q, const struct txp_qdisc_conf *c)
{
    struct fifo_priv *f = txp_qdisc_priv(q);
    f->bytes = c->kind == TXP_QDISC_BFIFO;
    if (c->limit_set) {
        q->limit = c->limit;
    } else {
        uint64_t l = q->dev.tx_queue_len;
        if (f->bytes)
            l *= psched_mtu(&q->dev);
        q->limit = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
    }
    return TXP_OK;
}

static int
fifo_enqueue(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now_ns, struct txp_pkt **to_free)
{
    struct fifo_priv *f = txp_qdisc_priv(q);
    (void)now_ns;
    int fits = f->bytes ? q->stats.backlog + p->len <= q->limit : q->inner_qlen < q->limit;
    if (!fits) {
        txp_qdisc__drop(q, p, TXP_DROP_QDISC_DROP, to_free);
        return TXP_QDISC_XMIT_DROP;
    }
    txp_qdisc__fifo_push(&f->f, p);
    q_add_backlog(q, p);
    return TXP_QDISC_XMIT_SUCCESS;
}

static struct txp_pkt *
fifo_dequeue(struct txp_qdisc *q, uint64_t now_ns)
{
    struct fifo_priv *f = txp_qdisc_priv(q);
    (void)now_ns;
    struct txp_pkt *p = txp_qdisc__fifo_pop(&f->f);
    if (p)
        q_sub_backlog(q, p);
    return p;
}

static struct txp_pkt *
fifo_peek(struct txp_qdisc *q, uint64_t now_ns)
{
    struct fifo_priv *f = txp_qdisc_priv(q);
    (void)now_ns;
    return f->f.head;
}

static void
fifo_reset(struct txp_qdisc *q, struct txp_pkt **to_free)
{
    struct fifo_priv *f = txp_qdisc_priv(q);
    txp_qdisc__fifo_flush(&f->f, to_free);
    q->inner_qlen = 0;
    q->stats.backlog = 0;
}

static int
fifo_dump(const struct txp_qdisc *q, char *buf, size_t cap)
{
    const struct fifo_priv *f = txp_qdisc_priv(q);
    if (f->bytes) {
        char sz[32];
        txp_qdisc_format_size(q->limit, sz, sizeof sz);
        return snprintf(buf, cap, "limit %s", sz);
    }
    return snprintf(buf, cap, "limit %up", (unsigned)q->limit);
}

static uint64_t
fifo_next_due(const struct txp_qdisc *q, uint64_t now_ns)
{
    return q->inner_qlen ? now_ns : UINT64_MAX;
}

static const struct txp_qdisc_ops pfifo_ops = {
    "pfifo",       sizeof(struct fifo_priv),
    fifo_init,     fifo_enqueue,
    fifo_dequeue,  fifo_peek,
    fifo_reset,    fifo_dump,
    fifo_next_due, NULL,
};

static const struct txp_qdisc_ops bfifo_ops = {
    "bfifo",       sizeof(struct fifo_priv),
    fifo_init,     fifo_enqueue,
    fifo_dequeue,  fifo_peek,
    fifo_reset,    fifo_dump,
    fifo_next_due, NULL,
};

/* ---- pfifo_fast (sch_generic.c) with ptr_ring bands ---- */

/*
 * ptr_ring as pfifo_fast uses it: `size` slots; a slot is free only once the consumer has
 * released it, which it does in batches of `batch` (SMP_CACHE_BYTES * 2 / sizeof(void *) = 16
 * on x86-64, or 1 when that exceeds size / 2). So right after dequeuing a few packets from a
 * full band, the band still refuses new ones, as in Linux.
 */
struct ptr_ring {
    struct txp_pkt **slot;
    uint32_t size, batch;
    uint32_t producer, consumer_head, consumer_tail;
    uint32_t len;   /* packets queued (not the stale released-later slots) */
    uint64_t sent;  /* packets dequeued from this band */
    uint64_t drops; /* tail drops in this band */
};

static void
ring_setup(struct ptr_ring *r, struct txp_pkt **mem, uint32_t size)
{
    memset(r, 0, sizeof *r);
    r->slot = mem;
    r->size = size;
    r->batch = 16; /* 64-byte cache line * 2 / 8-byte pointers */
    if (r->batch > size / 2 || r->batch == 0)
        r->batch = 1;
}

static int
ring_produce(struct ptr_ring *r, struct txp_pkt *p)
{
    if (!r->size || r->slot[r->producer])
        return TXP_ENOSPC;
    r->slot[r->producer++] = p;
    if (r->producer >= r->size)
        r->producer = 0;
    r->len++;
    return TXP_OK;
}

static struct txp_pkt *
ring_peek(const struct ptr_ring *r)
{
    return r->len ? r->slot[r->consumer_head] : NULL;
}

static struct txp_pkt *
ring_consume(struct ptr_ring *r)
{
    if (!r->len)
        return NULL;
    struct txp_pkt *p = r->slot[r->consumer_head];
    uint32_t head = r->consumer_head;
    uint32_t next = head + 1;
    if (next - r->consumer_tail >= r->batch || next >= r->size) {
        for (uint32_t i = head + 1; i-- > r->consumer_tail;)
            r->slot[i] = NULL; /* released in reverse, as __ptr_ring_discard_one */
        r->consumer_tail = next;
    }
    if (next >= r->size) {
        next = 0;
        r->consumer_tail = 0;
    }
    r->consumer_head = next;
    r->len--;
    return p;
}

struct pfifo_fast_priv {
    struct ptr_ring band[3];
};

static int
pfifo_fast_init(struct txp_qdisc *q, const struct txp_qdisc_conf *c)
{
    struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
    (void)c;
    uint32_t n = q->dev.tx_queue_len;
    if (n == 0 || n > (1u << 24))
        return TXP_EINVAL;
    struct txp_pkt **mem = txp_alloc_mem(q->alloc, sizeof(*mem) * 3u * n, _Alignof(void *));
    if (!mem)
        return TXP_ENOMEM;
    for (uint32_t b = 0; b < 3; b++)
        ring_setup(&pf->band[b], mem + (size_t)b * n, n);
    q->limit = n;
    return TXP_OK;
}

static void
pfifo_fast_destroy(struct txp_qdisc *q)
{
    struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
    txp_free(q->alloc, pf->band[0].slot);
}

static int
pfifo_fast_enqueue(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now_ns,
                   struct txp_pkt **to_free)
{
    struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
    (void)now_ns;
    struct ptr_ring *r =
        &pf->band[txp_qdisc_default_priomap[p->meta.priority & TXP_QDISC_PRIO_MAX]];
    if (ring_produce(r, p) != TXP_OK) {
        r->drops++;
        txp_qdisc__drop(q, p, TXP_DROP_QDISC_DROP, to_free);
        return TXP_QDISC_XMIT_DROP;
    }
    p->next = NULL;
    q_add_backlog(q, p);
    return TXP_QDISC_XMIT_SUCCESS;
}

static struct txp_pkt *
pfifo_fast_dequeue(struct txp_qdisc *q, uint64_t now_ns)
{
    struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
    (void)now_ns;
    for (int b = 0; b < 3; b++) {
        struct txp_pkt *p = ring_consume(&pf->band[b]);
        if (p) {
            pf->band[b].sent++;
            q_sub_backlog(q, p);
            return p;
        }
    }
    return NULL;
}

static struct txp_pkt *
pfifo_fast_peek(struct txp_qdisc *q, uint64_t now_ns)
{
    struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
    (void)now_ns;
    for (int b = 0; b < 3; b++) {
        struct txp_pkt *p = ring_peek(&pf->band[b]);
        if (p)
            return p;
    }
    return NULL;
}

static void
pfifo_fast_reset(struct txp_qdisc *q, struct txp_pkt **to_free)
{
    struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
    for (int b = 0; b < 3; b++) {
        struct txp_pkt *p;
        while ((p = ring_consume(&pf->band[b])) != NULL) {
            p->meta.drop_reason = TXP_DROP_NOT_SPECIFIED;
            p->next = *to_free;
            *to_free = p;
        }
        struct ptr_ring *r = &pf->band[b];
        memset(r->slot, 0, sizeof(*r->slot) * r->size);
        r->producer = r->consumer_head = r->consumer_tail = 0;
    }
    q->inner_qlen = 0;
    q->stats.backlog = 0;
}

static int
priomap_dump(uint32_t bands, const uint8_t *map, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "bands %u priomap", (unsigned)bands);
    for (int i = 0; i <= TXP_QDISC_PRIO_MAX && n >= 0; i++) {
        size_t used = (size_t)n < cap ? (size_t)n : cap;
        int k = snprintf(buf + used, cap - used, " %u", (unsigned)map[i]);
        if (k < 0)
            return k;
        n += k;
    }
    return n;
}

static int
pfifo_fast_dump(const struct txp_qdisc *q, char *buf, size_t cap)
{
    (void)q;
    return priomap_dump(3, txp_qdisc_default_priomap, buf, cap);
}

static const struct txp_qdisc_ops pfifo_fast_ops = {
    "pfifo_fast",       sizeof(struct pfifo_fast_priv),
    pfifo_fast_init,    pfifo_fast_enqueue,
    pfifo_fast_dequeue, pfifo_fast_peek,
    pfifo_fast_reset,   pfifo_fast_dump,
    fifo_next_due,      pfifo_fast_destroy,
};

/* ---- prio (sch_prio.c): bands of pfifo children with limit txqueuelen ---- */

struct prio_band {
    struct txp_qdisc__fifo f;
    uint64_t sent, drops;
};

struct prio_priv {
    uint32_t bands;
    uint8_t prio2band[TXP_QDISC_PRIO_MAX + 1];
    uint32_t child_limit;
    struct prio_band band[TXP_QDISC_BANDS_MAX];
};

static int
prio_init(struct txp_qdisc *q, const struct txp_qdisc_conf *c)
{
    struct prio_priv *pp = txp_qdisc_priv(q);
    if (c->bands < TXP_QDISC_BANDS_MIN || c->bands > TXP_QDISC_BANDS_MAX)
        return TXP_EINVAL;
    for (int i = 0; i <= TXP_QDISC_PRIO_MAX; i++)
        if (c->priomap[i] >= c->bands)
            return TXP_EINVAL;
    pp->bands = c->bands;
    memcpy(pp->prio2band, c->priomap, sizeof pp->prio2band);
    /* qdisc_create_dflt(pfifo): fifo_init without options takes the device's txqueuelen. */
    pp->child_limit = q->dev.tx_queue_len;
    q->limit = pp->child_limit;
    return TXP_OK;
}

static uint32_t
prio_band_of(const struct txp_qdisc *q, const struct prio_priv *pp, uint32_t priority)
{
    /* prio_classify without filters: a priority naming this qdisc's major picks minor-1. */
    if ((priority & 0xFFFF0000u) == q->handle && q->handle) {
        uint32_t band = (priority & 0xFFFFu) - 1u;
        return band < pp->bands ? band : pp->prio2band[0];
    }
    if (priority & 0xFFFF0000u)
        return pp->prio2band[0];
    return pp->prio2band[priority & TXP_QDISC_PRIO_MAX];
}

static int
prio_enqueue(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now_ns, struct txp_pkt **to_free)
{
    struct prio_priv *pp = txp_qdisc_priv(q);
    (void)now_ns;
    struct prio_band *b = &pp->band[prio_band_of(q, pp, p->meta.priority)];
    if (b->f.len >= pp->child_limit) {
        b->drops++;
        txp_qdisc__drop(q, p, TXP_DROP_QDISC_DROP, to_free);
        return TXP_QDISC_XMIT_DROP;
    }
    txp_qdisc__fifo_push(&b->f, p);
    q_add_backlog(q, p);
    return TXP_QDISC_XMIT_SUCCESS;
}

static struct txp_pkt *
prio_dequeue(struct txp_qdisc *q, uint64_t now_ns)
{
    struct prio_priv *pp = txp_qdisc_priv(q);
    (void)now_ns;
    for (uint32_t i = 0; i < pp->bands; i++) {
        struct txp_pkt *p = txp_qdisc__fifo_pop(&pp->band[i].f);
        if (p) {
            pp->band[i].sent++;
            q_sub_backlog(q, p);
            return p;
        }
    }
    return NULL;
}

static struct txp_pkt *
prio_peek(struct txp_qdisc *q, uint64_t now_ns)
{
    struct prio_priv *pp = txp_qdisc_priv(q);
    (void)now_ns;
    for (uint32_t i = 0; i < pp->bands; i++)
        if (pp->band[i].f.head)
            return pp->band[i].f.head;
    return NULL;
}

static void
prio_reset(struct txp_qdisc *q, struct txp_pkt **to_free)
{
    struct prio_priv *pp = txp_qdisc_priv(q);
    for (uint32_t i = 0; i < pp->bands; i++)
        txp_qdisc__fifo_flush(&pp->band[i].f, to_free);
    q->inner_qlen = 0;
    q->stats.backlog = 0;
}

static int
prio_dump(const struct txp_qdisc *q, char *buf, size_t cap)
{
    const struct prio_priv *pp = txp_qdisc_priv(q);
    return priomap_dump(pp->bands, pp->prio2band, buf, cap);
}

static const struct txp_qdisc_ops prio_ops = {
    "prio",        sizeof(struct prio_priv),
    prio_init,     prio_enqueue,
    prio_dequeue,  prio_peek,
    prio_reset,    prio_dump,
    fifo_next_due, NULL,
};

/* ---- noqueue: no enqueue; the stack transmits directly ---- */

static int
noqueue_init(struct txp_qdisc *q, const struct txp_qdisc_conf *c)
{
    (void)q;
    (void)c;
    return TXP_OK;
}

static int
noqueue_dump(const struct txp_qdisc *q, char *buf, size_t cap)
{
    (void)q;
    if (cap)
        buf[0] = '\0';
    return 0;
}

static const struct txp_qdisc_ops noqueue_ops = {
    "noqueue", 0, noqueue_init, NULL, NULL, NULL, NULL, noqueue_dump, NULL, NULL,
};

/* ---- generic object ---- */

const struct txp_qdisc_ops *
txp_qdisc_ops_of(enum txp_qdisc_kind kind)
{
    switch (kind) {
    case TXP_QDISC_PFIFO_FAST:
        return &pfifo_fast_ops;
    case TXP_QDISC_PRIO:
        return &prio_ops;
    case TXP_QDISC_PFIFO:
        return &pfifo_ops;
    case TXP_QDISC_BFIFO:
        return &bfifo_ops;
    case TXP_QDISC_NOQUEUE:
        return &noqueue_ops;
    case TXP_QDISC_NETEM:
        return &txp_qdisc__netem_ops;
    case TXP_QDISC_KIND__COUNT:
    default:
        return NULL;
    }
}

int
txp_qdisc_create_ops(const struct txp_qdisc_ops *ops, const struct txp_qdisc_conf *conf,
                     const struct txp_qdisc_dev *dev, const struct txp_alloc *a,
                     struct txp_qdisc **out)
{
    if (!ops || !conf || !out || !ops->init || !ops->dump)
        return TXP_EINVAL;
    if (ops->enqueue && (!ops->dequeue || !ops->peek || !ops->reset))
        return TXP_EINVAL;
    struct txp_qdisc_dev d;
    if (dev)
        d = *dev;
    else
        txp_qdisc_dev_default(&d);
    if (d.num_tx_queues == 0)
        d.num_tx_queues = 1;
    size_t head = (sizeof(struct txp_qdisc) + 15u) & ~(size_t)15u;
    struct txp_qdisc *q = txp_alloc_mem(a, head + ops->priv_size, 16);
    if (!q)
        return TXP_ENOMEM;
    q->ops = ops;
    q->alloc = a;
    q->dev = d;
    q->handle = conf->handle ? conf->handle : 0x80010000u;
    q->priv = ops->priv_size ? (uint8_t *)q + head : NULL;
    int rc = ops->init(q, conf);
    if (rc != TXP_OK) {
        txp_free(a, q);
        return rc;
    }
    *out = q;
    return TXP_OK;
}

int
txp_qdisc_create(const struct txp_qdisc_conf *conf, const struct txp_qdisc_dev *dev,
                 const struct txp_alloc *a, struct txp_qdisc **out)
{
    if (!conf)
        return TXP_EINVAL;
    return txp_qdisc_create_ops(txp_qdisc_ops_of(conf->kind), conf, dev, a, out);
}

void
txp_qdisc_destroy(struct txp_qdisc *q, struct txp_pkt **to_free)
{
    if (!q)
        return;
    if (to_free)
        txp_qdisc_reset(q, to_free);
    if (q->ops->destroy)
        q->ops->destroy(q);
    txp_free(q->alloc, q);
}

int
txp_qdisc_enqueue(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now_ns, struct txp_pkt **to_free)
{
    if (!q->ops->enqueue)
        return TXP_QDISC_XMIT_NOQUEUE;
    return q->ops->enqueue(q, p, now_ns, to_free);
}

struct txp_pkt *
txp_qdisc_dequeue(struct txp_qdisc *q, uint64_t now_ns)
{
    struct txp_pkt *p = q->requeued;
    if (p) {
        q->requeued = p->next;
        if (!q->requeued)
            q->requeued_tail = NULL;
        q->requeued_len--;
        q->stats.backlog -= p->len;
        p->next = NULL;
        return p;
    }
    if (!q->ops->dequeue)
        return NULL;
    p = q->ops->dequeue(q, now_ns);
    if (p) {
        q->stats.bytes += p->len;
        q->stats.packets++;
    }
    return p;
}

struct txp_pkt *
txp_qdisc_peek(struct txp_qdisc *q, uint64_t now_ns)
{
    if (q->requeued)
        return q->requeued;
    return q->ops->peek ? q->ops->peek(q, now_ns) : NULL;
}

void
txp_qdisc_requeue(struct txp_qdisc *q, struct txp_pkt *p)
{
    /* dev_requeue_skb: back at the head of gso_skb; served before anything else. */
    p->next = q->requeued;
    q->requeued = p;
    if (!q->requeued_tail)
        q->requeued_tail = p;
    q->requeued_len++;
    q->stats.backlog += p->len;
    q->stats.requeues++;
}

uint64_t
txp_qdisc_next_due(const struct txp_qdisc *q, uint64_t now_ns)
{
    if (q->requeued)
        return now_ns;
    return q->ops->next_due ? q->ops->next_due(q, now_ns) : UINT64_MAX;
}

void
txp_qdisc_reset(struct txp_qdisc *q, struct txp_pkt **to_free)
{
    struct txp_pkt *p;
    while ((p = q->requeued) != NULL) {
        q->requeued = p->next;
        p->meta.drop_reason = TXP_DROP_NOT_SPECIFIED;
        p->next = *to_free;
        *to_free = p;
    }
    q->requeued_tail = NULL;
    q->requeued_len = 0;
    if (q->ops->reset)
        q->ops->reset(q, to_free);
    q->stats.backlog = 0;
}

uint32_t
txp_qdisc_qlen(const struct txp_qdisc *q)
{
    return q->inner_qlen + q->requeued_len;
}

int
txp_qdisc_classify(const struct txp_qdisc *q, const struct txp_pkt *p)
{
    if (q->ops == &pfifo_fast_ops)
        return txp_qdisc_default_priomap[p->meta.priority & TXP_QDISC_PRIO_MAX];
    if (q->ops == &prio_ops)
        return (int)prio_band_of(q, txp_qdisc_priv(q), p->meta.priority);
    return -1;
}

int
txp_qdisc_band_stats(const struct txp_qdisc *q, uint32_t band, uint32_t *qlen, uint64_t *sent_pkts,
                     uint64_t *drops)
{
    if (q->ops == &pfifo_fast_ops) {
        const struct pfifo_fast_priv *pf = txp_qdisc_priv(q);
        if (band >= 3)
            return TXP_ERANGE;
        *qlen = pf->band[band].len;
        *sent_pkts = pf->band[band].sent;
        *drops = pf->band[band].drops;
        return TXP_OK;
    }
    if (q->ops == &prio_ops) {
        const struct prio_priv *pp = txp_qdisc_priv(q);
        if (band >= pp->bands)
            return TXP_ERANGE;
        *qlen = pp->band[band].f.len;
        *sent_pkts = pp->band[band].sent;
        *drops = pp->band[band].drops;
        return TXP_OK;
    }
    return TXP_ENOTSUP;
}
