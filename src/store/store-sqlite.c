/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "store-internal.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* The embedded backend: one SQLite file in WAL mode (readers never wait
 * for the writer), foreign keys on, a busy timeout so two connections of
 * one daemon take turns instead of failing. The only includer of
 * <sqlite3.h>. Times come from this process's clock: SQLite serves one
 * instance, so there is no other clock to agree with. */

/* Every statement text the store runs is a literal of this file, so the
 * connection keeps each one prepared for its life: parsing and planning
 * them anew for every call was a third of the daemon's SQLite time per job
 * (docs/internals/performance.md, lever 18). */
#define MAX_STATEMENTS 48

struct cached_statement {
        const char *sql;                  /* a literal: compared by content all the same */
        sqlite3_stmt *st;
};

struct sqlite_store {
        struct cr_store base;
        sqlite3 *db;
        struct cached_statement statements[MAX_STATEMENTS];
        size_t n_statements;
};

/* A statement goes back to its cache reset, its bindings (copies) freed. */
static void statement_release(sqlite3_stmt *st)
{
        (void) sqlite3_reset(st);
        (void) sqlite3_clear_bindings(st);
}
DEFINE_CLEANUP_FUNC(sqlite3_stmt *, statement_release)

#define BUSY_TIMEOUT_MS 10000

static struct sqlite_store *SQ(struct cr_store *s)
{
        return (struct sqlite_store *) s;
}

static int fail(struct sqlite_store *s, const char *what, struct cr_error **err)
{
        int code = sqlite3_errcode(s->db);
        enum cr_error_kind kind = code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
                                                  code == SQLITE_CANTOPEN ?
                                          CR_ERROR_UNAVAILABLE :
                                  code == SQLITE_FULL ? CR_ERROR_LIMIT :
                                                        CR_ERROR_INTERNAL;

        return cr_error_set(err, code == SQLITE_FULL ? ENOSPC : EIO, kind, "SQLite: %s: %s", what,
                            sqlite3_errmsg(s->db));
}

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void now_text(uint64_t offset_us, char buf[static STORE_TIME_LEN])
{
        store_format_time(now_us() + offset_us, false, buf);
}

/* ------------------------------------------------------------ statements */

/* The connection's prepared statement for sql; release it with
 * statement_release() (the cleanup of every caller). A statement still
 * being stepped is not handed out twice: no caller nests one text. */
static int prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **ret, struct cr_error **err)
{
        struct cached_statement *c;

        for (size_t i = 0; i < s->n_statements; i++) {
                c = &s->statements[i];
                if (strcmp(c->sql, sql) != 0)
                        continue;
                if (sqlite3_stmt_busy(c->st))
                        return cr_error_make(err, EBUSY, CR_ERROR_INTERNAL, "SQLite: statement in use: %s", sql);
                *ret = c->st;
                return 0;
        }
        if (s->n_statements >= MAX_STATEMENTS)
                return cr_error_make(err, E2BIG, CR_ERROR_INTERNAL, "SQLite: more than %d statements",
                                     MAX_STATEMENTS);
        c = &s->statements[s->n_statements];
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st, NULL) != SQLITE_OK)
                return fail(s, "prepare", err);
        c->sql = sql;
        s->n_statements++;
        *ret = c->st;
        return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
        if (v)
                (void) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
        else
                (void) sqlite3_bind_null(st, i);
}

static void bind_blob(sqlite3_stmt *st, int i, const void *v, size_t n)
{
        if (v)
                (void) sqlite3_bind_blob64(st, i, v, n, SQLITE_TRANSIENT);
        else
                (void) sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows. */
static int step_done(struct sqlite_store *s, sqlite3_stmt *st, const char *what, struct cr_error **err)
{
        return sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, what, err);
}

static int exec(struct sqlite_store *s, const char *sql, struct cr_error **err)
{
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
                return fail(s, sql, err);
        return 0;
}

/* A cached statement that returns no rows. */
static int run(struct sqlite_store *s, const char *sql, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st, err);

        return r < 0 ? r : step_done(s, st, sql, err);
}

/* Write transactions take the write lock at BEGIN, so they never fail
 * half-way on a lock upgrade. */
static int begin(struct sqlite_store *s, struct cr_error **err)
{
        return run(s, "BEGIN IMMEDIATE", err);
}

static int commit_or_rollback(struct sqlite_store *s, int r, struct cr_error **err)
{
        if (r >= 0)
                return run(s, "COMMIT", err);
        (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
}

static char *column_text(sqlite3_stmt *st, int i)
{
        const unsigned char *t = sqlite3_column_text(st, i);

        return xstrdup(t ? (const char *) t : "");
}

static uint8_t *column_blob(sqlite3_stmt *st, int i, size_t *ret_len)
{
        const void *b = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        uint8_t *copy;

        *ret_len = 0;
        if (!b || sqlite3_column_type(st, i) == SQLITE_NULL)
                return NULL;
        copy = xmalloc((size_t) n + 1);
        memcpy(copy, b, (size_t) n);
        *ret_len = (size_t) n;
        return copy;
}

/* ------------------------------------------------------------ schema */

static int applied_version(struct sqlite_store *s, unsigned *ret, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st, err);

        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail(s, "read schema_migrations", err);
        *ret = (unsigned) sqlite3_column_int(st, 0);
        return 0;
}

static int record_migration(struct sqlite_store *s, const struct store_migration *m, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        char now[STORE_TIME_LEN];
        int r = prepare(s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", &st, err);

        if (r < 0)
                return r;
        now_text(0, now);
        (void) sqlite3_bind_int(st, 1, (int) m->version);
        bind_text(st, 2, m->name);
        bind_text(st, 3, now);
        return step_done(s, st, "record migration", err);
}

/* One migration, in its own transaction; re-checked under the write lock
 * so a second daemon starting at the same time skips what the first did. */
static int apply_migration(struct sqlite_store *s, const struct store_migration *m, struct cr_error **err)
{
        unsigned version = 0;
        int r = begin(s, err);

        if (r < 0)
                return r;
        r = applied_version(s, &version, err);
        if (r >= 0 && version >= m->version)
                return commit_or_rollback(s, 0, err);
        if (r >= 0 && sqlite3_exec(s->db, m->sql, NULL, NULL, NULL) != SQLITE_OK)
                r = fail(s, m->name, err);
        if (r >= 0)
                r = record_migration(s, m, err);
        r = commit_or_rollback(s, r, err);
        return r < 0 ? r : 1;
}

static int sqlite_migrate(struct cr_store *base, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        int r, n = 0;

        r = exec(s,
                 "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL)",
                 err);
        for (size_t i = 0; r >= 0 && i < store_sqlite_n_migrations; i++) {
                r = apply_migration(s, &store_sqlite_migrations[i], err);
                if (r > 0)
                        n++;
        }
        if (r < 0)
                return cr_error_wrap(err, "schema migration");
        return n;
}

static int sqlite_schema_version(struct cr_store *base, unsigned *ret, struct cr_error **err)
{
        return applied_version(SQ(base), ret, err);
}

static int sqlite_ping(struct cr_store *base, struct cr_error **err)
{
        return exec(SQ(base), "SELECT 1", err);
}

/* ------------------------------------------------------------ insert */

static int find_by_key(struct sqlite_store *s, const char *key, char *ret_id, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT id FROM executions WHERE client_key = ?", &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, key);
        r = sqlite3_step(st);
        if (r == SQLITE_DONE)
                return 0;
        if (r != SQLITE_ROW)
                return fail(s, "find client key", err);
        snprintf(ret_id, CR_STORE_ID_LEN + 1, "%s", (const char *) sqlite3_column_text(st, 0));
        return 1;
}

static int insert_execution(struct sqlite_store *s, const struct cr_store_job *j, const struct store_job_cols *c,
                            struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s,
                        "INSERT INTO executions (id, created_at, updated_at, solution_id, challenge_id, student_id,"
                        " language, status, code, total_tests, client_ip, user_agent, code_version_id, service,"
                        " client_key, job_spec)"
                        " VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                        &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, j->id);
        bind_text(st, 2, c->created);
        bind_text(st, 3, c->solution_id);
        bind_text(st, 4, c->challenge_id);
        bind_text(st, 5, c->student_id);
        bind_text(st, 6, c->language);
        bind_text(st, 7, c->code);
        (void) sqlite3_bind_int(st, 8, c->total_tests);
        bind_text(st, 9, c->client_ip);
        bind_text(st, 10, c->user_agent);
        bind_text(st, 11, c->code_version_id);
        bind_text(st, 12, c->service);
        bind_text(st, 13, c->client_key);
        bind_blob(st, 14, j->spec_bytes, j->spec_len);
        return step_done(s, st, "insert execution", err);
}

static int insert_generated(struct sqlite_store *s, const struct cr_store_job *j, const struct store_job_cols *c,
                            struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s,
                        "INSERT INTO generated_test_code (id, created_at, updated_at, execution_id, language,"
                        " generator_type, test_code, challenge_id, test_cases_count, has_custom_validation,"
                        " generation_time_ms, code_size_bytes)"
                        " VALUES (?1, ?2, ?2, ?3, ?4, 'cpp_template', ?5, ?6, ?7, ?8, ?9, ?10)",
                        &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, c->generated_id);
        bind_text(st, 2, c->created);
        bind_text(st, 3, j->id);
        bind_text(st, 4, c->language);
        bind_text(st, 5, c->test_code);
        /* the original's quirk: this challenge_id holds the code version id */
        bind_text(st, 6, c->code_version_id);
        (void) sqlite3_bind_int(st, 7, c->test_cases_count);
        (void) sqlite3_bind_int(st, 8, c->has_custom_validation);
        (void) sqlite3_bind_int64(st, 9, (sqlite3_int64) c->generation_time_ms);
        (void) sqlite3_bind_int(st, 10, c->code_size_bytes);
        return step_done(s, st, "insert generated_test_code", err);
}

static int sqlite_insert(struct cr_store *base, const struct cr_store_job *j, char *ret_id, bool *ret_existing,
                         struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        struct store_job_cols c;
        int r = store_job_cols_init(&c, j, false, err);

        if (r >= 0)
                r = begin(s, err);
        if (r < 0) {
                store_job_cols_done(&c);
                return r;
        }
        r = c.client_key ? find_by_key(s, c.client_key, ret_id, err) : 0;
        *ret_existing = r > 0;
        if (r == 0) {
                snprintf(ret_id, CR_STORE_ID_LEN + 1, "%s", j->id);
                r = insert_execution(s, j, &c, err);
                if (r >= 0 && c.generated)
                        r = insert_generated(s, j, &c, err);
        }
        r = commit_or_rollback(s, r, err);
        store_job_cols_done(&c);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ queue */

static int claim_one(struct sqlite_store *s, sqlite3_stmt *sel, const char *instance, const char *now,
                     const char *expires, struct cr_store_claimed *c, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *up = NULL;
        int r;

        snprintf(c->id, sizeof(c->id), "%s", (const char *) sqlite3_column_text(sel, 0));
        c->spec = column_blob(sel, 1, &c->spec_len);
        c->created_us = store_parse_time((const char *) sqlite3_column_text(sel, 2));
        c->attempts = (unsigned) sqlite3_column_int(sel, 3) + 1;
        c->started_us = store_parse_time(now);
        r = prepare(s,
                    "UPDATE executions SET status = 'running', lease_owner = ?1, server_instance = ?1,"
                    " lease_expires_at = ?2, attempts = attempts + 1, started_at = ?3, updated_at = ?3"
                    " WHERE id = ?4",
                    &up, err);
        if (r < 0)
                return r;
        bind_text(up, 1, instance);
        bind_text(up, 2, expires);
        bind_text(up, 3, now);
        bind_text(up, 4, c->id);
        return step_done(s, up, "claim", err);
}

static int claim_locked(struct sqlite_store *s, const char *instance, uint64_t lease_ms,
                        struct cr_store_claimed *ret, size_t max, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *sel = NULL;
        char now[STORE_TIME_LEN], expires[STORE_TIME_LEN];
        size_t n = 0;
        int r;

        r = prepare(s,
                    "SELECT id, job_spec, created_at, attempts FROM executions"
                    " WHERE status = 'pending' AND job_spec IS NOT NULL AND deleted_at IS NULL"
                    " ORDER BY created_at LIMIT ?",
                    &sel, err);
        if (r < 0)
                return r;
        (void) sqlite3_bind_int64(sel, 1, (sqlite3_int64) max);
        now_text(0, now);
        now_text(lease_ms * 1000u, expires);
        while (r >= 0 && n < max) {
                int step = sqlite3_step(sel);
                if (step == SQLITE_DONE)
                        break;
                if (step != SQLITE_ROW) {
                        r = fail(s, "claim", err);
                        break;
                }
                ret[n] = (struct cr_store_claimed) {};
                r = claim_one(s, sel, instance, now, expires, &ret[n], err);
                n++;
        }
        if (r < 0)
                for (size_t i = 0; i < n; i++)
                        cr_store_claimed_done(&ret[i]);
        return r < 0 ? r : (int) n;
}

static int sqlite_claim(struct cr_store *base, const char *instance, uint64_t lease_ms, struct cr_store_claimed *ret,
                        size_t max, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        int r = begin(s, err), n;

        if (r < 0)
                return r;
        n = claim_locked(s, instance, lease_ms, ret, max, err);
        r = commit_or_rollback(s, n, err);
        if (r < 0 && n > 0)
                for (int i = 0; i < n; i++)
                        cr_store_claimed_done(&ret[i]);
        return r < 0 ? r : n;
}

static int sqlite_renew(struct cr_store *base, const char *instance, uint64_t lease_ms, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        char expires[STORE_TIME_LEN];
        int r = prepare(s, "UPDATE executions SET lease_expires_at = ? WHERE status = 'running' AND lease_owner = ?",
                        &st, err);

        if (r < 0)
                return r;
        now_text(lease_ms * 1000u, expires);
        bind_text(st, 1, expires);
        bind_text(st, 2, instance);
        return step_done(s, st, "renew leases", err);
}

/* The rows a requeue looks at: this instance's, or every expired lease. */
#define REQUEUE_WHERE " WHERE status = 'running' AND (?1 IS NULL AND lease_expires_at < ?2 OR lease_owner = ?1)"

static int requeue_step(struct sqlite_store *s, const char *sql, const char *instance, const char *now,
                        unsigned *ret, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, instance);
        bind_text(st, 2, now);
        bind_text(st, 3, STORE_ABANDONED_MESSAGE);
        r = step_done(s, st, "requeue", err);
        if (r >= 0)
                *ret = (unsigned) sqlite3_changes(s->db);
        return r;
}

static int sqlite_requeue(struct cr_store *base, const char *instance, struct cr_store_requeued *ret,
                          struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        char now[STORE_TIME_LEN];
        int r = begin(s, err);

        if (r < 0)
                return r;
        now_text(0, now);
        r = requeue_step(s,
                         "UPDATE executions SET status = 'failed', success = 0,"
                         " message = ?3 || COALESCE(lease_owner, '?'), error_message = ?3 || COALESCE(lease_owner, '?'),"
                         " error_type = 'internal_error', completed_at = ?2, updated_at = ?2, lease_owner = NULL,"
                         " lease_expires_at = NULL" REQUEUE_WHERE " AND attempts >= 3",
                         instance, now, &ret->failed, err);
        if (r >= 0)
                r = requeue_step(s,
                                 "UPDATE executions SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,"
                                 " started_at = NULL, updated_at = ?2, server_instance = NULL" REQUEUE_WHERE
                                 " AND attempts < 3",
                                 instance, now, &ret->requeued, err);
        return commit_or_rollback(s, r, err);
}

static int sqlite_list_abandoned(struct cr_store *base, const char *instance, struct cr_store_abandoned *ret,
                                 size_t max, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        char now[STORE_TIME_LEN];
        size_t n = 0;
        int r;

        r = prepare(s, "SELECT id, job_spec, created_at, COALESCE(lease_owner, '') FROM executions" REQUEUE_WHERE
                       " AND attempts >= 3 ORDER BY created_at LIMIT ?3", &st, err);
        if (r < 0)
                return r;
        now_text(0, now);
        bind_text(st, 1, instance);
        bind_text(st, 2, now);
        (void) sqlite3_bind_int64(st, 3, (sqlite3_int64) max);
        while (n < max) {
                int step = sqlite3_step(st);
                if (step == SQLITE_DONE)
                        break;
                if (step != SQLITE_ROW)
                        return fail(s, "list abandoned jobs", err);
                ret[n] = (struct cr_store_abandoned) {};
                snprintf(ret[n].id, sizeof(ret[n].id), "%s", (const char *) sqlite3_column_text(st, 0));
                ret[n].spec = column_blob(st, 1, &ret[n].spec_len);
                ret[n].created_us = store_parse_time((const char *) sqlite3_column_text(st, 2));
                ret[n].owner = column_text(st, 3);
                n++;
        }
        return (int) n;
}

/* ------------------------------------------------------------ finish */

static int update_result(struct sqlite_store *s, const struct cr_store_result *res, const struct store_result_cols *c,
                         struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s,
                        "UPDATE executions SET status = ?2, success = ?3, message = ?4, error_message = ?5,"
                        " error_type = ?6, approved_test_ids = ?7, failed_test_ids = ?8, total_tests = ?9,"
                        " passed_tests = ?10, execution_time_ms = ?11, memory_usage_mb = ?12,"
                        " compilation_error = ?13, runtime_error = ?14, server_instance = ?15, outcome = ?16,"
                        " completed_at = ?17, updated_at = ?17, lease_owner = NULL, lease_expires_at = NULL"
                        " WHERE id = ?1 AND status = 'running' AND lease_owner = ?15",
                        &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, res->id);
        bind_text(st, 2, c->status);
        (void) sqlite3_bind_int(st, 3, c->success);
        bind_text(st, 4, c->message);
        bind_text(st, 5, c->error_message);
        bind_text(st, 6, c->error_type);
        bind_text(st, 7, c->approved_test_ids);
        bind_text(st, 8, c->failed_test_ids);
        (void) sqlite3_bind_int(st, 9, c->total_tests);
        (void) sqlite3_bind_int(st, 10, c->passed_tests);
        if (c->has_outcome)
                (void) sqlite3_bind_int64(st, 11, c->execution_time_ms);
        (void) sqlite3_bind_double(st, 12, strtod(c->memory_usage_mb, NULL));
        bind_text(st, 13, c->compilation_error);
        bind_text(st, 14, c->runtime_error);
        bind_text(st, 15, c->server_instance);
        bind_blob(st, 16, res->outcome_bytes, res->outcome_len);
        bind_text(st, 17, c->completed);
        r = step_done(s, st, "store result", err);
        if (r >= 0 && sqlite3_changes(s->db) == 0)
                return cr_error_make(err, ESTALE, CR_ERROR_NOT_FOUND, "execution %s is no longer ours", res->id);
        return r;
}

static int insert_test(struct sqlite_store *s, sqlite3_stmt *st, const char *id, const struct store_test_cols *t,
                       struct cr_error **err)
{
        (void) sqlite3_reset(st);
        bind_text(st, 1, id);
        (void) sqlite3_bind_int(st, 2, t->test_index);
        bind_text(st, 3, t->test_id);
        (void) sqlite3_bind_int(st, 4, t->passed);
        bind_text(st, 5, t->verdict);
        (void) sqlite3_bind_int(st, 6, t->exit_code);
        (void) sqlite3_bind_int(st, 7, t->signal);
        (void) sqlite3_bind_int64(st, 8, t->wall_ms);
        (void) sqlite3_bind_int64(st, 9, t->cpu_ms);
        (void) sqlite3_bind_int64(st, 10, t->memory_peak_bytes);
        bind_text(st, 11, t->error_message);
        return step_done(s, st, "store test result", err);
}

static int insert_tests(struct sqlite_store *s, const struct cr_store_result *res, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s,
                        "INSERT INTO execution_test_results (execution_id, test_index, test_id, passed, verdict,"
                        " exit_code, signal, wall_ms, cpu_ms, memory_peak_bytes, error_message)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        &st, err);

        for (size_t i = 0; r >= 0 && i < res->outcome->n_tests; i++) {
                struct store_test_cols t;
                store_test_cols_init(&t, res, i);
                r = insert_test(s, st, res->id, &t, err);
                store_test_cols_done(&t);
        }
        return r;
}

static int insert_event(struct sqlite_store *s, const struct cr_store_event *e, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        _cleanup_free_ char *payload = store_text(e->payload, e->payload_len, 0);
        int r = prepare(s, "INSERT INTO outbox (event_key, topic, event_type, payload) VALUES (?, ?, ?, ?)", &st,
                        err);

        if (r < 0)
                return r;
        bind_text(st, 1, e->key);
        bind_text(st, 2, e->topic);
        bind_text(st, 3, e->type);
        bind_text(st, 4, payload);
        return step_done(s, st, "store event", err);
}

static int sqlite_finish(struct cr_store *base, const struct cr_store_result *res, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        struct store_result_cols c;
        int r = begin(s, err);

        if (r < 0)
                return r;
        store_result_cols_init(&c, res, false);
        r = update_result(s, res, &c, err);
        if (r >= 0 && res->outcome)
                r = insert_tests(s, res, err);
        for (size_t i = 0; r >= 0 && i < res->n_events; i++)
                r = insert_event(s, &res->events[i], err);
        store_result_cols_done(&c);
        return commit_or_rollback(s, r, err);
}

/* ------------------------------------------------------------ cancel, get */

static int read_status(struct sqlite_store *s, const char *id, enum cr_job_status *ret, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT status FROM executions WHERE id = ? AND deleted_at IS NULL", &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, id);
        r = sqlite3_step(st);
        if (r == SQLITE_DONE)
                return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "no execution %s", id);
        if (r != SQLITE_ROW)
                return fail(s, "read status", err);
        *ret = cr_job_status_from_string((const char *) sqlite3_column_text(st, 0));
        return 0;
}

static int sqlite_cancel(struct cr_store *base, const char *id, enum cr_store_cancel_result *ret,
                         struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        enum cr_job_status status = _CR_JOB_STATUS_INVALID;
        char now[STORE_TIME_LEN];
        int r = prepare(s,
                        "UPDATE executions SET status = 'cancelled', message = 'Execution cancelled',"
                        " error_message = 'Execution cancelled', error_type = 'cancelled', completed_at = ?2,"
                        " updated_at = ?2 WHERE id = ?1 AND status = 'pending'",
                        &st, err);

        if (r < 0)
                return r;
        now_text(0, now);
        bind_text(st, 1, id);
        bind_text(st, 2, now);
        r = step_done(s, st, "cancel", err);
        if (r < 0)
                return r;
        if (sqlite3_changes(s->db) > 0) {
                *ret = CR_STORE_CANCELLED;
                return 0;
        }
        r = read_status(s, id, &status, err);
        if (r >= 0)
                *ret = cr_job_status_is_final(status) ? CR_STORE_ALREADY_FINAL : CR_STORE_CANCEL_REQUESTED;
        return r;
}

static struct cr_store_row *row_from(sqlite3_stmt *st)
{
        struct cr_store_row *row = xzalloc(sizeof(*row));

        snprintf(row->id, sizeof(row->id), "%s", (const char *) sqlite3_column_text(st, 0));
        row->status = cr_job_status_from_string((const char *) sqlite3_column_text(st, 1));
        row->spec = column_blob(st, 2, &row->spec_len);
        row->outcome = column_blob(st, 3, &row->outcome_len);
        row->server_instance = column_text(st, 4);
        row->error_message = column_text(st, 5);
        row->message = column_text(st, 6);
        row->approved_test_ids = column_text(st, 7);
        row->success = sqlite3_column_int(st, 8) != 0;
        row->total_tests = sqlite3_column_int(st, 9);
        row->passed_tests = sqlite3_column_int(st, 10);
        row->created_us = store_parse_time((const char *) sqlite3_column_text(st, 11));
        row->started_us = store_parse_time((const char *) sqlite3_column_text(st, 12));
        row->completed_us = store_parse_time((const char *) sqlite3_column_text(st, 13));
        row->attempts = (unsigned) sqlite3_column_int(st, 14);
        return row;
}

static int sqlite_get(struct cr_store *base, const char *id, struct cr_store_row **ret, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s,
                        "SELECT id, status, job_spec, outcome, server_instance, error_message, message,"
                        " approved_test_ids, success, total_tests, passed_tests, created_at, started_at,"
                        " completed_at, attempts FROM executions WHERE lower(id) = lower(?) AND deleted_at IS NULL",
                        &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, id);
        r = sqlite3_step(st);
        if (r == SQLITE_DONE)
                return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "no execution %s", id);
        if (r != SQLITE_ROW)
                return fail(s, "read execution", err);
        *ret = row_from(st);
        return 0;
}

/* ------------------------------------------------------------ retention */

static int prune_step(struct sqlite_store *s, const char *sql, const char *before, unsigned batch, int *ret,
                      struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st, err);

        if (r < 0)
                return r;
        bind_text(st, 1, before);
        (void) sqlite3_bind_int(st, 2, (int) batch);
        r = step_done(s, st, "prune", err);
        if (r >= 0 && ret)
                *ret = sqlite3_changes(s->db);
        return r;
}

static int sqlite_prune(struct cr_store *base, uint64_t before_us, unsigned batch, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        char before[STORE_TIME_LEN];
        int r, n = 0;

        store_format_time(before_us, false, before);
        r = begin(s, err);
        if (r >= 0)
                r = prune_step(s,
                               "DELETE FROM executions WHERE id IN (SELECT id FROM executions"
                               " WHERE status IN ('completed', 'failed', 'timed_out', 'cancelled')"
                               " AND COALESCE(completed_at, updated_at, created_at) < ?1 LIMIT ?2)",
                               before, batch, &n, err);
        if (r >= 0)
                r = prune_step(s,
                               "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
                               " WHERE sent_at IS NOT NULL AND sent_at < ?1 LIMIT ?2)",
                               before, batch, NULL, err);
        r = commit_or_rollback(s, r, err);
        return r < 0 ? r : n;
}

/* ------------------------------------------------------------ outbox */

/* Due, not leased by another instance, and the oldest unsent row of its
 * (topic, key): the rows of one key go out in order. */
static const char outbox_claimable_sql[] =
        "SELECT id, topic, event_key, payload, created_at, attempts FROM outbox o"
        " WHERE sent_at IS NULL AND next_attempt_at <= ?2"
        " AND (claimed_until IS NULL OR claimed_until < ?2 OR claimed_by = ?1)"
        " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.sent_at IS NULL AND p.topic = o.topic"
        "  AND p.event_key = o.event_key AND p.id < o.id)"
        " ORDER BY id LIMIT ?3";

static void outbox_row_from(sqlite3_stmt *st, struct cr_store_outbox_row *row)
{
        row->id = (uint64_t) sqlite3_column_int64(st, 0);
        row->topic = column_text(st, 1);
        row->event_key = column_text(st, 2);
        row->payload = column_text(st, 3);
        row->payload_len = strlen(row->payload);
        row->created_us = store_parse_time((const char *) sqlite3_column_text(st, 4));
        row->attempts = (unsigned) sqlite3_column_int(st, 5);
}

static int outbox_select(struct sqlite_store *s, const char *instance, const char *now,
                         struct cr_store_outbox_row *ret, size_t max, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        size_t n = 0;
        int r = prepare(s, outbox_claimable_sql, &st, err), step = SQLITE_DONE;

        if (r < 0)
                return r;
        bind_text(st, 1, instance);
        bind_text(st, 2, now);
        (void) sqlite3_bind_int64(st, 3, (sqlite3_int64) max);
        while (n < max && (step = sqlite3_step(st)) == SQLITE_ROW)
                outbox_row_from(st, &ret[n++]);
        if (n < max && step != SQLITE_DONE) {
                for (size_t i = 0; i < n; i++)
                        cr_store_outbox_row_done(&ret[i]);
                return fail(s, "read the outbox", err);
        }
        return (int) n;
}

static int outbox_lease(struct sqlite_store *s, const char *instance, const char *until,
                        const struct cr_store_outbox_row *rows, int n, struct cr_error **err)
{
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "UPDATE outbox SET claimed_by = ?1, claimed_until = ?2 WHERE id = ?3", &st, err);

        for (int i = 0; r >= 0 && i < n; i++) {
                (void) sqlite3_reset(st);
                bind_text(st, 1, instance);
                bind_text(st, 2, until);
                (void) sqlite3_bind_int64(st, 3, (sqlite3_int64) rows[i].id);
                r = step_done(s, st, "claim events", err);
        }
        return r;
}

static int sqlite_outbox_claim(struct cr_store *base, const char *instance, uint64_t lease_ms,
                               struct cr_store_outbox_row *ret, size_t max, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        char now[STORE_TIME_LEN], until[STORE_TIME_LEN];
        int r = begin(s, err), n;

        if (r < 0)
                return r;
        now_text(0, now);
        now_text(lease_ms * 1000u, until);
        n = outbox_select(s, instance, now, ret, max, err);
        r = n < 0 ? n : outbox_lease(s, instance, until, ret, n, err);
        r = commit_or_rollback(s, r, err);
        if (r < 0)
                for (int i = 0; i < n; i++)
                        cr_store_outbox_row_done(&ret[i]);
        return r < 0 ? r : n;
}

static int sqlite_outbox_sent(struct cr_store *base, const uint64_t *ids, size_t n, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        char now[STORE_TIME_LEN];
        int r = begin(s, err);

        if (r >= 0)
                r = prepare(s, "UPDATE outbox SET sent_at = ?1, claimed_by = NULL, claimed_until = NULL WHERE id = ?2",
                            &st, err);
        now_text(0, now);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                (void) sqlite3_reset(st);
                bind_text(st, 1, now);
                (void) sqlite3_bind_int64(st, 2, (sqlite3_int64) ids[i]);
                r = step_done(s, st, "mark events sent", err);
        }
        return commit_or_rollback(s, r, err);
}

static int sqlite_outbox_retry(struct cr_store *base, uint64_t id, uint64_t delay_ms, const char *reason,
                               struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        _cleanup_free_ char *why = store_text(reason, strlen(reason ? reason : ""), 1000);
        char next[STORE_TIME_LEN];
        int r = prepare(s,
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,"
                        " claimed_by = NULL, claimed_until = NULL WHERE id = ?1 AND sent_at IS NULL",
                        &st, err);

        if (r < 0)
                return r;
        now_text(delay_ms * 1000u, next);
        (void) sqlite3_bind_int64(st, 1, (sqlite3_int64) id);
        bind_text(st, 2, why);
        bind_text(st, 3, next);
        return step_done(s, st, "schedule an event again", err);
}

static int sqlite_outbox_stats(struct cr_store *base, struct cr_store_outbox_stats *ret, struct cr_error **err)
{
        struct sqlite_store *s = SQ(base);
        _cleanup_(statement_releasep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL", &st, err);

        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail(s, "count the outbox", err);
        ret->unsent = (uint64_t) sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
                ret->oldest_created_us = store_parse_time((const char *) sqlite3_column_text(st, 1));
        return 0;
}

/* ------------------------------------------------------------ open */

static void sqlite_close(struct cr_store *base)
{
        struct sqlite_store *s = SQ(base);

        for (size_t i = 0; i < s->n_statements; i++)
                (void) sqlite3_finalize(s->statements[i].st);
        (void) sqlite3_close_v2(s->db);
        free(s);
}

static const struct store_ops sqlite_ops = {
        .name = "SQLite",
        .migrate = sqlite_migrate,
        .schema_version = sqlite_schema_version,
        .ping = sqlite_ping,
        .insert = sqlite_insert,
        .claim = sqlite_claim,
        .renew = sqlite_renew,
        .requeue = sqlite_requeue,
        .list_abandoned = sqlite_list_abandoned,
        .finish = sqlite_finish,
        .cancel = sqlite_cancel,
        .get = sqlite_get,
        .prune = sqlite_prune,
        .outbox_claim = sqlite_outbox_claim,
        .outbox_sent = sqlite_outbox_sent,
        .outbox_retry = sqlite_outbox_retry,
        .outbox_stats = sqlite_outbox_stats,
        .close = sqlite_close,
};

int store_sqlite_open(const struct cr_store_options *o, struct cr_store **ret, struct cr_error **err)
{
        struct sqlite_store *s = xzalloc(sizeof(*s));
        int r;

        s->base.ops = &sqlite_ops;
        s->base.backend = CR_STORE_SQLITE;
        if (sqlite3_open_v2(o->sqlite_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
                r = cr_error_make(err, EIO, CR_ERROR_UNAVAILABLE, "SQLite: open %s: %s", o->sqlite_path,
                                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
                sqlite_close(&s->base);
                return r;
        }
        (void) sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        /* WAL: readers do not block the writer; NORMAL: a commit survives a
         * crash of the process (kill -9), fsync at checkpoints */
        r = exec(s, "PRAGMA journal_mode = WAL", err);
        if (r >= 0)
                r = exec(s, "PRAGMA synchronous = NORMAL", err);
        if (r >= 0)
                r = exec(s, "PRAGMA foreign_keys = ON", err);
        if (r < 0) {
                sqlite_close(&s->base);
                return r;
        }
        *ret = &s->base;
        return 0;
}
