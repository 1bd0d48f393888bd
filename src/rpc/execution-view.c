/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "execution-view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job/execution.h"
#include "jobspec/jobspec.h"
#include "macro.h"
#include "xalloc.h"

#define MAX_ACTUAL_OUTPUT (64u * 1024) /* per test, in responses */

typedef Com__Levelupjourney__Coderunner__PipelineStep ExecStep;
typedef Com__Levelupjourney__Coderunner__ExecutionMetadata ExecMetadata;
typedef Com__Levelupjourney__Coderunner__TestResult ExecTestResult;

_Static_assert((int) CR_JOB_COMPLETED == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_COMPLETED &&
               (int) CR_JOB_TIMED_OUT == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_TIMEOUT &&
               (int) CR_JOB_CANCELLED == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_CANCELLED &&
               (int) CR_JOB_PENDING == (int) COM__LEVELUPJOURNEY__CODERUNNER__EXECUTION_STATUS__EXECUTION_STATUS_PENDING,
               "job status values are V2's execution status values");

/* ------------------------------------------------------------ time */

Google__Protobuf__Timestamp *v2_timestamp(struct rpc_pool *pl, uint64_t us)
{
        Google__Protobuf__Timestamp *ts;

        if (us == 0)
                return NULL;
        ts = rpc_pool_new(pl, sizeof(*ts));
        google__protobuf__timestamp__init(ts);
        ts->seconds = (int64_t) (us / 1000000u);
        ts->nanos = (int32_t) (us % 1000000u) * 1000;
        return ts;
}

/* proto3 strings must be UTF-8: invalid bytes become '?'; at most max bytes. */
static char *utf8_clean(struct rpc_pool *pl, const char *s, size_t len, size_t max)
{
        char *out = rpc_pool_new(pl, MIN(len, max) + 1);
        size_t i = 0, o = 0;

        while (i < len && o < max) {
                unsigned char c = (unsigned char) s[i];
                size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
                           (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
                bool ok = n > 0 && c != 0 && i + n <= len && o + n <= max;
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
                memcpy(out + o, s + i, n);
                o += n;
                i += n;
        }
        out[o] = 0;
        return out;
}

/* ------------------------------------------------------------ steps */

struct step_builder {
        struct v2_steps *v;
        unsigned next_buf;
};

static char *num(struct step_builder *b, uint64_t v)
{
        char *buf = b->v->buf[b->next_buf++ % 16];

        snprintf(buf, sizeof(b->v->buf[0]), "%" PRIu64, v);
        return buf;
}

static void kv(struct cr_exec_step *s, const char *k, const char *v)
{
        if (s->n_meta < CR_EXEC_MAX_META)
                s->meta[s->n_meta++] = (struct cr_exec_kv) { (char *) k, (char *) (v ? v : "") };
}

static void set(struct cr_exec_step *s, enum cr_exec_step_status status, uint64_t start, uint64_t end,
                const char *message, const char *error)
{
        s->status = status;
        s->started_us = start;
        s->completed_us = end;
        s->message = (char *) message;
        s->error = (char *) error;
}

static void step_validate(struct step_builder *b, const struct cr_execution *x)
{
        struct cr_exec_step *s = &b->v->s[0];
        const struct cr_job_spec *spec = x->spec;

        set(s, CR_EXEC_STEP_COMPLETED, x->created_us, x->created_us, "request is valid", NULL);
        if (!spec)
                return;
        kv(s, "language", spec->language && spec->language[0] ? spec->language : "cpp");
        kv(s, "requested_memory_limit_mb", num(b, (uint64_t) (int64_t) spec->origin.requested_memory_limit_mb));
        kv(s, "requested_timeout_seconds", num(b, (uint64_t) (int64_t) spec->origin.requested_timeout_seconds));
        kv(s, "tests", num(b, spec->n_tests));
}

/* Returns when the compile step ended (the run_tests step starts then). */
static uint64_t step_compile(struct step_builder *b, const struct cr_execution *x)
{
        struct cr_exec_step *s = &b->v->s[1];
        const struct cr_job_outcome *o = x->outcome;
        uint64_t end;

        if (x->status == CR_JOB_PENDING) {
                set(s, CR_EXEC_STEP_PENDING, 0, 0, "waiting for a worker", NULL);
                return 0;
        }
        if (!o) {
                bool running = x->status == CR_JOB_RUNNING;
                set(s, running ? CR_EXEC_STEP_RUNNING : x->status == CR_JOB_CANCELLED ? CR_EXEC_STEP_SKIPPED :
                                                                                      CR_EXEC_STEP_FAILED,
                    x->started_us, running ? 0 : x->completed_us, running ? "taken by a worker" : NULL,
                    running ? NULL : x->error_message ? x->error_message : x->message);
                return 0;
        }
        if (!o->compiled) {
                set(s, CR_EXEC_STEP_SKIPPED, 0, 0, "no compilation for this language", NULL);
                return x->started_us;
        }
        end = MIN(x->completed_us, x->started_us + o->compile.wall_ms * 1000u);
        set(s, o->compile_failed ? CR_EXEC_STEP_FAILED : CR_EXEC_STEP_COMPLETED, x->started_us, end,
            o->compile_failed ? "compilation failed" : "compiled", o->compile_failed ? o->error_message : NULL);
        kv(s, "cpu_ms", num(b, o->compile.cpu_ms));
        kv(s, "memory_peak_bytes", num(b, o->compile.memory_peak_bytes));
        kv(s, "verdict", cr_verdict_to_string(o->compile.verdict));
        kv(s, "wall_ms", num(b, o->compile.wall_ms));
        return end;
}

static void step_tests_and_judge(struct step_builder *b, const struct cr_execution *x, uint64_t compile_end)
{
        struct cr_exec_step *run = &b->v->s[2], *judge = &b->v->s[3];
        const struct cr_job_outcome *o = x->outcome;
        size_t ran = 0;

        if (!o || o->compile_failed) {
                const char *why = !o ? (cr_job_status_is_final(x->status) ? "not run" : NULL) : "compilation failed";
                set(run, why ? CR_EXEC_STEP_SKIPPED : CR_EXEC_STEP_PENDING, 0, 0, why, NULL);
                set(judge, why ? CR_EXEC_STEP_SKIPPED : CR_EXEC_STEP_PENDING, 0, 0, why, NULL);
                return;
        }
        for (size_t i = 0; i < o->n_tests; i++)
                ran += o->tests[i].ran;
        set(run, ran == o->n_tests ? CR_EXEC_STEP_COMPLETED : CR_EXEC_STEP_FAILED, compile_end, x->completed_us,
            ran == o->n_tests ? "every test ran" : "some tests did not run",
            ran == o->n_tests ? NULL : "not every test could be run");
        kv(run, "tests", num(b, ran));
        set(judge, CR_EXEC_STEP_COMPLETED, x->completed_us, x->completed_us, o->message, NULL);
        kv(judge, "error_type", o->error_type);
        kv(judge, "failed", num(b, o->n_tests - o->passed));
        kv(judge, "passed", num(b, o->passed));
}

void v2_derive_steps(const struct cr_execution *x, struct v2_steps *ret)
{
        static const char *const names[V2_STEPS] = { "validate", "compile", "run_tests", "judge" };
        struct step_builder b = { .v = ret };
        uint64_t compile_end;

        *ret = (struct v2_steps) {};
        for (unsigned i = 0; i < V2_STEPS; i++) {
                ret->s[i].name = (char *) names[i];
                ret->s[i].order = i + 1;
        }
        step_validate(&b, x);
        compile_end = step_compile(&b, x);
        step_tests_and_judge(&b, x, compile_end);
}

ExecStep **v2_steps_pb(struct rpc_pool *pl, const struct v2_steps *steps)
{
        ExecStep **v = rpc_pool_new(pl, (V2_STEPS + 1) * sizeof(*v));

        for (size_t i = 0; i < V2_STEPS; i++) {
                const struct cr_exec_step *s = &steps->s[i];
                ExecStep *p = v[i] = rpc_pool_new(pl, sizeof(*p));
                Com__Levelupjourney__Coderunner__PipelineStep__StepMetadataEntry **meta =
                        rpc_pool_new(pl, (s->n_meta + 1) * sizeof(*meta));

                com__levelupjourney__coderunner__pipeline_step__init(p);
                p->name = s->name;
                p->status = (Com__Levelupjourney__Coderunner__StepStatus) s->status;
                p->started_at = v2_timestamp(pl, s->started_us);
                p->completed_at = v2_timestamp(pl, s->completed_us);
                p->message = s->message ? s->message : (char *) "";
                p->error = s->error ? s->error : (char *) "";
                for (size_t k = 0; k < s->n_meta; k++) {
                        meta[k] = rpc_pool_new(pl, sizeof(*meta[k]));
                        com__levelupjourney__coderunner__pipeline_step__step_metadata_entry__init(meta[k]);
                        meta[k]->key = s->meta[k].key;
                        meta[k]->value = s->meta[k].value;
                }
                p->step_metadata = meta;
                p->n_step_metadata = s->n_meta;
                p->step_order = (int32_t) s->order;
        }
        return v;
}

/* ------------------------------------------------------------ metadata */

static int run_exit_code(const struct cr_job_outcome *o)
{
        if (o->compile_failed)
                return o->compile.exit_code;
        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].ran && o->tests[i].run.exit_code != 0)
                        return o->tests[i].run.exit_code;
        return 0;
}

static ExecTestResult *test_result(struct rpc_pool *pl, const struct cr_execution *x, size_t i)
{
        const struct cr_job_test_outcome *t = &x->outcome->tests[i];
        const struct cr_job_test *spec = x->spec && i < x->spec->n_tests ? &x->spec->tests[i] : NULL;
        ExecTestResult *r = rpc_pool_new(pl, sizeof(*r));

        com__levelupjourney__coderunner__test_result__init(r);
        r->test_id = (char *) (spec && spec->id ? spec->id : "");
        r->passed = t->passed;
        /* function mode: the values compared; otherwise the texts */
        r->expected_output = t->expected ? t->expected :
                             spec ? utf8_clean(pl, spec->expected ? spec->expected : "", spec->expected_len,
                                               MAX_ACTUAL_OUTPUT) :
                                    (char *) "";
        r->actual_output = t->actual ? t->actual :
                           t->ran ? utf8_clean(pl, t->run.out.data ? t->run.out.data : "", t->run.out.len,
                                               MAX_ACTUAL_OUTPUT) :
                                    (char *) "";
        r->error_message = t->message ? t->message : (char *) "";
        r->execution_time_ms = t->ran ? (int64_t) t->run.wall_ms : 0;
        return r;
}

ExecMetadata *v2_metadata(struct rpc_pool *pl, const struct cr_execution *x)
{
        const struct cr_job_outcome *o = x->outcome;
        ExecMetadata *m = rpc_pool_new(pl, sizeof(*m));
        Com__Levelupjourney__Coderunner__CompilationInfo *c = rpc_pool_new(pl, sizeof(*c));

        com__levelupjourney__coderunner__execution_metadata__init(m);
        com__levelupjourney__coderunner__compilation_info__init(c);
        m->started_at = v2_timestamp(pl, x->created_us);
        m->completed_at = v2_timestamp(pl, x->completed_us);
        if (x->completed_us > x->created_us)
                m->execution_time_ms = (int64_t) ((x->completed_us - x->created_us) / 1000u);
        c->error_message = (char *) "";
        m->compilation = c;
        if (!o)
                return m;
        m->memory_used_mb = (int64_t) ((cr_job_outcome_memory_peak(o) + (1u << 20) - 1) >> 20);
        m->exit_code = run_exit_code(o);
        c->success = !o->compile_failed;
        c->error_message = o->compile_failed && o->error_message ? o->error_message : (char *) "";
        c->compilation_time_ms = o->compiled ? (int64_t) o->compile.wall_ms : 0;
        m->test_results = rpc_pool_new(pl, (o->n_tests + 1) * sizeof(*m->test_results));
        for (size_t i = 0; i < o->n_tests; i++)
                m->test_results[i] = test_result(pl, x, i);
        m->n_test_results = o->n_tests;
        return m;
}

char **v2_passed_ids(struct rpc_pool *pl, const struct cr_execution *x, size_t *ret_n)
{
        const struct cr_job_outcome *o = x->outcome;
        size_t n = 0, max = o ? o->n_tests : x->approved_ids ? strlen(x->approved_ids) / 2 + 1 : 0;
        char **v = rpc_pool_new(pl, (max + 1) * sizeof(*v));

        for (size_t i = 0; o && x->spec && i < o->n_tests && i < x->spec->n_tests; i++)
                if (o->tests[i].passed)
                        v[n++] = (char *) x->spec->tests[i].id;
        /* a row the original wrote: its comma-separated list */
        if (!o && x->approved_ids && x->approved_ids[0]) {
                size_t len = strlen(x->approved_ids);
                char *copy = rpc_pool_new(pl, len + 1), *save = NULL;
                memcpy(copy, x->approved_ids, len + 1);
                for (char *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
                        v[n++] = t;
        }
        *ret_n = n;
        return v;
}

int v2_status(const struct cr_execution *x)
{
        if (x->status == CR_JOB_COMPLETED && x->outcome && x->outcome->compile_failed)
                return CR_EXEC_FAILED;
        return (int) x->status;
}

bool v2_success(const struct cr_execution *x)
{
        return cr_job_status_is_final(x->status) && (x->outcome ? x->outcome->success : x->success);
}

const char *v2_message(const struct cr_execution *x)
{
        if (x->status == CR_JOB_PENDING)
                return "Execution pending";
        if (x->status == CR_JOB_RUNNING)
                return "Execution in progress";
        if (x->outcome)
                return x->outcome->message ? x->outcome->message : "";
        if (x->error_message && x->error_message[0])
                return x->error_message;
        return x->message ? x->message : "";
}

/* ------------------------------------------------------------ replayed log */

static const char *step_word(enum cr_exec_step_status s)
{
        switch (s) {
        case CR_EXEC_STEP_RUNNING: return "started";
        case CR_EXEC_STEP_COMPLETED: return "completed";
        case CR_EXEC_STEP_FAILED: return "failed";
        case CR_EXEC_STEP_SKIPPED: return "skipped";
        default: return "pending";
        }
}

size_t v2_log_entries(const struct cr_execution *x, const struct v2_steps *steps, struct cr_exec_log *ret,
                      char (*texts)[256], size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < V2_STEPS && n < max; i++) {
                const struct cr_exec_step *s = &steps->s[i];
                if (s->status == CR_EXEC_STEP_PENDING)
                        continue;
                snprintf(texts[n], 256, "Step %s %s%s%s", s->name, step_word(s->status),
                         s->message ? ": " : "", s->message ? s->message : "");
                ret[n] = (struct cr_exec_log) {
                        .time_us = s->completed_us ? s->completed_us : s->started_us ? s->started_us : x->created_us,
                        .level = s->status == CR_EXEC_STEP_FAILED ? CR_EXEC_LOG_ERROR : CR_EXEC_LOG_INFO,
                        .message = texts[n],
                        .step = s->name,
                };
                n++;
        }
        for (size_t i = 0; x->outcome && x->spec && i < x->outcome->n_tests && n < max; i++) {
                const struct cr_job_test_outcome *t = &x->outcome->tests[i];
                if (!t->ran)
                        continue;
                snprintf(texts[n], 256, "Test %s %s", x->spec->tests[i].id, t->passed ? "passed" : "failed");
                ret[n] = (struct cr_exec_log) {
                        .time_us = x->completed_us,
                        .level = t->passed ? CR_EXEC_LOG_INFO : CR_EXEC_LOG_WARN,
                        .message = texts[n],
                        .step = (char *) "run_tests",
                        .n_meta = 2,
                };
                ret[n].meta[0] = (struct cr_exec_kv) { (char *) "test_id", (char *) x->spec->tests[i].id };
                ret[n].meta[1] = (struct cr_exec_kv) { (char *) "verdict", (char *) cr_verdict_to_string(t->run.verdict) };
                n++;
        }
        return n;
}
