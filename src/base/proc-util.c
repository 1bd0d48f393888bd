/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "proc-util.h"

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "missing.h"

int cr_pidfd_open(pid_t pid)
{
        long r = syscall(__NR_pidfd_open, pid, 0);
        return r < 0 ? -errno : (int) r;
}

int cr_pidfd_send_signal(int pidfd, int sig)
{
        return syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

int cr_close_range_from(unsigned first)
{
        if (syscall(__NR_close_range, first, ~0U, 0) == 0)
                return 0;
        /* FIXME: remove once Linux 5.9 (close_range) is the baseline. */
        for (int fd = (int) first; fd < 65536; fd++)
                (void) close(fd);
        return 0;
}

uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

uint64_t now_ms(void)
{
        return now_ns() / 1000000ULL;
}

void reset_signals(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t all;

        for (int sig = 1; sig < _NSIG; sig++)
                (void) sigaction(sig, &sa, NULL); /* EINVAL for KILL/STOP: fine */
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
}
