/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <string.h>

/* Python: an entry point is any top-level statement that is not a
 * definition or an import. */

/* End of the logical line or ;-separated statement starting at i. */
static size_t py_statement_end(const struct cr_scan *sc, size_t i, bool *ret_semicolon)
{
        unsigned depth = 0;

        *ret_semicolon = false;
        for (; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '(' || c == '[' || c == '{')
                        depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0)
                        depth--;
                else if (c == '\\' && i + 1 < sc->len && sc->t[i + 1] == '\n')
                        i++;
                else if (c == '\n' && depth == 0)
                        return i;
                else if (c == ';' && depth == 0) {
                        *ret_semicolon = true;
                        return i;
                }
        }
        return i;
}

/* Only string markers (and a trailing ';' or whitespace) between b and e. */
static bool only_strings(const struct cr_scan *sc, size_t b, size_t e)
{
        bool any = false;

        for (size_t k = b; k < e; k++) {
                char c = sc->t[k];
                if (c == '"')
                        any = true;
                else if (!cr_scan_is_space((unsigned char)c) && c != ';' && c != '\\')
                        return false;
        }
        return any;
}

static bool py_is_definition(const struct cr_scan *sc, size_t b, size_t e)
{
        static const char *const defs[] = {"def", "class", "import", "from"};

        if (sc->t[b] == '@' || only_strings(sc, b, e))
                return true;
        for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
                if (cr_scan_word_at(sc, b, defs[k]))
                        return true;
        return cr_scan_word_at(sc, b, "async") && cr_scan_word_at(sc, cr_scan_skip_space(sc, b + 5), "def");
}

static bool entry_python(const struct cr_scan *sc)
{
        bool top = true, after_semicolon = false;
        size_t i = 0;

        while (i < sc->len) {
                size_t b = i, e;
                bool semicolon;

                while (b < sc->len && (sc->t[b] == ' ' || sc->t[b] == '\t' || sc->t[b] == '\f'))
                        b++;
                /* a statement after ';' is at the indentation of its line */
                if (!after_semicolon)
                        top = b == i;
                e = py_statement_end(sc, b, &semicolon);
                if (top && b < e && !cr_scan_is_space((unsigned char)sc->t[b]) && !py_is_definition(sc, b, e))
                        return true;
                after_semicolon = semicolon;
                i = e + 1;
        }
        return false;
}


const struct cr_judge_language cr_judge_lang_python = {
        .id = "python",
        .lex = {.hash_comments = true, .squote_strings = true, .python_strings = true},
        .has_entry_point = entry_python,
        .program_hint = "top-level statements that run it",
};
