/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-error.h"
#include "cleanup.h"
#include "error.h"
#include "sandbox-internal.h"

/* How the seccomp listener gets from the sandbox's init to the supervisor.
 *
 * init installs the notifying filter itself (seccomp-notify.c), so the
 * listener is born in init's descriptor table, and init is already under
 * the filter when it has it. Sending it with SCM_RIGHTS takes sendmsg(2),
 * which the per-runtime profiles do not allow (and must not, for this);
 * taking it with pidfd_getfd(2) takes CAP_SYS_PTRACE over init, which the
 * systemd unit does not grant. So a helper does the send: init clones it
 * right before the filter, sharing init's descriptor table (CLONE_FILES)
 * but not its filter, which is installed after the helper exists and binds
 * init only. init wakes it with write(2) on an eventfd, the helper sends
 * the listener over the sync socket and exits, init reaps it (wait4), and
 * only then is the program forked: the helper never meets the program.
 *
 * The helper also shares init's memory (CLONE_VM): no copy of the page
 * tables, which a fork of the supervisor's address space would cost on
 * every run. It runs on a stack of its own and touches nothing of init's
 * but errno, and only after init's wake-up, while init waits for it.
 * It is in init's namespaces, cgroup and credentials (cloned after the
 * last change), not dumpable like init, and dies with init's pid
 * namespace if init dies first. */

#define HELPER_STACK_SIZE (64 * 1024)

/* One helper per init, and init is single-threaded; static so that it is
 * in init's memory (a private copy of the supervisor's) and not on the
 * stack init keeps using meanwhile. */
static uint8_t helper_stack[HELPER_STACK_SIZE] __attribute__((aligned(16)));

/* The helper: waits for init's word (the listener's fd number + 1: an
 * eventfd read blocks while the counter is 0), sends, and exits. Its exit
 * status tells init whether the listener went out. */
static int helper_main(void *arg)
{
        const struct sandbox_run *run = arg;
        struct sync_msg msg = { .type = SYNC_LISTENER };
        uint64_t word;
        int listener;

        if (read(run->helper_wake, &word, sizeof(word)) != (ssize_t) sizeof(word) || word == 0 || word > INT_MAX)
                return 1;
        listener = (int) (word - 1);
        return sync_send(run->sync[1], &msg, &listener, 1) < 0 ? 2 : 0;
}

int listener_helper_start(struct sandbox_run *run)
{
        long pid;

        run->helper_wake = eventfd(0, EFD_CLOEXEC);
        if (run->helper_wake < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "eventfd for the listener's helper");
        pid = clone(helper_main, helper_stack + sizeof(helper_stack), CLONE_VM | CLONE_FILES | SIGCHLD, run);
        if (pid < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "clone the listener's helper");
        run->helper = (pid_t) pid;
        return 0;
}

/* Under the filter: only write, wait4 and close, which every profile
 * allows (init's own plumbing). A failure here cannot be reported with
 * child_error(): init just exits, which takes the helper with it. */
int listener_hand_over(struct sandbox_run *run, int listener)
{
        uint64_t word = (uint64_t) listener + 1;
        int status;
        pid_t p;

        if (write(run->helper_wake, &word, sizeof(word)) != (ssize_t) sizeof(word))
                _exit(127);
        do
                p = waitpid(run->helper, &status, 0);
        while (p < 0 && errno == EINTR);
        if (p != run->helper || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                _exit(127);
        run->helper = 0;
        /* The listener is in flight to the supervisor now: the message
         * holds the file open, so a would-be kill from here on waits for
         * the supervisor to read it (it need not say it has: if it cannot
         * take the listener, it kills the sandbox and fails the run). Nothing
         * in the sandbox may hold it, or a program could answer its own
         * notifications. */
        (void) close(listener);
        run->helper_wake = safe_close(run->helper_wake);
        return 0;
}
