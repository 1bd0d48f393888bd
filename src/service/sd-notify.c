/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "parse-util.h"
#include "sd-protocol.h"

/* "/path" or "@abstract" → an AF_UNIX address and its exact length (an
 * abstract name's length counts its bytes, with no terminating NUL). */
static int notify_address(const char *name, struct sockaddr_un *sa, socklen_t *ret_len)
{
        size_t n = strlen(name);

        if ((name[0] != '/' && name[0] != '@') || n < 2 || n >= sizeof(sa->sun_path))
                return -EAFNOSUPPORT; /* vsock: and relative paths: not ours to guess */
        *sa = (struct sockaddr_un) { .sun_family = AF_UNIX };
        memcpy(sa->sun_path, name, n);
        if (name[0] == '@')
                sa->sun_path[0] = '\0';
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
        return 0;
}

int cr_sd_notify(const char *state)
{
        const char *name = secure_getenv("NOTIFY_SOCKET");
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        if (!name || !name[0])
                return 0;
        r = notify_address(name, &sa, &len);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        return 1;
}

uint64_t cr_sd_watchdog_usec(void)
{
        const char *usec = secure_getenv("WATCHDOG_USEC"), *pid = secure_getenv("WATCHDOG_PID");
        uint64_t v, p;

        if (!usec || safe_atou64(usec, &v) < 0 || v == 0)
                return 0;
        /* set for the main process only: a child that inherited it is not
         * the one systemd watches */
        if (pid && (safe_atou64(pid, &p) < 0 || p != (uint64_t) getpid()))
                return 0;
        return v;
}
