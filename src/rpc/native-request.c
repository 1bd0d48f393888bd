/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "native.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "job-call.h"
#include "job/evaluation.h"
#include "lang/catalog.h"
#include "log.h"
#include "macro.h"
#include "pool.h"
#include "server.h"
#include "validate.h"
#include "xalloc.h"

/* coderunner.v1's translation, shared by the synchronous and asynchronous
 * methods: an ExecuteRequest into a job description (native_prepare), a
 * judged record into an ExecuteResponse (native_result). */

/* ----------------------------------------------------------------- requests */

/* INVALID_ARGUMENT naming the known runtimes or the installed versions,
 * without the errno text the status message would otherwise append. */
static int find_runtime(const struct cr_catalog *c, const char *ref, const struct cr_runtime **ret,
                        struct cr_error **err)
{
        _cleanup_error_ struct cr_error *nf = NULL;

        if (cr_catalog_find(c, ref, ret, &nf) >= 0)
                return 0;
        return cr_error_set(err, 0, CR_ERROR_INVALID, "%s", nf && nf->msg ? nf->msg : "unknown runtime");
}

/* Single-run mode is one run-only test with the request's stdin and args. */
static void fill_single_run(const Coderunner__V1__ExecuteRequest *req, struct cr_job_test *t)
{
        *t = (struct cr_job_test) {
                .id = "",
                .stdin_data = req->stdin.data,
                .stdin_len = req->stdin.len,
                .args = (const char *const *) req->args,
                .n_args = req->n_args,
                .run_only = true,
        };
}

/* The request's own limits, each checked against the most a client may ask for. */
static int request_limits(const Coderunner__V1__ExecuteRequest *req, struct cr_job_spec *s, struct cr_error **err)
{
        int r = cr_rpc_native_limits("limits", req->limits, &cr_rpc_max_run_limits, &s->run_limits, err);

        if (r >= 0)
                r = cr_rpc_native_limits("compile_limits", req->compile_limits, &cr_rpc_max_compile_limits,
                                         &s->compile_limits, err);
        return r;
}

static void fill_spec(const Coderunner__V1__ExecuteRequest *req, const Coderunner__V1__File *src, bool stream,
                      struct cr_job_spec *s)
{
        s->origin.client_request_id = req->client_request_id;
        s->language = req->runtime;
        s->code = (const char *) src->content.data;
        s->code_len = src->content.len;
        s->stop_on_first_failure = req->stop_on_first_failure;
        s->stream_output = stream;
        s->single_run = req->n_tests == 0;
        s->function_name = req->function_name && req->function_name[0] ? req->function_name : NULL;
        if (req->n_tests == 0)
                fill_single_run(req, &s->tests[0]);
        for (size_t i = 0; i < req->n_tests; i++) {
                const Coderunner__V1__TestCase *t = req->tests[i];
                s->tests[i] = (struct cr_job_test) {
                        .id = t->id,
                        .stdin_data = t->stdin.data,
                        .stdin_len = t->stdin.len,
                        .expected = (const char *) t->expected_stdout.data,
                        .expected_len = t->expected_stdout.len,
                        /* a test's args replace the request's */
                        .args = (const char *const *) t->args,
                        .n_args = t->n_args,
                        .run_only = !t->check_stdout,
                        .custom_validation_code = t->custom_validation_code,
                        .tolerance = t->float_tolerance,
                        .function_input = t->arguments && t->arguments[0] ? t->arguments : NULL,
                        .function_expected = t->expected_result && t->expected_result[0] ? t->expected_result :
                                                                                           NULL,
                };
        }
}

int native_prepare(struct native *n, struct cr_rpc_call *call, const Coderunner__V1__ExecuteRequest *req, bool stream,
                   struct cr_evaluation **ret, struct cr_error **err)
{
        const struct cr_runtime *rt = NULL;
        const Coderunner__V1__File *src = NULL;
        struct cr_evaluation *e = NULL;
        int r;

        r = cr_rpc_validate_native_request(req, err);
        if (r >= 0)
                r = find_runtime(n->catalog, req->runtime, &rt, err);
        if (r >= 0)
                r = cr_rpc_native_source(req, rt, &src, err);
        if (r >= 0)
                r = cr_evaluation_new(n->evaluator, CR_JOB_SERVICE_NATIVE, MAX(req->n_tests, (size_t) 1), &e, err);
        if (r >= 0)
                r = request_limits(req, cr_evaluation_spec(e), err);
        if (r < 0) {
                cr_evaluation_unref(e);
                return r;
        }
        fill_spec(req, src, stream, cr_evaluation_spec(e));
        rpc_job_call_fill_origin(call, e);
        log_debug("%s execution=%s call=%" PRIu64 " runtime=%s client_request_id=%s", cr_rpc_call_method(call),
                  cr_evaluation_id(e), cr_rpc_call_id(call), rt->id,
                  req->client_request_id ? req->client_request_id : "");
        *ret = e;
        return 0;
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
static Coderunner__V1__Verdict test_verdict(const struct cr_job_test_outcome *t)
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

static Coderunner__V1__RunResult *run_pb(struct rpc_pool *pl, const struct cr_sandbox_result *r)
{
        Coderunner__V1__RunResult *p = rpc_pool_new(pl, sizeof(*p));

        run_to_pb(r, p);
        return p;
}

static void compile_to_pb(struct rpc_pool *pl, const struct cr_job_outcome *o, Coderunner__V1__ExecuteResponse *resp)
{
        if (!o->compiled)
                return;
        resp->compile = run_pb(pl, &o->compile);
        if (o->compile_failed) {
                if (o->compile.verdict == CR_VERDICT_RUNTIME_ERROR)
                        resp->compile->verdict = CODERUNNER__V1__VERDICT__VERDICT_COMPILE_ERROR;
                resp->compile->message = o->error_message ? o->error_message : (char *) "";
        }
}

static Coderunner__V1__TestResult *test_to_pb(struct rpc_pool *pl, const struct cr_execution *x, size_t i,
                                             bool skipping)
{
        const struct cr_job_test_outcome *t = &x->outcome->tests[i];
        Coderunner__V1__Verdict v = skipping ? CODERUNNER__V1__VERDICT__VERDICT_SKIPPED : test_verdict(t);
        Coderunner__V1__TestResult *p = rpc_pool_new(pl, sizeof(*p));
        Coderunner__V1__RunResult *run = rpc_pool_new(pl, sizeof(*run));

        *run = (Coderunner__V1__RunResult) CODERUNNER__V1__RUN_RESULT__INIT;
        if (t->ran && !skipping)
                run_to_pb(&t->run, run);
        run->verdict = v;
        run->message = v == CODERUNNER__V1__VERDICT__VERDICT_OK ? (char *) "" :
                       skipping ? (char *) "skipped after an earlier failure" :
                       t->message ? t->message : (char *) "";
        coderunner__v1__test_result__init(p);
        p->id = (char *) x->spec->tests[i].id;
        p->index = (uint32_t) i;
        p->passed = v == CODERUNNER__V1__VERDICT__VERDICT_OK;
        p->result = run;
        p->expected = t->expected && !skipping ? t->expected : (char *) "";
        p->actual = t->actual && !skipping ? t->actual : (char *) "";
        return p;
}

Coderunner__V1__ExecuteResponse *native_result(struct rpc_pool *pl, const struct cr_execution *x)
{
        const struct cr_job_outcome *o = x->outcome;
        Coderunner__V1__ExecuteResponse *resp = rpc_pool_new(pl, sizeof(*resp));
        Coderunner__V1__TestResult **tests = rpc_pool_new(pl, (o->n_tests + 1) * sizeof(*tests));
        bool skipping = false;

        coderunner__v1__execute_response__init(resp);
        resp->execution_id = (char *) x->id;
        resp->runtime = (char *) x->spec->runtime;
        resp->runtime_version = (char *) x->spec->runtime_version;
        resp->total_wall_ms = x->completed_us > x->created_us ? (x->completed_us - x->created_us) / 1000u : 0;
        compile_to_pb(pl, o, resp);
        for (size_t i = 0; i < o->n_tests && i < x->spec->n_tests; i++) {
                tests[i] = test_to_pb(pl, x, i, skipping);
                if (tests[i]->passed)
                        resp->passed_tests++;
                else if (resp->verdict == CODERUNNER__V1__VERDICT__VERDICT_UNSPECIFIED)
                        resp->verdict = tests[i]->result->verdict;
                /* the runs after it did happen (the job runs every test);
                 * their results are withheld as the request asked */
                if (!tests[i]->passed && x->spec->stop_on_first_failure && o->tests[i].ran)
                        skipping = true;
        }
        if (o->compile_failed)
                resp->verdict = CODERUNNER__V1__VERDICT__VERDICT_COMPILE_ERROR;
        else if (resp->verdict == CODERUNNER__V1__VERDICT__VERDICT_UNSPECIFIED)
                resp->verdict = CODERUNNER__V1__VERDICT__VERDICT_OK;
        if (!x->spec->single_run) {
                resp->tests = tests;
                resp->n_tests = o->n_tests;
                resp->total_tests = (uint32_t) o->n_tests;
        } else {
                resp->passed_tests = 0;
                if (o->n_tests > 0 && o->tests[0].ran)
                        resp->run = tests[0]->result;
        }
        return resp;
}

