/* SPDX-License-Identifier: MIT */
#pragma once

/* Command-line front ends (logging layer: errors are logged here, once). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandbox-env.h"

struct cr_catalog;
struct cr_config;
struct cr_error;
struct cr_image_store;
struct cr_store_options;
/* The daemon's store settings from its configuration: SQLite in
 * CODERUNNER_STATE_DIR (created when missing) unless DB_HOST is set. The
 * option strings point into cfg and into *ret_owned (free it). */
int cli_store_options(const struct cr_config *cfg, struct cr_store_options *ret, char **ret_owned,
                      struct cr_error **err);
/* Logs where the store is (never the password). */
void cli_store_describe(const struct cr_store_options *o);
/* hostname:GRPC_PORT, or CODERUNNER_INSTANCE_ID. Caller frees. */
char *cli_instance_id(const struct cr_config *cfg);

/* The KAFKA_* settings, checked (docs/events.md): a bad one is one line
 * naming the variable, never holding the secret. */
struct cr_buf;
struct cr_kafka_settings;
int cli_kafka_settings(const struct cr_config *cfg, struct cr_kafka_settings **ret, struct cr_error **err);
/* Says where events go (never the secret). */
/* CODERUNNER_EVENTS_SINK=none: no outbox rows, no publisher. */
bool cli_events_off(const struct cr_config *cfg);
void cli_events_describe(const struct cr_kafka_settings *k, const char *events_dir);
/* A metrics collector (metrics/metrics.h) of the publisher given as userdata. */
int cli_events_collect(void *userdata, struct cr_buf *out);

/* The configuration's source for cr_config_load*(): the environment
 * (secure_getenv: nothing from it when set-uid). */
const char *cli_env_lookup(const char *name, void *userdata);
/* DIR/name, DIR being this program's own directory: where a program of the
 * same build is (coderunner-serve next to coderunner, coderunner-executor
 * next to coderunner-serve). NULL if /proc/self/exe cannot be read.
 * Caller frees. */
char *cli_sibling_program(const char *name);

/* The daemon's logging (and coderunner-executor's): level and format from
 * the configuration, the journal's fields under systemd. */
void cli_daemon_logging(const struct cr_config *cfg);

/* The daemon starts its keeper: a fork that execs coderunner-executor, next
 * to the daemon's program, with the slots the daemon locked (their locks
 * stay open in the keeper) and the fingerprint of the runtimes it validates
 * against, which the executor's own must match. */
struct cr_installed;
struct cli_executor_start {
        const unsigned *slots;
        const int *slot_fds;
        size_t n_slots;
        const struct cr_installed *installed;
};
int cli_executor_start(const struct cli_executor_start *s, int *ret_control_fd, int *ret_status_fd,
                       pid_t *ret_pid, struct cr_error **err);

/* `coderunner serve --migrate`: applies the store's migrations and exits. */
int cli_serve_migrate(const struct cr_config *cfg);

/* The operator's default versions (CODERUNNER_RUNTIME_DEFAULTS). */
int cli_runtime_defaults(char **ret, struct cr_error **err);
/* The runtime catalogue with the versions installed in `store` (NULL:
 * none) and `defaults` (see cr_catalog_install). */
int cli_catalog_load(struct cr_image_store *store, const char *defaults, struct cr_catalog **ret,
                     struct cr_error **err);

int cmd_run(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_runtimes(int argc, char **argv);
int cmd_serve(int argc, char **argv);
/* `coderunner serve`: execs coderunner-serve (which runs cmd_serve). */
int cmd_serve_exec(int argc, char **argv);
/* coderunner-executor's main (executor-cmd.c): run by the daemon's keeper. */
int cmd_executor(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_seccomp(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
