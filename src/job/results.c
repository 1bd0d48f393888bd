/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cleanup.h"
#include "error.h"
#include "uuid.h"
#include "xalloc.h"

/* One mutex guards the table; subscriber callbacks run under it, which is
 * what makes "replay, then live, nothing lost or doubled" and the
 * unsubscribe guarantee trivial. Lookups are linear: the table is small
 * (capacity ~1k) and every operation is rare next to running a sandbox. */

struct subscriber {
        uint64_t token;
        cr_exec_log_fn fn;
        void *userdata;                    /* not owned */
        struct subscriber *next;
};

struct entry {
        struct cr_exec_info info;
        uint64_t seq;                      /* creation order, for eviction */
        struct cr_exec_log *log;
        size_t n_log;
        size_t dropped;                    /* log entries past CR_EXEC_MAX_LOG */
        struct subscriber *subs;
};

struct cr_exec_table {
        pthread_mutex_t lock;
        struct entry **entries;
        size_t n, capacity;
        uint64_t next_seq;
        uint64_t next_token;
};

uint64_t cr_exec_now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

bool cr_exec_status_is_final(enum cr_exec_status s)
{
        return s == CR_EXEC_COMPLETED || s == CR_EXEC_FAILED || s == CR_EXEC_TIMEOUT || s == CR_EXEC_CANCELLED;
}

int cr_exec_id_generate(char ret[static CR_EXEC_ID_LEN + 1], struct cr_error **err)
{
        int r = cr_uuid_v4(ret);
        return r < 0 ? cr_error_set(err, r, CR_ERROR_INTERNAL, "getrandom") : 0;
}

bool cr_exec_id_is_valid(const char *s)
{
        return cr_uuid_is_valid(s);
}

/* ------------------------------------------------------------ copies */

static char *dup_or_null(const char *s)
{
        return s ? xstrdup(s) : NULL;
}

static char *dup_or_empty(const char *s)
{
        return xstrdup(s ? s : "");
}

static void kv_copy(struct cr_exec_kv *dst, size_t *ret_n, const struct cr_exec_kv *src, size_t n)
{
        n = n > CR_EXEC_MAX_META ? CR_EXEC_MAX_META : n;
        for (size_t i = 0; i < n; i++)
                dst[i] = (struct cr_exec_kv) { dup_or_empty(src[i].key), dup_or_empty(src[i].value) };
        *ret_n = n;
}

static void kv_done(struct cr_exec_kv *kv, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
}

void cr_exec_step_done(struct cr_exec_step *s)
{
        free(s->name);
        free(s->message);
        free(s->error);
        kv_done(s->meta, s->n_meta);
        *s = (struct cr_exec_step) {};
}

static void step_copy(struct cr_exec_step *dst, const struct cr_exec_step *src)
{
        *dst = *src;
        dst->name = dup_or_empty(src->name);
        dst->message = dup_or_null(src->message);
        dst->error = dup_or_null(src->error);
        kv_copy(dst->meta, &dst->n_meta, src->meta, src->n_meta);
}

static void log_done(struct cr_exec_log *l)
{
        free(l->message);
        free(l->step);
        kv_done(l->meta, l->n_meta);
}

void cr_exec_result_done(struct cr_exec_result *r)
{
        free(r->message);
        free(r->compile_error);
        for (size_t i = 0; i < r->n_tests; i++) {
                free(r->tests[i].id);
                free(r->tests[i].expected);
                free(r->tests[i].actual);
                free(r->tests[i].error);
        }
        free(r->tests);
        *r = (struct cr_exec_result) {};
}

static void result_copy(struct cr_exec_result *dst, const struct cr_exec_result *src)
{
        *dst = *src;
        dst->message = dup_or_empty(src->message);
        dst->compile_error = dup_or_empty(src->compile_error);
        dst->tests = xzalloc((src->n_tests + 1) * sizeof(*dst->tests));
        for (size_t i = 0; i < src->n_tests; i++) {
                const struct cr_exec_test *t = &src->tests[i];
                dst->tests[i] = (struct cr_exec_test) {
                        .id = dup_or_empty(t->id),
                        .passed = t->passed,
                        .expected = dup_or_empty(t->expected),
                        .actual = dup_or_empty(t->actual),
                        .error = dup_or_empty(t->error),
                        .time_ms = t->time_ms,
                };
        }
}

static void info_done(struct cr_exec_info *info)
{
        cr_exec_result_done(&info->result);
        for (size_t i = 0; i < info->n_steps; i++)
                cr_exec_step_done(&info->steps[i]);
        free(info->steps);
        info->steps = NULL;
        info->n_steps = 0;
}

struct cr_exec_info *cr_exec_info_free(struct cr_exec_info *info)
{
        if (!info)
                return NULL;
        info_done(info);
        free(info);
        return NULL;
}

/* ------------------------------------------------------------ entries */

static void end_subscribers_locked(struct entry *e)
{
        struct subscriber *s = e->subs;

        e->subs = NULL;
        while (s) {
                struct subscriber *next = s->next;
                s->fn(s->userdata, NULL, true);
                free(s);
                s = next;
        }
}

static struct entry *entry_free(struct entry *e)
{
        if (!e)
                return NULL;
        end_subscribers_locked(e);
        info_done(&e->info);
        for (size_t i = 0; i < e->n_log; i++)
                log_done(&e->log[i]);
        free(e->log);
        free(e);
        return NULL;
}

static struct entry *find_locked(struct cr_exec_table *t, const char *id, size_t *ret_index)
{
        if (!id)
                return NULL;
        for (size_t i = 0; i < t->n; i++)
                if (strcasecmp(t->entries[i]->info.id, id) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return t->entries[i];
                }
        return NULL;
}

/* The oldest final entry, or -1. */
static ssize_t evictable_locked(struct cr_exec_table *t)
{
        ssize_t best = -1;

        for (size_t i = 0; i < t->n; i++) {
                const struct entry *e = t->entries[i];
                if (!cr_exec_status_is_final(e->info.status))
                        continue;
                if (best < 0 || e->seq < t->entries[best]->seq)
                        best = (ssize_t) i;
        }
        return best;
}

static void append_log_locked(struct entry *e, const struct cr_exec_log *src)
{
        struct cr_exec_log *l;

        if (e->n_log >= CR_EXEC_MAX_LOG) {
                e->dropped++;
                return;
        }
        if (!e->log)
                e->log = xzalloc(CR_EXEC_MAX_LOG * sizeof(*e->log));
        l = &e->log[e->n_log++];
        *l = *src;
        l->time_us = src->time_us ? src->time_us : cr_exec_now_us();
        l->level = src->level ? src->level : CR_EXEC_LOG_INFO;
        l->message = dup_or_empty(src->message);
        l->step = dup_or_empty(src->step);
        kv_copy(l->meta, &l->n_meta, src->meta, src->n_meta);
        for (struct subscriber *s = e->subs; s; s = s->next)
                s->fn(s->userdata, l, false);
}

/* ------------------------------------------------------------ table */

int cr_exec_table_new(size_t capacity, struct cr_exec_table **ret, struct cr_error **err)
{
        struct cr_exec_table *t;

        if (capacity == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "execution table capacity must be positive");
        t = xzalloc(sizeof(*t));
        pthread_mutex_init(&t->lock, NULL);
        t->capacity = capacity;
        t->entries = xzalloc(capacity * sizeof(*t->entries));
        t->next_seq = 1;
        t->next_token = 1;
        *ret = t;
        return 0;
}

struct cr_exec_table *cr_exec_table_free(struct cr_exec_table *t)
{
        if (!t)
                return NULL;
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n; i++)
                entry_free(t->entries[i]);
        pthread_mutex_unlock(&t->lock);
        pthread_mutex_destroy(&t->lock);
        free(t->entries);
        free(t);
        return NULL;
}

int cr_exec_table_add(struct cr_exec_table *t, const char *id, struct cr_error **err)
{
        struct entry *e;

        if (!cr_exec_id_is_valid(id))
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL, "invalid execution id");
        pthread_mutex_lock(&t->lock);
        if (t->n == t->capacity) {
                ssize_t victim = evictable_locked(t);
                if (victim < 0) {
                        pthread_mutex_unlock(&t->lock);
                        return cr_error_make(err, EAGAIN, CR_ERROR_LIMIT,
                                            "too many executions in progress (%zu)", t->capacity);
                }
                entry_free(t->entries[victim]);
                t->entries[victim] = t->entries[--t->n];
        }
        e = xzalloc(sizeof(*e));
        memcpy(e->info.id, id, CR_EXEC_ID_LEN);
        e->info.status = CR_EXEC_PENDING;
        e->info.created_us = cr_exec_now_us();
        e->seq = t->next_seq++;
        t->entries[t->n++] = e;
        pthread_mutex_unlock(&t->lock);
        return 0;
}

void cr_exec_table_remove(struct cr_exec_table *t, const char *id)
{
        struct entry *e;
        size_t index;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, &index);
        if (e) {
                t->entries[index] = t->entries[--t->n];
                entry_free(e);
        }
        pthread_mutex_unlock(&t->lock);
}

void cr_exec_table_set_status(struct cr_exec_table *t, const char *id, enum cr_exec_status status)
{
        struct entry *e;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, NULL);
        if (e && !cr_exec_status_is_final(e->info.status) && !cr_exec_status_is_final(status))
                e->info.status = status;
        pthread_mutex_unlock(&t->lock);
}

static const char *step_status_word(enum cr_exec_step_status s)
{
        switch (s) {
        case CR_EXEC_STEP_PENDING: return "pending";
        case CR_EXEC_STEP_RUNNING: return "started";
        case CR_EXEC_STEP_COMPLETED: return "completed";
        case CR_EXEC_STEP_FAILED: return "failed";
        case CR_EXEC_STEP_SKIPPED: return "skipped";
        default: return "updated";
        }
}

static void log_step_locked(struct entry *e, const struct cr_exec_step *s)
{
        _cleanup_free_ char *msg = NULL;
        char order[16];
        struct cr_exec_log l = {
                .level = s->status == CR_EXEC_STEP_FAILED ? CR_EXEC_LOG_ERROR : CR_EXEC_LOG_INFO,
                .step = s->name,
                .n_meta = 2,
        };

        if (s->status == CR_EXEC_STEP_FAILED && s->error && s->error[0])
                msg = xasprintf("Step %s failed: %s", s->name, s->error);
        else if (s->message && s->message[0])
                msg = xasprintf("Step %s %s: %s", s->name, step_status_word(s->status), s->message);
        else
                msg = xasprintf("Step %s %s", s->name, step_status_word(s->status));
        snprintf(order, sizeof(order), "%u", s->order);
        l.message = msg;
        l.meta[0] = (struct cr_exec_kv) { (char *) "status", (char *) step_status_word(s->status) };
        l.meta[1] = (struct cr_exec_kv) { (char *) "step_order", order };
        append_log_locked(e, &l);
}

void cr_exec_table_set_step(struct cr_exec_table *t, const char *id, const struct cr_exec_step *step)
{
        struct cr_exec_step *s = NULL;
        struct entry *e;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, NULL);
        if (!e || cr_exec_status_is_final(e->info.status) || !step->name)
                goto out;
        for (size_t i = 0; i < e->info.n_steps; i++)
                if (strcmp(e->info.steps[i].name, step->name) == 0)
                        s = &e->info.steps[i];
        if (s) {
                unsigned order = s->order;
                cr_exec_step_done(s);
                step_copy(s, step);
                s->order = order;
        } else {
                e->info.steps = xrealloc(e->info.steps, (e->info.n_steps + 1) * sizeof(*e->info.steps));
                s = &e->info.steps[e->info.n_steps++];
                step_copy(s, step);
                s->order = (unsigned) e->info.n_steps;
        }
        log_step_locked(e, s);
out:
        pthread_mutex_unlock(&t->lock);
}

void cr_exec_table_log(struct cr_exec_table *t, const char *id, const struct cr_exec_log *entry)
{
        struct entry *e;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, NULL);
        if (e && !cr_exec_status_is_final(e->info.status))
                append_log_locked(e, entry);
        pthread_mutex_unlock(&t->lock);
}

void cr_exec_table_finish(struct cr_exec_table *t, const char *id, enum cr_exec_status status,
                          struct cr_exec_result *result)
{
        struct entry *e;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, NULL);
        if (e && !cr_exec_status_is_final(e->info.status) && cr_exec_status_is_final(status)) {
                cr_exec_result_done(&e->info.result);
                e->info.result = *result;
                *result = (struct cr_exec_result) {};
                e->info.status = status;
                e->info.completed_us = cr_exec_now_us();
                end_subscribers_locked(e);
        }
        pthread_mutex_unlock(&t->lock);
        cr_exec_result_done(result);
}

int cr_exec_table_get(struct cr_exec_table *t, const char *id, struct cr_exec_info **ret, struct cr_error **err)
{
        struct cr_exec_info *info;
        struct entry *e;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, NULL);
        if (!e) {
                pthread_mutex_unlock(&t->lock);
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "execution %s not found", id);
        }
        info = xzalloc(sizeof(*info));
        *info = e->info;
        result_copy(&info->result, &e->info.result);
        info->steps = xzalloc((e->info.n_steps + 1) * sizeof(*info->steps));
        for (size_t i = 0; i < e->info.n_steps; i++)
                step_copy(&info->steps[i], &e->info.steps[i]);
        pthread_mutex_unlock(&t->lock);
        *ret = info;
        return 0;
}

int cr_exec_table_subscribe(struct cr_exec_table *t, const char *id, cr_exec_log_fn fn, void *userdata,
                            uint64_t *ret_token, struct cr_error **err)
{
        struct subscriber *s;
        struct entry *e;

        pthread_mutex_lock(&t->lock);
        e = find_locked(t, id, NULL);
        if (!e) {
                pthread_mutex_unlock(&t->lock);
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "execution %s not found", id);
        }
        for (size_t i = 0; i < e->n_log; i++)
                fn(userdata, &e->log[i], false);
        if (cr_exec_status_is_final(e->info.status)) {
                fn(userdata, NULL, true);
                *ret_token = 0;
        } else {
                s = xzalloc(sizeof(*s));
                *s = (struct subscriber) { t->next_token++, fn, userdata, e->subs };
                e->subs = s;
                *ret_token = s->token;
        }
        pthread_mutex_unlock(&t->lock);
        return 0;
}

bool cr_exec_table_unsubscribe(struct cr_exec_table *t, uint64_t token)
{
        bool found = false;

        if (token == 0)
                return false;
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n && !found; i++)
                for (struct subscriber **p = &t->entries[i]->subs; *p; p = &(*p)->next)
                        if ((*p)->token == token) {
                                struct subscriber *s = *p;
                                *p = s->next;
                                free(s);
                                found = true;
                                break;
                        }
        pthread_mutex_unlock(&t->lock);
        return found;
}
