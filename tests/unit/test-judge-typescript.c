/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-cases.h"

/* TypeScript function mode (src/judge/lang-typescript.c on JavaScript's
 * detection): types from the annotations. */

TEST(detect_forms_and_types)
{
        static const struct fm_detect_case cases[] = {
                {"function twoSum(nums: number[], target: number): number[] {\n  return [];\n}\n", NULL, "twoSum",
                 NULL, 2, NULL},
                {"const f = (a: string, b?: boolean): string => a;\n", NULL, "f", NULL, 2, NULL},
                {"class Solution {\n  public solve(grid: number[][]): number { return 0; }\n}\n", NULL, "solve",
                 "Solution", 1, NULL},
                {"function f(root: TreeNode | null): number { return 0; }\n", NULL, NULL, NULL, -1,
                 "parameter root: type TreeNode | null is not supported"},
                {"function f(m: Map<string, number>): number { return 0; }\n", NULL, NULL, NULL, -1,
                 "parameter m: type Map<string, number> is not supported"},
                {"function f(x: number): Set<number> { return new Set(); }\n", NULL, NULL, NULL, -1,
                 "f()'s result: type Set<number> is not supported"},
        };
        struct cr_fm_sig sig;

        fm_check_detect("typescript", cases, sizeof(cases) / sizeof(cases[0]));
        ASSERT_TRUE(fm_detect("typescript",
                              "function f(a: number, b: bigint, c: string, d: boolean, e: Array<number[]>, "
                              "g: readonly string[], h): void {}\n",
                              NULL, &sig, NULL));
        ASSERT_EQ(sig.params[0].type.kind, CR_FM_NUMBER);
        ASSERT_EQ(sig.params[1].type.kind, CR_FM_INT);
        ASSERT_EQ(sig.params[2].type.kind, CR_FM_STRING);
        ASSERT_EQ(sig.params[3].type.kind, CR_FM_BOOL);
        ASSERT_EQ(sig.params[4].type.kind, CR_FM_LIST);
        ASSERT_EQ(sig.params[4].type.elem->kind, CR_FM_LIST);
        ASSERT_EQ(sig.params[4].type.elem->elem->kind, CR_FM_NUMBER);
        ASSERT_EQ(sig.params[5].type.kind, CR_FM_LIST);
        ASSERT_EQ(sig.params[6].type.kind, CR_FM_ANY);
        ASSERT_EQ(sig.ret.kind, CR_FM_VOID);
        cr_fm_sig_done(&sig);
}

TEST(literals_follow_the_declared_types)
{
        static const char code[] = "function f(n: number, big: bigint, s: string, xs: number[]): void {}\n";
        static const char *const t[1][3] = {{"[1,2], 9007199254740993, 42, [1.5, 2]", "[1,2]", NULL}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p;

        /* the first parameter is not an array: a void function is judged by it */
        ASSERT_TRUE(fm_plan("typescript", code, t, 1, &error) == NULL);
        ASSERT_CONTAINS(error, "f() returns nothing: function mode then compares its first argument");
        {
                static const char code2[] = "function f(xs: number[], big: bigint, s: string, n: number): void {}\n";
                static const char *const t2[1][3] = {{"[1,2], 9007199254740993, 42, 1.5", "[1,2]", NULL}};
                p = fm_plan("typescript", code2, t2, 1, NULL);
                ASSERT_TRUE(p != NULL);
                /* a bigint gets its n; a string parameter takes 42 as text */
                ASSERT_CONTAINS(fm_source(p), "() => { const a0 = [1, 2]; f(a0, 9007199254740993n, \"42\", 1.5); return a0; },\n");
                cr_judge_plan_free(p);
        }
}

TEST(harness_is_typed)
{
        static const char code[] = "function third(x: number): number {\n  return x / 3;\n}\n";
        static const char *const t[1][3] = {{"1", "", "if (Math.abs(result - 1 / 3) > 1e-9) throw new Error('off');"}};
        struct cr_judge_plan *p = fm_plan("typescript", code, t, 1, NULL);
        const char *src;

        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_CONTAINS(src, "const __crFmt = (v: any): string => {");
        ASSERT_CONTAINS(src, "function __crCheck0(result: any): unknown {\n");
        ASSERT_CONTAINS(src, "const __crCases: Array<() => unknown> = [\n    () => third(1),\n];\n");
        ASSERT_CONTAINS(src, "__crLine(\"ERROR\", (e as any).message);");
        cr_judge_plan_free(p);
}

TESTS_MAIN
