/* SPDX-License-Identifier: MIT */
#pragma once

/* The job store (docs/internals/store.md): the original service's
 * `executions` and `generated_test_code` tables plus what a durable, shared
 * queue needs, behind one interface with two backends: SQLite (embedded, the
 * default) and PostgreSQL (libpq, when DB_HOST is set).
 *
 * A struct cr_store is ONE connection: blocking calls, not thread-safe. The
 * job layer owns the threads that call it (job/store-pool.c), so no gRPC
 * thread and no executor ever waits on the database. Non-logging: errors
 * travel in cr_error; none ever holds the password. Every statement is
 * parameterised. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobspec/jobspec.h"

struct cr_error;
struct cr_store;

enum cr_store_backend {
        CR_STORE_SQLITE = 1,
        CR_STORE_POSTGRES = 2,
        _CR_STORE_BACKEND_MAX,
        _CR_STORE_BACKEND_INVALID = -22,
};

struct cr_store_options {
        enum cr_store_backend backend;
        const char *sqlite_path;          /* SQLite: the database file (its directory must exist) */
        /* PostgreSQL: the original's DB_* settings, passed to libpq as
         * separate keywords (never joined into a string) */
        const char *host;
        const char *port;
        const char *user;
        const char *password;
        const char *dbname;
        const char *sslmode;
        const char *timezone;
        unsigned connect_timeout_s;       /* 0 = 10 */
        const char *application_name;     /* shows in pg_stat_activity */
};

/* ------------------------------------------------------------ connection */

int cr_store_open(const struct cr_store_options *o, struct cr_store **ret, struct cr_error **err);
struct cr_store *cr_store_close(struct cr_store *s);
enum cr_store_backend cr_store_backend(const struct cr_store *s);
/* The database answers (the readiness probe). */
int cr_store_ping(struct cr_store *s, struct cr_error **err);
/* Applies the versioned migrations not applied yet, each in its own
 * transaction, recorded in schema_migrations; several instances starting
 * together take turns (PostgreSQL: an advisory lock). A database the
 * original Go service created is upgraded in place. Returns the number
 * applied. */
int cr_store_migrate(struct cr_store *s, struct cr_error **err);
/* The schema version (the highest applied migration). */
int cr_store_schema_version(struct cr_store *s, unsigned *ret, struct cr_error **err);

/* ------------------------------------------------------------ jobs */

#define CR_STORE_ID_LEN 36
#define CR_STORE_MAX_ATTEMPTS 3

/* A new job, stored `pending` (admission). */
struct cr_store_job {
        const char *id;
        const struct cr_job_spec *spec;   /* for the columns */
        const void *spec_bytes;           /* the encoded description (executions.job_spec) */
        size_t spec_len;
        uint64_t created_us;              /* CLOCK_REALTIME µs */
        uint64_t generation_time_ms;      /* function mode: for generated_test_code */
};

/* In one transaction: the `executions` row, and for function mode the
 * `generated_test_code` row; then wakes every instance's queue. With a
 * client key already used, nothing is written and *ret_existing is true:
 * ret_id is that job's id. */
int cr_store_insert(struct cr_store *s, const struct cr_store_job *j, char ret_id[static CR_STORE_ID_LEN + 1],
                    bool *ret_existing, struct cr_error **err);

struct cr_store_claimed {
        char id[CR_STORE_ID_LEN + 1];
        uint8_t *spec;                    /* owned */
        size_t spec_len;
        uint64_t created_us;
        uint64_t started_us;
        unsigned attempts;                /* including this one */
};

/* Claims up to max pending jobs, oldest first, for this instance: each
 * becomes `running` with a lease of lease_ms (PostgreSQL: SELECT ... FOR
 * UPDATE SKIP LOCKED, so instances never claim the same job). Returns how
 * many (0: none pending). */
int cr_store_claim(struct cr_store *s, const char *instance, uint64_t lease_ms, struct cr_store_claimed *ret,
                   size_t max, struct cr_error **err);
void cr_store_claimed_done(struct cr_store_claimed *c);
/* Extends the lease of every job this instance runs. */
int cr_store_renew(struct cr_store *s, const char *instance, uint64_t lease_ms, struct cr_error **err);

/* Jobs left `running` by a dead instance: with instance set, this
 * instance's own (at start-up, after a crash); with NULL, every job whose
 * lease expired. Each goes back to `pending`, or, after
 * CR_STORE_MAX_ATTEMPTS, ends `failed` with an error_message saying why. */
struct cr_store_requeued {
        unsigned requeued;
        unsigned failed;
};
int cr_store_requeue(struct cr_store *s, const char *instance, struct cr_store_requeued *ret, struct cr_error **err);

/* The jobs cr_store_requeue() would fail (same instance rule, out of
 * attempts), so that the job layer can end each one itself with
 * cr_store_finish() as their lease owner, and their events in the same
 * transaction; what it cannot end, cr_store_requeue() still fails. Returns
 * how many (at most max). */
struct cr_store_abandoned {
        char id[CR_STORE_ID_LEN + 1];
        char *owner;                      /* lease_owner: the instance that ran it last; owned */
        uint8_t *spec;                    /* owned; NULL when the row has none */
        size_t spec_len;
        uint64_t created_us;
};
int cr_store_list_abandoned(struct cr_store *s, const char *instance, struct cr_store_abandoned *ret, size_t max,
                            struct cr_error **err);
void cr_store_abandoned_done(struct cr_store_abandoned *a);

/* An event for the events publisher (the transactional outbox). */
struct cr_store_event {
        const char *topic;                /* "execution.analytics" */
        const char *key;                  /* the message key: events of one topic and key are published in order */
        const char *type;                 /* "execution.analytics" */
        const char *payload;              /* JSON */
        size_t payload_len;
};

#define CR_STORE_MAX_EVENTS 4

/* How a job ended. */
struct cr_store_result {
        const char *id;
        const char *instance;             /* who ran it (server_instance); must hold its lease */
        enum cr_job_status status;        /* final */
        const struct cr_job_spec *spec;   /* test ids; NULL for a job that never decoded */
        const struct cr_job_outcome *outcome; /* NULL: failed or cancelled without a verdict */
        const void *outcome_bytes;        /* the encoded outcome (executions.outcome) */
        size_t outcome_len;
        const char *error_message;        /* without an outcome: why */
        uint64_t completed_us;
        const struct cr_store_event *events; /* the outbox rows; may be none */
        size_t n_events;                  /* at most CR_STORE_MAX_EVENTS */
};

/* In ONE transaction: the row's result columns, one execution_test_results
 * row per test, the outbox row; then tells every instance. Only while this
 * instance holds the job (running, lease_owner = instance): -ESTALE
 * (CR_ERROR_NOT_FOUND) when the job was taken over or cancelled meanwhile. */
int cr_store_finish(struct cr_store *s, const struct cr_store_result *r, struct cr_error **err);

enum cr_store_cancel_result {
        CR_STORE_CANCELLED,               /* it was pending: it is `cancelled` now */
        CR_STORE_CANCEL_REQUESTED,        /* it is running: its instance was told */
        CR_STORE_ALREADY_FINAL,
};
int cr_store_cancel(struct cr_store *s, const char *id, enum cr_store_cancel_result *ret, struct cr_error **err);

/* One row as any instance reads it back. */
struct cr_store_row {
        char id[CR_STORE_ID_LEN + 1];
        enum cr_job_status status;
        uint8_t *spec;                    /* NULL for rows the original service wrote */
        size_t spec_len;
        uint8_t *outcome;                 /* NULL until judged */
        size_t outcome_len;
        char *server_instance;            /* "" when none */
        char *error_message;
        char *message;
        char *approved_test_ids;          /* the original's comma-separated list */
        bool success;
        int total_tests;
        int passed_tests;
        uint64_t created_us;
        uint64_t started_us;
        uint64_t completed_us;
        unsigned attempts;
};

/* CR_ERROR_NOT_FOUND for an unknown (or soft-deleted) id. */
int cr_store_get(struct cr_store *s, const char *id, struct cr_store_row **ret, struct cr_error **err);
struct cr_store_row *cr_store_row_free(struct cr_store_row *r);

/* Deletes at most batch finished jobs completed before before_us (with
 * their test results and generated code), and published outbox rows as old.
 * Returns how many jobs. */
int cr_store_prune(struct cr_store *s, uint64_t before_us, unsigned batch, struct cr_error **err);

/* ------------------------------------------------------------ the outbox */

/* The events publisher's side of the transactional outbox
 * (docs/internals/events.md). A row is published by one instance at a time:
 * a claim holds it for lease_ms (PostgreSQL: claimed with FOR UPDATE SKIP
 * LOCKED, then leased), and only the oldest unsent row of each (topic, key)
 * is claimable, so the rows of one key go out in order. */
struct cr_store_outbox_row {
        uint64_t id;                      /* the order */
        char *topic;
        char *event_key;
        char *payload;
        size_t payload_len;
        uint64_t created_us;              /* when the result was stored */
        unsigned attempts;                /* failed deliveries so far */
};

/* Claims up to max rows that are due (next_attempt_at has come), in id
 * order, for this instance. Returns how many. */
int cr_store_outbox_claim(struct cr_store *s, const char *instance, uint64_t lease_ms,
                          struct cr_store_outbox_row *ret, size_t max, struct cr_error **err);
void cr_store_outbox_row_done(struct cr_store_outbox_row *r);
/* The broker acknowledged these rows. */
int cr_store_outbox_sent(struct cr_store *s, const uint64_t *ids, size_t n, struct cr_error **err);
/* A delivery failed: count the attempt, keep why, try again in delay_ms
 * (the claim ends). */
int cr_store_outbox_retry(struct cr_store *s, uint64_t id, uint64_t delay_ms, const char *reason,
                          struct cr_error **err);

struct cr_store_outbox_stats {
        uint64_t unsent;
        uint64_t oldest_created_us;       /* 0 when none */
};
int cr_store_outbox_stats(struct cr_store *s, struct cr_store_outbox_stats *ret, struct cr_error **err);

/* ------------------------------------------------------------ notifications */

enum cr_store_note_kind {
        CR_STORE_NOTE_JOBS,               /* jobs are pending: claim */
        CR_STORE_NOTE_STATE,              /* a job changed state */
        CR_STORE_NOTE_CANCEL,             /* a running job is to be cancelled */
};

struct cr_store_note {
        enum cr_store_note_kind kind;
        char id[CR_STORE_ID_LEN + 1];     /* STATE, CANCEL */
        enum cr_job_status status;        /* STATE */
        const char *instance;             /* STATE: who runs or ran it */
};

typedef void (*cr_store_note_fn)(void *userdata, const struct cr_store_note *note);

/* PostgreSQL: LISTEN on this connection; afterwards cr_store_fd() becomes
 * readable when notifications arrive. SQLite: -EOPNOTSUPP (one process:
 * the queue wakes itself). */
int cr_store_listen(struct cr_store *s, struct cr_error **err);
int cr_store_fd(struct cr_store *s);
/* Reads what arrived and calls fn for each. */
int cr_store_notifications(struct cr_store *s, cr_store_note_fn fn, void *userdata, struct cr_error **err);

static inline void cr_store_closep(struct cr_store **s)
{
        *s = cr_store_close(*s);
}

static inline void cr_store_row_freep(struct cr_store_row **r)
{
        *r = cr_store_row_free(*r);
}
