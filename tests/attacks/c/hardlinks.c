/* SPDX-License-Identifier: MIT
 * attack: hard links to files the sandbox may not write, and across filesystems into the host
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        const char *secret = param("secret_path");
        char path[1200];

        trying("link");
        verdict(link("/etc/passwd", "/tmp/passwd") < 0, "hard-link /etc/passwd into /tmp");
        verdict(link("/box/main", "/tmp/main") < 0, "hard-link the program into /tmp");
        verdict(link("/tmp", "/tmp/loop") < 0, "hard-link a directory");
        snprintf(path, sizeof(path), "/proc/1/root%s", secret);
        verdict(link(path, "/tmp/secret") < 0, "hard-link the host's secret");
        verdict(linkat(AT_FDCWD, "/proc/self/exe", AT_FDCWD, "/tmp/exe", AT_SYMLINK_FOLLOW) < 0,
                "hard-link /proc/self/exe");
        return over();
}
