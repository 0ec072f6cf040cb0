/* SPDX-License-Identifier: MIT */
/*
 * txpath ip component: the IPv4 output path of Linux 6.x for locally generated packets.
 *
 * - Header building as __ip_queue_xmit / __ip_make_skb: TOS, TTL (IP_TTL, route hop limit,
 *   default 64; multicast 1), DF from the path-MTU-discovery mode, checksum.
 * - IP ID selection (ip_select_ident_segs): a per-socket counter for connected sockets, else a
 *   per-destination bucket counter chosen by a keyed hash (SipHash-2-4 with a seeded key) that
 *   jumps by a random amount depending on idle time (ip_idents_reserve).
 * - IP options as setsockopt(IP_OPTIONS) compiles them (ip_options_compile) and as output fills
 *   them (ip_options_build): EOL, NOP, RR, TS (three flag variants), LSRR/SSRR, RA.
 * - Fragmentation (ip_do_fragment): data per fragment rounded down to 8, MF, offsets, per
 *   fragment header and checksum; options without the copy bit become NOPs after fragment 1.
 * - UDP (udp_sendmsg): header, checksum (0 sent as 0xFFFF), corking (UDP_CORK, MSG_MORE).
 *
 * Linux references: net/ipv4/ip_output.c, ip_options.c, route.c (__ip_select_ident),
 * include/net/ip.h, net/ipv4/udp.c, ip_sockglue.c.
 */
#ifndef TXP_IP_H
#define TXP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TXP_IP_MTU_MIN 68u           /**< smallest IPv4 MTU (RFC 791) */
#define TXP_IP_MTU_MAX 65535u        /**< largest IPv4 MTU (IP_MAX_MTU) */
#define TXP_IP_DEFAULT_TTL 64u       /**< sysctl ip_default_ttl */
#define TXP_IP_MC_TTL 1u             /**< default IP_MULTICAST_TTL */
#define TXP_IP_IDENTS_DEFAULT 2048u  /**< ID buckets (IP_IDENTS_SZ) */
#define TXP_IP_HZ 250u               /**< jiffies per second used by the ID generator */
#define TXP_IP_UDP_MAX_PAYLOAD 65507 /**< 65535 - 20 - 8 without options */

/** IP_MTU_DISCOVER values (include/uapi/linux/in.h). */
enum txp_ip_pmtudisc {
    TXP_IP_PMTUDISC_DONT = 0,  /**< never DF */
    TXP_IP_PMTUDISC_WANT = 1,  /**< DF when the datagram fits and the MTU is not locked */
    TXP_IP_PMTUDISC_DO = 2,    /**< always DF; too big is EMSGSIZE */
    TXP_IP_PMTUDISC_PROBE = 3, /**< always DF; too big is EMSGSIZE */
};

/**
 * Which rule an unconnected DF packet follows for its IP ID.
 *
 * linux-facts 2.2 reads the 6.18 capture (unconnected UDP with DF got hashed IDs) as "DF no
 * longer means ID 0". A live check on 6.18.44 (components/ip/kernel/ip.sh) shows the 6.12 rule
 * still holds: under IP_PMTUDISC_WANT a datagram has ignore_df set, so it takes the hashed
 * counter although it carries DF; under DO and PROBE (ignore_df clear) the ID is 0. The
 * default follows what the kernel does; the fact sheet's reading is kept as the alternative.
 */
enum txp_ip_id_policy {
    /** Default (6.12 source, 6.18.44 live): DF without ignore_df gets ID 0, else hashed. */
    TXP_IP_ID_LINUX = 0,
    /** linux-facts 2.2's reading of 6.18: unconnected packets always take the hashed ID. */
    TXP_IP_ID_HASH_ALWAYS = 1,
};

/* ------------------------------------------------------------------------------------------ */
/* IP ID generator                                                                            */

/** Create-time parameters of the shared ID generator (the per-netns ip_idents state). */
struct txp_ip_ident_config {
    uint32_t buckets;             /**< power of two, 1..65536; 0 means TXP_IP_IDENTS_DEFAULT */
    enum txp_ip_id_policy policy; /**< rule for unconnected DF packets */
    uint64_t seed;                /**< seeds the hash key, bucket start values and jumps */
};

struct txp_ip_ident; /* opaque */

/**
 * Bytes of caller memory txp_ip_ident_init() needs.
 * @param cfg parameters. @return the size, or 0 when @p cfg is invalid.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(1).
 */
size_t txp_ip_ident_memsize(const struct txp_ip_ident_config *cfg);

/**
 * Construct a generator in caller memory (8-byte aligned).
 * @param mem memory. @param len its size. @param cfg parameters. @param out the handle.
 * @return TXP_OK, or TXP_EINVAL (bad config, short or misaligned memory).
 * Ownership: borrows @p mem for the generator's life. Thread-safety: per object.
 * Complexity: O(buckets).
 */
int txp_ip_ident_init(void *mem, size_t len, const struct txp_ip_ident_config *cfg,
                      struct txp_ip_ident **out);

/**
 * Allocating convenience around txp_ip_ident_init().
 * @param cfg parameters. @param a allocator (NULL = malloc). @param out the handle.
 * @return TXP_OK, TXP_EINVAL or TXP_ENOMEM.
 * Ownership: returns owned; free with txp_ip_ident_destroy(). Thread-safety: safe.
 * Complexity: O(buckets).
 */
int txp_ip_ident_create(const struct txp_ip_ident_config *cfg, const struct txp_alloc *a,
                        struct txp_ip_ident **out);

/**
 * Free a generator from txp_ip_ident_create(); NULL is a no-op.
 * @param g generator. Ownership: frees what txp_ip_ident_create() returned.
 * Thread-safety: per object. Complexity: O(1).
 */
void txp_ip_ident_destroy(struct txp_ip_ident *g);

/**
 * Reserve @p segs consecutive IDs from the bucket of (saddr, daddr, proto) as
 * ip_idents_reserve: the bucket first jumps by a random amount below the jiffies elapsed since
 * its last use (HZ 250 on @p now_ns).
 * @param g generator. @param saddr source. @param daddr destination (host order).
 * @param proto protocol. @param segs IDs to reserve (>= 1). @param now_ns injected clock.
 * @return the first reserved ID.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
uint16_t txp_ip_ident_reserve(struct txp_ip_ident *g, uint32_t saddr, uint32_t daddr, uint8_t proto,
                              uint16_t segs, uint64_t now_ns);

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                    */

/** Why an option list was refused (ip_options_compile), with the offending byte offset. */
enum txp_ip_opt_err {
    TXP_IP_OPT_OK = 0,
    TXP_IP_OPT_TOO_LONG,  /**< more than 40 bytes */
    TXP_IP_OPT_TRUNCATED, /**< a length byte is missing or runs past the list */
    TXP_IP_OPT_BAD_LEN,   /**< a length below what the kind needs */
    TXP_IP_OPT_BAD_PTR,   /**< RR/TS/SRR pointer invalid */
    TXP_IP_OPT_DUP,       /**< a second RR, TS or source route */
    TXP_IP_OPT_OVERFLOW,  /**< TS overflow counter already 15 */
    TXP_IP_OPT_BAD_FLAG,  /**< TS flag other than 0, 1, 3 */
    TXP_IP_OPT_UNKNOWN,   /**< kind not accepted without TXP_IP_OPT_F_RAW (CAP_NET_RAW) */
};

/** Diagnostic of txp_ip_options_compile(). */
struct txp_ip_opt_diag {
    enum txp_ip_opt_err err;
    uint32_t offset; /**< byte offset within the option bytes given */
};

/** txp_ip_options_compile() flag: accept unknown kinds, as a CAP_NET_RAW socket may. */
#define TXP_IP_OPT_F_RAW 0x1u

/**
 * Compiled options of a socket (struct ip_options): padded bytes plus what output must fill.
 * Offsets are from the start of the option bytes; 0xFF means absent.
 */
struct txp_ip_options {
    uint8_t len;                    /**< bytes, a multiple of 4, at most 40 */
    uint8_t data[TXP_IPV4_OPT_MAX]; /**< as they go on the wire before filling */
    uint8_t srr;                    /**< offset of LSRR/SSRR */
    uint8_t rr;                     /**< offset of RR */
    uint8_t ts;                     /**< offset of TS */
    bool rr_needaddr;               /**< write the source address into RR at output */
    bool ts_needaddr;               /**< write the source address into TS at output */
    bool ts_needtime;               /**< write the time into TS at output */
    uint32_t faddr;                 /**< source route: first hop (the header's destination) */
};

/**
 * setsockopt(IP_OPTIONS): validate raw option bytes, pad them with EOL to a multiple of 4 and
 * prepare them for output as ip_options_compile does for a socket: a source route's first
 * address becomes the first hop and the list shifts (the final slot later carries the real
 * destination); RR and TS pointers advance past the slot output will fill; a TS prespecified
 * entry is stamped only when its address equals @p saddr (our address).
 * @param raw option bytes. @param len their count (0..40). @param saddr our address.
 * @param flags TXP_IP_OPT_F_*. @param out the compiled options. @param d diagnostic or NULL.
 * @return TXP_OK, or TXP_EINVAL with @p d set (and @p out untouched).
 * Ownership: borrows. Thread-safety: safe. Complexity: O(len).
 */
int txp_ip_options_compile(const uint8_t *raw, size_t len, uint32_t saddr, unsigned flags,
                           struct txp_ip_options *out, struct txp_ip_opt_diag *d);

/**
 * Name of an option error ("BAD_PTR").
 * @param e the error. @return static string.
 * Ownership: read-only static storage. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_ip_opt_errname(enum txp_ip_opt_err e);

/**
 * ip_options_fragment: overwrite every option without the copy bit (0x80) with NOPs, in place.
 * @param opts option bytes. @param len their count.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(len).
 */
void txp_ip_options_fragment(uint8_t *opts, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Sockets                                                                                    */

/** The route the output uses. */
struct txp_ip_route {
    uint32_t mtu;     /**< path MTU, 68..65535 */
    bool mtu_locked;  /**< RTAX_LOCK on the MTU: WANT then sends without DF */
    uint8_t hoplimit; /**< RTAX_HOPLIMIT, 0 = none */
};

/** Create-time parameters of a socket. Zero-initialise, then txp_ip_sock_config_default(). */
struct txp_ip_sock_config {
    uint32_t saddr;                /**< source, host order */
    uint32_t daddr;                /**< destination, host order */
    uint16_t sport, dport;         /**< UDP ports */
    uint8_t protocol;              /**< TXP_IPPROTO_UDP, TCP, or any for raw L4 */
    uint8_t tos;                   /**< IP_TOS */
    int ttl;                       /**< IP_TTL: -1 (route/default) or 1..255 */
    int mc_ttl;                    /**< IP_MULTICAST_TTL: -1 (= 1) or 0..255 */
    enum txp_ip_pmtudisc pmtudisc; /**< default WANT */
    bool connected;                /**< inet_daddr set: IDs from the socket counter */
    uint16_t inet_id;              /**< initial socket counter (random at connect in Linux) */
    bool no_check;                 /**< SO_NO_CHECK: UDP checksum 0 */
};

/**
 * Fill @p c with Linux defaults (TTL -1, mc TTL -1, WANT, UDP, unconnected, no addresses).
 * @param c the config. Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
void txp_ip_sock_config_default(struct txp_ip_sock_config *c);

struct txp_ip_sock; /* opaque: owns a 64 KiB cork buffer */

/**
 * Create a socket.
 * @param cfg parameters. @param ids the shared ID generator (borrowed for the socket's life).
 * @param a allocator (NULL = malloc). @param out handle.
 * @return TXP_OK, TXP_EINVAL (TTL, multicast TTL or pmtudisc out of range), TXP_ENOMEM.
 * Ownership: returns owned; free with txp_ip_sock_destroy(). Thread-safety: safe.
 * Complexity: O(1).
 */
int txp_ip_sock_create(const struct txp_ip_sock_config *cfg, struct txp_ip_ident *ids,
                       const struct txp_alloc *a, struct txp_ip_sock **out);

/**
 * Free a socket (pending corked data is discarded); NULL is a no-op.
 * @param s socket. Ownership: frees what txp_ip_sock_create() returned.
 * Thread-safety: per object. Complexity: O(1).
 */
void txp_ip_sock_destroy(struct txp_ip_sock *s);

/**
 * setsockopt(IP_OPTIONS) on the socket: compile @p raw (see txp_ip_options_compile()).
 * @param s socket. @param raw option bytes (NULL with len 0 clears). @param len count.
 * @param flags TXP_IP_OPT_F_*. @param d diagnostic or NULL.
 * @return TXP_OK or TXP_EINVAL (options unchanged).
 * Ownership: borrows. Thread-safety: per object. Complexity: O(len).
 */
int txp_ip_sock_set_options(struct txp_ip_sock *s, const uint8_t *raw, size_t len, unsigned flags,
                            struct txp_ip_opt_diag *d);

/**
 * setsockopt(IP_TTL): -1 or 1..255.
 * @param s socket. @param ttl value. @return TXP_OK or TXP_EINVAL (unchanged).
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
int txp_ip_sock_set_ttl(struct txp_ip_sock *s, int ttl);

/**
 * setsockopt(IP_MTU_DISCOVER).
 * @param s socket. @param mode 0..3. @return TXP_OK or TXP_EINVAL (unchanged).
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
int txp_ip_sock_set_pmtudisc(struct txp_ip_sock *s, int mode);

/**
 * The socket's ID counter (inet_id) as it stands.
 * @param s socket. @return the counter.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
uint16_t txp_ip_sock_inet_id(const struct txp_ip_sock *s);

/* ------------------------------------------------------------------------------------------ */
/* Output                                                                                     */

/** Where output packets go: a pool for new packets and a caller array with its capacity. */
struct txp_ip_out {
    struct txp_pkt_pool *pool; /**< packets are allocated here (headroom TXP_PKT_HEADROOM) */
    struct txp_pkt **pkts;     /**< filled with owned packets, in wire order */
    size_t cap;                /**< room in pkts */
    size_t n;                  /**< out: packets written (0 on any error) */
};

/** txp_ip_fragment() flag: fragment even with DF set (skb->ignore_df). */
#define TXP_IP_FRAG_IGNORE_DF 0x1u

/**
 * ip_do_fragment: split a complete IPv4 datagram to fit @p mtu. A datagram that fits is copied
 * as one packet. All fragments carry the original header (same IHL, ID, TTL, TOS); later ones
 * have non-copied options replaced by NOPs; each fragment's data except the last is a multiple
 * of 8; MF is set on all but the last (and on the last when the input had MF); offsets add to
 * the input's offset; tot_len and checksum are recomputed.
 * @param dgram the datagram (tot_len bytes are used; the rest is ignored).
 * @param len bytes available. @param mtu 68..65535. @param flags TXP_IP_FRAG_*.
 * @param out destination; out->n is set.
 * @return TXP_OK; TXP_EINVAL (MTU out of range, mtu < IHL*4 + 8, or a fragment offset that
 * would not fit 13 bits); TXP_EBADMSG (not a valid
 * IPv4 header); TXP_EMSGSIZE (too big with DF and no IGNORE_DF); TXP_ENOSPC (out->cap too
 * small or a pool buffer too small); TXP_ENOBUFS (pool empty). On error nothing is emitted.
 * Ownership: borrows @p dgram; the packets in out->pkts are owned by the caller.
 * Thread-safety: per pool. Complexity: O(len).
 */
int txp_ip_fragment(const uint8_t *dgram, size_t len, uint32_t mtu, unsigned flags,
                    struct txp_ip_out *out);

/**
 * The number of packets txp_ip_fragment() makes for a datagram of @p tot_len bytes with a
 * header of @p hlen bytes at @p mtu.
 * @param tot_len datagram length. @param hlen header length. @param mtu MTU.
 * @return the count, or 0 when @p mtu < hlen + 8.
 * Ownership: none. Thread-safety: safe. Complexity: O(1).
 */
size_t txp_ip_frag_count(size_t tot_len, size_t hlen, uint32_t mtu);

/**
 * __ip_queue_xmit + ip_finish_output for an L4 segment (a TCP-style caller): header with DF
 * from ip_dont_fragment (DO, or WANT on an unlocked MTU), ID per ip_select_ident_segs for
 * @p segs segments, options filled, then fragmentation when larger than the MTU and not DF.
 * @param s socket. @param rt route. @param l4 segment bytes. @param l4len their count.
 * @param segs GSO segment count (>= 1) for ID reservation. @param now_ns injected clock.
 * @param out destination.
 * @return TXP_OK; TXP_EINVAL (bad MTU/segs); TXP_EMSGSIZE (over 65535, or DF and > MTU: a
 * caller records the drop as TXP_DROP_FRAG_DF); TXP_ENOSPC (out->cap, or a pool buffer too small) /
 * TXP_ENOBUFS (pool has fewer free packets than needed). On error nothing is emitted; an ID
 * is consumed only when a pool buffer turns out too small.
 * Ownership: borrows. Thread-safety: per socket and generator. Complexity: O(l4len).
 */
int txp_ip_queue_xmit(struct txp_ip_sock *s, const struct txp_ip_route *rt, const uint8_t *l4,
                      size_t l4len, uint16_t segs, uint64_t now_ns, struct txp_ip_out *out);

/** txp_ip_udp_sendmsg() flag: more data follows (MSG_MORE). */
#define TXP_IP_MSG_MORE 0x1u

/**
 * udp_sendmsg: append @p len bytes to the pending datagram (starting one if none) and, unless
 * corked (UDP_CORK) or @p flags has TXP_IP_MSG_MORE, send it: UDP header and checksum, IP
 * header (DF as __ip_make_skb), ID, then fragments at the route MTU.
 * @param s socket (protocol UDP). @param rt route. @param data payload. @param len bytes.
 * @param flags TXP_IP_MSG_*. @param now_ns injected clock. @param out destination (out->n is
 * 0 when the data was only queued).
 * @return TXP_OK; TXP_EMSGSIZE (datagram over 65535, or over the MTU with DO/PROBE: the whole
 * pending datagram is discarded, as udp_flush_pending_frames); TXP_EINVAL (bad MTU, not UDP);
 * TXP_ENOSPC / TXP_ENOBUFS (output space: the pending datagram is discarded too).
 * Ownership: borrows @p data (copied). Thread-safety: per socket. Complexity: O(len + datagram).
 */
int txp_ip_udp_sendmsg(struct txp_ip_sock *s, const struct txp_ip_route *rt, const uint8_t *data,
                       size_t len, unsigned flags, uint64_t now_ns, struct txp_ip_out *out);

/**
 * setsockopt(UDP_CORK): on holds data; off sends what is pending (udp_push_pending_frames)
 * over the route of the cork's first append.
 * @param s socket. @param on new state. @param now_ns clock. @param out destination for a
 * flushed datagram (may be NULL only when nothing is pending).
 * @return TXP_OK; TXP_EINVAL (data pending and @p out NULL: nothing changes); or an error of
 * the flush as txp_ip_udp_sendmsg() (the pending datagram is then discarded).
 * Ownership: borrows. Thread-safety: per socket. Complexity: O(datagram).
 */
int txp_ip_udp_set_cork(struct txp_ip_sock *s, bool on, uint64_t now_ns, struct txp_ip_out *out);

/**
 * Bytes of UDP payload pending in the cork.
 * @param s socket. @return the count.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(1).
 */
size_t txp_ip_udp_pending(const struct txp_ip_sock *s);

#ifdef __cplusplus
}
#endif
#endif /* TXP_IP_H */
