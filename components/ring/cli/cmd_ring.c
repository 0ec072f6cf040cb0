/* SPDX-License-Identifier: MIT */
/*
 * txpath ring: push the frames of a pcap file through the qdisc_run model and the TX ring, and
 * out of the device model into a backend:
 *
 *   txpath ring send --if IFACE [--size N] [--mtu M] IN.pcap    AF_PACKET PACKET_TX_RING
 *   txpath ring pcap --out OUT.pcap [--size N] [--mtu M] [--rate BPS] IN.pcap
 *
 * Every input frame is queued at time 0; the loop then runs device, clean and the scheduled
 * qdisc run on the injected clock in 1 microsecond ticks until all frames are out. The input
 * frames are sent as they are, padded to 60 bytes when shorter. Prints one summary line.
 * Exit status: 0 all frames sent, 1 some failed, 2 usage or input error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cli.h"
#include "txpath/h_pcap.h"
#include "txpath/ring.h"

#define CMD_TICK_NS 1000u
#define CMD_MAX_TICKS 100000000u

struct cmd_src {
    struct txp_ring_src src;
    struct txp_pkt *pkts;
    uint32_t n, head;
    uint32_t done;
};

static struct txp_pkt *
cmd_dequeue(struct txp_ring_src *self, uint64_t now_ns)
{
    struct cmd_src *c = TXP_CONTAINER_OF(self, struct cmd_src, src);
    (void)now_ns;
    return c->head < c->n ? &c->pkts[c->head++] : NULL;
}

static void
cmd_requeue(struct txp_ring_src *self, struct txp_pkt *p)
{
    struct cmd_src *c = TXP_CONTAINER_OF(self, struct cmd_src, src);
    (void)p;
    c->head--;
}

struct cmd_done {
    struct txp_ring_done_cb cb;
    uint32_t n;
};

static void
cmd_done_fn(struct txp_ring_done_cb *self, struct txp_pkt *p, uint64_t now_ns)
{
    (void)p;
    (void)now_ns;
    TXP_CONTAINER_OF(self, struct cmd_done, cb)->n++;
}

static int
cmd_usage(void)
{
    fputs("usage: txpath ring send --if IFACE [--size N] [--mtu M] IN.pcap\n"
          "       txpath ring pcap --out OUT.pcap [--size N] [--mtu M] [--rate BPS] IN.pcap\n",
          stderr);
    return 2;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: 1 matched, 0 not this option, -1 no value. */
static int
cmd_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *val = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *i += 1;
    *val = argv[*i];
    return 1;
}

static int
cmd_num(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int
cmd_ring(int argc, char **argv)
{
    if (argc < 2)
        return cmd_usage();
    bool afp = strcmp(argv[1], "send") == 0;
    if (!afp && strcmp(argv[1], "pcap") != 0)
        return cmd_usage();
    const char *ifname = NULL, *out = NULL, *in = NULL, *v;
    uint64_t size = TXP_RING_DEFAULT_SIZE, mtu = TXP_RING_DEFAULT_MTU, rate = 0;
    for (int i = 2; i < argc; i++) {
        int r;
        if ((r = cmd_opt(argc, argv, &i, "--if", &v)) != 0) {
            if (r < 0)
                return cmd_usage();
            ifname = v;
        } else if ((r = cmd_opt(argc, argv, &i, "--out", &v)) != 0) {
            if (r < 0)
                return cmd_usage();
            out = v;
        } else if ((r = cmd_opt(argc, argv, &i, "--size", &v)) != 0) {
            if (r < 0 || cmd_num(v, TXP_RING_MAX_SIZE, &size) != 0)
                return cmd_usage();
        } else if ((r = cmd_opt(argc, argv, &i, "--mtu", &v)) != 0) {
            if (r < 0 || cmd_num(v, TXP_RING_MAX_MTU, &mtu) != 0)
                return cmd_usage();
        } else if ((r = cmd_opt(argc, argv, &i, "--rate", &v)) != 0) {
            if (r < 0 || cmd_num(v, UINT64_C(1) << 40, &rate) != 0)
                return cmd_usage();
        } else if (argv[i][0] != '-' && !in)
            in = argv[i];
        else
            return cmd_usage();
    }
    if (!in || (afp && !ifname) || (!afp && !out))
        return cmd_usage();

    struct txp_diag d;
    txp_diag_init(&d, in);
    struct txp_h_pcap_file *f = NULL;
    int rc = txp_h_pcap_load(in, &f, &d);
    if (rc != TXP_OK) {
        char msg[512];
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath ring: %s\n", msg);
        return 2;
    }
    struct cmd_src src = {.src = {.dequeue = cmd_dequeue, .requeue = cmd_requeue}};
    src.pkts = calloc(f->count ? f->count : 1, sizeof *src.pkts);
    uint8_t **bufs = calloc(f->count ? f->count : 1, sizeof *bufs);
    int status = 0;
    if (!src.pkts || !bufs) {
        fputs("txpath ring: out of memory\n", stderr);
        status = 2;
    }
    for (uint32_t i = 0; status == 0 && i < f->count; i++) {
        const struct txp_h_pcap_rec *rec = &f->recs[i];
        if (rec->caplen != rec->origlen || rec->caplen == 0 || rec->caplen > mtu + 14u) {
            fprintf(stderr, "txpath ring: %s: record %u: %u bytes (captured %u), need 1..%u\n", in,
                    i, rec->origlen, rec->caplen, (unsigned)(mtu + 14u));
            status = 2;
            break;
        }
        bufs[i] = malloc(rec->caplen + TXP_RING_MIN_FRAME);
        if (!bufs[i] ||
            txp_pkt_init(&src.pkts[i], bufs[i], rec->caplen + TXP_RING_MIN_FRAME, 0) != TXP_OK ||
            txp_pkt_append(&src.pkts[i], rec->data, rec->caplen) != TXP_OK) {
            status = 2;
            break;
        }
        src.n++;
    }

    struct txp_ring_pcap *pw = NULL;
    struct txp_ring_afpacket *aw = NULL;
    struct txp_ring *ring = NULL;
    struct cmd_done done = {.cb = {.fn = cmd_done_fn}};
    struct txp_ring_config cfg = {0};
    cfg.size = (uint32_t)size;
    cfg.mtu = (uint32_t)mtu;
    cfg.link_bps = rate;
    cfg.done = &done.cb;
    if (status == 0) {
        rc = afp ? txp_ring_afpacket_open(ifname, (uint32_t)mtu + 14u, NULL, &aw)
                 : txp_ring_pcap_open(out, NULL, &pw);
        if (rc != TXP_OK) {
            fprintf(stderr, "txpath ring: %s: %s\n", afp ? ifname : out, txp_strerror(rc));
            status = 2;
        } else {
            cfg.backend = afp ? txp_ring_afpacket_backend(aw) : txp_ring_pcap_backend(pw);
        }
    }
    if (status == 0 && txp_ring_create(&cfg, NULL, &ring) != TXP_OK) {
        fputs("txpath ring: bad ring size or mtu\n", stderr);
        status = 2;
    }
    uint64_t now = 0;
    if (status == 0) {
        txp_ring_qdisc_run(ring, &src.src, now, NULL);
        for (uint32_t k = 0; k < CMD_MAX_TICKS && done.n < src.n; k++) {
            now += CMD_TICK_NS;
            txp_ring_dev_run(ring, now, 0);
            txp_ring_clean(ring, now);
            txp_ring_tx_action(ring, &src.src, now, NULL);
        }
        struct txp_ring_stats st;
        txp_ring_stats(ring, &st);
        uint64_t sent = st.dev_frames, errors = st.backend_errors;
        if (aw)
            txp_ring_afpacket_counts(aw, &sent, &errors);
        printf("ring: %u frames in, %llu out, %llu backend errors, %llu stops, %llu wakes, "
               "last at %llu ns\n",
               src.n, (unsigned long long)sent, (unsigned long long)errors,
               (unsigned long long)st.stops, (unsigned long long)st.wakes, (unsigned long long)now);
        if (sent != src.n || errors)
            status = 1;
    }
    txp_ring_destroy(ring);
    if (txp_ring_pcap_close(pw) != TXP_OK || txp_ring_afpacket_close(aw) != TXP_OK)
        status = status ? status : 1;
    for (uint32_t i = 0; bufs && i < f->count; i++)
        free(bufs[i]);
    free(bufs);
    free(src.pkts);
    txp_h_pcap_file_free(f);
    return status;
}

const struct txp_h_cli_command txp_h_cli_command_ring = {
    "ring",
    "ring send --if IFACE | pcap --out FILE [--size N] [--mtu M] [--rate BPS] IN.pcap:\n"
    "  frames through the qdisc model and TX ring to AF_PACKET or a pcap file",
    cmd_ring};
