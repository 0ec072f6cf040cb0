/* SPDX-License-Identifier: MIT */
/*
 * txpath ring: the single-producer/single-consumer pointer ring (struct txp_ring_ptr), the
 * queue between a producing thread (the stack) and a consuming one (a driver thread).
 *
 *   prod_tail ---> written by the producer (release) after filling slots [prod_tail, +n)
 *   cons_tail ---> written by the consumer (release) after emptying slots [cons_tail, +n)
 *   count = prod_tail - cons_tail (free-running u32 indices), 0 <= count <= size
 *
 * Each side keeps its own index on its own cache line. The producer also caches the consumer's
 * published index and loads the shared one (acquire) only when the cache says there is not
 * enough room, so a producer running ahead does not pull the consumer's line on every call;
 * the consumer loads prod_tail on every call, as DPDK's rte_ring does (a consumer cache misses
 * whenever the consumer has caught up, which with short bursts is nearly always, and the
 * miss path measured slower in bench/bench_ring.c). Head/tail pairs are not needed: they
 * exist in rte_ring for its multi-producer and multi-consumer modes. Short copies are
 * unrolled by four, as rte_ring's are. The burst functions are inline in ring.h; this file
 * holds the lifecycle.
 *
 * Entry points: txp_ring_ptr_memsize, txp_ring_ptr_init, txp_ring_ptr_create,
 * txp_ring_ptr_destroy, txp_ring_ptr_count.
 */
#include <string.h>

#include "txpath/ring.h"

_Static_assert(offsetof(struct txp_ring_ptr, prod_tail) == 64, "producer line is 64 bytes");
_Static_assert(offsetof(struct txp_ring_ptr, cons) == 128, "consumer line starts at 128");
_Static_assert(offsetof(struct txp_ring_ptr, cons_tail) == 192, "consumer tail at 192");
_Static_assert(sizeof(struct txp_ring_ptr) == 256, "slots start at 256");

size_t
txp_ring_ptr_memsize(uint32_t count)
{
    if (count < 2 || count > TXP_RING_PTR_MAX || (count & (count - 1u)) != 0)
        return 0;
    return sizeof(struct txp_ring_ptr) + (size_t)count * sizeof(void *);
}

int
txp_ring_ptr_init(void *mem, size_t len, uint32_t count, struct txp_ring_ptr **out)
{
    size_t need = txp_ring_ptr_memsize(count);
    if (!need || !mem || !out || len < need || ((uintptr_t)mem & 63u) != 0)
        return TXP_EINVAL;
    struct txp_ring_ptr *r = mem;
    memset(r, 0, sizeof *r);
    r->pmask = r->cmask = count - 1u;
    r->psize = count;
    *out = r;
    return TXP_OK;
}

int
txp_ring_ptr_create(uint32_t count, const struct txp_alloc *a, struct txp_ring_ptr **out)
{
    size_t need = txp_ring_ptr_memsize(count);
    if (!need || !out)
        return TXP_EINVAL;
    void *mem = txp_alloc_mem(a, need, 64);
    if (!mem)
        return TXP_ENOMEM;
    int rc = txp_ring_ptr_init(mem, need, count, out);
    if (rc != TXP_OK) {
        txp_free(a, mem);
        return rc;
    }
    (*out)->alloc = a;
    (*out)->owned = 1;
    return TXP_OK;
}

void
txp_ring_ptr_destroy(struct txp_ring_ptr *r)
{
    if (r && r->owned)
        txp_free(r->alloc, r);
}

uint32_t
txp_ring_ptr_count(const struct txp_ring_ptr *r)
{
    uint32_t p = __atomic_load_n(&r->prod_tail, __ATOMIC_ACQUIRE);
    uint32_t c = __atomic_load_n(&r->cons_tail, __ATOMIC_ACQUIRE);
    return p - c;
}
