/* SPDX-License-Identifier: MIT */
/*
 * txpath qdisc: `tc` syntax. Parses the qdisc part of `tc qdisc add dev DEV root ...` with
 * iproute2's rules (tc/q_fifo.c, q_prio.c, q_netem.c, tc_util.c get_size/get_rate64/
 * get_time64, utils.c matches) and prints like `tc [-s] qdisc show`.
 */
#include "qdisc_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOK 128

struct tok {
    const char *s;
    uint32_t len;
    uint32_t col;
    char buf[64];
};

struct parser {
    struct tok t[MAX_TOK];
    uint32_t n, i;
    struct txp_diag *d;
    const char *kind;
};

static int perr(struct parser *ps, uint32_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct parser *ps, uint32_t at, const char *fmt, ...)
{
    char msg[TXP_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint32_t col =
        at < ps->n ? ps->t[at].col : (ps->n ? ps->t[ps->n - 1].col + ps->t[ps->n - 1].len : 1);
    return txp_diag_set(ps->d, 1, col, "%s", msg);
}

/* iproute2 matches(): @p arg is a non-empty prefix of @p kw. */
static int
matches(const char *arg, const char *kw)
{
    size_t n = strlen(arg);
    return n > 0 && n <= strlen(kw) && strncmp(arg, kw, n) == 0;
}

static const char *
cur(const struct parser *ps)
{
    return ps->i < ps->n ? ps->t[ps->i].buf : NULL;
}

/* NEXT_ARG(): the next word or "Command line is not complete". */
static int
next_arg(struct parser *ps)
{
    if (ps->i + 1 >= ps->n)
        return perr(ps, ps->n, "Command line is not complete after \"%s\". Try option \"help\"",
                    ps->t[ps->i].buf);
    ps->i++;
    return TXP_OK;
}

static int
next_is_number(const struct parser *ps)
{
    return ps->i + 1 < ps->n && isdigit((unsigned char)ps->t[ps->i + 1].buf[0]);
}

static int
next_is_signed_number(const struct parser *ps)
{
    return ps->i + 1 < ps->n &&
           (isdigit((unsigned char)ps->t[ps->i + 1].buf[0]) || ps->t[ps->i + 1].buf[0] == '-');
}

/* get_size: bytes, with b, k/kb, m/mb, g/gb (x1024^n) and kbit, mbit, gbit (/8). */
static int
get_size(uint32_t *out, const char *s)
{
    char *end;
    errno = 0;
    double sz = strtod(s, &end);
    if (end == s || errno || !(sz >= 0))
        return -1;
    if (*end) {
        if (!strcasecmp(end, "kb") || !strcasecmp(end, "k"))
            sz *= 1024;
        else if (!strcasecmp(end, "gb") || !strcasecmp(end, "g"))
            sz *= 1024.0 * 1024 * 1024;
        else if (!strcasecmp(end, "gbit"))
            sz *= 1024.0 * 1024 * 1024 / 8;
        else if (!strcasecmp(end, "mb") || !strcasecmp(end, "m"))
            sz *= 1024.0 * 1024;
        else if (!strcasecmp(end, "mbit"))
            sz *= 1024.0 * 1024 / 8;
        else if (!strcasecmp(end, "kbit"))
            sz *= 1024.0 / 8;
        else if (strcasecmp(end, "b"))
            return -1;
    }
    if (sz > UINT32_MAX)
        return -1;
    *out = (uint32_t)sz;
    return 0;
}

/* get_rate64: bits per second by default; returns bytes per second. */
static int
get_rate64(uint64_t *out, const char *s)
{
    static const struct {
        const char *name;
        double scale;
    } sfx[] = {{"bit", 1.},
               {"Kibit", 1024.},
               {"kbit", 1000.},
               {"mibit", 1024. * 1024.},
               {"mbit", 1000000.},
               {"gibit", 1024. * 1024. * 1024.},
               {"gbit", 1000000000.},
               {"tibit", 1024. * 1024. * 1024. * 1024.},
               {"tbit", 1000000000000.},
               {"Bps", 8.},
               {"KiBps", 8. * 1024.},
               {"KBps", 8000.},
               {"MiBps", 8. * 1024 * 1024},
               {"MBps", 8000000.},
               {"GiBps", 8. * 1024. * 1024. * 1024.},
               {"GBps", 8000000000.},
               {"TiBps", 8. * 1024. * 1024. * 1024. * 1024.},
               {"TBps", 8000000000000.}};
    char *end;
    errno = 0;
    double bps = strtod(s, &end);
    if (end == s || errno || !(bps >= 0))
        return -1;
    if (*end) {
        size_t i;
        for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
            if (!strcasecmp(end, sfx[i].name))
                break;
        if (i == sizeof sfx / sizeof sfx[0])
            return -1;
        bps *= sfx[i].scale;
    }
    bps /= 8;
    if (bps >= 18446744073709551615.0)
        return -1;
    *out = (uint64_t)bps;
    return 0;
}

/* get_time64: nanoseconds by default; s/sec/secs, ms/msec/msecs, us/usec/usecs, ns/... */
static int
get_time64(int64_t *out, const char *s)
{
    char *end;
    errno = 0;
    double ns = strtod(s, &end);
    if (end == s || errno || !(ns >= 0))
        return -1;
    if (*end) {
        if (!strcasecmp(end, "s") || !strcasecmp(end, "sec") || !strcasecmp(end, "secs"))
            ns *= 1e9;
        else if (!strcasecmp(end, "ms") || !strcasecmp(end, "msec") || !strcasecmp(end, "msecs"))
            ns *= 1e6;
        else if (!strcasecmp(end, "us") || !strcasecmp(end, "usec") || !strcasecmp(end, "usecs"))
            ns *= 1e3;
        else if (strcasecmp(end, "ns") && strcasecmp(end, "nsec") && strcasecmp(end, "nsecs"))
            return -1;
    }
    if (ns > 9.2e18)
        return -1;
    *out = (int64_t)ns;
    return 0;
}

/* netem percentages: "30%" or "30" (both per cent), scaled to 0..0xffffffff with rint. */
static int
parse_percent(double *out, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || (*end && strcmp(end, "%")))
        return -1;
    v /= 100.;
    if (!(v >= 0 && v <= 1))
        return -1;
    *out = v;
    return 0;
}

static uint32_t
scale_percent(double v)
{
    return (uint32_t)rint(v * 4294967295.0);
}

static int
get_percent(uint32_t *out, const char *s)
{
    double v;
    if (parse_percent(&v, s))
        return -1;
    *out = scale_percent(v);
    return 0;
}

static int
get_u32(uint32_t *out, const char *s, int base)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, base);
    if (*end || errno || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int
get_s32(int32_t *out, const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (!*s || *end || errno || v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

/* ---- kinds ---- */

static int
parse_fifo(struct parser *ps, struct txp_qdisc_conf *c)
{
    for (; ps->i < ps->n; ps->i++) {
        if (!strcmp(cur(ps), "limit")) {
            int rc = next_arg(ps);
            if (rc)
                return rc;
            if (get_size(&c->limit, cur(ps)))
                return perr(ps, ps->i, "%s: Illegal value for \"limit\": \"%s\"", ps->kind,
                            cur(ps));
            c->limit_set = 1;
        } else {
            return perr(ps, ps->i,
                        "%s: unknown parameter \"%s\" (usage: <[p|b]fifo> [ limit NUMBER ])",
                        ps->kind, cur(ps));
        }
    }
    return TXP_OK;
}

static int
parse_prio(struct parser *ps, struct txp_qdisc_conf *c)
{
    int pmap = 0;
    uint32_t idx = 0;
    for (; ps->i < ps->n; ps->i++) {
        const char *a = cur(ps);
        if (!strcmp(a, "bands")) {
            if (pmap)
                return perr(ps, ps->i,
                            "prio: \"bands\" after \"priomap\" (usage: prio bands NUMBER "
                            "priomap P1 P2...)");
            int rc = next_arg(ps);
            if (rc)
                return rc;
            if (get_u32(&c->bands, cur(ps), 10))
                return perr(ps, ps->i, "Illegal \"bands\": \"%s\"", cur(ps));
        } else if (!strcmp(a, "priomap")) {
            if (pmap)
                return perr(ps, ps->i, "Error: duplicate priomap");
            pmap = 1;
        } else {
            uint32_t band;
            if (!pmap)
                return perr(ps, ps->i,
                            "What is \"%s\"? (usage: prio bands NUMBER priomap P1 "
                            "P2...)",
                            a);
            if (get_u32(&band, a, 10))
                return perr(ps, ps->i, "Illegal \"priomap\" element \"%s\"", a);
            if (band >= c->bands)
                return perr(ps, ps->i, "\"priomap\" element %u is out of bands (bands %u)",
                            (unsigned)band, (unsigned)c->bands);
            if (idx > TXP_QDISC_PRIO_MAX)
                return perr(ps, ps->i, "\"priomap\" index > TC_PRIO_MAX=%u",
                            (unsigned)TXP_QDISC_PRIO_MAX);
            c->priomap[idx++] = (uint8_t)band;
        }
    }
    if (c->bands < TXP_QDISC_BANDS_MIN || c->bands > TXP_QDISC_BANDS_MAX)
        return perr(ps, ps->n, "prio: bands %u out of range: expected %u..%u (kernel EINVAL)",
                    (unsigned)c->bands, (unsigned)TXP_QDISC_BANDS_MIN,
                    (unsigned)TXP_QDISC_BANDS_MAX);
    for (int i = 0; i <= TXP_QDISC_PRIO_MAX; i++)
        if (c->priomap[i] >= c->bands)
            return perr(ps, ps->n,
                        "prio: priomap entry %d is band %u, not below bands %u (kernel EINVAL)", i,
                        (unsigned)c->priomap[i], (unsigned)c->bands);
    return TXP_OK;
}

static int
pct(struct parser *ps, uint32_t *field, const char *what)
{
    if (get_percent(field, cur(ps)))
        return perr(ps, ps->i, "Illegal \"%s\": \"%s\" (expected a percentage 0..100)", what,
                    cur(ps));
    return TXP_OK;
}

static int
parse_netem(struct parser *ps, struct txp_qdisc_conf *c)
{
    struct txp_qdisc_netem_conf *n = &c->netem;
    int reorder_given = 0, ecn = 0, dist_given = 0, loss_given = 0;
    int rc;
    for (; ps->i < ps->n; ps->i++) {
        const char *a = cur(ps);
        uint32_t at = ps->i;
        if (matches(a, "limit")) {
            if ((rc = next_arg(ps)))
                return rc;
            if (get_size(&n->limit, cur(ps)))
                return perr(ps, ps->i, "Illegal \"limit\": \"%s\"", cur(ps));
        } else if (matches(a, "latency") || matches(a, "delay")) {
            if ((rc = next_arg(ps)))
                return rc;
            if (get_time64(&n->latency_ns, cur(ps)))
                return perr(ps, ps->i, "Illegal \"latency\": \"%s\" (expected a time: 100ms)",
                            cur(ps));
            if (next_is_number(ps)) {
                ps->i++;
                if (get_time64(&n->jitter_ns, cur(ps)))
                    return perr(ps, ps->i, "Illegal \"jitter\": \"%s\"", cur(ps));
                if (next_is_number(ps)) {
                    ps->i++;
                    if ((rc = pct(ps, &(n->delay_corr), "delay correlation")))
                        return rc;
                }
            }
        } else if (matches(a, "loss") || matches(a, "drop")) {
            if (loss_given)
                return perr(ps, at, "Illegal \"duplicate loss argument\"");
            loss_given = 1;
            if ((rc = next_arg(ps)))
                return rc;
            const char *m = cur(ps);
            if (isdigit((unsigned char)m[0]) || !strcmp(m, "random")) {
                if (!isdigit((unsigned char)m[0]) && (rc = next_arg(ps)))
                    return rc;
                n->loss_model = TXP_QDISC_LOSS_RANDOM;
                if ((rc = pct(ps, &(n->loss), "loss percent")))
                    return rc;
                if (next_is_number(ps)) {
                    ps->i++;
                    if ((rc = pct(ps, &(n->loss_corr), "loss correlation")))
                        return rc;
                }
            } else if (!strcmp(m, "state")) {
                double p13;
                if ((rc = next_arg(ps)))
                    return rc;
                if (parse_percent(&p13, cur(ps)))
                    return perr(ps, ps->i, "Illegal \"loss p13\": \"%s\"", cur(ps));
                n->loss_model = TXP_QDISC_LOSS_GI;
                n->a1 = scale_percent(p13);
                n->a2 = scale_percent(1. - p13);
                n->a3 = 0;
                n->a5 = scale_percent(1.);
                n->a4 = 0;
                uint32_t *seq[4] = {&n->a2, &n->a3, &n->a5, &n->a4};
                const char *nm[4] = {"loss p31", "loss p32", "loss p23", "loss p14"};
                for (int k = 0; k < 4 && next_is_number(ps); k++) {
                    ps->i++;
                    if ((rc = pct(ps, seq[k], nm[k])))
                        return rc;
                }
            } else if (!strcmp(m, "gemodel")) {
                if ((rc = next_arg(ps)))
                    return rc;
                n->loss_model = TXP_QDISC_LOSS_GE;
                if ((rc = pct(ps, &(n->a1), "loss gemodel p")))
                    return rc;
                n->a2 = scale_percent(1.);
                n->a3 = 0;
                n->a4 = 0;
                if (next_is_number(ps)) {
                    ps->i++;
                    if ((rc = pct(ps, &(n->a2), "loss gemodel r")))
                        return rc;
                    if (next_is_number(ps)) {
                        uint32_t one_minus_h;
                        ps->i++;
                        if ((rc = pct(ps, &(one_minus_h), "loss gemodel h")))
                            return rc;
                        n->a3 = UINT32_MAX - one_minus_h; /* the option is 1-h, the kernel h */
                        if (next_is_number(ps)) {
                            ps->i++;
                            if ((rc = pct(ps, &(n->a4), "loss gemodel k")))
                                return rc;
                        }
                    }
                }
            } else {
                return perr(ps, ps->i,
                            "Unknown loss parameter: %s (expected PERCENT, random, state or "
                            "gemodel)",
                            m);
            }
        } else if (matches(a, "ecn")) {
            ecn = 1;
        } else if (matches(a, "reorder")) {
            if ((rc = next_arg(ps)))
                return rc;
            reorder_given = 1;
            if ((rc = pct(ps, &(n->reorder), "reorder")))
                return rc;
            if (next_is_number(ps)) {
                ps->i++;
                if ((rc = pct(ps, &(n->reorder_corr), "reorder correlation")))
                    return rc;
            }
        } else if (matches(a, "corrupt")) {
            if ((rc = next_arg(ps)))
                return rc;
            if ((rc = pct(ps, &(n->corrupt), "corrupt")))
                return rc;
            if (next_is_number(ps)) {
                ps->i++;
                if ((rc = pct(ps, &(n->corrupt_corr), "corrupt correlation")))
                    return rc;
            }
        } else if (matches(a, "gap")) {
            if ((rc = next_arg(ps)))
                return rc;
            if (get_u32(&n->gap, cur(ps), 0))
                return perr(ps, ps->i, "Illegal \"gap\": \"%s\"", cur(ps));
        } else if (matches(a, "duplicate")) {
            if ((rc = next_arg(ps)))
                return rc;
            if ((rc = pct(ps, &(n->duplicate), "duplicate")))
                return rc;
            if (next_is_number(ps)) {
                ps->i++;
                if ((rc = pct(ps, &(n->dup_corr), "duplicate correlation")))
                    return rc;
            }
        } else if (matches(a, "distribution")) {
            if ((rc = next_arg(ps)))
                return rc;
            const char *dn = cur(ps);
            if (!strcmp(dn, "uniform"))
                n->dist = TXP_QDISC_DIST_UNIFORM;
            else if (!strcmp(dn, "normal"))
                n->dist = TXP_QDISC_DIST_NORMAL;
            else if (!strcmp(dn, "pareto"))
                n->dist = TXP_QDISC_DIST_PARETO;
            else if (!strcmp(dn, "paretonormal"))
                n->dist = TXP_QDISC_DIST_PARETONORMAL;
            else
                return perr(ps, ps->i,
                            "No distribution data for %s (built in: uniform, normal, pareto, "
                            "paretonormal)",
                            dn);
            dist_given = 1;
        } else if (matches(a, "rate")) {
            if ((rc = next_arg(ps)))
                return rc;
            if (strchr(cur(ps), '%'))
                return perr(ps, ps->i,
                            "Illegal \"rate\": \"%s\" (a percentage of the link speed "
                            "is not supported)",
                            cur(ps));
            if (get_rate64(&n->rate, cur(ps)))
                return perr(ps, ps->i, "Illegal \"rate\": \"%s\" (expected a rate: 1mbit)",
                            cur(ps));
            if (next_is_signed_number(ps)) {
                ps->i++;
                if (get_s32(&n->packet_overhead, cur(ps)))
                    return perr(ps, ps->i, "Illegal \"rate\" packet overhead \"%s\"", cur(ps));
            }
            if (next_is_number(ps)) {
                ps->i++;
                if (get_u32(&n->cell_size, cur(ps), 0))
                    return perr(ps, ps->i, "Illegal \"rate\" cell size \"%s\"", cur(ps));
            }
            if (next_is_signed_number(ps)) {
                ps->i++;
                if (get_s32(&n->cell_overhead, cur(ps)))
                    return perr(ps, ps->i, "Illegal \"rate\" cell overhead \"%s\"", cur(ps));
            }
        } else if (matches(a, "seed")) {
            if ((rc = next_arg(ps)))
                return rc;
            char *end;
            errno = 0;
            unsigned long long v = strtoull(cur(ps), &end, 10);
            if (!isdigit((unsigned char)cur(ps)[0]) || *end || errno)
                return perr(ps, ps->i, "Illegal \"seed\": \"%s\"", cur(ps));
            n->seed = v;
            n->has_seed = 1;
        } else if (matches(a, "slot")) {
            return perr(ps, at, "netem \"slot\" is not modelled by txpath");
        } else {
            return perr(ps, at,
                        "What is \"%s\"? (netem: limit, delay, distribution, loss, ecn, "
                        "duplicate, reorder, gap, corrupt, rate, seed)",
                        a);
        }
    }
    if (n->reorder) {
        if (n->latency_ns == 0)
            return perr(ps, ps->n, "reordering not possible without specifying some delay");
        if (n->gap == 0)
            n->gap = 1;
    } else if (n->gap > 0) {
        return perr(ps, ps->n, "gap specified without reorder probability");
    }
    (void)reorder_given;
    if (ecn) {
        if (n->loss == 0 && n->loss_model == TXP_QDISC_LOSS_RANDOM)
            return perr(ps, ps->n, "ecn requested without loss model");
        n->ecn = 1;
    }
    if (dist_given && (n->latency_ns == 0 || n->jitter_ns == 0))
        return perr(ps, ps->n, "distribution specified but no latency and jitter values");
    if (n->jitter_ns > INT32_MAX)
        n->jitter_ns = INT32_MAX; /* the kernel caps jitter for tabledist() */
    return TXP_OK;
}

static int
tokenize(struct parser *ps, const char *spec)
{
    const char *p = spec;
    ps->n = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (ps->n == MAX_TOK)
            return txp_diag_set(ps->d, 1, (uint32_t)(s - spec) + 1, "too many words (max %d)",
                                MAX_TOK);
        struct tok *t = &ps->t[ps->n++];
        t->s = s;
        t->len = (uint32_t)(p - s);
        t->col = (uint32_t)(s - spec) + 1;
        if (t->len >= sizeof t->buf)
            return txp_diag_set(ps->d, 1, t->col, "word too long (%u characters, max %zu)",
                                (unsigned)t->len, sizeof t->buf - 1);
        memcpy(t->buf, s, t->len);
        t->buf[t->len] = '\0';
    }
    return TXP_OK;
}

int
txp_qdisc_parse(const char *spec, struct txp_qdisc_conf *conf, char *dev_name, struct txp_diag *d)
{
    struct parser ps;
    memset(&ps, 0, sizeof ps);
    ps.d = d;
    if (!spec || !conf)
        return txp_diag_set(d, 1, 1, "no qdisc specification");
    int rc = tokenize(&ps, spec);
    if (rc)
        return rc;
    uint32_t handle = 0;
    ps.i = 0;
    if (ps.n && !strcmp(ps.t[0].buf, "tc")) {
        ps.i = 1;
        if (ps.i >= ps.n || !matches(ps.t[ps.i].buf, "qdisc"))
            return perr(&ps, ps.i, "expected \"qdisc\" after \"tc\"");
        ps.i++;
        if (ps.i >= ps.n ||
            !(matches(ps.t[ps.i].buf, "add") || matches(ps.t[ps.i].buf, "replace") ||
              matches(ps.t[ps.i].buf, "change")))
            return perr(&ps, ps.i, "expected add, replace or change after \"tc qdisc\"");
        ps.i++;
        for (;;) {
            if (ps.i >= ps.n)
                return perr(&ps, ps.i, "expected a qdisc kind");
            const char *w = ps.t[ps.i].buf;
            if (!strcmp(w, "dev")) {
                if (ps.i + 1 >= ps.n)
                    return perr(&ps, ps.n, "expected a device name after \"dev\"");
                if (ps.t[ps.i + 1].len > 15)
                    return perr(&ps, ps.i + 1, "device name \"%s\" longer than 15 characters",
                                ps.t[ps.i + 1].buf);
                if (dev_name)
                    memcpy(dev_name, ps.t[ps.i + 1].buf, ps.t[ps.i + 1].len + 1);
                ps.i += 2;
            } else if (!strcmp(w, "root")) {
                ps.i++;
            } else if (!strcmp(w, "parent") || !strcmp(w, "ingress") || !strcmp(w, "clsact")) {
                return perr(&ps, ps.i, "only root qdiscs are modelled (got \"%s\")", w);
            } else if (!strcmp(w, "handle")) {
                uint32_t maj;
                char *end;
                if (ps.i + 1 >= ps.n)
                    return perr(&ps, ps.n, "expected a handle after \"handle\"");
                const char *h = ps.t[ps.i + 1].buf;
                errno = 0;
                unsigned long v = strtoul(h, &end, 16);
                if (end == h || errno || v == 0 || v > 0xFFFF ||
                    !(*end == '\0' || (end[0] == ':' && end[1] == '\0')))
                    return perr(&ps, ps.i + 1, "Illegal \"handle\": \"%s\" (expected 1:..ffff:)",
                                h);
                maj = (uint32_t)v;
                handle = maj << 16;
                ps.i += 2;
            } else {
                break;
            }
        }
    }
    if (ps.i >= ps.n)
        return perr(&ps, ps.i,
                    "expected a qdisc kind (pfifo_fast, prio, pfifo, bfifo, noqueue, "
                    "netem)");
    const char *k = ps.t[ps.i].buf;
    uint32_t kind_at = ps.i;
    enum txp_qdisc_kind kind;
    if (!strcmp(k, "pfifo_fast"))
        kind = TXP_QDISC_PFIFO_FAST;
    else if (!strcmp(k, "prio"))
        kind = TXP_QDISC_PRIO;
    else if (!strcmp(k, "pfifo"))
        kind = TXP_QDISC_PFIFO;
    else if (!strcmp(k, "bfifo"))
        kind = TXP_QDISC_BFIFO;
    else if (!strcmp(k, "noqueue"))
        kind = TXP_QDISC_NOQUEUE;
    else if (!strcmp(k, "netem"))
        kind = TXP_QDISC_NETEM;
    else
        return perr(&ps, ps.i,
                    "Specified qdisc kind \"%s\" is unknown (expected pfifo_fast, prio, pfifo, "
                    "bfifo, noqueue or netem)",
                    k);
    struct txp_qdisc_conf c;
    txp_qdisc_conf_default(&c, kind);
    c.handle = handle;
    ps.kind = k;
    ps.i++;
    switch (kind) {
    case TXP_QDISC_PFIFO:
    case TXP_QDISC_BFIFO:
        rc = parse_fifo(&ps, &c);
        break;
    case TXP_QDISC_PRIO:
        rc = parse_prio(&ps, &c);
        break;
    case TXP_QDISC_NETEM:
        rc = parse_netem(&ps, &c);
        break;
    case TXP_QDISC_PFIFO_FAST:
    case TXP_QDISC_NOQUEUE:
        rc = ps.i < ps.n
                 ? perr(&ps, ps.i, "qdisc '%s' does not support option parsing", ps.t[kind_at].buf)
                 : TXP_OK;
        break;
    case TXP_QDISC_KIND__COUNT:
    default:
        rc = TXP_EINVAL;
        break;
    }
    if (rc)
        return rc;
    *conf = c;
    return TXP_OK;
}

/* ---- printing ---- */

int
txp_qdisc_format_time(int64_t ns, char *buf, size_t cap)
{
    double v = (double)ns;
    if (ns >= 1000000000)
        return snprintf(buf, cap, "%gs", v / 1e9);
    if (ns >= 1000000)
        return snprintf(buf, cap, "%gms", v / 1e6);
    if (ns >= 1000)
        return snprintf(buf, cap, "%gus", v / 1e3);
    return snprintf(buf, cap, "%lldns", (long long)ns);
}

int
txp_qdisc_format_rate(uint64_t bytes_per_s, char *buf, size_t cap)
{
    static const char *units[] = {"", "K", "M", "G", "T"};
    uint64_t rate = bytes_per_s * 8u;
    size_t i;
    for (i = 0; i < sizeof units / sizeof units[0] - 1; i++) {
        if (rate < 1000)
            break;
        if ((rate % 1000) != 0 && rate < 1000u * 1000u)
            break;
        rate /= 1000;
    }
    return snprintf(buf, cap, "%.0f%sbit", (double)rate, units[i]);
}

int
txp_qdisc_format_size(uint32_t sz, char *buf, size_t cap)
{
    double t = sz;
    if (sz >= 1024u * 1024u && fabs(1024 * 1024 * rint(t / (1024 * 1024)) - t) < 1024)
        return snprintf(buf, cap, "%gMb", rint(t / (1024 * 1024)));
    if (sz >= 1024 && fabs(1024 * rint(t / 1024) - t) < 16)
        return snprintf(buf, cap, "%gKb", rint(t / 1024));
    return snprintf(buf, cap, "%ub", (unsigned)sz);
}

int
txp_qdisc_format_percent(uint32_t p, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%g%%", 100. * (double)p / 4294967295.0);
}

int
txp_qdisc_format(const struct txp_qdisc *q, int with_dev, int stats, char *buf, size_t cap)
{
    char opts[512];
    q->ops->dump(q, opts, sizeof opts);
    char dev[48] = "";
    if (with_dev && q->dev.name)
        snprintf(dev, sizeof dev, "dev %s ", q->dev.name);
    int n = snprintf(buf, cap, "qdisc %s %x: %sroot refcnt %u %s", q->ops->id,
                     (unsigned)(q->handle >> 16), dev, (unsigned)(q->dev.num_tx_queues + 1), opts);
    if (n < 0 || !stats)
        return n;
    size_t used = (size_t)n < cap ? (size_t)n : cap;
    const struct txp_qdisc_stats *s = &q->stats;
    int k = snprintf(buf + used, cap - used,
                     "\n Sent %llu bytes %llu pkt (dropped %llu, overlimits %llu requeues %llu) "
                     "\n backlog %llub %up requeues %llu",
                     (unsigned long long)s->bytes, (unsigned long long)s->packets,
                     (unsigned long long)s->drops, (unsigned long long)s->overlimits,
                     (unsigned long long)s->requeues, (unsigned long long)s->backlog,
                     (unsigned)txp_qdisc_qlen(q), (unsigned long long)s->requeues);
    return k < 0 ? k : n + k;
}

const int16_t *
txp_qdisc_dist_table(enum txp_qdisc_dist dist, uint32_t *n)
{
    switch (dist) {
    case TXP_QDISC_DIST_NORMAL:
        *n = 4096;
        return txp_qdisc__dist_normal;
    case TXP_QDISC_DIST_PARETO:
        *n = 4096;
        return txp_qdisc__dist_pareto;
    case TXP_QDISC_DIST_PARETONORMAL:
        *n = 4096;
        return txp_qdisc__dist_paretonormal;
    case TXP_QDISC_DIST_UNIFORM:
    case TXP_QDISC_DIST_CUSTOM:
    default:
        *n = 0;
        return NULL;
    }
}

const char *
txp_qdisc_dist_name(enum txp_qdisc_dist dist)
{
    switch (dist) {
    case TXP_QDISC_DIST_UNIFORM:
        return "uniform";
    case TXP_QDISC_DIST_NORMAL:
        return "normal";
    case TXP_QDISC_DIST_PARETO:
        return "pareto";
    case TXP_QDISC_DIST_PARETONORMAL:
        return "paretonormal";
    case TXP_QDISC_DIST_CUSTOM:
        return "custom";
    default:
        return "?";
    }
}
