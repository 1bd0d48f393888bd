/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "judge/judge-internal.h"
#include "tests.h"

/* ================================================================ languages */

TEST(language_ids)
{
        ASSERT_EQ(cr_judge_lang_from_id(NULL), CR_JUDGE_LANG_CPP);
        ASSERT_EQ(cr_judge_lang_from_id(""), CR_JUDGE_LANG_CPP);
        ASSERT_EQ(cr_judge_lang_from_id("cpp"), CR_JUDGE_LANG_CPP);
        ASSERT_EQ(cr_judge_lang_from_id("csharp"), CR_JUDGE_LANG_CSHARP);
        ASSERT_EQ(cr_judge_lang_from_id("typescript"), CR_JUDGE_LANG_TYPESCRIPT);
        ASSERT_EQ(cr_judge_lang_from_id("c++"),
                  _CR_JUDGE_LANG_INVALID); /* aliases are the catalogue's job */
        ASSERT_EQ(cr_judge_lang_from_id("CPP"), _CR_JUDGE_LANG_INVALID);
        for (int l = 0; l < _CR_JUDGE_LANG_MAX; l++)
                ASSERT_EQ(cr_judge_lang_from_id(cr_judge_lang_to_id(l)), l);
        ASSERT_TRUE(cr_judge_lang_to_id(_CR_JUDGE_LANG_MAX) == NULL);
}

/* ================================================================ blanking */

static void check_blank(enum cr_judge_lang lang, const char *in, const char *want, bool want_complete)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *out = NULL;
        bool complete;

        printf("# blank %s: ", cr_judge_lang_to_id(lang));
        for (const char *p = in; *p; p++)
                putchar(*p == '\n' ? '|' : *p);
        putchar('\n');
        ASSERT_OK(cr_judge_blank_source(lang, in, strlen(in), &out, &complete, &err));
        ASSERT_STREQ(out, want);
        ASSERT_EQ(complete, want_complete);
}

TEST(blank_c_family)
{
        check_blank(CR_JUDGE_LANG_CPP, "x = \"a\\\"b\"; // c\n/* d\ne */ 'f'",
                    "x = \"     ;     \n    \n     '  ", true);
        check_blank(CR_JUDGE_LANG_CPP, "s = R\"x(a)\" )x\";\nint", "s = \"          ;\nint", true);
        check_blank(CR_JUDGE_LANG_CPP, "s = u8R\"(\n)\";", "s = \"    \n  ;", true);
        check_blank(CR_JUDGE_LANG_CPP, "int x = 1'000; char c = '\\'';", "int x = 1'000; char c = '   ;",
                    true);
        check_blank(CR_JUDGE_LANG_C, "// a \\\nb\nc", "      \n \nc", true);
        check_blank(CR_JUDGE_LANG_C, "a /* b", "a     ", false);
        check_blank(CR_JUDGE_LANG_C, "\"abc\nd", "\"   \nd", false); /* a newline ends the literal */
        check_blank(CR_JUDGE_LANG_C, "c = 'a\nd'", "c = ' \nd'", false);
        check_blank(CR_JUDGE_LANG_JAVA, "s = \"\"\"\n a \"\n\"\"\";", "s = \"  \n    \n   ;", true);
        check_blank(CR_JUDGE_LANG_CSHARP, "s = @\"a\"\"b\nc\"; t = $\"{x}\";",
                    "s = \"     \n  ; t = \"     ;", true);
        check_blank(CR_JUDGE_LANG_GO, "s := `a\n\"b`; r := 'x'", "s := \" \n   ; r := '  ", true);
        check_blank(CR_JUDGE_LANG_RUST, "/* a /* b */ c */ d", "                  d", true);
        check_blank(CR_JUDGE_LANG_RUST, "fn f<'a>(x: &'a str) -> char { 'x' }",
                    "fn f<'a>(x: &'a str) -> char { '   }", true);
        check_blank(CR_JUDGE_LANG_RUST, "r#\"a\"b\"#; b\"c\"; \"d\ne\"", "\"       ; \"   ; \" \n  ", true);
        check_blank(CR_JUDGE_LANG_RUST, "'\\n' '\xc3\xa9'", "'    '   ", true);
}

TEST(blank_scripting)
{
        check_blank(CR_JUDGE_LANG_PYTHON, "x = 'a' # c\n\"\"\"d\ne\"\"\" rb'f'",
                    "x = \"      \n\"   \n     \"    ", true);
        check_blank(CR_JUDGE_LANG_PYTHON, "s = '''a", "s = \"   ", false);
        check_blank(CR_JUDGE_LANG_PYTHON, "f'{x}' + u\"y\"", "\"      + \"   ", true);
        check_blank(CR_JUDGE_LANG_JAVASCRIPT, "a = `x${ \"}\" + `y${1}` }z` + 'q' // c",
                    "a = \"                      + \"       ", true);
        check_blank(CR_JUDGE_LANG_JAVASCRIPT, "r = /\\/\\/[/]x/g; y = a / b / c",
                    "r = \"         g; y = a / b / c", true);
        check_blank(CR_JUDGE_LANG_TYPESCRIPT, "return /a'b/.test(s) // x", "return \"    .test(s)     ",
                    true);
        check_blank(CR_JUDGE_LANG_JAVASCRIPT, "t = `abc", "t = \"   ", false);
}

TEST(blank_preserves_length_and_lines)
{
        static const char src[] = "#include <x>\nint main() { /* \n */ return \"\\n\"[0]; }\n";
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *out = NULL;

        for (int l = 0; l < _CR_JUDGE_LANG_MAX; l++) {
                free(TAKE_PTR(out));
                ASSERT_OK(cr_judge_blank_source(l, src, sizeof(src) - 1, &out, NULL, &err));
                ASSERT_UEQ(strlen(out), sizeof(src) - 1);
                for (size_t i = 0; i < sizeof(src) - 1; i++)
                        ASSERT_EQ(out[i] == '\n', src[i] == '\n');
        }
        ASSERT_ERRNO(cr_judge_blank_source(_CR_JUDGE_LANG_MAX, src, 1, &out, NULL, &err), EINVAL);
}

/* ================================================================ entry points */

struct entry_case {
        const char *lang, *code;
        bool entry;
};

static const struct entry_case entry_cases[] = {
        /* C */
        {"c", "#include <stdio.h>\nint main(void) {\n    return 0;\n}", true},
        {"c", "int main(int argc, char **argv) { return 0; }", true},
        {"c", "main() { }", true},
        {"c", "int solve(int x) { return x; }", false},
        {"c", "/* int main() { } */\nint f(void) { return 0; }", false},
        {"c", "// int main()\nint f(void);", false},
        {"c", "const char *s = \"int main() {}\";", false},
        {"c", "#define main() \\\n    foo\nint f(void) { return 0; }", false},
        {"c", "int domain(int x) { return x; }", false},
        {"c", "int x = s.main();", false},
        /* C++ */
        {"cpp", "#include <iostream>\nusing namespace std;\nint main() {\n    int n; cin >> n;\n}", true},
        {"cpp", "#define int long long\nsigned main() { return 0; }", true},
        {"cpp", "auto main() -> int { return 0; }", true},
        {"cpp", "extern \"C\" {\nint main() { return 0; }\n}", true},
        {"cpp", "int x = 1'000;\nint main() {}", true}, /* the separator is no char literal */
        {"cpp", "char c = '\"';\nint main() {}", true}, /* nor is a quote in a char literal a string */
        {"", "int main() {}", true},                    /* no language: C++ */
        {"cpp", "int addOne(int x) {\n    return x + 1;\n}", false},
        {"cpp", "class Solution {\npublic:\n    int main(int x) { return x; }\n};", false},
        {"cpp", "namespace ns {\nint main() { return 0; }\n}", false},
        {"cpp", "const char *s = R\"(int main() {})\";\nint f() { return 0; }", false},
        /* Go */
        {"go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}", true},
        {"go", "package main\nfunc main(){}", true},
        {"go", "package solution\n\nfunc Solve(x int) int { return x }", false},
        {"go", "package main\nfunc (s *Server) main() {}", false},
        {"go", "package main\n// func main() {}\nfunc f() {}", false},
        {"go", "package main\nvar s = `\nfunc main() {}\n`", false},
        {"go", "package main\nfunc mainly() {}", false},
        /* Rust */
        {"rust", "fn main() {\n    println!(\"hi\");\n}", true},
        {"rust", "use std::io;\npub fn main() { }", true},
        {"rust", "fn f<'a>(x: &'a str) -> &'a str { x }\nfn main() {}", true},
        {"rust", "fn solve(x: i32) -> i32 { x }", false},
        {"rust", "mod tests {\n    fn main() {}\n}", false},
        {"rust", "/* /* nested */ fn main() {} */\nfn f() {}", false},
        {"rust", "const S: &str = r#\"fn main() {}\"#;", false},
        /* Java */
        {"java", "public class Main {\n    public static void main(String[] args) {\n    }\n}", true},
        {"java", "class Main { static public void main(String... a) {} }", true},
        {"java", "class Main {\n    public static final void main(String[] a) {}\n}", true},
        {"java", "class Solution {\n    public int solve(int x) { return x; }\n}", false},
        {"java", "class Main { public void main(String[] args) {} }", false},
        {"java", "class Main { /* public static void main(String[] a) {} */ }", false},
        {"java", "class Main { String s = \"\"\"\n  static void main(\n\"\"\"; }", false},
        /* C# */
        {"csharp", "using System;\nclass Program {\n    static void Main(string[] args) {\n    }\n}", true},
        {"csharp", "class P { public static int Main() { return 0; } }", true},
        {"csharp", "class P { static async Task Main() { } }", true},
        {"csharp", "class P { static async Task<int> Main(string[] a) { return 0; } }", true},
        {"csharp", "class Solution { public int Solve(int x) { return x; } }", false},
        {"csharp", "class P { void Main() {} }", false},
        {"csharp", "class P { string s = @\"static void Main() {\"; }", false},
        {"csharp", "class P { static void main() {} }", false},
        /* Python */
        {"python", "print(input())", true},
        {"python", "import sys\n\ndef solve(x):\n    return x\n\nprint(solve(int(sys.stdin.readline())))",
         true},
        {"python", "def main():\n    pass\n\nif __name__ == \"__main__\":\n    main()", true},
        {"python", "x = int(input())", true},
        {"python", "import os; print(1)", true},
        {"python", "def f():\n    pass\nf()\n", true},
        {"python", "def solve(x):\n    return x + 1\n", false},
        {"python",
         "\"\"\"Module docstring.\n\nprint('not code')\n\"\"\"\nimport math\n\nclass Solution:\n"
         "    def f(self):\n        print('x')\n",
         false},
        {"python", "@decorator\ndef f():\n    pass", false},
        {"python", "from typing import List\n\nasync def f():\n    pass\n", false},
        {"python", "# print('comment')\ndef f():\n    '''doc\nprint(1)\n'''\n    return 1", false},
        {"python", "def f(a,\nb):\n    return (a +\nb)\n", false},
        {"python", "def f():\n    x = 1; print(x)\n", false},
        {"python", "\r\n\r\ndef f():\r\n    return 1\r\n", false},
        /* JavaScript */
        {"javascript", "console.log(\"hi\");", true},
        {"javascript",
         "const lines = require('fs').readFileSync(0, 'utf8').split('\\n');\nconsole.log(lines[0]);", true},
        {"javascript", "function main() {}\nmain();", true},
        {"javascript", "function f() {}\n(function () {})();", true},
        {"javascript", "function f() {} f();", true},
        {"javascript", "let x = 1\nx++", true},
        {"javascript",
         "const rl = readline.createInterface({ input: process.stdin });\n"
         "rl.on('line', (l) => {\n    console.log(l);\n});",
         true},
        {"javascript", "if (require.main === module) {\n    main();\n}", true},
        {"javascript", "function solve(x) {\n    return x + 1;\n}\nmodule.exports = { solve };", false},
        {"javascript", "'use strict';\nconst add = (a, b) =>\n    a + b;\nexports.add = add;", false},
        {"javascript", "class A {\n    m() { console.log(1); }\n}", false},
        {"javascript", "// console.log(1)\n/* main() */\nfunction f() {}", false},
        {"javascript", "const s = `${x}\n console.log(1)`;", false},
        {"javascript", "const re = /\\/\\/ console.log(1)/;\nfunction f() {}", false},
        {"javascript", "const x = [1, 2, 3]\n  .map((v) => v * 2);", false},
        {"javascript", "const f = function () {\n}\nasync function g() {}", false},
        {"javascript", "import fs from 'fs';\nexport function f() {}\nexport default f;", false},
        /* TypeScript */
        {"typescript",
         "const n: number = Number(require('fs').readFileSync(0, 'utf8'));\nconsole.log(n * 2);", true},
        {"typescript", "function main(): void {}\nmain();", true},
        {"typescript", "export function solve(x: number): number {\n    return x + 1;\n}", false},
        {"typescript",
         "interface P { x: number }\ntype Q = P | null;\nenum E { A, B }\ndeclare const y: number;\n"
         "namespace N { export const z = 1; }\nabstract class C {}\n"
         "function f<T>(a: T): T { return a; }",
         false},
        {"typescript", "@Component({})\nclass X {}", false},
        /* not a language */
        {"cobol", "int main() {}", false},
};

TEST(entry_points)
{
        for (size_t i = 0; i < sizeof(entry_cases) / sizeof(entry_cases[0]); i++) {
                const struct entry_case *c = &entry_cases[i];
                bool got = cr_judge_has_entry_point(c->lang, c->code, strlen(c->code));

                if (got != c->entry)
                        printf("# case %zu (%s) expected %s\n", i, c->lang,
                               c->entry ? "an entry point" : "none");
                ASSERT_EQ(got, c->entry);
        }
}

/* Every language has both kinds of case above. */
TEST(entry_points_cover_every_language)
{
        for (int l = 0; l < _CR_JUDGE_LANG_MAX; l++) {
                bool pos = false, neg = false;
                for (size_t i = 0; i < sizeof(entry_cases) / sizeof(entry_cases[0]); i++)
                        if (strcmp(entry_cases[i].lang, cr_judge_lang_to_id(l)) == 0) {
                                pos |= entry_cases[i].entry;
                                neg |= !entry_cases[i].entry;
                        }
                ASSERT_TRUE(pos && neg);
        }
}

TEST(select_mode)
{
        static const char add_one[] = "int addOne(int x) { return x + 1; }";
        static const char py_def[] = "def add_one(x):\n    return x + 1\n";
        _cleanup_free_ char *big = NULL;
        struct cr_error *err = NULL;
        enum cr_judge_mode mode = _CR_JUDGE_MODE_INVALID;

        ASSERT_OK(cr_judge_select_mode("cpp", add_one, strlen(add_one), &mode, &err));
        ASSERT_EQ(mode, CR_JUDGE_MODE_FUNCTION);
        ASSERT_OK(cr_judge_select_mode("", "int main() {}", 13, &mode, &err));
        ASSERT_EQ(mode, CR_JUDGE_MODE_STDIO);
        ASSERT_OK(cr_judge_select_mode("python", "print(1)", 8, &mode, &err));
        ASSERT_EQ(mode, CR_JUDGE_MODE_STDIO);

        /* code without an entry point is function mode in every language */
        ASSERT_OK(cr_judge_select_mode("python", py_def, strlen(py_def), &mode, &err));
        ASSERT_EQ(mode, CR_JUDGE_MODE_FUNCTION);
        ASSERT_OK(cr_judge_select_mode("java", "class A {}", 10, &mode, &err));
        ASSERT_EQ(mode, CR_JUDGE_MODE_FUNCTION);
        ASSERT_OK(cr_judge_select_mode("c", add_one, strlen(add_one), &mode, &err));
        ASSERT_EQ(mode, CR_JUDGE_MODE_FUNCTION);
        mode = _CR_JUDGE_MODE_INVALID;
        ASSERT_ERRNO(cr_judge_select_mode("cobol", "x", 1, &mode, &err), EINVAL);
        ASSERT_TRUE(strncmp(err->msg, "unknown language 'cobol'", 24) == 0);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_judge_select_mode("cpp", "int main\0", 9, &mode, &err), EINVAL);
        err = cr_error_free(err);
        big = malloc(CR_JUDGE_CODE_MAX + 1);
        ASSERT_TRUE(big != NULL);
        memset(big, ' ', CR_JUDGE_CODE_MAX + 1);
        ASSERT_ERRNO(cr_judge_select_mode("cpp", big, CR_JUDGE_CODE_MAX + 1, &mode, &err), E2BIG);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        err = cr_error_free(err);
}

/* ================================================================ output comparison */

struct match_case {
        const char *actual, *expected;
        bool match;
};

TEST(output_matches)
{
        static const struct match_case cases[] = {
                {"a\n", "a", true},
                {"a", "a\n\n\n", true},
                {"a  \t\n", "a", true},
                {"a\r\nb\r\n", "a\nb", true}, /* CRLF is LF */
                {"a\nb \nc\t\n\n \n", "a\nb\nc", true},
                {"", "", true},
                {"\n\n  \n", "", true}, /* only whitespace is empty */
                {"a\v\f", "a", true},
                {" a", "a", false},        /* leading whitespace counts */
                {"a\n\nb", "a\nb", false}, /* so do blank lines before the end */
                {"\na", "a", false},
                {"x", "", false}, /* an empty expectation is not a wildcard */
                {"", "x", false},
                {"A", "a", false},
                {"a b", "a  b", false},
                {"a\rb", "a\nb", false}, /* a lone CR inside a line is data */
                {"1\n2\n", "1\n2\n3", false},
                {"1\n2\n3", "1\n2", false},
                {"12", "1\n2", false},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct match_case *c = &cases[i];

                printf("# case %zu\n", i);
                ASSERT_EQ(cr_judge_output_matches(c->actual, strlen(c->actual), c->expected,
                                                  strlen(c->expected)),
                          c->match);
                /* symmetric */
                ASSERT_EQ(cr_judge_output_matches(c->expected, strlen(c->expected), c->actual,
                                                  strlen(c->actual)),
                          c->match);
        }
        ASSERT_TRUE(cr_judge_output_matches(NULL, 0, "", 0));
        ASSERT_TRUE(cr_judge_output_matches("a\0b", 3, "a\0b\n", 4));
        ASSERT_FALSE(cr_judge_output_matches("a\0b", 3, "a\0c", 3));
        /* lengths, not NUL terminators, bound the comparison */
        ASSERT_TRUE(cr_judge_output_matches("ab", 1, "a", 1));
}

/* ================================================================ plans and verdicts */

static const char *const run_argv[] = {"/box/main", NULL};
static const struct cr_judge_limits limits = {
        .cpu_time_ms = 2000, .wall_time_ms = 5000, .memory_bytes = 256ULL << 20, .output_bytes = 65536};

static struct cr_judge_plan *plan_of(const char *lang, const char *code, const struct cr_judge_test *t, size_t n,
                                     struct cr_error **err)
{
        struct cr_judge_request req = {
                .language = lang,
                .code = code,
                .code_len = strlen(code),
                .tests = t,
                .n_tests = n,
                .run_argv = run_argv,
                .source_max = 1 << 20,
        };
        struct cr_judge_plan *p = NULL;

        if (cr_judge_plan_new(&req, &p, err) < 0)
                return NULL;
        return p;
}

static struct cr_judge_run exited(int code, const char *out)
{
        return (struct cr_judge_run) {
                .ran = true,
                .status = code ? CR_JUDGE_STATUS_RUNTIME_ERROR : CR_JUDGE_STATUS_OK,
                .exit_code = code,
                .out = out,
                .out_len = strlen(out),
        };
}

TEST(plan_stdio)
{
        static const char code[] = "print(input())\n";
        struct cr_judge_test t[] = {{.id = "a", .input = "x", .expected_output = "x\n"},
                                    {.id = "b", .input = "y", .expected_output = "z"},
                                    {.id = "c", .input = "", .run_only = true}};
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_judge_plan *p = plan_of("python", code, t, 3, &err);
        struct cr_judge_verdict v;
        struct cr_judge_run r;
        const char *src;
        size_t len;

        ASSERT_TRUE(p != NULL);
        ASSERT_EQ(cr_judge_plan_mode(p), CR_JUDGE_MODE_STDIO);
        src = cr_judge_plan_source(p, &len);
        ASSERT_UEQ(len, strlen(code));
        ASSERT_TRUE(memcmp(src, code, len) == 0);
        ASSERT_TRUE(cr_judge_plan_test_args(p, 0) == NULL);

        r = exited(0, "x\r\n");
        cr_judge_plan_judge(p, 0, &r, &limits, &v);
        ASSERT_TRUE(v.passed && !v.wrong_answer && !v.message);
        r = exited(0, "y\n");
        cr_judge_plan_judge(p, 1, &r, &limits, &v);
        ASSERT_TRUE(!v.passed && v.wrong_answer);
        ASSERT_STREQ(v.message, "output does not match the expected output");
        cr_judge_verdict_done(&v);
        r = exited(0, "anything");
        cr_judge_plan_judge(p, 2, &r, &limits, &v);
        ASSERT_TRUE(v.passed); /* run only: no comparison */
        r = exited(3, "x\n");
        cr_judge_plan_judge(p, 0, &r, &limits, &v);
        ASSERT_TRUE(!v.passed && !v.wrong_answer);
        ASSERT_STREQ(v.message, "exited with code 3");
        cr_judge_verdict_done(&v);
        r = (struct cr_judge_run) {};
        cr_judge_plan_judge(p, 0, &r, &limits, &v);
        ASSERT_STREQ(v.message, "not run");
        cr_judge_verdict_done(&v);
        cr_judge_plan_free(p);
}

TEST(plan_function_cpp)
{
        static const char code[] = "int addOne(int x) {\n    return x + 1;\n}";
        static const char pass[] = "\n\036CR-RESULT 1\n"
                                   "[doctest] test cases: 1 | 1 passed | 0 failed | 1 skipped\n"
                                   "[doctest] assertions: 1 | 1 passed | 0 failed |\n[doctest] Status: SUCCESS!\n";
        struct cr_judge_test t[] = {{.id = "a", .input = "0", .expected_output = "1"},
                                    {.id = "b", .input = "5", .expected_output = "6"}};
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_judge_plan *p = plan_of("cpp", code, t, 2, &err);
        const char *const *args;
        struct cr_judge_verdict v;
        struct cr_judge_run r;
        const char *src;
        size_t len;

        ASSERT_TRUE(p != NULL);
        ASSERT_EQ(cr_judge_plan_mode(p), CR_JUDGE_MODE_FUNCTION);
        src = cr_judge_plan_source(p, &len);
        /* addOne needs no prelude: the checks prebuilt in the image */
        ASSERT_TRUE(strstr(src, "CRFM_CASE(\"t1\") {\n    CRFS((addOne(5) ->* cr_fm::cr_fm_cap), (6), addOne(5) == 6);\n}") !=
                    NULL);
        args = cr_judge_plan_test_args(p, 1);
        ASSERT_TRUE(args != NULL);
        ASSERT_STREQ(args[0], "--test-case=t1");
        ASSERT_TRUE(cr_judge_plan_test_args(p, 2) == NULL);

        r = exited(0, pass);
        cr_judge_plan_judge(p, 0, &r, &limits, &v);
        ASSERT_TRUE(v.passed);
        /* expected as sent; actual is what the test's value line says */
        ASSERT_STREQ(v.expected, "1");
        ASSERT_STREQ(v.actual, "1");
        cr_judge_verdict_done(&v);
        r = exited(0, "");
        cr_judge_plan_judge(p, 0, &r, &limits, &v);
        ASSERT_TRUE(!v.passed && !v.wrong_answer);
        ASSERT_STREQ(v.message, "the test harness produced no result");
        ASSERT_STREQ(v.expected, "1");
        ASSERT_TRUE(v.actual == NULL);
        cr_judge_verdict_done(&v);
        r = (struct cr_judge_run) {.ran = true, .status = CR_JUDGE_STATUS_TIME_LIMIT, .wall_limit = true};
        cr_judge_plan_judge(p, 1, &r, &limits, &v);
        ASSERT_STREQ(v.message, "wall-clock limit of 5 s exceeded");
        cr_judge_verdict_done(&v);
        cr_judge_plan_free(p);
}

/* C++'s actual value comes from the line the generated test prints beside
 * doctest's report (cpp-generate.c), for every result type, in the
 * canonical form; doctest's values line is not read (it shows {?} for
 * vectors, strcmp's result for char*), nor does the value line reach the
 * message. */
TEST(plan_function_cpp_actual_values)
{
        static const char fail_fmt[] =
                "%s===============================================================================\n"
                "solution.cpp:20:\nTEST CASE:  t0\n\nsolution.cpp:21: ERROR: CHECK( %s ) is NOT correct!\n"
                "  values: CHECK( %s )\n\n"
                "===============================================================================\n"
                "[doctest] test cases: 1 | 0 passed | 1 failed | 1 skipped\n"
                "[doctest] assertions: 1 | 0 passed | 1 failed |\n[doctest] Status: FAILURE!\n";
        static const struct {
                const char *code, *expected, *line, *check, *values, *actual;
        } cases[] = {
                {"int f(int x) {\n    return x;\n}", " 7 ", "\n\036CR-RESULT 3\n", "f(3) == 7", "3 == 7", "3"},
                {"double f(int x) {\n    return x;\n}", "0.5", "\n\036CR-RESULT 2.5\n", "f(3) == 0.5",
                 "2.5 == 0.5", "2.5"},
                {"std::string f(std::string s) {\n    return s;\n}", "a == b", "\n\036CR-RESULT \"x\"\n",
                 "f(\"x\") == \"a == b\"", "x == a == b", "\"x\""},
                {"char* f(char* s) {\n    return s;\n}", "x", "\n\036CR-RESULT \"3\"\n", "strcmp(f(arg0_0), \"x\") == 0",
                 "1 == 0", "\"3\""},
                {"vector<int> f(vector<int> v) {\n    return v;\n}", "[1]", "\n\036CR-RESULT [3]\n",
                 "f(arr0) == vector<int>{1}", "{?} == {?}", "[3]"},
                /* two lines: the last one; a type the test cannot print: none */
                {"int f(int x) {\n    return x;\n}", "7", "\n\036CR-RESULT 1\n\n\036CR-RESULT 2\n", "f(3) == 7",
                 "3 == 7", "2"},
                {"int f(int x) {\n    return x;\n}", "7", "", "f(3) == 7", "3 == 7", NULL},
                {"int f(int x) {\n    return x;\n}", "7", "\n\036CR-RESULT [1,\n", "f(3) == 7", "3 == 7", NULL},
        };

        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
                struct cr_judge_test t = {.id = "a", .input = "3", .expected_output = cases[k].expected};
                _cleanup_error_ struct cr_error *err = NULL;
                _cleanup_free_ char *out = NULL;
                struct cr_judge_plan *p = plan_of("cpp", cases[k].code, &t, 1, &err);
                struct cr_judge_verdict v;
                struct cr_judge_run r;

                ASSERT_TRUE(p != NULL);
                ASSERT_TRUE(asprintf(&out, fail_fmt, cases[k].line, cases[k].check, cases[k].values) > 0);
                r = exited(1, out);
                cr_judge_plan_judge(p, 0, &r, &limits, &v);
                ASSERT_TRUE(!v.passed && v.wrong_answer);
                ASSERT_STREQ(v.expected, k == 0 ? "7" : cases[k].expected); /* trimmed */
                ASSERT_TRUE(strstr(v.message, "CR-RESULT") == NULL);
                ASSERT_TRUE(strstr(v.message, "is NOT correct!") != NULL);
                if (cases[k].actual)
                        ASSERT_STREQ(v.actual, cases[k].actual);
                else
                        ASSERT_TRUE(v.actual == NULL);
                cr_judge_verdict_done(&v);
                cr_judge_plan_free(p);
        }
        {
                /* custom code: nothing to show */
                struct cr_judge_test t = {.id = "a", .input = "3", .expected_output = "7",
                                          .custom_validation_code = "CHECK(f(3) == 3);"};
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_judge_plan *p = plan_of("cpp", cases[0].code, &t, 1, &err);
                struct cr_judge_run r = exited(1, "");
                struct cr_judge_verdict v;

                ASSERT_TRUE(p != NULL);
                cr_judge_plan_judge(p, 0, &r, &limits, &v);
                ASSERT_TRUE(v.expected == NULL && v.actual == NULL);
                cr_judge_verdict_done(&v);
                cr_judge_plan_free(p);
        }
}

TEST(run_messages)
{
        static const struct {
                struct cr_judge_run run;
                const char *msg;
        } cases[] = {
                {{.status = CR_JUDGE_STATUS_TIME_LIMIT}, "time limit of 2 s CPU exceeded"},
                {{.status = CR_JUDGE_STATUS_TIME_LIMIT, .wall_limit = true}, "wall-clock limit of 5 s exceeded"},
                {{.status = CR_JUDGE_STATUS_MEMORY_LIMIT}, "memory limit of 256 MiB exceeded"},
                {{.status = CR_JUDGE_STATUS_OUTPUT_LIMIT}, "output limit of 65536 bytes exceeded"},
                {{.status = CR_JUDGE_STATUS_SECCOMP_VIOLATION}, "killed for a forbidden system call"},
                {{.status = CR_JUDGE_STATUS_SECCOMP_VIOLATION, .seccomp_syscall = "chroot"},
                 "killed for a forbidden system call (chroot)"},
                {{.status = CR_JUDGE_STATUS_RUNTIME_ERROR, .signal = 11}, "killed by signal 11 (Segmentation fault)"},
                {{.status = CR_JUDGE_STATUS_RUNTIME_ERROR, .exit_code = 2}, "exited with code 2"},
                {{.status = CR_JUDGE_STATUS_INTERNAL_ERROR}, "internal error while running the test"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *m = cr_judge_run_message(&cases[i].run, &limits);
                ASSERT_STREQ(m, cases[i].msg);
        }
        ASSERT_TRUE(cr_judge_run_message(&(struct cr_judge_run) {.status = CR_JUDGE_STATUS_OK}, &limits) == NULL);
        ASSERT_STREQ(cr_judge_status_to_string(CR_JUDGE_STATUS_TIME_LIMIT), "TIME_LIMIT");
        ASSERT_TRUE(cr_judge_status_to_string(_CR_JUDGE_STATUS_MAX) == NULL);
}

TEST(summary)
{
        static const char cc_err[] = "main.c: In function 'f':\nmain.c:2:1: error: expected ';'\n";
        struct cr_judge_run ok = exited(0, ""), tle = {.ran = true, .status = CR_JUDGE_STATUS_TIME_LIMIT},
                            crash = {.ran = true, .status = CR_JUDGE_STATUS_RUNTIME_ERROR, .signal = 11},
                            cc = {.ran = true, .status = CR_JUDGE_STATUS_RUNTIME_ERROR, .exit_code = 1,
                                  .err = cc_err, .err_len = sizeof(cc_err) - 1},
                            cc_tle = {.ran = true, .status = CR_JUDGE_STATUS_TIME_LIMIT},
                            cc_sys = {.ran = true, .status = CR_JUDGE_STATUS_SECCOMP_VIOLATION,
                                      .seccomp_syscall = "getdents64"};
        struct cr_judge_verdict pass = {.passed = true}, wa = {.wrong_answer = true, .message = (char *) "wrong"},
                                fail_tle = {.message = (char *) "time"}, fail_crash = {.message = (char *) "sig"};
        struct cr_judge_result all_pass[] = {{"a", &ok, &pass}, {"b", &ok, &pass}},
                               mixed[] = {{"a", &ok, &wa}, {"b", &crash, &fail_crash}, {"c", &tle, &fail_tle},
                                          {"d", &ok, &pass}},
                               only_wa[] = {{"a", &ok, &pass}, {"b", &ok, &wa}};
        struct cr_judge_summary s;

        cr_judge_summarize(NULL, false, all_pass, 2, &s);
        ASSERT_TRUE(s.success);
        ASSERT_UEQ(s.passed, 2);
        ASSERT_STREQ(s.message, "Execution successful: 2/2 tests passed");
        ASSERT_STREQ(s.error_type, "");
        ASSERT_STREQ(s.error_message, "");
        cr_judge_summary_done(&s);

        /* the worst failure explains the result: a limit before a crash before a wrong answer */
        cr_judge_summarize(&ok, false, mixed, 4, &s);
        ASSERT_FALSE(s.success);
        ASSERT_UEQ(s.passed, 1);
        ASSERT_STREQ(s.message, "Execution failed: 1/4 tests passed");
        ASSERT_STREQ(s.error_type, "timeout");
        ASSERT_STREQ(s.error_message, "Test c: time");
        cr_judge_summary_done(&s);
        cr_judge_summarize(NULL, false, only_wa, 2, &s);
        ASSERT_STREQ(s.error_type, "test_failure");
        ASSERT_STREQ(s.error_message, "Test b: wrong");
        cr_judge_summary_done(&s);

        cr_judge_summarize(&cc, true, NULL, 0, &s);
        ASSERT_FALSE(s.success);
        ASSERT_STREQ(s.message, "Compilation failed");
        ASSERT_STREQ(s.error_type, "compilation_error");
        ASSERT_STREQ(s.error_message, "Compilation error: main.c:2:1: error: expected ';'");
        cr_judge_summary_done(&s);
        cr_judge_summarize(&cc_tle, true, NULL, 0, &s);
        ASSERT_STREQ(s.error_message, "Compilation error: compiler TIME_LIMIT");
        cr_judge_summary_done(&s);
        cr_judge_summarize(&cc_sys, true, NULL, 0, &s);
        ASSERT_STREQ(s.error_message, "Compilation error: compiler SECCOMP_VIOLATION (getdents64)");
        cr_judge_summary_done(&s);
}

TESTS_MAIN
