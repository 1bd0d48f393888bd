/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <unistd.h>

#include "fm-cases.h"

/* C function mode (src/judge/lang-c.c): LeetCode's C conventions, and real
 * runs compiled with gcc as rootfs/runtimes/c.json does. */

TEST(detect_forms)
{
        static const struct fm_detect_case cases[] = {
                {"int* twoSum(int* nums, int numsSize, int target, int* returnSize) {\n    return 0;\n}\n", NULL,
                 "twoSum", NULL, 2, NULL},
                {"#include <string.h>\n#define MAX(a, b) ((a) > (b) ? (a) : (b))\nint f(int a, int b);\n"
                 "static int helper(int x) { return x; }\n"
                 "long long solve(const char* s, char** words, int wordsSize) { return helper(1); }\n",
                 NULL, "solve", NULL, 2, NULL},
                {"int** gen(int** grid, int gridSize, int* gridColSize, int* returnSize, int** returnColumnSizes) "
                 "{ return grid; }\n",
                 NULL, "gen", NULL, 1, NULL},
                {"void reverseString(char* s, int sSize) { }\n", NULL, "reverseString", NULL, 1, NULL},
                {"bool isOk(double x, float y, unsigned long long z, char c) { return 1; }\n", NULL, "isOk", NULL,
                 4, NULL},
                {"int a(int x) { return x; }\nint b(int x) { return x; }\n", NULL, NULL, NULL, -1,
                 "2 functions could be the one the tests call: a (line 1), b (line 2)"},
                {"struct TreeNode;\nint maxDepth(struct TreeNode* root) { return 0; }\n", NULL, NULL, NULL, -1,
                 "parameter root: type struct TreeNode* is not supported"},
                {"int* f(int n) { return 0; }\n", NULL, NULL, NULL, -1,
                 "the function returns a pointer but has no trailing `int* returnSize`"},
        };

        fm_check_detect("c", cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(harness)
{
        static const char code[] = "char** split(char* s, int** grid, int gridSize, int* gridColSize, int* "
                                   "returnSize) {\n    *returnSize = 0;\n    return 0;\n}\n";
        static const char *const t[1][3] = {{"\"a?\\\"\\n\\u00e9\", [[1,2],[]]", "[]", NULL}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("c", code, t, 1, &error);
        const char *src;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_CONTAINS(src, "#include <string.h>\n#line 1 \"main.c\"\n");
        /* writable copies, octal escapes (no trigraph, no hex run-on) */
        ASSERT_CONTAINS(src, "                static char a0[] = \"a\\?\\\"\\012\\303\\251\";\n"
                             "                static int a1_0[2] = {1LL, 2LL};\n"
                             "                static int a1_1[1] = {};\n"
                             "                static int *a1[2] = {a1_0, a1_1};\n"
                             "                static int a1_cols[2] = {2, 0};\n"
                             "                int rs = 0; int *rc = NULL; (void) rc;\n"
                             "                char **r = split(a0, a1, 2, a1_cols, &rs);\n");
        cr_judge_plan_free(p);
}

static bool have_gcc(void)
{
        return access("/usr/bin/gcc", X_OK) == 0;
}

TEST(real_runs)
{
        static const char code[] =
                "static int helper(int x) { return x; }\n"
                "int* twoSum(int* nums, int numsSize, int target, int* returnSize) {\n"
                "    if (target == 0) { int *p = NULL; *returnSize = *p; }\n"
                "    for (int i = 0; i < numsSize; i++)\n"
                "        for (int j = i + 1; j < numsSize; j++)\n"
                "            if (nums[i] + nums[j] == target) {\n"
                "                int *r = malloc(2 * sizeof(int));\n"
                "                r[0] = helper(i); r[1] = j; *returnSize = 2; return r;\n"
                "            }\n"
                "    *returnSize = 0;\n"
                "    return NULL;\n"
                "}\n";
        static const char *const t[6][3] = {
                {"[2,7,11,15],9", "[0,1]", NULL},
                {"[3,2,4],6", "[1,2]", NULL},
                {"[3,3],6", "[1,0]", NULL},  /* wrong answer */
                {"[1],0", "[]", NULL},       /* a crash */
                {"[1,2],9", "[]", NULL},     /* an empty array */
                {"[1,5],6", "", "assert(result_size == 2 && result[1] == 0);"},
        };
        static const bool passed[6] = {true, true, false, false, true, false};
        char *const build[] = {(char *) "gcc", (char *) "-std=c17", (char *) "-O2", (char *) "-pipe",
                               (char *) "-Wall", (char *) "-o", (char *) "main", (char *) "main.c", (char *) "-lm", NULL};
        char *const run[] = {(char *) "./main", NULL};
        _cleanup_free_ char *output = NULL, *error = NULL;
        struct cr_judge_plan *p;
        char *dir;

        if (!have_gcc())
                SKIP("gcc missing");
        p = fm_plan("c", code, t, 6, &error);
        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        dir = fm_mkdtemp();
        if (fm_build(p, dir, "main.c", build, &output) < 0)
                printf("# %s\n", output);
        ASSERT_OK(fm_build(p, dir, "main.c", build, NULL));
        for (size_t i = 0; i < 6; i++) {
                struct cr_judge_verdict v;
                ASSERT_OK(fm_run_test(p, dir, "main.c", run, i, &v));
                printf("# test %zu: %s %s (actual %s)\n", i, v.passed ? "passed" : "failed",
                       v.message ? v.message : "", v.actual ? v.actual : "-");
                ASSERT_EQ(v.passed, passed[i]);
                if (i == 2)
                        ASSERT_STREQ(v.message, "element [0]: expected 1, got 0");
                if (i == 3)
                        ASSERT_STREQ(v.message, "killed by signal 11 (Segmentation fault)");
                if (i == 5) { /* a failed assert() fails the test, it does not crash it */
                        ASSERT_TRUE(v.wrong_answer);
                        ASSERT_STREQ(v.message, "custom_validation_code failed: an assertion failed (abort)");
                }
                cr_judge_verdict_done(&v);
        }
        fm_rmdir(dir);
        cr_judge_plan_free(p);
}

/* Builds the program of `code` with gcc as rootfs/runtimes/c.json does
 * (no warning about the harness's own declarations: they match the
 * builtins' and glibc's), runs its tests, and checks each verdict and actual
 * value. Returns the source's first line. */
static void build_and_run(const char *code, const char *const (*t)[3], size_t n, const bool *passed,
                          const char *const *actual, char **ret_first_line)
{
        char *const build[] = {(char *) "gcc", (char *) "-std=c17", (char *) "-O2", (char *) "-pipe", (char *) "-Wall",
                               (char *) "-o", (char *) "main", (char *) "main.c", (char *) "-lm", NULL};
        char *const run[] = {(char *) "./main", NULL};
        _cleanup_free_ char *output = NULL, *error = NULL;
        struct cr_judge_plan *p = fm_plan("c", code, t, n, &error);
        const char *src;
        char *dir;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        *ret_first_line = strndup(src, strcspn(src, "\n"));
        dir = fm_mkdtemp();
        ASSERT_OK(fm_build(p, dir, "main.c", build, &output));
        printf("# %s\n", output ? output : "");
        ASSERT_TRUE(!output || (!strstr(output, "conflicting") && !strstr(output, "mismatch") &&
                                !strstr(output, "implicit")));
        for (size_t i = 0; i < n; i++) {
                struct cr_judge_verdict v;
                ASSERT_OK(fm_run_test(p, dir, "main.c", run, i, &v));
                printf("# test %zu: %s %s (actual %s)\n", i, v.passed ? "passed" : "failed",
                       v.message ? v.message : "", v.actual ? v.actual : "-");
                ASSERT_EQ(v.passed, passed[i]);
                ASSERT_STREQ(v.actual ? v.actual : "", actual[i]);
                cr_judge_verdict_done(&v);
        }
        fm_rmdir(dir);
        cr_judge_plan_free(p);
}

/* Code that names nothing of C's standard headers gets none of them (they
 * are most of such a compile: bench/funcmode-latency.py): the harness needs
 * no header either. Every kind of result still prints, and code that does
 * include the headers the harness declares from compiles with it. */
TEST(headers_only_when_named)
{
        static const char *const ints[2][3] = {{"1, 2", "3", NULL}, {"2, 2", "5", NULL}};
        static const char *const floats[2][3] = {{"1", "0.5", NULL}, {"0", "0", NULL}};
        static const char *const strs[2][3] = {{"1", "\"b\\\"c\"", NULL}, {"0", "[true,false]", NULL}};
        static const bool pass_fail[2] = {true, false}, fail_pass[2] = {false, true};
        static const char *const ints_actual[2] = {"3", "4"};
        static const char *const floats_actual[2] = {"0.5", "NaN"}; /* a non-finite result is a float */
        static const char *const strs_actual[2] = {"\"b\\\"c\"", "[true,false]"};
        _cleanup_free_ char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL, *l5 = NULL;

        if (!have_gcc())
                SKIP("gcc missing");
        build_and_run("int add(int a, int b) {\n    return a + b;\n}\n", ints, 2, pass_fail, ints_actual, &l1);
        ASSERT_STREQ(l1, "#line 1 \"main.c\"");
        /* NaN: 0.0 / 0 */
        build_and_run("double half(int x) {\n    return x / (x ? 2.0 : 0.0 * x);\n}\n", floats, 2, pass_fail,
                      floats_actual, &l2);
        ASSERT_STREQ(l2, "#line 1 \"main.c\"");
        build_and_run("const char *word(int x) {\n    return x ? \"b\\\"c\" : 0;\n}\n", strs, 1, pass_fail,
                      strs_actual, &l3);
        ASSERT_STREQ(l3, "#line 1 \"main.c\"");
        /* _Bool names nothing; a returned array of them, in place */
        build_and_run("void flip(_Bool *b, int n) {\n    for (int i = 0; i < n; i++) b[i] = !b[i];\n}\n",
                      (const char *const[][3]){{"[false,true]", "[false,true]", NULL}, {"[false,true]", "[true,false]", NULL}}, 2,
                      fail_pass, (const char *const[]){"[true,false]", "[true,false]"}, &l4);
        ASSERT_STREQ(l4, "#line 1 \"main.c\"");
        /* the code's own headers (those whose functions the harness declares
         * itself, and the nine): compatible declarations */
        build_and_run("#include <signal.h>\n#include <unistd.h>\n#include <stdio.h>\n"
                      "int add(int a, int b) {\n    return a + b;\n}\n", ints, 2, pass_fail, ints_actual, &l5);
        ASSERT_STREQ(l5, "#include <assert.h>");
}

TESTS_MAIN
