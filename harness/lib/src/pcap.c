/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: pcap files through libpcap.
 *
 * Reading (txp_h_pcap_load) first reads the 24-byte file header itself, so that a bad magic,
 * a short header or an unsupported link type is reported with the file name and byte offset in
 * txpath's words, then hands the file to libpcap (pcap_open_offline_with_tstamp_precision, always
 * asking for nanoseconds so microsecond files come back as multiples of 1000 ns). Before every
 * record it takes ftell() of libpcap's FILE, so a truncated or corrupt record is reported at the
 * byte offset where that record starts.
 *
 *   file header (24)  | rec hdr (16) | data (caplen) | rec hdr (16) | data | ...
 *   magic a1b2c3d4 (us) or a1b23c4d (ns), either byte order; version 2.4; snaplen; linktype
 *
 * Link types: LINKTYPE_ETHERNET (1) -> TXP_LINK_ETH; LINKTYPE_IPV4 (228) and LINKTYPE_RAW
 * (101, DLT_RAW 12/14 on some systems) -> TXP_LINK_RAW_IPV4. Anything else is TXP_ENOTSUP.
 *
 * Writing (txp_h_pcap_create/_prec, txp_h_pcap_write, txp_h_pcap_close) goes through
 * pcap_open_dead_with_tstamp_precision + pcap_dump with snaplen 65535, as scapy writes, so a
 * file written here is byte-identical to scapy's wrpcap for the same records and link type.
 *
 * This is test-support code: it allocates freely (malloc) and keeps no global state.
 */
#define _DEFAULT_SOURCE 1 /* libpcap's headers need u_int and friends */

#include "txpath/h_pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H_PCAP_MAGIC_US 0xa1b2c3d4u
#define H_PCAP_MAGIC_NS 0xa1b23c4du
#define H_PCAP_HDR_LEN 24u
#define H_PCAP_SNAPLEN 65535
#define H_PCAP_LINKTYPE_ETHERNET 1u
#define H_PCAP_LINKTYPE_RAW 101u
#define H_PCAP_LINKTYPE_IPV4 228u

struct txp_h_pcap_writer {
    pcap_t *pcap;
    pcap_dumper_t *dumper;
    int nsec;
};

static uint32_t
h_rd32(const uint8_t *p, int swapped)
{
    if (swapped)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t
h_rd16(const uint8_t *p, int swapped)
{
    if (swapped)
        return (uint16_t)((unsigned)p[0] << 8 | p[1]);
    return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

/*
 * Fill @p d for a failure at byte @p off (UINT64_MAX: none) and return @p err. The message
 * says what was wrong; the file name is d->file and the offset d->byte_offset, which
 * txp_diag_format() prints as "file: byte N: message".
 */
static int h_fail(struct txp_diag *d, int err, uint64_t off, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int
h_fail(struct txp_diag *d, int err, uint64_t off, const char *fmt, ...)
{
    if (d) {
        char msg[TXP_DIAG_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        (void)txp_diag_set(d, 0, 0, "%s", msg);
        d->byte_offset = off;
    }
    return err;
}

/*
 * Read and check the file header. Sets the header fields of @p f and *link.
 * "bytes" of the file are little-endian when the magic reads a1b2c3d4 LE; "swapped" means the
 * writer was big-endian.
 */
static int
h_read_header(const char *path, struct txp_h_pcap_file *f, struct txp_diag *d)
{
    uint8_t h[H_PCAP_HDR_LEN];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return h_fail(d, TXP_EIO, UINT64_MAX, "cannot open: %s", strerror(errno));
    size_t got = fread(h, 1, sizeof h, fp);
    int rerr = ferror(fp);
    fclose(fp);
    if (rerr)
        return h_fail(d, TXP_EIO, UINT64_MAX, "read error");
    if (got < sizeof h)
        return h_fail(d, TXP_EBADMSG, got,
                      "truncated file header at byte %zu: %zu of 24 bytes (empty or not a pcap)",
                      got, got);
    int swapped;
    if (h_rd32(h, 0) == H_PCAP_MAGIC_US || h_rd32(h, 0) == H_PCAP_MAGIC_NS) {
        swapped = 0;
    } else if (h_rd32(h, 1) == H_PCAP_MAGIC_US || h_rd32(h, 1) == H_PCAP_MAGIC_NS) {
        swapped = 1;
    } else {
        return h_fail(d, TXP_EBADMSG, 0,
                      "bad magic %02x %02x %02x %02x at byte 0 (not a pcap file; pcapng is not "
                      "supported)",
                      h[0], h[1], h[2], h[3]);
    }
    /* The magic as the writer's host saw it. */
    f->nsec = h_rd32(h, swapped) == H_PCAP_MAGIC_NS;
    f->swapped = (uint8_t)swapped;
    f->version_major = h_rd16(h + 4, swapped);
    f->version_minor = h_rd16(h + 6, swapped);
    f->snaplen = h_rd32(h + 16, swapped);
    f->linktype = h_rd32(h + 20, swapped) & 0x03ffffffu; /* upper bits: FCS length, flags */
    if (f->version_major != 2)
        return h_fail(d, TXP_EBADMSG, 4, "unsupported pcap version %u.%u at byte 4",
                      (unsigned)f->version_major, (unsigned)f->version_minor);
    switch (f->linktype) {
    case H_PCAP_LINKTYPE_ETHERNET:
        f->link = TXP_LINK_ETH;
        break;
    case H_PCAP_LINKTYPE_IPV4:
    case H_PCAP_LINKTYPE_RAW:
    case 12u: /* DLT_RAW as some writers put it */
    case 14u: /* DLT_RAW on OpenBSD */
        f->link = TXP_LINK_RAW_IPV4;
        break;
    default:
        return h_fail(d, TXP_ENOTSUP, 20,
                      "unsupported link type %u at byte 20 (want 1 Ethernet, 101/228 raw IPv4)",
                      (unsigned)f->linktype);
    }
    return TXP_OK;
}

void
txp_h_pcap_file_free(struct txp_h_pcap_file *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->count; i++)
        free((void *)(uintptr_t)f->recs[i].data);
    free(f->recs);
    free(f);
}

/* Append a record (copying @p data) to @p f. */
static int
h_add_rec(struct txp_h_pcap_file *f, uint32_t *cap, uint64_t ts_ns, uint32_t caplen,
          uint32_t origlen, const uint8_t *data)
{
    if (f->count == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 64;
        struct txp_h_pcap_rec *n = realloc(f->recs, (size_t)ncap * sizeof *n);
        if (!n)
            return TXP_ENOMEM;
        f->recs = n;
        *cap = ncap;
    }
    uint8_t *copy = malloc(caplen ? caplen : 1);
    if (!copy)
        return TXP_ENOMEM;
    if (caplen)
        memcpy(copy, data, caplen);
    struct txp_h_pcap_rec *r = &f->recs[f->count++];
    r->ts_ns = ts_ns;
    r->caplen = caplen;
    r->origlen = origlen;
    r->data = copy;
    return TXP_OK;
}

/* Read every record of an opened file into @p f. */
static int
h_read_records(pcap_t *p, struct txp_h_pcap_file *f, struct txp_diag *d)
{
    uint32_t cap = 0;
    FILE *fp = pcap_file(p);
    for (;;) {
        long pos = fp ? ftell(fp) : -1;
        uint64_t off = pos >= 0 ? (uint64_t)pos : UINT64_MAX;
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(p, &hdr, &data);
        if (rc == PCAP_ERROR_BREAK)
            return TXP_OK; /* end of file */
        if (rc != 1)
            return h_fail(d, TXP_EBADMSG, off, "record %u at byte %llu: %s", (unsigned)f->count,
                          (unsigned long long)off, pcap_geterr(p));
        if (hdr->caplen > hdr->len)
            return h_fail(d, TXP_EBADMSG, off,
                          "record %u at byte %llu: caplen %u exceeds original length %u",
                          (unsigned)f->count, (unsigned long long)off, (unsigned)hdr->caplen,
                          (unsigned)hdr->len);
        /* With nanosecond precision requested, tv_usec carries nanoseconds. */
        uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
        int rc2 = h_add_rec(f, &cap, ts, hdr->caplen, hdr->len, data);
        if (rc2 != TXP_OK)
            return h_fail(d, rc2, off, "record %u: out of memory", (unsigned)f->count);
    }
}

int
txp_h_pcap_load(const char *path, struct txp_h_pcap_file **out, struct txp_diag *d)
{
    TXP_ASSERT(path && out);
    *out = NULL;
    if (d) {
        txp_diag_init(d, path);
        d->byte_offset = UINT64_MAX;
    }
    struct txp_h_pcap_file *f = calloc(1, sizeof *f);
    if (!f)
        return TXP_ENOMEM;
    int rc = h_read_header(path, f, d);
    if (rc != TXP_OK) {
        free(f);
        return rc;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = '\0';
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        free(f);
        return h_fail(d, TXP_EBADMSG, 0, "libpcap refused the file: %s", errbuf);
    }
    rc = h_read_records(p, f, d);
    pcap_close(p);
    if (rc != TXP_OK) {
        txp_h_pcap_file_free(f);
        return rc;
    }
    *out = f;
    return TXP_OK;
}

int
txp_h_pcap_create_prec(const char *path, enum txp_link link, int nsec,
                       struct txp_h_pcap_writer **out, struct txp_diag *d)
{
    TXP_ASSERT(path && out);
    *out = NULL;
    if (d) {
        txp_diag_init(d, path);
        d->byte_offset = UINT64_MAX;
    }
    int dlt;
    switch (link) {
    case TXP_LINK_ETH:
        dlt = DLT_EN10MB;
        break;
    case TXP_LINK_RAW_IPV4:
        dlt = DLT_IPV4;
        break;
    default:
        return h_fail(d, TXP_EINVAL, UINT64_MAX, "unsupported link type %d", (int)link);
    }
    struct txp_h_pcap_writer *w = calloc(1, sizeof *w);
    if (!w)
        return TXP_ENOMEM;
    w->nsec = nsec ? 1 : 0;
    w->pcap = pcap_open_dead_with_tstamp_precision(
        dlt, H_PCAP_SNAPLEN, nsec ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
    if (!w->pcap) {
        free(w);
        return h_fail(d, TXP_ENOMEM, UINT64_MAX, "pcap_open_dead failed");
    }
    w->dumper = pcap_dump_open(w->pcap, path);
    if (!w->dumper) {
        int rc = h_fail(d, TXP_EIO, UINT64_MAX, "cannot create: %s", pcap_geterr(w->pcap));
        pcap_close(w->pcap);
        free(w);
        return rc;
    }
    *out = w;
    return TXP_OK;
}

int
txp_h_pcap_create(const char *path, enum txp_link link, struct txp_h_pcap_writer **out,
                  struct txp_diag *d)
{
    return txp_h_pcap_create_prec(path, link, 0, out, d);
}

int
txp_h_pcap_write(struct txp_h_pcap_writer *w, uint64_t ts_ns, const uint8_t *data, size_t len)
{
    TXP_ASSERT(w && (data || len == 0));
    if (len > 65535u + 14u)
        return TXP_EINVAL;
    struct pcap_pkthdr hdr;
    memset(&hdr, 0, sizeof hdr);
    hdr.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
    uint64_t frac = ts_ns % 1000000000u;
    hdr.ts.tv_usec = (suseconds_t)(w->nsec ? frac : frac / 1000u);
    hdr.caplen = (bpf_u_int32)len;
    hdr.len = (bpf_u_int32)len;
    static const u_char empty[1] = {0};
    pcap_dump((u_char *)w->dumper, &hdr, len ? data : empty);
    FILE *fp = pcap_dump_file(w->dumper);
    if (fp && ferror(fp))
        return TXP_EIO;
    return TXP_OK;
}

int
txp_h_pcap_close(struct txp_h_pcap_writer *w)
{
    if (!w)
        return TXP_OK;
    int rc = TXP_OK;
    if (pcap_dump_flush(w->dumper) != 0)
        rc = TXP_EIO;
    FILE *fp = pcap_dump_file(w->dumper);
    if (fp && ferror(fp))
        rc = TXP_EIO;
    pcap_dump_close(w->dumper);
    pcap_close(w->pcap);
    free(w);
    return rc;
}
