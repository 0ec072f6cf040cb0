# bench/fib.cmake: the Poptrie-style trie (txpath/fib_lpm.h) against DPDK's rte_lpm and
# rte_fib DIR-24-8 on a synthetic ~1,000,000-prefix Internet-like table, in the same run.
if(TARGET txp_fib)
  txp_add_bench(NAME bench_fib SOURCES bench_fib.c LIBS txp::fib DPDK)
  if(TXP_BENCH_DPDK)
    target_link_libraries(bench_fib PRIVATE ${DPDK_LINK_LIBRARIES})
  endif()
endif()
