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

bool cr_cpp_needs_prelude(const char *code, size_t len, const struct cr_cpp_sig *sig,
                          const struct cr_judge_test *tests, size_t n)
{
        _cleanup_free_ char *t = NULL;
        bool complete = false;

        if (!sig || !sig_is_scalar(sig) || !tests_are_scalar(sig, tests, n))
                return true;
        if (cr_judge_blank_source(CR_JUDGE_LANG_CPP, code, len, &t, &complete, NULL) < 0 || !complete)
                return true;
        return cr_cpp_names_prelude(t, len);
}
