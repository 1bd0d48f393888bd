/* SPDX-License-Identifier: MIT */
#pragma once

/* The evaluation lifecycle, one for every service (EvaluateSolution,
 * ExecuteCode, the native API): admission, storing the job, and waiting for
 * the states the caller answers from, whichever instance runs the job
 * (job/queue.h runs it and judges it). The services only translate
 * their protobuf to a job description (jobspec/jobspec.h) and the final record
 * back (docs/internals/job.md).
 *
 * Admission is ordered so nothing is copied before it is checked:
 *
 *   cr_evaluation_new(ev, service, n_tests)   the test count is bounded, the
 *                                              test table allocated, an id given
 *   fill *cr_evaluation_spec(e)               pointers into the request only
 *   cr_evaluation_submit(e, ops, userdata)    every size and limit checked, the
 *                                              runtime and limits resolved, the
 *                                              mode picked, the harness generated,
 *                                              the description encoded (the one
 *                                              copy) and queued
 *
 * After a successful submit, ops->on_state runs for RUNNING and exactly once
 * for a final state; a failed submit calls nothing. Includes no third-party
 * header. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "execution.h"
#include "sandbox/sandbox.h"

struct cr_error;
struct cr_installed;
struct cr_queue;

struct cr_evaluation_ops {
        /* The job is in the store (optional): id is the job's, or, when the
         * client key was used before, the earlier job's (existing; then
         * nothing else follows). */
        void (*on_stored)(void *userdata, const char *id, bool existing);
        /* RUNNING, then exactly one final state. Any thread; must not block. */
        void (*on_state)(void *userdata, const struct cr_execution *x);
        /* Live output of test `index`, when the job runs here (optional). */
        void (*on_output)(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data,
                          size_t n);
};

struct cr_evaluator;
struct cr_evaluation;

int cr_evaluator_new(const struct cr_installed *installed, struct cr_queue *queue,
                     const struct cr_evaluator_limits *limits, struct cr_evaluator **ret, struct cr_error **err);
struct cr_evaluator *cr_evaluator_free(struct cr_evaluator *ev);
const struct cr_installed *cr_evaluator_installed(const struct cr_evaluator *ev);
struct cr_queue *cr_evaluator_queue(const struct cr_evaluator *ev);
const struct cr_evaluator_limits *cr_evaluator_limits(const struct cr_evaluator *ev);
/* From now on a cancelled evaluation (its call ended by our own shutdown)
 * leaves its job in the queue instead of cancelling it. */
void cr_evaluator_detach_on_cancel(struct cr_evaluator *ev);

/* CR_ERROR_INVALID when n_tests is 0 or above the bound. */
int cr_evaluation_new(struct cr_evaluator *ev, enum cr_job_service service, size_t n_tests,
                      struct cr_evaluation **ret, struct cr_error **err);
/* The description to fill: n_tests tests are allocated and zeroed; every
 * pointer may point into the request, which must stay valid until
 * cr_evaluation_submit() returns. run_limits/compile_limits are overrides. */
struct cr_job_spec *cr_evaluation_spec(struct cr_evaluation *e);
const char *cr_evaluation_id(const struct cr_evaluation *e);
/* Checks, resolves, encodes, takes an admission place and stores the job
 * (see above). Errors: INVALID (with a message for the client), UNAVAILABLE
 * (runtime not installed, the store is down, shutting down), LIMIT (this
 * instance's queue is full), CANCELLED (cancelled already). A failure to
 * store comes later, as a FAILED final state with the error. */
int cr_evaluation_submit(struct cr_evaluation *e, const struct cr_evaluation_ops *ops, void *userdata,
                         struct cr_error **err);
/* Thread-safe, idempotent, also before submit: the job is cancelled
 * wherever it is (pending, or running here or on another instance); the
 * final state is CANCELLED unless the job finished first. */
void cr_evaluation_cancel(struct cr_evaluation *e);
struct cr_evaluation *cr_evaluation_ref(struct cr_evaluation *e);
struct cr_evaluation *cr_evaluation_unref(struct cr_evaluation *e);
