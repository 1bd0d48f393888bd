/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* JavaScript: any top-level statement that is not a declaration or import. */
static bool entry_js(const struct cr_scan *sc)
{
        return cr_scan_js_entry(sc, false);
}

const struct cr_judge_language cr_judge_lang_javascript = {
        .id = "javascript",
        .lex = {.squote_strings = true, .templates = true, .regex_literals = true},
        .has_entry_point = entry_js,
        .program_hint = "top-level statements that run it",
};
