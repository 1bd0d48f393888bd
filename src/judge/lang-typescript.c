/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "judge/funcmode.h"
#include "xalloc.h"

/* TypeScript: JavaScript's rules (lang-javascript.c) with types. An entry
 * point is any top-level statement that is not a declaration (TypeScript
 * adds interface, type, enum, declare, namespace, abstract, decorators).
 * Function mode reads the annotations: literals are written for the
 * declared types, and the harness type-checks with the student's code. */

static bool entry_ts(const struct cr_scan *sc)
{
        return cr_scan_js_entry(sc, true);
}

/* number, bigint, string, boolean, T[], Array<T>, readonly T[], any,
 * unknown, no annotation; void or undefined for the result. */
static int ts_type(const char *a, struct cr_fm_type *t, bool result)
{
        size_t n = strlen(a);

        *t = (struct cr_fm_type) {.spelling = xstrdup(a)};
        if (!a[0] || strcmp(a, "any") == 0 || strcmp(a, "unknown") == 0)
                t->kind = CR_FM_ANY;
        else if (strcmp(a, "number") == 0)
                t->kind = CR_FM_NUMBER;
        else if (strcmp(a, "bigint") == 0)
                *t = (struct cr_fm_type) {.kind = CR_FM_INT, .bits = 64, .spelling = t->spelling};
        else if (strcmp(a, "string") == 0)
                t->kind = CR_FM_STRING;
        else if (strcmp(a, "boolean") == 0)
                t->kind = CR_FM_BOOL;
        else if (result && (strcmp(a, "void") == 0 || strcmp(a, "undefined") == 0))
                t->kind = CR_FM_VOID;
        else if (strncmp(a, "readonly ", 9) == 0) {
                free(t->spelling);
                return ts_type(a + 9, t, result);
        } else if (n > 2 && strcmp(a + n - 2, "[]") == 0) {
                _cleanup_free_ char *inner = cr_fm_normalize(a, n - 2);
                t->kind = CR_FM_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                return ts_type(inner, t->elem, false);
        } else if ((strncmp(a, "Array<", 6) == 0 || strncmp(a, "ReadonlyArray<", 14) == 0) && a[n - 1] == '>') {
                size_t b = a[0] == 'A' ? 6 : 14;
                _cleanup_free_ char *inner = cr_fm_normalize(a + b, n - b - 1);
                t->kind = CR_FM_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                return ts_type(inner, t->elem, false);
        } else
                return -EINVAL;
        return 0;
}

static int ts_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        return cr_js_detect(code, len, wanted, true, ts_type, ret, err);
}

static int ts_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        return cr_js_generate(p, true, out, err);
}

static const char *const ts_error_markers[] = {"Error", "Exception", NULL};

static const struct cr_fm_lang ts_fm = {
        .detect = ts_detect,
        .generate = ts_generate,
        .syntax = &cr_js_syntax,
        .error_markers = ts_error_markers,
};

const struct cr_judge_language cr_judge_lang_typescript = {
        .id = "typescript",
        .lex = {.squote_strings = true, .templates = true, .regex_literals = true},
        .has_entry_point = entry_ts,
        .program_hint = "top-level statements that run it",
        .funcmode = &cr_fm_ops,
        .fm = &ts_fm,
};
