/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/stdio.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"

/* ------------------------------------------------------------ languages */

static const char *const lang_ids[_CR_JUDGE_LANG_MAX] = {
        [CR_JUDGE_LANG_C] = "c",
        [CR_JUDGE_LANG_CPP] = "cpp",
        [CR_JUDGE_LANG_GO] = "go",
        [CR_JUDGE_LANG_RUST] = "rust",
        [CR_JUDGE_LANG_JAVA] = "java",
        [CR_JUDGE_LANG_CSHARP] = "csharp",
        [CR_JUDGE_LANG_PYTHON] = "python",
        [CR_JUDGE_LANG_JAVASCRIPT] = "javascript",
        [CR_JUDGE_LANG_TYPESCRIPT] = "typescript",
};

enum cr_judge_lang cr_judge_lang_from_id(const char *id)
{
        if (!id || !id[0])
                return CR_JUDGE_LANG_CPP;
        for (size_t i = 0; i < _CR_JUDGE_LANG_MAX; i++)
                if (strcmp(id, lang_ids[i]) == 0)
                        return (enum cr_judge_lang)i;
        return _CR_JUDGE_LANG_INVALID;
}

const char *cr_judge_lang_to_id(enum cr_judge_lang lang)
{
        if (lang < 0 || lang >= _CR_JUDGE_LANG_MAX)
                return NULL;
        return lang_ids[lang];
}

/* ------------------------------------------------------------ the blanker */

/* Which literal and comment forms a language has. Every form missing here is
 * scanned as plain code, which is the safe direction for the heuristics that
 * read the result: a missed comment can only add tokens, never hide them. */
struct lex_rules {
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

static const struct lex_rules lex_rules[_CR_JUDGE_LANG_MAX] = {
        [CR_JUDGE_LANG_C] = {.comment_splice = true, .char_literals = true},
        [CR_JUDGE_LANG_CPP] = {.comment_splice = true, .char_literals = true, .cpp_raw = true},
        [CR_JUDGE_LANG_GO] = {.char_literals = true, .backquote_raw = true},
        [CR_JUDGE_LANG_RUST] = {.nested_comments = true,
                                .char_literals = true,
                                .rust_lifetimes = true,
                                .multiline_strings = true,
                                .rust_raw = true},
        [CR_JUDGE_LANG_JAVA] = {.char_literals = true, .text_blocks = true},
        [CR_JUDGE_LANG_CSHARP] = {.char_literals = true, .csharp_verbatim = true},
        [CR_JUDGE_LANG_PYTHON] = {.hash_comments = true, .squote_strings = true, .python_strings = true},
        [CR_JUDGE_LANG_JAVASCRIPT] = {.squote_strings = true, .templates = true, .regex_literals = true},
        [CR_JUDGE_LANG_TYPESCRIPT] = {.squote_strings = true, .templates = true, .regex_literals = true},
};

/* Template literals nest through ${...}; deeper input is left unblanked and
 * marked incomplete rather than recursing without bound. */
#define LEX_NESTING_MAX 32

struct lexer {
        const char *s;
        size_t len;
        char *out;
        size_t i;
        const struct lex_rules *r;
        bool complete;
        char prev;         /* last significant code byte, for JS regex detection */
        bool prev_keyword; /* the last token was a keyword after which / starts a regex */
        unsigned nesting;
};

static bool is_ident_byte(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '$' || c >= 0x80;
}

static bool is_space(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char peek(const struct lexer *lx, size_t off)
{
        return lx->i + off < lx->len ? lx->s[lx->i + off] : 0;
}

/* Blanks [from, to): a marker byte first (0 for none), spaces after, newlines kept. */
static void blank(struct lexer *lx, size_t from, size_t to, char marker)
{
        for (size_t k = from; k < to && k < lx->len; k++)
                if (lx->s[k] != '\n')
                        lx->out[k] = ' ';
        if (marker && from < to && from < lx->len)
                lx->out[from] = marker;
}

static void lex_line_comment(struct lexer *lx)
{
        size_t start = lx->i;

        while (lx->i < lx->len && lx->s[lx->i] != '\n') {
                if (lx->r->comment_splice && lx->s[lx->i] == '\\' && peek(lx, 1) == '\n')
                        lx->i++;
                lx->i++;
        }
        blank(lx, start, lx->i, 0);
}

static void lex_block_comment(struct lexer *lx)
{
        size_t start = lx->i;
        unsigned depth = 0;

        while (lx->i < lx->len) {
                if (lx->s[lx->i] == '/' && peek(lx, 1) == '*' && (depth == 0 || lx->r->nested_comments)) {
                        depth++;
                        lx->i += 2;
                } else if (lx->s[lx->i] == '*' && peek(lx, 1) == '/') {
                        lx->i += 2;
                        if (--depth == 0)
                                break;
                } else
                        lx->i++;
        }
        if (depth > 0)
                lx->complete = false;
        blank(lx, start, lx->i, 0);
}

/* A quoted literal whose opening quote is at lx->i; `start` is where its
 * prefix began. Backslash escapes the next byte when `escapes`. */
static void lex_quoted(struct lexer *lx, size_t start, char quote, bool escapes, bool multiline, char marker)
{
        lx->i++;
        for (;;) {
                if (lx->i >= lx->len) {
                        lx->complete = false;
                        break;
                }
                char c = lx->s[lx->i];
                if (c == '\\' && escapes && lx->i + 1 < lx->len) {
                        lx->i += 2;
                        continue;
                }
                if (c == '\n' && !multiline) {
                        lx->complete = false; /* ends the literal: a stray quote must not eat the file */
                        break;
                }
                lx->i++;
                if (c == quote)
                        break;
        }
        blank(lx, start, lx->i, marker);
}

/* Scans to the first occurrence of the byte string `end`, inclusive. */
static void lex_until(struct lexer *lx, size_t start, const char *end, size_t endlen, char marker)
{
        const char *hit = memmem(lx->s + lx->i, lx->len - lx->i, end, endlen);

        if (hit)
                lx->i = (size_t)(hit - lx->s) + endlen;
        else {
                lx->i = lx->len;
                lx->complete = false;
        }
        blank(lx, start, lx->i, marker);
}

/* C++ R"delim( ... )delim" with lx->i on the quote. False if malformed. */
static bool lex_cpp_raw(struct lexer *lx, size_t start)
{
        char end[20];
        size_t d = 0;

        while (d < 16 && lx->i + 1 + d < lx->len && lx->s[lx->i + 1 + d] != '(') {
                char c = lx->s[lx->i + 1 + d];
                if (c == ' ' || c == ')' || c == '\\' || c == '\n' || c == '\t' || c == '"')
                        return false;
                d++;
        }
        if (lx->i + 1 + d >= lx->len || lx->s[lx->i + 1 + d] != '(')
                return false;
        end[0] = ')';
        memcpy(end + 1, lx->s + lx->i + 1, d);
        end[d + 1] = '"';
        lx->i += d + 2;
        lex_until(lx, start, end, d + 2, '"');
        return true;
}

/* Rust r#"..."# with lx->i on the 'r'. False if not a raw string. */
static bool lex_rust_raw(struct lexer *lx, size_t start)
{
        char end[260];
        size_t h = 0;

        while (h < 255 && peek(lx, 1 + h) == '#')
                h++;
        if (peek(lx, 1 + h) != '"')
                return false;
        end[0] = '"';
        memset(end + 1, '#', h);
        lx->i += h + 2;
        lex_until(lx, start, end, h + 1, '"');
        return true;
}

/* Rust: 'x' and '\n' are chars, 'a (no closing quote) is a lifetime. */
static void lex_rust_quote(struct lexer *lx)
{
        size_t n = 1;
        unsigned char c = (unsigned char)peek(lx, 1);

        if (c == '\\') {
                lex_quoted(lx, lx->i, '\'', true, false, '\'');
                return;
        }
        if (c >= 0xC0)
                while (n < 4 && ((unsigned char)peek(lx, 1 + n) & 0xC0) == 0x80)
                        n++;
        if (c != 0 && c != '\n' && peek(lx, 1 + n) == '\'') {
                blank(lx, lx->i, lx->i + n + 2, '\'');
                lx->i += n + 2;
        } else
                lx->i++;
}

/* Identifier at lx->i: checks the literal prefixes (R", r#", b", @", $@",
 * Python's rb' ...). Returns true when it consumed a literal. */
static bool lex_prefixed(struct lexer *lx, size_t idlen);
static void lex_python_string(struct lexer *lx, size_t start);
static void lex_template(struct lexer *lx);
static void lex_code(struct lexer *lx, bool stop_at_brace);

static bool regex_allowed(const struct lexer *lx)
{
        return lx->prev == 0 || lx->prev_keyword || strchr("(,=:[!&|?{};+-*%<>~^", lx->prev);
}

static bool keyword_before_regex(const char *s, size_t n)
{
        static const char *const kw[] = {"return",     "typeof", "case",  "do",     "else",
                                         "in",         "of",     "new",   "delete", "void",
                                         "instanceof", "throw",  "yield", "await"};

        for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
                if (strlen(kw[k]) == n && memcmp(kw[k], s, n) == 0)
                        return true;
        return false;
}

/* JS regex literal at lx->i ('/'). Returns false (nothing consumed) when the
 * line ends first: then it was a division after all. */
static bool lex_regex(struct lexer *lx)
{
        size_t k = lx->i + 1;
        bool in_class = false;

        for (; k < lx->len && lx->s[k] != '\n'; k++) {
                char c = lx->s[k];
                if (c == '\\') {
                        k++;
                        if (k >= lx->len || lx->s[k] == '\n')
                                return false;
                } else if (c == '[')
                        in_class = true;
                else if (c == ']')
                        in_class = false;
                else if (c == '/' && !in_class) {
                        blank(lx, lx->i, k + 1, '"');
                        lx->i = k + 1;
                        return true;
                }
        }
        return false;
}

/* One token of code at lx->i that is not whitespace and not a comment. */
static void lex_token(struct lexer *lx)
{
        const struct lex_rules *r = lx->r;
        char c = lx->s[lx->i];
        size_t start = lx->i, n = 0;
        bool regex;

        if (is_ident_byte((unsigned char)c) && !(c >= '0' && c <= '9')) {
                while (lx->i + n < lx->len && is_ident_byte((unsigned char)lx->s[lx->i + n]))
                        n++;
                if (lex_prefixed(lx, n))
                        return;
                lx->prev_keyword = keyword_before_regex(lx->s + lx->i, n);
                lx->i += n;
                lx->prev = 'a';
                return;
        }
        regex = r->regex_literals && regex_allowed(lx);
        lx->prev_keyword = false;
        if (c >= '0' && c <= '9') {
                /* pp-number: digit separators (1'000) and exponents stay in it */
                while (++lx->i < lx->len) {
                        char d = lx->s[lx->i];
                        if (is_ident_byte((unsigned char)d) || d == '.' ||
                            (d == '\'' && r->char_literals && !r->rust_lifetimes))
                                continue;
                        if ((d == '+' || d == '-') && strchr("eEpP", lx->s[lx->i - 1]))
                                continue;
                        break;
                }
                lx->prev = '0';
                return;
        }
        if (c == '"' && r->python_strings)
                lex_python_string(lx, start);
        else if (c == '"' && r->text_blocks && peek(lx, 1) == '"' && peek(lx, 2) == '"') {
                lx->i += 3;
                lex_until(lx, start, "\"\"\"", 3, '"');
        } else if (c == '"')
                lex_quoted(lx, start, '"', true, r->multiline_strings, '"');
        else if (c == '\'' && r->python_strings)
                lex_python_string(lx, start);
        else if (c == '\'' && r->squote_strings)
                lex_quoted(lx, start, '\'', true, false, '"');
        else if (c == '\'' && r->rust_lifetimes)
                lex_rust_quote(lx);
        else if (c == '\'' && r->char_literals)
                lex_quoted(lx, start, '\'', true, false, '\'');
        else if (c == '`' && r->backquote_raw) {
                lx->i++;
                lex_until(lx, start, "`", 1, '"');
        } else if (c == '`' && r->templates)
                lex_template(lx);
        else if (c == '/' && regex && lex_regex(lx))
                ;
        else
                lx->i++;
        lx->prev = c == '"' || c == '\'' || c == '`' ? '"' : c;
}

static bool lex_prefixed(struct lexer *lx, size_t idlen)
{
        const struct lex_rules *r = lx->r;
        const char *id = lx->s + lx->i;
        char next = peek(lx, idlen);
        size_t start = lx->i;

        if (r->cpp_raw && next == '"' && id[idlen - 1] == 'R' &&
            (idlen == 1 || (idlen == 2 && strchr("uUL", id[0])) ||
             (idlen == 3 && memcmp(id, "u8", 2) == 0))) {
                lx->i += idlen;
                if (lex_cpp_raw(lx, start))
                        return true;
                lx->i = start;
                return false;
        }
        if (r->rust_raw && (next == '"' || next == '#' || next == '\'') && idlen <= 2) {
                if ((idlen == 1 && id[0] == 'r') || (idlen == 2 && id[0] == 'b' && id[1] == 'r')) {
                        lx->i += idlen - 1;
                        if (lex_rust_raw(lx, start))
                                return true;
                        lx->i = start;
                        return false;
                }
                if (idlen == 1 && id[0] == 'b' && next != '#') {
                        lx->i += 1;
                        lex_quoted(lx, start, next, true, next == '"', next == '"' ? '"' : '\'');
                        return true;
                }
                return false;
        }
        if (r->python_strings && (next == '"' || next == '\'') && idlen <= 2 &&
            strspn(id, "rRbBuUfF") >= idlen) {
                lx->i += idlen;
                lex_python_string(lx, start);
                return true;
        }
        return false;
}

/* C#: @"..." (verbatim: "" is a quote, may span lines) and $"...", $@"...".
 * Called from lex_code for '@' and '$'. Returns true when consumed. */
static bool lex_csharp(struct lexer *lx)
{
        size_t start = lx->i, k = lx->i;
        bool verbatim = false;

        while (k < lx->len && k - start < 2 && (lx->s[k] == '@' || lx->s[k] == '$')) {
                verbatim |= lx->s[k] == '@';
                k++;
        }
        if (k == start || k >= lx->len || lx->s[k] != '"')
                return false;
        lx->i = k;
        if (!verbatim) {
                lex_quoted(lx, start, '"', true, false, '"');
                return true;
        }
        for (lx->i = k + 1;; lx->i++) {
                if (lx->i >= lx->len) {
                        lx->complete = false;
                        break;
                }
                if (lx->s[lx->i] == '"' && peek(lx, 1) == '"')
                        lx->i++;
                else if (lx->s[lx->i] == '"') {
                        lx->i++;
                        break;
                }
        }
        blank(lx, start, lx->i, '"');
        return true;
}

/* Python: lx->i on the opening quote, start at the prefix. */
static void lex_python_string(struct lexer *lx, size_t start)
{
        char q = lx->s[lx->i];
        char triple[3] = {q, q, q};

        if (peek(lx, 1) == q && peek(lx, 2) == q) {
                lx->i += 3;
                while (lx->i < lx->len && !(lx->i + 3 <= lx->len && memcmp(lx->s + lx->i, triple, 3) == 0))
                        lx->i += lx->s[lx->i] == '\\' ? 2 : 1;
                if (lx->i >= lx->len) {
                        lx->i = lx->len;
                        lx->complete = false;
                } else
                        lx->i += 3;
                blank(lx, start, lx->i, '"');
                return;
        }
        lex_quoted(lx, start, q, true, false, '"');
}

/* JS template literal at lx->i (the backquote); ${...} is code. */
static void lex_template(struct lexer *lx)
{
        size_t start = lx->i;

        lx->i++;
        for (;;) {
                if (lx->i >= lx->len) {
                        lx->complete = false;
                        break;
                }
                char c = lx->s[lx->i];
                if (c == '\\') {
                        lx->i += 2;
                        continue;
                }
                if (c == '`') {
                        lx->i++;
                        break;
                }
                if (c == '$' && peek(lx, 1) == '{' && lx->nesting < LEX_NESTING_MAX) {
                        lx->i += 2;
                        lx->nesting++;
                        lex_code(lx, true);
                        lx->nesting--;
                        continue;
                }
                lx->i++;
        }
        if (lx->i > lx->len)
                lx->i = lx->len;
        blank(lx, start, lx->i, '"');
}

/* The main loop. With stop_at_brace, returns after the '}' that closes the
 * ${ of a template. */
static void lex_code(struct lexer *lx, bool stop_at_brace)
{
        unsigned depth = 0;

        lx->prev = 0;
        while (lx->i < lx->len) {
                char c = lx->s[lx->i];

                if (is_space((unsigned char)c)) {
                        lx->i++;
                        continue;
                }
                if (lx->r->hash_comments && c == '#')
                        lex_line_comment(lx);
                else if (!lx->r->hash_comments && c == '/' && peek(lx, 1) == '/')
                        lex_line_comment(lx);
                else if (!lx->r->hash_comments && c == '/' && peek(lx, 1) == '*')
                        lex_block_comment(lx);
                else if (lx->r->csharp_verbatim && (c == '@' || c == '$') && lex_csharp(lx))
                        lx->prev = '"';
                else {
                        if (stop_at_brace && c == '{')
                                depth++;
                        if (stop_at_brace && c == '}' && depth-- == 0) {
                                lx->i++;
                                return;
                        }
                        lex_token(lx);
                }
        }
        if (stop_at_brace)
                lx->complete = false;
}

int cr_stdio_blank_source(enum cr_judge_lang lang, const char *code, size_t len, char **ret,
                          bool *ret_complete, struct cr_error **err)
{
        struct lexer lx = {};
        char *out;

        if (lang < 0 || lang >= _CR_JUDGE_LANG_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "unknown language");
        if (len > CR_JUDGE_CODE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code is too long (%zu bytes, at most %u)",
                                    len, CR_JUDGE_CODE_MAX);
        out = malloc(len + 1);
        if (!out)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "out of memory");
        if (len)
                memcpy(out, code, len);
        out[len] = 0;
        lx = (struct lexer){.s = code, .len = len, .out = out, .r = &lex_rules[lang], .complete = true};
        lex_code(&lx, false);
        *ret = out;
        if (ret_complete)
                *ret_complete = lx.complete;
        return 0;
}

/* ------------------------------------------------------------ entry points */

/* A cursor over blanked text. */
struct scan {
        const char *t;
        size_t len;
};

static size_t skip_space(const struct scan *sc, size_t i)
{
        while (i < sc->len && is_space((unsigned char)sc->t[i]))
                i++;
        return i;
}

static size_t skip_space_back(const struct scan *sc, size_t i)
{
        while (i > 0 && is_space((unsigned char)sc->t[i - 1]))
                i--;
        return i;
}

static bool word_at(const struct scan *sc, size_t i, const char *w)
{
        size_t n = strlen(w);

        if (i + n > sc->len || memcmp(sc->t + i, w, n) != 0)
                return false;
        if (i > 0 && is_ident_byte((unsigned char)sc->t[i - 1]))
                return false;
        return i + n == sc->len || !is_ident_byte((unsigned char)sc->t[i + n]);
}

/* The word ending at i (exclusive), after skipping whitespace back; sets
 * *ret_start. Empty (start == end) when the preceding byte is not a word. */
static size_t word_before(const struct scan *sc, size_t i, size_t *ret_start)
{
        size_t end = skip_space_back(sc, i), b = end;

        while (b > 0 && is_ident_byte((unsigned char)sc->t[b - 1]))
                b--;
        *ret_start = b;
        return end;
}

static bool word_eq(const struct scan *sc, size_t b, size_t e, const char *w)
{
        return e - b == strlen(w) && memcmp(sc->t + b, w, e - b) == 0;
}

/* C, C++: `main(` at file scope (directly inside extern "C" { } counts too),
 * outside preprocessor lines, not a member access. */
static bool entry_c(const struct scan *sc)
{
        bool line_start = true, outer_extern = false;
        unsigned depth = 0;

        for (size_t i = 0; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '\n' || (line_start && is_space((unsigned char)c))) {
                        line_start = line_start || c == '\n';
                        continue;
                }
                if (line_start && c == '#') {
                        while (i < sc->len && !(sc->t[i] == '\n' && sc->t[i - 1] != '\\'))
                                i++;
                        continue; /* still at a line start */
                }
                line_start = false;
                if (c == '{') {
                        size_t p = skip_space_back(sc, i), b, e;
                        bool ext = false;
                        if (p > 0 && sc->t[p - 1] == '"') { /* extern "C" {: the literal is a marker */
                                e = word_before(sc, p - 1, &b);
                                ext = word_eq(sc, b, e, "extern");
                        }
                        if (depth++ == 0)
                                outer_extern = ext;
                } else if (c == '}' && depth > 0)
                        depth--;
                else if ((depth == 0 || (depth == 1 && outer_extern)) && word_at(sc, i, "main")) {
                        size_t k = skip_space(sc, i + 4), p = skip_space_back(sc, i);
                        if (k < sc->len && sc->t[k] == '(' &&
                            !(p > 0 && (sc->t[p - 1] == '.' || sc->t[p - 1] == '>' || sc->t[p - 1] == ':')))
                                return true;
                }
        }
        return false;
}

/* Go `func main(` and Rust `fn main(` at depth 0. */
static bool entry_keyword_main(const struct scan *sc, const char *kw)
{
        unsigned depth = 0;

        for (size_t i = 0; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '{')
                        depth++;
                else if (c == '}' && depth > 0)
                        depth--;
                else if (depth == 0 && word_at(sc, i, kw)) {
                        size_t k = skip_space(sc, i + strlen(kw));
                        if (k > i + strlen(kw) && word_at(sc, k, "main")) {
                                k = skip_space(sc, k + 4);
                                if (k < sc->len && (sc->t[k] == '(' || sc->t[k] == '<'))
                                        return true;
                        }
                }
        }
        return false;
}

static bool is_modifier(const struct scan *sc, size_t b, size_t e)
{
        static const char *const mods[] = {"public",   "protected",    "private",  "internal", "static",
                                           "final",    "synchronized", "strictfp", "unsafe",   "async",
                                           "abstract", "native",       "extern",   "new"};

        for (size_t k = 0; k < sizeof(mods) / sizeof(mods[0]); k++)
                if (word_eq(sc, b, e, mods[k]))
                        return true;
        return false;
}

/* Java `static ... void main(`, C# `static ... {void,int,Task,Task<int>} Main(`. */
static bool entry_static_main(const struct scan *sc, const char *name, bool csharp)
{
        for (size_t i = 0; i < sc->len; i++) {
                size_t b, e, k;
                bool is_static = false;

                if (!word_at(sc, i, name))
                        continue;
                k = skip_space(sc, i + strlen(name));
                if (k >= sc->len || sc->t[k] != '(')
                        continue;
                e = word_before(sc, i, &b);
                if (csharp && b == e && e > 0 && sc->t[e - 1] == '>') {
                        /* Task<int> */
                        e = word_before(sc, e - 1, &b);
                        if (!word_eq(sc, b, e, "int") || b == 0)
                                continue;
                        e = skip_space_back(sc, b);
                        if (e == 0 || sc->t[e - 1] != '<')
                                continue;
                        e = word_before(sc, e - 1, &b);
                        if (!word_eq(sc, b, e, "Task"))
                                continue;
                } else if (!(word_eq(sc, b, e, "void") ||
                             (csharp && (word_eq(sc, b, e, "int") || word_eq(sc, b, e, "Task")))))
                        continue;
                for (;;) {
                        e = word_before(sc, b, &b);
                        if (b == e || !is_modifier(sc, b, e))
                                break;
                        is_static |= word_eq(sc, b, e, "static");
                }
                if (is_static)
                        return true;
        }
        return false;
}

/* ---- Python */

/* End of the logical line or ;-separated statement starting at i. */
static size_t py_statement_end(const struct scan *sc, size_t i, bool *ret_semicolon)
{
        unsigned depth = 0;

        *ret_semicolon = false;
        for (; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '(' || c == '[' || c == '{')
                        depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0)
                        depth--;
                else if (c == '\\' && i + 1 < sc->len && sc->t[i + 1] == '\n')
                        i++;
                else if (c == '\n' && depth == 0)
                        return i;
                else if (c == ';' && depth == 0) {
                        *ret_semicolon = true;
                        return i;
                }
        }
        return i;
}

/* Only string markers (and a trailing ';' or whitespace) between b and e. */
static bool only_strings(const struct scan *sc, size_t b, size_t e)
{
        bool any = false;

        for (size_t k = b; k < e; k++) {
                char c = sc->t[k];
                if (c == '"')
                        any = true;
                else if (!is_space((unsigned char)c) && c != ';' && c != '\\')
                        return false;
        }
        return any;
}

static bool py_is_definition(const struct scan *sc, size_t b, size_t e)
{
        static const char *const defs[] = {"def", "class", "import", "from"};

        if (sc->t[b] == '@' || only_strings(sc, b, e))
                return true;
        for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
                if (word_at(sc, b, defs[k]))
                        return true;
        return word_at(sc, b, "async") && word_at(sc, skip_space(sc, b + 5), "def");
}

static bool entry_python(const struct scan *sc)
{
        bool top = true, after_semicolon = false;
        size_t i = 0;

        while (i < sc->len) {
                size_t b = i, e;
                bool semicolon;

                while (b < sc->len && (sc->t[b] == ' ' || sc->t[b] == '\t' || sc->t[b] == '\f'))
                        b++;
                /* a statement after ';' is at the indentation of its line */
                if (!after_semicolon)
                        top = b == i;
                e = py_statement_end(sc, b, &semicolon);
                if (top && b < e && !is_space((unsigned char)sc->t[b]) && !py_is_definition(sc, b, e))
                        return true;
                after_semicolon = semicolon;
                i = e + 1;
        }
        return false;
}

/* ---- JavaScript, TypeScript */

/* End of the token starting at b: a word, or one punctuation byte. */
static size_t token_end(const struct scan *sc, size_t b)
{
        size_t e = b;

        while (e < sc->len && is_ident_byte((unsigned char)sc->t[e]))
                e++;
        return e > b ? e : b + 1;
}

/* A token that continues the previous line's expression instead of starting
 * a statement (no automatic semicolon before it). */
static bool js_continues(const struct scan *sc, size_t b, size_t e)
{
        static const char *const words[] = {"in",        "of",   "instanceof", "as",
                                            "satisfies", "else", "catch",      "finally"};

        if (e == b + 1 && strchr(".,)]}?:=+-*/%&|^<>([!`", sc->t[b]))
                return true;
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
                if (word_eq(sc, b, e, words[k]))
                        return true;
        return false;
}

static bool js_is_definition(const struct scan *sc, size_t b, size_t e, bool ts)
{
        static const char *const js_defs[] = {"function", "class",  "const", "let",
                                              "var",      "export", "module"};
        static const char *const ts_defs[] = {"interface", "enum",     "declare",
                                              "namespace", "abstract", "type"};
        size_t nb = skip_space(sc, e), ne = nb < sc->len ? token_end(sc, nb) : nb;
        char next = nb < sc->len ? sc->t[nb] : 0;

        for (size_t k = 0; k < sizeof(js_defs) / sizeof(js_defs[0]); k++)
                if (word_eq(sc, b, e, js_defs[k]))
                        return true;
        for (size_t k = 0; ts && k < sizeof(ts_defs) / sizeof(ts_defs[0]); k++)
                if (word_eq(sc, b, e, ts_defs[k]))
                        return !word_eq(sc, b, e, "type") || (next && is_ident_byte((unsigned char)next));
        if (word_eq(sc, b, e, "async"))
                return word_eq(sc, nb, ne, "function");
        if (word_eq(sc, b, e, "import"))
                return next != '(' && next != '.';
        if (word_eq(sc, b, e, "exports"))
                return next == '.' || next == '[';
        if (sc->t[b] == '@' || sc->t[b] == ';')
                return true;
        /* a directive prologue ("use strict";) is a lone string statement */
        return sc->t[b] == '"' && (next == 0 || next == ';' || memchr(sc->t + e, '\n', nb - e));
}

/* Whether a statement starting at b ends with its block: `function f() {}`,
 * `export class C {}`, but not `const f = function () {}` (an expression that
 * may go on, as in `const x = function () {}\n(1)`). */
static bool js_is_block_decl(const struct scan *sc, size_t b)
{
        static const char *const skip[] = {"export", "default", "async", "declare", "abstract"};
        static const char *const decl[] = {"function", "class", "interface", "enum", "namespace", "module"};

        for (unsigned n = 0; n < 8 && b < sc->len; n++) {
                size_t e = token_end(sc, b);
                bool skipped = false;
                for (size_t k = 0; k < sizeof(decl) / sizeof(decl[0]); k++)
                        if (word_eq(sc, b, e, decl[k]))
                                return true;
                for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
                        skipped |= word_eq(sc, b, e, skip[k]);
                if (!skipped)
                        return false;
                b = skip_space(sc, e);
        }
        return false;
}

static bool entry_js(const struct scan *sc, bool ts)
{
        bool start = true, prev_complete = false, block_decl = false;
        unsigned depth = 0;
        size_t i = 0;

        for (;;) {
                size_t b = skip_space(sc, i), e, nb;
                char c;

                if (b >= sc->len)
                        return false;
                e = token_end(sc, b);
                c = sc->t[b];
                if (depth == 0 && prev_complete && memchr(sc->t + i, '\n', b - i) && !js_continues(sc, b, e))
                        start = true;
                if (start && depth == 0) {
                        if (!js_is_definition(sc, b, e, ts))
                                return true;
                        block_decl = js_is_block_decl(sc, b);
                }
                if (c == '(' || c == '[' || c == '{')
                        depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0)
                        depth--;
                nb = skip_space(sc, e);
                start = depth == 0 && (c == ';' || (c == '}' && (block_decl || nb >= sc->len ||
                                                                 !js_continues(sc, nb, token_end(sc, nb)))));
                prev_complete =
                        is_ident_byte((unsigned char)c) || c == '"' || c == ')' || c == ']' || c == '}';
                i = e;
        }
}

static int entry_point(enum cr_judge_lang lang, const char *code, size_t len, bool *ret,
                       struct cr_error **err)
{
        _cleanup_free_ char *t = NULL;
        struct scan sc;
        bool r = false;
        int k;

        k = cr_stdio_blank_source(lang, code, len, &t, NULL, err);
        if (k < 0)
                return k;
        sc = (struct scan){.t = t, .len = len};
        switch (lang) {
        case CR_JUDGE_LANG_C:
        case CR_JUDGE_LANG_CPP:
                r = entry_c(&sc);
                break;
        case CR_JUDGE_LANG_GO:
                r = entry_keyword_main(&sc, "func");
                break;
        case CR_JUDGE_LANG_RUST:
                r = entry_keyword_main(&sc, "fn");
                break;
        case CR_JUDGE_LANG_JAVA:
                r = entry_static_main(&sc, "main", false);
                break;
        case CR_JUDGE_LANG_CSHARP:
                r = entry_static_main(&sc, "Main", true);
                break;
        case CR_JUDGE_LANG_PYTHON:
                r = entry_python(&sc);
                break;
        case CR_JUDGE_LANG_JAVASCRIPT:
        case CR_JUDGE_LANG_TYPESCRIPT:
                r = entry_js(&sc, lang == CR_JUDGE_LANG_TYPESCRIPT);
                break;
        default:
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "unknown language");
        }
        *ret = r;
        return 0;
}

bool cr_stdio_has_entry_point(const char *language_id, const char *code, size_t len)
{
        _cleanup_error_ struct cr_error *err = NULL;
        enum cr_judge_lang lang = cr_judge_lang_from_id(language_id);
        bool r = false;

        if (lang < 0 || (!code && len > 0))
                return false;
        if (entry_point(lang, code ? code : "", len, &r, &err) < 0)
                return false;
        return r;
}

int cr_judge_select_mode(const char *language_id, const char *code, size_t len, enum cr_judge_mode *ret,
                         struct cr_error **err)
{
        enum cr_judge_lang lang = cr_judge_lang_from_id(language_id);
        bool entry = false;
        int r;

        if (lang < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "unknown language '%s'", language_id);
        if (!code && len > 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no code");
        if (len > CR_JUDGE_CODE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code is too long (%zu bytes, at most %u)",
                                    len, CR_JUDGE_CODE_MAX);
        if (memchr(code ? code : "", 0, len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "code contains a NUL byte");
        r = entry_point(lang, code ? code : "", len, &entry, err);
        if (r < 0)
                return r;
        if (!entry && lang != CR_JUDGE_LANG_CPP)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "function mode (code without an entry point) is only supported for C++; "
                                    "%s code must be a complete program (%s)",
                                    lang_ids[lang],
                                    lang == CR_JUDGE_LANG_JAVA     ? "a class with static void main"
                                    : lang == CR_JUDGE_LANG_CSHARP ? "a class with static void Main"
                                    : lang == CR_JUDGE_LANG_PYTHON || lang == CR_JUDGE_LANG_JAVASCRIPT ||
                                                    lang == CR_JUDGE_LANG_TYPESCRIPT
                                            ? "top-level statements that run it"
                                            : "a main function");
        *ret = entry ? CR_JUDGE_MODE_STDIO : CR_JUDGE_MODE_FUNCTION;
        return 0;
}

/* ------------------------------------------------------------ output comparison */

static bool is_trailing_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of s once trailing whitespace and trailing blank lines are gone. */
static size_t significant_len(const char *s, size_t n)
{
        while (n > 0 && (is_trailing_space(s[n - 1]) || s[n - 1] == '\n'))
                n--;
        return n;
}

/* The next line of s[*pos..n) without its trailing whitespace. */
static size_t next_line(const char *s, size_t n, size_t *pos, const char **ret_line)
{
        const char *nl = memchr(s + *pos, '\n', n - *pos);
        size_t end = nl ? (size_t)(nl - s) : n, l;

        *ret_line = s + *pos;
        l = end - *pos;
        while (l > 0 && is_trailing_space((*ret_line)[l - 1]))
                l--;
        *pos = nl ? end + 1 : n;
        return l;
}

bool cr_stdio_output_matches(const char *actual, size_t alen, const char *expected, size_t elen)
{
        size_t ap = 0, ep = 0;

        alen = actual ? significant_len(actual, alen) : 0;
        elen = expected ? significant_len(expected, elen) : 0;
        while (ap < alen && ep < elen) {
                const char *a, *e;
                size_t al = next_line(actual, alen, &ap, &a), el = next_line(expected, elen, &ep, &e);

                if (al != el || memcmp(a, e, al) != 0)
                        return false;
        }
        return ap >= alen && ep >= elen;
}
