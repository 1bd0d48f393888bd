/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* Java: `main(` after `void` and modifiers that include `static`. */
static bool entry_java(const struct cr_scan *sc)
{
        return cr_scan_static_main(sc, "main", false);
}

const struct cr_judge_language cr_judge_lang_java = {
        .id = "java",
        .lex = {.char_literals = true, .text_blocks = true},
        .has_entry_point = entry_java,
        .program_hint = "a class with static void main",
};
