/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "event.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "execution.h"
#include "jobspec/jobspec.h"
#include "xalloc.h"

#define MAX_EVENT (4u << 20)

static void string_field(struct cr_buf *b, const char *name, const char *value, bool comma)
{
        (void) cr_buf_printf(b, "%s\"%s\":", comma ? "," : "", name);
        (void) cr_buf_append_json_string(b, value ? value : "", value ? strlen(value) : 0);
}

/* RFC 3339 with nanoseconds, like Go's time.Time. */
static void timestamp(uint64_t us, char buf[static 48])
{
        time_t t = (time_t) (us / 1000000u);
        struct tm tm;

        gmtime_r(&t, &tm);
        snprintf(buf, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%06u000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned) (us % 1000000u));
}

/* The exit code of the first run that did not exit 0 (omitted when 0). */
static int exit_code(const struct cr_job_outcome *o)
{
        if (o->compile_failed)
                return o->compile.exit_code;
        for (size_t i = 0; i < o->n_tests; i++)
                if (o->tests[i].ran && o->tests[i].run.exit_code != 0)
                        return o->tests[i].run.exit_code;
        return 0;
}

static void test_results(struct cr_buf *b, const struct cr_execution *x)
{
        const struct cr_job_outcome *o = x->outcome;

        (void) cr_buf_append(b, ",\"test_results\":[", 17);
        for (size_t i = 0; i < o->n_tests && x->spec && i < x->spec->n_tests; i++) {
                const struct cr_job_test_outcome *t = &o->tests[i];
                (void) cr_buf_append(b, i ? ",{" : "{", i ? 2 : 1);
                string_field(b, "test_id", x->spec->tests[i].id, false);
                string_field(b, "test_name", x->spec->tests[i].id, true);
                (void) cr_buf_printf(b, ",\"passed\":%s", t->passed ? "true" : "false");
                if (t->ran && t->run.wall_ms)
                        (void) cr_buf_printf(b, ",\"execution_time_ms\":%" PRIu64, t->run.wall_ms);
                if (!t->passed && t->message)
                        string_field(b, "error_message", t->message, true);
                (void) cr_buf_append(b, "}", 1);
        }
        (void) cr_buf_append(b, "]", 1);
}

char *cr_job_event_json(const struct cr_execution *x)
{
        const struct cr_job_outcome *o = x->outcome;
        const struct cr_job_origin *origin = &x->spec->origin;
        struct cr_buf b = CR_BUF_INIT(MAX_EVENT);
        uint64_t peak = cr_job_outcome_memory_peak(o);
        char ts[48];
        int code = exit_code(o);

        timestamp(x->completed_us, ts);
        (void) cr_buf_append(&b, "{", 1);
        string_field(&b, "execution_id", x->id, false);
        string_field(&b, "challenge_id", origin->challenge_id, true);
        string_field(&b, "code_version_id", origin->code_version_id, true);
        string_field(&b, "student_id", origin->student_id, true);
        string_field(&b, "language", x->spec->runtime, true);
        string_field(&b, "status", cr_job_status_to_string(x->status), true);
        string_field(&b, "timestamp", ts, true);
        (void) cr_buf_printf(&b, ",\"execution_time_ms\":%" PRIu64, o->execution_time_ms);
        if (peak)
                (void) cr_buf_printf(&b, ",\"memory_usage_mb\":%.2f", (double) peak / (1024.0 * 1024.0));
        if (code)
                (void) cr_buf_printf(&b, ",\"exit_code\":%d", code);
        (void) cr_buf_printf(&b, ",\"total_tests\":%zu,\"passed_tests\":%u,\"failed_tests\":%zu,\"success\":%s",
                             o->n_tests, o->passed, o->n_tests - o->passed, o->success ? "true" : "false");
        if (o->error_message && o->error_message[0])
                string_field(&b, "error_message", o->error_message, true);
        if (o->error_type && o->error_type[0])
                string_field(&b, "error_type", o->error_type, true);
        test_results(&b, x);
        string_field(&b, "server_instance", x->server_instance, true);
        (void) cr_buf_append(&b, "}", 1);
        return b.data ? cr_buf_steal(&b) : xstrdup("{}");
}
