#!/bin/sh
# SPDX-License-Identifier: MIT
# neigh.kernel.arp: the neighbour table against the live kernel.
#
# Namespace A (v0 10.9.0.1/24) and B (v1 10.9.0.2/24) over a veth pair, IPv6 off. A is
# snapshotted (`txpath snapshot --netns`), then a UDP datagram is sent from A to a present
# address (10.9.0.2) and to an absent one (10.9.0.7) while tcpdump records v0 and
# `ip neigh show` is sampled every 100 ms for 4 s. The same timeline is replayed with
# `txpath neigh run` on the snapshot: the packets at their send times, B's ARP replies at their
# capture times. Compared:
#   - the ARP frames A sent: the same number, byte for byte, and the same spacing (within
#     TOL_MS: the kernel's timer wheel rounds a 1 s timer up by up to 8 jiffies, 32 ms at
#     HZ 250, which txpath does not model);
#   - the UDP frame to the present address: byte for byte;
#   - the `ip neigh` states of both addresses over time: the same sequence of states, each
#     change within 150 ms (sampling period plus timer slack).
#
# Usage: arp.sh TXPATH
set -u
txpath=$1
TOL_MS=${TOL_MS:-45}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../harness/kernel/lib.sh"
txp_kernel_require ip tcpdump python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    txp_kernel_skip "Debian's python3-scapy is needed to read the capture"

work=$(txp_workdir neigh)
A=$(txp_netns_new na) || txp_kernel_skip "cannot create a namespace"
B=$(txp_netns_new nb) || txp_kernel_skip "cannot create a namespace"
txp_veth_pair "$A" "$B" 10.9.0.1/24 10.9.0.2/24 || txp_kernel_skip "veth not available"
sleep 0.5
"$txpath" snapshot "$work/host" --netns "$A" >/dev/null || { echo "FAIL: snapshot"; exit 1; }
rm -f "$work/host/ip-neigh" # the replay starts from an empty table, as the kernel did

ip netns exec "$A" tcpdump -i v0 -w "$work/cap.pcap" -U -n --time-stamp-precision=nano \
    'arp or udp' 2>/dev/null &
td=$!
sleep 1
ip netns exec "$A" python3 - "$work" <<'EOF'
import socket, subprocess, sys, time
work = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.time_ns()
s.sendto(b"txpath-neigh-present", ("10.9.0.2", 9))
t1 = time.time_ns()
s.sendto(b"txpath-neigh-absent!", ("10.9.0.7", 9))
with open(work + "/sent.txt", "w") as f:
    f.write("%d %d\n" % (t0, t1))
with open(work + "/states.txt", "w") as f:
    for k in range(1, 41):
        while time.time_ns() < t0 + k * 100000000:
            time.sleep(0.001)
        out = subprocess.run(["ip", "neigh", "show"], capture_output=True, text=True).stdout
        f.write("t=%.3f\n%s" % ((time.time_ns() - t0) / 1e9, out))
EOF
sleep 0.3
kill "$td" 2>/dev/null
wait "$td" 2>/dev/null

/usr/bin/python3 - "$work" <<'EOF' || { echo "FAIL: could not prepare the replay"; exit 1; }
import sys
from scapy.all import rdpcap, wrpcap, Ether, IP, UDP, Raw
work = sys.argv[1]
t0, t1 = (int(x) for x in open(work + "/sent.txt").read().split())
cap = rdpcap(work + "/cap.pcap")
mac = None
for line in open(work + "/host/ip-link"):
    if ": v0" in line and "link/ether " in line:
        mac = line.split("link/ether ")[1].split()[0]
ours = [p for p in cap if p.src == mac]
theirs = [p for p in cap if p.src != mac]
present = [p for p in ours if IP in p and p[IP].dst == "10.9.0.2"]
if not present:
    sys.exit("the kernel never sent the datagram to 10.9.0.2")
sent = []
ip1 = bytes(present[0][IP])
p1 = IP(ip1)
p1.time = t0 / 1e9
sent.append(p1)
p2 = IP(src="10.9.0.1", dst="10.9.0.7") / UDP(sport=p1[UDP].sport, dport=9) / Raw(b"x" * 20)
p2.time = t1 / 1e9
sent.append(p2)
wrpcap(work + "/sent.pcap", sent, linktype=228)
wrpcap(work + "/arpin.pcap", theirs)
wrpcap(work + "/kernel-out.pcap", ours)
EOF

"$txpath" neigh run --host "$work/host" --pcap "$work/sent.pcap" --arp-in "$work/arpin.pcap" \
    --arp-dev v0 --out "$work/txpath-out.pcap" --end 4 --show-every 100 >"$work/txpath-states.txt" ||
    { echo "FAIL: txpath neigh run"; exit 1; }

/usr/bin/python3 - "$work" "$TOL_MS" <<'EOF'
import sys
from scapy.all import rdpcap, ARP, IP
work, tol = sys.argv[1], float(sys.argv[2]) / 1000
fails = []
t0 = int(open(work + "/sent.txt").read().split()[0]) / 1e9
k = rdpcap(work + "/kernel-out.pcap")
x = rdpcap(work + "/txpath-out.pcap")
karp = [p for p in k if ARP in p]
xarp = [p for p in x if ARP in p]
print("kernel ARP frames at  " + " ".join("%.3f" % (float(p.time) - t0) for p in karp))
print("txpath ARP frames at  " + " ".join("%.3f" % (float(p.time) - t0) for p in xarp))
if len(karp) != len(xarp):
    fails.append("ARP frame count: kernel %d, txpath %d" % (len(karp), len(xarp)))
for i, (a, b) in enumerate(zip(karp, xarp)):
    if bytes(a) != bytes(b):
        fails.append("ARP frame %d differs:\n  kernel %s\n  txpath %s" % (i, bytes(a).hex(), bytes(b).hex()))
    if i:
        dk = float(a.time) - float(karp[i - 1].time)
        dx = float(b.time) - float(xarp[i - 1].time)
        if abs(dk - dx) > tol:
            fails.append("ARP spacing before frame %d: kernel %.3f s, txpath %.3f s" % (i, dk, dx))
kd = [bytes(p) for p in k if IP in p]
xd = [bytes(p) for p in x if IP in p]
if kd != xd:
    fails.append("data frames differ: kernel %d, txpath %d" % (len(kd), len(xd)))

def states(path):
    seq = {}
    t = None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("t="):
            t = float(line[2:])
            continue
        w = line.split()
        if len(w) >= 2 and w[0] in ("10.9.0.2", "10.9.0.7") and t is not None:
            st = w[-1]
            s = seq.setdefault(w[0], [])
            if not s or s[-1][0] != st:
                s.append((st, t))
    return seq

ks, xs = states(work + "/states.txt"), states(work + "/txpath-states.txt")
for ip in ("10.9.0.2", "10.9.0.7"):
    a, b = ks.get(ip, []), xs.get(ip, [])
    print("%s kernel %s\n%s txpath %s" % (ip, a, " " * len(ip), b))
    if [s for s, _ in a] != [s for s, _ in b]:
        fails.append("%s: state sequence kernel %s, txpath %s" % (ip, [s for s, _ in a], [s for s, _ in b]))
    else:
        for (sa, ta), (sb, tb) in zip(a[1:], b[1:]):
            if abs(ta - tb) > 0.15:
                fails.append("%s: %s at %.3f s (kernel) vs %.3f s (txpath)" % (ip, sa, ta, tb))
for f in fails:
    print("FAIL: " + f)
print("neigh kernel checks: %s" % ("ok" if not fails else "%d failure(s)" % len(fails)))
sys.exit(1 if fails else 0)
EOF
rc=$?
exit $rc
