/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "rpc/rpc-internal.h"

#include <errno.h>
#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "grpc/health/v1/health.pb-c.h"
#include "log.h"
#include "rpc/status.h"
#include "xalloc.h"

/* grpc.health.v1.Health: Check answers from a table of service statuses;
 * Watch streams the current status, then every change.
 *
 * Changes are pushed, not polled: cr_rpc_server_set_serving() sends to every
 * watcher of that service from whatever thread calls it (cr_rpc_call_send is
 * thread-safe and queues), so there is no need for a completion-queue
 * wake-up, which the C core does not offer. A watcher leaves the table when
 * its call is cancelled (client gone, deadline) or at shutdown, when every
 * watcher gets NOT_SERVING and its stream ends with OK, so that Watch streams
 * never hold up the grace period. */

#define MAX_ENTRIES 256
#define MAX_WATCHERS 1024
#define MAX_SERVICE_NAME 256

enum {
        STATUS_UNKNOWN = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__UNKNOWN,
        STATUS_SERVING = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING,
        STATUS_NOT_SERVING = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING,
        STATUS_SERVICE_UNKNOWN = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN,
};

struct health_entry {
        char *service; /* owned; "" = the server as a whole */
        int status;
};

struct watcher {
        struct cr_rpc_call *call; /* a reference */
        char *service;            /* owned */
        int last_sent;
};

struct rpc_health {
        pthread_mutex_t lock; /* everything below; taken before any call's lock */
        struct health_entry *entries;
        size_t n_entries;
        struct watcher *watchers;
        size_t n_watchers;
        bool stopping;
};

static struct health_entry *find_locked(struct rpc_health *h, const char *service)
{
        for (size_t i = 0; i < h->n_entries; i++)
                if (strcmp(h->entries[i].service, service) == 0)
                        return &h->entries[i];
        return NULL;
}

static void send_status(struct cr_rpc_call *call, int status)
{
        Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;

        resp.status = status;
        (void) cr_rpc_call_send(call, &resp.base);
}

/* Records a status and tells the watchers of that service. */
static void set_locked(struct rpc_health *h, const char *service, int status, bool only_if_new)
{
        struct health_entry *e = find_locked(h, service);

        if (e && only_if_new)
                return;
        if (!e) {
                if (h->n_entries >= MAX_ENTRIES || strlen(service) > MAX_SERVICE_NAME) {
                        log_warning("Too many or too long health service names, ignoring '%.64s'", service);
                        return;
                }
                h->entries = xrealloc(h->entries, sizeof(*h->entries) * (h->n_entries + 1));
                e = &h->entries[h->n_entries++];
                e->service = xstrdup(service);
        }
        e->status = status;
        for (size_t i = 0; i < h->n_watchers; i++) {
                struct watcher *w = &h->watchers[i];

                if (w->last_sent != status && strcmp(w->service, service) == 0) {
                        send_status(w->call, status);
                        w->last_sent = status;
                }
        }
}

static const struct rpc_extension health_extension;

void cr_rpc_server_set_serving(struct cr_rpc_server *srv, const char *service, bool serving)
{
        struct rpc_health *h = rpc_server_extension(srv, &health_extension);

        if (!h)
                return;
        pthread_mutex_lock(&h->lock);
        if (!h->stopping) /* NOT_SERVING from shutdown on, whatever the caller says */
                set_locked(h, service ? service : "", serving ? STATUS_SERVING : STATUS_NOT_SERVING, false);
        pthread_mutex_unlock(&h->lock);
}

static void on_check(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Grpc__Health__V1__HealthCheckRequest *req = (const void *) request;
        Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
        struct rpc_health *h = userdata;
        struct health_entry *e;
        int status = -1;

        pthread_mutex_lock(&h->lock);
        e = find_locked(h, req->service);
        if (e)
                status = e->status;
        pthread_mutex_unlock(&h->lock);

        if (status < 0) {
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_NOT_FOUND, "unknown service");
                return;
        }
        resp.status = status;
        (void) cr_rpc_call_reply(call, &resp.base);
}

static void on_watch_cancel(struct cr_rpc_call *call, void *userdata)
{
        struct rpc_health *h = userdata;
        struct watcher gone = {};

        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n_watchers; i++) {
                if (h->watchers[i].call == call) {
                        gone = h->watchers[i];
                        h->watchers[i] = h->watchers[--h->n_watchers];
                        break;
                }
        }
        pthread_mutex_unlock(&h->lock);
        free(gone.service);
        cr_rpc_call_unref(gone.call);
}

static void on_watch(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Grpc__Health__V1__HealthCheckRequest *req = (const void *) request;
        struct rpc_health *h = userdata;
        struct health_entry *e;
        struct watcher *w;

        pthread_mutex_lock(&h->lock);
        if (h->stopping || h->n_watchers >= MAX_WATCHERS) {
                bool stopping = h->stopping;

                pthread_mutex_unlock(&h->lock);
                if (stopping) {
                        send_status(call, STATUS_NOT_SERVING);
                        (void) cr_rpc_call_finish(call, CR_RPC_STATUS_OK, NULL);
                } else {
                        (void) cr_rpc_call_finish(call, CR_RPC_STATUS_RESOURCE_EXHAUSTED, "too many watchers");
                }
                return;
        }
        e = find_locked(h, req->service);
        h->watchers = xrealloc(h->watchers, sizeof(*h->watchers) * (h->n_watchers + 1));
        w = &h->watchers[h->n_watchers++];
        w->call = cr_rpc_call_ref(call);
        w->service = xstrndup(req->service, MAX_SERVICE_NAME);
        w->last_sent = e ? e->status : STATUS_SERVICE_UNKNOWN;
        /* Under the lock, so no change can overtake the first message. */
        send_status(call, w->last_sent);
        pthread_mutex_unlock(&h->lock);

        /* Outside the lock: runs at once if the client is already gone. */
        cr_rpc_call_on_cancel(call, on_watch_cancel, h);
}

/* Every served service, and the server as a whole, start SERVING unless the
 * application set them before start. */
static void health_start(struct cr_rpc_server *srv, void *state)
{
        struct rpc_health *h = state;
        const char *const *services;
        size_t n = rpc_server_services(srv, &services);

        pthread_mutex_lock(&h->lock);
        set_locked(h, "", STATUS_SERVING, true);
        for (size_t i = 0; i < n; i++)
                set_locked(h, services[i], STATUS_SERVING, true);
        pthread_mutex_unlock(&h->lock);
}

static void health_shutdown(struct cr_rpc_server *srv, void *state)
{
        struct rpc_health *h = state;
        struct watcher *watchers;
        size_t n;

        (void) srv;
        pthread_mutex_lock(&h->lock);
        h->stopping = true;
        for (size_t i = 0; i < h->n_entries; i++)
                set_locked(h, h->entries[i].service, STATUS_NOT_SERVING, false);
        watchers = h->watchers;
        n = h->n_watchers;
        h->watchers = NULL;
        h->n_watchers = 0;
        pthread_mutex_unlock(&h->lock);

        for (size_t i = 0; i < n; i++) {
                (void) cr_rpc_call_finish(watchers[i].call, CR_RPC_STATUS_OK, NULL);
                cr_rpc_call_unref(watchers[i].call);
                free(watchers[i].service);
        }
        free(watchers);
}

static void health_free(void *state)
{
        struct rpc_health *h = state;

        if (!h)
                return;
        for (size_t i = 0; i < h->n_watchers; i++) {
                cr_rpc_call_unref(h->watchers[i].call);
                free(h->watchers[i].service);
        }
        for (size_t i = 0; i < h->n_entries; i++)
                free(h->entries[i].service);
        free(h->watchers);
        free(h->entries);
        pthread_mutex_destroy(&h->lock);
        free(h);
}

static const struct rpc_extension health_extension = {
        .name = "health",
        .start = health_start,
        .shutdown = health_shutdown,
        .free = health_free,
};

int cr_rpc_server_add_health(struct cr_rpc_server *srv, struct cr_error **err)
{
        struct rpc_health *h;
        int r;

        if (rpc_server_extension(srv, &health_extension))
                return 0;
        h = xzalloc(sizeof(*h));
        pthread_mutex_init(&h->lock, NULL);
        r = rpc_server_add_extension(srv, &health_extension, h, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, "/grpc.health.v1.Health/Check", CR_RPC_UNARY,
                                             &grpc__health__v1__health_check_request__descriptor, on_check, h, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, "/grpc.health.v1.Health/Watch", CR_RPC_SERVER_STREAM,
                                             &grpc__health__v1__health_check_request__descriptor, on_watch, h, err);
        return r;
}

void cr_rpc_server_set_all_serving(struct cr_rpc_server *srv, bool serving)
{
        struct rpc_health *h = rpc_server_extension(srv, &health_extension);

        if (!h)
                return;
        pthread_mutex_lock(&h->lock);
        /* health and reflection answer whatever the state: only what runs
         * jobs, and the server as a whole, change */
        for (size_t i = 0; !h->stopping && i < h->n_entries; i++)
                if (strncmp(h->entries[i].service, "grpc.", 5) != 0)
                        set_locked(h, h->entries[i].service, serving ? STATUS_SERVING : STATUS_NOT_SERVING,
                                   false);
        pthread_mutex_unlock(&h->lock);
}
