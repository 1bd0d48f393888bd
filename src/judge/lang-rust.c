/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

/* Rust: `fn main(` at depth 0 (not inside `mod x { }`). */
static bool entry_rust(const struct cr_scan *sc)
{
        return cr_scan_keyword_main(sc, "fn");
}

const struct cr_judge_language cr_judge_lang_rust = {
        .id = "rust",
        .lex = {.nested_comments = true, .char_literals = true, .rust_lifetimes = true,
                .multiline_strings = true, .rust_raw = true},
        .has_entry_point = entry_rust,
        .program_hint = "a main function",
};
