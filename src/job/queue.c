/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "queue.h"
#include "dispatch.h"
#include "queue-core.h"
#include "runner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "jobspec/jobspec.h"
#include "log.h"
#include "store-pool.h"
#include "watch.h"
#include "xalloc.h"

/* A message for the client when the store is down: the request was not
 * accepted, nothing of it was kept, and it is safe to retry. */
#define UNAVAILABLE_MESSAGE "the job store is unavailable: the request was not accepted, retry later"

int cr_queue_new(const struct cr_queue_options *o, struct cr_job_engine *engine, struct cr_queue **ret,
                 struct cr_error **err)
{
        struct cr_queue *q = xzalloc(sizeof(*q));
        /* PostgreSQL: admissions and results of many calls at once; SQLite
         * has one writer at a time anyway */
        unsigned threads = o->store.backend == CR_STORE_POSTGRES ? 4 : 1;
        int r;

        q->o = *o;
        q->instance = xstrdup(o->instance ? o->instance : "");
        q->o.instance = q->instance;
        q->engine = engine;
        q->watchers = cr_watchers_new();
        q->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        pthread_mutex_init(&q->lock, NULL);
        pthread_cond_init(&q->runs_done, NULL);
        if (q->wake_fd < 0) {
                r = cr_error_set(err, errno, CR_ERROR_INTERNAL, "eventfd");
                cr_queue_free(q);
                return r;
        }
        r = cr_store_pool_new(&q->o.store, threads, NULL, NULL, &q->pool, err);
        if (r < 0) {
                cr_queue_free(q);
                return r;
        }
        *ret = q;
        return 0;
}

void cr_queue_on_ready(struct cr_queue *q, cr_queue_ready_fn fn, void *userdata)
{
        q->ready_fn = fn;
        q->ready_userdata = userdata;
}

int cr_queue_start(struct cr_queue *q, struct cr_error **err)
{
        _cleanup_error_ struct cr_error *e = NULL;

        /* one synchronous attempt, so a healthy start is ready at once */
        if (queue_connect(q, &e) < 0)
                log_warning_err(e, "Job store not reachable at start-up, retrying in the background");
        return queue_dispatch_start(q, err);
}

void cr_queue_stop(struct cr_queue *q, unsigned grace_ms)
{
        unsigned left;

        pthread_mutex_lock(&q->lock);
        q->stopping = true;
        pthread_mutex_unlock(&q->lock);
        left = queue_wait_runs(q, grace_ms);
        if (left > 0)
                log_notice("%u job(s) still running at the end of the grace period: they go back to the queue",
                           left);
        queue_dispatch_stop(q);
        /* what finished is written; a result waits at most 10 s for the database */
        cr_store_pool_stop(q->pool, 10000);
}

struct cr_queue *cr_queue_free(struct cr_queue *q)
{
        if (!q)
                return NULL;
        queue_dispatch_stop(q);
        q->pool = cr_store_pool_free(q->pool);
        q->watchers = cr_watchers_free(q->watchers);
        safe_close(q->wake_fd);
        pthread_cond_destroy(&q->runs_done);
        pthread_mutex_destroy(&q->lock);
        free(q->instance);
        free(q);
        return NULL;
}

const char *cr_queue_instance(const struct cr_queue *q)
{
        return q->instance;
}

enum cr_store_backend cr_queue_backend(const struct cr_queue *q)
{
        return q->o.store.backend;
}

void cr_queue_stats(struct cr_queue *q, struct cr_queue_stats *ret)
{
        pthread_mutex_lock(&q->lock);
        *ret = (struct cr_queue_stats) {
                /* a job accepted here may run elsewhere, and one running
                 * here may come from elsewhere: an estimate, exact with
                 * one instance */
                .admitted = q->reserved > q->busy ? q->reserved - q->busy : 0,
                .running = q->busy,
                .capacity = q->o.workers + q->o.queue_length,
                .reserved = q->reserved,
        };
        pthread_mutex_unlock(&q->lock);
}

/* ------------------------------------------------------------ admission */

int cr_queue_reserve(struct cr_queue *q, struct cr_error **err)
{
        unsigned limit = q->o.workers + q->o.queue_length;
        int r = 0;

        if (!cr_queue_ready(q))
                return cr_error_make(err, EAGAIN, CR_ERROR_UNAVAILABLE, UNAVAILABLE_MESSAGE);
        pthread_mutex_lock(&q->lock);
        if (q->stopping)
                r = cr_error_make(err, ESHUTDOWN, CR_ERROR_UNAVAILABLE, "shutting down");
        else if (q->reserved >= limit)
                r = cr_error_make(err, EAGAIN, CR_ERROR_LIMIT, "all %u workers are busy and the queue of %u is full",
                                 q->o.workers, q->o.queue_length);
        else
                q->reserved++;
        pthread_mutex_unlock(&q->lock);
        return r;
}

void cr_queue_release(struct cr_queue *q)
{
        pthread_mutex_lock(&q->lock);
        if (q->reserved > 0)
                q->reserved--;
        pthread_mutex_unlock(&q->lock);
}

struct insert_op {
        struct cr_queue *q;
        struct cr_store_job job;
        char existing[CR_STORE_ID_LEN + 1];
        bool is_existing;
        cr_queue_insert_fn done;
        void *userdata;
};

static int insert_run(struct cr_store *s, void *userdata, unsigned attempt, struct cr_error **err)
{
        struct insert_op *op = userdata;

        (void) attempt;
        return cr_store_insert(s, &op->job, op->existing, &op->is_existing, err);
}

static void insert_done(void *userdata, int r, const struct cr_error *err)
{
        struct insert_op *op = userdata;
        _cleanup_error_ struct cr_error *client = NULL;

        if (r >= 0) {
                /* SQLite has no NOTIFY: wake our own claimer */
                queue_wake(op->q);
                op->done(op->userdata, op->is_existing ? op->existing : NULL, NULL);
        } else {
                log_error_err(err, "Failed to store job %s", op->job.id);
                (void) cr_error_make(&client, EIO, err && err->kind == CR_ERROR_LIMIT ? CR_ERROR_LIMIT :
                                                                                       CR_ERROR_UNAVAILABLE,
                                    UNAVAILABLE_MESSAGE);
                if (err && err->kind == CR_ERROR_UNAVAILABLE)
                        queue_set_ready(op->q, false), queue_wake(op->q);
                op->done(op->userdata, NULL, client);
        }
        free(op);
}

void cr_queue_insert(struct cr_queue *q, const struct cr_store_job *job, cr_queue_insert_fn done, void *userdata)
{
        struct insert_op *op = xzalloc(sizeof(*op));

        op->q = q;
        op->job = *job;
        op->done = done;
        op->userdata = userdata;
        cr_store_pool_post(q->pool, insert_run, insert_done, op, CR_STORE_ONCE);
}

/* ------------------------------------------------------------ reading */

struct get_op {
        struct cr_queue *q;
        char id[CR_STORE_ID_LEN + 1];
        struct cr_store_row *row;
        bool cancel;
        enum cr_store_cancel_result cancelled;
        cr_queue_get_fn done;
        void *userdata;
};

static int get_run(struct cr_store *s, void *userdata, unsigned attempt, struct cr_error **err)
{
        struct get_op *op = userdata;
        int r = 0;

        (void) attempt;
        if (op->cancel)
                r = cr_store_cancel(s, op->id, &op->cancelled, err);
        if (r >= 0)
                r = cr_store_get(s, op->id, &op->row, err);
        return r;
}

/* A cancel that found the job just claimed here, or a final state read
 * back: tell this instance's subscribers. */
static void get_publish(struct get_op *op, const struct cr_execution *x)
{
        if (op->cancel && x->status == CR_JOB_RUNNING)
                (void) queue_cancel_local(op->q, op->id);
        if (op->cancel && x->status == CR_JOB_CANCELLED && op->cancelled == CR_STORE_CANCELLED)
                cr_watchers_publish_state(op->q->watchers, x);
        if (!op->done && cr_job_status_is_final(x->status))
                cr_watchers_publish_state(op->q->watchers, x);
}

static void get_done(void *userdata, int r, const struct cr_error *err)
{
        struct get_op *op = userdata;
        _cleanup_error_ struct cr_error *e = NULL;
        _cleanup_(cr_job_spec_freep) struct cr_job_spec *spec = NULL;
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *outcome = NULL;
        struct cr_execution x;

        if (r >= 0)
                r = cr_execution_from_row(op->row, &x, &spec, &outcome, &e);
        if (r >= 0)
                get_publish(op, &x);
        if (op->done)
                op->done(op->userdata, r >= 0 ? &x : NULL, r >= 0 ? NULL : e ? e : err);
        else if (r < 0 && !(err && err->kind == CR_ERROR_NOT_FOUND))
                log_warning_err(e ? e : err, "Failed to read execution %s, ignoring", op->id);
        cr_store_row_free(op->row);
        free(op);
}

static void post_get(struct cr_queue *q, const char *id, bool cancel, cr_queue_get_fn done, void *userdata)
{
        struct get_op *op = xzalloc(sizeof(*op));

        op->q = q;
        snprintf(op->id, sizeof(op->id), "%s", id);
        op->cancel = cancel;
        op->done = done;
        op->userdata = userdata;
        cr_store_pool_post(q->pool, get_run, get_done, op, cancel ? CR_STORE_UNTIL_DONE : CR_STORE_ONCE);
}

void cr_queue_get(struct cr_queue *q, const char *id, cr_queue_get_fn done, void *userdata)
{
        post_get(q, id, false, done, userdata);
}

void cr_queue_cancel(struct cr_queue *q, const char *id, cr_queue_get_fn done, void *userdata)
{
        /* running here: kill it now; the runner stores `cancelled` */
        if (queue_cancel_local(q, id) && !done)
                return;
        post_get(q, id, true, done, userdata);
}

struct cr_watch *cr_queue_watch(struct cr_queue *q, const char *id, const struct cr_watch_ops *ops, void *userdata)
{
        return cr_watch_add(q->watchers, id, ops, userdata);
}

void cr_queue_unwatch(struct cr_queue *q, struct cr_watch *sub)
{
        cr_watch_remove(q->watchers, sub);
}
