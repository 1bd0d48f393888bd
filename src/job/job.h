/* SPDX-License-Identifier: MIT */
#pragma once

/* Jobs and the worker pool that runs them: a bounded queue (a full queue is
 * refused at once, never waited on), one thread per concurrent job, each
 * with its own sandbox slot, handing the job to the executor and relaying
 * its events. A job of several tests may borrow idle workers' slots to run
 * them side by side (max_parallel below). Cancellation (client deadline, disconnect, shutdown) closes
 * the job's channel, which kills its sandbox. Includes no third-party
 * header. */

#include <stdbool.h>
#include <stddef.h>

#include "sandbox/sandbox.h"

struct cr_error;
struct cr_spawner;

struct cr_job_callbacks {
        /* all optional except on_finish; called on a pool thread. on_compile
         * and on_run may take r's buffers (leaving r->out/err empty). */
        void (*on_start)(void *userdata);  /* a worker took the job */
        void (*on_compile)(void *userdata, struct cr_sandbox_result *r);
        void (*on_run)(void *userdata, unsigned index, struct cr_sandbox_result *r);
        void (*on_output)(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n);
        /* exactly once; err is NULL on success; the job may be freed after */
        void (*on_finish)(void *userdata, const struct cr_error *err);
};

struct cr_job;
struct cr_job_engine;

struct cr_job_engine_options {
        unsigned workers;           /* concurrent jobs */
        unsigned queue_length;      /* waiting jobs beyond the running ones */
        const unsigned *slots;      /* not owned: worker i uses sandbox slot slots[i] */
        /* Sandboxes one job may run at once (its own slot included): a job
         * with several tests borrows the slots of idle workers, only when no
         * job waits, for the time it runs (docs/internals/job.md). 0 or 1:
         * a job's tests run one after the other in its own slot. */
        unsigned max_parallel;
};

int cr_job_engine_new(struct cr_spawner *spawner, const struct cr_job_engine_options *opts,
                      struct cr_job_engine **ret, struct cr_error **err);
/* Cancels queued and running jobs (each gets on_finish with CANCELLED) and
 * joins the threads. */
struct cr_job_engine *cr_job_engine_free(struct cr_job_engine *e);
/* Waits up to grace_ms for running and queued jobs to finish. Returns the
 * number still unfinished. */
unsigned cr_job_engine_drain(struct cr_job_engine *e, unsigned grace_ms);
unsigned cr_job_engine_running(struct cr_job_engine *e);
/* Idle workers whose slot another job's tests use now: they take no job. */
unsigned cr_job_engine_lent(struct cr_job_engine *e);

/* spec: an encoded job description (jobspec/jobspec.h), not copied: it must stay
 * valid until on_finish. */
struct cr_job *cr_job_new(const void *spec, size_t spec_len, const struct cr_job_callbacks *cb, void *userdata);
/* How many sandboxed runs (tests) the job has: a job with more than one may
 * borrow idle slots. Call before cr_job_submit(). */
void cr_job_set_runs(struct cr_job *job, unsigned runs);
/* Queues the job (the engine takes a reference). Fails with CR_ERROR_LIMIT
 * when the queue is full. */
int cr_job_submit(struct cr_job_engine *e, struct cr_job *job, struct cr_error **err);
/* Thread-safe and idempotent. */
void cr_job_cancel(struct cr_job *job);
struct cr_job *cr_job_ref(struct cr_job *job);
struct cr_job *cr_job_unref(struct cr_job *job);
