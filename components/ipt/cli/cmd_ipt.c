/* SPDX-License-Identifier: MIT */
/*
 * `txpath ipt`: the iptables component on the command line.
 *
 *   txpath ipt save --rules FILE [-c]
 *       print what `iptables-save [-c]` (1.8.9, nf_tables) prints after `iptables-restore [-c]
 *       FILE`, without its comment lines;
 *   txpath ipt eval --rules FILE --pcap IN.pcap [--hook output|postrouting|input|forward|
 *       prerouting] [--in DEV] [--out DEV] [--compiled] [--ct auto|none|new|established|
 *       related|invalid|untracked] [--mark N] [--uid N --gid N] [--masq-addr A] [--now-ns N]
 *       [--pcap-out F]
 *       run every packet through the hook(s), print one line per packet
 *           <n> <ACCEPT|DROP> table=T chain=C rule=R|policy [reject=KIND] [reroute] [notrack]
 *               [log=N] mark=0xM len=L
 *       then the ruleset with counters as `iptables-save -c` prints it. With --ct auto (the
 *       default) a minimal conntrack gives each packet its state and NAT binding; --hook output
 *       runs OUTPUT then POSTROUTING (the whole path of a locally generated packet). The clock
 *       of -m limit is each packet's pcap timestamp, or --now-ns for all of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cli.h"
#include "txpath/h_pcap.h"
#include "txpath/ipt.h"

#define USAGE                                                                                      \
    "usage: txpath ipt save --rules FILE [-c]\n"                                                   \
    "       txpath ipt eval --rules FILE --pcap IN.pcap [--hook output|postrouting|input|\n"       \
    "                       forward|prerouting] [--in DEV] [--out DEV] [--compiled]\n"             \
    "                       [--ct auto|none|new|established|related|invalid|untracked]\n"          \
    "                       [--mark N] [--uid N --gid N] [--masq-addr A] [--now-ns N]\n"           \
    "                       [--pcap-out F]\n"

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "txpath ipt: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "txpath ipt: %s: cannot read\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Parse @p path into @p rs. @return 0, or the exit status (2) after printing the diagnostic. */
static int
load_rules(const char *path, int counters, struct txp_ipt_ruleset *rs)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text)
        return 2;
    if (txp_ipt_ruleset_init(rs) != TXP_OK) {
        free(text);
        fprintf(stderr, "txpath ipt: out of memory\n");
        return 2;
    }
    struct txp_diag d;
    txp_diag_init(&d, path);
    struct txp_ipt_parse_opts po = {counters};
    int rc = txp_ipt_parse(rs, text, len, &po, &d);
    free(text);
    if (rc != TXP_OK) {
        char msg[512];
        if (rc == TXP_ENOMEM)
            snprintf(msg, sizeof msg, "%s: out of memory", path);
        else
            txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath ipt: %s\n", msg);
        txp_ipt_ruleset_fini(rs);
        return 2;
    }
    return 0;
}

static int
print_ruleset(const struct txp_ipt_ruleset *rs, int counters)
{
    struct txp_ipt_print_opts po = {counters, 0, NULL};
    size_t n = txp_ipt_print(rs, &po, NULL, 0);
    char *buf = malloc(n + 1);
    if (!buf) {
        fprintf(stderr, "txpath ipt: out of memory\n");
        return 2;
    }
    txp_ipt_print(rs, &po, buf, n + 1);
    fwrite(buf, 1, n, stdout);
    free(buf);
    return 0;
}

static int
cmd_save(int argc, char **argv)
{
    const char *rules = NULL;
    int counters = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--counters"))
            counters = 1;
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc)
            rules = argv[++i];
        else {
            fprintf(stderr, "txpath ipt save: unknown or incomplete option %s\n%s", argv[i], USAGE);
            return 2;
        }
    }
    if (!rules) {
        fprintf(stderr, "txpath ipt save: --rules FILE is required\n%s", USAGE);
        return 2;
    }
    struct txp_ipt_ruleset rs;
    int rc = load_rules(rules, counters, &rs);
    if (rc)
        return rc;
    rc = print_ruleset(&rs, counters);
    txp_ipt_ruleset_fini(&rs);
    return rc;
}

/* ---------------------------------------------------------------- eval */

struct eval_opts {
    const char *rules, *pcap, *pcap_out, *in_dev, *out_dev;
    int hook, compiled, ct_mode; /* ct_mode: -1 auto, -2 none, else a TXP_IPT_CT_* bit */
    uint32_t mark, uid, gid, masq_addr;
    int has_uid, has_gid, has_now;
    uint64_t now_ns;
};

static int
num(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (!*v || *v == '-' || *end || errno || x > max) {
        fprintf(stderr, "txpath ipt eval: %s \"%s\": expected an integer 0..%llu\n", opt, v,
                (unsigned long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

static int
ipv4(const char *opt, const char *v, uint32_t *out)
{
    unsigned a, b, c, d;
    char extra;
    if (sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 || b > 255 || c > 255 ||
        d > 255) {
        fprintf(stderr, "txpath ipt eval: %s \"%s\": expected a.b.c.d\n", opt, v);
        return -1;
    }
    *out = a << 24 | b << 16 | c << 8 | d;
    return 0;
}

static int
eval_args(int argc, char **argv, struct eval_opts *o)
{
    static const char *const hooks[] = {"prerouting", "input", "forward", "output", "postrouting"};
    static const struct {
        const char *name;
        int v;
    } cts[] = {{"auto", -1},
               {"none", -2},
               {"new", TXP_IPT_CT_NEW},
               {"established", TXP_IPT_CT_ESTABLISHED},
               {"related", TXP_IPT_CT_RELATED},
               {"invalid", TXP_IPT_CT_INVALID},
               {"untracked", TXP_IPT_CT_UNTRACKED}};
    memset(o, 0, sizeof *o);
    o->hook = TXP_IPT_OUTPUT;
    o->ct_mode = -1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        uint64_t x;
        if (!strcmp(a, "--compiled")) {
            o->compiled = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "txpath ipt eval: %s needs a value (or is unknown)\n%s", a, USAGE);
            return -1;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--rules")) {
            o->rules = v;
        } else if (!strcmp(a, "--pcap")) {
            o->pcap = v;
        } else if (!strcmp(a, "--pcap-out")) {
            o->pcap_out = v;
        } else if (!strcmp(a, "--in")) {
            o->in_dev = v;
        } else if (!strcmp(a, "--out")) {
            o->out_dev = v;
        } else if (!strcmp(a, "--hook")) {
            o->hook = -1;
            for (int h = 0; h < 5; h++)
                if (!strcmp(v, hooks[h]))
                    o->hook = h;
            if (o->hook < 0) {
                fprintf(stderr,
                        "txpath ipt eval: --hook \"%s\": expected output, postrouting, "
                        "input, forward or prerouting\n",
                        v);
                return -1;
            }
        } else if (!strcmp(a, "--ct")) {
            int found = 0;
            for (size_t k = 0; k < sizeof cts / sizeof cts[0]; k++)
                if (!strcmp(v, cts[k].name)) {
                    o->ct_mode = cts[k].v;
                    found = 1;
                }
            if (!found) {
                fprintf(stderr,
                        "txpath ipt eval: --ct \"%s\": expected auto, none, new, "
                        "established, related, invalid or untracked\n",
                        v);
                return -1;
            }
        } else if (!strcmp(a, "--mark")) {
            if (num(a, v, UINT32_MAX, &x))
                return -1;
            o->mark = (uint32_t)x;
        } else if (!strcmp(a, "--uid")) {
            if (num(a, v, UINT32_MAX, &x))
                return -1;
            o->uid = (uint32_t)x;
            o->has_uid = 1;
        } else if (!strcmp(a, "--gid")) {
            if (num(a, v, UINT32_MAX, &x))
                return -1;
            o->gid = (uint32_t)x;
            o->has_gid = 1;
        } else if (!strcmp(a, "--masq-addr")) {
            if (ipv4(a, v, &o->masq_addr))
                return -1;
        } else if (!strcmp(a, "--now-ns")) {
            if (num(a, v, UINT64_MAX, &o->now_ns))
                return -1;
            o->has_now = 1;
        } else {
            fprintf(stderr, "txpath ipt eval: unknown option %s\n%s", a, USAGE);
            return -1;
        }
    }
    if (!o->rules || !o->pcap) {
        fprintf(stderr, "txpath ipt eval: --rules FILE and --pcap IN.pcap are required\n%s", USAGE);
        return -1;
    }
    if (o->has_uid != o->has_gid) {
        fprintf(stderr, "txpath ipt eval: --uid and --gid go together\n");
        return -1;
    }
    return 0;
}

static const char *const reject_names[] = {
    "icmp-net-unreachable",   "icmp-host-unreachable",
    "icmp-proto-unreachable", "icmp-port-unreachable",
    "icmp-echo-reply",        "icmp-net-prohibited",
    "icmp-host-prohibited",   "tcp-reset",
    "icmp-admin-prohibited",
};

/* Run @p hook (and POSTROUTING after an accepted OUTPUT), accumulating into @p v. */
static int
run_hooks(struct txp_ipt_ruleset *rs, struct txp_ipt_compiled *cc, int hook, uint8_t *ip,
          size_t len, struct txp_ipt_pktinfo *info, const struct txp_ipt_env *env,
          struct txp_ipt_verdict *v, int *last_hook)
{
    int hooks[2] = {hook, -1};
    if (hook == TXP_IPT_OUTPUT)
        hooks[1] = TXP_IPT_POSTROUTING;
    uint32_t logged = 0;
    uint8_t reroute = 0, notrack = 0;
    for (int k = 0; k < 2 && hooks[k] >= 0; k++) {
        if (k == 1) {
            /* POSTROUTING sees the output device; OUTPUT has no input device */
            info->in_dev = NULL;
        }
        struct txp_ipt_verdict prev = *v;
        int rc =
            cc ? txp_ipt_compiled_do_hook(cc, (enum txp_ipt_hook)hooks[k], ip, len, info, env, v)
               : txp_ipt_do_hook(rs, (enum txp_ipt_hook)hooks[k], ip, len, info, env, v);
        if (rc != TXP_OK)
            return rc;
        if (k == 1 && v->chain < 0 && !rs->tables[v->table].present) {
            /* no table has POSTROUTING chains: OUTPUT's verdict is the one to report */
            *v = prev;
            break;
        }
        *last_hook = hooks[k];
        logged += v->n_logged;
        reroute |= v->reroute;
        notrack |= v->notrack;
        if (v->verdict != TXP_IPT_V_ACCEPT)
            break;
    }
    v->n_logged = logged;
    v->reroute = reroute;
    v->notrack = notrack;
    return TXP_OK;
}

static int
cmd_eval(int argc, char **argv)
{
    struct eval_opts o;
    if (eval_args(argc, argv, &o))
        return 2;
    struct txp_ipt_ruleset rs;
    int rc = load_rules(o.rules, 0, &rs);
    if (rc)
        return rc;
    struct txp_diag d;
    txp_diag_init(&d, o.pcap);
    struct txp_h_pcap_file *f = NULL;
    struct txp_h_pcap_writer *w = NULL;
    struct txp_ipt_compiled *cc = NULL;
    struct txp_ipt_ct *ct = NULL;
    uint8_t *buf = NULL;
    int status = 1;
    if (txp_h_pcap_load(o.pcap, &f, &d) != TXP_OK) {
        char msg[600];
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath ipt eval: %s\n", msg);
        goto out;
    }
    if (o.pcap_out && txp_h_pcap_create(o.pcap_out, f->link, &w, &d) != TXP_OK) {
        char msg[600];
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath ipt eval: %s\n", msg);
        goto out;
    }
    if (o.compiled && txp_ipt_compile(&rs, &cc) != TXP_OK) {
        fprintf(stderr, "txpath ipt eval: cannot compile the ruleset (out of memory)\n");
        goto out;
    }
    if (o.ct_mode == -1 && txp_ipt_ct_new(f->count * 2u + 16u, &ct) != TXP_OK) {
        fprintf(stderr, "txpath ipt eval: out of memory\n");
        goto out;
    }
    buf = malloc(65536 + 64);
    if (!buf) {
        fprintf(stderr, "txpath ipt eval: out of memory\n");
        goto out;
    }
    for (uint32_t i = 0; i < f->count; i++) {
        const struct txp_h_pcap_rec *r = &f->recs[i];
        size_t l3 = f->link == TXP_LINK_RAW_IPV4 ? 0 : 14;
        if (r->caplen < l3 + 20 || (l3 && (r->data[12] != 0x08 || r->data[13] != 0x00)) ||
            (r->data[l3] >> 4) != 4) {
            printf("%u SKIP not-ipv4\n", (unsigned)i);
            continue;
        }
        size_t len = r->caplen - l3;
        if (len > 65535)
            len = 65535;
        memcpy(buf, r->data, l3 + len);
        uint8_t *ip = buf + l3;
        struct txp_ipt_pktinfo info;
        memset(&info, 0, sizeof info);
        info.in_dev = o.in_dev;
        info.out_dev = o.out_dev;
        info.mark = o.mark;
        info.has_sock = (uint8_t)o.has_uid;
        info.uid = o.uid;
        info.gid = o.gid;
        info.masq_addr = o.masq_addr;
        info.redirect_addr = 0x7F000001u;
        info.nat_first = 1;
        if (o.hook == TXP_IPT_OUTPUT || o.hook == TXP_IPT_POSTROUTING)
            info.in_dev = NULL;
        if (o.hook == TXP_IPT_PREROUTING || o.hook == TXP_IPT_INPUT)
            info.out_dev = NULL;
        uint32_t flow = UINT32_MAX;
        if (ct) {
            if (txp_ipt_ct_lookup(ct, ip, len, &info, &flow) == TXP_EINVAL) {
                printf("%u SKIP not-ipv4\n", (unsigned)i);
                continue;
            }
        } else if (o.ct_mode == -2) {
            info.ctstate = TXP_IPT_CT_UNTRACKED;
        } else {
            info.ctstate = (uint16_t)o.ct_mode;
            info.nat_first = o.ct_mode == TXP_IPT_CT_NEW || o.ct_mode == TXP_IPT_CT_RELATED;
        }
        /* the limit match's clock: --now-ns for every packet, else the pcap timestamps */
        struct txp_ipt_env env = {o.has_now ? o.now_ns : r->ts_ns, NULL, NULL};
        struct txp_ipt_verdict v;
        memset(&v, 0, sizeof v);
        int last_hook = o.hook;
        if (run_hooks(&rs, cc, o.hook, ip, len, &info, &env, &v, &last_hook) != TXP_OK) {
            printf("%u SKIP not-ipv4\n", (unsigned)i);
            continue;
        }
        if (ct && flow != UINT32_MAX)
            txp_ipt_ct_confirm(ct, flow, &info, &v);
        printf("%u %s table=%s chain=", (unsigned)i,
               v.verdict == TXP_IPT_V_ACCEPT ? "ACCEPT" : "DROP", txp_ipt_table_name(v.table));
        const struct txp_ipt_table *t = &rs.tables[v.table];
        if (v.chain >= 0 && (uint32_t)v.chain < t->n_chains)
            printf("%s", t->chains[v.chain].name);
        else /* a policy: the built-in chain of the hook that decided */
            printf("%s", txp_ipt_hook_name((enum txp_ipt_hook)last_hook));
        if (v.rule >= 0)
            printf(" rule=%d", (int)v.rule);
        else
            printf(" rule=policy");
        if (v.rejected)
            printf(" reject=%s", v.reject_with < 9 ? reject_names[v.reject_with] : "?");
        if (v.stack_overflow)
            printf(" stack-overflow");
        if (v.reroute)
            printf(" reroute");
        if (v.notrack)
            printf(" notrack");
        if (v.n_logged)
            printf(" log=%u", (unsigned)v.n_logged);
        printf(" mark=0x%x len=%u\n", (unsigned)info.mark,
               (unsigned)(len >= 4 ? (ip[2] << 8 | ip[3]) : 0));
        if (w && v.verdict == TXP_IPT_V_ACCEPT &&
            txp_h_pcap_write(w, r->ts_ns, buf, l3 + len) != TXP_OK) {
            fprintf(stderr, "txpath ipt eval: %s: write failed\n", o.pcap_out);
            goto out;
        }
    }
    status = print_ruleset(&rs, 1);
out:
    if (w && txp_h_pcap_close(w) != TXP_OK && status == 0) {
        fprintf(stderr, "txpath ipt eval: %s: write failed\n", o.pcap_out);
        status = 1;
    }
    free(buf);
    txp_ipt_ct_free(ct);
    txp_ipt_compiled_free(cc);
    txp_h_pcap_file_free(f);
    txp_ipt_ruleset_fini(&rs);
    return status;
}

static int
cmd_ipt(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "save"))
        return cmd_save(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "eval"))
        return cmd_eval(argc, argv);
    fprintf(stderr, "%s", USAGE);
    return 2;
}

const struct txp_h_cli_command txp_h_cli_command_ipt = {
    "ipt",
    "ipt save --rules FILE [-c] | ipt eval --rules FILE --pcap IN.pcap [--hook H] ...:\n"
    "iptables-save output and packet verdicts with counters for an iptables-restore file",
    cmd_ipt};
