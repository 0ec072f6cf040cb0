/* SPDX-License-Identifier: MIT */
/* CUnit tests of the qdisc component: priorities, fifo/pfifo_fast/prio, netem, tc syntax. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/qdisc.h"

/* ---- helpers ---- */

static struct txp_pkt_pool *
mkpool(uint32_t n)
{
    struct txp_pkt_pool_config cfg = {n, 256};
    struct txp_pkt_pool *pool = NULL;
    CU_ASSERT_FATAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool) == TXP_OK);
    return pool;
}

/* A 60-byte frame whose byte 20 carries @p id (as a sequence number). */
static struct txp_pkt *
mkpkt(struct txp_pkt_pool *pool, uint32_t priority, uint8_t id, uint32_t len)
{
    struct txp_pkt *p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    uint8_t *d = txp_pkt_put(p, len);
    CU_ASSERT_FATAL(d != NULL);
    memset(d, 0, len);
    d[20] = id;
    p->meta.priority = priority;
    return p;
}

static uint8_t
pid(const struct txp_pkt *p)
{
    return txp_pkt_data(p)[20];
}

static uint32_t
free_list(struct txp_pkt **l)
{
    uint32_t n = 0;
    while (*l) {
        struct txp_pkt *p = *l;
        *l = p->next;
        txp_pkt_free(p);
        n++;
    }
    return n;
}

static struct txp_qdisc *
mk(const char *spec, uint32_t txqlen)
{
    struct txp_qdisc_conf c;
    struct txp_diag d;
    txp_diag_init(&d, "test");
    int rc = txp_qdisc_parse(spec, &c, NULL, &d);
    if (rc)
        fprintf(stderr, "parse %s: %s\n", spec, d.msg);
    CU_ASSERT_FATAL(rc == TXP_OK);
    struct txp_qdisc_dev dev;
    txp_qdisc_dev_default(&dev);
    dev.tx_queue_len = txqlen;
    struct txp_qdisc *q = NULL;
    CU_ASSERT_FATAL(txp_qdisc_create(&c, &dev, txp_h_alloc(), &q) == TXP_OK);
    return q;
}

/* ---- priorities ---- */

static void
test_tos2prio(void)
{
    /* linux-facts 6.1: IP_TOS -> SO_PRIORITY read live */
    static const struct {
        uint8_t tos;
        uint32_t prio;
    } v[] = {{0x00, 0}, {0x02, 0}, {0x04, 0}, {0x08, 2}, {0x0c, 2}, {0x10, 6},
             {0x14, 6}, {0x18, 4}, {0x1c, 4}, {0x1e, 4}, {0xb8, 4}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CU_ASSERT_EQUAL(txp_qdisc_tos2prio(v[i].tos), v[i].prio);
    static const uint8_t table[16] = {0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4};
    for (unsigned t = 0; t < 256; t++)
        CU_ASSERT_EQUAL(txp_qdisc_tos2prio((uint8_t)t), table[(t & 0x1e) >> 1]);

    struct txp_qdisc_sockprio s;
    txp_qdisc_sockprio_init(&s, 0);
    CU_ASSERT_EQUAL(txp_qdisc_sockprio_set_priority(&s, 3, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_qdisc_sockprio_set_tos(&s, 0x10), TXP_OK);
    CU_ASSERT_EQUAL(s.priority, 6); /* IP_TOS overwrites */
    CU_ASSERT_EQUAL(txp_qdisc_sockprio_set_priority(&s, 3, 0), TXP_OK);
    CU_ASSERT_EQUAL(s.priority, 3); /* SO_PRIORITY after wins */
    CU_ASSERT_EQUAL(txp_qdisc_sockprio_set_tos(&s, 0x10), TXP_OK);
    CU_ASSERT_EQUAL(s.priority, 3); /* same TOS: priority untouched */
    CU_ASSERT_EQUAL(txp_qdisc_sockprio_set_priority(&s, 7, 0), TXP_EPERM);
    CU_ASSERT_EQUAL(s.priority, 3);
    CU_ASSERT_EQUAL(txp_qdisc_sockprio_set_priority(&s, 7, 1), TXP_OK);
    CU_ASSERT_EQUAL(s.priority, 7);

    txp_qdisc_sockprio_init(&s, 1); /* TCP keeps the ECN bits: 0x13 reads back 0x10 */
    txp_qdisc_sockprio_set_tos(&s, 0x13);
    CU_ASSERT_EQUAL(s.tos, 0x10);
    CU_ASSERT_EQUAL(s.priority, 6);
}

/* ---- pfifo_fast ---- */

static void
test_pfifo_fast(void)
{
    txp_h_alloc_reset();
    struct txp_pkt_pool *pool = mkpool(64);
    struct txp_qdisc *q = mk("pfifo_fast", 1000);
    struct txp_pkt *to_free = NULL;
    /* one packet for every priority 0..15, in order: band = 1 2 2 2 1 2 0 0 1 1 ... */
    for (uint32_t prio = 0; prio < 16; prio++) {
        struct txp_pkt *p = mkpkt(pool, prio, (uint8_t)prio, 60);
        CU_ASSERT_EQUAL(txp_qdisc_classify(q, p), txp_qdisc_default_priomap[prio]);
        CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, p, 0, &to_free), TXP_QDISC_XMIT_SUCCESS);
    }
    CU_ASSERT_EQUAL(txp_qdisc_qlen(q), 16);
    CU_ASSERT_EQUAL(q->stats.backlog, 16 * 60);
    static const uint8_t order[16] = {6, 7, 0, 4, 8, 9, 10, 11, 12, 13, 14, 15, 1, 2, 3, 5};
    for (int i = 0; i < 16; i++) {
        struct txp_pkt *p = txp_qdisc_dequeue(q, 0);
        CU_ASSERT_FATAL(p != NULL);
        CU_ASSERT_EQUAL(pid(p), order[i]);
        txp_pkt_free(p);
    }
    CU_ASSERT_PTR_NULL(txp_qdisc_dequeue(q, 0));
    CU_ASSERT_EQUAL(q->stats.packets, 16);
    CU_ASSERT_EQUAL(q->stats.bytes, 960);
    char buf[512];
    txp_qdisc_format(q, 0, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "qdisc pfifo_fast 8001: root refcnt 2 bands 3 priomap 1 2 2 2 1 2 "
                                "0 0 1 1 1 1 1 1 1 1\n Sent 960 bytes 16 pkt (dropped 0, "
                                "overlimits 0 requeues 0) \n backlog 0b 0p requeues 0");
    txp_qdisc_destroy(q, &to_free);

    /* per-band limit = txqueuelen, the other bands unaffected */
    q = mk("pfifo_fast", 5);
    for (int i = 0; i < 8; i++)
        txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)i, 60), 0, &to_free);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 6, (uint8_t)(100 + i), 60), 0, &to_free),
                        TXP_QDISC_XMIT_SUCCESS);
    CU_ASSERT_EQUAL(txp_qdisc_qlen(q), 10);
    CU_ASSERT_EQUAL(q->stats.drops, 3);
    CU_ASSERT_EQUAL(q->stats.drop_reason[TXP_DROP_QDISC_DROP], 3);
    uint32_t ql;
    uint64_t sent, drops;
    CU_ASSERT_EQUAL(txp_qdisc_band_stats(q, 1, &ql, &sent, &drops), TXP_OK);
    CU_ASSERT_EQUAL(ql, 5);
    CU_ASSERT_EQUAL(drops, 3);
    for (struct txp_pkt *p = to_free; p; p = p->next)
        CU_ASSERT_EQUAL(p->meta.drop_reason, TXP_DROP_QDISC_DROP);
    CU_ASSERT_EQUAL(free_list(&to_free), 3);
    txp_qdisc_destroy(q, &to_free);
    CU_ASSERT_EQUAL(free_list(&to_free), 10);

    /* ptr_ring releases consumed slots in batches of 16 when size >= 32 */
    q = mk("pfifo_fast", 32);
    for (int i = 0; i < 32; i++)
        CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)i, 60), 0, &to_free),
                        TXP_QDISC_XMIT_SUCCESS);
    struct txp_pkt *p = txp_qdisc_dequeue(q, 0);
    txp_pkt_free(p);
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, 200, 60), 0, &to_free),
                    TXP_QDISC_XMIT_DROP); /* slot 0 not yet released */
    for (int i = 0; i < 15; i++)
        txp_pkt_free(txp_qdisc_dequeue(q, 0));
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)(50 + i), 60), 0, &to_free),
                        TXP_QDISC_XMIT_SUCCESS);
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, 201, 60), 0, &to_free),
                    TXP_QDISC_XMIT_DROP);
    for (int i = 16; i < 32; i++) {
        p = txp_qdisc_dequeue(q, 0);
        CU_ASSERT_EQUAL(pid(p), i);
        txp_pkt_free(p);
    }
    for (int i = 0; i < 16; i++) {
        p = txp_qdisc_dequeue(q, 0);
        CU_ASSERT_EQUAL(pid(p), 50 + i);
        txp_pkt_free(p);
    }
    CU_ASSERT_EQUAL(free_list(&to_free), 2);
    /* requeue goes out first and counts */
    txp_qdisc_enqueue(q, mkpkt(pool, 6, 1, 60), 0, &to_free);
    txp_qdisc_enqueue(q, mkpkt(pool, 6, 2, 60), 0, &to_free);
    p = txp_qdisc_dequeue(q, 0);
    txp_qdisc_requeue(q, p);
    CU_ASSERT_EQUAL(q->stats.requeues, 1);
    CU_ASSERT_EQUAL(txp_qdisc_qlen(q), 2);
    p = txp_qdisc_dequeue(q, 0);
    CU_ASSERT_EQUAL(pid(p), 1);
    txp_pkt_free(p);
    txp_qdisc_destroy(q, &to_free);
    CU_ASSERT_EQUAL(free_list(&to_free), 1);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

static void
test_prio_fifo(void)
{
    txp_h_alloc_reset();
    struct txp_pkt_pool *pool = mkpool(64);
    struct txp_pkt *to_free = NULL;
    struct txp_qdisc *q = mk("tc qdisc add dev eth1 root handle 1: prio bands 4 priomap 3 2 1 0 "
                             "3 2 1 0 3 2 1 0 3 2 1 0",
                             10);
    CU_ASSERT_EQUAL(q->handle, 0x10000u);
    struct txp_pkt *p = mkpkt(pool, 0, 1, 60);
    CU_ASSERT_EQUAL(txp_qdisc_classify(q, p), 3);
    p->meta.priority = 0x10002; /* 1:2 names band 1 */
    CU_ASSERT_EQUAL(txp_qdisc_classify(q, p), 1);
    p->meta.priority = 0x10009; /* 1:9 is past the bands: prio2band[0] */
    CU_ASSERT_EQUAL(txp_qdisc_classify(q, p), 3);
    p->meta.priority = 0x20001; /* another major: prio2band[0] */
    CU_ASSERT_EQUAL(txp_qdisc_classify(q, p), 3);
    p->meta.priority = 7;
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, p, 0, &to_free), 0);
    txp_qdisc_enqueue(q, mkpkt(pool, 0, 2, 60), 0, &to_free);
    txp_qdisc_enqueue(q, mkpkt(pool, 3, 3, 60), 0, &to_free);
    static const uint8_t want[3] = {1, 3, 2}; /* 7 and 3 map to band 0, 0 to band 3 */
    for (int i = 0; i < 3; i++) {
        p = txp_qdisc_dequeue(q, 0);
        CU_ASSERT_EQUAL(pid(p), want[i]);
        txp_pkt_free(p);
    }
    char buf[256];
    txp_qdisc_format(q, 1, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "qdisc prio 1: dev eth0 root refcnt 2 bands 4 priomap 3 2 1 0 3 2 "
                                "1 0 3 2 1 0 3 2 1 0");
    txp_qdisc_destroy(q, &to_free);

    q = mk("pfifo limit 2", 1000);
    for (int i = 0; i < 3; i++)
        txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)i, 60), 0, &to_free);
    CU_ASSERT_EQUAL(q->stats.drops, 1);
    txp_qdisc_format(q, 0, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "qdisc pfifo 8001: root refcnt 2 limit 2p");
    txp_qdisc_destroy(q, &to_free);

    q = mk("bfifo", 1000);
    txp_qdisc_format(q, 0, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "qdisc bfifo 8001: root refcnt 2 limit 1514000b");
    txp_qdisc_destroy(q, &to_free);
    q = mk("bfifo limit 150", 1000);
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, 1, 100), 0, &to_free), 0);
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, 2, 51), 0, &to_free), 1);
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, mkpkt(pool, 0, 3, 50), 0, &to_free), 0);
    CU_ASSERT_EQUAL(q->stats.backlog, 150);
    txp_qdisc_destroy(q, &to_free);

    q = mk("noqueue", 1000);
    p = mkpkt(pool, 0, 1, 60);
    CU_ASSERT_EQUAL(txp_qdisc_enqueue(q, p, 0, &to_free), TXP_QDISC_XMIT_NOQUEUE);
    txp_pkt_free(p);
    txp_qdisc_format(q, 0, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "qdisc noqueue 8001: root refcnt 2 ");
    txp_qdisc_destroy(q, &to_free);
    free_list(&to_free);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

/* ---- tc syntax ---- */

static void
test_tc_syntax(void)
{
    char buf[128];
    /* values read from the live `tc qdisc show` (bfifo limits, tbf rates) */
    static const struct {
        uint32_t v;
        const char *s;
    } sizes[] = {{1514000, "1514000b"}, {1500, "1500b"},  {2048, "2Kb"},  {10240, "10Kb"},
                 {1048576, "1Mb"},      {1049000, "1Mb"}, {1280, "1280b"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        txp_qdisc_format_size(sizes[i].v, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, sizes[i].s);
    }
    static const struct {
        uint64_t bps;
        const char *s;
    } rates[] = {
        {187500, "1500Kbit"}, {125000, "1Mbit"}, {15432, "123456bit"}, {1250000000, "10Gbit"}};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        txp_qdisc_format_rate(rates[i].bps, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, rates[i].s);
    }
    txp_qdisc_format_time(100000000, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "100ms");
    txp_qdisc_format_time(1500000000, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1.5s");

    struct txp_qdisc_conf c;
    struct txp_diag d;
    txp_diag_init(&d, "spec");
    CU_ASSERT_EQUAL(txp_qdisc_parse("netem delay 100ms 10ms 25% distribution normal loss random "
                                    "1% 30 duplicate 2% corrupt 0.1% reorder 25% 50% gap 5 rate "
                                    "1mbit 20 100 -5 limit 3000 seed 42",
                                    &c, NULL, &d),
                    TXP_OK);
    CU_ASSERT_EQUAL(c.kind, TXP_QDISC_NETEM);
    CU_ASSERT_EQUAL(c.netem.latency_ns, 100000000);
    CU_ASSERT_EQUAL(c.netem.jitter_ns, 10000000);
    CU_ASSERT_EQUAL(c.netem.delay_corr, (uint32_t)rint(0.25 * 4294967295.0));
    CU_ASSERT_EQUAL(c.netem.dist, TXP_QDISC_DIST_NORMAL);
    CU_ASSERT_EQUAL(c.netem.loss, (uint32_t)rint(0.01 * 4294967295.0));
    CU_ASSERT_EQUAL(c.netem.loss_corr, (uint32_t)rint(0.30 * 4294967295.0));
    CU_ASSERT_EQUAL(c.netem.rate, 125000);
    CU_ASSERT_EQUAL(c.netem.packet_overhead, 20);
    CU_ASSERT_EQUAL(c.netem.cell_size, 100);
    CU_ASSERT_EQUAL(c.netem.cell_overhead, -5);
    CU_ASSERT_EQUAL(c.netem.gap, 5);
    CU_ASSERT_EQUAL(c.netem.limit, 3000);
    CU_ASSERT_EQUAL(c.netem.seed, 42);
    struct txp_qdisc *q = NULL;
    CU_ASSERT_FATAL(txp_qdisc_create(&c, NULL, txp_h_alloc(), &q) == TXP_OK);
    char out[512];
    txp_qdisc_format(q, 0, 0, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "qdisc netem 8001: root refcnt 2 limit 3000 delay 100ms  10ms 25% "
                                "loss 1% 30% duplicate 2% reorder 25% 50% corrupt 0.1% rate 1Mbit "
                                "packetoverhead 20 cellsize 100 celloverhead -5 seed 42 gap 5");
    txp_qdisc_destroy(q, NULL);

    CU_ASSERT_EQUAL(txp_qdisc_parse("netem loss state 1% 2% 3% 4% 5%", &c, NULL, &d), TXP_OK);
    CU_ASSERT_EQUAL(c.netem.loss_model, TXP_QDISC_LOSS_GI);
    CU_ASSERT_EQUAL(c.netem.a5, (uint32_t)rint(0.04 * 4294967295.0)); /* p23 */
    CU_ASSERT_EQUAL(c.netem.a4, (uint32_t)rint(0.05 * 4294967295.0)); /* p14 */
    CU_ASSERT_EQUAL(txp_qdisc_parse("netem loss gemodel 1% 10% 70% 0.1%", &c, NULL, &d), TXP_OK);
    CU_ASSERT_EQUAL(c.netem.a3, UINT32_MAX - (uint32_t)rint(0.70 * 4294967295.0));
    CU_ASSERT_EQUAL(txp_qdisc_parse("netem d 10ms reorder 25%", &c, NULL, &d), TXP_OK);
    CU_ASSERT_EQUAL(c.netem.gap, 1); /* iproute2 defaults gap to 1 */

    /* errors: message and column */
    static const struct {
        const char *spec;
        uint32_t col;
        const char *msg;
    } bad[] = {
        {"pfifo limit abc", 13, "pfifo: Illegal value for \"limit\": \"abc\""},
        {"pfifo lim 5", 7, "pfifo: unknown parameter \"lim\""},
        {"pfifo limit", 12, "Command line is not complete"},
        {"pfifo limit 4294967296", 13, "Illegal value for \"limit\""},
        {"foo", 1, "Specified qdisc kind \"foo\" is unknown"},
        {"pfifo_fast bands 3", 12, "qdisc 'pfifo_fast' does not support option parsing"},
        {"prio bands 1", 13, "bands 1 out of range"},
        {"prio bands 2 priomap 0 1 2", 26, "\"priomap\" element 2 is out of bands"},
        {"netem delay 10ms gap 5", 23, "gap specified without reorder probability"},
        {"netem reorder 10%", 18, "reordering not possible without specifying some delay"},
        {"netem loss 101%", 12, "Illegal \"loss percent\""},
        {"netem loss 1% loss 2%", 15, "duplicate loss argument"},
        {"netem loss bursty 1%", 12, "Unknown loss parameter: bursty"},
        {"netem delay 10ms distribution normal", 37,
         "distribution specified but no latency and "
         "jitter values"},
        {"netem delay 10ms 1ms distribution weird", 35, "No distribution data for weird"},
        {"netem ecn", 10, "ecn requested without loss model"},
        {"netem frobnicate", 7, "What is \"frobnicate\"?"},
        {"netem rate 10%", 12, "percentage of the link speed"},
        {"netem delay -5ms", 13, "Illegal \"latency\""},
        {"tc qdisc add dev eth0 parent 1:1 pfifo", 23, "only root qdiscs"},
        {"tc qdisc add dev eth0 root handle zz: pfifo", 35, "Illegal \"handle\""},
        {"", 1, "expected a qdisc kind"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        txp_diag_init(&d, "spec");
        int rc = txp_qdisc_parse(bad[i].spec, &c, NULL, &d);
        CU_ASSERT_EQUAL(rc, TXP_EBADMSG);
        if (!strstr(d.msg, bad[i].msg) || d.column != bad[i].col)
            fprintf(stderr, "spec \"%s\": got col %u \"%s\"\n", bad[i].spec, (unsigned)d.column,
                    d.msg);
        CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, bad[i].msg));
        CU_ASSERT_EQUAL(d.column, bad[i].col);
    }
    char dev[16];
    CU_ASSERT_EQUAL(txp_qdisc_parse("tc qdisc replace dev veth0 root pfifo_fast", &c, dev, &d),
                    TXP_OK);
    CU_ASSERT_STRING_EQUAL(dev, "veth0");
}

/* ---- netem ---- */

struct run {
    uint32_t sent, got, dropped;
    uint64_t last_t;
};

static void
corrupt_owner_release(struct txp_pkt_ext *self, struct txp_pkt *p)
{
    (void)self;
    (void)p;
}

static struct txp_qdisc *
mk_netem(const char *spec, struct txp_pkt_pool *dup_pool)
{
    struct txp_qdisc_conf c;
    struct txp_diag d;
    txp_diag_init(&d, "t");
    CU_ASSERT_FATAL(txp_qdisc_parse(spec, &c, NULL, &d) == TXP_OK);
    c.netem.dup_pool = dup_pool;
    struct txp_qdisc *q = NULL;
    CU_ASSERT_FATAL(txp_qdisc_create(&c, NULL, txp_h_alloc(), &q) == TXP_OK);
    return q;
}

static void
test_netem_delay(void)
{
    txp_h_alloc_reset();
    struct txp_pkt_pool *pool = mkpool(64);
    struct txp_pkt *to_free = NULL;
    struct txp_qdisc *q = mk_netem("netem delay 10ms", NULL);
    txp_qdisc_enqueue(q, mkpkt(pool, 0, 1, 60), 1000, &to_free);
    CU_ASSERT_PTR_NULL(txp_qdisc_dequeue(q, 1000 + 9999999));
    CU_ASSERT_EQUAL(txp_qdisc_next_due(q, 0), 10001000u);
    struct txp_pkt *p = txp_qdisc_dequeue(q, 10001000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(p->meta.tstamp_ns, 10001000u);
    txp_pkt_free(p);
    txp_qdisc_destroy(q, &to_free);

    /* uniform jitter stays in [latency - jitter, latency + jitter) and packets leave in time
     * order; equal times keep arrival order */
    q = mk_netem("netem delay 10ms 5ms seed 7", NULL);
    for (int i = 0; i < 40; i++)
        txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)i, 60), (uint64_t)i * 100000, &to_free);
    uint64_t last = 0;
    int n = 0;
    while ((p = txp_qdisc_dequeue(q, UINT64_MAX)) != NULL) {
        uint64_t sent_at = (uint64_t)pid(p) * 100000;
        CU_ASSERT(p->meta.tstamp_ns >= sent_at + 5000000 && p->meta.tstamp_ns < sent_at + 15000000);
        CU_ASSERT(p->meta.tstamp_ns >= last);
        last = p->meta.tstamp_ns;
        txp_pkt_free(p);
        n++;
    }
    CU_ASSERT_EQUAL(n, 40);
    txp_qdisc_destroy(q, &to_free);

    /* rate: 1 Mbit/s = 125000 B/s, 1250-byte packets take 10 ms each, back to back */
    q = mk_netem("netem rate 1mbit", NULL);
    struct txp_pkt_pool *big = NULL;
    struct txp_pkt_pool_config cfg = {8, 2048};
    CU_ASSERT_FATAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &big) == TXP_OK);
    for (int i = 0; i < 3; i++)
        txp_qdisc_enqueue(q, mkpkt(big, 0, (uint8_t)i, 1250), 0, &to_free);
    for (int i = 0; i < 3; i++) {
        p = txp_qdisc_dequeue(q, UINT64_MAX);
        CU_ASSERT_EQUAL(p->meta.tstamp_ns, (uint64_t)(i + 1) * 10000000u);
        txp_pkt_free(p);
    }
    txp_qdisc_destroy(q, &to_free);
    /* rate with cell size 48 and overhead 5 per cell, 5 bytes per packet: 60+5 = 65 -> 2
     * cells -> 106 bytes -> 848 us at 125000 B/s */
    q = mk_netem("netem rate 1mbit 5 48 5", NULL);
    txp_qdisc_enqueue(q, mkpkt(big, 0, 0, 60), 0, &to_free);
    p = txp_qdisc_dequeue(q, UINT64_MAX);
    CU_ASSERT_EQUAL(p->meta.tstamp_ns, 848000u);
    txp_pkt_free(p);
    txp_qdisc_destroy(q, &to_free);

    /* reorder 100% gap 3: every 3rd packet goes to the head of the queue, now */
    q = mk_netem("netem delay 10ms reorder 100% gap 3", NULL);
    for (int i = 0; i < 6; i++)
        txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)i, 60), 0, &to_free);
    static const uint8_t want[6] = {5, 2, 0, 1, 3, 4};
    for (int i = 0; i < 6; i++) {
        p = txp_qdisc_dequeue(q, UINT64_MAX);
        CU_ASSERT_EQUAL(pid(p), want[i]);
        txp_pkt_free(p);
    }
    CU_ASSERT_EQUAL(q->stats.requeues, 2);
    txp_qdisc_destroy(q, &to_free);

    /* limit counts queued packets */
    q = mk_netem("netem delay 1s limit 3", NULL);
    for (int i = 0; i < 5; i++)
        txp_qdisc_enqueue(q, mkpkt(pool, 0, (uint8_t)i, 60), 0, &to_free);
    CU_ASSERT_EQUAL(txp_qdisc_qlen(q), 3);
    CU_ASSERT_EQUAL(q->stats.drop_reason[TXP_DROP_QDISC_DROP], 2);
    txp_qdisc_destroy(q, &to_free);
    free_list(&to_free);
    txp_pkt_pool_destroy(big);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

/* Push @p n packets through netem at 1 us intervals; count what comes out. */
static void
pump(struct txp_qdisc *q, struct txp_pkt_pool *pool, uint32_t n, struct run *r)
{
    struct txp_pkt *to_free = NULL;
    memset(r, 0, sizeof *r);
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *p = txp_pkt_alloc(pool);
        CU_ASSERT_FATAL(p != NULL);
        memset(txp_pkt_put(p, 60), 0, 60);
        txp_qdisc_enqueue(q, p, (uint64_t)i * 1000, &to_free);
        r->sent++;
        r->dropped += free_list(&to_free);
        while ((p = txp_qdisc_dequeue(q, (uint64_t)i * 1000)) != NULL) {
            r->got++;
            txp_pkt_free(p);
        }
    }
    struct txp_pkt *p;
    while ((p = txp_qdisc_dequeue(q, UINT64_MAX)) != NULL) {
        r->got++;
        txp_pkt_free(p);
    }
}

static int
within(double got, double want, double n)
{
    double sd = sqrt(n * want * (1 - want));
    return fabs(got - want * n) <= 5 * sd + 1;
}

static void
test_netem_random(void)
{
    txp_h_alloc_reset();
    struct txp_pkt_pool *pool = mkpool(256);
    const uint32_t N = 100000;
    struct run r, r2;

    struct txp_qdisc *q = mk_netem("netem loss 10% seed 1", NULL);
    pump(q, pool, N, &r);
    CU_ASSERT(within(r.dropped, 0.10, N));
    CU_ASSERT_EQUAL(r.got + r.dropped, N);
    CU_ASSERT_EQUAL(q->stats.drop_reason[TXP_DROP_QDISC_NETEM_LOSS], r.dropped);
    txp_qdisc_destroy(q, NULL);
    q = mk_netem("netem loss 10% seed 1", NULL); /* same seed, same result */
    pump(q, pool, N, &r2);
    CU_ASSERT_EQUAL(r.dropped, r2.dropped);
    txp_qdisc_destroy(q, NULL);

    q = mk_netem("netem duplicate 5% seed 2", pool);
    pump(q, pool, N, &r);
    CU_ASSERT(within(r.got - N, 0.05, N));
    CU_ASSERT_EQUAL(q->stats.duplicated, r.got - N);
    txp_qdisc_destroy(q, NULL);

    /* Gilbert-Elliott p=1% r=10% 1-h=70% 1-k=0.1%: stationary loss =
     * (p*(1-h) + r*(1-k)) / (p + r) = (0.007 + 0.0001) / 0.11 */
    q = mk_netem("netem loss gemodel 1% 10% 70% 0.1% seed 3", NULL);
    pump(q, pool, N, &r);
    double want = (0.01 * 0.70 + 0.10 * 0.001) / 0.11;
    CU_ASSERT(fabs((double)r.dropped / N - want) < 0.01);
    txp_qdisc_destroy(q, NULL);

    /* 4-state with p13 = 5%, p31 = 95% (defaults: p32 0, p23 100%, p14 0): a loss happens on
     * a TX_IN_GAP packet with p13 and is followed by TX_IN_GAP with p31; loss rate
     * p13 / (p13 + p31) = 5% */
    q = mk_netem("netem loss state 5% seed 4", NULL);
    pump(q, pool, N, &r);
    CU_ASSERT(fabs((double)r.dropped / N - 0.05) < 0.005);
    txp_qdisc_destroy(q, NULL);

    /* corrupt 100%: one bit flipped per packet */
    q = mk_netem("netem corrupt 100% seed 5", NULL);
    struct txp_pkt *to_free = NULL;
    struct txp_pkt *p = mkpkt(pool, 0, 0, 60);
    txp_qdisc_enqueue(q, p, 0, &to_free);
    p = txp_qdisc_dequeue(q, 0);
    int bits = 0;
    for (int i = 0; i < 60; i++)
        bits += __builtin_popcount(txp_pkt_data(p)[i]);
    CU_ASSERT_EQUAL(bits, 1);
    txp_pkt_free(p);
    txp_qdisc_destroy(q, NULL);

    /* corrupt on a packet sharing another owner's bytes (the TCP write queue's): the bit is
     * flipped in the packet's own copy (skb_unshare), the owner's bytes stay as they were. */
    q = mk_netem("netem corrupt 100% seed 5", NULL);
    {
        static uint8_t owner[256];
        static struct txp_pkt_ext ext;
        ext.release = corrupt_owner_release;
        memset(owner, 0, sizeof owner);
        p = txp_pkt_alloc(pool);
        CU_ASSERT_FATAL(p != NULL);
        CU_ASSERT_FATAL(txp_pkt_attach_ext(p, &ext, owner, 64, 60) == TXP_OK);
        txp_qdisc_enqueue(q, p, 0, &to_free);
        p = txp_qdisc_dequeue(q, 0);
        CU_ASSERT_FATAL(p != NULL);
        CU_ASSERT_FALSE(txp_pkt_shared(p));
        bits = 0;
        for (int i = 0; i < 60; i++)
            bits += __builtin_popcount(txp_pkt_data(p)[i]);
        CU_ASSERT_EQUAL(bits, 1);
        for (size_t i = 0; i < sizeof owner; i++)
            CU_ASSERT_EQUAL_FATAL(owner[i], 0);
        txp_pkt_free(p);
    }
    txp_qdisc_destroy(q, NULL);

    /* ecn: ECT(0) IPv4 packets are marked CE (checksum updated) instead of dropped */
    q = mk_netem("netem loss 100% ecn", NULL);
    p = txp_pkt_alloc(pool);
    uint8_t *d = txp_pkt_put(p, 34);
    memset(d, 0, 34);
    d[12] = 0x08;
    d[14] = 0x45;
    d[15] = 0x02; /* ECT(0) */
    d[16] = 0;
    d[17] = 20;
    d[22] = 64;
    d[23] = 17;
    d[26] = 10;
    d[30] = 10;
    d[33] = 1;
    uint16_t c0 = txp_csum(d + 14, 20);
    d[24] = (uint8_t)(c0 >> 8);
    d[25] = (uint8_t)c0;
    txp_qdisc_enqueue(q, p, 0, &to_free);
    CU_ASSERT_PTR_NULL(to_free);
    p = txp_qdisc_dequeue(q, 0);
    CU_ASSERT_EQUAL(txp_pkt_data(p)[15], 0x03);
    CU_ASSERT_EQUAL(txp_csum(txp_pkt_data(p) + 14, 20), 0);
    CU_ASSERT_EQUAL(q->stats.ecn_marked, 1);
    txp_pkt_free(p);
    p = mkpkt(pool, 0, 0, 60); /* not IPv4: dropped */
    txp_qdisc_enqueue(q, p, 0, &to_free);
    CU_ASSERT_EQUAL(free_list(&to_free), 1);
    txp_qdisc_destroy(q, NULL);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

/* Mean length of loss runs for @p spec over @p n packets (1 us apart, no delay). */
static double
loss_run_length(const char *spec, uint32_t n, double *rate)
{
    struct txp_pkt_pool *pool = mkpool(4);
    struct txp_qdisc *q = mk_netem(spec, NULL);
    uint32_t runs = 0, lost = 0;
    int prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct txp_pkt *to_free = NULL;
        txp_qdisc_enqueue(q, mkpkt(pool, 0, 0, 60), i * 1000ull, &to_free);
        int l = to_free != NULL;
        free_list(&to_free);
        struct txp_pkt *p = txp_qdisc_dequeue(q, i * 1000ull);
        if (p)
            txp_pkt_free(p);
        lost += (uint32_t)l;
        runs += (uint32_t)(l && !prev);
        prev = l;
    }
    txp_qdisc_destroy(q, NULL);
    txp_pkt_pool_destroy(pool);
    *rate = (double)lost / n;
    return runs ? (double)lost / runs : 0;
}

static void
test_netem_correlation(void)
{
    /* Correlation is the kernel's get_crandom: an AR(1) mix of uniform values,
     * answer = (value * (2^32 - rho) + last * rho) >> 32. The mix narrows the values around
     * 2^31, so with loss 30% and correlation 90% losses become rare (about 0.1%), not bursty:
     * the reason the GI and GE models exist. txpath keeps that arithmetic exactly. */
    txp_h_alloc_reset();
    double r0, r1;
    double plain = loss_run_length("netem loss 30% seed 21", 100000, &r0);
    double corr = loss_run_length("netem loss 30% 90% seed 21", 100000, &r1);
    CU_ASSERT(fabs(r0 - 0.30) < 0.01);
    CU_ASSERT(plain > 1.3 && plain < 1.6); /* geometric runs: 1 / (1 - 0.3) = 1.43 */
    CU_ASSERT(r1 > 0 && r1 < 0.01);
    CU_ASSERT(corr >= 1.0);
    double r2;
    (void)loss_run_length("netem loss 50% 50% seed 21", 100000, &r2);
    CU_ASSERT(fabs(r2 - 0.5) < 0.02); /* symmetric around 2^31: the mean survives */
    TXP_H_ASSERT_NO_LEAKS();
    /* correlated uniform jitter stays inside [latency - jitter, latency + jitter) */
    struct txp_pkt_pool *pool = mkpool(4);
    struct txp_qdisc *q = mk_netem("netem delay 50ms 40ms 95% seed 4", NULL);
    for (int i = 0; i < 2000; i++) {
        struct txp_pkt *to_free = NULL;
        txp_qdisc_enqueue(q, mkpkt(pool, 0, 0, 60), 0, &to_free);
        struct txp_pkt *p = txp_qdisc_dequeue(q, UINT64_MAX);
        CU_ASSERT(p->meta.tstamp_ns >= 10000000u && p->meta.tstamp_ns < 90000000u);
        txp_pkt_free(p);
    }
    txp_qdisc_destroy(q, NULL);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

static void
test_netem_dist(void)
{
    uint32_t n = 0;
    const int16_t *t = txp_qdisc_dist_table(TXP_QDISC_DIST_NORMAL, &n);
    CU_ASSERT_EQUAL(n, 4096);
    CU_ASSERT_EQUAL(t[0], -32768); /* clamped tail, as iproute2's normal.dist */
    for (uint32_t i = 1; i < n; i++)
        CU_ASSERT(t[i] >= t[i - 1]); /* an inverse CDF is non-decreasing */
    t = txp_qdisc_dist_table(TXP_QDISC_DIST_PARETO, &n);
    CU_ASSERT_EQUAL(t[0], -5461); /* (1 - 1.5) * 4/3 * 8192 */
    /* delays drawn with the normal table: mean ~ latency, sd ~ jitter */
    txp_h_alloc_reset();
    struct txp_pkt_pool *pool = mkpool(4);
    struct txp_qdisc *q = mk_netem("netem delay 100ms 10ms distribution normal seed 9", NULL);
    double sum = 0, sq = 0;
    const int N = 20000;
    struct txp_pkt *to_free = NULL;
    for (int i = 0; i < N; i++) {
        struct txp_pkt *p = mkpkt(pool, 0, 0, 60);
        txp_qdisc_enqueue(q, p, 0, &to_free);
        p = txp_qdisc_dequeue(q, UINT64_MAX);
        double ms = (double)p->meta.tstamp_ns / 1e6;
        sum += ms;
        sq += ms * ms;
        txp_pkt_free(p);
    }
    double mean = sum / N, sd = sqrt(sq / N - mean * mean);
    CU_ASSERT(fabs(mean - 100) < 0.5);
    CU_ASSERT(fabs(sd - 10) < 0.5);
    txp_qdisc_destroy(q, NULL);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();

    /* the kernel PRNG: seeding rule and period sanity */
    struct txp_qdisc_prandom a, b;
    txp_qdisc_prandom_seed(&a, 42);
    txp_qdisc_prandom_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(txp_qdisc_prandom_u32(&a), txp_qdisc_prandom_u32(&b));
    txp_qdisc_prandom_seed(&a, 0); /* seed 0: s = 2, 8, 16, 128 (the minimums added) */
    CU_ASSERT_EQUAL(a.s1, 2);
    CU_ASSERT_EQUAL(a.s4, 128);
}

static void
test_alloc_failures(void)
{
    /* every allocation of create fails cleanly, without leaks */
    static const char *specs[] = {"pfifo_fast", "netem delay 1ms", "prio", "bfifo"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        for (int64_t k = 0; k < 4; k++) {
            txp_h_alloc_reset();
            txp_h_alloc_counter()->fail_after = k;
            struct txp_qdisc_conf c;
            struct txp_diag d;
            txp_diag_init(&d, "t");
            CU_ASSERT_FATAL(txp_qdisc_parse(specs[s], &c, NULL, &d) == TXP_OK);
            struct txp_qdisc *q = NULL;
            int rc = txp_qdisc_create(&c, NULL, txp_h_alloc(), &q);
            CU_ASSERT(rc == TXP_OK || rc == TXP_ENOMEM);
            if (rc == TXP_OK)
                txp_qdisc_destroy(q, NULL);
            txp_h_alloc_counter()->fail_after = -1;
            TXP_H_ASSERT_NO_LEAKS();
        }
    }
    /* bad configurations are refused */
    struct txp_qdisc_conf c;
    txp_qdisc_conf_default(&c, TXP_QDISC_PRIO);
    c.bands = 17;
    struct txp_qdisc *q = NULL;
    CU_ASSERT_EQUAL(txp_qdisc_create(&c, NULL, NULL, &q), TXP_EINVAL);
    txp_qdisc_conf_default(&c, TXP_QDISC_NETEM);
    c.netem.latency_ns = -1;
    CU_ASSERT_EQUAL(txp_qdisc_create(&c, NULL, NULL, &q), TXP_EINVAL);
    txp_qdisc_conf_default(&c, TXP_QDISC_PFIFO_FAST);
    struct txp_qdisc_dev dev;
    txp_qdisc_dev_default(&dev);
    dev.tx_queue_len = 0;
    CU_ASSERT_EQUAL(txp_qdisc_create(&c, &dev, NULL, &q), TXP_EINVAL);
}

static const struct txp_h_test prio_tests[] = {TXP_H_TEST(test_tos2prio), TXP_H_TEST_END};
static const struct txp_h_test queue_tests[] = {TXP_H_TEST(test_pfifo_fast),
                                                TXP_H_TEST(test_prio_fifo),
                                                TXP_H_TEST(test_alloc_failures), TXP_H_TEST_END};
static const struct txp_h_test tc_tests[] = {TXP_H_TEST(test_tc_syntax), TXP_H_TEST_END};
static const struct txp_h_test netem_tests[] = {
    TXP_H_TEST(test_netem_delay), TXP_H_TEST(test_netem_random), TXP_H_TEST(test_netem_correlation),
    TXP_H_TEST(test_netem_dist), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("priority", NULL, NULL, prio_tests),
    TXP_H_SUITE("queues", NULL, NULL, queue_tests),
    TXP_H_SUITE("tc", NULL, NULL, tc_tests),
    TXP_H_SUITE("netem", NULL, NULL, netem_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
