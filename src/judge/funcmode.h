/* SPDX-License-Identifier: MIT */
#pragma once

/* Function mode for every language but C++ (which keeps the original's
 * doctest harness, cpp.h): the language-neutral part.
 *
 * A language file (lang-<id>.c) supplies a struct cr_fm_lang: how to find
 * the solution function and read its signature into a struct cr_fm_sig, how
 * to write literals, and the harness around the student's code. This file
 * does the rest: it picks among candidate functions by one rule, parses each
 * test's input and expected_output with the shared literal syntax (value.h),
 * checks that the arguments fit the parameters, has the language generate
 * one harness for all tests (compiled once; test i runs it with the argument
 * "<i>"), and judges each run by reading the result line the harness prints
 * and comparing it with the expected value outside the sandbox.
 *
 * The harness protocol (stdout; anything the student prints comes before):
 *
 *   \x1e CR-RESULT <value in the literal syntax> \n     the function returned
 *   \x1e CR-CHECK pass \n | \x1e CR-CHECK fail <why> \n custom_validation_code's verdict
 *   \x1e CR-ERROR <why> \n                               the harness could not print the result
 *
 * (without the spaces around the marker byte 0x1e). The last such line
 * counts. */

#include <stdbool.h>
#include <stddef.h>

#include "judge/judge-internal.h"

struct cr_buf;
struct cr_error;
struct cr_value;

#define CR_FM_MARKER "\x1e" "CR-"

/* out without the harness's protocol lines (each with the newline the
 * harness wrote before it), in place; returns the new length and keeps out
 * NUL-terminated if it shrank. A program's own line that starts with the
 * marker goes too. C++ uses it as well (cpp-generate.c prints value lines). */
size_t cr_fm_strip_harness_lines(char *out, size_t len);

/* Appends a string literal (its length known at compile time). */
#define cr_buf_append_lit(b, s) cr_buf_append((b), "" s, sizeof(s) - 1)
#define CR_FM_CANDIDATES_MAX 64U
#define CR_FM_PARAMS_MAX 32U
#define CR_FM_VALUE_SHOWN_MAX 1024U /* expected/actual in results are cut here */

enum cr_fm_kind {
        CR_FM_ANY,    /* not declared (Python, JavaScript): the literal's own type */
        CR_FM_VOID,   /* returns nothing: the first argument after the call is the result */
        CR_FM_INT,
        CR_FM_FLOAT,
        CR_FM_NUMBER, /* JavaScript/TypeScript number: an integer or a float */
        CR_FM_BOOL,
        CR_FM_STRING,
        CR_FM_CHAR,   /* one character, written as a one-character string */
        CR_FM_LIST,   /* array, list, vector, slice: of elem */
        _CR_FM_KIND_MAX,
};

struct cr_fm_type {
        enum cr_fm_kind kind;
        unsigned bits;            /* INT: 8, 16, 32, 64; FLOAT: 32, 64 */
        bool is_unsigned;
        bool takes_char;          /* INT: also a one-character ASCII string, as its code (Go's byte boards) */
        unsigned flavor;          /* the language's own distinction (Java int[] vs List<Integer>, ...) */
        char *spelling;           /* owned: as written in the code, whitespace-normalised */
        struct cr_fm_type *elem;  /* owned: LIST's element type */
};

struct cr_fm_param {
        char *name;               /* owned */
        struct cr_fm_type type;
};

struct cr_fm_sig {
        char *name;               /* owned: the function the tests call */
        char *owner;              /* owned: its class (Solution) or NULL for a free function */
        bool is_static;           /* called through the class, without an instance */
        struct cr_fm_param *params;
        size_t n_params;
        struct cr_fm_type ret;
        unsigned line;            /* 1-based, in the student's code */
        unsigned flags;           /* the language's own */
};

void cr_fm_type_done(struct cr_fm_type *t);
void cr_fm_sig_done(struct cr_fm_sig *sig);
/* A copy of t (deep). */
void cr_fm_type_copy(struct cr_fm_type *dst, const struct cr_fm_type *src);
/* "int", "a list of int", ... for messages. */
char *cr_fm_type_describe(const struct cr_fm_type *t);

/* ---------------------------------------------------------------- choosing the function */

/* A function definition a detector found. */
struct cr_fm_candidate {
        size_t name, name_end;    /* offsets in the blanked code */
        size_t body, body_end;    /* its definition, so its own calls (recursion) do not count */
        unsigned line;
        bool in_class;            /* a method (of the class the detector chose) */
};

/* The rule (docs/internals/judge.md, "Which function the tests call"):
 * with `wanted` (the native API's function name) the candidate of that
 * name; otherwise the candidates no other code calls: one is the answer,
 * none (they all call each other) means the last one defined, several is an
 * INVALID error naming them all. Sets *ret_index. */
int cr_fm_choose(const char *blanked, size_t len, const struct cr_fm_candidate *c, size_t n, const char *wanted,
                 const char *what, size_t *ret_index, struct cr_error **err);

/* ---------------------------------------------------------------- reading signatures */

/* Splits s[0..n) at commas outside (), [], {} and <> into at most max
 * trimmed pieces (empty pieces dropped); returns how many. */
size_t cr_fm_split_params(const char *s, size_t n, size_t *ret_b, size_t *ret_e, size_t max);
/* A copy with whitespace runs folded to one space and trimmed. */
char *cr_fm_normalize(const char *s, size_t n);
/* 1-based line of offset off. */
unsigned cr_fm_line_of(const char *s, size_t off);

/* A function definition in a C-like language: `[modifiers] TYPE NAME(params)
 * [...] { body }` (or `=> expr;`), found by cr_fm_scan_functions(). */
struct cr_fm_found {
        size_t head;                    /* where its modifiers and type start */
        size_t name, name_end;
        size_t params, params_end;      /* inside the parentheses */
        size_t end;                     /* after its body */
        unsigned line;
};

/* The function definitions directly in t[b..e) (brackets inside them are
 * skipped): NAME( preceded by a type, followed by a body; prototypes,
 * calls and keywords (if, for, while, ...) are not definitions. Returns
 * how many were found (at most max). */
size_t cr_fm_scan_functions(const char *t, size_t b, size_t e, struct cr_fm_found *out, size_t max);
/* After the bracket at i ((, [, { or <) and what it encloses, or len. */
size_t cr_fm_close_of(const char *t, size_t len, size_t i);

/* A type declaration (class, struct, interface, record, enum) in a C-like
 * language: its name and its body (inside the braces). */
#define CR_FM_NAMESPACES_MAX 4
struct cr_fm_class {
        size_t head;
        size_t name, name_end;
        size_t body, body_end;
        size_t ns[CR_FM_NAMESPACES_MAX], ns_end[CR_FM_NAMESPACES_MAX]; /* enclosing namespaces, outermost first */
        unsigned n_ns;
};
/* "A.B.Name" for a class in namespaces A and B. */
char *cr_fm_class_name(const char *t, const struct cr_fm_class *c);
/* The classes in t[b..e) at depth 0, looking into namespace blocks. */
size_t cr_fm_scan_classes(const char *t, size_t b, size_t e, struct cr_fm_class *out, size_t max);

/* ---------------------------------------------------------------- writing literals */

/* How a language writes literals. Every hook appends to b and returns 0 or
 * a negative errno (-ENOSPC when the bounded buffer is full). */
struct cr_fm_syntax {
        const char *true_lit, *false_lit, *null_lit;
        int (*emit_int)(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v);
        int (*emit_float)(struct cr_buf *b, const struct cr_fm_type *t, double f);
        int (*emit_string)(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n); /* valid UTF-8 */
        int (*emit_char)(struct cr_buf *b, unsigned codepoint);
        /* `t` is the list type (kind LIST) */
        int (*list_open)(struct cr_buf *b, const struct cr_fm_type *t);
        int (*list_close)(struct cr_buf *b, const struct cr_fm_type *t);
};

/* Appends v as a literal of type t (v was checked with cr_fm_fits()). */
int cr_fm_emit(const struct cr_fm_syntax *syn, struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v);
/* Whether v can be passed as t; otherwise *ret_why says why. */
bool cr_fm_fits(const struct cr_fm_type *t, const struct cr_value *v, char **ret_why);
/* The next UTF-8 character of s[*i..n): its code point, or -1 for an invalid
 * sequence. */
long cr_fm_utf8_next(const char *s, size_t n, size_t *i);
/* Decimal text of an integer value. */
int cr_fm_emit_decimal(struct cr_buf *b, const struct cr_value *v);
/* Shortest text of f that reads back the same, always with a '.' or an
 * exponent (2.0, 0.1, 1e+21). */
int cr_fm_emit_float_text(struct cr_buf *b, double f);

/* ---------------------------------------------------------------- one language */

/* What generate() gets: everything checked already. */
struct cr_fm_program {
        const char *code;                   /* not owned (all members) */
        size_t code_len;
        const struct cr_fm_sig *sig;
        const struct cr_value *args;        /* n_tests ARRAYs of sig->n_params values */
        const char *const *custom;          /* n_tests: custom_validation_code, or NULL */
        size_t n_tests;
};

struct cr_fm_lang {
        /* Finds the function (by cr_fm_choose(); `wanted` may be NULL) and
         * reads its signature. INVALID errors name what was seen. */
        int (*detect)(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret,
                      struct cr_error **err);
        /* Appends the whole program: the student's code and the harness. */
        int (*generate)(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err);
        const struct cr_fm_syntax *syntax;
        /* The stderr line that names a crash: the first one holding one of
         * these, else the last non-empty one. */
        const char *const *error_markers;
};

/* The cr_funcmode_ops of a language with a struct cr_fm_lang; lang-*.c
 * point their table entry's .funcmode at it and set .fm. */
extern const struct cr_funcmode_ops cr_fm_ops;

/* Helpers for generate(): the harness's argv index, the result line. */
int cr_fm_emit_args(const struct cr_fm_syntax *syn, struct cr_buf *b, const struct cr_fm_sig *sig,
                    const struct cr_value *args, const char *sep);

/* ---------------------------------------------------------------- JavaScript and TypeScript */

/* Reads a parameter's (or with `result`, the return) annotation; "" when
 * there is none. Negative when the type is not supported. */
typedef int (*cr_js_type_fn)(const char *annot, struct cr_fm_type *t, bool result);

int cr_js_detect(const char *code, size_t len, const char *wanted, bool ts, cr_js_type_fn type_of,
                 struct cr_fm_sig *ret, struct cr_error **err);
int cr_js_generate(const struct cr_fm_program *p, bool ts, struct cr_buf *out, struct cr_error **err);
int cr_js_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n);
extern const struct cr_fm_syntax cr_js_syntax;
