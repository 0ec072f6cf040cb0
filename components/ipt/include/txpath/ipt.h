/* SPDX-License-Identifier: MIT */
/*
 * txpath ipt component: IPv4 iptables rulesets as the kernel's ip_tables evaluates them
 * (net/ipv4/netfilter/ip_tables.c: ipt_do_table), read from and written to the iptables-save
 * text format (iptables/iptables-save.c, iptables/iptables.c: print_rule4).
 *
 * The model is public so that a user can build a ruleset in code and so that the reference
 * interpreter (txp_ipt_do_table) and the compiled classifier (txp_ipt_compiled_*) share it.
 * Numbers in the model are host byte order; packets are IPv4 bytes (network order).
 *
 * Layers, each in its own source file:
 *   parse.c    iptables-save / iptables-restore text -> struct txp_ipt_ruleset (+ diagnostics)
 *   print.c    struct txp_ipt_ruleset -> iptables-save [-c] text, canonical like iptables 1.8.9
 *   eval.c     the reference interpreter: ipt_do_table per table, hooks in priority order
 *   match.c    the match modules (xt_tcpudp, xt_multiport, ...)
 *   target.c   the targets (MARK, TOS, NAT, ...), rewrites with checksum updates
 *   compile.c  the compiled fast path: same verdicts, rewrites and counters as eval.c
 */
#ifndef TXPATH_IPT_H
#define TXPATH_IPT_H

#include "txpath/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- tables, hooks, chains */

/** The five IPv4 tables (numbering only; `iptables-save` 1.8.9 nf_tables prints present tables
 *  as mangle, security, raw, filter, nat whatever the input order, see txp_ipt_print). */
enum txp_ipt_table_id {
    TXP_IPT_RAW = 0,
    TXP_IPT_MANGLE,
    TXP_IPT_NAT,
    TXP_IPT_FILTER,
    TXP_IPT_SECURITY,
    TXP_IPT_TABLE_COUNT
};

/** Netfilter IPv4 hooks, numbered as NF_INET_* (include/uapi/linux/netfilter.h). */
enum txp_ipt_hook {
    TXP_IPT_PREROUTING = 0,
    TXP_IPT_INPUT = 1,
    TXP_IPT_FORWARD = 2,
    TXP_IPT_OUTPUT = 3,
    TXP_IPT_POSTROUTING = 4,
    TXP_IPT_HOOK_COUNT
};

/** Table name ("filter"); NULL when out of range. */
const char *txp_ipt_table_name(enum txp_ipt_table_id t);
/** Hook / built-in chain name ("OUTPUT"); NULL when out of range. */
const char *txp_ipt_hook_name(enum txp_ipt_hook h);
/** Bit mask of the hooks table @p t has built-in chains for (1u << TXP_IPT_OUTPUT, ...). */
unsigned txp_ipt_table_hooks(enum txp_ipt_table_id t);

/** Packet and byte counters (bytes = IP total length, as skb->len at L3). */
struct txp_ipt_counters {
    uint64_t pkts;
    uint64_t bytes;
};

#define TXP_IPT_IFNAMSIZ 16     /**< IFNAMSIZ including the NUL */
#define TXP_IPT_CHAIN_MAXLEN 28 /**< longest chain name iptables accepts, without the NUL */
#define TXP_IPT_MAX_MATCHES 16  /**< matches per rule this model keeps (error beyond) */
#define TXP_IPT_STACK_MAX 64    /**< jump depth; deeper jumps drop the packet (ipt_do_table) */

/* ---------------------------------------------------------------- the IP part of a rule */

/** struct ipt_ip flags and invflags (include/uapi/linux/netfilter_ipv4/ip_tables.h values). */
enum {
    TXP_IPT_F_FRAG = 0x01, /**< -f: non-first fragments only */
    TXP_IPT_F_GOTO = 0x02, /**< -g: the jump is a goto */
};
enum {
    TXP_IPT_INV_VIA_IN = 0x01,
    TXP_IPT_INV_VIA_OUT = 0x02,
    TXP_IPT_INV_SRCIP = 0x08,
    TXP_IPT_INV_DSTIP = 0x10,
    TXP_IPT_INV_FRAG = 0x20,
    TXP_IPT_INV_PROTO = 0x40,
};

/** What ip_packet_match compares. Addresses and masks host order; interfaces as
 *  xtables_parse_interface fills them (name + byte mask; "eth+" masks 3 bytes). */
struct txp_ipt_ip {
    uint32_t src, smsk, dst, dmsk;
    char iniface[TXP_IPT_IFNAMSIZ];
    char outiface[TXP_IPT_IFNAMSIZ];
    uint8_t iniface_mask[TXP_IPT_IFNAMSIZ];
    uint8_t outiface_mask[TXP_IPT_IFNAMSIZ];
    uint16_t proto;   /**< 0 = any; else an IP protocol number */
    uint8_t flags;    /**< TXP_IPT_F_* */
    uint8_t invflags; /**< TXP_IPT_INV_* */
};

/* ---------------------------------------------------------------- matches */

/** Match modules (-m NAME, or implied by -p tcp/udp/icmp options). */
enum txp_ipt_match_kind {
    TXP_IPT_M_TCP = 1,
    TXP_IPT_M_UDP,
    TXP_IPT_M_ICMP,
    TXP_IPT_M_MULTIPORT,
    TXP_IPT_M_STATE,
    TXP_IPT_M_CONNTRACK,
    TXP_IPT_M_MARK,
    TXP_IPT_M_CONNMARK,
    TXP_IPT_M_LENGTH,
    TXP_IPT_M_LIMIT,
    TXP_IPT_M_COMMENT,
    TXP_IPT_M_IPRANGE,
    TXP_IPT_M_ADDRTYPE,
    TXP_IPT_M_OWNER,
    TXP_IPT_M_TOS,
    TXP_IPT_M_DSCP,
    TXP_IPT_M_TTL,
    TXP_IPT_M_PKTTYPE,
    TXP_IPT_M_MAC,
};

/** Module name as `-m` spells it ("multiport"); NULL when unknown. */
const char *txp_ipt_match_name(enum txp_ipt_match_kind k);

/** Conntrack state bits as XT_STATE_BIT / xt_conntrack's ctstate (uapi xt_state.h). */
enum {
    TXP_IPT_CT_INVALID = 0x01,
    TXP_IPT_CT_ESTABLISHED = 0x02,
    TXP_IPT_CT_RELATED = 0x04,
    TXP_IPT_CT_NEW = 0x08,
    TXP_IPT_CT_UNTRACKED = 0x40,
    /* xt_conntrack only: */
    TXP_IPT_CT_SNAT = 0x80,
    TXP_IPT_CT_DNAT = 0x100,
};

/** tcp / udp (xt_tcp, xt_udp). invflags: 0x01 sport, 0x02 dport, 0x04 flags, 0x08 option. */
struct txp_ipt_m_tcpudp {
    uint16_t spts[2], dpts[2]; /**< inclusive ranges; 0..65535 = any (not printed) */
    uint8_t option;            /**< --tcp-option N; 0 = none */
    uint8_t flg_mask, flg_cmp; /**< --tcp-flags; mask 0 = none */
    uint8_t invflags;
};

/** icmp (ipt_icmp). type 0xFF = any. */
struct txp_ipt_m_icmp {
    uint8_t type, code_min, code_max;
    uint8_t invert;
};

/** multiport v1 (xt_multiport_v1). */
struct txp_ipt_m_multiport {
    uint8_t flags; /**< 1 source, 2 destination, 3 either (--ports) */
    uint8_t count; /**< slots used, <= 15 */
    uint8_t invert;
    uint8_t pflags[15]; /**< pflags[i] = 1: ports[i] starts a range ending at ports[i+1] */
    uint16_t ports[15];
};

/** state and conntrack (--ctstate, --ctdir). */
struct txp_ipt_m_ctstate {
    uint16_t statemask; /**< TXP_IPT_CT_* bits */
    uint8_t invert;     /**< ! --state / ! --ctstate */
    uint8_t dir;        /**< conntrack --ctdir: 0 none, 1 ORIGINAL, 2 REPLY */
};

/** mark and connmark: (value & mask) == mark, XOR invert. */
struct txp_ipt_m_mark {
    uint32_t mark, mask;
    uint8_t invert;
};

/** length: IP total length in [min, max], XOR invert. */
struct txp_ipt_m_length {
    uint16_t min, max;
    uint8_t invert;
};

/** limit (xt_limit): token bucket on the injected clock; state is per rule. */
struct txp_ipt_m_limit {
    uint32_t avg;   /**< XT_LIMIT_SCALE (10000) units: seconds per packet * 10000 */
    uint32_t burst; /**< default 5 */
    /* state (xt_limit's user2credits, credit, credit_cap, cost; jiffies from now_ns, HZ 1000) */
    uint64_t prev_jiffies;
    uint32_t credit, credit_cap, cost;
    uint8_t primed; /**< state initialised on first use (checkentry time in the kernel) */
};

/** comment: kept for printing only. */
struct txp_ipt_m_comment {
    char text[256]; /**< XT_MAX_COMMENT_LEN */
};

/** iprange (xt_iprange v1). flags: 0x01 src, 0x02 dst, 0x10 src inverted, 0x20 dst inverted. */
struct txp_ipt_m_iprange {
    uint32_t src_min, src_max, dst_min, dst_max;
    uint8_t flags;
};

/** addrtype v1: source / dest are bit masks of (1 << RTN_*), flags 1 inv-src, 2 inv-dst,
 *  4 --limit-iface-in, 8 --limit-iface-out. */
struct txp_ipt_m_addrtype {
    uint16_t source, dest;
    uint32_t flags;
};

/** owner (xt_owner): match 1 uid, 2 gid, 4 socket-exists; invert uses the same bits. */
struct txp_ipt_m_owner {
    uint32_t uid_min, uid_max, gid_min, gid_max;
    uint8_t match, invert;
};

/** tos (xt_tos / ipt_tos revision 1 as saved: --tos value/mask). */
struct txp_ipt_m_tos {
    uint8_t value, mask, invert;
};

/** dscp (xt_dscp): --dscp N or --dscp-class (saved as --dscp 0xNN). */
struct txp_ipt_m_dscp {
    uint8_t dscp, invert;
};

/** ttl (ipt_ttl): mode 0 eq, 1 ne (! --ttl-eq), 2 lt, 3 gt. */
struct txp_ipt_m_ttl {
    uint8_t mode, value;
};

/** pkttype: PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3 (linux/if_packet.h). */
struct txp_ipt_m_pkttype {
    uint8_t pkttype, invert;
};

/** mac: --mac-source (only meaningful on PREROUTING, INPUT, FORWARD). */
struct txp_ipt_m_mac {
    uint8_t addr[6];
    uint8_t invert;
};

/** One match of a rule. */
struct txp_ipt_match {
    enum txp_ipt_match_kind kind;
    union {
        struct txp_ipt_m_tcpudp tcpudp; /**< TCP and UDP */
        struct txp_ipt_m_icmp icmp;
        struct txp_ipt_m_multiport multiport;
        struct txp_ipt_m_ctstate ct; /**< STATE and CONNTRACK */
        struct txp_ipt_m_mark mark;  /**< MARK and CONNMARK */
        struct txp_ipt_m_length length;
        struct txp_ipt_m_limit limit;
        struct txp_ipt_m_comment comment;
        struct txp_ipt_m_iprange iprange;
        struct txp_ipt_m_addrtype addrtype;
        struct txp_ipt_m_owner owner;
        struct txp_ipt_m_tos tos;
        struct txp_ipt_m_dscp dscp;
        struct txp_ipt_m_ttl ttl;
        struct txp_ipt_m_pkttype pkttype;
        struct txp_ipt_m_mac mac;
    } u;
};

/* ---------------------------------------------------------------- targets */

enum txp_ipt_target_kind {
    TXP_IPT_T_NONE = 0, /**< no -j: count and continue */
    TXP_IPT_T_ACCEPT,
    TXP_IPT_T_DROP,
    TXP_IPT_T_RETURN,
    TXP_IPT_T_JUMP, /**< -j CHAIN, or -g CHAIN with TXP_IPT_F_GOTO in ip.flags */
    TXP_IPT_T_REJECT,
    TXP_IPT_T_LOG,
    TXP_IPT_T_MARK,
    TXP_IPT_T_CONNMARK,
    TXP_IPT_T_TOS,
    TXP_IPT_T_DSCP,
    TXP_IPT_T_TTL,
    TXP_IPT_T_NOTRACK, /**< -j NOTRACK and -j CT --notrack (raw table) */
    TXP_IPT_T_CT,      /**< -j CT with other options (zone) */
    TXP_IPT_T_SNAT,
    TXP_IPT_T_DNAT,
    TXP_IPT_T_MASQUERADE,
    TXP_IPT_T_REDIRECT,
};

/** REJECT --reject-with values (ipt_REJECT.h order). */
enum txp_ipt_reject {
    TXP_IPT_REJ_NET_UNREACH = 0,
    TXP_IPT_REJ_HOST_UNREACH,
    TXP_IPT_REJ_PROT_UNREACH,
    TXP_IPT_REJ_PORT_UNREACH, /**< the default */
    TXP_IPT_REJ_ECHOREPLY,
    TXP_IPT_REJ_NET_PROHIBITED,
    TXP_IPT_REJ_HOST_PROHIBITED,
    TXP_IPT_REJ_TCP_RESET,
    TXP_IPT_REJ_ADMIN_PROHIBITED,
};

/** NAT range (nf_nat_range2). flags: 1 MAP_IPS, 2 PROTO_SPECIFIED, 4 RANDOM, 8 PERSISTENT,
 *  16 RANDOM_FULLY. */
struct txp_ipt_nat {
    uint32_t flags;
    uint32_t min_addr, max_addr;
    uint16_t min_port, max_port;
};

struct txp_ipt_target {
    enum txp_ipt_target_kind kind;
    uint32_t chain; /**< JUMP: index into the table's chains[] */
    union {
        uint8_t reject_with; /**< enum txp_ipt_reject */
        struct {
            uint8_t level, flags;
            char prefix[30];
        } log; /**< LOG: level 4 default */
        struct {
            uint32_t value, mask;
        } mark; /**< MARK --set-xmark: (m & ~mask) ^ value */
        struct {
            uint8_t mode; /**< 0 set-xmark, 1 save, 2 restore */
            uint32_t ctmark, ctmask, nfmask;
        } connmark;
        struct {
            uint8_t value, mask;
        } tos;        /**< TOS --set-tos v/m: (t & ~m) ^ v */
        uint8_t dscp; /**< DSCP --set-dscp */
        struct {
            uint8_t mode, value;
        } ttl; /**< TTL: 0 set, 1 inc, 2 dec */
        struct {
            uint16_t zone;
        } ct;
        struct txp_ipt_nat nat; /**< SNAT, DNAT, MASQUERADE, REDIRECT */
    } u;
};

/* ---------------------------------------------------------------- rules, chains, tables */

struct txp_ipt_rule {
    struct txp_ipt_ip ip;
    struct txp_ipt_match *matches; /**< owned; n_matches entries, in save order */
    uint32_t n_matches;
    struct txp_ipt_target target;
    struct txp_ipt_counters cnt;
    uint32_t line; /**< source line in the rules file; 0 when built in code */
};

struct txp_ipt_chain {
    char name[TXP_IPT_CHAIN_MAXLEN + 1];
    uint8_t builtin; /**< 1 for a table's hook chains */
    uint8_t hook;    /**< enum txp_ipt_hook, when builtin */
    uint8_t policy;  /**< built-in: TXP_IPT_T_ACCEPT or TXP_IPT_T_DROP; user: TXP_IPT_T_RETURN */
    struct txp_ipt_counters cnt; /**< built-in: the policy counters; user: unused (0) */
    struct txp_ipt_rule *rules;  /**< owned */
    uint32_t n_rules, cap_rules;
};

struct txp_ipt_table {
    uint8_t present; /**< appeared in the input (only present tables are printed) */
    uint8_t order;   /**< position of the table's first section in the input (informational:
                          iptables-save prints tables in a fixed order, see txp_ipt_print) */
    /** owned; built-ins first in hook order, then user chains in declaration order (printed
     *  sorted by name, as iptables-save does) */
    struct txp_ipt_chain *chains;
    uint32_t n_chains, cap_chains;
};

struct txp_ipt_ruleset {
    struct txp_ipt_table tables[TXP_IPT_TABLE_COUNT];
};

/**
 * Make an empty ruleset: every table absent (present = 0) with its built-in chains, policy
 * ACCEPT, counters zero. @return TXP_OK or TXP_ENOMEM.
 * Ownership: release with txp_ipt_ruleset_fini(). Thread-safety: per object. Complexity: O(1).
 */
int txp_ipt_ruleset_init(struct txp_ipt_ruleset *rs);
/** Release everything a ruleset owns; safe on a zeroed or finished ruleset. */
void txp_ipt_ruleset_fini(struct txp_ipt_ruleset *rs);
/** Deep copy @p src into @p dst (uninitialised). @return TXP_OK or TXP_ENOMEM. */
int txp_ipt_ruleset_clone(struct txp_ipt_ruleset *dst, const struct txp_ipt_ruleset *src);
/** Zero every rule and chain counter (the limit states are kept). */
void txp_ipt_ruleset_zero_counters(struct txp_ipt_ruleset *rs);
/** Find a chain by name in table @p t. @return its index or -1. */
int txp_ipt_chain_find(const struct txp_ipt_table *t, const char *name);

/* ---------------------------------------------------------------- text format */

/** Parse options. */
struct txp_ipt_parse_opts {
    int counters; /**< 1 = iptables-restore -c: "[p:b]" prefixes and chain counters are applied */
};

/**
 * Parse an iptables-save / iptables-restore text into @p rs (initialised with
 * txp_ipt_ruleset_init; tables named in the text replace their previous contents, as a flush).
 * Every rejection names line and column and what was expected, with iptables' wording where it
 * has one ("Couldn't load match `foo'", "COMMIT expected"). A module, target or option txpath
 * does not support is a rejection naming it, never ignored.
 * @param text the bytes (need not be NUL-terminated). @param len their length.
 * @param opts NULL = defaults. @param d filled on failure (d->file is the caller's).
 * @return TXP_OK, TXP_EBADMSG (syntax, d filled), TXP_ENOTSUP (unsupported module/option, d
 * filled), TXP_ENOMEM. On failure @p rs is left as before the call.
 * Ownership: borrows @p text. Thread-safety: per ruleset. Complexity: O(len + rules).
 */
int txp_ipt_parse(struct txp_ipt_ruleset *rs, const char *text, size_t len,
                  const struct txp_ipt_parse_opts *opts, struct txp_diag *d);

/** Print options. */
struct txp_ipt_print_opts {
    int counters;     /**< 1 = iptables-save -c: "[p:b] " before every rule */
    int comments;     /**< 1 = the "# Generated by" / "# Completed on" lines (with @p when) */
    const char *when; /**< ctime text for the comment lines; NULL = "Thu Jan  1 00:00:00 1970" */
};

/**
 * Print @p rs in iptables-save's canonical form (the tables present in the input, in the order
 * iptables-save 1.8.9 (nf_tables) prints them: mangle, security, raw, filter, nat;
 * chain headers then rules; each rule as print_rule4 orders it).
 * @param out buffer, may be NULL with @p cap 0 to measure. @return the length the full text
 * needs (without the NUL); the text is NUL-terminated and truncated when it does not fit.
 * Ownership: borrows. Thread-safety: read-only on @p rs. Complexity: O(rules).
 */
size_t txp_ipt_print(const struct txp_ipt_ruleset *rs, const struct txp_ipt_print_opts *opts,
                     char *out, size_t cap);

/** Print one rule as its `-A CHAIN ...` line (no counters, no newline). Same return rule. */
size_t txp_ipt_print_rule(const struct txp_ipt_ruleset *rs, enum txp_ipt_table_id t, uint32_t chain,
                          uint32_t rule, char *out, size_t cap);

/* ---------------------------------------------------------------- evaluation */

/** RTN_* route types for addrtype (include/uapi/linux/rtnetlink.h). */
enum {
    TXP_IPT_RTN_UNSPEC = 0,
    TXP_IPT_RTN_UNICAST = 1,
    TXP_IPT_RTN_LOCAL = 2,
    TXP_IPT_RTN_BROADCAST = 3,
    TXP_IPT_RTN_ANYCAST = 4,
    TXP_IPT_RTN_MULTICAST = 5,
    TXP_IPT_RTN_BLACKHOLE = 6,
    TXP_IPT_RTN_UNREACHABLE = 7,
    TXP_IPT_RTN_PROHIBIT = 8,
    TXP_IPT_RTN_THROW = 9,
    TXP_IPT_RTN_NAT = 10,
    TXP_IPT_RTN_XRESOLVE = 11,
};

/** A flow's NAT binding (what nf_nat keeps in the conntrack), host order. */
struct txp_ipt_nat_binding {
    uint8_t src, dst;      /**< a source (SNAT/MASQUERADE) / destination (DNAT/REDIRECT) map */
    uint32_t saddr, daddr; /**< new source / destination address */
    uint16_t sport, dport; /**< new source / destination port (ICMP: echo id in sport) */
};

/**
 * Packet metadata the caller supplies (the pipeline fills it from the socket, route and
 * conntrack) and that targets update (mark, ctmark).
 */
struct txp_ipt_pktinfo {
    const char *in_dev;             /**< NULL or "" when none (OUTPUT, POSTROUTING) */
    const char *out_dev;            /**< NULL or "" when none (PREROUTING, INPUT) */
    uint32_t mark;                  /**< skb->mark: read by -m mark, written by MARK / CONNMARK */
    uint32_t ctmark;                /**< the conntrack's mark: -m connmark, CONNMARK */
    uint16_t ctstate;               /**< one TXP_IPT_CT_* bit (INVALID when untracked-by-error) */
    uint8_t ctdir;                  /**< 0 ORIGINAL, 1 REPLY */
    uint8_t nat_first;              /**< 1: the flow has no NAT binding yet: nat chains run and fill
                                         @p nat; 0: @p nat is applied where the nat table would run */
    struct txp_ipt_nat_binding nat; /**< in/out, see nat_first */
    uint8_t has_sock;               /**< locally generated with a socket: owner can match */
    uint32_t uid, gid;              /**< socket owner, when has_sock */
    uint8_t pkttype;                /**< PACKET_HOST (0) etc.; locally generated packets are 0 */
    uint8_t has_mac;                /**< src_mac valid (input side) */
    uint8_t src_mac[6];
    uint32_t masq_addr;     /**< MASQUERADE source: the out device's selected address, 0 = none */
    uint32_t redirect_addr; /**< REDIRECT destination: 127.0.0.1 on OUTPUT; in-dev addr else */
    /** RTN_* type of @p addr (host order) as seen from @p dev (may be NULL), as
     *  inet_dev_addr_type answers it; NULL = txp_ipt_addr_type_default. */
    int (*addr_type)(void *ctx, uint32_t addr, const char *dev);
    void *addr_ctx;
};

/** Address classifier for a host without routes (__inet_dev_addr_type's fixed answers):
 *  0.0.0.0 and 255.255.255.255 BROADCAST, 224.0.0.0/4 MULTICAST, 127.0.0.0/8 LOCAL, else
 *  UNICAST. */
int txp_ipt_addr_type_default(void *ctx, uint32_t addr, const char *dev);

/** Final verdicts. */
enum txp_ipt_verdict_kind {
    TXP_IPT_V_ACCEPT = 1,
    TXP_IPT_V_DROP = 0,
};

/** What one hook (or one table) did to a packet. The flags (notrack, reroute, n_logged) cover
 *  that one call; a caller running several hooks combines them. When no table ran, the verdict
 *  is ACCEPT with chain and rule -1. */
struct txp_ipt_verdict {
    uint8_t verdict;        /**< enum txp_ipt_verdict_kind */
    uint8_t rejected;       /**< dropped by REJECT; reject_with says how */
    uint8_t reject_with;    /**< enum txp_ipt_reject */
    uint8_t reroute;        /**< mangle OUTPUT changed saddr/daddr/mark/TOS, or nat OUTPUT DNAT */
    uint8_t notrack;        /**< raw NOTRACK / CT --notrack ran */
    uint8_t stack_overflow; /**< dropped because jumps went deeper than TXP_IPT_STACK_MAX */
    enum txp_ipt_table_id table; /**< where the final verdict was taken */
    int32_t chain, rule;         /**< the rule that decided (-1, -1: a policy / default) */
    uint32_t n_logged;           /**< LOG targets that ran */
};

/** Called by LOG with the kernel's log line (prefix + "IN= OUT= SRC=... "), no newline. */
typedef void (*txp_ipt_log_fn)(void *ctx, const char *line);

/** Evaluation context: clock and logging. */
struct txp_ipt_env {
    uint64_t now_ns;    /**< injected clock for -m limit */
    txp_ipt_log_fn log; /**< NULL = LOG only counts */
    void *log_ctx;
};

/**
 * Run one table's chain for @p hook on the IPv4 packet @p ip (rewritten in place by targets,
 * checksums updated), as ipt_do_table. Counters in @p rs advance.
 * @param len the packet's bytes (at least the IP header; total length is taken from the
 *        header, bytes counted = total length).
 * @return TXP_OK with @p v filled; TXP_EINVAL when the table has no chain for @p hook or the
 * packet is not IPv4 (then nothing is counted).
 * Thread-safety: per ruleset (counters and limit state are written). Complexity: O(rules).
 */
int txp_ipt_do_table(struct txp_ipt_ruleset *rs, enum txp_ipt_table_id t, enum txp_ipt_hook hook,
                     uint8_t *ip, size_t len, struct txp_ipt_pktinfo *info,
                     const struct txp_ipt_env *env, struct txp_ipt_verdict *v);

/**
 * Run every present table of @p hook in priority order (OUTPUT: raw, mangle, nat (when
 * info->nat_first), filter, security; POSTROUTING: mangle, nat (nat_first); PREROUTING: raw,
 * mangle, nat; INPUT: mangle, filter, security, nat (nat INPUT, +100, comes last); FORWARD: mangle,
 * filter, security), stopping at the first DROP. A table absent from the ruleset is skipped (as an
 * unloaded module). @return as txp_ipt_do_table.
 */
int txp_ipt_do_hook(struct txp_ipt_ruleset *rs, enum txp_ipt_hook hook, uint8_t *ip, size_t len,
                    struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                    struct txp_ipt_verdict *v);

/**
 * Apply one side of a NAT binding to a packet (nf_nat_packet): @p dst_side 1 rewrites the
 * destination (address, and port for TCP/UDP when not a non-first fragment), 0 the source,
 * with IP and L4 checksum updates (UDP checksum 0 stays 0).
 * @return TXP_OK or TXP_EINVAL (not IPv4). Nothing happens when that side is not mapped.
 */
int txp_ipt_nat_apply(uint8_t *ip, size_t len, const struct txp_ipt_nat_binding *b, int dst_side);

/* ---------------------------------------------------------------- minimal conntrack */

/**
 * A minimal connection tracker for callers without one (the CLI, the pipeline): flows keyed by
 * (proto, saddr, daddr, sport, dport) with ICMP echo id as the port; a packet of an unknown
 * tuple starts a flow in the ORIGINAL direction (NEW, nat_first = 1), later packets of the same
 * direction are NEW (no reply seen yet) and then ESTABLISHED once a packet of the reversed
 * tuple (REPLY) has been seen; ctmark and the NAT binding persist per flow. A raw NOTRACK makes
 * the packet UNTRACKED. Fragments get no flow (INVALID), as in a kernel that sees them before
 * reassembly. ICMP flows are keyed by id, type and code (the id is `sport` on the source side of
 * a binding and `dport` on the destination side). For a REPLY packet of a NATed flow, info->nat
 * holds the inverted binding, which txp_ipt_do_hook applies at the usual places (de-NAT).
 * Not modelled: TCP state tracking (a first packet with RST, FIN, SYN+ACK or no flags would be
 * INVALID in the kernel; here it is NEW), RELATED (expectations, ICMP errors), timeouts.
 */
struct txp_ipt_ct;

/** Make a tracker for at most @p max_flows flows. @return TXP_OK or TXP_ENOMEM. */
int txp_ipt_ct_new(uint32_t max_flows, struct txp_ipt_ct **out);
/** Release a tracker. NULL is fine. */
void txp_ipt_ct_free(struct txp_ipt_ct *ct);
/**
 * Before the hooks: find or start the packet's flow and fill info->ctstate, ctdir, ctmark,
 * nat_first and nat. *flow receives a handle for txp_ipt_ct_confirm.
 * @return TXP_OK; TXP_ENOSPC when the table is full (info says INVALID, *flow = UINT32_MAX);
 * TXP_EINVAL when the packet is not IPv4.
 */
int txp_ipt_ct_lookup(struct txp_ipt_ct *ct, const uint8_t *ip, size_t len,
                      struct txp_ipt_pktinfo *info, uint32_t *flow);
/**
 * After the hooks: store info->ctmark and a new NAT binding in the flow, and confirm a flow
 * started by an accepted packet (a dropped first packet leaves no flow, as an unconfirmed
 * conntrack is destroyed). A caller running several hooks (OUTPUT then POSTROUTING) confirms
 * once after the last, with the verdicts combined (notrack, drop). The handle UINT32_MAX (what
 * lookup gives an INVALID packet or a full table) is accepted and does nothing.
 * @return TXP_OK or TXP_EINVAL (bad handle).
 */
int txp_ipt_ct_confirm(struct txp_ipt_ct *ct, uint32_t flow, const struct txp_ipt_pktinfo *info,
                       const struct txp_ipt_verdict *v);

/* ---------------------------------------------------------------- compiled fast path */

struct txp_ipt_compiled;

/**
 * Compile @p rs for fast evaluation. The compiled form borrows @p rs (its counters and limit
 * states are the ones updated), so @p rs must outlive it and must not change shape (rules added
 * or removed) while it exists; recompile after a change.
 * @return TXP_OK with *out set, or TXP_ENOMEM. Complexity: O(d n log n) per tree level for n rules
 * (README: about 50 ms for 10,000).
 */
int txp_ipt_compile(struct txp_ipt_ruleset *rs, struct txp_ipt_compiled **out);
/** Release a compiled ruleset (the borrowed ruleset is untouched). NULL is fine. */
void txp_ipt_compiled_free(struct txp_ipt_compiled *c);
/** As txp_ipt_do_table, through the compiled form: same verdict, rewrites and counters. */
int txp_ipt_compiled_do_table(struct txp_ipt_compiled *c, enum txp_ipt_table_id t,
                              enum txp_ipt_hook hook, uint8_t *ip, size_t len,
                              struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
                              struct txp_ipt_verdict *v);
/** As txp_ipt_do_hook, through the compiled form. */
int txp_ipt_compiled_do_hook(struct txp_ipt_compiled *c, enum txp_ipt_hook hook, uint8_t *ip,
                             size_t len, struct txp_ipt_pktinfo *info,
                             const struct txp_ipt_env *env, struct txp_ipt_verdict *v);
/** Bytes the compiled form allocated (for the bench's memory column). */
size_t txp_ipt_compiled_mem(const struct txp_ipt_compiled *c);

/* ---- text additions ---- */

/** target.u.ct.zone of a TXP_IPT_T_NOTRACK rule written `-j CT --notrack` (0 = `-j NOTRACK`);
 *  the two spellings behave alike but iptables-save keeps the one that was given. */
#define TXP_IPT_NOTRACK_VIA_CT 0xFFFFu

#ifdef __cplusplus
}
#endif
#endif /* TXPATH_IPT_H */
