/* SPDX-License-Identifier: MIT */
/*
 * txpath fib fuzz target: the ip-link / ip-addr / ip-route / ip-rule parsers on arbitrary
 * text. Invariants: no crash or over-read; a rejection is TXP_EBADMSG (or ENOMEM) with a line
 * number inside the text and a non-empty message; a rejected file changes nothing (the route
 * count and every lookup answer are the same as before); an accepted route file loaded a second
 * time is rejected as a duplicate unless it added no route.
 *
 * Input: byte 0 selects the parser (% 4: link, addr, route, rule); the rest is the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/fib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static const char base_links[] =
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP\n";
static const char base_addrs[] = "1: lo    inet 127.0.0.1/8 scope host lo\n"
                                 "2: eth0    inet 192.0.2.1/24 brd 192.0.2.255 scope global eth0\n";
static const char base_routes[] = "default via 192.0.2.254 dev eth0\n"
                                  "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.1\n";

static uint32_t
lines_in(const uint8_t *t, size_t n)
{
    uint32_t l = 1;
    for (size_t i = 0; i < n; i++)
        l += t[i] == '\n';
    return l;
}

/* A few lookups whose answers must not change when a load is rejected. */
static void
answers(const struct txp_fib *f, int out[4])
{
    static const uint32_t dst[4] = {0x08080808u, 0xC0000205u, 0x7F000001u, 0x0A000001u};
    for (int i = 0; i < 4; i++) {
        struct txp_fib_flow fl;
        struct txp_fib_result r;
        memset(&fl, 0, sizeof fl);
        fl.dst = dst[i];
        out[i] = txp_fib_lookup(f, &fl, &r);
        if (out[i] == TXP_OK)
            out[i] = (int)(r.gw ^ r.oif ^ r.src ^ (uint32_t)r.type);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct txp_fib *f;
    struct txp_diag d;
    int before[4], after[4];

    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char *copy = malloc(len ? len : 1); /* exactly sized, so ASan sees over-reads */
    FZ_CHECK(copy != NULL);
    if (len)
        memcpy(copy, text, len);
    FZ_CHECK(txp_fib_create(NULL, &f) == TXP_OK);
    FZ_CHECK(txp_fib_load_links(f, base_links, strlen(base_links), "l", &d) == TXP_OK);
    FZ_CHECK(txp_fib_load_addrs(f, base_addrs, strlen(base_addrs), "a", &d) == TXP_OK);
    FZ_CHECK(txp_fib_load_routes(f, base_routes, strlen(base_routes), "r", &d) == TXP_OK);
    answers(f, before);
    size_t routes_before = txp_fib_route_count(f);
    int rc;
    switch (data[0] % 4) {
    case 0:
        rc = txp_fib_load_links(f, copy, len, "fuzz", &d);
        break;
    case 1:
        rc = txp_fib_load_addrs(f, copy, len, "fuzz", &d);
        break;
    case 2:
        rc = txp_fib_load_routes(f, copy, len, "fuzz", &d);
        break;
    default:
        rc = txp_fib_load_rules(f, copy, len, "fuzz", &d);
        break;
    }
    if (rc != TXP_OK) {
        FZ_CHECK(rc == TXP_EBADMSG || rc == TXP_ENOMEM);
        if (rc == TXP_EBADMSG) {
            FZ_CHECK(d.line >= 1 && d.line <= lines_in(data + 1, len));
            FZ_CHECK(d.msg[0] != '\0');
        }
        FZ_CHECK(txp_fib_route_count(f) == routes_before);
        answers(f, after);
        FZ_CHECK(memcmp(before, after, sizeof before) == 0);
    } else if (data[0] % 4 == 2 && txp_fib_route_count(f) > routes_before) {
        FZ_CHECK(txp_fib_load_routes(f, copy, len, "fuzz", &d) == TXP_EBADMSG);
    }
    txp_fib_destroy(f);
    free(copy);
    return 0;
}
