/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "log.h"
#include "proc-util.h"
#include "xalloc.h"

/* cgroup v2 (unified): leaves are created in our delegated cgroup, whose
 * own processes live in its "supervisor" child because a cgroup that enables
 * controllers for its children may not hold processes itself. */

#define SUPERVISOR            "supervisor"
#define CPU_PERIOD_DEFAULT_US 100000
#define FREEZE_TIMEOUT_MS     250
#define WANTED                (CR_CGROUP_MEMORY | CR_CGROUP_PIDS | CR_CGROUP_CPU)

/* Our own cgroup: the delegated path if configured, else the "0::" line.
 * When we are to live in <own>/supervisor and already do (a second manager,
 * or a child of the process that moved), <own> is its parent. */
static int own_path(const struct cr_cgroup_options *opts, const char *proc_self, char **ret,
                    struct cr_error **err)
{
        _cleanup_free_ char *path = NULL;
        uint32_t id;
        char *slash;
        int r;

        if (opts->delegated_path) {
                path = xstrdup(opts->delegated_path + (opts->delegated_path[0] == '/'));
                if (!cr_cgroup_path_is_valid(path))
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid delegated cgroup path");
        } else {
                r = cr_cgroup_parse_proc_self(proc_self, NULL, &id, NULL, &path);
                if (r < 0)
                        return cr_error_set(err, r, r == -ENOENT ? CR_ERROR_UNAVAILABLE : CR_ERROR_INVALID,
                                            "/proc/self/cgroup: no valid cgroup v2 line");
                if (opts->move_self_to_leaf) {
                        slash = strrchr(path, '/');
                        if (strcmp(slash ? slash + 1 : path, SUPERVISOR) == 0)
                                *(slash ? slash : path) = 0;
                }
        }
        *ret = TAKE_PTR(path);
        return 0;
}

static int move_self(struct cr_cgroup_manager *m, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        char pid[32];
        int r;

        if (mkdirat(m->hier[0].own_fd, SUPERVISOR, 0755) < 0 && errno != EEXIST)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "mkdir '/%s/" SUPERVISOR "'",
                                    m->hier[0].own_path);
        fd = openat(m->hier[0].own_fd, SUPERVISOR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "open '/%s/" SUPERVISOR "'",
                                    m->hier[0].own_path);
        (void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
        r = write_file_at(fd, "cgroup.procs", pid);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_UNAVAILABLE, "move self to '/%s/" SUPERVISOR "'",
                                    m->hier[0].own_path);
        return 0;
}

static unsigned read_controllers(int fd, const char *file)
{
        char buf[CGROUP_FILE_MAX];

        if (read_file_at(fd, file, buf, sizeof(buf)) < 0)
                return 0;
        return cr_cgroup_parse_controllers(buf);
}

/* Enables what we use of what is available for our children. All at once
 * first (the kernel applies a write entirely or not at all), then one by
 * one so that one refused controller does not cost the others. EBUSY means
 * processes other than ours still sit in our own cgroup. Returns the
 * controllers enabled. */
static unsigned enable_controllers(int fd)
{
        unsigned avail = read_controllers(fd, "cgroup.controllers");
        unsigned enabled = read_controllers(fd, "cgroup.subtree_control");
        unsigned want = avail & WANTED & ~enabled;
        char buf[64] = "";
        int r;

        if (want == 0)
                return enabled & WANTED;
        for (unsigned bit = 1; bit <= CR_CGROUP_CPU; bit <<= 1)
                if (want & bit)
                        (void)snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s+%s",
                                       buf[0] ? " " : "", cr_cgroup_controller_to_string(bit));
        r = write_file_at(fd, "cgroup.subtree_control", buf);
        if (r >= 0)
                return (enabled | want) & WANTED;
        log_debug("cgroup v2: enabling '%s': %s", buf, strerror(-r));
        for (unsigned bit = 1; bit <= CR_CGROUP_CPU; bit <<= 1) {
                if (!(want & bit))
                        continue;
                (void)snprintf(buf, sizeof(buf), "+%s", cr_cgroup_controller_to_string(bit));
                if (write_file_at(fd, "cgroup.subtree_control", buf) >= 0)
                        enabled |= bit;
        }
        return enabled & WANTED;
}

static int v2_init(struct cr_cgroup_manager *m, const struct cr_cgroup_options *opts, const char *proc_self,
                   struct cr_error **err)
{
        struct cgroup_hierarchy *h = &m->hier[0];
        int r;

        r = own_path(opts, proc_self, &h->own_path, err);
        if (r < 0)
                return r;
        h->own_fd = cr_cgroup_open_path(m->root_fd, h->own_path);
        if (h->own_fd < 0)
                return cr_error_set(err, h->own_fd, CR_ERROR_UNAVAILABLE, "open own cgroup '/%s'",
                                    h->own_path);
        m->n_hier = 1;
        if (opts->move_self_to_leaf) {
                r = move_self(m, err);
                if (r < 0)
                        return r;
        }
        /* cpu.stat usage_usec is a core file: CPU time is always accounted.
         * cgroup.freeze (5.2) is not on the root, so a root own cgroup does
         * not report the freezer even where leaves would have it. */
        m->controllers = enable_controllers(h->own_fd) | CR_CGROUP_CPUACCT;
        if (cr_cgroup_file_exists(h->own_fd, "cgroup.freeze"))
                m->controllers |= CR_CGROUP_FREEZER;
        h->controllers = m->controllers;
        return 0;
}

static int v2_create(struct cr_cgroup *cg, struct cr_error **err)
{
        int r = cr_cgroup_leaves_create(cg, err);

        if (r < 0)
                return r;
        /* FIXME: remove once Linux 5.19 (memory.peak) is the baseline. */
        cg->no_memory_peak = (cg->manager->controllers & CR_CGROUP_MEMORY) &&
                             !cr_cgroup_file_exists(cg->fds[0], "memory.peak");
        return 0;
}

static int v2_set_limits(struct cr_cgroup *cg, const struct cr_cgroup_limits *l, struct cr_error **err)
{
        unsigned c = cg->manager->controllers;
        int fd = cg->fds[0], r;
        char buf[64];

        if ((c & CR_CGROUP_MEMORY) && l->memory_bytes > 0) {
                r = cr_cgroup_write_u64(cg, fd, "memory.max", l->memory_bytes, err);
                /* Absent when the kernel has no swap accounting. */
                if (r >= 0 && cr_cgroup_file_exists(fd, "memory.swap.max"))
                        r = cr_cgroup_write_at(cg, fd, "memory.swap.max", "0", err);
                if (r < 0)
                        return r;
        }
        if ((c & CR_CGROUP_PIDS) && l->pids > 0) {
                r = cr_cgroup_write_u64(cg, fd, "pids.max", l->pids, err);
                if (r < 0)
                        return r;
        }
        if ((c & CR_CGROUP_CPU) && l->cpu_quota_us > 0) {
                (void)snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, l->cpu_quota_us,
                               l->cpu_period_us ? l->cpu_period_us : CPU_PERIOD_DEFAULT_US);
                r = cr_cgroup_write_at(cg, fd, "cpu.max", buf, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v2_attach(struct cr_cgroup *cg, pid_t pid, struct cr_error **err)
{
        char buf[32];

        (void)snprintf(buf, sizeof(buf), "%d", (int)pid);
        return cr_cgroup_write_at(cg, cg->fds[0], "cgroup.procs", buf, err);
}

/* Without memory.peak the peak is the highest memory.current we happened to
 * read (in every stats and CPU poll): a lower bound that misses short spikes. */
static int sample_memory(struct cr_cgroup *cg)
{
        uint64_t cur;
        int r = cr_cgroup_read_u64_at(cg->fds[0], "memory.current", &cur);

        if (r < 0)
                return r;
        cg->memory_seen_max = MAX(cg->memory_seen_max, cur);
        return 0;
}

static int v2_cpu(struct cr_cgroup *cg, uint64_t *ret_ns)
{
        uint64_t usec;
        int r;

        if (cg->no_memory_peak)
                (void)sample_memory(cg);
        r = cr_cgroup_read_keyed_at(cg->fds[0], "cpu.stat", "usage_usec", &usec);
        if (r < 0)
                return r;
        *ret_ns = usec * 1000;
        return 0;
}

static int v2_memory_stats(struct cr_cgroup *cg, struct cr_cgroup_stats *s, struct cr_error **err)
{
        int fd = cg->fds[0], r;
        uint64_t max_events = 0;

        if (cg->no_memory_peak) {
                r = sample_memory(cg);
                s->memory_peak_bytes = cg->memory_seen_max;
        } else
                r = cr_cgroup_read_u64_at(fd, "memory.peak", &s->memory_peak_bytes);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read memory peak");
        r = cr_cgroup_read_keyed_at(fd, "memory.events", "oom_kill", &s->oom_kills);
        if (r >= 0 || r == -ENOENT)
                r = cr_cgroup_read_keyed_at(fd, "memory.events", "max", &max_events);
        if (r < 0 && r != -ENOENT)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read memory.events");
        s->memory_limit_hit = max_events > 0 || s->oom_kills > 0;
        return 0;
}

static int v2_stats(struct cr_cgroup *cg, struct cr_cgroup_stats *s, struct cr_error **err)
{
        uint64_t usec;
        int r;

        r = cr_cgroup_read_keyed_at(cg->fds[0], "cpu.stat", "usage_usec", &usec);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read cpu.stat");
        s->cpu_usage_ns = usec * 1000;
        if (cg->manager->controllers & CR_CGROUP_MEMORY)
                return v2_memory_stats(cg, s, err);
        return 0;
}

/* FIXME: remove freeze() and its caller once Linux 5.14 (cgroup.kill) is the
 * baseline. Waits for "frozen 1" in cgroup.events: then nothing forks. */
static int freeze(int fd)
{
        uint64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;
        unsigned delay = 20;
        uint64_t frozen = 0;
        int r;

        r = write_file_at(fd, "cgroup.freeze", "1");
        if (r < 0)
                return r;
        for (;;) {
                r = cr_cgroup_read_keyed_at(fd, "cgroup.events", "frozen", &frozen);
                if (r < 0 || frozen == 1)
                        return r;
                if (now_ms() >= deadline)
                        return -ETIMEDOUT;
                cr_cgroup_backoff(&delay, 1000);
        }
}

static int v2_kill(struct cr_cgroup *cg, struct cr_error **err)
{
        int fd = cg->fds[0], r;
        bool frozen;

        r = write_file_at(fd, "cgroup.kill", "1");
        if (r != -ENOENT) {
                if (r < 0)
                        return cr_error_set(err, r, CR_ERROR_INTERNAL, "write cgroup.kill");
                return 0;
        }
        /* Unlike v1, v2 delivers SIGKILL to frozen tasks. */
        frozen = freeze(fd) >= 0;
        r = frozen ? cr_cgroup_kill_listed(fd) : -ETIMEDOUT;
        (void)write_file_at(fd, "cgroup.freeze", "0");
        if (!frozen || r < 0)
                r = cr_cgroup_kill_until_empty(fd, CGROUP_KILL_TIMEOUT_MS);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "kill tasks of cgroup '%s'", cg->name);
        return 0;
}

const struct cgroup_ops cr_cgroup_v2_ops = {
        .name = "v2",
        .init = v2_init,
        .create = v2_create,
        .set_limits = v2_set_limits,
        .attach = v2_attach,
        .stats = v2_stats,
        .cpu = v2_cpu,
        .kill = v2_kill,
        .destroy = cr_cgroup_leaves_remove,
};
