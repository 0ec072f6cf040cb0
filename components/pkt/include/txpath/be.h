/* SPDX-License-Identifier: MIT */
/* txpath pkt: typed network byte order and alignment-safe wire load/store helpers. */
#ifndef TXP_BE_H
#define TXP_BE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A 16-bit value in network byte order. The wrapper makes the compiler reject mixing. */
struct txp_be16 {
    uint16_t v;
};
/** A 32-bit value in network byte order. */
struct txp_be32 {
    uint32_t v;
};

/* Load/store of big-endian integers at any alignment. Wire code uses these on byte offsets. */
static inline uint16_t
txp_load_be16(const uint8_t *p)
{
    return (uint16_t)(((uint16_t)p[0] << 8) | p[1]);
}

static inline uint32_t
txp_load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
txp_store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void
txp_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline struct txp_be16
txp_be16_from_host(uint16_t h)
{
    struct txp_be16 r;
    uint8_t b[2];
    txp_store_be16(b, h);
    memcpy(&r.v, b, 2);
    return r;
}

static inline uint16_t
txp_be16_to_host(struct txp_be16 n)
{
    uint8_t b[2];
    memcpy(b, &n.v, 2);
    return txp_load_be16(b);
}

static inline struct txp_be32
txp_be32_from_host(uint32_t h)
{
    struct txp_be32 r;
    uint8_t b[4];
    txp_store_be32(b, h);
    memcpy(&r.v, b, 4);
    return r;
}

static inline uint32_t
txp_be32_to_host(struct txp_be32 n)
{
    uint8_t b[4];
    memcpy(b, &n.v, 4);
    return txp_load_be32(b);
}

#ifdef __cplusplus
}
#endif
#endif /* TXP_BE_H */
