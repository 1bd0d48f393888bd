/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "sandbox-internal.h"
#include "xalloc.h"

/* A network namespace per slot, created once and joined by every run in the
 * slot, instead of one created and torn down per run: creating one costs
 * about as much as the rest of clone3(), and its teardown (cleanup_net)
 * runs afterwards in a kworker, taking CPU from the next runs
 * (docs/internals/performance.md).
 *
 * It is as isolated for our purpose: it holds loopback only, nothing but
 * the slot's sandboxes ever enter it, one run at a time, and each run's
 * processes are all dead (its pid namespace emptied) before the slot's next
 * run starts. It is owned by our user namespace, not the sandbox's: the
 * sandbox cannot reconfigure it (lo, routes, sysctls). TIME_WAIT is off in
 * it (net.ipv4.tcp_max_tw_buckets = 0), so that no socket of one run lives
 * on into the next, where it would block a bind() to the same port or show
 * in /proc/net/tcp. The sandbox's init closes every fd of these (run.c):
 * it is a clone of the supervisor, not an exec.
 *
 * A process that runs one sandbox and exits (the CLI) keeps its slot's
 * namespace between processes with a bind mount (a pin), which it reuses
 * only when the slot's last run ended with all its processes dead (the
 * caller knows: cli/slot.c); otherwise it unpins it and pins a new one. */

static int write_sysctl(const char *path, const char *value, struct cr_error **err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t n = strlen(value);

        if (fd < 0 || write(fd, value, n) != (ssize_t) n)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "write %s", path);
        return 0;
}

/* In the new namespace (the caller's, now): lo up, no TIME_WAIT. */
static int netns_configure(struct cr_error **err)
{
        int r = netlink_loopback_up(err);

        if (r >= 0)
                r = write_sysctl("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0", err);
        return r;
}

int netns_join(int fd, struct cr_error **err)
{
        if (setns(fd, CLONE_NEWNET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "setns network namespace");
        return 0;
}

/* Our own namespace, which the parent returns to after each clone3(): an
 * fd of it, opened once. */
static int netns_open_host(struct cr_sandbox *sb, struct cr_error **err)
{
        if (sb->host_netns >= 0)
                return 0;
        sb->host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (sb->host_netns < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open /proc/self/ns/net");
        return 0;
}

/* Creates a configured namespace and returns an fd of it; the caller stays
 * in (returns to) its own. */
static int netns_create(struct cr_sandbox *sb, int *ret_fd, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r = netns_open_host(sb, err), q;

        if (r < 0)
                return r;
        if (unshare(CLONE_NEWNET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "unshare network namespace");
        fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                r = cr_error_set(err, errno, CR_ERROR_INTERNAL, "open the new network namespace");
        else
                r = netns_configure(err);
        q = netns_join(sb->host_netns, err); /* err keeps the first error */
        r = r < 0 ? r : q;
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void slot_netns_set(struct cr_sandbox *sb, unsigned slot, int fd)
{
        if (slot >= sb->n_slot_netns) {
                sb->slot_netns = xrealloc(sb->slot_netns, (slot + 1) * sizeof(int));
                for (unsigned i = sb->n_slot_netns; i <= slot; i++)
                        sb->slot_netns[i] = -EBADF;
                sb->n_slot_netns = slot + 1;
        }
        sb->slot_netns[slot] = fd;
}

int cr_sandbox_prepare_slot(struct cr_sandbox *sb, unsigned slot, struct cr_error **err)
{
        int fd = -EBADF, r;

        if (slot >= CR_SANDBOX_MAX_SLOTS)
                return cr_error_make(err, ERANGE, CR_ERROR_INVALID, "slot %u", slot);
        if (slot < sb->n_slot_netns && sb->slot_netns[slot] >= 0)
                return 0;
        r = netns_create(sb, &fd, err);
        if (r < 0)
                return r;
        slot_netns_set(sb, slot, fd);
        return 0;
}

/* ------------------------------------------------ pinned between processes */

/* Whether fd is a network namespace owned by our user namespace: one we
 * created (a pin at that path can only have been made by root; this checks
 * it still is what we pinned, not an unrelated file or namespace). */
static bool netns_is_ours(int fd)
{
        _cleanup_close_ int owner = -EBADF;
        struct stat a, b;

        if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
                return false;
        owner = ioctl(fd, NS_GET_USERNS);
        if (owner < 0 || fstat(owner, &a) < 0 || stat("/proc/self/ns/user", &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Keeps the namespace alive after we exit: a bind mount of it at path, as
 * `ip netns add` does in /run/netns. */
static int netns_pin(int fd, const char *path, struct cr_error **err)
{
        _cleanup_close_ int target = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        char source[32];

        if (target < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "create %s", path);
        snprintf(source, sizeof(source), "/proc/self/fd/%d", fd);
        if (mount(source, path, NULL, MS_BIND, NULL) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "pin the slot's network namespace at %s", path);
        return 0;
}

int cr_sandbox_prepare_slot_pinned(struct cr_sandbox *sb, unsigned slot, const char *path, bool reuse,
                                   struct cr_error **err)
{
        int r;

        if (slot >= CR_SANDBOX_MAX_SLOTS)
                return cr_error_make(err, ERANGE, CR_ERROR_INVALID, "slot %u", slot);
        if (netns_slot_fd(sb, slot) >= 0)
                return 0;
        if (reuse) {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd >= 0 && netns_is_ours(fd)) {
                        r = netns_open_host(sb, err);
                        if (r < 0)
                                return r;
                        slot_netns_set(sb, slot, TAKE_FD(fd));
                        return 0;
                }
        }
        /* the namespace pinned there, if any, is not to be used again (a run
         * in it may not have ended): unpinned; it dies with its last user */
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "unpin %s", path);
        r = cr_sandbox_prepare_slot(sb, slot, err);
        if (r < 0)
                return r;
        return netns_pin(netns_slot_fd(sb, slot), path, err);
}

int netns_slot_fd(const struct cr_sandbox *sb, unsigned slot)
{
        return slot < sb->n_slot_netns ? sb->slot_netns[slot] : -EBADF;
}

int netns_leave(struct cr_sandbox *sb, struct cr_error **err)
{
        return netns_join(sb->host_netns, err);
}

void netns_free_all(struct cr_sandbox *sb)
{
        for (unsigned i = 0; i < sb->n_slot_netns; i++)
                safe_close(sb->slot_netns[i]);
        free(sb->slot_netns);
        sb->slot_netns = NULL;
        sb->n_slot_netns = 0;
        sb->host_netns = safe_close(sb->host_netns);
}
