/* SPDX-License-Identifier: MIT */
/* txpath qdisc: declarations shared between the component's own files. */
#ifndef TXP_QDISC_INT_H
#define TXP_QDISC_INT_H

#include "txpath/qdisc.h"

#include <stdint.h>

#if defined(__GNUC__)
#define TXP_QDISC_HIDDEN __attribute__((visibility("hidden")))
#else
#define TXP_QDISC_HIDDEN
#endif

TXP_QDISC_HIDDEN extern const int16_t txp_qdisc__dist_normal[4096];
TXP_QDISC_HIDDEN extern const int16_t txp_qdisc__dist_pareto[4096];
TXP_QDISC_HIDDEN extern const int16_t txp_qdisc__dist_paretonormal[4096];

TXP_QDISC_HIDDEN extern const struct txp_qdisc_ops txp_qdisc__netem_ops;

/* Count a drop of @p p with @p reason and link it onto *to_free. */
TXP_QDISC_HIDDEN void txp_qdisc__drop(struct txp_qdisc *q, struct txp_pkt *p,
                                      enum txp_drop_reason reason, struct txp_pkt **to_free);

/* A FIFO of packets linked through p->next. */
struct txp_qdisc__fifo {
    struct txp_pkt *head, *tail;
    uint32_t len;
    uint64_t bytes;
};

TXP_QDISC_HIDDEN void txp_qdisc__fifo_push(struct txp_qdisc__fifo *f, struct txp_pkt *p);
TXP_QDISC_HIDDEN void txp_qdisc__fifo_push_head(struct txp_qdisc__fifo *f, struct txp_pkt *p);
TXP_QDISC_HIDDEN struct txp_pkt *txp_qdisc__fifo_pop(struct txp_qdisc__fifo *f);
TXP_QDISC_HIDDEN void txp_qdisc__fifo_flush(struct txp_qdisc__fifo *f, struct txp_pkt **to_free);

/* Netem option printing for tc.c. */
TXP_QDISC_HIDDEN int txp_qdisc__netem_dump(const struct txp_qdisc *q, char *buf, size_t cap);

#endif
