# bench/tcp.cmake: the TCP send path segmenting and checksumming a 1 MiB write into 1448-byte
# segments, against memcpy of the same bytes in the same run (issue target: ratio >= 0.5).
if(TARGET txp_tcp)
  txp_add_bench(NAME bench_tcp SOURCES bench_tcp.c LIBS txp::tcp)
endif()
