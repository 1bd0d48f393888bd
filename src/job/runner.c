/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "runner.h"

#include "queue-core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cleanup.h"
#include "error.h"
#include "event.h"
#include "job.h"
#include "jobspec/jobspec.h"
#include "judging.h"
#include "lang/installed.h"
#include "log.h"
#include "macro.h"
#include "metrics/metrics.h"
#include "store-pool.h"
#include "watch.h"
#include "xalloc.h"

/* Runs the jobs this instance claimed: on a worker of the engine, judged
 * here, the result written in one transaction, and every subscriber of this
 * instance told (remote ones hear it from the database's notification).
 * The outcome is published to local subscribers once it is stored, or at
 * the first failed attempt to store it (then the write is retried until the
 * database is back: the result is never dropped). */

/* The stored outcome's limit: what any instance reads back to answer. */
#define MAX_STORED_OUTCOME (16u << 20)

struct run {
        struct cr_queue *q;                /* not owned */
        char id[CR_STORE_ID_LEN + 1];
        uint8_t *bytes;                    /* the encoded description, as claimed */
        size_t len;
        struct cr_job_spec *spec;
        struct cr_job_outcome *outcome;
        uint64_t created_us, started_us, completed_us;
        struct cr_job *job;
        bool cancelled;                    /* atomic: a client asked */
        struct run *next;                  /* q->runs, under q->lock */
        /* the final write */
        enum cr_job_status status;
        const char *error_message;         /* static */
        struct cr_error *error;
        uint8_t *outcome_bytes;
        size_t outcome_len;
        struct cr_job_events events;       /* the outbox rows */
        bool published;
};

static uint64_t now_us(void)
{
        return cr_now_us();
}

static void run_free(struct run *run)
{
        if (!run)
                return;
        cr_job_unref(run->job);
        free(run->bytes);
        cr_job_spec_free(run->spec);
        cr_job_outcome_free(run->outcome);
        cr_error_free(run->error);
        free(run->outcome_bytes);
        cr_job_events_done(&run->events);
        free(run);
}

static struct cr_execution record(const struct run *run, enum cr_job_status status)
{
        struct cr_execution x = {
                .status = status,
                .spec = run->spec,
                .server_instance = run->q->instance,
                .created_us = run->created_us,
                .started_us = run->started_us,
        };

        memcpy(x.id, run->id, sizeof(x.id));
        return x;
}

/* ------------------------------------------------------------ bookkeeping */

static void register_run(struct cr_queue *q, struct run *run)
{
        pthread_mutex_lock(&q->lock);
        run->next = q->runs;
        q->runs = run;
        q->n_runs++;
        q->busy++;
        pthread_mutex_unlock(&q->lock);
}

/* The worker is free (the result may still be on its way to the store):
 * claim more. */
static void release_worker(struct cr_queue *q)
{
        pthread_mutex_lock(&q->lock);
        q->busy--;
        pthread_mutex_unlock(&q->lock);
        queue_wake(q);
}

static void unregister_run(struct cr_queue *q, struct run *run)
{
        pthread_mutex_lock(&q->lock);
        for (struct run **p = &q->runs; *p; p = &(*p)->next)
                if (*p == run) {
                        *p = run->next;
                        q->n_runs--;
                        break;
                }
        pthread_cond_broadcast(&q->runs_done);
        pthread_mutex_unlock(&q->lock);
}

unsigned queue_idle_workers(struct cr_queue *q)
{
        /* a slot lent to a running job's tests takes no claim until it is back */
        unsigned lent = q->engine ? cr_job_engine_lent(q->engine) : 0, n;

        pthread_mutex_lock(&q->lock);
        n = q->stopping || q->busy + lent >= q->o.workers ? 0 : q->o.workers - q->busy - lent;
        pthread_mutex_unlock(&q->lock);
        return n;
}

bool queue_cancel_local(struct cr_queue *q, const char *id)
{
        bool found = false;

        pthread_mutex_lock(&q->lock);
        for (struct run *r = q->runs; r && !found; r = r->next)
                if (strcasecmp(r->id, id) == 0) {
                        __atomic_store_n(&r->cancelled, true, __ATOMIC_SEQ_CST);
                        if (r->job)
                                cr_job_cancel(r->job);
                        found = true;
                }
        pthread_mutex_unlock(&q->lock);
        return found;
}

unsigned queue_wait_runs(struct cr_queue *q, unsigned ms)
{
        struct timespec until;
        unsigned left;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ms / 1000;
        until.tv_nsec += (long) (ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&q->lock);
        while (q->n_runs > 0)
                if (pthread_cond_timedwait(&q->runs_done, &q->lock, &until) == ETIMEDOUT)
                        break;
        left = q->n_runs;
        pthread_mutex_unlock(&q->lock);
        return left;
}

/* ------------------------------------------------------------ the final write */

static void publish_final(struct run *run)
{
        struct cr_execution x = record(run, run->status);

        if (__atomic_exchange_n(&run->published, true, __ATOMIC_SEQ_CST))
                return;
        x.outcome = run->status == CR_JOB_CANCELLED || run->status == CR_JOB_FAILED ? NULL : run->outcome;
        if (!x.outcome) {
                x.error_message = run->error_message;
                x.error = run->error;
        }
        x.completed_us = run->completed_us;
        cr_watchers_publish_state(run->q->watchers, &x);
}

static int finish_run(struct cr_store *s, void *userdata, unsigned attempt, struct cr_error **err)
{
        struct run *run = userdata;
        bool judged = run->status != CR_JOB_CANCELLED && run->status != CR_JOB_FAILED;
        struct cr_store_result res = {
                .id = run->id,
                .instance = run->q->instance,
                .status = run->status,
                .spec = run->spec,
                .outcome = judged ? run->outcome : NULL,
                .outcome_bytes = judged ? run->outcome_bytes : NULL,
                .outcome_len = judged ? run->outcome_len : 0,
                .error_message = run->error_message,
                .completed_us = run->completed_us,
                .events = run->events.events,
                .n_events = run->events.n,
        };
        int r = cr_store_finish(s, &res, err);

        /* the database is away: the waiting client need not wait for it */
        if (r < 0 && attempt == 1 && (*err)->kind == CR_ERROR_UNAVAILABLE)
                publish_final(run);
        return r;
}

static void finish_done(void *userdata, int r, const struct cr_error *err)
{
        struct run *run = userdata;
        uint64_t stored_us = now_us();

        /* what bench/store-latency.py reads: the store's share of a request */
        if (r >= 0)
                log_debug("Job %s timing: %.3f ms from acceptance to a worker, ran %.3f ms, "
                          "result stored in %.3f ms",
                          run->id, (double) (run->started_us - MIN(run->created_us, run->started_us)) / 1000.0,
                          (double) (run->completed_us - run->started_us) / 1000.0,
                          (double) (stored_us - run->completed_us) / 1000.0);
        if (r >= 0) {
                publish_final(run);
                if (run->events.n > 0 && run->q->o.events_stored)
                        run->q->o.events_stored(run->q->o.events_userdata);
        } else if (err && err->errnum == ESTALE)
                log_warning("Job %s was taken over by another instance while it ran here: its result here is dropped",
                            run->id);
        else
                log_error_err(err, "Failed to store the result of job %s", run->id);
        unregister_run(run->q, run);
        run_free(run);
}

static void prepare_judged(struct run *run)
{
        _cleanup_error_ struct cr_error *err = NULL;

        run->outcome->execution_time_ms = (run->completed_us - run->started_us) / 1000u;
        cr_job_judge(run->spec, run->outcome);
        run->status = cr_job_outcome_status(run->outcome);
        if (cr_job_outcome_encode(run->outcome, MAX_STORED_OUTCOME, &run->outcome_bytes, &run->outcome_len, &err) <
            0)
                log_warning_err(err, "Failed to encode the outcome of job %s, ignoring", run->id);
}

/* The events, once: the store write may be retried. judged: the job ran
 * to a verdict (an internal error among its tests included). */
static void prepare_events(struct run *run, bool judged)
{
        struct cr_execution x = record(run, run->status);

        x.outcome = judged ? run->outcome : NULL;
        x.error_message = judged ? NULL : run->error_message;
        x.completed_us = run->completed_us;
        if (!run->q->o.no_events)
                cr_job_events_build(&x, run->q->o.challenge_topic, &run->events);
}

static void prepare_failed(struct run *run, const struct cr_error *err)
{
        bool cancelled = err->kind == CR_ERROR_CANCELLED && __atomic_load_n(&run->cancelled, __ATOMIC_SEQ_CST);

        run->status = cancelled ? CR_JOB_CANCELLED : CR_JOB_FAILED;
        /* the chain may name host paths: the row and the client get the summary */
        run->error_message = cancelled ? "Execution cancelled" : "Execution failed: internal error";
        run->error = cr_error_free(run->error);
        (void) cr_error_set_raw(&run->error, err->errnum, err->kind, err->msg);
        if (!cancelled)
                log_error_err(err, "Job %s failed", run->id);
}

/* ------------------------------------------------------------ metrics */

/* The outcome label of coderunner_executions_total: every job this
 * instance ran (or could not start) counts once, before its answer goes out. */
static const char *outcome_label(const struct run *run, const struct cr_error *err)
{
        if (err)
                return err->kind == CR_ERROR_CANCELLED ? "cancelled" :
                       err->kind == CR_ERROR_UNAVAILABLE ? "unavailable" : "error";
        if (run->outcome->compile_failed)
                return "compile_error";
        return run->outcome->success ? "passed" : "failed";
}

static void count_execution(const struct run *run, const struct cr_error *err)
{
        cr_metrics_execution(run->spec ? run->spec->runtime : NULL, outcome_label(run, err));
}

/* ------------------------------------------------------------ abandoned jobs */

#define MAX_ABANDONED_PER_ROUND 32

static int abandon_one(struct cr_queue *q, struct cr_store *s, const struct cr_store_abandoned *a)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *why = xasprintf("Execution failed: abandoned after %d attempts, each time the instance "
                                             "running it stopped before the job finished; last run by %s",
                                             CR_STORE_MAX_ATTEMPTS, a->owner);
        struct cr_job_spec *spec = NULL;
        struct cr_job_events events = {};
        struct cr_execution x = { .status = CR_JOB_FAILED, .error_message = why, .server_instance = a->owner,
                                  .created_us = a->created_us, .completed_us = now_us() };
        int r;

        if (a->spec && cr_job_spec_decode(a->spec, a->spec_len, &spec, &err) < 0)
                err = cr_error_free(err); /* failed all the same, without its description */
        memcpy(x.id, a->id, sizeof(x.id));
        x.spec = spec;
        if (!q->o.no_events)
                cr_job_events_build(&x, q->o.challenge_topic, &events);
        r = cr_store_finish(s, &(struct cr_store_result) { .id = a->id, .instance = a->owner,
                                                           .status = CR_JOB_FAILED, .spec = spec,
                                                           .error_message = why, .completed_us = x.completed_us,
                                                           .events = events.events, .n_events = events.n },
                            &err);
        if (r >= 0) {
                cr_watchers_publish_state(q->watchers, &x);
                if (events.n > 0 && q->o.events_stored)
                        q->o.events_stored(q->o.events_userdata);
        } else if (err->errnum != ESTALE)
                log_warning_err(err, "Failed to end abandoned job %s, it is failed without its event", a->id);
        cr_job_events_done(&events);
        cr_job_spec_free(spec);
        return r;
}

unsigned queue_abandon_stale(struct cr_queue *q, struct cr_store *s, const char *instance)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_abandoned a[MAX_ABANDONED_PER_ROUND];
        unsigned ended = 0;
        int n = cr_store_list_abandoned(s, instance, a, ARRAY_SIZE(a), &err);

        if (n < 0) {
                log_warning_err(err, "Failed to list abandoned jobs");
                return 0;
        }
        for (int i = 0; i < n; i++) {
                if (abandon_one(q, s, &a[i]) >= 0)
                        ended++;
                cr_store_abandoned_done(&a[i]);
        }
        if (ended > 0)
                log_notice("%u job(s) failed after %d attempts, their events in the outbox", ended,
                           CR_STORE_MAX_ATTEMPTS);
        return ended;
}

/* ------------------------------------------------------------ engine callbacks */

static void take_result(struct cr_sandbox_result *dst, struct cr_sandbox_result *src)
{
        *dst = *src;
        src->out = (struct cr_buf) CR_BUF_INIT(0);
        src->err = (struct cr_buf) CR_BUF_INIT(0);
}

static void on_compile(void *userdata, struct cr_sandbox_result *r)
{
        struct cr_job_outcome *o = ((struct run *) userdata)->outcome;

        if (o->compiled)
                cr_sandbox_result_done(&o->compile);
        o->compiled = true;
        o->compile_failed = r->verdict != CR_VERDICT_OK;
        take_result(&o->compile, r);
}

static void on_run(void *userdata, unsigned index, struct cr_sandbox_result *r)
{
        struct cr_job_outcome *o = ((struct run *) userdata)->outcome;
        struct cr_job_test_outcome *t;

        if (index >= o->n_tests)
                return;
        t = &o->tests[index];
        if (t->ran)
                cr_sandbox_result_done(&t->run);
        take_result(&t->run, r);
        t->ran = true;
}

static void on_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct run *run = userdata;

        cr_watchers_publish_output(run->q->watchers, run->id, index, stream, data, n);
}

static void on_finish(void *userdata, const struct cr_error *err)
{
        struct run *run = userdata;
        struct cr_queue *q = run->q;
        bool stopping;

        release_worker(q);
        pthread_mutex_lock(&q->lock);
        stopping = q->stopping;
        pthread_mutex_unlock(&q->lock);
        /* killed by our own shutdown: the job goes back to the queue (the
         * dispatcher's last act), it is not the job's fault */
        if (err && stopping && !__atomic_load_n(&run->cancelled, __ATOMIC_SEQ_CST)) {
                unregister_run(q, run);
                run_free(run);
                return;
        }
        run->completed_us = now_us();
        if (err)
                prepare_failed(run, err);
        else
                prepare_judged(run);
        prepare_events(run, !err);
        count_execution(run, err);
        cr_store_pool_post(q->pool, finish_run, finish_done, run, CR_STORE_UNTIL_DONE);
}

static const struct cr_job_callbacks job_callbacks = {
        .on_compile = on_compile,
        .on_run = on_run,
        .on_output = on_output,
        .on_finish = on_finish,
};

/* ------------------------------------------------------------ starting */

/* A job from the store is data: it must be one this instance would have
 * accepted (another instance, or anyone with write access to the database,
 * wrote it). */
static int check_claimed(struct cr_queue *q, const struct cr_job_spec *s, struct cr_error **err)
{
        const struct cr_evaluator_limits *l = q->o.limits;
        const struct cr_sandbox_limits *r = &s->run_limits, *c = &s->compile_limits;
        _cleanup_free_ char *ref = xasprintf("%s@%s", s->runtime, s->runtime_version);
        const struct cr_runtime *rt;
        int k;

        k = cr_job_spec_check(s, &l->bounds, err);
        if (k >= 0)
                k = cr_installed_find(q->o.installed, ref, &rt, NULL, err);
        if (k < 0)
                return k;
        if (r->cpu_time_ms > l->max_run.cpu_time_ms || r->wall_time_ms > l->max_run.wall_time_ms ||
            r->memory_bytes > l->max_run.memory_bytes || r->pids > l->max_run.pids ||
            r->output_bytes > l->max_run.output_bytes || c->cpu_time_ms > l->max_compile.cpu_time_ms ||
            c->wall_time_ms > l->max_compile.wall_time_ms || c->memory_bytes > l->max_compile.memory_bytes)
                return cr_error_make(err, EPERM, CR_ERROR_INVALID, "the job asks for more than this instance allows");
        return 0;
}

static void start_failed(struct run *run, const struct cr_error *err)
{
        release_worker(run->q);
        log_error_err(err, "Job %s cannot run here", run->id);
        count_execution(run, err);
        run->completed_us = now_us();
        run->status = CR_JOB_FAILED;
        run->error_message = "Execution failed: the job cannot run on this server";
        (void) cr_error_set_raw(&run->error, err->errnum, err->kind, err->msg);
        prepare_events(run, false);
        cr_store_pool_post(run->q->pool, finish_run, finish_done, run, CR_STORE_UNTIL_DONE);
}

void queue_run_claimed(struct cr_queue *q, struct cr_store_claimed *c)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct run *run = xzalloc(sizeof(*run));
        struct cr_execution x;
        int r;

        run->q = q;
        memcpy(run->id, c->id, sizeof(run->id));
        run->bytes = TAKE_PTR(c->spec);
        run->len = c->spec_len;
        run->created_us = c->created_us;
        run->started_us = c->started_us;
        register_run(q, run);
        r = cr_job_spec_decode(run->bytes, run->len, &run->spec, &err);
        if (r >= 0)
                r = check_claimed(q, run->spec, &err);
        if (r < 0) {
                start_failed(run, err);
                return;
        }
        run->outcome = cr_job_outcome_new(run->spec->n_tests);
        x = record(run, CR_JOB_RUNNING);
        cr_watchers_publish_state(q->watchers, &x);
        pthread_mutex_lock(&q->lock);
        run->job = cr_job_new(run->bytes, run->len, &job_callbacks, run);
        cr_job_set_runs(run->job, (unsigned) run->spec->n_tests);
        if (__atomic_load_n(&run->cancelled, __ATOMIC_SEQ_CST)) /* a cancel came first */
                cr_job_cancel(run->job);
        pthread_mutex_unlock(&q->lock);
        if (cr_job_submit(q->engine, run->job, &err) < 0) {
                start_failed(run, err);
                return;
        }
        /* acceptance (on whichever instance) to this instance's executor */
        cr_metrics_observe(CR_METRICS_QUEUE_WAIT, (now_us() - MIN(run->created_us, now_us())) * 1000u);
        log_debug("Job %s claimed (attempt %u)", run->id, c->attempts);
}
