/* SPDX-License-Identifier: MIT */
#pragma once

/* C++ function mode (the original service's only mode, §6 of
 * original-interfaces.md): find the solution function in code that has no
 * main, generate one doctest file that holds the student's code and one
 * TEST_CASE per test, compile it once, then run each test in its own sandbox
 * by selecting its TEST_CASE on the command line, and parse doctest's output.
 * lang-cpp.c plugs this into the judge's table; cpp-detect.c finds the
 * function, cpp-literal.c turns input text into C++ literals,
 * cpp-generate.c writes the file, cpp-doctest.c reads a run's report.
 *
 * See docs/internals/judge.md for the generated file and every deviation
 * from the original. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "judge/judge.h"

struct cr_error;
struct cr_buf;

#define CR_CPP_ARGS_MAX   64U /* arguments one input may turn into */
#define CR_CPP_PARAMS_MAX 64U /* parameters parsed from the signature */
/* A generated file never exceeds this (code + 256 * 3 * 64 KiB * 4 for escaping, rounded up). */
#define CR_CPP_SOURCE_MAX (256U * 1024U * 1024U)

/* What a type is, as far as making literals for it goes. */
enum cr_cpp_kind {
        CR_CPP_KIND_OTHER, /* auto, structs, anything unrecognised */
        CR_CPP_KIND_VOID,
        CR_CPP_KIND_INT,   /* int, long, short, unsigned, size_t, intN_t, ... */
        CR_CPP_KIND_FLOAT, /* double, float */
        CR_CPP_KIND_BOOL,
        CR_CPP_KIND_CHAR,
        CR_CPP_KIND_CHAR_PTR, /* char *, const char *, char[] */
        CR_CPP_KIND_STRING,   /* string, std::string */
        CR_CPP_KIND_VECTOR,   /* vector<T>, std::vector<T> */
        _CR_CPP_KIND_MAX,
        _CR_CPP_KIND_INVALID = -EINVAL,
};

/* One parameter of the detected function, used to give test arguments the
 * right shape (the original ignored parameters entirely). */
struct cr_cpp_param {
        char *decl;                 /* owned: the declaration, whitespace-normalised ("int arr[]") */
        char *name;                 /* owned: "" when unnamed */
        enum cr_cpp_kind kind; /* of the value, or of the elements for arrays and vectors */
        char *value_type;           /* owned: type of a local holding the argument (array: element) */
        bool is_array;              /* T x[], T x[N], T *x (T not char), char **x, char *x[] */
        bool is_vector;             /* [const] [std::]vector<T> [&] */
        bool needs_lvalue;          /* non-const lvalue reference: pass a named local */
        bool needs_mutable_chars;   /* char *, char[] (non-const): pass a char array, or for
                                     * arrays of char *, mutable strings */
};

struct cr_cpp_sig {
        char *name;        /* owned: regex group 2 */
        char *return_type; /* owned: regex group 1, whitespace-normalised */
        enum cr_cpp_kind return_kind;
        char *return_value_type;          /* owned: return type without const and & */
        bool returns_char_ptr;            /* the original's isStringReturn: "char" and "*" in the type */
        char *params_text;                /* owned: between the parentheses, whitespace-normalised */
        struct cr_cpp_param *params; /* owned */
        size_t n_params;
        unsigned line; /* 1-based line of the definition in the student's code */
        char *owner;   /* owned: the class of a member function (LeetCode's `class Solution`), called
                        * on a new instance: Solution().f(...); NULL for a free function */
};

void cr_cpp_sig_done(struct cr_cpp_sig *sig);

/* §6.2: the original's regex over the student's code, with three deliberate
 * changes: comments and string literals are blanked first; definitions at
 * namespace scope 0 are preferred to ones nested in braces (class members);
 * and among those the first one no other code calls is taken, so a helper
 * defined before the solution is no longer picked. Without a match: INVALID
 * "error extracting function name: no valid function found in code" (the
 * original prefixed "failed to generate template: "). */
int cr_cpp_detect(const char *code, size_t len, struct cr_cpp_sig *ret, struct cr_error **err);

/* §6.3-6.6: appends the complete C++ source to out_source (untouched on
 * failure): the student's code verbatim, doctest's main, and TEST_CASE("t<i>")
 * for each test i, whose body is custom_validation_code verbatim when given,
 * else a CHECK of the call built from `input` against `expected_output`.
 * Inputs are parsed into typed literals and never copied into the source as
 * code; anything that is not a number or bool becomes an escaped string or
 * char literal. sig may be NULL only if every test has custom code. Fails
 * with INVALID for oversized fields, too many tests or arguments, nested
 * arrays, and unbalanced or unterminated custom code. */
int cr_cpp_generate(const char *code, const struct cr_cpp_sig *sig,
                         const struct cr_judge_test *tests, size_t n, struct cr_buf *out_source,
                         struct cr_error **err);

/* Whether the generated file needs the image's prelude (the standard
 * headers the original's file saw; parsing them is most of a compile). It
 * does not when the code can see no difference: the function takes and
 * returns only numbers, bools and chars, every test passes such values and
 * has no custom code, and the code names nothing the prelude declares at
 * global scope or in std (cr_cpp_prelude_names), through no preprocessor
 * directive or backslash (cpp-prelude.c; docs/internals/judge.md). */
bool cr_cpp_needs_prelude(const char *code, size_t len, const struct cr_cpp_sig *sig,
                          const struct cr_judge_test *tests, size_t n);
/* Sorted (strcmp): the names of the prelude (generated by scripts/cpp-prelude-names.py). */
/* Whether blanked code (cr_judge_blank_source()) t[0..len) names anything of
 * the prelude, or may through the preprocessor (#, %:, \\, _Pragma). C's
 * function mode asks it too: the prelude's names include every name of C's
 * standard headers (lang-c.c). */
bool cr_cpp_names_prelude(const char *t, size_t len);
extern const char *const cr_cpp_prelude_names[];
extern const size_t cr_cpp_prelude_names_n;

/* What runs only test `index` of a generated, compiled file, appended to the
 * runtime's run argv: --test-case=t<index> (case-sensitive), no colours, no
 * intro/version banner, file names without paths. *ret_args is a new
 * NULL-terminated array of new strings; free with cr_cpp_argv_free(). */
int cr_cpp_test_args(size_t index, char ***ret_args, struct cr_error **err);
/* base_argv (e.g. {"/box/main", NULL}) followed by cr_cpp_test_args(). */
int cr_cpp_test_argv(size_t index, const char *const *base_argv, char ***ret_argv, struct cr_error **err);
char **cr_cpp_argv_free(char **argv);

/* ---------------------------------------------------------------- literals (cpp-literal.c) */

enum cr_cpp_tok_kind {
        CR_CPP_TOK_INT,
        CR_CPP_TOK_FLOAT,
        CR_CPP_TOK_BOOL,
        CR_CPP_TOK_CHAR,
        CR_CPP_TOK_STRING,
};

/* One value of an input, as written. */
struct cr_cpp_token {
        enum cr_cpp_tok_kind kind;
        const char *raw; /* not owned: the trimmed text */
        size_t raw_len;
        char *val; /* owned: decoded text of quoted strings and chars, else NULL */
        size_t val_len;
};

/* A byte range [b, e) of a text. */
struct cr_cpp_span {
        size_t b, e;
};

/* The original's four rules (§6.3) with strict number syntax. */
void cr_cpp_classify_token(const char *s, size_t n, struct cr_cpp_token *ret);
void cr_cpp_token_done(struct cr_cpp_token *t);
/* The text a string-typed target receives: decoded when it was quoted. */
const char *cr_cpp_token_text(const struct cr_cpp_token *t, size_t *ret_len);
/* A string (quote '"') or char (quote '\'') literal holding s[0..n). */
int cr_cpp_emit_quoted(struct cr_buf *b, const char *s, size_t n, char quote);
/* One value for a target of the given kind: string targets take any token
 * as text, char targets any one-byte token; otherwise the token's own type. */
int cr_cpp_emit_value(struct cr_buf *b, const struct cr_cpp_token *t, enum cr_cpp_kind target);
struct cr_cpp_span cr_cpp_trim(const char *s, struct cr_cpp_span sp);
/* Splits s[b..e) on commas outside [...] (when `brackets`) and outside a
 * quoted token. Pieces are trimmed. Fails with -E2BIG past `max` pieces. */
int cr_cpp_split(const char *s, size_t b, size_t e, bool brackets, struct cr_cpp_span *out, size_t max,
                 size_t *ret_n);
bool cr_cpp_is_array_span(const char *s, struct cr_cpp_span sp);

/* ---------------------------------------------------------------- types (cpp-detect.c) */

/* Whether the word w occurs in s. */
bool cr_cpp_has_word(const char *s, const char *w);
/* The T of vector<T>, as written; NULL if base is not a vector. */
char *cr_cpp_vector_elem(const char *base);
/* Classifies a type; pointers are counted into *ret_pointers. */
enum cr_cpp_kind cr_cpp_classify_type(const char *type, unsigned *ret_pointers);

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

/* The actual value the generated test printed beside doctest's report (the
 * call's result, or what a void call wrote), in the canonical form of
 * cr_value_format() cut to CR_FM_VALUE_SHOWN_MAX, or NULL when the test
 * printed none (custom code, a crash in the call, a type it cannot print). */
char *cr_cpp_captured_actual(const char *out, size_t len);
