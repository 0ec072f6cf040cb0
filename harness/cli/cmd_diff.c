/* SPDX-License-Identifier: MIT */
/*
 * txpath diff: compare a golden and an actual pcap file.
 *
 * Identical bytes mean "same". Otherwise both files are loaded and compared record by record
 * with txp_h_diff_files() (field-level lines), and differences in the 24-byte file header
 * (link type number, snaplen, version, timestamp resolution, byte order), which the record
 * comparison cannot see, get lines of their own. The comparison itself
 * (txp_h_cli_compare_files) is shared with `txpath conform`.
 */
#include "cli.h"
#include "txpath/h_pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
txp_h_cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *i += 1;
    *val = argv[*i];
    return 1;
}

/* Read a whole file. @return its bytes (free them) or NULL with errno set. */
static uint8_t *
h_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap)
            break;
        cap *= 2;
        uint8_t *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    *len = n;
    return buf;
}

static void
h_diag_text(const struct txp_diag *d, char *err, size_t errcap)
{
    if (err && errcap)
        (void)txp_diag_format(d, err, errcap);
}

/* Lines for differences in the file headers. @return lines written. */
static uint32_t
h_header_diff(FILE *out, const struct txp_h_pcap_file *g, const struct txp_h_pcap_file *a)
{
    uint32_t n = 0;
    if (g->linktype != a->linktype) {
        fprintf(out, "file header: linktype golden=%u actual=%u\n", (unsigned)g->linktype,
                (unsigned)a->linktype);
        n++;
    }
    if (g->snaplen != a->snaplen) {
        fprintf(out, "file header: snaplen golden=%u actual=%u\n", (unsigned)g->snaplen,
                (unsigned)a->snaplen);
        n++;
    }
    if (g->version_major != a->version_major || g->version_minor != a->version_minor) {
        fprintf(out, "file header: version golden=%u.%u actual=%u.%u\n", (unsigned)g->version_major,
                (unsigned)g->version_minor, (unsigned)a->version_major, (unsigned)a->version_minor);
        n++;
    }
    if (g->nsec != a->nsec) {
        fprintf(out, "file header: timestamp resolution golden=%s actual=%s\n",
                g->nsec ? "ns" : "us", a->nsec ? "ns" : "us");
        n++;
    }
    if (g->swapped != a->swapped) {
        fprintf(out, "file header: byte order golden=%s actual=%s\n",
                g->swapped ? "swapped" : "host", a->swapped ? "swapped" : "host");
        n++;
    }
    return n;
}

int
txp_h_cli_compare_files(FILE *out, const char *golden, const char *actual, uint32_t max_lines,
                        struct txp_h_diff_result *res, char *err, size_t errcap)
{
    struct txp_diag d;
    struct txp_h_pcap_file *g = NULL, *a = NULL;
    if (res)
        memset(res, 0, sizeof *res);
    if (err && errcap)
        err[0] = '\0';
    int rc = txp_h_pcap_load(golden, &g, &d);
    if (rc != TXP_OK) {
        h_diag_text(&d, err, errcap);
        return TXP_H_EXIT_ERROR;
    }
    rc = txp_h_pcap_load(actual, &a, &d);
    if (rc != TXP_OK) {
        h_diag_text(&d, err, errcap);
        txp_h_pcap_file_free(g);
        return TXP_H_EXIT_ERROR;
    }
    size_t gl = 0, al = 0;
    uint8_t *gb = h_slurp(golden, &gl);
    uint8_t *ab = gb ? h_slurp(actual, &al) : NULL;
    int status;
    if (!gb || !ab) {
        if (err && errcap)
            (void)snprintf(err, errcap, "%s: cannot read: %s", gb ? actual : golden,
                           strerror(errno));
        status = TXP_H_EXIT_ERROR;
    } else if (gl == al && memcmp(gb, ab, gl) == 0) {
        struct txp_h_diff_result r = {g->count, a->count, 0, 0};
        if (res)
            *res = r;
        status = TXP_H_EXIT_OK;
    } else {
        struct txp_h_diff_result r;
        uint32_t hdr = h_header_diff(out, g, a);
        int differ = txp_h_diff_files(out, g, a, max_lines, &r);
        r.lines += hdr;
        if (!differ && hdr == 0) {
            /* Only bytes outside header and records differ (trailing garbage, say). */
            size_t n = gl < al ? gl : al, i = 0;
            while (i < n && gb[i] == ab[i])
                i++;
            fprintf(out, "files differ at byte %zu (sizes golden=%zu actual=%zu)\n", i, gl, al);
            r.lines++;
        }
        if (res)
            *res = r;
        status = TXP_H_EXIT_DIFFER;
    }
    free(gb);
    free(ab);
    txp_h_pcap_file_free(g);
    txp_h_pcap_file_free(a);
    return status;
}

static void
h_diff_usage(FILE *out)
{
    fputs("usage: txpath diff GOLDEN.pcap ACTUAL.pcap [--max-lines N]\n"
          "exit status: 0 identical, 1 different, 2 error\n",
          out);
}

int
txp_h_cli_diff(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    uint32_t max_lines = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            h_diff_usage(stdout);
            return TXP_H_EXIT_OK;
        }
        if ((r = txp_h_cli_opt(argc, argv, &i, "--max-lines", &v)) != 0) {
            char *end = NULL;
            unsigned long x = r > 0 ? strtoul(v, &end, 10) : 0;
            if (r < 0 || !end || *end || x == 0 || x > 1000000) {
                fprintf(stderr, "txpath diff: --max-lines needs a number 1..1000000\n");
                return TXP_H_EXIT_ERROR;
            }
            max_lines = (uint32_t)x;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "txpath diff: unknown option '%s'\n", argv[i]);
            h_diff_usage(stderr);
            return TXP_H_EXIT_ERROR;
        }
        if (nfiles == 2) {
            fprintf(stderr, "txpath diff: too many arguments\n");
            h_diff_usage(stderr);
            return TXP_H_EXIT_ERROR;
        }
        files[nfiles++] = argv[i];
    }
    if (nfiles != 2) {
        h_diff_usage(stderr);
        return TXP_H_EXIT_ERROR;
    }
    char err[512];
    struct txp_h_diff_result r;
    int st = txp_h_cli_compare_files(stdout, files[0], files[1], max_lines, &r, err, sizeof err);
    if (st == TXP_H_EXIT_ERROR) {
        fprintf(stderr, "txpath diff: %s\n", err);
        return st;
    }
    if (st == TXP_H_EXIT_OK)
        printf("same: %u records\n", (unsigned)r.golden_count);
    else
        printf("differ: differing records %u (golden has %u, actual has %u)\n",
               (unsigned)r.packets_differing, (unsigned)r.golden_count, (unsigned)r.actual_count);
    return st;
}
