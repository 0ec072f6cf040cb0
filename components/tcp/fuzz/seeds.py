#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the tcp fuzz targets (tcp_stream, tcp_options).

Usage: /usr/bin/python3 components/tcp/fuzz/seeds.py [--check]
Writes corpus/tcp_stream/NNN-*.bin (4 header bytes, then 4-byte records; layout in
fuzz_tcp_stream.c) and corpus/tcp_options/NNN-*.bin (layout in fuzz_tcp_options.c);
--check compares instead and exits 1 on a difference.
"""
import os
import random
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def rec(op, a=0, b=0, c=0):
    return bytes([op, a, b, c])


def hdr(opts=7, mtu=0, ws=36, gso=0):
    # opts: bit0 TS, bit1 SACK, bit2 WS, bit3 peer sends MSS only; ws byte: MSS = 40 + 40 * b
    return bytes([opts, mtu, ws, gso])


def stream_seeds():
    out = {}
    # bulk write, ACKs of everything in flight with a wide window
    body = hdr() + rec(0, 0x9c, 0x40) + (rec(1, 255, 200, 200) + rec(4, 10, 10)) * 8
    out["%03d-bulk.bin" % len(out)] = body
    # small writes under Nagle, then NODELAY
    body = hdr() + rec(0, 0, 100) * 4 + rec(1, 255, 100, 100) + rec(6, 1) + rec(0, 0, 10) * 4
    out["%03d-nagle.bin" % len(out)] = body
    # cork, MSG_MORE, uncork
    body = hdr(3) + rec(7, 1) + rec(0, 0, 200, 1) + rec(0, 0, 200) + rec(7, 0) + rec(8)
    out["%03d-cork-fin.bin" % len(out)] = body
    # zero window, probes, window update
    body = hdr() + rec(2, 0, 0, 0) + rec(0, 0x10, 0) + rec(5) * 3 + rec(2, 0, 100, 40)
    out["%03d-zero-window.bin" % len(out)] = body
    # losses: timers fire, partial ACKs
    body = hdr(7, 0, 36, 1) + rec(0, 0xff, 0xff) + rec(5) * 2 + rec(1, 100, 200, 200) + \
        rec(5) + rec(1, 255, 255, 255) + rec(3, 9)
    out["%03d-rto-gso.bin" % len(out)] = body
    # no options, jumbo MTU, abort
    body = hdr(8, 1, 223) + rec(0, 0x40, 0) + rec(1, 128, 50, 50) + rec(9, 0x5a)
    out["%03d-jumbo-abort.bin" % len(out)] = body
    rng = random.Random(3)
    for k in range(6):
        body = hdr(rng.randrange(16), rng.randrange(8), rng.randrange(256), rng.randrange(2))
        for _ in range(40):
            op = rng.choice([0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8])
            body += rec(op, rng.randrange(256), rng.randrange(256), rng.randrange(256))
        out["%03d-random-%d.bin" % (len(out), k)] = body
    # GSO segmented in software at transmit (gso byte 3): bulk, losses and partial ACKs, jumbo
    body = hdr(7, 0, 36, 3) + rec(0, 0x9c, 0x40) + (rec(1, 255, 200, 200) + rec(4, 10, 10)) * 8
    out["%03d-bulk-gso-sw.bin" % len(out)] = body
    body = hdr(7, 0, 36, 3) + rec(0, 0xff, 0xff) + rec(5) * 2 + rec(1, 100, 200, 200) + \
        rec(5) + rec(1, 255, 255, 255) + rec(0, 0x20, 0x31) + rec(1, 77, 255, 255) + rec(8)
    out["%03d-rto-gso-sw.bin" % len(out)] = body
    body = hdr(1, 1, 223, 3) + rec(0, 0xf0, 0) + rec(1, 128, 250, 250) + rec(5) + \
        rec(1, 255, 250, 250)
    out["%03d-jumbo-gso-sw.bin" % len(out)] = body
    # gso_sw with 12 packets held in flight (opts high nibble): cwnd cuts and retransmissions
    # while earlier segments of the same slot are still out
    body = hdr(0xB7, 0, 36, 3) + rec(0, 0x60, 0) + rec(1, 80, 200, 200) + rec(5) + \
        rec(1, 200, 200, 200) + rec(0, 0x30, 0x10) + rec(5) * 2 + rec(1, 255, 255, 255)
    out["%03d-held-gso-sw.bin" % len(out)] = body
    return out


def options_seeds():
    out = {}

    def opt(bits, mss=1460, ws=7, tsval=1, tsecr=0, sacks=()):
        b = bytes([bits]) + struct.pack(">HB", mss, ws) + struct.pack(">II", tsval, tsecr)
        b += bytes([len(sacks)])
        for l, r in sacks:
            b += struct.pack(">II", l, r)
        return b
    out["%03d-syn-linux.bin" % len(out)] = opt(0x1f)
    out["%03d-syn-no-ts.bin" % len(out)] = opt(0x1b)
    out["%03d-established-ts.bin" % len(out)] = opt(0x04, tsval=123456, tsecr=654321)
    out["%03d-sack3.bin" % len(out)] = opt(0x04, sacks=[(1, 2), (3, 4), (5, 6)])
    out["%03d-sack4-too-big.bin" % len(out)] = opt(0x04, sacks=[(1, 2), (3, 4), (5, 6), (7, 8)])
    out["%03d-ws-15.bin" % len(out)] = opt(0x11, ws=15)
    # raw Linux SYN option bytes (also parsed as a raw block)
    out["%03d-raw-syn.bin" % len(out)] = bytes.fromhex("020405b40402080a0000000500000000010303")\
        + b"\x07"
    return out


def main():
    sys.dont_write_bytecode = True  # no __pycache__ inside corpus/
    sys.path.insert(0, os.path.join(ROOT, "corpus"))
    import seedlib

    return seedlib.sync({"tcp_stream": stream_seeds(), "tcp_options": options_seeds()}, "--check" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
