/* SPDX-License-Identifier: MIT
 * attack: netlink beyond NETLINK_ROUTE (audit, uevents, sock_diag) and changing routes or links
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
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
