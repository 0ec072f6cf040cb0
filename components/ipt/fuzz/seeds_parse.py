#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic seed inputs for the ipt_parse fuzz target (iptables-restore text).

Usage: /usr/bin/python3 components/ipt/fuzz/seeds_parse.py [--check]
Writes corpus/ipt_parse/NNN-name (text, no extension: the replay skips *.txt) (and corpus/regress/ipt_parse/.gitkeep); --check compares
instead and exits 1 on a difference.
"""
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "corpus"))
import seedlib  # noqa: E402

FILTER_RULES = [
    "-A OUTPUT -p tcp --dport 80 -j ACCEPT",
    "-A OUTPUT -p tcp --syn -j u1",
    "-A OUTPUT -p udp --sport 1000:2000 ! --dport 53 -g u2",
    "-A OUTPUT -p icmp --icmp-type echo-request",
    "-A OUTPUT -p icmp ! --icmp-type 3/4",
    "-A OUTPUT ! -s 10.200.0.0/255.255.0.255 ! -d 1.2.3.4/24 -o eth+ -j DROP",
    "-A OUTPUT ! -o lo -p 17 -f",
    "-A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT",
    "-A OUTPUT -m conntrack ! --ctstate NEW,SNAT --ctdir REPLY",
    "-A OUTPUT -m mark --mark 0x1/0xff -m connmark ! --mark 7",
    "-A OUTPUT -m length --length 100:200 -m limit --limit 5/sec --limit-burst 10",
    '-A OUTPUT -m comment --comment "a \\"q\\" b" -j LOG --log-prefix "x: " --log-level debug',
    "-A OUTPUT -m iprange --src-range 1.1.1.1-1.1.1.5 ! --dst-range 2.2.2.2",
    "-A OUTPUT -m addrtype --src-type LOCAL ! --dst-type UNICAST,BROADCAST --limit-iface-out",
    "-A OUTPUT -m owner --uid-owner 1000 ! --gid-owner 100-200 --socket-exists",
    "-A OUTPUT -m tos --tos Minimize-Delay -m dscp ! --dscp-class AF41 -m ttl --ttl-lt 3",
    "-A OUTPUT -m pkttype --pkt-type broadcast",
    "-A OUTPUT -p tcp -m multiport --dports 80,443,1000:2000",
    "-A OUTPUT -p tcp ! --tcp-flags SYN,ACK,URG,PSH ACK --tcp-option 2",
    "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset",
    "-A OUTPUT -j MARK --set-mark 0x100/0xff",
    "-A OUTPUT -j CONNMARK --save-mark --nfmask 0xff",
    "-A INPUT -m mac ! --mac-source 00:11:22:aa:bb:cc -i eth0",
    "-I OUTPUT 1 -j RETURN",
]

RULESETS = {
    "filter": "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
              ":u1 - [0:0]\n:u2 - [0:0]\n" + "\n".join(FILTER_RULES) +
              "\n-A u1 -j RETURN\n-A u2 -j u1\nCOMMIT\n",
    "counters": "*filter\n:OUTPUT DROP [5:500]\n:my - [3:4]\n[7:700] -A OUTPUT -j my\n"
                "[1:2] -A my\nCOMMIT\n*nat\n-A OUTPUT -j ACCEPT\nCOMMIT\n",
    "mangle": "*mangle\n:POSTROUTING ACCEPT [0:0]\n-A OUTPUT -j TOS --and-tos 0x3\n"
              "-A OUTPUT -j DSCP --set-dscp 10\n-A POSTROUTING -j TTL --ttl-dec 2\n"
              "-A OUTPUT -j MARK --xor-mark 3\n-A OUTPUT -j CONNMARK --restore-mark --mask 0xff\n"
              "COMMIT\n",
    "raw": "*raw\n-A OUTPUT -p udp -j NOTRACK\n-A OUTPUT -j CT --notrack\n"
           "-A PREROUTING -j CT --zone 5\nCOMMIT\n",
    "nat": "*nat\n:d - [0:0]\n-A OUTPUT -p tcp -d 1.2.3.4 -j DNAT --to-destination 10.0.0.1:8080\n"
           "-A OUTPUT -p udp -j REDIRECT --to-ports 5-10 --random\n-A PREROUTING -j d\n"
           "-A d -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5:80-90\n"
           "-A POSTROUTING -p udp -j SNAT --to-source 1.1.1.1:1000-2000 --random --persistent\n"
           "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random-fully\nCOMMIT\n",
    "security": "# comment\n\n*security\n-A OUTPUT -j ACCEPT\nCOMMIT\n",
    "commands": "*filter\n-N foo\n-A foo -j ACCEPT\n-P OUTPUT DROP\n-A OUTPUT -c 5 6 -j foo\n"
                "-N bar\n-X bar\n-F foo\n-A OUTPUT -s 1.1.1.1,2.2.2.0/24 -d 3.3.3.3,4.4.4.4\n"
                "-I OUTPUT 2 -s 5.5.5.5,6.6.6.6 -j DROP\n:foo - [0:0]\nCOMMIT\n",
    "quirks": "*filter\n:c - [0:0]\n:MARK - [0:0]\n-A OUTPUT ! -p tcp --dport 80\n"
              "-A OUTPUT -p tcp --dpo 80 --sp 5\n-A OUTPUT --proto udp -m udp --dport 1 -m udp "
              "! --sport 2\n-A OUTPUT -s 0x0a.0.0.1/0x18 -d 010.1/024\n"
              "-A OUTPUT -p tcp ! --sport 0:65535 -m tcp --tcp-option 3\n-A OUTPUT -j MARK\n"
              "[1:2:3] -A OUTPUT -m limit --limit 3000/s --limit-burst 0\nCOMMIT\n",
    "error-commit": "*filter\n-A OUTPUT\n",
    "error-loop": "*filter\n:a - [0:0]\n:b - [0:0]\n-A OUTPUT -j a\n-A a -j b\n-A b -j a\nCOMMIT\n",
    "error-hook": "*filter\n-A OUTPUT -m mac --mac-source 00:11:22:33:44:55\nCOMMIT\n",
}


def main():
    files = {}
    for name, text in RULESETS.items():
        files["%03d-%s" % (len(files), name)] = text.encode()
    for i, r in enumerate(FILTER_RULES):
        files["%03d-rule-%02d" % (len(files), i)] = (
            "*filter\n:u1 - [0:0]\n:u2 - [0:0]\n%s\nCOMMIT\n" % r).encode()
    rng = random.Random(6)
    for i in range(8):  # random mixtures of the rules, some with [p:b] prefixes
        picks = [rng.choice(FILTER_RULES) for _ in range(rng.randrange(2, 9))]
        lines = ["[%d:%d] %s" % (rng.randrange(100), rng.randrange(10000), p)
                 if rng.random() < 0.5 else p for p in picks]
        text = "*filter\n:u1 - [0:0]\n:u2 - [0:0]\n" + "\n".join(lines) + "\nCOMMIT\n"
        files["%03d-mix-%d" % (len(files), i)] = text.encode()
    return seedlib.sync({"ipt_parse": files}, "--check" in sys.argv, "seeds_parse.py")


if __name__ == "__main__":
    sys.exit(main())
