/* SPDX-License-Identifier: MIT */
/* txpath ipt: the compiled classifier's private interface (compile.c), shared with its unit
 * tests. Not installed. */
#ifndef TXP_IPT_COMPILE_INT_H
#define TXP_IPT_COMPILE_INT_H

#include "eval_int.h" /* TXP_IPT_HIDDEN */
#include "txpath/ipt.h"

#include <stdint.h>

/** Classified dimensions of a rule / fields of a packet key, in this order. */
enum {
    TXP_IPT__D_SRC = 0,
    TXP_IPT__D_DST,
    TXP_IPT__D_PROTO,
    TXP_IPT__D_SPORT,
    TXP_IPT__D_DPORT,
    TXP_IPT__D_COUNT
};

/** A rule's box: inclusive ranges per dimension that contain every packet the rule can match
 *  (a superset when the rule is not exact). */
struct txp_ipt__box {
    uint32_t lo[TXP_IPT__D_COUNT], hi[TXP_IPT__D_COUNT];
};

/** Box flags. */
enum {
    TXP_IPT__B_EXACT = 0x01, /**< a fast-path packet inside the box matches the whole rule */
    TXP_IPT__B_TERM = 0x02,  /**< exact and its target ends the traversal (ACCEPT/DROP/REJECT) */
    TXP_IPT__B_EMPTY = 0x04, /**< no packet can match (e.g. address bits outside the mask) */
};

/**
 * Derive the box of @p r. @return TXP_IPT__B_* flags.
 * Ownership: none. Thread-safety: pure. Complexity: O(matches).
 */
TXP_IPT_HIDDEN unsigned txp_ipt__rule_box(const struct txp_ipt_rule *r, struct txp_ipt__box *b);

/**
 * Fill @p key from an IPv4 packet (as txp_ipt__pkt_init sees it). @return 1 when the packet may
 * take the classifier (ports are those the tcp/udp matches would read: not a non-first
 * fragment, the whole TCP or UDP header present), 0 when every rule must be checked in order by
 * the interpreter's matcher (or the packet is not IPv4).
 * Ownership: borrows @p ip. Thread-safety: pure. Complexity: O(1).
 */
TXP_IPT_HIDDEN int txp_ipt__pkt_key(uint8_t *ip, size_t len, uint32_t key[TXP_IPT__D_COUNT]);

/**
 * First rule (index >= @p from) of chain @p chain of table @p t whose box holds @p key, or
 * UINT32_MAX. @p exact receives the rule's box flags. For tests and the bench.
 * Ownership: none. Thread-safety: read-only. Complexity: O(tree depth + leaf size).
 */
TXP_IPT_HIDDEN uint32_t txp_ipt__compiled_first(const struct txp_ipt_compiled *c,
                                                enum txp_ipt_table_id t, uint32_t chain,
                                                const uint32_t key[TXP_IPT__D_COUNT], uint32_t from,
                                                unsigned *flags);

/** Tree statistics of a compiled chain (for tests and the bench): trees, then sums over them
 *  (nodes, leaves, leaf entries) and maxima (depth, leaf size). */
struct txp_ipt__tree_stats {
    uint32_t trees, nodes, leaves, leaf_entries, max_depth, max_leaf;
};
/** @return TXP_OK or TXP_EINVAL (no such chain). Complexity: O(1). */
TXP_IPT_HIDDEN int txp_ipt__compiled_stats(const struct txp_ipt_compiled *c,
                                           enum txp_ipt_table_id t, uint32_t chain,
                                           struct txp_ipt__tree_stats *st);

#endif /* TXP_IPT_COMPILE_INT_H */
