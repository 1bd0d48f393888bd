/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "store-pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "store/store.h"
#include "xalloc.h"

#define MAX_THREADS 16
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct op {
        cr_store_op_fn fn;
        cr_store_done_fn done;
        void *userdata;
        enum cr_store_retry retry;
        unsigned attempt;
        uint64_t not_before_ms;            /* CLOCK_MONOTONIC; retries wait */
        struct op *next;
};

struct cr_store_pool {
        struct cr_store_options options;   /* strings not owned: the caller's, for the pool's life */
        cr_store_health_fn health;
        void *userdata;
        pthread_mutex_t lock;
        pthread_cond_t wake;               /* work posted, or stopping */
        pthread_cond_t idle;               /* an operation finished */
        struct op *head, *tail;
        unsigned queued, running;
        bool stopping;
        pthread_t threads[MAX_THREADS];
        unsigned n_threads;
};

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void deadline_after(struct timespec *ts, uint64_t ms)
{
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += (time_t) (ms / 1000);
        ts->tv_nsec += (long) (ms % 1000) * 1000000L;
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

static void enqueue_locked(struct cr_store_pool *p, struct op *o)
{
        o->next = NULL;
        if (p->tail)
                p->tail->next = o;
        else
                p->head = o;
        p->tail = o;
        p->queued++;
        pthread_cond_signal(&p->wake);
}

void cr_store_pool_post(struct cr_store_pool *p, cr_store_op_fn fn, cr_store_done_fn done, void *userdata,
                        enum cr_store_retry retry)
{
        struct op *o = xzalloc(sizeof(*o));

        *o = (struct op) { .fn = fn, .done = done, .userdata = userdata, .retry = retry };
        pthread_mutex_lock(&p->lock);
        if (!p->stopping) {
                enqueue_locked(p, o);
                o = NULL;
        }
        pthread_mutex_unlock(&p->lock);
        if (o) { /* too late: nothing runs any more */
                _cleanup_error_ struct cr_error *err = NULL;
                (void) cr_error_make(&err, ECANCELED, CR_ERROR_CANCELLED, "the daemon is stopping");
                done(userdata, -ECANCELED, err);
                free(o);
        }
}

/* The first operation whose time has come; NULL when none (then
 * *ret_wait_ms says how long until one's has, 0 = none waiting). */
static struct op *dequeue_locked(struct cr_store_pool *p, uint64_t *ret_wait_ms)
{
        uint64_t now = mono_ms(), wait = 0;

        for (struct op **q = &p->head, *prev = NULL; *q; prev = *q, q = &(*q)->next) {
                struct op *o = *q;
                if (o->not_before_ms > now) {
                        wait = wait == 0 ? o->not_before_ms - now : MIN(wait, o->not_before_ms - now);
                        continue;
                }
                *q = o->next;
                if (p->tail == o)
                        p->tail = prev;
                p->queued--;
                return o;
        }
        *ret_wait_ms = wait;
        return NULL;
}

static struct op *next_op(struct cr_store_pool *p)
{
        struct op *o = NULL;

        pthread_mutex_lock(&p->lock);
        while (!p->stopping) {
                uint64_t wait = 0;
                struct timespec until;

                o = dequeue_locked(p, &wait);
                if (o)
                        break;
                if (wait == 0) {
                        pthread_cond_wait(&p->wake, &p->lock);
                        continue;
                }
                deadline_after(&until, wait);
                (void) pthread_cond_timedwait(&p->wake, &p->lock, &until);
        }
        if (o)
                p->running++;
        pthread_mutex_unlock(&p->lock);
        return o;
}

static void finished(struct cr_store_pool *p)
{
        pthread_mutex_lock(&p->lock);
        p->running--;
        pthread_cond_broadcast(&p->idle);
        pthread_mutex_unlock(&p->lock);
}

static unsigned backoff_ms(unsigned attempt)
{
        unsigned ms = BACKOFF_MIN_MS;

        while (attempt-- > 1 && ms < BACKOFF_MAX_MS)
                ms *= 2;
        return MIN(ms, (unsigned) BACKOFF_MAX_MS);
}

/* Runs one operation, reconnecting first if needed. */
static int run_op(struct cr_store_pool *p, struct cr_store **conn, struct op *o, struct cr_error **err)
{
        int r = 0;

        if (!*conn)
                r = cr_store_open(&p->options, conn, err);
        if (r >= 0)
                r = o->fn(*conn, o->userdata, o->attempt, err);
        if (r < 0 && (*err)->kind == CR_ERROR_UNAVAILABLE) {
                /* the connection is suspect: the next operation opens a new one */
                *conn = cr_store_close(*conn);
                if (p->health)
                        p->health(p->userdata, false);
        }
        return r;
}

static void handle(struct cr_store_pool *p, struct cr_store **conn, struct op *o)
{
        _cleanup_error_ struct cr_error *err = NULL;
        int r;

        o->attempt++;
        r = run_op(p, conn, o, &err);
        if (r < 0 && err->kind == CR_ERROR_UNAVAILABLE && o->retry == CR_STORE_UNTIL_DONE) {
                if (o->attempt == 1)
                        log_warning_err(err, "Store operation failed, retrying until the database is back");
                pthread_mutex_lock(&p->lock);
                if (!p->stopping) {
                        o->not_before_ms = mono_ms() + backoff_ms(o->attempt);
                        enqueue_locked(p, o);
                        o = NULL;
                }
                pthread_mutex_unlock(&p->lock);
                if (!o)
                        return;
        }
        o->done(o->userdata, r, err);
        free(o);
}

static void *pool_thread(void *arg)
{
        struct cr_store_pool *p = arg;
        struct cr_store *conn = NULL;
        struct op *o;

        while ((o = next_op(p))) {
                handle(p, &conn, o);
                finished(p);
        }
        cr_store_close(conn);
        return NULL;
}

int cr_store_pool_new(const struct cr_store_options *o, unsigned threads, cr_store_health_fn health,
                      void *userdata, struct cr_store_pool **ret, struct cr_error **err)
{
        struct cr_store_pool *p = xzalloc(sizeof(*p));
        int r;

        p->options = *o;
        p->health = health;
        p->userdata = userdata;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->wake, NULL);
        pthread_cond_init(&p->idle, NULL);
        for (unsigned i = 0; i < MIN(MAX(threads, 1u), (unsigned) MAX_THREADS); i++) {
                r = pthread_create(&p->threads[i], NULL, pool_thread, p);
                if (r != 0) {
                        cr_store_pool_free(p);
                        return cr_error_set(err, r, CR_ERROR_INTERNAL, "start a store thread");
                }
                p->n_threads++;
        }
        *ret = p;
        return 0;
}

unsigned cr_store_pool_pending(struct cr_store_pool *p)
{
        unsigned n;

        pthread_mutex_lock(&p->lock);
        n = p->queued + p->running;
        pthread_mutex_unlock(&p->lock);
        return n;
}

void cr_store_pool_stop(struct cr_store_pool *p, unsigned wait_ms)
{
        struct timespec until;
        struct op *left;

        deadline_after(&until, wait_ms);
        pthread_mutex_lock(&p->lock);
        while (p->queued + p->running > 0 && !p->stopping)
                if (pthread_cond_timedwait(&p->idle, &p->lock, &until) == ETIMEDOUT)
                        break;
        p->stopping = true;
        left = p->head;
        p->head = p->tail = NULL;
        p->queued = 0;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
        for (unsigned i = 0; i < p->n_threads; i++)
                pthread_join(p->threads[i], NULL);
        p->n_threads = 0;
        while (left) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct op *next = left->next;
                (void) cr_error_make(&err, ECANCELED, CR_ERROR_CANCELLED, "the daemon is stopping");
                left->done(left->userdata, -ECANCELED, err);
                free(left);
                left = next;
        }
}

struct cr_store_pool *cr_store_pool_free(struct cr_store_pool *p)
{
        if (!p)
                return NULL;
        cr_store_pool_stop(p, 0);
        pthread_cond_destroy(&p->wake);
        pthread_cond_destroy(&p->idle);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
}
