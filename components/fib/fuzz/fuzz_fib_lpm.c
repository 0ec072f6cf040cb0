/* SPDX-License-Identifier: MIT */
/*
 * txpath fib fuzz target: the compressed LPM (txpath/fib_lpm.h) against a linear reference.
 * Invariants: every add/delete returns what the reference expects (ENOENT for an absent
 * prefix, replace for a present one); every single and bulk lookup returns the value of the
 * longest matching prefix; the count matches; deleting everything frees every node.
 *
 * Input: 7-byte records [op, a3, a2, a1, a0, len, value]: op % 4 = 0,1 add, 2 delete, 3 lookup
 * of the address a3.a2.a1.a0 (and its neighbours); prefixes are the address masked to a
 * length of 12 + len % 21, or len & 15 when len >= 0xF0. Addresses are folded into 10.0.0.0/14 half
 * of the time so prefixes collide.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "txpath/fib_lpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAXP 512

struct rp {
    uint32_t p, v;
    uint8_t l;
};

static uint32_t
ref_lookup(const struct rp *r, size_t n, uint32_t a)
{
    int best = -1;
    uint32_t v = TXP_FIB_LPM_MISS;
    for (size_t i = 0; i < n; i++) {
        uint32_t m = r[i].l ? 0xFFFFFFFFu << (32 - r[i].l) : 0;
        if ((a & m) == r[i].p && (int)r[i].l > best) {
            best = r[i].l;
            v = r[i].v;
        }
    }
    return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rp ref[MAXP];
    size_t n = 0;
    /* one table for the whole run (creating 1.5 MB per input would dominate); each input
     * ends by deleting what it added, which also exercises deletion down to empty */
    static struct txp_fib_lpm *l = NULL;
    if (!l && txp_fib_lpm_create(NULL, &l) != TXP_OK)
        return 0;
    for (size_t i = 0; i + 7 <= size; i += 7) {
        const uint8_t *r = data + i;
        uint32_t a = (uint32_t)r[1] << 24 | (uint32_t)r[2] << 16 | (uint32_t)r[3] << 8 | r[4];
        if (r[0] & 0x80)
            a = 0x0A000000u | (a & 0x0003FFFFu);
        /* short prefixes touch up to 65536 direct entries each: keep them rare */
        uint8_t len = r[5] >= 0xF0 ? (uint8_t)(r[5] & 15u) : (uint8_t)(12 + r[5] % 21);
        uint32_t p = a & (len ? 0xFFFFFFFFu << (32 - len) : 0);
        uint32_t v = r[6];
        size_t k;
        for (k = 0; k < n; k++)
            if (ref[k].p == p && ref[k].l == len)
                break;
        switch (r[0] & 3) {
        case 0:
        case 1:
            if (k == n && n == MAXP)
                break;
            FZ_CHECK(txp_fib_lpm_add(l, p, len, v) == TXP_OK);
            ref[k] = (struct rp){p, v, len};
            if (k == n)
                n++;
            break;
        case 2:
            FZ_CHECK(txp_fib_lpm_del(l, p, len) == (k < n ? TXP_OK : TXP_ENOENT));
            if (k < n)
                ref[k] = ref[--n];
            break;
        default: {
            uint32_t q[8], out[8];
            for (int j = 0; j < 8; j++)
                q[j] = a + (uint32_t)j * 0x01010101u * (uint32_t)(r[6] | 1);
            txp_fib_lpm_lookup_bulk(l, q, out, 8);
            for (int j = 0; j < 8; j++) {
                uint32_t want = ref_lookup(ref, n, q[j]);
                FZ_CHECK(txp_fib_lpm_lookup(l, q[j]) == want);
                FZ_CHECK(out[j] == want);
            }
            break;
        }
        }
        FZ_CHECK(txp_fib_lpm_count(l) == n);
    }
    while (n > 0) {
        n--;
        FZ_CHECK(txp_fib_lpm_del(l, ref[n].p, ref[n].l) == TXP_OK);
    }
    FZ_CHECK(txp_fib_lpm_count(l) == 0);
    FZ_CHECK(txp_fib_lpm_lookup(l, 0x0A000001u) == TXP_FIB_LPM_MISS);
    struct txp_fib_lpm_mem m;
    txp_fib_lpm_memory(l, &m);
    FZ_CHECK(m.lookup == (1u << 18) * 4u); /* every node freed: the direct table is left */
    return 0;
}
