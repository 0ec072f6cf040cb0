/* SPDX-License-Identifier: MIT */
/*
 * txpath stack: the host model, loaded from a snapshot folder or the embedded default.
 *
 * A snapshot folder holds exactly what the commands print (design.md): ip-link, ip-addr,
 * ip-route and ip-rule are required, ip-neigh, tc-qdisc, sysctl and iptables optional (a
 * missing file means Linux's defaults). The FIB and neighbour components parse their own
 * formats (txp_fib_load_*, txp_neigh_load); this file adds what no component reads:
 *   - ip-link: MAC (link/ether), txqueuelen (qlen), the qdisc kind, UP/LOOPBACK/NOARP;
 *   - tc-qdisc: the root qdisc of each device, "qdisc KIND HANDLE: dev DEV root ... OPTIONS",
 *     whose options are handed to txp_qdisc_parse();
 *   - sysctl: ip_default_ttl, ip_no_pmtu_disc, tcp_timestamps, tcp_sack, tcp_window_scaling,
 *     and the neighbour parameters (net.ipv4.neigh.DEV.*, net.ipv4.conf.DEV.arp_*).
 *
 * Entry points: txp_stack_host_default, txp_stack_host_read, txp_stack_host_free,
 * txp_stack__host_parse_links, txp_stack__host_qdisc_spec, txp_stack__host_sysctl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"

static const char *const host_file_names[TXP_STACK_HF__COUNT] = {
    "ip-link", "ip-addr", "ip-route", "ip-rule", "ip-neigh", "tc-qdisc", "sysctl", "iptables",
};

/* The embedded default host: one Ethernet device on 10.0.0.0/24 with a default gateway. */
static const char default_link[] =
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group "
    "default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT "
    "group default qlen 1000\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n";
static const char default_addr[] =
    "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
    "2: eth0    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever "
    "preferred_lft forever\n";
static const char default_route[] =
    "default via 10.0.0.254 dev eth0\n"
    "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
    "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n"
    "broadcast 10.0.0.255 dev eth0 table local proto kernel scope link src 10.0.0.1\n"
    "local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1\n"
    "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\n"
    "broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1\n";
static const char default_rule[] = "0:\tfrom all lookup local\n"
                                   "32766:\tfrom all lookup main\n"
                                   "32767:\tfrom all lookup default\n";

const char *
txp_stack_host_file_name(enum txp_stack_host_file f)
{
    if ((unsigned)f >= TXP_STACK_HF__COUNT)
        return "?";
    return host_file_names[f];
}

void
txp_stack_host_default(struct txp_stack_host *h)
{
    memset(h, 0, sizeof *h);
    h->text[TXP_STACK_HF_LINK] = default_link;
    h->text[TXP_STACK_HF_ADDR] = default_addr;
    h->text[TXP_STACK_HF_ROUTE] = default_route;
    h->text[TXP_STACK_HF_RULE] = default_rule;
    for (int i = 0; i < TXP_STACK_HF__COUNT; i++) {
        if (h->text[i])
            h->len[i] = strlen(h->text[i]);
        snprintf(h->path[i], sizeof h->path[i], "<default>/%s", host_file_names[i]);
    }
}

/* The whole file, NUL-terminated; NULL with *missing set when it does not exist. */
static char *
host_slurp(const char *path, size_t *len, int *missing)
{
    FILE *f = fopen(path, "rb");
    *missing = 0;
    if (f == NULL) {
        *missing = errno == ENOENT;
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    while (b != NULL) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *g = realloc(b, cap * 2 + 1);
        if (g == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = g;
        cap *= 2;
    }
    fclose(f);
    if (b != NULL) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

int
txp_stack_host_read(const char *dir, struct txp_stack_host *h, struct txp_diag *d)
{
    memset(h, 0, sizeof *h);
    h->owned = true;
    for (int i = 0; i < TXP_STACK_HF__COUNT; i++) {
        snprintf(h->path[i], sizeof h->path[i], "%s/%s", dir, host_file_names[i]);
        int missing;
        size_t len = 0;
        char *t = host_slurp(h->path[i], &len, &missing);
        if (t == NULL && (i <= TXP_STACK_HF_RULE || !missing)) {
            txp_diag_init(d, h->path[i]);
            txp_diag_set(d, 0, 0, "%s",
                         missing ? "missing (ip-link, ip-addr, ip-route and "
                                   "ip-rule are required)"
                                 : "cannot be read");
            txp_stack_host_free(h);
            return missing ? TXP_EIO : TXP_ENOMEM;
        }
        h->text[i] = t;
        h->len[i] = len;
    }
    return TXP_OK;
}

void
txp_stack_host_free(struct txp_stack_host *h)
{
    if (h == NULL || !h->owned)
        return;
    for (int i = 0; i < TXP_STACK_HF__COUNT; i++) {
        free((void *)(uintptr_t)h->text[i]);
        h->text[i] = NULL;
    }
    h->owned = false;
}

/* Copy line number @p lno (0-based offsets) of @p text into @p buf; returns the next start. */
static const char *
host_line(const char *p, const char *end, char *buf, size_t cap)
{
    const char *e = memchr(p, '\n', (size_t)(end - p));
    size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
    size_t c = l < cap - 1 ? l : cap - 1;
    memcpy(buf, p, c);
    buf[c] = '\0';
    return e ? e + 1 : end;
}

int
txp_stack__host_parse_links(struct txp_stack *st, const struct txp_stack_host *h,
                            struct txp_diag *d)
{
    const char *t = h->text[TXP_STACK_HF_LINK];
    const char *end = t + h->len[TXP_STACK_HF_LINK];
    char line[1024];
    uint32_t lno = 0;
    st->ndev = 0;
    for (const char *p = t; p < end;) {
        p = host_line(p, end, line, sizeof line);
        lno++;
        unsigned idx;
        char name[64];
        if (line[0] == '\0')
            continue;
        if (sscanf(line, "%u: %63[^:@]", &idx, name) != 2)
            continue; /* txp_fib_load_links has already accepted or refused the line */
        if (st->ndev == TXP_STACK_MAX_DEVS) {
            txp_diag_init(d, h->path[TXP_STACK_HF_LINK]);
            return txp_diag_set(d, lno, 1, "more than %d devices", TXP_STACK_MAX_DEVS);
        }
        struct txp_stack_dev *dv = &st->dev[st->ndev++];
        memset(dv, 0, sizeof *dv);
        dv->st = st;
        dv->ifindex = idx;
        snprintf(dv->name, sizeof dv->name, "%.15s", name);
        const char *fl = strchr(line, '<');
        const char *fe = fl ? strchr(fl, '>') : NULL;
        if (fl && fe) {
            char flags[256];
            size_t fn = (size_t)(fe - fl) < sizeof flags - 1 ? (size_t)(fe - fl) : sizeof flags - 1;
            memcpy(flags, fl, fn);
            flags[fn] = '\0';
            dv->loopback = strstr(flags, "LOOPBACK") != NULL;
            dv->noarp = strstr(flags, "NOARP") != NULL || dv->loopback;
            dv->up = strstr(flags, ",UP") != NULL || strstr(flags, "<UP") != NULL;
        }
        const char *m = strstr(line, " mtu ");
        unsigned v;
        dv->mtu = (m && sscanf(m, " mtu %u", &v) == 1) ? v : 1500;
        const char *ql = strstr(line, " qlen ");
        dv->txqlen = (ql && sscanf(ql, " qlen %u", &v) == 1) ? v : 1000;
        const char *qd = strstr(line, " qdisc ");
        char kind[32] = "pfifo_fast";
        if (qd)
            sscanf(qd, " qdisc %31s", kind);
        snprintf(dv->qdisc_spec, sizeof dv->qdisc_spec, "%s", kind);
        const char *le = strstr(line, "link/ether ");
        if (le && strlen(le + 11) >= 17) {
            char mac[18];
            memcpy(mac, le + 11, 17);
            mac[17] = '\0';
            if (txp_eth_addr_parse(mac, dv->mac) != TXP_OK)
                memset(dv->mac, 0, 6);
        }
    }
    return TXP_OK;
}

int
txp_stack__host_qdisc_spec(struct txp_stack *st, const struct txp_stack_host *h, struct txp_diag *d)
{
    const char *t = h->text[TXP_STACK_HF_QDISC];
    if (t == NULL)
        return TXP_OK;
    const char *end = t + h->len[TXP_STACK_HF_QDISC];
    char line[1024];
    uint32_t lno = 0;
    for (const char *p = t; p < end;) {
        p = host_line(p, end, line, sizeof line);
        lno++;
        char kind[32], handle[32], dev[64];
        int off = 0;
        if (line[0] == '\0' || line[0] == ' ')
            continue; /* `tc -s` statistics lines */
        if (sscanf(line, "qdisc %31s %31s dev %63s%n", kind, handle, dev, &off) != 3) {
            txp_diag_init(d, h->path[TXP_STACK_HF_QDISC]);
            return txp_diag_set(d, lno, 1, "expected \"qdisc KIND HANDLE: dev DEV ...\"");
        }
        const char *rest = line + off;
        while (*rest == ' ')
            rest++;
        if (strncmp(rest, "root", 4) != 0)
            continue; /* child qdiscs (mq's per-queue ones) are not modelled */
        rest += 4;
        while (*rest == ' ')
            rest++;
        if (strncmp(rest, "refcnt ", 7) == 0) {
            rest += 7;
            while (*rest && *rest != ' ')
                rest++;
            while (*rest == ' ')
                rest++;
        }
        for (uint32_t k = 0; k < st->ndev; k++) {
            if (strcmp(st->dev[k].name, dev) != 0)
                continue;
            /* pfifo_fast prints its fixed priomap, which tc does not take as options. */
            if (strcmp(kind, "pfifo_fast") == 0 || strcmp(kind, "noqueue") == 0)
                snprintf(st->dev[k].qdisc_spec, sizeof st->dev[k].qdisc_spec, "%s", kind);
            else
                snprintf(st->dev[k].qdisc_spec, sizeof st->dev[k].qdisc_spec, "%s %s", kind, rest);
        }
    }
    return TXP_OK;
}

void
txp_stack__host_sysctl(struct txp_stack *st, const struct txp_stack_host *h)
{
    const char *t = h->text[TXP_STACK_HF_SYSCTL];
    if (t == NULL)
        return;
    const char *end = t + h->len[TXP_STACK_HF_SYSCTL];
    char line[512];
    for (const char *p = t; p < end;) {
        p = host_line(p, end, line, sizeof line);
        char key[200], dev[64], name[128];
        long long v;
        if (sscanf(line, "%199s = %lld", key, &v) != 2)
            continue;
        if (strcmp(key, "net.ipv4.ip_default_ttl") == 0 && v >= 1 && v <= 255)
            st->ip_default_ttl = (int)v;
        else if (strcmp(key, "net.ipv4.ip_no_pmtu_disc") == 0)
            st->ip_no_pmtu_disc = v != 0;
        else if (strcmp(key, "net.ipv4.tcp_timestamps") == 0)
            st->tcp_timestamps = v != 0;
        else if (strcmp(key, "net.ipv4.tcp_sack") == 0)
            st->tcp_sack = v != 0;
        else if (strcmp(key, "net.ipv4.tcp_window_scaling") == 0)
            st->tcp_window_scaling = v != 0;
        else if ((sscanf(key, "net.ipv4.neigh.%63[^.].%127s", dev, name) == 2 ||
                  (sscanf(key, "net.ipv4.conf.%63[^.].%127s", dev, name) == 2 &&
                   strncmp(name, "arp_", 4) == 0)) &&
                 /* these repeat the _ms / _bytes forms in coarser units */
                 strcmp(name, "retrans_time") != 0 && strcmp(name, "unres_qlen") != 0 &&
                 strcmp(name, "base_reachable_time") != 0) {
            for (uint32_t k = 0; k < st->ndev; k++)
                if (strcmp(st->dev[k].name, dev) == 0 && !st->dev[k].loopback)
                    (void)txp_neigh_set_param(st->neigh, st->dev[k].ifindex, name, v,
                                              st->env.now_ns);
        }
    }
}
