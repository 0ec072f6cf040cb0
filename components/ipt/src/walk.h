/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt: the chain walk of ipt_do_table (net/ipv4/netfilter/ip_tables.c), shared by the
 * interpreter (eval.c) and the compiled path (compile.c). Not installed.
 *
 * One walk of a table from its built-in chain:
 *   past the last rule of a built-in chain  -> its policy (counted in the chain header)
 *   past the last rule of a user chain      -> implicit RETURN
 *   ip_packet_match, then every match in order; a miss -> next rule, a hotdrop -> DROP
 *   count the rule (1 packet, IP total length bytes), then its target:
 *     ACCEPT / DROP                 verdict
 *     RETURN                        pop the jump stack and continue after the caller;
 *                                   at depth 0 the hook chain's policy decides
 *     -j CHAIN                      push the rule, go to the chain (stack full -> DROP)
 *     -g CHAIN                      go to the chain without pushing
 *     none                          next rule
 *     other targets                 XT_CONTINUE -> next rule, else their verdict
 *
 * The jump stack holds (chain, rule) pairs; its depth is bounded by TXP_IPT_STACK_MAX (the
 * kernel sizes it from the number of user chains and rejects loops at load time, so a loaded
 * table can never overflow it; a hand-made model with a loop can, and is dropped).
 *
 * Which rule is looked at next in a chain: with @p pick NULL, every rule in turn (the
 * interpreter); otherwise @p pick names the first candidate at or after the position, as the
 * compiled path's classifier finds it, and may say that the candidate matches as a whole
 * (TXP_IPT__WALK_EXACT: the full match is skipped). The function is static inline and always
 * inlined so that each file gets its own copy with its own pick inlined (no call per rule).
 */
#ifndef TXP_IPT_WALK_H
#define TXP_IPT_WALK_H

#include "eval_int.h"

/** From a pick: the candidate matches as a whole (its classified box is the rule). */
#define TXP_IPT__WALK_EXACT 0x01u
/** To a pick as @p restart: the position moved (chain entry, RETURN, jump). */
#define TXP_IPT__WALK_MOVED 1
/** To a pick as @p restart: a target ran and continued; the packet may have been rewritten. */
#define TXP_IPT__WALK_REKEY 2

/**
 * The next candidate rule of chain @p ci at or after @p ri (>= the chain's rule count: none).
 * @p restart: 0, or TXP_IPT__WALK_MOVED / TXP_IPT__WALK_REKEY: start afresh from @p ri (after a
 * REKEY the packet may have changed); @p consumed: the previous candidate was looked at;
 * *flags gets TXP_IPT__WALK_EXACT or 0.
 */
typedef uint32_t (*txp_ipt__pick_fn)(void *st, uint32_t ci, uint32_t ri, int restart, int consumed,
                                     unsigned *flags);

static inline void
txp_ipt__count(struct txp_ipt_counters *cnt, const struct txp_ipt__pkt *p)
{
    cnt->pkts++;
    cnt->bytes += p->tot_len;
}

/* Where a jump returns to. */
struct txp_ipt__frame {
    uint32_t chain, rule;
};

/*
 * RETURN, explicit or at the end of a user chain: back to the rule after the jump, or at
 * depth 0 (underflow) to the hook chain's policy entry.
 */
static inline void
txp_ipt__walk_return(const struct txp_ipt_table *tab, int hook_chain,
                     const struct txp_ipt__frame *stack, uint32_t *depth, uint32_t *ci,
                     uint32_t *ri)
{
    if (*depth == 0) {
        *ci = (uint32_t)hook_chain;
        *ri = tab->chains[*ci].n_rules;
    } else {
        (*depth)--;
        *ci = stack[*depth].chain;
        *ri = stack[*depth].rule + 1;
    }
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void
txp_ipt__walk(struct txp_ipt_table *tab, int hook_chain, struct txp_ipt__ctx *c,
              txp_ipt__pick_fn pick, void *st)
{
    struct txp_ipt__frame stack[TXP_IPT_STACK_MAX];
    uint32_t depth = 0;
    uint32_t ci = (uint32_t)hook_chain, ri = 0;
    struct txp_ipt_verdict *v = c->v;
    int restart = TXP_IPT__WALK_MOVED, consumed = 0;

    for (;;) {
        struct txp_ipt_chain *ch = &tab->chains[ci];
        struct txp_ipt_rule *r;
        const struct txp_ipt_target *t;
        unsigned flags = 0;
        int res;

        if (pick != NULL) {
            ri = pick(st, ci, ri, restart, consumed, &flags);
            if (ri > ch->n_rules)
                ri = ch->n_rules;
            restart = consumed = 0;
        }
        if (ri >= ch->n_rules) {
            if (!ch->builtin) {
                /* The implicit RETURN at the end of a user chain. */
                txp_ipt__walk_return(tab, hook_chain, stack, &depth, &ci, &ri);
                restart = TXP_IPT__WALK_MOVED;
                continue;
            }
            txp_ipt__count(&ch->cnt, &c->pkt);
            v->verdict = ch->policy == TXP_IPT_T_DROP ? TXP_IPT_V_DROP : TXP_IPT_V_ACCEPT;
            v->chain = -1;
            v->rule = -1;
            return;
        }
        r = &ch->rules[ri];
        if (!(flags & TXP_IPT__WALK_EXACT)) {
            bool ok = txp_ipt__ip_match(&r->ip, c);
            for (uint32_t m = 0; m < r->n_matches && ok; m++)
                ok = txp_ipt__match(c, &r->matches[m]);
            if (!ok) {
                if (c->hotdrop) {
                    v->verdict = TXP_IPT_V_DROP;
                    v->chain = (int32_t)ci;
                    v->rule = (int32_t)ri;
                    return;
                }
                ri++;
                consumed = 1;
                continue;
            }
        }
        txp_ipt__count(&r->cnt, &c->pkt);
        t = &r->target;
        switch (t->kind) {
        case TXP_IPT_T_NONE:
            ri++;
            consumed = 1;
            continue;
        case TXP_IPT_T_ACCEPT:
        case TXP_IPT_T_DROP:
            v->verdict = t->kind == TXP_IPT_T_ACCEPT ? TXP_IPT_V_ACCEPT : TXP_IPT_V_DROP;
            v->chain = (int32_t)ci;
            v->rule = (int32_t)ri;
            return;
        case TXP_IPT_T_RETURN:
            txp_ipt__walk_return(tab, hook_chain, stack, &depth, &ci, &ri);
            restart = TXP_IPT__WALK_MOVED;
            continue;
        case TXP_IPT_T_JUMP:
            if (t->chain >= tab->n_chains) {
                /* A dangling jump cannot be loaded; treat it as the kernel treats an unknown
                 * verdict it cannot follow: drop. */
                v->verdict = TXP_IPT_V_DROP;
                v->chain = (int32_t)ci;
                v->rule = (int32_t)ri;
                return;
            }
            if ((r->ip.flags & TXP_IPT_F_GOTO) == 0) {
                if (depth >= TXP_IPT_STACK_MAX) {
                    v->verdict = TXP_IPT_V_DROP;
                    v->stack_overflow = 1;
                    v->chain = (int32_t)ci;
                    v->rule = (int32_t)ri;
                    return;
                }
                stack[depth].chain = ci;
                stack[depth].rule = ri;
                depth++;
            }
            ci = t->chain;
            ri = 0;
            restart = TXP_IPT__WALK_MOVED;
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
            restart = TXP_IPT__WALK_REKEY; /* the packet may have changed: classify it again */
            continue;
        }
        v->verdict = (uint8_t)res;
        v->chain = (int32_t)ci;
        v->rule = (int32_t)ri;
        return;
    }
}

#endif /* TXP_IPT_WALK_H */
