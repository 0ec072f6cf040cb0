/* SPDX-License-Identifier: MIT */
/*
 * txpath ring: the driver end of the transmit path, modelled on e1000 (e1000_xmit_frame,
 * e1000_tx_map, e1000_tx_queue, e1000_clean_tx_irq), BQL (netdev_tx_sent_queue,
 * netdev_tx_completed_queue, lib/dynamic_queue_limits.c) and the qdisc run (__qdisc_run,
 * dequeue_skb, sch_direct_xmit, dev_hard_start_xmit, net_tx_action).
 *
 * Ring (size N, a power of two, descriptors of 16 bytes in e1000's little-endian layout):
 *
 *          next_to_clean (ntc)      TDH (device head)      TDT (tail)        next_to_use (ntu)
 *                 |                       |                     |                    |
 *   ... free ... [ done, DD set, to clean ][ visible to device ][ written, no doorbell ] ... free
 *
 *   free = (ntc > ntu ? 0 : N) + ntc - ntu - 1  (E1000_DESC_UNUSED: one slot always stays empty,
 *   so ntu == ntc means empty, never full).
 *
 * Descriptor bytes: 0-7 buffer address (u64), 8-9 length, 10 CSO, 11 CMD, 12 STATUS, 13 CSS,
 * 14-15 special. Every descriptor carries IFCS; the last of a packet carries EOP|IFCS|RS (and
 * IDE with an interrupt delay). Buffers are at most 4096 bytes per descriptor. The buffer
 * address is the host address of the data: the device model "DMAs" through an identity map.
 *
 * Invariants:
 *   - slots[first].next_to_watch = last, slots[last].pkt = the packet, for each packet in
 *     [ntc, ntu); a slot is in use from the xmit that fills it until the clean that frees it;
 *   - TDT only ever moves to a packet boundary (ntu after a whole packet);
 *   - the device sets DD only on descriptors with RS, and only after handing the frame out;
 *   - clean frees nothing whose EOP descriptor lacks DD;
 *   - BQL: bytes reported sent = bytes completed + bytes in flight.
 *
 * Entry points: txp_ring_xmit (one packet), txp_ring_doorbell (flush the tail),
 * txp_ring_dev_run (device model), txp_ring_clean (completion), txp_ring_qdisc_run and
 * txp_ring_tx_action (softirq side), accessors and dump.
 *
 * References: ../shared/linux-facts.md sections 7 and 8; Intel 8254x SDM (legacy transmit
 * descriptor); Linux drivers/net/ethernet/intel/e1000/e1000_main.c, lib/dynamic_queue_limits.c,
 * include/linux/netdevice.h, net/sched/sch_generic.c.
 */
#include "txpath/ring.h"

#include <limits.h>
#include <string.h>

#include "ring_int.h"

/* lib/dynamic_queue_limits.c bounds: objects above UINT_MAX/16 are not expected. */
#define RING_DQL_MAX_OBJECT (UINT32_MAX / 16u)
#define RING_DQL_MAX_LIMIT ((UINT32_MAX / 2u) - RING_DQL_MAX_OBJECT)
/* Default slack hold time: HZ jiffies, i.e. one second. */
#define RING_DQL_HOLD_NS 1000000000ull

static uint32_t
ring_posdiff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0 ? a - b : 0;
}

static bool
ring_after_eq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

/* ---------------------------------------------------------------- descriptors */

void
txp_ring_desc_encode(uint8_t out[TXP_RING_DESC_SIZE], const struct txp_ring_desc *d)
{
    for (unsigned i = 0; i < 8; i++)
        out[TXP_RING_DESC_OFF_ADDR + i] = (uint8_t)(d->addr >> (8u * i));
    out[TXP_RING_DESC_OFF_LEN] = (uint8_t)d->length;
    out[TXP_RING_DESC_OFF_LEN + 1] = (uint8_t)(d->length >> 8);
    out[TXP_RING_DESC_OFF_CSO] = d->cso;
    out[TXP_RING_DESC_OFF_CMD] = d->cmd;
    out[TXP_RING_DESC_OFF_STATUS] = d->status;
    out[TXP_RING_DESC_OFF_CSS] = d->css;
    out[TXP_RING_DESC_OFF_SPECIAL] = (uint8_t)d->special;
    out[TXP_RING_DESC_OFF_SPECIAL + 1] = (uint8_t)(d->special >> 8);
}

void
txp_ring_desc_decode(const uint8_t in[TXP_RING_DESC_SIZE], struct txp_ring_desc *d)
{
    uint64_t a = 0;
    for (unsigned i = 0; i < 8; i++)
        a |= (uint64_t)in[TXP_RING_DESC_OFF_ADDR + i] << (8u * i);
    d->addr = a;
    d->length =
        (uint16_t)(in[TXP_RING_DESC_OFF_LEN] | (uint16_t)(in[TXP_RING_DESC_OFF_LEN + 1] << 8));
    d->cso = in[TXP_RING_DESC_OFF_CSO];
    d->cmd = in[TXP_RING_DESC_OFF_CMD];
    d->status = in[TXP_RING_DESC_OFF_STATUS];
    d->css = in[TXP_RING_DESC_OFF_CSS];
    d->special = (uint16_t)(in[TXP_RING_DESC_OFF_SPECIAL] |
                            (uint16_t)(in[TXP_RING_DESC_OFF_SPECIAL + 1] << 8));
}

const char *
txp_ring_event_name(enum txp_ring_event ev)
{
    switch (ev) {
    case TXP_RING_EV_STOP:
        return "stop";
    case TXP_RING_EV_WAKE:
        return "wake";
    case TXP_RING_EV_STACK_XOFF:
        return "stack_xoff";
    case TXP_RING_EV_STACK_XON:
        return "stack_xon";
    default:
        return "?";
    }
}

/* ---------------------------------------------------------------- BQL (struct dql) */

static void
ring_dql_reset(struct ring_dql *q, uint64_t now_ns)
{
    q->limit = q->min_limit;
    q->num_queued = 0;
    q->num_completed = 0;
    q->adj_limit = q->limit;
    q->last_obj_cnt = 0;
    q->prev_num_queued = 0;
    q->prev_last_obj_cnt = 0;
    q->prev_ovlimit = 0;
    q->lowest_slack = UINT32_MAX;
    q->slack_start_ns = now_ns;
}

static int64_t
ring_dql_avail(const struct ring_dql *q)
{
    return (int64_t)(int32_t)(q->adj_limit - q->num_queued);
}

static void
ring_dql_queued(struct ring_dql *q, uint32_t count)
{
    q->last_obj_cnt = count;
    q->num_queued += count;
}

/*
 * dql_completed: grow the limit when the queue starved (it was over the limit and ran empty),
 * shrink it by the smallest slack seen over a hold time when it stayed busy.
 */
static void
ring_dql_completed(struct ring_dql *q, uint32_t count, uint64_t now_ns)
{
    uint32_t num_queued = q->num_queued;
    uint32_t completed = q->num_completed + count;
    uint32_t limit = q->limit;
    uint32_t ovlimit = ring_posdiff(num_queued - q->num_completed, limit);
    uint32_t inprogress = num_queued - completed;
    uint32_t prev_inprogress = q->prev_num_queued - q->num_completed;
    bool all_prev_completed = ring_after_eq(completed, q->prev_num_queued);

    if ((ovlimit && !inprogress) || (q->prev_ovlimit && all_prev_completed)) {
        limit += ring_posdiff(completed, q->prev_num_queued) + q->prev_ovlimit;
        q->slack_start_ns = now_ns;
        q->lowest_slack = UINT32_MAX;
    } else if (inprogress && prev_inprogress && !all_prev_completed) {
        uint32_t slack = ring_posdiff(limit + q->prev_ovlimit, 2u * (completed - q->num_completed));
        uint32_t slack_last =
            q->prev_ovlimit ? ring_posdiff(q->prev_last_obj_cnt, q->prev_ovlimit) : 0;
        if (slack_last > slack)
            slack = slack_last;
        if (slack < q->lowest_slack)
            q->lowest_slack = slack;
        if (now_ns > q->slack_start_ns + q->hold_ns) {
            limit = ring_posdiff(limit, q->lowest_slack);
            q->slack_start_ns = now_ns;
            q->lowest_slack = UINT32_MAX;
        }
    }
    if (limit < q->min_limit)
        limit = q->min_limit;
    if (limit > q->max_limit)
        limit = q->max_limit;
    if (limit != q->limit) {
        q->limit = limit;
        ovlimit = 0;
    }
    q->adj_limit = limit + completed;
    q->prev_ovlimit = ovlimit;
    q->prev_last_obj_cnt = q->last_obj_cnt;
    q->num_completed = completed;
    q->prev_num_queued = num_queued;
}

/* ---------------------------------------------------------------- lifecycle */

static size_t
ring_align16(size_t n)
{
    return (n + 15u) & ~(size_t)15u;
}

static uint32_t
ring_bounce_size(uint32_t mtu)
{
    return mtu + TXP_RING_HDR_LEN;
}

static int
ring_cfg_check(const struct txp_ring_config *cfg, uint32_t *size, uint32_t *mtu)
{
    if (!cfg)
        return TXP_EINVAL;
    uint32_t s = cfg->size ? cfg->size : TXP_RING_DEFAULT_SIZE;
    uint32_t m = cfg->mtu ? cfg->mtu : TXP_RING_DEFAULT_MTU;
    if (s < TXP_RING_MIN_SIZE || s > TXP_RING_MAX_SIZE || (s & (s - 1u)) != 0)
        return TXP_EINVAL;
    if (m < TXP_RING_MIN_FRAME - TXP_RING_HDR_LEN || m > TXP_RING_MAX_MTU)
        return TXP_EINVAL;
    if (cfg->bql_max_limit && cfg->bql_max_limit < cfg->bql_min_limit)
        return TXP_EINVAL;
    if (cfg->bql_max_limit > RING_DQL_MAX_LIMIT || cfg->bql_min_limit > RING_DQL_MAX_LIMIT)
        return TXP_EINVAL;
    *size = s;
    *mtu = m;
    return TXP_OK;
}

size_t
txp_ring_memsize(const struct txp_ring_config *cfg)
{
    uint32_t size, mtu;
    if (ring_cfg_check(cfg, &size, &mtu) != TXP_OK)
        return 0;
    return ring_align16(sizeof(struct txp_ring)) + (size_t)size * TXP_RING_DESC_SIZE +
           ring_align16((size_t)size * sizeof(struct ring_slot)) + ring_bounce_size(mtu);
}

int
txp_ring_init(void *mem, size_t len, const struct txp_ring_config *cfg, struct txp_ring **out)
{
    uint32_t size, mtu;
    if (!mem || !out || ((uintptr_t)mem & 15u) != 0)
        return TXP_EINVAL;
    int rc = ring_cfg_check(cfg, &size, &mtu);
    if (rc != TXP_OK)
        return rc;
    if (len < txp_ring_memsize(cfg))
        return TXP_EINVAL;
    memset(mem, 0, txp_ring_memsize(cfg));
    struct txp_ring *r = mem;
    uint8_t *p = (uint8_t *)mem + ring_align16(sizeof(struct txp_ring));
    r->desc = p;
    p += (size_t)size * TXP_RING_DESC_SIZE;
    r->slots = (struct ring_slot *)(void *)p;
    p += ring_align16((size_t)size * sizeof(struct ring_slot));
    r->bounce = p;
    r->size = size;
    r->mask = size - 1u;
    r->mtu = mtu;
    r->link_bps = cfg->link_bps;
    r->bql_on = !cfg->bql_disable;
    r->int_delay = cfg->int_delay;
    r->backend = cfg->backend;
    r->done = cfg->done;
    r->events = cfg->events;
    r->dql.min_limit = cfg->bql_min_limit;
    r->dql.max_limit = cfg->bql_max_limit ? cfg->bql_max_limit : RING_DQL_MAX_LIMIT;
    r->dql.hold_ns = cfg->bql_hold_ns ? cfg->bql_hold_ns : RING_DQL_HOLD_NS;
    ring_dql_reset(&r->dql, 0);
    *out = r;
    return TXP_OK;
}

static void
ring_give_back(struct txp_ring *r, struct txp_pkt *p, uint64_t now_ns)
{
    if (r->done)
        r->done->fn(r->done, p, now_ns);
    else
        txp_pkt_free(p);
}

void
txp_ring_fini(struct txp_ring *r, uint64_t now_ns)
{
    if (!r)
        return;
    /* e1000_clean_tx_ring: release every buffer, whatever its DD bit says. */
    for (uint32_t i = 0; i < r->size; i++) {
        struct ring_slot *s = &r->slots[i];
        if (s->pkt)
            ring_give_back(r, s->pkt, now_ns);
        memset(s, 0, sizeof *s);
    }
    memset(r->desc, 0, (size_t)r->size * TXP_RING_DESC_SIZE);
    r->ntu = r->ntc = r->tdh = r->tdt = 0;
    r->state = 0;
    r->sched = false;
    ring_dql_reset(&r->dql, now_ns);
}

int
txp_ring_create(const struct txp_ring_config *cfg, const struct txp_alloc *a, struct txp_ring **out)
{
    size_t n = txp_ring_memsize(cfg);
    if (!n || !out)
        return TXP_EINVAL;
    void *mem = txp_alloc_mem(a, n, 64);
    if (!mem)
        return TXP_ENOMEM;
    int rc = txp_ring_init(mem, n, cfg, out);
    if (rc != TXP_OK) {
        txp_free(a, mem);
        return rc;
    }
    (*out)->alloc = a;
    (*out)->owned = true;
    return TXP_OK;
}

void
txp_ring_destroy(struct txp_ring *r)
{
    if (!r)
        return;
    txp_ring_fini(r, 0);
    if (r->owned)
        txp_free(r->alloc, r);
}

/* ---------------------------------------------------------------- queue state */

uint32_t
txp_ring_free_count(const struct txp_ring *r)
{
    return (r->ntc > r->ntu ? 0 : r->size) + r->ntc - r->ntu - 1u;
}

static void
ring_event(struct txp_ring *r, enum txp_ring_event ev, uint64_t now_ns)
{
    if (r->events)
        r->events->fn(r->events, ev, now_ns, txp_ring_free_count(r));
}

static void
ring_stop(struct txp_ring *r, uint64_t now_ns)
{
    if (r->state & TXP_RING_XOFF_DRV)
        return;
    r->state |= TXP_RING_XOFF_DRV;
    r->st.stops++;
    ring_event(r, TXP_RING_EV_STOP, now_ns);
}

static void
ring_drop(struct txp_ring *r, struct txp_pkt *p, enum txp_drop_reason why)
{
    r->st.drops++;
    r->st.drop_reason[why]++;
    p->meta.drop_reason = (uint16_t)why;
}

/* ---------------------------------------------------------------- transmit */

static uint32_t
ring_txd_use_count(uint32_t len)
{
    return (len + TXP_RING_MAX_DATA_PER_TXD - 1u) / TXP_RING_MAX_DATA_PER_TXD;
}

/* Fill descriptors for one buffer from *i on; returns the last index written. */
static uint32_t
ring_map(struct txp_ring *r, uint32_t *i, const uint8_t *data, uint32_t len, uint32_t last)
{
    uint32_t off = 0;
    while (off < len) {
        uint32_t n = len - off;
        if (n > TXP_RING_MAX_DATA_PER_TXD)
            n = TXP_RING_MAX_DATA_PER_TXD;
        struct ring_slot *s = &r->slots[*i];
        TXP_ASSERT(!s->in_use);
        s->in_use = true;
        s->pkt = NULL;
        struct txp_ring_desc d = {0};
        d.addr = (uint64_t)(uintptr_t)(data + off);
        d.length = (uint16_t)n;
        d.cmd = TXP_RING_CMD_IFCS;
        txp_ring_desc_encode(r->desc + (size_t)*i * TXP_RING_DESC_SIZE, &d);
        last = *i;
        *i = (*i + 1u) & r->mask;
        off += n;
    }
    return last;
}

void
txp_ring_doorbell(struct txp_ring *r, uint64_t now_ns)
{
    if (r->tdt == r->ntu)
        return;
    /* An idle device starts on the new work now, not when it last finished. */
    if (r->tdh == r->tdt && r->dev_free_ns < now_ns)
        r->dev_free_ns = now_ns;
    r->tdt = r->ntu;
    r->st.doorbells++;
}

int
txp_ring_xmit(struct txp_ring *r, struct txp_pkt *p, const struct txp_ring_frag *frags,
              uint32_t nfrags, bool more, uint64_t now_ns)
{
    TXP_ASSERT(r && p && (frags || nfrags == 0));
    /* Validate everything before touching the ring or the packet. */
    if (nfrags > TXP_RING_MAX_FRAGS) {
        ring_drop(r, p, TXP_DROP_TX_BAD_FRAGS);
        return TXP_ERANGE;
    }
    if (p->len == 0) {
        ring_drop(r, p, TXP_DROP_TX_BAD_FRAGS);
        return TXP_EINVAL;
    }
    uint64_t total = p->len;
    uint32_t count = ring_txd_use_count(p->len);
    for (uint32_t f = 0; f < nfrags; f++) {
        if (frags[f].len == 0 || !frags[f].data) {
            ring_drop(r, p, TXP_DROP_TX_BAD_FRAGS);
            return TXP_EINVAL;
        }
        total += frags[f].len;
        count += ring_txd_use_count(frags[f].len);
    }
    if (total > (uint64_t)r->mtu + TXP_RING_HDR_LEN) {
        ring_drop(r, p, TXP_DROP_PKT_TOO_BIG);
        return TXP_EMSGSIZE;
    }
    uint32_t pad = total < TXP_RING_MIN_FRAME ? TXP_RING_MIN_FRAME - (uint32_t)total : 0;
    /* skb_pad on a cloned skb reallocates: a packet sharing another's bytes (the TCP write
     * queue's) gets its own buffer (same data), so the padding depends on its own tailroom. */
    if (pad && nfrags == 0)
        txp_pkt_unshare(p);
    bool pad_inline = pad && nfrags == 0 && txp_pkt_tailroom(p) >= pad;
    if (pad && !pad_inline)
        count++;
    /* At most 1 + 17 buffers of which the bytes beyond one descriptor each add at most
     * 16124 / 4096 = 3 more: count <= 21, so count + 2 always fits in a ring of 64 or more
     * and the BUSY below always clears once the ring drains. */
    TXP_ASSERT(count + 2u <= r->size - 1u);
    if (txp_ring_free_count(r) < count + 2u) {
        ring_stop(r, now_ns);
        r->st.tx_busy++;
        return TXP_EBUSY;
    }

    if (pad_inline) {
        /* eth_skb_pad: zeros appended to the linear data. */
        memset(txp_pkt_put(p, pad), 0, pad);
    }
    if (pad) {
        r->st.padded++;
        total = TXP_RING_MIN_FRAME;
    }

    uint32_t first = r->ntu, i = r->ntu, last = r->ntu;
    last = ring_map(r, &i, txp_pkt_data(p), p->len, last);
    for (uint32_t f = 0; f < nfrags; f++)
        last = ring_map(r, &i, frags[f].data, frags[f].len, last);
    if (pad && !pad_inline)
        last = ring_map(r, &i, r->zero, pad, last);
    uint8_t *ld = r->desc + (size_t)last * TXP_RING_DESC_SIZE;
    ld[TXP_RING_DESC_OFF_CMD] = (uint8_t)(TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS |
                                          (r->int_delay ? TXP_RING_CMD_IDE : 0u));
    r->slots[first].next_to_watch = last;
    r->slots[first].is_first = true;
    r->slots[last].pkt = p;
    r->slots[last].bytes = (uint32_t)total;
    r->ntu = i;
    r->st.tx_packets++;
    r->st.tx_bytes += total;

    /* netdev_sent_queue before the descriptors go out, as e1000 does. */
    if (r->bql_on) {
        ring_dql_queued(&r->dql, (uint32_t)total);
        if (ring_dql_avail(&r->dql) < 0 && !(r->state & TXP_RING_XOFF_STACK)) {
            r->state |= TXP_RING_XOFF_STACK;
            r->st.stack_xoff++;
            ring_event(r, TXP_RING_EV_STACK_XOFF, now_ns);
        }
    }
    /* e1000_maybe_stop_tx(MAX_SKB_FRAGS + 7): room for a worst-case packet next time. */
    if (txp_ring_free_count(r) < TXP_RING_STOP_THRESHOLD)
        ring_stop(r, now_ns);
    if (!more || r->state != 0)
        txp_ring_doorbell(r, now_ns);
    return TXP_OK;
}

/* ---------------------------------------------------------------- device model */

static uint64_t
ring_wire_ns(const struct txp_ring *r, uint32_t len)
{
    if (!r->link_bps)
        return 0;
    uint64_t bits = ((uint64_t)len + TXP_RING_WIRE_OVERHEAD) * 8u;
    /* bits <= (16124 + 24) * 8, so bits * 1e9 cannot overflow. */
    return (bits * 1000000000ull + r->link_bps - 1u) / r->link_bps;
}

uint32_t
txp_ring_dev_run(struct txp_ring *r, uint64_t now_ns, uint32_t max_frames)
{
    uint32_t sent = 0;
    uint32_t cap = ring_bounce_size(r->mtu);
    while (r->tdh != r->tdt && (max_frames == 0 || sent < max_frames)) {
        /* Fetch the packet's descriptors and gather its buffers into the device FIFO. */
        uint32_t i = r->tdh, len = 0, eop;
        for (;;) {
            struct txp_ring_desc d;
            txp_ring_desc_decode(r->desc + (size_t)i * TXP_RING_DESC_SIZE, &d);
            TXP_ASSERT(len + d.length <= cap);
            if (d.length) {
                memcpy(r->bounce + len, (const uint8_t *)(uintptr_t)d.addr, d.length);
                len += d.length;
            }
            if (d.cmd & TXP_RING_CMD_EOP) {
                eop = i;
                break;
            }
            i = (i + 1u) & r->mask;
            TXP_ASSERT(i != r->tdt);
        }
        uint64_t fin = r->dev_free_ns + ring_wire_ns(r, len);
        if (fin > now_ns)
            break;
        r->dev_free_ns = fin;
        if (r->backend && r->backend->fn(r->backend, fin, r->bounce, len) < 0)
            r->st.backend_errors++;
        /* Write back DD on every descriptor that asked for status (RS). */
        for (uint32_t j = r->tdh;; j = (j + 1u) & r->mask) {
            uint8_t *dj = r->desc + (size_t)j * TXP_RING_DESC_SIZE;
            if (dj[TXP_RING_DESC_OFF_CMD] & TXP_RING_CMD_RS)
                dj[TXP_RING_DESC_OFF_STATUS] |= TXP_RING_STA_DD;
            if (j == eop)
                break;
        }
        r->tdh = (eop + 1u) & r->mask;
        r->st.dev_frames++;
        r->st.dev_bytes += len;
        sent++;
    }
    return sent;
}

/* ---------------------------------------------------------------- completion */

uint32_t
txp_ring_clean(struct txp_ring *r, uint64_t now_ns)
{
    uint32_t pkts = 0, bytes = 0;
    while (r->ntc != r->ntu) {
        struct ring_slot *fs = &r->slots[r->ntc];
        TXP_ASSERT(fs->in_use && fs->is_first);
        uint32_t eop = fs->next_to_watch;
        if (!(r->desc[(size_t)eop * TXP_RING_DESC_SIZE + TXP_RING_DESC_OFF_STATUS] &
              TXP_RING_STA_DD))
            break;
        struct txp_pkt *p = r->slots[eop].pkt;
        bytes += r->slots[eop].bytes;
        for (uint32_t i = r->ntc;; i = (i + 1u) & r->mask) {
            /* e1000 clears the upper dword (status, css, special) and unmaps the buffer. */
            uint8_t *d = r->desc + (size_t)i * TXP_RING_DESC_SIZE;
            d[TXP_RING_DESC_OFF_STATUS] = 0;
            d[TXP_RING_DESC_OFF_CSS] = 0;
            d[TXP_RING_DESC_OFF_SPECIAL] = 0;
            d[TXP_RING_DESC_OFF_SPECIAL + 1] = 0;
            memset(&r->slots[i], 0, sizeof r->slots[i]);
            if (i == eop)
                break;
        }
        r->ntc = (eop + 1u) & r->mask;
        pkts++;
        ring_give_back(r, p, now_ns);
    }
    r->st.clean_packets += pkts;
    r->st.clean_bytes += bytes;

    /* netdev_completed_queue */
    if (r->bql_on && bytes) {
        ring_dql_completed(&r->dql, bytes, now_ns);
        if (ring_dql_avail(&r->dql) >= 0 && (r->state & TXP_RING_XOFF_STACK)) {
            r->state &= ~TXP_RING_XOFF_STACK;
            r->st.stack_xon++;
            ring_event(r, TXP_RING_EV_STACK_XON, now_ns);
            if (!(r->state & TXP_RING_XOFF_DRV))
                r->sched = true; /* netif_schedule_queue */
        }
    }
    if (pkts && (r->state & TXP_RING_XOFF_DRV) &&
        txp_ring_free_count(r) >= TXP_RING_WAKE_THRESHOLD) {
        r->state &= ~TXP_RING_XOFF_DRV;
        r->st.wakes++;
        ring_event(r, TXP_RING_EV_WAKE, now_ns);
        r->sched = true; /* netif_wake_queue -> __netif_schedule */
    }
    return pkts;
}

/* ---------------------------------------------------------------- qdisc run */

static void
ring_src_drop(struct txp_ring_src *src, struct txp_pkt *p)
{
    enum txp_drop_reason why = (enum txp_drop_reason)p->meta.drop_reason;
    if (src->drop)
        src->drop(src, p, why);
    else
        txp_pkt_free(p);
}

int
txp_ring_qdisc_run(struct txp_ring *r, struct txp_ring_src *src, uint64_t now_ns,
                   struct txp_ring_run_result *res)
{
    struct txp_pkt *bulk[TXP_RING_TX_WEIGHT];
    struct txp_ring_run_result z = {0};
    uint32_t quota = TXP_RING_TX_WEIGHT;
    TXP_ASSERT(r && src && src->dequeue && src->requeue);
    if (!res)
        res = &z;
    memset(res, 0, sizeof *res);

    while (quota > 0) {
        /* dequeue_skb: nothing comes out while the only TX queue is stopped or frozen. */
        if (r->state != 0) {
            res->stopped = true;
            break;
        }
        struct txp_pkt *p = src->dequeue(src, now_ns);
        if (!p)
            break;
        uint32_t n = 0;
        bulk[n++] = p;
        /* Bulk dequeue within BQL's byte budget; without BQL the budget is 0 (no bulk). */
        if (r->bql_on) {
            int64_t budget = ring_dql_avail(&r->dql) - (int64_t)p->len;
            while (budget > 0 && n < quota) {
                struct txp_pkt *q = src->dequeue(src, now_ns);
                if (!q)
                    break;
                bulk[n++] = q;
                budget -= (int64_t)q->len;
            }
        }
        /* dev_hard_start_xmit over the list, xmit_more = another packet follows. */
        bool busy = false;
        uint32_t i;
        for (i = 0; i < n; i++) {
            if (i > 0 && r->state != 0) {
                busy = true; /* queue stopped with packets left: reported as BUSY */
                break;
            }
            int rc = txp_ring_xmit(r, bulk[i], NULL, 0, i + 1u < n, now_ns);
            if (rc == TXP_EBUSY) {
                busy = true;
                break;
            }
            if (rc == TXP_OK)
                res->sent++;
            else {
                res->dropped++;
                ring_src_drop(src, bulk[i]);
            }
        }
        quota -= i;
        /* A bulk whose last packets were refused as bad ended on an xmit_more: flush it. */
        txp_ring_doorbell(r, now_ns);
        if (busy) {
            /* dev_requeue_skb: the rest goes back in order, then __netif_schedule. */
            for (uint32_t j = n; j > i; j--)
                src->requeue(src, bulk[j - 1u]);
            res->requeued += n - i;
            r->sched = true;
            break;
        }
    }
    if (quota == 0) {
        res->quota_used = true;
        r->sched = true;
    }
    return TXP_OK;
}

bool
txp_ring_tx_action(struct txp_ring *r, struct txp_ring_src *src, uint64_t now_ns,
                   struct txp_ring_run_result *res)
{
    if (!r->sched)
        return false;
    r->sched = false;
    txp_ring_qdisc_run(r, src, now_ns, res);
    return true;
}

bool
txp_ring_scheduled(const struct txp_ring *r)
{
    return r->sched;
}

/* ---------------------------------------------------------------- introspection */

uint32_t
txp_ring_queue_state(const struct txp_ring *r)
{
    return r->state;
}

uint32_t
txp_ring_size(const struct txp_ring *r)
{
    return r->size;
}

uint32_t
txp_ring_next_to_use(const struct txp_ring *r)
{
    return r->ntu;
}

uint32_t
txp_ring_next_to_clean(const struct txp_ring *r)
{
    return r->ntc;
}

uint32_t
txp_ring_reg_read(const struct txp_ring *r, uint32_t reg)
{
    switch (reg) {
    case TXP_RING_REG_TDH:
        return r->tdh;
    case TXP_RING_REG_TDT:
        return r->tdt;
    case TXP_RING_REG_TDLEN:
        return r->size * TXP_RING_DESC_SIZE;
    default:
        return UINT32_MAX;
    }
}

const uint8_t *
txp_ring_desc_raw(const struct txp_ring *r, uint32_t idx)
{
    return r->desc + (size_t)(idx & r->mask) * TXP_RING_DESC_SIZE;
}

void
txp_ring_stats(const struct txp_ring *r, struct txp_ring_stats *out)
{
    *out = r->st;
}

void
txp_ring_bql(const struct txp_ring *r, struct txp_ring_bql *out)
{
    out->limit = r->dql.limit;
    out->num_queued = r->dql.num_queued;
    out->num_completed = r->dql.num_completed;
    out->adj_limit = r->dql.adj_limit;
    out->min_limit = r->dql.min_limit;
    out->max_limit = r->dql.max_limit;
    out->avail = ring_dql_avail(&r->dql);
}

void
txp_ring_dump(FILE *f, const struct txp_ring *r)
{
    fprintf(f, "ring size %u mtu %u ntu %u ntc %u free %u TDH %u TDT %u state%s%s%s sched %d\n",
            r->size, r->mtu, r->ntu, r->ntc, txp_ring_free_count(r), r->tdh, r->tdt,
            r->state ? "" : " running", (r->state & TXP_RING_XOFF_DRV) ? " drv_xoff" : "",
            (r->state & TXP_RING_XOFF_STACK) ? " stack_xoff" : "", r->sched ? 1 : 0);
    fprintf(f, "bql %s limit %u queued %u completed %u avail %lld\n", r->bql_on ? "on" : "off",
            r->dql.limit, r->dql.num_queued, r->dql.num_completed,
            (long long)ring_dql_avail(&r->dql));
    for (uint32_t i = r->ntc; i != r->ntu; i = (i + 1u) & r->mask) {
        struct txp_ring_desc d;
        txp_ring_desc_decode(txp_ring_desc_raw(r, i), &d);
        fprintf(f, "  [%4u] len %5u cmd %02x sta %02x%s\n", i, d.length, d.cmd, d.status,
                r->slots[i].pkt ? " eop" : "");
    }
}
