/* SPDX-License-Identifier: MIT */
/* txpath pkt: the packet buffer (an skb-like view with head/tailroom and metadata) and its pool. */
#ifndef TXP_PKT_H
#define TXP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txpath/alloc.h"
#include "txpath/be.h"
#include "txpath/csum.h"
#include "txpath/env.h"
#include "txpath/err.h"
#include "txpath/prot/arp.h"
#include "txpath/prot/dissect.h"
#include "txpath/prot/eth.h"
#include "txpath/prot/ip.h"
#include "txpath/prot/tcp.h"
#include "txpath/prot/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default headroom reserved by txp_pkt_alloc(): room for Ethernet + IPv4 (60) + TCP (60). */
#define TXP_PKT_HEADROOM 192
/** Largest buffer a pool hands out (an IPv4 datagram of 65535 plus headroom and L2). */
#define TXP_PKT_MAX_BUF (65535u + 1024u)

/** Metadata flags (txp_pkt_meta.flags). */
#define TXP_PKT_F_L4_CSUM_PARTIAL 0x0001u /**< L4 checksum left to the device (CSUM_PARTIAL) */
#define TXP_PKT_F_LOCAL_OUT 0x0002u       /**< locally generated (iptables owner match applies) */
#define TXP_PKT_F_GSO 0x0004u             /**< a super-segment to be split by GSO/TSO */
#define TXP_PKT_F_HAS_NEXTHOP 0x0008u     /**< meta.nexthop is set */
#define TXP_PKT_F_RAW_IP 0x0010u          /**< data starts at the IPv4 header (no L2 yet) */

/** Per-packet metadata, the parts of sk_buff the transmit path reads and writes. Host order. */
struct txp_pkt_meta {
    uint64_t tstamp_ns;   /**< injected-clock time the packet entered, or left, a stage */
    uint32_t priority;    /**< skb->priority (SO_PRIORITY or from TOS via ip_tos2prio) */
    uint32_t mark;        /**< skb->mark (SO_MARK, iptables MARK) */
    uint32_t nexthop;     /**< IPv4 next hop (gateway or destination), host order */
    uint32_t flow_id;     /**< caller-defined flow identifier (socket, hash) */
    uint32_t uid;         /**< owner uid for locally generated packets */
    uint32_t gid;         /**< owner gid */
    uint32_t out_ifindex; /**< output device index; 0 = not yet routed */
    uint16_t l2_off;      /**< offsets from the data start of each header; 0xFFFF = absent */
    uint16_t l3_off;
    uint16_t l4_off;
    uint16_t gso_size;    /**< MSS for a GSO super-segment, else 0 */
    uint16_t flags;       /**< TXP_PKT_F_* */
    uint16_t drop_reason; /**< enum txp_drop_reason; TXP_DROP_NOT_DROPPED while alive */
    uint8_t tos;          /**< IPv4 TOS byte the packet carries or will carry */
    uint8_t stage;        /**< index of the pipeline stage that last handled it */
};

struct txp_pkt_pool;
struct txp_pkt;

/**
 * An external buffer that a pool packet can borrow instead of its own (txp_pkt_attach_ext()):
 * the zero-copy transmit of components/tcp points a packet at payload that stays in the
 * socket's write queue, as Linux's tcp_transmit_skb sends a clone sharing the skb's data.
 * The owner embeds this closure and is told, exactly once per attach, when the packet lets go
 * of the buffer: at txp_pkt_free() or when txp_pkt_unshare() gives it a private copy.
 */
struct txp_pkt_ext {
    /** Called with the packet still pointing at the external buffer. Required. */
    void (*release)(struct txp_pkt_ext *self, struct txp_pkt *p);
};

/**
 * A packet: a window [data_off, data_off + len) into a buffer of buf_size bytes. Fields are
 * public for speed and for tests; change them only through the functions below.
 */
struct txp_pkt {
    uint8_t *buf;              /**< storage (borrowed from the pool or the caller) */
    uint32_t buf_size;         /**< bytes of storage */
    uint32_t data_off;         /**< offset of the first data byte = headroom */
    uint32_t len;              /**< bytes of data */
    struct txp_pkt_meta meta;  /**< metadata */
    struct txp_pkt *next;      /**< link for whoever holds the packet in a queue (one at a time) */
    struct txp_pkt_pool *pool; /**< owning pool, or NULL for a caller-memory packet */
    struct txp_pkt_ext *ext;   /**< external buffer borrowed (txp_pkt_shared()), else NULL */
};

/**
 * Make @p p a view over caller memory @p buf of @p size bytes with @p headroom reserved and
 * no data. Metadata is zeroed with l2/l3/l4 offsets absent.
 * @return TXP_OK, or TXP_EINVAL when headroom > size or size > UINT32_MAX.
 * Ownership: borrows @p buf for the packet's life. Thread-safety: per packet. Complexity: O(1).
 */
int txp_pkt_init(struct txp_pkt *p, uint8_t *buf, size_t size, size_t headroom);

/** @return pointer to the first data byte. Complexity: O(1). */
static inline uint8_t *
txp_pkt_data(const struct txp_pkt *p)
{
    return p->buf + p->data_off;
}

/** @return bytes free before the data. Complexity: O(1). */
static inline uint32_t
txp_pkt_headroom(const struct txp_pkt *p)
{
    return p->data_off;
}

/** @return bytes free after the data. Complexity: O(1). */
static inline uint32_t
txp_pkt_tailroom(const struct txp_pkt *p)
{
    return p->buf_size - p->data_off - p->len;
}

/**
 * Prepend @p n bytes (skb_push).
 * @return pointer to the new first byte, or NULL (packet unchanged) if headroom < n.
 * Complexity: O(1).
 */
uint8_t *txp_pkt_push(struct txp_pkt *p, uint32_t n);

/**
 * Remove @p n bytes from the front (skb_pull).
 * @return pointer to the new first byte, or NULL (packet unchanged) if len < n.
 * Complexity: O(1).
 */
uint8_t *txp_pkt_pull(struct txp_pkt *p, uint32_t n);

/**
 * Append @p n bytes at the end (skb_put); the bytes are not initialised. A shared packet is
 * first given a private copy (txp_pkt_unshare()), so the tailroom is its own buffer's.
 * @return pointer to the first appended byte, or NULL (packet unchanged) if tailroom < n.
 * Complexity: O(1), O(len) when the packet was shared.
 */
uint8_t *txp_pkt_put(struct txp_pkt *p, uint32_t n);

/**
 * Append a copy of @p n bytes from @p src.
 * @return TXP_OK or TXP_ENOSPC (packet unchanged). Ownership: borrows @p src. Complexity: O(n).
 */
int txp_pkt_append(struct txp_pkt *p, const void *src, uint32_t n);

/**
 * Cut the data to @p len bytes (skb_trim); no-op if already shorter.
 * Complexity: O(1).
 */
void txp_pkt_trim(struct txp_pkt *p, uint32_t len);

/**
 * Move the data window so that @p headroom bytes precede it (only when len == 0; skb_reserve).
 * A shared packet is first given its own buffer back.
 * @return TXP_OK, TXP_EINVAL if data is present, TXP_ENOSPC if the buffer is too small.
 * Complexity: O(1).
 */
int txp_pkt_reserve(struct txp_pkt *p, uint32_t headroom);

/** @return true while @p p borrows an external buffer (skb_cloned). Complexity: O(1). */
static inline bool
txp_pkt_shared(const struct txp_pkt *p)
{
    return p->ext != NULL;
}

/**
 * Point the empty pool packet @p p at external memory: its data becomes
 * [@p buf + @p data_off, + @p len), with @p data_off bytes of headroom and no tailroom. The
 * bytes before @p buf + @p data_off are the packet's headroom (headers may be pushed there);
 * the data bytes stay the owner's and must not be written through @p p: writers call
 * txp_pkt_unshare() first (txp_pkt_put() and txp_pkt_reserve() do it themselves).
 * @p data_off + @p len must fit the packet's own buffer, so a private copy always fits.
 * @return TXP_OK; TXP_EINVAL if @p p is not a pool packet, holds data, is already shared or
 * @p ext has no release; TXP_ENOSPC (packet unchanged) if the window would not fit its own
 * buffer.
 * Ownership: borrows @p buf and @p ext until @p ext->release is called, exactly once, at
 * txp_pkt_free() or txp_pkt_unshare(). Thread-safety: per packet. Complexity: O(1).
 */
int txp_pkt_attach_ext(struct txp_pkt *p, struct txp_pkt_ext *ext, uint8_t *buf, uint32_t data_off,
                       uint32_t len);

/**
 * Give a shared packet a private copy (skb_unshare / skb_ensure_writable): its data window is
 * copied to the same offsets of its own pool buffer, the owner's release hook runs, and the
 * packet is an ordinary pool packet again. A packet that is not shared is left alone. Cannot
 * fail: txp_pkt_attach_ext() checked that the window fits, and push/pull/trim keep it inside.
 * Ownership: borrows @p p. Thread-safety: per packet. Complexity: O(len) when shared, else O(1).
 */
void txp_pkt_unshare(struct txp_pkt *p);

/** Create-time parameters of a packet pool. */
struct txp_pkt_pool_config {
    uint32_t count;    /**< number of packets */
    uint32_t buf_size; /**< bytes of storage per packet, 64 ... TXP_PKT_MAX_BUF */
};

/**
 * Bytes of memory a pool with @p cfg needs for txp_pkt_pool_init().
 * @return the size, or 0 if @p cfg is invalid. Complexity: O(1).
 */
size_t txp_pkt_pool_memsize(const struct txp_pkt_pool_config *cfg);

/**
 * Build a pool inside caller memory @p mem of @p len bytes (at least memsize, 64-byte aligned).
 * @return TXP_OK or TXP_EINVAL. Ownership: borrows @p mem until the pool is no longer used.
 * Thread-safety: per pool. Complexity: O(count).
 */
int txp_pkt_pool_init(void *mem, size_t len, const struct txp_pkt_pool_config *cfg,
                      struct txp_pkt_pool **out);

/**
 * Allocate a pool through @p a (NULL = malloc).
 * @return TXP_OK, TXP_EINVAL or TXP_ENOMEM. Ownership: *out is owned; free with
 * txp_pkt_pool_destroy(). Thread-safety: per pool. Complexity: O(count).
 */
int txp_pkt_pool_create(const struct txp_pkt_pool_config *cfg, const struct txp_alloc *a,
                        struct txp_pkt_pool **out);

/**
 * Destroy a pool from txp_pkt_pool_create(). NULL is a no-op. Packets still out are invalid.
 * Ownership: consumes the pool. Complexity: O(1).
 */
void txp_pkt_pool_destroy(struct txp_pkt_pool *pool);

/**
 * Take a packet from the pool with TXP_PKT_HEADROOM (or less, if the buffer is small) reserved,
 * no data and zeroed metadata.
 * @return the packet, or NULL when the pool is empty (not an error: count the drop).
 * Ownership: returns owned; give it back with txp_pkt_free(). Complexity: O(1).
 */
struct txp_pkt *txp_pkt_alloc(struct txp_pkt_pool *pool);

/**
 * Return a packet to its pool. NULL and caller-memory packets (pool == NULL) are no-ops. A
 * shared packet's external buffer is released first (its owner's hook runs).
 * Ownership: consumes @p p. Complexity: O(1) plus the release hook.
 */
void txp_pkt_free(struct txp_pkt *p);

/**
 * Copy @p p (data, headroom size, metadata) into a new packet from @p pool. The copy of a
 * shared packet is not shared.
 * @return the copy, or NULL if the pool is empty or its buffers are too small.
 * Ownership: borrows @p p; returns owned. Complexity: O(len).
 */
struct txp_pkt *txp_pkt_clone(struct txp_pkt_pool *pool, const struct txp_pkt *p);

/** @return packets currently allocated from @p pool. Complexity: O(1). */
uint32_t txp_pkt_pool_in_use(const struct txp_pkt_pool *pool);

/** @return packets the pool holds in all. Complexity: O(1). */
uint32_t txp_pkt_pool_count(const struct txp_pkt_pool *pool);

/** Pool counters (txp_pkt_pool_stats()). */
struct txp_pkt_pool_stats {
    uint32_t count;       /**< packets the pool holds */
    uint32_t in_use;      /**< packets currently allocated */
    uint32_t high_water;  /**< largest in_use seen */
    uint64_t allocs;      /**< successful txp_pkt_alloc() and txp_pkt_clone() */
    uint64_t frees;       /**< packets returned with txp_pkt_free() */
    uint64_t alloc_fails; /**< allocations and clones refused because the pool was empty */
    uint32_t shared;      /**< packets currently borrowing an external buffer (in in_use too) */
    uint64_t attaches;    /**< successful txp_pkt_attach_ext() */
    uint64_t unshares;    /**< private copies made by txp_pkt_unshare() (also from put) */
};

/**
 * Read the pool's counters.
 * @param pool the pool. @param out filled with the counters.
 * Ownership: borrows both. Thread-safety: per pool. Complexity: O(1).
 */
void txp_pkt_pool_stats(const struct txp_pkt_pool *pool, struct txp_pkt_pool_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* TXP_PKT_H */
