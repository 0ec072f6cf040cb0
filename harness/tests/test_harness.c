/* SPDX-License-Identifier: MIT */
/*
 * CUnit suites for the harness library: pcap I/O (round trips at both resolutions, truncated
 * and corrupt files with their byte offsets), the field-level diff, the JUnit writer's
 * escaping, the case.json loader and txp_h_json_* helpers, and the guard-page buffer.
 * Each suite becomes the CTest entry harness.unit.<suite>.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, fork, waitpid, unlink, rmdir */

#include "txpath/h_conform.h"
#include "txpath/h_cunit.h"
#include "txpath/h_diff.h"
#include "txpath/h_guard.h"
#include "txpath/h_junit.h"
#include "txpath/h_pcap.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------ scratch files */

/* Tests need a scratch folder; it is made by each suite's init and removed by its cleanup. */
static char g_tmpdir[64];

static int
h_tmp_init(void)
{
    const char *base = getenv("TMPDIR");
    (void)snprintf(g_tmpdir, sizeof g_tmpdir, "%s/txp_h_test.XXXXXX",
                   base && base[0] && strlen(base) < 32 ? base : "/tmp");
    return mkdtemp(g_tmpdir) ? 0 : -1;
}

static int
h_tmp_cleanup(void)
{
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void
h_path(char *out, size_t cap, const char *name)
{
    (void)snprintf(out, cap, "%s/%s", g_tmpdir, name);
}

static void
h_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static size_t
h_read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

/* Everything written to @p fp so far, as a NUL-terminated string in @p out. */
static void
h_slurp_stream(FILE *fp, char *out, size_t cap)
{
    fflush(fp);
    rewind(fp);
    size_t n = fread(out, 1, cap - 1, fp);
    out[n] = '\0';
}

static unsigned
h_count_lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------------ test frames */

/* One's-complement sum, here so the tests do not depend on the code under test. */
static uint16_t
h_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

#define F_ETH 0
#define F_IP 14
#define F_IP_OPTS (F_IP + 20)
#define F_TCP (F_IP + 24)
#define F_TCP_OPTS (F_TCP + 20)
#define F_PAY (F_TCP + 32)
#define F_LEN (F_PAY + 12)

/*
 * Ethernet / IPv4 with a Router Alert option (IHL 6) / TCP with MSS, NOP, WS, SACK-permitted,
 * NOP, NOP (doff 8) / 12 bytes "hello world!". Byte offsets: IPv4 14, TCP 38, payload 70.
 */
static void
h_frame(uint8_t f[F_LEN])
{
    static const uint8_t eth[14] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
    static const uint8_t ip[24] = {0x46, 0x00, 0, F_LEN - 14, 0x12, 0x34, 0x40, 0x00, 64,  6, 0, 0,
                                   10,   0,    0, 1,          10,   0,    0,    2,    148, 4, 0, 0};
    static const uint8_t tcp[32] = {0x30, 0x39, 0x00, 0x50, 0,    0, 0, 1, 0, 0, 0,
                                    0,    0x80, 0x12, 0xff, 0xff, 0, 0, 0, 0, 2, 4,
                                    0x05, 0xb4, 1,    3,    3,    7, 4, 2, 1, 1};
    memcpy(f + F_ETH, eth, sizeof eth);
    memcpy(f + F_IP, ip, sizeof ip);
    memcpy(f + F_TCP, tcp, sizeof tcp);
    memcpy(f + F_PAY, "hello world!", 12);
    uint16_t c = h_csum(f + F_IP, 24);
    f[F_IP + 10] = (uint8_t)(c >> 8);
    f[F_IP + 11] = (uint8_t)c;
    f[F_TCP + 16] = 0xab; /* TCP checksum: any value; the diff does not verify it */
    f[F_TCP + 17] = 0xcd;
}

/* Diff golden vs a copy with byte @p off set to @p val; the output goes to @p text. */
static uint32_t
h_diff_one(uint32_t index, size_t off, uint8_t val, char *text, size_t cap)
{
    uint8_t g[F_LEN], a[F_LEN];
    h_frame(g);
    memcpy(a, g, sizeof a);
    a[off] = val;
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    uint32_t n = txp_h_diff_frame(fp, index, TXP_LINK_ETH, g, sizeof g, a, sizeof a);
    h_slurp_stream(fp, text, cap);
    fclose(fp);
    return n;
}

/* ------------------------------------------------------------------ pcap */

static void
test_pcap_roundtrip_us(void)
{
    char path[128];
    h_path(path, sizeof path, "us.pcap");
    uint8_t f[F_LEN];
    h_frame(f);
    struct txp_diag d;
    struct txp_h_pcap_writer *w = NULL;
    CU_ASSERT_EQUAL_FATAL(txp_h_pcap_create(path, TXP_LINK_ETH, &w, &d), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 1000001234u, f, sizeof f), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 2500000000u, f, 60), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 0, NULL, 0), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 0, f, 65535u + 15u), TXP_EINVAL);
    CU_ASSERT_EQUAL(txp_h_pcap_close(w), TXP_OK);

    struct txp_h_pcap_file *pf = NULL;
    CU_ASSERT_EQUAL_FATAL(txp_h_pcap_load(path, &pf, &d), TXP_OK);
    CU_ASSERT_EQUAL(pf->link, TXP_LINK_ETH);
    CU_ASSERT_EQUAL(pf->linktype, 1);
    CU_ASSERT_EQUAL(pf->snaplen, 65535);
    CU_ASSERT_EQUAL(pf->nsec, 0);
    CU_ASSERT_EQUAL_FATAL(pf->count, 3);
    CU_ASSERT_EQUAL(pf->recs[0].ts_ns, 1000001000u); /* truncated to the microsecond */
    CU_ASSERT_EQUAL(pf->recs[0].caplen, F_LEN);
    CU_ASSERT_EQUAL(pf->recs[0].origlen, F_LEN);
    CU_ASSERT_EQUAL(memcmp(pf->recs[0].data, f, F_LEN), 0);
    CU_ASSERT_EQUAL(pf->recs[1].ts_ns, 2500000000u);
    CU_ASSERT_EQUAL(pf->recs[1].caplen, 60);
    CU_ASSERT_EQUAL(pf->recs[2].caplen, 0);
    txp_h_pcap_file_free(pf);

    /* The file is what scapy's wrpcap writes: magic, version 2.4, snaplen 65535, linktype 1. */
    uint8_t raw[256];
    size_t n = h_read_file(path, raw, sizeof raw);
    CU_ASSERT_EQUAL(n, 24 + 16 + F_LEN + 16 + 60 + 16);
    static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
                                    0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
    CU_ASSERT_EQUAL(memcmp(raw, hdr, sizeof hdr), 0);
    txp_h_pcap_file_free(NULL);
    CU_ASSERT_EQUAL(txp_h_pcap_close(NULL), TXP_OK);
}

static void
test_pcap_roundtrip_ns(void)
{
    char path[128];
    h_path(path, sizeof path, "ns.pcap");
    uint8_t f[F_LEN];
    h_frame(f);
    struct txp_diag d;
    struct txp_h_pcap_writer *w = NULL;
    CU_ASSERT_EQUAL_FATAL(txp_h_pcap_create_prec(path, TXP_LINK_RAW_IPV4, 1, &w, &d), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 1000001234u, f + F_IP, F_LEN - F_IP), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 7u, f + F_IP, 20), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_close(w), TXP_OK);

    struct txp_h_pcap_file *pf = NULL;
    CU_ASSERT_EQUAL_FATAL(txp_h_pcap_load(path, &pf, &d), TXP_OK);
    CU_ASSERT_EQUAL(pf->link, TXP_LINK_RAW_IPV4);
    CU_ASSERT_EQUAL(pf->linktype, 228);
    CU_ASSERT_EQUAL(pf->nsec, 1);
    CU_ASSERT_EQUAL_FATAL(pf->count, 2);
    CU_ASSERT_EQUAL(pf->recs[0].ts_ns, 1000001234u); /* exact */
    CU_ASSERT_EQUAL(pf->recs[1].ts_ns, 7u);
    CU_ASSERT_EQUAL(pf->recs[0].caplen, F_LEN - F_IP);
    CU_ASSERT_EQUAL(memcmp(pf->recs[0].data, f + F_IP, F_LEN - F_IP), 0);
    txp_h_pcap_file_free(pf);

    uint8_t raw[8];
    CU_ASSERT_EQUAL(h_read_file(path, raw, 4), 4);
    CU_ASSERT_EQUAL(raw[0], 0x4d); /* a1b23c4d little-endian */
    CU_ASSERT_EQUAL(raw[3], 0xa1);
}

/* A two-record file of 60-byte frames; returns its size (24 + 2 * 76). */
static size_t
h_two_records(const char *path, uint8_t *raw, size_t cap)
{
    uint8_t f[F_LEN];
    h_frame(f);
    struct txp_diag d;
    struct txp_h_pcap_writer *w = NULL;
    CU_ASSERT_EQUAL(txp_h_pcap_create(path, TXP_LINK_ETH, &w, &d), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 1000000, f, 60), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_write(w, 2000000, f, 60), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_pcap_close(w), TXP_OK);
    return h_read_file(path, raw, cap);
}

static void
test_pcap_truncated_data(void)
{
    char path[128], msg[512];
    uint8_t raw[512];
    h_path(path, sizeof path, "trunc.pcap");
    size_t n = h_two_records(path, raw, sizeof raw);
    CU_ASSERT_EQUAL_FATAL(n, 24 + 2 * 76);
    h_write_file(path, raw, n - 30); /* the second record loses 30 data bytes */
    struct txp_diag d;
    struct txp_h_pcap_file *pf = NULL;
    CU_ASSERT_EQUAL(txp_h_pcap_load(path, &pf, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NULL(pf);
    CU_ASSERT_EQUAL(d.byte_offset, 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "record 1 at byte 100"));
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "truncated"));
    CU_ASSERT_STRING_EQUAL(d.file, path);
    (void)txp_diag_format(&d, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
}

static void
test_pcap_truncated_rechdr(void)
{
    uint8_t raw[512];
    char path[128];
    h_path(path, sizeof path, "trunc2.pcap");
    size_t n = h_two_records(path, raw, sizeof raw);
    CU_ASSERT_EQUAL_FATAL(n, 24 + 2 * 76);
    h_write_file(path, raw, 24 + 76 + 7); /* 7 of 16 record-header bytes */
    struct txp_diag d;
    struct txp_h_pcap_file *pf = NULL;
    CU_ASSERT_EQUAL(txp_h_pcap_load(path, &pf, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.byte_offset, 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "at byte 100"));
}

static void
test_pcap_bad_header(void)
{
    char path[128];
    uint8_t raw[512];
    struct txp_diag d;
    struct txp_h_pcap_file *pf = NULL;
    h_path(path, sizeof path, "bad.pcap");

    h_write_file(path, "this is not a pcap file at all", 30);
    CU_ASSERT_EQUAL(txp_h_pcap_load(path, &pf, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.byte_offset, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "bad magic"));

    h_write_file(path, "\xd4\xc3\xb2\xa1\x02\x00", 6);
    CU_ASSERT_EQUAL(txp_h_pcap_load(path, &pf, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.byte_offset, 6);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "truncated file header"));

    size_t n = h_two_records(path, raw, sizeof raw);
    raw[20] = 105; /* IEEE 802.11 */
    h_write_file(path, raw, n);
    CU_ASSERT_EQUAL(txp_h_pcap_load(path, &pf, &d), TXP_ENOTSUP);
    CU_ASSERT_EQUAL(d.byte_offset, 20);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "link type 105"));

    raw[20] = 101; /* LINKTYPE_RAW maps to raw IPv4 */
    h_write_file(path, raw, n);
    CU_ASSERT_EQUAL_FATAL(txp_h_pcap_load(path, &pf, &d), TXP_OK);
    CU_ASSERT_EQUAL(pf->link, TXP_LINK_RAW_IPV4);
    CU_ASSERT_EQUAL(pf->count, 2);
    txp_h_pcap_file_free(pf);
    pf = NULL;

    h_path(path, sizeof path, "does-not-exist.pcap");
    CU_ASSERT_EQUAL(txp_h_pcap_load(path, &pf, &d), TXP_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cannot open"));
    CU_ASSERT_PTR_NULL(pf);
}

static void
test_pcap_big_endian(void)
{
    /* A big-endian microsecond file, one 4-byte record at t = 1.000002 s. */
    static const uint8_t be[] = {
        0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0,    0,
        0,    1,    0,    0,    0, 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef};
    char path[128];
    h_path(path, sizeof path, "be.pcap");
    h_write_file(path, be, sizeof be);
    struct txp_diag d;
    struct txp_h_pcap_file *pf = NULL;
    CU_ASSERT_EQUAL_FATAL(txp_h_pcap_load(path, &pf, &d), TXP_OK);
    CU_ASSERT_EQUAL(pf->swapped, 1);
    CU_ASSERT_EQUAL_FATAL(pf->count, 1);
    CU_ASSERT_EQUAL(pf->recs[0].ts_ns, 1000002000u);
    CU_ASSERT_EQUAL(pf->recs[0].caplen, 4);
    CU_ASSERT_EQUAL(pf->recs[0].data[0], 0xde);
    txp_h_pcap_file_free(pf);
}

/* ------------------------------------------------------------------ diff */

static void
test_diff_identical(void)
{
    char text[4096];
    uint8_t f[F_LEN];
    h_frame(f);
    CU_ASSERT_EQUAL(h_diff_one(0, F_IP + 8, f[F_IP + 8], text, sizeof text), 0);
    CU_ASSERT_STRING_EQUAL(text, "");
}

static void
test_diff_ttl(void)
{
    char text[4096];
    CU_ASSERT_EQUAL(h_diff_one(3, F_IP + 8, 63, text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text, "pkt 3: ipv4.ttl golden=64 actual=63\n");
}

static void
test_diff_ipv4_csum(void)
{
    char text[4096], want[128];
    uint8_t f[F_LEN];
    h_frame(f);
    uint8_t v = (uint8_t)(f[F_IP + 11] ^ 0x01);
    CU_ASSERT_EQUAL(h_diff_one(0, F_IP + 11, v, text, sizeof text), 1);
    (void)snprintf(want, sizeof want, "pkt 0: ipv4.check golden=0x%02x%02x actual=0x%02x%02x\n",
                   f[F_IP + 10], f[F_IP + 11], f[F_IP + 10], v);
    CU_ASSERT_STRING_EQUAL(text, want);
}

static void
test_diff_ipv4_option(void)
{
    char text[4096];
    /* Router Alert value byte. */
    CU_ASSERT_EQUAL(h_diff_one(1, F_IP_OPTS + 3, 1, text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text, "pkt 1: ipv4.opt[0].data golden=0000 actual=0001\n");
}

static void
test_diff_tcp_option(void)
{
    char text[4096];
    /* MSS 1460 -> 1461 */
    CU_ASSERT_EQUAL(h_diff_one(0, F_TCP_OPTS + 3, 0xb5, text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text, "pkt 0: tcp.opt[0].mss golden=1460 actual=1461\n");
    /* SACK-permitted (option 3: after MSS, NOP, WS) becomes an unknown kind of the same size. */
    CU_ASSERT_EQUAL(h_diff_one(0, F_TCP_OPTS + 8, 30, text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text, "pkt 0: tcp.opt[3].kind golden=4 actual=30\n");
    /* A kind that no longer parses: the diff says where the dissection stopped. */
    CU_ASSERT(h_diff_one(0, F_TCP_OPTS + 8, 1, text, sizeof text) >= 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "pkt 0: actual does not dissect: tcp byte "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "pkt 0: byte[66] golden=0x04 actual=0x01\n"));
}

static void
test_diff_payload(void)
{
    char text[4096];
    CU_ASSERT_EQUAL(h_diff_one(2, F_PAY + 5, '!', text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text, "pkt 2: payload[5] golden=0x20 actual=0x21 (byte 75)\n");
}

static void
test_diff_eth_and_tcp_fields(void)
{
    char text[4096];
    CU_ASSERT_EQUAL(h_diff_one(0, 5, 0x09, text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text,
                           "pkt 0: eth.dst golden=02:00:00:00:00:02 actual=02:00:00:00:00:09\n");
    CU_ASSERT_EQUAL(h_diff_one(0, F_TCP + 13, 0x10, text, sizeof text), 1);
    CU_ASSERT_STRING_EQUAL(text, "pkt 0: tcp.flags golden=0x12 actual=0x10\n");
}

static void
test_diff_length_and_garbage(void)
{
    uint8_t g[F_LEN], a[F_LEN + 4];
    h_frame(g);
    memcpy(a, g, sizeof g);
    memset(a + F_LEN, 0, 4); /* Ethernet padding after the datagram */
    char text[4096];
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    uint32_t n = txp_h_diff_frame(fp, 0, TXP_LINK_ETH, g, sizeof g, a, sizeof a);
    h_slurp_stream(fp, text, sizeof text);
    CU_ASSERT(n >= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "frame.len golden=82 actual=86"));

    /* Frames that do not dissect still give a line per differing byte. */
    static const uint8_t x[5] = {1, 2, 3, 4, 5}, y[5] = {1, 2, 9, 4, 5};
    rewind(fp);
    n = txp_h_diff_frame(fp, 7, TXP_LINK_ETH, x, sizeof x, y, sizeof y);
    h_slurp_stream(fp, text, sizeof text);
    CU_ASSERT(n >= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "pkt 7: byte[2] golden=0x03 actual=0x09"));
    fclose(fp);
}

/* A file of @p count copies of the test frame, with record @p bad's TTL set to 1. */
static void
h_mem_file(struct txp_h_pcap_file *f, uint32_t count, uint32_t bad, uint8_t frames[][F_LEN],
           struct txp_h_pcap_rec *recs)
{
    memset(f, 0, sizeof *f);
    for (uint32_t i = 0; i < count; i++) {
        h_frame(frames[i]);
        if (i == bad)
            frames[i][F_IP + 8] = 1;
        recs[i].ts_ns = (uint64_t)i * 1000u;
        recs[i].caplen = recs[i].origlen = F_LEN;
        recs[i].data = frames[i];
    }
    f->link = TXP_LINK_ETH;
    f->count = count;
    f->recs = recs;
}

static void
test_diff_files_counts(void)
{
    uint8_t gf[3][F_LEN], af[3][F_LEN];
    struct txp_h_pcap_rec gr[3], ar[3];
    struct txp_h_pcap_file g, a;
    h_mem_file(&g, 2, 99, gf, gr);
    h_mem_file(&a, 3, 1, af, ar);
    char text[4096];
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    struct txp_h_diff_result r;
    CU_ASSERT_EQUAL(txp_h_diff_files(fp, &g, &a, 0, &r), 1);
    h_slurp_stream(fp, text, sizeof text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "record count golden=2 actual=3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "pkt 1: ipv4.ttl golden=64 actual=1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "pkt 2: extra in actual (82 bytes)\n"));
    CU_ASSERT_EQUAL(r.golden_count, 2);
    CU_ASSERT_EQUAL(r.actual_count, 3);
    CU_ASSERT_EQUAL(r.packets_differing, 2);
    CU_ASSERT_EQUAL(r.lines, h_count_lines(text));

    /* Identical files: nothing written. */
    rewind(fp);
    CU_ASSERT_EQUAL(txp_h_diff_files(fp, &g, &g, 0, &r), 0);
    CU_ASSERT_EQUAL(r.lines, 0);
    CU_ASSERT_EQUAL(r.packets_differing, 0);

    /* Timestamps and link types. */
    rewind(fp);
    gr[1].ts_ns = 5;
    a.count = 2;
    a.recs[1] = gr[1];
    a.recs[1].ts_ns = 6;
    CU_ASSERT_EQUAL(txp_h_diff_files(fp, &g, &a, 0, &r), 1);
    h_slurp_stream(fp, text, sizeof text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "pkt 1: ts golden=0.000000005 actual=0.000000006\n"));
    rewind(fp);
    a.link = TXP_LINK_RAW_IPV4;
    CU_ASSERT_EQUAL(txp_h_diff_files(fp, &g, &a, 0, &r), 1);
    h_slurp_stream(fp, text, sizeof text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "link type golden=ether(1) actual=raw-ipv4(228)"));
    fclose(fp);
}

static void
test_diff_files_max_lines(void)
{
    uint8_t gf[3][F_LEN], af[3][F_LEN];
    struct txp_h_pcap_rec gr[3], ar[3];
    struct txp_h_pcap_file g, a;
    h_mem_file(&g, 3, 99, gf, gr);
    h_mem_file(&a, 3, 99, af, ar);
    for (uint32_t i = 0; i < 3; i++)
        af[i][F_IP + 8] = 2; /* three TTL lines */
    char text[4096];
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    struct txp_h_diff_result r;
    CU_ASSERT_EQUAL(txp_h_diff_files(fp, &g, &a, 2, &r), 1);
    h_slurp_stream(fp, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "pkt 0: ipv4.ttl golden=64 actual=2\n"
                                 "pkt 1: ipv4.ttl golden=64 actual=2\n"
                                 "... 1 more differences\n");
    CU_ASSERT_EQUAL(r.packets_differing, 3);
    fclose(fp);
}

/* ------------------------------------------------------------------ junit */

static void
test_junit_escape(void)
{
    char out[128];
    size_t n = txp_h_xml_escape(out, sizeof out, "a<b>&\"c'\x01\td");
    CU_ASSERT_STRING_EQUAL(out, "a&lt;b&gt;&amp;&quot;c&apos;\\x01\td");
    CU_ASSERT_EQUAL(n, strlen(out));
    /* Truncation works like snprintf. */
    char small[6];
    n = txp_h_xml_escape(small, sizeof small, "<<<");
    CU_ASSERT_EQUAL(n, 12);
    CU_ASSERT_STRING_EQUAL(small, "&lt;&");
    CU_ASSERT_EQUAL(txp_h_xml_escape(NULL, 0, "&"), 5);
}

static void
test_junit_write(void)
{
    char path[128];
    h_path(path, sizeof path, "report.xml");
    struct txp_h_junit *j = NULL;
    CU_ASSERT_EQUAL_FATAL(txp_h_junit_create(path, &j), TXP_OK);
    CU_ASSERT_EQUAL(txp_h_junit_add(j, "pkt.conform", "ok-case", 0.5, TXP_H_JUNIT_PASS, NULL, NULL),
                    TXP_OK);
    CU_ASSERT_EQUAL(txp_h_junit_add(j, "pkt.conform", "bad<case>", 0.25, TXP_H_JUNIT_FAIL,
                                    "1 packet \"differs\"", "pkt 0: x golden=<1> actual=&2\n"),
                    TXP_OK);
    CU_ASSERT_EQUAL(
        txp_h_junit_add(j, "tcp.conform", "err", 0, TXP_H_JUNIT_ERROR, "no driver", NULL), TXP_OK);
    struct txp_diag d;
    CU_ASSERT_EQUAL(txp_h_junit_close(j, &d), TXP_OK);
    char text[4096];
    uint8_t *raw = (uint8_t *)text;
    size_t n = h_read_file(path, raw, sizeof text - 1);
    text[n] = '\0';
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(text, "<testsuites tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<testsuite name=\"pkt.conform\" tests=\"2\" "
                                        "failures=\"1\" errors=\"0\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "name=\"bad&lt;case&gt;\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<failure message=\"1 packet &quot;differs&quot;\">"
                                        "pkt 0: x golden=&lt;1&gt; actual=&amp;2\n</failure>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<error message=\"no driver\"/>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "</testsuites>"));
    CU_ASSERT_EQUAL(txp_h_junit_close(NULL, NULL), TXP_OK);
}

/* ------------------------------------------------------------------ json */

static json_t *
h_json(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    CU_ASSERT_PTR_NOT_NULL(j);
    return j;
}

static void
test_json_int(void)
{
    json_t *root = h_json("{\"p\": {\"ttl\": 64, \"big\": 300, \"s\": \"x\", \"r\": 1.5}}");
    json_t *p = json_object_get(root, "p");
    struct txp_diag d;
    txp_diag_init(&d, "case.json");
    int64_t v = 0;
    CU_ASSERT_EQUAL(txp_h_json_int(p, "packets[2]", "ttl", 0, 255, 1, 0, &v, &d), TXP_OK);
    CU_ASSERT_EQUAL(v, 64);
    CU_ASSERT_EQUAL(txp_h_json_int(p, "packets[2]", "missing", 0, 255, 0, 7, &v, &d), TXP_OK);
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(txp_h_json_int(p, "packets[2]", "big", 0, 255, 1, 0, &v, &d), TXP_EBADMSG);
    CU_ASSERT_STRING_EQUAL(d.msg, "packets[2].big: expected an integer 0..255, got 300");
    CU_ASSERT_EQUAL(txp_h_json_int(p, "packets[2]", "s", 0, 255, 1, 0, &v, &d), TXP_EBADMSG);
    CU_ASSERT_STRING_EQUAL(d.msg, "packets[2].s: expected an integer 0..255, got a string");
    CU_ASSERT_EQUAL(txp_h_json_int(p, "packets[2]", "r", 0, 255, 1, 0, &v, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "packets[2].r: "));
    CU_ASSERT_EQUAL(txp_h_json_int(p, "packets[2]", "missing", 0, 255, 1, 0, &v, &d), TXP_EBADMSG);
    CU_ASSERT_STRING_EQUAL(d.msg, "packets[2].missing: missing (expected an integer 0..255)");
    CU_ASSERT_EQUAL(txp_h_json_int(root, "", "ttl", 0, 1, 1, 0, &v, &d), TXP_EBADMSG);
    CU_ASSERT_STRING_EQUAL(d.msg, "ttl: missing (expected an integer 0..1)");
    json_decref(root);
}

static void
test_json_addr_hex(void)
{
    json_t *root =
        h_json("{\"ip\": \"10.0.0.1\", \"badip\": \"10.0.0.256\", \"mac\": \"02:00:00:aa:bb:cc\","
               " \"badmac\": \"02:00\", \"hex\": \"de ad\\nbe EF\", \"odd\": \"abc\","
               " \"nothex\": \"zz\", \"empty\": \"\"}");
    struct txp_diag d;
    txp_diag_init(&d, "case.json");
    uint32_t ip = 0;
    CU_ASSERT_EQUAL(txp_h_json_ipv4(root, "cfg", "ip", 1, 0, &ip, &d), TXP_OK);
    CU_ASSERT_EQUAL(ip, 0x0a000001u);
    CU_ASSERT_EQUAL(txp_h_json_ipv4(root, "cfg", "none", 0, 42, &ip, &d), TXP_OK);
    CU_ASSERT_EQUAL(ip, 42);
    CU_ASSERT_EQUAL(txp_h_json_ipv4(root, "cfg", "badip", 1, 0, &ip, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cfg.badip: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "10.0.0.256"));

    uint8_t mac[6];
    static const uint8_t want_mac[6] = {2, 0, 0, 0xaa, 0xbb, 0xcc};
    CU_ASSERT_EQUAL(txp_h_json_mac(root, "cfg", "mac", 1, NULL, mac, &d), TXP_OK);
    CU_ASSERT_EQUAL(memcmp(mac, want_mac, 6), 0);
    CU_ASSERT_EQUAL(txp_h_json_mac(root, "cfg", "badmac", 1, NULL, mac, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cfg.badmac: "));

    uint8_t buf[4];
    size_t n = 99;
    CU_ASSERT_EQUAL(txp_h_json_hex(root, "cfg", "hex", 1, buf, sizeof buf, &n, &d), TXP_OK);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(buf[0], 0xde);
    CU_ASSERT_EQUAL(buf[3], 0xef);
    CU_ASSERT_EQUAL(txp_h_json_hex(root, "cfg", "empty", 1, buf, sizeof buf, &n, &d), TXP_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(txp_h_json_hex(root, "cfg", "odd", 1, buf, sizeof buf, &n, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cfg.odd: "));
    CU_ASSERT_EQUAL(txp_h_json_hex(root, "cfg", "nothex", 1, buf, sizeof buf, &n, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cfg.nothex: "));
    CU_ASSERT_EQUAL(txp_h_json_hex(root, "cfg", "hex", 1, buf, 3, &n, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cfg.hex: more than 3 bytes"));
    json_decref(root);
}

/* Write <tmp>/<name>/case.json with @p text. */
static void
h_case_dir(const char *name, const char *text, char *dir, size_t cap)
{
    char p[192];
    h_path(dir, cap, name);
    (void)mkdir(dir, 0777);
    (void)snprintf(p, sizeof p, "%s/case.json", dir);
    h_write_file(p, text, strlen(text));
}

static void
test_case_load(void)
{
    char dir[160];
    struct txp_h_case c;
    struct txp_diag d;
    h_case_dir("good-case",
               "{\"component\": \"pkt\", \"description\": \"d\", \"link\": \"raw-ipv4\"}", dir,
               sizeof dir);
    CU_ASSERT_EQUAL_FATAL(txp_h_case_load(dir, &c, &d), TXP_OK);
    CU_ASSERT_STRING_EQUAL(c.name, "good-case");
    CU_ASSERT_STRING_EQUAL(c.component, "pkt");
    CU_ASSERT_EQUAL(c.link, TXP_LINK_RAW_IPV4);
    CU_ASSERT_PTR_NOT_NULL(c.json);
    txp_h_case_fini(&c);
    txp_h_case_fini(&c);

    h_case_dir("syntax", "{\n  \"component\": \"pkt\",\n  \"link\" \"ether\"\n}\n", dir,
               sizeof dir);
    CU_ASSERT_EQUAL(txp_h_case_load(dir, &c, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.line, 3);
    CU_ASSERT(d.column > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.file, "syntax/case.json"));

    h_case_dir("nolink", "{\"component\": \"pkt\", \"description\": \"d\"}", dir, sizeof dir);
    CU_ASSERT_EQUAL(txp_h_case_load(dir, &c, &d), TXP_EBADMSG);
    CU_ASSERT_STRING_EQUAL(d.msg, "link: missing (expected \"ether\" or \"raw-ipv4\")");

    h_case_dir("badlink", "{\"component\": \"pkt\", \"description\": \"d\", \"link\": \"ppp\"}",
               dir, sizeof dir);
    CU_ASSERT_EQUAL(txp_h_case_load(dir, &c, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "link: expected"));

    h_case_dir("array", "[1, 2]", dir, sizeof dir);
    CU_ASSERT_EQUAL(txp_h_case_load(dir, &c, &d), TXP_EBADMSG);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "object"));

    h_path(dir, sizeof dir, "no-such-case");
    CU_ASSERT_EQUAL(txp_h_case_load(dir, &c, &d), TXP_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.file, "no-such-case/case.json"));
}

/* ------------------------------------------------------------------ guard */

static void
test_guard_last_byte(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    CU_ASSERT_FATAL(pg > 0);
    static const size_t sizes[] = {0, 1, 100, 4095, 4096, 4097, 9000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t len = sizes[k];
        uint8_t *src = malloc(len ? len : 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(src);
        for (size_t i = 0; i < len; i++)
            src[i] = (uint8_t)(i * 7 + 1);
        struct txp_h_guard g;
        CU_ASSERT_EQUAL_FATAL(txp_h_guard_place(&g, len ? src : NULL, len), TXP_OK);
        CU_ASSERT_EQUAL(g.len, len);
        CU_ASSERT_EQUAL((uintptr_t)(g.data + len) % (uintptr_t)pg, 0);
        if (len) {
            CU_ASSERT_EQUAL(g.data[len - 1], src[len - 1]); /* the last byte reads fine */
            CU_ASSERT_EQUAL(memcmp(g.data, src, len), 0);
        }
        txp_h_guard_free(&g);
        txp_h_guard_free(&g); /* second free is a no-op */
        free(src);
    }
}

static void
h_on_fault(int sig)
{
    (void)sig;
    _exit(77);
}

static void
test_guard_faults(void)
{
    static const uint8_t frame[3] = {1, 2, 3};
    struct txp_h_guard g;
    CU_ASSERT_EQUAL_FATAL(txp_h_guard_place(&g, frame, sizeof frame), TXP_OK);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        /* Our handler replaces any sanitizer's, so the fault is reported as exit status 77. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = h_on_fault;
        sigemptyset(&sa.sa_mask);
        (void)sigaction(SIGSEGV, &sa, NULL);
        (void)sigaction(SIGBUS, &sa, NULL);
        volatile const uint8_t *p = g.data;
        uint8_t last = p[g.len - 1];
        uint8_t beyond = p[g.len]; /* one byte past the end: must fault */
        _exit(last == 3 && beyond == 0 ? 1 : 2);
    }
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 77);
    txp_h_guard_free(&g);
}

/* ------------------------------------------------------------------ suites */

static const struct txp_h_test pcap_tests[] = {TXP_H_TEST(test_pcap_roundtrip_us),
                                               TXP_H_TEST(test_pcap_roundtrip_ns),
                                               TXP_H_TEST(test_pcap_truncated_data),
                                               TXP_H_TEST(test_pcap_truncated_rechdr),
                                               TXP_H_TEST(test_pcap_bad_header),
                                               TXP_H_TEST(test_pcap_big_endian),
                                               TXP_H_TEST_END};

static const struct txp_h_test diff_tests[] = {TXP_H_TEST(test_diff_identical),
                                               TXP_H_TEST(test_diff_ttl),
                                               TXP_H_TEST(test_diff_ipv4_csum),
                                               TXP_H_TEST(test_diff_ipv4_option),
                                               TXP_H_TEST(test_diff_tcp_option),
                                               TXP_H_TEST(test_diff_payload),
                                               TXP_H_TEST(test_diff_eth_and_tcp_fields),
                                               TXP_H_TEST(test_diff_length_and_garbage),
                                               TXP_H_TEST(test_diff_files_counts),
                                               TXP_H_TEST(test_diff_files_max_lines),
                                               TXP_H_TEST_END};

static const struct txp_h_test junit_tests[] = {TXP_H_TEST(test_junit_escape),
                                                TXP_H_TEST(test_junit_write), TXP_H_TEST_END};

static const struct txp_h_test json_tests[] = {TXP_H_TEST(test_json_int),
                                               TXP_H_TEST(test_json_addr_hex),
                                               TXP_H_TEST(test_case_load), TXP_H_TEST_END};

static const struct txp_h_test guard_tests[] = {TXP_H_TEST(test_guard_last_byte),
                                                TXP_H_TEST(test_guard_faults), TXP_H_TEST_END};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("pcap", h_tmp_init, h_tmp_cleanup, pcap_tests),
    TXP_H_SUITE("diff", NULL, NULL, diff_tests),
    TXP_H_SUITE("junit", h_tmp_init, h_tmp_cleanup, junit_tests),
    TXP_H_SUITE("json", h_tmp_init, h_tmp_cleanup, json_tests),
    TXP_H_SUITE("guard", NULL, NULL, guard_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
