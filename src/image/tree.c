/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#else
struct open_how {
        uint64_t flags;
        uint64_t mode;
        uint64_t resolve;
};
#define RESOLVE_NO_XDEV       0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS   0x04
#define RESOLVE_BENEATH       0x08
#endif

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "missing.h"

/* dirfd-relative helpers for trees we do not trust: nothing here joins
 * strings into host paths or follows a symlink. */

static int openat2_beneath(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = syscall(__NR_openat2, dirfd, path, &how, sizeof(how));

        return fd < 0 ? -errno : (int)fd;
}

/* FIXME: remove once kernel 5.6 (openat2) is baseline. Equivalent for a
 * normalised path: no component is "..", and each one is opened with
 * O_NOFOLLOW relative to the previous fd, so a symlink anywhere fails with
 * ELOOP/ENOTDIR instead of being followed. */
static int walk_beneath(int dirfd, const char *path, int flags)
{
        _cleanup_close_ int cur = -EBADF;
        char comp[NAME_MAX + 1];
        const char *p = path;

        if (!path[0] || strcmp(path, ".") == 0) {
                int fd = openat(dirfd, ".", flags | O_NOFOLLOW | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        while (*p) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);
                int fd;

                if (n == 0 || n > NAME_MAX || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                memcpy(comp, p, n);
                comp[n] = 0;
                p += n + (slash ? 1 : 0);
                fd = openat(cur >= 0 ? cur : dirfd, comp,
                            (*p ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                safe_close(cur);
                cur = fd;
        }
        return TAKE_FD(cur);
}

int cr_image_open_beneath(int dirfd, const char *path, int flags)
{
        static int have_openat2 = -1;
        int fd;

        if (have_openat2 != 0) {
                fd = openat2_beneath(dirfd, path[0] ? path : ".", flags);
                if (fd != -ENOSYS) {
                        have_openat2 = 1;
                        return fd;
                }
                have_openat2 = 0;
        }
        return walk_beneath(dirfd, path, flags);
}

int cr_image_random_suffix(char out[17])
{
        static const char hex[] = "0123456789abcdef";
        uint8_t b[8];
        ssize_t n;

        do
                n = getrandom(b, sizeof(b), 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(b))
                return n < 0 ? -errno : -EIO;
        for (size_t i = 0; i < sizeof(b); i++) {
                out[2 * i] = hex[b[i] >> 4];
                out[2 * i + 1] = hex[b[i] & 15];
        }
        out[16] = 0;
        return 0;
}

int cr_image_read_file_at(int dirfd, const char *name, bool follow, size_t max, char **ret, size_t *ret_len,
                          struct cr_error **err)
{
        _cleanup_close_ int fd = openat(
                dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
        _cleanup_free_ char *data = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INVALID,
                                    "open '%s'", name);
        if (fstat(fd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat '%s'", name);
        if (!S_ISREG(st.st_mode))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is not a regular file", name);
        if ((uint64_t)st.st_size >= max)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT, "'%s' is larger than %zu bytes", name, max);
        data = malloc((size_t)st.st_size + 1);
        if (!data)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "read '%s'", name);
        n = loop_read(fd, data, (size_t)st.st_size);
        if (n < 0)
                return cr_error_set(err, (int)-n, CR_ERROR_INTERNAL, "read '%s'", name);
        data[n] = 0;
        *ret_len = (size_t)n;
        *ret = TAKE_PTR(data);
        return 0;
}

/* ---- recursive removal ---- */

static int remove_children(int fd, dev_t dev, unsigned depth, struct cr_error **err);

static int remove_entry(int dirfd, const char *name, dev_t dev, unsigned depth, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat '%s'", name);
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "unlink '%s'", name);
                return 0;
        }
        /* Never descend into something mounted beneath the tree. */
        if (st.st_dev != dev)
                return cr_error_make(err, EXDEV, CR_ERROR_INTERNAL, "'%s' is on another file system", name);
        if (depth > CR_IMAGE_MAX_DEPTH + 4)
                return cr_error_make(err, ELOOP, CR_ERROR_INTERNAL, "'%s' is nested too deeply", name);
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s'", name);
        /* Images are read-only; as a non-root owner we need u+w to empty
         * them (root passes regardless). */
        if ((st.st_mode & 0700) != 0700 && st.st_uid == geteuid())
                (void)fchmod(fd, 0700);
        r = remove_children(TAKE_FD(fd), dev, depth + 1, err);
        if (r < 0)
                return cr_error_wrap(err, "%s", name);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "rmdir '%s'", name);
        return 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}

/* Takes ownership of fd. */
static int remove_children(int fd, dev_t dev, unsigned depth, struct cr_error **err)
{
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        struct dirent *de;
        int r;

        if (!d) {
                r = -errno;
                safe_close(fd);
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "opendir");
        }
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de)
                        break;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r = remove_entry(dirfd(d), de->d_name, dev, depth, err);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "readdir");
        return 0;
}

int cr_image_tree_remove_at(int dirfd, const char *name, struct cr_error **err)
{
        struct stat st;

        if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid name '%s'", name);
        if (fstat(dirfd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat");
        return remove_entry(dirfd, name, st.st_dev, 0, err);
}

int cr_image_tree_clear(int fd, struct cr_error **err)
{
        struct stat st;

        if (fstat(fd, &st) < 0) {
                int r = -errno;
                safe_close(fd);
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "stat");
        }
        return remove_children(fd, st.st_dev, 0, err);
}
