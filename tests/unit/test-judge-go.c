/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-cases.h"

/* Go function mode (src/judge/lang-go.c). Real runs are in
 * tests/system/test_funcmode.py. */

TEST(detect_forms)
{
        static const struct fm_detect_case cases[] = {
                {"func twoSum(nums []int, target int) []int {\n\treturn nil\n}\n", NULL, "twoSum", NULL, 2, NULL},
                /* grouped parameter names share the type after them */
                {"package main\n\nfunc f(a, b int, s string) (res int) {\n\treturn a\n}\n", NULL, "f", NULL, 3,
                 NULL},
                {"type Solution struct{}\n\nfunc (s *Solution) Solve(x int) int { return x }\n", NULL, "Solve",
                 "Solution", 1, NULL},
                {"func helper(x int) int { return x }\nfunc solve(x int) int { return helper(x) }\n", NULL, "solve",
                 NULL, 1, NULL},
                {"func init() {}\nfunc f(x int) int { return x }\n", NULL, "f", NULL, 1, NULL},
                {"func a(x int) int { return x }\nfunc b(x int) int { return x }\n", NULL, NULL, NULL, -1,
                 "2 functions could be the one the tests call: a (line 1), b (line 2)"},
                {"func f(x int) (int, error) { return x, nil }\n", NULL, NULL, NULL, -1,
                 "f() returns more than one value"},
                {"func depth(root *TreeNode) int { return 0 }\n", NULL, NULL, NULL, -1,
                 "parameter root: type *TreeNode is not supported"},
                {"func f(xs ...int) int { return 0 }\n", NULL, NULL, NULL, -1, "parameter xs: type ...int is not"},
                {"func f(m map[string]int) int { return 0 }\n", NULL, NULL, NULL, -1,
                 "parameter m: type map[string]int is not supported"},
                /* a top-level name that would collide with the import of the prebuilt helpers */
                {"var cr_h = 1\n\nfunc f(x int) int { return x + cr_h }\n", NULL, NULL, NULL, -1,
                 "cr_h (line 1) is the harness's name for its helpers in function mode: rename it"},
                {"const cr_hf = 2\n\nfunc f(x int) int { return x * cr_hf }\n", NULL, NULL, NULL, -1,
                 "cr_hf (line 1) is the harness's name for its helpers in function mode: rename it"},
                /* in a function body it shadows the import, which main alone uses */
                {"func f(x int) int {\n\tcr_h := 1\n\treturn x + cr_h\n}\n", NULL, "f", NULL, 1, NULL},
        };
        struct cr_fm_sig sig;

        fm_check_detect("go", cases, sizeof(cases) / sizeof(cases[0]));
        ASSERT_TRUE(fm_detect("go", "func f(a, b int, s string) (res int) { return 0 }", NULL, &sig, NULL));
        ASSERT_STREQ(sig.params[1].name, "b");
        ASSERT_STREQ(sig.params[1].type.spelling, "int");
        ASSERT_EQ(sig.ret.kind, CR_FM_INT);
        cr_fm_sig_done(&sig);
}

TEST(harness)
{
        static const char code[] = "package main\n\nimport \"strings\"\n\n"
                                   "func f(g [][]int, s string, b byte, x float64) []string {\n"
                                   "\treturn strings.Fields(s)\n}\n";
        static const char *const t[2][3] = {{"[[1,2],[3]], \"a \\u00e9\\n\", 255, 1", "[a]", NULL},
                                            {"[], b, 0, 0.5", "", "return len(result) == 1"}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("go", code, t, 2, &error);
        const char *src;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        /* the harness's own package clause and import of the helpers
         * prebuilt in the image (rootfs/recipes/go.conf), then the
         * student's code, its package clause blanked, numbered from line 1 */
        ASSERT_TRUE(strncmp(src, "package main\n\nimport cr_h \"coderunner/harness\"\n\n"
                                 "//line main.go:1\n            \n\nimport \"strings\"\n", 96) == 0);
        ASSERT_CONTAINS(src, "\t\tr := f([][]int{[]int{1, 2}, []int{3}}, \"a \\u00e9\\u000a\", 255, 1.0)\n"
                             "\t\tcr_h.Line(\"RESULT\", cr_h.List(r, func(x0 string) string { return cr_h.Str(x0) }))\n");
        ASSERT_CONTAINS(src, "func crCheck1(result []string) bool {\n\tif true {\nreturn len(result) == 1\n\t}\n");
        ASSERT_CONTAINS(src, "\t\tcr_h.Check(func() bool { return crCheck1(r) })\n");
        ASSERT_CONTAINS(src, "func main() {\n\tswitch cr_h.Test() {\n");
        /* the helpers are not compiled per request */
        ASSERT_TRUE(strstr(src, "func crLine") == NULL && strstr(src, "strconv") == NULL);
        /* a float parameter does not import the floats' package (strconv):
         * only a float result does */
        ASSERT_TRUE(strstr(src, "coderunner/harness/float") == NULL && strstr(src, "cr_hf") == NULL);
        cr_judge_plan_free(p);
}

/* Float results are formatted by coderunner/harness/float, imported only
 * then: it links strconv, which the other results do without. */
TEST(float_results_import_their_package)
{
        static const char avg[] = "func avg(xs []int) float64 {\n\treturn 0.5\n}\n";
        static const char grid[] = "func grid(n int) [][]float32 {\n\treturn nil\n}\n";
        static const char scale[] = "func scale(xs []float64) {\n\txs[0] *= 2\n}\n";
        static const char *const t[1][3] = {{"[1, 2]", "1.5", NULL}};
        static const char *const g[1][3] = {{"1", "[[0.5]]", "return len(result) == 1"}};
        struct cr_judge_plan *p = fm_plan("go", avg, t, 1, NULL);
        const char *src;

        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_TRUE(strncmp(src, "package main\n\nimport cr_h \"coderunner/harness\"\n"
                                 "import cr_hf \"coderunner/harness/float\"\n\n//line main.go:1\n", 105) == 0);
        ASSERT_CONTAINS(src, "\t\tcr_h.Line(\"RESULT\", cr_hf.Float(float64(r), 64))\n");
        cr_judge_plan_free(p);
        p = fm_plan("go", grid, g, 1, NULL);
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_CONTAINS(src, "import cr_hf \"coderunner/harness/float\"\n");
        ASSERT_CONTAINS(src, "cr_h.List(r, func(x0 []float32) string { return cr_h.List(x0, func(x1 float32) string "
                             "{ return cr_hf.Float(float64(x1), 32) }) })");
        ASSERT_CONTAINS(src, "func crCheck0(result [][]float32) bool {");
        cr_judge_plan_free(p);
        /* a function changing its float slice in place: the slice is the result */
        p = fm_plan("go", scale, t, 1, NULL);
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_CONTAINS(src, "import cr_hf \"coderunner/harness/float\"\n");
        ASSERT_CONTAINS(src, "\t\tr := a0\n\t\tcr_h.Line(\"RESULT\", cr_h.List(r, func(x0 float64) string "
                             "{ return cr_hf.Float(float64(x0), 64) }))\n");
        cr_judge_plan_free(p);
}

TEST(methods_are_called_on_a_new_value)
{
        static const char code[] = "type Solution struct{ n int }\n\nfunc (s *Solution) Add(x int) int { return x + s.n }\n";
        static const char *const t[1][3] = {{"1", "1", NULL}};
        struct cr_judge_plan *p = fm_plan("go", code, t, 1, NULL);

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "\t\tr := new(Solution).Add(1)\n");
        cr_judge_plan_free(p);
}

/* LeetCode writes Go's [][]byte boards as characters: they reach the
 * function as their codes and come back as characters. */
TEST(byte_boards_are_characters)
{
        static const char code[] = "func solve(board [][]byte) {\n\tboard[0][0] = 'X'\n}\n";
        static const char *const t[1][3] = {{"[[\"O\",\"1\"],[\".\",\"X\"]]", "[[\"X\",\"1\"],[\".\",\"X\"]]", NULL}};
        static const char *const bad[1][3] = {{"[[\"OO\"]]", "[]", NULL}};
        static const char *const ints[1][3] = {{"[[79, 1]]", "[[88, 1]]", NULL}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("go", code, t, 1, NULL);

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "\t\ta0 := [][]byte{[]byte{79, 49}, []byte{46, 88}}\n");
        ASSERT_CONTAINS(fm_source(p), "cr_h.List(x0, func(x1 byte) string { return cr_h.Char(x1) })");
        cr_judge_plan_free(p);
        /* written as integers, they stay integers */
        p = fm_plan("go", code, ints, 1, NULL);
        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "cr_h.List(x0, func(x1 byte) string { return cr_h.Uint(uint64(x1)) })");
        cr_judge_plan_free(p);
        /* a byte holds one ASCII character, not a string */
        ASSERT_TRUE(fm_plan("go", code, bad, 1, &error) == NULL);
        ASSERT_CONTAINS(error, "expected an integer or one ASCII character");
}

/* Code whose last line is a comment without a line end keeps the harness
 * out of the comment. */
TEST(code_ending_in_a_comment)
{
        static const char code[] = "func f(x int) int { return x } // the end";
        static const char *const t[1][3] = {{"1", "1", NULL}};
        struct cr_judge_plan *p = fm_plan("go", code, t, 1, NULL);

        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "// the end\n\nfunc main() {\n");
        cr_judge_plan_free(p);
}

/* The student's functions named like the helpers of old (crLine, crStr) or
 * like the package's (Line) change nothing: main calls cr_h's. */
TEST(helper_names_cannot_be_replaced)
{
        static const char code[] = "func crLine(k, t string) {}\nfunc Line(k, t string) {}\n"
                                   "func crInt(v int64) string { return \"0\" }\n"
                                   "func solve(x int) int { crLine(\"a\", \"b\"); Line(\"a\", \"b\"); _ = crInt(1); return x }\n";
        static const char *const t[1][3] = {{"1", "1", NULL}};
        struct cr_judge_plan *p = fm_plan("go", code, t, 1, NULL);

        /* solve calls the others: it is the one the tests call */
        ASSERT_TRUE(p != NULL);
        ASSERT_CONTAINS(fm_source(p), "\t\tr := solve(1)\n\t\tcr_h.Line(\"RESULT\", cr_h.Int(int64(r)))\n");
        cr_judge_plan_free(p);
}

TESTS_MAIN
