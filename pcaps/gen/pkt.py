# SPDX-License-Identifier: MIT
"""Golden cases for components/pkt: frames built from field values by scapy and by pkt.

Each case.json describes frames layer by layer; scapy builds them here (the oracle, which
computes every length and checksum), and components/pkt/conform/conform_pkt.c builds them
with pkt's builders. The two must agree byte for byte. Lengths and checksums never appear in
case.json: each side computes them.

case.json layout (component "pkt"):

  {"component": "pkt", "description": "...", "link": "ether" | "raw-ipv4",
   "packets": [ {"ts_ns": 0, "layers": [LAYER, ...], "pad_to": 60}, ... ]}

  "ts_ns"   packet timestamp in ns (required); goldens use whole microseconds
  "pad_to"  optional, ether only: zero-pad the frame to this many bytes (60 = ETH_ZLEN)
  "layers"  outermost first; "ether" cases start with "eth", "raw-ipv4" ones with "ipv4"

LAYER is an object with "type" and that layer's fields (default in brackets):
  eth      dst, src ("aa:bb:cc:dd:ee:ff"); ethertype [from the next layer: ipv4 0x0800,
           arp 0x0806; required before anything else]
  arp      op (1 request, 2 reply), sha, spa, tha, tpa; htype [1], ptype [0x0800]
           (hlen 6 and plen 4 are implied)
  ipv4     src, dst (dotted quad); ttl [64], tos [0], id [0],
           flags [""]: "" or names joined with "+" from RF, DF, MF (e.g. "DF", "MF"),
           frag [0]: fragment offset in 8-byte units,
           proto [from the next layer: tcp 6, udp 17, icmp 1; required otherwise],
           options [[]]: list of IPv4 options, padded with EOL to a 4-byte multiple:
             {"opt": "eol"} | {"opt": "nop"}
             {"opt": "rr", "pointer": P [4], "addrs": ["a.b.c.d", ...]}   (length 3 + 4n)
             {"opt": "ts", "pointer": P [5 or 9], "overflow": O [0], "flag": F [0],
              "addr": "a.b.c.d" (flag 1 or 3 only), "timestamp": T [0]}  (one entry, as scapy)
             {"opt": "ra", "value": V [0]}                                 (router alert)
  tcp      sport, dport; seq [0], ack [0], flags [""]: letters from "FSRPAUEC",
           window [65535], urg_ptr [0], options [[]], padded with EOL to a 4-byte multiple:
             {"opt": "eol"} | {"opt": "nop"} | {"opt": "mss", "value": M}
             {"opt": "wscale", "value": W} | {"opt": "sack_perm"}
             {"opt": "ts", "val": V, "ecr": E} | {"opt": "sack", "blocks": [[L, R], ...]}
  udp      sport, dport
  icmp     icmp_type [8], code [0], id [0], seq [0] (bytes 4..7 = id << 16 | seq; scapy knows
           id and seq only for echo-like types 0, 8, 13..18, so other types keep them 0)
  payload  hex: the bytes as hex digits ("" allowed)

Regenerate with ci/regen-goldens (never edit a golden by hand).
"""

from txpgen import Case

COMPONENT = "pkt"

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"
BCAST = "ff:ff:ff:ff:ff:ff"
IP_A = "192.0.2.1"
IP_B = "198.51.100.7"

_ETHERTYPE = {"ipv4": 0x0800, "arp": 0x0806}
_PROTO = {"tcp": 6, "udp": 17, "icmp": 1}
# ICMP types whose bytes 4..7 scapy models as id and seq (other types: keep id and seq 0).
_ICMP_ID_SEQ_TYPES = (0, 8, 13, 14, 15, 16, 17, 18)


def _ip_flags(s):
    return s if s else 0


def _ip_option(o):
    from scapy.layers.inet import (IPOption_EOL, IPOption_NOP, IPOption_Router_Alert,
                                   IPOption_RR, IPOption_Timestamp)

    k = o["opt"]
    if k == "eol":
        return IPOption_EOL()
    if k == "nop":
        return IPOption_NOP()
    if k == "rr":
        return IPOption_RR(pointer=o.get("pointer", 4), routers=list(o["addrs"]))
    if k == "ts":
        flag = o.get("flag", 0)
        kw = dict(pointer=o.get("pointer", 5 if flag == 0 else 9), oflw=o.get("overflow", 0),
                  flg=flag, timestamp=o.get("timestamp", 0))
        if flag != 0:
            kw["internet_address"] = o["addr"]
        return IPOption_Timestamp(**kw)
    if k == "ra":
        return IPOption_Router_Alert(alert=o.get("value", 0))
    raise ValueError("unknown ipv4 option %r" % k)


def _tcp_option(o):
    k = o["opt"]
    if k == "eol":
        return ("EOL", None)
    if k == "nop":
        return ("NOP", None)
    if k == "mss":
        return ("MSS", o["value"])
    if k == "wscale":
        return ("WScale", o["value"])
    if k == "sack_perm":
        return ("SAckOK", b"")
    if k == "ts":
        return ("Timestamp", (o["val"], o["ecr"]))
    if k == "sack":
        return ("SAck", tuple(x for b in o["blocks"] for x in b))
    raise ValueError("unknown tcp option %r" % k)


def _layer(lay, nxt):
    """Scapy layer for one JSON layer; @nxt is the next layer's type or None."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw

    t = lay["type"]
    if t == "eth":
        kw = dict(dst=lay["dst"], src=lay["src"])
        kw["type"] = lay["ethertype"] if "ethertype" in lay else _ETHERTYPE[nxt]
        return Ether(**kw)
    if t == "arp":
        return ARP(hwtype=lay.get("htype", 1), ptype=lay.get("ptype", 0x0800), hwlen=6, plen=4,
                   op=lay["op"], hwsrc=lay["sha"], psrc=lay["spa"], hwdst=lay["tha"],
                   pdst=lay["tpa"])
    if t == "ipv4":
        proto = lay["proto"] if "proto" in lay else _PROTO[nxt]
        return IP(version=4, tos=lay.get("tos", 0), id=lay.get("id", 0),
                  flags=_ip_flags(lay.get("flags", "")), frag=lay.get("frag", 0),
                  ttl=lay.get("ttl", 64), proto=proto, src=lay["src"], dst=lay["dst"],
                  options=[_ip_option(o) for o in lay.get("options", [])])
    if t == "tcp":
        return TCP(sport=lay["sport"], dport=lay["dport"], seq=lay.get("seq", 0),
                   ack=lay.get("ack", 0), flags=lay.get("flags", ""),
                   window=lay.get("window", 65535), urgptr=lay.get("urg_ptr", 0),
                   options=[_tcp_option(o) for o in lay.get("options", [])])
    if t == "udp":
        return UDP(sport=lay["sport"], dport=lay["dport"])
    if t == "icmp":
        if lay.get("icmp_type", 8) not in _ICMP_ID_SEQ_TYPES and (lay.get("id") or lay.get("seq")):
            raise ValueError("icmp id/seq: scapy has them only for types %s" % _ICMP_ID_SEQ_TYPES)
        return ICMP(type=lay.get("icmp_type", 8), code=lay.get("code", 0), id=lay.get("id", 0),
                    seq=lay.get("seq", 0))
    if t == "payload":
        return Raw(load=bytes.fromhex(lay["hex"]))
    raise ValueError("unknown layer type %r" % t)


def to_scapy(pkt):
    from scapy.packet import Padding

    layers = pkt["layers"]
    p = None
    for i, lay in enumerate(layers):
        nxt = layers[i + 1]["type"] if i + 1 < len(layers) else None
        s = _layer(lay, nxt)
        p = s if p is None else p / s
    if "pad_to" in pkt and len(p) < pkt["pad_to"]:
        p = p / Padding(load=b"\x00" * (pkt["pad_to"] - len(p)))
    return p


def case(name, description, packets, link="ether"):
    """A pkt case from a list of packets (each: layers, optional pad_to); ts = i ms."""
    pk = []
    for i, p in enumerate(packets):
        d = dict(p)
        d["ts_ns"] = i * 1000000
        pk.append(d)
    return Case(name=name, description=description, link=link, payload={"packets": pk},
                packets=lambda: [to_scapy(p) for p in pk], ts_ns=[p["ts_ns"] for p in pk])


def eth(dst=MAC_B, src=MAC_A, **kw):
    d = {"type": "eth", "dst": dst, "src": src}
    d.update(kw)
    return d


def ipv4(src=IP_A, dst=IP_B, **kw):
    d = {"type": "ipv4", "src": src, "dst": dst}
    d.update(kw)
    return d


def tcp(sport, dport, **kw):
    d = {"type": "tcp", "sport": sport, "dport": dport}
    d.update(kw)
    return d


def udp(sport, dport):
    return {"type": "udp", "sport": sport, "dport": dport}


def payload(data):
    if isinstance(data, str):
        data = data.encode("ascii")
    return {"type": "payload", "hex": data.hex()}


NOP = {"opt": "nop"}

# Linux's SYN option layout (tcp_options_write with SACK, timestamps and window scaling):
# MSS, SACK_PERM + TS (kind 4 len 2 then kind 8 len 10), NOP, WS.
LINUX_SYN_OPTS = [{"opt": "mss", "value": 1460}, {"opt": "sack_perm"},
                  {"opt": "ts", "val": 2000000001, "ecr": 0}, NOP, {"opt": "wscale", "value": 7}]

PING_DATA = bytes(range(0x10, 0x10 + 48))  # iputils ping's pattern after the 8-byte stamp

CASES = [
    case("arp-request", "Ethernet broadcast ARP who-has 198.51.100.7 tell 192.0.2.1",
         [{"layers": [eth(dst=BCAST),
                      {"type": "arp", "op": 1, "sha": MAC_A, "spa": IP_A,
                       "tha": "00:00:00:00:00:00", "tpa": IP_B}]}]),
    case("arp-reply", "ARP reply 198.51.100.7 is-at 02:00:00:00:00:02, unicast",
         [{"layers": [eth(dst=MAC_A, src=MAC_B),
                      {"type": "arp", "op": 2, "sha": MAC_B, "spa": IP_B, "tha": MAC_A,
                       "tpa": IP_A}]}]),
    case("arp-request-padded", "ARP request zero-padded to the 60-byte Ethernet minimum",
         [{"pad_to": 60,
           "layers": [eth(dst=BCAST),
                      {"type": "arp", "op": 1, "sha": MAC_A, "spa": IP_A,
                       "tha": "00:00:00:00:00:00", "tpa": "192.0.2.254"}]}]),
    case("ipv4-udp", "IPv4 (DF, id 0x1c46) + UDP 5353 -> 53 with a 29-byte DNS query",
         [{"layers": [eth(), ipv4(id=0x1c46, flags="DF"), udp(5353, 53),
                      payload(bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d"
                                            "0000010001"))]}]),
    case("tcp-syn-linux-opts",
         "TCP SYN with Linux's option layout: MSS 1460, SACK_PERM, TS, NOP, WS 7 (doff 10)",
         [{"layers": [eth(), ipv4(id=0, flags="DF"),
                      tcp(40000, 80, seq=0x1a2b3c4d, flags="S", window=64240,
                          options=LINUX_SYN_OPTS)]}]),
    case("tcp-established-ts",
         "Established TCP ACK with NOP NOP TS (doff 8), as Linux sends on a TS connection",
         [{"layers": [eth(), ipv4(id=0x4d2, flags="DF"),
                      tcp(40000, 80, seq=0x1a2b3c4e, ack=0x99887766, flags="A", window=502,
                          options=[NOP, NOP, {"opt": "ts", "val": 2000000100,
                                              "ecr": 3000000007}])]}]),
    case("tcp-psh-payload", "TCP PSH|ACK carrying an HTTP request, NOP NOP TS",
         [{"layers": [eth(), ipv4(id=0x4d3, flags="DF"),
                      tcp(40000, 80, seq=0x1a2b3c4e, ack=0x99887766, flags="PA", window=502,
                          options=[NOP, NOP, {"opt": "ts", "val": 2000000101,
                                              "ecr": 3000000007}]),
                      payload("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")]}]),
    case("tcp-sack-fin-rst",
         "Three TCP segments: ACK with NOP NOP TS NOP NOP SACK (2 blocks), FIN|ACK, RST",
         [{"layers": [eth(), ipv4(id=7, flags="DF"),
                      tcp(443, 51000, seq=1000, ack=5000, flags="A", window=1024,
                          options=[NOP, NOP, {"opt": "ts", "val": 11, "ecr": 22}, NOP, NOP,
                                   {"opt": "sack", "blocks": [[6000, 7000], [8000, 9000]]}])]},
          {"layers": [eth(), ipv4(id=8, flags="DF"),
                      tcp(443, 51000, seq=1000, ack=5000, flags="FA", window=1024)]},
          {"layers": [eth(), ipv4(id=9, flags="DF"),
                      tcp(443, 51000, seq=1001, flags="R", window=0)]}]),
    case("icmp-echo", "ICMP echo request id 0x0b1d seq 1 with a 56-byte ping payload",
         [{"layers": [eth(), ipv4(id=0xbeef, flags="DF"),
                      {"type": "icmp", "icmp_type": 8, "code": 0, "id": 0x0b1d, "seq": 1},
                      payload(bytes.fromhex("6a00000000000000") + PING_DATA)]}]),
    case("icmp-echo-reply", "ICMP echo reply, no DF, TTL 63",
         [{"layers": [eth(dst=MAC_A, src=MAC_B), ipv4(src=IP_B, dst=IP_A, id=0x3344, ttl=63),
                      {"type": "icmp", "icmp_type": 0, "id": 0x0b1d, "seq": 1},
                      payload(PING_DATA)]}]),
    case("ipv4-opt-rr",
         "ping -R: ICMP echo with a Record Route option, 9 empty slots, pointer 4 (len 39 + EOL)",
         [{"layers": [eth(), ipv4(id=0x100, flags="DF",
                                  options=[{"opt": "rr", "pointer": 4,
                                            "addrs": ["0.0.0.0"] * 9}]),
                      {"type": "icmp", "id": 0x77, "seq": 1}, payload(PING_DATA[:16])]}]),
    case("ipv4-opt-ts",
         "IPv4 timestamp options: TS-only (flag 0, len 8) and TS+address (flag 1, len 12, "
         "one slot filled, overflow 2)",
         [{"layers": [eth(), ipv4(id=0x200, options=[{"opt": "ts", "pointer": 5, "flag": 0,
                                                      "timestamp": 0}]),
                      {"type": "icmp", "id": 0x78, "seq": 1}, payload(PING_DATA[:8])]},
          {"layers": [eth(), ipv4(id=0x201, options=[{"opt": "ts", "pointer": 13, "flag": 1,
                                                      "overflow": 2, "addr": "203.0.113.9",
                                                      "timestamp": 36000000}]),
                      {"type": "icmp", "id": 0x78, "seq": 2}, payload(PING_DATA[:8])]}]),
    case("ipv4-opt-ra",
         "IPv4 Router Alert option (type 148, len 4, value 0), TTL 1, TOS 0xc0, UDP to a group",
         [{"layers": [eth(dst="01:00:5e:00:00:16"),
                      ipv4(dst="224.0.0.22", ttl=1, tos=0xc0, options=[{"opt": "ra"}]),
                      udp(1698, 1698), payload("rsvp")]}]),
    case("ipv4-opt-nop-eol",
         "IPv4 options NOP, NOP, router alert, EOL (then EOL padding): 8 option bytes",
         [{"layers": [eth(), ipv4(id=0x300, options=[NOP, NOP, {"opt": "ra", "value": 1},
                                                      {"opt": "eol"}]),
                      udp(1000, 2000), payload("x")]}]),
    case("ipv4-frag-first",
         "First fragment: MF set, offset 0, UDP header and 24 data bytes (UDP length and "
         "checksum over the bytes present)",
         [{"layers": [eth(), ipv4(id=0xabcd, flags="MF"), udp(7000, 7001),
                      payload(bytes(range(24)))]}]),
    case("ipv4-frag-nonfirst",
         "Non-first fragment: offset 4 (32 bytes), MF clear, protocol 17, no L4 header",
         [{"layers": [eth(), ipv4(id=0xabcd, frag=4, proto=17),
                      payload(bytes(range(32, 32 + 20)))]}]),
    case("raw-ipv4-udp", "Raw IPv4 link (LINKTYPE_IPV4 228): IPv4 + UDP, no Ethernet header",
         [{"layers": [ipv4(id=0x5151, flags="DF", ttl=255), udp(123, 123),
                      payload(bytes.fromhex("e30004fa000100000001000000000000") + bytes(32))]}],
         link="raw-ipv4"),
    case("odd-length-payload",
         "Odd-length payloads: TCP with 13 bytes and UDP with 1 byte (checksum pads a zero "
         "byte)",
         [{"layers": [eth(), ipv4(id=0x10, flags="DF"),
                      tcp(2000, 3000, seq=1, ack=1, flags="PA", window=512),
                      payload("hello, world!")]},
          {"layers": [eth(), ipv4(id=0x11, flags="DF"), udp(2000, 3000), payload("Z")]}]),
    case("ipv4-tos-dscp-ecn",
         "TOS byte: DSCP EF + ECT(1) (0xb9) on UDP, DSCP AF41 + CE (0x8b) on TCP with ECE|CWR",
         [{"layers": [eth(), ipv4(id=0x20, tos=0xb9, flags="DF"), udp(16384, 16385),
                      payload(bytes(range(12)))]},
          {"layers": [eth(), ipv4(id=0x21, tos=0x8b, flags="DF"),
                      tcp(5000, 6000, seq=77, ack=88, flags="AEC", window=1000)]}]),
    case("udp-empty-payload", "UDP with a zero-length payload (length 8), no Ethernet padding",
         [{"layers": [eth(), ipv4(id=0x30), udp(9, 9)]}]),
    case("eth-pad-udp-empty",
         "UDP with no payload zero-padded to 60 bytes: the IPv4 and UDP lengths exclude the "
         "padding",
         [{"pad_to": 60, "layers": [eth(), ipv4(id=0x31), udp(9, 9)]}]),
]
