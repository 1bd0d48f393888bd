/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/cpp.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "judge/judge-internal.h"

/* ================================================================ the code */

static int name_cmp(const void *key, const void *elem)
{
        return strcmp(key, *(const char *const *) elem);
}

static bool is_prelude_name(const char *s, size_t n)
{
        char name[128];

        if (n >= sizeof(name))
                return false; /* no prelude name is this long */
        memcpy(name, s, n);
        name[n] = '\0';
        return bsearch(name, cr_cpp_prelude_names, cr_cpp_prelude_names_n, sizeof(cr_cpp_prelude_names[0]),
                       name_cmp) != NULL;
}

static bool is_word_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* What the compiler could read as a name other than the words we see: the
 * preprocessor (# and its digraph %:, hence also ## pasting), backslashes
 * (line splices inside a word, universal character names) and _Pragma; and
 * a quote right after a word or number (a digit separator, 1'000, read by the
 * blanker as a character literal that may hide words). */
static bool hides_words(const char *t, size_t i)
{
        if (t[i] == '#' || t[i] == '\\' || (t[i] == '%' && t[i + 1] == ':'))
                return true;
        return (t[i] == '\'' || t[i] == '"') && i > 0 && is_word_char(t[i - 1]);
}

/* Every word of the blanked code that does not start with a digit (those
 * are numbers, whose suffixes name no prelude entity) is checked. Words are
 * cut at every character that is not [A-Za-z0-9_], so a longer identifier
 * ($, UTF-8) yields pieces: more words, never fewer. */
bool cr_cpp_names_prelude(const char *t, size_t len)
{
        for (size_t i = 0; i < len;) {
                size_t e = i;

                if (hides_words(t, i))
                        return true;
                if (!is_word_char(t[i])) {
                        i++;
                        continue;
                }
                while (e < len && is_word_char(t[e]))
                        e++;
                if (!(t[i] >= '0' && t[i] <= '9') &&
                    ((e - i == 7 && memcmp(t + i, "_Pragma", 7) == 0) || is_prelude_name(t + i, e - i)))
                        return true;
                i = e;
        }
        return false;
}

/* ================================================================ the signature and the tests */

static bool is_scalar_kind(enum cr_cpp_kind k)
{
        return k == CR_CPP_KIND_INT || k == CR_CPP_KIND_FLOAT || k == CR_CPP_KIND_BOOL || k == CR_CPP_KIND_CHAR;
}

static bool is_plain_type(const char *decl)
{
        return !strpbrk(decl, "*&[<");
}

static bool sig_is_scalar(const struct cr_cpp_sig *sig)
{
        if (!is_scalar_kind(sig->return_kind) || sig->returns_char_ptr || !is_plain_type(sig->return_type))
                return false;
        for (size_t k = 0; k < sig->n_params; k++) {
                const struct cr_cpp_param *p = &sig->params[k];
                if (!is_scalar_kind(p->kind) || p->is_array || p->is_vector || p->needs_lvalue ||
                    p->needs_mutable_chars || !is_plain_type(p->decl))
                        return false;
        }
        return true;
}

/* The values of text s, if every one is a number, bool or char: how many. */
static bool scalar_values(const char *s, size_t *ret_n)
{
        struct cr_cpp_span parts[CR_CPP_PARAMS_MAX];
        struct cr_cpp_span all = cr_cpp_trim(s, (struct cr_cpp_span){0, strlen(s)});
        size_t n = 0;

        *ret_n = 0;
        if (all.b == all.e)
                return true;
        if (memchr(s + all.b, '[', all.e - all.b) ||
            cr_cpp_split(s, all.b, all.e, false, parts, CR_CPP_PARAMS_MAX, &n) < 0)
                return false;
        for (size_t k = 0; k < n; k++) {
                struct cr_cpp_token tok;
                bool scalar;

                cr_cpp_classify_token(s + parts[k].b, parts[k].e - parts[k].b, &tok);
                scalar = tok.kind != CR_CPP_TOK_STRING;
                cr_cpp_token_done(&tok);
                if (!scalar)
                        return false;
        }
        *ret_n = n;
        return true;
}

static bool tests_are_scalar(const struct cr_cpp_sig *sig, const struct cr_judge_test *tests, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct cr_judge_test *t = &tests[i];
                size_t args, values;

                if (t->custom_validation_code && t->custom_validation_code[0])
                        return false;
                if (!scalar_values(t->input ? t->input : "", &args) || args != sig->n_params)
                        return false;
                if (!scalar_values(t->expected_output ? t->expected_output : "", &values) || values != 1)
                        return false;
        }
        return true;
}

/* Headers a line `#include <h>` of the code may name and still leave the
 * prelude out: the standard library's (C++17's, the C headers in both
 * forms) and GCC's <bits/stdc++.h>. Each is included by the student's
 * line in both files (with the prelude it adds nothing), declares only
 * what the prelude declares, and the code must still name none of it; so
 * what the code means is the same. Sorted (strcmp). */
static const char *const std_headers[] = {
        "algorithm", "any", "array", "assert.h", "atomic", "bits/stdc++.h", "bitset", "cassert", "cctype",
        "cerrno", "cfenv", "cfloat", "charconv", "chrono", "cinttypes", "climits", "clocale", "cmath",
        "complex", "condition_variable", "csetjmp", "csignal", "cstdarg", "cstddef", "cstdint", "cstdio",
        "cstdlib", "cstring", "ctime", "ctype.h", "cwchar", "cwctype", "deque", "errno.h", "exception",
        "float.h", "forward_list", "fstream", "functional", "initializer_list", "inttypes.h", "iomanip", "ios",
        "iosfwd", "iostream", "istream", "iterator", "limits", "limits.h", "list", "locale", "map", "math.h",
        "memory", "mutex", "new", "numeric", "optional", "ostream", "queue", "random", "ratio", "regex", "set",
        "sstream", "stack", "stdbool.h", "stddef.h", "stdexcept", "stdint.h", "stdio.h", "stdlib.h",
        "streambuf", "string", "string.h", "string_view", "system_error", "thread", "time.h", "tuple",
        "type_traits", "typeindex", "typeinfo", "unordered_map", "unordered_set", "utility", "valarray",
        "variant", "vector",
};

static size_t skip_blanks(const char *t, size_t i, size_t e)
{
        while (i < e && (t[i] == ' ' || t[i] == '\t'))
                i++;
        return i;
}

/* Whether t[b..e) (one line, no newline) is `#include <h>` with h in
 * std_headers, blanks allowed where the preprocessor allows them. */
static bool is_std_include(const char *t, size_t b, size_t e)
{
        size_t i = skip_blanks(t, b, e), h;
        char name[32];

        if (i >= e || t[i] != '#')
                return false;
        i = skip_blanks(t, i + 1, e);
        if (e - i < 7 || memcmp(t + i, "include", 7) != 0)
                return false;
        i = skip_blanks(t, i + 7, e);
        if (i >= e || t[i] != '<')
                return false;
        for (h = ++i; i < e && t[i] != '>'; i++)
                ;
        if (i >= e || i - h == 0 || i - h >= sizeof(name) || skip_blanks(t, i + 1, e) != e)
                return false;
        memcpy(name, t + h, i - h);
        name[i - h] = '\0';
        return bsearch(name, std_headers, sizeof(std_headers) / sizeof(std_headers[0]), sizeof(std_headers[0]),
                       name_cmp) != NULL;
}

/* Blanks, in blanked code, the lines that only include a standard header:
 * what is left is then checked as before (any other directive, or a
 * backslash that could splice a line into one, still needs the prelude). */
static void blank_std_includes(char *t, size_t len)
{
        for (size_t b = 0; b < len;) {
                const char *nl = memchr(t + b, '\n', len - b);
                size_t e = nl ? (size_t) (nl - t) : len;

                if (is_std_include(t, b, e))
                        memset(t + b, ' ', e - b);
                b = e + 1;
        }
}

bool cr_cpp_needs_prelude(const char *code, size_t len, const struct cr_cpp_sig *sig,
                          const struct cr_judge_test *tests, size_t n)
{
        _cleanup_free_ char *t = NULL;
        bool complete = false;

        if (!sig || !sig_is_scalar(sig) || !tests_are_scalar(sig, tests, n))
                return true;
        if (cr_judge_blank_source(CR_JUDGE_LANG_CPP, code, len, &t, &complete, NULL) < 0 || !complete)
                return true;
        blank_std_includes(t, len);
        return cr_cpp_names_prelude(t, len);
}
