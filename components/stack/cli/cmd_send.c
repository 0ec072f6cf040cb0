/* SPDX-License-Identifier: MIT */
/*
 * `txpath send`: a transfer through the whole transmit pipeline (the project's main job).
 *
 *   txpath send [--host DIR] [--proto tcp|udp] [--to ADDR:PORT] [--bytes N | --file F]
 *               [--tos T] [--mark M] [--pcap OUT] [--tap STAGE=FILE]... [--seed S]
 *               [--trace] [--window BYTES] [--delay-us US] [--link-rate BPS] [--ring N]
 *               [--pmtudisc dont|want|do|probe] [--write-size N] [--peer ADDR]...
 *               [--drop-every N] [--no-close] [--deadline SEC] [--quiet] [--live IFNAME]
 *
 * Devices send at --link-rate (1 Gbit/s; 0 = instant). With no option: a 1 MiB TCP transfer from
 * the embedded default host (eth0 10.0.0.1/24, gateway 10.0.0.254) to 10.0.0.2:5001, the wire
 * written to send.pcap, the per-stage table printed. The far end is the peer model
 * (txp_stack_peer): it answers ARP for the route's next hop and the destination (or the --peer
 * addresses), ACKs TCP with --window, and reassembles UDP. Exit status: 0 complete with the
 * accounting invariant holding; 1 the transfer did not complete (unreachable, neighbour failure,
 * deadline: counters still add up); 2 usage or input error; 3 accounting broken. A host with
 * an iptables file also gets its ruleset printed with the counters the run advanced.
 */
#define _DEFAULT_SOURCE /* AF_PACKET, if_nametoindex, clock_gettime with C11 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "txpath/h_cli.h"
#include "txpath/h_pcap.h"
#include "txpath/ring.h"
#include "txpath/stack.h"

#define USAGE                                                                                      \
    "usage: txpath send [--host DIR] [--proto tcp|udp] [--to ADDR:PORT] [--bytes N | --file F]\n"  \
    "                   [--tos T] [--mark M] [--pcap OUT] [--tap STAGE=FILE]... [--seed S]\n"      \
    "                   [--trace] [--window BYTES] [--delay-us US] [--link-rate BPS] [--ring N]\n" \
    "                   [--pmtudisc dont|want|do|probe] [--write-size N] [--peer ADDR]...\n"       \
    "                   [--drop-every N] [--no-close] [--deadline SEC] [--quiet]\n"                \
    "                   [--live IFNAME]   (send on a real interface through AF_PACKET)\n"          \
    "stages for --tap: sock fib ip neigh qdisc ring (ipt_out ipt_post with iptables)\n"

/* A pcap writer as a link (the wire) or a tap. */
struct send_pcap {
    struct txp_stack_link link;
    struct txp_h_pcap_writer *w;
    uint64_t frames;
    int err;
};

struct send_tap {
    struct txp_stack_tap tap;
    struct txp_h_pcap_writer *w[TXP_STACK_ST__COUNT];
    int err;
};

struct send_trace {
    struct txp_stack_trace trace;
    uint64_t lines;
};

static void
wire_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct send_pcap *sp = (struct send_pcap *)(void *)self;
    (void)ifindex;
    sp->frames++;
    if (sp->w && txp_h_pcap_write(sp->w, ts, f, len) != TXP_OK)
        sp->err = 1;
}

static void
tap_fn(struct txp_stack_tap *self, enum txp_stack_stage_id stage, uint64_t ts, const uint8_t *d,
       uint32_t len, bool l2)
{
    struct send_tap *t = (struct send_tap *)(void *)self;
    (void)l2;
    if (t->w[stage] && txp_h_pcap_write(t->w[stage], ts, d, len) != TXP_OK)
        t->err = 1;
}

static void
trace_fn(struct txp_stack_trace *self, enum txp_stack_stage_id stage, uint64_t ts,
         const struct txp_pkt *p, const char *what)
{
    struct send_trace *t = (struct send_trace *)(void *)self;
    t->lines++;
    printf("%12.6f %-8s %-16s len %-5u dev %u prio %u\n", (double)ts / 1e9,
           txp_stack_stage_name(stage), what, p->len, p->meta.out_ifindex, p->meta.priority);
}

/* Live wire: frames leave through the ring's AF_PACKET backend on a real interface and arrive
 * on an AF_PACKET socket; the stack's clock is CLOCK_MONOTONIC since the start. */
struct send_live {
    struct txp_stack_link link;
    struct txp_ring_afpacket *afp;
    struct txp_stack_link *wire; /* the pcap of what was sent, or NULL */
    int fd;
    uint32_t ifindex;  /* the interface's kernel index */
    uint32_t stack_if; /* the device the stack sends it on */
    uint64_t t0;
};

static uint64_t
live_clock(const struct send_live *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - l->t0;
}

static void
live_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct send_live *l = (struct send_live *)(void *)self;
    struct txp_ring_backend *b = txp_ring_afpacket_backend(l->afp);
    (void)b->fn(b, ts, f, len);
    if (l->wire)
        l->wire->tx(l->wire, ifindex, ts, f, len);
}

static int
live_rx(struct txp_stack_link *self, uint64_t until, uint64_t *now, uint8_t *buf, uint32_t cap,
        uint32_t *len, uint32_t *ifindex)
{
    struct send_live *l = (struct send_live *)(void *)self;
    for (;;) {
        uint64_t t = live_clock(l);
        if (t >= until) {
            *now = t;
            return 0;
        }
        uint64_t wait_ms = (until - t + 999999u) / 1000000u;
        struct pollfd p = {l->fd, POLLIN, 0};
        int r = poll(&p, 1, wait_ms > 1000 ? 1000 : (int)wait_ms);
        if (r <= 0)
            continue;
        ssize_t n = recv(l->fd, buf, cap, 0);
        *now = live_clock(l);
        if (n >= 14) {
            *len = (uint32_t)n;
            *ifindex = l->stack_if;
            return 1;
        }
    }
}

static int
live_open(struct send_live *l, const char *ifname, uint32_t mtu)
{
    l->ifindex = if_nametoindex(ifname);
    if (l->ifindex == 0) {
        fprintf(stderr, "txpath send: --live %s: no such interface\n", ifname);
        return -1;
    }
    l->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (l->fd < 0) {
        fprintf(stderr, "txpath send: AF_PACKET socket: %s\n", strerror(errno));
        return -1;
    }
    int one = 1;
    (void)setsockopt(l->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)l->ifindex;
    if (bind(l->fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
        fprintf(stderr, "txpath send: bind to %s: %s\n", ifname, strerror(errno));
        return -1;
    }
    if (txp_ring_afpacket_open(ifname, mtu + 14u, NULL, &l->afp) != TXP_OK) {
        fprintf(stderr, "txpath send: cannot open the AF_PACKET TX ring on %s\n", ifname);
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    l->t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    l->link.tx = live_tx;
    l->link.rx = live_rx;
    return 0;
}

static void
progress(void *ctx, uint64_t done, uint64_t total, uint64_t now_ns)
{
    (void)ctx;
    fprintf(stderr, "\rtxpath send: %3u%% (%" PRIu64 " of %" PRIu64 " bytes) at %.3f ms",
            (unsigned)(done * 100u / (total ? total : 1)), done, total, (double)now_ns / 1e6);
    if (done >= total)
        fputc('\n', stderr);
}

static int
parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *s == '-')
        return -1;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end != '\0' || v > UINT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *g = realloc(b, cap * 2);
        if (g == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = g;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return b;
}

static void
print_table(const struct txp_stack *st, const struct txp_stack_totals *t, int acct)
{
    struct txp_stack_stage_stats s[TXP_STACK_ST__COUNT];
    txp_stack_stage_stats(st, s);
    printf("%-9s %10s %10s %10s %10s %8s\n", "stage", "in", "created", "out", "dropped", "held");
    for (int i = 0; i < TXP_STACK_ST__COUNT; i++) {
        if (s[i].name == NULL)
            continue;
        uint64_t held = s[i].in + s[i].created - s[i].out - s[i].dropped;
        printf("%-9s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64 "\n",
               s[i].name, s[i].in, s[i].created, s[i].out, s[i].dropped, held);
    }
    for (int i = 0; i < TXP_STACK_ST__COUNT; i++)
        for (int r = 0; r < TXP_DROP__COUNT; r++)
            if (s[i].name && s[i].drop_reason[r])
                printf("  drop %-8s %-20s %" PRIu64 "  (%s)\n", s[i].name,
                       txp_drop_name((enum txp_drop_reason)r), s[i].drop_reason[r],
                       txp_drop_desc((enum txp_drop_reason)r));
    printf("accounting: offered %" PRIu64 " = sent %" PRIu64 " + dropped %" PRIu64
           " + held %" PRIu64 "  %s\n",
           t->offered, t->sent, t->dropped, t->held, acct == TXP_OK ? "ok" : "BROKEN");
}

static int
cmd_send(int argc, char **argv)
{
    const char *hostdir = NULL, *file = NULL, *pcap = "send.pcap", *live_if = NULL;
    const char *taps[TXP_STACK_ST__COUNT] = {NULL};
    struct txp_stack_job job;
    struct txp_stack_peer_config pc;
    memset(&job, 0, sizeof job);
    memset(&pc, 0, sizeof pc);
    uint32_t daddr = 0x0A000002u;
    uint16_t dport = 5001;
    uint64_t bytes = 1024 * 1024, seed = 1, link_bps = 1000000000u, ring = 0, deadline_s = 60;
    int do_trace = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--trace")) {
            do_trace = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--no-close")) {
            job.no_close = true;
        } else if (v == NULL) {
            fprintf(stderr, "txpath send: %s needs a value (or is unknown)\n%s", a, USAGE);
            return 2;
        } else if (i++, !strcmp(a, "--host")) {
            hostdir = v;
        } else if (!strcmp(a, "--proto")) {
            if (!strcmp(v, "tcp"))
                job.proto = TXP_IPPROTO_TCP;
            else if (!strcmp(v, "udp"))
                job.proto = TXP_IPPROTO_UDP;
            else {
                fprintf(stderr, "txpath send: --proto %s: expected tcp or udp\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--to")) {
            char ip[64];
            unsigned port = 0;
            const char *colon = strrchr(v, ':');
            size_t l = colon ? (size_t)(colon - v) : strlen(v);
            if (l >= sizeof ip ||
                (colon && (sscanf(colon + 1, "%u", &port) != 1 || port == 0 || port > 65535))) {
                fprintf(stderr, "txpath send: --to %s: expected ADDR:PORT\n", v);
                return 2;
            }
            memcpy(ip, v, l);
            ip[l] = '\0';
            if (txp_ipv4_addr_parse(ip, &daddr) != TXP_OK) {
                fprintf(stderr, "txpath send: --to %s: '%s' is not an IPv4 address\n", v, ip);
                return 2;
            }
            if (colon)
                dport = (uint16_t)port;
        } else if (!strcmp(a, "--live")) {
            live_if = v;
        } else if (!strcmp(a, "--file")) {
            file = v;
        } else if (!strcmp(a, "--pcap")) {
            pcap = v;
        } else if (!strcmp(a, "--tap")) {
            const char *eq = strchr(v, '=');
            char name[32];
            int sid = -1;
            if (eq && (size_t)(eq - v) < sizeof name) {
                memcpy(name, v, (size_t)(eq - v));
                name[eq - v] = '\0';
                sid = txp_stack_stage_lookup(name);
            }
            if (sid < 0 || !txp_stack_stage_present((enum txp_stack_stage_id)sid) || !eq[1]) {
                fprintf(stderr, "txpath send: --tap %s: expected STAGE=FILE\n%s", v, USAGE);
                return 2;
            }
            taps[sid] = eq + 1;
        } else if (!strcmp(a, "--pmtudisc")) {
            static const char *const modes[] = {"dont", "want", "do", "probe"};
            for (int m = 0; m < 4; m++)
                if (!strcmp(v, modes[m]))
                    job.opt.pmtudisc = m + 1;
            if (job.opt.pmtudisc == 0) {
                fprintf(stderr, "txpath send: --pmtudisc %s: expected dont|want|do|probe\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--peer")) {
            if (pc.naddrs == 8 || txp_ipv4_addr_parse(v, &pc.addrs[pc.naddrs]) != TXP_OK) {
                fprintf(stderr, "txpath send: --peer %s: expected an IPv4 address (at most 8)\n",
                        v);
                return 2;
            }
            pc.naddrs++;
        } else if (parse_u64(v, &x) != 0) {
            fprintf(stderr, "txpath send: %s %s: expected a number\n%s", a, v, USAGE);
            return 2;
        } else if (!strcmp(a, "--bytes")) {
            bytes = x;
        } else if (!strcmp(a, "--tos") && x <= 255) {
            job.opt.tos = (uint8_t)x;
        } else if (!strcmp(a, "--mark") && x <= UINT32_MAX) {
            job.opt.mark = (uint32_t)x;
        } else if (!strcmp(a, "--seed")) {
            seed = x;
        } else if (!strcmp(a, "--window") && x > 0 && x <= (1u << 30)) {
            pc.window = (uint32_t)x;
        } else if (!strcmp(a, "--delay-us") && x > 0 && x <= 10000000u) {
            pc.delay_ns = x * 1000u;
        } else if (!strcmp(a, "--link-rate")) {
            link_bps = x;
        } else if (!strcmp(a, "--ring") && x >= 64 && x <= 4096) {
            ring = x;
        } else if (!strcmp(a, "--write-size") && x > 0 && x <= 65536) {
            job.write_size = (uint32_t)x;
        } else if (!strcmp(a, "--drop-every") && x <= UINT32_MAX) {
            pc.drop_every = (uint32_t)x;
        } else if (!strcmp(a, "--deadline") && x > 0 && x <= 86400) {
            deadline_s = x;
        } else {
            fprintf(stderr, "txpath send: unknown option or value out of range: %s %s\n%s", a, v,
                    USAGE);
            return 2;
        }
    }
    uint8_t *data = NULL;
    if (file) {
        size_t n = 0;
        data = read_file(file, &n);
        if (data == NULL) {
            fprintf(stderr, "txpath send: %s: %s\n", file, strerror(errno));
            return 2;
        }
        job.data = data;
        job.data_len = n;
    }
    job.bytes = bytes;
    job.daddr = daddr;
    job.dport = dport;
    job.deadline_ns = deadline_s * 1000000000ull;
    if (!quiet && !do_trace && isatty(2))
        job.progress = progress;

    int status = 2;
    struct txp_stack_host host;
    struct txp_diag d;
    char msg[600];
    txp_diag_init(&d, NULL);
    if (hostdir && txp_stack_host_read(hostdir, &host, &d) != TXP_OK) {
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath send: %s\n", msg);
        free(data);
        return 2;
    }
    struct send_pcap wire = {{wire_tx, NULL}, NULL, 0, 0};
    struct send_tap tp;
    struct send_trace tr = {{trace_fn}, 0};
    struct txp_stack_peer *peer = NULL;
    struct txp_stack *st = NULL;
    struct send_live live;
    memset(&live, 0, sizeof live);
    live.fd = -1;
    memset(&tp, 0, sizeof tp);
    tp.tap.fn = tap_fn;
    if (pcap && txp_h_pcap_create(pcap, TXP_LINK_ETH, &wire.w, &d) != TXP_OK)
        goto input_error;
    uint32_t mask = 0;
    for (int s = 0; s < TXP_STACK_ST__COUNT; s++) {
        if (taps[s] == NULL)
            continue;
        bool l2 = s >= TXP_STACK_ST_NEIGH;
        if (txp_h_pcap_create(taps[s], l2 ? TXP_LINK_ETH : TXP_LINK_RAW_IPV4, &tp.w[s], &d) !=
            TXP_OK)
            goto input_error;
        mask |= 1u << s;
    }
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = hostdir ? &host : NULL;
    cfg.seed = seed;
    cfg.link_bps = link_bps;
    cfg.ring_size = (uint32_t)ring;
    cfg.tap = mask ? &tp.tap : NULL;
    cfg.tap_mask = mask;
    cfg.trace = do_trace ? &tr.trace : NULL;
    int rc = txp_stack_create(&cfg, &st, &d);
    if (rc != TXP_OK)
        goto input_error;
    /* The peer answers for the route's next hop and the destination, on the route's device. */
    uint32_t gw = 0, oif = 0, src = 0;
    rc = txp_stack_route_get(st, daddr, job.opt.tos, job.opt.mark, &gw, &oif, &src);
    if (pc.naddrs == 0) {
        pc.addrs[pc.naddrs++] = daddr;
        if (gw)
            pc.addrs[pc.naddrs++] = gw;
    }
    pc.ifindex = oif ? oif : 2;
    txp_stack_destroy(st);
    st = NULL;
    if (live_if) {
        /* A real interface: frames leave through AF_PACKET, the real peer answers. */
        live.wire = pcap ? &wire.link : NULL;
        cfg.link = &live.link;
        cfg.link_bps = 0;
        rc = txp_stack_create(&cfg, &st, &d);
        if (rc != TXP_OK)
            goto input_error;
        live.stack_if = txp_stack_dev_index(st, live_if);
        uint32_t mtu = 1500;
        if (live.stack_if == 0 || txp_stack_dev_info(st, live.stack_if, NULL, &mtu) != TXP_OK) {
            fprintf(stderr, "txpath send: --live %s: the host has no such device\n", live_if);
            goto out;
        }
        if (live_open(&live, live_if, mtu) != 0)
            goto out;
    } else {
        if (txp_stack_peer_create(&pc, &peer) != TXP_OK) {
            fprintf(stderr, "txpath send: cannot create the peer model\n");
            goto out;
        }
        txp_stack_peer_chain(peer, &wire.link);
        cfg.link = txp_stack_peer_link(peer);
        rc = txp_stack_create(&cfg, &st, &d);
        if (rc != TXP_OK)
            goto input_error;
    }

    struct txp_stack_job_result res;
    rc = txp_stack_run_job(st, &job, &res);
    struct txp_stack_totals tot;
    int acct = txp_stack_totals(st, &tot);
    struct txp_stack_peer_stats ps;
    memset(&ps, 0, sizeof ps);
    if (peer)
        txp_stack_peer_stats(peer, &ps);
    double secs = (double)(res.end_ns - res.start_ns) / 1e9;
    char dst[16];
    txp_ipv4_addr_format(daddr, dst);
    printf("txpath send: %s to %s:%u, %" PRIu64 " bytes written, %" PRIu64 " %s, %s in %.6f s "
           "(%s)",
           job.proto == TXP_IPPROTO_UDP ? "udp" : "tcp", dst, dport, res.written,
           job.proto == TXP_IPPROTO_UDP && peer ? ps.udp_bytes : res.acked,
           job.proto != TXP_IPPROTO_UDP ? "acknowledged"
           : peer                       ? "received by the peer model"
                                        : "sent",
           res.complete ? "complete" : "INCOMPLETE", secs, live_if ? "wall clock" : "simulated");
    if (res.complete && secs > 0)
        printf(", %.1f Mbit/s", (double)res.written * 8 / secs / 1e6);
    printf("\n");
    if (!res.complete)
        printf("stopped: %s (%s)\n", res.why ? res.why : "?", txp_errname(res.err));
    print_table(st, &tot, acct);
    if (peer)
        printf("peer: %" PRIu64 " frames, %" PRIu64 " ARP requests, %" PRIu64
               " TCP segments (%" PRIu64 " bytes in order), %" PRIu64 " UDP datagrams, %" PRIu64
               " bad checksums\n",
               ps.frames, ps.arp_requests, ps.tcp_segs, ps.tcp_bytes_in_order, ps.udp_datagrams,
               ps.bad_csum);
    if (pcap)
        printf("wire: %" PRIu64 " frames, %" PRIu64 " bytes -> %s\n", wire.frames, tot.wire_bytes,
               pcap);
    if (live.afp) {
        uint64_t sent = 0, errors = 0;
        txp_ring_afpacket_counts(live.afp, &sent, &errors);
        printf("live: %" PRIu64 " frames sent on %s, %" PRIu64 " errors\n", sent, live_if, errors);
    }
    size_t ipt_len = txp_stack_iptables_save(st, true, NULL, 0);
    char *ipt_text = ipt_len ? malloc(ipt_len + 1) : NULL;
    if (ipt_text) {
        (void)txp_stack_iptables_save(st, true, ipt_text, ipt_len + 1);
        printf("iptables counters (iptables-save -c), %" PRIu64
               " arriving packets mapped back by NAT:\n%s",
               tot.rx_denat, ipt_text);
        free(ipt_text);
    }
    if (acct != TXP_OK || rc == TXP_ERANGE)
        status = 3;
    else
        status = res.complete && ps.bad_csum == 0 ? 0 : 1;
    goto out;

input_error:
    txp_diag_format(&d, msg, sizeof msg);
    fprintf(stderr, "txpath send: %s\n", msg);
    status = 2;
out:
    txp_stack_destroy(st);
    txp_stack_peer_destroy(peer);
    if (live.afp && txp_ring_afpacket_close(live.afp) != TXP_OK)
        status = status ? status : 2;
    if (live.fd >= 0)
        close(live.fd);
    if (txp_h_pcap_close(wire.w) != TXP_OK || wire.err)
        status = status ? status : 2;
    for (int s = 0; s < TXP_STACK_ST__COUNT; s++)
        if (txp_h_pcap_close(tp.w[s]) != TXP_OK)
            status = status ? status : 2;
    if (hostdir)
        txp_stack_host_free(&host);
    free(data);
    return status;
}

const struct txp_h_cli_command txp_h_cli_command_send = {
    "send",
    "send [--host DIR] [--proto tcp|udp] [--to ADDR:PORT] [--bytes N] ...: a transfer through\n"
    "the whole pipeline (default: 1 MiB TCP on the embedded host, wire in send.pcap)",
    cmd_send};
