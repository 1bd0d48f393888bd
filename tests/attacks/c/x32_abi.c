/* SPDX-License-Identifier: MIT
 * attack: the x32 ABI: syscall numbers with bit 30 set bypass filters written for x86_64
 * expect: SECCOMP_VIOLATION
 * expect-default: SECCOMP_VIOLATION
 */
#define X32_BIT 0x40000000L

int main(void)
{
        trying("x32 chroot");
        verdict(syscall(X32_BIT | SYS_chroot, "/") < 0, "chroot through the x32 ABI");
        trying("x32 getpid");
        verdict(syscall(X32_BIT | SYS_getpid) < 0, "getpid through the x32 ABI");
        return over();
}
