/* SPDX-License-Identifier: MIT */
/*
 * txpath ring fuzz target: random xmit / device-consume / clean / doorbell / qdisc-run
 * sequences on one ring, checked against a reference: a plain FIFO of the frames the ring
 * accepted (bytes as the wire must carry them, padding included) and a per-descriptor shadow.
 *
 * Invariants (a violation traps):
 *   - every frame the device emits is the head of the reference FIFO, byte for byte: nothing
 *     lost, duplicated or reordered; completions come back in the same order and only for
 *     frames the device already emitted (DD before clean);
 *   - xmit only fills descriptors the shadow has free (no reuse before DD and clean), with
 *     IFCS on each, EOP|IFCS|RS on the last only, lengths summing to the frame;
 *   - bad input (too big, empty fragment, too many fragments) returns the documented error and
 *     leaves indices, registers and BQL untouched;
 *   - stop/wake: the queue runs only with >= 24 free; a STOP event reports < 24 free (or < the
 *     packet's need), a WAKE event >= 32; after a clean that freed something a stopped queue
 *     has < 32 free; TXP_EBUSY only when free < count + 2;
 *   - BQL: min_limit <= limit <= max_limit, queued - completed = bytes in flight, STACK_XOFF
 *     only while dql_avail < 0;
 *   - at the end, draining the ring delivers and completes everything.
 *
 * Input: byte 0 = configuration (bits 0-1 ring size 64 << n, bit 2 BQL off, bit 3 jumbo MTU
 * 9000, bits 4-5 link rate: instant, 1 Gbit/s, 100 Mbit/s, 10 Mbit/s, bit 6 BQL bounds
 * 1000..20000); then records of 4 bytes: op, a, b, c.
 *   op % 8: 0,1 xmit (length a*8+b, c = fragments | more<<5 | bad<<6)
 *           2 device run (advance clock by a*b*100 ns, at most c frames, 0 = all)
 *           3 clean      4 doorbell     5 advance clock (a<<16 | b<<8 | c ns)
 *           6 qdisc: queue a%8 packets of b*8+c bytes into the source, run it
 *           7 tx_action (run the qdisc only if scheduled)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define FZ_MAX_INFLIGHT 2048u
#define FZ_PATTERN 20000u

/* Fragment payloads come from a fixed pattern: frags stay valid for the whole run. */
static uint8_t fz_pattern[FZ_PATTERN];

struct fz_frame {
    uint32_t seq;
    uint32_t len;
    uint8_t *bytes;
    uint32_t first, ndesc; /* descriptor range */
    struct txp_pkt *pkt;
};

struct fz_fifo {
    struct fz_frame f[FZ_MAX_INFLIGHT];
    uint32_t head, tail;
};

struct fz {
    struct txp_ring *r;
    struct txp_pkt_pool *pool;
    struct txp_ring_backend be;
    struct txp_ring_done_cb done;
    struct txp_ring_event_cb ev;
    struct txp_ring_src src;
    uint64_t now;
    uint32_t size;
    uint32_t mtu;
    uint32_t seq;
    /* Frames accepted, in wire order; [head, sent) were emitted, [head, tail) in flight. */
    struct fz_fifo ref;
    uint32_t sent;
    uint8_t *shadow; /* per descriptor: 0 free, 1 owned by the ring */
    uint64_t inflight_bytes;
    bool bql;
    uint32_t need; /* descriptors the current xmit needs (for the STOP event check) */
    /* qdisc source FIFO of packets (with their expected bytes) */
    struct txp_pkt *q[256];
    uint32_t qhead, qtail; /* qhead may go below its start: the window is 512 wide */
};

static uint32_t
fz_free(const struct fz *z)
{
    return txp_ring_free_count(z->r);
}

static int
fz_backend(struct txp_ring_backend *self, uint64_t ts, const uint8_t *d, uint32_t len)
{
    struct fz *z = TXP_CONTAINER_OF(self, struct fz, be);
    (void)ts;
    FZ_CHECK(z->sent != z->ref.tail);
    struct fz_frame *f = &z->ref.f[z->sent % FZ_MAX_INFLIGHT];
    FZ_CHECK(f->len == len);
    FZ_CHECK(memcmp(f->bytes, d, len) == 0);
    z->sent++;
    return TXP_OK;
}

static void
fz_done(struct txp_ring_done_cb *self, struct txp_pkt *p, uint64_t now_ns)
{
    struct fz *z = TXP_CONTAINER_OF(self, struct fz, done);
    (void)now_ns;
    FZ_CHECK(z->ref.head != z->sent); /* emitted (DD) before completed */
    struct fz_frame *f = &z->ref.f[z->ref.head % FZ_MAX_INFLIGHT];
    FZ_CHECK(f->pkt == p);
    for (uint32_t i = 0; i < f->ndesc; i++) {
        uint32_t k = (f->first + i) & (z->size - 1u);
        FZ_CHECK(z->shadow[k] == 1);
        z->shadow[k] = 0;
    }
    z->inflight_bytes -= f->len;
    free(f->bytes);
    f->bytes = NULL;
    z->ref.head++;
    txp_pkt_free(p);
}

static void
fz_event(struct txp_ring_event_cb *self, enum txp_ring_event ev, uint64_t now_ns, uint32_t nfree)
{
    struct fz *z = TXP_CONTAINER_OF(self, struct fz, ev);
    (void)now_ns;
    switch (ev) {
    case TXP_RING_EV_STOP:
        FZ_CHECK(nfree < TXP_RING_STOP_THRESHOLD || nfree < z->need + 2u);
        break;
    case TXP_RING_EV_WAKE:
        FZ_CHECK(nfree >= TXP_RING_WAKE_THRESHOLD);
        break;
    case TXP_RING_EV_STACK_XOFF:
    case TXP_RING_EV_STACK_XON:
        FZ_CHECK(z->bql);
        break;
    default:
        FZ_CHECK(0);
    }
}

/* The bytes the wire must carry: linear part, fragments, zero padding to 60. */
static uint8_t *
fz_expect(const struct txp_pkt *p, const struct txp_ring_frag *fr, uint32_t nfr, uint32_t *len)
{
    uint32_t n = p->len;
    for (uint32_t i = 0; i < nfr; i++)
        n += fr[i].len;
    uint32_t out = n < TXP_RING_MIN_FRAME ? TXP_RING_MIN_FRAME : n;
    uint8_t *b = calloc(1, out);
    FZ_CHECK(b != NULL);
    memcpy(b, txp_pkt_data(p), p->len);
    uint32_t off = p->len;
    for (uint32_t i = 0; i < nfr; i++) {
        memcpy(b + off, fr[i].data, fr[i].len);
        off += fr[i].len;
    }
    *len = out;
    return b;
}

static uint32_t
fz_ndesc(uint32_t len)
{
    return (len + TXP_RING_MAX_DATA_PER_TXD - 1u) / TXP_RING_MAX_DATA_PER_TXD;
}

static struct txp_pkt *
fz_pkt(struct fz *z, uint32_t len)
{
    struct txp_pkt *p = txp_pkt_alloc(z->pool);
    if (!p)
        return NULL;
    if (len > txp_pkt_tailroom(p))
        len = txp_pkt_tailroom(p);
    uint8_t *d = txp_pkt_put(p, len);
    uint32_t s = z->seq++;
    for (uint32_t i = 0; i < len; i++)
        d[i] = (uint8_t)(s * 31u + i);
    return p;
}

/* Record an accepted frame; check the descriptors it filled. */
static void
fz_accepted(struct fz *z, struct txp_pkt *p, uint8_t *bytes, uint32_t len, uint32_t first,
            uint32_t ntu)
{
    uint32_t nd = (ntu - first) & (z->size - 1u);
    FZ_CHECK(nd >= 1);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < nd; i++) {
        uint32_t k = (first + i) & (z->size - 1u);
        FZ_CHECK(z->shadow[k] == 0);
        z->shadow[k] = 1;
        struct txp_ring_desc d;
        txp_ring_desc_decode(txp_ring_desc_raw(z->r, k), &d);
        FZ_CHECK(d.status == 0);
        FZ_CHECK(d.length >= 1 && d.length <= TXP_RING_MAX_DATA_PER_TXD);
        if (i + 1 == nd)
            FZ_CHECK(d.cmd == (TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS));
        else
            FZ_CHECK(d.cmd == TXP_RING_CMD_IFCS);
        sum += d.length;
    }
    FZ_CHECK(sum == len);
    FZ_CHECK(z->ref.tail - z->ref.head < FZ_MAX_INFLIGHT);
    struct fz_frame *f = &z->ref.f[z->ref.tail % FZ_MAX_INFLIGHT];
    f->len = len;
    f->bytes = bytes;
    f->first = first;
    f->ndesc = nd;
    f->pkt = p;
    z->ref.tail++;
    z->inflight_bytes += len;
}

struct fz_state {
    uint32_t ntu, ntc, tdh, tdt, state;
    struct txp_ring_bql bql;
};

static void
fz_state(const struct fz *z, struct fz_state *s)
{
    memset(s, 0, sizeof *s);
    s->ntu = txp_ring_next_to_use(z->r);
    s->ntc = txp_ring_next_to_clean(z->r);
    s->tdh = txp_ring_reg_read(z->r, TXP_RING_REG_TDH);
    s->tdt = txp_ring_reg_read(z->r, TXP_RING_REG_TDT);
    s->state = txp_ring_queue_state(z->r);
    txp_ring_bql(z->r, &s->bql);
}

static void
fz_xmit(struct fz *z, uint8_t a, uint8_t b, uint8_t c)
{
    uint32_t len = (uint32_t)a * 8u + b;
    uint32_t nfr = c & 31u;
    bool more = (c >> 5) & 1u;
    bool bad = (c >> 6) & 1u;
    struct txp_pkt *p = fz_pkt(z, len ? len : 1u);
    if (!p)
        return;
    struct txp_ring_frag fr[32];
    uint32_t total = p->len;
    for (uint32_t i = 0; i < nfr; i++) {
        uint32_t fl = ((uint32_t)b * 37u + i * 101u + a) % 700u + 1u;
        if (c & 0x80u)
            fl *= 9u; /* multi-descriptor fragments on a jumbo ring */
        if (bad && i == nfr / 2u)
            fl = 0;
        uint32_t off = (z->seq * 13u + i * 7u) % (FZ_PATTERN - fl);
        fr[i].data = fz_pattern + off;
        fr[i].len = fl;
        total += fl;
    }
    struct fz_state before, after;
    fz_state(z, &before);
    uint32_t free0 = fz_free(z);
    uint32_t pad = total < TXP_RING_MIN_FRAME ? TXP_RING_MIN_FRAME - total : 0;
    uint32_t need = fz_ndesc(p->len);
    for (uint32_t i = 0; i < nfr; i++)
        need += fr[i].len ? fz_ndesc(fr[i].len) : 0;
    if (pad && !(nfr == 0 && txp_pkt_tailroom(p) >= pad))
        need++;
    z->need = need;
    uint32_t elen = 0;
    uint8_t *exp = NULL;
    bool has_zero = false;
    for (uint32_t i = 0; i < nfr; i++)
        has_zero |= fr[i].len == 0;
    if (nfr <= TXP_RING_MAX_FRAGS && !has_zero)
        exp = fz_expect(p, fr, nfr, &elen);
    int rc = txp_ring_xmit(z->r, p, fr, nfr, more, z->now);
    fz_state(z, &after);
    if (nfr > TXP_RING_MAX_FRAGS) {
        FZ_CHECK(rc == TXP_ERANGE);
    } else if (has_zero) {
        FZ_CHECK(rc == TXP_EINVAL);
    } else if (total > z->mtu + TXP_RING_HDR_LEN) {
        FZ_CHECK(rc == TXP_EMSGSIZE);
        FZ_CHECK(p->meta.drop_reason == TXP_DROP_PKT_TOO_BIG);
    } else if (rc == TXP_EBUSY) {
        FZ_CHECK(free0 < need + 2u);
        FZ_CHECK(after.state & TXP_RING_XOFF_DRV);
    } else {
        FZ_CHECK(rc == TXP_OK);
        FZ_CHECK(free0 >= need + 2u);
        FZ_CHECK(after.ntu == ((before.ntu + need) & (z->size - 1u)));
        fz_accepted(z, p, exp, elen, before.ntu, after.ntu);
        if (!more || after.state)
            FZ_CHECK(after.tdt == after.ntu);
        else
            FZ_CHECK(after.tdt == before.tdt);
        return;
    }
    /* Refused: nothing moved (the queue may have been stopped on BUSY). */
    free(exp);
    after.state = before.state;
    FZ_CHECK(memcmp(&before, &after, sizeof before) == 0);
    txp_pkt_free(p);
}

static struct txp_pkt *
fz_src_dequeue(struct txp_ring_src *self, uint64_t now_ns)
{
    struct fz *z = TXP_CONTAINER_OF(self, struct fz, src);
    (void)now_ns;
    if (z->qhead == z->qtail)
        return NULL;
    return z->q[z->qhead++ % 256u];
}

static void
fz_src_requeue(struct txp_ring_src *self, struct txp_pkt *p)
{
    struct fz *z = TXP_CONTAINER_OF(self, struct fz, src);
    z->qhead--;
    FZ_CHECK(z->q[z->qhead % 256u] == p); /* back in its old place: order kept */
}

/* Run the qdisc model and account for what it handed the ring. */
static void
fz_qrun(struct fz *z, bool action)
{
    uint32_t h0 = z->qhead;
    uint32_t ntu0 = txp_ring_next_to_use(z->r);
    struct txp_ring_run_result res;
    memset(&res, 0, sizeof res);
    if (action) {
        bool sched = txp_ring_scheduled(z->r);
        FZ_CHECK(txp_ring_tx_action(z->r, &z->src, z->now, &res) == sched);
        if (!sched)
            return;
    } else {
        FZ_CHECK(txp_ring_qdisc_run(z->r, &z->src, z->now, &res) == TXP_OK);
    }
    FZ_CHECK(res.dropped == 0);
    FZ_CHECK(res.sent <= TXP_RING_TX_WEIGHT);
    FZ_CHECK(z->qhead - h0 == res.sent);
    if (res.quota_used || res.requeued)
        FZ_CHECK(txp_ring_scheduled(z->r));
    if (res.stopped)
        FZ_CHECK(txp_ring_queue_state(z->r) != 0);
    /* Source packets have no fragments: one or two descriptors each, consecutive. */
    uint32_t at = ntu0;
    for (uint32_t i = 0; i < res.sent; i++) {
        struct txp_pkt *p = z->q[(h0 + i) % 256u];
        uint32_t nd = fz_ndesc(p->len);
        uint32_t elen;
        uint8_t *exp = fz_expect(p, NULL, 0, &elen);
        fz_accepted(z, p, exp, elen, at, (at + nd) & (z->size - 1u));
        at = (at + nd) & (z->size - 1u);
    }
    FZ_CHECK(at == txp_ring_next_to_use(z->r));
    /* After a run that sent something the tail covers everything (the last xmit of a bulk
     * has more = false); an earlier direct xmit_more batch may stay unflushed otherwise. */
    if (res.sent)
        FZ_CHECK(txp_ring_reg_read(z->r, TXP_RING_REG_TDT) == at);
}

static void
fz_invariants(struct fz *z, bool cleaned)
{
    uint32_t st = txp_ring_queue_state(z->r);
    uint32_t nfree = fz_free(z);
    if (!(st & TXP_RING_XOFF_DRV))
        FZ_CHECK(nfree >= TXP_RING_STOP_THRESHOLD);
    if (cleaned && (st & TXP_RING_XOFF_DRV))
        FZ_CHECK(nfree < TXP_RING_WAKE_THRESHOLD);
    struct txp_ring_bql b;
    txp_ring_bql(z->r, &b);
    FZ_CHECK(b.limit >= b.min_limit && b.limit <= b.max_limit);
    if (z->bql) {
        FZ_CHECK((uint32_t)(b.num_queued - b.num_completed) == (uint32_t)z->inflight_bytes);
        if (st & TXP_RING_XOFF_STACK)
            FZ_CHECK(b.avail < 0);
    } else {
        FZ_CHECK(!(st & TXP_RING_XOFF_STACK));
    }
    /* Free count agrees with the shadow (one slot always empty). */
    uint32_t owned = 0;
    for (uint32_t i = 0; i < z->size; i++)
        owned += z->shadow[i];
    FZ_CHECK(owned + nfree + 1u == z->size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    for (uint32_t i = 0; i < FZ_PATTERN; i++)
        fz_pattern[i] = (uint8_t)(i * 7u + (i >> 8));
    struct fz *z = calloc(1, sizeof *z);
    FZ_CHECK(z != NULL);
    uint8_t cfgb = data[0];
    static const uint64_t rates[4] = {0, 1000000000ull, 100000000ull, 10000000ull};
    struct txp_ring_config cfg = {0};
    cfg.size = 64u << (cfgb & 3u);
    cfg.bql_disable = (cfgb >> 2) & 1u;
    cfg.mtu = (cfgb & 8u) ? 9000u : 1500u;
    cfg.link_bps = rates[(cfgb >> 4) & 3u];
    if (cfgb & 0x40u) {
        cfg.bql_min_limit = 1000;
        cfg.bql_max_limit = 20000;
    }
    cfg.bql_hold_ns = 1000000; /* let the slack shrink path run within short inputs */
    z->be.fn = fz_backend;
    z->done.fn = fz_done;
    z->ev.fn = fz_event;
    z->src.dequeue = fz_src_dequeue;
    z->src.requeue = fz_src_requeue;
    z->src.drop = NULL;
    cfg.backend = &z->be;
    cfg.done = &z->done;
    cfg.events = &z->ev;
    z->size = cfg.size;
    z->mtu = cfg.mtu;
    z->bql = !cfg.bql_disable;
    z->qhead = z->qtail = 256;
    z->shadow = calloc(cfg.size, 1);
    struct txp_pkt_pool_config pc = {.count = 1200, .buf_size = 2048};
    FZ_CHECK(z->shadow && txp_pkt_pool_create(&pc, NULL, &z->pool) == TXP_OK);
    FZ_CHECK(txp_ring_create(&cfg, NULL, &z->r) == TXP_OK);

    for (size_t i = 1; i + 4 <= size; i += 4) {
        uint8_t op = data[i], a = data[i + 1], b = data[i + 2], c = data[i + 3];
        bool cleaned = false;
        switch (op % 8u) {
        case 0:
        case 1:
            fz_xmit(z, a, b, cfg.mtu == 9000u ? c : (uint8_t)(c & 0x7Fu));
            break;
        case 2:
            z->now += (uint64_t)a * b * 100u;
            txp_ring_dev_run(z->r, z->now, c);
            break;
        case 3:
            cleaned = txp_ring_clean(z->r, z->now) > 0;
            break;
        case 4:
            txp_ring_doorbell(z->r, z->now);
            FZ_CHECK(txp_ring_reg_read(z->r, TXP_RING_REG_TDT) == txp_ring_next_to_use(z->r));
            break;
        case 5:
            z->now += (uint64_t)a << 16 | (uint64_t)b << 8 | c;
            break;
        case 6:
            for (uint32_t k = 0; k < a % 8u && z->qtail - z->qhead < 200u; k++) {
                struct txp_pkt *p = fz_pkt(z, ((uint32_t)b * 8u + c) % 1514u + 1u);
                if (!p)
                    break;
                z->q[z->qtail++ % 256u] = p;
            }
            fz_qrun(z, false);
            break;
        case 7:
            fz_qrun(z, true);
            break;
        default:
            break;
        }
        fz_invariants(z, cleaned);
    }

    /* Drain: everything in flight reaches the wire and completes, in order. */
    txp_ring_doorbell(z->r, z->now);
    z->now += 10000000000ull;
    txp_ring_dev_run(z->r, z->now, 0);
    txp_ring_clean(z->r, z->now);
    FZ_CHECK(z->sent == z->ref.tail);
    FZ_CHECK(z->ref.head == z->ref.tail);
    FZ_CHECK(txp_ring_free_count(z->r) == z->size - 1u);
    fz_invariants(z, true);
    FZ_CHECK(!(txp_ring_queue_state(z->r) & TXP_RING_XOFF_DRV));

    txp_ring_destroy(z->r);
    while (z->qhead != z->qtail)
        txp_pkt_free(z->q[z->qhead++ % 256u]);
    FZ_CHECK(txp_pkt_pool_in_use(z->pool) == 0);
    txp_pkt_pool_destroy(z->pool);
    free(z->shadow);
    free(z);
    return 0;
}
