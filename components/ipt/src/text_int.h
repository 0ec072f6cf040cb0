/* SPDX-License-Identifier: MIT */
/*
 * Private to the text layer of components/ipt (ruleset.c, parse.c, print.c): the name tables
 * iptables uses for protocols, TCP flags, ICMP types, REJECT kinds, conntrack states and route
 * types, and the ruleset growth helpers. Symbols are txp_ipt__* (double underscore).
 */
#ifndef TXP_IPT_TEXT_INT_H
#define TXP_IPT_TEXT_INT_H

#include "txpath/ipt.h"

#include <stddef.h>
#include <stdint.h>

/** A (name, value) pair of a lookup table; tables end with a NULL name. */
struct txp_ipt__name {
    const char *name;
    uint32_t value;
};

/** Protocol names as iptables prints them (its own list first, then /etc/protocols). */
extern const struct txp_ipt__name txp_ipt__protos[];
/** TCP flag names in print order (FIN..URG), then ALL and NONE. */
extern const struct txp_ipt__name txp_ipt__tcp_flags[];
/** Conntrack state names in xt_conntrack's print order. */
extern const struct txp_ipt__name txp_ipt__ct_states[];
/** Route type names for addrtype, indexed by RTN_* (UNSPEC .. XRESOLVE). */
extern const char *const txp_ipt__rtn_names[12];
/** REJECT --reject-with canonical names, indexed by enum txp_ipt_reject. */
extern const char *const txp_ipt__reject_names[9];
/** PACKET_* names for pkttype (0..3). */
extern const char *const txp_ipt__pkttype_names[4];
/** limit units: seconds * 10000 per unit, in print order (day, hour, min, sec). */
extern const struct txp_ipt__name txp_ipt__limit_units[4];

/** Look @p name up (exact, or ASCII-case-insensitive when @p icase). @return index or -1. */
int txp_ipt__name_find(const struct txp_ipt__name *t, const char *name, int icase);
/** Name of @p value in @p t, or NULL. */
const char *txp_ipt__name_of(const struct txp_ipt__name *t, uint32_t value);

/** Append a user chain named @p name to @p t. @return its index, or TXP_ENOMEM. */
int txp_ipt__chain_add(struct txp_ipt_table *t, const char *name);
/** Insert a copy of @p r (matches array copied) at @p pos (<= n_rules) of @p c.
 *  @return TXP_OK or TXP_ENOMEM (nothing changed). */
int txp_ipt__rule_insert(struct txp_ipt_chain *c, uint32_t pos, const struct txp_ipt_rule *r);
/** Free what one table owns and leave it empty (no chains). */
void txp_ipt__table_free(struct txp_ipt_table *t);
/** Reset table @p id to its built-in chains (ACCEPT, zero counters), absent. TXP_ENOMEM. */
int txp_ipt__table_reset(struct txp_ipt_table *t, enum txp_ipt_table_id id);
/** Deep copy of one table into @p dst (uninitialised). TXP_ENOMEM leaves dst empty. */
int txp_ipt__table_clone(struct txp_ipt_table *dst, const struct txp_ipt_table *src);

#endif /* TXP_IPT_TEXT_INT_H */
