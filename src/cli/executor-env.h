/* SPDX-License-Identifier: MIT */
#pragma once

/* What the executor runs jobs with, built from the daemon's configuration:
 * the runtimes (image store, catalogue, the installed table), the compiled
 * seccomp profiles, the cgroup manager and the sandbox context with each
 * slot's network namespace.
 *
 * Two processes build it from the same configuration (the environment):
 * the daemon opens the runtimes, which it validates requests against, and
 * the cgroup manager when it owns its cgroup (to move itself into a leaf
 * before it forks); coderunner-executor, the lean program its keeper
 * becomes (docs/internals/spawn.md), opens all of it and checks that its
 * runtimes are the daemon's (cr_installed_fingerprint()). */

#include <stddef.h>

#include "executor/executor.h"
#include "sandbox/seccomp.h"

struct cr_config;
struct cr_error;

#define EXECUTOR_ENV_MAX_PROFILES 16

struct executor_env {
        struct cr_image_store *store;
        struct cr_catalog *catalog;
        struct cr_installed *installed;
        struct cr_seccomp_program programs[EXECUTOR_ENV_MAX_PROFILES];
        struct cr_executor_profile profiles[EXECUTOR_ENV_MAX_PROFILES];
        size_t n_profiles;
        struct cr_cgroup_manager *cgroups;
        struct cr_sandbox *sandbox;
};

/* The image store, the catalogue (its warnings logged) and the installed
 * table, each runtime's image pinned. */
int executor_env_open_runtimes(struct executor_env *env, const struct cr_config *cfg, struct cr_error **err);
/* The cgroup manager; with cfg->cgroup_delegate this process moves itself
 * into its cgroup's supervisor leaf (again a no-op). No usable hierarchy is
 * a warning: the sandbox then says which limits it cannot keep. */
void executor_env_open_cgroups(struct executor_env *env, const struct cr_config *cfg);
/* After the runtimes: every runtime's seccomp profile, the cgroup manager
 * (if not open yet) and the sandbox context. */
int executor_env_open_sandbox(struct executor_env *env, const struct cr_config *cfg, struct cr_error **err);
/* The network namespace each slot's runs join. */
int executor_env_prepare_slots(struct executor_env *env, const unsigned *slots, size_t n, struct cr_error **err);
/* What the executor takes (pointers into env). */
struct cr_executor_config executor_env_config(const struct executor_env *env, unsigned max_workers);
void executor_env_close(struct executor_env *env);
