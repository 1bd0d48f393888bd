/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "executor-env.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "config/cr-config.h"
#include "error.h"
#include "image/image.h"
#include "lang/catalog.h"
#include "lang/installed.h"
#include "log.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "xalloc.h"

/* Every installed version of each runtime, with the operator's defaults. */
static int load_catalog(struct executor_env *env, const struct cr_config *cfg, struct cr_error **err)
{
        int r = cli_catalog_load(env->store, cfg->runtime_defaults, &env->catalog, err);

        if (r < 0)
                return r;
        for (const char *w = env->catalog->warnings; w && *w;) {
                size_t n = strcspn(w, "\n");
                log_warning("Runtime catalogue: %.*s, ignoring", (int) n, w);
                w += n + (w[n] == '\n');
        }
        return 0;
}

int executor_env_open_runtimes(struct executor_env *env, const struct cr_config *cfg, struct cr_error **err)
{
        int r = cr_image_store_open(cfg->image_store, CR_IMAGE_STORE_CREATE, NULL, &env->store, err);

        if (r >= 0)
                r = load_catalog(env, cfg, err);
        if (r >= 0)
                r = cr_installed_new(env->catalog, env->store, &env->installed, err);
        return r;
}

static int load_profile(struct executor_env *env, const char *name, struct cr_error **err)
{
        _cleanup_free_ char *rel = xasprintf("seccomp/%s.profile", name);
        _cleanup_free_ char *path = cli_data_path(rel, rel);
        int r;

        for (size_t i = 0; i < env->n_profiles; i++)
                if (strcmp(env->profiles[i].name, name) == 0)
                        return 0;
        if (env->n_profiles >= EXECUTOR_ENV_MAX_PROFILES)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "more than %d seccomp profiles",
                                     EXECUTOR_ENV_MAX_PROFILES);
        r = cr_seccomp_load_cached(path, NULL, &env->programs[env->n_profiles], err);
        if (r < 0)
                return r;
        env->profiles[env->n_profiles].name = name;
        env->profiles[env->n_profiles].program = &env->programs[env->n_profiles];
        env->n_profiles++;
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

void executor_env_open_cgroups(struct executor_env *env, const struct cr_config *cfg)
{
        struct cr_cgroup_options cgopts = { .mode = CR_CGROUP_MODE_AUTO, .move_self_to_leaf = cfg->cgroup_delegate };
        _cleanup_error_ struct cr_error *cgerr = NULL;

        if (!env->cgroups && cr_cgroup_manager_new(&cgopts, &env->cgroups, &cgerr) < 0)
                log_warning_err(cgerr, "No usable cgroup hierarchy");
}

int executor_env_open_sandbox(struct executor_env *env, const struct cr_config *cfg, struct cr_error **err)
{
        struct cr_sandbox_options opts = {};
        int r;

        r = load_profile(env, "default", err);
        for (size_t i = 0; r >= 0 && i < env->catalog->n; i++)
                r = load_profile(env, env->catalog->runtimes[i].seccomp_profile, err);
        if (r >= 0)
                r = parse_allowed(cfg->allow_missing_controllers, &opts.allow_missing_controllers, err);
        if (r < 0)
                return r;
        executor_env_open_cgroups(env, cfg);
        opts.seccomp = &env->programs[0];
        opts.cgroups = env->cgroups;
        return cr_sandbox_new(&opts, &env->sandbox, err);
}

int executor_env_prepare_slots(struct executor_env *env, const unsigned *slots, size_t n, struct cr_error **err)
{
        for (size_t i = 0; i < n; i++) {
                int r = cr_sandbox_prepare_slot(env->sandbox, slots[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct cr_executor_config executor_env_config(const struct executor_env *env, unsigned max_workers)
{
        return (struct cr_executor_config) {
                .sandbox = env->sandbox,
                .profiles = env->profiles,
                .n_profiles = env->n_profiles,
                .max_workers = max_workers,
                .installed = env->installed,
        };
}

void executor_env_close(struct executor_env *env)
{
        env->sandbox = cr_sandbox_free(env->sandbox);
        env->cgroups = cr_cgroup_manager_free(env->cgroups);
        for (size_t i = 0; i < env->n_profiles; i++)
                cr_seccomp_program_done(&env->programs[i]);
        env->n_profiles = 0;
        env->installed = cr_installed_free(env->installed);
        env->store = cr_image_store_free(env->store);
        env->catalog = cr_catalog_free(env->catalog);
}
