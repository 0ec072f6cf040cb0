#!/bin/sh
# SPDX-License-Identifier: MIT
# stack kernel test (live wire): txpath sends from namespace A through its whole pipeline and
# the ring's AF_PACKET backend onto a veth; in namespace B a real Linux TCP server receives
# 10 MiB and a UDP server receives datagrams larger than the MTU (reassembled by Linux). The
# peer checks SHA-256 of what arrived against what was sent. The address 10.0.0.1 exists only
# in txpath's host, not in A's kernel, so A's kernel neither answers ARP nor resets the
# connection: txpath answers the peer's ARP itself and processes the SYN-ACK and ACKs.
# With components/ipt, two more TCP transfers (1 MiB each) go through NAT: DNAT in nat OUTPUT
# (txpath connects to 10.99.0.1, rerouted on link to the server) and SNAT in nat POSTROUTING
# (the server sees 10.0.0.9, an address txpath's host also has, so it answers the server's
# ARP); both complete only because txpath maps the server's replies back (conntrack de-NAT).
# Usage: live.sh /path/to/txpath   (TXP_SOURCE_DIR set by CTest). Exit 77 = skipped.
set -u
TXPATH=$1
SRC=${TXP_SOURCE_DIR:?TXP_SOURCE_DIR not set}
. "$SRC/harness/kernel/lib.sh"
txp_kernel_require python3 sha256sum

tmp=$(txp_workdir stack)
a=""
b=""
srv=""
# Stop the server, then lib.sh's cleanup (namespaces; the work folder is kept on failure).
live_cleanup() {
    rc=$?
    [ -n "$srv" ] && kill "$srv" 2>/dev/null
    (exit "$rc")
    txp_exit_cleanup
}
trap live_cleanup EXIT

a=$(txp_netns_new stka) || txp_kernel_skip "cannot create a namespace"
b=$(txp_netns_new stkb) || txp_kernel_skip "cannot create a namespace"
for ns in "$a" "$b"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
done
ip -n "$a" link add st0 type veth peer name st1 netns "$b" || txp_kernel_skip "no veth support"
ip -n "$a" link set st0 up
ip -n "$b" link set st1 up
ip -n "$b" addr add 10.0.0.2/24 dev st1

# txpath's host: A's links as they are, plus the address and routes only txpath has.
host=$tmp/host
mkdir -p "$host"
ip -n "$a" -o link show > "$host/ip-link"
idx=$(ip -n "$a" -o link show st0 | cut -d: -f1)
printf '%s: st0    inet 10.0.0.1/24 brd 10.0.0.255 scope global st0\\       valid_lft forever preferred_lft forever\n' "$idx" > "$host/ip-addr"
printf '10.0.0.0/24 dev st0 proto kernel scope link src 10.0.0.1\nlocal 10.0.0.1 dev st0 table local proto kernel scope host src 10.0.0.1\n' > "$host/ip-route"
printf '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n' > "$host/ip-rule"

# The NAT hosts (only when this txpath has the iptables stages): the same, plus a DNAT rule (with a route via a gateway that does not exist, so
# only the reroute after DNAT reaches the server), or a second address and an SNAT rule to it.
nat=0
if "$TXPATH" send --bytes 1000 --pcap /dev/null 2>/dev/null | grep -q '^ipt_out'; then
    for h in dnat snat; do
        mkdir -p "$tmp/$h"
        cp "$host"/ip-link "$host"/ip-rule "$tmp/$h/"
    done
    cp "$host/ip-addr" "$tmp/dnat/ip-addr"
    { cat "$host/ip-route"; printf '10.99.0.0/24 via 10.0.0.254 dev st0\n'; } > "$tmp/dnat/ip-route"
    printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A OUTPUT -d 10.99.0.1/32 -p tcp -j DNAT --to-destination 10.0.0.2\nCOMMIT\n' > "$tmp/dnat/iptables"
    { cat "$host/ip-addr"; printf '%s: st0    inet 10.0.0.9/24 brd 10.0.0.255 scope global secondary st0\\       valid_lft forever preferred_lft forever\n' "$idx"; } > "$tmp/snat/ip-addr"
    cp "$host/ip-route" "$tmp/snat/ip-route"
    printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o st0 -p tcp -j SNAT --to-source 10.0.0.9\nCOMMIT\n' > "$tmp/snat/iptables"
    nat=1
fi

head -c 10485760 /dev/urandom > "$tmp/tcp.bin"
head -c 12000 /dev/urandom > "$tmp/udp.bin"

cat > "$tmp/server.py" <<'PY'
import hashlib, socket, sys
out = sys.argv[1]
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("10.0.0.2", 5001)); t.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.0.0.2", 5002))
n_nat = int(sys.argv[2])
if n_nat:
    t2 = socket.socket(); t2.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t2.bind(("10.0.0.2", 5003)); t2.listen(2)
open(out + ".ready", "w").close()
c, _ = t.accept(); c.settimeout(60)
h, n = hashlib.sha256(), 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d); n += len(d)
c.close()
with open(out + ".tcp", "w") as f:
    f.write("%s %d\n" % (h.hexdigest(), n))
u.settimeout(30)
h, sizes = hashlib.sha256(), []
while len(sizes) < 3:
    d, _ = u.recvfrom(65536)
    h.update(d); sizes.append(len(d))
with open(out + ".udp", "w") as f:
    f.write("%s %s\n" % (h.hexdigest(), ",".join(map(str, sizes))))
for k in range(n_nat):
    c, peer = t2.accept(); c.settimeout(60)
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d); n += len(d)
    c.close()
    with open(out + ".nat%d" % k, "w") as f:
        f.write("%s %s %d\n" % (peer[0], h.hexdigest(), n))
PY
ip netns exec "$b" python3 "$tmp/server.py" "$tmp/result" $((nat * 2)) &
srv=$!
i=0
while [ ! -e "$tmp/result.ready" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "FAIL: server did not start"; exit 1; }
    sleep 0.1
done

fail=0
ip netns exec "$a" "$TXPATH" send --host "$host" --live st0 --to 10.0.0.2:5001 \
    --file "$tmp/tcp.bin" --pcap "$tmp/tcp.pcap" --deadline 60 --quiet > "$tmp/tcp.out" 2>&1 \
    || { echo "FAIL: txpath send (tcp) exited $?"; cat "$tmp/tcp.out"; fail=1; }
ip netns exec "$a" "$TXPATH" send --host "$host" --live st0 --proto udp --to 10.0.0.2:5002 \
    --file "$tmp/udp.bin" --write-size 4000 --pcap "$tmp/udp.pcap" --deadline 10 --quiet \
    > "$tmp/udp.out" 2>&1 || { echo "FAIL: txpath send (udp) exited $?"; cat "$tmp/udp.out"; fail=1; }
if [ $nat -eq 1 ]; then
    head -c 1048576 /dev/urandom > "$tmp/nat.bin"
    ip netns exec "$a" "$TXPATH" send --host "$tmp/dnat" --live st0 --to 10.99.0.1:5003 \
        --file "$tmp/nat.bin" --pcap "$tmp/dnat.pcap" --deadline 30 --quiet > "$tmp/dnat.out" 2>&1 \
        || { echo "FAIL: txpath send (tcp through DNAT) exited $?"; cat "$tmp/dnat.out"; fail=1; }
    ip netns exec "$a" "$TXPATH" send --host "$tmp/snat" --live st0 --to 10.0.0.2:5003 \
        --file "$tmp/nat.bin" --pcap "$tmp/snat.pcap" --deadline 30 --quiet > "$tmp/snat.out" 2>&1 \
        || { echo "FAIL: txpath send (tcp through SNAT) exited $?"; cat "$tmp/snat.out"; fail=1; }
fi
wait "$srv"
srv=""
want=$(sha256sum < "$tmp/tcp.bin" | cut -d' ' -f1)
got=$(cat "$tmp/result.tcp" 2>/dev/null)
if [ "$got" != "$want 10485760" ]; then
    echo "FAIL: tcp: peer got '$got', sent $want 10485760"; cat "$tmp/tcp.out"; fail=1
else
    echo "ok: tcp 10 MiB, SHA-256 matches ($want)"
fi
want=$(sha256sum < "$tmp/udp.bin" | cut -d' ' -f1)
got=$(cat "$tmp/result.udp" 2>/dev/null)
if [ "$got" != "$want 4000,4000,4000" ]; then
    echo "FAIL: udp: peer got '$got', sent $want 4000,4000,4000"; cat "$tmp/udp.out"; fail=1
else
    echo "ok: udp 3 datagrams of 4000 bytes (3 fragments each), SHA-256 matches"
fi
if [ $nat -eq 1 ]; then
    want=$(sha256sum < "$tmp/nat.bin" | cut -d' ' -f1)
    got=$(cat "$tmp/result.nat0" 2>/dev/null)
    if [ "$got" != "10.0.0.1 $want 1048576" ]; then
        echo "FAIL: dnat: server got '$got', expected 10.0.0.1 $want 1048576"; cat "$tmp/dnat.out"; fail=1
    else
        echo "ok: tcp 1 MiB to 10.99.0.1 through DNAT to 10.0.0.2, replies mapped back, SHA-256 matches"
    fi
    got=$(cat "$tmp/result.nat1" 2>/dev/null)
    if [ "$got" != "10.0.0.9 $want 1048576" ]; then
        echo "FAIL: snat: server got '$got', expected 10.0.0.9 $want 1048576"; cat "$tmp/snat.out"; fail=1
    else
        echo "ok: tcp 1 MiB from 10.0.0.1 through SNAT, the server saw 10.0.0.9, SHA-256 matches"
    fi
fi
[ $fail -eq 0 ] && head -12 "$tmp/tcp.out"
exit $fail
