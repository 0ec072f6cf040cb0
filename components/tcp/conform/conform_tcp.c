/* SPDX-License-Identifier: MIT */
/*
 * Golden driver for components/tcp: replays a timeline (layout in pcaps/gen/tcp.py) on one
 * socket: config, then events in order (connect, send with or without MSG_MORE, nodelay,
 * cork, shutdown, abort, a peer segment), firing the socket's timers in between and up to
 * "end_ns". Emits every IPv4 packet the socket sends, at its time; with "gso_split" the
 * super-segments are split with txp_tcp_gso_segment first.
 */
#include <stdlib.h>
#include <string.h>

#include "txpath/h_conform.h"
#include "txpath/tcp.h"

#define TC_POOL 256
#define TC_SEGS 64
#define TC_MAXW (1u << 20) /* largest write */

struct tc_run {
    struct txp_tcp_out out;
    struct txp_h_emit *emit;
    struct txp_pkt_pool *pool;
    bool split;
    int rc;
};

static void
tc_out(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now)
{
    struct tc_run *r = TXP_CONTAINER_OF(self, struct tc_run, out);
    struct txp_pkt *seg[TC_SEGS];
    int n;

    if (r->rc == TXP_OK && r->split && (p->meta.flags & TXP_PKT_F_GSO)) {
        n = txp_tcp_gso_segment(p, r->pool, seg, TC_SEGS);
        if (n < 0) {
            r->rc = n;
        } else {
            for (int i = 0; i < n; i++) {
                if (r->rc == TXP_OK)
                    r->rc = r->emit->fn(r->emit, now, txp_pkt_data(seg[i]), seg[i]->len);
                txp_pkt_free(seg[i]);
            }
        }
    } else if (r->rc == TXP_OK) {
        r->rc = r->emit->fn(r->emit, now, txp_pkt_data(p), p->len);
    }
    txp_pkt_free(p);
}

static int
tc_bool(const json_t *o, const char *key, bool def, bool *out, struct txp_diag *d)
{
    const json_t *v = json_object_get(o, key);
    if (v == NULL) {
        *out = def;
        return TXP_OK;
    }
    if (!json_is_boolean(v))
        return txp_diag_set(d, 0, 0, "config.%s: expected true or false, got %s", key,
                            txp_h_json_type_name(v));
    *out = json_is_true(v);
    return TXP_OK;
}

static int
tc_config(const json_t *c, struct txp_tcp_config *cfg, struct txp_diag *d)
{
    struct {
        const char *key;
        int64_t max;
        int64_t v;
    } ints[] = {{"sport", 65535, 0},          {"dport", 65535, 0},       {"isn", UINT32_MAX, 0},
                {"ts_offset", UINT32_MAX, 0}, {"ip_id", 65535, 0},       {"mtu", 65535, 0},
                {"rcv_wscale", 14, 0},        {"rcv_space", 1 << 30, 0}, {"gso_max_size", 65536, 0},
                {"user_mss", 32767, 0}};
    int rc;

    if (!json_is_object(c))
        return txp_diag_set(d, 0, 0, "config: expected an object");
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if ((rc = txp_h_json_int(c, "config", ints[i].key, 0, ints[i].max, 1, 0, &ints[i].v, d)) <
            0)
            return rc;
    if ((rc = txp_h_json_ipv4(c, "config", "saddr", 1, 0, &cfg->saddr, d)) < 0 ||
        (rc = txp_h_json_ipv4(c, "config", "daddr", 1, 0, &cfg->daddr, d)) < 0 ||
        (rc = tc_bool(c, "ts", true, &cfg->opt_ts, d)) < 0 ||
        (rc = tc_bool(c, "sack", true, &cfg->opt_sack, d)) < 0 ||
        (rc = tc_bool(c, "wscale", true, &cfg->opt_wscale, d)) < 0 ||
        (rc = tc_bool(c, "nodelay", false, &cfg->nodelay, d)) < 0 ||
        (rc = tc_bool(c, "gso_sw", false, &cfg->gso_sw, d)) < 0)
        return rc;
    cfg->sport = (uint16_t)ints[0].v;
    cfg->dport = (uint16_t)ints[1].v;
    cfg->isn = (uint32_t)ints[2].v;
    cfg->ts_offset = (uint32_t)ints[3].v;
    cfg->ip_id = (uint16_t)ints[4].v;
    cfg->mtu = (uint32_t)ints[5].v;
    cfg->rcv_wscale = (uint8_t)ints[6].v;
    cfg->rcv_space = (uint32_t)ints[7].v;
    cfg->gso_max_size = (uint32_t)ints[8].v;
    cfg->user_mss = (uint16_t)ints[9].v;
    return TXP_OK;
}

static void
tc_timers(struct txp_tcp_sock *sk, uint64_t until)
{
    uint64_t t;
    while ((t = txp_tcp_next_timer(sk)) <= until)
        txp_tcp_run_timers(sk, t);
}

static int
tc_event(struct txp_tcp_sock *sk, const json_t *e, const char *path, uint64_t t,
         const uint8_t *data, uint8_t *buf, struct txp_diag *d)
{
    const json_t *v;
    size_t len;
    int rc;

    if ((v = json_object_get(e, "connect")) != NULL) {
        rc = txp_tcp_connect(sk, t);
    } else if ((v = json_object_get(e, "send")) != NULL) {
        int64_t n;
        bool more = false;
        if ((rc = txp_h_json_int(v, path, "len", 0, TC_MAXW, 1, 0, &n, d)) < 0)
            return rc;
        if ((rc = tc_bool(v, "more", false, &more, d)) < 0)
            return rc;
        rc = txp_tcp_sendmsg(sk, data, (size_t)n, more ? TXP_TCP_MSG_MORE : 0, t);
        if (rc >= 0 && rc != n)
            return txp_diag_set(d, 0, 0, "%s.send: %d of %lld bytes queued", path, rc,
                                (long long)n);
    } else if ((v = json_object_get(e, "recv")) != NULL) {
        if ((rc = txp_h_json_hex(e, path, "recv", 1, buf, 65536, &len, d)) < 0)
            return rc;
        /* A refused segment is a counted drop, an outcome the golden output shows. */
        (void)txp_tcp_input(sk, buf, len, t);
        rc = TXP_OK;
    } else if ((v = json_object_get(e, "nodelay")) != NULL && json_is_boolean(v)) {
        txp_tcp_set_nodelay(sk, json_is_true(v), t);
        rc = TXP_OK;
    } else if ((v = json_object_get(e, "cork")) != NULL && json_is_boolean(v)) {
        txp_tcp_set_cork(sk, json_is_true(v), t);
        rc = TXP_OK;
    } else if (json_object_get(e, "shutdown") != NULL) {
        rc = txp_tcp_shutdown(sk, t);
    } else if (json_object_get(e, "abort") != NULL) {
        rc = txp_tcp_abort(sk, t);
    } else {
        return txp_diag_set(d, 0, 0,
                            "%s: expected one of connect, send, recv, nodelay, cork, shutdown, "
                            "abort",
                            path);
    }
    if (rc < 0)
        return txp_diag_set(d, 0, 0, "%s: %s", path, txp_strerror(rc));
    return TXP_OK;
}

static int
tc_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *root = c->json;
    const json_t *events = json_object_get(root, "events");
    struct txp_tcp_config cfg;
    struct txp_tcp_sock *sk = NULL;
    struct tc_run run;
    uint8_t *data = NULL, *buf = NULL;
    int64_t end, last = 0;
    bool split;
    int rc;

    if (!json_is_array(events))
        return txp_diag_set(d, 0, 0, "events: expected an array");
    if ((rc = txp_h_json_int(root, "", "end_ns", 0, INT64_MAX, 1, 0, &end, d)) < 0)
        return rc;
    txp_tcp_config_default(&cfg);
    if ((rc = tc_config(json_object_get(root, "config"), &cfg, d)) < 0)
        return rc;
    const json_t *gs = json_object_get(root, "gso_split");
    split = gs != NULL && json_is_true(gs);
    memset(&run, 0, sizeof run);
    run.out.fn = tc_out;
    run.emit = emit;
    run.split = split;
    run.rc = TXP_OK;
    struct txp_pkt_pool_config pc = {TC_POOL, 66000};
    if (txp_pkt_pool_create(&pc, NULL, &run.pool) != TXP_OK)
        return txp_diag_set(d, 0, 0, "out of memory");
    cfg.pool = run.pool;
    cfg.out = &run.out;
    data = malloc(TC_MAXW + 256);
    buf = malloc(65536);
    if (data == NULL || buf == NULL) {
        rc = txp_diag_set(d, 0, 0, "out of memory");
        goto out;
    }
    /* Stream byte i is (i * 7 + 3) mod 256 (pcaps/gen/tcp.py), a period of 256: a write that
     * starts at stream offset w takes its bytes from data + w % 256. */
    for (uint32_t i = 0; i < TC_MAXW + 256; i++)
        data[i] = (uint8_t)(i * 7u + 3u);
    if ((rc = txp_tcp_create(&cfg, NULL, &sk)) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "config: %s", txp_strerror(rc));
        goto out;
    }
    uint64_t written = 0;
    for (size_t i = 0; i < json_array_size(events) && run.rc == TXP_OK; i++) {
        const json_t *e = json_array_get(events, i);
        char path[32];
        int64_t t;
        snprintf(path, sizeof path, "events[%zu]", i);
        if (!json_is_object(e)) {
            rc = txp_diag_set(d, 0, 0, "%s: expected an object", path);
            goto out;
        }
        if ((rc = txp_h_json_int(e, path, "t_ns", last, INT64_MAX, 1, 0, &t, d)) < 0)
            goto out;
        last = t;
        tc_timers(sk, (uint64_t)t);
        if ((rc = tc_event(sk, e, path, (uint64_t)t, data + written % 256u, buf, d)) < 0)
            goto out;
        const json_t *snd = json_object_get(e, "send");
        if (snd)
            written += (uint64_t)json_integer_value(json_object_get(snd, "len"));
    }
    tc_timers(sk, (uint64_t)end);
    rc = run.rc;
out:
    txp_tcp_destroy(sk);
    txp_pkt_pool_destroy(run.pool);
    free(data);
    free(buf);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_tcp = {
    .component = "tcp",
    .run = tc_run,
};
