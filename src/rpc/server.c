/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "rpc/server.h"

#include <errno.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "proc-util.h"
#include "rpc/rpc-internal.h"
#include "xalloc.h"

/* Requests kept posted per registered method (and for unknown methods): a
 * new call is matched at once while the pump replaces the completed one. */
#define REQUESTS_PER_METHOD 2
#define MAX_PATH_LEN 256
#define MAX_METHODS 256

/* A posted grpc_server_request_*call: becomes a call when it completes. */
struct rpc_request {
        struct rpc_tag tag;
        const struct rpc_method *method; /* not owned; NULL = any unregistered method */
        grpc_call *call;
        gpr_timespec deadline;
        grpc_metadata_array metadata;
        grpc_byte_buffer *payload;       /* registered unary / server-stream methods */
        grpc_call_details details;       /* unregistered methods */
};

/* ------------------------------------------------------------ gRPC's logs */

static void gpr_log_bridge(gpr_log_func_args *args)
{
        int level = args->severity == GPR_LOG_SEVERITY_ERROR  ? LOG_LEVEL_WARNING
                    : args->severity == GPR_LOG_SEVERITY_INFO ? LOG_LEVEL_INFO
                                                              : LOG_LEVEL_DEBUG;

        if (level <= cr_log_max_level)
                cr_log_internal(level, args->file, args->line, NULL, "grpc: %s", args->message);
}

/* Process-directed signals must be blocked in every gRPC thread, which
 * inherit the mask of the thread that creates them (DESIGN §9). */
static void block_signals(void)
{
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGPIPE };
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                sigaddset(&set, sigs[i]);
        (void) pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* ------------------------------------------------------------- requests */

static void request_free(struct rpc_request *req)
{
        grpc_metadata_array_destroy(&req->metadata);
        if (!req->method)
                grpc_call_details_destroy(&req->details);
        if (req->payload)
                grpc_byte_buffer_destroy(req->payload);
        free(req);
}

static int post_request(struct cr_rpc_server *srv, const struct rpc_method *method)
{
        struct rpc_request *req = xzalloc(sizeof(*req));
        grpc_call_error r;

        req->tag.kind = RPC_TAG_REQUEST;
        req->method = method;
        grpc_metadata_array_init(&req->metadata);
        if (method) {
                r = grpc_server_request_registered_call(
                        srv->server, method->registered, &req->call, &req->deadline, &req->metadata,
                        method->kind == CR_RPC_BIDI_STREAM ? NULL : &req->payload, srv->cq, srv->cq, &req->tag);
        } else {
                grpc_call_details_init(&req->details);
                r = grpc_server_request_call(srv->server, &req->call, &req->details, &req->metadata, srv->cq,
                                             srv->cq, &req->tag);
        }
        if (r != GRPC_CALL_OK) {
                log_error("Failed to request calls for %s: %s", method ? method->path : "unknown methods",
                          grpc_call_error_to_string(r));
                request_free(req);
                return -EIO;
        }
        return 0;
}

/* CLOCK_MONOTONIC ms of the deadline, -1 when the client set none. */
static int64_t deadline_to_ms(gpr_timespec d)
{
        gpr_timespec now, left;
        int64_t ms;

        if (d.tv_sec == INT64_MAX)
                return -1;
        now = gpr_now(d.clock_type);
        if (gpr_time_cmp(d, now) <= 0)
                return (int64_t) now_ms();
        left = gpr_time_sub(d, now);
        if (left.tv_sec > INT32_MAX) /* a deadline years away is no deadline */
                return -1;
        ms = left.tv_sec * 1000 + left.tv_nsec / 1000000;
        return (int64_t) now_ms() + ms;
}

static char *unknown_method_path(const grpc_call_details *details)
{
        size_t n = MIN(GRPC_SLICE_LENGTH(details->method), (size_t) MAX_PATH_LEN);

        return xstrndup((const char *) GRPC_SLICE_START_PTR(details->method), n);
}

static bool server_accepting(struct cr_rpc_server *srv)
{
        bool r;

        pthread_mutex_lock(&srv->lock);
        r = srv->state == RPC_SERVER_STARTED;
        pthread_mutex_unlock(&srv->lock);
        return r;
}

/* A request header's value, at most max bytes ("" when absent). */
static char *metadata_value(const grpc_metadata_array *md, const char *key, size_t max)
{
        size_t klen = strlen(key);

        for (size_t i = 0; i < md->count; i++) {
                const grpc_slice *k = &md->metadata[i].key, *v = &md->metadata[i].value;
                if (GRPC_SLICE_LENGTH(*k) == klen && memcmp(GRPC_SLICE_START_PTR(*k), key, klen) == 0)
                        return xstrndup((const char *) GRPC_SLICE_START_PTR(*v), MIN(GRPC_SLICE_LENGTH(*v), max));
        }
        return xstrdup("");
}

static void on_request(struct cr_rpc_server *srv, struct rpc_request *req, bool ok)
{
        struct cr_rpc_call *call;
        _cleanup_free_ char *path = NULL, *user_agent = NULL;

        if (!ok) { /* the server is shutting down */
                request_free(req);
                return;
        }
        /* Replace the request first so the next call is matched while this
         * one's handler runs. */
        if (server_accepting(srv))
                (void) post_request(srv, req->method);

        if (!req->method)
                path = unknown_method_path(&req->details);
        /* the original's user_agent column holds at most 500 bytes */
        user_agent = metadata_value(&req->metadata, "user-agent", 500);
        call = rpc_call_new(req->method, req->method ? req->method->path : path, req->call, user_agent,
                            deadline_to_ms(req->deadline), srv->max_message_bytes);
        req->call = NULL; /* owned by the call now */
        rpc_call_start(call, req->payload);
        request_free(req);
        cr_rpc_call_unref(call);
}

/* ------------------------------------------------------------ pump threads */

static void dispatch(struct cr_rpc_server *srv, struct rpc_tag *tag, bool ok)
{
        switch (tag->kind) {
        case RPC_TAG_REQUEST:
                on_request(srv, container_of(tag, struct rpc_request, tag), ok);
                break;
        case RPC_TAG_SHUTDOWN:
                pthread_mutex_lock(&srv->lock);
                srv->shutdown_done = true;
                pthread_cond_broadcast(&srv->cond);
                pthread_mutex_unlock(&srv->lock);
                break;
        default:
                rpc_call_complete(tag, ok);
        }
}

static void *pump_main(void *userdata)
{
        struct cr_rpc_server *srv = userdata;

        for (;;) {
                grpc_event ev = grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

                if (ev.type == GRPC_QUEUE_SHUTDOWN)
                        break;
                if (ev.type == GRPC_OP_COMPLETE)
                        dispatch(srv, ev.tag, ev.success != 0);
        }
        return NULL;
}

static int start_threads(struct cr_rpc_server *srv, struct cr_error **err)
{
        sigset_t all, old;
        int r = 0;

        /* Pump threads run handlers: no signal is ever delivered to them. */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &old);
        srv->threads = xzalloc(sizeof(pthread_t) * srv->n_threads);
        for (; srv->n_threads_started < srv->n_threads; srv->n_threads_started++) {
                r = pthread_create(&srv->threads[srv->n_threads_started], NULL, pump_main, srv);
                if (r != 0)
                        break;
        }
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "Failed to start gRPC completion-queue thread");
        return 0;
}

/* ------------------------------------------------------------- server */

int cr_rpc_server_new(const struct cr_rpc_server_options *opts, struct cr_rpc_server **ret,
                      struct cr_error **err)
{
        struct cr_rpc_server *srv;
        pthread_condattr_t attr;
        size_t max_msg = opts->max_message_bytes ? opts->max_message_bytes : CR_RPC_DEFAULT_MAX_MESSAGE;
        grpc_arg args[3] = {
                { .type = GRPC_ARG_INTEGER, .key = (char *) GRPC_ARG_ALLOW_REUSEPORT, .value.integer = 0 },
                { .type = GRPC_ARG_INTEGER, .key = (char *) GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH },
                { .type = GRPC_ARG_INTEGER, .key = (char *) GRPC_ARG_MAX_SEND_MESSAGE_LENGTH },
        };
        grpc_channel_args channel_args = { .num_args = ARRAY_SIZE(args), .args = args };

        if (opts->cq_threads > CR_RPC_MAX_CQ_THREADS)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "At most %d gRPC threads",
                                    CR_RPC_MAX_CQ_THREADS);
        if (max_msg > INT_MAX || opts->port > 65535)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "gRPC message size or port out of range");
        args[1].value.integer = args[2].value.integer = (int) max_msg;

        block_signals();
        gpr_set_log_function(gpr_log_bridge);
        grpc_init();

        srv = xzalloc(sizeof(*srv));
        srv->max_message_bytes = max_msg;
        srv->n_threads = opts->cq_threads ? opts->cq_threads : 1;
        srv->address = xasprintf("%s:%u", opts->host ? opts->host : "[::]", opts->port);
        srv->shutdown_tag.kind = RPC_TAG_SHUTDOWN;
        pthread_mutex_init(&srv->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&srv->cond, &attr);
        pthread_condattr_destroy(&attr);
        srv->server = grpc_server_create(&channel_args, NULL);
        srv->cq = grpc_completion_queue_create_for_next(NULL);
        grpc_server_register_completion_queue(srv->server, srv->cq, NULL);
        *ret = srv;
        return 0;
}

static bool valid_path(const char *path)
{
        const char *slash;
        size_t n = strnlen(path, MAX_PATH_LEN + 1);

        if (n > MAX_PATH_LEN || n < 4 || path[0] != '/')
                return false;
        slash = strchr(path + 1, '/');
        return slash && slash > path + 1 && slash[1] && !strchr(slash + 1, '/');
}

int cr_rpc_server_add_method(struct cr_rpc_server *srv, const char *path, enum cr_rpc_kind kind,
                             const struct ProtobufCMessageDescriptor *request_desc, cr_rpc_handler_fn handler,
                             void *userdata, struct cr_error **err)
{
        struct rpc_method *m;

        if (srv->state != RPC_SERVER_NEW)
                return cr_error_make(err, EBUSY, CR_ERROR_INTERNAL, "Methods must be added before start");
        if (!valid_path(path) || kind < 0 || kind >= _CR_RPC_KIND_MAX || !request_desc || !handler)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "Invalid gRPC method '%s'", path);
        if (srv->n_methods >= MAX_METHODS)
                return cr_error_make(err, ENOSPC, CR_ERROR_LIMIT, "Too many gRPC methods");
        for (size_t i = 0; i < srv->n_methods; i++)
                if (strcmp(srv->methods[i].path, path) == 0)
                        return cr_error_make(err, EEXIST, CR_ERROR_INVALID, "gRPC method '%s' added twice", path);

        srv->methods = xrealloc(srv->methods, sizeof(*srv->methods) * (srv->n_methods + 1));
        m = &srv->methods[srv->n_methods];
        *m = (struct rpc_method) {
                .path = xstrdup(path),
                .service = xstrndup(path + 1, (size_t) (strchr(path + 1, '/') - path - 1)),
                .kind = kind,
                .request_desc = request_desc,
                .handler = handler,
                .userdata = userdata,
        };
        m->registered = grpc_server_register_method(srv->server, path, NULL,
                                                    kind == CR_RPC_BIDI_STREAM
                                                            ? GRPC_SRM_PAYLOAD_NONE
                                                            : GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER,
                                                    0);
        if (!m->registered) {
                free(m->path);
                free(m->service);
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL, "gRPC refused method '%s'", path);
        }
        srv->n_methods++;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The distinct service names, sorted; computed once at start. */
static void collect_services(struct cr_rpc_server *srv)
{
        size_t n = 0;

        free(srv->services); /* a start that failed before */
        srv->services = xzalloc(sizeof(char *) * (srv->n_methods + 1));
        for (size_t i = 0; i < srv->n_methods; i++)
                srv->services[n++] = srv->methods[i].service;
        qsort(srv->services, n, sizeof(char *), cmp_str);
        srv->n_services = 0;
        for (size_t i = 0; i < n; i++)
                if (srv->n_services == 0 || strcmp(srv->services[srv->n_services - 1], srv->services[i]) != 0)
                        srv->services[srv->n_services++] = srv->services[i];
}

size_t rpc_server_services(struct cr_rpc_server *srv, const char *const **ret)
{
        *ret = (const char *const *) srv->services;
        return srv->n_services;
}

int rpc_server_add_extension(struct cr_rpc_server *srv, const struct rpc_extension *ext, void *state,
                             struct cr_error **err)
{
        if (srv->state != RPC_SERVER_NEW || srv->n_extensions >= RPC_MAX_EXTENSIONS) {
                ext->free(state);
                return cr_error_make(err, EBUSY, CR_ERROR_INTERNAL, "cannot add %s now", ext->name);
        }
        srv->extensions[srv->n_extensions].ext = ext;
        srv->extensions[srv->n_extensions].state = state;
        srv->n_extensions++;
        return 0;
}

void *rpc_server_extension(const struct cr_rpc_server *srv, const struct rpc_extension *ext)
{
        for (size_t i = 0; i < srv->n_extensions; i++)
                if (srv->extensions[i].ext == ext)
                        return srv->extensions[i].state;
        return NULL;
}

static void extensions_start(struct cr_rpc_server *srv)
{
        for (size_t i = 0; i < srv->n_extensions; i++)
                if (srv->extensions[i].ext->start)
                        srv->extensions[i].ext->start(srv, srv->extensions[i].state);
}

static void extensions_shutdown(struct cr_rpc_server *srv)
{
        for (size_t i = 0; i < srv->n_extensions; i++)
                if (srv->extensions[i].ext->shutdown)
                        srv->extensions[i].ext->shutdown(srv, srv->extensions[i].state);
}

static int post_all_requests(struct cr_rpc_server *srv, struct cr_error **err)
{
        for (int k = 0; k < REQUESTS_PER_METHOD; k++) {
                for (size_t i = 0; i < srv->n_methods; i++)
                        if (post_request(srv, &srv->methods[i]) < 0)
                                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "Failed to post gRPC requests");
                if (post_request(srv, NULL) < 0)
                        return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "Failed to post gRPC requests");
        }
        return 0;
}

int cr_rpc_server_start(struct cr_rpc_server *srv, struct cr_error **err)
{
        grpc_server_credentials *creds;
        int port, r;

        if (srv->state != RPC_SERVER_NEW)
                return cr_error_make(err, EBUSY, CR_ERROR_INTERNAL, "gRPC server already started");
        collect_services(srv);

        creds = grpc_insecure_server_credentials_create();
        port = grpc_server_add_http2_port(srv->server, srv->address, creds);
        grpc_server_credentials_release(creds);
        if (port <= 0)
                return cr_error_make(err, EADDRINUSE, CR_ERROR_UNAVAILABLE, "Failed to listen on %s",
                                    srv->address);
        srv->port = (unsigned) port;

        grpc_server_start(srv->server);
        pthread_mutex_lock(&srv->lock);
        srv->state = RPC_SERVER_STARTED;
        pthread_mutex_unlock(&srv->lock);

        extensions_start(srv); /* before the first call can arrive */
        r = start_threads(srv, err);
        if (r < 0)
                return r;
        r = post_all_requests(srv, err);
        if (r < 0)
                return r;
        log_info("gRPC server listening on %s (port %u, %zu methods, %u threads)", srv->address, srv->port,
                 srv->n_methods, srv->n_threads);
        return 0;
}

unsigned cr_rpc_server_port(const struct cr_rpc_server *srv)
{
        return srv->port;
}

/* Waits for the shutdown tag; false when timeout_ms (>= 0) passed first. */
static bool wait_shutdown(struct cr_rpc_server *srv, int64_t timeout_ms)
{
        struct timespec until;
        bool done;

        clock_gettime(CLOCK_MONOTONIC, &until);
        if (timeout_ms >= 0) {
                until.tv_sec += timeout_ms / 1000;
                until.tv_nsec += (timeout_ms % 1000) * 1000000;
                if (until.tv_nsec >= 1000000000) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000;
                }
        }
        pthread_mutex_lock(&srv->lock);
        while (!srv->shutdown_done) {
                if (timeout_ms < 0)
                        pthread_cond_wait(&srv->cond, &srv->lock);
                else if (pthread_cond_timedwait(&srv->cond, &srv->lock, &until) == ETIMEDOUT)
                        break;
        }
        done = srv->shutdown_done;
        pthread_mutex_unlock(&srv->lock);
        return done;
}

/* Without pump threads (a start that failed half-way, or never started),
 * completions are collected here until the shutdown tag arrives. */
static void collect_inline(struct cr_rpc_server *srv)
{
        for (;;) {
                grpc_event ev = grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

                if (ev.type != GRPC_OP_COMPLETE || ev.tag == &srv->shutdown_tag)
                        break;
                dispatch(srv, ev.tag, ev.success != 0);
        }
}

static void stop_threads(struct cr_rpc_server *srv)
{
        grpc_completion_queue_shutdown(srv->cq);
        if (srv->n_threads_started == 0)
                while (grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
                       GRPC_QUEUE_SHUTDOWN)
                        ;
        for (unsigned i = 0; i < srv->n_threads_started; i++)
                (void) pthread_join(srv->threads[i], NULL);
        srv->n_threads_started = 0;
}

void cr_rpc_server_shutdown(struct cr_rpc_server *srv, unsigned grace_ms)
{
        pthread_mutex_lock(&srv->lock);
        if (srv->state != RPC_SERVER_STARTED) {
                pthread_mutex_unlock(&srv->lock);
                return;
        }
        srv->state = RPC_SERVER_STOPPING;
        pthread_mutex_unlock(&srv->lock);

        log_info("gRPC server shutting down (grace period %u ms)", grace_ms);
        extensions_shutdown(srv);
        grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);
        if (srv->n_threads_started == 0) {
                grpc_server_cancel_all_calls(srv->server);
                collect_inline(srv);
        } else if (!wait_shutdown(srv, grace_ms)) {
                log_notice("gRPC grace period over, cancelling the calls still running");
                grpc_server_cancel_all_calls(srv->server);
                (void) wait_shutdown(srv, -1);
        }
        stop_threads(srv);
        pthread_mutex_lock(&srv->lock);
        srv->state = RPC_SERVER_STOPPED;
        pthread_mutex_unlock(&srv->lock);
        log_info("gRPC server stopped");
}

struct cr_rpc_server *cr_rpc_server_free(struct cr_rpc_server *srv)
{
        if (!srv)
                return NULL;
        if (srv->state == RPC_SERVER_STARTED)
                cr_rpc_server_shutdown(srv, 0);
        if (srv->state == RPC_SERVER_NEW) {
                grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);
                collect_inline(srv);
                stop_threads(srv);
        }
        grpc_server_destroy(srv->server);
        grpc_completion_queue_destroy(srv->cq);

        for (size_t i = 0; i < srv->n_extensions; i++)
                srv->extensions[i].ext->free(srv->extensions[i].state);
        for (size_t i = 0; i < srv->n_methods; i++) {
                free(srv->methods[i].path);
                free(srv->methods[i].service);
        }
        free(srv->methods);
        free(srv->services);
        free(srv->threads);
        free(srv->address);
        pthread_cond_destroy(&srv->cond);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        grpc_shutdown();
        return NULL;
}
