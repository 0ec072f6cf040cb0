/* SPDX-License-Identifier: MIT */
/* txpath ring: private layout of struct txp_ring, shared by the ring's own sources. */
#ifndef TXP_RING_INT_H
#define TXP_RING_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "txpath/ring.h"

/* Per-descriptor driver bookkeeping (e1000_tx_buffer). */
struct ring_slot {
    struct txp_pkt *pkt;    /* on the packet's last descriptor */
    uint32_t next_to_watch; /* on the first: index of the EOP descriptor */
    uint32_t bytes;         /* on the last: bytes BQL was told about */
    bool in_use;            /* filled by xmit, not yet cleaned */
    bool is_first;
};

/* struct dql (include/linux/dynamic_queue_limits.h), times in injected ns. */
struct ring_dql {
    uint32_t num_queued;
    uint32_t adj_limit;
    uint32_t last_obj_cnt;
    uint32_t limit;
    uint32_t num_completed;
    uint32_t prev_ovlimit;
    uint32_t prev_num_queued;
    uint32_t prev_last_obj_cnt;
    uint32_t lowest_slack;
    uint64_t slack_start_ns;
    uint32_t max_limit;
    uint32_t min_limit;
    uint64_t hold_ns;
};

struct txp_ring {
    uint32_t size, mask, mtu;
    uint32_t ntu, ntc; /* next_to_use, next_to_clean */
    uint32_t tdh, tdt; /* device head, tail register */
    uint32_t state;    /* TXP_RING_XOFF_* */
    bool sched;        /* __QDISC_STATE_SCHED */
    bool bql_on;
    bool int_delay;
    bool owned; /* from txp_ring_create() */
    uint64_t link_bps;
    uint64_t dev_free_ns; /* device clock: when the wire is next free */
    struct ring_dql dql;
    struct txp_ring_backend *backend;
    struct txp_ring_done_cb *done;
    struct txp_ring_event_cb *events;
    const struct txp_alloc *alloc;
    struct txp_ring_stats st;
    uint8_t *desc;           /* size * 16 bytes */
    struct ring_slot *slots; /* size */
    uint8_t *bounce;         /* device FIFO: mtu + 14 bytes */
    uint8_t zero[TXP_RING_MIN_FRAME];
};

#endif /* TXP_RING_INT_H */
