#!/bin/sh
# SPDX-License-Identifier: MIT
# ring kernel test: frames go through the qdisc model, the TX ring and the AF_PACKET
# (PACKET_TX_RING, TPACKET_V2) backend onto a veth in one namespace; tcpdump on the peer in a
# second namespace must capture exactly the bytes written, in order, nothing else.
# Usage: afpacket.sh /path/to/txpath   (TXP_SOURCE_DIR set by CTest). Exit 77 = skipped.
set -u
TXPATH=$1
SRC=${TXP_SOURCE_DIR:?TXP_SOURCE_DIR not set}
. "$SRC/harness/kernel/lib.sh"
txp_kernel_require tcpdump python3

tmp=$(mktemp -d /tmp/txp-ring-afp.XXXXXX)
tcpd=""
a=""
b=""
# txp_netns_new runs in a command substitution, so its list of namespaces to delete does not
# reach this shell: delete ours by name here.
ring_cleanup() {
    [ -n "$tcpd" ] && kill "$tcpd" 2>/dev/null
    for n in $a $b; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$tmp"
    txp_netns_cleanup
}
trap ring_cleanup EXIT

a=$(txp_netns_new ringtx) || txp_kernel_skip "cannot create a namespace"
b=$(txp_netns_new ringrx) || txp_kernel_skip "cannot create a namespace"
for ns in "$a" "$b"; do
    # No IPv6 chatter (DAD, MLD, router solicitations) on the wire under test.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
done
ip -n "$a" link add rtx0 type veth peer name rrx0 netns "$b" || txp_kernel_skip "no veth support"
ip -n "$a" link set rtx0 up
ip -n "$b" link set rrx0 up

fail=0
for case in order-mixed burst-quota; do
    in="$SRC/pcaps/ring/$case/golden.pcap"
    cap="$tmp/$case.pcap"
    # Snaplen 2048 (frames are at most 1514): with 65535 tcpdump's capture ring holds only
    # about 32 frames and the kernel drops the rest of a burst.
    ip netns exec "$b" tcpdump -i rrx0 -n -U --immediate-mode -s 2048 -B 16384 -w "$cap" \
        ether src 02:00:00:00:00:01 2>"$tmp/$case.err" &
    tcpd=$!
    # Wait until tcpdump listens (it says so on stderr).
    i=0
    while ! grep -q "listening on" "$tmp/$case.err" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 100 ] && { cat "$tmp/$case.err"; echo "FAIL: tcpdump did not start"; exit 1; }
        sleep 0.1
    done
    ip netns exec "$a" "$TXPATH" ring send --if rtx0 "$in" || fail=1
    sleep 0.5
    kill -INT "$tcpd"
    wait "$tcpd" 2>/dev/null
    tcpd=""
    python3 - "$in" "$cap" <<'PY' || fail=1
import struct, sys

def records(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        out.append((data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return out

want = records(sys.argv[1])
got = records(sys.argv[2])
bad = 0
for i, (w, g) in enumerate(zip(want, got)):
    if w[0] != g[0] or g[1] != len(w[0]):
        print("frame %d differs: wrote %d bytes, captured %d of %d" % (i, len(w[0]),
                                                                    len(g[0]), g[1]))
        bad = 1
        break
if len(want) != len(got):
    print("wrote %d frames, captured %d" % (len(want), len(got)))
    bad = 1
print("%s: %d frames written, %d captured, %s" % (sys.argv[1].split("/")[-2], len(want),
                                                  len(got), "identical" if not bad else "DIFFER"))
sys.exit(bad)
PY
done
[ $fail -eq 0 ] && echo "PASS: AF_PACKET TX ring frames arrive intact in the peer namespace"
exit $fail
