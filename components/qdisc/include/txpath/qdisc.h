/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc component: what dev_queue_xmit does between the IP layer and the driver.
 *
 * - Priority: TOS -> skb priority (ip_tos2prio), the IP_TOS / SO_PRIORITY socket-option order.
 * - Qdiscs behind one ops table (Linux's Qdisc_ops): pfifo_fast, prio, pfifo, bfifo, noqueue
 *   and netem (delay/jitter/correlation/distributions, random / 4-state / Gilbert-Elliott loss,
 *   duplicate, reorder, corrupt, rate, limit, ecn), all driven by an injected clock and a
 *   seeded PRNG, so a run is reproducible bit for bit.
 * - `tc` syntax: parse the qdisc part of `tc qdisc add dev DEV root ...` and print like
 *   `tc [-s] qdisc show`.
 *
 * Linux references: net/sched/sch_generic.c (pfifo_fast, noqueue), sch_prio.c, sch_fifo.c,
 * sch_netem.c, net/ipv4/route.c (ip_tos2prio), net/ipv4/ip_sockglue.c, net/core/sock.c;
 * iproute2 tc/q_*.c for the syntax and the printed form.
 */
#ifndef TXPATH_QDISC_H
#define TXPATH_QDISC_H

#include "txpath/alloc.h"
#include "txpath/err.h"
#include "txpath/pkt.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Highest priority index used by priomaps (TC_PRIO_MAX). */
#define TXP_QDISC_PRIO_MAX 15
/** Most bands a prio qdisc may have (TCQ_PRIO_BANDS). */
#define TXP_QDISC_BANDS_MAX 16
/** Smallest band count prio accepts (TCQ_MIN_PRIO_BANDS). */
#define TXP_QDISC_BANDS_MIN 2
/** Scale of netem distribution tables (NETEM_DIST_SCALE). */
#define TXP_QDISC_DIST_SCALE 8192
/** Largest netem distribution table (NETEM_DIST_MAX). */
#define TXP_QDISC_DIST_MAX 16384
/** pfifo_fast's fixed priomap (sch_default_prio2band). */
extern const uint8_t txp_qdisc_default_priomap[TXP_QDISC_PRIO_MAX + 1];

/* ------------------------------------------------------------------------------------------ */
/* Priorities                                                                                 */

/**
 * rt_tos2priority: skb priority for a TOS byte, ip_tos2prio[(tos & 0x1E) >> 1].
 * @return a TC_PRIO_* value (0, 2, 4 or 6). Thread-safety: safe. Complexity: O(1).
 */
uint32_t txp_qdisc_tos2prio(uint8_t tos);

/** The priority-related socket state: what IP_TOS and SO_PRIORITY leave in the socket. */
struct txp_qdisc_sockprio {
    uint8_t tos;       /**< inet->tos */
    uint8_t is_tcp;    /**< TCP keeps the ECN bits of the old TOS on IP_TOS */
    uint32_t priority; /**< sk->sk_priority, copied to skb->priority on output */
};

/** A fresh socket: TOS 0, priority 0. Complexity: O(1). */
void txp_qdisc_sockprio_init(struct txp_qdisc_sockprio *s, int is_tcp);

/**
 * setsockopt(IP_TOS, @p tos) as __ip_sock_set_tos: for TCP the ECN bits of the old TOS are
 * kept; when the stored TOS changes, the priority becomes rt_tos2priority(new TOS).
 * @return TXP_OK. Complexity: O(1).
 */
int txp_qdisc_sockprio_set_tos(struct txp_qdisc_sockprio *s, uint8_t tos);

/**
 * setsockopt(SO_PRIORITY, @p prio): 0..6 for anyone, any value with CAP_NET_ADMIN/NET_RAW.
 * @return TXP_OK, or TXP_EPERM (state unchanged). Complexity: O(1).
 */
int txp_qdisc_sockprio_set_priority(struct txp_qdisc_sockprio *s, uint32_t prio, int capable);

/* ------------------------------------------------------------------------------------------ */
/* Device and configuration                                                                   */

/** What a qdisc needs to know of its device. */
struct txp_qdisc_dev {
    const char *name;         /**< for printing ("dev NAME"); may be NULL */
    uint32_t tx_queue_len;    /**< txqueuelen (DEFAULT_TX_QUEUE_LEN 1000) */
    uint32_t mtu;             /**< 1500 */
    uint32_t hard_header_len; /**< 14 for Ethernet */
    uint32_t num_tx_queues;   /**< refcnt printed = 1 + this (as `tc qdisc show`) */
};

/** Ethernet defaults: txqueuelen 1000, mtu 1500, header 14, one TX queue, name "eth0". */
void txp_qdisc_dev_default(struct txp_qdisc_dev *dev);

/** Built-in kinds. */
enum txp_qdisc_kind {
    TXP_QDISC_PFIFO_FAST = 0,
    TXP_QDISC_PRIO,
    TXP_QDISC_PFIFO,
    TXP_QDISC_BFIFO,
    TXP_QDISC_NOQUEUE,
    TXP_QDISC_NETEM,
    TXP_QDISC_KIND__COUNT
};

/** netem loss models (CLG_*). */
enum txp_qdisc_loss_model {
    TXP_QDISC_LOSS_RANDOM = 0, /**< loss PERCENT [CORRELATION] */
    TXP_QDISC_LOSS_GI,         /**< loss state P13 P31 P32 P23 P14 (4-state Markov) */
    TXP_QDISC_LOSS_GE          /**< loss gemodel P R 1-H 1-K (Gilbert-Elliott) */
};

/** netem delay distributions. */
enum txp_qdisc_dist {
    TXP_QDISC_DIST_UNIFORM = 0, /**< no table: uniform in [latency - jitter, latency + jitter) */
    TXP_QDISC_DIST_NORMAL,
    TXP_QDISC_DIST_PARETO,
    TXP_QDISC_DIST_PARETONORMAL,
    TXP_QDISC_DIST_CUSTOM /**< a caller-supplied table (netem_conf.dist_table) */
};

/**
 * netem parameters as the kernel stores them: probabilities are fractions of 2^32 - 1
 * (iproute2's rint(percent / 100 * 0xffffffff)); times are nanoseconds; rate is bytes per s.
 */
struct txp_qdisc_netem_conf {
    uint32_t limit;            /**< packets (default 1000) */
    int64_t latency_ns;        /**< delay */
    int64_t jitter_ns;         /**< capped at INT32_MAX like the kernel */
    uint32_t delay_corr;       /**< delay correlation */
    enum txp_qdisc_dist dist;  /**< delay distribution */
    const int16_t *dist_table; /**< TXP_QDISC_DIST_CUSTOM: borrowed, copied by create */
    uint32_t dist_size;        /**< entries in dist_table (1..TXP_QDISC_DIST_MAX) */
    enum txp_qdisc_loss_model loss_model;
    uint32_t loss;                  /**< random loss probability */
    uint32_t loss_corr;             /**< random loss correlation */
    uint32_t a1, a2, a3, a4, a5;    /**< GI: p13 p31 p32 p14 p23; GE: p r h 1-k (kernel order) */
    uint32_t duplicate, dup_corr;   /**< duplicate probability, correlation */
    uint32_t reorder, reorder_corr; /**< reorder probability, correlation */
    uint32_t gap;                   /**< reorder gap (iproute2 sets 1 when reorder is given) */
    uint32_t corrupt, corrupt_corr; /**< corrupt probability, correlation */
    uint64_t rate;                  /**< bytes per second; 0 = no rate */
    int32_t packet_overhead;        /**< rate: bytes added to every packet */
    uint32_t cell_size;             /**< rate: cell size, 0 = none */
    int32_t cell_overhead;          /**< rate: bytes added to every cell */
    int ecn;                        /**< mark ECT packets CE instead of dropping them */
    uint64_t seed;                  /**< PRNG seed (TCA_NETEM_PRNG_SEED) */
    int has_seed;                   /**< print "seed N" */
    struct txp_pkt_pool *dup_pool;  /**< where duplicates are cloned from; NULL = no dups */
};

/** Configuration of one qdisc, as parsed from `tc` syntax or filled by a caller. */
struct txp_qdisc_conf {
    enum txp_qdisc_kind kind;
    uint32_t handle; /**< major:0 as 0xMMMM0000; 0 = let create pick 8001: */
    uint32_t limit;  /**< pfifo: packets; bfifo: bytes; 0 = the device default */
    int limit_set;   /**< limit was given */
    uint32_t bands;  /**< prio: 2..16 (default 3) */
    uint8_t priomap[TXP_QDISC_PRIO_MAX + 1]; /**< prio: band per priority */
    struct txp_qdisc_netem_conf netem;       /**< netem */
};

/**
 * Default configuration of @p kind: pfifo_fast/prio with the default priomap and 3 bands,
 * fifo limits from the device, netem limit 1000 and seed 0.
 */
void txp_qdisc_conf_default(struct txp_qdisc_conf *c, enum txp_qdisc_kind kind);

/* ------------------------------------------------------------------------------------------ */
/* The qdisc object and its ops table                                                         */

/** Verdicts of enqueue (NET_XMIT_*). */
enum txp_qdisc_verdict {
    TXP_QDISC_XMIT_SUCCESS = 0, /**< queued (or consumed by netem loss: NET_XMIT_SUCCESS|BYPASS) */
    TXP_QDISC_XMIT_DROP = 1,    /**< dropped by the queue limit */
    TXP_QDISC_XMIT_CN = 2,      /**< congestion notification (unused by these qdiscs) */
    TXP_QDISC_XMIT_NOQUEUE = 3  /**< noqueue: the caller transmits directly */
};

/** Statistics as `tc -s qdisc show` prints them, plus drops by reason. */
struct txp_qdisc_stats {
    uint64_t bytes;                        /**< "Sent N bytes": L2 length of dequeued packets */
    uint64_t packets;                      /**< "N pkt" */
    uint64_t drops;                        /**< "dropped" */
    uint64_t overlimits;                   /**< "overlimits" */
    uint64_t requeues;                     /**< "requeues" */
    uint64_t backlog;                      /**< bytes queued */
    uint32_t qlen;                         /**< packets queued */
    uint64_t drop_reason[TXP_DROP__COUNT]; /**< packets freed, by reason */
    uint64_t ecn_marked;                   /**< netem ecn: packets marked CE instead of dropped */
    uint64_t duplicated;                   /**< netem: duplicates made */
    uint64_t dup_failed; /**< netem: a duplicate could not be cloned (no pool or pool empty) */
    uint64_t corrupted;  /**< netem: packets with one bit flipped */
    uint64_t reordered;  /**< netem: packets sent to the head of the queue */
};

struct txp_qdisc;

/**
 * A qdisc implementation, like Linux's struct Qdisc_ops. A user adds a qdisc by filling one
 * and calling txp_qdisc_create_ops(). Dropped packets are never freed by a qdisc: it sets
 * p->meta.drop_reason, counts it, and links the packet (via p->next) onto *to_free, which the
 * caller owns. Packets in a queue are linked through p->next or held in the qdisc's storage.
 */
struct txp_qdisc_ops {
    const char *id;   /**< "pfifo_fast", ...: printed by tc qdisc show */
    size_t priv_size; /**< bytes of private state create allocates (txp_qdisc_priv()) */
    /** Set up private state from @p conf. @return TXP_OK or a negative TXP_E*. */
    int (*init)(struct txp_qdisc *q, const struct txp_qdisc_conf *conf);
    /** Take @p p. @return a txp_qdisc_verdict. */
    int (*enqueue)(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now_ns,
                   struct txp_pkt **to_free);
    /** Next packet due at @p now_ns, or NULL. */
    struct txp_pkt *(*dequeue)(struct txp_qdisc *q, uint64_t now_ns);
    /** The packet dequeue would return, left queued, or NULL. */
    struct txp_pkt *(*peek)(struct txp_qdisc *q, uint64_t now_ns);
    /** Drop everything queued onto *to_free (reason NOT_SPECIFIED). */
    void (*reset)(struct txp_qdisc *q, struct txp_pkt **to_free);
    /** Print the options part of `tc qdisc show` ("bands 3 priomap ..."). @return length. */
    int (*dump)(const struct txp_qdisc *q, char *buf, size_t cap);
    /** Earliest time something queued becomes due (netem's watchdog); UINT64_MAX if none. */
    uint64_t (*next_due)(const struct txp_qdisc *q, uint64_t now_ns);
    /** Release private resources (not the packets: reset first). */
    void (*destroy)(struct txp_qdisc *q);
};

/** The ops table of a built-in kind. @return the table, or NULL for an unknown kind. */
const struct txp_qdisc_ops *txp_qdisc_ops_of(enum txp_qdisc_kind kind);

/** A qdisc instance. Read the fields; change them only through the functions below. */
struct txp_qdisc {
    const struct txp_qdisc_ops *ops;
    const struct txp_alloc *alloc;
    struct txp_qdisc_dev dev; /**< a copy (name borrowed) */
    uint32_t handle;          /**< 0xMMMM0000 */
    uint32_t limit;           /**< sch->limit (packets or bytes, by kind) */
    struct txp_qdisc_stats stats;
    struct txp_pkt *requeued; /**< dev_requeue_skb's gso_skb list: served before the qdisc */
    struct txp_pkt *requeued_tail;
    uint32_t requeued_len;
    uint32_t inner_qlen; /**< packets held by the ops (sch->q.qlen) */
    void *priv;
};

/**
 * Create a built-in qdisc from @p conf for @p dev (NULL = txp_qdisc_dev_default()).
 * @return TXP_OK, TXP_EINVAL (bad configuration, *out untouched), TXP_ENOMEM.
 * Ownership: *out owned by the caller; txp_qdisc_destroy(). Complexity: O(config).
 */
int txp_qdisc_create(const struct txp_qdisc_conf *conf, const struct txp_qdisc_dev *dev,
                     const struct txp_alloc *a, struct txp_qdisc **out);

/** Create a qdisc from a user ops table (see struct txp_qdisc_ops). Same contract. */
int txp_qdisc_create_ops(const struct txp_qdisc_ops *ops, const struct txp_qdisc_conf *conf,
                         const struct txp_qdisc_dev *dev, const struct txp_alloc *a,
                         struct txp_qdisc **out);

/** Destroy @p q; queued packets are put on *to_free (may be NULL only if the queue is empty). */
void txp_qdisc_destroy(struct txp_qdisc *q, struct txp_pkt **to_free);

/** Private state of @p q (priv_size bytes, 16-byte aligned). */
static inline void *
txp_qdisc_priv(const struct txp_qdisc *q)
{
    return q->priv;
}

/**
 * Enqueue @p p at @p now_ns. The qdisc owns @p p unless it appears on *to_free.
 * noqueue returns TXP_QDISC_XMIT_NOQUEUE and leaves @p p with the caller.
 * @return a txp_qdisc_verdict. Complexity: O(1) fifo/prio, O(log n) netem.
 */
int txp_qdisc_enqueue(struct txp_qdisc *q, struct txp_pkt *p, uint64_t now_ns,
                      struct txp_pkt **to_free);

/** Dequeue one packet due at @p now_ns; updates Sent bytes/pkt. @return owned packet or NULL. */
struct txp_pkt *txp_qdisc_dequeue(struct txp_qdisc *q, uint64_t now_ns);

/** Peek. @return borrowed packet or NULL. */
struct txp_pkt *txp_qdisc_peek(struct txp_qdisc *q, uint64_t now_ns);

/** Put back a packet the driver refused (dev_requeue_skb): it goes out next. Counts requeues. */
void txp_qdisc_requeue(struct txp_qdisc *q, struct txp_pkt *p);

/** Earliest time a queued packet becomes due (now for a non-empty fifo); UINT64_MAX if empty. */
uint64_t txp_qdisc_next_due(const struct txp_qdisc *q, uint64_t now_ns);

/** Drop everything queued onto *to_free. */
void txp_qdisc_reset(struct txp_qdisc *q, struct txp_pkt **to_free);

/** Queue length in packets (including a requeued packet). */
uint32_t txp_qdisc_qlen(const struct txp_qdisc *q);

/** prio/pfifo_fast: the band @p p would go to (prio_classify / prio2band). -1 for others. */
int txp_qdisc_classify(const struct txp_qdisc *q, const struct txp_pkt *p);

/** prio/pfifo_fast: per-band packets queued and sent, for `tc -s class show`. */
int txp_qdisc_band_stats(const struct txp_qdisc *q, uint32_t band, uint32_t *qlen,
                         uint64_t *sent_pkts, uint64_t *drops);

/* ------------------------------------------------------------------------------------------ */
/* Running a qdisc against a device                                                           */

/** Where txp_qdisc_sim() delivers packets. Both callbacks take ownership of the packet. */
struct txp_qdisc_sim_cb {
    void *ctx;
    /** @p p left the qdisc and went onto the wire at @p t_ns (also in p->meta.tstamp_ns). */
    void (*xmit)(void *ctx, struct txp_pkt *p, uint64_t t_ns);
    /** @p p was dropped; p->meta.drop_reason says why. */
    void (*drop)(void *ctx, struct txp_pkt *p);
};

/**
 * Run @p q on a device that transmits one packet every @p tx_interval_ns (0 = as fast as the
 * qdisc releases them). Packet i arrives at pkts[i]->meta.tstamp_ns (non-decreasing) and is
 * enqueued then; the device takes the next due packet whenever it is free (before an arrival
 * at the same time, like the qdisc bypass of an idle device); at the end the
 * queue is drained. With noqueue a packet goes straight to a free device and is dropped
 * (TXP_DROP_DEV_READY, Linux's "Virtual device asks to queue packet!") when it is busy.
 * @return TXP_OK, or TXP_EINVAL (arrival times not sorted; nothing is consumed then).
 * Ownership: takes every packet of @p pkts. Complexity: O(n log n) for netem, else O(n).
 */
int txp_qdisc_sim(struct txp_qdisc *q, struct txp_pkt *const *pkts, uint32_t n,
                  uint64_t tx_interval_ns, const struct txp_qdisc_sim_cb *cb);

/* ------------------------------------------------------------------------------------------ */
/* tc syntax                                                                                  */

/**
 * Parse the qdisc part of a tc command: "pfifo_fast", "prio bands 4 priomap 0 1 ...",
 * "pfifo limit 100", "bfifo limit 10kb", "noqueue", "netem delay 100ms 10ms 25% ...".
 * A leading "tc qdisc add|replace dev DEV root [handle H:]" is accepted (DEV is copied to
 * @p dev_name if not NULL, cap 16). Keywords may be abbreviated as iproute2's matches()
 * allows. Errors fill @p d with the word's column (1-based) and iproute2's wording where it
 * has one ("Illegal \"limit\"", "What is \"x\"?").
 * @return TXP_OK or TXP_EBADMSG. Thread-safety: reentrant. Complexity: O(len).
 */
int txp_qdisc_parse(const char *spec, struct txp_qdisc_conf *conf, char *dev_name,
                    struct txp_diag *d);

/**
 * Print @p q like `tc qdisc show dev DEV`: "qdisc pfifo_fast 8001: root refcnt 2 bands 3 ...";
 * with @p stats, add the two `tc -s` lines (" Sent B bytes P pkt (dropped D, overlimits O
 * requeues R) \n backlog Xb Yp requeues R"). "dev NAME" is printed when @p with_dev.
 * @return the length it wanted (snprintf semantics).
 */
int txp_qdisc_format(const struct txp_qdisc *q, int with_dev, int stats, char *buf, size_t cap);

/** Print a time as tc does (sprint_time64: "%gs"/"ms"/"us" with 3 significant digits, "ns"). */
int txp_qdisc_format_time(int64_t ns, char *buf, size_t cap);
/** Print a rate in bytes/s as tc does ("1Mbit", "100Kbit", "5bit"). */
int txp_qdisc_format_rate(uint64_t bytes_per_s, char *buf, size_t cap);
/** Print a size in bytes as tc does ("1514000b", "10Kb", "1Mb"). */
int txp_qdisc_format_size(uint32_t bytes, char *buf, size_t cap);
/** Print a kernel probability (fraction of 2^32-1) as iproute2 ("%g%%"). */
int txp_qdisc_format_percent(uint32_t p, char *buf, size_t cap);

/**
 * The built-in netem table for @p dist (normal, pareto, paretonormal): 4096 entries generated
 * from iproute2's definitions (NIST Net) by components/qdisc/tools/gen_dist.py.
 * @return the table (static storage) and its size in *n, or NULL for uniform/custom.
 */
const int16_t *txp_qdisc_dist_table(enum txp_qdisc_dist dist, uint32_t *n);

/** Name of a distribution ("normal"). */
const char *txp_qdisc_dist_name(enum txp_qdisc_dist dist);

/** Kernel LFSR113 PRNG (prandom_u32_state) as netem uses it; exposed for tests. */
struct txp_qdisc_prandom {
    uint32_t s1, s2, s3, s4;
};
/** prandom_seed_state. */
void txp_qdisc_prandom_seed(struct txp_qdisc_prandom *r, uint64_t seed);
/** prandom_u32_state. */
uint32_t txp_qdisc_prandom_u32(struct txp_qdisc_prandom *r);

#ifdef __cplusplus
}
#endif
#endif /* TXPATH_QDISC_H */
