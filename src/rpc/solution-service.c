/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "services.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "code_runner.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "job/evaluate.h"
#include "log.h"
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

struct evaluation {
        struct cr_rpc_call *call;
        struct cr_eval *eval;
};

static void reply(struct evaluation *ev, const struct cr_eval_outcome *o)
{
        Com__Levelupjourney__Coderunner__ExecutionResponse resp = COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_RESPONSE__INIT;
        _cleanup_free_ char **approved = xzalloc((o->n_tests + 1) * sizeof(char *));
        size_t n = 0;

        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].passed)
                        approved[n++] = o->tests[i].id;
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
        resp.error_type = (char *) o->error_type;
        (void) cr_rpc_call_reply(ev->call, &resp.base);
}

static void on_done(void *userdata, const struct cr_eval_outcome *outcome, const struct cr_error *err)
{
        struct evaluation *ev = userdata;

        if (err) {
                if (err->kind != CR_ERROR_CANCELLED)
                        log_error_err(err, "EvaluateSolution call=%llu failed",
                                      (unsigned long long) cr_rpc_call_id(ev->call));
                (void) cr_rpc_call_finish_error(ev->call, err);
        } else
                reply(ev, outcome);
        /* no cancel callback after this: drop the reference it held */
        cr_rpc_call_on_cancel(ev->call, NULL, NULL);
        cr_eval_unref(ev->eval);
        cr_rpc_call_unref(ev->call);
        cr_eval_unref(ev->eval);
        free(ev);
}

static void on_cancel(struct cr_rpc_call *call, void *userdata)
{
        struct cr_eval *eval = userdata;

        (void) call;
        /* deadline or client gone: kill the sandbox, free the slot */
        cr_eval_cancel(eval);
}

static void handle(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Com__Levelupjourney__Coderunner__ExecutionRequest *req = (const void *) msg;
        struct cr_evaluator *evaluator = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ struct cr_eval_test *tests = NULL;
        struct evaluation *ev;
        struct cr_eval_request er = {
                .language = req->language,
                .code = req->code,
                .code_len = req->code ? strlen(req->code) : 0,
                .n_tests = req->n_tests,
        };
        int r;

        r = cr_rpc_validate_solution_request(req, &err);
        if (r < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        tests = xzalloc((req->n_tests + 1) * sizeof(*tests));
        for (size_t i = 0; i < req->n_tests; i++)
                tests[i] = (struct cr_eval_test) {
                        .id = req->tests[i]->code_version_test_id,
                        .input = req->tests[i]->input,
                        .expected_output = req->tests[i]->expected_output,
                        .custom_validation_code = req->tests[i]->custom_validation_code,
                };
        er.tests = tests;
        ev = xzalloc(sizeof(*ev));
        r = cr_evaluator_prepare(evaluator, &er, on_done, NULL, ev, &ev->eval, &err);
        if (r < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                free(ev);
                return;
        }
        ev->call = cr_rpc_call_ref(call);
        /* the cancel callback holds its own reference, dropped by on_done */
        cr_rpc_call_on_cancel(call, on_cancel, cr_eval_ref(ev->eval));
        r = cr_eval_start(ev->eval, &err);
        if (r < 0) {
                cr_rpc_call_on_cancel(call, NULL, NULL);
                (void) cr_rpc_call_finish_error(call, err);
                cr_eval_unref(ev->eval);
                cr_eval_unref(ev->eval);
                cr_rpc_call_unref(ev->call);
                free(ev);
        }
}

int cr_rpc_add_solution_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator, struct cr_error **err)
{
        return cr_rpc_server_add_method(srv, METHOD, CR_RPC_UNARY,
                                        &com__levelupjourney__coderunner__execution_request__descriptor, handle,
                                        evaluator, err);
}
