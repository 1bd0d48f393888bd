/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "services.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coderunner/v1/coderunner.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "job/evaluation.h"
#include "job-call.h"
#include "lang/installed.h"
#include "lang/catalog.h"
#include "lang/pipeline.h"
#include "log.h"
#include "native.h"
#include "pool.h"
#include "macro.h"
#include "server.h"
#include "status.h"
#include "xalloc.h"

/* coderunner.v1.CodeRunner (proto/coderunner/v1/coderunner.proto): the
 * native API on the evaluator. Execute without tests is one run that is
 * reported, not judged (a "run only" test); with tests, each test is judged
 * by its check_stdout. Supported today: exactly one file, the runtime's
 * source_file (more files, or another name, is INVALID_ARGUMENT); compile
 * output is not streamed (the compile result carries it). */

#define SERVICE NATIVE_SERVICE


/* What a call needs to answer, beyond the execution record. */
struct execution {
        bool stream;
        bool test_mode;
};

/* -------------------------------------------------------------- helpers */

static Coderunner__V1__Limits limits_to_pb(const struct cr_sandbox_limits *l)
{
        Coderunner__V1__Limits pl = CODERUNNER__V1__LIMITS__INIT;

        pl.cpu_time_ms = l->cpu_time_ms;
        pl.wall_time_ms = l->wall_time_ms;
        pl.memory_bytes = l->memory_bytes;
        pl.pids = l->pids;
        pl.output_bytes = l->output_bytes;
        return pl;
}

/* Overrides: checked against the operator's maxima by the evaluator. */
/* ------------------------------------------------------------ ListRuntimes */

static int cmp_runtime(const void *a, const void *b)
{
        const Coderunner__V1__Runtime *const *x = a, *const *y = b;
        int c = strcmp((*x)->id, (*y)->id);

        return c != 0 ? c : strverscmp((*x)->version, (*y)->version);
}

static void list_runtimes(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        struct native *n = userdata;
        const struct cr_catalog *c = n->catalog;
        Coderunner__V1__ListRuntimesResponse resp = CODERUNNER__V1__LIST_RUNTIMES_RESPONSE__INIT;
        _cleanup_free_ Coderunner__V1__Runtime *rts = xzalloc(MAX(c->n, (size_t) 1) * sizeof(*rts));
        _cleanup_free_ Coderunner__V1__Runtime **ptrs = xzalloc(MAX(c->n, (size_t) 1) * sizeof(*ptrs));
        _cleanup_free_ Coderunner__V1__Limits *lims = xzalloc(MAX(c->n, (size_t) 1) * 2 * sizeof(*lims));

        (void) msg;
        for (size_t i = 0; i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                struct cr_lang_job lj = { .cancel_fd = -1 };
                Coderunner__V1__Runtime *p = &rts[i];
                size_t na = 0;

                while (rt->aliases && rt->aliases[na])
                        na++;
                cr_lang_job_from_runtime(rt, &lj);
                *p = (Coderunner__V1__Runtime) CODERUNNER__V1__RUNTIME__INIT;
                p->id = rt->id;
                p->version = rt->version ? rt->version : (char *) "";
                p->is_default = rt->is_default;
                p->suite = rt->suite ? rt->suite : (char *) "";
                p->aliases = rt->aliases;
                p->n_aliases = na;
                p->source_file = rt->source_file;
                p->compiled = rt->compile != NULL;
                lims[2 * i] = limits_to_pb(&lj.run_limits);
                p->default_limits = &lims[2 * i];
                if (rt->compile) {
                        lims[2 * i + 1] = limits_to_pb(&lj.compile_limits);
                        p->default_compile_limits = &lims[2 * i + 1];
                }
                p->available = cr_installed_has(cr_evaluator_installed(n->evaluator), rt);
                ptrs[i] = p;
        }
        qsort(ptrs, c->n, sizeof(*ptrs), cmp_runtime);
        resp.runtimes = ptrs;
        resp.n_runtimes = c->n;
        (void) cr_rpc_call_reply(call, &resp.base);
}

static void send_outcome(struct cr_rpc_call *call, const struct cr_execution *x, void *userdata)
{
        struct execution *ctx = userdata;
        struct rpc_pool pl = {};
        Coderunner__V1__ExecuteResponse *resp = native_result(&pl, x);
        int r;

        if (ctx->stream) {
                Coderunner__V1__ExecuteEvent ev = CODERUNNER__V1__EXECUTE_EVENT__INIT;

                ev.event_case = CODERUNNER__V1__EXECUTE_EVENT__EVENT_RESULT;
                ev.result = resp;
                r = cr_rpc_call_send(call, &ev.base);
                if (r >= 0)
                        r = cr_rpc_call_finish(call, CR_RPC_STATUS_OK, NULL);
        } else
                r = cr_rpc_call_reply(call, &resp->base);
        if (r == -EMSGSIZE || r == -ENOBUFS)
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_RESOURCE_EXHAUSTED,
                                          "the result is larger than the maximum message size; "
                                          "lower limits.output_bytes");
        rpc_pool_done(&pl);
}

/* ----------------------------------------------------------------- Execute */

/* The first message of a stream, once a worker takes the job (so it
 * precedes any output). */
static void on_running(struct cr_rpc_call *call, const struct cr_execution *x, void *userdata)
{
        struct execution *ctx = userdata;
        Coderunner__V1__ExecuteEvent ev = CODERUNNER__V1__EXECUTE_EVENT__INIT;
        Coderunner__V1__Started st = CODERUNNER__V1__STARTED__INIT;

        if (!ctx->stream)
                return;
        st.execution_id = (char *) x->id;
        st.runtime = (char *) x->spec->runtime;
        st.runtime_version = (char *) x->spec->runtime_version;
        ev.event_case = CODERUNNER__V1__EXECUTE_EVENT__EVENT_STARTED;
        ev.started = &st;
        (void) cr_rpc_call_send(call, &ev.base);
}

static void on_output(struct cr_rpc_call *call, void *userdata, unsigned index, enum cr_sandbox_stream stream,
                      const char *data, size_t n)
{
        struct execution *ctx = userdata;
        Coderunner__V1__ExecuteEvent ev = CODERUNNER__V1__EXECUTE_EVENT__INIT;
        Coderunner__V1__OutputChunk chunk = CODERUNNER__V1__OUTPUT_CHUNK__INIT;

        chunk.stage = CODERUNNER__V1__STAGE__STAGE_RUN;
        chunk.stream = stream == CR_STREAM_STDERR ? CODERUNNER__V1__OUTPUT_STREAM__OUTPUT_STREAM_STDERR :
                                                     CODERUNNER__V1__OUTPUT_STREAM__OUTPUT_STREAM_STDOUT;
        chunk.test_number = ctx->test_mode ? index + 1 : 0;
        chunk.data.data = (uint8_t *) data;
        chunk.data.len = n;
        ev.event_case = CODERUNNER__V1__EXECUTE_EVENT__EVENT_OUTPUT;
        ev.output = &chunk;
        /* queued and thread-safe; a client that cannot keep up loses chunks
         * (-ENOBUFS), never the final result's copy of the output */
        (void) cr_rpc_call_send(call, &ev.base);
}

static const struct rpc_job_call_ops job_ops = {
        .reply = send_outcome,
        .running = on_running,
        .output = on_output,
        .free_ctx = free,
};

static void handle_execute(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata, bool stream)
{
        const Coderunner__V1__ExecuteRequest *req = (const void *) msg;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_evaluation *e = NULL;
        struct execution *ctx;
        int r;

        r = native_prepare(userdata, call, req, stream, &e, &err);
        if (r >= 0) {
                ctx = xzalloc(sizeof(*ctx));
                ctx->stream = stream;
                ctx->test_mode = req->n_tests > 0;
                r = rpc_job_call_start(call, e, &job_ops, ctx, &err);
        }
        if (r < 0)
                rpc_job_call_refuse(call, err);
}

static void execute(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        handle_execute(call, msg, userdata, false);
}

static void execute_stream(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        handle_execute(call, msg, userdata, true);
}

int cr_rpc_add_native_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator,
                              const struct cr_catalog *catalog, struct cr_error **err)
{
        /* the server keeps the pointer: one native service per process */
        static struct native native;
        struct native *n = &native;
        int r;

        n->evaluator = evaluator;
        n->catalog = catalog;
        r = cr_rpc_server_add_method(srv, SERVICE "ListRuntimes", CR_RPC_UNARY,
                                     &coderunner__v1__list_runtimes_request__descriptor, list_runtimes, n, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, SERVICE "Execute", CR_RPC_UNARY,
                                             &coderunner__v1__execute_request__descriptor, execute, n, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, SERVICE "ExecuteStream", CR_RPC_SERVER_STREAM,
                                             &coderunner__v1__execute_request__descriptor, execute_stream, n, err);
        if (r >= 0)
                r = native_add_async(srv, n, err);
        return r;
}
