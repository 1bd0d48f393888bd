/* SPDX-License-Identifier: MIT */
#pragma once

/* This instance's view of the job queue that lives in the store
 * (docs/internals/store.md). Admission writes a job `pending`; a dispatcher
 * thread claims pending jobs for idle workers (with PostgreSQL: whichever
 * instance accepted them), renews the leases of the jobs it runs, takes over
 * jobs whose instance died, and prunes old rows; the runner runs a claimed
 * job on the executor, judges it and stores its result, its per-test results
 * and its event in one transaction. Wake-ups are LISTEN/NOTIFY on
 * PostgreSQL and in-process on SQLite; no loop polls the database.
 *
 * Nothing here blocks a gRPC thread or a job worker on the database: every
 * store call runs on the store pool or the dispatcher. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct cr_error;
struct cr_execution;
struct cr_job_engine;
struct cr_job_spec;
struct cr_watch;
struct cr_watch_ops;
struct cr_evaluator_limits;
struct cr_installed;
struct cr_queue;

struct cr_queue_options {
        struct cr_store_options store;     /* strings not owned: valid for the queue's life */
        const char *instance;              /* server_instance of the jobs run here */
        unsigned workers;                  /* jobs run at once (the engine's workers) */
        unsigned queue_length;             /* accepted here and waiting, beyond the workers */
        uint64_t lease_ms;
        unsigned retention_days;           /* 0 = keep everything */
        const struct cr_evaluator_limits *limits; /* not owned: what a claimed job may ask for */
        const struct cr_installed *installed;     /* not owned */
        const char *challenge_topic;       /* the challenge.completed event's topic (KAFKA_TOPIC) */
        bool no_events;                    /* CODERUNNER_EVENTS_SINK=none: jobs leave no outbox rows */
        /* A result and its events are in the outbox (the events publisher
         * looks now); from a store thread, must not block. */
        void (*events_stored)(void *userdata);
        void *events_userdata;
};

typedef void (*cr_queue_ready_fn)(void *userdata, bool ready);

int cr_queue_new(const struct cr_queue_options *o, struct cr_job_engine *engine, struct cr_queue **ret,
                 struct cr_error **err);
/* Called (from any thread) when readiness changes. Set before start. */
void cr_queue_on_ready(struct cr_queue *q, cr_queue_ready_fn fn, void *userdata);
/* Connects and migrates once, then starts the threads. When the database
 * cannot be reached the queue starts not ready and keeps trying. */
int cr_queue_start(struct cr_queue *q, struct cr_error **err);
bool cr_queue_ready(struct cr_queue *q);
/* SIGTERM: claim nothing more; wait up to grace_ms for the jobs running
 * here; store what finished; put the rest back to pending for a restart
 * or another instance. */
void cr_queue_stop(struct cr_queue *q, unsigned grace_ms);
struct cr_queue *cr_queue_free(struct cr_queue *q);
const char *cr_queue_instance(const struct cr_queue *q);

/* This instance's share of the queue, for /ready, /metrics and the status
 * line (a snapshot; any thread). */
struct cr_queue_stats {
        unsigned admitted;      /* accepted here, final state not yet answered, not on a worker here */
        unsigned running;       /* on a worker here (accepted here or elsewhere) */
        unsigned capacity;      /* workers + queue length: admission refuses beyond it */
        unsigned reserved;      /* admission places taken */
};
void cr_queue_stats(struct cr_queue *q, struct cr_queue_stats *ret);
enum cr_store_backend cr_queue_backend(const struct cr_queue *q);

/* ------------------------------------------------------------ admission */

/* Takes one of the workers + queue_length places this instance gives to
 * jobs it accepted and that are not over: CR_ERROR_LIMIT when none is left,
 * CR_ERROR_UNAVAILABLE (with a message for the client) when the store is
 * not ready. */
int cr_queue_reserve(struct cr_queue *q, struct cr_error **err);
void cr_queue_release(struct cr_queue *q);

/* Stores a new job `pending` and wakes the claimers; done runs once, on a
 * store thread: err == NULL when stored; existing_id is set when the
 * client key was used before (nothing was stored). */
typedef void (*cr_queue_insert_fn)(void *userdata, const char *existing_id, const struct cr_error *err);
void cr_queue_insert(struct cr_queue *q, const struct cr_store_job *job, cr_queue_insert_fn done, void *userdata);

/* ------------------------------------------------------------ executions */

/* Reads an execution; done runs once with the record (NULL and err on
 * failure, CR_ERROR_NOT_FOUND for an unknown id). */
typedef void (*cr_queue_get_fn)(void *userdata, const struct cr_execution *x, const struct cr_error *err);
void cr_queue_get(struct cr_queue *q, const char *id, cr_queue_get_fn done, void *userdata);

/* Cancels: a pending job at once, a running one wherever it runs (its
 * sandbox is killed). done (optional) runs once with the record afterwards. */
void cr_queue_cancel(struct cr_queue *q, const char *id, cr_queue_get_fn done, void *userdata);

/* Subscribes to an execution's state changes and, when it runs here, its
 * output (job/watch.h); pair with cr_queue_unwatch(). */
struct cr_watch *cr_queue_watch(struct cr_queue *q, const char *id, const struct cr_watch_ops *ops, void *userdata);
void cr_queue_unwatch(struct cr_queue *q, struct cr_watch *sub);
