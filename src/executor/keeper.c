/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"
#include "proc-util.h"
#include "spawn/spawn.h"

/* An executor that dies within this long of its start is restarted after
 * a pause, so a crash loop does not spin; any other restart is at once. */
#define QUICK_DEATH_MS 1000
#define CRASH_PAUSE_MS 250
/* How long the keeper waits for its descendants to die when told to stop. */
#define STOP_WAIT_MS 5000
/* How long a new executor waits for the workers of a dead one to be gone,
 * so that its sweep finds their cgroup leaves ownerless (leftovers.c). */
#define ORPHAN_WAIT_MS 5000

struct keeper {
        int control_fd, status_fd, sigfd;
        struct cr_executor_config cfg;
        pid_t executor;            /* 0 when none runs */
        uint64_t started_ms;
        uint64_t restart_at_ms;    /* 0: none pending */
        uint64_t orphans_gone_by_ms; /* restart without waiting for orphans after this */
};

static void report(int status_fd, enum cr_executor_event event, pid_t pid, int wait_status)
{
        struct cr_executor_status st = { .event = event, .pid = pid, .wait_status = wait_status };

        /* the daemon may be gone; then so are we, soon */
        (void) send(status_fd, &st, sizeof(st), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int start_executor(struct keeper *k)
{
        pid_t keeper = getpid(), pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (cr_die_with_parent(keeper) < 0)
                        _exit(1);
                safe_close(k->sigfd);
                reset_signals();
                _exit(cr_executor_serve(k->control_fd, &k->cfg) < 0 ? 1 : 0);
        }
        k->executor = pid;
        k->started_ms = now_ms();
        k->restart_at_ms = 0;
        return 0;
}

/* Calls fn for each child of the keeper that is not the executor: a worker
 * or a sandbox's init adopted because its executor died. */
static unsigned for_each_orphan(const struct keeper *k, void (*fn)(pid_t pid))
{
        char path[64], buf[4096];
        _cleanup_close_ int fd = -EBADF;
        unsigned n_orphans = 0;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) getpid());
        fd = open(path, O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (n <= 0)
                return 0;
        buf[n] = 0;
        for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
                uint64_t pid;

                if (safe_atou64(t, &pid) == 0 && (pid_t) pid != k->executor) {
                        n_orphans++;
                        if (fn)
                                fn((pid_t) pid);
                }
        }
        return n_orphans;
}

static void kill_one(pid_t pid)
{
        (void) kill(pid, SIGKILL);
}

/* Nothing supervises an orphan any more, so it is killed (a sandbox's init
 * takes its pid namespace with it); its job has failed already. */
static void kill_orphans(const struct keeper *k)
{
        (void) for_each_orphan(k, kill_one);
}

/* Reaps every child that has exited: the executor (then schedules a new
 * one) and orphans adopted as subreaper (workers and sandboxes of a dead
 * executor). */
static void reap(struct keeper *k)
{
        struct signalfd_siginfo si;
        int status;
        pid_t pid;

        while (read(k->sigfd, &si, sizeof(si)) == sizeof(si))
                ;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                uint64_t now = now_ms();

                if (pid != k->executor)
                        continue;
                report(k->status_fd, CR_EXECUTOR_EXITED, pid, status);
                k->executor = 0;
                k->restart_at_ms = now - k->started_ms < QUICK_DEATH_MS ? now + CRASH_PAUSE_MS : now;
                k->orphans_gone_by_ms = now + ORPHAN_WAIT_MS;
        }
        /* after each death: a dying worker's sandbox is adopted only once
         * the worker is gone */
        kill_orphans(k);
}

/* The next executor starts once its time has come and the dead one's
 * workers are reaped (their SIGCHLD wakes the loop), or at the latest when
 * waiting for them has lasted ORPHAN_WAIT_MS. */
static uint64_t restart_due_ms(const struct keeper *k)
{
        if (!k->restart_at_ms)
                return 0;
        if (for_each_orphan(k, NULL) > 0)
                return MAX(k->restart_at_ms, k->orphans_gone_by_ms);
        return k->restart_at_ms;
}

static int poll_timeout(const struct keeper *k)
{
        uint64_t now = now_ms(), due = restart_due_ms(k);

        if (!due)
                return -1;
        return due <= now ? 0 : (int) (due - now);
}

/* Kills the executor, then waits (bounded) until no descendant is left. */
static void stop_all(struct keeper *k)
{
        uint64_t deadline = now_ms() + STOP_WAIT_MS;

        if (k->executor > 0)
                (void) kill(k->executor, SIGKILL);
        while (now_ms() < deadline) {
                pid_t pid = waitpid(-1, NULL, WNOHANG);

                if (pid < 0)
                        return; /* ECHILD: nothing left */
                if (pid == 0) {
                        struct pollfd p = { .fd = k->sigfd, .events = POLLIN };
                        struct signalfd_siginfo si;

                        (void) poll(&p, 1, 100);
                        while (read(k->sigfd, &si, sizeof(si)) == sizeof(si))
                                ;
                }
        }
}

int cr_executor_keep(int control_fd, int status_fd, const struct cr_executor_config *cfg)
{
        struct keeper k = { .control_fd = control_fd, .status_fd = status_fd, .cfg = *cfg };
        _cleanup_close_ int sigfd = -EBADF;
        sigset_t mask;

        (void) prctl(PR_SET_NAME, "cr-keeper");
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                return -errno;
        k.cfg.status_fd = status_fd;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        sigfd = k.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0)
                return -errno;
        if (start_executor(&k) < 0)
                return -errno;
        /* status_fd stays open here too: the daemon sees it close only
         * when the keeper itself is gone */
        for (;;) {
                /* events 0: only hang-up, i.e. the daemon closed its end */
                struct pollfd p[2] = { { .fd = sigfd, .events = POLLIN }, { .fd = control_fd, .events = 0 } };
                uint64_t due;

                if (poll(p, 2, poll_timeout(&k)) < 0 && errno != EINTR)
                        return -errno;
                if (p[1].revents & (POLLHUP | POLLERR))
                        break;
                if (p[0].revents)
                        reap(&k);
                due = k.executor ? 0 : restart_due_ms(&k);
                if (due && now_ms() >= due && start_executor(&k) < 0)
                        k.restart_at_ms = now_ms() + CRASH_PAUSE_MS;
        }
        stop_all(&k);
        return 0;
}

/* In the forked child: the sockets on their fixed numbers (3, 4) and the
 * fds to keep right after them, every other fd closing on exec. Each fd is
 * first copied above all the targets, so that no dup2() overwrites an fd
 * that is still to be placed. */
static int place_fds(int control_fd, int status_fd, const int *keep, size_t n_keep)
{
        int high[2 + CR_EXECUTOR_MAX_KEEP_FDS];
        size_t n = 2 + n_keep;

        if (n_keep > CR_EXECUTOR_MAX_KEEP_FDS)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                int fd = i == 0 ? control_fd : i == 1 ? status_fd : keep[i - 2];
                high[i] = fcntl(fd, F_DUPFD_CLOEXEC, CR_EXECUTOR_FD_CONTROL + (int) n);
                if (high[i] < 0)
                        return -errno;
        }
        for (size_t i = 0; i < n; i++)
                if (dup2(high[i], CR_EXECUTOR_FD_CONTROL + (int) i) < 0)
                        return -errno;
        return 0;
}

/* The daemon side: forks the keeper, which execs coderunner-executor. */
int cr_executor_start(const struct cr_executor_launch *launch, int *ret_control_fd, int *ret_status_fd,
                      pid_t *ret_pid, struct cr_error **err)
{
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF }, st[2] = { -EBADF, -EBADF };
        pid_t daemon = getpid(), pid;

        if (access(launch->path, X_OK) < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "the executor program %s", launch->path);
        if (launch->n_keep_fds > CR_EXECUTOR_MAX_KEEP_FDS)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "more than %d fds for the executor",
                                     CR_EXECUTOR_MAX_KEEP_FDS);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "executor socketpair");
        pid = fork();
        if (pid < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "fork executor keeper");
        if (pid == 0) {
                /* the keeper, the executor, its workers and their sandboxes
                 * die with us (the death signal outlives the exec) */
                if (cr_die_with_parent(daemon) < 0 ||
                    place_fds(sv[1], st[1], launch->keep_fds, launch->n_keep_fds) < 0)
                        _exit(127);
                execv(launch->path, launch->argv);
                _exit(127);
        }
        *ret_control_fd = TAKE_FD(sv[0]);
        *ret_status_fd = TAKE_FD(st[0]);
        *ret_pid = pid;
        return 0;
}
