/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "image/image-internal.h"
#include "log.h"
#include "xalloc.h"

/* The store directory: publication by rename(2), lookups, removal.
 * Invariant: a directory named NAME@VERSION in the store root is complete
 * (rootfs/, tree.digest, manifest.json, image.json all written and synced
 * before the rename that made it visible). Everything in progress has a
 * name starting with '.', which no image name can. */

/* ---- open ---- */

static int mkdir_parents(const char *path)
{
        _cleanup_free_ char *p = xstrdup(path);

        /* The store root comes from the administrator, not from an image:
         * a plain path walk is fine here. */
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char c = *s;
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = c;
                if (!c)
                        return 0;
        }
}

int cr_image_store_open(const char *root, unsigned flags, const struct cr_image_limits *limits,
                        struct cr_image_store **ret, struct cr_error **err)
{
        _cleanup_free_ char *abs = NULL;
        struct cr_image_store *s;
        int fd, r;

        if (!root || !root[0])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "empty image store path");
        if ((flags & CR_IMAGE_STORE_CREATE) && (r = mkdir_parents(root)) < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "create image store '%s'", root);
        abs = realpath(root, NULL);
        if (!abs)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INTERNAL,
                                    "image store '%s'", root);
        fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open image store '%s'", abs);
        s = xzalloc(sizeof(*s));
        s->path = TAKE_PTR(abs);
        s->fd = fd;
        if (limits)
                s->limits = *limits;
        else
                cr_image_limits_default(&s->limits);
        *ret = s;
        return 0;
}

struct cr_image_store *cr_image_store_free(struct cr_image_store *s)
{
        if (s) {
                safe_close(s->fd);
                free(s->path);
                free(s);
        }
        return NULL;
}

const char *cr_image_store_path(const struct cr_image_store *s)
{
        return s->path;
}

/* ---- locking and crash leftovers ---- */

int cr_image_store_lock(struct cr_image_store *s, struct cr_error **err)
{
        _cleanup_close_ int fd = openat(s->fd, LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s/%s'", s->path, LOCK_NAME);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "lock '%s'", s->path);
        return TAKE_FD(fd);
}

static bool is_leftover(const char *name)
{
        return strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0 ||
               strncmp(name, TRASH_PREFIX, strlen(TRASH_PREFIX)) == 0;
}

/* With the store lock held, every .tmp-* and .trash-* is from a crashed or
 * killed import/remove: nobody else can be writing it. Failures are left
 * for the next attempt. */
void cr_image_store_remove_leftovers(struct cr_image_store *s)
{
        int fd = openat(s->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!d) {
                safe_close(fd);
                return;
        }
        while ((de = readdir(d))) {
                _cleanup_error_ struct cr_error *e = NULL;

                if (!is_leftover(de->d_name))
                        continue;
                if (cr_image_tree_remove_at(s->fd, de->d_name, &e) < 0)
                        log_debug("Removing leftover '%s' failed: %s, ignoring", de->d_name, e->msg);
        }
        closedir(d);
}

/* ---- reading images ---- */

int cr_image_store_load(struct cr_image_store *s, const char *dirname, struct cr_image_info **ret,
                        int *ret_fd, struct cr_error **err)
{
        _cleanup_close_ int fd = openat(s->fd, dirname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *data = NULL;
        struct cr_image_info *info = NULL;
        size_t len;
        int r;

        if (fd < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INTERNAL,
                                    "image '%s'", dirname);
        r = cr_image_read_file_at(fd, RECORD_NAME, false, MANIFEST_MAX_BYTES, &data, &len, err);
        if (r >= 0)
                r = cr_image_record_parse(data, len, &info, err);
        if (r < 0)
                return cr_error_wrap(err, "image '%s': %s", dirname, RECORD_NAME);
        if (strcmp(info->ref, dirname) != 0) {
                cr_image_info_free(info);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "image '%s': %s names another image",
                                    dirname, RECORD_NAME);
        }
        info->path = xasprintf("%s/%s", s->path, dirname);
        info->rootfs = xasprintf("%s/%s", info->path, ROOTFS_NAME);
        if (ret_fd)
                *ret_fd = TAKE_FD(fd);
        *ret = info;
        return 0;
}

static int info_cmp(const void *a, const void *b)
{
        const struct cr_image_info *x = *(struct cr_image_info *const *)a,
                                   *y = *(struct cr_image_info *const *)b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : strverscmp(x->version, y->version);
}

/* Images named `name` (all when NULL), sorted. */
static int list_images(struct cr_image_store *s, const char *name, struct cr_image_info ***ret,
                       size_t *ret_n, struct cr_error **err)
{
        int fd = openat(s->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct cr_image_info **v = NULL, *info = NULL;
        size_t n = 0, nlen = name ? strlen(name) : 0;
        struct dirent *de;

        if (!d) {
                safe_close(fd);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open image store '%s'", s->path);
        }
        while ((de = readdir(d))) {
                _cleanup_error_ struct cr_error *e = NULL;

                if (de->d_name[0] == '.' || !strchr(de->d_name, '@'))
                        continue;
                if (name && (strncmp(de->d_name, name, nlen) != 0 || de->d_name[nlen] != '@'))
                        continue;
                if (cr_image_store_load(s, de->d_name, &info, NULL, &e) < 0) {
                        log_debug("Skipping '%s': %s", de->d_name, e->msg);
                        continue;
                }
                v = xrealloc(v, (n + 1) * sizeof(*v));
                v[n++] = info;
        }
        closedir(d);
        if (n > 1)
                qsort(v, n, sizeof(*v), info_cmp);
        *ret = v;
        *ret_n = n;
        return 0;
}

int cr_image_list(struct cr_image_store *s, struct cr_image_info ***ret_infos, size_t *ret_n,
                  struct cr_error **err)
{
        return list_images(s, NULL, ret_infos, ret_n, err);
}

int cr_image_store_resolve(struct cr_image_store *s, const char *ref, struct cr_image_info **ret,
                           int *ret_fd, struct cr_error **err)
{
        _cleanup_free_ char *name = NULL, *version = NULL, *dirname = NULL;
        struct cr_image_info **v = NULL;
        size_t n = 0;
        int r;

        r = cr_image_ref_parse(ref, &name, &version, err);
        if (r < 0)
                return r;
        if (!version) {
                r = list_images(s, name, &v, &n, err);
                if (r < 0)
                        return r;
                if (n > 0)
                        version = xstrdup(v[n - 1]->version); /* the highest */
                cr_image_info_list_free(v, n);
                if (!version)
                        return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "no image named '%s' in '%s'",
                                            name, s->path);
        }
        dirname = xasprintf("%s@%s", name, version);
        r = cr_image_store_load(s, dirname, ret, ret_fd, err);
        if (r == -ENOENT) {
                cr_error_freep(err);
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "no image '%s' in '%s'", dirname,
                                    s->path);
        }
        return r;
}

int cr_image_resolve(struct cr_image_store *s, const char *ref, struct cr_image_info **ret,
                     struct cr_error **err)
{
        return cr_image_store_resolve(s, ref, ret, NULL, err);
}

int cr_image_pin(const struct cr_image_info *info, struct cr_error **err)
{
        _cleanup_close_ int fd = open(info->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat a, b;

        if (fd < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INTERNAL,
                                    "image '%s'", info->ref);
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return cr_error_set(err, errno == EWOULDBLOCK ? EBUSY : errno, CR_ERROR_UNAVAILABLE,
                                    "image '%s' is being removed", info->ref);
        /* Removal renames after taking its exclusive lock: if the name now
         * leads elsewhere, we locked a tree on its way out. */
        if (fstat(fd, &a) < 0 || stat(info->path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "image '%s' was removed or replaced",
                                    info->ref);
        return TAKE_FD(fd);
}

/* ---- remove ---- */

/* NAME alone is accepted only when exactly one version is present. */
static int remove_target(struct cr_image_store *s, const char *ref, char **ret_dirname,
                         struct cr_error **err)
{
        _cleanup_free_ char *name = NULL, *version = NULL;
        struct cr_image_info **v = NULL;
        size_t n = 0;
        int r;

        r = cr_image_ref_parse(ref, &name, &version, err);
        if (r < 0)
                return r;
        if (version) {
                *ret_dirname = xasprintf("%s@%s", name, version);
                return 0;
        }
        r = list_images(s, name, &v, &n, err);
        if (r < 0)
                return r;
        if (n == 1)
                *ret_dirname = xstrdup(v[0]->ref);
        cr_image_info_list_free(v, n);
        if (n == 0)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "no image named '%s' in '%s'", name,
                                    s->path);
        if (n > 1)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "%zu versions of '%s' present: say NAME@VERSION", n, name);
        return 0;
}

int cr_image_remove(struct cr_image_store *s, const char *ref, struct cr_error **err)
{
        _cleanup_close_ int lock = -EBADF, fd = -EBADF;
        _cleanup_free_ char *dirname = NULL, *trash = NULL;
        char rnd[17];
        int r;

        lock = cr_image_store_lock(s, err);
        if (lock < 0)
                return lock;
        cr_image_store_remove_leftovers(s);
        r = remove_target(s, ref, &dirname, err);
        if (r < 0)
                return r;
        fd = openat(s->fd, dirname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INTERNAL,
                                    "image '%s'", dirname);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return cr_error_set(err, errno == EWOULDBLOCK ? EBUSY : errno, CR_ERROR_UNAVAILABLE,
                                    "image '%s' is in use", dirname);
        r = cr_image_random_suffix(rnd);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "getrandom");
        trash = xasprintf(TRASH_PREFIX "%s-%s", dirname, rnd);
        /* One rename hides it from every lookup; deleting can then take
         * its time, and a crash here leaves only a .trash-* to collect. */
        if (renameat(s->fd, dirname, s->fd, trash) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "rename '%s'", dirname);
        (void)fsync(s->fd);
        fd = safe_close(fd);
        r = cr_image_tree_remove_at(s->fd, trash, err);
        if (r < 0)
                return cr_error_wrap(err, "remove '%s'", dirname);
        return 0;
}
