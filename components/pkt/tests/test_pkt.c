/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt unit tests: errors and diagnostics, environment (PRNG, log), allocators,
 * checksums, the packet buffer and the packet pool.
 *
 * Suites (one CTest entry each, pkt.unit.<suite>):
 *   err    every TXP_E*, drop and parse reason has a unique non-empty name and message;
 *          diagnostics format as "file:line:col: msg", "file:line: msg", "file: byte N: msg"
 *   env    xoshiro256** via splitmix64: known vectors, determinism, distinct streams, below()
 *          range and uniformity; txp_env_init; txp_log level filter, truncation, newline strip
 *   alloc  default allocator alignment/zero-fill/bad arguments; counting allocator counters
 *          and failure injection
 *   csum   RFC 1071 vectors, a naive reference over random buffers at every start offset 0..7
 *          and length 0..64 (and long ones, past the 2^18-byte bulk run, all-0xFF too), split
 *          sums, starting sums, pseudo-header,
 *          RFC 1624 incremental updates against recomputation
 *   buf    push/pull/put/append/trim/reserve at exact limits and one past them (refused, packet
 *          unchanged)
 *   pool   invalid configurations, exhaustion (NULL, counted), free and reuse, fresh-packet
 *          state, clone independence, caller-memory pools, allocation-failure injection, leaks
 *   share  external buffers: attach (refusals leave the packet unchanged), headers pushed in
 *          the borrowed headroom, release exactly once at free or unshare, put/reserve
 *          unshare first, clone of a shared packet, counters, the pool empty while attaching
 *
 * Random inputs come from txp_rng with fixed seeds, so every run checks the same cases.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/pkt.h"

/* ------------------------------------------------------------------ helpers */

/* Reference one's-complement sum (RFC 1071 4.1, byte at a time), folded, not complemented. */
static uint16_t
ref_sum16(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    size_t i;

    for (i = 0; i < len; i++)
        acc += (i & 1u) == 0 ? (uint64_t)p[i] << 8 : p[i];
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

static uint16_t
ref_not(uint16_t x)
{
    return (uint16_t)(0xFFFFu ^ x);
}

static uint16_t
ref_add16(uint16_t a, uint16_t b)
{
    uint32_t s = (uint32_t)a + b;

    return (uint16_t)((s & 0xFFFFu) + (s >> 16));
}

static uint16_t
ref_fold32(uint32_t v)
{
    uint64_t acc = v;

    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

/* Equal as one's-complement values (0x0000 and 0xFFFF both encode zero). */
static bool
same_ones(uint16_t a, uint16_t b)
{
    return a == b || ((a == 0 || a == 0xFFFFu) && (b == 0 || b == 0xFFFFu));
}

static void
fill_random(struct txp_rng *r, uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)txp_rng_u32(r);
}

/* The geometry of a packet, to check that a refused operation changed nothing. */
struct pkt_snap {
    uint8_t *buf;
    uint32_t buf_size;
    uint32_t data_off;
    uint32_t len;
};

static struct pkt_snap
snap(const struct txp_pkt *p)
{
    struct pkt_snap s = {p->buf, p->buf_size, p->data_off, p->len};

    return s;
}

static bool
snap_eq(const struct txp_pkt *p, struct pkt_snap s)
{
    return p->buf == s.buf && p->buf_size == s.buf_size && p->data_off == s.data_off &&
           p->len == s.len;
}

static bool
meta_is_fresh(const struct txp_pkt_meta *m)
{
    return m->tstamp_ns == 0 && m->priority == 0 && m->mark == 0 && m->nexthop == 0 &&
           m->flow_id == 0 && m->uid == 0 && m->gid == 0 && m->out_ifindex == 0 &&
           m->l2_off == 0xFFFFu && m->l3_off == 0xFFFFu && m->l4_off == 0xFFFFu &&
           m->gso_size == 0 && m->flags == 0 && m->drop_reason == TXP_DROP_NOT_DROPPED &&
           m->tos == 0 && m->stage == 0;
}

/* ------------------------------------------------------------------ err */

static void
test_err_names_unique(void)
{
    static const int codes[] = {
#define CODE(name, val, msg) TXP_##name,
        TXP_ERR_MAP(CODE)
#undef CODE
    };
    static const char *const names[] = {
#define NAME(name, val, msg) "TXP_" #name,
        TXP_ERR_MAP(NAME)
#undef NAME
    };
    size_t n = sizeof(codes) / sizeof(codes[0]);
    size_t i;
    size_t j;

    CU_ASSERT_EQUAL(n, 20);
    for (i = 0; i < n; i++) {
        CU_ASSERT(codes[i] < 0);
        CU_ASSERT_STRING_EQUAL(txp_errname(codes[i]), names[i]);
        CU_ASSERT(strlen(txp_strerror(codes[i])) > 0);
        CU_ASSERT_STRING_NOT_EQUAL(txp_strerror(codes[i]), "unknown error");
        for (j = 0; j < i; j++) {
            CU_ASSERT(codes[i] != codes[j]);
            CU_ASSERT_STRING_NOT_EQUAL(txp_errname(codes[i]), txp_errname(codes[j]));
            CU_ASSERT_STRING_NOT_EQUAL(txp_strerror(codes[i]), txp_strerror(codes[j]));
        }
    }
    CU_ASSERT_STRING_EQUAL(txp_errname(TXP_EINVAL), "TXP_EINVAL");
    CU_ASSERT_STRING_EQUAL(txp_strerror(TXP_ENOMEM), "out of memory");
    CU_ASSERT_EQUAL(TXP_EMSGSIZE, -5);
}

static void
test_err_ok_and_unknown(void)
{
    CU_ASSERT_STRING_EQUAL(txp_errname(TXP_OK), "TXP_OK");
    CU_ASSERT_STRING_EQUAL(txp_strerror(TXP_OK), "success");
    /* Positive values (a platform errno by mistake) and values past the map are unknown. */
    CU_ASSERT_STRING_EQUAL(txp_errname(1), "TXP_E?");
    CU_ASSERT_STRING_EQUAL(txp_errname(-21), "TXP_E?");
    CU_ASSERT_STRING_EQUAL(txp_errname(-100000), "TXP_E?");
    CU_ASSERT_STRING_EQUAL(txp_strerror(22), "unknown error");
    CU_ASSERT_STRING_EQUAL(txp_strerror(-21), "unknown error");
}

static void
test_drop_names_unique(void)
{
    static const char *const names[] = {
#define NAME(name, desc) #name,
        TXP_DROP_MAP(NAME)
#undef NAME
    };
    static const char *const descs[] = {
#define DESC(name, desc) desc,
        TXP_DROP_MAP(DESC)
#undef DESC
    };
    int i;
    int j;

    CU_ASSERT_EQUAL(sizeof(names) / sizeof(names[0]), (size_t)TXP_DROP__COUNT);
    CU_ASSERT_EQUAL(TXP_DROP_NOT_DROPPED, 0);
    for (i = 0; i < TXP_DROP__COUNT; i++) {
        enum txp_drop_reason r = (enum txp_drop_reason)i;

        CU_ASSERT(strlen(txp_drop_name(r)) > 0);
        CU_ASSERT(strlen(txp_drop_desc(r)) > 0);
        CU_ASSERT_STRING_EQUAL(txp_drop_name(r), names[i]);
        CU_ASSERT_STRING_EQUAL(txp_drop_desc(r), descs[i]);
        for (j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(txp_drop_name(r), txp_drop_name((enum txp_drop_reason)j));
    }
    CU_ASSERT_STRING_EQUAL(txp_drop_name(TXP_DROP_NEIGH_QUEUEFULL), "NEIGH_QUEUEFULL");
    CU_ASSERT_STRING_EQUAL(txp_drop_name(TXP_DROP__COUNT), "UNKNOWN");
    CU_ASSERT_STRING_EQUAL(txp_drop_name((enum txp_drop_reason)1000), "UNKNOWN");
    CU_ASSERT(strlen(txp_drop_desc(TXP_DROP__COUNT)) > 0);
}

static void
test_parse_names_unique(void)
{
    static const char *const names[] = {
#define NAME(name, desc) #name,
        TXP_PARSE_MAP(NAME)
#undef NAME
    };
    int i;
    int j;

    CU_ASSERT_EQUAL(sizeof(names) / sizeof(names[0]), (size_t)TXP_PARSE__COUNT);
    for (i = 0; i < TXP_PARSE__COUNT; i++) {
        enum txp_parse_reason r = (enum txp_parse_reason)i;

        CU_ASSERT_STRING_EQUAL(txp_parse_name(r), names[i]);
        CU_ASSERT(strlen(txp_parse_desc(r)) > 0);
        for (j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(txp_parse_name(r), txp_parse_name((enum txp_parse_reason)j));
    }
    CU_ASSERT_STRING_EQUAL(txp_parse_name(TXP_PARSE_OPT_OVERRUN), "OPT_OVERRUN");
    CU_ASSERT_STRING_EQUAL(txp_parse_name(TXP_PARSE__COUNT), "UNKNOWN");
}

static void
test_diag_format(void)
{
    struct txp_diag d;
    char out[128];

    txp_diag_init(&d, "routes.conf");
    CU_ASSERT(d.file != NULL && strcmp(d.file, "routes.conf") == 0);
    CU_ASSERT_EQUAL(d.line, 0);
    CU_ASSERT_EQUAL(d.column, 0);
    CU_ASSERT_EQUAL(d.byte_offset, UINT64_MAX);
    CU_ASSERT_STRING_EQUAL(d.msg, "");

    CU_ASSERT_EQUAL(txp_diag_set(&d, 12, 7, "bad prefix '%s'", "10.0.0.0/33"), TXP_EBADMSG);
    CU_ASSERT_EQUAL(txp_diag_format(&d, out, sizeof(out)),
                    (int)strlen("routes.conf:12:7: bad prefix '10.0.0.0/33'"));
    CU_ASSERT_STRING_EQUAL(out, "routes.conf:12:7: bad prefix '10.0.0.0/33'");

    /* Line known, column not. */
    CU_ASSERT_EQUAL(txp_diag_set(&d, 3, 0, "missing %d fields", 2), TXP_EBADMSG);
    txp_diag_format(&d, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "routes.conf:3: missing 2 fields");

    /* Binary input: byte offset form. */
    txp_diag_init(&d, "in.pcap");
    CU_ASSERT_EQUAL(txp_diag_set_byte(&d, 24, "record length %u > snaplen", 70000u), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.line, 0);
    CU_ASSERT_EQUAL(d.byte_offset, 24);
    txp_diag_format(&d, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "in.pcap: byte 24: record length 70000 > snaplen");

    /* Neither, and no file name. */
    txp_diag_init(&d, NULL);
    txp_diag_set(&d, 0, 0, "empty input");
    txp_diag_format(&d, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "<input>: empty input");
}

static void
test_diag_truncation(void)
{
    struct txp_diag d;
    char big[TXP_DIAG_MSG_MAX * 2];
    char out[8];
    int n;

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    txp_diag_init(&d, "f");
    txp_diag_set(&d, 1, 2, "%s", big);
    CU_ASSERT_EQUAL(strlen(d.msg), TXP_DIAG_MSG_MAX - 1);

    txp_diag_set(&d, 1, 2, "abcdefgh");
    /* snprintf semantics: the full length is returned, the output is cut and terminated. */
    n = txp_diag_format(&d, out, sizeof(out));
    CU_ASSERT_EQUAL(n, (int)strlen("f:1:2: abcdefgh"));
    CU_ASSERT_STRING_EQUAL(out, "f:1:2: ");
    CU_ASSERT_EQUAL(txp_diag_format(&d, NULL, 0), n);
}

/* ------------------------------------------------------------------ env */

static void
test_rng_known_vectors(void)
{
    struct txp_rng r;

    /* splitmix64 from state 0 (published reference outputs) is the seeded state. */
    txp_rng_seed(&r, 0);
    CU_ASSERT_EQUAL(r.s[0], 0xE220A8397B1DCDAFull);
    CU_ASSERT_EQUAL(r.s[1], 0x6E789E6AA1B965F4ull);
    CU_ASSERT_EQUAL(r.s[2], 0x06C45D188009454Full);
    CU_ASSERT_EQUAL(r.s[3], 0xF88BB8A8724C81ECull);
    /* xoshiro256** outputs from that state. */
    CU_ASSERT_EQUAL(txp_rng_u64(&r), 0x99EC5F36CB75F2B4ull);
    CU_ASSERT_EQUAL(txp_rng_u64(&r), 0xBF6E1F784956452Aull);
    CU_ASSERT_EQUAL(txp_rng_u64(&r), 0x1A5F849D4933E6E0ull);
}

static void
test_rng_determinism(void)
{
    static const uint64_t seeds[] = {0, 1, 2, 42, 0xFFFFFFFFFFFFFFFFull};
    struct txp_rng a;
    struct txp_rng b;
    uint64_t first[5];
    size_t i;
    size_t j;
    int k;

    for (i = 0; i < 5; i++) {
        bool same = true;

        txp_rng_seed(&a, seeds[i]);
        txp_rng_seed(&b, seeds[i]);
        CU_ASSERT((a.s[0] | a.s[1] | a.s[2] | a.s[3]) != 0);
        for (k = 0; k < 1000; k++)
            same = same && txp_rng_u64(&a) == txp_rng_u64(&b);
        CU_ASSERT(same);
        txp_rng_seed(&a, seeds[i]);
        first[i] = txp_rng_u64(&a);
    }
    /* Distinct seeds give distinct streams. */
    for (i = 0; i < 5; i++)
        for (j = 0; j < i; j++)
            CU_ASSERT(first[i] != first[j]);

    /* u32 is the high half of the next u64. */
    txp_rng_seed(&a, 7);
    txp_rng_seed(&b, 7);
    for (k = 0; k < 100; k++)
        CU_ASSERT_EQUAL(txp_rng_u32(&a), (uint32_t)(txp_rng_u64(&b) >> 32));
}

static void
test_rng_below(void)
{
    static const uint32_t ns[] = {1, 2, 3, 7, 10, 1000, 0x80000001u, 0xFFFFFFFFu};
    uint32_t hist[10];
    struct txp_rng r;
    size_t i;
    int k;
    bool in_range;

    txp_rng_seed(&r, 99);
    CU_ASSERT_EQUAL(txp_rng_below(&r, 0), 0);
    for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        in_range = true;
        for (k = 0; k < 10000; k++)
            in_range = in_range && txp_rng_below(&r, ns[i]) < ns[i];
        CU_ASSERT(in_range);
    }
    /* Uniform enough: 100000 draws over 10 buckets, each within 5% of 10000. */
    memset(hist, 0, sizeof(hist));
    for (k = 0; k < 100000; k++)
        hist[txp_rng_below(&r, 10)]++;
    for (i = 0; i < 10; i++)
        CU_ASSERT(hist[i] > 9500 && hist[i] < 10500);
    /* A large n that is not a power of two: both halves of the range are hit evenly. */
    {
        uint32_t lo = 0;

        for (k = 0; k < 10000; k++)
            lo += txp_rng_below(&r, 0xC0000000u) < 0x60000000u;
        CU_ASSERT(lo > 4700 && lo < 5300);
    }
    /*
     * Rejection matters: for n = 3 * 2^30, plain multiply-shift maps 4 inputs onto 3 outputs
     * (x -> 3x/4), so values == 0 (mod 3) would come out twice as often as the others.
     */
    {
        uint32_t mod3[3] = {0, 0, 0};

        for (k = 0; k < 30000; k++)
            mod3[txp_rng_below(&r, 0xC0000000u) % 3u]++;
        for (i = 0; i < 3; i++)
            CU_ASSERT(mod3[i] > 9500 && mod3[i] < 10500);
    }
}

static void
test_env_init(void)
{
    struct txp_env env;
    struct txp_rng r;

    memset(&env, 0xA5, sizeof(env));
    txp_env_init(&env, 1234, 5000000000ull);
    CU_ASSERT_EQUAL(env.now_ns, 5000000000ull);
    CU_ASSERT_PTR_NULL(env.log);
    txp_rng_seed(&r, 1234);
    CU_ASSERT_EQUAL(txp_rng_u64(&env.rng), txp_rng_u64(&r));
}

/* A capturing sink, recovered from the embedded txp_log_sink with TXP_CONTAINER_OF. */
struct cap_sink {
    struct txp_log_sink sink;
    int calls;
    enum txp_log_level level;
    char component[32];
    char msg[1024];
};

static void
cap_fn(struct txp_log_sink *self, enum txp_log_level level, const char *component, const char *msg)
{
    struct cap_sink *c = TXP_CONTAINER_OF(self, struct cap_sink, sink);

    c->calls++;
    c->level = level;
    snprintf(c->component, sizeof(c->component), "%s", component);
    snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static void
test_log(void)
{
    struct cap_sink c;
    struct txp_env env;
    char big[700];

    memset(&c, 0, sizeof(c));
    c.sink.fn = cap_fn;
    txp_env_init(&env, 1, 0);
    txp_log(&env, TXP_LOG_ERROR, "pkt", "no sink: dropped"); /* no sink: nothing happens */
    txp_log(NULL, TXP_LOG_ERROR, "pkt", "no env");
    env.log = &c.sink;
    env.log_max = TXP_LOG_WARN;

    txp_log(&env, TXP_LOG_WARN, "fib", "route %d added\n", 5);
    CU_ASSERT_EQUAL(c.calls, 1);
    CU_ASSERT_EQUAL(c.level, TXP_LOG_WARN);
    CU_ASSERT_STRING_EQUAL(c.component, "fib");
    CU_ASSERT_STRING_EQUAL(c.msg, "route 5 added"); /* trailing newline stripped */

    txp_log(&env, TXP_LOG_INFO, "fib", "filtered");
    txp_log(&env, TXP_LOG_DEBUG, "fib", "filtered");
    CU_ASSERT_EQUAL(c.calls, 1);
    txp_log(&env, TXP_LOG_ERROR, NULL, "x");
    CU_ASSERT_EQUAL(c.calls, 2);
    CU_ASSERT_STRING_EQUAL(c.component, "");

    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    txp_log(&env, TXP_LOG_ERROR, "pkt", "%s", big);
    CU_ASSERT_EQUAL(c.calls, 3);
    CU_ASSERT_EQUAL(strlen(c.msg), 512);

    CU_ASSERT_PTR_NOT_NULL(txp_log_sink_stderr());
    CU_ASSERT_PTR_NOT_NULL(txp_log_sink_stderr()->fn);
    CU_ASSERT_PTR_EQUAL(txp_log_sink_stderr(), txp_log_sink_stderr());
}

/* ------------------------------------------------------------------ alloc */

static void
test_alloc_default(void)
{
    size_t align;

    for (align = 1; align <= 4096; align *= 2) {
        uint8_t *p = txp_alloc_mem(NULL, 1000, align);
        size_t i;
        bool zero = true;

        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL((uintptr_t)p % align, 0);
        for (i = 0; i < 1000; i++)
            zero = zero && p[i] == 0;
        CU_ASSERT(zero);
        memset(p, 0xEE, 1000);
        txp_free(NULL, p);
    }
    CU_ASSERT_PTR_NULL(txp_alloc_mem(NULL, 0, 8));
    CU_ASSERT_PTR_NULL(txp_alloc_mem(NULL, 16, 3));    /* not a power of two */
    CU_ASSERT_PTR_NULL(txp_alloc_mem(NULL, 16, 8192)); /* beyond 4096 */
    txp_free(NULL, NULL);
}

static void
test_alloc_counting(void)
{
    struct txp_alloc_counter c;
    struct txp_alloc a;
    uint8_t *p;
    uint8_t *q;

    memset(&c, 0x5A, sizeof(c));
    txp_alloc_counter_init(&c, &a);
    CU_ASSERT_EQUAL(c.allocs, 0);
    CU_ASSERT_EQUAL(c.outstanding, 0);
    CU_ASSERT_EQUAL(c.bytes, 0);
    CU_ASSERT_EQUAL(c.fail_after, -1);

    p = txp_alloc_mem(&a, 100, 64);
    q = txp_alloc_mem(&a, 28, 4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL((uintptr_t)p % 64, 0);
    CU_ASSERT_EQUAL((uintptr_t)q % 4096, 0);
    CU_ASSERT(p[0] == 0 && p[99] == 0 && q[27] == 0);
    CU_ASSERT_EQUAL(c.allocs, 2);
    CU_ASSERT_EQUAL(c.outstanding, 2);
    CU_ASSERT_EQUAL(c.bytes, 128);
    txp_free(&a, p);
    CU_ASSERT_EQUAL(c.frees, 1);
    CU_ASSERT_EQUAL(c.outstanding, 1);
    CU_ASSERT_EQUAL(c.bytes, 28);
    txp_free(&a, NULL); /* not counted */
    CU_ASSERT_EQUAL(c.frees, 1);
    txp_free(&a, q);
    CU_ASSERT_EQUAL(c.outstanding, 0);
    CU_ASSERT_EQUAL(c.bytes, 0);
}

static void
test_alloc_fail_injection(void)
{
    struct txp_alloc_counter c;
    struct txp_alloc a;
    void *p[3];

    txp_alloc_counter_init(&c, &a);
    c.fail_after = 2;
    p[0] = txp_alloc_mem(&a, 10, 8);
    p[1] = txp_alloc_mem(&a, 10, 8);
    p[2] = txp_alloc_mem(&a, 10, 8);
    CU_ASSERT_PTR_NOT_NULL(p[0]);
    CU_ASSERT_PTR_NOT_NULL(p[1]);
    CU_ASSERT_PTR_NULL(p[2]);
    CU_ASSERT_EQUAL(c.allocs, 2);
    CU_ASSERT_EQUAL(c.outstanding, 2);
    CU_ASSERT_EQUAL(c.bytes, 20);
    /* Failure is sticky until the test re-arms the counter. */
    CU_ASSERT_PTR_NULL(txp_alloc_mem(&a, 10, 8));
    c.fail_after = -1;
    p[2] = txp_alloc_mem(&a, 10, 8);
    CU_ASSERT_PTR_NOT_NULL(p[2]);
    txp_free(&a, p[0]);
    txp_free(&a, p[1]);
    txp_free(&a, p[2]);
    CU_ASSERT_EQUAL(c.outstanding, 0);
}

static void
test_h_alloc(void)
{
    void *p;

    txp_h_alloc_reset();
    CU_ASSERT_PTR_NOT_NULL_FATAL(txp_h_alloc());
    p = txp_alloc_mem(txp_h_alloc(), 64, 16);
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 1);
    txp_free(txp_h_alloc(), p);
    TXP_H_ASSERT_NO_LEAKS();
    txp_h_alloc_counter()->fail_after = 0;
    CU_ASSERT_PTR_NULL(txp_alloc_mem(txp_h_alloc(), 64, 16));
    txp_h_alloc_reset();
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->fail_after, -1);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->allocs, 0);
}

/* ------------------------------------------------------------------ csum */

static void
test_csum_rfc1071_vector(void)
{
    static const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

    /* RFC 1071 section 3: the folded sum is 0xddf2, so the checksum is its complement. */
    CU_ASSERT_EQUAL(ref_fold32(txp_csum_partial(v, sizeof(v), 0)), 0xddf2);
    CU_ASSERT_EQUAL(txp_csum(v, sizeof(v)), 0x220d);
    CU_ASSERT_EQUAL(txp_csum_fold(0xddf2), 0x220d);
    /* Byte-order independence (RFC 1071 2(B)): swapped bytes give the swapped sum. */
    {
        static const uint8_t sw[] = {0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6};

        CU_ASSERT_EQUAL(txp_csum(sw, sizeof(sw)), 0x0d22);
    }
}

static void
test_csum_ipv4_header_vector(void)
{
    /* A real IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum is 0xb861. */
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

    CU_ASSERT_EQUAL(txp_csum(h, sizeof(h)), 0); /* verifies with the field in place */
    h[10] = 0;
    h[11] = 0;
    CU_ASSERT_EQUAL(txp_csum(h, sizeof(h)), 0xb861);
}

static void
test_csum_small_cases(void)
{
    static const uint8_t zero[6] = {0};
    static const uint8_t one[1] = {0xAB};
    static const uint8_t ff[4] = {0xFF, 0xFF, 0xFF, 0xFF};

    CU_ASSERT_EQUAL(txp_csum(zero, 0), 0xFFFF);
    CU_ASSERT_EQUAL(txp_csum(zero, sizeof(zero)), 0xFFFF);
    CU_ASSERT_EQUAL(txp_csum_partial(zero, 0, 0x12345), 0x12345); /* empty: sum unchanged */
    /* A lone byte is the high half of a zero-padded word. */
    CU_ASSERT_EQUAL(txp_csum(one, 1), 0xFFFF ^ 0xAB00);
    CU_ASSERT_EQUAL(txp_csum(ff, sizeof(ff)), 0); /* -0 sums to 0xFFFF */
    CU_ASSERT_EQUAL(txp_csum_fold(0), 0xFFFF);
    CU_ASSERT_EQUAL(txp_csum_fold(0xFFFFFFFFu), 0);
    CU_ASSERT_EQUAL(txp_csum_fold(0x0001FFFEu), 0); /* 0xFFFE + 1 = 0xFFFF */
}

static void
test_csum_vs_reference(void)
{
    static uint8_t big[65536 + 8];
    struct txp_rng r;
    uint8_t buf[64 + 8];
    size_t off;
    size_t len;
    bool ok = true;
    int rep;

    txp_rng_seed(&r, 1071);
    for (rep = 0; rep < 8; rep++) {
        fill_random(&r, buf, sizeof(buf));
        if (rep == 1)
            memset(buf, 0xFF, sizeof(buf)); /* maximal carries */
        if (rep == 2)
            memset(buf, 0, sizeof(buf));
        for (off = 0; off < 8; off++)
            for (len = 0; len <= 64; len++)
                ok = ok && txp_csum(buf + off, len) == ref_not(ref_sum16(buf + off, len));
    }
    CU_ASSERT(ok);

    /* Long buffers, odd and even lengths, at odd and even start addresses. */
    fill_random(&r, big, sizeof(big));
    {
        static const size_t lens[] = {1499, 1500, 9001, 65535, 65536};
        size_t i;

        for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            for (off = 0; off < 4; off++)
                CU_ASSERT_EQUAL(txp_csum(big + off, lens[i]),
                                ref_not(ref_sum16(big + off, lens[i])));
    }
}

static void
test_csum_split_and_seed(void)
{
    static const uint32_t seeds[] = {0, 1, 0xFFFF, 0x10000, 0xFFFF0000u, 0xFFFFFFFFu, 0x89ABCDEFu};
    struct txp_rng r;
    uint8_t buf[131];
    size_t len;
    size_t k;
    size_t i;
    bool ok = true;

    txp_rng_seed(&r, 1624);
    fill_random(&r, buf, sizeof(buf));
    for (len = 0; len <= sizeof(buf); len++) {
        uint16_t whole = ref_not(ref_sum16(buf, len));

        /* Splitting at any even point and continuing gives the same checksum. */
        for (k = 0; k <= len; k += 2)
            ok = ok && txp_csum_fold(txp_csum_partial(buf + k, len - k,
                                                      txp_csum_partial(buf, k, 0))) == whole;
        /* Starting sums are added with end-around carry. */
        for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
            ok = ok && txp_csum_fold(txp_csum_partial(buf, len, seeds[i])) ==
                           ref_not(ref_add16(ref_fold32(seeds[i]), ref_sum16(buf, len)));
    }
    CU_ASSERT(ok);
}

/* The checksum copy: for every length 0..1600 (the AVX2 bulk starts at 128 bytes) and source
 * offsets 0..3, it copies exactly the bytes, writes nothing beyond them, and sums as the
 * reference does, with and without a starting sum. */
static void
test_csum_partial_copy(void)
{
    static uint8_t src[1700];
    static uint8_t dst[1700];
    struct txp_rng r;
    bool ok = true;

    txp_rng_seed(&r, 1071);
    fill_random(&r, src, sizeof(src));
    for (size_t off = 0; off < 4; off++) {
        for (size_t len = 0; len <= 1600; len++) {
            uint32_t seed = (uint32_t)(len * 2654435761u);
            memset(dst, 0xA5, sizeof(dst));
            uint32_t s = txp_csum_partial_copy(dst + 1, src + off, len, seed);
            ok = ok && memcmp(dst + 1, src + off, len) == 0 && dst[0] == 0xA5 &&
                 dst[len + 1] == 0xA5;
            ok = ok && txp_csum_fold(s) ==
                           ref_not(ref_add16(ref_fold32(seed), ref_sum16(src + off, len)));
            ok = ok && txp_csum_fold(txp_csum_partial(src + off, len, 0)) ==
                           ref_not(ref_sum16(src + off, len));
        }
    }
    CU_ASSERT(ok);
}

/*
 * The checksum copy into pieces: for piece sizes around the AVX2 threshold and odd ones,
 * strides with gaps, and lengths that end mid-piece, every piece holds its bytes, the gaps are
 * untouched, and each sum is the checksum copy's of that piece alone.
 */
static void
test_csum_copy_pieces(void)
{
    static const size_t pieces[] = {1, 7, 127, 128, 129, 536, 1447, 1448, 8948};
    static uint8_t src[3 * 8948 + 100];
    static uint8_t dst[4 * (8948 + 320)];
    uint32_t sums[3 * 8948 + 100];
    struct txp_rng r;
    bool ok = true;

    txp_rng_seed(&r, 793);
    fill_random(&r, src, sizeof(src));
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        size_t piece = pieces[i], stride = piece + 1 + (piece & 63);
        size_t lens[] = {0, 1, piece - 1, piece, piece + 1, 3 * piece - 5, 3 * piece};

        for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
            size_t len = lens[j], want = (len + piece - 1) / piece;
            size_t n;

            if (len > 3 * piece || (want > 0 && (want - 1) * stride + piece + 1 > sizeof(dst)))
                continue;
            memset(dst, 0xA5, sizeof(dst));
            n = txp_csum_copy_pieces(dst, stride, piece, src + (j & 3), len, sums);
            ok = ok && n == want;
            for (size_t k = 0; k < n && ok; k++) {
                size_t m = len - k * piece < piece ? len - k * piece : piece;
                const uint8_t *from = src + (j & 3) + k * piece;

                ok = memcmp(dst + k * stride, from, m) == 0 && dst[k * stride + m] == 0xA5 &&
                     txp_csum_fold(sums[k]) == ref_not(ref_sum16(from, m)) &&
                     sums[k] == txp_csum_partial(from, m, 0);
            }
        }
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(txp_csum_copy_pieces(dst, 10, 0, src, 10, sums), 0);
}

/*
 * Buffers longer than one bulk run (2^18 bytes in the AVX2 path), of all-0xFF bytes (the
 * largest lane growth) and random ones, summed and checksum-copied against the reference.
 */
static void
test_csum_long_runs(void)
{
    static const size_t lens[] = {(1u << 18) - 8, 1u << 18, (1u << 18) + 8, (1u << 18) + 77,
                                  (3u << 18) + 1448};
    size_t cap = (3u << 18) + 1600;
    uint8_t *src = malloc(cap);
    uint8_t *dst = malloc(cap);
    struct txp_rng r;

    CU_ASSERT_FATAL(src != NULL && dst != NULL);
    txp_rng_seed(&r, 1624);
    for (int fill = 0; fill < 2; fill++) {
        if (fill == 0)
            memset(src, 0xFF, cap);
        else
            fill_random(&r, src, cap);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            for (size_t off = 0; off < 2; off++) {
                uint16_t want = ref_not(ref_sum16(src + off, lens[i]));
                CU_ASSERT_EQUAL(txp_csum(src + off, lens[i]), want);
                CU_ASSERT_EQUAL(txp_csum_fold(txp_csum_partial_copy(dst, src + off, lens[i], 0)),
                                want);
                CU_ASSERT_EQUAL(memcmp(dst, src + off, lens[i]), 0);
            }
        }
    }
    free(src);
    free(dst);
}

static void
test_csum_pseudo_header(void)
{
    struct txp_rng r;
    uint8_t ph[12];
    uint8_t seg[37];
    int rep;

    txp_rng_seed(&r, 768);
    for (rep = 0; rep < 200; rep++) {
        uint32_t s = txp_rng_u32(&r);
        uint32_t d = txp_rng_u32(&r);
        uint8_t proto = (uint8_t)txp_rng_u32(&r);
        uint16_t l4len = (uint16_t)txp_rng_u32(&r);

        txp_store_be32(ph, s);
        txp_store_be32(ph + 4, d);
        ph[8] = 0;
        ph[9] = proto;
        txp_store_be16(ph + 10, l4len);
        CU_ASSERT_EQUAL(txp_csum_fold(txp_csum_pseudo_ipv4(s, d, proto, l4len)),
                        ref_not(ref_sum16(ph, sizeof(ph))));
        /* Pseudo-header followed by an (odd-length) segment. */
        fill_random(&r, seg, sizeof(seg));
        txp_store_be16(ph + 10, (uint16_t)sizeof(seg));
        CU_ASSERT_EQUAL(
            txp_csum_fold(txp_csum_partial(
                seg, sizeof(seg), txp_csum_pseudo_ipv4(s, d, proto, (uint16_t)sizeof(seg)))),
            ref_not(ref_add16(ref_sum16(ph, sizeof(ph)), ref_sum16(seg, sizeof(seg)))));
    }
    /* Extremes: the unfolded pseudo sum must not overflow. */
    CU_ASSERT_EQUAL(txp_csum_fold(txp_csum_pseudo_ipv4(0xFFFFFFFFu, 0xFFFFFFFFu, 0xFF, 0xFFFF)),
                    ref_not(ref_fold32(4u * 0xFFFFu + 0xFFu + 0xFFFFu)));
}

static void
test_csum_incremental(void)
{
    struct txp_rng r;
    uint8_t buf[40];
    uint16_t c;
    int rep;
    bool ok = true;
    bool exact = true;

    txp_rng_seed(&r, 3);
    fill_random(&r, buf, sizeof(buf));
    c = txp_csum(buf, sizeof(buf));
    for (rep = 0; rep < 2000; rep++) {
        size_t off = (size_t)txp_rng_below(&r, 18) * 2;

        if (rep & 1) {
            uint32_t oldv = txp_load_be32(buf + off);
            uint32_t newv = txp_rng_u32(&r);

            txp_store_be32(buf + off, newv);
            c = txp_csum_update32(c, oldv, newv);
        } else {
            uint16_t oldv = txp_load_be16(buf + off);
            uint16_t newv = (uint16_t)txp_rng_u32(&r);

            txp_store_be16(buf + off, newv);
            c = txp_csum_update16(c, oldv, newv);
        }
        ok = ok && same_ones(c, txp_csum(buf, sizeof(buf)));
        exact = exact && c == txp_csum(buf, sizeof(buf));
    }
    CU_ASSERT(ok);
    /* Random non-zero data never lands on the 0x0000/0xFFFF ambiguity here. */
    CU_ASSERT(exact);

    /* A TTL decrement in a real header (the ip_decrease_ttl case). */
    {
        uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                         0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
        uint16_t oldw = txp_load_be16(h + 8);
        uint16_t nc;

        h[8]--;
        nc = txp_csum_update16(0xb861, oldw, txp_load_be16(h + 8));
        txp_store_be16(h + 10, nc);
        CU_ASSERT_EQUAL(txp_csum(h, sizeof(h)), 0);
        h[10] = 0;
        h[11] = 0;
        CU_ASSERT_EQUAL(nc, txp_csum(h, sizeof(h)));
        /* An address rewrite (SNAT) through the 32-bit update. */
        txp_store_be16(h + 10, nc);
        {
            uint32_t olda = txp_load_be32(h + 12);

            txp_store_be32(h + 12, 0x0A000001u);
            nc = txp_csum_update32(nc, olda, 0x0A000001u);
            txp_store_be16(h + 10, nc);
            CU_ASSERT_EQUAL(txp_csum(h, sizeof(h)), 0);
        }
    }
    /* RFC 1624 section 3's corner: the only non-zero word becomes zero. */
    {
        uint8_t z[4] = {0x00, 0x00, 0x12, 0x34};
        uint16_t c0 = txp_csum(z, sizeof(z));

        z[2] = 0;
        z[3] = 0;
        CU_ASSERT(same_ones(txp_csum_update16(c0, 0x1234, 0), txp_csum(z, sizeof(z))));
    }
}

/* ------------------------------------------------------------------ buf */

static void
test_buf_init(void)
{
    uint8_t mem[256];
    struct txp_pkt p;

    memset(&p, 0xA5, sizeof(p));
    CU_ASSERT_EQUAL(txp_pkt_init(&p, mem, sizeof(mem), 64), TXP_OK);
    CU_ASSERT_PTR_EQUAL(p.buf, mem);
    CU_ASSERT_EQUAL(p.buf_size, 256);
    CU_ASSERT_EQUAL(p.data_off, 64);
    CU_ASSERT_EQUAL(p.len, 0);
    CU_ASSERT_PTR_NULL(p.pool);
    CU_ASSERT_PTR_NULL(p.next);
    CU_ASSERT(meta_is_fresh(&p.meta));
    CU_ASSERT_EQUAL(txp_pkt_headroom(&p), 64);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(&p), 192);
    CU_ASSERT_PTR_EQUAL(txp_pkt_data(&p), mem + 64);

    /* Headroom == size is allowed (no tailroom); one more is not. */
    CU_ASSERT_EQUAL(txp_pkt_init(&p, mem, sizeof(mem), 256), TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(&p), 0);
    CU_ASSERT_EQUAL(txp_pkt_init(&p, mem, sizeof(mem), 257), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_pkt_init(&p, NULL, 16, 0), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_pkt_init(NULL, mem, 16, 0), TXP_EINVAL);
    if (sizeof(size_t) > sizeof(uint32_t))
        CU_ASSERT_EQUAL(txp_pkt_init(&p, mem, (size_t)UINT32_MAX + 1u, 0), TXP_EINVAL);
}

static void
test_buf_push_pull(void)
{
    uint8_t mem[128];
    struct txp_pkt p;
    struct pkt_snap s;
    uint8_t *d;

    CU_ASSERT_EQUAL_FATAL(txp_pkt_init(&p, mem, sizeof(mem), 32), TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_append(&p, "payload", 7), TXP_OK);

    /* One past the headroom: refused, nothing changes. */
    s = snap(&p);
    CU_ASSERT_PTR_NULL(txp_pkt_push(&p, 33));
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_PTR_NULL(txp_pkt_push(&p, UINT32_MAX));
    CU_ASSERT(snap_eq(&p, s));

    d = txp_pkt_push(&p, 20);
    CU_ASSERT_PTR_EQUAL(d, mem + 12);
    memset(d, 0x45, 20);
    CU_ASSERT_EQUAL(p.len, 27);
    /* Exactly the remaining headroom. */
    d = txp_pkt_push(&p, 12);
    CU_ASSERT_PTR_EQUAL(d, mem);
    CU_ASSERT_EQUAL(txp_pkt_headroom(&p), 0);
    CU_ASSERT_EQUAL(p.len, 39);
    s = snap(&p);
    CU_ASSERT_PTR_NULL(txp_pkt_push(&p, 1));
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_PTR_EQUAL(txp_pkt_push(&p, 0), mem); /* zero bytes always fit */

    /* Pull back the headers: payload is intact. */
    d = txp_pkt_pull(&p, 32);
    CU_ASSERT_PTR_EQUAL(d, mem + 32);
    CU_ASSERT_EQUAL(p.len, 7);
    CU_ASSERT(memcmp(txp_pkt_data(&p), "payload", 7) == 0);
    s = snap(&p);
    CU_ASSERT_PTR_NULL(txp_pkt_pull(&p, 8)); /* one past len */
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_PTR_NULL(txp_pkt_pull(&p, UINT32_MAX));
    CU_ASSERT(snap_eq(&p, s));
    d = txp_pkt_pull(&p, 7); /* exactly len */
    CU_ASSERT_PTR_EQUAL(d, mem + 39);
    CU_ASSERT_EQUAL(p.len, 0);
    CU_ASSERT_EQUAL(txp_pkt_headroom(&p), 39);
    CU_ASSERT_EQUAL(txp_pkt_headroom(&p) + p.len + txp_pkt_tailroom(&p), p.buf_size);
}

static void
test_buf_put_append_trim(void)
{
    uint8_t mem[100];
    uint8_t src[100];
    struct txp_pkt p;
    struct pkt_snap s;
    uint8_t *d;
    size_t i;

    for (i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)i;
    CU_ASSERT_EQUAL_FATAL(txp_pkt_init(&p, mem, sizeof(mem), 10), TXP_OK);
    d = txp_pkt_put(&p, 50);
    CU_ASSERT_PTR_EQUAL(d, mem + 10);
    memcpy(d, src, 50);
    /* One past the tailroom (40 left). */
    s = snap(&p);
    CU_ASSERT_PTR_NULL(txp_pkt_put(&p, 41));
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_PTR_NULL(txp_pkt_put(&p, UINT32_MAX));
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_EQUAL(txp_pkt_append(&p, src, 41), TXP_ENOSPC);
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_EQUAL(txp_pkt_append(&p, src + 50, 40), TXP_OK); /* exactly */
    CU_ASSERT_EQUAL(p.len, 90);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(&p), 0);
    CU_ASSERT(memcmp(txp_pkt_data(&p), src, 90) == 0);
    CU_ASSERT_PTR_EQUAL(txp_pkt_put(&p, 0), mem + 100);
    CU_ASSERT_EQUAL(txp_pkt_append(&p, NULL, 0), TXP_OK);
    s = snap(&p);
    CU_ASSERT_EQUAL(txp_pkt_append(&p, src, 1), TXP_ENOSPC);
    CU_ASSERT(snap_eq(&p, s));

    /* Trim: longer than len is a no-op, shorter cuts, the front is untouched. */
    txp_pkt_trim(&p, 91);
    CU_ASSERT_EQUAL(p.len, 90);
    txp_pkt_trim(&p, 90);
    CU_ASSERT_EQUAL(p.len, 90);
    txp_pkt_trim(&p, 25);
    CU_ASSERT_EQUAL(p.len, 25);
    CU_ASSERT_EQUAL(p.data_off, 10);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(&p), 65);
    CU_ASSERT(memcmp(txp_pkt_data(&p), src, 25) == 0);
    txp_pkt_trim(&p, 0);
    CU_ASSERT_EQUAL(p.len, 0);
}

static void
test_buf_reserve(void)
{
    uint8_t mem[64];
    struct txp_pkt p;
    struct pkt_snap s;

    CU_ASSERT_EQUAL_FATAL(txp_pkt_init(&p, mem, sizeof(mem), 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_reserve(&p, 64), TXP_OK); /* exactly the buffer */
    CU_ASSERT_EQUAL(txp_pkt_headroom(&p), 64);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(&p), 0);
    s = snap(&p);
    CU_ASSERT_EQUAL(txp_pkt_reserve(&p, 65), TXP_ENOSPC);
    CU_ASSERT(snap_eq(&p, s));
    CU_ASSERT_EQUAL(txp_pkt_reserve(&p, 16), TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_headroom(&p), 16);
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_put(&p, 1));
    s = snap(&p);
    CU_ASSERT_EQUAL(txp_pkt_reserve(&p, 8), TXP_EINVAL); /* data present */
    CU_ASSERT(snap_eq(&p, s));

    /* Freeing a caller-memory packet does nothing. */
    txp_pkt_free(&p);
    CU_ASSERT(snap_eq(&p, s));
    txp_pkt_free(NULL);
}

/* ------------------------------------------------------------------ pool */

static int
pool_suite_init(void)
{
    txp_h_alloc_reset();
    return 0;
}

static void
test_pool_invalid_config(void)
{
    static const uint32_t bad_sizes[] = {0, 63, TXP_PKT_MAX_BUF + 1u};
    struct txp_pkt_pool_config cfg;
    struct txp_pkt_pool *pool = NULL;
    uint64_t mem[64];
    size_t i;

    txp_h_alloc_reset();
    for (i = 0; i < 3; i++) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.count = 4;
        cfg.buf_size = bad_sizes[i];
        CU_ASSERT_EQUAL(txp_pkt_pool_memsize(&cfg), 0);
        CU_ASSERT_EQUAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool), TXP_EINVAL);
        CU_ASSERT_EQUAL(txp_pkt_pool_init(mem, sizeof(mem), &cfg, &pool), TXP_EINVAL);
    }
    cfg.count = 0;
    cfg.buf_size = 2048;
    CU_ASSERT_EQUAL(txp_pkt_pool_memsize(&cfg), 0);
    CU_ASSERT_EQUAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_pkt_pool_memsize(NULL), 0);
    CU_ASSERT_EQUAL(txp_pkt_pool_create(NULL, txp_h_alloc(), &pool), TXP_EINVAL);
    CU_ASSERT_PTR_NULL(pool);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->allocs, 0);
    /* The limits themselves are valid. */
    cfg.count = 1;
    cfg.buf_size = 64;
    CU_ASSERT(txp_pkt_pool_memsize(&cfg) > 64);
    cfg.buf_size = TXP_PKT_MAX_BUF;
    CU_ASSERT(txp_pkt_pool_memsize(&cfg) >= TXP_PKT_MAX_BUF);
    txp_pkt_pool_destroy(NULL);
}

static void
test_pool_exhaustion(void)
{
    struct txp_pkt_pool_config cfg = {4, 2048};
    struct txp_pkt_pool_stats st;
    struct txp_pkt_pool *pool = NULL;
    struct txp_pkt *p[5];
    size_t i;
    size_t j;

    txp_h_alloc_reset();
    CU_ASSERT_EQUAL_FATAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool), TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_pool_count(pool), 4);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);
    for (i = 0; i < 4; i++) {
        p[i] = txp_pkt_alloc(pool);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p[i]);
        CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), i + 1);
    }
    /* Distinct packets with disjoint buffers. */
    for (i = 0; i < 4; i++)
        for (j = 0; j < i; j++)
            CU_ASSERT(p[i]->buf + p[i]->buf_size <= p[j]->buf ||
                      p[j]->buf + p[j]->buf_size <= p[i]->buf);
    p[4] = txp_pkt_alloc(pool);
    CU_ASSERT_PTR_NULL(p[4]);
    CU_ASSERT_PTR_NULL(txp_pkt_alloc(pool));
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.alloc_fails, 2);
    CU_ASSERT_EQUAL(st.allocs, 4);
    CU_ASSERT_EQUAL(st.in_use, 4);
    CU_ASSERT_EQUAL(st.high_water, 4);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 4);

    /* Free one and allocate again: the same descriptor comes back, fresh. */
    txp_pkt_put(p[2], 100)[0] = 0x77;
    p[2]->meta.mark = 9;
    txp_pkt_free(p[2]);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 3);
    p[4] = txp_pkt_alloc(pool);
    CU_ASSERT_PTR_EQUAL(p[4], p[2]);
    CU_ASSERT_EQUAL(p[4]->len, 0);
    CU_ASSERT_EQUAL(p[4]->data_off, TXP_PKT_HEADROOM);
    CU_ASSERT(meta_is_fresh(&p[4]->meta));
    CU_ASSERT_PTR_NULL(txp_pkt_alloc(pool));

    for (i = 0; i < 2; i++)
        txp_pkt_free(p[i]);
    txp_pkt_free(p[3]);
    txp_pkt_free(p[4]);
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.in_use, 0);
    CU_ASSERT_EQUAL(st.frees, 5);
    CU_ASSERT_EQUAL(st.allocs, 5);
    CU_ASSERT_EQUAL(st.alloc_fails, 3);
    CU_ASSERT_EQUAL(st.high_water, 4);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 1); /* the pool itself */
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

static void
test_pool_fresh_packet(void)
{
    struct txp_pkt_pool_config big = {2, 2048};
    struct txp_pkt_pool_config small = {2, 64};
    struct txp_pkt_pool *pool = NULL;
    struct txp_pkt *p;

    txp_h_alloc_reset();
    CU_ASSERT_EQUAL_FATAL(txp_pkt_pool_create(&big, txp_h_alloc(), &pool), TXP_OK);
    p = txp_pkt_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_EQUAL(p->pool, pool);
    CU_ASSERT_EQUAL(p->buf_size, 2048);
    CU_ASSERT_EQUAL(txp_pkt_headroom(p), TXP_PKT_HEADROOM);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(p), 2048 - TXP_PKT_HEADROOM);
    CU_ASSERT_EQUAL(p->len, 0);
    CU_ASSERT_PTR_NULL(p->next);
    CU_ASSERT(meta_is_fresh(&p->meta));
    CU_ASSERT_EQUAL((uintptr_t)p->buf % 64, 0);
    /* The whole buffer is usable. */
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_push(p, TXP_PKT_HEADROOM));
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_put(p, 2048 - TXP_PKT_HEADROOM));
    memset(txp_pkt_data(p), 0xCC, p->len);
    CU_ASSERT_EQUAL(p->len, 2048);
    txp_pkt_free(p);
    txp_pkt_pool_destroy(pool);

    /* A small buffer gets less headroom, but still some tailroom. */
    CU_ASSERT_EQUAL_FATAL(txp_pkt_pool_create(&small, NULL, &pool), TXP_OK);
    p = txp_pkt_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT(txp_pkt_headroom(p) < TXP_PKT_HEADROOM);
    CU_ASSERT(txp_pkt_tailroom(p) >= 32);
    CU_ASSERT_EQUAL(txp_pkt_headroom(p) + txp_pkt_tailroom(p), 64);
    txp_pkt_free(p);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

static void
test_pool_clone(void)
{
    struct txp_pkt_pool_config cfg = {3, 512};
    struct txp_pkt_pool *pool = NULL;
    struct txp_pkt *a;
    struct txp_pkt *b;
    struct txp_pkt *c;
    struct txp_pkt local;
    uint8_t mem[1024];

    txp_h_alloc_reset();
    CU_ASSERT_EQUAL_FATAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool), TXP_OK);
    a = txp_pkt_alloc(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(txp_pkt_append(a, "0123456789", 10), TXP_OK);
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_push(a, 4));
    memcpy(txp_pkt_data(a), "HDR:", 4);
    a->meta.priority = 6;
    a->meta.mark = 0xBEEF;
    a->meta.l3_off = 0;
    a->meta.flags = TXP_PKT_F_LOCAL_OUT;
    a->meta.drop_reason = TXP_DROP_QDISC_DROP;

    b = txp_pkt_clone(pool, a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_EQUAL(b, a);
    CU_ASSERT_PTR_NOT_EQUAL(b->buf, a->buf);
    CU_ASSERT_PTR_EQUAL(b->pool, pool);
    CU_ASSERT_EQUAL(b->data_off, a->data_off);
    CU_ASSERT_EQUAL(b->len, 14);
    CU_ASSERT(memcmp(txp_pkt_data(b), "HDR:0123456789", 14) == 0);
    CU_ASSERT_EQUAL(b->meta.priority, 6);
    CU_ASSERT_EQUAL(b->meta.mark, 0xBEEF);
    CU_ASSERT_EQUAL(b->meta.l3_off, 0);
    CU_ASSERT_EQUAL(b->meta.flags, TXP_PKT_F_LOCAL_OUT);
    CU_ASSERT_EQUAL(b->meta.drop_reason, TXP_DROP_QDISC_DROP);
    CU_ASSERT_PTR_NULL(b->next);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 2);

    /* Independence: changing the clone leaves the original alone, and back. */
    txp_pkt_data(b)[0] = 'X';
    txp_pkt_trim(b, 5);
    b->meta.mark = 1;
    CU_ASSERT(memcmp(txp_pkt_data(a), "HDR:0123456789", 14) == 0);
    CU_ASSERT_EQUAL(a->len, 14);
    CU_ASSERT_EQUAL(a->meta.mark, 0xBEEF);
    txp_pkt_data(a)[1] = 'Y';
    CU_ASSERT_EQUAL(txp_pkt_data(b)[1], 'D');

    /* A caller-memory packet that does not fit the pool's buffers cannot be cloned. */
    CU_ASSERT_EQUAL_FATAL(txp_pkt_init(&local, mem, sizeof(mem), 500), TXP_OK);
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_put(&local, 13)); /* 513 > 512 */
    CU_ASSERT_PTR_NULL(txp_pkt_clone(pool, &local));
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 2);
    txp_pkt_trim(&local, 12); /* 512: fits exactly */
    c = txp_pkt_clone(pool, &local);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->data_off, 500);
    CU_ASSERT_EQUAL(c->len, 12);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(c), 0);

    /* Pool empty: clone fails. */
    CU_ASSERT_PTR_NULL(txp_pkt_clone(pool, a));
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 3);

    txp_pkt_free(a);
    txp_pkt_free(b);
    txp_pkt_free(c);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
}

static void
test_pool_caller_memory(void)
{
    struct txp_pkt_pool_config cfg = {3, 100};
    struct txp_pkt_pool *pool = NULL;
    struct txp_pkt *p[3];
    size_t need = txp_pkt_pool_memsize(&cfg);
    uint8_t *raw;
    size_t i;

    CU_ASSERT_FATAL(need > 3 * 100);
    txp_h_alloc_reset();
    raw = txp_alloc_mem(txp_h_alloc(), need + 64, 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    CU_ASSERT_EQUAL(txp_pkt_pool_init(raw, need - 1, &cfg, &pool), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_pkt_pool_init(raw + 1, need, &cfg, &pool), TXP_EINVAL); /* misaligned */
    CU_ASSERT_EQUAL(txp_pkt_pool_init(raw, need, &cfg, NULL), TXP_EINVAL);
    CU_ASSERT_PTR_NULL(pool);
    CU_ASSERT_EQUAL_FATAL(txp_pkt_pool_init(raw, need, &cfg, &pool), TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_pool_count(pool), 3);
    for (i = 0; i < 3; i++) {
        p[i] = txp_pkt_alloc(pool);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p[i]);
        CU_ASSERT_EQUAL(p[i]->buf_size, 100);
        /* Everything lives inside the caller's block. */
        CU_ASSERT(p[i]->buf >= raw && p[i]->buf + p[i]->buf_size <= raw + need);
        CU_ASSERT((uint8_t *)p[i] >= raw && (uint8_t *)(p[i] + 1) <= raw + need);
        memset(p[i]->buf, 0xEE, p[i]->buf_size);
    }
    CU_ASSERT_PTR_NULL(txp_pkt_alloc(pool));
    for (i = 0; i < 3; i++)
        txp_pkt_free(p[i]);
    CU_ASSERT_EQUAL(txp_pkt_pool_in_use(pool), 0);
    /* The pool allocated nothing itself. */
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->allocs, 1);
    txp_free(txp_h_alloc(), raw);
    TXP_H_ASSERT_NO_LEAKS();
}

static void
test_pool_create_alloc_failure(void)
{
    struct txp_pkt_pool_config cfg = {8, 1500};
    struct txp_pkt_pool *pool = NULL;

    txp_h_alloc_reset();
    txp_h_alloc_counter()->fail_after = 0;
    CU_ASSERT_EQUAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool), TXP_ENOMEM);
    CU_ASSERT_PTR_NULL(pool);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->allocs, 0);
    TXP_H_ASSERT_NO_LEAKS();
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->bytes, 0);

    /* Re-armed, the same call succeeds with exactly one allocation, returned on destroy. */
    txp_h_alloc_counter()->fail_after = 1;
    CU_ASSERT_EQUAL_FATAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->allocs, 1);
    CU_ASSERT(txp_h_alloc_counter()->bytes >= txp_pkt_pool_memsize(&cfg));
    /* Hot paths never allocate: alloc/free work with the allocator failing. */
    {
        struct txp_pkt *p = txp_pkt_alloc(pool);

        CU_ASSERT_PTR_NOT_NULL(p);
        txp_pkt_free(p);
    }
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->allocs, 1);
    txp_pkt_pool_destroy(pool);
    TXP_H_ASSERT_NO_LEAKS();
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->bytes, 0);
}

/* ------------------------------------------------------------------ share */

struct ext_owner {
    struct txp_pkt_ext ext;
    unsigned released;
    struct txp_pkt *last;
};

static void
ext_owner_release(struct txp_pkt_ext *self, struct txp_pkt *p)
{
    struct ext_owner *o = TXP_CONTAINER_OF(self, struct ext_owner, ext);

    o->released++;
    o->last = p;
}

static struct txp_pkt_pool *
share_pool(uint32_t count, uint32_t buf_size)
{
    struct txp_pkt_pool_config cfg = {count, buf_size};
    struct txp_pkt_pool *pool = NULL;

    CU_ASSERT_FATAL(txp_pkt_pool_create(&cfg, txp_h_alloc(), &pool) == TXP_OK);
    return pool;
}

static void
test_share_attach_refused(void)
{
    struct txp_pkt_pool *pool = share_pool(2, 512);
    struct ext_owner o = {{ext_owner_release}, 0, NULL};
    struct txp_pkt_ext none = {NULL};
    uint8_t ext[600];
    uint8_t mem[256];
    struct txp_pkt cm;
    struct txp_pkt *p = txp_pkt_alloc(pool);
    uint8_t *own = p->buf;
    struct txp_pkt_pool_stats st;

    CU_ASSERT_FATAL(p != NULL);
    /* Headroom 128 (a quarter of 512) + 400 bytes does not fit the own buffer. */
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, &o.ext, ext, 128, 400), TXP_ENOSPC);
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, &none, ext, 0, 10), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, NULL, ext, 0, 10), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, &o.ext, NULL, 0, 10), TXP_EINVAL);
    CU_ASSERT_PTR_EQUAL(p->buf, own);
    CU_ASSERT_FALSE(txp_pkt_shared(p));
    /* A packet that holds data, or is shared already, is refused. */
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_put(p, 1));
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, &o.ext, ext, 0, 10), TXP_EINVAL);
    txp_pkt_trim(p, 0);
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, &o.ext, ext, 100, 384), TXP_OK); /* exactly fits */
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(p, &o.ext, ext, 0, 10), TXP_EINVAL);
    /* A caller-memory packet has no own pool buffer to fall back on. */
    CU_ASSERT_FATAL(txp_pkt_init(&cm, mem, sizeof(mem), 64) == TXP_OK);
    CU_ASSERT_EQUAL(txp_pkt_attach_ext(&cm, &o.ext, ext, 0, 10), TXP_EINVAL);
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.attaches, 1);
    CU_ASSERT_EQUAL(st.shared, 1);
    txp_pkt_free(p);
    CU_ASSERT_EQUAL(o.released, 1);
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.shared, 0);
    CU_ASSERT_EQUAL(st.in_use, 0);
    txp_pkt_pool_destroy(pool);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 0);
}

static void
test_share_push_free(void)
{
    struct txp_pkt_pool *pool = share_pool(2, 2048);
    struct ext_owner o = {{ext_owner_release}, 0, NULL};
    uint8_t ext[512];
    struct txp_pkt *p = txp_pkt_alloc(pool);
    struct txp_pkt_pool_stats st;
    uint8_t *h;

    for (size_t i = 0; i < sizeof(ext); i++)
        ext[i] = (uint8_t)i;
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL_FATAL(txp_pkt_attach_ext(p, &o.ext, ext + 8, 200, 100), TXP_OK);
    CU_ASSERT(txp_pkt_shared(p));
    CU_ASSERT_PTR_EQUAL(txp_pkt_data(p), ext + 208);
    CU_ASSERT_EQUAL(p->len, 100);
    CU_ASSERT_EQUAL(txp_pkt_headroom(p), 200);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(p), 0);
    /* Headers go in the borrowed headroom; the packet stays shared. */
    h = txp_pkt_push(p, 14);
    CU_ASSERT_PTR_EQUAL(h, ext + 194);
    memset(h, 0xEE, 14);
    CU_ASSERT(txp_pkt_shared(p));
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_pull(p, 14));
    txp_pkt_trim(p, 50);
    CU_ASSERT(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(o.released, 0);
    txp_pkt_free(p);
    CU_ASSERT_EQUAL(o.released, 1);
    CU_ASSERT_PTR_EQUAL(o.last, p);
    CU_ASSERT_EQUAL(ext[208], 208); /* the owner's bytes were never written */
    /* The descriptor comes back as a fresh packet over its own buffer. */
    p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_FALSE(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(p->buf_size, 2048);
    CU_ASSERT_EQUAL(txp_pkt_tailroom(p), 2048 - TXP_PKT_HEADROOM);
    txp_pkt_free(p);
    CU_ASSERT_EQUAL(o.released, 1);
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.attaches, 1);
    CU_ASSERT_EQUAL(st.unshares, 0);
    txp_pkt_pool_destroy(pool);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 0);
}

static void
test_share_unshare(void)
{
    struct txp_pkt_pool *pool = share_pool(3, 2048);
    struct ext_owner o = {{ext_owner_release}, 0, NULL};
    uint8_t ext[512];
    struct txp_pkt *p = txp_pkt_alloc(pool);
    struct txp_pkt *c;
    struct txp_pkt_pool_stats st;
    uint8_t *t;

    for (size_t i = 0; i < sizeof(ext); i++)
        ext[i] = (uint8_t)(i * 7u);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL_FATAL(txp_pkt_attach_ext(p, &o.ext, ext, 192, 300), TXP_OK);
    CU_ASSERT_PTR_NOT_NULL(txp_pkt_push(p, 20));
    p->meta.mark = 9;
    /* A clone of a shared packet is an ordinary copy; the original stays shared. */
    c = txp_pkt_clone(pool, p);
    CU_ASSERT_FATAL(c != NULL);
    CU_ASSERT_FALSE(txp_pkt_shared(c));
    CU_ASSERT(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(memcmp(txp_pkt_data(c), ext + 172, 320), 0);
    CU_ASSERT_EQUAL(c->meta.mark, 9);
    txp_pkt_free(c);
    CU_ASSERT_EQUAL(o.released, 0);
    /* unshare: same window, same bytes, own buffer, released once. */
    txp_pkt_unshare(p);
    CU_ASSERT_FALSE(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(o.released, 1);
    CU_ASSERT_EQUAL(txp_pkt_headroom(p), 172);
    CU_ASSERT_EQUAL(p->len, 320);
    CU_ASSERT_EQUAL(p->buf_size, 2048);
    CU_ASSERT(txp_pkt_data(p) < ext || txp_pkt_data(p) >= ext + sizeof(ext));
    CU_ASSERT_EQUAL(memcmp(txp_pkt_data(p), ext + 172, 320), 0);
    txp_pkt_data(p)[0] ^= 0xFF; /* writable now, and the owner's copy is untouched */
    CU_ASSERT_EQUAL(ext[172], (uint8_t)(172 * 7u));
    txp_pkt_unshare(p); /* not shared: nothing happens */
    CU_ASSERT_EQUAL(o.released, 1);
    txp_pkt_free(p);
    CU_ASSERT_EQUAL(o.released, 1);
    /* put unshares first, so the tailroom is the own buffer's. */
    p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL_FATAL(txp_pkt_attach_ext(p, &o.ext, ext, 192, 100), TXP_OK);
    t = txp_pkt_put(p, 4);
    CU_ASSERT_PTR_NOT_NULL(t);
    CU_ASSERT_FALSE(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(o.released, 2);
    CU_ASSERT_EQUAL(p->len, 104);
    CU_ASSERT_EQUAL(memcmp(txp_pkt_data(p), ext + 192, 100), 0);
    txp_pkt_free(p);
    /* reserve on an emptied shared packet gives the own buffer back too. */
    p = txp_pkt_alloc(pool);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL_FATAL(txp_pkt_attach_ext(p, &o.ext, ext, 192, 100), TXP_OK);
    txp_pkt_trim(p, 0);
    CU_ASSERT_EQUAL(txp_pkt_reserve(p, 1000), TXP_OK);
    CU_ASSERT_FALSE(txp_pkt_shared(p));
    CU_ASSERT_EQUAL(o.released, 3);
    txp_pkt_free(p);
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.attaches, 3);
    CU_ASSERT_EQUAL(st.unshares, 3);
    CU_ASSERT_EQUAL(st.shared, 0);
    CU_ASSERT_EQUAL(st.in_use, 0);
    txp_pkt_pool_destroy(pool);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 0);
}

static void
test_share_pool_empty(void)
{
    struct txp_pkt_pool *pool = share_pool(1, 2048);
    struct ext_owner o = {{ext_owner_release}, 0, NULL};
    uint8_t ext[512];
    struct txp_pkt *p = txp_pkt_alloc(pool);
    struct txp_pkt_pool_stats st;

    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL_FATAL(txp_pkt_attach_ext(p, &o.ext, ext, 192, 64), TXP_OK);
    /* A shared packet holds its descriptor: the pool is empty, and a clone is refused. */
    CU_ASSERT_PTR_NULL(txp_pkt_alloc(pool));
    CU_ASSERT_PTR_NULL(txp_pkt_clone(pool, p));
    txp_pkt_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.in_use, 1);
    CU_ASSERT_EQUAL(st.shared, 1);
    CU_ASSERT_EQUAL(st.alloc_fails, 2);
    txp_pkt_free(p);
    CU_ASSERT_EQUAL(o.released, 1);
    txp_pkt_free(NULL);
    txp_pkt_pool_destroy(pool);
    CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 0);
}

/* ------------------------------------------------------------------ registry */

static const struct txp_h_test err_tests[] = {
    TXP_H_TEST(test_err_names_unique),
    TXP_H_TEST(test_err_ok_and_unknown),
    TXP_H_TEST(test_drop_names_unique),
    TXP_H_TEST(test_parse_names_unique),
    TXP_H_TEST(test_diag_format),
    TXP_H_TEST(test_diag_truncation),
    TXP_H_TEST_END,
};

static const struct txp_h_test env_tests[] = {
    TXP_H_TEST(test_rng_known_vectors),
    TXP_H_TEST(test_rng_determinism),
    TXP_H_TEST(test_rng_below),
    TXP_H_TEST(test_env_init),
    TXP_H_TEST(test_log),
    TXP_H_TEST_END,
};

static const struct txp_h_test alloc_tests[] = {
    TXP_H_TEST(test_alloc_default),
    TXP_H_TEST(test_alloc_counting),
    TXP_H_TEST(test_alloc_fail_injection),
    TXP_H_TEST(test_h_alloc),
    TXP_H_TEST_END,
};

static const struct txp_h_test csum_tests[] = {
    TXP_H_TEST(test_csum_rfc1071_vector),
    TXP_H_TEST(test_csum_ipv4_header_vector),
    TXP_H_TEST(test_csum_small_cases),
    TXP_H_TEST(test_csum_vs_reference),
    TXP_H_TEST(test_csum_split_and_seed),
    TXP_H_TEST(test_csum_pseudo_header),
    TXP_H_TEST(test_csum_incremental),
    TXP_H_TEST(test_csum_partial_copy),
    TXP_H_TEST(test_csum_copy_pieces),
    TXP_H_TEST(test_csum_long_runs),
    TXP_H_TEST_END,
};

static const struct txp_h_test buf_tests[] = {
    TXP_H_TEST(test_buf_init),
    TXP_H_TEST(test_buf_push_pull),
    TXP_H_TEST(test_buf_put_append_trim),
    TXP_H_TEST(test_buf_reserve),
    TXP_H_TEST_END,
};

static const struct txp_h_test pool_tests[] = {
    TXP_H_TEST(test_pool_invalid_config),
    TXP_H_TEST(test_pool_exhaustion),
    TXP_H_TEST(test_pool_fresh_packet),
    TXP_H_TEST(test_pool_clone),
    TXP_H_TEST(test_pool_caller_memory),
    TXP_H_TEST(test_pool_create_alloc_failure),
    TXP_H_TEST_END,
};

static const struct txp_h_test share_tests[] = {
    TXP_H_TEST(test_share_attach_refused),
    TXP_H_TEST(test_share_push_free),
    TXP_H_TEST(test_share_unshare),
    TXP_H_TEST(test_share_pool_empty),
    TXP_H_TEST_END,
};

/* clang-format off */
static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("err", NULL, NULL, err_tests),
    TXP_H_SUITE("env", NULL, NULL, env_tests),
    TXP_H_SUITE("alloc", NULL, NULL, alloc_tests),
    TXP_H_SUITE("csum", NULL, NULL, csum_tests),
    TXP_H_SUITE("buf", NULL, NULL, buf_tests),
    TXP_H_SUITE("pool", pool_suite_init, NULL, pool_tests),
    TXP_H_SUITE("share", pool_suite_init, NULL, share_tests),
    TXP_H_SUITE_END,
};
/* clang-format on */

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
