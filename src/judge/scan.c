/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <string.h>

/* Helpers for reading blanked code (judge/lex.c), and the entry-point
 * scanners more than one language shares. */

bool cr_scan_is_ident(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '$' || c >= 0x80;
}

bool cr_scan_is_space(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t cr_scan_skip_space(const struct cr_scan *sc, size_t i)
{
        while (i < sc->len && cr_scan_is_space((unsigned char)sc->t[i]))
                i++;
        return i;
}

size_t cr_scan_skip_space_back(const struct cr_scan *sc, size_t i)
{
        while (i > 0 && cr_scan_is_space((unsigned char)sc->t[i - 1]))
                i--;
        return i;
}

bool cr_scan_word_at(const struct cr_scan *sc, size_t i, const char *w)
{
        size_t n = strlen(w);

        if (i + n > sc->len || memcmp(sc->t + i, w, n) != 0)
                return false;
        if (i > 0 && cr_scan_is_ident((unsigned char)sc->t[i - 1]))
                return false;
        return i + n == sc->len || !cr_scan_is_ident((unsigned char)sc->t[i + n]);
}

/* The word ending at i (exclusive), after skipping whitespace back; sets
 * *ret_start. Empty (start == end) when the preceding byte is not a word. */
size_t cr_scan_word_before(const struct cr_scan *sc, size_t i, size_t *ret_start)
{
        size_t end = cr_scan_skip_space_back(sc, i), b = end;

        while (b > 0 && cr_scan_is_ident((unsigned char)sc->t[b - 1]))
                b--;
        *ret_start = b;
        return end;
}

bool cr_scan_word_eq(const struct cr_scan *sc, size_t b, size_t e, const char *w)
{
        return e - b == strlen(w) && memcmp(sc->t + b, w, e - b) == 0;
}

/* C, C++: `main(` at file scope (directly inside extern "C" { } counts too),
 * outside preprocessor lines, not a member access. */
bool cr_scan_c_main(const struct cr_scan *sc)
{
        bool line_start = true, outer_extern = false;
        unsigned depth = 0;

        for (size_t i = 0; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '\n' || (line_start && cr_scan_is_space((unsigned char)c))) {
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
                        size_t p = cr_scan_skip_space_back(sc, i), b, e;
                        bool ext = false;
                        if (p > 0 && sc->t[p - 1] == '"') { /* extern "C" {: the literal is a marker */
                                e = cr_scan_word_before(sc, p - 1, &b);
                                ext = cr_scan_word_eq(sc, b, e, "extern");
                        }
                        if (depth++ == 0)
                                outer_extern = ext;
                } else if (c == '}' && depth > 0)
                        depth--;
                else if ((depth == 0 || (depth == 1 && outer_extern)) && cr_scan_word_at(sc, i, "main")) {
                        size_t k = cr_scan_skip_space(sc, i + 4), p = cr_scan_skip_space_back(sc, i);
                        if (k < sc->len && sc->t[k] == '(' &&
                            !(p > 0 && (sc->t[p - 1] == '.' || sc->t[p - 1] == '>' || sc->t[p - 1] == ':')))
                                return true;
                }
        }
        return false;
}

/* Go `func main(` and Rust `fn main(` at depth 0. */
bool cr_scan_keyword_main(const struct cr_scan *sc, const char *kw)
{
        unsigned depth = 0;

        for (size_t i = 0; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '{')
                        depth++;
                else if (c == '}' && depth > 0)
                        depth--;
                else if (depth == 0 && cr_scan_word_at(sc, i, kw)) {
                        size_t k = cr_scan_skip_space(sc, i + strlen(kw));
                        if (k > i + strlen(kw) && cr_scan_word_at(sc, k, "main")) {
                                k = cr_scan_skip_space(sc, k + 4);
                                if (k < sc->len && (sc->t[k] == '(' || sc->t[k] == '<'))
                                        return true;
                        }
                }
        }
        return false;
}

static bool is_modifier(const struct cr_scan *sc, size_t b, size_t e)
{
        static const char *const mods[] = {"public",   "protected",    "private",  "internal", "static",
                                           "final",    "synchronized", "strictfp", "unsafe",   "async",
                                           "abstract", "native",       "extern",   "new"};

        for (size_t k = 0; k < sizeof(mods) / sizeof(mods[0]); k++)
                if (cr_scan_word_eq(sc, b, e, mods[k]))
                        return true;
        return false;
}

/* Java `static ... void main(`, C# `static ... {void,int,Task,Task<int>} Main(`. */
bool cr_scan_static_main(const struct cr_scan *sc, const char *name, bool csharp)
{
        for (size_t i = 0; i < sc->len; i++) {
                size_t b, e, k;
                bool is_static = false;

                if (!cr_scan_word_at(sc, i, name))
                        continue;
                k = cr_scan_skip_space(sc, i + strlen(name));
                if (k >= sc->len || sc->t[k] != '(')
                        continue;
                e = cr_scan_word_before(sc, i, &b);
                if (csharp && b == e && e > 0 && sc->t[e - 1] == '>') {
                        /* Task<int> */
                        e = cr_scan_word_before(sc, e - 1, &b);
                        if (!cr_scan_word_eq(sc, b, e, "int") || b == 0)
                                continue;
                        e = cr_scan_skip_space_back(sc, b);
                        if (e == 0 || sc->t[e - 1] != '<')
                                continue;
                        e = cr_scan_word_before(sc, e - 1, &b);
                        if (!cr_scan_word_eq(sc, b, e, "Task"))
                                continue;
                } else if (!(cr_scan_word_eq(sc, b, e, "void") ||
                             (csharp && (cr_scan_word_eq(sc, b, e, "int") || cr_scan_word_eq(sc, b, e, "Task")))))
                        continue;
                for (;;) {
                        e = cr_scan_word_before(sc, b, &b);
                        if (b == e || !is_modifier(sc, b, e))
                                break;
                        is_static |= cr_scan_word_eq(sc, b, e, "static");
                }
                if (is_static)
                        return true;
        }
        return false;
}

/* ---- JavaScript, TypeScript */

/* End of the token starting at b: a word, or one punctuation byte. */
static size_t token_end(const struct cr_scan *sc, size_t b)
{
        size_t e = b;

        while (e < sc->len && cr_scan_is_ident((unsigned char)sc->t[e]))
                e++;
        return e > b ? e : b + 1;
}

/* A token that continues the previous line's expression instead of starting
 * a statement (no automatic semicolon before it). */
static bool js_continues(const struct cr_scan *sc, size_t b, size_t e)
{
        static const char *const words[] = {"in",        "of",   "instanceof", "as",
                                            "satisfies", "else", "catch",      "finally"};

        if (e == b + 1 && strchr(".,)]}?:=+-*/%&|^<>([!`", sc->t[b]))
                return true;
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
                if (cr_scan_word_eq(sc, b, e, words[k]))
                        return true;
        return false;
}

static bool js_is_definition(const struct cr_scan *sc, size_t b, size_t e, bool ts)
{
        static const char *const js_defs[] = {"function", "class",  "const", "let",
                                              "var",      "export", "module"};
        static const char *const ts_defs[] = {"interface", "enum",     "declare",
                                              "namespace", "abstract", "type"};
        size_t nb = cr_scan_skip_space(sc, e), ne = nb < sc->len ? token_end(sc, nb) : nb;
        char next = nb < sc->len ? sc->t[nb] : 0;

        for (size_t k = 0; k < sizeof(js_defs) / sizeof(js_defs[0]); k++)
                if (cr_scan_word_eq(sc, b, e, js_defs[k]))
                        return true;
        for (size_t k = 0; ts && k < sizeof(ts_defs) / sizeof(ts_defs[0]); k++)
                if (cr_scan_word_eq(sc, b, e, ts_defs[k]))
                        return !cr_scan_word_eq(sc, b, e, "type") || (next && cr_scan_is_ident((unsigned char)next));
        if (cr_scan_word_eq(sc, b, e, "async"))
                return cr_scan_word_eq(sc, nb, ne, "function");
        if (cr_scan_word_eq(sc, b, e, "import"))
                return next != '(' && next != '.';
        if (cr_scan_word_eq(sc, b, e, "exports"))
                return next == '.' || next == '[';
        if (sc->t[b] == '@' || sc->t[b] == ';')
                return true;
        /* a directive prologue ("use strict";) is a lone string statement */
        return sc->t[b] == '"' && (next == 0 || next == ';' || memchr(sc->t + e, '\n', nb - e));
}

/* Whether a statement starting at b ends with its block: `function f() {}`,
 * `export class C {}`, but not `const f = function () {}` (an expression that
 * may go on, as in `const x = function () {}\n(1)`). */
static bool js_is_block_decl(const struct cr_scan *sc, size_t b)
{
        static const char *const skip[] = {"export", "default", "async", "declare", "abstract"};
        static const char *const decl[] = {"function", "class", "interface", "enum", "namespace", "module"};

        for (unsigned n = 0; n < 8 && b < sc->len; n++) {
                size_t e = token_end(sc, b);
                bool skipped = false;
                for (size_t k = 0; k < sizeof(decl) / sizeof(decl[0]); k++)
                        if (cr_scan_word_eq(sc, b, e, decl[k]))
                                return true;
                for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
                        skipped |= cr_scan_word_eq(sc, b, e, skip[k]);
                if (!skipped)
                        return false;
                b = cr_scan_skip_space(sc, e);
        }
        return false;
}

bool cr_scan_js_entry(const struct cr_scan *sc, bool ts)
{
        bool start = true, prev_complete = false, block_decl = false;
        unsigned depth = 0;
        size_t i = 0;

        for (;;) {
                size_t b = cr_scan_skip_space(sc, i), e, nb;
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
                nb = cr_scan_skip_space(sc, e);
                start = depth == 0 && (c == ';' || (c == '}' && (block_decl || nb >= sc->len ||
                                                                 !js_continues(sc, nb, token_end(sc, nb)))));
                prev_complete =
                        cr_scan_is_ident((unsigned char)c) || c == '"' || c == ')' || c == ']' || c == '}';
                i = e;
        }
}
