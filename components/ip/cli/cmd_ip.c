/* SPDX-License-Identifier: MIT */
/*
 * `txpath ip`: the IPv4 output component from the command line.
 *
 *   txpath ip udp --out OUT.pcap [--send LEN[+]]... [--hex HEX[+]]... [socket/route options]
 *       One UDP socket sends each payload in order ("+" = MSG_MORE); send k of LEN bytes
 *       carries (7 * i + 13 * k + 1) & 0xFF. Every packet produced goes to OUT.pcap (raw
 *       IPv4, packet i at i ms); a failed send prints "send K: TXP_E..." and the run goes on.
 *   txpath ip fragment --pcap IN.pcap --out OUT.pcap --mtu N [--ignore-df]
 *       Fragment every IPv4 packet of IN.pcap (Ethernet or raw IPv4) at MTU N.
 *   txpath ip options HEX [--saddr A] [--daddr B] [--unprivileged]
 *       Compile IP_OPTIONS bytes as setsockopt does (as CAP_NET_RAW unless --unprivileged);
 *       print "ok HOP COMPILED-HEX" (the first hop and the padded, compiled bytes before
 *       output fills RR/TS/source-route slots) or "error NAME at OFFSET" (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cli.h"
#include "txpath/h_pcap.h"
#include "txpath/ip.h"

#define USAGE                                                                                      \
    "usage: txpath ip udp --out OUT.pcap [--send LEN[+]]... [--hex HEX[+]]...\n"                   \
    "                 [--saddr A] [--daddr B] [--sport N] [--dport N] [--mtu N] [--mtu-locked]\n"  \
    "                 [--hoplimit N] [--pmtudisc dont|want|do|probe] [--ttl N] [--mc-ttl N]\n"     \
    "                 [--tos N] [--options HEX] [--inet-id N] [--unconnected] [--no-check]\n"      \
    "                 [--now-ns N] [--id-policy linux|hash-always] [--seed N]\n"                   \
    "       txpath ip fragment --pcap IN.pcap --out OUT.pcap --mtu N [--ignore-df]\n"              \
    "       txpath ip options HEX [--saddr A] [--daddr B] [--unprivileged]\n"                      \
    "A send of LEN bytes carries (7*i + 13*k + 1) & 0xFF (k: the send's index); a trailing\n"      \
    "'+' sends it with MSG_MORE. Defaults: 10.200.0.1:40000 -> 10.200.0.2:9, MTU 1500, WANT,\n"    \
    "connected with inet_id 0.\n"

#define MAX_SENDS 256
#define MAX_PKTS 2048u

static int
num(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long x;

    errno = 0;
    x = strtoull(v, &end, 0);
    if (!*v || *v == '-' || *end || errno || x > max) {
        fprintf(stderr, "txpath ip: %s \"%s\": expected an integer 0..%llu\n", opt, v,
                (unsigned long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

static int
hexbytes(const char *opt, const char *v, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(v);

    if (n % 2 != 0 || n / 2 > cap)
        goto bad;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1 || !strchr("0123456789abcdefABCDEF", v[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", v[2 * i + 1]))
            goto bad;
        out[i] = (uint8_t)x;
    }
    *len = n / 2;
    return 0;
bad:
    fprintf(stderr,
            "txpath ip: %s \"%s\": expected an even number of hex digits (at most %zu "
            "bytes)\n",
            opt, v, cap);
    return -1;
}

static int
addr(const char *opt, const char *v, uint32_t *out)
{
    if (txp_ipv4_addr_parse(v, out) != TXP_OK) {
        fprintf(stderr, "txpath ip: %s \"%s\": expected a dotted-quad IPv4 address\n", opt, v);
        return -1;
    }
    return 0;
}

struct send {
    const char *hex; /* NULL: a pattern of len bytes */
    size_t len;
    int more;
};

struct udp_opts {
    struct txp_ip_sock_config c;
    struct txp_ip_route rt;
    struct txp_ip_ident_config ic;
    const char *out;
    uint8_t opts[64];
    size_t olen;
    uint64_t now_ns;
    struct send sends[MAX_SENDS];
    size_t nsends;
};

static int
pmtu_mode(const char *v, enum txp_ip_pmtudisc *m)
{
    static const char *const names[] = {"dont", "want", "do", "probe"};

    for (int i = 0; i < 4; i++)
        if (!strcmp(v, names[i])) {
            *m = (enum txp_ip_pmtudisc)i;
            return 0;
        }
    fprintf(stderr, "txpath ip: --pmtudisc \"%s\": expected dont, want, do or probe\n", v);
    return -1;
}

static int
add_send(struct udp_opts *o, const char *v, int is_hex)
{
    size_t n = strlen(v);
    struct send *s;
    uint64_t x;

    if (o->nsends == MAX_SENDS) {
        fprintf(stderr, "txpath ip: at most %d sends\n", MAX_SENDS);
        return -1;
    }
    s = &o->sends[o->nsends];
    s->more = n > 0 && v[n - 1] == '+';
    if (is_hex) {
        s->hex = v;
        s->len = n - (size_t)s->more;
    } else {
        char buf[32];
        if (n - (size_t)s->more >= sizeof buf) {
            fprintf(stderr, "txpath ip: --send \"%s\": expected LEN or LEN+\n", v);
            return -1;
        }
        memcpy(buf, v, n - (size_t)s->more);
        buf[n - (size_t)s->more] = '\0';
        if (num("--send", buf, TXP_IPV4_MAX_LEN, &x))
            return -1;
        s->hex = NULL;
        s->len = (size_t)x;
    }
    o->nsends++;
    return 0;
}

static int
udp_parse(int argc, char **argv, struct udp_opts *o)
{
    uint64_t x;

    memset(o, 0, sizeof(*o));
    txp_ip_sock_config_default(&o->c);
    o->c.saddr = 0x0AC80001u;
    o->c.daddr = 0x0AC80002u;
    o->c.sport = 40000;
    o->c.dport = 9;
    o->c.connected = true;
    o->rt.mtu = 1500;
    o->ic.policy = TXP_IP_ID_LINUX;
    o->ic.seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;

        if (!strcmp(a, "--mtu-locked")) {
            o->rt.mtu_locked = true;
            continue;
        }
        if (!strcmp(a, "--unconnected")) {
            o->c.connected = false;
            continue;
        }
        if (!strcmp(a, "--no-check")) {
            o->c.no_check = true;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "txpath ip: %s needs a value (or is unknown)\n%s", a, USAGE);
            return -1;
        }
        i++;
        if (!strcmp(a, "--out"))
            o->out = v;
        else if (!strcmp(a, "--send"))
            rc = add_send(o, v, 0);
        else if (!strcmp(a, "--hex"))
            rc = add_send(o, v, 1);
        else if (!strcmp(a, "--saddr"))
            rc = addr(a, v, &o->c.saddr);
        else if (!strcmp(a, "--daddr"))
            rc = addr(a, v, &o->c.daddr);
        else if (!strcmp(a, "--pmtudisc"))
            rc = pmtu_mode(v, &o->c.pmtudisc);
        else if (!strcmp(a, "--options"))
            rc = hexbytes(a, v, o->opts, sizeof o->opts, &o->olen);
        else if (!strcmp(a, "--now-ns"))
            rc = num(a, v, UINT64_MAX, &o->now_ns);
        else if (!strcmp(a, "--seed"))
            rc = num(a, v, UINT64_MAX, &o->ic.seed);
        else if (!strcmp(a, "--id-policy")) {
            if (!strcmp(v, "linux"))
                o->ic.policy = TXP_IP_ID_LINUX;
            else if (!strcmp(v, "hash-always"))
                o->ic.policy = TXP_IP_ID_HASH_ALWAYS;
            else {
                fprintf(stderr, "txpath ip: --id-policy \"%s\": linux or hash-always\n", v);
                rc = -1;
            }
        } else if (!strcmp(a, "--ttl") || !strcmp(a, "--mc-ttl")) {
            rc = num(a, v, 255, &x);
            if (!rc && !strcmp(a, "--ttl"))
                o->c.ttl = (int)x;
            else if (!rc)
                o->c.mc_ttl = (int)x;
        } else {
            static const char *const nk[] = {"--sport",    "--dport", "--mtu",
                                             "--hoplimit", "--tos",   "--inet-id"};
            static const uint64_t max[] = {65535, 65535, 65535, 255, 255, 65535};
            size_t k;
            for (k = 0; k < 6 && strcmp(a, nk[k]); k++)
                ;
            if (k == 6) {
                fprintf(stderr, "txpath ip: unknown option %s\n%s", a, USAGE);
                return -1;
            }
            rc = num(a, v, max[k], &x);
            if (rc == 0) {
                if (k == 0)
                    o->c.sport = (uint16_t)x;
                else if (k == 1)
                    o->c.dport = (uint16_t)x;
                else if (k == 2)
                    o->rt.mtu = (uint32_t)x;
                else if (k == 3)
                    o->rt.hoplimit = (uint8_t)x;
                else if (k == 4)
                    o->c.tos = (uint8_t)x;
                else
                    o->c.inet_id = (uint16_t)x;
            }
        }
        if (rc)
            return -1;
    }
    if (o->out == NULL) {
        fprintf(stderr, "txpath ip udp: --out OUT.pcap is required\n%s", USAGE);
        return -1;
    }
    return 0;
}

static int
write_out(struct txp_h_pcap_writer *w, struct txp_ip_out *out, uint64_t *index)
{
    int rc = TXP_OK;

    for (size_t i = 0; i < out->n; i++) {
        if (rc == TXP_OK)
            rc = txp_h_pcap_write(w, *index * 1000000u, txp_pkt_data(out->pkts[i]),
                                  out->pkts[i]->len);
        (*index)++;
        txp_pkt_free(out->pkts[i]);
    }
    out->n = 0;
    return rc;
}

/* Resources of one run, released together. */
struct run {
    struct txp_pkt_pool *pool;
    struct txp_pkt **pkts;
    uint8_t *buf;
    struct txp_h_pcap_writer *w;
};

static int
run_open(struct run *r, const char *out, uint32_t mtu)
{
    struct txp_pkt_pool_config pc = {MAX_PKTS, TXP_PKT_MAX_BUF};
    struct txp_diag d;

    memset(r, 0, sizeof(*r));
    if (mtu + TXP_PKT_HEADROOM <= 2048)
        pc.buf_size = 2048;
    else
        pc.count = 64;
    txp_diag_init(&d, out);
    r->pkts = calloc(MAX_PKTS, sizeof *r->pkts);
    r->buf = malloc(TXP_IPV4_MAX_LEN + 1);
    if (r->pkts == NULL || r->buf == NULL || txp_pkt_pool_create(&pc, NULL, &r->pool) != TXP_OK) {
        fprintf(stderr, "txpath ip: out of memory\n");
        return -1;
    }
    if (txp_h_pcap_create(out, TXP_LINK_RAW_IPV4, &r->w, &d) != TXP_OK) {
        fprintf(stderr, "txpath ip: %s: %s\n", out, d.msg);
        return -1;
    }
    return 0;
}

static int
run_close(struct run *r, int rc)
{
    if (r->w != NULL && txp_h_pcap_close(r->w) != TXP_OK && rc == 0) {
        fprintf(stderr, "txpath ip: cannot write the output pcap\n");
        rc = 1;
    }
    txp_pkt_pool_destroy(r->pool);
    free(r->pkts);
    free(r->buf);
    return rc;
}

static int
cmd_udp(int argc, char **argv)
{
    struct udp_opts *o = malloc(sizeof(*o));
    struct txp_ip_ident *ids = NULL;
    struct txp_ip_sock *s = NULL;
    struct txp_ip_opt_diag od;
    struct txp_ip_out out;
    struct run r;
    uint64_t index = 0;
    int rc = 1;

    if (o == NULL || udp_parse(argc, argv, o) != 0) {
        free(o);
        return 2;
    }
    if (run_open(&r, o->out, o->rt.mtu) != 0)
        goto done;
    if (txp_ip_ident_create(&o->ic, NULL, &ids) != TXP_OK ||
        txp_ip_sock_create(&o->c, ids, NULL, &s) != TXP_OK) {
        fprintf(stderr, "txpath ip udp: invalid socket parameters (TTL, mode)\n");
        goto done;
    }
    if (o->olen > 0 && txp_ip_sock_set_options(s, o->opts, o->olen, TXP_IP_OPT_F_RAW, &od) != 0) {
        fprintf(stderr, "txpath ip udp: --options: %s at byte %u\n", txp_ip_opt_errname(od.err),
                (unsigned)od.offset);
        goto done;
    }
    out.pool = r.pool;
    out.pkts = r.pkts;
    out.cap = MAX_PKTS;
    for (size_t k = 0; k < o->nsends; k++) {
        const struct send *sd = &o->sends[k];
        size_t n = sd->len;
        int e;

        if (sd->hex != NULL) {
            char tmp[2 * TXP_IPV4_MAX_LEN + 2];
            if (sd->len >= sizeof tmp)
                goto done;
            memcpy(tmp, sd->hex, sd->len);
            tmp[sd->len] = '\0';
            if (hexbytes("--hex", tmp, r.buf, TXP_IPV4_MAX_LEN, &n))
                goto done;
        } else {
            for (size_t i = 0; i < n; i++)
                r.buf[i] = (uint8_t)(7 * i + 13 * k + 1);
        }
        e = txp_ip_udp_sendmsg(s, &o->rt, r.buf, n, sd->more ? TXP_IP_MSG_MORE : 0u, o->now_ns,
                               &out);
        if (e != TXP_OK)
            printf("send %zu: %s\n", k, txp_errname(e));
        if (write_out(r.w, &out, &index) != TXP_OK) {
            fprintf(stderr, "txpath ip udp: cannot write %s\n", o->out);
            goto done;
        }
    }
    rc = 0;
done:
    txp_ip_sock_destroy(s);
    txp_ip_ident_destroy(ids);
    rc = run_close(&r, rc);
    free(o);
    return rc;
}

static int
cmd_fragment(int argc, char **argv)
{
    const char *in = NULL, *outp = NULL;
    uint64_t mtu = 0;
    unsigned flags = 0;
    struct txp_h_pcap_file *f = NULL;
    struct txp_diag d;
    struct txp_ip_out out;
    struct run r;
    uint64_t index = 0;
    int rc = 1;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--ignore-df")) {
            flags |= TXP_IP_FRAG_IGNORE_DF;
        } else if (i + 1 < argc && !strcmp(argv[i], "--pcap")) {
            in = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--out")) {
            outp = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--mtu")) {
            if (num("--mtu", argv[++i], 65535, &mtu))
                return 2;
        } else {
            fprintf(stderr, "txpath ip: unknown option %s\n%s", argv[i], USAGE);
            return 2;
        }
    }
    if (in == NULL || outp == NULL || mtu == 0) {
        fprintf(stderr, "txpath ip fragment: --pcap, --out and --mtu are required\n%s", USAGE);
        return 2;
    }
    txp_diag_init(&d, in);
    if (txp_h_pcap_load(in, &f, &d) != TXP_OK) {
        fprintf(stderr, "txpath ip fragment: %s: %s\n", in, d.msg);
        return 1;
    }
    if (run_open(&r, outp, (uint32_t)mtu) != 0)
        goto done;
    out.pool = r.pool;
    out.pkts = r.pkts;
    out.cap = MAX_PKTS;
    for (uint32_t i = 0; i < f->count; i++) {
        const uint8_t *p = f->recs[i].data;
        size_t len = f->recs[i].caplen;
        int e;

        if (f->link == TXP_LINK_ETH) {
            if (len < 14 || p[12] != 0x08 || p[13] != 0x00) {
                printf("packet %u: not IPv4, skipped\n", i);
                continue;
            }
            p += 14;
            len -= 14;
        }
        e = txp_ip_fragment(p, len, (uint32_t)mtu, flags, &out);
        if (e != TXP_OK)
            printf("packet %u: %s\n", i, txp_errname(e));
        if (write_out(r.w, &out, &index) != TXP_OK)
            goto done;
    }
    rc = 0;
done:
    txp_h_pcap_file_free(f);
    return run_close(&r, rc);
}

static int
cmd_options(int argc, char **argv)
{
    uint8_t raw[64];
    size_t len;
    uint32_t saddr = 0x0AC80001u, daddr = 0x0AC80002u;
    unsigned flags = TXP_IP_OPT_F_RAW;
    struct txp_ip_options o;
    struct txp_ip_opt_diag d;
    char hop[16];

    if (argc < 3) {
        fprintf(stderr, "%s", USAGE);
        return 2;
    }
    /* argv: ip options HEX [...] */
    if (hexbytes("options", argv[2], raw, sizeof raw, &len))
        return 2;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--unprivileged"))
            flags = 0;
        else if (i + 1 < argc && !strcmp(argv[i], "--saddr")) {
            if (addr("--saddr", argv[++i], &saddr))
                return 2;
        } else if (i + 1 < argc && !strcmp(argv[i], "--daddr")) {
            if (addr("--daddr", argv[++i], &daddr))
                return 2;
        } else {
            fprintf(stderr, "txpath ip: unknown option %s\n%s", argv[i], USAGE);
            return 2;
        }
    }
    if (txp_ip_options_compile(raw, len, saddr, flags, &o, &d) != TXP_OK) {
        printf("error %s at %u\n", txp_ip_opt_errname(d.err), (unsigned)d.offset);
        return 1;
    }
    txp_ipv4_addr_format(o.srr != 0xFF ? o.faddr : daddr, hop);
    printf("ok %s ", hop);
    for (size_t i = 0; i < o.len; i++)
        printf("%02x", o.data[i]);
    printf("\n");
    return 0;
}

static int
cmd_ip(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "udp"))
        return cmd_udp(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "fragment"))
        return cmd_fragment(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "options"))
        return cmd_options(argc, argv);
    fprintf(stderr, "%s", USAGE);
    return 2;
}

const struct txp_h_cli_command txp_h_cli_command_ip = {
    .name = "ip",
    .summary = "IPv4 output: UDP datagrams to a pcap (header, ID, options, fragments),\n"
               "fragment a pcap at an MTU, compile IP_OPTIONS",
    .run = cmd_ip,
};
