#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the fib fuzz targets (fib_ops, fib_parse, fib_lpm).

Usage: /usr/bin/python3 components/fib/fuzz/seeds.py [--check]
Writes corpus/fib_ops/NNN-*.bin and corpus/fib_parse/NNN-* (text, no extension: *.txt are notes); --check compares instead and
exits 1 on any difference. Layouts are described in fuzz_fib_ops.c and fuzz_fib_parse.c.
"""
import os
import random
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def rec(op, addr, b, c, d):
    return bytes([op]) + struct.pack(">I", addr) + bytes([b, c, d])


def ops_seeds():
    out = {}
    rng = random.Random(5)
    # nested prefixes, then lookups at each depth (merged and with rules)
    for mode in (0, 1):
        body = bytes([mode])
        for plen in (8, 12, 16, 20, 24, 28, 32):
            body += rec(0, 0x00012345, plen, (plen // 4) & 3, plen & 3)
        for _ in range(12):
            body += rec(3, rng.getrandbits(32), 0, rng.getrandbits(8), rng.getrandbits(8))
        out["%03d-nested-%s.bin" % (len(out), "rules" if mode else "merged")] = body
    # every route type and tos at one prefix, lookups with each tos
    body = bytes([0])
    for t in range(8):
        for tos in range(4):
            body += rec(0, 0x00056789, 16, (t << 2) | (tos << 5), t & 3)
    for tos in (0, 0x08, 0x10, 0x1C):
        body += rec(3, 0x00056789, 0, tos, 0)
    out["%03d-types-tos.bin" % len(out)] = body
    # add/delete churn with lookups
    for n in range(4):
        body = bytes([n & 1])
        for _ in range(40):
            op = rng.choice((0, 0, 1, 2, 3, 3))
            body += rec(op, rng.getrandbits(32), rng.randrange(33), rng.getrandbits(8),
                        rng.getrandbits(8))
        out["%03d-churn.bin" % len(out)] = body
    # /0 and /32 edges
    body = bytes([0]) + rec(0, 0, 0 | 1, 0, 0) + rec(0, 0x000FFFFF, 32, 0, 1)
    body += rec(3, 0x000FFFFF, 0, 0, 0) + rec(3, 0x000FFFFE, 0, 0, 0) + rec(2, 0, 1, 0, 0)
    body += rec(3, 0x000FFFFE, 0, 0, 0)
    out["%03d-edges.bin" % len(out)] = body
    return out


def parse_seeds():
    texts = [
        (0, "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT "
            "group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "3: eth1@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP\n"),
        (1, "2: eth0    inet 192.0.2.9/24 brd 192.0.2.255 scope global secondary eth0\\"
            "       valid_lft forever preferred_lft forever\n"
            "2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever\n"),
        (2, "default via 192.0.2.254 dev eth0 proto static metric 100\n"
            "10.0.0.0/8 via 192.0.2.1 dev eth0 table 100 tos 0x10 mtu lock 1400 onlink\n"
            "blackhole 10.9.0.0/16\nunreachable 10.8.0.0/16 metric 5\n"
            "prohibit 10.7.0.0/16 table main\nthrow 10.6.0.0/16 table 100\n"
            "local 192.0.2.1 dev eth0 table local proto kernel scope host src 192.0.2.1\n"
            "broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.1\n"
            "fe80::/64 dev eth0 proto kernel metric 256 pref medium\n"),
        (2, "10.5.0.0/16 nexthop via 192.0.2.2 dev eth0 weight 1\n"),
        (2, "10.5.0.1/16 dev eth0\n"),
        (3, "0:\tfrom all lookup local\n"
            "100:\tnot from 10.0.0.0/8 to 192.0.2.0/24 tos 0x10 fwmark 0x5/0xff iif lo "
            "oif eth0 uidrange 1000-2000 ipproto tcp sport 1-1024 dport 80 lookup 100 "
            "suppress_prefixlength 0\n"
            "200:\tfrom all goto 32766\n300:\tfrom all blackhole\n"
            "32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n"),
        (3, "5:\tfrom all fwmark\n"),
    ]
    out = {}
    for sel, t in texts:
        out["%03d-%s" % (len(out), ("link", "addr", "route", "rule")[sel])] = (
            bytes([sel]) + t.encode())
    return out


def lpm_seeds():
    out = {}
    rng = random.Random(11)

    def rec(op, addr, plen, val):
        # length byte: 0xF0 | len for len < 12, else len - 12 (see fuzz_fib_lpm.c)
        lb = (0xF0 | plen) if plen < 12 else plen - 12
        return bytes([op]) + struct.pack(">I", addr) + bytes([lb, val])
    # nested prefixes in 10/14, lookups, deletions uncovering shorter ones
    body = b"".join(rec(0x80, 0x0A010101, l, l) for l in (0, 8, 12, 16, 20, 24, 25, 28, 32))
    body += b"".join(rec(0x83, 0x0A010100 + k, 0, 1) for k in range(0, 256, 37))
    body += b"".join(rec(0x82, 0x0A010101, l, 0) for l in (24, 16, 32))
    body += rec(0x83, 0x0A010101, 0, 3)
    out["000-nested.bin"] = body
    body = b"".join(rec(0x80 | rng.choice((0, 1, 2, 3)), rng.getrandbits(32),
                        rng.choice((rng.randrange(12), 12 + rng.randrange(21))),
                        rng.getrandbits(8)) for _ in range(120))
    out["001-random.bin"] = body
    return out


def main():
    check = "--check" in sys.argv[1:]
    bad = 0
    for target, seeds in (("fib_ops", ops_seeds()), ("fib_parse", parse_seeds()),
                          ("fib_lpm", lpm_seeds())):
        d = os.path.join(ROOT, "corpus", target)
        os.makedirs(d, exist_ok=True)
        os.makedirs(os.path.join(ROOT, "corpus", "regress", target), exist_ok=True)
        keep = os.path.join(ROOT, "corpus", "regress", target, ".gitkeep")
        if not check and not os.path.exists(keep):
            open(keep, "w").close()
        for name, data in sorted(seeds.items()):
            p = os.path.join(d, name)
            if check:
                try:
                    with open(p, "rb") as f:
                        same = f.read() == data
                except OSError:
                    same = False
                if not same:
                    print("seeds differ from the generator: %s" % p)
                    bad += 1
            else:
                with open(p, "wb") as f:
                    f.write(data)
    if check:
        print("fib seeds: %s" % ("ok" if bad == 0 else "%d file(s) differ" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
