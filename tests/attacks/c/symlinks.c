/* SPDX-License-Identifier: MIT
 * attack: symlinks in the work dir and /tmp that point at the host's files
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        const char *canary = param("canary_path"), *secret = param("secret_path");
        char path[1200];
        int fd;

        trying("symlink");
        verdict(symlink(canary, "/box/canary") < 0, "create a symlink in the read-only work dir");
        symlink(canary, "/tmp/canary");
        fd = open("/tmp/canary", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0 && write(fd, "pwned\n", 6) == 6)
                puts("HELD: wrote through the symlink: it lands in the sandbox, the host checks its canary");
        snprintf(path, sizeof(path), "/proc/1/root%s", secret);
        symlink(path, "/tmp/secret");
        verdict(open("/tmp/secret", O_RDONLY) < 0, "read the host's secret through a symlink");
        symlink("/", "/dev/shm/root");
        verdict(open("/dev/shm/root/proc/1/root/etc/shadow", O_WRONLY) < 0, "write /etc/shadow through a symlink");
        return over();
}
