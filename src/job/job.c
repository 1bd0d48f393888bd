/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "job.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "macro.h"
#include "metrics/metrics.h"
#include "proc-util.h"
#include "spawn/spawn.h"
#include "xalloc.h"

struct cr_job {
        unsigned refs;                      /* atomic */
        const void *spec;                   /* not owned: the encoded job description */
        size_t spec_len;
        struct cr_job_callbacks cb;
        void *userdata;
        pthread_mutex_t lock;               /* guards channel and cancelled */
        int channel;
        bool cancelled;
        unsigned runs;                      /* its tests: more than one may borrow slots */
        struct cr_job *next;                /* queue link, owned by the engine's lock */
};

struct cr_job_engine {
        struct cr_spawner *spawner;         /* not owned */
        struct cr_job_engine_options opts;
        pthread_mutex_t lock;
        pthread_cond_t wake;                /* work queued or stopping */
        pthread_cond_t idle;                /* a job finished */
        struct cr_job *head, *tail;
        unsigned queued, running;
        unsigned finishing;                 /* sandboxes done, on_finish still running */
        bool stopping;
        pthread_t *threads;
        unsigned n_threads;
        struct cr_job **current;            /* per worker: the job it runs, under lock */
        unsigned *slots;                    /* per worker */
        bool *lent;                         /* per worker: its slot runs another job's tests, under lock */
};

struct worker_arg {
        struct cr_job_engine *engine;
        unsigned index;
};

struct cr_job *cr_job_new(const void *spec, size_t spec_len, const struct cr_job_callbacks *cb, void *userdata)
{
        struct cr_job *j = xzalloc(sizeof(*j));

        j->refs = 1;
        j->spec = spec;
        j->spec_len = spec_len;
        j->cb = *cb;
        j->userdata = userdata;
        j->channel = -EBADF;
        pthread_mutex_init(&j->lock, NULL);
        return j;
}

void cr_job_set_runs(struct cr_job *job, unsigned runs)
{
        job->runs = runs;
}

struct cr_job *cr_job_ref(struct cr_job *job)
{
        __atomic_add_fetch(&job->refs, 1, __ATOMIC_SEQ_CST);
        return job;
}

struct cr_job *cr_job_unref(struct cr_job *job)
{
        if (!job || __atomic_sub_fetch(&job->refs, 1, __ATOMIC_SEQ_CST) > 0)
                return NULL;
        safe_close(job->channel);
        pthread_mutex_destroy(&job->lock);
        free(job);
        return NULL;
}

/* Shuts only our sending side: the worker's cancel watch sees the hang-up
 * (EPOLLRDHUP) and its sandboxes kill their programs, while the pool thread
 * goes on reading the channel until the worker's last event or its end of
 * the channel closing, which come only after the job's last sandbox is dead.
 * So neither the job's slot nor a lent one is handed to another job while a
 * dying sandbox of the same host id and network namespace still runs. */
void cr_job_cancel(struct cr_job *job)
{
        pthread_mutex_lock(&job->lock);
        job->cancelled = true;
        if (job->channel >= 0)
                (void) shutdown(job->channel, SHUT_WR);
        pthread_mutex_unlock(&job->lock);
}

static bool job_is_cancelled(struct cr_job *job)
{
        bool cancelled;

        pthread_mutex_lock(&job->lock);
        cancelled = job->cancelled;
        pthread_mutex_unlock(&job->lock);
        return cancelled;
}

static void finish(struct cr_job *job, const struct cr_error *err)
{
        job->cb.on_finish(job->userdata, err);
}

static void count_sandbox(enum cr_metrics_histogram h, const struct cr_sandbox_result *r)
{
        cr_metrics_verdict(cr_verdict_to_string(r->verdict));
        cr_metrics_observe(h, r->wall_ms * 1000000ULL);
}

static int deliver(struct cr_job *job, struct cr_exec_event *ev)
{
        if (ev->type == CR_EXEC_EVENT_COMPILE || ev->type == CR_EXEC_EVENT_RUN)
                count_sandbox(ev->type == CR_EXEC_EVENT_COMPILE ? CR_METRICS_COMPILE : CR_METRICS_RUN, &ev->result);
        switch (ev->type) {
        case CR_EXEC_EVENT_COMPILE:
                if (job->cb.on_compile)
                        job->cb.on_compile(job->userdata, &ev->result);
                return 0;
        case CR_EXEC_EVENT_RUN:
                if (job->cb.on_run)
                        job->cb.on_run(job->userdata, ev->index, &ev->result);
                return 0;
        case CR_EXEC_EVENT_OUTPUT:
                if (job->cb.on_output)
                        job->cb.on_output(job->userdata, ev->index, ev->stream, ev->data, ev->len);
                return 0;
        case CR_EXEC_EVENT_DONE:
        default:
                return 1;
        }
}

/* The fairness rule: a job borrows the slot of a worker that is idle at
 * this moment, and only while no job waits in the queue, so it never takes
 * a slot a queued job could have; at most max_parallel - 1 of them, never
 * more than its tests need. A lent worker dequeues nothing until the job
 * gives its slot back (return_slots). Called under e->lock. */
static size_t borrow_slots(struct cr_job_engine *e, const struct cr_job *job, unsigned self, unsigned *ret)
{
        unsigned want = MIN(job->runs, e->opts.max_parallel);
        size_t n = 0;

        if (want <= 1 || e->head || e->stopping)
                return 0;
        for (unsigned i = 0; i < e->n_threads && n + 1 < want; i++)
                if (i != self && !e->current[i] && !e->lent[i]) {
                        e->lent[i] = true;
                        ret[n++] = i;
                }
        return n;
}

static void return_slots(struct cr_job_engine *e, const unsigned *workers, size_t n)
{
        if (n == 0)
                return;
        pthread_mutex_lock(&e->lock);
        for (size_t i = 0; i < n; i++)
                e->lent[workers[i]] = false;
        /* a job queued meanwhile may now run */
        pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
}

static int submit_job(struct cr_job_engine *e, struct cr_job *job, unsigned self, const unsigned *workers,
                      size_t n_workers, struct cr_error **err)
{
        _cleanup_free_ unsigned *extra = xzalloc((n_workers + 1) * sizeof(unsigned));

        for (size_t i = 0; i < n_workers; i++)
                extra[i] = e->slots[workers[i]];
        return cr_spawner_submit(e->spawner, job->spec, job->spec_len, e->slots[self], extra, n_workers, err);
}

/* A cancelled job's worker may still be killing its sandboxes when it sends
 * its last event; its end of the channel closes only when it and every
 * process it forked have exited. */
static void drain_until_closed(int fd)
{
        char buf[4096];
        ssize_t n;

        do
                n = read(fd, buf, sizeof(buf));
        while (n > 0 || (n < 0 && errno == EINTR));
}

/* Runs the job's sandboxes and delivers their events; returns the job's error, if any, for finish(). */
static struct cr_error *run_job(struct cr_job_engine *e, struct cr_job *job, unsigned self)
{
        _cleanup_free_ unsigned *lent = xzalloc(e->n_threads * sizeof(unsigned));
        struct cr_error *err = NULL;
        size_t n_lent;
        int fd, r;

        if (job->cb.on_start && !job->cancelled)
                job->cb.on_start(job->userdata);
        pthread_mutex_lock(&e->lock);
        n_lent = borrow_slots(e, job, self, lent);
        pthread_mutex_unlock(&e->lock);
        pthread_mutex_lock(&job->lock);
        fd = job->cancelled ? -ECANCELED : submit_job(e, job, self, lent, n_lent, &err);
        if (fd >= 0)
                job->channel = fd;
        pthread_mutex_unlock(&job->lock);
        if (fd == -ECANCELED)
                (void) cr_error_make(&err, ECANCELED, CR_ERROR_CANCELLED, "job cancelled");
        for (r = fd; r >= 0;) {
                struct cr_exec_event ev;
                r = cr_exec_read_event(fd, &ev, &err);
                if (r < 0)
                        break;
                /* a cancelled job's results go nowhere */
                if (ev.type == CR_EXEC_EVENT_DONE)
                        r = 1;
                else if (!job_is_cancelled(job))
                        r = deliver(job, &ev);
                cr_exec_event_done(&ev);
                if (r > 0)
                        break;
        }
        if (fd >= 0 && job_is_cancelled(job)) {
                drain_until_closed(fd);
                err = cr_error_free(err);
                (void) cr_error_make(&err, ECANCELED, CR_ERROR_CANCELLED, "job cancelled");
        } else if (r >= 0)
                err = cr_error_free(err);
        /* the worker sent its last event after its last sandbox ended, or,
         * cancelled, has closed its end of the channel by exiting */
        return_slots(e, lent, n_lent);
        return err;
}

static struct cr_job *dequeue(struct cr_job_engine *e, unsigned self)
{
        struct cr_job *job;

        while ((!e->head || e->lent[self]) && !e->stopping)
                pthread_cond_wait(&e->wake, &e->lock);
        if (!e->head || e->stopping)
                return NULL;
        job = e->head;
        e->head = job->next;
        if (!e->head)
                e->tail = NULL;
        e->queued--;
        return job;
}

static void *worker_thread(void *p)
{
        struct worker_arg *arg = p;
        struct cr_job_engine *e = arg->engine;
        unsigned index = arg->index;

        free(arg);
        pthread_mutex_lock(&e->lock);
        for (;;) {
                struct cr_job *job = dequeue(e, index);
                if (!job)
                        break;
                e->running++;
                e->current[index] = job;
                pthread_mutex_unlock(&e->lock);
                _cleanup_error_ struct cr_error *err = run_job(e, job, index);
                /* Counted as running no longer before on_finish answers the caller, so that a client
                 * reading the gauge after its answer sees its sandbox gone. */
                pthread_mutex_lock(&e->lock);
                e->current[index] = NULL;
                e->running--;
                e->finishing++;
                pthread_mutex_unlock(&e->lock);
                finish(job, err);
                pthread_mutex_lock(&e->lock);
                cr_job_unref(job);
                e->finishing--;
                pthread_cond_broadcast(&e->idle);
        }
        pthread_mutex_unlock(&e->lock);
        return NULL;
}

int cr_job_engine_new(struct cr_spawner *spawner, const struct cr_job_engine_options *opts,
                      struct cr_job_engine **ret, struct cr_error **err)
{
        struct cr_job_engine *e;
        int r;

        if (opts->workers == 0 || opts->workers > 1024)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "workers must be 1-1024");
        e = xzalloc(sizeof(*e));
        e->spawner = spawner;
        e->opts = *opts;
        pthread_mutex_init(&e->lock, NULL);
        pthread_cond_init(&e->wake, NULL);
        pthread_cond_init(&e->idle, NULL);
        e->threads = xzalloc(opts->workers * sizeof(pthread_t));
        e->current = xzalloc(opts->workers * sizeof(struct cr_job *));
        e->slots = xzalloc(opts->workers * sizeof(unsigned));
        e->lent = xzalloc(opts->workers * sizeof(bool));
        for (unsigned i = 0; i < opts->workers; i++)
                e->slots[i] = opts->slots ? opts->slots[i] : i;
        for (unsigned i = 0; i < opts->workers; i++) {
                struct worker_arg *arg = xzalloc(sizeof(*arg));
                arg->engine = e;
                arg->index = i;
                r = pthread_create(&e->threads[i], NULL, worker_thread, arg);
                if (r != 0) {
                        free(arg);
                        cr_job_engine_free(e);
                        return cr_error_set(err, r, CR_ERROR_INTERNAL, "start worker thread");
                }
                e->n_threads++;
        }
        *ret = e;
        return 0;
}

int cr_job_submit(struct cr_job_engine *e, struct cr_job *job, struct cr_error **err)
{
        pthread_mutex_lock(&e->lock);
        /* a job waits only if every worker is busy; the queue bounds the wait */
        if (e->stopping || e->queued + e->running >= e->opts.workers + e->opts.queue_length) {
                bool stopping = e->stopping;
                pthread_mutex_unlock(&e->lock);
                return stopping ? cr_error_make(err, ESHUTDOWN, CR_ERROR_UNAVAILABLE, "shutting down")
                                : cr_error_make(err, EAGAIN, CR_ERROR_LIMIT,
                                               "all %u workers are busy and the queue of %u is full",
                                               e->opts.workers, e->opts.queue_length);
        }
        job->next = NULL;
        if (e->tail)
                e->tail->next = job;
        else
                e->head = job;
        e->tail = cr_job_ref(job);
        e->queued++;
        /* all: a lent worker woken alone would go back to sleep with the job queued */
        pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
        return 0;
}

unsigned cr_job_engine_lent(struct cr_job_engine *e)
{
        unsigned n = 0;

        pthread_mutex_lock(&e->lock);
        for (unsigned i = 0; i < e->n_threads; i++)
                n += e->lent[i];
        pthread_mutex_unlock(&e->lock);
        return n;
}

unsigned cr_job_engine_running(struct cr_job_engine *e)
{
        unsigned n;

        pthread_mutex_lock(&e->lock);
        n = e->running + e->queued + e->finishing;
        pthread_mutex_unlock(&e->lock);
        return n;
}

unsigned cr_job_engine_drain(struct cr_job_engine *e, unsigned grace_ms)
{
        struct timespec deadline;
        unsigned left;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += grace_ms / 1000;
        deadline.tv_nsec += (long) (grace_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&e->lock);
        while (e->running + e->queued + e->finishing > 0)
                if (pthread_cond_timedwait(&e->idle, &e->lock, &deadline) == ETIMEDOUT)
                        break;
        left = e->running + e->queued + e->finishing;
        pthread_mutex_unlock(&e->lock);
        return left;
}

struct cr_job_engine *cr_job_engine_free(struct cr_job_engine *e)
{
        struct cr_job *queued;

        if (!e)
                return NULL;
        pthread_mutex_lock(&e->lock);
        e->stopping = true;
        queued = e->head;
        e->head = e->tail = NULL;
        e->queued = 0;
        for (unsigned i = 0; i < e->n_threads; i++)
                if (e->current[i])
                        cr_job_cancel(e->current[i]);
        pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
        while (queued) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_job *next = queued->next;
                (void) cr_error_make(&err, ECANCELED, CR_ERROR_CANCELLED, "shutting down");
                finish(queued, err);
                cr_job_unref(queued);
                queued = next;
        }
        for (unsigned i = 0; i < e->n_threads; i++)
                pthread_join(e->threads[i], NULL);
        pthread_cond_destroy(&e->wake);
        pthread_cond_destroy(&e->idle);
        pthread_mutex_destroy(&e->lock);
        free(e->threads);
        free(e->current);
        free(e->slots);
        free(e->lent);
        free(e);
        return NULL;
}
