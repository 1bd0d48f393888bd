/* SPDX-License-Identifier: MIT */
#pragma once

/* cgroup resource control for sandboxes: one interface, two implementations
 * (cgroup-v1.c, cgroup-v2.c) behind struct cgroup_ops, mode detected once.
 *
 * Only ever creates cgroups beneath the process's own cgroup (per v1
 * hierarchy) or beneath a configured delegated root, and only ever removes
 * cgroups it created. The cgroupfs root and the content of /proc/self/cgroup
 * are parameters so unit tests can use fake trees in a tmpdir. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cr_error;

enum cr_cgroup_mode {
        CR_CGROUP_MODE_AUTO = 0, /* detect from statfs(root) */
        CR_CGROUP_MODE_V1,       /* legacy or hybrid hierarchy */
        CR_CGROUP_MODE_V2,       /* unified hierarchy */
        _CR_CGROUP_MODE_MAX,
        _CR_CGROUP_MODE_INVALID = -22,
};

/* Controllers the sandbox uses, as a bit mask. */
enum {
        CR_CGROUP_MEMORY = 1 << 0,
        CR_CGROUP_PIDS = 1 << 1,
        CR_CGROUP_CPU = 1 << 2,     /* cpu.max / cpu.cfs_quota_us: throttling */
        CR_CGROUP_CPUACCT = 1 << 3, /* CPU time accounting (v2: always with cpu.stat) */
        CR_CGROUP_FREEZER = 1 << 4, /* v1 freezer / v2 cgroup.freeze */
        CR_CGROUP_ALL = (1 << 5) - 1,
};

struct cr_cgroup_options {
        const char *root;               /* cgroupfs mount root, default "/sys/fs/cgroup" */
        enum cr_cgroup_mode mode;       /* AUTO in production; forced by unit tests */
        const char *proc_self_cgroup;   /* content of /proc/self/cgroup; NULL = read it */
        const char *delegated_path;     /* v2: use this path (relative to root) instead of our own cgroup */
        bool move_self_to_leaf;         /* v2: move this process into <own>/supervisor first (Delegate=yes) */
};

struct cr_cgroup_limits {
        uint64_t memory_bytes;          /* 0 = no limit */
        uint64_t pids;                  /* 0 = no limit */
        uint64_t cpu_quota_us;          /* 0 = no throttling; with cpu_period_us */
        uint64_t cpu_period_us;
};

struct cr_cgroup_stats {
        uint64_t cpu_usage_ns;
        uint64_t memory_peak_bytes;
        uint64_t oom_kills;             /* processes killed by the cgroup OOM killer */
        bool memory_limit_hit;          /* memory.events max / v1 failcnt > 0 */
};

struct cr_cgroup_manager;
struct cr_cgroup;

/* Detects the mode, finds our own cgroup(s) and the usable controllers. Does
 * not fail when controllers are missing: see cr_cgroup_manager_controllers(). */
int cr_cgroup_manager_new(const struct cr_cgroup_options *opts, struct cr_cgroup_manager **ret,
                          struct cr_error **err);
struct cr_cgroup_manager *cr_cgroup_manager_free(struct cr_cgroup_manager *m);
enum cr_cgroup_mode cr_cgroup_manager_mode(const struct cr_cgroup_manager *m);
/* Bit mask of CR_CGROUP_* controllers that are usable. */
unsigned cr_cgroup_manager_controllers(const struct cr_cgroup_manager *m);
/* Whether our own cgroup in the hierarchy serving `controller` (one CR_CGROUP_*
 * bit) has the control file `file`: a probe for kernel features such as
 * memory.peak or swap accounting. */
bool cr_cgroup_manager_has_file(const struct cr_cgroup_manager *m, unsigned controller, const char *file);
const char *cr_cgroup_mode_to_string(enum cr_cgroup_mode mode);
const char *cr_cgroup_controller_to_string(unsigned controller_bit);

/* Creates the leaf `name` (a single path component) and writes the limits
 * before any process enters it. Fails with EEXIST if it already exists. */
int cr_cgroup_create(struct cr_cgroup_manager *m, const char *name, const struct cr_cgroup_limits *limits,
                     struct cr_cgroup **ret, struct cr_error **err);
/* Opens the existing leaf `name` (made by an earlier process: what a killed
 * supervisor left behind), in every hierarchy that has it; -ENOENT if none
 * does. cr_cgroup_destroy() then kills what is in it and removes it. */
int cr_cgroup_open(struct cr_cgroup_manager *m, const char *name, struct cr_cgroup **ret, struct cr_error **err);
/* Calls fn with the name of each directory directly beneath our own
 * cgroup, hierarchy by hierarchy (a name present in several comes once per
 * hierarchy; fn may remove leaves). Stops at the first fn < 0. */
int cr_cgroup_list(struct cr_cgroup_manager *m, int (*fn)(const char *name, void *userdata), void *userdata,
                   struct cr_error **err);
/* v2: an O_DIRECTORY fd of the leaf for clone3(CLONE_INTO_CGROUP); -1 on v1. */
int cr_cgroup_dirfd(const struct cr_cgroup *cg);
/* Moves pid into the leaf (every v1 hierarchy; v2 cgroup.procs): for a
 * process made before its leaf. A sandbox's child is not moved this way
 * (v2 clones it into the leaf, on v1 it enters itself, below). */
int cr_cgroup_attach(struct cr_cgroup *cg, pid_t pid, struct cr_error **err);
/* At most this many fds from cr_cgroup_open_entry(). */
#define CR_CGROUP_ENTRY_MAX 5
/* v1: the leaf's "tasks" file in each hierarchy, opened for writing, for a
 * child that cannot be cloned into the leaf (v2 can: cr_cgroup_dirfd()) to
 * move itself in with cr_cgroup_enter_self(). Returns how many it opened
 * into fds[] (CR_CGROUP_ENTRY_MAX at most), 0 on v2. */
int cr_cgroup_open_entry(struct cr_cgroup *cg, int fds[CR_CGROUP_ENTRY_MAX], struct cr_error **err);
/* Child side, async-signal-safe: moves the calling thread, which must be
 * its process's only one, into the leaf through the fds of
 * cr_cgroup_open_entry(). A thread that moves itself takes none of the
 * global lock that cr_cgroup_attach() takes to move a whole process (on
 * v1 a wait for an RCU grace period, ~0.35 ms here). -errno. */
int cr_cgroup_enter_self(const int *fds, size_t n);
int cr_cgroup_read_stats(struct cr_cgroup *cg, struct cr_cgroup_stats *ret, struct cr_error **err);
/* CPU usage only: cheap enough to poll while supervising. */
int cr_cgroup_read_cpu_ns(struct cr_cgroup *cg, uint64_t *ret_ns);
/* SIGKILLs every process in the leaf (v2 cgroup.kill, else freeze + kill + thaw). */
int cr_cgroup_kill(struct cr_cgroup *cg, struct cr_error **err);
/* Removes the leaf, first killing what is left in it if it is not empty
 * (then retrying while it drains), frees cg.
 * Safe on NULL. */
int cr_cgroup_destroy(struct cr_cgroup *cg, struct cr_error **err);
/* Frees cg without touching the leaf: for a copy inherited across fork(),
 * whose leaf belongs to the parent. Safe on NULL. */
void cr_cgroup_forget(struct cr_cgroup *cg);
