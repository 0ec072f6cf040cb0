/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: the failure path of TXP_ASSERT.
 *
 * TXP_ASSERT guards against caller bugs (a NULL handle, a capacity the caller promised), never
 * against packet bytes, which are validated and reported as parse reasons or drops. When an
 * assertion fails the process aborts, so fuzzers and sanitizers see the failure at its source.
 */
#include <stdio.h>
#include <stdlib.h>

#include "txpath/err.h"

void
txp_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "txpath: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
