/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "jobspec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "xalloc.h"

static size_t str_len(const char *s)
{
        return s ? strlen(s) : 0;
}

static int check_bytes(const char *what, size_t index, size_t len, size_t max, struct cr_error **err)
{
        if (len > max)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: %s is larger than %zu bytes", index + 1,
                                    what, max);
        return 0;
}

static int check_args(size_t index, const struct cr_job_test *t, const struct cr_job_bounds *b,
                      struct cr_error **err)
{
        if (t->n_args > b->max_args)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: too many arguments: %zu (at most %zu)",
                                    index + 1, t->n_args, b->max_args);
        for (size_t n = 0; n < t->n_args; n++)
                if (!t->args[n] || strlen(t->args[n]) > b->max_arg_bytes)
                        return cr_error_set(err, 0, CR_ERROR_INVALID,
                                            "test %zu: argument %zu is longer than %zu bytes", index + 1, n + 1,
                                            b->max_arg_bytes);
        return 0;
}

static int check_test(size_t i, const struct cr_job_test *t, const struct cr_job_bounds *b, struct cr_error **err)
{
        int r;

        if ((r = check_bytes("id", i, str_len(t->id), b->max_id_bytes, err)) < 0 ||
            (r = check_bytes("input", i, t->stdin_len, b->max_input_bytes, err)) < 0 ||
            (r = check_bytes("expected_output", i, t->expected_len, b->max_input_bytes, err)) < 0 ||
            (r = check_bytes("custom_validation_code", i, str_len(t->custom_validation_code), b->max_input_bytes,
                             err)) < 0 ||
            (r = check_bytes("arguments", i, str_len(t->function_input), b->max_input_bytes, err)) < 0 ||
            (r = check_bytes("expected_result", i, str_len(t->function_expected), b->max_input_bytes, err)) < 0 ||
            (r = check_args(i, t, b, err)) < 0)
                return r;
        if (!(t->tolerance >= 0 && t->tolerance < 1))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: float_tolerance must be in [0, 1)", i + 1);
        /* compared as text: an embedded NUL would end the comparison early */
        if (t->expected_len && memchr(t->expected, 0, t->expected_len))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: expected_output contains a NUL byte",
                                    i + 1);
        return 0;
}

static int check_origin(const struct cr_job_origin *o, const struct cr_job_bounds *b, struct cr_error **err)
{
        const char *fields[] = { o->challenge_id, o->code_version_id, o->student_id, o->client_key,
                                 o->client_request_id };
        const char *names[] = { "challenge_id", "code_version_id", "student_id", "client_key",
                                "client_request_id" };

        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                if (str_len(fields[i]) > b->max_id_bytes)
                        return cr_error_set(err, 0, CR_ERROR_INVALID, "%s is longer than %zu bytes", names[i],
                                            b->max_id_bytes);
        return 0;
}

int cr_job_spec_check(const struct cr_job_spec *s, const struct cr_job_bounds *b, struct cr_error **err)
{
        int r;

        if (!s->code || s->code_len == 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "code is empty");
        if (s->code_len > b->max_code_bytes)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "code is larger than %zu bytes", b->max_code_bytes);
        if (memchr(s->code, 0, s->code_len))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "code contains a NUL byte");
        if (s->n_tests == 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "at least one test case is required");
        if (s->n_tests > b->max_tests)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "too many test cases: %zu (at most %zu)", s->n_tests,
                                    b->max_tests);
        r = check_origin(&s->origin, b, err);
        for (size_t i = 0; r >= 0 && i < s->n_tests; i++)
                r = check_test(i, &s->tests[i], b, err);
        return r;
}

static const char *const status_names[_CR_JOB_STATUS_MAX] = {
        [CR_JOB_PENDING] = "pending",     [CR_JOB_RUNNING] = "running", [CR_JOB_COMPLETED] = "completed",
        [CR_JOB_FAILED] = "failed",       [CR_JOB_TIMED_OUT] = "timed_out", [CR_JOB_CANCELLED] = "cancelled",
};

const char *cr_job_status_to_string(enum cr_job_status s)
{
        return s > 0 && s < _CR_JOB_STATUS_MAX ? status_names[s] : "unknown";
}

enum cr_job_status cr_job_status_from_string(const char *s)
{
        for (int i = 1; s && i < _CR_JOB_STATUS_MAX; i++)
                if (strcmp(status_names[i], s) == 0)
                        return (enum cr_job_status) i;
        return _CR_JOB_STATUS_INVALID;
}

bool cr_job_status_is_final(enum cr_job_status s)
{
        return s == CR_JOB_COMPLETED || s == CR_JOB_FAILED || s == CR_JOB_TIMED_OUT || s == CR_JOB_CANCELLED;
}

enum cr_job_status cr_job_outcome_status(const struct cr_job_outcome *o)
{
        if (o->error_type && strcmp(o->error_type, "timeout") == 0)
                return CR_JOB_TIMED_OUT;
        if (o->error_type && strcmp(o->error_type, "internal_error") == 0 && !o->compile_failed)
                return CR_JOB_FAILED;
        return CR_JOB_COMPLETED;
}

const char *cr_job_service_to_string(enum cr_job_service s)
{
        switch (s) {
        case CR_JOB_SERVICE_EVALUATE: return "EvaluateSolution";
        case CR_JOB_SERVICE_EXECUTE_CODE: return "ExecuteCode";
        case CR_JOB_SERVICE_NATIVE: return "coderunner.v1";
        default: return "unknown";
        }
}

struct cr_job_spec *cr_job_spec_free(struct cr_job_spec *s)
{
        if (!s)
                return NULL;
        free(s->tests);
        if (s->backing_free)
                s->backing_free(s->backing);
        free(s);
        return NULL;
}

struct cr_job_outcome *cr_job_outcome_new(size_t n_tests)
{
        struct cr_job_outcome *o = xzalloc(sizeof(*o));

        o->n_tests = n_tests;
        o->tests = xzalloc(MAX(n_tests, (size_t) 1) * sizeof(*o->tests));
        return o;
}

struct cr_job_outcome *cr_job_outcome_free(struct cr_job_outcome *o)
{
        if (!o)
                return NULL;
        if (o->compiled)
                cr_sandbox_result_done(&o->compile);
        for (size_t i = 0; i < o->n_tests; i++) {
                free(o->tests[i].message);
                free(o->tests[i].expected);
                free(o->tests[i].actual);
                if (o->tests[i].ran)
                        cr_sandbox_result_done(&o->tests[i].run);
        }
        free(o->tests);
        free(o->error_type);
        free(o->message);
        free(o->error_message);
        free(o);
        return NULL;
}

uint64_t cr_job_outcome_memory_peak(const struct cr_job_outcome *o)
{
        uint64_t peak = 0;

        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].ran)
                        peak = MAX(peak, o->tests[i].run.memory_peak_bytes);
        return peak;
}
