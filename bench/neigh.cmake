# bench/neigh.cmake: neighbour lookups and the resolved fast path on 100,000 entries, against a
# plain open-addressing hash table (and header write) in the same run.
if(TARGET txp_neigh)
  txp_add_bench(NAME bench_neigh SOURCES bench_neigh.c LIBS txp::neigh)
endif()
