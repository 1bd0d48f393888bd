/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "job-call.h"

#include <inttypes.h>
#include <stdlib.h>

#include "error.h"
#include "job/evaluation.h"
#include "log.h"
#include "server.h"
#include "status.h"
#include "xalloc.h"

struct job_call {
        struct cr_rpc_call *call;
        struct cr_evaluation *e;
        const struct rpc_job_call_ops *ops;  /* not owned (static) */
        void *ctx;
};

static void job_call_free(struct job_call *jc)
{
        if (jc->ops->free_ctx)
                jc->ops->free_ctx(jc->ctx);
        cr_evaluation_unref(jc->e);
        cr_rpc_call_unref(jc->call);
        free(jc);
}

void rpc_job_call_refuse(struct cr_rpc_call *call, const struct cr_error *err)
{
        if (err && err->kind == CR_ERROR_UNAVAILABLE && err->msg)
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_UNAVAILABLE, err->msg);
        else
                (void) cr_rpc_call_finish_error(call, err);
}

static void fail(struct job_call *jc, const struct cr_execution *x)
{
        if (jc->ops->failed)
                jc->ops->failed(jc->call, x, jc->ctx);
        if (x->error && x->error->kind != CR_ERROR_CANCELLED && x->error->kind != CR_ERROR_UNAVAILABLE)
                log_error_err(x->error, "%s call=%" PRIu64 " execution=%s failed", cr_rpc_call_method(jc->call),
                              cr_rpc_call_id(jc->call), x->id);
        /* not stored: the store's message is meant for the client */
        if (x->error && x->error->kind == CR_ERROR_UNAVAILABLE && x->started_us == 0)
                (void) cr_rpc_call_finish(jc->call, CR_RPC_STATUS_UNAVAILABLE, x->error_message);
        else if (x->error)
                (void) cr_rpc_call_finish_error(jc->call, x->error);
        else
                (void) cr_rpc_call_finish(jc->call, x->status == CR_JOB_CANCELLED ? CR_RPC_STATUS_CANCELLED :
                                                                                     CR_RPC_STATUS_INTERNAL,
                                          x->error_message);
}

static void on_state(void *userdata, const struct cr_execution *x)
{
        struct job_call *jc = userdata;

        if (!cr_job_status_is_final(x->status)) {
                if (jc->ops->running)
                        jc->ops->running(jc->call, x, jc->ctx);
                return;
        }
        if (x->outcome)
                jc->ops->reply(jc->call, x, jc->ctx);
        else
                fail(jc, x);
        /* no cancel callback after this: then drop the reference it held */
        cr_rpc_call_on_cancel(jc->call, NULL, NULL);
        cr_evaluation_unref(jc->e);
        job_call_free(jc);
}

static void on_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct job_call *jc = userdata;

        if (jc->ops->output)
                jc->ops->output(jc->call, jc->ctx, index, stream, data, n);
}

static const struct cr_evaluation_ops evaluation_ops = {
        .on_state = on_state,
        .on_output = on_output,
};

static void on_cancel(struct cr_rpc_call *call, void *userdata)
{
        (void) call;
        /* deadline or client gone: kill the sandbox, free the slot */
        cr_evaluation_cancel(userdata);
}

int rpc_job_call_start(struct cr_rpc_call *call, struct cr_evaluation *e, const struct rpc_job_call_ops *ops,
                       void *ctx, struct cr_error **err)
{
        struct job_call *jc = xzalloc(sizeof(*jc));
        int r;

        jc->call = cr_rpc_call_ref(call);
        jc->e = e;
        jc->ops = ops;
        jc->ctx = ctx;
        /* the cancel callback holds its own reference, dropped on the final state */
        cr_rpc_call_on_cancel(call, on_cancel, cr_evaluation_ref(e));
        r = cr_evaluation_submit(e, &evaluation_ops, jc, err);
        if (r < 0) {
                cr_rpc_call_on_cancel(call, NULL, NULL);
                cr_evaluation_unref(e);
                job_call_free(jc);
        }
        return r;
}

void rpc_job_call_fill_origin(struct cr_rpc_call *call, struct cr_evaluation *e)
{
        struct cr_job_spec *s = cr_evaluation_spec(e);

        s->origin.client_ip = cr_rpc_call_peer(call);
        s->origin.user_agent = cr_rpc_call_user_agent(call);
}
