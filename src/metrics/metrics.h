/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon's metrics, rendered in the Prometheus text format (0.0.4) for
 * GET /metrics. One process-wide registry: counters and histograms are
 * updated where things happen (any thread; a mutex, a few per job), gauges
 * are read at scrape time from callbacks that other modules register, so a
 * gauge is either the current truth or absent — never a placeholder (the
 * events publisher's collector adds the outbox's). libc only. */

#include <stdint.h>

struct cr_buf;

enum cr_metrics_histogram {
        CR_METRICS_QUEUE_WAIT,   /* job queued → handed to the executor */
        CR_METRICS_COMPILE,      /* compile sandbox wall time */
        CR_METRICS_RUN,          /* each run sandbox's wall time */
        _CR_METRICS_HISTOGRAM_MAX,
};

/* An execution finished: language (catalogue id) and outcome, e.g. passed,
 * failed, compile_error, error, cancelled. Both are copied. */
void cr_metrics_execution(const char *language, const char *status);
/* A sandbox ended with this verdict (OK, TIME_LIMIT, ...). */
void cr_metrics_verdict(const char *verdict);
void cr_metrics_observe(enum cr_metrics_histogram h, uint64_t ns);
void cr_metrics_executor_restart(void);

/* A gauge read at scrape time (from the HTTP thread: fn must be thread-safe).
 * name must be a valid metric name and, like help, a static string. Returns
 * -EEXIST for a name already registered, -E2BIG when the table is full. */
typedef double (*cr_metrics_gauge_fn)(void *userdata);
int cr_metrics_register_gauge(const char *name, const char *help, cr_metrics_gauge_fn fn, void *userdata);
void cr_metrics_unregister_gauge(const char *name);

/* A collector appends whole metric families (# HELP, # TYPE and samples,
 * in the text format) at scrape time, for a module that keeps its own
 * counters and histograms (the events publisher). Called on the HTTP thread
 * without this module's lock; name (static) identifies it. Returns -EEXIST
 * or -E2BIG like a gauge. */
typedef int (*cr_metrics_collect_fn)(void *userdata, struct cr_buf *out);
int cr_metrics_register_collector(const char *name, cr_metrics_collect_fn fn, void *userdata);
void cr_metrics_unregister_collector(const char *name);

/* Appends every metric in the text exposition format. */
int cr_metrics_render(struct cr_buf *out);
/* Forgets every value and gauge (tests). */
void cr_metrics_reset(void);
