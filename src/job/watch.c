/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "watch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "execution.h"
#include "xalloc.h"

/* A list per registry: a few hundred subscriptions at most (one per
 * waiting call), so a linear scan is cheaper than a hash table's upkeep. */

struct cr_watch {
        unsigned refs;                     /* the list's (while linked) and the subscriber's */
        char id[CR_EXECUTION_ID_LEN + 1];
        const struct cr_watch_ops *ops;    /* not owned (static) */
        void *userdata;                    /* referenced through ops->ref */
        bool linked;
        struct cr_watch *next;
};

struct cr_watchers {
        pthread_mutex_t lock;
        struct cr_watch *head;
};

struct cr_watchers *cr_watchers_new(void)
{
        struct cr_watchers *w = xzalloc(sizeof(*w));

        pthread_mutex_init(&w->lock, NULL);
        return w;
}

static void watch_unref(struct cr_watch *sub)
{
        if (__atomic_sub_fetch(&sub->refs, 1, __ATOMIC_SEQ_CST) > 0)
                return;
        sub->ops->unref(sub->userdata);
        free(sub);
}

static void unlink_locked(struct cr_watchers *w, struct cr_watch *sub)
{
        for (struct cr_watch **p = &w->head; *p; p = &(*p)->next)
                if (*p == sub) {
                        *p = sub->next;
                        sub->linked = false;
                        return;
                }
}

struct cr_watchers *cr_watchers_free(struct cr_watchers *w)
{
        if (!w)
                return NULL;
        pthread_mutex_lock(&w->lock);
        while (w->head) {
                struct cr_watch *sub = w->head;
                unlink_locked(w, sub);
                watch_unref(sub);
        }
        pthread_mutex_unlock(&w->lock);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}

struct cr_watch *cr_watch_add(struct cr_watchers *w, const char *id, const struct cr_watch_ops *ops, void *userdata)
{
        struct cr_watch *sub = xzalloc(sizeof(*sub));

        sub->refs = 2;
        snprintf(sub->id, sizeof(sub->id), "%s", id);
        sub->ops = ops;
        sub->userdata = userdata;
        ops->ref(userdata);
        pthread_mutex_lock(&w->lock);
        sub->next = w->head;
        sub->linked = true;
        w->head = sub;
        pthread_mutex_unlock(&w->lock);
        return sub;
}

void cr_watch_remove(struct cr_watchers *w, struct cr_watch *sub)
{
        bool was_linked;

        if (!sub)
                return;
        pthread_mutex_lock(&w->lock);
        was_linked = sub->linked;
        if (was_linked)
                unlink_locked(w, sub);
        pthread_mutex_unlock(&w->lock);
        if (was_linked)
                watch_unref(sub);
        watch_unref(sub);
}

bool cr_watchers_has(struct cr_watchers *w, const char *id)
{
        bool found = false;

        pthread_mutex_lock(&w->lock);
        for (struct cr_watch *s = w->head; s && !found; s = s->next)
                found = strcasecmp(s->id, id) == 0;
        pthread_mutex_unlock(&w->lock);
        return found;
}

/* The subscriptions of id, referenced; with end, unlinked too (their
 * list reference passes to the caller). */
static struct cr_watch **collect(struct cr_watchers *w, const char *id, bool end, size_t *ret_n)
{
        struct cr_watch **v = NULL;
        size_t n = 0, alloc = 0;

        pthread_mutex_lock(&w->lock);
        for (struct cr_watch *s = w->head, *next; s; s = next) {
                next = s->next;
                if (strcasecmp(s->id, id) != 0)
                        continue;
                if (n == alloc) {
                        alloc = alloc ? 2 * alloc : 4;
                        v = xrealloc(v, alloc * sizeof(*v));
                }
                if (end)
                        unlink_locked(w, s);
                else
                        __atomic_add_fetch(&s->refs, 1, __ATOMIC_SEQ_CST);
                v[n++] = s;
        }
        pthread_mutex_unlock(&w->lock);
        *ret_n = n;
        return v;
}

void cr_watchers_publish_state(struct cr_watchers *w, const struct cr_execution *x)
{
        size_t n;
        struct cr_watch **v = collect(w, x->id, cr_job_status_is_final(x->status), &n);

        for (size_t i = 0; i < n; i++) {
                v[i]->ops->on_state(v[i]->userdata, x);
                watch_unref(v[i]);
        }
        free(v);
}

void cr_watchers_publish_output(struct cr_watchers *w, const char *id, unsigned index, enum cr_sandbox_stream stream,
                                const char *data, size_t n)
{
        size_t k;
        struct cr_watch **v = collect(w, id, false, &k);

        for (size_t i = 0; i < k; i++) {
                if (v[i]->ops->on_output)
                        v[i]->ops->on_output(v[i]->userdata, index, stream, data, n);
                watch_unref(v[i]);
        }
        free(v);
}
