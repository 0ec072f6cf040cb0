# SPDX-License-Identifier: MIT
"""Golden cases for components/fib: packets routed with a host configuration.

Each case carries a host folder's four files (as `txpath snapshot` writes them: ip-link,
ip-addr, ip-route with `ip route show table all`'s local/broadcast/kernel routes, ip-rule) and a
list of packets (IPv4/UDP, with an optional fwmark). For every packet the expected result is
computed here, from the kernel's routing rules (../shared/linux-facts.md section 3: the rule
walk, local+main merged while only the default rules exist, longest prefix first, TOS then
metric, route types and their errors, inet_select_addr, throw, suppress_prefixlength),
independently of txpath. The golden packet for input i is IPv4/UDP with the same addresses,
ports and id, whose source is the selected source when the input's was 0.0.0.0, and whose
payload is the line `ip route get` prints (without uid) or iproute2's error message.
components/fib/conform/conform_fib.c does the same with the real component.

case.json layout (component "fib"):
  {"component": "fib", "description": "...", "link": "raw-ipv4",
   "host": {"ip-link": "...", "ip-addr": "...", "ip-route": "...", "ip-rule": "..."},
   "packets": [{"hex": "<IPv4 packet>", "mark": 0}, ...]}

Regenerate with ci/regen-goldens (never edit by hand).
"""
from txpgen import Case

COMPONENT = "fib"

ERR = {"ENETUNREACH": "RTNETLINK answers: Network is unreachable",
       "EHOSTUNREACH": "RTNETLINK answers: No route to host",
       "EACCES": "RTNETLINK answers: Permission denied",
       "EINVAL": "RTNETLINK answers: Invalid argument"}
TYPE_ERR = {"blackhole": "EINVAL", "unreachable": "EHOSTUNREACH", "prohibit": "EACCES"}
SCOPE = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254}
LOCAL, MAIN, DEFAULT = 255, 254, 253


def ip2i(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


def i2s(i):
    return "%d.%d.%d.%d" % (i >> 24, (i >> 16) & 255, (i >> 8) & 255, i & 255)


def mask(l):
    return (0xFFFFFFFF << (32 - l)) & 0xFFFFFFFF if l else 0


class Host:
    def __init__(self, devs, addrs, routes, rules=None):
        """devs: [(ifindex, name)], lo first; addrs: [(dev, "a/l", secondary)];
        routes: `ip route add` style strings; rules: ip rule show lines (None = defaults)."""
        self.devs = devs
        self.addrs = []
        for dev, a, sec in addrs:
            ip, l = a.split("/")
            self.addrs.append((dev, ip2i(ip), int(l), sec))
        self.routes = []
        self.route_lines = []
        # what the kernel adds for each address (local table first, as ip route show lists it
        # after main; the order of lines does not matter to the loader)
        for dev, ip, l, sec in self.addrs:
            src = self.primary(dev, ip, l)
            if dev == "lo":
                self.add("local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1")
                self.add("local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1")
                self.add("broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1")
                continue
            self.add("local %s dev %s table local proto kernel scope host src %s" % (i2s(ip), dev, i2s(src)))
            if not sec:
                self.add("%s/%d dev %s proto kernel scope link src %s" % (i2s(ip & mask(l)), l, dev, i2s(ip)))
            if l < 31:
                self.add("broadcast %s dev %s table local proto kernel scope link src %s"
                         % (i2s(ip | (~mask(l) & 0xFFFFFFFF)), dev, i2s(src)))
        for r in routes:
            self.add(r)
        self.custom = rules is not None
        self.rule_lines = rules or ["0:\tfrom all lookup local", "32766:\tfrom all lookup main",
                                    "32767:\tfrom all lookup default"]
        self.rules = [self.parse_rule(x) for x in self.rule_lines]

    def primary(self, dev, ip, l):
        for d, a, al, sec in self.addrs:
            if d == dev and not sec and (a & mask(al)) == (ip & mask(l)):
                return a
        return ip

    def add(self, line):
        if line in self.route_lines:
            return  # a secondary address repeats its subnet's broadcast route: one exists
        w = line.split()
        r = {"type": "unicast", "table": MAIN, "tos": 0, "metric": 0, "gw": 0, "dev": None,
             "prefsrc": 0, "scope": None}
        i = 0
        if w[0] in ("local", "broadcast", "blackhole", "unreachable", "prohibit", "throw"):
            r["type"] = w[0]
            i = 1
        p = w[i]
        if p == "default":
            r["dst"], r["plen"] = 0, 0
        elif "/" in p:
            r["dst"], r["plen"] = ip2i(p.split("/")[0]), int(p.split("/")[1])
        else:
            r["dst"], r["plen"] = ip2i(p), 32
        i += 1
        while i < len(w):
            k = w[i]
            v = w[i + 1] if i + 1 < len(w) else None
            if k == "via":
                r["gw"] = ip2i(v)
            elif k == "dev":
                r["dev"] = v
            elif k == "table":
                r["table"] = {"local": LOCAL, "main": MAIN, "default": DEFAULT}.get(v) or int(v)
            elif k == "tos":
                r["tos"] = int(v, 16)
            elif k == "metric":
                r["metric"] = int(v)
            elif k == "src":
                r["prefsrc"] = ip2i(v)
            elif k == "scope":
                r["scope"] = SCOPE[v]
            elif k == "proto":
                pass
            else:
                raise ValueError("fib.py: unknown route word %s" % k)
            i += 2
        if r["scope"] is None:
            r["scope"] = 254 if r["type"] == "local" else 253 if r["type"] == "broadcast" else 0
        r["seq"] = len(self.routes)
        self.routes.append(r)
        self.route_lines.append(line)

    def parse_rule(self, line):
        pref, rest = line.split(":", 1)
        w = rest.split()
        r = {"pref": int(pref), "not": False, "from": (0, 0), "to": (0, 0), "tos": 0,
             "mark": None, "action": None, "table": None, "goto": None, "suppress": -1}
        i = 0
        while i < len(w):
            k = w[i]
            v = w[i + 1] if i + 1 < len(w) else None
            if k == "not":
                r["not"] = True
                i += 1
                continue
            if k in ("from", "to"):
                if v != "all":
                    a, l = (v.split("/") + ["32"])[:2]
                    r[k] = (ip2i(a), int(l))
            elif k == "tos":
                r["tos"] = int(v, 16)
            elif k == "fwmark":
                m, mm = (v.split("/") + ["0xffffffff"])[:2]
                r["mark"] = (int(m, 16), int(mm, 16))
            elif k == "lookup":
                r["action"], r["table"] = "lookup", {"local": LOCAL, "main": MAIN,
                                                     "default": DEFAULT}.get(v) or int(v)
            elif k == "goto":
                r["action"], r["goto"] = "goto", int(v)
            elif k == "suppress_prefixlength":
                r["suppress"] = int(v)
            elif k in ("blackhole", "unreachable", "prohibit"):
                r["action"] = k
                i += 1
                continue
            i += 2
        return r

    # ---- the kernel's algorithm ----

    def local_addrs(self):
        return [a for _, a, _, _ in self.addrs]

    def dev_index(self, name):
        return dict((n, i) for i, n in self.devs)[name]

    def select_addr(self, dev, dst, scope):
        addr = 0
        for d, a, l, sec in self.addrs:
            sc = 254 if d == "lo" else 0
            if d != dev or sec or sc > scope:
                continue
            if dst == 0 or (a & mask(l)) == (dst & mask(l)):
                return a
            if not addr:
                addr = a
        if addr:
            return addr
        for d, a, l, sec in self.addrs:
            sc = 254 if d == "lo" else 0
            if not sec and sc != 253 and sc <= scope:
                return a
        return 0

    def table_lookup(self, tables, fl):
        """longest prefix over the tables (local before main when merged); in one node the
        aliases in kernel order: TOS descending, then metric, then insertion."""
        for plen in range(32, -1, -1):
            for t in tables:
                cand = [r for r in self.routes if r["table"] == t and r["plen"] == plen and
                        (fl["dst"] & mask(plen)) == r["dst"]]
                cand.sort(key=lambda r: (-r["tos"], r["metric"], r["seq"]))
                for r in cand:
                    if r["tos"] and r["tos"] != fl["tos"] & 0x1E:
                        continue
                    if r["type"] in TYPE_ERR:
                        return TYPE_ERR[r["type"]]
                    if r["type"] == "throw":
                        return "THROW"
                    return r
        return None

    def rule_match(self, ru, fl):
        m = True
        if ru["from"][1]:
            m = m and (fl["src"] & mask(ru["from"][1])) == ru["from"][0]
        if ru["to"][1]:
            m = m and (fl["dst"] & mask(ru["to"][1])) == ru["to"][0]
        if ru["tos"]:
            m = m and ru["tos"] == fl["tos"] & 0x1E
        if ru["mark"]:
            m = m and (fl["mark"] ^ ru["mark"][0]) & ru["mark"][1] == 0
        return not m if ru["not"] else m

    def resolve(self, fl):
        if not self.custom:
            r = self.table_lookup([LOCAL, MAIN], fl)
            if r is None or r == "THROW":
                r = self.table_lookup([DEFAULT], fl)
                if r is None or r == "THROW":
                    return "ENETUNREACH"
            return r
        i = 0
        while i < len(self.rules):
            ru = self.rules[i]
            i += 1
            if not self.rule_match(ru, fl):
                continue
            if ru["action"] == "goto":
                while i < len(self.rules) and self.rules[i]["pref"] < ru["goto"]:
                    i += 1
                continue
            if ru["action"] in ("blackhole", "unreachable", "prohibit"):
                return {"blackhole": "EINVAL", "unreachable": "ENETUNREACH",
                        "prohibit": "EACCES"}[ru["action"]]
            r = self.table_lookup([ru["table"]], fl)
            if r is None or r == "THROW":
                continue
            if isinstance(r, dict) and ru["suppress"] >= 0 and r["plen"] <= ru["suppress"]:
                continue
            return r
        return "ENETUNREACH"

    def route_get(self, fl):
        """(line, selected source) for a flow {dst, src, tos, mark}."""
        fl = dict(fl, tos=fl["tos"] & 0xFC)  # the flow carries the DSCP: ECN bits do not count
        if fl["src"] and fl["src"] not in self.local_addrs():
            return ERR["ENETUNREACH"], 0
        r = self.resolve(fl)
        if isinstance(r, str):
            return ERR[r], 0
        table = r["table"]
        if not self.custom and table == LOCAL:
            table = MAIN
        if r["type"] == "local":
            dev, gw = "lo", 0
            src = fl["src"] or r["prefsrc"] or fl["dst"]
        else:
            dev, gw = r["dev"], r["gw"]
            src = fl["src"] or r["prefsrc"] or self.select_addr(dev, gw, r["scope"])
        out = "" if r["type"] == "unicast" else r["type"] + " "
        out += i2s(fl["dst"])
        if fl["src"]:
            out += " from " + i2s(fl["src"])
        if r["tos"]:
            out += " tos 0x%02x" % r["tos"]
        if gw:
            out += " via " + i2s(gw)
        out += " dev " + dev
        if table != MAIN:
            out += " table " + {LOCAL: "local", DEFAULT: "default"}.get(table, str(table))
        if not fl["src"] and src:
            out += " src " + i2s(src)
        if fl["mark"]:
            out += (" mark %d" % fl["mark"]) if fl["mark"] < 16 else (" mark 0x%x" % fl["mark"])
        return out, src

    def files(self):
        links = []
        for idx, name in self.devs:
            if name == "lo":
                links.append("%d: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state "
                             "UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback "
                             "00:00:00:00:00:00 brd 00:00:00:00:00:00" % idx)
            else:
                links.append("%d: %s@if%d: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
                             "state UP mode DEFAULT group default qlen 1000\\    link/ether "
                             "02:00:00:00:00:%02x brd ff:ff:ff:ff:ff:ff" % (idx, name, idx + 10, idx))
        addrs = []
        for dev, a, l, sec in self.addrs:
            idx = self.dev_index(dev)
            scope = "host" if dev == "lo" else "global"
            addrs.append("%d: %s    inet %s/%d %sscope %s %s%s\\       valid_lft forever "
                         "preferred_lft forever" % (idx, dev, i2s(a), l,
                                                    "" if dev == "lo" or l >= 31 else
                                                    "brd %s " % i2s(a | (~mask(l) & 0xFFFFFFFF)),
                                                    scope, "secondary " if sec else "", dev))
        return {"ip-link": "\n".join(links) + "\n", "ip-addr": "\n".join(addrs) + "\n",
                "ip-route": "\n".join(self.route_lines) + "\n",
                "ip-rule": "\n".join(self.rule_lines) + "\n"}


def case(name, description, host, flows):
    """flows: [(dst, src or None, tos, mark)]."""
    from scapy.all import IP, UDP, Raw
    pk, out = [], []
    for k, (dst, src, tos, mark) in enumerate(flows):
        fl = {"dst": ip2i(dst), "src": ip2i(src) if src else 0, "tos": tos, "mark": mark}
        p = IP(src=src or "0.0.0.0", dst=dst, tos=tos, id=k + 1, ttl=64) / \
            UDP(sport=5000 + k, dport=9) / Raw(b"q")
        pk.append({"hex": bytes(p).hex(), "mark": mark})
        line, sel = host.route_get(fl)
        o = IP(src=i2s(sel) if not src else src, dst=dst, tos=tos, id=k + 1, ttl=64) / \
            UDP(sport=5000 + k, dport=9) / Raw(line.encode())
        out.append(bytes(o))

    def packets():
        return [IP(b) for b in out]

    return Case(name=name, description=description, link="raw-ipv4",
                payload={"host": host.files(), "packets": pk}, packets=packets)


DEVS = [(1, "lo"), (2, "eth0"), (3, "eth1")]
ADDRS = [("lo", "127.0.0.1/8", False), ("eth0", "10.0.0.1/24", False),
         ("eth0", "10.0.0.9/24", True), ("eth1", "192.168.5.2/16", False)]


def cases():
    out = []
    h = Host(DEVS, ADDRS, ["default via 10.0.0.254 dev eth0",
                           "10.20.0.0/16 via 10.0.0.2 dev eth0",
                           "10.20.30.0/24 via 192.168.0.1 dev eth1",
                           "10.20.30.40 via 10.0.0.3 dev eth0",
                           "10.0.0.0/8 dev eth1 scope link src 192.168.5.2"])
    out.append(case("lpm-nested", "nested /8, /16, /24, /32 and the default route",
                    h, [(d, None, 0, 0) for d in ("10.20.30.40", "10.20.30.41", "10.20.31.1",
                                                   "10.21.0.1", "8.8.8.8", "10.0.0.77")]))
    out.append(case("connected-and-local", "on-link, our own addresses (local, no table while "
                    "merged), directed broadcast, loopback", h,
                    [(d, None, 0, 0) for d in ("10.0.0.5", "10.0.0.1", "10.0.0.9", "10.0.0.255",
                                               "127.0.0.1", "192.168.200.1")]))
    out.append(case("source-given", "a bound source address: kept when local, else unreachable",
                    h, [("8.8.8.8", "10.0.0.9", 0, 0), ("8.8.8.8", "192.168.5.2", 0, 0),
                        ("8.8.8.8", "10.0.0.77", 0, 0)]))
    h2 = Host(DEVS, ADDRS, ["default via 10.0.0.254 dev eth0",
                            "10.1.0.0/16 tos 0x10 via 10.0.0.2 dev eth0 metric 20",
                            "10.1.0.0/16 via 192.168.0.1 dev eth1 metric 10",
                            "10.1.0.0/16 via 10.0.0.3 dev eth0 metric 5",
                            "10.2.0.0/16 tos 0x08 via 10.0.0.4 dev eth0"])
    out.append(case("tos-and-metric", "TOS routes first, then the lowest metric",
                    h2, [("10.1.2.3", None, 0, 0), ("10.1.2.3", None, 0x10, 0),
                         ("10.1.2.3", None, 0x12, 0), ("10.1.2.3", None, 0x08, 0),
                         ("10.2.0.1", None, 0x08, 0), ("10.2.0.1", None, 0x0c, 0),
                         ("10.2.0.1", None, 0, 0)]))
    h3 = Host(DEVS, ADDRS, ["default via 10.0.0.254 dev eth0", "blackhole 10.7.0.0/16",
                            "unreachable 10.8.0.0/16", "prohibit 10.9.0.0/16",
                            "10.7.7.0/24 via 10.0.0.2 dev eth0"])
    out.append(case("route-types", "blackhole, unreachable and prohibit routes and their errors; "
                    "a longer unicast route inside a blackhole", h3,
                    [(d, None, 0, 0) for d in ("10.7.1.1", "10.7.7.7", "10.8.1.1", "10.9.1.1",
                                               "10.10.1.1")]))
    rules = ["0:\tfrom all lookup local", "100:\tfrom all fwmark 0x1 lookup 100",
             "110:\tfrom all tos 0x10 lookup 200", "120:\tfrom 10.0.0.9 lookup 200",
             "130:\tfrom all to 10.50.0.0/16 prohibit",
             "140:\tfrom all lookup main suppress_prefixlength 0",
             "150:\tfrom all fwmark 0x4/0x4 goto 32766", "160:\tfrom all lookup 100",
             "32766:\tfrom all lookup main", "32767:\tfrom all lookup default"]
    h4 = Host(DEVS, ADDRS, ["default via 10.0.0.254 dev eth0",
                            "10.30.0.0/16 via 192.168.0.1 dev eth1",
                            "default via 192.168.0.9 dev eth1 table 100",
                            "10.30.1.0/24 via 10.0.0.7 dev eth0 table 100",
                            "throw 10.31.0.0/16 table 100",
                            "default via 10.0.0.200 dev eth0 table 200"], rules)
    out.append(case("policy-rules", "fwmark, tos and source rules, prohibit, "
                    "suppress_prefixlength 0 skipping main's default, goto, throw back to main",
                    h4, [("10.30.1.1", None, 0, 1), ("8.8.8.8", None, 0, 1),
                         ("8.8.8.8", None, 0x10, 0), ("8.8.8.8", "10.0.0.9", 0, 0),
                         ("10.50.0.1", None, 0, 0), ("10.30.5.5", None, 0, 0),
                         ("8.8.8.8", None, 0, 0), ("8.8.8.8", None, 0, 4),
                         ("10.31.2.2", None, 0, 0), ("10.0.0.1", None, 0, 0),
                         ("10.0.0.255", None, 0, 0)]))
    h5 = Host(DEVS, ADDRS, ["10.40.0.0/16 via 10.0.0.2 dev eth0"])
    out.append(case("no-default-route", "without a default route: network unreachable",
                    h5, [("10.40.1.1", None, 0, 0), ("8.8.8.8", None, 0, 0),
                         ("192.168.1.1", None, 0, 7)]))
    h6 = Host(DEVS, ADDRS, ["default via 10.0.0.254 dev eth0",
                            "10.60.0.0/16 via 10.0.0.2 dev eth0 src 10.0.0.9",
                            "10.61.0.0/16 dev eth1 scope link"])
    out.append(case("source-selection", "prefsrc (even a secondary), the gateway's subnet, an "
                    "on-link route on another device", h6,
                    [("10.60.0.1", None, 0, 0), ("10.61.0.1", None, 0, 0),
                     ("9.9.9.9", None, 0, 0)]))
    return out


CASES = cases()
