/* SPDX-License-Identifier: MIT */
#pragma once

/* The events publisher (docs/internals/events.md): one thread that drains
 * the transactional outbox to the events sink (Kafka, or the JSON-lines file
 * without a broker).
 *
 * It claims the first unsent row of each key (PostgreSQL: with a lease, so
 * among several instances one publishes a row at a time), sends them, marks
 * a row sent only after its delivery report, and schedules a failed row
 * again with a growing delay, for ever. It has its own store connection and
 * its own sink; no gRPC thread and no worker ever waits on it. When events
 * stop flowing a log line says so (once a minute) and the metrics show it. */

#include <stdbool.h>
#include <stdint.h>

struct cr_error;
struct cr_kafka_settings;
struct cr_publisher;
struct cr_store_options;

struct cr_publisher_options {
        const struct cr_store_options *store; /* its own connection; strings must outlive the publisher */
        const struct cr_kafka_settings *kafka; /* not owned; with ->broker the Kafka sink */
        const char *events_dir;           /* else the file sink here */
        uint64_t file_max_bytes;          /* 0 = the sink's default */
        const char *instance;             /* this instance's id (claims) */
        unsigned batch;                   /* rows per round (0 = 256) */
        uint64_t idle_poll_ms;            /* how often an idle publisher looks (0 = 1000) */
        uint64_t stuck_after_ms;          /* oldest unsent row older than this: stuck (0 = 60 s) */
        uint64_t max_backoff_ms;          /* longest delay between attempts of a row (0 = 30 s) */
};

#define CR_PUBLISHER_LATENCY_BUCKETS 9

/* Counters since start, and the outbox as last seen. */
struct cr_publisher_metrics {
        uint64_t outbox_depth;            /* unsent rows */
        double oldest_unsent_age_s;       /* 0 when none */
        uint64_t delivered_total;
        uint64_t failures_total;          /* failed delivery attempts */
        /* publish latency: from the row's creation (the result's commit) to
         * the broker's acknowledgement; cumulative buckets, Prometheus-style */
        double latency_bounds_s[CR_PUBLISHER_LATENCY_BUCKETS]; /* upper bounds; the last is +Inf */
        uint64_t latency_buckets[CR_PUBLISHER_LATENCY_BUCKETS];
        double latency_sum_s;
        uint64_t latency_count;
        bool stuck;
        bool connected;                   /* to the store */
        const char *sink;                 /* "kafka", "file" */
};

int cr_publisher_start(const struct cr_publisher_options *o, struct cr_publisher **ret, struct cr_error **err);
/* New rows are in the outbox (after a result was stored): look now. Any
 * thread; never blocks. */
void cr_publisher_wake(struct cr_publisher *p);
/* A copy of the metrics; any thread. */
void cr_publisher_metrics(struct cr_publisher *p, struct cr_publisher_metrics *ret);
/* Stops and joins the thread. Rows in flight stay unsent: this instance
 * claims them again at its next start, another once their lease lapses. */
struct cr_publisher *cr_publisher_stop(struct cr_publisher *p);

static inline void cr_publisher_stopp(struct cr_publisher **p)
{
        *p = cr_publisher_stop(*p);
}
