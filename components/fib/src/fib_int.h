/* SPDX-License-Identifier: MIT */
/* txpath fib: private structures shared by the fib sources. */
#ifndef TXP_FIB_INT_H
#define TXP_FIB_INT_H

#include "txpath/fib.h"

#define TXP_FIB_IFNAMSIZ 16

struct fib_addr {
    uint32_t addr;
    uint8_t plen;
    uint8_t scope;
    bool secondary;
};

struct fib_dev {
    char name[TXP_FIB_IFNAMSIZ];
    uint32_t ifindex;
    uint32_t mtu;
    bool up;
    bool loopback;
    struct fib_addr *addrs;
    uint32_t naddrs, addrcap;
};

/* A trie node; routes[] are the aliases of the prefix ending here, in Linux's order. */
struct fib_node {
    struct fib_node *child[2];
    struct txp_fib_route *routes;
    uint32_t nroutes, cap;
};

struct fib_table {
    uint32_t id;
    struct fib_node *root;
    size_t count;
};

struct txp_fib {
    const struct txp_alloc *alloc;
    struct txp_alloc alloc_copy;
    struct fib_dev *devs;
    uint32_t ndevs, devcap;
    uint32_t lo_index;
    struct fib_table *tables;
    uint32_t ntables, tablecap;
    struct txp_fib_rule *rules;
    uint32_t nrules, rulecap;
    bool custom_rules; /* a rule was added or deleted: local and main no longer merged */
    size_t nroutes;
    int mp_policy;                      /* fib_multipath_hash_policy 0 or 1 */
    uint64_t mp_seed;                   /* the multipath hash key */
    txp_fib_neigh_state_fn neigh_state; /* fib_select_default's neighbour states, or NULL */
    void *neigh_ctx;
};

struct fib_dev *fib_dev_by_index(const struct txp_fib *f, uint32_t ifindex);
struct fib_table *fib_table_get(const struct txp_fib *f, uint32_t id);
int fib_rule_insert(struct txp_fib *f, const struct txp_fib_rule *r);
/* Remove the last route identical to @p r (undoing an add or append). TXP_OK or TXP_ENOENT. */
int fib_route_undo(struct txp_fib *f, const struct txp_fib_route *r);
uint32_t fib_select_addr(const struct txp_fib *f, uint32_t ifindex, uint32_t dst, uint8_t scope);

#endif /* TXP_FIB_INT_H */
