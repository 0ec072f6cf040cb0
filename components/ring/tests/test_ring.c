/* SPDX-License-Identifier: MIT */
/*
 * txpath ring unit tests: descriptor layout, transmit and doorbell, device model, completion,
 * stop/wake thresholds, BQL, padding (also of a shared packet), bad input, the qdisc_run model and
 * the pcap backend. Expected numbers come from e1000's formulas (linux-facts.md section 7) worked
 * by hand.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream, mkstemp */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "txpath/h_cunit.h"
#include "txpath/h_pcap.h"
#include "txpath/ring.h"

#define T_MAX_FRAMES 1024
#define T_FRAME_MAX 16200

/* A backend that records every frame. */
struct t_capture {
    struct txp_ring_backend be;
    uint32_t n;
    uint64_t ts[T_MAX_FRAMES];
    uint32_t len[T_MAX_FRAMES];
    uint8_t *data[T_MAX_FRAMES];
};

static int
t_capture_fn(struct txp_ring_backend *self, uint64_t ts_ns, const uint8_t *data, uint32_t len)
{
    struct t_capture *c = TXP_CONTAINER_OF(self, struct t_capture, be);
    if (c->n >= T_MAX_FRAMES)
        return TXP_ENOSPC;
    c->data[c->n] = malloc(len);
    memcpy(c->data[c->n], data, len);
    c->len[c->n] = len;
    c->ts[c->n] = ts_ns;
    c->n++;
    return TXP_OK;
}

static void
t_capture_init(struct t_capture *c)
{
    memset(c, 0, sizeof *c);
    c->be.fn = t_capture_fn;
}

static void
t_capture_fini(struct t_capture *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        free(c->data[i]);
    c->n = 0;
}

/* A done callback that counts and frees. */
struct t_done {
    struct txp_ring_done_cb cb;
    uint32_t n;
    struct txp_pkt *last;
};

static void
t_done_fn(struct txp_ring_done_cb *self, struct txp_pkt *p, uint64_t now_ns)
{
    struct t_done *d = TXP_CONTAINER_OF(self, struct t_done, cb);
    (void)now_ns;
    d->n++;
    d->last = p;
    txp_pkt_free(p);
}

/* An event log: "stop@free" tokens. */
struct t_events {
    struct txp_ring_event_cb cb;
    uint32_t n;
    enum txp_ring_event ev[256];
    uint32_t free_desc[256];
};

static void
t_events_fn(struct txp_ring_event_cb *self, enum txp_ring_event ev, uint64_t now_ns,
            uint32_t free_desc)
{
    struct t_events *e = TXP_CONTAINER_OF(self, struct t_events, cb);
    (void)now_ns;
    if (e->n < 256) {
        e->ev[e->n] = ev;
        e->free_desc[e->n] = free_desc;
        e->n++;
    }
}

/* Shared fixture. */
static struct txp_pkt_pool *pool;
static struct t_capture cap;
static struct t_done done;
static struct t_events evs;
static uint64_t base_outstanding; /* the pool's own allocations */

/* No allocation beyond the pool's is outstanding and every packet is back in the pool. */
#define T_ASSERT_NO_LEAKS()                                                                        \
    do {                                                                                           \
        CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, base_outstanding);                     \
        CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);                                             \
    } while (0)

static int
t_setup(void)
{
    txp_h_alloc_reset();
    struct txp_pkt_pool_config pc = {.count = 600, .buf_size = 2048};
    if (txp_pkt_pool_create(&pc, txp_h_alloc(), &pool) != TXP_OK)
        return 1;
    base_outstanding = txp_h_alloc_counter()->outstanding;
    t_capture_init(&cap);
    memset(&done, 0, sizeof done);
    done.cb.fn = t_done_fn;
    memset(&evs, 0, sizeof evs);
    evs.cb.fn = t_events_fn;
    return 0;
}

static int
t_teardown(void)
{
    t_capture_fini(&cap);
    txp_pkt_pool_destroy(pool);
    pool = NULL;
    return 0;
}

static void
t_reset(void)
{
    t_capture_fini(&cap);
    memset(&done, 0, sizeof done);
    done.cb.fn = t_done_fn;
    memset(&evs, 0, sizeof evs);
    evs.cb.fn = t_events_fn;
}

static struct txp_ring *
t_ring(uint32_t size, uint64_t bps, bool bql)
{
    struct txp_ring_config cfg = {0};
    cfg.size = size;
    cfg.link_bps = bps;
    cfg.bql_disable = !bql;
    cfg.backend = &cap.be;
    cfg.done = &done.cb;
    cfg.events = &evs.cb;
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    return r;
}

/* A frame of @p len bytes whose bytes encode @p seq (so order is checkable). */
static struct txp_pkt *
t_frame(uint32_t len, uint32_t seq)
{
    struct txp_pkt *p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    uint8_t *d = txp_pkt_put(p, len);
    CU_ASSERT_FATAL(d != NULL);
    for (uint32_t i = 0; i < len; i++)
        d[i] = (uint8_t)(seq * 7u + i);
    if (len >= 4) {
        d[0] = (uint8_t)(seq >> 24);
        d[1] = (uint8_t)(seq >> 16);
        d[2] = (uint8_t)(seq >> 8);
        d[3] = (uint8_t)seq;
    }
    return p;
}

static uint32_t
t_seq(const uint8_t *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* ---------------------------------------------------------------- descriptor layout */

static void
test_desc_layout(void)
{
    struct txp_ring_desc d = {.addr = 0x1122334455667788ull,
                              .length = 0x05EA,
                              .cso = 0x22,
                              .cmd = TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS,
                              .status = TXP_RING_STA_DD,
                              .css = 0x0E,
                              .special = 0xABCD};
    uint8_t b[16];
    txp_ring_desc_encode(b, &d);
    static const uint8_t want[16] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                                     0xEA, 0x05, 0x22, 0x0B, 0x01, 0x0E, 0xCD, 0xAB};
    CU_ASSERT_EQUAL(memcmp(b, want, 16), 0);
    /* The CMD byte is bits 24..31 of the lower dword: EOP 0x01000000 -> 0x01 etc. */
    uint32_t lower =
        (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
    CU_ASSERT_EQUAL(lower & 0x01000000u, 0x01000000u);
    CU_ASSERT_EQUAL(lower & 0x02000000u, 0x02000000u);
    CU_ASSERT_EQUAL(lower & 0x08000000u, 0x08000000u);
    CU_ASSERT_EQUAL(lower & 0xFFFFu, 0x05EAu);
    struct txp_ring_desc e;
    txp_ring_desc_decode(b, &e);
    CU_ASSERT_EQUAL(e.addr, d.addr);
    CU_ASSERT_EQUAL(e.length, d.length);
    CU_ASSERT_EQUAL(e.cso, d.cso);
    CU_ASSERT_EQUAL(e.cmd, d.cmd);
    CU_ASSERT_EQUAL(e.status, d.status);
    CU_ASSERT_EQUAL(e.css, d.css);
    CU_ASSERT_EQUAL(e.special, d.special);
    CU_ASSERT_STRING_EQUAL(txp_ring_event_name(TXP_RING_EV_STACK_XOFF), "stack_xoff");
}

/* ---------------------------------------------------------------- lifecycle */

static void
test_config(void)
{
    struct txp_ring_config cfg = {0};
    CU_ASSERT(txp_ring_memsize(&cfg) > 256u * 16u);
    cfg.size = 100;
    CU_ASSERT_EQUAL(txp_ring_memsize(&cfg), 0);
    cfg.size = 32;
    CU_ASSERT_EQUAL(txp_ring_memsize(&cfg), 0);
    cfg.size = 8192;
    CU_ASSERT_EQUAL(txp_ring_memsize(&cfg), 0);
    cfg.size = 64;
    cfg.mtu = 45;
    CU_ASSERT_EQUAL(txp_ring_memsize(&cfg), 0);
    cfg.mtu = TXP_RING_MAX_MTU + 1;
    CU_ASSERT_EQUAL(txp_ring_memsize(&cfg), 0);
    cfg.mtu = 0;
    cfg.bql_min_limit = 100;
    cfg.bql_max_limit = 50;
    CU_ASSERT_EQUAL(txp_ring_memsize(&cfg), 0);
    struct txp_ring *r = NULL;
    CU_ASSERT_EQUAL(txp_ring_create(&cfg, txp_h_alloc(), &r), TXP_EINVAL);
    CU_ASSERT_PTR_NULL(r);

    /* Caller memory: too small is refused, exact size works. */
    cfg.bql_min_limit = cfg.bql_max_limit = 0;
    size_t n = txp_ring_memsize(&cfg);
    void *mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    CU_ASSERT_EQUAL(txp_ring_init(mem, n - 1, &cfg, &r), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ring_init(mem, n, &cfg, &r), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_size(r), 64);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 63);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDLEN), 1024);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, 0x1234), UINT32_MAX);
    txp_ring_fini(r, 0);
    free(mem);

    /* Allocation failure leaves nothing behind. */
    txp_h_alloc_counter()->fail_after = 0;
    CU_ASSERT_EQUAL(txp_ring_create(&cfg, txp_h_alloc(), &r), TXP_ENOMEM);
    txp_h_alloc_counter()->fail_after = -1;
    txp_ring_destroy(NULL);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- transmit */

static void
test_xmit_single(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    struct txp_pkt *p = t_frame(100, 1);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 1000), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_next_to_use(r), 1);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 254);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDT), 1);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDH), 0);
    struct txp_ring_desc d;
    txp_ring_desc_decode(txp_ring_desc_raw(r, 0), &d);
    CU_ASSERT_EQUAL(d.addr, (uint64_t)(uintptr_t)txp_pkt_data(p));
    CU_ASSERT_EQUAL(d.length, 100);
    CU_ASSERT_EQUAL(d.cmd, TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS);
    CU_ASSERT_EQUAL(d.status, 0);
    /* The device sends it, sets DD; clean gives it back. */
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 1000, 0), 1);
    CU_ASSERT_EQUAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.len[0], 100);
    CU_ASSERT_EQUAL(memcmp(cap.data[0], txp_pkt_data(p), 100), 0);
    CU_ASSERT_EQUAL(cap.ts[0], 1000);
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 0)[TXP_RING_DESC_OFF_STATUS], TXP_RING_STA_DD);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDH), 1);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 2000), 1);
    CU_ASSERT_EQUAL(done.n, 1);
    CU_ASSERT_PTR_EQUAL(done.last, p);
    CU_ASSERT_EQUAL(txp_ring_next_to_clean(r), 1);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 255);
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 0)[TXP_RING_DESC_OFF_STATUS], 0);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_xmit_int_delay(void)
{
    t_reset();
    struct txp_ring_config cfg = {.int_delay = true, .bql_disable = true};
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    struct txp_pkt *p = t_frame(64, 1);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 0)[TXP_RING_DESC_OFF_CMD],
                    TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS | TXP_RING_CMD_IDE);
    txp_ring_destroy(r); /* no done callback: the packet goes back to its pool */
    T_ASSERT_NO_LEAKS();
}

static void
test_xmit_frags(void)
{
    t_reset();
    struct txp_ring_config cfg = {0};
    cfg.mtu = 9000;
    cfg.backend = &cap.be;
    cfg.done = &done.cb;
    cfg.bql_disable = true;
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    static uint8_t big[6000], small[100];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13u);
    memset(small, 0x5A, sizeof small);
    struct txp_ring_frag fr[2] = {{big, sizeof big}, {small, sizeof small}};
    struct txp_pkt *p = t_frame(54, 9);
    /* 54 + 6000 + 100 = 6154 bytes: header, 4096 + 1904 for the big fragment, then 100. */
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, fr, 2, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_next_to_use(r), 4);
    uint16_t want_len[4] = {54, 4096, 1904, 100};
    for (uint32_t i = 0; i < 4; i++) {
        struct txp_ring_desc d;
        txp_ring_desc_decode(txp_ring_desc_raw(r, i), &d);
        CU_ASSERT_EQUAL(d.length, want_len[i]);
        CU_ASSERT_EQUAL(d.cmd, i == 3 ? (TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS)
                                      : TXP_RING_CMD_IFCS);
    }
    struct txp_ring_desc d1;
    txp_ring_desc_decode(txp_ring_desc_raw(r, 2), &d1);
    CU_ASSERT_EQUAL(d1.addr, (uint64_t)(uintptr_t)(big + 4096));
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 0), 1);
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.len[0], 6154);
    CU_ASSERT_EQUAL(memcmp(cap.data[0], txp_pkt_data(p), 54), 0);
    CU_ASSERT_EQUAL(memcmp(cap.data[0] + 54, big, 6000), 0);
    CU_ASSERT_EQUAL(memcmp(cap.data[0] + 6054, small, 100), 0);
    /* DD only on the descriptor with RS. */
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 0)[TXP_RING_DESC_OFF_STATUS], 0);
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 3)[TXP_RING_DESC_OFF_STATUS], TXP_RING_STA_DD);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 0), 1);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 255);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_xmit_more_doorbell(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    for (uint32_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(80, i), NULL, 0, i < 4, 0), TXP_OK);
    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.doorbells, 1);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDT), 5);
    /* With xmit_more and no doorbell, the device sees nothing. */
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(80, 5), NULL, 0, true, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 10, 0), 5);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 10, 0), 0);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDT), 5);
    txp_ring_doorbell(r, 20);
    txp_ring_doorbell(r, 20); /* already current: no second write */
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.doorbells, 2);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 20, 0), 1);
    CU_ASSERT_EQUAL(cap.n, 6);
    for (uint32_t i = 0; i < cap.n; i++)
        CU_ASSERT_EQUAL(t_seq(cap.data[i]), i);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 30), 6);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- device model */

static void
test_dev_rate(void)
{
    t_reset();
    /* 1 Gbit/s: (1000 + 24) * 8 bits = 8192 ns per frame. */
    struct txp_ring *r = t_ring(256, 1000000000ull, false);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(1000, i), NULL, 0, i < 3, 100), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 100 + 8191, 0), 0);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 100 + 8192, 0), 1);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 100 + 3 * 8192, 0), 2);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 1000000, 0), 1);
    CU_ASSERT_EQUAL(cap.n, 4);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(cap.ts[i], 100 + (i + 1) * 8192ull);
    /* Nothing is cleaned before DD: clean stops at the first descriptor without it. */
    CU_ASSERT_EQUAL(txp_ring_clean(r, 1000000), 4);
    /* An idle device starts on new work at the doorbell time. */
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(1000, 4), NULL, 0, false, 5000000), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 6000000, 0), 1);
    CU_ASSERT_EQUAL(cap.ts[4], 5000000 + 8192ull);
    /* max_frames caps a run. */
    for (uint32_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(100, 5 + i), NULL, 0, false, 7000000), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 9000000, 2), 2);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 9000000), 3);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 9000000, 2), 1);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 9000000), 1);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_clean_partial(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    for (uint32_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(70, i), NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 0), 0); /* no DD yet */
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 2), 2);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 0), 2);
    CU_ASSERT_EQUAL(txp_ring_next_to_clean(r), 2);
    CU_ASSERT_EQUAL(done.n, 2);
    /* fini gives back the one still in flight. */
    txp_ring_destroy(r);
    CU_ASSERT_EQUAL(done.n, 3);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- stop / wake */

static void
test_stop_wake(void)
{
    t_reset();
    struct txp_ring *r = t_ring(64, 0, false);
    /* One descriptor per frame: free goes 63 -> 24 after 39 frames; the 40th leaves 23 < 24. */
    uint32_t i;
    for (i = 0; i < 39; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(100, i), NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 24);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), 0);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(100, i++), NULL, 0, true, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), TXP_RING_XOFF_DRV);
    CU_ASSERT_EQUAL_FATAL(evs.n, 1);
    CU_ASSERT_EQUAL(evs.ev[0], TXP_RING_EV_STOP);
    CU_ASSERT_EQUAL(evs.free_desc[0], 23);
    /* A stopped queue rings the doorbell even with xmit_more. */
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDT), 40);
    /* Still room for count + 2: accepted (e1000 checks the count, not the flag). */
    for (; i < 61; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(100, i), NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 2);
    struct txp_pkt *p = t_frame(100, 61);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_EBUSY);
    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.tx_busy, 1);
    CU_ASSERT_EQUAL(st.stops, 1);
    /* Wake needs >= 32 free: cleaning 30 leaves 32 free. */
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 29), 29);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 0), 29);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 31);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), TXP_RING_XOFF_DRV);
    CU_ASSERT(!txp_ring_scheduled(r));
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 1), 1);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 0), 1);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 32);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), 0);
    CU_ASSERT(txp_ring_scheduled(r));
    CU_ASSERT_EQUAL_FATAL(evs.n, 2);
    CU_ASSERT_EQUAL(evs.ev[1], TXP_RING_EV_WAKE);
    CU_ASSERT_EQUAL(evs.free_desc[1], 32);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_OK);
    /* Wrap around the ring end and drain. */
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 0), 32);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 0), 32);
    CU_ASSERT_EQUAL(txp_ring_free_count(r), 63);
    CU_ASSERT_EQUAL(cap.n, 62);
    for (uint32_t k = 0; k < cap.n; k++)
        CU_ASSERT_EQUAL(t_seq(cap.data[k]), k);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- BQL */

static void
test_bql(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, true);
    struct txp_ring_bql b;
    txp_ring_bql(r, &b);
    CU_ASSERT_EQUAL(b.limit, 0);
    CU_ASSERT_EQUAL(b.max_limit, UINT32_MAX / 2u - UINT32_MAX / 16u);
    /* Limit 0: the first packet already exceeds it -> STACK_XOFF (the ring itself runs). */
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(1000, 0), NULL, 0, true, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), TXP_RING_XOFF_STACK);
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDT), 1); /* stopped: doorbell */
    txp_ring_bql(r, &b);
    CU_ASSERT_EQUAL(b.num_queued, 1000);
    CU_ASSERT_EQUAL(b.avail, -1000);
    /* Completion: the queue was over its limit and is now empty (starved): limit grows by
     * the bytes completed since the last completion, 1000. */
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 0), 1);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 10), 1);
    txp_ring_bql(r, &b);
    CU_ASSERT_EQUAL(b.limit, 1000);
    CU_ASSERT_EQUAL(b.num_completed, 1000);
    CU_ASSERT_EQUAL(b.avail, 1000);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), 0);
    CU_ASSERT(txp_ring_scheduled(r));
    CU_ASSERT_EQUAL_FATAL(evs.n, 2);
    CU_ASSERT_EQUAL(evs.ev[0], TXP_RING_EV_STACK_XOFF);
    CU_ASSERT_EQUAL(evs.ev[1], TXP_RING_EV_STACK_XON);
    /* Two of 600: the first fits (avail 1000 - 600 = 400), the second goes over. */
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(600, 1), NULL, 0, true, 20), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), 0);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(600, 2), NULL, 0, true, 20), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), TXP_RING_XOFF_STACK);
    txp_ring_bql(r, &b);
    CU_ASSERT_EQUAL(b.avail, -200);
    /* Both complete: over-limit by 200 and empty -> limit 1000 + 1200 (bytes since the
     * previous completion) = 2200. */
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 30, 0), 2);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 30), 2);
    txp_ring_bql(r, &b);
    CU_ASSERT_EQUAL(b.limit, 2200);
    CU_ASSERT_EQUAL(b.num_queued, b.num_completed);
    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.clean_bytes, st.tx_bytes);
    CU_ASSERT_EQUAL(st.stack_xoff, 2);
    CU_ASSERT_EQUAL(st.stack_xon, 2);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_bql_bounds(void)
{
    t_reset();
    struct txp_ring_config cfg = {.bql_min_limit = 3000, .bql_max_limit = 4000};
    cfg.backend = &cap.be;
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    struct txp_ring_bql b;
    txp_ring_bql(r, &b);
    CU_ASSERT_EQUAL(b.limit, 3000);
    CU_ASSERT_EQUAL(b.avail, 3000);
    for (uint32_t round = 0; round < 5; round++) {
        for (uint32_t i = 0; i < 6; i++)
            CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(1500, i), NULL, 0, false, round), TXP_OK);
        CU_ASSERT_EQUAL(txp_ring_dev_run(r, round, 0), 6);
        CU_ASSERT_EQUAL(txp_ring_clean(r, round), 6);
        txp_ring_bql(r, &b);
        CU_ASSERT(b.limit >= 3000 && b.limit <= 4000);
    }
    CU_ASSERT_EQUAL(b.limit, 4000);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- padding */

static void
test_padding(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    /* Room in the tailroom: zeros appended to the packet, one descriptor of 60. */
    struct txp_pkt *p = t_frame(42, 1);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(p->len, 60);
    CU_ASSERT_EQUAL(txp_ring_next_to_use(r), 1);
    /* A fragment: the ring's zero block is added as a third descriptor. */
    static const uint8_t tail[6] = {1, 2, 3, 4, 5, 6};
    struct txp_ring_frag fr = {tail, sizeof tail};
    struct txp_pkt *q = t_frame(20, 2);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, q, &fr, 1, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(q->len, 20);
    CU_ASSERT_EQUAL(txp_ring_next_to_use(r), 4);
    struct txp_ring_desc d;
    txp_ring_desc_decode(txp_ring_desc_raw(r, 3), &d);
    CU_ASSERT_EQUAL(d.length, 34);
    CU_ASSERT(d.cmd & TXP_RING_CMD_EOP);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 0), 2);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    CU_ASSERT_EQUAL(cap.len[0], 60);
    CU_ASSERT_EQUAL(cap.len[1], 60);
    static const uint8_t zeros[60];
    CU_ASSERT_EQUAL(memcmp(cap.data[0] + 42, zeros, 18), 0);
    CU_ASSERT_EQUAL(memcmp(cap.data[1] + 20, tail, 6), 0);
    CU_ASSERT_EQUAL(memcmp(cap.data[1] + 26, zeros, 34), 0);
    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.padded, 2);
    CU_ASSERT_EQUAL(st.tx_bytes, 120);
    /* No tailroom: the zero block again. */
    struct txp_pkt *full = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(full != NULL);
    uint32_t room = txp_pkt_tailroom(full);
    CU_ASSERT_FATAL(txp_pkt_put(full, room) != NULL);
    txp_pkt_pull(full, room - 10);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(full), 0);
    memset(txp_pkt_data(full), 0xEE, 10);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, full, NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 0), 1);
    CU_ASSERT_EQUAL(cap.len[2], 60);
    CU_ASSERT_EQUAL(memcmp(cap.data[2] + 10, zeros, 50), 0);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* A short frame sharing another owner's bytes (the TCP write queue's) is padded in its own
 * buffer, as a cloned skb is reallocated by skb_pad: inline, one descriptor, owner untouched. */
struct t_ext {
    struct txp_pkt_ext ext;
    unsigned released;
};

static void
t_ext_release(struct txp_pkt_ext *self, struct txp_pkt *p)
{
    (void)p;
    TXP_CONTAINER_OF(self, struct t_ext, ext)->released++;
}

static void
test_padding_shared(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    struct t_ext o = {{t_ext_release}, 0};
    uint8_t owner[256];
    memset(owner, 0x5A, sizeof owner);
    struct txp_pkt *p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_FATAL(txp_pkt_attach_ext(p, &o.ext, owner, 100, 42) == TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(p), 0);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_OK);
    CU_ASSERT_FALSE(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(o.released, 1);
    CU_ASSERT_EQUAL(p->len, 60);
    CU_ASSERT_EQUAL(txp_ring_next_to_use(r), 1); /* inline padding: no zero-block descriptor */
    CU_ASSERT_EQUAL(owner[142], 0x5A);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 0, 0), 1);
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.len[0], 60);
    CU_ASSERT_EQUAL(memcmp(cap.data[0], owner + 100, 42), 0);
    static const uint8_t zeros[18];
    CU_ASSERT_EQUAL(memcmp(cap.data[0] + 42, zeros, 18), 0);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- bad input */

struct t_snapshot {
    uint8_t desc[64 * 16];
    uint32_t ntu, ntc, tdt, tdh, free_desc, state;
    struct txp_ring_bql bql;
};

static void
t_snap(const struct txp_ring *r, struct t_snapshot *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < 64; i++)
        memcpy(s->desc + i * 16, txp_ring_desc_raw(r, i), 16);
    s->ntu = txp_ring_next_to_use(r);
    s->ntc = txp_ring_next_to_clean(r);
    s->tdt = txp_ring_reg_read(r, TXP_RING_REG_TDT);
    s->tdh = txp_ring_reg_read(r, TXP_RING_REG_TDH);
    s->free_desc = txp_ring_free_count(r);
    s->state = txp_ring_queue_state(r);
    txp_ring_bql(r, &s->bql);
}

static void
test_bad_input(void)
{
    t_reset();
    struct txp_ring *r = t_ring(64, 0, true);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(300, 0), NULL, 0, false, 0), TXP_OK);
    struct t_snapshot a, b;
    t_snap(r, &a);

    /* Frame larger than MTU + header: 1515 > 1514. 1514 itself is fine (checked below). */
    struct txp_pkt *p = t_frame(1515, 1);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_EMSGSIZE);
    CU_ASSERT_EQUAL(p->meta.drop_reason, TXP_DROP_PKT_TOO_BIG);
    CU_ASSERT_EQUAL(p->len, 1515);
    t_snap(r, &b);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);

    /* Zero-length fragment. */
    static const uint8_t x[8];
    struct txp_ring_frag fr[TXP_RING_MAX_FRAGS + 1];
    for (uint32_t i = 0; i < TXP_RING_MAX_FRAGS + 1; i++) {
        fr[i].data = x;
        fr[i].len = sizeof x;
    }
    fr[1].len = 0;
    struct txp_pkt *q = t_frame(20, 2);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, q, fr, 3, false, 0), TXP_EINVAL);
    CU_ASSERT_EQUAL(q->meta.drop_reason, TXP_DROP_TX_BAD_FRAGS);
    CU_ASSERT_EQUAL(q->len, 20); /* not padded */
    /* Empty linear part. */
    struct txp_pkt *e = txp_pkt_alloc(pool);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, e, NULL, 0, false, 0), TXP_EINVAL);
    /* More fragments than MAX_SKB_FRAGS. */
    fr[1].len = sizeof x;
    CU_ASSERT_EQUAL(txp_ring_xmit(r, q, fr, TXP_RING_MAX_FRAGS + 1, false, 0), TXP_ERANGE);
    t_snap(r, &b);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);

    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.drops, 4);
    CU_ASSERT_EQUAL(st.drop_reason[TXP_DROP_PKT_TOO_BIG], 1);
    CU_ASSERT_EQUAL(st.drop_reason[TXP_DROP_TX_BAD_FRAGS], 3);
    CU_ASSERT_EQUAL(st.tx_packets, 1);

    /* The largest legal frame goes through. */
    txp_pkt_trim(p, 1514);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, NULL, 0, false, 0), TXP_OK);
    txp_pkt_free(q);
    txp_pkt_free(e);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_max_frags(void)
{
    t_reset();
    /* The largest fragment list: the linear part and 17 fragments, one descriptor each. */
    struct txp_ring_config cfg = {.size = 64, .mtu = 16110, .bql_disable = true};
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    static uint8_t buf[900];
    struct txp_ring_frag fr[TXP_RING_MAX_FRAGS];
    for (uint32_t i = 0; i < TXP_RING_MAX_FRAGS; i++) {
        fr[i].data = buf;
        fr[i].len = sizeof buf;
    }
    struct txp_pkt *p = t_frame(100, 0);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, p, fr, TXP_RING_MAX_FRAGS, false, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_next_to_use(r), 18);
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 17)[TXP_RING_DESC_OFF_CMD],
                    TXP_RING_CMD_EOP | TXP_RING_CMD_IFCS | TXP_RING_CMD_RS);
    CU_ASSERT_EQUAL(txp_ring_desc_raw(r, 16)[TXP_RING_DESC_OFF_CMD], TXP_RING_CMD_IFCS);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- qdisc run */

/* A FIFO packet source with head requeue. */
struct t_src {
    struct txp_ring_src src;
    struct txp_pkt *q[1024];
    uint32_t head, tail; /* indices into a 2048 window, head may go below the start */
    uint32_t dequeues, requeues, drops;
};

static struct txp_pkt *
t_src_dequeue(struct txp_ring_src *self, uint64_t now_ns)
{
    struct t_src *s = TXP_CONTAINER_OF(self, struct t_src, src);
    (void)now_ns;
    if (s->head == s->tail)
        return NULL;
    s->dequeues++;
    return s->q[s->head++ % 1024];
}

static void
t_src_requeue(struct txp_ring_src *self, struct txp_pkt *p)
{
    struct t_src *s = TXP_CONTAINER_OF(self, struct t_src, src);
    s->requeues++;
    s->head--;
    s->q[s->head % 1024] = p;
}

static void
t_src_drop(struct txp_ring_src *self, struct txp_pkt *p, enum txp_drop_reason why)
{
    struct t_src *s = TXP_CONTAINER_OF(self, struct t_src, src);
    CU_ASSERT_EQUAL(why, TXP_DROP_PKT_TOO_BIG);
    s->drops++;
    txp_pkt_free(p);
}

static void
t_src_init(struct t_src *s)
{
    memset(s, 0, sizeof *s);
    s->head = s->tail = 1024;
    s->src.dequeue = t_src_dequeue;
    s->src.requeue = t_src_requeue;
    s->src.drop = t_src_drop;
}

static void
t_src_push(struct t_src *s, struct txp_pkt *p)
{
    s->q[s->tail++ % 1024] = p;
}

static void
test_qdisc_quota(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    struct t_src s;
    t_src_init(&s);
    for (uint32_t i = 0; i < 100; i++)
        t_src_push(&s, t_frame(100, i));
    struct txp_ring_run_result res;
    CU_ASSERT_EQUAL(txp_ring_qdisc_run(r, &s.src, 0, &res), TXP_OK);
    CU_ASSERT_EQUAL(res.sent, 64);
    CU_ASSERT(res.quota_used);
    CU_ASSERT(!res.stopped);
    CU_ASSERT(txp_ring_scheduled(r));
    /* Without BQL there is no bulk: each packet is its own doorbell. */
    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.doorbells, 64);
    CU_ASSERT(txp_ring_tx_action(r, &s.src, 1, &res));
    CU_ASSERT_EQUAL(res.sent, 36);
    CU_ASSERT(!res.quota_used);
    CU_ASSERT(!txp_ring_scheduled(r));
    CU_ASSERT(!txp_ring_tx_action(r, &s.src, 2, &res));
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 5, 0), 100);
    CU_ASSERT_EQUAL(txp_ring_clean(r, 5), 100);
    for (uint32_t k = 0; k < cap.n; k++)
        CU_ASSERT_EQUAL(t_seq(cap.data[k]), k);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_qdisc_busy_requeue(void)
{
    t_reset();
    struct txp_ring *r = t_ring(64, 0, false);
    struct t_src s;
    t_src_init(&s);
    for (uint32_t i = 0; i < 80; i++)
        t_src_push(&s, t_frame(100, i));
    struct txp_ring_run_result res;
    /* 40 frames leave 23 free < 24: the queue stops and dequeue_skb stops with it. */
    txp_ring_qdisc_run(r, &s.src, 0, &res);
    CU_ASSERT_EQUAL(res.sent, 40);
    CU_ASSERT(res.stopped);
    CU_ASSERT_EQUAL(res.requeued, 0);
    CU_ASSERT(!txp_ring_scheduled(r));
    /* Drain everything: the wake schedules the next run. */
    txp_ring_dev_run(r, 1, 0);
    txp_ring_clean(r, 1);
    CU_ASSERT(txp_ring_scheduled(r));
    CU_ASSERT(txp_ring_tx_action(r, &s.src, 2, &res));
    CU_ASSERT_EQUAL(res.sent, 40);
    CU_ASSERT_EQUAL(s.head, s.tail);
    txp_ring_dev_run(r, 3, 0);
    txp_ring_clean(r, 3);
    CU_ASSERT_EQUAL(cap.n, 80);
    for (uint32_t k = 0; k < cap.n; k++)
        CU_ASSERT_EQUAL(t_seq(cap.data[k]), k);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_qdisc_bql_bulk(void)
{
    t_reset();
    struct txp_ring_config cfg = {.size = 64, .bql_min_limit = 2000};
    cfg.backend = &cap.be;
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    struct t_src s;
    t_src_init(&s);
    for (uint32_t i = 0; i < 10; i++)
        t_src_push(&s, t_frame(500, i));
    /* Budget 2000: first 500 leaves 1500, then bulk while budget > 0: 3 more (1000, 500,
     * 0) -> a bulk of 4 with one doorbell. The 4th exceeds nothing (2000 = limit), so the
     * 5th packet's xmit sets STACK_XOFF: a bulk of 1 (avail 0 - 500 < 0), then stopped. */
    struct txp_ring_run_result res;
    txp_ring_qdisc_run(r, &s.src, 0, &res);
    CU_ASSERT_EQUAL(res.sent, 5);
    CU_ASSERT(res.stopped);
    struct txp_ring_stats st;
    txp_ring_stats(r, &st);
    CU_ASSERT_EQUAL(st.doorbells, 2);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), TXP_RING_XOFF_STACK);
    txp_ring_dev_run(r, 1, 0);
    txp_ring_clean(r, 1);
    CU_ASSERT_EQUAL(txp_ring_queue_state(r), 0);
    CU_ASSERT(txp_ring_scheduled(r));
    while (txp_ring_tx_action(r, &s.src, 2, &res)) {
        txp_ring_dev_run(r, 3, 0);
        txp_ring_clean(r, 3);
    }
    CU_ASSERT_EQUAL(cap.n, 10);
    for (uint32_t k = 0; k < cap.n; k++)
        CU_ASSERT_EQUAL(t_seq(cap.data[k]), k);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

static void
test_qdisc_busy_bulk(void)
{
    t_reset();
    /* A bulk cut short by a stop: 16124-byte frames take 4 descriptors each; with a large
     * BQL limit all 12 come out as one bulk. free 63 - 4k < 24 after the 10th: the queue
     * stops, dev_hard_start_xmit reports BUSY and the last 2 are requeued in order. */
    struct txp_ring_config cfg = {.size = 64, .mtu = 16110, .bql_min_limit = 1000000};
    cfg.backend = &cap.be;
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    struct txp_pkt_pool *big = NULL;
    struct txp_pkt_pool_config pc = {.count = 20, .buf_size = 17000};
    CU_ASSERT_FATAL(txp_pkt_pool_create(&pc, txp_h_alloc(), &big) == TXP_OK);
    struct t_src s;
    t_src_init(&s);
    for (uint32_t i = 0; i < 12; i++) {
        struct txp_pkt *p = txp_pkt_alloc(big);
        CU_ASSERT_FATAL(p != NULL);
        uint8_t *d = txp_pkt_put(p, 16124);
        CU_ASSERT_FATAL(d != NULL);
        memset(d, (int)i, 16124);
        d[0] = d[1] = d[2] = 0;
        d[3] = (uint8_t)i;
        t_src_push(&s, p);
    }
    struct txp_ring_run_result res;
    txp_ring_qdisc_run(r, &s.src, 0, &res);
    CU_ASSERT_EQUAL(res.sent, 10);
    CU_ASSERT_EQUAL(res.requeued, 2);
    CU_ASSERT(txp_ring_scheduled(r));
    CU_ASSERT_EQUAL(txp_ring_reg_read(r, TXP_RING_REG_TDT), 40);
    uint64_t now = 1;
    for (int k = 0; k < 10 && (txp_ring_scheduled(r) || s.head != s.tail); k++) {
        txp_ring_dev_run(r, now, 0);
        txp_ring_clean(r, now);
        txp_ring_tx_action(r, &s.src, ++now, &res);
    }
    txp_ring_dev_run(r, now, 0);
    txp_ring_clean(r, now);
    CU_ASSERT_EQUAL(cap.n, 12);
    for (uint32_t k = 0; k < cap.n; k++) {
        CU_ASSERT_EQUAL(t_seq(cap.data[k]), k);
        CU_ASSERT_EQUAL(cap.len[k], 16124);
    }
    txp_ring_destroy(r);
    txp_pkt_pool_destroy(big);
    T_ASSERT_NO_LEAKS();
}

static void
test_qdisc_drop(void)
{
    t_reset();
    struct txp_ring *r = t_ring(256, 0, false);
    struct t_src s;
    t_src_init(&s);
    t_src_push(&s, t_frame(100, 0));
    t_src_push(&s, t_frame(1600, 1));
    t_src_push(&s, t_frame(100, 2));
    struct txp_ring_run_result res;
    txp_ring_qdisc_run(r, &s.src, 0, &res);
    CU_ASSERT_EQUAL(res.sent, 2);
    CU_ASSERT_EQUAL(res.dropped, 1);
    CU_ASSERT_EQUAL(s.drops, 1);
    txp_ring_dev_run(r, 1, 0);
    CU_ASSERT_EQUAL(cap.n, 2);
    CU_ASSERT_EQUAL(t_seq(cap.data[1]), 2);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- pcap backend */

static void
test_pcap_backend(void)
{
    t_reset();
    char path[] = "/tmp/txp-ring-test-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    struct txp_ring_pcap *w = NULL;
    CU_ASSERT_FATAL(txp_ring_pcap_open(path, txp_h_alloc(), &w) == TXP_OK);
    struct txp_ring_config cfg = {.link_bps = 100000000ull, .bql_disable = true};
    cfg.backend = txp_ring_pcap_backend(w);
    struct txp_ring *r = NULL;
    CU_ASSERT_FATAL(txp_ring_create(&cfg, txp_h_alloc(), &r) == TXP_OK);
    for (uint32_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(100 + i, i), NULL, 0, false, 3000000000ull),
                        TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_dev_run(r, 4000000000ull, 0), 3);
    txp_ring_destroy(r);
    CU_ASSERT_EQUAL(txp_ring_pcap_close(w), TXP_OK);
    struct txp_h_pcap_file *f = NULL;
    struct txp_diag d;
    CU_ASSERT_FATAL(txp_h_pcap_load(path, &f, &d) == TXP_OK);
    CU_ASSERT_EQUAL(f->count, 3);
    CU_ASSERT_EQUAL(f->nsec, 1);
    CU_ASSERT_EQUAL(f->linktype, 1);
    /* 100 Mbit/s: (100 + 24) * 80 ns = 9920 ns, then 10000, 10080. */
    uint64_t want[3] = {3000000000ull + 9920, 3000000000ull + 19920, 3000000000ull + 30000};
    for (uint32_t i = 0; i < f->count && i < 3; i++) {
        CU_ASSERT_EQUAL(f->recs[i].ts_ns, want[i]);
        CU_ASSERT_EQUAL(f->recs[i].caplen, 100 + i);
        CU_ASSERT_EQUAL(t_seq(f->recs[i].data), i);
    }
    txp_h_pcap_file_free(f);
    unlink(path);
    CU_ASSERT_EQUAL(txp_ring_pcap_open("/nonexistent-dir/x.pcap", txp_h_alloc(), &w), TXP_EIO);
    T_ASSERT_NO_LEAKS();
}

static void
test_afpacket_args(void)
{
    /* Argument and interface checks come before any socket: no privilege needed. */
    struct txp_ring_afpacket *s = NULL;
    CU_ASSERT_EQUAL(txp_ring_afpacket_open("lo", 59, txp_h_alloc(), &s), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ring_afpacket_open("lo", TXP_RING_MAX_MTU + 15, txp_h_alloc(), &s),
                    TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ring_afpacket_open("txp-no-such-if0", 1514, txp_h_alloc(), &s), TXP_ENOENT);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(txp_ring_afpacket_close(NULL), TXP_OK);
    T_ASSERT_NO_LEAKS();
}

static void
test_dump(void)
{
    t_reset();
    struct txp_ring *r = t_ring(64, 0, true);
    CU_ASSERT_EQUAL(txp_ring_xmit(r, t_frame(100, 0), NULL, 0, false, 0), TXP_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    txp_ring_dump(f, r);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ntu 1 ntc 0 free 62 TDH 0 TDT 1 state stack_xoff"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "[   0] len   100 cmd 0b sta 00 eop"));
    free(buf);
    txp_ring_destroy(r);
    T_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------- SPSC pointer ring */

static void
test_ptr_basic(void)
{
    CU_ASSERT_EQUAL(txp_ring_ptr_memsize(0), 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_memsize(1), 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_memsize(6), 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_memsize(TXP_RING_PTR_MAX * 2u), 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_memsize(8), 256 + 8 * sizeof(void *));
    struct txp_ring_ptr *r = NULL;
    CU_ASSERT_EQUAL(txp_ring_ptr_create(12, txp_h_alloc(), &r), TXP_EINVAL);
    CU_ASSERT_FATAL(txp_ring_ptr_create(8, txp_h_alloc(), &r) == TXP_OK);
    uintptr_t v[20], w[20];
    for (uintptr_t i = 0; i < 20; i++)
        v[i] = i + 1;
    void **in = (void **)(void *)v, **out = (void **)(void *)w;
    CU_ASSERT_EQUAL(txp_ring_ptr_dequeue_burst(r, out, 4), 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_enqueue_burst(r, in, 5), 5);
    CU_ASSERT_EQUAL(txp_ring_ptr_enqueue_burst(r, in + 5, 5), 3); /* full at 8 */
    CU_ASSERT_EQUAL(txp_ring_ptr_count(r), 8);
    CU_ASSERT_EQUAL(txp_ring_ptr_enqueue_burst(r, in, 1), 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_dequeue_burst(r, out, 6), 6);
    for (uint32_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(w[i], i + 1);
    /* Wrap around the end of the slots. */
    CU_ASSERT_EQUAL(txp_ring_ptr_enqueue_burst(r, in + 8, 6), 6);
    CU_ASSERT_EQUAL(txp_ring_ptr_dequeue_burst(r, out, 20), 8);
    for (uint32_t i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(w[i], i + 7);
    CU_ASSERT_EQUAL(txp_ring_ptr_count(r), 0);
    txp_ring_ptr_destroy(r);
    txp_ring_ptr_destroy(NULL);
    /* Caller memory: alignment and size are checked. */
    void *mem = aligned_alloc(64, 512);
    CU_ASSERT_EQUAL(txp_ring_ptr_init((char *)mem + 8, 400, 8, &r), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ring_ptr_init(mem, 256, 8, &r), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_ring_ptr_init(mem, 512, 8, &r), TXP_OK);
    CU_ASSERT_EQUAL(txp_ring_ptr_enqueue_burst(r, in, 3), 3);
    txp_ring_ptr_destroy(r); /* not owned: a no-op */
    free(mem);
    T_ASSERT_NO_LEAKS();
}

/* Random bursts against a plain array queue (the reference). */
static void
test_ptr_reference(void)
{
    struct txp_rng rng;
    txp_rng_seed(&rng, 42);
    struct txp_ring_ptr *r = NULL;
    CU_ASSERT_FATAL(txp_ring_ptr_create(64, txp_h_alloc(), &r) == TXP_OK);
    static uintptr_t ref[100000];
    uint32_t rh = 0, rt = 0;
    uintptr_t next = 1;
    uint32_t bad = 0;
    for (int step = 0; step < 20000 && rt < 99000; step++) {
        uint32_t n = txp_rng_below(&rng, 40);
        uintptr_t buf[40];
        if (txp_rng_below(&rng, 2)) {
            for (uint32_t i = 0; i < n; i++)
                buf[i] = next + i;
            uint32_t room = 64 - (rt - rh);
            uint32_t want = n < room ? n : room;
            uint32_t got = txp_ring_ptr_enqueue_burst(r, (void *const *)(void *)buf, n);
            bad += got != want;
            for (uint32_t i = 0; i < got; i++)
                ref[rt++] = next++;
        } else {
            uint32_t have = rt - rh;
            uint32_t want = n < have ? n : have;
            uint32_t got = txp_ring_ptr_dequeue_burst(r, (void **)(void *)buf, n);
            bad += got != want;
            for (uint32_t i = 0; i < got; i++)
                bad += buf[i] != ref[rh++];
        }
        bad += txp_ring_ptr_count(r) != rt - rh;
    }
    CU_ASSERT_EQUAL(bad, 0);
    txp_ring_ptr_destroy(r);
    T_ASSERT_NO_LEAKS();
}

#define T_PTR_ITEMS 300000u

struct t_ptr_thread {
    struct txp_ring_ptr *r;
    uint32_t errors;
};

static void *
t_ptr_producer(void *arg)
{
    struct t_ptr_thread *t = arg;
    uintptr_t next = 1;
    uint32_t burst = 1;
    while (next <= T_PTR_ITEMS) {
        uintptr_t buf[32];
        uint32_t n = burst;
        if (next + n - 1 > T_PTR_ITEMS)
            n = (uint32_t)(T_PTR_ITEMS - next + 1);
        for (uint32_t i = 0; i < n; i++)
            buf[i] = next + i;
        uint32_t got = txp_ring_ptr_enqueue_burst(t->r, (void *const *)(void *)buf, n);
        next += got;
        if (got == 0)
            sched_yield();
        burst = burst % 32u + 1u;
    }
    return NULL;
}

/* One producer thread and one consumer thread: every pointer arrives once, in order. */
static void
test_ptr_threads(void)
{
    struct t_ptr_thread t = {0};
    CU_ASSERT_FATAL(txp_ring_ptr_create(256, txp_h_alloc(), &t.r) == TXP_OK);
    pthread_t th;
    CU_ASSERT_FATAL(pthread_create(&th, NULL, t_ptr_producer, &t) == 0);
    uintptr_t expect = 1;
    uint32_t burst = 7;
    while (expect <= T_PTR_ITEMS) {
        uintptr_t buf[32];
        uint32_t got = txp_ring_ptr_dequeue_burst(t.r, (void **)(void *)buf, burst);
        for (uint32_t i = 0; i < got; i++)
            t.errors += buf[i] != expect++;
        if (got == 0)
            sched_yield();
        burst = burst % 32u + 1u;
    }
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(t.errors, 0);
    CU_ASSERT_EQUAL(txp_ring_ptr_count(t.r), 0);
    txp_ring_ptr_destroy(t.r);
    T_ASSERT_NO_LEAKS();
}

static const struct txp_h_test desc_tests[] = {
    TXP_H_TEST(test_desc_layout), TXP_H_TEST(test_config), TXP_H_TEST(test_dump), TXP_H_TEST_END};
static const struct txp_h_test xmit_tests[] = {TXP_H_TEST(test_xmit_single),
                                               TXP_H_TEST(test_xmit_int_delay),
                                               TXP_H_TEST(test_xmit_frags),
                                               TXP_H_TEST(test_xmit_more_doorbell),
                                               TXP_H_TEST(test_padding),
                                               TXP_H_TEST(test_padding_shared),
                                               TXP_H_TEST_END};
static const struct txp_h_test dev_tests[] = {
    TXP_H_TEST(test_dev_rate), TXP_H_TEST(test_clean_partial), TXP_H_TEST(test_pcap_backend),
    TXP_H_TEST(test_afpacket_args), TXP_H_TEST_END};
static const struct txp_h_test flow_tests[] = {TXP_H_TEST(test_stop_wake), TXP_H_TEST(test_bql),
                                               TXP_H_TEST(test_bql_bounds), TXP_H_TEST_END};
static const struct txp_h_test bad_tests[] = {TXP_H_TEST(test_bad_input),
                                              TXP_H_TEST(test_max_frags), TXP_H_TEST_END};
static const struct txp_h_test qdisc_tests[] = {
    TXP_H_TEST(test_qdisc_quota),    TXP_H_TEST(test_qdisc_busy_requeue),
    TXP_H_TEST(test_qdisc_bql_bulk), TXP_H_TEST(test_qdisc_busy_bulk),
    TXP_H_TEST(test_qdisc_drop),     TXP_H_TEST_END};

static const struct txp_h_test ptr_tests[] = {TXP_H_TEST(test_ptr_basic),
                                              TXP_H_TEST(test_ptr_reference),
                                              TXP_H_TEST(test_ptr_threads), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("desc", t_setup, t_teardown, desc_tests),
    TXP_H_SUITE("xmit", t_setup, t_teardown, xmit_tests),
    TXP_H_SUITE("device", t_setup, t_teardown, dev_tests),
    TXP_H_SUITE("flow", t_setup, t_teardown, flow_tests),
    TXP_H_SUITE("bad", t_setup, t_teardown, bad_tests),
    TXP_H_SUITE("qdisc", t_setup, t_teardown, qdisc_tests),
    TXP_H_SUITE("ptr", t_setup, t_teardown, ptr_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
