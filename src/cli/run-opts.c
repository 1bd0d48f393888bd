/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "run-opts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "image/image.h"

/* What both modes of `coderunner run` share: error reporting, limits from the
 * command line, live output, and what the program gets on stdin. */

int run_usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("coderunner run: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        return -EINVAL;
}

int run_error_exit(const struct cr_error *err)
{
        return err && (err->kind == CR_ERROR_INVALID || err->kind == CR_ERROR_NOT_FOUND) ? RUN_EXIT_USAGE :
                                                                                           RUN_EXIT_INTERNAL;
}

void run_opts_apply_limits(const struct run_opts *o, struct cr_sandbox_limits *l)
{
        const struct cr_sandbox_limits *c = &o->limits;

        if (o->limits_set & LIMIT_SET_TIME)
                l->cpu_time_ms = c->cpu_time_ms;
        if (o->limits_set & LIMIT_SET_WALL)
                l->wall_time_ms = c->wall_time_ms;
        else if (o->limits_set & LIMIT_SET_TIME) /* room for blocking on I/O, never unbounded */
                l->wall_time_ms = c->cpu_time_ms * 3;
        if (o->limits_set & LIMIT_SET_MEMORY)
                l->memory_bytes = c->memory_bytes;
        if (o->limits_set & LIMIT_SET_PIDS)
                l->pids = c->pids;
        if (o->limits_set & LIMIT_SET_OUTPUT)
                l->output_bytes = c->output_bytes;
        if (o->limits_set & LIMIT_SET_TMPFS)
                l->tmpfs_bytes = c->tmpfs_bytes;
        if (o->limits_set & LIMIT_SET_CPUS)
                l->cpu_quota_pct = c->cpu_quota_pct;
        /* A file can never be larger than the tmpfs it lives on. */
        l->file_size_bytes = l->tmpfs_bytes;
}

void run_passthrough(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        (void) userdata;
        (void) loop_write(stream == CR_STREAM_STDOUT ? STDOUT_FILENO : STDERR_FILENO, data, n);
}

/* ---------------------------------------------------------------- stdin */

static int read_all(int fd, const char *what, struct cr_buf *b)
{
        char chunk[65536];
        ssize_t n;

        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
                if (cr_buf_append(b, chunk, (size_t) n) < 0)
                        return run_usage_error("%s is larger than the input limit (%zu bytes; see --input-limit)",
                                               what, b->max);
        return n < 0 ? run_usage_error("cannot read %s: %s", what, strerror(errno)) : 0;
}

/* Our own stdin, like `docker run -i`: a pipe or socket is streamed while the
 * program runs (so a program that never reads it does not wait for a writer
 * that never closes); a file or device is read first, bounded. */
static int input_from_stdin(struct run_input *in)
{
        struct stat st;

        if (fstat(STDIN_FILENO, &st) < 0)
                return 0; /* closed: nothing to pass */
        if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
                in->stream_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                return in->stream_fd < 0 ? run_usage_error("cannot use stdin: %s", strerror(errno)) : 0;
        }
        if (S_ISDIR(st.st_mode))
                return run_usage_error("%s", "stdin is a directory");
        return read_all(STDIN_FILENO, "stdin", &in->data);
}

int run_input_open(struct run_input *in, const struct run_opts *o)
{
        *in = (struct run_input) { .data = CR_BUF_INIT(o->input_max), .stream_fd = -EBADF, .max = o->input_max };

        if (o->stdin_path && strcmp(o->stdin_path, "-") != 0) {
                _cleanup_close_ int fd = open(o->stdin_path, O_RDONLY | O_CLOEXEC);
                _cleanup_free_ char *what = NULL;

                if (fd < 0)
                        return run_usage_error("cannot open stdin file '%s': %s", o->stdin_path, strerror(errno));
                if (asprintf(&what, "stdin file '%s'", o->stdin_path) < 0)
                        return -ENOMEM;
                return read_all(fd, what, &in->data);
        }
        /* `--file -` reads the source from stdin: nothing is left for the program */
        if (!o->stdin_path && o->source && strcmp(o->source, "-") == 0)
                return 0;
        /* a terminal stays ours unless asked for: a program would wait on it */
        if (!o->stdin_path && isatty(STDIN_FILENO))
                return 0;
        return input_from_stdin(in);
}

void run_input_close(struct run_input *in)
{
        cr_buf_done(&in->data);
        in->stream_fd = safe_close(in->stream_fd);
}

/* --image-store, else $CODERUNNER_IMAGE_STORE, else the default: both modes
 * open the same store. */
const char *run_opts_image_store(const struct run_opts *o)
{
        const char *env = secure_getenv("CODERUNNER_IMAGE_STORE");

        if (o->image_store)
                return o->image_store;
        return env && env[0] ? env : CR_IMAGE_STORE_DEFAULT;
}
