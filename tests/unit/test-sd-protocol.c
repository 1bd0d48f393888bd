/* SPDX-License-Identifier: MIT */
/* The service-manager protocols written without libsystemd: sd_notify to a
 * path and an abstract socket, the watchdog variables, the journal's native
 * encoding byte for byte, and an entry too large for a datagram arriving as
 * a sealed memfd. Each test binds its own socket as the receiving end; the
 * VM tier checks the same code against a real systemd and journald. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "service/sd-protocol.h"
#include "tests.h"
#include "xalloc.h"

#define FIELD(s) ((struct iovec){.iov_base = (char *) (s), .iov_len = sizeof(s) - 1})

/* A datagram socket bound at `name` ("/path" or "@abstract"). */
static int bind_receiver(const char *name)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(name);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path, name, n);
        if (name[0] == '@')
                sa.sun_path[0] = '\0';
        if (bind(fd, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* One datagram, and the descriptor that came with it (or -1). */
static ssize_t receive(int fd, char *buf, size_t size, int *ret_fd)
{
        union {
                struct cmsghdr h;
                char space[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = {.iov_base = buf, .iov_len = size};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                            .msg_controllen = sizeof(control)};
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        *ret_fd = -1;
        if (n >= 0 && c && c->cmsg_type == SCM_RIGHTS)
                memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return n;
}

static char *temp_socket_path(char *dir)
{
        if (!mkdtemp(dir))
                return NULL;
        return xasprintf("%s/notify", dir);
}

/* Removes the socket and its directory, even when an assertion returned
 * early. */
static void socket_path_freep(char **path)
{
        char *slash;

        if (!*path)
                return;
        (void) unlink(*path);
        slash = strrchr(*path, '/');
        *slash = '\0';
        (void) rmdir(*path);
        free(*path);
}
#define _cleanup_socket_path_ _cleanup_(socket_path_freep)

TEST(notify_reaches_a_path_socket)
{
        char dir[] = "/tmp/test-sd-XXXXXX", buf[256];
        _cleanup_socket_path_ char *path = temp_socket_path(dir);
        _cleanup_close_ int rx = -EBADF, fd = -EBADF;
        ssize_t n;

        ASSERT_TRUE(path != NULL);
        rx = bind_receiver(path);
        ASSERT_OK(rx);
        ASSERT_OK(setenv("NOTIFY_SOCKET", path, 1));
        ASSERT_EQ(cr_sd_notify("READY=1\nSTATUS=serving"), 1);
        n = receive(rx, buf, sizeof(buf), &fd);
        ASSERT_EQ(n, 22);
        ASSERT_TRUE(memcmp(buf, "READY=1\nSTATUS=serving", 22) == 0);
        unsetenv("NOTIFY_SOCKET");
}

TEST(notify_reaches_an_abstract_socket)
{
        _cleanup_free_ char *name = xasprintf("@cr-test-sd-%d", (int) getpid());
        _cleanup_close_ int rx = bind_receiver(name), fd = -EBADF;
        char buf[64];

        ASSERT_OK(rx);
        ASSERT_OK(setenv("NOTIFY_SOCKET", name, 1));
        ASSERT_EQ(cr_sd_notify("WATCHDOG=1"), 1);
        ASSERT_EQ(receive(rx, buf, sizeof(buf), &fd), 10);
        ASSERT_TRUE(memcmp(buf, "WATCHDOG=1", 10) == 0);
        unsetenv("NOTIFY_SOCKET");
}

TEST(notify_without_a_socket_does_nothing)
{
        unsetenv("NOTIFY_SOCKET");
        ASSERT_EQ(cr_sd_notify("READY=1"), 0);
        ASSERT_OK(setenv("NOTIFY_SOCKET", "", 1));
        ASSERT_EQ(cr_sd_notify("READY=1"), 0);
        /* an address kind we do not speak is an error, not a guess */
        ASSERT_OK(setenv("NOTIFY_SOCKET", "vsock:2:1234", 1));
        ASSERT_ERRNO(cr_sd_notify("READY=1"), EAFNOSUPPORT);
        /* nobody listening: the error comes back, nothing blocks */
        ASSERT_OK(setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1));
        ASSERT_ERRNO(cr_sd_notify("READY=1"), ENOENT);
        unsetenv("NOTIFY_SOCKET");
}

TEST(watchdog_is_for_the_process_systemd_named)
{
        _cleanup_free_ char *me = xasprintf("%d", (int) getpid());
        _cleanup_free_ char *other = xasprintf("%d", (int) getpid() + 1);

        unsetenv("WATCHDOG_PID");
        unsetenv("WATCHDOG_USEC");
        ASSERT_UEQ(cr_sd_watchdog_usec(), 0);
        ASSERT_OK(setenv("WATCHDOG_USEC", "400000", 1));
        ASSERT_UEQ(cr_sd_watchdog_usec(), 400000);
        ASSERT_OK(setenv("WATCHDOG_PID", me, 1));
        ASSERT_UEQ(cr_sd_watchdog_usec(), 400000);
        ASSERT_OK(setenv("WATCHDOG_PID", other, 1));
        ASSERT_UEQ(cr_sd_watchdog_usec(), 0);
        ASSERT_OK(setenv("WATCHDOG_PID", me, 1));
        ASSERT_OK(setenv("WATCHDOG_USEC", "soon", 1));
        ASSERT_UEQ(cr_sd_watchdog_usec(), 0);
        ASSERT_OK(setenv("WATCHDOG_USEC", "0", 1));
        ASSERT_UEQ(cr_sd_watchdog_usec(), 0);
        unsetenv("WATCHDOG_PID");
        unsetenv("WATCHDOG_USEC");
}

TEST(journal_encoding_is_the_native_protocol)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct iovec fields[] = {FIELD("MESSAGE=two\nlines"), FIELD("PRIORITY=6"), FIELD("EMPTY=")};
        static const char expected[] = "MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\nPRIORITY=6\nEMPTY=\n";

        ASSERT_OK(cr_journal_encode(fields, 3, &b));
        ASSERT_UEQ(b.len, sizeof(expected) - 1);
        ASSERT_TRUE(memcmp(b.data, expected, b.len) == 0);
}

TEST(journal_refuses_keys_journald_would_drop)
{
        const struct iovec bad[] = {FIELD("message=x"), FIELD("_PID=1"), FIELD("1ST=x"), FIELD("NOEQUALS"),
                                    FIELD("=x"), FIELD("A-B=x")};

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
                ASSERT_ERRNO(cr_journal_encode(&bad[i], 1, &b), EINVAL);
        }
}

TEST(journal_entry_arrives_as_one_datagram)
{
        char dir[] = "/tmp/test-sd-XXXXXX", buf[256];
        _cleanup_socket_path_ char *path = temp_socket_path(dir);
        _cleanup_close_ int rx = -EBADF, fd = -EBADF;
        struct iovec fields[] = {FIELD("MESSAGE=hello"), FIELD("CODERUNNER_EVENT=ready")};

        ASSERT_TRUE(path != NULL);
        rx = bind_receiver(path);
        ASSERT_OK(rx);
        ASSERT_OK(cr_journal_send_to(path, fields, 2));
        ASSERT_EQ(receive(rx, buf, sizeof(buf), &fd), 37);
        ASSERT_TRUE(memcmp(buf, "MESSAGE=hello\nCODERUNNER_EVENT=ready\n", 37) == 0);
        ASSERT_EQ(fd, -1);
}

/* Bigger than any AF_UNIX datagram may be (the send buffer's size): the
 * entry goes in a memfd, sealed so the sender cannot change it as journald
 * reads, with an empty payload. */
TEST(journal_entry_too_large_for_a_datagram_goes_in_a_sealed_memfd)
{
        size_t big = 4U << 20;
        char dir[] = "/tmp/test-sd-XXXXXX", buf[16];
        _cleanup_socket_path_ char *path = temp_socket_path(dir);
        _cleanup_free_ char *field = xmalloc(big), *copy = xmalloc(big + 1);
        _cleanup_close_ int rx = -EBADF, fd = -EBADF;
        struct iovec iov;
        struct stat st;

        ASSERT_TRUE(path != NULL);
        memcpy(field, "MESSAGE=", 8);
        memset(field + 8, 'x', big - 8);
        iov = (struct iovec){.iov_base = field, .iov_len = big};
        rx = bind_receiver(path);
        ASSERT_OK(rx);
        ASSERT_OK(cr_journal_send_to(path, &iov, 1));
        ASSERT_EQ(receive(rx, buf, sizeof(buf), &fd), 0);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
        ASSERT_OK(fstat(fd, &st));
        ASSERT_UEQ((size_t) st.st_size, big + 1);
        ASSERT_EQ(pread(fd, copy, big + 1, 0), (ssize_t) big + 1);
        ASSERT_TRUE(memcmp(copy, field, big) == 0 && copy[big] == '\n');
}

TESTS_MAIN
