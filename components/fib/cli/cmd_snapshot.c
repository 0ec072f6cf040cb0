/* SPDX-License-Identifier: MIT */
/*
 * txpath snapshot DIR [--netns NS]
 *
 * Writes a host snapshot folder (../shared/design.md) from the live host or a network
 * namespace: each file holds exactly what its command prints:
 *   ip-link   ip -o link show          ip-addr   ip -o addr show
 *   ip-route  ip route show table all  ip-rule   ip rule show
 *   ip-neigh  ip neigh show            tc-qdisc  tc qdisc show
 *   iptables  iptables-save -c         sysctl    sysctl net.ipv4 (key = value lines)
 * A command that is missing or fails leaves its file out (Linux's defaults then apply when the
 * folder is read) and is reported on stderr; the ip files are required.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "txpath/h_cli.h"

struct snap_file {
    const char *name;
    const char *cmd; /* %s = "ip netns exec NS " or "" */
    int required;
};

static const struct snap_file snap_files[] = {
    {"ip-link", "%sip -o link show", 1},          {"ip-addr", "%sip -o addr show", 1},
    {"ip-route", "%sip route show table all", 1}, {"ip-rule", "%sip rule show", 1},
    {"ip-neigh", "%sip neigh show", 0},           {"tc-qdisc", "%stc qdisc show", 0},
    {"iptables", "%siptables-save -c", 0},        {"sysctl", "%ssysctl net.ipv4", 0},
};

/* Namespace names are passed to a shell: allow only what `ip netns add` itself accepts. */
static int
snap_ns_ok(const char *ns)
{
    if (*ns == '\0' || strlen(ns) > 200)
        return 0;
    for (const char *p = ns; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return 0;
    }
    return 1;
}

static int
cmd_snapshot(int argc, char **argv)
{
    const char *dir = NULL, *ns = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc)
            ns = argv[++i];
        else if (argv[i][0] != '-' && dir == NULL)
            dir = argv[i];
        else
            dir = NULL, i = argc;
    }
    if (dir == NULL || (ns != NULL && !snap_ns_ok(ns))) {
        fputs("usage: txpath snapshot DIR [--netns NAME]\n", stderr);
        return 2;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "txpath snapshot: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char prefix[256] = "";
    if (ns != NULL)
        (void)snprintf(prefix, sizeof prefix, "ip netns exec %s ", ns);
    int status = 0;
    for (size_t k = 0; k < sizeof snap_files / sizeof snap_files[0]; k++) {
        const struct snap_file *sf = &snap_files[k];
        char cmd[512], path[4096], tmp[4200];
        (void)snprintf(cmd, sizeof cmd, sf->cmd, prefix);
        if (snprintf(path, sizeof path, "%s/%s", dir, sf->name) >= (int)sizeof path) {
            fprintf(stderr, "txpath snapshot: %s: path too long\n", dir);
            return 2;
        }
        (void)snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *out = fopen(tmp, "wb");
        if (out == NULL) {
            fprintf(stderr, "txpath snapshot: %s: %s\n", tmp, strerror(errno));
            return 2;
        }
        char shell[700];
        (void)snprintf(shell, sizeof shell, "%s 2>/dev/null", cmd);
        FILE *in = popen(shell, "r");
        size_t total = 0;
        int rc = -1;
        if (in != NULL) {
            char buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
                fwrite(buf, 1, n, out);
                total += n;
            }
            rc = pclose(in);
        }
        int werr = fclose(out);
        if (rc != 0 || werr != 0) {
            remove(tmp);
            fprintf(stderr, "txpath snapshot: `%s` failed; %s %s\n", cmd, sf->name,
                    sf->required ? "is required" : "left out (defaults apply)");
            if (sf->required)
                status = 2;
            continue;
        }
        if (rename(tmp, path) != 0) {
            fprintf(stderr, "txpath snapshot: %s: %s\n", path, strerror(errno));
            status = 2;
            continue;
        }
        printf("%-9s %7zu bytes  (%s)\n", sf->name, total, cmd);
    }
    return status;
}

const struct txp_h_cli_command txp_h_cli_command_snapshot = {
    "snapshot",
    "snapshot DIR [--netns NAME]\n"
    "        write a host snapshot folder (ip-link, ip-addr, ip-route, ip-rule, ip-neigh,\n"
    "        tc-qdisc, iptables, sysctl) from the live host or a namespace",
    cmd_snapshot};
