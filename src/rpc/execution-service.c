/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "services.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code_execution.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "execution-view.h"
#include "job-call.h"
#include "job/evaluation.h"
#include "job/queue.h"
#include "job/results.h"
#include "job/watch.h"
#include "log.h"
#include "macro.h"
#include "server.h"
#include "status.h"
#include "validate.h"
#include "uuid.h"
#include "xalloc.h"

/* com.levelupjourney.coderunner.CodeExecutionService: the original's older
 * interface (V2, reference §1.1), backed by the real evaluator.
 *
 * ExecuteCode runs like EvaluateSolution (the same lifecycle, the same
 * judging). Its answer and GetExecutionStatus are both derived from the
 * execution record (execution-view.c): GetExecutionStatus reads it from the
 * job store, so it finds an execution from any instance and after a
 * restart, and answers exactly what ExecuteCode answered.
 *
 * Pipeline steps, in order: validate, compile (SKIPPED for interpreted
 * languages), run_tests, judge. validate is the acceptance; compile starts
 * when a worker takes the job and lasts the compiler's measured wall time;
 * run_tests ends when the last test's result arrived; judge is that moment.
 * Each step's step_metadata carries the exact measured numbers.
 *
 * StreamExecutionLogs streams the live log kept by the instance that
 * accepted the execution (a bounded in-memory table, job/results.h); on
 * another instance, or after a restart, it replays the log derived from the
 * stored record (one entry per step and per test), live until the end.
 *
 * ExecutionConfig: timeout_seconds and memory_limit_mb must not be negative;
 * positive values are recorded in the validate step's metadata but the
 * operator's sandbox limits apply (a client cannot raise them).
 * enable_network = true is rejected (sandboxes have no network);
 * environment_variables and debug_mode are ignored.
 *
 * Execution status: the stored row's status (COMPLETED when judged,
 * TIMEOUT when the worst test hit a time limit, FAILED for an internal
 * error, CANCELLED), except that a compile error is FAILED here. */

#define SERVICE "/com.levelupjourney.coderunner.CodeExecutionService/"

typedef Com__Levelupjourney__Coderunner__CodeExecutionRequest ExecRequest;

/* The live logs, one table per process, shared by every server the
 * service is added to; it lives until exit. */
static struct cr_exec_table *table;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

/* What a call needs beyond the execution record. */
struct execution {
        char id[CR_EXEC_ID_LEN + 1];
        char **test_ids;
        bool *seen_output;                 /* touched by the one thread that relays output */
        size_t n_tests;
};

/* ------------------------------------------------------------ live log */

static void execution_free(void *p)
{
        struct execution *ex = p;

        if (!ex)
                return;
        for (size_t i = 0; i < ex->n_tests; i++)
                free(ex->test_ids[i]);
        free(ex->test_ids);
        free(ex->seen_output);
        free(ex);
}

static void set_step(const char *id, const char *name, enum cr_exec_step_status status, uint64_t started_us,
                     const char *message)
{
        struct cr_exec_step s = {
                .name = (char *) name,
                .status = status,
                .started_us = started_us,
                .message = (char *) message,
        };

        cr_exec_table_set_step(table, id, &s);
}

static void log_tests(const struct cr_execution *x)
{
        for (size_t i = 0; x->spec && i < x->outcome->n_tests; i++) {
                const struct cr_job_test_outcome *t = &x->outcome->tests[i];
                const char *tid = x->spec->tests[i].id;
                _cleanup_free_ char *msg = NULL;
                char ms[24];
                struct cr_exec_log l = {
                        .level = t->passed ? CR_EXEC_LOG_INFO : CR_EXEC_LOG_WARN,
                        .step = (char *) "run_tests",
                        .n_meta = 3,
                };

                if (!t->ran)
                        continue;
                msg = t->passed ? xasprintf("Test %s passed", tid) :
                                  xasprintf("Test %s failed: %s", tid, t->message ? t->message : "failed");
                snprintf(ms, sizeof(ms), "%" PRIu64, t->run.wall_ms);
                l.message = msg;
                l.meta[0] = (struct cr_exec_kv) { (char *) "test_id", (char *) tid };
                l.meta[1] = (struct cr_exec_kv) { (char *) "verdict", (char *) cr_verdict_to_string(t->run.verdict) };
                l.meta[2] = (struct cr_exec_kv) { (char *) "wall_ms", ms };
                cr_exec_table_log(table, x->id, &l);
        }
}

/* The final steps into the live log (its subscribers see them), then the
 * entry ends. */
static void log_final(const struct cr_execution *x)
{
        struct v2_steps steps;
        struct cr_exec_result r = { .message = xstrdup(v2_message(x)), .compile_error = xstrdup("") };

        v2_derive_steps(x, &steps);
        cr_exec_table_set_step(table, x->id, &steps.s[1]);
        if (x->outcome && !x->outcome->compile_failed)
                log_tests(x);
        cr_exec_table_set_step(table, x->id, &steps.s[2]);
        cr_exec_table_set_step(table, x->id, &steps.s[3]);
        r.success = v2_success(x);
        cr_exec_table_finish(table, x->id, (enum cr_exec_status) v2_status(x), &r);
}

/* ------------------------------------------------------------ answers */

static void fill_status(struct rpc_pool *pl, const struct cr_execution *x,
                        Com__Levelupjourney__Coderunner__ExecutionStatusResponse *resp)
{
        struct v2_steps *steps = rpc_pool_new(pl, sizeof(*steps));

        v2_derive_steps(x, steps);
        resp->execution_id = (char *) x->id;
        resp->status = (Com__Levelupjourney__Coderunner__ExecutionStatus) v2_status(x);
        resp->approved_test_ids = v2_passed_ids(pl, x, &resp->n_approved_test_ids);
        resp->success = v2_success(x);
        resp->message = (char *) v2_message(x);
        resp->metadata = v2_metadata(pl, x);
        resp->pipeline_steps = v2_steps_pb(pl, steps);
        resp->n_pipeline_steps = V2_STEPS;
}

static void reply(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx)
{
        Com__Levelupjourney__Coderunner__CodeExecutionResponse resp =
                COM__LEVELUPJOURNEY__CODERUNNER__CODE_EXECUTION_RESPONSE__INIT;
        struct rpc_pool pl = {};
        struct v2_steps *steps = rpc_pool_new(&pl, sizeof(*steps));

        (void) ctx;
        log_final(x);
        v2_derive_steps(x, steps);
        resp.passed_tests_id = v2_passed_ids(&pl, x, &resp.n_passed_tests_id);
        resp.time_taken = (int64_t) x->outcome->execution_time_ms;
        resp.success = x->outcome->success;
        resp.message = (char *) v2_message(x);
        resp.execution_id = (char *) x->id;
        resp.metadata = v2_metadata(&pl, x);
        resp.pipeline_steps = v2_steps_pb(&pl, steps);
        resp.n_pipeline_steps = V2_STEPS;
        (void) cr_rpc_call_reply(call, &resp.base);
        rpc_pool_done(&pl);
}

static void failed(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx)
{
        (void) call, (void) ctx;
        log_final(x);
}

/* A worker took the job: the compile step starts. */
static void running(struct cr_rpc_call *call, const struct cr_execution *x, void *ctx)
{
        struct execution *ex = ctx;

        cr_exec_table_set_status(table, ex->id, CR_EXEC_RUNNING);
        set_step(ex->id, "compile", CR_EXEC_STEP_RUNNING, x->started_us ? x->started_us : cr_now_us(),
                 "taken by a worker");
        log_info("ExecuteCode call=%" PRIu64 " execution=%s: started on %s", cr_rpc_call_id(call), ex->id,
                 x->server_instance && x->server_instance[0] ? x->server_instance : "this instance");
}

/* Live progress: the first output of a test shows it is running. */
static void output(struct cr_rpc_call *call, void *ctx, unsigned index, enum cr_sandbox_stream stream,
                   const char *data, size_t n)
{
        struct execution *ex = ctx;
        _cleanup_free_ char *msg = NULL;
        struct cr_exec_log l = { .level = CR_EXEC_LOG_DEBUG, .step = (char *) "run_tests", .n_meta = 1 };

        (void) call, (void) stream, (void) data, (void) n;
        if (index >= ex->n_tests || ex->seen_output[index])
                return;
        ex->seen_output[index] = true;
        msg = xasprintf("Test %s is running (first output)", ex->test_ids[index]);
        l.message = msg;
        l.meta[0] = (struct cr_exec_kv) { (char *) "test_id", ex->test_ids[index] };
        cr_exec_table_log(table, ex->id, &l);
}

static const struct rpc_job_call_ops job_ops = {
        .reply = reply,
        .failed = failed,
        .running = running,
        .output = output,
        .free_ctx = execution_free,
};

/* ------------------------------------------------------------ ExecuteCode */

static struct execution *execution_new(const ExecRequest *req, const char *id)
{
        struct execution *ex = xzalloc(sizeof(*ex));

        snprintf(ex->id, sizeof(ex->id), "%s", id);
        ex->n_tests = req->n_test_cases;
        ex->test_ids = xzalloc((ex->n_tests + 1) * sizeof(char *));
        ex->seen_output = xzalloc(ex->n_tests + 1);
        for (size_t i = 0; i < ex->n_tests; i++)
                ex->test_ids[i] = xstrdup(req->test_cases[i]->code_version_test_id);
        return ex;
}

static void fill_spec(const ExecRequest *req, struct cr_job_spec *s)
{
        s->origin.code_version_id = req->code_version_id;
        s->origin.student_id = req->student_id;
        s->origin.requested_timeout_seconds = req->config ? req->config->timeout_seconds : 0;
        s->origin.requested_memory_limit_mb = req->config ? req->config->memory_limit_mb : 0;
        s->language = req->language;
        s->code = req->code;
        s->code_len = req->code ? strlen(req->code) : 0;
        s->stream_output = true; /* the first output of each test is logged */
        for (size_t i = 0; i < req->n_test_cases; i++) {
                const Com__Levelupjourney__Coderunner__CodeExecutionTestCase *t = req->test_cases[i];
                s->tests[i] = (struct cr_job_test) {
                        .id = t->code_version_test_id,
                        .stdin_data = t->input,
                        .stdin_len = t->input ? strlen(t->input) : 0,
                        .expected = t->expected_output,
                        .expected_len = t->expected_output ? strlen(t->expected_output) : 0,
                        .custom_validation_code = t->custom_validation_code,
                };
        }
}

static void log_validated(const char *id, const ExecRequest *req)
{
        struct cr_exec_step s = { .name = (char *) "validate", .status = CR_EXEC_STEP_COMPLETED,
                                  .started_us = cr_now_us(), .message = (char *) "request is valid" };

        s.completed_us = s.started_us;
        (void) req;
        cr_exec_table_set_step(table, id, &s);
}

/* The live log's entry exists before the job is submitted (its callbacks
 * may run before this returns); a request refused at admission leaves none. */
static int start(struct cr_rpc_call *call, struct cr_evaluation *e, const ExecRequest *req, struct cr_error **err)
{
        char id[CR_EXEC_ID_LEN + 1];
        int r;

        snprintf(id, sizeof(id), "%s", cr_evaluation_id(e));
        r = cr_exec_table_add(table, id, err);
        if (r < 0) {
                cr_evaluation_unref(e);
                return r;
        }
        log_validated(id, req);
        r = rpc_job_call_start(call, e, &job_ops, execution_new(req, id), err);
        if (r < 0)
                cr_exec_table_remove(table, id);
        return r;
}

static void handle_execute(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const ExecRequest *req = (const void *) msg;
        struct cr_evaluator *evaluator = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_evaluation *e = NULL;
        int r;

        r = cr_rpc_validate_code_execution_request(req, &err);
        if (r >= 0)
                r = cr_evaluation_new(evaluator, CR_JOB_SERVICE_EXECUTE_CODE, req->n_test_cases, &e, &err);
        if (r >= 0) {
                fill_spec(req, cr_evaluation_spec(e));
                rpc_job_call_fill_origin(call, e);
                r = start(call, e, req, &err);
        }
        if (r < 0)
                rpc_job_call_refuse(call, err);
}

/* ------------------------------------------------------------ GetExecutionStatus */

static int lookup_id(const char *id, struct cr_error **err)
{
        if (!id || !id[0])
                return cr_error_set(err, 0, CR_ERROR_INVALID, "execution_id is required and cannot be empty");
        if (!cr_uuid_is_valid(id))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "invalid execution_id format: %s", id);
        return 0;
}

static void status_read(void *userdata, const struct cr_execution *x, const struct cr_error *err)
{
        struct cr_rpc_call *call = userdata;
        Com__Levelupjourney__Coderunner__ExecutionStatusResponse resp =
                COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS_RESPONSE__INIT;
        struct rpc_pool pl = {};

        if (err) {
                (void) cr_rpc_call_finish_error(call, err);
        } else {
                fill_status(&pl, x, &resp);
                (void) cr_rpc_call_reply(call, &resp.base);
                rpc_pool_done(&pl);
        }
        cr_rpc_call_unref(call);
}

static void handle_status(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Com__Levelupjourney__Coderunner__ExecutionStatusRequest *req = (const void *) msg;
        struct cr_evaluator *evaluator = userdata;
        _cleanup_error_ struct cr_error *err = NULL;

        if (lookup_id(req->execution_id, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        /* read on a store thread; this one returns at once */
        cr_queue_get(cr_evaluator_queue(evaluator), req->execution_id, status_read, cr_rpc_call_ref(call));
}

/* ------------------------------------------------------------ HealthCheck */

static void handle_health(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        Com__Levelupjourney__Coderunner__HealthCheckResponse resp =
                COM__LEVELUPJOURNEY__CODERUNNER__HEALTH_CHECK_RESPONSE__INIT;
        bool ready = cr_queue_ready(cr_evaluator_queue(userdata));
        struct rpc_pool pl = {};

        (void) msg;
        resp.status = ready ? COM__LEVELUPJOURNEY__CODERUNNER__HEALTH_STATUS__HEALTH_STATUS_SERVING :
                              COM__LEVELUPJOURNEY__CODERUNNER__HEALTH_STATUS__HEALTH_STATUS_NOT_SERVING;
        resp.message = ready ? (char *) "Code Runner service is healthy" : (char *) "the job store is unavailable";
        resp.timestamp = v2_timestamp(&pl, cr_now_us());
        (void) cr_rpc_call_reply(call, &resp.base);
        rpc_pool_done(&pl);
}

/* ------------------------------------------------------------ StreamExecutionLogs */

static void send_entry(struct cr_rpc_call *call, const struct cr_exec_log *l)
{
        Com__Levelupjourney__Coderunner__LogEntry e = COM__LEVELUPJOURNEY__CODERUNNER__LOG_ENTRY__INIT;
        Com__Levelupjourney__Coderunner__LogEntry__MetadataEntry kv[CR_EXEC_MAX_META], *kvp[CR_EXEC_MAX_META];
        struct rpc_pool pl = {};

        e.timestamp = v2_timestamp(&pl, l->time_us);
        e.level = (Com__Levelupjourney__Coderunner__LogLevel) l->level;
        e.message = l->message;
        e.step_name = l->step;
        for (size_t i = 0; i < l->n_meta; i++) {
                com__levelupjourney__coderunner__log_entry__metadata_entry__init(&kv[i]);
                kv[i].key = l->meta[i].key;
                kv[i].value = l->meta[i].value;
                kvp[i] = &kv[i];
        }
        e.metadata = kvp;
        e.n_metadata = l->n_meta;
        (void) cr_rpc_call_send(call, &e.base);
        rpc_pool_done(&pl);
}

/* The live log: the stream holds a call reference until the execution is
 * over, then finishes the call (a no-op when the client left). */
static void on_log(void *userdata, const struct cr_exec_log *l, bool last)
{
        struct cr_rpc_call *call = userdata;

        if (!last) {
                send_entry(call, l);
                return;
        }
        (void) cr_rpc_call_finish(call, CR_RPC_STATUS_OK, NULL);
        cr_rpc_call_unref(call);
}

/* A replay from the store, live until the execution ends. */
struct replay {
        unsigned refs;                     /* atomic */
        struct cr_rpc_call *call;
        struct cr_queue *queue;            /* not owned */
        struct cr_watch *watch;
        pthread_mutex_t lock;              /* the read and a final state may race: sent, done */
        int sent[V2_STEPS];                /* the step status last sent; 0 = none */
        bool done;
};

static void replay_unref(void *p)
{
        struct replay *rp = p;

        if (__atomic_sub_fetch(&rp->refs, 1, __ATOMIC_SEQ_CST) > 0)
                return;
        cr_rpc_call_unref(rp->call);
        pthread_mutex_destroy(&rp->lock);
        free(rp);
}

static void replay_ref(void *p)
{
        __atomic_add_fetch(&((struct replay *) p)->refs, 1, __ATOMIC_SEQ_CST);
}

/* The step an entry of v2_log_entries() is about, or -1 (a test's). */
static int entry_step(const struct cr_exec_log *l, const struct v2_steps *steps)
{
        for (int s = 0; s < V2_STEPS; s++)
                if (l->step == steps->s[s].name && l->n_meta == 0)
                        return s;
        return -1;
}

/* Sends what was not sent yet (a step whose status changed; the tests at
 * the end); at a final state, finishes. */
static void replay_send(struct replay *rp, const struct cr_execution *x)
{
        struct v2_steps steps;
        struct cr_exec_log entries[V2_STEPS + 256];
        char texts[V2_STEPS + 256][256];
        bool final = cr_job_status_is_final(x->status);
        size_t n;

        v2_derive_steps(x, &steps);
        n = v2_log_entries(x, &steps, entries, texts, ARRAY_SIZE(entries));
        pthread_mutex_lock(&rp->lock);
        for (size_t i = 0; i < n && !rp->done; i++) {
                int k = entry_step(&entries[i], &steps);
                if (k >= 0 && rp->sent[k] == (int) steps.s[k].status)
                        continue;
                if (k >= 0)
                        rp->sent[k] = (int) steps.s[k].status;
                else if (!final)
                        continue;
                send_entry(rp->call, &entries[i]);
        }
        if (final && !rp->done) {
                rp->done = true;
                (void) cr_rpc_call_finish(rp->call, CR_RPC_STATUS_OK, NULL);
        }
        pthread_mutex_unlock(&rp->lock);
}

/* Leaves the subscription (once it is known and the replay is over). */
static void replay_end(struct replay *rp)
{
        struct cr_watch *w = NULL;

        pthread_mutex_lock(&rp->lock);
        if (rp->done)
                w = TAKE_PTR(rp->watch);
        pthread_mutex_unlock(&rp->lock);
        cr_queue_unwatch(rp->queue, w);
}

static void replay_state(void *userdata, const struct cr_execution *x)
{
        /* a running notification carries too little; the final record is whole */
        if (!cr_job_status_is_final(x->status))
                return;
        replay_send(userdata, x);
        replay_end(userdata);
}

static const struct cr_watch_ops replay_ops = {
        .on_state = replay_state,
        .ref = replay_ref,
        .unref = replay_unref,
};

static void replay_read(void *userdata, const struct cr_execution *x, const struct cr_error *err)
{
        struct replay *rp = userdata;

        if (err) {
                pthread_mutex_lock(&rp->lock);
                rp->done = true;
                pthread_mutex_unlock(&rp->lock);
                (void) cr_rpc_call_finish_error(rp->call, err);
        } else
                replay_send(rp, x);
        replay_end(rp);
        replay_unref(rp);
}

static void replay_start(struct cr_rpc_call *call, struct cr_queue *q, const char *id)
{
        struct replay *rp = xzalloc(sizeof(*rp));
        struct cr_watch *w;

        rp->refs = 2; /* the read's, and the watch's own */
        rp->call = cr_rpc_call_ref(call);
        pthread_mutex_init(&rp->lock, NULL);
        rp->queue = q;
        /* subscribed before the read: no final state falls in between */
        w = cr_queue_watch(q, id, &replay_ops, rp);
        pthread_mutex_lock(&rp->lock);
        rp->watch = w;
        pthread_mutex_unlock(&rp->lock);
        replay_unref(rp); /* the watch took its reference */
        cr_queue_get(q, id, replay_read, rp);
}

static void handle_stream(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Com__Levelupjourney__Coderunner__StreamLogsRequest *req = (const void *) msg;
        _cleanup_error_ struct cr_error *err = NULL;
        uint64_t token;

        if (lookup_id(req->execution_id, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        if (cr_exec_table_subscribe(table, req->execution_id, on_log, cr_rpc_call_ref(call), &token, &err) >= 0)
                return;
        cr_rpc_call_unref(call);
        /* not accepted here, or before a restart: the stored record */
        replay_start(call, cr_evaluator_queue(userdata), req->execution_id);
}

/* ------------------------------------------------------------ registration */

int cr_rpc_add_execution_service(struct cr_rpc_server *srv, struct cr_evaluator *evaluator, struct cr_error **err)
{
        int r = 0;

        pthread_mutex_lock(&table_lock);
        if (!table)
                r = cr_exec_table_new(CR_EXEC_TABLE_DEFAULT_CAPACITY, &table, err);
        pthread_mutex_unlock(&table_lock);
        if (r < 0)
                return r;
        if ((r = cr_rpc_server_add_method(srv, SERVICE "ExecuteCode", CR_RPC_UNARY,
                                          &com__levelupjourney__coderunner__code_execution_request__descriptor,
                                          handle_execute, evaluator, err)) < 0 ||
            (r = cr_rpc_server_add_method(srv, SERVICE "GetExecutionStatus", CR_RPC_UNARY,
                                          &com__levelupjourney__coderunner__execution_status_request__descriptor,
                                          handle_status, evaluator, err)) < 0 ||
            (r = cr_rpc_server_add_method(srv, SERVICE "HealthCheck", CR_RPC_UNARY,
                                          &com__levelupjourney__coderunner__health_check_request__descriptor,
                                          handle_health, evaluator, err)) < 0 ||
            (r = cr_rpc_server_add_method(srv, SERVICE "StreamExecutionLogs", CR_RPC_SERVER_STREAM,
                                          &com__levelupjourney__coderunner__stream_logs_request__descriptor,
                                          handle_stream, evaluator, err)) < 0)
                return r;
        return 0;
}
