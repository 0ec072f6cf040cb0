/* SPDX-License-Identifier: MIT */
/* txpath pkt: the project-wide error codes, drop reasons and parser diagnostics. */
#ifndef TXP_ERR_H
#define TXP_ERR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Error codes: 0 is success, failures are the negative values below. The values are txpath's
 * own (not the platform errno), so logs and golden outputs match on every platform. The names
 * follow POSIX errno where one exists so that a Linux errno (ENETUNREACH from a route lookup,
 * EMSGSIZE from a DF datagram) maps one to one.
 *   XX(name, value, message)
 */
#define TXP_ERR_MAP(XX)                                                                            \
    XX(EINVAL, 1, "invalid argument")                                                              \
    XX(ENOMEM, 2, "out of memory")                                                                 \
    XX(ENOSPC, 3, "no space left (queue, ring or buffer full)")                                    \
    XX(ENOENT, 4, "no such entry")                                                                 \
    XX(EMSGSIZE, 5, "message too long")                                                            \
    XX(EAGAIN, 6, "resource temporarily unavailable (more input needed)")                          \
    XX(ENOTSUP, 7, "operation or feature not supported")                                           \
    XX(ERANGE, 8, "value out of range")                                                            \
    XX(EBADMSG, 9, "malformed input")                                                              \
    XX(EEXIST, 10, "entry exists")                                                                 \
    XX(EIO, 11, "input/output error")                                                              \
    XX(ENETUNREACH, 12, "network is unreachable")                                                  \
    XX(EHOSTUNREACH, 13, "no route to host")                                                       \
    XX(EACCES, 14, "permission denied")                                                            \
    XX(EPERM, 15, "operation not permitted")                                                       \
    XX(EPIPE, 16, "broken pipe (connection shut down for writing)")                                \
    XX(ECONNRESET, 17, "connection reset")                                                         \
    XX(ENOBUFS, 18, "no buffer space available")                                                   \
    XX(EBUSY, 19, "device or resource busy")                                                       \
    XX(ENOTCONN, 20, "not connected")

/** Error codes. Functions return TXP_OK or the negative of one of these. */
enum txp_err {
    TXP_OK = 0,
#define TXP__ERR_ENUM(name, val, msg) TXP_##name = -(val),
    TXP_ERR_MAP(TXP__ERR_ENUM)
#undef TXP__ERR_ENUM
};

/**
 * Human-readable message for an error code.
 * @param err TXP_OK or a negative TXP_E* value.
 * @return A static string; "unknown error" for values outside the map.
 * Ownership: returns a pointer to read-only static storage.
 * Thread-safety: safe.
 * Complexity: O(1).
 */
const char *txp_strerror(int err);

/**
 * Symbolic name of an error code ("TXP_EINVAL", "TXP_OK").
 * @param err TXP_OK or a negative TXP_E* value.
 * @return A static string; "TXP_E?" for unknown values.
 * Ownership: read-only static storage. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_errname(int err);

/*
 * Drop reasons: every dropped packet carries one. Names follow Linux's SKB_DROP_REASON_*
 * (include/net/dropreason-core.h) where one fits; the ones marked txpath have no Linux twin.
 *   XX(name, description)
 */
#define TXP_DROP_MAP(XX)                                                                           \
    XX(NOT_DROPPED, "not dropped")                                                                 \
    XX(NOT_SPECIFIED, "unspecified")                                                               \
    XX(NOMEM, "no memory for the packet")                                                          \
    XX(PKT_TOO_SMALL, "packet shorter than its headers")                                           \
    XX(PKT_TOO_BIG, "packet larger than the MTU and not fragmentable")                             \
    XX(HDR_TRUNC, "header truncated")                                                              \
    XX(IP_INHDR, "bad IPv4 header")                                                                \
    XX(IP_CSUM, "bad IPv4 header checksum")                                                        \
    XX(TCP_CSUM, "bad TCP checksum")                                                               \
    XX(UDP_CSUM, "bad UDP checksum")                                                               \
    XX(ICMP_CSUM, "bad ICMP checksum")                                                             \
    XX(INVALID_PROTO, "invalid or unsupported protocol")                                           \
    XX(IP_OUTNOROUTES, "no route for the destination")                                             \
    XX(IP_BLACKHOLE, "route type blackhole (txpath)")                                              \
    XX(IP_UNREACHABLE, "route type unreachable (txpath)")                                          \
    XX(IP_PROHIBIT, "route type prohibit (txpath)")                                                \
    XX(NETFILTER_DROP, "dropped by an iptables rule or policy")                                    \
    XX(NETFILTER_REJECT, "rejected by an iptables REJECT rule (txpath)")                           \
    XX(NEIGH_CREATEFAIL, "neighbour entry could not be created")                                   \
    XX(NEIGH_FAILED, "neighbour resolution failed")                                                \
    XX(NEIGH_QUEUEFULL, "neighbour pending queue full")                                            \
    XX(NEIGH_DEAD, "neighbour entry removed")                                                      \
    XX(QDISC_DROP, "dropped by the qdisc (queue limit)")                                           \
    XX(QDISC_NETEM_LOSS, "netem loss (txpath)")                                                    \
    XX(QDISC_NETEM_CORRUPT, "netem corrupt with GSO (txpath)")                                     \
    XX(TC_EGRESS, "dropped at tc egress")                                                          \
    XX(DEV_READY, "device not ready")                                                              \
    XX(FULL_RING, "TX ring full")                                                                  \
    XX(DEV_HDR, "bad device header")                                                               \
    XX(TX_BAD_FRAGS, "bad fragment list for the TX ring (txpath)")                                 \
    XX(SOCKET_CLOSED, "socket shut down (txpath)")                                                 \
    XX(TCP_INVALID_ACK, "ACK for data never sent (txpath)")                                        \
    XX(TCP_OLD_ACK, "ACK older than snd_una (txpath)")                                             \
    XX(FRAG_DF, "fragmentation needed and DF set (txpath)")                                        \
    XX(ARP_MALFORMED, "malformed ARP frame (txpath)")                                              \
    XX(ARP_UNSOLICITED, "unsolicited ARP not accepted (txpath)")                                   \
    XX(ARP_NOT_FOR_US, "ARP not for one of our addresses (txpath)")

/** Drop reasons (TXP_DROP_<name>). */
enum txp_drop_reason {
#define TXP__DROP_ENUM(name, desc) TXP_DROP_##name,
    TXP_DROP_MAP(TXP__DROP_ENUM)
#undef TXP__DROP_ENUM
        TXP_DROP__COUNT
};

/**
 * Name of a drop reason, without prefix ("NEIGH_QUEUEFULL"), as Linux's drop_reasons[] prints.
 * @return A static string; "UNKNOWN" for values out of range.
 * Ownership: read-only static storage. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_drop_name(enum txp_drop_reason r);

/**
 * One-line description of a drop reason.
 * @return A static string. Ownership: static. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_drop_desc(enum txp_drop_reason r);

/*
 * Why a wire parser rejected its input. Every parser reports one of these and the byte offset
 * at which it gave up, so a diagnostic can say "byte 23: ipv4 option overruns header".
 */
#define TXP_PARSE_MAP(XX)                                                                          \
    XX(OK, "ok")                                                                                   \
    XX(TRUNCATED, "truncated: fewer bytes than the header needs")                                  \
    XX(BAD_VERSION, "bad IP version")                                                              \
    XX(BAD_IHL, "bad IHL (below 5 or beyond the buffer)")                                          \
    XX(BAD_DOFF, "bad TCP data offset (below 5 or beyond the buffer)")                             \
    XX(LEN_MISMATCH, "length field disagrees with the bytes present")                              \
    XX(OPT_OVERRUN, "option length runs past the header")                                          \
    XX(BAD_OPT_LEN, "option length invalid for its kind")                                          \
    XX(BAD_ADDR_LEN, "unsupported hardware/protocol address length")                               \
    XX(UNSUPPORTED, "unsupported protocol or link type")

/** Parse failure reasons (TXP_PARSE_<name>). */
enum txp_parse_reason {
#define TXP__PARSE_ENUM(name, desc) TXP_PARSE_##name,
    TXP_PARSE_MAP(TXP__PARSE_ENUM)
#undef TXP__PARSE_ENUM
        TXP_PARSE__COUNT
};

/** Where and why a wire parser stopped. */
struct txp_parse_err {
    enum txp_parse_reason reason; /**< TXP_PARSE_OK on success */
    uint32_t offset;              /**< byte offset of the offending field, from the parse start */
};

/**
 * Name of a parse reason ("OPT_OVERRUN").
 * @return static string. Ownership: static. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_parse_name(enum txp_parse_reason r);

/**
 * Description of a parse reason.
 * @return static string. Ownership: static. Thread-safety: safe. Complexity: O(1).
 */
const char *txp_parse_desc(enum txp_parse_reason r);

/*
 * Diagnostics for configuration parsers (route files, rulesets, case files): where and what.
 * A parser fills one of these whenever it returns an error.
 */
#define TXP_DIAG_MSG_MAX 256

/** A configuration-parse diagnostic: file, line, column (1-based; 0 = unknown) and message. */
struct txp_diag {
    const char *file; /**< borrowed; the caller keeps it alive */
    uint32_t line;
    uint32_t column;
    uint64_t byte_offset; /**< for binary inputs (pcap); UINT64_MAX when unused */
    char msg[TXP_DIAG_MSG_MAX];
};

/**
 * Reset a diagnostic to "no error" for @p file.
 * @param d diagnostic to fill. @param file borrowed file name, may be NULL.
 * Ownership: borrows both. Thread-safety: per object. Complexity: O(1).
 */
void txp_diag_init(struct txp_diag *d, const char *file);

/**
 * Record an error at @p line / @p column with a printf-style message.
 * @param d diagnostic. @param line 1-based line, 0 if unknown. @param column 1-based, 0 if unknown.
 * @param fmt printf format.
 * @return TXP_EBADMSG, so a parser can write `return txp_diag_set(...)`.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(len).
 */
int txp_diag_set(struct txp_diag *d, uint32_t line, uint32_t column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/**
 * Record an error at byte @p byte_offset of a binary input (a pcap) with a printf-style message;
 * clears line and column, so txp_diag_format() prints the "file: byte N: message" form.
 * @param d diagnostic. @param byte_offset offset from the start of the input.
 * @param fmt printf format.
 * @return TXP_EBADMSG, so a parser can write `return txp_diag_set_byte(...)`.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(len).
 */
int txp_diag_set_byte(struct txp_diag *d, uint64_t byte_offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/**
 * Format a diagnostic as "file:line:col: message" (or "file: byte N: message").
 * @param d diagnostic. @param out buffer. @param cap its size.
 * @return number of characters that would have been written, as snprintf.
 * Ownership: borrows. Thread-safety: per object. Complexity: O(len).
 */
int txp_diag_format(const struct txp_diag *d, char *out, size_t cap);

/**
 * Report a failed TXP_ASSERT and abort. Used only through the macro.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(1). Does not return.
 */
void txp_assert_fail(const char *expr, const char *file, int line)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/*
 * TXP_ASSERT checks a caller bug (never bytes from the wire). It is on in debug, test and fuzz
 * builds (TXP_ENABLE_ASSERT, set by the build for those) and compiles to nothing otherwise.
 */
#if defined(TXP_ENABLE_ASSERT)
#define TXP_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            txp_assert_fail(#cond, __FILE__, __LINE__);                                            \
    } while (0)
#else
#define TXP_ASSERT(cond)                                                                           \
    do {                                                                                           \
        (void)sizeof(cond);                                                                        \
    } while (0)
#endif

/** Recover the struct that embeds @p ptr as @p member (closure-struct callbacks, B8). */
#define TXP_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#ifdef __cplusplus
}
#endif
#endif /* TXP_ERR_H */
