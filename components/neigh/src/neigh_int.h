/* SPDX-License-Identifier: MIT */
/* txpath neigh: declarations shared between the component's own files. */
#ifndef TXP_NEIGH_INT_H
#define TXP_NEIGH_INT_H

#include "txpath/neigh.h"

#if defined(__GNUC__)
#define TXP_NEIGH_HIDDEN __attribute__((visibility("hidden")))
#else
#define TXP_NEIGH_HIDDEN
#endif

struct neigh_devst {
    struct txp_neigh_dev d;
    int64_t reachable_time; /* the randomised value, ns */
};

struct neigh_entry {
    struct neigh_entry *hnext; /* hash chain, or the graveyard list once dead */
    uint32_t ifindex, ip;
    struct neigh_devst *dev;
    unsigned state;
    uint8_t ha[6];
    uint32_t probes;
    int64_t confirmed, updated, used;
    int64_t timer_at;
    uint32_t timer_gen, heap_refs;
    int timer_on, dead;
    struct txp_pkt *qhead, *qtail;
    uint32_t qlen, qbytes;
};

struct neigh_titem {
    uint64_t t, seq;
    struct neigh_entry *e;
    uint32_t gen;
};

struct txp_neigh {
    const struct txp_alloc *alloc;
    struct txp_neigh_config cfg;
    uint64_t rng, hash_mul;
    struct neigh_devst *dev;
    uint32_t ndev;
    struct neigh_entry **bucket;
    uint32_t nbucket, count, gc_entries;
    struct neigh_entry *grave;
    struct neigh_titem *heap;
    uint32_t nheap, heapcap;
    uint64_t seq;
    int64_t gc_next, last_rand, last_flush;
    uint64_t gc_base;
    struct txp_neigh_stats stats;
};

TXP_NEIGH_HIDDEN struct neigh_devst *txp_neigh__dev(const struct txp_neigh *n, uint32_t ifindex);
TXP_NEIGH_HIDDEN struct neigh_entry *txp_neigh__find(const struct txp_neigh *n, uint32_t ifindex,
                                                     uint32_t ip);

#endif
