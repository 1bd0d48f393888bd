/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-cases.h"

/* C# function mode (src/judge/lang-csharp.c). Real runs are in
 * tests/system/test_funcmode.py. */

TEST(detect_forms)
{
        static const struct fm_detect_case cases[] = {
                {"public class Solution {\n    public int[] TwoSum(int[] nums, int target) {\n"
                 "        return new int[0];\n    }\n}\n",
                 NULL, "TwoSum", "Solution", 2, NULL},
                {"namespace A.B {\n  public class Solution {\n    public int X { get; set; }\n"
                 "    public Solution() {}\n    private int H(int x) => x;\n"
                 "    public IList<IList<int>> F(int n) => new List<IList<int>>();\n  }\n}\n",
                 NULL, "F", "A.B.Solution", 1, NULL},
                {"using System;\npublic static double Avg(int[] xs) { return 0; }\n", NULL, "Avg", "Solution", 1,
                 NULL},
                {"class Solution { public int A(int x) => x; public int B(int x) => x; }\n", NULL, NULL, NULL, -1,
                 "2 functions could be the one the tests call: A (line 1), B (line 1)"},
                {"class Solution { public int Depth(TreeNode root) => 0; }\n", NULL, NULL, NULL, -1,
                 "parameter root: type TreeNode is not supported"},
                {"class Solution { public int F(ref int x) => 0; }\n", NULL, NULL, NULL, -1,
                 "parameter ref int x: ref, out, in, params and this parameters are not supported"},
                {"class Solution { public decimal F(int x) => 0; }\n", NULL, NULL, NULL, -1,
                 "F()'s result: type decimal is not supported"},
        };

        fm_check_detect("csharp", cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(harness)
{
        static const char code[] = "using System.Collections.Generic;\nnamespace X {\npublic class Solution {\n"
                                   "    public IList<IList<int>> F(int[][] m, string s, char c, ulong n, float f) {\n"
                                   "        return new List<IList<int>>();\n    }\n}\n}\n";
        static const char *const t[2][3] = {{"[[1,2],[3]], \"a\\\"\\n\\u00e9\", 'x', 18446744073709551615, 2", "[[1]]",
                                             NULL},
                                            {"[], '', y, 0, 0.5", "", "return result.Count == 0;"}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("csharp", code, t, 2, &error);
        const char *src;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_TRUE(strncmp(src, code, strlen(code)) == 0);
        ASSERT_CONTAINS(src, "            IList<IList<int>> crR = new X.Solution().F(new int[][]{new int[]{1, 2}, "
                             "new int[]{3}}, \"a\\\"\\u000a\\u00e9\", 'x', 18446744073709551615UL, 2.0f);\n");
        ASSERT_CONTAINS(src, "new int[][]{}, \"\", 'y', 0UL, 0.5f)");
        ASSERT_CONTAINS(src, "    static bool Check1(IList<IList<int>> result) {\n");
        cr_judge_plan_free(p);
}

TEST(lists_are_built_from_their_element_types)
{
        static const char code[] = "class Solution { public int F(IList<IList<string>> g, List<long> l) => 0; }\n";
        static const char *const t[1][3] = {{"[[a],[]], [1,2]", "0", NULL}};
        struct cr_judge_plan *p = fm_plan("csharp", code, t, 1, NULL);

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "new Solution().F(new System.Collections.Generic.List<IList<string>>{"
                                      "new System.Collections.Generic.List<string>{\"a\"}, "
                                      "new System.Collections.Generic.List<string>{}}, "
                                      "new System.Collections.Generic.List<long>{1L, 2L})");
        cr_judge_plan_free(p);
}

TESTS_MAIN
