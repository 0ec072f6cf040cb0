#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the ring_ops fuzz target.

Usage: /usr/bin/python3 components/ring/fuzz/seeds.py [--check]
Writes corpus/ring_ops/NNN-*.bin, corpus/ring_ops.dict and corpus/regress/ring_ops/.gitkeep;
--check compares instead and exits 1 on any difference. The layout is described at the top of
components/ring/fuzz/fuzz_ring_ops.c: byte 0 configuration, then 4-byte records op, a, b, c.
"""
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

XMIT, DEV, CLEAN, BELL, CLOCK, QRUN, TXACT = 0, 2, 3, 4, 5, 6, 7


def cfg(size_log=0, bql=True, jumbo=False, rate=0, bounds=False):
    return bytes([size_log | (0 if bql else 4) | (8 if jumbo else 0) | (rate << 4)
                  | (0x40 if bounds else 0)])


def rec(op, a=0, b=0, c=0):
    return bytes([op, a & 255, b & 255, c & 255])


def xmit(length, frags=0, more=False, bad=False, big=False):
    return rec(XMIT, length // 8, length % 8, frags | (0x20 if more else 0)
               | (0x40 if bad else 0) | (0x80 if big else 0))


def seeds():
    out = {}

    def add(name, body):
        out["%03d-%s.bin" % (len(out), name)] = body

    # fill a 64 ring until it stops, then drain and wake
    body = cfg(0, bql=False)
    body += b"".join(xmit(100 + i) for i in range(45))
    body += rec(DEV, 1, 1, 0) + rec(CLEAN) + b"".join(xmit(200) for _ in range(5))
    add("fill-stop-wake", body)
    # xmit_more batches and explicit doorbells, slow link, partial device runs
    body = cfg(1, rate=2)
    for i in range(10):
        body += xmit(300 + i, more=True) + xmit(64, more=True) + rec(BELL)
        body += rec(DEV, 100, 3, 2) + rec(CLEAN)
    add("more-doorbell", body)
    # runt frames (padding inline and by descriptor) and fragments
    body = cfg(0)
    for n in (1, 20, 42, 59, 60, 61):
        body += xmit(n) + xmit(n, frags=1) + xmit(n, frags=3)
    body += rec(DEV, 1, 1, 0) + rec(CLEAN)
    add("runts-frags", body)
    # bad input: too big, zero-length fragment, too many fragments
    body = cfg(0) + xmit(100)
    body += xmit(1515) + xmit(1800) + xmit(100, frags=3, bad=True) + xmit(100, frags=18)
    body += xmit(100, frags=31) + rec(DEV, 1, 1, 0) + rec(CLEAN)
    add("bad-input", body)
    # jumbo with multi-descriptor fragments
    body = cfg(0, jumbo=True, rate=1)
    for i in range(12):
        body += xmit(1000, frags=1 + i % 3, big=True) + rec(DEV, 50, 50, 1) + rec(CLEAN)
    add("jumbo-frags", body)
    # qdisc runs: quota, stop on a small ring, tx_action after wakes
    body = cfg(0, rate=3)
    for i in range(20):
        body += rec(QRUN, 7, 12, i) + rec(DEV, 200, 200, 0) + rec(CLEAN) + rec(TXACT)
    add("qdisc-runs", body)
    # BQL with bounds and slack shrinking
    body = cfg(2, rate=1, bounds=True)
    for i in range(30):
        body += xmit(1400, more=bool(i % 3)) + rec(CLOCK, 0, 40, 0) + rec(DEV, 0, 0, 0)
        if i % 2:
            body += rec(CLEAN)
    add("bql-bounds", body)
    # random mixes over every configuration bit
    rng = random.Random(9)
    for n in range(8):
        body = bytes([rng.getrandbits(7)])
        for _ in range(120):
            body += bytes([rng.randrange(8), rng.getrandbits(8), rng.getrandbits(8),
                           rng.getrandbits(8)])
        add("mix", body)
    return out


DICT = """# ring_ops: records are op, a, b, c (see fuzz_ring_ops.c)
xmit_small="\\x00\\x08\\x00\\x00"
xmit_more="\\x00\\x40\\x00\\x20"
xmit_frags="\\x01\\x20\\x00\\x03"
dev_all="\\x02\\x01\\x01\\x00"
clean="\\x03\\x00\\x00\\x00"
doorbell="\\x04\\x00\\x00\\x00"
clock="\\x05\\x01\\x00\\x00"
qdisc="\\x06\\x07\\x0c\\x00"
tx_action="\\x07\\x00\\x00\\x00"
"""


def main():
    check = "--check" in sys.argv[1:]
    want = {os.path.join("corpus", "ring_ops", k): v for k, v in seeds().items()}
    want[os.path.join("corpus", "ring_ops.dict")] = DICT.encode()
    want[os.path.join("corpus", "regress", "ring_ops", ".gitkeep")] = b""
    bad = 0
    cdir = os.path.join(ROOT, "corpus", "ring_ops")
    if check and os.path.isdir(cdir):
        for name in os.listdir(cdir):
            if os.path.join("corpus", "ring_ops", name) not in want:
                print("stale seed:", name)
                bad = 1
    for rel, data in sorted(want.items()):
        path = os.path.join(ROOT, rel)
        if check:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        print("differs:", rel)
                        bad = 1
            except OSError:
                print("missing:", rel)
                bad = 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return bad


if __name__ == "__main__":
    sys.exit(main())
