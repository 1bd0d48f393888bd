/* SPDX-License-Identifier: MIT
 * attack: kernel addresses and internals: /proc/kallsyms, modules, timer_list, sched_debug, System.map
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

#include <dirent.h>

static void no_addresses(const char *path)
{
        char line[512], what[128];
        long nonzero = 0, lines = 0;
        FILE *f = fopen(path, "r");

        while (f && fgets(line, sizeof(line), f)) {
                lines++;
                if (strtoull(line, NULL, 16) != 0)
                        nonzero++;
        }
        snprintf(what, sizeof(what), "%s gives kernel addresses (%ld of %ld lines)", path, nonzero, lines);
        printf("%s: %s\n", nonzero ? "BROKEN" : "HELD", what);
        if (f)
                fclose(f);
}

int main(void)
{
        static const char *const hidden[] = { "/proc/timer_list", "/proc/sched_debug", "/proc/self/stack",
                                              "/proc/vmallocinfo", "/proc/config.gz" };
        char buf[64];
        struct dirent *e;
        DIR *d;

        no_addresses("/proc/kallsyms");
        no_addresses("/proc/modules");
        for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++) {
                int fd = open(hidden[i], O_RDONLY);
                char what[128];
                snprintf(what, sizeof(what), "%s has content", hidden[i]);
                verdict(fd < 0 || read(fd, buf, sizeof(buf)) <= 0, what);
        }
        trying("list /boot");
        d = opendir("/boot");
        while (d && (e = readdir(d)))
                if (!strncmp(e->d_name, "System.map", 10) || !strncmp(e->d_name, "vmlinu", 6))
                        printf("BROKEN: /boot/%s is visible\n", e->d_name);
        puts("HELD: no System.map or kernel image in /boot");
        return over();
}
