/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: guard-page buffers for parser tests.
 *
 *   map                                   data           data+len
 *   |<----------- ceil(len/page) pages ----|--- frame ---|<-- one PROT_NONE page -->|
 *
 * A parser that reads data[len] touches the guard page and dies with SIGSEGV, even without
 * AddressSanitizer. Entry points: txp_h_guard_place, txp_h_guard_free.
 */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, sysconf */

#include "txpath/h_guard.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int
txp_h_guard_place(struct txp_h_guard *g, const void *src, size_t len)
{
    TXP_ASSERT(g && (src || len == 0));
    memset(g, 0, sizeof *g);
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096u;
    size_t data_pages = (len + page - 1) / page;
    if (data_pages == 0)
        data_pages = 1;
    size_t map_len = (data_pages + 1) * page;
    void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return TXP_ENOMEM;
    uint8_t *base = m;
    uint8_t *guard = base + data_pages * page;
    if (mprotect(guard, page, PROT_NONE) != 0) {
        munmap(m, map_len);
        return TXP_ENOMEM;
    }
    g->map = base;
    g->map_len = map_len;
    g->data = guard - len;
    g->len = len;
    if (len)
        memcpy(g->data, src, len);
    return TXP_OK;
}

void
txp_h_guard_free(struct txp_h_guard *g)
{
    if (!g || !g->map)
        return;
    munmap(g->map, g->map_len);
    memset(g, 0, sizeof *g);
}
