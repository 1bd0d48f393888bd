/* SPDX-License-Identifier: MIT */
#pragma once

/* Function mode's shared literal syntax (docs/internals/judge.md, "Literal
 * syntax"): a test's `input` is a comma-separated list of values, its
 * `expected_output` one value, and every harness prints the function's
 * result in the same syntax. Parsed here, once, in C, with errors that say
 * where and why; compared here too, so the expected value never enters the
 * sandbox.
 *
 *   value   = number | "true" | "false" | "null" | string | array | bare word
 *   number  = [+-]? digits ("." digits?)? ([eE] [+-]? digits)?   (or "." digits ...)
 *             an integer when it has no "." or exponent: -2^63 .. 2^64-1
 *   string  = '"' ... '"' | "'" ... "'"   with JSON escapes (\" \\ \/ \b \f \n
 *             \r \t \uXXXX, surrogate pairs) and \'
 *   array   = "[" (value ("," value)*)? "]"   (nested arrays are 2-D and deeper)
 *   bare word = any other text up to the next top-level "," or "]": a string,
 *             trailing spaces trimmed (`hello world`, `1.2.3`, `fl`) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_buf;
struct cr_error;

#define CR_VALUE_DEPTH_MAX 32U  /* arrays nested deeper are refused */

enum cr_value_kind {
        CR_VALUE_NULL,
        CR_VALUE_BOOL,
        CR_VALUE_INT,
        CR_VALUE_FLOAT,
        CR_VALUE_STRING,
        CR_VALUE_ARRAY,
        _CR_VALUE_KIND_MAX,
};

struct cr_value {
        enum cr_value_kind kind;
        bool b;                     /* BOOL */
        bool neg;                   /* INT: the value is -mag */
        uint64_t mag;               /* INT: magnitude (so -2^63 and 2^64-1 both fit) */
        double f;                   /* FLOAT (also set for INT) */
        char *s;                    /* STRING: owned, decoded bytes, NUL-terminated (may hold NUL) */
        size_t len;
        bool quoted;                /* STRING: written in quotes; false for a bare word */
        struct cr_value *items;     /* ARRAY: owned */
        size_t n;
        size_t pos;                 /* where it starts in the text (0-based byte offset) */
        size_t src_len;             /* how long its text is */
};

void cr_value_done(struct cr_value *v);

/* `input`: zero or more comma-separated values, as one ARRAY (an empty or
 * blank text is an empty list). INVALID errors read "position N: reason"
 * (1-based). */
int cr_value_parse_args(const char *s, size_t len, struct cr_value *ret, struct cr_error **err);
/* Exactly one value (`expected_output`). */
int cr_value_parse_one(const char *s, size_t len, struct cr_value *ret, struct cr_error **err);
/* A harness's result line: one value, where the bare words NaN, Infinity
 * and -Infinity are the floats they name (harnesses write a non-finite
 * float so; a string result is always quoted). Formatted back the same way;
 * an expected_output written as the same bare word matches it. */
int cr_value_parse_result(const char *s, size_t len, struct cr_value *ret, struct cr_error **err);

/* Appends the value in canonical form: integers without leading zeros or
 * '+', floats in the shortest form that reads back the same, strings in
 * double quotes with JSON escapes, arrays as [a,b]. Output is cut at `max`
 * bytes with "..." (0 = no limit). */
int cr_value_format(const struct cr_value *v, struct cr_buf *out, size_t max);

/* Whether `actual` (a harness's result) matches `expected`:
 *   - integers exactly; numbers with a float on either side when
 *     |a - e| <= tolerance * max(1, |e|) (tolerance <= 0 means 1e-6);
 *   - strings byte for byte; an expected scalar written without quotes
 *     (123, true, a bare word) also matches a string with its text, so a
 *     function returning "123" passes for expected_output 123;
 *   - booleans and null exactly, arrays element by element, same length.
 * When they differ and ret_why is not NULL, *ret_why says where, e.g.
 * "element [1][0]: expected 3, got 4" or "expected 2 elements, got 3". */
bool cr_value_matches(const struct cr_value *expected, const struct cr_value *actual, double tolerance,
                      char **ret_why);

#define CR_VALUE_DEFAULT_TOLERANCE 1e-6
