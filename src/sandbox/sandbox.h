/* SPDX-License-Identifier: MIT */
#pragma once

/* The sandbox: runs one untrusted program with full isolation and hard
 * limits, and reports what happened.
 *
 * Must be called from a single-threaded process (the CLI, or the daemon's
 * spawner): the child is created with a raw clone3() and runs library code
 * between clone and execve (DESIGN §3). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct cr_error;
struct cr_seccomp_program;
struct cr_json_writer;
struct cr_cgroup_manager;

/* Inside the sandbox the program runs as this uid/gid. */
#define CR_SANDBOX_UID 1000
#define CR_SANDBOX_GID 1000
/* Host ids start here; slot N maps to base + N. The range sits above
 * systemd's container range (0x80000–0x6FFFFFFF), so it collides with no
 * user, subuid range or nspawn container. */
#define CR_SANDBOX_HOST_ID_BASE 0x70010000U
#define CR_SANDBOX_MAX_SLOTS 65536U
#define CR_SANDBOX_WORKDIR "/box"
#define CR_SANDBOX_HOSTNAME "sandbox"
#define CR_SANDBOX_MAX_BINDS 16
/* Per-slot host directories for compile artefacts (tmpfs, private mounts). */
#define CR_SANDBOX_WORKDIR_ROOT "/run/coderunner/work"

enum cr_verdict {
        CR_VERDICT_OK,
        CR_VERDICT_RUNTIME_ERROR,
        CR_VERDICT_TIME_LIMIT,
        CR_VERDICT_MEMORY_LIMIT,
        CR_VERDICT_OUTPUT_LIMIT,
        CR_VERDICT_SECCOMP_VIOLATION,
        CR_VERDICT_INTERNAL_ERROR,
        _CR_VERDICT_MAX,
        _CR_VERDICT_INVALID = -22,
};

enum cr_limit_kind {
        CR_LIMIT_NONE,
        CR_LIMIT_CPU,
        CR_LIMIT_WALL,
        CR_LIMIT_MEMORY,
        CR_LIMIT_OUTPUT,
        _CR_LIMIT_MAX,
        _CR_LIMIT_INVALID = -22,
};

struct cr_sandbox_limits {
        uint64_t cpu_time_ms;      /* CPU time of the whole tree */
        uint64_t wall_time_ms;
        uint64_t memory_bytes;     /* cgroup memory (never RLIMIT_AS: runtimes reserve huge VM) */
        uint64_t pids;             /* cgroup pids.max, plus RLIMIT_NPROC per host uid */
        uint64_t output_bytes;     /* cap for stdout and for stderr, each */
        uint64_t tmpfs_bytes;      /* size of /tmp and of the work dir, each */
        uint64_t file_size_bytes;  /* RLIMIT_FSIZE */
        uint64_t open_files;       /* RLIMIT_NOFILE */
        uint64_t stack_bytes;      /* RLIMIT_STACK */
        uint64_t cpu_quota_pct;    /* cgroup cpu throttling in % of one CPU; 0 = none */
};

/* A host file copied into the work dir before the program starts. */
struct cr_sandbox_file {
        const char *dest;          /* relative to the work dir; no "..", not absolute */
        int fd;                    /* not owned; readable, regular file */
        mode_t mode;
};

/* A host directory bind-mounted into the sandbox (read-only unless writable). */
struct cr_sandbox_bind {
        const char *src;           /* host path; not owned */
        const char *dest;          /* absolute path inside; its mount point must exist */
        bool writable;
};

enum cr_sandbox_stream {
        CR_STREAM_STDOUT = 1,
        CR_STREAM_STDERR = 2,
};

typedef void (*cr_sandbox_output_fn)(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n);

struct cr_sandbox_spec {
        const char *rootfs;                     /* unpacked image dir; not owned */
        /* The work dir is a fresh size-capped tmpfs holding `files`, unless
         * workdir_host is set: then that host directory is bind-mounted there
         * (read-only unless workdir_writable) and `files` must be empty. A
         * compile step uses this to hand its artefacts to the run step. */
        const char *workdir_host;
        bool workdir_writable;
        const char *const *argv;                /* argv[0] is resolved inside the rootfs */
        const char *const *envp;                /* the complete environment */
        const struct cr_sandbox_file *files;
        size_t n_files;
        const struct cr_sandbox_bind *binds;
        size_t n_binds;
        const void *stdin_data;                 /* not owned; may be NULL */
        size_t stdin_len;
        /* Optional (> 0; excludes stdin_data): a pollable fd (pipe, socket)
         * whose bytes are streamed to the program's stdin as they arrive,
         * like `docker run -i`, up to stdin_stream_max bytes; then the
         * program's stdin is closed and the result says stdin_truncated.
         * Never made non-blocking: it may be shared with other processes. */
        int stdin_stream_fd;
        uint64_t stdin_stream_max;
        struct cr_sandbox_limits limits;
        unsigned slot;                          /* < CR_SANDBOX_MAX_SLOTS; distinct per concurrent run */
        const struct cr_seccomp_program *seccomp; /* not owned; NULL = the sandbox's default */
        cr_sandbox_output_fn on_output;         /* optional live output */
        void *userdata;
        /* Optional (> 0): when this fd hangs up (its peer closed), the run is
         * cancelled: the sandbox is killed and cr_sandbox_run() fails with
         * CR_ERROR_CANCELLED. 0 or -1: none. */
        int cancel_fd;
};

struct cr_sandbox_result {
        enum cr_verdict verdict;
        enum cr_limit_kind limit;    /* which limit ended the run, if one did */
        int exit_code;               /* -1 when killed by a signal */
        int signal;                  /* 0 when it exited */
        uint64_t wall_ms;
        uint64_t cpu_ms;
        uint64_t memory_peak_bytes;
        struct cr_buf out;
        struct cr_buf err;
        bool stdout_truncated;
        bool stderr_truncated;
        bool stdin_truncated;        /* a stream hit stdin_stream_max */
        /* SECCOMP_VIOLATION: the syscall, when the kernel could tell us
         * (seccomp_syscall empty and seccomp_syscall_nr -1 otherwise) */
        int seccomp_syscall_nr;
        char seccomp_syscall[32];
};

struct cr_sandbox_options {
        const struct cr_seccomp_program *seccomp; /* not owned; required */
        struct cr_cgroup_manager *cgroups;        /* not owned; NULL = no cgroups */
        unsigned allow_missing_controllers;       /* CR_CGROUP_* bits the operator allowed to be absent */
};

struct cr_sandbox;

/* Checks that the options can enforce every limit (refusing to run without a
 * controller the operator did not explicitly waive). */
int cr_sandbox_new(const struct cr_sandbox_options *opts, struct cr_sandbox **ret, struct cr_error **err);
struct cr_sandbox *cr_sandbox_free(struct cr_sandbox *sb);
/* What a killed supervisor left behind: kills whatever is still in the
 * cgroup leaves of supervisors (in this pid namespace, beneath our cgroup)
 * that no longer run, and removes them. Called by each supervisor when it
 * starts (the CLI, the daemon's executor). Leaves it cannot remove are
 * logged and counted in the error; ret_removed (optional) counts the rest. */
int cr_sandbox_remove_leftovers(struct cr_sandbox *sb, unsigned *ret_removed, struct cr_error **err);

/* Optional, for a process that runs many sandboxes in a slot (the daemon
 * prepares its slots before it forks the executor; tests/sandbox-loop
 * too): creates the slot's network namespace (loopback only, up) once, and
 * every later run in the slot joins it instead of creating and tearing down
 * one of its own. Nothing but the slot's sandboxes ever enters it, one run
 * at a time, all of a run's processes dead before the next starts; the
 * sandbox cannot reconfigure it, and it keeps no TIME_WAIT sockets
 * (sandbox/netns.c). Without it each run gets a new namespace. Call while
 * single-threaded. */
int cr_sandbox_prepare_slot(struct cr_sandbox *sb, unsigned slot, struct cr_error **err);
/* The same for a process that runs a sandbox and exits (the CLI): the
 * slot's namespace outlives it, pinned by a bind mount at path (a file in a
 * directory only root can write). With reuse, the namespace pinned there is
 * joined if it is a network namespace of our user namespace; without (the
 * caller cannot tell that every process of the slot's last run is dead, or
 * there is none), any pin there is removed and a new namespace is created
 * and pinned. Call while single-threaded. */
int cr_sandbox_prepare_slot_pinned(struct cr_sandbox *sb, unsigned slot, const char *path, bool reuse,
                                   struct cr_error **err);

/* Optional, for a process that runs many sandboxes one after the other
 * (the executor's workers, tests/sandbox-loop): each run leaves removing
 * its cgroup leaf and dropping its mount namespace to the slot's next run,
 * which does that, and makes the following run's leaf, while its own
 * program runs; the result of a run no longer waits for either. Nothing of
 * one run reaches the next (sandbox/keep.c). The caller must call
 * cr_sandbox_release_kept() before it exits (cr_sandbox_free() does too);
 * a forked child starts with nothing kept. */
void cr_sandbox_keep_between_runs(struct cr_sandbox *sb);
/* Removes what the slots keep: the last runs' leaves and mount namespaces,
 * the spare leaves. Runs after it start afresh. */
void cr_sandbox_release_kept(struct cr_sandbox *sb);

/* Runs one sandbox to completion. Returns 0 with *ret filled whatever the
 * verdict; < 0 when no run happened (bad spec, rootfs or program not found,
 * setup failure), with err set. */
int cr_sandbox_run(struct cr_sandbox *sb, const struct cr_sandbox_spec *spec, struct cr_sandbox_result *ret,
                   struct cr_error **err);
void cr_sandbox_result_done(struct cr_sandbox_result *r);
void cr_sandbox_limits_default(struct cr_sandbox_limits *l);

/* Host side, for pipelines that hand files from one sandbox to the next:
 * move the calling process into a private mount namespace, then mount a
 * size-capped tmpfs work dir for a slot (owned by the slot's host id) and
 * unmount it again. */
int cr_sandbox_private_mounts(struct cr_error **err);
int cr_sandbox_workdir_create(unsigned slot, uint64_t size_bytes, char **ret_path, struct cr_error **err);
int cr_sandbox_workdir_destroy(const char *path, struct cr_error **err);

const char *cr_verdict_to_string(enum cr_verdict v);
const char *cr_limit_kind_to_string(enum cr_limit_kind k);
/* Appends the result as one JSON object (the `coderunner run --json` format);
 * 0 or the writer's error (json/json.h). */
int cr_sandbox_result_to_json(const struct cr_sandbox_result *r, struct cr_buf *out);
/* The same object through a writer, and its members alone (inside an object
 * the caller opened); `status` overrides the verdict's name. */
void cr_sandbox_result_write(const struct cr_sandbox_result *r, struct cr_json_writer *w);
void cr_sandbox_result_write_fields(const struct cr_sandbox_result *r, const char *status,
                                    struct cr_json_writer *w);
