/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/cpp.h"
#include "judge/funcmode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/judge-internal.h"
#include "xalloc.h"

/* C++ in the judge's table: stdio mode's `main` rule, and function mode
 * through doctest (cpp-detect.c, cpp-generate.c, cpp-doctest.c). */

/* doctest's options for one test's run: only its TEST_CASE, and a report
 * that cr_doctest_parse() reads (no colours, banners or paths). */
static const char *const doctest_options[] = {
        "--case-sensitive=true", "--no-colors=true",         "--no-intro=true",
        "--no-version=true",     "--no-path-filenames=true", "--no-breaks=true",
};

char **cr_cpp_argv_free(char **argv)
{
        for (size_t k = 0; argv && argv[k]; k++)
                free(argv[k]);
        free(argv);
        return NULL;
}

int cr_cpp_test_args(size_t index, char ***ret_args, struct cr_error **err)
{
        size_t n = sizeof(doctest_options) / sizeof(doctest_options[0]);
        char **args;

        if (index >= CR_JUDGE_TESTS_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "test index %zu out of range", index);
        args = xzalloc((n + 2) * sizeof(*args));
        args[0] = xasprintf("--test-case=t%zu", index);
        for (size_t i = 0; i < n; i++)
                args[i + 1] = xstrdup(doctest_options[i]);
        *ret_args = args;
        return 0;
}

int cr_cpp_test_argv(size_t index, const char *const *base_argv, char ***ret_argv, struct cr_error **err)
{
        char **args = NULL, **argv;
        size_t nb = 0, na = 0;
        int r;

        if (!base_argv || !base_argv[0] || !ret_argv)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no program to run");
        while (base_argv[nb])
                if (++nb > 64)
                        return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "run argv is too long");
        r = cr_cpp_test_args(index, &args, err);
        if (r < 0)
                return r;
        while (args[na])
                na++;
        argv = xzalloc((nb + na + 1) * sizeof(*argv));
        for (size_t i = 0; i < nb; i++)
                argv[i] = xstrdup(base_argv[i]);
        memcpy(argv + nb, args, na * sizeof(*argv));
        free(args);
        *ret_argv = argv;
        return 0;
}

/* What judging shows besides doctest's verdict: each test's expected_output
 * as sent (trimmed, cut). The actual value is what the test's call returned
 * (or its void call wrote), which the generated test sends on a line of its
 * own (cpp-generate.c, capture_runtime). */
struct cpp_state {
        size_t n;
        char **expected;  /* owned: NULL when the test has custom code or no expected_output */
};

static void cpp_free_state(void *state)
{
        struct cpp_state *st = state;

        for (size_t i = 0; st && i < st->n; i++)
                free(st->expected[i]);
        if (st)
                free(st->expected);
        free(st);
}

/* s[0..n) cut to CR_FM_VALUE_SHOWN_MAX bytes at a character boundary, with "...". */
static char *cut_shown(const char *s, size_t n)
{
        size_t k = n;

        if (n <= CR_FM_VALUE_SHOWN_MAX)
                return xstrndup(s, n);
        k = CR_FM_VALUE_SHOWN_MAX - 3;
        while (k > 0 && ((unsigned char) s[k] & 0xc0) == 0x80)
                k--;
        return xasprintf("%.*s...", (int) k, s);
}

static struct cpp_state *cpp_state_new(const struct cr_funcmode_build *b, const struct cr_cpp_sig *sig)
{
        struct cpp_state *st = xzalloc(sizeof(*st));

        st->n = b->n_tests;
        st->expected = xzalloc((b->n_tests ? b->n_tests : 1) * sizeof(*st->expected));
        for (size_t i = 0; i < b->n_tests; i++) {
                const struct cr_judge_test *t = &b->tests[i];
                struct cr_cpp_span sp;
                if (!sig || (t->custom_validation_code && t->custom_validation_code[0]) || !t->expected_output)
                        continue;
                sp = cr_cpp_trim(t->expected_output, (struct cr_cpp_span){0, strlen(t->expected_output)});
                if (sp.e > sp.b)
                        st->expected[i] = cut_shown(t->expected_output + sp.b, sp.e - sp.b);
        }
        return st;
}

/* Code without main: the doctest harness, one TEST_CASE per test. When no
 * function is found but every test brings its own custom code, that code
 * calls what it likes. */
static int cpp_build(struct cr_funcmode_build *b, struct cr_error **err)
{
        struct cr_cpp_sig sig = {};
        bool all_custom = true, have_sig;
        int r;

        for (size_t i = 0; i < b->n_tests; i++)
                if (!b->tests[i].custom_validation_code || !b->tests[i].custom_validation_code[0])
                        all_custom = false;
        r = cr_cpp_detect(b->code, b->code_len, &sig, err);
        have_sig = r >= 0;
        if (r < 0 && all_custom) {
                *err = cr_error_free(*err);
                r = 0;
        }
        if (r >= 0)
                r = cr_cpp_generate(b->code, have_sig ? &sig : NULL, b->tests, b->n_tests, b->source, err);
        if (r >= 0)
                b->state = cpp_state_new(b, have_sig ? &sig : NULL);
        if (have_sig)
                cr_cpp_sig_done(&sig);
        for (size_t i = 0; r >= 0 && i < b->n_tests; i++)
                r = cr_cpp_test_args(i, &b->test_args[i], err);
        return r;
}

/* A test passes when its TEST_CASE ran, every CHECK held and the process
 * exited 0: a crash or a limit fails this test only. */
static void cpp_judge(const void *state, size_t i, const struct cr_judge_run *run,
                      const struct cr_judge_limits *limits, struct cr_judge_verdict *ret)
{
        const struct cpp_state *st = state;
        const char *expected = st && i < st->n ? st->expected[i] : NULL;
        struct cr_doctest_result dr;

        if (expected)
                ret->expected = xstrdup(expected);
        if (run->status != CR_JUDGE_STATUS_OK && run->status != CR_JUDGE_STATUS_RUNTIME_ERROR) {
                ret->message = cr_judge_run_message(run, limits);
                return;
        }
        (void) cr_doctest_parse(run->out ? run->out : "", run->out_len, &dr);
        if (run->out)
                ret->actual = cr_cpp_captured_actual(run->out, run->out_len);
        if (dr.passed && run->status == CR_JUDGE_STATUS_OK) {
                ret->passed = true;
                return;
        }
        /* a CHECK that does not hold: doctest finished and said so */
        ret->wrong_answer = dr.summary && !dr.crashed && !dr.threw && dr.asserts_failed > 0;
        if (dr.message[0])
                ret->message = xstrdup(dr.message);
        else if (dr.crashed || run->signal)
                ret->message = cr_judge_run_message(run, limits);
        else
                ret->message = xstrdup(dr.summary ? "test failed" : "the test harness produced no result");
}

static const struct cr_funcmode_ops cpp_funcmode = {
        .build = cpp_build,
        .judge = cpp_judge,
        .free_state = cpp_free_state,
};

const struct cr_judge_language cr_judge_lang_cpp = {
        .id = "cpp",
        .lex = {.comment_splice = true, .char_literals = true, .cpp_raw = true},
        .has_entry_point = cr_scan_c_main,
        .program_hint = "a main function",
        .funcmode = &cpp_funcmode,
};
