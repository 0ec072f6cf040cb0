/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc: a discrete-event run of a qdisc in front of a device that sends one packet
 * per interval: arrivals are enqueued at their time, the device dequeues whenever it is free
 * and something is due (dev_queue_xmit -> qdisc_run -> xmit, without the driver ring). At
 * equal times the device is served before the next arrival, so a packet reaching an empty
 * qdisc in front of an idle device leaves at once, as TCQ_F_CAN_BYPASS lets it in Linux.
 */
#include "qdisc_int.h"

static void
deliver_drops(struct txp_pkt *l, const struct txp_qdisc_sim_cb *cb)
{
    while (l) {
        struct txp_pkt *p = l;
        l = p->next;
        p->next = NULL;
        cb->drop(cb->ctx, p);
    }
}

int
txp_qdisc_sim(struct txp_qdisc *q, struct txp_pkt *const *pkts, uint32_t n, uint64_t tx_interval_ns,
              const struct txp_qdisc_sim_cb *cb)
{
    for (uint32_t i = 1; i < n; i++)
        if (pkts[i]->meta.tstamp_ns < pkts[i - 1]->meta.tstamp_ns)
            return TXP_EINVAL;
    uint64_t dev_free = 0; /* the device can start a packet at this time */
    uint32_t i = 0;
    for (;;) {
        uint64_t t_arr = i < n ? pkts[i]->meta.tstamp_ns : UINT64_MAX;
        uint64_t t_deq = UINT64_MAX;
        if (txp_qdisc_qlen(q)) {
            uint64_t due = txp_qdisc_next_due(q, dev_free);
            t_deq = due > dev_free ? due : dev_free;
        }
        if (t_arr == UINT64_MAX && t_deq == UINT64_MAX)
            break;
        if (t_arr < t_deq) { /* at equal times the free device goes first (qdisc bypass) */
            struct txp_pkt *p = pkts[i++];
            struct txp_pkt *to_free = NULL;
            int v = txp_qdisc_enqueue(q, p, t_arr, &to_free);
            if (v == TXP_QDISC_XMIT_NOQUEUE) {
                if (dev_free <= t_arr) {
                    p->meta.tstamp_ns = t_arr;
                    dev_free = t_arr + tx_interval_ns;
                    cb->xmit(cb->ctx, p, t_arr);
                } else {
                    p->meta.drop_reason = TXP_DROP_DEV_READY;
                    q->stats.drops++;
                    q->stats.drop_reason[TXP_DROP_DEV_READY]++;
                    cb->drop(cb->ctx, p);
                }
            }
            deliver_drops(to_free, cb);
            continue;
        }
        struct txp_pkt *p = txp_qdisc_dequeue(q, t_deq);
        if (!p)
            break; /* a qdisc whose next_due promised a packet it does not give: stop */
        p->meta.tstamp_ns = t_deq;
        dev_free = t_deq + tx_interval_ns;
        cb->xmit(cb->ctx, p, t_deq);
    }
    return TXP_OK;
}
