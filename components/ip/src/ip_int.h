/* SPDX-License-Identifier: MIT */
/* txpath ip: declarations shared between the component's own .c files (not installed). */
#ifndef TXP_IP_INT_H
#define TXP_IP_INT_H

#include "txpath/ip.h"

/* Offset in txp_ip_options meaning "absent". */
#define TXP_IP__OPT_NONE 0xFFu

/*
 * ip_options_build: copy the compiled options into @p dst (opt->len bytes) and fill the slots
 * output owns: the final destination into a source route's last slot, our address into RR and
 * TS (TSANDADDR), the time (ms since midnight of @p now_ns) into TS.
 */
void txp_ip__options_build(const struct txp_ip_options *opt, uint8_t *dst, uint32_t saddr,
                           uint32_t daddr, uint64_t now_ns);

/* Output metadata of a packet that starts at its IPv4 header (l4_off set when @p has_l4). */
void txp_ip__pkt_meta(struct txp_pkt *p, uint8_t tos, bool has_l4, size_t hlen);

/* Is @p addr multicast (224.0.0.0/4)? */
static inline bool
txp_ip__is_multicast(uint32_t addr)
{
    return (addr & 0xF0000000u) == 0xE0000000u;
}

/* The ID rule of ip_select_ident_segs for an unconnected packet. */
uint16_t txp_ip__ident_unconnected(struct txp_ip_ident *g, uint32_t saddr, uint32_t daddr,
                                   uint8_t proto, bool df, bool ignore_df, uint16_t segs,
                                   uint64_t now_ns);

#endif /* TXP_IP_INT_H */
