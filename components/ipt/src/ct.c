/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: a minimal connection tracker for callers without one (the CLI, the pipeline).
 *
 * Flows are keyed by tuples (proto, saddr, daddr, sport, dport, icmp class):
 *   TCP / UDP      the ports
 *   fragments      none: the kernel reassembles before conntrack (nf_defrag_ipv4 steals the
 *                  fragments ahead of every table); the model does not reassemble and gives a
 *                  fragment (MF set or a non-zero offset) no conntrack entry: INVALID
 *   ICMP queries   the echo id as sport, the code as dport, and the type (as nf_conntrack's
 *                  ICMP tuple: id, type, code); requests (echo, timestamp, information,
 *                  address mask) start flows whose reply tuple has the answering type; a reply
 *                  type without its flow is INVALID
 *   ICMP others    errors and unsolicited messages get no flow: INVALID (RELATED is not
 *                  modelled)
 *   other protos   addresses only
 *
 *   flows[]   one slot per flow: FREE -> PENDING (lookup of an unknown tuple) -> CONFIRMED
 *             (confirm of an accepted, tracked first packet) or back to FREE (dropped, or
 *             NOTRACK), as an unconfirmed nf_conn is destroyed
 *   hash[]    open addressing, linear probing, power-of-two size >= 4 * max_flows; each
 *             confirmed flow has two entries: its original tuple (dir 0) and its reply tuple
 *             (dir 1), the reply tuple being the original one after the NAT binding, reversed
 *             (nf_conntrack's tuplehash[IP_CT_DIR_REPLY]); entries are never removed
 *
 * What lookup hands to the hooks (struct txp_ipt_pktinfo):
 *   unknown tuple         NEW, ORIGINAL, nat_first 1, ctmark 0, empty binding
 *   original direction    NEW until a reply was seen, then ESTABLISHED; nat_first 0; the
 *                         flow's binding (txp_ipt_do_hook applies it)
 *   reply direction       ESTABLISHED, REPLY; the binding inverted for the reply packet: its
 *                         destination goes back to the original source (un-SNAT, applied where
 *                         DNAT would run) and its source to the original destination (un-DNAT,
 *                         applied where SNAT would run), as nf_nat_packet does with the status
 *                         bits flipped for the reply direction
 * Not modelled: TCP state and window tracking (INVALID), RELATED, timeouts, clashes.
 *
 * Entry points: txp_ipt_ct_new, txp_ipt_ct_free, txp_ipt_ct_lookup, txp_ipt_ct_confirm.
 */
#include <stdlib.h>
#include <string.h>

#include "eval_int.h"
#include "txpath/be.h"
#include "txpath/prot/ip.h"

struct ct_key {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    uint8_t proto;
    uint8_t type; /* ICMP: the message type (the code is kept in dport) */
};

enum { FLOW_FREE = 0, FLOW_PENDING, FLOW_CONFIRMED };

struct ct_flow {
    struct ct_key orig, reply;
    struct txp_ipt_nat_binding nat;
    uint32_t ctmark;
    uint8_t state;
    uint8_t seen_reply;
};

struct ct_slot {
    uint32_t flow; /* UINT32_MAX: empty */
    uint8_t dir;
};

struct txp_ipt_ct {
    struct ct_flow *flows;
    uint32_t max_flows;
    uint32_t *free_list; /* stack of free slot indices */
    uint32_t n_free;
    struct ct_slot *hash;
    uint32_t hash_mask;
};

static uint32_t
key_hash(const struct ct_key *k)
{
    uint32_t w[4] = {k->saddr, k->daddr, ((uint32_t)k->sport << 16) | k->dport,
                     ((uint32_t)k->proto << 8) | k->type};

    return txp_ipt__jhash2(w, 4, 0x69707463u);
}

static bool
key_eq(const struct ct_key *a, const struct ct_key *b)
{
    return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
           a->dport == b->dport && a->proto == b->proto && a->type == b->type;
}

int
txp_ipt_ct_new(uint32_t max_flows, struct txp_ipt_ct **out)
{
    struct txp_ipt_ct *ct;
    uint64_t hsize = 16;
    uint32_t i;

    if (out == NULL || max_flows == 0 || max_flows > (1u << 26))
        return TXP_EINVAL;
    while (hsize < 4ull * max_flows)
        hsize <<= 1;
    ct = calloc(1, sizeof *ct);
    if (ct == NULL)
        return TXP_ENOMEM;
    ct->flows = calloc(max_flows, sizeof *ct->flows);
    ct->free_list = calloc(max_flows, sizeof *ct->free_list);
    ct->hash = calloc((size_t)hsize, sizeof *ct->hash);
    if (ct->flows == NULL || ct->free_list == NULL || ct->hash == NULL) {
        txp_ipt_ct_free(ct);
        return TXP_ENOMEM;
    }
    ct->max_flows = max_flows;
    ct->hash_mask = (uint32_t)(hsize - 1);
    for (i = 0; i <= ct->hash_mask; i++)
        ct->hash[i].flow = UINT32_MAX;
    /* Hand out low indices first. */
    for (i = 0; i < max_flows; i++)
        ct->free_list[i] = max_flows - 1 - i;
    ct->n_free = max_flows;
    *out = ct;
    return TXP_OK;
}

void
txp_ipt_ct_free(struct txp_ipt_ct *ct)
{
    if (ct == NULL)
        return;
    free(ct->flows);
    free(ct->free_list);
    free(ct->hash);
    free(ct);
}

static const struct ct_slot *
hash_find(const struct txp_ipt_ct *ct, const struct ct_key *k)
{
    uint32_t i = key_hash(k) & ct->hash_mask;

    while (ct->hash[i].flow != UINT32_MAX) {
        const struct ct_flow *f = &ct->flows[ct->hash[i].flow];

        if (key_eq(ct->hash[i].dir == 0 ? &f->orig : &f->reply, k))
            return &ct->hash[i];
        i = (i + 1) & ct->hash_mask;
    }
    return NULL;
}

static void
hash_insert(struct txp_ipt_ct *ct, const struct ct_key *k, uint32_t flow, uint8_t dir)
{
    uint32_t i = key_hash(k) & ct->hash_mask;

    while (ct->hash[i].flow != UINT32_MAX)
        i = (i + 1) & ct->hash_mask;
    ct->hash[i].flow = flow;
    ct->hash[i].dir = dir;
}

/* The packet's key; false when the packet cannot have a flow (ICMP errors and the like). */
static bool
key_of(const struct txp_ipt__pkt *p, struct ct_key *k)
{
    struct txp_ipt__tuple t;

    txp_ipt__tuple_of(p, &t);
    memset(k, 0, sizeof *k);
    k->saddr = t.saddr;
    k->daddr = t.daddr;
    k->proto = t.proto;
    if (t.proto == TXP_IPPROTO_ICMP) {
        const uint8_t *ic;

        if (t.has_ports != 2)
            return false;
        ic = txp_ipt__pkt_at(p, p->thoff, 1);
        k->sport = t.sport;
        k->type = ic[0];
        k->dport = ic[1];
        return true;
    }
    if (t.has_ports == 1) {
        k->sport = t.sport;
        k->dport = t.dport;
    }
    return true;
}

static void
info_reset(struct txp_ipt_pktinfo *info)
{
    info->ctstate = TXP_IPT_CT_INVALID;
    info->ctdir = 0;
    info->ctmark = 0;
    info->nat_first = 0;
    memset(&info->nat, 0, sizeof info->nat);
}

int
txp_ipt_ct_lookup(struct txp_ipt_ct *ct, const uint8_t *ip, size_t len,
                  struct txp_ipt_pktinfo *info, uint32_t *flow)
{
    struct txp_ipt__pkt p;
    struct ct_key k;
    const struct ct_slot *s;
    struct ct_flow *f;
    uint32_t fi;
    int err;

    if (ct == NULL || info == NULL || flow == NULL)
        return TXP_EINVAL;
    *flow = UINT32_MAX;
    /* The view only reads; the cast keeps one packet type for both directions of use. */
    err = txp_ipt__pkt_init(&p, (uint8_t *)(uintptr_t)ip, len);
    if (err != TXP_OK)
        return err;
    info_reset(info);
    if (p.fragoff != 0 || (txp_load_be16(ip + TXP_IPV4_OFF_FRAG) & TXP_IP_MF) != 0)
        return TXP_OK;
    if (!key_of(&p, &k))
        return TXP_OK;
    s = hash_find(ct, &k);
    if (s != NULL) {
        f = &ct->flows[s->flow];
        *flow = s->flow;
        info->ctmark = f->ctmark;
        if (s->dir == 0) {
            info->ctstate = f->seen_reply ? TXP_IPT_CT_ESTABLISHED : TXP_IPT_CT_NEW;
            info->nat = f->nat;
            return TXP_OK;
        }
        f->seen_reply = 1;
        info->ctstate = TXP_IPT_CT_ESTABLISHED;
        info->ctdir = 1;
        if (f->nat.src) {
            info->nat.dst = 1;
            info->nat.daddr = f->orig.saddr;
            info->nat.dport = f->orig.sport;
        }
        if (f->nat.dst) {
            info->nat.src = 1;
            info->nat.saddr = f->orig.daddr;
            info->nat.sport = f->orig.proto == TXP_IPPROTO_ICMP ? f->orig.sport : f->orig.dport;
        }
        return TXP_OK;
    }
    /* An ICMP reply type cannot start a flow (icmp_new accepts requests only). */
    if (k.proto == TXP_IPPROTO_ICMP && txp_ipt__icmp_query_kind(k.type) == 2)
        return TXP_OK;
    if (ct->n_free == 0)
        return TXP_ENOSPC;
    fi = ct->free_list[--ct->n_free];
    f = &ct->flows[fi];
    memset(f, 0, sizeof *f);
    f->orig = k;
    f->state = FLOW_PENDING;
    *flow = fi;
    info->ctstate = TXP_IPT_CT_NEW;
    info->nat_first = 1;
    return TXP_OK;
}

int
txp_ipt_ct_confirm(struct txp_ipt_ct *ct, uint32_t flow, const struct txp_ipt_pktinfo *info,
                   const struct txp_ipt_verdict *v)
{
    struct ct_flow *f;
    struct ct_key r;

    if (ct == NULL || info == NULL || v == NULL)
        return TXP_EINVAL;
    if (flow == UINT32_MAX)
        return TXP_OK; /* a packet that got no flow (INVALID, table full) */
    if (flow >= ct->max_flows || ct->flows[flow].state == FLOW_FREE)
        return TXP_EINVAL;
    f = &ct->flows[flow];
    if (f->state == FLOW_CONFIRMED) {
        if (info->ctstate != TXP_IPT_CT_UNTRACKED)
            f->ctmark = info->ctmark;
        return TXP_OK;
    }
    if (v->verdict != TXP_IPT_V_ACCEPT || v->notrack || info->ctstate == TXP_IPT_CT_UNTRACKED) {
        f->state = FLOW_FREE;
        ct->free_list[ct->n_free++] = flow;
        return TXP_OK;
    }
    f->nat = info->nat;
    f->ctmark = info->ctmark;
    /* The reply tuple: the original after the binding, reversed. */
    memset(&r, 0, sizeof r);
    r.proto = f->orig.proto;
    r.saddr = f->nat.dst ? f->nat.daddr : f->orig.daddr;
    r.daddr = f->nat.src ? f->nat.saddr : f->orig.saddr;
    if (f->orig.proto == TXP_IPPROTO_ICMP) {
        r.sport = f->nat.src ? f->nat.sport : (f->nat.dst ? f->nat.dport : f->orig.sport);
        r.dport = f->orig.dport;
        r.type = (uint8_t)(f->orig.type == 8 ? 0 : f->orig.type + 1); /* 13->14, 15->16, 17->18 */
    } else {
        r.sport = f->nat.dst ? f->nat.dport : f->orig.dport;
        r.dport = f->nat.src ? f->nat.sport : f->orig.sport;
    }
    f->reply = r;
    f->state = FLOW_CONFIRMED;
    hash_insert(ct, &f->orig, flow, 0);
    hash_insert(ct, &f->reply, flow, 1);
    return TXP_OK;
}
