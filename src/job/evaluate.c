/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "evaluate.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "image/image.h"
#include "job.h"
#include "judge/judge.h"
#include "metrics/metrics.h"
#include "lang/catalog.h"
#include "lang/pipeline.h"
#include "proc-util.h"
#include "spawn/spawn.h"
#include "xalloc.h"

struct runtime_image {
        const struct cr_runtime *runtime;  /* not owned */
        char *rootfs;                      /* NULL: no image */
        int pin_fd;
};

struct cr_evaluator {
        const struct cr_catalog *catalog;  /* not owned */
        struct cr_job_engine *engine;      /* not owned */
        struct cr_evaluator_limits limits;
        struct runtime_image *images;
        size_t n_images;
};

struct cr_eval {
        unsigned refs;                     /* atomic */
        struct cr_evaluator *ev;           /* not owned */
        const struct runtime_image *image; /* not owned */
        cr_eval_done_fn done;
        cr_eval_output_fn output;
        void *userdata;
        uint64_t start_ms;
        struct cr_judge_plan *plan;        /* the program and how each test is judged */
        struct cr_exec_run *runs;
        struct cr_eval_outcome out;
        char **inputs;
        char ***args;                      /* stdio mode: each test's extra argv copy, or NULL */
        struct cr_sandbox_limits run_limits, compile_limits; /* overrides; all zero = none */
        struct cr_job *job;
        bool cancelled;                    /* atomic */
        struct cr_exec_request req;
};

/* ------------------------------------------------------------ evaluator */

int cr_evaluator_new(const struct cr_catalog *catalog, struct cr_image_store *store, struct cr_job_engine *engine,
                     const struct cr_evaluator_limits *limits, struct cr_evaluator **ret, struct cr_error **err)
{
        struct cr_evaluator *ev = xzalloc(sizeof(*ev));

        ev->catalog = catalog;
        ev->engine = engine;
        ev->limits = *limits;
        ev->images = xzalloc(MAX(catalog->n, (size_t) 1) * sizeof(*ev->images));
        ev->n_images = catalog->n;
        for (size_t i = 0; i < catalog->n; i++) {
                _cleanup_error_ struct cr_error *e = NULL;
                _cleanup_free_ char *ref = NULL;
                struct cr_image_info *info = NULL;
                struct runtime_image *ri = &ev->images[i];

                ri->runtime = &catalog->runtimes[i];
                ri->pin_fd = -EBADF;
                ref = xasprintf("%s@%s", ri->runtime->image, ri->runtime->version);
                if (cr_image_resolve(store, ref, &info, &e) < 0)
                        continue; /* unavailable; a request for it says so */
                ri->pin_fd = cr_image_pin(info, &e);
                if (ri->pin_fd >= 0)
                        ri->rootfs = xstrdup(info->rootfs);
                cr_image_info_free(info);
        }
        (void) err;
        *ret = ev;
        return 0;
}

struct cr_evaluator *cr_evaluator_free(struct cr_evaluator *ev)
{
        if (!ev)
                return NULL;
        for (size_t i = 0; i < ev->n_images; i++) {
                free(ev->images[i].rootfs);
                safe_close(ev->images[i].pin_fd);
        }
        free(ev->images);
        free(ev);
        return NULL;
}

size_t cr_evaluator_available(const struct cr_evaluator *ev)
{
        size_t n = 0;

        for (size_t i = 0; i < ev->n_images; i++)
                n += ev->images[i].rootfs != NULL;
        return n;
}

bool cr_evaluator_runtime_available(const struct cr_evaluator *ev, const char *id)
{
        for (size_t i = 0; id && i < ev->n_images; i++)
                if (strcmp(ev->images[i].runtime->id, id) == 0)
                        return ev->images[i].rootfs != NULL;
        return false;
}

/* ------------------------------------------------------------- validation */

static int find_runtime(struct cr_evaluator *ev, const char *language, const struct runtime_image **ret,
                        struct cr_error **err)
{
        _cleanup_error_ struct cr_error *nf = NULL;
        const struct cr_runtime *rt = NULL;

        /* like the original service, no language means C++ */
        if (cr_catalog_find(ev->catalog, language && language[0] ? language : "cpp", &rt, &nf) < 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "unsupported language '%s'", language);
        for (size_t i = 0; i < ev->n_images; i++)
                if (ev->images[i].runtime == rt) {
                        if (!ev->images[i].rootfs)
                                return cr_error_set(err, 0, CR_ERROR_UNAVAILABLE,
                                                    "language '%s' is not installed on this server", rt->id);
                        *ret = &ev->images[i];
                        return 0;
                }
        return cr_error_make(err, ENOENT, CR_ERROR_INTERNAL, "runtime '%s' has no image slot", rt->id);
}

static size_t test_input_len(const struct cr_eval_test *t)
{
        return t->input_len > 0 ? t->input_len : t->input ? strlen(t->input) : 0;
}

static int check_len(const char *what, size_t index, size_t len, size_t max, struct cr_error **err)
{
        if (len > max)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: %s is larger than %zu bytes", index + 1,
                                    what, max);
        return 0;
}

static int check_text(const char *what, size_t index, const char *s, size_t max, struct cr_error **err)
{
        if (s && strlen(s) > max)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: %s is larger than %zu bytes", index + 1,
                                    what, max);
        return 0;
}

static int validate(struct cr_evaluator *ev, const struct cr_eval_request *req, struct cr_error **err)
{
        const struct cr_evaluator_limits *l = &ev->limits;
        int r;

        if (!req->code || req->code_len == 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "code is empty");
        if (req->code_len > l->max_code_bytes)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "code is larger than %zu bytes", l->max_code_bytes);
        if (memchr(req->code, 0, req->code_len))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "code contains a NUL byte");
        if (req->n_tests == 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "at least one test case is required");
        if (req->n_tests > l->max_tests)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "too many test cases: %zu (at most %zu)",
                                    req->n_tests, l->max_tests);
        for (size_t i = 0; i < req->n_tests; i++) {
                const struct cr_eval_test *t = &req->tests[i];
                if ((r = check_len("input", i, test_input_len(t), l->max_input_bytes, err)) < 0 ||
                    (r = check_text("expected_output", i, t->expected_output, l->max_input_bytes, err)) < 0 ||
                    (r = check_text("custom_validation_code", i, t->custom_validation_code, l->max_input_bytes,
                                    err)) < 0 ||
                    (r = check_text("arguments", i, t->function_input, l->max_input_bytes, err)) < 0 ||
                    (r = check_text("expected_result", i, t->function_expected, l->max_input_bytes, err)) < 0)
                        return r;
        }
        return 0;
}

/* --------------------------------------------------------------- judging */

/* The judge's view of a sandbox result (judge/ knows no sandbox types). */
static struct cr_judge_run judge_run_of(bool ran, const struct cr_sandbox_result *r)
{
        static const enum cr_judge_status status[_CR_VERDICT_MAX] = {
                [CR_VERDICT_OK] = CR_JUDGE_STATUS_OK,
                [CR_VERDICT_RUNTIME_ERROR] = CR_JUDGE_STATUS_RUNTIME_ERROR,
                [CR_VERDICT_TIME_LIMIT] = CR_JUDGE_STATUS_TIME_LIMIT,
                [CR_VERDICT_MEMORY_LIMIT] = CR_JUDGE_STATUS_MEMORY_LIMIT,
                [CR_VERDICT_OUTPUT_LIMIT] = CR_JUDGE_STATUS_OUTPUT_LIMIT,
                [CR_VERDICT_SECCOMP_VIOLATION] = CR_JUDGE_STATUS_SECCOMP_VIOLATION,
                [CR_VERDICT_INTERNAL_ERROR] = CR_JUDGE_STATUS_INTERNAL_ERROR,
        };

        if (!ran)
                return (struct cr_judge_run) {};
        return (struct cr_judge_run) {
                .ran = true,
                .status = r->verdict >= 0 && r->verdict < _CR_VERDICT_MAX ? status[r->verdict] :
                                                                            CR_JUDGE_STATUS_INTERNAL_ERROR,
                .wall_limit = r->limit == CR_LIMIT_WALL,
                .exit_code = r->exit_code,
                .signal = r->signal,
                .seccomp_syscall = r->seccomp_syscall[0] ? r->seccomp_syscall : NULL,
                .out = r->out.data,
                .out_len = r->out.len,
                .err = r->err.data,
                .err_len = r->err.len,
        };
}

static void summarize(struct cr_eval *e)
{
        struct cr_eval_outcome *o = &e->out;
        const struct cr_sandbox_limits *l = &e->req.run_limits;
        struct cr_judge_limits limits = {
                .cpu_time_ms = l->cpu_time_ms,
                .wall_time_ms = l->wall_time_ms,
                .memory_bytes = l->memory_bytes,
                .output_bytes = l->output_bytes,
        };
        _cleanup_free_ struct cr_judge_run *runs = xzalloc((o->n_tests + 1) * sizeof(*runs));
        _cleanup_free_ struct cr_judge_verdict *verdicts = xzalloc((o->n_tests + 1) * sizeof(*verdicts));
        _cleanup_free_ struct cr_judge_result *results = xzalloc((o->n_tests + 1) * sizeof(*results));
        struct cr_judge_run compile = judge_run_of(o->compiled, &o->compile);
        struct cr_judge_summary s;

        o->execution_time_ms = now_ms() - e->start_ms;
        for (size_t i = 0; !o->compile_failed && i < o->n_tests; i++) {
                struct cr_eval_test_result *t = &o->tests[i];

                runs[i] = judge_run_of(t->ran, &t->run);
                cr_judge_plan_judge(e->plan, i, &runs[i], &limits, &verdicts[i]);
                t->passed = verdicts[i].passed;
                t->wrong_answer = verdicts[i].wrong_answer;
                t->message = TAKE_PTR(verdicts[i].message);
                t->expected = TAKE_PTR(verdicts[i].expected);
                t->actual = TAKE_PTR(verdicts[i].actual);
                results[i] = (struct cr_judge_result) { .id = t->id, .run = &runs[i], .verdict = &verdicts[i] };
                verdicts[i].message = t->message; /* borrowed for the summary */
        }
        cr_judge_summarize(o->compiled ? &compile : NULL, o->compile_failed, results, o->n_tests, &s);
        o->passed = s.passed;
        o->success = s.success;
        o->error_type = s.error_type;
        o->message = TAKE_PTR(s.message);
        o->error_message = TAKE_PTR(s.error_message);
}

/* ------------------------------------------------------------ job events */

/* Moves a result out of a job event (its buffers would be freed with it). */
static void take_result(struct cr_sandbox_result *dst, struct cr_sandbox_result *src)
{
        *dst = *src;
        src->out = (struct cr_buf) CR_BUF_INIT(0);
        src->err = (struct cr_buf) CR_BUF_INIT(0);
}

static void on_compile(void *userdata, struct cr_sandbox_result *r)
{
        struct cr_eval *e = userdata;

        if (e->out.compiled)
                cr_sandbox_result_done(&e->out.compile);
        e->out.compiled = true;
        e->out.compile_failed = r->verdict != CR_VERDICT_OK;
        take_result(&e->out.compile, r);
}

static void on_run(void *userdata, unsigned index, struct cr_sandbox_result *r)
{
        struct cr_eval *e = userdata;
        struct cr_eval_test_result *t;

        if (index >= e->out.n_tests)
                return;
        t = &e->out.tests[index];
        if (t->ran)
                cr_sandbox_result_done(&t->run);
        take_result(&t->run, r);
        t->ran = true;
}

static void on_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct cr_eval *e = userdata;

        if (e->output)
                e->output(e->userdata, index, stream, data, n);
}

/* The outcome label of coderunner_executions_total. */
static const char *outcome_label(const struct cr_eval_outcome *o, const struct cr_error *err)
{
        if (err)
                return err->kind == CR_ERROR_CANCELLED ? "cancelled" :
                       err->kind == CR_ERROR_UNAVAILABLE ? "unavailable" : "error";
        if (o->compile_failed)
                return "compile_error";
        return o->success ? "passed" : "failed";
}

static void on_finish(void *userdata, const struct cr_error *err)
{
        struct cr_eval *e = userdata;

        if (!err)
                summarize(e);
        cr_metrics_execution(e->out.runtime ? e->out.runtime->id : NULL, outcome_label(&e->out, err));
        if (err)
                e->done(e->userdata, NULL, err);
        else
                e->done(e->userdata, &e->out, NULL);
        cr_eval_unref(e);
}

static const struct cr_job_callbacks job_callbacks = {
        .on_compile = on_compile,
        .on_run = on_run,
        .on_output = on_output,
        .on_finish = on_finish,
};

/* -------------------------------------------------------------- lifecycle */

static void outcome_done(struct cr_eval_outcome *o)
{
        if (o->compiled)
                cr_sandbox_result_done(&o->compile);
        for (size_t i = 0; i < o->n_tests; i++) {
                free(o->tests[i].id);
                free(o->tests[i].message);
                free(o->tests[i].expected);
                free(o->tests[i].actual);
                if (o->tests[i].ran)
                        cr_sandbox_result_done(&o->tests[i].run);
        }
        free(o->tests);
        free(o->message);
        free(o->error_message);
}

static void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

struct cr_eval *cr_eval_unref(struct cr_eval *e)
{
        if (!e || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_SEQ_CST) > 0)
                return NULL;
        cr_job_unref(e->job);
        outcome_done(&e->out);
        strv_free_n(e->inputs, e->out.n_tests);
        for (size_t i = 0; e->args && i < e->out.n_tests; i++)
                for (char **a = e->args[i]; a && *a; a++)
                        free(*a);
        for (size_t i = 0; e->args && i < e->out.n_tests; i++)
                free(e->args[i]);
        free(e->args);
        cr_judge_plan_free(e->plan);
        free(e->runs);
        free(e);
        return NULL;
}

struct cr_eval *cr_eval_ref(struct cr_eval *e)
{
        __atomic_add_fetch(&e->refs, 1, __ATOMIC_SEQ_CST);
        return e;
}

void cr_eval_cancel(struct cr_eval *e)
{
        struct cr_job *job;

        if (!e)
                return;
        __atomic_store_n(&e->cancelled, true, __ATOMIC_SEQ_CST);
        job = __atomic_load_n(&e->job, __ATOMIC_SEQ_CST);
        if (job)
                cr_job_cancel(job);
}

int cr_eval_start(struct cr_eval *e, struct cr_error **err)
{
        struct cr_job *job = cr_job_new(&e->req, &job_callbacks, e);
        int r;

        cr_eval_ref(e); /* the job's on_finish drops it */
        __atomic_store_n(&e->job, job, __ATOMIC_SEQ_CST);
        /* a cancel that came first must not be lost */
        if (__atomic_load_n(&e->cancelled, __ATOMIC_SEQ_CST))
                r = cr_error_make(err, ECANCELED, CR_ERROR_CANCELLED, "cancelled");
        else
                r = cr_job_submit(e->ev->engine, job, err);
        if (r < 0)
                __atomic_sub_fetch(&e->refs, 1, __ATOMIC_SEQ_CST);
        return r;
}

/* A NULL-terminated deep copy. */
static char **strv_copy(const char *const *v)
{
        size_t n = 0;
        char **c;

        while (v[n])
                n++;
        c = xzalloc((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++)
                c[i] = xstrdup(v[i]);
        return c;
}

static void copy_tests(struct cr_eval *e, const struct cr_eval_request *req)
{
        size_t n = req->n_tests;

        e->out.n_tests = n;
        e->out.tests = xzalloc(n * sizeof(*e->out.tests));
        e->inputs = xzalloc(n * sizeof(char *));
        e->runs = xzalloc(n * sizeof(*e->runs));
        e->args = xzalloc(n * sizeof(char **));
        for (size_t i = 0; i < n; i++) {
                const struct cr_eval_test *t = &req->tests[i];
                size_t len = test_input_len(t);

                e->out.tests[i].id = xstrdup(t->id ? t->id : "");
                e->inputs[i] = xzalloc(len + 1);
                if (len)
                        memcpy(e->inputs[i], t->input, len);
                e->runs[i].stdin_data = e->inputs[i];
                e->runs[i].stdin_len = len;
                if (t->args && t->args[0]) {
                        e->args[i] = strv_copy(t->args);
                        e->runs[i].args = (const char *const *) e->args[i];
                }
        }
}

static void apply_overrides(struct cr_sandbox_limits *l, const struct cr_sandbox_limits *o)
{
        if (o->cpu_time_ms)
                l->cpu_time_ms = o->cpu_time_ms;
        if (o->wall_time_ms)
                l->wall_time_ms = o->wall_time_ms;
        if (o->memory_bytes)
                l->memory_bytes = o->memory_bytes;
        if (o->pids)
                l->pids = o->pids;
        if (o->output_bytes)
                l->output_bytes = o->output_bytes;
}

static bool any_args(const struct cr_eval_request *req)
{
        for (size_t i = 0; i < req->n_tests; i++)
                if (req->tests[i].args && req->tests[i].args[0])
                        return true;
        return false;
}

static void build_request(struct cr_eval *e)
{
        const struct cr_runtime *rt = e->image->runtime;
        struct cr_lang_job lj = { .cancel_fd = -1 };
        size_t source_len;
        const char *source = cr_judge_plan_source(e->plan, &source_len);

        cr_lang_job_from_runtime(rt, &lj);
        apply_overrides(&lj.run_limits, &e->run_limits);
        apply_overrides(&lj.compile_limits, &e->compile_limits);
        e->req = (struct cr_exec_request) {
                .rootfs = e->image->rootfs,
                .env = lj.env,
                .source_file = rt->source_file,
                .source = source,
                .source_len = source_len,
                /* function mode may build differently (C++: against doctest's prebuilt runner) */
                .compile_argv = e->out.function_mode && rt->function_compile_argv ?
                                        (const char *const *) rt->function_compile_argv :
                                        lj.compile_argv,
                .compile_limits = lj.compile_limits,
                .run_argv = lj.run_argv,
                .run_limits = lj.run_limits,
                .runs = e->runs,
                .n_runs = e->out.n_tests,
                .stream_output = e->output != NULL,
                .seccomp_profile = rt->seccomp_profile,
        };
}

/* The judge's plan: the mode, the program (the code, or a function-mode
 * harness), and each test's extra arguments. */
static int plan(struct cr_eval *e, const struct cr_eval_request *req, struct cr_error **err)
{
        _cleanup_free_ struct cr_judge_test *tests = xzalloc((req->n_tests + 1) * sizeof(*tests));
        struct cr_judge_request jr = {
                .language = e->image->runtime->id,
                .code = req->code,
                .code_len = req->code_len,
                .tests = tests,
                .n_tests = req->n_tests,
                .run_argv = (const char *const *) e->image->runtime->run.argv,
                .source_max = CR_EXEC_MAX_MESSAGE / 2,
                .function_name = req->function_name,
        };
        int r;

        for (size_t i = 0; i < req->n_tests; i++)
                tests[i] = (struct cr_judge_test) {
                        .id = req->tests[i].id,
                        /* the NUL-terminated copy (input_len) */
                        .input = req->tests[i].function_input ? req->tests[i].function_input : e->inputs[i],
                        .expected_output = req->tests[i].function_expected ? req->tests[i].function_expected :
                                                                              req->tests[i].expected_output,
                        .custom_validation_code = req->tests[i].custom_validation_code,
                        .run_only = req->tests[i].run_only,
                        .tolerance = req->tests[i].tolerance,
                };
        r = cr_judge_plan_new(&jr, &e->plan, err);
        if (r < 0)
                return r;
        e->out.function_mode = cr_judge_plan_mode(e->plan) == CR_JUDGE_MODE_FUNCTION;
        if (e->out.function_mode && any_args(req))
                return cr_error_set(err, 0, CR_ERROR_INVALID,
                                    "program arguments are not supported for function-mode code (no main)");
        for (size_t i = 0; e->out.function_mode && i < req->n_tests; i++)
                e->runs[i].args = cr_judge_plan_test_args(e->plan, i);
        return 0;
}

int cr_evaluator_prepare(struct cr_evaluator *ev, const struct cr_eval_request *req, cr_eval_done_fn done,
                         cr_eval_output_fn output, void *userdata, struct cr_eval **ret, struct cr_error **err)
{
        const struct runtime_image *image = NULL;
        struct cr_eval *e;
        int r;

        r = validate(ev, req, err);
        if (r >= 0)
                r = find_runtime(ev, req->language, &image, err);
        if (r < 0)
                return r;
        e = xzalloc(sizeof(*e));
        e->refs = 1;
        e->ev = ev;
        e->image = image;
        e->done = done;
        e->output = output;
        e->userdata = userdata;
        e->start_ms = now_ms();
        e->out.runtime = image->runtime;
        if (req->run_limits)
                e->run_limits = *req->run_limits;
        if (req->compile_limits)
                e->compile_limits = *req->compile_limits;
        copy_tests(e, req);

        r = plan(e, req, err);
        if (r >= 0)
                build_request(e);
        if (r < 0) {
                cr_eval_unref(e);
                return r;
        }
        *ret = e;
        return 0;
}
