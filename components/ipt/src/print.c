/* SPDX-License-Identifier: MIT */
/*
 * print.c: struct txp_ipt_ruleset -> the text `iptables-save [-c]` (v1.8.9, nf_tables variant)
 * prints after `iptables-restore` of the same rules (iptables/iptables-save.c, nft-shared.c /
 * iptables.c: print_rule4 and save_rule_details, xshared.c: save_ipv4_addr, save_iface, the
 * libxt_* / libipt_* save functions, libxtables: xtables_save_string).
 *
 * Layout (checked against iptables-save in a namespace, see kernel/save.sh):
 *   tables     in the nf_tables variant's fixed order mangle, security, raw, filter, nat
 *              (nft.h: enum nft_table_type), only those the input created;
 *   chains     ":NAME POLICY [p:b]" for built-ins in hook order, ":NAME - [0:0]" for user
 *              chains sorted by name (strcmp, as the nft cache keeps them);
 *   rules      per chain in that order: "[p:b] " (with -c), "-A CHAIN", ! -s, ! -d, ! -i, ! -o,
 *              ! -p, ! -f, then each match as " -m NAME options", then " -j TARGET options"
 *              or " -g CHAIN".
 * Canonical forms: --syn as --tcp-flags FIN,SYN,RST,ACK SYN; ICMP types as numbers; MARK and
 * CONNMARK as --set-xmark value/mask; TOS as --set-tos value/mask; DSCP classes as numbers;
 * limit rates in the largest exact unit; defaults (limit burst 5, LOG level 4) left out.
 */
#include "text_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->len < o->cap ? o->buf + o->len : NULL;
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static void
put_ip(struct out *o, uint32_t a)
{
    put(o, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
}

/* xtables_save_string: bare when only [_-0-9A-Za-z], else quoted with \ before " \ '. */
static void
put_string(struct out *o, const char *s)
{
    size_t n = strspn(s, "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (n > 0 && !s[n]) {
        put(o, " %s", s);
        return;
    }
    put(o, " \"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || *s == '\'')
            put(o, "\\");
        put(o, "%c", *s);
    }
    put(o, "\"");
}

static void
put_not(struct out *o, int inv)
{
    if (inv)
        put(o, " !");
}

static void
put_addr(struct out *o, char flag, uint32_t a, uint32_t m, int inv)
{
    if (!m && !inv)
        return;
    put_not(o, inv);
    put(o, " -%c ", flag);
    put_ip(o, a);
    int len = 0;
    while (len < 32 && (m & (0x80000000u >> len)))
        len++;
    uint32_t contiguous = len ? 0xFFFFFFFFu << (32 - len) : 0;
    if (m == contiguous) {
        put(o, "/%d", len);
    } else {
        put(o, "/");
        put_ip(o, m);
    }
}

static void
put_ports(struct out *o, const char *opt, const uint16_t p[2], int inv)
{
    if (p[0] == 0 && p[1] == 0xFFFF)
        return;
    put_not(o, inv);
    if (p[0] == p[1])
        put(o, " --%s %u", opt, p[0]);
    else
        put(o, " --%s %u:%u", opt, p[0], p[1]);
}

static void
put_tcp_flags(struct out *o, uint8_t f)
{
    if (!f) {
        put(o, "NONE");
        return;
    }
    int first = 1;
    for (int i = 0; i < 6; i++)
        if (f & txp_ipt__tcp_flags[i].value) {
            put(o, "%s%s", first ? "" : ",", txp_ipt__tcp_flags[i].name);
            first = 0;
        }
}

static void
put_states(struct out *o, uint16_t mask)
{
    int first = 1;
    for (int i = 0; txp_ipt__ct_states[i].name; i++)
        if (mask & txp_ipt__ct_states[i].value) {
            put(o, "%s%s", first ? "" : ",", txp_ipt__ct_states[i].name);
            first = 0;
        }
}

static void
put_rtn(struct out *o, uint16_t mask)
{
    int first = 1;
    for (int i = 0; i < 12; i++)
        if (mask & (1u << i)) {
            put(o, "%s%s", first ? "" : ",", txp_ipt__rtn_names[i]);
            first = 0;
        }
}

/* libxt_limit print_rate: the largest unit that still gives an exact-enough count. */
static void
put_rate(struct out *o, uint32_t avg)
{
    int i;
    if (!avg) {
        put(o, "0/sec");
        return;
    }
    for (i = 1; i < 4; i++)
        if (avg > txp_ipt__limit_units[i].value ||
            txp_ipt__limit_units[i].value / avg < txp_ipt__limit_units[i].value % avg)
            break;
    put(o, "%u/%s", txp_ipt__limit_units[i - 1].value / avg, txp_ipt__limit_units[i - 1].name);
}

/* iptables-nft (1.8.9, nft.c: add_nft_tcp / add_nft_udp) turns a tcp or udp match into
 * payload expressions unless it is all defaults or uses --tcp-option; iptables-save then shows
 * every such "native" match of a rule as one match, at the first one's place, each field as
 * the last native match that set it and the '!'s of all of them. Compat (non-native) matches
 * stay where they are. (parse.c already dropped what the payload form cannot express.) */
static int
tcpudp_native(const struct txp_ipt_match *m)
{
    const struct txp_ipt_m_tcpudp *t = &m->u.tcpudp;
    if (m->kind != TXP_IPT_M_TCP && m->kind != TXP_IPT_M_UDP)
        return 0;
    if (m->kind == TXP_IPT_M_UDP && (t->invflags & ~0x03u))
        return 0;
    if (m->kind == TXP_IPT_M_TCP && (t->option || (t->invflags & ~0x07u)))
        return 0;
    return t->spts[0] != 0 || t->spts[1] != 0xFFFF || t->dpts[0] != 0 || t->dpts[1] != 0xFFFF ||
           t->flg_mask || t->flg_cmp || t->invflags || t->option;
}

static void
tcpudp_merge(struct txp_ipt_m_tcpudp *acc, const struct txp_ipt_m_tcpudp *t)
{
    /* a field is overwritten by a later match that sets it; '!' bits accumulate */
    if (t->spts[0] != 0 || t->spts[1] != 0xFFFF) {
        acc->spts[0] = t->spts[0];
        acc->spts[1] = t->spts[1];
    }
    if (t->dpts[0] != 0 || t->dpts[1] != 0xFFFF) {
        acc->dpts[0] = t->dpts[0];
        acc->dpts[1] = t->dpts[1];
    }
    if (t->flg_mask) {
        acc->flg_mask = t->flg_mask;
        acc->flg_cmp = t->flg_cmp;
    }
    acc->invflags |= t->invflags;
}

static void
put_match(struct out *o, const struct txp_ipt_match *m)
{
    const char *name = txp_ipt_match_name(m->kind);
    put(o, " -m %s", name ? name : "?");
    switch (m->kind) {
    case TXP_IPT_M_TCP:
    case TXP_IPT_M_UDP: {
        const struct txp_ipt_m_tcpudp *t = &m->u.tcpudp;
        put_ports(o, "sport", t->spts, t->invflags & 0x01);
        put_ports(o, "dport", t->dpts, t->invflags & 0x02);
        if (m->kind == TXP_IPT_M_UDP)
            break;
        if (t->option || (t->invflags & 0x08)) {
            put_not(o, t->invflags & 0x08);
            put(o, " --tcp-option %u", t->option);
        }
        if (t->flg_mask || (t->invflags & 0x04)) {
            put_not(o, t->invflags & 0x04);
            put(o, " --tcp-flags ");
            put_tcp_flags(o, t->flg_mask);
            put(o, " ");
            put_tcp_flags(o, t->flg_cmp);
        }
        break;
    }
    case TXP_IPT_M_ICMP:
        put_not(o, m->u.icmp.invert);
        if (m->u.icmp.type == 0xFF) {
            put(o, " --icmp-type any");
        } else {
            put(o, " --icmp-type %u", m->u.icmp.type);
            if (m->u.icmp.code_min != 0 || m->u.icmp.code_max != 0xFF)
                put(o, "/%u", m->u.icmp.code_min);
        }
        break;
    case TXP_IPT_M_MULTIPORT: {
        const struct txp_ipt_m_multiport *mp = &m->u.multiport;
        put_not(o, mp->invert);
        put(o, " --%s ", mp->flags == 1 ? "sports" : mp->flags == 2 ? "dports" : "ports");
        for (uint8_t i = 0; i < mp->count && i < 15; i++) {
            put(o, "%s%u", i ? "," : "", mp->ports[i]);
            if (mp->pflags[i] && i + 1 < mp->count && i + 1 < 15) {
                put(o, ":%u", mp->ports[i + 1]);
                i++;
            }
        }
        break;
    }
    case TXP_IPT_M_STATE:
        put_not(o, m->u.ct.invert);
        put(o, " --state ");
        put_states(o, m->u.ct.statemask);
        break;
    case TXP_IPT_M_CONNTRACK:
        if (m->u.ct.statemask || m->u.ct.invert) {
            put_not(o, m->u.ct.invert);
            put(o, " --ctstate ");
            put_states(o, m->u.ct.statemask);
        }
        if (m->u.ct.dir)
            put(o, " --ctdir %s", m->u.ct.dir == 1 ? "ORIGINAL" : "REPLY");
        break;
    case TXP_IPT_M_MARK:
    case TXP_IPT_M_CONNMARK:
        put_not(o, m->u.mark.invert);
        put(o, " --mark 0x%x", m->u.mark.mark);
        if (m->u.mark.mask != 0xFFFFFFFFu)
            put(o, "/0x%x", m->u.mark.mask);
        break;
    case TXP_IPT_M_LENGTH:
        put_not(o, m->u.length.invert);
        if (m->u.length.min == m->u.length.max)
            put(o, " --length %u", m->u.length.min);
        else
            put(o, " --length %u:%u", m->u.length.min, m->u.length.max);
        break;
    case TXP_IPT_M_LIMIT:
        put(o, " --limit ");
        put_rate(o, m->u.limit.avg);
        if (m->u.limit.burst != 5)
            put(o, " --limit-burst %u", m->u.limit.burst);
        break;
    case TXP_IPT_M_COMMENT: {
        char txt[sizeof m->u.comment.text + 1];
        memcpy(txt, m->u.comment.text, sizeof m->u.comment.text);
        txt[sizeof m->u.comment.text] = '\0';
        put(o, " --comment");
        put_string(o, txt);
        break;
    }
    case TXP_IPT_M_IPRANGE: {
        const struct txp_ipt_m_iprange *r = &m->u.iprange;
        if (r->flags & 0x01) {
            put_not(o, r->flags & 0x10);
            put(o, " --src-range ");
            put_ip(o, r->src_min);
            put(o, "-");
            put_ip(o, r->src_max);
        }
        if (r->flags & 0x02) {
            put_not(o, r->flags & 0x20);
            put(o, " --dst-range ");
            put_ip(o, r->dst_min);
            put(o, "-");
            put_ip(o, r->dst_max);
        }
        break;
    }
    case TXP_IPT_M_ADDRTYPE: {
        const struct txp_ipt_m_addrtype *a = &m->u.addrtype;
        if (a->source) {
            put_not(o, a->flags & 1u);
            put(o, " --src-type ");
            put_rtn(o, a->source);
        }
        if (a->dest) {
            put_not(o, a->flags & 2u);
            put(o, " --dst-type ");
            put_rtn(o, a->dest);
        }
        if (a->flags & 4u)
            put(o, " --limit-iface-in");
        if (a->flags & 8u)
            put(o, " --limit-iface-out");
        break;
    }
    case TXP_IPT_M_OWNER: {
        const struct txp_ipt_m_owner *w = &m->u.owner;
        if (w->match & 4) {
            put_not(o, w->invert & 4);
            put(o, " --socket-exists");
        }
        if (w->match & 1) {
            put_not(o, w->invert & 1);
            put(o, " --uid-owner %u", w->uid_min);
            if (w->uid_max != w->uid_min)
                put(o, "-%u", w->uid_max);
        }
        if (w->match & 2) {
            put_not(o, w->invert & 2);
            put(o, " --gid-owner %u", w->gid_min);
            if (w->gid_max != w->gid_min)
                put(o, "-%u", w->gid_max);
        }
        break;
    }
    case TXP_IPT_M_TOS:
        put_not(o, m->u.tos.invert);
        put(o, " --tos 0x%02x/0x%02x", m->u.tos.value, m->u.tos.mask);
        break;
    case TXP_IPT_M_DSCP:
        put_not(o, m->u.dscp.invert);
        put(o, " --dscp 0x%02x", m->u.dscp.dscp);
        break;
    case TXP_IPT_M_TTL:
        if (m->u.ttl.mode == 1)
            put(o, " !");
        put(o, " --ttl-%s %u",
            m->u.ttl.mode <= 1   ? "eq"
            : m->u.ttl.mode == 2 ? "lt"
                                 : "gt",
            m->u.ttl.value);
        break;
    case TXP_IPT_M_PKTTYPE:
        put_not(o, m->u.pkttype.invert);
        put(o, " --pkt-type %s",
            m->u.pkttype.pkttype < 4 ? txp_ipt__pkttype_names[m->u.pkttype.pkttype] : "?");
        break;
    case TXP_IPT_M_MAC:
        put_not(o, m->u.mac.invert);
        put(o, " --mac-source %02x:%02x:%02x:%02x:%02x:%02x", m->u.mac.addr[0], m->u.mac.addr[1],
            m->u.mac.addr[2], m->u.mac.addr[3], m->u.mac.addr[4], m->u.mac.addr[5]);
        break;
    default:
        break;
    }
}

static void
put_nat(struct out *o, const struct txp_ipt_nat *n, int ports_only)
{
    if (!ports_only && (n->flags & 1u)) {
        put_ip(o, n->min_addr);
        if (n->max_addr != n->min_addr) {
            put(o, "-");
            put_ip(o, n->max_addr);
        }
    }
    if (n->flags & 2u) {
        put(o, "%s%u", ports_only ? "" : ":", n->min_port);
        if (n->max_port != n->min_port)
            put(o, "-%u", n->max_port);
    }
}

static void
put_target(struct out *o, const struct txp_ipt_table *t, const struct txp_ipt_rule *r)
{
    const struct txp_ipt_target *tg = &r->target;
    switch (tg->kind) {
    case TXP_IPT_T_NONE:
        break;
    case TXP_IPT_T_ACCEPT:
        put(o, " -j ACCEPT");
        break;
    case TXP_IPT_T_DROP:
        put(o, " -j DROP");
        break;
    case TXP_IPT_T_RETURN:
        put(o, " -j RETURN");
        break;
    case TXP_IPT_T_JUMP:
        put(o, " -%c %s", (r->ip.flags & TXP_IPT_F_GOTO) ? 'g' : 'j',
            tg->chain < t->n_chains ? t->chains[tg->chain].name : "?");
        break;
    case TXP_IPT_T_REJECT:
        put(o, " -j REJECT --reject-with %s",
            tg->u.reject_with < 9 ? txp_ipt__reject_names[tg->u.reject_with] : "?");
        break;
    case TXP_IPT_T_LOG: {
        put(o, " -j LOG");
        char pre[sizeof tg->u.log.prefix + 1];
        memcpy(pre, tg->u.log.prefix, sizeof tg->u.log.prefix);
        pre[sizeof tg->u.log.prefix] = '\0';
        if (pre[0]) {
            put(o, " --log-prefix");
            put_string(o, pre);
        }
        if (tg->u.log.level != 4)
            put(o, " --log-level %u", tg->u.log.level);
        static const struct {
            uint8_t bit;
            const char *name;
        } lf[] = {{0x01, "--log-tcp-sequence"},
                  {0x02, "--log-tcp-options"},
                  {0x04, "--log-ip-options"},
                  {0x08, "--log-uid"},
                  {0x20, "--log-macdecode"}};
        for (size_t i = 0; i < sizeof lf / sizeof lf[0]; i++)
            if (tg->u.log.flags & lf[i].bit)
                put(o, " %s", lf[i].name);
        break;
    }
    case TXP_IPT_T_MARK:
        put(o, " -j MARK --set-xmark 0x%x/0x%x", tg->u.mark.value, tg->u.mark.mask);
        break;
    case TXP_IPT_T_CONNMARK:
        if (tg->u.connmark.mode == 0)
            put(o, " -j CONNMARK --set-xmark 0x%x/0x%x", tg->u.connmark.ctmark,
                tg->u.connmark.ctmask);
        else
            put(o, " -j CONNMARK --%s-mark --nfmask 0x%x --ctmask 0x%x",
                tg->u.connmark.mode == 1 ? "save" : "restore", tg->u.connmark.nfmask,
                tg->u.connmark.ctmask);
        break;
    case TXP_IPT_T_TOS:
        put(o, " -j TOS --set-tos 0x%02x/0x%02x", tg->u.tos.value, tg->u.tos.mask);
        break;
    case TXP_IPT_T_DSCP:
        put(o, " -j DSCP --set-dscp 0x%02x", tg->u.dscp);
        break;
    case TXP_IPT_T_TTL:
        put(o, " -j TTL --ttl-%s %u",
            tg->u.ttl.mode == 0   ? "set"
            : tg->u.ttl.mode == 1 ? "inc"
                                  : "dec",
            tg->u.ttl.value);
        break;
    case TXP_IPT_T_NOTRACK:
        put(o, tg->u.ct.zone == TXP_IPT_NOTRACK_VIA_CT ? " -j CT --notrack" : " -j NOTRACK");
        break;
    case TXP_IPT_T_CT:
        put(o, " -j CT");
        if (tg->u.ct.zone)
            put(o, " --zone %u", tg->u.ct.zone);
        break;
    case TXP_IPT_T_SNAT:
    case TXP_IPT_T_DNAT:
        put(o, tg->kind == TXP_IPT_T_SNAT ? " -j SNAT --to-source " : " -j DNAT --to-destination ");
        put_nat(o, &tg->u.nat, 0);
        if (tg->u.nat.flags & 4u)
            put(o, " --random");
        if (tg->u.nat.flags & 16u)
            put(o, " --random-fully");
        if (tg->u.nat.flags & 8u)
            put(o, " --persistent");
        break;
    case TXP_IPT_T_MASQUERADE:
    case TXP_IPT_T_REDIRECT:
        put(o, tg->kind == TXP_IPT_T_MASQUERADE ? " -j MASQUERADE" : " -j REDIRECT");
        if (tg->u.nat.flags & 2u) {
            put(o, " --to-ports ");
            put_nat(o, &tg->u.nat, 1);
        }
        if (tg->u.nat.flags & 4u)
            put(o, " --random");
        if (tg->u.nat.flags & 16u)
            put(o, " --random-fully");
        break;
    default:
        break;
    }
}

static void
put_iface(struct out *o, char flag, const char name[TXP_IPT_IFNAMSIZ], int inv)
{
    char n[TXP_IPT_IFNAMSIZ + 1];
    memcpy(n, name, TXP_IPT_IFNAMSIZ);
    n[TXP_IPT_IFNAMSIZ] = '\0';
    if (!n[0])
        return;
    put_not(o, inv);
    put(o, " -%c %s", flag, n);
}

static void
put_rule(struct out *o, const struct txp_ipt_table *t, const struct txp_ipt_chain *c,
         const struct txp_ipt_rule *r)
{
    const struct txp_ipt_ip *ip = &r->ip;
    put(o, "-A %s", c->name);
    put_addr(o, 's', ip->src, ip->smsk, ip->invflags & TXP_IPT_INV_SRCIP);
    put_addr(o, 'd', ip->dst, ip->dmsk, ip->invflags & TXP_IPT_INV_DSTIP);
    put_iface(o, 'i', ip->iniface, ip->invflags & TXP_IPT_INV_VIA_IN);
    put_iface(o, 'o', ip->outiface, ip->invflags & TXP_IPT_INV_VIA_OUT);
    if (ip->proto || (ip->invflags & TXP_IPT_INV_PROTO)) {
        put_not(o, ip->invflags & TXP_IPT_INV_PROTO);
        const char *pn = txp_ipt__name_of(txp_ipt__protos, ip->proto);
        if (pn)
            put(o, " -p %s", pn);
        else
            put(o, " -p %u", ip->proto);
    }
    if (ip->flags & TXP_IPT_F_FRAG) {
        put_not(o, ip->invflags & TXP_IPT_INV_FRAG);
        put(o, " -f");
    }
    for (uint32_t i = 0; i < r->n_matches; i++) {
        const struct txp_ipt_match *m = &r->matches[i];
        if (!tcpudp_native(m)) {
            put_match(o, m);
            continue;
        }
        int first = 1;
        for (uint32_t k = 0; k < i && first; k++)
            if (r->matches[k].kind == m->kind && tcpudp_native(&r->matches[k]))
                first = 0;
        if (!first)
            continue;
        struct txp_ipt_match merged = *m;
        for (uint32_t k = i + 1; k < r->n_matches; k++)
            if (r->matches[k].kind == m->kind && tcpudp_native(&r->matches[k]))
                tcpudp_merge(&merged.u.tcpudp, &r->matches[k].u.tcpudp);
        put_match(o, &merged);
    }
    put_target(o, t, r);
}

/* Print order of a table's chains: built-ins as stored (hook order), user chains by name. */
static uint32_t *
chain_order(const struct txp_ipt_table *t)
{
    uint32_t *ord = malloc((t->n_chains ? t->n_chains : 1) * sizeof *ord);
    if (!ord)
        return NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->n_chains; i++)
        if (t->chains[i].builtin)
            ord[n++] = i;
    uint32_t first_user = n;
    for (uint32_t i = 0; i < t->n_chains; i++) {
        if (t->chains[i].builtin)
            continue;
        uint32_t k = n++;
        while (k > first_user && strcmp(t->chains[ord[k - 1]].name, t->chains[i].name) > 0) {
            ord[k] = ord[k - 1];
            k--;
        }
        ord[k] = i;
    }
    return ord;
}

static const char *const policy_names[] = {"-", "ACCEPT", "DROP"};

size_t
txp_ipt_print(const struct txp_ipt_ruleset *rs, const struct txp_ipt_print_opts *opts, char *out,
              size_t cap)
{
    static const enum txp_ipt_table_id nft_order[TXP_IPT_TABLE_COUNT] = {
        TXP_IPT_MANGLE, TXP_IPT_SECURITY, TXP_IPT_RAW, TXP_IPT_FILTER, TXP_IPT_NAT};
    struct out o = {out, cap, 0};
    const char *when = opts && opts->when ? opts->when : "Thu Jan  1 00:00:00 1970";
    int counters = opts ? opts->counters : 0, comments = opts ? opts->comments : 0;
    if (cap)
        out[0] = '\0';
    for (int ti = 0; ti < TXP_IPT_TABLE_COUNT; ti++) {
        enum txp_ipt_table_id id = nft_order[ti];
        const struct txp_ipt_table *t = &rs->tables[id];
        if (!t->present)
            continue;
        uint32_t *ord = chain_order(t);
        if (!ord)
            continue;
        if (comments)
            put(&o, "# Generated by iptables-save v1.8.9 (nf_tables) on %s\n", when);
        put(&o, "*%s\n", txp_ipt_table_name(id));
        for (uint32_t k = 0; k < t->n_chains; k++) {
            const struct txp_ipt_chain *c = &t->chains[ord[k]];
            if (c->builtin)
                put(&o, ":%s %s [%llu:%llu]\n", c->name,
                    policy_names[c->policy == TXP_IPT_T_DROP ? 2 : 1],
                    (unsigned long long)c->cnt.pkts, (unsigned long long)c->cnt.bytes);
            else
                put(&o, ":%s - [0:0]\n", c->name);
        }
        for (uint32_t k = 0; k < t->n_chains; k++) {
            const struct txp_ipt_chain *c = &t->chains[ord[k]];
            for (uint32_t r = 0; r < c->n_rules; r++) {
                if (counters)
                    put(&o, "[%llu:%llu] ", (unsigned long long)c->rules[r].cnt.pkts,
                        (unsigned long long)c->rules[r].cnt.bytes);
                put_rule(&o, t, c, &c->rules[r]);
                put(&o, "\n");
            }
        }
        put(&o, "COMMIT\n");
        if (comments)
            put(&o, "# Completed on %s\n", when);
        free(ord);
    }
    return o.len;
}

size_t
txp_ipt_print_rule(const struct txp_ipt_ruleset *rs, enum txp_ipt_table_id t, uint32_t chain,
                   uint32_t rule, char *out, size_t cap)
{
    struct out o = {out, cap, 0};
    if (cap)
        out[0] = '\0';
    if ((unsigned)t >= TXP_IPT_TABLE_COUNT || chain >= rs->tables[t].n_chains ||
        rule >= rs->tables[t].chains[chain].n_rules)
        return 0;
    const struct txp_ipt_chain *c = &rs->tables[t].chains[chain];
    put_rule(&o, &rs->tables[t], c, &c->rules[rule]);
    return o.len;
}
