/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "sandbox/sandbox.h"

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

/* The slot's lock file says "clean" while no run of the slot can be alive:
 * a run overwrites it with "inuse" when it claims the slot and writes
 * "clean" back when it releases the slot, which only happens once
 * cr_sandbox_run() returned, i.e. once every process of its sandboxes is
 * dead (their pid namespaces emptied). A supervisor killed mid-run leaves
 * "inuse"; a new lock file is empty. (Same length: a pwrite() in place,
 * where ftruncate() on tmpfs took half a millisecond.) */
#define SLOT_CLEAN "clean\n"
#define SLOT_IN_USE "inuse\n"

void cli_slot_join_netns(struct cr_sandbox *sb, int slot, int lock_fd)
{
        _cleanup_error_ struct cr_error *err = NULL;
        char state[sizeof(SLOT_CLEAN)], path[sizeof(SLOT_DIR) + 24];
        ssize_t n = pread(lock_fd, state, sizeof(state), 0);
        bool clean = n == (ssize_t) strlen(SLOT_CLEAN) && memcmp(state, SLOT_CLEAN, (size_t) n) == 0;

        /* unless it can say "not clean" first, a run must not use a pin */
        if (pwrite(lock_fd, SLOT_IN_USE, strlen(SLOT_IN_USE), 0) != (ssize_t) strlen(SLOT_IN_USE)) {
                log_warning("Sandbox slot %d: cannot mark it in use (%m): its runs get network namespaces of "
                            "their own",
                            slot);
                return;
        }
        snprintf(path, sizeof(path), SLOT_DIR "/%d.netns", slot);
        if (cr_sandbox_prepare_slot_pinned(sb, (unsigned) slot, path, clean, &err) < 0)
                log_warning_err(err, "Sandbox slot %d's network namespace, ignoring", slot);
}

void cli_slot_release(int *lock_fd)
{
        if (*lock_fd < 0)
                return;
        (void) pwrite(*lock_fd, SLOT_CLEAN, strlen(SLOT_CLEAN), 0);
        *lock_fd = safe_close(*lock_fd);
}
