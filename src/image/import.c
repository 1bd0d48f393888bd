/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "image/image-internal.h"
#include "xalloc.h"

/* Import: verify → unpack into .tmp-* → digest → records → sync → one
 * rename(2). The archive is hashed twice: once before anything is written
 * (a wrong file is refused with nothing created), and again as libarchive
 * reads it, so a file changed between the two reads cannot slip in. */

struct import {
        struct cr_image_store *s;    /* not owned */
        struct cr_image_manifest *m; /* owned */
        char *manifest;              /* owned: the manifest file as read */
        size_t manifest_len;
        int archive_fd; /* owned */
        uint64_t archive_size;
        char *tmpname; /* owned: .tmp-NAME@VERSION-RAND once created */
        int tmpfd;     /* owned */
        char *ref;     /* owned */
        struct cr_image_unpack_stats stats;
        char tree_digest[SHA256_HEX_LEN + 1];
};

static char *mfree_str(char *p)
{
        free(p);
        return NULL;
}

static void import_done(struct import *im)
{
        if (im->tmpname) /* failed before publishing: take the partial tree away */
                (void)cr_image_tree_remove_at(im->s->fd, im->tmpname, NULL);
        cr_image_manifest_free(im->m);
        free(im->manifest);
        free(im->tmpname);
        free(im->ref);
        safe_close(im->archive_fd);
        safe_close(im->tmpfd);
}

static int load_inputs(struct import *im, const char *archive_path, const char *manifest_path,
                       struct cr_error **err)
{
        struct stat st;
        int r;

        im->archive_fd = open(archive_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (im->archive_fd < 0 || fstat(im->archive_fd, &st) < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INVALID,
                                    "archive '%s'", archive_path);
        if (!S_ISREG(st.st_mode))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "archive '%s' is not a regular file",
                                    archive_path);
        r = cr_image_read_file_at(AT_FDCWD, manifest_path, true, MANIFEST_MAX_BYTES, &im->manifest,
                                  &im->manifest_len, err);
        if (r >= 0)
                r = cr_image_manifest_parse(im->manifest, im->manifest_len, &im->m, err);
        if (r < 0)
                return cr_error_wrap(err, "manifest '%s'", manifest_path);
        im->ref = xasprintf("%s@%s", im->m->name, im->m->version);
        im->archive_size = (uint64_t)st.st_size;
        if (im->m->size_bytes && im->m->size_bytes != im->archive_size)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                    "archive '%s' is %" PRIu64 " bytes, the manifest says %" PRIu64,
                                    archive_path, im->archive_size, im->m->size_bytes);
        if (im->m->unpacked_bytes > im->s->limits.max_unpacked_bytes)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT,
                                    "image '%s' unpacks to %" PRIu64 " bytes, the limit is %" PRIu64,
                                    im->ref, im->m->unpacked_bytes, im->s->limits.max_unpacked_bytes);
        return 0;
}

static int check_sha256(struct import *im, const char *archive_path, struct cr_error **err)
{
        char hex[SHA256_HEX_LEN + 1];
        int r;

        r = cr_image_sha256_fd(im->archive_fd, hex, NULL, err);
        if (r < 0)
                return cr_error_wrap(err, "hashing '%s'", archive_path);
        if (strcmp(hex, im->m->sha256) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                    "sha256 mismatch for '%s': manifest says %s, the file is %s",
                                    archive_path, im->m->sha256, hex);
        if (lseek(im->archive_fd, 0, SEEK_SET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seek '%s'", archive_path);
        return 0;
}

/* Returns 0 when absent, 1 when the identical image is present (nothing to
 * do), 2 when another build of NAME@VERSION is to be replaced. */
static int check_existing(struct import *im, unsigned flags, struct cr_error **err)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *old = NULL;
        _cleanup_error_ struct cr_error *e = NULL;
        int r;

        r = cr_image_store_load(im->s, im->ref, &old, NULL, &e);
        if (r == -ENOENT)
                return 0;
        if (r < 0) /* a NAME@VERSION directory we cannot read: never overwrite blindly */
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "existing image: %s", e->msg);
        if (strcmp(old->sha256, im->m->sha256) == 0)
                return 1;
        if (flags & CR_IMAGE_IMPORT_REPLACE)
                return 2;
        return cr_error_make(err, EEXIST, CR_ERROR_INVALID,
                            "image '%s' is already present with another sha256 (%.12s); remove it first or "
                            "replace it",
                            im->ref, old->sha256);
}

static int make_tmpdir(struct import *im, int *ret_rootfd, struct cr_error **err)
{
        char rnd[17];
        int r, fd;

        r = cr_image_random_suffix(rnd);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "getrandom");
        im->tmpname = xasprintf(TMP_PREFIX "%s-%s", im->ref, rnd);
        if (mkdirat(im->s->fd, im->tmpname, 0700) < 0) {
                r = -errno;
                im->tmpname = mfree_str(im->tmpname);
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "mkdir in '%s'", im->s->path);
        }
        im->tmpfd = openat(im->s->fd, im->tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (im->tmpfd < 0 || mkdirat(im->tmpfd, ROOTFS_NAME, 0700) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "mkdir '%s'", im->tmpname);
        fd = openat(im->tmpfd, ROOTFS_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s/%s'", im->tmpname, ROOTFS_NAME);
        *ret_rootfd = fd;
        return 0;
}

static int unpack(struct import *im, int rootfd, struct cr_error **err)
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        char hex[SHA256_HEX_LEN + 1];
        int r;

        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        r = cr_image_unpack_fd(im->archive_fd, rootfd, &im->s->limits, h, &im->stats, err);
        if (r < 0)
                return cr_error_wrap(err, "image '%s'", im->ref);
        if (cr_image_sha256_final(h, hex) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        if (strcmp(hex, im->m->sha256) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                    "image '%s': the archive changed while it was imported", im->ref);
        /* The root keeps the mode of every other directory. */
        if (fchmod(rootfd, 0755) < 0 || (geteuid() == 0 && fchown(rootfd, 0, 0) < 0))
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "chmod rootfs");
        return 0;
}

struct digest_writer {
        FILE *f;                   /* not owned */
        struct cr_image_sha256 *h; /* not owned */
};

static int digest_line(const char *line, size_t len, void *userdata, struct cr_error **err)
{
        struct digest_writer *w = userdata;

        if (fwrite(line, 1, len, w->f) != len)
                return cr_error_set(err, errno ? errno : EIO, CR_ERROR_INTERNAL, "write %s", DIGEST_NAME);
        if (cr_image_sha256_update(w->h, line, len) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        return 0;
}

static int write_digest(struct import *im, int rootfd, struct cr_error **err)
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct digest_writer w;
        int fd, r;

        fd = openat(im->tmpfd, DIGEST_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "create %s", DIGEST_NAME);
        f = fdopen(fd, "w");
        if (!f) {
                safe_close(fd);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "fdopen");
        }
        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        w = (struct digest_writer){.f = f, .h = h};
        r = cr_image_tree_walk(rootfd, im->s->limits.max_entries + 1, digest_line, &w, err);
        if (r < 0)
                return cr_error_wrap(err, "digest of '%s'", im->ref);
        if (fflush(f) != 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "write %s", DIGEST_NAME);
        if (cr_image_sha256_final(h, im->tree_digest) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        return 0;
}

static int write_new_file(int dirfd, const char *name, const char *data, size_t len, struct cr_error **err)
{
        _cleanup_close_ int fd =
                openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        int r;

        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "create %s", name);
        r = loop_write(fd, data, len);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "write %s", name);
        return 0;
}

static void iso_now(char buf[32])
{
        time_t t = time(NULL);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                memcpy(buf, "1970-01-01T00:00:00Z", 21);
}

/* The info of the new image; toolchain ownership moves from the manifest. */
static struct cr_image_info *make_info(struct import *im)
{
        struct cr_image_info *i = xzalloc(sizeof(*i));
        char now[32];

        iso_now(now);
        i->name = xstrdup(im->m->name);
        i->version = xstrdup(im->m->version);
        i->ref = xstrdup(im->ref);
        i->sha256 = xstrdup(im->m->sha256);
        i->tree_digest = xstrdup(im->tree_digest);
        i->build_date = im->m->build_date ? xstrdup(im->m->build_date) : NULL;
        i->recipe_hash = im->m->recipe_hash ? xstrdup(im->m->recipe_hash) : NULL;
        i->import_date = xstrdup(now);
        i->path = xasprintf("%s/%s", im->s->path, im->ref);
        i->rootfs = xasprintf("%s/%s", i->path, ROOTFS_NAME);
        i->size_bytes = im->archive_size;
        i->unpacked_bytes = im->stats.bytes;
        i->entries = im->stats.entries;
        i->toolchain = TAKE_PTR(im->m->toolchain);
        i->n_toolchain = im->m->n_toolchain;
        im->m->n_toolchain = 0;
        return i;
}

static int write_records(struct import *im, const struct cr_image_info *info, struct cr_error **err)
{
        _cleanup_free_ char *record = NULL;
        int r;

        r = write_new_file(im->tmpfd, MANIFEST_NAME, im->manifest, im->manifest_len, err);
        if (r >= 0)
                r = cr_image_record_format(info, &record, err);
        if (r >= 0)
                r = write_new_file(im->tmpfd, RECORD_NAME, record, strlen(record), err);
        return r;
}

/* Makes the image visible. With `replace`, the old tree is swapped out
 * atomically (unless a pin holds it) and deleted. */
static int publish(struct import *im, bool replace, struct cr_error **err)
{
        _cleanup_close_ int old = -EBADF;

        /* Everything must be on disk before the name exists: after a crash
         * a NAME@VERSION directory is complete or absent. */
        if (syncfs(im->tmpfd) < 0 || fchmod(im->tmpfd, 0755) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "sync '%s'", im->tmpname);
        if (!replace) {
                if (renameat2(im->s->fd, im->tmpname, im->s->fd, im->ref, RENAME_NOREPLACE) < 0)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "publish '%s'", im->ref);
        } else {
                old = openat(im->s->fd, im->ref, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (old < 0 || flock(old, LOCK_EX | LOCK_NB) < 0)
                        return cr_error_set(err, errno == EWOULDBLOCK ? EBUSY : errno, CR_ERROR_UNAVAILABLE,
                                            "image '%s' is in use and cannot be replaced", im->ref);
                if (renameat2(im->s->fd, im->tmpname, im->s->fd, im->ref, RENAME_EXCHANGE) < 0)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "replace '%s'", im->ref);
        }
        (void)fsync(im->s->fd);
        if (!replace)
                im->tmpname = mfree_str(im->tmpname); /* published: nothing to clean */
        /* else the old tree now sits at tmpname and import_done() deletes it */
        return 0;
}

static int import_locked(struct import *im, unsigned flags, struct cr_image_info **ret_info,
                         struct cr_error **err)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_close_ int rootfd = -EBADF;
        bool replace;
        int r;

        r = check_existing(im, flags, err);
        if (r < 0)
                return r;
        replace = r == 2;
        if (r == 1) /* already there: a no-op success */
                return ret_info ? MIN(cr_image_store_load(im->s, im->ref, ret_info, NULL, err), 0) : 0;
        r = make_tmpdir(im, &rootfd, err);
        if (r >= 0)
                r = unpack(im, rootfd, err);
        if (r >= 0)
                r = write_digest(im, rootfd, err);
        if (r < 0)
                return r;
        info = make_info(im);
        r = write_records(im, info, err);
        if (r >= 0)
                r = publish(im, replace, err);
        if (r < 0)
                return r;
        if (ret_info)
                *ret_info = TAKE_PTR(info);
        return 1;
}

int cr_image_import(struct cr_image_store *s, const char *archive_path, const char *manifest_path,
                    unsigned flags, struct cr_image_info **ret_info, struct cr_error **err)
{
        struct import im = {.s = s, .archive_fd = -EBADF, .tmpfd = -EBADF};
        _cleanup_close_ int lock = -EBADF;
        int r;

        r = load_inputs(&im, archive_path, manifest_path, err);
        if (r >= 0)
                r = check_sha256(&im, archive_path, err);
        if (r >= 0)
                r = lock = cr_image_store_lock(s, err);
        if (r >= 0) {
                cr_image_store_remove_leftovers(s);
                r = import_locked(&im, flags, ret_info, err);
        }
        import_done(&im);
        return r;
}
