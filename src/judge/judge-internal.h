/* SPDX-License-Identifier: MIT */
#pragma once

/* Inside the judge: the table of languages (one lang-*.c file each), the
 * source blanker they all look at code through, and the scanning helpers
 * their detection is written with. */

#include <stdbool.h>
#include <stddef.h>

#include "judge/judge.h"

struct cr_buf;
struct cr_error;
struct cr_fm_lang;

/* Which literal and comment forms a language has. Every form missing here is
 * scanned as plain code, which is the safe direction for the heuristics that
 * read the result: a missed comment can only add tokens, never hide them. */
struct cr_lex_rules {
        bool hash_comments;     /* python: # ... */
        bool nested_comments;   /* rust: block comments nest */
        bool comment_splice;    /* c, c++: backslash-newline continues a // comment */
        bool char_literals;     /* 'x' is a literal (not in python/js, which have ' strings) */
        bool rust_lifetimes;    /* 'a without a closing quote is a lifetime */
        bool multiline_strings; /* rust: "..." may span lines */
        bool squote_strings;    /* js, python: '...' is a string */
        bool backquote_raw;     /* go: `...` raw string */
        bool templates;         /* js: `...${code}...` */
        bool regex_literals;    /* js: /.../flags */
        bool cpp_raw;           /* R"delim(...)delim" */
        bool rust_raw;          /* r"..", r#".."#, b"..", br".." */
        bool csharp_verbatim;   /* @"..", $@"..", @$"..": "" escapes a quote */
        bool text_blocks;       /* java: """...""" */
        bool python_strings;    /* prefixes and triple quotes */
};

/* Copies code[0..len) into *ret (len + 1 bytes, NUL-terminated) with every
 * comment replaced by spaces and every string/char literal (prefixes and
 * quotes included) replaced by one marker byte ('"' for strings, '\'' for
 * C-family char literals) followed by spaces. Newlines are kept, so offsets
 * and line numbers are those of the input. *ret_complete is false when the
 * input ends inside a comment or literal, or a one-line literal hits a newline.
 * Fails with INVALID for len > CR_JUDGE_CODE_MAX, ENOMEM otherwise. */
int cr_lex_blank(const struct cr_lex_rules *rules, const char *code, size_t len, char **ret, bool *ret_complete,
                 struct cr_error **err);
/* cr_lex_blank() with the rules of `lang` (languages.c); INVALID for an
 * unknown language. */
int cr_judge_blank_source(enum cr_judge_lang lang, const char *code, size_t len, char **ret, bool *ret_complete,
                          struct cr_error **err);

/* ---------------------------------------------------------------- scanning blanked text */

struct cr_scan {
        const char *t;
        size_t len;
};

bool cr_scan_is_ident(unsigned char c); /* [A-Za-z0-9_$] and bytes >= 0x80 */
bool cr_scan_is_space(unsigned char c);
size_t cr_scan_skip_space(const struct cr_scan *sc, size_t i);
size_t cr_scan_skip_space_back(const struct cr_scan *sc, size_t i);
/* The identifier w at i, not part of a longer one. */
bool cr_scan_word_at(const struct cr_scan *sc, size_t i, const char *w);
/* The word ending at i (exclusive), after skipping whitespace back; returns
 * its end and sets *ret_start. Empty (start == end) when the preceding byte
 * is not a word. */
size_t cr_scan_word_before(const struct cr_scan *sc, size_t i, size_t *ret_start);
bool cr_scan_word_eq(const struct cr_scan *sc, size_t b, size_t e, const char *w);

/* Entry-point scanners more than one language uses. */
bool cr_scan_c_main(const struct cr_scan *sc);                              /* C, C++ */
bool cr_scan_keyword_main(const struct cr_scan *sc, const char *kw);        /* Go func, Rust fn */
bool cr_scan_static_main(const struct cr_scan *sc, const char *name, bool csharp); /* Java, C# */
bool cr_scan_js_entry(const struct cr_scan *sc, bool typescript);           /* JavaScript, TypeScript */

/* ---------------------------------------------------------------- function mode */

struct cr_judge_language;

/* What a language's function mode builds for a plan. */
struct cr_funcmode_build {
        const struct cr_judge_language *lang; /* not owned (all pointers but the outputs) */
        const char *function_name;          /* the function the tests call, or NULL: the rule */
        const char *code;
        size_t code_len;
        const struct cr_judge_test *tests;
        size_t n_tests;
        const char *const *run_argv;
        struct cr_buf *source;              /* append the program here */
        char ***test_args;                  /* n_tests slots: set each to a NULL-terminated argv (owned by
                                             * the plan, freed as a strv) or leave NULL */
        void *state;                        /* set: the language's data for judging, freed by free_state */
};

struct cr_funcmode_ops {
        int (*build)(struct cr_funcmode_build *b, struct cr_error **err);
        void (*judge)(const void *state, size_t i, const struct cr_judge_run *run,
                      const struct cr_judge_limits *limits, struct cr_judge_verdict *ret);
        void (*free_state)(void *state);
};

/* ---------------------------------------------------------------- the table */

struct cr_judge_language {
        const char *id;
        struct cr_lex_rules lex;
        bool (*has_entry_point)(const struct cr_scan *sc);
        const char *program_hint;           /* what a complete program needs, for errors */
        const struct cr_funcmode_ops *funcmode; /* NULL: no function mode */
        const struct cr_fm_lang *fm;        /* function mode through funcmode.c (all but C++) */
};

extern const struct cr_judge_language cr_judge_lang_c, cr_judge_lang_cpp, cr_judge_lang_go,
        cr_judge_lang_rust, cr_judge_lang_java, cr_judge_lang_csharp, cr_judge_lang_python,
        cr_judge_lang_javascript, cr_judge_lang_typescript;

/* NULL for an invalid id. */
const struct cr_judge_language *cr_judge_language(enum cr_judge_lang lang);

/* The message of a run that did not end well (a limit, a crash, an exit
 * code), e.g. "wall-clock limit of 5 s exceeded"; NULL for OK. */
char *cr_judge_run_message(const struct cr_judge_run *run, const struct cr_judge_limits *limits);
