/* SPDX-License-Identifier: MIT */
#pragma once

/* Options of `coderunner run`, shared by the plain mode (run-cmd.c: a
 * program in a given rootfs) and the language mode (run-lang.c: compile and
 * run a source file with a catalogue runtime). */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "sandbox/sandbox.h"

#define RUN_EXIT_USAGE 2
#define RUN_EXIT_INTERNAL 1
#define RUN_MAX_FILES 256
#define RUN_MAX_ENV 256

/* Which limits were given on the command line (they override catalogue
 * defaults in language mode). */
enum {
        LIMIT_SET_TIME = 1 << 0,
        LIMIT_SET_WALL = 1 << 1,
        LIMIT_SET_MEMORY = 1 << 2,
        LIMIT_SET_PIDS = 1 << 3,
        LIMIT_SET_OUTPUT = 1 << 4,
        LIMIT_SET_TMPFS = 1 << 5,
        LIMIT_SET_CPUS = 1 << 6,
};

struct run_opts {
        const char *rootfs;
        const char *lang;               /* --lang NAME[@VERSION] */
        const char *source;             /* --file PATH (language mode) */
        const char *image_store;
        const char *stdin_path;
        const char *profile;
        bool json;
        bool help;
        bool cgroup_delegate;
        unsigned allow_missing;
        unsigned limits_set;
        struct cr_sandbox_limits limits;
        struct cr_sandbox_file files[RUN_MAX_FILES];
        size_t n_files;
        const char *envp[RUN_MAX_ENV + 1];
        size_t n_env;
        char **argv;                    /* plain mode: the program; language mode: extra arguments */
};

/* Applies the command-line limits in o over *l (and derives the wall and
 * file-size limits the way both modes do). */
void run_opts_apply_limits(const struct run_opts *o, struct cr_sandbox_limits *l);
int run_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void run_passthrough(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n);
/* Exit status for an error that stopped the run before a result. */
int run_error_exit(const struct cr_error *err);

int run_lang(struct run_opts *o, const struct cr_buf *input);
