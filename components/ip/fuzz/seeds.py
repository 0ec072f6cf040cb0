#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the ip fuzz targets (ip_frag, ip_parse).

Usage: /usr/bin/python3 components/ip/fuzz/seeds.py [--check]
Writes corpus/ip_frag/NNN-*.bin (layout in fuzz_ip_frag.c) and corpus/ip_parse/NNN-*.bin
(layout in fuzz_ip_parse.c); --check compares instead and exits 1 on a difference.
"""
import os
import random
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

RR = bytes([7, 11, 4]) + bytes(8)
TS0 = bytes([68, 12, 5, 0]) + bytes(8)
TS1 = bytes([68, 20, 5, 1]) + bytes(16)
TS3 = bytes([68, 20, 5, 3, 10, 0, 0, 1]) + bytes(4) + bytes([10, 0, 0, 9]) + bytes(4)
LSRR = bytes([131, 11, 4, 10, 9, 9, 1, 10, 9, 9, 2])
SSRR = bytes([137, 7, 4, 10, 9, 9, 1])
RA = bytes([148, 4, 0, 0])
OPTSETS = [b"", RR, TS0, TS1, TS3, LSRR, SSRR, RA, bytes([1, 1]) + RA + RR, RR + RA + LSRR,
           bytes([130, 11]) + bytes(9), bytes([0, 7, 7, 7])]


def frag_seed(mtu, flags, opts, off, payload):
    sel = (mtu - 68) % 65468
    return struct.pack(">HBBH", sel, flags, len(opts), off) + opts + payload


def frag_seeds():
    out = {}
    rng = random.Random(4)
    for mtu in (68, 576, 1280, 1500, 9000):
        for k, opts in enumerate(OPTSETS[:8]):
            step = (mtu - 20 - ((len(opts) + 3) & ~3)) & ~7
            size = (step * 2 + rng.choice((-9, -8, -1, 0, 1, 7, 8))) % 3000
            payload = bytes(rng.randrange(256) for _ in range(size))
            out["%03d-udp-mtu%d-opt%d.bin" % (len(out), mtu, k)] = frag_seed(
                mtu, 32 | (k % 4), opts, 0, payload)
            out["%03d-direct-mtu%d-opt%d.bin" % (len(out), mtu, k)] = frag_seed(
                mtu, 16 if k % 2 else 8 | 4, opts, 37 * k, payload)
    out["%03d-udp-612.bin" % len(out)] = frag_seed(1500, 32 | 64 | 2, b"", 0, bytes(100))
    out["%03d-df-refused.bin" % len(out)] = frag_seed(576, 4, b"", 0, bytes(1000))
    out["%03d-raw-opt.bin" % len(out)] = frag_seed(100, 32, OPTSETS[10], 0, bytes(300))
    return out


def ipv4(opts, payload, frag=0, tot=None):
    hl = 20 + ((len(opts) + 3) & ~3)
    opts = opts + bytes((4 - len(opts) % 4) % 4)
    t = hl + len(payload) if tot is None else tot
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | hl // 4, 0, t, 0x1234, frag, 64, 17, 0,
                    bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + opts
    s = sum(struct.unpack(">%dH" % (hl // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    h = h[:10] + struct.pack(">H", ~s & 0xFFFF) + h[12:]
    return h + payload


def parse_seeds():
    out = {}
    for k, opts in enumerate(OPTSETS):
        out["%03d-opts%d.bin" % (len(out), k)] = bytes([k * 9]) + ipv4(opts, bytes(range(64)))
    bad = [
        bytes([5]) + bytes(10),                            # truncated
        bytes([5, 0x65]) + bytes(19),                      # version 6
        bytes([5, 0x44]) + bytes(19),                      # IHL 4
        bytes([5]) + ipv4(b"", b"")[:2] + b"\x00\x05" + ipv4(b"", b"")[4:],  # tot_len < IHL
        bytes([5]) + ipv4(bytes([7, 40]), b""),            # option overrun
        bytes([5]) + ipv4(bytes([148, 6, 0, 0, 0, 0]), b""),  # RA length
        bytes([0x85]) + ipv4(bytes([7, 3, 2]), b""),       # RR pointer (compile)
        bytes([0x85]) + ipv4(bytes([68, 8, 5, 2]) + bytes(4), b""),  # TS flag 2
        bytes([0]) + ipv4(b"", bytes(2000), frag=0x2000 | 7000),  # offset overflow
    ]
    for b in bad:
        out["%03d-bad.bin" % len(out)] = b
    return out


def main():
    sys.dont_write_bytecode = True  # no __pycache__ inside corpus/
    sys.path.insert(0, os.path.join(ROOT, "corpus"))
    import seedlib

    return seedlib.sync({"ip_frag": frag_seeds(), "ip_parse": parse_seeds()}, "--check" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
