/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "fd-util.h"
#include "sd-protocol.h"

/* An entry larger than this goes through a memfd (the journal reads up to
 * 768 MiB that way; our log lines are far below either limit). */
#define JOURNAL_ENTRY_MAX (16U << 20)

/* What journald accepts from a client: A–Z, 0–9 and '_', not starting with
 * a digit, and not '_' (the fields journald itself trusts start with it). */
static bool journal_key_valid(const char *key, size_t n)
{
        if (n == 0 || n > 64 || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
                        return false;
        return true;
}

static int encode_field(const char *field, size_t n, struct cr_buf *out)
{
        const char *eq = memchr(field, '=', n);
        size_t klen = eq ? (size_t) (eq - field) : 0, vlen = n - klen - 1;
        uint64_t le;
        int r;

        if (!eq || !journal_key_valid(field, klen))
                return -EINVAL;
        if (!memchr(eq + 1, '\n', vlen)) {
                r = cr_buf_append(out, field, n);
                return r < 0 ? r : cr_buf_append(out, "\n", 1);
        }
        /* a value with newlines: KEY\n, its length (LE64), the bytes, \n */
        le = htole64((uint64_t) vlen);
        r = cr_buf_append(out, field, klen);
        if (r >= 0)
                r = cr_buf_append(out, "\n", 1);
        if (r >= 0)
                r = cr_buf_append(out, &le, sizeof(le));
        if (r >= 0)
                r = cr_buf_append(out, eq + 1, vlen);
        return r < 0 ? r : cr_buf_append(out, "\n", 1);
}

int cr_journal_encode(const struct iovec *fields, size_t n, struct cr_buf *out)
{
        for (size_t i = 0; i < n; i++) {
                int r = encode_field(fields[i].iov_base, fields[i].iov_len, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The entry in a sealed memfd, the descriptor sent with an empty payload:
 * journald refuses an unsealed one, since we could change it as it reads. */
static int send_as_memfd(int sock, const struct sockaddr_un *sa, socklen_t salen, const struct cr_buf *entry)
{
        _cleanup_close_ int mfd = memfd_create("journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        union {
                struct cmsghdr h;
                char space[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {.msg_name = (void *) sa, .msg_namelen = salen, .msg_control = &control,
                            .msg_controllen = sizeof(control)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        if (mfd < 0 || loop_write(mfd, entry->data, entry->len) < 0 ||
            fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &mfd, sizeof(int));
        return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int cr_journal_send_to(const char *path, const struct iovec *fields, size_t n)
{
        _cleanup_buf_ struct cr_buf entry = CR_BUF_INIT(JOURNAL_ENTRY_MAX);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int sock = -EBADF;
        socklen_t salen;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        r = cr_journal_encode(fields, n, &entry);
        if (r < 0)
                return r;
        memcpy(sa.sun_path, path, strlen(path));
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return -errno;
        if (sendto(sock, entry.data, entry.len, MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) >= 0)
                return 0;
        if (errno != EMSGSIZE && errno != ENOBUFS)
                return -errno;
        return send_as_memfd(sock, &sa, salen, &entry);
}
