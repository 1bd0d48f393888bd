/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* The source blanker every language's detection looks through: comments
 * become spaces, literals one marker byte plus spaces. The rules per
 * language are in its table entry (lang-*.c). */

/* Template literals nest through ${...}; deeper input is left unblanked and
 * marked incomplete rather than recursing without bound. */
#define LEX_NESTING_MAX 32

struct lexer {
        const char *s;
        size_t len;
        char *out;
        size_t i;
        const struct cr_lex_rules *r;
        bool complete;
        char prev;         /* last significant code byte, for JS regex detection */
        bool prev_keyword; /* the last token was a keyword after which / starts a regex */
        unsigned nesting;
};

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
        const struct cr_lex_rules *r = lx->r;
        char c = lx->s[lx->i];
        size_t start = lx->i, n = 0;
        bool regex;

        if (cr_scan_is_ident((unsigned char)c) && !(c >= '0' && c <= '9')) {
                while (lx->i + n < lx->len && cr_scan_is_ident((unsigned char)lx->s[lx->i + n]))
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
                        if (cr_scan_is_ident((unsigned char)d) || d == '.' ||
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
        const struct cr_lex_rules *r = lx->r;
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

                if (cr_scan_is_space((unsigned char)c)) {
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


int cr_lex_blank(const struct cr_lex_rules *rules, const char *code, size_t len, char **ret, bool *ret_complete,
                 struct cr_error **err)
{
        struct lexer lx = {};
        char *out;

        if (len > CR_JUDGE_CODE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code is too long (%zu bytes, at most %u)",
                                    len, CR_JUDGE_CODE_MAX);
        out = malloc(len + 1);
        if (!out)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "out of memory");
        if (len)
                memcpy(out, code, len);
        out[len] = 0;
        lx = (struct lexer){.s = code, .len = len, .out = out, .r = rules, .complete = true};
        lex_code(&lx, false);
        *ret = out;
        if (ret_complete)
                *ret_complete = lx.complete;
        return 0;
}
