/* SPDX-License-Identifier: MIT */
/*
 * Golden driver for components/fib: loads the case's host files (layout in pcaps/gen/fib.py),
 * routes every packet (destination, source, TOS, fwmark, protocol and ports from the packet)
 * and emits IPv4/UDP with the same addresses, ports and id, the selected source when the
 * packet's was 0.0.0.0, and as payload the line `ip route get` prints (or iproute2's error).
 */
#include <stdlib.h>
#include <string.h>

#include "txpath/csum.h"
#include "txpath/fib.h"
#include "txpath/h_conform.h"

typedef int (*fc_loader)(struct txp_fib *, const char *, size_t, const char *, struct txp_diag *);

static int
fc_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *host = json_object_get(c->json, "host");
    const json_t *pkts = json_object_get(c->json, "packets");
    if (!json_is_object(host))
        return txp_diag_set(d, 0, 0, "host: expected an object of the four host files");
    if (!json_is_array(pkts))
        return txp_diag_set(d, 0, 0, "packets: expected an array");
    struct txp_fib *fib = NULL;
    if (txp_fib_create(NULL, &fib) != TXP_OK)
        return txp_diag_set(d, 0, 0, "out of memory");
    static const char *names[4] = {"ip-link", "ip-addr", "ip-route", "ip-rule"};
    static const fc_loader loaders[4] = {txp_fib_load_links, txp_fib_load_addrs,
                                         txp_fib_load_routes, txp_fib_load_rules};
    int rc = TXP_OK;
    for (int i = 0; i < 4 && rc == TXP_OK; i++) {
        const json_t *t = json_object_get(host, names[i]);
        if (!json_is_string(t)) {
            rc = txp_diag_set(d, 0, 0, "host.%s: expected the file's text", names[i]);
            break;
        }
        struct txp_diag ld;
        if (loaders[i](fib, json_string_value(t), json_string_length(t), names[i], &ld) != TXP_OK)
            rc = txp_diag_set(d, 0, 0, "host.%s line %u column %u: %s", names[i], (unsigned)ld.line,
                              (unsigned)ld.column, ld.msg);
    }
    uint8_t in[2048], out[2048];
    for (size_t i = 0; i < json_array_size(pkts) && rc == TXP_OK; i++) {
        char path[32];
        snprintf(path, sizeof path, "packets[%zu]", i);
        const json_t *p = json_array_get(pkts, i);
        size_t len;
        int64_t mark;
        if ((rc = txp_h_json_hex(p, path, "hex", 1, in, sizeof in, &len, d)) < 0 ||
            (rc = txp_h_json_int(p, path, "mark", 0, UINT32_MAX, 0, 0, &mark, d)) < 0)
            break;
        size_t ihl = len >= 20 ? (size_t)(in[0] & 15u) * 4u : 0;
        if (len < 28 || (in[0] >> 4) != 4 || ihl < 20 || len < ihl + 8 || in[9] != 17) {
            rc = txp_diag_set(d, 0, 0, "%s.hex: expected an IPv4/UDP packet", path);
            break;
        }
        struct txp_fib_flow fl;
        memset(&fl, 0, sizeof fl);
        fl.src = (uint32_t)in[12] << 24 | (uint32_t)in[13] << 16 | (uint32_t)in[14] << 8 | in[15];
        fl.dst = (uint32_t)in[16] << 24 | (uint32_t)in[17] << 16 | (uint32_t)in[18] << 8 | in[19];
        fl.tos = in[1];
        fl.mark = (uint32_t)mark;
        fl.proto = 17;
        fl.sport = (uint16_t)(in[ihl] << 8 | in[ihl + 1]);
        fl.dport = (uint16_t)(in[ihl + 2] << 8 | in[ihl + 3]);
        struct txp_fib_result res;
        char line[512];
        uint32_t src = fl.src;
        int lr = txp_fib_lookup(fib, &fl, &res);
        if (lr == TXP_OK) {
            txp_fib_format_result(fib, &fl, &res, line, sizeof line);
            if (!src)
                src = res.src;
        } else {
            snprintf(line, sizeof line, "RTNETLINK answers: %s", txp_fib_strerror(lr));
        }
        size_t pl = strlen(line), tot = 28 + pl;
        memset(out, 0, 28);
        out[0] = 0x45;
        out[1] = in[1];
        out[2] = (uint8_t)(tot >> 8);
        out[3] = (uint8_t)tot;
        out[4] = in[4];
        out[5] = in[5];
        out[8] = 64;
        out[9] = 17;
        for (int k = 0; k < 4; k++) {
            out[12 + k] = (uint8_t)(src >> (24 - 8 * k));
            out[16 + k] = in[16 + k];
        }
        uint16_t ck = txp_csum(out, 20);
        out[10] = (uint8_t)(ck >> 8);
        out[11] = (uint8_t)ck;
        memcpy(out + 20, in + ihl, 4); /* ports */
        out[24] = (uint8_t)((8 + pl) >> 8);
        out[25] = (uint8_t)(8 + pl);
        memcpy(out + 28, line, pl);
        uint32_t sum = txp_csum_pseudo_ipv4(src, fl.dst, 17, (uint16_t)(8 + pl));
        sum = txp_csum_partial(out + 20, 8 + pl, sum);
        uint16_t uc = txp_csum_fold(sum);
        if (uc == 0)
            uc = 0xFFFF;
        out[26] = (uint8_t)(uc >> 8);
        out[27] = (uint8_t)uc;
        rc = emit->fn(emit, (uint64_t)i * 1000000u, out, tot);
    }
    txp_fib_destroy(fib);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_fib = {
    .component = "fib",
    .run = fc_run,
};
