/* SPDX-License-Identifier: MIT */
/*
 * The sending half of a Linux TCP connection (net/ipv4/tcp.c, tcp_output.c, tcp_input.c,
 * tcp_timer.c, tcp_cong.c), on an injected clock.
 *
 * Data structure:
 *
 *   data ring (sndbuf bytes)        byte index i = seq - (isn + 1), stored at ring[i % cap]
 *   payload slots (nslots)          [320 bytes headroom | payload ...], one skb's bytes from
 *                                   slot.seq0, plus a release hook and the packets sharing it;
 *                                   with gso_sw [320 | piece 0 | room | piece 1 | ...], pieces
 *                                   of one MSS, each with its partial sum in psum[]
 *   skb ring  (max_skbs entries)    q[qhead .. qhead+nsent)        retransmit queue (sent)
 *                                   q[qhead+nsent .. qhead+qlen)   write queue (unsent)
 *
 *   A data skb's bytes are in its slot (s->slot) or, when no slot was free, in the ring at
 *   their sequence positions (the ring keeps room for every queued byte, so the send buffer
 *   is exactly sndbuf bytes either way). sendmsg fills a slot with txp_csum_partial_copy and
 *   keeps the payload's partial sum (s->csum, the odd-offset rule on appends), the one pass
 *   over the bytes. transmit sends a whole, unsplit, untrimmed skb zero-copy when its slot is
 *   not shared: a pool packet borrows the slot (txp_pkt_attach_ext), the headers go in the
 *   slot's headroom, and the checksum is header + pseudo-header + the stored sum
 *   (tcp_transmit_skb's clone with skb->csum). Otherwise (a previous transmission still out,
 *   a split or partly acked skb, a ring skb) the payload is checksum-copied into a fresh
 *   packet, as pskb_copy. A slot is free again when no skb uses it and its packets are gone.
 *
 *   gso_sw (software GSO at transmit): a GSO skb leaves as its MSS-sized segments, exactly
 *   what txp_tcp_gso_segment makes of the super-segment. sendmsg fills the skb's pieces with
 *   txp_csum_copy_pieces (one sum per piece), and a whole skb goes out zero-copy one packet
 *   per piece: the headers, built once and patched per segment (seq, ID, length, flags,
 *   checksums), go in the room in front of each piece. Linux segments after the qdisc; here
 *   the socket does it, so per-segment work replaces the per-skb work of a socket without GSO.
 *
 *   snd_una <= snd_nxt <= write_seq; the sent skbs cover [snd_una, snd_nxt) exactly and the
 *   unsent ones [snd_nxt, write_seq). An skb is {seq, end_seq, flags, pcount, sacked bits,
 *   tx time}; SYN and FIN each take one sequence number and no ring byte.
 *
 * The bytes on the wire do not depend on where an skb's payload is kept or how it is sent.
 *
 * Entry points: txp_tcp_connect (tcp_connect), txp_tcp_input (tcp_rcv_synsent_state_process,
 * tcp_ack, RST), txp_tcp_sendmsg (tcp_sendmsg_locked, tcp_push), txp_tcp_shutdown
 * (tcp_send_fin), txp_tcp_abort (tcp_send_active_reset), txp_tcp_run_timers
 * (tcp_retransmit_timer, tcp_probe_timer), txp_tcp_tx_done (the TSQ completion handler).
 *
 * Modelled as Linux: MSS (tcp_mtu_to_mss, tcp_bound_to_half_wnd, floor 48), size_goal
 * (tcp_xmit_size_goal), tcp_write_xmit checks in order (cwnd quota with the half-cwnd GSO rule,
 * receive window on the first MSS, Nagle with Minshall's check, split point, tso_fragment flag
 * moves), PSH placement (tcp_mark_push, forced_push, PSH forced on GSO skbs), the probe timer
 * (a corked or window-blocked queue with nothing in flight), Reno slow start and congestion
 * avoidance with tcp_is_cwnd_limited, RTT estimation (RFC 6298 as tcp_rtt_estimator), RTO with
 * backoff, tcp_enter_loss (cwnd 1, ssthresh max(cwnd/2, 2), all in flight marked lost) and
 * retransmission of lost skbs, slow start after idle.
 *
 * Not modelled (see README): SACK scoreboard and fast retransmit, F-RTO and undo, tail loss
 * probes, pacing and TSO autosizing from the pacing rate (max_segs = gso_max_size / mss), TSO
 * deferral, tcp_grow_skb, MTU probing, ECN, urgent data, receive side.
 *
 * References: RFC 9293, RFC 7323 (timestamps, window scale), RFC 5681 (Reno), RFC 6298 (RTO),
 * RFC 896 and Minshall's draft (Nagle), ../shared/linux-facts.md section 1.
 */
#include "txpath/tcp.h"

#include <stdlib.h>
#include <string.h>

#include "txpath/be.h"
#include "txpath/csum.h"

#define NAGLE_OFF 1u
#define NAGLE_CORK 2u
#define NAGLE_PUSH 4u

#define SKB_RETRANS 0x1u
#define SKB_LOST 0x2u
#define SKB_EVER_RETRANS 0x4u

#define TIMER_NONE 0
#define TIMER_RTO 1
#define TIMER_PROBE0 2

#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull
#define IPV4_HLEN 20u
#define TCP_HLEN 20u
#define TCP_TS_ALIGNED 12u

#define SLOT_NONE UINT32_MAX
/* Payload offset inside a slot: room for a pool packet's headroom (TXP_PKT_HEADROOM) plus an
 * IPv4 header (20) and the largest TCP header (60), rounded up to a cache line. */
#define SLOT_PAYLOAD_OFF 320u
#define SLOT_ALIGN 64u
/* gso_sw: the smallest MSS whose pieces a slot is laid out for (at most 65 pieces, 384 bytes of
 * header room and alignment each); a smaller MSS keeps the payload contiguous (sent by copy). */
#define SW_PIECE_MIN 1024u
/* sendmsg prefetches the next skb's first bytes at most (the hardware streams the rest). */
#define PREFETCH_MAX 2048u

struct tcp_skb {
    uint32_t seq, end_seq;
    uint32_t pcount;
    uint32_t slot;  /* payload slot index, or SLOT_NONE: the bytes are in the ring */
    uint32_t csum;  /* partial sum of the payload [seq, end_seq) when csum_ok */
    uint8_t flags;  /* TXP_TCP_* (ACK, PSH, SYN, FIN) */
    uint8_t sacked; /* SKB_* */
    bool csum_ok;   /* contiguous slot: csum covers the whole payload (never split, trimmed
                     * or evicted); slot in pieces: the skb starts on a piece and every
                     * piece's sum covers the piece's bytes (splits and trims on pieces) */
    uint64_t tx_ns; /* last (re)transmission */
};

/*
 * A payload slot: one skb's bytes at SLOT_PAYLOAD_OFF of a fixed-size block, with headroom in
 * front for the headers of a zero-copy transmission (pool packets attached to the slot with
 * txp_pkt_attach_ext: one transmission at a time, as Linux copies a still-cloned skb; with
 * gso_sw that transmission is one packet per segment).
 *
 * Layouts: contiguous (piece == 0), the payload in one run; or in pieces of `piece` bytes (the
 * MSS when the skb was started, gso_sw only), piece k at SLOT_PAYLOAD_OFF + k * piece_stride,
 * each behind its own SLOT_PAYLOAD_OFF bytes of header room, with the partial sum of each
 * piece kept in psum[] (sk->psum + slot * sk->maxp). Piece 0 is where the contiguous payload
 * starts, so a one-segment skb looks the same in both.
 */
struct tcp_slot {
    struct txp_pkt_ext ext;  /* release hook of the attached transmissions */
    struct txp_tcp_sock *sk; /* back pointer for the hook */
    uint32_t clones;         /* packets sharing the slot's bytes */
    uint32_t seq0;           /* sequence number of the slot's first payload byte */
    uint32_t refs;           /* skbs whose bytes live here (the halves of a split share it) */
    uint32_t piece;          /* payload bytes per piece, 0 = contiguous */
    uint32_t stride;         /* bytes from one piece to the next */
    uint32_t cap;            /* payload bytes the slot holds from seq0 */
    uint32_t next_free;      /* free list link */
};

/* gso_sw: one piece of a slot, with the release hook of the packets sharing it (so the hook
 * knows the piece without computing it from the packet's address). */
struct tcp_piece {
    struct txp_pkt_ext ext; /* release hook of the packets attached to this piece */
    struct tcp_slot *sl;    /* its slot */
    uint32_t clones;        /* packets sharing the piece */
};

struct txp_tcp_sock {
    struct txp_tcp_config cfg;
    const struct txp_alloc *a;
    enum txp_tcp_state state;
    uint32_t snd_una, snd_nxt, write_seq, pushed_seq, snd_sml, snd_wl1, snd_wnd, max_window;
    uint32_t rcv_nxt, rcv_wnd, high_seq, cwnd_usage_seq, ts_recent;
    uint32_t cwnd, ssthresh, cwnd_cnt, mss_cache, gso_segs;
    uint32_t packets_out, retrans_out, lost_out, max_packets_out, total_retrans;
    uint16_t mss_clamp, advmss, user_mss, tcp_header_len;
    uint8_t snd_wscale, rcv_wscale;
    bool ts_ok, sack_ok, wscale_ok, loss, is_cwnd_limited, tx_busy, fin_queued;
    unsigned nonagle;
    uint64_t rto_ns, srtt_us, mdev_us, mdev_max_us, rttvar_us;
    uint32_t rtt_seq, backoff;
    int timer;
    uint64_t timer_at, lsndtime;
    uint16_t ip_id;
    uint8_t *ring;
    uint32_t ring_cap, data_base;
    uint8_t *slot_mem; /* nslots x slot_size bytes */
    struct tcp_slot *slots;
    uint32_t nslots, slot_size, slot_cap, slot_free;
    uint32_t *psum;           /* gso_sw: nslots x maxp piece sums, else NULL */
    struct tcp_piece *pieces; /* gso_sw: nslots x maxp, else NULL */
    uint32_t maxp;            /* pieces a slot can have (gso_sw) */
    uint32_t zombie_out;      /* after txp_tcp_destroy: transmissions still sharing slots */
    bool zombie;
    struct tcp_skb *q;
    uint32_t qcap, qhead, qlen, nsent;
    struct txp_tcp_info st; /* counters only */
};

/* Sequence-space comparisons (before()/after() in include/net/tcp.h). */
static bool
seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool
seq_after(uint32_t a, uint32_t b)
{
    return seq_before(b, a);
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static struct tcp_skb *
skb_at(const struct txp_tcp_sock *sk, uint32_t i)
{
    /* qhead < qcap and i <= qlen <= qcap: one conditional subtraction instead of a division. */
    uint32_t k = sk->qhead + i;

    if (k >= sk->qcap)
        k -= sk->qcap;
    return &sk->q[k];
}

static struct tcp_skb *
send_head(const struct txp_tcp_sock *sk)
{
    return sk->nsent < sk->qlen ? skb_at(sk, sk->nsent) : NULL;
}

static struct tcp_skb *
write_tail(const struct txp_tcp_sock *sk)
{
    return sk->nsent < sk->qlen ? skb_at(sk, sk->qlen - 1) : NULL;
}

static uint32_t
skb_syn_fin(const struct tcp_skb *s)
{
    return ((s->flags & TXP_TCP_SYN) ? 1u : 0u) + ((s->flags & TXP_TCP_FIN) ? 1u : 0u);
}

static uint32_t
skb_len(const struct tcp_skb *s)
{
    return s->end_seq - s->seq - skb_syn_fin(s);
}

static uint32_t
wnd_end(const struct txp_tcp_sock *sk)
{
    return sk->snd_una + sk->snd_wnd;
}

static uint32_t
in_flight(const struct txp_tcp_sock *sk)
{
    return sk->packets_out - sk->lost_out + sk->retrans_out;
}

/* ---- MSS (tcp_output.c) ---------------------------------------------------------------- */

static uint32_t
mtu_to_mss(const struct txp_tcp_sock *sk, uint32_t pmtu)
{
    int64_t mss = (int64_t)pmtu - IPV4_HLEN - TCP_HLEN;

    if (mss > sk->mss_clamp)
        mss = sk->mss_clamp;
    if (mss < TXP_TCP_MIN_SND_MSS)
        mss = TXP_TCP_MIN_SND_MSS;
    /* The floor is applied before the regular options are taken off, as Linux does. */
    return (uint32_t)(mss - (int64_t)(sk->tcp_header_len - TCP_HLEN));
}

static uint32_t
bound_to_half_wnd(const struct txp_tcp_sock *sk, uint32_t pktsize)
{
    uint32_t cutoff = sk->max_window > TXP_TCP_MSS_DEFAULT ? sk->max_window >> 1 : sk->max_window;

    if (cutoff != 0 && pktsize > cutoff)
        return max_u32(cutoff, 68u - sk->tcp_header_len);
    return pktsize;
}

static void
sync_mss(struct txp_tcp_sock *sk)
{
    sk->mss_cache = bound_to_half_wnd(sk, mtu_to_mss(sk, sk->cfg.mtu));
}

/* tcp_current_mss: no SACK blocks are ever sent, so established options = tcp_header_len. */
static uint32_t
current_mss(const struct txp_tcp_sock *sk)
{
    return sk->mss_cache;
}

static uint32_t
xmit_size_goal(struct txp_tcp_sock *sk, uint32_t mss)
{
    uint32_t goal, want;

    if (sk->cfg.gso_max_size == 0)
        return mss;
    want = bound_to_half_wnd(sk, sk->cfg.gso_max_size);
    goal = sk->gso_segs * mss;
    if (want < goal || want >= goal + mss) {
        sk->gso_segs = min_u32(want / mss, sk->cfg.gso_max_segs);
        goal = sk->gso_segs * mss;
    }
    return max_u32(goal, mss);
}

/* tcp_tso_segs with an unpaced socket: gso_max_size / mss, at least tcp_min_tso_segs. */
static uint32_t
tso_segs(const struct txp_tcp_sock *sk, uint32_t mss)
{
    if (sk->cfg.gso_max_size == 0)
        return 1;
    return min_u32(max_u32(sk->cfg.gso_max_size / mss, 2), sk->cfg.gso_max_segs);
}

/* ---- options (tcp_options_write) ------------------------------------------------------- */

int
txp_tcp_options_size(const struct txp_tcp_optset *o)
{
    uint32_t n = 0;

    if (o->syn && o->mss)
        n += 4;
    if (o->ts)
        n += 12;
    if (o->syn && o->sack_perm && !o->ts)
        n += 4;
    if (o->syn && o->ws)
        n += 4;
    if (o->nsack > 0)
        n += 4 + 8u * o->nsack;
    if (n > TXP_TCP_OPT_MAX || o->nsack > TXP_TCP_MAX_SACK)
        return TXP_EMSGSIZE;
    return (int)n;
}

int
txp_tcp_options_write(uint8_t *buf, size_t cap, const struct txp_tcp_optset *o)
{
    int n = txp_tcp_options_size(o);
    uint8_t *p = buf;

    if (n < 0)
        return n;
    if (o->syn && o->ws && o->ws_val > TXP_TCP_MAX_WSCALE)
        return TXP_EINVAL;
    if ((size_t)n > cap)
        return TXP_ENOSPC;
    if (o->syn && o->mss) {
        p[0] = TXP_TCPOPT_MSS;
        p[1] = TXP_TCPOLEN_MSS;
        txp_store_be16(p + 2, o->mss_val);
        p += 4;
    }
    if (o->ts) {
        if (o->syn && o->sack_perm) {
            p[0] = TXP_TCPOPT_SACK_PERM;
            p[1] = TXP_TCPOLEN_SACK_PERM;
        } else {
            p[0] = TXP_TCPOPT_NOP;
            p[1] = TXP_TCPOPT_NOP;
        }
        p[2] = TXP_TCPOPT_TIMESTAMP;
        p[3] = TXP_TCPOLEN_TIMESTAMP;
        txp_store_be32(p + 4, o->tsval);
        txp_store_be32(p + 8, o->tsecr);
        p += 12;
    }
    if (o->syn && o->sack_perm && !o->ts) {
        p[0] = TXP_TCPOPT_NOP;
        p[1] = TXP_TCPOPT_NOP;
        p[2] = TXP_TCPOPT_SACK_PERM;
        p[3] = TXP_TCPOLEN_SACK_PERM;
        p += 4;
    }
    if (o->syn && o->ws) {
        p[0] = TXP_TCPOPT_NOP;
        p[1] = TXP_TCPOPT_WINDOW;
        p[2] = TXP_TCPOLEN_WINDOW;
        p[3] = o->ws_val;
        p += 4;
    }
    if (o->nsack > 0) {
        p[0] = TXP_TCPOPT_NOP;
        p[1] = TXP_TCPOPT_NOP;
        p[2] = TXP_TCPOPT_SACK;
        p[3] = (uint8_t)(2u + 8u * o->nsack);
        p += 4;
        for (uint8_t i = 0; i < o->nsack; i++) {
            txp_store_be32(p, o->sack[i][0]);
            txp_store_be32(p + 4, o->sack[i][1]);
            p += 8;
        }
    }
    return n;
}

/* ---- config and lifecycle -------------------------------------------------------------- */

void
txp_tcp_config_default(struct txp_tcp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->saddr = 0x0A000001u;
    cfg->daddr = 0x0A000002u;
    cfg->sport = 40000;
    cfg->dport = 5001;
    cfg->ttl = 64;
    cfg->mtu = 1500;
    cfg->opt_ts = true;
    cfg->opt_sack = true;
    cfg->opt_wscale = true;
    cfg->rcv_wscale = 7;
    cfg->rcv_space = 65536;
    cfg->sndbuf = 1u << 20;
    cfg->max_skbs = 4096;
    cfg->gso_max_size = 0;
    cfg->gso_max_segs = 65535;
}

static int
config_check(const struct txp_tcp_config *c)
{
    if (c->pool == NULL || c->out == NULL || c->out->fn == NULL)
        return TXP_EINVAL;
    if (c->mtu < 68 || c->mtu > 65535 || c->rcv_wscale > TXP_TCP_MAX_WSCALE)
        return TXP_EINVAL;
    if (c->user_mss != 0 && (c->user_mss < 88 || c->user_mss > 32767))
        return TXP_EINVAL;
    if (c->sndbuf == 0 || c->sndbuf > (64u << 20) || c->max_skbs < 4 || c->max_skbs > (1u << 24))
        return TXP_EINVAL;
    if (c->rcv_space == 0 || c->rcv_space > (1u << 30))
        return TXP_EINVAL;
    if (c->gso_max_size != 0 && (c->gso_max_size > 65536 || c->gso_max_segs < 2))
        return TXP_EINVAL;
    return TXP_OK;
}

/* ---- payload slots ------------------------------------------------------------------------ */

/*
 * Slot geometry: a slot holds the largest skb payload (size_goal <= max(mtu, gso_max_size))
 * behind SLOT_PAYLOAD_OFF bytes of headroom. There are enough slots for the send buffer twice
 * over in slot-sized pieces (plus a few), at most one per skb descriptor; when they run out an
 * skb keeps its bytes in the ring and is sent by copy, so the count changes speed, never output.
 */
static bool
gso_sw(const struct txp_tcp_config *cfg)
{
    return cfg->gso_sw && cfg->gso_max_size != 0;
}

static void
slots_size(const struct txp_tcp_config *cfg, uint32_t *nslots, uint32_t *size, uint32_t *cap,
           uint32_t *maxp)
{
    uint32_t c = max_u32(cfg->mtu, cfg->gso_max_size);
    uint32_t sz = SLOT_PAYLOAD_OFF + c;
    uint64_t n;

    *maxp = 0;
    if (gso_sw(cfg)) {
        *maxp = c / SW_PIECE_MIN + 1;
        sz += *maxp * (SLOT_PAYLOAD_OFF + SLOT_ALIGN);
    }
    sz = (sz + SLOT_ALIGN - 1) & ~(SLOT_ALIGN - 1);
    n = 2ull * cfg->sndbuf / sz + 8;
    *cap = c;
    *size = sz;
    *nslots = (uint32_t)(n < cfg->max_skbs ? n : cfg->max_skbs);
}

static void slot_release(struct txp_pkt_ext *self, struct txp_pkt *p);
static void piece_release(struct txp_pkt_ext *self, struct txp_pkt *p);

/* The last of a socket: its slots and its header (after the ring and the queue). */
static void
sock_free_slots(struct txp_tcp_sock *sk)
{
    const struct txp_alloc *a = sk->a;

    txp_free(a, sk->slot_mem);
    txp_free(a, sk->slots);
    txp_free(a, sk->psum);
    txp_free(a, sk->pieces);
    txp_free(a, sk);
}

static void
slots_init(struct txp_tcp_sock *sk)
{
    sk->slot_free = SLOT_NONE;
    for (uint32_t i = sk->nslots; i-- > 0;) {
        struct tcp_slot *sl = &sk->slots[i];
        sl->ext.release = slot_release;
        sl->sk = sk;
        sl->clones = 0;
        sl->refs = 0;
        sl->piece = 0;
        sl->next_free = sk->slot_free;
        sk->slot_free = i;
        for (uint32_t k = 0; k < sk->maxp; k++) {
            struct tcp_piece *pc = &sk->pieces[(size_t)i * sk->maxp + k];
            pc->ext.release = piece_release;
            pc->sl = sl;
            pc->clones = 0;
        }
    }
}

static uint8_t *
slot_payload(const struct txp_tcp_sock *sk, uint32_t i)
{
    return sk->slot_mem + (size_t)i * sk->slot_size + SLOT_PAYLOAD_OFF;
}

/* Payload byte @p off (counted from seq0) of slot @p i. */
static uint8_t *
slot_addr(const struct txp_tcp_sock *sk, uint32_t i, uint32_t off)
{
    const struct tcp_slot *sl = &sk->slots[i];
    uint8_t *b = slot_payload(sk, i);

    if (sl->piece == 0)
        return b + off;
    return b + (size_t)(off / sl->piece) * sl->stride + off % sl->piece;
}

/* The piece sums of slot @p i (gso_sw). */
static uint32_t *
slot_psum(const struct txp_tcp_sock *sk, uint32_t i)
{
    return sk->psum + (size_t)i * sk->maxp;
}

/* The pieces of slot @p i (gso_sw). */
static struct tcp_piece *
slot_pieces(const struct txp_tcp_sock *sk, uint32_t i)
{
    return sk->pieces + (size_t)i * sk->maxp;
}

/* No packet shares pieces [@p k, @p k + @p n) of slot @p i. */
static bool
pieces_free(const struct txp_tcp_sock *sk, uint32_t i, uint32_t k, uint32_t n)
{
    const struct tcp_piece *pc = slot_pieces(sk, i) + k;

    for (uint32_t j = 0; j < n; j++)
        if (pc[j].clones != 0)
            return false;
    return true;
}

/* Bytes of a run from slot offset @p off that stay in one piece, at most @p n. */
static uint32_t
slot_run(const struct tcp_slot *sl, uint32_t off, uint32_t n)
{
    return sl->piece == 0 ? n : min_u32(n, sl->piece - off % sl->piece);
}

static void
slot_maybe_free(struct txp_tcp_sock *sk, struct tcp_slot *sl)
{
    if (sl->refs == 0 && sl->clones == 0) {
        sl->next_free = sk->slot_free;
        sk->slot_free = (uint32_t)(sl - sk->slots);
    }
}

/* A pool packet sharing the slot let go of it (freed or unshared downstream). */
static void
slot_let_go(struct tcp_slot *sl)
{
    struct txp_tcp_sock *sk = sl->sk;

    sl->clones--;
    if (sk->zombie) {
        /* destroyed: the slots outlived the socket for the packets still out */
        if (--sk->zombie_out == 0)
            sock_free_slots(sk);
        return;
    }
    slot_maybe_free(sk, sl);
}

static void
slot_release(struct txp_pkt_ext *self, struct txp_pkt *p)
{
    (void)p;
    slot_let_go(TXP_CONTAINER_OF(self, struct tcp_slot, ext));
}

/* The same for a packet sharing one piece of a slot in pieces. */
static void
piece_release(struct txp_pkt_ext *self, struct txp_pkt *p)
{
    struct tcp_piece *pc = TXP_CONTAINER_OF(self, struct tcp_piece, ext);

    (void)p;
    TXP_ASSERT(pc->clones > 0);
    pc->clones--;
    slot_let_go(pc->sl);
}

/* An skb stops using its slot (acked, purged, or its bytes moved to the ring). */
static void
skb_slot_put(struct txp_tcp_sock *sk, struct tcp_skb *s)
{
    if (s->slot != SLOT_NONE) {
        struct tcp_slot *sl = &sk->slots[s->slot];
        sl->refs--;
        s->slot = SLOT_NONE;
        slot_maybe_free(sk, sl);
    }
}

int
txp_tcp_create(const struct txp_tcp_config *cfg, const struct txp_alloc *a,
               struct txp_tcp_sock **out)
{
    struct txp_tcp_sock *sk;
    int rc;

    if (cfg == NULL || out == NULL)
        return TXP_EINVAL;
    if ((rc = config_check(cfg)) != TXP_OK)
        return rc;
    sk = txp_alloc_mem(a, sizeof(*sk), _Alignof(struct txp_tcp_sock));
    if (sk == NULL)
        return TXP_ENOMEM;
    memset(sk, 0, sizeof(*sk));
    sk->a = a;
    slots_size(cfg, &sk->nslots, &sk->slot_size, &sk->slot_cap, &sk->maxp);
    sk->ring = txp_alloc_mem(a, cfg->sndbuf, 16);
    sk->q =
        txp_alloc_mem(a, (size_t)cfg->max_skbs * sizeof(struct tcp_skb), _Alignof(struct tcp_skb));
    sk->slot_mem = txp_alloc_mem(a, (size_t)sk->nslots * sk->slot_size, SLOT_ALIGN);
    sk->slots =
        txp_alloc_mem(a, (size_t)sk->nslots * sizeof(struct tcp_slot), _Alignof(struct tcp_slot));
    if (gso_sw(cfg)) {
        sk->psum =
            txp_alloc_mem(a, (size_t)sk->nslots * sk->maxp * sizeof(uint32_t), _Alignof(uint32_t));
        sk->pieces = txp_alloc_mem(a, (size_t)sk->nslots * sk->maxp * sizeof(struct tcp_piece),
                                   _Alignof(struct tcp_piece));
    }
    if (sk->ring == NULL || sk->q == NULL || sk->slot_mem == NULL || sk->slots == NULL ||
        (gso_sw(cfg) && (sk->psum == NULL || sk->pieces == NULL))) {
        txp_free(a, sk->ring);
        txp_free(a, sk->q);
        sock_free_slots(sk);
        return TXP_ENOMEM;
    }
    slots_init(sk);
    sk->cfg = *cfg;
    sk->ring_cap = cfg->sndbuf;
    sk->qcap = cfg->max_skbs;
    sk->state = TXP_TCP_CLOSED;
    sk->cwnd = TXP_TCP_INIT_CWND;
    sk->ssthresh = TXP_TCP_INFINITE_SSTHRESH;
    sk->rto_ns = TXP_TCP_RTO_INIT_NS;
    sk->mss_clamp = TXP_TCP_MSS_DEFAULT;
    sk->user_mss = cfg->user_mss;
    sk->mss_cache = TXP_TCP_MSS_DEFAULT;
    sk->tcp_header_len = TCP_HLEN;
    sk->gso_segs = 1;
    sk->nonagle = cfg->nodelay ? (NAGLE_OFF | NAGLE_PUSH) : 0;
    sk->ip_id = cfg->ip_id;
    sk->timer = TIMER_NONE;
    sk->timer_at = UINT64_MAX;
    *out = sk;
    return TXP_OK;
}

void
txp_tcp_destroy(struct txp_tcp_sock *sk)
{
    const struct txp_alloc *a;

    if (sk == NULL)
        return;
    a = sk->a;
    txp_free(a, sk->ring);
    txp_free(a, sk->q);
    sk->ring = NULL;
    sk->q = NULL;
    /* A transmission still sharing a slot may sit in a qdisc or on a TX ring, whose
     * descriptor holds the address of its bytes (a driver owns the skb until TX completion;
     * Linux frees shared data at the last reference, not with the socket). So the slots and
     * this header outlive the socket until the last such packet lets go (slot_release). */
    sk->zombie_out = 0;
    for (uint32_t i = 0; i < sk->nslots; i++)
        sk->zombie_out += sk->slots[i].clones;
    if (sk->zombie_out > 0) {
        sk->zombie = true;
        return;
    }
    sock_free_slots(sk);
}

const char *
txp_tcp_state_name(enum txp_tcp_state s)
{
    switch (s) {
    case TXP_TCP_CLOSED:
        return "CLOSED";
    case TXP_TCP_SYN_SENT:
        return "SYN_SENT";
    case TXP_TCP_ESTABLISHED:
        return "ESTABLISHED";
    case TXP_TCP_FIN_SENT:
        return "FIN_SENT";
    case TXP_TCP_RESET:
        return "RESET";
    default:
        return "?";
    }
}

/* ---- timers ------------------------------------------------------------------------------ */

static void
timer_set(struct txp_tcp_sock *sk, int kind, uint64_t at)
{
    sk->timer = kind;
    sk->timer_at = at;
}

static void
timer_clear(struct txp_tcp_sock *sk)
{
    sk->timer = TIMER_NONE;
    sk->timer_at = UINT64_MAX;
}

/* tcp_rearm_rto */
static void
rearm_rto(struct txp_tcp_sock *sk, uint64_t now)
{
    if (sk->packets_out == 0)
        timer_clear(sk);
    else
        timer_set(sk, TIMER_RTO, now + sk->rto_ns);
}

static uint64_t
probe0_base(const struct txp_tcp_sock *sk)
{
    return sk->rto_ns > TXP_TCP_RTO_MIN_NS ? sk->rto_ns : TXP_TCP_RTO_MIN_NS;
}

static uint64_t
probe0_when(const struct txp_tcp_sock *sk)
{
    uint64_t w = probe0_base(sk);

    for (uint32_t i = 0; i < sk->backoff && w < TXP_TCP_RTO_MAX_NS; i++)
        w <<= 1;
    return w < TXP_TCP_RTO_MAX_NS ? w : TXP_TCP_RTO_MAX_NS;
}

uint64_t
txp_tcp_next_timer(const struct txp_tcp_sock *sk)
{
    return sk->timer_at;
}

/* ---- transmit (__tcp_transmit_skb, ip_queue_xmit) -------------------------------------- */

static uint16_t
select_window(const struct txp_tcp_sock *sk, bool syn)
{
    uint32_t w = sk->rcv_wnd;

    if (syn)
        return (uint16_t)min_u32(w, 65535);
    if (sk->rcv_wscale != 0) {
        uint32_t unit = 1u << sk->rcv_wscale;
        /* __tcp_select_window rounds a scaled window up to the scale's granularity. */
        w = (w + unit - 1) & ~(unit - 1);
        if ((uint64_t)w > (65535ull << sk->rcv_wscale))
            w = (uint32_t)(65535ull << sk->rcv_wscale);
        return (uint16_t)(w >> sk->rcv_wscale);
    }
    return (uint16_t)min_u32(w, 65535);
}

/*
 * Copy [seq, seq+n) out of the send ring into @p dst and add it to the partial sum @p sum in
 * the same pass (the checksum copy: each payload byte is read once). The ring may wrap; a
 * second piece that starts at an odd offset is summed on its own and byte-swapped (RFC 1071:
 * the sum of byte-swapped words is the byte-swapped sum).
 */
static uint32_t
ring_copy_out_csum(const struct txp_tcp_sock *sk, uint32_t seq, uint8_t *dst, uint32_t n,
                   uint32_t sum)
{
    uint32_t pos = (seq - sk->data_base) % sk->ring_cap;
    uint32_t first = min_u32(n, sk->ring_cap - pos);

    sum = txp_csum_partial_copy(dst, sk->ring + pos, first, sum);
    if (first < n) {
        if ((first & 1u) == 0) {
            sum = txp_csum_partial_copy(dst + first, sk->ring, n - first, sum);
        } else {
            uint32_t s2 =
                0xFFFFu ^ txp_csum_fold(txp_csum_partial_copy(dst + first, sk->ring, n - first, 0));
            uint64_t acc = (uint64_t)sum + (((s2 & 0xFFu) << 8) | (s2 >> 8));
            sum = (uint32_t)((acc & 0xFFFFFFFFu) + (acc >> 32));
        }
    }
    return sum;
}

/* Add the partial sum @p add of a block that starts @p off bytes into the summed data. */
static uint32_t
csum_block_add(uint32_t sum, uint32_t add, uint32_t off)
{
    uint64_t acc;

    if (off & 1u) {
        uint32_t s2 = 0xFFFFu ^ txp_csum_fold(add);
        add = ((s2 & 0xFFu) << 8) | (s2 >> 8);
    }
    acc = (uint64_t)sum + add;
    return (uint32_t)((acc & 0xFFFFFFFFu) + (acc >> 32));
}

/*
 * Checksum-copy @p n payload bytes of @p s from sequence number @p seq, wherever they are
 * stored, to @p dst; @p sum covers what precedes dst (an even number of bytes).
 */
static uint32_t
skb_copy_out_csum(const struct txp_tcp_sock *sk, const struct tcp_skb *s, uint32_t seq,
                  uint8_t *dst, uint32_t n, uint32_t sum)
{
    if (s->slot != SLOT_NONE) {
        const struct tcp_slot *sl = &sk->slots[s->slot];
        uint32_t off = seq - sl->seq0;

        if (sl->piece == 0)
            return txp_csum_partial_copy(dst, slot_payload(sk, s->slot) + off, n, sum);
        for (uint32_t o = 0; o < n;) {
            uint32_t m = slot_run(sl, off + o, n - o);
            uint32_t add = txp_csum_partial_copy(dst + o, slot_addr(sk, s->slot, off + o), m, 0);

            sum = csum_block_add(sum, add, o);
            o += m;
        }
        return sum;
    }
    return ring_copy_out_csum(sk, seq, dst, n, sum);
}

/* The 16-bit halves of @p v, for a one's-complement sum. */
static uint32_t
csum_u32(uint32_t v)
{
    return (v >> 16) + (v & 0xFFFFu);
}

/* ~fold: the checksum field of a 32-bit one's-complement sum (txp_csum_fold, inline). */
static uint16_t
csum_fold_inline(uint32_t s)
{
    s = (s & 0xFFFFu) + (s >> 16);
    s = (s & 0xFFFFu) + (s >> 16);
    return (uint16_t)(0xFFFFu ^ s);
}

/* What the headers of a connection's segments share, and the sums of those words. */
struct hdr_base {
    uint32_t ip_sum;  /* IPv4 words but tot_len, id and the checksum */
    uint32_t tcp_sum; /* pseudo-header but the length, TCP words but seq and doff/flags */
};

/*
 * The headers of a segment without SYN (options: timestamps or none), written field by field
 * with their sums computed from the values rather than read back from the packet (reading back
 * bytes just stored stalls store forwarding). The bytes are exactly txp_ipv4_build's and
 * txp_tcp_build's for the same fields. hdrs_shared writes what every segment of a burst shares
 * (all but tot_len, id, the IPv4 checksum, seq, flags and the TCP checksum); hdrs_patch
 * writes the rest and returns the TCP partial sum: pseudo-header + header.
 */
static void
hdrs_shared(const struct txp_tcp_sock *sk, uint8_t *d, uint32_t hl, uint32_t ack, uint32_t tsval,
            struct hdr_base *b)
{
    uint8_t *t = d + IPV4_HLEN;
    uint16_t win = select_window(sk, false);

    d[TXP_IPV4_OFF_VIHL] = 0x45;
    d[TXP_IPV4_OFF_TOS] = sk->cfg.tos;
    txp_store_be16(d + TXP_IPV4_OFF_FRAG, TXP_IP_DF);
    d[TXP_IPV4_OFF_TTL] = sk->cfg.ttl;
    d[TXP_IPV4_OFF_PROTO] = TXP_IPPROTO_TCP;
    txp_store_be32(d + TXP_IPV4_OFF_SADDR, sk->cfg.saddr);
    txp_store_be32(d + TXP_IPV4_OFF_DADDR, sk->cfg.daddr);
    b->ip_sum = 0x4500u + sk->cfg.tos + TXP_IP_DF + ((uint32_t)sk->cfg.ttl << 8) + TXP_IPPROTO_TCP +
                csum_u32(sk->cfg.saddr) + csum_u32(sk->cfg.daddr);

    txp_store_be16(t + TXP_TCP_OFF_SPORT, sk->cfg.sport);
    txp_store_be16(t + TXP_TCP_OFF_DPORT, sk->cfg.dport);
    txp_store_be32(t + TXP_TCP_OFF_ACK, ack);
    t[TXP_TCP_OFF_DOFF] = (uint8_t)((hl / 4u) << 4);
    txp_store_be16(t + TXP_TCP_OFF_WINDOW, win);
    txp_store_be16(t + TXP_TCP_OFF_URG, 0);
    b->tcp_sum = txp_csum_pseudo_ipv4(sk->cfg.saddr, sk->cfg.daddr, TXP_IPPROTO_TCP, 0) +
                 sk->cfg.sport + sk->cfg.dport + csum_u32(ack) + win;
    if (hl > TCP_HLEN) {
        uint32_t tsecr = sk->ts_recent;
        t[TCP_HLEN + 0] = TXP_TCPOPT_NOP;
        t[TCP_HLEN + 1] = TXP_TCPOPT_NOP;
        t[TCP_HLEN + 2] = TXP_TCPOPT_TIMESTAMP;
        t[TCP_HLEN + 3] = TXP_TCPOLEN_TIMESTAMP;
        txp_store_be32(t + TCP_HLEN + 4, tsval);
        txp_store_be32(t + TCP_HLEN + 8, tsecr);
        b->tcp_sum += ((uint32_t)TXP_TCPOPT_NOP << 8 | TXP_TCPOPT_NOP) +
                      ((uint32_t)TXP_TCPOPT_TIMESTAMP << 8 | TXP_TCPOLEN_TIMESTAMP) +
                      csum_u32(tsval) + csum_u32(tsecr);
    }
}

static uint32_t
hdrs_patch(uint8_t *d, const struct hdr_base *b, uint32_t seq, uint8_t flags, uint32_t hl,
           uint32_t total, uint16_t id)
{
    uint8_t *t = d + IPV4_HLEN;

    txp_store_be16(d + TXP_IPV4_OFF_TOTLEN, (uint16_t)total);
    txp_store_be16(d + TXP_IPV4_OFF_ID, id);
    txp_store_be16(d + TXP_IPV4_OFF_CSUM, csum_fold_inline(b->ip_sum + total + id));
    txp_store_be32(t + TXP_TCP_OFF_SEQ, seq);
    t[TXP_TCP_OFF_FLAGS] = flags;
    return b->tcp_sum + (total - IPV4_HLEN) + csum_u32(seq) + ((hl / 4u) << 12 | flags);
}

static uint32_t
build_hdrs_fast(const struct txp_tcp_sock *sk, uint8_t *d, uint32_t seq, uint8_t flags, uint32_t hl,
                uint32_t total, uint32_t tsval)
{
    struct hdr_base b;

    hdrs_shared(sk, d, hl, (flags & TXP_TCP_ACK) ? sk->rcv_nxt : 0, tsval, &b);
    return hdrs_patch(d, &b, seq, flags, hl, total, sk->ip_id);
}

/* Free packets in the pool (gso_sw sends a GSO skb only when all its segments have one). */
static uint32_t
pool_room(const struct txp_tcp_sock *sk)
{
    return txp_pkt_pool_count(sk->cfg.pool) - txp_pkt_pool_in_use(sk->cfg.pool);
}

/*
 * gso_sw: transmit the GSO skb @p s (@p pcount > 1 segments of @p mss, from @p seq) as the
 * packets txp_tcp_gso_segment makes of the super-segment transmit() would build: IPv4 ID + i,
 * seq + i * mss, CWR on the first only, PSH (forced on a GSO skb) and FIN on the last only.
 * The headers are built once and copied into each segment with its own fields patched. When
 * the skb's piece sums are valid (csum_ok: it starts on a piece, cut and trimmed only on
 * pieces), its pieces are MSS-sized and no earlier transmission still shares one of them,
 * segment i borrows the skb's i-th piece (its headers go in the piece's header room) and its
 * checksum adds that piece's stored sum; otherwise each payload is checksum-copied. @return
 * TXP_ENOBUFS (nothing emitted) when the pool has fewer free packets than segments; else TXP_OK,
 * also when the output took packets from the pool meanwhile and the last segments could not be
 * built: those count in alloc_fails and are lost as a device drop is (the retransmission timer
 * recovers them).
 */
static int
transmit_sw(struct txp_tcp_sock *sk, const struct tcp_skb *s, uint32_t seq, uint8_t flags,
            uint32_t dlen, uint32_t pcount, uint32_t mss, uint64_t now)
{
    uint32_t hl = TCP_HLEN + (sk->ts_ok ? TCP_TS_ALIGNED : 0u);
    uint32_t hlen = IPV4_HLEN + hl;
    uint32_t tsval = (uint32_t)(now / NS_PER_MS) + sk->cfg.ts_offset;
    struct tcp_slot *sl = s->slot != SLOT_NONE ? &sk->slots[s->slot] : NULL;
    bool zc = sl != NULL && s->csum_ok && sl->piece == mss && seq == s->seq;
    uint32_t k0 = zc ? (seq - sl->seq0) / sl->piece : 0; /* the skb's first piece */
    uint8_t tmpl[IPV4_HLEN + TCP_HLEN + TCP_TS_ALIGNED];
    struct hdr_base b;
    uint32_t i;

    TXP_ASSERT(pcount == (dlen + mss - 1) / mss);
    /* A piece still shared by an earlier transmission keeps its headers: copy (pskb_copy). */
    zc = zc && pieces_free(sk, s->slot, k0, pcount);
    if (pool_room(sk) < pcount) {
        sk->st.alloc_fails++;
        return TXP_ENOBUFS;
    }
    hdrs_shared(sk, tmpl, hl, (flags & TXP_TCP_ACK) ? sk->rcv_nxt : 0, tsval, &b);
    flags |= TXP_TCP_PSH;
    for (i = 0; i < pcount; i++) {
        struct txp_pkt *p = txp_pkt_alloc(sk->cfg.pool);
        uint32_t off = i * mss;
        uint32_t m = min_u32(mss, dlen - off);
        uint32_t total = hlen + m;
        uint8_t fl = flags;
        uint8_t *d;
        uint32_t sum;

        if (p == NULL || txp_pkt_tailroom(p) < total) {
            txp_pkt_free(p);
            sk->st.alloc_fails += pcount - i;
            break;
        }
        if (i > 0)
            fl = (uint8_t)(fl & ~TXP_TCP_CWR);
        if (i + 1 < pcount)
            fl = (uint8_t)(fl & ~(TXP_TCP_PSH | TXP_TCP_FIN));
        if (zc) {
            uint32_t h = txp_pkt_headroom(p);
            uint8_t *hdr = slot_payload(sk, s->slot) + (size_t)(k0 + i) * sl->stride - hlen;

            struct tcp_piece *pc = &slot_pieces(sk, s->slot)[k0 + i];

            /* Cannot fail: a fresh pool packet whose buffer holds the window (checked). */
            (void)txp_pkt_attach_ext(p, &pc->ext, hdr - h, h, total);
            sl->clones++;
            pc->clones++;
        } else {
            (void)txp_pkt_put(p, total);
        }
        d = txp_pkt_data(p);
        if (hl > TCP_HLEN)
            memcpy(d, tmpl, IPV4_HLEN + TCP_HLEN + TCP_TS_ALIGNED);
        else
            memcpy(d, tmpl, IPV4_HLEN + TCP_HLEN);
        sum = hdrs_patch(d, &b, seq + off, fl, hl, total, sk->ip_id);
        if (zc)
            sum = csum_block_add(sum, slot_psum(sk, s->slot)[k0 + i], 0);
        else
            sum = skb_copy_out_csum(sk, s, seq + off, d + hlen, m, sum);
        txp_store_be16(d + IPV4_HLEN + TXP_TCP_OFF_CSUM, csum_fold_inline(sum));
        sk->ip_id++;
        p->meta.l3_off = 0;
        p->meta.l4_off = (uint16_t)IPV4_HLEN;
        p->meta.tos = sk->cfg.tos;
        p->meta.flags = TXP_PKT_F_RAW_IP | TXP_PKT_F_LOCAL_OUT;
        p->meta.tstamp_ns = now;
        sk->cfg.out->fn(sk->cfg.out, p, now);
    }
    sk->ip_id = (uint16_t)(sk->ip_id + (pcount - i)); /* lost segments keep their IDs */
    sk->st.segs_out += pcount;
    sk->st.data_segs_out += pcount;
    sk->lsndtime = now;
    sk->tx_busy = true;
    return TXP_OK;
}

/*
 * Whether the one-packet transmission of the csum_ok skb @p s (@p dlen bytes) can borrow its
 * slot: a contiguous slot that no packet shares, or the piece the skb starts on when dlen fits
 * in it and no packet shares it (*@p piece is that piece, 0 for a contiguous slot).
 */
static bool
slot_zc_one(const struct txp_tcp_sock *sk, const struct tcp_skb *s, uint32_t dlen, uint32_t *piece)
{
    const struct tcp_slot *sl = &sk->slots[s->slot];

    *piece = 0;
    if (sl->piece == 0)
        return sl->clones == 0;
    *piece = (s->seq - sl->seq0) / sl->piece;
    return dlen <= sl->piece && slot_pieces(sk, s->slot)[*piece].clones == 0;
}

/*
 * Build and emit one IPv4+TCP packet: seq, flags, the payload of @p s (dlen bytes; @p s may be
 * NULL when dlen is 0), pcount segments (GSO when > 1). A whole skb whose slot is not shared
 * goes out zero-copy: the packet borrows the slot, the headers go in the slot's headroom and
 * the checksum adds the payload sum stored by sendmsg (tcp_transmit_skb's clone, with
 * skb->csum). Otherwise the payload is checksum-copied into the packet (pskb_copy).
 * @return TXP_OK or TXP_ENOBUFS (nothing emitted).
 */
static int
transmit(struct txp_tcp_sock *sk, const struct tcp_skb *s, uint32_t seq, uint8_t flags,
         uint32_t dlen, uint32_t pcount, uint32_t mss, uint64_t now)
{
    struct txp_tcp_optset o;
    struct txp_tcp_hdr th;
    struct txp_pkt *p;
    uint8_t *d;
    bool syn = (flags & TXP_TCP_SYN) != 0, zc = false, fast;
    uint32_t zk = 0; /* zero-copy from a slot in pieces: the piece */
    uint32_t hl, total, sum;
    uint32_t tsval = (uint32_t)(now / NS_PER_MS) + sk->cfg.ts_offset;

    if (pcount > 1 && sk->psum != NULL)
        return transmit_sw(sk, s, seq, flags, dlen, pcount, mss, now);
    if (pcount > 1)
        flags |= TXP_TCP_PSH; /* GSO skbs always carry PSH (GRO flush at the receiver) */
    /* Established segments carry timestamps or nothing (no SACK blocks are ever sent). */
    hl = TCP_HLEN + (sk->ts_ok ? TCP_TS_ALIGNED : 0u);
    fast = !syn && (uint64_t)IPV4_HLEN + hl + dlen <= TXP_IPV4_MAX_LEN;
    if (!fast) {
        int olen;

        memset(&o, 0, sizeof(o));
        o.syn = syn;
        if (syn) {
            o.mss = true;
            o.mss_val = sk->advmss;
            o.ts = sk->cfg.opt_ts;
            o.sack_perm = sk->cfg.opt_sack;
            o.ws = sk->cfg.opt_wscale;
            o.ws_val = sk->cfg.rcv_wscale;
            o.tsecr = 0;
        } else {
            o.ts = sk->ts_ok;
            o.tsecr = sk->ts_recent;
        }
        o.tsval = tsval;
        memset(&th, 0, sizeof(th));
        olen = txp_tcp_options_write(th.opts, sizeof(th.opts), &o);
        if (olen < 0)
            return olen;
        th.opt_len = (uint8_t)olen;
        th.sport = sk->cfg.sport;
        th.dport = sk->cfg.dport;
        th.seq = seq;
        th.ack_seq = (flags & TXP_TCP_ACK) ? sk->rcv_nxt : 0;
        th.flags = flags;
        th.window = select_window(sk, syn);
        hl = TCP_HLEN + (uint32_t)olen;
    }
    total = IPV4_HLEN + hl + dlen;

    p = txp_pkt_alloc(sk->cfg.pool);
    if (p == NULL)
        goto nobufs;
    if (txp_pkt_tailroom(p) < total) {
        txp_pkt_free(p);
        goto nobufs;
    }
    if (dlen > 0 && s->csum_ok && slot_zc_one(sk, s, dlen, &zk)) {
        /* csum_ok: a contiguous slot holds the untrimmed, unsplit payload from its first
         * byte; a slot in pieces holds it in the piece it starts on (dlen fits one). */
        struct tcp_slot *sl = &sk->slots[s->slot];
        struct tcp_piece *pc = sl->piece != 0 ? &slot_pieces(sk, s->slot)[zk] : NULL;
        uint32_t h = txp_pkt_headroom(p);
        uint8_t *hdr = slot_payload(sk, s->slot) + (size_t)zk * sl->stride - IPV4_HLEN - hl;

        if (txp_pkt_attach_ext(p, pc != NULL ? &pc->ext : &sl->ext, hdr - h, h, total) != TXP_OK) {
            txp_pkt_free(p);
            goto nobufs;
        }
        sl->clones++;
        if (pc != NULL)
            pc->clones++;
        zc = true;
    } else {
        (void)txp_pkt_put(p, total);
    }
    d = txp_pkt_data(p);
    if (fast) {
        sum = build_hdrs_fast(sk, d, seq, flags, hl, total, tsval);
    } else {
        struct txp_ipv4_hdr ih;

        memset(&ih, 0, sizeof(ih));
        ih.tos = sk->cfg.tos;
        ih.id = sk->ip_id;
        ih.frag_off = TXP_IP_DF;
        ih.ttl = sk->cfg.ttl;
        ih.protocol = TXP_IPPROTO_TCP;
        ih.saddr = sk->cfg.saddr;
        ih.daddr = sk->cfg.daddr;
        if (txp_ipv4_build(d, IPV4_HLEN, &ih, hl + dlen, 0) < 0 ||
            txp_tcp_build(d + IPV4_HLEN, hl, &th) < 0) {
            txp_pkt_free(p);
            return TXP_EINVAL;
        }
        /* Pseudo-header, then the TCP header (its length is a multiple of 4). */
        sum = txp_csum_pseudo_ipv4(sk->cfg.saddr, sk->cfg.daddr, TXP_IPPROTO_TCP,
                                   (uint16_t)(hl + dlen));
        sum = txp_csum_partial(d + IPV4_HLEN, hl, sum);
    }
    /* Then the payload: its stored sum, or summed while it is copied into the packet. */
    if (zc)
        sum =
            csum_block_add(sum, sk->slots[s->slot].piece ? slot_psum(sk, s->slot)[zk] : s->csum, 0);
    else if (dlen > 0)
        sum = skb_copy_out_csum(sk, s, seq, d + IPV4_HLEN + hl, dlen, sum);
    txp_store_be16(d + IPV4_HLEN + TXP_TCP_OFF_CSUM, txp_csum_fold(sum));
    sk->ip_id = (uint16_t)(sk->ip_id + pcount);
    p->meta.l3_off = 0;
    p->meta.l4_off = (uint16_t)IPV4_HLEN;
    p->meta.tos = sk->cfg.tos;
    p->meta.flags = TXP_PKT_F_RAW_IP | TXP_PKT_F_LOCAL_OUT;
    if (pcount > 1) {
        p->meta.flags |= TXP_PKT_F_GSO;
        p->meta.gso_size = (uint16_t)mss;
    }
    p->meta.tstamp_ns = now;
    sk->st.segs_out += pcount;
    if (dlen > 0) {
        sk->st.data_segs_out += pcount;
        sk->lsndtime = now;
        sk->tx_busy = true;
    }
    sk->cfg.out->fn(sk->cfg.out, p, now);
    return TXP_OK;
nobufs:
    sk->st.alloc_fails++;
    return TXP_ENOBUFS;
}

static int
transmit_skb(struct txp_tcp_sock *sk, struct tcp_skb *s, uint32_t mss, uint64_t now)
{
    int rc = transmit(sk, s, s->seq, s->flags, skb_len(s), s->pcount, mss, now);

    if (rc == TXP_OK)
        s->tx_ns = now;
    return rc;
}

/* A pure ACK at tcp_acceptable_seq (tcp_send_ack). */
static void
send_ack(struct txp_tcp_sock *sk, uint64_t now)
{
    uint32_t seq = !seq_before(wnd_end(sk), sk->snd_nxt) ? sk->snd_nxt : wnd_end(sk);

    (void)transmit(sk, NULL, seq, TXP_TCP_ACK, 0, 1, sk->mss_cache, now);
}

/* ---- queue operations -------------------------------------------------------------------- */

static void
set_tso_segs(struct tcp_skb *s, uint32_t mss)
{
    uint32_t len = skb_len(s);

    s->pcount = len <= mss ? 1 : (len + mss - 1) / mss;
}

/*
 * Split skb index @p i at @p len payload bytes (tso_fragment / tcp_fragment): the first part
 * loses FIN and PSH, the second keeps them. @return TXP_OK or TXP_ENOSPC (no descriptor).
 */
static int
skb_split(struct txp_tcp_sock *sk, uint32_t i, uint32_t len, uint32_t mss)
{
    struct tcp_skb *s, *n;
    uint32_t k;

    if (sk->qlen == sk->qcap)
        return TXP_ENOSPC;
    /* Open a slot after index i by moving the later descriptors up by one. */
    for (k = sk->qlen; k > i + 1; k--)
        *skb_at(sk, k) = *skb_at(sk, k - 1);
    sk->qlen++;
    s = skb_at(sk, i);
    n = skb_at(sk, i + 1);
    *n = *s;
    n->seq = s->seq + len;
    s->end_seq = s->seq + len;
    /* Both halves keep their bytes in the slot. A contiguous sum covers neither half any
     * more; piece sums still do when the cut is on a piece (write_xmit cuts at MSS multiples). */
    if (s->slot != SLOT_NONE) {
        const struct tcp_slot *sl = &sk->slots[s->slot];

        sk->slots[s->slot].refs++;
        s->csum_ok = n->csum_ok = s->csum_ok && sl->piece != 0 && len % sl->piece == 0;
    } else {
        s->csum_ok = n->csum_ok = false;
    }
    s->flags = (uint8_t)(s->flags & ~(TXP_TCP_FIN | TXP_TCP_PSH));
    set_tso_segs(s, mss);
    set_tso_segs(n, mss);
    return TXP_OK;
}

static bool
minshall_check(const struct txp_tcp_sock *sk)
{
    return seq_after(sk->snd_sml, sk->snd_una) && !seq_after(sk->snd_sml, sk->snd_nxt);
}

static bool
nagle_check(bool partial, const struct txp_tcp_sock *sk, unsigned nonagle)
{
    return partial &&
           ((nonagle & NAGLE_CORK) || (nonagle == 0 && sk->packets_out != 0 && minshall_check(sk)));
}

static bool
nagle_test(const struct txp_tcp_sock *sk, const struct tcp_skb *s, uint32_t mss, unsigned nonagle)
{
    if (nonagle & NAGLE_PUSH)
        return true;
    if (s->flags & TXP_TCP_FIN)
        return true;
    return !nagle_check(skb_len(s) < mss, sk, nonagle);
}

static uint32_t
cwnd_test(const struct txp_tcp_sock *sk)
{
    uint32_t f = in_flight(sk);
    uint32_t half;

    if (f >= sk->cwnd)
        return 0;
    half = max_u32(sk->cwnd >> 1, 1);
    return min_u32(half, sk->cwnd - f);
}

static bool
snd_wnd_test(const struct txp_tcp_sock *sk, const struct tcp_skb *s, uint32_t mss)
{
    uint32_t end = s->seq + min_u32(skb_len(s), mss);

    return !seq_after(end, wnd_end(sk));
}

static uint32_t
mss_split_point(const struct txp_tcp_sock *sk, const struct tcp_skb *s, bool is_tail, uint32_t mss,
                uint32_t max_segs, unsigned nonagle)
{
    uint32_t window = wnd_end(sk) - s->seq;
    uint32_t max_len = mss * max_segs;
    uint32_t needed, partial;

    if (max_len <= window && !is_tail)
        return max_len;
    needed = min_u32(skb_len(s), window);
    if (max_len <= needed)
        return max_len;
    partial = needed % mss;
    if (nagle_check(partial != 0, sk, nonagle))
        return needed - partial;
    return needed;
}

/* tcp_event_new_data_sent */
static void
new_data_sent(struct txp_tcp_sock *sk, struct tcp_skb *s, uint64_t now)
{
    uint32_t prior = sk->packets_out;

    sk->snd_nxt = s->end_seq;
    sk->nsent++;
    sk->packets_out += s->pcount;
    sk->st.bytes_sent += skb_len(s);
    if (prior == 0)
        rearm_rto(sk, now);
}

static void
cwnd_validate(struct txp_tcp_sock *sk, bool is_cwnd_limited)
{
    if (!seq_before(sk->snd_una, sk->cwnd_usage_seq) || is_cwnd_limited ||
        (!sk->is_cwnd_limited && sk->packets_out > sk->max_packets_out)) {
        sk->is_cwnd_limited = is_cwnd_limited;
        sk->max_packets_out = sk->packets_out;
        sk->cwnd_usage_seq = sk->snd_nxt;
    }
}

/*
 * tcp_write_xmit. @return true when the probe timer is needed (nothing sent, nothing in
 * flight, data queued).
 */
static bool
write_xmit(struct txp_tcp_sock *sk, uint32_t mss, unsigned nonagle, bool push_one, uint64_t now)
{
    uint32_t sent = 0, max_segs = tso_segs(sk, mss);
    bool is_cwnd_limited = false;
    struct tcp_skb *s;

    while ((s = send_head(sk)) != NULL) {
        bool is_tail = sk->nsent + 1 == sk->qlen;
        unsigned ng = is_tail ? nonagle : NAGLE_PUSH;
        uint32_t quota, limit;

        set_tso_segs(s, mss);
        quota = cwnd_test(sk);
        if (quota == 0) {
            is_cwnd_limited = true;
            break;
        }
        quota = min_u32(quota, max_segs);
        if (sk->psum != NULL && s->pcount > 1) {
            /* gso_sw: every segment needs a pool packet now; send what the pool holds. */
            uint32_t room = pool_room(sk);

            if (room == 0) {
                sk->st.alloc_fails++;
                break;
            }
            quota = min_u32(quota, room);
        }
        if (!snd_wnd_test(sk, s, mss))
            break;
        if (s->pcount == 1 && !nagle_test(sk, s, mss, ng))
            break;
        limit = mss;
        if (s->pcount > 1)
            limit = mss_split_point(sk, s, is_tail, mss, quota, ng);
        if (skb_len(s) > limit && skb_split(sk, sk->nsent, limit, mss) != TXP_OK)
            break;
        if (transmit_skb(sk, s, mss, now) != TXP_OK)
            break;
        new_data_sent(sk, s, now);
        /* tcp_minshall_update */
        if (skb_len(s) < s->pcount * mss)
            sk->snd_sml = s->end_seq;
        sent += s->pcount;
        if (push_one)
            break;
    }
    is_cwnd_limited |= in_flight(sk) >= sk->cwnd;
    if (sent > 0 || is_cwnd_limited)
        cwnd_validate(sk, is_cwnd_limited);
    if (sent > 0)
        return false;
    return sk->packets_out == 0 && send_head(sk) != NULL;
}

/* __tcp_push_pending_frames + tcp_check_probe_timer */
static void
push_pending(struct txp_tcp_sock *sk, uint32_t mss, unsigned nonagle, uint64_t now)
{
    if (sk->state != TXP_TCP_ESTABLISHED && sk->state != TXP_TCP_FIN_SENT)
        return;
    if (write_xmit(sk, mss, nonagle, false, now) && sk->packets_out == 0 && sk->timer == TIMER_NONE)
        timer_set(sk, TIMER_PROBE0, now + probe0_base(sk));
}

static bool
forced_push(const struct txp_tcp_sock *sk)
{
    return seq_after(sk->write_seq, sk->pushed_seq + (sk->max_window >> 1));
}

static void
mark_push(struct txp_tcp_sock *sk, struct tcp_skb *s)
{
    s->flags |= TXP_TCP_PSH;
    sk->pushed_seq = sk->write_seq;
}

/* tcp_push */
static void
tcp_push(struct txp_tcp_sock *sk, unsigned flags, uint32_t mss, unsigned nonagle,
         uint32_t size_goal, uint64_t now)
{
    struct tcp_skb *tail = write_tail(sk);

    if (tail == NULL)
        return;
    if (!(flags & TXP_TCP_MSG_MORE) || forced_push(sk))
        mark_push(sk, tail);
    /* tcp_should_autocork: data still in the host queues (until txp_tcp_tx_done). */
    if (sk->cfg.autocork && skb_len(tail) < size_goal && sk->nsent > 0 && sk->tx_busy)
        return;
    if (flags & TXP_TCP_MSG_MORE)
        nonagle = NAGLE_CORK;
    push_pending(sk, mss, nonagle, now);
}

/* tcp_cwnd_restart (tcp_slow_start_after_idle=1) */
static void
idle_check(struct txp_tcp_sock *sk, uint64_t now)
{
    uint64_t delta;
    uint32_t restart;

    if (sk->packets_out != 0 || sk->lsndtime == 0 || now - sk->lsndtime <= sk->rto_ns)
        return;
    delta = now - sk->lsndtime;
    restart = min_u32(TXP_TCP_INIT_CWND, sk->cwnd);
    sk->ssthresh = max_u32(sk->ssthresh, (sk->cwnd >> 1) + (sk->cwnd >> 2));
    while (delta > sk->rto_ns && sk->cwnd > restart) {
        delta -= sk->rto_ns;
        sk->cwnd >>= 1;
    }
    sk->cwnd = max_u32(sk->cwnd, restart);
}

/* tcp_skb_entail */
static struct tcp_skb *
entail(struct txp_tcp_sock *sk, uint8_t flags, uint64_t now)
{
    struct tcp_skb *s = skb_at(sk, sk->qlen);

    memset(s, 0, sizeof(*s));
    s->seq = s->end_seq = sk->write_seq;
    s->flags = flags;
    s->pcount = 1;
    s->slot = SLOT_NONE;
    sk->qlen++;
    sk->nonagle &= ~NAGLE_PUSH;
    idle_check(sk, now);
    return s;
}

static uint32_t
queued_bytes(const struct txp_tcp_sock *sk)
{
    /* Established: the SYN is acked, so [snd_una, write_seq) is data (plus no FIN yet). */
    return sk->write_seq - sk->snd_una;
}

static void
ring_copy_in(struct txp_tcp_sock *sk, uint32_t seq, const uint8_t *src, uint32_t n)
{
    uint32_t pos = (seq - sk->data_base) % sk->ring_cap;
    uint32_t first = min_u32(n, sk->ring_cap - pos);

    memcpy(sk->ring + pos, src, first);
    if (first < n)
        memcpy(sk->ring, src + first, n - first);
}

/*
 * Append @p n bytes at slot offset @p off of the unsent tail @p s, whose slot is in pieces:
 * piece by piece, each piece's sum kept while the skb's sums are valid.
 */
static void
piece_copy_in(struct txp_tcp_sock *sk, struct tcp_skb *s, uint32_t off, const uint8_t *src,
              uint32_t n)
{
    const struct tcp_slot *sl = &sk->slots[s->slot];
    uint32_t *ps = slot_psum(sk, s->slot);
    uint32_t k = off / sl->piece, w = off % sl->piece;
    uint8_t *dst = slot_payload(sk, s->slot) + (size_t)k * sl->stride + w;

    if (w != 0) {
        /* The rest of a partly filled piece: its sum grows by the odd-offset rule. */
        uint32_t m = min_u32(n, sl->piece - w);

        if (s->csum_ok)
            ps[k] = csum_block_add(ps[k], txp_csum_partial_copy(dst, src, m, 0), w);
        else
            memcpy(dst, src, m);
        src += m;
        n -= m;
        k++;
        dst = slot_payload(sk, s->slot) + (size_t)k * sl->stride;
    }
    if (s->csum_ok) {
        (void)txp_csum_copy_pieces(dst, sl->stride, sl->piece, src, n, ps + k);
        return;
    }
    for (; n > 0; dst += sl->stride) {
        uint32_t m = min_u32(n, sl->piece);

        memcpy(dst, src, m);
        src += m;
        n -= m;
    }
}

/*
 * Append @p n bytes to the unsent tail @p s (whose payload ends at write_seq): into its slot,
 * summed as they are copied (the one pass over the bytes), or into the ring. An skb that would
 * outgrow its slot (only the second half of a split can) moves its bytes to the ring first.
 */
static void
skb_copy_in(struct txp_tcp_sock *sk, struct tcp_skb *s, const uint8_t *src, uint32_t n)
{
    if (s->slot != SLOT_NONE) {
        struct tcp_slot *sl = &sk->slots[s->slot];
        uint32_t off = sk->write_seq - sl->seq0;

        if (off + n <= sl->cap) {
            if (sl->piece != 0) {
                piece_copy_in(sk, s, off, src, n);
                return;
            }
            uint8_t *dst = slot_payload(sk, s->slot) + off;
            if (s->csum_ok)
                s->csum = csum_block_add(s->csum, txp_csum_partial_copy(dst, src, n, 0), off);
            else
                memcpy(dst, src, n);
            return;
        }
        off = s->seq - sl->seq0;
        for (uint32_t o = 0, len = skb_len(s); o < len;) {
            uint32_t m = slot_run(sl, off + o, len - o);

            ring_copy_in(sk, s->seq + o, slot_addr(sk, s->slot, off + o), m);
            o += m;
        }
        s->csum_ok = false;
        skb_slot_put(sk, s);
    }
    ring_copy_in(sk, sk->write_seq, src, n);
}

/*
 * Start fetching the next chunk's source bytes while the full skb is transmitted: the copy
 * then finds them in cache instead of waiting on each line. (Prefetching the destination slot
 * as well measured slower: the slot lines are written whole.)
 */
static void
prefetch_src(const uint8_t *src, uint32_t n)
{
    for (uint32_t off = 0; off < n; off += 64)
        __builtin_prefetch(src + off, 0, 3);
}

/*
 * Give a new data skb a slot if one is free (else its bytes go to the ring): in pieces of
 * @p mss with gso_sw when the MSS is at least SW_PIECE_MIN, else contiguous.
 */
static void
skb_slot_get(struct txp_tcp_sock *sk, struct tcp_skb *s, uint32_t mss)
{
    uint32_t i = sk->slot_free;
    struct tcp_slot *sl;

    if (i == SLOT_NONE)
        return;
    sl = &sk->slots[i];
    sk->slot_free = sl->next_free;
    sl->piece = 0;
    sl->cap = sk->slot_cap;
    if (sk->psum != NULL && mss >= SW_PIECE_MIN) {
        uint32_t stride = ((mss + SLOT_ALIGN - 1) & ~(SLOT_ALIGN - 1)) + SLOT_PAYLOAD_OFF;
        uint32_t fit = min_u32((sk->slot_size - SLOT_PAYLOAD_OFF - mss) / stride + 1, sk->maxp);

        if ((uint64_t)fit * mss >= sk->slot_cap) {
            sl->piece = mss;
            sl->stride = stride;
            sl->cap = fit * mss;
        }
    }
    /* The headers of its transmission go in the line before the payload: fetch it for writing
     * now, while the payload is copied, instead of missing on it in transmit. */
    __builtin_prefetch(slot_payload(sk, i) - SLOT_ALIGN, 1, 3);
    sk->slots[i].seq0 = s->seq;
    sk->slots[i].refs = 1;
    s->slot = i;
    s->csum = 0;
    s->csum_ok = true;
}

int
txp_tcp_sendmsg(struct txp_tcp_sock *sk, const void *data, size_t len, unsigned flags,
                uint64_t now_ns)
{
    const uint8_t *src = data;
    uint32_t mss, goal, copied = 0;
    uint32_t want;

    switch (sk->state) {
    case TXP_TCP_ESTABLISHED:
        break;
    case TXP_TCP_FIN_SENT:
        return TXP_EPIPE;
    case TXP_TCP_RESET:
        return TXP_ECONNRESET;
    case TXP_TCP_CLOSED:
    case TXP_TCP_SYN_SENT:
    default:
        return TXP_ENOTCONN;
    }
    if ((flags & ~TXP_TCP_MSG_MORE) != 0 || (len > 0 && data == NULL))
        return TXP_EINVAL;
    want = len > 0x7fffffffu ? 0x7fffffffu : (uint32_t)len;
    mss = current_mss(sk);
    goal = xmit_size_goal(sk, mss);
    while (copied < want) {
        struct tcp_skb *tail = write_tail(sk);
        uint32_t room = 0, space, copy;

        if (tail != NULL && !(tail->flags & TXP_TCP_FIN) && skb_len(tail) < goal)
            room = goal - skb_len(tail);
        space = sk->ring_cap - queued_bytes(sk);
        if (space == 0)
            break;
        if (room == 0) {
            if (sk->qlen + 1 >= sk->qcap) /* one descriptor stays free for a split */
                break;
            tail = entail(sk, TXP_TCP_ACK, now_ns);
            skb_slot_get(sk, tail, mss);
            room = goal;
        }
        copy = min_u32(min_u32(room, want - copied), space);
        if (copied == 0)
            tail->flags = (uint8_t)(tail->flags & ~TXP_TCP_PSH);
        skb_copy_in(sk, tail, src + copied, copy);
        sk->write_seq += copy;
        tail->end_seq += copy;
        copied += copy;
        if (copied == want)
            break;
        if (skb_len(tail) < goal)
            continue;
        prefetch_src(src + copied, min_u32(min_u32(goal, PREFETCH_MAX), want - copied));
        if (forced_push(sk)) {
            mark_push(sk, tail);
            push_pending(sk, mss, NAGLE_PUSH, now_ns);
        } else if (tail == send_head(sk)) {
            (void)write_xmit(sk, mss, NAGLE_PUSH, true, now_ns); /* tcp_push_one */
        }
    }
    if (copied == 0)
        return want == 0 ? 0 : TXP_EAGAIN;
    if (copied < want) /* wait_for_space: push as if no MSG_MORE, with PUSH */
        tcp_push(sk, flags & ~TXP_TCP_MSG_MORE, mss, NAGLE_PUSH, goal, now_ns);
    tcp_push(sk, flags, mss, sk->nonagle, goal, now_ns);
    return (int)copied;
}

void
txp_tcp_set_nodelay(struct txp_tcp_sock *sk, bool on, uint64_t now_ns)
{
    if (on) {
        sk->nonagle |= NAGLE_OFF | NAGLE_PUSH;
        push_pending(sk, current_mss(sk), sk->nonagle, now_ns);
    } else {
        sk->nonagle &= ~NAGLE_OFF;
    }
}

void
txp_tcp_set_cork(struct txp_tcp_sock *sk, bool on, uint64_t now_ns)
{
    if (on) {
        sk->nonagle |= NAGLE_CORK;
        return;
    }
    sk->nonagle &= ~NAGLE_CORK;
    if (sk->nonagle & NAGLE_OFF)
        sk->nonagle |= NAGLE_PUSH;
    push_pending(sk, current_mss(sk), sk->nonagle, now_ns);
}

void
txp_tcp_tx_done(struct txp_tcp_sock *sk, uint64_t now_ns)
{
    sk->tx_busy = false;
    push_pending(sk, current_mss(sk), sk->nonagle, now_ns);
}

int
txp_tcp_set_maxseg(struct txp_tcp_sock *sk, uint32_t mss)
{
    if (sk->state != TXP_TCP_CLOSED)
        return TXP_EINVAL;
    if (mss != 0 && (mss < 88 || mss > 32767))
        return TXP_EINVAL;
    sk->user_mss = (uint16_t)mss;
    return TXP_OK;
}

/* ---- connect, FIN, RST --------------------------------------------------------------------- */

int
txp_tcp_connect(struct txp_tcp_sock *sk, uint64_t now_ns)
{
    uint32_t advmss, space;
    struct tcp_skb *s;

    if (sk->state != TXP_TCP_CLOSED || sk->qlen != 0)
        return TXP_EINVAL;
    /* tcp_connect_init */
    sk->mss_clamp = sk->user_mss ? sk->user_mss : (uint16_t)TXP_TCP_MSS_DEFAULT;
    advmss = sk->cfg.mtu >= 40 + 256 ? sk->cfg.mtu - 40 : 256; /* ipv4_default_advmss */
    if (advmss > TXP_TCP_MAX_MSS)
        advmss = TXP_TCP_MAX_MSS;
    if (sk->user_mss && sk->user_mss < advmss)
        advmss = sk->user_mss;
    sk->advmss = (uint16_t)advmss;
    sk->tcp_header_len = (uint16_t)(TCP_HLEN + (sk->cfg.opt_ts ? TCP_TS_ALIGNED : 0));
    sync_mss(sk);
    /* tcp_select_initial_window: the free space rounded down to the advertised MSS. */
    space = sk->cfg.rcv_space;
    if (space > advmss)
        space = space / advmss * advmss;
    sk->rcv_wnd = space;
    sk->rcv_wscale = sk->cfg.opt_wscale ? sk->cfg.rcv_wscale : 0;
    sk->write_seq = sk->snd_una = sk->snd_nxt = sk->snd_sml = sk->cfg.isn;
    sk->data_base = sk->cfg.isn + 1;
    sk->rcv_nxt = 0;
    s = entail(sk, TXP_TCP_SYN, now_ns);
    s->end_seq = s->seq + 1;
    sk->write_seq++;
    sk->pushed_seq = sk->write_seq;
    if (transmit_skb(sk, s, sk->mss_cache, now_ns) != TXP_OK) {
        sk->qlen = 0;
        sk->write_seq = sk->cfg.isn;
        return TXP_ENOBUFS;
    }
    sk->state = TXP_TCP_SYN_SENT;
    new_data_sent(sk, s, now_ns);
    rearm_rto(sk, now_ns);
    return TXP_OK;
}

int
txp_tcp_shutdown(struct txp_tcp_sock *sk, uint64_t now_ns)
{
    struct tcp_skb *tail;

    switch (sk->state) {
    case TXP_TCP_ESTABLISHED:
        break;
    case TXP_TCP_FIN_SENT:
        return TXP_EPIPE;
    case TXP_TCP_RESET:
        return TXP_ECONNRESET;
    case TXP_TCP_CLOSED:
    case TXP_TCP_SYN_SENT:
    default:
        return TXP_ENOTCONN;
    }
    tail = write_tail(sk);
    if (tail == NULL) {
        if (sk->qlen + 1 >= sk->qcap)
            return TXP_ENOBUFS;
        tail = entail(sk, TXP_TCP_ACK, now_ns);
    }
    /* tcp_send_fin: FIN rides on the unsent tail, or goes alone. */
    tail->flags |= TXP_TCP_FIN;
    tail->end_seq++;
    sk->write_seq++;
    sk->state = TXP_TCP_FIN_SENT;
    push_pending(sk, current_mss(sk), NAGLE_OFF, now_ns);
    return TXP_OK;
}

static void
purge(struct txp_tcp_sock *sk)
{
    for (uint32_t i = 0; i < sk->qlen; i++)
        skb_slot_put(sk, skb_at(sk, i));
    sk->qlen = sk->nsent = 0;
    sk->packets_out = sk->retrans_out = sk->lost_out = 0;
    timer_clear(sk);
}

int
txp_tcp_abort(struct txp_tcp_sock *sk, uint64_t now_ns)
{
    uint32_t seq;

    if (sk->state == TXP_TCP_CLOSED || sk->state == TXP_TCP_RESET)
        return TXP_ENOTCONN;
    if (sk->state == TXP_TCP_SYN_SENT) {
        /* tcp_disconnect in SYN_SENT sends nothing. */
        purge(sk);
        sk->state = TXP_TCP_RESET;
        return TXP_OK;
    }
    seq = !seq_before(wnd_end(sk), sk->snd_nxt) ? sk->snd_nxt : wnd_end(sk);
    (void)transmit(sk, NULL, seq, TXP_TCP_ACK | TXP_TCP_RST, 0, 1, sk->mss_cache, now_ns);
    purge(sk);
    sk->state = TXP_TCP_RESET;
    return TXP_OK;
}

/* ---- retransmission ----------------------------------------------------------------------- */

/* __tcp_retransmit_skb for sent skb index @p i, at most @p segs segments. */
static int
retransmit_skb(struct txp_tcp_sock *sk, uint32_t i, uint32_t segs, uint64_t now)
{
    struct tcp_skb *s = skb_at(sk, i);
    uint32_t mss = current_mss(sk);
    uint32_t len, avail;

    if (sk->psum != NULL && skb_len(s) > mss) {
        /* gso_sw: no more segments than the pool has packets for */
        uint32_t room = pool_room(sk);

        if (room == 0) {
            sk->st.alloc_fails++;
            return TXP_ENOBUFS;
        }
        segs = min_u32(segs, room);
    }
    len = mss * segs;

    if (!(s->flags & TXP_TCP_SYN)) {
        if (!seq_before(s->seq, wnd_end(sk)) && skb_len(s) > 0)
            return TXP_EAGAIN;
        avail = wnd_end(sk) - s->seq;
        if (skb_len(s) > 0 && avail < len)
            len = max_u32(avail, 1);
        if (skb_len(s) > len) {
            uint32_t old = s->pcount;
            if (skb_split(sk, i, len, mss) != TXP_OK)
                return TXP_ENOSPC;
            sk->nsent++; /* both halves are in the retransmit queue */
            s = skb_at(sk, i);
            /* Keep the counters in packets: the halves' pcounts replace the old one. */
            {
                uint32_t now_p = s->pcount + skb_at(sk, i + 1)->pcount;
                sk->packets_out += now_p - old;
                if (s->sacked & SKB_LOST)
                    sk->lost_out += now_p - old;
            }
        } else {
            uint32_t old = s->pcount;
            set_tso_segs(s, mss);
            sk->packets_out += s->pcount - old;
            if (s->sacked & SKB_LOST)
                sk->lost_out += s->pcount - old;
        }
    }
    if (transmit_skb(sk, s, mss, now) != TXP_OK)
        return TXP_ENOBUFS;
    s->sacked |= SKB_RETRANS | SKB_EVER_RETRANS;
    sk->retrans_out += s->pcount;
    sk->total_retrans += s->pcount;
    sk->st.retrans_segs += s->pcount;
    return TXP_OK;
}

/* tcp_xmit_retransmit_queue: lost, not yet retransmitted skbs while cwnd allows. */
static void
xmit_retransmit_queue(struct txp_tcp_sock *sk, uint64_t now)
{
    for (uint32_t i = 0; i < sk->nsent; i++) {
        struct tcp_skb *s = skb_at(sk, i);
        uint32_t f = in_flight(sk);

        if (f >= sk->cwnd)
            return;
        if (!(s->sacked & SKB_LOST) || (s->sacked & SKB_RETRANS))
            continue;
        if (retransmit_skb(sk, i, sk->cwnd - f, now) != TXP_OK)
            return;
    }
}

/* tcp_retransmit_timer */
static void
retransmit_timer(struct txp_tcp_sock *sk, uint64_t now)
{
    if (sk->packets_out == 0 || sk->nsent == 0) {
        timer_clear(sk);
        return;
    }
    if (sk->state != TXP_TCP_SYN_SENT) {
        /* tcp_enter_loss */
        if (!sk->loss || !seq_after(sk->high_seq, sk->snd_una))
            sk->ssthresh = max_u32(sk->cwnd >> 1, 2);
        sk->lost_out = 0;
        sk->retrans_out = 0;
        for (uint32_t i = 0; i < sk->nsent; i++) {
            struct tcp_skb *s = skb_at(sk, i);
            s->sacked = (uint8_t)((s->sacked & SKB_EVER_RETRANS) | SKB_LOST);
            sk->lost_out += s->pcount;
        }
        sk->cwnd = in_flight(sk) + 1;
        sk->cwnd_cnt = 0;
        sk->high_seq = sk->snd_nxt;
        sk->loss = true;
    }
    (void)retransmit_skb(sk, 0, 1, now);
    sk->backoff++;
    sk->rto_ns = sk->rto_ns << 1 < TXP_TCP_RTO_MAX_NS ? sk->rto_ns << 1 : TXP_TCP_RTO_MAX_NS;
    timer_set(sk, TIMER_RTO, now + sk->rto_ns);
}

/* tcp_probe_timer -> tcp_send_probe0 -> tcp_write_wakeup */
static void
probe_timer(struct txp_tcp_sock *sk, uint64_t now)
{
    struct tcp_skb *s = send_head(sk);
    uint32_t mss = current_mss(sk);

    timer_clear(sk);
    if (sk->packets_out != 0 || s == NULL) {
        sk->backoff = 0;
        return;
    }
    if (seq_before(s->seq, wnd_end(sk))) {
        uint32_t seg = min_u32(wnd_end(sk) - s->seq, mss);
        if ((seg < skb_len(s) || skb_len(s) > mss) &&
            skb_split(sk, sk->nsent, seg, mss) != TXP_OK) {
            /* No descriptor for the split: try again one probe interval later. */
            timer_set(sk, TIMER_PROBE0, now + probe0_when(sk));
            return;
        }
        s = send_head(sk);
        s->flags |= TXP_TCP_PSH;
        set_tso_segs(s, mss);
        if (transmit_skb(sk, s, mss, now) == TXP_OK) {
            new_data_sent(sk, s, now);
            if (skb_len(s) < s->pcount * mss)
                sk->snd_sml = s->end_seq;
        }
    } else {
        /* tcp_xmit_probe_skb: an ACK at snd_una - 1 that the peer must answer. */
        (void)transmit(sk, NULL, sk->snd_una - 1, TXP_TCP_ACK, 0, 1, mss, now);
    }
    if (sk->packets_out != 0 || send_head(sk) == NULL) {
        sk->backoff = 0;
        return;
    }
    sk->st.probes++;
    sk->backoff++;
    timer_set(sk, TIMER_PROBE0, now + probe0_when(sk));
}

void
txp_tcp_run_timers(struct txp_tcp_sock *sk, uint64_t now_ns)
{
    if (sk->timer == TIMER_NONE || now_ns < sk->timer_at)
        return;
    if (sk->timer == TIMER_RTO)
        retransmit_timer(sk, now_ns);
    else
        probe_timer(sk, now_ns);
}

/* ---- ACK input ------------------------------------------------------------------------------ */

static void
rtt_estimator(struct txp_tcp_sock *sk, uint64_t m)
{
    uint64_t rto_min = TXP_TCP_RTO_MIN_NS / NS_PER_US;
    int64_t mm = (int64_t)m;

    if (sk->srtt_us != 0) {
        int64_t srtt = (int64_t)sk->srtt_us;
        int64_t mdev = (int64_t)sk->mdev_us;
        mm -= srtt >> 3;
        srtt += mm;
        if (mm < 0) {
            mm = -mm;
            mm -= mdev >> 2;
            if (mm > 0)
                mm >>= 3;
        } else {
            mm -= mdev >> 2;
        }
        mdev += mm;
        sk->mdev_us = (uint64_t)mdev;
        if (sk->mdev_us > sk->mdev_max_us) {
            sk->mdev_max_us = sk->mdev_us;
            if (sk->mdev_max_us > sk->rttvar_us)
                sk->rttvar_us = sk->mdev_max_us;
        }
        if (seq_after(sk->snd_una, sk->rtt_seq)) {
            if (sk->mdev_max_us < sk->rttvar_us)
                sk->rttvar_us -= (sk->rttvar_us - sk->mdev_max_us) >> 2;
            sk->rtt_seq = sk->snd_nxt;
            sk->mdev_max_us = rto_min;
        }
        sk->srtt_us = srtt > 0 ? (uint64_t)srtt : 1;
    } else {
        sk->srtt_us = m << 3;
        sk->mdev_us = m << 1;
        sk->rttvar_us = sk->mdev_us > rto_min ? sk->mdev_us : rto_min;
        sk->mdev_max_us = sk->rttvar_us;
        sk->rtt_seq = sk->snd_nxt;
        if (sk->srtt_us == 0)
            sk->srtt_us = 1;
    }
}

static void
ack_update_rtt(struct txp_tcp_sock *sk, int64_t rtt_us)
{
    uint64_t rto;

    if (rtt_us < 0)
        return;
    rtt_estimator(sk, (uint64_t)rtt_us);
    rto = ((sk->srtt_us >> 3) + sk->rttvar_us) * NS_PER_US; /* tcp_set_rto */
    sk->rto_ns = rto < TXP_TCP_RTO_MAX_NS ? rto : TXP_TCP_RTO_MAX_NS;
    sk->backoff = 0;
}

/* tcp_reno_cong_avoid */
static void
cong_avoid(struct txp_tcp_sock *sk, uint32_t acked)
{
    bool limited =
        sk->is_cwnd_limited || (sk->cwnd < sk->ssthresh && sk->cwnd < 2 * sk->max_packets_out);

    if (!limited)
        return;
    if (sk->cwnd < sk->ssthresh) {
        uint32_t c = min_u32(sk->cwnd + acked, sk->ssthresh);
        acked -= c - sk->cwnd;
        sk->cwnd = c;
        if (acked == 0)
            return;
    }
    /* tcp_cong_avoid_ai with w = cwnd */
    if (sk->cwnd_cnt >= sk->cwnd) {
        sk->cwnd_cnt = 0;
        sk->cwnd++;
    }
    sk->cwnd_cnt += acked;
    if (sk->cwnd_cnt >= sk->cwnd) {
        uint32_t delta = sk->cwnd_cnt / sk->cwnd;
        sk->cwnd_cnt -= delta * sk->cwnd;
        sk->cwnd += delta;
    }
}

/* tcp_clean_rtx_queue: @return packets acked; *rtt_us the Karn-valid sample or -1. */
static uint32_t
clean_rtx_queue(struct txp_tcp_sock *sk, uint64_t now, int64_t *rtt_us, bool *retrans_acked)
{
    uint32_t acked = 0;
    uint64_t first_tx = 0;
    bool have_first = false;

    *retrans_acked = false;
    while (sk->nsent > 0) {
        struct tcp_skb *s = skb_at(sk, 0);
        uint32_t old = s->pcount;

        if (seq_after(s->end_seq, sk->snd_una)) {
            /* tcp_tso_acked: trim the acked head of a partly acked skb. */
            if (skb_len(s) == 0 || !seq_after(sk->snd_una, s->seq) || (s->flags & TXP_TCP_SYN))
                break;
            s->seq = sk->snd_una;
            /* tcp_trim_head: a contiguous sum no longer matches; piece sums do when the skb
             * now starts on a piece (ACKs usually end on segments). */
            s->csum_ok = s->csum_ok && s->slot != SLOT_NONE && sk->slots[s->slot].piece != 0 &&
                         (s->seq - sk->slots[s->slot].seq0) % sk->slots[s->slot].piece == 0;
            set_tso_segs(s, current_mss(sk));
            if (s->pcount < old) {
                uint32_t d = old - s->pcount;
                acked += d;
                sk->packets_out -= d;
                if (s->sacked & SKB_LOST)
                    sk->lost_out -= d;
                if (s->sacked & SKB_RETRANS)
                    sk->retrans_out -= d;
            } else {
                s->pcount = old;
            }
            break;
        }
        if (s->sacked & SKB_EVER_RETRANS) {
            *retrans_acked = true;
        } else if (!have_first) {
            have_first = true;
            first_tx = s->tx_ns;
        }
        acked += s->pcount;
        sk->packets_out -= s->pcount;
        if (s->sacked & SKB_LOST)
            sk->lost_out -= s->pcount;
        if (s->sacked & SKB_RETRANS)
            sk->retrans_out -= s->pcount;
        skb_slot_put(sk, s);
        if (++sk->qhead == sk->qcap)
            sk->qhead = 0;
        sk->qlen--;
        sk->nsent--;
    }
    *rtt_us = (have_first && !*retrans_acked) ? (int64_t)((now - first_tx) / NS_PER_US) : -1;
    return acked;
}

static int
drop(struct txp_tcp_sock *sk, enum txp_drop_reason r, int err)
{
    sk->st.drops[r]++;
    return err;
}

static void
parse_peer_opts(const struct txp_tcp_hdr *h, struct txp_tcp_opts *o)
{
    if (txp_tcp_opts_parse(h->opts, h->opt_len, o, NULL) != TXP_OK)
        memset(o, 0, sizeof(*o));
}

/* tcp_rcv_synsent_state_process for a SYN-ACK */
static int
synsent(struct txp_tcp_sock *sk, const struct txp_tcp_hdr *h, uint64_t now)
{
    struct txp_tcp_opts o;
    int64_t rtt = -1;
    bool ra;
    uint32_t acked;

    if (!(h->flags & TXP_TCP_ACK) || !(h->flags & TXP_TCP_SYN))
        return drop(sk, TXP_DROP_NOT_SPECIFIED, TXP_EBADMSG);
    if (h->ack_seq != sk->snd_nxt)
        return drop(sk, TXP_DROP_TCP_INVALID_ACK, TXP_ERANGE);
    parse_peer_opts(h, &o);
    if (o.present & TXP_TCP_OPTF_MSS) {
        uint16_t in = o.mss;
        if (sk->user_mss && sk->user_mss < in)
            in = sk->user_mss;
        if (in != 0)
            sk->mss_clamp = in;
    }
    sk->sack_ok = sk->cfg.opt_sack && (o.present & TXP_TCP_OPTF_SACK_PERM);
    sk->wscale_ok = sk->cfg.opt_wscale && (o.present & TXP_TCP_OPTF_WSCALE);
    if (sk->wscale_ok) {
        sk->snd_wscale = o.wscale > TXP_TCP_MAX_WSCALE ? TXP_TCP_MAX_WSCALE : o.wscale;
        sk->rcv_wscale = sk->cfg.rcv_wscale;
    } else {
        sk->snd_wscale = sk->rcv_wscale = 0;
    }
    sk->ts_ok = sk->cfg.opt_ts && (o.present & TXP_TCP_OPTF_TS);
    if (sk->ts_ok) {
        sk->tcp_header_len = TCP_HLEN + TCP_TS_ALIGNED;
        sk->advmss = (uint16_t)(sk->advmss - TCP_TS_ALIGNED);
        sk->ts_recent = o.tsval;
    } else {
        sk->tcp_header_len = TCP_HLEN;
    }
    /* tcp_ack: the SYN leaves the retransmit queue; an unretransmitted SYN gives an RTT. */
    sk->snd_una = h->ack_seq;
    sk->snd_wl1 = h->seq;
    sk->snd_wnd = h->window; /* never scaled in a SYN */
    sk->max_window = sk->snd_wnd;
    acked = clean_rtx_queue(sk, now, &rtt, &ra);
    (void)acked;
    ack_update_rtt(sk, rtt);
    sk->rcv_nxt = h->seq + 1;
    sync_mss(sk);
    /* tcp_init_transfer / tcp_init_metrics */
    sk->cwnd = sk->total_retrans > 1 ? 1 : TXP_TCP_INIT_CWND;
    if (sk->srtt_us == 0)
        sk->rto_ns = 3 * TXP_TCP_RTO_INIT_NS; /* TCP_TIMEOUT_FALLBACK */
    sk->snd_sml = sk->snd_una;
    sk->pushed_seq = sk->write_seq;
    sk->state = TXP_TCP_ESTABLISHED;
    timer_clear(sk);
    sk->backoff = 0;
    send_ack(sk, now);
    return TXP_OK;
}

int
txp_tcp_input(struct txp_tcp_sock *sk, const uint8_t *seg, size_t len, uint64_t now_ns)
{
    struct txp_tcp_hdr h;
    struct txp_tcp_opts o;
    uint32_t ack, nwin, prior_packets, acked;
    int64_t rtt = -1;
    bool ra;
    int hl;

    if (seg == NULL)
        return TXP_EINVAL;
    hl = txp_tcp_parse(seg, len, &h, NULL);
    if (hl < 0)
        return drop(sk, TXP_DROP_HDR_TRUNC, TXP_EBADMSG);
    if (h.sport != sk->cfg.dport || h.dport != sk->cfg.sport)
        return drop(sk, TXP_DROP_NOT_SPECIFIED, TXP_EINVAL);
    if (sk->state == TXP_TCP_CLOSED || sk->state == TXP_TCP_RESET)
        return drop(sk, TXP_DROP_SOCKET_CLOSED, TXP_EINVAL);
    if (h.flags & TXP_TCP_RST) {
        bool ok = sk->state == TXP_TCP_SYN_SENT
                      ? ((h.flags & TXP_TCP_ACK) && h.ack_seq == sk->snd_nxt)
                      : h.seq == sk->rcv_nxt;
        if (!ok)
            return drop(sk, TXP_DROP_NOT_SPECIFIED, TXP_EINVAL);
        purge(sk);
        sk->state = TXP_TCP_RESET;
        return TXP_OK;
    }
    if (sk->state == TXP_TCP_SYN_SENT)
        return synsent(sk, &h, now_ns);
    if (!(h.flags & TXP_TCP_ACK) || (h.flags & TXP_TCP_SYN))
        return drop(sk, TXP_DROP_NOT_SPECIFIED, TXP_EBADMSG);
    ack = h.ack_seq;
    if (seq_after(ack, sk->snd_nxt))
        return drop(sk, TXP_DROP_TCP_INVALID_ACK, TXP_ERANGE);
    if (seq_before(ack, sk->snd_una - sk->max_window))
        return drop(sk, TXP_DROP_TCP_OLD_ACK, TXP_ERANGE);
    parse_peer_opts(&h, &o);
    if (sk->ts_ok && (o.present & TXP_TCP_OPTF_TS) && !seq_before(o.tsval, sk->ts_recent))
        sk->ts_recent = o.tsval;
    if (seq_before(ack, sk->snd_una))
        return TXP_OK; /* old_ack: nothing to do for the send side */
    /* tcp_ack_update_window */
    nwin = (uint32_t)h.window << sk->snd_wscale;
    if (seq_after(ack, sk->snd_una) || seq_after(h.seq, sk->snd_wl1) ||
        (h.seq == sk->snd_wl1 && (nwin > sk->snd_wnd || nwin == 0))) {
        sk->snd_wl1 = h.seq;
        sk->snd_wnd = nwin;
        if (nwin > sk->max_window) {
            sk->max_window = nwin;
            sync_mss(sk);
        }
    }
    prior_packets = sk->packets_out;
    sk->snd_una = ack;
    acked = clean_rtx_queue(sk, now_ns, &rtt, &ra);
    if (rtt < 0 && acked > 0 && sk->ts_ok && (o.present & TXP_TCP_OPTF_TS) && o.tsecr != 0) {
        uint32_t nowts = (uint32_t)(now_ns / NS_PER_MS) + sk->cfg.ts_offset;
        rtt = (int64_t)(nowts - o.tsecr) * 1000;
    }
    if (acked > 0) {
        ack_update_rtt(sk, rtt);
        rearm_rto(sk, now_ns);
    }
    if (prior_packets == 0) {
        /* tcp_ack_probe: a window that now takes the head stops the probe timer. */
        struct tcp_skb *hd = send_head(sk);
        if (hd != NULL && sk->timer == TIMER_PROBE0) {
            if (!seq_after(hd->seq + min_u32(skb_len(hd), current_mss(sk)), wnd_end(sk))) {
                sk->backoff = 0;
                timer_clear(sk);
            } else {
                timer_set(sk, TIMER_PROBE0, now_ns + probe0_when(sk));
            }
        }
    }
    if (acked > 0)
        cong_avoid(sk, acked);
    if (sk->loss && !seq_before(sk->snd_una, sk->high_seq))
        sk->loss = false;
    if (sk->lost_out > sk->retrans_out)
        xmit_retransmit_queue(sk, now_ns);
    push_pending(sk, current_mss(sk), sk->nonagle, now_ns);
    return TXP_OK;
}

void
txp_tcp_get_info(const struct txp_tcp_sock *sk, struct txp_tcp_info *info)
{
    *info = sk->st;
    info->state = sk->state;
    info->snd_una = sk->snd_una;
    info->snd_nxt = sk->snd_nxt;
    info->write_seq = sk->write_seq;
    info->snd_wnd = sk->snd_wnd;
    info->max_window = sk->max_window;
    info->rcv_nxt = sk->rcv_nxt;
    info->cwnd = sk->cwnd;
    info->ssthresh = sk->ssthresh;
    info->mss_cache = sk->mss_cache;
    info->packets_out = sk->packets_out;
    info->retrans_out = sk->retrans_out;
    info->lost_out = sk->lost_out;
    info->snd_wscale = sk->snd_wscale;
    info->rcv_wscale = sk->rcv_wscale;
    info->ts_ok = sk->ts_ok;
    info->sack_ok = sk->sack_ok;
    info->wscale_ok = sk->wscale_ok;
    info->mss_clamp = sk->mss_clamp;
    info->rto_ns = sk->rto_ns;
    info->srtt_us = sk->srtt_us >> 3;
    info->backoff = sk->backoff;
}
