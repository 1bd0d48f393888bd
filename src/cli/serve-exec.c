/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* `coderunner serve` → exec the daemon binary, coderunner-serve: next to
 * this executable in a build tree, else in the installed libexec dir
 * ($CODERUNNER_SERVE_BIN overrides both). */

static int exec_daemon(const char *path, char **argv)
{
        argv[0] = (char *) path;
        execv(path, argv);
        return -errno;
}

int cmd_serve_exec(int argc, char **argv)
{
        const char *override = secure_getenv("CODERUNNER_SERVE_BIN");
        char *sibling;
        int r;

        (void) argc;
        if (override && override[0]) {
                r = exec_daemon(override, argv);
                fprintf(stderr, "coderunner serve: cannot run %s: %s\n", override, strerror(-r));
                return 1;
        }
        sibling = cli_sibling_program("coderunner-serve");
        if (sibling && access(sibling, X_OK) == 0)
                (void) exec_daemon(sibling, argv);
        free(sibling);
        r = exec_daemon(PKGLIBEXECDIR "/coderunner-serve", argv);
        fprintf(stderr, "coderunner serve: cannot run %s: %s\n", PKGLIBEXECDIR "/coderunner-serve", strerror(-r));
        return 1;
}
