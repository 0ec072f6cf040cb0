/* SPDX-License-Identifier: MIT */
/*
 * parse.c: iptables-restore text -> struct txp_ipt_ruleset, as iptables 1.8.9 (nf_tables) reads
 * it (iptables/iptables-restore.c, iptables/xshared.c: add_param_to_argv, iptables/iptables.c:
 * do_command4, the libxt_* / libipt_* extensions' option parsers).
 *
 * Line grammar:
 *   '#...'                  comment (only in column 1)
 *   ''                      empty line
 *   '*TABLE'                start a table (raw, mangle, nat, filter, security): a flush
 *   ':CHAIN POLICY [p:b]'   built-in chain policy (counters with -c) or a new user chain ('-')
 *   '[p:b] -A CHAIN ...'    a rule (-A, or -I CHAIN [N]); '[p:b]' applied with -c, and
 *                           '-c P B' in the rule always
 *   '-N C', '-P C POLICY', '-F C', '-X C'   the chain commands a restore file may hold
 *   'COMMIT'                end of the table (exactly that line)
 *
 * A command line is split as add_param_to_argv does: blanks (space, tab) separate words,
 * "..." quotes group them and inside quotes a backslash escapes the next character. Options are
 * then processed left to right as do_command4 does:
 *   - '!' inverts the next option (one '!' only; not before -m);
 *   - -s -d -i -o -p -f -j -g -m and their long spellings fill the IP part and target;
 *   - any other --option goes to the most recently loaded module (a -m match or the -j
 *     target) that has it; when none has it and -p names tcp, udp or icmp whose match is not
 *     loaded yet, that match is loaded implicitly at this position (iptables' load_proto);
 *   - a second -m tcp (udp) is a second match, as in iptables (print.c shows how the
 *     nf_tables variant saves several of them).
 * Checks done at the end of a rule: mandatory options, -p requirements of tcp/udp/icmp and
 * REJECT --reject-with tcp-reset, -i/-o against the built-in chain. Checks done at COMMIT:
 * chain loops and each target's / match's table and hook restrictions (the kernel's
 * xt_check_target / xt_check_match), through every user chain a built-in chain reaches.
 *
 * On any error nothing in the caller's ruleset changes: the input is parsed into a copy that
 * replaces the caller's tables at the end.
 *
 * Entry point: txp_ipt_parse. Every rejection is TXP_EBADMSG (what iptables or the kernel
 * refuses; iptables' wording where it has one) or TXP_ENOTSUP (valid iptables input txpath
 * does not model), with the line and the column of the offending word.
 */
#include "text_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t strtou64_c(const char *s, size_t len, uint64_t *out);

#define MAX_ARGS 255
#define MAX_PARAM 1023

struct tok {
    const char *s;
    uint32_t col;
};

struct pctx {
    struct txp_diag *d;
    uint32_t line;
    int err; /* TXP_EBADMSG or TXP_ENOTSUP once set */
};

static int fail(struct pctx *p, uint32_t col, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#include <stdarg.h>

static int
fail(struct pctx *p, uint32_t col, int code, const char *fmt, ...)
{
    char msg[TXP_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->d)
        txp_diag_set(p->d, p->line, col ? col : 1, "%s", msg);
    p->err = code;
    return code;
}

/* ---------------------------------------------------------------- small parsers */

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* strtoul-like: decimal, 0x hex, 0 octal (xtables_strtoul with base 0). Whole string. */
static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    const char *q = s;
    if (!*q)
        return -1;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        base = 16;
        q += 2;
        if (!*q)
            return -1;
    } else if (q[0] == '0' && q[1]) {
        base = 8;
        q++;
    }
    for (; *q; q++) {
        unsigned dgt;
        if (*q >= '0' && *q <= '9')
            dgt = (unsigned)(*q - '0');
        else if (base == 16 && *q >= 'a' && *q <= 'f')
            dgt = (unsigned)(*q - 'a' + 10);
        else if (base == 16 && *q >= 'A' && *q <= 'F')
            dgt = (unsigned)(*q - 'A' + 10);
        else
            return -1;
        if (dgt >= base)
            return -1;
        if (dgt > max || v > (max - dgt) / base)
            return -1;
        v = v * base + dgt;
    }
    *out = v;
    return 0;
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    uint64_t v;
    if (parse_u64(s, max, &v))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Dotted quad as xtables_numeric_to_ipaddr: 1 to 4 parts, each 0..255 in C notation (decimal,
 * 0x hex, 0 octal: "0x0a.0.0.1" is 10.0.0.1), missing ones are 0 ("10.1" is 10.1.0.0). */
static int
parse_ip(const char *s, uint32_t *out)
{
    char part[16];
    uint32_t a = 0;
    int parts = 0;
    const char *q = s;
    while (1) {
        size_t n = 0;
        while (q[n] && q[n] != '.')
            n++;
        uint32_t v;
        if (!n || n >= sizeof part || parts == 4 || !is_digit(q[0]))
            return -1;
        memcpy(part, q, n);
        part[n] = '\0';
        if (parse_u32(part, 255, &v))
            return -1;
        a |= v << (24 - 8 * parts);
        parts++;
        q += n;
        if (!*q)
            break;
        q++;
        if (!*q)
            return -1;
    }
    *out = a;
    return 0;
}

/* "a.b.c.d[/len|/mask]" as xtables_ipparse_any (numeric only; host names are not resolved). */
static int
parse_addr_mask(const char *s, uint32_t *addr, uint32_t *mask)
{
    char buf[64];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    char *sl = strchr(buf, '/');
    uint32_t m = 0xFFFFFFFFu;
    if (sl) {
        *sl++ = '\0';
        if (strchr(sl, '.')) {
            if (parse_ip(sl, &m))
                return -1;
        } else {
            uint32_t len; /* xtables_strtoui base 0: "/024" is /20, "/0x18" is /24 */
            if (!is_digit(sl[0]) || parse_u32(sl, 32, &len))
                return -1;
            m = len ? 0xFFFFFFFFu << (32 - len) : 0;
        }
    }
    if (parse_ip(buf, addr))
        return -1;
    *mask = m;
    *addr &= m;
    return 0;
}

static const struct {
    const char *name;
    uint16_t port;
} services[] = {
    {"ftp-data", 20}, {"ftp", 21},       {"ssh", 22},         {"telnet", 23},       {"smtp", 25},
    {"domain", 53},   {"bootps", 67},    {"bootpc", 68},      {"tftp", 69},         {"http", 80},
    {"www", 80},      {"pop3", 110},     {"sunrpc", 111},     {"ntp", 123},         {"imap", 143},
    {"imap2", 143},   {"snmp", 161},     {"snmp-trap", 162},  {"bgp", 179},         {"ldap", 389},
    {"https", 443},   {"syslog", 514},   {"submission", 587}, {"ldaps", 636},       {"imaps", 993},
    {"pop3s", 995},   {"openvpn", 1194}, {"mysql", 3306},     {"postgresql", 5432},
};

/* A port number or one of a few well-known service names (iptables asks getservbyname). */
static int
parse_port(const char *s, uint16_t *out)
{
    uint32_t v;
    if (is_digit(s[0])) {
        if (parse_u32(s, 65535, &v))
            return -1;
        *out = (uint16_t)v;
        return 0;
    }
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (!strcmp(services[i].name, s)) {
            *out = services[i].port;
            return 0;
        }
    return -1;
}

/* "a", "a:b", ":b", "a:" (tcp/udp --sport/--dport). */
static int
parse_port_range(struct pctx *p, const struct tok *t, uint16_t r[2])
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    char *c = strchr(buf, ':');
    uint16_t lo = 0, hi = 65535;
    if (!c) {
        if (parse_port(buf, &lo))
            return fail(p, t->col, TXP_EBADMSG, "invalid port/service `%s' specified", t->s);
        hi = lo;
    } else {
        *c++ = '\0';
        if ((buf[0] && parse_port(buf, &lo)) || (*c && parse_port(c, &hi)))
            return fail(p, t->col, TXP_EBADMSG, "invalid port/service `%s' specified", t->s);
        if (lo > hi)
            return fail(p, t->col, TXP_EBADMSG, "invalid portrange (min > max) `%s'", t->s);
    }
    r[0] = lo;
    r[1] = hi;
    return 0;
}

/* value[/mask] as xtables_parse_val_mask; mask defaults to @p dflt. */
static int
parse_val_mask(const char *s, uint32_t max, uint32_t dflt, uint32_t *v, uint32_t *m)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, s);
    char *sl = strchr(buf, '/');
    *m = dflt;
    if (sl) {
        *sl++ = '\0';
        if (parse_u32(sl, max, m))
            return -1;
    }
    return parse_u32(buf, max, v);
}

/* strcasecmp for ASCII without needing POSIX. */
static int
strcasecmp_ascii(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        x = x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x;
        y = y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y;
        if (x != y || !x)
            return x - y;
    }
}

/* strtok_r(s, ",") without needing POSIX: fields separated by @p sep, empty ones skipped. */
static char *
split(char *s, char sep, char **save)
{
    char *q = s ? s : *save;
    while (*q == sep)
        q++;
    if (!*q) {
        *save = q;
        return NULL;
    }
    char *start = q;
    while (*q && *q != sep)
        q++;
    if (*q)
        *q++ = '\0';
    *save = q;
    return start;
}

/* ---------------------------------------------------------------- module tables */

static const char *const unsupported_matches[] = {
    "ah",      "bpf",     "cgroup",   "cluster",    "connbytes", "connlabel", "connlimit",
    "cpu",     "dccp",    "devgroup", "ecn",        "esp",       "hashlimit", "helper",
    "hl",      "icmp6",   "ipcomp",   "ipvs",       "l2tp",      "nfacct",    "osf",
    "physdev", "policy",  "quota",    "rateest",    "realm",     "recent",    "rpfilter",
    "sctp",    "set",     "socket",   "statistic",  "string",    "tcpmss",    "time",
    "u32",     "udplite", "unclean",  "ipv6header", "frag",      "rt",        "mh",
    "eui64",   "hbh",     "dst",      "srh",        "condition", "geoip",     NULL,
};

static const char *const unsupported_targets[] = {
    "QUEUE",    "NFQUEUE", "NFLOG",    "ULOG",  "TCPMSS",  "CLASSIFY",    "SET",   "AUDIT",
    "CHECKSUM", "NETMAP",  "TPROXY",   "TEE",   "SECMARK", "CONNSECMARK", "HMARK", "IDLETIMER",
    "LED",      "RATEEST", "SYNPROXY", "TRACE", "ECN",     "CLUSTERIP",   "HL",    "TCPOPTSTRIP",
    "DNPT",     "SNPT",    "MIRROR",   "SAME",  NULL,
};

static int
in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s))
            return 1;
    return 0;
}

static const struct {
    const char *name;
    enum txp_ipt_target_kind kind;
} target_names[] = {
    {"ACCEPT", TXP_IPT_T_ACCEPT},
    {"DROP", TXP_IPT_T_DROP},
    {"RETURN", TXP_IPT_T_RETURN},
    {"REJECT", TXP_IPT_T_REJECT},
    {"LOG", TXP_IPT_T_LOG},
    {"MARK", TXP_IPT_T_MARK},
    {"CONNMARK", TXP_IPT_T_CONNMARK},
    {"TOS", TXP_IPT_T_TOS},
    {"DSCP", TXP_IPT_T_DSCP},
    {"TTL", TXP_IPT_T_TTL},
    {"NOTRACK", TXP_IPT_T_NOTRACK},
    {"CT", TXP_IPT_T_CT},
    {"SNAT", TXP_IPT_T_SNAT},
    {"DNAT", TXP_IPT_T_DNAT},
    {"MASQUERADE", TXP_IPT_T_MASQUERADE},
    {"REDIRECT", TXP_IPT_T_REDIRECT},
};

static int
target_lookup(const char *s, enum txp_ipt_target_kind *k)
{
    for (size_t i = 0; i < sizeof target_names / sizeof target_names[0]; i++)
        if (!strcmp(target_names[i].name, s)) {
            *k = target_names[i].kind;
            return 1;
        }
    return 0;
}

/* ---------------------------------------------------------------- per-rule state */

/* A loaded module: a match (index into r.matches) or the target (midx = -1). */
struct rule_state {
    struct txp_ipt_rule r;
    struct txp_ipt_match m[TXP_IPT_MAX_MATCHES];
    uint32_t mseen[TXP_IPT_MAX_MATCHES]; /* per match: option bits already given */
    uint32_t mcol[TXP_IPT_MAX_MATCHES];  /* column of the -m (or implicit option) */
    uint32_t tseen;                      /* target options given */
    int target_set, proto_set, proto_used;
    enum txp_ipt_target_kind jkind; /* the -j name's kind (option table) */
    const struct tok *target_tok;
    uint32_t ip_seen;                          /* OPT_* bits */
    int module_order[TXP_IPT_MAX_MATCHES + 1]; /* load order; -1 = the target */
    int n_loaded;
    const struct txp_ipt_table *table;
    enum txp_ipt_table_id tid;
    /* -s / -d lists "a,b,..." (one rule per source x destination, sources outer) */
    uint32_t *addrs[2]; /* addr, mask pairs */
    uint32_t n_addrs[2];
    uint32_t setcnt_col; /* column of -c PKTS BYTES, 0 = none */
};

enum {
    OPT_S = 1,
    OPT_D = 2,
    OPT_I = 4,
    OPT_O = 8,
    OPT_P = 16,
    OPT_F = 32,
    OPT_J = 64,
};

/* An extension option: its name (without "--"), the bit used for "only once", whether it
 * takes an argument and whether '!' may precede it. */
struct xopt {
    const char *name;
    uint8_t id;
    uint8_t has_arg;
    uint8_t can_invert;
};

static const struct xopt opts_tcp[] = {
    {"sport", 1, 1, 1},      {"source-port", 1, 1, 1},
    {"dport", 2, 1, 1},      {"destination-port", 2, 1, 1},
    {"tcp-flags", 3, 2, 1},  {"syn", 3, 0, 1},
    {"tcp-option", 4, 1, 1}, {NULL, 0, 0, 0},
};
static const struct xopt opts_udp[] = {
    {"sport", 1, 1, 1}, {"source-port", 1, 1, 1}, {"dport", 2, 1, 1}, {"destination-port", 2, 1, 1},
    {NULL, 0, 0, 0},
};
static const struct xopt opts_icmp[] = {{"icmp-type", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_multiport[] = {
    {"sports", 1, 1, 1}, {"source-ports", 1, 1, 1},
    {"dports", 1, 1, 1}, {"destination-ports", 1, 1, 1},
    {"ports", 1, 1, 1},  {NULL, 0, 0, 0},
};
static const struct xopt opts_state[] = {{"state", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_conntrack[] = {
    {"ctstate", 1, 1, 1},       {"ctdir", 2, 1, 0},
    {"ctproto", 9, 1, 1},       {"ctorigsrc", 9, 1, 1},
    {"ctorigdst", 9, 1, 1},     {"ctreplsrc", 9, 1, 1},
    {"ctrepldst", 9, 1, 1},     {"ctorigsrcport", 9, 1, 1},
    {"ctorigdstport", 9, 1, 1}, {"ctreplsrcport", 9, 1, 1},
    {"ctrepldstport", 9, 1, 1}, {"ctstatus", 9, 1, 1},
    {"ctexpire", 9, 1, 1},      {NULL, 0, 0, 0},
};
static const struct xopt opts_mark[] = {{"mark", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_length[] = {{"length", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_limit[] = {
    {"limit", 1, 1, 0}, {"limit-burst", 2, 1, 0}, {NULL, 0, 0, 0}};
static const struct xopt opts_comment[] = {{"comment", 1, 1, 0}, {NULL, 0, 0, 0}};
static const struct xopt opts_iprange[] = {
    {"src-range", 1, 1, 1}, {"dst-range", 2, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_addrtype[] = {
    {"src-type", 1, 1, 1},        {"dst-type", 2, 1, 1}, {"limit-iface-in", 3, 0, 0},
    {"limit-iface-out", 4, 0, 0}, {NULL, 0, 0, 0},
};
static const struct xopt opts_owner[] = {
    {"uid-owner", 1, 1, 1},    {"gid-owner", 2, 1, 1}, {"socket-exists", 3, 0, 1},
    {"suppl-groups", 9, 0, 0}, {NULL, 0, 0, 0},
};
static const struct xopt opts_tos[] = {{"tos", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_dscp[] = {
    {"dscp", 1, 1, 1}, {"dscp-class", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_ttl[] = {
    {"ttl-eq", 1, 1, 1}, {"ttl-lt", 1, 1, 0}, {"ttl-gt", 1, 1, 0}, {NULL, 0, 0, 0}};
static const struct xopt opts_pkttype[] = {{"pkt-type", 1, 1, 1}, {NULL, 0, 0, 0}};
static const struct xopt opts_mac[] = {{"mac-source", 1, 1, 1}, {NULL, 0, 0, 0}};

static const struct xopt *const match_opts[] = {
    NULL,       opts_tcp,  opts_udp,    opts_icmp,  opts_multiport, opts_state,   opts_conntrack,
    opts_mark,  opts_mark, opts_length, opts_limit, opts_comment,   opts_iprange, opts_addrtype,
    opts_owner, opts_tos,  opts_dscp,   opts_ttl,   opts_pkttype,   opts_mac,
};
#define N_MATCH_KINDS (sizeof match_opts / sizeof match_opts[0])

static const struct xopt topts_none[] = {{NULL, 0, 0, 0}};
static const struct xopt topts_reject[] = {{"reject-with", 1, 1, 0}, {NULL, 0, 0, 0}};
static const struct xopt topts_log[] = {
    {"log-level", 1, 1, 0},        {"log-prefix", 2, 1, 0},
    {"log-tcp-sequence", 3, 0, 0}, {"log-tcp-options", 4, 0, 0},
    {"log-ip-options", 5, 0, 0},   {"log-uid", 6, 0, 0},
    {"log-macdecode", 7, 0, 0},    {NULL, 0, 0, 0},
};
static const struct xopt topts_mark[] = {
    {"set-mark", 1, 1, 0}, {"set-xmark", 1, 1, 0}, {"and-mark", 1, 1, 0},
    {"or-mark", 1, 1, 0},  {"xor-mark", 1, 1, 0},  {NULL, 0, 0, 0},
};
static const struct xopt topts_connmark[] = {
    {"set-mark", 1, 1, 0}, {"set-xmark", 1, 1, 0}, {"and-mark", 1, 1, 0},     {"or-mark", 1, 1, 0},
    {"xor-mark", 1, 1, 0}, {"save-mark", 1, 0, 0}, {"restore-mark", 1, 0, 0}, {"nfmask", 2, 1, 0},
    {"ctmask", 3, 1, 0},   {"mask", 4, 1, 0},      {NULL, 0, 0, 0},
};
static const struct xopt topts_tos[] = {
    {"set-tos", 1, 1, 0}, {"and-tos", 1, 1, 0}, {"or-tos", 1, 1, 0},
    {"xor-tos", 1, 1, 0}, {NULL, 0, 0, 0},
};
static const struct xopt topts_dscp[] = {
    {"set-dscp", 1, 1, 0}, {"set-dscp-class", 1, 1, 0}, {NULL, 0, 0, 0}};
static const struct xopt topts_ttl[] = {
    {"ttl-set", 1, 1, 0}, {"ttl-inc", 1, 1, 0}, {"ttl-dec", 1, 1, 0}, {NULL, 0, 0, 0}};
static const struct xopt topts_ct[] = {
    {"notrack", 1, 0, 0},    {"zone", 2, 1, 0},      {"helper", 9, 1, 0},
    {"ctevents", 9, 1, 0},   {"expevents", 9, 1, 0}, {"zone-orig", 9, 1, 0},
    {"zone-reply", 9, 1, 0}, {"timeout", 9, 1, 0},   {NULL, 0, 0, 0},
};
static const struct xopt topts_snat[] = {
    {"to-source", 1, 1, 0},  {"random", 2, 0, 0}, {"random-fully", 3, 0, 0},
    {"persistent", 4, 0, 0}, {NULL, 0, 0, 0},
};
static const struct xopt topts_dnat[] = {
    {"to-destination", 1, 1, 0},
    {"random", 2, 0, 0},
    {"persistent", 4, 0, 0},
    {NULL, 0, 0, 0},
};
static const struct xopt topts_masq[] = {
    {"to-ports", 1, 1, 0},
    {"random", 2, 0, 0},
    {"random-fully", 3, 0, 0},
    {NULL, 0, 0, 0},
};
static const struct xopt topts_redirect[] = {
    {"to-ports", 1, 1, 0}, {"random", 2, 0, 0}, {NULL, 0, 0, 0}};

static const struct xopt *
target_opts(enum txp_ipt_target_kind k)
{
    switch (k) {
    case TXP_IPT_T_REJECT:
        return topts_reject;
    case TXP_IPT_T_LOG:
        return topts_log;
    case TXP_IPT_T_MARK:
        return topts_mark;
    case TXP_IPT_T_CONNMARK:
        return topts_connmark;
    case TXP_IPT_T_TOS:
        return topts_tos;
    case TXP_IPT_T_DSCP:
        return topts_dscp;
    case TXP_IPT_T_TTL:
        return topts_ttl;
    case TXP_IPT_T_CT:
        return topts_ct;
    case TXP_IPT_T_SNAT:
        return topts_snat;
    case TXP_IPT_T_DNAT:
        return topts_dnat;
    case TXP_IPT_T_MASQUERADE:
        return topts_masq;
    case TXP_IPT_T_REDIRECT:
        return topts_redirect;
    case TXP_IPT_T_NONE:
    case TXP_IPT_T_ACCEPT:
    case TXP_IPT_T_DROP:
    case TXP_IPT_T_RETURN:
    case TXP_IPT_T_JUMP:
    case TXP_IPT_T_NOTRACK:
    default:
        return topts_none;
    }
}

static const struct xopt *
xopt_find(const struct xopt *t, const char *name)
{
    for (; t && t->name; t++)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

/* ---------------------------------------------------------------- match option parsers */

static int
parse_tcp_flags(struct pctx *p, const struct tok *t, uint8_t *out)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    unsigned v = 0;
    char *save = NULL;
    for (char *f = split(buf, ',', &save); f; f = split(NULL, ',', &save)) {
        int i = txp_ipt__name_find(txp_ipt__tcp_flags, f, 1);
        if (i < 0)
            return fail(p, t->col, TXP_EBADMSG, "Unknown TCP flag `%s'", f);
        v |= txp_ipt__tcp_flags[i].value;
    }
    *out = (uint8_t)v;
    return 0;
}

/* ICMP type names of libipt_icmp (RFC 792 / IANA ICMP parameters): type, code range. */
static const struct {
    const char *name;
    uint8_t type, min, max;
} icmp_codes[] = {
    {"any", 0xFF, 0, 0xFF},
    {"echo-reply", 0, 0, 0xFF},
    {"pong", 0, 0, 0xFF},
    {"destination-unreachable", 3, 0, 0xFF},
    {"network-unreachable", 3, 0, 0},
    {"host-unreachable", 3, 1, 1},
    {"protocol-unreachable", 3, 2, 2},
    {"port-unreachable", 3, 3, 3},
    {"fragmentation-needed", 3, 4, 4},
    {"source-route-failed", 3, 5, 5},
    {"network-unknown", 3, 6, 6},
    {"host-unknown", 3, 7, 7},
    {"network-prohibited", 3, 9, 9},
    {"host-prohibited", 3, 10, 10},
    {"TOS-network-unreachable", 3, 11, 11},
    {"TOS-host-unreachable", 3, 12, 12},
    {"communication-prohibited", 3, 13, 13},
    {"host-precedence-violation", 3, 14, 14},
    {"precedence-cutoff", 3, 15, 15},
    {"source-quench", 4, 0, 0xFF},
    {"redirect", 5, 0, 0xFF},
    {"network-redirect", 5, 0, 0},
    {"host-redirect", 5, 1, 1},
    {"TOS-network-redirect", 5, 2, 2},
    {"TOS-host-redirect", 5, 3, 3},
    {"echo-request", 8, 0, 0xFF},
    {"ping", 8, 0, 0xFF},
    {"router-advertisement", 9, 0, 0xFF},
    {"router-solicitation", 10, 0, 0xFF},
    {"time-exceeded", 11, 0, 0xFF},
    {"ttl-exceeded", 11, 0, 0xFF},
    {"ttl-zero-during-transit", 11, 0, 0},
    {"ttl-zero-during-reassembly", 11, 1, 1},
    {"parameter-problem", 12, 0, 0xFF},
    {"ip-header-bad", 12, 0, 0},
    {"required-option-missing", 12, 1, 1},
    {"timestamp-request", 13, 0, 0xFF},
    {"timestamp-reply", 14, 0, 0xFF},
    {"address-mask-request", 17, 0, 0xFF},
    {"address-mask-reply", 18, 0, 0xFF},
};

static int
parse_icmp_type(struct pctx *p, const struct tok *t, struct txp_ipt_m_icmp *ic)
{
    size_t n = strlen(t->s);
    for (size_t i = 0; i < sizeof icmp_codes / sizeof icmp_codes[0]; i++) {
        /* libipt_icmp accepts a unique prefix of a name */
        if (n && !strncmp(icmp_codes[i].name, t->s, n)) {
            for (size_t j = i + 1; j < sizeof icmp_codes / sizeof icmp_codes[0]; j++)
                if (!strncmp(icmp_codes[j].name, t->s, n) && strlen(icmp_codes[j].name) != n &&
                    strlen(icmp_codes[i].name) != n)
                    return fail(p, t->col, TXP_EBADMSG, "Ambiguous ICMP type `%s'", t->s);
            ic->type = icmp_codes[i].type;
            ic->code_min = icmp_codes[i].min;
            ic->code_max = icmp_codes[i].max;
            return 0;
        }
    }
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    char *sl = strchr(buf, '/');
    uint32_t ty, code;
    if (sl)
        *sl++ = '\0';
    if (!is_digit(buf[0]) || parse_u32(buf, 255, &ty))
        return fail(p, t->col, TXP_EBADMSG, "Invalid ICMP type `%s'", t->s);
    ic->type = (uint8_t)ty;
    ic->code_min = 0;
    ic->code_max = 0xFF;
    if (sl) {
        if (!is_digit(sl[0]) || parse_u32(sl, 255, &code))
            return fail(p, t->col, TXP_EBADMSG, "Invalid ICMP code `%s'", sl);
        ic->code_min = ic->code_max = (uint8_t)code;
    }
    return 0;
}

static int
parse_multiport(struct pctx *p, const struct tok *t, struct txp_ipt_m_multiport *mp)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    mp->count = 0;
    for (char *e = buf, *next; e; e = next) {
        next = strchr(e, ',');
        if (next)
            *next++ = '\0';
        char *c = strchr(e, ':');
        uint16_t lo, hi;
        if (c)
            *c++ = '\0';
        if (parse_port(e, &lo) || (c && parse_port(c, &hi)))
            return fail(p, t->col, TXP_EBADMSG, "invalid port/service `%s' specified", e);
        if (mp->count + (c ? 2 : 1) > 15)
            return fail(p, t->col, TXP_EBADMSG, "too many ports specified");
        if (c && lo > hi)
            return fail(p, t->col, TXP_EBADMSG, "invalid portrange specified");
        mp->pflags[mp->count] = c ? 1 : 0;
        mp->ports[mp->count++] = lo;
        if (c) {
            mp->pflags[mp->count] = 0;
            mp->ports[mp->count++] = hi;
        }
    }
    if (!mp->count)
        return fail(p, t->col, TXP_EBADMSG, "multiport: no ports given");
    return 0;
}

static int
parse_states(struct pctx *p, const struct tok *t, int conntrack, uint16_t *mask)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    unsigned m = 0;
    for (char *e = buf, *next; e; e = next) { /* every element must be a state */
        next = strchr(e, ',');
        if (next)
            *next++ = '\0';
        int i = txp_ipt__name_find(txp_ipt__ct_states, e, 1);
        if (i < 0 || (!conntrack && txp_ipt__ct_states[i].value >= TXP_IPT_CT_SNAT))
            return fail(p, t->col, TXP_EBADMSG, "Bad %s \"%s\"", conntrack ? "ctstate" : "state",
                        e);
        m |= txp_ipt__ct_states[i].value;
    }
    if (!m)
        return fail(p, t->col, TXP_EBADMSG, "Bad state \"%s\"", t->s);
    *mask = (uint16_t)m;
    return 0;
}

static int
parse_rtn_types(struct pctx *p, const struct tok *t, uint16_t *mask)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    unsigned m = 0;
    for (char *e = buf, *next; e; e = next) { /* every element must be a type */
        next = strchr(e, ',');
        if (next)
            *next++ = '\0';
        int found = -1;
        for (int i = 0; i < 12; i++) {
            const char *a = txp_ipt__rtn_names[i], *b = e;
            while (*a && (*a == *b || (*a - 'A' + 'a') == *b)) {
                a++;
                b++;
            }
            if (!*a && !*b)
                found = i;
        }
        if (found < 0)
            return fail(p, t->col, TXP_EBADMSG, "addrtype: bad type `%s'", e);
        m |= 1u << found;
    }
    *mask = (uint16_t)m;
    return 0;
}

static int
parse_id_range(const char *s, uint32_t *lo, uint32_t *hi)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (dash)
        *dash++ = '\0';
    if (!is_digit(buf[0]) || parse_u32(buf, 0xFFFFFFFEu, lo))
        return -1;
    *hi = *lo;
    if (dash && (!is_digit(dash[0]) || parse_u32(dash, 0xFFFFFFFEu, hi) || *hi < *lo))
        return -1;
    return 0;
}

static const struct {
    const char *name;
    uint8_t tos;
} tos_names[] = {
    {"Minimize-Delay", 0x10}, {"Maximize-Throughput", 0x08}, {"Maximize-Reliability", 0x04},
    {"Minimize-Cost", 0x02},  {"Normal-Service", 0x00},
};

/* TOS value[/mask] or a symbolic name (mask 0x3f), as tos_parse_symbolic. */
static int
parse_tos(const char *s, uint8_t *v, uint8_t *m, uint32_t dflt_mask)
{
    uint32_t x, y;
    if (!parse_val_mask(s, 255, dflt_mask, &x, &y)) {
        *v = (uint8_t)x;
        *m = (uint8_t)y;
        return 0;
    }
    for (size_t i = 0; i < sizeof tos_names / sizeof tos_names[0]; i++)
        if (!strcmp(tos_names[i].name, s)) {
            *v = tos_names[i].tos;
            *m = 0x3F;
            return 0;
        }
    return -1;
}

static const struct {
    const char *name;
    uint8_t dscp;
} dscp_classes[] = {
    {"CS0", 0x00},  {"CS1", 0x08},  {"CS2", 0x10},  {"CS3", 0x18},  {"CS4", 0x20},  {"CS5", 0x28},
    {"CS6", 0x30},  {"CS7", 0x38},  {"BE", 0x00},   {"AF11", 0x0a}, {"AF12", 0x0c}, {"AF13", 0x0e},
    {"AF21", 0x12}, {"AF22", 0x14}, {"AF23", 0x16}, {"AF31", 0x1a}, {"AF32", 0x1c}, {"AF33", 0x1e},
    {"AF41", 0x22}, {"AF42", 0x24}, {"AF43", 0x26}, {"EF", 0x2e},
};

static int
parse_dscp_class(const char *s, uint8_t *out)
{
    for (size_t i = 0; i < sizeof dscp_classes / sizeof dscp_classes[0]; i++) {
        const char *a = dscp_classes[i].name, *b = s;
        while (*a && (*a == *b || *a == *b - 'a' + 'A')) {
            a++;
            b++;
        }
        if (!*a && !*b) {
            *out = dscp_classes[i].dscp;
            return 0;
        }
    }
    return -1;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = *s++;
            unsigned dgt;
            if (c >= '0' && c <= '9')
                dgt = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                dgt = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                dgt = (unsigned)(c - 'A' + 10);
            else
                return -1;
            v = v * 16 + dgt;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    return *s ? -1 : 0;
}

/* --limit N[/second|/minute|/hour|/day] (prefix of the unit word), as libxt_limit parse_rate. */
static int
parse_rate(const char *s, uint32_t *avg)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, s);
    char *sl = strchr(buf, '/');
    uint32_t mult = 1;
    if (sl) {
        *sl++ = '\0';
        size_t n = strlen(sl);
        if (!n)
            return -1;
        if (!strncmp(sl, "second", n))
            mult = 1;
        else if (!strncmp(sl, "minute", n))
            mult = 60;
        else if (!strncmp(sl, "hour", n))
            mult = 3600;
        else if (!strncmp(sl, "day", n))
            mult = 86400;
        else
            return -1;
    }
    uint32_t r;
    if (!is_digit(buf[0]) || parse_u32(buf, 0xFFFFFFFFu, &r) || r == 0)
        return -1;
    if (10000ull * mult / r == 0)
        return -2;
    *avg = (uint32_t)(10000ull * mult / r);
    return 0;
}

/* Parse one match option: @p o of match @p mi, argument @p arg (NULL when none). */
static int
match_option(struct pctx *p, struct rule_state *st, int mi, const struct xopt *o, int inv,
             const struct tok *opt, const struct tok *arg, const struct tok *arg2)
{
    struct txp_ipt_match *m = &st->m[mi];
    const char *mname = txp_ipt_match_name(m->kind);
    if (o->id == 9)
        return fail(p, opt->col, TXP_ENOTSUP, "%s option \"%s\" is not supported by txpath", mname,
                    opt->s);
    if (inv && !o->can_invert)
        return fail(p, opt->col, TXP_EBADMSG, "%s: option \"%s\" cannot be inverted.", mname,
                    opt->s);
    uint32_t bit = 1u << o->id;
    if (st->mseen[mi] & bit)
        return fail(p, opt->col, TXP_EBADMSG, "%s: option \"%s\" can only be used once.", mname,
                    opt->s);
    st->mseen[mi] |= bit;
    switch (m->kind) {
    case TXP_IPT_M_TCP:
    case TXP_IPT_M_UDP: {
        struct txp_ipt_m_tcpudp *tu = &m->u.tcpudp;
        if (o->id == 1) {
            if (parse_port_range(p, arg, tu->spts))
                return p->err;
            tu->invflags |= inv ? 0x01 : 0;
        } else if (o->id == 2) {
            if (parse_port_range(p, arg, tu->dpts))
                return p->err;
            tu->invflags |= inv ? 0x02 : 0;
        } else if (o->id == 3 && !arg) { /* --syn */
            tu->flg_mask = 0x17;
            tu->flg_cmp = 0x02;
            tu->invflags |= inv ? 0x04 : 0;
        } else if (o->id == 3) {
            if (parse_tcp_flags(p, arg, &tu->flg_mask) || parse_tcp_flags(p, arg2, &tu->flg_cmp))
                return p->err;
            tu->invflags |= inv ? 0x04 : 0;
        } else {
            uint32_t v;
            if (!is_digit(arg->s[0]) || parse_u32(arg->s, 255, &v) || v == 0)
                return fail(p, arg->col, TXP_EBADMSG,
                            "tcp: bad value for option \"--tcp-option\", or out of range (1-255).");
            tu->option = (uint8_t)v;
            tu->invflags |= inv ? 0x08 : 0;
        }
        return 0;
    }
    case TXP_IPT_M_ICMP:
        if (parse_icmp_type(p, arg, &m->u.icmp))
            return p->err;
        m->u.icmp.invert = inv ? 1 : 0;
        return 0;
    case TXP_IPT_M_MULTIPORT: {
        uint16_t pr = st->r.ip.proto;
        if (!(pr == 6 || pr == 17 || pr == 136 || pr == 132 || pr == 33) ||
            (st->r.ip.invflags & TXP_IPT_INV_PROTO))
            return fail(p, opt->col, TXP_EBADMSG,
                        "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
        if (parse_multiport(p, arg, &m->u.multiport))
            return p->err;
        m->u.multiport.flags = (uint8_t)(opt->s[2] == 's' ? 1 : opt->s[2] == 'd' ? 2 : 3);
        m->u.multiport.invert = inv ? 1 : 0;
        return 0;
    }
    case TXP_IPT_M_STATE:
    case TXP_IPT_M_CONNTRACK:
        if (o->id == 1) {
            if (parse_states(p, arg, m->kind == TXP_IPT_M_CONNTRACK, &m->u.ct.statemask))
                return p->err;
            m->u.ct.invert = inv ? 1 : 0;
        } else {
            if (!strcasecmp_ascii(arg->s, "ORIGINAL"))
                m->u.ct.dir = 1;
            else if (!strcasecmp_ascii(arg->s, "REPLY"))
                m->u.ct.dir = 2;
            else
                return fail(p, arg->col, TXP_EBADMSG,
                            "Unknown --ctdir `%s': expected ORIGINAL or REPLY", arg->s);
        }
        return 0;
    case TXP_IPT_M_MARK:
    case TXP_IPT_M_CONNMARK:
        if (parse_val_mask(arg->s, 0xFFFFFFFFu, 0xFFFFFFFFu, &m->u.mark.mark, &m->u.mark.mask))
            return fail(p, arg->col, TXP_EBADMSG, "%s: bad value for option \"--mark\": `%s'",
                        mname, arg->s);
        m->u.mark.invert = inv ? 1 : 0;
        return 0;
    case TXP_IPT_M_LENGTH: {
        char buf[MAX_PARAM + 1];
        strcpy(buf, arg->s);
        char *c = strchr(buf, ':');
        uint32_t lo = 0, hi;
        if (c)
            *c++ = '\0';
        if ((buf[0] || !c) && parse_u32(buf, 65535, &lo))
            return fail(p, arg->col, TXP_EBADMSG, "length: bad value `%s' (0-65535 or a:b)",
                        arg->s);
        hi = c ? 65535 : lo;
        if (c && *c && parse_u32(c, 65535, &hi))
            return fail(p, arg->col, TXP_EBADMSG, "length: bad value `%s' (0-65535 or a:b)",
                        arg->s);
        m->u.length.min = (uint16_t)lo;
        m->u.length.max = (uint16_t)hi;
        m->u.length.invert = inv ? 1 : 0;
        return 0;
    }
    case TXP_IPT_M_LIMIT:
        if (o->id == 1) {
            int rc = parse_rate(arg->s, &m->u.limit.avg);
            if (rc == -2)
                return fail(p, arg->col, TXP_EBADMSG, "Rate too fast \"%s\"", arg->s);
            if (rc)
                return fail(p, arg->col, TXP_EBADMSG, "bad rate \"%s\"'", arg->s);
        } else {
            uint32_t b;
            if (parse_u32(arg->s, 10000, &b))
                return fail(p, arg->col, TXP_EBADMSG,
                            "limit: bad value for option \"--limit-burst\", or out of range "
                            "(0-10000).");
            /* iptables-nft keeps an explicit burst of 0 as the default 5 (it saves without
             * --limit-burst) */
            m->u.limit.burst = b ? b : 5;
        }
        return 0;
    case TXP_IPT_M_COMMENT:
        /* iptables keeps the first 255 characters of a longer comment */
        memset(m->u.comment.text, 0, sizeof m->u.comment.text);
        strncpy(m->u.comment.text, arg->s, sizeof m->u.comment.text - 1);
        return 0;
    case TXP_IPT_M_IPRANGE: {
        char buf[MAX_PARAM + 1];
        strcpy(buf, arg->s);
        char *dash = strchr(buf, '-');
        uint32_t lo, hi;
        if (dash)
            *dash++ = '\0';
        if (parse_ip(buf, &lo) || (dash && parse_ip(dash, &hi)))
            return fail(p, arg->col, TXP_EBADMSG, "iprange: bad range `%s'", arg->s);
        if (!dash)
            hi = lo;
        if (o->id == 1) {
            m->u.iprange.src_min = lo;
            m->u.iprange.src_max = hi;
            m->u.iprange.flags |= (uint8_t)(0x01 | (inv ? 0x10 : 0));
        } else {
            m->u.iprange.dst_min = lo;
            m->u.iprange.dst_max = hi;
            m->u.iprange.flags |= (uint8_t)(0x02 | (inv ? 0x20 : 0));
        }
        return 0;
    }
    case TXP_IPT_M_ADDRTYPE:
        if (o->id == 1) {
            if (parse_rtn_types(p, arg, &m->u.addrtype.source))
                return p->err;
            m->u.addrtype.flags |= inv ? 1u : 0u;
        } else if (o->id == 2) {
            if (parse_rtn_types(p, arg, &m->u.addrtype.dest))
                return p->err;
            m->u.addrtype.flags |= inv ? 2u : 0u;
        } else {
            uint32_t f = o->id == 3 ? 4u : 8u;
            if (m->u.addrtype.flags & (12u & ~f))
                return fail(p, opt->col, TXP_EBADMSG,
                            "addrtype: you can't specify both --limit-iface-in and "
                            "--limit-iface-out");
            m->u.addrtype.flags |= f;
        }
        return 0;
    case TXP_IPT_M_OWNER: {
        struct txp_ipt_m_owner *ow = &m->u.owner;
        uint8_t b = (uint8_t)(o->id == 1 ? 1 : o->id == 2 ? 2 : 4);
        if (o->id == 1 && parse_id_range(arg->s, &ow->uid_min, &ow->uid_max))
            return fail(
                p, arg->col, TXP_ENOTSUP,
                "owner: --uid-owner `%s': only numeric ids and ranges are supported by txpath",
                arg->s);
        if (o->id == 2 && parse_id_range(arg->s, &ow->gid_min, &ow->gid_max))
            return fail(
                p, arg->col, TXP_ENOTSUP,
                "owner: --gid-owner `%s': only numeric ids and ranges are supported by txpath",
                arg->s);
        ow->match |= b;
        ow->invert |= inv ? b : 0;
        return 0;
    }
    case TXP_IPT_M_TOS:
        if (parse_tos(arg->s, &m->u.tos.value, &m->u.tos.mask, 0xFF))
            return fail(p, arg->col, TXP_EBADMSG, "tos: bad value `%s'", arg->s);
        m->u.tos.invert = inv ? 1 : 0;
        return 0;
    case TXP_IPT_M_DSCP: {
        uint32_t v;
        if (opt->s[6] == '-') { /* --dscp-class */
            if (parse_dscp_class(arg->s, &m->u.dscp.dscp))
                return fail(p, arg->col, TXP_EBADMSG, "Invalid DSCP class value `%s'", arg->s);
        } else {
            if (parse_u32(arg->s, 63, &v))
                return fail(p, arg->col, TXP_EBADMSG, "Invalid dscp value `%s' (0-63)", arg->s);
            m->u.dscp.dscp = (uint8_t)v;
        }
        m->u.dscp.invert = inv ? 1 : 0;
        return 0;
    }
    case TXP_IPT_M_TTL: {
        uint32_t v;
        if (parse_u32(arg->s, 255, &v))
            return fail(p, arg->col, TXP_EBADMSG,
                        "ttl: bad value for option \"%s\", or out of range (0-255).", opt->s);
        m->u.ttl.value = (uint8_t)v;
        m->u.ttl.mode = (uint8_t)(opt->s[6] == 'e' ? (inv ? 1 : 0) : opt->s[6] == 'l' ? 2 : 3);
        return 0;
    }
    case TXP_IPT_M_PKTTYPE: {
        static const char *const alias[] = {"unicast", "broadcast", "multicast", "otherhost",
                                            "host"};
        int found = -1;
        for (int i = 0; i < 5; i++) {
            const char *a = alias[i], *b = arg->s;
            while (*a && (*a == *b || *a == *b - 'A' + 'a')) {
                a++;
                b++;
            }
            if (!*a && !*b)
                found = i == 4 ? 0 : i;
        }
        if (found < 0)
            return fail(p, arg->col, TXP_ENOTSUP,
                        "pkttype: `%s' is not supported by txpath (unicast, broadcast, multicast, "
                        "otherhost)",
                        arg->s);
        m->u.pkttype.pkttype = (uint8_t)found;
        m->u.pkttype.invert = inv ? 1 : 0;
        return 0;
    }
    case TXP_IPT_M_MAC:
        if (parse_mac(arg->s, m->u.mac.addr))
            return fail(p, arg->col, TXP_EBADMSG, "Bad mac address \"%s\"", arg->s);
        m->u.mac.invert = inv ? 1 : 0;
        return 0;
    default:
        return fail(p, opt->col, TXP_EBADMSG, "internal: bad match kind");
    }
}

/* ---------------------------------------------------------------- target option parsers */

static const struct {
    const char *name;
    uint8_t with;
} reject_aliases[] = {
    {"icmp-net-unreachable", 0},
    {"net-unreach", 0},
    {"icmp-host-unreachable", 1},
    {"host-unreach", 1},
    {"icmp-proto-unreachable", 2},
    {"proto-unreach", 2},
    {"icmp-port-unreachable", 3},
    {"port-unreach", 3},
    {"icmp-echo-reply", 4},
    {"echo-reply", 4},
    {"icmp-net-prohibited", 5},
    {"net-prohib", 5},
    {"icmp-host-prohibited", 6},
    {"host-prohib", 6},
    {"tcp-reset", 7},
    {"tcp-rst", 7},
    {"icmp-admin-prohibited", 8},
    {"admin-prohib", 8},
};

static const char *const log_levels[] = {"emerg",   "alert",  "crit", "error",
                                         "warning", "notice", "info", "debug"};

/* NAT range "a[-b][:p[-q]]" (SNAT/DNAT), "p[-q]" (MASQUERADE/REDIRECT: @p ports_only). */
static int
parse_nat_range(struct pctx *p, const struct rule_state *st, const struct tok *t, int ports_only,
                struct txp_ipt_nat *n)
{
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    char *ports = ports_only ? buf : strchr(buf, ':');
    if (ports) {
        uint16_t pr = st->r.ip.proto;
        if (!(pr == 6 || pr == 17 || pr == 132 || pr == 33))
            return fail(p, t->col, TXP_EBADMSG,
                        "Need TCP, UDP, SCTP or DCCP with port specification");
        if (!ports_only)
            *ports++ = '\0';
        char *dash = strchr(ports, '-');
        uint32_t lo, hi;
        if (dash)
            *dash++ = '\0';
        if (!is_digit(ports[0]) || parse_u32(ports, 65535, &lo) ||
            (dash && (!is_digit(dash[0]) || parse_u32(dash, 65535, &hi))))
            return fail(p, t->col, TXP_EBADMSG, "Port \"%s\" not valid", t->s);
        if (!dash)
            hi = lo;
        if (hi < lo)
            return fail(p, t->col, TXP_EBADMSG, "Invalid port range \"%s\" (min > max)", t->s);
        n->flags |= 2;
        n->min_port = (uint16_t)lo;
        n->max_port = (uint16_t)hi;
    }
    if (!ports_only && buf[0]) {
        char *dash = strchr(buf, '-');
        uint32_t lo, hi;
        if (dash)
            *dash++ = '\0';
        if (parse_ip(buf, &lo) || (dash && parse_ip(dash, &hi)))
            return fail(p, t->col, TXP_EBADMSG, "Bad IP address \"%s\"", t->s);
        if (!dash)
            hi = lo;
        /* a reversed address range is accepted and saved as given (iptables-nft) */
        n->flags |= 1;
        n->min_addr = lo;
        n->max_addr = hi;
    }
    return 0;
}

static int
target_option(struct pctx *p, struct rule_state *st, const struct xopt *o, const struct tok *opt,
              const struct tok *arg)
{
    struct txp_ipt_target *tg = &st->r.target;
    const char *tname = st->target_tok->s;
    if (o->id == 9)
        return fail(p, opt->col, TXP_ENOTSUP, "%s option \"%s\" is not supported by txpath", tname,
                    opt->s);
    uint32_t bit = 1u << o->id;
    if (st->tseen & bit)
        return fail(p, opt->col, TXP_EBADMSG,
                    "%s: option \"%s\" can only be used once "
                    "(or conflicts with an earlier one).",
                    tname, opt->s);
    st->tseen |= bit;
    const char *on = opt->s + 2;
    uint32_t v, m;
    switch (st->jkind) {
    case TXP_IPT_T_REJECT:
        for (size_t i = 0; i < sizeof reject_aliases / sizeof reject_aliases[0]; i++)
            if (!strcmp(reject_aliases[i].name, arg->s)) {
                if (reject_aliases[i].with == TXP_IPT_REJ_ECHOREPLY)
                    return fail(p, arg->col, TXP_EBADMSG,
                                "REJECT: --reject-with %s is no longer supported by the kernel",
                                arg->s);
                tg->u.reject_with = reject_aliases[i].with;
                return 0;
            }
        return fail(p, arg->col, TXP_EBADMSG, "unknown reject type \"%s\"", arg->s);
    case TXP_IPT_T_LOG:
        if (o->id == 1) {
            for (uint8_t i = 0; i < 8; i++)
                if (!strcmp(log_levels[i], arg->s)) {
                    tg->u.log.level = i;
                    return 0;
                }
            if (!strcmp(arg->s, "panic") || !strcmp(arg->s, "err") || !strcmp(arg->s, "warn")) {
                tg->u.log.level = arg->s[0] == 'p' ? 0 : arg->s[0] == 'e' ? 3 : 4;
                return 0;
            }
            if (!is_digit(arg->s[0]) || parse_u32(arg->s, 7, &v))
                return fail(p, arg->col, TXP_EBADMSG, "log-level `%s' unknown", arg->s);
            tg->u.log.level = (uint8_t)v;
        } else if (o->id == 2) {
            if (!arg->s[0])
                return fail(p, arg->col, TXP_EBADMSG, "No prefix specified for --log-prefix");
            /* iptables keeps the first 29 characters of a longer prefix (with a warning) */
            memset(tg->u.log.prefix, 0, sizeof tg->u.log.prefix);
            strncpy(tg->u.log.prefix, arg->s, sizeof tg->u.log.prefix - 1);
        } else {
            static const uint8_t bits[] = {0, 0, 0, 0x01, 0x02, 0x04, 0x08, 0x20};
            tg->u.log.flags |= bits[o->id];
        }
        return 0;
    case TXP_IPT_T_MARK:
    case TXP_IPT_T_CONNMARK: {
        int cm = tg->kind == TXP_IPT_T_CONNMARK;
        uint32_t *val = cm ? &tg->u.connmark.ctmark : &tg->u.mark.value;
        uint32_t *msk = cm ? &tg->u.connmark.ctmask : &tg->u.mark.mask;
        if (o->id == 1 && (!strcmp(on, "save-mark") || !strcmp(on, "restore-mark"))) {
            tg->u.connmark.mode = on[0] == 's' ? 1 : 2;
            if (!(st->tseen & (1u << 2)))
                tg->u.connmark.nfmask = 0xFFFFFFFFu;
            if (!(st->tseen & (1u << 3)))
                tg->u.connmark.ctmask = 0xFFFFFFFFu;
            return 0;
        }
        if (o->id >= 2) { /* --nfmask, --ctmask, --mask */
            if (parse_u32(arg->s, 0xFFFFFFFFu, &v))
                return fail(p, arg->col, TXP_EBADMSG, "CONNMARK: bad mask `%s'", arg->s);
            if (o->id == 2 || o->id == 4)
                tg->u.connmark.nfmask = v;
            if (o->id == 3 || o->id == 4)
                tg->u.connmark.ctmask = v;
            if (o->id == 4)
                st->tseen |= (1u << 2) | (1u << 3);
            return 0;
        }
        if (parse_val_mask(arg->s, 0xFFFFFFFFu, 0xFFFFFFFFu, &v, &m) ||
            (strchr(arg->s, '/') && on[0] != 's'))
            return fail(p, arg->col, TXP_EBADMSG, "%s: bad value for option \"%s\": `%s'", tname,
                        opt->s, arg->s);
        if (!strcmp(on, "set-xmark")) {
            *val = v;
            *msk = m;
        } else if (!strcmp(on, "set-mark")) {
            *val = v;
            *msk = v | m;
        } else if (!strcmp(on, "and-mark")) {
            *val = 0;
            *msk = ~v;
        } else if (!strcmp(on, "or-mark")) {
            *val = v;
            *msk = v;
        } else {
            *val = v;
            *msk = 0;
        }
        if (cm)
            tg->u.connmark.mode = 0;
        return 0;
    }
    case TXP_IPT_T_TOS: {
        uint8_t tv, tm;
        if (!strcmp(on, "set-tos")) {
            if (parse_tos(arg->s, &tv, &tm, 0xFF))
                return fail(p, arg->col, TXP_EBADMSG, "TOS: bad value `%s'", arg->s);
            tg->u.tos.value = tv;
            tg->u.tos.mask = tm;
        } else {
            if (parse_u32(arg->s, 255, &v))
                return fail(p, arg->col, TXP_EBADMSG, "TOS: bad value `%s'", arg->s);
            if (on[0] == 'a') {
                tg->u.tos.value = 0;
                tg->u.tos.mask = (uint8_t)~v;
            } else if (on[0] == 'o') {
                tg->u.tos.value = tg->u.tos.mask = (uint8_t)v;
            } else {
                tg->u.tos.value = (uint8_t)v;
                tg->u.tos.mask = 0;
            }
        }
        return 0;
    }
    case TXP_IPT_T_DSCP:
        if (!strcmp(on, "set-dscp-class")) {
            if (parse_dscp_class(arg->s, &tg->u.dscp))
                return fail(p, arg->col, TXP_EBADMSG, "Invalid DSCP class value `%s'", arg->s);
        } else {
            if (parse_u32(arg->s, 63, &v))
                return fail(p, arg->col, TXP_EBADMSG, "Invalid dscp value `%s' (0-63)", arg->s);
            tg->u.dscp = (uint8_t)v;
        }
        return 0;
    case TXP_IPT_T_TTL:
        if (!is_digit(arg->s[0]) || parse_u32(arg->s, 255, &v) || (on[4] != 's' && v == 0))
            return fail(p, arg->col, TXP_EBADMSG,
                        "TTL: bad value for option \"%s\", or out of range (%s-255).", opt->s,
                        on[4] == 's' ? "0" : "1");
        tg->u.ttl.mode = (uint8_t)(on[4] == 's' ? 0 : on[4] == 'i' ? 1 : 2);
        tg->u.ttl.value = (uint8_t)v;
        return 0;
    case TXP_IPT_T_CT:
        if (o->id == 1) {
            if (st->tseen & (1u << 2))
                return fail(p, opt->col, TXP_ENOTSUP,
                            "CT: --notrack together with --zone is not supported by txpath");
            tg->kind = TXP_IPT_T_NOTRACK;
            tg->u.ct.zone = TXP_IPT_NOTRACK_VIA_CT;
            return 0;
        }
        if (st->tseen & (1u << 1))
            return fail(p, opt->col, TXP_ENOTSUP,
                        "CT: --notrack together with --zone is not supported by txpath");
        if (parse_u32(arg->s, 65535, &v))
            return fail(p, arg->col, TXP_EBADMSG, "CT: bad zone `%s' (0-65535)", arg->s);
        tg->u.ct.zone = (uint16_t)v;
        return 0;
    case TXP_IPT_T_SNAT:
    case TXP_IPT_T_DNAT:
    case TXP_IPT_T_MASQUERADE:
    case TXP_IPT_T_REDIRECT:
        if (o->id == 1) {
            int po = tg->kind == TXP_IPT_T_MASQUERADE || tg->kind == TXP_IPT_T_REDIRECT;
            return parse_nat_range(p, st, arg, po, &tg->u.nat);
        }
        tg->u.nat.flags |= o->id == 2 ? 4u : o->id == 3 ? 16u : 8u;
        return 0;
    case TXP_IPT_T_NOTRACK:
    case TXP_IPT_T_NONE:
    case TXP_IPT_T_ACCEPT:
    case TXP_IPT_T_DROP:
    case TXP_IPT_T_RETURN:
    case TXP_IPT_T_JUMP:
    default:
        return fail(p, opt->col, TXP_EBADMSG, "unknown option \"%s\"", opt->s);
    }
}

/* iptables' own long options (iptables.c: original_opts) with their short letter. */
static const struct {
    const char *name;
    char val;
} builtin_long[] = {
    {"append", 'A'},   {"delete", 'D'},       {"check", 'C'},         {"insert", 'I'},
    {"replace", 'R'},  {"list", 'L'},         {"list-rules", 'S'},    {"flush", 'F'},
    {"zero", 'Z'},     {"new-chain", 'N'},    {"delete-chain", 'X'},  {"rename-chain", 'E'},
    {"policy", 'P'},   {"source", 's'},       {"destination", 'd'},   {"src", 's'},
    {"dst", 'd'},      {"protocol", 'p'},     {"in-interface", 'i'},  {"jump", 'j'},
    {"table", 't'},    {"match", 'm'},        {"numeric", 'n'},       {"out-interface", 'o'},
    {"verbose", 'v'},  {"wait", 'w'},         {"wait-interval", 'W'}, {"exact", 'x'},
    {"fragment", 'f'}, {"version", 'V'},      {"help", 'h'},          {"line-numbers", '0'},
    {"modprobe", 'M'}, {"set-counters", 'c'}, {"goto", 'g'},          {"ipv4", '4'},
    {"ipv6", '6'},
};

/* getopt_long's abbreviations: "--dpo" stands for "--dport" when no option is named exactly
 * so and exactly one option (or several spellings of one iptables option) starts with it.
 * Looks at iptables' options and the loaded modules' (plus @p extra, the -p protocol's match
 * that iptables would load on an unknown option). Writes "--NAME" into @p out.
 * @return 1 resolved (or exact), 0 nothing matches, -1 ambiguous. */
static int
resolve_long(const struct rule_state *st, const struct xopt *extra, const char *s, char *out,
             size_t cap)
{
    const char *name = s + 2, *found = NULL;
    size_t n = strlen(name);
    char bval = 0;
    int count = 0;
    for (size_t i = 0; i < sizeof builtin_long / sizeof builtin_long[0]; i++) {
        if (!strcmp(builtin_long[i].name, name))
            return 1;
        if (!strncmp(builtin_long[i].name, name, n) && (!count || bval != builtin_long[i].val)) {
            count++;
            bval = builtin_long[i].val;
            found = builtin_long[i].name;
        }
    }
    for (int k = -1; k < st->n_loaded; k++) {
        const struct xopt *o;
        if (k < 0)
            o = extra;
        else if (st->module_order[k] < 0)
            o = target_opts(st->jkind);
        else
            o = match_opts[st->m[st->module_order[k]].kind];
        for (; o && o->name; o++) {
            if (!strcmp(o->name, name))
                return 1;
            if (!strncmp(o->name, name, n) && (!found || strcmp(found, o->name))) {
                count++;
                found = o->name;
            }
        }
    }
    if (count > 1)
        return -1;
    if (!count || strlen(found) + 3 > cap)
        return 0;
    snprintf(out, cap, "--%s", found);
    return 1;
}

/* ---------------------------------------------------------------- one rule line */

/* "a[/m],b[/m],...": every element an address (xtables_ipparse_multiple). */
static int
parse_addr_list(struct pctx *p, struct rule_state *st, int which, const struct tok *t)
{
    uint32_t n = 1;
    for (const char *q = t->s; *q; q++)
        n += *q == ',';
    uint32_t *v = malloc(2u * n * sizeof *v);
    if (!v)
        return TXP_ENOMEM;
    char buf[MAX_PARAM + 1];
    strcpy(buf, t->s);
    uint32_t k = 0;
    for (char *e = buf, *next; e; e = next) {
        next = strchr(e, ',');
        if (next)
            *next++ = '\0';
        if (parse_addr_mask(e, &v[2 * k], &v[2 * k + 1])) {
            free(v);
            return fail(p, t->col, TXP_EBADMSG,
                        "host/network `%s' not found (numeric a.b.c.d[/len|/mask] expected)", e);
        }
        k++;
    }
    free(st->addrs[which]);
    st->addrs[which] = v;
    st->n_addrs[which] = k;
    return 0;
}

static int
match_load(struct pctx *p, struct rule_state *st, enum txp_ipt_match_kind k, uint32_t col)
{
    if (st->r.n_matches >= TXP_IPT_MAX_MATCHES || st->n_loaded > TXP_IPT_MAX_MATCHES)
        return fail(p, col, TXP_ENOTSUP,
                    "more than %d matches in one rule are not supported by txpath",
                    TXP_IPT_MAX_MATCHES);
    uint32_t i = st->r.n_matches++;
    struct txp_ipt_match *m = &st->m[i];
    memset(m, 0, sizeof *m);
    m->kind = k;
    st->mcol[i] = col;
    switch (k) {
    case TXP_IPT_M_TCP:
    case TXP_IPT_M_UDP:
        m->u.tcpudp.spts[1] = m->u.tcpudp.dpts[1] = 0xFFFF;
        break;
    case TXP_IPT_M_ICMP:
        m->u.icmp.type = 0xFF;
        m->u.icmp.code_max = 0xFF;
        break;
    case TXP_IPT_M_LIMIT:
        m->u.limit.avg = 10000u * 3600u / 3u; /* 3/hour */
        m->u.limit.burst = 5;
        break;
    case TXP_IPT_M_MARK:
    case TXP_IPT_M_CONNMARK:
        m->u.mark.mask = 0xFFFFFFFFu;
        break;
    case TXP_IPT_M_MULTIPORT:
    case TXP_IPT_M_STATE:
    case TXP_IPT_M_CONNTRACK:
    case TXP_IPT_M_LENGTH:
    case TXP_IPT_M_COMMENT:
    case TXP_IPT_M_IPRANGE:
    case TXP_IPT_M_ADDRTYPE:
    case TXP_IPT_M_OWNER:
    case TXP_IPT_M_TOS:
    case TXP_IPT_M_DSCP:
    case TXP_IPT_M_TTL:
    case TXP_IPT_M_PKTTYPE:
    case TXP_IPT_M_MAC:
    default:
        break;
    }
    st->module_order[st->n_loaded++] = (int)i;
    return (int)i;
}

static int
parse_iface(struct pctx *p, const struct tok *t, int inv, char name[TXP_IPT_IFNAMSIZ],
            uint8_t mask[TXP_IPT_IFNAMSIZ])
{
    size_t n = strlen(t->s);
    if (n >= TXP_IPT_IFNAMSIZ)
        return fail(p, t->col, TXP_EBADMSG,
                    "interface name `%s' must be shorter than IFNAMSIZ (%i)", t->s,
                    TXP_IPT_IFNAMSIZ - 1);
    if (strpbrk(t->s, " \t\"'"))
        return fail(p, t->col, TXP_ENOTSUP,
                    "interface name `%s' with a blank or quote is not supported by txpath "
                    "(iptables-save could not print it back)",
                    t->s);
    memset(name, 0, TXP_IPT_IFNAMSIZ);
    memset(mask, 0, TXP_IPT_IFNAMSIZ);
    if (n == 0 || (n == 1 && t->s[0] == '+' && !inv))
        return 0; /* "+" matches every interface: iptables-nft saves nothing */
    memcpy(name, t->s, n);
    if (t->s[n - 1] == '+')
        memset(mask, 0xFF, n - 1);
    else
        memset(mask, 0xFF, n + 1 > TXP_IPT_IFNAMSIZ ? TXP_IPT_IFNAMSIZ : n + 1);
    return 0;
}

static int
parse_proto(const char *s, uint16_t *out)
{
    char low[64];
    size_t n = strlen(s);
    if (!n || n >= sizeof low)
        return -1;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    uint32_t v;
    if (is_digit(low[0])) {
        if (parse_u32(low, 255, &v))
            return -1;
        *out = (uint16_t)v;
        return 0;
    }
    int i = txp_ipt__name_find(txp_ipt__protos, low, 0);
    if (i < 0)
        return -1;
    *out = (uint16_t)txp_ipt__protos[i].value;
    return 0;
}

static const char *const unsupported_cmds[] = {
    "-D",
    "--delete",
    "-R",
    "--replace",
    "-Z",
    "--zero",
    "-E",
    "--rename-chain",
    "-L",
    "--list",
    "-S",
    "--list-rules",
    "-C",
    "--check",
    "-4",
    "--ipv4",
    "-6",
    "--ipv6",
    "-w",
    "--wait",
    "-W",
    "--wait-interval",
    "-t",
    "--table",
    "-n",
    "--numeric",
    "-v",
    "--verbose",
    "-x",
    "--exact",
    "--line-numbers",
    "--modprobe",
    NULL,
};

static int
is_opt(const char *s, const char *a, const char *b, const char *c)
{
    return !strcmp(s, a) || (b && !strcmp(s, b)) || (c && !strcmp(s, c));
}

/* Whether iptables-nft turns this tcp/udp match into payload expressions (nft.c:
 * add_nft_tcp/add_nft_udp): not all defaults, no --tcp-option. */
static int
tcpudp_native_raw(const struct txp_ipt_match *m)
{
    const struct txp_ipt_m_tcpudp *t = &m->u.tcpudp;
    if (t->option || (t->invflags & 0x08))
        return 0;
    return t->spts[0] != 0 || t->spts[1] != 0xFFFF || t->dpts[0] != 0 || t->dpts[1] != 0xFFFF ||
           t->flg_mask || t->flg_cmp || t->invflags;
}

static int
final_checks(struct pctx *p, struct rule_state *st, const struct txp_ipt_chain *ch, uint32_t cmdcol)
{
    struct txp_ipt_rule *r = &st->r;
    uint16_t pr = r->ip.proto;
    int pinv = (r->ip.invflags & TXP_IPT_INV_PROTO) != 0;
    for (uint32_t i = 0; i < r->n_matches; i++) {
        const struct txp_ipt_match *m = &st->m[i];
        uint32_t col = st->mcol[i], seen = st->mseen[i];
        const char *mn = txp_ipt_match_name(m->kind);
        switch (m->kind) {
        case TXP_IPT_M_TCP:
            /* iptables-nft turns tcp/udp into payload matches and accepts "! -p tcp"; a match
             * it keeps as an xt match (all defaults, or --tcp-option) meets the kernel's check */
            if (pr != 6)
                return fail(p, col, TXP_EBADMSG, "TCP match requires '-p tcp'");
            if (pinv && !tcpudp_native_raw(m))
                return fail(p, col, TXP_EBADMSG,
                            "tcp match: only valid for '-p tcp' without '!' (kernel check)");
            break;
        case TXP_IPT_M_UDP:
            if (pr != 17)
                return fail(p, col, TXP_EBADMSG, "UDP match requires '-p udp'");
            if (pinv && !tcpudp_native_raw(m))
                return fail(p, col, TXP_EBADMSG,
                            "udp match: only valid for '-p udp' without '!' (kernel check)");
            break;
        case TXP_IPT_M_ICMP:
            if (!seen)
                return fail(p, col, TXP_EBADMSG, "icmp: option \"--icmp-type\" must be specified");
            if (pr != 1 || pinv)
                return fail(p, col, TXP_EBADMSG, "icmp match requires '-p icmp'");
            break;
        case TXP_IPT_M_MULTIPORT:
        case TXP_IPT_M_STATE:
        case TXP_IPT_M_MARK:
        case TXP_IPT_M_CONNMARK:
        case TXP_IPT_M_LENGTH:
        case TXP_IPT_M_COMMENT:
        case TXP_IPT_M_TOS:
        case TXP_IPT_M_DSCP:
        case TXP_IPT_M_TTL:
        case TXP_IPT_M_PKTTYPE:
        case TXP_IPT_M_MAC:
        case TXP_IPT_M_CONNTRACK:
        case TXP_IPT_M_IPRANGE:
        case TXP_IPT_M_OWNER:
            if (!seen)
                return fail(p, col, TXP_EBADMSG, "%s: an option of the match is required", mn);
            break;
        case TXP_IPT_M_ADDRTYPE:
            if (!(seen & 6u))
                return fail(p, col, TXP_EBADMSG,
                            "addrtype: you must specify --src-type or --dst-type");
            break;
        case TXP_IPT_M_LIMIT:
        default:
            break;
        }
    }
    /* iptables-nft (nft.c: add_nft_tcp/add_nft_udp) turns a tcp/udp match that is not all
     * defaults and has no --tcp-option into payload expressions, and emits none for a full
     * port range or an empty flag mask, even under '!': keep what the kernel then checks. */
    for (uint32_t i = 0; i < r->n_matches;) {
        struct txp_ipt_m_tcpudp *t = &st->m[i].u.tcpudp;
        int tu = st->m[i].kind == TXP_IPT_M_TCP || st->m[i].kind == TXP_IPT_M_UDP;
        int dflt_sp = t->spts[0] == 0 && t->spts[1] == 0xFFFF;
        int dflt_dp = t->dpts[0] == 0 && t->dpts[1] == 0xFFFF;
        if (!tu || !tcpudp_native_raw(&st->m[i])) {
            i++;
            continue;
        }
        if (dflt_sp)
            t->invflags &= (uint8_t)~0x01u;
        if (dflt_dp)
            t->invflags &= (uint8_t)~0x02u;
        if (!t->flg_mask) {
            t->flg_cmp = 0;
            t->invflags &= (uint8_t)~0x04u;
        }
        if (dflt_sp && dflt_dp && !t->flg_mask) { /* nothing left: no match at all */
            memmove(&st->m[i], &st->m[i + 1], (r->n_matches - i - 1) * sizeof st->m[0]);
            memmove(&st->mseen[i], &st->mseen[i + 1], (r->n_matches - i - 1) * sizeof st->mseen[0]);
            memmove(&st->mcol[i], &st->mcol[i + 1], (r->n_matches - i - 1) * sizeof st->mcol[0]);
            r->n_matches--;
            continue;
        }
        i++;
    }
    struct txp_ipt_target *tg = &r->target;
    uint32_t tcol = st->target_tok ? st->target_tok->col : cmdcol;
    switch (st->jkind) {
    case TXP_IPT_T_MARK:
    case TXP_IPT_T_CONNMARK:
    case TXP_IPT_T_TOS:
    case TXP_IPT_T_DSCP:
    case TXP_IPT_T_TTL:
        if (!(st->tseen & 2u))
            return fail(p, tcol, TXP_EBADMSG, "%s target: a --set option is required",
                        st->target_tok->s);
        break;
    case TXP_IPT_T_SNAT:
    case TXP_IPT_T_DNAT:
        if (!(st->tseen & 2u))
            return fail(p, tcol, TXP_EBADMSG, "%s needs --to-%s", st->target_tok->s,
                        st->jkind == TXP_IPT_T_SNAT ? "source" : "destination");
        break;
    case TXP_IPT_T_REJECT:
        if (tg->u.reject_with == TXP_IPT_REJ_TCP_RESET && (pr != 6 || pinv))
            return fail(p, tcol, TXP_EBADMSG, "REJECT --reject-with tcp-reset needs '-p tcp'");
        break;
    case TXP_IPT_T_NONE:
    case TXP_IPT_T_ACCEPT:
    case TXP_IPT_T_DROP:
    case TXP_IPT_T_RETURN:
    case TXP_IPT_T_JUMP:
    case TXP_IPT_T_LOG:
    case TXP_IPT_T_NOTRACK:
    case TXP_IPT_T_CT:
    case TXP_IPT_T_MASQUERADE:
    case TXP_IPT_T_REDIRECT:
    default:
        break;
    }
    if (st->jkind == TXP_IPT_T_DROP && st->tid == TXP_IPT_NAT)
        return fail(p, tcol, TXP_EBADMSG,
                    "The \"nat\" table is not intended for filtering, the use of DROP is "
                    "therefore inhibited.");
    if (ch->builtin && (st->ip_seen & OPT_I) &&
        (ch->hook == TXP_IPT_OUTPUT || ch->hook == TXP_IPT_POSTROUTING))
        return fail(p, cmdcol, TXP_EBADMSG, "Can't use -i with %s", ch->name);
    if (ch->builtin && (st->ip_seen & OPT_O) &&
        (ch->hook == TXP_IPT_PREROUTING || ch->hook == TXP_IPT_INPUT))
        return fail(p, cmdcol, TXP_EBADMSG, "Can't use -o with %s", ch->name);
    return 0;
}

static int
set_target(struct pctx *p, struct rule_state *st, const struct tok *t, int go)
{
    struct txp_ipt_target *tg = &st->r.target;
    if (st->target_set)
        return fail(p, t->col, TXP_EBADMSG, "multiple -j flags not allowed");
    st->target_set = 1;
    memset(tg, 0, sizeof *tg);
    enum txp_ipt_target_kind k;
    int ci = txp_ipt_chain_find(st->table, t->s);
    /* a user chain wins over a target of the same name (xtables_find_target asks is_chain) */
    int user = ci >= 0 && !st->table->chains[ci].builtin;
    if (!go && !user && target_lookup(t->s, &k)) {
        tg->kind = k;
        st->jkind = k;
        st->target_tok = t;
        if (k == TXP_IPT_T_REJECT)
            tg->u.reject_with = TXP_IPT_REJ_PORT_UNREACH;
        if (k == TXP_IPT_T_LOG)
            tg->u.log.level = 4;
        st->module_order[st->n_loaded++] = -1;
        return 0;
    }
    if (!go && !user && in_list(unsupported_targets, t->s))
        return fail(p, t->col, TXP_ENOTSUP, "target `%s' is not supported by txpath", t->s);
    if (ci < 0)
        return fail(p, t->col, TXP_EBADMSG, "Chain '%s' does not exist", t->s);
    if (st->table->chains[ci].builtin)
        return fail(p, t->col, TXP_EBADMSG, "cannot %s the built-in chain '%s'",
                    go ? "goto" : "jump to", t->s);
    tg->kind = TXP_IPT_T_JUMP;
    st->jkind = TXP_IPT_T_JUMP;
    tg->chain = (uint32_t)ci;
    st->target_tok = t;
    if (go)
        st->r.ip.flags |= TXP_IPT_F_GOTO;
    return 0;
}

/* Dispatch "--name" to the most recently loaded module that knows it, loading the -p
 * protocol's match first when none does (iptables' load_proto). */
static int
extension_option(struct pctx *p, struct rule_state *st, const struct tok *opt, const struct tok *tk,
                 int n, int *i, int inv)
{
    const char *name = opt->s + 2;
    const struct xopt *o = NULL;
    int mi = -2;
    for (int k = st->n_loaded - 1; k >= 0 && !o; k--) {
        int idx = st->module_order[k];
        if (idx < 0)
            o = xopt_find(target_opts(st->jkind), name);
        else
            o = xopt_find(match_opts[st->m[idx].kind], name);
        if (o)
            mi = idx;
    }
    if (!o && st->proto_set && !st->proto_used) {
        enum txp_ipt_match_kind k = st->r.ip.proto == 6    ? TXP_IPT_M_TCP
                                    : st->r.ip.proto == 17 ? TXP_IPT_M_UDP
                                    : st->r.ip.proto == 1  ? TXP_IPT_M_ICMP
                                                           : (enum txp_ipt_match_kind)0;
        if (k && xopt_find(match_opts[k], name)) {
            st->proto_used = 1;
            mi = match_load(p, st, k, opt->col);
            if (mi < 0)
                return mi;
            o = xopt_find(match_opts[k], name);
        }
    }
    if (!o)
        return fail(p, opt->col, TXP_EBADMSG, "unknown option \"%s\"", opt->s);
    const struct tok *a1 = NULL, *a2 = NULL;
    if (o->has_arg >= 1) {
        if (*i + 1 >= n)
            return fail(p, opt->col, TXP_EBADMSG, "option \"%s\" requires an argument", opt->s);
        a1 = &tk[++*i];
    }
    if (o->has_arg >= 2) {
        if (*i + 1 >= n)
            return fail(p, opt->col, TXP_EBADMSG, "option \"%s\" requires two arguments", opt->s);
        a2 = &tk[++*i];
    }
    if (mi == -1) {
        if (inv)
            return fail(p, opt->col, TXP_EBADMSG, "%s: option \"%s\" cannot be inverted.",
                        st->target_tok->s, opt->s);
        return target_option(p, st, o, opt, a1);
    }
    return match_option(p, st, mi, o, inv, opt, a1, a2);
}

static int
rule_line(struct pctx *p, struct txp_ipt_table *tbl, enum txp_ipt_table_id tid,
          const struct tok *tk, int n, const struct txp_ipt_counters *cnt)
{
    struct rule_state *st = calloc(1, sizeof *st);
    if (!st)
        return TXP_ENOMEM;
    st->table = tbl;
    st->tid = tid;
    st->r.line = p->line;
    int cmd = 0, inv = 0, chain = -1;
    struct tok abbrev;
    uint32_t cmdcol = 1, invcol = 1, pos = UINT32_MAX;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        const struct tok *t = &tk[i];
        const char *s = t->s;
        if (!strcmp(s, "!")) {
            if (inv) {
                rc = fail(p, t->col, TXP_EBADMSG, "multiple consecutive ! not allowed");
                break;
            }
            inv = 1;
            invcol = t->col;
            continue;
        }
        if (s[0] != '-' || !s[1]) {
            rc = fail(p, t->col, TXP_EBADMSG, "Bad argument `%s'", s);
            break;
        }
        char longbuf[48];
        if (s[1] == '-' && s[2]) {
            const struct xopt *extra = NULL;
            if (st->proto_set && !st->proto_used)
                extra = match_opts[st->r.ip.proto == 6    ? TXP_IPT_M_TCP
                                   : st->r.ip.proto == 17 ? TXP_IPT_M_UDP
                                   : st->r.ip.proto == 1  ? TXP_IPT_M_ICMP
                                                          : 0];
            longbuf[0] = '\0';
            /* iptables loads the -p protocol's match only when nothing else knows the
             * option, then asks getopt again */
            int res = resolve_long(st, NULL, s, longbuf, sizeof longbuf);
            if (res == 0 && extra)
                res = resolve_long(st, extra, s, longbuf, sizeof longbuf);
            if (res < 0) {
                rc = fail(p, t->col, TXP_EBADMSG, "option `%s' is ambiguous", s);
                break;
            }
            if (res > 0 && longbuf[0] == '-') {
                abbrev = *t;
                abbrev.s = longbuf;
                t = &abbrev;
                s = longbuf;
            }
        }
        if (is_opt(s, "-c", "--set-counters", NULL)) { /* counters for the rule, -c or not */
            if (inv) {
                rc = fail(p, invcol, TXP_EBADMSG, "cannot have ! before %s", s);
                break;
            }
            if (st->setcnt_col) {
                rc = fail(p, t->col, TXP_EBADMSG, "multiple -c flags not allowed");
                break;
            }
            if (i + 2 >= n) {
                rc = fail(p, t->col, TXP_EBADMSG, "-c requires packet and byte counter");
                break;
            }
            st->setcnt_col = t->col;
            if (!strtou64_c(tk[i + 1].s, strlen(tk[i + 1].s), &st->r.cnt.pkts)) {
                rc = fail(p, tk[i + 1].col, TXP_EBADMSG, "-c packet counter not numeric");
                break;
            }
            if (!strtou64_c(tk[i + 2].s, strlen(tk[i + 2].s), &st->r.cnt.bytes)) {
                rc = fail(p, tk[i + 2].col, TXP_EBADMSG, "-c byte counter not numeric");
                break;
            }
            i += 2;
            continue;
        }
        int isA = is_opt(s, "-A", "--append", NULL), isI = is_opt(s, "-I", "--insert", NULL);
        int takes = isA || isI || is_opt(s, "-s", "--source", "--src") ||
                    is_opt(s, "-d", "--destination", "--dst") ||
                    is_opt(s, "-i", "--in-interface", NULL) ||
                    is_opt(s, "-o", "--out-interface", NULL) ||
                    is_opt(s, "-p", "--protocol", NULL) || is_opt(s, "-j", "--jump", NULL) ||
                    is_opt(s, "-g", "--goto", NULL) || is_opt(s, "-m", "--match", NULL);
        if (in_list(unsupported_cmds, s)) {
            rc = fail(p, t->col, TXP_ENOTSUP,
                      "option %s is not supported by txpath (rules are -A or -I lines)", s);
            break;
        }
        if (s[1] != '-' && !takes && !is_opt(s, "-f", NULL, NULL)) {
            rc = fail(p, t->col, TXP_EBADMSG, "unknown option \"%s\"", s);
            break;
        }
        if (s[1] == '-' && !takes && !is_opt(s, "--fragment", NULL, NULL)) {
            rc = extension_option(p, st, t, tk, n, &i, inv);
            inv = 0;
            continue;
        }
        const struct tok *a = NULL;
        if (takes) {
            if (i + 1 >= n) {
                rc = fail(p, t->col, TXP_EBADMSG, "option \"%s\" requires an argument", s);
                break;
            }
            a = &tk[++i];
        }
        if (isA || isI) {
            if (inv) {
                rc = fail(p, invcol, TXP_EBADMSG, "cannot have ! before %s", s);
                break;
            }
            if (cmd) {
                rc = fail(p, t->col, TXP_EBADMSG, "Cannot use %s with -%c", s, cmd);
                break;
            }
            cmd = isA ? 'A' : 'I';
            cmdcol = t->col;
            chain = txp_ipt_chain_find(tbl, a->s);
            if (chain < 0) {
                rc = fail(p, a->col, TXP_EBADMSG, "chain '%s' does not exist in table %s", a->s,
                          txp_ipt_table_name(tid));
                break;
            }
            if (isI && i + 1 < n && is_digit(tk[i + 1].s[0])) {
                uint32_t v;
                if (parse_u32(tk[i + 1].s, 0x7FFFFFFF, &v) || v == 0) {
                    rc = fail(p, tk[i + 1].col, TXP_EBADMSG, "Invalid rule number `%s'",
                              tk[i + 1].s);
                    break;
                }
                if (v > tbl->chains[chain].n_rules + 1) {
                    rc = fail(p, tk[i + 1].col, TXP_EBADMSG, "Index of insertion too big");
                    break;
                }
                pos = v - 1;
                i++;
            } else if (isI) {
                pos = 0;
            }
            continue;
        }
        uint32_t bit = 0;
        char flag = s[1] == '-' ? 0 : s[1];
        if (!flag) {
            flag = is_opt(s, "--source", "--src", NULL)        ? 's'
                   : is_opt(s, "--destination", "--dst", NULL) ? 'd'
                   : !strcmp(s, "--in-interface")              ? 'i'
                   : !strcmp(s, "--out-interface")             ? 'o'
                   : !strcmp(s, "--protocol")                  ? 'p'
                   : !strcmp(s, "--fragment")                  ? 'f'
                   : !strcmp(s, "--jump")                      ? 'j'
                   : !strcmp(s, "--goto")                      ? 'g'
                                                               : 'm';
        }
        if (inv && (flag == 'j' || flag == 'g' || flag == 'm')) {
            rc = fail(p, invcol, TXP_EBADMSG, "unexpected ! flag before --%s",
                      flag == 'm'   ? "match"
                      : flag == 'j' ? "jump"
                                    : "goto");
            break;
        }
        bit = flag == 's'   ? OPT_S
              : flag == 'd' ? OPT_D
              : flag == 'i' ? OPT_I
              : flag == 'o' ? OPT_O
              : flag == 'p' ? OPT_P
              : flag == 'f' ? OPT_F
                            : 0;
        if (bit && (st->ip_seen & bit)) {
            rc = fail(p, t->col, TXP_EBADMSG, "multiple -%c flags not allowed", flag);
            break;
        }
        st->ip_seen |= bit;
        struct txp_ipt_ip *ip = &st->r.ip;
        switch (flag) {
        case 's':
        case 'd': {
            uint32_t addr = 0, mask = 0;
            if (strchr(a->s, ',')) { /* several addresses: one rule each */
                rc = parse_addr_list(p, st, flag == 's' ? 0 : 1, a);
                if (rc)
                    break;
                addr = st->addrs[flag == 's' ? 0 : 1][0];
                mask = st->addrs[flag == 's' ? 0 : 1][1];
            } else if (parse_addr_mask(a->s, &addr, &mask)) {
                rc = fail(p, a->col, TXP_EBADMSG,
                          "host/network `%s' not found (numeric a.b.c.d[/len|/mask] expected)",
                          a->s);
                break;
            }
            if (inv && !mask) {
                rc =
                    fail(p, invcol, TXP_EBADMSG,
                         "! -%c with a /0 mask matches nothing and is refused by the kernel", flag);
                break;
            }
            if (flag == 's') {
                ip->src = addr;
                ip->smsk = mask;
                ip->invflags |= inv ? TXP_IPT_INV_SRCIP : 0;
            } else {
                ip->dst = addr;
                ip->dmsk = mask;
                ip->invflags |= inv ? TXP_IPT_INV_DSTIP : 0;
            }
            break;
        }
        case 'i':
            rc = parse_iface(p, a, inv, ip->iniface, ip->iniface_mask);
            ip->invflags |= inv ? TXP_IPT_INV_VIA_IN : 0;
            if (!ip->iniface[0])
                st->ip_seen &= ~(uint32_t)OPT_I;
            break;
        case 'o':
            rc = parse_iface(p, a, inv, ip->outiface, ip->outiface_mask);
            ip->invflags |= inv ? TXP_IPT_INV_VIA_OUT : 0;
            if (!ip->outiface[0])
                st->ip_seen &= ~(uint32_t)OPT_O;
            break;
        case 'p':
            if (parse_proto(a->s, &ip->proto)) {
                rc = fail(p, a->col, TXP_EBADMSG, "unknown protocol \"%s\" specified", a->s);
                break;
            }
            st->proto_set = 1;
            ip->invflags |= inv ? TXP_IPT_INV_PROTO : 0;
            break;
        case 'f':
            ip->flags |= TXP_IPT_F_FRAG;
            ip->invflags |= inv ? TXP_IPT_INV_FRAG : 0;
            break;
        case 'j':
        case 'g':
            rc = set_target(p, st, a, flag == 'g');
            break;
        default: { /* 'm' */
            int found = 0;
            for (unsigned k = 1; k < N_MATCH_KINDS; k++)
                if (!strcmp(a->s, txp_ipt_match_name((enum txp_ipt_match_kind)k))) {
                    int r2 = match_load(p, st, (enum txp_ipt_match_kind)k, t->col);
                    rc = r2 < 0 ? r2 : 0;
                    found = 1;
                    break;
                }
            if (!found && in_list(unsupported_matches, a->s))
                rc = fail(p, a->col, TXP_ENOTSUP, "match `%s' is not supported by txpath", a->s);
            else if (!found)
                rc = fail(p, a->col, TXP_EBADMSG,
                          "Couldn't load match `%s':No such file or directory", a->s);
            break;
        }
        }
        inv = 0;
    }
    if (!rc && inv)
        rc = fail(p, invcol, TXP_EBADMSG, "nothing appropriate following !");
    if (!rc && !cmd)
        rc = fail(p, n ? tk[0].col : 1, TXP_EBADMSG, "no command specified (expected -A CHAIN)");
    if (!rc)
        rc = final_checks(p, st, &tbl->chains[chain], cmdcol);
    if (!rc && (st->n_addrs[0] > 1 || st->n_addrs[1] > 1) &&
        (st->r.ip.invflags & (TXP_IPT_INV_SRCIP | TXP_IPT_INV_DSTIP)))
        rc = fail(p, cmdcol, TXP_EBADMSG,
                  "! not allowed with multiple source or destination IP addresses");
    if (!rc && cnt && st->setcnt_col)
        rc = fail(p, st->setcnt_col, TXP_EBADMSG,
                  "-c on a rule together with a [packets:bytes] prefix under -c");
    if (!rc) {
        struct txp_ipt_chain *ch = &tbl->chains[chain];
        st->r.matches = st->m;
        if (cnt)
            st->r.cnt = *cnt;
        uint32_t ns = st->n_addrs[0] ? st->n_addrs[0] : 1, nd = st->n_addrs[1] ? st->n_addrs[1] : 1;
        for (uint32_t a = 0; a < ns && !rc; a++)
            for (uint32_t b = 0; b < nd && !rc; b++) {
                if (st->n_addrs[0]) {
                    st->r.ip.src = st->addrs[0][2 * a];
                    st->r.ip.smsk = st->addrs[0][2 * a + 1];
                }
                if (st->n_addrs[1]) {
                    st->r.ip.dst = st->addrs[1][2 * b];
                    st->r.ip.dmsk = st->addrs[1][2 * b + 1];
                }
                /* -I puts each at the same place, so they end up in reverse order */
                rc = txp_ipt__rule_insert(ch, pos == UINT32_MAX ? ch->n_rules : pos, &st->r);
            }
    }
    free(st->addrs[0]);
    free(st->addrs[1]);
    free(st);
    return rc;
}

/* ---------------------------------------------------------------- words and counters */

/* Split [s, s+len) as add_param_to_argv. @p store has room for 2 * len + 2 bytes. */
static int
tokenize(struct pctx *p, const char *s, size_t len, uint32_t col0, struct tok *tk, int *ntok,
         char *store)
{
    int n = 0, quote = 0, esc = 0, open = 0;
    size_t plen = 0;
    char *cur = store;
    uint32_t start = 0, qcol = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : '\0';
        int end_word = 0;
        if (i == len) {
            if (quote)
                return fail(p, qcol, TXP_EBADMSG, "unterminated quote");
            end_word = open;
        } else if (quote) {
            if (esc) {
                cur[plen++] = c;
                esc = 0;
            } else if (c == '\\') {
                esc = 1;
            } else if (c == '"') {
                quote = 0;
                end_word = 1; /* a closing quote ends the word, even an empty one */
            } else {
                cur[plen++] = c;
            }
        } else if (c == '"') {
            quote = 1;
            qcol = col0 + (uint32_t)i;
            if (!open) {
                open = 1;
                start = col0 + (uint32_t)i;
            }
        } else if (c == ' ' || c == '\t') {
            end_word = open;
        } else {
            if (!open) {
                open = 1;
                start = col0 + (uint32_t)i;
            }
            cur[plen++] = c;
        }
        if (plen > MAX_PARAM)
            return fail(p, start, TXP_EBADMSG, "Parameter too long!");
        if (end_word) {
            if (n >= MAX_ARGS)
                return fail(p, start, TXP_EBADMSG, "too many arguments (%d max)", MAX_ARGS);
            cur[plen] = '\0';
            tk[n].s = cur;
            tk[n].col = start;
            n++;
            cur += plen + 1;
            plen = 0;
            open = 0;
        }
    }
    *ntok = n;
    return 0;
}

/* strtoull(s, &end, 10) as glibc does it: blanks, a sign, digits; a '-' negates modulo 2^64
 * and an overflow gives UINT64_MAX. @return the characters used, 0 when no digit. */
static size_t
strtou64_c(const char *s, size_t len, uint64_t *out)
{
    size_t i = 0;
    int neg = 0, over = 0;
    uint64_t v = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    size_t d0 = i;
    for (; i < len && is_digit(s[i]); i++) {
        uint64_t dgt = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            over = 1;
        else
            v = v * 10 + dgt;
    }
    if (i == d0)
        return 0;
    *out = over ? UINT64_MAX : neg ? (uint64_t)0 - v : v;
    return i;
}

/* The "[pkts:bytes]" prefix of a rule line, as iptables-restore splits it (strchr ']',
 * strtok ":" then "]"): the command starts after the first ']'; with -c both numbers are read
 * as strtoull does and must have digits. */
static int
rule_counters(struct pctx *p, const char *l, size_t ll, int counters, struct txp_ipt_counters *cnt,
              size_t *skip)
{
    const char *close = memchr(l, ']', ll);
    if (!close)
        return fail(p, 1, TXP_EBADMSG, "Bad line: need ] after the [packets:bytes] counters");
    size_t end = (size_t)(close - l);
    size_t a = 1;
    while (a < ll && l[a] == ':')
        a++;
    const char *colon = memchr(l + a, ':', ll - a);
    if (a >= end || !colon || (size_t)(colon - l) >= end || (size_t)(colon - l) + 1 >= end)
        return fail(p, 1, TXP_EBADMSG, "Bad line: counters must be [packets:bytes]");
    size_t b = (size_t)(colon - l) + 1;
    if (counters) {
        if (!strtou64_c(l + a, (size_t)(colon - l) - a, &cnt->pkts))
            return fail(p, (uint32_t)a + 1, TXP_EBADMSG, "-c packet counter not numeric");
        if (!strtou64_c(l + b, end - b, &cnt->bytes))
            return fail(p, (uint32_t)b + 1, TXP_EBADMSG, "-c byte counter not numeric");
    }
    *skip = end + 1;
    return 0;
}

/* ---------------------------------------------------------------- COMMIT checks */

static const char *
hooks_str(unsigned hooks, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (unsigned h = 0; h < TXP_IPT_HOOK_COUNT; h++)
        if (hooks & (1u << h)) {
            size_t l = strlen(buf);
            snprintf(buf + l, cap - l, "%s%s", l ? "," : "", txp_ipt_hook_name(h));
        }
    return buf;
}

static int
check_rule(struct pctx *p, enum txp_ipt_table_id tid, const struct txp_ipt_chain *c,
           const struct txp_ipt_rule *r, unsigned hooks)
{
    static const unsigned PRE = 1u << TXP_IPT_PREROUTING, IN = 1u << TXP_IPT_INPUT,
                          FWD = 1u << TXP_IPT_FORWARD, OUT = 1u << TXP_IPT_OUTPUT,
                          POST = 1u << TXP_IPT_POSTROUTING;
    const char *need_table = NULL;
    unsigned ok_hooks = 0x1F;
    const char *what = NULL;
    char hb[80], hb2[80];
    p->line = r->line;
    enum txp_ipt_target_kind k = r->target.kind;
    switch (k) {
    case TXP_IPT_T_REJECT: /* ipt_REJECT.c: .table = "filter" */
        need_table = "filter";
        ok_hooks = IN | FWD | OUT;
        what = "REJECT";
        break;
    case TXP_IPT_T_DNAT:
    case TXP_IPT_T_REDIRECT:
        need_table = "nat";
        ok_hooks = PRE | OUT;
        what = k == TXP_IPT_T_DNAT ? "DNAT" : "REDIRECT";
        break;
    case TXP_IPT_T_SNAT:
        need_table = "nat";
        ok_hooks = POST | IN;
        what = "SNAT";
        break;
    case TXP_IPT_T_MASQUERADE:
        need_table = "nat";
        ok_hooks = POST;
        what = "MASQUERADE";
        break;
    case TXP_IPT_T_TOS:
    case TXP_IPT_T_DSCP:
    case TXP_IPT_T_TTL:
        need_table = "mangle";
        what = k == TXP_IPT_T_TOS ? "TOS" : k == TXP_IPT_T_DSCP ? "DSCP" : "TTL";
        break;
    case TXP_IPT_T_CT:
    case TXP_IPT_T_NOTRACK:
        need_table = "raw";
        what =
            k == TXP_IPT_T_CT || r->target.u.ct.zone == TXP_IPT_NOTRACK_VIA_CT ? "CT" : "NOTRACK";
        break;
    case TXP_IPT_T_NONE:
    case TXP_IPT_T_ACCEPT:
    case TXP_IPT_T_DROP:
    case TXP_IPT_T_RETURN:
    case TXP_IPT_T_JUMP:
    case TXP_IPT_T_LOG:
    case TXP_IPT_T_MARK:
    case TXP_IPT_T_CONNMARK:
    default:
        break;
    }
    if (need_table && strcmp(need_table, txp_ipt_table_name(tid)))
        return fail(p, 1, TXP_EBADMSG, "target %s is only valid in the %s table (chain %s)", what,
                    need_table, c->name);
    if (hooks & ~ok_hooks)
        return fail(p, 1, TXP_EBADMSG,
                    "target %s is not valid in chain %s reached from %s (valid: %s)", what, c->name,
                    hooks_str(hooks & ~ok_hooks, hb, sizeof hb),
                    hooks_str(ok_hooks, hb2, sizeof hb2));
    for (uint32_t i = 0; i < r->n_matches; i++) {
        const struct txp_ipt_match *m = &r->matches[i];
        unsigned okm = 0x1F;
        if (m->kind == TXP_IPT_M_OWNER)
            okm = OUT | POST;
        else if (m->kind == TXP_IPT_M_MAC)
            okm = PRE | IN | FWD;
        else if (m->kind == TXP_IPT_M_ADDRTYPE && (m->u.addrtype.flags & 4u))
            okm = PRE | IN | FWD;
        else if (m->kind == TXP_IPT_M_ADDRTYPE && (m->u.addrtype.flags & 8u))
            okm = FWD | OUT | POST;
        if (hooks & ~okm)
            return fail(
                p, 1, TXP_EBADMSG, "match %s%s is not valid in chain %s reached from %s",
                txp_ipt_match_name(m->kind),
                m->kind == TXP_IPT_M_ADDRTYPE
                    ? ((m->u.addrtype.flags & 4u) ? " --limit-iface-in" : " --limit-iface-out")
                    : "",
                c->name, hooks_str(hooks & ~okm, hb, sizeof hb));
    }
    return 0;
}

/* Table restrictions for every rule; hook restrictions and loops for what the built-in
 * chains reach. */
static int
commit_checks(struct pctx *p, struct txp_ipt_table *t, enum txp_ipt_table_id tid)
{
    uint32_t n = t->n_chains, line = p->line;
    unsigned *hooks = calloc(n ? n : 1, sizeof *hooks);
    uint32_t *indeg = calloc(n ? n : 1, sizeof *indeg);
    uint32_t *queue = calloc(n ? n : 1, sizeof *queue);
    int rc = 0;
    if (!hooks || !indeg || !queue) {
        rc = TXP_ENOMEM;
        goto out;
    }
    for (uint32_t c = 0; c < n; c++)
        if (t->chains[c].builtin)
            hooks[c] = 1u << t->chains[c].hook;
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t c = 0; c < n; c++) {
            const struct txp_ipt_chain *ch = &t->chains[c];
            for (uint32_t r = 0; r < ch->n_rules && hooks[c]; r++) {
                const struct txp_ipt_target *tg = &ch->rules[r].target;
                if (tg->kind == TXP_IPT_T_JUMP &&
                    (hooks[tg->chain] | hooks[c]) != hooks[tg->chain]) {
                    hooks[tg->chain] |= hooks[c];
                    changed = 1;
                }
            }
        }
    }
    /* Kahn's algorithm over the reachable chains: what cannot be removed is on a loop. */
    for (uint32_t c = 0; c < n; c++)
        for (uint32_t r = 0; hooks[c] && r < t->chains[c].n_rules; r++)
            if (t->chains[c].rules[r].target.kind == TXP_IPT_T_JUMP)
                indeg[t->chains[c].rules[r].target.chain]++;
    uint32_t qh = 0, qt = 0;
    for (uint32_t c = 0; c < n; c++)
        if (hooks[c] && !indeg[c])
            queue[qt++] = c;
    while (qh < qt) {
        uint32_t c = queue[qh++];
        for (uint32_t r = 0; r < t->chains[c].n_rules; r++)
            if (t->chains[c].rules[r].target.kind == TXP_IPT_T_JUMP) {
                uint32_t d = t->chains[c].rules[r].target.chain;
                if (--indeg[d] == 0)
                    queue[qt++] = d;
            }
    }
    for (uint32_t c = 0; c < n && !rc; c++) {
        if (!hooks[c] || !indeg[c])
            continue;
        for (uint32_t r = 0; r < t->chains[c].n_rules; r++) {
            const struct txp_ipt_rule *ru = &t->chains[c].rules[r];
            if (ru->target.kind == TXP_IPT_T_JUMP && indeg[ru->target.chain]) {
                p->line = ru->line;
                rc = fail(p, 1, TXP_EBADMSG, "chain loop: %s jumps to %s, which leads back",
                          t->chains[c].name, t->chains[ru->target.chain].name);
                break;
            }
        }
    }
    /* nf_tables validates jumps from each base chain and refuses a chain entered at depth
     * NFT_JUMP_STACK_SIZE (16): longest path over the (now acyclic) reachable chains, in the
     * topological order Kahn's algorithm left in queue[]. indeg[] is reused for the depth. */
    for (uint32_t c = 0; c < n; c++)
        indeg[c] = 0;
    for (uint32_t k = 0; k < qt && !rc; k++) {
        uint32_t c = queue[k];
        for (uint32_t r = 0; r < t->chains[c].n_rules && !rc; r++) {
            const struct txp_ipt_rule *ru = &t->chains[c].rules[r];
            if (ru->target.kind != TXP_IPT_T_JUMP)
                continue;
            uint32_t d = ru->target.chain;
            if (indeg[c] + 1 > indeg[d])
                indeg[d] = indeg[c] + 1;
            if (indeg[d] >= 16) {
                p->line = ru->line;
                rc = fail(p, 1, TXP_EBADMSG,
                          "jump from %s to %s nests 16 chains deep from a built-in chain "
                          "(nf_tables allows 15; Too many links)",
                          t->chains[c].name, t->chains[d].name);
            }
        }
    }
    for (uint32_t c = 0; c < n && !rc; c++)
        for (uint32_t r = 0; r < t->chains[c].n_rules && !rc; r++)
            rc = check_rule(p, tid, &t->chains[c], &t->chains[c].rules[r], hooks[c]);
out:
    if (!rc)
        p->line = line; /* the checks point p->line at the rule they look at */
    free(hooks);
    free(indeg);
    free(queue);
    return rc;
}

/* ---------------------------------------------------------------- chain lines */

/* Create user chain @p name (checked as iptables does) in @p t. */
static int
new_user_chain(struct pctx *p, struct txp_ipt_table *t, const char *name, uint32_t col)
{
    if (strlen(name) > TXP_IPT_CHAIN_MAXLEN)
        return fail(p, col, TXP_EBADMSG, "Invalid chain name `%s' (%u chars max)", name,
                    (unsigned)TXP_IPT_CHAIN_MAXLEN);
    if (!strcmp(name, "ACCEPT") || !strcmp(name, "DROP") || !strcmp(name, "RETURN") ||
        !strcmp(name, "QUEUE"))
        return fail(p, col, TXP_EBADMSG, "chain name may not clash with target name");
    if (name[0] == '-' || name[0] == '!')
        return fail(p, col, TXP_EBADMSG, "invalid chain name `%s'", name);
    if (strpbrk(name, "\"\\ \t"))
        return fail(p, col, TXP_ENOTSUP,
                    "chain name `%s' with a quote, backslash or blank is not supported by txpath "
                    "(a rule could not name it)",
                    name);
    for (int h = 0; h < TXP_IPT_HOOK_COUNT; h++)
        if (!strcmp(name, txp_ipt_hook_name((enum txp_ipt_hook)h)))
            return fail(p, col, TXP_ENOTSUP,
                        "a user chain named like a built-in chain (%s) is not supported by txpath",
                        name);
    /* a rule already using a target of that name would read back as a jump to the chain */
    for (uint32_t c = 0; c < t->n_chains; c++)
        for (uint32_t r = 0; r < t->chains[c].n_rules; r++) {
            const struct txp_ipt_target *tg = &t->chains[c].rules[r].target;
            const char *tn = NULL;
            for (size_t k = 0; k < sizeof target_names / sizeof target_names[0]; k++)
                if (target_names[k].kind == tg->kind)
                    tn = target_names[k].name;
            if (tg->kind == TXP_IPT_T_NOTRACK && tg->u.ct.zone == TXP_IPT_NOTRACK_VIA_CT)
                tn = "CT";
            if (tn && !strcmp(tn, name))
                return fail(p, col, TXP_ENOTSUP,
                            "user chain `%s' after rules using the %s target is not supported by "
                            "txpath (iptables-save would print them as jumps to the chain)",
                            name, tn);
        }
    int rc = txp_ipt__chain_add(t, name);
    return rc < 0 ? rc : 0;
}

/* -N CHAIN, -P CHAIN POLICY, -F CHAIN, -X CHAIN: the chain commands iptables-restore also
 * accepts on a rule line (nothing else may be on that line). @return 1 when @p tk is not one. */
static int
chain_command(struct pctx *p, struct txp_ipt_table *t, int nat, const struct tok *tk, int n)
{
    const char *c = tk[0].s;
    int N = is_opt(c, "-N", "--new-chain", NULL), P = is_opt(c, "-P", "--policy", NULL);
    int F = is_opt(c, "-F", "--flush", NULL), X = is_opt(c, "-X", "--delete-chain", NULL);
    if (!N && !P && !F && !X)
        return 1;
    int want = P ? 3 : 2;
    if (n < want) {
        if ((F || X) && n == 1)
            return fail(p, tk[0].col, TXP_ENOTSUP,
                        "%s without a chain (every chain of the table) is not supported by "
                        "txpath",
                        c);
        return fail(p, tk[0].col, TXP_EBADMSG, "%s needs %s", c,
                    P ? "a chain and a policy" : "a chain name");
    }
    if (n > want)
        return fail(p, tk[want].col, TXP_EBADMSG, "Bad argument `%s'", tk[want].s);
    const char *name = tk[1].s;
    int ci = txp_ipt_chain_find(t, name);
    if (N) {
        if (ci >= 0)
            return fail(p, tk[1].col, TXP_EBADMSG, "Chain already exists");
        return new_user_chain(p, t, name, tk[1].col);
    }
    if (ci < 0)
        return fail(p, tk[1].col, TXP_EBADMSG, "chain '%s' does not exist", name);
    struct txp_ipt_chain *ch = &t->chains[ci];
    if (P) {
        if (!ch->builtin)
            return fail(p, tk[1].col, TXP_EBADMSG, "Bad built-in chain name `%s'", name);
        if (strcmp(tk[2].s, "ACCEPT") && strcmp(tk[2].s, "DROP"))
            return fail(p, tk[2].col, TXP_EBADMSG, "Bad policy name `%s' (ACCEPT or DROP)",
                        tk[2].s);
        if (tk[2].s[0] == 'D' && nat)
            return fail(p, tk[2].col, TXP_EBADMSG,
                        "The \"nat\" table is not intended for filtering, the use of DROP is "
                        "therefore inhibited.");
        ch->policy = tk[2].s[0] == 'A' ? TXP_IPT_T_ACCEPT : TXP_IPT_T_DROP;
        return 0;
    }
    if (F || ch->builtin) {
        if (X)
            return fail(p, tk[1].col, TXP_EBADMSG, "cannot delete the built-in chain '%s'", name);
        for (uint32_t r = 0; r < ch->n_rules; r++)
            free(ch->rules[r].matches);
        ch->n_rules = 0;
        return 0;
    }
    /* -X: an empty chain nothing jumps to */
    if (ch->n_rules)
        return fail(p, tk[1].col, TXP_EBADMSG, "chain '%s' is not empty (Directory not empty)",
                    name);
    for (uint32_t c2 = 0; c2 < t->n_chains; c2++)
        for (uint32_t r = 0; r < t->chains[c2].n_rules; r++)
            if (t->chains[c2].rules[r].target.kind == TXP_IPT_T_JUMP &&
                t->chains[c2].rules[r].target.chain == (uint32_t)ci)
                return fail(p, tk[1].col, TXP_EBADMSG,
                            "chain '%s' is still jumped to (Too many links)", name);
    free(ch->rules);
    memmove(ch, ch + 1, (t->n_chains - (uint32_t)ci - 1) * sizeof *ch);
    t->n_chains--;
    for (uint32_t c2 = 0; c2 < t->n_chains; c2++)
        for (uint32_t r = 0; r < t->chains[c2].n_rules; r++) {
            struct txp_ipt_target *tg = &t->chains[c2].rules[r].target;
            if (tg->kind == TXP_IPT_T_JUMP && tg->chain > (uint32_t)ci)
                tg->chain--;
        }
    return 0;
}

static int
chain_line(struct pctx *p, struct txp_ipt_table *t, const char *s, size_t len, int counters)
{
    /* strtok(" \t\n") fields after the ':' */
    char buf[1024];
    uint32_t cols[3] = {2, 0, 0};
    const char *f[3] = {NULL, NULL, NULL};
    if (len >= sizeof buf)
        return fail(p, 1, TXP_EBADMSG, "chain line too long");
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *q = buf + 1;
    for (int k = 0; k < 3; k++) {
        while (*q == ' ' || *q == '\t')
            q++;
        if (!*q)
            break;
        f[k] = q;
        cols[k] = (uint32_t)(q - buf) + 1;
        while (*q && *q != ' ' && *q != '\t')
            q++;
        if (*q)
            *q++ = '\0';
    }
    if (!f[0])
        return fail(p, 2, TXP_EBADMSG, "chain name expected after ':'");
    if (strlen(f[0]) > TXP_IPT_CHAIN_MAXLEN)
        return fail(p, cols[0], TXP_EBADMSG, "Invalid chain name `%s' (%u chars max)", f[0],
                    (unsigned)TXP_IPT_CHAIN_MAXLEN);
    if (!f[1])
        return fail(p, (uint32_t)len + 1, TXP_EBADMSG,
                    "policy invalid: expected ACCEPT, DROP or -");
    struct txp_ipt_counters cnt = {0, 0};
    if (counters) { /* sscanf("[%llu:%llu]") == 2, the rest ignored */
        const char *c = f[2];
        size_t u1 = 0, u2 = 0;
        if (c && c[0] == '[')
            u1 = strtou64_c(c + 1, strlen(c + 1), &cnt.pkts);
        if (u1 && c[1 + u1] == ':')
            u2 = strtou64_c(c + 2 + u1, strlen(c + 2 + u1), &cnt.bytes);
        if (!u2)
            return fail(p, c ? cols[2] : (uint32_t)len + 1, TXP_EBADMSG,
                        "invalid policy counters for chain '%s' (expected [packets:bytes])", f[0]);
    }
    int ci = txp_ipt_chain_find(t, f[0]);
    if (ci >= 0 && t->chains[ci].builtin) {
        struct txp_ipt_chain *c = &t->chains[ci];
        if (!strcmp(f[1], "ACCEPT"))
            c->policy = TXP_IPT_T_ACCEPT;
        else if (!strcmp(f[1], "DROP"))
            c->policy = TXP_IPT_T_DROP;
        else if (strcmp(f[1], "-"))
            return fail(p, cols[1], TXP_EBADMSG, "Can't set policy `%s' on `%s' (ACCEPT or DROP)",
                        f[1], f[0]);
        if (counters)
            c->cnt = cnt;
        return 0;
    }
    if (ci >= 0) { /* declaring a user chain again flushes it (iptables-nft) */
        struct txp_ipt_chain *c = &t->chains[ci];
        for (uint32_t r = 0; r < c->n_rules; r++)
            free(c->rules[r].matches);
        c->n_rules = 0;
        return 0;
    }
    /* a policy other than '-' on a user chain is accepted and ignored (iptables-nft) */
    return new_user_chain(p, t, f[0], cols[0]);
}

/* ---------------------------------------------------------------- the whole text */

int
txp_ipt_parse(struct txp_ipt_ruleset *rs, const char *text, size_t len,
              const struct txp_ipt_parse_opts *opts, struct txp_diag *d)
{
    struct pctx p = {d, 0, 0};
    int counters = opts ? opts->counters : 0;
    struct txp_ipt_ruleset work;
    if (txp_ipt_ruleset_clone(&work, rs) != TXP_OK)
        return TXP_ENOMEM;
    struct tok *tk = malloc(MAX_ARGS * sizeof *tk);
    char *store = NULL;
    size_t store_cap = 0;
    int rc = tk ? 0 : TXP_ENOMEM;
    int in_table = -1, touched = 0;
    uint32_t table_line = 0, last_len = 0;
    uint8_t seen_order = 0;
    uint8_t was_present[TXP_IPT_TABLE_COUNT];
    for (int i = 0; i < TXP_IPT_TABLE_COUNT; i++) {
        was_present[i] = work.tables[i].present;
        if (was_present[i] && work.tables[i].order >= seen_order)
            seen_order = (uint8_t)(work.tables[i].order + 1);
    }
    size_t pos = 0;
    while (!rc && pos < len) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        pos += ll + (nl ? 1 : 0);
        p.line++;
        last_len = (uint32_t)ll;
        const char *nul = memchr(l, '\0', ll);
        if (nul) {
            rc = fail(&p, (uint32_t)(nul - l) + 1, TXP_EBADMSG, "NUL byte in the input");
            break;
        }
        if (ll == 0 || l[0] == '#')
            continue;
        if (in_table < 0 && l[0] == '*') {
            size_t e = 1;
            while (e < ll && l[e] != ' ' && l[e] != '\t')
                e++;
            int t = -1;
            for (int i = 0; i < TXP_IPT_TABLE_COUNT; i++) {
                const char *nm = txp_ipt_table_name((enum txp_ipt_table_id)i);
                if (strlen(nm) == e - 1 && !memcmp(nm, l + 1, e - 1))
                    t = i;
            }
            if (t < 0) {
                rc = fail(&p, 2, TXP_EBADMSG,
                          "table name '%.*s' invalid (raw, mangle, nat, filter or security)",
                          (int)(e - 1 > 64 ? 64 : e - 1), l + 1);
                break;
            }
            in_table = t;
            touched = 0;
            table_line = p.line;
            rc = txp_ipt__table_reset(&work.tables[t], (enum txp_ipt_table_id)t);
            work.tables[t].present = was_present[t];
            continue;
        }
        if (ll == 6 && !memcmp(l, "COMMIT", 6)) {
            if (in_table < 0) {
                rc = fail(&p, 1, TXP_EBADMSG, "COMMIT outside a table (expected *TABLE first)");
                break;
            }
            struct txp_ipt_table *t = &work.tables[in_table];
            rc = commit_checks(&p, t, (enum txp_ipt_table_id)in_table);
            if (!rc && touched && !t->present) {
                t->present = 1;
                t->order = seen_order++;
                was_present[in_table] = 1;
            }
            in_table = -1;
            continue;
        }
        if (in_table < 0) {
            rc = fail(&p, 1, TXP_EBADMSG,
                      "no table specified (expected *TABLE, # or an empty "
                      "line)");
            break;
        }
        struct txp_ipt_table *t = &work.tables[in_table];
        if (l[0] == ':') {
            rc = chain_line(&p, t, l, ll, counters);
            touched = 1;
            continue;
        }
        struct txp_ipt_counters cnt = {0, 0};
        size_t skip = 0;
        if (l[0] == '[') {
            rc = rule_counters(&p, l, ll, counters, &cnt, &skip);
            if (rc)
                break;
        }
        if (store_cap < 2 * ll + 2) {
            free(store);
            store_cap = 2 * ll + 2;
            store = malloc(store_cap);
            if (!store) {
                rc = TXP_ENOMEM;
                break;
            }
        }
        int n = 0;
        rc = tokenize(&p, l + skip, ll - skip, (uint32_t)skip + 1, tk, &n, store);
        if (rc)
            break;
        rc = n ? chain_command(&p, t, in_table == TXP_IPT_NAT, tk, n) : 1;
        if (rc == 1)
            rc = rule_line(&p, t, (enum txp_ipt_table_id)in_table, tk, n,
                           counters && skip ? &cnt : NULL);
        touched = 1;
    }
    if (!rc && in_table >= 0) {
        p.line = p.line ? p.line : 1;
        rc = fail(&p, last_len + 1, TXP_EBADMSG,
                  "COMMIT expected at the end of the input (table %s opened at line %u)",
                  txp_ipt_table_name((enum txp_ipt_table_id)in_table), (unsigned)table_line);
    }
    free(tk);
    free(store);
    if (rc) {
        txp_ipt_ruleset_fini(&work);
        return rc == TXP_ENOMEM ? TXP_ENOMEM : (rc == TXP_ENOTSUP ? TXP_ENOTSUP : TXP_EBADMSG);
    }
    txp_ipt_ruleset_fini(rs);
    *rs = work;
    return TXP_OK;
}
