/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Naming the syscall a program was killed for.
 *
 * SECCOMP_RET_KILL_PROCESS tells nobody which call it was: the program just
 * dies of SIGSYS, and its parent (our init) learns only the signal. So when
 * the kernel can, the filter the sandbox installs answers every would-be
 * kill with SECCOMP_RET_USER_NOTIF instead, on a listener only the
 * supervisor holds (init's helper sends it there: listener.c): the calling
 * thread stops inside the kernel before the call runs, the supervisor reads
 * the syscall's number and architecture from the notification and kills
 * the sandbox. The call never runs either way. If the listener went away
 * (only when the supervisor itself died, and then the lifeline takes the
 * sandbox down), the kernel fails the call with ENOSYS: still never run.
 *
 * The rewrite is done on a copy, in the child, right before seccomp(2):
 * the compiled program (and what `coderunner seccomp export` shows) keeps
 * its kill actions. */

bool cr_seccomp_notify_supported(void)
{
        static int cached = -1;
        uint32_t action = SECCOMP_RET_USER_NOTIF;

        /* The listener flag came with the action (5.0); the listener then
         * travels by SCM_RIGHTS (listener.c), which every kernel has. */
        if (cached < 0)
                cached = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
        return cached == 1;
}

/* Child side: async-signal-safe, no allocation (the copy is on the stack). */
int cr_seccomp_apply_notifying(const struct cr_seccomp_program *prog)
{
        struct sock_filter copy[BPF_MAXINSNS];
        const struct sock_filter *f = prog ? prog->filter : NULL;
        struct sock_fprog fprog;
        long fd;

        if (!f || prog->len == 0 || prog->len > BPF_MAXINSNS)
                return -EINVAL;
        for (unsigned i = 0; i < prog->len; i++) {
                copy[i] = f[i];
                if (copy[i].code == (BPF_RET | BPF_K) && copy[i].k == SECCOMP_RET_KILL_PROCESS)
                        copy[i].k = SECCOMP_RET_USER_NOTIF;
        }
        fprog.len = prog->len;
        fprog.filter = copy;
        fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
        return fd < 0 ? -errno : (int) fd;
}

int cr_seccomp_notification_receive(int listener, struct cr_seccomp_violation *ret)
{
        struct seccomp_notif n;

        memset(&n, 0, sizeof(n)); /* the kernel insists on a zeroed struct */
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
                return -errno;
        ret->nr = n.data.nr;
        ret->arch = n.data.arch;
        cr_seccomp_syscall_name_arch(n.data.arch, n.data.nr, ret->name, sizeof(ret->name));
        return 0;
}
