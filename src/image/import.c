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
 * rename(2). The session below (begin, check, publish, done) is shared by
 * the two kinds of input: our NAME.tar.zst + manifest (this file) and
 * Docker/OCI images (oci.c). For a tar.zst the archive is hashed twice: once
 * before anything is written (a wrong file is refused with nothing
 * created), and again as libarchive reads it, so a file changed between the
 * two reads cannot slip in. */

static char *mfree_str(char *p)
{
        free(p);
        return NULL;
}

static void toolchain_free(struct cr_image_toolchain *t, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(t[i].key);
                free(t[i].value);
        }
        free(t);
}

void cr_image_import_done(struct cr_image_import *im)
{
        if (im->tmpname && im->s) /* failed before publishing: take the partial tree away */
                (void)cr_image_tree_remove_at(im->s->fd, im->tmpname, NULL);
        free(im->name);
        free(im->version);
        free(im->ref);
        free(im->sha256);
        free(im->build_date);
        free(im->recipe_hash);
        free(im->suite);
        free(im->source);
        free(im->manifest);
        free(im->tmpname);
        toolchain_free(im->toolchain, im->n_toolchain);
        safe_close(im->tmpfd);
        safe_close(im->rootfd);
        safe_close(im->lock);
        *im = (struct cr_image_import){.tmpfd = -EBADF, .rootfd = -EBADF, .lock = -EBADF};
}

static int make_tmpdir(struct cr_image_import *im, struct cr_error **err)
{
        char rnd[17];
        int r;

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
        im->rootfd = openat(im->tmpfd, ROOTFS_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (im->rootfd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s/%s'", im->tmpname, ROOTFS_NAME);
        return 0;
}

int cr_image_import_begin(struct cr_image_import *im, struct cr_image_store *s, const char *name,
                          const char *version, struct cr_error **err)
{
        int r;

        *im = (struct cr_image_import){.s = s, .tmpfd = -EBADF, .rootfd = -EBADF, .lock = -EBADF};
        if (!cr_image_name_valid(name))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "invalid image name '%.80s' (lowercase letters, digits, '._+-')", name);
        if (!cr_image_version_valid(version))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "invalid image version '%.80s' (letters, digits, '._+~-')", version);
        im->name = xstrdup(name);
        im->version = xstrdup(version);
        im->ref = xasprintf("%s@%s", name, version);
        r = im->lock = cr_image_store_lock(s, err);
        if (r < 0)
                return r;
        cr_image_store_remove_leftovers(s);
        return make_tmpdir(im, err);
}

int cr_image_import_check(struct cr_image_import *im, unsigned flags, struct cr_error **err)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *old = NULL;
        _cleanup_error_ struct cr_error *e = NULL;
        int r;

        r = cr_image_store_load(im->s, im->ref, &old, NULL, &e);
        if (r == -ENOENT)
                return 0;
        if (r < 0) /* a NAME@VERSION directory we cannot read: never overwrite blindly */
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "existing image: %s", e->msg);
        if (strcmp(old->sha256, im->sha256) == 0)
                return 1;
        if (flags & CR_IMAGE_IMPORT_REPLACE)
                return 2;
        return cr_error_make(err, EEXIST, CR_ERROR_INVALID,
                             "image '%s' is already present with another sha256 (%.12s); remove it first or "
                             "replace it",
                             im->ref, old->sha256);
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

static int write_digest(struct cr_image_import *im, struct cr_error **err)
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
        r = cr_image_tree_walk(im->rootfd, im->s->limits.max_entries + 1, digest_line, &w, err);
        if (r < 0)
                return cr_error_wrap(err, "digest of '%s'", im->ref);
        /* what is there now (layers may have replaced or deleted entries),
         * the root not counted: verify walks with this bound */
        im->stats.entries = r > 0 ? (uint64_t)r - 1 : 0;
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

static char *strdup_or_null(const char *s)
{
        return s ? xstrdup(s) : NULL;
}

/* The info of the new image; toolchain ownership moves from the session. */
static struct cr_image_info *make_info(struct cr_image_import *im)
{
        struct cr_image_info *i = xzalloc(sizeof(*i));
        char now[32];

        iso_now(now);
        i->name = xstrdup(im->name);
        i->version = xstrdup(im->version);
        i->ref = xstrdup(im->ref);
        i->sha256 = xstrdup(im->sha256);
        i->tree_digest = xstrdup(im->tree_digest);
        i->build_date = strdup_or_null(im->build_date);
        i->recipe_hash = strdup_or_null(im->recipe_hash);
        i->suite = strdup_or_null(im->suite);
        i->source = strdup_or_null(im->source);
        i->import_date = xstrdup(now);
        i->path = xasprintf("%s/%s", im->s->path, im->ref);
        i->rootfs = xasprintf("%s/%s", i->path, ROOTFS_NAME);
        i->size_bytes = im->size_bytes;
        i->unpacked_bytes = im->stats.bytes;
        i->entries = im->stats.entries;
        i->toolchain = TAKE_PTR(im->toolchain);
        i->n_toolchain = im->n_toolchain;
        im->n_toolchain = 0;
        return i;
}

static int write_records(struct cr_image_import *im, const struct cr_image_info *info, struct cr_error **err)
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
static int publish(struct cr_image_import *im, bool replace, struct cr_error **err)
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
        /* else the old tree now sits at tmpname and cr_image_import_done() deletes it */
        return 0;
}

int cr_image_import_publish(struct cr_image_import *im, bool replace, struct cr_image_info **ret_info,
                            struct cr_error **err)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        int r;

        /* The root keeps the mode of every other directory. */
        if (fchmod(im->rootfd, 0755) < 0 || (geteuid() == 0 && fchown(im->rootfd, 0, 0) < 0))
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "chmod rootfs");
        r = write_digest(im, err);
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

/* The already present image as the result of a no-op import. */
int cr_image_import_present(struct cr_image_import *im, struct cr_image_info **ret_info, struct cr_error **err)
{
        int r = 0;

        if (ret_info)
                r = cr_image_store_load(im->s, im->ref, ret_info, NULL, err);
        return MIN(r, 0);
}

/* ---- NAME.tar.zst + NAME.manifest.json ---- */

struct archive_input {
        struct cr_image_manifest *m; /* owned */
        char *manifest;              /* owned: the manifest file as read */
        size_t manifest_len;
        int fd; /* owned */
        uint64_t size;
};

static void archive_input_done(struct archive_input *in)
{
        cr_image_manifest_free(in->m);
        free(in->manifest);
        safe_close(in->fd);
}

static int load_inputs(struct cr_image_store *s, struct archive_input *in, const char *archive_path,
                       const char *manifest_path, struct cr_error **err)
{
        struct stat st;
        int r;

        in->fd = open(archive_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (in->fd < 0 || fstat(in->fd, &st) < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INVALID,
                                    "archive '%s'", archive_path);
        if (!S_ISREG(st.st_mode))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "archive '%s' is not a regular file",
                                     archive_path);
        r = cr_image_read_file_at(AT_FDCWD, manifest_path, true, MANIFEST_MAX_BYTES, &in->manifest,
                                  &in->manifest_len, err);
        if (r >= 0)
                r = cr_image_manifest_parse(in->manifest, in->manifest_len, &in->m, err);
        if (r < 0)
                return cr_error_wrap(err, "manifest '%s'", manifest_path);
        in->size = (uint64_t)st.st_size;
        if (in->m->size_bytes && in->m->size_bytes != in->size)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                     "archive '%s' is %" PRIu64 " bytes, the manifest says %" PRIu64,
                                     archive_path, in->size, in->m->size_bytes);
        if (in->m->unpacked_bytes > s->limits.max_unpacked_bytes)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT,
                                     "image '%s@%s' unpacks to %" PRIu64 " bytes, the limit is %" PRIu64,
                                     in->m->name, in->m->version, in->m->unpacked_bytes,
                                     s->limits.max_unpacked_bytes);
        return 0;
}

static int check_sha256(struct archive_input *in, const char *archive_path, struct cr_error **err)
{
        char hex[SHA256_HEX_LEN + 1];
        int r;

        r = cr_image_sha256_fd(in->fd, hex, NULL, err);
        if (r < 0)
                return cr_error_wrap(err, "hashing '%s'", archive_path);
        if (strcmp(hex, in->m->sha256) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                     "sha256 mismatch for '%s': manifest says %s, the file is %s",
                                     archive_path, in->m->sha256, hex);
        if (lseek(in->fd, 0, SEEK_SET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seek '%s'", archive_path);
        return 0;
}

static int unpack(struct cr_image_import *im, int fd, struct cr_error **err)
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        char hex[SHA256_HEX_LEN + 1];
        int r;

        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        r = cr_image_unpack_fd(fd, im->rootfd, &im->s->limits, h, &im->stats, err);
        if (r < 0)
                return cr_error_wrap(err, "image '%s'", im->ref);
        if (cr_image_sha256_final(h, hex) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        if (strcmp(hex, im->sha256) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                     "image '%s': the archive changed while it was imported", im->ref);
        return 0;
}

/* Moves what the manifest says into the session. */
static void take_manifest(struct cr_image_import *im, struct archive_input *in)
{
        im->sha256 = xstrdup(in->m->sha256);
        im->build_date = strdup_or_null(in->m->build_date);
        im->recipe_hash = strdup_or_null(in->m->recipe_hash);
        im->suite = strdup_or_null(in->m->suite);
        im->source = xstrdup("tar");
        im->size_bytes = in->size;
        im->toolchain = TAKE_PTR(in->m->toolchain);
        im->n_toolchain = in->m->n_toolchain;
        in->m->n_toolchain = 0;
        im->manifest = TAKE_PTR(in->manifest);
        im->manifest_len = in->manifest_len;
}

int cr_image_import(struct cr_image_store *s, const char *archive_path, const char *manifest_path,
                    unsigned flags, struct cr_image_info **ret_info, struct cr_error **err)
{
        struct archive_input in = {.fd = -EBADF};
        struct cr_image_import im = {.tmpfd = -EBADF, .rootfd = -EBADF, .lock = -EBADF};
        int r;

        r = load_inputs(s, &in, archive_path, manifest_path, err);
        if (r >= 0)
                r = check_sha256(&in, archive_path, err);
        if (r >= 0)
                r = cr_image_import_begin(&im, s, in.m->name, in.m->version, err);
        if (r >= 0) {
                take_manifest(&im, &in);
                r = cr_image_import_check(&im, flags, err);
        }
        if (r == 1) /* already there: a no-op success */
                r = cr_image_import_present(&im, ret_info, err);
        else if (r >= 0) {
                bool replace = r == 2;
                r = unpack(&im, in.fd, err);
                if (r >= 0)
                        r = cr_image_import_publish(&im, replace, ret_info, err);
        }
        cr_image_import_done(&im);
        archive_input_done(&in);
        return r;
}
