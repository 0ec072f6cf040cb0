#!/bin/sh
# SPDX-License-Identifier: MIT
# ipt.kernel.counters: differential test of `txpath ipt eval` against the live kernel's
# iptables counters.
#
# For each seed, counters.py generates an iptables-restore ruleset (raw, mangle, nat, filter:
# every match and target txpath supports that can be exercised on OUTPUT/POSTROUTING, nested
# user chains with -j, -g and RETURN, negations) and a pcap of packets chosen to hit it. A fresh
# namespace gets a veth device d0 (10.0.0.1/24, its peer down: nothing comes back), the default
# route via 10.0.0.2 (a permanent neighbour: no ARP) and a blackhole route for 10.99.0.0/16 (see
# counters.py), the ruleset is loaded with iptables-restore, the packets are sent from the
# namespace on OUTPUT through a raw socket (IP_HDRINCL, IP_NODEFRAG), and `iptables-save -c`
# is compared with what `txpath ipt eval --rules FILE --hook output --out d0 --uid 0 --gid 0
# --masq-addr 10.0.0.1 --pcap SAME.pcap` prints after its verdict lines: every built-in chain's
# policy counters and every rule's packet and byte counters must be equal (and the rule texts
# the same). A mismatch prints the seed, each differing counter with its rule and a diff, and
# keeps the work folder.
#
# Every seed runs twice on the kernel side: with iptables-restore / iptables-save (1.8.9, the
# nf_tables build, the default here) and, when installed, with iptables-legacy-restore /
# iptables-legacy-save (ip_tables' ipt_do_table itself); both must equal txpath.
# TXP_IPT_KERNEL_VARIANTS="nft" (or "legacy") restricts the run to one of them.
#
# Usage: counters.sh TXPATH [SEEDS]      (default 6 seeds, 100 packets each)
set -u
txpath=$1
seeds=${2:-6}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../harness/kernel/lib.sh"
txp_kernel_require iptables-restore iptables-save
variants=${TXP_IPT_KERNEL_VARIANTS:-nft legacy}
command -v iptables-legacy-restore >/dev/null 2>&1 || variants=$(echo "$variants" | sed 's/legacy//')
[ -x /usr/bin/python3 ] || txp_kernel_skip "/usr/bin/python3 not found"
[ -x "$txpath" ] || txp_kernel_skip "txpath binary '$txpath' not built"
py="/usr/bin/python3 $here/counters.py"

work=$(txp_workdir ipt)
fails=0
runs=0
for seed in $(seq 1 "$seeds"); do
for variant in $variants; do
    case $variant in
    legacy) restore=iptables-legacy-restore save=iptables-legacy-save ;;
    *) restore=iptables-restore save=iptables-save ;;
    esac
    runs=$((runs + 1))
    d="$work/seed$seed-$variant"
    mkdir -p "$d"
    $py gen "$seed" "$d" || { echo "FAIL: counters.py gen $seed"; fails=$((fails + 1)); continue; }
    ns=$(txp_netns_new ipt) || txp_kernel_skip "cannot create a namespace"
    ip -n "$ns" link set lo up
    # d0's peer stays down: what leaves d0 is dropped, nothing comes back
    ip -n "$ns" link add d0 type veth peer name d0peer || txp_kernel_skip "veth not available"
    ip -n "$ns" addr add 10.0.0.1/24 dev d0
    ip -n "$ns" link set d0 up
    ip -n "$ns" route add default via 10.0.0.2 dev d0
    ip -n "$ns" neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0 nud permanent
    ip -n "$ns" route add blackhole 10.99.0.0/16
    if ! ip netns exec "$ns" $restore <"$d/rules" 2>"$d/restore.err"; then
        if grep -qi "can't initialize\|not supported\|Could not fetch rule set" "$d/restore.err"; then
            txp_kernel_skip "iptables cannot load rules in a namespace here: $(head -1 "$d/restore.err")"
        fi
        echo "FAIL seed $seed ($variant): $restore refused the generated ruleset:"
        cat "$d/restore.err"
        fails=$((fails + 1))
        ip netns del "$ns"
        continue
    fi
    ip netns exec "$ns" $py send "$d/packets.pcap" >"$d/send.log" 2>&1 ||
        { echo "FAIL seed $seed ($variant): sending failed"; cat "$d/send.log"; fails=$((fails + 1)); }
    ip netns exec "$ns" $save -c | grep -v '^#' >"$d/kernel.save"
    ip netns del "$ns"

    if ! "$txpath" ipt eval --rules "$d/rules" --hook output --out d0 --uid 0 --gid 0 \
        --masq-addr 10.0.0.1 --pcap "$d/packets.pcap" >"$d/eval.out" 2>"$d/eval.err"; then
        echo "FAIL seed $seed ($variant): txpath ipt eval failed:"
        cat "$d/eval.err"
        fails=$((fails + 1))
        continue
    fi
    # the counters: everything from the first table line on
    sed -n '/^\*/,$p' "$d/eval.out" | grep -v '^#' >"$d/txpath.save"
    if ! $py compare "$d/kernel.save" "$d/txpath.save" >"$d/compare.txt"; then
        echo "FAIL seed $seed ($variant, $(cat "$d/send.log")): counters differ from the kernel's"
        cat "$d/compare.txt"
        diff -u "$d/kernel.save" "$d/txpath.save" | head -80
        fails=$((fails + 1))
    else
        echo "seed $seed ($variant): $(tail -1 "$d/compare.txt") ($(cat "$d/send.log"))"
    fi
done
done
if [ "$fails" -ne 0 ]; then
    echo "ipt.kernel.counters: $fails of $runs run(s) failed (work folder: $work)"
    exit 1
fi
echo "ipt.kernel.counters: $runs run(s) ($seeds seeds x $variants), every counter equal to the kernel's"
exit 0
