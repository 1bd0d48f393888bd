/* SPDX-License-Identifier: MIT */
#pragma once

/* The job description and the job's outcome (docs/internals/job.md).
 *
 * A struct cr_job_spec is the ONE shape a job has from the RPC layer to the
 * sandbox: a service fills one from its request (pointing into the request,
 * nothing copied), the evaluator checks it against the bounds, resolves the
 * runtime and the limits and encodes it once; those bytes are what the store
 * persists and what the executor receives, and any instance decodes them back
 * into the same struct to run or answer for the job.
 *
 * A struct cr_job_outcome is what a job ended with, judged: built by the
 * instance that ran it, encoded into the store, decoded by whichever instance
 * answers the client.
 *
 * Non-logging, no third-party header (the encoding lives in jobspec-pb.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/sandbox.h"

struct cr_error;

/* Which service accepted the job (what to answer, how to fill the row). */
enum cr_job_service {
        CR_JOB_SERVICE_EVALUATE = 1,      /* SolutionEvaluationService/EvaluateSolution */
        CR_JOB_SERVICE_EXECUTE_CODE = 2,  /* CodeExecutionService/ExecuteCode */
        CR_JOB_SERVICE_NATIVE = 3,        /* coderunner.v1.CodeRunner */
        _CR_JOB_SERVICE_MAX,
        _CR_JOB_SERVICE_INVALID = -22,
};

/* A job's state, with the original's row values ("pending", "running",
 * "completed", "failed", "timed_out", "cancelled"); the numbers are those of
 * code_execution.proto's ExecutionStatus. */
enum cr_job_status {
        CR_JOB_PENDING = 1,
        CR_JOB_RUNNING = 2,
        CR_JOB_COMPLETED = 3,              /* judged, whatever the verdict (a compile error too) */
        CR_JOB_FAILED = 4,                 /* no verdict: an internal error, or abandoned */
        CR_JOB_TIMED_OUT = 5,              /* judged, and the worst failure was a time limit */
        CR_JOB_CANCELLED = 6,
        _CR_JOB_STATUS_MAX,
        _CR_JOB_STATUS_INVALID = -22,
};

const char *cr_job_status_to_string(enum cr_job_status s);
enum cr_job_status cr_job_status_from_string(const char *s);
bool cr_job_status_is_final(enum cr_job_status s);

/* Who asked. Every string may be NULL (= ""). */
struct cr_job_origin {
        enum cr_job_service service;
        const char *challenge_id;
        const char *code_version_id;
        const char *student_id;
        const char *client_key;            /* native Submit: makes a retry idempotent */
        const char *client_request_id;     /* native: correlation id */
        const char *client_ip;             /* the gRPC peer, "ipv4:1.2.3.4:5678" form stripped to the address */
        const char *user_agent;
        int32_t requested_timeout_seconds; /* CodeExecutionService config, recorded only */
        int32_t requested_memory_limit_mb;
};

struct cr_job_test {
        const char *id;                    /* echoed back exactly as sent */
        const void *stdin_data;
        size_t stdin_len;
        const char *expected;              /* may hold no NUL; expected_len bytes */
        size_t expected_len;
        const char *custom_validation_code; /* function mode */
        const char *const *args;           /* extra program arguments (n_args of them) */
        size_t n_args;
        bool run_only;                     /* not judged: passes when the run's verdict is OK */
        /* Function mode, when set: the call's arguments and the value it must
         * return, instead of stdin and expected (the native API keeps them
         * apart). */
        const char *function_input;
        const char *function_expected;
        double tolerance;                  /* function mode: floats' relative tolerance; 0 = 1e-6 */
};

struct cr_job_spec {
        struct cr_job_origin origin;
        const char *language;              /* as requested; "" = C++ like the original */
        const char *runtime;               /* resolved catalogue id (set by the evaluator) */
        const char *runtime_version;
        const char *code;                  /* as sent; code_len bytes */
        size_t code_len;
        bool function_mode;
        const void *program;               /* what is compiled and run: the code or the generated harness */
        size_t program_len;
        /* Before resolution: overrides (each non-zero field replaces the
         * runtime's value). After: the complete limits every run gets. */
        struct cr_sandbox_limits run_limits;
        struct cr_sandbox_limits compile_limits;
        struct cr_job_test *tests;
        size_t n_tests;
        bool stop_on_first_failure;        /* native: report the tests after the first failure as skipped */
        bool stream_output;                /* the runner sends output while it is produced */
        bool single_run;                   /* native: one run of stdin/args (tests[0]), not judged */
        const char *function_name;         /* function mode: the function to call; NULL = the rule */
        void *backing;                     /* a decoded spec's: what the pointers point into */
        void (*backing_free)(void *backing);
};

/* What a request may hold; checked before anything is copied. */
struct cr_job_bounds {
        size_t max_code_bytes;
        size_t max_tests;
        size_t max_input_bytes;            /* each of stdin, expected output, validation code */
        size_t max_args;                   /* per test */
        size_t max_arg_bytes;
        size_t max_id_bytes;               /* test ids and origin strings */
};

/* Sizes, counts and NUL bytes (CR_ERROR_INVALID with a message for the
 * client, naming the test by its 1-based position). */
int cr_job_spec_check(const struct cr_job_spec *s, const struct cr_job_bounds *b, struct cr_error **err);

/* The one serialised form (proto/coderunner/internal/job.proto). *ret is
 * malloc()ed. */
int cr_job_spec_encode(const struct cr_job_spec *s, uint8_t **ret, size_t *ret_len, struct cr_error **err);
/* Validates what it reads (the store's rows are data, not code). The result
 * owns everything it points to; free with cr_job_spec_free(), which is for
 * decoded specs only (a filled one belongs to whoever filled it). */
int cr_job_spec_decode(const void *data, size_t len, struct cr_job_spec **ret, struct cr_error **err);
struct cr_job_spec *cr_job_spec_free(struct cr_job_spec *s);

const char *cr_job_service_to_string(enum cr_job_service s);

/* ------------------------------------------------------------ outcome */

struct cr_job_test_outcome {
        bool ran;                          /* false after a compile error or when the job stopped */
        bool passed;
        bool wrong_answer;                 /* ran to the end and the answer was wrong */
        struct cr_sandbox_result run;      /* valid when ran */
        char *message;                     /* why it failed, for humans; NULL when passed */
        char *expected;                    /* function mode: the expected value (canonical, cut); or NULL */
        char *actual;                      /* function mode: what the function returned; or NULL */
};

struct cr_job_outcome {
        bool compiled;
        bool compile_failed;
        struct cr_sandbox_result compile;  /* valid when compiled */
        struct cr_job_test_outcome *tests; /* one per spec test, in order */
        size_t n_tests;
        unsigned passed;
        bool success;
        char *error_type;                  /* "", compilation_error, runtime_error, timeout, memory_limit,
                                            * output_limit, test_failure, internal_error */
        char *message;                     /* "Execution successful: N/M tests passed", ... */
        char *error_message;
        uint64_t execution_time_ms;
        bool outputs_trimmed;              /* outputs were cut to fit the store */
};

struct cr_job_outcome *cr_job_outcome_new(size_t n_tests);
struct cr_job_outcome *cr_job_outcome_free(struct cr_job_outcome *o);
/* At most max_bytes (0 = no limit): when the whole outcome is larger, every
 * captured output is cut to an equal share and outputs_trimmed is set. */
int cr_job_outcome_encode(const struct cr_job_outcome *o, size_t max_bytes, uint8_t **ret, size_t *ret_len,
                          struct cr_error **err);
int cr_job_outcome_decode(const void *data, size_t len, struct cr_job_outcome **ret, struct cr_error **err);
/* The row status a judged outcome gets: TIMED_OUT when its worst failure
 * was a time limit, FAILED for an internal error, else COMPLETED. */
enum cr_job_status cr_job_outcome_status(const struct cr_job_outcome *o);
/* The largest peak memory of any run, in bytes. */
uint64_t cr_job_outcome_memory_peak(const struct cr_job_outcome *o);

static inline void cr_job_spec_freep(struct cr_job_spec **p)
{
        *p = cr_job_spec_free(*p);
}

static inline void cr_job_outcome_freep(struct cr_job_outcome **p)
{
        *p = cr_job_outcome_free(*p);
}
