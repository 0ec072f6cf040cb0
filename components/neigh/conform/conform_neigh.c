/* SPDX-License-Identifier: MIT */
/*
 * Golden driver for components/neigh: replays a timeline (layout in pcaps/gen/neigh.py) on one
 * device: parameters, then events in time order (an IPv4 packet sent to a next hop, a frame
 * received, a parameter change, an admin entry), firing the table's timers in between and up
 * to "end_ns". Emits every frame the table sends (ARP and data), at its time.
 */
#include <stdlib.h>
#include <string.h>

#include "txpath/h_conform.h"
#include "txpath/neigh.h"
#include "txpath/prot/eth.h"

#define NC_MAX 2048

struct nc_run {
    struct txp_h_emit *emit;
    int rc;
};

static void
nc_xmit(void *ctx, uint32_t ifindex, struct txp_pkt *p, uint64_t t)
{
    struct nc_run *r = ctx;
    (void)ifindex;
    if (r->rc == TXP_OK)
        r->rc = r->emit->fn(r->emit, t, txp_pkt_data(p), p->len);
    txp_pkt_free(p);
}

static void
nc_drop(void *ctx, struct txp_pkt *p, int err, uint64_t t)
{
    (void)ctx;
    (void)err;
    (void)t;
    txp_pkt_free(p);
}

static int
nc_ip(const json_t *v, uint32_t *ip, uint8_t *plen)
{
    unsigned a, b, c, d, l = 32;
    char tail;
    const char *s = json_string_value(v);
    if (!s)
        return -1;
    int k = sscanf(s, "%3u.%3u.%3u.%3u/%2u%c", &a, &b, &c, &d, &l, &tail);
    if ((k != 4 && k != 5) || a > 255 || b > 255 || c > 255 || d > 255 || l > 32 ||
        (k == 4 && strchr(s, '/')) || (!plen && k == 5))
        return -1;
    *ip = a << 24 | b << 16 | c << 8 | d;
    if (plen)
        *plen = (uint8_t)l;
    return 0;
}

static int
nc_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *root = c->json;
    const json_t *dev = json_object_get(root, "dev");
    json_t *params = json_object_get(root, "params");
    const json_t *events = json_object_get(root, "events");
    int64_t end, seed;
    int rc;
    if (!json_is_object(dev))
        return txp_diag_set(d, 0, 0, "dev: expected an object {name, mac, addrs}");
    if (!json_is_array(events))
        return txp_diag_set(d, 0, 0, "events: expected an array");
    if (params && !json_is_object(params))
        return txp_diag_set(d, 0, 0, "params: expected an object of sysctl values");
    if ((rc = txp_h_json_int(root, "", "end_ns", 0, INT64_MAX, 1, 0, &end, d)) < 0 ||
        (rc = txp_h_json_int(root, "", "seed", 0, INT64_MAX, 0, 0, &seed, d)) < 0)
        return rc;
    struct txp_neigh_dev nd;
    memset(&nd, 0, sizeof nd);
    nd.ifindex = 2;
    const json_t *name = json_object_get(dev, "name");
    if (!json_is_string(name) || strlen(json_string_value(name)) >= sizeof nd.name)
        return txp_diag_set(d, 0, 0, "dev.name: expected a device name (up to 15 characters)");
    strcpy(nd.name, json_string_value(name));
    if ((rc = txp_h_json_mac(dev, "dev", "mac", 1, NULL, nd.mac, d)) < 0)
        return rc;
    const json_t *addrs = json_object_get(dev, "addrs");
    if (!json_is_array(addrs) || json_array_size(addrs) > TXP_NEIGH_MAX_ADDRS)
        return txp_diag_set(d, 0, 0, "dev.addrs: expected an array of \"a.b.c.d/len\" (max %d)",
                            TXP_NEIGH_MAX_ADDRS);
    for (size_t i = 0; i < json_array_size(addrs); i++)
        if (nc_ip(json_array_get(addrs, i), &nd.addr[i], &nd.plen[i]))
            return txp_diag_set(d, 0, 0, "dev.addrs[%zu]: expected \"a.b.c.d/len\"", i);
    nd.naddr = (uint32_t)json_array_size(addrs);
    txp_neigh_parms_default(&nd.parms);
    /* arp_notify must be known when the device comes up */
    const json_t *an = params ? json_object_get(params, "arp_notify") : NULL;
    if (an && json_is_integer(an))
        nd.parms.arp_notify = (int)json_integer_value(an);

    struct txp_pkt_pool_config pc = {NC_MAX, 2048};
    struct txp_pkt_pool *pool = NULL;
    if (txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        return txp_diag_set(d, 0, 0, "out of memory");
    struct nc_run run = {emit, TXP_OK};
    struct txp_neigh_config cfg;
    txp_neigh_config_default(&cfg);
    cfg.pool = pool;
    cfg.seed = (uint64_t)seed;
    cfg.io = (struct txp_neigh_io){&run, nc_xmit, nc_drop};
    struct txp_neigh *n = NULL;
    uint8_t *buf = malloc(2048);
    if (!buf || txp_neigh_create(&cfg, NULL, &n) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "out of memory");
        goto out;
    }
    if ((rc = txp_neigh_dev_add(n, &nd, 0)) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "dev: %s", txp_strerror(rc));
        goto out;
    }
    if (params) {
        const char *key;
        json_t *v;
        json_object_foreach(params, key, v)
        {
            if (!json_is_integer(v) ||
                txp_neigh_set_param(n, 2, key, json_integer_value(v), 0) != TXP_OK) {
                rc = txp_diag_set(d, 0, 0, "params.%s: unknown parameter or bad value", key);
                goto out;
            }
        }
    }
    int64_t last = 0;
    for (size_t i = 0; i < json_array_size(events) && run.rc == TXP_OK; i++) {
        const json_t *e = json_array_get(events, i);
        char path[32];
        snprintf(path, sizeof path, "events[%zu]", i);
        int64_t t;
        if (!json_is_object(e)) {
            rc = txp_diag_set(d, 0, 0, "%s: expected an object", path);
            goto out;
        }
        if ((rc = txp_h_json_int(e, path, "t_ns", last, INT64_MAX, 1, 0, &t, d)) < 0)
            goto out;
        last = t;
        txp_neigh_run_timers(n, (uint64_t)t);
        const json_t *send = json_object_get(e, "send");
        const json_t *recv = json_object_get(e, "recv");
        const json_t *param = json_object_get(e, "param");
        size_t len;
        if (send) {
            uint32_t nh;
            if (nc_ip(json_object_get(send, "nexthop"), &nh, NULL)) {
                rc = txp_diag_set(d, 0, 0, "%s.send.nexthop: expected a.b.c.d", path);
                goto out;
            }
            if ((rc = txp_h_json_hex(send, path, "hex", 1, buf, 2048, &len, d)) < 0)
                goto out;
            struct txp_pkt *p = txp_pkt_alloc(pool);
            if (!p || txp_pkt_append(p, buf, (uint32_t)len) != TXP_OK) {
                rc = txp_diag_set(d, 0, 0, "%s: no packet buffer", path);
                goto out;
            }
            p->meta.l3_off = 0;
            txp_neigh_output(n, p, 2, nh, (uint64_t)t);
        } else if (recv) {
            if ((rc = txp_h_json_hex(e, path, "recv", 1, buf, 2048, &len, d)) < 0)
                goto out;
            txp_neigh_input(n, buf, len, 2, (uint64_t)t);
        } else if (json_is_array(param) && json_array_size(param) == 2 &&
                   json_is_string(json_array_get(param, 0)) &&
                   json_is_integer(json_array_get(param, 1))) {
            if (txp_neigh_set_param(n, 2, json_string_value(json_array_get(param, 0)),
                                    json_integer_value(json_array_get(param, 1)),
                                    (uint64_t)t) != TXP_OK) {
                rc = txp_diag_set(d, 0, 0, "%s.param: unknown parameter or bad value", path);
                goto out;
            }
        } else {
            rc = txp_diag_set(d, 0, 0, "%s: expected one of send, recv, param", path);
            goto out;
        }
    }
    txp_neigh_run_timers(n, (uint64_t)end);
    rc = run.rc;
out:
    if (n)
        txp_neigh_destroy(n, (uint64_t)end);
    txp_pkt_pool_destroy(pool);
    free(buf);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_neigh = {
    .component = "neigh",
    .run = nc_run,
};
