#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Helpers of components/ip/kernel/ip.sh (run inside the test's namespaces).

  ipk.py txcsum-off IFACE             turn off TX checksum offload (SIOCETHTOOL), so that a
                                      capture shows complete UDP checksums instead of the
                                      pseudo-header sum a veth leaves (CHECKSUM_PARTIAL)
  ipk.py send SCEN.json RESULT.json   one UDP socket per scenario; sends as listed; records
                                      each send's errno
  ipk.py tocase CAP.pcap SCEN.json RESULT.json OUTDIR
                                      one txpath golden case per scenario from the capture:
                                      golden = what the kernel sent (Ethernet stripped, packet
                                      i at i ms), IDs normalised (the socket's counter starts
                                      one below the first ID seen), the TS option's time taken
                                      from the capture
  ipk.py inject IFACE DSTMAC PCAP [--reverse-last]
                                      AF_PACKET: every raw IPv4 packet of PCAP in an Ethernet
                                      frame to DSTMAC
  ipk.py recv ADDR PORT COUNT OUT     receive COUNT datagrams (5 s timeout), one hex line each
  ipk.py sink SECONDS PORT...         hold the ports open (no ICMP port unreachable)
  ipk.py check RECV LEN...            the received datagrams are the patterns of LEN bytes
"""
import fcntl
import json
import os
import socket
import struct
import sys

UDP_CORK = 1
IP_MTU_DISCOVER = 10


def pattern(n, k):
    return bytes((7 * i + 13 * k + 1) & 0xFF for i in range(n))


def txcsum_off(iface):
    # struct ethtool_value {u32 cmd; u32 data;} with ETHTOOL_STXCSUM (0x17); struct ifreq.
    import array
    buf = array.array("B", struct.pack("II", 0x17, 0))
    addr, _ = buf.buffer_info()
    ifr = struct.pack("16sP", iface.encode(), addr)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fcntl.ioctl(s.fileno(), 0x8946, ifr)
    s.close()


def send(scen_path, result_path):
    scens = json.load(open(scen_path))
    results = {}
    for sc in scens:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", sc["sport"]))
        if sc.get("options"):
            s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes.fromhex(sc["options"]))
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, sc.get("pmtudisc", 1))
        if sc.get("ttl", -1) > 0:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, sc["ttl"])
        if sc.get("tos"):
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, sc["tos"])
        dst = (sc["daddr"], sc["dport"])
        if sc.get("connected", 1):
            s.connect(dst)
        rcs = []
        for k, snd in enumerate(sc["sends"]):
            data = pattern(snd["len"], k)
            flags = socket.MSG_MORE if snd.get("more") else 0
            try:
                if snd.get("cork") is not None:
                    s.setsockopt(socket.IPPROTO_UDP, UDP_CORK, snd["cork"])
                if sc.get("connected", 1):
                    s.send(data, flags)
                else:
                    s.sendto(data, flags, dst)
                rcs.append(0)
            except OSError as e:
                rcs.append(e.errno)
            if snd.get("uncork"):
                s.setsockopt(socket.IPPROTO_UDP, UDP_CORK, 0)
        results[str(sc["dport"])] = rcs
        s.close()
    json.dump(results, open(result_path, "w"))


ERRNAMES = {90: "TXP_EMSGSIZE", 22: "TXP_EINVAL"}


def tocase(cap, scen_path, result_path, outdir):
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import rdpcap, wrpcap, IP
    import decimal
    scens = json.load(open(scen_path))
    results = json.load(open(result_path))
    by_port = {}
    id_port = {}
    for p in rdpcap(cap):
        if IP not in p:
            continue
        raw = bytes(p[IP])[:p[IP].len]
        ip = IP(raw)
        if ip.frag == 0:
            hl = ip.ihl * 4
            dport = struct.unpack(">H", raw[hl + 2:hl + 4])[0]
            id_port[ip.id] = dport
        else:
            dport = id_port.get(ip.id)
        by_port.setdefault(dport, []).append(raw)
    for sc in scens:
        pkts = by_port.get(sc["dport"], [])
        first = IP(pkts[0]) if pkts else None
        now_ns = 0
        opts = bytes(first)[20:first.ihl * 4] if first else b""
        i = 0
        while i < len(opts):  # the time a TS option carries, to put it in the case
            if opts[i] in (0, 1):
                i += 1
                continue
            if opts[i] == 68 and opts[i + 2] > 5:
                slot = opts[i + 2] - 5
                now_ns = struct.unpack(">I", opts[i + slot:i + slot + 4])[0] * 1000000
            i += max(opts[i + 1], 2)
        sends = []
        for k, snd in enumerate(sc["sends"]):
            e = {"len": snd["len"]}
            if snd.get("more"):
                e["more"] = 1
            rc = results[str(sc["dport"])][k]
            if rc:
                e["rc"] = ERRNAMES.get(rc, "errno %d" % rc)
            sends.append(e)
        case = {"component": "ip", "description": sc["name"] + " (captured from Linux)",
                "link": "raw-ipv4", "mode": "udp", "saddr": sc["saddr"], "daddr": sc["daddr"],
                "sport": sc["sport"], "dport": sc["dport"], "mtu": sc["mtu"], "mtu_locked": 0,
                "hoplimit": 0, "pmtudisc": sc.get("pmtudisc", 1), "ttl": sc.get("ttl", -1),
                "mc_ttl": -1, "tos": sc.get("tos", 0), "connected": sc.get("connected", 1),
                "inet_id": ((first.id - 1) & 0xFFFF) if first and sc.get("connected", 1) else 0,
                "options": sc.get("options", ""), "now_ns": now_ns, "sends": sends}
        d = os.path.join(outdir, sc["name"])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(case, f, indent=2, sort_keys=True)
        out = []
        for n, raw in enumerate(pkts):
            q = IP(raw)
            q.time = decimal.Decimal(n) / 1000
            out.append(q)
        wrpcap(os.path.join(d, "golden.pcap"), out, linktype=228)
        print("%s: %d packets" % (sc["name"], len(pkts)))


def read_raw_pcap(path):
    """Records of a pcap file (any link type we write: raw IPv4), without scapy."""
    b = open(path, "rb").read()
    magic = struct.unpack("<I", b[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    pos = 24
    recs = []
    while pos + 16 <= len(b):
        _, _, incl, _ = struct.unpack(end + "IIII", b[pos:pos + 16])
        recs.append(b[pos + 16:pos + 16 + incl])
        pos += 16 + incl
    return recs


def inject(iface, dstmac, path, reverse_last=False):
    recs = read_raw_pcap(path)
    if reverse_last:  # the last datagram's fragments in reverse order
        last_id = recs[-1][4:6]
        tail = [r for r in recs if r[4:6] == last_id]
        recs = recs[:len(recs) - len(tail)] + tail[::-1]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = open("/sys/class/net/%s/address" % iface).read().strip()
    hdr = bytes.fromhex(dstmac.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + b"\x08\x00"
    for r in recs:
        s.send(hdr + r)
    s.close()
    print("injected %d packets" % len(recs))


def recv(addr, port, count, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(5)
    got = []
    try:
        for _ in range(int(count)):
            got.append(s.recv(70000).hex())
    except socket.timeout:
        pass
    with open(out, "w") as f:
        f.write("\n".join(got) + ("\n" if got else ""))


def main():
    a = sys.argv[1:]
    if a[0] == "txcsum-off":
        txcsum_off(a[1])
    elif a[0] == "send":
        send(a[1], a[2])
    elif a[0] == "tocase":
        tocase(a[1], a[2], a[3], a[4])
    elif a[0] == "inject":
        inject(a[1], a[2], a[3], "--reverse-last" in a)
    elif a[0] == "recv":
        recv(a[1], a[2], a[3], a[4])
    elif a[0] == "sink":  # sink SECONDS PORT...: bind the ports so no ICMP unreachable returns
        import time
        socks = []
        for port in a[2:]:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("0.0.0.0", int(port)))
            socks.append(u)
        time.sleep(float(a[1]))
    elif a[0] == "check":  # check RECV.txt LEN...: received payloads are the patterns
        lines = [l.strip() for l in open(a[1]) if l.strip()]
        want = [pattern(int(n), k).hex() for k, n in enumerate(a[2:])]
        bad = 0
        if len(lines) != len(want):
            print("received %d datagrams, expected %d" % (len(lines), len(want)))
            bad = 1
        for k, (g, w) in enumerate(zip(lines, want)):
            if g != w:
                print("datagram %d: %d bytes received, expected %d bytes" % (k, len(g) // 2,
                                                                           len(w) // 2))
                bad = 1
        sys.exit(bad)
    else:
        sys.exit("ipk.py: unknown command %s" % a[0])


if __name__ == "__main__":
    main()
