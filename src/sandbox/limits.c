/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cgroup.h"
#include "child-error.h"
#include "error.h"
#include "fd-util.h"
#include "sandbox-internal.h"

/* rlimits inside the child. They are backstops: the cgroup enforces memory,
 * pids and CPU for the whole tree. RLIMIT_AS is never set (runtimes reserve
 * far more address space than they use); RLIMIT_NPROC counts per host uid,
 * which is unique to this slot, so it bounds forking even without a pids
 * controller. */

static int set_limit(int resource, uint64_t value)
{
        struct rlimit cur, rl;

        if (getrlimit(resource, &cur) < 0)
                return -errno;
        rl.rlim_cur = rl.rlim_max = value;
        /* Only ever lower: raising a hard limit needs host privileges. */
        if (cur.rlim_max != RLIM_INFINITY && rl.rlim_max > cur.rlim_max)
                rl.rlim_cur = rl.rlim_max = cur.rlim_max;
        return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

int limits_setup_child(struct sandbox_run *run)
{
        const struct cr_sandbox_limits *l = &run->spec->limits;
        const struct {
                int resource;
                uint64_t value;
                const char *name;
        } table[] = {
                { RLIMIT_CORE, 0, "RLIMIT_CORE" },
                { RLIMIT_NOFILE, l->open_files, "RLIMIT_NOFILE" },
                { RLIMIT_FSIZE, l->file_size_bytes, "RLIMIT_FSIZE" },
                { RLIMIT_STACK, l->stack_bytes, "RLIMIT_STACK" },
                /* whole seconds, rounded up, plus one: the cgroup limit fires first */
                { RLIMIT_CPU, (l->cpu_time_ms + 999) / 1000 + 1, "RLIMIT_CPU" },
                { RLIMIT_NPROC, l->pids + 1, "RLIMIT_NPROC" },
                { RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK" },
                { RLIMIT_MSGQUEUE, 0, "RLIMIT_MSGQUEUE" },
        };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
                r = set_limit(table[i].resource, table[i].value);
                if (r < 0)
                        return child_error(run, r, CR_ERROR_INTERNAL, "setrlimit %s", table[i].name);
        }
        return 0;
}

/* Under memory pressure the host kills sandboxes first. The parent writes it
 * (the child inherits it, and so does everything it starts): after the
 * switch to the sandbox user the child's own /proc files belong to root, so
 * its own write failed, and silently. */
int limits_setup_parent(struct sandbox_run *run, struct cr_error **err)
{
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int) run->pid);
        r = write_file_at(AT_FDCWD, path, "1000");
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "write %s", path);
        return 0;
}

void sandbox_cgroup_limits(const struct cr_sandbox_spec *spec, struct cr_cgroup_limits *ret)
{
        const struct cr_sandbox_limits *l = &spec->limits;

        *ret = (struct cr_cgroup_limits) {
                .memory_bytes = l->memory_bytes,
                .pids = l->pids + 1, /* + our init */
                .cpu_quota_us = l->cpu_quota_pct ? l->cpu_quota_pct * 1000 : 0,
                .cpu_period_us = l->cpu_quota_pct ? 100000 : 0,
        };
}
