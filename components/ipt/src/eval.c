/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: the reference interpreter, ipt_do_table (net/ipv4/netfilter/ip_tables.c) over the
 * public ruleset model, and the per-hook walk over the tables in netfilter priority order.
 *
 * One traversal of a table is the chain walk of walk.h (shared with compile.c).
 *
 * Hooks (txp_ipt_do_hook), by priority (include/uapi/linux/netfilter_ipv4.h):
 *   PREROUTING   raw -300, mangle -150, nat -100 (DNAT side)
 *   INPUT        mangle -150, filter 0, security 50, nat 100 (SNAT side)
 *   FORWARD      mangle -150, filter 0, security 50
 *   OUTPUT       raw -300, mangle -150, nat -100 (DNAT side), filter 0, security 50
 *   POSTROUTING  mangle -150, nat 100 (SNAT side)
 * The nat table only sees packets with a conntrack entry (not INVALID, not UNTRACKED: iptable_nat
 * returns NF_ACCEPT when nf_ct_get finds none), and its rules only run while the flow has no
 * binding (info->nat_first, nf_nat_inet_fn); otherwise the binding in info->nat is applied where
 * the table would run (nf_nat_packet). mangle OUTPUT asks for a reroute when saddr, daddr, mark
 * or TOS changed (iptable_mangle.c: ipt_mangle_out), nat OUTPUT when the destination is mapped
 * (nf_nat_ipv4_local_fn).
 *
 * Entry points: txp_ipt_do_table, txp_ipt_do_hook; shared with the other files through
 * eval_int.h: txp_ipt__pkt_init/_at, txp_ipt__ip_match, txp_ipt__hook_tables,
 * txp_ipt__builtin_chain, txp_ipt__has_ct, and the table and hook runners txp_ipt__run_table /
 * txp_ipt__run_hook, which take the walk as a txp_ipt__walker: this file's rule-by-rule walk
 * (txp_ipt__walk_rules) or compile.c's classifier walk, so both paths share everything else.
 */
#include <string.h>

#include "eval_int.h"
#include "txpath/be.h"
#include "txpath/prot/ip.h"
#include "walk.h"

int
txp_ipt__pkt_init(struct txp_ipt__pkt *p, uint8_t *ip, size_t len)
{
    uint32_t ihl, tot;

    if (ip == NULL || len < TXP_IPV4_HLEN_MIN || (ip[0] >> 4) != 4)
        return TXP_EINVAL;
    ihl = (uint32_t)(ip[0] & 0x0Fu) * 4u;
    tot = txp_load_be16(ip + TXP_IPV4_OFF_TOTLEN);
    if (ihl < TXP_IPV4_HLEN_MIN || ihl > len || ihl > tot)
        return TXP_EINVAL;
    p->ip = ip;
    p->tot_len = (uint16_t)tot;
    p->len = len < tot ? (uint32_t)len : tot;
    p->thoff = (uint16_t)ihl;
    p->fragoff = (uint16_t)(txp_load_be16(ip + TXP_IPV4_OFF_FRAG) & TXP_IP_OFFMASK);
    p->proto = ip[TXP_IPV4_OFF_PROTO];
    return TXP_OK;
}

const uint8_t *
txp_ipt__pkt_at(const struct txp_ipt__pkt *p, uint32_t off, uint32_t n)
{
    if (off > p->len || n > p->len - off)
        return NULL;
    return p->ip + off;
}

bool
txp_ipt__has_ct(const struct txp_ipt_pktinfo *info)
{
    return info->ctstate != TXP_IPT_CT_INVALID && info->ctstate != TXP_IPT_CT_UNTRACKED &&
           info->ctstate != 0;
}

/* ifname_compare_aligned: the device name, NUL padded to IFNAMSIZ, against the rule's name
 * under its byte mask. A missing device compares as the empty name. */
static bool
ifname_differs(const char *dev, const char *name, const uint8_t *mask)
{
    char buf[TXP_IPT_IFNAMSIZ];
    size_t i;

    memset(buf, 0, sizeof buf);
    if (dev != NULL)
        for (i = 0; i < sizeof buf && dev[i] != '\0'; i++)
            buf[i] = dev[i];
    for (i = 0; i < TXP_IPT_IFNAMSIZ; i++)
        if ((((uint8_t)buf[i] ^ (uint8_t)name[i]) & mask[i]) != 0)
            return true;
    return false;
}

/* NF_INVF: a condition XOR its inversion flag. */
static bool
invf(uint8_t invflags, uint8_t flag, bool cond)
{
    return cond != ((invflags & flag) != 0);
}

bool
txp_ipt__ip_match(const struct txp_ipt_ip *r, const struct txp_ipt__ctx *c)
{
    const uint8_t *ip = c->pkt.ip;
    uint32_t saddr = txp_load_be32(ip + TXP_IPV4_OFF_SADDR);
    uint32_t daddr = txp_load_be32(ip + TXP_IPV4_OFF_DADDR);

    if (invf(r->invflags, TXP_IPT_INV_SRCIP, (saddr & r->smsk) != r->src) ||
        invf(r->invflags, TXP_IPT_INV_DSTIP, (daddr & r->dmsk) != r->dst))
        return false;
    if (invf(r->invflags, TXP_IPT_INV_VIA_IN,
             ifname_differs(c->info->in_dev, r->iniface, r->iniface_mask)))
        return false;
    if (invf(r->invflags, TXP_IPT_INV_VIA_OUT,
             ifname_differs(c->info->out_dev, r->outiface, r->outiface_mask)))
        return false;
    if (r->proto != 0 && invf(r->invflags, TXP_IPT_INV_PROTO, c->pkt.proto != r->proto))
        return false;
    /* -f: only non-first fragments; ! -f: unfragmented packets and first fragments. */
    if (invf(r->invflags, TXP_IPT_INV_FRAG,
             (r->flags & TXP_IPT_F_FRAG) != 0 && c->pkt.fragoff == 0))
        return false;
    return true;
}

int
txp_ipt__builtin_chain(const struct txp_ipt_table *t, enum txp_ipt_hook hook)
{
    uint32_t i;

    for (i = 0; i < t->n_chains; i++)
        if (t->chains[i].builtin && t->chains[i].hook == (uint8_t)hook)
            return (int)i;
    return -1;
}

unsigned
txp_ipt__hook_tables(enum txp_ipt_hook hook, enum txp_ipt_table_id out[TXP_IPT_TABLE_COUNT])
{
    unsigned n = 0;

    switch (hook) {
    case TXP_IPT_PREROUTING:
        out[n++] = TXP_IPT_RAW;
        out[n++] = TXP_IPT_MANGLE;
        out[n++] = TXP_IPT_NAT;
        break;
    case TXP_IPT_INPUT:
        /* NF_IP_PRI_NAT_SRC (100) is after filter (0) and security (50). */
        out[n++] = TXP_IPT_MANGLE;
        out[n++] = TXP_IPT_FILTER;
        out[n++] = TXP_IPT_SECURITY;
        out[n++] = TXP_IPT_NAT;
        break;
    case TXP_IPT_FORWARD:
        out[n++] = TXP_IPT_MANGLE;
        out[n++] = TXP_IPT_FILTER;
        out[n++] = TXP_IPT_SECURITY;
        break;
    case TXP_IPT_OUTPUT:
        out[n++] = TXP_IPT_RAW;
        out[n++] = TXP_IPT_MANGLE;
        out[n++] = TXP_IPT_NAT;
        out[n++] = TXP_IPT_FILTER;
        out[n++] = TXP_IPT_SECURITY;
        break;
    case TXP_IPT_POSTROUTING:
        out[n++] = TXP_IPT_MANGLE;
        out[n++] = TXP_IPT_NAT;
        break;
    case TXP_IPT_HOOK_COUNT:
    default:
        break;
    }
    return n;
}

/* The interpreter's walker: every rule in turn (walk.h). */
int
txp_ipt__walk_rules(void *ctx, struct txp_ipt_table *tab, enum txp_ipt_table_id tid, int hook_chain,
                    struct txp_ipt__ctx *c)
{
    (void)ctx;
    (void)tid;
    txp_ipt__walk(tab, hook_chain, c, NULL, NULL);
    return TXP_OK;
}

static void
verdict_reset(struct txp_ipt_verdict *v, enum txp_ipt_table_id t)
{
    memset(v, 0, sizeof *v);
    v->verdict = TXP_IPT_V_ACCEPT;
    v->table = t;
    v->chain = -1;
    v->rule = -1;
}

/* The traversal proper, adding to @p v's flags (reroute, notrack, n_logged). */
static int
do_table(struct txp_ipt_ruleset *rs, const struct txp_ipt__walker *w, enum txp_ipt_table_id t,
         enum txp_ipt_hook hook, struct txp_ipt__ctx *c)
{
    int err;
    struct txp_ipt_table *tab;
    int hc;
    uint32_t saddr = 0, daddr = 0, mark = 0;
    uint8_t tos = 0;
    bool mangle_out = t == TXP_IPT_MANGLE && hook == TXP_IPT_OUTPUT;

    if ((unsigned)t >= TXP_IPT_TABLE_COUNT || (unsigned)hook >= TXP_IPT_HOOK_COUNT)
        return TXP_EINVAL;
    tab = &rs->tables[t];
    hc = txp_ipt__builtin_chain(tab, hook);
    if (hc < 0)
        return TXP_EINVAL;
    c->table = t;
    c->hook = hook;
    c->hotdrop = false;
    c->v->table = t;
    if (mangle_out) {
        saddr = txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_SADDR);
        daddr = txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_DADDR);
        mark = c->info->mark;
        tos = c->pkt.ip[TXP_IPV4_OFF_TOS];
    }
    err = w->walk(w->ctx, tab, t, hc, c);
    if (err != TXP_OK)
        return err;
    if (mangle_out && c->v->verdict != TXP_IPT_V_DROP &&
        (saddr != txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_SADDR) ||
         daddr != txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_DADDR) || mark != c->info->mark ||
         tos != c->pkt.ip[TXP_IPV4_OFF_TOS]))
        c->v->reroute = 1;
    return TXP_OK;
}

int
txp_ipt__run_table(struct txp_ipt_ruleset *rs, const struct txp_ipt__walker *w,
                   enum txp_ipt_table_id t, enum txp_ipt_hook hook, uint8_t *ip, size_t len,
                   struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                   struct txp_ipt_verdict *v)
{
    struct txp_ipt__ctx c;
    int err;

    if (rs == NULL || info == NULL || v == NULL)
        return TXP_EINVAL;
    memset(&c, 0, sizeof c);
    err = txp_ipt__pkt_init(&c.pkt, ip, len);
    if (err != TXP_OK)
        return err;
    verdict_reset(v, t);
    c.info = info;
    c.env = env;
    c.v = v;
    return do_table(rs, w, t, hook, &c);
}

int
txp_ipt_do_table(struct txp_ipt_ruleset *rs, enum txp_ipt_table_id t, enum txp_ipt_hook hook,
                 uint8_t *ip, size_t len, struct txp_ipt_pktinfo *info,
                 const struct txp_ipt_env *env, struct txp_ipt_verdict *v)
{
    static const struct txp_ipt__walker rules = {txp_ipt__walk_rules, NULL};

    return txp_ipt__run_table(rs, &rules, t, hook, ip, len, info, env, v);
}

/* Where the nat table runs without its rules: apply the binding's side for this hook. */
static void
nat_apply_side(struct txp_ipt__ctx *c, enum txp_ipt_hook hook)
{
    int dst_side = hook == TXP_IPT_OUTPUT || hook == TXP_IPT_PREROUTING;
    uint32_t daddr = txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_DADDR);

    (void)txp_ipt_nat_apply(c->pkt.ip, c->pkt.len, &c->info->nat, dst_side);
    if (hook == TXP_IPT_OUTPUT && daddr != txp_load_be32(c->pkt.ip + TXP_IPV4_OFF_DADDR))
        c->v->reroute = 1;
}

int
txp_ipt__run_hook(struct txp_ipt_ruleset *rs, const struct txp_ipt__walker *w,
                  enum txp_ipt_hook hook, uint8_t *ip, size_t len, struct txp_ipt_pktinfo *info,
                  const struct txp_ipt_env *env, struct txp_ipt_verdict *v)
{
    enum txp_ipt_table_id order[TXP_IPT_TABLE_COUNT];
    struct txp_ipt__ctx c;
    struct txp_ipt_verdict tv;
    unsigned n, i;
    int err;
    uint8_t reroute = 0, notrack = 0;
    uint32_t logged = 0;

    if (rs == NULL || info == NULL || v == NULL || (unsigned)hook >= TXP_IPT_HOOK_COUNT)
        return TXP_EINVAL;
    memset(&c, 0, sizeof c);
    err = txp_ipt__pkt_init(&c.pkt, ip, len);
    if (err != TXP_OK)
        return err;
    c.info = info;
    c.env = env;
    n = txp_ipt__hook_tables(hook, order);
    verdict_reset(v, n > 0 ? order[n - 1] : TXP_IPT_FILTER);
    for (i = 0; i < n; i++) {
        enum txp_ipt_table_id t = order[i];
        struct txp_ipt_table *tab = &rs->tables[t];

        if (!tab->present || txp_ipt__builtin_chain(tab, hook) < 0)
            continue;
        if (t == TXP_IPT_NAT) {
            if (!txp_ipt__has_ct(info) || notrack)
                continue;
            if (!info->nat_first) {
                verdict_reset(&tv, t);
                c.v = &tv;
                nat_apply_side(&c, hook);
                reroute |= tv.reroute;
                continue;
            }
        }
        verdict_reset(&tv, t);
        c.v = &tv;
        if (t == TXP_IPT_NAT && hook == TXP_IPT_OUTPUT) {
            uint32_t daddr = txp_load_be32(ip + TXP_IPV4_OFF_DADDR);

            err = do_table(rs, w, t, hook, &c);
            if (tv.verdict != TXP_IPT_V_DROP && daddr != txp_load_be32(ip + TXP_IPV4_OFF_DADDR))
                tv.reroute = 1;
        } else {
            err = do_table(rs, w, t, hook, &c);
        }
        if (err != TXP_OK)
            return err;
        reroute |= tv.reroute;
        notrack |= tv.notrack;
        logged += tv.n_logged;
        *v = tv;
        if (tv.verdict == TXP_IPT_V_DROP)
            break;
    }
    v->reroute = reroute;
    v->notrack = notrack;
    v->n_logged = logged;
    return TXP_OK;
}

int
txp_ipt_do_hook(struct txp_ipt_ruleset *rs, enum txp_ipt_hook hook, uint8_t *ip, size_t len,
                struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                struct txp_ipt_verdict *v)
{
    static const struct txp_ipt__walker rules = {txp_ipt__walk_rules, NULL};

    return txp_ipt__run_hook(rs, &rules, hook, ip, len, info, env, v);
}
