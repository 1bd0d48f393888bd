/* SPDX-License-Identifier: MIT
 * attack: read other processes' environment and command line, the supervisor's included
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

static void dump(const char *pid, const char *file)
{
        char path[300], buf[65536];
        int fd;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
        fd = open(path, O_RDONLY);
        if (fd < 0)
                return;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        for (ssize_t i = 0; i < n; i++)
                if (buf[i] == '\0')
                        buf[i] = ' ';
        buf[n > 0 ? n : 0] = '\0';
        /* printed whole: the host fails the test if its secret shows up */
        printf("%s: %s\n", path, buf);
}

int main(void)
{
        struct dirent *e;
        int seen = 0;
        DIR *d;

        trying("list /proc");
        d = opendir("/proc");

        while (d && (e = readdir(d)))
                if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
                        dump(e->d_name, "environ");
                        dump(e->d_name, "cmdline");
                        seen++;
                }
        printf("%s: %d processes visible, all the sandbox's own\n", seen < 8 ? "HELD" : "BROKEN", seen);
        verdict(secure_getenv("CR_ATTACK_SUPERVISOR_SECRET") == NULL,
                "the supervisor's environment is inherited");
        return over();
}
