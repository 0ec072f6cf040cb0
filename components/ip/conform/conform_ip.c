/* SPDX-License-Identifier: MIT */
/*
 * Golden driver for components/ip: reads case.json (layout in pcaps/gen/ip.py) and either
 * runs a UDP socket through its sends ("mode": "udp": socket options, route, IP_OPTIONS,
 * MSG_MORE, expected per-send errors) or fragments one datagram ("mode": "fragment"), and
 * emits every packet produced, packet i at i ms, as raw IPv4.
 */
#include <stdlib.h>
#include <string.h>

#include "txpath/h_conform.h"
#include "txpath/ip.h"

#define IC_MAX_PKTS 1500u

struct ic_ctx {
    struct txp_h_emit *emit;
    struct txp_pkt_pool *pool;
    struct txp_pkt **pkts;
    uint8_t *data; /* TXP_IPV4_MAX_LEN + 1 bytes: a datagram or a send's payload */
    uint64_t index;
};

static int
ic_flush(struct ic_ctx *x, struct txp_ip_out *out)
{
    int rc = TXP_OK;

    for (size_t i = 0; i < out->n; i++) {
        if (rc == TXP_OK)
            rc = x->emit->fn(x->emit, x->index * 1000000u, txp_pkt_data(out->pkts[i]),
                             out->pkts[i]->len);
        x->index++;
        txp_pkt_free(out->pkts[i]);
    }
    out->n = 0;
    return rc;
}

static int
ic_fragment(const json_t *root, struct ic_ctx *x, struct txp_diag *d)
{
    uint8_t *dgram = x->data;
    struct txp_ip_out out = {x->pool, x->pkts, IC_MAX_PKTS, 0};
    int64_t mtu, ign;
    size_t len;
    int rc;

    if ((rc = txp_h_json_hex(root, "", "input", 1, dgram, TXP_IPV4_MAX_LEN, &len, d)) < 0 ||
        (rc = txp_h_json_int(root, "", "mtu", 0, 70000, 1, 0, &mtu, d)) < 0 ||
        (rc = txp_h_json_int(root, "", "ignore_df", 0, 1, 0, 0, &ign, d)) < 0)
        return rc;
    rc = txp_ip_fragment(dgram, len, (uint32_t)mtu, ign ? TXP_IP_FRAG_IGNORE_DF : 0u, &out);
    if (rc != TXP_OK)
        return txp_diag_set(d, 0, 0, "fragment: %s", txp_errname(rc));
    return ic_flush(x, &out);
}

static int
ic_udp(const json_t *root, struct ic_ctx *x, struct txp_diag *d)
{
    uint8_t *data = x->data;
    struct txp_ip_ident_config ic = {0, TXP_IP_ID_LINUX, 1};
    struct txp_ip_sock_config c;
    struct txp_ip_route rt;
    struct txp_ip_ident *ids = NULL;
    struct txp_ip_sock *s = NULL;
    struct txp_ip_opt_diag od;
    struct txp_ip_out out = {x->pool, x->pkts, IC_MAX_PKTS, 0};
    const json_t *sends = json_object_get(root, "sends");
    uint8_t opts[64];
    size_t olen = 0;
    int64_t v[12], now;
    static const char *const keys[] = {"sport",    "dport",     "mtu",    "mtu_locked",
                                       "hoplimit", "pmtudisc",  "ttl",    "mc_ttl",
                                       "tos",      "connected", "inet_id"};
    static const int64_t lo[] = {0, 0, 0, 0, 0, 0, -1, -1, 0, 0, 0};
    static const int64_t hi[] = {65535, 65535, 70000, 1, 255, 3, 255, 255, 255, 1, 65535};
    int rc;

    txp_ip_sock_config_default(&c);
    if ((rc = txp_h_json_ipv4(root, "", "saddr", 1, 0, &c.saddr, d)) < 0 ||
        (rc = txp_h_json_ipv4(root, "", "daddr", 1, 0, &c.daddr, d)) < 0 ||
        (rc = txp_h_json_hex(root, "", "options", 0, opts, sizeof opts, &olen, d)) < 0 ||
        (rc = txp_h_json_int(root, "", "now_ns", 0, INT64_MAX, 0, 0, &now, d)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if ((rc = txp_h_json_int(root, "", keys[i], lo[i], hi[i], 1, 0, &v[i], d)) < 0)
            return rc;
    if (!json_is_array(sends))
        return txp_diag_set(d, 0, 0, "sends: expected an array, got %s",
                            sends ? txp_h_json_type_name(sends) : "nothing (missing)");
    c.sport = (uint16_t)v[0];
    c.dport = (uint16_t)v[1];
    rt.mtu = (uint32_t)v[2];
    rt.mtu_locked = v[3] != 0;
    rt.hoplimit = (uint8_t)v[4];
    c.pmtudisc = (enum txp_ip_pmtudisc)v[5];
    c.ttl = (int)v[6];
    c.mc_ttl = (int)v[7];
    c.tos = (uint8_t)v[8];
    c.connected = v[9] != 0;
    c.inet_id = (uint16_t)v[10];
    if ((rc = txp_ip_ident_create(&ic, NULL, &ids)) != TXP_OK)
        return txp_diag_set(d, 0, 0, "ident: %s", txp_errname(rc));
    if ((rc = txp_ip_sock_create(&c, ids, NULL, &s)) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "socket: %s", txp_errname(rc));
        goto out;
    }
    if (olen > 0 && txp_ip_sock_set_options(s, opts, olen, 0, &od) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "options: %s at byte %u", txp_ip_opt_errname(od.err),
                          (unsigned)od.offset);
        goto out;
    }
    for (size_t k = 0; k < json_array_size(sends); k++) {
        const json_t *o = json_array_get(sends, k);
        const json_t *want = json_object_get(o, "rc");
        char path[32];
        int64_t len, more;
        size_t n;

        snprintf(path, sizeof path, "sends[%zu]", k);
        if (!json_is_object(o)) {
            rc = txp_diag_set(d, 0, 0, "%s: expected an object", path);
            goto out;
        }
        if (json_object_get(o, "hex") != NULL) {
            if ((rc = txp_h_json_hex(o, path, "hex", 1, data, TXP_IPV4_MAX_LEN, &n, d)) < 0)
                goto out;
        } else {
            if ((rc = txp_h_json_int(o, path, "len", 0, TXP_IPV4_MAX_LEN, 1, 0, &len, d)) < 0)
                goto out;
            n = (size_t)len;
            for (size_t i = 0; i < n; i++)
                data[i] = (uint8_t)(7 * i + 13 * k + 1);
        }
        if ((rc = txp_h_json_int(o, path, "more", 0, 1, 0, 0, &more, d)) < 0)
            goto out;
        rc = txp_ip_udp_sendmsg(s, &rt, data, n, more ? TXP_IP_MSG_MORE : 0u, (uint64_t)now, &out);
        if (want != NULL &&
            (!json_is_string(want) || strcmp(json_string_value(want), txp_errname(rc)) != 0)) {
            rc =
                txp_diag_set(d, 0, 0, "%s: expected %s, got %s", path,
                             json_is_string(want) ? json_string_value(want) : "?", txp_errname(rc));
            goto out;
        }
        if (want == NULL && rc != TXP_OK) {
            rc = txp_diag_set(d, 0, 0, "%s: send failed: %s", path, txp_errname(rc));
            goto out;
        }
        if ((rc = ic_flush(x, &out)) != TXP_OK)
            goto out;
    }
    rc = TXP_OK;
out:
    txp_ip_sock_destroy(s);
    txp_ip_ident_destroy(ids);
    return rc;
}

static int
ic_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *mode = json_object_get(c->json, "mode");
    struct txp_pkt_pool_config pc = {IC_MAX_PKTS, TXP_PKT_MAX_BUF};
    struct ic_ctx x = {emit, NULL, NULL, NULL, 0};
    int rc;

    if (!json_is_string(mode))
        return txp_diag_set(d, 0, 0, "mode: expected \"udp\" or \"fragment\"");
    /* Fragments at MTU 68 of a 64 KiB datagram need many small buffers; size them by MTU. */
    {
        const json_t *m = json_object_get(c->json, "mtu");
        if (json_is_integer(m) && json_integer_value(m) > 0 && json_integer_value(m) < 2048)
            pc.buf_size = 2048 + TXP_PKT_HEADROOM;
        else
            pc.count = 64;
    }
    x.pkts = calloc(IC_MAX_PKTS, sizeof *x.pkts);
    x.data = malloc(TXP_IPV4_MAX_LEN + 1);
    if (x.pkts == NULL || x.data == NULL || txp_pkt_pool_create(&pc, NULL, &x.pool) != TXP_OK) {
        free(x.pkts);
        free(x.data);
        return txp_diag_set(d, 0, 0, "out of memory");
    }
    if (strcmp(json_string_value(mode), "udp") == 0)
        rc = ic_udp(c->json, &x, d);
    else if (strcmp(json_string_value(mode), "fragment") == 0)
        rc = ic_fragment(c->json, &x, d);
    else
        rc = txp_diag_set(d, 0, 0, "mode: \"%s\": expected \"udp\" or \"fragment\"",
                          json_string_value(mode));
    txp_pkt_pool_destroy(x.pool);
    free(x.pkts);
    free(x.data);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_ip = {
    .component = "ip",
    .run = ic_run,
};
