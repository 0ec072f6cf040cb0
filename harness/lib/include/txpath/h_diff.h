/* SPDX-License-Identifier: MIT */
/* txpath harness: golden comparator: byte compare plus a field-level diff on mismatch. */
#ifndef TXP_H_DIFF_H
#define TXP_H_DIFF_H

#include "txpath/h_pcap.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result of comparing two packet lists. */
struct txp_h_diff_result {
    uint32_t golden_count;
    uint32_t actual_count;
    uint32_t packets_differing; /**< records whose bytes or timestamp differ */
    uint32_t lines;             /**< diff lines written */
};

/**
 * Compare two frames field by field and write one line per differing field, e.g.
 *   "pkt 3: ipv4.ttl golden=64 actual=63"
 *   "pkt 0: tcp.opt[2].kind golden=4 actual=1"
 *   "pkt 1: payload[17] golden=0x41 actual=0x42 (byte 71)"
 * Fields are named from the dissection of each frame (eth.*, arp.*, ipv4.*, ipv4.opt[i].*,
 * tcp.*, tcp.opt[i].*, udp.*, icmp.*); where a frame does not dissect the line says why and
 * at which byte. Identical frames write nothing.
 * @return number of lines written (0 = identical).
 * Ownership: borrows. Complexity: O(len).
 */
uint32_t txp_h_diff_frame(FILE *out, uint32_t index, enum txp_link link, const uint8_t *golden,
                          size_t glen, const uint8_t *actual, size_t alen);

/**
 * Compare two loaded files: link types, record counts, then every record (bytes and
 * timestamps), reporting with txp_h_diff_frame(). At most @p max_lines lines (0 = 100) are
 * written, then "... N more differences".
 * @return 0 when identical, 1 when they differ. Complexity: O(total bytes).
 */
int txp_h_diff_files(FILE *out, const struct txp_h_pcap_file *golden,
                     const struct txp_h_pcap_file *actual, uint32_t max_lines,
                     struct txp_h_diff_result *res);

#ifdef __cplusplus
}
#endif
#endif /* TXP_H_DIFF_H */
