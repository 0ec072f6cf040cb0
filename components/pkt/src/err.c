/* SPDX-License-Identifier: MIT */
/*
 * txpath pkt: error codes, drop reasons, parse reasons and configuration diagnostics.
 *
 * Every table here is generated from the X-macro maps in txpath/err.h (TXP_ERR_MAP,
 * TXP_DROP_MAP, TXP_PARSE_MAP), so adding a code in the header is the only edit needed; the
 * names and messages can never drift from the enum values. Lookups of values outside the maps
 * return a fixed "unknown" string rather than asserting: codes reach these functions from logs,
 * case files and other untrusted places.
 *
 * Diagnostics (struct txp_diag) hold a borrowed file name, a 1-based line and column (0 =
 * unknown) or a byte offset for binary inputs, and a bounded message. txp_diag_format() renders
 * them in the compiler style editors understand:
 *
 *     file:line:col: message     line and column known
 *     file:line: message         line known, column not
 *     file: byte N: message      binary input (byte_offset set, no line)
 *     file: message              neither
 *
 * A NULL file prints as "<input>". No state is kept; everything is thread-safe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "txpath/err.h"

const char *
txp_strerror(int err)
{
    switch (err) {
    case TXP_OK:
        return "success";
#define TXP__ERR_MSG(name, val, msg)                                                               \
    case -(val):                                                                                   \
        return msg;
        TXP_ERR_MAP(TXP__ERR_MSG)
#undef TXP__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *
txp_errname(int err)
{
    switch (err) {
    case TXP_OK:
        return "TXP_OK";
#define TXP__ERR_NAME(name, val, msg)                                                              \
    case -(val):                                                                                   \
        return "TXP_" #name;
        TXP_ERR_MAP(TXP__ERR_NAME)
#undef TXP__ERR_NAME
    default:
        return "TXP_E?";
    }
}

static const char *const txp_drop_names[TXP_DROP__COUNT] = {
#define TXP__DROP_NAME(name, desc) #name,
    TXP_DROP_MAP(TXP__DROP_NAME)
#undef TXP__DROP_NAME
};

static const char *const txp_drop_descs[TXP_DROP__COUNT] = {
#define TXP__DROP_DESC(name, desc) desc,
    TXP_DROP_MAP(TXP__DROP_DESC)
#undef TXP__DROP_DESC
};

const char *
txp_drop_name(enum txp_drop_reason r)
{
    unsigned int i = (unsigned int)r;

    return i < (unsigned int)TXP_DROP__COUNT ? txp_drop_names[i] : "UNKNOWN";
}

const char *
txp_drop_desc(enum txp_drop_reason r)
{
    unsigned int i = (unsigned int)r;

    return i < (unsigned int)TXP_DROP__COUNT ? txp_drop_descs[i] : "unknown drop reason";
}

static const char *const txp_parse_names[TXP_PARSE__COUNT] = {
#define TXP__PARSE_NAME(name, desc) #name,
    TXP_PARSE_MAP(TXP__PARSE_NAME)
#undef TXP__PARSE_NAME
};

static const char *const txp_parse_descs[TXP_PARSE__COUNT] = {
#define TXP__PARSE_DESC(name, desc) desc,
    TXP_PARSE_MAP(TXP__PARSE_DESC)
#undef TXP__PARSE_DESC
};

const char *
txp_parse_name(enum txp_parse_reason r)
{
    unsigned int i = (unsigned int)r;

    return i < (unsigned int)TXP_PARSE__COUNT ? txp_parse_names[i] : "UNKNOWN";
}

const char *
txp_parse_desc(enum txp_parse_reason r)
{
    unsigned int i = (unsigned int)r;

    return i < (unsigned int)TXP_PARSE__COUNT ? txp_parse_descs[i] : "unknown parse reason";
}

void
txp_diag_init(struct txp_diag *d, const char *file)
{
    TXP_ASSERT(d != NULL);
    d->file = file;
    d->line = 0;
    d->column = 0;
    d->byte_offset = UINT64_MAX;
    d->msg[0] = '\0';
}

static void
txp_diag_vmsg(struct txp_diag *d, const char *fmt, va_list ap)
{
    if (fmt == NULL || vsnprintf(d->msg, sizeof(d->msg), fmt, ap) < 0)
        d->msg[0] = '\0';
}

int
txp_diag_set(struct txp_diag *d, uint32_t line, uint32_t column, const char *fmt, ...)
{
    va_list ap;

    TXP_ASSERT(d != NULL);
    d->line = line;
    d->column = column;
    va_start(ap, fmt);
    txp_diag_vmsg(d, fmt, ap);
    va_end(ap);
    return TXP_EBADMSG;
}

int
txp_diag_set_byte(struct txp_diag *d, uint64_t byte_offset, const char *fmt, ...)
{
    va_list ap;

    TXP_ASSERT(d != NULL);
    d->line = 0;
    d->column = 0;
    d->byte_offset = byte_offset;
    va_start(ap, fmt);
    txp_diag_vmsg(d, fmt, ap);
    va_end(ap);
    return TXP_EBADMSG;
}

int
txp_diag_format(const struct txp_diag *d, char *out, size_t cap)
{
    const char *file;
    char empty[1];

    TXP_ASSERT(d != NULL);
    /* snprintf(NULL, 0, ...) is allowed, but a NULL buffer with a capacity is not. */
    if (out == NULL || cap == 0) {
        out = empty;
        cap = 0;
    }
    file = d->file != NULL ? d->file : "<input>";
    if (d->line > 0 && d->column > 0)
        return snprintf(out, cap, "%s:%u:%u: %s", file, (unsigned)d->line, (unsigned)d->column,
                        d->msg);
    if (d->line > 0)
        return snprintf(out, cap, "%s:%u: %s", file, (unsigned)d->line, d->msg);
    if (d->byte_offset != UINT64_MAX)
        return snprintf(out, cap, "%s: byte %llu: %s", file, (unsigned long long)d->byte_offset,
                        d->msg);
    return snprintf(out, cap, "%s: %s", file, d->msg);
}
