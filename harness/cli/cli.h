/* SPDX-License-Identifier: MIT */
/* txpath CLI: the subcommands and what they share (private to harness/cli). */
#ifndef TXP_H_CLI_H
#define TXP_H_CLI_H

#include "txpath/h_diff.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Exit statuses of every subcommand. */
#define TXP_H_EXIT_OK 0     /**< same / all passed */
#define TXP_H_EXIT_DIFFER 1 /**< differences or failed cases */
#define TXP_H_EXIT_ERROR 2  /**< usage or I/O error */

/**
 * `txpath diff GOLDEN ACTUAL`. @return a TXP_H_EXIT_* status.
 * Ownership: borrows argv. Thread-safety: not thread-safe (writes stdout). Complexity: O(files).
 */
int txp_h_cli_diff(int argc, char **argv);

/**
 * `txpath conform ...`. @return a TXP_H_EXIT_* status.
 * Ownership: borrows argv. Thread-safety: not thread-safe. Complexity: O(cases * files).
 */
int txp_h_cli_conform(int argc, char **argv);

/**
 * Compare two pcap files byte for byte; on a difference write the field-level diff (at most
 * @p max_lines lines, 0 = 100) and any file-header differences to @p out.
 * @return TXP_H_EXIT_OK (identical bytes), TXP_H_EXIT_DIFFER, or TXP_H_EXIT_ERROR with @p err
 * holding "file: what went wrong". @p res (may be NULL) gets the record-level counts.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(file sizes).
 */
int txp_h_cli_compare_files(FILE *out, const char *golden, const char *actual, uint32_t max_lines,
                            struct txp_h_diff_result *res, char *err, size_t errcap);

/**
 * Parse "--name VALUE" or "--name=VALUE" at argv[*i]. @return 1 and *val when argv[*i] is that
 * option (advancing *i past a separate value), 0 when it is not, -1 when the value is missing.
 * Ownership: *val points into argv. Thread-safety: safe. Complexity: O(len).
 */
int txp_h_cli_opt(int argc, char **argv, int *i, const char *name, const char **val);

#endif /* TXP_H_CLI_H */
