/* SPDX-License-Identifier: MIT */
/*
 * txpath tcp component: the sending half of a Linux TCP connection over IPv4, as
 * net/ipv4/tcp.c and tcp_output.c do it: connect (SYN with Linux's option layout), sendmsg
 * appending to the write queue by size_goal, tcp_write_xmit limited by cwnd, the peer's window
 * and Nagle (Minshall), TCP_NODELAY/TCP_CORK/MSG_MORE, header and checksum, GSO split, ACK
 * input for the send side (snd_una, window, Reno, RTO with backoff), FIN and RST.
 *
 * Times are nanoseconds of the caller's clock. Emitted packets start at the IPv4 header.
 */
#ifndef TXP_TCP_H
#define TXP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_TCP_MSS_DEFAULT 536u /**< TCP_MSS_DEFAULT: mss_cache and clamp before the SYN-ACK */
#define TXP_TCP_MIN_SND_MSS 48u  /**< sysctl tcp_min_snd_mss default */
#define TXP_TCP_MAX_MSS 65495u   /**< 65535 - 20 (IP) - 20 (TCP) */
#define TXP_TCP_INIT_CWND 10u    /**< TCP_INIT_CWND */
#define TXP_TCP_INFINITE_SSTHRESH 0x7fffffffu
#define TXP_TCP_RTO_INIT_NS 1000000000ull  /**< TCP_TIMEOUT_INIT */
#define TXP_TCP_RTO_MIN_NS 200000000ull    /**< TCP_RTO_MIN */
#define TXP_TCP_RTO_MAX_NS 120000000000ull /**< TCP_RTO_MAX */
#define TXP_TCP_MAX_WSCALE 14u

/** sendmsg flags. */
#define TXP_TCP_MSG_MORE 0x1u /**< MSG_MORE: no PSH, push corked */

/** Connection states this model uses. */
enum txp_tcp_state {
    TXP_TCP_CLOSED = 0,
    TXP_TCP_SYN_SENT,
    TXP_TCP_ESTABLISHED,
    TXP_TCP_FIN_SENT, /**< FIN queued or sent (FIN_WAIT1 and later for the send side) */
    TXP_TCP_RESET     /**< RST sent or received */
};

/** Where the socket hands each packet it emits (closure struct, B8). */
struct txp_tcp_out {
    /** Takes @p p (IPv4 + TCP, data at the IPv4 header) at time @p now_ns. */
    void (*fn)(struct txp_tcp_out *self, struct txp_pkt *p, uint64_t now_ns);
};

/** Create-time parameters. Start from txp_tcp_config_default(). Addresses in host order. */
struct txp_tcp_config {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    uint32_t isn;       /**< initial send sequence number (injected) */
    uint32_t ts_offset; /**< added to the millisecond clock for TSval */
    uint16_t ip_id;     /**< first IPv4 ID (inet_id) */
    uint8_t tos, ttl;   /**< IPv4 TOS and TTL (64) */
    uint32_t mtu;       /**< path and device MTU, 68..65535 (1500) */
    uint16_t user_mss;  /**< TCP_MAXSEG before connect; 0 = none, else 88..32767 */
    bool opt_ts;        /**< offer timestamps (tcp_timestamps=1) */
    bool opt_sack;      /**< offer SACK-permitted (tcp_sack=1) */
    bool opt_wscale;    /**< offer window scaling (tcp_window_scaling=1) */
    uint8_t rcv_wscale; /**< the scale offered, 0..14 (7) */
    uint32_t rcv_space; /**< tcp_full_space of the receive buffer (65536) */
    uint32_t sndbuf;    /**< bytes the write queue holds (1 MiB); memory ~3x (ring + slots) */
    uint32_t max_skbs;  /**< write/retransmit queue entries (4096) */
    /** 0 = no GSO (size_goal = mss); else sk_gso_max_size, up to 65536. The pool's buffers
     *  must then hold 20 + 60 + gso_max_size bytes, or 20 + 60 + MSS with gso_sw (a packet
     *  that does not fit is not sent: counted in alloc_fails, retried later). */
    uint32_t gso_max_size;
    uint16_t gso_max_segs; /**< sk_gso_max_segs (65535) */
    /** With gso_max_size: segment every GSO skb in software as it is transmitted
     *  (validate_xmit_skb -> skb_gso_segment for a device without TSO) and emit its MSS-sized
     *  segments, the bytes txp_tcp_gso_segment() makes of the super-segment. The payload of a
     *  GSO skb is then kept in MSS-sized pieces with header room between them (when the MSS is
     *  at least 1024), so every segment of a first transmission goes out zero-copy; the slots
     *  grow by about a third. Every segment of an skb needs a pool packet at once, so the free
     *  packets bound what one transmission sends, as the congestion window does (the skb is
     *  split to fit). Off: GSO skbs are emitted whole (TXP_PKT_F_GSO). */
    bool gso_sw;
    bool nodelay;              /**< TCP_NODELAY at start */
    bool autocork;             /**< tcp_autocorking (off by default in this model) */
    struct txp_pkt_pool *pool; /**< borrowed: packets are allocated here */
    struct txp_tcp_out *out;   /**< borrowed: receives every packet; a data packet may be
                                *   shared (txp_pkt_shared: it borrows the socket's copy of
                                *   the payload until it is freed or unshared) */
};

/** Counters and state snapshot. */
struct txp_tcp_info {
    enum txp_tcp_state state;
    uint32_t snd_una, snd_nxt, write_seq, snd_wnd, max_window, rcv_nxt;
    uint32_t cwnd, ssthresh, mss_cache, packets_out, retrans_out, lost_out;
    uint8_t snd_wscale, rcv_wscale;
    bool ts_ok, sack_ok, wscale_ok;
    uint16_t mss_clamp;
    uint64_t rto_ns, srtt_us;
    uint32_t backoff;
    uint64_t segs_out, data_segs_out, bytes_sent, retrans_segs, probes;
    uint64_t alloc_fails;
    uint64_t drops[TXP_DROP__COUNT]; /**< input segments dropped, by reason */
};

/** Options as negotiated or as to be written (see txp_tcp_options_write()). */
struct txp_tcp_optset {
    bool syn; /**< SYN layout (MSS, SACK_PERM, WS allowed) */
    bool mss, ts, sack_perm, ws;
    uint16_t mss_val;
    uint8_t ws_val;
    uint32_t tsval, tsecr;
    uint8_t nsack;                      /**< SACK blocks, written after the others */
    uint32_t sack[TXP_TCP_MAX_SACK][2]; /**< left, right */
};

struct txp_tcp_sock; /* opaque */

/**
 * Fill @p cfg with Linux defaults (options on, wscale 7, MTU 1500, rcv_space 65536).
 * @param cfg config to fill.
 * Ownership: borrows @p cfg. Thread-safety: reentrant. Complexity: O(1).
 */
void txp_tcp_config_default(struct txp_tcp_config *cfg);

/**
 * Create a closed socket.
 * @param cfg parameters (validated: MTU 68..65535, user_mss 0 or 88..32767, wscale <= 14,
 *        pool and out set, sndbuf 1..64 MiB, max_skbs >= 4).
 * @param a allocator, NULL for malloc.
 * @param out the socket.
 * @return TXP_OK, TXP_EINVAL, TXP_ENOMEM.
 * Ownership: returns owned; borrows pool and out for its lifetime. Allocates the send ring
 * (sndbuf bytes), the skb queue and the payload slots (min(max_skbs, 2 * sndbuf / slot + 8)
 * slots of 320 + max(mtu, gso_max_size) bytes rounded up to 64, plus 384 per 1024 bytes of
 * gso_max_size with gso_sw, and their piece sums), nothing after.
 * Thread-safety: the socket is single-threaded. Complexity: O(sndbuf + max_skbs).
 */
int txp_tcp_create(const struct txp_tcp_config *cfg, const struct txp_alloc *a,
                   struct txp_tcp_sock **out);

/**
 * Free the socket (queued data is discarded, nothing is sent). NULL is a no-op. Packets still
 * sharing its payload slots stay valid and unchanged (they may sit on a TX ring that holds
 * their bytes' address): the slots, and a small header, are freed when the last of them is
 * freed or unshared, as Linux frees shared data at its last reference.
 * @param sk socket.
 * Ownership: consumes @p sk. Thread-safety: per socket. Complexity: O(slots).
 */
void txp_tcp_destroy(struct txp_tcp_sock *sk);

/**
 * Active open: send the SYN (tcp_connect) and arm the RTO.
 * @param sk socket in CLOSED.
 * @param now_ns clock.
 * @return TXP_OK; TXP_EINVAL if not CLOSED (state unchanged); TXP_ENOBUFS if no packet.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(1).
 */
int txp_tcp_connect(struct txp_tcp_sock *sk, uint64_t now_ns);

/**
 * Feed a segment from the peer (TCP header and payload, no IP header): the SYN-ACK in
 * SYN_SENT, ACKs and window updates later, RST. Payload is not delivered (send side only).
 * Bad segments are counted drops (txp_tcp_info.drops) and leave the state unchanged.
 * @param sk socket.
 * @param seg TCP segment bytes.
 * @param len their length.
 * @param now_ns clock.
 * @return TXP_OK when processed, or a negative error when dropped (TXP_EBADMSG malformed,
 *         TXP_ERANGE ACK of data never sent, TXP_EINVAL no connection).
 * Ownership: borrows @p seg. Thread-safety: per socket. Complexity: O(segments acked + sent).
 */
int txp_tcp_input(struct txp_tcp_sock *sk, const uint8_t *seg, size_t len, uint64_t now_ns);

/**
 * tcp_sendmsg: append @p len bytes to the write queue by size_goal, then push.
 * @param sk socket.
 * @param data bytes (may be NULL when @p len is 0).
 * @param len byte count.
 * @param flags TXP_TCP_MSG_*.
 * @param now_ns clock.
 * @return bytes queued (>= 0, fewer than @p len when the send buffer is full, 0 with len 0),
 *         TXP_ENOTCONN before the connection is established, TXP_EPIPE after FIN,
 *         TXP_ECONNRESET after RST, TXP_EAGAIN when no byte fits, TXP_EINVAL bad flags.
 * Ownership: copies @p data. Thread-safety: per socket. Complexity: O(len + segments sent).
 */
int txp_tcp_sendmsg(struct txp_tcp_sock *sk, const void *data, size_t len, unsigned flags,
                    uint64_t now_ns);

/**
 * TCP_NODELAY on/off (__tcp_sock_set_nodelay): turning it on pushes pending frames.
 * @param sk socket. @param on value. @param now_ns clock.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(segments sent).
 */
void txp_tcp_set_nodelay(struct txp_tcp_sock *sk, bool on, uint64_t now_ns);

/**
 * TCP_CORK on/off (__tcp_sock_set_cork): turning it off pushes pending frames.
 * @param sk socket. @param on value. @param now_ns clock.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(segments sent).
 */
void txp_tcp_set_cork(struct txp_tcp_sock *sk, bool on, uint64_t now_ns);

/**
 * The device finished sending every packet handed out so far (the TSQ completion handler):
 * ends autocorking and pushes pending frames.
 * @param sk socket. @param now_ns clock.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(segments sent).
 */
void txp_tcp_tx_done(struct txp_tcp_sock *sk, uint64_t now_ns);

/**
 * Set TCP_MAXSEG before connect (88..32767, 0 clears).
 * @param sk socket. @param mss value.
 * @return TXP_OK, TXP_EINVAL (out of Linux's limits or not CLOSED; state unchanged).
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(1).
 */
int txp_tcp_set_maxseg(struct txp_tcp_sock *sk, uint32_t mss);

/**
 * shutdown(SHUT_WR): FIN after queued data (tcp_send_fin), pushed with Nagle off.
 * @param sk socket. @param now_ns clock.
 * @return TXP_OK, TXP_ENOTCONN before established, TXP_EPIPE if already shut down,
 *         TXP_ECONNRESET after RST.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(segments sent).
 */
int txp_tcp_shutdown(struct txp_tcp_sock *sk, uint64_t now_ns);

/**
 * Abort: send RST|ACK at tcp_acceptable_seq (tcp_send_active_reset), drop queued data.
 * @param sk socket. @param now_ns clock.
 * @return TXP_OK, TXP_ENOTCONN if CLOSED or already reset.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(1).
 */
int txp_tcp_abort(struct txp_tcp_sock *sk, uint64_t now_ns);

/**
 * Fire the retransmission and zero-window probe timers due at @p now_ns.
 * @param sk socket. @param now_ns clock.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(segments sent).
 */
void txp_tcp_run_timers(struct txp_tcp_sock *sk, uint64_t now_ns);

/**
 * Time the next timer fires, UINT64_MAX if none is armed.
 * @param sk socket. @return nanoseconds.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(1).
 */
uint64_t txp_tcp_next_timer(const struct txp_tcp_sock *sk);

/**
 * Snapshot of the send state and counters.
 * @param sk socket. @param info filled.
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(1).
 */
void txp_tcp_get_info(const struct txp_tcp_sock *sk, struct txp_tcp_info *info);

/**
 * tcp_options_write: Linux's wire order (MSS; SACK_PERM fused with TS or NOP NOP TS;
 * NOP NOP SACK_PERM; NOP WS; NOP NOP SACK blocks), a multiple of 4 bytes.
 * @param buf destination. @param cap its size. @param o options.
 * @return bytes written (0..40), TXP_EMSGSIZE if they do not fit in 40 bytes,
 *         TXP_ENOSPC if @p cap is too small, TXP_EINVAL for a bad value (ws > 14).
 * Ownership: borrows. Thread-safety: reentrant. Complexity: O(1).
 */
int txp_tcp_options_write(uint8_t *buf, size_t cap, const struct txp_tcp_optset *o);

/**
 * Bytes txp_tcp_options_write() would write, or TXP_EMSGSIZE above 40.
 * @param o options. @return size or error.
 * Ownership: borrows. Thread-safety: reentrant. Complexity: O(1).
 */
int txp_tcp_options_size(const struct txp_tcp_optset *o);

/**
 * GSO: split an IPv4+TCP super-segment (TXP_PKT_F_GSO, meta.gso_size = MSS) into segments of
 * gso_size payload, as tcp_gso_segment does: seq advanced, CWR on the first only, PSH and FIN
 * on the last only, IPv4 ID + i, lengths and both checksums recomputed.
 * @param in super-segment (a non-GSO packet is copied as one segment).
 * @param pool where segments are allocated.
 * @param out segment array.
 * @param cap its capacity.
 * @return number of segments, TXP_EBADMSG (not IPv4/TCP), TXP_ENOSPC (cap too small),
 *         TXP_ENOBUFS (pool empty; nothing is left allocated).
 * Ownership: borrows @p in; returns owned packets in @p out.
 * Thread-safety: reentrant. Complexity: O(bytes).
 */
int txp_tcp_gso_segment(const struct txp_pkt *in, struct txp_pkt_pool *pool, struct txp_pkt **out,
                        size_t cap);

/**
 * State name ("ESTABLISHED").
 * @param s state. @return static string.
 * Ownership: none. Thread-safety: reentrant. Complexity: O(1).
 */
const char *txp_tcp_state_name(enum txp_tcp_state s);

#ifdef __cplusplus
}
#endif
#endif /* TXP_TCP_H */
