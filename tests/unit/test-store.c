/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "jobspec/jobspec.h"
#include "store/store.h"
#include "tests.h"
#include "uuid.h"

/* The store's contract on a real database: SQLite in a temp dir always; and
 * PostgreSQL when the store tier (tests/store/) started a server and set
 * CR_TEST_PGHOST/CR_TEST_PGPORT. Every test runs on each backend. */

static char tmpdir[] = "/tmp/cr-test-store-XXXXXX";
static unsigned db_counter;
static const char *pg_host, *pg_port;

struct backend {
        enum cr_store_backend kind;
        char path[256];
        char dbname[64];
};

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* PostgreSQL: a fresh database per test (created through the "postgres" one). */
static int pg_create_db(const char *name)
{
        struct cr_store_options o = { .backend = CR_STORE_POSTGRES, .host = pg_host, .port = pg_port,
                                      .user = "postgres", .dbname = "postgres" };
        _cleanup_(cr_store_closep) struct cr_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        char cmd[512];

        if (cr_store_open(&o, &s, &err) < 0) {
                printf("# %s\n", err->msg);
                return -1;
        }
        snprintf(cmd, sizeof(cmd), "createdb -h '%s' -p '%s' -U postgres '%s'", pg_host, pg_port, name);
        return system(cmd) == 0 ? 0 : -1;
}

static int open_backend(struct backend *b, enum cr_store_backend kind, struct cr_store **ret)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_options o = { .backend = kind };
        int r;

        b->kind = kind;
        if (kind == CR_STORE_SQLITE) {
                snprintf(b->path, sizeof(b->path), "%s/db%u.sqlite", tmpdir, ++db_counter);
                o.sqlite_path = b->path;
        } else {
                snprintf(b->dbname, sizeof(b->dbname), "crtest%u_%d", ++db_counter, (int) getpid());
                if (pg_create_db(b->dbname) < 0)
                        return -1;
                o.host = pg_host, o.port = pg_port, o.user = "postgres", o.dbname = b->dbname;
        }
        r = cr_store_open(&o, ret, &err);
        if (r < 0)
                printf("# open: %s\n", err->msg);
        return r;
}

/* A second connection to the same database. */
static int reopen(const struct backend *b, struct cr_store **ret)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_options o = { .backend = b->kind, .sqlite_path = b->path, .host = pg_host, .port = pg_port,
                                      .user = "postgres", .dbname = b->dbname };

        return cr_store_open(&o, ret, &err);
}

/* ------------------------------------------------------------ a job */

static struct cr_job_test tests2[] = {
        { .id = "t-1", .stdin_data = "1", .stdin_len = 1, .expected = "2", .expected_len = 1 },
        { .id = "t-\"2\",{x}\\", .stdin_data = "2", .stdin_len = 1, .expected = "3", .expected_len = 1 },
};

static struct cr_job_spec spec = {
        .origin = { .service = CR_JOB_SERVICE_EVALUATE, .challenge_id = "9f0d0b5b-0fb6-40a6-a2eb-14f2850f54aa",
                    .code_version_id = "d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1",
                    .student_id = "c032e274-1b0e-4d8c-8f0b-6a2b8c9d0e1f", .client_ip = "127.0.0.1",
                    .user_agent = "test" },
        .runtime = "cpp",
        .runtime_version = "12.2.0",
        .code = "int addOne(int x) { return x + 1; } /* \xff invalid UTF-8 */",
        .code_len = 57,
        .function_mode = true,
        .program = "// harness",
        .program_len = 10,
        .run_limits = { .cpu_time_ms = 1000 },
        .tests = tests2,
        .n_tests = 2,
};

struct job {
        char id[CR_STORE_ID_LEN + 1];
        uint8_t *bytes;
        size_t len;
        uint64_t created_us;
};

static int insert_job(struct cr_store *s, struct job *j, const char *client_key, bool *ret_existing, char *ret_id)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_job_spec sp = spec;
        struct cr_store_job sj;
        bool existing = false;
        char id[CR_STORE_ID_LEN + 1];
        int r;

        sp.origin.client_key = client_key;
        if (cr_uuid_v4(j->id) < 0 || cr_job_spec_encode(&sp, &j->bytes, &j->len, &err) < 0)
                return -1;
        j->created_us = now_us();
        sj = (struct cr_store_job) { .id = j->id, .spec = &sp, .spec_bytes = j->bytes, .spec_len = j->len,
                                     .created_us = j->created_us, .generation_time_ms = 7 };
        r = cr_store_insert(s, &sj, id, &existing, &err);
        if (r < 0)
                printf("# insert: %s\n", err->msg);
        if (ret_existing)
                *ret_existing = existing;
        if (ret_id)
                memcpy(ret_id, id, sizeof(id));
        return r;
}

static struct cr_job_outcome *outcome_for(bool second_passes, enum cr_verdict v)
{
        struct cr_job_outcome *o = cr_job_outcome_new(2);

        for (int i = 0; i < 2; i++) {
                o->tests[i].ran = true;
                o->tests[i].run.verdict = i == 0 ? CR_VERDICT_OK : v;
                o->tests[i].run.wall_ms = 5;
                o->tests[i].run.memory_peak_bytes = 3u << 20;
                o->tests[i].passed = i == 0 || second_passes;
        }
        o->passed = second_passes ? 2 : 1;
        o->success = second_passes;
        o->error_type = strdup(v == CR_VERDICT_TIME_LIMIT ? "timeout" : second_passes ? "" : "runtime_error");
        o->message = strdup(second_passes ? "Execution successful: 2/2 tests passed" :
                                            "Execution failed: 1/2 tests passed");
        o->error_message = strdup(second_passes ? "" : "Test t-2: exited with code 1");
        o->tests[1].message = second_passes ? NULL : strdup("exited with code 1");
        o->execution_time_ms = 42;
        return o;
}

static int finish(struct cr_store *s, const char *id, const char *instance, const struct cr_job_outcome *o,
                  enum cr_job_status status, struct cr_error **err)
{
        static const struct cr_store_event ev = { .topic = "execution.analytics", .key = "k",
                                                  .type = "execution.finished", .payload = "{\"a\":1}",
                                                  .payload_len = 7 };
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t len = 0;
        struct cr_store_result res = {
                .id = id, .instance = instance, .status = status, .spec = &spec, .outcome = o,
                .error_message = o ? NULL : "Execution cancelled", .completed_us = now_us(), .events = o ? &ev : NULL,
                .n_events = o ? 1 : 0,
        };

        if (o && cr_job_outcome_encode(o, 0, &bytes, &len, err) < 0)
                return -1;
        res.outcome_bytes = bytes;
        res.outcome_len = len;
        return cr_store_finish(s, &res, err);
}

/* ------------------------------------------------------------ the tests */

typedef void (*store_test_fn)(struct backend *b, struct cr_store *s);

static void t_migrate_twice(struct backend *b, struct cr_store *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_store_closep) struct cr_store *other = NULL;
        unsigned v = 0;

        ASSERT_EQ(cr_store_migrate(s, &err), 0); /* done by the harness already */
        ASSERT_OK(cr_store_schema_version(s, &v, &err));
        ASSERT_EQ(v, 3);
        ASSERT_OK(reopen(b, &other));
        ASSERT_EQ(cr_store_migrate(other, &err), 0);
}

static void t_insert_get_idempotent(struct backend *b, struct cr_store *s)
{
        _cleanup_(cr_store_row_freep) struct cr_store_row *row = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_job_spec_freep) struct cr_job_spec *back = NULL;
        struct job j = {}, k = {};
        char id[CR_STORE_ID_LEN + 1];
        bool existing = true;

        (void) b;
        ASSERT_OK(insert_job(s, &j, "key-1", &existing, id));
        ASSERT_FALSE(existing);
        ASSERT_STREQ(id, j.id);
        ASSERT_OK(cr_store_get(s, j.id, &row, &err));
        ASSERT_EQ(row->status, CR_JOB_PENDING);
        ASSERT_UEQ(row->created_us, j.created_us); /* µs exact both ways */
        ASSERT_EQ(row->spec_len, j.len);
        ASSERT_OK(cr_job_spec_decode(row->spec, row->spec_len, &back, &err));
        ASSERT_STREQ(back->tests[1].id, "t-\"2\",{x}\\");
        /* the same client key: nothing new, the first job's id */
        ASSERT_OK(insert_job(s, &k, "key-1", &existing, id));
        ASSERT_TRUE(existing);
        ASSERT_STREQ(id, j.id);
        row = cr_store_row_free(row);
        ASSERT_TRUE(cr_store_get(s, k.id, &row, &err) < 0);
        ASSERT_EQ(err->kind, CR_ERROR_NOT_FOUND);
        free(j.bytes);
        free(k.bytes);
}

static void t_claim_finish_lifecycle(struct backend *b, struct cr_store *s)
{
        _cleanup_(cr_store_row_freep) struct cr_store_row *row = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = outcome_for(false, CR_VERDICT_RUNTIME_ERROR);
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *back = NULL;
        struct cr_store_claimed c[4];
        struct job j = {};

        (void) b;
        ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_claim(s, "host-a:9084", 30000, c, 4, &err), 1);
        ASSERT_STREQ(c[0].id, j.id);
        ASSERT_EQ(c[0].attempts, 1);
        ASSERT_EQ(c[0].spec_len, j.len);
        ASSERT_TRUE(memcmp(c[0].spec, j.bytes, j.len) == 0);
        ASSERT_TRUE(c[0].started_us >= j.created_us - 5000000);
        cr_store_claimed_done(&c[0]);
        ASSERT_EQ(cr_store_claim(s, "host-b:9084", 30000, c, 4, &err), 0);
        ASSERT_OK(cr_store_get(s, j.id, &row, &err));
        ASSERT_EQ(row->status, CR_JOB_RUNNING);
        ASSERT_STREQ(row->server_instance, "host-a:9084");
        row = cr_store_row_free(row);
        /* only the lease holder may finish it */
        ASSERT_TRUE(finish(s, j.id, "host-b:9084", o, CR_JOB_COMPLETED, &err) < 0);
        ASSERT_EQ(err->errnum, ESTALE);
        err = cr_error_free(err);
        ASSERT_OK(finish(s, j.id, "host-a:9084", o, CR_JOB_COMPLETED, &err));
        ASSERT_OK(cr_store_get(s, j.id, &row, &err));
        ASSERT_EQ(row->status, CR_JOB_COMPLETED);
        ASSERT_FALSE(row->success);
        ASSERT_EQ(row->total_tests, 2);
        ASSERT_EQ(row->passed_tests, 1);
        ASSERT_STREQ(row->approved_test_ids, "t-1");
        ASSERT_STREQ(row->message, "Execution failed: 1/2 tests passed");
        ASSERT_TRUE(row->completed_us >= row->started_us && row->started_us > 0);
        ASSERT_OK(cr_job_outcome_decode(row->outcome, row->outcome_len, &back, &err));
        ASSERT_EQ(back->passed, 1);
        /* finished: a second finish is refused */
        ASSERT_TRUE(finish(s, j.id, "host-a:9084", o, CR_JOB_COMPLETED, &err) < 0);
        free(j.bytes);
}

static void t_cancel(struct backend *b, struct cr_store *s)
{
        _cleanup_(cr_store_row_freep) struct cr_store_row *row = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        enum cr_store_cancel_result cr;
        struct cr_store_claimed c[1];
        struct job p = {}, q = {};

        (void) b;
        ASSERT_OK(insert_job(s, &p, NULL, NULL, NULL));
        ASSERT_OK(cr_store_cancel(s, p.id, &cr, &err));
        ASSERT_EQ(cr, CR_STORE_CANCELLED);
        ASSERT_OK(cr_store_get(s, p.id, &row, &err));
        ASSERT_EQ(row->status, CR_JOB_CANCELLED);
        ASSERT_TRUE(row->completed_us > 0);
        ASSERT_OK(cr_store_cancel(s, p.id, &cr, &err));
        ASSERT_EQ(cr, CR_STORE_ALREADY_FINAL);
        /* a cancelled job is never claimed */
        ASSERT_EQ(cr_store_claim(s, "a", 30000, c, 1, &err), 0);
        ASSERT_OK(insert_job(s, &q, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_claim(s, "a", 30000, c, 1, &err), 1);
        cr_store_claimed_done(&c[0]);
        ASSERT_OK(cr_store_cancel(s, q.id, &cr, &err));
        ASSERT_EQ(cr, CR_STORE_CANCEL_REQUESTED);
        ASSERT_OK(finish(s, q.id, "a", NULL, CR_JOB_CANCELLED, &err));
        row = cr_store_row_free(row);
        ASSERT_OK(cr_store_get(s, q.id, &row, &err));
        ASSERT_EQ(row->status, CR_JOB_CANCELLED);
        ASSERT_STREQ(row->error_message, "Execution cancelled");
        ASSERT_TRUE(cr_store_cancel(s, "7b7e2d5c-3b4a-4f4e-8d7a-000000000000", &cr, &err) < 0);
        ASSERT_EQ(err->kind, CR_ERROR_NOT_FOUND);
        free(p.bytes);
        free(q.bytes);
}

static void t_every_final_status(struct backend *b, struct cr_store *s)
{
        static const enum cr_job_status statuses[] = { CR_JOB_COMPLETED, CR_JOB_TIMED_OUT, CR_JOB_FAILED,
                                                       CR_JOB_CANCELLED };
        _cleanup_error_ struct cr_error *err = NULL;

        (void) b;
        for (size_t i = 0; i < 4; i++) {
                _cleanup_(cr_store_row_freep) struct cr_store_row *row = NULL;
                _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = NULL;
                struct cr_store_claimed c[1];
                struct job j = {};

                if (statuses[i] == CR_JOB_COMPLETED || statuses[i] == CR_JOB_TIMED_OUT)
                        o = outcome_for(statuses[i] == CR_JOB_COMPLETED,
                                        statuses[i] == CR_JOB_TIMED_OUT ? CR_VERDICT_TIME_LIMIT : CR_VERDICT_OK);
                ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
                ASSERT_EQ(cr_store_claim(s, "i", 30000, c, 1, &err), 1);
                cr_store_claimed_done(&c[0]);
                ASSERT_OK(finish(s, j.id, "i", o, statuses[i], &err));
                ASSERT_OK(cr_store_get(s, j.id, &row, &err));
                ASSERT_EQ(row->status, statuses[i]);
                ASSERT_EQ(row->outcome != NULL, o != NULL);
                free(j.bytes);
        }
}

static void t_crash_recovery(struct backend *b, struct cr_store *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_store_row_freep) struct cr_store_row *row = NULL;
        struct cr_store_requeued rq;
        struct cr_store_claimed c[1];
        struct cr_store_abandoned a[2];
        struct job j = {};

        (void) b;
        ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
        for (unsigned attempt = 1; attempt <= 3; attempt++) {
                ASSERT_EQ(cr_store_claim(s, "me:1", 30000, c, 1, &err), 1);
                ASSERT_EQ(c[0].attempts, attempt);
                cr_store_claimed_done(&c[0]);
                /* out of attempts, listed for the job layer to end with its events */
                ASSERT_EQ(cr_store_list_abandoned(s, "other:1", a, 2, &err), 0);
                ASSERT_EQ(cr_store_list_abandoned(s, "me:1", a, 2, &err), attempt < 3 ? 0 : 1);
                if (attempt == 3) {
                        ASSERT_STREQ(a[0].id, j.id);
                        ASSERT_STREQ(a[0].owner, "me:1");
                        ASSERT_TRUE(a[0].spec != NULL && a[0].spec_len == j.len);
                        ASSERT_TRUE(memcmp(a[0].spec, j.bytes, j.len) == 0);
                        cr_store_abandoned_done(&a[0]);
                }
                /* another instance's restart leaves our jobs alone */
                ASSERT_OK(cr_store_requeue(s, "other:1", &rq, &err));
                ASSERT_EQ(rq.requeued + rq.failed, 0);
                /* our restart after a crash */
                ASSERT_OK(cr_store_requeue(s, "me:1", &rq, &err));
                ASSERT_EQ(rq.requeued, attempt < 3 ? 1 : 0);
                ASSERT_EQ(rq.failed, attempt < 3 ? 0 : 1);
        }
        ASSERT_OK(cr_store_get(s, j.id, &row, &err));
        ASSERT_EQ(row->status, CR_JOB_FAILED);
        ASSERT_EQ(row->attempts, 3);
        ASSERT_TRUE(strstr(row->error_message, "abandoned after 3 attempts") != NULL);
        ASSERT_TRUE(strstr(row->error_message, "last run by me:1") != NULL);
        free(j.bytes);
}

static void t_expired_leases(struct backend *b, struct cr_store *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_requeued rq;
        struct cr_store_claimed c[2];
        struct job j = {}, k = {};

        (void) b;
        ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
        ASSERT_OK(insert_job(s, &k, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_claim(s, "dead:1", 1, c, 1, &err), 1);
        cr_store_claimed_done(&c[0]);
        ASSERT_EQ(cr_store_claim(s, "alive:1", 60000, c, 1, &err), 1);
        cr_store_claimed_done(&c[0]);
        usleep(50 * 1000);
        ASSERT_OK(cr_store_renew(s, "alive:1", 60000, &err));
        ASSERT_OK(cr_store_requeue(s, NULL, &rq, &err));
        ASSERT_EQ(rq.requeued, 1); /* the dead one's only */
        ASSERT_EQ(cr_store_claim(s, "alive:1", 60000, c, 2, &err), 1);
        ASSERT_EQ(c[0].attempts, 2);
        cr_store_claimed_done(&c[0]);
        free(j.bytes);
        free(k.bytes);
}

static void t_prune(struct backend *b, struct cr_store *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_store_row_freep) struct cr_store_row *row = NULL;
        enum cr_store_cancel_result cr;
        struct job done[3] = {}, pending = {};

        (void) b;
        for (int i = 0; i < 3; i++) {
                ASSERT_OK(insert_job(s, &done[i], NULL, NULL, NULL));
                ASSERT_OK(cr_store_cancel(s, done[i].id, &cr, &err));
        }
        ASSERT_OK(insert_job(s, &pending, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_prune(s, now_us() - 3600u * 1000000u, 2, &err), 0); /* none that old */
        ASSERT_EQ(cr_store_prune(s, now_us() + 1000000u, 2, &err), 2);         /* small batches */
        ASSERT_EQ(cr_store_prune(s, now_us() + 1000000u, 2, &err), 1);
        ASSERT_EQ(cr_store_prune(s, now_us() + 1000000u, 2, &err), 0);
        ASSERT_OK(cr_store_get(s, pending.id, &row, &err)); /* unfinished jobs stay */
        for (int i = 0; i < 3; i++)
                free(done[i].bytes);
        free(pending.bytes);
}

struct notes {
        int jobs, running;
        char running_instance[64];
};

static void on_note(void *userdata, const struct cr_store_note *n)
{
        struct notes *ns = userdata;

        if (n->kind == CR_STORE_NOTE_JOBS)
                ns->jobs++;
        if (n->kind == CR_STORE_NOTE_STATE && n->status == CR_JOB_RUNNING) {
                ns->running++;
                snprintf(ns->running_instance, sizeof(ns->running_instance), "%s", n->instance);
        }
}

static void t_notifications(struct backend *b, struct cr_store *s)
{
        _cleanup_(cr_store_closep) struct cr_store *listener = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_claimed c[1];
        struct notes ns = {};
        struct job j = {};
        struct pollfd p;

        if (b->kind == CR_STORE_SQLITE) {
                ASSERT_TRUE(cr_store_listen(s, &err) < 0); /* one process: no LISTEN */
                return;
        }
        ASSERT_OK(reopen(b, &listener));
        ASSERT_OK(cr_store_listen(listener, &err));
        ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_claim(s, "me:2", 30000, c, 1, &err), 1);
        cr_store_claimed_done(&c[0]);
        p = (struct pollfd) { .fd = cr_store_fd(listener), .events = POLLIN };
        for (int i = 0; i < 50 && (ns.jobs == 0 || ns.running == 0); i++) {
                (void) poll(&p, 1, 100);
                ASSERT_OK(cr_store_notifications(listener, on_note, &ns, &err));
        }
        ASSERT_EQ(ns.jobs, 1);
        ASSERT_EQ(ns.running, 1);
        ASSERT_STREQ(ns.running_instance, "me:2");
        free(j.bytes);
}

/* SQLite: the rows as written, read with SQLite itself. */
static void t_rows_as_written(struct backend *b, struct cr_store *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = outcome_for(false, CR_VERDICT_RUNTIME_ERROR);
        struct cr_store_claimed c[1];
        struct job j = {};
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        char sql[512];

        if (b->kind != CR_STORE_SQLITE)
                return; /* PostgreSQL's rows are checked by tests/store with psycopg2 */
        ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_claim(s, "rows:1", 30000, c, 1, &err), 1);
        cr_store_claimed_done(&c[0]);
        ASSERT_OK(finish(s, j.id, "rows:1", o, CR_JOB_COMPLETED, &err));
        ASSERT_EQ(sqlite3_open(b->path, &db), SQLITE_OK);
        snprintf(sql, sizeof(sql),
                 "SELECT e.solution_id = e.challenge_id, e.language, e.failed_test_ids, e.memory_usage_mb,"
                 " e.client_ip, g.challenge_id, g.generator_type, g.test_cases_count,"
                 " (SELECT count(*) FROM execution_test_results WHERE execution_id = e.id),"
                 " (SELECT payload FROM outbox WHERE event_key = 'k'), e.runtime_error, e.code"
                 " FROM executions e JOIN generated_test_code g ON g.execution_id = e.id WHERE e.id = '%s'",
                 j.id);
        ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
        ASSERT_EQ(sqlite3_column_int(st, 0), 1); /* the original's quirk, kept */
        ASSERT_STREQ((const char *) sqlite3_column_text(st, 1), "cpp");
        ASSERT_STREQ((const char *) sqlite3_column_text(st, 2), "t-\"2\",{x}\\");
        ASSERT_TRUE(sqlite3_column_double(st, 3) == 3.0);
        ASSERT_STREQ((const char *) sqlite3_column_text(st, 4), "127.0.0.1");
        ASSERT_STREQ((const char *) sqlite3_column_text(st, 5), spec.origin.code_version_id);
        ASSERT_STREQ((const char *) sqlite3_column_text(st, 6), "cpp_template");
        ASSERT_EQ(sqlite3_column_int(st, 7), 2);
        ASSERT_EQ(sqlite3_column_int(st, 8), 2);
        ASSERT_STREQ((const char *) sqlite3_column_text(st, 9), "{\"a\":1}");
        ASSERT_TRUE(strstr((const char *) sqlite3_column_text(st, 10), "exited with code 1") != NULL);
        /* invalid UTF-8 became U+FFFD in the text column */
        ASSERT_TRUE(strstr((const char *) sqlite3_column_text(st, 11), "\xef\xbf\xbd invalid") != NULL);
        sqlite3_finalize(st);
        sqlite3_close(db);
        free(j.bytes);
}

/* The outbox: the rows of one (topic, key) in order, one instance at a
 * time (a lease), sent rows gone, failed rows back after their delay. */
static void finish_with_events(struct cr_store *s, const char *instance, const struct cr_store_event *ev, size_t n,
                               char ret_id[static CR_STORE_ID_LEN + 1])
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_job_outcome_freep) struct cr_job_outcome *o = outcome_for(true, CR_VERDICT_OK);
        struct cr_store_claimed c[1];
        struct job j = {};

        ASSERT_OK(insert_job(s, &j, NULL, NULL, NULL));
        ASSERT_EQ(cr_store_claim(s, instance, 30000, c, 1, &err), 1);
        cr_store_claimed_done(&c[0]);
        struct cr_store_result res = {
                .id = j.id, .instance = instance, .status = CR_JOB_COMPLETED, .spec = &spec, .outcome = o,
                .completed_us = now_us(), .events = ev, .n_events = n,
        };
        ASSERT_OK(cr_store_finish(s, &res, &err));
        memcpy(ret_id, j.id, CR_STORE_ID_LEN + 1);
        free(j.bytes);
}

static int claim_payloads(struct cr_store *s, const char *instance, uint64_t lease_ms, char *out, size_t out_len,
                          uint64_t *ids)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_outbox_row rows[8];
        int n = cr_store_outbox_claim(s, instance, lease_ms, rows, 8, &err);

        out[0] = 0;
        for (int i = 0; i < n; i++) {
                strncat(out, rows[i].payload, out_len - strlen(out) - 1);
                ids[i] = rows[i].id;
                if (i > 0 && rows[i].id <= rows[i - 1].id)
                        return -EINVAL; /* not in id order */
                cr_store_outbox_row_done(&rows[i]);
        }
        return n;
}

static void t_outbox(struct backend *b, struct cr_store *s)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_outbox_stats st;
        char id1[CR_STORE_ID_LEN + 1], id2[CR_STORE_ID_LEN + 1], got[256];
        uint64_t ids[8], first[8];
        const struct cr_store_event e1[] = {
                { .topic = "A", .key = "k1", .type = "t", .payload = "1", .payload_len = 1 },
                { .topic = "A", .key = "k1", .type = "t", .payload = "2", .payload_len = 1 },
                { .topic = "B", .key = "k1", .type = "t", .payload = "3", .payload_len = 1 },
        };
        const struct cr_store_event e2[] = { { .topic = "A", .key = "k2", .type = "t", .payload = "4",
                                               .payload_len = 1 } };

        (void) b;
        finish_with_events(s, "ob:1", e1, 3, id1);
        finish_with_events(s, "ob:1", e2, 1, id2);
        ASSERT_OK(cr_store_outbox_stats(s, &st, &err));
        ASSERT_EQ(st.unsent, 4);
        ASSERT_TRUE(st.oldest_created_us > 0 && st.oldest_created_us <= now_us() + 1000000);
        /* "2" waits behind "1", the older row of its topic and key */
        ASSERT_EQ(claim_payloads(s, "ob:1", 30000, got, sizeof(got), first), 3);
        ASSERT_STREQ(got, "134");
        /* leased to ob:1: nobody else gets them */
        ASSERT_EQ(claim_payloads(s, "ob:2", 30000, got, sizeof(got), ids), 0);
        ASSERT_OK(cr_store_outbox_sent(s, (uint64_t[]) { first[0], first[1] }, 2, &err));
        ASSERT_OK(cr_store_outbox_retry(s, first[2], 60000, "broker down", &err));
        /* "2" is the head of its key now; "4" waits for its retry time */
        ASSERT_EQ(claim_payloads(s, "ob:2", 1, got, sizeof(got), ids), 1);
        ASSERT_STREQ(got, "2");
        usleep(50 * 1000);
        /* ob:2's lease lapsed (it died): another instance takes the row */
        ASSERT_EQ(claim_payloads(s, "ob:1", 30000, got, sizeof(got), ids), 1);
        ASSERT_STREQ(got, "2");
        ASSERT_OK(cr_store_outbox_sent(s, ids, 1, &err));
        ASSERT_OK(cr_store_outbox_retry(s, first[2], 0, "again", &err));
        {
                struct cr_store_outbox_row row[2];
                ASSERT_EQ(cr_store_outbox_claim(s, "ob:1", 30000, row, 2, &err), 1);
                ASSERT_STREQ(row[0].payload, "4");
                ASSERT_STREQ(row[0].event_key, "k2");
                ASSERT_STREQ(row[0].topic, "A");
                ASSERT_EQ(row[0].attempts, 2); /* both failures counted */
                ASSERT_OK(cr_store_outbox_sent(s, &row[0].id, 1, &err));
                cr_store_outbox_row_done(&row[0]);
        }
        ASSERT_OK(cr_store_outbox_stats(s, &st, &err));
        ASSERT_EQ(st.unsent, 0);
        ASSERT_EQ(st.oldest_created_us, 0);
        ASSERT_EQ(claim_payloads(s, "ob:1", 30000, got, sizeof(got), ids), 0);
}

static void run_all(store_test_fn fn, const char *name)
{
        enum cr_store_backend kinds[] = { CR_STORE_SQLITE, CR_STORE_POSTGRES };

        for (size_t i = 0; i < 2; i++) {
                _cleanup_(cr_store_closep) struct cr_store *s = NULL;
                _cleanup_error_ struct cr_error *err = NULL;
                struct backend b = {};

                if (kinds[i] == CR_STORE_POSTGRES && !pg_host)
                        continue;
                printf("# %s on %s\n", name, kinds[i] == CR_STORE_SQLITE ? "SQLite" : "PostgreSQL");
                ASSERT_OK(open_backend(&b, kinds[i], &s));
                ASSERT_EQ(cr_store_migrate(s, &err), 3);
                fn(&b, s);
                if (tests_current_failed)
                        return;
        }
}

#define STORE_TEST(n) \
        TEST(n)       \
        {             \
                run_all(t_##n, #n); \
        }

TEST(setup)
{
        ASSERT_TRUE(mkdtemp(tmpdir) != NULL);
        pg_host = getenv("CR_TEST_PGHOST");
        pg_port = getenv("CR_TEST_PGPORT");
        if (pg_host && !pg_port)
                pg_port = "5432";
        printf("# backends: SQLite%s\n", pg_host ? ", PostgreSQL" : " (CR_TEST_PGHOST unset: tests/store runs PostgreSQL)");
}

STORE_TEST(migrate_twice)
STORE_TEST(insert_get_idempotent)
STORE_TEST(claim_finish_lifecycle)
STORE_TEST(cancel)
STORE_TEST(every_final_status)
STORE_TEST(crash_recovery)
STORE_TEST(expired_leases)
STORE_TEST(prune)
STORE_TEST(notifications)
STORE_TEST(rows_as_written)
STORE_TEST(outbox)

TEST(cleanup)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        ASSERT_EQ(system(cmd), 0);
}

TESTS_MAIN
