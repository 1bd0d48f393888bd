/* SPDX-License-Identifier: MIT */
#include "config.h"

/* Test-only gRPC server for tests/rpc/test_rpc_server.py: the generic server
 * of src/rpc/ with health, reflection, the coderunner.test.Test service
 * (tests/rpc/test.proto) and UNIMPLEMENTED stubs for every method of the
 * daemon's own services, so that reflection lists exactly what the daemon
 * serves.
 *
 *   rpc-test-server [--host H] [--port N] [--max-message BYTES] [--threads N] [--grace-ms MS]
 *
 * Prints "READY <port>" on stdout once listening. SIGUSR1 / SIGUSR2 turn the
 * health status of coderunner.test.Test NOT_SERVING / SERVING. SIGTERM or
 * SIGINT: graceful shutdown, exit 0. Exit 1 when the server cannot start. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "code_execution.pb-c.h"
#include "code_runner.pb-c.h"
#include "coderunner/v1/coderunner.pb-c.h"
#include "error.h"
#include "log.h"
#include "parse-util.h"
#include "rpc/server.h"
#include "rpc/status.h"
#include "test.pb-c.h"
#include "xalloc.h"

extern const unsigned char cr_rpc_test_descriptor_set[];
extern const size_t cr_rpc_test_descriptor_set_len;

#define TEST_SERVICE "coderunner.test.Test"
#define MAX_COUNT 100000

/* Worker threads (they stand for the daemon's job workers) wait on one
 * condition variable: woken by their call's cancel callback or at exit. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static unsigned g_workers;
static bool g_stopping;
static uint64_t g_cancelled, g_late, g_completed;

struct job {
        struct cr_rpc_call *call; /* a reference */
        bool cancelled;           /* under g_lock */
        uint32_t delay_ms;
        uint32_t n;
        char *text;
        ProtobufCBinaryData payload; /* owned copy */
};

static void on_job_cancel(struct cr_rpc_call *call, void *userdata)
{
        struct job *job = userdata;

        (void) call;
        pthread_mutex_lock(&g_lock);
        job->cancelled = true;
        g_cancelled++;
        pthread_cond_broadcast(&g_cond);
        pthread_mutex_unlock(&g_lock);
}

/* Sleeps ms unless the job is cancelled or the process stops; false then. */
static bool job_wait(struct job *job, uint32_t ms)
{
        struct timespec until;
        bool alive;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ms / 1000;
        until.tv_nsec += (long) (ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&g_lock);
        while (!job->cancelled && !g_stopping)
                if (pthread_cond_timedwait(&g_cond, &g_lock, &until) == ETIMEDOUT)
                        break;
        alive = !job->cancelled && !g_stopping;
        pthread_mutex_unlock(&g_lock);
        return alive;
}

static void count_result(int r)
{
        pthread_mutex_lock(&g_lock);
        if (r < 0)
                g_late++;
        else
                g_completed++;
        pthread_mutex_unlock(&g_lock);
}

static void job_free(struct job *job)
{
        /* After this no cancel callback can be running with job. */
        cr_rpc_call_on_cancel(job->call, NULL, NULL);
        cr_rpc_call_unref(job->call);
        free(job->text);
        free(job->payload.data);
        free(job);
        pthread_mutex_lock(&g_lock);
        g_workers--;
        pthread_cond_broadcast(&g_cond);
        pthread_mutex_unlock(&g_lock);
}

static void *echo_worker(void *userdata)
{
        struct job *job = userdata;
        Coderunner__Test__EchoResponse resp = CODERUNNER__TEST__ECHO_RESPONSE__INIT;

        (void) job_wait(job, job->delay_ms);
        /* Reply even when cancelled: the late reply must be refused safely. */
        resp.text = job->text;
        resp.payload = job->payload;
        resp.deadline_ms = cr_rpc_call_deadline_ms(job->call);
        resp.call_id = cr_rpc_call_id(job->call);
        count_result(cr_rpc_call_reply(job->call, &resp.base));
        job_free(job);
        return NULL;
}

static void *count_worker(void *userdata)
{
        struct job *job = userdata;
        int r = 0;

        for (uint32_t i = 0; i < job->n && r >= 0; i++) {
                Coderunner__Test__CountResponse resp = CODERUNNER__TEST__COUNT_RESPONSE__INIT;

                resp.i = i;
                r = cr_rpc_call_send(job->call, &resp.base);
                if (r >= 0 && i + 1 < job->n && !job_wait(job, job->delay_ms))
                        r = -ECANCELED;
        }
        if (r >= 0)
                r = cr_rpc_call_finish(job->call, CR_RPC_STATUS_OK, NULL);
        count_result(r);
        job_free(job);
        return NULL;
}

/* Hands the job to a detached worker thread; the handler returns at once. */
static void start_job(struct cr_rpc_call *call, struct job *job, void *(*fn)(void *))
{
        pthread_attr_t attr;
        pthread_t t;
        int r;

        job->call = cr_rpc_call_ref(call);
        cr_rpc_call_on_cancel(call, on_job_cancel, job);
        pthread_mutex_lock(&g_lock);
        g_workers++;
        pthread_mutex_unlock(&g_lock);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        r = pthread_create(&t, &attr, fn, job);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_RESOURCE_EXHAUSTED, "no worker thread");
                job_free(job);
        }
}

static void on_echo(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Coderunner__Test__EchoRequest *req = (const void *) request;
        Coderunner__Test__EchoResponse resp = CODERUNNER__TEST__ECHO_RESPONSE__INIT;
        struct job *job;

        (void) userdata;
        if (req->delay_ms == 0) {
                resp.text = req->text;
                resp.payload = req->payload;
                resp.deadline_ms = cr_rpc_call_deadline_ms(call);
                resp.call_id = cr_rpc_call_id(call);
                (void) cr_rpc_call_reply(call, &resp.base);
                return;
        }
        job = xzalloc(sizeof(*job));
        job->delay_ms = req->delay_ms;
        job->text = xstrdup(req->text);
        job->payload.len = req->payload.len;
        job->payload.data = xmalloc(req->payload.len + 1);
        if (req->payload.len > 0)
                memcpy(job->payload.data, req->payload.data, req->payload.len);
        start_job(call, job, echo_worker);
}

static void on_count(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Coderunner__Test__CountRequest *req = (const void *) request;
        struct job *job;

        (void) userdata;
        if (req->n > MAX_COUNT) {
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_INVALID_ARGUMENT, "n too large");
                return;
        }
        if (req->interval_ms == 0) {
                /* All queued at once: the server sends them one batch at a time. */
                for (uint32_t i = 0; i < req->n; i++) {
                        Coderunner__Test__CountResponse resp = CODERUNNER__TEST__COUNT_RESPONSE__INIT;

                        resp.i = i;
                        if (cr_rpc_call_send(call, &resp.base) < 0)
                                return;
                }
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_OK, NULL);
                return;
        }
        job = xzalloc(sizeof(*job));
        job->n = req->n;
        job->delay_ms = req->interval_ms;
        start_job(call, job, count_worker);
}

static void on_chat(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Coderunner__Test__EchoRequest *req = (const void *) request;
        Coderunner__Test__EchoResponse resp = CODERUNNER__TEST__ECHO_RESPONSE__INIT;

        (void) userdata;
        if (!req) {
                (void) cr_rpc_call_finish(call, CR_RPC_STATUS_OK, NULL);
                return;
        }
        resp.text = req->text;
        resp.payload = req->payload;
        resp.call_id = cr_rpc_call_id(call);
        (void) cr_rpc_call_send(call, &resp.base);
}

static void on_fail(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        const Coderunner__Test__FailRequest *req = (const void *) request;
        _cleanup_error_ struct cr_error *err = NULL;

        (void) userdata;
        (void) cr_error_set_raw(&err, req->errnum, (enum cr_error_kind) req->kind, req->message);
        (void) cr_rpc_call_finish_error(call, err);
}

static void on_stats(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        Coderunner__Test__StatsResponse resp = CODERUNNER__TEST__STATS_RESPONSE__INIT;

        (void) request;
        (void) userdata;
        pthread_mutex_lock(&g_lock);
        resp.cancelled = g_cancelled;
        resp.late_replies = g_late;
        resp.completed = g_completed;
        pthread_mutex_unlock(&g_lock);
        (void) cr_rpc_call_reply(call, &resp.base);
}

static void on_stub(struct cr_rpc_call *call, const struct ProtobufCMessage *request, void *userdata)
{
        (void) request;
        (void) userdata;
        (void) cr_rpc_call_finish(call, CR_RPC_STATUS_UNIMPLEMENTED, "not served by rpc-test-server");
}

struct method_def {
        const char *path;
        enum cr_rpc_kind kind;
        const ProtobufCMessageDescriptor *desc;
        cr_rpc_handler_fn fn;
};

static const struct method_def methods[] = {
        { "/" TEST_SERVICE "/Echo", CR_RPC_UNARY, &coderunner__test__echo_request__descriptor, on_echo },
        { "/" TEST_SERVICE "/Count", CR_RPC_SERVER_STREAM, &coderunner__test__count_request__descriptor, on_count },
        { "/" TEST_SERVICE "/Chat", CR_RPC_BIDI_STREAM, &coderunner__test__echo_request__descriptor, on_chat },
        { "/" TEST_SERVICE "/Fail", CR_RPC_UNARY, &coderunner__test__fail_request__descriptor, on_fail },
        { "/" TEST_SERVICE "/Stats", CR_RPC_UNARY, &coderunner__test__stats_request__descriptor, on_stats },
        /* The daemon's services, as stubs. */
        { "/com.levelupjourney.coderunner.SolutionEvaluationService/EvaluateSolution", CR_RPC_UNARY,
          &com__levelupjourney__coderunner__execution_request__descriptor, on_stub },
        { "/com.levelupjourney.coderunner.CodeExecutionService/ExecuteCode", CR_RPC_UNARY,
          &com__levelupjourney__coderunner__code_execution_request__descriptor, on_stub },
        { "/com.levelupjourney.coderunner.CodeExecutionService/GetExecutionStatus", CR_RPC_UNARY,
          &com__levelupjourney__coderunner__execution_status_request__descriptor, on_stub },
        { "/com.levelupjourney.coderunner.CodeExecutionService/HealthCheck", CR_RPC_UNARY,
          &com__levelupjourney__coderunner__health_check_request__descriptor, on_stub },
        { "/com.levelupjourney.coderunner.CodeExecutionService/StreamExecutionLogs", CR_RPC_SERVER_STREAM,
          &com__levelupjourney__coderunner__stream_logs_request__descriptor, on_stub },
        { "/coderunner.v1.CodeRunner/ListRuntimes", CR_RPC_UNARY,
          &coderunner__v1__list_runtimes_request__descriptor, on_stub },
        { "/coderunner.v1.CodeRunner/Execute", CR_RPC_UNARY, &coderunner__v1__execute_request__descriptor,
          on_stub },
        { "/coderunner.v1.CodeRunner/ExecuteStream", CR_RPC_SERVER_STREAM,
          &coderunner__v1__execute_request__descriptor, on_stub },
};

static int setup(struct cr_rpc_server *srv, struct cr_error **err)
{
        int r;

        r = cr_rpc_server_add_health(srv, err);
        if (r < 0)
                return r;
        r = cr_rpc_server_add_reflection(srv, err);
        if (r < 0)
                return r;
        r = cr_rpc_server_add_descriptors(srv, cr_rpc_test_descriptor_set, cr_rpc_test_descriptor_set_len, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
                r = cr_rpc_server_add_method(srv, methods[i].path, methods[i].kind, methods[i].desc,
                                             methods[i].fn, NULL, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_args(int argc, char **argv, struct cr_rpc_server_options *opts, uint32_t *grace_ms)
{
        static const struct option longopts[] = {
                { "host", required_argument, NULL, 'H' },        { "port", required_argument, NULL, 'p' },
                { "max-message", required_argument, NULL, 'm' }, { "threads", required_argument, NULL, 't' },
                { "grace-ms", required_argument, NULL, 'g' },    {},
        };
        uint32_t v;
        int c;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                if (c == 'H') {
                        opts->host = optarg;
                        continue;
                }
                if (c == '?' || safe_atou32(optarg, &v) < 0) {
                        fprintf(stderr, "usage: rpc-test-server [--host H] [--port N] [--max-message BYTES] "
                                        "[--threads N] [--grace-ms MS]\n");
                        return -EINVAL;
                }
                if (c == 'p')
                        opts->port = v;
                else if (c == 'm')
                        opts->max_message_bytes = v;
                else if (c == 't')
                        opts->cq_threads = v;
                else
                        *grace_ms = v;
        }
        return 0;
}

static void wait_for_workers(void)
{
        pthread_mutex_lock(&g_lock);
        g_stopping = true;
        pthread_cond_broadcast(&g_cond);
        while (g_workers > 0)
                pthread_cond_wait(&g_cond, &g_lock);
        pthread_mutex_unlock(&g_lock);
}

int main(int argc, char **argv)
{
        struct cr_rpc_server_options opts = { .host = "127.0.0.1", .cq_threads = 2 };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_rpc_server *srv = NULL;
        uint32_t grace_ms = 5000;
        sigset_t set;
        int sig;

        if (parse_args(argc, argv, &opts, &grace_ms) < 0)
                return 2;
        if (secure_getenv("RPC_TEST_DEBUG"))
                cr_log_set_level(LOG_LEVEL_DEBUG);
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGUSR2);
        pthread_sigmask(SIG_BLOCK, &set, NULL);

        if (cr_rpc_server_new(&opts, &srv, &err) < 0 || setup(srv, &err) < 0 ||
            cr_rpc_server_start(srv, &err) < 0) {
                log_error_err(err, "Failed to start the test server");
                srv = cr_rpc_server_free(srv);
                return 1;
        }
        printf("READY %u\n", cr_rpc_server_port(srv));
        fflush(stdout);

        for (;;) {
                sig = sigwaitinfo(&set, NULL);
                if (sig == SIGUSR1 || sig == SIGUSR2) {
                        cr_rpc_server_set_serving(srv, TEST_SERVICE, sig == SIGUSR2);
                        continue;
                }
                if (sig == SIGTERM || sig == SIGINT)
                        break;
        }
        cr_rpc_server_shutdown(srv, grace_ms);
        srv = cr_rpc_server_free(srv);
        wait_for_workers();
        log_info("rpc-test-server: clean exit");
        return 0;
}
