/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "sandbox-internal.h"

/* The sync socket's messages (struct sync_msg), each with up to
 * SYNC_MAX_FDS descriptors as SCM_RIGHTS: the listener from init's helper
 * (listener.c), the cgroup leaf's entry files to the child (run.c). Both
 * sides run in a child too, so no allocation. */

union sync_control {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * SYNC_MAX_FDS)];
};

int sync_send(int sock, struct sync_msg *msg, const int *fds, size_t n)
{
        struct iovec iov = { .iov_base = (void *) msg, .iov_len = sizeof(*msg) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        union sync_control control;

        if (n > SYNC_MAX_FDS)
                return -E2BIG;
        msg->nfds = (int) n;
        if (n > 0) {
                struct cmsghdr *c;

                memset(&control, 0, sizeof(control));
                mh.msg_control = control.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
        }
        return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t) sizeof(*msg) ? 0 : -errno;
}

/* Keeps the fds of the first SCM_RIGHTS block if it fits in max and came
 * whole; closes every other one. */
static size_t take_fds(struct msghdr *mh, int *fds, size_t max)
{
        size_t kept = 0;
        bool taken = false;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                size_t n = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS ?
                                   (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;
                bool keep = !taken && n <= max && !(mh->msg_flags & MSG_CTRUNC);

                for (size_t i = 0; i < n; i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (keep)
                                fds[kept++] = fd;
                        else
                                safe_close(fd);
                }
                taken = taken || n > 0;
        }
        return kept;
}

ssize_t sync_recv_fds(int sock, struct sync_msg *msg, int flags, int *fds, size_t max, size_t *ret_n)
{
        struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
        union sync_control control;
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
        };
        ssize_t n;

        *ret_n = 0;
        do
                n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR && !(flags & MSG_DONTWAIT));
        if (n < 0)
                return -errno;
        *ret_n = take_fds(&mh, fds, max);
        /* a receiver that expected descriptors must not go on without them */
        if (n == (ssize_t) sizeof(*msg) && *ret_n != (size_t) msg->nfds) {
                close_many(fds, *ret_n);
                *ret_n = 0;
                return -EBADMSG;
        }
        return n;
}
