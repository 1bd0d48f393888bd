/* SPDX-License-Identifier: MIT */
#pragma once

/* C++ function mode (the original service's only mode, §6 of
 * original-interfaces.md): find the solution function in code that has no
 * main, generate one doctest file that holds the student's code and one
 * TEST_CASE per test, compile it once, then run each test in its own sandbox
 * by selecting its TEST_CASE on the command line, and parse doctest's output.
 * Pure functions on buffers: no I/O, no logging.
 *
 * See docs/internals/judge.md for the generated file and every deviation
 * from the original. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "judge/stdio.h"

struct cr_error;
struct cr_buf;

/* Bounds on what a request may carry into the generator. Each is enforced
 * with an INVALID error that names the test. */
#define CR_JUDGE_TESTS_MAX     256U          /* tests per request */
#define CR_JUDGE_FIELD_MAX     (64U * 1024U) /* input, expected_output, custom_validation_code */
#define CR_FUNCMODE_ARGS_MAX   64U           /* arguments one input may turn into */
#define CR_FUNCMODE_PARAMS_MAX 64U           /* parameters parsed from the signature */
/* A generated file never exceeds this (code + 256 * 3 * 64 KiB * 4 for escaping, rounded up). */
#define CR_FUNCMODE_SOURCE_MAX (256U * 1024U * 1024U)

/* One test of an EvaluateSolution request. Nothing here is owned. NULL
 * means "". `id` is never put into the generated source: tests are named
 * "t<index>" there, and callers map the index back to the id. */
struct cr_judge_test {
        const char *id;
        const char *input;
        const char *expected_output;
        const char *custom_validation_code;
};

/* What a type is, as far as making literals for it goes. */
enum cr_funcmode_kind {
        CR_FUNCMODE_KIND_OTHER, /* auto, structs, anything unrecognised */
        CR_FUNCMODE_KIND_VOID,
        CR_FUNCMODE_KIND_INT,   /* int, long, short, unsigned, size_t, intN_t, ... */
        CR_FUNCMODE_KIND_FLOAT, /* double, float */
        CR_FUNCMODE_KIND_BOOL,
        CR_FUNCMODE_KIND_CHAR,
        CR_FUNCMODE_KIND_CHAR_PTR, /* char *, const char *, char[] */
        CR_FUNCMODE_KIND_STRING,   /* string, std::string */
        CR_FUNCMODE_KIND_VECTOR,   /* vector<T>, std::vector<T> */
        _CR_FUNCMODE_KIND_MAX,
        _CR_FUNCMODE_KIND_INVALID = -EINVAL,
};

/* One parameter of the detected function, used to give test arguments the
 * right shape (the original ignored parameters entirely). */
struct cr_funcmode_param {
        char *decl;                 /* owned: the declaration, whitespace-normalised ("int arr[]") */
        char *name;                 /* owned: "" when unnamed */
        enum cr_funcmode_kind kind; /* of the value, or of the elements for arrays and vectors */
        char *value_type;           /* owned: type of a local holding the argument (array: element) */
        bool is_array;              /* T x[], T x[N], T *x (T not char), char **x, char *x[] */
        bool is_vector;             /* [const] [std::]vector<T> [&] */
        bool needs_lvalue;          /* non-const lvalue reference: pass a named local */
        bool needs_mutable_chars;   /* char *, char[] (non-const): pass a char array, or for
                                     * arrays of char *, mutable strings */
};

struct cr_funcmode_sig {
        char *name;        /* owned: regex group 2 */
        char *return_type; /* owned: regex group 1, whitespace-normalised */
        enum cr_funcmode_kind return_kind;
        char *return_value_type;          /* owned: return type without const and & */
        bool returns_char_ptr;            /* the original's isStringReturn: "char" and "*" in the type */
        char *params_text;                /* owned: between the parentheses, whitespace-normalised */
        struct cr_funcmode_param *params; /* owned */
        size_t n_params;
        unsigned line; /* 1-based line of the definition in the student's code */
};

void cr_funcmode_sig_done(struct cr_funcmode_sig *sig);

/* §6.2: the original's regex over the student's code, with three deliberate
 * changes: comments and string literals are blanked first; definitions at
 * namespace scope 0 are preferred to ones nested in braces (class members);
 * and among those the first one no other code calls is taken, so a helper
 * defined before the solution is no longer picked. Without a match: INVALID
 * "error extracting function name: no valid function found in code" (the
 * original prefixed "failed to generate template: "). */
int cr_funcmode_detect(const char *code, size_t len, struct cr_funcmode_sig *ret, struct cr_error **err);

/* §6.3-6.6: appends the complete C++ source to out_source (untouched on
 * failure): the student's code verbatim, doctest's main, and TEST_CASE("t<i>")
 * for each test i, whose body is custom_validation_code verbatim when given,
 * else a CHECK of the call built from `input` against `expected_output`.
 * Inputs are parsed into typed literals and never copied into the source as
 * code; anything that is not a number or bool becomes an escaped string or
 * char literal. sig may be NULL only if every test has custom code. Fails
 * with INVALID for oversized fields, too many tests or arguments, nested
 * arrays, and unbalanced or unterminated custom code. */
int cr_funcmode_generate(const char *code, const struct cr_funcmode_sig *sig,
                         const struct cr_judge_test *tests, size_t n, struct cr_buf *out_source,
                         struct cr_error **err);

/* The argv that runs only test `index` of a generated, compiled file:
 * base_argv (the runtime's run argv, e.g. {"/box/main", NULL}) followed by
 * doctest options: --test-case=t<index> (case-sensitive), no colours, no
 * intro/version banner, file names without paths. *ret_argv is a new
 * NULL-terminated array of new strings; free with cr_funcmode_argv_free(). */
int cr_funcmode_test_argv(size_t index, const char *const *base_argv, char ***ret_argv,
                          struct cr_error **err);
char **cr_funcmode_argv_free(char **argv);

/* The result of one test run, read from doctest's console output. */
#define CR_DOCTEST_MESSAGE_MAX 2048U

struct cr_doctest_result {
        bool summary; /* a "[doctest] test cases:" line was found (the last one counts) */
        bool passed;  /* summary, "Status: SUCCESS!", >= 1 case run, 0 cases and
                       * 0 assertions failed; callers also require exit status 0 */
        bool crashed; /* "test case CRASHED: SIG..." */
        bool threw;   /* "THREW exception" */
        unsigned cases, cases_passed, cases_failed, cases_skipped;
        unsigned asserts, asserts_passed, asserts_failed;
        /* The failure report without its "TEST CASE:" header: each line
         * trimmed, blank lines dropped, joined by '\n', truncated to fit, e.g.
         * "solution.cpp:21: ERROR: CHECK( addOne(-3) == -2 ) is NOT correct!\n
         *  values: CHECK( -3 == -2 )". Empty when nothing failed. */
        char message[CR_DOCTEST_MESSAGE_MAX];
};

/* Parses the stdout of one test run. Never fails on content: output without
 * a summary (killed, truncated, not doctest) gives summary = passed = false.
 * Returns -EINVAL only for NULL arguments. */
int cr_doctest_parse(const char *out, size_t len, struct cr_doctest_result *ret);
