/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/cpp.h"
#include "judge/funcmode.h"
#include "judge/judge-internal.h"
#include "tests.h"
#include "xalloc.h"

/* ================================================================ helpers */

static int detect(const char *code, struct cr_cpp_sig *sig, struct cr_error **err)
{
        return cr_cpp_detect(code, strlen(code), sig, err);
}

/* Detects, generates with `n` tests, returns the source (or NULL and *err). */
static char *generate(const char *code, const struct cr_judge_test *tests, size_t n, struct cr_error **err)
{
        struct cr_cpp_sig sig = {};
        struct cr_buf b = CR_BUF_INIT(CR_CPP_SOURCE_MAX);
        int r;

        r = detect(code, &sig, err);
        if (r >= 0)
                r = cr_cpp_generate(code, &sig, tests, n, &b, err);
        cr_cpp_sig_done(&sig);
        if (r < 0) {
                cr_buf_done(&b);
                return NULL;
        }
        return cr_buf_steal(&b);
}

/* Generates one test and returns the body lines of its TEST_CASE (or
 * CRFM_CASE, for code that needs no prelude). */
static char *body_of(const char *code, const char *input, const char *expected)
{
        struct cr_judge_test t = {.id = "x", .input = input, .expected_output = expected};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *src = generate(code, &t, 1, &err);
        const char *b, *e;

        if (!src) {
                printf("# generate failed: %s\n", err ? err->msg : "?");
                return NULL;
        }
        b = strstr(src, "_CASE(\"t0\") {\n");
        e = b ? strstr(b, "\n}\n") : NULL;
        if (!e)
                return NULL;
        b += strlen("_CASE(\"t0\") {\n");
        return strndup(b, (size_t)(e - b + 1));
}

#define ASSERT_BODY(code, input, expected, want)                             \
        do {                                                                 \
                _cleanup_free_ char *body_ = body_of(code, input, expected); \
                ASSERT_TRUE(body_ != NULL);                                  \
                ASSERT_STREQ(body_, want);                                   \
        } while (0)

static const char add_one[] = "int addOne(int x) {\n    return x + 1;\n}";

/* ================================================================ detection */

TEST(detect_reference_example)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cpp_sig sig = {};

        ASSERT_OK(detect(add_one, &sig, &err));
        ASSERT_STREQ(sig.name, "addOne");
        ASSERT_STREQ(sig.return_type, "int");
        ASSERT_EQ(sig.return_kind, CR_CPP_KIND_INT);
        ASSERT_STREQ(sig.params_text, "int x");
        ASSERT_UEQ(sig.n_params, 1);
        ASSERT_STREQ(sig.params[0].name, "x");
        ASSERT_UEQ(sig.line, 1);
        ASSERT_FALSE(sig.returns_char_ptr);
        cr_cpp_sig_done(&sig);
}

/* The original regex (§6.2), edge by edge; NULL = no function found. */
TEST(detect_regex_edges)
{
        static const struct {
                const char *code, *name, *ret;
        } cases[] = {
                {"int f(int x)\n{\n    return x;\n}", "f", "int"}, /* brace on the next line */
                {"\n\n    int f() { return 1; }", "f", "int"},     /* indentation, blank lines */
                {"int\tf\t(\tint a\t)\t{ return a; }", "f", "int"},
                {"int f(int a,\n      int b) { return a; }", "f", "int"},
                {"char* f() { return 0; }", "f", "char*"},
                {"char * f() { return 0; }", "f", "char *"},
                {"const char* f() { return 0; }", "f", "const char*"},
                {"unsigned int f() { return 0; }", "f", "unsigned int"},
                {"const unsigned long f() { return 0; }", "f", "const unsigned long"},
                {"std::vector<int> f() { return {}; }", "f", "std::vector<int>"},
                {"vector<string> f() { return {}; }", "f", "vector<string>"},
                {"std::string f(std::string s) { return s; }", "f", "std::string"},
                {"string& f(string& s) { return s; }", "f", "string&"},
                {"int8_t f() { return 0; }", "f", "int8_t"},
                {"uint64_t f() { return 0; }", "f", "uint64_t"},
                {"size_t f() { return 0; }", "f", "size_t"},
                {"auto f(int x) { return x; }", "f", "auto"},
                {"int main() { return 0; }", "main", "int"}, /* the regex does not care */
                /* the one extension: nested vectors (detect_nested_vectors) */
                {"vector<vector<int>> f() { return {}; }", "f", "vector<vector<int>>"},
                /* what the original cannot see either */
                {"long long f() { return 0; }", NULL, NULL},
                {"static int f() { return 0; }", NULL, NULL},
                {"char *f() { return 0; }", NULL, NULL},
                {"pair<int, int> f() { return {}; }", NULL, NULL},
                {"template <typename T> T f(T x) { return x; }", NULL, NULL},
                {"unsigned f() { return 0; }", NULL, NULL},
                {"int f();", NULL, NULL},                              /* a prototype */
                {"int x = 5; int f(int a) { return a; }", NULL, NULL}, /* not at a line start */
                {"integer f() { return 0; }", NULL, NULL},
                {"", NULL, NULL},
                /* comments and literals are blanked first (the original matched inside them) */
                {"/*\nint old(int x) {\n*/\nint f(int x) { return x; }", "f", "int"},
                {"const char *s = \"\\\nint old() {\";\nint f() { return 1; }", "f", "int"},
                {"// int old() {\nint f() { return 1; }", "f", "int"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_cpp_sig sig = {};
                int r = detect(cases[i].code, &sig, &err);

                printf("# %zu: %s\n", i, cases[i].name ? cases[i].name : "(none)");
                if (!cases[i].name) {
                        ASSERT_ERRNO(r, EINVAL);
                        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
                        /* the original's wording, with nothing appended */
                        ASSERT_STREQ(err->msg, "error extracting function name: no valid function found in code");
                        continue;
                }
                ASSERT_OK(r);
                ASSERT_STREQ(sig.name, cases[i].name);
                ASSERT_STREQ(sig.return_type, cases[i].ret);
                cr_cpp_sig_done(&sig);
        }
}

TEST(detect_prefers_the_solution_over_helpers)
{
        static const struct {
                const char *code, *name;
        } cases[] = {
                /* the original picked the helper: the tests then called it */
                {"int helper(int x) { return x * 2; }\nint solve(int x) { return helper(x) + 1; }", "solve"},
                {"int solve(int x) { return helper(x); }\nint helper(int x) { return x; }", "solve"},
                {"int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }", "fib"},
                /* mutual recursion: everything is called, the first wins */
                {"bool even(int n) { return n == 0 || odd(n - 1); }\nbool odd(int n) { return n != 0 && "
                 "even(n - 1); }",
                 "even"},
                /* a member before a free function */
                {"struct S {\n    int get() { return 1; }\n};\nint solve(S s) { return s.get(); }", "solve"},
                /* only a member (LeetCode style): kept, as the original did */
                {"class Solution {\npublic:\n    int twoSum(vector<int>& nums, int target) {\n        "
                 "return 0;\n    }\n};",
                 "twoSum"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_cpp_sig sig = {};

                ASSERT_OK(detect(cases[i].code, &sig, &err));
                ASSERT_STREQ(sig.name, cases[i].name);
                cr_cpp_sig_done(&sig);
        }
}

TEST(detect_member_of_a_class)
{
        static const struct {
                const char *code, *name, *owner;
        } cases[] = {
                /* LeetCode's form: called on an instance, Solution().twoSum(...) */
                {"class Solution {\n    int gap(int t, int x) { return t - x; }\npublic:\n"
                 "    vector<int> twoSum(vector<int>& nums, int target) {\n        return {gap(target, 1)};\n    }\n};",
                 "twoSum", "Solution"},
                {"struct Solution final : Base {\n    int f(int x) {\n        return x;\n    }\n};", "f", "Solution"},
                {"#include <vector>\nclass Solution\n{\npublic:\n    int f(int x) {\n        return x;\n    }\n};",
                 "f", "Solution"},
                /* a free function is called as one; so is one in a namespace (as before) */
                {"int f(int x) {\n    return x;\n}", "f", NULL},
                {"namespace ns {\nint f(int x) {\n    return x;\n}\n}", "f", NULL},
                {"template <typename T> struct Solution {\n    int f(int x) {\n        return x;\n    }\n};", "f",
                 NULL},
                {"class Outer {\n    class Solution {\n        int f(int x) {\n            return x;\n        }\n    };\n};",
                 "f", NULL},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_cpp_sig sig = {};

                ASSERT_OK(detect(cases[i].code, &sig, &err));
                ASSERT_STREQ(sig.name, cases[i].name);
                if (cases[i].owner)
                        ASSERT_STREQ(sig.owner, cases[i].owner);
                else
                        ASSERT_TRUE(sig.owner == NULL);
                cr_cpp_sig_done(&sig);
        }
}

TEST(detect_nested_vectors)
{
        static const struct {
                const char *code, *name, *ret;
        } cases[] = {
                /* the original's vector<[^>]+> stopped at the first '>' and never matched these */
                {"vector<vector<int>> transpose(vector<vector<int>>& m) {\n    return m;\n}", "transpose",
                 "vector<vector<int>>"},
                {"std::vector<std::vector<std::string> > groups(int n) {\n    return {};\n}", "groups",
                 "std::vector<std::vector<std::string> >"},
                /* a helper returning a matrix does not hide the solution */
                {"vector<vector<int>> grid(int n) {\n    return {};\n}\nint count(int n) {\n    return grid(n).size();\n}",
                 "count", "int"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_cpp_sig sig = {};

                ASSERT_OK(detect(cases[i].code, &sig, &err));
                ASSERT_STREQ(sig.name, cases[i].name);
                ASSERT_STREQ(sig.return_type, cases[i].ret);
                ASSERT_EQ(sig.return_kind, strcmp(cases[i].ret, "int") ? CR_CPP_KIND_VECTOR : CR_CPP_KIND_INT);
                cr_cpp_sig_done(&sig);
        }
}

TEST(detect_return_kinds)
{
        static const struct {
                const char *code;
                enum cr_cpp_kind kind;
                bool char_ptr;
        } cases[] = {
                {"void f() {}", CR_CPP_KIND_VOID, false},
                {"double f() { return 0; }", CR_CPP_KIND_FLOAT, false},
                {"bool f() { return 0; }", CR_CPP_KIND_BOOL, false},
                {"char f() { return 0; }", CR_CPP_KIND_CHAR, false},
                {"char* f() { return 0; }", CR_CPP_KIND_CHAR_PTR, true},
                {"const char * f() { return 0; }", CR_CPP_KIND_CHAR_PTR, true},
                {"std::string f() { return 0; }", CR_CPP_KIND_STRING, false},
                {"const string& f() { return 0; }", CR_CPP_KIND_STRING, false},
                {"vector<int> f() { return {}; }", CR_CPP_KIND_VECTOR, false},
                {"unsigned long f() { return 0; }", CR_CPP_KIND_INT, false},
                {"int * f() { return 0; }", CR_CPP_KIND_OTHER, false},
                {"auto f() { return 0; }", CR_CPP_KIND_OTHER, false},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_cpp_sig sig = {};

                ASSERT_OK(detect(cases[i].code, &sig, &err));
                ASSERT_EQ(sig.return_kind, cases[i].kind);
                ASSERT_EQ(sig.returns_char_ptr, cases[i].char_ptr);
                cr_cpp_sig_done(&sig);
        }
}

TEST(detect_parameters)
{
        static const char code[] =
                "int f(const vector<int>& v, int n = 3, char* s, const char* t, string& u,\n"
                "      int arr[], char* strs[], int *p, unsigned long long, std::vector<std::string> w,\n"
                "      const std::string &x, double d[10]) {\n    return 0;\n}";
        static const struct {
                const char *name, *value_type;
                enum cr_cpp_kind kind;
                bool array, vector, lvalue, mut;
        } want[] = {
                {"v", "vector<int>", CR_CPP_KIND_INT, false, true, false, false}, /* const& */
                {"n", "int", CR_CPP_KIND_INT, false, false, false, false},
                {"s", "char*", CR_CPP_KIND_CHAR_PTR, false, false, false, true},
                {"t", "const char*", CR_CPP_KIND_CHAR_PTR, false, false, false, false},
                {"u", "string", CR_CPP_KIND_STRING, false, false, true, false},
                {"arr", "int", CR_CPP_KIND_INT, true, false, false, false},
                {"strs", "char*", CR_CPP_KIND_CHAR_PTR, true, false, false, true},
                {"p", "int", CR_CPP_KIND_INT, true, false, false, false},
                {"", "unsigned long long", CR_CPP_KIND_INT, false, false, false, false},
                {"w", "std::vector<std::string>", CR_CPP_KIND_STRING, false, true, false, false},
                {"x", "std::string", CR_CPP_KIND_STRING, false, false, false, false},
                {"d", "double", CR_CPP_KIND_FLOAT, true, false, false, false},
        };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cpp_sig sig = {};

        ASSERT_OK(detect(code, &sig, &err));
        ASSERT_UEQ(sig.n_params, sizeof(want) / sizeof(want[0]));
        for (size_t i = 0; i < sig.n_params; i++) {
                const struct cr_cpp_param *p = &sig.params[i];
                printf("# param %zu: %s\n", i, p->decl);
                ASSERT_STREQ(p->name, want[i].name);
                ASSERT_STREQ(p->value_type, want[i].value_type);
                ASSERT_EQ(p->kind, want[i].kind);
                ASSERT_EQ(p->is_array, want[i].array);
                ASSERT_EQ(p->is_vector, want[i].vector);
                ASSERT_EQ(p->needs_lvalue, want[i].lvalue);
                ASSERT_EQ(p->needs_mutable_chars, want[i].mut);
        }
        cr_cpp_sig_done(&sig);
}

TEST(detect_bounds)
{
        _cleanup_error_ struct cr_error *e1 = NULL, *e2 = NULL;
        _cleanup_free_ char *big = malloc(CR_JUDGE_CODE_MAX + 2);
        struct cr_cpp_sig sig = {};

        ASSERT_ERRNO(cr_cpp_detect("int f() {}\0x", 12, &sig, &e1), EINVAL);
        ASSERT_EQ(e1->kind, CR_ERROR_INVALID);
        memset(big, ' ', CR_JUDGE_CODE_MAX + 1);
        big[CR_JUDGE_CODE_MAX + 1] = 0;
        ASSERT_ERRNO(cr_cpp_detect(big, CR_JUDGE_CODE_MAX + 1, &sig, &e2), E2BIG);
        ASSERT_EQ(e2->kind, CR_ERROR_INVALID);
        ASSERT_TRUE(sig.name == NULL); /* untouched on failure */
}

/* ================================================================ generation */

TEST(generate_layout)
{
        struct cr_judge_test t[2] = {
                {.id = "123ad9ef-ec8a-45ab-9dc9-41ba034a32e1", .input = "0", .expected_output = "1"},
                {.id = "test-1\"); abort(); //", .input = "5", .expected_output = "6"},
        };
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *src = generate(add_one, t, 2, &err);
        static const char runtime_start[] =
                "#include <coderunner/light-checks.h>\n#define CR_FM_ID(...) __VA_ARGS__\n#define CRFM(";
        char *runtime, *line;

        ASSERT_TRUE(src != NULL);
        /* addOne names nothing of the prelude: the lighter header (same line
         * count), and the checks prebuilt in the image (light-checks.h) */
        /* the light checks' declarations and the capture runtime sits between the pragma and the #line that
         * restores the numbering (it ends with the namespace's brace) */
        runtime = strstr(src, "#pragma GCC optimize (\"O0\")\n");
        ASSERT_TRUE(runtime != NULL);
        runtime += strlen("#pragma GCC optimize (\"O0\")\n");
        ASSERT_TRUE(strncmp(runtime, runtime_start, strlen(runtime_start)) == 0);
        line = strstr(runtime, "}\n#line 13 \"solution.cpp\"\n");
        ASSERT_TRUE(line != NULL);
        memmove(runtime, line + 2, strlen(line + 2) + 1);
        ASSERT_STREQ(src, "#line 1 \"solution.cpp\"\n"
                          "// Start Test\n"
                          "#include <coderunner/light.h> // the code names nothing of the prelude\n"
                          "#include <exception>\n"
                          "#include <cstring>\n"
                          "#include <initializer_list>\n"
                          "// Solution - Start\n"
                          "int addOne(int x) {\n"
                          "    return x + 1;\n"
                          "}\n"
                          "// Solution - End\n"
                          "\n"
                          "// Tests - Start\n"
                          "#pragma GCC optimize (\"O0\")\n"
                          "#line 13 \"solution.cpp\"\n"
                          "CRFM_CASE(\"t0\") {\n"
                          "    CRFS((addOne(0) ->* cr_fm::cr_fm_cap), (1), addOne(0) == 1);\n"
                          "}\n"
                          "CRFM_CASE(\"t1\") {\n"
                          "    CRFS((addOne(5) ->* cr_fm::cr_fm_cap), (6), addOne(5) == 6);\n"
                          "}\n"
                          "// Tests - End\n");
        /* test ids never reach the source */
        ASSERT_TRUE(strstr(src, "123ad9ef") == NULL);
        ASSERT_TRUE(strstr(src, "abort") == NULL);
}

#define PRELUDE_HEADER                                                                                 \
        "\n#include <coderunner/doctest.h> // doctest's main and implementation are prebuilt\n"           \
        "#include <doctest/doctest.h>\n#include <cstring>\n\n// Solution - Start\n"
#define LIGHT_HEADER                                                                                   \
        "\n#include <coderunner/light.h> // the code names nothing of the prelude\n"                        \
        "#include <exception>\n#include <cstring>\n#include <initializer_list>\n// Solution - Start\n"

/* 1: the file includes the prelude, 0: the lighter header, -1: neither (or no file). */
static int uses_prelude(const char *code, const char *input, const char *expected, const char *custom)
{
        struct cr_judge_test t = {.id = "a", .input = input, .expected_output = expected,
                                  .custom_validation_code = custom};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *src = generate(code, &t, 1, &err);

        if (!src)
                return -1;
        return strstr(src, PRELUDE_HEADER) ? 1 : strstr(src, LIGHT_HEADER) ? 0 : -1;
}

/* The prelude is left out only where the code cannot tell (cpp-prelude.c). */
TEST(generate_prelude_rule)
{
        static const char *const needs[] = {
                "int f(int a) {\n    return std::abs(a);\n}",             /* std */
                "#define N 1\nint f(int a) {\n    return a;\n}",             /* a directive */
                "#include \"cstdlib\"\nint f(int a) {\n    return a;\n}",   /* an include of a file */
                "#include <sys/mman.h>\nint f(int a) {\n    return a;\n}",  /* not a standard header */
                "#include <cstdlib> x\nint f(int a) {\n    return a;\n}",   /* more on the line */
                "#include <cstdlib>\nint f(int a) {\n    return abs(a);\n}", /* names what it declares */
                "int f(int a) {\n    printf(\"%d\", a);\n    return a;\n}", /* a global of the prelude */
                "int f(int a) {\n    int count = a;\n    return count;\n}", /* a name std declares */
                "int f(int a) {\n    vector<int> v;\n    return a;\n}",     /* std's, unqualified */
                "int f(int a) {\n    return a + INT_MAX;\n}",               /* a macro */
                "int f(int a) {\n    return a + 1'000;\n}",                 /* a digit separator */
                "int f(int a) {\n    return a + s\\\ntd::abs(1);\n}",       /* a splice */
                "%:include <cstdio>\nint f(int a) {\n    return a;\n}",    /* a digraph */
                "int f(int a) {\n    _Pragma(\"once\") return a;\n}",
                "int f(int a) {\n    return a + L'x';\n}",                  /* a quote after a word */
        };
        const char *ok = "int f(int a, double b, bool c, char d) {\n    return a + (c ? d : (int) b);\n}";

        for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
                printf("# %s\n", needs[i]);
                ASSERT_EQ(uses_prelude(needs[i], "1", "1", NULL), 1);
        }
        ASSERT_EQ(uses_prelude(ok, "1, 2.5, true, 'x'", "3", NULL), 0);
        ASSERT_EQ(uses_prelude("class Solution {\npublic:\n    bool even(long n) {\n        return n % 2 == 0;\n"
                               "    }\n};", "4", "true", NULL), 0);
        /* lines that only include a standard header: in both files */
        ASSERT_EQ(uses_prelude("#include <cstdlib>\n  #  include<iostream>\t\n#include <bits/stdc++.h> // all\n"
                               "int f(int a) {\n    return a;\n}", "1", "1", NULL), 0);
        /* comments and strings are not code */
        ASSERT_EQ(uses_prelude("// std::vector, #include\nint f(int a) {\n    return a; /* printf */\n}", "1", "1",
                               NULL), 0);
        /* signatures, values and tests that reach doctest's printing of other types */
        ASSERT_EQ(uses_prelude(ok, "1, 2.5, true, \"x y\"", "3", NULL), 1);
        ASSERT_EQ(uses_prelude(ok, "1, 2.5, true, 'x'", "abc", NULL), 1);
        ASSERT_EQ(uses_prelude(ok, "1, 2.5, true, 'x'", "[3]", NULL), 1);
        ASSERT_EQ(uses_prelude(ok, "1, 2.5, true", "3", NULL), 1);
        ASSERT_EQ(uses_prelude(ok, "1, 2.5, true, 'x'", "3", "    CHECK(f(1, 2.5, true, 'x') == 3);"), 1);
        ASSERT_EQ(uses_prelude("int f(int a[], int n) {\n    return a[0] + n;\n}", "[1]", "2", NULL), 1);
        ASSERT_EQ(uses_prelude("char* f(char* a) {\n    return a;\n}", "x", "x", NULL), 1);
        ASSERT_EQ(uses_prelude("int f(int &a) {\n    return a;\n}", "1", "1", NULL), 1);
        ASSERT_EQ(uses_prelude("int* f(int a) {\n    return 0;\n}", "1", "1", NULL), 1);
}

TEST(generate_numbers)
{
        static const char f[] = "long long f(long long x) { return x; }\nint g(double x) { return f(x); }";
        static const char d[] = "double f(double x) { return x; }";

        /* f is called by g, so g is the solution: use one function per case */
        ASSERT_BODY(add_one, "007", "-0", "    CRFS((addOne(7) ->* cr_fm::cr_fm_cap), (0), addOne(7) == 0);\n");
        ASSERT_BODY(add_one, "+5", "6", "    CRFS((addOne(5) ->* cr_fm::cr_fm_cap), (6), addOne(5) == 6);\n");
        ASSERT_BODY(add_one, "  -3  ", " -2\n", "    CRFS((addOne(-3) ->* cr_fm::cr_fm_cap), (-2), addOne(-3) == -2);\n");
        ASSERT_BODY(add_one, "9223372036854775807", "0", "    CRFS((addOne(9223372036854775807) ->* cr_fm::cr_fm_cap), (0), addOne(9223372036854775807) == 0);\n");
        ASSERT_BODY(add_one, "-9223372036854775808", "0",
                    "    CRFS((addOne((-9223372036854775807LL - 1)) ->* cr_fm::cr_fm_cap), (0), addOne((-9223372036854775807LL - 1)) == 0);\n");
        ASSERT_BODY(add_one, "18446744073709551615", "0",
                    "    CRFS((addOne(18446744073709551615ULL) ->* cr_fm::cr_fm_cap), (0), addOne(18446744073709551615ULL) == 0);\n");
        ASSERT_BODY(add_one, "123456789012345678901234567890", "0",
                    "    CRFS((addOne(123456789012345678901234567890.0) ->* cr_fm::cr_fm_cap), (0), addOne(123456789012345678901234567890.0) == 0);\n");
        ASSERT_BODY(d, "1.5", "+.5", "    CRFS((f(1.5) ->* cr_fm::cr_fm_cap), (.5), f(1.5) == .5);\n");
        ASSERT_BODY(d, "1e3", "-2.5E-3", "    CRFS((f(1e3) ->* cr_fm::cr_fm_cap), (-2.5E-3), f(1e3) == -2.5E-3);\n");
        ASSERT_BODY(d, "5.", "0.0", "    CRFS((f(5.) ->* cr_fm::cr_fm_cap), (0.0), f(5.) == 0.0);\n");
        /* the original emitted these raw ("numeric"); they are strings here */
        ASSERT_BODY(d, "1.2.3", "-", "    CRFM((f(\"1.2.3\") ->* cr_fm::cr_fm_cap == \"-\"), f(\"1.2.3\") == \"-\");\n");
        ASSERT_BODY(d, ".", "1e", "    CRFM((f(\".\") ->* cr_fm::cr_fm_cap == \"1e\"), f(\".\") == \"1e\");\n");
        ASSERT_BODY(d, "0x10", "1_000", "    CRFM((f(\"0x10\") ->* cr_fm::cr_fm_cap == \"1_000\"), f(\"0x10\") == \"1_000\");\n");
        ASSERT_BODY(f, "1", "1", "    CRFS((g(1) ->* cr_fm::cr_fm_cap), (1), g(1) == 1);\n");
}

TEST(generate_bools_chars_strings)
{
        static const char b[] = "bool f(bool x) { return x; }";
        static const char c[] = "char f(const char* s) { return s[0]; }";
        static const char s[] = "std::string f(std::string s) { return s; }";
        static const char p[] = "char* f(char* s) { return s; }";
        static const char q[] = "const char* f(const char* s) { return s; }";
        static const char r[] = "std::string f(std::string& s) { return s; }";

        ASSERT_BODY(b, "true", "false", "    CRFS((f(true) ->* cr_fm::cr_fm_cap), (false), f(true) == false);\n");
        ASSERT_BODY(b, "True", "1", "    CRFM((f(\"True\") ->* cr_fm::cr_fm_cap == 1), f(\"True\") == 1);\n");
        /* a char result compares with a char literal (the original wrote "h") */
        ASSERT_BODY(c, "hello", "h", "    CRFM((f(\"hello\") ->* cr_fm::cr_fm_cap == 'h'), f(\"hello\") == 'h');\n");
        ASSERT_BODY(c, "'x'", "'\\''", "    CRFM((f(\"x\") ->* cr_fm::cr_fm_cap == '\\''), f(\"x\") == '\\'');\n");
        /* string results take any expected text as a string */
        ASSERT_BODY(s, "hello world", "42", "    CRFM((f(\"hello world\") ->* cr_fm::cr_fm_cap == \"42\"), f(\"hello world\") == \"42\");\n");
        ASSERT_BODY(s, "\"quoted, with comma\"", "'abc'",
                    "    CRFM((f(\"quoted, with comma\") ->* cr_fm::cr_fm_cap == \"abc\"), f(\"quoted, with comma\") == \"abc\");\n");
        ASSERT_BODY(s, "\"a\" + \"b\"", "x", "    CRFM((f(\"\\\"a\\\" + \\\"b\\\"\") ->* cr_fm::cr_fm_cap == \"x\"), f(\"\\\"a\\\" + \\\"b\\\"\") == \"x\");\n");
        ASSERT_BODY(s, "\"unterminated", "", "    CRFM((f(\"\\\"unterminated\") ->* cr_fm::cr_fm_cap == \"\"), f(\"\\\"unterminated\") == \"\");\n");
        /* char* results use strcmp; writable char* parameters get a char array */
        ASSERT_BODY(p, "hello", "HELLO",
                    "    char arg0_0[] = \"hello\";\n    CRFM((strcmp(f(arg0_0) ->* cr_fm::cr_fm_cap, \"HELLO\") == 0), strcmp(f(arg0_0), \"HELLO\") == 0);\n");
        ASSERT_BODY(q, "hello", "5", "    CRFM((strcmp(f(\"hello\") ->* cr_fm::cr_fm_cap, \"5\") == 0), strcmp(f(\"hello\"), \"5\") == 0);\n");
        /* non-const references get a named local */
        ASSERT_BODY(r, "abc", "abc",
                    "    std::string arg0_0 = \"abc\";\n    CRFM((f(arg0_0) ->* cr_fm::cr_fm_cap == \"abc\"), f(arg0_0) == \"abc\");\n");
}

TEST(generate_escaping)
{
        static const char s[] = "std::string f(std::string s) { return s; }";

        ASSERT_BODY(s, "back\\slash", "tab\there", "    CRFM((f(\"back\\\\slash\") ->* cr_fm::cr_fm_cap == \"tab\\there\"), f(\"back\\\\slash\") == \"tab\\there\");\n");
        ASSERT_BODY(s, "\"esc \\\"q\\\" \\n \\t \\x41\\\\\"",
                    "?\?=", "    CRFM((f(\"esc \\\"q\\\" \\n \\t A\\\\\") ->* cr_fm::cr_fm_cap == \"\\?\\?=\"), f(\"esc \\\"q\\\" \\n \\t A\\\\\") == \"\\?\\?=\");\n");
        ASSERT_BODY(s, "na\xc3\xafve", "\x01\x7f", "    CRFM((f(\"na\\303\\257ve\") ->* cr_fm::cr_fm_cap == \"\\001\\177\"), f(\"na\\303\\257ve\") == \"\\001\\177\");\n");
        ASSERT_BODY(s, "line1\nline2", "*/ /*", "    CRFM((f(\"line1\\nline2\") ->* cr_fm::cr_fm_cap == \"*/ /*\"), f(\"line1\\nline2\") == \"*/ /*\");\n");
        ASSERT_BODY(s, "\"\\0\"1", "x", "    CRFM((f(\"\\\"\\\\0\\\"1\") ->* cr_fm::cr_fm_cap == \"x\"), f(\"\\\"\\\\0\\\"1\") == \"x\");\n");
        ASSERT_BODY(s, "\"\\0\"", "\"\\0001\"", "    CRFM((f(\"\\000\") ->* cr_fm::cr_fm_cap == \"\\000001\"), f(\"\\000\") == \"\\000001\");\n");
}

/* Inputs are data: whatever they contain, the test section of the file is
 * literals, the call, CHECK and the locals the generator names itself. */
TEST(generate_inputs_cannot_inject_code)
{
        static const char *const inputs[] = {
                "\"); abort(); (\"",        "a\"); abort(); (\"b",      "1); abort(); (1",
                "[1); abort(); (1]",        "[\"x\"}; abort(); {\"\"]", "'); abort(); ('",
                "\\\"); abort(); //",       "x\\\n); abort(); //",      "R\"(x)\" abort()",
                "?\?/\n abort();",          "*/ abort(); /*",           "} TEST_CASE(\"evil\") { abort();",
                "#include </etc/passwd>\n", "1, 2, 3, abort()",
        };
        static const char code[] = "int f(int a, int b, int c, const char* d) { return a; }";

        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                struct cr_judge_test t = {.input = inputs[i], .expected_output = inputs[i]};
                _cleanup_error_ struct cr_error *err = NULL;
                _cleanup_free_ char *src = generate(code, &t, 1, &err), *blank = NULL;
                const char *tests;
                bool complete;

                printf("# input %zu\n", i);
                ASSERT_TRUE(src != NULL);
                ASSERT_OK(
                        cr_judge_blank_source(CR_JUDGE_LANG_CPP, src, strlen(src), &blank, &complete, &err));
                ASSERT_TRUE(complete);
                tests = strstr(blank, "TEST_CASE(");
                ASSERT_TRUE(tests != NULL);
                ASSERT_TRUE(strstr(tests, "abort") == NULL);
                ASSERT_TRUE(strstr(tests, "include") == NULL);
                ASSERT_TRUE(strstr(tests + 1, "TEST_CASE") == NULL);
        }
}

TEST(generate_arrays)
{
        static const char bs[] = "int binarySearch(int arr[], int size, int target) { return 0; }";
        static const char any[] = "int f(auto a, auto b) { return 0; }";
        static const char vec[] = "int f(vector<int>& v, const std::vector<std::string>& w) { return 0; }";
        static const char cs[] = "int f(const char* s[], int n, string t[], int m) { return 0; }";

        ASSERT_BODY(bs, "[1,3,5,7,9],5", "2",
                    "    int arr0[] = {1, 3, 5, 7, 9};\n    CRFM((binarySearch(arr0, 5, 5) ->* cr_fm::cr_fm_cap == 2), binarySearch(arr0, 5, 5) == 2);\n");
        ASSERT_BODY(bs, " [ ] , 5", "-1",
                    "    int arr0[1] = {};\n    CRFM((binarySearch(arr0, 0, 5) ->* cr_fm::cr_fm_cap == -1), binarySearch(arr0, 0, 5) == -1);\n");
        /* two arrays in one input: distinct names (the original redeclared arr<i>) */
        ASSERT_BODY(any, "[1,3,5],[2,4,6]", "0",
                    "    int arr0[] = {1, 3, 5};\n    int arr0_1[] = {2, 4, 6};\n"
                    "    CRFM((f(arr0, 3, arr0_1, 3) ->* cr_fm::cr_fm_cap == 0), f(arr0, 3, arr0_1, 3) == 0);\n");
        /* element types without a declared parameter */
        ASSERT_BODY(any, "[1.5, 2]", "0", "    double arr0[] = {1.5, 2};\n    CRFM((f(arr0, 2) ->* cr_fm::cr_fm_cap == 0), f(arr0, 2) == 0);\n");
        ASSERT_BODY(any, "[true,false]", "0",
                    "    bool arr0[] = {true, false};\n    CRFM((f(arr0, 2) ->* cr_fm::cr_fm_cap == 0), f(arr0, 2) == 0);\n");
        ASSERT_BODY(any, "['a','b']", "0", "    char arr0[] = {'a', 'b'};\n    CRFM((f(arr0, 2) ->* cr_fm::cr_fm_cap == 0), f(arr0, 2) == 0);\n");
        ASSERT_BODY(any, "[30000000000, 1]", "0",
                    "    long long arr0[] = {30000000000, 1};\n    CRFM((f(arr0, 2) ->* cr_fm::cr_fm_cap == 0), f(arr0, 2) == 0);\n");
        ASSERT_BODY(any, "[\"a,b\", c]", "0",
                    "    char arr0_s0[] = \"a,b\", arr0_s1[] = \"c\"; char* arr0[] = {arr0_s0, arr0_s1};\n"
                    "    CRFM((f(arr0, 2) ->* cr_fm::cr_fm_cap == 0), f(arr0, 2) == 0);\n");
        /* declared parameters decide: vectors take no size, const char* keeps literals */
        ASSERT_BODY(vec, "[1,2],[\"x\",y]", "0",
                    "    vector<int> arr0 = {1, 2};\n    std::vector<std::string> arr0_1 = {\"x\", \"y\"};\n"
                    "    CRFM((f(arr0, arr0_1) ->* cr_fm::cr_fm_cap == 0), f(arr0, arr0_1) == 0);\n");
        ASSERT_BODY(cs, "[a, b], [1, 2]", "0",
                    "    const char* arr0[] = {\"a\", \"b\"};\n    string arr0_1[] = {\"1\", \"2\"};\n"
                    "    CRFM((f(arr0, 2, arr0_1, 2) ->* cr_fm::cr_fm_cap == 0), f(arr0, 2, arr0_1, 2) == 0);\n");
}

TEST(generate_nested_vectors_and_members)
{
        static const char tr[] = "vector<vector<int>> t(const vector<vector<int>>& m) { return m; }";
        static const char names[] = "int f(vector<vector<string>> g) { return 0; }";
        static const char rot[] = "class Solution {\npublic:\n    void rotate(vector<vector<int>>& m) {\n    }\n};";
        static const char cls[] = "class Solution {\npublic:\n    int add(int a, int b) {\n        return a + b;\n    }\n};";
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_judge_test t = {.id = "x", .input = "[1,2]", .expected_output = "[[1]]"};
        _cleanup_free_ char *src = NULL;

        ASSERT_BODY(tr, "[[1,2],[3,4]]", "[[1,3],[2,4]]",
                    "    vector<vector<int>> arr0 = {{1, 2}, {3, 4}};\n"
                    "    CRFM((t(arr0) ->* cr_fm::cr_fm_cap == vector<vector<int>>{{1, 3}, {2, 4}}), t(arr0) == vector<vector<int>>{{1, 3}, {2, 4}});\n");
        ASSERT_BODY(tr, "[[], [1]]", "[]",
                    "    vector<vector<int>> arr0 = {{}, {1}};\n    CRFM((t(arr0) ->* cr_fm::cr_fm_cap == vector<vector<int>>{}), t(arr0) == vector<vector<int>>{});\n");
        ASSERT_BODY(names, "[[a, \"b,c\"]]", "0",
                    "    vector<vector<string>> arr0 = {{\"a\", \"b,c\"}};\n    CRFM((f(arr0) ->* cr_fm::cr_fm_cap == 0), f(arr0) == 0);\n");
        /* in place, on an instance of the class */
        ASSERT_BODY(rot, "[[1,2],[3,4]]", "[[3,1],[4,2]]",
                    "    vector<vector<int>> arr0 = {{1, 2}, {3, 4}};\n"
                    "    Solution().rotate(arr0); cr_fm::cr_fm_emit(arr0, cr_fm::cr_fm_r1());\n"
                    "    CHECK(arr0 == vector<vector<int>>{{3, 1}, {4, 2}});\n");
        ASSERT_BODY(cls, "1, 2", "3", "    CRFS((Solution().add(1, 2) ->* cr_fm::cr_fm_cap), (3), Solution().add(1, 2) == 3);\n");
        /* shapes that do not nest like the types */
        src = generate(tr, &t, 1, &err);
        ASSERT_TRUE(src == NULL);
        ASSERT_STREQ(err->msg, "test 0: an argument's arrays do not nest like its parameter's vectors");
        err = cr_error_free(err);
        t.input = "[[1]]";
        t.expected_output = "[1]";
        src = generate(tr, &t, 1, &err);
        ASSERT_TRUE(src == NULL);
        ASSERT_STREQ(err->msg, "test 0: expected_output's arrays do not nest like the result's vectors");
}

TEST(generate_expected_forms)
{
        static const char vr[] = "std::vector<int> f(const std::vector<int>& v) { return v; }";
        static const char vd[] = "void f(int* a, int n) {}";
        static const char vo[] = "void f(const char* s, char* out) {}";
        static const char vv[] = "void f(int x, vector<string>& out) {}";
        static const char cp[] = "char* f(char* strs[], int n) { return strs[0]; }";

        ASSERT_BODY(vr, "[1,2]", "[2, 4]",
                    "    std::vector<int> arr0 = {1, 2};\n    CRFM((f(arr0) ->* cr_fm::cr_fm_cap == std::vector<int>{2, 4}), f(arr0) == std::vector<int>{2, 4});\n");
        ASSERT_BODY(vr, "[]", "[]",
                    "    std::vector<int> arr0 = {};\n    CRFM((f(arr0) ->* cr_fm::cr_fm_cap == std::vector<int>{}), f(arr0) == std::vector<int>{});\n");
        /* void: compared through the array it changed in place */
        ASSERT_BODY(vd, "[3,1,2]", "[1,2,3]",
                    "    int arr0[] = {3, 1, 2};\n    f(arr0, 3); cr_fm::cr_fm_emit_n(arr0, 3);\n    int exp0[] = {1, 2, 3};\n"
                    "    for (int i = 0; i < 3; i++) CHECK(arr0[i] == exp0[i]);\n");
        ASSERT_BODY(vd, "[3]", "[1,2]",
                    "    int arr0[] = {3};\n    f(arr0, 1); cr_fm::cr_fm_emit_n(arr0, 1);\n"
                    "    FAIL_CHECK(\"expected_output has more elements than the array f() changed\");\n");
        /* void: compared through an output parameter the generator adds */
        ASSERT_BODY(vo, "abc", "cba",
                    "    static char out0_1[22];\n    f(\"abc\", out0_1); cr_fm::cr_fm_emit_chars(out0_1);\n"
                    "    CHECK(strcmp(out0_1, \"cba\") == 0);\n");
        ASSERT_BODY(vv, "2", "[a, b]",
                    "    vector<string> out0_1;\n    f(2, out0_1); cr_fm::cr_fm_emit(out0_1, cr_fm::cr_fm_r1());\n"
                    "    CHECK(out0_1 == vector<string>{\"a\", \"b\"});\n");
        ASSERT_BODY("void f(const char* s, int& count, long long& sum) {}", "abc", "3",
                    "    int out0_1{};\n    long long out0_2{};\n"
                    "    f(\"abc\", out0_1, out0_2); cr_fm::cr_fm_emit(out0_1, cr_fm::cr_fm_r1());\n"
                    "    CHECK(out0_1 == 3);\n");
        ASSERT_BODY("void f(char* out) {}", "", "[]",
                    "    static char out0_0[18];\n    f(out0_0); cr_fm::cr_fm_emit_chars(out0_0);\n"
                    "    CHECK(strcmp(out0_0, \"[]\") == 0);\n");
        /* void with nothing to compare */
        ASSERT_BODY(vd, "5", "", "    f(5);\n");
        ASSERT_BODY("void f(int x) {}", "5", "5",
                    "    f(5);\n    FAIL_CHECK(\"f() returns void and writes no array: expected_output "
                    "cannot be "
                    "compared (the test needs custom_validation_code)\");\n");
        /* empty expected output never passes by itself (the original's empty TEST_CASE did) */
        ASSERT_BODY(add_one, "1", "",
                    "    FAIL_CHECK(\"expected_output is empty: nothing to compare the result of addOne() "
                    "with\");\n");
        ASSERT_BODY(add_one, "", "1", "    CRFM((addOne() ->* cr_fm::cr_fm_cap == 1), addOne() == 1);\n");
        ASSERT_BODY(cp, "[\"dog\",\"racecar\",\"car\"]", "",
                    "    char arr0_s0[] = \"dog\", arr0_s1[] = \"racecar\", arr0_s2[] = \"car\"; "
                    "char* arr0[] = {arr0_s0, arr0_s1, arr0_s2};\n"
                    "    CRFM((strcmp(f(arr0, 3) ->* cr_fm::cr_fm_cap, \"\") == 0), strcmp(f(arr0, 3), \"\") == 0);\n");
}

TEST(generate_custom_code)
{
        struct cr_judge_test t[3] = {
                {.input = "ignored",
                 .expected_output = "ignored",
                 .custom_validation_code = "    double result = integrate(0.0, 1.0, 10);\n"
                                           "    CHECK(abs(result - 0.333333) < 1e-3);"},
                {.custom_validation_code = "    CHECK(integrate(0, 1, 2) > 0); // } not a brace\n"
                                           "    const char *s = \"}\"; (void) s; CHECK('}' != 0);\n"},
                {.input = "0.0,1.0,10", .expected_output = "0.335"},
        };
        static const char code[] = "double integrate(double a, double b, int n) { return (b - a) / n; }";
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *src = generate(code, t, 3, &err);

        ASSERT_TRUE(src != NULL);
        ASSERT_TRUE(strstr(src, "TEST_CASE(\"t0\") {\n    double result = integrate(0.0, 1.0, 10);\n"
                                "    CHECK(abs(result - 0.333333) < 1e-3);\n}\n") != NULL);
        ASSERT_TRUE(strstr(src, "not a brace\n    const char *s = \"}\"; (void) s; CHECK('}' != 0);\n}\n"
                                "TEST_CASE(\"t2\") {\n    CRFM((integrate(0.0, 1.0, 10) ->* cr_fm::cr_fm_cap == 0.335), integrate(0.0, 1.0, 10) == 0.335);\n}\n") !=
                    NULL);
}

TEST(generate_rejects_bad_custom_code)
{
        static const char *const bad[] = {
                "CHECK(1); } TEST_CASE(\"x\") {",
                "CHECK(1);\n/* unterminated",
                "CHECK(1); {",
                "CHECK((1);",
                "const char *s = \"unterminated;\n",
                "CHECK(1); // ends in a continuation \\",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct cr_judge_test t = {.custom_validation_code = bad[i]};
                _cleanup_error_ struct cr_error *err = NULL;
                _cleanup_free_ char *src = generate(add_one, &t, 1, &err);

                printf("# %zu\n", i);
                ASSERT_TRUE(src == NULL);
                ASSERT_EQ(err->kind, CR_ERROR_INVALID);
                ASSERT_TRUE(strncmp(err->msg, "test 0: custom_validation_code", 30) == 0);
        }
}

TEST(generate_limits)
{
        static struct cr_judge_test many[CR_JUDGE_TESTS_MAX + 1];
        _cleanup_free_ char *long_input = malloc(CR_JUDGE_FIELD_MAX + 2);
        struct cr_buf out = CR_BUF_INIT(CR_CPP_SOURCE_MAX);
        struct cr_cpp_sig sig = {};
        struct cr_error *err = NULL;
        struct cr_judge_test t = {};
        char args[CR_CPP_ARGS_MAX * 2 + 8];

        ASSERT_OK(detect(add_one, &sig, &err));
        for (size_t i = 0; i < CR_JUDGE_TESTS_MAX + 1; i++)
                many[i] = (struct cr_judge_test){.input = "1", .expected_output = "2"};
        ASSERT_ERRNO(cr_cpp_generate(add_one, &sig, many, CR_JUDGE_TESTS_MAX + 1, &out, &err), E2BIG);
        ASSERT_STREQ(err->msg, "too many tests (257, at most 256)");
        err = cr_error_free(err);
        ASSERT_OK(cr_cpp_generate(add_one, &sig, many, CR_JUDGE_TESTS_MAX, &out, &err));
        cr_buf_done(&out);

        memset(long_input, '1', CR_JUDGE_FIELD_MAX + 1);
        long_input[CR_JUDGE_FIELD_MAX + 1] = 0;
        t.input = long_input;
        ASSERT_ERRNO(cr_cpp_generate(add_one, &sig, &t, 1, &out, &err), E2BIG);
        ASSERT_STREQ(err->msg, "test 0: input is too long (at most 65536 bytes)");
        err = cr_error_free(err);

        for (size_t i = 0; i <= CR_CPP_ARGS_MAX; i++)
                memcpy(args + 2 * i, "1,", 2);
        args[2 * CR_CPP_ARGS_MAX + 1] = 0;
        t.input = args;
        ASSERT_ERRNO(cr_cpp_generate(add_one, &sig, &t, 1, &out, &err), E2BIG);
        ASSERT_STREQ(err->msg, "test 0: too many arguments");
        err = cr_error_free(err);

        t.input = "[[1,2],[3]]";
        ASSERT_ERRNO(cr_cpp_generate(add_one, &sig, &t, 1, &out, &err), EINVAL);
        ASSERT_STREQ(err->msg, "test 0: nested arrays are not supported");
        err = cr_error_free(err);

        /* without a detected function only custom code can run */
        t = (struct cr_judge_test){.input = "1", .expected_output = "2"};
        ASSERT_ERRNO(cr_cpp_generate(add_one, NULL, &t, 1, &out, &err), EINVAL);
        err = cr_error_free(err);
        t.custom_validation_code = "CHECK(true);";
        ASSERT_OK(cr_cpp_generate(add_one, NULL, &t, 1, &out, &err));
        cr_buf_done(&out);

        /* a full output buffer is an error and leaves the buffer as it was */
        out = (struct cr_buf)CR_BUF_INIT(64);
        ASSERT_OK(cr_buf_append(&out, "keep", 4));
        ASSERT_ERRNO(cr_cpp_generate(add_one, &sig, many, 1, &out, &err), E2BIG);
        ASSERT_UEQ(out.len, 4);
        err = cr_error_free(err);
        cr_buf_done(&out);
        cr_cpp_sig_done(&sig);
}

TEST(test_argv)
{
        static const char *const base[] = {"/box/main", NULL};
        _cleanup_error_ struct cr_error *err = NULL;
        char **argv = NULL;

        ASSERT_OK(cr_cpp_test_argv(3, base, &argv, &err));
        ASSERT_STREQ(argv[0], "/box/main");
        ASSERT_STREQ(argv[1], "--test-case=t3");
        ASSERT_STREQ(argv[2], "--case-sensitive=true");
        ASSERT_STREQ(argv[3], "--no-colors=true");
        ASSERT_STREQ(argv[4], "--no-intro=true");
        ASSERT_STREQ(argv[5], "--no-version=true");
        ASSERT_STREQ(argv[6], "--no-path-filenames=true");
        ASSERT_STREQ(argv[7], "--no-breaks=true");
        ASSERT_TRUE(argv[8] == NULL);
        argv = cr_cpp_argv_free(argv);
        ASSERT_ERRNO(cr_cpp_test_argv(CR_JUDGE_TESTS_MAX, base, &argv, &err), E2BIG);
        ASSERT_TRUE(argv == NULL);
}

/* ================================================================ doctest output */

static char *read_fixture(const char *name, size_t *ret_len)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char *data;

        if (asprintf(&path, "%s/tests/fixtures/doctest/%s", SRCDIR, name) < 0)
                return NULL;
        f = fopen(path, "re");
        if (!f)
                return NULL;
        data = calloc(1, 64 * 1024);
        if (!data)
                return NULL;
        *ret_len = fread(data, 1, 64 * 1024 - 1, f);
        return data;
}

struct fixture_case {
        const char *file;
        bool summary, passed, crashed, threw;
        unsigned cases, cases_failed, asserts, asserts_failed;
        const char *message;
};

TEST(parse_fixtures)
{
        static const struct fixture_case cases[] = {
                {"pass.txt", true, true, false, false, 1, 0, 1, 0, ""},
                {"check-failed.txt", true, false, false, false, 1, 1, 1, 1,
                 "solution.cpp:21: ERROR: CHECK( addOne(-3) == -2 ) is NOT correct!\nvalues: CHECK( -3 == "
                 "-2 )"},
                {"no-test-case.txt", true, false, false, false, 0, 0, 0, 0, ""},
                {"crashed-sigsegv.txt", true, false, true, false, 1, 1, 0, 0,
                 "solution.cpp:29: FATAL ERROR: test case CRASHED: SIGSEGV - Segmentation violation signal"},
                {"require-failed.txt", true, false, false, false, 1, 1, 2, 2,
                 "solution.cpp:34: ERROR: CHECK( integrate(0.0, 1.0, 10) > 1.0 ) is NOT correct!\n"
                 "values: CHECK( 0.335 >  1 )\n"
                 "solution.cpp:35: FATAL ERROR: REQUIRE( integrate(0.0, 2.0, 10) < 0 ) is NOT correct!\n"
                 "values: REQUIRE( 2.68 <  0 )"},
                {"threw.txt", true, false, false, true, 1, 1, 1, 0,
                 "solution.cpp:38: ERROR: test case THREW exception: unknown exception"},
                {"array-element-failed.txt", true, false, false, false, 1, 1, 7, 1,
                 "solution.cpp:44: ERROR: CHECK( out2_4[i] == exp2[i] ) is NOT correct!\n"
                 "values: CHECK( 8 == 9 )"},
                {"stdout-noise-pass.txt", true, true, false, false, 1, 0, 1, 0, ""},
                {"stdout-noise-failed.txt", true, false, false, false, 1, 1, 1, 1,
                 "solution.cpp:19: ERROR: CHECK( noisy(2) == 3 ) is NOT correct!\nvalues: CHECK( 2 == 3 )"},
                {"killed-truncated.txt", false, false, true, false, 0, 0, 0, 0,
                 "solution.cpp:29: FATAL ERROR: test case CRASHED: SIGSEGV - Segmentation violation signal"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct fixture_case *c = &cases[i];
                struct cr_doctest_result r;
                _cleanup_free_ char *out = NULL;
                size_t len = 0;

                printf("# %s\n", c->file);
                out = read_fixture(c->file, &len);
                ASSERT_TRUE(out != NULL);
                ASSERT_OK(cr_doctest_parse(out, len, &r));
                ASSERT_EQ(r.summary, c->summary);
                ASSERT_EQ(r.passed, c->passed);
                ASSERT_EQ(r.crashed, c->crashed);
                ASSERT_EQ(r.threw, c->threw);
                ASSERT_UEQ(r.cases, c->cases);
                ASSERT_UEQ(r.cases_failed, c->cases_failed);
                ASSERT_UEQ(r.asserts, c->asserts);
                ASSERT_UEQ(r.asserts_failed, c->asserts_failed);
                ASSERT_STREQ(r.message, c->message);
        }
}

TEST(parse_edge_cases)
{
        static const char fake_then_real[] =
                "[doctest] test cases: 1 | 1 passed | 0 failed | 0 skipped\n"
                "[doctest] assertions: 1 | 1 passed | 0 failed |\n"
                "[doctest] Status: SUCCESS!\n"
                "===============================================================================\n"
                "[doctest] test cases: 1 | 0 passed | 1 failed | 0 skipped\n"
                "[doctest] assertions: 1 | 0 passed | 1 failed |\n"
                "[doctest] Status: FAILURE!\n";
        static const char no_status[] = "[doctest] test cases: 1 | 1 passed | 0 failed | 0 skipped\n"
                                        "[doctest] assertions: 1 | 1 passed | 0 failed |\n";
        static const char crlf[] =
                "===============================================================================\r\n"
                "[doctest] test cases: 1 | 1 passed | 0 failed | 2 skipped\r\n"
                "[doctest] assertions: 1 | 1 passed | 0 failed |\r\n"
                "[doctest] Status: SUCCESS!\r\n";
        static const char huge[] = "[doctest] test cases: 99999999999 | 1 passed | 0 failed\n";
        _cleanup_free_ char *long_msg = malloc(8192);
        struct cr_doctest_result r;
        size_t n;

        ASSERT_OK(cr_doctest_parse(fake_then_real, strlen(fake_then_real), &r));
        ASSERT_FALSE(r.passed);
        ASSERT_UEQ(r.cases_failed, 1);
        ASSERT_OK(cr_doctest_parse(no_status, strlen(no_status), &r));
        ASSERT_TRUE(r.summary);
        ASSERT_FALSE(r.passed);
        ASSERT_OK(cr_doctest_parse(crlf, strlen(crlf), &r));
        ASSERT_TRUE(r.passed);
        ASSERT_OK(cr_doctest_parse(huge, strlen(huge), &r));
        ASSERT_UEQ(r.cases, 0xffffffffU);
        ASSERT_OK(cr_doctest_parse("", 0, &r));
        ASSERT_FALSE(r.summary);
        ASSERT_FALSE(r.passed);
        ASSERT_STREQ(r.message, "");
        ASSERT_ERRNO(cr_doctest_parse(NULL, 1, &r), EINVAL);

        /* a long report is cut at a UTF-8 boundary */
        n = (size_t)snprintf(long_msg, 8192, "TEST CASE:  t0\n");
        for (size_t i = 0; i < 2000; i++)
                n += (size_t)snprintf(long_msg + n, 8192 - n, "\xc3\xa9");
        ASSERT_OK(cr_doctest_parse(long_msg, n, &r));
        ASSERT_TRUE(strlen(r.message) < CR_DOCTEST_MESSAGE_MAX);
        ASSERT_TRUE(strlen(r.message) % 2 == 0);
}

/* ================================================================ real compile and run */

struct proc_out {
        char *out;
        size_t len;
        int status;
};

/* Runs argv with stdout (and stderr when `both`) captured, stdin closed. */
static int run_capture(char *const *argv, bool both, struct proc_out *ret)
{
        int fds[2];
        pid_t pid;
        struct cr_buf b = CR_BUF_INIT(4 * 1024 * 1024);
        char chunk[4096];
        ssize_t n;
        int status;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(devnull, 0);
                dup2(fds[1], 1);
                dup2(both ? fds[1] : devnull, 2);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(fds[1]);
        while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
                (void)cr_buf_append_truncate(&b, chunk, (size_t)n);
        close(fds[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        ret->len = b.len;
        ret->out = cr_buf_steal(&b);
        ret->status = status;
        return 0;
}

struct example {
        const char *name;
        const char *code;
        size_t n;
        struct cr_judge_test tests[8];
        bool passed[8];
        const char *message[8]; /* part of the failure message, when it is worth pinning */
};

/* §6.11, with the fixes: empty expected output is compared, a crash fails
 * only its test, two arrays in one input compile. Inputs, codes and ids are
 * the original repository's test data (test/exercises_cpp). */
static const struct example examples[] = {
        {"ex01_addOne",
         "int addOne(int x) {\n    return x + 1;\n}",
         3,
         {{"123ad9ef-ec8a-45ab-9dc9-41ba034a32e1", "0", "1", ""},
          {"b1295bd0-c407-41c3-8bb7-230b5f539ce5", "5", "6", ""},
          {"02c7b14e-3465-4f4a-b151-3d588d3ca57f", "-3", "-2", ""}},
         {true, true, true},
         {}},
        {"M01_binarySearch",
         "int binarySearch(int arr[], int size, int target) {\n    int left = 0, right = size - 1;\n"
         "    while (left <= right) {\n        int mid = left + (right - left) / 2;\n"
         "        if (arr[mid] == target) return mid;\n        if (arr[mid] < target) left = mid + 1;\n"
         "        else right = mid - 1;\n    }\n    return -1;\n}",
         3,
         {{"550e8400-e29b-41d4-a716-446655440010", "[1,3,5,7,9],5", "2", ""},
          {"550e8400-e29b-41d4-a716-446655440011", "[1,3,5,7,9],6", "-1", ""},
          {"550e8400-e29b-41d4-a716-446655440012", "[2,4,6,8,10,12],2", "0", ""}},
         {true, true, true},
         {}},
        {"M03_longestCommonPrefix",
         "char* longestCommonPrefix(char* strs[], int size) {\n    if (size == 0) return \"\";\n"
         "    if (size == 1) return strs[0];\n\n    int minLen = strlen(strs[0]);\n"
         "    for (int i = 1; i < size; i++) {\n        int len = strlen(strs[i]);\n"
         "        if (len < minLen) minLen = len;\n    }\n\n    static char result[100];\n"
         "    int prefixLen = 0;\n\n    for (int i = 0; i < minLen; i++) {\n        char ch = strs[0][i];\n"
         "        bool isCommon = true;\n\n        for (int j = 1; j < size; j++) {\n"
         "            if (strs[j][i] != ch) {\n                isCommon = false;\n                break;\n"
         "            }\n        }\n\n        if (isCommon) {\n            result[prefixLen++] = ch;\n"
         "        } else {\n            break;\n        }\n    }\n\n    result[prefixLen] = '\\0';\n"
         "    return result;\n}",
         4,
         {{"550e8400-e29b-41d4-a716-446655440016", "[\"flower\",\"flow\",\"flight\"]", "fl", ""},
          {"550e8400-e29b-41d4-a716-446655440017", "[\"dog\",\"racecar\",\"car\"]", "", ""},
          {"550e8400-e29b-41d4-a716-446655440018", "[\"apple\",\"app\",\"application\"]", "app", ""},
          /* an empty expected output is compared, not auto-passed */
          {"not-a-uuid", "[\"flower\",\"flow\"]", "", ""}},
         {true, true, true, false},
         {NULL, NULL, NULL,
          "solution.cpp:58: ERROR: CHECK( strcmp(longestCommonPrefix(arr3, 2), \"\") == 0 ) is NOT "
          "correct!"}},
        {"H02_integrate",
         "#include <cmath>\n\ndouble integrate(double a, double b, int n) {\n    double h = (b - a) / n;\n"
         "    double sum = 0.5 * (a*a + b*b);\n    for (int i = 1; i < n; i++) {\n        double x = a + i "
         "* h;\n"
         "        sum += x * x;\n    }\n    return sum * h;\n}",
         4,
         {{"660e8400-e29b-41d4-a716-446655440048", "0.0,1.0,10", "0.333333",
           "    double result = integrate(0.0, 1.0, 10);\n    CHECK(abs(result - 0.333333) < 1e-3);"},
          {"660e8400-e29b-41d4-a716-446655440049", "0.0,1.0,100", "0.333333",
           "    double result = integrate(0.0, 1.0, 100);\n    CHECK(abs(result - 0.333333) < 1e-4);"},
          /* a crash fails only its own test */
          {"crash", "", "", "    volatile int *p = nullptr;\n    CHECK(integrate(0.0, 1.0, *p) > 0);"},
          /* doubles compare with ==, like the original: 0.33500000000000002 is not 0.335 */
          {"exact", "0.0,1.0,10", "0.335", ""}},
         {true, true, false, false},
         {NULL, NULL,
          "solution.cpp:29: FATAL ERROR: test case CRASHED: SIGSEGV - Segmentation violation signal",
          "CHECK( integrate(0.0, 1.0, 10) == 0.335 ) is NOT correct!\nvalues: CHECK( 0.335 == 0.335 )"}},
        {"ex05_partialFailure",
         "int addOne(int x) {\n    if (x < 0) return x;\n    return x + 1;\n}",
         3,
         {{"123ad9ef-ec8a-45ab-9dc9-41ba034a32e1", "0", "1", ""},
          {"b1295bd0-c407-41c3-8bb7-230b5f539ce5", "5", "6", ""},
          {"02c7b14e-3465-4f4a-b151-3d588d3ca57f", "-3", "-2", ""}},
         {true, true, false},
         {NULL, NULL,
          "solution.cpp:21: ERROR: CHECK( addOne(-3) == -2 ) is NOT correct!\nvalues: CHECK( -3 == -2 )"}},
        {"M02_mergeSortedArrays",
         "void mergeSortedArrays(int arr1[], int size1, int arr2[], int size2, int result[]) {\n"
         "    int i = 0, j = 0, k = 0;\n    while (i < size1 && j < size2) {\n        if (arr1[i] <= "
         "arr2[j]) {\n"
         "            result[k++] = arr1[i++];\n        } else {\n            result[k++] = arr2[j++];\n"
         "        }\n    }\n    while (i < size1) result[k++] = arr1[i++];\n"
         "    while (j < size2) result[k++] = arr2[j++];\n}",
         3,
         {{"550e8400-e29b-41d4-a716-446655440013", "[1,3,5],[2,4,6]", "[1,2,3,4,5,6]", ""},
          {"550e8400-e29b-41d4-a716-446655440014", "[1,2,3],[4,5]", "[1,2,3,4,5]", ""},
          {"550e8400-e29b-41d4-a716-446655440015", "[1,4,7],[2,3,6,8]", "[1,2,3,4,6,7,8]", ""}},
         {true, true, true},
         {}},
        /* every literal form goes through the compiler and back unchanged */
        {"echo_strings",
         "#include <string>\nstd::string echo(std::string s) {\n    return s;\n}",
         8,
         {{"a", "hello world", "hello world", ""},
          {"b", "\"Hello, World\"", "Hello, World", ""},
          {"c", "back\\slash \"q\" ?\?= */ /* \t|", "\"back\\\\slash \\\"q\\\" ?\?= */ /* \\t|\"", ""},
          {"d", "line1\nline2", "\"line1\\nline2\"", ""},
          {"e", "na\xc3\xafve \xe2\x82\xac", "na\xc3\xafve \xe2\x82\xac", ""},
          {"f", "a\"); abort(); (\"b", "a\"); abort(); (\"b", ""},
          {"g", "1); abort(); (1", "1); abort(); (1", ""},
          {"h", "hello", "Hello", ""}},
         {true, true, true, true, true, true, true, false},
         {}},
        {"describe_types",
         "#include <sstream>\n#include <string>\n"
         "std::string describe(int a, double b, bool c, char d, const char* e, std::string f, long long g,\n"
         "                     unsigned long long h) {\n"
         "    std::ostringstream o;\n"
         "    o << a << ' ' << b << ' ' << c << ' ' << d << ' ' << e << ' ' << f << ' ' << g << ' ' << h;\n"
         "    return o.str();\n}",
         2,
         {{"a", "-05, 2.5, true, 'x', \"a, b\", plain, 9223372036854775807, 18446744073709551615",
           "-5 2.5 1 x a, b plain 9223372036854775807 18446744073709551615", ""},
          {"b", "0, 1e3, false, z, 42, 7, -9223372036854775808, 0", "0 1000 0 z 42 7 -9223372036854775808 0",
           ""}},
         {true, true},
         {}},
        {"vector_result",
         "#include <vector>\n#include <algorithm>\nusing namespace std;\n"
         "vector<int> sortedCopy(vector<int> v) {\n    sort(v.begin(), v.end());\n    return v;\n}",
         3,
         {{"a", "[3,1,2]", "[1,2,3]", ""}, {"b", "[]", "[]", ""}, {"c", "[2,2,1]", "[1,2]", ""}},
         {true, true, false},
         {}},
        {"void_in_place",
         "#include <algorithm>\nvoid reverseInPlace(int arr[], int n) {\n    std::reverse(arr, arr + n);\n}",
         3,
         {{"a", "[1,2,3]", "[3,2,1]", ""}, {"b", "[1,2,3]", "[1,2,3]", ""}, {"c", "[7]", "", ""}},
         {true, false, true},
         {}},
        /* no #include: the original's file saw doctest's implementation
         * headers (<string>, <vector>, <cmath>, ...); the prelude keeps that */
        {"no_includes",
         "std::string greet(std::vector<std::string> names) {\n    std::string s;\n"
         "    for (auto &n : names) s += n;\n    return s + std::to_string((int) std::sqrt(16.0));\n}",
         1,
         {{"a", "[\"a\",\"b\"]", "ab4", ""}},
         {true},
         {}},
        {"writable_char_pointer",
         "#include <cctype>\nchar* upcase(char* s) {\n    for (char* p = s; *p; p++) *p = (char) "
         "toupper(*p);\n"
         "    return s;\n}",
         2,
         {{"a", "hello", "HELLO", ""}, {"b", "\"a b\"", "A B", ""}},
         {true, true},
         {}},
        /* LeetCode's C++: a method of class Solution, a private helper before it */
        {"class_solution",
         "#include <vector>\n#include <unordered_map>\nusing namespace std;\n\nclass Solution {\n"
         "    int complement(int target, int x) { return target - x; }\n\npublic:\n"
         "    vector<int> twoSum(vector<int>& nums, int target) {\n        unordered_map<int, int> seen;\n"
         "        for (int i = 0; i < (int) nums.size(); i++) {\n"
         "            auto it = seen.find(complement(target, nums[i]));\n"
         "            if (it != seen.end()) return {it->second, i};\n            seen[nums[i]] = i;\n"
         "        }\n        return {};\n    }\n};",
         3,
         {{"a", "[2,7,11,15],9", "[0,1]", ""}, {"b", "[3,2,4],6", "[1,2]", ""}, {"c", "[3,3],6", "[1,0]", ""}},
         {true, true, false},
         {NULL, NULL, "CHECK( Solution().twoSum(arr2, 6) == vector<int>{1, 0} ) is NOT correct!"}},
        /* 2-D: vectors of vectors in, out, and changed in place */
        {"matrix_transpose",
         "#include <vector>\nusing namespace std;\n"
         "vector<vector<int>> transpose(const vector<vector<int>>& m) {\n"
         "    vector<vector<int>> t(m[0].size(), vector<int>(m.size()));\n"
         "    for (size_t i = 0; i < m.size(); i++)\n        for (size_t j = 0; j < m[0].size(); j++)\n"
         "            t[j][i] = m[i][j];\n    return t;\n}",
         3,
         {{"a", "[[1,2],[3,4]]", "[[1,3],[2,4]]", ""},
          {"b", "[[1,2,3]]", "[[1],[2],[3]]", ""},
          {"c", "[[1,2]]", "[[1,2]]", ""}},
         {true, true, false},
         {}},
        {"matrix_rotate_in_place",
         "#include <vector>\n#include <algorithm>\nusing namespace std;\nclass Solution {\npublic:\n"
         "    void rotate(vector<vector<int>>& m) {\n        reverse(m.begin(), m.end());\n"
         "        for (size_t i = 0; i < m.size(); i++)\n            for (size_t j = i + 1; j < m.size(); j++)\n"
         "                swap(m[i][j], m[j][i]);\n    }\n};",
         3,
         {{"a", "[[1,2],[3,4]]", "[[3,1],[4,2]]", ""},
          {"b", "[[1]]", "[[1]]", ""},
          {"c", "[[1,2],[3,4]]", "[[1,2],[3,4]]", ""}},
         {true, true, false},
         {}},
        /* no prelude (nothing of it is named): what the language needs
         * without a name still compiles (placement new, typeid, braced
         * lists), and every scalar type prints as with it */
        {"no_prelude_language_support",
         "struct P {\n    int v;\n};\n"
         "double mix(int n, double d, char c, bool b) {\n    alignas(P) unsigned char buf[sizeof(P)];\n"
         "    P *p = new (buf) P{n};\n    int sum = 0;\n    for (int x : {1, 2, 3})\n        sum += x;\n"
         "    bool same = typeid(*p) == typeid(P);\n"
         "    return same ? p->v + sum + d + (b ? c : 0) : -1;\n}",
         3,
         {{"a", "1, 0.5, 'a', false", "7.5", ""},
          {"b", "1, 0.5, 'a', true", "104.5", ""},
          {"c", "2, 0.25, 'b', true", "1e9", ""}},
         {true, true, false},
         {NULL, NULL, "CHECK( mix(2, 0.25, 'b', true) == 1e9 ) is NOT correct!\nvalues: CHECK( 106.25 == 1e+09 )"}},
        /* no prelude, checked by light-checks.h's prebuilt assertion: other
         * arithmetic types on each side, exceptions from the call, a crash
         * and a pass after them print as doctest's CHECK prints them */
        {"no_prelude_light_checks",
         "short crunch(short a, float b) {\n    if (a < 0)\n        throw 42;\n    if (a == 0)\n"
         "        throw b;\n    if (a == 7)\n        return (short) (a / (int) b);\n"
         "    return (short) (a + b);\n}",
         6,
         {{"a", "3, 0.5", "3", ""},
          {"b", "200, 100.0", "45", ""},
          {"c", "-1, 0", "0", ""},
          {"d", "0, 1.5", "true", ""},
          {"e", "7, 0", "'x'", ""},
          {"f", "1, 1", "2.0", ""}},
         {true, false, false, false, false, true},
         {NULL, "CHECK( crunch(200, 100.0) == 45 ) is NOT correct!\nvalues: CHECK( 300 == 45 )",
          "CHECK( crunch(-1, 0) == 0 ) THREW exception: \"unknown exception\"",
          "CHECK( crunch(0, 1.5) == true ) THREW exception: \"unknown exception\"",
          "FATAL ERROR: test case CRASHED: SIGFPE", NULL}},
        /* no prelude although the code includes standard headers (it names
         * nothing of them): what it prints is the same */
        {"no_prelude_standard_includes",
         "#include <cstddef>\n#include <climits>\n  #  include<iostream>\nint add(int a, int b) {\n    return a + b;\n}",
         3,
         {{"a", "1, 2", "3", ""},
          {"b", "40, 2", "42", ""},
          {"c", "5, 5", "11", ""}},
         {true, true, false},
         {NULL, NULL, "CHECK( add(5, 5) == 11 ) is NOT correct!\nvalues: CHECK( 10 == 11 )"}},
};

/* The actual value each test of an example reports (cr_cpp_captured_actual()
 * on the real run's stdout): what the call returned or the void call wrote,
 * in the canonical literal form every language shows. "" when the test
 * reports none (custom code, a crash inside the call); NULL: not checked. */
static const struct {
        const char *name;
        const char *actual[8];
} actuals[] = {
        {"ex01_addOne", {"1", "6", "-2"}},
        {"M01_binarySearch", {"2", "-1", "0"}},
        /* char*: the string, where doctest's values line shows strcmp()'s result */
        {"M03_longestCommonPrefix", {"\"fl\"", "\"\"", "\"app\"", "\"flow\""}},
        {"H02_integrate", {"", "", "", "0.3350000000000001"}},
        {"ex05_partialFailure", {"1", "6", "-3"}},
        /* an output array shows as many elements as expected_output has */
        {"M02_mergeSortedArrays", {"[1,2,3,4,5,6]", "[1,2,3,4,5]", "[1,2,3,4,6,7,8]"}},
        {"echo_strings",
         {"\"hello world\"", "\"Hello, World\"", "\"back\\\\slash \\\"q\\\" ?\?= */ /* \\t|\"",
          "\"line1\\nline2\"", "\"na\xc3\xafve \xe2\x82\xac\"", NULL, NULL, "\"hello\""}},
        /* vectors, where doctest shows {?} */
        {"vector_result", {"[1,2,3]", "[]", "[1,2,2]"}},
        {"void_in_place", {"[3,2,1]", "[3,2,1]", "[7]"}},
        {"no_includes", {"\"ab4\""}},
        {"writable_char_pointer", {"\"HELLO\"", "\"A B\""}},
        /* a method of class Solution */
        {"class_solution", {"[0,1]", "[1,2]", "[0,1]"}},
        /* 2-D */
        {"matrix_transpose", {"[[1,3],[2,4]]", "[[1],[2],[3]]", "[[1],[2]]"}},
        {"matrix_rotate_in_place", {"[[3,1],[4,2]]", "[[1]]", "[[3,1],[4,2]]"}},
        {"no_prelude_language_support", {"7.5", "104.5", "106.25"}},
        {"no_prelude_light_checks", {"3", "300", "", "", "", "2"}},
        {"no_prelude_standard_includes", {"3", "42", "10"}},
};

static const char *expected_actual(const char *example, size_t test)
{
        for (size_t i = 0; i < sizeof(actuals) / sizeof(actuals[0]); i++)
                if (strcmp(actuals[i].name, example) == 0)
                        return actuals[i].actual[test];
        return NULL;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static char workdir[] = "/tmp/test-funcmode-XXXXXX";
static bool workdir_made; /* mkdtemp() may well end the name in 'X' itself */
static bool have_toolchain, compiled[sizeof(examples) / sizeof(examples[0])];

static char *path_in_workdir(const char *name, const char *suffix)
{
        char *p = NULL;

        if (asprintf(&p, "%s/%s%s", workdir, name, suffix) < 0)
                abort();
        return p;
}

static int write_file(const char *path, const char *data, size_t len)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        return write(fd, data, len) == (ssize_t)len ? 0 : -EIO;
}

static bool toolchain_present(void)
{
        char *argv[] = {(char *)"g++", (char *)"--version", NULL};
        struct proc_out p = {};
        bool ok;

        if (access("/usr/include/doctest/doctest.h", R_OK) < 0)
                return false;
        if (run_capture(argv, false, &p) < 0)
                return false;
        ok = WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0;
        free(p.out);
        return ok;
}

/* A header of the image, read from the recipe that writes it (the here
 * document `marker` of rootfs/recipes/cpp.conf), into workdir/coderunner/name. */
static int write_image_header(const char *marker, const char *name)
{
        _cleanup_free_ char *recipe = NULL, *dir = path_in_workdir("coderunner", "");
        _cleanup_free_ char *path = path_in_workdir("coderunner/", name);
        _cleanup_free_ char *open_tag = xasprintf("<<-'%s'\n", marker), *close_tag = xasprintf("\t%s\n", marker);
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(64 * 1024);
        const char *b, *e;
        size_t n = 0;
        FILE *f = fopen(SRCDIR "/rootfs/recipes/cpp.conf", "re");

        if (!f)
                return -errno;
        recipe = malloc(64 * 1024);
        if (recipe)
                n = fread(recipe, 1, 64 * 1024 - 1, f);
        fclose(f);
        if (!recipe)
                return -ENOMEM;
        recipe[n] = 0;
        b = strstr(recipe, open_tag);
        e = b ? strstr(b, close_tag) : NULL;
        if (!e)
                return -ENOENT;
        for (b = strchr(b, '\n') + 1; b < e; b++)
                if (!(*b == '\t' && (b[-1] == '\n')))
                        (void) cr_buf_append(&out, b, 1);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        return write_file(path, out.data, out.len);
}

/* The image's prelude, light header and light checks. */
static int write_prelude(void)
{
        int r = write_image_header("EOF_PRELUDE", "doctest.h");

        if (r >= 0)
                r = write_image_header("EOF_LIGHT", "light.h");
        return r < 0 ? r : write_image_header("EOF_LIGHT_CHECKS", "light-checks.h");
}

/* doctest's main and the light checks, built once from the source the cpp
 * image builds them from (rootfs/recipes/cpp.conf). */
static int build_runner(void)
{
        _cleanup_free_ char *cpp = path_in_workdir("coderunner/doctest-runner", ".cpp");
        _cleanup_free_ char *obj = path_in_workdir("doctest-runner", ".o");
        _cleanup_free_ char *include = path_in_workdir("", "");
        char *argv[] = {(char *)"g++", (char *)"-std=c++17", (char *)"-O2", (char *)"-I", include,
                        (char *)"-c", (char *)"-o", obj, cpp, NULL};
        struct proc_out p = {};
        int r;

        r = write_image_header("EOF_RUNNER", "doctest-runner.cpp");
        if (r >= 0)
                r = run_capture(argv, true, &p);
        if (r >= 0 && !(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0)) {
                printf("# %s\n", p.out);
                r = -EIO;
        }
        free(p.out);
        return r;
}

/* Generates every example and compiles them, two compilers at a time, with
 * the warnings the generated part must not add (the students' code may). */
TEST(examples_compile)
{
        size_t n = sizeof(examples) / sizeof(examples[0]);
        pid_t pids[sizeof(examples) / sizeof(examples[0])] = {};
        size_t running = 0;

        have_toolchain = toolchain_present();
        if (!have_toolchain)
                SKIP("g++ or /usr/include/doctest/doctest.h missing");
        ASSERT_TRUE(mkdtemp(workdir) != NULL);
        workdir_made = true;
        ASSERT_OK(write_prelude());
        ASSERT_OK(build_runner());
        for (size_t i = 0; i < n; i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                _cleanup_free_ char *src =
                        generate(examples[i].code, examples[i].tests, examples[i].n, &err);
                _cleanup_free_ char *cpp = path_in_workdir(examples[i].name, ".cpp");
                _cleanup_free_ char *bin = path_in_workdir(examples[i].name, "");
                _cleanup_free_ char *runner = path_in_workdir("doctest-runner", ".o");
                /* rootfs/runtimes/cpp.json's function-mode argv */
                _cleanup_free_ char *include = path_in_workdir("", "");
                char *argv[] = {(char *)"g++", (char *)"-std=c++17", (char *)"-O2", (char *)"-pipe",
                                (char *)"-Wall", (char *)"-fuse-ld=gold", (char *)"-I", include,
                                (char *)"-o", bin, cpp, runner, NULL};
                int status;

                ASSERT_TRUE(src != NULL);
                ASSERT_OK(write_file(cpp, src, strlen(src)));
                if (running == 2) {
                        pid_t done = wait(&status);
                        for (size_t k = 0; k < n; k++)
                                if (pids[k] == done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                                        compiled[k] = true;
                        running--;
                }
                pids[i] = fork();
                ASSERT_TRUE(pids[i] >= 0);
                if (pids[i] == 0) {
                        execvp(argv[0], argv);
                        _exit(127);
                }
                running++;
        }
        while (running > 0) {
                int status;
                pid_t done = wait(&status);
                if (done < 0)
                        break;
                for (size_t k = 0; k < n; k++)
                        if (pids[k] == done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                                compiled[k] = true;
                running--;
        }
        for (size_t i = 0; i < n; i++) {
                printf("# %s: %s\n", examples[i].name, compiled[i] ? "compiled" : "FAILED to compile");
                ASSERT_TRUE(compiled[i]);
        }
}

/* Runs every test of example `idx` in its own process, selected by index
 * with cr_cpp_test_argv(), and checks the verdict. */
static void run_example(size_t idx)
{
        const struct example *ex = &examples[idx];
        _cleanup_free_ char *bin = path_in_workdir(ex->name, "");
        const char *base[] = {bin, NULL};

        if (!have_toolchain)
                SKIP("g++ or /usr/include/doctest/doctest.h missing");
        ASSERT_TRUE(compiled[idx]);
        for (size_t i = 0; i < ex->n; i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_doctest_result r;
                struct proc_out p = {};
                char **argv = NULL;
                _cleanup_free_ char *actual = NULL;
                const char *want;
                bool exit_ok;

                ASSERT_OK(cr_cpp_test_argv(i, base, &argv, &err));
                ASSERT_OK(run_capture(argv, false, &p));
                argv = cr_cpp_argv_free(argv);
                ASSERT_OK(cr_doctest_parse(p.out, p.len, &r));
                exit_ok = WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0;
                printf("# %s test %zu (%s): %s, exit %s, %u/%u cases\n", ex->name, i, ex->tests[i].id,
                       r.passed ? "passed" : "failed", exit_ok ? "0" : "non-zero", r.cases_passed, r.cases);
                for (const char *l = r.message; *l;) {
                        size_t len = strcspn(l, "\n");
                        printf("#   %.*s\n", (int)len, l);
                        l += len + (l[len] == '\n');
                }
                ASSERT_TRUE(r.summary);
                ASSERT_UEQ(r.cases, 1);
                ASSERT_EQ(r.passed && exit_ok, ex->passed[i]);
                ASSERT_EQ(exit_ok, r.passed); /* doctest's exit status agrees with the parse */
                if (ex->message[i])
                        ASSERT_TRUE(strstr(r.message, ex->message[i]) != NULL);
                /* the value line is no part of doctest's report */
                ASSERT_TRUE(strstr(r.message, CR_FM_MARKER) == NULL);
                want = expected_actual(ex->name, i);
                actual = cr_cpp_captured_actual(p.out, p.len);
                printf("#   actual: %s\n", actual ? actual : "(none)");
                if (want)
                        ASSERT_STREQ(actual ? actual : "", want);
                free(p.out);
        }
}

TEST(example_ex01_addOne)
{
        run_example(0);
}
TEST(example_M01_binarySearch)
{
        run_example(1);
}
TEST(example_M03_longestCommonPrefix_empty_expected_is_compared)
{
        run_example(2);
}
TEST(example_H02_custom_code_and_crash_isolation)
{
        run_example(3);
}
TEST(example_ex05_partial_failure)
{
        run_example(4);
}
TEST(example_M02_two_arrays_and_output_parameter)
{
        run_example(5);
}
TEST(example_strings_round_trip)
{
        run_example(6);
}
TEST(example_every_scalar_type)
{
        run_example(7);
}
TEST(example_vector_result)
{
        run_example(8);
}
TEST(example_void_in_place)
{
        run_example(9);
}
TEST(example_no_includes)
{
        run_example(10);
}
TEST(example_writable_char_pointer)
{
        run_example(11);
}

TEST(example_class_solution)
{
        run_example(12);
}
TEST(example_matrix_transpose)
{
        run_example(13);
}
TEST(example_matrix_rotate_in_place)
{
        run_example(14);
}

TEST(example_no_prelude_language_support)
{
        run_example(15);
}

TEST(example_no_prelude_light_checks)
{
        run_example(16);
}

TEST(example_no_prelude_standard_includes)
{
        run_example(17);
}

/* The file of example ex, with the prelude even where it is not needed. */
static char *with_prelude(const struct example *ex)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *src = generate(ex->code, ex->tests, ex->n, &err);
        char *at = src ? strstr(src, LIGHT_HEADER) : NULL;

        if (!at)
                return NULL;
        *at = '\0';
        return xasprintf("%s%s%s", src, PRELUDE_HEADER, at + strlen(LIGHT_HEADER));
}

/* Compares, test by test, what the example's file without the prelude
 * (compiled by examples_compile) prints with what it prints with it. */
static void compare_with_prelude(const struct example *ex, const char *bin)
{
        _cleanup_free_ char *light_bin = path_in_workdir(ex->name, "");

        for (size_t t = 0; t < ex->n; t++) {
                _cleanup_error_ struct cr_error *err = NULL;
                const char *base_full[] = {bin, NULL}, *base_light[] = {light_bin, NULL};
                _cleanup_free_ char *out_full = NULL, *out_light = NULL;
                struct proc_out a = {}, b = {};
                char **argv = NULL;

                ASSERT_OK(cr_cpp_test_argv(t, base_full, &argv, &err));
                ASSERT_OK(run_capture(argv, false, &a));
                argv = cr_cpp_argv_free(argv);
                out_full = a.out;
                ASSERT_OK(cr_cpp_test_argv(t, base_light, &argv, &err));
                ASSERT_OK(run_capture(argv, false, &b));
                argv = cr_cpp_argv_free(argv);
                out_light = b.out;
                printf("# %s test %zu: %zu bytes with the prelude, %zu without\n", ex->name, t, a.len, b.len);
                ASSERT_UEQ(a.len, b.len);
                ASSERT_TRUE(memcmp(a.out, b.out, a.len) == 0);
                ASSERT_EQ(a.status, b.status);
        }
}

/* Every example whose file leaves the prelude out prints, test by test,
 * exactly what the same file with the prelude prints (the original's addOne
 * examples among them). */
TEST(examples_without_prelude_print_as_with_it)
{
        size_t checked = 0;

        if (!have_toolchain)
                SKIP("g++ or /usr/include/doctest/doctest.h missing");
        for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
                const struct example *ex = &examples[i];
                _cleanup_free_ char *src = with_prelude(ex);
                _cleanup_free_ char *cpp = path_in_workdir(ex->name, "-prelude.cpp");
                _cleanup_free_ char *bin = path_in_workdir(ex->name, "-prelude");
                _cleanup_free_ char *runner = path_in_workdir("doctest-runner", ".o");
                _cleanup_free_ char *include = path_in_workdir("", "");
                char *argv[] = {(char *)"g++", (char *)"-std=c++17", (char *)"-O2", (char *)"-pipe",
                                (char *)"-Wall", (char *)"-fuse-ld=gold", (char *)"-I", include,
                                (char *)"-o", bin, cpp, runner, NULL};
                struct proc_out cc = {};

                if (!src)
                        continue;
                ASSERT_TRUE(compiled[i]);
                ASSERT_OK(write_file(cpp, src, strlen(src)));
                ASSERT_OK(run_capture(argv, true, &cc));
                free(cc.out);
                ASSERT_TRUE(WIFEXITED(cc.status) && WEXITSTATUS(cc.status) == 0);
                compare_with_prelude(ex, bin);
                checked++;
        }
        ASSERT_TRUE(checked >= 5); /* ex01, ex05 and the three no_prelude_ examples */
}

TEST(examples_cleanup)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!have_toolchain || !workdir_made)
                SKIP("nothing to clean");
        {
                /* the image's headers and the runner's source */
                static const char *const files[] = {"doctest.h", "light.h", "light-checks.h",
                                                    "doctest-runner.cpp"};
                _cleanup_free_ char *dir = path_in_workdir("coderunner", "");
                for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                        _cleanup_free_ char *path = path_in_workdir("coderunner/", files[i]);
                        ASSERT_OK(unlink(path) < 0 ? -errno : 0);
                }
                ASSERT_OK(rmdir(dir) < 0 ? -errno : 0);
        }
        d = opendir(workdir);
        ASSERT_TRUE(d != NULL);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        ASSERT_OK(unlinkat(dirfd(d), de->d_name, 0) < 0 ? -errno : 0);
        ASSERT_OK(rmdir(workdir) < 0 ? -errno : 0);
}

TESTS_MAIN
