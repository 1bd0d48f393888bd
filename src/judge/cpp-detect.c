/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/cpp.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/judge-internal.h"
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

/* The deliberate extension of `vector<[^>]+>`: balanced brackets, so
 * vector<vector<int>> (whose first '>' the original stopped at, never
 * matching) is a type too. Returns the end, or 0 when the brackets do not
 * nest (the original alternative already had its chance) or do not close. */
static size_t re_match_nested(const char *t, size_t len, size_t i, const char *alt)
{
        size_t n = strlen(alt);
        unsigned depth = 1;
        bool nested = false;

        if (alt[n - 1] != '<' || len - i < n || memcmp(t + i, alt, n) != 0)
                return 0;
        for (size_t k = i + n; k < len; k++) {
                if (t[k] == '<') {
                        depth++;
                        nested = true;
                } else if (t[k] == '>' && --depth == 0)
                        return nested ? k + 1 : 0;
                else if (strchr("{};()", t[k]))
                        return 0;
        }
        return 0;
}

/* TYPE(?:\s*\*|\s*&)? ending at e, then the tail: RE2's order. */
static bool re_match_suffixes(const char *t, size_t len, size_t q, size_t e, struct match *m)
{
        for (int v = 0; v < 3; v++) { /* \s*\*, \s*&, nothing */
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
        return false;
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
                if (e > 0 && re_match_suffixes(t, len, q, e, m))
                        return true;
                e = re_match_nested(t, len, i, re_types[a]);
                if (e > 0 && re_match_suffixes(t, len, q, e, m))
                        return true;
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

/* The '{' that opens the block around offset `at`, or SIZE_MAX. */
static size_t enclosing_brace(const char *t, size_t at)
{
        unsigned depth = 0;

        for (size_t i = at; i-- > 0;) {
                if (t[i] == '}')
                        depth++;
                else if (t[i] == '{' && depth-- == 0)
                        return i;
        }
        return SIZE_MAX;
}

/* Whether t[i..i+n) is the word w. */
static bool word_at(const char *t, size_t i, size_t n, const char *w)
{
        return strlen(w) == n && memcmp(t + i, w, n) == 0;
}

/* The class a member function belongs to, when the candidate sits directly
 * in `class X {` or `struct X {` (also `final`, or with base classes):
 * LeetCode's C++ form, `class Solution { public: int f(...) {...} };`. The
 * original called such a method as a free function, which never compiled.
 * NULL for anything else (a namespace, a nested class, a template). */
static char *member_of(const char *t, const struct match *m)
{
        size_t ob, hb, k, name = 0, name_end = 0;
        bool keyword = false;

        if (m->depth != 1 || (ob = enclosing_brace(t, m->start)) == SIZE_MAX)
                return NULL;
        for (hb = ob; hb > 0 && !strchr(";{}", t[hb - 1]); hb--)
                ;
        /* the last `class X` / `struct X` in the head, and what follows it */
        for (k = hb; k < ob;) {
                size_t w = k;
                while (k < ob && re_word(t[k]))
                        k++;
                if (k == w) {
                        k++;
                        continue;
                }
                if (keyword && !name_end) {
                        name = w;
                        name_end = k;
                } else if (word_at(t, w, k - w, "class") || word_at(t, w, k - w, "struct")) {
                        keyword = true;
                        name_end = 0;
                } else if (word_at(t, w, k - w, "template"))
                        return NULL;
        }
        return name_end ? xstrndup(t + name, name_end - name) : NULL;
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

bool cr_cpp_has_word(const char *s, const char *w)
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
static enum cr_cpp_kind classify_base(const char *base)
{
        static const char *const ints[] = {"size_t",       "ssize_t",      "int8_t",       "int16_t",
                                           "int32_t",      "int64_t",      "uint8_t",      "uint16_t",
                                           "uint32_t",     "uint64_t",     "intmax_t",     "uintmax_t",
                                           "ptrdiff_t",    "std::size_t",  "std::int64_t", "std::uint64_t",
                                           "std::int32_t", "std::uint32_t"};
        const char *b = strncmp(base, "std::", 5) == 0 ? base + 5 : base;

        if (strcmp(b, "void") == 0)
                return CR_CPP_KIND_VOID;
        if (strcmp(b, "bool") == 0)
                return CR_CPP_KIND_BOOL;
        if (strcmp(b, "char") == 0 || strcmp(b, "signed char") == 0 || strcmp(b, "unsigned char") == 0)
                return CR_CPP_KIND_CHAR;
        if (strcmp(b, "double") == 0 || strcmp(b, "float") == 0 || strcmp(b, "long double") == 0)
                return CR_CPP_KIND_FLOAT;
        if (strcmp(b, "string") == 0)
                return CR_CPP_KIND_STRING;
        if (strncmp(b, "vector<", 7) == 0 && b[strlen(b) - 1] == '>')
                return CR_CPP_KIND_VECTOR;
        for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
                if (strcmp(base, ints[k]) == 0)
                        return CR_CPP_KIND_INT;
        /* any combination of int, long, short, signed, unsigned */
        if (!b[0])
                return CR_CPP_KIND_OTHER;
        for (const char *p = b; *p;) {
                size_t n = strcspn(p, " ");
                if (!((n == 3 && memcmp(p, "int", 3) == 0) || (n == 4 && memcmp(p, "long", 4) == 0) ||
                      (n == 5 && memcmp(p, "short", 5) == 0) || (n == 6 && memcmp(p, "signed", 6) == 0) ||
                      (n == 8 && memcmp(p, "unsigned", 8) == 0)))
                        return CR_CPP_KIND_OTHER;
                p += n + (p[n] == ' ');
        }
        return CR_CPP_KIND_INT;
}

/* The T of vector<T>, as written; NULL if base is not a vector. */
char *cr_cpp_vector_elem(const char *base)
{
        const char *lt = strchr(base, '<'), *gt = strrchr(base, '>');

        if (classify_base(base) != CR_CPP_KIND_VECTOR || !lt || !gt || gt <= lt + 1)
                return NULL;
        return normalize_space(lt + 1, (size_t)(gt - lt - 1));
}

enum cr_cpp_kind cr_cpp_classify_type(const char *type, unsigned *ret_pointers)
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
 * suffix removed), as described in cpp.h. */
static void param_shape(struct cr_cpp_param *p, const char *type, unsigned arrays)
{
        unsigned stars;
        enum cr_cpp_kind kind = cr_cpp_classify_type(type, &stars);
        bool is_const = cr_cpp_has_word(type, "const"), ref = strchr(type, '&') != NULL;
        unsigned indirection = stars + arrays;
        _cleanup_free_ char *base = strip_type(type, "&*");

        p->kind = kind;
        if (kind == CR_CPP_KIND_CHAR && indirection == 1) {
                p->kind = CR_CPP_KIND_CHAR_PTR;
                p->needs_mutable_chars = !is_const;
                p->value_type = xstrdup(is_const ? "const char*" : "char*");
        } else if (kind == CR_CPP_KIND_CHAR && indirection == 2) {
                p->kind = CR_CPP_KIND_CHAR_PTR;
                p->is_array = true;
                p->needs_mutable_chars = !is_const;
                p->value_type = xstrdup(is_const ? "const char*" : "char*");
        } else if (kind == CR_CPP_KIND_VECTOR && indirection == 0) {
                _cleanup_free_ char *elem = cr_cpp_vector_elem(base);
                unsigned es;
                p->is_vector = true;
                p->needs_lvalue = ref && !is_const;
                p->kind = elem ? cr_cpp_classify_type(elem, &es) : CR_CPP_KIND_OTHER;
                if (p->kind == CR_CPP_KIND_CHAR && es == 1)
                        p->kind = CR_CPP_KIND_CHAR_PTR;
                p->value_type = TAKE_PTR(base);
        } else if (indirection == 1) {
                p->is_array = true;
                p->value_type = TAKE_PTR(base);
        } else if (indirection == 0) {
                p->needs_lvalue = ref && !is_const && !strstr(type, "&&");
                p->value_type = TAKE_PTR(base);
        } else {
                p->kind = CR_CPP_KIND_OTHER;
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

static void parse_param(struct cr_cpp_param *p, const char *s, size_t n)
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

static void parse_params(struct cr_cpp_sig *sig)
{
        const char *s = sig->params_text;
        size_t n = strlen(s), cap = 0;

        if (n == 0 || strcmp(s, "void") == 0)
                return;
        for (size_t i = 0; i <= n && sig->n_params < CR_CPP_PARAMS_MAX;) {
                size_t k = i + top_level(s + i, n - i, ",");
                if (sig->n_params == cap) {
                        cap = cap ? cap * 2 : 4;
                        sig->params = xrealloc(sig->params, cap * sizeof(*sig->params));
                }
                sig->params[sig->n_params] = (struct cr_cpp_param){};
                parse_param(&sig->params[sig->n_params++], s + i, k - i);
                i = k + 1;
        }
}

void cr_cpp_sig_done(struct cr_cpp_sig *sig)
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
        free(sig->owner);
        *sig = (struct cr_cpp_sig){};
}

static unsigned line_of(const char *t, size_t off)
{
        unsigned line = 1;

        for (size_t i = 0; i < off; i++)
                line += t[i] == '\n';
        return line;
}

int cr_cpp_detect(const char *code, size_t len, struct cr_cpp_sig *ret, struct cr_error **err)
{
        _cleanup_free_ char *t = NULL;
        _cleanup_free_ struct match *cand = NULL;
        struct cr_cpp_sig sig = {};
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
        r = cr_judge_blank_source(CR_JUDGE_LANG_CPP, code ? code : "", len, &t, NULL, err);
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
        sig.return_kind = cr_cpp_classify_type(sig.return_type, &stars);
        sig.returns_char_ptr = strstr(sig.return_type, "char") && strchr(sig.return_type, '*');
        if (sig.return_kind == CR_CPP_KIND_CHAR && stars == 1)
                sig.return_kind = CR_CPP_KIND_CHAR_PTR;
        else if (stars > 0)
                sig.return_kind = CR_CPP_KIND_OTHER;
        sig.return_value_type = strip_type(sig.return_type, "&");
        sig.params_text = normalize_space(t + m->params, m->params_end - m->params);
        sig.line = line_of(t, m->start);
        sig.owner = member_of(t, m);
        parse_params(&sig);
        *ret = sig;
        return 0;
}
