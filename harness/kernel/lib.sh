# SPDX-License-Identifier: MIT
# harness/kernel/lib.sh: shared helpers for differential tests against the live kernel.
# Source it from a test script registered with txp_add_kernel_test():
#
#     . "$TXP_SOURCE_DIR/harness/kernel/lib.sh"
#     txp_kernel_require ip iptables      # skip loudly (exit 77) if the machine cannot
#     ns=$(txp_netns_new fib)             # a fresh namespace, deleted on exit
#     ip -n "$ns" link set lo up
#
# A test that cannot run here must never pass silently: txp_kernel_skip prints a banner that
# CTest shows with --output-on-failure and exits 77, which CTest reports as "Skipped".

txp_kernel_skip() {
    echo "=================================================================="
    echo "SKIPPED (kernel test cannot run on this machine): $*"
    echo "=================================================================="
    exit 77
}

# txp_kernel_require CMD...: root, network namespaces, and each command must be available.
txp_kernel_require() {
    [ "$(id -u)" -eq 0 ] || txp_kernel_skip "not root"
    for c in ip "$@"; do
        command -v "$c" >/dev/null 2>&1 || txp_kernel_skip "command '$c' not found"
    done
    probe="txp-probe-$$"
    ip netns add "$probe" 2>/dev/null || txp_kernel_skip "'ip netns add' failed (no CAP_SYS_ADMIN or no netns support)"
    ip netns del "$probe" 2>/dev/null || true
}

# Namespaces are named txp-TAG-PID-NONCE with this script's PID ($$ is the script's PID in
# the $(...) subshell too, where txp_netns_new usually runs), so the EXIT trap finds them by
# name: a variable set inside $(...) would not reach it.
txp_netns_cleanup() {
    for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^txp-.*-$$-"); do
        ip netns del "$n" 2>/dev/null || true
    done
}

# Work folders made by txp_workdir are removed on exit when the test passed or was skipped,
# and kept (and named) when it failed, for whoever debugs it.
txp_exit_cleanup() {
    rc=$?
    txp_netns_cleanup
    for w in /tmp/txp-*-kernel-$$-*; do
        [ -d "$w" ] || continue
        if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then rm -rf "$w"; else echo "(work folder kept: $w)"; fi
    done
}
trap txp_exit_cleanup EXIT

# txp_workdir TAG: a fresh work folder /tmp/txp-TAG-kernel-PID-XXXXXX (see txp_exit_cleanup).
txp_workdir() {
    mktemp -d "/tmp/txp-$1-kernel-$$-XXXXXX"
}

# txp_netns_new TAG: create a uniquely named namespace (removed when the script exits) and
# print its name.
txp_netns_new() {
    n="txp-$1-$$-$(date +%s%N | tail -c 7)"
    ip netns add "$n" || return 1
    echo "$n"
}

# txp_veth_pair NS_A NS_B ADDR_A/LEN ADDR_B/LEN: a veth pair, v0 in NS_A and v1 in NS_B, with
# IPv6 off in both (no router solicitations or MLD reports in the captures), loopback up, the
# addresses set and both ends up. Returns non-zero when veth or the addresses cannot be set.
txp_veth_pair() {
    ip link add v0 netns "$1" type veth peer name v1 netns "$2" || return 1
    for n in "$1" "$2"; do
        ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
        ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
        ip -n "$n" link set lo up
    done
    ip -n "$1" addr add "$3" dev v0 && ip -n "$2" addr add "$4" dev v1 &&
        ip -n "$1" link set v0 up && ip -n "$2" link set v1 up
}
