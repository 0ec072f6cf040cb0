/* SPDX-License-Identifier: MIT */
/*
 * txpath: the command line of the test harness.
 *
 *   txpath --help
 *   txpath diff GOLDEN.pcap ACTUAL.pcap          field-level pcap comparison
 *   txpath conform [options]                     run golden-pcap conformance cases
 *
 * Exit statuses: 0 same / all passed, 1 differences / failures, 2 usage or I/O errors.
 * This file dispatches; cmd_diff.c and cmd_conform.c hold the subcommands.
 */
#include "cli.h"
#include "txpath/h_cli.h"

#include <stdio.h>
#include <string.h>

static void
usage(FILE *out)
{
    fputs("usage: txpath COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  diff GOLDEN.pcap ACTUAL.pcap [--max-lines N]\n"
          "        compare two pcap files; print one line per differing field\n"
          "        (\"pkt 3: ipv4.ttl golden=64 actual=63\"). Exit 0 same, 1 differ, 2 error.\n"
          "  conform [--pcaps DIR] [--component C] [--case DIR]... [--actual-dir DIR]\n"
          "          [--junit FILE] [--max-lines N] [--list]\n"
          "        run golden-pcap cases (pcaps/<component>/<case>/case.json) through each\n"
          "        component's driver, write the actual pcap and compare it to golden.pcap\n"
          "        byte for byte. Exit 0 when every case passed (and at least one ran), 1 on\n"
          "        a failed or erroneous case, 2 on a usage error. See `txpath conform --help`.\n"
          "  help, --help, -h\n"
          "        this text\n",
          out);
    for (const struct txp_h_cli_command *const *c = txp_h_cli_commands; *c != NULL; c++) {
        size_t n = strlen((*c)->name);
        /* a summary that starts with the command's own usage line stands alone */
        if (strncmp((*c)->summary, (*c)->name, n) == 0 && (*c)->summary[n] == ' ')
            fprintf(out, "  %s\n", (*c)->summary);
        else
            fprintf(out, "  %s\n        %s\n", (*c)->name, (*c)->summary);
    }
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TXP_H_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return TXP_H_EXIT_OK;
    }
    if (strcmp(cmd, "diff") == 0)
        return txp_h_cli_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "conform") == 0)
        return txp_h_cli_conform(argc - 1, argv + 1);
    for (const struct txp_h_cli_command *const *c = txp_h_cli_commands; *c != NULL; c++) {
        if (strcmp(cmd, (*c)->name) == 0)
            return (*c)->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "txpath: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return TXP_H_EXIT_ERROR;
}
