/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "publisher.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "events/events.h"
#include "log.h"
#include "store/store.h"
#include "xalloc.h"

#define DEFAULT_BATCH 256
#define MAX_BATCH 4096
#define DEFAULT_IDLE_POLL_MS 1000
#define DEFAULT_STUCK_AFTER_MS 60000
#define DEFAULT_MAX_BACKOFF_MS 30000
#define FIRST_BACKOFF_MS 250
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 5000
#define STATS_EVERY_MS 2000
#define STUCK_LOG_EVERY_MS 60000
/* a claimed row is this instance's for the longest delivery, plus room */
#define LEASE_SLACK_MS 60000
#define REPORT_SLACK_MS 5000

static const double latency_bounds[CR_PUBLISHER_LATENCY_BUCKETS] = {
        0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 1e300,
};

struct pending {
        struct cr_store_outbox_row row;
        int result;                       /* 1 waiting, 0 delivered, < 0 failed */
        char reason[160];
};

struct cr_publisher {
        struct cr_publisher_options o;    /* strings not owned */
        pthread_t thread;
        bool started;
        int wake_fd;
        bool stopping;                    /* under lock */
        pthread_mutex_t lock;
        struct cr_publisher_metrics m;    /* under lock */
        /* the thread's own */
        struct cr_store *store;
        struct cr_event_sink *sink;
        struct pending *batch;
        size_t n_batch;
        uint64_t reconnect_ms;
        uint64_t sink_retry_ms;           /* 0 while the sink works */
        uint64_t last_stats_ms;
        uint64_t last_stuck_log_ms;
        unsigned seed;                    /* jitter */
        char last_error[200];
};

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static uint64_t real_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static bool stopping(struct cr_publisher *p)
{
        bool s;

        pthread_mutex_lock(&p->lock);
        s = p->stopping;
        pthread_mutex_unlock(&p->lock);
        return s;
}

/* Sleeps until woken, stopped or ms passed. */
static void wait_ms(struct cr_publisher *p, uint64_t ms)
{
        struct pollfd pfd = { .fd = p->wake_fd, .events = POLLIN };
        uint64_t v;

        if (stopping(p))
                return;
        if (poll(&pfd, 1, (int) MIN(ms, (uint64_t) INT32_MAX)) > 0)
                (void) !read(p->wake_fd, &v, sizeof(v));
}

void cr_publisher_wake(struct cr_publisher *p)
{
        uint64_t one = 1;

        if (p)
                (void) !write(p->wake_fd, &one, sizeof(one));
}

/* ------------------------------------------------------------ connection and sink */

static void disconnect(struct cr_publisher *p)
{
        p->store = cr_store_close(p->store);
        pthread_mutex_lock(&p->lock);
        p->m.connected = false;
        pthread_mutex_unlock(&p->lock);
}

static void note_error(struct cr_publisher *p, const char *what, const struct cr_error *err)
{
        snprintf(p->last_error, sizeof(p->last_error), "%s: %s", what, err ? err->msg : "unknown error");
}

static int connect_store(struct cr_publisher *p)
{
        _cleanup_error_ struct cr_error *err = NULL;

        if (p->store)
                return 0;
        if (cr_store_open(p->o.store, &p->store, &err) < 0) {
                if (p->reconnect_ms == RECONNECT_MIN_MS)
                        log_warning_err(err, "Events publisher: the store is unavailable, retrying");
                note_error(p, "store", err);
                p->reconnect_ms = MIN(p->reconnect_ms * 2, (uint64_t) RECONNECT_MAX_MS);
                return -1;
        }
        p->reconnect_ms = RECONNECT_MIN_MS;
        pthread_mutex_lock(&p->lock);
        p->m.connected = true;
        pthread_mutex_unlock(&p->lock);
        return 0;
}

static void on_report(void *userdata, uint64_t id, int error, const char *reason);

static int make_sink(struct cr_publisher *p)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_event_sink_options so = {
                .kafka = p->o.kafka, .file_dir = p->o.events_dir, .file_max_bytes = p->o.file_max_bytes,
                .report = on_report, .userdata = p,
        };

        if (p->sink && !cr_event_sink_broken(p->sink))
                return 0;
        if (p->sink) {
                log_error("Events publisher: %s; making a new producer", cr_event_sink_broken(p->sink));
                p->sink = cr_event_sink_free(p->sink);
        }
        if (cr_event_sink_new(&so, &p->sink, &err) < 0) {
                /* once per outage; the stuck line repeats it */
                if (p->sink_retry_ms == 0)
                        log_error_err(err, "Events publisher: cannot make the events sink, retrying");
                note_error(p, "sink", err);
                p->sink_retry_ms = MIN(MAX(p->sink_retry_ms * 2, (uint64_t) RECONNECT_MIN_MS),
                                       (uint64_t) RECONNECT_MAX_MS);
                return -1;
        }
        p->sink_retry_ms = 0;
        pthread_mutex_lock(&p->lock);
        p->m.sink = cr_event_sink_kind(p->sink);
        pthread_mutex_unlock(&p->lock);
        return 0;
}

/* ------------------------------------------------------------ one round */

static struct pending *find_pending(struct cr_publisher *p, uint64_t id)
{
        size_t lo = 0, hi = p->n_batch;

        /* claimed in id order */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (p->batch[mid].row.id == id)
                        return &p->batch[mid];
                if (p->batch[mid].row.id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void record_latency(struct cr_publisher *p, uint64_t created_us)
{
        uint64_t now = real_us();
        double s = now > created_us ? (double) (now - created_us) / 1e6 : 0;

        pthread_mutex_lock(&p->lock);
        p->m.delivered_total++;
        p->m.latency_sum_s += s;
        p->m.latency_count++;
        for (size_t i = 0; i < CR_PUBLISHER_LATENCY_BUCKETS; i++)
                if (s <= latency_bounds[i])
                        p->m.latency_buckets[i]++;
        pthread_mutex_unlock(&p->lock);
}

static void on_report(void *userdata, uint64_t id, int error, const char *reason)
{
        struct cr_publisher *p = userdata;
        struct pending *x = find_pending(p, id);

        if (!x || x->result != 1)
                return;
        x->result = error < 0 ? error : 0;
        if (error < 0) {
                snprintf(x->reason, sizeof(x->reason), "%s", reason ? reason : strerror(-error));
                pthread_mutex_lock(&p->lock);
                p->m.failures_total++;
                pthread_mutex_unlock(&p->lock);
        } else {
                record_latency(p, x->row.created_us);
        }
}

static void fail_pending(struct cr_publisher *p, struct pending *x, const char *reason)
{
        x->result = -EIO;
        snprintf(x->reason, sizeof(x->reason), "%s", reason);
        pthread_mutex_lock(&p->lock);
        p->m.failures_total++;
        pthread_mutex_unlock(&p->lock);
}

static void send_one(struct cr_publisher *p, struct pending *x, uint64_t deadline_ms)
{
        for (;;) {
                _cleanup_error_ struct cr_error *err = NULL;
                int r = cr_event_sink_send(p->sink, x->row.id, x->row.topic, x->row.event_key, x->row.payload,
                                           x->row.payload_len, &err);
                if (r >= 0)
                        return;
                if (err->errnum != ENOBUFS || mono_ms() > deadline_ms) {
                        fail_pending(p, x, err->msg);
                        return;
                }
                /* the producer's queue is full: let reports drain it */
                cr_event_sink_poll(p->sink, 50);
        }
}

static uint64_t report_timeout_ms(const struct cr_publisher *p)
{
        uint64_t t = p->o.kafka && p->o.kafka->broker ? p->o.kafka->producer_timeout_ms : 0;

        return t + REPORT_SLACK_MS;
}

static void publish(struct cr_publisher *p)
{
        uint64_t deadline = mono_ms() + report_timeout_ms(p);

        for (size_t i = 0; i < p->n_batch; i++) {
                p->batch[i].result = 1;
                send_one(p, &p->batch[i], deadline);
        }
        while (cr_event_sink_in_flight(p->sink) > 0 && mono_ms() < deadline && !stopping(p) &&
               !cr_event_sink_broken(p->sink))
                cr_event_sink_poll(p->sink, 100);
        if (cr_event_sink_broken(p->sink))
                (void) make_sink(p);      /* frees the broken one: its events are reported failed */
}

static uint64_t backoff_ms(struct cr_publisher *p, unsigned attempts)
{
        uint64_t d = FIRST_BACKOFF_MS;

        for (unsigned i = 1; i < attempts && d < p->o.max_backoff_ms; i++)
                d *= 2;
        d = MIN(d, p->o.max_backoff_ms);
        /* ±20 %: instances that failed together do not retry together */
        return d * 4 / 5 + (uint64_t) rand_r(&p->seed) % (d * 2 / 5 + 1);
}

/* Marks what was delivered, schedules what failed; a row still waiting
 * (stopping, or no report in time) keeps its claim until it lapses. */
static int settle(struct cr_publisher *p, struct cr_error **err)
{
        _cleanup_free_ uint64_t *ids = xmalloc(MAX(p->n_batch, (size_t) 1) * sizeof(*ids));
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < p->n_batch; i++)
                if (p->batch[i].result == 0)
                        ids[n++] = p->batch[i].row.id;
        if (n > 0)
                r = cr_store_outbox_sent(p->store, ids, n, err);
        for (size_t i = 0; r >= 0 && i < p->n_batch; i++) {
                struct pending *x = &p->batch[i];
                if (x->result >= 0)
                        continue;
                snprintf(p->last_error, sizeof(p->last_error), "%s", x->reason);
                r = cr_store_outbox_retry(p->store, x->row.id, backoff_ms(p, x->row.attempts + 1), x->reason, err);
        }
        return r;
}

static void clear_batch(struct cr_publisher *p)
{
        for (size_t i = 0; i < p->n_batch; i++)
                cr_store_outbox_row_done(&p->batch[i].row);
        p->n_batch = 0;
}

static uint64_t lease_ms(const struct cr_publisher *p)
{
        return report_timeout_ms(p) + LEASE_SLACK_MS;
}

/* Returns how many rows were claimed and handled, < 0 when the store failed. */
static int round_trip(struct cr_publisher *p)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ struct cr_store_outbox_row *rows = xzalloc(p->o.batch * sizeof(*rows));
        int n = cr_store_outbox_claim(p->store, p->o.instance, lease_ms(p), rows, p->o.batch, &err);

        if (n < 0) {
                log_warning_err(err, "Events publisher: cannot read the outbox, reconnecting");
                note_error(p, "outbox", err);
                return -1;
        }
        for (int i = 0; i < n; i++)
                p->batch[i] = (struct pending) { .row = rows[i] };
        p->n_batch = (size_t) n;
        if (n > 0) {
                publish(p);
                if (settle(p, &err) < 0) {
                        /* delivered rows not marked sent are sent again: at least once */
                        log_warning_err(err, "Events publisher: cannot record deliveries, reconnecting");
                        note_error(p, "outbox", err);
                        n = -1;
                }
        }
        clear_batch(p);
        return n;
}

/* ------------------------------------------------------------ health */

static void check_stuck(struct cr_publisher *p, uint64_t depth, double oldest_s)
{
        bool stuck = depth > 0 && oldest_s * 1000.0 > (double) p->o.stuck_after_ms;
        bool was;
        uint64_t now = mono_ms();

        pthread_mutex_lock(&p->lock);
        was = p->m.stuck;
        p->m.stuck = stuck;
        pthread_mutex_unlock(&p->lock);
        if (stuck && (!was || now - p->last_stuck_log_ms >= STUCK_LOG_EVERY_MS)) {
                log_warning("Events are not being delivered: %" PRIu64 " waiting in the outbox, the oldest for "
                            "%.0f s; last error: %s", depth, oldest_s, p->last_error[0] ? p->last_error : "none");
                p->last_stuck_log_ms = now;
        } else if (!stuck && was) {
                log_notice("Events are delivered again (%" PRIu64 " waiting)", depth);
        }
}

static void refresh_stats(struct cr_publisher *p, bool force)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_outbox_stats st;
        uint64_t now = mono_ms();
        double oldest = 0;

        /* a count over the outbox: every few seconds, a bit more often
         * while rows flow */
        if (!p->store || now - p->last_stats_ms < (force ? STATS_EVERY_MS / 4 : STATS_EVERY_MS))
                return;
        p->last_stats_ms = now;
        if (cr_store_outbox_stats(p->store, &st, &err) < 0) {
                note_error(p, "outbox", err);
                disconnect(p);
                return;
        }
        if (st.unsent > 0 && st.oldest_created_us > 0 && real_us() > st.oldest_created_us)
                oldest = (double) (real_us() - st.oldest_created_us) / 1e6;
        pthread_mutex_lock(&p->lock);
        p->m.outbox_depth = st.unsent;
        p->m.oldest_unsent_age_s = oldest;
        pthread_mutex_unlock(&p->lock);
        check_stuck(p, st.unsent, oldest);
}

/* ------------------------------------------------------------ the thread */

static void *run(void *arg)
{
        struct cr_publisher *p = arg;

        /* shows in /proc (bench/events.py measures this thread's CPU time) */
        (void) pthread_setname_np(pthread_self(), "cr-events");
        while (!stopping(p)) {
                int n;

                if (connect_store(p) < 0) {
                        wait_ms(p, p->reconnect_ms);
                        continue;
                }
                if (make_sink(p) < 0) {
                        refresh_stats(p, false); /* the outbox grows: say so */
                        wait_ms(p, p->sink_retry_ms);
                        continue;
                }
                n = round_trip(p);
                if (n < 0) {
                        disconnect(p);
                        wait_ms(p, p->reconnect_ms);
                        continue;
                }
                refresh_stats(p, n > 0);
                if (n == 0)
                        /* drained, waiting for a retry time, or every head is
                         * another instance's: sleep until woken */
                        wait_ms(p, p->o.idle_poll_ms);
        }
        p->sink = cr_event_sink_free(p->sink);
        clear_batch(p);
        disconnect(p);
        return NULL;
}

static void defaults(struct cr_publisher_options *o)
{
        if (o->batch == 0)
                o->batch = DEFAULT_BATCH;
        o->batch = MIN(o->batch, (unsigned) MAX_BATCH);
        if (o->idle_poll_ms == 0)
                o->idle_poll_ms = DEFAULT_IDLE_POLL_MS;
        if (o->stuck_after_ms == 0)
                o->stuck_after_ms = DEFAULT_STUCK_AFTER_MS;
        if (o->max_backoff_ms == 0)
                o->max_backoff_ms = DEFAULT_MAX_BACKOFF_MS;
}

int cr_publisher_start(const struct cr_publisher_options *o, struct cr_publisher **ret, struct cr_error **err)
{
        struct cr_publisher *p = xzalloc(sizeof(*p));
        int r;

        p->o = *o;
        defaults(&p->o);
        memcpy(p->m.latency_bounds_s, latency_bounds, sizeof(latency_bounds));
        p->reconnect_ms = RECONNECT_MIN_MS;
        p->seed = (unsigned) (getpid() ^ real_us());
        p->batch = xzalloc(p->o.batch * sizeof(*p->batch));
        pthread_mutex_init(&p->lock, NULL);
        p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->wake_fd < 0) {
                r = cr_error_set(err, errno, CR_ERROR_INTERNAL, "eventfd");
                cr_publisher_stop(p);
                return r;
        }
        r = pthread_create(&p->thread, NULL, run, p);
        if (r != 0) {
                cr_publisher_stop(p);
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "Cannot start the events publisher");
        }
        p->started = true;
        *ret = p;
        return 0;
}

void cr_publisher_metrics(struct cr_publisher *p, struct cr_publisher_metrics *ret)
{
        pthread_mutex_lock(&p->lock);
        *ret = p->m;
        pthread_mutex_unlock(&p->lock);
}

struct cr_publisher *cr_publisher_stop(struct cr_publisher *p)
{
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_mutex_unlock(&p->lock);
        cr_publisher_wake(p);
        if (p->started)
                pthread_join(p->thread, NULL);
        safe_close(p->wake_fd);
        pthread_mutex_destroy(&p->lock);
        free(p->batch);
        free(p);
        return NULL;
}
