/* SPDX-License-Identifier: MIT */
/*
 * ring golden driver: feeds the frames of a pcaps/ring/<case>/case.json through the qdisc_run
 * model and the TX ring (or straight into the ring), runs the device model into a backend
 * that emits each frame with its device timestamp, and compares the stop/wake events with
 * the case's expected trace. pcaps/gen/ring.py builds the frames and the expected wire
 * frames with scapy, and the timestamps and trace with its own e1000 model.
 *
 * case.json layout (the same text heads pcaps/gen/ring.py):
 *   {"ring": {"size": N, "mtu": M, "link_bps": B}, "mode": "qdisc" | "direct",
 *    "tick_ns": T, "frames": [{"ts_ns": t, "hex": "...", "split": [o1, ...]}],
 *    "expect_events": [["stop" | "wake", ns, free], ...]}
 * BQL is off. Each tick t = 0, T, 2T, ...: device run to t, clean at t, then
 *   qdisc:  frames with ts_ns <= t join the FIFO source; a run if any arrived; then
 *           txp_ring_tx_action (a run if scheduled);
 *   direct: frames with ts_ns <= t are transmitted, xmit_more on all but the tick's last;
 *           "split" offsets cut a frame into its linear part and fragments.
 * The run ends when every frame arrived and the ring and source are empty. A trace that
 * differs returns TXP_EIO with the first difference in d->msg; bad case content returns
 * TXP_EBADMSG with the JSON path.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_conform.h"
#include "txpath/ring.h"

#define CR_MAX_FRAMES 4096u
#define CR_MAX_SPLIT 16u
#define CR_MAX_EVENTS 4096u
#define CR_MAX_TICKS 10000000u
#define CR_TAILROOM 64u

struct cr_frame {
    uint64_t ts;
    uint8_t *buf;  /* frame bytes plus tailroom for padding */
    uint8_t *rest; /* a copy of the bytes the fragments point into, or NULL */
    size_t len;
    uint32_t split[CR_MAX_SPLIT];
    uint32_t nsplit;
    struct txp_pkt pkt;
    struct txp_ring_frag frags[CR_MAX_SPLIT];
};

struct cr_event {
    enum txp_ring_event ev;
    uint64_t ns;
    uint32_t free_desc;
};

struct cr_run {
    struct txp_ring_backend be;
    struct txp_ring_event_cb evcb;
    struct txp_ring_done_cb done;
    struct txp_ring_src src;
    struct txp_h_emit *emit;
    int emit_rc;
    struct cr_frame *frames;
    uint32_t nframes;
    uint32_t qhead, qtail; /* FIFO of frame indices: [qhead, qtail) of fifo[] */
    uint32_t *fifo;
    struct cr_event *ev;
    uint32_t nev;
    uint32_t completed;
};

static int
cr_backend(struct txp_ring_backend *self, uint64_t ts, const uint8_t *d, uint32_t len)
{
    struct cr_run *c = TXP_CONTAINER_OF(self, struct cr_run, be);
    int rc = c->emit->fn(c->emit, ts, d, len);
    if (rc != 0 && c->emit_rc == 0)
        c->emit_rc = rc;
    return rc;
}

static void
cr_event(struct txp_ring_event_cb *self, enum txp_ring_event ev, uint64_t now_ns, uint32_t nfree)
{
    struct cr_run *c = TXP_CONTAINER_OF(self, struct cr_run, evcb);
    if (c->nev < CR_MAX_EVENTS) {
        c->ev[c->nev].ev = ev;
        c->ev[c->nev].ns = now_ns;
        c->ev[c->nev].free_desc = nfree;
    }
    c->nev++;
}

static void
cr_done(struct txp_ring_done_cb *self, struct txp_pkt *p, uint64_t now_ns)
{
    struct cr_run *c = TXP_CONTAINER_OF(self, struct cr_run, done);
    (void)p;
    (void)now_ns;
    c->completed++;
}

/* The source keeps frame indices; the packet for index i is frames[i].pkt. */
static struct txp_pkt *
cr_dequeue(struct txp_ring_src *self, uint64_t now_ns)
{
    struct cr_run *c = TXP_CONTAINER_OF(self, struct cr_run, src);
    (void)now_ns;
    if (c->qhead == c->qtail)
        return NULL;
    return &c->frames[c->fifo[c->qhead++]].pkt;
}

static void
cr_requeue(struct txp_ring_src *self, struct txp_pkt *p)
{
    struct cr_run *c = TXP_CONTAINER_OF(self, struct cr_run, src);
    struct cr_frame *f = TXP_CONTAINER_OF(p, struct cr_frame, pkt);
    c->fifo[--c->qhead] = (uint32_t)(f - c->frames);
}

/* ---------------------------------------------------------------- case parsing */

static int
cr_u64(const json_t *obj, const char *path, const char *key, uint64_t max, int required,
       uint64_t def, uint64_t *out, struct txp_diag *d)
{
    int64_t v;
    int rc = txp_h_json_int(obj, path, key, 0, (int64_t)max, required, (int64_t)def, &v, d);
    if (rc == TXP_OK)
        *out = (uint64_t)v;
    return rc;
}

static int
cr_check_keys(const json_t *obj, const char *path, const char *const *allowed, struct txp_diag *d)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)obj, key, v)
    {
        (void)v;
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                break;
        if (!allowed[i])
            return txp_diag_set(d, 0, 0, "%s%s%s: unknown key", path, path[0] ? "." : "", key);
    }
    return TXP_OK;
}

static int
cr_parse_frames(const json_t *arr, struct cr_run *c, struct txp_diag *d)
{
    static const char *const keys[] = {"ts_ns", "hex", "split", NULL};
    if (!json_is_array(arr))
        return txp_diag_set(d, 0, 0, "frames: expected an array");
    size_t n = json_array_size(arr);
    if (n == 0 || n > CR_MAX_FRAMES)
        return txp_diag_set(d, 0, 0, "frames: expected 1..%u frames", CR_MAX_FRAMES);
    c->frames = calloc(n, sizeof *c->frames);
    c->fifo = calloc(n, sizeof *c->fifo);
    if (!c->frames || !c->fifo)
        return TXP_ENOMEM;
    c->nframes = (uint32_t)n;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "frames[%zu]", i);
        const json_t *fo = json_array_get(arr, i);
        struct cr_frame *f = &c->frames[i];
        if (!json_is_object(fo))
            return txp_diag_set(d, 0, 0, "%s: expected an object", path);
        int rc = cr_check_keys(fo, path, keys, d);
        if (rc == TXP_OK)
            rc = cr_u64(fo, path, "ts_ns", UINT64_C(1) << 50, 1, 0, &f->ts, d);
        if (rc != TXP_OK)
            return rc;
        if (f->ts < prev)
            return txp_diag_set(d, 0, 0, "%s.ts_ns: frames must be in time order", path);
        prev = f->ts;
        f->buf = malloc(TXP_RING_MAX_MTU + TXP_RING_HDR_LEN + CR_TAILROOM);
        if (!f->buf)
            return TXP_ENOMEM;
        rc = txp_h_json_hex(fo, path, "hex", 1, f->buf, TXP_RING_MAX_MTU + TXP_RING_HDR_LEN,
                            &f->len, d);
        if (rc != TXP_OK)
            return rc;
        if (f->len == 0)
            return txp_diag_set(d, 0, 0, "%s.hex: empty frame", path);
        const json_t *sp = json_object_get(fo, "split");
        if (sp) {
            if (!json_is_array(sp) || json_array_size(sp) > CR_MAX_SPLIT)
                return txp_diag_set(d, 0, 0, "%s.split: expected up to %u offsets", path,
                                    CR_MAX_SPLIT);
            uint32_t last = 0;
            for (size_t k = 0; k < json_array_size(sp); k++) {
                const json_t *o = json_array_get(sp, k);
                if (!json_is_integer(o) || json_integer_value(o) <= (json_int_t)last ||
                    json_integer_value(o) >= (json_int_t)f->len)
                    return txp_diag_set(d, 0, 0,
                                        "%s.split[%zu]: expected increasing offsets inside the "
                                        "frame",
                                        path, k);
                last = (uint32_t)json_integer_value(o);
                f->split[f->nsplit++] = last;
            }
        }
        size_t lin = f->nsplit ? f->split[0] : f->len;
        size_t cap = TXP_RING_MAX_MTU + TXP_RING_HDR_LEN + CR_TAILROOM;
        /* The linear part is a packet over the front of the buffer with room behind it for
         * padding; fragments point into the rest of the same bytes, kept aside. */
        if (f->nsplit) {
            f->rest = malloc(f->len);
            if (!f->rest)
                return TXP_ENOMEM;
            memcpy(f->rest, f->buf, f->len);
            for (uint32_t k = 0; k < f->nsplit; k++) {
                uint32_t end = k + 1 < f->nsplit ? f->split[k + 1] : (uint32_t)f->len;
                f->frags[k].data = f->rest + f->split[k];
                f->frags[k].len = end - f->split[k];
            }
        }
        if (txp_pkt_init(&f->pkt, f->buf, cap, 0) != TXP_OK ||
            txp_pkt_put(&f->pkt, (uint32_t)lin) == NULL)
            return TXP_EINVAL;
    }
    return TXP_OK;
}

static int
cr_parse_events(const json_t *arr, struct cr_event **out, uint32_t *n, struct txp_diag *d)
{
    if (!json_is_array(arr))
        return txp_diag_set(d, 0, 0, "expect_events: expected an array");
    size_t k = json_array_size(arr);
    *out = calloc(k ? k : 1, sizeof **out);
    if (!*out)
        return TXP_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(arr, i);
        const json_t *name = json_array_get(e, 0), *ns = json_array_get(e, 1),
                     *fr = json_array_get(e, 2);
        if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_string(name) ||
            !json_is_integer(ns) || !json_is_integer(fr) || json_integer_value(ns) < 0 ||
            json_integer_value(fr) < 0 || json_integer_value(fr) > TXP_RING_MAX_SIZE)
            return txp_diag_set(d, 0, 0,
                                "expect_events[%zu]: expected [\"stop\"|\"wake\", ns, free]", i);
        if (strcmp(json_string_value(name), "stop") == 0)
            (*out)[i].ev = TXP_RING_EV_STOP;
        else if (strcmp(json_string_value(name), "wake") == 0)
            (*out)[i].ev = TXP_RING_EV_WAKE;
        else
            return txp_diag_set(d, 0, 0, "expect_events[%zu][0]: expected \"stop\" or \"wake\"", i);
        (*out)[i].ns = (uint64_t)json_integer_value(ns);
        (*out)[i].free_desc = (uint32_t)json_integer_value(fr);
    }
    *n = (uint32_t)k;
    return TXP_OK;
}

/* ---------------------------------------------------------------- run */

static int
cr_simulate(struct cr_run *c, struct txp_ring *r, bool qdisc, uint64_t tick, struct txp_diag *d)
{
    uint32_t next = 0;
    uint64_t t = 0;
    for (uint32_t k = 0; k < CR_MAX_TICKS; k++, t += tick) {
        txp_ring_dev_run(r, t, 0);
        txp_ring_clean(r, t);
        uint32_t first = next;
        while (next < c->nframes && c->frames[next].ts <= t)
            next++;
        if (qdisc) {
            for (uint32_t i = first; i < next; i++)
                c->fifo[c->qtail++] = i;
            if (next > first)
                txp_ring_qdisc_run(r, &c->src, t, NULL);
            txp_ring_tx_action(r, &c->src, t, NULL);
        } else {
            for (uint32_t i = first; i < next; i++) {
                struct cr_frame *f = &c->frames[i];
                int rc = txp_ring_xmit(r, &f->pkt, f->frags, f->nsplit, i + 1 < next, t);
                if (rc != TXP_OK) {
                    (void)txp_diag_set(d, 0, 0, "frames[%u]: txp_ring_xmit: %s", i,
                                       txp_errname(rc));
                    return TXP_EIO;
                }
            }
        }
        if (c->emit_rc != 0)
            return c->emit_rc;
        if (next == c->nframes && c->qhead == c->qtail && c->completed == c->nframes)
            return TXP_OK;
    }
    (void)txp_diag_set(d, 0, 0, "did not finish in %u ticks", CR_MAX_TICKS);
    return TXP_EIO;
}

static int
cr_compare_events(const struct cr_run *c, const struct cr_event *want, uint32_t nwant,
                  struct txp_diag *d)
{
    uint32_t n = c->nev < nwant ? c->nev : nwant;
    for (uint32_t i = 0; i < n && i < CR_MAX_EVENTS; i++) {
        const struct cr_event *a = &c->ev[i], *w = &want[i];
        if (a->ev != w->ev || a->ns != w->ns || a->free_desc != w->free_desc) {
            txp_diag_set(d, 0, 0,
                         "event %u: expected %s at %llu ns with %u free, got %s at %llu ns "
                         "with %u free",
                         i, txp_ring_event_name(w->ev), (unsigned long long)w->ns, w->free_desc,
                         txp_ring_event_name(a->ev), (unsigned long long)a->ns, a->free_desc);
            return TXP_EIO;
        }
    }
    if (c->nev != nwant) {
        txp_diag_set(d, 0, 0, "expected %u stop/wake events, got %u", nwant, c->nev);
        return TXP_EIO;
    }
    return TXP_OK;
}

static int
cr_conform_run(const struct txp_h_case *cs, struct txp_h_emit *emit, struct txp_diag *d)
{
    static const char *const top[] = {"component", "description",   "link",   "ring", "mode",
                                      "tick_ns",   "expect_events", "frames", NULL};
    static const char *const rkeys[] = {"size", "mtu", "link_bps", NULL};
    struct cr_run c;
    memset(&c, 0, sizeof c);
    c.be.fn = cr_backend;
    c.evcb.fn = cr_event;
    c.done.fn = cr_done;
    c.src.dequeue = cr_dequeue;
    c.src.requeue = cr_requeue;
    c.emit = emit;
    struct cr_event *want = NULL;
    uint32_t nwant = 0;
    struct txp_ring *r = NULL;
    uint64_t size = 0, mtu = 0, bps = 0, tick = 0;
    bool qdisc = true;

    int rc = cr_check_keys(cs->json, "", top, d);
    const json_t *ring = json_object_get(cs->json, "ring");
    if (rc == TXP_OK && !json_is_object(ring))
        rc = txp_diag_set(d, 0, 0, "ring: expected an object");
    if (rc == TXP_OK)
        rc = cr_check_keys(ring, "ring", rkeys, d);
    if (rc == TXP_OK)
        rc = cr_u64(ring, "ring", "size", TXP_RING_MAX_SIZE, 1, 0, &size, d);
    if (rc == TXP_OK)
        rc = cr_u64(ring, "ring", "mtu", TXP_RING_MAX_MTU, 0, TXP_RING_DEFAULT_MTU, &mtu, d);
    if (rc == TXP_OK)
        rc = cr_u64(ring, "ring", "link_bps", UINT64_C(1) << 40, 0, 0, &bps, d);
    if (rc == TXP_OK)
        rc = cr_u64(cs->json, "", "tick_ns", UINT64_C(1) << 40, 1, 0, &tick, d);
    if (rc == TXP_OK && tick == 0)
        rc = txp_diag_set(d, 0, 0, "tick_ns: must be positive");
    if (rc == TXP_OK) {
        const json_t *m = json_object_get(cs->json, "mode");
        if (json_is_string(m) && strcmp(json_string_value(m), "direct") == 0)
            qdisc = false;
        else if (!json_is_string(m) || strcmp(json_string_value(m), "qdisc") != 0)
            rc = txp_diag_set(d, 0, 0, "mode: expected \"qdisc\" or \"direct\"");
    }
    if (rc == TXP_OK)
        rc = cr_parse_frames(json_object_get(cs->json, "frames"), &c, d);
    if (rc == TXP_OK)
        rc = cr_parse_events(json_object_get(cs->json, "expect_events"), &want, &nwant, d);
    if (rc == TXP_OK) {
        c.ev = calloc(CR_MAX_EVENTS, sizeof *c.ev);
        struct txp_ring_config cfg = {0};
        cfg.size = (uint32_t)size;
        cfg.mtu = (uint32_t)mtu;
        cfg.link_bps = bps;
        cfg.bql_disable = true;
        cfg.backend = &c.be;
        cfg.done = &c.done;
        cfg.events = &c.evcb;
        if (!c.ev)
            rc = TXP_ENOMEM;
        else if (txp_ring_create(&cfg, NULL, &r) != TXP_OK)
            rc = txp_diag_set(d, 0, 0, "ring: invalid configuration (size %llu, mtu %llu)",
                              (unsigned long long)size, (unsigned long long)mtu);
    }
    if (rc == TXP_OK)
        rc = cr_simulate(&c, r, qdisc, tick, d);
    if (rc == TXP_OK)
        rc = cr_compare_events(&c, want, nwant, d);

    txp_ring_destroy(r);
    for (uint32_t i = 0; c.frames && i < c.nframes; i++) {
        free(c.frames[i].buf);
        free(c.frames[i].rest);
    }
    free(c.frames);
    free(c.fifo);
    free(c.ev);
    free(want);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_ring = {
    .component = "ring",
    .run = cr_conform_run,
};
