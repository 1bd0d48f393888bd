/* SPDX-License-Identifier: MIT
 * attack: climb out of the root with /proc/self/root, .. chains and other processes' roots
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

int main(void)
{
        const char *secret = param("secret_path");
        struct stat root, up, self;
        char path[1200];
        DIR *d;
        struct dirent *e;

        stat("/", &root);
        stat("/proc/self/root/../../../..", &up);
        stat("/proc/self/root", &self);
        if (root.st_ino == up.st_ino && root.st_dev == up.st_dev && root.st_ino == self.st_ino)
                puts("HELD: /proc/self/root/../.. is the sandbox's own root");
        else
                puts("BROKEN: /proc/self/root/.. leads above the root");
        if (chdir("/proc/self/root") == 0 && chdir("../../../../..") == 0) {
                struct stat here;
                stat(".", &here);
                printf("%s: chdir .. above /proc/self/root stays at the root\n",
                       here.st_ino == root.st_ino && here.st_dev == root.st_dev ? "HELD" : "BROKEN");
        }
        trying("list /proc");
        d = opendir("/proc");
        while (d && (e = readdir(d))) {
                if (e->d_name[0] < '1' || e->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/root%s", e->d_name, secret);
                verdict(open(path, O_RDONLY) < 0, path);
        }
        if (d)
                closedir(d);
        return over();
}
