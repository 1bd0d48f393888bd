/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between server.c, health.c and reflection.c only. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/server.h"

struct grpc_server;
struct grpc_completion_queue;
struct grpc_call;
struct grpc_byte_buffer;
struct rpc_health;
struct rpc_reflection;

#define container_of(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))

/* Every completion-queue tag starts with this. */
enum rpc_tag_kind {
        RPC_TAG_REQUEST,  /* a grpc_server_request_*call completed: a new call */
        RPC_TAG_SEND,     /* a call's SEND_* batch completed */
        RPC_TAG_RECV,     /* a call's RECV_MESSAGE completed (bidi streams) */
        RPC_TAG_CLOSE,    /* a call's RECV_CLOSE_ON_SERVER completed: the call is over */
        RPC_TAG_SHUTDOWN, /* grpc_server_shutdown_and_notify completed */
};

struct rpc_tag {
        enum rpc_tag_kind kind;
};

struct rpc_method {
        char *path;                                     /* "/pkg.Svc/Method" */
        char *service;                                  /* "pkg.Svc" */
        enum cr_rpc_kind kind;
        const struct ProtobufCMessageDescriptor *request_desc; /* not owned (static) */
        cr_rpc_handler_fn handler;
        void *userdata;                                 /* not owned */
        void *registered;                               /* grpc_server_register_method()'s handle */
};

enum rpc_server_state {
        RPC_SERVER_NEW,
        RPC_SERVER_STARTED,
        RPC_SERVER_STOPPING,
        RPC_SERVER_STOPPED,
};

struct cr_rpc_server {
        struct grpc_server *server;
        struct grpc_completion_queue *cq;
        char *address;                  /* "host:port" as given to gRPC */
        unsigned port;                  /* bound port once started */
        size_t max_message_bytes;

        struct rpc_method *methods;
        size_t n_methods;
        char **services;                /* sorted, distinct; entries not owned (methods[].service) */
        size_t n_services;

        pthread_t *threads;
        unsigned n_threads;
        unsigned n_threads_started;

        pthread_mutex_t lock;           /* state, shutdown_done */
        pthread_cond_t cond;            /* CLOCK_MONOTONIC */
        enum rpc_server_state state;
        bool shutdown_done;
        struct rpc_tag shutdown_tag;

        struct rpc_health *health;      /* owned; NULL without cr_rpc_server_add_health() */
        struct rpc_reflection *reflection; /* owned; NULL without cr_rpc_server_add_reflection() */
};

/* server.c: the distinct service names of the registered methods, sorted.
 * Returns the number; *ret is owned by srv (valid until free). */
size_t rpc_server_services(struct cr_rpc_server *srv, const char *const **ret);

/* call.c: a new call holds one reference, the dispatcher's. */
struct cr_rpc_call *rpc_call_new(const struct rpc_method *method, const char *path, struct grpc_call *gcall,
                                 int64_t deadline_ms, size_t max_message_bytes);
/* Posts RECV_CLOSE_ON_SERVER, then runs the handler on payload (unary and
 * server streaming; not consumed), starts reading (bidi) or answers
 * UNIMPLEMENTED (method == NULL). */
void rpc_call_start(struct cr_rpc_call *call, struct grpc_byte_buffer *payload);
/* A SEND, RECV or CLOSE tag of a call completed. */
void rpc_call_complete(struct rpc_tag *tag, bool ok);

/* health.c */
int rpc_health_new(struct cr_rpc_server *srv, struct rpc_health **ret, struct cr_error **err);
void rpc_health_start(struct cr_rpc_server *srv);
void rpc_health_shutdown(struct cr_rpc_server *srv);
struct rpc_health *rpc_health_free(struct rpc_health *h);

/* reflection.c */
int rpc_reflection_new(struct cr_rpc_server *srv, struct rpc_reflection **ret, struct cr_error **err);
int rpc_reflection_add(struct rpc_reflection *r, const void *data, size_t len, struct cr_error **err);
struct rpc_reflection *rpc_reflection_free(struct rpc_reflection *r);

/* The daemon's FileDescriptorSet, generated at build time
 * (scripts/embed-descriptors.sh → src/proto/descriptor-set.c). */
extern const unsigned char cr_rpc_descriptor_set[];
extern const size_t cr_rpc_descriptor_set_len;
