/* SPDX-License-Identifier: MIT */
/*
 * Golden driver of the stack: builds the host of the case (the embedded default, with the
 * files given under "host" replacing its own), the peer model, then either runs one transfer
 * ("mode": "job") or writes bursts on several sockets at time 0 and lets the clock run
 * ("mode": "burst"). Every frame the devices put on the wire is emitted at its device time.
 *
 * case.json (component "stack", link "ether"):
 *   "host": {"ip-link": "...", "ip-route": "...", ...}   optional, per file
 *   "seed", "link_bps", "ring_size"                      optional integers
 *   "counters": 1   after the last frame, one more record (at its time): Ethernet 00:00:00:00:00:00
 *                   both ways, IPv4 127.0.0.1 -> 127.0.0.1, id = frames before it, ttl 64, UDP
 *                   7 -> 7, whose payload is the ruleset as `iptables-save -c` prints it
 * A case whose host has an "iptables" file needs the iptables stages (components/ipt): in a
 * build without them it fails with a message saying so (it cannot pass without its rules).
 *   "peer": {"addrs": ["10.0.0.2", ...], "delay_us", "window"}
 *   "mode": "job"   "job": {"proto": "tcp"|"udp", "to", "port", "bytes", "write_size", "tos",
 *                           "mark", "pmtudisc" (0 default, else mode + 1), "isn",
 *                           "ts_offset", "inet_id", "no_close", "deadline_ms"}
 *   "mode": "burst" "sockets": [{"proto": "udp", "to", "port", "tos", "mark", "inet_id"}],
 *                   "writes": [{"socket": i, "len": n, "count": c}], "end_ms"
 * Payload byte at offset x of a transfer (or of each write) is y ^ (y >> 8), y = x mod 65521.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_conform.h"
#include "txpath/stack.h"

struct cs_link {
    struct txp_stack_link link;
    struct txp_h_emit *emit;
    int err;
    uint32_t frames;  /**< frames emitted */
    uint64_t last_ts; /**< time of the last one */
};

static void
cs_tx(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts, const uint8_t *f, uint32_t len)
{
    struct cs_link *l = (struct cs_link *)(void *)self;
    (void)ifindex;
    if (l->emit->fn(l->emit, ts, f, len) != TXP_OK)
        l->err = 1;
    l->frames++;
    l->last_ts = ts;
}

static int
cs_bad(struct txp_diag *d, const char *what)
{
    return txp_diag_set(d, 0, 0, "%s", what);
}

/* The counters record: the ruleset as iptables-save -c prints it, in a UDP datagram from and
 * to 127.0.0.1 port 7 (the layout of pcaps/gen/ipt.py's final record, in an Ethernet frame). */
static int
cs_counters(struct txp_stack *st, struct cs_link *l, struct txp_diag *d)
{
    size_t n = txp_stack_iptables_save(st, true, NULL, 0);
    if (n == 0)
        return cs_bad(d, "counters: the host has no iptables ruleset");
    if (n > 60000)
        return cs_bad(d, "counters: ruleset text too long for one record");
    size_t flen = TXP_ETH_HLEN + 20 + 8 + n;
    uint8_t *f = calloc(1, flen + 1);
    if (f == NULL)
        return TXP_ENOMEM;
    (void)txp_stack_iptables_save(st, true, (char *)f + TXP_ETH_HLEN + 28, n + 1);
    uint8_t *ip = f + TXP_ETH_HLEN, *udp = ip + 20;
    txp_store_be16(f + 12, TXP_ETH_P_IP);
    ip[0] = 0x45;
    txp_store_be16(ip + 2, (uint16_t)(20 + 8 + n));
    txp_store_be16(ip + 4, (uint16_t)l->frames);
    ip[8] = 64;
    ip[9] = TXP_IPPROTO_UDP;
    txp_store_be32(ip + 12, 0x7F000001u);
    txp_store_be32(ip + 16, 0x7F000001u);
    txp_store_be16(ip + 10, txp_csum(ip, 20));
    txp_store_be16(udp, 7);
    txp_store_be16(udp + 2, 7);
    txp_store_be16(udp + 4, (uint16_t)(8 + n));
    uint16_t c = txp_csum_fold(txp_csum_partial(
        udp, 8 + n,
        txp_csum_pseudo_ipv4(0x7F000001u, 0x7F000001u, TXP_IPPROTO_UDP, (uint16_t)(8 + n))));
    txp_store_be16(udp + 6, c ? c : 0xFFFF);
    int rc = l->emit->fn(l->emit, l->last_ts, f, (uint32_t)flen);
    free(f);
    return rc == TXP_OK ? TXP_OK : cs_bad(d, "emit failed");
}

static int
cs_host(const json_t *h, struct txp_stack_host *host, struct txp_diag *d)
{
    txp_stack_host_default(host);
    if (h == NULL)
        return TXP_OK;
    if (!json_is_object(h))
        return cs_bad(d, "host: expected an object of file texts");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)h, key, v)
    {
        int f = -1;
        for (int i = 0; i < TXP_STACK_HF__COUNT; i++)
            if (strcmp(key, txp_stack_host_file_name((enum txp_stack_host_file)i)) == 0)
                f = i;
        if (f < 0 || !json_is_string(v))
            return txp_diag_set(d, 0, 0, "host.%s: expected a snapshot file name with a string",
                                key);
        host->text[f] = json_string_value(v);
        host->len[f] = json_string_length(v);
        snprintf(host->path[f], sizeof host->path[f], "case.json:host.%s", key);
    }
    return TXP_OK;
}

static int
cs_sockopt(const json_t *o, const char *path, struct txp_stack_sockopt *so, int *proto,
           uint32_t *to, uint16_t *port, struct txp_diag *d)
{
    int64_t v;
    memset(so, 0, sizeof *so);
    const json_t *p = json_object_get(o, "proto");
    *proto = TXP_IPPROTO_TCP;
    if (p && json_is_string(p) && strcmp(json_string_value(p), "udp") == 0)
        *proto = TXP_IPPROTO_UDP;
    else if (p && (!json_is_string(p) || strcmp(json_string_value(p), "tcp") != 0))
        return txp_diag_set(d, 0, 0, "%s.proto: expected \"tcp\" or \"udp\"", path);
    if (txp_h_json_ipv4(o, path, "to", 1, 0, to, d) != TXP_OK)
        return TXP_EBADMSG;
    if (txp_h_json_int(o, path, "port", 1, 65535, 1, 0, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    *port = (uint16_t)v;
    if (txp_h_json_int(o, path, "tos", 0, 255, 0, 0, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    so->tos = (uint8_t)v;
    if (txp_h_json_int(o, path, "mark", 0, UINT32_MAX, 0, 0, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    so->mark = (uint32_t)v;
    if (txp_h_json_int(o, path, "pmtudisc", 0, 4, 0, 0, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    so->pmtudisc = (int)v;
    if (json_object_get(o, "saddr") &&
        txp_h_json_ipv4(o, path, "saddr", 1, 0, &so->saddr, d) != TXP_OK)
        return TXP_EBADMSG;
    so->pinned = true;
    if (txp_h_json_int(o, path, "isn", 0, UINT32_MAX, 0, 1000, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    so->isn = (uint32_t)v;
    if (txp_h_json_int(o, path, "ts_offset", 0, UINT32_MAX, 0, 0, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    so->ts_offset = (uint32_t)v;
    if (txp_h_json_int(o, path, "inet_id", 0, 65535, 0, 0, &v, d) != TXP_OK)
        return TXP_EBADMSG;
    so->inet_id = (uint16_t)v;
    return TXP_OK;
}

static void
cs_fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)((i % 65521u) ^ ((i % 65521u) >> 8));
}

static int
cs_burst(struct txp_stack *st, const json_t *j, struct txp_diag *d)
{
    const json_t *socks = json_object_get(j, "sockets"), *writes = json_object_get(j, "writes");
    struct txp_stack_file *f[8] = {NULL};
    size_t ns = json_array_size(socks);
    int rc = TXP_OK;
    if (!json_is_array(socks) || ns == 0 || ns > 8 || !json_is_array(writes))
        return cs_bad(d, "sockets (1..8) and writes: expected arrays");
    uint8_t *buf = malloc(65536);
    if (buf == NULL)
        return TXP_ENOMEM;
    cs_fill(buf, 65536);
    for (size_t i = 0; rc == TXP_OK && i < ns; i++) {
        struct txp_stack_sockopt so;
        int proto;
        uint32_t to;
        uint16_t port;
        rc = cs_sockopt(json_array_get(socks, i), "sockets[]", &so, &proto, &to, &port, d);
        if (rc == TXP_OK && txp_stack_socket(st, proto, &so, &f[i]) != TXP_OK)
            rc = cs_bad(d, "sockets[]: socket failed");
        if (rc == TXP_OK && txp_stack_connect(f[i], to, port) != TXP_OK)
            rc = cs_bad(d, "sockets[]: connect failed");
    }
    for (size_t i = 0; rc == TXP_OK && i < json_array_size(writes); i++) {
        const json_t *w = json_array_get(writes, i);
        int64_t s, len, count;
        if (txp_h_json_int(w, "writes[]", "socket", 0, (int64_t)ns - 1, 1, 0, &s, d) ||
            txp_h_json_int(w, "writes[]", "len", 1, 65507, 1, 0, &len, d) ||
            txp_h_json_int(w, "writes[]", "count", 1, 10000, 0, 1, &count, d)) {
            rc = TXP_EBADMSG;
            break;
        }
        for (int64_t k = 0; k < count; k++)
            (void)txp_stack_write(f[s], buf, (size_t)len);
    }
    int64_t end_ms = 0;
    if (rc == TXP_OK && txp_h_json_int(j, "", "end_ms", 1, 600000, 0, 10000, &end_ms, d))
        rc = TXP_EBADMSG;
    uint64_t end = txp_stack_now(st) + (uint64_t)end_ms * 1000000u;
    while (rc == TXP_OK) {
        uint64_t n = txp_stack_next_event(st);
        if (n > end)
            break;
        txp_stack_advance(st, n);
    }
    for (size_t i = 0; i < ns; i++)
        txp_stack_close(f[i]);
    free(buf);
    return rc;
}

static int
cs_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *j = c->json;
    struct txp_stack_host host;
    int64_t seed, bps, ring, v;
    txp_diag_init(d, c->json_path);
    if (cs_host(json_object_get(j, "host"), &host, d) != TXP_OK)
        return TXP_EBADMSG;
    int64_t counters;
    if (txp_h_json_int(j, "", "counters", 0, 1, 0, 0, &counters, d))
        return TXP_EBADMSG;
    if ((host.text[TXP_STACK_HF_IPTABLES] || counters) &&
        !txp_stack_stage_present(TXP_STACK_ST_IPT_OUT))
        return txp_diag_set(d, 0, 0,
                            "this case needs the iptables stages (host.iptables), and this "
                            "build has no components/ipt (TXP_SKIP_COMPONENTS?): it cannot pass");
    if (txp_h_json_int(j, "", "seed", 0, INT64_MAX, 0, 1, &seed, d) ||
        txp_h_json_int(j, "", "link_bps", 0, INT64_MAX, 0, 0, &bps, d) ||
        txp_h_json_int(j, "", "ring_size", 0, 4096, 0, 0, &ring, d))
        return TXP_EBADMSG;
    struct txp_stack_peer_config pc;
    memset(&pc, 0, sizeof pc);
    const json_t *pj = json_object_get(j, "peer");
    if (pj) {
        const json_t *addrs = json_object_get(pj, "addrs");
        for (size_t i = 0; i < json_array_size(addrs) && i < 8; i++) {
            const json_t *a = json_array_get(addrs, i);
            if (!json_is_string(a) ||
                txp_ipv4_addr_parse(json_string_value(a), &pc.addrs[pc.naddrs]) != TXP_OK)
                return cs_bad(d, "peer.addrs: expected IPv4 address strings");
            pc.naddrs++;
        }
        if (txp_h_json_int(pj, "peer", "delay_us", 1, 10000000, 0, 50, &v, d))
            return TXP_EBADMSG;
        pc.delay_ns = (uint64_t)v * 1000u;
        if (txp_h_json_int(pj, "peer", "window", 1, 1 << 30, 0, 262144, &v, d))
            return TXP_EBADMSG;
        pc.window = (uint32_t)v;
    }
    struct txp_stack_peer *peer = NULL;
    if (txp_stack_peer_create(&pc, &peer) != TXP_OK)
        return cs_bad(d, "peer: invalid");
    struct cs_link wire = {{cs_tx, NULL}, emit, 0, 0, 0};
    txp_stack_peer_chain(peer, &wire.link);
    struct txp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = &host;
    cfg.seed = (uint64_t)seed;
    cfg.link_bps = (uint64_t)bps;
    cfg.ring_size = (uint32_t)ring;
    cfg.link = txp_stack_peer_link(peer);
    struct txp_stack *st = NULL;
    int rc = txp_stack_create(&cfg, &st, d);
    const json_t *mode = json_object_get(j, "mode");
    if (rc == TXP_OK && mode && json_is_string(mode) &&
        strcmp(json_string_value(mode), "burst") == 0) {
        rc = cs_burst(st, j, d);
    } else if (rc == TXP_OK) {
        const json_t *jj = json_object_get(j, "job");
        struct txp_stack_job job;
        memset(&job, 0, sizeof job);
        int proto;
        int64_t bytes, ws, nc, dl;
        rc = jj ? cs_sockopt(jj, "job", &job.opt, &proto, &job.daddr, &job.dport, d)
                : cs_bad(d, "job: expected an object");
        if (rc == TXP_OK && (txp_h_json_int(jj, "job", "bytes", 0, 1 << 30, 1, 0, &bytes, d) ||
                             txp_h_json_int(jj, "job", "write_size", 0, 65536, 0, 0, &ws, d) ||
                             txp_h_json_int(jj, "job", "no_close", 0, 1, 0, 0, &nc, d) ||
                             txp_h_json_int(jj, "job", "deadline_ms", 1, 600000, 0, 10000, &dl, d)))
            rc = TXP_EBADMSG;
        if (rc == TXP_OK) {
            job.proto = proto;
            job.bytes = (uint64_t)bytes;
            job.write_size = (uint32_t)ws;
            job.no_close = nc != 0;
            job.deadline_ns = (uint64_t)dl * 1000000u;
            struct txp_stack_job_result res;
            rc = txp_stack_run_job(st, &job, &res);
            if (rc != TXP_OK && rc != TXP_ERANGE)
                rc = TXP_OK; /* a failed connect is an outcome; its frames are compared */
            if (rc == TXP_ERANGE)
                cs_bad(d, "accounting invariant broken");
        }
    }
    struct txp_stack_totals t;
    if (rc == TXP_OK && txp_stack_totals(st, &t) != TXP_OK)
        rc = cs_bad(d, "accounting invariant broken");
    if (rc == TXP_OK && wire.err)
        rc = cs_bad(d, "emit failed");
    if (rc == TXP_OK && counters)
        rc = cs_counters(st, &wire, d);
    txp_stack_destroy(st);
    txp_stack_peer_destroy(peer);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_stack = {"stack", cs_run};
