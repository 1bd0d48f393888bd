/* SPDX-License-Identifier: MIT
 * attack: ptrace a sibling and pid 1, read a sibling's memory with process_vm_readv
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sys/ptrace.h>
#include <sys/uio.h>

int main(void)
{
        static char secret[] = "sibling's memory";
        char buf[32];
        struct iovec local = { buf, sizeof(buf) }, remote = { secret, sizeof(secret) };
        pid_t child = fork();

        if (child == 0) {
                for (;;)
                        sleep(1000);
                _exit(0);
        }
        trying("ptrace");
        verdict(ptrace(PTRACE_ATTACH, child, NULL, NULL) < 0, "PTRACE_ATTACH to a sibling");
        verdict(ptrace(PTRACE_SEIZE, 1, NULL, NULL) < 0, "PTRACE_SEIZE pid 1 (the sandbox's init)");
        trying("process_vm_readv");
        verdict(process_vm_readv(child, &local, 1, &remote, 1, 0) < 0, "process_vm_readv a sibling");
        kill(child, SIGKILL);
        return over();
}
