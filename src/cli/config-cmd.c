/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "fd-util.h"

/* `coderunner config`: the daemon's effective configuration. */

static const char *env_lookup(const char *name, void *userdata)
{
        (void) userdata;
        return secure_getenv(name);
}

int cmd_config(int argc, char **argv)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_config *cfg = NULL;

        (void) argc;
        (void) argv;
        if (cr_config_load(NULL, NULL, env_lookup, NULL, &cfg, &err) < 0) {
                fprintf(stderr, "coderunner config: %s\n", err->msg);
                return 2;
        }
        if (cr_config_dump(cfg, &b) >= 0)
                (void) loop_write(STDOUT_FILENO, b.data, b.len);
        cr_config_free(cfg);
        return 0;
}
