/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc: netem, following net/sched/sch_netem.c (6.18) step by step so that the same
 * seed gives the same sequence of random draws as the kernel's prandom (LFSR113) does:
 * duplicate -> loss (random+correlation, 4-state GI, Gilbert-Elliott; ecn marks instead) ->
 * corrupt (one bit) -> limit -> the duplicate re-enters the qdisc -> reorder (gap/probability,
 * to the head of the queue) or delay (latency, jitter, correlation, table distribution) plus
 * rate (packet time after the last queued packet, with packet and cell overheads). Packets
 * wait in a time-ordered queue (stable for equal times, like the kernel's list + rbtree) and
 * leave when the injected clock reaches their time.
 *
 * Differences, on purpose: the correlation generators' first "last" values and the corrupted
 * byte/bit come from the seed too (the kernel uses unseeded get_random_u32 there); a negative
 * delay is clamped at time 0; a GSO packet chosen for corruption is dropped (reason
 * QDISC_NETEM_CORRUPT) instead of being segmented.
 */
#include "qdisc_int.h"

#include "txpath/csum.h"

#include <stdio.h>
#include <string.h>

/* ---- kernel prandom (lib/random32.c): L'Ecuyer's maximally equidistributed LFSR113 ---- */

static uint32_t
seed_min(uint32_t x, uint32_t m)
{
    return x < m ? x + m : x;
}

void
txp_qdisc_prandom_seed(struct txp_qdisc_prandom *r, uint64_t seed)
{
    uint32_t i = (uint32_t)((seed >> 32) ^ (seed << 10) ^ seed);
    r->s1 = seed_min(i, 2u);
    r->s2 = seed_min(i, 8u);
    r->s3 = seed_min(i, 16u);
    r->s4 = seed_min(i, 128u);
}

static uint32_t
lfsr(uint32_t s, unsigned a, unsigned b, uint32_t c, unsigned d)
{
    return ((s & c) << d) ^ (((s << a) ^ s) >> b);
}

uint32_t
txp_qdisc_prandom_u32(struct txp_qdisc_prandom *r)
{
    r->s1 = lfsr(r->s1, 6, 13, 0xFFFFFFFEu, 18);
    r->s2 = lfsr(r->s2, 2, 27, 0xFFFFFFF8u, 2);
    r->s3 = lfsr(r->s3, 13, 21, 0xFFFFFFF0u, 7);
    r->s4 = lfsr(r->s4, 3, 12, 0xFFFFFF80u, 13);
    return r->s1 ^ r->s2 ^ r->s3 ^ r->s4;
}

/* ---- state ---- */

struct crnd {
    uint32_t last, rho;
};

struct titem {
    struct txp_pkt *p;
    uint64_t t, seq;
};

enum { TX_IN_GAP = 1, TX_IN_BURST, LOST_IN_GAP, LOST_IN_BURST };
enum { GE_GOOD = 1, GE_BAD };

struct netem_priv {
    struct txp_qdisc_netem_conf c;
    const int16_t *dist;
    uint32_t dist_size;
    int16_t *dist_own;
    struct txp_qdisc_prandom prng;
    struct crnd delay_cor, loss_cor, dup_cor, reorder_cor, corrupt_cor;
    uint8_t clg_state;
    uint32_t counter;
    struct txp_qdisc__fifo headq; /* sch->q: reordered packets, served first */
    struct titem *heap;           /* the time-ordered queue (min-heap on t, seq) */
    uint32_t heap_len, heap_cap;
    uint64_t seq;
    uint64_t tfifo_max; /* largest time in the heap while it is not empty */
};

static uint32_t
get_crandom(struct crnd *st, struct txp_qdisc_prandom *r)
{
    if (!st || st->rho == 0)
        return txp_qdisc_prandom_u32(r);
    uint64_t value = txp_qdisc_prandom_u32(r);
    uint64_t rho = (uint64_t)st->rho + 1u;
    uint32_t answer = (uint32_t)((value * ((1ull << 32) - rho) + (uint64_t)st->last * rho) >> 32);
    st->last = answer;
    return answer;
}

static uint64_t
splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int
netem_init(struct txp_qdisc *q, const struct txp_qdisc_conf *conf)
{
    struct netem_priv *n = txp_qdisc_priv(q);
    const struct txp_qdisc_netem_conf *c = &conf->netem;
    if (c->latency_ns < 0 || c->jitter_ns < 0 || c->jitter_ns > INT32_MAX)
        return TXP_EINVAL;
    if ((unsigned)c->dist > TXP_QDISC_DIST_CUSTOM || (unsigned)c->loss_model > TXP_QDISC_LOSS_GE)
        return TXP_EINVAL;
    memset(n, 0, sizeof *n);
    n->c = *c;
    if (c->dist == TXP_QDISC_DIST_CUSTOM) {
        if (!c->dist_table || c->dist_size == 0 || c->dist_size > TXP_QDISC_DIST_MAX)
            return TXP_EINVAL;
        n->dist_own = txp_alloc_mem(q->alloc, sizeof(int16_t) * c->dist_size, 2);
        if (!n->dist_own)
            return TXP_ENOMEM;
        memcpy(n->dist_own, c->dist_table, sizeof(int16_t) * c->dist_size);
        n->dist = n->dist_own;
        n->dist_size = c->dist_size;
    } else if (c->dist != TXP_QDISC_DIST_UNIFORM) {
        n->dist = txp_qdisc_dist_table(c->dist, &n->dist_size);
    }
    n->c.dist_table = NULL;
    txp_qdisc_prandom_seed(&n->prng, c->seed);
    uint64_t sm = c->seed ^ 0x6E6574656D5F636Full; /* the correlation generators' start */
    n->delay_cor = (struct crnd){(uint32_t)splitmix(&sm), c->delay_corr};
    n->loss_cor = (struct crnd){(uint32_t)splitmix(&sm), c->loss_corr};
    n->dup_cor = (struct crnd){(uint32_t)splitmix(&sm), c->dup_corr};
    n->reorder_cor = (struct crnd){(uint32_t)splitmix(&sm), c->reorder_corr};
    n->corrupt_cor = (struct crnd){(uint32_t)splitmix(&sm), c->corrupt_corr};
    n->clg_state = c->loss_model == TXP_QDISC_LOSS_GE ? GE_GOOD : TX_IN_GAP;
    q->limit = c->limit;
    return TXP_OK;
}

static void
netem_destroy(struct txp_qdisc *q)
{
    struct netem_priv *n = txp_qdisc_priv(q);
    txp_free(q->alloc, n->heap);
    txp_free(q->alloc, n->dist_own);
}

/* ---- loss models ---- */

static int
loss_4state(struct netem_priv *n)
{
    uint32_t rnd = txp_qdisc_prandom_u32(&n->prng);
    const struct txp_qdisc_netem_conf *c = &n->c;
    switch (n->clg_state) {
    case TX_IN_GAP:
        if (rnd < c->a4) {
            n->clg_state = LOST_IN_GAP;
            return 1;
        } else if (rnd < (uint32_t)(c->a1 + c->a4)) {
            n->clg_state = LOST_IN_BURST;
            return 1;
        }
        n->clg_state = TX_IN_GAP;
        break;
    case TX_IN_BURST:
        if (rnd < c->a5) {
            n->clg_state = LOST_IN_BURST;
            return 1;
        }
        n->clg_state = TX_IN_BURST;
        break;
    case LOST_IN_BURST:
        if (rnd < c->a3) {
            n->clg_state = TX_IN_BURST;
        } else if (rnd < (uint32_t)(c->a2 + c->a3)) {
            n->clg_state = TX_IN_GAP;
        } else {
            n->clg_state = LOST_IN_BURST;
            return 1;
        }
        break;
    case LOST_IN_GAP:
        n->clg_state = TX_IN_GAP;
        break;
    default:
        break;
    }
    return 0;
}

static int
loss_gilb_ell(struct netem_priv *n)
{
    const struct txp_qdisc_netem_conf *c = &n->c;
    switch (n->clg_state) {
    case GE_GOOD:
        if (txp_qdisc_prandom_u32(&n->prng) < c->a1)
            n->clg_state = GE_BAD;
        if (txp_qdisc_prandom_u32(&n->prng) < c->a4)
            return 1;
        break;
    case GE_BAD:
        if (txp_qdisc_prandom_u32(&n->prng) < c->a2)
            n->clg_state = GE_GOOD;
        if (txp_qdisc_prandom_u32(&n->prng) > c->a3)
            return 1;
        break;
    default:
        break;
    }
    return 0;
}

static int
loss_event(struct netem_priv *n)
{
    switch (n->c.loss_model) {
    case TXP_QDISC_LOSS_RANDOM:
        return n->c.loss && n->c.loss >= get_crandom(&n->loss_cor, &n->prng);
    case TXP_QDISC_LOSS_GI:
        return loss_4state(n);
    case TXP_QDISC_LOSS_GE:
        return loss_gilb_ell(n);
    default:
        return 0;
    }
}

/* ---- delay ---- */

static int64_t
tabledist(int64_t mu, int32_t sigma, struct crnd *st, struct txp_qdisc_prandom *r,
          const int16_t *tbl, uint32_t size)
{
    if (sigma == 0)
        return mu;
    uint32_t rnd = get_crandom(st, r);
    if (!tbl)
        return (int64_t)(rnd % (2u * (uint32_t)sigma)) + mu - sigma;
    int64_t t = tbl[rnd % size];
    int64_t x = (int64_t)(sigma % TXP_QDISC_DIST_SCALE) * t;
    if (x >= 0)
        x += TXP_QDISC_DIST_SCALE / 2;
    else
        x -= TXP_QDISC_DIST_SCALE / 2;
    return x / TXP_QDISC_DIST_SCALE + (int64_t)(sigma / TXP_QDISC_DIST_SCALE) * t + mu;
}

static uint64_t
packet_time_ns(const struct netem_priv *n, uint32_t pkt_len)
{
    int64_t len = (int64_t)pkt_len + n->c.packet_overhead;
    if (len < 0)
        len = 0;
    if (n->c.cell_size) {
        uint64_t cells = (uint64_t)len / n->c.cell_size;
        if ((uint64_t)len > cells * n->c.cell_size)
            cells++;
        len = (int64_t)(cells * (uint64_t)((int64_t)n->c.cell_size + n->c.cell_overhead));
        if (len < 0)
            len = 0;
    }
    return (uint64_t)len * 1000000000ull / n->c.rate;
}

/* ---- the time-ordered queue ---- */

static int
ti_less(const struct titem *a, const struct titem *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int
heap_push(struct txp_qdisc *q, struct netem_priv *n, struct txp_pkt *p, uint64_t t)
{
    if (n->heap_len == n->heap_cap) {
        uint32_t cap = n->heap_cap ? n->heap_cap * 2u : 64u;
        if (cap < n->heap_cap)
            return TXP_ENOMEM;
        struct titem *h = txp_alloc_mem(q->alloc, sizeof(*h) * cap, _Alignof(struct titem));
        if (!h)
            return TXP_ENOMEM;
        if (n->heap_len)
            memcpy(h, n->heap, sizeof(*h) * n->heap_len);
        txp_free(q->alloc, n->heap);
        n->heap = h;
        n->heap_cap = cap;
    }
    struct titem it = {p, t, n->seq++};
    uint32_t i = n->heap_len++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!ti_less(&it, &n->heap[parent]))
            break;
        n->heap[i] = n->heap[parent];
        i = parent;
    }
    n->heap[i] = it;
    if (n->heap_len == 1 || t > n->tfifo_max)
        n->tfifo_max = t;
    return TXP_OK;
}

static struct txp_pkt *
heap_pop(struct netem_priv *n)
{
    struct txp_pkt *p = n->heap[0].p;
    struct titem last = n->heap[--n->heap_len];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        const struct titem *best = &last;
        if (l < n->heap_len && ti_less(&n->heap[l], best)) {
            m = l;
            best = &n->heap[l];
        }
        if (l + 1 < n->heap_len && ti_less(&n->heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        n->heap[i] = n->heap[m];
        i = m;
    }
    if (n->heap_len)
        n->heap[i] = last;
    return p;
}

/* ---- ecn ---- */

static int
ecn_set_ce(struct txp_pkt *p)
{
    uint8_t *d = txp_pkt_data(p);
    uint32_t off;
    if (p->meta.l3_off != 0xFFFF)
        off = p->meta.l3_off;
    else if (p->len >= 14 + 20 && d[12] == 0x08 && d[13] == 0x00)
        off = 14;
    else
        return 0;
    if (off + 20 > p->len || (d[off] >> 4) != 4)
        return 0;
    uint8_t tos = d[off + 1];
    switch (tos & 3u) {
    case 0: /* not ECT */
        return 0;
    case 3: /* CE already */
        return 1;
    default: {
        uint16_t old_word = (uint16_t)(((unsigned)d[off] << 8) | (unsigned)tos);
        uint16_t new_word = (uint16_t)(((unsigned)d[off] << 8) | (tos | 3u));
        uint16_t csum = (uint16_t)(((unsigned)d[off + 10] << 8) | d[off + 11]);
        csum = txp_csum_update16(csum, old_word, new_word);
        d[off + 1] = (uint8_t)(tos | 3u);
        d[off + 10] = (uint8_t)(csum >> 8);
        d[off + 11] = (uint8_t)csum;
        return 1;
    }
    }
}

static uint32_t
below(struct txp_qdisc_prandom *r, uint32_t n)
{
    return (uint32_t)(((uint64_t)txp_qdisc_prandom_u32(r) * n) >> 32);
}

/* ---- ops ---- */

static int netem_enqueue_depth(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now,
                               struct txp_pkt **to_free, int depth);

static int
netem_enqueue(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now, struct txp_pkt **to_free)
{
    return netem_enqueue_depth(q, p, now, to_free, 0);
}

static int
netem_enqueue_depth(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now, struct txp_pkt **to_free,
                    int depth)
{
    struct netem_priv *n = txp_qdisc_priv(q);
    const struct txp_qdisc_netem_conf *c = &n->c;
    int count = 1;
    struct txp_pkt *dup = NULL;

    if (c->duplicate && depth == 0 && c->duplicate >= get_crandom(&n->dup_cor, &n->prng))
        ++count;
    if (loss_event(n)) {
        if (c->ecn && ecn_set_ce(p)) {
            q->stats.drops++; /* the kernel counts a mark as a drop (qdisc_qstats_drop) */
            q->stats.ecn_marked++;
        } else {
            --count;
        }
    }
    if (count == 0) {
        txp_qdisc__drop(q, p, TXP_DROP_QDISC_NETEM_LOSS, to_free);
        return TXP_QDISC_XMIT_SUCCESS; /* NET_XMIT_SUCCESS | __NET_XMIT_BYPASS */
    }
    if (count > 1) {
        dup = c->dup_pool ? txp_pkt_clone(c->dup_pool, p) : NULL;
        if (dup)
            q->stats.duplicated++;
        else
            q->stats.dup_failed++;
    }
    if (c->corrupt && c->corrupt >= get_crandom(&n->corrupt_cor, &n->prng)) {
        if (p->meta.gso_size) {
            txp_qdisc__drop(q, p, TXP_DROP_QDISC_NETEM_CORRUPT, to_free);
            if (dup)
                txp_qdisc__drop(q, dup, TXP_DROP_QDISC_NETEM_CORRUPT, to_free);
            return TXP_QDISC_XMIT_DROP;
        }
        if (p->len) {
            uint32_t pos = below(&n->prng, p->len);
            uint32_t bit = below(&n->prng, 8);
            /* skb_unshare: a packet sharing the TCP write queue's bytes gets its own copy. */
            txp_pkt_unshare(p);
            txp_pkt_data(p)[pos] ^= (uint8_t)(1u << bit);
            q->stats.corrupted++;
        }
    }
    if (q->inner_qlen >= q->limit) {
        txp_qdisc__drop(q, p, TXP_DROP_QDISC_DROP, to_free);
        if (dup)
            txp_qdisc__drop(q, dup, TXP_DROP_QDISC_DROP, to_free);
        return TXP_QDISC_XMIT_DROP;
    }
    if (dup) {
        netem_enqueue_depth(q, dup, now, to_free, depth + 1);
    }

    if (c->gap == 0 || n->counter < c->gap - 1 ||
        c->reorder < get_crandom(&n->reorder_cor, &n->prng)) {
        int64_t delay = tabledist(c->latency_ns, (int32_t)c->jitter_ns, &n->delay_cor, &n->prng,
                                  n->dist, n->dist_size);
        uint64_t base = now;
        if (c->rate) {
            int have = 0;
            uint64_t last = 0;
            if (n->headq.tail) {
                last = n->headq.tail->meta.tstamp_ns;
                have = 1;
            }
            if (n->heap_len && (!have || n->tfifo_max > last)) {
                last = n->tfifo_max;
                have = 1;
            }
            if (have) {
                delay -= (int64_t)(last - now);
                if (delay < 0)
                    delay = 0;
                base = last;
            }
            delay += (int64_t)packet_time_ns(n, p->len);
        }
        uint64_t t;
        if (delay < 0)
            t = (uint64_t)-delay > base ? 0 : base - (uint64_t)-delay;
        else
            t = base + (uint64_t)delay;
        if (heap_push(q, n, p, t) != TXP_OK) {
            txp_qdisc__drop(q, p, TXP_DROP_NOMEM, to_free);
            return TXP_QDISC_XMIT_DROP;
        }
        p->meta.tstamp_ns = t;
        ++n->counter;
    } else {
        p->meta.tstamp_ns = now;
        n->counter = 0;
        txp_qdisc__fifo_push_head(&n->headq, p);
        q->stats.requeues++;
        q->stats.reordered++;
    }
    q->inner_qlen++;
    q->stats.backlog += p->len;
    return TXP_QDISC_XMIT_SUCCESS;
}

static struct txp_pkt *
netem_dequeue(struct txp_qdisc *q, uint64_t now)
{
    struct netem_priv *n = txp_qdisc_priv(q);
    struct txp_pkt *p = txp_qdisc__fifo_pop(&n->headq);
    if (!p) {
        if (!n->heap_len || n->heap[0].t > now)
            return NULL;
        p = heap_pop(n);
        p->next = NULL;
    }
    q->inner_qlen--;
    q->stats.backlog -= p->len;
    return p;
}

static struct txp_pkt *
netem_peek(struct txp_qdisc *q, uint64_t now)
{
    struct netem_priv *n = txp_qdisc_priv(q);
    if (n->headq.head)
        return n->headq.head;
    if (n->heap_len && n->heap[0].t <= now)
        return n->heap[0].p;
    return NULL;
}

static uint64_t
netem_next_due(const struct txp_qdisc *q, uint64_t now)
{
    const struct netem_priv *n = txp_qdisc_priv(q);
    if (n->headq.head)
        return now;
    return n->heap_len ? n->heap[0].t : UINT64_MAX;
}

static void
netem_reset(struct txp_qdisc *q, struct txp_pkt **to_free)
{
    struct netem_priv *n = txp_qdisc_priv(q);
    txp_qdisc__fifo_flush(&n->headq, to_free);
    while (n->heap_len) {
        struct txp_pkt *p = heap_pop(n);
        p->meta.drop_reason = TXP_DROP_NOT_SPECIFIED;
        p->next = *to_free;
        *to_free = p;
    }
    q->inner_qlen = 0;
    q->stats.backlog = 0;
}

const struct txp_qdisc_ops txp_qdisc__netem_ops = {
    "netem",        sizeof(struct netem_priv),
    netem_init,     netem_enqueue,
    netem_dequeue,  netem_peek,
    netem_reset,    txp_qdisc__netem_dump,
    netem_next_due, netem_destroy,
};

/* ---- printing (iproute2 q_netem.c netem_print_opt) ---- */

struct sbuf {
    char *buf;
    size_t cap;
    int n;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
    if (s->n < 0)
        return;
    size_t used = (size_t)s->n < s->cap ? (size_t)s->n : s->cap;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(s->buf + used, s->cap - used, fmt, ap);
    va_end(ap);
    s->n = k < 0 ? k : s->n + k;
}

int
txp_qdisc__netem_dump(const struct txp_qdisc *q, char *buf, size_t cap)
{
    const struct netem_priv *n = txp_qdisc_priv(q);
    const struct txp_qdisc_netem_conf *c = &n->c;
    struct sbuf s = {buf, cap, 0};
    char a[64], b[64];
    if (cap)
        buf[0] = '\0';
    sb_printf(&s, "limit %u", (unsigned)c->limit);
    if (c->latency_ns) {
        txp_qdisc_format_time(c->latency_ns, a, sizeof a);
        sb_printf(&s, " delay %s", a);
        if (c->jitter_ns) {
            txp_qdisc_format_time(c->jitter_ns, a, sizeof a);
            sb_printf(&s, "  %s", a);
            if (c->delay_corr) {
                txp_qdisc_format_percent(c->delay_corr, a, sizeof a);
                sb_printf(&s, " %s", a);
            }
        }
    }
    if (c->loss_model == TXP_QDISC_LOSS_RANDOM && c->loss) {
        txp_qdisc_format_percent(c->loss, a, sizeof a);
        sb_printf(&s, " loss %s", a);
        if (c->loss_corr) {
            txp_qdisc_format_percent(c->loss_corr, a, sizeof a);
            sb_printf(&s, " %s", a);
        }
    } else if (c->loss_model == TXP_QDISC_LOSS_GI) {
        const uint32_t v[5] = {c->a1, c->a2, c->a3, c->a5, c->a4};
        const char *names[5] = {"p13", "p31", "p32", "p23", "p14"};
        sb_printf(&s, " loss state");
        for (int i = 0; i < 5; i++) {
            txp_qdisc_format_percent(v[i], a, sizeof a);
            sb_printf(&s, " %s %s", names[i], a);
        }
    } else if (c->loss_model == TXP_QDISC_LOSS_GE) {
        txp_qdisc_format_percent(c->a1, a, sizeof a);
        txp_qdisc_format_percent(c->a2, b, sizeof b);
        sb_printf(&s, " loss gemodel p %s r %s", a, b);
        txp_qdisc_format_percent(UINT32_MAX - c->a3, a, sizeof a);
        txp_qdisc_format_percent(c->a4, b, sizeof b);
        sb_printf(&s, " 1-h %s 1-k %s", a, b);
    }
    if (c->duplicate) {
        txp_qdisc_format_percent(c->duplicate, a, sizeof a);
        sb_printf(&s, " duplicate %s", a);
        if (c->dup_corr) {
            txp_qdisc_format_percent(c->dup_corr, a, sizeof a);
            sb_printf(&s, " %s", a);
        }
    }
    if (c->reorder) {
        txp_qdisc_format_percent(c->reorder, a, sizeof a);
        sb_printf(&s, " reorder %s", a);
        if (c->reorder_corr) {
            txp_qdisc_format_percent(c->reorder_corr, a, sizeof a);
            sb_printf(&s, " %s", a);
        }
    }
    if (c->corrupt) {
        txp_qdisc_format_percent(c->corrupt, a, sizeof a);
        sb_printf(&s, " corrupt %s", a);
        if (c->corrupt_corr) {
            txp_qdisc_format_percent(c->corrupt_corr, a, sizeof a);
            sb_printf(&s, " %s", a);
        }
    }
    if (c->rate) {
        txp_qdisc_format_rate(c->rate, a, sizeof a);
        sb_printf(&s, " rate %s", a);
        if (c->packet_overhead)
            sb_printf(&s, " packetoverhead %d", (int)c->packet_overhead);
        if (c->cell_size)
            sb_printf(&s, " cellsize %u", (unsigned)c->cell_size);
        if (c->cell_overhead)
            sb_printf(&s, " celloverhead %d", (int)c->cell_overhead);
    }
    if (c->has_seed)
        sb_printf(&s, " seed %llu", (unsigned long long)c->seed);
    if (c->ecn)
        sb_printf(&s, " ecn ");
    if (c->gap)
        sb_printf(&s, " gap %lu", (unsigned long)c->gap);
    return s.n;
}
