/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "log.h"
#include "missing.h"
#include "parse-util.h"
#include "proc-util.h"
#include "xalloc.h"

#define DEFAULT_ROOT "/sys/fs/cgroup"
/* rmdir of a leaf whose last task was just killed returns EBUSY until the
 * kernel has finished the exits; a second is far more than that takes. */
#define REMOVE_TIMEOUT_MS 1000
/* pidfds held at once while killing (bounded well below RLIMIT_NOFILE). */
#define KILL_BATCH 64

static const char *const mode_names[_CR_CGROUP_MODE_MAX] = {
        [CR_CGROUP_MODE_AUTO] = "auto",
        [CR_CGROUP_MODE_V1] = "v1",
        [CR_CGROUP_MODE_V2] = "v2",
};

/* Indexed by bit number; these are also the kernel's controller names. */
static const char *const controller_names[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};

const char *cr_cgroup_mode_to_string(enum cr_cgroup_mode mode)
{
        if (mode < 0 || mode >= _CR_CGROUP_MODE_MAX)
                return NULL;
        return mode_names[mode];
}

const char *cr_cgroup_controller_to_string(unsigned controller_bit)
{
        for (size_t i = 0; i < ARRAY_SIZE(controller_names); i++)
                if (controller_bit == 1U << i)
                        return controller_names[i];
        return NULL;
}

/* ---- pure parsers ---- */

bool cr_cgroup_path_is_valid(const char *path)
{
        const char *p = path;

        if (!path || strlen(path) >= PATH_MAX || path[0] == '/')
                return false;
        while (*p) {
                size_t n = strcspn(p, "/");

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += n;
                if (*p == '/' && *++p == 0)
                        return false; /* trailing slash */
        }
        return true;
}

bool cr_cgroup_name_is_valid(const char *name)
{
        size_t n = name ? strlen(name) : 0;

        /* Names come from job ids. A strict alphabet keeps a name one path
         * component, and safe to quote in errors that reach the log. */
        if (n == 0 || n > NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@:") == n;
}

static int parse_u64_span(const char *s, size_t n, uint64_t *ret)
{
        char buf[32];

        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (strcmp(buf, "max") == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        return safe_atou64(buf, ret);
}

static bool list_contains(const char *list, size_t len, const char *word)
{
        size_t wlen = strlen(word);

        for (const char *p = list, *end = list + len; p < end;) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);

                if (n == wlen && memcmp(p, word, n) == 0)
                        return true;
                p += n + 1;
        }
        return false;
}

/* One line "id:list:/path" of length len: -ENOENT if it is not the one asked
 * for (or not of that shape), 0 and the fields if it is. */
static int proc_self_line(const char *line, size_t len, const char *controller, uint32_t *ret_id,
                          char **ret_list, char **ret_path)
{
        const char *c1 = memchr(line, ':', len), *c2, *path;
        size_t list_len, path_len;
        uint32_t id;
        char idbuf[16];

        if (!c1 || c1 == line || (size_t)(c1 - line) >= sizeof(idbuf))
                return -ENOENT;
        c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
        if (!c2)
                return -ENOENT;
        memcpy(idbuf, line, (size_t)(c1 - line));
        idbuf[c1 - line] = 0;
        if (safe_atou32(idbuf, &id) < 0)
                return -ENOENT;
        list_len = (size_t)(c2 - c1 - 1);
        if (controller ? !list_contains(c1 + 1, list_len, controller) : (id != 0 || list_len != 0))
                return -ENOENT;

        path = c2 + 1;
        path_len = len - (size_t)(path - line);
        if (path_len == 0 || path[0] != '/' || path_len >= PATH_MAX)
                return -EINVAL;
        _cleanup_free_ char *rel = xstrndup(path + 1, path_len - 1);
        if (!cr_cgroup_path_is_valid(rel))
                return -EINVAL;
        *ret_id = id;
        if (ret_list)
                *ret_list = xstrndup(c1 + 1, list_len);
        *ret_path = TAKE_PTR(rel);
        return 0;
}

int cr_cgroup_parse_proc_self(const char *content, const char *controller, uint32_t *ret_id, char **ret_list,
                              char **ret_path)
{
        const char *line = content;

        if (!content || (controller && !controller[0]))
                return -EINVAL;
        while (*line) {
                const char *eol = strchrnul(line, '\n');
                int r = proc_self_line(line, (size_t)(eol - line), controller, ret_id, ret_list, ret_path);

                if (r != -ENOENT)
                        return r;
                line = *eol ? eol + 1 : eol;
        }
        return -ENOENT;
}

int cr_cgroup_parse_keyed(const char *content, const char *key, uint64_t *ret)
{
        size_t klen = key ? strlen(key) : 0;

        if (!content || klen == 0)
                return -EINVAL;
        for (const char *line = content; *line;) {
                const char *eol = strchrnul(line, '\n');
                size_t n = (size_t)(eol - line);

                if (n > klen && memcmp(line, key, klen) == 0 && line[klen] == ' ')
                        return parse_u64_span(line + klen + 1, n - klen - 1, ret);
                line = *eol ? eol + 1 : eol;
        }
        return -ENOENT;
}

int cr_cgroup_parse_u64(const char *content, uint64_t *ret)
{
        size_t n = content ? strlen(content) : 0;

        if (n > 0 && content[n - 1] == '\n')
                n--;
        return parse_u64_span(content, n, ret);
}

unsigned cr_cgroup_parse_controllers(const char *content)
{
        static const unsigned v2_bits[] = {CR_CGROUP_MEMORY, CR_CGROUP_PIDS, CR_CGROUP_CPU};
        unsigned mask = 0;

        for (const char *p = content; p && *p;) {
                size_t n = strcspn(p, " \t\n");

                for (size_t i = 0; n > 0 && i < ARRAY_SIZE(v2_bits); i++) {
                        const char *name = cr_cgroup_controller_to_string(v2_bits[i]);

                        if (strlen(name) == n && memcmp(p, name, n) == 0)
                                mask |= v2_bits[i];
                }
                p += n;
                p += strspn(p, " \t\n");
        }
        return mask;
}

int cr_cgroup_parse_pids(const char *content, bool truncated, pid_t *pids, size_t max, size_t *ret_n)
{
        size_t n = 0;

        if (!content)
                return -EINVAL;
        for (const char *line = content; *line && n < max;) {
                const char *eol = strchrnul(line, '\n');
                uint64_t v;
                int r;

                if (!*eol && truncated)
                        break; /* the read cut this line short */
                if (eol > line) {
                        r = parse_u64_span(line, (size_t)(eol - line), &v);
                        if (r < 0 || v == 0 || v > INT_MAX)
                                return -EINVAL;
                        pids[n++] = (pid_t)v;
                }
                line = *eol ? eol + 1 : eol;
        }
        *ret_n = n;
        return 0;
}

/* ---- I/O helpers ---- */

int cr_cgroup_open_path(int dirfd, const char *path)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (!cr_cgroup_path_is_valid(path))
                return -EINVAL;
        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        copy = xstrdup(path);
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (next < 0)
                        return -errno;
                safe_close(fd);
                fd = next;
        }
        return TAKE_FD(fd);
}

int cr_cgroup_read_u64_at(int dirfd, const char *file, uint64_t *ret)
{
        char buf[64];
        ssize_t n = read_file_at(dirfd, file, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return cr_cgroup_parse_u64(buf, ret);
}

int cr_cgroup_read_keyed_at(int dirfd, const char *file, const char *key, uint64_t *ret)
{
        char buf[CGROUP_FILE_MAX];
        ssize_t n = read_file_at(dirfd, file, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return cr_cgroup_parse_keyed(buf, key, ret);
}

bool cr_cgroup_file_exists(int dirfd, const char *file)
{
        return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void cr_cgroup_backoff(unsigned *delay_us, unsigned max_us)
{
        struct timespec ts = {.tv_sec = *delay_us / 1000000, .tv_nsec = (long)(*delay_us % 1000000) * 1000};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        *delay_us = MIN(*delay_us * 2, max_us);
}

/* Reads cgroup.procs into buf; *ret_truncated when it did not fit. */
static int read_procs(int leaf_fd, char *buf, bool *ret_truncated)
{
        ssize_t n = read_file_at(leaf_fd, "cgroup.procs", buf, CGROUP_PROCS_READ_MAX);

        if (n < 0)
                return (int)n;
        *ret_truncated = n == CGROUP_PROCS_READ_MAX - 1;
        return 0;
}

/* A read cut short ends in a partial line ("123" of "12345"): not a match. */
static bool procs_contain(const char *procs, bool truncated, pid_t pid)
{
        for (const char *line = procs; *line;) {
                const char *eol = strchrnul(line, '\n');
                uint64_t v;

                if (!*eol && truncated)
                        break;
                if (parse_u64_span(line, (size_t)(eol - line), &v) >= 0 && v == (uint64_t)pid)
                        return true;
                line = *eol ? eol + 1 : eol;
        }
        return false;
}

static int kill_one(int pidfd, pid_t pid)
{
        if (pidfd >= 0)
                return cr_pidfd_send_signal(pidfd, SIGKILL);
        if (pidfd == -ENOSYS) /* FIXME: remove once Linux 5.3 (pidfd_open) is the baseline. */
                return kill(pid, SIGKILL) < 0 ? -errno : 0;
        return pidfd; /* -ESRCH: already gone */
}

/* Signals pids[0..n) that are still members once a pidfd pins each: a pid
 * that exited and was recycled outside the cgroup is not listed on the
 * second read (and one recycled inside it dies on the next pass). buf is
 * scratch space of CGROUP_PROCS_READ_MAX bytes. */
static int kill_batch(int leaf_fd, const pid_t *pids, size_t n, char *buf)
{
        int pidfds[KILL_BATCH];
        bool truncated = false;
        int r;

        for (size_t i = 0; i < n; i++)
                pidfds[i] = cr_pidfd_open(pids[i]);
        r = read_procs(leaf_fd, buf, &truncated);
        for (size_t i = 0; i < n; i++) {
                /* Not found beyond a truncated read: left to the next pass. */
                if (r >= 0 && procs_contain(buf, truncated, pids[i])) {
                        int k = kill_one(pidfds[i], pids[i]);

                        if (k < 0 && k != -ESRCH && r >= 0)
                                r = k;
                }
                safe_close(pidfds[i]);
        }
        return r;
}

int cr_cgroup_kill_listed(int leaf_fd)
{
        _cleanup_free_ char *buf = xmalloc(CGROUP_PROCS_READ_MAX);
        _cleanup_free_ pid_t *pids = NULL;
        size_t max = 0, n = 0;
        bool truncated = false;
        int r;

        r = read_procs(leaf_fd, buf, &truncated);
        if (r < 0)
                return r;
        for (const char *p = buf; *p; p++)
                max += *p == '\n' || p[1] == 0;
        if (max == 0)
                return 0;
        pids = xmalloc(max * sizeof(pid_t));
        r = cr_cgroup_parse_pids(buf, truncated, pids, max, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i += KILL_BATCH) {
                r = kill_batch(leaf_fd, pids + i, MIN(n - i, (size_t)KILL_BATCH), buf);
                if (r < 0)
                        return r;
        }
        return (int)n;
}

bool cr_cgroup_leaf_is_empty(int leaf_fd)
{
        char c[2];

        return read_file_at(leaf_fd, "cgroup.procs", c, sizeof(c)) == 0;
}

int cr_cgroup_kill_until_empty(int leaf_fd, unsigned timeout_ms)
{
        uint64_t deadline = now_ms() + timeout_ms;
        unsigned delay = 100;

        for (;;) {
                int r = cr_cgroup_kill_listed(leaf_fd);

                if (r <= 0)
                        return r;
                if (now_ms() >= deadline)
                        return -ETIMEDOUT;
                cr_cgroup_backoff(&delay, 10000);
        }
}

/* ---- leaves ---- */

static int leaf_make(struct cr_cgroup *cg, size_t i)
{
        struct cr_cgroup_manager *m = cg->manager;
        int fd, r;

        if (mkdirat(m->hier[i].own_fd, cg->name, 0755) < 0)
                return -errno;
        fd = openat(m->hier[i].own_fd, cg->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                (void)unlinkat(m->hier[i].own_fd, cg->name, AT_REMOVEDIR);
                return r;
        }
        cg->fds[i] = fd;
        if (m->hooks.leaf_created) {
                r = m->hooks.leaf_created(fd, m->hier[i].controllers, m->hooks.userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cr_cgroup_leaves_create(struct cr_cgroup *cg, struct cr_error **err)
{
        struct cr_cgroup_manager *m = cg->manager;

        for (size_t i = 0; i < m->n_hier; i++) {
                int r = leaf_make(cg, i);

                if (r < 0) {
                        (void)cr_cgroup_leaves_remove(cg, NULL);
                        /* a name clash (EEXIST) is our bookkeeping's fault, never the request's */
                        return cr_error_set(err, r, CR_ERROR_INTERNAL,
                                            "mkdir '%s' below '/%s'", cg->name, m->hier[i].own_path);
                }
        }
        return 0;
}

static int rmdir_retry(int dirfd, const char *name, uint64_t deadline_ms)
{
        unsigned delay = 100;

        for (;;) {
                if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || now_ms() >= deadline_ms)
                        return -errno;
                cr_cgroup_backoff(&delay, 10000);
        }
}

int cr_cgroup_leaves_remove(struct cr_cgroup *cg, struct cr_error **err)
{
        struct cr_cgroup_manager *m = cg->manager;
        uint64_t deadline = now_ms() + REMOVE_TIMEOUT_MS;
        int ret = 0;

        for (size_t i = 0; i < m->n_hier; i++) {
                int r;

                if (cg->fds[i] < 0)
                        continue;
                if (m->hooks.leaf_removing)
                        m->hooks.leaf_removing(cg->fds[i], m->hooks.userdata);
                cg->fds[i] = safe_close(cg->fds[i]);
                r = rmdir_retry(m->hier[i].own_fd, cg->name, deadline);
                if (r < 0 && ret == 0)
                        ret = cr_error_set(err, r, CR_ERROR_INTERNAL, "rmdir cgroup '%s' below '/%s'",
                                           cg->name, m->hier[i].own_path);
        }
        return ret;
}

int cr_cgroup_leaf_fd(const struct cr_cgroup *cg, unsigned controller)
{
        for (size_t i = 0; i < cg->manager->n_hier; i++)
                if ((cg->manager->hier[i].controllers & controller) && cg->fds[i] >= 0)
                        return cg->fds[i];
        return -EBADF;
}

int cr_cgroup_write_at(const struct cr_cgroup *cg, int fd, const char *file, const char *value,
                       struct cr_error **err)
{
        int r = write_file_at(fd, file, value);

        if (r < 0)
                return cr_error_set(err, r, r == -EINVAL ? CR_ERROR_INVALID : CR_ERROR_INTERNAL,
                                    "write '%s' to %s of cgroup '%s'", value, file, cg->name);
        return 0;
}

int cr_cgroup_write_u64(const struct cr_cgroup *cg, int fd, const char *file, uint64_t v,
                        struct cr_error **err)
{
        char buf[32];

        if (v == UINT64_MAX)
                return cr_cgroup_write_at(cg, fd, file, "max", err);
        (void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return cr_cgroup_write_at(cg, fd, file, buf, err);
}

/* ---- manager ---- */

static int detect_mode(int root_fd, enum cr_cgroup_mode *ret)
{
        struct statfs fs;

        if (fstatfs(root_fd, &fs) < 0)
                return -errno;
        /* tmpfs is legacy or hybrid (a cgroup2 at /unified with no
         * controllers): both are v1 for resource control. */
        *ret = fs.f_type == CGROUP2_SUPER_MAGIC ? CR_CGROUP_MODE_V2 : CR_CGROUP_MODE_V1;
        return 0;
}

static void manager_freep(struct cr_cgroup_manager **m)
{
        *m = cr_cgroup_manager_free(*m);
}

static struct cr_cgroup_manager *manager_alloc(enum cr_cgroup_mode mode)
{
        struct cr_cgroup_manager *m = xzalloc(sizeof(*m));

        m->mode = mode;
        m->verify_fs = mode == CR_CGROUP_MODE_AUTO;
        m->root_fd = -EBADF;
        for (size_t i = 0; i < CGROUP_HIERARCHY_MAX; i++)
                m->hier[i].own_fd = -EBADF;
        return m;
}

int cr_cgroup_manager_new(const struct cr_cgroup_options *opts, struct cr_cgroup_manager **ret,
                          struct cr_error **err)
{
        static const struct cr_cgroup_options defaults = {.mode = CR_CGROUP_MODE_AUTO};
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_free_ char *proc_buf = NULL;
        const char *root, *proc_self;
        int r;

        opts = opts ? opts : &defaults;
        if (opts->mode < 0 || opts->mode >= _CR_CGROUP_MODE_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid cgroup mode %d",
                                    (int)opts->mode);
        root = opts->root ? opts->root : DEFAULT_ROOT;
        m = manager_alloc(opts->mode);
        m->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->root_fd < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "open cgroup root '%s'", root);
        if (m->mode == CR_CGROUP_MODE_AUTO) {
                r = detect_mode(m->root_fd, &m->mode);
                if (r < 0)
                        return cr_error_set(err, r, CR_ERROR_UNAVAILABLE, "statfs cgroup root '%s'", root);
        }
        proc_self = opts->proc_self_cgroup;
        if (!proc_self) {
                ssize_t n;

                proc_buf = xmalloc(CGROUP_PROC_SELF_MAX);
                n = read_file_at(AT_FDCWD, "/proc/self/cgroup", proc_buf, CGROUP_PROC_SELF_MAX);
                if (n < 0)
                        return cr_error_set(err, (int)n, CR_ERROR_UNAVAILABLE, "read /proc/self/cgroup");
                proc_self = proc_buf;
        }
        m->ops = m->mode == CR_CGROUP_MODE_V2 ? &cr_cgroup_v2_ops : &cr_cgroup_v1_ops;
        r = m->ops->init(m, opts, proc_self, err);
        if (r < 0)
                return cr_error_wrap(err, "cgroup %s at '%s'", m->ops->name, root);
        log_debug("cgroup %s at '%s': controllers 0x%x", m->ops->name, root, m->controllers);
        *ret = TAKE_PTR(m);
        return 0;
}

struct cr_cgroup_manager *cr_cgroup_manager_free(struct cr_cgroup_manager *m)
{
        if (!m)
                return NULL;
        for (size_t i = 0; i < CGROUP_HIERARCHY_MAX; i++) {
                safe_close(m->hier[i].own_fd);
                free(m->hier[i].own_path);
        }
        safe_close(m->root_fd);
        free(m);
        return NULL;
}

enum cr_cgroup_mode cr_cgroup_manager_mode(const struct cr_cgroup_manager *m)
{
        return m->mode;
}

unsigned cr_cgroup_manager_controllers(const struct cr_cgroup_manager *m)
{
        return m->controllers;
}

bool cr_cgroup_manager_has_file(const struct cr_cgroup_manager *m, unsigned controller, const char *file)
{
        for (size_t i = 0; i < m->n_hier; i++)
                if ((m->hier[i].controllers & controller) && m->hier[i].own_fd >= 0)
                        return cr_cgroup_file_exists(m->hier[i].own_fd, file);
        return false;
}

void cr_cgroup_manager_set_test_hooks(struct cr_cgroup_manager *m, const struct cgroup_test_hooks *hooks)
{
        m->hooks = *hooks;
}

/* ---- leaf API ---- */

static struct cr_cgroup *cgroup_free(struct cr_cgroup *cg)
{
        if (!cg)
                return NULL;
        for (size_t i = 0; i < CGROUP_HIERARCHY_MAX; i++)
                safe_close(cg->fds[i]);
        free(cg->name);
        free(cg);
        return NULL;
}

static void cgroup_freep(struct cr_cgroup **cg)
{
        *cg = cgroup_free(*cg);
}

int cr_cgroup_create(struct cr_cgroup_manager *m, const char *name, const struct cr_cgroup_limits *limits,
                     struct cr_cgroup **ret, struct cr_error **err)
{
        static const struct cr_cgroup_limits none = {0};
        _cleanup_(cgroup_freep) struct cr_cgroup *cg = NULL;
        int r;

        if (!cr_cgroup_name_is_valid(name))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid cgroup name");
        cg = xzalloc(sizeof(*cg));
        cg->manager = m;
        cg->name = xstrdup(name);
        for (size_t i = 0; i < CGROUP_HIERARCHY_MAX; i++)
                cg->fds[i] = -EBADF;

        r = m->ops->create(cg, err);
        if (r < 0)
                return cr_error_wrap(err, "create cgroup '%s'", name);
        r = m->ops->set_limits(cg, limits ? limits : &none, err);
        if (r < 0) {
                (void)m->ops->destroy(cg, NULL);
                return cr_error_wrap(err, "set limits of cgroup '%s'", name);
        }
        *ret = TAKE_PTR(cg);
        return 0;
}

void cr_cgroup_forget(struct cr_cgroup *cg)
{
        cgroup_free(cg);
}

int cr_cgroup_open(struct cr_cgroup_manager *m, const char *name, struct cr_cgroup **ret, struct cr_error **err)
{
        _cleanup_(cgroup_freep) struct cr_cgroup *cg = NULL;
        bool found = false;

        if (!cr_cgroup_name_is_valid(name))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid cgroup name");
        cg = xzalloc(sizeof(*cg));
        cg->manager = m;
        cg->name = xstrdup(name);
        for (size_t i = 0; i < CGROUP_HIERARCHY_MAX; i++)
                cg->fds[i] = -EBADF;
        /* A leaf that lost some of its directories (a removal cut short)
         * is opened in the hierarchies that still have it. */
        for (size_t i = 0; i < m->n_hier; i++) {
                cg->fds[i] = openat(m->hier[i].own_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cg->fds[i] < 0 && errno != ENOENT)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open cgroup '%s' below '/%s'", name,
                                            m->hier[i].own_path);
                found = found || cg->fds[i] >= 0;
        }
        if (!found)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "no cgroup '%s'", name);
        *ret = TAKE_PTR(cg);
        return 0;
}

/* getdents64 on the directory itself: readdir's fdopendir() adds an
 * fstat and two fcntls per hierarchy, on every `coderunner run`. fn may
 * remove the leaf it is given (kernfs allows it while listing). */
static int list_hierarchy(int own_fd, int (*fn)(const char *name, void *userdata), void *userdata)
{
        _cleanup_close_ int fd = openat(own_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char buf[8192] __attribute__((aligned(8)));
        ssize_t n;

        if (fd < 0)
                return -errno;
        while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (buf + off);
                        int r = 0;

                        if (de->d_type == DT_DIR && cr_cgroup_name_is_valid(de->d_name) && de->d_name[0] != '.')
                                r = fn(de->d_name, userdata);
                        if (r < 0)
                                return r;
                        off += de->d_reclen;
                }
        return n < 0 ? -errno : 0;
}

int cr_cgroup_list(struct cr_cgroup_manager *m, int (*fn)(const char *name, void *userdata), void *userdata,
                   struct cr_error **err)
{
        for (size_t i = 0; i < m->n_hier; i++) {
                int r = list_hierarchy(m->hier[i].own_fd, fn, userdata);

                if (r < 0)
                        return cr_error_set(err, r, CR_ERROR_INTERNAL, "list cgroups below '/%s'",
                                            m->hier[i].own_path);
        }
        return 0;
}

int cr_cgroup_dirfd(const struct cr_cgroup *cg)
{
        return cg->manager->mode == CR_CGROUP_MODE_V2 ? cg->fds[0] : -1;
}

int cr_cgroup_attach(struct cr_cgroup *cg, pid_t pid, struct cr_error **err)
{
        if (pid <= 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "attach pid %d", (int)pid);
        return cg->manager->ops->attach(cg, pid, err);
}

int cr_cgroup_open_entry(struct cr_cgroup *cg, int fds[CR_CGROUP_ENTRY_MAX], struct cr_error **err)
{
        _Static_assert(CR_CGROUP_ENTRY_MAX >= CGROUP_HIERARCHY_MAX, "an entry fd per hierarchy");
        if (!cg->manager->ops->open_entry)
                return 0;
        return cg->manager->ops->open_entry(cg, fds, err);
}

int cr_cgroup_enter_self(const int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (write(fds[i], "0", 1) != 1)
                        return -errno;
        return 0;
}

int cr_cgroup_read_stats(struct cr_cgroup *cg, struct cr_cgroup_stats *ret, struct cr_error **err)
{
        struct cr_cgroup_stats s = {0};
        int r = cg->manager->ops->stats(cg, &s, err);

        if (r < 0)
                return cr_error_wrap(err, "read stats of cgroup '%s'", cg->name);
        *ret = s;
        return 0;
}

int cr_cgroup_read_cpu_ns(struct cr_cgroup *cg, uint64_t *ret_ns)
{
        return cg->manager->ops->cpu(cg, ret_ns);
}

int cr_cgroup_kill(struct cr_cgroup *cg, struct cr_error **err)
{
        int r = cg->manager->ops->kill(cg, err);

        if (r < 0)
                return cr_error_wrap(err, "kill cgroup '%s'", cg->name);
        return 0;
}

/* rmdir of each leaf, which the kernel refuses (EBUSY) while a task is in
 * it: true if every one is gone. The usual case, a leaf whose sandbox's
 * pid namespace has emptied, needs no kill (on v1 a read of cgroup.procs
 * per hierarchy and the freezer's state, on v2 a write of cgroup.kill). */
static bool leaves_remove_if_empty(struct cr_cgroup *cg)
{
        struct cr_cgroup_manager *m = cg->manager;

        if (m->hooks.leaf_removing)
                return false; /* a fake tree's files go first: the full path */
        for (size_t i = 0; i < m->n_hier; i++) {
                if (cg->fds[i] < 0)
                        continue;
                if (unlinkat(m->hier[i].own_fd, cg->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        return false;
                cg->fds[i] = safe_close(cg->fds[i]);
        }
        return true;
}

int cr_cgroup_destroy(struct cr_cgroup *cg, struct cr_error **err)
{
        _cleanup_error_ struct cr_error *kill_err = NULL;
        int k, r;

        if (!cg)
                return 0;
        if (leaves_remove_if_empty(cg)) {
                cgroup_free(cg);
                return 0;
        }
        k = cg->manager->ops->kill(cg, &kill_err);
        r = cg->manager->ops->destroy(cg, err);
        /* A kill error does not matter once every directory is gone: an
         * empty cgroup is the only kind rmdir removes. */
        if (r < 0 && k < 0)
                (void)cr_error_wrap(err, "destroy cgroup '%s' (kill: %s)", cg->name, kill_err->msg);
        else if (r < 0)
                (void)cr_error_wrap(err, "destroy cgroup '%s'", cg->name);
        cgroup_free(cg);
        return MIN(r, 0);
}
