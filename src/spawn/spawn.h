/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon side of the executor (DESIGN §3): the daemon never clones a
 * sandbox itself. cr_spawner_start() forks the single-threaded executor
 * before any thread exists; afterwards any thread may open a job channel,
 * send one request and read the job's events. The wire format (protobuf-c,
 * proto/coderunner/internal/executor.proto) stays inside spawn/ and
 * executor/; callers see the C structs below. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

struct cr_error;
struct cr_executor_config;
struct cr_executor_status;

struct cr_exec_run {
        const void *stdin_data;        /* not owned */
        size_t stdin_len;
        const char *const *args;       /* not owned; may be NULL */
};

struct cr_exec_request {
        const char *rootfs;                      /* not owned (all pointers) */
        const char *const *env;
        const char *source_file;
        const void *source;
        size_t source_len;
        const char *const *compile_argv;         /* NULL: interpreted */
        struct cr_sandbox_limits compile_limits;
        const char *const *run_argv;
        struct cr_sandbox_limits run_limits;
        const struct cr_exec_run *runs;
        size_t n_runs;
        bool stream_output;
        unsigned slot;
        const char *seccomp_profile;             /* NULL: "default" */
};

enum cr_exec_event_type {
        CR_EXEC_EVENT_COMPILE,
        CR_EXEC_EVENT_RUN,
        CR_EXEC_EVENT_OUTPUT,
        CR_EXEC_EVENT_DONE,
};

struct cr_exec_event {
        enum cr_exec_event_type type;
        unsigned index;                          /* RUN, OUTPUT: which run */
        struct cr_sandbox_result result;         /* COMPILE, RUN: owned */
        enum cr_sandbox_stream stream;           /* OUTPUT */
        char *data;                              /* OUTPUT: owned */
        size_t len;
};

#define CR_EXEC_MAX_MESSAGE (96ULL << 20)

struct cr_spawner;

/* Forks the executor's keeper (executor/executor.h), which forks the
 * executor and a new one whenever it dies. Call before any thread is
 * created. */
int cr_spawner_start(const struct cr_executor_config *cfg, struct cr_spawner **ret, struct cr_error **err);
/* Closes the control socket: the keeper kills the executor, waits for its
 * workers and sandboxes to die and exits; reaps it (SIGKILL if it takes
 * too long). */
struct cr_spawner *cr_spawner_stop(struct cr_spawner *sp);
/* The keeper's pid. */
pid_t cr_spawner_pid(const struct cr_spawner *sp);
/* The executor's state changes: poll this fd for POLLIN, then read them
 * with cr_spawner_read_status(): 0, -EAGAIN when none is waiting, -EPIPE
 * when the keeper is gone (no executor will ever run again). */
int cr_spawner_status_fd(const struct cr_spawner *sp);
int cr_spawner_read_status(struct cr_spawner *sp, struct cr_executor_status *ret);

/* Thread-safe: opens a job channel and sends the request on it. Returns the
 * channel fd; closing it (or shutdown()) cancels the job. */
int cr_spawner_submit(struct cr_spawner *sp, const struct cr_exec_request *req, struct cr_error **err);
/* Reads the next event of a job. A job's failure arrives as an error
 * (kind and message from the executor). */
int cr_exec_read_event(int fd, struct cr_exec_event *ret, struct cr_error **err);
void cr_exec_event_done(struct cr_exec_event *ev);
