/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "evaluation.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "queue.h"
#include "watch.h"
#include "judge/judge.h"
#include "judging.h"
#include "lang/catalog.h"
#include "lang/installed.h"
#include "lang/pipeline.h"
#include "uuid.h"
#include "xalloc.h"

struct cr_evaluator {
        const struct cr_installed *installed; /* not owned */
        struct cr_queue *queue;               /* not owned */
        struct cr_evaluator_limits limits;
        bool detach_on_cancel;                /* atomic: shutting down */
};

struct cr_evaluation {
        unsigned refs;                        /* atomic */
        struct cr_evaluator *ev;              /* not owned */
        char id[CR_EXECUTION_ID_LEN + 1];
        struct cr_job_spec view;              /* filled by the caller: points into its request */
        /* admission's own products, pointed to by the view until encoded */
        const struct cr_runtime *runtime;     /* not owned */
        struct cr_judge_plan *plan;           /* the program and each test's extra argv */
        uint64_t generation_ms;               /* function mode: building the harness */
        /* the description as it is stored, sent and judged */
        uint8_t *encoded;
        size_t encoded_len;
        struct cr_job_spec *spec;
        const struct cr_evaluation_ops *ops;  /* not owned (static) */
        void *userdata;
        struct cr_watch *watch;
        bool reserved;                        /* holds an admission place */
        bool stored;                          /* atomic: the job is in the store */
        bool cancelled;                       /* atomic */
        bool running_sent;                    /* atomic */
        bool final;                           /* atomic: the final state was delivered */
        uint64_t created_us;
};

/* ------------------------------------------------------------ evaluator */

int cr_evaluator_new(const struct cr_installed *installed, struct cr_queue *queue,
                     const struct cr_evaluator_limits *limits, struct cr_evaluator **ret, struct cr_error **err)
{
        struct cr_evaluator *ev = xzalloc(sizeof(*ev));

        (void) err;
        ev->installed = installed;
        ev->queue = queue;
        ev->limits = *limits;
        *ret = ev;
        return 0;
}

struct cr_evaluator *cr_evaluator_free(struct cr_evaluator *ev)
{
        free(ev);
        return NULL;
}

struct cr_queue *cr_evaluator_queue(const struct cr_evaluator *ev)
{
        return ev->queue;
}

const struct cr_evaluator_limits *cr_evaluator_limits(const struct cr_evaluator *ev)
{
        return &ev->limits;
}

void cr_evaluator_detach_on_cancel(struct cr_evaluator *ev)
{
        __atomic_store_n(&ev->detach_on_cancel, true, __ATOMIC_SEQ_CST);
}

const struct cr_installed *cr_evaluator_installed(const struct cr_evaluator *ev)
{
        return ev->installed;
}

/* ------------------------------------------------------------ admission */

static int check_limit(const char *what, const char *field, uint64_t v, uint64_t max, struct cr_error **err)
{
        if (v > max)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s.%s %" PRIu64 " is above the maximum %" PRIu64,
                                    what, field, v, max);
        return 0;
}

/* A request may lower a limit or raise it up to the operator's maximum,
 * never beyond: a larger value is refused, never silently lowered. */
static int check_overrides(const char *what, const struct cr_sandbox_limits *o, const struct cr_sandbox_limits *max,
                           struct cr_error **err)
{
        int r;

        if ((r = check_limit(what, "cpu_time_ms", o->cpu_time_ms, max->cpu_time_ms, err)) < 0 ||
            (r = check_limit(what, "wall_time_ms", o->wall_time_ms, max->wall_time_ms, err)) < 0 ||
            (r = check_limit(what, "memory_bytes", o->memory_bytes, max->memory_bytes, err)) < 0 ||
            (r = check_limit(what, "pids", o->pids, max->pids, err)) < 0 ||
            (r = check_limit(what, "output_bytes", o->output_bytes, max->output_bytes, err)) < 0)
                return r;
        if (o->memory_bytes && o->memory_bytes < (16ULL << 20))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s.memory_bytes must be at least 16 MiB", what);
        /* what a request cannot set at all */
        if (o->tmpfs_bytes || o->file_size_bytes || o->open_files || o->stack_bytes || o->cpu_quota_pct)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s: only time, memory, pids and output may be set",
                                    what);
        return 0;
}

static int check_request(struct cr_evaluation *e, struct cr_error **err)
{
        const struct cr_evaluator_limits *l = &e->ev->limits;
        int r;

        r = cr_job_spec_check(&e->view, &l->bounds, err);
        if (r >= 0)
                r = check_overrides("limits", &e->view.run_limits, &l->max_run, err);
        if (r >= 0)
                r = check_overrides("compile_limits", &e->view.compile_limits, &l->max_compile, err);
        return r;
}

static int resolve_runtime(struct cr_evaluation *e, struct cr_error **err)
{
        _cleanup_error_ struct cr_error *e2 = NULL;
        const char *language = e->view.language;
        int r = cr_installed_find(e->ev->installed, language, &e->runtime, NULL, &e2);

        if (r >= 0)
                return 0;
        if (e2->kind == CR_ERROR_INVALID)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "unsupported language: %s", e2->msg);
        *err = TAKE_PTR(e2);
        return r;
}

static bool any_args(const struct cr_job_spec *s)
{
        for (size_t i = 0; i < s->n_tests; i++)
                if (s->tests[i].n_args > 0)
                        return true;
        return false;
}

static size_t strv_len(const char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

/* The judge's plan picks the mode and builds the program (the code, or a
 * function-mode harness) and each test's extra arguments; the view points
 * into it until it is encoded. */
static int build_program(struct cr_evaluation *e, struct cr_error **err)
{
        uint64_t start = cr_now_us();
        int r;

        e->view.runtime = e->runtime->id;
        r = cr_job_plan(&e->view, (const char *const *) e->runtime->run.argv, CR_JOB_PROGRAM_MAX, &e->plan, err);
        if (r < 0)
                return r;
        e->view.function_mode = cr_judge_plan_mode(e->plan) == CR_JUDGE_MODE_FUNCTION;
        if (e->view.function_mode && any_args(&e->view))
                return cr_error_set(err, 0, CR_ERROR_INVALID,
                                    "program arguments are not supported for function-mode code (no main)");
        e->view.program = cr_judge_plan_source(e->plan, &e->view.program_len);
        for (size_t i = 0; e->view.function_mode && i < e->view.n_tests; i++) {
                e->view.tests[i].args = cr_judge_plan_test_args(e->plan, i);
                e->view.tests[i].n_args = strv_len(e->view.tests[i].args);
        }
        if (e->view.function_mode)
                e->generation_ms = (cr_now_us() - start) / 1000u;
        return 0;
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

/* The runtime's limits with the request's checked overrides: what every
 * instance will enforce, whichever runs the job. */
static void resolve_limits(struct cr_evaluation *e)
{
        struct cr_lang_job lj = { .cancel_fd = -1 };

        cr_lang_job_from_runtime(e->runtime, &lj);
        apply_overrides(&lj.run_limits, &e->view.run_limits);
        apply_overrides(&lj.compile_limits, &e->view.compile_limits);
        e->view.run_limits = lj.run_limits;
        e->view.compile_limits = e->runtime->compile ? lj.compile_limits : (struct cr_sandbox_limits) {};
        e->view.runtime = e->runtime->id;
        e->view.runtime_version = e->runtime->version;
}

/* The view and what admission made for it. */
static void view_done(struct cr_evaluation *e)
{
        e->plan = cr_judge_plan_free(e->plan);
        free(e->view.tests);
        e->view = (struct cr_job_spec) {};
}

/* The one copy: from here on nothing points into the request. */
static int encode(struct cr_evaluation *e, struct cr_error **err)
{
        int r = cr_job_spec_encode(&e->view, &e->encoded, &e->encoded_len, err);

        if (r >= 0)
                r = cr_job_spec_decode(e->encoded, e->encoded_len, &e->spec, err);
        if (r < 0)
                return r;
        view_done(e);
        return 0;
}

static int admit(struct cr_evaluation *e, struct cr_error **err)
{
        int r;

        r = check_request(e, err);
        if (r >= 0)
                r = resolve_runtime(e, err);
        if (r >= 0)
                r = build_program(e, err);
        if (r < 0)
                return r;
        resolve_limits(e);
        return encode(e, err);
}

/* ------------------------------------------------------------ waiting */

/* The state to hand to the caller: the published record, completed with
 * what this evaluation knows (a notification carries no description). */
static struct cr_execution complete(const struct cr_evaluation *e, const struct cr_execution *x)
{
        struct cr_execution y = *x;

        if (!y.spec)
                y.spec = e->spec;
        if (!y.created_us)
                y.created_us = e->created_us;
        if (!y.server_instance)
                y.server_instance = "";
        return y;
}

static void deliver_final(struct cr_evaluation *e, const struct cr_execution *x)
{
        struct cr_execution y = complete(e, x);

        if (__atomic_exchange_n(&e->final, true, __ATOMIC_SEQ_CST))
                return;
        cr_queue_unwatch(e->ev->queue, TAKE_PTR(e->watch));
        if (e->reserved)
                cr_queue_release(e->ev->queue);
        e->reserved = false;
        if (e->ops->on_state)
                e->ops->on_state(e->userdata, &y);
}

static void watch_state(void *userdata, const struct cr_execution *x)
{
        struct cr_evaluation *e = userdata;
        struct cr_execution y;

        if (cr_job_status_is_final(x->status)) {
                deliver_final(e, x);
                return;
        }
        if (x->status != CR_JOB_RUNNING || __atomic_exchange_n(&e->running_sent, true, __ATOMIC_SEQ_CST))
                return;
        y = complete(e, x);
        if (e->ops->on_state && !__atomic_load_n(&e->final, __ATOMIC_SEQ_CST))
                e->ops->on_state(e->userdata, &y);
}

static void watch_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct cr_evaluation *e = userdata;

        if (e->ops->on_output && !__atomic_load_n(&e->final, __ATOMIC_SEQ_CST))
                e->ops->on_output(e->userdata, index, stream, data, n);
}

static void watch_ref(void *userdata)
{
        cr_evaluation_ref(userdata);
}

static void watch_unref(void *userdata)
{
        cr_evaluation_unref(userdata);
}

static const struct cr_watch_ops watch_ops = {
        .on_state = watch_state,
        .on_output = watch_output,
        .ref = watch_ref,
        .unref = watch_unref,
};

/* Not stored: the final state is FAILED with the (client-safe) reason. */
static void fail_unstored(struct cr_evaluation *e, const struct cr_error *err)
{
        struct cr_execution x = { .status = CR_JOB_FAILED, .spec = e->spec, .error = err,
                                  .error_message = err->msg, .completed_us = cr_now_us() };

        memcpy(x.id, e->id, sizeof(x.id));
        deliver_final(e, &x);
}

static void stored(void *userdata, const char *existing_id, const struct cr_error *err)
{
        struct cr_evaluation *e = userdata;

        if (err)
                fail_unstored(e, err);
        else if (existing_id) {
                /* a retried Submit: the first one's job is the answer */
                if (e->ops->on_stored)
                        e->ops->on_stored(e->userdata, existing_id, true);
                __atomic_store_n(&e->final, true, __ATOMIC_SEQ_CST);
                cr_queue_unwatch(e->ev->queue, TAKE_PTR(e->watch));
                if (e->reserved)
                        cr_queue_release(e->ev->queue);
                e->reserved = false;
        } else {
                __atomic_store_n(&e->stored, true, __ATOMIC_SEQ_CST);
                if (e->ops->on_stored)
                        e->ops->on_stored(e->userdata, e->id, false);
                /* a cancel that came while the row was being written (not
                 * one of our own shutdown: see cr_evaluation_cancel) */
                if (__atomic_load_n(&e->cancelled, __ATOMIC_SEQ_CST) &&
                    !__atomic_load_n(&e->ev->detach_on_cancel, __ATOMIC_SEQ_CST))
                        cr_queue_cancel(e->ev->queue, e->id, NULL, NULL);
        }
        cr_evaluation_unref(e);
}

/* ------------------------------------------------------------ lifecycle */

int cr_evaluation_new(struct cr_evaluator *ev, enum cr_job_service service, size_t n_tests,
                      struct cr_evaluation **ret, struct cr_error **err)
{
        struct cr_evaluation *e;
        int r;

        if (n_tests == 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "at least one test case is required");
        if (n_tests > ev->limits.bounds.max_tests)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "too many test cases: %zu (at most %zu)", n_tests,
                                    ev->limits.bounds.max_tests);
        e = xzalloc(sizeof(*e));
        e->refs = 1;
        e->ev = ev;
        e->view.origin.service = service;
        e->view.tests = xzalloc(n_tests * sizeof(*e->view.tests));
        e->view.n_tests = n_tests;
        e->created_us = cr_now_us();
        r = cr_uuid_v4(e->id);
        if (r < 0) {
                cr_evaluation_unref(e);
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "generate an execution id");
        }
        *ret = e;
        return 0;
}

struct cr_job_spec *cr_evaluation_spec(struct cr_evaluation *e)
{
        return &e->view;
}

const char *cr_evaluation_id(const struct cr_evaluation *e)
{
        return e->id;
}

static void store_job(struct cr_evaluation *e)
{
        struct cr_store_job job = {
                .id = e->id,
                .spec = e->spec,
                .spec_bytes = e->encoded,
                .spec_len = e->encoded_len,
                .created_us = e->created_us,
                .generation_time_ms = e->generation_ms,
        };

        e->watch = cr_queue_watch(e->ev->queue, e->id, &watch_ops, e);
        cr_queue_insert(e->ev->queue, &job, stored, cr_evaluation_ref(e));
}

int cr_evaluation_submit(struct cr_evaluation *e, const struct cr_evaluation_ops *ops, void *userdata,
                         struct cr_error **err)
{
        int r;

        if (e->spec)
                return cr_error_make(err, EALREADY, CR_ERROR_INTERNAL, "evaluation submitted twice");
        if (__atomic_load_n(&e->cancelled, __ATOMIC_SEQ_CST))
                return cr_error_make(err, ECANCELED, CR_ERROR_CANCELLED, "cancelled");
        r = admit(e, err);
        if (r >= 0)
                r = cr_queue_reserve(e->ev->queue, err);
        if (r < 0)
                return r;
        e->reserved = true;
        e->ops = ops;
        e->userdata = userdata;
        store_job(e);
        return 0;
}

void cr_evaluation_cancel(struct cr_evaluation *e)
{
        if (!e || __atomic_exchange_n(&e->cancelled, true, __ATOMIC_SEQ_CST))
                return;
        /* our own shutdown ended the call: the job stays queued, it is not
         * the client's cancel */
        if (__atomic_load_n(&e->ev->detach_on_cancel, __ATOMIC_SEQ_CST))
                return;
        if (__atomic_load_n(&e->stored, __ATOMIC_SEQ_CST) && !__atomic_load_n(&e->final, __ATOMIC_SEQ_CST))
                cr_queue_cancel(e->ev->queue, e->id, NULL, NULL);
}

struct cr_evaluation *cr_evaluation_ref(struct cr_evaluation *e)
{
        __atomic_add_fetch(&e->refs, 1, __ATOMIC_SEQ_CST);
        return e;
}

struct cr_evaluation *cr_evaluation_unref(struct cr_evaluation *e)
{
        if (!e || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_SEQ_CST) > 0)
                return NULL;
        view_done(e);
        free(e->encoded);
        cr_job_spec_free(e->spec);
        free(e);
        return NULL;
}
