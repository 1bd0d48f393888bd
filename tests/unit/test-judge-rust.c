/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-cases.h"

/* Rust function mode (src/judge/lang-rust.c). Real runs are in
 * tests/system/test_funcmode.py. */

TEST(detect_forms)
{
        static const struct fm_detect_case cases[] = {
                /* LeetCode's form: struct Solution is theirs, not the student's */
                {"impl Solution {\n    pub fn two_sum(nums: Vec<i32>, target: i32) -> Vec<i32> {\n        vec![]\n"
                 "    }\n}\n",
                 NULL, "two_sum", "Solution", 2, NULL},
                {"fn helper(x: i64) -> i64 { x }\npub fn solve(x: i64) -> i64 { helper(x) }\n", NULL, "solve", NULL,
                 1, NULL},
                {"struct Solution;\nimpl Solution {\n    fn f(&self, s: &str) -> String { s.to_string() }\n}\n", NULL, "f",
                 "Solution", 1, NULL},
                /* a trait impl is not the solution */
                {"impl std::fmt::Debug for Solution { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result "
                 "{ Ok(()) } }\nfn g(x: i32) -> i32 { x }\n",
                 NULL, "g", NULL, 1, NULL},
                {"fn a(x: i32) -> i32 { x }\nfn b(x: i32) -> i32 { x }\n", NULL, NULL, NULL, -1,
                 "2 functions could be the one the tests call: a (line 1), b (line 2)"},
                {"impl Solution {\n    pub fn max_depth(root: Option<Rc<RefCell<TreeNode>>>) -> i32 { 0 }\n}\n",
                 NULL, NULL, NULL, -1, "parameter root: type Option<Rc<RefCell<TreeNode>>> is not supported"},
                {"fn f(x: i32) -> (i32, i32) { (x, x) }\n", NULL, NULL, NULL, -1,
                 "f()'s result: type (i32, i32) is not supported"},
        };
        struct cr_fm_sig sig;

        fm_check_detect("rust", cases, sizeof(cases) / sizeof(cases[0]));
        ASSERT_TRUE(fm_detect("rust", "fn f(mut a: Vec<Vec<i64>>, b: &[u8], c: &mut Vec<char>, d: &str, e: f32) {}", NULL,
                              &sig, NULL));
        ASSERT_STREQ(sig.params[0].name, "a");
        ASSERT_STREQ(sig.params[1].type.spelling, "Vec<u8>");
        ASSERT_EQ(sig.params[2].type.elem->kind, CR_FM_CHAR);
        ASSERT_STREQ(sig.params[3].type.spelling, "String");
        ASSERT_EQ(sig.ret.kind, CR_FM_VOID);
        cr_fm_sig_done(&sig);
}

TEST(harness)
{
        static const char code[] = "impl Solution {\n"
                                    "    pub fn rotate(nums: &mut Vec<i32>, k: i32, words: Vec<&str>, s: &str) {\n"
                                    "        nums.rotate_right(k as usize);\n    }\n}\n";
        static const char *const t[2][3] = {{"[1,2,3], 1, [\"a\\\"\", b], \"\\u00e9\\n\"", "[3,1,2]", NULL},
                                            {"[], 0, [], x", "", "assert!(result.is_empty());"}};
        _cleanup_free_ char *error = NULL;
        struct cr_judge_plan *p = fm_plan("rust", code, t, 2, &error);
        const char *src;

        printf("# %s\n", error ? error : "");
        ASSERT_TRUE(p != NULL);
        src = fm_source(p);
        ASSERT_TRUE(strncmp(src, code, strlen(code)) == 0);
        /* LeetCode's struct Solution, which the code does not declare */
        ASSERT_CONTAINS(src, "\n\nstruct Solution;");
        ASSERT_CONTAINS(src, "            let mut a0: Vec<i32> = vec![1_i32, 2_i32, 3_i32];\n"
                             "            let mut a1: i32 = 1_i32;\n"
                             "            let mut a2: Vec<&str> = vec![\"a\\\"\", \"b\"];\n"
                             "            let mut a3: String = String::from(\"\\u{e9}\\u{a}\");\n"
                             "            let r = Solution::rotate(&mut a0, a1, a2, &a3);\n"
                             "            let r = a0;\n");
        ASSERT_CONTAINS(src, "fn cr_check_1(result: Vec<i32>) -> bool {\n    {\nassert!(result.is_empty());\n    };\n");
        cr_judge_plan_free(p);
}

TESTS_MAIN
