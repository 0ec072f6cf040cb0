/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: the reference interpreter, ipt_do_table (net/ipv4/netfilter/ip_tables.c) over the
 * public ruleset model, and the per-hook walk over the tables in netfilter priority order.
 *
 * One traversal of a table:
 *
 *   chain = the table's built-in chain for the hook, rule 0
 *   loop:  past the last rule of a built-in chain  -> its policy (counted in the chain header)
 *          past the last rule of a user chain      -> implicit RETURN
 *          ip_packet_match, then every match in order; a miss -> next rule, a hotdrop -> DROP
 *          count the rule (1 packet, IP total length bytes), then its target:
 *            ACCEPT / DROP                 verdict
 *            RETURN                        pop the jump stack and continue after the caller;
 *                                          at depth 0 the hook chain's policy decides
 *            -j CHAIN                      push the rule, go to the chain (stack full -> DROP)
 *            -g CHAIN                      go to the chain without pushing
 *            none                          next rule
 *            other targets                 XT_CONTINUE -> next rule, else their verdict
 *
 * The jump stack holds (chain, rule) pairs; its depth is bounded by TXP_IPT_STACK_MAX (the
 * kernel sizes it from the number of user chains and rejects loops at load time, so a loaded
 * table can never overflow it; a hand-made model with a loop can, and is dropped).
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

static void
count(struct txp_ipt_counters *cnt, const struct txp_ipt__pkt *p)
{
    cnt->pkts++;
    cnt->bytes += p->tot_len;
}

/* The walk itself, on a prepared context: the interpreter's walker. */
int
txp_ipt__walk_rules(void *ctx, struct txp_ipt_table *tab, enum txp_ipt_table_id tid, int hook_chain,
                    struct txp_ipt__ctx *c)
{
    struct {
        uint32_t chain, rule;
    } stack[TXP_IPT_STACK_MAX];
    uint32_t depth = 0;
    uint32_t ci = (uint32_t)hook_chain, ri = 0;
    struct txp_ipt_verdict *v = c->v;

    (void)ctx;
    (void)tid;

    for (;;) {
        struct txp_ipt_chain *ch = &tab->chains[ci];
        struct txp_ipt_rule *r;
        const struct txp_ipt_target *t;
        uint32_t m;
        bool ok = true;
        int res;

        if (ri >= ch->n_rules) {
            if (!ch->builtin) {
                /* The implicit RETURN at the end of a user chain. */
                if (depth == 0) {
                    ci = (uint32_t)hook_chain;
                    ri = tab->chains[ci].n_rules;
                } else {
                    depth--;
                    ci = stack[depth].chain;
                    ri = stack[depth].rule + 1;
                }
                continue;
            }
            count(&ch->cnt, &c->pkt);
            v->verdict = ch->policy == TXP_IPT_T_DROP ? TXP_IPT_V_DROP : TXP_IPT_V_ACCEPT;
            v->chain = -1;
            v->rule = -1;
            return TXP_OK;
        }
        r = &ch->rules[ri];
        if (!txp_ipt__ip_match(&r->ip, c)) {
            ri++;
            continue;
        }
        for (m = 0; m < r->n_matches && ok; m++)
            ok = txp_ipt__match(c, &r->matches[m]);
        if (!ok) {
            if (c->hotdrop) {
                v->verdict = TXP_IPT_V_DROP;
                v->chain = (int32_t)ci;
                v->rule = (int32_t)ri;
                return TXP_OK;
            }
            ri++;
            continue;
        }
        count(&r->cnt, &c->pkt);
        t = &r->target;
        switch (t->kind) {
        case TXP_IPT_T_NONE:
            ri++;
            continue;
        case TXP_IPT_T_ACCEPT:
        case TXP_IPT_T_DROP:
            v->verdict = t->kind == TXP_IPT_T_ACCEPT ? TXP_IPT_V_ACCEPT : TXP_IPT_V_DROP;
            v->chain = (int32_t)ci;
            v->rule = (int32_t)ri;
            return TXP_OK;
        case TXP_IPT_T_RETURN:
            if (depth == 0) {
                /* Underflow: the hook chain's policy entry. */
                ci = (uint32_t)hook_chain;
                ri = tab->chains[ci].n_rules;
            } else {
                depth--;
                ci = stack[depth].chain;
                ri = stack[depth].rule + 1;
            }
            continue;
        case TXP_IPT_T_JUMP:
            if (t->chain >= tab->n_chains) {
                /* A dangling jump cannot be loaded; treat it as the kernel treats an unknown
                 * verdict it cannot follow: drop. */
                v->verdict = TXP_IPT_V_DROP;
                v->chain = (int32_t)ci;
                v->rule = (int32_t)ri;
                return TXP_OK;
            }
            if ((r->ip.flags & TXP_IPT_F_GOTO) == 0) {
                if (depth >= TXP_IPT_STACK_MAX) {
                    v->verdict = TXP_IPT_V_DROP;
                    v->stack_overflow = 1;
                    v->chain = (int32_t)ci;
                    v->rule = (int32_t)ri;
                    return TXP_OK;
                }
                stack[depth].chain = ci;
                stack[depth].rule = ri;
                depth++;
            }
            ci = t->chain;
            ri = 0;
            continue;
        case TXP_IPT_T_REJECT:
        case TXP_IPT_T_LOG:
        case TXP_IPT_T_MARK:
        case TXP_IPT_T_CONNMARK:
        case TXP_IPT_T_TOS:
        case TXP_IPT_T_DSCP:
        case TXP_IPT_T_TTL:
        case TXP_IPT_T_NOTRACK:
        case TXP_IPT_T_CT:
        case TXP_IPT_T_SNAT:
        case TXP_IPT_T_DNAT:
        case TXP_IPT_T_MASQUERADE:
        case TXP_IPT_T_REDIRECT:
        default:
            break;
        }
        res = txp_ipt__target(c, t);
        if (res == TXP_IPT__CONTINUE) {
            ri++;
            continue;
        }
        v->verdict = (uint8_t)res;
        v->chain = (int32_t)ci;
        v->rule = (int32_t)ri;
        return TXP_OK;
    }
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
