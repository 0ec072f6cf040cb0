# bench/ipt.cmake: iptables rule evaluation on ClassBench-like rule sets (bench_ipt_gen.h: acl,
# fw and ipc styles, 100 / 1,000 / 10,000 rules, matching traces): the interpreter
# (txp_ipt_do_table), the compiled path (txp_ipt_compiled_do_table) and DPDK's rte_acl on the
# same 5-tuple rules, in the same run; build times and memory too. rte_acl needs DPDK's EAL
# and librte_acl, so the bench links DPDK's libraries when found.
if(TARGET txp_ipt)
  txp_add_bench(NAME bench_ipt SOURCES bench_ipt.c LIBS txp::ipt DPDK)
  # compile_int.h: the tree statistics printed beside the numbers
  target_include_directories(bench_ipt PRIVATE ${PROJECT_SOURCE_DIR}/components/ipt/src)
  if(TXP_BENCH_DPDK)
    target_link_libraries(bench_ipt PRIVATE ${DPDK_LINK_LIBRARIES})
  endif()
endif()
