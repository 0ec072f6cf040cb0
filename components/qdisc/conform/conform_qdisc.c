/* SPDX-License-Identifier: MIT */
/*
 * Golden driver for components/qdisc: reads case.json (layout in pcaps/gen/qdisc.py), builds
 * the qdisc from its tc spec, feeds the input frames at their arrival times with their
 * priority (explicit, or rt_tos2priority of the IPv4 TOS) through txp_qdisc_sim() in front of
 * a device of the given rate, and emits what the device sends, at the send times.
 */
#include <stdlib.h>
#include <string.h>

#include "txpath/h_conform.h"
#include "txpath/qdisc.h"

#define QC_MAX_FRAME 2048

struct qc_emit {
    struct txp_h_emit *emit;
    int rc;
};

static void
qc_xmit(void *ctx, struct txp_pkt *p, uint64_t t)
{
    struct qc_emit *e = ctx;
    if (e->rc == TXP_OK)
        e->rc = e->emit->fn(e->emit, t, txp_pkt_data(p), p->len);
    txp_pkt_free(p);
}

static void
qc_drop(void *ctx, struct txp_pkt *p)
{
    (void)ctx;
    txp_pkt_free(p);
}

static int
qc_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *root = c->json;
    const json_t *spec = json_object_get(root, "qdisc");
    const json_t *in = json_object_get(root, "input");
    int64_t txq, rate;
    int rc;
    if (!json_is_string(spec))
        return txp_diag_set(d, 0, 0, "qdisc: expected a tc spec string, got %s",
                            spec ? txp_h_json_type_name(spec) : "nothing (missing)");
    if (!json_is_array(in))
        return txp_diag_set(d, 0, 0, "input: expected an array of packets, got %s",
                            in ? txp_h_json_type_name(in) : "nothing (missing)");
    if ((rc = txp_h_json_int(root, "", "txqueuelen", 1, 1 << 24, 0, 1000, &txq, d)) < 0)
        return rc;
    if ((rc = txp_h_json_int(root, "", "dequeue_rate_pps", 0, 1000000000, 0, 0, &rate, d)) < 0)
        return rc;
    struct txp_qdisc_conf conf;
    struct txp_diag pd;
    txp_diag_init(&pd, "qdisc");
    if (txp_qdisc_parse(json_string_value(spec), &conf, NULL, &pd) != TXP_OK)
        return txp_diag_set(d, 0, 0, "qdisc: \"%s\": column %u: %s", json_string_value(spec),
                            (unsigned)pd.column, pd.msg);
    size_t n = json_array_size(in);
    struct txp_pkt_pool_config pc = {(uint32_t)(n * 2 + 4), QC_MAX_FRAME + TXP_PKT_HEADROOM};
    struct txp_pkt_pool *pool = NULL;
    if (n > 100000 || txp_pkt_pool_create(&pc, NULL, &pool) != TXP_OK)
        return txp_diag_set(d, 0, 0, "input: %zu packets: too many or out of memory", n);
    struct txp_pkt **pk = calloc(n ? n : 1, sizeof *pk);
    uint8_t *buf = malloc(QC_MAX_FRAME);
    struct txp_qdisc *q = NULL;
    size_t built = 0;
    if (!pk || !buf) {
        rc = txp_diag_set(d, 0, 0, "out of memory");
        goto out;
    }
    if (conf.kind == TXP_QDISC_NETEM)
        conf.netem.dup_pool = pool;
    struct txp_qdisc_dev dev;
    txp_qdisc_dev_default(&dev);
    dev.tx_queue_len = (uint32_t)txq;
    if ((rc = txp_qdisc_create(&conf, &dev, NULL, &q)) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "qdisc: \"%s\": create failed: %s", json_string_value(spec),
                          txp_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof path, "input[%zu]", i);
        const json_t *o = json_array_get(in, i);
        int64_t ts, prio;
        size_t len;
        if (!json_is_object(o)) {
            rc = txp_diag_set(d, 0, 0, "%s: expected an object, got %s", path,
                              txp_h_json_type_name(o));
            goto out;
        }
        if ((rc = txp_h_json_int(o, path, "ts_ns", 0, INT64_MAX, 1, 0, &ts, d)) < 0 ||
            (rc = txp_h_json_hex(o, path, "hex", 1, buf, QC_MAX_FRAME, &len, d)) < 0 ||
            (rc = txp_h_json_int(o, path, "priority", 0, UINT32_MAX, 0, -1, &prio, d)) < 0)
            goto out;
        if (i && (uint64_t)ts < pk[i - 1]->meta.tstamp_ns) {
            rc = txp_diag_set(d, 0, 0, "%s.ts_ns: %lld is before the previous arrival", path,
                              (long long)ts);
            goto out;
        }
        struct txp_pkt *p = txp_pkt_alloc(pool);
        if (!p || txp_pkt_append(p, buf, (uint32_t)len) != TXP_OK) {
            rc = txp_diag_set(d, 0, 0, "%s: no packet buffer", path);
            goto out;
        }
        p->meta.tstamp_ns = (uint64_t)ts;
        if (len >= 34 && buf[12] == 0x08 && buf[13] == 0x00 && (buf[14] >> 4) == 4) {
            p->meta.l3_off = 14;
            p->meta.tos = buf[15];
        }
        p->meta.priority = prio >= 0 ? (uint32_t)prio : txp_qdisc_tos2prio(p->meta.tos);
        pk[built++] = p;
    }
    struct qc_emit e = {emit, TXP_OK};
    struct txp_qdisc_sim_cb cb = {&e, qc_xmit, qc_drop};
    rc = txp_qdisc_sim(q, pk, (uint32_t)built, rate ? 1000000000ull / (uint64_t)rate : 0, &cb);
    built = 0; /* consumed */
    if (rc == TXP_OK)
        rc = e.rc;
out:
    for (size_t i = 0; i < built; i++)
        txp_pkt_free(pk[i]);
    txp_qdisc_destroy(q, NULL);
    txp_pkt_pool_destroy(pool);
    free(pk);
    free(buf);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_qdisc = {
    .component = "qdisc",
    .run = qc_run,
};
