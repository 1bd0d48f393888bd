/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "events.h"

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "json/json.h"

/* The two event payloads (docs/events.md has every field and every
 * difference from the original's). */

/* Room kept for everything but the test messages. */
#define FIXED_ROOM        (64u * 1024u)
#define MIN_MESSAGE_BYTES 256u

static const char *const status_names[_CR_EVENT_STATUS_MAX] = {
        [CR_EVENT_COMPLETED] = "completed",
        [CR_EVENT_FAILED] = "failed",
        [CR_EVENT_TIMEOUT] = "timeout",
        [CR_EVENT_ERROR] = "error",
};

const char *cr_event_status_to_string(enum cr_event_status s)
{
        return s >= 0 && s < _CR_EVENT_STATUS_MAX ? status_names[s] : NULL;
}

static bool set(const char *s)
{
        return s && s[0];
}

/* omitempty strings */
static void optional_string(struct cr_json_writer *w, const char *key, const char *s, size_t max)
{
        if (!set(s))
                return;
        cr_json_key(w, key);
        cr_json_string_n(w, s, strnlen(s, max));
}

/* Each test's message gets an equal share of what the cap leaves, so a
 * thousand failing tests still make one bounded event. */
static size_t message_share(const struct cr_event_execution *e)
{
        size_t share = e->n_tests ? (CR_EVENT_MAX_BYTES - FIXED_ROOM) / 2 / e->n_tests : 0;

        return MAX(share, MIN_MESSAGE_BYTES);
}

static void test_results(struct cr_json_writer *w, const struct cr_event_execution *e)
{
        size_t share = message_share(e);

        if (e->n_tests == 0)
                return;
        cr_json_key(w, "test_results");
        cr_json_array_begin(w);
        for (size_t i = 0; i < e->n_tests; i++) {
                const struct cr_event_test *t = &e->tests[i];

                cr_json_object_begin(w);
                cr_json_field_string(w, "test_id", t->test_id);
                cr_json_field_string(w, "test_name", t->test_id);
                cr_json_field_bool(w, "passed", t->passed);
                if (t->execution_time_ms)
                        cr_json_field_uint(w, "execution_time_ms", t->execution_time_ms);
                optional_string(w, "error_message", t->error_message, share);
                cr_json_object_end(w);
        }
        cr_json_array_end(w);
}

static void compilation(struct cr_json_writer *w, const struct cr_event_execution *e)
{
        size_t share = (CR_EVENT_MAX_BYTES - FIXED_ROOM) / 4;

        if (!e->compiled)
                return;
        /* present whenever the runtime compiled, false included (the
         * original's omitempty would hide a failed compilation) */
        cr_json_field_bool(w, "compilation_success", e->compilation_success);
        if (e->compilation_time_ms)
                cr_json_field_uint(w, "compilation_time_ms", e->compilation_time_ms);
        optional_string(w, "compilation_error", e->compilation_error, share);
        optional_string(w, "compilation_warnings", e->compilation_warnings, share);
}

/* MiB with two decimals, as the executions table's decimal(10,2). */
static double megabytes(uint64_t bytes)
{
        uint64_t hundredths = (bytes / 1024u * 100u + 512u) / 1024u;

        return (double)hundredths / 100.0;
}

static int finish(struct cr_json_writer *w, struct cr_buf *out, size_t start, const char *what,
                  struct cr_error **err)
{
        int r = cr_json_writer_finish(w);

        if (r < 0) {
                out->len = start;
                if (out->data)
                        out->data[start] = 0;
                return cr_error_make(err, -r, r == -ENOSPC ? CR_ERROR_LIMIT : CR_ERROR_INTERNAL,
                                     "The %s event does not fit in %u bytes", what, CR_EVENT_MAX_BYTES);
        }
        return 0;
}

int cr_event_analytics_json(const struct cr_event_execution *e, struct cr_buf *out, struct cr_error **err)
{
        struct cr_buf b = *out;
        struct cr_json_writer w;
        size_t start = out->len, max = out->max;
        char ts[40];

        /* the event's own cap, inside whatever the caller's buffer allows */
        b.max = MIN(max, start + CR_EVENT_MAX_BYTES);
        cr_json_writer_init(&w, &b);
        cr_json_format_time(e->timestamp_us, ts);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "execution_id", e->execution_id);
        cr_json_field_string(&w, "challenge_id", e->challenge_id);
        cr_json_field_string(&w, "code_version_id", e->code_version_id);
        cr_json_field_string(&w, "student_id", e->student_id);
        cr_json_field_string(&w, "language", e->language);
        cr_json_field_string(&w, "status", cr_event_status_to_string(e->status));
        cr_json_field_string(&w, "timestamp", ts);
        cr_json_field_uint(&w, "execution_time_ms", e->execution_time_ms);
        if (e->memory_peak_bytes)
                cr_json_field_double(&w, "memory_usage_mb", megabytes(e->memory_peak_bytes));
        if (e->exit_code)
                cr_json_field_int(&w, "exit_code", e->exit_code);
        cr_json_field_uint(&w, "total_tests", e->total_tests);
        cr_json_field_uint(&w, "passed_tests", e->passed_tests);
        cr_json_field_uint(&w, "failed_tests", e->total_tests - MIN(e->passed_tests, e->total_tests));
        cr_json_field_bool(&w, "success", e->success);
        optional_string(&w, "error_message", e->error_message, FIXED_ROOM / 4);
        optional_string(&w, "error_type", e->error_type, 100);
        compilation(&w, e);
        test_results(&w, e);
        optional_string(&w, "server_instance", e->server_instance, 255);
        cr_json_object_end(&w);
        b.max = max;
        *out = b;
        return finish(&w, out, start, "execution.analytics", err);
}

/* The pass rate in percent, rounded down: the seed's `score` (the
 * Challenges service computes its own time-based score from success). */
static unsigned score(const struct cr_event_execution *e)
{
        if (e->total_tests == 0)
                return 0;
        return (unsigned)((uint64_t)MIN(e->passed_tests, e->total_tests) * 100u / e->total_tests);
}

int cr_event_challenge_json(const struct cr_event_execution *e, struct cr_buf *out, struct cr_error **err)
{
        struct cr_buf b = *out;
        struct cr_json_writer w;
        size_t start = out->len, max = out->max;
        char ts[40];

        b.max = MIN(max, start + CR_EVENT_MAX_BYTES);
        cr_json_writer_init(&w, &b);
        cr_json_format_time(e->timestamp_us, ts);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "challengeId", e->challenge_id);
        cr_json_field_string(&w, "userId", e->student_id);
        cr_json_field_string(&w, "executionId", e->execution_id);
        cr_json_field_string(&w, "status", cr_event_status_to_string(e->status));
        cr_json_field_uint(&w, "score", score(e));
        cr_json_field_uint(&w, "totalTests", e->total_tests);
        cr_json_field_uint(&w, "passedTests", e->passed_tests);
        cr_json_field_uint(&w, "executionTimeMs", e->execution_time_ms);
        cr_json_field_string(&w, "timestamp", ts);
        cr_json_object_end(&w);
        b.max = max;
        *out = b;
        return finish(&w, out, start, "challenge.completed", err);
}
