#!/bin/sh
# SPDX-License-Identifier: MIT
# qdisc.kernel.live: differential tests of the qdisc component against the running kernel
# (and the host's iproute2), in two namespaces joined by a veth pair.
#
# 1. tc syntax: for a list of specs, `tc qdisc replace dev v0 root handle 1: SPEC` then
#    `tc qdisc show dev v0` must print exactly what `txpath qdisc show` prints; specs tc
#    rejects must be rejected by txpath too.
# 2. Dequeue order: an HTB class at 1500 bit/s holds a pfifo_fast leaf (and a prio leaf when
#    the kernel has sch_prio); a plug packet uses up the class's tokens, then UDP packets with
#    every TOS value (IP_TOS) and every SO_PRIORITY 0..15 are sent; the class is then opened
#    and the order the peer namespace receives them in is recorded with tcpdump. That capture
#    becomes a conformance case (the kernel is the oracle): input = the frames in send order,
#    with their SO_PRIORITY where one was set; golden = the frames in the kernel's order, one
#    per second; `txpath conform --case` must reproduce it byte for byte.
# 3. Band overflow: the same with txqueuelen 5 and a burst into one band: the kernel's drop
#    count (tc -s) and survivors must be txpath's.
# 4. netem loss and duplicate over 100,000 packets, when the kernel has sch_netem: received
#    counts within 5 standard deviations of the configured rates, for the kernel and for
#    `txpath qdisc run`. Kernels without sch_netem / sch_prio print a loud SKIPPED for that
#    part.
# 5. The netem distribution tables: `txpath qdisc dist NAME` must equal the host iproute2's
#    NAME.dist byte for byte (when iproute2 ships them).
#
# Usage: qdisc.sh TXPATH
set -u
txpath=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../harness/kernel/lib.sh"
txp_kernel_require ip tc tcpdump python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    txp_kernel_skip "Debian's python3-scapy is needed to turn the capture into a case"

work=$(txp_workdir qdisc)
fails=0
checks=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
ok() {
    checks=$((checks + 1))
}

A=$(txp_netns_new qa) || txp_kernel_skip "cannot create a namespace"
B=$(txp_netns_new qb) || txp_kernel_skip "cannot create a namespace"
txp_veth_pair "$A" "$B" 10.9.0.1/24 10.9.0.2/24 || txp_kernel_skip "veth not available"
mac=$(ip -n "$B" -o link show v1 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')
ip -n "$A" neigh replace 10.9.0.2 lladdr "$mac" dev v0 nud permanent
txqs=$(ip -d -n "$A" link show v0 | sed -n 's/.*numtxqueues \([0-9]*\).*/\1/p')
[ -n "$txqs" ] || txqs=1

has_kind() { # can the kernel create this qdisc kind?
    if tc -n "$A" qdisc replace dev v0 root handle 1: "$@" 2>/dev/null; then
        tc -n "$A" qdisc del dev v0 root 2>/dev/null
        return 0
    fi
    return 1
}
have_prio=0
have_netem=0
has_kind prio && have_prio=1
has_kind netem delay 1ms && have_netem=1

# ---- 1. tc syntax ----
show_check() {
    spec=$1
    if ! tc -n "$A" qdisc replace dev v0 root handle 1: $spec 2>"$work/tc.err"; then
        fail "tc rejected '$spec': $(cat "$work/tc.err")"
        return
    fi
    want=$(tc -n "$A" qdisc show dev v0 | head -1)
    got=$("$txpath" qdisc show --qdisc "tc qdisc add dev v0 root handle 1: $spec" \
        --tx-queues "$txqs" --txqueuelen 1000)
    if [ "$want" = "$got" ]; then ok; else fail "show '$spec': kernel '$want' txpath '$got'"; fi
    tc -n "$A" qdisc del dev v0 root 2>/dev/null
}
for spec in "pfifo_fast" "pfifo" "pfifo limit 7" "pfifo limit 0x10" "pfifo limit 1k" "bfifo" \
    "bfifo limit 1500" "bfifo limit 2048" "bfifo limit 10kb" "bfifo limit 1mb" \
    "bfifo limit 1049000" "bfifo limit 10kbit" "bfifo limit 3m" "noqueue"; do
    show_check "$spec"
done
if [ $have_prio = 1 ]; then
    for spec in "prio" "prio bands 4 priomap 3 2 1 0 3 2 1 0 3 2 1 0 3 2 1 0" "prio bands 16"; do
        show_check "$spec"
    done
else
    echo "=================================================================="
    echo "SKIPPED part (kernel has no sch_prio): prio show and prio band order checks"
    echo "=================================================================="
fi
if [ $have_netem = 1 ]; then
    for spec in "netem delay 100ms" "netem delay 100ms 10ms 25%" "netem loss 1%" \
        "netem loss 1% 25%" "netem duplicate 2%" "netem corrupt 0.1%" \
        "netem delay 10ms reorder 25% 50% gap 5" "netem rate 1mbit" "netem limit 3000"; do
        show_check "$spec"
    done
fi
for spec in "pfifo limit abc" "pfifo lim 5" "pfifo_fast bands 3" "bfifo limit 1x" "foo" \
    "pfifo limit 4294967296" "prio bands 1" "prio bands 2 priomap 0 1 2"; do
    if tc -n "$A" qdisc replace dev v0 root handle 1: $spec 2>/dev/null; then
        tc -n "$A" qdisc del dev v0 root 2>/dev/null
        [ "$spec" = "foo" ] || echo "note: the kernel accepted '$spec'"
        continue
    fi
    if "$txpath" qdisc show --qdisc "$spec" >/dev/null 2>&1; then
        fail "tc rejects '$spec' but txpath accepts it"
    else
        ok
    fi
done

# ---- 2 and 3. dequeue order through a stalled HTB class ----
send_items() {
    ip netns exec "$A" python3 - "$@" <<'EOF'
import socket, sys
for seq, it in enumerate(sys.argv[1:]):
    kind, v = it.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if kind == "tos":
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(v, 0))
    else:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, int(v, 0))
    s.sendto(seq.to_bytes(2, "big") + b"txpath-qdisc-kernel", ("10.9.0.2", 9999))
    s.close()
EOF
}

# order_case NAME LEAF TXQLEN ITEMS...: run the items through HTB(1500bit) + LEAF, build the case
order_case() {
    name=$1
    leaf=$2
    txq=$3
    shift 3
    ip -n "$A" link set v0 txqueuelen "$txq"
    tc -n "$A" qdisc replace dev v0 root handle 1: htb default 1
    tc -n "$A" class add dev v0 parent 1: classid 1:1 htb rate 1500bit ceil 1500bit burst 1 \
        cburst 1 2>/dev/null
    tc -n "$A" qdisc add dev v0 parent 1:1 handle 10: $leaf
    cap="$work/$name.cap.pcap"
    ip netns exec "$B" tcpdump -i v1 -w "$cap" -U -n udp port 9999 2>/dev/null &
    td=$!
    sleep 1
    send_items tos:0 "$@" # the plug: leaves at once and uses up the class's tokens
    sleep 0.1
    tc -n "$A" -s qdisc show dev v0 parent 1:1 >"$work/$name.tc-s"
    tc -n "$A" class change dev v0 parent 1: classid 1:1 htb rate 100mbit ceil 100mbit 2>/dev/null
    sleep 1
    kill "$td" 2>/dev/null
    wait "$td" 2>/dev/null
    tc -n "$A" qdisc del dev v0 root
    ip -n "$A" link set v0 txqueuelen 1000
    kdrops=$(sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' "$work/$name.tc-s" | head -1)
    /usr/bin/python3 - "$cap" "$work/$name" "$leaf" "$txq" "tos:0" "$@" <<'EOF' || fail "$name: could not build the case from the capture"
import json, os, sys
from scapy.all import rdpcap, wrpcap, UDP, Ether
cap, d, leaf, txq, items = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
got = [p for p in rdpcap(cap) if UDP in p]
seq = lambda p: int.from_bytes(bytes(p[UDP].payload)[:2], "big")
by_seq = {seq(p): bytes(p) for p in got}
if not got or len(by_seq) != len(got):
    sys.exit("capture has %d packets, %d distinct" % (len(got), len(by_seq)))
template = bytes(got[-1])
inp = []
for i, it in enumerate(items):
    raw = by_seq.get(i)
    if raw is None:  # dropped by the kernel: any frame of the same class will do
        raw = bytearray(template)
        raw[15] = int(it.split(":")[1], 0) if it.startswith("tos:") else 0
        raw[42:44] = i.to_bytes(2, "big")
        raw = bytes(raw)
    rec = {"ts_ns": 0, "hex": raw.hex()}
    if it.startswith("prio:"):
        rec["priority"] = int(it.split(":")[1], 0)
    inp.append(rec)
os.makedirs(d, exist_ok=True)
case = {"component": "qdisc", "link": "ether", "qdisc": leaf, "txqueuelen": txq,
        "dequeue_rate_pps": 1, "input": inp,
        "description": "kernel capture: %s, txqueuelen %d, %d sent" % (leaf, txq, len(items))}
json.dump(case, open(os.path.join(d, "case.json"), "w"), indent=2)
pkts = [Ether(bytes(p)) for p in got]
for k, p in enumerate(pkts):
    p.time = k
wrpcap(os.path.join(d, "golden.pcap"), pkts)
print("%s: kernel order %s" % (os.path.basename(d), [seq(p) for p in got]))
EOF
    if "$txpath" conform --case "$work/$name" --actual-dir "$work/actual" >"$work/$name.out" 2>&1; then
        ok
    else
        fail "$name: txpath's order differs from the kernel's"
        cat "$work/$name.out"
    fi
    echo "$name: kernel dropped ${kdrops:-?}"
}

items=""
for t in $(seq 0 15); do items="$items tos:$((t * 2))"; done
items="$items tos:0x03 tos:0x13 tos:0xb8 tos:0xe1 tos:0x1f"
for p in $(seq 0 15) 22 38; do items="$items prio:$p"; done
order_case pfifo-fast-order pfifo_fast 1000 $items
if [ $have_prio = 1 ]; then
    order_case prio-order prio 1000 $items
    order_case prio-custom-order "prio bands 4 priomap 3 2 1 0 3 2 1 0 3 2 1 0 3 2 1 0" 1000 $items
fi
burst=""
for i in $(seq 1 12); do burst="$burst tos:0"; done
for i in 1 2 3; do burst="$burst tos:0x10"; done
order_case pfifo-fast-overflow pfifo_fast 5 $burst

# ---- 4. netem statistics ----
if [ $have_netem = 1 ]; then
    for spec in "loss 10%" "duplicate 10%"; do
        tc -n "$A" qdisc replace dev v0 root netem $spec
        before=$(ip -n "$B" -s -j link show v1 | python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
        ip netns exec "$A" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100000):
    s.sendto(b"x" * 18, ("10.9.0.2", 9999))
'
        sleep 1
        after=$(ip -n "$B" -s -j link show v1 | python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
        tc -n "$A" qdisc del dev v0 root
        if python3 -c "
import math, sys
n, got, spec = 100000, $after - $before, '$spec'
p = 0.10
want = n * (1 - p) if spec.startswith('loss') else n * (1 + p)
sd = math.sqrt(n * p * (1 - p))
print('kernel netem %s: %d received, expected %.0f +- %.0f' % (spec, got, want, 5 * sd))
sys.exit(0 if abs(got - want) <= 5 * sd else 1)"; then ok; else fail "kernel netem $spec out of bounds"; fi
    done
else
    echo "=================================================================="
    echo "SKIPPED part (kernel has no sch_netem, CONFIG_NET_SCH_NETEM): kernel netem loss and"
    echo "duplicate rates; txpath's own rates are still checked below"
    echo "=================================================================="
fi
python3 - "$work/many.pcap" <<'EOF'
import struct, sys
# 100,000 Ethernet/IPv4/UDP frames 1 us apart, as a microsecond pcap (no scapy: speed)
frame = bytes.fromhex("020000000002020000000001" "0800" "4500001d00004000401100000a0900010a090002"
                      "03e8270f0009000078")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(100000):
        f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(frame), len(frame)) + frame)
EOF
for spec in "loss 10%" "duplicate 10%"; do
    out=$("$txpath" qdisc run --qdisc "netem $spec seed 1" --pcap "$work/many.pcap" | tail -1)
    got=$(echo "$out" | sed -n 's/.*out \([0-9]*\) pkt.*/\1/p')
    if python3 -c "
import math, sys
n, got, spec = 100000, int('$got' or 0), '$spec'
want = n * 0.9 if spec.startswith('loss') else n * 1.1
sd = math.sqrt(n * 0.1 * 0.9)
print('txpath netem %s: %d out, expected %.0f +- %.0f' % (spec, got, want, 5 * sd))
sys.exit(0 if abs(got - want) <= 5 * sd else 1)"; then ok; else fail "txpath netem $spec out of bounds"; fi
done

# ---- 5. distribution tables ----
for d in /usr/lib/x86_64-linux-gnu/tc /usr/lib/tc /usr/lib64/tc; do
    [ -f "$d/normal.dist" ] || continue
    for t in normal pareto paretonormal; do
        if "$txpath" qdisc dist "$t" | cmp -s - "$d/$t.dist"; then ok; else fail "table $t differs from $d/$t.dist"; fi
    done
    break
done

echo "qdisc kernel checks: $checks passed, $fails failed (prio: $have_prio, netem: $have_netem)"
[ "$fails" -eq 0 ]
