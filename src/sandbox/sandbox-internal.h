/* SPDX-License-Identifier: MIT */
#pragma once

/* State shared by the isolation modules of one run, and the phase functions
 * they expose (nsjail's pattern). run.c lists the phases once, in order:
 *
 *   parent, before clone:   prepare (validate, pipes, cgroup leaf)
 *   parent, after clone:    userns_setup_parent (id maps), oom_score_adj,
 *                           GO, cgroup attach, ATTACHED
 *   child:                  death signal → GO → setsid → userns → hostname →
 *                           lo up → mounts → ATTACHED → cgroup namespace →
 *                           rlimits → caps + no_new_privs →
 *                           process title → death signal again → close the
 *                           supervisor's fds → listener helper → seccomp →
 *                           hand the listener over → fork program
 *   parent:                 supervise → result → cleanup
 *
 * Child-side functions run between clone and execve in a single-threaded
 * process: they may not log; they return -errno after child_error()
 * (child-error.h), which run.c sends to the parent before _exit(127). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

struct cr_cgroup;

#define SANDBOX_MSG_MAX 512

enum sync_msg_type {
        SYNC_GO = 1,      /* parent → child: id maps written */
        SYNC_ERROR,       /* child → parent: setup failed */
        SYNC_EXIT,        /* init → parent: the program's wait status */
        SYNC_LISTENER,    /* init's helper → parent: init's seccomp listener, as
                           * SCM_RIGHTS (listener.c); unanswered */
        SYNC_ATTACHED,    /* parent → child: its cgroup leaf is ready (after
                           * SYNC_GO); on v1 with the leaf's entry files, as
                           * SCM_RIGHTS, through which it moves itself in */
};

struct sync_msg {
        int type;
        int errnum;
        int kind;         /* enum cr_error_kind */
        int status;       /* SYNC_EXIT: wait status */
        int nfds;         /* descriptors that came with it (sync.c) */
        char msg[SANDBOX_MSG_MAX];
};

/* The supervisor that made a cgroup leaf (leftovers.c). */
struct sandbox_owner {
        uint64_t pidns;                           /* inode of its pid namespace */
        pid_t pid;
        uint64_t start;                           /* start time, clock ticks after boot */
};

struct cr_sandbox {
        const struct cr_seccomp_program *seccomp; /* not owned */
        struct cr_cgroup_manager *cgroups;        /* not owned */
        unsigned controllers;                     /* usable CR_CGROUP_* */
        uint64_t counter;                         /* for unique leaf names */
        struct sandbox_owner owner;               /* this process, for leaf names */
        int host_netns;                           /* our network namespace, once a slot has one */
        int *slot_netns;                          /* per slot: its network namespace, or -EBADF (netns.c) */
        unsigned n_slot_netns;
        bool keep;                                /* runs leave their teardown to the next (keep.c) */
        pid_t keep_pid;                           /* the process kept[] belongs to */
        struct sandbox_kept *kept;                /* per slot (keep.c) */
        unsigned n_kept;
};

struct sandbox_run {
        struct cr_sandbox *sb;                    /* not owned */
        const struct cr_sandbox_spec *spec;       /* not owned */
        struct cr_cgroup *cg;
        int sync[2];                              /* [0] parent, [1] child */
        int in[2], out[2], err[2];                /* pipes: program's stdin, stdout, stderr */
        pid_t pid;
        int pidfd;
        int mntns;                                /* its mount namespace, kept to be dropped later (keep.c), or -EBADF */
        bool seccomp_notify;                      /* kills become notifications (seccomp-notify.c) */
        uid_t host_uid;
        gid_t host_gid;
        uint64_t start_ns;
        struct sync_msg child_error;              /* child side: what failed */
        const char *const *argv;                  /* the program's: spec's, moved by proctitle.c */
        const char *const *envp;
        int root_fd;                              /* child side: O_PATH of the bound image */
        int workdir_fd;                           /* child side: O_PATH of spec->workdir_host, or -EBADF */
        int bind_fds[CR_SANDBOX_MAX_BINDS];       /* child side: O_PATH of each bind source */
        bool netns_joined;                        /* in the slot's network namespace, not a new one */
        pid_t helper;                             /* child side: init's listener helper (listener.c) */
        int helper_wake;                          /* child side: its eventfd, or -EBADF */
};

/* userns.c */
int userns_setup_parent(struct sandbox_run *run, struct cr_error **err);
int userns_setup_child(struct sandbox_run *run);
/* ns: hostname (in userns.c: small) */
int uts_setup_child(struct sandbox_run *run);
/* netlink.c: child side, lo up in the run's own namespace (nothing to do
 * in a joined one); parent side, lo up in the caller's namespace */
int netlink_setup_child(struct sandbox_run *run);
int netlink_loopback_up(struct cr_error **err);
/* netns.c: the slots' network namespaces (cr_sandbox_prepare_slot). The
 * parent joins the slot's around clone3() and leaves it right after. */
int netns_slot_fd(const struct cr_sandbox *sb, unsigned slot);
int netns_join(int fd, struct cr_error **err);
int netns_leave(struct cr_sandbox *sb, struct cr_error **err);
void netns_free_all(struct cr_sandbox *sb);
/* keep.c: with cr_sandbox_keep_between_runs(), a slot's spare leaf (taken
 * instead of a new one), the run's mount namespace (noted after clone3),
 * the run's teardown left to the next run (retire: false when it must be
 * done now), which does it while its program runs (tidy), and the child's
 * copies of it all closed (forget). */
struct cr_cgroup_limits;
struct cr_cgroup *keep_take_spare(struct cr_sandbox *sb, unsigned slot, const struct cr_cgroup_limits *limits);
void keep_note_mntns(struct sandbox_run *run);
bool keep_retire(struct sandbox_run *run);
void keep_tidy(struct sandbox_run *run);
void keep_forget_in_child(struct cr_sandbox *sb);
/* mount.c: prepare runs before the switch to the sandbox user, with the
 * host-side view (paths to the image may not be searchable by that user);
 * setup runs after it, through the fds prepare opened. */
int mount_prepare_child(struct sandbox_run *run);
int mount_setup_child(struct sandbox_run *run);
/* limits.c */
int limits_setup_child(struct sandbox_run *run);
/* caps.c */
int caps_setup_child(struct sandbox_run *run);
int caps_keep_across_setuid(void);
int caps_raise_effective(void);
/* proctitle.c: init's argv and environment (the supervisor's) are cleared;
 * the supervisor reads its memory layout for it before the clone */
int proctitle_scrub_child(struct sandbox_run *run);
void proctitle_prepare_parent(void);
/* limits.c, parent side: oom_score_adj of the child (inherited by all);
 * the cgroup limits of a run (its leaf's, made by run.c or keep.c) */
int limits_setup_parent(struct sandbox_run *run, struct cr_error **err);
void sandbox_cgroup_limits(const struct cr_sandbox_spec *spec, struct cr_cgroup_limits *ret);
/* lifeline.c: the sandbox dies with its supervisor. arm right after clone,
 * rearm after the last credential change (which clears the death signal);
 * init blocks SIGCHLD before forking the program, then waits for it while
 * watching the supervisor, and returns the program's wait status. */
int lifeline_arm_child(struct sandbox_run *run);
int lifeline_rearm_child(struct sandbox_run *run);
int lifeline_block_sigchld(struct sandbox_run *run, int *ret_fd);
int lifeline_init_wait(struct sandbox_run *run, int sigfd, pid_t program);
/* listener.c: the seccomp listener goes from init to the supervisor through
 * a helper that shares init's fds but not its filter. start runs before the
 * filter, hand_over after it (exits on failure: the filter is in). */
int listener_helper_start(struct sandbox_run *run);
int listener_hand_over(struct sandbox_run *run, int listener);
/* sync.c: one message on the sync socket with n ≤ SYNC_MAX_FDS descriptors
 * (SCM_RIGHTS), its nfds saying how many: send returns 0 or -errno; recv
 * returns the bytes read or -errno (retrying EINTR unless MSG_DONTWAIT),
 * and puts in fds[] those of a whole message that carries at most max, as
 * many as it says (else -EBADMSG); any others are closed. */
#define SYNC_MAX_FDS 5
int sync_send(int sock, struct sync_msg *msg, const int *fds, size_t n);
ssize_t sync_recv_fds(int sock, struct sync_msg *msg, int flags, int *fds, size_t max, size_t *ret_n);
/* leftovers.c: who we are (cached per process), and a leaf name saying so */
int sandbox_owner_self(struct sandbox_owner *o);
void sandbox_leaf_name(const struct sandbox_owner *o, unsigned slot, uint64_t counter, char *buf, size_t size);
/* supervise.c */
int supervise(struct sandbox_run *run, struct cr_sandbox_result *res, struct cr_error **err);
