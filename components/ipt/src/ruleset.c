/* SPDX-License-Identifier: MIT */
/*
 * ruleset.c: the ruleset model's lifecycle (init, fini, clone, zero counters), chain lookup,
 * and the name tables the text layer shares (table, hook and match names; protocol, TCP flag,
 * conntrack state, route type, REJECT and pkttype names).
 *
 * Layout: a ruleset holds the five tables; a table owns an array of chains, the built-in ones
 * first in hook order (net/ipv4/netfilter/iptable_*.c: each table's valid_hooks), then user
 * chains in declaration order; a chain owns an array of rules; a rule owns its matches.
 *
 * Entry points: txp_ipt_ruleset_init/fini/clone/zero_counters, txp_ipt_chain_find,
 * txp_ipt_table_name/hook_name/table_hooks/match_name; private growth helpers in text_int.h.
 *
 * References: include/uapi/linux/netfilter.h (NF_INET_* hook numbers), iptables
 * libxtables/xtables.c (xtables_chain_protos), /etc/protocols (IANA protocol numbers).
 */
#include "text_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const table_names[TXP_IPT_TABLE_COUNT] = {"raw", "mangle", "nat", "filter",
                                                             "security"};
static const char *const hook_names[TXP_IPT_HOOK_COUNT] = {"PREROUTING", "INPUT", "FORWARD",
                                                           "OUTPUT", "POSTROUTING"};

#define HB(h) (1u << (h))
static const unsigned table_hooks[TXP_IPT_TABLE_COUNT] = {
    HB(TXP_IPT_PREROUTING) | HB(TXP_IPT_OUTPUT),
    HB(TXP_IPT_PREROUTING) | HB(TXP_IPT_INPUT) | HB(TXP_IPT_FORWARD) | HB(TXP_IPT_OUTPUT) |
        HB(TXP_IPT_POSTROUTING),
    HB(TXP_IPT_PREROUTING) | HB(TXP_IPT_INPUT) | HB(TXP_IPT_OUTPUT) | HB(TXP_IPT_POSTROUTING),
    HB(TXP_IPT_INPUT) | HB(TXP_IPT_FORWARD) | HB(TXP_IPT_OUTPUT),
    HB(TXP_IPT_INPUT) | HB(TXP_IPT_FORWARD) | HB(TXP_IPT_OUTPUT),
};

static const char *const match_names[] = {
    NULL,    "tcp",      "udp",    "icmp",  "multiport", "state",   "conntrack",
    "mark",  "connmark", "length", "limit", "comment",   "iprange", "addrtype",
    "owner", "tos",      "dscp",   "ttl",   "pkttype",   "mac",
};

const char *
txp_ipt_table_name(enum txp_ipt_table_id t)
{
    return (unsigned)t < TXP_IPT_TABLE_COUNT ? table_names[t] : NULL;
}

const char *
txp_ipt_hook_name(enum txp_ipt_hook h)
{
    return (unsigned)h < TXP_IPT_HOOK_COUNT ? hook_names[h] : NULL;
}

unsigned
txp_ipt_table_hooks(enum txp_ipt_table_id t)
{
    return (unsigned)t < TXP_IPT_TABLE_COUNT ? table_hooks[t] : 0u;
}

const char *
txp_ipt_match_name(enum txp_ipt_match_kind k)
{
    if ((unsigned)k == 0 || (unsigned)k >= sizeof match_names / sizeof match_names[0])
        return NULL;
    return match_names[k];
}

/* ---------------------------------------------------------------- shared name tables */

/* iptables prints its own short list first (xtables_chain_protos), then /etc/protocols names;
 * parsing accepts all of them. */
const struct txp_ipt__name txp_ipt__protos[] = {
    {"tcp", 6},          {"sctp", 132},      {"udp", 17},
    {"udplite", 136},    {"icmp", 1},        {"ipv6-icmp", 58},
    {"esp", 50},         {"ah", 51},         {"mh", 135},
    {"all", 0},          {"ip", 0},          {"hopopt", 0},
    {"igmp", 2},         {"ggp", 3},         {"ipencap", 4},
    {"st", 5},           {"egp", 8},         {"igp", 9},
    {"pup", 12},         {"hmp", 20},        {"xns-idp", 22},
    {"rdp", 27},         {"iso-tp4", 29},    {"dccp", 33},
    {"xtp", 36},         {"ddp", 37},        {"idpr-cmtp", 38},
    {"ipv6", 41},        {"ipv6-route", 43}, {"ipv6-frag", 44},
    {"idrp", 45},        {"rsvp", 46},       {"gre", 47},
    {"skip", 57},        {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
    {"rspf", 73},        {"vmtp", 81},       {"eigrp", 88},
    {"ospf", 89},        {"ax.25", 93},      {"ipip", 94},
    {"etherip", 97},     {"encap", 98},      {"pim", 103},
    {"ipcomp", 108},     {"vrrp", 112},      {"l2tp", 115},
    {"isis", 124},       {"fc", 133},        {"mobility-header", 135},
    {"mpls-in-ip", 137}, {"manet", 138},     {"hip", 139},
    {"shim6", 140},      {"wesp", 141},      {"rohc", 142},
    {"ethernet", 143},   {NULL, 0},
};

const struct txp_ipt__name txp_ipt__tcp_flags[] = {
    {"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08}, {"ACK", 0x10},
    {"URG", 0x20}, {"ALL", 0x3F}, {"NONE", 0},   {NULL, 0},
};

const struct txp_ipt__name txp_ipt__ct_states[] = {
    {"INVALID", TXP_IPT_CT_INVALID},     {"NEW", TXP_IPT_CT_NEW},
    {"RELATED", TXP_IPT_CT_RELATED},     {"ESTABLISHED", TXP_IPT_CT_ESTABLISHED},
    {"UNTRACKED", TXP_IPT_CT_UNTRACKED}, {"SNAT", TXP_IPT_CT_SNAT},
    {"DNAT", TXP_IPT_CT_DNAT},           {NULL, 0},
};

const char *const txp_ipt__rtn_names[12] = {
    "UNSPEC",    "UNICAST",     "LOCAL",    "BROADCAST", "ANYCAST", "MULTICAST",
    "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW",     "NAT",     "XRESOLVE",
};

const char *const txp_ipt__reject_names[9] = {
    "icmp-net-unreachable",   "icmp-host-unreachable",
    "icmp-proto-unreachable", "icmp-port-unreachable",
    "icmp-echo-reply",        "icmp-net-prohibited",
    "icmp-host-prohibited",   "tcp-reset",
    "icmp-admin-prohibited",
};

const char *const txp_ipt__pkttype_names[4] = {"unicast", "broadcast", "multicast", "otherhost"};

/* XT_LIMIT_SCALE (10000) units per period: iptables libxt_limit's rates[] */
const struct txp_ipt__name txp_ipt__limit_units[4] = {
    {"day", 10000u * 24u * 60u * 60u},
    {"hour", 10000u * 60u * 60u},
    {"min", 10000u * 60u},
    {"sec", 10000u},
};

static int
ascii_icase_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

int
txp_ipt__name_find(const struct txp_ipt__name *t, const char *name, int icase)
{
    for (int i = 0; t[i].name; i++)
        if (icase ? ascii_icase_eq(t[i].name, name) : !strcmp(t[i].name, name))
            return i;
    return -1;
}

const char *
txp_ipt__name_of(const struct txp_ipt__name *t, uint32_t value)
{
    for (int i = 0; t[i].name; i++)
        if (t[i].value == value)
            return t[i].name;
    return NULL;
}

/* ---------------------------------------------------------------- lifecycle */

static void
chain_free(struct txp_ipt_chain *c)
{
    for (uint32_t i = 0; i < c->n_rules; i++)
        free(c->rules[i].matches);
    free(c->rules);
    c->rules = NULL;
    c->n_rules = c->cap_rules = 0;
}

void
txp_ipt__table_free(struct txp_ipt_table *t)
{
    for (uint32_t i = 0; i < t->n_chains; i++)
        chain_free(&t->chains[i]);
    free(t->chains);
    t->chains = NULL;
    t->n_chains = t->cap_chains = 0;
}

int
txp_ipt__table_reset(struct txp_ipt_table *t, enum txp_ipt_table_id id)
{
    unsigned hooks = table_hooks[id];
    struct txp_ipt_chain *c = calloc(TXP_IPT_HOOK_COUNT, sizeof *c);
    if (!c)
        return TXP_ENOMEM;
    uint32_t n = 0;
    for (unsigned h = 0; h < TXP_IPT_HOOK_COUNT; h++) {
        if (!(hooks & (1u << h)))
            continue;
        strcpy(c[n].name, hook_names[h]);
        c[n].builtin = 1;
        c[n].hook = (uint8_t)h;
        c[n].policy = TXP_IPT_T_ACCEPT;
        n++;
    }
    uint8_t order = t->order;
    txp_ipt__table_free(t);
    t->chains = c;
    t->n_chains = n;
    t->cap_chains = TXP_IPT_HOOK_COUNT;
    t->present = 0;
    t->order = order;
    return TXP_OK;
}

int
txp_ipt_ruleset_init(struct txp_ipt_ruleset *rs)
{
    memset(rs, 0, sizeof *rs);
    for (int i = 0; i < TXP_IPT_TABLE_COUNT; i++) {
        rs->tables[i].order = (uint8_t)i;
        if (txp_ipt__table_reset(&rs->tables[i], (enum txp_ipt_table_id)i) != TXP_OK) {
            txp_ipt_ruleset_fini(rs);
            return TXP_ENOMEM;
        }
    }
    return TXP_OK;
}

void
txp_ipt_ruleset_fini(struct txp_ipt_ruleset *rs)
{
    if (!rs)
        return;
    for (int i = 0; i < TXP_IPT_TABLE_COUNT; i++)
        txp_ipt__table_free(&rs->tables[i]);
}

int
txp_ipt__table_clone(struct txp_ipt_table *dst, const struct txp_ipt_table *src)
{
    *dst = *src;
    dst->chains = NULL;
    dst->n_chains = dst->cap_chains = 0;
    if (!src->n_chains)
        return TXP_OK;
    dst->chains = calloc(src->n_chains, sizeof *dst->chains);
    if (!dst->chains)
        return TXP_ENOMEM;
    dst->cap_chains = src->n_chains;
    for (uint32_t i = 0; i < src->n_chains; i++) {
        const struct txp_ipt_chain *sc = &src->chains[i];
        struct txp_ipt_chain *dc = &dst->chains[i];
        *dc = *sc;
        dc->rules = NULL;
        dc->n_rules = dc->cap_rules = 0;
        dst->n_chains = i + 1;
        for (uint32_t r = 0; r < sc->n_rules; r++) {
            if (txp_ipt__rule_insert(dc, r, &sc->rules[r]) != TXP_OK) {
                txp_ipt__table_free(dst);
                return TXP_ENOMEM;
            }
        }
    }
    return TXP_OK;
}

int
txp_ipt_ruleset_clone(struct txp_ipt_ruleset *dst, const struct txp_ipt_ruleset *src)
{
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < TXP_IPT_TABLE_COUNT; i++) {
        if (txp_ipt__table_clone(&dst->tables[i], &src->tables[i]) != TXP_OK) {
            txp_ipt_ruleset_fini(dst);
            return TXP_ENOMEM;
        }
    }
    return TXP_OK;
}

void
txp_ipt_ruleset_zero_counters(struct txp_ipt_ruleset *rs)
{
    for (int i = 0; i < TXP_IPT_TABLE_COUNT; i++) {
        struct txp_ipt_table *t = &rs->tables[i];
        for (uint32_t c = 0; c < t->n_chains; c++) {
            t->chains[c].cnt.pkts = t->chains[c].cnt.bytes = 0;
            for (uint32_t r = 0; r < t->chains[c].n_rules; r++)
                t->chains[c].rules[r].cnt.pkts = t->chains[c].rules[r].cnt.bytes = 0;
        }
    }
}

int
txp_ipt_chain_find(const struct txp_ipt_table *t, const char *name)
{
    for (uint32_t i = 0; i < t->n_chains; i++)
        if (!strcmp(t->chains[i].name, name))
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- growth helpers */

int
txp_ipt__chain_add(struct txp_ipt_table *t, const char *name)
{
    if (strlen(name) > TXP_IPT_CHAIN_MAXLEN)
        return TXP_EINVAL;
    if (t->n_chains == t->cap_chains) {
        uint32_t cap = t->cap_chains ? t->cap_chains * 2u : 8u;
        struct txp_ipt_chain *nc = realloc(t->chains, cap * sizeof *nc);
        if (!nc)
            return TXP_ENOMEM;
        t->chains = nc;
        t->cap_chains = cap;
    }
    struct txp_ipt_chain *c = &t->chains[t->n_chains];
    memset(c, 0, sizeof *c);
    strcpy(c->name, name);
    c->policy = TXP_IPT_T_RETURN;
    return (int)t->n_chains++;
}

int
txp_ipt__rule_insert(struct txp_ipt_chain *c, uint32_t pos, const struct txp_ipt_rule *r)
{
    if (pos > c->n_rules)
        return TXP_EINVAL;
    if (c->n_rules == c->cap_rules) {
        uint32_t cap = c->cap_rules ? c->cap_rules * 2u : 8u;
        struct txp_ipt_rule *nr = realloc(c->rules, cap * sizeof *nr);
        if (!nr)
            return TXP_ENOMEM;
        c->rules = nr;
        c->cap_rules = cap;
    }
    struct txp_ipt_match *m = NULL;
    if (r->n_matches) {
        m = malloc(r->n_matches * sizeof *m);
        if (!m)
            return TXP_ENOMEM;
        memcpy(m, r->matches, r->n_matches * sizeof *m);
    }
    memmove(&c->rules[pos + 1], &c->rules[pos], (c->n_rules - pos) * sizeof *c->rules);
    c->rules[pos] = *r;
    c->rules[pos].matches = m;
    c->n_rules++;
    return TXP_OK;
}
