# SPDX-License-Identifier: MIT
"""Golden cases for components/ip: the IPv4 packets a UDP socket puts on the wire.

Scapy builds every expected packet from first principles with its own layers (IP with its
option classes, UDP, Raw); scapy's fragment() is not used. The rules written out here are
Linux's (linux-facts 2.1-2.4, and a live check on 6.18.44 of the option layouts, the UDP
pseudo-header and the IDs, see components/ip/kernel/ip.sh):

  - header: version 4, TOS, TTL = IP_TTL, else the route hop limit, else 64; multicast 1;
    DF under WANT when the datagram fits the MTU (and the MTU is not locked), always under
    DO/PROBE, never under DONT;
  - ID: a connected socket's counter, incremented before use (atomic_add_return); an
    unconnected socket under DO/PROBE sends ID 0 (DF without ignore_df);
  - options as a sending socket fills them: RR gets our address in its first slot (pointer
    + 4); TS gets the time in ms since midnight (TSONLY), our address and the time
    (TSANDADDR), or the time after a prespecified address equal to ours (PRESPEC); a source
    route's first address becomes the header's destination, the others move up a slot and
    the real destination goes in the last one; the list is padded with EOL to 4 bytes;
  - UDP checksum over the pseudo-header with the header's destination (the first hop of a
    source route: udp_send_skb uses fl4->daddr), 0 sent as 0xFFFF;
  - fragments: data per non-last fragment = (MTU - header) rounded down to 8, the last takes
    the rest; MF on all but the last (the last keeps an input MF); offsets in 8-byte units;
    DF cleared; every fragment keeps the header length, and options without the copy bit
    (0x80) become NOP bytes after the first fragment.

case.json layout (component "ip", link "raw-ipv4"):

  {"mode": "udp" | "fragment",
   udp:      "saddr", "daddr", "sport", "dport", "mtu", "mtu_locked", "hoplimit", "pmtudisc",
             "ttl", "mc_ttl", "tos", "connected", "inet_id", "options" (hex, as given to
             IP_OPTIONS), "now_ns",
             "sends": [{"len": N} or {"hex": "..."}, "more": 0|1, "rc": "TXP_EMSGSIZE"]
             send k of length N carries bytes (7 * i + 13 * k + 1) & 0xFF
   fragment: "input" (hex of a whole IPv4 datagram), "mtu", "ignore_df"}

Output packets are written at i ms. Regenerate with ci/regen-goldens.
"""
import socket
import struct

from txpgen import Case

COMPONENT = "ip"
SADDR = "10.200.0.1"
DADDR = "10.200.0.2"
NOW_NS = (3 * 86400000 + 45296789) * 1000000  # 12:34:56.789 UT on day 3


def ip2b(a):
    return socket.inet_aton(a)


def pattern(n, k):
    return bytes((7 * i + 13 * k + 1) & 0xFF for i in range(n))


# ---- options: what IP_OPTIONS is given, and what the wire carries ----

def compile_fill(raw, saddr, daddr, now_ns):
    """Return (wire option items [(bytes, copied)], first hop) for the raw IP_OPTIONS bytes."""
    items = []
    hop = daddr
    b = bytearray(raw + bytes((4 - len(raw) % 4) % 4))
    i = 0
    ms = (now_ns // 1000000) % 86400000
    while i < len(b):
        t = b[i]
        if t == 0:
            items.append((bytes(len(b) - i), False))
            break
        if t == 1:
            items.append((b"\x01", False))
            i += 1
            continue
        ln = b[i + 1]
        o = bytearray(b[i:i + ln])
        if t in (131, 137):
            hop = socket.inet_ntoa(bytes(o[3:7]))
            addrs = [bytes(o[j:j + 4]) for j in range(7, ln, 4)] + [ip2b(daddr)]
            cls = {131: "IPOption_LSRR", 137: "IPOption_SSRR"}[t]
            items.append((("scapy", cls, [socket.inet_ntoa(a) for a in addrs]), True))
        elif t == 7:
            p = o[2]
            if p <= ln:
                o[p - 1:p + 3] = ip2b(saddr)
                o[2] = p + 4
            items.append((bytes(o), False))
        elif t == 68:
            p, flg = o[2], o[3] & 15
            if p <= ln:
                if flg == 0:
                    o[p - 1:p + 3] = struct.pack(">I", ms)
                    o[2] = p + 4
                elif flg == 1:
                    o[p - 1:p + 3] = ip2b(saddr)
                    o[p + 3:p + 7] = struct.pack(">I", ms)
                    o[2] = p + 8
                elif flg == 3 and bytes(o[p - 1:p + 3]) == ip2b(saddr):
                    o[p + 3:p + 7] = struct.pack(">I", ms)
                    o[2] = p + 8
            items.append((bytes(o), False))
        else:
            items.append((bytes(o), bool(t & 0x80)))
        i += ln
    return items, hop


def scapy_options(items, later):
    """Scapy option objects for the first fragment, or NOPs for non-copied ones (later)."""
    from scapy.all import IPOption, IPOption_EOL, IPOption_LSRR, IPOption_SSRR, IPOption_NOP
    out = []
    for body, copied in items:
        if not isinstance(body, tuple) and body[0] == 0:
            out.extend(IPOption_EOL() for _ in body)
        elif isinstance(body, tuple):
            cls = {"IPOption_LSRR": IPOption_LSRR, "IPOption_SSRR": IPOption_SSRR}[body[1]]
            out.append(cls(pointer=4, routers=body[2]))
        elif later and not copied and body[0] != 0:
            out.extend(IPOption_NOP() for _ in body)
        else:
            out.append(IPOption(body))
    return out


def fragments(hdr, opts_items, l4, mtu, off0=0, mf_last=False):
    """The packets of one datagram at @mtu, each built with scapy's IP layer."""
    from scapy.all import IP, Raw
    first = IP(options=scapy_options(opts_items, False))
    hlen = len(bytes(first)) if opts_items else 20
    if hlen + len(l4) <= mtu:
        return [IP(options=scapy_options(opts_items, False), frag=off0 // 8,
                   flags=hdr["flags"] | (1 if mf_last else 0), **hdr["f"]) / Raw(l4)]
    step = (mtu - hlen) & ~7
    pkts = []
    pos = 0
    while pos < len(l4):
        rest = len(l4) - pos
        n = rest if rest <= mtu - hlen else step
        last = pos + n == len(l4)
        mf = 0 if last and not mf_last else 1
        pkts.append(IP(options=scapy_options(opts_items, pos > 0), frag=(off0 + pos) // 8,
                       flags=mf, **hdr["f"]) / Raw(l4[pos:pos + n]))
        pos += n
    return pkts


def udp_case(name, description, sends, mtu=1500, options=b"", pmtudisc=1, connected=1,
             inet_id=4660, ttl=-1, mc_ttl=-1, hoplimit=0, tos=0, daddr=DADDR, locked=0):
    from scapy.all import IP, UDP, Raw

    payload = {"mode": "udp", "saddr": SADDR, "daddr": daddr, "sport": 40000, "dport": 9,
               "mtu": mtu, "mtu_locked": locked, "hoplimit": hoplimit, "pmtudisc": pmtudisc,
               "ttl": ttl, "mc_ttl": mc_ttl, "tos": tos, "connected": connected,
               "inet_id": inet_id, "options": options.hex(), "now_ns": NOW_NS,
               "sends": sends}

    def packets():
        items, hop = compile_fill(options, SADDR, daddr, NOW_NS)
        hlen = 20 + ((len(options) + 3) & ~3)
        ident = inet_id
        pend = b""
        out = []
        for k, s in enumerate(sends):
            data = bytes.fromhex(s["hex"]) if "hex" in s else pattern(s["len"], k)
            if s.get("rc"):
                pend = b""
                continue
            pend += data
            if s.get("more"):
                continue
            # UDP over the header's destination (the first hop), checksum by scapy
            l4 = bytes(IP(src=SADDR, dst=hop) / UDP(sport=40000, dport=9) / Raw(pend))[20:]
            pend = b""
            tot = hlen + len(l4)
            if daddr.startswith(("224.", "225.", "239.")):
                t = 1 if mc_ttl < 0 else mc_ttl
            else:
                t = ttl if ttl > 0 else (hoplimit or 64)
            df = pmtudisc in (2, 3) or (pmtudisc == 1 and not locked and tot <= mtu)
            if connected:
                ident = (ident + 1) & 0xFFFF
                pid = ident
            else:
                assert pmtudisc in (2, 3), "unconnected IDs are only predictable with DF"
                pid = 0
            hdr = {"flags": 2 if df else 0,
                   "f": dict(src=SADDR, dst=hop, tos=tos, ttl=t, id=pid, proto=17)}
            out.extend(fragments(hdr, items, l4, mtu))
        return out

    return Case(name=name, description=description, link="raw-ipv4", payload=payload,
                packets=packets)


def frag_case(name, description, opts, data_len, mtu, frag_off=0, mf=0, df=0, ignore_df=0):
    from scapy.all import IP, IPOption, Raw
    # the input datagram: raw option bytes as given (no socket filling), scapy layers
    f = dict(src=SADDR, dst=DADDR, tos=0x28, ttl=9, id=0xBEEF, proto=253)
    data = pattern(data_len, 5)
    inp = IP(options=[IPOption(o) for o in split_opts(opts)],
             flags=(2 if df else 0) | (1 if mf else 0), frag=frag_off // 8, **f) / Raw(data)
    items = [(bytes(o), bool(bytes(o)[0] & 0x80)) for o in split_opts(opts)]
    payload = {"mode": "fragment", "input": bytes(inp).hex(), "mtu": mtu, "ignore_df": ignore_df}

    def packets():
        return fragments({"flags": 0, "f": f}, items, data, mtu, off0=frag_off, mf_last=bool(mf))

    return Case(name=name, description=description, link="raw-ipv4", payload=payload,
                packets=packets)


def split_opts(raw):
    """Raw option bytes (padded) split into options, for the fragment-mode cases."""
    b = raw + bytes((4 - len(raw) % 4) % 4)
    out = []
    i = 0
    while i < len(b):
        if b[i] == 0:
            out.append(b[i:])
            break
        if b[i] == 1:
            out.append(b[i:i + 1])
            i += 1
            continue
        out.append(b[i:i + b[i + 1]])
        i += b[i + 1]
    return out


RR = bytes([7, 11, 4]) + bytes(8)
TS_ONLY = bytes([68, 12, 5, 0]) + bytes(8)
TS_ADDR = bytes([68, 20, 5, 1]) + bytes(16)
TS_PRESPEC = bytes([68, 20, 5, 3]) + ip2b(SADDR) + bytes(4) + ip2b("10.200.0.9") + bytes(4)
LSRR = bytes([131, 11, 4]) + ip2b("10.200.0.7") + ip2b("10.77.0.5")
SSRR = bytes([137, 7, 4]) + ip2b("10.200.0.7")
RA = bytes([148, 4, 0, 0])


def around(mtu):
    """UDP payload sizes around the one-packet limit and the two-fragment limit."""
    room = mtu - 20
    step = room & ~7
    two = step + room - 8  # the largest payload that makes two fragments
    return [{"len": n} for n in (mtu - 29, mtu - 28, mtu - 27, two, two + 1, 2 * step - 8 + 1)]


def zero_csum_payload():
    """Two payload bytes for which the UDP checksum computes to 0 (so 0xFFFF is sent)."""
    from scapy.all import IP, UDP, Raw
    c = bytes(IP(src=SADDR, dst=DADDR) / UDP(sport=40000, dport=9) / Raw(b"\0\0"))[26:28]
    return c.hex()


CASES = [
    udp_case("udp-small-df", "100-byte UDP, WANT: DF, TTL 64, connected ID counter", [{"len": 100}]),
    udp_case("udp-3000-mtu1500", "3000-byte UDP at MTU 1500: 1500/1500/68 without DF "
             "(linux-facts 2.4)", [{"len": 3000}]),
    udp_case("frag-mtu576", "sizes around 576's fragment boundaries", around(576), mtu=576),
    udp_case("frag-mtu1280", "sizes around 1280's fragment boundaries", around(1280), mtu=1280),
    udp_case("frag-mtu1500", "sizes around 1500's fragment boundaries", around(1500), mtu=1500),
    udp_case("frag-mtu9000", "sizes around 9000's fragment boundaries", around(9000), mtu=9000),
    udp_case("frag-mtu68", "the smallest MTU: 48 data bytes per fragment", [{"len": 200}], mtu=68),
    udp_case("frag-max-datagram", "65507 bytes, the largest UDP payload, at MTU 9000",
             [{"len": 65507}], mtu=9000),
    udp_case("opt-rr", "record route: our address in the first slot", [{"len": 20}], options=RR),
    udp_case("opt-ts-only", "timestamp, flag 0", [{"len": 20}], options=TS_ONLY),
    udp_case("opt-ts-addr", "timestamp, flag 1 (address + time)", [{"len": 20}], options=TS_ADDR),
    udp_case("opt-ts-prespec", "timestamp, flag 3: only our prespecified entry is stamped",
             [{"len": 20}], options=TS_PRESPEC),
    udp_case("opt-lsrr", "loose source route: first hop in the header, destination last",
             [{"len": 20}], options=LSRR),
    udp_case("opt-ssrr", "strict source route with one hop", [{"len": 20}], options=SSRR),
    udp_case("opt-ra", "router alert", [{"len": 20}], options=RA),
    udp_case("opt-nop-eol", "NOPs, and an EOL that turns the rest into EOL",
             [{"len": 20}], options=bytes([1, 1, 148, 4, 0, 0, 0, 7, 7])),
    udp_case("opt-frag-copied", "LSRR + RA (copied) and RR + TS (not copied) over MTU 576: "
             "later fragments carry NOPs in place of RR and TS",
             [{"len": 1200}], mtu=576, options=RR + RA + LSRR + bytes([1]) + TS_ONLY),
    udp_case("opt-frag-not-copied", "RR only over MTU 576: later fragments all NOPs",
             [{"len": 1000}], mtu=576, options=RR),
    udp_case("udp-zero-csum", "a payload whose UDP checksum computes to 0: sent as 0xFFFF",
             [{"hex": zero_csum_payload()}]),
    udp_case("udp-multicast-ttl", "to 224.0.0.9: TTL 1 although IP_TTL is 200",
             [{"len": 30}], daddr="224.0.0.9", ttl=200),
    udp_case("udp-ttl-tos-hoplimit", "route hop limit 33, TOS 0x10", [{"len": 30}],
             hoplimit=33, tos=0x10),
    udp_case("pmtu-do-emsgsize", "DO: 1473 bytes is EMSGSIZE (nothing sent), 1472 fits with DF",
             [{"len": 1473, "rc": "TXP_EMSGSIZE"}, {"len": 1472}], pmtudisc=2),
    udp_case("pmtu-dont", "DONT: no DF", [{"len": 100}], pmtudisc=0),
    udp_case("pmtu-want-locked", "WANT with a locked MTU: no DF", [{"len": 100}], locked=1),
    udp_case("pmtu-probe-unconnected", "PROBE, unconnected: DF and ID 0", [{"len": 100}],
             pmtudisc=3, connected=0),
    udp_case("udp-msg-more", "MSG_MORE twice then a send: one datagram of 3 parts",
             [{"len": 700, "more": 1}, {"len": 900, "more": 1}, {"len": 10}]),
    frag_case("fragment-refrag", "a non-last fragment (offset 1480, MF) refragmented at 576: "
              "offsets add, the last keeps MF", b"", 1480, 576, frag_off=1480, mf=1),
    frag_case("fragment-ignore-df", "a DF datagram fragmented with ignore_df: DF cleared",
              RA, 2000, 1280, df=1, ignore_df=1),
]
