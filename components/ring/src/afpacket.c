/* SPDX-License-Identifier: MIT */
/*
 * txpath ring: the AF_PACKET backend. Frames the device model emits are put on a real
 * interface through a PACKET_TX_RING (TPACKET_V2) mapped into our memory:
 *
 *   socket(AF_PACKET, SOCK_RAW, 0)      protocol 0: the socket receives nothing
 *   setsockopt PACKET_VERSION = TPACKET_V2, PACKET_TX_RING {block, frame size and count}
 *   mmap the ring; bind to the interface index
 *   per frame: wait until the slot is TP_STATUS_AVAILABLE, copy the frame to
 *              slot + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)), set tp_len, hand the slot
 *              to the kernel (TP_STATUS_SEND_REQUEST), then send(fd, NULL, 0, 0): a blocking
 *              send returns once the kernel has transmitted the slots it took.
 *
 * Frames leave in the order the device model emits them, one slot after the other. A slot the
 * kernel refused (TP_STATUS_WRONG_FORMAT) is counted as an error and given back.
 *
 * Entry points: txp_ring_afpacket_open, txp_ring_afpacket_backend, txp_ring_afpacket_counts,
 * txp_ring_afpacket_close.
 * References: Linux Documentation/networking/packet_mmap.rst; net/packet/af_packet.c
 * (tpacket_snd, tpacket_fill_skb); linux/if_packet.h.
 */
#define _DEFAULT_SOURCE /* if_nametoindex, struct sockaddr_ll with C11 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "txpath/ring.h"

#define RING_AFP_BLOCKS 16u
#define RING_AFP_PAGE 4096u
/* Where the frame starts in a TX slot: TPACKET2_HDRLEN - sizeof(struct sockaddr_ll), i.e. the
 * tpacket2 header rounded up to TPACKET_ALIGNMENT (tpacket_fill_skb). */
#define RING_AFP_ALIGN ((size_t)TPACKET_ALIGNMENT)
#define RING_AFP_DATA_OFF                                                                          \
    ((sizeof(struct tpacket2_hdr) + RING_AFP_ALIGN - 1u) & ~(RING_AFP_ALIGN - 1u))

struct txp_ring_afpacket {
    struct txp_ring_backend be; /* first: the backend callback */
    int fd;
    uint8_t *map;
    size_t map_len;
    uint32_t frame_size, frame_nr, next;
    uint32_t max_frame;
    const struct txp_alloc *alloc;
    uint64_t sent, errors;
};

static struct tpacket2_hdr *
ring_afp_slot(struct txp_ring_afpacket *s, uint32_t i)
{
    return (struct tpacket2_hdr *)(void *)(s->map + (size_t)i * s->frame_size);
}

static uint32_t
ring_afp_status(const volatile struct tpacket2_hdr *h)
{
    return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

static int
ring_afp_kick(struct txp_ring_afpacket *s)
{
    for (;;) {
        if (send(s->fd, NULL, 0, 0) >= 0)
            return TXP_OK;
        if (errno != EINTR)
            return TXP_EIO;
    }
}

static int
ring_afp_write(struct txp_ring_backend *self, uint64_t ts_ns, const uint8_t *data, uint32_t len)
{
    struct txp_ring_afpacket *s = TXP_CONTAINER_OF(self, struct txp_ring_afpacket, be);
    (void)ts_ns;
    if (len > s->max_frame) {
        s->errors++;
        return TXP_EMSGSIZE;
    }
    struct tpacket2_hdr *h = ring_afp_slot(s, s->next);
    uint32_t st = ring_afp_status(h);
    if (st != TP_STATUS_AVAILABLE) {
        /* Still owned by the kernel: push the pending slots out and look again. */
        (void)ring_afp_kick(s);
        st = ring_afp_status(h);
        if (st & TP_STATUS_WRONG_FORMAT) {
            s->errors++;
            st = TP_STATUS_AVAILABLE;
        }
        if (st != TP_STATUS_AVAILABLE) {
            s->errors++;
            return TXP_EAGAIN;
        }
    }
    uint8_t *dst = (uint8_t *)h + RING_AFP_DATA_OFF;
    memcpy(dst, data, len);
    h->tp_len = len;
    h->tp_snaplen = len;
    __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
    s->next = (s->next + 1u) % s->frame_nr;
    if (ring_afp_kick(s) != TXP_OK) {
        s->errors++;
        return TXP_EIO;
    }
    if (ring_afp_status(h) & TP_STATUS_WRONG_FORMAT) {
        __atomic_store_n(&h->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
        s->errors++;
        return TXP_EIO;
    }
    s->sent++;
    return TXP_OK;
}

static int
ring_afp_errno(int e)
{
    switch (e) {
    case EPERM:
    case EACCES:
        return TXP_EPERM;
    case ENODEV:
    case ENXIO:
        return TXP_ENOENT;
    case ENOMEM:
    case ENOBUFS:
        return TXP_ENOMEM;
    default:
        return TXP_EIO;
    }
}

int
txp_ring_afpacket_open(const char *ifname, uint32_t max_frame, const struct txp_alloc *a,
                       struct txp_ring_afpacket **out)
{
    if (!ifname || !out || max_frame < TXP_RING_MIN_FRAME ||
        max_frame > TXP_RING_MAX_MTU + TXP_RING_HDR_LEN)
        return TXP_EINVAL;
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0)
        return TXP_ENOENT;
    struct txp_ring_afpacket *s = txp_alloc_mem(a, sizeof *s, 16);
    if (!s)
        return TXP_ENOMEM;
    s->alloc = a;
    s->be.fn = ring_afp_write;
    s->max_frame = max_frame;
    s->map = MAP_FAILED;
    int rc = TXP_OK;
    s->fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (s->fd < 0) {
        rc = ring_afp_errno(errno);
        txp_free(a, s);
        return rc;
    }
    /* A slot holds the tpacket2 header and the frame behind it; slots never span blocks. */
    uint32_t need = (uint32_t)RING_AFP_DATA_OFF + max_frame;
    uint32_t fs = (uint32_t)RING_AFP_ALIGN;
    while (fs < need)
        fs <<= 1;
    uint32_t bs = fs < RING_AFP_PAGE ? RING_AFP_PAGE : fs;
    int ver = TPACKET_V2;
    struct tpacket_req req = {.tp_block_size = bs,
                              .tp_block_nr = RING_AFP_BLOCKS,
                              .tp_frame_size = fs,
                              .tp_frame_nr = RING_AFP_BLOCKS * (bs / fs)};
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = (int)idx;
    sll.sll_protocol = 0;
    if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof ver) != 0 ||
        setsockopt(s->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) != 0) {
        rc = ring_afp_errno(errno);
    } else {
        s->map_len = (size_t)bs * RING_AFP_BLOCKS;
        s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
        if (s->map == MAP_FAILED)
            rc = ring_afp_errno(errno);
        else if (bind(s->fd, (struct sockaddr *)(void *)&sll, sizeof sll) != 0)
            rc = ring_afp_errno(errno);
    }
    if (rc != TXP_OK) {
        if (s->map != MAP_FAILED)
            munmap(s->map, s->map_len);
        close(s->fd);
        txp_free(a, s);
        return rc;
    }
    s->frame_size = fs;
    s->frame_nr = req.tp_frame_nr;
    *out = s;
    return TXP_OK;
}

struct txp_ring_backend *
txp_ring_afpacket_backend(struct txp_ring_afpacket *s)
{
    return &s->be;
}

void
txp_ring_afpacket_counts(const struct txp_ring_afpacket *s, uint64_t *sent, uint64_t *errors)
{
    *sent = s->sent;
    *errors = s->errors;
}

int
txp_ring_afpacket_close(struct txp_ring_afpacket *s)
{
    if (!s)
        return TXP_OK;
    int rc = ring_afp_kick(s);
    munmap(s->map, s->map_len);
    if (close(s->fd) != 0)
        rc = TXP_EIO;
    txp_free(s->alloc, s);
    return rc;
}
