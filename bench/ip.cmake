# bench/ip.cmake: IPv4 headers built per second (against a bare header writer, DPDK's
# rte_ipv4_cksum when libdpdk is present) and fragmenting a 64 KiB datagram at MTU 1500
# (against memcpy of the same bytes), in the same run.
txp_add_bench(NAME bench_ip SOURCES bench_ip.c LIBS txp::ip DPDK)
