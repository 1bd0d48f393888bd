/* SPDX-License-Identifier: MIT */
#pragma once

/* A gRPC call that waits for an evaluation (job/evaluation.h): the part the
 * three services share. It submits the evaluation, cancels it when the call
 * ends first (deadline, client gone, shutdown), and hands every state change
 * to the service, which only translates. Internal to rpc/. */

#include <stddef.h>

#include "sandbox/sandbox.h"

struct cr_error;
struct cr_rpc_call;
struct cr_evaluation;
struct cr_execution;

struct rpc_job_call_ops {
        /* A final state with an outcome: answer the call. */
        void (*reply)(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx);
        /* A final state without one (FAILED, CANCELLED), optional: after
         * it the call is finished with x->error (logged unless cancelled). */
        void (*failed)(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx);
        /* RUNNING (optional). */
        void (*running)(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx);
        /* Live output (optional; the job streams only when asked in its spec). */
        void (*output)(struct cr_rpc_call *call, void *ctx, unsigned index, enum cr_sandbox_stream stream,
                       const char *data, size_t n);
        void (*free_ctx)(void *ctx);
};

/* Takes e (and ctx) in every case. On failure nothing was queued, no
 * callback ran and the caller answers the call with *err. */
int rpc_job_call_start(struct cr_rpc_call *call, struct cr_evaluation *e, const struct rpc_job_call_ops *ops,
                       void *ctx, struct cr_error **err);
/* Answers a call whose job was refused (admission failed): like
 * cr_rpc_call_finish_error(), except that UNAVAILABLE keeps the job layer's
 * message (the job store is down, shutting down, runtime not installed:
 * written for clients, and they need it to know they may retry). */
void rpc_job_call_refuse(struct cr_rpc_call *call, const struct cr_error *err);
/* The job's origin fields the call knows: the peer's address, the user
 * agent. */
void rpc_job_call_fill_origin(struct cr_rpc_call *call, struct cr_evaluation *e);
