/* SPDX-License-Identifier: MIT */
/*
 * txpath bench: bulk TCP through the whole transmit pipeline (components/stack: socket ops,
 * tcp, fib with a large table, iptables with a large ruleset, ip, neigh, pfifo_fast, the TX
 * ring with its device model and a pcap backend writing to /dev/null), against the Linux kernel
 * sending the same bulk flow from a network namespace with the same ruleset, in the same run.
 *
 * The ruleset (deterministic, --rules N, 1,000 by default): filter OUTPUT with N - 1 rules that
 * never match either flow, in a fixed rotation of 5-tuple rules (TCP to destinations in
 * 172.16.0.0/12, sources in 192.168.0.0/16, UDP ports, TCP ports 10000 and up with REJECT, ICMP
 * echo to 172.16.0.0/12 subnets) and, one in a hundred, rules no 5-tuple describes (an output
 * device that does not exist, a mark), then -j ACCEPT. Every segment the sender emits is
 * checked against all of them (the kernel: one by one; txpath: compiled, see --interpret).
 *
 * txpath side. The embedded default host plus R extra routes (1,000,000 by default: /24s via
 * the gateway, so every packet's route lookup runs in a full table), the ruleset (compiled by
 * components/ipt; --interpret runs the rules one by one), the peer model answering with a
 * 4 MiB window and not verifying checksums (its own cost is not the stack's), an instant link
 * whose frames also go to the ring's pcap file backend opened on /dev/null (the discarding
 * backend the issue names: it formats and writes every record). One transfer of B bytes
 * (64 MiB; --quick 8 MiB and 100,000 routes) is timed with the process CPU clock; the peer
 * model's ACK building runs in the same process and is counted against txpath.
 * Segments/s = data segments (MSS 1448) per CPU second.
 *
 * Kernel side. Two namespaces joined by a veth; a receiver in one discards what it reads, a
 * sender in the other writes the same B bytes in 64 KiB writes; the sender process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, which includes the softirq work run in its context) is the
 * divisor of the main figure, the sender's and the receiver's together a second one. There
 * is no ethtool here, so TSO/GSO are turned off the other way: the sending veth
 * gets gso_max_segs 1, which makes TCP build one MSS per skb (tcp_tso_autosize is capped by
 * sk_gso_max_segs), as txpath does. The run is repeated (3 rounds, --quick 1) and the medians
 * reported: which process a piece of softirq work is charged to varies from run to run (the
 * sender's CPU seconds for the same transfer were seen to vary by 5x on a loaded 2-CPU
 * machine). The sender's namespace gets the same ruleset through
 * iptables-restore (whichever backend /usr/sbin/iptables-restore is; the report says whether
 * it loaded). Segments/s = bytes / 1448 per CPU second. The veth
 * delivers through the per-CPU backlog, so work of either side may be charged to the other:
 * the sender-only figure misses the transmits an arriving ACK triggers inside the receiver's
 * context (kernel flattered), the sum includes the receiver's own work (kernel penalised); the
 * true per-core rate of the sender lies between them. Measured here, the ruleset's cost lands
 * almost entirely in the receiver's context (the sender alone even got cheaper with it), so
 * the ratio is taken against an estimate: each round also runs without the ruleset, and
 * estimate = sender alone without the rules + (sender + receiver with the rules - sender +
 * receiver without them), the rules' whole extra being OUTPUT work of the sender's namespace.
 * All three kernel figures are printed. Needs root (ip netns); without it the
 * kernel peer is reported missing.
 *
 * Output: a table; with --json FILE one JSON object per line {"bench", "metric", "value",
 * "unit", "peer", "peer_value", "ratio"}, ratio = txpath / kernel (segments/s and Gbit/s
 * against the estimate, segments/s against the sender process alone and against sender +
 * receiver). The target: >= 2.
 * Options: --quick, --json FILE, --routes N, --rules N, --bytes N, --interpret, --no-kernel,
 * --help.
 */
#define _GNU_SOURCE /* setns, CLONE_NEWNET */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "txpath/ring.h"
#include "txpath/stack.h"

#define MSS 1448.0

static double
cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The ruleset: iptables-save text of filter with @p n rules (n - 1 that match neither flow,
 * then the ACCEPT); NULL when @p n is 0 or on allocation failure. */
static char *
make_ruleset(uint32_t n)
{
    if (n == 0)
        return NULL;
    size_t cap = 128 + (size_t)n * 96u;
    char *t = malloc(cap);
    if (t == NULL)
        return NULL;
    size_t len = (size_t)snprintf(t, cap,
                                  "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
                                  ":OUTPUT ACCEPT [0:0]\n");
    for (uint32_t i = 0; i + 1 < n; i++) {
        uint32_t a = i & 255u, b = (i >> 8) & 15u;
        if (i % 100u == 50u) { /* 1 in 100: no 5-tuple box (interface, mark) */
            if (i % 200u == 50u)
                len += (size_t)snprintf(t + len, cap - len, "-A OUTPUT -o dummy%u -j DROP\n", i);
            else
                len += (size_t)snprintf(t + len, cap - len,
                                        "-A OUTPUT -m mark --mark 0x%x -j DROP\n", i + 1u);
            continue;
        }
        switch (i % 5u) {
        case 0:
            len +=
                (size_t)snprintf(t + len, cap - len,
                                 "-A OUTPUT -d 172.%u.%u.%u/32 -p tcp -m tcp --dport 80 -j DROP\n",
                                 16u + b, a, (i >> 4) & 255u);
            break;
        case 1:
            len += (size_t)snprintf(t + len, cap - len, "-A OUTPUT -s 192.168.%u.%u/32 -j DROP\n",
                                    b, a);
            break;
        case 2:
            len += (size_t)snprintf(t + len, cap - len,
                                    "-A OUTPUT -p udp -m udp --dport %u -j DROP\n", 1000u + i);
            break;
        case 3:
            len += (size_t)snprintf(t + len, cap - len,
                                    "-A OUTPUT -p tcp -m tcp --dport %u -j REJECT --reject-with "
                                    "icmp-port-unreachable\n",
                                    10000u + i);
            break;
        default:
            len += (size_t)snprintf(t + len, cap - len,
                                    "-A OUTPUT -d 172.%u.%u.0/24 -p icmp -m icmp --icmp-type 8 "
                                    "-j DROP\n",
                                    16u + b, a);
            break;
        }
    }
    (void)snprintf(t + len, cap - len, "-A OUTPUT -j ACCEPT\nCOMMIT\n");
    return t;
}

/* The link side of the ring's pcap backend: every frame the peer model looks at is also
 * written as a pcap record to /dev/null. */
struct pcap_link {
    struct txp_stack_link link;
    struct txp_ring_backend *be;
    uint64_t errors;
};

static void
pcap_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct pcap_link *l = (struct pcap_link *)(void *)self;
    (void)ifindex;
    if (l->be->fn(l->be, ts, f, len) < 0)
        l->errors++;
}

/* txpath: one transfer of @p bytes; returns CPU seconds, or a negative value on failure. */
static double
run_txpath(uint32_t routes, const char *rules, bool interpret, uint64_t bytes, uint64_t *segs,
           uint64_t *ipt_pkts)
{
    static const char *const base_routes =
        "default via 10.0.0.254 dev eth0\n"
        "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
        "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n";
    size_t cap = strlen(base_routes) + (size_t)routes * 48u + 1u;
    char *text = malloc(cap);
    if (text == NULL)
        return -1;
    size_t len = (size_t)snprintf(text, cap, "%s", base_routes);
    for (uint32_t i = 0; i < routes; i++) {
        /* 11.0.0.0/24 upwards: 2^24 /24s exist above 11.0.0.0 before 255.255.255.0. */
        uint32_t net = (11u << 24) + (i << 8);
        len += (size_t)snprintf(text + len, cap - len, "%u.%u.%u.0/24 via 10.0.0.254 dev eth0\n",
                                net >> 24, (net >> 16) & 255u, (net >> 8) & 255u);
    }
    struct txp_stack_host h;
    txp_stack_host_default(&h);
    h.text[TXP_STACK_HF_ROUTE] = text;
    h.len[TXP_STACK_HF_ROUTE] = len;
    if (rules) {
        h.text[TXP_STACK_HF_IPTABLES] = rules;
        h.len[TXP_STACK_HF_IPTABLES] = strlen(rules);
    }
    struct txp_ring_pcap *pw = NULL;
    struct pcap_link pl = {{pcap_tx, NULL}, NULL, 0};
    struct txp_stack_peer_config pc;
    memset(&pc, 0, sizeof pc);
    pc.window = 4u << 20;
    pc.trust_csum = true;
    struct txp_stack_peer *peer = NULL;
    struct txp_stack *st = NULL;
    struct txp_diag d;
    double t = -1;
    if (txp_stack_peer_create(&pc, &peer) != TXP_OK)
        goto out;
    if (txp_ring_pcap_open("/dev/null", NULL, &pw) != TXP_OK) {
        fprintf(stderr, "bench_stack: cannot open the pcap backend on /dev/null\n");
        goto out;
    }
    pl.be = txp_ring_pcap_backend(pw);
    txp_stack_peer_chain(peer, &pl.link);
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = &h;
    cfg.seed = 1;
    cfg.ipt_interpret = interpret;
    cfg.link = txp_stack_peer_link(peer);
    if (txp_stack_create(&cfg, &st, &d) != TXP_OK) {
        char m[600];
        txp_diag_format(&d, m, sizeof m);
        fprintf(stderr, "bench_stack: %s\n", m);
        goto out;
    }
    struct txp_stack_job job;
    memset(&job, 0, sizeof job);
    job.daddr = 0x0B000101u; /* 11.0.1.1: through the big table to the gateway */
    job.dport = 5001;
    job.bytes = bytes;
    job.opt.sndbuf = 4u << 20;
    job.deadline_ns = 600000000000ull;
    struct txp_stack_job_result res;
    double t0 = cpu_s();
    int rc = txp_stack_run_job(st, &job, &res);
    double t1 = cpu_s();
    if (rc == TXP_OK && res.complete) {
        t = t1 - t0;
        struct txp_stack_stage_stats s[TXP_STACK_ST__COUNT];
        txp_stack_stage_stats(st, s);
        *segs = s[TXP_STACK_ST_SOCK].created;
        *ipt_pkts = txp_stack_stage_present(TXP_STACK_ST_IPT_OUT) ? s[TXP_STACK_ST_IPT_OUT].out : 0;
        if (pl.errors)
            fprintf(stderr, "bench_stack: %llu pcap backend errors\n",
                    (unsigned long long)pl.errors);
    } else {
        fprintf(stderr, "bench_stack: the transfer did not complete (%s)\n",
                res.why ? res.why : "?");
    }
out:
    txp_stack_destroy(st);
    txp_stack_peer_destroy(peer);
    if (pw)
        (void)txp_ring_pcap_close(pw);
    free(text);
    return t;
}

static double
median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    return v[n / 2];
}

static int
sh(const char *cmd)
{
    int rc = system(cmd);
    return rc == 0 ? 0 : -1;
}

static int
enter_ns(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = setns(fd, CLONE_NEWNET);
    close(fd);
    return rc;
}

/* The kernel: CPU seconds of a sender process writing @p bytes over TCP through a veth. */
/* One kernel round: CPU seconds of the sender (return) and of the receiver (*rx_cpu). */
static double
run_kernel(uint64_t bytes, const char *rules, int *rules_loaded, double *rx_cpu)
{
    *rx_cpu = -1;
    char pipe_name[64];
    snprintf(pipe_name, sizeof pipe_name, "txpb%d", (int)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "ip netns add %sa && ip netns add %sb && "
             "ip -n %sa link add v0 type veth peer name v1 netns %sb && "
             "ip -n %sa addr add 10.77.0.1/24 dev v0 && ip -n %sb addr add 10.77.0.2/24 dev v1 && "
             "ip -n %sa link set v0 gso_max_segs 1 up && ip -n %sb link set v1 up && "
             "ip -n %sa link set lo up && ip -n %sb link set lo up",
             pipe_name, pipe_name, pipe_name, pipe_name, pipe_name, pipe_name, pipe_name, pipe_name,
             pipe_name, pipe_name);
    double result = -1;
    *rules_loaded = 0;
    if (sh(cmd) != 0)
        goto cleanup;
    if (rules) {
        char path[128];
        snprintf(path, sizeof path, "/tmp/%s.rules", pipe_name);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(rules, f);
            fclose(f);
            snprintf(cmd, sizeof cmd, "ip netns exec %sa iptables-restore < %s", pipe_name, path);
            *rules_loaded = sh(cmd) == 0;
            unlink(path);
        }
    }
    int sync[2], rx_pipe[2];
    if (pipe(sync) != 0)
        goto cleanup;
    if (pipe(rx_pipe) != 0) {
        close(sync[0]);
        close(sync[1]);
        goto cleanup;
    }
    char nsb[80], nsa[80];
    snprintf(nsa, sizeof nsa, "%sa", pipe_name);
    snprintf(nsb, sizeof nsb, "%sb", pipe_name);
    pid_t rx = fork();
    if (rx == 0) {
        /* Receiver: accept one connection and discard everything. */
        int ls = -1, c = -1, one = 1;
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(5001);
        sa.sin_addr.s_addr = htonl(0x0A4D0002u);
        if (enter_ns(nsb) != 0 || (ls = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
            setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1) != 0)
            _exit(1);
        (void)!write(sync[1], "r", 1);
        c = accept(ls, NULL, NULL);
        double t0 = cpu_s();
        static char buf[1 << 16];
        while (c >= 0 && read(c, buf, sizeof buf) > 0)
            ;
        double t = cpu_s() - t0;
        (void)!write(rx_pipe[1], &t, sizeof t);
        _exit(0);
    }
    char ch;
    if (rx < 0 || read(sync[0], &ch, 1) != 1)
        goto reap;
    int res_pipe[2];
    if (pipe(res_pipe) != 0)
        goto reap;
    pid_t tx = fork();
    if (tx == 0) {
        /* Sender: connect, write the bytes in 64 KiB writes, report its CPU seconds. */
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(5001);
        sa.sin_addr.s_addr = htonl(0x0A4D0002u);
        int s = -1;
        if (enter_ns(nsa) != 0 || (s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
            connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
            _exit(1);
        static char buf[1 << 16];
        memset(buf, 0x5a, sizeof buf);
        double t0 = cpu_s();
        uint64_t left = bytes;
        while (left > 0) {
            size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
            ssize_t w = write(s, buf, n);
            if (w <= 0)
                _exit(1);
            left -= (uint64_t)w;
        }
        shutdown(s, SHUT_WR);
        char x;
        while (read(s, &x, 1) > 0)
            ;
        double t = cpu_s() - t0;
        (void)!write(res_pipe[1], &t, sizeof t);
        _exit(0);
    }
    double t = -1;
    if (tx > 0 && read(res_pipe[0], &t, sizeof t) == (ssize_t)sizeof t)
        result = t;
    if (tx > 0)
        waitpid(tx, NULL, 0);
    double r = -1;
    if (result > 0 && read(rx_pipe[0], &r, sizeof r) == (ssize_t)sizeof r)
        *rx_cpu = r;
    close(res_pipe[0]);
    close(res_pipe[1]);
reap:
    if (rx > 0) {
        kill(rx, 9);
        waitpid(rx, NULL, 0);
    }
    close(sync[0]);
    close(sync[1]);
    close(rx_pipe[0]);
    close(rx_pipe[1]);
cleanup:
    snprintf(cmd, sizeof cmd, "ip netns del %sa 2>/dev/null; ip netns del %sb 2>/dev/null",
             pipe_name, pipe_name);
    (void)sh(cmd);
    return result;
}

int
main(int argc, char **argv)
{
    int quick = 0, kernel = 1;
    bool interpret = false;
    const char *json_path = NULL;
    uint32_t routes = 1000000, nrules = 1000;
    uint64_t bytes = 64u << 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--no-kernel") == 0) {
            kernel = 0;
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json_path = argv[++i];
        } else if (strcmp(argv[i], "--routes") == 0 && i + 1 < argc) {
            routes = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
            nrules = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--interpret") == 0) {
            interpret = true;
        } else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) {
            bytes = strtoull(argv[++i], NULL, 0);
        } else {
            fprintf(stderr,
                    "usage: %s [--quick] [--json FILE] [--routes N] [--rules N] [--bytes N] "
                    "[--interpret] [--no-kernel]\n",
                    argv[0]);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (quick) {
        bytes = 8u << 20;
        if (routes > 100000)
            routes = 100000;
    }
    if (routes > (1u << 24) - 1u)
        routes = (1u << 24) - 1u;
    if (nrules > 100000)
        nrules = 100000;
    if (nrules && !txp_stack_stage_present(TXP_STACK_ST_IPT_OUT)) {
        fprintf(stderr, "bench_stack: this build has no iptables stages (components/ipt); "
                        "run with --rules 0 for a pipeline without them\n");
        return 2;
    }
    char *rules = make_ruleset(nrules);
    if (nrules && rules == NULL)
        return 1;
    uint64_t segs = 0, ipt_pkts = 0;
    double t = run_txpath(routes, rules, interpret, bytes, &segs, &ipt_pkts);
    if (t <= 0) {
        free(rules);
        return 1;
    }
    /* Kernel rounds: with the ruleset, and (when there is one) without it. */
    int rules_loaded = 0, rounds = quick ? 1 : 3, got = 0, got0 = 0;
    double ks[3], kr[3], ks0[3], kr0[3];
    for (int r = 0; kernel && r < rounds; r++) {
        double rx_cpu, v;
        int loaded0;
        v = run_kernel(bytes, rules, &rules_loaded, &rx_cpu);
        if (v > 0 && rx_cpu > 0) {
            ks[got] = v;
            kr[got] = v + rx_cpu;
            got++;
        }
        v = rules ? run_kernel(bytes, NULL, &loaded0, &rx_cpu) : -1;
        if (v > 0 && rx_cpu > 0) {
            ks0[got0] = v;
            kr0[got0] = v + rx_cpu;
            got0++;
        }
    }
    free(rules);
    double k = got ? median(ks, got) : -1, k_both = got ? median(kr, got) : -1;
    /* The estimate: the sender alone without the rules, plus what the rules added to the
     * whole (sender + receiver), all of it OUTPUT work of the sender's namespace. */
    double k_est = k;
    if (got && got0) {
        double extra = k_both - median(kr0, got0);
        k_est = median(ks0, got0) + (extra > 0 ? extra : 0);
    }
    double txp_sps = (double)segs / t, txp_gbps = (double)bytes * 8 / t / 1e9;
    double est_sps = k_est > 0 ? (double)bytes / MSS / k_est : 0,
           est_gbps = k_est > 0 ? (double)bytes * 8 / k_est / 1e9 : 0;
    double k_sps = k > 0 ? (double)bytes / MSS / k : 0;
    double kb_sps = k_both > 0 ? (double)bytes / MSS / k_both : 0;
    printf("bench_stack: bulk TCP, %llu bytes, %u extra routes, %u-rule filter OUTPUT (%s), "
           "pfifo_fast, instant link, pcap backend to /dev/null\n",
           (unsigned long long)bytes, routes, nrules,
           nrules == 0 ? "none"
           : interpret ? "interpreted"
                       : "compiled");
    if (nrules)
        printf("iptables: %llu packets through filter OUTPUT (each checked against %u rules)\n",
               (unsigned long long)ipt_pkts, nrules);
    printf("%-34s %12s %9s\n", "", "segments/s", "Gbit/s");
    printf("%-34s %12.0f %9.3f   (%.3f CPU s, %llu segments)\n", "txpath pipeline (per core)",
           txp_sps, txp_gbps, t, (unsigned long long)segs);
    if (k > 0) {
        const char *rs = nrules == 0    ? "none"
                         : rules_loaded ? "loaded"
                                        : "NOT loaded (iptables-restore failed)";
        printf("%-34s %12.0f %9.3f   (%.3f CPU s; ruleset %s; medians of %d rounds)\n",
               "Linux kernel, sender (estimate)", est_sps, est_gbps, k_est, rs, got);
        if (got0)
            printf("%-34s   = sender alone without the rules %.3f s + what the rules added to "
                   "sender + receiver %.3f s\n",
                   "", median(ks0, got0), k_est - median(ks0, got0));
        printf("%-34s %12.0f %9.3f   (%.3f CPU s: misses work run in the receiver's context)\n",
               "Linux kernel, sender process alone", k_sps, (double)bytes * 8 / k / 1e9, k);
        printf("%-34s %12.0f %9.3f   (%.3f CPU s: includes the receive side)\n",
               "Linux kernel, sender + receiver", kb_sps, (double)bytes * 8 / k_both / 1e9, k_both);
        printf("ratio txpath / kernel: %.2f against the estimate (issue target >= 2); %.2f against "
               "the sender process alone, %.2f against sender + receiver\n",
               txp_sps / est_sps, txp_sps / k_sps, txp_sps / kb_sps);
    } else {
        printf("%-34s %12s %9s   (%s)\n", "Linux kernel (per core)", "-", "-",
               kernel ? "unavailable: needs root and ip netns" : "skipped");
    }
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (f == NULL)
            return 2;
        const char *fmt = "{\"bench\":\"stack_bulk_tcp\",\"metric\":\"%s\",\"value\":%.4f,"
                          "\"unit\":\"%s\",\"peer\":\"linux\",\"peer_value\":%.4f,"
                          "\"ratio\":%.4f}\n";
        fprintf(f, fmt, "segments_per_s", txp_sps, "1/s", est_sps,
                est_sps > 0 ? txp_sps / est_sps : 0.0);
        fprintf(f, fmt, "gbit_per_s", txp_gbps, "Gbit/s", est_gbps,
                est_gbps > 0 ? txp_gbps / est_gbps : 0.0);
        fprintf(f, fmt, "segments_per_s_vs_sender_process", txp_sps, "1/s", k_sps,
                k_sps > 0 ? txp_sps / k_sps : 0.0);
        fprintf(f, fmt, "segments_per_s_vs_sender_and_receiver", txp_sps, "1/s", kb_sps,
                kb_sps > 0 ? txp_sps / kb_sps : 0.0);
        fclose(f);
    }
    return 0;
}
