/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "native.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "job/evaluation.h"
#include "job/queue.h"
#include "job/watch.h"
#include "job-call.h"
#include "log.h"
#include "pool.h"
#include "server.h"
#include "status.h"
#include "uuid.h"
#include "xalloc.h"

/* coderunner.v1.CodeRunner's asynchronous methods: Submit stores the job
 * and answers with its id; Get, Cancel and Watch read the job store, so
 * they work on any server sharing it and after restarts. Nothing here waits
 * on the database on a gRPC thread: reads run on the store's threads. */

#define MAX_CLIENT_KEY 255

_Static_assert((int) CR_JOB_PENDING == (int) CODERUNNER__V1__EXECUTION_STATE__EXECUTION_STATE_PENDING &&
               (int) CR_JOB_TIMED_OUT == (int) CODERUNNER__V1__EXECUTION_STATE__EXECUTION_STATE_TIMED_OUT &&
               (int) CR_JOB_CANCELLED == (int) CODERUNNER__V1__EXECUTION_STATE__EXECUTION_STATE_CANCELLED,
               "job status values are ExecutionState's");

/* ------------------------------------------------------------ the record */

static Coderunner__V1__Execution *execution_pb(struct rpc_pool *pl, const struct cr_execution *x)
{
        Coderunner__V1__Execution *e = rpc_pool_new(pl, sizeof(*e));

        coderunner__v1__execution__init(e);
        e->execution_id = rpc_pool_strdup(pl, x->id);
        e->state = (Coderunner__V1__ExecutionState) x->status;
        e->server_instance = rpc_pool_strdup(pl, x->server_instance);
        e->created_unix_ms = x->created_us / 1000u;
        e->started_unix_ms = x->started_us / 1000u;
        e->completed_unix_ms = x->completed_us / 1000u;
        e->error_message = rpc_pool_strdup(pl, x->outcome ? "" : x->error_message ? x->error_message : "");
        if (x->outcome && x->spec)
                e->result = native_result(pl, x);
        return e;
}

static int check_id(const char *id, struct cr_error **err)
{
        if (!id || !cr_uuid_is_valid(id))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "execution_id must be a UUID");
        return 0;
}

/* ------------------------------------------------------------ Get, Cancel */

static void answer(void *userdata, const struct cr_execution *x, const struct cr_error *err)
{
        struct cr_rpc_call *call = userdata;
        struct rpc_pool pl = {};

        if (err)
                (void) cr_rpc_call_finish_error(call, err);
        else if (cr_rpc_call_reply(call, &execution_pb(&pl, x)->base) == -EMSGSIZE)
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_RESOURCE_EXHAUSTED,
                                          "the result is larger than the maximum message size");
        rpc_pool_done(&pl);
        cr_rpc_call_unref(call);
}

static void get(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Coderunner__V1__GetRequest *req = (const void *) msg;
        struct native *n = userdata;
        _cleanup_error_ struct cr_error *err = NULL;

        if (check_id(req->execution_id, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        cr_queue_get(cr_evaluator_queue(n->evaluator), req->execution_id, answer, cr_rpc_call_ref(call));
}

static void cancel(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Coderunner__V1__CancelRequest *req = (const void *) msg;
        struct native *n = userdata;
        _cleanup_error_ struct cr_error *err = NULL;

        if (check_id(req->execution_id, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        log_info("Cancel call=%" PRIu64 " execution=%s", cr_rpc_call_id(call), req->execution_id);
        cr_queue_cancel(cr_evaluator_queue(n->evaluator), req->execution_id, answer, cr_rpc_call_ref(call));
}

/* ------------------------------------------------------------ Submit */

/* The call is answered once the job is stored; the evaluation lives on
 * (holding its admission place) until the job is over. */
struct submission {
        pthread_mutex_t lock;
        struct cr_rpc_call *call;          /* until answered */
        bool over;                         /* answered and the evaluation is done with us */
};

static void submission_answer(struct submission *s, const char *id, bool existing, const struct cr_error *err)
{
        Coderunner__V1__SubmitResponse resp = CODERUNNER__V1__SUBMIT_RESPONSE__INIT;
        struct cr_rpc_call *call;

        pthread_mutex_lock(&s->lock);
        call = TAKE_PTR(s->call);
        pthread_mutex_unlock(&s->lock);
        if (!call)
                return;
        if (err) {
                rpc_job_call_refuse(call, err);
        } else {
                resp.execution_id = (char *) id;
                resp.existing = existing;
                (void) cr_rpc_call_reply(call, &resp.base);
        }
        cr_rpc_call_unref(call);
}

static void submission_free(struct submission *s)
{
        cr_rpc_call_unref(s->call);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

static void submit_stored(void *userdata, const char *id, bool existing)
{
        struct submission *s = userdata;

        submission_answer(s, id, existing, NULL);
        if (existing) /* nothing else will come */
                submission_free(s);
}

static void submit_state(void *userdata, const struct cr_execution *x)
{
        struct submission *s = userdata;

        if (!cr_job_status_is_final(x->status))
                return;
        /* not stored (the store failed): the error is the answer */
        submission_answer(s, NULL, false, x->error);
        submission_free(s);
}

static const struct cr_evaluation_ops submit_ops = {
        .on_stored = submit_stored,
        .on_state = submit_state,
};

static void submit(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Coderunner__V1__SubmitRequest *req = (const void *) msg;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_evaluation *e = NULL;
        struct submission *s;
        int r = 0;

        if (!req->request)
                r = cr_error_set(&err, 0, CR_ERROR_INVALID, "request is required");
        else if (req->client_key && strlen(req->client_key) > MAX_CLIENT_KEY)
                r = cr_error_set(&err, 0, CR_ERROR_INVALID, "client_key is longer than %d bytes", MAX_CLIENT_KEY);
        if (r >= 0)
                r = native_prepare(userdata, call, req->request, true, &e, &err); /* for Watch */
        if (r < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        cr_evaluation_spec(e)->origin.client_key = req->client_key && req->client_key[0] ? req->client_key : NULL;
        s = xzalloc(sizeof(*s));
        pthread_mutex_init(&s->lock, NULL);
        s->call = cr_rpc_call_ref(call);
        r = cr_evaluation_submit(e, &submit_ops, s, &err);
        cr_evaluation_unref(e); /* it lives on while stored and waiting */
        if (r < 0) {
                submission_free(s);
                rpc_job_call_refuse(call, err);
        }
}

/* ------------------------------------------------------------ Watch */

struct watch_stream {
        unsigned refs;                     /* atomic */
        struct cr_rpc_call *call;
        struct cr_queue *queue;            /* not owned */
        struct cr_watch *watch;
        pthread_mutex_t lock;              /* last_sent, done, watch */
        int last_sent;                     /* the state last sent */
        bool done;
};

static void stream_unref(void *p)
{
        struct watch_stream *w = p;

        if (__atomic_sub_fetch(&w->refs, 1, __ATOMIC_SEQ_CST) > 0)
                return;
        cr_rpc_call_unref(w->call);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

static void stream_ref(void *p)
{
        __atomic_add_fetch(&((struct watch_stream *) p)->refs, 1, __ATOMIC_SEQ_CST);
}

static void stream_end(struct watch_stream *w)
{
        struct cr_watch *sub = NULL;

        pthread_mutex_lock(&w->lock);
        if (w->done)
                sub = TAKE_PTR(w->watch);
        pthread_mutex_unlock(&w->lock);
        cr_queue_unwatch(w->queue, sub);
}

/* Sends a state once; a final one ends the stream. */
static void stream_state(struct watch_stream *w, const struct cr_execution *x)
{
        Coderunner__V1__WatchEvent ev = CODERUNNER__V1__WATCH_EVENT__INIT;
        bool final = cr_job_status_is_final(x->status);
        struct rpc_pool pl = {};

        pthread_mutex_lock(&w->lock);
        if (!w->done && (final || w->last_sent < (int) x->status)) {
                w->last_sent = (int) x->status;
                ev.event_case = CODERUNNER__V1__WATCH_EVENT__EVENT_STATE;
                ev.state = execution_pb(&pl, x);
                (void) cr_rpc_call_send(w->call, &ev.base);
                if (final) {
                        w->done = true;
                        (void) cr_rpc_call_finish(w->call, CR_RPC_STATUS_OK, NULL);
                }
        }
        pthread_mutex_unlock(&w->lock);
        rpc_pool_done(&pl);
}

static void watch_state(void *userdata, const struct cr_execution *x)
{
        stream_state(userdata, x);
        stream_end(userdata);
}

static void watch_output(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct watch_stream *w = userdata;
        Coderunner__V1__WatchEvent ev = CODERUNNER__V1__WATCH_EVENT__INIT;
        Coderunner__V1__OutputChunk chunk = CODERUNNER__V1__OUTPUT_CHUNK__INIT;

        chunk.stage = CODERUNNER__V1__STAGE__STAGE_RUN;
        chunk.stream = stream == CR_STREAM_STDERR ? CODERUNNER__V1__OUTPUT_STREAM__OUTPUT_STREAM_STDERR :
                                                     CODERUNNER__V1__OUTPUT_STREAM__OUTPUT_STREAM_STDOUT;
        chunk.test_number = index + 1;
        chunk.data.data = (uint8_t *) data;
        chunk.data.len = n;
        ev.event_case = CODERUNNER__V1__WATCH_EVENT__EVENT_OUTPUT;
        ev.output = &chunk;
        (void) cr_rpc_call_send(w->call, &ev.base);
}

static const struct cr_watch_ops stream_ops = {
        .on_state = watch_state,
        .on_output = watch_output,
        .ref = stream_ref,
        .unref = stream_unref,
};

static void watch_read(void *userdata, const struct cr_execution *x, const struct cr_error *err)
{
        struct watch_stream *w = userdata;

        if (err) {
                pthread_mutex_lock(&w->lock);
                w->done = true;
                pthread_mutex_unlock(&w->lock);
                (void) cr_rpc_call_finish_error(w->call, err);
        } else
                stream_state(w, x);
        stream_end(w);
        stream_unref(w);
}

static void watch(struct cr_rpc_call *call, const ProtobufCMessage *msg, void *userdata)
{
        const Coderunner__V1__WatchRequest *req = (const void *) msg;
        struct native *n = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        struct watch_stream *w;
        struct cr_watch *sub;

        if (check_id(req->execution_id, &err) < 0) {
                (void) cr_rpc_call_finish_error(call, err);
                return;
        }
        w = xzalloc(sizeof(*w));
        w->refs = 2; /* the read's and ours until the subscription holds its own */
        w->call = cr_rpc_call_ref(call);
        w->queue = cr_evaluator_queue(n->evaluator);
        pthread_mutex_init(&w->lock, NULL);
        /* subscribed before the read: no change falls in between */
        sub = cr_queue_watch(w->queue, req->execution_id, &stream_ops, w);
        pthread_mutex_lock(&w->lock);
        w->watch = sub;
        pthread_mutex_unlock(&w->lock);
        stream_unref(w);
        cr_queue_get(w->queue, req->execution_id, watch_read, w);
}

int native_add_async(struct cr_rpc_server *srv, struct native *n, struct cr_error **err)
{
        int r;

        r = cr_rpc_server_add_method(srv, NATIVE_SERVICE "Submit", CR_RPC_UNARY,
                                     &coderunner__v1__submit_request__descriptor, submit, n, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, NATIVE_SERVICE "Get", CR_RPC_UNARY,
                                             &coderunner__v1__get_request__descriptor, get, n, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, NATIVE_SERVICE "Cancel", CR_RPC_UNARY,
                                             &coderunner__v1__cancel_request__descriptor, cancel, n, err);
        if (r >= 0)
                r = cr_rpc_server_add_method(srv, NATIVE_SERVICE "Watch", CR_RPC_SERVER_STREAM,
                                             &coderunner__v1__watch_request__descriptor, watch, n, err);
        return r;
}
