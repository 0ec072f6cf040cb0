/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: iptables rule evaluation on ClassBench-like 5-tuple rule sets (bench_ipt_gen.h:
 * acl, fw and ipc styles; 100, 1,000 and 10,000 rules; 95% of the packets drawn from rules),
 * in the same run:
 *   interp    txp_ipt_do_table, the reference interpreter (first match, rule after rule);
 *   compiled  txp_ipt_compiled_do_table (decision tree + full rule semantics and counters);
 *   rte_acl   DPDK's rte_acl_classify on the same rules (proto, src/dst prefixes, port
 *             ranges; priority = rule order) in bursts of 64, the way DPDK uses it, and one
 *             packet per call (the shape of a per-packet do_table).
 * The rules are `-A FORWARD [-s S/L] [-d D/L] [-p P] [-m tcp|udp --sport a:b --dport c:d]
 * -j ACCEPT|DROP` in filter FORWARD (policy ACCEPT). Before timing, every packet's deciding
 * rule is checked to be the same for all three (exit 1 otherwise).
 *
 * Reported per set, as rates per CPU second of the bench thread (the machine is shared: wall
 * time would count other processes): packets/s of each, the ratios compiled / interp,
 * compiled / rte_acl one per call and compiled / rte_acl in bursts of 64; build time of the
 * compiled form and of rte_acl (rte_acl_add_rules + rte_acl_build); memory
 * (txp_ipt_compiled_mem; rte_acl: DPDK heap bytes allocated by the context); the compiled
 * chain's trees, deepest leaf and largest leaf.
 *
 * Options: --quick (shorter traces and rounds; still every size), --json FILE, --only STYLE,
 * --no-interp (skip the slow interpreter rounds, for profiling), --emit DIR (also write each
 * set as DIR/<style>_<rules>.rules in iptables-save form and its trace as
 * DIR/<style>_<rules>.pcap, LINKTYPE_RAW, for `txpath ipt eval` and the kernel).
 * DPDK runs with --no-huge --no-pci; without libdpdk the txpath numbers are printed alone.
 * Exit 0, 1 on a disagreement, 2 on usage or setup errors.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_ipt_gen.h"
#include "compile_int.h"
#include "txpath/ipt.h"

#ifdef TXP_BENCH_HAVE_DPDK
#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#endif

/* Rates are per CPU second of this thread: the machine is shared, and wall time would count
 * the time other processes ran. */
static double
cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint32_t
plen_mask(uint8_t l)
{
    return l ? 0xFFFFFFFFu << (32 - l) : 0;
}

/* Fill filter FORWARD of @p rs with @p g. @return 0 or -1. */
static int
make_ruleset(struct txp_ipt_ruleset *rs, const struct gen_rule *g, uint32_t n)
{
    if (txp_ipt_ruleset_init(rs) != TXP_OK)
        return -1;
    struct txp_ipt_table *t = &rs->tables[TXP_IPT_FILTER];
    t->present = 1;
    int ci = txp_ipt_chain_find(t, "FORWARD");
    if (ci < 0)
        return -1;
    struct txp_ipt_chain *ch = &t->chains[ci];
    ch->rules = calloc(n ? n : 1, sizeof *ch->rules);
    if (!ch->rules)
        return -1;
    ch->cap_rules = n ? n : 1;
    for (uint32_t i = 0; i < n; i++) {
        struct txp_ipt_rule *r = &ch->rules[i];
        r->ip.smsk = plen_mask(g[i].slen);
        r->ip.src = g[i].src & r->ip.smsk;
        r->ip.dmsk = plen_mask(g[i].dlen);
        r->ip.dst = g[i].dst & r->ip.dmsk;
        r->ip.proto = g[i].proto;
        r->target.kind = g[i].accept ? TXP_IPT_T_ACCEPT : TXP_IPT_T_DROP;
        if (g[i].proto == 6 || g[i].proto == 17) {
            r->matches = calloc(1, sizeof *r->matches);
            if (!r->matches)
                return -1;
            r->n_matches = 1;
            r->matches[0].kind = g[i].proto == 6 ? TXP_IPT_M_TCP : TXP_IPT_M_UDP;
            struct txp_ipt_m_tcpudp *tu = &r->matches[0].u.tcpudp;
            tu->spts[0] = g[i].sp_lo;
            tu->spts[1] = g[i].sp_hi;
            tu->dpts[0] = g[i].dp_lo;
            tu->dpts[1] = g[i].dp_hi;
        }
        ch->n_rules++;
    }
    return 0;
}

#ifdef TXP_BENCH_HAVE_DPDK
enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, F_NUM };
RTE_ACL_RULE_DEF(acl5_rule, F_NUM);

static const struct rte_acl_field_def acl5_defs[F_NUM] = {
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = sizeof(uint8_t),
     .field_index = F_PROTO,
     .input_index = 0,
     .offset = 9},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = sizeof(uint32_t),
     .field_index = F_SRC,
     .input_index = 1,
     .offset = 12},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = sizeof(uint32_t),
     .field_index = F_DST,
     .input_index = 2,
     .offset = 16},
    {.type = RTE_ACL_FIELD_TYPE_RANGE,
     .size = sizeof(uint16_t),
     .field_index = F_SPORT,
     .input_index = 3,
     .offset = 20},
    {.type = RTE_ACL_FIELD_TYPE_RANGE,
     .size = sizeof(uint16_t),
     .field_index = F_DPORT,
     .input_index = 3,
     .offset = 22},
};

static size_t
dpdk_heap_bytes(void)
{
    struct rte_malloc_socket_stats st;
    size_t total = 0;
    for (int s = 0; s < 2; s++)
        if (rte_malloc_get_socket_stats(s, &st) == 0)
            total += st.heap_allocsz_bytes;
    return total;
}

static struct rte_acl_ctx *
acl_build(const struct gen_rule *g, uint32_t n, double *build_ms, size_t *mem)
{
    static int seq; /* names must differ between contexts */
    char name[32];
    snprintf(name, sizeof name, "txp_ipt_%d", seq++);
    struct rte_acl_param prm = {.name = name,
                                .socket_id = SOCKET_ID_ANY,
                                .rule_size = RTE_ACL_RULE_SZ(F_NUM),
                                .max_rule_num = n};
    size_t h0 = dpdk_heap_bytes();
    struct rte_acl_ctx *ctx = rte_acl_create(&prm);
    if (!ctx)
        return NULL;
    struct acl5_rule *ar = calloc(n ? n : 1, sizeof *ar);
    if (!ar)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        ar[i].data.category_mask = 1;
        ar[i].data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - i);
        ar[i].data.userdata = i + 1;
        ar[i].field[F_PROTO].value.u8 = g[i].proto;
        ar[i].field[F_PROTO].mask_range.u8 = g[i].proto ? 0xFF : 0;
        ar[i].field[F_SRC].value.u32 = g[i].src & plen_mask(g[i].slen);
        ar[i].field[F_SRC].mask_range.u32 = g[i].slen;
        ar[i].field[F_DST].value.u32 = g[i].dst & plen_mask(g[i].dlen);
        ar[i].field[F_DST].mask_range.u32 = g[i].dlen;
        ar[i].field[F_SPORT].value.u16 = g[i].sp_lo;
        ar[i].field[F_SPORT].mask_range.u16 = g[i].sp_hi;
        ar[i].field[F_DPORT].value.u16 = g[i].dp_lo;
        ar[i].field[F_DPORT].mask_range.u16 = g[i].dp_hi;
    }
    struct rte_acl_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.num_categories = 1;
    cfg.num_fields = F_NUM;
    memcpy(cfg.defs, acl5_defs, sizeof acl5_defs);
    double t0 = cpu_ns();
    if (rte_acl_add_rules(ctx, (const struct rte_acl_rule *)ar, n) != 0 ||
        rte_acl_build(ctx, &cfg) != 0) {
        free(ar);
        rte_acl_free(ctx);
        return NULL;
    }
    *build_ms = (cpu_ns() - t0) / 1e6;
    *mem = dpdk_heap_bytes() - h0;
    free(ar);
    return ctx;
}
#endif

struct row {
    char bench[48];
    char metric[48];
    const char *unit, *peer;
    double value, peer_value;
};
static struct row rows[128];
static int nrows;

static void
add_row(const char *bench, const char *metric, const char *unit, double v, const char *peer,
        double pv)
{
    if (nrows >= (int)(sizeof rows / sizeof rows[0]))
        return;
    struct row *w = &rows[nrows++];
    snprintf(w->bench, sizeof w->bench, "%s", bench);
    snprintf(w->metric, sizeof w->metric, "%s", metric);
    w->unit = unit;
    w->peer = peer;
    w->value = v;
    w->peer_value = pv;
}

static volatile uint64_t sink;

static void
put_addr(FILE *f, const char *opt, uint32_t a, uint8_t l)
{
    if (l == 0)
        return;
    fprintf(f, " %s %u.%u.%u.%u/%u", opt, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, l);
}

static void
put_ports(FILE *f, const char *opt, uint16_t lo, uint16_t hi)
{
    if (lo == 0 && hi == 65535)
        return;
    if (lo == hi)
        fprintf(f, " %s %u", opt, lo);
    else
        fprintf(f, " %s %u:%u", opt, lo, hi);
}

/* Write the set as iptables-save text and its trace as a pcap. @return 0 or -1. */
static int
emit(const char *dir, const char *style, const struct gen_rule *g, uint32_t n, const uint8_t *pkts,
     uint32_t np)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%u.rules", dir, style, n);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for (uint32_t i = 0; i < n; i++) {
        fprintf(f, "-A FORWARD");
        put_addr(f, "-s", g[i].src & plen_mask(g[i].slen), g[i].slen);
        put_addr(f, "-d", g[i].dst & plen_mask(g[i].dlen), g[i].dlen);
        if (g[i].proto == 6 || g[i].proto == 17) {
            const char *pn = g[i].proto == 6 ? "tcp" : "udp";
            fprintf(f, " -p %s -m %s", pn, pn);
            put_ports(f, "--sport", g[i].sp_lo, g[i].sp_hi);
            put_ports(f, "--dport", g[i].dp_lo, g[i].dp_hi);
        } else if (g[i].proto == 1) {
            fprintf(f, " -p icmp");
        }
        fprintf(f, " -j %s\n", g[i].accept ? "ACCEPT" : "DROP");
    }
    fprintf(f, "COMMIT\n");
    if (fclose(f) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s_%u.pcap", dir, style, n);
    f = fopen(path, "wb");
    if (!f)
        return -1;
    /* pcap global header, little endian: magic, 2.4, zone 0, sigfigs 0, snaplen, LINKTYPE_RAW */
    static const uint8_t gh[24] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0,   0, 0, 0,
                                   0,    0,    0,    0,    0, 0, 1, 0, 101, 0, 0, 0};
    fwrite(gh, 1, sizeof gh, f);
    for (uint32_t i = 0; i < np; i++) {
        const uint8_t *p = pkts + (size_t)i * GEN_PKT_LEN;
        uint32_t len = (uint32_t)p[2] << 8 | p[3], rec[4] = {i / 1000, (i % 1000) * 1000, len, len};
        for (int k = 0; k < 4; k++) {
            uint8_t le[4] = {(uint8_t)rec[k], (uint8_t)(rec[k] >> 8), (uint8_t)(rec[k] >> 16),
                             (uint8_t)(rec[k] >> 24)};
            fwrite(le, 1, 4, f);
        }
        fwrite(p, 1, len, f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Time @p fn over the trace, repeating until at least @p min_ns passed; best of 3 rounds. */
struct run_ctx {
    struct txp_ipt_ruleset *rs;
    struct txp_ipt_compiled *c;
    uint8_t *pkts;
    uint32_t n;
#ifdef TXP_BENCH_HAVE_DPDK
    struct rte_acl_ctx *acl;
#endif
};

static void
pktinfo_init(struct txp_ipt_pktinfo *info)
{
    memset(info, 0, sizeof *info);
    info->in_dev = "eth0";
    info->out_dev = "eth1";
    info->ctstate = TXP_IPT_CT_NEW;
}

static uint64_t
run_interp(struct run_ctx *x, uint32_t from, uint32_t count)
{
    struct txp_ipt_env env = {0, NULL, NULL};
    struct txp_ipt_pktinfo info;
    struct txp_ipt_verdict v;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *p = x->pkts + (size_t)((from + i) % x->n) * GEN_PKT_LEN;
        pktinfo_init(&info);
        txp_ipt_do_table(x->rs, TXP_IPT_FILTER, TXP_IPT_FORWARD, p, GEN_PKT_LEN, &info, &env, &v);
        acc += (uint64_t)v.rule;
    }
    return acc;
}

static uint64_t
run_compiled(struct run_ctx *x, uint32_t from, uint32_t count)
{
    struct txp_ipt_env env = {0, NULL, NULL};
    struct txp_ipt_pktinfo info;
    struct txp_ipt_verdict v;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *p = x->pkts + (size_t)((from + i) % x->n) * GEN_PKT_LEN;
        pktinfo_init(&info);
        txp_ipt_compiled_do_table(x->c, TXP_IPT_FILTER, TXP_IPT_FORWARD, p, GEN_PKT_LEN, &info,
                                  &env, &v);
        acc += (uint64_t)v.rule;
    }
    return acc;
}

#ifdef TXP_BENCH_HAVE_DPDK
static uint64_t
run_acl_burst(struct run_ctx *x, uint32_t from, uint32_t count)
{
    const uint8_t *data[64];
    uint32_t res[64];
    uint64_t acc = 0;
    for (uint32_t i = 0; i < count; i += 64) {
        uint32_t k = count - i < 64 ? count - i : 64;
        for (uint32_t j = 0; j < k; j++)
            data[j] = x->pkts + (size_t)((from + i + j) % x->n) * GEN_PKT_LEN;
        rte_acl_classify(x->acl, data, res, k, 1);
        for (uint32_t j = 0; j < k; j++)
            acc += res[j];
    }
    return acc;
}

static uint64_t
run_acl_single(struct run_ctx *x, uint32_t from, uint32_t count)
{
    uint64_t acc = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *d = x->pkts + (size_t)((from + i) % x->n) * GEN_PKT_LEN;
        uint32_t res = 0;
        rte_acl_classify(x->acl, &d, &res, 1, 1);
        acc += res;
    }
    return acc;
}
#endif

/* Packets per second of @p fn: rounds of @p chunk packets until @p min_ms, best of 3. */
static double
measure(uint64_t (*fn)(struct run_ctx *, uint32_t, uint32_t), struct run_ctx *x, uint32_t chunk,
        double min_ms)
{
    double best = 0;
    uint32_t from = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = cpu_ns(), t;
        uint64_t pk = 0;
        do {
            sink += fn(x, from, chunk);
            from += chunk;
            pk += chunk;
            t = cpu_ns() - t0;
        } while (t < min_ms * 1e6);
        double pps = (double)pk / (t / 1e9);
        if (pps > best)
            best = pps;
    }
    return best;
}

static const char *style_name[3] = {"acl", "fw", "ipc"};

int
main(int argc, char **argv)
{
    int quick = 0, only = -1, no_interp = 0;
    const char *json = NULL, *emit_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else if (!strcmp(argv[i], "--no-interp")) {
            no_interp = 1; /* profiling the others: skip the slow interpreter rounds */
        } else if (!strcmp(argv[i], "--emit") && i + 1 < argc) {
            emit_dir = argv[++i];
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            i++;
            for (int s = 0; s < 3; s++)
                if (!strcmp(argv[i], style_name[s]))
                    only = s;
            if (only < 0) {
                fprintf(stderr, "bench_ipt: --only acl|fw|ipc\n");
                return 2;
            }
        } else {
            fprintf(stderr,
                    "usage: %s [--quick] [--json FILE] [--only acl|fw|ipc] [--no-interp] "
                    "[--emit DIR]\n",
                    argv[0]);
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
#ifdef TXP_BENCH_HAVE_DPDK
    char a0[] = "bench_ipt", a1[] = "--no-huge", a2[] = "--no-pci", a3[] = "--no-shconf",
         a4[] = "--no-telemetry", a5[] = "--log-level=*:error", a6[] = "-l", a7[] = "0",
         a8[] = "-m", a9[] = "512";
    char *eal_argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL};
    if (rte_eal_init(10, eal_argv) < 0) {
        fprintf(stderr, "bench_ipt: DPDK EAL did not start\n");
        return 2;
    }
    const char *peer = "rte_acl";
#else
    const char *peer = "";
    printf("bench_ipt: built without libdpdk: no rte_acl peer\n");
#endif
    static const uint32_t sizes[3] = {100, 1000, 10000};
    const uint32_t ntrace = quick ? 16384 : 131072;
    const double min_ms = quick ? 20 : 150;
    uint8_t *pkts = malloc((size_t)ntrace * GEN_PKT_LEN);
    struct gen_rule *g = malloc(10000 * sizeof *g);
    if (!pkts || !g)
        return 2;
    int bad = 0;
    printf("%-5s %6s %9s %9s %9s %9s %8s %8s %8s %9s %9s %8s %8s %s\n", "set", "rules", "interp",
           "compiled", "acl/1", "acl/64", "c/interp", "c/acl1", "c/acl64", "build ms", "acl ms",
           "mem KiB", "acl KiB", "trees:depth/leaf");
    for (int st = 0; st < 3; st++) {
        if (only >= 0 && st != only)
            continue;
        for (int si = 0; si < 3; si++) {
            uint32_t n = sizes[si];
            gen_rules((enum gen_style)st, n, 1000 + (uint64_t)si, g);
            gen_trace(g, n, ntrace, 2000 + (uint64_t)si * 10 + (uint64_t)st, pkts);
            if (emit_dir && emit(emit_dir, style_name[st], g, n, pkts, ntrace) != 0) {
                fprintf(stderr, "bench_ipt: cannot write into %s\n", emit_dir);
                return 2;
            }
            struct txp_ipt_ruleset rs;
            if (make_ruleset(&rs, g, n) != 0)
                return 2;
            struct run_ctx x;
            memset(&x, 0, sizeof x);
            x.rs = &rs;
            x.pkts = pkts;
            x.n = ntrace;
            double t0 = cpu_ns();
            if (txp_ipt_compile(&rs, &x.c) != TXP_OK)
                return 2;
            double build_ms = (cpu_ns() - t0) / 1e6;
            size_t mem = txp_ipt_compiled_mem(x.c);
            double acl_ms = 0;
            size_t acl_mem = 0;
#ifdef TXP_BENCH_HAVE_DPDK
            x.acl = acl_build(g, n, &acl_ms, &acl_mem);
            if (!x.acl) {
                fprintf(stderr, "bench_ipt: rte_acl build failed\n");
                return 2;
            }
#endif
            /* Agreement on the deciding rule, packet by packet. */
            uint32_t ncheck = n >= 10000 && quick ? 4096 : ntrace < 32768 ? ntrace : 32768;
            for (uint32_t i = 0; i < ncheck; i++) {
                uint8_t *p = pkts + (size_t)i * GEN_PKT_LEN;
                struct txp_ipt_env env = {0, NULL, NULL};
                struct txp_ipt_pktinfo info;
                struct txp_ipt_verdict v1, v2;
                pktinfo_init(&info);
                int r1 = txp_ipt_do_table(&rs, TXP_IPT_FILTER, TXP_IPT_FORWARD, p, GEN_PKT_LEN,
                                          &info, &env, &v1);
                pktinfo_init(&info);
                int r2 = txp_ipt_compiled_do_table(x.c, TXP_IPT_FILTER, TXP_IPT_FORWARD, p,
                                                   GEN_PKT_LEN, &info, &env, &v2);
                int32_t want = v1.rule;
#ifdef TXP_BENCH_HAVE_DPDK
                uint32_t res = 0;
                const uint8_t *d = p;
                rte_acl_classify(x.acl, &d, &res, 1, 1);
                int32_t acl_rule = (int32_t)res - 1;
#else
                int32_t acl_rule = want;
#endif
                if (r1 != r2 || v1.verdict != v2.verdict || v2.rule != want || acl_rule != want) {
                    fprintf(stderr,
                            "bench_ipt: %s/%u packet %u: interp rule %d verdict %u, compiled "
                            "rule %d verdict %u, rte_acl rule %d\n",
                            style_name[st], n, i, want, v1.verdict, v2.rule, v2.verdict, acl_rule);
                    bad = 1;
                    break;
                }
            }
            /* The interpreter at 10,000 rules is slow: fewer packets per round. */
            double ip = no_interp ? 1 : measure(run_interp, &x, n >= 10000 ? 256 : 4096, min_ms);
            double cp = measure(run_compiled, &x, 4096, min_ms);
            double ab = 0, a1p = 0;
#ifdef TXP_BENCH_HAVE_DPDK
            ab = measure(run_acl_burst, &x, 4096, min_ms);
            a1p = measure(run_acl_single, &x, 4096, min_ms);
#endif
            struct txp_ipt__tree_stats ts;
            memset(&ts, 0, sizeof ts);
            (void)txp_ipt__compiled_stats(
                x.c, TXP_IPT_FILTER,
                (uint32_t)txp_ipt_chain_find(&rs.tables[TXP_IPT_FILTER], "FORWARD"), &ts);
            printf("%-5s %6u %8.3fM %8.3fM %8.3fM %8.3fM %7.1fx %7.2fx %7.2fx %9.2f %9.2f %8zu "
                   "%8zu %u:%u/%u\n",
                   style_name[st], n, ip / 1e6, cp / 1e6, a1p / 1e6, ab / 1e6, cp / ip,
                   a1p ? cp / a1p : 0, ab ? cp / ab : 0, build_ms, acl_ms, mem / 1024,
                   acl_mem / 1024, ts.trees, ts.max_depth, ts.max_leaf);
            char b[48];
            snprintf(b, sizeof b, "ipt_%s_%u", style_name[st], n);
            add_row(b, "compiled pkts/s vs interpreter", "pkts/s", cp, "interp", ip);
            if (ab) {
                add_row(b, "compiled pkts/s vs rte_acl bursts of 64", "pkts/s", cp, peer, ab);
                add_row(b, "compiled pkts/s vs rte_acl 1 per call", "pkts/s", cp, peer, a1p);
                add_row(b, "build ms", "ms", build_ms, peer, acl_ms);
                add_row(b, "memory KiB", "KiB", (double)mem / 1024, peer, (double)acl_mem / 1024);
            } else {
                add_row(b, "build ms", "ms", build_ms, "", 0);
                add_row(b, "memory KiB", "KiB", (double)mem / 1024, "", 0);
            }
#ifdef TXP_BENCH_HAVE_DPDK
            rte_acl_free(x.acl);
#endif
            txp_ipt_compiled_free(x.c);
            txp_ipt_ruleset_fini(&rs);
        }
    }
    if (json) {
        FILE *jf = fopen(json, "w");
        if (!jf)
            return 2;
        for (int i = 0; i < nrows; i++) {
            const struct row *w = &rows[i];
            double ratio = w->peer_value ? w->value / w->peer_value : 0;
            fprintf(jf,
                    "{\"bench\": \"%s\", \"metric\": \"%s\", \"value\": %.4f, \"unit\": \"%s\", "
                    "\"peer\": \"%s\", \"peer_value\": %.4f, \"ratio\": %.4f}\n",
                    w->bench, w->metric, w->value, w->unit, w->peer, w->peer_value, ratio);
        }
        fclose(jf);
    }
    free(pkts);
    free(g);
    return bad;
}
