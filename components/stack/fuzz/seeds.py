#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the stack_e2e fuzz target.

Usage: /usr/bin/python3 components/stack/fuzz/seeds.py [--check]
Writes corpus/stack_e2e/NNN-*.bin (layout in fuzz_stack_e2e.c: an 8-byte host header, then
4-byte records {op, a, b, c}); --check compares instead and exits 1 on a difference.
"""
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

SOCKET, CONNECT, WRITE, SHUTDOWN, CLOSE, STEP, DELIVER, RX = range(8)


def host(mtu=1500, qlen=32, qdisc=0, rate=0, ring=0, peer=1, route_mtu=0):
    m = (mtu - 68) % 8933
    return bytes([m >> 8, m & 255, (qlen - 1) % 64, qdisc, rate, ring, peer, route_mtu])


def rec(op, a=0, b=0, c=0):
    return bytes([op, a, b, c])


def steps(n, us=50):
    return b"".join(rec(STEP, 0, us >> 8, us & 255) + rec(DELIVER) for _ in range(n))


def seeds():
    out = {}

    def add(name, body):
        out["%03d-%s.bin" % (len(out), name)] = body

    tcp = rec(SOCKET, 0, 0, 0) + rec(CONNECT, 0, 0)
    udp = rec(SOCKET, 4, 0, 0) + rec(CONNECT, 0, 0)
    add("tcp-transfer", host() + tcp + steps(4) + rec(WRITE, 0, 0x20, 0) + steps(20) +
        rec(SHUTDOWN) + steps(10))
    add("tcp-slow-link", host(rate=10, ring=0) + tcp + steps(10, 300) + rec(WRITE, 0, 0x22, 0x10) +
        steps(40, 400) + rec(SHUTDOWN) + steps(10, 400))
    add("tcp-loss", host(peer=3) + tcp + steps(4) + rec(WRITE, 0, 0x22, 0x10) + steps(60, 1000))
    add("udp-fragments", host() + udp + rec(WRITE, 0, 0x10, 0) + steps(3))
    add("udp-small-mtu", host(mtu=68) + udp + rec(WRITE, 0, 0x01, 0) + steps(3))
    add("udp-route-mtu-df", host(route_mtu=50) + rec(SOCKET, 4, 0, 3) + rec(CONNECT, 0, 1) +
        rec(WRITE, 0, 0x08, 0) + rec(WRITE, 0, 0, 100) + steps(3))
    add("neigh-failure", host(peer=0) + udp + rec(WRITE) + rec(WRITE) + steps(4, 65535))
    add("tos-bands", host(rate=5, qlen=16) + rec(SOCKET, 4, 0x08) + rec(CONNECT, 0, 0) +
        rec(SOCKET, 5, 0x10) + rec(CONNECT, 1, 0) + rec(WRITE, 0, 4, 0) * 10 +
        rec(WRITE, 1, 4, 0) * 3 + steps(30, 1000))
    add("noqueue", host(qdisc=3, rate=100) + udp + rec(WRITE, 0, 4, 0) * 5 + steps(5))
    add("netem", host(qdisc=4) + tcp + steps(10, 2000) + rec(WRITE, 0, 0x10, 0) +
        steps(30, 2000))
    add("stray-frames", host() + tcp + rec(RX, 0, 0, 42) + bytes(42) + steps(4) +
        rec(RX, 0, 0, 60) + bytes.fromhex("020000000001020000000000fe0806") + bytes(45))
    add("iptables", host(peer=5) + udp + rec(WRITE, 0, 0x10, 0) + rec(SOCKET, 5, 0, 0) +
        rec(CONNECT, 1, 2, 2) + rec(WRITE, 1, 1, 0) + rec(SOCKET, 2, 0, 0) + rec(CONNECT, 2, 0, 1) +
        steps(10, 1000))
    rng = random.Random(10)
    for k in range(4):
        body = host(mtu=rng.choice([576, 1500, 9000]), rate=rng.choice([0, 1, 50]))
        for _ in range(80):
            body += rec(rng.randrange(7), rng.randrange(8), rng.randrange(256), rng.randrange(256))
        add("random-%d" % k, body)
    return out


def main():
    sys.dont_write_bytecode = True  # no __pycache__ inside corpus/
    sys.path.insert(0, os.path.join(ROOT, "corpus"))
    import seedlib

    return seedlib.sync({"stack_e2e": seeds()}, "--check" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
