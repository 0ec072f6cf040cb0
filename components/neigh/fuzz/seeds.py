#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the neigh fuzz target (neigh_timeline).

Usage: /usr/bin/python3 components/neigh/fuzz/seeds.py [--check]
Writes corpus/neigh_timeline/NNN-*.bin (4-byte records, layout in fuzz_neigh_timeline.c);
--check compares instead and exits 1 on a difference.
"""
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def rec(op, a=0, b=0, c=0):
    return bytes([op, a, b, c])


def seeds():
    out = {}
    # resolve: send, reply to us from the same next hop (peer index 0 -> sender 10.0.0.2)
    body = rec(0, 0, 2, 10) + rec(0, 0, 2, 20) + rec(2, 1 | 2 * 0 | 4, 0, 0) + rec(0, 0, 2, 5)
    out["%03d-resolve.bin" % len(out)] = body
    # failure: send, then time passes (3 x 1 s)
    body = rec(0, 1, 2, 10) + rec(4, 100, 10) * 4 + rec(0, 1, 2, 10)
    out["%03d-fail.bin" % len(out)] = body
    # queue overflow with a small bound
    body = rec(5, 7, 0, 100) + b"".join(rec(0, 2, 2, i) for i in range(20)) + rec(2, 5, 8, 0)
    out["%03d-overflow.bin" % len(out)] = body
    # admin entries, stale -> delay -> probe cycle
    body = rec(6, 3, 2) + rec(0, 3, 2, 1) + rec(4, 250, 30) + rec(0, 3, 2, 1) + rec(4, 200, 10)
    out["%03d-admin-cycle.bin" % len(out)] = body
    # requests for us, gratuitous, arp_accept
    body = rec(2, 2, 0, 1) + rec(5, 9, 0, 1) + rec(2, 8 | 4, 4, 0) + rec(2, 4 | 16, 12, 6)
    out["%03d-input.bin" % len(out)] = body
    # many next hops: gc thresholds
    body = b"".join(rec(0, k, 1, 0) for k in range(8)) + rec(4, 250, 80) + rec(0, 0, 1, 0)
    out["%03d-gc.bin" % len(out)] = body
    rng = random.Random(7)
    for k in range(4):
        out["%03d-random-%d.bin" % (len(out), k)] = bytes(rng.getrandbits(8) for _ in range(160))
    return out


def main():
    sys.dont_write_bytecode = True  # no __pycache__ inside corpus/
    sys.path.insert(0, os.path.join(ROOT, "corpus"))
    import seedlib

    return seedlib.sync({"neigh_timeline": seeds()}, "--check" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
