/* SPDX-License-Identifier: MIT */
#pragma once

/* stdio mode of the judge: which submissions are programs (they have an entry
 * point and read the test input on stdin), and how their stdout is compared
 * with expected_output. Also the per-language source blanker that both this
 * file and funcmode.c use to look at code without being fooled by comments and
 * string literals. Pure functions on buffers: no I/O, no logging.
 *
 * See docs/internals/judge.md for the exact rules. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

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
        CR_JUDGE_MODE_FUNCTION, /* no entry point: call the detected function (C++ only) */
        _CR_JUDGE_MODE_MAX,
        _CR_JUDGE_MODE_INVALID = -EINVAL,
};

/* Largest submission the judge looks at (also funcmode.h's code bound). */
#define CR_JUDGE_CODE_MAX (256U * 1024U)

/* "c", "cpp", "go", "rust", "java", "csharp", "python", "javascript",
 * "typescript". NULL and "" mean C++ (the original service ignored the
 * language and always ran C++). Anything else is _CR_JUDGE_LANG_INVALID:
 * callers resolve aliases through the runtime catalogue first. */
enum cr_judge_lang cr_judge_lang_from_id(const char *id);
const char *cr_judge_lang_to_id(enum cr_judge_lang lang);

/* Copies code[0..len) into *ret (len + 1 bytes, NUL-terminated) with every
 * comment replaced by spaces and every string/char literal (prefixes and
 * quotes included) replaced by one marker byte ('"' for strings, '\'' for
 * C-family char literals) followed by spaces. Newlines are kept, so offsets
 * and line numbers are those of the input. *ret_complete is false when the
 * input ends inside a comment or literal, or a one-line literal hits a newline.
 * Fails with INVALID for len > CR_JUDGE_CODE_MAX, ENOMEM otherwise. */
int cr_stdio_blank_source(enum cr_judge_lang lang, const char *code, size_t len, char **ret,
                          bool *ret_complete, struct cr_error **err);

/* Whether the code is a program: `main` (C, C++, Go, Rust), `static ... void
 * main(` (Java), `static ... Main(` (C#), or a top-level statement other than
 * a definition or import (Python, JavaScript, TypeScript). Comments and
 * literals are ignored. False for an unknown language, for code longer than
 * CR_JUDGE_CODE_MAX and on allocation failure; cr_judge_select_mode() reports
 * those as errors instead. */
bool cr_stdio_has_entry_point(const char *language_id, const char *code, size_t len);

/* The mode rule: an entry point selects stdio mode; code without one
 * selects function mode, which only C++ implements: any other language gets
 * INVALID ("function mode is only supported for C++ ..."). */
int cr_judge_select_mode(const char *language_id, const char *code, size_t len, enum cr_judge_mode *ret,
                         struct cr_error **err);

/* Whether a program's stdout passes: both sides are normalised by dropping
 * trailing whitespace (space, \t, \r, \v, \f) on every line, which also turns
 * CRLF into LF, and then dropping trailing empty lines; the results must be
 * byte-identical. Leading whitespace, blank lines before the last non-blank
 * line, and the case of letters all count. An empty expected output only
 * matches output that is empty after normalisation. */
bool cr_stdio_output_matches(const char *actual, size_t alen, const char *expected, size_t elen);
