# bench/ring.cmake: the SPSC pointer ring (components/ring) against DPDK rte_ring SP/SC in the
# same run. rte_ring_create needs DPDK's EAL and libraries, so the bench links them when found.
txp_add_bench(NAME bench_ring SOURCES bench_ring.c LIBS txp::ring DPDK)
if(TXP_BENCH_DPDK)
  target_link_libraries(bench_ring PRIVATE ${DPDK_LINK_LIBRARIES})
endif()
