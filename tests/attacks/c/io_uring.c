/* SPDX-License-Identifier: MIT
 * attack: io_uring (a second syscall interface that seccomp does not see)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        char params[120] = { 0 };

        trying("io_uring_setup");
        verdict(syscall(SYS_io_uring_setup, 8, params) < 0 && errno == ENOSYS, "io_uring_setup (must be ENOSYS)");
        trying("io_uring_enter");
        verdict(syscall(SYS_io_uring_enter, 0, 1, 0, 0, NULL, 0) < 0, "io_uring_enter");
        verdict(syscall(SYS_io_uring_register, 0, 0, NULL, 0) < 0, "io_uring_register");
        return over();
}
