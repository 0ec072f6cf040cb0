#!/bin/sh
# SPDX-License-Identifier: MIT
# fib.kernel.select-default: differential test of fib_select_default against the live kernel.
#
# Linux chooses among several default routes of one table, TOS and metric by the neighbour
# state of their gateways (net/ipv4/fib_semantics.c: fib_select_default, fib_detect_death):
# a REACHABLE gateway is taken at once, a valid one if it was the last choice, else a last
# resort; the choice is remembered in the first route (fa_default) and changes what the next
# lookup picks. Each round builds a namespace with one veth, appends 2-4 default routes via
# gateways on the link (plus, on some rounds, a metric-10 default and a TOS default), gives
# each gateway a random stable neighbour state (none, REACHABLE, STALE, PERMANENT, NOARP,
# FAILED; DELAY, PROBE and INCOMPLETE change by themselves within a second, so they are left to
# the unit tests), snapshots the namespace with `ip neigh show nud all`, then asks the same
# sequence of `ip route get` of the kernel and of one `txpath route get` run. Every answer must
# be the same line.
#
# Usage: select_default.sh TXPATH [ROUNDS] [LOOKUPS]   (defaults: 24 rounds, 6 lookups each)
set -u
txpath=$1
rounds=${2:-24}
lookups=${3:-6}
. "$(dirname "$0")/../../../harness/kernel/lib.sh"
txp_kernel_require ip awk

work=$(txp_workdir fibdflt)
fails=0
total=0
chosen=""

for round in $(seq 1 "$rounds"); do
    ns=$(txp_netns_new fibdflt) || txp_kernel_skip "cannot create a namespace"
    N="ip -n $ns"
    $N link set lo up
    $N link add v0 type veth peer name p0 || txp_kernel_skip "veth not available"
    $N link set v0 up
    $N link set p0 up
    $N addr add 10.0.0.1/24 dev v0

    # The round's routes, neighbour states and lookups, from the round number (reproducible).
    awk -v seed="$round" -v lookups="$lookups" -v batch="$work/batch" -v queries="$work/q" '
    function r(n) { return int(rand() * n) }
    BEGIN {
        srand(seed * 7919)
        states[0] = "absent"; states[1] = "reachable"; states[2] = "stale"
        states[3] = "permanent"; states[4] = "noarp"; states[5] = "failed"
        n = 2 + r(3)
        for (i = 0; i < n; i++) {
            gw = "10.0.0." (2 + i)
            print "route append default via " gw " dev v0" > batch
            st = states[r(6)]
            if (st != "absent")
                print "neigh replace " gw " dev v0 lladdr 02:00:00:00:00:" sprintf("%02x", 2 + i) " nud " st > batch
        }
        if (r(2)) print "route append default via 10.0.0.20 dev v0 metric 10" > batch
        if (r(3) == 0) {
            print "route append default via 10.0.0.21 dev v0 tos 0x10" > batch
            print "route append default via 10.0.0.22 dev v0 tos 0x10" > batch
            print "neigh replace 10.0.0.22 dev v0 lladdr 02:00:00:00:00:22 nud reachable" > batch
        }
        for (i = 0; i < lookups; i++) {
            q = "198.51.100." (1 + r(250))
            if (r(4) == 0) q = q " tos 0x10"
            if (r(5) == 0) q = q " from 10.0.0.1"
            print q > queries
        }
    }'
    $N -batch "$work/batch" || {
        echo "round $round: ip -batch failed on:"
        cat "$work/batch"
        exit 1
    }
    host="$work/host-$round"
    "$txpath" snapshot "$host" --netns "$ns" >/dev/null || {
        echo "txpath snapshot --netns $ns failed"
        exit 1
    }
    # every state, NOARP and NONE included (plain `ip neigh show` leaves those out)
    $N neigh show nud all >"$host/ip-neigh"

    : >"$work/kernel"
    args=""
    while read -r q; do
        # shellcheck disable=SC2086
        $N route get $q 2>&1 | head -n 1 | sed -e 's/ uid [0-9]* *$//' -e 's/ *$//' >>"$work/kernel"
        args="$args $q --"
    done <"$work/q"
    # the states must not have moved while the kernel answered
    $N neigh show nud all >"$work/neigh-after"
    if ! cmp -s "$host/ip-neigh" "$work/neigh-after"; then
        echo "round $round: neighbour states changed during the lookups; round not counted"
        ip netns del "$ns"
        continue
    fi
    # shellcheck disable=SC2086
    "$txpath" route get --host "$host" $args 2>/dev/null | sed 's/ *$//' >"$work/txpath"
    total=$((total + $(wc -l <"$work/q")))
    chosen="$chosen $(awk '{ print $3 }' "$work/kernel" | sort -u | tr '\n' ' ')"
    if ! paste -d '|' "$work/q" "$work/kernel" "$work/txpath" | awk -F'|' -v round="$round" '
        $2 != $3 { bad++; printf "MISMATCH round %s, lookup %d: route get %s\n  kernel: %s\n  txpath: %s\n", round, NR, $1, $2, $3 }
        END { exit bad ? 1 : 0 }'; then
        fails=$((fails + 1))
        echo "--- routes and neighbours of round $round (snapshot kept in $host):"
        cat "$work/batch"
    fi
    ip netns del "$ns"
done

# The test means something only if the kernel picked other gateways than the first.
nchosen=$(echo "$chosen" | tr ' ' '\n' | grep -c '^10\.0\.0\.[3-9]$' || true)
if [ "$fails" -ne 0 ]; then
    echo "fib.kernel.select-default: $fails of $rounds rounds had mismatches (work folder $work)"
    exit 1
fi
if [ "$nchosen" -eq 0 ]; then
    echo "fib.kernel.select-default: the kernel never chose a gateway other than the first:"
    echo "the rounds did not exercise fib_select_default"
    exit 1
fi
echo "fib.kernel.select-default: $total lookups over $rounds rounds agree with the kernel" \
    "($nchosen rounds where the kernel chose a later default route)"
