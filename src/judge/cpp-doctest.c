/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/cpp.h"
#include "judge/funcmode.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/value.h"

/* doctest 2.4's console reporter, as run by cr_cpp_test_argv():
 *
 *   ===============================================================================
 *   solution.cpp:20:
 *   TEST CASE:  t2
 *
 *   solution.cpp:21: ERROR: CHECK( addOne(-3) == -2 ) is NOT correct!
 *     values: CHECK( -3 == -2 )
 *
 *   ===============================================================================
 *   [doctest] test cases: 1 | 0 passed | 1 failed | 6 skipped
 *   [doctest] assertions: 1 | 0 passed | 1 failed |
 *   [doctest] Status: FAILURE!
 *
 * The program's own stdout is interleaved with this (and may not end its
 * lines), so markers are searched anywhere in a line and the last summary
 * wins. A submission can always print a fake report: the verdict is only as
 * trustworthy as the process that produced it (see judge.md). */

struct line {
        const char *s;
        size_t n;
};

static const char *find(struct line l, const char *needle)
{
        return memmem(l.s, l.n, needle, strlen(needle));
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct line trim_line(struct line l)
{
        while (l.n > 0 && is_blank(l.s[0]))
                l.s++, l.n--;
        while (l.n > 0 && is_blank(l.s[l.n - 1]))
                l.n--;
        return l;
}

/* doctest's separator is 79 '='; junk may precede it on the same line. */
static bool is_separator(struct line l)
{
        size_t k = 0;

        l = trim_line(l);
        while (k < l.n && l.s[l.n - 1 - k] == '=')
                k++;
        return k >= 20;
}

/* Reads up to `max` unsigned numbers that follow `marker` in the line.
 * Returns how many were found. */
static size_t numbers_after(struct line l, const char *marker, unsigned *out, size_t max)
{
        const char *p = find(l, marker), *end = l.s + l.n;
        size_t n = 0;

        if (!p)
                return 0;
        for (p += strlen(marker); p < end && n < max; p++) {
                unsigned long v = 0;
                if (*p < '0' || *p > '9')
                        continue;
                for (; p < end && *p >= '0' && *p <= '9'; p++)
                        v = v > UINT_MAX / 10 ? UINT_MAX : v * 10 + (unsigned long)(*p - '0');
                out[n++] = v > UINT_MAX ? UINT_MAX : (unsigned)v;
        }
        return n;
}

/* Appends a trimmed line to the message, cutting at a UTF-8 boundary when
 * the message is full. */
static void message_add(struct cr_doctest_result *r, size_t *len, struct line l)
{
        size_t room, take;

        l = trim_line(l);
        if (l.n == 0)
                return;
        if (*len > 0 && *len + 1 < sizeof(r->message))
                r->message[(*len)++] = '\n';
        room = sizeof(r->message) - 1 - *len;
        take = l.n < room ? l.n : room;
        if (take < l.n)
                while (take > 0 && ((unsigned char)l.s[take] & 0xC0) == 0x80)
                        take--;
        memcpy(r->message + *len, l.s, take);
        *len += take;
        r->message[*len] = 0;
}

struct parse_state {
        bool in_report; /* between "TEST CASE:" and the next separator */
        bool have_asserts;
        bool success;
        size_t msg_len;
};

static void parse_line(struct cr_doctest_result *r, struct parse_state *st, struct line l)
{
        unsigned v[4] = {};
        size_t n;

        if ((n = numbers_after(l, "[doctest] test cases:", v, 4)) >= 3) {
                r->summary = true;
                r->cases = v[0], r->cases_passed = v[1], r->cases_failed = v[2];
                r->cases_skipped = n > 3 ? v[3] : 0;
                st->have_asserts = st->success = false; /* the lines after this one decide */
                st->in_report = false;
                return;
        }
        if ((n = numbers_after(l, "[doctest] assertions:", v, 3)) >= 3) {
                r->asserts = v[0], r->asserts_passed = v[1], r->asserts_failed = v[2];
                st->have_asserts = true;
                return;
        }
        if (find(l, "[doctest] Status:")) {
                st->success = find(l, "Status: SUCCESS!") != NULL;
                return;
        }
        if (find(l, "TEST CASE:")) {
                st->in_report = true;
                return;
        }
        if (is_separator(l)) {
                st->in_report = false;
                return;
        }
        if (!st->in_report || find(l, CR_FM_MARKER))
                return; /* the generated test's own lines (cpp-generate.c) are no part of a report */
        if (find(l, "test case CRASHED"))
                r->crashed = true;
        if (find(l, "THREW exception"))
                r->threw = true;
        message_add(r, &st->msg_len, l);
}

int cr_doctest_parse(const char *out, size_t len, struct cr_doctest_result *ret)
{
        struct cr_doctest_result r = {};
        struct parse_state st = {};

        if (!ret || (!out && len > 0))
                return -EINVAL;
        for (size_t i = 0; i < len;) {
                const char *nl = memchr(out + i, '\n', len - i);
                size_t e = nl ? (size_t)(nl - out) : len;

                parse_line(&r, &st, (struct line){out + i, e - i});
                i = e + 1;
        }
        r.passed = r.summary && st.have_asserts && st.success && r.cases_passed >= 1 &&
                   r.cases_failed == 0 && r.asserts_failed == 0;
        *ret = r;
        return 0;
}

/* The generated test's own line beside doctest's report (cpp-generate.c,
 * capture_runtime): the last one wins, as a submission printing a fake one
 * only lies about its own value. */
char *cr_cpp_captured_actual(const char *out, size_t len)
{
        static const char tag[] = CR_FM_MARKER "RESULT ";
        const char *last = NULL, *end;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(CR_FM_VALUE_SHOWN_MAX + 16);
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value v = {};

        for (const char *p = out; p && (p = memmem(p, len - (size_t) (p - out), tag, sizeof(tag) - 1)); p++)
                last = p + sizeof(tag) - 1;
        if (!last)
                return NULL;
        end = memchr(last, '\n', len - (size_t) (last - out));
        if (cr_value_parse_result(last, end ? (size_t) (end - last) : len - (size_t) (last - out), &v, &err) < 0)
                return NULL;
        if (cr_value_format(&v, &b, CR_FM_VALUE_SHOWN_MAX) < 0 || !b.data) {
                cr_value_done(&v);
                return NULL;
        }
        cr_value_done(&v);
        return cr_buf_steal(&b);
}
