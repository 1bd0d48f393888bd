/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-error.h"
#include "error.h"
#include "sandbox-internal.h"

/* The sandbox dies with its supervisor, whatever kills the supervisor
 * (SIGKILL and OOM kills included): otherwise the program would run on
 * unsupervised, with no wall-clock or CPU limit. Everything in the sandbox
 * lives in its pid namespace, and the kernel kills the whole namespace when
 * its pid 1 (our init) exits, so it is enough that init dies. Two
 * independent mechanisms make sure it does:
 *
 * 1. PR_SET_PDEATHSIG(SIGKILL), armed right after clone. The kernel clears
 *    it whenever the credentials change (the switch to the sandbox user), so
 *    it is armed again after the last change, and then the supervisor is
 *    checked to still be there: it may have died in between, when nothing
 *    was armed. getppid() cannot tell (our parent is outside our pid
 *    namespace: it reads 0 either way), the sync socket can: the supervisor
 *    holds the other end until it has reaped us, so a hang-up means it died.
 *    bubblewrap's --die-with-parent re-arms the same way.
 *
 * 2. init watches the sync socket while it waits for the program and exits
 *    when it hangs up. This needs no signal and no ordering between the
 *    kernel's reparenting and our prctl(): a dead supervisor's socket stays
 *    hung up, and init sees it at the latest when it next polls.
 *
 * What a dead supervisor leaves behind (its empty cgroup leaves) is removed
 * by the next supervisor that starts (leftovers.c). */

static bool supervisor_gone(int sync_fd)
{
        struct pollfd p = { .fd = sync_fd, .events = POLLRDHUP };

        return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

int lifeline_arm_child(struct sandbox_run *run)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "set the parent-death signal");
        return 0;
}

int lifeline_rearm_child(struct sandbox_run *run)
{
        int r = lifeline_arm_child(run);

        if (r < 0)
                return r;
        if (supervisor_gone(run->sync[1]))
                _exit(127); /* nobody is left to report to */
        return 0;
}

int lifeline_block_sigchld(struct sandbox_run *run, int *ret_fd)
{
        sigset_t chld;
        int fd;

        /* Blocked before the program is forked, so no SIGCHLD is lost; the
         * program unblocks every signal before exec (reset_signals). */
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "block SIGCHLD");
        fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "signalfd");
        *ret_fd = fd;
        return 0;
}

/* Reaps what has exited; true once the program itself has. */
static bool reap(pid_t program, int *status)
{
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);

                if (p == program) {
                        *status = st;
                        return true;
                }
                if (p > 0 || (p < 0 && errno == EINTR))
                        continue;
                if (p < 0 && errno == ECHILD) { /* cannot happen: the program is our child */
                        *status = W_EXITCODE(127, 0);
                        return true;
                }
                return false;
        }
}

int lifeline_init_wait(struct sandbox_run *run, int sigfd, pid_t program)
{
        struct pollfd p[2] = {
                { .fd = sigfd, .events = POLLIN },
                { .fd = run->sync[1], .events = POLLRDHUP },
        };
        struct signalfd_siginfo si;
        int status;

        while (!reap(program, &status)) {
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        return W_EXITCODE(127, 0);
                if (p[1].revents & (POLLHUP | POLLRDHUP | POLLERR))
                        _exit(137); /* the supervisor died: take the namespace down */
                while (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                        ;
        }
        return status;
}
