/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fs-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "missing.h"

#define SHARE_MAX_DEPTH 32

/* fchmod() refuses O_PATH descriptors; fchmodat2(AT_EMPTY_PATH) (Linux 6.6)
 * takes them, and on older kernels the descriptor's /proc/self/fd link
 * names exactly the pinned inode (what glibc does for
 * AT_SYMLINK_NOFOLLOW). */
static int chmod_pinned(int fd, mode_t mode)
{
        char path[64];

        if (syscall(__NR_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
                return 0;
        if (errno != ENOSYS && errno != EINVAL)
                return -errno;
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        return chmod(path, mode) < 0 ? -errno : 0;
}

static mode_t shared_mode(mode_t mode)
{
        return (mode & 07777) | S_IROTH | ((mode & S_IXUSR) ? S_IXOTH : 0);
}

static void share_entries(int dirfd, unsigned depth);

static void share_entry(int dirfd, const char *name, unsigned depth)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
                return;
        (void) chmod_pinned(fd, shared_mode(st.st_mode));
        if (S_ISDIR(st.st_mode) && depth < SHARE_MAX_DEPTH) {
                _cleanup_close_ int sub = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub >= 0)
                        share_entries(sub, depth + 1);
        }
}

static void share_entries(int dirfd, unsigned depth)
{
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!d) {
                safe_close(fd);
                return;
        }
        while ((de = readdir(d)))
                if (!(de->d_name[0] == '.' &&
                      (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]))))
                        share_entry(dirfd, de->d_name, depth);
        closedir(d);
}

int fs_share_tree_with_others(int dirfd)
{
        struct stat st;

        if (fstat(dirfd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        share_entries(dirfd, 0);
        return 0;
}
