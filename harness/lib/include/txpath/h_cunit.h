/* SPDX-License-Identifier: MIT */
/* txpath harness: CUnit runner glue, one CTest entry per suite (--suite NAME). */
#ifndef TXP_H_CUNIT_H
#define TXP_H_CUNIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>

#include "txpath/alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One test: a name and a CUnit test function. */
struct txp_h_test {
    const char *name;
    void (*fn)(void);
};

/** One suite. tests ends with TXP_H_TEST_END. init/cleanup may be NULL. */
struct txp_h_suite {
    const char *name;
    int (*init)(void);
    int (*cleanup)(void);
    const struct txp_h_test *tests;
};

/*
 * In a test source:
 *   static const struct txp_h_test csum_tests[] = { TXP_H_TEST(test_rfc1071), TXP_H_TEST_END };
 *   static const struct txp_h_suite suites[] = {
 *       TXP_H_SUITE("csum", NULL, NULL, csum_tests),
 *       TXP_H_SUITE_END,
 *   };
 *   int main(int argc, char **argv) { return txp_h_cunit_main(argc, argv, suites); }
 * CMake (txp_add_unit_test) finds the suite names by the TXP_H_SUITE("name" pattern, so write
 * the name as a string literal on the same line.
 */
#define TXP_H_TEST(fn)                                                                             \
    {                                                                                              \
#fn, fn                                                                                    \
    }
#define TXP_H_TEST_END                                                                             \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }
#define TXP_H_SUITE(name, init, cleanup, tests)                                                    \
    {                                                                                              \
        name, init, cleanup, tests                                                                 \
    }
#define TXP_H_SUITE_END                                                                            \
    {                                                                                              \
        NULL, NULL, NULL, NULL                                                                     \
    }

/**
 * Run the suites. Options: --suite NAME (repeatable; default all), --test NAME, --list,
 * --junit FILE. Prints CUnit's summary (suites, tests, asserts run/failed).
 * @return process exit status: 0 when every selected test passed and at least one ran, 1 on a
 * failure, 2 on bad usage or an unknown suite/test name.
 */
int txp_h_cunit_main(int argc, char **argv, const struct txp_h_suite *suites);

/**
 * A per-test counting allocator: reset it in a suite init or at the start of a test, pass
 * txp_h_alloc() to create() calls, and end the test with TXP_H_ASSERT_NO_LEAKS().
 * The state lives in the test binary (tests are not library code).
 */
struct txp_alloc_counter *txp_h_alloc_counter(void);
/** The counting allocator backed by txp_h_alloc_counter(). */
const struct txp_alloc *txp_h_alloc(void);
/** Reset the counter (outstanding = 0, no injected failure). */
void txp_h_alloc_reset(void);

#define TXP_H_ASSERT_NO_LEAKS() CU_ASSERT_EQUAL(txp_h_alloc_counter()->outstanding, 0)

#ifdef __cplusplus
}
#endif
#endif /* TXP_H_CUNIT_H */
