/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge.h"

#include <string.h>

/* Stdio mode: a program's stdout against expected_output. */

static bool is_trailing_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of s once trailing whitespace and trailing blank lines are gone. */
static size_t significant_len(const char *s, size_t n)
{
        while (n > 0 && (is_trailing_space(s[n - 1]) || s[n - 1] == '\n'))
                n--;
        return n;
}

/* The next line of s[*pos..n) without its trailing whitespace. */
static size_t next_line(const char *s, size_t n, size_t *pos, const char **ret_line)
{
        const char *nl = memchr(s + *pos, '\n', n - *pos);
        size_t end = nl ? (size_t)(nl - s) : n, l;

        *ret_line = s + *pos;
        l = end - *pos;
        while (l > 0 && is_trailing_space((*ret_line)[l - 1]))
                l--;
        *pos = nl ? end + 1 : n;
        return l;
}

bool cr_judge_output_matches(const char *actual, size_t alen, const char *expected, size_t elen)
{
        size_t ap = 0, ep = 0;

        alen = actual ? significant_len(actual, alen) : 0;
        elen = expected ? significant_len(expected, elen) : 0;
        while (ap < alen && ep < elen) {
                const char *a, *e;
                size_t al = next_line(actual, alen, &ap, &a), el = next_line(expected, elen, &ep, &e);

                if (al != el || memcmp(a, e, al) != 0)
                        return false;
        }
        return ap >= alen && ep >= elen;
}
