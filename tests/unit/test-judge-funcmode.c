/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fm-helpers.h"
#include "judge/value.h"
#include "tests.h"
#include "xalloc.h"

/* The language-neutral part of function mode (src/judge/funcmode.c): the
 * rule that picks the function, reading C-like definitions, what a value
 * may be passed as, and judging (tolerance per test, crash lines). */

static int choose(const char *t, const struct cr_fm_candidate *c, size_t n, const char *wanted, size_t *idx,
                  char **msg)
{
        _cleanup_error_ struct cr_error *err = NULL;
        int r = cr_fm_choose(t, strlen(t), c, n, wanted, "function", idx, &err);

        *msg = r < 0 ? strdup(err->msg) : NULL;
        return r;
}

TEST(choose_rule)
{
        /* 0         1         2         3         4         5 */
        /* 0123456789012345678901234567890123456789012345678901234 */
        static const char t[] = "def a(): b()\ndef b(): pass\ndef c(): c()\ndef d(): pass\n";
        const struct cr_fm_candidate all[] = {
                {.name = 4, .name_end = 5, .body = 0, .body_end = 13, .line = 1},
                {.name = 17, .name_end = 18, .body = 13, .body_end = 27, .line = 2},
                {.name = 31, .name_end = 32, .body = 27, .body_end = 40, .line = 3},
                {.name = 44, .name_end = 45, .body = 40, .body_end = 54, .line = 4},
        };
        _cleanup_free_ char *msg = NULL;
        size_t idx = 99;

        /* b is called by a: a helper. c calls itself only. */
        ASSERT_OK(choose(t, all, 2, NULL, &idx, &msg));
        ASSERT_UEQ(idx, 0);
        ASSERT_ERRNO(choose(t, all, 4, NULL, &idx, &msg), EINVAL);
        ASSERT_STREQ(msg, "3 functions could be the one the tests call: a (line 1), c (line 3), d (line 4); keep "
                          "one (the others may be helpers that it calls) or name it in the request");
        free(TAKE_PTR(msg));
        ASSERT_OK(choose(t, all, 4, "d", &idx, &msg));
        ASSERT_UEQ(idx, 3);
        ASSERT_ERRNO(choose(t, all, 2, "zz", &idx, &msg), EINVAL);
        ASSERT_STREQ(msg, "function 'zz' not found; the code defines: a (line 1), b (line 2)");
        free(TAKE_PTR(msg));
        ASSERT_ERRNO(choose(t, all, 0, NULL, &idx, &msg), EINVAL);
        ASSERT_STREQ(msg, "no function found in the code");
        free(TAKE_PTR(msg));
        /* everything calls something else: the last one */
        {
                static const char u[] = "def a(): b()\ndef b(): a()\n";
                const struct cr_fm_candidate ab[] = {
                        {.name = 4, .name_end = 5, .body = 0, .body_end = 13, .line = 1},
                        {.name = 17, .name_end = 18, .body = 13, .body_end = 26, .line = 2},
                };
                ASSERT_OK(choose(u, ab, 2, NULL, &idx, &msg));
                ASSERT_UEQ(idx, 1);
        }
}

TEST(scan_c_like_definitions)
{
        static const char t[] = "static int helper(int x) { return x; }\n"
                                "int f(int a, int b);\n"               /* a prototype */
                                "M(x);\n"                             /* no type before it: a call */
                                "long long sum(const int* v, int n) { return helper(n); }\n"
                                "struct S { int g(int y) { return y; } };\n"
                                "public List<List<Integer>> grid(int[][] m) throws Exception { if (m) {} }\n"
                                "public int X => 5;\n"
                                "public int Y(int q) => q + 1;\n";
        struct cr_fm_found f[8];
        size_t n = cr_fm_scan_functions(t, 0, strlen(t), f, 8);

        ASSERT_UEQ(n, 4);
        ASSERT_TRUE(strncmp(t + f[0].name, "helper(", 7) == 0);
        ASSERT_TRUE(strncmp(t + f[0].head, "static int helper", 17) == 0);
        ASSERT_TRUE(strncmp(t + f[1].name, "sum(", 4) == 0);
        ASSERT_TRUE(strncmp(t + f[1].head, "long long sum", 13) == 0);
        ASSERT_UEQ(f[1].line, 4);
        ASSERT_TRUE(strncmp(t + f[2].name, "grid(", 5) == 0);
        ASSERT_TRUE(strncmp(t + f[2].head, "public List<List<Integer>> grid", 31) == 0);
        ASSERT_TRUE(strncmp(t + f[3].name, "Y(", 2) == 0);
}

TEST(scan_classes_in_namespaces)
{
        static const char t[] = "namespace A.B { public class Solution { void f() {} } }\n"
                                "namespace C;\nclass D { }\n";
        struct cr_fm_class c[4];
        size_t n = cr_fm_scan_classes(t, 0, strlen(t), c, 4);
        _cleanup_free_ char *n0 = NULL, *n1 = NULL;

        ASSERT_UEQ(n, 2);
        n0 = cr_fm_class_name(t, &c[0]);
        n1 = cr_fm_class_name(t, &c[1]);
        ASSERT_STREQ(n0, "A.B.Solution");
        ASSERT_STREQ(n1, "C.D");
        ASSERT_TRUE(strncmp(t + c[0].body, " void f()", 9) == 0);
}

TEST(split_params)
{
        static const char s[] = " Map<String, List<Integer>> m , int[] a,(x, y) ,, f = g(1, 2) ";
        size_t b[8], e[8], n = cr_fm_split_params(s, strlen(s), b, e, 8);

        ASSERT_UEQ(n, 4);
        ASSERT_TRUE(strncmp(s + b[0], "Map<String, List<Integer>> m", e[0] - b[0]) == 0);
        ASSERT_TRUE(strncmp(s + b[1], "int[] a", e[1] - b[1]) == 0);
        ASSERT_TRUE(strncmp(s + b[2], "(x, y)", e[2] - b[2]) == 0);
        ASSERT_TRUE(strncmp(s + b[3], "f = g(1, 2)", e[3] - b[3]) == 0);
}

TEST(utf8)
{
        static const char ok[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
        static const char *const bad[] = {"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"};
        size_t i = 0;

        ASSERT_EQ(cr_fm_utf8_next(ok, strlen(ok), &i), 'a');
        ASSERT_EQ(cr_fm_utf8_next(ok, strlen(ok), &i), 0xe9);
        ASSERT_EQ(cr_fm_utf8_next(ok, strlen(ok), &i), 0x20ac);
        ASSERT_EQ(cr_fm_utf8_next(ok, strlen(ok), &i), 0x1f600);
        ASSERT_UEQ(i, strlen(ok));
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
                i = 0;
                ASSERT_EQ(cr_fm_utf8_next(bad[k], strlen(bad[k]), &i), -1);
        }
}

static bool fits(const struct cr_fm_type *t, const char *literal, char **why)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value v;
        bool r;

        if (cr_value_parse_one(literal, strlen(literal), &v, &err) < 0)
                abort();
        r = cr_fm_fits(t, &v, why);
        cr_value_done(&v);
        return r;
}

TEST(fits)
{
        struct cr_fm_type i32 = {.kind = CR_FM_INT, .bits = 32, .spelling = (char *) "int"},
                          u8 = {.kind = CR_FM_INT, .bits = 8, .is_unsigned = true, .spelling = (char *) "u8"},
                          f64 = {.kind = CR_FM_FLOAT, .bits = 64}, chr = {.kind = CR_FM_CHAR},
                          str = {.kind = CR_FM_STRING}, list = {.kind = CR_FM_LIST, .elem = &i32},
                          grid = {.kind = CR_FM_LIST, .elem = &list};
        _cleanup_free_ char *why = NULL;

        ASSERT_TRUE(fits(&i32, "2147483647", NULL));
        ASSERT_TRUE(fits(&i32, "-2147483648", NULL));
        ASSERT_FALSE(fits(&i32, "2147483648", &why));
        ASSERT_STREQ(why, "2147483648 does not fit in int");
        free(TAKE_PTR(why));
        ASSERT_TRUE(fits(&u8, "255", NULL));
        ASSERT_FALSE(fits(&u8, "-1", NULL));
        ASSERT_TRUE(fits(&f64, "3", NULL));
        ASSERT_FALSE(fits(&f64, "x", NULL));
        ASSERT_TRUE(fits(&chr, "'\\u00e9'", NULL));
        ASSERT_FALSE(fits(&chr, "ab", &why));
        ASSERT_STREQ(why, "expected one character, got 2");
        free(TAKE_PTR(why));
        ASSERT_TRUE(fits(&str, "123", NULL)); /* a scalar written without quotes is its text */
        ASSERT_FALSE(fits(&str, "[1]", NULL));
        ASSERT_TRUE(fits(&grid, "[[1,2],[],[3]]", NULL));
        ASSERT_FALSE(fits(&grid, "[[1,2],[3,\"x\"]]", &why));
        ASSERT_STREQ(why, "element 2: element 2: expected an integer");
}

TEST(tolerance_is_per_test)
{
        static const char code[] = "def third(x):\n    return x / 3\n";
        struct cr_judge_test t[2] = {{.id = "a", .input = "1", .expected_output = "0.333"},
                                     {.id = "b", .input = "1", .expected_output = "0.333", .tolerance = 1e-2}};
        static const char *const argv[] = {"python3", NULL};
        struct cr_judge_request req = {.language = "python", .code = code, .code_len = strlen(code), .tests = t,
                                       .n_tests = 2, .run_argv = argv, .source_max = 1 << 20};
        static const char out[] = "\n\x1e" "CR-RESULT 0.3333333333333333\n";
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_judge_plan *p = NULL;
        struct cr_judge_verdict v;

        ASSERT_OK(cr_judge_plan_new(&req, &p, &err));
        fm_judge(p, 0, 0, out, "", &v);
        ASSERT_FALSE(v.passed);
        ASSERT_STREQ(v.message, "expected 0.333, got 0.3333333333333333");
        cr_judge_verdict_done(&v);
        fm_judge(p, 1, 0, out, "", &v);
        ASSERT_TRUE(v.passed);
        cr_judge_verdict_done(&v);
        cr_judge_plan_free(p);
}

TEST(crash_lines)
{
        static const struct {
                const char *lang, *code, *err, *msg;
        } cases[] = {
                {"java", "class Solution { public int f(int x) { return 1 / x; } }",
                 "Exception in thread \"main\" java.lang.ArithmeticException: / by zero\n\tat Solution.f(Main.java:1)\n",
                 "exited with code 1: Exception in thread \"main\" java.lang.ArithmeticException: / by zero"},
                {"rust", "fn f(x: i32) -> i32 { 1 / x }",
                 "thread 'main' panicked at 'attempt to divide by zero', main.rs:1:23\nnote: run with "
                 "`RUST_BACKTRACE=1`\n",
                 "exited with code 1: thread 'main' panicked at 'attempt to divide by zero', main.rs:1:23"},
                {"go", "func f(x int) int { return 1 / x }",
                 "panic: runtime error: integer divide by zero\n\ngoroutine 1 [running]:\n",
                 "exited with code 1: panic: runtime error: integer divide by zero"},
                {"csharp", "class Solution { public int F(int x) { return 1 / x; } }",
                 "\nUnhandled Exception:\nSystem.DivideByZeroException: Attempted to divide by zero.\n  at x\n",
                 "exited with code 1: System.DivideByZeroException: Attempted to divide by zero."},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *const t[1][3] = {{"1", "1", NULL}};
                _cleanup_free_ char *error = NULL;
                struct cr_judge_plan *p = fm_plan(cases[i].lang, cases[i].code, t, 1, &error);
                struct cr_judge_verdict v;

                printf("# %s %s\n", cases[i].lang, error ? error : "");
                ASSERT_TRUE(p != NULL);
                fm_judge(p, 0, 1, "", cases[i].err, &v);
                ASSERT_STREQ(v.message, cases[i].msg);
                cr_judge_verdict_done(&v);
                cr_judge_plan_free(p);
        }
}

TEST(void_functions_need_an_array_first)
{
        _cleanup_free_ char *error = NULL;
        const char *const t[1][3] = {{"1", "1", NULL}};

        ASSERT_TRUE(fm_plan("java", "class Solution { public void f(int x) { } }", t, 1, &error) == NULL);
        ASSERT_STREQ(error, "f() returns nothing: function mode then compares its first argument after the call, "
                            "which must be an array");
}

TEST(harness_lines_stripped_from_stdout)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                {"", ""},
                {"\n\x1e" "CR-RESULT 4\n", ""},
                {"a\n\x1e" "CR-RESULT 4\n", "a"},
                {"a\n\n\x1e" "CR-RESULT 4\n", "a\n"},
                {"x\n\x1e" "CR-RESULT 1\ny\n\x1e" "CR-CHECK pass\nz", "xyz"},
                {"a\n\x1e" "CR-RESULT [1,2,", "a"}, /* cut by the output limit */
                {"a\x1e" "CR-RESULT 4\n", "a\x1e" "CR-RESULT 4\n"}, /* not the harness's: no newline before */
                {"no lines\n", "no lines\n"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *s = xstrdup(cases[i].in);
                size_t n = cr_fm_strip_harness_lines(s, strlen(s));

                printf("# case %zu\n", i);
                ASSERT_EQ(n, strlen(cases[i].out));
                ASSERT_TRUE(memcmp(s, cases[i].out, n) == 0);
                ASSERT_EQ(s[n], '\0');
        }
}

TESTS_MAIN
