/* SPDX-License-Identifier: MIT */
/* txpath ipt: the reference interpreter's private interface (eval.c, match.c, target.c, ct.c),
 * usable by the compiled path (compile.c) so that both share one implementation of every match
 * and target. Not installed. */
#ifndef TXP_IPT_EVAL_INT_H
#define TXP_IPT_EVAL_INT_H

#include "txpath/ipt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TXP_IPT_HIDDEN __attribute__((visibility("hidden")))
#else
#define TXP_IPT_HIDDEN
#endif

/** Target results besides NF_DROP (0) / NF_ACCEPT (1): XT_CONTINUE, go on with the next rule. */
#define TXP_IPT__CONTINUE (-1)

/** The bytes of an IPv4 packet as the matches see them (skb at L3). */
struct txp_ipt__pkt {
    uint8_t *ip;      /**< the IP header (rewritten in place by targets) */
    uint32_t len;     /**< skb->len: min(buffer length, IP total length) */
    uint16_t tot_len; /**< IP total length (the byte counter's unit) */
    uint16_t thoff;   /**< transport header offset (IHL * 4) */
    uint16_t fragoff; /**< fragment offset in 8-byte units (0: unfragmented or first) */
    uint8_t proto;    /**< IP protocol */
};

/**
 * Make the view of @p ip. @return TXP_OK; TXP_EINVAL when it is not an IPv4 packet whose header
 * fits (version 4, IHL >= 5, IHL * 4 <= len and <= total length).
 */
TXP_IPT_HIDDEN int txp_ipt__pkt_init(struct txp_ipt__pkt *p, uint8_t *ip, size_t len);

/** Bytes [off, off + n) of the packet when all present (skb_header_pointer), else NULL. */
TXP_IPT_HIDDEN const uint8_t *txp_ipt__pkt_at(const struct txp_ipt__pkt *p, uint32_t off,
                                              uint32_t n);

/** Everything a match or a target sees of one traversal (struct xt_action_param). */
struct txp_ipt__ctx {
    struct txp_ipt__pkt pkt;
    struct txp_ipt_pktinfo *info;
    const struct txp_ipt_env *env;
    struct txp_ipt_verdict *v; /**< flags (notrack, reroute, n_logged, rejected) land here */
    enum txp_ipt_table_id table;
    enum txp_ipt_hook hook;
    bool hotdrop; /**< a match asked for the packet to be dropped */
};

/** The conntrack entry as the matches see it: absent for INVALID and UNTRACKED packets. */
TXP_IPT_HIDDEN bool txp_ipt__has_ct(const struct txp_ipt_pktinfo *info);

/** ip_packet_match: addresses, interfaces (byte masks), protocol and -f. */
TXP_IPT_HIDDEN bool txp_ipt__ip_match(const struct txp_ipt_ip *r, const struct txp_ipt__ctx *c);

/** One match module on the packet (may set c->hotdrop; limit updates its state in @p m). */
TXP_IPT_HIDDEN bool txp_ipt__match(struct txp_ipt__ctx *c, struct txp_ipt_match *m);

/**
 * A non-standard target (anything but NONE, ACCEPT, DROP, RETURN, JUMP).
 * @return TXP_IPT__CONTINUE, TXP_IPT_V_DROP or TXP_IPT_V_ACCEPT.
 */
TXP_IPT_HIDDEN int txp_ipt__target(struct txp_ipt__ctx *c, const struct txp_ipt_target *t);

/** Tables of @p hook in priority order; @return how many (written to @p out). */
TXP_IPT_HIDDEN unsigned txp_ipt__hook_tables(enum txp_ipt_hook hook,
                                             enum txp_ipt_table_id out[TXP_IPT_TABLE_COUNT]);

/** Index of table @p t's built-in chain for @p hook, or -1. */
TXP_IPT_HIDDEN int txp_ipt__builtin_chain(const struct txp_ipt_table *t, enum txp_ipt_hook hook);

/**
 * How a table is walked: the interpreter's rule-by-rule walk, or the compiled path's
 * classifier. @p walk runs table @p t from its built-in chain @p hook_chain on @p c and fills
 * c->v (verdict, chain, rule, flags); it returns TXP_OK, or TXP_EINVAL when it cannot walk
 * @p t (a compiled form that no longer fits the ruleset).
 */
struct txp_ipt__walker {
    int (*walk)(void *ctx, struct txp_ipt_table *tab, enum txp_ipt_table_id t, int hook_chain,
                struct txp_ipt__ctx *c);
    void *ctx;
};

/** The interpreter's walker (ipt_do_table rule by rule). */
TXP_IPT_HIDDEN int txp_ipt__walk_rules(void *ctx, struct txp_ipt_table *tab,
                                       enum txp_ipt_table_id t, int hook_chain,
                                       struct txp_ipt__ctx *c);

/** txp_ipt_do_table with the walker @p w (the shared body of the interpreter and the compiled
 *  path: checks, the mangle OUTPUT reroute test, the verdict). */
TXP_IPT_HIDDEN int txp_ipt__run_table(struct txp_ipt_ruleset *rs, const struct txp_ipt__walker *w,
                                      enum txp_ipt_table_id t, enum txp_ipt_hook hook, uint8_t *ip,
                                      size_t len, struct txp_ipt_pktinfo *info,
                                      const struct txp_ipt_env *env, struct txp_ipt_verdict *v);

/** txp_ipt_do_hook with the walker @p w (table order, nat only on a flow's first packet and its
 *  binding otherwise, the flags of every table combined). */
TXP_IPT_HIDDEN int txp_ipt__run_hook(struct txp_ipt_ruleset *rs, const struct txp_ipt__walker *w,
                                     enum txp_ipt_hook hook, uint8_t *ip, size_t len,
                                     struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                                     struct txp_ipt_verdict *v);

/** The packet's connection tuple part the NAT code works on (host order). */
struct txp_ipt__tuple {
    uint32_t saddr, daddr;
    uint16_t sport, dport; /**< TCP/UDP ports; ICMP query: the echo id in sport, dport 0 */
    uint8_t proto;
    uint8_t has_ports; /**< 1 TCP/UDP with a readable header, 2 ICMP query with its id */
};

/** Read the tuple of @p p (ports only from a first fragment with the L4 header present). */
TXP_IPT_HIDDEN void txp_ipt__tuple_of(const struct txp_ipt__pkt *p, struct txp_ipt__tuple *t);

/** ICMP types that start or answer a query (echo, timestamp, info, address mask): 1 request,
 *  2 reply, 0 other (errors and the rest, which the minimal conntrack does not track). */
TXP_IPT_HIDDEN int txp_ipt__icmp_query_kind(uint8_t type);

/** Linux's jhash2() (lib/jhash.h, Bob Jenkins' lookup3) over @p n 32-bit words. */
TXP_IPT_HIDDEN uint32_t txp_ipt__jhash2(const uint32_t *k, uint32_t n, uint32_t initval);

#endif /* TXP_IPT_EVAL_INT_H */
