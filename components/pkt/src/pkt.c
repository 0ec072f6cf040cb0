/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: the packet buffer (an sk_buff-like window over a flat buffer) and its pool.
 *
 * A packet is the window [data_off, data_off + len) of buf[0, buf_size). push/pull move the
 * front of the window, put/trim the back, reserve moves an empty window (skb_push, skb_pull,
 * skb_put, skb_trim, skb_reserve in Linux's include/linux/skbuff.h). Unlike Linux, which
 * panics (skb_under_panic/skb_over_panic) when a push or put does not fit, these return NULL
 * and leave the packet unchanged: a too-long header is something a caller may want to turn
 * into a drop. A NULL packet is a caller bug and is caught by TXP_ASSERT.
 *
 * Pool. A fixed number of equal buffers, carved out of one block at create/init time, so
 * allocation on the data path never touches an allocator (style B6). Layout of the block
 * (each part starts on a 64-byte boundary; the block itself must be 64-byte aligned):
 *
 *     struct txp_pkt_pool   header, free-list head, counters
 *     struct txp_pkt[count] the packet descriptors
 *     uint8_t live[count]   1 while a packet is out (catches double frees in debug builds)
 *     buffers               count x stride bytes, stride = buf_size rounded up to 64
 *
 * Free packets are kept on a LIFO list through txp_pkt.next (recently freed buffers are the
 * ones most likely still in cache). alloc pops, free pushes: O(1) both. A fresh packet has
 * TXP_PKT_HEADROOM bytes of headroom, or a quarter of the buffer when the buffer is smaller than
 * 4 * TXP_PKT_HEADROOM, no data, zeroed metadata and the l2/l3/l4 offsets set to 0xFFFF (absent),
 * exactly as txp_pkt_init() leaves a caller-memory packet.
 *
 * Counters: in_use, the high-water mark, successful allocations, frees, and allocations
 * refused because the pool was empty (txp_pkt_pool_stats()); shared, attaches and unshares
 * for packets borrowing external buffers.
 *
 * Shared packets (txp_pkt_attach_ext). A pool descriptor may borrow an external buffer, e.g.
 * the TCP write queue's copy of the payload, instead of its own: buf/buf_size point at the
 * external window (no tailroom) and ext holds the owner's release closure. The descriptor's
 * own buffer stays reserved for it (index * stride), so txp_pkt_unshare() can always copy the
 * window back to the same offsets; put/reserve unshare first, free releases. A shared packet
 * still counts once in in_use: the counters describe descriptors, as before.
 *
 * Thread-safety: none inside; one pool per thread or external locking.
 */
#include <string.h>

#include "txpath/pkt.h"

#define TXP_POOL_ALIGN 64u
#define TXP_POOL_MIN_BUF 64u
#define TXP_OFF_ABSENT 0xFFFFu

struct txp_pkt_pool {
    struct txp_pkt *pkts; /* descriptors, count of them */
    uint8_t *live;        /* per-descriptor: 1 while allocated */
    uint8_t *bufs;        /* storage, count * stride bytes */
    struct txp_pkt *free; /* LIFO free list through txp_pkt.next */
    uint32_t count;
    uint32_t buf_size;
    uint32_t stride;
    uint32_t headroom; /* headroom of a fresh packet */
    uint32_t in_use;
    uint32_t high_water;
    uint64_t allocs;
    uint64_t frees;
    uint64_t alloc_fails;
    uint32_t shared;
    uint64_t attaches;
    uint64_t unshares;
    bool owned;         /* from txp_pkt_pool_create: destroy frees the block */
    struct txp_alloc a; /* the allocator of an owned pool (alloc == NULL: malloc) */
};

/* Offsets of the parts of a pool block. */
struct txp_pool_layout {
    size_t pkts_off;
    size_t live_off;
    size_t bufs_off;
    size_t total;
    uint32_t stride;
};

static uint64_t
txp_round64(uint64_t x)
{
    return (x + (TXP_POOL_ALIGN - 1)) & ~(uint64_t)(TXP_POOL_ALIGN - 1);
}

static void
txp_meta_reset(struct txp_pkt_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->l2_off = TXP_OFF_ABSENT;
    m->l3_off = TXP_OFF_ABSENT;
    m->l4_off = TXP_OFF_ABSENT;
    m->drop_reason = TXP_DROP_NOT_DROPPED;
}

int
txp_pkt_init(struct txp_pkt *p, uint8_t *buf, size_t size, size_t headroom)
{
    if (p == NULL || buf == NULL || size > UINT32_MAX || headroom > size)
        return TXP_EINVAL;
    memset(p, 0, sizeof(*p));
    p->buf = buf;
    p->buf_size = (uint32_t)size;
    p->data_off = (uint32_t)headroom;
    p->len = 0;
    txp_meta_reset(&p->meta);
    p->next = NULL;
    p->pool = NULL;
    return TXP_OK;
}

uint8_t *
txp_pkt_push(struct txp_pkt *p, uint32_t n)
{
    TXP_ASSERT(p != NULL);
    if (n > p->data_off)
        return NULL;
    p->data_off -= n;
    p->len += n;
    return p->buf + p->data_off;
}

uint8_t *
txp_pkt_pull(struct txp_pkt *p, uint32_t n)
{
    TXP_ASSERT(p != NULL);
    if (n > p->len)
        return NULL;
    p->data_off += n;
    p->len -= n;
    return p->buf + p->data_off;
}

uint8_t *
txp_pkt_put(struct txp_pkt *p, uint32_t n)
{
    uint8_t *tail;

    TXP_ASSERT(p != NULL);
    if (p->ext != NULL)
        txp_pkt_unshare(p);
    if (n > txp_pkt_tailroom(p))
        return NULL;
    tail = p->buf + p->data_off + p->len;
    p->len += n;
    return tail;
}

int
txp_pkt_append(struct txp_pkt *p, const void *src, uint32_t n)
{
    uint8_t *dst;

    TXP_ASSERT(p != NULL);
    TXP_ASSERT(src != NULL || n == 0);
    dst = txp_pkt_put(p, n);
    if (dst == NULL)
        return TXP_ENOSPC;
    if (n > 0)
        memcpy(dst, src, n);
    return TXP_OK;
}

void
txp_pkt_trim(struct txp_pkt *p, uint32_t len)
{
    TXP_ASSERT(p != NULL);
    if (len < p->len)
        p->len = len;
}

int
txp_pkt_reserve(struct txp_pkt *p, uint32_t headroom)
{
    TXP_ASSERT(p != NULL);
    if (p->len != 0)
        return TXP_EINVAL;
    if (p->ext != NULL)
        txp_pkt_unshare(p);
    if (headroom > p->buf_size)
        return TXP_ENOSPC;
    p->data_off = headroom;
    return TXP_OK;
}

/* Compute the block layout for @p cfg; false if the configuration is invalid. */
static bool
txp_pool_layout(const struct txp_pkt_pool_config *cfg, struct txp_pool_layout *l)
{
    uint64_t stride;
    uint64_t pkts_off;
    uint64_t live_off;
    uint64_t bufs_off;
    uint64_t total;

    if (cfg == NULL || cfg->count == 0 || cfg->buf_size < TXP_POOL_MIN_BUF ||
        cfg->buf_size > TXP_PKT_MAX_BUF)
        return false;
    /* count < 2^32 and stride < 2^17: every product below fits in 64 bits. */
    stride = txp_round64(cfg->buf_size);
    pkts_off = txp_round64(sizeof(struct txp_pkt_pool));
    live_off = pkts_off + txp_round64((uint64_t)cfg->count * sizeof(struct txp_pkt));
    bufs_off = live_off + txp_round64(cfg->count);
    total = bufs_off + (uint64_t)cfg->count * stride;
    if (total > (uint64_t)(SIZE_MAX / 2))
        return false;
    l->stride = (uint32_t)stride;
    l->pkts_off = (size_t)pkts_off;
    l->live_off = (size_t)live_off;
    l->bufs_off = (size_t)bufs_off;
    l->total = (size_t)total;
    return true;
}

size_t
txp_pkt_pool_memsize(const struct txp_pkt_pool_config *cfg)
{
    struct txp_pool_layout l;

    return txp_pool_layout(cfg, &l) ? l.total : 0;
}

/* Reset a descriptor to a fresh packet of @p pool. */
static void
txp_pool_fresh(struct txp_pkt_pool *pool, struct txp_pkt *p, size_t idx)
{
    p->buf = pool->bufs + idx * pool->stride;
    p->buf_size = pool->buf_size;
    p->data_off = pool->headroom;
    p->len = 0;
    txp_meta_reset(&p->meta);
    p->pool = pool;
    p->ext = NULL;
}

int
txp_pkt_pool_init(void *mem, size_t len, const struct txp_pkt_pool_config *cfg,
                  struct txp_pkt_pool **out)
{
    struct txp_pool_layout l;
    struct txp_pkt_pool *pool;
    uint8_t *base = mem;
    size_t i;

    if (out == NULL || mem == NULL || !txp_pool_layout(cfg, &l) || len < l.total ||
        ((uintptr_t)mem & (TXP_POOL_ALIGN - 1)) != 0)
        return TXP_EINVAL;
    pool = mem;
    memset(pool, 0, sizeof(*pool));
    pool->pkts = (struct txp_pkt *)(void *)(base + l.pkts_off);
    pool->live = base + l.live_off;
    pool->bufs = base + l.bufs_off;
    pool->count = cfg->count;
    pool->buf_size = cfg->buf_size;
    pool->stride = l.stride;
    pool->headroom = cfg->buf_size >= 4u * TXP_PKT_HEADROOM ? TXP_PKT_HEADROOM : cfg->buf_size / 4u;
    memset(pool->live, 0, cfg->count);
    /* Build the free list so that the first allocations come out in index order. */
    pool->free = NULL;
    for (i = cfg->count; i-- > 0;) {
        struct txp_pkt *p = &pool->pkts[i];

        memset(p, 0, sizeof(*p));
        txp_pool_fresh(pool, p, i);
        p->next = pool->free;
        pool->free = p;
    }
    *out = pool;
    return TXP_OK;
}

int
txp_pkt_pool_create(const struct txp_pkt_pool_config *cfg, const struct txp_alloc *a,
                    struct txp_pkt_pool **out)
{
    struct txp_pkt_pool *pool = NULL;
    size_t need;
    void *mem;
    int rc;

    if (out == NULL)
        return TXP_EINVAL;
    need = txp_pkt_pool_memsize(cfg);
    if (need == 0)
        return TXP_EINVAL;
    mem = txp_alloc_mem(a, need, TXP_POOL_ALIGN);
    if (mem == NULL)
        return TXP_ENOMEM;
    rc = txp_pkt_pool_init(mem, need, cfg, &pool);
    if (rc != TXP_OK) {
        txp_free(a, mem);
        return rc;
    }
    pool->owned = true;
    if (a != NULL)
        pool->a = *a;
    *out = pool;
    return TXP_OK;
}

void
txp_pkt_pool_destroy(struct txp_pkt_pool *pool)
{
    struct txp_alloc a;

    if (pool == NULL)
        return;
    /* A pool built with txp_pkt_pool_init() lives in caller memory: nothing to free. */
    TXP_ASSERT(pool->owned);
    if (!pool->owned)
        return;
    a = pool->a;
    txp_free(a.alloc != NULL ? &a : NULL, pool);
}

/* Index of @p p in its pool; asserts it really is one of the pool's descriptors. */
static size_t
txp_pool_index(const struct txp_pkt_pool *pool, const struct txp_pkt *p)
{
    uintptr_t base = (uintptr_t)pool->pkts;
    uintptr_t at = (uintptr_t)p;

    TXP_ASSERT(at >= base && (at - base) % sizeof(struct txp_pkt) == 0 &&
               (at - base) / sizeof(struct txp_pkt) < pool->count);
    return (size_t)((at - base) / sizeof(struct txp_pkt));
}

struct txp_pkt *
txp_pkt_alloc(struct txp_pkt_pool *pool)
{
    struct txp_pkt *p;
    size_t idx;

    TXP_ASSERT(pool != NULL);
    p = pool->free;
    if (p == NULL) {
        pool->alloc_fails++;
        return NULL;
    }
    pool->free = p->next;
    idx = txp_pool_index(pool, p);
    TXP_ASSERT(pool->live[idx] == 0);
    pool->live[idx] = 1;
    txp_pool_fresh(pool, p, idx);
    p->next = NULL;
    pool->in_use++;
    if (pool->in_use > pool->high_water)
        pool->high_water = pool->in_use;
    pool->allocs++;
    return p;
}

void
txp_pkt_free(struct txp_pkt *p)
{
    struct txp_pkt_pool *pool;
    size_t idx;

    if (p == NULL || p->pool == NULL)
        return;
    pool = p->pool;
    idx = txp_pool_index(pool, p);
    TXP_ASSERT(pool->live[idx] == 1); /* double free */
    if (p->ext != NULL) {
        struct txp_pkt_ext *ext = p->ext;

        p->ext = NULL;
        pool->shared--;
        ext->release(ext, p);
    }
    pool->live[idx] = 0;
    p->len = 0;
    p->next = pool->free;
    pool->free = p;
    pool->in_use--;
    pool->frees++;
}

struct txp_pkt *
txp_pkt_clone(struct txp_pkt_pool *pool, const struct txp_pkt *p)
{
    struct txp_pkt *c;

    TXP_ASSERT(pool != NULL && p != NULL);
    if ((uint64_t)p->data_off + p->len > pool->buf_size) {
        /* Count an empty pool first: the caller sees the same NULL either way. */
        if (pool->free == NULL)
            pool->alloc_fails++;
        return NULL;
    }
    c = txp_pkt_alloc(pool);
    if (c == NULL)
        return NULL;
    c->data_off = p->data_off;
    c->len = p->len;
    if (p->len > 0)
        memcpy(c->buf + c->data_off, p->buf + p->data_off, p->len);
    c->meta = p->meta;
    return c;
}

int
txp_pkt_attach_ext(struct txp_pkt *p, struct txp_pkt_ext *ext, uint8_t *buf, uint32_t data_off,
                   uint32_t len)
{
    struct txp_pkt_pool *pool;

    TXP_ASSERT(p != NULL);
    pool = p->pool;
    if (pool == NULL || p->ext != NULL || p->len != 0 || ext == NULL || ext->release == NULL ||
        buf == NULL)
        return TXP_EINVAL;
    if ((uint64_t)data_off + len > pool->buf_size)
        return TXP_ENOSPC;
    p->buf = buf;
    p->buf_size = data_off + len;
    p->data_off = data_off;
    p->len = len;
    p->ext = ext;
    pool->shared++;
    pool->attaches++;
    return TXP_OK;
}

void
txp_pkt_unshare(struct txp_pkt *p)
{
    struct txp_pkt_pool *pool;
    struct txp_pkt_ext *ext;
    uint8_t *own;

    TXP_ASSERT(p != NULL);
    if (p->ext == NULL)
        return;
    pool = p->pool;
    TXP_ASSERT((uint64_t)p->data_off + p->len <= pool->buf_size);
    own = pool->bufs + txp_pool_index(pool, p) * pool->stride;
    if (p->len > 0)
        memcpy(own + p->data_off, p->buf + p->data_off, p->len);
    ext = p->ext;
    p->ext = NULL;
    pool->shared--;
    pool->unshares++;
    ext->release(ext, p);
    p->buf = own;
    p->buf_size = pool->buf_size;
}

uint32_t
txp_pkt_pool_in_use(const struct txp_pkt_pool *pool)
{
    TXP_ASSERT(pool != NULL);
    return pool->in_use;
}

uint32_t
txp_pkt_pool_count(const struct txp_pkt_pool *pool)
{
    TXP_ASSERT(pool != NULL);
    return pool->count;
}

void
txp_pkt_pool_stats(const struct txp_pkt_pool *pool, struct txp_pkt_pool_stats *out)
{
    TXP_ASSERT(pool != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    out->count = pool->count;
    out->in_use = pool->in_use;
    out->high_water = pool->high_water;
    out->allocs = pool->allocs;
    out->frees = pool->frees;
    out->alloc_fails = pool->alloc_fails;
    out->shared = pool->shared;
    out->attaches = pool->attaches;
    out->unshares = pool->unshares;
}
