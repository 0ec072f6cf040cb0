/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: the allocator interface and the counting allocator used by tests.
 *
 * Default allocator (a NULL `const struct txp_alloc *`): malloc() when the requested alignment
 * is no stricter than max_align_t, otherwise C11 aligned_alloc() with the size rounded up to a
 * multiple of the alignment (C11 7.22.3.1 requires it). Both are released by free().
 *
 * Counting allocator: every block carries a small header just before the pointer handed out,
 * holding the block's size (so frees can keep `bytes` exact) and the start of the underlying
 * allocation. Layout of one block:
 *
 *     raw                        raw + pad               user = raw + pad + sizeof(hdr)
 *     | padding (alignment) ...  | struct txp_cnt_hdr    | size bytes ...
 *
 * pad + sizeof(hdr) is the header size rounded up to the alignment, so `user` is aligned. The
 * header is read and written with memcpy (no cast of a byte pointer to a struct pointer).
 *
 * Failure injection: fail_after counts the successes still allowed. When it reaches 0 every
 * further allocation fails (it stays 0) until the test sets it again; -1 never fails. A failed
 * allocation changes no counter, so code that cleans up properly leaves outstanding == 0.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/alloc.h"
#include "txpath/err.h"

#define TXP_ALLOC_MAX_ALIGN 4096u

static bool
txp_is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* Normalise an alignment request; 0 if it is invalid. */
static size_t
txp_align_norm(size_t align)
{
    if (align == 0)
        align = 1;
    if (!txp_is_pow2(align) || align > TXP_ALLOC_MAX_ALIGN)
        return 0;
    if (align < alignof(max_align_t))
        align = alignof(max_align_t);
    return align;
}

static void *
txp_default_alloc(size_t size, size_t align)
{
    size_t rounded;

    if (align <= alignof(max_align_t))
        return malloc(size);
    if (size > SIZE_MAX - (align - 1))
        return NULL;
    rounded = (size + align - 1) & ~(align - 1);
    return aligned_alloc(align, rounded);
}

void *
txp_alloc_mem(const struct txp_alloc *a, size_t size, size_t align)
{
    void *p;

    align = txp_align_norm(align);
    if (size == 0 || align == 0)
        return NULL;
    if (a == NULL || a->alloc == NULL)
        p = txp_default_alloc(size, align);
    else
        p = a->alloc(a->ctx, size, align);
    if (p != NULL) {
        TXP_ASSERT(((uintptr_t)p & (align - 1)) == 0);
        memset(p, 0, size);
    }
    return p;
}

void
txp_free(const struct txp_alloc *a, void *p)
{
    if (p == NULL)
        return;
    if (a == NULL || a->alloc == NULL)
        free(p);
    else if (a->free != NULL)
        a->free(a->ctx, p);
}

/* The header in front of each counting-allocator block. */
struct txp_cnt_hdr {
    size_t size;
    void *raw;
};

static void *
txp_cnt_alloc(void *ctx, size_t size, size_t align)
{
    struct txp_alloc_counter *c = ctx;
    struct txp_cnt_hdr h;
    size_t front;
    uint8_t *raw;
    uint8_t *user;

    align = txp_align_norm(align);
    if (c == NULL || size == 0 || align == 0)
        return NULL;
    if (c->fail_after == 0)
        return NULL;
    front = (sizeof(h) + align - 1) & ~(align - 1);
    if (size > SIZE_MAX - front - align)
        return NULL;
    raw = txp_default_alloc(front + size, align);
    if (raw == NULL)
        return NULL;
    user = raw + front;
    h.size = size;
    h.raw = raw;
    memcpy(user - sizeof(h), &h, sizeof(h));
    if (c->fail_after > 0)
        c->fail_after--;
    c->allocs++;
    c->outstanding++;
    c->bytes += size;
    return user;
}

static void
txp_cnt_free(void *ctx, void *ptr)
{
    struct txp_alloc_counter *c = ctx;
    struct txp_cnt_hdr h;

    if (ptr == NULL)
        return;
    memcpy(&h, (uint8_t *)ptr - sizeof(h), sizeof(h));
    TXP_ASSERT(c->outstanding > 0 && c->bytes >= h.size);
    c->frees++;
    c->outstanding--;
    c->bytes -= h.size;
    free(h.raw);
}

void
txp_alloc_counter_init(struct txp_alloc_counter *c, struct txp_alloc *out)
{
    TXP_ASSERT(c != NULL && out != NULL);
    memset(c, 0, sizeof(*c));
    c->fail_after = -1;
    out->alloc = txp_cnt_alloc;
    out->free = txp_cnt_free;
    out->ctx = c;
}
