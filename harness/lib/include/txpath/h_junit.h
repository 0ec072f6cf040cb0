/* SPDX-License-Identifier: MIT */
/* txpath harness: a small JUnit XML writer (testsuites / testsuite / testcase / failure). */
#ifndef TXP_H_JUNIT_H
#define TXP_H_JUNIT_H

#include "txpath/err.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Outcome of one test case. */
enum txp_h_junit_status {
    TXP_H_JUNIT_PASS = 0,
    TXP_H_JUNIT_FAIL,  /**< written as <failure> */
    TXP_H_JUNIT_ERROR, /**< written as <error> */
    TXP_H_JUNIT_SKIP   /**< written as <skipped> */
};

struct txp_h_junit;

/**
 * Start a report that will be written to @p path by txp_h_junit_close().
 * @return TXP_OK or TXP_ENOMEM. Ownership: *out owned; finish with txp_h_junit_close().
 * Thread-safety: per report. Complexity: O(1).
 */
int txp_h_junit_create(const char *path, struct txp_h_junit **out);

/**
 * Record one test case in the suite named @p suite (created on first use, kept in order).
 * @p message is the one-line failure message (attribute), @p details the body text (may be
 * NULL); both are escaped when written.
 * @return TXP_OK or TXP_ENOMEM. Ownership: copies every string. Complexity: O(suites + len).
 */
int txp_h_junit_add(struct txp_h_junit *j, const char *suite, const char *name, double seconds,
                    enum txp_h_junit_status st, const char *message, const char *details);

/**
 * Write the XML file and free the report. NULL is a no-op returning TXP_OK.
 * @return TXP_OK, or TXP_EIO with @p d (may be NULL) saying why.
 * Ownership: consumes @p j, also on failure. Complexity: O(total size).
 */
int txp_h_junit_close(struct txp_h_junit *j, struct txp_diag *d);

/**
 * Escape @p s for XML text or attribute content: & < > " ' become entities; control characters
 * other than tab, LF and CR (not allowed in XML 1.0) become "\xHH"; bytes >= 0x80 are copied.
 * @return the length of the escaped string (excluding NUL); at most @p cap - 1 bytes are
 * written and @p out is always NUL-terminated when @p cap > 0, as snprintf.
 * Ownership: borrows. Thread-safety: safe. Complexity: O(len).
 */
size_t txp_h_xml_escape(char *out, size_t cap, const char *s);

#ifdef __cplusplus
}
#endif
#endif /* TXP_H_JUNIT_H */
