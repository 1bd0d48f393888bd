/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* C: `main(` at file scope. */

const struct cr_judge_language cr_judge_lang_c = {
        .id = "c",
        .lex = {.comment_splice = true, .char_literals = true},
        .has_entry_point = cr_scan_c_main,
        .program_hint = "a main function",
};
