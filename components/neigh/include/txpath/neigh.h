/* SPDX-License-Identifier: MIT */
/*
 * txpath neigh component: the IPv4 neighbour table (ARP) on the transmit side, as
 * net/core/neighbour.c and net/ipv4/arp.c do it: NUD states and their timers on an injected
 * clock, the unresolved queue, ARP requests/replies/probes/gratuitous ARP as Linux sends them,
 * ARP input per arp_process, garbage collection, and `ip neigh show` text.
 *
 * Times are nanoseconds of the caller's clock. The kernel's timers run in jiffies on a timer
 * wheel; this model fires each timer exactly at its time (see README: the wheel's rounding of
 * 1 s timers is up to 8 jiffies).
 */
#ifndef TXPATH_NEIGH_H
#define TXPATH_NEIGH_H

#include "txpath/alloc.h"
#include "txpath/err.h"
#include "txpath/pkt.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** NUD states (include/uapi/linux/neighbour.h), usable as bits. */
enum txp_neigh_state {
    TXP_NUD_NONE = 0x00,
    TXP_NUD_INCOMPLETE = 0x01,
    TXP_NUD_REACHABLE = 0x02,
    TXP_NUD_STALE = 0x04,
    TXP_NUD_DELAY = 0x08,
    TXP_NUD_PROBE = 0x10,
    TXP_NUD_FAILED = 0x20,
    TXP_NUD_NOARP = 0x40,
    TXP_NUD_PERMANENT = 0x80
};

/** State name as `ip neigh` prints it ("REACHABLE"); "NONE" for 0. */
const char *txp_neigh_state_name(unsigned state);

/** Per-device parameters: /proc/sys/net/ipv4/neigh/DEV/ and the arp_* of conf/DEV. */
struct txp_neigh_parms {
    uint64_t base_reachable_time_ns;    /**< 30 s */
    uint64_t retrans_time_ns;           /**< 1 s */
    uint64_t delay_first_probe_time_ns; /**< 5 s */
    uint64_t gc_stale_time_ns;          /**< 60 s */
    uint64_t locktime_ns;               /**< 1 s (locktime 100 cs) */
    uint32_t mcast_solicit;             /**< 3 */
    uint32_t ucast_solicit;             /**< 3 */
    uint32_t app_solicit;               /**< 0 */
    uint32_t mcast_resolicit;           /**< 0 */
    uint32_t unres_qlen_bytes;          /**< 212992 */
    int arp_announce;                   /**< 0, 1 or 2 */
    int arp_ignore;                     /**< 0, 1 or 8 (others act as 0) */
    int arp_accept;                     /**< 0, 1 or 2 */
    int arp_notify;                     /**< 0 or 1: gratuitous ARP when the device comes up */
};

/** Linux's defaults (arp_tbl, 6.18). */
void txp_neigh_parms_default(struct txp_neigh_parms *p);

#define TXP_NEIGH_MAX_ADDRS 8

/** A device the table resolves on. */
struct txp_neigh_dev {
    uint32_t ifindex;
    char name[16];
    uint8_t mac[6];
    int noarp; /**< IFF_NOARP or loopback: every entry NOARP with the device address */
    uint32_t naddr;
    uint32_t addr[TXP_NEIGH_MAX_ADDRS]; /**< IPv4 addresses, host order; the first is primary */
    uint8_t plen[TXP_NEIGH_MAX_ADDRS];
    struct txp_neigh_parms parms;
};

/** Where frames and dropped packets go. Both callbacks take ownership of the packet. */
struct txp_neigh_io {
    void *ctx;
    /** A frame (Ethernet header included) leaves on @p ifindex at @p now_ns. */
    void (*xmit)(void *ctx, uint32_t ifindex, struct txp_pkt *frame, uint64_t now_ns);
    /** @p p was dropped; p->meta.drop_reason says why; @p err is what the sender learns
     *  (TXP_EHOSTUNREACH for resolution failures, 0 when the sender is not told). */
    void (*drop)(void *ctx, struct txp_pkt *p, int err, uint64_t now_ns);
};

/** Table configuration. */
struct txp_neigh_config {
    uint32_t gc_thresh1, gc_thresh2, gc_thresh3; /**< 128, 512, 1024 */
    uint64_t seed;                               /**< reachable_time randomisation */
    struct txp_pkt_pool *pool;                   /**< ARP frames are allocated here */
    uint32_t truesize_overhead; /**< skb truesize = this + len rounded to 64 (768) */
    struct txp_neigh_io io;
};

/** Defaults: thresholds 128/512/1024, seed 0, truesize overhead 768; pool and io unset. */
void txp_neigh_config_default(struct txp_neigh_config *c);

struct txp_neigh;

/** Counters (NEIGH_CACHE_STAT and ARP input). */
struct txp_neigh_stats {
    uint64_t allocs, destroys, lookups, hits, res_failed, unres_discards, forced_gc_runs,
        periodic_gc_runs, table_fulls;
    uint64_t arp_tx_requests, arp_tx_replies, arp_rx, arp_rx_replies, arp_rx_requests;
    uint64_t arp_rx_bad;         /**< malformed ARP frames (wrong lengths, types, ops) */
    uint64_t arp_rx_not_for_us;  /**< unicast to another MAC (PACKET_OTHERHOST) */
    uint64_t arp_rx_unsolicited; /**< replies/requests about unknown neighbours, not accepted */
    uint64_t arp_rx_ignored;     /**< loopback/multicast targets, arp_ignore */
    uint64_t sent;               /**< data packets that left with a header */
    uint64_t drop_reason[TXP_DROP__COUNT];
};

/** What txp_neigh_lookup reports. */
struct txp_neigh_info {
    unsigned state;
    uint8_t mac[6];
    uint32_t probes;
    uint32_t queue_len, queue_bytes;
    uint64_t confirmed_ns, updated_ns, used_ns;
    uint64_t timer_ns; /**< UINT64_MAX when no timer */
};

/**
 * Create a table. @p cfg->pool is required (ARP frames), io callbacks are required.
 * @return TXP_OK, TXP_EINVAL, TXP_ENOMEM. Ownership: *out owned; txp_neigh_destroy().
 */
int txp_neigh_create(const struct txp_neigh_config *cfg, const struct txp_alloc *a,
                     struct txp_neigh **out);

/** Destroy: queued packets are dropped through io.drop (reason NEIGH_DEAD). */
void txp_neigh_destroy(struct txp_neigh *n, uint64_t now_ns);

/**
 * Add a device (it comes up at @p now_ns: with arp_notify, a gratuitous ARP per address).
 * Its reachable_time is drawn from the seeded PRNG in [base/2, 3*base/2).
 * @return TXP_OK, TXP_EEXIST, TXP_EINVAL, TXP_ENOMEM.
 */
int txp_neigh_dev_add(struct txp_neigh *n, const struct txp_neigh_dev *dev, uint64_t now_ns);

/**
 * Set a parameter as `sysctl net.ipv4.neigh.DEV.NAME=value` (or net.ipv4.conf.DEV.arp_*):
 * base_reachable_time_ms, base_reachable_time (s), retrans_time_ms, retrans_time (1/100 s),
 * delay_first_probe_time (s), gc_stale_time (s), locktime (1/100 s), mcast_solicit,
 * ucast_solicit, app_solicit, mcast_resolicit, unres_qlen_bytes, unres_qlen (packets of 256
 * bytes' truesize), arp_announce, arp_ignore, arp_accept, arp_notify; and, as a txpath
 * extension for reproducible tests, reachable_time_ms (pins the randomised reachable_time
 * until the next re-randomisation).
 * @return TXP_OK, TXP_ENOENT (device or name), TXP_ERANGE.
 */
int txp_neigh_set_param(struct txp_neigh *n, uint32_t ifindex, const char *name, int64_t value,
                        uint64_t now_ns);

/** The table's reachable_time for @p ifindex (the randomised value). @return ns or 0. */
uint64_t txp_neigh_reachable_time(const struct txp_neigh *n, uint32_t ifindex);

/**
 * Send an IPv4 packet (data starts at the IPv4 header) to @p nexthop on @p ifindex
 * (neigh_output / neigh_resolve_output). Resolved: the Ethernet header is pushed and the frame
 * leaves through io.xmit now. Unresolved: the packet is queued and ARP starts.
 * @return TXP_OK (sent or queued: the packet is consumed), or a negative error after the
 * packet went to io.drop (no device: TXP_ENOENT; table full: TXP_ENOBUFS; no probes allowed:
 * TXP_EHOSTUNREACH).
 */
int txp_neigh_output(struct txp_neigh *n, struct txp_pkt *p, uint32_t ifindex, uint32_t nexthop,
                     uint64_t now_ns);

/**
 * A received frame (Ethernet, any type; only ARP is processed) on @p ifindex.
 * @return TXP_OK (processed), TXP_EBADMSG (malformed: counted), TXP_EAGAIN (ignored: not
 * ARP, not for us, unsolicited: counted).
 */
int txp_neigh_input(struct txp_neigh *n, const uint8_t *frame, size_t len, uint32_t ifindex,
                    uint64_t now_ns);

/**
 * Fire every timer due at or before @p now_ns, in time order (entry timers, garbage
 * collection every base_reachable_time/2, reachable_time re-randomised every 300 s).
 * @return the time of the next timer, or UINT64_MAX.
 */
uint64_t txp_neigh_run_timers(struct txp_neigh *n, uint64_t now_ns);

/** The next timer without firing anything. */
uint64_t txp_neigh_next_timer(const struct txp_neigh *n);

/**
 * `ip neigh replace IP dev DEV [lladdr MAC] nud STATE` (admin update). @p mac may be NULL
 * (required for PERMANENT/NOARP/REACHABLE/STALE... as the kernel requires for valid states).
 * @return TXP_OK, TXP_ENOENT (device), TXP_EINVAL.
 */
int txp_neigh_add(struct txp_neigh *n, uint32_t ifindex, uint32_t ip, const uint8_t *mac,
                  unsigned state, uint64_t now_ns);

/** `ip neigh del`. @return TXP_OK or TXP_ENOENT. Queued packets are dropped (NEIGH_DEAD). */
int txp_neigh_del(struct txp_neigh *n, uint32_t ifindex, uint32_t ip, uint64_t now_ns);

/** Look an entry up. @return TXP_OK or TXP_ENOENT. */
int txp_neigh_lookup(const struct txp_neigh *n, uint32_t ifindex, uint32_t ip,
                     struct txp_neigh_info *out);

/** Number of entries. */
uint32_t txp_neigh_count(const struct txp_neigh *n);

/**
 * Print the table as `ip neigh show` (@p all = `ip neigh show nud all`), sorted by device
 * index then address (the kernel prints hash order). Lines end with the same trailing space.
 * @return bytes wanted (snprintf semantics).
 */
int txp_neigh_format(const struct txp_neigh *n, int all, char *buf, size_t cap);

/**
 * Load `ip neigh show` lines ("IP dev DEV [lladdr MAC] [router] STATE") as admin entries.
 * All-or-nothing; errors give @p file, line and column.
 * @return TXP_OK, TXP_EBADMSG, TXP_ENOMEM.
 */
int txp_neigh_load(struct txp_neigh *n, const char *text, size_t len, const char *file,
                   uint64_t now_ns, struct txp_diag *d);

/** Counters. */
const struct txp_neigh_stats *txp_neigh_get_stats(const struct txp_neigh *n);

#ifdef __cplusplus
}
#endif
#endif /* TXPATH_NEIGH_H */
