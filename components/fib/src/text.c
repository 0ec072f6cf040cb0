/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: the text formats of iproute2 -- `ip -o link show`, `ip -o addr show`,
 * `ip route show table all`, `ip rule show` -- read exactly as the commands print them, and
 * the first line of `ip route get` written the same way.
 *
 * Every loader parses the whole text first and applies it only when every line is valid; if
 * applying fails part way (a duplicate route), what was applied is taken back. So a bad file
 * never leaves a half-loaded FIB. Errors name file:line:column and what was expected.
 * IPv6 lines (inet6 addresses, IPv6 routes) are skipped: this is an IPv4 FIB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fib_int.h"
#include "txpath/prot/ip.h"

#define FIB_MAX_TOK 64

/* One line split into whitespace-separated tokens (pointers into a private copy). */
struct fib_line {
    char buf[1024];
    char *tok[FIB_MAX_TOK];
    uint32_t col[FIB_MAX_TOK];
    int n;
    uint32_t lineno;
};

/* Split @p s (length @p len) into tokens; returns TXP_EBADMSG on an over-long line. */
static int
fib_split(struct fib_line *l, const char *s, size_t len, const char *file, struct txp_diag *d)
{
    if (len >= sizeof(l->buf))
        return txp_diag_set(d, l->lineno, 1, "%s: line longer than %zu bytes", file,
                            sizeof(l->buf) - 1);
    memcpy(l->buf, s, len);
    l->buf[len] = '\0';
    l->n = 0;
    char *p = l->buf;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            *p++ = '\0';
        if (*p == '\0')
            break;
        if (l->n == FIB_MAX_TOK)
            return txp_diag_set(d, l->lineno, (uint32_t)(p - l->buf) + 1,
                                "more than %d words on one line", FIB_MAX_TOK);
        l->tok[l->n] = p;
        l->col[l->n] = (uint32_t)(p - l->buf) + 1;
        l->n++;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
    }
    return TXP_OK;
}

/* Iterate the lines of a text: calls @p fn for each non-empty line. */
typedef int (*fib_line_fn)(struct fib_line *l, void *ctx, const char *file, struct txp_diag *d);

static int
fib_each_line(const char *text, size_t len, const char *file, struct txp_diag *d, fib_line_fn fn,
              void *ctx)
{
    struct fib_line *l = malloc(sizeof(*l));
    size_t pos = 0;
    uint32_t lineno = 0;
    int rc = TXP_OK;

    if (l == NULL)
        return TXP_ENOMEM;
    while (pos < len && rc == TXP_OK) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        l->lineno = lineno;
        if (memchr(text + pos, '\0', e - pos) != NULL) {
            rc = txp_diag_set(d, lineno, 1, "NUL byte in a text file");
            break;
        }
        rc = fib_split(l, text + pos, e - pos, file, d);
        if (rc == TXP_OK && l->n > 0)
            rc = fn(l, ctx, file, d);
        pos = e + 1;
    }
    free(l);
    return rc;
}

/* Column of token @p i, or of the last token when @p i is past the end (1 on an empty line). */
static uint32_t
fib_col(const struct fib_line *l, int i)
{
    if (l->n <= 0 || i < 0)
        return 1;
    size_t k = (size_t)(i < l->n ? i : l->n - 1);
    return k < FIB_MAX_TOK ? l->col[k] : 1;
}

static int
fib_bad(struct txp_diag *d, const struct fib_line *l, int i, const char *what)
{
    uint32_t col = fib_col(l, i);
    if (i >= 0 && i < l->n)
        return txp_diag_set(d, l->lineno, col, "expected %s, got \"%.40s\"", what, l->tok[i]);
    return txp_diag_set(d, l->lineno, col, "expected %s at the end of the line", what);
}

static int
fib_u32(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    if (*s == '\0' || *s == '-' || *s == '+')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0' || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* "a.b.c.d" or "a.b.c.d/len"; "default" / "all" as 0/0 when @p allow_word. */
static int
fib_prefix(const char *s, bool allow_word, uint32_t *addr, uint8_t *plen)
{
    char tmp[32];
    uint32_t len = 32;
    if (allow_word && (strcmp(s, "default") == 0 || strcmp(s, "all") == 0)) {
        *addr = 0;
        *plen = 0;
        return 0;
    }
    size_t n = strlen(s);
    if (n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n + 1);
    char *slash = strchr(tmp, '/');
    if (slash != NULL) {
        *slash = '\0';
        if (fib_u32(slash + 1, 32, &len) != 0)
            return -1;
    }
    if (txp_ipv4_addr_parse(tmp, addr) != TXP_OK)
        return -1;
    *plen = (uint8_t)len;
    return 0;
}

static int
fib_name_num(const char *s, const char *const *names, const uint32_t *vals, uint32_t max,
             uint32_t *out)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = vals[i];
            return 0;
        }
    }
    return fib_u32(s, max, out);
}

static int
fib_table_id(const char *s, uint32_t *out)
{
    static const char *const n[] = {"local", "main", "default", "unspec", NULL};
    static const uint32_t v[] = {255, 254, 253, 0};
    return fib_name_num(s, n, v, 0xFFFFFFFFu, out);
}

static int
fib_scope_id(const char *s, uint32_t *out)
{
    static const char *const n[] = {"global", "universe", "site", "link", "host", "nowhere", NULL};
    static const uint32_t v[] = {0, 0, 200, 253, 254, 255};
    return fib_name_num(s, n, v, 255, out);
}

static int
fib_proto_id(const char *s, uint32_t *out)
{
    static const char *const n[] = {"unspec", "redirect", "kernel",  "boot",  "static",
                                    "ra",     "dhcp",     "bird",    "zebra", "bgp",
                                    "isis",   "ospf",     "rip",     "eigrp", "keepalived",
                                    "babel",  "openr",    "mrouted", NULL};
    static const uint32_t v[] = {0,   1,   2,   3,   4,   9,  16, 12, 11,
                                 186, 187, 188, 189, 192, 18, 42, 99, 17};
    return fib_name_num(s, n, v, 255, out);
}

static int
fib_type_id(const char *s, enum txp_fib_type *out)
{
    static const char *const n[] = {"unicast",   "local",       "broadcast", "anycast", "multicast",
                                    "blackhole", "unreachable", "prohibit",  "throw",   NULL};
    for (int i = 0; n[i] != NULL; i++) {
        if (strcmp(s, n[i]) == 0) {
            *out = (enum txp_fib_type)(i + 1);
            return 0;
        }
    }
    return -1;
}

static int
fib_ipproto_id(const char *s, uint32_t *out)
{
    static const char *const n[] = {"icmp", "tcp", "udp", "gre", "esp", "ah", "sctp", NULL};
    static const uint32_t v[] = {1, 6, 17, 47, 50, 51, 132};
    return fib_name_num(s, n, v, 255, out);
}

/* ------------------------------------------------------------------ ip -o link */

struct fib_links {
    struct txp_fib *fib;
    uint32_t added;
};

static int
fib_link_line(struct fib_line *l, void *ctx, const char *file, struct txp_diag *d)
{
    struct fib_links *c = ctx;
    uint32_t idx, mtu = 1500;
    char name[TXP_FIB_IFNAMSIZ + 32];
    (void)file;

    size_t n0 = strlen(l->tok[0]);
    if (n0 < 2 || l->tok[0][n0 - 1] != ':')
        return fib_bad(d, l, 0, "\"INDEX:\"");
    l->tok[0][n0 - 1] = '\0';
    if (fib_u32(l->tok[0], 0x7FFFFFFF, &idx) != 0 || idx == 0)
        return fib_bad(d, l, 0, "a device index");
    if (l->n < 3)
        return fib_bad(d, l, l->n, "\"NAME:\" and \"<FLAGS>\"");
    size_t nl = strlen(l->tok[1]);
    if (nl < 2 || l->tok[1][nl - 1] != ':' || nl - 1 >= sizeof(name))
        return fib_bad(d, l, 1, "\"NAME:\"");
    memcpy(name, l->tok[1], nl - 1);
    name[nl - 1] = '\0';
    char *at = strchr(name, '@');
    if (at != NULL)
        *at = '\0';
    if (strlen(name) == 0 || strlen(name) >= TXP_FIB_IFNAMSIZ)
        return fib_bad(d, l, 1, "a device name of 1..15 characters");
    const char *fl = l->tok[2];
    size_t fn = strlen(fl);
    if (fn < 2 || fl[0] != '<' || fl[fn - 1] != '>')
        return fib_bad(d, l, 2, "\"<FLAGS>\"");
    bool up = false, lo = false;
    char fbuf[256];
    if (fn - 2 >= sizeof(fbuf))
        return fib_bad(d, l, 2, "a shorter flag list");
    memcpy(fbuf, fl + 1, fn - 2);
    fbuf[fn - 2] = '\0';
    for (char *t = fbuf; t != NULL;) {
        char *comma = strchr(t, ',');
        if (comma != NULL)
            *comma = '\0';
        if (strcmp(t, "UP") == 0)
            up = true;
        else if (strcmp(t, "LOOPBACK") == 0)
            lo = true;
        t = comma ? comma + 1 : NULL;
    }
    for (int i = 3; i + 1 < l->n; i++) {
        if (strcmp(l->tok[i], "mtu") == 0) {
            if (fib_u32(l->tok[i + 1], 0xFFFFFFFFu, &mtu) != 0)
                return fib_bad(d, l, i + 1, "an MTU");
            break;
        }
    }
    int rc = txp_fib_dev_add(c->fib, name, idx, mtu, up, lo);
    if (rc == TXP_EEXIST)
        return txp_diag_set(d, l->lineno, l->col[0], "device %s (index %u) is listed twice", name,
                            idx);
    if (rc != TXP_OK)
        return rc;
    c->added++;
    return TXP_OK;
}

int
txp_fib_load_links(struct txp_fib *fib, const char *text, size_t len, const char *file,
                   struct txp_diag *d)
{
    struct fib_links c = {fib, 0};
    uint32_t before = fib->ndevs;
    txp_diag_init(d, file);
    int rc = fib_each_line(text, len, file, d, fib_link_line, &c);
    if (rc != TXP_OK) {
        /* devices are appended: drop the ones this call added */
        fib->ndevs = before;
        fib->lo_index = 0;
        for (uint32_t i = 0; i < fib->ndevs; i++) {
            if (fib->devs[i].loopback && fib->lo_index == 0)
                fib->lo_index = fib->devs[i].ifindex;
        }
    }
    return rc;
}

/* ------------------------------------------------------------------ ip -o addr */

struct fib_addrs {
    struct txp_fib *fib;
};

static int
fib_addr_line(struct fib_line *l, void *ctx, const char *file, struct txp_diag *d)
{
    struct fib_addrs *c = ctx;
    uint32_t idx, a, scope = 0;
    uint8_t plen;
    bool secondary = false;
    (void)file;

    size_t n0 = strlen(l->tok[0]);
    if (n0 < 2 || l->tok[0][n0 - 1] != ':')
        return fib_bad(d, l, 0, "\"INDEX:\"");
    l->tok[0][n0 - 1] = '\0';
    if (fib_u32(l->tok[0], 0x7FFFFFFF, &idx) != 0 || idx == 0)
        return fib_bad(d, l, 0, "a device index");
    if (l->n < 4)
        return fib_bad(d, l, l->n, "NAME inet ADDRESS/LEN");
    if (strcmp(l->tok[2], "inet6") == 0)
        return TXP_OK;
    if (strcmp(l->tok[2], "inet") != 0)
        return fib_bad(d, l, 2, "\"inet\" or \"inet6\"");
    if (fib_prefix(l->tok[3], false, &a, &plen) != 0)
        return fib_bad(d, l, 3, "ADDRESS/LEN");
    if (txp_fib_dev_index(c->fib, l->tok[1]) != idx)
        return txp_diag_set(d, l->lineno, l->col[1],
                            "device %s with index %u is not in the link list", l->tok[1], idx);
    for (int i = 4; i < l->n; i++) {
        const char *t = l->tok[i];
        if (t[0] == '\\')
            break;
        if (strcmp(t, "brd") == 0 || strcmp(t, "peer") == 0 || strcmp(t, "metric") == 0) {
            i++;
        } else if (strcmp(t, "scope") == 0) {
            if (i + 1 >= l->n || fib_scope_id(l->tok[i + 1], &scope) != 0)
                return fib_bad(d, l, i + 1, "a scope (global, site, link, host, nowhere, N)");
            i++;
        } else if (strcmp(t, "secondary") == 0 || strcmp(t, "temporary") == 0) {
            secondary = true;
        }
        /* dynamic, noprefixroute, tentative, ..., and the label: nothing to keep */
    }
    int rc = txp_fib_addr_add(c->fib, idx, a, plen, (uint8_t)scope, secondary);
    if (rc == TXP_EEXIST)
        return txp_diag_set(d, l->lineno, l->col[3], "address listed twice");
    return rc;
}

int
txp_fib_load_addrs(struct txp_fib *fib, const char *text, size_t len, const char *file,
                   struct txp_diag *d)
{
    struct fib_addrs c = {fib};
    uint32_t *before = malloc(((size_t)fib->ndevs + 1) * sizeof(uint32_t));
    if (before == NULL)
        return TXP_ENOMEM;
    for (uint32_t i = 0; i < fib->ndevs; i++)
        before[i] = fib->devs[i].naddrs;
    txp_diag_init(d, file);
    int rc = fib_each_line(text, len, file, d, fib_addr_line, &c);
    if (rc != TXP_OK) {
        for (uint32_t i = 0; i < fib->ndevs; i++)
            fib->devs[i].naddrs = before[i];
    }
    free(before);
    return rc;
}

/* ------------------------------------------------------------------ ip route */

struct fib_routes {
    struct txp_fib *fib;
    struct txp_fib_route *added;
    size_t n, cap;
    /* a multipath route whose `nexthop` lines are still being read */
    struct txp_fib_route pending;
    bool has_pending;
    uint32_t pending_line, pending_col;
    char pending_type[16];
};

static int fib_route_commit(struct fib_routes *c, const struct txp_fib_route *r, uint32_t line,
                            uint32_t col, const char *type, struct txp_diag *d);

/* `nexthop [via GW] [dev DEV] [weight W] [onlink]` starting at token @p i; stops at the next
 * `nexthop` or the end. */
static int
fib_nexthop(struct fib_routes *c, struct fib_line *l, int *pi, struct txp_fib_route *r,
            struct txp_diag *d)
{
    int i = *pi + 1;
    if (r->nnh >= TXP_FIB_MAX_NH)
        return txp_diag_set(d, l->lineno, l->col[*pi], "more than %d nexthops", TXP_FIB_MAX_NH);
    struct txp_fib_nh *nh = &r->nh[r->nnh];
    memset(nh, 0, sizeof(*nh));
    nh->weight = 1;
    uint32_t v;
    for (; i < l->n && strcmp(l->tok[i], "nexthop") != 0; i++) {
        const char *k = l->tok[i];
        const char *val = i + 1 < l->n ? l->tok[i + 1] : NULL;
        if (strcmp(k, "via") == 0) {
            if (val && strcmp(val, "inet") == 0)
                val = ++i + 1 < l->n ? l->tok[i + 1] : NULL;
            if (val == NULL || txp_ipv4_addr_parse(val, &nh->gw) != TXP_OK)
                return fib_bad(d, l, i + 1, "a gateway address");
            i++;
        } else if (strcmp(k, "dev") == 0) {
            if (val == NULL)
                return fib_bad(d, l, i + 1, "a device name");
            nh->ifindex = txp_fib_dev_index(c->fib, val);
            if (nh->ifindex == 0)
                return txp_diag_set(d, l->lineno, l->col[i + 1],
                                    "unknown device \"%s\" (not in the link list)", val);
            i++;
        } else if (strcmp(k, "weight") == 0) {
            if (val == NULL || fib_u32(val, 256, &v) != 0 || v == 0)
                return fib_bad(d, l, i + 1, "a weight 1..256");
            nh->weight = (uint16_t)v;
            i++;
        } else if (strcmp(k, "onlink") == 0) {
            nh->flags |= TXP_FIB_RF_ONLINK;
        } else if (strcmp(k, "dead") == 0 || strcmp(k, "linkdown") == 0 ||
                   strcmp(k, "offload") == 0 || strcmp(k, "trap") == 0 ||
                   strcmp(k, "pervasive") == 0 || strcmp(k, "notify") == 0) {
            /* state flags the kernel prints */
        } else {
            return txp_diag_set(d, l->lineno, l->col[i], "unknown nexthop attribute \"%.40s\"", k);
        }
    }
    if (nh->ifindex == 0)
        return txp_diag_set(d, l->lineno, l->col[*pi], "a nexthop needs \"dev DEVICE\"");
    r->nnh++;
    *pi = i - 1;
    return TXP_OK;
}

/* Add the multipath route being read, if any. */
static int
fib_route_flush(struct fib_routes *c, struct txp_diag *d)
{
    if (!c->has_pending)
        return TXP_OK;
    c->has_pending = false;
    return fib_route_commit(c, &c->pending, c->pending_line, c->pending_col, c->pending_type, d);
}

static int
fib_route_line(struct fib_line *l, void *ctx, const char *file, struct txp_diag *d)
{
    struct fib_routes *c = ctx;
    struct txp_fib_route r;
    int i = 0;
    uint32_t v;
    bool scope_given = false;
    (void)file;

    if (strcmp(l->tok[0], "nexthop") == 0) {
        /* a continuation line of a multipath route */
        if (!c->has_pending)
            return txp_diag_set(d, l->lineno, l->col[0],
                                "\"nexthop\" line without a multipath route before it");
        int j = 0;
        while (j < l->n) {
            int rc = fib_nexthop(c, l, &j, &c->pending, d);
            if (rc != TXP_OK)
                return rc;
            j++;
        }
        return TXP_OK;
    }
    int frc = fib_route_flush(c, d);
    if (frc != TXP_OK)
        return frc;
    memset(&r, 0, sizeof(r));
    r.type = TXP_FIB_UNICAST;
    r.table = TXP_FIB_TABLE_MAIN;
    r.proto = 3; /* boot, what `ip route add` uses */
    if (fib_type_id(l->tok[0], &r.type) == 0)
        i++;
    if (i >= l->n)
        return fib_bad(d, l, i, "a prefix");
    if (strchr(l->tok[i], ':') != NULL)
        return TXP_OK; /* IPv6 */
    /* IPv6 routes whose prefix has no colon ("default via fd00::1 ... pref medium") */
    for (int k = i + 1; k < l->n; k++)
        if (strcmp(l->tok[k], "pref") == 0 ||
            (strcmp(l->tok[k - 1], "via") == 0 && strchr(l->tok[k], ':') != NULL))
            return TXP_OK;
    if (fib_prefix(l->tok[i], true, &r.dst, &r.plen) != 0)
        return fib_bad(d, l, i, "a prefix (a.b.c.d[/len] or default)");
    if ((r.dst & ~(r.plen ? ~0u << (32 - r.plen) : 0u)) != 0)
        return txp_diag_set(d, l->lineno, l->col[i], "prefix %s has host bits set", l->tok[i]);
    i++;
    for (; i < l->n; i++) {
        const char *k = l->tok[i];
        const char *val = i + 1 < l->n ? l->tok[i + 1] : NULL;
        if (strcmp(k, "via") == 0) {
            if (val && strcmp(val, "inet") == 0)
                val = ++i + 1 < l->n ? l->tok[i + 1] : NULL;
            if (val == NULL || txp_ipv4_addr_parse(val, &r.gw) != TXP_OK)
                return fib_bad(d, l, i + 1, "a gateway address");
            i++;
        } else if (strcmp(k, "dev") == 0) {
            if (val == NULL)
                return fib_bad(d, l, i + 1, "a device name");
            r.ifindex = txp_fib_dev_index(c->fib, val);
            if (r.ifindex == 0)
                return txp_diag_set(d, l->lineno, l->col[i + 1],
                                    "unknown device \"%s\" (not in the link list)", val);
            i++;
        } else if (strcmp(k, "table") == 0) {
            if (val == NULL || fib_table_id(val, &r.table) != 0 || r.table == 0)
                return fib_bad(d, l, i + 1, "a table (local, main, default or 1..2^32-1)");
            i++;
        } else if (strcmp(k, "proto") == 0) {
            if (val == NULL || fib_proto_id(val, &v) != 0)
                return fib_bad(d, l, i + 1, "a protocol (kernel, boot, static, ... or 0..255)");
            r.proto = (uint8_t)v;
            i++;
        } else if (strcmp(k, "scope") == 0) {
            if (val == NULL || fib_scope_id(val, &v) != 0)
                return fib_bad(d, l, i + 1, "a scope (global, site, link, host, N)");
            r.scope = (uint8_t)v;
            scope_given = true;
            i++;
        } else if (strcmp(k, "src") == 0) {
            if (val == NULL || txp_ipv4_addr_parse(val, &r.prefsrc) != TXP_OK)
                return fib_bad(d, l, i + 1, "a source address");
            i++;
        } else if (strcmp(k, "metric") == 0 || strcmp(k, "priority") == 0 ||
                   strcmp(k, "preference") == 0) {
            if (val == NULL || fib_u32(val, 0xFFFFFFFFu, &r.metric) != 0)
                return fib_bad(d, l, i + 1, "a metric 0..4294967295");
            i++;
        } else if (strcmp(k, "tos") == 0 || strcmp(k, "dsfield") == 0) {
            if (val == NULL || fib_u32(val, 255, &v) != 0)
                return fib_bad(d, l, i + 1, "a TOS value 0x00..0xff");
            r.tos = (uint8_t)v;
            i++;
        } else if (strcmp(k, "mtu") == 0) {
            if (val && strcmp(val, "lock") == 0) {
                r.flags |= TXP_FIB_RF_MTU_LOCK;
                val = ++i + 1 < l->n ? l->tok[i + 1] : NULL;
            }
            if (val == NULL || fib_u32(val, 0xFFFFFFFFu, &r.mtu) != 0)
                return fib_bad(d, l, i + 1, "an MTU");
            i++;
        } else if (strcmp(k, "onlink") == 0) {
            r.flags |= TXP_FIB_RF_ONLINK;
        } else if (strcmp(k, "linkdown") == 0 || strcmp(k, "dead") == 0 ||
                   strcmp(k, "pervasive") == 0 || strcmp(k, "offload") == 0 ||
                   strcmp(k, "trap") == 0 || strcmp(k, "rt_offload") == 0 ||
                   strcmp(k, "rt_trap") == 0 || strcmp(k, "rt_offload_failed") == 0 ||
                   strcmp(k, "notify") == 0) {
            /* state flags the kernel prints; nothing to configure */
        } else if (strcmp(k, "nexthop") == 0) {
            int rc = fib_nexthop(c, l, &i, &r, d);
            if (rc != TXP_OK)
                return rc;
        } else if (strcmp(k, "nhid") == 0) {
            return txp_diag_set(d, l->lineno, l->col[i],
                                "nexthop objects (\"nhid\") are not supported");
        } else {
            return txp_diag_set(d, l->lineno, l->col[i], "unknown route attribute \"%.40s\"", k);
        }
    }
    if (!scope_given) {
        /* ip prints the scope only when it is not the type's default */
        if (r.type == TXP_FIB_LOCAL)
            r.scope = TXP_FIB_SCOPE_HOST;
        else if (r.type == TXP_FIB_BROADCAST || r.type == TXP_FIB_ANYCAST)
            r.scope = TXP_FIB_SCOPE_LINK;
        else
            r.scope = TXP_FIB_SCOPE_UNIVERSE;
    }
    if (r.type == TXP_FIB_UNICAST && r.ifindex == 0 && r.gw == 0 && r.nnh == 0) {
        /* a multipath route: its nexthops follow on `nexthop` lines */
        c->pending = r;
        c->has_pending = true;
        c->pending_line = l->lineno;
        c->pending_col = l->col[0];
        snprintf(c->pending_type, sizeof(c->pending_type), "%s", l->tok[0]);
        return TXP_OK;
    }
    return fib_route_commit(c, &r, l->lineno, l->col[0], l->tok[0], d);
}

static int
fib_route_commit(struct fib_routes *c, const struct txp_fib_route *rp, uint32_t line, uint32_t col,
                 const char *type, struct txp_diag *d)
{
    struct txp_fib_route r = *rp;
    /* A snapshot may hold several routes of one prefix, tos and metric (`ip route append`). */
    int rc = txp_fib_route_append(c->fib, &r);
    if (rc == TXP_EEXIST)
        return txp_diag_set(d, line, col,
                            "route listed twice (same table, prefix, tos, metric and nexthops)");
    if (rc == TXP_EINVAL)
        return txp_diag_set(d, line, col, "a %s route needs \"dev DEVICE\" (or nexthops)", type);
    if (rc != TXP_OK)
        return rc;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        struct txp_fib_route *n = realloc(c->added, ncap * sizeof(*n));
        if (n == NULL) {
            (void)fib_route_undo(c->fib, &r);
            return TXP_ENOMEM;
        }
        c->added = n;
        c->cap = ncap;
    }
    c->added[c->n++] = r;
    return TXP_OK;
}

int
txp_fib_load_routes(struct txp_fib *fib, const char *text, size_t len, const char *file,
                    struct txp_diag *d)
{
    struct fib_routes c;
    memset(&c, 0, sizeof(c));
    c.fib = fib;
    txp_diag_init(d, file);
    int rc = fib_each_line(text, len, file, d, fib_route_line, &c);
    if (rc == TXP_OK)
        rc = fib_route_flush(&c, d);
    if (rc != TXP_OK) {
        for (size_t i = c.n; i > 0; i--)
            (void)fib_route_undo(fib, &c.added[i - 1]);
    }
    free(c.added);
    return rc;
}

/* ------------------------------------------------------------------ ip rule */

struct fib_rules {
    struct txp_fib_rule *rules;
    size_t n, cap;
    struct txp_fib *fib;
};

static int
fib_range(const char *s, uint32_t max, uint32_t *lo, uint32_t *hi)
{
    char tmp[32];
    size_t n = strlen(s);
    if (n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n + 1);
    char *dash = strchr(tmp, '-');
    if (dash != NULL)
        *dash = '\0';
    if (fib_u32(tmp, max, lo) != 0)
        return -1;
    if (dash == NULL) {
        *hi = *lo;
        return 0;
    }
    if (fib_u32(dash + 1, max, hi) != 0 || *hi < *lo)
        return -1;
    return 0;
}

static int
fib_rule_line(struct fib_line *l, void *ctx, const char *file, struct txp_diag *d)
{
    struct fib_rules *c = ctx;
    struct txp_fib_rule r;
    uint32_t v, lo, hi;
    int i = 1;
    (void)file;

    memset(&r, 0, sizeof(r));
    r.suppress_prefixlen = -1;
    size_t n0 = strlen(l->tok[0]);
    if (n0 < 2 || l->tok[0][n0 - 1] != ':')
        return fib_bad(d, l, 0, "\"PREF:\"");
    l->tok[0][n0 - 1] = '\0';
    if (fib_u32(l->tok[0], 0xFFFFFFFFu, &r.pref) != 0)
        return fib_bad(d, l, 0, "a rule preference 0..4294967295");
    for (; i < l->n; i++) {
        const char *k = l->tok[i];
        const char *val = i + 1 < l->n ? l->tok[i + 1] : NULL;
        if (strcmp(k, "not") == 0) {
            r.invert = true;
        } else if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
            uint32_t a;
            uint8_t pl;
            if (val == NULL || fib_prefix(val, true, &a, &pl) != 0)
                return fib_bad(d, l, i + 1, "a prefix or \"all\"");
            if (k[0] == 'f') {
                r.src = a;
                r.src_len = pl;
            } else {
                r.dst = a;
                r.dst_len = pl;
            }
            i++;
        } else if (strcmp(k, "tos") == 0 || strcmp(k, "dsfield") == 0) {
            if (val == NULL || fib_u32(val, 255, &v) != 0)
                return fib_bad(d, l, i + 1, "a TOS value");
            r.tos = (uint8_t)v;
            i++;
        } else if (strcmp(k, "fwmark") == 0) {
            char tmp[40];
            if (val == NULL || strlen(val) >= sizeof(tmp))
                return fib_bad(d, l, i + 1, "MARK[/MASK]");
            memcpy(tmp, val, strlen(val) + 1);
            char *slash = strchr(tmp, '/');
            if (slash)
                *slash = '\0';
            if (fib_u32(tmp, 0xFFFFFFFFu, &r.fwmark) != 0 ||
                (slash && fib_u32(slash + 1, 0xFFFFFFFFu, &r.fwmask) != 0))
                return fib_bad(d, l, i + 1, "MARK[/MASK]");
            if (!slash)
                r.fwmask = 0xFFFFFFFFu;
            i++;
        } else if (strcmp(k, "iif") == 0 || strcmp(k, "oif") == 0) {
            if (val == NULL)
                return fib_bad(d, l, i + 1, "a device name");
            uint32_t idx = txp_fib_dev_index(c->fib, val);
            if (k[0] == 'i') {
                if (idx != 0 && idx == c->fib->lo_index)
                    r.iif_lo = true;
                r.iif = idx ? idx : 0xFFFFFFFFu; /* an absent device never matches */
            } else {
                r.oif = idx ? idx : 0xFFFFFFFFu;
            }
            i++;
            if (i + 1 < l->n && strcmp(l->tok[i + 1], "[detached]") == 0)
                i++;
        } else if (strcmp(k, "uidrange") == 0) {
            if (val == NULL || fib_range(val, 0xFFFFFFFFu, &lo, &hi) != 0)
                return fib_bad(d, l, i + 1, "UID-UID");
            r.has_uid = true;
            r.uid_lo = lo;
            r.uid_hi = hi;
            i++;
        } else if (strcmp(k, "ipproto") == 0) {
            if (val == NULL || fib_ipproto_id(val, &v) != 0)
                return fib_bad(d, l, i + 1, "an IP protocol (tcp, udp, icmp, 0..255)");
            r.ipproto = (uint8_t)v;
            i++;
        } else if (strcmp(k, "sport") == 0 || strcmp(k, "dport") == 0) {
            if (val == NULL || fib_range(val, 65535, &lo, &hi) != 0)
                return fib_bad(d, l, i + 1, "PORT or PORT-PORT");
            if (k[0] == 's') {
                r.sport_lo = (uint16_t)lo;
                r.sport_hi = (uint16_t)hi;
            } else {
                r.dport_lo = (uint16_t)lo;
                r.dport_hi = (uint16_t)hi;
            }
            i++;
        } else if (strcmp(k, "lookup") == 0 || strcmp(k, "table") == 0) {
            if (val == NULL || fib_table_id(val, &r.table) != 0 || r.table == 0)
                return fib_bad(d, l, i + 1, "a table");
            r.action = TXP_FIB_ACT_TO_TBL;
            i++;
        } else if (strcmp(k, "suppress_prefixlength") == 0) {
            if (val == NULL || fib_u32(val, 32, &v) != 0)
                return fib_bad(d, l, i + 1, "a prefix length 0..32");
            r.suppress_prefixlen = (int32_t)v;
            i++;
        } else if (strcmp(k, "goto") == 0) {
            if (val == NULL || fib_u32(val, 0xFFFFFFFFu, &r.goto_pref) != 0)
                return fib_bad(d, l, i + 1, "a rule preference");
            r.action = TXP_FIB_ACT_GOTO;
            i++;
        } else if (strcmp(k, "blackhole") == 0) {
            r.action = TXP_FIB_ACT_BLACKHOLE;
        } else if (strcmp(k, "unreachable") == 0) {
            r.action = TXP_FIB_ACT_UNREACHABLE;
        } else if (strcmp(k, "prohibit") == 0) {
            r.action = TXP_FIB_ACT_PROHIBIT;
        } else if (strcmp(k, "nop") == 0) {
            r.action = TXP_FIB_ACT_NOP;
        } else if (strcmp(k, "proto") == 0 || strcmp(k, "protocol") == 0) {
            i++;
        } else {
            return txp_diag_set(d, l->lineno, l->col[i], "unknown rule selector \"%.40s\"", k);
        }
    }
    if (r.action == 0)
        return txp_diag_set(d, l->lineno, fib_col(l, l->n - 1),
                            "rule has no action (lookup, goto, blackhole, unreachable, "
                            "prohibit, nop)");
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        struct txp_fib_rule *n = realloc(c->rules, ncap * sizeof(*n));
        if (n == NULL)
            return TXP_ENOMEM;
        c->rules = n;
        c->cap = ncap;
    }
    c->rules[c->n++] = r;
    return TXP_OK;
}

int
txp_fib_load_rules(struct txp_fib *fib, const char *text, size_t len, const char *file,
                   struct txp_diag *d)
{
    struct fib_rules c = {NULL, 0, 0, fib};
    txp_diag_init(d, file);
    int rc = fib_each_line(text, len, file, d, fib_rule_line, &c);
    if (rc == TXP_OK) {
        /* the default three rules alone leave local and main merged */
        bool defaults = c.n == 3 && c.rules[0].pref == 0 &&
                        c.rules[0].table == TXP_FIB_TABLE_LOCAL && c.rules[1].pref == 32766 &&
                        c.rules[1].table == TXP_FIB_TABLE_MAIN && c.rules[2].pref == 32767 &&
                        c.rules[2].table == TXP_FIB_TABLE_DEFAULT;
        struct txp_fib_rule *old = fib->rules;
        uint32_t oldn = fib->nrules, oldcap = fib->rulecap;
        fib->rules = NULL;
        fib->nrules = 0;
        fib->rulecap = 0;
        for (size_t i = 0; i < c.n && rc == TXP_OK; i++)
            rc = fib_rule_insert(fib, &c.rules[i]);
        if (rc != TXP_OK) {
            txp_free(fib->alloc, fib->rules);
            fib->rules = old;
            fib->nrules = oldn;
            fib->rulecap = oldcap;
        } else {
            txp_free(fib->alloc, old);
            fib->custom_rules = !defaults;
        }
    }
    free(c.rules);
    return rc;
}

/* ------------------------------------------------------------------ ip route get */

const char *
txp_fib_strerror(int err)
{
    switch (err) {
    case TXP_ENETUNREACH:
        return "Network is unreachable";
    case TXP_EHOSTUNREACH:
        return "No route to host";
    case TXP_EACCES:
        return "Permission denied";
    case TXP_EINVAL:
        return "Invalid argument";
    case TXP_ENOENT:
        return "No such device";
    default:
        return txp_strerror(err);
    }
}

static const char *
fib_type_name(enum txp_fib_type t)
{
    static const char *const n[] = {"unspec",    "unicast",   "local",       "broadcast", "anycast",
                                    "multicast", "blackhole", "unreachable", "prohibit",  "throw"};
    return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "unknown";
}

int
txp_fib_format_result(const struct txp_fib *fib, const struct txp_fib_flow *flow,
                      const struct txp_fib_result *res, char *out, size_t cap)
{
    char a[16];
    size_t n = 0;
    int w;

#define FIB_OUT(...)                                                                               \
    do {                                                                                           \
        w = snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__);                                 \
        if (w > 0)                                                                                 \
            n += (size_t)w;                                                                        \
    } while (0)

    if (cap > 0)
        out[0] = '\0';
    if (res->type != TXP_FIB_UNICAST)
        FIB_OUT("%s ", fib_type_name(res->type));
    txp_ipv4_addr_format(flow->dst, a);
    FIB_OUT("%s", a);
    if (res->src_given) {
        txp_ipv4_addr_format(flow->src, a);
        FIB_OUT(" from %s", a);
    }
    if (res->tos != 0) /* the TOS of the route that matched, as the kernel reports it */
        FIB_OUT(" tos 0x%02x", res->tos);
    if (res->gw != 0) {
        txp_ipv4_addr_format(res->gw, a);
        FIB_OUT(" via %s", a);
    }
    const char *dev = txp_fib_dev_name(fib, res->oif);
    if (dev != NULL)
        FIB_OUT(" dev %s", dev);
    if (res->table != TXP_FIB_TABLE_MAIN) {
        if (res->table == TXP_FIB_TABLE_LOCAL)
            FIB_OUT(" table local");
        else if (res->table == TXP_FIB_TABLE_DEFAULT)
            FIB_OUT(" table default");
        else
            FIB_OUT(" table %u", res->table);
    }
    if (!res->src_given && res->src != 0) {
        txp_ipv4_addr_format(res->src, a);
        FIB_OUT(" src %s", a);
    }
    if (flow->mark != 0) {
        if (flow->mark < 16)
            FIB_OUT(" mark %u", flow->mark);
        else
            FIB_OUT(" mark 0x%x", flow->mark);
    }
#undef FIB_OUT
    return (int)(n < cap ? n : (cap ? cap - 1 : 0));
}

/* ------------------------------------------------------------------ ip route show */

struct fib_dump {
    const struct txp_fib_route *r;
    uint32_t order; /* position in its alias list */
};

static int
fib_dump_cmp(const void *a, const void *b)
{
    const struct fib_dump *x = a, *y = b;
    if (x->r->table != y->r->table)
        return x->r->table < y->r->table ? -1 : 1;
    if (x->r->dst != y->r->dst)
        return x->r->dst < y->r->dst ? -1 : 1;
    if (x->r->plen != y->r->plen)
        return x->r->plen > y->r->plen ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

static void
fib_collect(const struct fib_node *n, struct fib_dump *out, size_t *k)
{
    if (n == NULL)
        return;
    for (uint32_t i = 0; i < n->nroutes; i++) {
        out[*k].r = &n->routes[i];
        out[*k].order = i;
        (*k)++;
    }
    fib_collect(n->child[0], out, k);
    fib_collect(n->child[1], out, k);
}

static const char *
fib_proto_name(uint8_t p)
{
    switch (p) {
    case 1:
        return "redirect";
    case 2:
        return "kernel";
    case 3:
        return "boot";
    case 4:
        return "static";
    case 9:
        return "ra";
    case 16:
        return "dhcp";
    default:
        return NULL;
    }
}

static const char *
fib_scope_name(uint8_t s)
{
    switch (s) {
    case TXP_FIB_SCOPE_UNIVERSE:
        return "global";
    case TXP_FIB_SCOPE_SITE:
        return "site";
    case TXP_FIB_SCOPE_LINK:
        return "link";
    case TXP_FIB_SCOPE_HOST:
        return "host";
    case TXP_FIB_SCOPE_NOWHERE:
        return "nowhere";
    default:
        return NULL;
    }
}

size_t
txp_fib_format_routes(const struct txp_fib *fib, uint32_t table, char *out, size_t cap)
{
    size_t total = fib->nroutes, k = 0, n = 0;
    struct fib_dump *all = malloc((total ? total : 1) * sizeof(*all));
    char a[16];
    int w;

    if (cap > 0)
        out[0] = '\0';
    if (all == NULL)
        return 0;
    for (uint32_t t = 0; t < fib->ntables; t++) {
        if (table == 0 || fib->tables[t].id == table)
            fib_collect(fib->tables[t].root, all, &k);
    }
    qsort(all, k, sizeof(*all), fib_dump_cmp);
#define FIB_PUT(...)                                                                               \
    do {                                                                                           \
        w = snprintf(cap ? out + (n < cap ? n : cap) : NULL, n < cap ? cap - n : 0, __VA_ARGS__);  \
        if (w > 0)                                                                                 \
            n += (size_t)w;                                                                        \
    } while (0)
    for (size_t i = 0; i < k; i++) {
        const struct txp_fib_route *r = all[i].r;
        if (r->type != TXP_FIB_UNICAST)
            FIB_PUT("%s ", fib_type_name(r->type));
        if (r->plen == 0 && r->dst == 0) {
            FIB_PUT("default");
        } else {
            txp_ipv4_addr_format(r->dst, a);
            if (r->plen == 32)
                FIB_PUT("%s", a);
            else
                FIB_PUT("%s/%u", a, r->plen);
        }
        if (r->tos != 0)
            FIB_PUT(" tos 0x%02x", r->tos);
        if (r->gw != 0) {
            txp_ipv4_addr_format(r->gw, a);
            FIB_PUT(" via %s", a);
        }
        const char *dev = txp_fib_dev_name(fib, r->ifindex);
        if (dev != NULL)
            FIB_PUT(" dev %s", dev);
        if (r->table != TXP_FIB_TABLE_MAIN && table == 0) {
            if (r->table == TXP_FIB_TABLE_LOCAL)
                FIB_PUT(" table local");
            else if (r->table == TXP_FIB_TABLE_DEFAULT)
                FIB_PUT(" table default");
            else
                FIB_PUT(" table %u", r->table);
        }
        if (r->proto != 3) {
            const char *pn = fib_proto_name(r->proto);
            if (pn != NULL)
                FIB_PUT(" proto %s", pn);
            else
                FIB_PUT(" proto %u", r->proto);
        }
        if (r->scope != TXP_FIB_SCOPE_UNIVERSE) {
            const char *sn = fib_scope_name(r->scope);
            if (sn != NULL)
                FIB_PUT(" scope %s", sn);
            else
                FIB_PUT(" scope %u", r->scope);
        }
        if (r->prefsrc != 0) {
            txp_ipv4_addr_format(r->prefsrc, a);
            FIB_PUT(" src %s", a);
        }
        if (r->metric != 0)
            FIB_PUT(" metric %u", r->metric);
        if (r->flags & TXP_FIB_RF_ONLINK)
            FIB_PUT(" onlink");
        if (r->mtu != 0)
            FIB_PUT(" mtu %s%u", (r->flags & TXP_FIB_RF_MTU_LOCK) ? "lock " : "", r->mtu);
        for (uint8_t h = 0; h < r->nnh; h++) {
            FIB_PUT("\n\tnexthop");
            if (r->nh[h].gw != 0) {
                txp_ipv4_addr_format(r->nh[h].gw, a);
                FIB_PUT(" via %s", a);
            }
            const char *nd = txp_fib_dev_name(fib, r->nh[h].ifindex);
            if (nd != NULL)
                FIB_PUT(" dev %s", nd);
            FIB_PUT(" weight %u", (unsigned)r->nh[h].weight);
            if (r->nh[h].flags & TXP_FIB_RF_ONLINK)
                FIB_PUT(" onlink");
        }
        FIB_PUT("\n");
    }
#undef FIB_PUT
    free(all);
    return n;
}
