/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/cpp.h"
#include "judge/judge-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is NUL-separated: student code, then (input, expected_output,
 * custom_validation_code) triples. All of it also goes through the doctest
 * output parser, the entry-point heuristics and the stdout comparison.
 *
 * Invariant checked on every generated file: with the generator's own test
 * bodies (no custom code), the test section holds nothing but literals and
 * the names the generator makes up, so no input can smuggle code in. */

#define FUZZ_TESTS_MAX 8

/* A fixed solution, so generation runs whatever the fuzzed code is. */
static const char fixed_code[] = "int f(int a, const char* b, int c[], int n, vector<int>& v, char* s, int "
                                 "out[]) {\n    return 0;\n}\n";

/* LeetCode's form: a member of class Solution, vectors of vectors in and out. */
static const char member_code[] = "class Solution {\npublic:\n    vector<vector<int>> f(vector<vector<string>>& g, "
                                  "const vector<vector<double>>& d, int a) {\n        return {};\n    }\n};\n";

static bool is_word(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* arr12, arr1_2, arr1_s3, arr1_2_s3, arg1_2, out1_2, exp1 */
static bool is_generated_name(const char *w, size_t n)
{
        static const char *const prefixes[] = {"arr", "arg", "out", "exp"};
        size_t k;

        for (size_t p = 0; p < 4; p++) {
                if (n <= 3 || memcmp(w, prefixes[p], 3) != 0)
                        continue;
                for (k = 3; k < n; k++)
                        if (!(w[k] >= '0' && w[k] <= '9') && w[k] != '_' && w[k] != 's')
                                return false;
                return true;
        }
        return false;
}

static bool is_allowed_word(const char *w, size_t n)
{
        static const char *const words[] = {"TEST_CASE", "CHECK", "FAIL_CHECK", "strcmp", "f",
                                            "static",    "char",  "int",        "double", "bool",
                                            "long",      "const", "vector",     "std",    "string",
                                            "for",       "i",     "true",       "false",
                                            "Solution",
                                            /* the capture of actual values (cpp-generate.c) */
                                            "CRFM", "cr_fm", "cr_fm_cap", "cr_fm_emit", "cr_fm_emit_n",
                                            "cr_fm_emit_chars", "cr_fm_r1",
                                            /* the light checks of code that needs no prelude */
                                            "CRFM_CASE", "CRFS"};

        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
                if (strlen(words[k]) == n && memcmp(words[k], w, n) == 0)
                        return true;
        return is_generated_name(w, n);
}

static void check_generated(const char *src, size_t len, size_t n_tests)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *t = NULL;
        const char *tests;
        size_t cases = 0;
        int depth = 0;
        bool complete;

        if (cr_judge_blank_source(CR_JUDGE_LANG_CPP, src, len, &t, &complete, &err) < 0)
                return;
        tests = strstr(t, "TEST_CASE(");
        if (!tests)
                tests = strstr(t, "CRFM_CASE(");
        if (!complete || (n_tests > 0 && !tests))
                abort();
        for (const char *p = tests; p && *p;) {
                size_t w = 0;
                if ((p[0] >= '0' && p[0] <= '9') || (p[0] == '.' && p[1] >= '0' && p[1] <= '9')) {
                        /* a number: 12, .5, 5.e-3, 7ULL */
                        while (is_word(p[w]) || p[w] == '.' ||
                               ((p[w] == '+' || p[w] == '-') && (p[w - 1] == 'e' || p[w - 1] == 'E')))
                                w++;
                        p += w;
                        continue;
                }
                while (is_word(p[w]))
                        w++;
                if (w == 0) {
                        depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
                        if (depth < 0)
                                abort();
                        p++;
                        continue;
                }
                if (!is_allowed_word(p, w))
                        abort();
                cases += w == 9 && (memcmp(p, "TEST_CASE", 9) == 0 || memcmp(p, "CRFM_CASE", 9) == 0);
                p += w;
        }
        if (depth != 0 || cases != n_tests)
                abort();
}

static void run_generation(const char *code, const struct cr_cpp_sig *sig, struct cr_judge_test *tests,
                           size_t n, bool check)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_buf out = CR_BUF_INIT(16 * 1024 * 1024);

        if (cr_cpp_generate(code, sig, tests, n, &out, &err) >= 0) {
                if (check)
                        check_generated(out.data, out.len, n);
        } else if (!err || out.len != 0)
                abort(); /* a failure always says why and leaves the buffer alone */
        cr_buf_done(&out);
}

static void fuzz_funcmode(const char *code, struct cr_judge_test *tests, size_t n)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cpp_sig sig = {};
        static const char *const base[] = {"/box/main", NULL};

        if (cr_cpp_detect(code, strlen(code), &sig, &err) >= 0) {
                if (!sig.name || !sig.name[0] || !sig.return_type)
                        abort();
                run_generation(code, &sig, tests, n, false);
                cr_cpp_sig_done(&sig);
        } else
                run_generation(code, NULL, tests, n, false);

        if (cr_cpp_detect(fixed_code, sizeof(fixed_code) - 1, &sig, &err) < 0)
                abort();
        run_generation(fixed_code, &sig, tests, n, false);
        for (size_t i = 0; i < n; i++)
                tests[i].custom_validation_code = NULL;
        run_generation(fixed_code, &sig, tests, n, true);
        cr_cpp_sig_done(&sig);
        if (cr_cpp_detect(member_code, sizeof(member_code) - 1, &sig, &err) < 0 || !sig.owner)
                abort();
        run_generation(member_code, &sig, tests, n, true);
        cr_cpp_sig_done(&sig);

        for (size_t i = 0; i <= n; i++) {
                char **argv = NULL;
                if (cr_cpp_test_argv(i, base, &argv, &err) < 0 || !argv[1])
                        abort();
                cr_cpp_argv_free(argv);
        }
}

static void fuzz_parsers(const char *data, size_t size, const char *a, const char *b)
{
        struct cr_doctest_result r;

        if (cr_doctest_parse(data, size, &r) < 0)
                abort();
        if ((r.passed && !r.summary) || strlen(r.message) >= sizeof(r.message))
                abort();
        for (int l = 0; l < _CR_JUDGE_LANG_MAX; l++)
                (void)cr_judge_has_entry_point(cr_judge_lang_to_id(l), data, size);
        if (cr_judge_output_matches(a, strlen(a), b, strlen(b)) !=
            cr_judge_output_matches(b, strlen(b), a, strlen(a)))
                abort();
        if (!cr_judge_output_matches(a, strlen(a), a, strlen(a)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *s = NULL;
        struct cr_judge_test tests[FUZZ_TESTS_MAX] = {};
        const char *seg[1 + 3 * FUZZ_TESTS_MAX];
        size_t nseg = 0, n;

        if (size > 64 * 1024)
                return 0;
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        for (size_t i = 0; nseg < sizeof(seg) / sizeof(seg[0]);) {
                seg[nseg++] = s + i;
                const char *z = memchr(s + i, 0, size - i);
                if (!z || (size_t)(z - s) >= size)
                        break;
                i = (size_t)(z - s) + 1;
        }
        n = (nseg - 1 + 2) / 3;
        for (size_t i = 0; i < n; i++)
                tests[i] = (struct cr_judge_test){
                        .id = "fuzz",
                        .input = seg[1 + 3 * i],
                        .expected_output = 2 + 3 * i < nseg ? seg[2 + 3 * i] : NULL,
                        .custom_validation_code = 3 + 3 * i < nseg ? seg[3 + 3 * i] : NULL,
                };
        fuzz_funcmode(seg[0], tests, n);
        fuzz_parsers((const char *)data, size, seg[0], nseg > 1 ? seg[1] : "");
        return 0;
}
