/* SPDX-License-Identifier: MIT */
/* txpath stack: private structures shared by the stack's own .c files. */
#ifndef TXP_STACK_INTERNAL_H
#define TXP_STACK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/fib.h"
#include "txpath/ip.h"
#include "txpath/neigh.h"
#include "txpath/qdisc.h"
#include "txpath/ring.h"
#include "txpath/stack.h"
#include "txpath/tcp.h"
#if defined(TXP_STACK_HAVE_IPT)
#include "txpath/ipt.h"
#endif

#define TXP_STACK_MAX_FILES 64
/** Packets one UDP datagram may become (65535 bytes at the smallest MTU, 68). */
#define TXP_STACK_MAX_FRAGS 1400u

#define TXP_STACK_CONTAINER(ptr, type, member)                                                     \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct txp_stack;
struct txp_stack_file;

/** A device: link attributes, its qdisc and its TX ring with the callbacks they call. */
struct txp_stack_dev {
    struct txp_stack *st;
    uint32_t ifindex;
    char name[16];
    uint8_t mac[6];
    uint32_t mtu, txqlen;
    bool up, loopback, noarp;
    char qdisc_spec[256]; /**< qdisc part of a tc command ("pfifo_fast", "netem delay 1ms") */
    struct txp_qdisc *q;
    struct txp_ring *ring;
    struct txp_ring_backend backend;
    struct txp_ring_done_cb done;
    struct txp_ring_src src;
    /* When each frame in the ring will have left (the device model's dev_free_ns rule), so
     * the clock can step exactly to the next completion. Only with a link rate. */
    uint64_t fin[TXP_RING_MAX_SIZE];
    uint32_t fin_head, fin_tail;
};

/** A packet list linked through p->next. */
struct txp_stack_list {
    struct txp_pkt *head, *tail;
    uint32_t n;
};

/** The route a socket last used (sk_dst_cache). */
struct txp_stack_dst {
    bool valid;
    struct txp_fib_result res;
};

/* The three ops tables of the socket layer, as Linux dispatches a write(). */
struct txp_stack_file_ops {
    const char *name;
    int64_t (*write_iter)(struct txp_stack_file *f, const void *data, size_t len);
};
struct txp_stack_proto_ops {
    const char *name;
    int (*connect)(struct txp_stack_file *f, uint32_t daddr, uint16_t dport);
    int64_t (*sendmsg)(struct txp_stack_file *f, const void *data, size_t len);
    int (*shutdown)(struct txp_stack_file *f);
};
struct txp_stack_proto {
    const char *name;
    int (*connect)(struct txp_stack_file *f);
    int64_t (*sendmsg)(struct txp_stack_file *f, const void *data, size_t len);
    int (*shutdown)(struct txp_stack_file *f);
    void (*close)(struct txp_stack_file *f);
};

struct txp_stack_file {
    struct txp_stack *st;
    uint32_t idx; /**< slot; packets carry idx + 1 in meta.flow_id */
    const struct txp_stack_file_ops *f_op;
    const struct txp_stack_proto_ops *ops; /**< sock->ops */
    const struct txp_stack_proto *prot;    /**< sk->sk_prot */
    int proto;
    struct txp_stack_sockopt opt;
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    bool connected, shut;
    uint32_t priority; /**< sk_priority */
    struct txp_stack_dst dst;
    struct txp_tcp_sock *tcp;
    struct txp_tcp_out tcp_out;
    struct txp_ip_sock *udp;
    uint64_t written;
    int last_err;
};

struct txp_stack_stage;
/** A stage: process a burst, sorting each packet to next (appended to @p next), drop or hold. */
struct txp_stack_stage {
    enum txp_stack_stage_id id;
    void (*process)(struct txp_stack *st, struct txp_pkt **pkts, uint32_t n,
                    struct txp_stack_list *next);
};

struct txp_stack {
    const struct txp_alloc *alloc;
    struct txp_env env;
    struct txp_pkt_pool *pool;
    struct txp_pkt_pool *big_pool; /**< whole UDP datagrams above the MTU, until fragmented */
    struct txp_fib *fib;
    struct txp_neigh *neigh;
    struct txp_ip_ident *ids;
    uint32_t ndev;
    struct txp_stack_dev dev[TXP_STACK_MAX_DEVS];
    struct txp_stack_file *files[TXP_STACK_MAX_FILES];
    /* sysctls */
    int ip_default_ttl, tcp_timestamps, tcp_sack, tcp_window_scaling, ip_no_pmtu_disc;
    /* pipeline */
    uint32_t nstages;
    struct txp_stack_stage stages[TXP_STACK_MAX_STAGES];
    struct txp_stack_stage_stats stats[TXP_STACK_ST__COUNT];
    bool present[TXP_STACK_ST__COUNT];
    struct txp_stack_list sock_out;  /**< packets the sockets emitted, not yet run */
    struct txp_stack_list neigh_out; /**< frames the neighbour table sent */
    bool in_neigh_call;              /**< inside txp_neigh_output from the neigh stage */
    struct txp_pkt *frag[TXP_STACK_MAX_FRAGS];
    uint64_t looped, wire_bytes, rx_frames, rx_ignored;
    struct txp_stack_link *link;
    struct txp_stack_tap *tap;
    uint32_t tap_mask;
    struct txp_stack_trace *trace;
    uint64_t link_bps;
    bool running; /**< reentrancy guard of the pipeline runner */
#if defined(TXP_STACK_HAVE_IPT)
    bool have_ipt;                  /**< the host has an iptables file */
    struct txp_ipt_ruleset ipt;     /**< its rules and counters */
    struct txp_ipt_ct *ct;          /**< the minimal conntrack */
    struct txp_ipt_compiled *ipt_c; /**< compiled form of ipt (NULL: interpret the rules) */
    /* The conntrack state of each packet OUTPUT passed, in order, for POSTROUTING, where
     * the flow is confirmed (ipv4_confirm runs last). The two stages run back to back on the
     * same list, so a FIFO keeps them paired. */
    struct txp_stack_ctpkt {
        uint32_t flow;
        struct txp_ipt_pktinfo info;
    } * ct_q; /**< pool_count entries: no list is longer than the pool */
    uint32_t ct_cap, ct_head, ct_tail;
    uint64_t rx_denat;     /**< arriving packets mapped back by a flow's NAT binding */
    uint8_t rx_buf[65536]; /**< an arriving IPv4 packet, copied to be de-NATed in place */
#endif
};

/* host.c */
int txp_stack__host_parse_links(struct txp_stack *st, const struct txp_stack_host *h,
                                struct txp_diag *d);
int txp_stack__host_qdisc_spec(struct txp_stack *st, const struct txp_stack_host *h,
                               struct txp_diag *d);
void txp_stack__host_sysctl(struct txp_stack *st, const struct txp_stack_host *h);

#endif /* TXP_STACK_INTERNAL_H */
