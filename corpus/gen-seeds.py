#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""corpus/gen-seeds.py: write the seed corpora of the pkt fuzz targets.

Run with Debian's interpreter (it has python3-scapy):

    /usr/bin/python3 corpus/gen-seeds.py [--out DIR] [--check]

Each seed follows its target's input layout, documented at the top of
components/pkt/fuzz/fuzz_<target>.c:

  pkt_dissect  byte 0 link selector (bit 0 clear: Ethernet, set: raw IPv4), then the frame
  pkt_csum     4-byte starting partial sum (big-endian), 4-byte source and 4-byte destination
               address, 1 protocol byte (low 3 bits + 1 = incremental updates), then data
  pkt_buf      mode byte, 2-byte buffer size, then operations (op byte, slot byte, arguments)

The output is deterministic: no clock, no randomness except a fixed-seed PRNG, and every
checksum / length is computed by scapy from fixed fields. Seed file names are
<index>-<what>.bin so a diff of the corpus reads well. --check regenerates into a temporary
folder and fails if anything differs from the committed files (for CI).

Only files named NNN-*.bin belong to the generator: it rewrites those and leaves every other
file alone, so seeds added by hand or by a libFuzzer merge can sit beside them.
"""

import argparse
import filecmp
import os
import random
import struct
import sys
import tempfile

import logging
import re

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.inet import ICMP, IP, IPOption_NOP, IPOption_RR, IPOption_Router_Alert, TCP, UDP  # noqa: E402
from scapy.layers.l2 import ARP, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

TARGETS = ("pkt_dissect", "pkt_csum", "pkt_buf")

SRC_MAC = "02:00:00:00:00:01"
DST_MAC = "02:00:00:00:00:02"
SRC_IP = "192.0.2.1"
DST_IP = "198.51.100.7"

TCP_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None),
            ("WScale", 7)]


def eth(payload, **kw):
    base = dict(src=SRC_MAC, dst=DST_MAC)
    base.update(kw)
    return Ether(**base) / payload


def ip(**kw):
    base = dict(src=SRC_IP, dst=DST_IP, id=0x1234, ttl=64)
    base.update(kw)
    return IP(**base)


# ------------------------------------------------------------------------------- pkt_dissect

def dissect_seeds():
    """(name, bytes) pairs: byte 0 is the link selector, then the frame."""
    frames = []

    def add_eth(name, pkt):
        frames.append((name, b"\x00" + bytes(pkt)))

    def add_raw(name, pkt):
        frames.append((name, b"\x01" + bytes(pkt)))

    add_eth("eth-ipv4-tcp-syn-opts",
            eth(ip() / TCP(sport=40000, dport=80, seq=1000, flags="S", window=64240,
                           options=TCP_OPTS)))
    add_eth("eth-ipv4-tcp-data",
            eth(ip(flags="DF") / TCP(sport=40000, dport=80, seq=1001, ack=5001, flags="PA")
                / Raw(b"GET / HTTP/1.1\r\n\r\n")))
    add_eth("eth-ipv4-tcp-sack",
            eth(ip() / TCP(sport=22, dport=50000, flags="A",
                           options=[("NOP", None), ("NOP", None),
                                    ("SAck", (100, 200, 300, 400))])))
    add_eth("eth-ipv4-udp-dns",
            eth(ip() / UDP(sport=53000, dport=53) / Raw(bytes(range(32)))))
    add_eth("eth-ipv4-udp-zero-csum",
            eth(ip() / UDP(sport=1, dport=2, chksum=0) / Raw(b"x")))
    add_eth("eth-ipv4-icmp-echo",
            eth(ip() / ICMP(type=8, code=0, id=7, seq=1) / Raw(b"ping" * 8)))
    add_eth("eth-ipv4-icmp-unreach",
            eth(ip() / ICMP(type=3, code=4, nexthopmtu=1400)
                / bytes(ip(dst="203.0.113.9") / UDP(sport=5, dport=6))[:28]))
    add_eth("eth-ipv4-opts-udp",
            eth(ip(options=[IPOption_Router_Alert(), IPOption_NOP(), IPOption_NOP(),
                            IPOption_NOP(), IPOption_NOP()])
                / UDP(sport=1000, dport=2000) / Raw(b"opt")))
    add_eth("eth-ipv4-rr-tcp",
            eth(ip(options=[IPOption_RR(routers=["10.0.0.1", "0.0.0.0", "0.0.0.0"])])
                / TCP(sport=1, dport=2, flags="S")))
    add_eth("eth-ipv4-frag-first",
            eth(ip(flags="MF", frag=0, proto=17) / Raw(bytes(24))))
    add_eth("eth-ipv4-frag-later",
            eth(ip(frag=3, proto=6) / Raw(bytes(range(16)))))
    add_eth("eth-ipv4-proto-other",
            eth(ip(proto=47) / Raw(b"\x00\x00\x08\x00gre")))
    add_eth("eth-ipv4-padded-trailer",
            eth(ip() / UDP(sport=7, dport=7) / Raw(b"a")) / Raw(bytes(14)))
    add_eth("eth-arp-request",
            eth(ARP(op=1, hwsrc=SRC_MAC, psrc=SRC_IP, pdst=DST_IP), dst="ff:ff:ff:ff:ff:ff"))
    add_eth("eth-arp-reply",
            eth(ARP(op=2, hwsrc=DST_MAC, psrc=DST_IP, hwdst=SRC_MAC, pdst=SRC_IP)))
    add_eth("eth-vlan-ipv4-udp",
            eth(Dot1Q(vlan=100) / ip() / UDP(sport=9, dport=9)))
    add_eth("eth-ipv6-ethertype", eth(Raw(bytes(40)), type=0x86DD))
    add_raw("raw-ipv4-tcp", ip() / TCP(sport=443, dport=40001, flags="SA", options=TCP_OPTS))
    add_raw("raw-ipv4-udp", ip() / UDP(sport=123, dport=123) / Raw(bytes(48)))
    add_raw("raw-ipv4-icmp", ip() / ICMP(type=0, id=1, seq=2))

    # Malformed classes the parsers must reject with a reason (truncated, bad IHL, bad data
    # offset, length mismatch, option overrun).
    good = bytes(eth(ip() / TCP(sport=1, dport=2, flags="S", options=TCP_OPTS)))
    frames.append(("bad-truncated-eth", b"\x00" + good[:10]))
    frames.append(("bad-truncated-ipv4", b"\x00" + good[:14 + 12]))
    frames.append(("bad-truncated-tcp", b"\x00" + good[:14 + 20 + 10]))
    b = bytearray(bytes(eth(ip() / UDP(sport=1, dport=2))))
    b[14] = 0x44  # IHL 4 < 5
    frames.append(("bad-ihl-small", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / UDP(sport=1, dport=2))))
    b[14] = 0x4F  # IHL 15 > what the frame holds
    frames.append(("bad-ihl-large", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / UDP(sport=1, dport=2))))
    b[14] = 0x65  # version 6 in an IPv4 ethertype
    frames.append(("bad-version", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / TCP(sport=1, dport=2))))
    b[14 + 20 + 12] = 0x40  # data offset 4 < 5
    frames.append(("bad-tcp-doff-small", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / TCP(sport=1, dport=2))))
    b[14 + 20 + 12] = 0xF0  # data offset 15 > segment
    frames.append(("bad-tcp-doff-large", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / UDP(sport=1, dport=2) / Raw(b"abcd"))))
    struct.pack_into("!H", b, 14 + 2, 200)  # total length beyond the frame
    frames.append(("bad-ipv4-totlen-long", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / UDP(sport=1, dport=2) / Raw(b"abcd"))))
    struct.pack_into("!H", b, 14 + 20 + 4, 4)  # UDP length < 8
    frames.append(("bad-udp-len-short", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip(options=[IPOption_RR(routers=["10.0.0.1"])])
                            / UDP(sport=1, dport=2))))
    b[14 + 20 + 1] = 40  # option length runs past the header
    frames.append(("bad-ipv4-opt-overrun", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ip() / TCP(sport=1, dport=2, options=[("MSS", 1460)]))))
    b[14 + 20 + 20 + 1] = 9  # MSS option length overruns the options
    frames.append(("bad-tcp-opt-overrun", b"\x00" + bytes(b)))
    b = bytearray(bytes(eth(ARP(op=1, hwsrc=SRC_MAC, psrc=SRC_IP, pdst=DST_IP))))
    b[14 + 4] = 8  # hardware length 8 for Ethernet
    frames.append(("bad-arp-hlen", b"\x00" + bytes(b)))
    frames.append(("empty", b""))
    frames.append(("link-only", b"\x01"))
    return frames


# ------------------------------------------------------------------------------- pkt_csum

def csum_seed(start, saddr, daddr, proto, data):
    return (struct.pack("!I", start) + bytes(map(int, saddr.split(".")))
            + bytes(map(int, daddr.split("."))) + bytes([proto]) + bytes(data))


def csum_seeds():
    rng = random.Random(1071)
    seeds = []
    tcp = bytes(TCP(sport=40000, dport=80, seq=1, flags="S", options=TCP_OPTS))
    udp = bytes(ip() / UDP(sport=53, dport=53000) / Raw(b"answer"))[20:]
    seeds.append(("tcp-syn", csum_seed(0, SRC_IP, DST_IP, 6, tcp)))
    seeds.append(("udp", csum_seed(0, SRC_IP, DST_IP, 17, udp)))
    seeds.append(("ipv4-header", csum_seed(0, SRC_IP, DST_IP, 4, bytes(ip())[:20])))
    seeds.append(("empty-data", csum_seed(0, "0.0.0.0", "0.0.0.0", 0, b"")))
    seeds.append(("one-byte", csum_seed(0, "10.0.0.1", "10.0.0.2", 17, b"\xff")))
    seeds.append(("odd-length", csum_seed(0x12345678, "10.0.0.1", "10.0.0.2", 6,
                                          bytes(rng.randrange(256) for _ in range(33)))))
    seeds.append(("all-ones", csum_seed(0xFFFFFFFF, "255.255.255.255", "255.255.255.255",
                                        0xFF, b"\xff" * 64)))
    seeds.append(("all-zero", csum_seed(0, "0.0.0.0", "0.0.0.0", 7, bytes(64))))
    seeds.append(("carry-heavy", csum_seed(0xFFFF0000, "255.255.0.1", "0.1.255.255", 6,
                                           b"\xff\xfe" * 40)))
    for n in (1, 2, 3, 7, 8, 15, 16, 31, 64, 65, 127, 128, 257, 1500):
        data = bytes(rng.randrange(256) for _ in range(n))
        seeds.append(("random-%d" % n, csum_seed(rng.randrange(1 << 32), SRC_IP, DST_IP,
                                                 rng.randrange(256), data)))
    return seeds


# ------------------------------------------------------------------------------- pkt_buf

OP_ALLOC, OP_FREE, OP_PUSH, OP_PULL, OP_PUT, OP_APPEND, OP_TRIM, OP_RESERVE, OP_CLONE, \
    OP_WRITE, OP_META, OP_LOCAL, OP_CHECK = range(13)


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def buf_seed(mode, size_sel, ops):
    return bytes([mode]) + u16(size_sel) + b"".join(ops)


def op(code, *args):
    return bytes([code]) + b"".join(a if isinstance(a, bytes) else bytes([a]) for a in args)


def buf_seeds():
    seeds = []
    frame = bytes(eth(ip() / UDP(sport=1, dport=2) / Raw(b"payload")))
    l4 = frame[14 + 20:]
    l3 = frame[14:14 + 20]
    l2 = frame[:14]
    # Build a frame the way the stack does: put the payload, push headers in front.
    seeds.append(("build-by-push", buf_seed(0x01, 2048 - 64, [
        op(OP_ALLOC),
        op(OP_PUT, 0, u16(len(l4)), l4),
        op(OP_PUSH, 0, u16(len(l3)), l3),
        op(OP_PUSH, 0, u16(len(l2)), l2),
        op(OP_CHECK),
        op(OP_PULL, 0, u16(14)),
        op(OP_CLONE, 0),
        op(OP_WRITE, 1, u16(0), 4, b"\xde\xad\xbe\xef"),
        op(OP_CHECK),
        op(OP_FREE, 1),
        op(OP_FREE, 0),
    ])))
    seeds.append(("exhaust-pool", buf_seed(0x01, 64, [op(OP_ALLOC)] * 4 + [
        op(OP_CHECK), op(OP_FREE, 0), op(OP_ALLOC), op(OP_CHECK)])))
    seeds.append(("small-buffers", buf_seed(0x03, 0, [
        op(OP_ALLOC), op(OP_RESERVE, 0, u16(16)), op(OP_PUT, 0, u16(40), bytes(range(40))),
        op(OP_PUT, 0, u16(200)), op(OP_PUSH, 0, u16(17)), op(OP_PUSH, 0, u16(16), bytes(16)),
        op(OP_TRIM, 0, u16(10)), op(OP_APPEND, 0, u16(8), b"appended"), op(OP_CHECK)])))
    seeds.append(("meta-all", buf_seed(0x00, 1436, [op(OP_ALLOC)] + [
        op(OP_META, 0, sel, u32(0x01020304 * (sel + 1) & 0xFFFFFFFF) * 4) for sel in range(8)
    ] + [op(OP_CLONE, 0), op(OP_CHECK)])))
    seeds.append(("caller-memory", buf_seed(0x08, 512, [
        op(OP_LOCAL, u16(256), u16(64)), op(OP_PUT, 0, u16(32), bytes(32)),
        op(OP_PUSH, 0, u16(64), bytes(64)), op(OP_PUSH, 0, u16(1)),
        op(OP_LOCAL, u16(100), u16(200)),
        op(OP_FREE, 0), op(OP_CHECK)])))
    seeds.append(("alloc-failure", buf_seed(0x10 | 0x20 | 0x02, 900, [op(OP_ALLOC), op(OP_CHECK)])))
    seeds.append(("invalid-configs", buf_seed(0x80 | 0x07, 1984, [
        op(OP_ALLOC), op(OP_ALLOC), op(OP_FREE, 1), op(OP_CHECK)])))
    seeds.append(("pull-too-much", buf_seed(0x00, 100, [
        op(OP_ALLOC), op(OP_PUT, 0, u16(20), bytes(20)), op(OP_PULL, 0, u16(21)),
        op(OP_PULL, 0, u16(20)), op(OP_TRIM, 0, u16(1)), op(OP_RESERVE, 0, u16(0xFFFF)),
        op(OP_CHECK)])))
    seeds.append(("minimal", buf_seed(0x00, 0, [])))
    return seeds


# ------------------------------------------------------------------------------- main

GENERATED = re.compile(r"^[0-9]{3}-[A-Za-z0-9_.-]+\.bin$")


def generated_names(d):
    """The files in folder d that the generator owns (NNN-name.bin), sorted."""
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d) if GENERATED.match(n))


def write_all(out):
    gens = {"pkt_dissect": dissect_seeds, "pkt_csum": csum_seeds, "pkt_buf": buf_seeds}
    for target in TARGETS:
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for old in generated_names(d):
            os.remove(os.path.join(d, old))
        seeds = gens[target]()
        names = set()
        for i, (name, data) in enumerate(seeds):
            assert name not in names, name
            names.add(name)
            with open(os.path.join(d, "%03d-%s.bin" % (i, name)), "wb") as f:
                f.write(data)
        print("%s: %d seeds -> %s" % (target, len(seeds), d))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=here, help="corpus folder (default: this script's folder)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary folder and compare with --out")
    args = ap.parse_args()
    if not args.check:
        write_all(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write_all(tmp)
        bad = []
        for target in TARGETS:
            new = set(generated_names(os.path.join(tmp, target)))
            old = set(generated_names(os.path.join(args.out, target)))
            bad += ["%s/%s" % (target, n) for n in sorted(new ^ old)]
            _, mism, errs = filecmp.cmpfiles(os.path.join(tmp, target),
                                             os.path.join(args.out, target),
                                             sorted(new & old), shallow=False)
            bad += ["%s/%s" % (target, n) for n in mism + errs]
        if bad:
            print("gen-seeds: committed seeds differ from the generator:", *bad, sep="\n  ")
            return 1
        print("gen-seeds: committed seeds match the generator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
