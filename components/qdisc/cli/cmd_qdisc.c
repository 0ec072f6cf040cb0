/* SPDX-License-Identifier: MIT */
/*
 * `txpath qdisc`: run a qdisc over a pcap, print a qdisc as `tc qdisc show` would, and print
 * the built-in netem distribution tables in iproute2's .dist format.
 *
 *   txpath qdisc run --qdisc SPEC --pcap IN.pcap [--out OUT.pcap] [--dequeue-rate PPS]
 *                    [--txqueuelen N] [--mtu N] [--dev NAME] [--seed N] [--priority tos|N]
 *   txpath qdisc show --qdisc SPEC [--dev NAME] [--txqueuelen N] [--tx-queues N]
 *   txpath qdisc dist normal|pareto|paretonormal
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cli.h"
#include "txpath/h_pcap.h"
#include "txpath/qdisc.h"

#define USAGE                                                                                      \
    "usage: txpath qdisc run --qdisc SPEC --pcap IN.pcap [--out OUT.pcap] [--dequeue-rate PPS]\n"  \
    "                        [--txqueuelen N] [--mtu N] [--dev NAME] [--seed N]\n"                 \
    "                        [--priority tos|N]\n"                                                 \
    "       txpath qdisc show --qdisc SPEC [--dev NAME] [--txqueuelen N] [--tx-queues N]\n"        \
    "       txpath qdisc dist normal|pareto|paretonormal\n"                                        \
    "SPEC is the qdisc part of a tc command, e.g. \"pfifo_fast\", \"prio bands 4 priomap ...\",\n" \
    "\"netem delay 100ms 10ms 25% loss 1% seed 7\" (or a whole \"tc qdisc add dev D root "         \
    "...\").\n"

struct opts {
    const char *spec, *in, *out, *dev, *prio;
    uint64_t rate_pps, seed;
    uint32_t txqlen, mtu, txqs;
    int seed_set;
};

static int
num(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *v == '-' || *end || errno || x > max) {
        fprintf(stderr, "txpath qdisc: %s \"%s\": expected an integer 0..%llu\n", opt, v,
                (unsigned long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->txqlen = 1000;
    o->mtu = 1500;
    o->txqs = 1;
    o->dev = "eth0";
    o->prio = "tos";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "txpath qdisc: %s needs a value (or is unknown)\n%s", a, USAGE);
            return -1;
        }
        const char *v = argv[++i];
        uint64_t x;
        if (!strcmp(a, "--qdisc"))
            o->spec = v;
        else if (!strcmp(a, "--pcap"))
            o->in = v;
        else if (!strcmp(a, "--out"))
            o->out = v;
        else if (!strcmp(a, "--dev"))
            o->dev = v;
        else if (!strcmp(a, "--priority"))
            o->prio = v;
        else if (!strcmp(a, "--dequeue-rate")) {
            if (num(a, v, 1000000000ull, &o->rate_pps))
                return -1;
        } else if (!strcmp(a, "--seed")) {
            if (num(a, v, UINT64_MAX, &o->seed))
                return -1;
            o->seed_set = 1;
        } else if (!strcmp(a, "--txqueuelen")) {
            if (num(a, v, 1u << 24, &x))
                return -1;
            o->txqlen = (uint32_t)x;
        } else if (!strcmp(a, "--mtu")) {
            if (num(a, v, 65535, &x))
                return -1;
            o->mtu = (uint32_t)x;
        } else if (!strcmp(a, "--tx-queues")) {
            if (num(a, v, 4096, &x) || x == 0)
                return -1;
            o->txqs = (uint32_t)x;
        } else {
            fprintf(stderr, "txpath qdisc: unknown option %s\n%s", a, USAGE);
            return -1;
        }
    }
    if (!o->spec) {
        fprintf(stderr, "txpath qdisc: --qdisc SPEC is required\n%s", USAGE);
        return -1;
    }
    return 0;
}

static int
make_qdisc(const struct opts *o, struct txp_pkt_pool *dup_pool, struct txp_qdisc **q)
{
    struct txp_qdisc_conf c;
    struct txp_diag d;
    static char devname[16];
    txp_diag_init(&d, "--qdisc");
    devname[0] = '\0';
    if (txp_qdisc_parse(o->spec, &c, devname, &d) != TXP_OK) {
        fprintf(stderr, "txpath qdisc: --qdisc \"%s\": column %u: %s\n", o->spec,
                (unsigned)d.column, d.msg);
        return -1;
    }
    if (c.kind == TXP_QDISC_NETEM) {
        c.netem.dup_pool = dup_pool;
        if (o->seed_set) {
            c.netem.seed = o->seed;
            c.netem.has_seed = 1;
        }
    }
    struct txp_qdisc_dev dev;
    txp_qdisc_dev_default(&dev);
    dev.name = devname[0] ? devname : o->dev;
    dev.tx_queue_len = o->txqlen;
    dev.mtu = o->mtu;
    dev.num_tx_queues = o->txqs;
    int rc = txp_qdisc_create(&c, &dev, NULL, q);
    if (rc != TXP_OK) {
        fprintf(stderr, "txpath qdisc: cannot create \"%s\": %s\n", o->spec, txp_strerror(rc));
        return -1;
    }
    return 0;
}

struct sink {
    struct txp_h_pcap_writer *w;
    uint64_t sent, dropped;
    int err;
};

static void
on_xmit(void *ctx, struct txp_pkt *p, uint64_t t)
{
    struct sink *s = ctx;
    if (s->w && txp_h_pcap_write(s->w, t, txp_pkt_data(p), p->len) != TXP_OK)
        s->err = 1;
    s->sent++;
    txp_pkt_free(p);
}

static void
on_drop(void *ctx, struct txp_pkt *p)
{
    struct sink *s = ctx;
    s->dropped++;
    txp_pkt_free(p);
}

static int
cmd_run(const struct opts *o)
{
    if (!o->in) {
        fprintf(stderr, "txpath qdisc run: --pcap IN.pcap is required\n%s", USAGE);
        return 2;
    }
    uint32_t fixed_prio = 0;
    int from_tos = !strcmp(o->prio, "tos");
    if (!from_tos) {
        uint64_t x;
        if (num("--priority", o->prio, UINT32_MAX, &x))
            return 2;
        fixed_prio = (uint32_t)x;
    }
    struct txp_diag d;
    txp_diag_init(&d, o->in);
    struct txp_h_pcap_file *f = NULL;
    if (txp_h_pcap_load(o->in, &f, &d) != TXP_OK) {
        char msg[600];
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath qdisc run: %s\n", msg);
        return 1;
    }
    uint32_t maxlen = 64;
    for (uint32_t i = 0; i < f->count; i++) {
        if (f->recs[i].caplen != f->recs[i].origlen) {
            fprintf(stderr, "txpath qdisc run: %s: packet %u is truncated (%u of %u bytes)\n",
                    o->in, (unsigned)i, (unsigned)f->recs[i].caplen, (unsigned)f->recs[i].origlen);
            txp_h_pcap_file_free(f);
            return 1;
        }
        if (f->recs[i].caplen > maxlen)
            maxlen = f->recs[i].caplen;
    }
    if (maxlen > 65535 + 18) {
        fprintf(stderr, "txpath qdisc run: %s: a packet of %u bytes is larger than 65535\n", o->in,
                (unsigned)maxlen);
        txp_h_pcap_file_free(f);
        return 1;
    }
    struct txp_pkt_pool_config cfg = {f->count * 2u + 16u, maxlen + TXP_PKT_HEADROOM};
    struct txp_pkt_pool *pool = NULL;
    struct txp_pkt **pk = calloc(f->count ? f->count : 1, sizeof *pk);
    struct txp_qdisc *q = NULL;
    int rc = 1;
    if (!pk || txp_pkt_pool_create(&cfg, NULL, &pool) != TXP_OK) {
        fprintf(stderr, "txpath qdisc run: out of memory\n");
        goto out;
    }
    if (make_qdisc(o, pool, &q)) {
        rc = 2;
        goto out;
    }
    for (uint32_t i = 0; i < f->count; i++) {
        const struct txp_h_pcap_rec *r = &f->recs[i];
        struct txp_pkt *p = txp_pkt_alloc(pool);
        if (!p || txp_pkt_append(p, r->data, r->caplen) != TXP_OK) {
            fprintf(stderr, "txpath qdisc run: out of packet buffers\n");
            goto out;
        }
        p->meta.tstamp_ns = r->ts_ns;
        const uint8_t *b = r->data;
        uint32_t l3 = UINT32_MAX;
        if (f->link == TXP_LINK_RAW_IPV4)
            l3 = 0;
        else if (r->caplen >= 34 && b[12] == 0x08 && b[13] == 0x00)
            l3 = 14;
        if (l3 != UINT32_MAX && r->caplen >= l3 + 20 && (b[l3] >> 4) == 4) {
            p->meta.l3_off = (uint16_t)l3;
            p->meta.tos = b[l3 + 1];
        }
        p->meta.priority = from_tos ? txp_qdisc_tos2prio(p->meta.tos) : fixed_prio;
        pk[i] = p;
        if (i && r->ts_ns < f->recs[i - 1].ts_ns) {
            fprintf(stderr,
                    "txpath qdisc run: %s: packet %u goes back in time (%llu ns < %llu ns)\n",
                    o->in, (unsigned)i, (unsigned long long)r->ts_ns,
                    (unsigned long long)f->recs[i - 1].ts_ns);
            for (uint32_t k = 0; k <= i; k++)
                txp_pkt_free(pk[k]);
            f->count = 0;
            goto out;
        }
    }
    struct sink s = {0};
    if (o->out) {
        txp_diag_init(&d, o->out);
        if (txp_h_pcap_create(o->out, f->link, &s.w, &d) != TXP_OK) {
            char msg[600];
            txp_diag_format(&d, msg, sizeof msg);
            fprintf(stderr, "txpath qdisc run: %s\n", msg);
            for (uint32_t k = 0; k < f->count; k++)
                txp_pkt_free(pk[k]);
            goto out;
        }
    }
    struct txp_qdisc_sim_cb cb = {&s, on_xmit, on_drop};
    uint64_t interval = o->rate_pps ? 1000000000ull / o->rate_pps : 0;
    txp_qdisc_sim(q, pk, f->count, interval, &cb);
    if (s.w && txp_h_pcap_close(s.w) != TXP_OK)
        s.err = 1;
    char line[1024];
    txp_qdisc_format(q, 1, 1, line, sizeof line);
    printf("%s\n", line);
    for (uint32_t b = 0; b < TXP_QDISC_BANDS_MAX; b++) {
        uint32_t ql;
        uint64_t sent, drops;
        if (txp_qdisc_band_stats(q, b, &ql, &sent, &drops) != TXP_OK)
            break;
        printf(" band %u: sent %llu pkt, dropped %llu, backlog %up\n", (unsigned)b,
               (unsigned long long)sent, (unsigned long long)drops, (unsigned)ql);
    }
    printf(" in %u pkt, out %llu pkt, dropped %llu pkt", (unsigned)f->count,
           (unsigned long long)s.sent, (unsigned long long)s.dropped);
    for (int r = 0; r < TXP_DROP__COUNT; r++)
        if (q->stats.drop_reason[r])
            printf(", %s %llu", txp_drop_name((enum txp_drop_reason)r),
                   (unsigned long long)q->stats.drop_reason[r]);
    if (q->stats.duplicated || q->stats.dup_failed)
        printf(", duplicated %llu (failed %llu)", (unsigned long long)q->stats.duplicated,
               (unsigned long long)q->stats.dup_failed);
    if (q->stats.corrupted)
        printf(", corrupted %llu", (unsigned long long)q->stats.corrupted);
    if (q->stats.reordered)
        printf(", reordered %llu", (unsigned long long)q->stats.reordered);
    if (q->stats.ecn_marked)
        printf(", ecn marked %llu", (unsigned long long)q->stats.ecn_marked);
    printf("\n");
    if (s.err) {
        fprintf(stderr, "txpath qdisc run: writing %s failed\n", o->out);
        goto out;
    }
    rc = 0;
out:
    txp_qdisc_destroy(q, NULL);
    txp_pkt_pool_destroy(pool);
    free(pk);
    txp_h_pcap_file_free(f);
    return rc;
}

static int
cmd_show(const struct opts *o)
{
    struct txp_qdisc *q = NULL;
    if (make_qdisc(o, NULL, &q))
        return 2;
    char line[1024];
    txp_qdisc_format(q, 0, 0, line, sizeof line);
    printf("%s\n", line);
    txp_qdisc_destroy(q, NULL);
    return 0;
}

static int
cmd_dist(int argc, char **argv)
{
    enum txp_qdisc_dist k;
    if (argc != 3) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (!strcmp(argv[2], "normal"))
        k = TXP_QDISC_DIST_NORMAL;
    else if (!strcmp(argv[2], "pareto"))
        k = TXP_QDISC_DIST_PARETO;
    else if (!strcmp(argv[2], "paretonormal"))
        k = TXP_QDISC_DIST_PARETONORMAL;
    else {
        fprintf(stderr, "txpath qdisc dist: unknown table \"%s\" (normal, pareto, paretonormal)\n",
                argv[2]);
        return 2;
    }
    uint32_t n;
    const int16_t *t = txp_qdisc_dist_table(k, &n);
    printf("# This is the distribution table for the %s distribution.\n", argv[2]);
    for (uint32_t i = 0; i < n; i++)
        printf(" %d%s", (int)t[i], (i % 8 == 7) ? "\n" : "");
    return 0;
}

static int
run(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "dist"))
        return cmd_dist(argc, argv);
    struct opts o;
    if (strcmp(argv[1], "run") && strcmp(argv[1], "show")) {
        fprintf(stderr, "txpath qdisc: unknown subcommand \"%s\"\n%s", argv[1], USAGE);
        return 2;
    }
    if (parse_opts(argc, argv, &o))
        return 2;
    return !strcmp(argv[1], "run") ? cmd_run(&o) : cmd_show(&o);
}

const struct txp_h_cli_command txp_h_cli_command_qdisc = {
    "qdisc",
    "qdisc run --qdisc SPEC --pcap IN [--out OUT] [--dequeue-rate PPS]: run a qdisc (tc syntax)\n"
    "qdisc show --qdisc SPEC | qdisc dist NAME: print like tc qdisc show / iproute2 .dist",
    run,
};
