/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by store.c and the two backends (store-sqlite.c, store-pg.c): the
 * backend table, and the column values both backends write, computed once
 * here so the two cannot disagree. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_ops {
        const char *name;
        int (*migrate)(struct cr_store *s, struct cr_error **err);
        int (*schema_version)(struct cr_store *s, unsigned *ret, struct cr_error **err);
        int (*ping)(struct cr_store *s, struct cr_error **err);
        int (*insert)(struct cr_store *s, const struct cr_store_job *j, char *ret_id, bool *ret_existing,
                      struct cr_error **err);
        int (*claim)(struct cr_store *s, const char *instance, uint64_t lease_ms, struct cr_store_claimed *ret,
                     size_t max, struct cr_error **err);
        int (*renew)(struct cr_store *s, const char *instance, uint64_t lease_ms, struct cr_error **err);
        int (*requeue)(struct cr_store *s, const char *instance, struct cr_store_requeued *ret,
                       struct cr_error **err);
        int (*list_abandoned)(struct cr_store *s, const char *instance, struct cr_store_abandoned *ret,
                              size_t max, struct cr_error **err);
        int (*finish)(struct cr_store *s, const struct cr_store_result *r, struct cr_error **err);
        int (*cancel)(struct cr_store *s, const char *id, enum cr_store_cancel_result *ret, struct cr_error **err);
        int (*get)(struct cr_store *s, const char *id, struct cr_store_row **ret, struct cr_error **err);
        int (*prune)(struct cr_store *s, uint64_t before_us, unsigned batch, struct cr_error **err);
        int (*outbox_claim)(struct cr_store *s, const char *instance, uint64_t lease_ms,
                            struct cr_store_outbox_row *ret, size_t max, struct cr_error **err);
        int (*outbox_sent)(struct cr_store *s, const uint64_t *ids, size_t n, struct cr_error **err);
        int (*outbox_retry)(struct cr_store *s, uint64_t id, uint64_t delay_ms, const char *reason,
                            struct cr_error **err);
        int (*outbox_stats)(struct cr_store *s, struct cr_store_outbox_stats *ret, struct cr_error **err);
        int (*listen)(struct cr_store *s, struct cr_error **err);
        int (*fd)(struct cr_store *s);
        int (*notifications)(struct cr_store *s, cr_store_note_fn fn, void *userdata, struct cr_error **err);
        void (*close)(struct cr_store *s);
};

/* Each backend's connection struct starts with this. */
struct cr_store {
        const struct store_ops *ops;
        enum cr_store_backend backend;
};

int store_sqlite_open(const struct cr_store_options *o, struct cr_store **ret, struct cr_error **err);
int store_pg_open(const struct cr_store_options *o, struct cr_store **ret, struct cr_error **err);

/* ------------------------------------------------------------ schema */

struct store_migration {
        unsigned version;
        const char *name;
        const char *sql;                  /* one or more statements */
};

extern const struct store_migration store_pg_migrations[];
extern const size_t store_pg_n_migrations;
extern const struct store_migration store_sqlite_migrations[];
extern const size_t store_sqlite_n_migrations;

/* The NOTIFY channels (PostgreSQL) and their payloads:
 *   coderunner_jobs     ""                        jobs are pending
 *   coderunner_events   "<status> <id> <instance>"  a job's new state
 *                       "cancel <id>"               cancel a running job */
#define STORE_CHANNEL_JOBS "coderunner_jobs"
#define STORE_CHANNEL_EVENTS "coderunner_events"
/* Parses an events payload; false when malformed (then ignored). */
bool store_parse_event(const char *payload, struct cr_store_note *ret, const char **ret_instance_end);

/* ------------------------------------------------------------ values */

#define STORE_TIME_LEN 64
/* "2025-11-27 10:11:12.123456" (UTC); with_offset appends "+00" (PostgreSQL
 * reads it as a timestamptz whatever the session's time zone). */
void store_format_time(uint64_t us, bool with_offset, char buf[static STORE_TIME_LEN]);
/* The reverse of the form without offset (SQLite rows); 0 when malformed. */
uint64_t store_parse_time(const char *s);

/* The largest text a column gets from us (1 GiB, PostgreSQL's limit). */
#define STORE_TEXT_MAX ((size_t) 1 << 30)

/* Text for a column: valid UTF-8 (invalid bytes become U+FFFD), no NUL
 * (PostgreSQL's text refuses both), at most max_chars characters (the
 * varchar(n) width; 0 = no limit). Never NULL. */
char *store_text(const char *s, size_t len, size_t max_chars);

/* executions columns of a new job. */
struct store_job_cols {
        char *solution_id, *challenge_id, *student_id, *code_version_id;
        char *language, *code, *client_ip, *user_agent, *client_key, *service;
        int total_tests;
        char created[STORE_TIME_LEN];
        /* generated_test_code, for function mode */
        bool generated;
        char generated_id[CR_STORE_ID_LEN + 1];
        char *test_code;
        int test_cases_count;
        bool has_custom_validation;
        int code_size_bytes;
        uint64_t generation_time_ms;
};

int store_job_cols_init(struct store_job_cols *c, const struct cr_store_job *j, bool time_with_offset,
                        struct cr_error **err);
void store_job_cols_done(struct store_job_cols *c);

/* executions columns of a finished job. */
struct store_result_cols {
        const char *status;
        bool success;
        char *message, *error_message, *error_type;
        char *approved_test_ids, *failed_test_ids;
        int total_tests, passed_tests;
        bool has_outcome;
        int64_t execution_time_ms;
        char memory_usage_mb[24];         /* decimal(10,2) text */
        char *compilation_error;          /* NULL when none */
        char *runtime_error;              /* NULL when none */
        char *server_instance;
        char completed[STORE_TIME_LEN];
};

void store_result_cols_init(struct store_result_cols *c, const struct cr_store_result *r, bool time_with_offset);
void store_result_cols_done(struct store_result_cols *c);

/* One execution_test_results row. */
struct store_test_cols {
        int test_index;
        char *test_id;
        bool passed;
        const char *verdict;              /* OK, WRONG_ANSWER, RUNTIME_ERROR, TIME_LIMIT, ..., NOT_RUN */
        int exit_code, signal;
        int64_t wall_ms, cpu_ms, memory_peak_bytes;
        char *error_message;              /* NULL when passed */
};

void store_test_cols_init(struct store_test_cols *c, const struct cr_store_result *r, size_t i);
void store_test_cols_done(struct store_test_cols *c);

/* The error_message of a job abandoned after its last attempt; the
 * instance that ran it last follows. */
#define STORE_ABANDONED_MESSAGE \
        "Execution failed: abandoned after 3 attempts, each time the instance running it stopped before the " \
        "job finished; last run by "
