# SPDX-License-Identifier: MIT
"""Golden cases for components/stack: whole transfers through the transmit pipeline, as the
frames a Linux host would put on its Ethernet link, with their times.

The expected frames come from rules written here from the kernel's definitions, independent of
txpath; scapy builds every frame (the oracle for bytes and checksums):
  - neighbour resolution (net/core/neighbour.c, net/ipv4/arp.c): the first packet to an
    unresolved next hop sends a broadcast ARP request at once and is queued; with no answer,
    mcast_solicit (3) requests retrans_time (1 s) apart, then the queue is dropped; a request is
    42 bytes padded to 60 on the wire;
  - TCP connect (tcp_connect_init, tcp_select_initial_window, tcp_syn_options): advmss = route
    MTU - 40, SYN window = rounddown(65536, advmss) (rcv_space 65536), options MSS,
    SACK_PERM + TS fused, NOP, WS 7; after the SYN-ACK an immediate ACK, and the window is
    ALIGN(rcv_wnd, 128) >> 7 (__tcp_select_window); TSval = ts_offset + ms clock;
    mss_cache = min(peer MSS, advmss) - 12 with timestamps; one write goes out as full
    segments, PSH on the last (tcp_push), all at once within the initial window of 10;
  - IPv4 IDs (ip_select_ident_segs): a connected TCP socket uses inet_id and then adds the
    segment count (read then set), a connected UDP socket adds first (atomic_add_return);
    DF on TCP always, on UDP (IP_PMTUDISC_WANT) when the datagram fits the route MTU;
  - UDP fragmentation (ip_do_fragment): (MTU - 20) rounded down to 8 per fragment, MF on all
    but the last;
  - pfifo_fast (sch_generic.c): ip_tos2prio: TOS 0x10 -> priority 6 -> band 0, TOS 0x08 ->
    priority 2 -> band 2; lower bands first; txqueuelen packets at most, tail drop;
  - the device (e1000-style ring with byte queue limits, dql.c): BQL starts with limit 0, so at
    time 0 one frame enters the ring and the rest wait in the qdisc; frames leave back to back,
    each taking (max(len, 60) + 24) * 8 / rate seconds (preamble, FCS, gap); a frame's time is
    when its last bit leaves.
The peer (txp_stack_peer) answers ARP for its addresses and TCP after delay_us, with MSS 1460,
its ISN 0x10000000, TSval 4096 + ms clock, window 262144 and scale 7.

With iptables (the cases named ipt-*, which need components/ipt in the build):
  - the hooks of a locally generated packet (ip_local_out, ip_output): OUTPUT (raw, mangle,
    nat, filter), a reroute (ip_route_me_harder) when mangle changed the mark or nat OUTPUT the
    destination, then POSTROUTING (mangle, nat); only then fragmentation, so NAT rewrites a
    UDP datagram whole and every fragment carries the new address;
  - the nat table sees the first packet of a flow only (its binding is kept in the conntrack
    and applied to the later packets without running the chains);
  - MASQUERADE takes inet_select_addr(out device, next hop): the device's primary address of
    the next hop's subnet; an ARP request's sender address is the packet's source when that is
    local, else the device's address (arp_solicit, arp_announce 0);
  - replies of a NATed TCP connection are mapped back by the conntrack (the peer answers the
    translated addresses), so the handshake completes and the data flows as without NAT;
  - the counters (ipt_do_table: a rule counts the packets it matched, a built-in chain's policy
    those that reached it, bytes being the IP total length) are compared as a final record:
    IPv4 127.0.0.1 -> 127.0.0.1, id = frames before it, UDP 7 -> 7, payload the ruleset as
    `iptables-save -c` (1.8.9, nf_tables build) prints it, in an Ethernet frame with zero MACs
    at the time of the last frame.

case.json layout: see components/stack/conform/conform_stack.c. Payload byte at stream offset x
is y ^ (y >> 8) with y = x mod 65521.
"""
from txpgen import Case

COMPONENT = "stack"
HMAC = "02:00:00:00:00:01"
PMAC = "02:00:00:00:00:fe"
BCAST = "ff:ff:ff:ff:ff:ff"
HOST = "10.0.0.1"
PEER_ISN = 0x10000000
US = 1000
S = 1000000000


def payload(n, start=0):
    return bytes((((x % 65521) ^ ((x % 65521) >> 8)) & 0xFF) for x in range(start, start + n))


def wire_ns(length, rate):
    bits = (max(length, 60) + 24) * 8
    return (bits * S + rate - 1) // rate


def arp_request(target, psrc=HOST):
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Padding
    return (Ether(dst=BCAST, src=HMAC) /
            ARP(op=1, hwsrc=HMAC, psrc=psrc, hwdst="00:00:00:00:00:00", pdst=target) /
            Padding(load=b"\0" * 18))


def tcp_frame(dst, ident, sport, dport, seq, ack, flags, window, options, data=b"", tos=0,
              src=HOST):
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    p = (Ether(dst=PMAC, src=HMAC) /
         IP(src=src, dst=dst, id=ident, flags="DF", ttl=64, tos=tos) /
         TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, window=window,
             options=options))
    if data:
        p = p / Raw(load=data)
    return p


def udp_frames(dst, ident, sport, dport, data, mtu, tos=0, src=HOST):
    """One datagram, cut like ip_do_fragment; DF when it fits (IP_PMTUDISC_WANT)."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    whole = bytes(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(load=data))[20:]
    if 20 + len(whole) <= mtu:
        return [Ether(dst=PMAC, src=HMAC) /
                IP(src=src, dst=dst, id=ident, flags="DF", ttl=64, tos=tos, proto=17) /
                Raw(load=whole)]
    step = (mtu - 20) // 8 * 8
    out = []
    for off in range(0, len(whole), step):
        chunk = whole[off:off + step]
        last = off + step >= len(whole)
        out.append(Ether(dst=PMAC, src=HMAC) /
                   IP(src=src, dst=dst, id=ident, flags=0 if last else "MF", frag=off // 8,
                      ttl=64, tos=tos, proto=17) / Raw(load=chunk))
    return out


def syn_window(advmss):
    return 65536 // advmss * advmss


def tcp_transfer(dst, nbytes, isn, ts_offset, inet_id, delay, advmss=1460, sport=40000,
                 dport=5001, nexthop=None, src=HOST):
    """ARP, SYN, ACK, then one write of nbytes as segments, with their times (link instant)."""
    frames = [(0, lambda: arp_request(nexthop or dst))]

    def frame(*a, **k):  # the frames of this transfer leave from src
        return tcp_frame(*a, src=src, **k)

    t_syn, t_ack = delay, 2 * delay
    tsval = ts_offset  # the transfer ends within the first millisecond
    peer_ts = 4096
    win0 = syn_window(advmss)
    win = (win0 + 127) // 128
    mss = min(1460, advmss) - 12
    frames.append((t_syn, lambda: frame(
        dst, inet_id, sport, dport, isn, 0, "S", win0,
        [("MSS", advmss), ("SAckOK", b""), ("Timestamp", (tsval, 0)), ("NOP", None),
         ("WScale", 7)])))
    ts_opt = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, peer_ts))]
    frames.append((t_ack, lambda: frame(dst, inet_id + 1, sport, dport, isn + 1,
                                            PEER_ISN + 1, "A", win, ts_opt)))
    off, k = 0, 2
    while off < nbytes:
        n = min(mss, nbytes - off)
        flags = "PA" if off + n == nbytes else "A"
        frames.append((t_ack, (lambda o=off, n=n, f=flags, i=inet_id + k: frame(
            dst, i, sport, dport, isn + 1 + o, PEER_ISN + 1, f, win, ts_opt, payload(n, o)))))
        off += n
        k += 1
    return frames


BUILTIN = {"mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
           "filter": ["INPUT", "FORWARD", "OUTPUT"],
           "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]}
SAVE_ORDER = ["mangle", "security", "raw", "filter", "nat"]


def ipt_text(tables, counters=None):
    """iptables-save text of {table: [(chain, rule text)]}; with counters
    ({(table, chain): (pkts, bytes)} for policies, {(table, chain, k): ...} for the k-th rule of
    a chain), as `iptables-save -c` prints it."""
    counters = counters or {}
    out = []
    for t in [x for x in SAVE_ORDER if x in tables]:
        out.append("*" + t)
        for c in BUILTIN[t]:
            out.append(":%s ACCEPT [%d:%d]" % ((c,) + counters.get((t, c), (0, 0))))
        k = {}
        for c, rule in tables[t]:
            i = k.get(c, 0)
            k[c] = i + 1
            pre = "[%d:%d] " % counters.get((t, c, i), (0, 0)) if counters else ""
            out.append("%s-A %s %s" % (pre, c, rule))
        out.append("COMMIT")
    return "\n".join(out) + "\n"


def counters_record(tables, counters, ident):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    return (Ether(dst="00:00:00:00:00:00", src="00:00:00:00:00:00") /
            IP(src="127.0.0.1", dst="127.0.0.1", id=ident, ttl=64) / UDP(sport=7, dport=7) /
            Raw(load=ipt_text(tables, counters).encode()))


def with_counters(frames, tables, counters):
    t = frames[-1][0] if frames else 0
    n = len(frames)
    return frames + [(t, lambda: counters_record(tables, counters, n))]


def make(name, description, payload_json, frames):
    times = [t for t, _ in frames]
    return Case(name=name, description=description, link="ether", payload=payload_json,
                packets=lambda: [b() for _, b in frames], ts_ns=times)


ROUTE_MTU = ("default via 10.0.0.254 dev eth0\n"
             "10.9.0.0/16 via 10.0.0.254 dev eth0 mtu 1000\n"
             "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
             "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n")
LINK_QLEN5 = ("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT "
              "group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd "
              "00:00:00:00:00:00\n"
              "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP "
              "mode DEFAULT group default qlen 5\\    link/ether 02:00:00:00:00:01 brd "
              "ff:ff:ff:ff:ff:ff\n")
NEIGH_PEER = "10.0.0.2 dev eth0 lladdr 02:00:00:00:00:fe PERMANENT\n"


def case_arp_syn_data():
    job = {"proto": "tcp", "to": "10.0.0.2", "port": 5001, "bytes": 100, "no_close": 1,
           "isn": 1000, "ts_offset": 5000, "inet_id": 100}
    return make("arp-syn-data",
                "ARP resolution holds the SYN, then handshake, ACK and one data segment",
                {"mode": "job", "job": job, "peer": {"addrs": ["10.0.0.2"], "delay_us": 50}},
                tcp_transfer("10.0.0.2", 100, 1000, 5000, 100, 50 * US))


def case_tcp_bulk_segments():
    job = {"proto": "tcp", "to": "10.0.0.2", "port": 5001, "bytes": 10000, "no_close": 1,
           "isn": 77777, "ts_offset": 1, "inet_id": 4000}
    return make("tcp-segments",
                "one 10000-byte write: 6 full segments of 1448 and a PSH tail, in one burst",
                {"mode": "job", "job": job, "peer": {"addrs": ["10.0.0.2"], "delay_us": 30}},
                tcp_transfer("10.0.0.2", 10000, 77777, 1, 4000, 30 * US))


def case_route_mtu():
    job = {"proto": "tcp", "to": "10.9.0.1", "port": 80, "bytes": 2000, "no_close": 1,
           "isn": 5, "ts_offset": 9, "inet_id": 300}
    return make("path-mtu-route",
                "route with mtu 1000 via the gateway: MSS 960, segments of 948 with DF",
                {"mode": "job", "job": job, "host": {"ip-route": ROUTE_MTU},
                 "peer": {"addrs": ["10.0.0.254"], "delay_us": 40}},
                tcp_transfer("10.9.0.1", 2000, 5, 9, 300, 40 * US, advmss=960, dport=80,
                             nexthop="10.0.0.254"))


def case_udp_fragments():
    job = {"proto": "udp", "to": "10.0.0.2", "port": 9, "bytes": 4000, "write_size": 4000,
           "inet_id": 500}
    frames = [(0, lambda: arp_request("10.0.0.2"))]
    n = 3  # 4008 bytes at MTU 1500: 1480 + 1480 + 1048
    for k in range(n):
        frames.append((50 * US, lambda k=k: udp_frames("10.0.0.2", 501, 40000, 9,
                                                       payload(4000), 1500)[k]))
    return make("udp-fragments", "a 4000-byte UDP datagram at MTU 1500 after ARP: 3 fragments",
                {"mode": "job", "job": job, "peer": {"addrs": ["10.0.0.2"], "delay_us": 50}},
                frames)


def case_udp_route_mtu():
    job = {"proto": "udp", "to": "10.9.0.1", "port": 9, "bytes": 1200, "write_size": 1200,
           "inet_id": 7}
    frames = [(0, lambda: arp_request("10.0.0.254"))]
    for k in range(2):
        frames.append((20 * US, lambda k=k: udp_frames("10.9.0.1", 8, 40000, 9,
                                                       payload(1200), 1000)[k]))
    return make("udp-route-mtu",
                "UDP 1200 bytes over a route with mtu 1000 (WANT): no DF, 2 fragments",
                {"mode": "job", "job": job, "host": {"ip-route": ROUTE_MTU},
                 "peer": {"addrs": ["10.0.0.254"], "delay_us": 20}}, frames)


def case_neigh_failure():
    job = {"proto": "udp", "to": "10.0.0.7", "port": 9, "bytes": 300, "write_size": 100,
           "inet_id": 1, "deadline_ms": 10000}
    frames = [(k * S, lambda: arp_request("10.0.0.7")) for k in range(3)]
    return make("neigh-failure",
                "nobody answers: 3 ARP requests 1 s apart, the queued datagrams are dropped",
                {"mode": "job", "job": job, "peer": {"addrs": ["10.0.0.254"]}}, frames)


def case_tos_bands():
    rate = 8528000  # a 1042-byte frame (1066 on the wire) takes exactly 1 ms
    socks = [{"proto": "udp", "to": "10.0.0.2", "port": 9, "tos": 0x08, "inet_id": 1000},
             {"proto": "udp", "to": "10.0.0.2", "port": 9, "tos": 0x10, "inet_id": 2000}]
    writes = [{"socket": 0, "len": 1000, "count": 20}, {"socket": 1, "len": 1000, "count": 5}]
    order = [(0, 1)] + [(1, i) for i in range(1, 6)] + [(0, i) for i in range(2, 21)]
    frames, t = [], 0
    for s, i in order:
        t += wire_ns(14 + 20 + 8 + 1000, rate)
        tos = socks[s]["tos"]
        ident = socks[s]["inet_id"] + i
        frames.append((t, lambda tos=tos, ident=ident, s=s: udp_frames(
            "10.0.0.2", ident, 40000 + s, 9, payload(1000), 1500, tos=tos)[0]))
    return make("tos-band-order",
                "pfifo_fast under load at 8.5 Mbit/s: 5 low-delay datagrams overtake 19 bulk ones",
                {"mode": "burst", "sockets": socks, "writes": writes, "link_bps": rate,
                 "host": {"ip-neigh": NEIGH_PEER}, "end_ms": 1000}, frames)


def case_qdisc_backpressure():
    rate = 85280000  # 100 us per 1042-byte frame (times stay whole microseconds)
    socks = [{"proto": "udp", "to": "10.0.0.2", "port": 9, "inet_id": 0}]
    writes = [{"socket": 0, "len": 1000, "count": 12}]
    frames, t = [], 0
    for i in range(1, 7):  # one in the ring, txqueuelen 5 in the qdisc, 6 tail-dropped
        t += wire_ns(14 + 20 + 8 + 1000, rate)
        frames.append((t, lambda i=i: udp_frames("10.0.0.2", i, 40000, 9, payload(1000),
                                                 1500)[0]))
    return make("qdisc-backpressure",
                "12 datagrams at once into a device with qlen 5: BQL admits one, 5 wait, 6 drop",
                {"mode": "burst", "sockets": socks, "writes": writes, "link_bps": rate,
                 "host": {"ip-neigh": NEIGH_PEER, "ip-link": LINK_QLEN5}, "end_ms": 1000},
                frames)


PEERS3 = ["10.0.0.2", "10.0.0.253", "10.0.0.254"]


def case_ipt_mark_table():
    tables = {"mangle": [("OUTPUT", "-p udp -m udp --dport 80 -j MARK --set-xmark "
                                    "0x1/0xffffffff")]}
    rules = ("0:\tfrom all lookup local\n100:\tfrom all fwmark 0x1 lookup 100\n"
             "32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n")
    routes = ("default via 10.0.0.254 dev eth0\n"
              "default via 10.0.0.253 dev eth0 table 100\n"
              "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n"
              "local 10.0.0.1 dev eth0 table local proto kernel scope host src 10.0.0.1\n")
    job = {"proto": "udp", "to": "10.50.0.1", "port": 80, "bytes": 100, "write_size": 100,
           "inet_id": 20}
    frames = [(0, lambda: arp_request("10.0.0.253")),
              (40 * US, lambda: udp_frames("10.50.0.1", 21, 40000, 80, payload(100), 1500)[0])]
    c = {("mangle", "OUTPUT", 0): (1, 128), ("mangle", "OUTPUT"): (1, 128),
         ("mangle", "POSTROUTING"): (1, 128)}
    return make("ipt-mark-table",
                "MARK 0x1 in mangle OUTPUT; ip rule fwmark 0x1 lookup 100 reroutes to table 100's "
                "gateway .253 (ARP for it, not for .254); counters",
                {"mode": "job", "job": job, "counters": 1,
                 "host": {"iptables": ipt_text(tables), "ip-rule": rules, "ip-route": routes},
                 "peer": {"addrs": PEERS3, "delay_us": 40}},
                with_counters(frames, tables, c))


def case_ipt_snat():
    tables = {"nat": [("POSTROUTING", "-o eth0 -p udp -j SNAT --to-source 10.0.0.9")]}
    job = {"proto": "udp", "to": "10.0.0.2", "port": 9, "bytes": 3000, "write_size": 3000,
           "inet_id": 60}
    frames = [(0, lambda: arp_request("10.0.0.2"))]
    for k in range(3):  # SNAT rewrote the whole datagram, then ip_do_fragment cut it
        frames.append((50 * US, lambda k=k: udp_frames("10.0.0.2", 61, 40000, 9, payload(3000),
                                                       1500, src="10.0.0.9")[k]))
    c = {("nat", "OUTPUT"): (1, 3028), ("nat", "POSTROUTING", 0): (1, 3028)}
    return make("ipt-snat",
                "SNAT --to-source 10.0.0.9 in nat POSTROUTING on a 3000-byte UDP datagram: "
                "3 fragments from the new source, UDP checksum over it; counters",
                {"mode": "job", "job": job, "counters": 1, "host": {"iptables": ipt_text(tables)},
                 "peer": {"addrs": PEERS3, "delay_us": 50}},
                with_counters(frames, tables, c))


def case_ipt_masquerade():
    tables = {"nat": [("POSTROUTING", "-o eth0 -j MASQUERADE")]}
    addrs = ("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever "
             "preferred_lft forever\n"
             "2: eth0    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0\\       valid_lft "
             "forever preferred_lft forever\n"
             "2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global secondary eth0\\       "
             "valid_lft forever preferred_lft forever\n")
    job = {"proto": "udp", "to": "10.9.0.1", "port": 53, "bytes": 200, "write_size": 100,
           "inet_id": 3, "saddr": "10.0.0.5"}
    frames = [(0, lambda: arp_request("10.0.0.254"))]
    for k in range(2):
        frames.append((30 * US, lambda k=k: udp_frames("10.9.0.1", 4 + k, 40000, 53,
                                                       payload(100, 100 * k), 1500,
                                                       src="10.0.0.1")[0]))
    c = {("nat", "OUTPUT"): (1, 128), ("nat", "POSTROUTING", 0): (1, 128)}
    return make("ipt-masquerade",
                "a socket bound to the secondary 10.0.0.5; MASQUERADE rewrites to eth0's primary "
                "address for the gateway's subnet (10.0.0.1); 2 datagrams, one nat traversal",
                {"mode": "job", "job": job, "counters": 1,
                 "host": {"iptables": ipt_text(tables), "ip-addr": addrs},
                 "peer": {"addrs": PEERS3, "delay_us": 30}},
                with_counters(frames, tables, c))


def case_ipt_dnat_reroute():
    tables = {"nat": [("OUTPUT", "-d 10.99.0.1/32 -p udp -j DNAT --to-destination 10.0.0.2")]}
    job = {"proto": "udp", "to": "10.99.0.1", "port": 9, "bytes": 200, "write_size": 100,
           "inet_id": 70}
    frames = [(0, lambda: arp_request("10.0.0.2"))]
    for k in range(2):
        frames.append((50 * US, lambda k=k: udp_frames("10.0.0.2", 71 + k, 40000, 9,
                                                       payload(100, 100 * k), 1500)[0]))
    c = {("nat", "OUTPUT", 0): (1, 128), ("nat", "POSTROUTING"): (1, 128)}
    return make("ipt-dnat-reroute",
                "DNAT 10.99.0.1 -> 10.0.0.2 in nat OUTPUT: the socket routed via the gateway, "
                "the reroute puts the datagrams on link (ARP for 10.0.0.2); counters",
                {"mode": "job", "job": job, "counters": 1, "host": {"iptables": ipt_text(tables)},
                 "peer": {"addrs": PEERS3, "delay_us": 50}},
                with_counters(frames, tables, c))


def case_ipt_drop_counters():
    tables = {"filter": [("OUTPUT", "-p udp -m udp --dport 9 -j DROP")]}
    socks = [{"proto": "udp", "to": "10.0.0.2", "port": 9, "inet_id": 100},
             {"proto": "udp", "to": "10.0.0.2", "port": 10, "inet_id": 200}]
    writes = [{"socket": 0, "len": 100, "count": 3}, {"socket": 1, "len": 100, "count": 2}]
    frames = [(0, lambda i=i: udp_frames("10.0.0.2", 201 + i, 40001, 10, payload(100),
                                         1500)[0]) for i in range(2)]
    c = {("filter", "OUTPUT", 0): (3, 384), ("filter", "OUTPUT"): (2, 256)}
    return make("ipt-drop-counters",
                "DROP udp dport 9 in filter OUTPUT: 3 datagrams dropped, 2 to port 10 pass; "
                "the rule counts [3:384], the policy [2:256]",
                {"mode": "burst", "sockets": socks, "writes": writes, "end_ms": 100,
                 "counters": 1,
                 "host": {"iptables": ipt_text(tables), "ip-neigh": NEIGH_PEER}},
                with_counters(frames, tables, c))


def case_ipt_snat_tcp():
    tables = {"nat": [("POSTROUTING", "-o eth0 -p tcp -j SNAT --to-source 10.0.0.9")]}
    job = {"proto": "tcp", "to": "10.0.0.2", "port": 5001, "bytes": 3000, "no_close": 1,
           "isn": 9000, "ts_offset": 70, "inet_id": 900}
    frames = tcp_transfer("10.0.0.2", 3000, 9000, 70, 900, 50 * US, src="10.0.0.9")
    c = {("nat", "OUTPUT"): (1, 60), ("nat", "POSTROUTING", 0): (1, 60)}
    return make("ipt-snat-tcp",
                "TCP through SNAT 10.0.0.9: the SYN-ACK to 10.0.0.9 is mapped back to the "
                "socket, the handshake completes and 3 segments follow from 10.0.0.9",
                {"mode": "job", "job": job, "counters": 1, "host": {"iptables": ipt_text(tables)},
                 "peer": {"addrs": PEERS3, "delay_us": 50}},
                with_counters(frames, tables, c))


def case_ipt_dnat_tcp():
    tables = {"nat": [("OUTPUT", "-d 10.99.0.1/32 -p tcp -j DNAT --to-destination "
                                 "10.0.0.2:5002")]}
    job = {"proto": "tcp", "to": "10.99.0.1", "port": 5001, "bytes": 2000, "no_close": 1,
           "isn": 123, "ts_offset": 5, "inet_id": 40}
    frames = tcp_transfer("10.0.0.2", 2000, 123, 5, 40, 50 * US, dport=5002)
    c = {("nat", "OUTPUT", 0): (1, 60), ("nat", "POSTROUTING"): (1, 60)}
    return make("ipt-dnat-tcp",
                "TCP to 10.99.0.1:5001 DNATed to 10.0.0.2:5002 in nat OUTPUT: rerouted on link, "
                "the replies' source mapped back, handshake and 2 segments",
                {"mode": "job", "job": job, "counters": 1, "host": {"iptables": ipt_text(tables)},
                 "peer": {"addrs": PEERS3, "delay_us": 50}},
                with_counters(frames, tables, c))


CASES = [
    case_arp_syn_data(),
    case_tcp_bulk_segments(),
    case_route_mtu(),
    case_udp_fragments(),
    case_udp_route_mtu(),
    case_neigh_failure(),
    case_tos_bands(),
    case_qdisc_backpressure(),
    case_ipt_mark_table(),
    case_ipt_snat(),
    case_ipt_masquerade(),
    case_ipt_dnat_reroute(),
    case_ipt_drop_counters(),
    case_ipt_snat_tcp(),
    case_ipt_dnat_tcp(),
]
