#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the qdisc fuzz targets (qdisc_ops, tc_parse).

Usage: /usr/bin/python3 components/qdisc/fuzz/seeds.py [--check]
Writes corpus/qdisc_ops/NNN-*.bin (layout in fuzz_qdisc_ops.c) and corpus/tc_parse/NNN-*
(tc qdisc specs as text, no extension); --check compares instead and exits 1 on a difference.
"""
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def ops(kind, txq, params, recs):
    head = bytes([kind, txq]) + bytes(params).ljust(17, b"\0")[:17]
    return head + b"".join(bytes(r) for r in recs)


def ops_seeds():
    out = {}
    rng = random.Random(8)
    # every priority into pfifo_fast, then drain; overflow of one band
    recs = [(0, p, 46) for p in range(16)] + [(1, 0, 0)] * 17
    out["%03d-pfifo-fast-all-prio.bin" % len(out)] = ops(0, 4, [], recs)
    recs = [(0, 0, 10)] * 8 + [(0, 6, 10)] * 3 + [(1, 0, 0), (2, 0, 0), (1, 0, 0)] * 3
    out["%03d-pfifo-fast-overflow-requeue.bin" % len(out)] = ops(0, 5, [], recs)
    # prio with a custom map and major:minor priorities
    params = [2] + [3, 2, 1, 0, 3, 2, 1, 0, 3, 2, 1, 0, 3, 2, 1]
    recs = [(0, p, 20) for p in range(16)] + [(5, m, 20) for m in range(6)] + [(1, 0, 0)] * 24
    out["%03d-prio-map.bin" % len(out)] = ops(1, 8, params, recs)
    # pfifo / bfifo limits, reset in the middle
    recs = [(0, 0, rng.randrange(256)) for _ in range(12)] + [(4, 0, 0)] + [(0, 0, 40)] * 4 + [(1, 0, 0)] * 5
    out["%03d-pfifo-limit.bin" % len(out)] = ops(2, 10, [1, 6], recs)
    out["%03d-bfifo-limit.bin" % len(out)] = ops(3, 10, [1, 20], recs)
    # netem: delay+jitter, loss models, duplicate, reorder, rate
    def netem(k):
        recs = []
        for _ in range(60):
            r = rng.randrange(10)
            recs.append((0, rng.randrange(256), rng.randrange(256)) if r < 5 else
                        (1, 0, 0) if r < 8 else (3, rng.randrange(8), 0))
        return ops(4, 1, k, recs)
    out["%03d-netem-delay-jitter.bin" % len(out)] = netem([40, 50, 10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7])
    out["%03d-netem-loss-dup.bin" % len(out)] = netem([63, 0, 0, 0, 100, 0, 80, 0, 0, 0, 0, 90, 0, 0, 0, 0, 3])
    out["%03d-netem-ge.bin" % len(out)] = netem([63, 5, 0, 0, 0, 2, 70, 100, 200, 66, 0, 0, 0, 0, 0, 0, 4])
    out["%03d-netem-4state.bin" % len(out)] = netem([63, 5, 0, 0, 0, 1, 70, 120, 64, 64, 255, 0, 0, 0, 0, 0, 5])
    out["%03d-netem-reorder-rate.bin" % len(out)] = netem([63, 20, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 80, 150, 2, 51, 6])
    return out


SPECS = [
    "pfifo_fast",
    "tc qdisc add dev eth0 root pfifo_fast",
    "prio bands 4 priomap 3 2 1 0 3 2 1 0 3 2 1 0 3 2 1 0",
    "tc qdisc replace dev veth0 root handle 1: prio",
    "pfifo limit 100",
    "bfifo limit 10kb",
    "bfifo limit 1mbit",
    "noqueue",
    "netem delay 100ms 10ms 25% distribution normal",
    "netem delay 50ms 20ms distribution paretonormal loss random 1% 30%",
    "netem loss state 1% 2% 3% 4% 5%",
    "netem loss gemodel 1% 10% 70% 0.1% ecn",
    "netem duplicate 2% 10 corrupt 0.1% 5",
    "netem delay 10ms reorder 25% 50% gap 5",
    "netem rate 1mbit 20 100 -5 limit 3000 seed 42",
    "netem d 1s 1ms 1% dist pareto l 0.5%",
]


def parse_seeds():
    return {"%03d-spec" % i: (s + "\n").encode() for i, s in enumerate(SPECS)}


def main():
    sys.dont_write_bytecode = True  # no __pycache__ inside corpus/
    sys.path.insert(0, os.path.join(ROOT, "corpus"))
    import seedlib

    return seedlib.sync({"qdisc_ops": ops_seeds(), "tc_parse": parse_seeds()}, "--check" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
