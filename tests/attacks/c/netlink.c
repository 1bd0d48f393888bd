/* SPDX-License-Identifier: MIT
 * attack: netlink beyond NETLINK_ROUTE (audit, uevents, sock_diag) and changing routes or links
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

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

int main(void)
{
        struct { struct nlmsghdr h; struct ifinfomsg i; } req = {
                .h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWLINK,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE },
                .i = { .ifi_family = AF_UNSPEC, .ifi_index = 1, .ifi_flags = 0, .ifi_change = 1 },
        };
        struct { struct nlmsghdr h; struct nlmsgerr e; } ack;
        int fd;

        trying("socket(AF_NETLINK)");
        verdict(socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) < 0, "NETLINK_AUDIT socket");
        verdict(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT) < 0, "NETLINK_KOBJECT_UEVENT socket");
        verdict(socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG) < 0, "NETLINK_SOCK_DIAG socket");
        verdict(socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER) < 0, "NETLINK_NETFILTER socket");
        fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        if (fd >= 0 && send(fd, &req, sizeof(req), 0) == sizeof(req) &&
            recv(fd, &ack, sizeof(ack), 0) >= (ssize_t) sizeof(ack.h)) {
                errno = -ack.e.error;
                verdict(ack.e.error != 0, "bring lo down over NETLINK_ROUTE");
        } else {
                verdict(1, "NETLINK_ROUTE request");
        }
        return over();
}
