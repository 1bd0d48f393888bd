/* SPDX-License-Identifier: MIT
 * attack: reach the host's filesystem through /proc/1/root and /proc/1/cwd
 * expect: OK
 * expect-default: OK
 */
static void try_read(const char *path)
{
        char buf[256];
        int fd = open(path, O_RDONLY);

        if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);
                buf[n > 0 ? n : 0] = '\0';
                printf("read %s: %s\n", path, buf); /* the host checks no secret shows up */
                close(fd);
        }
        printf("HELD: %s is not the host's file\n", path);
}

int main(void)
{
        const char *secret = param("secret_path"), *canary = param("canary_path");
        char path[1200], dir[1024];
        int fd;

        snprintf(path, sizeof(path), "/proc/1/root%s", secret);
        try_read(path);
        snprintf(path, sizeof(path), "/proc/1/cwd/../../../../../..%s", secret);
        try_read(path);
        try_read(secret);
        snprintf(dir, sizeof(dir), "%s", canary);
        *strrchr(dir, '/') = '\0';
        snprintf(path, sizeof(path), "/proc/1/root%s/pwned", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        verdict(fd < 0, "create a file in the host's directory through /proc/1/root");
        snprintf(path, sizeof(path), "/proc/1/root%s", canary);
        fd = open(path, O_WRONLY | O_TRUNC);
        verdict(fd < 0, "truncate the host's canary through /proc/1/root");
        return over();
}
