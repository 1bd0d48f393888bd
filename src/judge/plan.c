/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"
#include "judge/funcmode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* A plan: the mode, the program, and what judging needs of each test. */
struct cr_judge_plan {
        const struct cr_judge_language *lang; /* not owned (static) */
        enum cr_judge_mode mode;
        struct cr_buf source;
        size_t n_tests;
        char ***test_args;                    /* function mode: each test's extra argv, or NULL */
        char **expected;                      /* stdio mode: each test's expected output */
        bool *run_only;
        void *state;                          /* function mode: the language's data */
};

static void strv_free(char **v)
{
        for (size_t k = 0; v && v[k]; k++)
                free(v[k]);
        free(v);
}

struct cr_judge_plan *cr_judge_plan_free(struct cr_judge_plan *p)
{
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_tests; i++) {
                strv_free(p->test_args[i]);
                free(p->expected[i]);
        }
        free(p->test_args);
        free(p->expected);
        free(p->run_only);
        if (p->state && p->lang->funcmode && p->lang->funcmode->free_state)
                p->lang->funcmode->free_state(p->state);
        cr_buf_done(&p->source);
        free(p);
        return NULL;
}

static int build_stdio(struct cr_judge_plan *p, const struct cr_judge_request *req, struct cr_error **err)
{
        int r = cr_buf_append(&p->source, req->code, req->code_len);

        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code too large");
        for (size_t i = 0; i < p->n_tests; i++) {
                const char *e = req->tests[i].expected_output;
                p->expected[i] = xstrdup(e ? e : "");
                p->run_only[i] = req->tests[i].run_only;
        }
        return 0;
}

static int build_function(struct cr_judge_plan *p, const struct cr_judge_request *req, struct cr_error **err)
{
        /* NUL-terminated for the generators (the native API's code is bytes;
         * cr_judge_select_mode() refused inner NULs) */
        _cleanup_free_ char *code = xstrndup(req->code, req->code_len);
        struct cr_funcmode_build b = {
                .lang = p->lang,
                .function_name = req->function_name && req->function_name[0] ? req->function_name : NULL,
                .code = code,
                .code_len = req->code_len,
                .tests = req->tests,
                .n_tests = req->n_tests,
                .run_argv = req->run_argv,
                .source = &p->source,
                .test_args = p->test_args,
        };
        int r = p->lang->funcmode->build(&b, err);

        p->state = b.state;
        if (r < 0 && !*err)
                r = cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code too large");
        return r;
}

DEFINE_CLEANUP_FUNC(struct cr_judge_plan *, cr_judge_plan_free);

int cr_judge_plan_new(const struct cr_judge_request *req, struct cr_judge_plan **ret, struct cr_error **err)
{
        _cleanup_(cr_judge_plan_freep) struct cr_judge_plan *p = NULL;
        enum cr_judge_mode mode;
        int r;

        if (req->n_tests > CR_JUDGE_TESTS_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "too many tests (%zu, at most %u)",
                                    req->n_tests, CR_JUDGE_TESTS_MAX);
        r = cr_judge_select_mode(req->language, req->code, req->code_len, &mode, err);
        if (r < 0)
                return r;
        p = xzalloc(sizeof(*p));
        p->lang = cr_judge_language(cr_judge_lang_from_id(req->language));
        p->mode = mode;
        p->source = (struct cr_buf) CR_BUF_INIT(req->source_max);
        p->n_tests = req->n_tests;
        p->test_args = xzalloc((req->n_tests + 1) * sizeof(char **));
        p->expected = xzalloc((req->n_tests + 1) * sizeof(char *));
        p->run_only = xzalloc((req->n_tests + 1) * sizeof(bool));
        r = mode == CR_JUDGE_MODE_FUNCTION ? build_function(p, req, err) : build_stdio(p, req, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

enum cr_judge_mode cr_judge_plan_mode(const struct cr_judge_plan *p)
{
        return p->mode;
}

const char *cr_judge_plan_source(const struct cr_judge_plan *p, size_t *ret_len)
{
        *ret_len = p->source.len;
        return p->source.data ? p->source.data : "";
}

const char *const *cr_judge_plan_test_args(const struct cr_judge_plan *p, size_t i)
{
        return i < p->n_tests ? (const char *const *) p->test_args[i] : NULL;
}

size_t cr_judge_plan_program_output(const struct cr_judge_plan *p, char *out, size_t len)
{
        if (p->mode != CR_JUDGE_MODE_FUNCTION || !out)
                return len;
        return cr_fm_strip_harness_lines(out, len);
}

void cr_judge_plan_judge(const struct cr_judge_plan *p, size_t i, const struct cr_judge_run *run,
                         const struct cr_judge_limits *limits, struct cr_judge_verdict *ret)
{
        *ret = (struct cr_judge_verdict) {};
        if (!run->ran || i >= p->n_tests) {
                ret->message = xstrdup("not run");
                return;
        }
        if (p->mode == CR_JUDGE_MODE_FUNCTION) {
                p->lang->funcmode->judge(p->state, i, run, limits, ret);
                return;
        }
        if (run->status != CR_JUDGE_STATUS_OK) {
                ret->message = cr_judge_run_message(run, limits);
                return;
        }
        if (p->run_only[i]) {
                ret->passed = true;
                return;
        }
        ret->passed = cr_judge_output_matches(run->out ? run->out : "", run->out_len, p->expected[i],
                                              strlen(p->expected[i]));
        if (!ret->passed) {
                ret->wrong_answer = true;
                ret->message = xstrdup("output does not match the expected output");
        }
}
