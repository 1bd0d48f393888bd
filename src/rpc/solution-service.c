/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "services.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "code_runner.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "job/evaluation.h"
#include "job-call.h"
#include "server.h"
#include "status.h"
#include "validate.h"
#include "xalloc.h"

/* com.levelupjourney.coderunner.SolutionEvaluationService/EvaluateSolution:
 * what today's clients call. Same package, message field numbers and
 * semantics as the original, with its bugs fixed (reference §6): validation
 * errors are INVALID_ARGUMENT (not UNKNOWN), test ids come back exactly as
 * sent, an empty expected output does not pass by itself, one crashing or
 * slow test fails only itself, and error_type says what went wrong. */

#define METHOD "/com.levelupjourney.coderunner.SolutionEvaluationService/EvaluateSolution"

static void reply(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx)
{
        Com__Levelupjourney__Coderunner__ExecutionResponse resp = COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_RESPONSE__INIT;
        const struct cr_job_outcome *o = x->outcome;
        _cleanup_free_ char **approved = xzalloc((o->n_tests + 1) * sizeof(char *));
        size_t n = 0;

        (void) ctx;
        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].passed)
                        approved[n++] = (char *) x->spec->tests[i].id;
        resp.approved_tests = approved;
        resp.n_approved_tests = n;
        resp.completed = true;
        resp.execution_time_ms = (int64_t) o->execution_time_ms;
        resp.total_tests = (int32_t) o->n_tests;
        resp.passed_tests = (int32_t) o->passed;
        resp.failed_tests = (int32_t) (o->n_tests - o->passed);
        resp.success = o->success;
        resp.message = o->message;
        resp.error_message = o->error_message ? o->error_message : (char *) "";
        resp.error_type = o->error_type ? o->error_type : (char *) "";
        (void) cr_rpc_call_reply(call, &resp.base);
}

static const struct rpc_job_call_ops job_ops = {
        .reply = reply,
};

static void fill_spec(const Com__Levelupjourney__Coderunner__ExecutionRequest *req, struct cr_job_spec *s)
{
        s->origin.challenge_id = req->challenge_id;
        s->origin.code_version_id = req->code_version_id;
        s->origin.student_id = req->student_id;
        s->language = req->language;
        s->code = req->code;
        s->code_len = req->code ? strlen(req->code) : 0;
        for (size_t i = 0; i < req->n_tests; i++) {
                const Com__Levelupjourney__Coderunner__TestCase *t = req->tests[i];
                s->tests[i] = (struct cr_job_test) {
                        .id = t->code_version_test_id,
                        .stdin_data = t->input,
                        .stdin_len = t->input ? strlen(t->input) : 0,
                        .expected = t->expected_output,
                        .expected_len = t->expected_output ? strlen(t->expected_output) : 0,
                        .custom_validation_code = t->custom_validation_code,
                };
        }
}

static void handle(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Com__Levelupjourney__Coderunner__ExecutionRequest *req = (const void *) msg;
        struct cr_evaluator *evaluator = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_evaluation *e = NULL;
        int r;

        r = cr_rpc_validate_solution_request(req, &err);
        if (r >= 0)
                r = cr_evaluation_new(evaluator, CR_JOB_SERVICE_EVALUATE, req->n_tests, &e, &err);
        if (r >= 0) {
                fill_spec(req, cr_evaluation_spec(e));
                rpc_job_call_fill_origin(call, e);
                r = rpc_job_call_start(call, e, &job_ops, NULL, &err);
        }
        if (r < 0)
                rpc_job_call_refuse(call, err);
}

int cr_rpc_add_solution_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator, struct cr_error **err)
{
        return cr_rpc_server_add_method(srv, METHOD, CR_RPC_UNARY,
                                        &com__levelupjourney__coderunner__execution_request__descriptor, handle,
                                        evaluator, err);
}
