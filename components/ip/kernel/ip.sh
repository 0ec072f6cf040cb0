#!/bin/sh
# SPDX-License-Identifier: MIT
# ip.kernel.live: differential tests of the ip component against the running kernel, in two
# namespaces joined by a veth pair (A 10.9.0.1 v0 -> B 10.9.0.2 v1, IPv6 off, static
# neighbour, TX checksum offload off on v0 so captured UDP checksums are complete).
#
# 1. Linux as the oracle: UDP sockets in A send datagrams around the MTU (1500, 576, 9000,
#    68), with PMTU modes DO/DONT, IP_OPTIONS (RR, RA, TS, LSRR), MSG_MORE, IP_TTL/IP_TOS and
#    a multicast destination; tcpdump in B records what goes on the wire. Each scenario becomes
#    a golden case (ipk.py tocase: the socket's ID counter starts one below the first ID seen,
#    the TS time is taken from the capture) and `txpath conform --case` must reproduce the
#    kernel's packets byte for byte: lengths, flags, offsets, options in every fragment,
#    checksums, and the IDs (including ID 0 for unconnected DO datagrams).
# 2. A real receiver: `txpath ip udp` makes the fragments (MTU 1500 and 576, with options),
#    A injects them through an AF_PACKET socket (the last datagram's fragments in reverse
#    order), and a UDP socket in B must receive exactly the original payloads.
# 3. IP_OPTIONS acceptance: option lists Linux's setsockopt accepts or refuses (as root, i.e.
#    CAP_NET_RAW) must be accepted or refused by `txpath ip options`.
#
# Usage: ip.sh TXPATH
set -u
txpath=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../harness/kernel/lib.sh"
txp_kernel_require ip tcpdump
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    txp_kernel_skip "Debian's python3-scapy is needed to turn the capture into cases"
py="/usr/bin/python3 $here/ipk.py"

work=$(txp_workdir ip)
fails=0
checks=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
ok() {
    checks=$((checks + 1))
}

A=$(txp_netns_new ipa) || txp_kernel_skip "cannot create a namespace"
B=$(txp_netns_new ipb) || txp_kernel_skip "cannot create a namespace"
txp_veth_pair "$A" "$B" 10.9.0.1/24 10.9.0.2/24 || txp_kernel_skip "veth not available"
ip -n "$B" link set v1 mtu 9000
ip -n "$A" route add 224.0.0.0/4 dev v0
ip -n "$A" route add 10.77.0.0/16 via 10.9.0.2
mac=$(ip -n "$B" -o link show v1 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')
ip -n "$A" neigh replace 10.9.0.2 lladdr "$mac" dev v0 nud permanent
ip netns exec "$A" $py txcsum-off v0 ||
    txp_kernel_skip "cannot turn off TX checksum offload on the veth (captures would carry partial checksums)"

# ---- 1. Linux's packets as golden cases ----
RR=070b04$(printf '%016d' 0)
RA=94040000
TSADDR=44140501$(printf '%032d' 0)
TSONLY=440c0500$(printf '%016d' 0)
LSRR=830b040a0900020a4d0005
SSRR=8907040a090002
TSPRE=441405030a090001000000000a09000200000000
RRFULL=0707080a090009
TSFULL=4408091100000000
cat >"$work/s1500.json" <<J
[{"name": "k-mtu1500", "sport": 6001, "dport": 7001, "sends": [{"len": 100}, {"len": 1472}, {"len": 1473}, {"len": 2952}, {"len": 2953}, {"len": 3000}, {"len": 65507}]},
 {"name": "k-pmtu-do-unconnected", "sport": 6002, "dport": 7002, "pmtudisc": 2, "connected": 0, "sends": [{"len": 1473}, {"len": 1472}, {"len": 100}]},
 {"name": "k-pmtu-dont", "sport": 6003, "dport": 7003, "pmtudisc": 0, "sends": [{"len": 100}, {"len": 1473}]},
 {"name": "k-opt-rr-ra", "sport": 6004, "dport": 7004, "options": "$RR$RA", "sends": [{"len": 100}]},
 {"name": "k-opt-ts-addr", "sport": 6005, "dport": 7005, "options": "$TSADDR", "sends": [{"len": 100}]},
 {"name": "k-opt-lsrr", "sport": 6006, "dport": 7006, "daddr": "10.77.0.9", "options": "$LSRR", "sends": [{"len": 100}]},
 {"name": "k-msg-more", "sport": 6007, "dport": 7007, "sends": [{"len": 700, "more": 1}, {"len": 900, "more": 1}, {"len": 10}]},
 {"name": "k-ttl-tos", "sport": 6008, "dport": 7008, "ttl": 200, "tos": 16, "sends": [{"len": 100}]},
 {"name": "k-multicast", "sport": 6009, "dport": 7009, "daddr": "224.0.0.9", "ttl": 200, "sends": [{"len": 100}]},
 {"name": "k-opt-ts-prespec", "sport": 6015, "dport": 7015, "options": "$TSPRE", "sends": [{"len": 100}]},
 {"name": "k-opt-ts-only", "sport": 6016, "dport": 7016, "options": "$TSONLY", "sends": [{"len": 100}]},
 {"name": "k-opt-full", "sport": 6017, "dport": 7017, "options": "${RRFULL}${TSFULL}", "sends": [{"len": 100}]},
 {"name": "k-opt-ssrr-nop-eol", "sport": 6018, "dport": 7018, "daddr": "10.77.0.9", "options": "0101${SSRR}00070707", "sends": [{"len": 100}]}]
J
cat >"$work/s576.json" <<J
[{"name": "k-mtu576", "sport": 6010, "dport": 7010, "sends": [{"len": 547}, {"len": 548}, {"len": 549}, {"len": 1100}, {"len": 1101}, {"len": 4000}]},
 {"name": "k-opt-frag", "sport": 6011, "dport": 7011, "options": "$RR${RA}01$TSONLY", "sends": [{"len": 1200}]},
 {"name": "k-opt-lsrr-frag", "sport": 6012, "dport": 7012, "daddr": "10.77.0.9", "options": "$LSRR$RA", "sends": [{"len": 1200}]}]
J
cat >"$work/s9000.json" <<J
[{"name": "k-mtu9000", "sport": 6013, "dport": 7013, "sends": [{"len": 8972}, {"len": 8973}, {"len": 20000}]}]
J
cat >"$work/s68.json" <<J
[{"name": "k-mtu68", "sport": 6014, "dport": 7014, "sends": [{"len": 200}]}]
J
# fill in the defaults the converter expects
/usr/bin/python3 - "$work" <<'P'
import json, sys
w = sys.argv[1]
allsc = []
for m in ("1500", "576", "9000", "68"):
    sc = json.load(open("%s/s%s.json" % (w, m)))
    for s in sc:
        s.setdefault("saddr", "10.9.0.1")
        s.setdefault("daddr", "10.9.0.2")
        s["mtu"] = int(m)
    json.dump(sc, open("%s/s%s.json" % (w, m), "w"))
    allsc += sc
json.dump(allsc, open("%s/all.json" % w, "w"))
P
ip netns exec "$B" $py sink 60 $(seq 7001 7018) &
sinkpid=$!
ip netns exec "$B" tcpdump -i v1 -U -s 0 -w "$work/cap.pcap" 'ip proto 17' 2>/dev/null &
tdpid=$!
sleep 1
echo "{}" >"$work/rc.json"
for m in 1500 576 9000 68; do
    ip -n "$A" link set v0 mtu $m
    ip netns exec "$A" $py send "$work/s$m.json" "$work/rc$m.json" || fail "send at MTU $m"
done
sleep 1
kill "$tdpid" 2>/dev/null
wait "$tdpid" 2>/dev/null
/usr/bin/python3 - "$work" <<'P'
import json, sys
w = sys.argv[1]
r = {}
for m in ("1500", "576", "9000", "68"):
    r.update(json.load(open("%s/rc%s.json" % (w, m))))
json.dump(r, open("%s/rc.json" % w, "w"))
P
ip netns exec "$A" $py tocase "$work/cap.pcap" "$work/all.json" "$work/rc.json" "$work/cases" ||
    fail "converting the capture"
for d in "$work"/cases/*/; do
    if "$txpath" conform --case "$d" >"$work/conform.out" 2>&1; then
        ok
    else
        fail "conform $(basename "$d"):"
        sed 's/^/    /' "$work/conform.out" | head -20
    fi
done

# ---- 2. txpath's fragments into a Linux receiver ----
ip -n "$A" link set v0 mtu 9000
inject_check() { # NAME MTU "txpath args" LEN...
    name=$1
    mtu=$2
    args=$3
    shift 3
    sends=""
    for l in "$@"; do sends="$sends --send $l"; done
    # shellcheck disable=SC2086
    "$txpath" ip udp --out "$work/$name.pcap" --saddr 10.9.0.1 --daddr 10.9.0.2 --sport 5555 \
        --dport 7777 --mtu "$mtu" $args $sends >/dev/null || {
        fail "$name: txpath ip udp"
        return
    }
    ip netns exec "$B" $py recv 10.9.0.2 7777 $# "$work/$name.recv" &
    rp=$!
    sleep 0.5
    ip netns exec "$A" $py inject v0 "$mac" "$work/$name.pcap" --reverse-last >/dev/null ||
        fail "$name: inject"
    wait "$rp"
    if ip netns exec "$B" $py check "$work/$name.recv" "$@" >"$work/check.out"; then
        ok
    else
        fail "$name: the receiver did not get the payloads:"
        sed 's/^/    /' "$work/check.out"
    fi
}
inject_check rx-mtu1500 1500 "" 100 1473 3000 20000 65507
inject_check rx-mtu576-opts 576 "--options $RR$RA" 2000 549
inject_check rx-mtu68 68 "" 1000

# ---- 3. IP_OPTIONS acceptance ----
for o in 070b04$(printf '%016d' 0) 070303 0707060000000000 07070400000000070704000000 \
    4408050200000000 4408040000000000 44080501 440809f0 4408090000000000 \
    830b040a0900020a4d0005 8309040000000000 83070800000000 8907040a090002 \
    94040000 82040000 01010100 00070707 0701; do
    if ip netns exec "$A" /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes.fromhex('$o'))" 2>/dev/null; then
        kernel=accept
    else
        kernel=refuse
    fi
    if "$txpath" ip options "$o" --saddr 10.9.0.1 >/dev/null 2>&1; then tx=accept; else tx=refuse; fi
    if [ "$kernel" = "$tx" ]; then ok; else fail "IP_OPTIONS $o: kernel ${kernel}s, txpath ${tx}s"; fi
done

kill "$sinkpid" 2>/dev/null
wait "$sinkpid" 2>/dev/null
echo "ip kernel test: $checks checks passed, $fails failed"
if [ $fails -ne 0 ]; then
    echo "work files kept in $work"
    exit 1
fi
exit 0
