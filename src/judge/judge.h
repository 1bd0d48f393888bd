/* SPDX-License-Identifier: MIT */
#pragma once

/* The judge: how an EvaluateSolution-style request (code + tests) becomes a
 * program, and how each test's run becomes a verdict.
 *
 *   - stdio mode: code with an entry point is the program; each test feeds
 *     `input` on stdin and its stdout is compared with `expected_output`;
 *   - function mode: code without one is wrapped in a generated harness that
 *     calls the solution function with each test's arguments.
 *
 * The caller (job/) compiles cr_judge_plan_source() once, runs test i with
 * cr_judge_plan_test_args(i) appended to the runtime's run argv, describes
 * each run as a struct cr_judge_run, and lets the plan judge it. Everything
 * here is pure code on buffers: no I/O, no logging, no sandbox types.
 *
 * See docs/internals/judge.md. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_error;

/* The runtime ids of rootfs/runtimes/ (cr_runtime.id). */
enum cr_judge_lang {
        CR_JUDGE_LANG_C,
        CR_JUDGE_LANG_CPP,
        CR_JUDGE_LANG_GO,
        CR_JUDGE_LANG_RUST,
        CR_JUDGE_LANG_JAVA,
        CR_JUDGE_LANG_CSHARP,
        CR_JUDGE_LANG_PYTHON,
        CR_JUDGE_LANG_JAVASCRIPT,
        CR_JUDGE_LANG_TYPESCRIPT,
        _CR_JUDGE_LANG_MAX,
        _CR_JUDGE_LANG_INVALID = -EINVAL,
};

enum cr_judge_mode {
        CR_JUDGE_MODE_STDIO,    /* the code has an entry point: run it, feed input on stdin */
        CR_JUDGE_MODE_FUNCTION, /* no entry point: call the detected function */
        _CR_JUDGE_MODE_MAX,
        _CR_JUDGE_MODE_INVALID = -EINVAL,
};

/* Bounds on what a request may carry into the judge. */
#define CR_JUDGE_CODE_MAX  (256U * 1024U) /* the submission */
#define CR_JUDGE_TESTS_MAX 256U           /* tests per request */
#define CR_JUDGE_FIELD_MAX (64U * 1024U)  /* input, expected_output, custom_validation_code */

/* "c", "cpp", "go", "rust", "java", "csharp", "python", "javascript",
 * "typescript". NULL and "" mean C++ (the original service ignored the
 * language and always ran C++). Anything else is _CR_JUDGE_LANG_INVALID:
 * callers resolve aliases through the runtime catalogue first. */
enum cr_judge_lang cr_judge_lang_from_id(const char *id);
const char *cr_judge_lang_to_id(enum cr_judge_lang lang);

/* Whether the code is a program: `main` (C, C++, Go, Rust), `static ... void
 * main(` (Java), `static ... Main(` (C#), or a top-level statement other than
 * a definition or import (Python, JavaScript, TypeScript). Comments and
 * literals are ignored. False for an unknown language, for code longer than
 * CR_JUDGE_CODE_MAX and on allocation failure; cr_judge_select_mode() reports
 * those as errors instead. */
bool cr_judge_has_entry_point(const char *language_id, const char *code, size_t len);

/* The mode rule: an entry point selects stdio mode; code without one selects
 * function mode. A language without function mode gets INVALID, naming what
 * a complete program needs. */
int cr_judge_select_mode(const char *language_id, const char *code, size_t len, enum cr_judge_mode *ret,
                         struct cr_error **err);

/* Stdio mode's comparison: both sides are normalised by dropping trailing
 * whitespace (space, \t, \r, \v, \f) on every line, which also turns CRLF
 * into LF, and then dropping trailing empty lines; the results must be
 * byte-identical. Leading whitespace, blank lines before the last non-blank
 * line, and the case of letters all count. An empty expected output only
 * matches output that is empty after normalisation. */
bool cr_judge_output_matches(const char *actual, size_t alen, const char *expected, size_t elen);

/* ---------------------------------------------------------------- a plan */

/* One test of a request. Nothing here is owned; NULL means "". `id` never
 * enters generated code: tests are known by index there. */
struct cr_judge_test {
        const char *id;
        const char *input;                  /* NUL-terminated (function mode reads it as text) */
        const char *expected_output;
        const char *custom_validation_code;
        bool run_only;                      /* stdio mode: no comparison, the run must only succeed */
        double tolerance;                   /* function mode: floats' relative tolerance; 0 = 1e-6 */
};

struct cr_judge_request {
        const char *language;               /* a catalogue id; NULL or "" = C++ */
        const char *code;
        size_t code_len;
        const struct cr_judge_test *tests;
        size_t n_tests;
        const char *const *run_argv;        /* the runtime's run argv (function mode extends it) */
        size_t source_max;                  /* bound on the program's size */
        const char *function_name;          /* function mode: the function to call; NULL = the rule */
};

struct cr_judge_plan;

/* Selects the mode and builds the program: the code itself in stdio mode, a
 * generated harness in function mode. Fails with INVALID (a message fit for
 * the client) for code or tests the mode cannot handle. */
int cr_judge_plan_new(const struct cr_judge_request *req, struct cr_judge_plan **ret, struct cr_error **err);
struct cr_judge_plan *cr_judge_plan_free(struct cr_judge_plan *p);
enum cr_judge_mode cr_judge_plan_mode(const struct cr_judge_plan *p);
/* The program to write into the runtime's source file, compiled once. */
const char *cr_judge_plan_source(const struct cr_judge_plan *p, size_t *ret_len);
/* What test i's run appends to the runtime's run argv (NULL-terminated), or
 * NULL for nothing. */
const char *const *cr_judge_plan_test_args(const struct cr_judge_plan *p, size_t i);

/* ---------------------------------------------------------------- judging */

/* How one sandboxed step ended (the job layer translates its sandbox's
 * result into this). */
enum cr_judge_status {
        CR_JUDGE_STATUS_OK,                 /* exited 0 */
        CR_JUDGE_STATUS_RUNTIME_ERROR,      /* non-zero exit, or killed by a signal */
        CR_JUDGE_STATUS_TIME_LIMIT,
        CR_JUDGE_STATUS_MEMORY_LIMIT,
        CR_JUDGE_STATUS_OUTPUT_LIMIT,
        CR_JUDGE_STATUS_SECCOMP_VIOLATION,
        CR_JUDGE_STATUS_INTERNAL_ERROR,
        _CR_JUDGE_STATUS_MAX,
        _CR_JUDGE_STATUS_INVALID = -EINVAL,
};

struct cr_judge_run {
        bool ran;                           /* false: never ran (compile failed, cancelled) */
        enum cr_judge_status status;
        bool wall_limit;                    /* TIME_LIMIT came from the wall clock, not the CPU */
        int exit_code;
        int signal;                         /* 0 when it exited */
        const char *seccomp_syscall;        /* SECCOMP_VIOLATION: the call's name, if known; not owned */
        const char *out;                    /* stdout; not owned, may be NULL */
        size_t out_len;
        const char *err;                    /* stderr; not owned, may be NULL */
        size_t err_len;
};

/* The limits a run had, for the messages that name them. */
struct cr_judge_limits {
        uint64_t cpu_time_ms;
        uint64_t wall_time_ms;
        uint64_t memory_bytes;
        uint64_t output_bytes;
};

struct cr_judge_verdict {
        bool passed;
        bool wrong_answer;                  /* ran to the end and the answer was wrong */
        char *message;                      /* owned: why it failed, for humans; NULL when passed */
        char *expected;                     /* owned, function mode: the expected value, canonical, cut */
        char *actual;                       /* owned, function mode: what the function returned */
};

/* "OK", "RUNTIME_ERROR", "TIME_LIMIT", ... (the sandbox's verdict names). */
const char *cr_judge_status_to_string(enum cr_judge_status s);

/* Judges test i's run. */
void cr_judge_plan_judge(const struct cr_judge_plan *p, size_t i, const struct cr_judge_run *run,
                         const struct cr_judge_limits *limits, struct cr_judge_verdict *ret);
void cr_judge_verdict_done(struct cr_judge_verdict *v);

/* Test i's stdout as the program printed it, for the native API: in
 * function mode the harness's result lines are removed, in place (call it
 * once the test is judged: judging reads them). Returns the new length. */
size_t cr_judge_plan_program_output(const struct cr_judge_plan *p, char *out, size_t len);

/* One judged test, for the summary. */
struct cr_judge_result {
        const char *id;                     /* not owned (all members) */
        const struct cr_judge_run *run;
        const struct cr_judge_verdict *verdict;
};

/* The fields the original service returned, with its bugs fixed. */
struct cr_judge_summary {
        unsigned passed;
        bool success;
        const char *error_type;             /* static: "", compilation_error, runtime_error, timeout,
                                             * memory_limit, output_limit, test_failure, internal_error */
        char *message;                      /* owned: "Execution successful: N/M tests passed", ... */
        char *error_message;                /* owned */
};

/* compile is NULL when nothing was compiled; compile_failed means it
 * produced no program (then the tests never ran). */
void cr_judge_summarize(const struct cr_judge_run *compile, bool compile_failed, const struct cr_judge_result *tests,
                        size_t n, struct cr_judge_summary *ret);
void cr_judge_summary_done(struct cr_judge_summary *s);
