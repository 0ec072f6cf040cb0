/* SPDX-License-Identifier: MIT */
/*
 * txpath stack: the end-to-end IPv4 transmit pipeline. A host (devices, addresses, routes and
 * rules, neighbour table, qdiscs, TX rings, sysctls) loaded from a snapshot folder or an
 * embedded default; sockets dispatched through ops tables as Linux does (file write ->
 * sock_write_iter -> sock_sendmsg -> inet_sendmsg -> tcp_sendmsg / udp_sendmsg); and the
 * stages sock -> fib [-> ipt OUTPUT -> ipt POSTROUTING] -> ip -> neigh -> qdisc -> ring,
 * each sorting a burst of packets to next, drop (with a reason) or hold.
 *
 * Accounting: every packet that enters the pipeline (socket output, ARP frames the neighbour
 * stage makes, extra fragments) is "offered"; at any quiet point
 * offered == sent + dropped + held, where held is read from the components that hold packets.
 *
 * Linux references: net/socket.c (sock_write_iter, sock_sendmsg), net/ipv4/af_inet.c
 * (inet_sendmsg, inet_stream_ops, inet_dgram_ops), net/ipv4/tcp.c, udp.c, ip_output.c
 * (ip_local_out, ip_output, ip_finish_output), net/core/dev.c (__dev_queue_xmit).
 */
#ifndef TXP_STACK_H
#define TXP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_STACK_MAX_DEVS 16 /**< devices a host may have */
#define TXP_STACK_BURST 32    /**< packets a stage processes per call */
#define TXP_STACK_MAX_STAGES 8

/** The files of a host snapshot folder (design.md). */
enum txp_stack_host_file {
    TXP_STACK_HF_LINK = 0, /**< ip-link: `ip -o link show` */
    TXP_STACK_HF_ADDR,     /**< ip-addr: `ip -o addr show` */
    TXP_STACK_HF_ROUTE,    /**< ip-route: `ip route show table all` */
    TXP_STACK_HF_RULE,     /**< ip-rule: `ip rule show` */
    TXP_STACK_HF_NEIGH,    /**< ip-neigh: `ip neigh show` */
    TXP_STACK_HF_QDISC,    /**< tc-qdisc: `tc qdisc show` */
    TXP_STACK_HF_SYSCTL,   /**< sysctl: `sysctl net.ipv4` */
    TXP_STACK_HF_IPTABLES, /**< iptables: `iptables-save -c` */
    TXP_STACK_HF__COUNT
};

/** A host as text: one string per snapshot file; NULL = missing (Linux's defaults). */
struct txp_stack_host {
    const char *text[TXP_STACK_HF__COUNT]; /**< NUL-terminated file contents or NULL */
    size_t len[TXP_STACK_HF__COUNT];       /**< their lengths */
    char path[TXP_STACK_HF__COUNT][512];   /**< names used in diagnostics */
    bool owned;                            /**< texts allocated by txp_stack_host_read() */
};

/**
 * The snapshot file name of @p f ("ip-link").
 * @param f the file. @return static string, "?" when out of range.
 * Ownership: static. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_stack_host_file_name(enum txp_stack_host_file f);

/**
 * The embedded default host: lo, and eth0 (02:00:00:00:00:01, MTU 1500, pfifo_fast, qlen
 * 1000) with 10.0.0.1/24, default route via 10.0.0.254; the peer model answers for
 * 10.0.0.254 and 10.0.0.2.
 * @param h filled with borrowed static texts.
 * Ownership: texts are static. Thread-safety: safe. Complexity: O(1).
 */
void txp_stack_host_default(struct txp_stack_host *h);

/**
 * Read a snapshot folder: ip-link, ip-addr, ip-route and ip-rule are required, the others
 * optional.
 * @param dir folder. @param h filled (free with txp_stack_host_free()). @param d diagnostic.
 * @return TXP_OK, TXP_EIO (a required file cannot be read: @p d names it), TXP_ENOMEM.
 * Ownership: @p h owns the texts on success. Thread-safety: safe. Complexity: O(bytes).
 */
int txp_stack_host_read(const char *dir, struct txp_stack_host *h, struct txp_diag *d);

/**
 * Free texts from txp_stack_host_read(); a default host is left alone.
 * @param h host. Ownership: releases the texts. Thread-safety: per object. Complexity: O(1).
 */
void txp_stack_host_free(struct txp_stack_host *h);

/** Pipeline stage identifiers (not all are present in every build). */
enum txp_stack_stage_id {
    TXP_STACK_ST_SOCK = 0, /**< tcp_sendmsg / udp_sendmsg: L4 + IPv4 header */
    TXP_STACK_ST_FIB,      /**< ip_route_output: device, next hop, MTU */
    TXP_STACK_ST_IPT_OUT,  /**< iptables raw/mangle/nat/filter OUTPUT (with TXP_STACK_HAVE_IPT) */
    TXP_STACK_ST_IPT_POST, /**< iptables mangle/nat POSTROUTING (with TXP_STACK_HAVE_IPT) */
    TXP_STACK_ST_IP,       /**< ip_finish_output: MTU check, fragmentation, priority */
    TXP_STACK_ST_NEIGH,    /**< neighbour resolution, Ethernet header, ARP */
    TXP_STACK_ST_QDISC,    /**< the device's qdisc */
    TXP_STACK_ST_RING,     /**< the device's TX ring and the wire */
    TXP_STACK_ST__COUNT
};

/** Counters of one stage. held = in + created - out - dropped. */
struct txp_stack_stage_stats {
    const char *name;                      /**< "sock", "fib", ... */
    uint64_t in;                           /**< packets handed to the stage */
    uint64_t created;                      /**< packets the stage made (ARP, fragments) */
    uint64_t out;                          /**< packets passed on (ring: put on the wire) */
    uint64_t dropped;                      /**< packets dropped here */
    uint64_t drop_reason[TXP_DROP__COUNT]; /**< by reason */
};

/** Totals for the accounting invariant. */
struct txp_stack_totals {
    uint64_t offered; /**< packets that entered the pipeline */
    uint64_t sent;    /**< frames put on the wire */
    uint64_t dropped; /**< packets dropped, all stages */
    uint64_t held;    /**< packets held: neighbour queues + qdiscs + rings, as they report */
    uint64_t wire_bytes;
    uint64_t rx_frames, rx_ignored; /**< frames received, and those for nobody */
    uint64_t rx_denat; /**< received packets mapped back by a NAT binding (reply direction) */
};

/**
 * The link: where frames leave and arrive (closure struct). tx gets every frame the rings'
 * devices send. rx waits until @p until_ns for an arriving frame: it returns 1 with a frame
 * in @p buf (length, device, and the clock at arrival in *now_ns), or 0 with *now_ns set to
 * the time it stopped waiting (at most @p until_ns; offline models return @p until_ns).
 */
struct txp_stack_link {
    void (*tx)(struct txp_stack_link *self, uint32_t ifindex, uint64_t ts_ns, const uint8_t *frame,
               uint32_t len);
    int (*rx)(struct txp_stack_link *self, uint64_t until_ns, uint64_t *now_ns, uint8_t *buf,
              uint32_t cap, uint32_t *len, uint32_t *ifindex);
};

/** Observer of packets leaving a stage (the pcap tap): Ethernet or raw IPv4 by @p l2. */
struct txp_stack_tap {
    void (*fn)(struct txp_stack_tap *self, enum txp_stack_stage_id stage, uint64_t ts_ns,
               const uint8_t *data, uint32_t len, bool l2);
};

/** Observer of per-packet events: a stage passed, dropped or held a packet. */
struct txp_stack_trace {
    void (*fn)(struct txp_stack_trace *self, enum txp_stack_stage_id stage, uint64_t ts_ns,
               const struct txp_pkt *p, const char *what);
};

/** Create-time parameters. Zero-initialise, then set what you need. */
struct txp_stack_config {
    const struct txp_stack_host *host; /**< NULL = txp_stack_host_default() */
    uint64_t seed;                     /**< seeds ISNs, IP IDs, neighbour timers */
    uint64_t start_ns;                 /**< the clock at creation */
    uint32_t pool_count;               /**< packets in the pool [8192] */
    uint32_t ring_size;                /**< TX descriptors per device [256] */
    uint64_t link_bps;                 /**< device rate, bits/s incl. overhead [0 = instant] */
    struct txp_stack_link *link;       /**< borrowed; NULL = frames are discarded */
    struct txp_stack_tap *tap;         /**< optional */
    uint32_t tap_mask;                 /**< stages tapped, bit (1 << stage id) */
    struct txp_stack_trace *trace;     /**< optional */
    const struct txp_alloc *alloc;     /**< NULL = malloc */
    bool ipt_interpret;                /**< run the iptables rules one by one (txp_ipt_do_hook)
                                            instead of their compiled form (same results) */
};

struct txp_stack;
struct txp_stack_file;

/**
 * Build the host and the pipeline.
 * @param cfg parameters. @param out the stack. @param d diagnostic of a bad host file
 * (file, line, column, what was expected).
 * @return TXP_OK, TXP_EBADMSG (host text), TXP_EINVAL, TXP_ENOMEM.
 * Ownership: returns owned; borrows link, tap and trace. Thread-safety: one thread per stack.
 * Complexity: O(host size + pool).
 */
int txp_stack_create(const struct txp_stack_config *cfg, struct txp_stack **out,
                     struct txp_diag *d);

/**
 * Free the stack: open files are closed, held packets freed (not counted as sent or dropped).
 * NULL is a no-op. Ownership: consumes @p st. Thread-safety: per stack. Complexity: O(pool).
 */
void txp_stack_destroy(struct txp_stack *st);

/**
 * The stack's clock. @param st stack. @return nanoseconds.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(1).
 */
uint64_t txp_stack_now(const struct txp_stack *st);

/**
 * Step the clock to @p now_ns (never backwards) and run what is due: TCP and neighbour
 * timers, qdisc release, ring devices and completions.
 * @param st stack. @param now_ns new clock.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(work due).
 */
void txp_stack_advance(struct txp_stack *st, uint64_t now_ns);

/**
 * The earliest time something is due (timers, a busy device, a netem queue), UINT64_MAX if
 * nothing is. @param st stack. @return nanoseconds.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(devices + files).
 */
uint64_t txp_stack_next_event(const struct txp_stack *st);

/**
 * A frame arrives on @p ifindex: ARP goes to the neighbour table, TCP for one of our
 * connections to its socket; anything else is counted as ignored.
 * @param st stack. @param ifindex device. @param frame Ethernet frame. @param len its length.
 * @return TXP_OK (processed), TXP_EAGAIN (ignored), TXP_EBADMSG (malformed).
 * Ownership: borrows @p frame. Thread-safety: per stack. Complexity: O(len + work).
 */
int txp_stack_rx(struct txp_stack *st, uint32_t ifindex, const uint8_t *frame, size_t len);

/** Socket options applied before connect. Zero-initialise. */
struct txp_stack_sockopt {
    uint8_t tos;        /**< IP_TOS */
    uint32_t mark;      /**< SO_MARK */
    uint32_t saddr;     /**< bind address, 0 = chosen by the route */
    uint16_t sport;     /**< bind port, 0 = 40000 + file number */
    int pmtudisc;       /**< IP_MTU_DISCOVER mode + 1; 0 = default (WANT, or DONT by sysctl) */
    bool nodelay;       /**< TCP_NODELAY */
    uint16_t user_mss;  /**< TCP_MAXSEG, 0 = none */
    uint32_t uid;       /**< owner */
    uint32_t sndbuf;    /**< TCP send buffer, 0 = 1 MiB */
    bool pinned;        /**< take the three values below instead of random ones (goldens) */
    uint32_t isn;       /**< TCP initial sequence number */
    uint32_t ts_offset; /**< TCP timestamp offset */
    uint16_t inet_id;   /**< the socket's IP ID counter (inet_id) */
};

/**
 * socket(AF_INET, SOCK_STREAM or SOCK_DGRAM): a file whose ops dispatch to the socket.
 * @param st stack. @param proto TXP_IPPROTO_TCP or TXP_IPPROTO_UDP. @param o options or NULL.
 * @param out the file. @return TXP_OK, TXP_EINVAL, TXP_ENOMEM, TXP_ENOSPC (too many files).
 * Ownership: the stack owns the file; release with txp_stack_close().
 * Thread-safety: per stack. Complexity: O(1).
 */
int txp_stack_socket(struct txp_stack *st, int proto, const struct txp_stack_sockopt *o,
                     struct txp_stack_file **out);

/**
 * connect(): route lookup (source address, MTU); TCP sends its SYN, UDP remembers the
 * destination. @param f file. @param daddr destination (host order). @param dport port.
 * @return TXP_OK, TXP_ENETUNREACH / TXP_EHOSTUNREACH / TXP_EACCES (no usable route),
 * TXP_EINVAL (already connected), TXP_ENOMEM.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(route lookup).
 */
int txp_stack_connect(struct txp_stack_file *f, uint32_t daddr, uint16_t dport);

/**
 * write(): file->f_op->write_iter (sock_write_iter) -> sock_sendmsg -> inet_sendmsg ->
 * tcp_sendmsg or udp_sendmsg; the packets made run through the pipeline at once.
 * @param f file. @param data bytes. @param len count (UDP: one datagram).
 * @return bytes accepted (TCP may accept fewer), or a negative TXP_E* (TXP_EAGAIN send buffer
 * full, TXP_ENOTCONN, TXP_EMSGSIZE, TXP_EPIPE, ...).
 * Ownership: copies @p data. Thread-safety: per stack. Complexity: O(len + packets).
 */
int64_t txp_stack_write(struct txp_stack_file *f, const void *data, size_t len);

/**
 * shutdown(SHUT_WR): TCP queues its FIN. @param f file.
 * @return TXP_OK or the socket's error. Ownership: borrows. Thread-safety: per stack.
 * Complexity: O(packets).
 */
int txp_stack_shutdown(struct txp_stack_file *f);

/**
 * close(): the file and its socket are freed (queued data discarded). NULL is a no-op.
 * @param f file. Ownership: consumes @p f. Thread-safety: per stack. Complexity: O(1).
 */
void txp_stack_close(struct txp_stack_file *f);

/** What a socket reports. */
struct txp_stack_sockinfo {
    int proto;
    bool established;     /**< TCP handshake done / UDP connected */
    bool finished;        /**< TCP: everything incl. FIN acknowledged */
    bool reset;           /**< TCP: connection reset */
    uint64_t bytes_acked; /**< TCP: data bytes the peer acknowledged */
    uint64_t bytes_written;
    uint64_t retrans; /**< TCP retransmitted segments */
    uint32_t mss, cwnd;
    int last_err; /**< last error the socket reported (0 none) */
};

/**
 * Socket state. @param f file. @param out filled.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(1).
 */
void txp_stack_sockinfo(const struct txp_stack_file *f, struct txp_stack_sockinfo *out);

/**
 * Stage counters. @param st stack. @param out array of TXP_STACK_ST__COUNT entries (absent
 * stages have name NULL). Ownership: borrows. Thread-safety: per stack. Complexity: O(stages).
 */
void txp_stack_stage_stats(const struct txp_stack *st,
                           struct txp_stack_stage_stats out[TXP_STACK_ST__COUNT]);

/**
 * Totals and the accounting check.
 * @param st stack. @param out filled.
 * @return TXP_OK when offered == sent + dropped + held and every stage's held count equals
 * what the component holding packets reports, else TXP_ERANGE.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(stages + devices).
 */
int txp_stack_totals(const struct txp_stack *st, struct txp_stack_totals *out);

/**
 * Name of a stage ("neigh"). @param s id. @return static string.
 * Ownership: static. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_stack_stage_name(enum txp_stack_stage_id s);

/**
 * Stage id for a name, or -1. @param name "qdisc". @return id or -1.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(stages).
 */
int txp_stack_stage_lookup(const char *name);

/**
 * Whether @p s is part of this build's pipeline (the iptables stages need txp_ipt).
 * @param s id. @return true if present. Ownership: none. Thread-safety: safe. Complexity: O(1).
 */
bool txp_stack_stage_present(enum txp_stack_stage_id s);

/**
 * Device lookup: index for a name, 0 if none. @param st stack. @param name device name.
 * @return ifindex. Ownership: borrows. Thread-safety: per stack. Complexity: O(devices).
 */
uint32_t txp_stack_dev_index(const struct txp_stack *st, const char *name);

/**
 * MAC and MTU of a device. @param st stack. @param ifindex device. @param mac filled (may be
 * NULL). @param mtu filled (may be NULL). @return TXP_OK or TXP_ENOENT.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(devices).
 */
int txp_stack_dev_info(const struct txp_stack *st, uint32_t ifindex, uint8_t mac[6], uint32_t *mtu);

/**
 * `ip route get`: the route a socket would use. @param st stack. @param daddr destination.
 * @param tos TOS. @param mark mark. @param gw filled: gateway, 0 when on link. @param oif
 * filled: output device. @param src filled: source address.
 * @return TXP_OK or the lookup's error (TXP_ENETUNREACH, ...).
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(rules x 32).
 */
int txp_stack_route_get(const struct txp_stack *st, uint32_t daddr, uint8_t tos, uint32_t mark,
                        uint32_t *gw, uint32_t *oif, uint32_t *src);

/**
 * The host's iptables ruleset as `iptables-save` (with @p counters, `iptables-save -c`: the
 * packet and byte counters the pipeline advanced) prints it.
 * @param st stack. @param counters true for the counters. @param out buffer (may be NULL with
 * @p cap 0 to measure). @param cap its size.
 * @return the length the whole text needs (without the NUL; the text is NUL-terminated and
 * truncated when it does not fit); 0 when the host has no ruleset or the build no ipt stages.
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(rules).
 */
size_t txp_stack_iptables_save(const struct txp_stack *st, bool counters, char *out, size_t cap);

/* ------------------------------------------------------------------------------------------ */
/* The peer model: the other end of the link when no real one is there.                       */

/** Peer parameters. Zero-initialise, then set fields; zero fields take the defaults. */
struct txp_stack_peer_config {
    uint32_t addrs[8];   /**< IPv4 addresses it answers ARP for (host order) */
    uint32_t naddrs;     /**< count; 0 = 10.0.0.254 and 10.0.0.2 */
    uint8_t mac[6];      /**< its MAC [02:00:00:00:00:fe] */
    uint64_t delay_ns;   /**< time from a frame leaving to its answer arriving [50 us] */
    uint32_t window;     /**< receive window in bytes it advertises [262144] */
    uint8_t wscale;      /**< window scale it offers [7] */
    uint16_t mss;        /**< MSS it offers [1460] */
    uint32_t isn;        /**< its initial sequence number [0x10000000] */
    uint32_t ifindex;    /**< device it is attached to [2] */
    uint32_t drop_every; /**< drop every Nth data segment once (0 = never) */
    bool trust_csum;     /**< skip checksum verification (benchmarks: not the stack's cost) */
    const struct txp_alloc *alloc;
};

/** What the peer saw. */
struct txp_stack_peer_stats {
    uint64_t frames, arp_requests, arp_replies, tcp_segs, tcp_bytes_in_order, udp_datagrams,
        udp_bytes, ip_fragments, bad_frames, bad_csum, dropped_by_peer;
    bool fin_seen; /**< a FIN arrived in order */
};

struct txp_stack_peer;

/**
 * Create a peer: a link whose rx side answers ARP for its addresses, completes TCP handshakes
 * (SYN-ACK with MSS, SACK, timestamps, window scale), ACKs in-order data cumulatively with its
 * window, ACKs FIN, and reassembles fragmented UDP (checking every checksum on the way).
 * @param cfg parameters or NULL. @param out the peer.
 * @return TXP_OK, TXP_EINVAL, TXP_ENOMEM. Ownership: returns owned.
 * Thread-safety: per object. Complexity: O(1).
 */
int txp_stack_peer_create(const struct txp_stack_peer_config *cfg, struct txp_stack_peer **out);

/**
 * Free a peer; NULL is a no-op. @param p peer. Ownership: consumes. Thread-safety: per object.
 * Complexity: O(queued answers).
 */
void txp_stack_peer_destroy(struct txp_stack_peer *p);

/**
 * The peer as a link to put in txp_stack_config.link (offline: rx returns @p until_ns as the
 * clock when no answer is due earlier).
 * @param p peer. @return the link, part of @p p.
 * Ownership: borrowed from @p p. Thread-safety: per object. Complexity: O(1).
 */
struct txp_stack_link *txp_stack_peer_link(struct txp_stack_peer *p);

/**
 * Set a link the peer forwards every frame to after looking at it (a pcap writer, say).
 * @param p peer. @param next link or NULL.
 * Ownership: borrows @p next. Thread-safety: per object. Complexity: O(1).
 */
void txp_stack_peer_chain(struct txp_stack_peer *p, struct txp_stack_link *next);

/**
 * Counters. @param p peer. @param out filled.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
void txp_stack_peer_stats(const struct txp_stack_peer *p, struct txp_stack_peer_stats *out);

/* ------------------------------------------------------------------------------------------ */
/* A transfer: the job `txpath send` runs.                                                    */

/** A transfer. Zero-initialise, then set fields. */
struct txp_stack_job {
    int proto;           /**< TXP_IPPROTO_TCP (default) or TXP_IPPROTO_UDP */
    uint32_t daddr;      /**< destination */
    uint16_t dport;      /**< destination port */
    uint64_t bytes;      /**< bytes to send (ignored with @p data) */
    const uint8_t *data; /**< payload, or NULL for a pattern */
    size_t data_len;     /**< its length */
    uint32_t write_size; /**< bytes per write() [65536; UDP: 1472] */
    struct txp_stack_sockopt opt;
    uint64_t deadline_ns; /**< give up this long after the start [60 s] */
    bool no_close;        /**< TCP: do not send FIN at the end */
    /** progress callback every 1/16 of the transfer (may be NULL) */
    void (*progress)(void *ctx, uint64_t done, uint64_t total, uint64_t now_ns);
    void *progress_ctx;
};

/** What a transfer did. */
struct txp_stack_job_result {
    int err;          /**< 0, or why it stopped (TXP_ENETUNREACH, TXP_ETIMEDOUT-like) */
    const char *why;  /**< short text for err */
    uint64_t written; /**< bytes accepted by write() */
    uint64_t acked;   /**< TCP: bytes acknowledged */
    uint64_t start_ns, end_ns;
    bool complete; /**< everything written and (TCP) acknowledged, FIN included */
};

/**
 * Run a transfer: socket, connect, write until done, shutdown, and wait for the link's
 * answers (through cfg.link's rx) until the transfer completes, fails, or the deadline passes.
 * Accounting is checked at the end.
 * @param st stack. @param job the transfer. @param res filled.
 * @return TXP_OK (res->complete says whether it finished), TXP_ERANGE (accounting broke),
 * or an error from socket/connect (also in res->err).
 * Ownership: borrows. Thread-safety: per stack. Complexity: O(bytes + packets).
 */
int txp_stack_run_job(struct txp_stack *st, const struct txp_stack_job *job,
                      struct txp_stack_job_result *res);

#ifdef __cplusplus
}
#endif
#endif /* TXP_STACK_H */
