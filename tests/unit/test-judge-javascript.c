/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-cases.h"

/* JavaScript function mode (src/judge/lang-javascript.c). Real runs are in
 * tests/system/test_funcmode.py (node is in the image, not on every host). */

TEST(detect_forms)
{
        static const struct fm_detect_case cases[] = {
                {"function add(a, b) {\n  return a + b;\n}\n", NULL, "add", NULL, 2, NULL},
                /* LeetCode's form */
                {"/**\n * @param {number[]} nums\n */\nvar twoSum = function(nums, target) {\n  return [];\n};\n",
                 NULL, "twoSum", NULL, 2, NULL},
                {"const f = (x) => x * 2;\n", NULL, "f", NULL, 1, NULL},
                {"const f = x => x * 2;\n", NULL, "f", NULL, 1, NULL},
                {"export async function f(a) { return a; }\n", NULL, "f", NULL, 1, NULL},
                {"class Solution {\n  helper(x) { return x; }\n  solve(s) { return this.helper(s); }\n}\n", NULL,
                 "solve", "Solution", 1, NULL},
                {"class Solution {\n  static f(a, b) { return a; }\n}\n", NULL, "f", "Solution", 2, NULL},
                {"function helper(x) { return x; }\nfunction solve(y) { return helper(y); }\n", NULL, "solve",
                 NULL, 1, NULL},
                /* functions in strings, templates, regexes and comments do not count */
                {"const s = `function a(x) {}`; // function b(y) {}\nfunction c(z) { return /function d(/.test(z); }\n",
                 NULL, "c", NULL, 1, NULL},
                {"function a(x) { return x; }\nfunction b(y) { return y; }\n", NULL, NULL, NULL, -1,
                 "2 functions could be the one the tests call: a (line 1), b (line 2)"},
                {"function a(x) { return x; }\nfunction b(y) { return y; }\n", "b", "b", NULL, 1, NULL},
                {"function f(...xs) { return 0; }\n", NULL, NULL, NULL, -1,
                 "parameter ...xs: rest and destructuring parameters are not supported"},
                {"function f({a, b}) { return a; }\n", NULL, NULL, NULL, -1,
                 "parameter {a, b}: rest and destructuring"},
                {"function* gen(n) { yield n; }\n", NULL, NULL, NULL, -1, "gen() is a generator"},
                {"class A {\n  constructor(x) { this.x = x; }\n}\n", NULL, NULL, NULL, -1, "no function found"},
        };

        fm_check_detect("javascript", cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(harness)
{
        static const char code[] = "var rotate = function(nums, k) {\n  nums.unshift(...nums.splice(-k));\n};\n";
        static const char *const t[2][3] = {{"[1,2,3],1", "[3,1,2]", NULL},
                                            {"['a\\u2028b', null, 2.5, true], 0", "x", "return result.length === 4;"}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("javascript", code, t, 2, &error);
        const char *src;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_TRUE(strncmp(src, code, strlen(code)) == 0);
        ASSERT_CONTAINS(src, "    () => rotate([1, 2, 3], 1),\n");
        /* every character outside printable ASCII is escaped, U+2028 too */
        ASSERT_CONTAINS(src, "    () => rotate([\"a\\u2028b\", null, 2.5, true], 0),\n");
        ASSERT_CONTAINS(src, "function __crCheck1(result) {\nreturn result.length === 4;\nreturn true;\n}\n");
        ASSERT_CONTAINS(src, "const __crChecks = [null, __crCheck1];\n");
        cr_judge_plan_free(p);
}

TEST(harness_in_place)
{
        /* no result declared in JavaScript: a returned undefined is null; the
         * in-place form needs TypeScript's `: void` */
        static const char code[] = "class Solution {\n  f(a) { return a.length; }\n}\n";
        static const char *const t[1][3] = {{"[1,2]", "2", NULL}};
        struct cr_judge_plan *p = fm_plan("javascript", code, t, 1, NULL);
        struct cr_judge_verdict v;

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "    () => new Solution().f([1, 2]),\n");
        fm_judge(p, 0, 1, "", "/box/main.js:2\n  f(a) { return a.length; }\n\nTypeError: x is not a function\n"
                              "    at f (/box/main.js:2:3)\n", &v);
        ASSERT_STREQ(v.message, "exited with code 1: TypeError: x is not a function");
        cr_judge_verdict_done(&v);
        cr_judge_plan_free(p);
}

TESTS_MAIN
