/* SPDX-License-Identifier: MIT
 * attack: pivot_root and chroot into a directory of one's own
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        trying("mkdir");
        mkdir("/tmp/newroot", 0755);
        trying("pivot_root");
        verdict(syscall(SYS_pivot_root, "/tmp", "/tmp/newroot") < 0, "pivot_root to /tmp");
        trying("chroot");
        verdict(chroot("/tmp") < 0, "chroot to /tmp");
        return over();
}
