/* SPDX-License-Identifier: MIT
 * attack: setns into the namespaces of pid 1 (not even opened: its init is not ours to inspect) and of itself
 * expect: SECCOMP_VIOLATION
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

#include <sched.h>

int main(void)
{
        static const char *const ns[] = { "user", "mnt", "net", "pid", "uts", "ipc", "cgroup", "time" };
        int fds[32], n = 0;

        for (size_t i = 0; i < sizeof(ns) / sizeof(*ns); i++) {
                char path[64];
                for (int self = 0; self < 2; self++) {
                        snprintf(path, sizeof(path), "/proc/%s/ns/%s", self ? "self" : "1", ns[i]);
                        fds[n] = open(path, O_RDONLY);
                        if (fds[n] >= 0)
                                n++;
                }
        }
        printf("opened %d namespace files\n", n);
        trying("setns");
        for (int i = 0; i < n; i++)
                verdict(setns(fds[i], 0) < 0, "setns into a namespace");
        return over();
}
