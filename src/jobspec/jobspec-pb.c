/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "jobspec.h"
#include "jobspec-pb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* proto/coderunner/internal/job.proto: the only place that knows its shape. */

#define SPEC_FORMAT 1
/* A decoded row is data: bound what it may make us allocate (the message
 * size bounds it too, this keeps the arithmetic obvious). */
#define MAX_DECODED_TESTS 100000
#define MAX_DECODED_ARGS 4096

typedef Coderunner__Internal__JobSpec JobSpec;
typedef Coderunner__Internal__JobTest JobTest;
typedef Coderunner__Internal__JobOrigin JobOrigin;
typedef Coderunner__Internal__Limits Limits;
typedef Coderunner__Internal__JobOutcome JobOutcome;
typedef Coderunner__Internal__TestOutcome TestOutcome;
typedef Coderunner__Internal__SandboxResult SandboxResult;

/* ------------------------------------------------------------ limits */

static void limits_to_pb(const struct cr_sandbox_limits *l, Limits *pb)
{
        coderunner__internal__limits__init(pb);
        pb->cpu_time_ms = l->cpu_time_ms;
        pb->wall_time_ms = l->wall_time_ms;
        pb->memory_bytes = l->memory_bytes;
        pb->pids = l->pids;
        pb->output_bytes = l->output_bytes;
        pb->tmpfs_bytes = l->tmpfs_bytes;
        pb->file_size_bytes = l->file_size_bytes;
        pb->open_files = l->open_files;
        pb->stack_bytes = l->stack_bytes;
        pb->cpu_quota_pct = l->cpu_quota_pct;
}

static void limits_from_pb(const Limits *pb, struct cr_sandbox_limits *l)
{
        *l = (struct cr_sandbox_limits) {};
        if (!pb)
                return;
        *l = (struct cr_sandbox_limits) {
                .cpu_time_ms = pb->cpu_time_ms,
                .wall_time_ms = pb->wall_time_ms,
                .memory_bytes = pb->memory_bytes,
                .pids = pb->pids,
                .output_bytes = pb->output_bytes,
                .tmpfs_bytes = pb->tmpfs_bytes,
                .file_size_bytes = pb->file_size_bytes,
                .open_files = pb->open_files,
                .stack_bytes = pb->stack_bytes,
                .cpu_quota_pct = pb->cpu_quota_pct,
        };
}

/* ------------------------------------------------------------ sandbox results */

void cr_spec_result_to_pb(const struct cr_sandbox_result *r, SandboxResult *pb)
{
        coderunner__internal__sandbox_result__init(pb);
        pb->verdict = (uint32_t) r->verdict;
        pb->limit = (uint32_t) r->limit;
        pb->exit_code = r->exit_code;
        pb->signal = r->signal;
        pb->wall_ms = r->wall_ms;
        pb->cpu_ms = r->cpu_ms;
        pb->memory_peak_bytes = r->memory_peak_bytes;
        pb->stdout.data = (uint8_t *) r->out.data;
        pb->stdout.len = r->out.data ? r->out.len : 0;
        pb->stderr.data = (uint8_t *) r->err.data;
        pb->stderr.len = r->err.data ? r->err.len : 0;
        pb->stdout_truncated = r->stdout_truncated;
        pb->stderr_truncated = r->stderr_truncated;
        pb->seccomp_syscall = (char *) r->seccomp_syscall;
        pb->seccomp_syscall_nr = r->seccomp_syscall_nr;
}

int cr_spec_result_from_pb(const SandboxResult *pb, struct cr_sandbox_result *r, struct cr_error **err)
{
        if (!pb || pb->verdict >= _CR_VERDICT_MAX || pb->limit >= _CR_LIMIT_MAX)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed sandbox result");
        *r = (struct cr_sandbox_result) {
                .verdict = (enum cr_verdict) pb->verdict,
                .limit = (enum cr_limit_kind) pb->limit,
                .exit_code = pb->exit_code,
                .signal = pb->signal,
                .wall_ms = pb->wall_ms,
                .cpu_ms = pb->cpu_ms,
                .memory_peak_bytes = pb->memory_peak_bytes,
                .out = CR_BUF_INIT(pb->stdout.len),
                .err = CR_BUF_INIT(pb->stderr.len),
                .stdout_truncated = pb->stdout_truncated,
                .stderr_truncated = pb->stderr_truncated,
                .seccomp_syscall_nr = pb->seccomp_syscall_nr,
        };
        if (pb->seccomp_syscall)
                snprintf(r->seccomp_syscall, sizeof(r->seccomp_syscall), "%s", pb->seccomp_syscall);
        if (cr_buf_append(&r->out, pb->stdout.data, pb->stdout.len) < 0 ||
            cr_buf_append(&r->err, pb->stderr.data, pb->stderr.len) < 0) {
                cr_sandbox_result_done(r);
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "sandbox result");
        }
        return 0;
}

/* ------------------------------------------------------------ spec: encode */

static char *str(const char *s)
{
        return (char *) (s ? s : "");
}

static void origin_to_pb(const struct cr_job_origin *o, JobOrigin *pb)
{
        coderunner__internal__job_origin__init(pb);
        pb->service = (uint32_t) o->service;
        pb->challenge_id = str(o->challenge_id);
        pb->code_version_id = str(o->code_version_id);
        pb->student_id = str(o->student_id);
        pb->client_key = str(o->client_key);
        pb->client_request_id = str(o->client_request_id);
        pb->client_ip = str(o->client_ip);
        pb->user_agent = str(o->user_agent);
        pb->requested_timeout_seconds = o->requested_timeout_seconds;
        pb->requested_memory_limit_mb = o->requested_memory_limit_mb;
}

static void test_to_pb(const struct cr_job_test *t, JobTest *pb)
{
        coderunner__internal__job_test__init(pb);
        pb->id = str(t->id);
        pb->stdin.data = (uint8_t *) t->stdin_data;
        pb->stdin.len = t->stdin_data ? t->stdin_len : 0;
        pb->expected_output.data = (uint8_t *) t->expected;
        pb->expected_output.len = t->expected ? t->expected_len : 0;
        pb->custom_validation_code = str(t->custom_validation_code);
        pb->args = (char **) t->args;
        pb->n_args = t->args ? t->n_args : 0;
        pb->run_only = t->run_only;
        pb->function_input = str(t->function_input);
        pb->function_expected = str(t->function_expected);
        pb->tolerance = t->tolerance;
}

int cr_job_spec_encode(const struct cr_job_spec *s, uint8_t **ret, size_t *ret_len, struct cr_error **err)
{
        JobSpec pb = CODERUNNER__INTERNAL__JOB_SPEC__INIT;
        JobOrigin origin;
        Limits run, compile;
        _cleanup_free_ JobTest *tests = NULL;
        _cleanup_free_ JobTest **ptrs = NULL;
        uint8_t *buf;
        size_t n;

        tests = calloc(s->n_tests + 1, sizeof(*tests));
        ptrs = calloc(s->n_tests + 1, sizeof(*ptrs));
        if (!tests || !ptrs)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "encode job");
        origin_to_pb(&s->origin, &origin);
        limits_to_pb(&s->run_limits, &run);
        limits_to_pb(&s->compile_limits, &compile);
        for (size_t i = 0; i < s->n_tests; i++) {
                test_to_pb(&s->tests[i], &tests[i]);
                ptrs[i] = &tests[i];
        }
        pb.format = SPEC_FORMAT;
        pb.origin = &origin;
        pb.language = str(s->language);
        pb.runtime = str(s->runtime);
        pb.runtime_version = str(s->runtime_version);
        pb.code = (ProtobufCBinaryData) { .len = s->code ? s->code_len : 0, .data = (uint8_t *) s->code };
        pb.function_mode = s->function_mode;
        pb.program = (ProtobufCBinaryData) { .len = s->program ? s->program_len : 0,
                                             .data = (uint8_t *) s->program };
        pb.run_limits = &run;
        pb.compile_limits = &compile;
        pb.tests = ptrs;
        pb.n_tests = s->n_tests;
        pb.stop_on_first_failure = s->stop_on_first_failure;
        pb.stream_output = s->stream_output;
        pb.single_run = s->single_run;
        pb.function_name = str(s->function_name);
        n = coderunner__internal__job_spec__get_packed_size(&pb);
        buf = malloc(MAX(n, (size_t) 1));
        if (!buf)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "encode job");
        coderunner__internal__job_spec__pack(&pb, buf);
        *ret = buf;
        *ret_len = n;
        return 0;
}

/* ------------------------------------------------------------ spec: decode */

static void origin_from_pb(const JobOrigin *pb, struct cr_job_origin *o)
{
        *o = (struct cr_job_origin) {
                .service = (enum cr_job_service) pb->service,
                .challenge_id = pb->challenge_id,
                .code_version_id = pb->code_version_id,
                .student_id = pb->student_id,
                .client_key = pb->client_key,
                .client_request_id = pb->client_request_id,
                .client_ip = pb->client_ip,
                .user_agent = pb->user_agent,
                .requested_timeout_seconds = pb->requested_timeout_seconds,
                .requested_memory_limit_mb = pb->requested_memory_limit_mb,
        };
}

static int validate_pb(const JobSpec *pb, struct cr_error **err)
{
        if (pb->format != SPEC_FORMAT)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "job description format %u is not known",
                                    pb->format);
        if (!pb->origin || pb->origin->service == 0 || pb->origin->service >= _CR_JOB_SERVICE_MAX)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "job description without a known origin");
        if (!pb->run_limits || pb->n_tests == 0 || pb->n_tests > MAX_DECODED_TESTS)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "incomplete job description");
        for (size_t i = 0; i < pb->n_tests; i++)
                if (pb->tests[i]->n_args > MAX_DECODED_ARGS)
                        return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "job description: too many arguments");
        return 0;
}

static void free_unpacked(void *pb)
{
        coderunner__internal__job_spec__free_unpacked(pb, NULL);
}

static void spec_from_pb(JobSpec *pb, struct cr_job_spec *s)
{
        origin_from_pb(pb->origin, &s->origin);
        s->language = pb->language;
        s->runtime = pb->runtime;
        s->runtime_version = pb->runtime_version;
        s->code = (const char *) pb->code.data;
        s->code_len = pb->code.len;
        s->function_mode = pb->function_mode;
        s->program = pb->program.data;
        s->program_len = pb->program.len;
        limits_from_pb(pb->run_limits, &s->run_limits);
        limits_from_pb(pb->compile_limits, &s->compile_limits);
        s->n_tests = pb->n_tests;
        s->tests = xzalloc(pb->n_tests * sizeof(*s->tests));
        for (size_t i = 0; i < pb->n_tests; i++) {
                const JobTest *t = pb->tests[i];
                s->tests[i] = (struct cr_job_test) {
                        .id = t->id,
                        .stdin_data = t->stdin.data,
                        .stdin_len = t->stdin.len,
                        .expected = (const char *) t->expected_output.data,
                        .expected_len = t->expected_output.len,
                        .custom_validation_code = t->custom_validation_code,
                        .args = (const char *const *) t->args,
                        .n_args = t->n_args,
                        .run_only = t->run_only,
                        .function_input = t->function_input[0] ? t->function_input : NULL,
                        .function_expected = t->function_expected[0] ? t->function_expected : NULL,
                        .tolerance = t->tolerance,
                };
        }
        s->stop_on_first_failure = pb->stop_on_first_failure;
        s->stream_output = pb->stream_output;
        s->single_run = pb->single_run;
        s->function_name = pb->function_name[0] ? pb->function_name : NULL;
        s->backing = pb;
        s->backing_free = free_unpacked;
}

int cr_job_spec_decode(const void *data, size_t len, struct cr_job_spec **ret, struct cr_error **err)
{
        JobSpec *pb = coderunner__internal__job_spec__unpack(NULL, len, data);
        struct cr_job_spec *s;
        int r;

        if (!pb)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed job description");
        r = validate_pb(pb, err);
        if (r < 0) {
                coderunner__internal__job_spec__free_unpacked(pb, NULL);
                return r;
        }
        s = xzalloc(sizeof(*s));
        spec_from_pb(pb, s);
        *ret = s;
        return 0;
}

/* ------------------------------------------------------------ outcome */

struct outcome_pb {
        JobOutcome o;
        SandboxResult compile;
        TestOutcome *tests;
        SandboxResult *runs;
        TestOutcome **ptrs;
};

static int outcome_to_pb(const struct cr_job_outcome *o, struct outcome_pb *p, struct cr_error **err)
{
        size_t n = MAX(o->n_tests, (size_t) 1);

        coderunner__internal__job_outcome__init(&p->o);
        p->tests = calloc(n, sizeof(*p->tests));
        p->runs = calloc(n, sizeof(*p->runs));
        p->ptrs = calloc(n, sizeof(*p->ptrs));
        if (!p->tests || !p->runs || !p->ptrs)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "encode outcome");
        p->o.compiled = o->compiled;
        p->o.compile_failed = o->compile_failed;
        if (o->compiled) {
                cr_spec_result_to_pb(&o->compile, &p->compile);
                p->o.compile = &p->compile;
        }
        for (size_t i = 0; i < o->n_tests; i++) {
                const struct cr_job_test_outcome *t = &o->tests[i];
                coderunner__internal__test_outcome__init(&p->tests[i]);
                p->tests[i].ran = t->ran;
                p->tests[i].passed = t->passed;
                p->tests[i].wrong_answer = t->wrong_answer;
                p->tests[i].message = str(t->message);
                p->tests[i].expected = str(t->expected);
                p->tests[i].actual = str(t->actual);
                if (t->ran) {
                        cr_spec_result_to_pb(&t->run, &p->runs[i]);
                        p->tests[i].run = &p->runs[i];
                }
                p->ptrs[i] = &p->tests[i];
        }
        p->o.tests = p->ptrs;
        p->o.n_tests = o->n_tests;
        p->o.passed = o->passed;
        p->o.success = o->success;
        p->o.error_type = str(o->error_type);
        p->o.message = str(o->message);
        p->o.error_message = str(o->error_message);
        p->o.execution_time_ms = o->execution_time_ms;
        p->o.outputs_trimmed = o->outputs_trimmed;
        return 0;
}

static void outcome_pb_done(struct outcome_pb *p)
{
        free(p->tests);
        free(p->runs);
        free(p->ptrs);
}

static void cut(ProtobufCBinaryData *d, protobuf_c_boolean *truncated, size_t share)
{
        if (d->len > share) {
                d->len = share;
                *truncated = true;
        }
}

/* Cuts every captured output to an equal share of what max_bytes leaves
 * once everything else is counted. */
static int trim_outputs(struct outcome_pb *p, size_t max_bytes, struct cr_error **err)
{
        _cleanup_free_ SandboxResult **all = calloc(p->o.n_tests + 1, sizeof(*all));
        _cleanup_free_ size_t *lens = calloc(2 * (p->o.n_tests + 1), sizeof(*lens));
        size_t n = 0, fixed, share;

        if (!all || !lens)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "encode outcome");
        if (p->o.compile)
                all[n++] = p->o.compile;
        for (size_t i = 0; i < p->o.n_tests; i++)
                if (p->o.tests[i]->run)
                        all[n++] = p->o.tests[i]->run;
        for (size_t i = 0; i < n; i++) {
                lens[2 * i] = all[i]->stdout.len;
                lens[2 * i + 1] = all[i]->stderr.len;
                all[i]->stdout.len = all[i]->stderr.len = 0;
        }
        p->o.outputs_trimmed = true;
        /* each length prefix may grow by a few bytes: keep a margin */
        fixed = coderunner__internal__job_outcome__get_packed_size(&p->o) + 16 * n;
        share = max_bytes > fixed && n ? (max_bytes - fixed) / (2 * n) : 0;
        for (size_t i = 0; i < n; i++) {
                all[i]->stdout.len = lens[2 * i];
                all[i]->stderr.len = lens[2 * i + 1];
                cut(&all[i]->stdout, &all[i]->stdout_truncated, share);
                cut(&all[i]->stderr, &all[i]->stderr_truncated, share);
        }
        return 0;
}

int cr_job_outcome_encode(const struct cr_job_outcome *o, size_t max_bytes, uint8_t **ret, size_t *ret_len,
                          struct cr_error **err)
{
        struct outcome_pb p = {};
        uint8_t *buf;
        size_t n;
        int r = outcome_to_pb(o, &p, err);

        if (r < 0) {
                outcome_pb_done(&p);
                return r;
        }
        n = coderunner__internal__job_outcome__get_packed_size(&p.o);
        if (max_bytes && n > max_bytes) {
                r = trim_outputs(&p, max_bytes, err);
                if (r < 0) {
                        outcome_pb_done(&p);
                        return r;
                }
                n = coderunner__internal__job_outcome__get_packed_size(&p.o);
        }
        buf = malloc(MAX(n, (size_t) 1));
        if (!buf) {
                outcome_pb_done(&p);
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "encode outcome");
        }
        coderunner__internal__job_outcome__pack(&p.o, buf);
        outcome_pb_done(&p);
        *ret = buf;
        *ret_len = n;
        return 0;
}

static int test_outcome_from_pb(const TestOutcome *pb, struct cr_job_test_outcome *t, struct cr_error **err)
{
        int r = 0;

        t->ran = pb->ran && pb->run;
        t->passed = pb->passed;
        t->wrong_answer = pb->wrong_answer;
        t->message = pb->message && pb->message[0] ? xstrdup(pb->message) : NULL;
        t->expected = pb->expected && pb->expected[0] ? xstrdup(pb->expected) : NULL;
        t->actual = pb->actual && pb->actual[0] ? xstrdup(pb->actual) : NULL;
        if (t->ran)
                r = cr_spec_result_from_pb(pb->run, &t->run, err);
        if (r < 0)
                t->ran = false;
        return r;
}

int cr_job_outcome_decode(const void *data, size_t len, struct cr_job_outcome **ret, struct cr_error **err)
{
        JobOutcome *pb = coderunner__internal__job_outcome__unpack(NULL, len, data);
        struct cr_job_outcome *o;
        int r = 0;

        if (!pb)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed job outcome");
        if (pb->n_tests > MAX_DECODED_TESTS) {
                coderunner__internal__job_outcome__free_unpacked(pb, NULL);
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "job outcome with too many tests");
        }
        o = cr_job_outcome_new(pb->n_tests);
        o->compiled = pb->compiled && pb->compile;
        o->compile_failed = pb->compile_failed;
        if (o->compiled && (r = cr_spec_result_from_pb(pb->compile, &o->compile, err)) < 0)
                o->compiled = false;
        for (size_t i = 0; r >= 0 && i < pb->n_tests; i++)
                r = test_outcome_from_pb(pb->tests[i], &o->tests[i], err);
        o->passed = pb->passed;
        o->success = pb->success;
        o->error_type = xstrdup(pb->error_type);
        o->message = xstrdup(pb->message);
        o->error_message = xstrdup(pb->error_message);
        o->execution_time_ms = pb->execution_time_ms;
        o->outputs_trimmed = pb->outputs_trimmed;
        coderunner__internal__job_outcome__free_unpacked(pb, NULL);
        if (r < 0) {
                cr_job_outcome_free(o);
                return r;
        }
        *ret = o;
        return 0;
}
