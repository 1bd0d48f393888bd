/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* Go: `func main(` at depth 0 (a method `func (r T) main(` does not count). */
static bool entry_go(const struct cr_scan *sc)
{
        return cr_scan_keyword_main(sc, "func");
}

const struct cr_judge_language cr_judge_lang_go = {
        .id = "go",
        .lex = {.char_literals = true, .backquote_raw = true},
        .has_entry_point = entry_go,
        .program_hint = "a main function",
};
