/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/value.h"
#include "tests.h"

/* Function mode's shared literal syntax: parsing, errors, printing and
 * comparison (src/judge/value.c). */

/* Parses s as a test input and returns the canonical form of the list, or
 * "error: <message>". */
static char *args_form(const char *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_value v = {};

        if (cr_value_parse_args(s, strlen(s), &v, &err) < 0) {
                char *m = NULL;
                if (asprintf(&m, "error: %s", err->msg) < 0)
                        abort();
                return m;
        }
        if (cr_value_format(&v, &b, 0) < 0)
                abort();
        cr_value_done(&v);
        return cr_buf_steal(&b);
}

#define ASSERT_ARGS(input, want)                          \
        do {                                              \
                _cleanup_free_ char *got_ = args_form(input); \
                ASSERT_STREQ(got_, want);                 \
        } while (0)

TEST(parse_the_originals_inputs)
{
        ASSERT_ARGS("0", "[0]");
        ASSERT_ARGS("-3", "[-3]");
        ASSERT_ARGS("[1,3,5,7,9],5", "[[1,3,5,7,9],5]");
        ASSERT_ARGS("[\"flower\",\"flow\",\"flight\"]", "[[\"flower\",\"flow\",\"flight\"]]");
        ASSERT_ARGS("0.0,1.0,10", "[0.0,1.0,10]");
        ASSERT_ARGS("[1,3,5],[2,4,6]", "[[1,3,5],[2,4,6]]");
        ASSERT_ARGS("", "[]");
        ASSERT_ARGS("  \n ", "[]");
}

TEST(parse_scalars)
{
        ASSERT_ARGS("true, false ,null", "[true,false,null]");
        ASSERT_ARGS("True, None, NaN, Infinity", "[\"True\",\"None\",\"NaN\",\"Infinity\"]");
        ASSERT_ARGS("+7, 007, -0, 1e3, .5, 5., 2.50, -1.5E-3", "[7,7,0,1000.0,0.5,5.0,2.5,-0.0015]");
        ASSERT_ARGS("0.1, 1e21, 123456789.123", "[0.1,1e+21,123456789.123]");
        ASSERT_ARGS("18446744073709551615, -9223372036854775808",
                    "[18446744073709551615,-9223372036854775808]");
        /* bare words are strings, trimmed; so is anything not quite a number */
        ASSERT_ARGS("hello world , fl", "[\"hello world\",\"fl\"]");
        ASSERT_ARGS("1.2.3, -, +, ., 0x1F, 1_000, 1e, it's, say \"hi\"",
                    "[\"1.2.3\",\"-\",\"+\",\".\",\"0x1F\",\"1_000\",\"1e\",\"it's\",\"say \\\"hi\\\"\"]");
}

TEST(parse_strings)
{
        ASSERT_ARGS("\"a, b\", 'c, d'", "[\"a, b\",\"c, d\"]");
        ASSERT_ARGS("'say \"hi\"', \"it\\'s\"", "[\"say \\\"hi\\\"\",\"it's\"]");
        ASSERT_ARGS("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "[\"\\\" \\\\ / \\u0008 \\u000c \\n \\u000d \\t\"]");
        ASSERT_ARGS("\"\\u00e9\\u20ac\\ud83d\\ude00\"", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]");
        ASSERT_ARGS("\"line1\nline2\"", "[\"line1\\nline2\"]"); /* raw newlines are kept */
        ASSERT_ARGS("\"\", ''", "[\"\",\"\"]");
        ASSERT_ARGS("\"123\", \"true\"", "[\"123\",\"true\"]"); /* quoted: strings */
}

TEST(parse_arrays)
{
        ASSERT_ARGS("[[1,2],[3,4],[]]", "[[[1,2],[3,4],[]]]");
        ASSERT_ARGS("[ [ 1 , 2 ] , [ ] ]", "[[[1,2],[]]]");
        ASSERT_ARGS("[a, b c, \"d\"]", "[[\"a\",\"b c\",\"d\"]]");
        ASSERT_ARGS("[1, 2.5, \"x\", true, null, [false]]", "[[1,2.5,\"x\",true,null,[false]]]");
}

/* Every error names a position (1-based) and a reason. */
TEST(parse_errors)
{
        ASSERT_ARGS("1,,2", "error: position 3: expected a value before ','");
        ASSERT_ARGS("1,2,", "error: position 5: expected a value, found the end");
        ASSERT_ARGS(",1", "error: position 1: expected a value before ','");
        ASSERT_ARGS("[1,]", "error: position 4: expected a value before ']'");
        ASSERT_ARGS("[1,2", "error: position 1: unterminated array (no ']')");
        ASSERT_ARGS("[[1,2]", "error: position 1: unterminated array (no ']')");
        ASSERT_ARGS("1]", "error: position 2: expected ',' between values, not ']'");
        ASSERT_ARGS("\"abc", "error: position 1: unterminated string (no closing \")");
        ASSERT_ARGS("x, 'abc\\'", "error: position 4: unterminated string (no closing ')");
        ASSERT_ARGS("\"a\" \"b\"", "error: position 5: expected ',' between values, not '\"'");
        ASSERT_ARGS("[\"a\"x]", "error: position 5: expected ',' or ']' after a value, not 'x'");
        ASSERT_ARGS("a[0]", "error: position 2: '[' inside the bare word starting at position 1 (quote strings "
                            "that hold brackets)");
        ASSERT_ARGS("\"\\q\"", "error: position 2: unknown escape '\\q'");
        ASSERT_ARGS("\"\\u12\"", "error: position 2: \\u needs four hex digits");
        ASSERT_ARGS("\"\\ud800\"", "error: position 2: high surrogate \\uD800 without a low one after it");
        ASSERT_ARGS("\"\\udc00\"", "error: position 2: lone low surrogate \\uDC00");
        ASSERT_ARGS("1, 18446744073709551616", "error: position 4: integer 18446744073709551616 does not fit in "
                                               "64 bits");
        ASSERT_ARGS("-9223372036854775809", "error: position 1: integer -9223372036854775809 is below -2^63");
        ASSERT_ARGS("1e999", "error: position 1: number 1e999 is out of range");
}

TEST(parse_bounds)
{
        char deep[2 * CR_VALUE_DEPTH_MAX + 4], ok[2 * CR_VALUE_DEPTH_MAX + 4];
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value v;

        memset(ok, '[', CR_VALUE_DEPTH_MAX);
        memset(ok + CR_VALUE_DEPTH_MAX, ']', CR_VALUE_DEPTH_MAX);
        ok[2 * CR_VALUE_DEPTH_MAX] = 0;
        ASSERT_OK(cr_value_parse_args(ok, strlen(ok), &v, &err));
        cr_value_done(&v);
        memset(deep, '[', CR_VALUE_DEPTH_MAX + 1);
        memset(deep + CR_VALUE_DEPTH_MAX + 1, ']', CR_VALUE_DEPTH_MAX + 1);
        deep[2 * CR_VALUE_DEPTH_MAX + 2] = 0;
        ASSERT_ERRNO(cr_value_parse_args(deep, strlen(deep), &v, &err), EINVAL);
        ASSERT_STREQ(err->msg, "position 33: arrays nested deeper than 32");
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_value_parse_args("1\0" "2", 3, &v, &err), EINVAL);
        ASSERT_STREQ(err->msg, "position 2: NUL byte");
}

TEST(parse_one)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value v;

        ASSERT_OK(cr_value_parse_one(" [1, 2] ", 8, &v, &err));
        ASSERT_EQ(v.kind, CR_VALUE_ARRAY);
        ASSERT_UEQ(v.n, 2);
        ASSERT_UEQ(v.pos, 1);
        cr_value_done(&v);
        ASSERT_OK(cr_value_parse_one("fl", 2, &v, &err));
        ASSERT_EQ(v.kind, CR_VALUE_STRING);
        ASSERT_FALSE(v.quoted);
        cr_value_done(&v);
        ASSERT_ERRNO(cr_value_parse_one("1, 2", 4, &v, &err), EINVAL);
        ASSERT_STREQ(err->msg, "position 4: one value expected, found more (quote strings that hold commas)");
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_value_parse_one("", 0, &v, &err), EINVAL);
        ASSERT_STREQ(err->msg, "position 1: one value expected, found none");
}

/* A harness's result: NaN, Infinity and -Infinity are floats, printed back
 * as the same words; any other word is still a string. */
TEST(parse_result)
{
        static const struct {
                const char *text, *form;
                enum cr_value_kind kind;
        } cases[] = {
                {"NaN", "NaN", CR_VALUE_FLOAT},
                {"Infinity", "Infinity", CR_VALUE_FLOAT},
                {" -Infinity ", "-Infinity", CR_VALUE_FLOAT},
                {"[NaN,1.5]", "[NaN,1.5]", CR_VALUE_ARRAY},
                {"nan", "\"nan\"", CR_VALUE_STRING},
                {"+Infinity", "\"+Infinity\"", CR_VALUE_STRING},
                {"\"NaN\"", "\"NaN\"", CR_VALUE_STRING},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
                struct cr_value v = {}, w = {};

                printf("# %s\n", cases[i].text);
                ASSERT_EQ(cr_value_parse_result(cases[i].text, strlen(cases[i].text), &v, &err), 0);
                ASSERT_EQ(v.kind, cases[i].kind);
                ASSERT_EQ(cr_value_format(&v, &b, 0), 0);
                ASSERT_STREQ(b.data, cases[i].form);
                /* expected_output keeps the literal syntax: a bare word is a string */
                ASSERT_EQ(cr_value_parse_one(cases[i].text, strlen(cases[i].text), &w, &err), 0);
                ASSERT_TRUE(w.kind == CR_VALUE_STRING || w.kind == CR_VALUE_ARRAY);
                cr_value_done(&v);
                cr_value_done(&w);
        }
}

TEST(format_cuts_at_a_character)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1024);
        struct cr_value v;

        ASSERT_OK(cr_value_parse_one("\"\xc3\xa9\xc3\xa9\xc3\xa9\"", 8, &v, &err));
        ASSERT_OK(cr_value_format(&v, &b, 4)); /* "é|é: never half a character */
        ASSERT_STREQ(b.data, "\"\xc3\xa9...");
        cr_value_done(&v);
}

/* ================================================================ comparing */

static bool matches(const char *expected, const char *actual, double tol, char **why)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value e, a;
        bool r;

        if (cr_value_parse_one(expected, strlen(expected), &e, &err) < 0 ||
            cr_value_parse_result(actual, strlen(actual), &a, &err) < 0)
                abort();
        r = cr_value_matches(&e, &a, tol, why);
        cr_value_done(&e);
        cr_value_done(&a);
        return r;
}

TEST(matches_rules)
{
        static const struct {
                const char *expected, *actual;
                bool match;
        } cases[] = {
                {"2", "2", true},
                {"2", "3", false},
                {"-0", "0", true},
                {"18446744073709551615", "18446744073709551615", true},
                {"9007199254740993", "9007199254740992", false}, /* integers exactly, past 2^53 too */
                {"2", "2.0", true},                              /* a float on either side: tolerance */
                {"0.333333", "0.3333343", false},                /* 1e-6 relative ... */
                {"0.333333", "0.3333335", true},
                {"1000000", "1000000.5", true},                  /* ... of the expected value */
                {"1000000", "1000001.5", false},
                {"0", "0.0000009", true},                        /* with an absolute floor near 0 */
                {"0", "0.000002", false},
                {"\"fl\"", "\"fl\"", true},
                {"fl", "\"fl\"", true},
                {"fl", "\"Fl\"", false},
                {"hello world", "\"hello world\"", true},
                {"123", "\"123\"", true},   /* an unquoted expectation is also its text */
                {"1.50", "\"1.50\"", true},
                {"1.50", "\"1.5\"", false},
                {"\"123\"", "123", false},  /* a quoted one is a string */
                {"true", "\"true\"", true},
                {"true", "true", true},
                {"true", "1", false},
                {"null", "null", true},
                {"null", "0", false},
                {"[]", "[]", true},
                {"[1,2]", "[1,2]", true},
                {"[1,2]", "[2,1]", false},
                {"[1,2]", "[1,2,3]", false},
                {"[[1,2],[3]]", "[[1,2],[3]]", true},
                {"[[1,2],[3]]", "[[1,2],[4]]", false},
                {"[0.1,0.2]", "[0.1000000001,0.2]", true},
                {"[a,b]", "[\"a\",\"b\"]", true},
                {"[1]", "1", false},
                {"1", "[1]", false},
                /* a harness writes a non-finite float as a bare word */
                {"NaN", "NaN", true},
                {"1.5", "NaN", false},
                {"Infinity", "Infinity", true},
                {"Infinity", "-Infinity", false},
                {"-Infinity", "-Infinity", true},
                {"1e308", "Infinity", false},
                {"NaN", "\"NaN\"", true},   /* a string result with that text */
                {"\"NaN\"", "NaN", false},  /* a quoted expectation is a string */
                {"[1.0,NaN]", "[1.0,NaN]", true},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                printf("# %s vs %s\n", cases[i].expected, cases[i].actual);
                ASSERT_EQ(matches(cases[i].expected, cases[i].actual, 0, NULL), cases[i].match);
        }
        /* tolerance is per test */
        ASSERT_TRUE(matches("0.333333", "0.3333343", 1e-5, NULL));
        ASSERT_FALSE(matches("2", "2.0000001", 1e-9, NULL));
}

TEST(matches_says_where)
{
        static const struct {
                const char *expected, *actual, *why;
        } cases[] = {
                {"2", "3", "expected 2, got 3"},
                {"fl", "\"f\"", "expected \"fl\", got \"f\""},
                {"[1,2,3]", "[1,2]", "expected 3 elements, got 2"},
                {"[[1,2],[3,4]]", "[[1,2],[3,5]]", "element [1][1]: expected 4, got 5"},
                {"[[1],[2]]", "[[1],[2,3]]", "element [1]: expected 1 element, got 2"},
                {"[1,2]", "7", "expected an array [1,2], got an integer 7"},
                {"true", "\"yes\"", "expected true, got \"yes\""},
                {"1.5", "NaN", "expected 1.5, got NaN"},
                {"[1,2]", "[1,-Infinity]", "element [1]: expected 2, got -Infinity"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *why = NULL;
                ASSERT_FALSE(matches(cases[i].expected, cases[i].actual, 0, &why));
                ASSERT_STREQ(why, cases[i].why);
        }
}

TESTS_MAIN
