/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "log.h"
#include "missing.h"
#include "proc-util.h"
#include "xalloc.h"

/* cgroup v1 (legacy, or hybrid with an empty cgroup2 at /unified): one
 * hierarchy per controller, or several co-mounted ("cpu,cpuacct"). We use
 * memory, pids, cpu, cpuacct and freezer, each beneath our own cgroup in
 * that hierarchy as /proc/self/cgroup names it. */

#define CPU_PERIOD_DEFAULT_US 100000
#define FREEZE_TIMEOUT_MS     250

/* Opens the mount of `controller`: <root>/<controller> (following a symlink
 * at that one level, as systemd makes "cpu" → "cpu,cpuacct"), else the
 * co-mounted directory named after the whole list. -ENOENT if neither is a
 * cgroup mount. */
static int open_mount(struct cr_cgroup_manager *m, const char *controller, const char *list)
{
        const char *names[] = {controller, list};

        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                _cleanup_close_ int fd = openat(m->root_fd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct statfs fs;

                if (fd < 0 && errno != ENOENT)
                        return -errno;
                if (fd < 0)
                        continue;
                if (m->verify_fs && (fstatfs(fd, &fs) < 0 || fs.f_type != CGROUP_SUPER_MAGIC))
                        continue;
                return TAKE_FD(fd);
        }
        return -ENOENT;
}

/* Adds `bit` to the hierarchy with id `id`, opening it first if it is new.
 * Returns 0 when added or unavailable, < 0 on a real error. */
static int add_controller(struct cr_cgroup_manager *m, const char *proc_self, unsigned bit, uint32_t *ids,
                          struct cr_error **err)
{
        const char *name = cr_cgroup_controller_to_string(bit);
        _cleanup_free_ char *list = NULL, *path = NULL;
        _cleanup_close_ int mount_fd = -EBADF;
        uint32_t id;
        int r;

        r = cr_cgroup_parse_proc_self(proc_self, name, &id, &list, &path);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INVALID, "/proc/self/cgroup: bad line for %s", name);
        for (size_t i = 0; i < m->n_hier; i++)
                if (ids[i] == id) {
                        m->hier[i].controllers |= bit;
                        return 0;
                }

        mount_fd = open_mount(m, name, list);
        if (mount_fd == -ENOENT)
                return 0;
        if (mount_fd < 0)
                return cr_error_set(err, mount_fd, CR_ERROR_UNAVAILABLE, "open %s hierarchy", name);
        r = cr_cgroup_open_path(mount_fd, path);
        if (r == -ENOENT) /* not visible in this mount (another cgroup namespace) */
                return 0;
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_UNAVAILABLE, "open own %s cgroup '/%s'", name, path);
        ids[m->n_hier] = id;
        m->hier[m->n_hier++] = (struct cgroup_hierarchy){
                .controllers = bit,
                .own_fd = r,
                .own_path = TAKE_PTR(path),
        };
        return 0;
}

static int v1_init(struct cr_cgroup_manager *m, const struct cr_cgroup_options *opts _unused_,
                   const char *proc_self, struct cr_error **err)
{
        uint32_t ids[CGROUP_HIERARCHY_MAX];

        for (unsigned bit = 1; bit <= CR_CGROUP_FREEZER; bit <<= 1) {
                int r = add_controller(m, proc_self, bit, ids, err);

                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < m->n_hier; i++) {
                m->controllers |= m->hier[i].controllers;
                log_debug("cgroup v1: controllers 0x%x at '/%s'", m->hier[i].controllers,
                          m->hier[i].own_path);
        }
        return 0;
}

static int set_memory(struct cr_cgroup *cg, uint64_t bytes, struct cr_error **err)
{
        int fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_MEMORY);
        int r;

        if (fd < 0 || bytes == 0)
                return 0;
        r = cr_cgroup_write_u64(cg, fd, "memory.limit_in_bytes", bytes, err);
        if (r < 0)
                return r;
        /* memory+swap must be >= memory, hence second. Absent when the
         * kernel runs without swap accounting: swap is then not limited. */
        if (!cr_cgroup_file_exists(fd, "memory.memsw.limit_in_bytes"))
                return 0;
        return cr_cgroup_write_u64(cg, fd, "memory.memsw.limit_in_bytes", bytes, err);
}

static int v1_set_limits(struct cr_cgroup *cg, const struct cr_cgroup_limits *l, struct cr_error **err)
{
        int fd, r;

        r = set_memory(cg, l->memory_bytes, err);
        if (r < 0)
                return r;
        fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_PIDS);
        if (fd >= 0 && l->pids > 0) {
                r = cr_cgroup_write_u64(cg, fd, "pids.max", l->pids, err);
                if (r < 0)
                        return r;
        }
        fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_CPU);
        if (fd >= 0 && l->cpu_quota_us > 0) {
                /* The new leaf's quota is -1 (unlimited), so any period is
                 * valid against it: period first. */
                r = cr_cgroup_write_u64(cg, fd, "cpu.cfs_period_us",
                                        l->cpu_period_us ? l->cpu_period_us : CPU_PERIOD_DEFAULT_US, err);
                if (r < 0)
                        return r;
                r = cr_cgroup_write_u64(cg, fd, "cpu.cfs_quota_us", l->cpu_quota_us, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_attach(struct cr_cgroup *cg, pid_t pid, struct cr_error **err)
{
        char buf[32];

        (void)snprintf(buf, sizeof(buf), "%d", (int)pid);
        for (size_t i = 0; i < cg->manager->n_hier; i++) {
                int r = cr_cgroup_write_at(cg, cg->fds[i], "cgroup.procs", buf, err);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* "tasks", not "cgroup.procs": written "0" by the thread itself, it moves
 * that thread alone, which the kernel does without the threadgroup lock. */
static int v1_open_entry(struct cr_cgroup *cg, int *fds, struct cr_error **err)
{
        size_t n = 0;

        for (size_t i = 0; i < cg->manager->n_hier; i++) {
                int fd = openat(cg->fds[i], "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

                if (fd < 0) {
                        int e = errno;
                        while (n > 0)
                                safe_close(fds[--n]);
                        return cr_error_set(err, e, CR_ERROR_INTERNAL, "open tasks of cgroup '%s' below '/%s'",
                                            cg->name, cg->manager->hier[i].own_path);
                }
                fds[n++] = fd;
        }
        return (int) n;
}

static int v1_cpu(struct cr_cgroup *cg, uint64_t *ret_ns)
{
        int fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_CPUACCT);

        if (fd < 0)
                return -EOPNOTSUPP;
        return cr_cgroup_read_u64_at(fd, "cpuacct.usage", ret_ns);
}

static int v1_memory_stats(int fd, struct cr_cgroup_stats *s, struct cr_error **err)
{
        uint64_t failcnt = 0;
        int r;

        r = cr_cgroup_read_u64_at(fd, "memory.max_usage_in_bytes", &s->memory_peak_bytes);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read memory.max_usage_in_bytes");
        /* "oom_kill" appeared in Linux 4.13; without it OOM kills are not
         * counted (failcnt still reports the limit being hit). */
        r = cr_cgroup_read_keyed_at(fd, "memory.oom_control", "oom_kill", &s->oom_kills);
        if (r < 0 && r != -ENOENT)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read memory.oom_control");
        r = cr_cgroup_read_u64_at(fd, "memory.failcnt", &failcnt);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read memory.failcnt");
        s->memory_limit_hit = failcnt > 0 || s->oom_kills > 0;
        return 0;
}

static int v1_stats(struct cr_cgroup *cg, struct cr_cgroup_stats *s, struct cr_error **err)
{
        int fd, r;

        fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_CPUACCT);
        if (fd >= 0) {
                r = cr_cgroup_read_u64_at(fd, "cpuacct.usage", &s->cpu_usage_ns);
                if (r < 0)
                        return cr_error_set(err, r, CR_ERROR_INTERNAL, "read cpuacct.usage");
        }
        fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_MEMORY);
        if (fd >= 0)
                return v1_memory_stats(fd, s, err);
        return 0;
}

/* Freezes the leaf and waits until every task is in the refrigerator (state
 * FROZEN, not FREEZING): from then on nothing in it can fork. */
static int freeze(int fd)
{
        uint64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;
        unsigned delay = 20;
        char state[32];
        int r;

        r = write_file_at(fd, "freezer.state", "FROZEN");
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read_file_at(fd, "freezer.state", state, sizeof(state));

                if (n < 0)
                        return (int)n;
                if (strncmp(state, "FROZEN", 6) == 0 && (state[6] == '\n' || state[6] == 0))
                        return 0;
                if (now_ms() >= deadline)
                        return -ETIMEDOUT; /* e.g. a task in uninterruptible sleep */
                cr_cgroup_backoff(&delay, 1000);
        }
}

static int v1_kill(struct cr_cgroup *cg, struct cr_error **err)
{
        int ffd = cr_cgroup_leaf_fd(cg, CR_CGROUP_FREEZER);
        int r;

        /* An empty leaf (the common case in destroy) needs no freezing,
         * which costs two freezer.state writes of ~100 µs each. */
        if (ffd >= 0 && !cr_cgroup_leaf_is_empty(ffd)) {
                bool frozen = freeze(ffd) >= 0;

                r = frozen ? cr_cgroup_kill_listed(ffd) : -ETIMEDOUT;
                /* Frozen tasks act on SIGKILL once thawed. */
                (void)write_file_at(ffd, "freezer.state", "THAWED");
                /* Every task was frozen while we listed and signalled them,
                 * so none could fork meanwhile: done. (A task attached to
                 * some hierarchies but not the freezer's can only come from
                 * a failed attach, whose caller kills it.) */
                if (frozen && r >= 0)
                        return 0;
        }
        /* Without a (working) freezer, new processes can appear while we
         * kill: repeat until each leaf is empty. */
        for (size_t i = 0; i < cg->manager->n_hier; i++) {
                if (cg->fds[i] < 0)
                        continue;
                r = cr_cgroup_kill_until_empty(cg->fds[i], CGROUP_KILL_TIMEOUT_MS);
                if (r < 0)
                        return cr_error_set(err, r, CR_ERROR_INTERNAL,
                                            "kill tasks of cgroup '%s' below '/%s'", cg->name,
                                            cg->manager->hier[i].own_path);
        }
        return 0;
}

const struct cgroup_ops cr_cgroup_v1_ops = {
        .name = "v1",
        .init = v1_init,
        .create = cr_cgroup_leaves_create,
        .set_limits = v1_set_limits,
        .attach = v1_attach,
        .open_entry = v1_open_entry,
        .stats = v1_stats,
        .cpu = v1_cpu,
        .kill = v1_kill,
        .destroy = cr_cgroup_leaves_remove,
};
