/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judging.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "judge/judge.h"
#include "jobspec/jobspec.h"
#include "xalloc.h"

/* The judge's plan is rebuilt from the description: a plan is a pure
 * function of the language, the code and the tests, so the instance that
 * ran the job judges it exactly as the one that admitted it planned it,
 * and nothing but the description has to travel through the store. */

/* The judge takes text: NUL-terminated copies of the bounded byte fields. */
struct judge_tests {
        struct cr_judge_test *tests;
        char **copies;
        size_t n;
};

static void judge_tests_done(struct judge_tests *t)
{
        for (size_t i = 0; i < 2 * t->n; i++)
                free(t->copies[i]);
        free(t->copies);
        free(t->tests);
}

static void judge_tests_fill(const struct cr_job_spec *s, struct judge_tests *t)
{
        t->n = s->n_tests;
        t->tests = xzalloc((s->n_tests + 1) * sizeof(*t->tests));
        t->copies = xzalloc((2 * s->n_tests + 1) * sizeof(char *));
        for (size_t i = 0; i < s->n_tests; i++) {
                const struct cr_job_test *jt = &s->tests[i];
                t->copies[2 * i] = xstrndup(jt->stdin_data ? jt->stdin_data : "", jt->stdin_len);
                t->copies[2 * i + 1] = xstrndup(jt->expected ? jt->expected : "", jt->expected_len);
                t->tests[i] = (struct cr_judge_test) {
                        .id = jt->id,
                        /* function mode's own fields, when the request kept them apart */
                        .input = jt->function_input ? jt->function_input : t->copies[2 * i],
                        .expected_output = jt->function_expected ? jt->function_expected : t->copies[2 * i + 1],
                        .custom_validation_code = jt->custom_validation_code,
                        .run_only = jt->run_only,
                        .tolerance = jt->tolerance,
                };
        }
}

int cr_job_plan(const struct cr_job_spec *s, const char *const *run_argv, size_t source_max,
                struct cr_judge_plan **ret, struct cr_error **err)
{
        static const char *const no_argv[] = { NULL };
        _cleanup_(judge_tests_done) struct judge_tests t = {};
        struct cr_judge_request jr;

        judge_tests_fill(s, &t);
        jr = (struct cr_judge_request) {
                .language = s->runtime && s->runtime[0] ? s->runtime : s->language,
                .code = s->code ? s->code : "",
                .code_len = s->code_len,
                .tests = t.tests,
                .n_tests = s->n_tests,
                .run_argv = run_argv ? run_argv : no_argv,
                .source_max = source_max,
                .function_name = s->function_name,
        };
        return cr_judge_plan_new(&jr, ret, err);
}

/* The judge's view of a sandbox result (judge/ knows no sandbox types). */
static struct cr_judge_run judge_run_of(bool ran, const struct cr_sandbox_result *r)
{
        static const enum cr_judge_status status[_CR_VERDICT_MAX] = {
                [CR_VERDICT_OK] = CR_JUDGE_STATUS_OK,
                [CR_VERDICT_RUNTIME_ERROR] = CR_JUDGE_STATUS_RUNTIME_ERROR,
                [CR_VERDICT_TIME_LIMIT] = CR_JUDGE_STATUS_TIME_LIMIT,
                [CR_VERDICT_MEMORY_LIMIT] = CR_JUDGE_STATUS_MEMORY_LIMIT,
                [CR_VERDICT_OUTPUT_LIMIT] = CR_JUDGE_STATUS_OUTPUT_LIMIT,
                [CR_VERDICT_SECCOMP_VIOLATION] = CR_JUDGE_STATUS_SECCOMP_VIOLATION,
                [CR_VERDICT_INTERNAL_ERROR] = CR_JUDGE_STATUS_INTERNAL_ERROR,
        };

        if (!ran)
                return (struct cr_judge_run) {};
        return (struct cr_judge_run) {
                .ran = true,
                .status = r->verdict >= 0 && r->verdict < _CR_VERDICT_MAX ? status[r->verdict] :
                                                                            CR_JUDGE_STATUS_INTERNAL_ERROR,
                .wall_limit = r->limit == CR_LIMIT_WALL,
                .exit_code = r->exit_code,
                .signal = r->signal,
                .seccomp_syscall = r->seccomp_syscall[0] ? r->seccomp_syscall : NULL,
                .out = r->out.data,
                .out_len = r->out.len,
                .err = r->err.data,
                .err_len = r->err.len,
        };
}

/* A description the judge cannot plan (it planned it at admission, so
 * only a corrupted or foreign row gets here) is an internal error. */
static void judge_unplannable(struct cr_job_outcome *o, const struct cr_error *e)
{
        o->passed = 0;
        o->success = false;
        o->error_type = xstrdup("internal_error");
        o->message = xstrdup("Execution failed: the job could not be judged");
        o->error_message = xstrdup(e ? e->msg : "the judge could not plan the job");
}

static void judge_all(const struct cr_judge_plan *plan, const struct cr_job_spec *spec, struct cr_job_outcome *o)
{
        const struct cr_sandbox_limits *l = &spec->run_limits;
        struct cr_judge_limits limits = {
                .cpu_time_ms = l->cpu_time_ms,
                .wall_time_ms = l->wall_time_ms,
                .memory_bytes = l->memory_bytes,
                .output_bytes = l->output_bytes,
        };
        _cleanup_free_ struct cr_judge_run *runs = xzalloc((o->n_tests + 1) * sizeof(*runs));
        _cleanup_free_ struct cr_judge_verdict *verdicts = xzalloc((o->n_tests + 1) * sizeof(*verdicts));
        _cleanup_free_ struct cr_judge_result *results = xzalloc((o->n_tests + 1) * sizeof(*results));
        struct cr_judge_run compile = judge_run_of(o->compiled, &o->compile);
        struct cr_judge_summary s;

        for (size_t i = 0; !o->compile_failed && i < o->n_tests; i++) {
                struct cr_job_test_outcome *t = &o->tests[i];

                runs[i] = judge_run_of(t->ran, &t->run);
                cr_judge_plan_judge(plan, i, &runs[i], &limits, &verdicts[i]);
                t->passed = verdicts[i].passed;
                t->wrong_answer = verdicts[i].wrong_answer;
                t->message = TAKE_PTR(verdicts[i].message);
                t->expected = TAKE_PTR(verdicts[i].expected);
                t->actual = TAKE_PTR(verdicts[i].actual);
                verdicts[i].message = t->message; /* borrowed for the summary */
                results[i] = (struct cr_judge_result) {
                        .id = i < spec->n_tests ? spec->tests[i].id : NULL,
                        .run = &runs[i],
                        .verdict = &verdicts[i],
                };
        }
        cr_judge_summarize(o->compiled ? &compile : NULL, o->compile_failed, results, o->n_tests, &s);
        for (size_t i = 0; !o->compile_failed && i < o->n_tests; i++) {
                struct cr_buf *out = &o->tests[i].run.out;
                out->len = cr_judge_plan_program_output(plan, out->data, out->len);
        }
        o->passed = s.passed;
        o->success = s.success;
        o->error_type = xstrdup(s.error_type ? s.error_type : "");
        o->message = TAKE_PTR(s.message);
        o->error_message = TAKE_PTR(s.error_message);
}

DEFINE_CLEANUP_FUNC(struct cr_judge_plan *, cr_judge_plan_free);

void cr_job_judge(const struct cr_job_spec *spec, struct cr_job_outcome *o)
{
        _cleanup_(cr_judge_plan_freep) struct cr_judge_plan *plan = NULL;
        _cleanup_error_ struct cr_error *e = NULL;

        if (cr_job_plan(spec, NULL, CR_JOB_PROGRAM_MAX, &plan, &e) < 0 ||
            (cr_judge_plan_mode(plan) == CR_JUDGE_MODE_FUNCTION) != spec->function_mode) {
                judge_unplannable(o, e);
                return;
        }
        judge_all(plan, spec, o);
}
