/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "store.h"
#include "store-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "uuid.h"
#include "xalloc.h"

/* ------------------------------------------------------------ dispatch */

struct cr_store *cr_store_close(struct cr_store *s)
{
        if (s)
                s->ops->close(s);
        return NULL;
}

enum cr_store_backend cr_store_backend(const struct cr_store *s)
{
        return s->backend;
}

int cr_store_ping(struct cr_store *s, struct cr_error **err)
{
        return s->ops->ping(s, err);
}

int cr_store_migrate(struct cr_store *s, struct cr_error **err)
{
        return s->ops->migrate(s, err);
}

int cr_store_schema_version(struct cr_store *s, unsigned *ret, struct cr_error **err)
{
        return s->ops->schema_version(s, ret, err);
}

int cr_store_insert(struct cr_store *s, const struct cr_store_job *j, char ret_id[static CR_STORE_ID_LEN + 1],
                    bool *ret_existing, struct cr_error **err)
{
        if (!j->spec || !cr_uuid_is_valid(j->id) || !j->spec_bytes)
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL, "incomplete job for the store");
        *ret_existing = false;
        return s->ops->insert(s, j, ret_id, ret_existing, err);
}

int cr_store_claim(struct cr_store *s, const char *instance, uint64_t lease_ms, struct cr_store_claimed *ret,
                   size_t max, struct cr_error **err)
{
        if (max == 0)
                return 0;
        return s->ops->claim(s, instance, lease_ms, ret, max, err);
}

void cr_store_claimed_done(struct cr_store_claimed *c)
{
        free(c->spec);
        *c = (struct cr_store_claimed) {};
}

int cr_store_renew(struct cr_store *s, const char *instance, uint64_t lease_ms, struct cr_error **err)
{
        return s->ops->renew(s, instance, lease_ms, err);
}

int cr_store_requeue(struct cr_store *s, const char *instance, struct cr_store_requeued *ret, struct cr_error **err)
{
        *ret = (struct cr_store_requeued) {};
        return s->ops->requeue(s, instance, ret, err);
}

int cr_store_list_abandoned(struct cr_store *s, const char *instance, struct cr_store_abandoned *ret, size_t max,
                            struct cr_error **err)
{
        return s->ops->list_abandoned(s, instance, ret, max, err);
}

void cr_store_abandoned_done(struct cr_store_abandoned *a)
{
        free(a->owner);
        free(a->spec);
        a->owner = NULL;
        a->spec = NULL;
}

int cr_store_finish(struct cr_store *s, const struct cr_store_result *r, struct cr_error **err)
{
        if (!cr_job_status_is_final(r->status) || !r->instance)
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL, "finishing a job needs a final status");
        if (r->n_events > CR_STORE_MAX_EVENTS)
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL, "too many events for one job");
        return s->ops->finish(s, r, err);
}

int cr_store_cancel(struct cr_store *s, const char *id, enum cr_store_cancel_result *ret, struct cr_error **err)
{
        if (!cr_uuid_is_valid(id))
                return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "no execution %s", id);
        return s->ops->cancel(s, id, ret, err);
}

int cr_store_get(struct cr_store *s, const char *id, struct cr_store_row **ret, struct cr_error **err)
{
        if (!cr_uuid_is_valid(id))
                return cr_error_set(err, 0, CR_ERROR_NOT_FOUND, "no execution %s", id);
        return s->ops->get(s, id, ret, err);
}

struct cr_store_row *cr_store_row_free(struct cr_store_row *r)
{
        if (!r)
                return NULL;
        free(r->spec);
        free(r->outcome);
        free(r->server_instance);
        free(r->error_message);
        free(r->message);
        free(r->approved_test_ids);
        free(r);
        return NULL;
}

int cr_store_prune(struct cr_store *s, uint64_t before_us, unsigned batch, struct cr_error **err)
{
        return s->ops->prune(s, before_us, batch ? batch : 500, err);
}

int cr_store_outbox_claim(struct cr_store *s, const char *instance, uint64_t lease_ms,
                          struct cr_store_outbox_row *ret, size_t max, struct cr_error **err)
{
        if (max == 0)
                return 0;
        return s->ops->outbox_claim(s, instance, lease_ms, ret, max, err);
}

void cr_store_outbox_row_done(struct cr_store_outbox_row *r)
{
        free(r->topic);
        free(r->event_key);
        free(r->payload);
        *r = (struct cr_store_outbox_row) {};
}

int cr_store_outbox_sent(struct cr_store *s, const uint64_t *ids, size_t n, struct cr_error **err)
{
        if (n == 0)
                return 0;
        return s->ops->outbox_sent(s, ids, n, err);
}

int cr_store_outbox_retry(struct cr_store *s, uint64_t id, uint64_t delay_ms, const char *reason,
                          struct cr_error **err)
{
        return s->ops->outbox_retry(s, id, delay_ms, reason, err);
}

int cr_store_outbox_stats(struct cr_store *s, struct cr_store_outbox_stats *ret, struct cr_error **err)
{
        *ret = (struct cr_store_outbox_stats) {};
        return s->ops->outbox_stats(s, ret, err);
}

int cr_store_listen(struct cr_store *s, struct cr_error **err)
{
        if (!s->ops->listen)
                return cr_error_make(err, EOPNOTSUPP, CR_ERROR_UNAVAILABLE, "%s has no notifications", s->ops->name);
        return s->ops->listen(s, err);
}

int cr_store_fd(struct cr_store *s)
{
        return s->ops->fd ? s->ops->fd(s) : -EOPNOTSUPP;
}

int cr_store_notifications(struct cr_store *s, cr_store_note_fn fn, void *userdata, struct cr_error **err)
{
        if (!s->ops->notifications)
                return 0;
        return s->ops->notifications(s, fn, userdata, err);
}

bool store_parse_event(const char *payload, struct cr_store_note *ret, const char **ret_instance)
{
        char word[16];
        const char *sp = strchr(payload, ' '), *id;
        size_t n;

        if (!sp || (size_t) (sp - payload) >= sizeof(word))
                return false;
        memcpy(word, payload, (size_t) (sp - payload));
        word[sp - payload] = 0;
        id = sp + 1;
        n = strcspn(id, " ");
        if (n != CR_STORE_ID_LEN)
                return false;
        *ret = (struct cr_store_note) {};
        memcpy(ret->id, id, CR_STORE_ID_LEN);
        if (!cr_uuid_is_valid(ret->id))
                return false;
        if (strcmp(word, "cancel") == 0) {
                ret->kind = CR_STORE_NOTE_CANCEL;
                return true;
        }
        ret->kind = CR_STORE_NOTE_STATE;
        ret->status = cr_job_status_from_string(word);
        *ret_instance = id[n] == ' ' ? id + n + 1 : "";
        return ret->status > 0;
}

/* ------------------------------------------------------------ time */

void store_format_time(uint64_t us, bool with_offset, char buf[static STORE_TIME_LEN])
{
        time_t t = (time_t) (us / 1000000u);
        struct tm tm;

        gmtime_r(&t, &tm);
        snprintf(buf, STORE_TIME_LEN, "%04d-%02d-%02d %02d:%02d:%02d.%06u%s", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned) (us % 1000000u),
                 with_offset ? "+00" : "");
}

uint64_t store_parse_time(const char *s)
{
        struct tm tm = {};
        unsigned frac = 0, digits = 0;
        const char *p;
        time_t t;

        if (!s || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                         &tm.tm_min, &tm.tm_sec) != 6)
                return 0;
        p = strchr(s, '.');
        for (p = p ? p + 1 : ""; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
                frac = frac * 10 + (unsigned) (*p - '0');
        for (; digits < 6; digits++)
                frac *= 10;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        t = timegm(&tm);
        return t < 0 ? 0 : (uint64_t) t * 1000000u + frac;
}

/* ------------------------------------------------------------ text */

static size_t utf8_sequence(const unsigned char *s, size_t len)
{
        unsigned char c = s[0];
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
                   (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;

        if (n == 0 || n > len)
                return 0;
        for (size_t k = 1; k < n; k++)
                if ((s[k] & 0xc0) != 0x80)
                        return 0;
        if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
                return 0;
        if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
                return 0;
        return n;
}

char *store_text(const char *s, size_t len, size_t max_chars)
{
        const unsigned char *p = (const unsigned char *) (s ? s : "");
        struct cr_buf b = CR_BUF_INIT(STORE_TEXT_MAX);
        size_t chars = 0;

        for (size_t i = 0; i < len && (max_chars == 0 || chars < max_chars); chars++) {
                size_t n = p[i] ? utf8_sequence(p + i, len - i) : 0;
                if (n == 0) {
                        (void) cr_buf_append(&b, "\xef\xbf\xbd", 3); /* U+FFFD */
                        i++;
                        continue;
                }
                (void) cr_buf_append(&b, p + i, n);
                i += n;
        }
        return b.data ? cr_buf_steal(&b) : xstrdup("");
}

static char *column(const char *s, size_t max_chars)
{
        return store_text(s, s ? strlen(s) : 0, max_chars);
}

/* ------------------------------------------------------------ job columns */

static void generated_cols(struct store_job_cols *c, const struct cr_store_job *j)
{
        const struct cr_job_spec *s = j->spec;

        c->generated = true;
        c->test_code = store_text(s->program, s->program_len, 0);
        c->test_cases_count = (int) s->n_tests;
        for (size_t i = 0; i < s->n_tests; i++)
                if (s->tests[i].custom_validation_code && s->tests[i].custom_validation_code[0])
                        c->has_custom_validation = true;
        c->code_size_bytes = (int) s->program_len;
        c->generation_time_ms = j->generation_time_ms;
}

int store_job_cols_init(struct store_job_cols *c, const struct cr_store_job *j, bool time_with_offset,
                        struct cr_error **err)
{
        const struct cr_job_spec *s = j->spec;
        const struct cr_job_origin *o = &s->origin;

        *c = (struct store_job_cols) {};
        /* the original's quirk, kept so its queries keep working:
         * solution_id holds the challenge id */
        c->solution_id = column(o->challenge_id, 255);
        c->challenge_id = column(o->challenge_id, 255);
        c->student_id = column(o->student_id, 255);
        c->code_version_id = column(o->code_version_id, 255);
        c->language = column(s->runtime, 50);
        c->code = store_text(s->code, s->code_len, 0);
        c->client_ip = column(o->client_ip, 45);
        c->user_agent = column(o->user_agent, 500);
        c->client_key = o->client_key && o->client_key[0] ? column(o->client_key, 255) : NULL;
        c->service = column(cr_job_service_to_string(o->service), 50);
        c->total_tests = (int) s->n_tests;
        store_format_time(j->created_us, time_with_offset, c->created);
        if (!s->function_mode)
                return 0;
        if (cr_uuid_v4(c->generated_id) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "generate an id");
        generated_cols(c, j);
        return 0;
}

void store_job_cols_done(struct store_job_cols *c)
{
        free(c->solution_id);
        free(c->challenge_id);
        free(c->student_id);
        free(c->code_version_id);
        free(c->language);
        free(c->code);
        free(c->client_ip);
        free(c->user_agent);
        free(c->client_key);
        free(c->service);
        free(c->test_code);
        *c = (struct store_job_cols) {};
}

/* ------------------------------------------------------------ result columns */

#define MAX_ERROR_TEXT (64u * 1024)

static char *id_list(const struct cr_store_result *r, bool passed)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(STORE_TEXT_MAX);

        for (size_t i = 0; r->spec && i < r->outcome->n_tests && i < r->spec->n_tests; i++) {
                if (r->outcome->tests[i].passed != passed)
                        continue;
                if (b.len)
                        (void) cr_buf_append(&b, ",", 1);
                (void) cr_buf_printf(&b, "%s", r->spec->tests[i].id ? r->spec->tests[i].id : "");
        }
        return store_text(b.data, b.len, 0);
}

/* The compiler's messages, when compilation failed. */
static char *compilation_error(const struct cr_job_outcome *o)
{
        const struct cr_sandbox_result *c = &o->compile;
        const struct cr_buf *text = c->err.len ? &c->err : &c->out;

        if (!o->compile_failed)
                return NULL;
        return store_text(text->data, MIN(text->len, (size_t) MAX_ERROR_TEXT), 0);
}

/* The first test that crashed: its message and what it wrote to stderr. */
static char *runtime_error(const struct cr_job_outcome *o)
{
        for (size_t i = 0; i < o->n_tests; i++) {
                const struct cr_job_test_outcome *t = &o->tests[i];
                _cleanup_free_ char *text = NULL;

                if (!t->ran || (t->run.verdict != CR_VERDICT_RUNTIME_ERROR &&
                                t->run.verdict != CR_VERDICT_SECCOMP_VIOLATION))
                        continue;
                text = xasprintf("%s%s%.*s", t->message ? t->message : "", t->run.err.len ? "\n" : "",
                                 (int) MIN(t->run.err.len, (size_t) MAX_ERROR_TEXT),
                                 t->run.err.data ? t->run.err.data : "");
                return store_text(text, strlen(text), 0);
        }
        return NULL;
}

static void outcome_cols(struct store_result_cols *c, const struct cr_store_result *r)
{
        const struct cr_job_outcome *o = r->outcome;
        uint64_t peak = cr_job_outcome_memory_peak(o);

        c->has_outcome = true;
        c->success = o->success;
        c->message = column(o->message, 0);
        c->error_message = column(o->error_message, 0);
        c->error_type = column(o->error_type, 100);
        c->approved_test_ids = id_list(r, true);
        c->failed_test_ids = id_list(r, false);
        c->total_tests = (int) o->n_tests;
        c->passed_tests = (int) o->passed;
        c->execution_time_ms = (int64_t) o->execution_time_ms;
        snprintf(c->memory_usage_mb, sizeof(c->memory_usage_mb), "%.2f", (double) peak / (1024.0 * 1024.0));
        c->compilation_error = compilation_error(o);
        c->runtime_error = runtime_error(o);
}

void store_result_cols_init(struct store_result_cols *c, const struct cr_store_result *r, bool time_with_offset)
{
        *c = (struct store_result_cols) {};
        c->status = cr_job_status_to_string(r->status);
        c->server_instance = column(r->instance, 255);
        store_format_time(r->completed_us, time_with_offset, c->completed);
        if (r->outcome) {
                outcome_cols(c, r);
                return;
        }
        c->message = column(r->error_message, 0);
        c->error_message = column(r->error_message, 0);
        c->error_type = column(r->status == CR_JOB_CANCELLED ? "cancelled" : "internal_error", 100);
        c->approved_test_ids = xstrdup("");
        c->failed_test_ids = xstrdup("");
        c->total_tests = r->spec ? (int) r->spec->n_tests : 0;
        snprintf(c->memory_usage_mb, sizeof(c->memory_usage_mb), "0.00");
}

void store_result_cols_done(struct store_result_cols *c)
{
        free(c->message);
        free(c->error_message);
        free(c->error_type);
        free(c->approved_test_ids);
        free(c->failed_test_ids);
        free(c->compilation_error);
        free(c->runtime_error);
        free(c->server_instance);
        *c = (struct store_result_cols) {};
}

static const char *test_verdict(const struct cr_job_test_outcome *t)
{
        if (!t->ran)
                return "NOT_RUN";
        if (t->passed)
                return "OK";
        if (t->wrong_answer || t->run.verdict == CR_VERDICT_OK)
                return "WRONG_ANSWER";
        return cr_verdict_to_string(t->run.verdict);
}

void store_test_cols_init(struct store_test_cols *c, const struct cr_store_result *r, size_t i)
{
        const struct cr_job_test_outcome *t = &r->outcome->tests[i];
        const char *id = r->spec && i < r->spec->n_tests ? r->spec->tests[i].id : "";

        *c = (struct store_test_cols) {
                .test_index = (int) i,
                .test_id = column(id, 255),
                .passed = t->passed,
                .verdict = test_verdict(t),
                .exit_code = t->ran ? t->run.exit_code : 0,
                .signal = t->ran ? t->run.signal : 0,
                .wall_ms = t->ran ? (int64_t) t->run.wall_ms : 0,
                .cpu_ms = t->ran ? (int64_t) t->run.cpu_ms : 0,
                .memory_peak_bytes = t->ran ? (int64_t) t->run.memory_peak_bytes : 0,
                .error_message = t->message ? column(t->message, 0) : NULL,
        };
}

void store_test_cols_done(struct store_test_cols *c)
{
        free(c->test_id);
        free(c->error_message);
        *c = (struct store_test_cols) {};
}
