/* skeleton: replaced by its owner */
#include "txpath/h_cunit.h"
static void test_nothing(void) { CU_ASSERT(1); }
static const struct txp_h_test t[] = {TXP_H_TEST(test_nothing), TXP_H_TEST_END};
static const struct txp_h_suite suites[] = {TXP_H_SUITE("skeleton-prot", NULL, NULL, t), TXP_H_SUITE_END};
int main(int argc, char **argv) { return txp_h_cunit_main(argc, argv, suites); }
