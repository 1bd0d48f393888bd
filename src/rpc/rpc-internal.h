/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between the files of rpc/'s generic server only (server.c, call.c,
 * health.c, reflection.c). */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/server.h"

struct grpc_server;
struct grpc_completion_queue;
struct grpc_call;
struct grpc_byte_buffer;

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

/* Something added to a server (health, reflection) that must hear of its
 * start and shutdown and be freed with it. server.c calls it only through
 * these pointers: it knows nothing of what is added. */
struct rpc_extension {
        const char *name;
        void (*start)(struct cr_rpc_server *srv, void *state);    /* optional: listening, no call yet */
        void (*shutdown)(struct cr_rpc_server *srv, void *state); /* optional: before draining */
        void (*free)(void *state);
};

#define RPC_MAX_EXTENSIONS 4

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

        struct {
                const struct rpc_extension *ext; /* not owned (static) */
                void *state;                     /* owned, freed by ext->free */
        } extensions[RPC_MAX_EXTENSIONS];
        size_t n_extensions;
};

/* server.c: the distinct service names of the registered methods, sorted.
 * Returns the number; *ret is owned by srv (valid until free). */
size_t rpc_server_services(struct cr_rpc_server *srv, const char *const **ret);
/* server.c: adds an extension (before start); it owns state from here on,
 * even when this fails. */
int rpc_server_add_extension(struct cr_rpc_server *srv, const struct rpc_extension *ext, void *state,
                             struct cr_error **err);
/* server.c: the state of an added extension, or NULL. */
void *rpc_server_extension(const struct cr_rpc_server *srv, const struct rpc_extension *ext);

/* call.c: a new call holds one reference, the dispatcher's. */
struct cr_rpc_call *rpc_call_new(const struct rpc_method *method, const char *path, struct grpc_call *gcall,
                                 const char *user_agent, int64_t deadline_ms, size_t max_message_bytes);
/* Posts RECV_CLOSE_ON_SERVER, then runs the handler on payload (unary and
 * server streaming; not consumed), starts reading (bidi) or answers
 * UNIMPLEMENTED (method == NULL). */
void rpc_call_start(struct cr_rpc_call *call, struct grpc_byte_buffer *payload);
/* A SEND, RECV or CLOSE tag of a call completed. */
void rpc_call_complete(struct rpc_tag *tag, bool ok);

/* The daemon's FileDescriptorSet, generated at build time
 * (scripts/embed-descriptors.sh → src/proto/descriptor-set.c). */
extern const unsigned char cr_rpc_descriptor_set[];
extern const size_t cr_rpc_descriptor_set_len;
