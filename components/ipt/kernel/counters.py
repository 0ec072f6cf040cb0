#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Helper of components/ipt/kernel/counters.sh (the differential counter test).

  counters.py gen SEED DIR     write DIR/rules (an iptables-restore file) and DIR/packets.pcap
                               (LINKTYPE_IPV4), both deterministic functions of SEED
  counters.py send PCAP        send every packet of PCAP, in order, through a raw socket
                               (IPPROTO_RAW, so IP_HDRINCL; IP_NODEFRAG so that fragments reach
                               the hooks unreassembled); a refused send (EPERM: dropped on
                               OUTPUT) is expected and ignored
  counters.py compare KERNEL TXPATH
                               compare two `iptables-save -c` texts (comment lines ignored):
                               every chain policy and rule counter, then the rule texts; prints
                               each difference with its table, chain and rule, exit 1 if any

The rulesets use every match and target txpath supports that can be exercised on OUTPUT and
POSTROUTING (see rules() below; not REDIRECT, whose loopback delivery would answer the
packets, nor mac, which OUTPUT refuses), with nested user chains, -j and -g, RETURN and
negations; the packets are chosen to hit them. Conntrack is kept predictable for both sides:
every TCP packet is a flow of its own (first packets SYN or ACK only, which conntrack accepts
as NEW), ICMP echo and timestamp requests carry distinct ids, UDP flows repeat and some get a
reply-direction packet (ESTABLISHED afterwards), NAT only touches destinations 10.50/16,
10.51/16, 10.60/16, 10.80/16. UDP fragments (first and non-first) go out unreassembled, so
nf_conntrack gives them no conntrack (INVALID, no NAT). Sources are 10.98.0.0/16 (routed) or
10.99.0.0/16, which the test blackholes so that the ICMP errors and TCP resets of REJECT (which
only matches 10.99/16 sources) are never sent (their route lookup fails) and so never counted.
Only pure Python (no scapy): it starts fast.
"""
import errno
import random
import socket
import struct
import sys

LINKTYPE_IPV4 = 228


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def aton(s):
    return socket.inet_aton(s)


def ipv4(src, dst, proto, l4, tos=0, ttl=64, ident=1, frag=0, mf=False, df=False):
    tot = 20 + len(l4)
    fo = frag | (0x2000 if mf else 0) | (0x4000 if df else 0)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, tot, ident, fo, ttl, proto, 0, aton(src),
                    aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def l4csum(src, dst, proto, seg, pos):
    ph = aton(src) + aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    c = csum(ph + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:pos] + struct.pack("!H", c) + seg[pos + 2:]


def udp(src, dst, sport, dport, n=10, **ip):
    seg = struct.pack("!HHHH", sport, dport, 8 + n, 0) + b"u" * n
    return ipv4(src, dst, 17, l4csum(src, dst, 17, seg, 6), **ip)


TCPF = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32}


def tcp(src, dst, sport, dport, flags="S", opts=b"", n=0, **ip):
    opts += b"\0" * (-len(opts) % 4)
    fl = sum(TCPF[c] for c in flags)
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0 if "A" not in flags else 1,
                      (5 + len(opts) // 4) << 4, fl, 8192, 0, 0) + opts + b"t" * n
    return ipv4(src, dst, 6, l4csum(src, dst, 6, seg, 16), **ip)


def icmp(src, dst, typ, code, echo_id, n=8, **ip):
    m = struct.pack("!BBHHH", typ, code, 0, echo_id, 1) + b"p" * n
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return ipv4(src, dst, 1, m, **ip)


def frag_udp(src, dst, sport, dport, off, mf, ident, n=16):
    """A raw fragment: offset @off (8-byte units); offset 0 carries the UDP header, whose
    length covers this fragment only (a longer one makes conntrack's udp_error call the
    truncated packet INVALID, which the minimal conntrack does not model)."""
    if off == 0:
        seg = struct.pack("!HHHH", sport, dport, 8 + n, 0) + b"f" * n
    else:
        seg = b"g" * n
    return ipv4(src, dst, 17, seg, ident=ident, frag=off, mf=mf)


# ---------------------------------------------------------------- the ruleset

def rules(r):
    """A ruleset in iptables-save's canonical form; @r is the seed's random.Random."""
    ports = r.sample([22, 25, 53, 80, 123, 443, 8080, 9000], 4)
    plen = r.choice([8, 12, 16])
    fpol = r.choice(["ACCEPT", "DROP"])
    use_nat = r.random() < 0.75
    lim = r.choice([2, 3, 4])
    length_cut = r.choice([60, 100, 200])
    ttl_cut = r.choice([5, 10, 32])
    t = []
    t += ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
          "-A OUTPUT -p udp -m udp --dport 5300 -j CT --notrack",
          "-A OUTPUT -d 10.11.0.0/16 -j DROP",
          "-A OUTPUT -p icmp",
          "COMMIT"]
    t += ["*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]",
          ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", ":mrk - [0:0]",
          "-A OUTPUT -p udp -m multiport --dports %d,%d,8000:8100 -j MARK --set-xmark "
          "0x1/0xffffffff" % (ports[0], ports[1]),
          "-A OUTPUT -m length --length 0:%d -j MARK --set-xmark 0x10/0x10" % length_cut,
          "-A OUTPUT -p udp -m udp --dport 5001 -j TOS --set-tos 0x10/0x3f",
          "-A OUTPUT -p udp -m udp --dport 5002 -j DSCP --set-dscp 0x2e",
          "-A OUTPUT -m tos --tos 0x10/0x3f -j TTL --ttl-set %d" % (ttl_cut - 1),
          "-A OUTPUT -m dscp --dscp 0x2e -j TTL --ttl-dec 1",
          "-A OUTPUT -m mark ! --mark 0x0/0xff -j mrk",
          "-A POSTROUTING -m ttl --ttl-lt %d -j TTL --ttl-inc 10" % ttl_cut,
          "-A POSTROUTING -m ttl --ttl-gt 200 -j DSCP --set-dscp 0x0a",
          "-A POSTROUTING -o d0 -m mark --mark 0x10/0x10",
          "-A POSTROUTING ! -o d+ -j DROP",
          "-A mrk -m connmark --mark 0x1 -j RETURN",
          "-A mrk -m mark --mark 0x1 -j CONNMARK --save-mark --nfmask 0xffffffff "
          "--ctmask 0xffffffff",
          "-A mrk -m mark --mark 0x1 -j RETURN",
          "-A mrk -p udp -j CONNMARK --set-xmark 0x20/0xff",
          "COMMIT"]
    if use_nat:
        t += ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
              ":POSTROUTING ACCEPT [0:0]",
              "-A OUTPUT -d 10.50.0.0/16 -p udp -j DNAT --to-destination 10.60.0.1",
              "-A OUTPUT -d 10.51.0.0/16 -p tcp -m tcp --dport 80 -j DNAT --to-destination "
              "10.60.0.2:8080",
              "-A POSTROUTING -d 10.80.0.0/16 -o d0 -j MASQUERADE",
              "-A POSTROUTING -d 10.60.0.0/16 -j SNAT --to-source 10.0.0.100",
              "COMMIT"]
    filt = [
        "-A OUTPUT -f -j fragchk",
        "-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "-A OUTPUT -m conntrack --ctstate INVALID -j DROP",
        "-A OUTPUT -m conntrack --ctstate UNTRACKED -j ACCEPT",
        "-A OUTPUT -p tcp -j tcpchk",
        "-A OUTPUT -p udp -g udpchk",
        "-A OUTPUT -p icmp -m icmp --icmp-type 8 -m limit --limit 2/min --limit-burst %d -j "
        "ACCEPT" % lim,
        "-A OUTPUT -p icmp -m icmp ! --icmp-type 13/0 -j DROP",
    ]
    tail = [
        "-A OUTPUT -m owner --uid-owner 0 -m length --length 1000:65535 -j DROP",
        "-A OUTPUT ! -s 10.98.0.0/16 -j LOG --log-prefix \"not98 \"",
        "-A OUTPUT -m iprange --dst-range 10.20.0.0-10.20.0.127 -j ACCEPT",
        "-A OUTPUT -m addrtype --dst-type UNICAST -m comment --comment \"unicast\"",
        "-A OUTPUT -m owner ! --gid-owner 5 -m mark --mark 0x10/0x10 -j ACCEPT",
        "-A OUTPUT -d 10.30.0.0/%d ! -o d0 -j ACCEPT" % plen,
        "-A OUTPUT -d 10.30.0.0/%d -o d+ -j ACCEPT" % plen,
        "-A OUTPUT -m pkttype --pkt-type unicast -m conntrack --ctstate NEW --ctdir ORIGINAL",
        "-A OUTPUT -m pkttype ! --pkt-type broadcast -m conntrack --ctdir REPLY",
    ]
    r.shuffle(tail)
    filt += tail
    filt += [
        "-A deep1 -s 10.98.0.0/17 -j RETURN",
        "-A deep1 -j deep2",
        "-A deep1 -d 10.40.0.0/16 -j DROP",
        "-A deep2 -p tcp -m tcp --sport 30000:39999 -j RETURN",
        "-A deep2 -m ttl --ttl-eq 64 -j ACCEPT",
        "-A deep2 -m ttl ! --ttl-eq 64 -g deep1ret",
        "-A deep1ret -j RETURN",
        "-A fragchk -f -p udp -j DROP",
        "-A fragchk ! -p udp -j ACCEPT",
        "-A tcpchk -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m multiport --dports %d,%d "
        "-j ACCEPT" % (ports[0], ports[2]),
        "-A tcpchk -p tcp -m tcp --tcp-option 8 -j deep1",
        "-A tcpchk -p tcp -m tcp ! --dport 1:1023 -j RETURN",
        "-A tcpchk -p tcp -m tcp --sport 40000:40010 --tcp-flags SYN,ACK ACK -j DROP",
        "-A tcpchk -s 10.99.0.0/16 -p tcp -j REJECT --reject-with tcp-reset",
        "-A tcpchk -p tcp -m multiport --ports %d -j deep1" % ports[3],
        "-A udpchk -s 10.99.0.0/16 -p udp -m udp --dport 7 -j REJECT --reject-with "
        "icmp-port-unreachable",
        "-A udpchk -s 10.99.0.0/16 -p udp -m udp --dport 9 -j REJECT --reject-with "
        "icmp-admin-prohibited",
        "-A udpchk -p udp -m multiport --sports 100:200,%d -j deep1" % ports[1],
        "-A udpchk -p udp -m udp ! --sport 1000:2000 --dport 5000:5999 -j ACCEPT",
        "-A udpchk -p udp -m connmark --mark 0x20/0xff -j RETURN",
        "-A udpchk ! -d 10.0.0.0/8 -j DROP",
    ]
    t += ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT %s [0:0]" % fpol,
          ":deep1 - [0:0]", ":deep1ret - [0:0]", ":deep2 - [0:0]", ":fragchk - [0:0]",
          ":tcpchk - [0:0]", ":udpchk - [0:0]"] + filt + ["COMMIT"]
    return "\n".join(t) + "\n"


# ---------------------------------------------------------------- the packets

def packets(r, n=100):
    out = []
    dsts = ["10.20.0.%d" % r.randrange(128), "10.20.0.%d" % r.randrange(128, 256),
            "10.30.%d.1" % r.randrange(32), "10.40.1.1", "10.11.2.2", "10.50.3.3", "10.51.4.4",
            "10.80.5.5", "10.60.6.6", "8.8.8.8",
            "10.70.%d.%d" % (r.randrange(4), r.randrange(256))]
    ports = [7, 9, 22, 25, 53, 80, 123, 443, 5001, 5002, 5300, 5500, 8080, 8050, 9000,
             r.randrange(1, 65536)]
    tcp_sport = [30000 + r.randrange(1000), 40000, 50000]
    icmp_id = [r.randrange(1, 1000)]
    ident = [1]
    udp_flows = []

    def src():
        return ("10.98.%d.%d" if r.random() < 0.8 else "10.99.%d.%d") % (r.randrange(256),
                                                                          r.randrange(1, 255))

    def ipkw():
        ident[0] += 1
        kw = {"ident": ident[0]}
        if r.random() < 0.3:
            kw["tos"] = r.choice([0x10, 0xb8, 0x03, 0x28])
        if r.random() < 0.3:
            kw["ttl"] = r.choice([1, 4, 9, 31, 64, 201, 255])
        return kw

    while len(out) < n:
        k = r.random()
        if k < 0.35:  # TCP: a flow of its own
            tcp_sport[r.randrange(3)] += 1
            sp = r.choice(tcp_sport)
            fl = r.choice(["S", "S", "A", "PA", "AU"])
            opt = r.choice([b"", b"\x02\x04\x05\xb4", b"\x01\x01\x08\x0a" + b"\0" * 8])
            out.append(tcp(src(), r.choice(dsts), sp, r.choice(ports), fl, opt,
                           n=r.choice([0, 20, 1200]), **ipkw()))
        elif k < 0.70:  # UDP: new flows, repeats, replies
            if udp_flows and r.random() < 0.4:
                s, d, sp, dp = r.choice(udp_flows)
                if (r.random() < 0.4 and s.startswith("10.98.") and
                        not d.startswith(("10.50.", "10.60.", "10.80."))):
                    s, d, sp, dp = d, s, dp, sp  # a reply-direction packet
                out.append(udp(s, d, sp, dp, n=r.choice([10, 80, 300]), **ipkw()))
            else:
                f = (src(), r.choice(dsts), r.choice([150, 1500, 4000, 33000, 53]),
                     r.choice(ports))
                udp_flows.append(f)
                out.append(udp(*f, n=r.choice([10, 80, 300, 1100]), **ipkw()))
        elif k < 0.85:  # ICMP echo (distinct ids) and timestamp requests
            icmp_id[0] += 1
            typ, code = r.choice([(8, 0), (8, 0), (8, 3), (13, 0), (13, 1)])
            out.append(icmp(src(), r.choice(dsts), typ, code, icmp_id[0], **ipkw()))
        else:  # fragments
            ident[0] += 1
            off, mf = r.choice([(0, True), (3, True), (100, False), (1, False)])
            out.append(frag_udp(src(), r.choice(dsts), 1234, r.choice(ports), off, mf, ident[0]))
    return out


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_IPV4))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 0, i, len(p), len(p)))
            f.write(p)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    o, out = 24, []
    while o + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[o:o + 16])
        out.append(data[o + 16:o + 16 + incl])
        o += 16 + incl
    return out


def send(path):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, 22, 1)  # IP_NODEFRAG
    sent = refused = 0
    for p in read_pcap(path):
        dst = socket.inet_ntoa(p[16:20])
        try:
            s.sendto(p, (dst, 0))
            sent += 1
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.EINVAL, errno.ENETUNREACH, errno.ENOBUFS):
                raise
            refused += 1
    print("sent %d, refused %d" % (sent, refused))


# ---------------------------------------------------------------- comparing saves

def parse_save(text):
    """[(table, chain, index or None for the header, counters, text)] in order."""
    out, table, idx = [], None, {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table, idx = line[1:], {}
            continue
        if line == "COMMIT":
            continue
        if line.startswith(":"):
            name, pol, cnt = line[1:].split(" ", 2)
            out.append((table, name, None, cnt, "%s policy %s" % (name, pol)))
            continue
        cnt = ""
        if line.startswith("["):
            cnt, line = line.split(" ", 1)
        chain = line.split()[1]
        k = idx.get(chain, 0)
        idx[chain] = k + 1
        out.append((table, chain, k, cnt, line))
    return out


def compare(kpath, tpath):
    with open(kpath) as f:
        k = parse_save(f.read())
    with open(tpath) as f:
        t = parse_save(f.read())
    tk = {(a, b, c): (d, e) for a, b, c, d, e in t}
    bad = 0
    for a, b, c, d, e in k:
        where = "%s %s %s" % (a, b, "policy" if c is None else "rule %d" % c)
        got = tk.pop((a, b, c), None)
        if got is None:
            print("MISSING in txpath: %s: %s" % (where, e))
            bad += 1
        elif got[0] != d:
            print("COUNTERS %s: kernel %s txpath %s   (%s)" % (where, d, got[0], e))
            bad += 1
        elif got[1] != e:
            print("TEXT %s:\n  kernel: %s\n  txpath: %s" % (where, e, got[1]))
            bad += 1
    for (a, b, c), (d, e) in tk.items():
        print("EXTRA in txpath: %s %s %s: %s" % (a, b, c, e))
        bad += 1
    print("%d entries compared, %d differences" % (len(k), bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        r = random.Random(int(argv[2]))
        with open(argv[3] + "/rules", "w") as f:
            f.write(rules(r))
        write_pcap(argv[3] + "/packets.pcap", packets(r))
        return 0
    if len(argv) == 3 and argv[1] == "send":
        send(argv[2])
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
