/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* C#: `Main(` after void, int, Task or Task<int> and modifiers that include
 * `static`. */
static bool entry_csharp(const struct cr_scan *sc)
{
        return cr_scan_static_main(sc, "Main", true);
}

const struct cr_judge_language cr_judge_lang_csharp = {
        .id = "csharp",
        .lex = {.char_literals = true, .csharp_verbatim = true},
        .has_entry_point = entry_csharp,
        .program_hint = "a class with static void Main",
};
