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
#include "uuid.h"
#include "job/evaluate.h"
#include "lang/catalog.h"
#include "lang/pipeline.h"
#include "log.h"
#include "macro.h"
#include "server.h"
#include "status.h"
#include "validate.h"
#include "xalloc.h"

/* coderunner.v1.CodeRunner (proto/coderunner/v1/coderunner.proto): the
 * native API on the evaluator. Execute without tests is one run that is
 * reported, not judged (a "run only" test); with tests, each test is judged
 * by its check_stdout. Supported today: exactly one file, the runtime's
 * source_file (more files, or another name, is INVALID_ARGUMENT); compile
 * output is not streamed (the compile result carries it). */

#define SERVICE "/coderunner.v1.CodeRunner/"

struct native {
        struct cr_evaluator *evaluator;    /* not owned */
        const struct cr_catalog *catalog;  /* not owned */
};

struct execution {
        struct cr_rpc_call *call;
        struct cr_eval *eval;
        bool stream;
        bool test_mode;
        bool stop_on_first_failure;
        char id[CR_UUID_STRING_LEN + 1];
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

/* ------------------------------------------------------------ ListRuntimes */

static int cmp_runtime(const void *a, const void *b)
{
        const Coderunner__V1__Runtime *const *x = a, *const *y = b;
        return strcmp((*x)->id, (*y)->id);
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
                p->version = rt->version;
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
                p->available = cr_evaluator_runtime_available(n->evaluator, rt->id);
                ptrs[i] = p;
        }
        qsort(ptrs, c->n, sizeof(*ptrs), cmp_runtime);
        resp.runtimes = ptrs;
        resp.n_runtimes = c->n;
        (void) cr_rpc_call_reply(call, &resp.base);
}

/* ----------------------------------------------------------------- results */

static Coderunner__V1__Verdict verdict_to_pb(enum cr_verdict v)
{
        switch (v) {
        case CR_VERDICT_OK: return CODERUNNER__V1__VERDICT__VERDICT_OK;
        case CR_VERDICT_RUNTIME_ERROR: return CODERUNNER__V1__VERDICT__VERDICT_RUNTIME_ERROR;
        case CR_VERDICT_TIME_LIMIT: return CODERUNNER__V1__VERDICT__VERDICT_TIME_LIMIT;
        case CR_VERDICT_MEMORY_LIMIT: return CODERUNNER__V1__VERDICT__VERDICT_MEMORY_LIMIT;
        case CR_VERDICT_OUTPUT_LIMIT: return CODERUNNER__V1__VERDICT__VERDICT_OUTPUT_LIMIT;
        case CR_VERDICT_SECCOMP_VIOLATION: return CODERUNNER__V1__VERDICT__VERDICT_SECCOMP_VIOLATION;
        default: return CODERUNNER__V1__VERDICT__VERDICT_INTERNAL_ERROR;
        }
}

static void run_to_pb(const struct cr_sandbox_result *r, Coderunner__V1__RunResult *p)
{
        *p = (Coderunner__V1__RunResult) CODERUNNER__V1__RUN_RESULT__INIT;
        p->verdict = verdict_to_pb(r->verdict);
        p->exit_code = r->exit_code;
        p->signal = r->signal;
        p->stdout.data = (uint8_t *) r->out.data;
        p->stdout.len = r->out.data ? r->out.len : 0;
        p->stderr.data = (uint8_t *) r->err.data;
        p->stderr.len = r->err.data ? r->err.len : 0;
        p->stdout_truncated = r->stdout_truncated;
        p->stderr_truncated = r->stderr_truncated;
        p->wall_ms = r->wall_ms;
        p->cpu_ms = r->cpu_ms;
        p->memory_peak_bytes = r->memory_peak_bytes;
        p->message = (char *) "";
}

/* The verdict of one evaluated run (a test, or the single run). */
static Coderunner__V1__Verdict test_verdict(const struct cr_eval_test_result *t)
{
        if (!t->ran)
                return CODERUNNER__V1__VERDICT__VERDICT_SKIPPED;
        if (t->passed)
                return CODERUNNER__V1__VERDICT__VERDICT_OK;
        if (t->wrong_answer)
                return CODERUNNER__V1__VERDICT__VERDICT_WRONG_ANSWER;
        if (t->run.verdict == CR_VERDICT_OK) /* function mode: the harness says it failed */
                return CODERUNNER__V1__VERDICT__VERDICT_RUNTIME_ERROR;
        return verdict_to_pb(t->run.verdict);
}

/* Fills resp; the arrays it points into are the caller's (n_tests of each). */
static void outcome_to_pb(const struct execution *x, const struct cr_eval_outcome *o,
                          Coderunner__V1__ExecuteResponse *resp, Coderunner__V1__RunResult *compile,
                          Coderunner__V1__RunResult *runs, Coderunner__V1__TestResult *tests,
                          Coderunner__V1__TestResult **test_ptrs)
{
        bool skipping = false;

        resp->execution_id = (char *) x->id;
        resp->runtime = o->runtime->id;
        resp->runtime_version = o->runtime->version;
        resp->total_wall_ms = o->execution_time_ms;
        if (o->compiled) {
                run_to_pb(&o->compile, compile);
                if (o->compile_failed) {
                        if (o->compile.verdict == CR_VERDICT_RUNTIME_ERROR)
                                compile->verdict = CODERUNNER__V1__VERDICT__VERDICT_COMPILE_ERROR;
                        compile->message = o->error_message ? o->error_message : (char *) "";
                }
                resp->compile = compile;
        }
        for (size_t i = 0; i < o->n_tests; i++) {
                const struct cr_eval_test_result *t = &o->tests[i];
                Coderunner__V1__Verdict v = skipping ? CODERUNNER__V1__VERDICT__VERDICT_SKIPPED : test_verdict(t);

                if (t->ran && !skipping)
                        run_to_pb(&t->run, &runs[i]);
                else
                        runs[i] = (Coderunner__V1__RunResult) CODERUNNER__V1__RUN_RESULT__INIT;
                runs[i].verdict = v;
                runs[i].message = v == CODERUNNER__V1__VERDICT__VERDICT_OK ? (char *) "" :
                                  skipping ? (char *) "skipped after an earlier failure" :
                                  t->message ? t->message : (char *) "";
                tests[i] = (Coderunner__V1__TestResult) CODERUNNER__V1__TEST_RESULT__INIT;
                tests[i].id = t->id;
                tests[i].index = (uint32_t) i;
                tests[i].passed = v == CODERUNNER__V1__VERDICT__VERDICT_OK;
                tests[i].result = &runs[i];
                tests[i].expected = t->expected && !skipping ? t->expected : (char *) "";
                tests[i].actual = t->actual && !skipping ? t->actual : (char *) "";
                test_ptrs[i] = &tests[i];
                if (tests[i].passed)
                        resp->passed_tests++;
                else if (resp->verdict == CODERUNNER__V1__VERDICT__VERDICT_UNSPECIFIED)
                        resp->verdict = v;
                /* the runs after it did happen (the job runs every test);
                 * their results are withheld as the request asked */
                if (!tests[i].passed && x->stop_on_first_failure && t->ran)
                        skipping = true;
        }
        if (o->compile_failed)
                resp->verdict = CODERUNNER__V1__VERDICT__VERDICT_COMPILE_ERROR;
        else if (resp->verdict == CODERUNNER__V1__VERDICT__VERDICT_UNSPECIFIED)
                resp->verdict = CODERUNNER__V1__VERDICT__VERDICT_OK;
        if (x->test_mode) {
                resp->tests = test_ptrs;
                resp->n_tests = o->n_tests;
                resp->total_tests = (uint32_t) o->n_tests;
        } else {
                resp->passed_tests = 0;
                if (o->n_tests > 0 && o->tests[0].ran)
                        resp->run = &runs[0];
        }
}

static void send_outcome(struct execution *x, const struct cr_eval_outcome *o)
{
        Coderunner__V1__ExecuteResponse resp = CODERUNNER__V1__EXECUTE_RESPONSE__INIT;
        Coderunner__V1__RunResult compile;
        size_t n = MAX(o->n_tests, (size_t) 1);
        _cleanup_free_ Coderunner__V1__RunResult *runs = xzalloc(n * sizeof(*runs));
        _cleanup_free_ Coderunner__V1__TestResult *tests = xzalloc(n * sizeof(*tests));
        _cleanup_free_ Coderunner__V1__TestResult **ptrs = xzalloc(n * sizeof(*ptrs));
        int r;

        outcome_to_pb(x, o, &resp, &compile, runs, tests, ptrs);
        if (x->stream) {
                Coderunner__V1__ExecuteEvent ev = CODERUNNER__V1__EXECUTE_EVENT__INIT;

                ev.event_case = CODERUNNER__V1__EXECUTE_EVENT__EVENT_RESULT;
                ev.result = &resp;
                r = cr_rpc_call_send(x->call, &ev.base);
                if (r >= 0)
                        r = cr_rpc_call_finish(x->call, CR_RPC_STATUS_OK, NULL);
        } else
                r = cr_rpc_call_reply(x->call, &resp.base);
        if (r == -EMSGSIZE || r == -ENOBUFS)
                (void) cr_rpc_call_finish(x->call, CR_RPC_STATUS_RESOURCE_EXHAUSTED,
                                          "the result is larger than the maximum message size; "
                                          "lower limits.output_bytes");
}

/* ----------------------------------------------------------------- Execute */

static void on_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct execution *x = userdata;
        Coderunner__V1__ExecuteEvent ev = CODERUNNER__V1__EXECUTE_EVENT__INIT;
        Coderunner__V1__OutputChunk chunk = CODERUNNER__V1__OUTPUT_CHUNK__INIT;

        chunk.stage = CODERUNNER__V1__STAGE__STAGE_RUN;
        chunk.stream = stream == CR_STREAM_STDERR ? CODERUNNER__V1__OUTPUT_STREAM__OUTPUT_STREAM_STDERR :
                                                     CODERUNNER__V1__OUTPUT_STREAM__OUTPUT_STREAM_STDOUT;
        chunk.test_number = x->test_mode ? index + 1 : 0;
        chunk.data.data = (uint8_t *) data;
        chunk.data.len = n;
        ev.event_case = CODERUNNER__V1__EXECUTE_EVENT__EVENT_OUTPUT;
        ev.output = &chunk;
        /* queued and thread-safe; a client that cannot keep up loses chunks
         * (-ENOBUFS), never the final result's copy of the output */
        (void) cr_rpc_call_send(x->call, &ev.base);
}

static void execution_free(struct execution *x)
{
        free(x);
}

static void on_done(void *userdata, const struct cr_eval_outcome *outcome, const struct cr_error *err)
{
        struct execution *x = userdata;

        if (err) {
                if (err->kind != CR_ERROR_CANCELLED)
                        log_error_err(err, "%s execution=%s call=%" PRIu64 " failed", cr_rpc_call_method(x->call),
                                      x->id, cr_rpc_call_id(x->call));
                (void) cr_rpc_call_finish_error(x->call, err);
        } else
                send_outcome(x, outcome);
        /* no cancel callback after this: drop the reference it held */
        cr_rpc_call_on_cancel(x->call, NULL, NULL);
        cr_eval_unref(x->eval);
        cr_rpc_call_unref(x->call);
        cr_eval_unref(x->eval);
        execution_free(x);
}

static void on_cancel(struct cr_rpc_call *call, void *userdata)
{
        (void) call;
        cr_eval_cancel(userdata);
}

/* NOT_FOUND naming the known runtimes or versions, without the errno text
 * the status message would otherwise append. */
static int find_runtime(const struct cr_catalog *c, const char *ref, const struct cr_runtime **ret,
                        struct cr_error **err)
{
        _cleanup_error_ struct cr_error *nf = NULL;

        if (cr_catalog_find(c, ref, ret, &nf) >= 0)
                return 0;
        return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "%s", nf && nf->msg ? nf->msg : "unknown runtime");
}

static void handle_execute(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata, bool stream)
{
        const Coderunner__V1__ExecuteRequest *req = (const void *) msg;
        struct native *n = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ struct cr_eval_test *tests = NULL;
        _cleanup_free_ char **expected = NULL;
        _cleanup_free_ const char **req_args = NULL;
        _cleanup_free_ const char ***targs = NULL;
        struct cr_sandbox_limits run_limits, compile_limits;
        const struct cr_runtime *rt = NULL;
        const Coderunner__V1__File *src = NULL;
        struct cr_eval_request er = {};
        struct execution *x;
        size_t n_tests = MAX(req->n_tests, (size_t) 1);
        int r;

        r = cr_rpc_validate_native_request(req, &err);
        if (r >= 0)
                r = find_runtime(n->catalog, req->runtime, &rt, &err);
        if (r >= 0)
                r = cr_rpc_native_source(req, rt, &src, &err);
        if (r >= 0)
                r = cr_rpc_native_limits("limits", req->limits, &cr_rpc_max_run_limits, &run_limits, &err);
        if (r >= 0)
                r = cr_rpc_native_limits("compile_limits", req->compile_limits, &cr_rpc_max_compile_limits,
                                         &compile_limits, &err);
        if (r < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }

        tests = xzalloc(n_tests * sizeof(*tests));
        expected = xzalloc(n_tests * sizeof(char *));
        if (req->n_tests == 0) {
                req_args = xzalloc((req->n_args + 1) * sizeof(char *));
                for (size_t i = 0; i < req->n_args; i++)
                        req_args[i] = req->args[i];
                tests[0] = (struct cr_eval_test) {
                        .id = "",
                        .input = req->stdin.len ? (const char *) req->stdin.data : "",
                        .input_len = req->stdin.len,
                        .expected_output = "",
                        .args = req_args,
                        .run_only = true,
                };
        }
        for (size_t i = 0; i < req->n_tests; i++) {
                const Coderunner__V1__TestCase *t = req->tests[i];
                /* bytes are not NUL-terminated; the validation refused inner NULs */
                expected[i] = t->expected_stdout.len ?
                        xstrndup((const char *) t->expected_stdout.data, t->expected_stdout.len) : xstrdup("");
                tests[i] = (struct cr_eval_test) {
                        .id = t->id,
                        .input = t->stdin.len ? (const char *) t->stdin.data : "",
                        .input_len = t->stdin.len,
                        .expected_output = expected[i],
                        .run_only = !t->check_stdout,
                        .custom_validation_code = t->custom_validation_code,
                        .tolerance = t->float_tolerance,
                        .function_input = t->arguments && t->arguments[0] ? t->arguments : NULL,
                        .function_expected = t->expected_result && t->expected_result[0] ? t->expected_result : NULL,
                };
        }
        /* NULL-terminated argv per test (a test's args replace the request's) */
        targs = xzalloc(n_tests * sizeof(char **));
        for (size_t i = 0; i < req->n_tests; i++) {
                const Coderunner__V1__TestCase *t = req->tests[i];
                if (t->n_args == 0)
                        continue;
                targs[i] = xzalloc((t->n_args + 1) * sizeof(char *));
                for (size_t j = 0; j < t->n_args; j++)
                        targs[i][j] = t->args[j];
                tests[i].args = targs[i];
        }

        er = (struct cr_eval_request) {
                .language = req->runtime,
                .code = (const char *) src->content.data,
                .code_len = src->content.len,
                .tests = tests,
                .n_tests = n_tests,
                .run_limits = &run_limits,
                .compile_limits = &compile_limits,
                .function_name = req->function_name && req->function_name[0] ? req->function_name : NULL,
        };
        x = xzalloc(sizeof(*x));
        x->stream = stream;
        x->test_mode = req->n_tests > 0;
        x->stop_on_first_failure = req->stop_on_first_failure;
        r = cr_uuid_v4(x->id);
        if (r < 0)
                r = cr_error_set(&err, r, CR_ERROR_INTERNAL, "generate an execution id");
        else
                r = cr_evaluator_prepare(n->evaluator, &er, on_done, stream ? on_output : NULL, x, &x->eval, &err);
        for (size_t i = 0; i < req->n_tests; i++) {
                free(expected[i]);
                free(targs[i]);
        }
        if (r < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                free(x);
                return;
        }
        x->call = cr_rpc_call_ref(call);
        log_debug("%s execution=%s call=%" PRIu64 " runtime=%s client_request_id=%s", cr_rpc_call_method(call), x->id,
                 cr_rpc_call_id(call), rt->id, req->client_request_id ? req->client_request_id : "");
        if (stream) {
                Coderunner__V1__ExecuteEvent ev = CODERUNNER__V1__EXECUTE_EVENT__INIT;
                Coderunner__V1__Started st = CODERUNNER__V1__STARTED__INIT;

                st.execution_id = x->id;
                st.runtime = rt->id;
                st.runtime_version = rt->version;
                ev.event_case = CODERUNNER__V1__EXECUTE_EVENT__EVENT_STARTED;
                ev.started = &st;
                /* first message, queued before any output can exist */
                (void) cr_rpc_call_send(call, &ev.base);
        }
        /* the cancel callback holds its own reference, dropped by on_done */
        cr_rpc_call_on_cancel(call, on_cancel, cr_eval_ref(x->eval));
        r = cr_eval_start(x->eval, &err);
        if (r < 0) {
                cr_rpc_call_on_cancel(call, NULL, NULL);
                (void) cr_rpc_call_finish_error(call, err);
                cr_eval_unref(x->eval);
                cr_eval_unref(x->eval);
                cr_rpc_call_unref(x->call);
                execution_free(x);
        }
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
        return r;
}
