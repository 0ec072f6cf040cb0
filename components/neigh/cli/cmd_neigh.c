/* SPDX-License-Identifier: MIT */
/*
 * `txpath neigh`: replay a timeline on a host snapshot (the folder `txpath snapshot` writes:
 * ip-link, ip-addr, ip-route, ip-rule, and when present sysctl and ip-neigh).
 *
 *   txpath neigh run --host DIR --pcap OUT.pcap [--arp-in IN.pcap] [--arp-dev DEV]
 *                    [--out FRAMES.pcap] [--sysctl NAME=VALUE]... [--seed N] [--end SEC]
 *                    [--show-every MS]
 *   txpath neigh show --host DIR [--all]
 *
 * OUT.pcap holds the packets the host sends (Ethernet frames or raw IPv4; the IPv4 part is
 * used), at their times; each is routed with the snapshot's FIB (ip_route_output) to a device
 * and next hop and handed to the neighbour table. IN.pcap holds the frames the host receives
 * on --arp-dev (default: the first device with an IPv4 address that is not loopback). Timers
 * fire between events, up to --end seconds after the first event. FRAMES.pcap gets every frame
 * the table sends; at the end the table is printed as `ip neigh show` prints it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/fib.h"
#include "txpath/h_cli.h"
#include "txpath/h_pcap.h"
#include "txpath/neigh.h"
#include "txpath/prot/eth.h"

#define USAGE                                                                                      \
    "usage: txpath neigh run --host DIR --pcap OUT.pcap [--arp-in IN.pcap] [--arp-dev DEV]\n"      \
    "                        [--out FRAMES.pcap] [--sysctl NAME=VALUE]... [--seed N]\n"            \
    "                        [--end SECONDS] [--show-every MS]\n"                                  \
    "       txpath neigh show --host DIR [--all]\n"

/* The whole file, NUL-terminated (*len excludes the NUL); NULL if it cannot be read. */
static char *
slurp(const char *dir, const char *name, size_t *len, int required)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (required)
            fprintf(stderr, "txpath neigh: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *g = realloc(b, cap * 2 + 1);
        if (!g) {
            free(b);
            b = NULL;
            break;
        }
        b = g;
        cap *= 2;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

/* Devices from ip-link (index, name, link/ether MAC, NOARP/LOOPBACK) and ip-addr (inet). */
static int
load_devs(struct txp_neigh *n, const char *dir, struct txp_neigh_dev *devs, uint32_t *ndev)
{
    size_t len;
    char *t = slurp(dir, "ip-link", &len, 1);
    if (!t)
        return -1;
    *ndev = 0;
    for (char *line = strtok(t, "\n"); line && *ndev < 64; line = strtok(NULL, "\n")) {
        unsigned idx;
        char name[64];
        if (sscanf(line, "%u: %63[^:@]", &idx, name) != 2)
            continue;
        struct txp_neigh_dev *d = &devs[*ndev];
        memset(d, 0, sizeof *d);
        d->ifindex = idx;
        snprintf(d->name, sizeof d->name, "%.15s", name);
        const char *flags = strchr(line, '<');
        d->noarp = flags && (strstr(flags, "NOARP") || strstr(flags, "LOOPBACK"));
        const char *le = strstr(line, "link/ether ");
        if (le) {
            char mac[18];
            memcpy(mac, le + 11, 17);
            mac[17] = '\0';
            if (strlen(le + 11) < 17 || txp_eth_addr_parse(mac, d->mac) != TXP_OK)
                memset(d->mac, 0, 6);
        }
        txp_neigh_parms_default(&d->parms);
        (*ndev)++;
    }
    free(t);
    t = slurp(dir, "ip-addr", &len, 1);
    if (!t)
        return -1;
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned idx, a, b, c, dd, pl;
        const char *in = strstr(line, " inet ");
        if (!in || sscanf(line, "%u:", &idx) != 1 ||
            sscanf(in, " inet %u.%u.%u.%u/%u", &a, &b, &c, &dd, &pl) != 5)
            continue;
        for (uint32_t k = 0; k < *ndev; k++)
            if (devs[k].ifindex == idx && devs[k].naddr < TXP_NEIGH_MAX_ADDRS && pl <= 32) {
                devs[k].addr[devs[k].naddr] = a << 24 | b << 16 | c << 8 | dd;
                devs[k].plen[devs[k].naddr++] = (uint8_t)pl;
            }
    }
    free(t);
    (void)n;
    return 0;
}

/* sysctl lines "net.ipv4.neigh.DEV.NAME = V" and "net.ipv4.conf.DEV.arp_X = V". */
static void
apply_sysctl(struct txp_neigh *n, const struct txp_neigh_dev *devs, uint32_t ndev, const char *text)
{
    const char *p = text;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        char line[256];
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l < sizeof line) {
            memcpy(line, p, l);
            line[l] = '\0';
            char dev[64], name[64];
            long long v;
            int ok = sscanf(line, "net.ipv4.neigh.%63[^.].%63s = %lld", dev, name, &v) == 3 ||
                     (sscanf(line, "net.ipv4.conf.%63[^.].%63s = %lld", dev, name, &v) == 3 &&
                      !strncmp(name, "arp_", 4));
            /* retrans_time and unres_qlen repeat retrans_time_ms and unres_qlen_bytes */
            if (ok && strcmp(name, "retrans_time") && strcmp(name, "unres_qlen") &&
                strcmp(name, "base_reachable_time"))
                for (uint32_t k = 0; k < ndev; k++)
                    if (!strcmp(devs[k].name, dev))
                        txp_neigh_set_param(n, devs[k].ifindex, name, v, 0);
        }
        p = e ? e + 1 : NULL;
    }
}

struct out {
    struct txp_h_pcap_writer *w;
    uint64_t frames, dropped;
    int err;
};

static void
on_xmit(void *ctx, uint32_t ifindex, struct txp_pkt *p, uint64_t t)
{
    struct out *o = ctx;
    (void)ifindex;
    if (o->w && txp_h_pcap_write(o->w, t, txp_pkt_data(p), p->len) != TXP_OK)
        o->err = 1;
    o->frames++;
    txp_pkt_free(p);
}

static void
on_drop(void *ctx, struct txp_pkt *p, int err, uint64_t t)
{
    struct out *o = ctx;
    (void)err;
    (void)t;
    o->dropped++;
    txp_pkt_free(p);
}

static struct txp_fib *
load_fib(const char *dir)
{
    struct txp_fib *fib = NULL;
    if (txp_fib_create(NULL, &fib) != TXP_OK)
        return NULL;
    static const char *names[4] = {"ip-link", "ip-addr", "ip-route", "ip-rule"};
    for (int i = 0; i < 4; i++) {
        size_t len;
        char *t = slurp(dir, names[i], &len, 1);
        struct txp_diag d;
        int rc;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!t) {
            txp_fib_destroy(fib);
            return NULL;
        }
        if (i == 0)
            rc = txp_fib_load_links(fib, t, len, path, &d);
        else if (i == 1)
            rc = txp_fib_load_addrs(fib, t, len, path, &d);
        else if (i == 2)
            rc = txp_fib_load_routes(fib, t, len, path, &d);
        else
            rc = txp_fib_load_rules(fib, t, len, path, &d);
        free(t);
        if (rc != TXP_OK) {
            char msg[700];
            txp_diag_format(&d, msg, sizeof msg);
            fprintf(stderr, "txpath neigh: %s\n", msg);
            txp_fib_destroy(fib);
            return NULL;
        }
    }
    return fib;
}

static void
show(const struct txp_neigh *n, int all)
{
    int need = txp_neigh_format(n, all, NULL, 0);
    if (need < 0)
        return;
    char *b = malloc((size_t)need + 1);
    if (!b)
        return;
    txp_neigh_format(n, all, b, (size_t)need + 1);
    fputs(b, stdout);
    free(b);
}

int txp_neigh__cli(int argc, char **argv);

int
txp_neigh__cli(int argc, char **argv)
{
    const char *host = NULL, *pcap = NULL, *arpin = NULL, *arpdev = NULL, *outp = NULL;
    const char *sys[32];
    int nsys = 0, all = 0;
    double end_s = 10, every_ms = 0;
    unsigned long long seed = 0;
    if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "show"))) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
    }
    int is_run = !strcmp(argv[1], "run");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--all")) {
            all = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "txpath neigh: %s needs a value (or is unknown)\n%s", a, USAGE);
            return 2;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--pcap"))
            pcap = v;
        else if (!strcmp(a, "--arp-in"))
            arpin = v;
        else if (!strcmp(a, "--arp-dev"))
            arpdev = v;
        else if (!strcmp(a, "--out"))
            outp = v;
        else if (!strcmp(a, "--sysctl") && nsys < 32)
            sys[nsys++] = v;
        else if (!strcmp(a, "--seed"))
            seed = strtoull(v, &end, 10);
        else if (!strcmp(a, "--end"))
            end_s = strtod(v, &end);
        else if (!strcmp(a, "--show-every"))
            every_ms = strtod(v, &end);
        else {
            fprintf(stderr, "txpath neigh: unknown option %s\n%s", a, USAGE);
            return 2;
        }
        if (end && (*end || end == v || end_s < 0 || every_ms < 0)) {
            fprintf(stderr, "txpath neigh: %s \"%s\": expected a non-negative number\n", a, v);
            return 2;
        }
    }
    if (!host || (is_run && !pcap)) {
        fprintf(stderr, "txpath neigh: --host DIR%s is required\n%s", is_run ? " and --pcap" : "",
                USAGE);
        return 2;
    }
    struct txp_pkt_pool_config pc = {8192, 2048};
    struct txp_pkt_pool *pool = NULL;
    struct txp_neigh *n = NULL;
    struct txp_fib *fib = NULL;
    struct txp_h_pcap_file *fout = NULL, *fin = NULL;
    struct out o = {0};
    int rc = 1;
    static struct txp_neigh_dev devs[64];
    uint32_t ndev = 0;
    if (txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        goto done;
    struct txp_neigh_config cfg;
    txp_neigh_config_default(&cfg);
    cfg.pool = pool;
    cfg.seed = seed;
    cfg.io = (struct txp_neigh_io){&o, on_xmit, on_drop};
    if (txp_neigh_create(&cfg, NULL, &n) != TXP_OK || load_devs(n, host, devs, &ndev))
        goto done;
    for (uint32_t k = 0; k < ndev; k++)
        txp_neigh_dev_add(n, &devs[k], 0);
    size_t len;
    char *t = slurp(host, "sysctl", &len, 0);
    if (t) {
        apply_sysctl(n, devs, ndev, t);
        free(t);
    }
    for (int k = 0; k < nsys; k++) {
        char name[128];
        const char *eq = strchr(sys[k], '=');
        if (!eq || (size_t)(eq - sys[k]) >= sizeof name) {
            fprintf(stderr, "txpath neigh: --sysctl \"%s\": expected NAME=VALUE\n", sys[k]);
            goto done;
        }
        memcpy(name, sys[k], (size_t)(eq - sys[k]));
        name[eq - sys[k]] = '\0';
        char *vend;
        errno = 0;
        long long val = strtoll(eq + 1, &vend, 10);
        if (!eq[1] || *vend || errno) {
            fprintf(stderr, "txpath neigh: --sysctl %s: \"%s\" is not an integer\n", name, eq + 1);
            goto done;
        }
        int okany = 0;
        for (uint32_t d = 0; d < ndev; d++)
            okany |= txp_neigh_set_param(n, devs[d].ifindex, name, val, 0) == TXP_OK;
        if (!okany) {
            fprintf(stderr, "txpath neigh: --sysctl %s: unknown parameter or bad value\n", name);
            goto done;
        }
    }
    t = slurp(host, "ip-neigh", &len, 0);
    if (t) {
        /* IPv4 lines only (the snapshot also lists IPv6 neighbours) */
        char *v4 = malloc(len + 1);
        size_t w = 0;
        for (const char *p = t; v4 && p < t + len;) {
            const char *e = memchr(p, '\n', (size_t)(t + len - p));
            size_t l = e ? (size_t)(e - p) : (size_t)(t + len - p);
            if (!memchr(p, ':', l < 40 ? l : 40) ||
                (l && strstr(p, " lladdr ") && memchr(p, ':', 16) == NULL)) {
                memcpy(v4 + w, p, l);
                w += l;
                v4[w++] = '\n';
            }
            p += l + 1;
        }
        struct txp_diag d;
        char path[4096];
        snprintf(path, sizeof path, "%s/ip-neigh", host);
        if (v4 && txp_neigh_load(n, v4, w, path, 0, &d) != TXP_OK) {
            char msg[700];
            txp_diag_format(&d, msg, sizeof msg);
            fprintf(stderr, "txpath neigh: %s\n", msg);
            free(v4);
            free(t);
            goto done;
        }
        free(v4);
        free(t);
    }
    if (!is_run) {
        show(n, all);
        rc = 0;
        goto done;
    }
    if (!(fib = load_fib(host)))
        goto done;
    struct txp_diag d;
    txp_diag_init(&d, pcap);
    if (txp_h_pcap_load(pcap, &fout, &d) != TXP_OK ||
        (arpin && (txp_diag_init(&d, arpin), txp_h_pcap_load(arpin, &fin, &d) != TXP_OK))) {
        char msg[700];
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath neigh: %s\n", msg);
        goto done;
    }
    uint32_t in_if = 0;
    for (uint32_t k = 0; k < ndev && !in_if; k++)
        if ((arpdev && !strcmp(devs[k].name, arpdev)) ||
            (!arpdev && devs[k].naddr && !devs[k].noarp))
            in_if = devs[k].ifindex;
    if (arpin && !in_if) {
        fprintf(stderr, "txpath neigh: no device %s in %s/ip-link\n", arpdev ? arpdev : "with ARP",
                host);
        goto done;
    }
    if (outp) {
        txp_diag_init(&d, outp);
        if (txp_h_pcap_create_prec(outp, TXP_LINK_ETH, 1, &o.w, &d) != TXP_OK) {
            char msg[700];
            txp_diag_format(&d, msg, sizeof msg);
            fprintf(stderr, "txpath neigh: %s\n", msg);
            goto done;
        }
    }
    uint64_t t0 = UINT64_MAX;
    if (fout->count)
        t0 = fout->recs[0].ts_ns;
    if (fin && fin->count && fin->recs[0].ts_ns < t0)
        t0 = fin->recs[0].ts_ns;
    if (t0 == UINT64_MAX)
        t0 = 0;
    uint64_t tend = t0 + (uint64_t)(end_s * 1e9);
    uint64_t every = (uint64_t)(every_ms * 1e6), next_show = every ? t0 : UINT64_MAX;
    uint32_t io = 0, ii = 0, unrouted = 0;
    for (;;) {
        uint64_t ta = io < fout->count ? fout->recs[io].ts_ns : UINT64_MAX;
        uint64_t tb = fin && ii < fin->count ? fin->recs[ii].ts_ns : UINT64_MAX;
        uint64_t tev = ta < tb ? ta : tb;
        while (next_show <= tev && next_show <= tend) {
            txp_neigh_run_timers(n, next_show);
            printf("t=%.3f\n", (double)(next_show - t0) / 1e9);
            show(n, all);
            next_show += every;
        }
        if (tev == UINT64_MAX || tev > tend)
            break;
        txp_neigh_run_timers(n, tev);
        if (ta <= tb) {
            const struct txp_h_pcap_rec *r = &fout->recs[io++];
            uint32_t off = fout->link == TXP_LINK_ETH ? 14 : 0;
            if (r->caplen < off + 20 || (off && (r->data[12] != 0x08 || r->data[13] != 0x00)))
                continue; /* not IPv4 */
            const uint8_t *ip = r->data + off;
            struct txp_fib_flow fl;
            memset(&fl, 0, sizeof fl);
            fl.dst =
                (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
            fl.src =
                (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
            fl.tos = ip[1];
            struct txp_fib_result res;
            if (txp_fib_lookup(fib, &fl, &res) != TXP_OK || res.type != TXP_FIB_UNICAST) {
                unrouted++;
                continue;
            }
            struct txp_pkt *p = txp_pkt_alloc(pool);
            if (!p || txp_pkt_append(p, ip, r->caplen - off) != TXP_OK) {
                if (p)
                    txp_pkt_free(p);
                fprintf(stderr, "txpath neigh: packet %u does not fit a buffer\n", io - 1);
                goto done;
            }
            p->meta.l3_off = 0;
            txp_neigh_output(n, p, res.oif, res.gw ? res.gw : fl.dst, tev);
        } else {
            const struct txp_h_pcap_rec *r = &fin->recs[ii++];
            txp_neigh_input(n, r->data, r->caplen, in_if, tev);
        }
    }
    txp_neigh_run_timers(n, tend);
    if (every)
        while (next_show <= tend) {
            printf("t=%.3f\n", (double)(next_show - t0) / 1e9);
            show(n, all);
            next_show += every;
        }
    if (!every)
        show(n, all);
    const struct txp_neigh_stats *st = txp_neigh_get_stats(n);
    fprintf(stderr,
            "txpath neigh: %llu frames out (%llu ARP requests, %llu replies, %llu data), %llu "
            "dropped, %u not routed",
            (unsigned long long)o.frames, (unsigned long long)st->arp_tx_requests,
            (unsigned long long)st->arp_tx_replies, (unsigned long long)st->sent,
            (unsigned long long)o.dropped, unrouted);
    for (int r = 0; r < TXP_DROP__COUNT; r++)
        if (st->drop_reason[r])
            fprintf(stderr, ", %s %llu", txp_drop_name((enum txp_drop_reason)r),
                    (unsigned long long)st->drop_reason[r]);
    fprintf(stderr, "\n");
    rc = o.err ? 1 : 0;
done:
    if (n)
        txp_neigh_destroy(n, 0);
    if (o.w)
        txp_h_pcap_close(o.w);
    txp_fib_destroy(fib);
    txp_h_pcap_file_free(fout);
    txp_h_pcap_file_free(fin);
    txp_pkt_pool_destroy(pool);
    return rc;
}

const struct txp_h_cli_command txp_h_cli_command_neigh = {
    "neigh",
    "neigh run --host DIR --pcap OUT.pcap [--arp-in IN.pcap] [--out FRAMES.pcap] ...: replay\n"
    "neigh show --host DIR: the snapshot's neighbour table as `ip neigh show`",
    txp_neigh__cli,
};
