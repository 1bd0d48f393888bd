/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"

/* The table of languages: one entry per lang-*.c file, indexed by
 * enum cr_judge_lang. */
static const struct cr_judge_language *const languages[_CR_JUDGE_LANG_MAX] = {
        [CR_JUDGE_LANG_C] = &cr_judge_lang_c,
        [CR_JUDGE_LANG_CPP] = &cr_judge_lang_cpp,
        [CR_JUDGE_LANG_GO] = &cr_judge_lang_go,
        [CR_JUDGE_LANG_RUST] = &cr_judge_lang_rust,
        [CR_JUDGE_LANG_JAVA] = &cr_judge_lang_java,
        [CR_JUDGE_LANG_CSHARP] = &cr_judge_lang_csharp,
        [CR_JUDGE_LANG_PYTHON] = &cr_judge_lang_python,
        [CR_JUDGE_LANG_JAVASCRIPT] = &cr_judge_lang_javascript,
        [CR_JUDGE_LANG_TYPESCRIPT] = &cr_judge_lang_typescript,
};

const struct cr_judge_language *cr_judge_language(enum cr_judge_lang lang)
{
        if (lang < 0 || lang >= _CR_JUDGE_LANG_MAX)
                return NULL;
        return languages[lang];
}

enum cr_judge_lang cr_judge_lang_from_id(const char *id)
{
        if (!id || !id[0])
                return CR_JUDGE_LANG_CPP;
        for (size_t i = 0; i < _CR_JUDGE_LANG_MAX; i++)
                if (strcmp(id, languages[i]->id) == 0)
                        return (enum cr_judge_lang)i;
        return _CR_JUDGE_LANG_INVALID;
}

const char *cr_judge_lang_to_id(enum cr_judge_lang lang)
{
        const struct cr_judge_language *l = cr_judge_language(lang);

        return l ? l->id : NULL;
}

int cr_judge_blank_source(enum cr_judge_lang lang, const char *code, size_t len, char **ret, bool *ret_complete,
                          struct cr_error **err)
{
        const struct cr_judge_language *l = cr_judge_language(lang);

        if (!l)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "unknown language");
        return cr_lex_blank(&l->lex, code, len, ret, ret_complete, err);
}

static int entry_point(enum cr_judge_lang lang, const char *code, size_t len, bool *ret, struct cr_error **err)
{
        _cleanup_free_ char *t = NULL;
        struct cr_scan sc;
        int r;

        r = cr_judge_blank_source(lang, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        sc = (struct cr_scan){.t = t, .len = len};
        *ret = languages[lang]->has_entry_point(&sc);
        return 0;
}

bool cr_judge_has_entry_point(const char *language_id, const char *code, size_t len)
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
        if (!entry && !languages[lang]->funcmode)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "function mode (code without an entry point) is not supported for %s; "
                                    "the code must be a complete program (%s)",
                                    languages[lang]->id, languages[lang]->program_hint);
        *ret = entry ? CR_JUDGE_MODE_STDIO : CR_JUDGE_MODE_FUNCTION;
        return 0;
}
