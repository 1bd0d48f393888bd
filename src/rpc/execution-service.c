/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "services.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "code_execution.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "job/evaluate.h"
#include "job/results.h"
#include "log.h"
#include "server.h"
#include "status.h"
#include "validate.h"
#include "xalloc.h"

/* com.levelupjourney.coderunner.CodeExecutionService: the original's older
 * interface (V2, reference §1.1), now backed by the real evaluator instead of
 * V2's mock adapter.
 *
 * ExecuteCode runs like EvaluateSolution (same evaluator, same judging) and
 * records the execution in a bounded in-memory table (job/results.h), so
 * GetExecutionStatus and StreamExecutionLogs can find it by execution_id
 * while it runs and after (until evicted: oldest finished first).
 *
 * Pipeline steps, in order: validate, compile (SKIPPED for interpreted
 * languages), run_tests, judge. Timestamps are wall clock. validate is timed
 * around the request checks; compile starts when the job is submitted (so it
 * includes any queue wait) and lasts the compiler's measured wall time;
 * run_tests ends when the evaluator reports; judge is the summing-up right
 * before. Each step's step_metadata carries the exact measured numbers.
 *
 * ExecutionConfig: timeout_seconds and memory_limit_mb must not be negative;
 * positive values are recorded in the validate step's metadata but the
 * operator's sandbox limits apply (a client cannot raise them).
 * enable_network = true is rejected (sandboxes have no network);
 * environment_variables and debug_mode are ignored.
 *
 * Execution status: COMPLETED when the solution was judged (whatever the
 * verdict), FAILED for a compile error or an internal error, TIMEOUT when the
 * worst test hit the time limit, CANCELLED when the client went away. */

#define SERVICE "/com.levelupjourney.coderunner.CodeExecutionService/"
#define MAX_ACTUAL_OUTPUT (64u * 1024) /* per test, in responses */

typedef Com__Levelupjourney__Coderunner__CodeExecutionRequest ExecRequest;
typedef Com__Levelupjourney__Coderunner__ExecutionMetadata ExecMetadata;
typedef Com__Levelupjourney__Coderunner__PipelineStep ExecStep;
typedef Com__Levelupjourney__Coderunner__TestResult ExecTestResult;
typedef Google__Protobuf__Timestamp Timestamp;

_Static_assert((int) CR_EXEC_COMPLETED == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_COMPLETED &&
               (int) CR_EXEC_CANCELLED == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_CANCELLED &&
               (int) CR_EXEC_PENDING == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_PENDING,
               "execution status values");
_Static_assert((int) CR_EXEC_STEP_SKIPPED == (int) COM__LEVELUPJOURNEY__CODERUNNER__STEP_STATUS__STEP_STATUS_SKIPPED &&
               (int) CR_EXEC_STEP_PENDING == (int) COM__LEVELUPJOURNEY__CODERUNNER__STEP_STATUS__STEP_STATUS_PENDING,
               "step status values");
_Static_assert((int) CR_EXEC_LOG_ERROR == (int) COM__LEVELUPJOURNEY__CODERUNNER__LOG_LEVEL__LOG_LEVEL_ERROR &&
               (int) CR_EXEC_LOG_DEBUG == (int) COM__LEVELUPJOURNEY__CODERUNNER__LOG_LEVEL__LOG_LEVEL_DEBUG,
               "log level values");

/* One table per process, shared by every server the service is added to;
 * it lives until exit (evaluations and streams may reference it to the end). */
static struct cr_exec_table *table;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

struct execution {
        struct cr_rpc_call *call;
        struct cr_eval *eval;
        char id[CR_EXEC_ID_LEN + 1];
        char **expected;                   /* per test, for test_results */
        char **test_ids;
        bool *seen_output;                 /* touched by the pool thread only */
        size_t n_tests;
        uint64_t submitted_us;
};

/* ------------------------------------------------------------ message pool */

/* Everything a response points to, freed in one go after it is sent. */
struct pool {
        void **p;
        size_t n, alloc;
};

static void *pool_add(struct pool *pl, void *p)
{
        if (pl->n == pl->alloc) {
                pl->alloc = pl->alloc ? pl->alloc * 2 : 32;
                pl->p = xrealloc(pl->p, pl->alloc * sizeof(void *));
        }
        pl->p[pl->n++] = p;
        return p;
}

static void *pool_new(struct pool *pl, size_t n)
{
        return pool_add(pl, xzalloc(n));
}

static void pool_done(struct pool *pl)
{
        for (size_t i = 0; i < pl->n; i++)
                free(pl->p[i]);
        free(pl->p);
        *pl = (struct pool) {};
}

static Timestamp *timestamp(struct pool *pl, uint64_t us)
{
        Timestamp *ts;

        if (us == 0)
                return NULL;
        ts = pool_new(pl, sizeof(*ts));
        google__protobuf__timestamp__init(ts);
        ts->seconds = (int64_t) (us / 1000000u);
        ts->nanos = (int32_t) (us % 1000000u) * 1000;
        return ts;
}

/* proto3 strings must be UTF-8: invalid bytes become '?'; at most max bytes. */
static char *utf8_clean(const char *s, size_t len, size_t max)
{
        char *out = xmalloc(MIN(len, max) + 1);
        size_t i = 0, o = 0;

        while (i < len && o < max) {
                unsigned char c = (unsigned char) s[i];
                size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
                           (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
                bool ok = n > 0 && i + n <= len && o + n <= max;
                for (size_t k = 1; ok && k < n; k++)
                        ok = ((unsigned char) s[i + k] & 0xc0) == 0x80;
                if (ok && n == 3)
                        ok = !(c == 0xe0 && (unsigned char) s[i + 1] < 0xa0) &&
                             !(c == 0xed && (unsigned char) s[i + 1] >= 0xa0);
                if (ok && n == 4)
                        ok = !(c == 0xf0 && (unsigned char) s[i + 1] < 0x90) &&
                             !(c == 0xf4 && (unsigned char) s[i + 1] >= 0x90);
                if (!ok) {
                        out[o++] = '?';
                        i++;
                        continue;
                }
                if (c == 0) {
                        out[o++] = '?';
                        i++;
                        continue;
                }
                memcpy(out + o, s + i, n);
                o += n;
                i += n;
        }
        out[o] = 0;
        return out;
}

/* ------------------------------------------------------------ info → proto */

static Com__Levelupjourney__Coderunner__PipelineStep__StepMetadataEntry **step_meta(struct pool *pl,
                                                                                   const struct cr_exec_step *s)
{
        Com__Levelupjourney__Coderunner__PipelineStep__StepMetadataEntry **v = pool_new(pl, (s->n_meta + 1) *
                                                                                                sizeof(*v));

        for (size_t i = 0; i < s->n_meta; i++) {
                v[i] = pool_new(pl, sizeof(*v[i]));
                com__levelupjourney__coderunner__pipeline_step__step_metadata_entry__init(v[i]);
                v[i]->key = s->meta[i].key;
                v[i]->value = s->meta[i].value;
        }
        return v;
}

static ExecStep **pipeline_steps(struct pool *pl, const struct cr_exec_info *info)
{
        ExecStep **v = pool_new(pl, (info->n_steps + 1) * sizeof(*v));

        for (size_t i = 0; i < info->n_steps; i++) {
                const struct cr_exec_step *s = &info->steps[i];
                ExecStep *p = v[i] = pool_new(pl, sizeof(*p));
                com__levelupjourney__coderunner__pipeline_step__init(p);
                p->name = s->name;
                p->status = (Com__Levelupjourney__Coderunner__StepStatus) s->status;
                p->started_at = timestamp(pl, s->started_us);
                p->completed_at = timestamp(pl, s->completed_us);
                p->message = s->message ? s->message : (char *) "";
                p->error = s->error ? s->error : (char *) "";
                p->step_metadata = step_meta(pl, s);
                p->n_step_metadata = s->n_meta;
                p->step_order = (int32_t) s->order;
        }
        return v;
}

static ExecMetadata *metadata(struct pool *pl, const struct cr_exec_info *info)
{
        const struct cr_exec_result *r = &info->result;
        ExecMetadata *m = pool_new(pl, sizeof(*m));
        Com__Levelupjourney__Coderunner__CompilationInfo *c = pool_new(pl, sizeof(*c));
        ExecTestResult **tests = pool_new(pl, (r->n_tests + 1) * sizeof(*tests));

        com__levelupjourney__coderunner__execution_metadata__init(m);
        com__levelupjourney__coderunner__compilation_info__init(c);
        m->started_at = timestamp(pl, info->created_us);
        m->completed_at = timestamp(pl, info->completed_us);
        if (info->completed_us)
                m->execution_time_ms = (int64_t) ((info->completed_us - info->created_us) / 1000u);
        m->memory_used_mb = (int64_t) r->memory_used_mb;
        m->exit_code = r->exit_code;
        c->success = r->compile_success;
        c->error_message = r->compile_error ? r->compile_error : (char *) "";
        c->compilation_time_ms = (int64_t) r->compile_time_ms;
        m->compilation = c;
        for (size_t i = 0; i < r->n_tests; i++) {
                ExecTestResult *t = tests[i] = pool_new(pl, sizeof(*t));
                com__levelupjourney__coderunner__test_result__init(t);
                t->test_id = r->tests[i].id;
                t->passed = r->tests[i].passed;
                t->expected_output = r->tests[i].expected;
                t->actual_output = r->tests[i].actual;
                t->error_message = r->tests[i].error;
                t->execution_time_ms = (int64_t) r->tests[i].time_ms;
        }
        m->test_results = tests;
        m->n_test_results = r->n_tests;
        return m;
}

static char **passed_ids(struct pool *pl, const struct cr_exec_result *r, size_t *ret_n)
{
        char **v = pool_new(pl, (r->n_tests + 1) * sizeof(*v));
        size_t n = 0;

        for (size_t i = 0; i < r->n_tests; i++)
                if (r->tests[i].passed)
                        v[n++] = r->tests[i].id;
        *ret_n = n;
        return v;
}

/* ------------------------------------------------------------ ExecuteCode */

static void set_step(const char *id, const char *name, enum cr_exec_step_status status, uint64_t started_us,
                     uint64_t completed_us, const char *message, const char *error, const struct cr_exec_kv *meta,
                     size_t n_meta)
{
        struct cr_exec_step s = {
                .name = (char *) name,
                .status = status,
                .started_us = started_us,
                .completed_us = completed_us,
                .message = (char *) message,
                .error = (char *) error,
        };

        for (size_t i = 0; i < n_meta && i < CR_EXEC_MAX_META; i++)
                s.meta[s.n_meta++] = meta[i];
        cr_exec_table_set_step(table, id, &s);
}

static struct execution *execution_free(struct execution *ex)
{
        if (!ex)
                return NULL;
        for (size_t i = 0; i < ex->n_tests; i++) {
                free(ex->expected[i]);
                free(ex->test_ids[i]);
        }
        free(ex->expected);
        free(ex->test_ids);
        free(ex->seen_output);
        free(ex);
        return NULL;
}

static int run_exit_code(const struct cr_eval_outcome *o)
{
        if (o->compile_failed)
                return o->compile.exit_code;
        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].ran && o->tests[i].run.exit_code != 0)
                        return o->tests[i].run.exit_code;
        return 0;
}

static void fill_result(const struct execution *ex, const struct cr_eval_outcome *o, struct cr_exec_result *r)
{
        uint64_t peak = 0;

        r->success = o->success;
        r->message = xstrdup(o->message ? o->message : "");
        r->time_taken_ms = o->execution_time_ms;
        r->exit_code = run_exit_code(o);
        r->compile_success = !o->compile_failed;
        r->compile_error = xstrdup(o->compile_failed && o->error_message ? o->error_message : "");
        r->compile_time_ms = o->compiled ? o->compile.wall_ms : 0;
        r->tests = xzalloc((o->n_tests + 1) * sizeof(*r->tests));
        r->n_tests = o->n_tests;
        for (size_t i = 0; i < o->n_tests; i++) {
                const struct cr_eval_test_result *t = &o->tests[i];
                r->tests[i] = (struct cr_exec_test) {
                        .id = xstrdup(t->id),
                        .passed = t->passed,
                        /* function mode: the values compared; otherwise the texts */
                        .expected = xstrdup(t->expected ? t->expected : i < ex->n_tests ? ex->expected[i] : ""),
                        .actual = t->actual ? xstrdup(t->actual) :
                                  t->ran ? utf8_clean(t->run.out.data ? t->run.out.data : "", t->run.out.len,
                                                      MAX_ACTUAL_OUTPUT) :
                                           xstrdup(""),
                        .error = xstrdup(t->message ? t->message : ""),
                        .time_ms = t->ran ? t->run.wall_ms : 0,
                };
                if (t->ran && t->run.memory_peak_bytes > peak)
                        peak = t->run.memory_peak_bytes;
        }
        r->memory_used_mb = (peak + (1u << 20) - 1) >> 20;
}

static enum cr_exec_status status_of(const struct cr_eval_outcome *o)
{
        if (o->compile_failed || strcmp(o->error_type, "internal_error") == 0)
                return CR_EXEC_FAILED;
        if (strcmp(o->error_type, "timeout") == 0)
                return CR_EXEC_TIMEOUT;
        return CR_EXEC_COMPLETED;
}

static void record_compile(const struct execution *ex, const struct cr_eval_outcome *o, uint64_t done_us,
                           uint64_t *ret_end_us)
{
        char wall[24], cpu[24], mem[24];
        struct cr_exec_kv meta[4];
        uint64_t end;

        if (!o->compiled) {
                set_step(ex->id, "compile", CR_EXEC_STEP_SKIPPED, 0, 0, "no compilation for this language", NULL,
                         NULL, 0);
                *ret_end_us = ex->submitted_us;
                return;
        }
        snprintf(wall, sizeof(wall), "%llu", (unsigned long long) o->compile.wall_ms);
        snprintf(cpu, sizeof(cpu), "%llu", (unsigned long long) o->compile.cpu_ms);
        snprintf(mem, sizeof(mem), "%llu", (unsigned long long) o->compile.memory_peak_bytes);
        meta[0] = (struct cr_exec_kv) { (char *) "verdict", (char *) cr_verdict_to_string(o->compile.verdict) };
        meta[1] = (struct cr_exec_kv) { (char *) "wall_ms", wall };
        meta[2] = (struct cr_exec_kv) { (char *) "cpu_ms", cpu };
        meta[3] = (struct cr_exec_kv) { (char *) "memory_peak_bytes", mem };
        end = MIN(done_us, ex->submitted_us + o->compile.wall_ms * 1000u);
        set_step(ex->id, "compile", o->compile_failed ? CR_EXEC_STEP_FAILED : CR_EXEC_STEP_COMPLETED,
                 ex->submitted_us, end, o->compile_failed ? "compilation failed" : "compiled",
                 o->compile_failed ? o->error_message : NULL, meta, 4);
        *ret_end_us = end;
}

static void record_tests(const struct execution *ex, const struct cr_eval_outcome *o)
{
        for (size_t i = 0; i < o->n_tests; i++) {
                const struct cr_eval_test_result *t = &o->tests[i];
                char ms[24];
                _cleanup_free_ char *msg = NULL;
                struct cr_exec_log l = {
                        .level = t->passed ? CR_EXEC_LOG_INFO : CR_EXEC_LOG_WARN,
                        .step = (char *) "run_tests",
                        .n_meta = 3,
                };

                if (!t->ran)
                        continue;
                msg = t->passed ? xasprintf("Test %s passed", t->id) :
                                  xasprintf("Test %s failed: %s", t->id, t->message ? t->message : "failed");
                snprintf(ms, sizeof(ms), "%llu", (unsigned long long) t->run.wall_ms);
                l.message = msg;
                l.meta[0] = (struct cr_exec_kv) { (char *) "test_id", t->id };
                l.meta[1] = (struct cr_exec_kv) { (char *) "verdict", (char *) cr_verdict_to_string(t->run.verdict) };
                l.meta[2] = (struct cr_exec_kv) { (char *) "wall_ms", ms };
                cr_exec_table_log(table, ex->id, &l);
        }
}

static void record_steps(const struct execution *ex, const struct cr_eval_outcome *o, uint64_t done_us)
{
        char ran[24], passed[24], failed[24];
        struct cr_exec_kv meta[3];
        uint64_t compile_end;
        size_t n_ran = 0;

        record_compile(ex, o, done_us, &compile_end);
        if (o->compile_failed) {
                set_step(ex->id, "run_tests", CR_EXEC_STEP_SKIPPED, 0, 0, "compilation failed", NULL, NULL, 0);
                set_step(ex->id, "judge", CR_EXEC_STEP_SKIPPED, 0, 0, "compilation failed", NULL, NULL, 0);
                return;
        }
        for (size_t i = 0; i < o->n_tests; i++)
                n_ran += o->tests[i].ran;
        snprintf(ran, sizeof(ran), "%zu", n_ran);
        snprintf(passed, sizeof(passed), "%u", o->passed);
        snprintf(failed, sizeof(failed), "%zu", o->n_tests - o->passed);
        record_tests(ex, o);
        meta[0] = (struct cr_exec_kv) { (char *) "tests", ran };
        set_step(ex->id, "run_tests", n_ran == o->n_tests ? CR_EXEC_STEP_COMPLETED : CR_EXEC_STEP_FAILED,
                 compile_end, done_us, n_ran == o->n_tests ? "every test ran" : "some tests did not run",
                 n_ran == o->n_tests ? NULL : "not every test could be run", meta, 1);
        meta[0] = (struct cr_exec_kv) { (char *) "passed", passed };
        meta[1] = (struct cr_exec_kv) { (char *) "failed", failed };
        meta[2] = (struct cr_exec_kv) { (char *) "error_type", (char *) o->error_type };
        set_step(ex->id, "judge", CR_EXEC_STEP_COMPLETED, done_us, done_us, o->message, NULL, meta, 3);
}

static void reply(struct execution *ex)
{
        Com__Levelupjourney__Coderunner__CodeExecutionResponse resp =
                COM__LEVELUPJOURNEY__CODERUNNER__CODE_EXECUTION_RESPONSE__INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_exec_info_freep) struct cr_exec_info *info = NULL;
        struct pool pl = {};

        if (cr_exec_table_get(table, ex->id, &info, &err) < 0) {
                /* evicted already: only possible with a tiny table */
                (void) cr_error_wrap(&err, "execution %s", ex->id);
                err->kind = CR_ERROR_INTERNAL;
                (void) cr_rpc_call_finish_error(ex->call, err);
                return;
        }
        resp.passed_tests_id = passed_ids(&pl, &info->result, &resp.n_passed_tests_id);
        resp.time_taken = (int64_t) info->result.time_taken_ms;
        resp.success = info->result.success;
        resp.message = info->result.message;
        resp.execution_id = info->id;
        resp.metadata = metadata(&pl, info);
        resp.pipeline_steps = pipeline_steps(&pl, info);
        resp.n_pipeline_steps = info->n_steps;
        (void) cr_rpc_call_reply(ex->call, &resp.base);
        pool_done(&pl);
}

static void fail(struct execution *ex, const struct cr_error *err)
{
        struct cr_exec_result r = {};
        enum cr_exec_status st = err->kind == CR_ERROR_CANCELLED ? CR_EXEC_CANCELLED :
                                 err->kind == CR_ERROR_TIMEOUT   ? CR_EXEC_TIMEOUT :
                                                                   CR_EXEC_FAILED;
        const char *what = st == CR_EXEC_CANCELLED ? "Execution cancelled" :
                           st == CR_EXEC_TIMEOUT   ? "Execution timed out" :
                                                     "Execution failed: internal error";

        /* the chain may name host paths: clients get the summary only */
        set_step(ex->id, "compile", st == CR_EXEC_CANCELLED ? CR_EXEC_STEP_SKIPPED : CR_EXEC_STEP_FAILED,
                 ex->submitted_us, cr_exec_now_us(), NULL, what, NULL, 0);
        r.message = xstrdup(what);
        r.compile_error = xstrdup("");
        cr_exec_table_finish(table, ex->id, st, &r);
}

static void on_done(void *userdata, const struct cr_eval_outcome *outcome, const struct cr_error *err)
{
        struct execution *ex = userdata;
        uint64_t done_us = cr_exec_now_us();

        if (err) {
                if (err->kind != CR_ERROR_CANCELLED)
                        log_error_err(err, "ExecuteCode call=%llu execution=%s failed",
                                      (unsigned long long) cr_rpc_call_id(ex->call), ex->id);
                fail(ex, err);
                (void) cr_rpc_call_finish_error(ex->call, err);
        } else {
                struct cr_exec_result r = {};
                record_steps(ex, outcome, done_us);
                fill_result(ex, outcome, &r);
                cr_exec_table_finish(table, ex->id, status_of(outcome), &r);
                reply(ex);
        }
        /* no cancel callback after this: drop the reference it held */
        cr_rpc_call_on_cancel(ex->call, NULL, NULL);
        cr_eval_unref(ex->eval);
        cr_rpc_call_unref(ex->call);
        cr_eval_unref(ex->eval);
        execution_free(ex);
}

/* Live progress: the first output of a test shows it is running. */
static void on_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct execution *ex = userdata;
        _cleanup_free_ char *msg = NULL;
        struct cr_exec_log l = { .level = CR_EXEC_LOG_DEBUG, .step = (char *) "run_tests", .n_meta = 1 };

        (void) stream, (void) data, (void) n;
        if (index >= ex->n_tests || ex->seen_output[index])
                return;
        ex->seen_output[index] = true;
        msg = xasprintf("Test %s is running (first output)", ex->test_ids[index]);
        l.message = msg;
        l.meta[0] = (struct cr_exec_kv) { (char *) "test_id", ex->test_ids[index] };
        cr_exec_table_log(table, ex->id, &l);
}

static void on_cancel(struct cr_rpc_call *call, void *userdata)
{
        (void) call;
        cr_eval_cancel(userdata);
}

static struct execution *execution_new(const ExecRequest *req)
{
        struct execution *ex = xzalloc(sizeof(*ex));

        ex->n_tests = req->n_test_cases;
        ex->expected = xzalloc((ex->n_tests + 1) * sizeof(char *));
        ex->test_ids = xzalloc((ex->n_tests + 1) * sizeof(char *));
        ex->seen_output = xzalloc(ex->n_tests + 1);
        for (size_t i = 0; i < ex->n_tests; i++) {
                const char *e = req->test_cases[i]->expected_output;
                ex->expected[i] = xstrdup(e ? e : "");
                ex->test_ids[i] = xstrdup(req->test_cases[i]->code_version_test_id);
        }
        return ex;
}

static void record_validated(const struct execution *ex, const ExecRequest *req, uint64_t started_us)
{
        char timeout[16], memory[16], tests[24];
        struct cr_exec_kv meta[4] = {
                { (char *) "language", req->language && req->language[0] ? req->language : (char *) "cpp" },
                { (char *) "tests", tests },
                { (char *) "requested_timeout_seconds", timeout },
                { (char *) "requested_memory_limit_mb", memory },
        };

        snprintf(tests, sizeof(tests), "%zu", req->n_test_cases);
        snprintf(timeout, sizeof(timeout), "%d", req->config ? req->config->timeout_seconds : 0);
        snprintf(memory, sizeof(memory), "%d", req->config ? req->config->memory_limit_mb : 0);
        set_step(ex->id, "validate", CR_EXEC_STEP_COMPLETED, started_us, cr_exec_now_us(), "request is valid",
                 NULL, meta, 4);
}

/* Prepares the evaluation; on success ex->eval is set. */
static int prepare(struct cr_evaluator *evaluator, const ExecRequest *req, struct execution *ex,
                   struct cr_error **err)
{
        _cleanup_free_ struct cr_eval_test *tests = xzalloc((req->n_test_cases + 1) * sizeof(*tests));
        struct cr_eval_request er = {
                .language = req->language,
                .code = req->code,
                .code_len = req->code ? strlen(req->code) : 0,
                .tests = tests,
                .n_tests = req->n_test_cases,
        };

        for (size_t i = 0; i < req->n_test_cases; i++)
                tests[i] = (struct cr_eval_test) {
                        .id = req->test_cases[i]->code_version_test_id,
                        .input = req->test_cases[i]->input,
                        .expected_output = req->test_cases[i]->expected_output,
                        .custom_validation_code = req->test_cases[i]->custom_validation_code,
                };
        return cr_evaluator_prepare(evaluator, &er, on_done, on_output, ex, &ex->eval, err);
}

static void handle_execute(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const ExecRequest *req = (const void *) msg;
        struct cr_evaluator *evaluator = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        uint64_t started_us = cr_exec_now_us();
        struct execution *ex;
        int r;

        r = cr_rpc_validate_code_execution_request(req, &err);
        if (r < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        ex = execution_new(req);
        r = prepare(evaluator, req, ex, &err);
        if (r >= 0)
                r = cr_exec_table_add(table, ex->id, &err);
        if (r < 0) {
                if (ex->eval)
                        cr_eval_unref(ex->eval);
                (void) cr_rpc_call_finish_error(call, err);
                execution_free(ex);
                return;
        }
        record_validated(ex, req, started_us);
        ex->call = cr_rpc_call_ref(call);
        log_info("ExecuteCode call=%llu execution=%s: started", (unsigned long long) cr_rpc_call_id(call), ex->id);
        /* the cancel callback holds its own reference, dropped by on_done */
        cr_rpc_call_on_cancel(call, on_cancel, cr_eval_ref(ex->eval));
        ex->submitted_us = cr_exec_now_us();
        cr_exec_table_set_status(table, ex->id, CR_EXEC_RUNNING);
        set_step(ex->id, "compile", CR_EXEC_STEP_RUNNING, ex->submitted_us, 0, "submitted to the job queue", NULL,
                 NULL, 0);
        r = cr_eval_start(ex->eval, &err);
        if (r < 0) {
                struct cr_exec_result res = { .message = xstrdup("Execution was not started"),
                                              .compile_error = xstrdup("") };
                cr_rpc_call_on_cancel(call, NULL, NULL);
                set_step(ex->id, "compile", CR_EXEC_STEP_FAILED, ex->submitted_us, cr_exec_now_us(), NULL,
                         "not started", NULL, 0);
                cr_exec_table_finish(table, ex->id, CR_EXEC_FAILED, &res);
                (void) cr_rpc_call_finish_error(call, err);
                cr_eval_unref(ex->eval);
                cr_eval_unref(ex->eval);
                cr_rpc_call_unref(ex->call);
                execution_free(ex);
        }
}

/* ------------------------------------------------------------ GetExecutionStatus */

static int lookup_id(const char *id, struct cr_error **err)
{
        if (!id || !id[0])
                return cr_error_set(err, 0, CR_ERROR_INVALID, "execution_id is required and cannot be empty");
        if (!cr_exec_id_is_valid(id))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "invalid execution_id format: %s", id);
        return 0;
}

static void handle_status(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Com__Levelupjourney__Coderunner__ExecutionStatusRequest *req = (const void *) msg;
        Com__Levelupjourney__Coderunner__ExecutionStatusResponse resp =
                COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS_RESPONSE__INIT;
        _cleanup_(cr_exec_info_freep) struct cr_exec_info *info = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct pool pl = {};
        bool final;

        (void) userdata;
        if (lookup_id(req->execution_id, &err) < 0 || cr_exec_table_get(table, req->execution_id, &info, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        final = cr_exec_status_is_final(info->status);
        resp.execution_id = info->id;
        resp.status = (Com__Levelupjourney__Coderunner__ExecutionStatus) info->status;
        resp.approved_test_ids = passed_ids(&pl, &info->result, &resp.n_approved_test_ids);
        resp.success = final && info->result.success;
        resp.message = final ? info->result.message :
                       info->status == CR_EXEC_RUNNING ? (char *) "Execution in progress" :
                                                         (char *) "Execution pending";
        resp.metadata = metadata(&pl, info);
        resp.pipeline_steps = pipeline_steps(&pl, info);
        resp.n_pipeline_steps = info->n_steps;
        (void) cr_rpc_call_reply(call, &resp.base);
        pool_done(&pl);
}

/* ------------------------------------------------------------ HealthCheck */

static void handle_health(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        Com__Levelupjourney__Coderunner__HealthCheckResponse resp =
                COM__LEVELUPJOURNEY__CODERUNNER__HEALTH_CHECK_RESPONSE__INIT;
        struct pool pl = {};

        (void) msg, (void) userdata;
        resp.status = COM__LEVELUPJOURNEY__CODERUNNER__HEALTH_STATUS__HEALTH_STATUS_SERVING;
        resp.message = (char *) "Code Runner service is healthy";
        resp.timestamp = timestamp(&pl, cr_exec_now_us());
        (void) cr_rpc_call_reply(call, &resp.base);
        pool_done(&pl);
}

/* ------------------------------------------------------------ StreamExecutionLogs */

/* A stream holds a call reference until the execution is over: then it
 * finishes the call (a no-op when the client left) and drops it. No cancel
 * callback is needed: executions end by themselves (sandbox limits). */
struct log_stream {
        struct cr_rpc_call *call;
};

/* Runs with the table locked (results.h): only queues. */
static void on_log(void *userdata, const struct cr_exec_log *l, bool last)
{
        struct log_stream *st = userdata;
        Com__Levelupjourney__Coderunner__LogEntry e = COM__LEVELUPJOURNEY__CODERUNNER__LOG_ENTRY__INIT;
        Com__Levelupjourney__Coderunner__LogEntry__MetadataEntry kv[CR_EXEC_MAX_META], *kvp[CR_EXEC_MAX_META];
        struct pool pl = {};

        if (last) {
                (void) cr_rpc_call_finish(st->call, CR_RPC_STATUS_OK, NULL);
                cr_rpc_call_unref(st->call);
                free(st);
                return;
        }
        e.timestamp = timestamp(&pl, l->time_us);
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
        (void) cr_rpc_call_send(st->call, &e.base);
        pool_done(&pl);
}

static void handle_stream(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Com__Levelupjourney__Coderunner__StreamLogsRequest *req = (const void *) msg;
        _cleanup_error_ struct cr_error *err = NULL;
        struct log_stream *st;
        uint64_t token;

        (void) userdata;
        if (lookup_id(req->execution_id, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        st = xzalloc(sizeof(*st));
        st->call = cr_rpc_call_ref(call);
        if (cr_exec_table_subscribe(table, req->execution_id, on_log, st, &token, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                cr_rpc_call_unref(st->call);
                free(st);
        }
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
                                          handle_status, NULL, err)) < 0 ||
            (r = cr_rpc_server_add_method(srv, SERVICE "HealthCheck", CR_RPC_UNARY,
                                          &com__levelupjourney__coderunner__health_check_request__descriptor,
                                          handle_health, NULL, err)) < 0 ||
            (r = cr_rpc_server_add_method(srv, SERVICE "StreamExecutionLogs", CR_RPC_SERVER_STREAM,
                                          &com__levelupjourney__coderunner__stream_logs_request__descriptor,
                                          handle_stream, NULL, err)) < 0)
                return r;
        return 0;
}
