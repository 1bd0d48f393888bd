/* SPDX-License-Identifier: MIT
 * attack: clone(2) a child with namespace flags (CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sched.h>

int main(void)
{
        static const int flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID,
                                     CLONE_NEWUSER | CLONE_NEWNS };
        trying("clone with namespace flags");
        for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++) {
                long pid = syscall(SYS_clone, flags[i] | SIGCHLD, NULL, NULL, NULL, NULL);
                if (pid == 0)
                        _exit(0);
                if (pid > 0)
                        waitpid((pid_t) pid, NULL, 0);
                verdict(pid < 0, "clone with namespace flags");
        }
        return over();
}
