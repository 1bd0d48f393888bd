/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon's configuration: one table of options (name, type, bounds,
 * default), read from the environment (the variables of the service it
 * replaces keep their names: GRPC_PORT, PORT, APP_NAME, ...) over an
 * optional KEY=VALUE file, into an immutable struct. No I/O but the file
 * read; parsing takes strings so it is unit-tested. */

#include <stdbool.h>
#include <stdint.h>

struct cr_error;
struct cr_buf;

struct cr_config {
        char *app_name;
        uint64_t grpc_port;
        uint64_t http_port;
        uint64_t workers;
        uint64_t queue_length;
        uint64_t max_tests;
        uint64_t max_code_bytes;
        uint64_t max_input_bytes;
        uint64_t max_message_bytes;
        uint64_t grace_seconds;
        char *image_store;
        char *data_dir;               /* catalogue and seccomp profiles */
        bool cgroup_delegate;
        char *allow_missing_controllers;
        char *log_level;
        char *log_format;
};

/* getenv-like lookup, so tests can inject an environment. */
typedef const char *(*cr_config_lookup_fn)(const char *name, void *userdata);

/* Defaults, then the file's KEY=VALUE lines (file_text may be NULL), then
 * the environment. Unknown keys in a file are errors; values out of bounds
 * are errors naming the option. */
int cr_config_load(const char *file_text, const char *file_name, cr_config_lookup_fn lookup, void *userdata,
                   struct cr_config **ret, struct cr_error **err);
struct cr_config *cr_config_free(struct cr_config *c);
/* KEY=VALUE lines of the effective configuration (secrets redacted). */
int cr_config_dump(const struct cr_config *c, struct cr_buf *out);
