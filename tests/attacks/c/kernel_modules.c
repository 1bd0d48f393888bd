/* SPDX-License-Identifier: MIT
 * attack: load and remove kernel modules (always killed, whatever the profile)
 * expect: SECCOMP_VIOLATION
 * expect-default: SECCOMP_VIOLATION
 */
int main(void)
{
        int fd = open("/proc/self/exe", O_RDONLY);
        trying("finit_module");
        verdict(syscall(SYS_finit_module, fd, "", 0) < 0, "finit_module");
        trying("init_module");
        verdict(syscall(SYS_init_module, "", 0, "") < 0, "init_module");
        trying("delete_module");
        verdict(syscall(SYS_delete_module, "ext4", 0) < 0, "delete_module");
        return over();
}
