/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "eureka/eureka.h"
#include "events/events.h"
#include "events/publisher.h"
#include "executor-env.h"
#include "executor/executor.h"
#include "fd-util.h"
#include "image/image.h"
#include "job/evaluation.h"
#include "job/job.h"
#include "job/queue.h"
#include "lang/catalog.h"
#include "lang/installed.h"
#include "log.h"
#include "metrics/metrics.h"
#include "rpc/server.h"
#include "rpc/services.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "serve-loop.h"
#include "service/service.h"
#include "spawn/spawn.h"
#include "store/store.h"
#include "xalloc.h"

/* `coderunner serve`: the daemon. Wiring only, in the order DESIGN §3 needs:
 * the runtimes are loaded and the slots locked, then the keeper is forked
 * (it execs coderunner-executor, which builds the executor's sandbox
 * context) while the process is still single-threaded, and only then do
 * threads start (the job pool, gRPC). */

struct daemon {
        struct cr_config *cfg;
        /* the runtimes; the cgroup manager with CODERUNNER_CGROUP_DELEGATE
         * only (the move into a leaf). The rest, the sandbox's, is
         * coderunner-executor's (executor-env.h). */
        struct executor_env env;
        int *slot_fds;
        unsigned *slots;
        struct cr_spawner *spawner;
        struct cr_job_engine *engine;
        struct cr_store_options store_options;
        char *store_owned;
        char *instance;
        struct cr_evaluator_limits limits;
        struct cr_queue *queue;
        struct cr_kafka_settings *kafka;
        char *events_dir;
        struct cr_publisher *publisher;   /* atomic: store threads wake it */
        struct cr_evaluator *evaluator;
        struct cr_rpc_server *rpc;
        struct serve_loop *loop;
        struct cr_eureka *eureka;
};

static int acquire_slots(struct daemon *d, struct cr_error **err)
{
        unsigned n = (unsigned) d->cfg->workers;

        d->slot_fds = xzalloc(n * sizeof(int));
        d->slots = xzalloc(n * sizeof(unsigned));
        for (unsigned i = 0; i < n; i++) {
                int r = cli_slot_acquire(&d->slot_fds[i], err);
                if (r < 0)
                        return r;
                d->slots[i] = (unsigned) r;
        }
        return 0;
}

/* As the workers' default counts them (config/cr-config.c). */
static unsigned online_cpus(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        return n > 0 ? (unsigned) n : 1;
}

static int start_executor(struct daemon *d, struct cr_error **err)
{
        struct cli_executor_start es = {
                .slots = d->slots,
                .slot_fds = d->slot_fds,
                .n_slots = (size_t) d->cfg->workers,
                .installed = d->env.installed,
        };
        struct cr_job_engine_options eo = {
                .workers = (unsigned) d->cfg->workers,
                /* the queue claims only for idle workers: no backlog here */
                .queue_length = (unsigned) d->cfg->workers,
                .slots = d->slots,
                .max_parallel = cr_config_job_parallelism(d->cfg, online_cpus()),
        };
        int control_fd = -EBADF, status_fd = -EBADF, r;
        pid_t pid;

        /* the last moment the process is single-threaded */
        r = cli_executor_start(&es, &control_fd, &status_fd, &pid, err);
        if (r < 0)
                return r;
        d->spawner = cr_spawner_new(control_fd, status_fd, pid);
        return cr_job_engine_new(d->spawner, &eo, &d->engine, err);
}

/* The store came or went: the main loop tells health, /ready and systemd
 * at once rather than at its next tick. */
static void store_readiness_changed(void *userdata, bool ready)
{
        struct daemon *d = userdata;
        struct serve_loop *loop = __atomic_load_n(&d->loop, __ATOMIC_SEQ_CST);

        (void) ready;
        if (loop)
                serve_loop_wake(loop);
}

/* /ready and gRPC health: "job store: unreachable" while it is. */
static bool store_reachable(void *userdata, struct cr_buf *reason)
{
        struct daemon *d = userdata;

        if (cr_queue_ready(d->queue))
                return true;
        (void) cr_buf_printf(reason, "unreachable (%s), reconnecting",
                             d->store_options.backend == CR_STORE_POSTGRES ? "PostgreSQL" : "SQLite");
        return false;
}

/* A result and its events were stored (a store thread). */
static void wake_publisher(void *userdata)
{
        struct daemon *d = userdata;

        cr_publisher_wake(__atomic_load_n(&d->publisher, __ATOMIC_SEQ_CST));
}

/* After the queue: the schema is migrated by then (until it is, the
 * publisher retries). */
static int start_publisher(struct daemon *d, struct cr_error **err)
{
        struct cr_publisher_options po = {
                .store = &d->store_options,
                .kafka = d->kafka,
                .events_dir = d->events_dir,
                .file_max_bytes = d->cfg->events_file_max_bytes,
                .instance = d->instance,
                .stuck_after_ms = d->cfg->events_stuck_seconds * 1000u,
        };
        struct cr_publisher *p = NULL;
        int r = cr_publisher_start(&po, &p, err);

        if (r < 0)
                return r;
        __atomic_store_n(&d->publisher, p, __ATOMIC_SEQ_CST);
        (void) cr_metrics_register_collector("events", cli_events_collect, p);
        return 0;
}

static int start_queue(struct daemon *d, struct cr_error **err)
{
        struct cr_queue_options qo = {
                .instance = d->instance = cli_instance_id(d->cfg),
                .workers = (unsigned) d->cfg->workers,
                .queue_length = (unsigned) d->cfg->queue_length,
                .lease_ms = d->cfg->lease_seconds * 1000u,
                .retention_days = (unsigned) d->cfg->retention_days,
                .limits = &d->limits,
                .installed = d->env.installed,
                .events_stored = wake_publisher,
                .events_userdata = d,
        };
        int r;

        r = cli_kafka_settings(d->cfg, &d->kafka, err);
        if (r < 0)
                return r;
        qo.challenge_topic = d->kafka->challenge_topic;
        qo.no_events = cli_events_off(d->cfg);
        d->events_dir = xasprintf("%s/events", d->cfg->state_dir);
        cr_evaluator_limits_default(&d->limits);
        d->limits.bounds.max_code_bytes = d->cfg->max_code_bytes;
        d->limits.bounds.max_tests = d->cfg->max_tests;
        d->limits.bounds.max_input_bytes = d->cfg->max_input_bytes;
        r = cli_store_options(d->cfg, &d->store_options, &d->store_owned, err);
        if (r < 0)
                return r;
        cli_store_describe(&d->store_options);
        qo.store = d->store_options;
        r = cr_queue_new(&qo, d->engine, &d->queue, err);
        if (r >= 0) {
                cr_queue_on_ready(d->queue, store_readiness_changed, d);
                r = cr_queue_start(d->queue, err);
        }
        if (r >= 0 && qo.no_events)
                log_info("Events: off (CODERUNNER_EVENTS_SINK=none): jobs leave no outbox rows, nothing is published");
        else if (r >= 0) {
                cli_events_describe(d->kafka, d->events_dir);
                r = start_publisher(d, err);
        }
        if (r >= 0)
                r = cr_evaluator_new(d->env.installed, d->queue, &d->limits, &d->evaluator, err);
        return r;
}

static int start_rpc(struct daemon *d, struct cr_error **err)
{
        struct cr_rpc_server_options ro = {
                .port = (unsigned) d->cfg->grpc_port,
                .max_message_bytes = d->cfg->max_message_bytes,
                .cq_threads = 2,
        };
        int r;

        r = cr_rpc_server_new(&ro, &d->rpc, err);
        if (r >= 0)
                r = cr_rpc_add_solution_service(d->rpc, d->evaluator, err);
        if (r >= 0)
                r = cr_rpc_add_execution_service(d->rpc, d->evaluator, err);
        if (r >= 0)
                r = cr_rpc_add_native_service(d->rpc, d->evaluator, d->env.catalog, err);
        if (r >= 0)
                r = cr_rpc_server_add_health(d->rpc, err);
        if (r >= 0)
                r = cr_rpc_server_add_reflection(d->rpc, err);
        if (r >= 0)
                r = cr_rpc_server_start(d->rpc, err);
        /* started SERVING: the main loop corrects it (store, executor) before READY=1 */
        return r;
}

/* How long the first executor may take to report ready (it removes what
 * killed supervisors left behind first). */
#define EXECUTOR_START_TIMEOUT_MS 30000

static int start_loop(struct daemon *d, struct cr_error **err)
{
        struct serve_loop_deps deps = {
                .cfg = d->cfg,
                .spawner = d->spawner,
                .queue = d->queue,
                .runtimes_available = cr_installed_count(d->env.installed),
                .runtimes_total = d->env.catalog->n,
        };
        struct serve_loop *loop = NULL;
        int r = serve_loop_new(&deps, &loop, err);

        if (r < 0)
                return r;
        (void) serve_loop_add_ready_check(loop, "job store", store_reachable, d);
        __atomic_store_n(&d->loop, loop, __ATOMIC_SEQ_CST);
        return serve_loop_wait_executor(d->loop, EXECUTOR_START_TIMEOUT_MS, err);
}

/* Registration runs on its own thread: a slow or absent registry never
 * delays serving, and its failure is not the daemon's. */
static void start_eureka(struct daemon *d)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_eureka_options eo = {
                .url = d->cfg->service_discovery_url,
                .app = d->cfg->service_name,
                .ip = d->cfg->service_public_ip,
                .grpc_port = cr_rpc_server_port(d->rpc),
                .http_port = (unsigned) d->cfg->http_port,
                .heartbeat_ms = (unsigned) d->cfg->eureka_heartbeat_seconds * 1000U,
        };

        if (!cr_config_discovery_enabled(d->cfg))
                return;
        if (cr_eureka_start(&eo, &d->eureka, &err) < 0)
                log_event(LOG_LEVEL_WARNING, "eureka-failed", "Not registering with Eureka: %s", err->msg);
}

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* SIGTERM: calls drain for the grace period (jobs keep running and being
 * claimed meanwhile), then the queue stops claiming and gives the jobs still
 * running the rest of the grace; what is left goes back to the queue. */
static void daemon_stop(struct daemon *d)
{
        uint64_t grace = d->cfg ? d->cfg->grace_seconds * 1000u : 0, start = mono_ms(), spent;

        /* deregistered first: clients stop choosing us while we drain */
        d->eureka = cr_eureka_stop(d->eureka);
        if (d->evaluator) /* calls our shutdown ends leave their jobs queued */
                cr_evaluator_detach_on_cancel(d->evaluator);
        if (d->rpc)
                cr_rpc_server_shutdown(d->rpc, (unsigned) grace);
        d->rpc = cr_rpc_server_free(d->rpc);
        spent = mono_ms() - start;
        if (d->queue)
                cr_queue_stop(d->queue, (unsigned) (grace > spent ? grace - spent : 0));
        /* HTTP answered (/ready: 503, shutting down) while calls and jobs drained */
        d->loop = serve_loop_free(d->loop);
        d->engine = cr_job_engine_free(d->engine);
        d->queue = cr_queue_free(d->queue);
        /* after the queue: the last results' events are in the outbox, and
         * no store thread wakes the publisher any more */
        cr_metrics_unregister_collector("events");
        d->publisher = cr_publisher_stop(__atomic_exchange_n(&d->publisher, NULL, __ATOMIC_SEQ_CST));
        d->kafka = cr_kafka_settings_free(d->kafka);
        free(d->events_dir);
        d->evaluator = cr_evaluator_free(d->evaluator);
        free(d->store_owned);
        free(d->instance);
        d->spawner = cr_spawner_stop(d->spawner);
        for (unsigned i = 0; d->slot_fds && i < d->cfg->workers; i++)
                safe_close(d->slot_fds[i]);
        free(d->slot_fds);
        free(d->slots);
        executor_env_close(&d->env);
        d->cfg = cr_config_free(d->cfg);
}

static int daemon_start(struct daemon *d, struct cr_error **err)
{
        int r;

        r = executor_env_open_runtimes(&d->env, d->cfg, err);
        /* before the keeper's fork: it and everything below it start in the leaf */
        if (r >= 0 && d->cfg->cgroup_delegate)
                executor_env_open_cgroups(&d->env, d->cfg);
        if (r >= 0)
                r = acquire_slots(d, err);
        if (r >= 0)
                r = start_executor(d, err);
        if (r >= 0)
                r = start_queue(d, err);
        if (r >= 0 && cr_installed_count(d->env.installed) == 0)
                log_warning("No language image is imported: every evaluation will fail "
                            "(coderunner images build all, then import)");
        if (r >= 0)
                r = start_loop(d, err);
        if (r >= 0)
                r = start_rpc(d, err);
        if (r >= 0)
                r = serve_loop_start_http(d->loop, err);
        return r;
}

int cmd_serve(int argc, char **argv)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *drain_status = NULL;
        struct cr_queue_stats qs;
        struct daemon d = {};
        int r;

        if (argc > 1 && strcmp(argv[1], "--help") == 0) {
                printf("Usage: coderunner serve [--migrate]\n\nConfigured by environment variables; "
                       "'coderunner config' prints them.\n"
                       "  --migrate   apply the job store's schema migrations and exit\n");
                return 0;
        }
        if (argc > 2 || (argc > 1 && strcmp(argv[1], "--migrate") != 0)) {
                fprintf(stderr, "coderunner serve: unexpected argument '%s'\n", argv[1]);
                return 2;
        }
        /* before any thread: every thread inherits the mask, and SIGTERM
         * reaches the main loop's signalfd only */
        serve_loop_block_signals();
        if (cr_config_load_default(cli_env_lookup, NULL, &d.cfg, &err) < 0) {
                log_error_err(err, "Invalid configuration");
                return 2;
        }
        cli_daemon_logging(d.cfg);
        if (argc > 1) {
                r = cli_serve_migrate(d.cfg);
                d.cfg = cr_config_free(d.cfg);
                return r;
        }
        r = daemon_start(&d, &err);
        if (r < 0) {
                log_error_err(err, "Failed to start");
                daemon_stop(&d);
                return 1;
        }
        log_event(LOG_LEVEL_INFO, "ready", "Serving gRPC on port %u as %s with %llu workers, %zu/%zu runtimes available",
                  cr_rpc_server_port(d.rpc), d.instance, (unsigned long long) d.cfg->workers,
                  cr_installed_count(d.env.installed), d.env.catalog->n);
        start_eureka(&d);
        r = serve_loop_run(d.loop, d.rpc);
        cr_queue_stats(d.queue, &qs);
        drain_status = xasprintf("Draining %u jobs (grace %llu s)", qs.admitted + qs.running,
                                 (unsigned long long) d.cfg->grace_seconds);
        serve_loop_stopping(d.loop, drain_status);
        daemon_stop(&d);
        log_event(LOG_LEVEL_INFO, "stopped", "Stopped");
        return r < 0 ? 1 : 0;
}
