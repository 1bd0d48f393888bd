/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "rpc/rpc-internal.h"

#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <inttypes.h>
#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "proc-util.h"
#include "rpc/status.h"
#include "xalloc.h"

/* One call's state machine (docs/internals/rpc.md):
 *
 *   accepted ─► RECV_CLOSE_ON_SERVER posted at once (detects cancel / deadline)
 *      │        unary, server stream: request decoded, handler runs
 *      │        bidi: RECV_MESSAGE ─► handler ─► RECV_MESSAGE ... ─► handler(NULL)
 *      ▼
 *   sending: queue of encoded messages; at most one SEND batch in flight; the
 *            first batch carries the initial metadata, the last one the status
 *      ▼
 *   closed: RECV_CLOSE completed (cancelled or not) ─► cancel callback if cancelled
 *      ▼
 *   released: closed and no batch in flight ─► grpc_call_unref; the gRPC server
 *             can finish shutting down even while the application still holds
 *             the cr_rpc_call (every operation on it then fails with ECANCELED)
 *      ▼
 *   freed: last reference dropped (each batch in flight holds one, the
 *          dispatching pump thread one, the application any number)
 */

struct rpc_msg {
        struct rpc_msg *next;
        grpc_byte_buffer *bb;   /* owned */
        size_t len;
};

struct cr_rpc_call {
        struct rpc_tag send_tag;
        struct rpc_tag recv_tag;
        struct rpc_tag close_tag;
        const struct rpc_method *method; /* not owned; NULL for an unknown method */
        char *path;                      /* owned */
        char *peer;                      /* owned: the client's address, "" when unknown */
        char *user_agent;                /* owned: "" when none */
        uint64_t id;
        size_t max_message_bytes;
        int64_t deadline_ms;             /* CLOCK_MONOTONIC ms, -1 = none */

        pthread_mutex_t lock;            /* everything below */
        pthread_cond_t cond;             /* cancel_running turned false */
        unsigned refs;
        grpc_call *call;                 /* owned; NULL once released */
        struct rpc_msg *queue;           /* messages not yet handed to gRPC */
        struct rpc_msg **queue_tail;
        size_t queued_bytes;
        grpc_byte_buffer *in_flight;     /* owned: the message of the SEND batch in flight */
        grpc_byte_buffer *recv_buf;      /* RECV_MESSAGE target (bidi) */
        int status;
        char *status_msg;                /* owned; NULL = no details */
        int cancelled_flag;              /* RECV_CLOSE_ON_SERVER's out parameter */
        bool md_sent;
        bool finishing;                  /* a status is set; goes out after the queue */
        bool status_sent;                /* no more SEND batches, ever */
        bool sending;                    /* a SEND batch is in flight */
        bool receiving;                  /* a RECV_MESSAGE batch is in flight */
        bool closed;
        bool cancelled;
        bool cancel_fired;
        bool cancel_running;             /* on_cancel is running in cancel_thread */
        pthread_t cancel_thread;
        cr_rpc_cancel_fn on_cancel;
        void *on_cancel_data;            /* not owned */
};

static uint64_t next_call_id = 1;

/* "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678" or "ipv6:%5B::1%5D:5678" → the
 * address alone (the original's client_ip column holds at most 45 bytes). */
static char *peer_address(const char *peer)
{
        const char *p = peer, *end;

        if (!p)
                return xstrdup("");
        if (strncmp(p, "ipv4:", 5) == 0 || strncmp(p, "ipv6:", 5) == 0)
                p += 5;
        else
                return xstrdup("");
        if (p[0] == '[') {
                p++;
                end = strchr(p, ']');
        } else if (strncmp(p, "%5B", 3) == 0) {
                p += 3;
                end = strstr(p, "%5D");
        } else
                end = strrchr(p, ':');
        if (!end)
                end = p + strlen(p);
        return xstrndup(p, MIN((size_t) (end - p), (size_t) 45));
}

struct cr_rpc_call *rpc_call_new(const struct rpc_method *method, const char *path, grpc_call *gcall,
                                 const char *user_agent, int64_t deadline_ms, size_t max_message_bytes)
{
        struct cr_rpc_call *call = xzalloc(sizeof(*call));
        char *peer = gcall ? grpc_call_get_peer(gcall) : NULL;

        call->peer = peer_address(peer);
        gpr_free(peer);
        call->user_agent = xstrdup(user_agent ? user_agent : "");

        call->send_tag.kind = RPC_TAG_SEND;
        call->recv_tag.kind = RPC_TAG_RECV;
        call->close_tag.kind = RPC_TAG_CLOSE;
        call->method = method;
        call->path = xstrdup(path);
        call->id = __atomic_fetch_add(&next_call_id, 1, __ATOMIC_RELAXED);
        call->max_message_bytes = max_message_bytes;
        call->deadline_ms = deadline_ms;
        pthread_mutex_init(&call->lock, NULL);
        pthread_cond_init(&call->cond, NULL);
        call->refs = 1;
        call->call = gcall;
        call->queue_tail = &call->queue;
        return call;
}

static void call_free(struct cr_rpc_call *call)
{
        while (call->queue) {
                struct rpc_msg *m = call->queue;

                call->queue = m->next;
                grpc_byte_buffer_destroy(m->bb);
                free(m);
        }
        if (call->in_flight)
                grpc_byte_buffer_destroy(call->in_flight);
        if (call->recv_buf)
                grpc_byte_buffer_destroy(call->recv_buf);
        if (call->call)
                grpc_call_unref(call->call);
        free(call->peer);
        free(call->user_agent);
        pthread_cond_destroy(&call->cond);
        pthread_mutex_destroy(&call->lock);
        free(call->status_msg);
        free(call->path);
        free(call);
}

struct cr_rpc_call *cr_rpc_call_ref(struct cr_rpc_call *call)
{
        pthread_mutex_lock(&call->lock);
        call->refs++;
        pthread_mutex_unlock(&call->lock);
        return call;
}

struct cr_rpc_call *cr_rpc_call_unref(struct cr_rpc_call *call)
{
        unsigned left;

        if (!call)
                return NULL;
        pthread_mutex_lock(&call->lock);
        left = --call->refs;
        pthread_mutex_unlock(&call->lock);
        if (left == 0)
                call_free(call);
        return NULL;
}

static void drop_queue_locked(struct cr_rpc_call *call)
{
        while (call->queue) {
                struct rpc_msg *m = call->queue;

                call->queue = m->next;
                grpc_byte_buffer_destroy(m->bb);
                free(m);
        }
        call->queue_tail = &call->queue;
        call->queued_bytes = 0;
}

/* gRPC is done with the call once it is closed and no batch is in flight:
 * release it now rather than when the application lets go, so that server
 * shutdown never waits for the application's references. */
static void release_if_done_locked(struct cr_rpc_call *call)
{
        if (call->call && call->closed && !call->sending && !call->receiving) {
                grpc_call_unref(call->call);
                call->call = NULL;
        }
}

static struct rpc_msg *queue_pop_locked(struct cr_rpc_call *call)
{
        struct rpc_msg *m = call->queue;

        if (!m)
                return NULL;
        call->queue = m->next;
        if (!call->queue)
                call->queue_tail = &call->queue;
        call->queued_bytes -= m->len;
        return m;
}

/* Starts the next SEND batch if none is in flight: [initial metadata]
 * [one message] [status, when finishing and the queue is then empty]. */
static void pump_send_locked(struct cr_rpc_call *call)
{
        grpc_op ops[3] = {};
        grpc_slice details;
        bool with_status, with_details = false;
        struct rpc_msg *m;
        grpc_call_error r;
        size_t n = 0;

        if (!call->call || call->closed || call->sending || call->status_sent)
                return;
        if (!call->queue && !call->finishing)
                return;
        if (!call->md_sent)
                ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
        m = queue_pop_locked(call);
        if (m) {
                call->in_flight = m->bb;
                free(m);
                ops[n].op = GRPC_OP_SEND_MESSAGE;
                ops[n++].data.send_message.send_message = call->in_flight;
        }
        with_status = call->finishing && !call->queue;
        if (with_status) {
                ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
                ops[n].data.send_status_from_server.status = (grpc_status_code) call->status;
                if (call->status_msg) {
                        /* gRPC copies the details before start_batch returns. */
                        details = grpc_slice_from_copied_string(call->status_msg);
                        ops[n].data.send_status_from_server.status_details = &details;
                        with_details = true;
                }
                n++;
        }

        r = grpc_call_start_batch(call->call, ops, n, &call->send_tag, NULL);
        if (with_details)
                grpc_slice_unref(details);
        if (r != GRPC_CALL_OK) {
                /* A bug in this state machine, not a runtime condition: end the
                 * call so RECV_CLOSE completes and everything is released. */
                log_error("call=%" PRIu64 " %s: grpc_call_start_batch: %s, cancelling", call->id, call->path,
                          grpc_call_error_to_string(r));
                if (call->in_flight)
                        grpc_byte_buffer_destroy(call->in_flight);
                call->in_flight = NULL;
                drop_queue_locked(call);
                call->status_sent = true;
                (void) grpc_call_cancel(call->call, NULL);
                return;
        }
        call->md_sent = true;
        call->sending = true;
        if (with_status)
                call->status_sent = true;
        call->refs++;
}

static void on_send_done(struct cr_rpc_call *call, bool ok)
{
        pthread_mutex_lock(&call->lock);
        call->sending = false;
        if (call->in_flight)
                grpc_byte_buffer_destroy(call->in_flight);
        call->in_flight = NULL;
        if (ok) {
                pump_send_locked(call);
        } else {
                /* The stream is broken (client gone); RECV_CLOSE reports it. */
                drop_queue_locked(call);
                call->status_sent = true;
        }
        release_if_done_locked(call);
        pthread_mutex_unlock(&call->lock);
        cr_rpc_call_unref(call);
}

/* Runs the cancel callback once, outside the lock, marked as running so that
 * cr_rpc_call_on_cancel() can wait for it (called and returns locked). */
static void fire_cancel_locked(struct cr_rpc_call *call)
{
        cr_rpc_cancel_fn fn = call->on_cancel;
        void *data = call->on_cancel_data;

        if (!fn || !call->cancelled || call->cancel_fired)
                return;
        call->cancel_fired = true;
        call->cancel_running = true;
        call->cancel_thread = pthread_self();
        pthread_mutex_unlock(&call->lock);
        fn(call, data);
        pthread_mutex_lock(&call->lock);
        call->cancel_running = false;
        pthread_cond_broadcast(&call->cond);
}

static void on_close_done(struct cr_rpc_call *call, bool ok)
{
        pthread_mutex_lock(&call->lock);
        call->closed = true;
        call->cancelled = !ok || call->cancelled_flag;
        if (call->cancelled) {
                drop_queue_locked(call);
                log_debug("call=%" PRIu64 " %s: cancelled (client, deadline or shutdown)", call->id,
                          call->path);
        }
        release_if_done_locked(call);
        fire_cancel_locked(call);
        pthread_mutex_unlock(&call->lock);
        cr_rpc_call_unref(call);
}

static void start_close_watch(struct cr_rpc_call *call)
{
        grpc_op op = { .op = GRPC_OP_RECV_CLOSE_ON_SERVER };
        grpc_call_error r;

        op.data.recv_close_on_server.cancelled = &call->cancelled_flag;
        pthread_mutex_lock(&call->lock);
        r = grpc_call_start_batch(call->call, &op, 1, &call->close_tag, NULL);
        if (r == GRPC_CALL_OK)
                call->refs++;
        else
                log_error("call=%" PRIu64 " %s: RECV_CLOSE_ON_SERVER: %s", call->id, call->path,
                          grpc_call_error_to_string(r));
        pthread_mutex_unlock(&call->lock);
}

static void start_recv_locked(struct cr_rpc_call *call)
{
        grpc_op op = { .op = GRPC_OP_RECV_MESSAGE };
        grpc_call_error r;

        if (!call->call || call->closed || call->receiving || call->finishing)
                return;
        op.data.recv_message.recv_message = &call->recv_buf;
        r = grpc_call_start_batch(call->call, &op, 1, &call->recv_tag, NULL);
        if (r != GRPC_CALL_OK) {
                log_error("call=%" PRIu64 " %s: RECV_MESSAGE: %s, cancelling", call->id, call->path,
                          grpc_call_error_to_string(r));
                (void) grpc_call_cancel(call->call, NULL);
                return;
        }
        call->receiving = true;
        call->refs++;
}

/* NULL when the bytes are not a valid request. gRPC has already enforced
 * the message size limit. */
static ProtobufCMessage *decode(const struct cr_rpc_call *call, grpc_byte_buffer *bb)
{
        grpc_byte_buffer_reader reader;
        ProtobufCMessage *msg;
        grpc_slice slice;

        if (!grpc_byte_buffer_reader_init(&reader, bb))
                return NULL;
        slice = grpc_byte_buffer_reader_readall(&reader);
        grpc_byte_buffer_reader_destroy(&reader);
        msg = protobuf_c_message_unpack(call->method->request_desc, NULL, GRPC_SLICE_LENGTH(slice),
                                        GRPC_SLICE_START_PTR(slice));
        grpc_slice_unref(slice);
        return msg;
}

/* Runs the handler with the decoded message; false when it did not decode
 * (the call is then finished with INTERNAL, as grpc-go does). */
static bool run_handler(struct cr_rpc_call *call, grpc_byte_buffer *bb)
{
        ProtobufCMessage *msg;

        msg = decode(call, bb);
        if (!msg) {
                log_debug("call=%" PRIu64 " %s: undecodable request", call->id, call->path);
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_INTERNAL, "failed to parse request message");
                return false;
        }
        call->method->handler(call, msg, call->method->userdata);
        protobuf_c_message_free_unpacked(msg, NULL);
        return true;
}

static void on_recv_done(struct cr_rpc_call *call, bool ok)
{
        grpc_byte_buffer *bb;

        pthread_mutex_lock(&call->lock);
        call->receiving = false;
        bb = call->recv_buf;
        call->recv_buf = NULL;
        pthread_mutex_unlock(&call->lock);

        if (ok && !bb) {
                /* The client half-closed: the handler's cue to finish. */
                call->method->handler(call, NULL, call->method->userdata);
        } else if (ok && run_handler(call, bb)) {
                pthread_mutex_lock(&call->lock);
                start_recv_locked(call);
                pthread_mutex_unlock(&call->lock);
        }
        if (bb)
                grpc_byte_buffer_destroy(bb);

        pthread_mutex_lock(&call->lock);
        release_if_done_locked(call);
        pthread_mutex_unlock(&call->lock);
        cr_rpc_call_unref(call);
}

void rpc_call_complete(struct rpc_tag *tag, bool ok)
{
        switch (tag->kind) {
        case RPC_TAG_SEND:
                on_send_done(container_of(tag, struct cr_rpc_call, send_tag), ok);
                break;
        case RPC_TAG_RECV:
                on_recv_done(container_of(tag, struct cr_rpc_call, recv_tag), ok);
                break;
        case RPC_TAG_CLOSE:
                on_close_done(container_of(tag, struct cr_rpc_call, close_tag), ok);
                break;
        default:
                log_error("rpc: unexpected completion tag kind %d, ignoring", (int) tag->kind);
        }
}

void rpc_call_start(struct cr_rpc_call *call, grpc_byte_buffer *payload)
{
        start_close_watch(call);
        if (!call->method) {
                log_debug("call=%" PRIu64 " %s: unknown method", call->id, call->path);
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_UNIMPLEMENTED, "Method not found");
                return;
        }
        log_debug("call=%" PRIu64 " %s: started", call->id, call->path);
        if (call->method->kind == CR_RPC_BIDI_STREAM) {
                pthread_mutex_lock(&call->lock);
                start_recv_locked(call);
                pthread_mutex_unlock(&call->lock);
                return;
        }
        if (!payload) {
                /* Half-closed without a message, or already cancelled. */
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_INTERNAL, "missing request message");
                return;
        }
        (void) run_handler(call, payload);
}

/* Encodes outside any lock. */
static int encode(const struct cr_rpc_call *call, const ProtobufCMessage *m, grpc_byte_buffer **ret,
                  size_t *ret_len)
{
        size_t n = protobuf_c_message_get_packed_size(m);
        grpc_slice s;

        if (n > call->max_message_bytes)
                return -EMSGSIZE;
        s = grpc_slice_malloc(n);
        (void) protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
        *ret = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        *ret_len = n;
        return 0;
}

static void set_finish_locked(struct cr_rpc_call *call, int status, const char *message)
{
        if (status < 0 || status >= _CR_RPC_STATUS_MAX)
                status = CR_RPC_STATUS_UNKNOWN;
        call->finishing = true;
        call->status = status;
        call->status_msg = message ? xstrndup(message, CR_RPC_STATUS_MESSAGE_MAX) : NULL;
}

static int enqueue(struct cr_rpc_call *call, const struct ProtobufCMessage *message, bool finish)
{
        grpc_byte_buffer *bb = NULL;
        struct rpc_msg *m;
        size_t len = 0;
        int r;

        r = encode(call, (const ProtobufCMessage *) message, &bb, &len);
        if (r < 0)
                return r;
        pthread_mutex_lock(&call->lock);
        if (!call->call || call->closed)
                r = -ECANCELED;
        else if (call->finishing)
                r = -EALREADY;
        else if (call->queued_bytes + len > CR_RPC_MAX_QUEUED_BYTES)
                r = -ENOBUFS;
        if (r < 0) {
                pthread_mutex_unlock(&call->lock);
                grpc_byte_buffer_destroy(bb);
                return r;
        }
        m = xzalloc(sizeof(*m));
        m->bb = bb;
        m->len = len;
        *call->queue_tail = m;
        call->queue_tail = &m->next;
        call->queued_bytes += len;
        if (finish)
                set_finish_locked(call, CR_RPC_STATUS_OK, NULL);
        pump_send_locked(call);
        pthread_mutex_unlock(&call->lock);
        return 0;
}

int cr_rpc_call_reply(struct cr_rpc_call *call, const struct ProtobufCMessage *response)
{
        if (!call->method)
                return -EINVAL;
        return enqueue(call, response, true);
}

int cr_rpc_call_send(struct cr_rpc_call *call, const struct ProtobufCMessage *message)
{
        if (!call->method || call->method->kind == CR_RPC_UNARY)
                return -EINVAL;
        return enqueue(call, message, false);
}

int cr_rpc_call_finish(struct cr_rpc_call *call, int status, const char *message)
{
        int r = 0;

        pthread_mutex_lock(&call->lock);
        if (!call->call || call->closed)
                r = -ECANCELED;
        else if (call->finishing)
                r = -EALREADY;
        else {
                set_finish_locked(call, status, message);
                pump_send_locked(call);
        }
        pthread_mutex_unlock(&call->lock);
        return r;
}

int cr_rpc_call_finish_error(struct cr_rpc_call *call, const struct cr_error *e)
{
        enum cr_rpc_status status = cr_rpc_status_from_error(e);
        char msg[CR_RPC_STATUS_MESSAGE_MAX + 1];

        cr_rpc_status_message(e, status, msg, sizeof(msg));
        return cr_rpc_call_finish(call, status, msg);
}

void cr_rpc_call_on_cancel(struct cr_rpc_call *call, cr_rpc_cancel_fn fn, void *userdata)
{
        pthread_mutex_lock(&call->lock);
        /* A running callback may use the userdata being replaced: wait for it
         * (unless this is that callback). */
        while (call->cancel_running && !pthread_equal(call->cancel_thread, pthread_self()))
                pthread_cond_wait(&call->cond, &call->lock);
        call->on_cancel = fn;
        call->on_cancel_data = userdata;
        fire_cancel_locked(call);
        pthread_mutex_unlock(&call->lock);
}

bool cr_rpc_call_is_cancelled(struct cr_rpc_call *call)
{
        bool r;

        pthread_mutex_lock(&call->lock);
        r = call->cancelled;
        pthread_mutex_unlock(&call->lock);
        return r;
}

int64_t cr_rpc_call_deadline_ms(struct cr_rpc_call *call)
{
        uint64_t now;

        if (call->deadline_ms < 0)
                return -1;
        now = now_ms();
        return (uint64_t) call->deadline_ms > now ? call->deadline_ms - (int64_t) now : 0;
}

const char *cr_rpc_call_method(const struct cr_rpc_call *call)
{
        return call->path;
}

uint64_t cr_rpc_call_id(const struct cr_rpc_call *call)
{
        return call->id;
}

const char *cr_rpc_call_peer(const struct cr_rpc_call *call)
{
        return call->peer;
}

const char *cr_rpc_call_user_agent(const struct cr_rpc_call *call)
{
        return call->user_agent;
}
