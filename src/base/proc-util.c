/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "proc-util.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "missing.h"
#include "parse-util.h"

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

static int int_cmp(const void *a, const void *b)
{
        return (*(const int *) a > *(const int *) b) - (*(const int *) a < *(const int *) b);
}

static int close_between(unsigned first, unsigned last)
{
        if (first > last)
                return 0;
        return syscall(__NR_close_range, first, last, 0) < 0 ? -errno : 0;
}

int cr_close_all_but(const int *keep, size_t n)
{
        int sorted[16];
        unsigned next = 3;
        int r = 0;

        if (n > ARRAY_SIZE(sorted))
                return -E2BIG;
        memcpy(sorted, keep, n * sizeof(*keep));
        qsort(sorted, n, sizeof(*sorted), int_cmp);
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (sorted[i] < (int) next)
                        continue; /* stdio, a duplicate or an fd not open */
                r = close_between(next, (unsigned) sorted[i] - 1);
                next = (unsigned) sorted[i] + 1;
        }
        return r < 0 ? r : close_between(next, ~0U);
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

/* The raw call, because glibc's sigaction() refuses its own two signals
 * (32 and 33: SIGCANCEL, SIGSETXID), and a disposition our caller left on
 * them (GNU make ignores both) would otherwise pass through exec into the
 * program. An all-zero kernel sigaction is SIG_DFL, no flags, an empty mask,
 * in every architecture's layout. */
void reset_signals(void)
{
        static const uint64_t dfl[4];
        sigset_t all;

        for (int sig = 1; sig < _NSIG; sig++)
                (void) syscall(SYS_rt_sigaction, sig, dfl, NULL, _NSIG / 8); /* EINVAL for KILL/STOP: fine */
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
}

int cr_die_with_parent(pid_t parent)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return -errno;
        /* The parent may have exited before the signal was armed: then we
         * have been reparented already and no signal will come. */
        return getppid() == parent ? 0 : -ESRCH;
}

int cr_proc_stat_field(const char *stat, unsigned field, const char **ret, size_t *ret_len)
{
        const char *p = stat ? strrchr(stat, ')') : NULL;

        if (!p || field < 3)
                return -EINVAL;
        p++;
        for (unsigned i = 3;; i++) {
                size_t n;

                if (*p == '\n' || *p == 0)
                        return -ENOENT; /* an older kernel without this field */
                if (*p != ' ')
                        return -EINVAL;
                p++;
                n = strcspn(p, " \n");
                if (n == 0)
                        return -EINVAL;
                if (i == field) {
                        *ret = p;
                        *ret_len = n;
                        return 0;
                }
                p += n;
        }
}

int cr_proc_stat_u64(const char *stat, unsigned field, uint64_t *ret)
{
        const char *tok;
        size_t n;
        char buf[24];
        int r = cr_proc_stat_field(stat, field, &tok, &n);

        if (r < 0)
                return r;
        if (n >= sizeof(buf))
                return -ERANGE;
        memcpy(buf, tok, n);
        buf[n] = 0;
        return safe_atou64(buf, ret);
}
