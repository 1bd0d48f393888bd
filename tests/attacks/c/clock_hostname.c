/* SPDX-License-Identifier: MIT
 * attack: set the clock, adjust it, change the hostname and domain name
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

#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

int main(void)
{
        struct timespec ts = { .tv_sec = 86400 };
        struct timeval tv = { .tv_sec = 86400 };
        struct timex tx = { .modes = ADJ_OFFSET, .offset = 1000000 };

        trying("clock_settime");
        verdict(clock_settime(CLOCK_REALTIME, &ts) < 0, "clock_settime(CLOCK_REALTIME)");
        trying("settimeofday");
        verdict(settimeofday(&tv, NULL) < 0, "settimeofday");
        trying("adjtimex");
        verdict(adjtimex(&tx) < 0, "adjtimex an offset");
        trying("sethostname");
        verdict(sethostname("pwned", 5) < 0, "sethostname");
        trying("setdomainname");
        verdict(setdomainname("pwned", 5) < 0, "setdomainname");
        return over();
}
