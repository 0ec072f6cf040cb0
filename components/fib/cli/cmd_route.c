/* SPDX-License-Identifier: MIT */
/*
 * txpath route get [--host DIR] ADDRESS [from A] [tos T] [mark M] [oif DEV] [ipproto P]
 *                  [sport N] [dport N] [uid U]
 *
 * Answers what `ip route get` answers for the host snapshot in DIR (files ip-link, ip-addr,
 * ip-route, ip-rule as `ip -o link show`, `ip -o addr show`, `ip route show table all` and
 * `ip rule show` print them; a missing file means Linux's defaults). Prints the first line
 * `ip route get` prints, without " uid N" and the cache line; on failure the same message as
 * iproute2 ("RTNETLINK answers: Network is unreachable") on stderr, exit 2.
 * Several ADDRESS [selectors...] groups may be separated by "--" to answer many lookups
 * from one load (fib_select_default remembers its choice between them, as the kernel does).
 * When DIR has ip-neigh (`ip neigh show [nud all]`), the IPv4 entries' states are what
 * fib_select_default consults among several equal default routes.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/fib.h"
#include "txpath/h_cli.h"
#include "txpath/prot/ip.h"

static int
route_usage(void)
{
    fputs(
        "usage: txpath route get [--host DIR] ADDRESS [from A] [tos T] [mark M] [oif DEV]\n"
        "                        [ipproto P] [sport N] [dport N] [uid U] [-- ADDRESS [sel...]]...\n"
        "       txpath route show [--host DIR] [table all|main|local|default|N]\n",
        stderr);
    return 2;
}

/* Read a whole file; *text = NULL when it does not exist. */
static int
route_read(const char *dir, const char *name, char **text, size_t *len)
{
    char path[4096];
    *text = NULL;
    *len = 0;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return -1;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return errno == ENOENT ? 0 : -1;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(fp);
    fclose(fp);
    if (buf == NULL || err) {
        free(buf);
        return -1;
    }
    *text = buf;
    *len = n;
    return 0;
}

typedef int (*route_loader)(struct txp_fib *, const char *, size_t, const char *,
                            struct txp_diag *);

static int
route_load(struct txp_fib *fib, const char *dir, const char *name, route_loader fn)
{
    char *text;
    size_t len;
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    if (route_read(dir, name, &text, &len) != 0) {
        fprintf(stderr, "txpath route: %s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    if (text == NULL)
        return 0;
    struct txp_diag d;
    int rc = fn(fib, text, len, path, &d);
    free(text);
    if (rc != TXP_OK) {
        char msg[4700];
        if (rc == TXP_EBADMSG)
            (void)txp_diag_format(&d, msg, sizeof msg);
        else
            (void)snprintf(msg, sizeof msg, "%s: %s", path, txp_strerror(rc));
        fprintf(stderr, "txpath route: %s\n", msg);
        return -1;
    }
    return 0;
}

/* Neighbour states from ip-neigh, for fib_select_default. */
struct route_neigh {
    uint32_t ifindex, ip;
    int state;
};

struct route_neighs {
    struct route_neigh *e;
    size_t n, cap;
};

static int
route_neigh_state(void *ctx, uint32_t ifindex, uint32_t gw)
{
    const struct route_neighs *t = ctx;
    for (size_t k = 0; k < t->n; k++)
        if (t->e[k].ifindex == ifindex && t->e[k].ip == gw)
            return t->e[k].state;
    return -1;
}

/* NUD state words as `ip neigh` prints them. */
static int
route_nud(const char *w)
{
    static const struct {
        const char *name;
        int val;
    } nud[] = {{"INCOMPLETE", 0x01}, {"REACHABLE", 0x02}, {"STALE", 0x04},
               {"DELAY", 0x08},      {"PROBE", 0x10},     {"FAILED", 0x20},
               {"NOARP", 0x40},      {"PERMANENT", 0x80}, {"NONE", 0x00}};
    for (size_t k = 0; k < sizeof nud / sizeof nud[0]; k++)
        if (strcmp(w, nud[k].name) == 0)
            return nud[k].val;
    return -1;
}

/*
 * Parse ip-neigh: "ADDR dev DEV [lladdr MAC] [router] [proxy] [STATE]" per line; IPv6 lines are
 * skipped; a line without a state word is NUD_NONE (as `ip neigh show nud all` prints it).
 */
static int
route_load_neigh(const struct txp_fib *fib, const char *dir, struct route_neighs *t)
{
    char *text;
    size_t len;
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/ip-neigh", dir);
    if (route_read(dir, "ip-neigh", &text, &len) != 0) {
        fprintf(stderr, "txpath route: %s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    if (text == NULL)
        return 0;
    uint32_t lineno = 0;
    int rc = 0;
    for (char *p = text; rc == 0 && p < text + len;) {
        char *e = memchr(p, '\n', (size_t)(text + len - p));
        size_t l = e != NULL ? (size_t)(e - p) : (size_t)(text + len - p);
        char line[512], *tok[16], *save = NULL;
        int nt = 0;
        lineno++;
        if (l >= sizeof line) {
            fprintf(stderr, "txpath route: %s:%u: line longer than %zu bytes\n", path, lineno,
                    sizeof line - 1);
            rc = -1;
            break;
        }
        memcpy(line, p, l);
        line[l] = '\0';
        p += l + 1;
        for (char *w = strtok_r(line, " \t\r", &save); w != NULL && nt < 16;
             w = strtok_r(NULL, " \t\r", &save))
            tok[nt++] = w;
        if (nt == 0 || strchr(tok[0], ':') != NULL)
            continue; /* blank or IPv6 */
        struct route_neigh ent = {0, 0, 0};
        if (txp_ipv4_addr_parse(tok[0], &ent.ip) != TXP_OK || nt < 3 ||
            strcmp(tok[1], "dev") != 0) {
            fprintf(stderr,
                    "txpath route: %s:%u:1: expected \"ADDRESS dev DEVICE [lladdr MAC] STATE\"\n",
                    path, lineno);
            rc = -1;
            break;
        }
        ent.ifindex = txp_fib_dev_index(fib, tok[2]);
        if (ent.ifindex == 0) {
            fprintf(stderr, "txpath route: %s:%u: unknown device \"%s\" (not in ip-link)\n", path,
                    lineno, tok[2]);
            rc = -1;
            break;
        }
        for (int k = 3; k < nt; k++) {
            if (strcmp(tok[k], "lladdr") == 0) {
                k++;
                continue;
            }
            int st = route_nud(tok[k]);
            if (st >= 0)
                ent.state = st;
            else if (strcmp(tok[k], "router") != 0 && strcmp(tok[k], "proxy") != 0 &&
                     strcmp(tok[k], "extern_learn") != 0 && strcmp(tok[k], "offload") != 0) {
                fprintf(stderr, "txpath route: %s:%u: unknown word \"%s\" (expected a NUD state)\n",
                        path, lineno, tok[k]);
                rc = -1;
                break;
            }
        }
        if (rc != 0)
            break;
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 16;
            struct route_neigh *ne = realloc(t->e, nc * sizeof(*ne));
            if (ne == NULL) {
                rc = -1;
                break;
            }
            t->e = ne;
            t->cap = nc;
        }
        t->e[t->n++] = ent;
    }
    free(text);
    return rc;
}

static int
route_num(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    if (*s == '\0' || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0' || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Parse one "ADDRESS [selector value]..." group from argv[*i] up to "--" or the end. */
static int
route_flow(const struct txp_fib *fib, int argc, char **argv, int *i, struct txp_fib_flow *fl)
{
    uint32_t v = 0;
    memset(fl, 0, sizeof(*fl));
    if (*i >= argc || txp_ipv4_addr_parse(argv[*i], &fl->dst) != TXP_OK) {
        fprintf(stderr, "txpath route get: expected an IPv4 address, got \"%s\"\n",
                *i < argc ? argv[*i] : "");
        return -1;
    }
    for ((*i)++; *i < argc && strcmp(argv[*i], "--") != 0; (*i)++) {
        const char *k = argv[*i];
        const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
        int bad = val == NULL;
        if (bad) {
        } else if (strcmp(k, "from") == 0) {
            bad = txp_ipv4_addr_parse(val, &fl->src) != TXP_OK;
        } else if (strcmp(k, "tos") == 0 || strcmp(k, "dsfield") == 0) {
            bad = route_num(val, 255, &v) != 0;
            fl->tos = (uint8_t)v;
        } else if (strcmp(k, "mark") == 0) {
            bad = route_num(val, 0xFFFFFFFFu, &fl->mark) != 0;
        } else if (strcmp(k, "oif") == 0) {
            fl->oif = txp_fib_dev_index(fib, val);
            if (fl->oif == 0) {
                fprintf(stderr, "Cannot find device \"%s\"\n", val);
                return -1;
            }
        } else if (strcmp(k, "ipproto") == 0) {
            if (strcmp(val, "tcp") == 0)
                v = 6;
            else if (strcmp(val, "udp") == 0)
                v = 17;
            else if (strcmp(val, "icmp") == 0)
                v = 1;
            else
                bad = route_num(val, 255, &v) != 0;
            fl->proto = (uint8_t)v;
        } else if (strcmp(k, "sport") == 0 || strcmp(k, "dport") == 0) {
            bad = route_num(val, 65535, &v) != 0;
            if (k[0] == 's')
                fl->sport = (uint16_t)v;
            else
                fl->dport = (uint16_t)v;
        } else if (strcmp(k, "uid") == 0) {
            bad = route_num(val, 0xFFFFFFFFu, &fl->uid) != 0;
        } else {
            fprintf(stderr, "txpath route get: unknown selector \"%s\"\n", k);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "txpath route get: bad or missing value for \"%s\"\n", k);
            return -1;
        }
        (*i)++;
    }
    return 0;
}

static int
cmd_route(int argc, char **argv)
{
    const char *host = NULL;
    int i = 1;
    if (argc < 2 || (strcmp(argv[1], "get") != 0 && strcmp(argv[1], "show") != 0))
        return route_usage();
    bool show = strcmp(argv[1], "show") == 0;
    for (i = 2; i < argc && strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            host = argv[++i];
        else
            return route_usage();
    }
    struct txp_fib *fib;
    if (txp_fib_create(NULL, &fib) != TXP_OK) {
        fputs("txpath route: out of memory\n", stderr);
        return 2;
    }
    int status = 0, fatal = 0;
    struct route_neighs neighs = {NULL, 0, 0};
    if (host != NULL && (route_load(fib, host, "ip-link", txp_fib_load_links) != 0 ||
                         route_load(fib, host, "ip-addr", txp_fib_load_addrs) != 0 ||
                         route_load(fib, host, "ip-route", txp_fib_load_routes) != 0 ||
                         route_load(fib, host, "ip-rule", txp_fib_load_rules) != 0 ||
                         route_load_neigh(fib, host, &neighs) != 0))
        fatal = 1;
    txp_fib_set_neigh_state(fib, route_neigh_state, &neighs);
    if (!fatal && show) {
        uint32_t table = 0;
        if (i + 1 < argc && strcmp(argv[i], "table") == 0) {
            if (strcmp(argv[i + 1], "all") == 0)
                table = 0;
            else if (strcmp(argv[i + 1], "main") == 0)
                table = TXP_FIB_TABLE_MAIN;
            else if (strcmp(argv[i + 1], "local") == 0)
                table = TXP_FIB_TABLE_LOCAL;
            else if (strcmp(argv[i + 1], "default") == 0)
                table = TXP_FIB_TABLE_DEFAULT;
            else if (route_num(argv[i + 1], 0xFFFFFFFFu, &table) != 0 || table == 0)
                fatal = 1;
            i += 2;
        } else {
            table = TXP_FIB_TABLE_MAIN; /* `ip route show` lists main */
        }
        if (fatal || i != argc) {
            txp_fib_destroy(fib);
            free(neighs.e);
            return route_usage();
        }
        size_t need = txp_fib_format_routes(fib, table, NULL, 0);
        char *text = malloc(need + 1);
        if (text == NULL) {
            txp_fib_destroy(fib);
            free(neighs.e);
            return 2;
        }
        (void)txp_fib_format_routes(fib, table, text, need + 1);
        fputs(text, stdout);
        free(text);
        txp_fib_destroy(fib);
        free(neighs.e);
        return 0;
    }
    while (!fatal && i < argc) {
        struct txp_fib_flow fl;
        struct txp_fib_result res;
        char line[512];
        if (route_flow(fib, argc, argv, &i, &fl) != 0) {
            fatal = 1;
            break;
        }
        if (i < argc)
            i++; /* "--" */
        int rc = txp_fib_lookup(fib, &fl, &res);
        if (rc == TXP_OK) {
            (void)txp_fib_format_result(fib, &fl, &res, line, sizeof line);
            printf("%s\n", line);
        } else {
            /* one line on stdout too, so batched answers stay aligned */
            printf("RTNETLINK answers: %s\n", txp_fib_strerror(rc));
            fprintf(stderr, "RTNETLINK answers: %s\n", txp_fib_strerror(rc));
            status = 2;
        }
    }
    txp_fib_destroy(fib);
    free(neighs.e);
    fflush(stdout);
    return fatal ? 2 : status;
}

const struct txp_h_cli_command txp_h_cli_command_route = {
    "route",
    "route get [--host DIR] ADDRESS [from A] [tos T] [mark M] [oif DEV] [ipproto P] ...\n"
    "        answer like `ip route get` for a host snapshot (ip-link, ip-addr, ip-route, ip-rule)\n"
    "  route show [--host DIR] [table all|main|local|default|N]\n"
    "        print the routes like `ip route show`",
    cmd_route};
