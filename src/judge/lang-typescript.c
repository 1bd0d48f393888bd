/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* TypeScript: JavaScript's rule, plus its own declarations (interface,
 * type, enum, declare, namespace, abstract, decorators). */
static bool entry_ts(const struct cr_scan *sc)
{
        return cr_scan_js_entry(sc, true);
}

const struct cr_judge_language cr_judge_lang_typescript = {
        .id = "typescript",
        .lex = {.squote_strings = true, .templates = true, .regex_literals = true},
        .has_entry_point = entry_ts,
        .program_hint = "top-level statements that run it",
};
