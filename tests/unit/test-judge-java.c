/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-cases.h"

/* Java function mode (src/judge/lang-java.c). Real runs are in
 * tests/system/test_funcmode.py. */

TEST(detect_forms)
{
        static const struct fm_detect_case cases[] = {
                {"class Solution {\n    public int[] twoSum(int[] nums, int target) {\n        return new int[0];\n"
                 "    }\n}\n",
                 NULL, "twoSum", "Solution", 2, NULL},
                /* helpers, constructors, fields and nested classes are not the solution */
                {"import java.util.*;\npublic class Solution {\n    private int[] memo = new int[10];\n"
                 "    public Solution() { }\n    static class Node { int v; Node(int v) { this.v = v; } }\n"
                 "    private int helper(int x) { return x; }\n"
                 "    public List<Integer> solve(List<Integer> xs) throws Exception { helper(1); return xs; }\n}\n",
                 NULL, "solve", "Solution", 1, NULL},
                /* methods alone are wrapped in class Solution */
                {"import java.util.List;\npublic static double avg(List<Integer> xs) { return 0; }\n", NULL, "avg",
                 "Solution", 1, NULL},
                {"class Helper { int h() { return 1; } }\nclass Solution { public int f(int x) { return x; } }\n",
                 NULL, "f", "Solution", 1, NULL},
                {"class Solution { public int a(int x) { return x; } public int b(int x) { return x; } }\n", NULL,
                 NULL, NULL, -1, "2 functions could be the one the tests call: a (line 1), b (line 1)"},
                {"class Solution { public int a(int x) { return x; } public int b(int x) { return x; } }\n", "b", "b",
                 "Solution", 1, NULL},
                /* private methods are helpers, unless named */
                {"class Solution { private int a(int x) { return x; } public int b(int x) { return x; } }\n", NULL,
                 "b", "Solution", 1, NULL},
                {"class Solution { private int a(int x) { return x; } public int b(int x) { return x; } }\n", "a",
                 "a", "Solution", 1, NULL},
                {"class Solution { public int depth(TreeNode root) { return 0; } }\n", NULL, NULL, NULL, -1,
                 "parameter root: type TreeNode is not supported"},
                {"class Solution { public int f(int... xs) { return 0; } }\n", NULL, NULL, NULL, -1,
                 "parameter int... xs: not supported (varargs"},
                {"class Solution { public Map<String, Integer> f(int x) { return null; } }\n", NULL, NULL, NULL, -1,
                 "f()'s result: type Map<String, Integer> is not supported"},
                {"class Main { public int f(int x) { return x; } }\n", NULL, NULL, NULL, -1,
                 "class Main (line 1) is the harness's name in function mode: rename it"},
                /* it would hide the package of the prebuilt helpers from Main */
                {"class Solution { public int f(int x) { return x; } }\n\nenum coderunner { A }\n", NULL, NULL, NULL,
                 -1, "type coderunner (line 3) is the name of the harness's package in function mode: rename it"},
        };

        fm_check_detect("java", cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(types)
{
        struct cr_fm_sig sig;

        ASSERT_TRUE(fm_detect("java",
                              "class Solution { public static long f(int a, long b, short c, byte d, double e, "
                              "float g, boolean h, char i, String j, int[][] k, List<List<Integer>> l, Integer m, "
                              "int n[]) { return 0; } }",
                              NULL, &sig, NULL));
        ASSERT_TRUE(sig.is_static);
        ASSERT_UEQ(sig.n_params, 13);
        ASSERT_EQ(sig.params[0].type.bits, 32);
        ASSERT_EQ(sig.params[1].type.bits, 64);
        ASSERT_EQ(sig.params[3].type.bits, 8);
        ASSERT_EQ(sig.params[5].type.kind, CR_FM_FLOAT);
        ASSERT_EQ(sig.params[6].type.kind, CR_FM_BOOL);
        ASSERT_EQ(sig.params[7].type.kind, CR_FM_CHAR);
        ASSERT_EQ(sig.params[8].type.kind, CR_FM_STRING);
        ASSERT_EQ(sig.params[9].type.elem->elem->kind, CR_FM_INT);
        ASSERT_EQ(sig.params[10].type.elem->elem->bits, 32);
        ASSERT_EQ(sig.params[11].type.kind, CR_FM_INT);
        ASSERT_STREQ(sig.params[12].type.spelling, "int[]");
        ASSERT_EQ(sig.ret.bits, 64);
        cr_fm_sig_done(&sig);
}

TEST(harness)
{
        static const char code[] = "import java.util.*;\npublic class Solution {\n"
                                   "    public List<List<Integer>> f(int[][] m, String s, char c, long n) {\n"
                                   "        return new ArrayList<>();\n    }\n}\n";
        static const char *const t[2][3] = {{"[[1,2],[3]], \"a\\\"\\n\\u00e9\\ud83d\\ude00\", 'x', 5", "[[1]]", NULL},
                                            {"[], '\\\\u000a', \"'\", -9223372036854775808", "", "return result.isEmpty();"}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("java", code, t, 2, &error);
        const char *src;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        /* public goes (Main.java holds every class); the line stays */
        ASSERT_CONTAINS(src, "import java.util.*;\n       class Solution {\n");
        ASSERT_CONTAINS(src, "            List<List<Integer>> crR = new Solution().f(new int[][]{new int[]{1, 2}, "
                             "new int[]{3}}, \"a\\\"\\012\\u00e9\\ud83d\\ude00\", 'x', 5L);\n");
        /* \u is never written for a quote, a backslash or a line end: javac
         * would turn it into one before reading the literal */
        ASSERT_CONTAINS(src, "new int[][]{}, \"\\\\u000a\", '\\'', -9223372036854775808L)");
        ASSERT_CONTAINS(src, "    static boolean crCheck1(List<List<Integer>> result) throws Throwable {\n"
                             "        if (true) {\nreturn result.isEmpty();\n        }\n        return true;\n    }\n");
        /* the helpers are prebuilt in the image (rootfs/recipes/java.conf), named in full, never compiled
         * per request */
        ASSERT_CONTAINS(src, "            if (coderunner.Harness.crResult(crR)) {}\n");
        ASSERT_CONTAINS(src, "            if (coderunner.Harness.crResult(crR)) try { "
                             "coderunner.Harness.crVerdict(crCheck1(crR)); } catch (Throwable e) { "
                             "coderunner.Harness.crFail(e); } {}\n");
        ASSERT_TRUE(strstr(src, "crFmt") == NULL);
        ASSERT_TRUE(strstr(src, "crLine") == NULL);
        cr_judge_plan_free(p);
}

TEST(harness_wraps_methods_alone)
{
        static const char code[] = "import java.util.List;\n\npublic int sum(List<Integer> xs) { return 0; }\n";
        static const char *const t[1][3] = {{"[1,2]", "3", NULL}};
        struct cr_judge_plan *p = fm_plan("java", code, t, 1, NULL);

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "import java.util.List; class Solution { \n\npublic int sum(List<Integer> xs) "
                                      "{ return 0; }\n\n}\n");
        ASSERT_CONTAINS(fm_source(p), "int crR = new Solution().sum(new java.util.ArrayList<Integer>("
                                      "java.util.Arrays.<Integer>asList(1, 2)));");
        cr_judge_plan_free(p);
}

/* A student's class named like the helper class, and methods named like
 * the helpers, change nothing: Main names coderunner.Harness in full. */
TEST(helper_names_cannot_be_replaced)
{
        static const char code[] = "class Harness { static boolean crResult(Object v) { return true; } }\n"
                                   "class Solution {\n    private static void crLine(String k, String t) {}\n"
                                   "    public int f(int x) { return x; }\n}\n";
        static const char *const t[1][3] = {{"1", "1", NULL}};
        struct cr_judge_plan *p = fm_plan("java", code, t, 1, NULL);

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "int crR = new Solution().f(1);\n            if (coderunner.Harness.crResult(crR))");
        cr_judge_plan_free(p);
}

TESTS_MAIN
