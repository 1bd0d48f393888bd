/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "job/judging.h"
#include "jobspec/jobspec.h"
#include "tests.h"

/* The job description: what a service fills is what the store keeps, the
 * executor runs and another instance reads back, field for field. */

static const struct cr_job_bounds bounds = {
        .max_code_bytes = 64,
        .max_tests = 3,
        .max_input_bytes = 32,
        .max_args = 2,
        .max_arg_bytes = 8,
        .max_id_bytes = 40,
};

static const char *const args1[] = { "-x", "--y" };

static struct cr_job_test tests3[] = {
        { .id = "t1", .stdin_data = "1 2\n", .stdin_len = 4, .expected = "3", .expected_len = 1 },
        { .id = "t2", .stdin_data = "a\0b", .stdin_len = 3, .args = args1, .n_args = 2, .run_only = true },
        { .id = "", .custom_validation_code = "CHECK(f(1) == 2);", .function_input = "[1,2],3",
          .function_expected = "2.5", .tolerance = 0.01 },
};

static struct cr_job_spec sample(void)
{
        return (struct cr_job_spec) {
                .origin = { .service = CR_JOB_SERVICE_EVALUATE, .challenge_id = "c", .code_version_id = "v",
                            .student_id = "s", .client_ip = "127.0.0.1", .user_agent = "grpc-python/1.51",
                            .requested_timeout_seconds = 10, .requested_memory_limit_mb = -1 },
                .language = "py",
                .runtime = "python",
                .runtime_version = "3.11.2",
                .code = "print(1)\n",
                .code_len = 9,
                .program = "print(1)\n",
                .program_len = 9,
                .run_limits = { .cpu_time_ms = 1, .wall_time_ms = 2, .memory_bytes = 3, .pids = 4,
                                .output_bytes = 5, .tmpfs_bytes = 6, .file_size_bytes = 7, .open_files = 8,
                                .stack_bytes = 9, .cpu_quota_pct = 10 },
                .compile_limits = { .cpu_time_ms = 11, .tmpfs_bytes = 16 },
                .tests = tests3,
                .n_tests = 3,
                .stop_on_first_failure = true,
                .stream_output = true,
                .function_name = "solve",
        };
}

static bool limits_equal(const struct cr_sandbox_limits *a, const struct cr_sandbox_limits *b)
{
        return memcmp(a, b, sizeof(*a)) == 0;
}

TEST(spec_round_trip_keeps_every_field)
{
        _cleanup_(cr_job_spec_freep) struct cr_job_spec *d = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        struct cr_job_spec s = sample();
        size_t n;

        ASSERT_OK(cr_job_spec_encode(&s, &buf, &n, &err));
        ASSERT_OK(cr_job_spec_decode(buf, n, &d, &err));
        ASSERT_EQ(d->origin.service, CR_JOB_SERVICE_EVALUATE);
        ASSERT_STREQ(d->origin.challenge_id, "c");
        ASSERT_STREQ(d->origin.student_id, "s");
        ASSERT_STREQ(d->origin.client_ip, "127.0.0.1");
        ASSERT_STREQ(d->origin.user_agent, "grpc-python/1.51");
        ASSERT_EQ(d->origin.requested_timeout_seconds, 10);
        ASSERT_EQ(d->origin.requested_memory_limit_mb, -1);
        ASSERT_STREQ(d->language, "py");
        ASSERT_STREQ(d->runtime, "python");
        ASSERT_STREQ(d->runtime_version, "3.11.2");
        ASSERT_EQ(d->code_len, 9);
        ASSERT_TRUE(memcmp(d->code, "print(1)\n", 9) == 0);
        ASSERT_EQ(d->program_len, 9);
        /* every limit survives, the ones the executor protocol used to lose too */
        ASSERT_TRUE(limits_equal(&d->run_limits, &s.run_limits));
        ASSERT_TRUE(limits_equal(&d->compile_limits, &s.compile_limits));
        ASSERT_EQ(d->n_tests, 3);
        ASSERT_STREQ(d->tests[0].id, "t1");
        ASSERT_EQ(d->tests[0].stdin_len, 4);
        ASSERT_EQ(d->tests[0].expected_len, 1);
        ASSERT_EQ(d->tests[1].stdin_len, 3);
        ASSERT_TRUE(memcmp(d->tests[1].stdin_data, "a\0b", 3) == 0);
        ASSERT_EQ(d->tests[1].n_args, 2);
        ASSERT_STREQ(d->tests[1].args[1], "--y");
        ASSERT_TRUE(d->tests[1].run_only);
        ASSERT_STREQ(d->tests[2].custom_validation_code, "CHECK(f(1) == 2);");
        /* function mode's own fields */
        ASSERT_STREQ(d->tests[2].function_input, "[1,2],3");
        ASSERT_STREQ(d->tests[2].function_expected, "2.5");
        ASSERT_TRUE(d->tests[2].tolerance == 0.01);
        ASSERT_TRUE(d->tests[0].function_input == NULL && d->tests[0].function_expected == NULL);
        ASSERT_STREQ(d->function_name, "solve");
        ASSERT_TRUE(d->stop_on_first_failure && d->stream_output);
}

TEST(spec_decode_refuses_garbage_and_unknown_formats)
{
        _cleanup_(cr_job_spec_freep) struct cr_job_spec *d = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        struct cr_job_spec s = sample();
        size_t n;

        ASSERT_TRUE(cr_job_spec_decode("\xff\xff\xff", 3, &d, &err) < 0);
        ASSERT_TRUE(d == NULL);
        err = cr_error_free(err);
        /* a description without tests or origin is not one we wrote */
        s.n_tests = 0;
        ASSERT_OK(cr_job_spec_encode(&s, &buf, &n, &err));
        ASSERT_TRUE(cr_job_spec_decode(buf, n, &d, &err) < 0);
        ASSERT_TRUE(strstr(err->msg, "incomplete") != NULL);
        err = cr_error_free(err);
        free(buf);
        buf = NULL;
        s = sample();
        s.origin.service = 0;
        ASSERT_OK(cr_job_spec_encode(&s, &buf, &n, &err));
        ASSERT_TRUE(cr_job_spec_decode(buf, n, &d, &err) < 0);
        /* format 2 (a future writer): field 1 = 2 prepended wins over ours */
        err = cr_error_free(err);
        free(buf);
        buf = NULL;
        s = sample();
        ASSERT_OK(cr_job_spec_encode(&s, &buf, &n, &err));
        buf = realloc(buf, n + 2);
        buf[n] = 0x08;
        buf[n + 1] = 0x02;
        ASSERT_TRUE(cr_job_spec_decode(buf, n + 2, &d, &err) < 0);
        ASSERT_TRUE(strstr(err->msg, "format 2") != NULL);
}

static void check_fails(const struct cr_job_spec *s, const char *fragment)
{
        _cleanup_error_ struct cr_error *err = NULL;

        printf("# expect '%s'\n", fragment);
        ASSERT_TRUE(cr_job_spec_check(s, &bounds, &err) < 0);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        ASSERT_TRUE(strstr(err->msg, fragment) != NULL);
}

TEST(spec_check_enforces_every_bound)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_job_test t[4];
        const char *many[] = { "a", "b", "c" };
        struct cr_job_spec s = sample();

        ASSERT_OK(cr_job_spec_check(&s, &bounds, &err));
        memcpy(t, tests3, sizeof(tests3));
        s.tests = t;
        s.code_len = 65;
        check_fails(&s, "code is larger than 64 bytes");
        s = sample(), s.tests = t, s.code = "a\0b", s.code_len = 3;
        check_fails(&s, "NUL");
        s = sample(), s.tests = t, s.code_len = 0;
        check_fails(&s, "code is empty");
        s = sample(), s.tests = t, s.n_tests = 0;
        check_fails(&s, "at least one test");
        s = sample(), s.tests = t, s.n_tests = 4;
        check_fails(&s, "too many test cases: 4 (at most 3)");
        s = sample(), s.tests = t;
        t[1].stdin_len = 33;
        check_fails(&s, "test 2: input is larger than 32 bytes");
        memcpy(t, tests3, sizeof(tests3));
        t[0].expected = "a\0", t[0].expected_len = 2;
        check_fails(&s, "test 1: expected_output contains a NUL byte");
        memcpy(t, tests3, sizeof(tests3));
        t[2].args = many, t[2].n_args = 3;
        check_fails(&s, "test 3: too many arguments");
        memcpy(t, tests3, sizeof(tests3));
        t[0].args = (const char *const[]) { "123456789" }, t[0].n_args = 1;
        check_fails(&s, "argument 1 is longer than 8 bytes");
        memcpy(t, tests3, sizeof(tests3));
        s.origin.client_key = "0123456789012345678901234567890123456789x";
        check_fails(&s, "client_key is longer than 40 bytes");
        s = sample(), s.tests = t;
        memcpy(t, tests3, sizeof(tests3));
        t[2].function_input = "0123456789012345678901234567890123";
        check_fails(&s, "test 3: arguments is larger than 32 bytes");
        memcpy(t, tests3, sizeof(tests3));
        t[2].tolerance = 1;
        check_fails(&s, "test 3: float_tolerance must be in [0, 1)");
}

TEST(status_names_are_the_originals)
{
        static const char *const names[] = { "pending", "running", "completed", "failed", "timed_out", "cancelled" };

        for (int i = 0; i < 6; i++) {
                ASSERT_STREQ(cr_job_status_to_string(i + 1), names[i]);
                ASSERT_EQ(cr_job_status_from_string(names[i]), i + 1);
        }
        ASSERT_EQ(cr_job_status_from_string("timeout"), _CR_JOB_STATUS_INVALID);
        ASSERT_FALSE(cr_job_status_is_final(CR_JOB_RUNNING));
        ASSERT_TRUE(cr_job_status_is_final(CR_JOB_TIMED_OUT));
}

/* ------------------------------------------------------------ outcome */

static void set_output(struct cr_sandbox_result *r, const char *out, size_t n)
{
        r->out = (struct cr_buf) CR_BUF_INIT(n);
        r->err = (struct cr_buf) CR_BUF_INIT(0);
        (void) cr_buf_append(&r->out, out, n);
}

static struct cr_job_outcome *ran_outcome(const struct cr_job_spec *s, const char *const *outs)
{
        struct cr_job_outcome *o = cr_job_outcome_new(s->n_tests);

        for (size_t i = 0; i < s->n_tests; i++) {
                o->tests[i].ran = true;
                o->tests[i].run.verdict = CR_VERDICT_OK;
                o->tests[i].run.wall_ms = 10 + i;
                o->tests[i].run.memory_peak_bytes = (i + 1) << 20;
                set_output(&o->tests[i].run, outs[i], strlen(outs[i]));
        }
        return o;
}

/* stdio-mode C++ (no language: C++, like the original) */
#define MAIN "int main() { return 0; }"

TEST(judging_and_outcome_round_trip)
{
        struct cr_job_test t[2] = {
                { .id = "a", .expected = "3", .expected_len = 1 },
                { .id = "b", .expected = "5", .expected_len = 1 },
        };
        struct cr_job_spec s = { .code = MAIN, .code_len = sizeof(MAIN) - 1, .tests = t, .n_tests = 2,
                                 .run_limits = { .wall_time_ms = 2000 } };
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = ran_outcome(&s, (const char *[]) { "3\n", "4\n" });
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *d = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        cr_job_judge(&s, o);
        ASSERT_TRUE(o->tests[0].passed && !o->tests[1].passed && o->tests[1].wrong_answer);
        ASSERT_EQ(o->passed, 1);
        ASSERT_STREQ(o->message, "Execution failed: 1/2 tests passed");
        ASSERT_STREQ(o->error_type, "test_failure");
        ASSERT_STREQ(o->error_message, "Test b: output does not match the expected output");
        ASSERT_EQ(cr_job_outcome_status(o), CR_JOB_COMPLETED);
        ASSERT_UEQ(cr_job_outcome_memory_peak(o), 2 << 20);
        /* what function mode's judge reports travels too */
        ASSERT_TRUE(o->tests[1].expected == NULL && o->tests[1].actual == NULL);
        o->tests[1].expected = strdup("[0,1]");
        o->tests[1].actual = strdup("[1,0]");

        ASSERT_OK(cr_job_outcome_encode(o, 0, &buf, &n, &err));
        ASSERT_OK(cr_job_outcome_decode(buf, n, &d, &err));
        ASSERT_EQ(d->n_tests, 2);
        ASSERT_TRUE(d->tests[0].passed && d->tests[1].wrong_answer);
        ASSERT_EQ(d->tests[1].run.wall_ms, 11);
        ASSERT_EQ(d->tests[1].run.out.len, 2);
        ASSERT_TRUE(memcmp(d->tests[1].run.out.data, "4\n", 2) == 0);
        ASSERT_STREQ(d->tests[1].message, "output does not match the expected output");
        ASSERT_STREQ(d->tests[1].expected, "[0,1]");
        ASSERT_STREQ(d->tests[1].actual, "[1,0]");
        ASSERT_TRUE(d->tests[0].expected == NULL && d->tests[0].actual == NULL);
        ASSERT_STREQ(d->error_message, o->error_message);
        ASSERT_FALSE(d->outputs_trimmed);
}

TEST(timeout_and_compile_error_statuses)
{
        struct cr_job_test t[1] = { { .id = "x", .expected = "1", .expected_len = 1 } };
        struct cr_job_spec s = { .code = MAIN, .code_len = sizeof(MAIN) - 1, .tests = t, .n_tests = 1,
                                 .run_limits = { .wall_time_ms = 2000 } };
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = ran_outcome(&s, (const char *[]) { "" });
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *c = cr_job_outcome_new(1);

        o->tests[0].run.verdict = CR_VERDICT_TIME_LIMIT;
        o->tests[0].run.limit = CR_LIMIT_WALL;
        cr_job_judge(&s, o);
        ASSERT_STREQ(o->error_type, "timeout");
        ASSERT_STREQ(o->error_message, "Test x: wall-clock limit of 2 s exceeded");
        ASSERT_EQ(cr_job_outcome_status(o), CR_JOB_TIMED_OUT);

        c->compiled = c->compile_failed = true;
        c->compile.verdict = CR_VERDICT_RUNTIME_ERROR;
        set_output(&c->compile, "", 0);
        c->compile.err = (struct cr_buf) CR_BUF_INIT(64);
        (void) cr_buf_append(&c->compile.err, "x.c:1: error: boom\n", 19);
        cr_job_judge(&s, c);
        ASSERT_STREQ(c->error_type, "compilation_error");
        ASSERT_STREQ(c->error_message, "Compilation error: x.c:1: error: boom");
        /* like the original's row: a compile error is a completed, judged run */
        ASSERT_EQ(cr_job_outcome_status(c), CR_JOB_COMPLETED);
}

TEST(a_description_the_judge_cannot_plan_is_an_internal_error)
{
        struct cr_job_test t[1] = { { .id = "x", .expected = "1", .expected_len = 1 } };
        /* stored as function mode, but the code has a main: a corrupted or foreign row */
        struct cr_job_spec s = { .code = MAIN, .code_len = sizeof(MAIN) - 1, .function_mode = true, .tests = t,
                                 .n_tests = 1 };
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = ran_outcome(&s, (const char *[]) { "1\n" });

        cr_job_judge(&s, o);
        ASSERT_FALSE(o->success);
        ASSERT_EQ(o->passed, 0);
        ASSERT_STREQ(o->error_type, "internal_error");
        ASSERT_EQ(cr_job_outcome_status(o), CR_JOB_FAILED);
}

TEST(outcome_is_trimmed_to_fit_the_store)
{
        struct cr_job_test t[3] = { { .id = "a" }, { .id = "b" }, { .id = "c" } };
        struct cr_job_spec s = { .code = MAIN, .code_len = sizeof(MAIN) - 1, .tests = t, .n_tests = 3 };
        _cleanup_free_ char *big = malloc(100000);
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = NULL;
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *d = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        memset(big, 'x', 100000);
        big[99999] = 0;
        o = ran_outcome(&s, (const char *[]) { big, "small", big });
        cr_job_judge(&s, o);
        ASSERT_OK(cr_job_outcome_encode(o, 20000, &buf, &n, &err));
        ASSERT_TRUE(n <= 20000);
        ASSERT_OK(cr_job_outcome_decode(buf, n, &d, &err));
        ASSERT_TRUE(d->outputs_trimmed);
        ASSERT_TRUE(d->tests[0].run.stdout_truncated && d->tests[2].run.stdout_truncated);
        /* what fits is kept whole */
        ASSERT_FALSE(d->tests[1].run.stdout_truncated);
        ASSERT_EQ(d->tests[1].run.out.len, 5);
        ASSERT_TRUE(d->tests[0].run.out.len > 1000);
        ASSERT_STREQ(d->message, o->message);
}

TESTS_MAIN
