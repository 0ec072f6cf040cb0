# bench/qdisc.cmake: qdisc enqueue+dequeue pairs (pfifo_fast with mixed TOS, prio, pfifo)
# against a bare FIFO ring in the same run.
txp_add_bench(NAME bench_qdisc SOURCES bench_qdisc.c LIBS txp::qdisc)
