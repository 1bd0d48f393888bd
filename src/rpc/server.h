/* SPDX-License-Identifier: MIT */
#pragma once

/* A small generic gRPC server on the gRPC core C API (docs/internals/rpc.md).
 *
 * Threading: completion-queue pump threads run the handlers. A handler must not
 * block: it validates, hands the work to the application's own threads and
 * returns; the reply may then come from ANY thread. Every cr_rpc_call_* function
 * is thread-safe.
 *
 * Lifetime: a handler borrows its call. To answer after returning, take a
 * reference with cr_rpc_call_ref() and drop it with cr_rpc_call_unref() once
 * done. Every call is answered exactly once, by cr_rpc_call_reply() (unary) or
 * cr_rpc_call_finish[_error]() (any kind), unless the client went away first
 * (cancel callback). A call whose client is gone accepts and drops everything.
 *
 * Messages are protobuf-c messages; this header names them only by struct tag
 * so its users need not include any third-party header. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_error;
struct ProtobufCMessage;
struct ProtobufCMessageDescriptor;

struct cr_rpc_server;
struct cr_rpc_call;

enum cr_rpc_kind {
        CR_RPC_UNARY,         /* one request, one response (cr_rpc_call_reply) */
        CR_RPC_SERVER_STREAM, /* one request, any number of cr_rpc_call_send, then finish */
        CR_RPC_BIDI_STREAM,   /* the handler runs once per request message, in order, and once more
                               * with request == NULL when the client half-closes */
        _CR_RPC_KIND_MAX,
        _CR_RPC_KIND_INVALID = -22,
};

#define CR_RPC_DEFAULT_MAX_MESSAGE (8u * 1024 * 1024) /* the original Go server's limit */
#define CR_RPC_MAX_CQ_THREADS 16

struct cr_rpc_server_options {
        const char *host;            /* NULL = all interfaces ("[::]", dual stack) */
        unsigned port;               /* 0 = an ephemeral port (see cr_rpc_server_port) */
        size_t max_message_bytes;    /* receive and send cap; 0 = CR_RPC_DEFAULT_MAX_MESSAGE */
        unsigned cq_threads;         /* completion-queue pump threads; 0 = 1 */
};

/* request is valid only until the handler returns (copy what a worker needs). */
typedef void (*cr_rpc_handler_fn)(struct cr_rpc_call *call, const struct ProtobufCMessage *request,
                                  void *userdata);
typedef void (*cr_rpc_cancel_fn)(struct cr_rpc_call *call, void *userdata);

/* Blocks the process-directed signals (SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGCHLD, SIGUSR1, SIGUSR2, SIGPIPE) in the calling thread before gRPC starts
 * its threads, so they inherit the mask (DESIGN §9): the caller then receives
 * them with signalfd() or sigwaitinfo(). Children must reset the mask. */
int cr_rpc_server_new(const struct cr_rpc_server_options *opts, struct cr_rpc_server **ret,
                      struct cr_error **err);

/* Before start. path is "/package.Service/Method"; request_desc is the
 * protobuf-c descriptor of the request type. */
int cr_rpc_server_add_method(struct cr_rpc_server *srv, const char *path, enum cr_rpc_kind kind,
                             const struct ProtobufCMessageDescriptor *request_desc, cr_rpc_handler_fn handler,
                             void *userdata, struct cr_error **err);

/* grpc.health.v1.Health (Check, Watch). Every service with a method is
 * SERVING from start, as is the overall status "". Before start. */
int cr_rpc_server_add_health(struct cr_rpc_server *srv, struct cr_error **err);
/* Changes a service's status ("" = the server as a whole), creating it if
 * unknown; Watch streams see the change at once. Any thread, any time. */
void cr_rpc_server_set_serving(struct cr_rpc_server *srv, const char *service, bool serving);
/* The same for the server as a whole and every service it knows, except
 * grpc.* (health and reflection answer whatever the state). */
void cr_rpc_server_set_all_serving(struct cr_rpc_server *srv, bool serving);

/* grpc.reflection.v1 and v1alpha ServerReflection, serving the descriptors
 * embedded at build time (every proto of the daemon, health, reflection) plus
 * any added with cr_rpc_server_add_descriptors(). Before start. */
int cr_rpc_server_add_reflection(struct cr_rpc_server *srv, struct cr_error **err);
/* Adds a serialized google.protobuf.FileDescriptorSet (protoc
 * --include_imports --descriptor_set_out) to what reflection serves; files
 * already known by name are skipped. data is not copied: it must outlive the
 * server (a static array). Before start. */
int cr_rpc_server_add_descriptors(struct cr_rpc_server *srv, const void *data, size_t len,
                                  struct cr_error **err);

/* Binds (SO_REUSEPORT off: a port in use is an error), starts the pump
 * threads and accepts calls. */
int cr_rpc_server_start(struct cr_rpc_server *srv, struct cr_error **err);
/* The bound port once started, 0 before. */
unsigned cr_rpc_server_port(const struct cr_rpc_server *srv);

/* Graceful stop: health turns NOT_SERVING (Watch streams get it and end), no
 * new calls are accepted, calls in flight have grace_ms to finish; then the
 * remaining ones are cancelled (their cancel callbacks run) and the function
 * returns once every call has been released by gRPC. Idempotent. */
void cr_rpc_server_shutdown(struct cr_rpc_server *srv, unsigned grace_ms);
/* Shuts down with no grace period if still running. Calls the application
 * still holds stay valid objects (every operation on them fails). */
struct cr_rpc_server *cr_rpc_server_free(struct cr_rpc_server *srv);

/* ---- calls. Unless stated otherwise these return 0, or a negative errno:
 * -ECANCELED   the call is over (client gone, deadline, or shutdown)
 * -EALREADY    already finished by the handler
 * -EINVAL      wrong operation for the method kind
 * -EMSGSIZE    the message exceeds the server's max_message_bytes
 * The client never sees a message that failed; nothing else to clean up. */

struct cr_rpc_call *cr_rpc_call_ref(struct cr_rpc_call *call);
struct cr_rpc_call *cr_rpc_call_unref(struct cr_rpc_call *call);

/* Unary: the response and status OK. */
int cr_rpc_call_reply(struct cr_rpc_call *call, const struct ProtobufCMessage *response);
/* Streaming: queues one message. Messages go out in order, one SEND_MESSAGE
 * batch at a time; queued ones count against CR_RPC_MAX_QUEUED_BYTES. */
int cr_rpc_call_send(struct cr_rpc_call *call, const struct ProtobufCMessage *message);
#define CR_RPC_MAX_QUEUED_BYTES (64u * 1024 * 1024) /* -ENOBUFS past it */
/* Ends the call with a status (enum cr_rpc_status, rpc/status.h) after every
 * queued message. message may be NULL; it is sent to the client as is. */
int cr_rpc_call_finish(struct cr_rpc_call *call, int status, const char *message);
/* The same with the status and sanitised message rpc/status.c derives from an
 * error (the chain itself is never sent). */
int cr_rpc_call_finish_error(struct cr_rpc_call *call, const struct cr_error *e);

/* fn runs once, on a pump thread, when the call ends without a status from us
 * (client cancel, deadline exceeded, connection lost, shutdown), and never
 * after a normal finish. If that already happened, fn runs before this
 * returns. Replaces an earlier callback; after cr_rpc_call_on_cancel(call,
 * NULL, NULL) returns, the old callback is not running and never will, so
 * its userdata may be freed (unless called from that callback itself). */
void cr_rpc_call_on_cancel(struct cr_rpc_call *call, cr_rpc_cancel_fn fn, void *userdata);
bool cr_rpc_call_is_cancelled(struct cr_rpc_call *call);
/* Milliseconds left until the client's deadline (0 when past), -1 when none. */
int64_t cr_rpc_call_deadline_ms(struct cr_rpc_call *call);
/* "/package.Service/Method"; stable for the call's lifetime. */
const char *cr_rpc_call_method(const struct cr_rpc_call *call);
/* A process-unique number for logs ("call=%" PRIu64). */
uint64_t cr_rpc_call_id(const struct cr_rpc_call *call);
/* The client's address ("127.0.0.1", "::1"; "" when not an IP peer). */
const char *cr_rpc_call_peer(const struct cr_rpc_call *call);
/* The user-agent header ("" when none), at most 500 bytes. */
const char *cr_rpc_call_user_agent(const struct cr_rpc_call *call);

static inline void cr_rpc_call_unrefp(struct cr_rpc_call **c)
{
        *c = cr_rpc_call_unref(*c);
}
#define _cleanup_rpc_call_ __attribute__((__cleanup__(cr_rpc_call_unrefp)))

static inline void cr_rpc_server_freep(struct cr_rpc_server **s)
{
        *s = cr_rpc_server_free(*s);
}
#define _cleanup_rpc_server_ __attribute__((__cleanup__(cr_rpc_server_freep)))
