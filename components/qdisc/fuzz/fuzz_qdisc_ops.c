/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc fuzz target: random enqueue / dequeue / requeue / reset / clock sequences on a
 * qdisc, compared with a reference model written independently (arrays of FIFOs).
 *
 * pfifo_fast, prio, pfifo, bfifo: the reference predicts every verdict and every dequeued
 * packet exactly (band choice from its own priomap logic, per-band or total limits), and the
 * Sent/dropped/backlog/qlen counters. netem (random parameters): conservation and timing
 * invariants: every packet leaves once (twice if duplicated) or is counted as dropped with a
 * reason; nothing leaves before its time; without reordering, rate or negative delays, packets
 * leave in time
 * order; qlen never exceeds the limit (limit + 1 with duplication: the duplicate re-enters
 * the qdisc after the original passed the limit check, as in sch_netem.c).
 *
 * Input: byte 0 kind (% 5: pfifo_fast, prio, pfifo, bfifo, netem), byte 1 txqueuelen (1..31),
 * bytes 2..17 prio bands + priomap (records from byte 18), or bytes 2..18 netem parameters
 * (records from byte 19); then 3-byte records
 * [op, a, b]: op % 6 = 0 enqueue (priority a, length 14 + b), 1 dequeue, 2 requeue the last
 * dequeued packet, 3 advance the clock by a * 256 us, 4 reset, 5 enqueue with priority
 * 0x10000 | a (a major:minor priority).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/qdisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAXP 512

/* ---- the reference: FIFOs of packet ids ---- */
struct rfifo {
    uint32_t id[MAXP];
    uint32_t head, len;
};

static void
rpush(struct rfifo *f, uint32_t id)
{
    f->id[(f->head + f->len++) % MAXP] = id;
}

static uint32_t
rpop(struct rfifo *f)
{
    uint32_t id = f->id[f->head];
    f->head = (f->head + 1) % MAXP;
    f->len--;
    return id;
}

struct ref {
    int kind;
    uint32_t bands, limit, handle;
    uint8_t map[16];
    struct rfifo band[16];
    uint64_t bytes_q; /* backlog */
    uint32_t len_of[MAXP];
    uint32_t requeued[MAXP], nreq; /* stack: last requeued first */
};

static uint32_t
ref_band(const struct ref *r, uint32_t prio)
{
    if (r->kind == 0)
        return r->map[prio & 15];
    if (r->kind == 1) {
        if ((prio >> 16) == (r->handle >> 16)) {
            uint32_t minor = prio & 0xFFFF;
            if (minor >= 1 && minor <= r->bands)
                return minor - 1;
            return r->map[0];
        }
        if (prio >> 16)
            return r->map[0];
        return r->map[prio & 15];
    }
    return 0;
}

static struct txp_pkt *
new_pkt(struct txp_pkt_pool *pool, uint32_t id, uint32_t prio, uint32_t len)
{
    struct txp_pkt *p = txp_pkt_alloc(pool);
    FZ_CHECK(p != NULL);
    uint8_t *d = txp_pkt_put(p, len);
    FZ_CHECK(d != NULL);
    memset(d, 0, len);
    d[0] = (uint8_t)(id >> 8);
    d[1] = (uint8_t)id;
    p->meta.priority = prio;
    return p;
}

static uint32_t
id_of(const struct txp_pkt *p)
{
    return ((uint32_t)txp_pkt_data(p)[0] << 8) | txp_pkt_data(p)[1];
}

static void
run_exact(const uint8_t *data, size_t size, int kind)
{
    uint32_t txq = 1 + data[1] % 31;
    struct txp_qdisc_conf c;
    struct ref r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    static const enum txp_qdisc_kind kinds[4] = {TXP_QDISC_PFIFO_FAST, TXP_QDISC_PRIO,
                                                 TXP_QDISC_PFIFO, TXP_QDISC_BFIFO};
    txp_qdisc_conf_default(&c, kinds[kind]);
    if (kind == 1) {
        c.bands = 2 + data[2] % 15;
        for (int i = 0; i < 16; i++)
            c.priomap[i] = (uint8_t)(data[2 + 1 + (i % 15)] % c.bands);
        c.handle = 0x10000;
    } else if (kind == 2 || kind == 3) {
        if (data[2] & 1) {
            c.limit = kind == 2 ? data[3] % 40u : (uint32_t)data[3] * 16u;
            c.limit_set = 1;
        }
    }
    struct txp_qdisc_dev dev;
    txp_qdisc_dev_default(&dev);
    dev.tx_queue_len = txq;
    struct txp_qdisc *q = NULL;
    FZ_CHECK(txp_qdisc_create(&c, &dev, NULL, &q) == TXP_OK);
    r.bands = kind == 1 ? c.bands : 3;
    memcpy(r.map, kind == 1 ? c.priomap : txp_qdisc_default_priomap, 16);
    r.handle = q->handle;
    if (kind == 0 || kind == 1)
        r.limit = txq;
    else if (kind == 2)
        r.limit = c.limit_set ? c.limit : txq;
    else
        r.limit = c.limit_set ? c.limit : txq * 1514u;

    struct txp_pkt_pool_config pc = {MAXP, 512};
    struct txp_pkt_pool *pool = NULL;
    FZ_CHECK(txp_pkt_pool_create(&pc, NULL, &pool) == TXP_OK);
    struct txp_pkt *last = NULL; /* last dequeued, still ours */
    uint32_t next_id = 0;
    uint64_t sent = 0, sent_bytes = 0, drops = 0;
    for (size_t i = 18; i + 3 <= size && next_id < MAXP - 2; i += 3) {
        uint8_t op = data[i] % 6, a = data[i + 1], b = data[i + 2];
        struct txp_pkt *to_free = NULL;
        if (op == 0 || op == 5) {
            uint32_t prio = op == 0 ? a : (0x10000u | a);
            uint32_t len = 14u + b;
            uint32_t id = next_id++;
            r.len_of[id] = len;
            struct txp_pkt *p = new_pkt(pool, id, prio, len);
            int v = txp_qdisc_enqueue(q, p, 0, &to_free);
            uint32_t band = ref_band(&r, prio);
            int fits;
            if (kind <= 1)
                fits = r.band[band].len < r.limit;
            else if (kind == 2)
                fits = r.band[0].len < r.limit;
            else
                fits = r.bytes_q + len <= r.limit;
            if (kind == 1)
                FZ_CHECK(txp_qdisc_classify(q, p) == (int)band);
            FZ_CHECK(v == (fits ? TXP_QDISC_XMIT_SUCCESS : TXP_QDISC_XMIT_DROP));
            if (fits) {
                rpush(&r.band[band], id);
                r.bytes_q += len;
                FZ_CHECK(to_free == NULL);
            } else {
                drops++;
                FZ_CHECK(to_free == p && p->next == NULL);
                FZ_CHECK(p->meta.drop_reason == TXP_DROP_QDISC_DROP);
                txp_pkt_free(p);
            }
        } else if (op == 1) {
            if (last)
                txp_pkt_free(last);
            last = txp_qdisc_dequeue(q, 0);
            uint32_t want = UINT32_MAX;
            int from_req = 0;
            if (r.nreq) {
                want = r.requeued[--r.nreq];
                from_req = 1;
            } else {
                for (uint32_t bd = 0; bd < r.bands; bd++)
                    if (r.band[bd].len) {
                        want = rpop(&r.band[bd]);
                        break;
                    }
            }
            if (want == UINT32_MAX) {
                FZ_CHECK(last == NULL);
            } else {
                FZ_CHECK(last != NULL && id_of(last) == want);
                r.bytes_q -= r.len_of[want];
                if (!from_req) {
                    sent++;
                    sent_bytes += r.len_of[want];
                }
            }
        } else if (op == 2) {
            if (last) {
                txp_qdisc_requeue(q, last);
                r.requeued[r.nreq++] = id_of(last);
                r.bytes_q += last->len;
                last = NULL;
            }
        } else if (op == 4) {
            txp_qdisc_reset(q, &to_free);
            uint32_t n = 0;
            while (to_free) {
                struct txp_pkt *p = to_free;
                to_free = p->next;
                txp_pkt_free(p);
                n++;
            }
            uint32_t want = r.nreq;
            for (uint32_t bd = 0; bd < 16; bd++) {
                want += r.band[bd].len;
                r.band[bd].len = 0;
            }
            r.nreq = 0;
            r.bytes_q = 0;
            FZ_CHECK(n == want);
        }
        uint32_t qlen = r.nreq;
        for (uint32_t bd = 0; bd < 16; bd++)
            qlen += r.band[bd].len;
        FZ_CHECK(txp_qdisc_qlen(q) == qlen);
        FZ_CHECK(q->stats.backlog == r.bytes_q);
        FZ_CHECK(q->stats.packets == sent && q->stats.bytes == sent_bytes);
        FZ_CHECK(q->stats.drops == drops && q->stats.drop_reason[TXP_DROP_QDISC_DROP] == drops);
        FZ_CHECK((txp_qdisc_peek(q, 0) != NULL) == (qlen != 0));
    }
    if (last)
        txp_pkt_free(last);
    last = NULL;
    txp_qdisc_destroy(q, &last);
    while (last) {
        struct txp_pkt *p = last;
        last = p->next;
        txp_pkt_free(p);
    }
    FZ_CHECK(txp_pkt_pool_in_use(pool) == 0);
    txp_pkt_pool_destroy(pool);
}

static uint32_t
pct(uint8_t b)
{
    /* 0, a few per cent, or up to 100% */
    if (b < 64)
        return 0;
    if (b < 192)
        return (uint32_t)((b - 64) * 33554431u);
    return b == 255 ? UINT32_MAX : (uint32_t)(b * 16843009u);
}

static void
run_netem(const uint8_t *data, size_t size)
{
    struct txp_qdisc_conf c;
    txp_qdisc_conf_default(&c, TXP_QDISC_NETEM);
    struct txp_qdisc_netem_conf *n = &c.netem;
    const uint8_t *k = data + 2;
    n->limit = 1 + k[0] % 64;
    n->latency_ns = (int64_t)k[1] * 100000;
    n->jitter_ns = (int64_t)(k[2] % 64) * 100000;
    n->dist = (enum txp_qdisc_dist)(k[3] % 4);
    if (n->jitter_ns == 0 || n->latency_ns == 0)
        n->dist = TXP_QDISC_DIST_UNIFORM;
    n->delay_corr = pct(k[4]);
    n->loss_model = (enum txp_qdisc_loss_model)(k[5] % 3);
    n->loss = pct(k[6]);
    n->a1 = pct(k[6]);
    n->a2 = pct(k[7]);
    n->a3 = pct(k[8]);
    n->a4 = pct(k[9]);
    n->a5 = pct(k[10]);
    n->duplicate = pct(k[11]);
    n->corrupt = pct(k[12]);
    n->reorder = pct(k[13]);
    n->gap = n->reorder && n->latency_ns ? 1u + k[14] % 4 : 0;
    if (!n->gap)
        n->reorder = 0;
    n->rate = (k[15] & 1) ? (uint64_t)k[15] * 1000 : 0;
    n->seed = k[16];
    struct txp_pkt_pool_config pc = {MAXP, 512};
    struct txp_pkt_pool *pool = NULL;
    FZ_CHECK(txp_pkt_pool_create(&pc, NULL, &pool) == TXP_OK);
    n->dup_pool = pool;
    struct txp_qdisc *q = NULL;
    FZ_CHECK(txp_qdisc_create(&c, NULL, NULL, &q) == TXP_OK);
    /* time order holds when no delay can be negative: tables reach -4 sigma */
    int ordered =
        n->reorder == 0 && n->rate == 0 && n->duplicate == 0 && n->latency_ns >= 4 * n->jitter_ns;
    uint64_t now = 0, last_t = 0;
    uint32_t enq = 0, out = 0, dropped = 0;
    uint8_t seen[MAXP];
    memset(seen, 0, sizeof seen);
    for (size_t i = 19; i + 3 <= size && enq < MAXP / 4; i += 3) {
        uint8_t op = data[i] % 6, a = data[i + 1], b = data[i + 2];
        struct txp_pkt *to_free = NULL;
        if (op == 0 || op == 5) {
            struct txp_pkt *p = new_pkt(pool, enq++, a, 14u + b);
            txp_qdisc_enqueue(q, p, now, &to_free);
            /* a duplicate re-enters after the limit check, as in the kernel: limit + 1 */
            FZ_CHECK(txp_qdisc_qlen(q) <= n->limit + (n->duplicate ? 1u : 0u));
        } else if (op == 1 || op == 2) {
            struct txp_pkt *p = txp_qdisc_dequeue(q, now);
            if (p) {
                uint32_t id = id_of(p);
                if (n->corrupt == 0) {
                    FZ_CHECK(id < enq);
                    FZ_CHECK(seen[id] < (n->duplicate ? 2 : 1));
                    seen[id]++;
                }
                FZ_CHECK(p->meta.tstamp_ns <= now);
                if (ordered)
                    FZ_CHECK(p->meta.tstamp_ns >= last_t);
                last_t = p->meta.tstamp_ns;
                out++;
                txp_pkt_free(p);
            } else {
                uint64_t due = txp_qdisc_next_due(q, now);
                FZ_CHECK(txp_qdisc_qlen(q) == 0 ? due == UINT64_MAX : due > now);
            }
        } else if (op == 3) {
            now += (uint64_t)a * 256000u;
        } else {
            txp_qdisc_reset(q, &to_free);
        }
        while (to_free) {
            struct txp_pkt *p = to_free;
            to_free = p->next;
            FZ_CHECK(p->meta.drop_reason != TXP_DROP_NOT_DROPPED || op == 4);
            txp_pkt_free(p);
            dropped++;
        }
        /* conservation: every packet made is out, dropped or queued */
        FZ_CHECK(enq + q->stats.duplicated == out + dropped + txp_qdisc_qlen(q));
        uint64_t reasons = 0;
        for (int rr = 0; rr < TXP_DROP__COUNT; rr++)
            reasons += q->stats.drop_reason[rr];
        FZ_CHECK(q->stats.drops == reasons + q->stats.ecn_marked);
    }
    struct txp_pkt *p;
    while ((p = txp_qdisc_dequeue(q, UINT64_MAX)) != NULL) {
        out++;
        txp_pkt_free(p);
    }
    FZ_CHECK(txp_qdisc_qlen(q) == 0);
    txp_qdisc_destroy(q, NULL);
    FZ_CHECK(txp_pkt_pool_in_use(pool) == 0);
    txp_pkt_pool_destroy(pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 19)
        return 0;
    int kind = data[0] % 5;
    if (kind < 4)
        run_exact(data, size, kind);
    else
        run_netem(data, size);
    return 0;
}
