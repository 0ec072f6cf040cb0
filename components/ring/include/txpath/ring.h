/* SPDX-License-Identifier: MIT */
/* txpath ring: an e1000-style TX descriptor ring, its device model, BQL and a qdisc_run model. */
#ifndef TXP_RING_H
#define TXP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "txpath/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of one legacy TX descriptor (e1000_tx_desc). */
#define TXP_RING_DESC_SIZE 16u
/** Default ring size (e1000 default of 256 descriptors). */
#define TXP_RING_DEFAULT_SIZE 256u
/** Smallest and largest ring size accepted (power of two). */
#define TXP_RING_MIN_SIZE 64u
#define TXP_RING_MAX_SIZE 4096u
/** Most bytes one data descriptor carries (E1000_MAX_DATA_PER_TXD). */
#define TXP_RING_MAX_DATA_PER_TXD 4096u
/** Fragments a packet may carry besides its linear part (MAX_SKB_FRAGS). */
#define TXP_RING_MAX_FRAGS 17u
/** Free descriptors at which the cleaner wakes a stopped queue (TX_WAKE_THRESHOLD). */
#define TXP_RING_WAKE_THRESHOLD 32u
/** Free descriptors below which the queue is stopped after a transmit (MAX_SKB_FRAGS + 7). */
#define TXP_RING_STOP_THRESHOLD (TXP_RING_MAX_FRAGS + 7u)
/** Shortest frame put on the wire; shorter ones are padded with zeros (ETH_ZLEN). */
#define TXP_RING_MIN_FRAME 60u
/** Link-layer header the MTU does not include (ETH_HLEN). */
#define TXP_RING_HDR_LEN 14u
/** Default MTU. */
#define TXP_RING_DEFAULT_MTU 1500u
/** Largest MTU accepted (e1000 jumbo maximum 16128 minus header and FCS). */
#define TXP_RING_MAX_MTU 16110u
/** Packets one qdisc run may send (dev_tx_weight = 64 x 1). */
#define TXP_RING_TX_WEIGHT 64u
/** Per-frame wire overhead used by the device model's rate: preamble 8 + FCS 4 + IFG 12. */
#define TXP_RING_WIRE_OVERHEAD 24u

/* Descriptor byte offsets (e1000_tx_desc, little-endian). */
#define TXP_RING_DESC_OFF_ADDR 0u     /**< buffer address, u64 */
#define TXP_RING_DESC_OFF_LEN 8u      /**< length, u16 */
#define TXP_RING_DESC_OFF_CSO 10u     /**< checksum offset, u8 */
#define TXP_RING_DESC_OFF_CMD 11u     /**< command, u8 */
#define TXP_RING_DESC_OFF_STATUS 12u  /**< status, u8 */
#define TXP_RING_DESC_OFF_CSS 13u     /**< checksum start, u8 */
#define TXP_RING_DESC_OFF_SPECIAL 14u /**< special / VLAN, u16 */

/* CMD byte bits (the 32-bit masks E1000_TXD_CMD_* shifted down by 24). */
#define TXP_RING_CMD_EOP 0x01u  /**< end of packet */
#define TXP_RING_CMD_IFCS 0x02u /**< insert FCS */
#define TXP_RING_CMD_IC 0x04u   /**< insert checksum */
#define TXP_RING_CMD_RS 0x08u   /**< report status (DD write-back) */
#define TXP_RING_CMD_RPS 0x10u  /**< report packet sent */
#define TXP_RING_CMD_DEXT 0x20u /**< descriptor extension */
#define TXP_RING_CMD_VLE 0x40u  /**< VLAN enable */
#define TXP_RING_CMD_IDE 0x80u  /**< interrupt delay enable */
/* STATUS byte bits. */
#define TXP_RING_STA_DD 0x01u /**< descriptor done */

/* Device register offsets the model exposes through txp_ring_reg_read(). */
#define TXP_RING_REG_TDLEN 0x3808u /**< ring length in bytes */
#define TXP_RING_REG_TDH 0x3810u   /**< head: advanced by the device */
#define TXP_RING_REG_TDT 0x3818u   /**< tail: written by the driver (the doorbell) */

/* Queue state bits (txp_ring_queue_state()). */
#define TXP_RING_XOFF_DRV 0x1u   /**< __QUEUE_STATE_DRV_XOFF: stopped by the driver */
#define TXP_RING_XOFF_STACK 0x2u /**< __QUEUE_STATE_STACK_XOFF: stopped by BQL */

/** The decoded fields of one descriptor (host order). */
struct txp_ring_desc {
    uint64_t addr;
    uint16_t length;
    uint8_t cso;
    uint8_t cmd;
    uint8_t status;
    uint8_t css;
    uint16_t special;
};

/**
 * Encode @p d into 16 bytes at @p out in the e1000 little-endian layout.
 * Ownership: borrows both. Thread-safety: safe. Complexity: O(1).
 */
void txp_ring_desc_encode(uint8_t out[TXP_RING_DESC_SIZE], const struct txp_ring_desc *d);

/**
 * Decode 16 bytes at @p in into @p d.
 * Ownership: borrows both. Thread-safety: safe. Complexity: O(1).
 */
void txp_ring_desc_decode(const uint8_t in[TXP_RING_DESC_SIZE], struct txp_ring_desc *d);

/** One extra data fragment of a packet (a page fragment of an skb). Borrowed until completion. */
struct txp_ring_frag {
    const uint8_t *data;
    uint32_t len;
};

/**
 * The backend the device model hands each frame to (closure struct). @p data is the whole
 * frame as the device gathered it (valid during the call only); @p ts_ns is the device-clock
 * time its last bit left. A negative return is counted (stats.backend_errors); the frame is
 * still completed, as a real NIC completes a frame the cable lost.
 */
struct txp_ring_backend {
    int (*fn)(struct txp_ring_backend *self, uint64_t ts_ns, const uint8_t *data, uint32_t len);
};

/** Gives a completed packet back to its owner (closure struct). */
struct txp_ring_done_cb {
    void (*fn)(struct txp_ring_done_cb *self, struct txp_pkt *p, uint64_t now_ns);
};

/** Events reported through txp_ring_event_cb. */
enum txp_ring_event {
    TXP_RING_EV_STOP,       /**< netif_stop_queue (DRV_XOFF set) */
    TXP_RING_EV_WAKE,       /**< netif_wake_queue (DRV_XOFF cleared) */
    TXP_RING_EV_STACK_XOFF, /**< BQL limit reached (STACK_XOFF set) */
    TXP_RING_EV_STACK_XON,  /**< BQL completion cleared STACK_XOFF */
};

/** Observer of queue events (closure struct); @p free_desc is the free count at the event. */
struct txp_ring_event_cb {
    void (*fn)(struct txp_ring_event_cb *self, enum txp_ring_event ev, uint64_t now_ns,
               uint32_t free_desc);
};

/** Name of an event ("stop", "wake", "stack_xoff", "stack_xon"). @return static string. */
const char *txp_ring_event_name(enum txp_ring_event ev);

/** Create-time parameters. Zero-initialise; zero fields take the defaults named here. */
struct txp_ring_config {
    uint32_t size;          /**< descriptors, a power of two in 64..4096 [256] */
    uint32_t mtu;           /**< device MTU 46..16110; frames up to mtu + 14 bytes [1500] */
    uint64_t link_bps;      /**< device rate in bits/s incl. wire overhead; 0 = instant */
    uint64_t bql_hold_ns;   /**< BQL slack hold time [1 s, HZ jiffies] */
    uint32_t bql_min_limit; /**< BQL lower bound [0] */
    uint32_t bql_max_limit; /**< BQL upper bound [0 = DQL_MAX_LIMIT] */
    bool bql_disable;       /**< no BQL: the stack is never stopped by byte count */
    bool int_delay;         /**< set IDE on the last descriptor (e1000 with TIDV != 0) */
    struct txp_ring_backend *backend; /**< where frames go; NULL = discarded */
    struct txp_ring_done_cb *done;    /**< completed packets; NULL = txp_pkt_free() */
    struct txp_ring_event_cb *events; /**< optional observer */
};

struct txp_ring;

/** Counters. Drops are indexed by enum txp_drop_reason. */
struct txp_ring_stats {
    uint64_t tx_packets;     /**< packets accepted by txp_ring_xmit */
    uint64_t tx_bytes;       /**< their bytes (after padding) */
    uint64_t tx_busy;        /**< TXP_EBUSY returns (NETDEV_TX_BUSY) */
    uint64_t doorbells;      /**< tail writes */
    uint64_t dev_frames;     /**< frames the device sent */
    uint64_t dev_bytes;      /**< their bytes */
    uint64_t backend_errors; /**< backend calls that failed */
    uint64_t clean_packets;  /**< packets completed by txp_ring_clean */
    uint64_t clean_bytes;
    uint64_t stops;      /**< DRV_XOFF set */
    uint64_t wakes;      /**< DRV_XOFF cleared */
    uint64_t stack_xoff; /**< STACK_XOFF set */
    uint64_t stack_xon;  /**< STACK_XOFF cleared */
    uint64_t padded;     /**< frames padded to 60 bytes */
    uint64_t drops;      /**< all drops */
    uint64_t drop_reason[TXP_DROP__COUNT];
};

/** BQL (struct dql) snapshot. */
struct txp_ring_bql {
    uint32_t limit;
    uint32_t num_queued;
    uint32_t num_completed;
    uint32_t adj_limit;
    uint32_t min_limit;
    uint32_t max_limit;
    int64_t avail; /**< adj_limit - num_queued (dql_avail) */
};

/**
 * Bytes of memory a ring with @p cfg needs for txp_ring_init().
 * @return the size, or 0 if @p cfg is invalid (size not a power of two in range, mtu < 46).
 * Thread-safety: safe. Complexity: O(1).
 */
size_t txp_ring_memsize(const struct txp_ring_config *cfg);

/**
 * Build a ring in caller memory @p mem of @p len bytes (at least memsize, 16-byte aligned).
 * @return TXP_OK or TXP_EINVAL. Ownership: borrows @p mem and the callbacks in @p cfg.
 * Thread-safety: one ring per thread. Complexity: O(size).
 */
int txp_ring_init(void *mem, size_t len, const struct txp_ring_config *cfg, struct txp_ring **out);

/**
 * Give back every packet still in the ring (through the done callback, at @p now_ns) and reset
 * it (netdev_tx_reset_queue). The memory stays the caller's.
 * Ownership: releases the packets. Thread-safety: per ring. Complexity: O(size).
 */
void txp_ring_fini(struct txp_ring *r, uint64_t now_ns);

/**
 * Allocate and initialise a ring through @p a (NULL = malloc).
 * @return TXP_OK, TXP_EINVAL or TXP_ENOMEM. Ownership: *out owned; free with txp_ring_destroy().
 * Thread-safety: safe. Complexity: O(size).
 */
int txp_ring_create(const struct txp_ring_config *cfg, const struct txp_alloc *a,
                    struct txp_ring **out);

/**
 * txp_ring_fini() at time 0 and free. NULL is a no-op.
 * Ownership: consumes @p r. Thread-safety: per ring. Complexity: O(size).
 */
void txp_ring_destroy(struct txp_ring *r);

/**
 * Transmit one packet (e1000_xmit_frame): the linear data of @p p and @p nfrags fragments.
 * Frames shorter than 60 bytes are padded with zeros (in @p p's tailroom when there are no
 * fragments and room, else with a descriptor pointing at the ring's zero block). The tail
 * doorbell is written unless @p more is set and the queue still runs (xmit_more).
 * @param r ring. @param p packet (data = Ethernet frame head). @param frags extra fragments
 * (may be NULL when @p nfrags is 0). @param nfrags count. @param more xmit_more hint.
 * @param now_ns injected clock.
 * @return TXP_OK (p taken until completion); TXP_EBUSY (fewer than count + 2 free: the queue
 * is stopped, p stays the caller's: requeue it); TXP_EMSGSIZE (frame > mtu + 14), TXP_EINVAL
 * (an empty linear part or fragment), TXP_ERANGE (more than TXP_RING_MAX_FRAGS fragments):
 * counted drops, p->meta.drop_reason set, p stays
 * the caller's, ring state unchanged.
 * Ownership: takes @p p and borrows @p frags' buffers until the done callback, on TXP_OK only.
 * Thread-safety: per ring. Complexity: O(descriptors).
 */
int txp_ring_xmit(struct txp_ring *r, struct txp_pkt *p, const struct txp_ring_frag *frags,
                  uint32_t nfrags, bool more, uint64_t now_ns);

/**
 * Write the tail register (TDT = next_to_use) now, e.g. to end an xmit_more batch that was
 * cut short. No-op if the tail is current.
 * Thread-safety: per ring. Complexity: O(1).
 */
void txp_ring_doorbell(struct txp_ring *r, uint64_t now_ns);

/**
 * Run the device model up to @p now_ns: from TDH towards TDT, one whole packet at a time,
 * as fast as the configured rate allows and at most @p max_frames frames (0 = no cap). For
 * each packet it gathers the descriptors' buffers, hands the frame to the backend, sets DD on
 * descriptors with RS and advances TDH.
 * @return frames sent. Thread-safety: per ring. Complexity: O(descriptors + bytes).
 */
uint32_t txp_ring_dev_run(struct txp_ring *r, uint64_t now_ns, uint32_t max_frames);

/**
 * Reclaim completed packets (e1000_clean_tx_irq): from next_to_clean, while the packet's EOP
 * descriptor has DD, zero its descriptors and give the packet back; then BQL completion and a
 * wake of a stopped queue when at least 32 descriptors are free.
 * @return packets reclaimed. Thread-safety: per ring. Complexity: O(descriptors reclaimed).
 */
uint32_t txp_ring_clean(struct txp_ring *r, uint64_t now_ns);

/**
 * A packet source for the qdisc_run model (the qdisc side, a closure struct with two methods
 * and an optional third). dequeue returns an owned packet or NULL when empty; requeue takes a
 * packet back at the head (called in reverse order for several, so order is kept); drop
 * receives a packet the driver refused as bad (NULL = txp_pkt_free()).
 */
struct txp_ring_src {
    struct txp_pkt *(*dequeue)(struct txp_ring_src *self, uint64_t now_ns);
    void (*requeue)(struct txp_ring_src *self, struct txp_pkt *p);
    void (*drop)(struct txp_ring_src *self, struct txp_pkt *p, enum txp_drop_reason reason);
};

/** What a qdisc run did (txp_ring_qdisc_run()). */
struct txp_ring_run_result {
    uint32_t sent;     /**< packets the driver took */
    uint32_t requeued; /**< packets handed back after NETDEV_TX_BUSY */
    uint32_t dropped;  /**< packets the driver refused as bad */
    bool quota_used;   /**< stopped after TXP_RING_TX_WEIGHT packets (rescheduled) */
    bool stopped;      /**< stopped because the queue was stopped or frozen */
};

/**
 * __qdisc_run: dequeue from @p src and transmit until the source is empty, the queue stops, or
 * 64 packets went out. Bulk dequeue follows BQL's byte budget (dql_avail), with xmit_more set
 * inside a bulk; on TXP_EBUSY the rest is requeued and the tail doorbell flushed. Whenever
 * more work remains (quota used, requeue) the ring's schedule flag is set, as
 * __netif_schedule does; a wake or BQL XON sets it too.
 * @return TXP_OK. Ownership: packets pass from @p src to the ring. Thread-safety: per ring.
 * Complexity: O(packets).
 */
int txp_ring_qdisc_run(struct txp_ring *r, struct txp_ring_src *src, uint64_t now_ns,
                       struct txp_ring_run_result *res);

/**
 * net_tx_action for this ring: if the schedule flag is set, clear it and run the qdisc.
 * @return true if a run happened (then @p res is filled). Thread-safety: per ring.
 * Complexity: that of txp_ring_qdisc_run().
 */
bool txp_ring_tx_action(struct txp_ring *r, struct txp_ring_src *src, uint64_t now_ns,
                        struct txp_ring_run_result *res);

/*
 * Introspection. Each of these borrows the ring, runs on the ring's thread (per ring) and is
 * O(1) unless it says otherwise.
 */

/** @return true if a qdisc run is scheduled (__QDISC_STATE_SCHED). */
bool txp_ring_scheduled(const struct txp_ring *r);

/** @return free descriptors, as E1000_DESC_UNUSED (one slot always stays empty). */
uint32_t txp_ring_free_count(const struct txp_ring *r);

/** @return the TXP_RING_XOFF_* bits currently set. */
uint32_t txp_ring_queue_state(const struct txp_ring *r);

/** @return the ring size in descriptors. */
uint32_t txp_ring_size(const struct txp_ring *r);

/** @return next_to_use. */
uint32_t txp_ring_next_to_use(const struct txp_ring *r);

/** @return next_to_clean. */
uint32_t txp_ring_next_to_clean(const struct txp_ring *r);

/**
 * Read a device register (TXP_RING_REG_TDH, _TDT, _TDLEN).
 * @return its value, or UINT32_MAX for an unknown offset.
 */
uint32_t txp_ring_reg_read(const struct txp_ring *r, uint32_t reg);

/**
 * The 16 raw bytes of descriptor @p idx (masked to the ring size).
 * @return pointer into the ring, valid until the next call that changes the ring.
 */
const uint8_t *txp_ring_desc_raw(const struct txp_ring *r, uint32_t idx);

/** Copy the counters into @p out. Complexity: O(drop reasons). */
void txp_ring_stats(const struct txp_ring *r, struct txp_ring_stats *out);

/** Copy the BQL state into @p out. */
void txp_ring_bql(const struct txp_ring *r, struct txp_ring_bql *out);

/**
 * Print ring state (indices, registers, queue bits, BQL, in-flight descriptors) to @p f.
 * Ownership: borrows. Thread-safety: per ring. Complexity: O(size).
 */
void txp_ring_dump(FILE *f, const struct txp_ring *r);

/* ---------------------------------------------------------------- pcap file backend */

struct txp_ring_pcap;

/**
 * Open (truncate) a nanosecond-resolution Ethernet pcap file at @p path; its backend writes
 * each frame with the device-clock timestamp.
 * @return TXP_OK, TXP_EIO (cannot open or write) or TXP_ENOMEM.
 * Ownership: *out owned; close with txp_ring_pcap_close(). Thread-safety: per writer.
 * Complexity: O(1).
 */
int txp_ring_pcap_open(const char *path, const struct txp_alloc *a, struct txp_ring_pcap **out);

/**
 * @return the backend to put in txp_ring_config.backend.
 * Ownership: part of @p w, valid until it is closed. Thread-safety: per writer.
 * Complexity: O(1).
 */
struct txp_ring_backend *txp_ring_pcap_backend(struct txp_ring_pcap *w);

/**
 * Flush and close. NULL is a no-op returning TXP_OK.
 * @return TXP_OK or TXP_EIO (a write or the close failed).
 * Ownership: consumes @p w. Thread-safety: per writer. Complexity: O(1).
 */
int txp_ring_pcap_close(struct txp_ring_pcap *w);

/* ---------------------------------------------------------------- AF_PACKET backend (Linux) */

struct txp_ring_afpacket;

/**
 * Open a PACKET_TX_RING (TPACKET_V2, mmap) socket bound to interface @p ifname; its backend
 * puts each frame the device model emits onto that interface, in order, and waits until the
 * kernel has sent it. Needs CAP_NET_RAW.
 * @param ifname interface name. @param max_frame largest frame in bytes (60..16124), usually
 * the ring's mtu + 14. @param a allocator (NULL = malloc). @param out the backend state.
 * @return TXP_OK; TXP_EINVAL (arguments), TXP_ENOENT (no such interface), TXP_EPERM (no
 * permission), TXP_ENOMEM, TXP_EIO (another socket error).
 * Ownership: *out owned; close with txp_ring_afpacket_close(). Thread-safety: per socket.
 * Complexity: O(ring memory).
 */
int txp_ring_afpacket_open(const char *ifname, uint32_t max_frame, const struct txp_alloc *a,
                           struct txp_ring_afpacket **out);

/**
 * @return the backend to put in txp_ring_config.backend.
 * Ownership: part of @p s, valid until it is closed. Thread-safety: per socket.
 * Complexity: O(1).
 */
struct txp_ring_backend *txp_ring_afpacket_backend(struct txp_ring_afpacket *s);

/**
 * Frames handed to the kernel and frames refused or failed so far.
 * @param s the backend. @param sent filled with the sent count. @param errors filled with
 * the error count. Ownership: borrows. Thread-safety: per socket. Complexity: O(1).
 */
void txp_ring_afpacket_counts(const struct txp_ring_afpacket *s, uint64_t *sent, uint64_t *errors);

/**
 * Flush, unmap and close. NULL is a no-op returning TXP_OK.
 * @return TXP_OK or TXP_EIO. Ownership: consumes @p s. Thread-safety: per socket.
 * Complexity: O(1).
 */
int txp_ring_afpacket_close(struct txp_ring_afpacket *s);

/* ---------------------------------------------------------------- SPSC pointer ring */

/** Largest pointer ring (entries). */
#define TXP_RING_PTR_MAX (1u << 24)

/**
 * @internal A single-producer/single-consumer ring of pointers (the queue between the stack
 * and a driver thread). Exposed only so that the burst functions below can be inline; use the
 * functions, never the fields. Indices run freely modulo 2^32; count = prod_tail - cons_tail
 * is at most size. Producer and consumer state sit on separate 64-byte lines. The producer
 * keeps a cached copy of cons_tail and reads the shared one only when the cache says full;
 * the consumer reads prod_tail on every call (measured faster for short bursts than a cache
 * whose miss path runs whenever the ring is drained, as it is after every dequeue).
 */
struct txp_ring_ptr {
    /* producer line */
    uint32_t prod;                 /**< next slot to fill (producer-private, = prod_tail) */
    uint32_t prod_cons;            /**< producer's cached cons_tail */
    uint32_t pmask;                /**< size - 1 */
    uint32_t psize;                /**< size */
    const struct txp_alloc *alloc; /**< allocator of txp_ring_ptr_create(), else NULL */
    uint8_t owned;                 /**< from txp_ring_ptr_create() */
    uint8_t pad0[64 - 4 * 4 - sizeof(void *) - 1];
    uint32_t prod_tail; /**< published by the producer (release) */
    uint8_t pad1[60];
    /* consumer line */
    uint32_t cons;  /**< next slot to take (consumer-private, = cons_tail) */
    uint32_t cmask; /**< size - 1 */
    uint8_t pad2[56];
    uint32_t cons_tail; /**< published by the consumer (release) */
    uint8_t pad3[60];
    void *slot[]; /**< size entries */
};

/**
 * Bytes a pointer ring of @p count entries needs for txp_ring_ptr_init().
 * @return the size, or 0 if @p count is not a power of two in 2..TXP_RING_PTR_MAX.
 * Thread-safety: safe. Complexity: O(1).
 */
size_t txp_ring_ptr_memsize(uint32_t count);

/**
 * Build an empty pointer ring of @p count entries in caller memory @p mem (64-byte aligned,
 * at least memsize bytes).
 * @return TXP_OK or TXP_EINVAL. Ownership: borrows @p mem. Thread-safety: before sharing the
 * ring only. Complexity: O(1).
 */
int txp_ring_ptr_init(void *mem, size_t len, uint32_t count, struct txp_ring_ptr **out);

/**
 * Allocate and initialise a pointer ring through @p a (NULL = malloc).
 * @return TXP_OK, TXP_EINVAL or TXP_ENOMEM. Ownership: *out owned; free with
 * txp_ring_ptr_destroy(). Thread-safety: safe. Complexity: O(1).
 */
int txp_ring_ptr_create(uint32_t count, const struct txp_alloc *a, struct txp_ring_ptr **out);

/**
 * Free a ring from txp_ring_ptr_create(); the pointers still in it are not touched. NULL is a
 * no-op. Ownership: consumes @p r. Thread-safety: when neither side uses it. Complexity: O(1).
 */
void txp_ring_ptr_destroy(struct txp_ring_ptr *r);

/**
 * Entries currently in the ring, as seen from either side (a snapshot when both run).
 * @return the count. Thread-safety: safe. Complexity: O(1).
 */
uint32_t txp_ring_ptr_count(const struct txp_ring_ptr *r);

/**
 * @internal Copy @p n pointers (non-overlapping), four per step as DPDK's ring does, so that
 * short bursts avoid a memcpy call. Complexity: O(n).
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void
txp_ring__ptr_copy(void **restrict dst, void *const *restrict src, uint32_t n)
{
    uint32_t i = 0;
#if defined(__GNUC__)
    /* Plain 4-wide copies: vectorising this loop costs more set-up than short bursts save. */
#pragma GCC unroll 1
#endif
    for (; i + 4u <= n; i += 4u) {
        void *a = src[i], *b = src[i + 1u], *c = src[i + 2u], *d = src[i + 3u];
        dst[i] = a;
        dst[i + 1u] = b;
        dst[i + 2u] = c;
        dst[i + 3u] = d;
    }
    /* The 0..3 left over, unrolled: a loop here becomes a memmove call. */
    uint32_t left = n - i;
    if (left >= 1u)
        dst[i] = src[i];
    if (left >= 2u)
        dst[i + 1u] = src[i + 1u];
    if (left >= 3u)
        dst[i + 2u] = src[i + 2u];
}

/**
 * Enqueue up to @p n pointers from @p objs, as many as fit, in order.
 * @return the number enqueued (0..n). Ownership: the ring holds the pointers it took; the
 * rest stay the caller's. Thread-safety: one producer thread, concurrent with one consumer.
 * Complexity: O(n).
 */
static inline uint32_t
txp_ring_ptr_enqueue_burst(struct txp_ring_ptr *r, void *const *objs, uint32_t n)
{
    uint32_t prod = r->prod;
    uint32_t room = r->psize - (prod - r->prod_cons);
    if (room < n) {
        r->prod_cons = __atomic_load_n(&r->cons_tail, __ATOMIC_ACQUIRE);
        room = r->psize - (prod - r->prod_cons);
        if (room < n)
            n = room;
    }
    uint32_t idx = prod & r->pmask;
    uint32_t first = r->psize - idx;
    if (n == 1u) {
        r->slot[idx] = objs[0];
    } else if (first >= n) {
        txp_ring__ptr_copy(r->slot + idx, objs, n);
    } else {
        txp_ring__ptr_copy(r->slot + idx, objs, first);
        txp_ring__ptr_copy(r->slot, objs + first, n - first);
    }
    r->prod = prod + n;
    __atomic_store_n(&r->prod_tail, prod + n, __ATOMIC_RELEASE);
    return n;
}

/**
 * Dequeue up to @p n pointers into @p objs, oldest first.
 * @return the number dequeued (0..n). Ownership: returns the pointers to the caller.
 * Thread-safety: one consumer thread, concurrent with one producer. Complexity: O(n).
 */
static inline uint32_t
txp_ring_ptr_dequeue_burst(struct txp_ring_ptr *r, void **objs, uint32_t n)
{
    uint32_t cons = r->cons;
    uint32_t avail = __atomic_load_n(&r->prod_tail, __ATOMIC_ACQUIRE) - cons;
    if (avail < n)
        n = avail;
    uint32_t idx = cons & r->cmask;
    uint32_t first = r->cmask + 1u - idx;
    if (n == 1u) {
        objs[0] = r->slot[idx];
    } else if (first >= n) {
        txp_ring__ptr_copy(objs, r->slot + idx, n);
    } else {
        txp_ring__ptr_copy(objs, r->slot + idx, first);
        txp_ring__ptr_copy(objs + first, r->slot, n - first);
    }
    r->cons = cons + n;
    __atomic_store_n(&r->cons_tail, cons + n, __ATOMIC_RELEASE);
    return n;
}

#ifdef __cplusplus
}
#endif
#endif /* TXP_RING_H */
