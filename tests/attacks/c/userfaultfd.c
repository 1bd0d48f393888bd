/* SPDX-License-Identifier: MIT
 * attack: userfaultfd (the classic way to win kernel races), by syscall and by /dev/userfaultfd
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        verdict(open("/dev/userfaultfd", O_RDWR) < 0, "open /dev/userfaultfd");
        trying("userfaultfd");
        verdict(syscall(SYS_userfaultfd, O_CLOEXEC) < 0, "userfaultfd");
        return over();
}
