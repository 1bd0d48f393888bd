/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "log.h"

/* main() of `coderunner`: dispatches subcommands. No logic beyond wiring. */

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *help;
} commands[] = {
        { "serve", cmd_serve_exec, "run the daemon: gRPC on GRPC_PORT (9084)" },
        { "run", cmd_run, "run one program in a sandbox" },
        { "images", cmd_images, "import, list, verify, remove and build language images" },
        { "runtimes", cmd_runtimes, "list the language runtimes with their versions" },
        { "config", cmd_config, "print the effective daemon configuration" },
        { "seccomp", cmd_seccomp, "audit seccomp profiles: check, explain, export, diff, test" },
        { "doctor", cmd_doctor, "check what this host gives the sandbox (OK / WARN / FAIL with fixes)" },
};

static void usage(FILE *f)
{
        fputs("Usage: coderunner COMMAND [OPTIONS]\n\nCommands:\n", f);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
        fputs("\nRun 'coderunner COMMAND --help' for a command's options.\n", f);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                char *data = cli_data_describe();

                printf("coderunner %s\ndata: %s\n", PACKAGE_VERSION, data);
                free(data);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].fn(argc - 1, argv + 1);
        fprintf(stderr, "coderunner: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
}
