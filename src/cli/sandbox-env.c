/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "xalloc.h"

/* A binary run from its build tree uses the source tree's profiles,
 * catalogue and recipes, as uninstalled systemd and git builds do; once
 * installed (anywhere else) it uses PKGDATADIR. */
static bool running_from_build_tree(void)
{
        char self[PATH_MAX], build[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash;

        if (n <= 0 || !realpath(CR_BUILDDIR, build))
                return false;
        self[n] = 0;
        slash = strrchr(self, '/');
        if (!slash)
                return false;
        *slash = 0;
        return strcmp(self, build) == 0;
}

/* Where data files come from: a source tree (its layout) or the install. */
static const char *data_root(const char **ret_origin, bool *ret_source_layout)
{
        const char *dir = secure_getenv("CODERUNNER_DATADIR");

        *ret_source_layout = true;
        if (dir && dir[0]) { /* a source tree (tests, development) */
                *ret_origin = "CODERUNNER_DATADIR";
                return dir;
        }
        if (running_from_build_tree()) {
                static char srcdir[PATH_MAX];

                *ret_origin = "source tree: running from the build tree";
                return srcdir[0] || realpath(CR_SRCDIR, srcdir) ? srcdir : CR_SRCDIR;
        }
        *ret_source_layout = false;
        *ret_origin = "installed";
        return PKGDATADIR;
}

const char *cli_env_lookup(const char *name, void *userdata)
{
        (void) userdata;
        return secure_getenv(name);
}

char *cli_sibling_program(const char *name)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash;

        if (n <= 0)
                return NULL;
        self[n] = 0;
        slash = strrchr(self, '/');
        if (!slash)
                return NULL;
        *slash = 0;
        return xasprintf("%s/%s", self, name);
}

char *cli_data_path(const char *source_rel, const char *installed_rel)
{
        const char *origin;
        bool source_layout;
        const char *root = data_root(&origin, &source_layout);

        return xasprintf("%s/%s", root, source_layout ? source_rel : installed_rel);
}

char *cli_data_describe(void)
{
        const char *origin;
        bool source_layout;
        const char *root = data_root(&origin, &source_layout);

        return xasprintf("%s (%s)", root, origin);
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
        _cleanup_error_ struct cr_error *cgerr = NULL, *lerr = NULL;
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
        r = cr_sandbox_new(&opts, &env->sandbox, err);
        if (r < 0)
                return r;
        /* What an earlier, killed `coderunner run` left behind. Not a
         * reason to refuse this run: it is logged. */
        if (cr_sandbox_remove_leftovers(env->sandbox, NULL, &lerr) < 0)
                log_warning_err(lerr, "Cleaning up after dead supervisors");
        return 0;
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
