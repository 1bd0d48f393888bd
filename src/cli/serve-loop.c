/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "serve-loop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "executor/executor.h"
#include "fd-util.h"
#include "http/http.h"
#include "job/queue.h"
#include "log.h"
#include "metrics/metrics.h"
#include "proc-util.h"
#include "rpc/server.h"
#include "service/service.h"
#include "spawn/spawn.h"
#include "xalloc.h"

#define MAX_READY_CHECKS 8
/* The loop wakes at least this often (status line, watchdog, liveness). */
#define TICK_MS 1000
/* /health turns unhealthy when the loop has not run for this many ticks
 * (and at least STALL_MIN_MS). */
#define STALL_TICKS 5
#define STALL_MIN_MS 3000

struct ready_check {
        const char *name;
        serve_ready_fn fn;
        void *userdata;
};

struct serve_loop {
        struct serve_loop_deps deps;
        _Atomic bool executor_up;
        _Atomic bool keeper_gone;
        _Atomic bool stopping;
        _Atomic uint64_t last_tick_ms;
        pid_t executor_pid;
        int executor_pidfd;          /* the executor's death, seen even if its keeper is stuck */
        int wake_fd;                 /* eventfd: a readiness check changed */
        unsigned restarts;
        struct ready_check checks[MAX_READY_CHECKS];
        size_t n_checks;
        struct cr_http_server *http;
        struct cr_rpc_server *rpc;   /* not owned; set while running */
        bool serving;                /* what gRPC health says */
        char status[256];            /* the last STATUS= sent */
        uint64_t tick_ms, watchdog_ms;
};

void serve_loop_block_signals(void)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGPIPE);
        (void) pthread_sigmask(SIG_BLOCK, &mask, NULL);
}

int serve_loop_new(const struct serve_loop_deps *deps, struct serve_loop **ret, struct cr_error **err)
{
        struct serve_loop *l = xzalloc(sizeof(*l));
        uint64_t wd_usec = cr_service_watchdog_usec();

        l->deps = *deps;
        l->executor_pidfd = -EBADF;
        l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (l->wake_fd < 0) {
                free(l);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "eventfd");
        }
        l->last_tick_ms = now_ms();
        l->watchdog_ms = wd_usec / 1000;
        /* systemd wants a ping within WatchdogSec: ping at half of it */
        l->tick_ms = l->watchdog_ms && l->watchdog_ms / 2 < TICK_MS ? MAX(l->watchdog_ms / 2, 1) : TICK_MS;
        *ret = l;
        return 0;
}

int serve_loop_add_ready_check(struct serve_loop *l, const char *name, serve_ready_fn fn, void *userdata)
{
        if (l->n_checks >= MAX_READY_CHECKS)
                return -E2BIG;
        l->checks[l->n_checks++] = (struct ready_check) { name, fn, userdata };
        return 0;
}

/* ------------------------------------------------------------ the truth */

static void add_reason(struct cr_buf *reason, const char *text)
{
        (void) cr_buf_printf(reason, "%s%s", reason->len ? "; " : "", text);
}

/* Whether jobs can run at all: what gRPC health reports. */
static bool can_run(struct serve_loop *l, struct cr_buf *reason)
{
        bool ok = true;

        if (l->stopping)
                ok = false, add_reason(reason, "shutting down");
        if (l->keeper_gone)
                ok = false, add_reason(reason, "the executor cannot be restarted");
        else if (!l->executor_up)
                ok = false, add_reason(reason, "the executor is not running (restarting)");
        if (l->deps.runtimes_available == 0)
                ok = false, add_reason(reason, "no language image is imported");
        for (size_t i = 0; i < l->n_checks; i++) {
                _cleanup_buf_ struct cr_buf why = CR_BUF_INIT(1024);

                if (!l->checks[i].fn(l->checks[i].userdata, &why)) {
                        ok = false;
                        (void) cr_buf_printf(reason, "%s%s: %.*s", reason->len ? "; " : "", l->checks[i].name,
                                             (int) why.len, why.data ? why.data : "");
                }
        }
        return ok;
}

static bool is_ready(void *userdata, struct cr_buf *reason)
{
        struct serve_loop *l = userdata;
        struct cr_queue_stats st;
        bool ok = can_run(l, reason);

        cr_queue_stats(l->deps.queue, &st);
        if (st.reserved >= st.capacity) {
                ok = false;
                (void) cr_buf_printf(reason, "%sthe queue is full (%u running, %u queued)",
                                     reason->len ? "; " : "", st.running, st.admitted);
        }
        return ok;
}

static bool is_alive(void *userdata, struct cr_buf *reason)
{
        struct serve_loop *l = userdata;
        uint64_t idle = now_ms() - l->last_tick_ms;

        if (idle > MAX(STALL_TICKS * l->tick_ms, (uint64_t) STALL_MIN_MS)) {
                (void) cr_buf_printf(reason, "the main loop has not run for %llu ms", (unsigned long long) idle);
                return false;
        }
        return true;
}

/* ---------------------------------------------------------------- gauges */

static double gauge_queue_depth(void *userdata)
{
        struct cr_queue_stats st;

        cr_queue_stats(userdata, &st);
        return st.admitted;
}

static double gauge_running(void *userdata)
{
        struct cr_queue_stats st;

        cr_queue_stats(userdata, &st);
        return st.running;
}

static double gauge_executor_up(void *userdata)
{
        return ((struct serve_loop *) userdata)->executor_up ? 1 : 0;
}

static double gauge_ready(void *userdata)
{
        _cleanup_buf_ struct cr_buf why = CR_BUF_INIT(4096);

        return is_ready(userdata, &why) ? 1 : 0;
}

static void register_gauges(struct serve_loop *l)
{
        (void) cr_metrics_register_gauge("coderunner_queue_depth",
                                         "Jobs accepted here and waiting for a worker.", gauge_queue_depth,
                                         l->deps.queue);
        /* each job in the executor runs at most one sandbox at a time */
        (void) cr_metrics_register_gauge("coderunner_running_sandboxes",
                                         "Jobs in the executor, each running at most one sandbox.", gauge_running,
                                         l->deps.queue);
        (void) cr_metrics_register_gauge("coderunner_executor_up", "1 while an executor runs jobs.",
                                         gauge_executor_up, l);
        (void) cr_metrics_register_gauge("coderunner_ready", "1 while GET /ready answers 200.", gauge_ready, l);
}

static void unregister_gauges(void)
{
        static const char *const names[] = { "coderunner_queue_depth", "coderunner_running_sandboxes",
                                             "coderunner_executor_up", "coderunner_ready" };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                cr_metrics_unregister_gauge(names[i]);
}

int serve_loop_start_http(struct serve_loop *l, struct cr_error **err)
{
        struct cr_http_handlers h = { .alive = is_alive, .ready = is_ready, .userdata = l };
        int r = cr_http_server_start(l->deps.cfg->http_address, (unsigned) l->deps.cfg->http_port, &h, &l->http,
                                     err);

        if (r < 0)
                return r;
        register_gauges(l);
        log_info("Serving HTTP (/health, /ready, /metrics) on port %u", cr_http_server_port(l->http));
        return 0;
}

struct serve_loop *serve_loop_free(struct serve_loop *l)
{
        if (!l)
                return NULL;
        l->http = cr_http_server_stop(l->http);
        unregister_gauges();
        safe_close(l->executor_pidfd);
        safe_close(l->wake_fd);
        free(l);
        return NULL;
}

static void update_health(struct serve_loop *l);

/* ------------------------------------------------------------- executor */

static void describe_exit(int status, char *buf, size_t n)
{
        if (WIFSIGNALED(status))
                snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
                snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
}

static void on_executor_status(struct serve_loop *l, const struct cr_executor_status *st)
{
        char how[128];

        switch (st->event) {
        case CR_EXECUTOR_READY:
                l->executor_pid = st->pid;
                safe_close(l->executor_pidfd);
                l->executor_pidfd = cr_pidfd_open(st->pid);
                l->executor_up = true;
                if (l->restarts > 0)
                        log_event(LOG_LEVEL_NOTICE, "executor-restarted", "Executor restarted (pid %d)", st->pid);
                return;
        case CR_EXECUTOR_EXITED:
                l->executor_up = false;
                l->executor_pidfd = safe_close(l->executor_pidfd);
                l->restarts++;
                cr_metrics_executor_restart();
                describe_exit(st->wait_status, how, sizeof(how));
                log_event(LOG_LEVEL_WARNING, "executor-died",
                          "Executor (pid %d) %s: its jobs fail with UNAVAILABLE; restarting", st->pid, how);
                return;
        default:
                log_warning("Unknown executor status %u, ignoring", st->event);
        }
}

/* Reads what the keeper and executor said. -EPIPE: the keeper is gone. */
static int drain_status(struct serve_loop *l)
{
        struct cr_executor_status st;
        int r;

        while ((r = cr_spawner_read_status(l->deps.spawner, &st)) == 0) {
                on_executor_status(l, &st);
                /* each state shows, however short: a restart is visible */
                if (l->rpc)
                        update_health(l);
        }
        if (r == -EPIPE || (r < 0 && r != -EAGAIN && r != -EBADMSG)) {
                l->executor_up = false;
                l->keeper_gone = true;
                return -EPIPE;
        }
        return 0;
}

int serve_loop_wait_executor(struct serve_loop *l, unsigned timeout_ms, struct cr_error **err)
{
        uint64_t deadline = now_ms() + timeout_ms;

        while (!l->executor_up && !l->keeper_gone && now_ms() < deadline) {
                struct pollfd p = { .fd = cr_spawner_status_fd(l->deps.spawner), .events = POLLIN };

                if (poll(&p, 1, (int) (deadline - now_ms())) > 0)
                        (void) drain_status(l);
        }
        if (l->executor_up)
                return 0;
        return cr_error_make(err, l->keeper_gone ? EPIPE : ETIMEDOUT, CR_ERROR_UNAVAILABLE,
                             l->keeper_gone ? "the executor's keeper died" : "the executor did not start in %u ms",
                             timeout_ms);
}

/* ------------------------------------------------------------ main loop */

static void update_health(struct serve_loop *l)
{
        _cleanup_buf_ struct cr_buf why = CR_BUF_INIT(4096);
        struct cr_queue_stats st;
        bool serving = can_run(l, &why);
        char status[sizeof(l->status)];

        if (serving != l->serving) {
                cr_rpc_server_set_all_serving(l->rpc, serving);
                l->serving = serving;
                if (serving)
                        log_event(LOG_LEVEL_INFO, "serving", "Health: SERVING");
                else
                        log_event(LOG_LEVEL_WARNING, "not-serving", "Health: NOT_SERVING (%.*s)", (int) why.len,
                                  why.data ? why.data : "");
        }
        cr_queue_stats(l->deps.queue, &st);
        if (serving)
                snprintf(status, sizeof(status), "Serving: %u running, %u queued, %zu/%zu runtimes", st.running,
                         st.admitted, l->deps.runtimes_available, l->deps.runtimes_total);
        else
                snprintf(status, sizeof(status), "Not serving: %.*s; %u running, %u queued", (int) why.len,
                         why.data ? why.data : "", st.running, st.admitted);
        if (strcmp(status, l->status) != 0) {
                memcpy(l->status, status, sizeof(status));
                cr_service_status(status);
        }
}

static int make_fds(const struct serve_loop *l, int *ret_sigfd, int *ret_timerfd)
{
        struct itimerspec its = { .it_interval = { .tv_sec = l->tick_ms / 1000,
                                                   .tv_nsec = (long) (l->tick_ms % 1000) * 1000000L } };
        sigset_t mask;

        its.it_value = its.it_interval;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        *ret_sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        *ret_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (*ret_sigfd < 0 || *ret_timerfd < 0 || timerfd_settime(*ret_timerfd, 0, &its, NULL) < 0)
                return -errno;
        return 0;
}

/* One tick: the loop ran, so the watchdog may be pinged. */
static void tick(struct serve_loop *l, int timerfd)
{
        uint64_t expirations;

        (void) !read(timerfd, &expirations, sizeof(expirations));
        l->last_tick_ms = now_ms();
        if (l->watchdog_ms)
                cr_service_watchdog_ping();
}

int serve_loop_run(struct serve_loop *l, struct cr_rpc_server *rpc)
{
        _cleanup_close_ int sigfd = -EBADF, timerfd = -EBADF;
        int r;

        l->rpc = rpc;
        l->serving = true; /* what the rpc server started with */
        if (make_fds(l, &sigfd, &timerfd) < 0) {
                log_error("Failed to set up the main loop: %m");
                return -EIO;
        }
        update_health(l);
        cr_service_ready(l->status);
        for (;;) {
                struct pollfd p[5] = { { .fd = sigfd, .events = POLLIN }, { .fd = timerfd, .events = POLLIN },
                                       { .fd = cr_spawner_status_fd(l->deps.spawner), .events = POLLIN },
                                       { .fd = l->executor_pidfd, .events = POLLIN },
                                       { .fd = l->wake_fd, .events = POLLIN } };
                struct signalfd_siginfo si;
                uint64_t wakes;

                if (poll(p, 5, -1) < 0 && errno != EINTR)
                        return -errno;
                if (p[4].revents)
                        (void) !read(l->wake_fd, &wakes, sizeof(wakes));
                if (p[3].revents) {
                        /* dead: NOT_SERVING now; the keeper's report (with
                         * how it died) and the restart follow */
                        l->executor_up = false;
                        l->executor_pidfd = safe_close(l->executor_pidfd);
                }
                if (p[0].revents && read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                        log_event(LOG_LEVEL_INFO, "stopping", "Received %s, draining (grace %llu s)",
                                  strsignal((int) si.ssi_signo), (unsigned long long) l->deps.cfg->grace_seconds);
                        l->stopping = true;
                        update_health(l);
                        return 0;
                }
                if (p[1].revents)
                        tick(l, timerfd);
                r = p[2].revents ? drain_status(l) : 0;
                update_health(l);
                if (r == -EPIPE) {
                        log_event(LOG_LEVEL_ERROR, "executor-lost",
                                  "The executor's keeper died: no job can run again, exiting");
                        return -EPIPE;
                }
        }
}

void serve_loop_wake(struct serve_loop *l)
{
        uint64_t one = 1;

        (void) !write(l->wake_fd, &one, sizeof(one));
}

void serve_loop_stopping(struct serve_loop *l, const char *status)
{
        (void) l;
        cr_service_stopping(status);
}
