/* SPDX-License-Identifier: MIT
 * attack: fill the disk: /tmp and /dev/shm, file after file, until they are full
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

/* One file until the file size limit (EFBIG, SIGXFSZ ignored), then the next,
 * until the filesystem is full (ENOSPC). */
static void fill(const char *dir)
{
        static char block[1 << 16];
        char path[128], what[160];
        long long total = 0;
        ssize_t n = 0;
        int i;

        for (i = 0; i < 1000; i++) {
                int fd;
                snprintf(path, sizeof(path), "%s/fill%d", dir, i);
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd < 0)
                        break;
                while ((n = write(fd, block, sizeof(block))) > 0)
                        total += n;
                close(fd);
                if (n < 0 && errno != EFBIG)
                        break;
        }
        snprintf(what, sizeof(what), "fill %s: stopped after %lld MiB in %d files", dir, total >> 20, i + 1);
        verdict(i < 1000 && total < (1LL << 30), what);
        while (i >= 0) {
                snprintf(path, sizeof(path), "%s/fill%d", dir, i--);
                unlink(path);
        }
}

int main(void)
{
        signal(SIGXFSZ, SIG_IGN);
        fill("/tmp");
        fill("/dev/shm");
        return over();
}
