#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the ipt_eval fuzz target (fuzz/fuzz_ipt_eval.c).

Usage: /usr/bin/python3 components/ipt/fuzz/seeds_eval.py [--check]
Writes corpus/ipt_eval/NNN-*.bin; --check compares instead and exits 1 on a difference.

The target decodes its input with a byte feeder (ruleset first, then packets), so any bytes are
a valid input; the seeds fix the first byte (which tables exist) and the rule counts so that
each kind of ruleset is there from the start: one table, all five, long chains that make the
compiled form build real trees, user chains with jumps, short inputs.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "corpus"))
import seedlib  # noqa: E402


def blob(rng, n, head=b""):
    return head + bytes(rng.randrange(256) for _ in range(n))


def seeds():
    out = {}
    rng = random.Random(6)

    def add(name, body):
        out["%03d-%s.bin" % (len(out), name)] = body

    add("filter-only-short", blob(rng, 64, bytes([1 << 3])))
    add("filter-long-chains", blob(rng, 3000, bytes([1 << 3, 0, 0xFF, 47])))
    add("filter-user-chains", blob(rng, 2000, bytes([1 << 3, 3])))
    add("all-tables", blob(rng, 4000, bytes([0x1F])))
    add("mangle-nat", blob(rng, 2500, bytes([(1 << 1) | (1 << 2)])))
    add("raw-security", blob(rng, 1500, bytes([(1 << 0) | (1 << 4)])))
    for i in range(10):
        add("random-%d" % i, blob(rng, rng.choice([128, 512, 1024, 2048, 4096])))
    return out


if __name__ == "__main__":
    sys.exit(seedlib.sync({"ipt_eval": seeds()}, "--check" in sys.argv, "seeds_eval.py"))
