/* SPDX-License-Identifier: MIT
 * attack: connect to a listener the host runs on loopback, and to addresses beyond
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * host: listener
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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void attempt(int family, const char *addr, int port)
{
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
        struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
        char what[128];
        int fd = socket(family, SOCK_STREAM, 0), r;

        if (family == AF_INET) {
                inet_pton(AF_INET, addr, &a4.sin_addr);
                r = connect(fd, (struct sockaddr *) &a4, sizeof(a4));
        } else {
                inet_pton(AF_INET6, addr, &a6.sin6_addr);
                r = connect(fd, (struct sockaddr *) &a6, sizeof(a6));
        }
        snprintf(what, sizeof(what), "connect to %s port %d", addr, port);
        verdict(r < 0, what);
        close(fd);
}

int main(void)
{
        int port = (int) strtol(param("port"), NULL, 10);

        trying("socket(AF_INET)");
        attempt(AF_INET, "127.0.0.1", port);
        attempt(AF_INET6, "::1", port);
        attempt(AF_INET, "169.254.169.254", 80);
        attempt(AF_INET, "10.0.2.2", port);
        attempt(AF_INET, "8.8.8.8", 53);
        return over();
}
