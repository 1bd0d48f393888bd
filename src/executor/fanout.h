/* SPDX-License-Identifier: MIT */
#pragma once

/* A job's tests across several sandbox slots at once (docs/internals/job.md,
 * "A job's tests in parallel"). The worker stays single-threaded: each task
 * runs in a child process of its own, one at a time per slot, and writes
 * its one result frame (spawn/wire.h) on a socket; this process hands the
 * frames on strictly in task order, whatever order the tasks end in. */

#include <stddef.h>
#include <stdint.h>

struct cr_error;

struct cr_fanout {
        unsigned n_tasks;
        const unsigned *slots;          /* distinct; at most one running task each */
        size_t n_slots;
        int cancel_fd;                  /* readable or hung up: start no more tasks */
        /* In the child: run task `index` in `slot`, write its one frame on fd.
         * Returns the child's exit status. */
        int (*run)(void *userdata, unsigned index, unsigned slot, int fd);
        /* Here, in task order: < 0 (err set) stops; no later task is delivered. */
        int (*deliver)(void *userdata, unsigned index, const uint8_t *frame, size_t len, struct cr_error **err);
        void *userdata;
};

/* Returns once every started child has exited: 0 when every task was
 * delivered; < 0 with err when a delivery failed, a child ended without
 * its frame, or a fork failed; -ECANCELED (err set) when cancel_fd fired
 * before every task started. */
int cr_fanout_run(const struct cr_fanout *f, struct cr_error **err);
