/* SPDX-License-Identifier: MIT
 * attack: find setuid and setgid files to run, and mounts that would honour them
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

#include <ftw.h>
#include <sys/statvfs.h>

static int found;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) ftw;
        if (type == FTW_F && (st->st_mode & (S_ISUID | S_ISGID))) {
                printf("BROKEN: %s is setuid or setgid\n", path);
                found++;
        }
        return 0;
}

int main(void)
{
        static const char *const mounts[] = { "/", "/tmp", "/dev/shm", "/box", "/proc" };
        struct statvfs sv;

        trying("walk the image");
        nftw("/usr", visit, 32, FTW_PHYS | FTW_MOUNT);
        nftw("/bin", visit, 32, FTW_PHYS | FTW_MOUNT);
        nftw("/sbin", visit, 32, FTW_PHYS | FTW_MOUNT);
        if (!found)
                puts("HELD: no setuid or setgid file in the image");
        for (size_t i = 0; i < sizeof(mounts) / sizeof(*mounts); i++) {
                char what[64];
                errno = 0;
                snprintf(what, sizeof(what), "%s is mounted without nosuid", mounts[i]);
                verdict(statvfs(mounts[i], &sv) == 0 && (sv.f_flag & ST_NOSUID), what);
        }
        verdict(setuid(0) < 0, "setuid(0)");
        return over();
}
