# bench/stack.cmake: bulk TCP through the whole pipeline (1,000,000-route FIB, 1,000-rule
# iptables filter OUTPUT, pfifo_fast, the ring's device model with the pcap backend writing to
# /dev/null) against the Linux kernel sending the same flow with the same ruleset from a
# namespace, in the same run (issue 10 target: >= 2x the kernel's segments/s per core).
if(TARGET txp_stack)
  txp_add_bench(NAME bench_stack SOURCES bench_stack.c LIBS txp::stack)
endif()
