/* SPDX-License-Identifier: MIT
 * attack: clone3 with namespace flags (its flags live in memory, where seccomp cannot look)
 * expect: OK
 * expect-default: OK
 */
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>

int main(void)
{
        struct clone_args args = { .flags = CLONE_NEWUSER | CLONE_NEWNS, .exit_signal = SIGCHLD };
        long pid = syscall(SYS_clone3, &args, sizeof(args));

        if (pid == 0)
                _exit(0);
        if (pid > 0)
                waitpid((pid_t) pid, NULL, 0);
        verdict(pid < 0 && errno == ENOSYS, "clone3 with CLONE_NEWUSER | CLONE_NEWNS (must be ENOSYS)");
        args.flags = 0;
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0)
                _exit(0);
        verdict(pid < 0 && errno == ENOSYS, "plain clone3 (ENOSYS: libc falls back to clone)");
        return over();
}
