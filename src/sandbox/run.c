/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "child-error.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "missing.h"
#include "proc-util.h"
#include "sandbox-internal.h"
#include "seccomp.h"
#include "xalloc.h"

/* Namespaces created at clone time, plus a new network namespace unless the
 * slot has one of its own (netns.c), which the child is created in. The
 * cgroup namespace is unshared by the child only after the parent has moved
 * it into its leaf, so that the leaf becomes the namespace root on v1 too. */
#define SANDBOX_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)

/* ------------------------------------------------------------------ child */

/* The sandbox's PATH (from its own environment, not ours), like docker run. */
static const char *sandbox_path(const char *const *envp)
{
        for (; *envp; envp++)
                if (strncmp(*envp, "PATH=", 5) == 0)
                        return *envp + 5;
        return "/usr/local/bin:/usr/bin:/bin";
}

/* execve, searching the sandbox's PATH when argv[0] has no slash. Returns
 * the most telling errno (EACCES beats ENOENT, as in execvp). */
static int exec_search(const char *const *argv, const char *const *envp)
{
        const char *name = argv[0], *p;
        char path[PATH_MAX];
        int best = ENOENT;

        if (strchr(name, '/')) {
                execve(name, (char *const *) argv, (char *const *) envp);
                return errno;
        }
        for (p = sandbox_path(envp); *p;) {
                size_t len = strcspn(p, ":");
                size_t nlen = strlen(name);
                if (len > 0 && len + 1 + nlen < sizeof(path)) {
                        memcpy(path, p, len);
                        path[len] = '/';
                        memcpy(path + len + 1, name, nlen + 1);
                        execve(path, (char *const *) argv, (char *const *) envp);
                        if (errno != ENOENT && errno != ENOTDIR)
                                best = errno;
                }
                p += len + (p[len] == ':');
        }
        return best;
}

/* Returns only if the program could not be started, having recorded why:
 * it runs on the program's own stack (below), where nothing may call a
 * function that does not return (ASan's no-return hook then takes the
 * stack for a corrupted one and writes a warning to the program's
 * stderr), so it returns and its clone exits with the status. */
static int exec_program(struct sandbox_run *run)
{
        reset_signals();
        if (fd_move_to(run->in[0], STDIN_FILENO) < 0 || fd_move_to(run->out[1], STDOUT_FILENO) < 0 ||
            fd_move_to(run->err[1], STDERR_FILENO) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "cannot set up standard streams");
        if (chdir(CR_SANDBOX_WORKDIR) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "chdir %s", CR_SANDBOX_WORKDIR);
        /* Everything but stdio and the sync socket closes on exec; the sync
         * socket is O_CLOEXEC, so a successful exec closes it too. */
        (void) syscall(__NR_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
        int e = exec_search(run->argv, run->envp);
        if (e == ENOENT)
                return child_error(run, 0, CR_ERROR_NOT_FOUND, "program '%s' not found in the rootfs", run->argv[0]);
        if (e == EACCES || e == ENOEXEC)
                return child_error(run, e, CR_ERROR_INVALID, "program '%s' is not executable", run->argv[0]);
        return child_error(run, e, CR_ERROR_INTERNAL, "execve '%s'", run->argv[0]);
}

/* The program's stack until its exec: a clone that shares init's memory
 * needs one of its own (init's stays where init is suspended). Static, in
 * init's private copy of the supervisor's memory; untouched pages cost
 * nothing. exec_search() keeps a PATH_MAX buffer on it, child_error() a
 * vsnprintf. */
#define PROGRAM_STACK_SIZE (128 * 1024)
static uint8_t program_stack[PROGRAM_STACK_SIZE] __attribute__((aligned(16)));

/* The clone's exit status is what this returns (glibc's clone() calls
 * exit(2) with it): 127 when the exec failed, as child_die() would. */
static int program_main(void *arg)
{
        struct sandbox_run *run = arg;

        (void) exec_program(run);
        child_report(run);
        return 127;
}

/* Starts the program as posix_spawn() does: CLONE_VM | CLONE_VFORK, so the
 * kernel copies no page tables and neither side takes copy-on-write faults
 * on init's (the supervisor's) pages, each of which costs a TLB flush
 * through the hypervisor on a paravirtualised host. init is suspended
 * until the program's execve() succeeds or it exits, and the program runs
 * on init's memory only until then, touching only its own stack, errno
 * and, if the exec fails, run->child_error, which init does not read. It
 * has its own fd table, cwd, signal handlers (init installs none: no
 * handler of init's can run in it) and mask, like a fork; the same clone
 * flags every profile allows (no namespace flags: posix_spawn's). */
static pid_t start_program(struct sandbox_run *run)
{
        return (pid_t) clone(program_main, program_stack + sizeof(program_stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
                             run);
}

/* pid 1 of the sandbox: starts the program, reaps every orphan, and reports
 * the program's status. When it exits the kernel kills whatever is left in
 * the pid namespace, daemonised grandchildren included; it exits at once
 * when the supervisor dies (lifeline.c). It runs under the same seccomp
 * filter and without capabilities, and is not dumpable, so the program
 * cannot take it over through /proc/1/mem. */
static _noreturn_ void init_main(struct sandbox_run *run)
{
        struct sync_msg msg = { .type = SYNC_EXIT };
        int sigfd = -EBADF;
        pid_t program;

        if (lifeline_block_sigchld(run, &sigfd) < 0)
                child_die(run);
        program = start_program(run);
        if (program < 0) {
                child_error(run, errno, CR_ERROR_INTERNAL, "start the program");
                child_die(run);
        }

        run->in[0] = safe_close(run->in[0]);
        run->out[1] = safe_close(run->out[1]);
        run->err[1] = safe_close(run->err[1]);
        msg.status = lifeline_init_wait(run, sigfd, program);
        (void) send(run->sync[1], &msg, sizeof(msg), MSG_NOSIGNAL);
        _exit(0);
}

static int wait_for_go(struct sandbox_run *run)
{
        struct sync_msg msg;
        ssize_t n;

        do
                n = recv(run->sync[1], &msg, sizeof(msg), 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t) sizeof(msg) || msg.type != SYNC_GO)
                return child_error(run, n < 0 ? errno : EPIPE, CR_ERROR_INTERNAL, "no start signal from parent");
        return 0;
}

/* ATTACHED: on v1 with the leaf's entry files, through which init moves
 * itself in (it is still the process's only thread); on v2 it is in
 * already. Then the files close: nothing in the sandbox keeps them. */
static int enter_leaf(struct sandbox_run *run)
{
        struct sync_msg msg;
        int fds[SYNC_MAX_FDS];
        size_t n;
        ssize_t got = sync_recv_fds(run->sync[1], &msg, 0, fds, ARRAY_SIZE(fds), &n);
        int r;

        if (got != (ssize_t) sizeof(msg) || msg.type != SYNC_ATTACHED) {
                close_many(fds, n);
                return child_error(run, got < 0 ? (int) -got : EPIPE, CR_ERROR_INTERNAL,
                                   "no cgroup signal from parent");
        }
        r = cr_cgroup_enter_self(fds, n);
        close_many(fds, n);
        return r < 0 ? child_error(run, -r, CR_ERROR_INTERNAL, "enter the cgroup leaf") : 0;
}

/* The last step of set-up. With notifications (seccomp-notify.c), the
 * listener goes to the supervisor through a helper cloned before the
 * filter (listener.c), and init closes it before the program is forked. */
static int install_seccomp(struct sandbox_run *run)
{
        const struct cr_seccomp_program *prog = run->spec->seccomp ? run->spec->seccomp : run->sb->seccomp;
        int r, fd;

        if (!run->seccomp_notify)
                return cr_seccomp_apply(prog) < 0 ? child_error(run, errno, CR_ERROR_INTERNAL, "install seccomp filter")
                                                  : 0;
        r = listener_helper_start(run);
        if (r < 0)
                return r;
        fd = cr_seccomp_apply_notifying(prog);
        if (fd < 0)
                return child_error(run, -fd, CR_ERROR_INTERNAL, "install seccomp filter");
        return listener_hand_over(run, fd);
}

/* Set-up is done: init keeps only what it and the program need. What the
 * supervisor had open (cgroup and image dirs, slot locks, the daemon's
 * sockets) would otherwise live on in the sandbox's pid 1 for the job's
 * whole run. Before the filter, which need not allow close_range. */
static int close_supervisor_fds(struct sandbox_run *run)
{
        const int keep[] = { run->sync[1], run->in[0], run->out[1], run->err[1] };
        int r = cr_close_all_but(keep, ARRAY_SIZE(keep));

        if (r < 0)
                return child_error(run, -r, CR_ERROR_INTERNAL, "close the supervisor's fds");
        run->root_fd = run->workdir_fd = -EBADF;
        for (size_t i = 0; i < ARRAY_SIZE(run->bind_fds); i++)
                run->bind_fds[i] = -EBADF;
        return 0;
}

static _noreturn_ void child_main(struct sandbox_run *run)
{
        run->sync[0] = safe_close(run->sync[0]);
        run->in[1] = safe_close(run->in[1]);
        run->out[0] = safe_close(run->out[0]);
        run->err[0] = safe_close(run->err[0]);
        /* init keeps no handle on a network namespace: ours, or another
         * slot's (it is in its own already); nor on what the slots keep of
         * earlier runs (keep.c) */
        netns_free_all(run->sb);
        keep_forget_in_child(run->sb);

        if (lifeline_arm_child(run) < 0 || wait_for_go(run) < 0)
                child_die(run);
        /* Its own session and process group: kill(0, ...) and a terminal's
         * signals then stay on their side of the boundary. */
        if (setsid() < 0) {
                child_error(run, errno, CR_ERROR_INTERNAL, "setsid");
                child_die(run);
        }
        /* Our own set-up, while the parent makes the cgroup leaf (v1), which
         * we enter ourselves once it is done (enter_leaf()): nothing here
         * forks or runs the program's code. */
        if (mount_prepare_child(run) < 0 || userns_setup_child(run) < 0 || uts_setup_child(run) < 0 ||
            netlink_setup_child(run) < 0 || mount_setup_child(run) < 0 || enter_leaf(run) < 0)
                child_die(run);
        /* In the leaf now, which thus becomes the namespace's root, also on
         * v1; before the listener's helper and the program are cloned. */
        if (unshare(CLONE_NEWCGROUP) < 0) {
                child_error(run, errno, CR_ERROR_INTERNAL, "unshare cgroup namespace");
                child_die(run);
        }
        if (limits_setup_child(run) < 0 || caps_setup_child(run) < 0 || proctitle_scrub_child(run) < 0 ||
            lifeline_rearm_child(run) < 0 || close_supervisor_fds(run) < 0)
                child_die(run);
        if (install_seccomp(run) < 0)
                child_die(run);
        init_main(run);
}

/* ----------------------------------------------------------------- parent */

static int validate_spec(const struct cr_sandbox_spec *spec, struct cr_error **err)
{
        const struct cr_sandbox_limits *l = &spec->limits;
        struct stat st;

        if (!spec->argv || !spec->argv[0] || !spec->argv[0][0])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no program given");
        if (!spec->envp)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no environment given");
        if (!spec->rootfs || stat(spec->rootfs, &st) < 0)
                return cr_error_set(err, errno ? errno : EINVAL, CR_ERROR_NOT_FOUND, "rootfs '%s'",
                                    spec->rootfs ? spec->rootfs : "");
        if (!S_ISDIR(st.st_mode))
                return cr_error_set(err, ENOTDIR, CR_ERROR_INVALID, "rootfs '%s'", spec->rootfs);
        if (spec->slot >= CR_SANDBOX_MAX_SLOTS)
                return cr_error_make(err, ERANGE, CR_ERROR_INVALID, "slot %u", spec->slot);
        if (l->cpu_time_ms == 0 || l->wall_time_ms == 0 || l->memory_bytes == 0 || l->pids == 0 ||
            l->output_bytes == 0 || l->tmpfs_bytes == 0 || l->open_files == 0 || l->stack_bytes == 0 ||
            l->file_size_bytes == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "every limit must be greater than 0");
        if (spec->stdin_stream_fd > 0 && spec->stdin_len > 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "stdin is either data or a stream, not both");
        if (spec->workdir_host && spec->n_files > 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "work dir files need the tmpfs work dir");
        for (size_t i = 0; i < spec->n_files; i++) {
                const char *d = spec->files[i].dest;
                if (!d || !d[0] || d[0] == '/' || strstr(d, "..") || spec->files[i].fd < 0)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "bad work dir file '%s'", d ? d : "");
        }
        if (spec->n_binds > CR_SANDBOX_MAX_BINDS)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "at most %d bind mounts", CR_SANDBOX_MAX_BINDS);
        for (size_t i = 0; i < spec->n_binds; i++) {
                const char *d = spec->binds[i].dest;
                if (!d || d[0] != '/' || strstr(d, "..") || !spec->binds[i].src)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "bad bind mount '%s'", d ? d : "");
        }
        return 0;
}

static int open_channels(struct sandbox_run *run, struct cr_error **err)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, run->sync) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "socketpair");
        if (pipe2(run->in, O_CLOEXEC) < 0 || pipe2(run->out, O_CLOEXEC) < 0 || pipe2(run->err, O_CLOEXEC) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "pipe");
        return 0;
}

/* A new leaf for the run, with its limits. */
static int make_leaf(struct sandbox_run *run, struct cr_error **err)
{
        struct cr_cgroup_limits cl;
        char name[128];
        int r = sandbox_owner_self(&run->sb->owner);

        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "read our own /proc/self/stat");
        sandbox_cgroup_limits(run->spec, &cl);
        sandbox_leaf_name(&run->sb->owner, run->spec->slot, run->sb->counter++, name, sizeof(name));
        return cr_cgroup_create(run->sb->cgroups, name, &cl, &run->cg, err);
}

/* Before the clone: the spare a slot kept (keep.c), made while the last
 * run's program ran, if its limits are the run's; else, on v2, a new leaf,
 * which the child is cloned into. On v1 the child moves itself in after
 * GO (attach_child()), so its new leaf is made then, while it mounts. */
static int leaf_before_clone(struct sandbox_run *run, struct cr_error **err)
{
        struct cr_cgroup_limits cl;

        if (!run->sb->cgroups)
                return 0;
        sandbox_cgroup_limits(run->spec, &cl);
        run->cg = keep_take_spare(run->sb, run->spec->slot, &cl);
        if (run->cg || cr_cgroup_manager_mode(run->sb->cgroups) != CR_CGROUP_MODE_V2)
                return 0;
        return make_leaf(run, err);
}

static int do_clone(struct sandbox_run *run, struct cr_error **err)
{
        int cgfd = run->cg ? cr_cgroup_dirfd(run->cg) : -1;
        int netfd = netns_slot_fd(run->sb, run->spec->slot);
        struct clone_args args = {
                .flags = SANDBOX_CLONE_FLAGS | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &run->pidfd,
                .exit_signal = SIGCHLD,
        };
        long pid;
        int r;

        if (cgfd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) cgfd;
        }
        run->netns_joined = netfd >= 0;
        if (!run->netns_joined)
                args.flags |= CLONE_NEWNET;
        else if ((r = netns_join(netfd, err)) < 0)
                return r;
        run->start_ns = now_ns();
        pid = syscall(__NR_clone3, &args, sizeof(args));
        if (pid == 0)
                child_main(run);
        r = pid < 0 ? cr_error_set(err, errno, CR_ERROR_INTERNAL, "clone3") : 0;
        if (pid > 0) {
                run->pid = (pid_t) pid;
                keep_note_mntns(run);
        }
        /* back to our own at once; a failure here fails the run (cleanup
         * kills the child), and err keeps the first error */
        if (run->netns_joined) {
                int q = netns_leave(run->sb, err);
                r = r < 0 ? r : q;
        }
        return r;
}

/* The child failed its set-up and said why (it sends before it exits):
 * supervise() reports that, rather than what its exit made fail here. */
static bool child_reported_error(struct sandbox_run *run)
{
        struct sync_msg msg;
        ssize_t n = recv(run->sync[0], &msg, sizeof(msg), MSG_PEEK | MSG_DONTWAIT);

        if (n < 0 && errno == ECONNRESET) /* reported once, before what is queued (supervise.c) */
                n = recv(run->sync[0], &msg, sizeof(msg), MSG_PEEK | MSG_DONTWAIT);
        return n == (ssize_t) sizeof(msg) && msg.type == SYNC_ERROR;
}

/* After GO, while the child mounts: on v1 its leaf, unless a spare was
 * taken before the clone, then ATTACHED, which the child waits for before it
 * unshares its cgroup namespace, forks or installs anything of the run's.
 * On v1 it carries the leaf's entry files, through which the child moves
 * itself in. */
static int attach_child(struct sandbox_run *run, struct cr_error **err)
{
        _Static_assert(CR_CGROUP_ENTRY_MAX <= SYNC_MAX_FDS, "the leaf's entry files fit in one message");
        _cleanup_error_ struct cr_error *e = NULL;
        int fds[CR_CGROUP_ENTRY_MAX];
        int r, n = 0;

        r = run->sb->cgroups && !run->cg ? make_leaf(run, &e) : 0;
        if (r >= 0 && run->cg)
                r = n = cr_cgroup_open_entry(run->cg, fds, &e);
        if (r >= 0) {
                struct sync_msg attached = { .type = SYNC_ATTACHED };

                r = sync_send(run->sync[0], &attached, fds, (size_t) n);
                if (r < 0)
                        r = cr_error_set(&e, -r, CR_ERROR_INTERNAL, "start sandbox child");
        }
        close_many(fds, (size_t) n);
        if (r >= 0 || child_reported_error(run))
                return 0;
        if (err && !*err)
                *err = TAKE_PTR(e);
        return r;
}

static int start_child(struct sandbox_run *run, struct cr_error **err)
{
        struct sync_msg go = { .type = SYNC_GO };
        int r;

        run->sync[1] = safe_close(run->sync[1]);
        run->in[0] = safe_close(run->in[0]);
        run->out[1] = safe_close(run->out[1]);
        run->err[1] = safe_close(run->err[1]);

        r = userns_setup_parent(run, err);
        if (r >= 0)
                r = limits_setup_parent(run, err);
        if (r >= 0 && send(run->sync[0], &go, sizeof(go), MSG_NOSIGNAL) < 0)
                r = cr_error_set(err, errno, CR_ERROR_INTERNAL, "start sandbox child");
        if (r >= 0)
                r = attach_child(run, err);
        return r;
}

/* Kills and reaps the child if supervise() did not, and removes its leaf. */
static void run_teardown(struct sandbox_run *run)
{
        if (run->pid > 0) {
                if (run->pidfd >= 0)
                        (void) cr_pidfd_send_signal(run->pidfd, SIGKILL);
                (void) waitpid(run->pid, NULL, 0);
                run->pid = 0;
        }
        if (run->cg) {
                _cleanup_error_ struct cr_error *e = NULL;
                (void) cr_cgroup_destroy(run->cg, &e);
                run->cg = NULL;
        }
}

static void run_cleanup(struct sandbox_run *run)
{
        /* a run supervise() reaped may leave its leaf and mount namespace
         * to the slot's next run (keep.c); any other is torn down now */
        if (!keep_retire(run))
                run_teardown(run);
        run->mntns = safe_close(run->mntns);
        run->pidfd = safe_close(run->pidfd);
        close_pairp(&run->sync);
        close_pairp(&run->in);
        close_pairp(&run->out);
        close_pairp(&run->err);
}

int cr_sandbox_run(struct cr_sandbox *sb, const struct cr_sandbox_spec *spec, struct cr_sandbox_result *ret,
                   struct cr_error **err)
{
        struct sandbox_run run = {
                .sb = sb, .spec = spec, .argv = spec->argv, .envp = spec->envp, .pidfd = -EBADF, .mntns = -EBADF,
                .seccomp_notify = cr_seccomp_notify_supported(), .helper_wake = -EBADF,
                .sync = { -EBADF, -EBADF }, .in = { -EBADF, -EBADF },
                .out = { -EBADF, -EBADF }, .err = { -EBADF, -EBADF },
                .root_fd = -EBADF, .workdir_fd = -EBADF,
                .host_uid = CR_SANDBOX_HOST_ID_BASE + spec->slot,
                .host_gid = CR_SANDBOX_HOST_ID_BASE + spec->slot,
        };
        int r;

        r = validate_spec(spec, err);
        if (r >= 0)
                r = open_channels(&run, err);
        if (r >= 0)
                r = leaf_before_clone(&run, err);
        if (r >= 0) {
                proctitle_prepare_parent();
                r = do_clone(&run, err);
        }
        if (r >= 0)
                r = start_child(&run, err);
        if (r >= 0)
                r = supervise(&run, ret, err);
        run_cleanup(&run);
        return r;
}

/* ---------------------------------------------------------------- lifecycle */

int cr_sandbox_new(const struct cr_sandbox_options *opts, struct cr_sandbox **ret, struct cr_error **err)
{
        static const unsigned needed = CR_CGROUP_MEMORY | CR_CGROUP_PIDS | CR_CGROUP_CPUACCT;
        struct cr_sandbox *sb;
        unsigned have = 0, missing;

        if (!opts->seccomp)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "a seccomp program is required");
        if (opts->cgroups)
                have = cr_cgroup_manager_controllers(opts->cgroups);
        missing = needed & ~have & ~opts->allow_missing_controllers;
        for (unsigned bit = 1; bit < CR_CGROUP_ALL; bit <<= 1)
                if (missing & bit)
                        return cr_error_make(err, ENODEV, CR_ERROR_UNAVAILABLE,
                                            "cgroup controller '%s' is not usable, refusing to run untrusted code "
                                            "without its limit (allow explicitly to override)",
                                            cr_cgroup_controller_to_string(bit));

        /* A sandboxed program that closes its stdin early must not kill the
         * supervisor with SIGPIPE; children reset it before exec. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "ignore SIGPIPE");

        sb = xzalloc(sizeof(*sb));
        sb->seccomp = opts->seccomp;
        sb->cgroups = opts->cgroups;
        sb->controllers = have;
        sb->host_netns = -EBADF;
        *ret = sb;
        return 0;
}

struct cr_sandbox *cr_sandbox_free(struct cr_sandbox *sb)
{
        if (sb) {
                cr_sandbox_release_kept(sb);
                free(sb->kept);
                netns_free_all(sb);
        }
        free(sb);
        return NULL;
}
