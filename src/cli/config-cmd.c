/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "events/events.h"
#include "fd-util.h"

/* `coderunner config`: the daemon's effective configuration, each value
 * with where it came from (default, the file, the environment); secrets
 * redacted. Exit status 2 with the daemon's one-line error when the
 * configuration would stop it from starting. */

static int usage(FILE *f)
{
        fprintf(f, "Usage: coderunner config [--no-sources]\n\n"
                   "Prints the daemon's effective configuration: environment over\n"
                   "%s (or $CODERUNNER_CONFIG_FILE) over the defaults.\n",
                CR_CONFIG_FILE_DEFAULT);
        return f == stdout ? 0 : 2;
}

/* What the Kafka producer is given, as comments (secrets redacted). */
static int describe_producer(const struct cr_kafka_settings *k, struct cr_buf *out)
{
        _cleanup_buf_ struct cr_buf props = CR_BUF_INIT(1 << 16);
        const char *line;
        int r = cr_kafka_settings_describe(k, &props);

        for (line = props.data; r >= 0 && line && *line;) {
                const char *end = strchrnul(line, '\n');
                r = cr_buf_printf(out, "# producer: %.*s\n", (int) (end - line), line);
                line = *end ? end + 1 : end;
        }
        return r;
}

int cmd_config(int argc, char **argv)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *kafka = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_config *cfg = NULL;
        bool sources = true;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0)
                        return usage(stdout);
                if (strcmp(argv[i], "--no-sources") != 0)
                        return usage(stderr);
                sources = false;
        }
        if (cr_config_load_default(cli_env_lookup, NULL, &cfg, &err) < 0) {
                fprintf(stderr, "coderunner config: invalid configuration: %s\n", err->msg);
                return 2;
        }
        if (cli_kafka_settings(cfg, &kafka, &err) < 0) {
                fprintf(stderr, "coderunner config: invalid configuration: %s\n", err->msg);
                cr_config_free(cfg);
                return 2;
        }
        if (sources)
                (void) cr_buf_printf(&b, "# file: %s%s\n", cfg->file_name ? cfg->file_name : CR_CONFIG_FILE_DEFAULT,
                                     cfg->file_name ? "" : " (not present)");
        if (cr_config_dump(cfg, sources, &b) >= 0) {
                if (kafka->broker)
                        (void) describe_producer(kafka, &b);
                (void) loop_write(STDOUT_FILENO, b.data, b.len);
        }
        cr_config_free(cfg);
        return 0;
}
