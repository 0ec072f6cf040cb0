/* SPDX-License-Identifier: MIT */
/* txpath harness: pcap files through libpcap (Ethernet and raw-IPv4 link types). */
#ifndef TXP_H_PCAP_H
#define TXP_H_PCAP_H

#include "txpath/pkt.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One record. data points into storage owned by the reader/file it came from. */
struct txp_h_pcap_rec {
    uint64_t ts_ns; /**< timestamp in ns (microsecond files give multiples of 1000) */
    uint32_t caplen;
    uint32_t origlen;
    const uint8_t *data;
};

/** A whole pcap file in memory. */
struct txp_h_pcap_file {
    enum txp_link link;
    uint32_t count;
    struct txp_h_pcap_rec *recs; /**< count records; data blocks owned by the file */
    /* Added by the harness owner: the file header as found, for byte-level comparisons. */
    uint32_t linktype; /**< LINKTYPE_* number in the file header (1, 12, 101 or 228) */
    uint32_t snaplen;  /**< snapshot length in the file header */
    uint16_t version_major;
    uint16_t version_minor;
    uint8_t nsec;    /**< 1 for a nanosecond-resolution file */
    uint8_t swapped; /**< 1 for a big-endian file (magic read as d4c3b2a1 little-endian) */
};

/**
 * Read a whole pcap file (microsecond or nanosecond, either byte order). Link types other than
 * Ethernet (1) and IPv4 (228) and also DLT_RAW (12/101, mapped to TXP_LINK_RAW_IPV4) are errors.
 * @return TXP_OK; TXP_EIO (cannot open: d says why), TXP_EBADMSG (malformed: d names the byte
 * offset), TXP_ENOTSUP (link type).
 * Ownership: *out is owned; free with txp_h_pcap_file_free(). Complexity: O(file size).
 */
int txp_h_pcap_load(const char *path, struct txp_h_pcap_file **out, struct txp_diag *d);

/** Free a loaded file. NULL is a no-op. */
void txp_h_pcap_file_free(struct txp_h_pcap_file *f);

struct txp_h_pcap_writer;

/**
 * Create (truncate) a microsecond-resolution pcap file with snaplen 65535 (as scapy writes).
 * @return TXP_OK or TXP_EIO with @p d filled. Ownership: *out owned; close with
 * txp_h_pcap_close(), which flushes.
 */
int txp_h_pcap_create(const char *path, enum txp_link link, struct txp_h_pcap_writer **out,
                      struct txp_diag *d);

/**
 * As txp_h_pcap_create(), choosing the timestamp resolution: @p nsec 0 writes a microsecond
 * file (magic a1b2c3d4, timestamps truncated to the microsecond), 1 a nanosecond file (a1b23c4d).
 * @return TXP_OK, TXP_EINVAL (link type) or TXP_EIO with @p d filled.
 * Ownership: *out owned; close with txp_h_pcap_close(). Thread-safety: per writer.
 * Complexity: O(1).
 */
int txp_h_pcap_create_prec(const char *path, enum txp_link link, int nsec,
                           struct txp_h_pcap_writer **out, struct txp_diag *d);

/**
 * Append one record.
 * @return TXP_OK, TXP_EINVAL (len > 65535 + 14) or TXP_EIO.
 */
int txp_h_pcap_write(struct txp_h_pcap_writer *w, uint64_t ts_ns, const uint8_t *data, size_t len);

/** Flush and close. @return TXP_OK or TXP_EIO. NULL is a no-op returning TXP_OK. */
int txp_h_pcap_close(struct txp_h_pcap_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* TXP_H_PCAP_H */
