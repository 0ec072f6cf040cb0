/* SPDX-License-Identifier: MIT */
/*
 * txpath fib: the Poptrie-style multibit trie of txpath/fib_lpm.h.
 *
 * Lookup structure. A direct table of 2^18 32-bit entries, one per /18, and a heap of 32-bit
 * words holding nodes. An entry (in the direct table or a node's child list) is either a
 * value, bit 31 set (a /18 that one prefix covers whole), or the heap offset (bits 0-29) of a
 * node, which has children when bit 30 is set; /18s no prefix covers share the node at offset
 * 0, whose one run is "no prefix". The lookup has no branch on the kind of entry: for a value
 * it reads node 0 (always in cache) and then takes the value instead, and the branch on
 * children is almost never taken. A node has 64 slots (6 address bits:
 * 18-23, 24-29, then 30-31 with each address spread over 16 slots, so the key is the address
 * followed by 4 zero bits):
 *
 *     without children: leafvec (2 words), values
 *     with children:    vector (2 words), leafvec (2 words), child entries, values
 *
 * `vector` marks the slots that hold a child, `leafvec` the other slots where a run of equal
 * values starts; child entries are in slot order, values in run order. So a lookup is one read
 * of the direct table, then per level one node whose values sit right after its maps (one
 * cache line for most /18s of an Internet table), one popcount and one read. This is Poptrie
 * (Asai and Ohara, SIGCOMM 2015) with each node's leaves stored inline after it instead of in
 * a separate array, which saves a dependent memory access per lookup.
 *
 * Memory. All the nodes of one /18 are one block of the heap, root first; an update builds the
 * /18's subtree anew in scratch space, copies it into a fresh block, switches the direct entry
 * and frees the old block. Blocks come from segregated free lists (exact sizes up to 64 words,
 * powers of two above) carved from the heap, addressed by offset, so a block never moves
 * except when the heap grows.
 *
 * Control data: prefixes of /17../32 are kept per /16 in a list sorted by length, and
 * /0../16 in direct per-length tables, so a /18 is rebuilt from its own prefixes.
 */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "txpath/fib_lpm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define INT_MISS 0x7FFFFFFFu
#define E_IMM 0x80000000u  /* an entry that is a value (bits 0-30) */
#define E_KIDS 0x40000000u /* an entry that is a node with children */
#define MISS_NODE 0u       /* heap offset 0: a node whose one run is no prefix, shared */
#define E_OFF 0x3FFFFFFFu
#define L16N 65536u
#define DIRN (1u << 18)
#define NONE 0xFFFFFFFFu
#define EXACT_MAX 64u
#define NCLS (EXACT_MAX + 20u) /* exact 1..64 words, then 2^7 .. 2^26 */
/* Words kept past the last block: the inline lookup reads a node with children as if it had
 * none (then discards the word), up to 66 words from its start. */
#define SLACK 80u

/*
 * A /17../32 prefix inside its /16, packed in 6 bytes: its code, 2^(len-16) | the prefix's
 * len-16 bits after the /16 (17 bits; codes sort by length, then address), and its value
 * (31 bits). w[0] = code bits 0-15; w[1..2] = value | code bit 16 << 31.
 */
struct lpm_pent {
    uint16_t w[3];
};

static inline uint32_t
pent_code(const struct lpm_pent *p)
{
    return (uint32_t)p->w[0] | (uint32_t)(p->w[2] >> 15) << 16;
}

static inline uint32_t
pent_value(const struct lpm_pent *p)
{
    return ((uint32_t)p->w[1] | (uint32_t)p->w[2] << 16) & 0x7FFFFFFFu;
}

static inline void
pent_set(struct lpm_pent *p, uint32_t code, uint32_t value)
{
    uint32_t hi = value | (code >> 16) << 31;
    p->w[0] = (uint16_t)code;
    p->w[1] = (uint16_t)hi;
    p->w[2] = (uint16_t)(hi >> 16);
}

/* Code of /@p len (17..32) whose last 16 bits are @p lo16. */
static inline uint32_t
code_of(unsigned len, uint32_t lo16)
{
    return 1u << (len - 16u) | lo16 >> (32u - len);
}

/* Length and last 16 bits (masked) of @p code. */
static inline unsigned
code_len(uint32_t code)
{
    return 16u + 31u - (unsigned)__builtin_clz(code);
}

static inline uint32_t
code_lo16(uint32_t code)
{
    unsigned len = code_len(code);
    return (code & ~(1u << (len - 16u))) << (32u - len) & 0xFFFFu;
}

struct lpm_plist {
    uint32_t n, cap;
    struct lpm_pent e[];
};

/* The heap: 32-bit words handed out in blocks by offset. */
struct lpm_heap {
    uint32_t *base;
    uint32_t cap, top;   /* words allocated, words ever carved */
    uint32_t used;       /* words in live blocks (class sizes) */
    uint32_t packed;     /* words free right after the last compaction */
    uint32_t head[NCLS]; /* free list per class: first block's offset, NONE = empty */
};

/* A prefix of the /18 being rebuilt: its key (address << 4, so 36 bits) and length. */
struct lpm_ent {
    uint64_t key;
    uint32_t value;
    uint8_t len;
};

struct txp_fib_lpm {
    struct txp_fib_lpm_view view; /* first: the inline lookup reads it (fib_lpm.h) */
    uint32_t dir[DIRN];
    const struct txp_alloc *a;
    struct lpm_heap hp;
    uint8_t ddep[L16N]; /* length + 1 of the longest /0../16 prefix covering each /16; 0: none */
    struct lpm_plist *mid[L16N];
    uint32_t *sval[17]; /* /0../16 prefixes: value per prefix index, INT_MISS = absent */
    size_t count, list_bytes;
    /* scratch for rebuilding one /18 */
    struct lpm_ent *ents;
    uint32_t *tw;    /* the subtree's words, offsets relative to its start */
    uint32_t *fix;   /* positions in tw of child entries, to rebase */
    uint32_t *fresh; /* entries built by a short prefix's update, before the switch; block
                      * sizes during a compaction */
    uint32_t ents_cap, tw_cap, fix_cap, fresh_cap, tw_len, fix_len;
    bool popcnt;
};

/* ---- lookup ---- */

static inline uint64_t
get64(const uint32_t *w)
{
    return (uint64_t)w[0] | (uint64_t)w[1] << 32;
}

/* The general walk, for /18s with prefixes longer than /24 (and the last part of a bulk). */
__attribute__((always_inline)) static inline uint32_t
walk(const struct txp_fib_lpm *l, uint32_t e, uint32_t addr)
{
    if (e & E_IMM)
        return e & ~E_IMM;
    uint64_t key = (uint64_t)addr << 4;
    unsigned sh = 12;
    for (;;) {
        const uint32_t *w = l->hp.base + (e & E_OFF);
        unsigned s = (unsigned)(key >> sh) & 63u;
        uint64_t m = (2ull << s) - 1u;
        if (!(e & E_KIDS))
            return w[1 + (unsigned)__builtin_popcountll(get64(w) & m)];
        uint64_t vec = get64(w);
        if (!((vec >> s) & 1u))
            return w[3 + (unsigned)__builtin_popcountll(vec) +
                     (unsigned)__builtin_popcountll(get64(w + 2) & m)];
        e = w[3 + (unsigned)__builtin_popcountll(vec & m)];
        sh -= 6;
    }
}

/* The common case of a lookup whose direct entry @p e is already read. */
__attribute__((always_inline)) static inline uint32_t
finish(const struct txp_fib_lpm *l, uint32_t e, uint32_t addr)
{
    uint32_t imm = (uint32_t)((int32_t)e >> 31);
    const uint32_t *w = l->hp.base + (e & E_OFF & ~imm);
    uint64_t m = (2ull << ((addr >> 8) & 63u)) - 1u;
    uint32_t x = w[1 + (unsigned)__builtin_popcountll(get64(w) & m)];
    if (__builtin_expect((e & (E_IMM | E_KIDS)) == E_KIDS, 0))
        x = walk(l, e, addr);
    return (x & ~imm) | (e & imm & ~E_IMM);
}

/*
 * Bulk, software-pipelined in three stages D apart: prefetch the direct entry of lookup i+2D,
 * read the direct entry of lookup i+D and prefetch its node, finish lookup i. So about 2D
 * memory reads are in flight, which is what hides the latency of a table larger than the
 * caches.
 */
#define PD 16u
#define CHUNK 64u
__attribute__((always_inline)) static inline void
bulk_core(const struct txp_fib_lpm *l, const uint32_t *addr, uint32_t *out, size_t n)
{
    const uint32_t *dir = l->dir, *heap = l->hp.base;
    while (n >= CHUNK) {
        uint32_t e[CHUNK];
        for (unsigned k = 0; k < 2u * PD; k++)
            __builtin_prefetch(&dir[addr[k] >> 14]);
        for (unsigned k = 0; k < PD; k++) {
            e[k] = dir[addr[k] >> 14];
            __builtin_prefetch(heap + (e[k] & E_OFF));
        }
        for (unsigned k = 0; k < CHUNK; k++) {
            if (k + 2u * PD < CHUNK)
                __builtin_prefetch(&dir[addr[k + 2u * PD] >> 14]);
            if (k + PD < CHUNK) {
                e[k + PD] = dir[addr[k + PD] >> 14];
                __builtin_prefetch(heap + (e[k + PD] & E_OFF));
            }
            out[k] = finish(l, e[k], addr[k]);
        }
        addr += CHUNK;
        out += CHUNK;
        n -= CHUNK;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = finish(l, dir[addr[i] >> 14], addr[i]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LPM_HAVE_TARGET 1
__attribute__((target("popcnt"))) static uint32_t
lookup_popcnt(const struct txp_fib_lpm *l, uint32_t addr)
{
    return walk(l, l->dir[addr >> 14], addr);
}

__attribute__((target("popcnt"))) static void
bulk_popcnt(const struct txp_fib_lpm *l, const uint32_t *addr, uint32_t *out, size_t n)
{
    bulk_core(l, addr, out, n);
}
#endif

uint32_t
txp_fib_lpm_lookup(const struct txp_fib_lpm *l, uint32_t addr)
{
#ifdef LPM_HAVE_TARGET
    if (l->popcnt)
        return lookup_popcnt(l, addr);
#endif
    return walk(l, l->dir[addr >> 14], addr);
}

void
txp_fib_lpm_lookup_bulk(const struct txp_fib_lpm *l, const uint32_t *addr, uint32_t *out, size_t n)
{
#ifdef LPM_HAVE_TARGET
    if (l->popcnt)
        bulk_popcnt(l, addr, out, n);
    else
#endif
        bulk_core(l, addr, out, n);
}

/* ---- the heap ---- */

#define HUGE_SZ ((size_t)2 << 20)

/*
 * Zeroed memory for a big array. With the default allocator (NULL) on Linux, an array of a
 * megabyte or more starts on a 2 MiB boundary and is advised for transparent huge pages
 * before it is touched, so lookups landing anywhere in megabytes of
 * nodes do not each miss the TLB (measured: without it bench_fib's lookups run at about 0.55x
 * instead of 1x); it is still released by free(), as the default allocator's blocks are. A
 * caller's allocator is used as it is (zeroed whole). *bytes is the size. Bytes before
 * @p zero_from are left for the caller to fill.
 */
static void *
big_alloc_from(const struct txp_alloc *a, size_t *bytes, size_t zero_from)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (a == NULL && *bytes >= HUGE_SZ / 2u) {
        void *p = NULL;
        if (posix_memalign(&p, HUGE_SZ, *bytes) != 0)
            return NULL;
        (void)madvise(p, *bytes, MADV_HUGEPAGE); /* advice only: failure changes nothing */
        memset((uint8_t *)p + zero_from, 0, *bytes - zero_from);
        return p;
    }
#endif
    (void)zero_from;
    return txp_alloc_mem(a, *bytes, 64);
}

static void *
big_alloc(const struct txp_alloc *a, size_t *bytes)
{
    return big_alloc_from(a, bytes, 0);
}

/* Grow the heap to at least @p want words, keeping its words (offsets do not change). */
static bool
heap_resize(struct txp_fib_lpm *l, uint32_t want)
{
    struct lpm_heap *h = &l->hp;
    size_t bytes = (size_t)want * 4u;
    /* the first top words are copied over: only the rest needs zeroing */
    uint32_t *nb = big_alloc_from(l->a, &bytes, (size_t)h->top * 4u);
    if (!nb)
        return false;
    if (h->base) {
        memcpy(nb, h->base, (size_t)h->top * 4u);
        txp_free(l->a, h->base);
    }
    h->base = nb;
    h->cap = (uint32_t)(bytes / 4u < E_OFF ? bytes / 4u : E_OFF);
    l->view.heap = nb;
    return true;
}

static unsigned
heap_class(uint32_t n, uint32_t *size)
{
    if (n <= EXACT_MAX) {
        *size = n;
        return n - 1u;
    }
    unsigned c = EXACT_MAX;
    uint32_t s = EXACT_MAX * 2u;
    while (s < n) {
        s <<= 1;
        c++;
    }
    *size = s;
    return c;
}

/* Offset of a block of @p n words, or NONE when out of memory. Updates view.heap. */
static uint32_t
heap_get(struct txp_fib_lpm *l, uint32_t n)
{
    struct lpm_heap *h = &l->hp;
    uint32_t size;
    unsigned c = heap_class(n, &size);
    if (c >= NCLS)
        return NONE;
    uint32_t at = h->head[c];
    if (at != NONE) {
        h->head[c] = h->base[at];
        h->used += size;
        return at;
    }
    /* Split a free block a little larger (leaving at least a 3-word node's room), so blocks
     * freed by updates are reused rather than the heap grown; a small block stays inside its
     * line. */
    for (uint32_t big = size + 3u; size <= EXACT_MAX && big <= EXACT_MAX && big <= size + 24u;
         big++) {
        at = h->head[big - 1u];
        if (at == NONE || (size <= 16u && (at & 15u) + size > 16u))
            continue;
        h->head[big - 1u] = h->base[at];
        uint32_t rest = at + size;
        h->base[rest] = h->head[big - size - 1u];
        h->head[big - size - 1u] = rest;
        h->used += size;
        return at;
    }
    /* A block of up to 16 words (a /18 with one node of a few runs, the common case) does not
     * cross a 64-byte line, so a lookup's reads of the node's maps and of its value hit one
     * line; the gap skipped goes to the free list of its size, where small nodes reuse it. */
    uint32_t gap = 0;
    if (size <= 16u && (h->top & 15u) + size > 16u)
        gap = 16u - (h->top & 15u);
    if ((uint64_t)h->top + gap + size + SLACK > h->cap) {
        /* grow by a sixteenth: at Internet scale the heap is megabytes, and growing it now
         * and then is cheaper than leaving a good part of it unused */
        uint64_t want = (uint64_t)h->cap + h->cap / 16u + 4096u;
        if (want < (uint64_t)h->top + gap + size + SLACK)
            want = (uint64_t)h->top + gap + size + SLACK;
        want = (want + 15u) & ~(uint64_t)15u;
        if (want > E_OFF)
            return NONE;
        if (!heap_resize(l, (uint32_t)want))
            return NONE;
    }
    if (gap) {
        uint32_t gsize;
        unsigned gc = heap_class(gap, &gsize);
        h->base[h->top] = h->head[gc];
        h->head[gc] = h->top;
        h->top += gap;
    }
    at = h->top;
    h->top += size;
    h->used += size;
    return at;
}

static void
heap_put(struct lpm_heap *h, uint32_t at, uint32_t n)
{
    uint32_t size;
    unsigned c = heap_class(n, &size);
    h->base[at] = h->head[c];
    h->head[c] = at;
    h->used -= size;
}

/* ---- rebuilding one /18 ---- */

static bool
grow(const struct txp_alloc *a, void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t c = *cap ? *cap : 64u;
    while (c < need)
        c *= 2u;
    void *nb = txp_alloc_mem(a, (size_t)c * elem, 8);
    if (!nb)
        return false;
    if (*arr)
        memcpy(nb, *arr, (size_t)*cap * elem);
    txp_free(a, *arr);
    *arr = nb;
    *cap = c;
    return true;
}

static int
ent_cmp(const void *x, const void *y)
{
    const struct lpm_ent *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

/* Slot of @p key in a node at depth @p d (the node covers key bits d .. d+5). */
static inline unsigned
slot_of(uint64_t key, unsigned d)
{
    return (unsigned)(key >> (30u - d)) & 63u;
}

static void
put64(uint32_t *w, uint64_t v)
{
    w[0] = (uint32_t)v;
    w[1] = (uint32_t)(v >> 32);
}

/*
 * Append to the scratch words the node at depth @p d for the prefixes e[0..n) (sorted by key,
 * then length; all inside the node's range, all longer than @p d) over default @p dv, then its
 * children; *entry is its entry, relative to the subtree's start.
 */
static int
build(struct txp_fib_lpm *l, unsigned d, uint32_t dv, const struct lpm_ent *e, size_t n,
      uint32_t *entry)
{
    uint32_t val[64];
    uint64_t vec = 0, lvec = 0;
    for (unsigned s = 0; s < 64; s++)
        val[s] = dv;
    for (size_t i = 0; i < n; i++) {
        unsigned s = slot_of(e[i].key, d);
        if (e[i].len <= d + 6u) {
            unsigned span = 1u << (d + 6u - e[i].len);
            for (unsigned t = s; t < s + span; t++)
                val[t] = e[i].value;
        } else
            vec |= 1ull << s;
    }
    unsigned nl = 0;
    uint32_t prev = 0;
    for (unsigned s = 0; s < 64; s++) {
        if ((vec >> s) & 1u)
            continue;
        if (nl == 0 || val[s] != prev) {
            lvec |= 1ull << s;
            prev = val[s];
            nl++;
        }
    }
    unsigned nc = (unsigned)__builtin_popcountll(vec);
    uint32_t words = (nc ? 4u + nc : 2u) + nl;
    if (!grow(l->a, (void **)&l->tw, &l->tw_cap, l->tw_len + words, sizeof(uint32_t)))
        return TXP_ENOMEM;
    uint32_t at = l->tw_len, kid = 0, w = at;
    *entry = nc ? at | E_KIDS : at;
    if (nc) {
        put64(&l->tw[w], vec);
        w += 2;
    }
    put64(&l->tw[w], lvec);
    w += 2;
    if (nc) {
        kid = w;
        w += nc;
    }
    for (unsigned s = 0; s < 64; s++)
        if ((lvec >> s) & 1u)
            l->tw[w++] = val[s] == INT_MISS ? TXP_FIB_LPM_MISS : val[s];
    l->tw_len = w;
    for (size_t i = 0; i < n;) {
        if (e[i].len <= d + 6u) {
            i++;
            continue;
        }
        unsigned s = slot_of(e[i].key, d);
        size_t j = i + 1;
        while (j < n && slot_of(e[j].key, d) == s)
            j++;
        uint32_t ce;
        int rc = build(l, d + 6u, val[s], e + i, j - i, &ce);
        if (rc != TXP_OK)
            return rc;
        l->tw[kid] = ce;
        if (!grow(l->a, (void **)&l->fix, &l->fix_cap, l->fix_len + 1u, sizeof(uint32_t)))
            return TXP_ENOMEM;
        l->fix[l->fix_len++] = kid++;
        i = j;
    }
    return TXP_OK;
}

/* Words of the subtree whose root entry is @p e (a node). */
static uint32_t
subtree_words(const struct txp_fib_lpm *l, uint32_t e)
{
    const uint32_t *w = l->hp.base + (e & E_OFF);
    if (!(e & E_KIDS))
        return 2u + (uint32_t)__builtin_popcountll(get64(w));
    uint64_t vec = get64(w);
    unsigned nc = (unsigned)__builtin_popcountll(vec);
    uint32_t total = 4u + nc + (uint32_t)__builtin_popcountll(get64(w + 2));
    for (unsigned c = 0; c < nc; c++)
        total += subtree_words(l, w[4 + c]);
    return total;
}

static void
free_entry(struct txp_fib_lpm *l, uint32_t e)
{
    if (e == MISS_NODE || (e & E_IMM))
        return;
    heap_put(&l->hp, e & E_OFF, subtree_words(l, e));
}

/*
 * Compaction. Updates free a /18's block and take one a little larger, so small free blocks
 * pile up (at Internet scale, a third of the heap after a full load). When free words have
 * grown by a sixteenth of the words in use, every /18's block is copied into a new heap, packed: a
 * block of up to 16 words goes into the fullest 64-byte line it fits in (best fit over the lines'
 * free tails), a larger one at the end. A first pass without copying sizes the new heap; the
 * second is the same placement, done. Child entries inside a block move with it (they are
 * shifted by the block's displacement). Out of memory, the heap simply stays as it is.
 */
struct pack {
    uint32_t *nb;       /* the new heap; NULL in the sizing pass */
    uint32_t head[16];  /* head[r]: lines whose last r words are free, linked through nb */
    uint32_t cnt[16];   /* how many */
    uint32_t top, used; /* words carved, words in blocks */
};

static void
pack_tail(struct pack *p, uint32_t r, uint32_t at)
{
    p->cnt[r]++;
    if (p->nb) {
        p->nb[at] = p->head[r];
        p->head[r] = at;
    }
}

/* Where a block of @p n words goes. */
static uint32_t
pack_place(struct pack *p, uint32_t n)
{
    uint32_t at;
    if (n > 16u) {
        uint32_t size;
        (void)heap_class(n, &size); /* a freed block goes back to its class: take its size */
        at = p->top;
        p->top += size;
        p->used += size;
        return at;
    }
    p->used += n;
    for (uint32_t r = n; r < 16u; r++) {
        if (p->cnt[r] == 0)
            continue;
        p->cnt[r]--;
        at = 0;
        if (p->nb) {
            at = p->head[r];
            p->head[r] = p->nb[at];
        }
        if (r > n)
            pack_tail(p, r - n, at + n);
        return at;
    }
    if (p->top & 15u) { /* the rest of the current line becomes a tail */
        uint32_t r = 16u - (p->top & 15u);
        pack_tail(p, r, p->top);
        p->top += r;
    }
    at = p->top;
    p->top += 16u;
    if (n < 16u)
        pack_tail(p, 16u - n, at + n);
    return at;
}

static void
pack_init(struct pack *p, uint32_t *nb)
{
    memset(p, 0, sizeof *p);
    p->nb = nb;
    for (unsigned r = 0; r < 16u; r++)
        p->head[r] = NONE;
    p->top = 16u; /* line 0: the miss node, then a tail of 13 words */
    p->used = 3u;
    pack_tail(p, 13u, 3u);
}

static void
compact(struct txp_fib_lpm *l)
{
    struct lpm_heap *h = &l->hp;
    struct pack p;
    pack_init(&p, NULL);
    uint32_t nblk = 0; /* blocks, their sizes kept in l->fresh for the second pass */
    for (uint32_t j = 0; j < DIRN; j++) {
        if ((j & 3u) == 0 && (l->mid[j >> 2] == NULL || l->mid[j >> 2]->n == 0)) {
            j += 3; /* no longer prefixes in this /16: no blocks */
            continue;
        }
        uint32_t e = l->dir[j];
        if (e == MISS_NODE || (e & E_IMM))
            continue;
        if (!grow(l->a, (void **)&l->fresh, &l->fresh_cap, nblk + 1u, sizeof(uint32_t)))
            return;
        l->fresh[nblk] = subtree_words(l, e);
        (void)pack_place(&p, l->fresh[nblk++]);
    }
    uint64_t want = (uint64_t)p.top + p.top / 32u + SLACK; /* room to grow a little */
    if (want > E_OFF)
        return;
    size_t bytes = (size_t)want * 4u;
    uint32_t *nb = big_alloc(l->a, &bytes);
    if (!nb)
        return;
    want = bytes / 4u < E_OFF ? bytes / 4u : E_OFF; /* the rounding is room to grow */
    memcpy(nb, h->base, 3u * 4u);                   /* the shared miss node stays at 0 */
    pack_init(&p, nb);
    nblk = 0;
    for (uint32_t j = 0; j < DIRN; j++) {
        if ((j & 3u) == 0 && (l->mid[j >> 2] == NULL || l->mid[j >> 2]->n == 0)) {
            j += 3;
            continue;
        }
        uint32_t e = l->dir[j];
        if (e == MISS_NODE || (e & E_IMM))
            continue;
        uint32_t old = e & E_OFF, n = l->fresh[nblk++];
        uint32_t at = pack_place(&p, n);
        TXP_ASSERT((uint64_t)p.top + SLACK <= want);
        memcpy(nb + at, h->base + old, (size_t)n * 4u);
        /* shift the child entries of every node of the block */
        uint32_t delta = at - old; /* modulo 2^32 */
        uint32_t stack[3 * 64 + 1], sp = 0;
        stack[sp++] = at | (e & E_KIDS);
        while (sp) {
            uint32_t ne = stack[--sp];
            if (!(ne & E_KIDS))
                continue;
            uint32_t *w = nb + (ne & E_OFF);
            unsigned nc = (unsigned)__builtin_popcountll(get64(w));
            for (unsigned c = 0; c < nc; c++) {
                w[4 + c] += delta;
                stack[sp++] = w[4 + c];
            }
        }
        l->dir[j] = at | (e & E_KIDS);
    }
    txp_free(l->a, h->base);
    txp_free(l->a, l->fresh); /* the sizes: a megabyte at Internet scale, not kept */
    l->fresh = NULL;
    l->fresh_cap = 0;
    h->base = nb;
    l->view.heap = nb;
    h->cap = (uint32_t)want;
    h->top = p.top;
    h->used = p.used;
    h->packed = p.top - p.used; /* the packing's own gaps: not garbage */
    for (unsigned c = 0; c < NCLS; c++)
        h->head[c] = NONE;
    for (unsigned r = 1; r < 16u; r++) /* the lines' free tails: free blocks of their size */
        for (uint32_t at = p.head[r]; at != NONE;) {
            uint32_t next = nb[at];
            nb[at] = h->head[r - 1u];
            h->head[r - 1u] = at;
            at = next;
        }
}

/* The best /0../16 covering /16 @p h below length @p below (exclusive). */
static void
best_short(const struct txp_fib_lpm *l, uint32_t h, int below, uint32_t *val, uint8_t *dep)
{
    for (int len = below - 1; len >= 0; len--) {
        if (!l->sval[len])
            continue;
        uint32_t v = l->sval[len][len ? h >> (16 - len) : 0];
        if (v != INT_MISS) {
            *val = v;
            *dep = (uint8_t)(len + 1);
            return;
        }
    }
    *val = INT_MISS;
    *dep = 0;
}

/* The value of the longest /0../16 prefix covering /16 @p h, or INT_MISS. */
static uint32_t
short_val(const struct txp_fib_lpm *l, uint32_t h)
{
    unsigned dep = l->ddep[h];
    if (dep == 0)
        return INT_MISS;
    unsigned len = dep - 1u;
    return l->sval[len][len ? h >> (16u - len) : 0];
}

/*
 * Build the direct entry /18 @p j should have, from /16 @p j>>2's default and prefix list,
 * into a fresh block; *out is the entry. Nothing the lookup reads changes.
 */
static int
prepare18(struct txp_fib_lpm *l, uint32_t j, uint32_t *out)
{
    uint32_t h = j >> 2, q = j & 3u;
    uint32_t dv = short_val(l, h);
    const struct lpm_plist *pl = l->mid[h];
    uint32_t ne = 0;
    for (uint32_t i = 0; pl && i < pl->n; i++) {
        uint32_t code = pent_code(&pl->e[i]);
        unsigned len = code_len(code);
        uint32_t lo16 = code_lo16(code);
        if (len == 17) {
            if ((lo16 >> 15) == (q >> 1))
                dv = pent_value(&pl->e[i]);
        } else if ((lo16 >> 14) == q) {
            if (len == 18)
                dv = pent_value(&pl->e[i]);
            else {
                if (!grow(l->a, (void **)&l->ents, &l->ents_cap, ne + 1u, sizeof(struct lpm_ent)))
                    return TXP_ENOMEM;
                uint32_t addr = h << 16 | lo16;
                l->ents[ne++] =
                    (struct lpm_ent){(uint64_t)addr << 4, pent_value(&pl->e[i]), (uint8_t)len};
            }
        }
    }
    if (ne == 0) {
        *out = dv == INT_MISS ? MISS_NODE : E_IMM | dv;
        return TXP_OK;
    }
    if (ne <= 32) { /* the list is by length, then address: insertion sort for a few */
        for (uint32_t i = 1; i < ne; i++) {
            struct lpm_ent t = l->ents[i];
            uint32_t k = i;
            while (k > 0 && ent_cmp(&l->ents[k - 1], &t) > 0) {
                l->ents[k] = l->ents[k - 1];
                k--;
            }
            l->ents[k] = t;
        }
    } else
        qsort(l->ents, ne, sizeof(struct lpm_ent), ent_cmp);
    l->tw_len = 0;
    l->fix_len = 0;
    uint32_t root;
    int rc = build(l, 18, dv, l->ents, ne, &root);
    if (rc != TXP_OK)
        return rc;
    if (l->tw_len == 3u) { /* one run (the prefixes repeat the default's value) */
        *out = l->tw[2] == TXP_FIB_LPM_MISS ? MISS_NODE : E_IMM | l->tw[2];
        return TXP_OK;
    }
    uint32_t at = heap_get(l, l->tw_len);
    if (at == NONE)
        return TXP_ENOMEM;
    for (uint32_t i = 0; i < l->fix_len; i++)
        l->tw[l->fix[i]] += at; /* child entries: relative offset -> heap offset (flags kept) */
    memcpy(l->hp.base + at, l->tw, (size_t)l->tw_len * 4u);
    *out = root + at;
    return TXP_OK;
}

/* Compact when the free words have grown by a sixteenth of the words in use (and 256 words)
 * since the last compaction. */
static void
maybe_compact(struct txp_fib_lpm *l)
{
    if (l->hp.top - l->hp.used > l->hp.packed + l->hp.used / 16u + 256u)
        compact(l);
}

/*
 * Rebuild the /18s of /16 @p h that addresses [@p lo, @p hi] touch: all of them or, on
 * TXP_ENOMEM, none.
 */
static int
rebuild(struct txp_fib_lpm *l, uint32_t h, uint32_t lo, uint32_t hi)
{
    uint32_t j0 = (h << 2) | ((lo >> 14) & 3u), j1 = (h << 2) | ((hi >> 14) & 3u);
    uint32_t fresh[4];
    for (uint32_t j = j0; j <= j1; j++) {
        if (prepare18(l, j, &fresh[j - j0]) != TXP_OK) {
            for (uint32_t k = j0; k < j; k++)
                free_entry(l, fresh[k - j0]);
            return TXP_ENOMEM;
        }
    }
    for (uint32_t j = j0; j <= j1; j++) {
        uint32_t old = l->dir[j];
        l->dir[j] = fresh[j - j0];
        free_entry(l, old);
    }
    maybe_compact(l);
    return TXP_OK;
}

/* ---- prefixes ---- */

static uint32_t
pmask(uint8_t plen)
{
    return plen ? 0xFFFFFFFFu << (32 - plen) : 0;
}

/* Position of @p code in the sorted list, and whether it is there. */
static uint32_t
plist_find(const struct lpm_plist *pl, uint32_t code, bool *found)
{
    uint32_t lo = 0, hi = pl ? pl->n : 0;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        uint32_t c = pent_code(&pl->e[mid]);
        if (c == code) {
            *found = true;
            return mid;
        }
        if (c < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

int
txp_fib_lpm_create(const struct txp_alloc *a, struct txp_fib_lpm **out)
{
    size_t bytes = sizeof(struct txp_fib_lpm);
    struct txp_fib_lpm *l = big_alloc(a, &bytes);
    if (!l)
        return TXP_ENOMEM;
    memset(l, 0, sizeof *l);
    l->a = a;
    l->view.dir = l->dir;
    for (unsigned c = 0; c < NCLS; c++)
        l->hp.head[c] = NONE;
    if (heap_get(l, 3) != MISS_NODE) {
        txp_free(a, l->hp.base);
        txp_free(a, l);
        return TXP_ENOMEM;
    }
    l->hp.base[0] = 1; /* leafvec: one run from slot 0 */
    l->hp.base[1] = 0;
    l->hp.base[2] = TXP_FIB_LPM_MISS;
    for (uint32_t j = 0; j < DIRN; j++)
        l->dir[j] = MISS_NODE;
#ifdef LPM_HAVE_TARGET
    l->popcnt = __builtin_cpu_supports("popcnt");
#endif
    *out = l;
    return TXP_OK;
}

void
txp_fib_lpm_destroy(struct txp_fib_lpm *l)
{
    if (!l)
        return;
    for (uint32_t h = 0; h < L16N; h++)
        txp_free(l->a, l->mid[h]);
    for (int i = 0; i <= 16; i++)
        txp_free(l->a, l->sval[i]);
    txp_free(l->a, l->hp.base);
    txp_free(l->a, l->ents);
    txp_free(l->a, l->tw);
    txp_free(l->a, l->fix);
    txp_free(l->a, l->fresh);
    txp_free(l->a, l);
}

static int
short_update(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen, uint32_t value, bool del)
{
    uint32_t idx = plen ? prefix >> (32 - plen) : 0;
    if (!l->sval[plen]) {
        if (del)
            return TXP_ENOENT;
        size_t n = (size_t)1 << plen;
        l->sval[plen] = txp_alloc_mem(l->a, n * 4u, 4);
        if (!l->sval[plen])
            return TXP_ENOMEM;
        for (size_t i = 0; i < n; i++)
            l->sval[plen][i] = INT_MISS;
        l->list_bytes += n * 4u;
    }
    uint32_t old = l->sval[plen][idx];
    if (del && old == INT_MISS)
        return TXP_ENOENT;
    /* Two phases, so that running out of memory changes nothing: with the prefix set and the
     * depths of the /16s under it updated, build the /18s that hold longer prefixes (and that
     * no longer short prefix covers) into fresh blocks; then switch them all, or free the
     * fresh blocks and put the prefix and the depths back. A /16 without longer prefixes
     * needs no block: its four entries are its best short prefix's value. */
    uint32_t h0 = prefix >> 16, hn = 1u << (16 - plen), nf = 0;
    uint8_t *kdep = txp_alloc_mem(l->a, hn, 1); /* the old depths, to put back */
    if (!kdep)
        return TXP_ENOMEM;
    l->sval[plen][idx] = del ? INT_MISS : value;
    uint32_t done = 0; /* /16s whose depth may have changed */
    int rc = TXP_OK;
    for (uint32_t i = 0; i < hn && rc == TXP_OK; i++) {
        uint32_t h = h0 + i;
        kdep[i] = l->ddep[h];
        done = i + 1u;
        if (l->ddep[h] > plen + 1u)
            continue; /* a longer short prefix covers this /16 */
        if (del) {
            uint32_t v;
            best_short(l, h, plen, &v, &l->ddep[h]);
        } else
            l->ddep[h] = (uint8_t)(plen + 1u);
        if (l->mid[h] == NULL || l->mid[h]->n == 0)
            continue;
        if (!grow(l->a, (void **)&l->fresh, &l->fresh_cap, nf + 4u, sizeof(uint32_t))) {
            rc = TXP_ENOMEM;
            break;
        }
        for (uint32_t q = 0; q < 4u && rc == TXP_OK; q++)
            if ((rc = prepare18(l, h << 2 | q, &l->fresh[nf])) == TXP_OK)
                nf++;
    }
    if (rc != TXP_OK) {
        for (uint32_t k = 0; k < nf; k++)
            free_entry(l, l->fresh[k]);
        for (uint32_t i = 0; i < done; i++)
            l->ddep[h0 + i] = kdep[i];
        l->sval[plen][idx] = old;
        txp_free(l->a, kdep);
        return TXP_ENOMEM;
    }
    nf = 0;
    for (uint32_t i = 0; i < hn; i++) {
        uint32_t h = h0 + i;
        if (kdep[i] > plen + 1u)
            continue;
        uint32_t *d = &l->dir[h << 2];
        if (l->mid[h] == NULL || l->mid[h]->n == 0) {
            /* no longer prefixes: the /18s held values (no blocks) and hold the new best */
            uint32_t v = short_val(l, h);
            d[0] = d[1] = d[2] = d[3] = v == INT_MISS ? MISS_NODE : E_IMM | v;
            continue;
        }
        for (uint32_t q = 0; q < 4u; q++) {
            uint32_t prev = d[q];
            d[q] = l->fresh[nf++];
            free_entry(l, prev);
        }
    }
    txp_free(l->a, kdep);
    if (del)
        l->count--;
    else if (old == INT_MISS)
        l->count++;
    maybe_compact(l);
    return TXP_OK;
}

int
txp_fib_lpm_add(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen, uint32_t value)
{
    if (plen > 32 || (prefix & ~pmask(plen)) || value > TXP_FIB_LPM_VALUE_MAX)
        return TXP_EINVAL;
    if (plen <= 16)
        return short_update(l, prefix, plen, value, false);
    uint32_t h = prefix >> 16, hi = prefix | ~pmask(plen);
    uint32_t code = code_of(plen, prefix & 0xFFFFu);
    struct lpm_plist *pl = l->mid[h];
    bool found;
    uint32_t pos = plist_find(pl, code, &found);
    if (found) {
        uint32_t oldv = pent_value(&pl->e[pos]);
        pent_set(&pl->e[pos], code, value);
        int rc = rebuild(l, h, prefix, hi);
        if (rc != TXP_OK)
            pent_set(&pl->e[pos], code, oldv);
        return rc;
    }
    if (!pl || pl->n == pl->cap) {
        /* grow by an eighth: the lists hold a million prefixes at Internet scale */
        uint32_t cap = pl ? pl->cap + pl->cap / 8u + 1u : 1u;
        struct lpm_plist *g = txp_alloc_mem(l->a, sizeof(*g) + cap * sizeof(g->e[0]), 4);
        if (!g)
            return TXP_ENOMEM;
        g->cap = cap;
        g->n = pl ? pl->n : 0;
        if (pl) {
            memcpy(g->e, pl->e, pl->n * sizeof(g->e[0]));
            l->list_bytes -= sizeof(*pl) + pl->cap * sizeof(pl->e[0]);
            txp_free(l->a, pl);
        }
        l->list_bytes += sizeof(*g) + cap * sizeof(g->e[0]);
        l->mid[h] = pl = g;
    }
    memmove(&pl->e[pos + 1], &pl->e[pos], (pl->n - pos) * sizeof(pl->e[0]));
    pent_set(&pl->e[pos], code, value);
    pl->n++;
    int rc = rebuild(l, h, prefix, hi);
    if (rc != TXP_OK) {
        pl->n--;
        memmove(&pl->e[pos], &pl->e[pos + 1], (pl->n - pos) * sizeof(pl->e[0]));
        return rc;
    }
    l->count++;
    return TXP_OK;
}

int
txp_fib_lpm_del(struct txp_fib_lpm *l, uint32_t prefix, uint8_t plen)
{
    if (plen > 32 || (prefix & ~pmask(plen)))
        return TXP_EINVAL;
    if (plen <= 16)
        return short_update(l, prefix, plen, 0, true);
    uint32_t h = prefix >> 16;
    struct lpm_plist *pl = l->mid[h];
    bool found;
    uint32_t pos = plist_find(pl, code_of(plen, prefix & 0xFFFFu), &found);
    if (!found)
        return TXP_ENOENT;
    struct lpm_pent saved = pl->e[pos];
    pl->n--;
    memmove(&pl->e[pos], &pl->e[pos + 1], (pl->n - pos) * sizeof(pl->e[0]));
    int rc = rebuild(l, h, prefix, prefix | ~pmask(plen));
    if (rc != TXP_OK) {
        memmove(&pl->e[pos + 1], &pl->e[pos], (pl->n - pos) * sizeof(pl->e[0]));
        pl->e[pos] = saved;
        pl->n++;
        return rc;
    }
    l->count--;
    return TXP_OK;
}

size_t
txp_fib_lpm_count(const struct txp_fib_lpm *l)
{
    return l->count;
}

void
txp_fib_lpm_memory(const struct txp_fib_lpm *l, struct txp_fib_lpm_mem *m)
{
    m->lookup = sizeof(l->dir) + (size_t)(l->hp.used - 3u) * 4u; /* not the shared miss node */
    m->spare = (size_t)(l->hp.cap - l->hp.used) * 4u;
    m->control = sizeof(*l) - sizeof(l->dir) + l->list_bytes +
                 (size_t)l->ents_cap * sizeof(struct lpm_ent) +
                 (size_t)(l->tw_cap + l->fix_cap + l->fresh_cap) * sizeof(uint32_t);
}
