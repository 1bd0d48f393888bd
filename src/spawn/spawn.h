/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon side of the executor (DESIGN §3): the daemon never clones a
 * sandbox itself. The single-threaded executor is forked before any thread
 * exists (cr_executor_start); afterwards any thread may open a job channel,
 * send one job and read the job's events. The wire format (protobuf-c,
 * proto/coderunner/internal/executor.proto) stays inside spawn/ and
 * executor/; callers see the C structs below. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

struct cr_error;

/* What the keeper and the executor tell the daemon on the status socket,
 * one datagram each (executor/executor.h: cr_executor_keep). */
enum cr_executor_event {
        CR_EXECUTOR_READY = 1,  /* an executor took the control socket: jobs run */
        CR_EXECUTOR_EXITED = 2, /* it died (wait status); the keeper starts another */
};

struct cr_executor_status {
        uint32_t event;         /* enum cr_executor_event */
        int32_t pid;
        int32_t wait_status;    /* EXITED: as waitpid() reports it */
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

struct cr_spawner;

/* Wraps the sockets of an executor keeper started with cr_executor_start()
 * (executor/executor.h); takes ownership of both fds and of the child. */
struct cr_spawner *cr_spawner_new(int control_fd, int status_fd, pid_t pid);
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

/* Thread-safe: opens a job channel and sends the job on it: spec is an
 * encoded job description (jobspec/jobspec.h), sent as it is; slot is the
 * job's own sandbox slot, extra_slots (may be NULL) more slots lent to it
 * for its tests' runs (job/job.c decides). Returns the channel fd; closing
 * it (or shutdown()) cancels the job. */
int cr_spawner_submit(struct cr_spawner *sp, const void *spec, size_t spec_len, unsigned slot,
                      const unsigned *extra_slots, size_t n_extra_slots, struct cr_error **err);
/* Reads the next event of a job. A job's failure arrives as an error
 * (kind and message from the executor). */
int cr_exec_read_event(int fd, struct cr_exec_event *ret, struct cr_error **err);
void cr_exec_event_done(struct cr_exec_event *ev);
