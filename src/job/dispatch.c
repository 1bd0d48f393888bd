/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "dispatch.h"
#include "queue-core.h"
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "store-pool.h"
#include "watch.h"
#include "xalloc.h"

/* The dispatcher: one thread with its own connection. It sleeps in poll()
 * on an eventfd (a job was stored here, a worker became free, stop) and, on
 * PostgreSQL, on the connection's socket (LISTEN: jobs stored by any
 * instance, state changes, cancel requests), until the next timer:
 *
 *   every lease/3   renew the leases of the jobs running here
 *   every lease/2   put back jobs whose instance's lease expired
 *   every minute    prune finished rows past the retention, in batches
 *
 * There is no polling of the queue: a claim happens only after a wake-up. */

#define CLAIM_BATCH 16
#define PRUNE_BATCH 500
#define PRUNE_MAX_BATCHES 20
#define PRUNE_EVERY_MS (60u * 1000)
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000

struct timers {
        uint64_t renew, sweep, prune;      /* CLOCK_MONOTONIC ms */
};

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static bool quitting(struct cr_queue *q)
{
        return __atomic_load_n(&q->quit, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------ connection */

static int recover(struct cr_queue *q, struct cr_store *s, struct cr_error **err)
{
        struct cr_store_requeued rq;
        unsigned abandoned = queue_abandon_stale(q, s, q->instance);
        int r = cr_store_requeue(s, q->instance, &rq, err);

        if (r < 0)
                return r;
        rq.failed += abandoned;
        if (rq.requeued + rq.failed > 0)
                log_notice("Found %u job(s) left running by this instance (%s) before it stopped: %u back in the "
                           "queue, %u failed after 3 attempts",
                           rq.requeued + rq.failed, q->instance, rq.requeued, rq.failed);
        q->recovered = true;
        return 0;
}

int queue_connect(struct cr_queue *q, struct cr_error **err)
{
        _cleanup_(cr_store_closep) struct cr_store *s = NULL;
        int r;

        r = cr_store_open(&q->o.store, &s, err);
        if (r >= 0)
                r = cr_store_migrate(s, err);
        if (r > 0)
                log_info("Job store: %d migration(s) applied", r);
        if (r >= 0 && q->o.store.backend == CR_STORE_POSTGRES)
                r = cr_store_listen(s, err);
        /* after a crash, this instance's jobs are nobody's: take them back
         * (once: after an outage they are still running here) */
        if (r >= 0 && !q->recovered)
                r = recover(q, s, err);
        if (r < 0)
                return r;
        q->conn = TAKE_PTR(s);
        queue_set_ready(q, true);
        return 0;
}

static void disconnect(struct cr_queue *q, const struct cr_error *err)
{
        log_warning_err(err, "Job store connection lost");
        q->conn = cr_store_close(q->conn);
        queue_set_ready(q, false);
}

/* ------------------------------------------------------------ claims */

static int claim(struct cr_queue *q, bool *want, struct cr_error **err)
{
        struct cr_store_claimed batch[CLAIM_BATCH];

        while (*want && !quitting(q)) {
                unsigned idle = queue_idle_workers(q);
                size_t ask = MIN((size_t) idle, (size_t) CLAIM_BATCH);
                int n;

                if (ask == 0) { /* a worker that frees up wakes us */
                        *want = false;
                        break;
                }
                n = cr_store_claim(q->conn, q->instance, q->o.lease_ms, batch, ask, err);
                if (n < 0)
                        return n;
                for (int i = 0; i < n; i++) {
                        queue_run_claimed(q, &batch[i]);
                        cr_store_claimed_done(&batch[i]);
                }
                if ((size_t) n < ask)
                        *want = false;
        }
        return 0;
}

/* ------------------------------------------------------------ timers */

static int prune(struct cr_queue *q, struct cr_error **err)
{
        uint64_t before = cr_now_us() - (uint64_t) q->o.retention_days * 86400u * 1000000u;
        unsigned total = 0;

        /* small batches: no long transaction, no long lock */
        for (int i = 0; i < PRUNE_MAX_BATCHES && !quitting(q); i++) {
                int n = cr_store_prune(q->conn, before, PRUNE_BATCH, err);
                if (n < 0)
                        return n;
                total += (unsigned) n;
                if (n < PRUNE_BATCH)
                        break;
        }
        if (total > 0)
                log_info("Pruned %u finished job(s) older than %u days", total, q->o.retention_days);
        return 0;
}

static int run_timers(struct cr_queue *q, struct timers *t, bool *want, struct cr_error **err)
{
        uint64_t now = mono_ms();
        struct cr_store_requeued rq;
        int r = 0;

        if (now >= t->renew) {
                r = cr_store_renew(q->conn, q->instance, q->o.lease_ms, err);
                t->renew = now + MAX(q->o.lease_ms / 3, (uint64_t) 100);
        }
        if (r >= 0 && now >= t->sweep) {
                unsigned abandoned = queue_abandon_stale(q, q->conn, NULL);

                r = cr_store_requeue(q->conn, NULL, &rq, err);
                rq.failed += abandoned;
                if (r >= 0 && rq.requeued + rq.failed > 0) {
                        log_notice("Took back %u job(s) whose instance stopped renewing its lease (%u failed)",
                                   rq.requeued + rq.failed, rq.failed);
                        *want = true;
                }
                t->sweep = now + MAX(q->o.lease_ms / 2, (uint64_t) 200);
        }
        if (r >= 0 && q->o.retention_days > 0 && now >= t->prune) {
                r = prune(q, err);
                t->prune = now + PRUNE_EVERY_MS;
        }
        return r;
}

/* ------------------------------------------------------------ events */

/* A job ended on another instance: its row, read back on a store thread,
 * goes to this instance's subscribers (a notification carries no result). */
struct read_op {
        struct cr_queue *q;
        char id[CR_STORE_ID_LEN + 1];
        struct cr_store_row *row;
};

static int read_row(struct cr_store *s, void *userdata, unsigned attempt, struct cr_error **err)
{
        struct read_op *op = userdata;

        (void) attempt;
        return cr_store_get(s, op->id, &op->row, err);
}

static void row_read(void *userdata, int r, const struct cr_error *err)
{
        struct read_op *op = userdata;
        _cleanup_error_ struct cr_error *e = NULL;
        _cleanup_(cr_job_spec_freep) struct cr_job_spec *spec = NULL;
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *outcome = NULL;
        struct cr_execution x;

        if (r >= 0)
                r = cr_execution_from_row(op->row, &x, &spec, &outcome, &e);
        if (r >= 0 && cr_job_status_is_final(x.status))
                cr_watchers_publish_state(op->q->watchers, &x);
        else if (r < 0)
                log_warning_err(e ? e : err, "Failed to read execution %s, ignoring", op->id);
        cr_store_row_free(op->row);
        free(op);
}

static void publish_row(struct cr_queue *q, const char *id)
{
        struct read_op *op;

        if (!cr_watchers_has(q->watchers, id))
                return;
        op = xzalloc(sizeof(*op));
        op->q = q;
        snprintf(op->id, sizeof(op->id), "%s", id);
        cr_store_pool_post(q->pool, read_row, row_read, op, CR_STORE_ONCE);
}

static void on_note(void *userdata, const struct cr_store_note *n)
{
        struct cr_queue *q = userdata;
        struct cr_execution x = {};

        switch (n->kind) {
        case CR_STORE_NOTE_JOBS:
                queue_wake(q);
                return;
        case CR_STORE_NOTE_CANCEL:
                (void) queue_cancel_local(q, n->id);
                return;
        case CR_STORE_NOTE_STATE:
                if (cr_job_status_is_final(n->status)) {
                        publish_row(q, n->id);
                        return;
                }
                memcpy(x.id, n->id, sizeof(x.id));
                x.status = n->status;
                x.server_instance = n->instance;
                x.started_us = cr_now_us();
                cr_watchers_publish_state(q->watchers, &x);
                return;
        }
}

static void drain_wake(struct cr_queue *q)
{
        uint64_t v;

        while (read(q->wake_fd, &v, sizeof(v)) > 0)
                ;
}

/* Sleeps until a wake-up, a notification or the next timer. */
static int wait_events(struct cr_queue *q, const struct timers *t, bool *want, struct cr_error **err)
{
        uint64_t now = mono_ms(), next = MIN(t->renew, t->sweep);
        struct pollfd p[2] = { { .fd = q->wake_fd, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
        int timeout, r;

        if (q->o.retention_days > 0)
                next = MIN(next, t->prune);
        timeout = next > now ? (int) MIN(next - now, (uint64_t) 60000) : 0;
        if (q->conn && q->o.store.backend == CR_STORE_POSTGRES)
                p[1].fd = cr_store_fd(q->conn);
        r = poll(p, 2, *want ? 0 : timeout);
        if (r < 0 && errno != EINTR)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "poll");
        if (p[0].revents) {
                drain_wake(q);
                *want = true;
        }
        /* read even when quiet: libpq may hold notifications that arrived
         * with a query's answer */
        if (q->conn && p[1].fd >= 0) {
                r = cr_store_notifications(q->conn, on_note, q, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------ the thread */

static void wait_backoff(struct cr_queue *q, unsigned ms)
{
        struct pollfd p = { .fd = q->wake_fd, .events = POLLIN };

        (void) poll(&p, 1, (int) ms);
        drain_wake(q);
}

static bool connected(struct cr_queue *q, unsigned *backoff)
{
        _cleanup_error_ struct cr_error *err = NULL;

        if (q->conn)
                return true;
        if (queue_connect(q, &err) >= 0) {
                log_info("Job store connection established");
                *backoff = 0;
                return true;
        }
        if (*backoff == 0)
                log_warning_err(err, "Job store unreachable, reconnecting with backoff");
        *backoff = *backoff ? MIN(*backoff * 2, (unsigned) BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
        wait_backoff(q, *backoff);
        return false;
}

static void *dispatcher(void *arg)
{
        struct cr_queue *q = arg;
        struct timers t = {};
        unsigned backoff = 0;
        bool want = true;

        while (!quitting(q)) {
                _cleanup_error_ struct cr_error *err = NULL;
                int r;

                if (!connected(q, &backoff)) {
                        want = true; /* notifications may have been missed */
                        continue;
                }
                r = claim(q, &want, &err);
                if (r >= 0)
                        r = run_timers(q, &t, &want, &err);
                if (r >= 0)
                        r = wait_events(q, &t, &want, &err);
                if (r < 0 && err->kind == CR_ERROR_UNAVAILABLE)
                        disconnect(q, err);
                else if (r < 0)
                        log_error_err(err, "Job store operation failed, ignoring");
        }
        return NULL;
}

int queue_dispatch_start(struct cr_queue *q, struct cr_error **err)
{
        int r = pthread_create(&q->dispatcher, NULL, dispatcher, q);

        if (r != 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "start the dispatcher");
        q->dispatcher_started = true;
        return 0;
}

/* The jobs still marked running here go back to the queue, for a restart
 * or another instance (the crash-recovery path, taken on purpose). */
static void requeue_own(struct cr_queue *q)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_requeued rq;

        if (!q->conn && queue_connect(q, &err) < 0) {
                log_warning_err(err, "Cannot put the unfinished jobs back in the queue: the next start will");
                return;
        }
        (void) queue_abandon_stale(q, q->conn, q->instance);
        if (cr_store_requeue(q->conn, q->instance, &rq, &err) < 0)
                log_warning_err(err, "Cannot put the unfinished jobs back in the queue: the next start will");
        else if (rq.requeued + rq.failed > 0)
                log_info("%u unfinished job(s) put back in the queue", rq.requeued);
}

void queue_dispatch_stop(struct cr_queue *q)
{
        if (!q->dispatcher_started)
                return;
        __atomic_store_n(&q->quit, true, __ATOMIC_SEQ_CST);
        queue_wake(q);
        pthread_join(q->dispatcher, NULL);
        q->dispatcher_started = false;
        requeue_own(q);
        q->conn = cr_store_close(q->conn);
}
