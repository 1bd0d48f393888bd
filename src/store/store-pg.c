/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "store-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "dlfcn-util.h"
#include "error.h"
#include "xalloc.h"

#define LIBPQ_SONAME "libpq.so.5"

static CR_DLSYM_FUNCTION(PQclear);
static CR_DLSYM_FUNCTION(PQconnectdbParams);
static CR_DLSYM_FUNCTION(PQconsumeInput);
static CR_DLSYM_FUNCTION(PQerrorMessage);
static CR_DLSYM_FUNCTION(PQexec);
static CR_DLSYM_FUNCTION(PQexecParams);
static CR_DLSYM_FUNCTION(PQfinish);
static CR_DLSYM_FUNCTION(PQfreemem);
static CR_DLSYM_FUNCTION(PQgetisnull);
static CR_DLSYM_FUNCTION(PQgetvalue);
static CR_DLSYM_FUNCTION(PQnotifies);
static CR_DLSYM_FUNCTION(PQntuples);
static CR_DLSYM_FUNCTION(PQresultErrorField);
static CR_DLSYM_FUNCTION(PQresultErrorMessage);
static CR_DLSYM_FUNCTION(PQresultStatus);
static CR_DLSYM_FUNCTION(PQsocket);
static CR_DLSYM_FUNCTION(PQstatus);
static CR_DLSYM_FUNCTION(PQunescapeBytea);

/* Loaded on first use (like libcrypto in src/image/digest.c): a daemon that
 * does not use it does not map it and the libraries it pulls in. */
static int dlopen_libpq(struct cr_error **err)
{
        static const struct cr_dlsym symbols[] = {
                CR_DLSYM_ARG(PQclear),
                CR_DLSYM_ARG(PQconnectdbParams),
                CR_DLSYM_ARG(PQconsumeInput),
                CR_DLSYM_ARG(PQerrorMessage),
                CR_DLSYM_ARG(PQexec),
                CR_DLSYM_ARG(PQexecParams),
                CR_DLSYM_ARG(PQfinish),
                CR_DLSYM_ARG(PQfreemem),
                CR_DLSYM_ARG(PQgetisnull),
                CR_DLSYM_ARG(PQgetvalue),
                CR_DLSYM_ARG(PQnotifies),
                CR_DLSYM_ARG(PQntuples),
                CR_DLSYM_ARG(PQresultErrorField),
                CR_DLSYM_ARG(PQresultErrorMessage),
                CR_DLSYM_ARG(PQresultStatus),
                CR_DLSYM_ARG(PQsocket),
                CR_DLSYM_ARG(PQstatus),
                CR_DLSYM_ARG(PQunescapeBytea),
        };
        static bool loaded;
        int r;

        if (loaded)
                return 0;
        r = cr_dlopen_many(LIBPQ_SONAME, symbols, ARRAY_SIZE(symbols), NULL, err);
        loaded = r >= 0;
        return r;
}

/* The PostgreSQL backend, the only includer of <libpq-fe.h>.
 *
 * - The connection is built from separate keyword/value pairs
 *   (PQconnectdbParams), never from a string: a password with a space, a
 *   quote or a backslash is just a value (the original's DSN broke on a
 *   space). libpq's messages never contain the password.
 * - Every statement is parameterised (PQexecParams); values are never
 *   spliced into SQL.
 * - Hot operations are ONE statement each (data-modifying CTEs): one round
 *   trip, and atomic without BEGIN/COMMIT.
 * - Queue times use the server's clock (now()), so instances whose clocks
 *   differ still agree on when a lease expires. */

struct pg_store {
        struct cr_store base;
        PGconn *conn;
};

DEFINE_CLEANUP_FUNC(PGresult *, sym_PQclear)

/* Two instances starting together apply the migrations one at a time. */
#define MIGRATION_LOCK_KEY "7352001"
#define MAX_PARAMS 32

static struct pg_store *PG(struct cr_store *s)
{
        return (struct pg_store *) s;
}

/* Broken connections, shutdowns and serialization failures are worth a
 * retry (after a reconnect): UNAVAILABLE; anything else is INTERNAL. */
static enum cr_error_kind classify(const struct pg_store *s, const PGresult *res)
{
        const char *state = res ? sym_PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

        if (sym_PQstatus(s->conn) != CONNECTION_OK || !state)
                return CR_ERROR_UNAVAILABLE;
        if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 || strcmp(state, "40001") == 0 ||
            strcmp(state, "40P01") == 0 || strcmp(state, "53300") == 0)
                return CR_ERROR_UNAVAILABLE;
        if (strcmp(state, "53100") == 0)
                return CR_ERROR_LIMIT;
        return CR_ERROR_INTERNAL;
}

static int fail(struct pg_store *s, const PGresult *res, const char *what, struct cr_error **err)
{
        const char *msg = res ? sym_PQresultErrorMessage(res) : sym_PQerrorMessage(s->conn);
        size_t n = strlen(msg ? msg : "");

        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                n--;
        return cr_error_make(err, EIO, classify(s, res), "PostgreSQL: %s: %.*s", what, (int) n, msg ? msg : "");
}

/* ------------------------------------------------------------ statements */

struct params {
        const char *values[MAX_PARAMS];
        int lengths[MAX_PARAMS];
        int formats[MAX_PARAMS];
        int n;
        char numbers[MAX_PARAMS][24];
};

static void p_text(struct params *p, const char *v)
{
        p->values[p->n] = v;
        p->lengths[p->n] = 0;
        p->formats[p->n] = 0;
        p->n++;
}

static void p_int(struct params *p, int64_t v)
{
        snprintf(p->numbers[p->n], sizeof(p->numbers[p->n]), "%" PRId64, v);
        p_text(p, p->numbers[p->n]);
}

static void p_bool(struct params *p, bool v)
{
        p_text(p, v ? "t" : "f");
}

static void p_blob(struct params *p, const void *v, size_t n)
{
        p->values[p->n] = v;
        p->lengths[p->n] = (int) n;
        p->formats[p->n] = v ? 1 : 0;
        p->n++;
}

/* Runs one statement; *ret holds the result when it returned rows. */
static int run(struct pg_store *s, const char *sql, const struct params *p, PGresult **ret, struct cr_error **err)
{
        PGresult *res = sym_PQexecParams(s->conn, sql, p ? p->n : 0, NULL, p ? p->values : NULL, p ? p->lengths : NULL,
                                     p ? p->formats : NULL, 0);
        ExecStatusType st = res ? sym_PQresultStatus(res) : PGRES_FATAL_ERROR;

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                int r = fail(s, res, "query", err);
                sym_PQclear(res);
                return r;
        }
        if (ret)
                *ret = res;
        else
                sym_PQclear(res);
        return 0;
}

static int exec(struct pg_store *s, const char *sql, struct cr_error **err)
{
        PGresult *res = sym_PQexec(s->conn, sql);
        ExecStatusType st = res ? sym_PQresultStatus(res) : PGRES_FATAL_ERROR;
        int r = 0;

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                r = fail(s, res, "query", err);
        sym_PQclear(res);
        return r;
}

static char *value(const PGresult *res, int row, int col)
{
        return xstrdup(sym_PQgetisnull(res, row, col) ? "" : sym_PQgetvalue(res, row, col));
}

static int64_t int_value(const PGresult *res, int row, int col)
{
        const char *v = sym_PQgetisnull(res, row, col) ? "0" : sym_PQgetvalue(res, row, col);

        return strtoll(v, NULL, 10);
}

static uint8_t *bytea_value(const PGresult *res, int row, int col, size_t *ret_len)
{
        unsigned char *raw;
        uint8_t *copy;
        size_t n = 0;

        *ret_len = 0;
        if (sym_PQgetisnull(res, row, col))
                return NULL;
        raw = sym_PQunescapeBytea((const unsigned char *) sym_PQgetvalue(res, row, col), &n);
        if (!raw)
                return NULL;
        copy = xmalloc(n + 1);
        memcpy(copy, raw, n);
        sym_PQfreemem(raw);
        *ret_len = n;
        return copy;
}

/* An epoch in µs, exact (extract returns numeric). */
#define EPOCH_US(col) "COALESCE((extract(epoch FROM " col ") * 1000000)::bigint, 0)"
#define LEASE(param) "now() + " param "::float8 * interval '1 millisecond'"

/* ------------------------------------------------------------ schema */

static int migration_applied(struct pg_store *s, unsigned version, bool *ret, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r;

        p_int(&p, version);
        r = run(s, "SELECT 1 FROM schema_migrations WHERE version = $1", &p, &res, err);
        if (r >= 0)
                *ret = sym_PQntuples(res) > 0;
        return r;
}

static int apply_migration(struct pg_store *s, const struct store_migration *m, struct cr_error **err)
{
        struct params p = {};
        bool applied = false;
        int r = exec(s, "BEGIN", err);

        if (r >= 0)
                r = migration_applied(s, m->version, &applied, err);
        if (r >= 0 && !applied) {
                r = exec(s, m->sql, err);
                p_int(&p, m->version);
                p_text(&p, m->name);
                if (r >= 0)
                        r = run(s, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &p, NULL, err);
        }
        if (r < 0) {
                (void) exec(s, "ROLLBACK", NULL);
                return cr_error_wrap(err, "migration %u (%s)", m->version, m->name);
        }
        r = exec(s, "COMMIT", err);
        return r < 0 ? r : !applied;
}

static int pg_migrate(struct cr_store *base, struct cr_error **err)
{
        struct pg_store *s = PG(base);
        int r, n = 0;

        /* a session lock: held across every migration, released at the end
         * (or when the connection dies) */
        r = exec(s, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", err);
        if (r < 0)
                return r;
        r = exec(s,
                 "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                 " applied_at timestamptz NOT NULL DEFAULT now())",
                 err);
        for (size_t i = 0; r >= 0 && i < store_pg_n_migrations; i++) {
                r = apply_migration(s, &store_pg_migrations[i], err);
                if (r > 0)
                        n++;
        }
        (void) exec(s, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")", NULL);
        return r < 0 ? r : n;
}

static int pg_schema_version(struct cr_store *base, unsigned *ret, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        int r = run(PG(base), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, &res, err);

        if (r >= 0)
                *ret = (unsigned) int_value(res, 0, 0);
        return r;
}

static int pg_ping(struct cr_store *base, struct cr_error **err)
{
        return exec(PG(base), "SELECT 1", err);
}

/* ------------------------------------------------------------ insert */

static int find_by_key(struct pg_store *s, const char *key, char *ret_id, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r;

        p_text(&p, key);
        r = run(s, "SELECT id::text FROM executions WHERE client_key = $1", &p, &res, err);
        if (r < 0)
                return r;
        if (sym_PQntuples(res) == 0)
                return cr_error_make(err, EAGAIN, CR_ERROR_UNAVAILABLE, "client key in use by a job not committed");
        snprintf(ret_id, CR_STORE_ID_LEN + 1, "%s", sym_PQgetvalue(res, 0, 0));
        return 0;
}

static void job_params(struct params *p, const struct cr_store_job *j, const struct store_job_cols *c)
{
        p_text(p, j->id);
        p_text(p, c->created);
        p_text(p, c->solution_id);
        p_text(p, c->challenge_id);
        p_text(p, c->student_id);
        p_text(p, c->language);
        p_text(p, c->code);
        p_int(p, c->total_tests);
        p_text(p, c->client_ip);
        p_text(p, c->user_agent);
        p_text(p, c->code_version_id);
        p_text(p, c->service);
        p_text(p, c->client_key);
        p_blob(p, j->spec_bytes, j->spec_len);
        /* generated_test_code ($15 NULL: not function mode) */
        p_text(p, c->generated ? c->generated_id : NULL);
        p_text(p, c->test_code);
        p_int(p, c->test_cases_count);
        p_bool(p, c->has_custom_validation);
        p_int(p, (int64_t) c->generation_time_ms);
        p_int(p, c->code_size_bytes);
}

/* One statement: the row, its generated code, the wake-up, atomically. */
static const char insert_sql[] =
        "WITH ins AS ("
        "  INSERT INTO executions (id, created_at, updated_at, solution_id, challenge_id, student_id, language,"
        "    status, code, total_tests, client_ip, user_agent, code_version_id, service, client_key, job_spec)"
        "  VALUES ($1, $2, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $12, $13, $14)"
        "  ON CONFLICT (client_key) DO NOTHING RETURNING id),"
        " gen AS ("
        "  INSERT INTO generated_test_code (id, created_at, updated_at, execution_id, language, generator_type,"
        "    test_code, challenge_id, test_cases_count, has_custom_validation, generation_time_ms, code_size_bytes)"
        "  SELECT $15::uuid, $2, $2, id, $6, 'cpp_template', $16::text, $11, $17::int, $18::bool, $19::bigint,"
        "    $20::int"
        "  FROM ins WHERE $15::uuid IS NOT NULL)"
        " SELECT id::text, pg_notify('" STORE_CHANNEL_JOBS "', '') FROM ins";

static int pg_insert(struct cr_store *base, const struct cr_store_job *j, char *ret_id, bool *ret_existing,
                     struct cr_error **err)
{
        struct pg_store *s = PG(base);
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct store_job_cols c;
        struct params p = {};
        int r = store_job_cols_init(&c, j, true, err);

        if (r >= 0) {
                job_params(&p, j, &c);
                r = run(s, insert_sql, &p, &res, err);
        }
        if (r >= 0 && sym_PQntuples(res) == 0) { /* the client key was used before */
                *ret_existing = true;
                r = find_by_key(s, c.client_key, ret_id, err);
        } else if (r >= 0)
                snprintf(ret_id, CR_STORE_ID_LEN + 1, "%s", j->id);
        store_job_cols_done(&c);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ queue */

/* SKIP LOCKED: a row another instance is claiming is passed over, never
 * waited for, never claimed twice. */
static const char claim_sql[] =
        "WITH c AS ("
        "  SELECT id FROM executions"
        "  WHERE status = 'pending' AND job_spec IS NOT NULL AND deleted_at IS NULL"
        "  ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED),"
        " u AS ("
        "  UPDATE executions e SET status = 'running', lease_owner = $1, server_instance = $1,"
        "    lease_expires_at = " LEASE("$2") ", attempts = e.attempts + 1, started_at = now(), updated_at = now()"
        "  FROM c WHERE e.id = c.id"
        "  RETURNING e.id, e.job_spec, e.created_at, e.started_at, e.attempts)"
        " SELECT id::text, job_spec, " EPOCH_US("created_at") ", " EPOCH_US("started_at") ", attempts,"
        "  pg_notify('" STORE_CHANNEL_EVENTS "', 'running ' || id::text || ' ' || $1)"
        " FROM u ORDER BY created_at";

static int pg_claim(struct cr_store *base, const char *instance, uint64_t lease_ms, struct cr_store_claimed *ret,
                    size_t max, struct cr_error **err)
{
        struct pg_store *s = PG(base);
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r, n;

        p_text(&p, instance);
        p_int(&p, (int64_t) lease_ms);
        p_int(&p, (int64_t) max);
        r = run(s, claim_sql, &p, &res, err);
        if (r < 0)
                return r;
        n = sym_PQntuples(res);
        for (int i = 0; i < n && (size_t) i < max; i++) {
                ret[i] = (struct cr_store_claimed) {};
                snprintf(ret[i].id, sizeof(ret[i].id), "%s", sym_PQgetvalue(res, i, 0));
                ret[i].spec = bytea_value(res, i, 1, &ret[i].spec_len);
                ret[i].created_us = (uint64_t) int_value(res, i, 2);
                ret[i].started_us = (uint64_t) int_value(res, i, 3);
                ret[i].attempts = (unsigned) int_value(res, i, 4);
        }
        return n;
}

static int pg_renew(struct cr_store *base, const char *instance, uint64_t lease_ms, struct cr_error **err)
{
        struct params p = {};

        p_text(&p, instance);
        p_int(&p, (int64_t) lease_ms);
        return run(PG(base),
                   "UPDATE executions SET lease_expires_at = " LEASE("$2")
                   " WHERE status = 'running' AND lease_owner = $1",
                   &p, NULL, err);
}

/* $1 NULL: every expired lease; else this instance's jobs. */
static const char requeue_sql[] =
        "WITH stale AS ("
        "  SELECT id FROM executions WHERE status = 'running'"
        "  AND (($1::text IS NULL AND lease_expires_at < now()) OR lease_owner = $1::text)"
        "  FOR UPDATE SKIP LOCKED),"
        " failed AS ("
        "  UPDATE executions e SET status = 'failed', success = false,"
        "    message = $2 || COALESCE(e.lease_owner, '?'), error_message = $2 || COALESCE(e.lease_owner, '?'),"
        "    error_type = 'internal_error', completed_at = now(), updated_at = now(),"
        "    lease_owner = NULL, lease_expires_at = NULL"
        "  FROM stale WHERE e.id = stale.id AND e.attempts >= 3 RETURNING e.id),"
        " requeued AS ("
        "  UPDATE executions e SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,"
        "    started_at = NULL, server_instance = NULL, updated_at = now()"
        "  FROM stale WHERE e.id = stale.id AND e.attempts < 3 RETURNING e.id)"
        " SELECT (SELECT count(*) FROM requeued), (SELECT count(*) FROM failed),"
        "  (SELECT count(pg_notify('" STORE_CHANNEL_EVENTS "', 'failed ' || id::text || ' ')) FROM failed),"
        "  (SELECT count(pg_notify('" STORE_CHANNEL_JOBS "', '')) FROM (SELECT 1 FROM requeued LIMIT 1) one)";

static int pg_requeue(struct cr_store *base, const char *instance, struct cr_store_requeued *ret,
                      struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r;

        p_text(&p, instance);
        p_text(&p, STORE_ABANDONED_MESSAGE);
        r = run(PG(base), requeue_sql, &p, &res, err);
        if (r >= 0) {
                ret->requeued = (unsigned) int_value(res, 0, 0);
                ret->failed = (unsigned) int_value(res, 0, 1);
        }
        return r;
}

static int pg_list_abandoned(struct cr_store *base, const char *instance, struct cr_store_abandoned *ret,
                             size_t max, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r, n;

        p_text(&p, instance);
        p_int(&p, (int64_t) max);
        r = run(PG(base),
                "SELECT id::text, job_spec, " EPOCH_US("created_at") ", COALESCE(lease_owner, '') FROM executions"
                " WHERE status = 'running' AND (($1::text IS NULL AND lease_expires_at < now()) OR lease_owner = $1::text)"
                " AND attempts >= 3 ORDER BY created_at LIMIT $2",
                &p, &res, err);
        if (r < 0)
                return r;
        n = sym_PQntuples(res);
        for (int i = 0; i < n && (size_t) i < max; i++) {
                ret[i] = (struct cr_store_abandoned) {};
                snprintf(ret[i].id, sizeof(ret[i].id), "%s", sym_PQgetvalue(res, i, 0));
                ret[i].spec = bytea_value(res, i, 1, &ret[i].spec_len);
                ret[i].created_us = (uint64_t) int_value(res, i, 2);
                ret[i].owner = xstrdup(sym_PQgetvalue(res, i, 3));
        }
        return n;
}

/* ------------------------------------------------------------ finish */

/* A PostgreSQL array literal: every element quoted, '"' and '\' escaped,
 * NULL unquoted. */
static void array_add(struct cr_buf *b, const char *v)
{
        (void) cr_buf_append(b, b->len ? "," : "{", 1);
        if (!v) {
                (void) cr_buf_append(b, "NULL", 4);
                return;
        }
        (void) cr_buf_append(b, "\"", 1);
        for (const char *c = v; *c; c++) {
                if (*c == '"' || *c == '\\')
                        (void) cr_buf_append(b, "\\", 1);
                (void) cr_buf_append(b, c, 1);
        }
        (void) cr_buf_append(b, "\"", 1);
}

static void array_add_int(struct cr_buf *b, int64_t v)
{
        char n[24];

        snprintf(n, sizeof(n), "%" PRId64, v);
        array_add(b, n);
}

static char *array_end(struct cr_buf *b)
{
        (void) cr_buf_append(b, b->len ? "}" : "{}", b->len ? 1 : 2);
        return cr_buf_steal(b);
}

enum { A_INDEX, A_ID, A_PASSED, A_VERDICT, A_EXIT, A_SIGNAL, A_WALL, A_CPU, A_MEM, A_MSG, N_ARRAYS };

/* The per-test rows as ten parallel arrays (one unnest in the statement). */
static void test_arrays(const struct cr_store_result *r, char *ret[N_ARRAYS])
{
        struct cr_buf a[N_ARRAYS];

        for (int k = 0; k < N_ARRAYS; k++)
                a[k] = (struct cr_buf) CR_BUF_INIT(STORE_TEXT_MAX);
        for (size_t i = 0; r->outcome && i < r->outcome->n_tests; i++) {
                struct store_test_cols t;
                store_test_cols_init(&t, r, i);
                array_add_int(&a[A_INDEX], t.test_index);
                array_add(&a[A_ID], t.test_id);
                array_add(&a[A_PASSED], t.passed ? "t" : "f");
                array_add(&a[A_VERDICT], t.verdict);
                array_add_int(&a[A_EXIT], t.exit_code);
                array_add_int(&a[A_SIGNAL], t.signal);
                array_add_int(&a[A_WALL], t.wall_ms);
                array_add_int(&a[A_CPU], t.cpu_ms);
                array_add_int(&a[A_MEM], t.memory_peak_bytes);
                array_add(&a[A_MSG], t.error_message);
                store_test_cols_done(&t);
        }
        for (int k = 0; k < N_ARRAYS; k++)
                ret[k] = array_end(&a[k]);
}

/* ONE statement, so one transaction: the result columns (only while this
 * instance holds the job), the per-test rows, the outbox row, the news. */
static const char finish_sql[] =
        "WITH u AS ("
        "  UPDATE executions SET status = $2, success = $3, message = $4, error_message = $5, error_type = $6,"
        "    approved_test_ids = $7, failed_test_ids = $8, total_tests = $9, passed_tests = $10,"
        "    execution_time_ms = $11, memory_usage_mb = $12, compilation_error = $13, runtime_error = $14,"
        "    server_instance = $15, outcome = $16, completed_at = $17, updated_at = now(),"
        "    lease_owner = NULL, lease_expires_at = NULL"
        "  WHERE id = $1 AND status = 'running' AND lease_owner = $15 RETURNING id),"
        " t AS ("
        "  INSERT INTO execution_test_results (execution_id, test_index, test_id, passed, verdict, exit_code,"
        "    signal, wall_ms, cpu_ms, memory_peak_bytes, error_message)"
        "  SELECT u.id, x.* FROM u, unnest($18::int[], $19::text[], $20::bool[], $21::text[], $22::int[],"
        "    $23::int[], $24::bigint[], $25::bigint[], $26::bigint[], $27::text[]) AS x),"
        " o AS ("
        "  INSERT INTO outbox (event_key, topic, event_type, payload)"
        "  SELECT x.* FROM u, unnest($28::text[], $29::text[], $30::text[], $31::text[]) AS x)"
        " SELECT pg_notify('" STORE_CHANNEL_EVENTS "', $2 || ' ' || id::text || ' ' || $15) FROM u";

static void result_params(struct params *p, const struct cr_store_result *r, const struct store_result_cols *c)
{
        p_text(p, r->id);
        p_text(p, c->status);
        p_bool(p, c->success);
        p_text(p, c->message);
        p_text(p, c->error_message);
        p_text(p, c->error_type);
        p_text(p, c->approved_test_ids);
        p_text(p, c->failed_test_ids);
        p_int(p, c->total_tests);
        p_int(p, c->passed_tests);
        if (c->has_outcome)
                p_int(p, c->execution_time_ms);
        else
                p_text(p, NULL);
        p_text(p, c->memory_usage_mb);
        p_text(p, c->compilation_error);
        p_text(p, c->runtime_error);
        p_text(p, c->server_instance);
        p_blob(p, r->outcome_bytes, r->outcome_len);
        p_text(p, c->completed);
}

enum { E_KEY, E_TOPIC, E_TYPE, E_PAYLOAD, N_EVENT_ARRAYS };

/* The outbox rows as four parallel arrays. */
static void event_arrays(const struct cr_store_result *r, char *ret[N_EVENT_ARRAYS])
{
        struct cr_buf a[N_EVENT_ARRAYS];

        for (int k = 0; k < N_EVENT_ARRAYS; k++)
                a[k] = (struct cr_buf) CR_BUF_INIT(STORE_TEXT_MAX);
        for (size_t i = 0; i < r->n_events; i++) {
                const struct cr_store_event *e = &r->events[i];
                _cleanup_free_ char *payload = store_text(e->payload, e->payload_len, 0);
                array_add(&a[E_KEY], e->key);
                array_add(&a[E_TOPIC], e->topic);
                array_add(&a[E_TYPE], e->type);
                array_add(&a[E_PAYLOAD], payload);
        }
        for (int k = 0; k < N_EVENT_ARRAYS; k++)
                ret[k] = array_end(&a[k]);
}

static int pg_finish(struct cr_store *base, const struct cr_store_result *res, struct cr_error **err)
{
        struct pg_store *s = PG(base);
        _cleanup_(sym_PQclearp) PGresult *out = NULL;
        char *arrays[N_ARRAYS], *events[N_EVENT_ARRAYS];
        struct store_result_cols c;
        struct params p = {};
        int r;

        store_result_cols_init(&c, res, true);
        test_arrays(res, arrays);
        event_arrays(res, events);
        result_params(&p, res, &c);
        for (int k = 0; k < N_ARRAYS; k++)
                p_text(&p, arrays[k]);
        for (int k = 0; k < N_EVENT_ARRAYS; k++)
                p_text(&p, events[k]);
        r = run(s, finish_sql, &p, &out, err);
        if (r >= 0 && sym_PQntuples(out) == 0)
                r = cr_error_make(err, ESTALE, CR_ERROR_NOT_FOUND, "execution %s is no longer ours", res->id);
        for (int k = 0; k < N_ARRAYS; k++)
                free(arrays[k]);
        for (int k = 0; k < N_EVENT_ARRAYS; k++)
                free(events[k]);
        store_result_cols_done(&c);
        return r;
}

/* ------------------------------------------------------------ cancel, get */

static int pg_cancel(struct cr_store *base, const char *id, enum cr_store_cancel_result *ret, struct cr_error **err)
{
        struct pg_store *s = PG(base);
        _cleanup_(sym_PQclearp) PGresult *res = NULL, *st = NULL;
        struct params p = {};
        int r;

        p_text(&p, id);
        r = run(s,
                "WITH p AS (UPDATE executions SET status = 'cancelled', success = false,"
                "  message = 'Execution cancelled', error_message = 'Execution cancelled', error_type = 'cancelled',"
                "  completed_at = now(), updated_at = now()"
                "  WHERE id = $1::uuid AND status = 'pending' AND deleted_at IS NULL RETURNING id)"
                " SELECT pg_notify('" STORE_CHANNEL_EVENTS "', 'cancelled ' || id::text || ' ') FROM p",
                &p, &res, err);
        if (r < 0 || sym_PQntuples(res) > 0) {
                *ret = CR_STORE_CANCELLED;
                return r;
        }
        /* running somewhere: its instance hears it and kills the sandbox */
        r = run(s,
                "SELECT status, CASE WHEN status = 'running' THEN"
                "  pg_notify('" STORE_CHANNEL_EVENTS "', 'cancel ' || id::text) END"
                " FROM executions WHERE id = $1::uuid AND deleted_at IS NULL",
                &p, &st, err);
        if (r < 0)
                return r;
        if (sym_PQntuples(st) == 0)
                return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "no execution %s", id);
        *ret = cr_job_status_is_final(cr_job_status_from_string(sym_PQgetvalue(st, 0, 0))) ? CR_STORE_ALREADY_FINAL :
                                                                                       CR_STORE_CANCEL_REQUESTED;
        return 0;
}

static const char get_sql[] =
        "SELECT id::text, status, job_spec, outcome, server_instance, error_message, message, approved_test_ids,"
        " COALESCE(success, false), COALESCE(total_tests, 0), COALESCE(passed_tests, 0),"
        " " EPOCH_US("created_at") ", " EPOCH_US("started_at") ","
        /* the original's rows have no completed_at: their last update is when they ended */
        " " EPOCH_US("COALESCE(completed_at, CASE WHEN status IN ('completed', 'failed', 'timed_out', 'cancelled')"
                     " THEN updated_at END)") ","
        " attempts FROM executions WHERE id = $1::uuid AND deleted_at IS NULL";

static struct cr_store_row *row_from(const PGresult *res)
{
        struct cr_store_row *row = xzalloc(sizeof(*row));

        snprintf(row->id, sizeof(row->id), "%s", sym_PQgetvalue(res, 0, 0));
        row->status = cr_job_status_from_string(sym_PQgetvalue(res, 0, 1));
        row->spec = bytea_value(res, 0, 2, &row->spec_len);
        row->outcome = bytea_value(res, 0, 3, &row->outcome_len);
        row->server_instance = value(res, 0, 4);
        row->error_message = value(res, 0, 5);
        row->message = value(res, 0, 6);
        row->approved_test_ids = value(res, 0, 7);
        row->success = strcmp(sym_PQgetvalue(res, 0, 8), "t") == 0;
        row->total_tests = (int) int_value(res, 0, 9);
        row->passed_tests = (int) int_value(res, 0, 10);
        row->created_us = (uint64_t) int_value(res, 0, 11);
        row->started_us = (uint64_t) int_value(res, 0, 12);
        row->completed_us = (uint64_t) int_value(res, 0, 13);
        row->attempts = (unsigned) int_value(res, 0, 14);
        return row;
}

static int pg_get(struct cr_store *base, const char *id, struct cr_store_row **ret, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r;

        p_text(&p, id);
        r = run(PG(base), get_sql, &p, &res, err);
        if (r < 0)
                return r;
        if (sym_PQntuples(res) == 0)
                return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "no execution %s", id);
        *ret = row_from(res);
        return 0;
}

/* ------------------------------------------------------------ retention */

static int pg_prune(struct cr_store *base, uint64_t before_us, unsigned batch, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        char before[STORE_TIME_LEN];
        struct params p = {};
        int r;

        store_format_time(before_us, true, before);
        p_text(&p, before);
        p_int(&p, batch);
        r = run(PG(base),
                "WITH d AS (DELETE FROM executions WHERE id IN (SELECT id FROM executions"
                "  WHERE status IN ('completed', 'failed', 'timed_out', 'cancelled')"
                "  AND COALESCE(completed_at, updated_at, created_at) < $1 LIMIT $2) RETURNING 1),"
                " o AS (DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
                "  WHERE sent_at IS NOT NULL AND sent_at < $1 LIMIT $2) RETURNING 1)"
                " SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM o)",
                &p, &res, err);
        return r < 0 ? r : (int) int_value(res, 0, 0);
}

/* ------------------------------------------------------------ outbox */

/* ONE statement: the due rows that head their (topic, key) and are not
 * leased by another instance, locked (SKIP LOCKED: two instances claiming
 * together take different rows), then leased to this one. */
static const char outbox_claim_sql[] =
        "WITH c AS ("
        "  SELECT id FROM outbox o"
        "  WHERE sent_at IS NULL AND next_attempt_at <= now()"
        "  AND (claimed_until IS NULL OR claimed_until < now() OR claimed_by = $1)"
        "  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.sent_at IS NULL AND p.topic = o.topic"
        "    AND p.event_key = o.event_key AND p.id < o.id)"
        "  ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " UPDATE outbox SET claimed_by = $1, claimed_until = " LEASE("$2") " FROM c WHERE outbox.id = c.id"
        " RETURNING outbox.id, topic, event_key, payload, " EPOCH_US("created_at") ", attempts";

static int cmp_row_id(const void *a, const void *b)
{
        const struct cr_store_outbox_row *x = a, *y = b;

        return x->id < y->id ? -1 : x->id > y->id;
}

static int pg_outbox_claim(struct cr_store *base, const char *instance, uint64_t lease_ms,
                           struct cr_store_outbox_row *ret, size_t max, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        struct params p = {};
        int r, n;

        p_text(&p, instance);
        p_int(&p, (int64_t) lease_ms);
        p_int(&p, (int64_t) max);
        r = run(PG(base), outbox_claim_sql, &p, &res, err);
        if (r < 0)
                return r;
        n = MIN(sym_PQntuples(res), (int) max);
        for (int i = 0; i < n; i++)
                ret[i] = (struct cr_store_outbox_row) {
                        .id = (uint64_t) int_value(res, i, 0),
                        .topic = value(res, i, 1),
                        .event_key = value(res, i, 2),
                        .payload = value(res, i, 3),
                        .payload_len = strlen(sym_PQgetvalue(res, i, 3)),
                        .created_us = (uint64_t) int_value(res, i, 4),
                        .attempts = (unsigned) int_value(res, i, 5),
                };
        /* RETURNING has no order */
        qsort(ret, (size_t) n, sizeof(*ret), cmp_row_id);
        return n;
}

static int pg_outbox_sent(struct cr_store *base, const uint64_t *ids, size_t n, struct cr_error **err)
{
        struct cr_buf a = CR_BUF_INIT(STORE_TEXT_MAX);
        _cleanup_free_ char *list = NULL;
        struct params p = {};

        for (size_t i = 0; i < n; i++)
                array_add_int(&a, (int64_t) ids[i]);
        list = array_end(&a);
        p_text(&p, list);
        return run(PG(base),
                   "UPDATE outbox SET sent_at = now(), claimed_by = NULL, claimed_until = NULL"
                   " WHERE id = ANY($1::bigint[]) AND sent_at IS NULL",
                   &p, NULL, err);
}

static int pg_outbox_retry(struct cr_store *base, uint64_t id, uint64_t delay_ms, const char *reason,
                           struct cr_error **err)
{
        _cleanup_free_ char *why = store_text(reason, strlen(reason ? reason : ""), 1000);
        struct params p = {};

        p_int(&p, (int64_t) id);
        p_text(&p, why);
        p_int(&p, (int64_t) delay_ms);
        return run(PG(base),
                   "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = " LEASE("$3") ","
                   " claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND sent_at IS NULL",
                   &p, NULL, err);
}

static int pg_outbox_stats(struct cr_store *base, struct cr_store_outbox_stats *ret, struct cr_error **err)
{
        _cleanup_(sym_PQclearp) PGresult *res = NULL;
        int r = run(PG(base), "SELECT count(*), " EPOCH_US("min(created_at)") " FROM outbox WHERE sent_at IS NULL",
                    NULL, &res, err);

        if (r < 0)
                return r;
        ret->unsent = (uint64_t) int_value(res, 0, 0);
        ret->oldest_created_us = (uint64_t) int_value(res, 0, 1);
        return 0;
}

/* ------------------------------------------------------------ notifications */

static int pg_listen(struct cr_store *base, struct cr_error **err)
{
        return exec(PG(base), "LISTEN " STORE_CHANNEL_JOBS "; LISTEN " STORE_CHANNEL_EVENTS, err);
}

static int pg_fd(struct cr_store *base)
{
        int fd = sym_PQsocket(PG(base)->conn);

        return fd >= 0 ? fd : -EBADF;
}

static void deliver(PGnotify *n, cr_store_note_fn fn, void *userdata)
{
        struct cr_store_note note = {};
        const char *instance = "";

        if (strcmp(n->relname, STORE_CHANNEL_JOBS) == 0) {
                note.kind = CR_STORE_NOTE_JOBS;
                fn(userdata, &note);
        } else if (store_parse_event(n->extra, &note, &instance)) {
                note.instance = instance;
                fn(userdata, &note);
        }
}

static int pg_notifications(struct cr_store *base, cr_store_note_fn fn, void *userdata, struct cr_error **err)
{
        struct pg_store *s = PG(base);
        PGnotify *n;
        int count = 0;

        if (!sym_PQconsumeInput(s->conn))
                return fail(s, NULL, "read notifications", err);
        while ((n = sym_PQnotifies(s->conn))) {
                deliver(n, fn, userdata);
                sym_PQfreemem(n);
                count++;
        }
        return count;
}

/* ------------------------------------------------------------ connection */

static void pg_close(struct cr_store *base)
{
        struct pg_store *s = PG(base);

        sym_PQfinish(s->conn);
        free(s);
}

static const struct store_ops pg_ops = {
        .name = "PostgreSQL",
        .migrate = pg_migrate,
        .schema_version = pg_schema_version,
        .ping = pg_ping,
        .insert = pg_insert,
        .claim = pg_claim,
        .renew = pg_renew,
        .requeue = pg_requeue,
        .list_abandoned = pg_list_abandoned,
        .finish = pg_finish,
        .cancel = pg_cancel,
        .get = pg_get,
        .prune = pg_prune,
        .outbox_claim = pg_outbox_claim,
        .outbox_sent = pg_outbox_sent,
        .outbox_retry = pg_outbox_retry,
        .outbox_stats = pg_outbox_stats,
        .listen = pg_listen,
        .fd = pg_fd,
        .notifications = pg_notifications,
        .close = pg_close,
};

/* libpq's options value: backslash escapes spaces and backslashes. */
static char *options_value(const char *timezone)
{
        struct cr_buf b = CR_BUF_INIT(4096);

        (void) cr_buf_printf(&b, "-c statement_timeout=60000 -c TimeZone=");
        for (const char *c = timezone && timezone[0] ? timezone : "UTC"; *c; c++) {
                if (*c == ' ' || *c == '\\')
                        (void) cr_buf_append(&b, "\\", 1);
                (void) cr_buf_append(&b, c, 1);
        }
        return cr_buf_steal(&b);
}

int store_pg_open(const struct cr_store_options *o, struct cr_store **ret, struct cr_error **err)
{
        _cleanup_free_ char *options = options_value(o->timezone);
        char timeout[16];
        const char *const keys[] = { "host", "port", "user", "password", "dbname", "sslmode", "connect_timeout",
                                     "application_name", "options", "keepalives", "keepalives_idle",
                                     "keepalives_interval", "keepalives_count", NULL };
        const char *const values[] = { o->host, o->port, o->user, o->password, o->dbname, o->sslmode, timeout,
                                       o->application_name ? o->application_name : "coderunner", options, "1", "10",
                                       "5", "3", NULL };
        struct pg_store *s = xzalloc(sizeof(*s));
        int r;

        snprintf(timeout, sizeof(timeout), "%u", o->connect_timeout_s ? o->connect_timeout_s : 10);
        s->base.ops = &pg_ops;
        s->base.backend = CR_STORE_POSTGRES;
        if ((r = dlopen_libpq(err)) < 0) {
                free(s);
                return r;
        }
        s->conn = sym_PQconnectdbParams(keys, values, 0);
        if (!s->conn || sym_PQstatus(s->conn) != CONNECTION_OK) {
                r = s->conn ? fail(s, NULL, "connect", err) :
                              cr_error_set(err, ENOMEM, CR_ERROR_UNAVAILABLE, "PostgreSQL: connect: out of memory");
                pg_close(&s->base);
                return r;
        }
        *ret = &s->base;
        return 0;
}
