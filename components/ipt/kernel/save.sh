#!/bin/sh
# SPDX-License-Identifier: MIT
# ipt.kernel.save: `txpath ipt save` against the live iptables-save.
#
# Every ruleset below (all five tables, every supported match and target, nested user chains,
# goto, negations, implicit matches, -I, canonical spellings, -c counters, and a generated set
# of combined rules) is restored with iptables-restore [-c] into a fresh namespace; the
# namespace's `iptables-save [-c]` output without its comment lines must equal
# `txpath ipt save [-c] --rules FILE` byte for byte (a diff is printed otherwise).
# Then every input of the reject list must be refused by both iptables-restore and txpath
# (and every accepted one accepted by both).
#
# Usage: save.sh TXPATH      (skips loudly, exit 77, without root, netns or iptables)
set -u
txpath=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../harness/kernel/lib.sh"
txp_kernel_require iptables-restore iptables-save
# txpath prints what the nf_tables variant prints (the legacy one orders tables and chains
# otherwise): use it explicitly when it is installed under its own name.
restore=iptables-restore
save=iptables-save
if command -v iptables-nft-restore >/dev/null 2>&1 && command -v iptables-nft-save >/dev/null 2>&1; then
    restore=iptables-nft-restore
    save=iptables-nft-save
fi
$save -V 2>/dev/null | grep -q 'nf_tables' || txp_kernel_skip "$save is not the nf_tables variant"
$save -V | grep -q 'v1\.8\.9' || echo "note: $($save -V) (txpath models v1.8.9)"
work=$(txp_workdir ipt-save)
fails=0
checks=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# compare NAME [-c]: restore $work/NAME.rules in a fresh namespace and compare the saves.
compare() {
    name=$1
    c=${2:-}
    ns=$(txp_netns_new ipts) || { fail "$name: cannot create a namespace"; return; }
    checks=$((checks + 1))
    if ! ip netns exec "$ns" $restore $c "$work/$name.rules" 2>"$work/$name.kerr"; then
        fail "$name: iptables-restore $c refused the ruleset: $(cat "$work/$name.kerr")"
        ip netns del "$ns"
        return
    fi
    ip netns exec "$ns" $save $c | grep -v '^#' >"$work/$name.kernel"
    ip netns del "$ns"
    if ! "$txpath" ipt save $c --rules "$work/$name.rules" >"$work/$name.txpath" 2>"$work/$name.terr"; then
        fail "$name: txpath ipt save $c failed: $(cat "$work/$name.terr")"
        return
    fi
    if ! diff -u "$work/$name.kernel" "$work/$name.txpath" >"$work/$name.diff"; then
        fail "$name ($c): iptables-save (-) and txpath ipt save (+) differ:"
        cat "$work/$name.diff"
    fi
}

rules() { cat >"$work/$1.rules"; }

# ---------------------------------------------------------------- the rulesets
rules filter-matches <<'R'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:zeta - [0:0]
:alpha - [0:0]
-A OUTPUT -p tcp --dport 80 -j ACCEPT
-A OUTPUT -p tcp --syn -j zeta
-A OUTPUT -p udp --sport 1000:2000 ! --dport 53 -j alpha
-A OUTPUT -p icmp --icmp-type echo-request -j ACCEPT
-A OUTPUT -p icmp --icmp-type 3/4 -j ACCEPT
-A OUTPUT -p icmp ! --icmp-type any -j ACCEPT
-A OUTPUT -p icmp --icmp-type port-unreachable
-A OUTPUT -p icmp --icmp-type time-exceeded
-A OUTPUT -p icmp --icmp-type 255
-A OUTPUT -s 10.0.0.0/8 -d 192.168.1.1 -j DROP
-A OUTPUT ! -s 10.200.0.0/255.255.0.255 ! -d 1.2.3.4/24 -o eth+ -j DROP
-A OUTPUT -o + -j DROP
-A OUTPUT ! -o + -j DROP
-A OUTPUT ! -o lo -p 17 -j DROP
-A OUTPUT ! -p tcp -f -j DROP
-A OUTPUT ! -f -j DROP
-A OUTPUT -d 10.1 -p 47
-A OUTPUT -s 1.2.3.4/0 -p 255
-A OUTPUT -p all
-A OUTPUT -p ipv6-icmp
-A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
-A OUTPUT -m state ! --state NEW,INVALID,UNTRACKED
-A OUTPUT -m conntrack --ctstate NEW,INVALID,UNTRACKED,SNAT,DNAT --ctdir REPLY -j ACCEPT
-A OUTPUT -m conntrack ! --ctstate NEW --ctdir ORIGINAL -j ACCEPT
-A OUTPUT -m mark --mark 0x1/0xff -j ACCEPT
-A OUTPUT -m mark ! --mark 5 -j ACCEPT
-A OUTPUT -m connmark --mark 7 -m mark --mark 8
-A OUTPUT -m connmark ! --mark 0x10/0xf0
-A OUTPUT -m length --length 100:200 -j ACCEPT
-A OUTPUT -m length ! --length 300 -j ACCEPT
-A OUTPUT -m length --length 5:
-A OUTPUT -m limit -j ACCEPT
-A OUTPUT -m limit --limit 5/sec --limit-burst 10 -j ACCEPT
-A OUTPUT -m limit --limit 100/min -j ACCEPT
-A OUTPUT -m limit --limit 7/day -j ACCEPT
-A OUTPUT -m limit --limit 60/min --limit-burst 5
-A OUTPUT -m limit --limit 24/day --limit-burst 1
-A OUTPUT -m limit --limit 3000/s
-A OUTPUT -m limit --limit 13/h
-A OUTPUT -m limit --limit 2/m
-A OUTPUT -m limit --limit 7
-A OUTPUT -m limit --limit-burst 6
-A OUTPUT -m limit --limit 1/sec --limit-burst 0
-A OUTPUT -m comment --comment "hello world" -j ACCEPT
-A OUTPUT -m comment --comment plain -j ACCEPT
-A OUTPUT -m comment --comment "a \"q\" b"
-A OUTPUT -m comment --comment "it's"
-A OUTPUT -m comment --comment "back\\slash"
-A OUTPUT -m comment --comment ""
-A OUTPUT -m comment --comment "tab	x"
-A OUTPUT -m comment --comment "héllo wörld $HOME a#b \\y"
-A OUTPUT -m comment --comment aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghijklmn
-A OUTPUT -j LOG --log-prefix "a'b"
-A OUTPUT -m iprange --src-range 1.1.1.1-1.1.1.5 ! --dst-range 2.2.2.2-2.2.2.9 -j ACCEPT
-A OUTPUT -m iprange --src-range 1.2.3.4
-A OUTPUT -m iprange ! --src-range 1.2.3.4-1.2.4.0
-A OUTPUT -m addrtype --src-type LOCAL --dst-type UNICAST,BROADCAST --limit-iface-out -j ACCEPT
-A OUTPUT -m addrtype ! --dst-type MULTICAST -j ACCEPT
-A OUTPUT -m addrtype ! --src-type UNSPEC,ANYCAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE
-A OUTPUT -m owner --uid-owner 1000 -j ACCEPT
-A OUTPUT -m owner ! --gid-owner 100-200 -j ACCEPT
-A OUTPUT -m owner --socket-exists -j ACCEPT
-A OUTPUT -m owner --uid-owner 0-10 ! --socket-exists --gid-owner 5
-A OUTPUT -m tos --tos 0x10 -j ACCEPT
-A OUTPUT -m tos ! --tos Minimize-Delay -j ACCEPT
-A OUTPUT -m tos --tos 0x08/0x0c -j ACCEPT
-A OUTPUT -m tos --tos Normal-Service
-A OUTPUT -m dscp --dscp 10 -j ACCEPT
-A OUTPUT -m dscp ! --dscp-class EF -j ACCEPT
-A OUTPUT -m dscp --dscp 0x3f
-A OUTPUT -m dscp --dscp-class cs4
-A OUTPUT -m ttl --ttl-eq 64 -j ACCEPT
-A OUTPUT -m ttl ! --ttl-eq 3 -j ACCEPT
-A OUTPUT -m ttl --ttl-lt 3 -j ACCEPT
-A OUTPUT -m ttl --ttl-gt 200 -j ACCEPT
-A OUTPUT -m pkttype --pkt-type broadcast -j ACCEPT
-A OUTPUT -m pkttype ! --pkt-type unicast -j ACCEPT
-A OUTPUT -m pkttype --pkt-type MULTICAST
-A OUTPUT -m pkttype --pkt-type otherhost
-A OUTPUT -p tcp -m multiport --dports 80,443,1000:2000 -j ACCEPT
-A OUTPUT -p udp -m multiport ! --sports 1,2 -j ACCEPT
-A OUTPUT -p tcp -m multiport --ports 5 -j ACCEPT
-A OUTPUT -p tcp -m multiport --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
-A OUTPUT -p tcp -m multiport --destination-ports 1:2,3:4,5:6,7:8,9:10,11:12,13
-A OUTPUT -p tcp --tcp-flags ALL NONE -j DROP
-A OUTPUT -p tcp ! --tcp-flags SYN,ACK,URG,PSH ACK -j DROP
-A OUTPUT -p tcp --tcp-option 2 -j DROP
-A OUTPUT -p tcp ! --tcp-option 8 --sport 5 -j DROP
-A OUTPUT -p tcp ! --syn
-A OUTPUT -p tcp --sport 0:65535
-A OUTPUT -p tcp --sport :100 --dport 100:
-A OUTPUT -p tcp --dport 5:5 --source-port 22
-A OUTPUT -p TCP --destination-port http
-A OUTPUT -p tcp --dport 80 -m comment --comment x --sport 5 -j ACCEPT
-A OUTPUT -m comment --comment x -p tcp --dport 80 -j ACCEPT
-A OUTPUT -p tcp -m tcp --dport 80 -m tcp --sport 5 -j ACCEPT
-A OUTPUT -m tcp -p tcp
-A OUTPUT -p 6 --dport 7
-A OUTPUT -p udp -m udp -m comment --comment c
-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset
-A OUTPUT -j REJECT
-A OUTPUT -j REJECT --reject-with icmp-host-prohibited
-A OUTPUT -j REJECT --reject-with icmp-net-unreachable
-A OUTPUT -j REJECT --reject-with host-unreach
-A OUTPUT -j REJECT --reject-with icmp-proto-unreachable
-A OUTPUT -j REJECT --reject-with icmp-net-prohibited
-A OUTPUT -j REJECT --reject-with admin-prohib
-A OUTPUT -j LOG
-A OUTPUT -j LOG --log-prefix "abc: " --log-level debug --log-tcp-options --log-ip-options --log-uid
-A OUTPUT -j LOG --log-level warning --log-tcp-sequence --log-macdecode
-A OUTPUT -j LOG --log-level 0 --log-prefix "x\"y"
-A OUTPUT -j LOG --log-prefix abc
-A OUTPUT -j MARK --set-mark 0x100/0xff
-A OUTPUT -j CONNMARK --set-xmark 5/7
-A INPUT -m mac --mac-source 00:11:22:aa:bb:cc -j ACCEPT
-A INPUT -m mac ! --mac-source 00:11:22:AA:BB:CC -i eth0 -j ACCEPT
-A INPUT -i eth+ ! -s 10.0.0.1 -m addrtype --dst-type LOCAL --limit-iface-in
-A FORWARD -i a -o b -m mac --mac-source 02:00:00:00:00:01 -j REJECT
-A zeta -j RETURN
-A alpha -g zeta
-A alpha
COMMIT
R

rules all-tables <<'R'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT DROP [0:0]
:rawchain - [0:0]
-A OUTPUT -p udp -j NOTRACK
-A OUTPUT -p tcp -j CT --notrack
-A OUTPUT -p tcp -j CT --zone 5
-A PREROUTING -j CT --zone 0
-A PREROUTING -j rawchain
-A rawchain -m mac --mac-source 00:00:00:00:00:01 -j NOTRACK
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:Bchain - [0:0]
:achain - [0:0]
:_x - [0:0]
:a-b - [0:0]
-A OUTPUT -j MARK --set-mark 5
-A OUTPUT -j MARK --set-mark 5/0xff
-A OUTPUT -j MARK --set-xmark 0x5/0xf
-A OUTPUT -j MARK --and-mark 0xf0
-A OUTPUT -j MARK --or-mark 0x3
-A OUTPUT -j MARK --xor-mark 0x3
-A OUTPUT -j CONNMARK --set-mark 5
-A OUTPUT -j CONNMARK --set-xmark 5/7
-A OUTPUT -j CONNMARK --save-mark
-A OUTPUT -j CONNMARK --restore-mark
-A OUTPUT -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf
-A OUTPUT -j CONNMARK --restore-mark --mask 0xff
-A OUTPUT -j CONNMARK --and-mark 0xff
-A OUTPUT -j CONNMARK --or-mark 0x10
-A OUTPUT -j TOS --set-tos 0x10
-A OUTPUT -j TOS --set-tos Minimize-Delay
-A OUTPUT -j TOS --set-tos 0x10/0x3f
-A OUTPUT -j TOS --set-tos 0x10/0x0f
-A OUTPUT -j TOS --and-tos 0x3
-A OUTPUT -j TOS --or-tos 0x3
-A OUTPUT -j TOS --xor-tos 0x3
-A OUTPUT -j DSCP --set-dscp 10
-A OUTPUT -j DSCP --set-dscp-class AF41
-A OUTPUT -j DSCP --set-dscp 0
-A POSTROUTING -j TTL --ttl-set 5
-A POSTROUTING -j TTL --ttl-inc 1
-A POSTROUTING -j TTL --ttl-dec 2
-A POSTROUTING -j TTL --ttl-set 0
-A PREROUTING -j Bchain
-A achain -j RETURN
-A Bchain -j achain
-A Bchain -j _x
-A _x -g a-b
-A a-b -m mac --mac-source 00:00:00:00:00:02 -j TOS --set-tos 1
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:dnat - [0:0]
-A OUTPUT -p tcp -d 1.2.3.4 -j DNAT --to-destination 10.0.0.1:8080
-A OUTPUT -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5:80-90
-A OUTPUT -j DNAT --to-destination 10.0.0.1
-A OUTPUT -p udp -j DNAT --to-destination 10.0.0.1:53 --random --persistent
-A OUTPUT -p udp -j REDIRECT --to-ports 53
-A OUTPUT -p udp -j REDIRECT
-A OUTPUT -p udp -j REDIRECT --to-ports 5-10 --random
-A OUTPUT -j dnat
-A PREROUTING -j dnat
-A dnat -p tcp --dport 8080 -j REDIRECT --to-ports 80
-A POSTROUTING -j SNAT --to-source 1.1.1.1
-A POSTROUTING -p udp -j SNAT --to-source 1.1.1.1:1000-2000 --random --persistent
-A POSTROUTING -j SNAT --to-source 1.1.1.1-1.1.1.9 --random-fully
-A POSTROUTING -j MASQUERADE
-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random-fully
-A POSTROUTING -p udp -j MASQUERADE --to-ports 7 --random
-A POSTROUTING -p tcp -j SNAT --to-source :1000
-A INPUT -j SNAT --to-source 1.1.1.1
COMMIT
*security
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -j ACCEPT
-A INPUT -j DROP
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A OUTPUT -j ACCEPT
COMMIT
R

rules nested-counters <<'R'
# nested user chains, goto, RETURN, and counters everywhere
*filter
:INPUT ACCEPT [11:1100]
:FORWARD DROP [0:0]
:OUTPUT DROP [5:500]
:l1 - [3:4]
:l2 - [0:0]
:l3 - [0:0]
:g1 - [0:0]
[7:700] -A OUTPUT -p tcp -j l1
[1:2] -A OUTPUT -p udp -g g1
[0:0] -A OUTPUT -j ACCEPT
[2:200] -A l1 -s 10.0.0.0/8 -j l2
-A l1 -j RETURN
[18446744073709551615:18446744073709551615] -A l2 ! -d 10.1.0.0/16 -j l3
[5:5] -A l3 -j DROP
-A g1 -j l3
[9:900] -A INPUT -j l1
COMMIT
*nat
-A OUTPUT -j ACCEPT
COMMIT
R

rules counter-forms <<'R'
# counters as iptables-restore reads them (strtok, strtoull, sscanf)
*filter
:OUTPUT DROP [3:4]junk
:INPUT ACCEPT [-1:7]
[1:2:3] -A OUTPUT
[-1:2] -A OUTPUT
[18446744073709551616:2]-A OUTPUT
[ 0x10:2] -A OUTPUT
[::5:6]   -A INPUT
COMMIT
R

rules order-insert <<'R'
*filter
-A OUTPUT -j DROP
COMMIT
*filter
:OUTPUT ACCEPT [0:0]
-A OUTPUT -j ACCEPT
-I OUTPUT -j DROP
-I OUTPUT 2 -j RETURN
-I OUTPUT 4 -p udp
-A INPUT -j ACCEPT
COMMIT
*raw
COMMIT
*mangle
:POSTROUTING DROP [0:0]
COMMIT
R

rules quirks <<'R'
# getopt abbreviations, C-notation addresses and masks, implicit loads after '!' -p
*filter
:c - [0:0]
-A OUTPUT ! -p tcp --dport 80
-A OUTPUT -p tcp --dpo 80
-A OUTPUT --proto tcp
-A OUTPUT --sr 1.2.3.4
-A OUTPUT --sou 1.2.3.4
-A OUTPUT -p tcp --sp 5
-A OUTPUT -p tcp --so 5
-A OUTPUT -m comment --comm x -j LOG --log-p y
-A OUTPUT -p udp --dp 5 -m udp --sp 6
-A OUTPUT --jump ACCEPT --fragment
-A OUTPUT --goto c
-A OUTPUT --out lo
-A OUTPUT --ma comment --comment x
-A OUTPUT -m conntrack --ctdir reply
-A OUTPUT -s 010.0.0.1
-A OUTPUT -s 0x0a.0.0.1/0x18
-A OUTPUT -d 10.0.0.1/024
-A OUTPUT -d 1.0x2.3.4 -s 0377.0.0.1
-A OUTPUT -s 1.2.3.4/255.255.255.255 -d 1.2.3.4/0.0.0.0
-A OUTPUT -s 1.2.3 -d 1
-A OUTPUT -j CONNMARK --set-mark 1 --mask 3
-A OUTPUT -j CONNMARK --set-xmark 1/4 --nfmask 3 --ctmask 5
-A OUTPUT -p icmp --icmp-type echo-req
-A OUTPUT -m state --state new
-A OUTPUT -m addrtype --src-type local
-A OUTPUT -m mark --mark 0X10
-A OUTPUT -p tcp --tcp-flags syn syn
-A OUTPUT -p tcp --tcp-flags SYN,,ACK SYN
-A OUTPUT -m length --length :5
-A OUTPUT -m owner --uid-owner 4294967294
-A OUTPUT -m tos --tos 16
-A OUTPUT -p tcp -m multiport --dports http,https
-A OUTPUT -p tcp -j REJECT --reject-with tcp-rst
-A OUTPUT -j LOG --log-level alert
-A OUTPUT -j LOG --log-level panic
-A OUTPUT -j LOG --log-prefix aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
-A c -i lo -o lo
-A OUTPUT -p tcp ! --syn --dport 5
-A OUTPUT -m pkttype --pkt-type host
-A OUTPUT -m pkttype --pkt-type Broadcast
-A OUTPUT -m limit --limit 1/sec --limit-burst 10000
-A OUTPUT -p udp -m udp --sport 1 -m udp --dport 2
-A OUTPUT -p udp -m udp --dport 1 -m udp --dport 2
-A OUTPUT -p 6 -m tcp --dport 1 -m tcp ! --tcp-option 2
-A OUTPUT -p tcp -m tcp -m tcp --dport 2
-A OUTPUT -p tcp -m tcp --dport 2 -m tcp
-A OUTPUT -p tcp -m tcp --dport 2 -m tcp --sport 0:65535
-A OUTPUT -p tcp -m tcp ! --sport 0:65535
-A OUTPUT -p tcp -m tcp ! --tcp-flags SYN NONE -m tcp --tcp-flags ACK ACK
-A OUTPUT -p tcp -m tcp --tcp-flags NONE NONE
-A OUTPUT -p tcp -m tcp ! --tcp-flags NONE NONE
-A OUTPUT -p tcp -m tcp ! --tcp-flags NONE SYN
-A OUTPUT -p tcp -m tcp ! --dport 0:65535 --sport 5
-A OUTPUT -p udp ! --dport 0:65535 -m udp --dport 7
-A OUTPUT -p udp --dport 8 -m udp ! --sport 6 -m udp ! --dport 7
-A OUTPUT -p tcp ! --tcp-option 3 ! --sport 0:65535
-A OUTPUT -p tcp --tcp-option 5 -m comment --comment x -m tcp --dport 7
-A OUTPUT -p tcp --dport 1 -m tcp --dport 2 -m tcp --tcp-flags SYN SYN
COMMIT
R

rules chain-names <<'R'
# a user chain named like a target wins over it; declaring a chain again flushes it
*mangle
:MARK - [0:0]
:NFQUEUE - [0:0]
:x - [0:0]
:OUTPUT DROP [0:0]
-A OUTPUT -j MARK
-A OUTPUT -g NFQUEUE
-A x -j ACCEPT
-A OUTPUT -j x
:x - [0:0]
:OUTPUT ACCEPT [0:0]
-A MARK -j RETURN
-A NFQUEUE -j RETURN
COMMIT
R

rules commands <<'R'
# the chain commands iptables-restore takes on rule lines, -c on a rule, address lists
*filter
-N foo
-A foo -j ACCEPT
-P OUTPUT DROP
-A OUTPUT -c 5 6 -j foo
-N bar
-A bar -j DROP
-F bar
-X bar
-N baz
-A baz -j RETURN
-F baz
-A OUTPUT -s 1.1.1.1,2.2.2.2/24 -d 3.3.3.3,4.4.4.4 -j ACCEPT
-I OUTPUT -s 5.5.5.5,6.6.6.6 -j DROP
-I OUTPUT 3 -d 7.7.7.7,8.8.8.8 -p udp --dport 53
-A OUTPUT -s 1.1.1.1,1.1.1.1
-A baz -j foo
-F OUTPUT
-A OUTPUT -j baz
COMMIT
R

rules empty-sections <<'R'
*nat
:POSTROUTING ACCEPT [0:0]
COMMIT
*security
:only - [0:0]
COMMIT
R

# A generated set: protocol part x two matches x target, deterministic.
gen_combined() {
    awk 'BEGIN {
        np = split("|-p tcp --dport 22|-p udp ! --sport 1:1024|-p icmp --icmp-type 0|! -p tcp|-p tcp --syn|-p udp -m multiport --ports 53,67:68|-p tcp ! --tcp-flags SYN,FIN SYN|-f|-s 192.168.0.0/16 -p tcp", P, "|");
        nm = split("|-m mark --mark 0x2/0x3|-m connmark ! --mark 9|-m state --state NEW|-m conntrack --ctstate RELATED --ctdir ORIGINAL|-m length --length 64:1500|-m limit --limit 10/min|-m comment --comment \"gen rule\"|-m iprange ! --dst-range 10.0.0.1-10.0.0.9|-m addrtype --dst-type LOCAL|-m owner --uid-owner 42|-m tos --tos 0x04/0x0f|-m dscp --dscp 7|-m ttl --ttl-gt 10|-m pkttype --pkt-type multicast|-d 10.9.8.7|! -o eth1", M, "|");
        nt = split("|-j ACCEPT|-j DROP|-j RETURN|-j LOG --log-prefix gen|-j REJECT|-j MARK --set-mark 3|-j sub|-g sub|-j CONNMARK --save-mark", T, "|");
        print "*filter";
        print ":sub - [0:0]";
        for (i = 0; i < 300; i++) {
            p = P[(i % np) + 1]; m1 = M[(i % nm) + 1]; m2 = M[((i * 7 + 3) % nm) + 1];
            t = T[((i * 3 + 1) % nt) + 1];
            if (m1 ~ /^-d / && m2 ~ /^-d /) m2 = "";
            if (m1 ~ /-o / && m2 ~ /-o /) m2 = "";
            if (p ~ /^-s / && (m1 ~ /^-s / || m2 ~ /^-s /)) m2 = "";
            printf "-A OUTPUT %s %s %s %s\n", p, m1, m2, t;
        }
        print "-A sub -j RETURN";
        print "COMMIT";
    }'
}
gen_combined >"$work/generated.rules"

# nf_tables refuses a chain entered 16 jumps (or gotos) deep from a built-in chain.
gen_deep() {
    awk -v n="$1" 'BEGIN {
        print "*filter";
        for (i = 0; i < n; i++) printf ":c%d - [0:0]\n", i;
        print "-A OUTPUT -j c0";
        for (i = 0; i < n - 1; i++) printf "-A c%d -%s c%d\n", i, (i % 3 ? "g" : "j"), i + 1;
        print "COMMIT";
    }'
}
gen_deep 15 >"$work/deep15.rules"

# ---------------------------------------------------------------- run
for f in "$work"/*.rules; do
    n=$(basename "$f" .rules)
    compare "$n"
    compare "$n" -c
done

# ---------------------------------------------------------------- rejections agree
# Each line: one rule (or chain line) for the filter table; iptables-restore and txpath must
# agree on accepting it or not.
i=0
while IFS= read -r line; do
    i=$((i + 1))
    printf '*filter\n:c - [0:0]\n%b\nCOMMIT\n' "$line" >"$work/agree-$i.rules"
    ns=$(txp_netns_new ipta) || { fail "cannot create a namespace"; continue; }
    k=0
    ip netns exec "$ns" $restore "$work/agree-$i.rules" >/dev/null 2>&1 || k=1
    ip netns del "$ns"
    t=0
    "$txpath" ipt save --rules "$work/agree-$i.rules" >/dev/null 2>"$work/agree-$i.err" || t=1
    checks=$((checks + 1))
    if [ "$k" != "$t" ]; then
        fail "'$line': iptables-restore $( [ $k = 1 ] && echo refused || echo accepted ) it, txpath $( [ $t = 1 ] && echo "refused it: $(cat "$work/agree-$i.err")" || echo accepted it)"
    fi
done <<'L'
-A OUTPUT -p tcp --dport ! 80
-A OUTPUT -s ! 1.2.3.4
-A OUTPUT ! ! -s 1.2.3.4
-A OUTPUT ! -m state --state NEW
-A OUTPUT -m state --state NEW !
-A OUTPUT -j ACCEPT -j DROP
-A OUTPUT -p tcp -p udp
-A OUTPUT -p tcp --dport 5 --dport 6
-A OUTPUT -p tcp --dport 70000
-A OUTPUT -p tcp --dport 80:20
-A OUTPUT -p tcp --bogus 5
-A OUTPUT -m foo
-A OUTPUT -j FOO
-A nochain -j ACCEPT
-A OUTPUT -m udp --dport 5
-A OUTPUT -p udp -m tcp --dport 5
-A OUTPUT -p icmp -m icmp
-A OUTPUT -m multiport --dports 5 -p tcp
-A OUTPUT -m limit --limit 10001/sec
-A OUTPUT -m limit --limit 0/sec
-A OUTPUT -m ttl ! --ttl-lt 5
-A OUTPUT -m addrtype
-A OUTPUT -m comment --comment a"b c"d
-A OUTPUT --append OUTPUT
-A OUTPUT -i eth0
-A INPUT -o eth0
-A OUTPUT -j MARK
-A OUTPUT -j DNAT --to-destination 1.1.1.1
-A OUTPUT -m mac --mac-source 00:11:22:33:44:55
-A c -m mac --mac-source 00:11:22:33:44:55\n-A OUTPUT -j c
-A c -m mac --mac-source 00:11:22:33:44:55
-A INPUT -m owner --uid-owner 5
-A OUTPUT -j REJECT --reject-with tcp-reset
-A OUTPUT -m addrtype --limit-iface-in --src-type LOCAL
-A OUTPUT -j TOS --set-tos 1
-A OUTPUT -j TTL --ttl-set 1
-A OUTPUT -j CT --notrack
-A OUTPUT -j OUTPUT
-A OUTPUT -g ACCEPT
-A OUTPUT -j c
-A OUTPUT -g c
:d - [0:0]\n-A OUTPUT -j c\n-A c -j d\n-A d -j c
-A c -j c
:OUTPUT FOO
:x DROP [0:0]
:c - [0:0]
:ACCEPT - [0:0]
-I c 2 -j DROP
-I c 1 -j DROP
-A OUTPUT -p tcp --tcp-flags SYN
-A OUTPUT -p tcp --tcp-flags SYN,FOO SYN
-A OUTPUT -p tcp --tcp-option 0
-A OUTPUT -m length --length 70000
-A OUTPUT -m length --length 50:5
-A OUTPUT -m mark --mark 0x100000000
-A OUTPUT -m dscp --dscp 64
-A OUTPUT -m tos --tos 0x100
-A OUTPUT -m iprange --src-range 1.2.3.9-1.2.3.4
-A OUTPUT -m ttl --ttl-eq 256
-A OUTPUT -m conntrack --ctstate BOGUS
-A OUTPUT -m state --state SNAT
-A OUTPUT -m limit --limit 5/fortnight
-A OUTPUT -j LOG --log-level 8
-A OUTPUT -j LOG --log-prefix aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
-A OUTPUT -j REJECT --reject-with icmp-echo-reply
-A OUTPUT -j REJECT --reject-with bogus
-A OUTPUT -p tcp -m multiport --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
-A OUTPUT ! -p tcp -m multiport --ports 1
-A OUTPUT -p icmp ! --icmp-type 3/300
-A OUTPUT -d 1.2.3.4/33
-A OUTPUT -d 1.2.3.256
-A OUTPUT -o aaaaaaaaaaaaaaaa
-A OUTPUT -o aaaaaaaaaaaaaaa
-A OUTPUT -m pkttype --pkt-type bogus
-A OUTPUT -m mac --mac-source 00:11:22:33:44
-A OUTPUT -p tcp -m multiport --dports 1,,2
-A OUTPUT -s 10.0.0.1/08
-A OUTPUT -s 1.2.3.4.
-A OUTPUT -s 1.2.3.4/32/5
-A OUTPUT -p icmp --icmp-type echo
-A OUTPUT -m limit --limit 1/sec --limit-burst 10001
-A OUTPUT -m limit --limit 1/secx
-A OUTPUT -m mark --mark 1/2/3
-A OUTPUT -m tcp
-A OUTPUT -p tcp --syn --tcp-flags SYN SYN
-A OUTPUT -m length --length 5:6:7
-A OUTPUT -m ttl --ttl-eq 5 --ttl-gt 6
-A OUTPUT -m owner --uid-owner 4294967295
-A OUTPUT -m owner --uid-owner 5-3
-A OUTPUT -m comment --comment a --comment b
-A OUTPUT -m dscp --dscp 10 --dscp-class EF
-A OUTPUT -p tcp -m multiport --dports 1 --sports 2
-A OUTPUT -j LOG --log-level ALERT
-A OUTPUT -j LOG --log-prefix ""
-A OUTPUT -j MARK --set-mark 1 --and-mark 2
-A OUTPUT -j MARK --and-mark 1/2
-A OUTPUT -j CONNMARK --save-mark --set-mark 1
-A OUTPUT -m mac --mac-source 0:1:2:3:4:5
-A OUTPUT -f -f
-A OUTPUT --s 1.2.3.4
-A OUTPUT -m conntrack --ctstate NEW,,ESTABLISHED
-A OUTPUT -m conntrack --ctstate NEW,
-A OUTPUT -m state --state ,NEW
-A OUTPUT -m addrtype --src-type LOCAL,
-A OUTPUT -m addrtype --src-type LOCAL,,UNICAST
-A OUTPUT -p tcp --tcp-flags SYN, SYN
-A OUTPUT -p tcp -m multiport --ports 1,
-A OUTPUT -m state --state ! NEW
-A OUTPUT -m mark --mark ! 1
-A OUTPUT ! --syn -p tcp
-A OUTPUT -m limit ! --limit 5/s
-A OUTPUT -m addrtype ! --limit-iface-out --src-type LOCAL
-A OUTPUT -m conntrack ! --ctdir REPLY
-A OUTPUT -m pkttype --pkt-type outgoing
-A OUTPUT -m dscp --dscp 0x40
-A OUTPUT -m ttl --ttl-eq 5 --ttl-eq 6
[1:2 -A OUTPUT
-A OUTPUT -j REJECT --reject-with icmp-net-prohibited\nCOMMIT\n*mangle\n-A OUTPUT -j REJECT
-A OUTPUT -j ACCEPT\nCOMMIT\n*nat\n-A OUTPUT -j DROP
-A OUTPUT -j ACCEPT\nCOMMIT\n*nat\n-P OUTPUT DROP
-A OUTPUT -j ACCEPT\nCOMMIT\n*nat\n:OUTPUT DROP [0:0]
-A OUTPUT -j ACCEPT\nCOMMIT\n*raw\n-A OUTPUT -j REJECT
-A OUTPUT -j ACCEPT\nCOMMIT\n*security\n-A OUTPUT -j REJECT
-A OUTPUT -j ACCEPT\nCOMMIT\n*nat\n-A OUTPUT -j DNAT --to-destination 2.2.2.2-1.1.1.1
-A OUTPUT ! -p tcp --tcp-option 5
-A OUTPUT ! -p tcp -m tcp
-A OUTPUT ! -p udp -m udp
-A OUTPUT ! -p udp --sport 5
-A OUTPUT -p udp -m tcp --tcp-option 5
-N foo\n-N foo
-N foo\n-A OUTPUT -j foo\n-X foo
-N foo\n-A foo -j ACCEPT\n-X foo
-X OUTPUT
-P foo DROP
-P c DROP
-P OUTPUT RETURN
-N foo bar
-A OUTPUT -c 1 x
-A OUTPUT -c 1 2 -c 3 4
-A OUTPUT -c x 2
-N ACCEPT
-N -foo
-F c\n-X c
-A OUTPUT ! -s 1.1.1.1,2.2.2.2
-A OUTPUT -s 1.1.1.1,
-A OUTPUT -d ,1.1.1.1
[12] -A OUTPUT
:d - [0:0]\n-A d -j MARK --set-mark 1
:MARK - [0:0]\n-A OUTPUT -j MARK --set-mark 1
-A OUTPUT ! -p icmp --icmp-type 8
L

gen_deep 16 >"$work/deep16.rules"
ns=$(txp_netns_new iptd) || fail "cannot create a namespace"
checks=$((checks + 1))
if ip netns exec "$ns" $restore "$work/deep16.rules" >/dev/null 2>&1; then
    fail "deep16: $restore accepted 16 nested chains (txpath refuses them)"
elif "$txpath" ipt save --rules "$work/deep16.rules" >/dev/null 2>&1; then
    fail "deep16: $restore refused 16 nested chains, txpath accepted them"
fi
ip netns del "$ns"

echo "ipt.kernel.save: $checks checks, $fails failures"
[ "$fails" -eq 0 ]
