/* SPDX-License-Identifier: MIT
 * attack: raise resource limits past their hard limits, and another process's
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

#include <sys/resource.h>

int main(void)
{
        static const struct { int res; const char *name; } limits[] = {
                { RLIMIT_NOFILE, "NOFILE" }, { RLIMIT_NPROC, "NPROC" }, { RLIMIT_CPU, "CPU" },
                { RLIMIT_FSIZE, "FSIZE" }, { RLIMIT_CORE, "CORE" }, { RLIMIT_MEMLOCK, "MEMLOCK" },
        };
        struct rlimit rl;

        for (size_t i = 0; i < sizeof(limits) / sizeof(*limits); i++) {
                char what[64];
                getrlimit(limits[i].res, &rl);
                if (rl.rlim_max == RLIM_INFINITY) {
                        printf("%s has no hard limit to raise\n", limits[i].name);
                        continue;
                }
                rl.rlim_max += 1;
                rl.rlim_cur = rl.rlim_max;
                snprintf(what, sizeof(what), "raise RLIMIT_%s past its hard limit", limits[i].name);
                verdict(setrlimit(limits[i].res, &rl) < 0, what);
        }
        rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
        verdict(prlimit(1, RLIMIT_NOFILE, &rl, NULL) < 0, "prlimit on the sandbox's init");
        return over();
}
