/* SPDX-License-Identifier: MIT */
#pragma once

/* Options of `coderunner run`, shared by the plain mode (run-cmd.c: a
 * program in a given rootfs) and the language mode (run-lang.c: compile and
 * run a source file with a catalogue runtime). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sandbox/sandbox.h"

#define RUN_EXIT_USAGE 2
#define RUN_EXIT_INTERNAL 1
#define RUN_MAX_FILES 256
#define RUN_MAX_ENV 256
#define RUN_INPUT_MAX_DEFAULT (256ULL << 20)

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
        const char *image;              /* --image NAME[@VERSION]: plain mode in a stored image */
        const char *source;             /* --file PATH (language mode) */
        const char *image_store;
        const char *stdin_path;         /* --stdin FILE ("-": our own stdin, even a terminal) */
        uint64_t input_max;             /* --input-limit: most stdin bytes the program gets */
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

/* What the program reads on stdin: --stdin FILE, else our own stdin unless
 * it is a terminal (or the source of `--file -`). */
struct run_input {
        struct cr_buf data;     /* read before the run (a file, a device) */
        int stream_fd;          /* a pipe or socket, streamed during the run; -EBADF: none */
        uint64_t max;
};

/* < 0 after printing a usage error. */
int run_input_open(struct run_input *in, const struct run_opts *o);
void run_input_close(struct run_input *in);

/* Applies the command-line limits in o over *l (and derives the wall and
 * file-size limits the way both modes do). */
void run_opts_apply_limits(const struct run_opts *o, struct cr_sandbox_limits *l);
int run_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void run_passthrough(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n);
/* Exit status for an error that stopped the run before a result. */
int run_error_exit(const struct cr_error *err);
/* The image store --image-store, $CODERUNNER_IMAGE_STORE or the default
 * names. */
const char *run_opts_image_store(const struct run_opts *o);
