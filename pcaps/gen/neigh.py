# SPDX-License-Identifier: MIT
"""Golden cases for components/neigh: timelines of packets sent to next hops and ARP frames
received, and the frames Linux would put on the wire, with their times.

The expected frames come from a NUD model written here from the kernel's definitions
(net/core/neighbour.c __neigh_event_send, neigh_timer_handler, __neigh_update; net/ipv4/arp.c
arp_solicit, arp_process; ../shared/linux-facts.md section 5), independent of txpath; scapy
builds the frames. components/neigh/conform/conform_neigh.c replays the same timeline on the
real component.

case.json layout (component "neigh"):

  {"component": "neigh", "description": "...", "link": "ether",
   "dev": {"name": "eth0", "mac": "02:00:00:00:00:01", "addrs": ["10.0.0.1/24", ...]},
   "params": {"reachable_time_ms": 4000, ...},   sysctl names (txp_neigh_set_param)
   "seed": 0,
   "events": [{"t_ns": 0, "send": {"nexthop": "10.0.0.2", "hex": "<IPv4 packet>"}},
              {"t_ns": 1500000000, "recv": "<Ethernet frame>"},
              {"t_ns": ..., "param": ["arp_announce", 2]}],
   "end_ns": 10000000000}

Timers fire exactly on time (the kernel's timer wheel may add up to 8 jiffies to a 1 s timer;
the kernel test allows for that). Regenerate with ci/regen-goldens (never edit by hand).
"""
from txpgen import Case

COMPONENT = "neigh"
S = 1000000000
MS = 1000000

US_MAC = "02:00:00:00:00:01"
US_IP = "10.0.0.1"
US_IP2 = "192.168.1.1"
PEER = {"10.0.0.2": "02:00:00:00:00:02", "10.0.0.3": "02:00:00:00:00:03",
        "10.0.0.4": "02:00:00:00:00:04", "192.168.1.9": "02:00:00:00:00:09"}
BCAST = "ff:ff:ff:ff:ff:ff"

INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, FAILED = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
CONNECTED = 0x80 | 0x40 | REACHABLE
VALID = 0x80 | 0x40 | REACHABLE | PROBE | STALE | DELAY


def ip2i(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


def udp(src, dst, ident, size=8):
    from scapy.all import IP, UDP, Raw
    return bytes(IP(src=src, dst=dst, id=ident, ttl=64) / UDP(sport=40000, dport=9) /
                 Raw(bytes([ident & 0xFF]) * size))


def arp_frame(eth_dst, eth_src, op, hwsrc, psrc, hwdst, pdst):
    from scapy.all import Ether, ARP
    return bytes(Ether(dst=eth_dst, src=eth_src) /
                 ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst, pdst=pdst))


def reply_to_us(peer_ip):
    return arp_frame(US_MAC, PEER[peer_ip], 2, PEER[peer_ip], peer_ip, US_MAC, US_IP)


class Entry:
    def __init__(self, ip, now, base):
        self.ip = ip
        self.state = 0
        self.ha = None
        self.probes = 0
        self.confirmed = now - 2 * base
        self.updated = self.used = now
        self.timer = None
        self.queue = []


class Model:
    """One device, the kernel's NUD rules; frames collected as (t, bytes)."""

    def __init__(self, addrs, params):
        self.addrs = addrs  # [(ip, plen)]
        self.p = {"base_reachable_time_ms": 30000, "retrans_time_ms": 1000,
                  "delay_first_probe_time": 5, "mcast_solicit": 3, "ucast_solicit": 3,
                  "app_solicit": 0, "mcast_resolicit": 0, "unres_qlen_bytes": 212992,
                  "arp_announce": 0, "locktime": 100, "reachable_time_ms": None}
        self.p.update(params)
        self.out = []
        self.ent = {}

    # parameters in ns
    def reach(self):
        return self.p["reachable_time_ms"] * MS

    def base(self):
        return self.p["base_reachable_time_ms"] * MS

    def retrans(self):
        return max(self.p["retrans_time_ms"] * MS, 10 * MS)

    def dprobe(self):
        return self.p["delay_first_probe_time"] * S

    def is_local(self, ip):
        return any(a == ip for a, _ in self.addrs)

    def onlink(self, a, b):
        for x, l in self.addrs:
            m = (0xFFFFFFFF << (32 - l)) & 0xFFFFFFFF
            if a & m == x & m and b & m == x & m:
                return True
        return False

    def select(self, target):
        for x, l in self.addrs:
            m = (0xFFFFFFFF << (32 - l)) & 0xFFFFFFFF
            if target & m == x & m:
                return x
        return self.addrs[0][0]

    def i2s(self, i):
        return "%d.%d.%d.%d" % (i >> 24, (i >> 16) & 255, (i >> 8) & 255, i & 255)

    def solicit(self, e, now):
        skb = e.queue[-1] if e.queue else None
        saddr = 0
        src = ip2i("%d.%d.%d.%d" % tuple(skb[12:16])) if skb else None
        ann = self.p["arp_announce"]
        if ann == 0 and src is not None and self.is_local(src):
            saddr = src
        elif ann == 1 and src is not None and self.is_local(src) and self.onlink(e.ip, src):
            saddr = src
        if not saddr:
            saddr = self.select(e.ip)
        unicast = e.probes - self.p["ucast_solicit"] < 0
        if not unicast and e.probes - self.p["ucast_solicit"] - self.p["app_solicit"] < 0:
            e.probes += 1
            return
        dst = e.ha if unicast else BCAST
        self.out.append((now, arp_frame(dst, US_MAC, 1, US_MAC, self.i2s(saddr),
                                        "00:00:00:00:00:00", self.i2s(e.ip))))
        e.probes += 1

    def xmit(self, e, pkt, now):
        from scapy.all import Ether
        self.out.append((now, bytes(Ether(dst=e.ha, src=US_MAC, type=0x0800)) + pkt))

    def send(self, ip, pkt, now):
        e = self.ent.get(ip)
        if e is None:
            e = self.ent[ip] = Entry(ip, now, self.base())
        self.output(e, pkt, now)

    def output(self, e, pkt, now):
        if e.state & CONNECTED:
            self.xmit(e, pkt, now)
            return
        e.used = now
        if e.state & (DELAY | PROBE):
            self.xmit(e, pkt, now)
            return
        probe_now = False
        if not e.state & (STALE | INCOMPLETE):
            e.probes = self.p["ucast_solicit"]
            e.state = INCOMPLETE
            e.updated = now
            e.timer = now + self.retrans()
            probe_now = True
        elif e.state & STALE:
            e.state = DELAY
            e.updated = now
            e.timer = now + self.dprobe()
        if e.state == INCOMPLETE:
            ts = 768 + ((len(pkt) + 63) & ~63)
            while e.queue and sum(768 + ((len(q) + 63) & ~63) for q in e.queue) + ts > \
                    self.p["unres_qlen_bytes"]:
                e.queue.pop(0)
            e.queue.append(pkt)
        else:
            self.xmit(e, pkt, now)
        if probe_now:
            self.solicit(e, now)

    def update(self, e, mac, new, override, now):
        old = e.state
        same = bool(old & VALID) and mac == e.ha
        if new & CONNECTED:
            e.confirmed = now
        if old & VALID:
            if not same and not override:
                return
            if same and new == STALE:
                new = old
        if new != old or not same:
            e.updated = now
        if new != old:
            e.timer = None
            if new & PROBE:
                e.probes = 0
            if new & (INCOMPLETE | REACHABLE | DELAY | PROBE):
                e.timer = now + (self.reach() if new & REACHABLE else 0)
            e.state = new
        if not same:
            e.ha = mac
            if not new & CONNECTED:
                e.confirmed = now - 2 * self.base()
        if new != old and not old & VALID:
            q, e.queue = e.queue, []
            for pkt in q:
                self.output(e, pkt, now)

    def timer(self, e, now):
        st = e.state
        nxt = now + S
        if st & REACHABLE:
            if now <= e.confirmed + self.reach():
                nxt = e.confirmed + self.reach()
            elif now <= e.used + self.dprobe():
                e.state, e.updated, nxt = DELAY, now, now + self.dprobe()
            else:
                e.state, e.updated = STALE, now
        elif st & DELAY:
            if now <= e.confirmed + self.dprobe():
                e.state, e.updated = REACHABLE, now
                nxt = e.confirmed + self.reach()
            else:
                e.state, e.updated, e.probes = PROBE, now, 0
                nxt = now + self.retrans()
        else:
            nxt = now + self.retrans()
        if e.state & (INCOMPLETE | PROBE):
            maxp = self.p["ucast_solicit"] + self.p["app_solicit"] + \
                (self.p["mcast_resolicit"] if e.state & PROBE else self.p["mcast_solicit"])
            if e.probes >= maxp:
                e.state = FAILED
                e.updated = now
                e.queue = []
                e.timer = None
                return
        e.timer = None
        if e.state & (INCOMPLETE | REACHABLE | DELAY | PROBE):
            e.timer = max(nxt, now + 10 * MS)
        if e.state & (INCOMPLETE | PROBE):
            self.solicit(e, now)

    def run_timers(self, until):
        seq = 0
        while True:
            due = [(e.timer, ip) for ip, e in self.ent.items() if e.timer is not None]
            if not due:
                return
            t, ip = min(due)
            if t > until:
                return
            self.timer(self.ent[ip], t)
            seq += 1

    def recv_reply_to_us(self, peer_ip, now, mac=None):
        e = self.ent.get(ip2i(peer_ip))
        if e is None:
            return  # unsolicited, arp_accept 0
        mac = mac or PEER[peer_ip]
        override = now > e.updated + self.p["locktime"] * 10 * MS
        self.update(e, mac, REACHABLE, override, now)

    def recv_request_for_us(self, peer_ip, now):
        ip = ip2i(peer_ip)
        e = self.ent.get(ip)
        if e is None:
            e = self.ent[ip] = Entry(ip, now, self.base())
        self.update(e, PEER[peer_ip], STALE, True, now)
        self.out.append((now, arp_frame(PEER[peer_ip], US_MAC, 2, US_MAC, US_IP, PEER[peer_ip],
                                        peer_ip)))


def timeline(name, description, events, end, params=None, addrs=None, arp_notify=False):
    """events: [(t, kind, args)]; kind: send (nexthop, src, ident), reply (peer), request
    (peer), param (name, value)."""
    params = dict(params or {})
    addrs = addrs or [(US_IP, 24), (US_IP2, 24)]
    if "reachable_time_ms" not in params:
        params["reachable_time_ms"] = 30000
    m = Model([(ip2i(a), l) for a, l in addrs], params)
    if arp_notify:
        params["arp_notify"] = 1
        for a, _ in addrs:
            m.out.append((0, arp_frame(BCAST, US_MAC, 1, US_MAC, a, "00:00:00:00:00:00", a)))
    ev_json = []
    for t, kind, args in sorted(events, key=lambda ev: ev[0]):
        m.run_timers(t)
        if kind == "send":
            nh, src, ident = args
            pkt = udp(src, nh, ident)
            m.send(ip2i(nh), pkt, t)
            ev_json.append({"t_ns": t, "send": {"nexthop": nh, "hex": pkt.hex()}})
        elif kind == "reply":
            frame = reply_to_us(args)
            m.recv_reply_to_us(args, t)
            ev_json.append({"t_ns": t, "recv": frame.hex()})
        elif kind == "request":
            frame = arp_frame(BCAST, PEER[args], 1, PEER[args], args, "00:00:00:00:00:00", US_IP)
            m.recv_request_for_us(args, t)
            ev_json.append({"t_ns": t, "recv": frame.hex()})
        elif kind == "param":
            m.p[args[0]] = args[1]
            ev_json.append({"t_ns": t, "param": [args[0], args[1]]})
    m.run_timers(end)
    out = sorted(m.out, key=lambda x: x[0])

    def packets():
        from scapy.all import Ether
        return [Ether(b) for _, b in out]

    payload = {"dev": {"name": "eth0", "mac": US_MAC, "addrs": ["%s/%d" % a for a in addrs]},
               "params": params, "seed": 0, "events": ev_json, "end_ns": end}
    return Case(name=name, description=description, link="ether", payload=payload,
                packets=packets, ts_ns=[t // 1000 * 1000 for t, _ in out])


def cases():
    B, C = "10.0.0.2", "10.0.0.3"
    out = []
    out.append(timeline("resolve-first-request", "reply to the first request: request at 0, "
                        "the queued packet at the reply", [(0, "send", (B, US_IP, 1)),
                                                          (20 * MS, "reply", B)], 5 * S))
    out.append(timeline("resolve-second-request", "reply after the second request (1 s)",
                        [(0, "send", (B, US_IP, 1)), (1200 * MS, "reply", B)], 5 * S))
    out.append(timeline("resolve-third-request", "reply after the third request (2 s)",
                        [(0, "send", (B, US_IP, 1)), (2500 * MS, "reply", B)], 5 * S))
    out.append(timeline("resolve-fails", "no reply: three broadcast requests 1 s apart, FAILED at "
                        "3 s, the queue dropped; a later packet starts over",
                        [(0, "send", (C, US_IP, 1)), (500 * MS, "send", (C, US_IP, 2)),
                         (5 * S, "send", (C, US_IP, 3))], 7 * S))
    q = [(i * MS, "send", (B, US_IP, i)) for i in range(10)]
    out.append(timeline("queue-released-in-order", "ten packets queued while INCOMPLETE leave in "
                        "order when the reply comes", q + [(300 * MS, "reply", B)], 2 * S))
    q = [(i * MS, "send", (B, US_IP, i)) for i in range(8)]
    out.append(timeline("queue-overflow", "unres_qlen_bytes 2496 (three 832-byte truesizes): the "
                        "oldest are dropped, the newest three leave",
                        q + [(300 * MS, "reply", B)], 2 * S, params={"unres_qlen_bytes": 2496}))
    out.append(timeline("reachable-stale-delay-probe-reachable", "REACHABLE expires (4 s) to "
                        "STALE; a send makes it DELAY (packet out at once); after 1 s PROBE with "
                        "a unicast request; the reply makes it REACHABLE",
                        [(0, "send", (B, US_IP, 1)), (10 * MS, "reply", B),
                         (12 * S, "send", (B, US_IP, 2)), (13500 * MS, "reply", B),
                         (14 * S, "send", (B, US_IP, 3))], 16 * S,
                        params={"reachable_time_ms": 4000, "delay_first_probe_time": 1}))
    out.append(timeline("probe-fails", "PROBE gets no answer: three unicast requests 1 s apart, "
                        "then FAILED", [(0, "send", (B, US_IP, 1)), (10 * MS, "reply", B),
                                        (12 * S, "send", (B, US_IP, 2))], 20 * S,
                        params={"reachable_time_ms": 4000, "delay_first_probe_time": 1}))
    out.append(timeline("busy-flow-reprobes", "a flow sending every 500 ms: used is not refreshed "
                        "while REACHABLE, so the entry goes STALE, then DELAY and a unicast probe",
                        [(0, "send", (B, US_IP, 1)), (10 * MS, "reply", B)] +
                        [(k * 500 * MS, "send", (B, US_IP, 10 + k)) for k in range(1, 20)] +
                        [(9200 * MS, "reply", B)], 10 * S,
                        params={"reachable_time_ms": 3000, "delay_first_probe_time": 2}))
    for ann in (0, 1, 2):
        out.append(timeline("arp-announce-%d" % ann, "arp_announce %d: the request's sender IP for "
                            "a packet from the secondary address 192.168.1.1 to 10.0.0.2" % ann,
                            [(0, "send", (B, US_IP2, 1)), (10 * MS, "reply", B)], 1 * S,
                            params={"arp_announce": ann}))
    out.append(timeline("gratuitous-arp", "arp_notify 1: a gratuitous request per address when "
                        "the device comes up", [(100 * MS, "send", (B, US_IP, 1)),
                                               (150 * MS, "reply", B)], 1 * S, arp_notify=True))
    out.append(timeline("request-for-us", "a request for our address gets a reply and makes the "
                        "sender STALE; sending to it then goes DELAY with the packet out at once "
                        "and a unicast probe 5 s later",
                        [(0, "request", "10.0.0.4"), (1 * S, "send", ("10.0.0.4", US_IP, 1))],
                        8 * S))
    return out


CASES = cases()
