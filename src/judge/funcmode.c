/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/funcmode.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* ================================================================ detection
 *
 * A hand-written matcher for the original's RE2 expression (§6.2):
 *
 *   (?m)^\s*((?:const\s+)?(?:unsigned\s+)?(?:int|void|...|vector<[^>]+>|std::string|
 *   std::vector<[^>]+>)(?:\s*\*|\s*&)?)\s+(\w+)\s*\([^)]*\)\s*\{
 *
 * Every quantifier in it is followed by something it cannot consume, so a
 * direct scan with the same alternative order gives RE2's leftmost-first
 * answer without a regex engine (and in linear time per line). \s is RE2's
 * [\t\n\f\r ], \w is [0-9A-Za-z_]. It runs on blanked code, where comments and
 * literals are spaces, so a commented-out function is never found. */

static bool re_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool re_word(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t re_skip_space(const char *t, size_t len, size_t i)
{
        while (i < len && re_space(t[i]))
                i++;
        return i;
}

static const char *const re_types[] = {
        "int",      "void",     "double",   "float",   "char",        "string",       "bool",    "auto",
        "long",     "short",    "size_t",   "int8_t",  "int16_t",     "int32_t",      "int64_t", "uint8_t",
        "uint16_t", "uint32_t", "uint64_t", "vector<", "std::string", "std::vector<",
};

struct match {
        size_t start; /* first byte of the return type */
        size_t type_end;
        size_t name, name_end;
        size_t params, params_end;
        size_t brace;    /* the '{' */
        size_t body_end; /* after the matching '}' (or the end) */
        unsigned depth;  /* braces open at start */
};

/* \s+(\w+)\s*\([^)]*\)\s*\{ at i. */
static bool re_match_tail(const char *t, size_t len, size_t i, struct match *m)
{
        const char *close;
        size_t k;

        if (i >= len || !re_space(t[i]))
                return false;
        k = re_skip_space(t, len, i);
        m->name = k;
        while (k < len && re_word(t[k]))
                k++;
        if (k == m->name)
                return false;
        m->name_end = k;
        k = re_skip_space(t, len, k);
        if (k >= len || t[k] != '(')
                return false;
        close = memchr(t + k + 1, ')', len - k - 1);
        if (!close)
                return false;
        m->params = k + 1;
        m->params_end = (size_t)(close - t);
        k = re_skip_space(t, len, m->params_end + 1);
        if (k >= len || t[k] != '{')
                return false;
        m->brace = k;
        return true;
}

/* The type alternative `alt` at i; returns its end or 0. */
static size_t re_match_type(const char *t, size_t len, size_t i, const char *alt)
{
        size_t n = strlen(alt);
        const char *gt;

        if (len - i < n || memcmp(t + i, alt, n) != 0)
                return 0;
        if (alt[n - 1] != '<')
                return i + n;
        /* <[^>]+> */
        gt = memchr(t + i + n, '>', len - i - n);
        if (!gt || (size_t)(gt - t) == i + n)
                return 0;
        return (size_t)(gt - t) + 1;
}

/* ((?:const\s+)?(?:unsigned\s+)?TYPE(?:\s*\*|\s*&)?) then the tail, at q. */
static bool re_match_at(const char *t, size_t len, size_t q, struct match *m)
{
        static const char *const prefixes[] = {"const", "unsigned"};
        size_t i = q;

        for (size_t p = 0; p < 2; p++) {
                size_t n = strlen(prefixes[p]);
                if (len - i > n && memcmp(t + i, prefixes[p], n) == 0 && re_space(t[i + n]))
                        i = re_skip_space(t, len, i + n);
        }
        for (size_t a = 0; a < sizeof(re_types) / sizeof(re_types[0]); a++) {
                size_t e = re_match_type(t, len, i, re_types[a]);
                if (e == 0)
                        continue;
                for (int v = 0; v < 3; v++) { /* \s*\*, \s*&, nothing: RE2's order */
                        size_t k = e;
                        if (v < 2) {
                                k = re_skip_space(t, len, e);
                                if (k >= len || t[k] != (v == 0 ? '*' : '&'))
                                        continue;
                                k++;
                        }
                        if (re_match_tail(t, len, k, m)) {
                                m->start = q;
                                m->type_end = k;
                                return true;
                        }
                }
        }
        return false;
}

/* End of the block whose '{' is at i: after its matching '}', or len. */
static size_t block_end(const char *t, size_t len, size_t i)
{
        unsigned depth = 0;

        for (; i < len; i++) {
                if (t[i] == '{')
                        depth++;
                else if (t[i] == '}' && --depth == 0)
                        return i + 1;
        }
        return len;
}

/* Whether `name(` occurs outside [skip_b, skip_e): something calls it. */
static bool is_called_elsewhere(const char *t, size_t len, const char *name, size_t n, size_t skip_b,
                                size_t skip_e)
{
        for (const char *p = t; (p = memmem(p, len - (size_t)(p - t), name, n)); p++) {
                size_t i = (size_t)(p - t), k;
                if (i >= skip_b && i < skip_e)
                        continue;
                if ((i > 0 && re_word(t[i - 1])) || (i + n < len && re_word(t[i + n])))
                        continue;
                k = re_skip_space(t, len, i + n);
                if (k < len && t[k] == '(')
                        return true;
        }
        return false;
}

/* At most this many definitions are weighed against each other. */
#define DETECT_CANDIDATES_MAX 64

static size_t find_candidates(const char *t, size_t len, struct match *out, size_t max)
{
        size_t n = 0, last_q = SIZE_MAX, depth_pos = 0;
        unsigned depth = 0;

        for (size_t ls = 0; ls < len && n < max; ls++) {
                size_t q;
                if (ls > 0 && t[ls - 1] != '\n')
                        continue;
                q = re_skip_space(t, len, ls);
                if (q == last_q || q >= len)
                        continue;
                last_q = q;
                if (!re_match_at(t, len, q, &out[n]))
                        continue;
                for (; depth_pos < q; depth_pos++)
                        if (t[depth_pos] == '{')
                                depth++;
                        else if (t[depth_pos] == '}' && depth > 0)
                                depth--;
                out[n].depth = depth;
                out[n].body_end = block_end(t, len, out[n].brace);
                n++;
        }
        return n;
}

/* Scope-0 definitions first, then nested ones; in that order the first one
 * nothing else calls, else the very first. */
static const struct match *choose_candidate(const char *t, size_t len, const struct match *c, size_t n)
{
        const struct match *first = NULL;

        for (int nested = 0; nested < 2; nested++)
                for (size_t k = 0; k < n; k++) {
                        if ((c[k].depth > 0) != nested)
                                continue;
                        if (!first)
                                first = &c[k];
                        if (!is_called_elsewhere(t, len, t + c[k].name, c[k].name_end - c[k].name,
                                                 c[k].start, c[k].body_end))
                                return &c[k];
                }
        return first;
}

/* ================================================================ types */

/* Copies s[0..n) with whitespace runs folded to one space, trimmed. */
static char *normalize_space(const char *s, size_t n)
{
        char *r = xmalloc(n + 1), *o = r;
        bool space = false;

        for (size_t i = 0; i < n; i++) {
                if (re_space(s[i]) || s[i] == '\v') {
                        space = o > r;
                        continue;
                }
                if (space)
                        *o++ = ' ';
                space = false;
                *o++ = s[i];
        }
        *o = 0;
        return r;
}

static bool has_word(const char *s, const char *w)
{
        size_t n = strlen(w);

        for (const char *p = s; (p = strstr(p, w)); p++)
                if ((p == s || !re_word(p[-1])) && !re_word(p[n]))
                        return true;
        return false;
}

/* Removes every `const` word and the characters in `drop` (e.g. "&*"). */
static char *strip_type(const char *type, const char *drop)
{
        _cleanup_free_ char *tmp = xstrdup(type);
        char *o = tmp;

        for (const char *p = type; *p;) {
                if ((p == type || !re_word(p[-1])) && strncmp(p, "const", 5) == 0 && !re_word(p[5])) {
                        p += 5;
                        continue;
                }
                if (strchr(drop, *p)) {
                        p++;
                        *o++ = ' ';
                        continue;
                }
                *o++ = *p++;
        }
        *o = 0;
        return normalize_space(tmp, strlen(tmp));
}

/* Classifies a type without const, & and * (pointers are counted apart). */
static enum cr_funcmode_kind classify_base(const char *base)
{
        static const char *const ints[] = {"size_t",       "ssize_t",      "int8_t",       "int16_t",
                                           "int32_t",      "int64_t",      "uint8_t",      "uint16_t",
                                           "uint32_t",     "uint64_t",     "intmax_t",     "uintmax_t",
                                           "ptrdiff_t",    "std::size_t",  "std::int64_t", "std::uint64_t",
                                           "std::int32_t", "std::uint32_t"};
        const char *b = strncmp(base, "std::", 5) == 0 ? base + 5 : base;

        if (strcmp(b, "void") == 0)
                return CR_FUNCMODE_KIND_VOID;
        if (strcmp(b, "bool") == 0)
                return CR_FUNCMODE_KIND_BOOL;
        if (strcmp(b, "char") == 0 || strcmp(b, "signed char") == 0 || strcmp(b, "unsigned char") == 0)
                return CR_FUNCMODE_KIND_CHAR;
        if (strcmp(b, "double") == 0 || strcmp(b, "float") == 0 || strcmp(b, "long double") == 0)
                return CR_FUNCMODE_KIND_FLOAT;
        if (strcmp(b, "string") == 0)
                return CR_FUNCMODE_KIND_STRING;
        if (strncmp(b, "vector<", 7) == 0 && b[strlen(b) - 1] == '>')
                return CR_FUNCMODE_KIND_VECTOR;
        for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
                if (strcmp(base, ints[k]) == 0)
                        return CR_FUNCMODE_KIND_INT;
        /* any combination of int, long, short, signed, unsigned */
        if (!b[0])
                return CR_FUNCMODE_KIND_OTHER;
        for (const char *p = b; *p;) {
                size_t n = strcspn(p, " ");
                if (!((n == 3 && memcmp(p, "int", 3) == 0) || (n == 4 && memcmp(p, "long", 4) == 0) ||
                      (n == 5 && memcmp(p, "short", 5) == 0) || (n == 6 && memcmp(p, "signed", 6) == 0) ||
                      (n == 8 && memcmp(p, "unsigned", 8) == 0)))
                        return CR_FUNCMODE_KIND_OTHER;
                p += n + (p[n] == ' ');
        }
        return CR_FUNCMODE_KIND_INT;
}

/* The T of vector<T>, as written; NULL if base is not a vector. */
static char *vector_elem(const char *base)
{
        const char *lt = strchr(base, '<'), *gt = strrchr(base, '>');

        if (classify_base(base) != CR_FUNCMODE_KIND_VECTOR || !lt || !gt || gt <= lt + 1)
                return NULL;
        return normalize_space(lt + 1, (size_t)(gt - lt - 1));
}

static enum cr_funcmode_kind classify_type(const char *type, unsigned *ret_pointers)
{
        _cleanup_free_ char *base = strip_type(type, "&*");
        unsigned stars = 0;

        for (const char *p = type; *p; p++)
                stars += *p == '*';
        *ret_pointers = stars;
        return classify_base(base);
}

static bool is_type_word(const char *w, size_t n)
{
        static const char *const words[] = {"int",  "long",   "short",    "char", "double", "float", "bool",
                                            "void", "signed", "unsigned", "auto", "const",  "string"};

        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
                if (strlen(words[k]) == n && memcmp(words[k], w, n) == 0)
                        return true;
        return false;
}

/* The shape of one parameter declaration (default value, name and array
 * suffix removed), as described in funcmode.h. */
static void param_shape(struct cr_funcmode_param *p, const char *type, unsigned arrays)
{
        unsigned stars;
        enum cr_funcmode_kind kind = classify_type(type, &stars);
        bool is_const = has_word(type, "const"), ref = strchr(type, '&') != NULL;
        unsigned indirection = stars + arrays;
        _cleanup_free_ char *base = strip_type(type, "&*");

        p->kind = kind;
        if (kind == CR_FUNCMODE_KIND_CHAR && indirection == 1) {
                p->kind = CR_FUNCMODE_KIND_CHAR_PTR;
                p->needs_mutable_chars = !is_const;
                p->value_type = xstrdup(is_const ? "const char*" : "char*");
        } else if (kind == CR_FUNCMODE_KIND_CHAR && indirection == 2) {
                p->kind = CR_FUNCMODE_KIND_CHAR_PTR;
                p->is_array = true;
                p->needs_mutable_chars = !is_const;
                p->value_type = xstrdup(is_const ? "const char*" : "char*");
        } else if (kind == CR_FUNCMODE_KIND_VECTOR && indirection == 0) {
                _cleanup_free_ char *elem = vector_elem(base);
                unsigned es;
                p->is_vector = true;
                p->needs_lvalue = ref && !is_const;
                p->kind = elem ? classify_type(elem, &es) : CR_FUNCMODE_KIND_OTHER;
                if (p->kind == CR_FUNCMODE_KIND_CHAR && es == 1)
                        p->kind = CR_FUNCMODE_KIND_CHAR_PTR;
                p->value_type = TAKE_PTR(base);
        } else if (indirection == 1) {
                p->is_array = true;
                p->value_type = TAKE_PTR(base);
        } else if (indirection == 0) {
                p->needs_lvalue = ref && !is_const && !strstr(type, "&&");
                p->value_type = TAKE_PTR(base);
        } else {
                p->kind = CR_FUNCMODE_KIND_OTHER;
                p->value_type = TAKE_PTR(base);
        }
}

/* Index of the '=' or ',' at bracket depth 0 in s[0..n), or n. */
static size_t top_level(const char *s, size_t n, const char *stops)
{
        int depth = 0;

        for (size_t i = 0; i < n; i++) {
                if (strchr("<([{", s[i]))
                        depth++;
                else if (strchr(">)]}", s[i]) && depth > 0)
                        depth--;
                else if (depth == 0 && strchr(stops, s[i]))
                        return i;
        }
        return n;
}

static void parse_param(struct cr_funcmode_param *p, const char *s, size_t n)
{
        _cleanup_free_ char *decl = normalize_space(s, top_level(s, n, "="));
        size_t e = strlen(decl), ne;
        unsigned arrays = 0;

        p->decl = xstrdup(decl);
        while (e > 0 && decl[e - 1] == ']') { /* x[], x[N] */
                char *lb = memrchr(decl, '[', e);
                if (!lb)
                        break;
                e = (size_t)(lb - decl);
                while (e > 0 && decl[e - 1] == ' ')
                        e--;
                arrays++;
        }
        ne = e;
        while (ne > 0 && re_word(decl[ne - 1]))
                ne--;
        if (ne < e && ne > 0 && !is_type_word(decl + ne, e - ne) && decl[ne - 1] != ':') {
                p->name = xstrndup(decl + ne, e - ne);
                e = ne;
        } else
                p->name = xstrdup("");
        decl[e] = 0;
        param_shape(p, decl, arrays);
}

static void parse_params(struct cr_funcmode_sig *sig)
{
        const char *s = sig->params_text;
        size_t n = strlen(s), cap = 0;

        if (n == 0 || strcmp(s, "void") == 0)
                return;
        for (size_t i = 0; i <= n && sig->n_params < CR_FUNCMODE_PARAMS_MAX;) {
                size_t k = i + top_level(s + i, n - i, ",");
                if (sig->n_params == cap) {
                        cap = cap ? cap * 2 : 4;
                        sig->params = xrealloc(sig->params, cap * sizeof(*sig->params));
                }
                sig->params[sig->n_params] = (struct cr_funcmode_param){};
                parse_param(&sig->params[sig->n_params++], s + i, k - i);
                i = k + 1;
        }
}

void cr_funcmode_sig_done(struct cr_funcmode_sig *sig)
{
        if (!sig)
                return;
        for (size_t k = 0; k < sig->n_params; k++) {
                free(sig->params[k].decl);
                free(sig->params[k].name);
                free(sig->params[k].value_type);
        }
        free(sig->params);
        free(sig->name);
        free(sig->return_type);
        free(sig->return_value_type);
        free(sig->params_text);
        *sig = (struct cr_funcmode_sig){};
}

static unsigned line_of(const char *t, size_t off)
{
        unsigned line = 1;

        for (size_t i = 0; i < off; i++)
                line += t[i] == '\n';
        return line;
}

int cr_funcmode_detect(const char *code, size_t len, struct cr_funcmode_sig *ret, struct cr_error **err)
{
        _cleanup_free_ char *t = NULL;
        _cleanup_free_ struct match *cand = NULL;
        struct cr_funcmode_sig sig = {};
        const struct match *m;
        unsigned stars;
        size_t n;
        int r;

        if (!ret || (!code && len > 0))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no code");
        if (len > CR_JUDGE_CODE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code is too long (%zu bytes, at most %u)",
                                    len, CR_JUDGE_CODE_MAX);
        if (memchr(code ? code : "", 0, len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "code contains a NUL byte");
        r = cr_stdio_blank_source(CR_JUDGE_LANG_CPP, code ? code : "", len, &t, NULL, err);
        if (r < 0)
                return r;
        cand = xmalloc(DETECT_CANDIDATES_MAX * sizeof(*cand));
        n = find_candidates(t, len, cand, DETECT_CANDIDATES_MAX);
        m = choose_candidate(t, len, cand, n);
        if (!m) {
                cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no valid function found in code");
                return cr_error_wrap(err, "error extracting function name");
        }
        sig.name = xstrndup(t + m->name, m->name_end - m->name);
        sig.return_type = normalize_space(t + m->start, m->type_end - m->start);
        sig.return_kind = classify_type(sig.return_type, &stars);
        sig.returns_char_ptr = strstr(sig.return_type, "char") && strchr(sig.return_type, '*');
        if (sig.return_kind == CR_FUNCMODE_KIND_CHAR && stars == 1)
                sig.return_kind = CR_FUNCMODE_KIND_CHAR_PTR;
        else if (stars > 0)
                sig.return_kind = CR_FUNCMODE_KIND_OTHER;
        sig.return_value_type = strip_type(sig.return_type, "&");
        sig.params_text = normalize_space(t + m->params, m->params_end - m->params);
        sig.line = line_of(t, m->start);
        parse_params(&sig);
        *ret = sig;
        return 0;
}

/* ================================================================ literals
 *
 * A test input is data. Each value becomes exactly one C++ literal: a number
 * only if it matches the number grammar below, true/false, or an escaped
 * string or char literal. Nothing from the input reaches the source any other
 * way, so no input can inject code. */

enum tok_kind {
        TOK_INT,
        TOK_FLOAT,
        TOK_BOOL,
        TOK_CHAR,
        TOK_STRING,
};

struct token {
        enum tok_kind kind;
        const char *raw; /* not owned: the trimmed text */
        size_t raw_len;
        char *val; /* owned: decoded text of quoted strings and chars, else NULL */
        size_t val_len;
};

static void token_done(struct token *t)
{
        free(t->val);
        t->val = NULL;
}

/* The text a string-typed target receives: decoded when it was quoted. */
static const char *token_text(const struct token *t, size_t *ret_len)
{
        *ret_len = t->val ? t->val_len : t->raw_len;
        return t->val ? t->val : t->raw;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static size_t digits(const char *s, size_t n, size_t i)
{
        while (i < n && is_digit(s[i]))
                i++;
        return i;
}

/* [+-]?[0-9]+ */
static bool is_int_literal(const char *s, size_t n)
{
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-');

        return i < n && digits(s, n, i) == n;
}

/* [+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)? with a '.' or an exponent. */
static bool is_float_literal(const char *s, size_t n)
{
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-'), k;
        bool point = false;

        k = digits(s, n, i);
        if (k < n && s[k] == '.') {
                size_t f = digits(s, n, k + 1);
                if (k == i && f == k + 1)
                        return false; /* "." alone */
                point = true;
                k = f;
        } else if (k == i)
                return false;
        if (k < n && (s[k] == 'e' || s[k] == 'E')) {
                size_t x = k + 1 + (k + 1 < n && (s[k + 1] == '+' || s[k + 1] == '-'));
                size_t d = digits(s, n, x);
                if (d == x)
                        return false;
                return d == n;
        }
        return point && k == n;
}

static int hex_value(char c)
{
        if (is_digit(c))
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes the inside of a quoted token written with C escapes. Fails when an
 * unescaped quote appears inside ("a" + "b" is not one literal). */
static int decode_quoted(const char *s, size_t n, char quote, char **ret, size_t *ret_len)
{
        static const char from[] = "ntr0abfv\\\"'?", to[] = "\n\t\r\0\a\b\f\v\\\"'?";
        _cleanup_free_ char *o = xmalloc(n + 1);
        size_t len = 0;

        for (size_t i = 0; i < n; i++) {
                const char *e;
                if (s[i] == quote)
                        return -EINVAL;
                if (s[i] != '\\' || i + 1 >= n) {
                        o[len++] = s[i];
                        continue;
                }
                i++;
                if (s[i] == 'x' && i + 1 < n && hex_value(s[i + 1]) >= 0) {
                        int v = hex_value(s[++i]);
                        if (i + 1 < n && hex_value(s[i + 1]) >= 0)
                                v = v * 16 + hex_value(s[++i]);
                        o[len++] = (char)v;
                } else if ((e = memchr(from, s[i], sizeof(from) - 1)))
                        o[len++] = to[e - from];
                else {
                        o[len++] = '\\';
                        o[len++] = s[i];
                }
        }
        o[len] = 0;
        *ret = TAKE_PTR(o);
        *ret_len = len;
        return 0;
}

/* The original's four rules (§6.3) with strict number syntax. */
static void classify_token(const char *s, size_t n, struct token *ret)
{
        *ret = (struct token){.kind = TOK_STRING, .raw = s, .raw_len = n};
        if (is_int_literal(s, n))
                ret->kind = TOK_INT;
        else if (is_float_literal(s, n))
                ret->kind = TOK_FLOAT;
        else if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0))
                ret->kind = TOK_BOOL;
        else if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0] &&
                 decode_quoted(s + 1, n - 2, s[0], &ret->val, &ret->val_len) >= 0)
                ret->kind = s[0] == '\'' && ret->val_len == 1 ? TOK_CHAR : TOK_STRING;
}

/* One byte of a string or char literal; octal escapes are always three
 * digits, so a following digit never joins them; '?' is escaped so no
 * trigraph can form. */
static int emit_char(struct cr_buf *b, unsigned char c, char quote)
{
        if (c == '\\' || c == (unsigned char)quote || c == '?')
                return cr_buf_printf(b, "\\%c", c);
        if (c == '\n')
                return cr_buf_append(b, "\\n", 2);
        if (c == '\t')
                return cr_buf_append(b, "\\t", 2);
        if (c < 0x20 || c >= 0x7f)
                return cr_buf_printf(b, "\\%03o", c);
        return cr_buf_append(b, &c, 1);
}

static int emit_quoted(struct cr_buf *b, const char *s, size_t n, char quote)
{
        int r = cr_buf_append(b, &quote, 1);

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = emit_char(b, (unsigned char)s[i], quote);
        return r < 0 ? r : cr_buf_append(b, &quote, 1);
}

/* Integers: no leading zeros (010 would be octal in C++), and values past
 * long long get a type that holds them. */
static int emit_int(struct cr_buf *b, const char *s, size_t n)
{
        bool neg = s[0] == '-';
        size_t i = s[0] == '-' || s[0] == '+', len;

        while (i + 1 < n && s[i] == '0')
                i++;
        len = n - i;
        if (len == 1 && s[i] == '0')
                neg = false;
        if (len < 19 || (len == 19 && memcmp(s + i, "9223372036854775807", 19) <= 0))
                return cr_buf_printf(b, "%s%.*s", neg ? "-" : "", (int)len, s + i);
        if (neg && len == 19 && memcmp(s + i, "9223372036854775808", 19) == 0)
                return cr_buf_append(b, "(-9223372036854775807LL - 1)", 28);
        if (!neg && (len < 20 || (len == 20 && memcmp(s + i, "18446744073709551615", 20) <= 0)))
                return cr_buf_printf(b, "%.*sULL", (int)len, s + i);
        return cr_buf_printf(b, "%s%.*s.0", neg ? "-" : "", (int)len, s + i);
}

/* One value for a target of the given kind: string targets take any token
 * as text, char targets any one-byte token; otherwise the token's own type. */
static int emit_value(struct cr_buf *b, const struct token *t, enum cr_funcmode_kind target)
{
        size_t n;
        const char *s = token_text(t, &n);

        if (target == CR_FUNCMODE_KIND_STRING || target == CR_FUNCMODE_KIND_CHAR_PTR)
                return emit_quoted(b, s, n, '"');
        if (target == CR_FUNCMODE_KIND_CHAR && n == 1)
                return emit_quoted(b, s, 1, '\'');
        switch (t->kind) {
        case TOK_INT:
                return emit_int(b, t->raw, t->raw_len);
        case TOK_FLOAT:
                return cr_buf_append(b, t->raw + (t->raw[0] == '+'), t->raw_len - (t->raw[0] == '+'));
        case TOK_BOOL:
                return cr_buf_append(b, t->raw, t->raw_len);
        case TOK_CHAR:
                return emit_quoted(b, s, n, '\'');
        default:
                return emit_quoted(b, s, n, '"');
        }
}

/* ================================================================ splitting */

struct span {
        size_t b, e;
};

static bool in_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static struct span trim(const char *s, struct span sp)
{
        while (sp.b < sp.e && in_space(s[sp.b]))
                sp.b++;
        while (sp.e > sp.b && in_space(s[sp.e - 1]))
                sp.e--;
        return sp;
}

/* End of a quoted token starting at i (on the quote): after the closing
 * quote, or e if it never closes. */
static size_t skip_quoted(const char *s, size_t i, size_t e)
{
        char q = s[i];

        for (i++; i < e; i++) {
                if (s[i] == '\\')
                        i++;
                else if (s[i] == q)
                        return i + 1;
        }
        return e;
}

/* Splits s[b..e) on commas outside [...] (when `brackets`) and outside a
 * quoted token (one that starts with a quote right after the start, a '[' or
 * a ','). Pieces are trimmed. Fails with -E2BIG past `max` pieces. */
static int split(const char *s, size_t b, size_t e, bool brackets, struct span *out, size_t max,
                 size_t *ret_n)
{
        size_t n = 0, start = b;
        bool token_start = true;
        unsigned depth = 0;

        for (size_t i = b; i <= e; i++) {
                if (i == e || (s[i] == ',' && depth == 0)) {
                        if (n >= max)
                                return -E2BIG;
                        out[n++] = trim(s, (struct span){start, i});
                        start = i + 1;
                        token_start = true;
                        continue;
                }
                if (token_start && (s[i] == '"' || s[i] == '\'')) {
                        i = skip_quoted(s, i, e) - 1;
                        token_start = false;
                } else if (brackets && s[i] == '[') {
                        depth++;
                        token_start = true;
                } else if (brackets && s[i] == ']' && depth > 0)
                        depth--;
                else if (s[i] == ',')
                        token_start = true;
                else if (!in_space(s[i]))
                        token_start = false;
        }
        *ret_n = n;
        return 0;
}

static bool is_array_span(const char *s, struct span sp)
{
        return sp.e - sp.b >= 2 && s[sp.b] == '[' && s[sp.e - 1] == ']';
}

/* ================================================================ generation */

/* What a void function's result is read from: an output parameter the
 * generator added, or else the first array argument (changed in place). */
struct target {
        char *name;                 /* owned; NULL when there is none */
        enum cr_funcmode_kind kind; /* of the elements (arrays, vectors) or of the chars buffer */
        const char *type;           /* not owned: element type, or the vector type */
        size_t count;               /* elements of an input array */
        bool vector, chars, scalar;
};

struct gen {
        const struct cr_funcmode_sig *sig; /* not owned; NULL when every test has custom code */
        size_t test;                       /* index of the test being generated */
        const char *in;                    /* not owned: the test's input */
        const char *expected;              /* not owned: the test's expected_output */
        struct cr_buf *body;               /* not owned: setup lines of the current test */
        struct cr_buf call;                /* the argument list */
        size_t arrays;                     /* arrays declared so far in this test */
        struct target in_place, out;
        struct cr_error **err; /* not owned */
};

static void gen_done(struct gen *g)
{
        cr_buf_done(&g->call);
        free(g->in_place.name);
        free(g->out.name);
}

static int gen_fail(struct gen *g, int r, const char *what)
{
        if (r == -ENOSPC)
                return cr_error_make(g->err, E2BIG, CR_ERROR_INVALID,
                                    "test %zu: the generated source is too large", g->test);
        if (r == -E2BIG)
                return cr_error_make(g->err, E2BIG, CR_ERROR_INVALID, "test %zu: %s", g->test, what);
        if (r == -EINVAL)
                return cr_error_make(g->err, EINVAL, CR_ERROR_INVALID, "test %zu: %s", g->test, what);
        return cr_error_set(g->err, -r, CR_ERROR_INTERNAL, "test %zu: %s", g->test, what);
}

/* fmt is always one of this file's literals, taking (name, n). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int add_arg(struct gen *g, const char *fmt, const char *name, size_t n)
{
        int r = g->call.len ? cr_buf_append(&g->call, ", ", 2) : 0;

        return r < 0 ? r : cr_buf_printf(&g->call, fmt, name, n);
}
#pragma GCC diagnostic pop

/* Elements of the array written s[sp.b..sp.e) (brackets included), as tokens.
 * *ret is NULL for an empty array; -EDOM for a nested array. */
static int parse_elements(const char *s, struct span sp, struct token **ret, size_t *ret_n)
{
        _cleanup_free_ struct span *el = NULL;
        struct token *toks;
        size_t max = 1, n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (trim(s, (struct span){sp.b + 1, sp.e - 1}).b == sp.e - 1)
                return 0;
        for (size_t i = sp.b; i < sp.e; i++)
                max += s[i] == ',';
        el = malloc(max * sizeof(*el));
        if (!el)
                return -ENOMEM;
        r = split(s, sp.b + 1, sp.e - 1, true, el, max, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n; k++)
                if (el[k].e > el[k].b && s[el[k].b] == '[')
                        return -EDOM;
        toks = calloc(n, sizeof(*toks));
        if (!toks)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                classify_token(s + el[k].b, el[k].e - el[k].b, &toks[k]);
        *ret = toks;
        *ret_n = n;
        return 0;
}

static void tokens_free(struct token *t, size_t n)
{
        for (size_t k = 0; t && k < n; k++)
                token_done(&t[k]);
        free(t);
}

/* The element type of an array nobody declared: ints (long long when one
 * may not fit in int), doubles, bools, chars, else writable C strings. */
static enum cr_funcmode_kind infer_elements(const struct token *t, size_t n, const char **ret_type)
{
        unsigned counts[5] = {};
        bool wide = false;

        for (size_t k = 0; k < n; k++) {
                counts[t[k].kind]++;
                wide |= t[k].kind == TOK_INT && t[k].raw_len > 10;
        }
        if (counts[TOK_INT] + counts[TOK_FLOAT] == n) {
                *ret_type = counts[TOK_FLOAT] ? "double" : wide ? "long long" : "int";
                return counts[TOK_FLOAT] ? CR_FUNCMODE_KIND_FLOAT : CR_FUNCMODE_KIND_INT;
        }
        if (counts[TOK_BOOL] == n) {
                *ret_type = "bool";
                return CR_FUNCMODE_KIND_BOOL;
        }
        if (counts[TOK_CHAR] == n) {
                *ret_type = "char";
                return CR_FUNCMODE_KIND_CHAR;
        }
        *ret_type = "char*";
        return CR_FUNCMODE_KIND_CHAR_PTR;
}

static int emit_list(struct cr_buf *b, const struct token *t, size_t n, enum cr_funcmode_kind kind)
{
        int r = 0;

        for (size_t k = 0; r >= 0 && k < n; k++) {
                if (k > 0)
                        r = cr_buf_append(b, ", ", 2);
                if (r >= 0)
                        r = emit_value(b, &t[k], kind);
        }
        return r;
}

/* `    <type> <name>[] = {...};` (`[1] = {}` when empty), or for writable C
 * strings `char name_s0[] = "a", ...; char* name[] = {name_s0, ...};` on one
 * line: the strings can be modified, unlike the original's literals. */
static int emit_array(struct cr_buf *b, const char *type, const char *name, const struct token *t, size_t n,
                      enum cr_funcmode_kind kind, bool mutable_strings)
{
        int r;

        if (!mutable_strings || n == 0) {
                r = cr_buf_printf(b, "    %s %s[%s] = {", type, name, n ? "" : "1");
                if (r >= 0)
                        r = emit_list(b, t, n, kind);
                return r < 0 ? r : cr_buf_append(b, "};\n", 3);
        }
        r = cr_buf_append(b, "    char ", 9);
        for (size_t k = 0; r >= 0 && k < n; k++) {
                size_t len;
                const char *s = token_text(&t[k], &len);
                r = cr_buf_printf(b, "%s%s_s%zu[] = ", k ? ", " : "", name, k);
                if (r >= 0)
                        r = emit_quoted(b, s, len, '"');
        }
        if (r >= 0)
                r = cr_buf_printf(b, "; char* %s[] = {", name);
        for (size_t k = 0; r >= 0 && k < n; k++)
                r = cr_buf_printf(b, "%s%s_s%zu", k ? ", " : "", name, k);
        return r < 0 ? r : cr_buf_append(b, "};\n", 3);
}

/* One array argument: a local array plus its size, or a local vector. */
static int gen_array(struct gen *g, struct span sp, const struct cr_funcmode_param *p)
{
        _cleanup_free_ char *name = NULL;
        struct token *t = NULL;
        enum cr_funcmode_kind kind;
        const char *type;
        bool vector = p && p->is_vector, mutable_strings;
        size_t n;
        int r;

        r = parse_elements(g->in, sp, &t, &n);
        if (r == -EDOM)
                return gen_fail(g, -EINVAL, "nested arrays are not supported");
        if (r < 0)
                return gen_fail(g, r, "cannot parse an array");
        name = g->arrays ? xasprintf("arr%zu_%zu", g->test, g->arrays) : xasprintf("arr%zu", g->test);
        g->arrays++;
        if (p && (p->is_vector || p->is_array)) {
                kind = p->kind;
                type = p->value_type;
        } else
                kind = infer_elements(t, n, &type);
        /* declared char* parameters say whether they write; inferred ones may */
        mutable_strings =
                kind == CR_FUNCMODE_KIND_CHAR_PTR && (!p || !p->is_array || p->needs_mutable_chars);
        if (vector) {
                r = cr_buf_printf(g->body, "    %s %s = {", type, name);
                if (r >= 0)
                        r = emit_list(g->body, t, n, kind);
                if (r >= 0)
                        r = cr_buf_append(g->body, "};\n", 3);
        } else
                r = emit_array(g->body, type, name, t, n, kind, mutable_strings);
        if (r >= 0)
                r = add_arg(g, vector ? "%s" : "%s, %zu", name, n);
        tokens_free(t, n);
        if (r >= 0 && !g->in_place.name)
                g->in_place = (struct target){
                        .name = TAKE_PTR(name), .kind = kind, .type = type, .count = n, .vector = vector};
        return r < 0 ? gen_fail(g, r, "cannot add an array") : 0;
}

/* One scalar argument: a literal, or a named local when the parameter is a
 * non-const reference or a writable char pointer. */
static int gen_scalar(struct gen *g, struct span sp, size_t part, const struct cr_funcmode_param *p)
{
        _cleanup_free_ char *name = xasprintf("arg%zu_%zu", g->test, part);
        struct token t;
        int r;

        classify_token(g->in + sp.b, sp.e - sp.b, &t);
        if (p && (p->needs_mutable_chars || p->needs_lvalue)) {
                r = p->needs_mutable_chars ? cr_buf_printf(g->body, "    char %s[] = ", name)
                                           : cr_buf_printf(g->body, "    %s %s = ", p->value_type, name);
                if (r >= 0)
                        r = emit_value(g->body, &t,
                                       p->needs_mutable_chars ? CR_FUNCMODE_KIND_CHAR_PTR : p->kind);
                if (r >= 0)
                        r = cr_buf_append(g->body, ";\n", 2);
                if (r >= 0)
                        r = add_arg(g, "%s", name, 0);
        } else {
                r = g->call.len ? cr_buf_append(&g->call, ", ", 2) : 0;
                if (r >= 0)
                        r = emit_value(&g->call, &t, p ? p->kind : CR_FUNCMODE_KIND_OTHER);
        }
        token_done(&t);
        return r < 0 ? gen_fail(g, r, "cannot add an argument") : 0;
}

/* Parameters left over once the input is used up that can only be outputs
 * (a writable array, char buffer, vector& or T&) get a zeroed local, so e.g.
 * `void merge(int a[], int n, int b[], int m, int result[])` is callable.
 * Static, so a large buffer does not need a large stack. */
static int gen_outputs(struct gen *g, size_t param)
{
        size_t cap = strlen(g->in) + strlen(g->expected) + 16;

        for (; g->sig && param < g->sig->n_params; param++) {
                const struct cr_funcmode_param *p = &g->sig->params[param];
                _cleanup_free_ char *name = xasprintf("out%zu_%zu", g->test, param);
                struct target t = {.kind = p->kind, .type = p->value_type};
                int r;

                if (has_word(p->decl, "const"))
                        break;
                if (p->is_vector && p->needs_lvalue) {
                        t.vector = true;
                        r = cr_buf_printf(g->body, "    %s %s;\n", p->value_type, name);
                } else if (p->is_array && p->kind != CR_FUNCMODE_KIND_CHAR_PTR)
                        r = cr_buf_printf(g->body, "    static %s %s[%zu];\n", p->value_type, name, cap);
                else if (p->needs_mutable_chars && !p->is_array) {
                        t.chars = true;
                        r = cr_buf_printf(g->body, "    static char %s[%zu];\n", name, cap);
                } else if (p->needs_lvalue) {
                        t.scalar = true;
                        r = cr_buf_printf(g->body, "    %s %s{};\n", p->value_type, name);
                } else
                        break;
                if (r >= 0)
                        r = add_arg(g, "%s", name, 0);
                if (r < 0)
                        return gen_fail(g, r, "cannot add an output argument");
                if (!g->out.name) {
                        t.name = TAKE_PTR(name);
                        g->out = t;
                }
        }
        return 0;
}

/* The argument list of test g->test from its input (§6.3). Parameters are
 * matched by position: a C array takes two (the array and its size). */
static int gen_args(struct gen *g)
{
        struct span parts[CR_FUNCMODE_ARGS_MAX], all = trim(g->in, (struct span){0, strlen(g->in)});
        const char *lb = memchr(g->in + all.b, '[', all.e - all.b);
        bool brackets = lb && memchr(lb, ']', (size_t)(g->in + all.e - lb));
        size_t n = 0, param = 0;
        int r = 0;

        if (all.b < all.e)
                r = split(g->in, all.b, all.e, brackets, parts, CR_FUNCMODE_ARGS_MAX, &n);
        if (r < 0)
                return gen_fail(g, r, "too many arguments");
        for (size_t k = 0; k < n; k++) {
                const struct cr_funcmode_param *p =
                        g->sig && param < g->sig->n_params ? &g->sig->params[param] : NULL;
                if (brackets && is_array_span(g->in, parts[k])) {
                        r = gen_array(g, parts[k], p);
                        param += p && p->is_vector ? 1 : 2;
                } else {
                        r = gen_scalar(g, parts[k], k, p);
                        param++;
                }
                if (r < 0)
                        return r;
        }
        return gen_outputs(g, param);
}

/* fmt is always one of this file's literals, taking fn. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int gen_fail_check(struct cr_buf *b, const char *fmt, const char *fn)
{
        _cleanup_free_ char *msg = xasprintf(fmt, fn);
#pragma GCC diagnostic pop
        int r = cr_buf_append(b, "    FAIL_CHECK(", 15);

        if (r >= 0)
                r = emit_quoted(b, msg, strlen(msg), '"');
        return r < 0 ? r : cr_buf_append(b, ");\n", 3);
}

/* The expected array (or a lone value, as a one-element array) as tokens. */
static int expected_elements(struct gen *g, struct span sp, struct token **ret, size_t *ret_n)
{
        int r;

        if (!is_array_span(g->expected, sp)) {
                *ret = xzalloc(sizeof(**ret));
                classify_token(g->expected + sp.b, sp.e - sp.b, *ret);
                *ret_n = 1;
                return 0;
        }
        r = parse_elements(g->expected, sp, ret, ret_n);
        if (r == -EDOM)
                return gen_fail(g, -EINVAL, "nested arrays are not supported in expected_output");
        return r < 0 ? gen_fail(g, r, "cannot parse expected_output") : 0;
}

/* `CHECK(<lhs> == <vector type>{...});` */
static int check_vector(struct gen *g, const char *lhs, const char *vtype, enum cr_funcmode_kind kind,
                        const struct token *t, size_t n)
{
        int r = cr_buf_printf(g->body, "    CHECK(%s == %s{", lhs, vtype);

        if (r >= 0)
                r = emit_list(g->body, t, n, kind);
        return r < 0 ? r : cr_buf_append(g->body, "});\n", 4);
}

/* Compares a C array element by element: `T exp<i>[] = {...};` and one CHECK
 * in a loop, so the failure shows the differing values. */
static int check_c_array(struct gen *g, const struct target *tg, const struct token *t, size_t n)
{
        _cleanup_free_ char *exp = xasprintf("exp%zu", g->test);
        bool strings = tg->kind == CR_FUNCMODE_KIND_CHAR_PTR;
        int r;

        if (tg->count < n && !g->out.name)
                return gen_fail_check(g->body,
                                      "expected_output has more elements than the array %s() changed",
                                      g->sig->name);
        r = emit_array(g->body, strings ? "const char*" : tg->type, exp, t, n, tg->kind, false);
        if (r >= 0)
                r = cr_buf_printf(g->body, "    for (int i = 0; i < %zu; i++) CHECK(%s%s[i]%s%s[i]%s);\n", n,
                                  strings ? "strcmp(" : "", tg->name, strings ? ", " : " == ", exp,
                                  strings ? ") == 0" : "");
        return r;
}

/* A void function: call it, then compare what it wrote. */
static int gen_void_check(struct gen *g, const char *call, struct span sp)
{
        const struct target *tg = g->out.name ? &g->out : g->in_place.name ? &g->in_place : NULL;
        struct token *t = NULL;
        size_t n = 0;
        int r;

        r = cr_buf_printf(g->body, "    %s;\n", call);
        if (r < 0 || sp.e == sp.b)
                return r;
        if (!tg || (tg == &g->in_place && !is_array_span(g->expected, sp)))
                return gen_fail_check(g->body,
                                      "%s() returns void and writes no array: expected_output cannot "
                                      "be compared (the test needs custom_validation_code)",
                                      g->sig->name);
        if (tg->chars || tg->scalar) {
                /* one value, whatever it looks like: "[]" is a string here */
                struct token one;
                classify_token(g->expected + sp.b, sp.e - sp.b, &one);
                r = cr_buf_printf(g->body,
                                  tg->chars ? "    CHECK(strcmp(%s, " : "    CHECK(%s == ", tg->name);
                if (r >= 0)
                        r = emit_value(g->body, &one, tg->chars ? CR_FUNCMODE_KIND_CHAR_PTR : tg->kind);
                if (r >= 0)
                        r = cr_buf_printf(g->body, "%s);\n", tg->chars ? ") == 0" : "");
                token_done(&one);
                return r;
        }
        r = expected_elements(g, sp, &t, &n);
        if (r < 0)
                return r;
        if (tg->vector)
                r = check_vector(g, tg->name, tg->type, tg->kind, t, n);
        else
                r = check_c_array(g, tg, t, n);
        tokens_free(t, n);
        return r;
}

/* `CHECK(<call> == <literal>);`, with strcmp for char* results (§6.4). */
static int gen_value_check(struct gen *g, const char *call, struct span sp)
{
        const struct cr_funcmode_sig *sig = g->sig;
        struct token t;
        int r;

        classify_token(g->expected + sp.b, sp.e - sp.b, &t);
        if (sig->returns_char_ptr) {
                r = cr_buf_printf(g->body, "    CHECK(strcmp(%s, ", call);
                if (r >= 0)
                        r = emit_value(g->body, &t, CR_FUNCMODE_KIND_CHAR_PTR);
                if (r >= 0)
                        r = cr_buf_append(g->body, ") == 0);\n", 9);
        } else {
                r = cr_buf_printf(g->body, "    CHECK(%s == ", call);
                if (r >= 0)
                        r = emit_value(g->body, &t, sig->return_kind);
                if (r >= 0)
                        r = cr_buf_append(g->body, ");\n", 3);
        }
        token_done(&t);
        return r;
}

/* The check (§6.4), with the fixes: an empty expected_output is compared
 * (with "" for string results) or fails the test, it never passes by
 * itself; void functions are compared through what they write. */
static int gen_check(struct gen *g)
{
        const struct cr_funcmode_sig *sig = g->sig;
        _cleanup_free_ char *call = xasprintf("%s(%s)", sig->name, g->call.data ? g->call.data : "");
        struct span sp = trim(g->expected, (struct span){0, strlen(g->expected)});
        bool string_result = sig->returns_char_ptr || sig->return_kind == CR_FUNCMODE_KIND_STRING;
        int r;

        if (sig->return_kind == CR_FUNCMODE_KIND_VOID)
                r = gen_void_check(g, call, sp);
        else if (sp.e == sp.b && !string_result)
                r = gen_fail_check(g->body,
                                   "expected_output is empty: nothing to compare the result of %s() with",
                                   sig->name);
        else if (sig->return_kind == CR_FUNCMODE_KIND_VECTOR && is_array_span(g->expected, sp)) {
                _cleanup_free_ char *elem = vector_elem(sig->return_value_type);
                enum cr_funcmode_kind kind = CR_FUNCMODE_KIND_OTHER;
                struct token *t = NULL;
                unsigned stars = 0;
                size_t n = 0;

                if (elem)
                        kind = classify_type(elem, &stars);
                if (kind == CR_FUNCMODE_KIND_CHAR && stars == 1)
                        kind = CR_FUNCMODE_KIND_CHAR_PTR;
                r = expected_elements(g, sp, &t, &n);
                if (r >= 0)
                        r = check_vector(g, call, sig->return_value_type, kind, t, n);
                tokens_free(t, n);
        } else
                r = gen_value_check(g, call, sp);
        return r < 0 ? gen_fail(g, r, "cannot add the check") : 0;
}

/* custom_validation_code goes in verbatim, so it must not be able to close
 * its TEST_CASE early or swallow the ones after it. */
static int check_custom(size_t test, const char *code, size_t len, struct cr_error **err)
{
        _cleanup_free_ char *t = NULL;
        bool complete;
        int depth[3] = {};
        int r;

        r = cr_stdio_blank_source(CR_JUDGE_LANG_CPP, code, len, &t, &complete, err);
        if (r < 0)
                return cr_error_wrap(err, "test %zu: custom_validation_code", test);
        if (!complete)
                return cr_error_make(
                        err, EINVAL, CR_ERROR_INVALID,
                        "test %zu: custom_validation_code has an unterminated comment or literal", test);
        for (size_t i = 0; i < len; i++) {
                const char *o = strchr("{([", t[i]), *c = strchr("})]", t[i]);
                if (t[i] && o)
                        depth[o - "{(["]++;
                else if (t[i] && c && --depth[c - "})]"] < 0)
                        break;
        }
        if (depth[0] || depth[1] || depth[2])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "test %zu: custom_validation_code has unbalanced brackets", test);
        while (len > 0 && in_space(code[len - 1]) && code[len - 1] != '\n')
                len--;
        if (len > 0 && code[len - 1] == '\\')
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "test %zu: custom_validation_code ends with a line continuation", test);
        return 0;
}

static const char *str_or_empty(const char *s)
{
        return s ? s : "";
}

static int check_test(const struct cr_judge_test *t, size_t i, bool have_sig, struct cr_error **err)
{
        static const char *const names[] = {"input", "expected_output", "custom_validation_code"};
        const char *fields[] = {t->input, t->expected_output, t->custom_validation_code};

        for (size_t k = 0; k < 3; k++)
                if (fields[k] && strlen(fields[k]) > CR_JUDGE_FIELD_MAX)
                        return cr_error_make(err, E2BIG, CR_ERROR_INVALID,
                                            "test %zu: %s is too long (at most %u bytes)", i, names[k],
                                            CR_JUDGE_FIELD_MAX);
        if (!have_sig && !str_or_empty(t->custom_validation_code)[0])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "test %zu: no solution function was found and the test has no "
                                    "custom_validation_code",
                                    i);
        return 0;
}

/* A bounded buffer refused: -ENOSPC is the caller's size limit. */
static int buf_fail(int r, struct cr_error **err)
{
        if (r == -ENOMEM)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "out of memory");
        return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated source is too large");
}

/* TEST_CASE("t<i>") { ... } */
static int gen_test(const struct cr_funcmode_sig *sig, const struct cr_judge_test *t, size_t i,
                    struct cr_buf *out, struct cr_error **err)
{
        const char *custom = str_or_empty(t->custom_validation_code);
        size_t clen = strlen(custom);
        int r;

        r = check_test(t, i, sig != NULL, err);
        if (r < 0)
                return r;
        r = cr_buf_printf(out, "TEST_CASE(\"t%zu\") {\n", i);
        if (r < 0)
                return buf_fail(r, err);
        if (clen > 0) {
                r = check_custom(i, custom, clen, err);
                if (r < 0)
                        return r;
                r = cr_buf_append(out, custom, clen);
                if (r >= 0 && custom[clen - 1] != '\n')
                        r = cr_buf_append(out, "\n", 1);
        } else {
                struct gen g = {.sig = sig,
                                .test = i,
                                .in = str_or_empty(t->input),
                                .expected = str_or_empty(t->expected_output),
                                .body = out,
                                .call = CR_BUF_INIT(CR_JUDGE_FIELD_MAX * 8),
                                .err = err};
                r = gen_args(&g);
                if (r >= 0)
                        r = gen_check(&g);
                gen_done(&g);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = cr_buf_append(out, "}\n", 2);
        return r < 0 ? buf_fail(r, err) : 0;
}

/* The original's layout (§6.6), so the student's line N is still reported as
 * solution.cpp:(N+6) and test lines keep their numbers; only the include is
 * <doctest/doctest.h>, where Debian's doctest-dev puts it. */
static const char header[] = "#line 1 \"solution.cpp\"\n"
                             "// Start Test\n"
                             "#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n"
                             "#include <doctest/doctest.h>\n"
                             "#include <cstring>\n"
                             "\n"
                             "// Solution - Start\n";

int cr_funcmode_generate(const char *code, const struct cr_funcmode_sig *sig,
                         const struct cr_judge_test *tests, size_t n, struct cr_buf *out_source,
                         struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(0);
        size_t clen;
        int r;

        if (!code || !out_source || (!tests && n > 0) || out_source->len > out_source->max)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid arguments");
        clen = strlen(code);
        if (clen > CR_JUDGE_CODE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code is too long (%zu bytes, at most %u)",
                                    clen, CR_JUDGE_CODE_MAX);
        if (n > CR_JUDGE_TESTS_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "too many tests (%zu, at most %u)", n,
                                    CR_JUDGE_TESTS_MAX);
        b.max = out_source->max - out_source->len;
        r = cr_buf_append(&b, header, sizeof(header) - 1);
        if (r >= 0)
                r = cr_buf_append(&b, code, clen);
        if (r >= 0)
                r = cr_buf_printf(&b, "%s// Solution - End\n\n// Tests - Start\n",
                                  clen && code[clen - 1] != '\n' ? "\n" : "");
        if (r < 0)
                return buf_fail(r, err);
        for (size_t i = 0; i < n; i++) {
                r = gen_test(sig, &tests[i], i, &b, err);
                if (r < 0)
                        return r;
        }
        r = cr_buf_append(&b, "// Tests - End\n", 15);
        if (r >= 0)
                r = cr_buf_append(out_source, b.data, b.len);
        return r < 0 ? buf_fail(r, err) : 0;
}

/* ================================================================ running */

static const char *const doctest_options[] = {
        "--case-sensitive=true", "--no-colors=true",         "--no-intro=true",
        "--no-version=true",     "--no-path-filenames=true", "--no-breaks=true",
};

char **cr_funcmode_argv_free(char **argv)
{
        for (size_t k = 0; argv && argv[k]; k++)
                free(argv[k]);
        free(argv);
        return NULL;
}

int cr_funcmode_test_argv(size_t index, const char *const *base_argv, char ***ret_argv,
                          struct cr_error **err)
{
        size_t nb = 0, k = 0;
        char **argv;

        if (!base_argv || !base_argv[0] || !ret_argv)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no program to run");
        if (index >= CR_JUDGE_TESTS_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "test index %zu out of range", index);
        while (base_argv[nb])
                if (++nb > 64)
                        return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "run argv is too long");
        argv = xzalloc((nb + 2 + sizeof(doctest_options) / sizeof(doctest_options[0])) * sizeof(*argv));
        for (size_t i = 0; i < nb; i++)
                argv[k++] = xstrdup(base_argv[i]);
        argv[k++] = xasprintf("--test-case=t%zu", index);
        for (size_t i = 0; i < sizeof(doctest_options) / sizeof(doctest_options[0]); i++)
                argv[k++] = xstrdup(doctest_options[i]);
        argv[k] = NULL;
        *ret_argv = argv;
        return 0;
}
