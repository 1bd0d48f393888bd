/* SPDX-License-Identifier: MIT
 * attack: sysfs and /proc/sys: core_pattern (runs a host program as root), sysrq, cgroup files
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

int main(void)
{
        static const char *const writes[] = {
                "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger", "/proc/sys/kernel/modprobe",
                "/proc/sys/vm/drop_caches", "/sys/kernel/uevent_helper", "/sys/fs/cgroup/cgroup.procs",
                "/proc/self/oom_score_adj", "/proc/self/attr/current", "/proc/1/oom_score_adj",
        };
        struct stat st;

        verdict(stat("/sys/kernel", &st) < 0, "see /sys");
        for (size_t i = 0; i < sizeof(writes) / sizeof(*writes); i++) {
                int fd = open(writes[i], O_WRONLY);
                ssize_t n = fd >= 0 ? write(fd, "-1000\n", 6) : -1;
                char what[128];
                snprintf(what, sizeof(what), "write %s", writes[i]);
                /* oom_score_adj may be raised (more likely killed) but never lowered */
                verdict(n < 0, what);
                if (fd >= 0)
                        close(fd);
        }
        return over();
}
