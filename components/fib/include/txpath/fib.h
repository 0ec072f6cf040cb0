/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: IPv4 routing as Linux's output route lookup does it: devices and addresses,
 * route tables with longest-prefix match and Linux's alias order, policy rules, source address
 * selection, and the text formats of `ip -o link`, `ip -o addr`, `ip route show table all`
 * and `ip rule show`.
 *
 * Linux references: net/ipv4/fib_trie.c (fib_table_lookup, alias order), fib_rules.c and
 * net/core/fib_rules.c (rule walk), route.c (ip_route_output_key_hash_rcu), fib_semantics.c
 * (fib_props errors, fib_result_prefsrc), devinet.c (inet_select_addr).
 */
#ifndef TXP_FIB_H
#define TXP_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/alloc.h"
#include "txpath/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Well-known table ids (include/uapi/linux/rtnetlink.h). */
#define TXP_FIB_TABLE_DEFAULT 253u
#define TXP_FIB_TABLE_MAIN 254u
#define TXP_FIB_TABLE_LOCAL 255u

/** Route scopes (RT_SCOPE_*). */
#define TXP_FIB_SCOPE_UNIVERSE 0u
#define TXP_FIB_SCOPE_SITE 200u
#define TXP_FIB_SCOPE_LINK 253u
#define TXP_FIB_SCOPE_HOST 254u
#define TXP_FIB_SCOPE_NOWHERE 255u

/** Route types (RTN_*), same numbers as Linux. */
enum txp_fib_type {
    TXP_FIB_UNSPEC = 0,
    TXP_FIB_UNICAST = 1,
    TXP_FIB_LOCAL = 2,
    TXP_FIB_BROADCAST = 3,
    TXP_FIB_ANYCAST = 4,
    TXP_FIB_MULTICAST = 5,
    TXP_FIB_BLACKHOLE = 6,
    TXP_FIB_UNREACHABLE = 7,
    TXP_FIB_PROHIBIT = 8,
    TXP_FIB_THROW = 9,
};

/** Route flags. */
#define TXP_FIB_RF_ONLINK 0x1u
#define TXP_FIB_RF_MTU_LOCK 0x2u /**< `mtu lock N`: path MTU discovery may not lower it */

/** Most nexthops of a multipath route. */
#define TXP_FIB_MAX_NH 8

/** One nexthop of a multipath route (`nexthop via GW dev DEV weight W [onlink]`). */
struct txp_fib_nh {
    uint32_t gw;      /**< 0 = directly connected */
    uint32_t ifindex; /**< output device (required) */
    uint16_t weight;  /**< 1..256 (0 is taken as 1) */
    uint16_t flags;   /**< TXP_FIB_RF_ONLINK */
};

/** One route, host byte order. */
struct txp_fib_route {
    uint32_t table;         /**< table id (main when 0) */
    enum txp_fib_type type; /**< unicast when 0 */
    uint32_t dst;           /**< prefix (bits beyond plen must be zero) */
    uint8_t plen;           /**< 0..32 */
    uint8_t tos;            /**< 0, or the TOS selector (compared with flow tos & 0x1E) */
    uint8_t scope;          /**< RT_SCOPE_* */
    uint8_t proto;          /**< RTPROT_* (boot 3, kernel 2, static 4) */
    uint32_t metric;        /**< priority; lower wins among equal prefix and tos */
    uint32_t gw;            /**< gateway, 0 = directly connected */
    uint32_t ifindex;       /**< output device, 0 = none (blackhole etc.) */
    uint32_t prefsrc;       /**< preferred source, 0 = select */
    uint32_t mtu;           /**< route MTU metric, 0 = device MTU */
    uint32_t flags;         /**< TXP_FIB_RF_* */
    uint8_t nnh;            /**< multipath when >= 2: nh[] is used and gw/ifindex are 0 */
    struct txp_fib_nh nh[TXP_FIB_MAX_NH];
    /** Table state, ignored on add: fib_select_default's memory of the default route it chose
     *  last among equal ones (Linux's fa_default), -1 when none. Lookups update it. */
    int32_t fa_default;
};

/** Rule actions (FR_ACT_*). */
enum txp_fib_rule_action {
    TXP_FIB_ACT_TO_TBL = 1,
    TXP_FIB_ACT_GOTO = 2,
    TXP_FIB_ACT_NOP = 3,
    TXP_FIB_ACT_BLACKHOLE = 6,
    TXP_FIB_ACT_UNREACHABLE = 7,
    TXP_FIB_ACT_PROHIBIT = 8,
};

/** One policy rule, host byte order. A zero field does not select. */
struct txp_fib_rule {
    uint32_t pref;
    bool invert; /**< `not` */
    uint32_t src, dst;
    uint8_t src_len, dst_len;
    uint8_t tos;
    uint32_t fwmark, fwmask; /**< match when (mark ^ fwmark) & fwmask == 0; fwmask 0 = unset */
    uint32_t iif, oif;       /**< device index, 0 = any */
    bool iif_lo;             /**< `iif lo` (output lookups have iif = loopback) */
    uint8_t ipproto;
    uint16_t sport_lo, sport_hi, dport_lo, dport_hi; /**< 0/0 = any */
    bool has_uid;
    uint32_t uid_lo, uid_hi;
    enum txp_fib_rule_action action;
    uint32_t table;             /**< for TO_TBL */
    uint32_t goto_pref;         /**< for GOTO */
    int32_t suppress_prefixlen; /**< -1 = unset */
};

/** A route lookup request (struct flowi4). Host byte order. */
struct txp_fib_flow {
    uint32_t dst;
    uint32_t src; /**< 0 = let the FIB choose */
    uint8_t tos;  /**< IP TOS byte */
    uint32_t oif; /**< 0 = any */
    uint32_t mark;
    uint8_t proto; /**< IP protocol, 0 = any */
    uint16_t sport, dport;
    uint32_t uid;
};

/** What a lookup answers (what `ip route get` prints). */
struct txp_fib_result {
    enum txp_fib_type type;
    uint32_t table;  /**< table of the matched route */
    uint32_t prefix; /**< matched prefix */
    uint8_t plen;
    uint8_t scope;
    uint8_t tos;    /**< TOS selector of the matched route (0 = none) */
    uint32_t gw;    /**< 0 = on link */
    uint32_t oif;   /**< output device (loopback for local) */
    uint32_t src;   /**< selected source address */
    uint32_t mtu;   /**< route MTU or the device MTU */
    bool src_given; /**< the flow fixed the source */
    uint8_t nh_sel; /**< multipath: the nexthop chosen (fib_select_multipath) */
};

/** Configuration. */
struct txp_fib_config {
    const struct txp_alloc *alloc; /**< NULL = malloc */
};

struct txp_fib;

/**
 * Create an empty FIB with Linux's three default rules (0 local, 32766 main, 32767 default)
 * and no devices. Ownership: the caller destroys it with txp_fib_destroy().
 * @return TXP_OK or TXP_ENOMEM.
 */
int txp_fib_create(const struct txp_fib_config *cfg, struct txp_fib **out);
/** Free everything. NULL is fine. */
void txp_fib_destroy(struct txp_fib *fib);

/**
 * Add a device. @return TXP_OK, TXP_EEXIST (name or index in use), TXP_EINVAL, TXP_ENOMEM.
 */
int txp_fib_dev_add(struct txp_fib *fib, const char *name, uint32_t ifindex, uint32_t mtu, bool up,
                    bool loopback);
/** Device index by name, 0 if none. */
uint32_t txp_fib_dev_index(const struct txp_fib *fib, const char *name);
/** Device name by index, NULL if none. */
const char *txp_fib_dev_name(const struct txp_fib *fib, uint32_t ifindex);

/**
 * Multipath nexthop choice (net.ipv4.fib_multipath_hash_policy): @p policy 0 hashes source
 * and destination addresses, 1 adds protocol and ports; @p seed keys the hash (Linux keys it
 * with a random siphash key, so its mapping cannot be predicted; txpath's is reproducible and
 * the same for every packet of a flow). The 31-bit hash picks the first live nexthop whose
 * upper bound (cumulative weight scaled to 2^31, as fib_rebalance) it does not exceed.
 * @return TXP_OK or TXP_EINVAL (policy not 0 or 1). Complexity: O(1).
 */
int txp_fib_set_multipath_hash(struct txp_fib *fib, int policy, uint64_t seed);

/**
 * Neighbour state of gateway @p gw on device @p ifindex, for fib_select_default: one of the
 * NUD_* values (include/uapi/linux/neighbour.h: INCOMPLETE 0x01, REACHABLE 0x02, STALE 0x04,
 * DELAY 0x08, PROBE 0x10, FAILED 0x20, NOARP 0x40, PERMANENT 0x80, NONE 0), or -1 when the
 * table has no entry.
 */
typedef int (*txp_fib_neigh_state_fn)(void *ctx, uint32_t ifindex, uint32_t gw);

/**
 * Where fib_select_default reads neighbour states. With several default routes of one table,
 * TOS and metric, Linux prefers a gateway whose entry is REACHABLE, else the one it chose last
 * if still valid, else a last resort, and remembers its choice (fib_detect_death). Without a
 * callback every gateway counts as having no entry, so the first default route is used.
 * @param fn NULL to remove. @param ctx passed to @p fn. Complexity: O(1).
 */
void txp_fib_set_neigh_state(struct txp_fib *fib, txp_fib_neigh_state_fn fn, void *ctx);

/**
 * Add an IPv4 address to a device (kept in order; secondary ones after primaries, as Linux
 * lists them). Does not create routes: a snapshot carries them in `ip route show table all`.
 * @return TXP_OK, TXP_ENOENT (no device), TXP_EEXIST, TXP_EINVAL, TXP_ENOMEM.
 */
int txp_fib_addr_add(struct txp_fib *fib, uint32_t ifindex, uint32_t addr, uint8_t plen,
                     uint8_t scope, bool secondary);

/**
 * Add a route. Rejects an identical (table, prefix, tos, metric) with TXP_EEXIST, like
 * `ip route add`. @return TXP_OK, TXP_EEXIST, TXP_EINVAL, TXP_ENOENT (device), TXP_ENOMEM.
 * Complexity: O(32 + aliases at the prefix).
 */
int txp_fib_route_add(struct txp_fib *fib, const struct txp_fib_route *r);
/**
 * Add a route after those of the same (table, prefix, tos, metric), like `ip route append`
 * (NLM_F_APPEND): rejected with TXP_EEXIST only when one of them has the same type, scope,
 * nexthops, source and MTU (fib_table_insert's perfect match). Returns as txp_fib_route_add.
 */
int txp_fib_route_append(struct txp_fib *fib, const struct txp_fib_route *r);
/**
 * Delete the first route with the same table, prefix, tos and metric (and gateway and device
 * when @p r gives them, as fib_table_delete). @return TXP_OK or TXP_ENOENT.
 */
int txp_fib_route_del(struct txp_fib *fib, const struct txp_fib_route *r);

/**
 * Add a rule after existing rules of the same pref. pref 0 with @p r->pref unset is not
 * possible here: callers give the pref (ip rule show always prints it). The first rule added
 * or deleted ends the local/main merge for good, as fib_unmerge does.
 * @return TXP_OK, TXP_EINVAL, TXP_ENOMEM.
 */
int txp_fib_rule_add(struct txp_fib *fib, const struct txp_fib_rule *r);
/** Remove every rule (also the defaults), ending the merge. */
void txp_fib_rules_flush(struct txp_fib *fib);

/**
 * The output route lookup (ip_route_output_key_hash_rcu for a locally generated packet).
 * @return TXP_OK with @p res filled, or TXP_ENETUNREACH, TXP_EHOSTUNREACH, TXP_EACCES,
 * TXP_EINVAL as Linux returns them.
 * Thread-safety: concurrent lookups are safe while nothing is modified, except in a table with
 * several equal default routes, where a lookup updates fib_select_default's memory
 * (txp_fib_route.fa_default) as Linux does.
 * Complexity: O(rules x 32).
 */
int txp_fib_lookup(const struct txp_fib *fib, const struct txp_fib_flow *flow,
                   struct txp_fib_result *res);

/**
 * Format a result as the first line of `ip route get` (without " uid N" and the cache line),
 * e.g. "10.1.2.3 via 10.0.0.254 dev d0 src 10.0.0.1".
 * @return the length written (truncated to @p cap - 1).
 */
int txp_fib_format_result(const struct txp_fib *fib, const struct txp_fib_flow *flow,
                          const struct txp_fib_result *res, char *out, size_t cap);

/**
 * The message iproute2 prints for a lookup error, e.g. "Network is unreachable".
 */
const char *txp_fib_strerror(int err);

/*
 * Text formats, exactly as the commands print them. Each loads every line or nothing:
 * on the first bad line it returns TXP_EBADMSG with @p d naming file:line:column and what was
 * expected, and the FIB is left as it was before the call.
 */

/** `ip -o link show` (devices: index, name, flags UP/LOOPBACK, mtu). */
int txp_fib_load_links(struct txp_fib *fib, const char *text, size_t len, const char *file,
                       struct txp_diag *d);
/** `ip -o addr show` (inet lines; inet6 lines are skipped). */
int txp_fib_load_addrs(struct txp_fib *fib, const char *text, size_t len, const char *file,
                       struct txp_diag *d);
/** `ip route show table all` (IPv6 lines are skipped). */
int txp_fib_load_routes(struct txp_fib *fib, const char *text, size_t len, const char *file,
                        struct txp_diag *d);
/** `ip rule show` (replaces the rule list). */
int txp_fib_load_rules(struct txp_fib *fib, const char *text, size_t len, const char *file,
                       struct txp_diag *d);

/**
 * Print the routes like `ip route show table all` (@p table 0) or `ip route show table T`:
 * tables in ascending id, routes in the kernel's dump order (prefix address ascending, longer
 * prefix first at the same address, then alias order), attributes in iproute2's order, one
 * line each without the trailing blank ip prints.
 * @return the length the full text needs (as snprintf); @p out holds up to @p cap - 1 bytes.
 */
size_t txp_fib_format_routes(const struct txp_fib *fib, uint32_t table, char *out, size_t cap);

/** Number of routes over all tables. */
size_t txp_fib_route_count(const struct txp_fib *fib);

#ifdef __cplusplus
}
#endif
#endif /* TXP_FIB_H */
