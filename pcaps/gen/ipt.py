# SPDX-License-Identifier: MIT
"""Golden cases for components/ipt: iptables rulesets evaluated as the kernel's ipt_do_table.

Every case is a ruleset (iptables-save text, written in the canonical form iptables-save 1.8.9
prints it back, so that "restore then save" is the identity), a hook, packet metadata and IPv4
packets built by scapy. The expected result is computed HERE by an independent Python model of
net/ipv4/netfilter/ip_tables.c (ipt_do_table, ip_packet_match), the xt match and target
modules used (xt_tcpudp, xt_multiport, xt_mark, xt_length, xt_limit, xt_state, xt_conntrack,
xt_owner, xt_iprange, xt_addrtype, xt_tos/xt_dscp, ipt_ttl, xt_MARK, xt_CONNMARK, xt_DSCP/TOS,
xt_HL, xt_LOG, ipt_REJECT, the nat targets), the hook traversal of locally generated packets
(../shared/linux-facts.md section 4) and the minimal conntrack described in txpath/ipt.h
(flows keyed by protocol, addresses and ports, or ICMP query id, type and code; NEW until a
reply-direction packet was seen, then ESTABLISHED; fragments and ICMP errors, replies without
their request and other ICMP types get no conntrack (INVALID); nat chains only on a flow's
first packet, later packets reuse its binding; a dropped first packet leaves no flow).
components/ipt/conform/conform_ipt.c runs the same with the real component (and with its
compiled path, which must agree with the interpreter).

Checked live (dev runs of these cases' packets through iptables-restore'd namespaces, raw
sockets with IP_NODEFRAG): first-match-policy, user-chains, tos-dscp-ttl, table-order and
ct-invalid give the kernel's counters exactly; tcp-udp-icmp too with iptables-legacy (the
nf_tables build of iptables 1.8.9 matches `-m udp ! --sport` on a non-first fragment, which
xt_udp never does).

case.json layout (component "ipt", link "raw-ipv4"):
  {"rules": "<iptables-save text>",
   "restore_counters": 0 | 1,   # 1 = iptables-restore -c: [p:b] prefixes and policy counters
   "hook": "output" | "postrouting" | "prerouting" | "input" | "forward",
                                # "output" = OUTPUT then (if accepted) POSTROUTING, the path of
                                # a locally generated packet; the others run that hook only
   "in": "eth0", "out": "eth0", # default devices ("" = none)
   "masq_addr": "a.b.c.d",      # MASQUERADE source (optional)
   "packets": [{"hex": "<IPv4 packet>",
                "now_ns": N,         # injected clock (-m limit)      [0]
                "mark": M,           # skb->mark before the hooks     [0]
                "uid": U, "gid": G,  # socket owner (absent: no socket)
                "in": "...", "out": "...",   # per-packet device override
                "ct": "auto" | "new" | "established" | "related" | "invalid" | "untracked",
                                     # auto = the minimal conntrack   ["auto"]
                "ctdir": "original" | "reply",  # explicit states only ["original"]
                "ctmark": C}, ...]}  # explicit states only           [0]
  Explicit states have no NAT binding and do not run the nat tables (nat_first 0).

golden.pcap (LINKTYPE_IPV4), for every input packet i two records:
  1. the packet as it left the hook(s): rewritten in place by the targets that ran (MARK and
     CONNMARK only change metadata; TOS, DSCP, TTL, SNAT, DNAT, MASQUERADE rewrite bytes with
     checksums updated), whether it was accepted or dropped;
  2. a report: IPv4 127.0.0.1 -> 127.0.0.1, id i, ttl 64, UDP 7 -> 7, whose payload is
       "<i> ACCEPT mark=0x<m> ctmark=0x<c> logged=<n> reroute=<0|1>"
     or
       "<i> DROP table=<table> chain=<CHAIN> rule=<k|policy>[ reject=<with>] mark=0x<m>
        ctmark=0x<c> logged=<n>"        (one line)
     where rule k is the 0-based index of the deciding rule in that chain, "policy" a built-in
     chain's policy, reject the --reject-with name of a REJECT, mark/ctmark the metadata after
     the hooks, logged the number of LOG targets that ran, reroute 1 when mangle OUTPUT changed
     saddr, daddr, mark or TOS or nat OUTPUT changed daddr (ip_route_me_harder);
then one final record: IPv4 127.0.0.1 -> 127.0.0.1, id = number of packets, UDP 7 -> 7, whose
payload is the ruleset with its counters as `iptables-save -c` prints it (without the comment
lines): every rule "[pkts:bytes] -A ...", every built-in chain ":CHAIN POLICY [pkts:bytes]",
bytes being the IP total length, tables in the fixed order of iptables-save 1.8.9's nf_tables
build (mangle, security, raw, filter, nat; checked live: it ignores the restore order).

Regenerate with ci/regen-goldens (never edit by hand).
"""
import shlex

from txpgen import Case

COMPONENT = "ipt"

BUILTIN = {
    "raw": ["PREROUTING", "OUTPUT"],
    "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
    "filter": ["INPUT", "FORWARD", "OUTPUT"],
    "security": ["INPUT", "FORWARD", "OUTPUT"],
}
HOOK_TABLES = {
    "PREROUTING": ["raw", "mangle", "nat"],
    "INPUT": ["mangle", "nat", "filter", "security"],
    "FORWARD": ["mangle", "filter", "security"],
    "OUTPUT": ["raw", "mangle", "nat", "filter", "security"],
    "POSTROUTING": ["mangle", "nat"],
}
SAVE_ORDER = ["mangle", "security", "raw", "filter", "nat"]
PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "gre": 47, "all": 0}
TCPFLAG = {"FIN": 1, "SYN": 2, "RST": 4, "PSH": 8, "ACK": 16, "URG": 32, "ALL": 63, "NONE": 0}
CT_BITS = {"INVALID": 1, "ESTABLISHED": 2, "RELATED": 4, "NEW": 8, "UNTRACKED": 64}
RTN = {"UNSPEC": 0, "UNICAST": 1, "LOCAL": 2, "BROADCAST": 3, "ANYCAST": 4, "MULTICAST": 5,
       "BLACKHOLE": 6, "UNREACHABLE": 7, "PROHIBIT": 8, "THROW": 9, "NAT": 10, "XRESOLVE": 11}
HZ = 1000
CREDITS_PER_JIFFY = 32  # POW2_BELOW32(0xFFFFFFFF / (HZ * 86400)) for HZ 1000
XT_LIMIT_SCALE = 10000
U32 = 0xFFFFFFFF


def ip2i(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


def i2s(i):
    return "%d.%d.%d.%d" % (i >> 24, (i >> 16) & 255, (i >> 8) & 255, i & 255)


# ---------------------------------------------------------------- checksums

def csum(data):
    if len(data) % 2:
        data = bytes(data) + b"\0"
    s = 0
    for k in range(0, len(data), 2):
        s += data[k] << 8 | data[k + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pkt:
    """An IPv4 packet as a bytearray with field accessors; rewrites recompute checksums."""

    def __init__(self, raw):
        self.b = bytearray(raw)

    def ihl(self):
        return (self.b[0] & 15) * 4

    def tot_len(self):
        return self.b[2] << 8 | self.b[3]

    def saddr(self):
        return int.from_bytes(self.b[12:16], "big")

    def daddr(self):
        return int.from_bytes(self.b[16:20], "big")

    def proto(self):
        return self.b[9]

    def tos(self):
        return self.b[1]

    def ttl(self):
        return self.b[8]

    def fragoff(self):
        return (self.b[6] << 8 | self.b[7]) & 0x1FFF

    def l4(self, n):
        """n bytes of the L4 header, or None when the packet is too short."""
        o = self.ihl()
        end = min(self.tot_len(), len(self.b))
        if o + n > end:
            return None
        return bytes(self.b[o:o + n])

    def ports(self):
        h = self.l4(4)
        return (h[0] << 8 | h[1], h[2] << 8 | h[3]) if h else (0, 0)

    def fix_ip_csum(self):
        self.b[10:12] = b"\0\0"
        self.b[10:12] = csum(self.b[:self.ihl()]).to_bytes(2, "big")

    def fix_l4_csum(self):
        """TCP/UDP checksum over the pseudo header (unfragmented packets only here);
        a UDP checksum of 0 (none) stays 0."""
        p, o, end = self.proto(), self.ihl(), self.tot_len()
        if self.fragoff() or p not in (6, 17):
            return
        pos = o + (16 if p == 6 else 6)
        if p == 17 and self.b[pos:pos + 2] == b"\0\0":
            return
        self.b[pos:pos + 2] = b"\0\0"
        ph = self.b[12:20] + bytes([0, p]) + (end - o).to_bytes(2, "big")
        c = csum(bytes(ph) + bytes(self.b[o:end]))
        if p == 17 and c == 0:
            c = 0xFFFF
        self.b[pos:pos + 2] = c.to_bytes(2, "big")

    def set_addr(self, src, dst):
        if src is not None:
            self.b[12:16] = src.to_bytes(4, "big")
        if dst is not None:
            self.b[16:20] = dst.to_bytes(4, "big")
        self.fix_ip_csum()
        self.fix_l4_csum()

    def set_port(self, sport, dport):
        if self.fragoff() or self.proto() not in (6, 17):
            return
        o = self.ihl()
        if sport is not None:
            self.b[o:o + 2] = sport.to_bytes(2, "big")
        if dport is not None:
            self.b[o + 2:o + 4] = dport.to_bytes(2, "big")
        self.fix_l4_csum()

    def set_tos(self, v):
        self.b[1] = v
        self.fix_ip_csum()

    def set_ttl(self, v):
        self.b[8] = v
        self.fix_ip_csum()


# ---------------------------------------------------------------- the ruleset (canonical text)

def parse_iface(name):
    """xtables_parse_interface: (name bytes, mask bytes), 16 each."""
    nb = name.encode()
    mask = bytearray(16)
    if nb.endswith(b"+"):
        nb = nb[:-1]
        for k in range(len(nb)):
            mask[k] = 0xFF
    else:
        for k in range(min(len(nb) + 1, 16)):
            mask[k] = 0xFF
    return nb.ljust(16, b"\0"), bytes(mask)


def parse_addr(s):
    a, _, m = s.partition("/")
    if not m:
        mask = U32
    elif "." in m:
        mask = ip2i(m)
    else:
        mask = (U32 << (32 - int(m))) & U32 if int(m) else 0
    return ip2i(a) & mask, mask


def parse_range(s, sep=":"):
    a, _, b = s.partition(sep)
    return int(a), int(b) if b else int(a)


def mark_mask(s):
    v, _, m = s.partition("/")
    return int(v, 0), int(m, 0) if m else U32


class Rule:
    def __init__(self, chain, text, cnt):
        self.chain = chain
        self.text = text  # what follows "-A CHAIN " (printed back verbatim)
        self.cnt = list(cnt)
        self.src = self.smsk = self.dst = self.dmsk = 0
        self.inv = set()
        self.iniface = self.outiface = None
        self.proto = 0
        self.frag = False
        self.matches = []  # [name, [(opt, neg, args)]]
        self.target = None  # (name, {opt: args}) or ("JUMP", chain)
        self.goto = False
        self.limit_state = None
        self._parse(shlex.split(text))

    def _parse(self, w):
        i, neg, cur = 0, False, None
        nargs = {"--tcp-flags": 2, "--syn": 0, "--notrack": 0, "--save-mark": 0,
                 "--restore-mark": 0, "--random": 0, "--random-fully": 0, "--persistent": 0}
        while i < len(w):
            t = w[i]
            if t == "!":
                neg = True
                i += 1
                continue
            if t in ("-s", "-d"):
                a, m = parse_addr(w[i + 1])
                if t == "-s":
                    self.src, self.smsk = a, m
                else:
                    self.dst, self.dmsk = a, m
                if neg:
                    self.inv.add(t)
                i += 2
            elif t in ("-i", "-o"):
                v = parse_iface(w[i + 1])
                if t == "-i":
                    self.iniface = v
                else:
                    self.outiface = v
                if neg:
                    self.inv.add(t)
                i += 2
            elif t == "-p":
                v = w[i + 1]
                self.proto = PROTO[v] if v in PROTO else int(v)
                if neg:
                    self.inv.add(t)
                i += 2
            elif t == "-f":
                self.frag = True
                if neg:
                    self.inv.add(t)
                i += 1
            elif t == "-m":
                cur = [w[i + 1], []]
                self.matches.append(cur)
                i += 2
            elif t in ("-j", "-g"):
                name = w[i + 1]
                self.goto = t == "-g"
                cur = [name, []]
                self.target = cur
                i += 2
            elif t.startswith("--"):
                n = nargs.get(t, 1)
                cur[1].append((t, neg, w[i + 1:i + 1 + n]))
                i += 1 + n
            else:
                raise ValueError("ipt.py: cannot read rule word %r in %r" % (t, self.text))
            neg = False
        if self.target is None:
            self.target = ["", []]

    def opt(self, part, name):
        for o, neg, args in part[1]:
            if o == name:
                return neg, args
        return None


class Chain:
    def __init__(self, name, builtin, policy, cnt):
        self.name = name
        self.builtin = builtin
        self.policy = policy
        self.cnt = list(cnt)
        self.rules = []


class Ruleset:
    def __init__(self, text, counters=False):
        self.tables = {}  # name -> list of Chain (built-ins in hook order, then user chains)
        self.order = []
        table = None
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("*"):
                table = line[1:]
                self.order.append(table)
                self.tables[table] = [Chain(c, True, "ACCEPT", (0, 0)) for c in BUILTIN[table]]
                continue
            if line == "COMMIT":
                table = None
                continue
            if line.startswith(":"):
                name, pol, cnt = line[1:].split()
                p, b = (int(x) for x in cnt.strip("[]").split(":"))
                if not counters:
                    p = b = 0
                ch = self.chain(table, name)
                if ch is None:
                    self.tables[table].append(Chain(name, False, "-", (0, 0)))
                else:
                    ch.policy, ch.cnt = pol, [p, b]
                continue
            cnt = (0, 0)
            if line.startswith("["):
                c, line = line.split(" ", 1)
                if counters:
                    cnt = tuple(int(x) for x in c.strip("[]").split(":"))
            assert line.startswith("-A "), line
            _, chain, rest = line.split(" ", 2)
            self.chain(table, chain).rules.append(Rule(chain, rest, cnt))

    def chain(self, table, name):
        for c in self.tables[table]:
            if c.name == name:
                return c
        return None

    def save(self):
        """iptables-save -c (nf_tables build): tables in its fixed order mangle, security, raw,
        filter, nat (iptables/nft.h's table list), whatever the input order was."""
        out = []
        for t in [x for x in SAVE_ORDER if x in self.order]:
            out.append("*" + t)
            for c in self.tables[t]:
                out.append(":%s %s [%d:%d]" % (c.name, c.policy if c.builtin else "-",
                                              c.cnt[0], c.cnt[1]))
            for c in self.tables[t]:
                for r in c.rules:
                    out.append("[%d:%d] -A %s %s" % (r.cnt[0], r.cnt[1], c.name, r.text))
            out.append("COMMIT")
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------- matches

class Ctx:
    """What a match or target sees besides the packet (struct txp_ipt_pktinfo)."""

    def __init__(self, hook, indev, outdev, mark, sock, ct, now_ns, masq):
        self.hook = hook
        self.indev = indev
        self.outdev = outdev
        self.mark = mark
        self.sock = sock  # None or (uid, gid)
        self.ct = ct  # None (no conntrack: INVALID / UNTRACKED) or a Flow
        self.ctstate = None  # "NEW", ..., set by the caller
        self.ctdir = 0  # 0 ORIGINAL, 1 REPLY
        self.ctmark = 0
        self.now_ns = now_ns
        self.masq = masq
        self.hotdrop = False
        self.logged = 0
        self.reject = None
        self.nat_first = False
        self.notrack = False
        self.binding = {}  # "src": (addr, port or None), "dst": (addr, port or None)


def in_range(v, lo, hi, neg):
    return (lo <= v <= hi) != neg


def addr_type(a):
    """txp_ipt_addr_type_default (__inet_dev_addr_type without routes)."""
    if a == 0 or a == U32:
        return RTN["BROADCAST"]
    if a >> 28 == 0xE:
        return RTN["MULTICAST"]
    if a >> 24 == 127:
        return RTN["LOCAL"]
    return RTN["UNICAST"]


def match_one(r, m, p, cx):
    name, opts = m
    fragoff = p.fragoff()
    if name in ("tcp", "udp"):
        if fragoff:
            if fragoff == 1 and name == "tcp":
                cx.hotdrop = True
            return False
        h = p.l4(20 if name == "tcp" else 8)
        if h is None:
            cx.hotdrop = True
            return False
        sport, dport = h[0] << 8 | h[1], h[2] << 8 | h[3]
        for o, neg, a in opts:
            if o == "--sport" and not in_range(sport, *parse_range(a[0]), neg):
                return False
            if o == "--dport" and not in_range(dport, *parse_range(a[0]), neg):
                return False
        for o, neg, a in opts:
            if o == "--tcp-flags":
                msk = sum(TCPFLAG[x] for x in a[0].split(","))
                cmp = sum(TCPFLAG[x] for x in a[1].split(","))
                if ((h[13] & msk) == cmp) == neg:
                    return False
        for o, neg, a in opts:
            if o == "--tcp-option":
                doff = (h[12] >> 4) * 4
                if doff < 20:
                    cx.hotdrop = True
                    return False
                op = p.l4(doff)
                if op is None:
                    cx.hotdrop = True
                    return False
                op, k, found = op[20:], 0, False
                while k < len(op):
                    if op[k] == int(a[0]):
                        found = True
                        break
                    k += 1 if op[k] < 2 else (op[k + 1] if k + 1 < len(op) and op[k + 1] else 1)
                if found == neg:
                    return False
        return True
    if name == "icmp":
        if fragoff:
            return False
        h = p.l4(2)
        if h is None:
            cx.hotdrop = True
            return False
        neg, a = r.opt(m, "--icmp-type")
        t, _, c = a[0].partition("/")
        if t == "any":
            ok = True
        else:
            lo, hi = (int(c), int(c)) if c else (0, 255)
            ok = h[0] == int(t) and lo <= h[1] <= hi
        return ok != neg
    if name == "multiport":
        if fragoff:
            return False
        h = p.l4(4)
        if h is None:
            cx.hotdrop = True
            return False
        sport, dport = h[0] << 8 | h[1], h[2] << 8 | h[3]
        for o, neg, a in opts:
            hit = False
            for item in a[0].split(","):
                lo, hi = parse_range(item)
                s_ok, d_ok = lo <= sport <= hi, lo <= dport <= hi
                hit = hit or {"--sports": s_ok, "--dports": d_ok, "--ports": s_ok or d_ok}[o]
            return hit != neg
    if name in ("mark", "connmark"):
        neg, a = r.opt(m, "--mark")
        v, msk = mark_mask(a[0])
        val = cx.mark if name == "mark" else cx.ctmark
        return ((val & msk) == v) != neg
    if name == "length":
        neg, a = r.opt(m, "--length")
        return in_range(p.tot_len(), *parse_range(a[0]), neg)
    if name == "limit":
        return limit_match(r, m, cx)
    if name == "comment":
        return True
    if name in ("state", "conntrack"):
        if cx.ct is not None:
            bit = CT_BITS[cx.ctstate]
        else:
            bit = CT_BITS[cx.ctstate]  # INVALID or UNTRACKED
        for o, neg, a in opts:
            if o in ("--state", "--ctstate"):
                mask = sum(CT_BITS[x] for x in a[0].split(","))
                if bool(mask & bit) == neg:
                    return False
        if name == "conntrack":
            if cx.ctstate in ("INVALID", "UNTRACKED"):
                return r.opt(m, "--ctstate") is not None
            d = r.opt(m, "--ctdir")
            if d is not None and (cx.ctdir == 0) != (d[1][0] == "ORIGINAL"):
                return False
        return True
    if name == "iprange":
        for o, neg, a in opts:
            lo, hi = (ip2i(x) for x in a[0].split("-"))
            v = p.saddr() if o == "--src-range" else p.daddr()
            if (lo <= v <= hi) == neg:
                return False
        return True
    if name == "owner":
        want = {o: (neg, a) for o, neg, a in opts}
        if cx.sock is None:
            # no socket: true only when every condition is inverted
            return all(neg for neg, _ in want.values())
        for o, (neg, a) in want.items():
            lo, _, hi = a[0].partition("-")
            v = cx.sock[0] if o == "--uid-owner" else cx.sock[1]
            if (int(lo) <= v <= int(hi or lo)) == neg:
                return False
        return True
    if name == "tos":
        neg, a = r.opt(m, "--tos")
        v, msk = (int(x, 0) for x in a[0].split("/"))
        return ((p.tos() & msk) == v) != neg
    if name == "dscp":
        neg, a = r.opt(m, "--dscp")
        return ((p.tos() >> 2) == int(a[0], 0)) != neg
    if name == "ttl":
        o, neg, a = opts[0]
        t, v = p.ttl(), int(a[0])
        return {"--ttl-eq": t == v, "--ttl-lt": t < v, "--ttl-gt": t > v}[o] != neg
    if name == "addrtype":
        for o, neg, a in opts:
            mask = sum(1 << RTN[x] for x in a[0].split(","))
            v = p.saddr() if o == "--src-type" else p.daddr()
            if bool(mask & (1 << addr_type(v))) == neg:
                return False
        return True
    raise ValueError("ipt.py: no model of match %s" % name)


def user2credits(user):
    if user > U32 // (HZ * CREDITS_PER_JIFFY):
        return (user // XT_LIMIT_SCALE) * HZ * CREDITS_PER_JIFFY
    return (user * HZ * CREDITS_PER_JIFFY) // XT_LIMIT_SCALE


def limit_match(r, m, cx):
    rate = r.opt(m, "--limit")
    burst = r.opt(m, "--limit-burst")
    n, _, unit = rate[1][0].partition("/")
    mult = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400}[unit]
    avg = XT_LIMIT_SCALE * mult // int(n)
    b = int(burst[1][0]) if burst else 5
    now = cx.now_ns // (1000000000 // HZ)
    st = r.limit_state
    if st is None:  # checkentry: full credits
        st = r.limit_state = {"prev": now, "credit": user2credits(avg * b),
                              "cap": user2credits(avg * b), "cost": user2credits(avg)}
    inc = ((now - st["prev"]) * CREDITS_PER_JIFFY) & U32
    st["prev"] = now
    c = min((st["credit"] + inc) & U32, st["cap"])
    if c >= st["cost"]:
        st["credit"] = c - st["cost"]
        return True
    st["credit"] = c
    return False


# ---------------------------------------------------------------- targets

def target(rs, table, r, p, cx):
    """Run a non-standard target: 'CONTINUE', 'ACCEPT' or 'DROP'."""
    name, opts = r.target
    o = {k: a for k, _, a in opts}
    if name == "LOG":
        cx.logged += 1
        return "CONTINUE"
    if name == "REJECT":
        cx.reject = o["--reject-with"][0]
        return "DROP"
    if name == "MARK":
        v, msk = mark_mask(o["--set-xmark"][0])
        cx.mark = (cx.mark & ~msk & U32) ^ v
        return "CONTINUE"
    if name == "CONNMARK":
        if cx.ct is not None:
            if "--set-xmark" in o:
                v, msk = mark_mask(o["--set-xmark"][0])
                cx.ctmark = (cx.ctmark & ~msk & U32) ^ v
            elif "--save-mark" in o:
                nf, ctm = int(o["--nfmask"][0], 0), int(o["--ctmask"][0], 0)
                cx.ctmark = (cx.ctmark & ~ctm & U32) ^ (cx.mark & nf)
            else:
                nf, ctm = int(o["--nfmask"][0], 0), int(o["--ctmask"][0], 0)
                cx.mark = (cx.mark & ~nf & U32) ^ (cx.ctmark & ctm)
        return "CONTINUE"
    if name == "TOS":
        v, msk = (int(x, 0) for x in o["--set-tos"][0].split("/"))
        nv = (p.tos() & ~msk & 0xFF) ^ v
        if nv != p.tos():
            p.set_tos(nv)
        return "CONTINUE"
    if name == "DSCP":
        d = int(o["--set-dscp"][0], 0)
        if p.tos() >> 2 != d:
            p.set_tos((p.tos() & 3) | d << 2)
        return "CONTINUE"
    if name == "TTL":
        t = p.ttl()
        if "--ttl-set" in o:
            nt = int(o["--ttl-set"][0])
        elif "--ttl-inc" in o:
            nt = min(255, t + int(o["--ttl-inc"][0]))
        else:
            nt = max(0, t - int(o["--ttl-dec"][0]))
        if nt != t:
            p.set_ttl(nt)
        return "CONTINUE"
    if name == "CT":
        assert "--notrack" in o
        cx.ct, cx.ctstate, cx.notrack = None, "UNTRACKED", True
        return "CONTINUE"
    if name in ("SNAT", "DNAT", "MASQUERADE", "REDIRECT"):
        if name == "MASQUERADE":
            if not cx.masq:
                return "DROP"
            addr, port = cx.masq, None
        elif name == "REDIRECT":  # nf_nat_redirect_ipv4: loopback on LOCAL_OUT
            addr = ip2i("127.0.0.1")
            port = int(o["--to-ports"][0]) if "--to-ports" in o else None
        else:
            to = o["--to-source" if name == "SNAT" else "--to-destination"][0]
            a, _, pt = to.partition(":")
            addr = ip2i(a.split("-")[0])
            port = int(pt.split("-")[0]) if pt else None
            if pt and "-" in pt:
                lo, hi = (int(x) for x in pt.split("-"))
                cur = p.ports()[0 if name == "SNAT" else 1]
                assert lo <= cur <= hi, "keep NAT port ranges deterministic"
                port = cur
        side = "dst" if name in ("DNAT", "REDIRECT") else "src"
        cx.binding[side] = (addr, port)
        apply_nat(p, side, cx.binding[side])
        return "ACCEPT"
    raise ValueError("ipt.py: no model of target %s" % name)


def apply_nat(p, side, b):
    addr, port = b
    if side == "dst":
        p.set_addr(None, addr)
        if port is not None:
            p.set_port(None, port)
    else:
        p.set_addr(addr, None)
        if port is not None:
            p.set_port(port, None)


# ---------------------------------------------------------------- ipt_do_table

def iface_ok(rule_if, dev, neg):
    if rule_if is None:
        return True
    name, mask = rule_if
    dn = (dev or "").encode().ljust(16, b"\0")
    ret = any((dn[k] ^ name[k]) & mask[k] for k in range(16))
    return (not ret) != neg


def ip_match(r, p, cx):
    if ((p.saddr() & r.smsk) != r.src) != ("-s" in r.inv):
        return False
    if ((p.daddr() & r.dmsk) != r.dst) != ("-d" in r.inv):
        return False
    if not iface_ok(r.iniface, cx.indev, "-i" in r.inv):
        return False
    if not iface_ok(r.outiface, cx.outdev, "-o" in r.inv):
        return False
    if r.proto and (p.proto() != r.proto) != ("-p" in r.inv):
        return False
    if r.frag and (p.fragoff() == 0) != ("-f" in r.inv):
        return False
    return True


def do_table(rs, table, hook, p, cx):
    """(verdict, chain name, rule index or None for the policy)."""
    base = rs.chain(table, hook)
    stack = []
    ch, k = base, 0
    length = p.tot_len()
    while True:
        if k >= len(ch.rules):
            if ch.builtin:  # the policy entry
                ch.cnt[0] += 1
                ch.cnt[1] += length
                return ch.policy, ch.name, None
            # implicit RETURN of a user chain
            if not stack:
                ch, k = base, len(base.rules)
            else:
                ch, k = stack.pop()
                k += 1
            continue
        r = ch.rules[k]
        ok = ip_match(r, p, cx)
        if ok:
            for m in r.matches:
                if not match_one(r, m, p, cx):
                    ok = False
                    break
        if cx.hotdrop:
            return "DROP", ch.name, k
        if not ok:
            k += 1
            continue
        r.cnt[0] += 1
        r.cnt[1] += length
        t = r.target[0]
        if t in ("ACCEPT", "DROP"):
            return t, ch.name, k
        if t == "RETURN":
            if not stack:
                ch, k = base, len(base.rules)
            else:
                ch, k = stack.pop()
                k += 1
            continue
        if t == "":
            k += 1
            continue
        tc = rs.chain(table, t)
        if tc is not None:
            if not r.goto:
                stack.append((ch, k))
            ch, k = tc, 0
            continue
        v = target(rs, table, r, p, cx)
        if v == "CONTINUE":
            k += 1
            continue
        return v, ch.name, k


def do_hook(rs, hook, p, cx):
    """Run the present tables of @hook in priority order; stop at the first DROP.
    Returns (verdict, table, chain, rule, reroute)."""
    reroute = False
    last = ("ACCEPT", None, None, None)
    for t in HOOK_TABLES[hook]:
        if t not in rs.tables:
            continue
        if t == "nat":
            if cx.ct is None:
                continue  # no conntrack, no NAT
            side = "dst" if hook in ("OUTPUT", "PREROUTING") else "src"
            if not cx.nat_first:
                if side in cx.binding:
                    before = p.daddr()
                    apply_nat(p, side, cx.binding[side])
                    if hook == "OUTPUT" and p.daddr() != before:
                        reroute = True
                continue
            before = p.daddr()
            v, c, k = do_table(rs, t, hook, p, cx)
            if hook == "OUTPUT" and p.daddr() != before:
                reroute = True
        elif t == "mangle" and hook == "OUTPUT":
            before = (p.saddr(), p.daddr(), cx.mark, p.tos())
            v, c, k = do_table(rs, t, hook, p, cx)
            if v != "DROP" and before != (p.saddr(), p.daddr(), cx.mark, p.tos()):
                reroute = True
        else:
            v, c, k = do_table(rs, t, hook, p, cx)
        last = (v, t, c, k)
        if v == "DROP":
            return v, t, c, k, reroute
    return "ACCEPT", last[1], last[2], last[3], reroute


# ---------------------------------------------------------------- the minimal conntrack

class Flow:
    def __init__(self, key):
        self.key = key
        self.seen_reply = False
        self.ctmark = 0
        self.binding = {}
        self.confirmed = False


class Conntrack:
    def __init__(self):
        self.flows = {}

    ICMP_REQ = {8: 0, 13: 14, 15: 16, 17: 18}  # query type -> its reply type

    @staticmethod
    def key(p):
        """The tuple, or None when nf_conntrack gives the packet no conntrack (INVALID):
        a fragment (the hooks see it only when defrag was skipped, and ipv4_get_l4proto then
        refuses it; checked live with IP_NODEFRAG), an ICMP message that cannot start a
        connection (errors without a known related flow, replies, unsolicited types)."""
        if p.fragoff() or p.b[6] & 0x20:
            return None
        if p.proto() == 1:
            h = p.l4(6)
            if h is None:
                return None
            # the tuple holds id, type and code (icmp_pkt_to_tuple); a reply is looked up as
            # the reversed tuple of its request
            ident = h[4] << 8 | h[5]
            if h[0] in Conntrack.ICMP_REQ:
                return (1, p.saddr(), p.daddr(), ident, (h[0], h[1]))
            for q, rp in Conntrack.ICMP_REQ.items():
                if h[0] == rp:
                    return (1, p.daddr(), p.saddr(), ident, (q, h[1]), "reply")
            return None
        sp, dp = p.ports() if p.proto() in (6, 17) else (0, 0)
        return (p.proto(), p.saddr(), p.daddr(), sp, dp)

    def lookup(self, p, cx):
        k = self.key(p)
        icmp_reply = k is not None and len(k) == 6
        if k is None or (icmp_reply and k[:5] not in self.flows):
            cx.ct, cx.ctstate, cx.ctdir, cx.ctmark, cx.nat_first = None, "INVALID", 0, 0, False
            return None
        if icmp_reply:
            k, rk = None, k[:5]
        else:
            rk = (k[0], k[2], k[1], k[4], k[3])
        if k in self.flows:
            f = self.flows[k]
            cx.ctdir = 0
        elif rk in self.flows:
            f = self.flows[rk]
            f.seen_reply = True
            cx.ctdir = 1
        else:
            f = Flow(k)
            cx.ctdir = 0
        cx.ct = f
        cx.ctstate = "ESTABLISHED" if f.seen_reply else "NEW"
        cx.ctmark = f.ctmark
        cx.nat_first = not f.confirmed
        cx.binding = dict(f.binding) if cx.ctdir == 0 else {}
        return f

    def confirm(self, f, cx, verdict):
        f.ctmark = cx.ctmark
        if not f.confirmed:
            if verdict != "ACCEPT":
                return  # an unconfirmed conntrack dies with its packet
            f.binding = dict(cx.binding)
            f.confirmed = True
            self.flows[f.key] = f


# ---------------------------------------------------------------- running a case

HOOKS = {"output": ["OUTPUT", "POSTROUTING"], "postrouting": ["POSTROUTING"],
         "prerouting": ["PREROUTING"], "input": ["INPUT"], "forward": ["FORWARD"]}


def run(rules, hook, packets, counters=False, indev="", outdev="", masq=None):
    """Evaluate; returns the golden records as bytes."""
    from scapy.all import IP, UDP, Raw
    rs = Ruleset(rules, counters)
    blocks = {}
    for blk in canonical_counters(rules, counters).split("COMMIT\n")[:-1]:
        blocks[blk.split("\n", 1)[0][1:]] = blk + "COMMIT\n"
    assert rs.save() == "".join(blocks[t] for t in SAVE_ORDER if t in blocks), \
        "ruleset not in canonical form"
    ct = Conntrack()
    out = []
    for i, pk in enumerate(packets):
        p = Pkt(pk["pkt"])
        sock = (pk["uid"], pk["gid"]) if "uid" in pk else None
        cx = Ctx(None, pk.get("in", indev), pk.get("out", outdev), pk.get("mark", 0), sock,
                 None, pk.get("now_ns", 0), ip2i(masq) if masq else 0)
        st = pk.get("ct", "auto")
        flow = None
        if st == "auto":
            flow = ct.lookup(p, cx)
        else:
            cx.ctstate = st.upper()
            cx.ct = None if st in ("invalid", "untracked") else object()
            cx.ctdir = 1 if pk.get("ctdir") == "reply" else 0
            cx.ctmark = pk.get("ctmark", 0)
        res = ("ACCEPT", None, None, None, False)
        reroute = False
        for h in HOOKS[hook]:
            cx.hook = h
            res = do_hook(rs, h, p, cx)
            if h == "OUTPUT":
                reroute = res[4]
            if res[0] == "DROP":
                break
        if flow is not None and not cx.notrack:
            ct.confirm(flow, cx, res[0])
        if res[0] == "ACCEPT":
            line = "%d ACCEPT mark=0x%x ctmark=0x%x logged=%d reroute=%d" % (
                i, cx.mark, cx.ctmark, cx.logged, 1 if reroute else 0)
        else:
            line = "%d DROP table=%s chain=%s rule=%s%s mark=0x%x ctmark=0x%x logged=%d" % (
                i, res[1], res[2], "policy" if res[3] is None else res[3],
                " reject=" + cx.reject if cx.reject else "", cx.mark, cx.ctmark, cx.logged)
        out.append(bytes(p.b))
        out.append(bytes(IP(src="127.0.0.1", dst="127.0.0.1", id=i, ttl=64) /
                         UDP(sport=7, dport=7) / Raw(line.encode())))
    out.append(bytes(IP(src="127.0.0.1", dst="127.0.0.1", id=len(packets), ttl=64) /
                     UDP(sport=7, dport=7) / Raw(rs.save().encode())))
    return out


def canonical_counters(rules, counters):
    """The text as iptables-save -c would print it right after the restore (no packet yet),
    tables in the input's order."""
    out = []
    for line in rules.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":") and not counters:
            name, pol, _ = line[1:].split()
            line = ":%s %s [0:0]" % (name, pol)
        elif line.startswith("[") and not counters:
            line = "[0:0] " + line.split(" ", 1)[1]
        elif line.startswith("-A "):
            line = "[0:0] " + line
        out.append(line)
    return "\n".join(out) + "\n"


def case(name, description, rules, hook, packets, counters=False, indev="", outdev="eth0",
         masq=None):
    """packets: list of dicts with "pkt" (a scapy packet) and the metadata keys."""
    meta = []
    for pk in packets:
        d = {k: v for k, v in pk.items() if k != "pkt"}
        d["hex"] = bytes(pk["pkt"]).hex()
        meta.append(d)
    pl = [dict(pk, pkt=bytes(pk["pkt"])) for pk in packets]
    payload = {"rules": rules, "restore_counters": 1 if counters else 0, "hook": hook,
               "in": indev, "out": outdev, "packets": meta}
    if masq:
        payload["masq_addr"] = masq

    def gen():
        from scapy.all import Raw
        # Raw keeps every byte as the model left it (no re-dissection)
        return [Raw(b) for b in run(rules, hook, pl, counters, indev, outdev, masq)]

    return Case(name=name, description=description, link="raw-ipv4", payload=payload,
                packets=gen)


def tables(*parts):
    """Join table texts; each part is (table, policies dict or None, user chains, rule lines)."""
    out = []
    for t, pol, users, rules in parts:
        out.append("*" + t)
        for c in BUILTIN[t]:
            out.append(":%s %s [0:0]" % (c, (pol or {}).get(c, "ACCEPT")))
        for u in users:
            out.append(":%s - [0:0]" % u)
        out.extend(rules)
        out.append("COMMIT")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the cases

LOCAL = "10.0.0.1"


def udp(dst, dport, sport=4000, src=LOCAL, n=10, **ip):
    from scapy.all import IP, UDP, Raw
    return IP(src=src, dst=dst, id=ip.pop("id", 1), **ip) / UDP(sport=sport, dport=dport) / \
        Raw(b"u" * n)


def tcp(dst, dport, sport=40000, flags="S", src=LOCAL, options=None, n=0, **ip):
    from scapy.all import IP, TCP, Raw
    t = TCP(sport=sport, dport=dport, flags=flags, seq=1000, window=8192, options=options or [])
    return IP(src=src, dst=dst, id=ip.pop("id", 1), **ip) / t / Raw(b"t" * n)


def icmp(dst, typ=8, code=0, src=LOCAL, **ip):
    from scapy.all import IP, ICMP, Raw
    # fixed timestamps: scapy fills a timestamp request with the current time otherwise
    return IP(src=src, dst=dst, id=ip.pop("id", 1), **ip) / \
        ICMP(type=typ, code=code, id=7, ts_ori=0, ts_rx=0, ts_tx=0) / \
        Raw(b"ping")


def P(pkt, **meta):
    return dict(meta, pkt=pkt)


def cases():
    out = []
    # 1. first match wins, rules without a target, a non-contiguous mask, DROP policy
    out.append(case(
        "first-match-policy",
        "first matching rule decides; shadowed rules never count; a rule without -j only counts; "
        "a DROP policy counts what falls through",
        tables(("filter", {"OUTPUT": "DROP"}, [], [
            "-A OUTPUT -d 192.168.1.0/24 -j ACCEPT",
            "-A OUTPUT -d 192.168.1.7/32 -j DROP",
            "-A OUTPUT -p tcp",
            "-A OUTPUT -s 10.0.0.0/8 -d 8.8.8.8/32 -p udp -j ACCEPT",
            "-A OUTPUT -p icmp -j ACCEPT",
            "-A OUTPUT -d 10.200.0.0/255.255.0.255 -j ACCEPT",
            "-A OUTPUT -p tcp -j DROP",
            "-A OUTPUT -p gre -j ACCEPT",
        ])), "output",
        [P(udp("192.168.1.7", 53)), P(tcp("192.168.1.9", 80)), P(udp("8.8.8.8", 53)),
         P(udp("8.8.4.4", 53)), P(udp("8.8.8.8", 53, src="172.16.0.1")),
         P(icmp("1.1.1.1")), P(udp("10.200.77.0", 9)), P(udp("10.200.77.1", 9)),
         P(tcp("1.2.3.4", 443, n=100)), P(_gre("9.9.9.9"))]))

    # 2. user chains: jump, goto, RETURN, nesting, implicit returns
    out.append(case(
        "user-chains",
        "-j pushes, -g does not: RETURN (or the end) of a goto'd chain returns to the caller's "
        "caller or to the policy; RETURN in a nested chain continues after the jump",
        tables(("filter", None, ["inner", "middle", "tcpchk"], [
            "-A OUTPUT -p tcp -j tcpchk",
            "-A OUTPUT -p udp -g middle",
            "-A OUTPUT -d 10.9.0.0/16 -j DROP",
            "-A inner -d 10.1.0.0/16 -j RETURN",
            "-A inner -d 10.2.0.0/16 -j DROP",
            "-A inner -d 10.3.0.0/16 -j ACCEPT",
            "-A middle -j inner",
            "-A middle -d 10.1.0.0/16 -j DROP",
            "-A middle -d 10.4.0.0/16 -j RETURN",
            "-A tcpchk -p tcp -m tcp --dport 22 -j ACCEPT",
            "-A tcpchk -p tcp -m tcp --dport 23 -j RETURN",
            "-A tcpchk -p tcp -m tcp --dport 24 -g inner",
        ])), "output",
        [P(udp("10.1.0.5", 9)), P(udp("10.4.0.1", 9)), P(udp("10.9.0.1", 9)),
         P(udp("10.3.0.1", 9)), P(tcp("10.9.0.1", 22)), P(tcp("10.9.0.1", 23)),
         P(tcp("10.2.0.1", 24)), P(tcp("10.5.0.1", 24)), P(tcp("10.9.0.1", 80)),
         P(tcp("10.1.0.1", 24))]))

    # 3. negations, interfaces with +, fragments
    out.append(case(
        "negations-ifaces-frag",
        "! -s, ! -d, ! -p, -o with + wildcards and !, -i in OUTPUT (no input device), -f and ! -f "
        "on first and non-first fragments",
        tables(("filter", None, ["ifchk"], [
            "-A OUTPUT ! -s 10.0.0.0/8 -j DROP",
            "-A OUTPUT -f -j DROP",
            "-A OUTPUT -j ifchk",
            "-A OUTPUT ! -d 10.0.0.0/8 ! -p tcp ! -f -j ACCEPT",
            "-A OUTPUT -o eth+ -p udp -m udp --dport 1 -j ACCEPT",
            "-A OUTPUT ! -o eth+ -p udp -m udp --dport 2 -j ACCEPT",
            "-A OUTPUT -o eth0 -p udp -m udp --dport 3 -j ACCEPT",
            "-A OUTPUT ! -o eth0 -p udp -m udp --dport 3 -j DROP",
            "-A OUTPUT -j REJECT --reject-with icmp-net-prohibited",
            "-A ifchk -i lo -j DROP",
            "-A ifchk ! -i lo -p tcp -j DROP",
        ])), "output",
        [P(udp("8.8.8.8", 9, src="192.168.1.1")), P(udp("8.8.8.8", 9)),
         P(tcp("8.8.8.8", 9)), P(udp("10.1.1.1", 1)), P(udp("10.1.1.1", 1), out="wlan0"),
         P(udp("10.1.1.1", 2), out="eth1"), P(udp("10.1.1.1", 2), out="wl0"),
         P(udp("10.1.1.1", 3), out="eth0"), P(udp("10.1.1.1", 3), out="eth00"),
         P(tcp("10.1.1.1", 3)), P(udp("10.1.1.1", 9)),
         P(udp("8.8.8.8", 9, flags="MF")), P(udp("8.8.8.8", 9, frag=100)),
         P(udp("10.1.1.1", 9, frag=3))]))

    # 4. tcp, udp, icmp
    ws = [("MSS", 1460), ("NOP", None), ("WScale", 7)]
    ts = [("NOP", None), ("NOP", None), ("Timestamp", (1, 0))]
    out.append(case(
        "tcp-udp-icmp",
        "port ranges and their inversion, --tcp-flags (and --syn's canonical form), "
        "--tcp-option with and without !, udp ports, icmp types and codes; tcp and udp never "
        "match a non-first fragment",
        tables(("filter", None, [], [
            "-A OUTPUT -p tcp -m tcp --sport 1000:2000 --dport 80 -j ACCEPT",
            "-A OUTPUT -p tcp -m tcp ! --dport 1:1023 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT",
            "-A OUTPUT -p tcp -m tcp --tcp-flags SYN,ACK SYN,ACK -j DROP",
            "-A OUTPUT -p tcp -m tcp --tcp-option 8 -j ACCEPT",
            "-A OUTPUT -p tcp -m tcp ! --tcp-option 2 -j DROP",
            "-A OUTPUT -p tcp -m tcp ! --tcp-flags FIN,RST NONE -j ACCEPT",
            "-A OUTPUT -p udp -m udp --dport 53 -j ACCEPT",
            "-A OUTPUT -p udp -m udp ! --sport 5000:6000 -j DROP",
            "-A OUTPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT",
            "-A OUTPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT",
            "-A OUTPUT -p icmp -m icmp ! --icmp-type 0 -j DROP",
            "-A OUTPUT -p tcp -j DROP",
        ])), "output",
        [P(tcp("10.1.1.1", 80, sport=1500, flags="A")), P(tcp("10.1.1.1", 80, sport=999)),
         P(tcp("10.1.1.1", 8080, flags="S")), P(tcp("10.1.1.1", 8080, flags="SA")),
         P(tcp("10.1.1.1", 22, flags="S")), P(tcp("10.1.1.1", 22, flags="A", options=ts)),
         P(tcp("10.1.1.1", 22, flags="A", options=ws)), P(tcp("10.1.1.1", 22, flags="A")),
         P(tcp("10.1.1.1", 22, flags="FA", options=ws)), P(tcp("10.1.1.1", 22, flags="PA",
                                                                options=ws)),
         P(udp("10.1.1.1", 53)), P(udp("10.1.1.1", 54, sport=5500)),
         P(udp("10.1.1.1", 54, sport=7000)), P(udp("10.1.1.1", 54, sport=7000, frag=20)),
         P(icmp("10.1.1.1", 8)), P(icmp("10.1.1.1", 3, 4)), P(icmp("10.1.1.1", 3, 3)),
         P(icmp("10.1.1.1", 0)), P(tcp("10.1.1.1", 80, frag=50))]))

    # 5. multiport, length, mark and MARK across tables
    out.append(case(
        "multiport-length-mark",
        "multiport --dports/--ports with ranges, length, MARK --set-xmark in mangle OUTPUT seen "
        "by -m mark in filter OUTPUT (and the reroute signal), an initial skb mark",
        tables(("mangle", None, [], [
            "-A OUTPUT -p tcp -m multiport --dports 80,443,8000:8080 -j MARK --set-xmark "
            "0x1/0xffffffff",
            "-A OUTPUT -m length --length 0:100 -j MARK --set-xmark 0x10/0x10",
            "-A OUTPUT -p udp -m multiport --ports 53,123 -j MARK --set-xmark 0x200/0xf00",
            "-A OUTPUT -m mark --mark 0x2/0x2 -j MARK --set-xmark 0x0/0x2",
        ]), ("filter", None, [], [
            "-A OUTPUT -m mark --mark 0x1 -j ACCEPT",
            "-A OUTPUT -m mark --mark 0x10/0x10 -j DROP",
            "-A OUTPUT -m mark ! --mark 0x200/0xf00 -m length ! --length 200:300 -j DROP",
            "-A OUTPUT -p udp -m multiport ! --sports 1:1024 -j ACCEPT",
        ])), "output",
        [P(tcp("10.1.1.1", 443, n=200)), P(tcp("10.1.1.1", 8000, n=200)),
         P(tcp("10.1.1.1", 8081, n=200)), P(tcp("10.1.1.1", 8081)),
         P(udp("10.1.1.1", 9, sport=123, n=200)), P(udp("10.1.1.1", 9, sport=124, n=200)),
         P(udp("10.1.1.1", 9, sport=124, n=180)), P(udp("10.1.1.1", 9, sport=100, n=250)),
         P(udp("10.1.1.1", 9, sport=100, n=250), mark=0x3),
         P(udp("10.1.1.1", 53, sport=100, n=150), mark=0x2),
         P(udp("10.1.1.1", 9, sport=2000, n=400)), P(udp("10.1.1.1", 9, sport=2000, n=230))]))

    # 6. limit on the injected clock
    out.append(case(
        "limit-clock",
        "xt_limit's token bucket on the injected clock: burst, refill per jiffy, the default "
        "3/hour with burst 5 on a second rule",
        tables(("filter", None, [], [
            "-A OUTPUT -p icmp -m limit --limit 2/sec --limit-burst 3 -j ACCEPT",
            "-A OUTPUT -p icmp -j DROP",
            "-A OUTPUT -p udp -m limit --limit 3/hour -j ACCEPT",
            "-A OUTPUT -p udp -j DROP",
        ])), "output",
        [P(icmp("10.1.1.1"), now_ns=t) for t in
         (0, 0, 0, 0, 250000000, 499000000, 500000000, 999999999, 1000000000, 1000000000,
          3000000000, 3000000000, 3000000000, 3000000000)] +
        [P(udp("10.1.1.1", 9), now_ns=t) for t in
         (5000000000, 5000000000, 5000000000, 5000000000, 5000000000, 5000000000,
          1205000000000, 1205000000000)]))

    # 7. state / conntrack / connmark with the minimal conntrack and explicit states
    out.append(case(
        "state-conntrack",
        "-m state and -m conntrack (--ctstate with !, --ctdir) with the minimal conntrack "
        "(NEW until a reply, then ESTABLISHED; a dropped first packet leaves no flow), explicit "
        "INVALID/RELATED/UNTRACKED states, CONNMARK --set-xmark/--save-mark/--restore-mark",
        tables(("mangle", None, [], [
            "-A OUTPUT -m connmark --mark 0x7 -j CONNMARK --restore-mark --nfmask 0xffffffff "
            "--ctmask 0xffffffff",
            "-A OUTPUT -p udp -m udp --dport 7000 -j MARK --set-xmark 0x7/0xffffffff",
            "-A OUTPUT -m mark --mark 0x7 -j CONNMARK --save-mark --nfmask 0xffffffff "
            "--ctmask 0xffffffff",
            "-A OUTPUT -p udp -m udp --dport 7001 -j CONNMARK --set-xmark 0x5/0xff",
        ]), ("filter", None, [], [
            "-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
            "-A OUTPUT -m conntrack --ctstate INVALID -j DROP",
            "-A OUTPUT -m conntrack --ctstate UNTRACKED -j ACCEPT",
            "-A OUTPUT -p udp -m udp --dport 6666 -j DROP",
            "-A OUTPUT -m conntrack --ctstate NEW --ctdir REPLY -j DROP",
            "-A OUTPUT -p udp -m conntrack ! --ctstate NEW -j DROP",
            "-A OUTPUT -m connmark --mark 0x5/0xff -j ACCEPT",
            "-A OUTPUT -p udp -m conntrack --ctstate NEW --ctdir ORIGINAL -j ACCEPT",
        ])), "output",
        [P(udp("10.1.1.1", 7000)), P(udp("10.1.1.1", 7000)),
         P(udp(LOCAL, 4000, sport=7000, src="10.1.1.1")), P(udp("10.1.1.1", 7000)),
         P(udp("10.1.1.1", 6666)), P(udp("10.1.1.1", 6666)),
         P(udp("10.1.1.1", 7001)), P(udp("10.1.1.1", 7001)),
         P(udp("10.2.2.2", 9), ct="invalid"), P(udp("10.2.2.2", 9), ct="untracked"),
         P(icmp("10.2.2.2", 3, 3), ct="related"), P(udp("10.2.2.2", 9), ct="new", ctdir="reply"),
         P(udp("10.2.2.2", 9), ct="established", ctdir="reply", ctmark=0x5)]))

    # 8. TOS, DSCP, TTL rewrites and matches
    out.append(case(
        "tos-dscp-ttl",
        "TOS --set-tos value/mask, DSCP keeping the ECN bits, TTL set/dec/inc with its clamps, "
        "tos/dscp/ttl matches seeing earlier rewrites, reroute after mangle OUTPUT changed TOS",
        tables(("mangle", None, [], [
            "-A OUTPUT -p udp -m udp --dport 5001 -j TOS --set-tos 0x10/0x3f",
            "-A OUTPUT -p udp -m udp --dport 5002 -j DSCP --set-dscp 0x2e",
            "-A OUTPUT -m tos --tos 0x10/0x3f -j TTL --ttl-set 5",
            "-A OUTPUT -m dscp --dscp 0x2e -j TTL --ttl-dec 100",
            "-A OUTPUT -m ttl --ttl-gt 250 -j TTL --ttl-inc 10",
            "-A POSTROUTING -m ttl --ttl-lt 10 -j TTL --ttl-inc 100",
            "-A POSTROUTING -m ttl --ttl-eq 255 -j DSCP --set-dscp 0x00",
            "-A POSTROUTING -m ttl ! --ttl-eq 64 -m tos ! --tos 0x00/0xfc -j TOS --set-tos "
            "0x08/0xff",
        ])), "output",
        [P(udp("10.1.1.1", 5001)), P(udp("10.1.1.1", 5001, tos=0xE3)),
         P(udp("10.1.1.1", 5002, tos=0x03)), P(udp("10.1.1.1", 5002, ttl=30)),
         P(udp("10.1.1.1", 9, ttl=251)), P(udp("10.1.1.1", 9, ttl=3, tos=0x20)),
         P(udp("10.1.1.1", 9, ttl=64, tos=0x20)), P(udp("10.1.1.1", 5001, tos=0x10))]))

    # 9. NAT on a flow's first packet
    out.append(case(
        "nat-first-packet",
        "DNAT in nat OUTPUT and SNAT/MASQUERADE in nat POSTROUTING run on a flow's first packet "
        "only; later packets reuse the binding (nat counters count flows); a flow whose first "
        "packet was dropped runs the nat chains again; filter sees the DNATed address",
        tables(("nat", None, [], [
            "-A OUTPUT -d 10.50.0.1/32 -p udp -m udp --dport 53 -j DNAT --to-destination "
            "10.60.0.1:5353",
            "-A OUTPUT -d 10.50.0.2/32 -p tcp -j DNAT --to-destination 10.60.0.2",
            "-A POSTROUTING -s 10.0.0.0/24 -o eth1 -j MASQUERADE",
            "-A POSTROUTING -d 10.60.0.0/16 -j SNAT --to-source 10.0.0.100",
        ]), ("filter", None, [], [
            "-A OUTPUT -d 10.60.0.1/32 -p udp -m udp --dport 5353 -j ACCEPT",
            "-A OUTPUT -d 10.50.0.1/32 -j DROP",
            "-A OUTPUT -p udp -m udp --dport 6000 -m limit --limit 1/sec --limit-burst 1 -j DROP",
        ])), "output",
        [P(udp("10.50.0.1", 53)), P(udp("10.50.0.1", 53)), P(udp("10.50.0.1", 53)),
         P(tcp("10.50.0.2", 80, flags="S")), P(tcp("10.50.0.2", 80, flags="A")),
         P(udp("192.168.5.5", 9), out="eth1"), P(udp("192.168.5.5", 9), out="eth1"),
         P(udp("192.168.5.5", 9, sport=4001, src="10.0.1.1"), out="eth1"),
         P(udp("10.70.0.1", 6000), now_ns=0), P(udp("10.70.0.1", 6000), now_ns=0),
         P(udp("10.70.0.1", 6000), now_ns=2000000000),
         P(udp("10.70.0.1", 6000), now_ns=2000000000)],
        masq="192.168.9.9"))

    # 10. REJECT and LOG
    out.append(case(
        "reject-log",
        "LOG is not terminal (counted, logged, continues); REJECT drops with each "
        "--reject-with",
        tables(("filter", None, [], [
            "-A OUTPUT -p tcp -m tcp --dport 25 -j LOG --log-prefix \"smtp: \"",
            "-A OUTPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset",
            "-A OUTPUT -p udp -j LOG --log-prefix \"udp \" --log-level 6",
            "-A OUTPUT -p udp -m udp --dport 69 -j REJECT --reject-with icmp-port-unreachable",
            "-A OUTPUT -d 10.66.0.0/16 -j REJECT --reject-with icmp-host-prohibited",
            "-A OUTPUT -d 10.67.0.0/16 -j REJECT --reject-with icmp-admin-prohibited",
            "-A OUTPUT -d 10.68.0.0/16 -j REJECT --reject-with icmp-net-unreachable",
            "-A OUTPUT -j LOG",
        ])), "output",
        [P(tcp("10.1.1.1", 25)), P(udp("10.1.1.1", 69)), P(udp("10.66.1.1", 9)),
         P(tcp("10.67.1.1", 9)), P(icmp("10.68.1.1")), P(icmp("10.69.1.1")),
         P(udp("10.69.1.1", 70))]))

    # 11. restore -c counters, comment, iprange, owner, addrtype
    out.append(case(
        "counters-owner-iprange",
        "iptables-restore -c counters (chain policies and rules) advance from their restored "
        "values; comment, iprange (with !), owner with and without a socket, addrtype with the "
        "default address classes",
        "*filter\n:INPUT ACCEPT [1:2]\n:FORWARD DROP [3:4]\n:OUTPUT ACCEPT [10:1000]\n"
        "[5:500] -A OUTPUT -d 10.0.0.10/32 -m comment --comment \"keep this\" -j ACCEPT\n"
        "[0:0] -A OUTPUT -m iprange --dst-range 10.0.0.10-10.0.0.20 -j DROP\n"
        "[7:700] -A OUTPUT -m owner --uid-owner 1000 -j DROP\n"
        "[1:1] -A OUTPUT -m owner ! --uid-owner 0 --gid-owner 100-200 -j ACCEPT\n"
        "[0:0] -A OUTPUT -m owner ! --uid-owner 0 -j LOG\n"
        "[0:0] -A OUTPUT -m iprange ! --src-range 10.0.0.1-10.0.0.5 -j DROP\n"
        "[0:0] -A OUTPUT -m addrtype --dst-type MULTICAST -j DROP\n"
        "[0:0] -A OUTPUT -m addrtype --dst-type LOCAL,BROADCAST -j ACCEPT\n"
        "[2:20] -A OUTPUT -p udp -j DROP\n"
        "COMMIT\n", "output",
        [P(udp("10.0.0.10", 9)), P(udp("10.0.0.15", 9)), P(udp("10.1.1.1", 9), uid=1000, gid=5),
         P(udp("10.1.1.1", 9), uid=1001, gid=150), P(udp("10.1.1.1", 9), uid=1001, gid=5),
         P(udp("10.1.1.1", 9, src="10.0.0.9")), P(udp("224.0.0.5", 9)),
         P(udp("127.0.0.1", 9)), P(udp("255.255.255.255", 9)), P(icmp("10.1.1.1")),
         P(udp("10.1.1.1", 9), uid=0, gid=0)],
        counters=True))

    # 12. several tables: raw, mangle, filter, security order, and a DROP stopping the hook
    out.append(case(
        "table-order",
        "OUTPUT runs raw, mangle, nat, filter, security in that order and stops at the first "
        "DROP (later tables do not count); POSTROUTING runs mangle then nat",
        tables(("raw", None, [], [
            "-A OUTPUT -d 10.11.0.0/16 -j DROP",
            "-A OUTPUT -p udp",
        ]), ("mangle", None, [], [
            "-A OUTPUT -d 10.12.0.0/16 -j DROP",
            "-A OUTPUT -j MARK --set-xmark 0x100/0x100",
            "-A POSTROUTING -m mark --mark 0x100/0x100 -j MARK --set-xmark 0x200/0x200",
            "-A POSTROUTING -d 10.16.0.0/16 -j DROP",
        ]), ("filter", {"OUTPUT": "DROP"}, [], [
            "-A OUTPUT -d 10.13.0.0/16 -j DROP",
            "-A OUTPUT -m mark --mark 0x100/0x100 -j ACCEPT",
        ]), ("security", None, [], [
            "-A OUTPUT -d 10.14.0.0/16 -j DROP",
            "-A OUTPUT -m mark --mark 0x100/0x100",
        ])), "output",
        [P(udp("10.11.0.1", 9)), P(udp("10.12.0.1", 9)), P(udp("10.13.0.1", 9)),
         P(udp("10.14.0.1", 9)), P(udp("10.15.0.1", 9)), P(udp("10.16.0.1", 9)),
         P(tcp("10.15.0.1", 9))]))

    # 13. what the conntrack refuses
    out.append(case(
        "ct-invalid",
        "the minimal conntrack as nf_conntrack: fragments (first or not) and ICMP errors or "
        "replies without a request get no conntrack (INVALID, the nat table does not see them); "
        "an echo request starts a flow and its reply is ESTABLISHED; a timestamp request with "
        "the same id is a flow of its own (the tuple holds the ICMP type and code)",
        tables(("nat", None, [], [
            "-A OUTPUT -d 10.50.0.0/16 -j DNAT --to-destination 10.60.0.1",
        ]), ("filter", None, [], [
            "-A OUTPUT -m conntrack --ctstate INVALID -j DROP",
            "-A OUTPUT -m state --state ESTABLISHED -j ACCEPT",
            "-A OUTPUT -m conntrack --ctstate NEW -j ACCEPT",
        ])), "output",
        [P(udp("10.50.0.1", 9, flags="MF")), P(udp("10.50.0.1", 9, frag=10)),
         P(udp("10.50.0.1", 9)), P(udp("10.50.0.1", 9)),
         P(icmp("10.50.0.2", 3, 3)), P(icmp("10.50.0.3", 0)),
         P(icmp("10.70.0.3", 8)), P(icmp(LOCAL, 0, src="10.70.0.3")),
         P(icmp("10.70.0.3", 13)), P(_gre("10.50.0.9")), P(_gre("10.50.0.9"))]))

    # 14. NOTRACK, REDIRECT, hotdrop
    out.append(case(
        "notrack-redirect-hotdrop",
        "raw CT --notrack makes packets UNTRACKED (no nat, no flow); REDIRECT on OUTPUT maps to "
        "127.0.0.1 (with and without --to-ports) on the first packet only; a TCP fragment at "
        "offset 1 hot-drops in the tcp match without counting the rule",
        tables(("raw", None, [], [
            "-A OUTPUT -p udp -m udp --dport 53 -j CT --notrack",
        ]), ("nat", None, [], [
            "-A OUTPUT -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080",
            "-A OUTPUT -p udp -m udp --dport 54 -j REDIRECT",
        ]), ("filter", None, [], [
            "-A OUTPUT -m conntrack --ctstate UNTRACKED -j ACCEPT",
            "-A OUTPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT",
            "-A OUTPUT -p tcp -m tcp --dport 9 -j ACCEPT",
            "-A OUTPUT -p tcp -j DROP",
        ])), "output",
        [P(udp("10.1.1.1", 53)), P(udp("10.1.1.1", 53)), P(tcp("10.1.1.1", 80)),
         P(tcp("10.1.1.1", 80, flags="A")), P(udp("10.1.1.1", 54)), P(udp("10.1.1.1", 54)),
         P(tcp("10.1.1.1", 9, frag=1), ct="invalid"), P(tcp("10.1.1.1", 9, frag=2), ct="invalid"),
         P(tcp("10.1.1.1", 9))]))

    # 15. the forward path
    out.append(case(
        "forward-hook",
        "FORWARD runs mangle, filter, security with both devices; -i/-o together, TTL and MARK "
        "in mangle FORWARD, a DROP policy",
        tables(("mangle", None, [], [
            "-A FORWARD -i eth1 -j MARK --set-xmark 0x2/0xffffffff",
            "-A FORWARD -o eth0 -m ttl --ttl-lt 3 -j TTL --ttl-set 3",
        ]), ("filter", {"FORWARD": "DROP"}, [], [
            "-A FORWARD -i eth1 -o eth0 -m mark --mark 0x2 -j ACCEPT",
            "-A FORWARD -i eth0 -o eth1 -m state --state ESTABLISHED -j ACCEPT",
        ]), ("security", None, [], [
            "-A FORWARD -s 192.168.66.0/24 -j DROP",
        ])), "forward",
        [P(udp("8.8.8.8", 53, src="192.168.1.5", ttl=2), **{"in": "eth1", "out": "eth0"}),
         P(udp("192.168.1.5", 4000, sport=53, src="8.8.8.8"), **{"in": "eth0", "out": "eth1"}),
         P(udp("8.8.8.8", 53, src="192.168.66.5"), **{"in": "eth1", "out": "eth0"}),
         P(udp("192.168.1.6", 4000, sport=53, src="8.8.8.8"), **{"in": "eth0", "out": "eth1"}),
         P(udp("8.8.8.8", 53, src="192.168.1.5"), **{"in": "eth2", "out": "eth0"})]))

    # 16. the prerouting path
    out.append(case(
        "prerouting-hook",
        "PREROUTING runs raw, mangle, nat: DNAT on a flow's first packet, the binding after",
        tables(("raw", None, [], [
            "-A PREROUTING -i eth0 -p udp -m udp --dport 53 -j CT --notrack",
        ]), ("mangle", None, [], [
            "-A PREROUTING -i eth0 -j MARK --set-xmark 0x9/0xffffffff",
        ]), ("nat", None, [], [
            "-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination "
            "10.0.0.80:8080",
        ])), "prerouting",
        [P(tcp("203.0.113.1", 80, src="198.51.100.7"), **{"in": "eth0"}),
         P(tcp("203.0.113.1", 80, src="198.51.100.7", flags="A"), **{"in": "eth0"}),
         P(udp("203.0.113.1", 53, src="198.51.100.7"), **{"in": "eth0"}),
         P(tcp("203.0.113.1", 81, src="198.51.100.7"), **{"in": "eth1"})],
        outdev=""))

    # 17. the input side: INPUT hook with -i
    out.append(case(
        "input-hook",
        "INPUT runs mangle, filter, security; -i with + and !, no output device",
        tables(("mangle", None, [], [
            "-A INPUT -i eth+ -j MARK --set-xmark 0x1/0xffffffff",
        ]), ("filter", {"INPUT": "DROP"}, ["lan"], [
            "-A INPUT -i lo -j ACCEPT",
            "-A INPUT -i eth1 -j lan",
            "-A INPUT ! -i eth+ -p udp -j ACCEPT",
            "-A INPUT -p tcp -m mark --mark 0x1 -m tcp --dport 22 -j ACCEPT",
            "-A lan -s 192.168.0.0/16 -j ACCEPT",
        ])), "input",
        [P(udp(LOCAL, 9, src="127.0.0.1"), **{"in": "lo"}),
         P(udp(LOCAL, 9, src="192.168.1.2"), **{"in": "eth1"}),
         P(udp(LOCAL, 9, src="172.16.1.2"), **{"in": "eth1"}),
         P(udp(LOCAL, 9, src="172.16.1.2"), **{"in": "wlan0"}),
         P(tcp(LOCAL, 22, src="172.16.1.2"), **{"in": "eth0"}),
         P(tcp(LOCAL, 23, src="172.16.1.2"), **{"in": "eth0"})],
        outdev=""))
    return out


def _gre(dst):
    from scapy.all import IP, Raw
    return IP(src=LOCAL, dst=dst, id=1, proto=47) / Raw(b"\0\0\x08\0gre!")


CASES = cases()
