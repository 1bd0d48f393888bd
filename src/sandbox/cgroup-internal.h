/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between cgroup.c (public API, mode detection, parsers, helpers) and
 * the two implementations cgroup-v1.c and cgroup-v2.c, which are the only
 * files that know v1/v2 control file names. Unit tests and the fuzzer include
 * this header for the pure parsers and the test hooks; nothing else does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

struct cr_error;

/* v1: memory, pids, cpu, cpuacct and freezer, each on its own hierarchy at
 * worst. v2: exactly one. */
#define CGROUP_HIERARCHY_MAX 5

/* Bounds for the files we read: control files are tiny; cgroup.procs is read
 * in passes of at most this many bytes (the kill loop re-reads until empty). */
#define CGROUP_FILE_MAX       4096
#define CGROUP_PROCS_READ_MAX (64 * 1024)
#define CGROUP_PROC_SELF_MAX  (64 * 1024)
/* Bound on a kill loop without a freezer (the tasks exit within ms). */
#define CGROUP_KILL_TIMEOUT_MS 1000

/* One mounted hierarchy we create leaves in (v2: the unified tree). */
struct cgroup_hierarchy {
        unsigned controllers; /* CR_CGROUP_* bits this hierarchy serves */
        int own_fd;           /* our own cgroup in it: the parent of every leaf */
        char *own_path;       /* owned; relative to the mount, "" for its root (diagnostics) */
};

/* Test seam: fake trees in a tmpdir have no kernel to populate new
 * directories with control files, nor to remove them on rmdir. Unit tests set
 * these; production leaves them NULL. */
struct cgroup_test_hooks {
        int (*leaf_created)(int leaf_fd, unsigned controllers, void *userdata);
        void (*leaf_removing)(int leaf_fd, void *userdata);
        void *userdata; /* not owned */
};

struct cr_cgroup_manager {
        enum cr_cgroup_mode mode;
        const struct cgroup_ops *ops; /* not owned: static table */
        unsigned controllers;         /* usable CR_CGROUP_* bits */
        bool verify_fs;               /* statfs-check v1 mounts (off for forced-mode fake trees) */
        int root_fd;
        struct cgroup_hierarchy hier[CGROUP_HIERARCHY_MAX];
        size_t n_hier;
        struct cgroup_test_hooks hooks;
};

struct cr_cgroup {
        struct cr_cgroup_manager *manager; /* not owned: must outlive every leaf */
        char *name;
        int fds[CGROUP_HIERARCHY_MAX]; /* leaf in manager->hier[i]; -EBADF if not created */
        uint64_t memory_seen_max;      /* v2 without memory.peak: highest memory.current read */
        bool no_memory_peak;           /* v2: memory.peak is absent (kernel < 5.19) */
};

/* The per-mode implementation, chosen once in cr_cgroup_manager_new(). Each
 * operation returns < 0 and sets *err on failure, except cpu which is a
 * cheap poll returning -errno. */
struct cgroup_ops {
        const char *name;
        /* Finds our own cgroup(s), fills m->hier[] and m->controllers. */
        int (*init)(struct cr_cgroup_manager *m, const struct cr_cgroup_options *opts, const char *proc_self,
                    struct cr_error **err);
        /* Makes cg's directories (cg->name is validated); rolls back on failure. */
        int (*create)(struct cr_cgroup *cg, struct cr_error **err);
        int (*set_limits)(struct cr_cgroup *cg, const struct cr_cgroup_limits *limits,
                          struct cr_error **err);
        int (*attach)(struct cr_cgroup *cg, pid_t pid, struct cr_error **err);
        /* v1: opens the leaf's per-thread entry files (NULL on v2, which
         * clones into the leaf). */
        int (*open_entry)(struct cr_cgroup *cg, int *fds, struct cr_error **err);
        int (*stats)(struct cr_cgroup *cg, struct cr_cgroup_stats *ret, struct cr_error **err);
        int (*cpu)(struct cr_cgroup *cg, uint64_t *ret_ns);
        int (*kill)(struct cr_cgroup *cg, struct cr_error **err);
        /* Removes cg's directories (after kill); does not free cg. */
        int (*destroy)(struct cr_cgroup *cg, struct cr_error **err);
};

extern const struct cgroup_ops cr_cgroup_v1_ops;
extern const struct cgroup_ops cr_cgroup_v2_ops;

/* ---- pure parsers (no I/O; unit-tested and fuzzed) ---- */

/* Finds the /proc/self/cgroup line ("id:controller,list:/path") whose list
 * contains `controller`, or the v2 line ("0::/path") when controller is NULL.
 * On success *ret_id is the hierarchy id, *ret_path the path made relative
 * ("" for the root) and, if ret_list is non-NULL, *ret_list a copy of the
 * controller list. -ENOENT if there is no such line, -EINVAL if the line or
 * its path is malformed (".." components: outside our cgroup namespace). */
int cr_cgroup_parse_proc_self(const char *content, const char *controller, uint32_t *ret_id, char **ret_list,
                              char **ret_path);
/* Flat-keyed files ("key value" lines: memory.events, cpu.stat,
 * memory.oom_control): the value of `key`. -ENOENT if absent, -EINVAL or
 * -ERANGE if its value is malformed; other lines are not interpreted. */
int cr_cgroup_parse_keyed(const char *content, const char *key, uint64_t *ret);
/* Single-value files: a number with an optional trailing newline, or "max"
 * (UINT64_MAX). */
int cr_cgroup_parse_u64(const char *content, uint64_t *ret);
/* Space-separated controller names (cgroup.controllers, subtree_control) →
 * CR_CGROUP_MEMORY | PIDS | CPU bits; unknown names are ignored. */
unsigned cr_cgroup_parse_controllers(const char *content);
/* cgroup.procs: one pid per line. Stores at most max pids; a trailing partial
 * line (no newline) is ignored when `truncated`. -EINVAL on a malformed line. */
int cr_cgroup_parse_pids(const char *content, bool truncated, pid_t *pids, size_t max, size_t *ret_n);
/* A relative cgroup path: components not empty, ".", "..", no leading '/'. */
bool cr_cgroup_path_is_valid(const char *path);
/* A leaf name: one path component, printable, at most NAME_MAX bytes. */
bool cr_cgroup_name_is_valid(const char *name);

/* ---- I/O helpers (return >= 0 or -errno) ---- */

/* Opens `path` beneath dirfd one component at a time with
 * O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC; "" reopens dirfd itself. */
int cr_cgroup_open_path(int dirfd, const char *path);
int cr_cgroup_read_u64_at(int dirfd, const char *file, uint64_t *ret);
int cr_cgroup_read_keyed_at(int dirfd, const char *file, const char *key, uint64_t *ret);
bool cr_cgroup_file_exists(int dirfd, const char *file);
/* SIGKILLs every process listed in leaf_fd's cgroup.procs once (pidfd-based,
 * so a recycled pid that left the cgroup is never signalled); returns the
 * number of processes listed. */
int cr_cgroup_kill_listed(int leaf_fd);
/* True if cgroup.procs reads empty (false if unreadable). Nothing but our
 * own attach can make an empty leaf populated again. */
bool cr_cgroup_leaf_is_empty(int leaf_fd);
/* Repeats cr_cgroup_kill_listed() until cgroup.procs is empty; -ETIMEDOUT
 * after timeout_ms. */
int cr_cgroup_kill_until_empty(int leaf_fd, unsigned timeout_ms);
/* Sleeps with exponential backoff: *delay_us doubles up to max_us. */
void cr_cgroup_backoff(unsigned *delay_us, unsigned max_us);

/* The leaf directory of cg in the hierarchy serving `controller`, or -EBADF
 * when that controller is unavailable. */
int cr_cgroup_leaf_fd(const struct cr_cgroup *cg, unsigned controller);
/* Write a control file of cg, with an error naming the file and value. The
 * u64 variant writes decimal, or "max" for UINT64_MAX. */
int cr_cgroup_write_at(const struct cr_cgroup *cg, int fd, const char *file, const char *value,
                       struct cr_error **err);
int cr_cgroup_write_u64(const struct cr_cgroup *cg, int fd, const char *file, uint64_t v,
                        struct cr_error **err);

/* Shared create/destroy for both modes: one leaf per hierarchy. */
int cr_cgroup_leaves_create(struct cr_cgroup *cg, struct cr_error **err);
int cr_cgroup_leaves_remove(struct cr_cgroup *cg, struct cr_error **err);

/* Installs the test hooks (unit tests only). */
void cr_cgroup_manager_set_test_hooks(struct cr_cgroup_manager *m, const struct cgroup_test_hooks *hooks);
