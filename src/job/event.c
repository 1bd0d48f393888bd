/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "events/events.h"
#include "execution.h"
#include "jobspec/jobspec.h"
#include "log.h"
#include "xalloc.h"

/* Room for one event: its own cap, and a little for the buffer's end. */
#define EVENT_BUF_MAX (CR_EVENT_MAX_BYTES + 1024u)

/* The consumer's vocabulary (docs/events.md, "Status mapping"). */
static enum cr_event_status event_status(const struct cr_execution *x)
{
        switch (x->status) {
        case CR_JOB_COMPLETED:
                return CR_EVENT_COMPLETED;
        case CR_JOB_TIMED_OUT:
                return CR_EVENT_TIMEOUT;
        case CR_JOB_FAILED:
                /* judged with an internal error, or given up without a verdict */
                return x->outcome ? CR_EVENT_ERROR : CR_EVENT_FAILED;
        default:
                return _CR_EVENT_STATUS_INVALID;
        }
}

/* The exit code of the first run (or the compiler) that did not exit 0. */
static int first_exit_code(const struct cr_job_outcome *o)
{
        if (o->compile_failed)
                return o->compile.exit_code;
        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].ran && o->tests[i].run.exit_code != 0)
                        return o->tests[i].run.exit_code;
        return 0;
}

/* The compiler's messages: what it wrote on stderr, else on stdout. */
static const char *compiler_messages(const struct cr_job_outcome *o)
{
        const struct cr_buf *b = o->compile.err.len ? &o->compile.err : &o->compile.out;

        return b->len && b->data ? b->data : NULL;
}

static void fill_compilation(struct cr_event_execution *e, const struct cr_job_outcome *o)
{
        e->compiled = o->compiled;
        if (!o->compiled)
                return;
        e->compilation_success = !o->compile_failed;
        e->compilation_time_ms = o->compile.wall_ms;
        if (o->compile_failed)
                e->compilation_error = compiler_messages(o);
        else
                e->compilation_warnings = compiler_messages(o);
}

static struct cr_event_test *fill_tests(const struct cr_execution *x, const struct cr_job_outcome *o)
{
        size_t n = MIN(o->n_tests, x->spec->n_tests);
        struct cr_event_test *t = xzalloc(MAX(n, (size_t) 1) * sizeof(*t));

        for (size_t i = 0; i < n; i++)
                t[i] = (struct cr_event_test) {
                        .test_id = x->spec->tests[i].id,
                        .passed = o->tests[i].passed,
                        .execution_time_ms = o->tests[i].ran ? o->tests[i].run.wall_ms : 0,
                        .error_message = o->tests[i].passed ? NULL : o->tests[i].message,
                };
        return t;
}

static void fill_outcome(struct cr_event_execution *e, const struct cr_execution *x, const struct cr_job_outcome *o)
{
        e->execution_time_ms = o->execution_time_ms;
        e->memory_peak_bytes = cr_job_outcome_memory_peak(o);
        e->exit_code = first_exit_code(o);
        e->total_tests = (unsigned) o->n_tests;
        e->passed_tests = o->passed;
        e->success = o->success;
        e->error_message = o->error_message;
        e->error_type = o->error_type;
        fill_compilation(e, o);
        e->n_tests = MIN(o->n_tests, x->spec->n_tests);
}

static char *write_event(const struct cr_event_execution *e, bool analytics)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_buf b = CR_BUF_INIT(EVENT_BUF_MAX);
        int r = analytics ? cr_event_analytics_json(e, &b, &err) : cr_event_challenge_json(e, &b, &err);

        if (r < 0 || !b.data) {
                log_error_err(err, "Execution %s: cannot write its event", e->execution_id);
                cr_buf_done(&b);
                return NULL;
        }
        return cr_buf_steal(&b);
}

static void add(struct cr_job_events *ret, const char *topic, const char *type, char *payload)
{
        if (!payload)
                return;
        ret->payloads[ret->n] = payload;
        ret->events[ret->n] = (struct cr_store_event) {
                .topic = topic, .key = ret->key, .type = type, .payload = payload, .payload_len = strlen(payload),
        };
        ret->n++;
}

void cr_job_events_build(const struct cr_execution *x, const char *challenge_topic, struct cr_job_events *ret)
{
        const struct cr_job_origin *origin = x->spec ? &x->spec->origin : NULL;
        _cleanup_free_ struct cr_event_test *tests = NULL;
        struct cr_event_execution e = {
                .execution_id = x->id,
                .challenge_id = origin ? origin->challenge_id : NULL,
                .code_version_id = origin ? origin->code_version_id : NULL,
                .student_id = origin ? origin->student_id : NULL,
                .language = x->spec ? x->spec->runtime : NULL,
                .status = event_status(x),
                .timestamp_us = x->completed_us,
                .error_message = x->error_message,
                .error_type = x->error_message ? "internal_error" : NULL,
                .server_instance = x->server_instance,
        };

        *ret = (struct cr_job_events) {};
        if (e.status < 0 || !x->spec)
                return;
        snprintf(ret->key, sizeof(ret->key), "%s", x->id);
        if (x->outcome) {
                fill_outcome(&e, x, x->outcome);
                e.tests = tests = fill_tests(x, x->outcome);
        }
        add(ret, CR_EVENTS_ANALYTICS_TOPIC, CR_EVENTS_ANALYTICS_TYPE, write_event(&e, true));
        add(ret, challenge_topic && challenge_topic[0] ? challenge_topic : CR_EVENTS_CHALLENGE_TOPIC_DEFAULT,
            CR_EVENTS_CHALLENGE_TYPE, write_event(&e, false));
}

void cr_job_events_done(struct cr_job_events *e)
{
        for (size_t i = 0; i < e->n; i++)
                free(e->payloads[i]);
        *e = (struct cr_job_events) {};
}
