/* SPDX-License-Identifier: MIT */
#pragma once

/* Evaluating a solution against test cases (EvaluateSolution, ExecuteCode and
 * the native Execute): resolve the runtime, pick stdio or function mode,
 * build the program (function mode generates a C++ harness), compile once,
 * run every test in its own fresh sandbox, judge each test, and sum it up in
 * the fields the original service returned, with its bugs fixed. The caller
 * (rpc/) translates protobuf to and from these structs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/sandbox.h"

struct cr_error;
struct cr_catalog;
struct cr_runtime;
struct cr_image_store;
struct cr_job_engine;

struct cr_eval_test {
        const char *id;                    /* echoed back exactly as sent */
        const char *input;
        const char *expected_output;
        const char *custom_validation_code;
        /* Optional (the native API); zero keeps the behaviour above. */
        size_t input_len;                  /* > 0: input is input_len bytes and may hold NUL; 0: strlen */
        const char *const *args;           /* NULL-terminated extra program arguments (stdio mode only) */
        bool run_only;                     /* no judging: passes when the run's verdict is OK */
        double tolerance;                  /* function mode: floats' relative tolerance; 0 = 1e-6 */
        /* Function mode only, when set: the arguments and the expected
         * result instead of input and expected_output (the native API keeps
         * a test's stdin and expected_stdout apart from them). */
        const char *function_input;
        const char *function_expected;
};

struct cr_eval_request {
        const char *language;              /* catalogue id or alias, optional @version; "" = C++ */
        const char *code;
        size_t code_len;
        const struct cr_eval_test *tests;
        size_t n_tests;
        /* Optional per-request overrides: each non-zero cpu_time_ms,
         * wall_time_ms, memory_bytes, pids or output_bytes replaces the
         * runtime's value (the caller checks them against its maxima). */
        const struct cr_sandbox_limits *run_limits;
        const struct cr_sandbox_limits *compile_limits;
        const char *function_name;         /* function mode: the function to call; NULL = the rule */
};

struct cr_eval_test_result {
        char *id;
        bool passed;
        bool ran;                          /* false after a compile error or a cancelled job */
        bool wrong_answer;                 /* ran to the end and the answer was wrong */
        struct cr_sandbox_result run;      /* valid when ran */
        char *message;                     /* why it failed, for humans; NULL when passed */
        char *expected;                    /* function mode: the expected value (canonical, cut); or NULL */
        char *actual;                      /* function mode: what the function returned; or NULL */
};

struct cr_eval_outcome {
        const struct cr_runtime *runtime;  /* not owned */
        bool function_mode;
        bool compiled;
        bool compile_failed;
        struct cr_sandbox_result compile;  /* valid when compiled */
        struct cr_eval_test_result *tests;
        size_t n_tests;
        unsigned passed;
        bool success;
        const char *error_type;            /* static: "", compilation_error, runtime_error, timeout,
                                            * memory_limit, output_limit, test_failure, internal_error */
        char *message;                     /* "Execution successful: N/M tests passed", ... */
        char *error_message;
        uint64_t execution_time_ms;
};

struct cr_evaluator_limits {
        size_t max_code_bytes;
        size_t max_tests;
        size_t max_input_bytes;            /* each of input, expected output and validation code */
};

struct cr_evaluator;
struct cr_eval;

/* outcome is valid only during the call. err != NULL when no evaluation
 * could be done (executor failure, cancellation): then outcome is NULL. */
typedef void (*cr_eval_done_fn)(void *userdata, const struct cr_eval_outcome *outcome, const struct cr_error *err);
/* Live output of test `index` (optional). */
typedef void (*cr_eval_output_fn)(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data,
                                  size_t n);

/* Resolves and pins every runtime's image now; runtimes without an image
 * stay unavailable (requests for them fail with a clear error). */
int cr_evaluator_new(const struct cr_catalog *catalog, struct cr_image_store *store, struct cr_job_engine *engine,
                     const struct cr_evaluator_limits *limits, struct cr_evaluator **ret, struct cr_error **err);
struct cr_evaluator *cr_evaluator_free(struct cr_evaluator *ev);
/* How many runtimes have an image. */
size_t cr_evaluator_available(const struct cr_evaluator *ev);
/* Whether the runtime with this catalogue id has an image. */
bool cr_evaluator_runtime_available(const struct cr_evaluator *ev, const char *id);

/* Validates synchronously (CR_ERROR_INVALID with a message fit for the
 * client) and copies what it needs from req. Nothing runs yet. */
int cr_evaluator_prepare(struct cr_evaluator *ev, const struct cr_eval_request *req, cr_eval_done_fn done,
                         cr_eval_output_fn output, void *userdata, struct cr_eval **ret, struct cr_error **err);
/* Queues it (CR_ERROR_LIMIT when the queue is full, CR_ERROR_CANCELLED when
 * cancelled already). Once this succeeds, done runs exactly once, on a pool
 * thread; when it fails, done never runs. */
int cr_eval_start(struct cr_eval *e, struct cr_error **err);
/* Thread-safe, idempotent, also before start. */
void cr_eval_cancel(struct cr_eval *e);
struct cr_eval *cr_eval_ref(struct cr_eval *e);
struct cr_eval *cr_eval_unref(struct cr_eval *e);
