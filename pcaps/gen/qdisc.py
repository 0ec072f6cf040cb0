# SPDX-License-Identifier: MIT
"""Golden cases for components/qdisc: which packets leave a qdisc, in what order and when.

Scapy builds the input frames; this file computes, independently of txpath, what a device
behind the qdisc sends: the pfifo_fast/prio band of each packet from Linux's tables
(ip_tos2prio, prio2band), strict-priority FIFO dequeue, per-band / total limits, and netem
re-implemented here from sch_netem.c's definition (the kernel's prandom LFSR113 seeded with
prandom_seed_state, get_crandom, tabledist with iproute2's shipped .dist tables as the
oracle for the distribution, loss models, duplicate re-entering the qdisc, reorder to the
head, rate after the last queued packet). components/qdisc/conform/conform_qdisc.c runs the
real component on the same input; the two pcaps must agree byte for byte and to the us.

case.json layout (component "qdisc"):

  {"component": "qdisc", "description": "...", "link": "ether",
   "qdisc": "pfifo_fast",            the tc spec (txp_qdisc_parse syntax)
   "txqueuelen": 1000,               device txqueuelen (fifo/pfifo_fast/prio limits)
   "dequeue_rate_pps": 1000,         the device sends one packet every 1e9/rate ns; 0 = at once
   "input": [{"ts_ns": 0, "hex": "...", "priority": 6}, ...]}
                                     arrival time, frame bytes, and skb->priority (optional:
                                     without it the driver uses rt_tos2priority(IPv4 TOS))

The device model: an arrival is enqueued at its time; whenever the device is free and a
packet is due it sends it (at equal times the device goes first, so a packet reaching an
empty qdisc in front of an idle device leaves at once). Output timestamps are the send
times, truncated to the microsecond (the pcap resolution).

Regenerate with ci/regen-goldens (never edit a golden by hand).
"""
import os

from txpgen import Case

COMPONENT = "qdisc"
INF = float("inf")

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"

TOS2PRIO = [0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4]  # linux-facts 6.1
PRIO2BAND = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]  # linux-facts 6.2
U32 = 0xFFFFFFFF


def frame(seq, tos=0, size=0):
    from scapy.all import Ether, IP, UDP, Raw
    body = bytes([seq & 0xFF]) * (10 + size)
    return Ether(src=MAC_A, dst=MAC_B) / IP(src="10.0.0.1", dst="10.0.0.2", tos=tos, id=seq) / \
        UDP(sport=1000 + seq, dport=2000) / Raw(body)


class Pkt:
    def __init__(self, t, raw, prio):
        self.t = t
        self.raw = raw
        self.prio = prio


# ---- qdisc models ----

class Bands:
    """pfifo_fast / prio: strict priority over FIFO bands, each bounded by `cap` packets."""

    def __init__(self, nbands, cap, classify):
        self.q = [[] for _ in range(nbands)]
        self.cap = cap
        self.classify = classify

    def qlen(self):
        return sum(len(b) for b in self.q)

    def enqueue(self, p, t):
        b = self.q[self.classify(p.prio)]
        if len(b) < self.cap:
            b.append(p)

    def next_due(self, t):
        return t

    def dequeue(self, t):
        for b in self.q:
            if b:
                return b.pop(0)
        return None


class Fifo:
    def __init__(self, limit, in_bytes):
        self.q = []
        self.limit = limit
        self.in_bytes = in_bytes

    def qlen(self):
        return len(self.q)

    def enqueue(self, p, t):
        used = sum(len(x.raw) for x in self.q) + len(p.raw) if self.in_bytes else len(self.q) + 1
        if used <= self.limit:
            self.q.append(p)

    def next_due(self, t):
        return t

    def dequeue(self, t):
        return self.q.pop(0) if self.q else None


class Prandom:
    """The kernel's prandom_u32_state (L'Ecuyer LFSR113) and prandom_seed_state."""

    def __init__(self, seed):
        i = ((seed >> 32) ^ (seed << 10) ^ seed) & U32
        self.s = [i + m if i < m else i for m in (2, 8, 16, 128)]

    def u32(self):
        s1, s2, s3, s4 = self.s
        s1 = (((s1 & 0xFFFFFFFE) << 18) & U32) ^ ((((s1 << 6) & U32) ^ s1) >> 13)
        s2 = (((s2 & 0xFFFFFFF8) << 2) & U32) ^ ((((s2 << 2) & U32) ^ s2) >> 27)
        s3 = (((s3 & 0xFFFFFFF0) << 7) & U32) ^ ((((s3 << 13) & U32) ^ s3) >> 21)
        s4 = (((s4 & 0xFFFFFF80) << 13) & U32) ^ ((((s4 << 3) & U32) ^ s4) >> 12)
        self.s = [s1, s2, s3, s4]
        return s1 ^ s2 ^ s3 ^ s4


def pct(p):
    """iproute2: rint(percent / 100 * 0xffffffff) (Python round is half-even, as rint)."""
    return int(round(p / 100.0 * U32))


def load_dist(name):
    """iproute2's shipped table: the oracle for netem's distributions."""
    for d in ("/usr/lib/x86_64-linux-gnu/tc", "/usr/lib/tc", "/usr/lib64/tc"):
        path = os.path.join(d, name + ".dist")
        if os.path.exists(path):
            vals = []
            with open(path) as f:
                for line in f:
                    if line.startswith("#") or line == "\n":
                        continue
                    vals += [int(x) for x in line.split()]
            return vals
    raise SystemExit("qdisc.py: iproute2's %s.dist not found (apt-get install iproute2)" % name)


def cdiv(a, b):
    """C division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


class Netem:
    """sch_netem.c netem_enqueue / netem_dequeue, without correlation (rho = 0)."""

    def __init__(self, seed, limit=1000, latency=0, jitter=0, dist=None, loss=0, ge=None,
                 gi=None, duplicate=0, corrupt=0, reorder=0, gap=0, rate=0):
        self.r = Prandom(seed)
        self.limit, self.latency, self.jitter = limit, latency, jitter
        self.dist = load_dist(dist) if dist else None
        self.loss, self.ge, self.gi = loss, ge, gi
        self.duplicate, self.corrupt = duplicate, corrupt
        self.reorder, self.gap, self.rate = reorder, gap, rate
        self.state = 1
        self.counter = 0
        self.head = []   # reordered packets (served first)
        self.tq = []     # (time, seq, pkt), kept sorted
        self.seq = 0

    def qlen(self):
        return len(self.head) + len(self.tq)

    def lost(self):
        if self.gi:  # p13 p31 p32 p23 p14 -> kernel a1..a5 = p13 p31 p32 p14 p23
            p13, p31, p32, p23, p14 = self.gi
            rnd = self.r.u32()
            if self.state == 1:
                if rnd < p14:
                    self.state = 4 - 1  # LOST_IN_GAP = 3
                    return True
                if rnd < (p13 + p14) & U32:
                    self.state = 4      # LOST_IN_BURST
                    return True
                return False
            if self.state == 2:
                if rnd < p23:
                    self.state = 4
                    return True
                return False
            if self.state == 4:
                if rnd < p32:
                    self.state = 2
                elif rnd < (p31 + p32) & U32:
                    self.state = 1
                else:
                    return True
                return False
            self.state = 1  # LOST_IN_GAP -> TX_IN_GAP
            return False
        if self.ge:
            p, r, h, k1 = self.ge
            if self.state == 1:
                if self.r.u32() < p:
                    self.state = 2
                return self.r.u32() < k1
            if self.r.u32() < r:
                self.state = 1
            return self.r.u32() > h
        return self.loss != 0 and self.loss >= self.r.u32()

    def delay(self):
        if self.jitter == 0:
            return self.latency
        rnd = self.r.u32()
        if self.dist is None:
            return rnd % (2 * self.jitter) + self.latency - self.jitter
        t = self.dist[rnd % len(self.dist)]
        x = (self.jitter % 8192) * t
        x = x + 4096 if x >= 0 else x - 4096
        return cdiv(x, 8192) + (self.jitter // 8192) * t + self.latency

    def enqueue(self, p, now, depth=0):
        count = 1
        if self.duplicate and depth == 0 and self.duplicate >= self.r.u32():
            count += 1
        if self.lost():
            count -= 1
        if count == 0:
            return
        dup = Pkt(p.t, bytes(p.raw), p.prio) if count > 1 else None
        if self.corrupt and self.corrupt >= self.r.u32():
            raw = bytearray(p.raw)
            pos = (self.r.u32() * len(raw)) >> 32
            bit = (self.r.u32() * 8) >> 32
            raw[pos] ^= 1 << bit
            p.raw = bytes(raw)
        if self.qlen() >= self.limit:
            return
        if dup:
            self.enqueue(dup, now, depth + 1)
        if self.gap == 0 or self.counter < self.gap - 1 or self.reorder < self.r.u32():
            d = self.delay()
            base = now
            if self.rate:
                last = None
                if self.head:
                    last = self.head[-1][0]
                if self.tq and (last is None or self.tq[-1][0] > last):
                    last = self.tq[-1][0]
                if last is not None:
                    d = max(0, d - (last - now))
                    base = last
                d += len(p.raw) * 1000000000 // self.rate
            t = max(0, base + d)
            self.seq += 1
            self.tq.append((t, self.seq, p))
            self.tq.sort(key=lambda e: (e[0], e[1]))
            self.counter += 1
        else:
            self.counter = 0
            self.head.insert(0, (now, p))

    def next_due(self, t):
        if self.head:
            return t
        return self.tq[0][0]

    def dequeue(self, t):
        if self.head:
            return self.head.pop(0)[1]
        if self.tq and self.tq[0][0] <= t:
            return self.tq.pop(0)[2]
        return None


class NoQueue:
    pass


def run(qd, arrivals, rate_pps):
    """The device model of the module docstring. Returns [(t_ns, raw)]."""
    interval = 1000000000 // rate_pps if rate_pps else 0
    dev_free, i, out = 0, 0, []
    while True:
        t_arr = arrivals[i].t if i < len(arrivals) else INF
        if isinstance(qd, NoQueue):
            if t_arr == INF:
                break
            if dev_free <= t_arr:
                out.append((t_arr, arrivals[i].raw))
                dev_free = t_arr + interval
            i += 1
            continue
        t_deq = max(dev_free, qd.next_due(dev_free)) if qd.qlen() else INF
        if t_arr == INF and t_deq == INF:
            break
        if t_arr < t_deq:
            qd.enqueue(arrivals[i], t_arr)
            i += 1
        else:
            p = qd.dequeue(t_deq)
            out.append((t_deq, p.raw))
            dev_free = t_deq + interval
    return out


def make_case(name, description, spec, qd, inputs, rate_pps=0, txqueuelen=1000):
    """inputs: [(t_ns, scapy frame, priority or None)]."""
    arrivals = []
    payload_in = []
    for t, f, prio in inputs:
        raw = bytes(f)
        rec = {"ts_ns": t, "hex": raw.hex()}
        if prio is None:
            prio = TOS2PRIO[(raw[15] & 0x1E) >> 1]
        else:
            rec["priority"] = prio
        arrivals.append(Pkt(t, raw, prio))
        payload_in.append(rec)
    out = run(qd, arrivals, rate_pps)

    def packets():
        from scapy.all import Ether
        return [Ether(raw) for _, raw in out]

    return Case(name=name, description=description, link="ether",
                payload={"qdisc": spec, "txqueuelen": txqueuelen,
                         "dequeue_rate_pps": rate_pps, "input": payload_in},
                packets=packets, ts_ns=[t // 1000 * 1000 for t, _ in out])


def pf_fast(cap):
    return Bands(3, cap, lambda prio: PRIO2BAND[prio & 15])


def prio_q(bands, pmap, cap, handle=0x10000):
    def cls(prio):
        if prio >> 16 == handle >> 16:
            minor = prio & 0xFFFF
            return minor - 1 if 1 <= minor <= bands else pmap[0]
        if prio >> 16:
            return pmap[0]
        return pmap[prio & 15]
    return Bands(bands, cap, cls)


def cases():
    out = []
    tos_all = [(0, frame(i, tos=i << 1), None) for i in range(16)]
    out.append(make_case("pfifo-fast-tos-all", "16 TOS values (bits 1-4) arriving together: the "
                         "first leaves at once, then band 0, 1, 2 in FIFO order, 1 ms apart",
                         "pfifo_fast", pf_fast(1000), tos_all, rate_pps=1000))
    tos_ecn = [(0, frame(i, tos=(i << 1) | (i & 1) | ((i * 7) & 0xE0)), None) for i in range(16)]
    out.append(make_case("pfifo-fast-tos-ecn-precedence", "TOS with ECN and precedence bits set: "
                         "only bits 1-4 choose the priority", "pfifo_fast", pf_fast(1000),
                         tos_ecn, rate_pps=1000))
    prios = [(0, frame(i), p) for i, p in enumerate(list(range(16)) + [22, 38, 0x10007])]
    out.append(make_case("pfifo-fast-priorities", "SO_PRIORITY 0..15 and larger values "
                         "(priority & 15 picks the band)", "pfifo_fast", pf_fast(1000), prios,
                         rate_pps=1000))
    burst = [(0, frame(i), 0) for i in range(12)] + [(0, frame(100 + i), 6) for i in range(3)]
    out.append(make_case("pfifo-fast-band-overflow", "txqueuelen 4: band 1 holds 4 packets (plus "
                         "the one sent at once), the rest is dropped; band 0 is unaffected",
                         "pfifo_fast", pf_fast(4), burst, rate_pps=1000, txqueuelen=4))
    spaced = [(i * 300000, frame(i, tos=[0, 0x10, 0x08][i % 3]), None) for i in range(20)]
    out.append(make_case("pfifo-fast-slow-device", "arrivals every 0.3 ms, device 1000 pps: the "
                         "queue builds and interactive TOS overtakes", "pfifo_fast", pf_fast(1000),
                         spaced, rate_pps=1000))
    pmap = [4, 3, 2, 1, 0, 4, 3, 2, 1, 0, 4, 3, 2, 1, 0, 4]
    out.append(make_case("prio-custom-priomap", "prio bands 5 with a custom priomap, priorities "
                         "0..15", "prio bands 5 priomap " + " ".join(map(str, pmap)),
                         prio_q(5, pmap, 1000, 0x80010000), [(0, frame(i), i) for i in range(16)],
                         rate_pps=1000))
    mm = [0x10001, 0x10002, 0x10003, 0x10009, 0x20001, 3, 6, 0x10000]
    out.append(make_case("prio-major-minor", "priority 1:N picks band N-1 of prio 1:, other "
                         "majors and minors past the bands use priomap[0]",
                         "tc qdisc add dev eth0 root handle 1: prio", prio_q(3, PRIO2BAND, 1000),
                         [(0, frame(i), p) for i, p in enumerate(mm)], rate_pps=1000))
    out.append(make_case("prio-band-overflow", "prio children are pfifo with limit txqueuelen",
                         "prio bands 2 priomap 1 1 1 1 1 1 0 0 1 1 1 1 1 1 1 1",
                         prio_q(2, [1, 1, 1, 1, 1, 1, 0, 0] + [1] * 8, 3, 0x80010000),
                         [(0, frame(i), 0 if i < 8 else 7) for i in range(12)], rate_pps=1000,
                         txqueuelen=3))
    out.append(make_case("pfifo-limit", "pfifo limit 5: a burst of 10, the rest dropped",
                         "pfifo limit 5", Fifo(5, False), [(0, frame(i), None) for i in range(10)],
                         rate_pps=1000))
    out.append(make_case("bfifo-limit", "bfifo limit 400 bytes: variable sizes",
                         "bfifo limit 400", Fifo(400, True),
                         [(0, frame(i, size=(i * 37) % 120), None) for i in range(10)],
                         rate_pps=1000))
    out.append(make_case("noqueue-busy-device", "noqueue: packets reaching a busy device are "
                         "dropped", "noqueue", NoQueue(),
                         [(i * 400000, frame(i), None) for i in range(10)], rate_pps=1000))
    # netem (device sends at once unless said otherwise)
    ev = [(i * 1000000, frame(i), None) for i in range(20)]
    out.append(make_case("netem-delay", "netem delay 10ms", "netem delay 10ms",
                         Netem(0, latency=10000000), ev))
    out.append(make_case("netem-jitter-uniform", "delay 10ms +- 4ms uniform, seed 11: packets "
                         "leave in time order, which reorders them", "netem delay 10ms 4ms seed 11",
                         Netem(11, latency=10000000, jitter=4000000), ev))
    out.append(make_case("netem-jitter-normal", "delay 20ms 5ms distribution normal, seed 5",
                         "netem delay 20ms 5ms distribution normal seed 5",
                         Netem(5, latency=20000000, jitter=5000000, dist="normal"), ev))
    out.append(make_case("netem-jitter-pareto", "delay 20ms 5ms distribution pareto, seed 6",
                         "netem delay 20ms 5ms distribution pareto seed 6",
                         Netem(6, latency=20000000, jitter=5000000, dist="pareto"), ev))
    many = [(i * 100000, frame(i), None) for i in range(60)]
    out.append(make_case("netem-loss-random", "loss 30%, seed 3", "netem loss 30% seed 3",
                         Netem(3, loss=pct(30)), many))
    out.append(make_case("netem-duplicate", "duplicate 25%, seed 4: the copy re-enters the "
                         "qdisc first", "netem duplicate 25% seed 4", Netem(4, duplicate=pct(25)),
                         many))
    out.append(make_case("netem-reorder-gap", "delay 10ms reorder 50% gap 3, seed 6: a chosen "
                         "packet goes to the head of the queue now", "netem delay 10ms reorder 50% "
                         "gap 3 seed 6", Netem(6, latency=10000000, reorder=pct(50), gap=3), ev))
    out.append(make_case("netem-rate", "rate 1mbit: back-to-back packet times from the last "
                         "queued packet", "netem rate 1mbit",
                         Netem(0, rate=125000), [(i * 200000, frame(i, size=i * 5), None)
                                                 for i in range(15)]))
    out.append(make_case("netem-gemodel", "Gilbert-Elliott p 10% r 30% 1-h 80% 1-k 1%, seed 8",
                         "netem loss gemodel 10% 30% 80% 1% seed 8",
                         Netem(8, ge=(pct(10), pct(30), U32 - pct(80), pct(1))), many))
    out.append(make_case("netem-4state", "4-state loss p13 5% p31 30% p32 10% p23 20% p14 1%, "
                         "seed 9", "netem loss state 5% 30% 10% 20% 1% seed 9",
                         Netem(9, gi=(pct(5), pct(30), pct(10), pct(20), pct(1))), many))
    out.append(make_case("netem-corrupt", "corrupt 20%, seed 12: one bit flipped in a chosen "
                         "packet", "netem corrupt 20% seed 12", Netem(12, corrupt=pct(20)), many))
    out.append(make_case("netem-limit", "delay 100ms limit 5: the sixth packet and later are "
                         "dropped", "netem delay 100ms limit 5", Netem(0, limit=5, latency=100000000),
                         [(i * 1000000, frame(i), None) for i in range(10)]))
    return out


CASES = cases()
