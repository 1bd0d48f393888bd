/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

#define SLOT_DIR "/run/coderunner/slots"
/* CLI runs share the host; the daemon owns slots from CLI_SLOT_MAX upwards. */
#define CLI_SLOT_MAX 1024

int cli_slot_acquire(int *ret_fd, struct cr_error **err)
{
        _cleanup_close_ int dirfd = -EBADF;

        if (mkdir("/run/coderunner", 0755) < 0 && errno != EEXIST)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "create /run/coderunner");
        if (mkdir(SLOT_DIR, 0700) < 0 && errno != EEXIST)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "create %s", SLOT_DIR);
        dirfd = open(SLOT_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (dirfd < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "open %s", SLOT_DIR);

        for (int slot = 0; slot < CLI_SLOT_MAX; slot++) {
                char name[16];
                _cleanup_close_ int fd = -EBADF;

                snprintf(name, sizeof(name), "%d.lock", slot);
                fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "open %s/%s", SLOT_DIR, name);
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        *ret_fd = TAKE_FD(fd);
                        return slot;
                }
                if (errno != EWOULDBLOCK)
                        return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "lock %s/%s", SLOT_DIR, name);
        }
        return cr_error_make(err, EAGAIN, CR_ERROR_LIMIT, "all %d sandbox slots are busy", CLI_SLOT_MAX);
}
