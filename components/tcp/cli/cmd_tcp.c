/* SPDX-License-Identifier: MIT */
/*
 * `txpath tcp run CASE_DIR [--pcap OUT]`: replay a tcp timeline (case.json, layout in
 * pcaps/gen/tcp.py) on the component and print one line per packet sent:
 *
 *   <time us> <flags> seq=<rel> ack=<n> len=<payload> win=<field> id=<ip id> opts=<hex>
 *
 * seq is relative to the configured ISN; with --pcap the packets are also written (raw IPv4
 * link, nanosecond timestamps). The replay uses the component's golden driver, so the same
 * timeline gives the same packets as `txpath conform`.
 */
#include <stdio.h>
#include <string.h>

#include "txpath/h_cli.h"
#include "txpath/h_conform.h"
#include "txpath/h_pcap.h"
#include "txpath/tcp.h"

struct ct_emit {
    struct txp_h_emit emit;
    struct txp_h_pcap_writer *w;
    uint32_t isn;
    unsigned long n;
};

static int
ct_fn(struct txp_h_emit *self, uint64_t ts, const uint8_t *data, size_t len)
{
    struct ct_emit *e = TXP_CONTAINER_OF(self, struct ct_emit, emit);
    struct txp_ipv4_hdr ih;
    struct txp_tcp_hdr th;
    int ihl = txp_ipv4_parse(data, len, &ih, NULL);
    int thl = ihl > 0 ? txp_tcp_parse(data + ihl, len - (size_t)ihl, &th, NULL) : -1;
    static const char fl[] = "FSRPAUEC";

    if (thl < 0) {
        fprintf(stderr, "txpath tcp: emitted packet %lu does not parse\n", e->n);
        return TXP_EBADMSG;
    }
    char f[9];
    size_t k = 0;
    for (unsigned b = 0; b < 8; b++)
        if (th.flags & (1u << b))
            f[k++] = fl[b];
    f[k] = 0;
    printf("%llu.%03llu %s seq=%u ack=%u len=%zu win=%u id=%u opts=",
           (unsigned long long)(ts / 1000000u), (unsigned long long)(ts / 1000u % 1000u), f,
           th.seq - e->isn, th.ack_seq, len - (size_t)ihl - (size_t)thl, th.window, ih.id);
    for (unsigned i = 0; i < th.opt_len; i++)
        printf("%02x", th.opts[i]);
    printf("\n");
    e->n++;
    if (e->w)
        return txp_h_pcap_write(e->w, ts, data, len);
    return TXP_OK;
}

static int
run(int argc, char **argv)
{
    const char *dir = NULL, *pcap = NULL;
    struct txp_h_case c;
    struct txp_diag d;
    char msg[512];
    int rc;

    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: txpath tcp run CASE_DIR [--pcap OUT]\n");
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "usage: txpath tcp run CASE_DIR [--pcap OUT]\n");
        return 2;
    }
    dir = argv[2];
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--pcap") && i + 1 < argc) {
            pcap = argv[++i];
        } else {
            fprintf(stderr, "txpath tcp: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    const struct txp_h_conform_driver *drv = NULL;
    for (size_t i = 0; txp_h_conform_drivers[i]; i++)
        if (!strcmp(txp_h_conform_drivers[i]->component, "tcp"))
            drv = txp_h_conform_drivers[i];
    if (drv == NULL) {
        fprintf(stderr, "txpath tcp: the tcp driver is not built in\n");
        return 1;
    }
    txp_diag_init(&d, NULL);
    if (txp_h_case_load(dir, &c, &d) != TXP_OK) {
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath tcp: %s\n", msg);
        return 1;
    }
    struct ct_emit e = {{ct_fn}, NULL, 0, 0};
    const json_t *cfg = json_object_get(c.json, "config");
    const json_t *isn = cfg ? json_object_get(cfg, "isn") : NULL;
    e.isn = isn ? (uint32_t)json_integer_value(isn) : 0;
    if (pcap && txp_h_pcap_create_prec(pcap, TXP_LINK_RAW_IPV4, 1, &e.w, &d) != TXP_OK) {
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath tcp: %s\n", msg);
        txp_h_case_fini(&c);
        return 1;
    }
    txp_diag_init(&d, c.json_path);
    rc = drv->run(&c, &e.emit, &d);
    if (rc != TXP_OK) {
        txp_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "txpath tcp: %s\n", d.msg[0] ? msg : txp_strerror(rc));
    }
    if (e.w && txp_h_pcap_close(e.w) != TXP_OK && rc == TXP_OK)
        rc = TXP_EIO;
    txp_h_case_fini(&c);
    return rc == TXP_OK ? 0 : 1;
}

const struct txp_h_cli_command txp_h_cli_command_tcp = {
    "tcp",
    "tcp run CASE_DIR [--pcap OUT]: replay a TCP send-path timeline (pcaps/tcp/* layout) and\n"
    "print the packets sent (relative seq, flags, len, window, options)",
    run,
};
