/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target ipt_eval: the compiled fast path (compile.c) against the reference interpreter
 * (eval.c) on random rulesets and packets.
 *
 * Input layout: a byte feeder (reads past the end give 0). The first bytes build a ruleset
 * through the model (txp_ipt_ruleset_init, then chains and rules filled in code): which tables
 * are present, up to three user chains per table, up to 47 rules per chain with addresses,
 * masks (prefixes, non-contiguous ones, bits outside the mask), interfaces ("eth0", "eth+",
 * "lo"), protocols, -f, every inversion flag, zero to three matches of every kind and a target
 * of every kind, jumps and gotos to later user chains (chains form a DAG, so no walk loops),
 * RETURN, policies. Then up to 24 packets: TCP, UDP, ICMP, GRE with IP options, fragments,
 * truncated L4 headers, odd total lengths, and metadata (devices, mark, ctmark, ctstate and
 * direction, nat_first and a binding, socket owner, pkttype, MAC, masquerade/redirect
 * addresses) and a clock step; each packet goes to one table's chain (txp_ipt_do_table) or a
 * whole hook (txp_ipt_do_hook).
 *
 * Oracle: the interpreter runs on one clone of the ruleset, the compiled form (built on the
 * other clone) on another copy of the packet and metadata. Trap unless return codes, verdicts
 * (every field), rewritten bytes, metadata, LOG lines (count and a hash), and afterwards every
 * rule's and chain's counters and every limit's state are equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/ipt.h"

struct feeder {
    const uint8_t *p;
    size_t n, i;
};

static uint8_t
u8(struct feeder *f)
{
    return f->i < f->n ? f->p[f->i++] : 0;
}

static uint16_t
u16(struct feeder *f)
{
    uint16_t a = u8(f);
    return (uint16_t)(a << 8 | u8(f));
}

static uint32_t
u32(struct feeder *f)
{
    uint32_t a = u16(f);
    return a << 16 | u16(f);
}

static uint32_t
pick(struct feeder *f, uint32_t n)
{
    return n ? u8(f) % n : 0;
}

static const uint32_t addr_pool[] = {0x0A000001, 0x0A000002, 0x0A0000FE, 0x0A010203,
                                     0xC0A80001, 0xC0A80164, 0x7F000001, 0xE0000001,
                                     0xFFFFFFFF, 0x00000000, 0x08080808, 0xAC100005};
static const uint32_t mask_pool[] = {0x00000000, 0xFF000000, 0xFFFF0000, 0xFFFFFF00,
                                     0xFFFFFFFF, 0xFFFFFFFE, 0xFF00FF00, 0xFFFFFFF0};
static const uint16_t port_pool[] = {0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 40000, 65535};
static const char *const dev_pool[] = {"", "eth0", "eth1", "lo", "veth0"};

static uint32_t
addr(struct feeder *f)
{
    uint32_t a = addr_pool[pick(f, sizeof addr_pool / sizeof addr_pool[0])];
    uint8_t r = u8(f);
    return r < 200 ? a : a ^ (uint32_t)u8(f);
}

static uint16_t
port(struct feeder *f)
{
    uint8_t r = u8(f);
    return r < 220 ? port_pool[r % (sizeof port_pool / sizeof port_pool[0])] : u16(f);
}

/* xtables_parse_interface: "eth+" masks the prefix, a plain name masks name + NUL. */
static void
iface(struct feeder *f, char *name, uint8_t *mask)
{
    static const char *const names[] = {"", "eth0", "eth+", "lo", "+", "veth0", "e"};
    const char *s = names[pick(f, sizeof names / sizeof names[0])];
    size_t l = strlen(s);
    memset(name, 0, TXP_IPT_IFNAMSIZ);
    memset(mask, 0, TXP_IPT_IFNAMSIZ);
    if (l == 0)
        return;
    memcpy(name, s, l);
    if (s[l - 1] == '+') {
        name[l - 1] = 0;
        memset(mask, 0xFF, l - 1);
    } else {
        memset(mask, 0xFF, l + 1);
    }
}

static void
gen_match(struct feeder *f, struct txp_ipt_match *m, uint16_t proto)
{
    memset(m, 0, sizeof *m);
    uint8_t k = (uint8_t)(1 + pick(f, TXP_IPT_M_MAC));
    /* bias towards the classified matches: the one that fits the protocol */
    if (u8(f) < 100 && (proto == 6 || proto == 17))
        k = proto == 6 ? TXP_IPT_M_TCP : TXP_IPT_M_UDP;
    m->kind = (enum txp_ipt_match_kind)k;
    switch (m->kind) {
    case TXP_IPT_M_TCP:
    case TXP_IPT_M_UDP: {
        struct txp_ipt_m_tcpudp *t = &m->u.tcpudp;
        uint16_t a = port(f), b = port(f);
        t->spts[0] = 0, t->spts[1] = 65535, t->dpts[0] = 0, t->dpts[1] = 65535;
        uint8_t how = u8(f);
        if (how & 1)
            t->dpts[0] = a < b ? a : b, t->dpts[1] = a < b ? b : a;
        if (how & 2)
            t->spts[0] = t->spts[1] = port(f);
        if (how & 4) /* an empty range */
            t->dpts[0] = b, t->dpts[1] = a;
        if (m->kind == TXP_IPT_M_TCP && (how & 8)) {
            t->flg_mask = u8(f);
            t->flg_cmp = u8(f) & t->flg_mask;
        }
        if (m->kind == TXP_IPT_M_TCP && (how & 16))
            t->option = u8(f) % 8;
        t->invflags = (how & 32) ? u8(f) & (m->kind == TXP_IPT_M_TCP ? 0x0F : 0x03) : 0;
        break;
    }
    case TXP_IPT_M_ICMP:
        m->u.icmp.type = u8(f) < 200 ? (uint8_t)(pick(f, 2) ? 8 : 0) : u8(f);
        m->u.icmp.code_min = 0;
        m->u.icmp.code_max = u8(f) < 200 ? 255 : u8(f);
        m->u.icmp.invert = u8(f) & 1;
        break;
    case TXP_IPT_M_MULTIPORT: {
        struct txp_ipt_m_multiport *mp = &m->u.multiport;
        mp->flags = (uint8_t)(1 + pick(f, 3));
        mp->count = (uint8_t)(1 + pick(f, 15));
        mp->invert = u8(f) & 1;
        for (uint8_t i = 0; i < mp->count; i++) {
            mp->ports[i] = port(f);
            if (i + 1 < mp->count && i < 14 && (u8(f) & 3) == 0) {
                mp->pflags[i] = 1;
                mp->ports[i + 1] = (uint16_t)(mp->ports[i] + u8(f));
                i++;
            }
        }
        break;
    }
    case TXP_IPT_M_STATE:
    case TXP_IPT_M_CONNTRACK:
        m->u.ct.statemask = (uint16_t)(u16(f) & 0x1CF);
        m->u.ct.invert = u8(f) & 1;
        m->u.ct.dir = m->kind == TXP_IPT_M_CONNTRACK ? (uint8_t)pick(f, 3) : 0;
        break;
    case TXP_IPT_M_MARK:
    case TXP_IPT_M_CONNMARK:
        m->u.mark.mask = u8(f) < 128 ? 0xFFFFFFFF : u32(f);
        m->u.mark.mark = (uint32_t)pick(f, 4) & m->u.mark.mask;
        m->u.mark.invert = u8(f) & 1;
        break;
    case TXP_IPT_M_LENGTH:
        m->u.length.min = (uint16_t)(u8(f) % 64);
        m->u.length.max = (uint16_t)(m->u.length.min + u8(f));
        m->u.length.invert = u8(f) & 1;
        break;
    case TXP_IPT_M_LIMIT:
        m->u.limit.avg = 1 + (uint32_t)u16(f) * 100u;
        m->u.limit.burst = 1 + pick(f, 6);
        break;
    case TXP_IPT_M_COMMENT:
        strcpy(m->u.comment.text, "fuzz");
        break;
    case TXP_IPT_M_IPRANGE:
        m->u.iprange.src_min = addr(f);
        m->u.iprange.src_max = m->u.iprange.src_min + u8(f);
        m->u.iprange.dst_min = addr(f);
        m->u.iprange.dst_max = m->u.iprange.dst_min + u8(f);
        m->u.iprange.flags = u8(f) & 0x33;
        break;
    case TXP_IPT_M_ADDRTYPE:
        m->u.addrtype.source = (uint16_t)(u16(f) & 0x0FFF);
        m->u.addrtype.dest = (uint16_t)(u16(f) & 0x0FFF);
        m->u.addrtype.flags = u8(f) & 0x0F;
        break;
    case TXP_IPT_M_OWNER:
        m->u.owner.uid_min = pick(f, 3);
        m->u.owner.uid_max = m->u.owner.uid_min + pick(f, 2);
        m->u.owner.gid_min = pick(f, 3);
        m->u.owner.gid_max = m->u.owner.gid_min + pick(f, 2);
        m->u.owner.match = u8(f) & 7;
        m->u.owner.invert = u8(f) & m->u.owner.match;
        break;
    case TXP_IPT_M_TOS:
        m->u.tos.value = u8(f);
        m->u.tos.mask = u8(f);
        m->u.tos.value &= m->u.tos.mask;
        m->u.tos.invert = u8(f) & 1;
        break;
    case TXP_IPT_M_DSCP:
        m->u.dscp.dscp = u8(f) & 0x3F;
        m->u.dscp.invert = u8(f) & 1;
        break;
    case TXP_IPT_M_TTL:
        m->u.ttl.mode = (uint8_t)pick(f, 4);
        m->u.ttl.value = u8(f);
        break;
    case TXP_IPT_M_PKTTYPE:
        m->u.pkttype.pkttype = (uint8_t)pick(f, 4);
        m->u.pkttype.invert = u8(f) & 1;
        break;
    case TXP_IPT_M_MAC:
        for (int i = 0; i < 6; i++)
            m->u.mac.addr[i] = (uint8_t)pick(f, 2);
        m->u.mac.invert = u8(f) & 1;
        break;
    default:
        break;
    }
}

static void
gen_target(struct feeder *f, struct txp_ipt_rule *r, const struct txp_ipt_table *tab,
           uint32_t chain, uint32_t n_builtin)
{
    struct txp_ipt_target *t = &r->target;
    memset(t, 0, sizeof *t);
    uint8_t k = (uint8_t)pick(f, TXP_IPT_T_REDIRECT + 1);
    /* mostly the common ones */
    if (u8(f) < 140)
        k = (uint8_t)pick(f, TXP_IPT_T_JUMP + 1);
    t->kind = (enum txp_ipt_target_kind)k;
    switch (t->kind) {
    case TXP_IPT_T_JUMP: {
        /* only to a later user chain: the chains form a DAG */
        uint32_t first = chain < n_builtin ? n_builtin : chain + 1;
        if (first >= tab->n_chains) {
            t->kind = TXP_IPT_T_NONE;
            break;
        }
        t->chain = first + pick(f, tab->n_chains - first);
        if (u8(f) < 64)
            r->ip.flags |= TXP_IPT_F_GOTO;
        break;
    }
    case TXP_IPT_T_REJECT:
        t->u.reject_with = (uint8_t)pick(f, 9);
        break;
    case TXP_IPT_T_LOG:
        t->u.log.level = (uint8_t)pick(f, 8);
        t->u.log.flags = u8(f) & 0x0F;
        strcpy(t->u.log.prefix, "fz: ");
        break;
    case TXP_IPT_T_MARK:
        t->u.mark.value = pick(f, 4);
        t->u.mark.mask = u8(f) < 128 ? 0xFFFFFFFF : u32(f);
        break;
    case TXP_IPT_T_CONNMARK:
        t->u.connmark.mode = (uint8_t)pick(f, 3);
        t->u.connmark.ctmark = pick(f, 4);
        t->u.connmark.ctmask = u8(f) < 128 ? 0xFFFFFFFF : u32(f);
        t->u.connmark.nfmask = u8(f) < 128 ? 0xFFFFFFFF : u32(f);
        break;
    case TXP_IPT_T_TOS:
        t->u.tos.value = u8(f);
        t->u.tos.mask = u8(f);
        break;
    case TXP_IPT_T_DSCP:
        t->u.dscp = u8(f) & 0x3F;
        break;
    case TXP_IPT_T_TTL:
        t->u.ttl.mode = (uint8_t)pick(f, 3);
        t->u.ttl.value = u8(f);
        break;
    case TXP_IPT_T_CT:
        t->u.ct.zone = (uint16_t)pick(f, 3);
        break;
    case TXP_IPT_T_SNAT:
    case TXP_IPT_T_DNAT:
    case TXP_IPT_T_MASQUERADE:
    case TXP_IPT_T_REDIRECT:
        t->u.nat.flags = u8(f) & 0x1F;
        t->u.nat.min_addr = addr(f);
        t->u.nat.max_addr = t->u.nat.min_addr + pick(f, 4);
        t->u.nat.min_port = port(f);
        t->u.nat.max_port = (uint16_t)(t->u.nat.min_port + pick(f, 8));
        if (t->u.nat.max_port < t->u.nat.min_port)
            t->u.nat.max_port = t->u.nat.min_port;
        break;
    case TXP_IPT_T_NONE:
    case TXP_IPT_T_ACCEPT:
    case TXP_IPT_T_DROP:
    case TXP_IPT_T_RETURN:
    case TXP_IPT_T_NOTRACK:
    default:
        break;
    }
}

/* One rule; @return 0 or -1 (no memory). */
static int
gen_rule(struct feeder *f, struct txp_ipt_rule *r, const struct txp_ipt_table *tab, uint32_t chain,
         uint32_t n_builtin)
{
    memset(r, 0, sizeof *r);
    struct txp_ipt_ip *ip = &r->ip;
    uint8_t which = u8(f);
    if (which & 1) {
        ip->smsk = mask_pool[pick(f, sizeof mask_pool / sizeof mask_pool[0])];
        ip->src = addr(f);
        if (u8(f) < 230)
            ip->src &= ip->smsk;
    }
    if (which & 2) {
        ip->dmsk = mask_pool[pick(f, sizeof mask_pool / sizeof mask_pool[0])];
        ip->dst = addr(f);
        if (u8(f) < 230)
            ip->dst &= ip->dmsk;
    }
    if (which & 4)
        iface(f, ip->iniface, ip->iniface_mask);
    if (which & 8)
        iface(f, ip->outiface, ip->outiface_mask);
    static const uint16_t protos[] = {0, 6, 17, 1, 6, 17, 47, 300};
    ip->proto = protos[pick(f, sizeof protos / sizeof protos[0])];
    if (which & 16)
        ip->flags |= TXP_IPT_F_FRAG;
    if (which & 32)
        ip->invflags = u8(f) & 0x7B;
    uint32_t nm = (which & 64) ? pick(f, 4) : (ip->proto == 6 || ip->proto == 17);
    if (nm) {
        r->matches = calloc(nm, sizeof *r->matches);
        if (!r->matches)
            return -1;
        r->n_matches = nm;
        for (uint32_t i = 0; i < nm; i++)
            gen_match(f, &r->matches[i], ip->proto);
    }
    gen_target(f, r, tab, chain, n_builtin);
    r->cnt.pkts = u8(f) < 16 ? u8(f) : 0;
    return 0;
}

/* @return 0 or -1 (no memory). */
static int
gen_ruleset(struct feeder *f, struct txp_ipt_ruleset *rs)
{
    if (txp_ipt_ruleset_init(rs) != TXP_OK)
        return -1;
    uint8_t present = u8(f);
    if ((present & 0x1F) == 0)
        present |= 1u << TXP_IPT_FILTER;
    for (int ti = 0; ti < TXP_IPT_TABLE_COUNT; ti++) {
        struct txp_ipt_table *tab = &rs->tables[ti];
        if (!(present & (1u << ti)))
            continue;
        tab->present = 1;
        uint32_t n_builtin = tab->n_chains, n_user = pick(f, 4);
        struct txp_ipt_chain *nc = realloc(tab->chains, (n_builtin + n_user) * sizeof *nc);
        if (!nc)
            return -1;
        tab->chains = nc;
        tab->cap_chains = n_builtin + n_user;
        for (uint32_t u = 0; u < n_user; u++) {
            struct txp_ipt_chain *c = &tab->chains[n_builtin + u];
            memset(c, 0, sizeof *c);
            c->name[0] = 'U';
            c->name[1] = (char)('0' + u);
            tab->n_chains++;
        }
        for (uint32_t ci = 0; ci < tab->n_chains; ci++) {
            struct txp_ipt_chain *c = &tab->chains[ci];
            if (c->builtin)
                c->policy = u8(f) < 200 ? TXP_IPT_T_ACCEPT : TXP_IPT_T_DROP;
            uint32_t n = pick(f, ci < n_builtin ? 48 : 12);
            if (n == 0)
                continue;
            c->rules = calloc(n, sizeof *c->rules);
            if (!c->rules)
                return -1;
            c->cap_rules = n;
            for (uint32_t i = 0; i < n; i++) {
                if (gen_rule(f, &c->rules[i], tab, ci, n_builtin) != 0)
                    return -1;
                c->n_rules++;
            }
        }
    }
    return 0;
}

/* Packet bytes and length; @return the length handed to the evaluators. */
static size_t
gen_packet(struct feeder *f, uint8_t *p, size_t cap)
{
    memset(p, 0, cap);
    static const uint8_t protos[] = {6, 17, 1, 47, 6, 17};
    uint8_t proto = protos[pick(f, sizeof protos / sizeof protos[0])];
    uint8_t opt = u8(f);
    size_t hl = (opt & 0xC0) == 0xC0 ? 20 + 4u * (opt & 3) : 20;
    size_t l4 = proto == 6 ? 20 + ((opt & 0x30) == 0x30 ? 8 : 0) : 8;
    size_t payload = pick(f, 16);
    size_t tot = hl + l4 + payload;
    p[0] = (uint8_t)(0x40 | (hl / 4));
    p[1] = u8(f) < 200 ? 0 : u8(f);
    uint8_t fr = u8(f);
    uint16_t frag = fr < 200 ? 0x4000 : fr < 220 ? 0x2000 : (uint16_t)(fr & 0x3F);
    p[6] = (uint8_t)(frag >> 8);
    p[7] = (uint8_t)frag;
    p[8] = u8(f) < 200 ? 64 : u8(f);
    p[9] = proto;
    uint32_t s = addr(f), d = addr(f);
    for (int i = 0; i < 4; i++) {
        p[12 + i] = (uint8_t)(s >> (24 - 8 * i));
        p[16 + i] = (uint8_t)(d >> (24 - 8 * i));
    }
    for (size_t i = 20; i < hl; i++)
        p[i] = 1; /* NOP options */
    uint8_t *t = p + hl;
    if (proto == 6 || proto == 17) {
        uint16_t sp = port(f), dp = port(f);
        t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp, t[2] = (uint8_t)(dp >> 8),
        t[3] = (uint8_t)dp;
        if (proto == 6) {
            uint8_t doff = (uint8_t)(l4 / 4);
            if (u8(f) > 240)
                doff = (uint8_t)pick(f, 16);
            t[12] = (uint8_t)(doff << 4);
            t[13] = u8(f);
            if (l4 > 20) { /* MSS option, then NOP NOP SACK-permitted? no: NOP, EOL */
                t[20] = 2, t[21] = 4, t[22] = 5, t[23] = 0xB4, t[24] = 1, t[25] = 4, t[26] = 2;
            }
        } else {
            t[4] = (uint8_t)((l4 + payload) >> 8), t[5] = (uint8_t)(l4 + payload);
            t[6] = (uint8_t)(u8(f) & 1), t[7] = 0x33;
        }
    } else if (proto == 1) {
        t[0] = u8(f) < 200 ? (uint8_t)(pick(f, 2) ? 8 : 0) : u8(f);
        t[1] = u8(f) < 200 ? 0 : u8(f);
        t[4] = u8(f), t[5] = u8(f);
    }
    uint8_t lk = u8(f);
    if (lk > 230) /* the total length field lies */
        tot = (size_t)u8(f) + 20;
    p[2] = (uint8_t)(tot >> 8);
    p[3] = (uint8_t)tot;
    uint32_t sum = 0;
    for (size_t i = 0; i < hl; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    p[10] = (uint8_t)(~sum >> 8);
    p[11] = (uint8_t)~sum;
    size_t len = hl + l4 + payload;
    if (lk > 200 && lk <= 230) /* truncated capture */
        len = pick(f, (uint32_t)len + 1);
    return len > cap ? cap : len;
}

static void
gen_info(struct feeder *f, struct txp_ipt_pktinfo *in)
{
    memset(in, 0, sizeof *in);
    in->in_dev = dev_pool[pick(f, sizeof dev_pool / sizeof dev_pool[0])];
    in->out_dev = dev_pool[pick(f, sizeof dev_pool / sizeof dev_pool[0])];
    in->mark = pick(f, 4);
    in->ctmark = pick(f, 4);
    static const uint16_t st[] = {TXP_IPT_CT_NEW,     TXP_IPT_CT_ESTABLISHED, TXP_IPT_CT_RELATED,
                                  TXP_IPT_CT_INVALID, TXP_IPT_CT_UNTRACKED,   TXP_IPT_CT_NEW};
    in->ctstate = st[pick(f, sizeof st / sizeof st[0])];
    in->ctdir = (uint8_t)pick(f, 2);
    in->nat_first = u8(f) < 160;
    uint8_t nb = u8(f);
    in->nat.src = nb & 1;
    in->nat.dst = (nb >> 1) & 1;
    in->nat.saddr = addr(f);
    in->nat.daddr = addr(f);
    in->nat.sport = port(f);
    in->nat.dport = port(f);
    in->has_sock = u8(f) & 1;
    in->uid = pick(f, 4);
    in->gid = pick(f, 4);
    in->pkttype = (uint8_t)pick(f, 4);
    in->has_mac = u8(f) & 1;
    for (int i = 0; i < 6; i++)
        in->src_mac[i] = (uint8_t)pick(f, 2);
    in->masq_addr = u8(f) < 200 ? 0xC0A80101 : 0;
    in->redirect_addr = 0x7F000001;
}

struct logsink {
    uint64_t hash;
    uint32_t n;
};

static void
log_line(void *ctx, const char *line)
{
    struct logsink *s = ctx;
    s->n++;
    for (const char *c = line; *c; c++)
        s->hash = (s->hash ^ (uint8_t)*c) * 0x100000001B3ull;
}

static int
same_verdict(const struct txp_ipt_verdict *a, const struct txp_ipt_verdict *b)
{
    return a->verdict == b->verdict && a->rejected == b->rejected &&
           a->reject_with == b->reject_with && a->reroute == b->reroute &&
           a->notrack == b->notrack && a->stack_overflow == b->stack_overflow &&
           a->table == b->table && a->chain == b->chain && a->rule == b->rule &&
           a->n_logged == b->n_logged;
}

static int
same_info(const struct txp_ipt_pktinfo *a, const struct txp_ipt_pktinfo *b)
{
    return a->mark == b->mark && a->ctmark == b->ctmark && a->ctstate == b->ctstate &&
           a->ctdir == b->ctdir && a->nat_first == b->nat_first && a->nat.src == b->nat.src &&
           a->nat.dst == b->nat.dst && a->nat.saddr == b->nat.saddr &&
           a->nat.daddr == b->nat.daddr && a->nat.sport == b->nat.sport &&
           a->nat.dport == b->nat.dport;
}

static int
same_state(const struct txp_ipt_ruleset *a, const struct txp_ipt_ruleset *b)
{
    for (int t = 0; t < TXP_IPT_TABLE_COUNT; t++) {
        const struct txp_ipt_table *x = &a->tables[t], *y = &b->tables[t];
        if (x->n_chains != y->n_chains)
            return 0;
        for (uint32_t c = 0; c < x->n_chains; c++) {
            const struct txp_ipt_chain *p = &x->chains[c], *q = &y->chains[c];
            if (p->cnt.pkts != q->cnt.pkts || p->cnt.bytes != q->cnt.bytes ||
                p->n_rules != q->n_rules)
                return 0;
            for (uint32_t r = 0; r < p->n_rules; r++) {
                const struct txp_ipt_rule *u = &p->rules[r], *v = &q->rules[r];
                if (u->cnt.pkts != v->cnt.pkts || u->cnt.bytes != v->cnt.bytes)
                    return 0;
                for (uint32_t m = 0; m < u->n_matches; m++) {
                    const struct txp_ipt_m_limit *l = &u->matches[m].u.limit,
                                                 *k = &v->matches[m].u.limit;
                    if (u->matches[m].kind == TXP_IPT_M_LIMIT &&
                        (l->prev_jiffies != k->prev_jiffies || l->credit != k->credit ||
                         l->credit_cap != k->credit_cap || l->cost != k->cost ||
                         l->primed != k->primed))
                        return 0;
                }
            }
        }
    }
    return 1;
}

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feeder f = {data, size, 0};
    struct txp_ipt_ruleset base, ra, rb;
    struct txp_ipt_compiled *c = NULL;
    if (gen_ruleset(&f, &base) != 0) {
        txp_ipt_ruleset_fini(&base);
        return 0;
    }
    if (txp_ipt_ruleset_clone(&ra, &base) != TXP_OK) {
        txp_ipt_ruleset_fini(&base);
        return 0;
    }
    if (txp_ipt_ruleset_clone(&rb, &base) != TXP_OK) {
        txp_ipt_ruleset_fini(&ra);
        txp_ipt_ruleset_fini(&base);
        return 0;
    }
    txp_ipt_ruleset_fini(&base);
    if (txp_ipt_compile(&rb, &c) != TXP_OK) {
        txp_ipt_ruleset_fini(&ra);
        txp_ipt_ruleset_fini(&rb);
        return 0;
    }
    struct logsink la = {0, 0}, lb = {0, 0};
    struct txp_ipt_env ea = {0, log_line, &la}, eb = {0, log_line, &lb};
    uint64_t now = 0;
    uint32_t npk = 1 + pick(&f, 24);
    for (uint32_t i = 0; i < npk && f.i < f.n; i++) {
        uint8_t pa[96], pb[96];
        size_t len = gen_packet(&f, pa, sizeof pa);
        memcpy(pb, pa, sizeof pa);
        struct txp_ipt_pktinfo ia, ib;
        gen_info(&f, &ia);
        ib = ia;
        now += (uint64_t)u16(&f) * 1000003u;
        ea.now_ns = eb.now_ns = now;
        struct txp_ipt_verdict va, vb;
        memset(&va, 0xA5, sizeof va);
        memset(&vb, 0xA5, sizeof vb);
        int x, y;
        uint8_t how = u8(&f);
        enum txp_ipt_hook hook = (enum txp_ipt_hook)pick(&f, TXP_IPT_HOOK_COUNT);
        if (how & 1) {
            x = txp_ipt_do_hook(&ra, hook, pa, len, &ia, &ea, &va);
            y = txp_ipt_compiled_do_hook(c, hook, pb, len, &ib, &eb, &vb);
        } else {
            enum txp_ipt_table_id t = (enum txp_ipt_table_id)pick(&f, TXP_IPT_TABLE_COUNT);
            x = txp_ipt_do_table(&ra, t, hook, pa, len, &ia, &ea, &va);
            y = txp_ipt_compiled_do_table(c, t, hook, pb, len, &ib, &eb, &vb);
        }
        CHECK(x == y);
        if (x == TXP_OK)
            CHECK(same_verdict(&va, &vb));
        CHECK(memcmp(pa, pb, sizeof pa) == 0);
        CHECK(same_info(&ia, &ib));
        CHECK(la.n == lb.n && la.hash == lb.hash);
    }
    CHECK(same_state(&ra, &rb));
    txp_ipt_compiled_free(c);
    txp_ipt_ruleset_fini(&ra);
    txp_ipt_ruleset_fini(&rb);
    return 0;
}
