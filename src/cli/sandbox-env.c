/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "xalloc.h"

char *cli_data_path(const char *source_rel, const char *installed_rel)
{
        const char *dir = secure_getenv("CODERUNNER_DATADIR");

        /* CODERUNNER_DATADIR points at a source tree (tests, development);
         * otherwise the installed data directory. */
        if (dir && dir[0])
                return xasprintf("%s/%s", dir, source_rel);
        return xasprintf("%s/%s", PKGDATADIR, installed_rel);
}

/* Compiled seccomp programs, reused across short-lived CLI runs. */
#define CLI_SECCOMP_CACHE_DIR "/var/cache/coderunner/seccomp"

const char *cli_default_seccomp_profile(void)
{
        static char *path;

        if (!path)
                path = cli_data_path("seccomp/default.profile", "seccomp/default.profile");
        return path;
}

int cli_parse_controller(const char *name, unsigned *ret_bit)
{
        if (strcmp(name, "memory") == 0)
                *ret_bit = CR_CGROUP_MEMORY;
        else if (strcmp(name, "pids") == 0)
                *ret_bit = CR_CGROUP_PIDS;
        else if (strcmp(name, "cpu") == 0)
                *ret_bit = CR_CGROUP_CPU | CR_CGROUP_CPUACCT;
        else
                return -EINVAL;
        return 0;
}

int cli_sandbox_env_open(struct cli_sandbox_env *env, const char *profile_path, unsigned allow_missing,
                         bool cgroup_delegate, struct cr_error **err)
{
        _cleanup_error_ struct cr_error *cgerr = NULL;
        struct cr_cgroup_options cgopts = { .mode = CR_CGROUP_MODE_AUTO, .move_self_to_leaf = cgroup_delegate };
        struct cr_sandbox_options opts = { .allow_missing_controllers = allow_missing };
        int r;

        *env = (struct cli_sandbox_env) { 0 };
        env->seccomp = xzalloc(sizeof(*env->seccomp));
        r = cr_seccomp_load_cached(profile_path, CLI_SECCOMP_CACHE_DIR, env->seccomp, err);
        if (r < 0)
                return r;

        /* No usable cgroupfs is not fatal here: cr_sandbox_new() refuses to
         * run unless the operator waived every missing controller. */
        if (cr_cgroup_manager_new(&cgopts, &env->cgroups, &cgerr) < 0)
                env->cgroups = NULL;

        opts.seccomp = env->seccomp;
        opts.cgroups = env->cgroups;
        return cr_sandbox_new(&opts, &env->sandbox, err);
}

void cli_sandbox_env_close(struct cli_sandbox_env *env)
{
        env->sandbox = cr_sandbox_free(env->sandbox);
        env->cgroups = cr_cgroup_manager_free(env->cgroups);
        if (env->seccomp) {
                cr_seccomp_program_done(env->seccomp);
                free(env->seccomp);
                env->seccomp = NULL;
        }
}
