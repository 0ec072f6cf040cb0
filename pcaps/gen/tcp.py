# SPDX-License-Identifier: MIT
"""Golden cases for components/tcp: a connection's sending half driven by a timeline of socket
calls and peer segments, and the IPv4+TCP packets Linux would send, with their times.

The expected packets come from a send-path model written here from the kernel's definitions
(net/ipv4/tcp.c tcp_sendmsg_locked, tcp_push; tcp_output.c tcp_mtu_to_mss, tcp_xmit_size_goal,
tcp_write_xmit, tcp_nagle_test, tcp_mss_split_point, tso_fragment, tcp_send_fin,
tcp_send_probe0; tcp_input.c tcp_ack, tcp_rtt_estimator, tcp_rcv_synsent_state_process;
tcp_timer.c tcp_retransmit_timer; tcp_cong.c tcp_reno_cong_avoid; ../shared/linux-facts.md
section 1), independent of txpath; scapy builds every packet (the oracle for bytes and
checksums). components/tcp/conform/conform_tcp.c replays the same timeline on the component.

The peer is simulated here: it answers each data segment it receives (cumulative ACK) after a
fixed delay, may drop given transmissions, and advertises a given window; the segments it sends
are written into case.json, so the C driver only replays them.

case.json layout (component "tcp", link "raw-ipv4"):

  {"config": {"saddr", "daddr", "sport", "dport", "isn", "ts_offset", "ip_id", "mtu",
              "ts", "sack", "wscale", "rcv_wscale", "rcv_space", "gso_max_size", "nodelay",
              "user_mss", optional "gso_sw"},
   "gso_split": false,            split GSO super-segments (txp_tcp_gso_segment) before output
                                  ("gso_sw": true has the socket emit the same segments itself)
   "events": [{"t_ns": 0, "connect": true},
              {"t_ns": ..., "recv": "<TCP segment hex>"},
              {"t_ns": ..., "send": {"len": 3000, "more": false}},
              {"t_ns": ..., "nodelay": true}, {"t_ns": ..., "cork": false},
              {"t_ns": ..., "shutdown": true}, {"t_ns": ..., "abort": true}],
   "end_ns": ...}

Payload byte i of the stream is (i * 7 + 3) mod 256. Timers fire exactly on time; times are
whole microseconds. Not modelled, here as in the component: SACK recovery and fast retransmit,
F-RTO, TLP, pacing, TSO deferral (see components/tcp/README.md).
"""
from txpgen import Case

COMPONENT = "tcp"
MS = 1000000
S = 1000000000

ACK, PSH, SYN, FIN, RST, CWR = 0x10, 0x08, 0x02, 0x01, 0x04, 0x80
NAGLE_OFF, NAGLE_CORK, NAGLE_PUSH = 1, 2, 4
RTO_MIN = 200 * MS
RTO_MAX = 120 * S
M32 = 0xFFFFFFFF


def before(a, b):
    return ((a - b) & M32) >= 0x80000000


def after(a, b):
    return before(b, a)


def stream_bytes(start, n):
    return bytes(((i * 7 + 3) & 0xFF) for i in range(start, start + n))


def ip2s(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


DEFAULT_CFG = {"saddr": "10.0.0.1", "daddr": "10.0.0.2", "sport": 40000, "dport": 5001,
               "isn": 1000000, "ts_offset": 500, "ip_id": 4660, "mtu": 1500, "ts": True,
               "sack": True, "wscale": True, "rcv_wscale": 7, "rcv_space": 65536,
               "gso_max_size": 0, "nodelay": False, "user_mss": 0}


class Skb:
    def __init__(self, seq, flags):
        self.seq = seq
        self.end = seq
        self.flags = flags
        self.pcount = 1
        self.lost = False
        self.retrans = False
        self.ever_retrans = False
        self.tx = 0

    def length(self):
        return ((self.end - self.seq) & M32) - (1 if self.flags & SYN else 0) - \
            (1 if self.flags & FIN else 0)


class Sender:
    """The Linux send side (one connection)."""

    def __init__(self, cfg):
        self.c = cfg
        self.out = []  # (t_ns, bytes of IPv4 packet, gso_size)
        self.state = "CLOSED"
        self.rtx = []    # sent skbs
        self.wq = []     # unsent skbs
        self.cwnd, self.ssthresh, self.cnt = 10, 0x7FFFFFFF, 0
        self.rto = 1 * S
        self.srtt = self.mdev = self.mdev_max = self.rttvar = 0
        self.rtt_seq = 0
        self.backoff = 0
        self.timer = None  # ("rto"|"probe", at)
        self.packets_out = self.lost_out = self.retrans_out = 0
        self.max_packets_out = 0
        self.is_cwnd_limited = False
        self.cwnd_usage_seq = 0
        self.loss = False
        self.high_seq = 0
        self.total_retrans = 0
        self.nonagle = (NAGLE_OFF | NAGLE_PUSH) if cfg["nodelay"] else 0
        self.ip_id = cfg["ip_id"]
        self.mss_clamp = 536
        self.user_mss = cfg["user_mss"]
        self.hdr_len = 20
        self.max_window = 0
        self.snd_wnd = 0
        self.snd_wscale = self.rcv_wscale = 0
        self.ts_ok = False
        self.ts_recent = 0
        self.rcv_nxt = 0
        self.gso_segs = 1
        self.lsndtime = 0

    # --- MSS -------------------------------------------------------------------------------
    def mtu_to_mss(self):
        mss = self.c["mtu"] - 40
        mss = min(mss, self.mss_clamp)
        mss = max(mss, 48)
        return mss - (self.hdr_len - 20)

    def half_wnd(self, size):
        cutoff = self.max_window >> 1 if self.max_window > 536 else self.max_window
        if cutoff and size > cutoff:
            return max(cutoff, 68 - self.hdr_len)
        return size

    def sync_mss(self):
        self.mss = self.half_wnd(self.mtu_to_mss())

    def size_goal(self):
        gmax = self.c["gso_max_size"]
        if not gmax:
            return self.mss
        want = self.half_wnd(gmax)
        goal = self.gso_segs * self.mss
        if want < goal or want >= goal + self.mss:
            self.gso_segs = min(want // self.mss, 65535)
            goal = self.gso_segs * self.mss
        return max(goal, self.mss)

    def max_segs(self):
        gmax = self.c["gso_max_size"]
        return max(gmax // self.mss, 2) if gmax else 1

    # --- packets ---------------------------------------------------------------------------
    def window_field(self, syn):
        w = self.rcv_wnd
        if syn:
            return min(w, 65535)
        if self.rcv_wscale:
            unit = 1 << self.rcv_wscale
            w = -(-w // unit) * unit
            return min(w, 65535 << self.rcv_wscale) >> self.rcv_wscale
        return min(w, 65535)

    def emit(self, t, seq, flags, dlen, pcount):
        from scapy.all import IP, TCP, Raw
        tsval = (t // MS + self.c["ts_offset"]) & M32
        syn = bool(flags & SYN)
        if syn:
            opts = [("MSS", self.advmss)]
            if self.c["ts"]:
                if self.c["sack"]:
                    opts.append(("SAckOK", b""))
                else:
                    opts += [("NOP", None), ("NOP", None)]
                opts.append(("Timestamp", (tsval, 0)))
            elif self.c["sack"]:
                opts += [("NOP", None), ("NOP", None), ("SAckOK", b"")]
            if self.c["wscale"]:
                opts += [("NOP", None), ("WScale", self.c["rcv_wscale"])]
        else:
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, self.ts_recent))] \
                if self.ts_ok else []
        if pcount > 1:
            flags |= PSH
        data = stream_bytes((seq - self.c["isn"] - 1) & M32, dlen) if dlen else b""
        pkt = IP(src=self.c["saddr"], dst=self.c["daddr"], id=self.ip_id, flags="DF", ttl=64) / \
            TCP(sport=self.c["sport"], dport=self.c["dport"], seq=seq,
                ack=self.rcv_nxt if flags & ACK else 0, flags=flags,
                window=self.window_field(syn), options=opts)
        if data:
            pkt = pkt / Raw(data)
        self.ip_id = (self.ip_id + pcount) & 0xFFFF
        self.out.append((t, bytes(pkt), self.mss if pcount > 1 else 0))
        if dlen:
            self.lsndtime = t
        return pkt

    def emit_skb(self, t, s):
        self.emit(t, s.seq, s.flags, s.length(), s.pcount)
        s.tx = t

    # --- helpers ---------------------------------------------------------------------------
    def wnd_end(self):
        return (self.snd_una + self.snd_wnd) & M32

    def in_flight(self):
        return self.packets_out - self.lost_out + self.retrans_out

    def tso_segs(self, s):
        n = s.length()
        s.pcount = 1 if n <= self.mss else -(-n // self.mss)

    def split(self, lst, i, n):
        s = lst[i]
        b = Skb((s.seq + n) & M32, s.flags)
        b.end = s.end
        b.lost, b.retrans, b.ever_retrans, b.tx = s.lost, s.retrans, s.ever_retrans, s.tx
        s.end = (s.seq + n) & M32
        s.flags &= ~(FIN | PSH)
        self.tso_segs(s)
        self.tso_segs(b)
        lst.insert(i + 1, b)

    def minshall(self):
        return after(self.snd_sml, self.snd_una) and not after(self.snd_sml, self.snd_nxt)

    def nagle_check(self, partial, nonagle):
        return partial and ((nonagle & NAGLE_CORK) or
                            (not nonagle and self.packets_out and self.minshall()))

    def set_timer(self, kind, at):
        self.timer = (kind, at)

    def rearm_rto(self, t):
        self.timer = ("rto", t + self.rto) if self.packets_out else None

    def probe_when(self):
        base = max(self.rto, RTO_MIN)
        return min(base << self.backoff, RTO_MAX)

    # --- tcp_write_xmit --------------------------------------------------------------------
    def write_xmit(self, t, nonagle, push_one=False):
        sent = 0
        cwnd_limited = False
        max_segs = self.max_segs()
        while self.wq:
            s = self.wq[0]
            last = len(self.wq) == 1
            ng = nonagle if last else NAGLE_PUSH
            self.tso_segs(s)
            fl = self.in_flight()
            if fl >= self.cwnd:
                cwnd_limited = True
                break
            quota = min(max(self.cwnd >> 1, 1), self.cwnd - fl, max_segs)
            if after((s.seq + min(s.length(), self.mss)) & M32, self.wnd_end()):
                break
            if s.pcount == 1:
                if not (ng & NAGLE_PUSH or s.flags & FIN or
                        not self.nagle_check(s.length() < self.mss, ng)):
                    break
            limit = self.mss
            if s.pcount > 1:
                window = (self.wnd_end() - s.seq) & M32
                max_len = self.mss * quota
                if max_len <= window and not last:
                    limit = max_len
                else:
                    needed = min(s.length(), window)
                    if max_len <= needed:
                        limit = max_len
                    else:
                        partial = needed % self.mss
                        limit = needed - partial if self.nagle_check(partial != 0, ng) \
                            else needed
            if s.length() > limit:
                self.split(self.wq, 0, limit)
            self.emit_skb(t, s)
            self.new_data_sent(t, self.wq.pop(0))
            if s.length() < s.pcount * self.mss:
                self.snd_sml = s.end
            sent += s.pcount
            if push_one:
                break
        cwnd_limited = cwnd_limited or self.in_flight() >= self.cwnd
        if sent or cwnd_limited:  # tcp_cwnd_validate
            if (not before(self.snd_una, self.cwnd_usage_seq) or cwnd_limited or
                    (not self.is_cwnd_limited and self.packets_out > self.max_packets_out)):
                self.is_cwnd_limited = cwnd_limited
                self.max_packets_out = self.packets_out
                self.cwnd_usage_seq = self.snd_nxt
        if sent:
            return False
        return self.packets_out == 0 and bool(self.wq)

    def new_data_sent(self, t, s):
        prior = self.packets_out
        self.snd_nxt = s.end
        self.rtx.append(s)
        self.packets_out += s.pcount
        if prior == 0:
            self.rearm_rto(t)

    def push_pending(self, t, nonagle):
        if self.state not in ("ESTABLISHED", "FIN"):
            return
        if self.write_xmit(t, nonagle) and self.packets_out == 0 and self.timer is None:
            self.set_timer("probe", t + max(self.rto, RTO_MIN))

    def forced_push(self):
        return after(self.write_seq, (self.pushed_seq + (self.max_window >> 1)) & M32)

    def mark_push(self, s):
        s.flags |= PSH
        self.pushed_seq = self.write_seq

    def tcp_push(self, t, more, nonagle):
        if not self.wq:
            return
        if not more or self.forced_push():
            self.mark_push(self.wq[-1])
        if more:
            nonagle = NAGLE_CORK
        self.push_pending(t, nonagle)

    def entail(self, t, flags):
        s = Skb(self.write_seq, flags)
        self.wq.append(s)
        self.nonagle &= ~NAGLE_PUSH
        if not self.packets_out and self.lsndtime and t - self.lsndtime > self.rto:
            delta = t - self.lsndtime
            restart = min(10, self.cwnd)
            self.ssthresh = max(self.ssthresh, (self.cwnd >> 1) + (self.cwnd >> 2))
            while delta > self.rto and self.cwnd > restart:
                delta -= self.rto
                self.cwnd >>= 1
            self.cwnd = max(self.cwnd, restart)
        return s

    # --- socket calls ----------------------------------------------------------------------
    def connect(self, t):
        c = self.c
        self.mss_clamp = self.user_mss or 536
        adv = min(max(c["mtu"] - 40, 256), 65495)
        if self.user_mss and self.user_mss < adv:
            adv = self.user_mss
        self.advmss = adv
        self.hdr_len = 32 if c["ts"] else 20
        self.sync_mss()
        space = c["rcv_space"]
        self.rcv_wnd = space // adv * adv if space > adv else space
        self.rcv_wscale = c["rcv_wscale"] if c["wscale"] else 0
        isn = c["isn"]
        self.snd_una = self.snd_nxt = self.snd_sml = isn
        self.write_seq = isn
        s = self.entail(t, SYN)
        s.end = (isn + 1) & M32
        self.write_seq = s.end
        self.pushed_seq = self.write_seq
        self.emit_skb(t, s)
        self.state = "SYN_SENT"
        self.new_data_sent(t, self.wq.pop(0))
        self.rearm_rto(t)

    def sendmsg(self, t, n, more):
        assert self.state == "ESTABLISHED"
        goal = self.size_goal()
        copied = 0
        while copied < n:
            tail = self.wq[-1] if self.wq else None
            room = 0
            if tail is not None and not tail.flags & FIN and tail.length() < goal:
                room = goal - tail.length()
            if room == 0:
                tail = self.entail(t, ACK)
                room = goal
            k = min(room, n - copied)
            if copied == 0:
                tail.flags &= ~PSH
            self.write_seq = (self.write_seq + k) & M32
            tail.end = (tail.end + k) & M32
            copied += k
            if copied == n:
                break
            if tail.length() < goal:
                continue
            if self.forced_push():
                self.mark_push(tail)
                self.push_pending(t, NAGLE_PUSH)
            elif self.wq and tail is self.wq[0]:
                self.write_xmit(t, NAGLE_PUSH, push_one=True)
        self.tcp_push(t, more, self.nonagle)

    def set_nodelay(self, t, on):
        if on:
            self.nonagle |= NAGLE_OFF | NAGLE_PUSH
            self.push_pending(t, self.nonagle)
        else:
            self.nonagle &= ~NAGLE_OFF

    def set_cork(self, t, on):
        if on:
            self.nonagle |= NAGLE_CORK
            return
        self.nonagle &= ~NAGLE_CORK
        if self.nonagle & NAGLE_OFF:
            self.nonagle |= NAGLE_PUSH
        self.push_pending(t, self.nonagle)

    def shutdown(self, t):
        tail = self.wq[-1] if self.wq else self.entail(t, ACK)
        tail.flags |= FIN
        tail.end = (tail.end + 1) & M32
        self.write_seq = (self.write_seq + 1) & M32
        self.state = "FIN"
        self.push_pending(t, NAGLE_OFF)

    def abort(self, t):
        seq = self.snd_nxt if not before(self.wnd_end(), self.snd_nxt) else self.wnd_end()
        self.emit(t, seq, ACK | RST, 0, 1)
        self.wq, self.rtx = [], []
        self.packets_out = self.lost_out = self.retrans_out = 0
        self.timer = None
        self.state = "RESET"

    # --- timers ----------------------------------------------------------------------------
    def retransmit(self, t, i, segs):
        s = self.rtx[i]
        if not s.flags & SYN:
            if not before(s.seq, self.wnd_end()) and s.length():
                return False
            avail = (self.wnd_end() - s.seq) & M32
            n = self.mss * segs
            if s.length() and avail < n:
                n = max(avail, 1)
            old = s.pcount
            if s.length() > n:
                self.split(self.rtx, i, n)
                newp = s.pcount + self.rtx[i + 1].pcount
            else:
                self.tso_segs(s)
                newp = s.pcount
            self.packets_out += newp - old
            if s.lost:
                self.lost_out += newp - old
        self.emit_skb(t, s)
        s.retrans = s.ever_retrans = True
        self.retrans_out += s.pcount
        self.total_retrans += s.pcount
        return True

    def run_timers(self, until):
        while self.timer is not None and self.timer[1] <= until:
            kind, t = self.timer
            if kind == "rto":
                self.rto_fire(t)
            else:
                self.probe_fire(t)

    def rto_fire(self, t):
        if not self.packets_out or not self.rtx:
            self.timer = None
            return
        if self.state != "SYN_SENT":
            if not self.loss or not after(self.high_seq, self.snd_una):
                self.ssthresh = max(self.cwnd >> 1, 2)
            self.lost_out = self.retrans_out = 0
            for s in self.rtx:
                s.lost, s.retrans = True, False
                self.lost_out += s.pcount
            self.cwnd = self.in_flight() + 1
            self.cnt = 0
            self.high_seq = self.snd_nxt
            self.loss = True
        self.retransmit(t, 0, 1)
        self.backoff += 1
        self.rto = min(self.rto * 2, RTO_MAX)
        self.timer = ("rto", t + self.rto)

    def probe_fire(self, t):
        self.timer = None
        if self.packets_out or not self.wq:
            self.backoff = 0
            return
        s = self.wq[0]
        if before(s.seq, self.wnd_end()):
            seg = min((self.wnd_end() - s.seq) & M32, self.mss)
            if seg < s.length() or s.length() > self.mss:
                self.split(self.wq, 0, seg)
            s.flags |= PSH
            self.tso_segs(s)
            self.emit_skb(t, s)
            self.new_data_sent(t, self.wq.pop(0))
            if s.length() < s.pcount * self.mss:
                self.snd_sml = s.end
        else:
            self.emit(t, (self.snd_una - 1) & M32, ACK, 0, 1)
        if self.packets_out or not self.wq:
            self.backoff = 0
            return
        self.backoff += 1
        self.timer = ("probe", t + self.probe_when())

    # --- input -----------------------------------------------------------------------------
    def rtt_sample(self, m):
        rto_min = RTO_MIN // 1000
        if self.srtt:
            m -= self.srtt >> 3
            self.srtt += m
            if m < 0:
                m = -m - (self.mdev >> 2)
                if m > 0:
                    m >>= 3
            else:
                m -= self.mdev >> 2
            self.mdev += m
            if self.mdev > self.mdev_max:
                self.mdev_max = self.mdev
                self.rttvar = max(self.rttvar, self.mdev_max)
            if after(self.snd_una, self.rtt_seq):
                if self.mdev_max < self.rttvar:
                    self.rttvar -= (self.rttvar - self.mdev_max) >> 2
                self.rtt_seq = self.snd_nxt
                self.mdev_max = rto_min
            self.srtt = max(self.srtt, 1)
        else:
            self.srtt = max(m << 3, 1)
            self.mdev = m << 1
            self.rttvar = max(self.mdev, rto_min)
            self.mdev_max = self.rttvar
            self.rtt_seq = self.snd_nxt
        self.rto = min(((self.srtt >> 3) + self.rttvar) * 1000, RTO_MAX)
        self.backoff = 0

    def clean_rtx(self, t):
        acked = 0
        first = None
        retrans = False
        while self.rtx:
            s = self.rtx[0]
            if after(s.end, self.snd_una):
                if s.length() and after(self.snd_una, s.seq) and not s.flags & SYN:
                    old = s.pcount
                    s.seq = self.snd_una
                    self.tso_segs(s)
                    if s.pcount < old:
                        d = old - s.pcount
                        acked += d
                        self.packets_out -= d
                        if s.lost:
                            self.lost_out -= d
                        if s.retrans:
                            self.retrans_out -= d
                    else:
                        s.pcount = old
                break
            if s.ever_retrans:
                retrans = True
            elif first is None:
                first = s.tx
            acked += s.pcount
            self.packets_out -= s.pcount
            if s.lost:
                self.lost_out -= s.pcount
            if s.retrans:
                self.retrans_out -= s.pcount
            self.rtx.pop(0)
        rtt = (t - first) // 1000 if first is not None and not retrans else -1
        return acked, rtt

    def recv(self, t, seg):
        """seg: a scapy TCP layer from the peer."""
        flags = int(seg.flags)
        opts = dict((k, v) for k, v in seg.options)
        if self.state in ("CLOSED", "RESET"):
            return  # dropped (no socket to take it); the component counts SOCKET_CLOSED
        if flags & RST:
            ok = (flags & ACK and seg.ack == self.snd_nxt) if self.state == "SYN_SENT" \
                else seg.seq == self.rcv_nxt
            if ok:
                self.wq, self.rtx = [], []
                self.packets_out = self.lost_out = self.retrans_out = 0
                self.timer = None
                self.state = "RESET"
            return
        if self.state == "SYN_SENT":
            assert flags & (SYN | ACK) == SYN | ACK and seg.ack == self.snd_nxt
            if "MSS" in opts:
                m = opts["MSS"]
                if self.user_mss and self.user_mss < m:
                    m = self.user_mss
                if m:
                    self.mss_clamp = m
            if self.c["wscale"] and "WScale" in opts:
                self.snd_wscale = min(opts["WScale"], 14)
                self.rcv_wscale = self.c["rcv_wscale"]
            else:
                self.snd_wscale = self.rcv_wscale = 0
            self.ts_ok = self.c["ts"] and "Timestamp" in opts
            if self.ts_ok:
                self.hdr_len = 32
                self.advmss -= 12
                self.ts_recent = opts["Timestamp"][0]
            else:
                self.hdr_len = 20
            self.snd_una = seg.ack
            self.snd_wl1 = seg.seq
            self.snd_wnd = seg.window
            self.max_window = self.snd_wnd
            _, rtt = self.clean_rtx(t)
            if rtt >= 0:
                self.rtt_sample(rtt)
            self.rcv_nxt = (seg.seq + 1) & M32
            self.sync_mss()
            self.cwnd = 1 if self.total_retrans > 1 else 10
            if not self.srtt:
                self.rto = 3 * S
            self.snd_sml = self.snd_una
            self.pushed_seq = self.write_seq
            self.state = "ESTABLISHED"
            self.timer = None
            self.backoff = 0
            seq = self.snd_nxt if not before(self.wnd_end(), self.snd_nxt) else self.wnd_end()
            self.emit(t, seq, ACK, 0, 1)
            return
        ack = seg.ack
        assert flags & ACK and not after(ack, self.snd_nxt)
        ts = opts.get("Timestamp")
        if self.ts_ok and ts is not None and not before(ts[0], self.ts_recent):
            self.ts_recent = ts[0]
        if before(ack, self.snd_una):
            return
        nwin = seg.window << self.snd_wscale
        if (after(ack, self.snd_una) or after(seg.seq, self.snd_wl1) or
                (seg.seq == self.snd_wl1 and (nwin > self.snd_wnd or nwin == 0))):
            self.snd_wl1 = seg.seq
            self.snd_wnd = nwin
            if nwin > self.max_window:
                self.max_window = nwin
                self.sync_mss()
        prior = self.packets_out
        self.snd_una = ack
        acked, rtt = self.clean_rtx(t)
        if rtt < 0 and acked and self.ts_ok and ts is not None and ts[1]:
            rtt = (((t // MS + self.c["ts_offset"]) - ts[1]) & M32) * 1000
        if acked:
            if rtt >= 0:
                self.rtt_sample(rtt)
            self.rearm_rto(t)
        if prior == 0 and self.wq and self.timer is not None and self.timer[0] == "probe":
            h = self.wq[0]
            if not after((h.seq + min(h.length(), self.mss)) & M32, self.wnd_end()):
                self.backoff = 0
                self.timer = None
            else:
                self.timer = ("probe", t + self.probe_when())
        if acked:
            self.cong_avoid(acked)
        if self.loss and not before(self.snd_una, self.high_seq):
            self.loss = False
        if self.lost_out > self.retrans_out:
            i = 0
            while i < len(self.rtx):
                s = self.rtx[i]
                fl = self.in_flight()
                if fl >= self.cwnd:
                    break
                if s.lost and not s.retrans:
                    if not self.retransmit(t, i, self.cwnd - fl):
                        break
                i += 1
        self.push_pending(t, self.nonagle)

    def cong_avoid(self, acked):
        limited = self.is_cwnd_limited or (self.cwnd < self.ssthresh and
                                           self.cwnd < 2 * self.max_packets_out)
        if not limited:
            return
        if self.cwnd < self.ssthresh:
            c = min(self.cwnd + acked, self.ssthresh)
            acked -= c - self.cwnd
            self.cwnd = c
            if not acked:
                return
        if self.cnt >= self.cwnd:
            self.cnt = 0
            self.cwnd += 1
        self.cnt += acked
        if self.cnt >= self.cwnd:
            d = self.cnt // self.cwnd
            self.cnt -= d * self.cwnd
            self.cwnd += d


class Peer:
    """The simulated receiver: SYN-ACK, then a cumulative ACK per data segment it gets."""

    def __init__(self, cfg, synack_opts, window, rtt, drop=(), isn=7000000, windows=None,
                 every=1):
        self.c = cfg
        self.synack_opts = synack_opts
        self.window = window
        self.rtt = rtt
        self.drop = set(drop)   # indices of emitted data packets (by order) the network loses
        self.isn = isn
        self.windows = windows or {}  # t_ns -> window value for ACKs from then on
        self.every = every
        self.n_data = 0
        self.rcv_nxt = None
        self.unacked = 0
        self.last_tsval = 0
        self.ooo = {}  # out-of-order segments kept by the receiver: seq -> end

    def segment(self, t, flags, seq, ack, window, opts):
        from scapy.all import TCP
        return bytes(TCP(sport=self.c["dport"], dport=self.c["sport"], seq=seq, ack=ack,
                         flags=flags, window=window, options=opts))

    def ts_opts(self, t):
        if not any(k == "Timestamp" for k, _ in self.synack_opts):
            return []
        return [("NOP", None), ("NOP", None), ("Timestamp", (t // MS + 90000, self.last_tsval))]

    def win_at(self, t):
        w = self.window
        for k in sorted(self.windows):
            if k <= t:
                w = self.windows[k]
        return w

    def on_packet(self, t, raw):
        """Reactions (t_ns, segment bytes) to one packet we sent."""
        from scapy.all import IP, TCP
        ip = IP(raw)
        tcp = ip[TCP]
        flags = int(tcp.flags)
        for k, v in tcp.options:
            if k == "Timestamp":
                self.last_tsval = v[0]
        plen = len(bytes(tcp.payload))
        if flags & SYN:
            self.rcv_nxt = (tcp.seq + 1) & M32
            opts = [(k, (t // MS + 90000, self.last_tsval) if k == "Timestamp" else v)
                    for k, v in self.synack_opts]
            return [(t + self.rtt, self.segment(t, "SA", self.isn, self.rcv_nxt, self.window,
                                                opts))]
        if flags & RST:
            return []
        if plen == 0 and not flags & FIN:
            if self.rcv_nxt is None or tcp.seq != (self.rcv_nxt - 1) & M32:
                return []
            # A zero-window probe (seq rcv_nxt - 1) is answered with the current window.
            ta = t + self.rtt
            return [(ta, self.segment(ta, "A", (self.isn + 1) & M32, self.rcv_nxt,
                                      self.win_at(ta), self.ts_opts(ta)))]
        idx = self.n_data
        self.n_data += 1
        if idx in self.drop:
            return []
        end = (tcp.seq + plen + (1 if flags & FIN else 0)) & M32
        if not after(tcp.seq, self.rcv_nxt):
            if after(end, self.rcv_nxt):
                self.rcv_nxt = end
            # Out-of-order data kept earlier now joins the in-order stream.
            while True:
                nxt = [e for s0, e in self.ooo.items() if not after(s0, self.rcv_nxt)
                       and after(e, self.rcv_nxt)]
                if not nxt:
                    break
                self.rcv_nxt = max(nxt, key=lambda e: (e - self.rcv_nxt) & M32)
        else:
            self.ooo[tcp.seq] = end
        self.unacked += 1
        if self.unacked < self.every and not flags & (PSH | FIN):
            return []
        self.unacked = 0
        ta = t + self.rtt
        return [(ta, self.segment(ta, "A", (self.isn + 1) & M32, self.rcv_nxt, self.win_at(ta),
                                  self.ts_opts(ta)))]


LINUX_SYNACK = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (0, 0)), ("NOP", None),
                ("WScale", 7)]


def run(name, description, user, end, cfg=None, peer=None, gso_split=False):
    """user: [(t_ns, kind, arg)] with kind connect|send|more|nodelay|cork|shutdown|abort."""
    from scapy.all import TCP
    c = dict(DEFAULT_CFG)
    c.update(cfg or {})
    m = Sender(c)
    p = Peer(c, **(peer or {"synack_opts": LINUX_SYNACK, "window": 65160, "rtt": 10 * MS}))
    pending = [(t, i, kind, arg) for i, (t, kind, arg) in enumerate(user)]
    seq_no = len(pending)
    events = []
    seen = 0
    while True:
        pending.sort(key=lambda e: (e[0], e[1]))
        nt = pending[0][0] if pending else end
        tt = m.timer[1] if m.timer is not None else None
        if tt is not None and tt <= nt and tt <= end:
            m.run_timers(tt)
        elif pending and nt <= end:
            t, _, kind, arg = pending.pop(0)
            if kind == "connect":
                m.connect(t)
                events.append({"t_ns": t, "connect": True})
            elif kind == "send":
                m.sendmsg(t, arg, False)
                events.append({"t_ns": t, "send": {"len": arg, "more": False}})
            elif kind == "more":
                m.sendmsg(t, arg, True)
                events.append({"t_ns": t, "send": {"len": arg, "more": True}})
            elif kind == "nodelay":
                m.set_nodelay(t, arg)
                events.append({"t_ns": t, "nodelay": arg})
            elif kind == "cork":
                m.set_cork(t, arg)
                events.append({"t_ns": t, "cork": arg})
            elif kind == "shutdown":
                m.shutdown(t)
                events.append({"t_ns": t, "shutdown": True})
            elif kind == "abort":
                m.abort(t)
                events.append({"t_ns": t, "abort": True})
            elif kind == "recv":
                m.recv(t, TCP(arg))
                events.append({"t_ns": t, "recv": arg.hex()})
        else:
            break
        while seen < len(m.out):
            t, raw, _ = m.out[seen]
            seen += 1
            for ta, seg in p.on_packet(t, raw):
                pending.append((ta, seq_no, "recv", seg))
                seq_no += 1
    out = []
    for t, raw, gso in m.out:
        if (gso_split or c.get("gso_sw")) and gso:
            out.extend((t, b) for b in gso_split_packet(raw, gso))
        else:
            out.append((t, raw))
    jc = dict(c)

    def packets():
        from scapy.all import IP
        return [IP(b) for _, b in out]

    payload = {"config": jc, "gso_split": gso_split, "events": events, "end_ns": end}
    return Case(name=name, description=description, link="raw-ipv4", payload=payload,
                packets=packets, ts_ns=[t for t, _ in out])


def gso_split_packet(raw, mss):
    """tcp_gso_segment: seq advances, CWR first only, PSH/FIN last only, IP ID + i."""
    from scapy.all import IP, TCP, Raw
    ip = IP(raw)
    tcp = ip[TCP]
    data = bytes(tcp.payload)
    n = -(-len(data) // mss)
    res = []
    for i in range(n):
        fl = int(tcp.flags)
        if i > 0:
            fl &= ~CWR
        if i + 1 < n:
            fl &= ~(PSH | FIN)
        seg = IP(src=ip.src, dst=ip.dst, id=(ip.id + i) & 0xFFFF, flags="DF", ttl=ip.ttl) / \
            TCP(sport=tcp.sport, dport=tcp.dport, seq=(tcp.seq + i * mss) & M32, ack=tcp.ack,
                flags=fl, window=tcp.window, options=tcp.options) / \
            Raw(data[i * mss:(i + 1) * mss])
        res.append(bytes(seg))
    return res


def cases():
    c = []
    hs = [(0, "connect", None)]
    c.append(run("syn-default", "SYN with Linux's default options: MSS 1460, SACK_PERM+TS, "
                 "NOP+WS 7 (20 bytes), window 64240", hs, 500 * MS,
                 peer={"synack_opts": [], "window": 0, "rtt": 10 * S}))
    c.append(run("syn-no-timestamps", "tcp_timestamps=0: MSS, NOP NOP SACK_PERM, NOP WS "
                 "(12 bytes)", hs, 500 * MS, cfg={"ts": False},
                 peer={"synack_opts": [], "window": 0, "rtt": 10 * S}))
    c.append(run("syn-mss-only", "timestamps, SACK and window scaling off: MSS only",
                 hs, 500 * MS, cfg={"ts": False, "sack": False, "wscale": False},
                 peer={"synack_opts": [], "window": 0, "rtt": 10 * S}))
    c.append(run("syn-no-sack-mtu9000", "SACK off at MTU 9000: MSS 8960, NOP NOP TS, NOP WS; "
                 "window 62720 (7 x 8960)", hs, 500 * MS, cfg={"sack": False, "mtu": 9000},
                 peer={"synack_opts": [], "window": 0, "rtt": 10 * S}))
    c.append(run("syn-retransmit", "no SYN-ACK: the SYN again at 1 s and 3 s (RTO backoff)",
                 hs, 3500 * MS, peer={"synack_opts": [], "window": 0, "rtt": 10 * S}))
    for mss, cfg, syn in ((1448, {}, LINUX_SYNACK),
                          (1460, {}, [("MSS", 1460), ("SAckOK", b""), ("NOP", None),
                                      ("WScale", 7)]),
                          (536, {}, []),
                          (8948, {"mtu": 9000}, [("MSS", 8960), ("SAckOK", b""),
                                                 ("Timestamp", (0, 0)), ("NOP", None),
                                                 ("WScale", 7)])):
        for size in (5000, 40000):
            c.append(run("bulk-mss%d-%d" % (mss, size), "handshake, one write of %d bytes at "
                         "MSS %d, ACK per segment after 10 ms, FIN" % (size, mss),
                         hs + [(20 * MS, "send", size), (400 * MS, "shutdown", None)],
                         600 * MS, cfg=cfg,
                         peer={"synack_opts": syn, "window": 65535 if not syn else 65160,
                               "rtt": 10 * MS}))
    small = [(20 * MS + i * MS, "send", 100) for i in range(8)]
    c.append(run("nagle-small-writes", "eight 100-byte writes 1 ms apart under Nagle: the first "
                 "goes, the rest coalesce until the ACK (Minshall)", hs + small, 200 * MS))
    c.append(run("nodelay-small-writes", "the same writes with TCP_NODELAY: one segment each",
                 hs + [(15 * MS, "nodelay", True)] + small, 200 * MS))
    c.append(run("cork-then-uncork", "TCP_CORK: writes of 100, 100, 1400 give one full "
                 "segment; clearing the cork sends the rest", hs + [(15 * MS, "cork", True)] +
                 [(20 * MS, "send", 100), (21 * MS, "send", 100), (22 * MS, "send", 1400),
                  (30 * MS, "cork", False)], 200 * MS))
    c.append(run("cork-probe-timer", "TCP_CORK with nothing in flight: the partial segment "
                 "leaves when the probe timer fires (one RTO later)",
                 hs + [(15 * MS, "cork", True), (20 * MS, "send", 300)], 600 * MS))
    c.append(run("msg-more", "MSG_MORE holds a write; the next write without it sends both "
                 "as one segment with PSH", hs + [(20 * MS, "more", 200), (25 * MS, "more", 300),
                                                  (30 * MS, "send", 50)], 200 * MS))
    c.append(run("cwnd-limited", "100 kB: bursts limited by cwnd, slow start on the ACKs",
                 hs + [(20 * MS, "send", 100000)], 400 * MS))
    c.append(run("rwnd-limited", "the peer advertises 4000 bytes (no window scaling): two "
                 "segments per round trip", hs + [(20 * MS, "send", 12000)], 400 * MS,
                 peer={"synack_opts": [("MSS", 1460), ("Timestamp", (0, 0))], "window": 4000,
                       "rtt": 10 * MS}))
    c.append(run("zero-window", "the peer's window is 0: zero-window probes with backoff, "
                 "then a window update lets the data go",
                 hs + [(20 * MS, "send", 3000)], 2000 * MS,
                 peer={"synack_opts": LINUX_SYNACK, "window": 0, "rtt": 10 * MS,
                       "windows": {900 * MS: 509}}))
    c.append(run("fin-after-data", "data then shutdown: the FIN rides on the held tail segment "
                 "(Nagle)", hs + [(20 * MS, "send", 100), (21 * MS, "send", 300),
                                  (22 * MS, "shutdown", None)], 200 * MS))
    c.append(run("rst-abort", "abort after data in flight: RST|ACK at snd_nxt",
                 hs + [(20 * MS, "send", 3000), (25 * MS, "abort", None)], 200 * MS))
    c.append(run("rto-retransmit", "the first data segment is lost: RTO retransmits it "
                 "(cwnd 1), then backoff doubles the RTO for the next loss",
                 hs + [(20 * MS, "send", 4000)], 2000 * MS,
                 peer={"synack_opts": LINUX_SYNACK, "window": 65160, "rtt": 10 * MS,
                       "drop": (0, 3)}))
    c.append(run("user-mss-1000", "TCP_MAXSEG 1000 before connect: the SYN offers 1000 and "
                 "segments carry 988 (timestamps) though the peer offers 1460",
                 hs + [(20 * MS, "send", 6000)], 200 * MS, cfg={"user_mss": 1000}))
    c.append(run("mss-half-window", "the peer's window is 1000 bytes: tcp_bound_to_half_wnd "
                 "clamps the MSS to 500", hs + [(20 * MS, "send", 3000)], 300 * MS,
                 peer={"synack_opts": [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (0, 0))],
                       "window": 1000, "rtt": 10 * MS}))
    gso = {"gso_max_size": 65536}
    c.append(run("gso-super-segments", "GSO on: 60 kB leave as super-segments (PSH forced, "
                 "gso_size 1448), quota half the cwnd", hs + [(20 * MS, "send", 60000)],
                 300 * MS, cfg=gso))
    c.append(run("gso-split", "GSO on and split like tcp_gso_segment: MSS-sized segments, "
                 "PSH on the last of each super-segment, IP ID + i",
                 hs + [(20 * MS, "send", 30000)], 300 * MS, cfg=gso, gso_split=True))
    sw = {"gso_max_size": 65536, "gso_sw": True}
    c.append(run("gso-sw-split", "gso_sw: the socket segments its GSO skbs itself (software "
                 "GSO at transmit); the same packets as gso-split",
                 hs + [(20 * MS, "send", 30000)], 300 * MS, cfg=sw))
    c.append(run("gso-sw-bulk-fin", "gso_sw: 200 kB then FIN at MSS 1448, ACK per super-segment; "
                 "the FIN rides on the last segment", hs + [(20 * MS, "send", 200000),
                                                            (400 * MS, "shutdown", None)],
                 700 * MS, cfg=sw))
    c.append(run("gso-sw-rto", "gso_sw: the first two super-segments are lost; the RTO "
                 "retransmits from snd_una one MSS at a time (a split skb, sent by copy)",
                 hs + [(20 * MS, "send", 40000)], 3000 * MS, cfg=sw,
                 peer={"synack_opts": LINUX_SYNACK, "window": 65160, "rtt": 10 * MS,
                       "drop": (0, 1)}))
    c.append(run("gso-sw-mss536", "gso_sw at MSS 524 (the peer offers 536): below the piece "
                 "layout's 1024, the segments are copied", hs + [(20 * MS, "send", 20000)],
                 300 * MS, cfg=sw,
                 peer={"synack_opts": [("MSS", 536), ("SAckOK", b""), ("Timestamp", (0, 0)),
                                       ("NOP", None), ("WScale", 7)],
                       "window": 65160, "rtt": 10 * MS}))
    c.append(run("gso-sw-mtu9000", "gso_sw at MTU 9000 (MSS 8936 with timestamps): pieces of "
                 "8936 bytes", hs + [(20 * MS, "send", 100000)], 400 * MS,
                 cfg={"gso_max_size": 65536, "gso_sw": True, "mtu": 9000},
                 peer={"synack_opts": [("MSS", 8960), ("SAckOK", b""), ("Timestamp", (0, 0)),
                                       ("NOP", None), ("WScale", 7)],
                       "window": 65160, "rtt": 10 * MS}))
    return c


CASES = cases()
