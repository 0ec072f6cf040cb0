# SPDX-License-Identifier: MIT
"""Golden cases for the TX ring driver (components/ring), for pcaps/gen/txpgen.py.

Scapy builds the input frames and, independently of txpath, the frames the wire must carry:
the same bytes in the same order, zero-padded to the 60-byte Ethernet minimum. The device
timestamps and the stop/wake trace come from the small e1000 model below (written from
linux-facts.md sections 7 and 8, not from txpath's C code).

case.json (the same text heads components/ring/conform/conform_ring.c):
  {"ring": {"size": N, "mtu": M, "link_bps": B},     power-of-two size, BQL off in goldens
   "mode": "qdisc" | "direct",
   "tick_ns": T,
   "frames": [{"ts_ns": t, "hex": "...", "split": [o1, o2, ...]}],
   "expect_events": [["stop" | "wake", ns, free_descriptors], ...]}

The driver runs ticks at t = 0, T, 2T, ... until every frame arrived and the ring is empty:
  1. device: frames whose last bit leaves by t go out, one after another at the link rate;
     an idle device starts on new work at the doorbell time; timestamp = end of the frame
     (the golden pcap holds microseconds: truncated, as the harness writer truncates);
  2. clean: completed frames are reclaimed; a stopped queue wakes at >= 32 free descriptors
     (the wake also schedules a qdisc run);
  3. qdisc mode: frames with ts_ns <= t join the qdisc FIFO; if any arrived the qdisc runs, and
     then it runs (again) if it is scheduled. A run sends up to 64 frames (1 descriptor each),
     stops while the queue is stopped, requeues on busy (fewer than need + 2 free) and
     reschedules; after each frame the queue stops when fewer than 24 descriptors are free.
     direct mode: frames with ts_ns <= t are transmitted directly, xmit_more set on all but
     the last of the tick (one doorbell); "split" cuts a frame into a linear part and
     fragments at those byte offsets; each piece takes ceil(len / 4096) descriptors.
"""

from txpgen import Case

COMPONENT = "ring"

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"
IP_A = "192.0.2.1"
IP_B = "198.51.100.7"

WAKE = 32
STOP = 24
QUOTA = 64
OVERHEAD = 24  # preamble 8 + FCS 4 + inter-frame gap 12
MAX_TXD = 4096
ZLEN = 60


def wire_ns(length, bps):
    if not bps:
        return 0
    return -(-(length + OVERHEAD) * 8 * 1000000000 // bps)


def ndesc(frame):
    data = frame["bytes"]
    cuts = [0] + list(frame.get("split", [])) + [len(data)]
    n = sum(-(-(cuts[i + 1] - cuts[i]) // MAX_TXD) for i in range(len(cuts) - 1))
    if len(data) < ZLEN and frame.get("split"):
        n += 1  # the zero block as its own descriptor
    return n


def simulate(ring, mode, tick, frames):
    """Return (list of (ts_ns, index)), events) for the e1000 model."""
    size, bps = ring["size"], ring.get("link_bps", 0)
    free = size - 1
    xoff = False
    sched = False
    dev_free = 0
    devq = []  # [index, ndesc, length] visible to the device, in order
    done = []  # completed, not yet cleaned: ndesc
    fifo = []  # qdisc queue: frame indices
    out, events = [], []
    nxt = 0
    t = 0

    def doorbell(now):
        nonlocal dev_free
        if not devq and dev_free < now:
            dev_free = now

    def xmit(i, now, visible):
        nonlocal free, xoff
        need = ndesc(frames[i])
        if free < need + 2:
            if not xoff:
                xoff = True
                events.append(["stop", now, free])
            return False
        free -= need
        visible.append([i, need, max(len(frames[i]["bytes"]), ZLEN)])
        if free < STOP and not xoff:
            xoff = True
            events.append(["stop", now, free])
        return True

    def qrun(now):
        nonlocal sched
        quota = QUOTA
        while quota > 0:
            if xoff or not fifo:
                break
            i = fifo.pop(0)
            pend = []
            ok = xmit(i, now, pend)
            if ok:
                doorbell(now)
                devq.extend(pend)
            else:
                fifo.insert(0, i)
                sched = True
                break
            quota -= 1
        if quota == 0:
            sched = True

    for _ in range(1000000):
        # 1. device
        while devq:
            fin = dev_free + wire_ns(devq[0][2], bps)
            if fin > t:
                break
            dev_free = fin
            i, need, _ = devq.pop(0)
            out.append((fin, i))
            done.append(need)
        # 2. clean
        if done:
            free += sum(done)
            done = []
            if xoff and free >= WAKE:
                xoff = False
                events.append(["wake", t, free])
                sched = True
        # 3. arrivals
        arrived = []
        while nxt < len(frames) and frames[nxt]["ts_ns"] <= t:
            arrived.append(nxt)
            nxt += 1
        if mode == "qdisc":
            fifo.extend(arrived)
            if arrived:
                qrun(t)
            if sched:
                sched = False
                qrun(t)
        else:
            pend = []
            for i in arrived:
                if not xmit(i, t, pend):
                    raise ValueError("direct case overflows the ring")
            if pend:
                doorbell(t)
                devq.extend(pend)
        if nxt == len(frames) and not fifo and not devq and not done and free == size - 1:
            return out, events
        t += tick
    raise ValueError("simulation did not finish")


def frames_case(name, description, ring, mode, tick, pkts, ts):
    """pkts: scapy packets (or (packet, split) pairs); ts: arrival time of each."""
    from scapy.packet import Padding

    frames = []
    scapy_in = []
    for p, t in zip(pkts, ts):
        split = []
        if isinstance(p, tuple):
            p, split = p
        b = bytes(p)
        f = {"ts_ns": t, "hex": b.hex(), "bytes": b}
        if split:
            f["split"] = split
        frames.append(f)
        scapy_in.append(p)
    out, events = simulate(ring, mode, tick, frames)
    payload = {
        "ring": ring,
        "mode": mode,
        "tick_ns": tick,
        "frames": [{k: v for k, v in f.items() if k != "bytes"} for f in frames],
        "expect_events": events,
    }

    def golden():
        res = []
        for _, i in out:
            p = scapy_in[i].copy()
            n = len(p)
            if n < ZLEN:
                p = p / Padding(load=b"\x00" * (ZLEN - n))
            res.append(p)
        return res

    return Case(name=name, description=description, link="ether", payload=payload,
                packets=golden, ts_ns=[o[0] // 1000 * 1000 for o in out])


def _l():
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw

    return Ether, ARP, IP, TCP, UDP, ICMP, Raw


def mixed():
    Ether, ARP, IP, TCP, UDP, ICMP, Raw = _l()
    pk = []
    for i in range(24):
        e = Ether(dst=MAC_B, src=MAC_A)
        k = i % 4
        if k == 0:
            p = e / IP(src=IP_A, dst=IP_B, id=i) / UDP(sport=5000 + i, dport=53) / Raw(b"q" * i)
        elif k == 1:
            p = e / IP(src=IP_A, dst=IP_B, id=i, flags="DF") / TCP(
                sport=40000, dport=80, seq=1000 + 100 * i, flags="PA") / Raw(bytes(range(100)))
        elif k == 2:
            p = Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(
                op=1, hwsrc=MAC_A, psrc=IP_A, pdst="192.0.2.%d" % (10 + i))
        else:
            p = e / IP(src=IP_A, dst=IP_B, id=i) / ICMP(id=7, seq=i) / Raw(b"\x5a" * (8 * i))
        pk.append(p)
    return pk


def udp_frames(n, size):
    Ether, ARP, IP, TCP, UDP, ICMP, Raw = _l()
    hdr = 14 + 20 + 8
    return [Ether(dst=MAC_B, src=MAC_A) / IP(src=IP_A, dst=IP_B, id=i) /
            UDP(sport=6000, dport=7000 + i % 7) / Raw(bytes([i & 255]) * (size - hdr))
            for i in range(n)]


def jumbo():
    Ether, ARP, IP, TCP, UDP, ICMP, Raw = _l()
    pk = []
    for i, n in enumerate((8000, 4096 - 42, 5000, 100, 8958)):
        p = Ether(dst=MAC_B, src=MAC_A) / IP(src=IP_A, dst=IP_B, id=i) / UDP(
            sport=9000, dport=9001) / Raw(bytes((j * 7 + i) & 255 for j in range(n)))
        pk.append((p, [42] if n < 1000 else [42, 42 + n // 2]))
    # a runt carried in two pieces: the pad is its own descriptor
    a = Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / _l()[1](op=1, hwsrc=MAC_A, psrc=IP_A,
                                                             pdst=IP_B)
    pk.append((a, [14]))
    return pk


CASES = [
    frames_case("order-mixed", "24 UDP/TCP/ARP/ICMP frames, runts padded to 60, order kept "
                "through qdisc and ring at 1 Gbit/s",
                {"size": 256, "mtu": 1500, "link_bps": 1000000000}, "qdisc", 10000,
                mixed(), [i * 7000 for i in range(24)]),
    frames_case("burst-quota", "200 small frames at once: qdisc runs of 64 then reschedule, "
                "order kept", {"size": 256, "mtu": 1500, "link_bps": 10000000000}, "qdisc",
                20000, udp_frames(200, 80), [0] * 200),
    frames_case("slow-device-stop-wake", "150 frames of 1000 bytes at once on a 64-descriptor "
                "ring at 10 Mbit/s: the queue stops below 24 free and wakes at 32",
                {"size": 64, "mtu": 1500, "link_bps": 10000000}, "qdisc", 100000,
                udp_frames(150, 1000), [i * 1000 for i in range(150)]),
    frames_case("jumbo-frags", "MTU 9000 frames split into header and fragments (several "
                "descriptors each), a runt in two pieces padded by a zero descriptor",
                {"size": 256, "mtu": 9000, "link_bps": 1000000000}, "direct", 50000,
                jumbo(), [0, 0, 0, 100000, 100000, 200000]),
]
