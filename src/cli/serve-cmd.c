/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "eureka/eureka.h"
#include "executor/executor.h"
#include "fd-util.h"
#include "image/image.h"
#include "job/evaluate.h"
#include "job/job.h"
#include "lang/catalog.h"
#include "log.h"
#include "rpc/server.h"
#include "rpc/services.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "serve-loop.h"
#include "service/service.h"
#include "spawn/spawn.h"
#include "xalloc.h"

/* `coderunner serve`: the daemon. Wiring only, in the order DESIGN §3 needs:
 * everything the executor inherits (catalogue, compiled seccomp programs,
 * cgroup manager, sandbox context) is ready, then the executor is forked
 * while the process is still single-threaded, and only then do threads start
 * (the job pool, gRPC). */

#define MAX_PROFILES 16

struct daemon {
        struct cr_config *cfg;
        struct cr_catalog *catalog;
        struct cr_image_store *store;
        struct cr_seccomp_program programs[MAX_PROFILES];
        struct cr_executor_profile profiles[MAX_PROFILES];
        size_t n_profiles;
        struct cr_cgroup_manager *cgroups;
        struct cr_sandbox *sandbox;
        int *slot_fds;
        unsigned *slots;
        struct cr_spawner *spawner;
        struct cr_job_engine *engine;
        struct cr_evaluator *evaluator;
        struct cr_rpc_server *rpc;
        struct serve_loop *loop;
        struct cr_eureka *eureka;
};

static const char *env_lookup(const char *name, void *userdata)
{
        (void) userdata;
        return secure_getenv(name);
}

static int load_profile(struct daemon *d, const char *name, struct cr_error **err)
{
        _cleanup_free_ char *rel = xasprintf("seccomp/%s.profile", name);
        _cleanup_free_ char *path = cli_data_path(rel, rel);
        int r;

        for (size_t i = 0; i < d->n_profiles; i++)
                if (strcmp(d->profiles[i].name, name) == 0)
                        return 0;
        if (d->n_profiles >= MAX_PROFILES)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "more than %d seccomp profiles", MAX_PROFILES);
        r = cr_seccomp_load_cached(path, NULL, &d->programs[d->n_profiles], err);
        if (r < 0)
                return r;
        d->profiles[d->n_profiles].name = name;
        d->profiles[d->n_profiles].program = &d->programs[d->n_profiles];
        d->n_profiles++;
        return 0;
}

static int parse_allowed(const char *list, unsigned *ret, struct cr_error **err)
{
        _cleanup_free_ char *copy = xstrdup(list);
        char *save = NULL;

        *ret = 0;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                unsigned bit;
                if (cli_parse_controller(t, &bit) < 0)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "unknown cgroup controller '%s'", t);
                *ret |= bit;
        }
        return 0;
}

static int setup_sandbox(struct daemon *d, struct cr_error **err)
{
        struct cr_cgroup_options cgopts = { .mode = CR_CGROUP_MODE_AUTO,
                                            .move_self_to_leaf = d->cfg->cgroup_delegate };
        _cleanup_error_ struct cr_error *cgerr = NULL;
        struct cr_sandbox_options opts = {};
        int r;

        r = load_profile(d, "default", err);
        for (size_t i = 0; r >= 0 && i < d->catalog->n; i++)
                r = load_profile(d, d->catalog->runtimes[i].seccomp_profile, err);
        if (r < 0)
                return r;
        if (cr_cgroup_manager_new(&cgopts, &d->cgroups, &cgerr) < 0)
                log_warning_err(cgerr, "No usable cgroup hierarchy");
        r = parse_allowed(d->cfg->allow_missing_controllers, &opts.allow_missing_controllers, err);
        if (r < 0)
                return r;
        opts.seccomp = &d->programs[0];
        opts.cgroups = d->cgroups;
        return cr_sandbox_new(&opts, &d->sandbox, err);
}

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
                /* its network namespace, joined by every run in the slot */
                r = cr_sandbox_prepare_slot(d->sandbox, d->slots[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int start_executor(struct daemon *d, struct cr_error **err)
{
        struct cr_executor_config ec = {
                .sandbox = d->sandbox,
                .profiles = d->profiles,
                .n_profiles = d->n_profiles,
                .max_workers = (unsigned) d->cfg->workers,
        };
        struct cr_job_engine_options eo = {
                .workers = (unsigned) d->cfg->workers,
                .queue_length = (unsigned) d->cfg->queue_length,
                .slots = d->slots,
        };
        struct cr_evaluator_limits el = {
                .max_code_bytes = d->cfg->max_code_bytes,
                .max_tests = d->cfg->max_tests,
                .max_input_bytes = d->cfg->max_input_bytes,
        };
        int r;

        /* the last moment the process is single-threaded */
        r = cr_spawner_start(&ec, &d->spawner, err);
        if (r >= 0)
                r = cr_job_engine_new(d->spawner, &eo, &d->engine, err);
        if (r >= 0)
                r = cr_evaluator_new(d->catalog, d->store, d->engine, &el, &d->evaluator, err);
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
                r = cr_rpc_add_native_service(d->rpc, d->evaluator, d->catalog, err);
        if (r >= 0)
                r = cr_rpc_server_add_health(d->rpc, err);
        if (r >= 0)
                r = cr_rpc_server_add_reflection(d->rpc, err);
        if (r >= 0)
                r = cr_rpc_server_start(d->rpc, err);
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
                .engine = d->engine,
                .runtimes_available = cr_evaluator_available(d->evaluator),
                .runtimes_total = d->catalog->n,
        };
        int r = serve_loop_new(&deps, &d->loop, err);

        if (r >= 0)
                r = serve_loop_wait_executor(d->loop, EXECUTOR_START_TIMEOUT_MS, err);
        return r;
}

static void setup_logging(const struct cr_config *cfg)
{
        cr_log_set_level(cr_log_level_from_string(cfg->log_level));
        cr_log_set_format(strcmp(cfg->log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
        /* under systemd, stderr is the journal: structured entries instead */
        if (cr_service_journal_on_stderr())
                cr_service_log_to_journal();
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

static void daemon_stop(struct daemon *d)
{
        /* deregistered first: clients stop choosing us while we drain */
        d->eureka = cr_eureka_stop(d->eureka);
        if (d->rpc)
                cr_rpc_server_shutdown(d->rpc, (unsigned) d->cfg->grace_seconds * 1000U);
        d->rpc = cr_rpc_server_free(d->rpc);
        /* HTTP answered (/ready: 503, shutting down) while calls drained */
        d->loop = serve_loop_free(d->loop);
        d->evaluator = cr_evaluator_free(d->evaluator);
        d->engine = cr_job_engine_free(d->engine);
        d->spawner = cr_spawner_stop(d->spawner);
        for (unsigned i = 0; d->slot_fds && i < d->cfg->workers; i++)
                safe_close(d->slot_fds[i]);
        free(d->slot_fds);
        free(d->slots);
        d->sandbox = cr_sandbox_free(d->sandbox);
        d->cgroups = cr_cgroup_manager_free(d->cgroups);
        for (size_t i = 0; i < d->n_profiles; i++)
                cr_seccomp_program_done(&d->programs[i]);
        d->store = cr_image_store_free(d->store);
        d->catalog = cr_catalog_free(d->catalog);
        d->cfg = cr_config_free(d->cfg);
}

static int daemon_start(struct daemon *d, struct cr_error **err)
{
        _cleanup_free_ char *catalog_dir = cli_data_path("rootfs/runtimes", "runtimes");
        int r;

        r = cr_catalog_load_dir(catalog_dir, &d->catalog, err);
        if (r >= 0)
                r = cr_image_store_open(d->cfg->image_store, CR_IMAGE_STORE_CREATE, NULL, &d->store, err);
        if (r >= 0)
                r = setup_sandbox(d, err);
        if (r >= 0)
                r = acquire_slots(d, err);
        if (r >= 0)
                r = start_executor(d, err);
        if (r >= 0 && cr_evaluator_available(d->evaluator) == 0)
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
        struct daemon d = {};
        int r;

        if (argc > 1 && strcmp(argv[1], "--help") == 0) {
                printf("Usage: coderunner serve\n\nConfigured by environment variables; "
                       "'coderunner config' prints them.\n");
                return 0;
        }
        if (argc > 1) {
                fprintf(stderr, "coderunner serve: unexpected argument '%s'\n", argv[1]);
                return 2;
        }
        /* before any thread: every thread inherits the mask, and SIGTERM
         * reaches the main loop's signalfd only */
        serve_loop_block_signals();
        if (cr_config_load_default(env_lookup, NULL, &d.cfg, &err) < 0) {
                log_error_err(err, "Invalid configuration");
                return 2;
        }
        setup_logging(d.cfg);
        r = daemon_start(&d, &err);
        if (r < 0) {
                log_error_err(err, "Failed to start");
                daemon_stop(&d);
                return 1;
        }
        log_event(LOG_LEVEL_INFO, "ready", "Serving gRPC on port %u with %llu workers, %zu/%zu runtimes available",
                  cr_rpc_server_port(d.rpc), (unsigned long long) d.cfg->workers,
                  cr_evaluator_available(d.evaluator), d.catalog->n);
        start_eureka(&d);
        r = serve_loop_run(d.loop, d.rpc);
        drain_status = xasprintf("Draining %u jobs (grace %llu s)", cr_job_engine_running(d.engine),
                                 (unsigned long long) d.cfg->grace_seconds);
        serve_loop_stopping(d.loop, drain_status);
        daemon_stop(&d);
        log_event(LOG_LEVEL_INFO, "stopped", "Stopped");
        return r < 0 ? 1 : 0;
}
