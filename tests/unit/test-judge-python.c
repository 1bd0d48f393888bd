/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fm-helpers.h"
#include "tests.h"

/* Python function mode (src/judge/lang-python.c): which function, its
 * types, the harness, and real runs with /usr/bin/python3. */

#define ASSERT_CONTAINS(hay, needle)                                                  \
        do {                                                                          \
                const char *h_ = (hay);                                               \
                if (!h_ || !strstr(h_, needle)) {                                     \
                        tests_fail(__FILE__, __LINE__, "\"%s\" not in \"%s\"", needle, \
                                   h_ ? h_ : "(null)");                               \
                        return;                                                       \
                }                                                                     \
        } while (0)

TEST(detect_forms)
{
        static const struct {
                const char *code, *wanted, *name, *owner;
                size_t n_params;
                bool is_static;
        } cases[] = {
                {"def add(a, b):\n    return a + b\n", NULL, "add", NULL, 2, false},
                /* LeetCode's class; self is not an argument */
                {"from typing import List\nclass Solution:\n    def twoSum(self, nums: List[int], target: int) "
                 "-> List[int]:\n        return []\n",
                 NULL, "twoSum", "Solution", 2, false},
                /* a helper before the solution is not what the tests call */
                {"def helper(x):\n    return x * 2\n\ndef solve(x):\n    return helper(x) + 1\n", NULL, "solve",
                 NULL, 1, false},
                /* ... unless the request names it */
                {"def helper(x):\n    return x * 2\n\ndef solve(x):\n    return helper(x) + 1\n", "helper",
                 "helper", NULL, 1, false},
                /* a private method of Solution is a helper too */
                {"class Solution:\n    def _h(self, x):\n        return x\n    def f(self, x):\n        return "
                 "self._h(x)\n",
                 NULL, "f", "Solution", 1, false},
                {"class Solution:\n    @staticmethod\n    def f(x, y):\n        return x\n", NULL, "f", "Solution", 2,
                 true},
                /* recursion is not a call from elsewhere */
                {"def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n", NULL, "fib", NULL, 1, false},
                /* functions in comments and strings do not count */
                {"# def old(x):\ns = '''\ndef older(y):\n'''\ndef new(z):\n    return z\n", NULL, "new", NULL, 1,
                 false},
                /* nested functions are the solution's own */
                {"def outer(x):\n    def inner(y):\n        return y\n    return inner(x)\n", NULL, "outer", NULL, 1,
                 false},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *error = NULL;
                struct cr_fm_sig sig;

                printf("# case %zu\n", i);
                ASSERT_TRUE(fm_detect("python", cases[i].code, cases[i].wanted, &sig, &error));
                ASSERT_STREQ(sig.name, cases[i].name);
                if (cases[i].owner)
                        ASSERT_STREQ(sig.owner, cases[i].owner);
                else
                        ASSERT_TRUE(sig.owner == NULL);
                ASSERT_UEQ(sig.n_params, cases[i].n_params);
                ASSERT_EQ(sig.is_static, cases[i].is_static);
                cr_fm_sig_done(&sig);
        }
}

TEST(detect_types)
{
        static const char code[] = "from typing import List\n"
                                   "def f(a: int, b: float, c: bool, d: str, e: List[List[int]], g, h: list) "
                                   "-> List[str]:\n    return []\n";
        static const enum cr_fm_kind kinds[] = {CR_FM_INT, CR_FM_FLOAT, CR_FM_BOOL, CR_FM_STRING, CR_FM_LIST,
                                                CR_FM_ANY, CR_FM_LIST};
        struct cr_fm_sig sig;

        ASSERT_TRUE(fm_detect("python", code, NULL, &sig, NULL));
        ASSERT_UEQ(sig.n_params, 7);
        for (size_t k = 0; k < 7; k++)
                ASSERT_EQ(sig.params[k].type.kind, kinds[k]);
        ASSERT_EQ(sig.params[4].type.elem->kind, CR_FM_LIST);
        ASSERT_EQ(sig.params[4].type.elem->elem->kind, CR_FM_INT);
        ASSERT_EQ(sig.ret.kind, CR_FM_LIST);
        ASSERT_EQ(sig.ret.elem->kind, CR_FM_STRING);
        cr_fm_sig_done(&sig);
        ASSERT_TRUE(fm_detect("python", "def f(a: List[int]) -> None:\n    a.sort()\n", NULL, &sig, NULL));
        ASSERT_EQ(sig.ret.kind, CR_FM_VOID);
        cr_fm_sig_done(&sig);
}

TEST(detect_errors_say_what_was_seen)
{
        static const struct {
                const char *code, *wanted, *error;
        } cases[] = {
                {"def a(x):\n    return x\n\ndef b(y):\n    return y\n", NULL,
                 "2 functions could be the one the tests call: a (line 1), b (line 4); keep one"},
                {"def a(x):\n    return x\n", "b", "function 'b' not found; the code defines: a (line 1)"},
                {"class Empty:\n    pass\n", NULL, "no function found: function mode needs a top-level def"},
                {"def f(root: Optional[TreeNode]) -> int:\n    return 0\n", NULL,
                 "parameter root: type Optional[TreeNode] is not supported"},
                {"def f(x) -> Dict[str, int]:\n    return {}\n", NULL,
                 "f()'s result: type Dict[str, int] is not supported"},
                {"def f(*args):\n    return 0\n", NULL, "parameter *args: variadic and keyword-only parameters"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *error = NULL;
                struct cr_fm_sig sig;

                ASSERT_FALSE(fm_detect("python", cases[i].code, cases[i].wanted, &sig, &error));
                ASSERT_CONTAINS(error, cases[i].error);
        }
}

static const char two_sum[] = "from typing import List\n"
                              "class Solution:\n"
                              "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
                              "        seen = {}\n"
                              "        for i, x in enumerate(nums):\n"
                              "            if target - x in seen:\n"
                              "                return [seen[target - x], i]\n"
                              "            seen[x] = i\n"
                              "        return []\n";

TEST(plan_errors_name_the_test)
{
        static const struct {
                const char *input, *expected, *error;
        } cases[] = {
                {"[1,2]", "[0]", "test 1: input has 1 value but twoSum() takes 2 arguments"},
                {"abc,1", "[0]", "test 1: argument 1 (nums) at position 1: expected an array"},
                {"[1,\"x\"],1", "[0]", "test 1: argument 1 (nums) at position 1: element 2: expected an integer"},
                {"[1,2],1.5", "[0]", "test 1: argument 2 (target) at position 7: expected an integer"},
                {"[1,,2],1", "[0]", "test 1: input: position 4: expected a value before ','"},
                {"[1,2],1", "", "test 1: expected_output is empty (write the value twoSum() should return"},
                {"[1,2],1", "[0", "test 1: expected_output: position 1: unterminated array (no ']')"},
                {"[1,2],1", "[0,", "test 1: expected_output: position 4: expected a value, found the end"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *const t[1][3] = {{cases[i].input, cases[i].expected, NULL}};
                _cleanup_free_ char *error = NULL;
                struct cr_judge_plan *p = fm_plan("python", two_sum, t, 1, &error);

                ASSERT_TRUE(p == NULL);
                ASSERT_CONTAINS(error, cases[i].error);
        }
}

TEST(plan_generates_one_harness)
{
        static const char *const t[2][3] = {{"[2,7,11,15],9", "[0,1]", NULL},
                                            {"[3,3],6", "[0,1]", "assert result[0] == 0"}};
        struct cr_judge_plan *p = fm_plan("python", two_sum, t, 2, NULL);
        const char *src;

        ASSERT_TRUE(p != NULL);
        ASSERT_EQ(cr_judge_plan_mode(p), CR_JUDGE_MODE_FUNCTION);
        src = fm_source(p);
        /* the student's code first, unchanged, so line numbers stay */
        ASSERT_TRUE(strncmp(src, two_sum, strlen(two_sum)) == 0);
        ASSERT_CONTAINS(src, "def _cr_case_0():\n    _a = [[2, 7, 11, 15], 9]\n    return Solution().twoSum(*_a)\n");
        ASSERT_CONTAINS(src, "def _cr_check_1(result):\n    assert result[0] == 0\n    return True\n");
        ASSERT_CONTAINS(src, "_cr_run([_cr_case_0, _cr_case_1], [None, _cr_check_1])\n");
        ASSERT_STREQ(cr_judge_plan_test_args(p, 1)[0], "1");
        ASSERT_TRUE(cr_judge_plan_test_args(p, 1)[1] == NULL);
        cr_judge_plan_free(p);
}

TEST(literals_cannot_inject_code)
{
        static const char code[] = "def echo(s: str, xs) -> str:\n    return s\n";
        static const char *const t[1][3] = {{"\"\\u0000x\", []", "x", NULL}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("python", code, t, 1, &error);

        /* a NUL character cannot be passed */
        ASSERT_TRUE(p == NULL);
        ASSERT_CONTAINS(error, "the string holds a NUL character");
        {
                static const char *const t2[1][3] = {{"\"a\\\"); import os; (\\\"\\n\", ['\\\\']", "x", NULL}};
                p = fm_plan("python", code, t2, 1, NULL);
                ASSERT_TRUE(p != NULL);
                ASSERT_CONTAINS(fm_source(p), "_a = [\"a\\\"); import os; (\\\"\\x0a\", [\"\\\\\"]]");
                cr_judge_plan_free(p);
        }
}

TEST(judge_reads_the_result_line)
{
        static const char *const t[2][3] = {{"[2,7,11,15],9", "[0,1]", NULL}, {"[3,3],6", "[0,1]", "x"}};
        struct cr_judge_plan *p = fm_plan("python", two_sum, t, 2, NULL);
        struct cr_judge_verdict v;

        ASSERT_TRUE(p != NULL);
        /* the student's own output comes first and does not matter */
        fm_judge(p, 0, 0, "debug [9]\n\n\x1e" "CR-RESULT [0,1]\n", "", &v);
        ASSERT_TRUE(v.passed);
        ASSERT_STREQ(v.expected, "[0,1]");
        ASSERT_STREQ(v.actual, "[0,1]");
        cr_judge_verdict_done(&v);
        fm_judge(p, 0, 0, "\n\x1e" "CR-RESULT [1,0]\n", "", &v);
        ASSERT_TRUE(!v.passed && v.wrong_answer);
        ASSERT_STREQ(v.message, "element [0]: expected 0, got 1");
        ASSERT_STREQ(v.actual, "[1,0]");
        cr_judge_verdict_done(&v);
        fm_judge(p, 0, 1, "", "Traceback (most recent call last):\n  File \"/box/main.py\", line 4\n"
                              "ZeroDivisionError: division by zero\n", &v);
        ASSERT_TRUE(!v.passed && !v.wrong_answer);
        ASSERT_STREQ(v.message, "exited with code 1: ZeroDivisionError: division by zero");
        ASSERT_TRUE(v.actual == NULL);
        cr_judge_verdict_done(&v);
        fm_judge(p, 0, 0, "printed but never returned", "", &v);
        ASSERT_STREQ(v.message, "the function did not return: the program ended during the call");
        cr_judge_verdict_done(&v);
        fm_judge(p, 0, 0, "\n\x1e" "CR-ERROR a result of type dict cannot be compared\n", "", &v);
        ASSERT_STREQ(v.message, "a result of type dict cannot be compared");
        cr_judge_verdict_done(&v);
        fm_judge(p, 0, 0, "\n\x1e" "CR-RESULT [0\n", "", &v);
        ASSERT_CONTAINS(v.message, "the result could not be read: position 1: unterminated array");
        cr_judge_verdict_done(&v);
        /* custom code: its verdict, not a comparison */
        fm_judge(p, 1, 0, "\n\x1e" "CR-RESULT [0,1]\n\x1e" "CR-CHECK fail AssertionError: no\n", "", &v);
        ASSERT_TRUE(!v.passed && v.wrong_answer);
        ASSERT_STREQ(v.message, "custom_validation_code failed: AssertionError: no");
        cr_judge_verdict_done(&v);
        fm_judge(p, 1, 0, "\n\x1e" "CR-RESULT [9]\n\x1e" "CR-CHECK pass\n", "", &v);
        ASSERT_TRUE(v.passed);
        cr_judge_verdict_done(&v);
        cr_judge_plan_free(p);
}

/* ================================================================ real runs */

static bool have_python(void)
{
        return access("/usr/bin/python3", X_OK) == 0;
}

TEST(real_runs)
{
        static const char code[] =
                "import math\n"
                "\n"
                "def helper(x):\n"
                "    return x\n"
                "\n"
                "def f(n: int, x: float, s: str, b: bool, grid: list) -> list:\n"
                "    if n == 0:\n"
                "        return [1 // n]\n"
                "    print('debug output', n)\n"
                "    return [helper(n) * 2, x / 3, s[::-1], not b, [sum(r) for r in grid]]\n";
        static const char *const t[5][3] = {
                {"2, 1.0, 'h\\u00e9, llo', true, [[1,2],[3]]", "[4, 0.333333, \"oll ,\\u00e9h\", false, [3,3]]", NULL},
                {"3, 1.0, ab, false, []", "[6, 0.3333333333, ba, true, []]", NULL},
                {"2, 1.0, ab, false, []", "[5, 0.3333333333, ba, true, []]", NULL}, /* wrong answer */
                {"0, 1.0, ab, false, []", "[0]", NULL},                                   /* a crash */
                {"2, 3.0, ab, false, [[7]]", "", "assert result[1] == 1.0 and result[4] == [7]"},
        };
        static const bool passed[5] = {true, true, false, false, true};
        char *const run_argv[] = {(char *) "/usr/bin/python3", (char *) "main.py", NULL};
        struct cr_judge_plan *p;
        char *dir;

        if (!have_python())
                SKIP("/usr/bin/python3 missing");
        p = fm_plan("python", code, t, 5, NULL);
        ASSERT_TRUE(p != NULL);
        dir = fm_mkdtemp();
        ASSERT_OK(fm_build(p, dir, "main.py", NULL, NULL));
        for (size_t i = 0; i < 5; i++) {
                struct cr_judge_verdict v;
                ASSERT_OK(fm_run_test(p, dir, "main.py", run_argv, i, &v));
                printf("# test %zu: %s %s (actual %s)\n", i, v.passed ? "passed" : "failed",
                       v.message ? v.message : "", v.actual ? v.actual : "-");
                ASSERT_EQ(v.passed, passed[i]);
                if (i == 2)
                        ASSERT_STREQ(v.message, "element [0]: expected 5, got 4");
                if (i == 3)
                        ASSERT_STREQ(v.message, "exited with code 1: ZeroDivisionError: integer division or modulo "
                                                "by zero");
                cr_judge_verdict_done(&v);
        }
        fm_rmdir(dir);
        cr_judge_plan_free(p);
}

TESTS_MAIN
