/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt fuzz target: packet buffer and pool operations against a naive reference model.
 *
 * An operation-sequence harness (style B11): a byte feeder picks the pool configuration, then
 * one operation at a time with its arguments, until the input runs out. The model is the
 * obvious one: per live packet an array holding the bytes its data window must contain, plus
 * the expected headroom, buffer size and metadata.
 *
 * Input layout:
 *
 *     byte 0        bits 0-2: pool count - 1 (1..8 packets)
 *                   bit 3: build the pool in caller memory (memsize + init) instead of create
 *                   bit 4: make the counting allocator fail after (bits 5-6) successes
 *                   bit 7: probe invalid configurations first (must be refused, allocate nothing)
 *     bytes 1-2     buffer size: 64 + value % 1985 (64..2048 bytes; small ones get less headroom)
 *     then          operations: one byte op, then its arguments (a missing byte reads as 0)
 *
 * Operations: alloc, free, push, pull, put, append, trim, reserve, clone, write bytes, set
 * metadata, make a caller-memory packet (txp_pkt_init), check everything.
 *
 * Invariants (a violation traps):
 *  - every operation succeeds exactly when the model says it must, returns the documented
 *    pointer (push/pull: new data start; put: old data end) and leaves a refused packet
 *    unchanged;
 *  - data bytes, headroom, tailroom, buffer size and metadata match the model; headroom +
 *    len + tailroom == buf_size;
 *  - a fresh packet has no data, zeroed metadata and TXP_PKT_HEADROOM of headroom (less only
 *    for buffers under 1024 bytes); live packets never share storage, so writing one never
 *    changes another (a shallow clone would be caught);
 *  - a clone copies data, headroom and metadata into a distinct buffer of the same pool;
 *  - txp_pkt_pool_in_use() equals the model's count at every step, allocation fails exactly
 *    when the pool is exhausted, and freeing caller-memory packets or NULL does nothing;
 *  - no operation allocates after the pool exists (hot paths never allocate, style B6), and
 *    after everything is freed and the pool destroyed no allocation is outstanding.
 *
 * All state lives in this call's stack frame and heap blocks freed before returning.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

#define FZ_SLOTS 12       /* live packets tracked at once (pool ones and caller-memory ones) */
#define FZ_MAX_OPS 2048   /* bound on the work per input */
#define FZ_LOCAL_MAX 2048 /* largest caller-memory packet buffer */
#define FZ_FULL_CHECK_EVERY 8

enum fz_op {
    FZ_OP_ALLOC,
    FZ_OP_FREE,
    FZ_OP_PUSH,
    FZ_OP_PULL,
    FZ_OP_PUT,
    FZ_OP_APPEND,
    FZ_OP_TRIM,
    FZ_OP_RESERVE,
    FZ_OP_CLONE,
    FZ_OP_WRITE,
    FZ_OP_META,
    FZ_OP_LOCAL,
    FZ_OP_CHECK,
    FZ_OP__COUNT
};

/** The byte feeder: hands out input bytes in order, zeros once exhausted. */
struct fz_feed {
    const uint8_t *p;
    size_t n;
    size_t pos;
};

/** Reference model of one live packet. */
struct fz_slot {
    struct txp_pkt *p;        /**< NULL: slot free */
    bool local;               /**< caller-memory packet (txp_pkt_init), not from the pool */
    uint8_t *local_mem;       /**< its storage, owned by the target */
    uint32_t buf_size;        /**< expected p->buf_size */
    uint32_t headroom;        /**< expected data_off */
    uint32_t len;             /**< expected len */
    uint8_t *bytes;           /**< expected data bytes [0, len), capacity buf_size */
    struct txp_pkt_meta meta; /**< expected metadata */
};

/** The whole model. */
struct fz_model {
    struct txp_pkt_pool *pool;
    uint32_t count;     /**< pool size */
    uint32_t buf_size;  /**< configured buffer size */
    uint32_t pool_live; /**< pool packets the model holds */
    struct fz_slot slot[FZ_SLOTS];
};

static uint8_t
fz_u8(struct fz_feed *f)
{
    return f->pos < f->n ? f->p[f->pos++] : 0;
}

static uint16_t
fz_u16(struct fz_feed *f)
{
    uint16_t hi = fz_u8(f);

    return (uint16_t)((hi << 8) | fz_u8(f));
}

static uint32_t
fz_u32(struct fz_feed *f)
{
    uint32_t hi = fz_u16(f);

    return (hi << 16) | fz_u16(f);
}

static void
fz_fill(struct fz_feed *f, uint8_t *dst, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        dst[i] = fz_u8(f);
}

static bool
fz_meta_eq(const struct txp_pkt_meta *a, const struct txp_pkt_meta *b)
{
    return a->tstamp_ns == b->tstamp_ns && a->priority == b->priority && a->mark == b->mark &&
           a->nexthop == b->nexthop && a->flow_id == b->flow_id && a->uid == b->uid &&
           a->gid == b->gid && a->out_ifindex == b->out_ifindex && a->l2_off == b->l2_off &&
           a->l3_off == b->l3_off && a->l4_off == b->l4_off && a->gso_size == b->gso_size &&
           a->flags == b->flags && a->drop_reason == b->drop_reason && a->tos == b->tos &&
           a->stage == b->stage;
}

/* Zeroed metadata, ignoring the header offsets (0 or "absent" are both reasonable there). */
static bool
fz_meta_zero(const struct txp_pkt_meta *m)
{
    return m->tstamp_ns == 0 && m->priority == 0 && m->mark == 0 && m->nexthop == 0 &&
           m->flow_id == 0 && m->uid == 0 && m->gid == 0 && m->out_ifindex == 0 &&
           m->gso_size == 0 && m->flags == 0 && m->drop_reason == TXP_DROP_NOT_DROPPED &&
           m->tos == 0 && m->stage == 0;
}

static void
fz_check_slot(const struct fz_model *m, const struct fz_slot *s)
{
    const struct txp_pkt *p = s->p;

    FZ_CHECK(p->buf_size == s->buf_size);
    FZ_CHECK(p->data_off == s->headroom && txp_pkt_headroom(p) == s->headroom);
    FZ_CHECK(p->len == s->len);
    FZ_CHECK(txp_pkt_tailroom(p) == s->buf_size - s->headroom - s->len);
    FZ_CHECK(txp_pkt_data(p) == p->buf + s->headroom);
    FZ_CHECK(s->len == 0 || memcmp(txp_pkt_data(p), s->bytes, s->len) == 0);
    FZ_CHECK(fz_meta_eq(&p->meta, &s->meta));
    FZ_CHECK(p->pool == (s->local ? NULL : m->pool));
    if (s->local)
        FZ_CHECK(p->buf == s->local_mem);
}

static void
fz_check_all(const struct fz_model *m)
{
    size_t i;
    size_t j;

    for (i = 0; i < FZ_SLOTS; i++) {
        const struct fz_slot *a = &m->slot[i];

        if (a->p == NULL)
            continue;
        fz_check_slot(m, a);
        /* Live packets are distinct objects with disjoint storage. */
        for (j = i + 1; j < FZ_SLOTS; j++) {
            const struct fz_slot *b = &m->slot[j];

            if (b->p == NULL)
                continue;
            FZ_CHECK(a->p != b->p);
            if (a->buf_size > 0 && b->buf_size > 0)
                FZ_CHECK(a->p->buf + a->buf_size <= b->p->buf ||
                         b->p->buf + b->buf_size <= a->p->buf);
        }
    }
    FZ_CHECK(txp_pkt_pool_in_use(m->pool) == m->pool_live);
    FZ_CHECK(txp_pkt_pool_count(m->pool) == m->count);
}

/* Pick a live slot from one feeder byte, or -1 if none is live. */
static int
fz_pick_live(const struct fz_model *m, uint8_t b)
{
    size_t i;

    for (i = 0; i < FZ_SLOTS; i++) {
        size_t k = (b + i) % FZ_SLOTS;

        if (m->slot[k].p != NULL)
            return (int)k;
    }
    return -1;
}

static int
fz_pick_free(const struct fz_model *m)
{
    size_t i;

    for (i = 0; i < FZ_SLOTS; i++)
        if (m->slot[i].p == NULL)
            return (int)i;
    return -1;
}

/* Release a slot's model storage (and its caller memory); the packet itself is handled by the
 * caller. */
static void
fz_slot_clear(struct fz_slot *s)
{
    if (s->local) {
        free(s->local_mem);
        free(s->p);
    }
    free(s->bytes);
    memset(s, 0, sizeof(*s));
}

static void
fz_op_alloc(struct fz_model *m)
{
    struct fz_slot *s;
    struct txp_pkt *p;
    int k = fz_pick_free(m);

    if (k < 0)
        return;
    p = txp_pkt_alloc(m->pool);
    if (m->pool_live == m->count) {
        FZ_CHECK(p == NULL);
        return;
    }
    FZ_CHECK(p != NULL);
    FZ_CHECK(p->pool == m->pool && p->len == 0);
    FZ_CHECK(p->buf_size >= m->buf_size && p->buf_size <= TXP_PKT_MAX_BUF);
    FZ_CHECK(p->data_off <= TXP_PKT_HEADROOM && p->data_off <= p->buf_size);
    if (p->buf_size >= 1024)
        FZ_CHECK(p->data_off == TXP_PKT_HEADROOM);
    FZ_CHECK(fz_meta_zero(&p->meta));

    s = &m->slot[k];
    s->p = p;
    s->local = false;
    s->buf_size = p->buf_size;
    s->headroom = p->data_off;
    s->len = 0;
    s->meta = p->meta;
    s->bytes = malloc(s->buf_size > 0 ? s->buf_size : 1);
    FZ_CHECK(s->bytes != NULL);
    m->pool_live++;
}

static void
fz_op_free(struct fz_model *m, struct fz_slot *s)
{
    if (s->local) {
        struct txp_pkt before = *s->p;

        /* Caller-memory packets have no pool: freeing one is a no-op. */
        txp_pkt_free(s->p);
        FZ_CHECK(s->p->buf == before.buf && s->p->len == before.len &&
                 s->p->data_off == before.data_off && s->p->buf_size == before.buf_size);
    } else {
        txp_pkt_free(s->p);
        m->pool_live--;
    }
    fz_slot_clear(s);
    txp_pkt_free(NULL);
}

static void
fz_op_push(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t n = fz_u16(f) % (s->buf_size + 8u);
    uint8_t *r = txp_pkt_push(s->p, n);

    if (n > s->headroom) {
        FZ_CHECK(r == NULL);
        return;
    }
    FZ_CHECK(r != NULL && r == s->p->buf + (s->headroom - n));
    fz_fill(f, r, n);
    memmove(s->bytes + n, s->bytes, s->len);
    memcpy(s->bytes, r, n);
    s->headroom -= n;
    s->len += n;
}

static void
fz_op_pull(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t n = fz_u16(f) % (s->len + 8u);
    uint8_t *r = txp_pkt_pull(s->p, n);

    if (n > s->len) {
        FZ_CHECK(r == NULL);
        return;
    }
    FZ_CHECK(r != NULL && r == s->p->buf + s->headroom + n);
    memmove(s->bytes, s->bytes + n, s->len - n);
    s->headroom += n;
    s->len -= n;
}

static void
fz_op_put(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t tail = s->buf_size - s->headroom - s->len;
    uint32_t n = fz_u16(f) % (tail + 8u);
    uint8_t *r = txp_pkt_put(s->p, n);

    if (n > tail) {
        FZ_CHECK(r == NULL);
        return;
    }
    FZ_CHECK(r != NULL && r == s->p->buf + s->headroom + s->len);
    fz_fill(f, r, n);
    memcpy(s->bytes + s->len, r, n);
    s->len += n;
}

static void
fz_op_append(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t tail = s->buf_size - s->headroom - s->len;
    uint32_t n = fz_u16(f) % (tail + 8u);
    uint8_t *src = malloc(n > 0 ? n : 1);
    int rc;

    FZ_CHECK(src != NULL);
    fz_fill(f, src, n);
    rc = txp_pkt_append(s->p, src, n);
    if (n > tail) {
        FZ_CHECK(rc == TXP_ENOSPC);
    } else {
        FZ_CHECK(rc == TXP_OK);
        memcpy(s->bytes + s->len, src, n);
        s->len += n;
    }
    free(src);
}

static void
fz_op_trim(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t t = fz_u16(f) % (s->len + 8u);

    txp_pkt_trim(s->p, t);
    if (t < s->len)
        s->len = t;
}

static void
fz_op_reserve(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t h = fz_u16(f) % (s->buf_size + 8u);
    int rc = txp_pkt_reserve(s->p, h);

    if (s->len > 0 && h > s->buf_size) {
        FZ_CHECK(rc == TXP_EINVAL || rc == TXP_ENOSPC);
    } else if (s->len > 0) {
        FZ_CHECK(rc == TXP_EINVAL);
    } else if (h > s->buf_size) {
        FZ_CHECK(rc == TXP_ENOSPC);
    } else {
        FZ_CHECK(rc == TXP_OK);
        s->headroom = h;
    }
}

static void
fz_op_clone(struct fz_model *m, const struct fz_slot *src)
{
    struct txp_pkt *c;
    struct fz_slot *s;
    int k = fz_pick_free(m);
    bool fits;

    if (k < 0)
        return;
    c = txp_pkt_clone(m->pool, src->p);
    /* A pool packet always fits a buffer of its own pool; caller memory may be larger. */
    fits = src->local ? (uint64_t)src->headroom + src->len <= m->buf_size : true;
    if (m->pool_live == m->count) {
        FZ_CHECK(c == NULL);
        return;
    }
    if (c == NULL) {
        FZ_CHECK(!fits);
        return;
    }
    FZ_CHECK(c != src->p && c->buf != src->p->buf);
    FZ_CHECK(c->pool == m->pool && c->buf_size >= m->buf_size);
    FZ_CHECK(c->data_off == src->headroom && c->len == src->len);
    FZ_CHECK(src->len == 0 || memcmp(txp_pkt_data(c), src->bytes, src->len) == 0);
    FZ_CHECK(fz_meta_eq(&c->meta, &src->meta));

    s = &m->slot[k];
    s->p = c;
    s->local = false;
    s->buf_size = c->buf_size;
    s->headroom = src->headroom;
    s->len = src->len;
    s->meta = src->meta;
    s->bytes = malloc(s->buf_size > 0 ? s->buf_size : 1);
    FZ_CHECK(s->bytes != NULL);
    if (s->len > 0)
        memcpy(s->bytes, src->bytes, s->len);
    m->pool_live++;
}

static void
fz_op_write(struct fz_feed *f, struct fz_slot *s)
{
    uint32_t off;
    uint32_t n;

    if (s->len == 0)
        return;
    off = fz_u16(f) % s->len;
    n = fz_u8(f) % (s->len - off + 1u);
    fz_fill(f, txp_pkt_data(s->p) + off, n);
    memcpy(s->bytes + off, txp_pkt_data(s->p) + off, n);
}

static void
fz_op_meta(struct fz_feed *f, struct fz_slot *s)
{
    struct txp_pkt_meta *pm = &s->p->meta;

    switch (fz_u8(f) % 8u) {
    case 0:
        pm->mark = fz_u32(f);
        break;
    case 1:
        pm->priority = fz_u32(f);
        break;
    case 2:
        pm->tos = fz_u8(f);
        pm->flags = fz_u16(f);
        break;
    case 3:
        pm->nexthop = fz_u32(f);
        pm->out_ifindex = fz_u32(f);
        break;
    case 4:
        pm->tstamp_ns = ((uint64_t)fz_u32(f) << 32) | fz_u32(f);
        break;
    case 5:
        pm->l2_off = fz_u16(f);
        pm->l3_off = fz_u16(f);
        pm->l4_off = fz_u16(f);
        break;
    case 6:
        pm->flow_id = fz_u32(f);
        pm->uid = fz_u32(f);
        pm->gid = fz_u32(f);
        break;
    default:
        pm->gso_size = fz_u16(f);
        pm->drop_reason = (uint16_t)(fz_u8(f) % TXP_DROP__COUNT);
        pm->stage = fz_u8(f);
        break;
    }
    s->meta = *pm;
}

static void
fz_op_local(struct fz_feed *f, struct fz_model *m)
{
    struct fz_slot *s;
    struct txp_pkt *p;
    uint8_t *mem;
    uint32_t size = fz_u16(f) % (FZ_LOCAL_MAX + 1u);
    uint32_t head = fz_u16(f) % (size + 8u);
    int k = fz_pick_free(m);
    int rc;

    if (k < 0)
        return;
    p = malloc(sizeof(*p));
    mem = malloc(size > 0 ? size : 1);
    FZ_CHECK(p != NULL && mem != NULL);
    memset(p, 0xA5, sizeof(*p)); /* init must not depend on prior contents */
    rc = txp_pkt_init(p, mem, size, head);
    if (head > size) {
        FZ_CHECK(rc == TXP_EINVAL);
        free(p);
        free(mem);
        return;
    }
    FZ_CHECK(rc == TXP_OK);
    FZ_CHECK(p->buf == mem && p->buf_size == size && p->data_off == head && p->len == 0);
    FZ_CHECK(p->pool == NULL && fz_meta_zero(&p->meta));
    FZ_CHECK(p->meta.l2_off == 0xFFFFu && p->meta.l3_off == 0xFFFFu && p->meta.l4_off == 0xFFFFu);

    s = &m->slot[k];
    s->p = p;
    s->local = true;
    s->local_mem = mem;
    s->buf_size = size;
    s->headroom = head;
    s->len = 0;
    s->meta = p->meta;
    s->bytes = malloc(size > 0 ? size : 1);
    FZ_CHECK(s->bytes != NULL);
}

/* Run the operations; @return nothing, traps on a violation. */
static void
fz_run(struct fz_feed *f, struct fz_model *m)
{
    unsigned ops = 0;

    while (f->pos < f->n && ops++ < FZ_MAX_OPS) {
        enum fz_op op = (enum fz_op)(fz_u8(f) % FZ_OP__COUNT);
        struct fz_slot *s = NULL;

        if (op != FZ_OP_ALLOC && op != FZ_OP_LOCAL && op != FZ_OP_CHECK) {
            int k = fz_pick_live(m, fz_u8(f));

            if (k < 0)
                continue;
            s = &m->slot[k];
        }
        switch (op) {
        case FZ_OP_ALLOC:
            fz_op_alloc(m);
            break;
        case FZ_OP_FREE:
            fz_op_free(m, s);
            s = NULL;
            break;
        case FZ_OP_PUSH:
            fz_op_push(f, s);
            break;
        case FZ_OP_PULL:
            fz_op_pull(f, s);
            break;
        case FZ_OP_PUT:
            fz_op_put(f, s);
            break;
        case FZ_OP_APPEND:
            fz_op_append(f, s);
            break;
        case FZ_OP_TRIM:
            fz_op_trim(f, s);
            break;
        case FZ_OP_RESERVE:
            fz_op_reserve(f, s);
            break;
        case FZ_OP_CLONE:
            fz_op_clone(m, s);
            break;
        case FZ_OP_WRITE:
            fz_op_write(f, s);
            break;
        case FZ_OP_META:
            fz_op_meta(f, s);
            break;
        case FZ_OP_LOCAL:
            fz_op_local(f, m);
            break;
        case FZ_OP_CHECK:
        case FZ_OP__COUNT:
        default:
            fz_check_all(m);
            break;
        }
        if (s != NULL)
            fz_check_slot(m, s);
        FZ_CHECK(txp_pkt_pool_in_use(m->pool) == m->pool_live);
        if (ops % FZ_FULL_CHECK_EVERY == 0)
            fz_check_all(m);
    }
    fz_check_all(m);
}

/* Invalid configurations are refused by memsize, init and create without allocating. */
static void
fz_check_invalid_configs(uint32_t count)
{
    static const uint32_t bad_sizes[] = {0u, 63u, TXP_PKT_MAX_BUF + 1u};
    struct txp_alloc_counter ctr;
    struct txp_alloc a;
    size_t i;

    txp_alloc_counter_init(&ctr, &a);
    for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        struct txp_pkt_pool_config cfg;
        struct txp_pkt_pool *pool = NULL;
        uint64_t mem[64];

        memset(&cfg, 0, sizeof(cfg));
        cfg.count = count;
        cfg.buf_size = bad_sizes[i];
        FZ_CHECK(txp_pkt_pool_memsize(&cfg) == 0);
        FZ_CHECK(txp_pkt_pool_create(&cfg, &a, &pool) == TXP_EINVAL);
        FZ_CHECK(txp_pkt_pool_init(mem, sizeof(mem), &cfg, &pool) == TXP_EINVAL);
    }
    FZ_CHECK(ctr.outstanding == 0 && ctr.allocs == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_feed f = {data, size, 0};
    struct fz_model m;
    struct txp_pkt_pool_config cfg;
    struct txp_alloc_counter ctr;
    struct txp_alloc a;
    void *pool_mem = NULL;
    uint64_t allocs_after_create;
    uint8_t mode;
    size_t i;
    int rc;

    if (size < 3)
        return 0;
    mode = fz_u8(&f);
    memset(&m, 0, sizeof(m));
    memset(&cfg, 0, sizeof(cfg));
    cfg.count = 1u + (mode & 7u);
    cfg.buf_size = 64u + fz_u16(&f) % 1985u;
    m.count = cfg.count;
    m.buf_size = cfg.buf_size;

    if (mode & 0x80u)
        fz_check_invalid_configs(cfg.count);

    txp_alloc_counter_init(&ctr, &a);
    if (mode & 0x08u) {
        size_t need = txp_pkt_pool_memsize(&cfg);

        FZ_CHECK(need > 0);
        FZ_CHECK(posix_memalign(&pool_mem, 64, need) == 0);
        /* One byte short is refused; exactly memsize works. */
        FZ_CHECK(txp_pkt_pool_init(pool_mem, need - 1, &cfg, &m.pool) == TXP_EINVAL);
        FZ_CHECK(txp_pkt_pool_init(pool_mem, need, &cfg, &m.pool) == TXP_OK);
    } else {
        if (mode & 0x10u)
            ctr.fail_after = (mode >> 5) & 3u;
        rc = txp_pkt_pool_create(&cfg, &a, &m.pool);
        if (rc != TXP_OK) {
            /* Only an injected allocation failure may make a valid create fail, cleanly. */
            FZ_CHECK(rc == TXP_ENOMEM && (mode & 0x10u) != 0);
            FZ_CHECK(ctr.outstanding == 0 && ctr.bytes == 0);
            return 0;
        }
        ctr.fail_after = -1;
    }
    FZ_CHECK(m.pool != NULL);
    FZ_CHECK(txp_pkt_pool_in_use(m.pool) == 0 && txp_pkt_pool_count(m.pool) == cfg.count);
    allocs_after_create = ctr.allocs;

    fz_run(&f, &m);

    /* Hot paths never allocate: nothing since the pool was built. */
    FZ_CHECK(ctr.allocs == allocs_after_create);
    for (i = 0; i < FZ_SLOTS; i++)
        if (m.slot[i].p != NULL)
            fz_op_free(&m, &m.slot[i]);
    FZ_CHECK(m.pool_live == 0 && txp_pkt_pool_in_use(m.pool) == 0);
    if (pool_mem != NULL) {
        free(pool_mem);
        FZ_CHECK(ctr.allocs == 0);
    } else {
        txp_pkt_pool_destroy(m.pool);
    }
    FZ_CHECK(ctr.outstanding == 0 && ctr.bytes == 0);
    return 0;
}
