#!/bin/sh
# SPDX-License-Identifier: MIT
# tcp.kernel.live: the TCP send path against the live kernel.
#
# For MTU 1500 and 9000: namespaces A (v0 10.9.3.1/24) and B (v1 10.9.3.2/24) over a veth
# pair, IPv6 off; on A's v0 checksum offload, TSO and GSO are turned off (SIOCETHTOOL), so the
# segments on the wire are the ones tcp_write_xmit built; A uses reno without autocorking (the
# model's defaults). B runs a sink on port 5001 and tcpdump on v1 (the peer's side). A connects,
# writes 100000 bytes (byte i = (i * 7 + 3) mod 256) with one sendall, then shuts down.
#
# From the capture a timeline is built for `txpath tcp run`: A's ISN, IP ID, TS offset and
# offered window scale (none can be predicted, linux-facts 9.3) are injected, B's SYN-ACK and
# ACKs replayed at their capture times, the write at the first data segment's time, shutdown
# at A's FIN. Then compared, A's packets against txpath's:
#   - SYN: option bytes (TSval normalised), MSS value, window, IP total length, DF;
#   - the handshake ACK: window field and option layout;
#   - data: the set of (relative seq, length) of first transmissions, every length the MSS
#     but the last, established options NOP NOP TS, PSH on the last data segment, and PSH
#     ending the first GSO skb. Linux's TCP always builds GSO skbs (forced on
#     since 4.13, whatever the device) and segments them in software when the device has GSO
#     off, so the replay runs with gso_max_size 65536 and gso_sw;
#   - FIN: FIN|ACK ending the stream right after the data (whether it rides on the last data
#     segment depends on when the application's shutdown landed: listed as a divergence).
# Differences kept on purpose are listed in divergences.txt (key, kernel, reason); the
# comparisons with a listed key are reported and not asserted.
#
# Usage: tcp.sh TXPATH
set -u
txpath=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../harness/kernel/lib.sh"
txp_kernel_require ip tcpdump python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    txp_kernel_skip "Debian's python3-scapy is needed to read the capture"

work=$(txp_workdir tcp)
fail=0
for mtu in 1500 9000; do
    A=$(txp_netns_new ta) || txp_kernel_skip "cannot create a namespace"
    B=$(txp_netns_new tb) || txp_kernel_skip "cannot create a namespace"
    txp_veth_pair "$A" "$B" 10.9.3.1/24 10.9.3.2/24 || txp_kernel_skip "veth not available"
    ip netns exec "$A" sysctl -qw net.ipv4.tcp_congestion_control=reno ||
        txp_kernel_skip "cannot select reno in the namespace"
    ip netns exec "$A" sysctl -qw net.ipv4.tcp_autocorking=0 || true
    ip -n "$A" link set v0 mtu "$mtu"
    ip -n "$B" link set v1 mtu "$mtu"
    ip netns exec "$A" /usr/bin/python3 - <<'EOF' || txp_kernel_skip "cannot turn offloads off on veth (SIOCETHTOOL)"
import ctypes, fcntl, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for cmd in (0x17, 0x1F, 0x24):  # ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO
    val = ctypes.create_string_buffer(struct.pack("II", cmd, 0))
    ifr = struct.pack("16sP", b"v0", ctypes.addressof(val)) + b"\0" * 16
    fcntl.ioctl(s.fileno(), 0x8946, ifr)
EOF
    sleep 0.3
    ip netns exec "$B" /usr/bin/python3 - >/dev/null 2>&1 <<'EOF' &
import socket
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("10.9.3.2", 5001))
ls.listen(1)
ls.settimeout(10)
c, _ = ls.accept()
while c.recv(65536):
    pass
c.close()
EOF
    srv=$!
    ip netns exec "$B" tcpdump --immediate-mode -B 65536 -Z root -i v1 -w "$work/cap-$mtu.pcap" -U -n -s 0 \
        --time-stamp-precision=nano 'tcp port 5001' 2>/dev/null &
    td=$!
    sleep 1
    ip netns exec "$A" /usr/bin/python3 - <<'EOF' || { echo "FAIL: client (MTU $mtu)"; fail=1; }
import socket
data = bytes(((i * 7 + 3) & 0xFF) for i in range(100000))
s = socket.create_connection(("10.9.3.2", 5001), timeout=10)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
s.close()
EOF
    wait "$srv" 2>/dev/null
    sleep 1
    kill "$td" 2>/dev/null
    wait "$td" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    kver=$(uname -r)
    /usr/bin/python3 - "$work" "$mtu" "$txpath" "$here/divergences.txt" "$kver" <<'EOF' || fail=1
import json, os, subprocess, sys
from scapy.all import rdpcap, IP, TCP
work, mtu, txpath, divf, kver = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
div = {}
for line in open(divf):
    line = line.strip()
    if line and not line.startswith("#"):
        key, kv, reason = line.split("\t", 2)
        div[key] = (kv, reason)
A, B = "10.9.3.1", "10.9.3.2"
pk = [p for p in rdpcap("%s/cap-%d.pcap" % (work, mtu)) if IP in p and TCP in p]
if not pk:
    print("FAIL: MTU %d: nothing captured" % mtu)
    sys.exit(1)
t0 = pk[0].time
ns = lambda p: int(round((p.time - t0) * 1000000)) * 1000   # whole microseconds
a = [p for p in pk if p[IP].src == A]
b = [p for p in pk if p[IP].src == B]
syn = a[0]
assert int(syn[TCP].flags) & 0x02, "first packet from A is not a SYN"
isn = syn[TCP].seq
opts = dict((k, v) for k, v in syn[TCP].options)
tsv0 = opts["Timestamp"][0] if "Timestamp" in opts else 0
cfg = {"saddr": A, "daddr": B, "sport": syn[TCP].sport, "dport": 5001, "isn": isn,
       "ts_offset": tsv0, "ip_id": syn[IP].id, "mtu": mtu, "ts": "Timestamp" in opts,
       "sack": "SAckOK" in opts, "wscale": "WScale" in opts,
       "rcv_wscale": opts.get("WScale", 0), "rcv_space": 65536, "gso_max_size": 65536,
       "gso_sw": True,
       "nodelay": False, "user_mss": 0}
data = [p for p in a if len(bytes(p[TCP].payload)) > 0]
fin = [p for p in a if int(p[TCP].flags) & 0x01]
ev = [{"t_ns": 0, "connect": True}]
for p in b:
    t = ns(p)
    ev.append({"t_ns": t, "recv": bytes(p[TCP]).hex()})
ev.append({"t_ns": ns(data[0]), "send": {"len": 100000, "more": False}})
if fin:
    ev.append({"t_ns": ns(fin[0]), "shutdown": True})
ev.sort(key=lambda e: (e["t_ns"], 0 if "send" in e or "shutdown" in e else 1))
end = max(e["t_ns"] for e in ev) + 1000000
case = os.path.join(work, "case-%d" % mtu)
os.makedirs(case, exist_ok=True)
json.dump({"component": "tcp", "description": "live kernel MTU %d" % mtu, "link": "raw-ipv4",
           "config": cfg, "gso_split": False, "events": ev, "end_ns": end},
          open(os.path.join(case, "case.json"), "w"), indent=1)
ours_pcap = os.path.join(work, "ours-%d.pcap" % mtu)
r = subprocess.run([txpath, "tcp", "run", case, "--pcap", ours_pcap], capture_output=True,
                   text=True)
if r.returncode != 0:
    print("FAIL: MTU %d: txpath tcp run: %s" % (mtu, r.stderr.strip()))
    sys.exit(1)
ours = [p for p in rdpcap(ours_pcap)]
bad = []

def check(key, ok, what):
    if ok:
        print("ok   MTU %d: %s" % (mtu, what))
    elif key in div:
        print("DIVERGENCE MTU %d [%s, kernel %s]: %s -- %s" % (mtu, key, div[key][0], what,
                                                             div[key][1]))
    else:
        print("FAIL MTU %d: %s" % (mtu, what))
        bad.append(what)

def norm_opts(p):
    out = []
    for k, v in p[TCP].options:
        out.append((k, (0, 0) if k == "Timestamp" else v))
    return out

os_ = ours[0]
check("syn-options", norm_opts(syn) == norm_opts(os_),
      "SYN options %s (txpath %s)" % (norm_opts(syn), norm_opts(os_)))
check("syn-window", syn[TCP].window == os_[TCP].window,
      "SYN window %d (txpath %d)" % (syn[TCP].window, os_[TCP].window))
check("syn-len", syn[IP].len == os_[IP].len and syn[IP].flags == os_[IP].flags,
      "SYN IP length %d DF %s (txpath %d %s)" % (syn[IP].len, syn[IP].flags, os_[IP].len,
                                                os_[IP].flags))
ka = [p for p in a if int(p[TCP].flags) == 0x10 and not len(bytes(p[TCP].payload))]
oa = [p for p in ours if int(p[TCP].flags) == 0x10 and not len(bytes(p[TCP].payload))]
if ka and oa:
    check("ack-window", ka[0][TCP].window == oa[0][TCP].window,
          "handshake ACK window %d (txpath %d)" % (ka[0][TCP].window, oa[0][TCP].window))
    check("ack-options", norm_opts(ka[0]) == norm_opts(oa[0]),
          "handshake ACK options %s (txpath %s)" % (norm_opts(ka[0]), norm_opts(oa[0])))

def segs(pl):
    seen = {}
    for p in pl:
        n = len(bytes(p[TCP].payload))
        if n:
            seen.setdefault((p[TCP].seq - isn) & 0xFFFFFFFF, n)
    return sorted(seen.items())

ks, ts_ = segs(a), segs(ours)
mss = ks[0][1] if ks else 0
check("segments", ks == ts_, "%d data segments, MSS %d, last %d (txpath %d segments, MSS %d)"
      % (len(ks), mss, ks[-1][1] if ks else 0, len(ts_), ts_[0][1] if ts_ else 0))
check("segments", all(n == mss for _, n in ks[:-1]), "every data segment but the last is %d" % mss)
od = [p for p in ours if len(bytes(p[TCP].payload))]
check("data-options", all(norm_opts(p) == norm_opts(data[0]) for p in data) and
      norm_opts(data[0]) == norm_opts(od[0]),
      "data options %s on every segment" % norm_opts(data[0]))
check("psh-last", int(data[-1][TCP].flags) & 0x08 and int(od[-1][TCP].flags) & 0x08,
      "PSH on the last data segment")
kpsh = sorted(set((p[TCP].seq - isn) & 0xFFFFFFFF for p in data if int(p[TCP].flags) & 0x08))
opsh = sorted(set((p[TCP].seq - isn) & 0xFFFFFFFF for p in od if int(p[TCP].flags) & 0x08))
check("psh-gso-first", len(kpsh) >= 1 and kpsh[:1] == opsh[:1],
      "PSH ending the first GSO skb, sent before any data can be acked (size_goal cut by the "
      "half-cwnd quota of cwnd 10), at %s (txpath %s)" % (kpsh[:1], opsh[:1]))
check("psh-mid-stream", kpsh == opsh, "PSH at %s (txpath %s)" % (kpsh[:6], opsh[:6]))
of = [p for p in ours if int(p[TCP].flags) & 0x01]
def fin_end(p):
    return (p[TCP].seq - isn + len(bytes(p[TCP].payload)) + 1) & 0xFFFFFFFF

if fin:
    check("fin", of and fin_end(fin[0]) == fin_end(of[0]) == 100002 and
          int(fin[0][TCP].flags) & 0x11 == 0x11 and int(of[0][TCP].flags) & 0x11 == 0x11,
          "FIN|ACK ends the stream at relative seq 100002 (txpath %s)" % (
              fin_end(of[0]) if of else "no FIN"))
    check("fin-merge", bool(of) and len(bytes(fin[0][TCP].payload)) ==
          len(bytes(of[0][TCP].payload)) and int(fin[0][TCP].flags) == int(of[0][TCP].flags),
          "FIN segment: %d data bytes, flags %s (txpath %s, %s)" % (
              len(bytes(fin[0][TCP].payload)), fin[0][TCP].flags,
              len(bytes(of[0][TCP].payload)) if of else "-", of[0][TCP].flags if of else "-"))
check("df", all(p[IP].flags == "DF" for p in a) and all(p[IP].flags == "DF" for p in ours),
      "DF on every packet")
sys.exit(1 if bad else 0)
EOF
done
[ "$fail" -eq 0 ] || exit 1
echo "PASS: tcp.kernel.live"
