/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "sandbox/sandbox-internal.h"
#include "tests.h"

/* The sync socket's messages with descriptors (src/sandbox/sync.c): the
 * seccomp listener to the supervisor, a v1 leaf's entry files to the
 * child. A receiver never goes on with fewer descriptors than the message
 * says it carries, and never keeps one it did not ask for. */

static int pair(int sv[2])
{
        return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ? -errno : 0;
}

static bool same_file(int a, int b)
{
        struct stat x, y;

        return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

TEST(round_trip_with_descriptors)
{
        _cleanup_(close_pairp) int sv[2] = { -EBADF, -EBADF };
        struct sync_msg out = { .type = SYNC_ATTACHED }, in;
        int sent[SYNC_MAX_FDS], got[SYNC_MAX_FDS];
        size_t n;

        ASSERT_OK(pair(sv));
        for (size_t i = 0; i < SYNC_MAX_FDS; i++)
                ASSERT_TRUE((sent[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
        ASSERT_OK(sync_send(sv[0], &out, sent, SYNC_MAX_FDS));
        ASSERT_EQ(out.nfds, SYNC_MAX_FDS);
        ASSERT_EQ(sync_recv_fds(sv[1], &in, 0, got, SYNC_MAX_FDS, &n), (ssize_t) sizeof(in));
        ASSERT_EQ(in.type, SYNC_ATTACHED);
        ASSERT_EQ(n, SYNC_MAX_FDS);
        for (size_t i = 0; i < n; i++) {
                ASSERT_TRUE(got[i] != sent[i] && same_file(got[i], sent[i]));
                ASSERT_EQ(fcntl(got[i], F_GETFD), FD_CLOEXEC);
        }
        close_many(sent, SYNC_MAX_FDS);
        close_many(got, n);
}

TEST(without_descriptors)
{
        _cleanup_(close_pairp) int sv[2] = { -EBADF, -EBADF };
        struct sync_msg out = { .type = SYNC_EXIT, .status = 7 }, in;
        int got[1];
        size_t n = 9;

        ASSERT_OK(pair(sv));
        ASSERT_OK(sync_send(sv[0], &out, NULL, 0));
        ASSERT_EQ(sync_recv_fds(sv[1], &in, MSG_DONTWAIT, got, 1, &n), (ssize_t) sizeof(in));
        ASSERT_EQ(n, 0);
        ASSERT_EQ(in.status, 7);
        ASSERT_EQ(sync_recv_fds(sv[1], &in, MSG_DONTWAIT, got, 1, &n), -EAGAIN);
        ASSERT_ERRNO(sync_send(sv[0], &out, got, SYNC_MAX_FDS + 1), E2BIG);
}

/* More than the receiver takes: none is kept, none is leaked, and the
 * message is refused. */
TEST(more_than_asked_all_closed)
{
        _cleanup_(close_pairp) int sv[2] = { -EBADF, -EBADF };
        struct sync_msg out = { .type = SYNC_LISTENER }, in;
        int sent[2], got[1];
        int before;
        size_t n = 9;

        ASSERT_OK(pair(sv));
        for (size_t i = 0; i < 2; i++)
                ASSERT_TRUE((sent[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
        ASSERT_OK(sync_send(sv[0], &out, sent, 2));
        close_many(sent, 2);
        before = fd_count_open();
        ASSERT_EQ(sync_recv_fds(sv[1], &in, 0, got, 1, &n), -EBADMSG);
        ASSERT_EQ(n, 0);
        ASSERT_EQ(fd_count_open(), before);
}

/* A message that says it carries descriptors but came without them (sent
 * with send(2)): refused, so the child never runs outside its leaf
 * believing it entered it. */
TEST(fewer_than_said_refused)
{
        _cleanup_(close_pairp) int sv[2] = { -EBADF, -EBADF };
        struct sync_msg out = { .type = SYNC_ATTACHED, .nfds = 5 }, in;
        int got[SYNC_MAX_FDS];
        size_t n = 9;

        ASSERT_OK(pair(sv));
        ASSERT_EQ(send(sv[0], &out, sizeof(out), 0), (ssize_t) sizeof(out));
        ASSERT_EQ(sync_recv_fds(sv[1], &in, 0, got, SYNC_MAX_FDS, &n), -EBADMSG);
        ASSERT_EQ(n, 0);
}

/* Cut short (a peer that is not ours): returned as is, descriptors closed. */
TEST(short_message)
{
        _cleanup_(close_pairp) int sv[2] = { -EBADF, -EBADF };
        struct sync_msg in;
        int got[1];
        size_t n = 9;

        ASSERT_OK(pair(sv));
        ASSERT_EQ(send(sv[0], "x", 1, 0), 1);
        ASSERT_EQ(sync_recv_fds(sv[1], &in, 0, got, 1, &n), 1);
        ASSERT_EQ(n, 0);
        ASSERT_OK(shutdown(sv[0], SHUT_WR));
        ASSERT_EQ(sync_recv_fds(sv[1], &in, 0, got, 1, &n), 0);
}

TESTS_MAIN
