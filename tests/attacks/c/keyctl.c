/* SPDX-License-Identifier: MIT
 * attack: the kernel keyring (keyctl, add_key, request_key)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        trying("add_key");
        verdict(syscall(SYS_add_key, "user", "attack", "x", 1, -3 /* session */) < 0, "add_key");
        trying("keyctl");
        verdict(syscall(SYS_keyctl, 1 /* JOIN_SESSION_KEYRING */, "attack") < 0, "keyctl join a keyring");
        trying("request_key");
        verdict(syscall(SYS_request_key, "user", "attack", NULL, 0) < 0, "request_key");
        return over();
}
