/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "image/image-internal.h"
#include "xalloc.h"

/* Images users bring from Docker: a `docker save` tarball or an OCI image
 * layout (a directory, or a tar of one). A tarball is first unpacked by the
 * image unpacker itself (same rules, same limits) into the import's private
 * directory; from then on both are a directory read only through
 * cr_image_open_beneath(). Every blob named by a digest is checked against
 * it (layers while they are applied), the config's platform must be
 * linux/amd64, and the layers are applied in order, with whiteouts, by
 * cr_image_unpack_layer_fd(). The image's identity (its sha256 in the
 * store) is the OCI manifest's digest, or for docker save the config's
 * digest (Docker's image ID): both cover every layer. */

#define SOURCE_DIR    "source"
#define SHA256_PREFIX "sha256:"

struct oci_import {
        struct cr_image_import im;
        struct cr_oci_image *img; /* owned */
        const char *format;       /* "docker-save" | "oci-layout" */
        char **diff_ids;          /* owned, from the config */
        size_t n_diff_ids;
        char *manifest_digest; /* owned, OCI only */
        int input_fd;          /* owned: the file or directory given */
        int layout_fd;         /* owned: the directory the blobs are in */
        uint64_t input_size;
};

static void oci_import_done(struct oci_import *x)
{
        cr_image_import_done(&x->im);
        cr_oci_image_free(x->img);
        cr_oci_strv_free(x->diff_ids);
        free(x->manifest_digest);
        safe_close(x->input_fd);
        safe_close(x->layout_fd);
}

/* ---- opening blobs ---- */

/* Resolves `target` lexically from directory `dir` (both relative to the
 * layout root): ".." may not climb above the root. */
static int join_link(const char *dir, const char *target, char *out, size_t outsz)
{
        _cleanup_free_ char *joined = NULL;
        char *comp[CR_IMAGE_MAX_DEPTH * 2], *save = NULL, *c;
        size_t n = 0, len = 0;

        if (target[0] == '/')
                return -EPERM;
        joined = xasprintf("%s/%s", dir, target);
        for (c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (strcmp(c, ".") == 0)
                        continue;
                if (strcmp(c, "..") == 0) {
                        if (n == 0)
                                return -EPERM;
                        n--;
                } else if (n < ARRAY_SIZE(comp))
                        comp[n++] = c;
                else
                        return -ENAMETOOLONG;
        }
        out[0] = 0;
        for (size_t i = 0; i < n; i++) {
                size_t k = strlen(comp[i]);
                if (len + k + 2 > outsz)
                        return -ENAMETOOLONG;
                if (i)
                        out[len++] = '/';
                memcpy(out + len, comp[i], k + 1);
                len += k;
        }
        return n == 0 ? -EINVAL : 0;
}

/* A blob beneath the layout, never through a symlink; except that docker
 * save before Docker 25 links a layer that occurs twice to its first copy
 * ("../ID/layer.tar"): one such link is followed, lexically, inside the
 * layout. */
static int open_blob(struct oci_import *x, const char *path, struct cr_error **err)
{
        _cleanup_close_ int dirfd = -EBADF;
        char dir[PATH_MAX], target[PATH_MAX], resolved[PATH_MAX];
        const char *slash = strrchr(path, '/');
        ssize_t n;
        int fd;

        fd = cr_image_open_beneath(x->layout_fd, path, O_RDONLY);
        if (fd != -ELOOP) {
                if (fd < 0)
                        return cr_error_set(err, -fd, fd == -ENOENT ? CR_ERROR_INVALID : CR_ERROR_INTERNAL,
                                            "blob '%s'", path);
                return fd;
        }
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
        dirfd = cr_image_open_beneath(x->layout_fd, dir, O_PATH | O_DIRECTORY);
        n = dirfd < 0 ? -1 : readlinkat(dirfd, slash ? slash + 1 : path, target, sizeof(target) - 1);
        if (n < 0)
                return cr_error_make(err, ELOOP, CR_ERROR_INVALID, "blob '%s' is reached through a symlink",
                                     path);
        target[n] = 0;
        if (join_link(dir, target, resolved, sizeof(resolved)) < 0)
                return cr_error_make(err, EPERM, CR_ERROR_INVALID, "blob '%s' links outside the image",
                                     path);
        fd = cr_image_open_beneath(x->layout_fd, resolved, O_RDONLY);
        if (fd < 0)
                return cr_error_set(err, -fd, CR_ERROR_INVALID, "blob '%s' (a link to '%s')", path,
                                    resolved);
        return fd;
}

/* Checks that fd is a regular file of the expected size (0: any). */
static int check_blob_fd(int fd, const struct cr_oci_blob *b, uint64_t *ret_size, struct cr_error **err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat blob '%s'", b->path);
        if (!S_ISREG(st.st_mode))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "blob '%s' is not a regular file",
                                     b->path);
        if (b->size && (uint64_t)st.st_size != b->size)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                     "blob '%s' is %" PRIu64 " bytes, not %" PRIu64, b->path,
                                     (uint64_t)st.st_size, b->size);
        if (ret_size)
                *ret_size = (uint64_t)st.st_size;
        return 0;
}

/* Reads a small JSON blob whole; its sha256 (hex) goes to ret_hex and must
 * equal b->digest when that is known. */
static int read_blob(struct oci_import *x, const struct cr_oci_blob *b, char **ret, size_t *ret_len,
                     char ret_hex[SHA256_HEX_LEN + 1], struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        uint64_t size;
        ssize_t n;
        int r;

        r = fd = open_blob(x, b->path, err);
        if (r >= 0)
                r = check_blob_fd(fd, b, &size, err);
        if (r < 0)
                return r;
        if (size >= MANIFEST_MAX_BYTES)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT, "'%s' is larger than %u bytes", b->path,
                                     MANIFEST_MAX_BYTES);
        data = xmalloc((size_t)size + 1);
        n = loop_read(fd, data, (size_t)size);
        if (n < 0)
                return cr_error_set(err, (int)-n, CR_ERROR_INTERNAL, "read '%s'", b->path);
        data[n] = 0;
        r = cr_image_sha256_buf(data, (size_t)n, ret_hex);
        if (r < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        if (b->digest && strcmp(ret_hex, b->digest) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID,
                                     "'%s' does not match its digest (it is %s)", b->path, ret_hex);
        *ret_len = (size_t)n;
        *ret = TAKE_PTR(data);
        return 0;
}

/* ---- the two formats ---- */

static bool has_file(struct oci_import *x, const char *name)
{
        _cleanup_close_ int fd = cr_image_open_beneath(x->layout_fd, name, O_PATH);
        return fd >= 0;
}

static int read_config(struct oci_import *x, char hex[SHA256_HEX_LEN + 1], struct cr_error **err)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r;

        r = read_blob(x, &x->img->config, &data, &len, hex, err);
        if (r >= 0)
                r = cr_oci_config_parse(data, len, &x->diff_ids, &x->n_diff_ids, err);
        if (r < 0)
                return cr_error_wrap(err, "image config");
        if (x->n_diff_ids != x->img->n_layers)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "the config lists %zu layers, the manifest %zu", x->n_diff_ids,
                                     x->img->n_layers);
        return 0;
}

static int load_docker(struct oci_import *x, struct cr_error **err)
{
        struct cr_oci_blob m = {.path = (char *)"manifest.json"};
        _cleanup_free_ char *data = NULL;
        char hex[SHA256_HEX_LEN + 1];
        size_t len;
        int r;

        x->format = "docker-save";
        r = read_blob(x, &m, &data, &len, hex, err);
        if (r >= 0)
                r = cr_oci_docker_manifest_parse(data, len, &x->img, err);
        if (r < 0)
                return cr_error_wrap(err, "manifest.json");
        r = read_config(x, hex, err);
        if (r < 0)
                return r;
        x->im.sha256 = xstrdup(hex); /* Docker's image ID */
        /* A layer not named by its digest is checked against the config's
         * diff_id: docker save writes uncompressed layers, whose digest
         * that is. */
        for (size_t i = 0; i < x->img->n_layers; i++)
                if (!x->img->layers[i].digest)
                        x->img->layers[i].digest = xstrdup(x->diff_ids[i]);
        return 0;
}

/* index.json → (image index →) image manifest. */
static int load_oci(struct oci_import *x, struct cr_error **err)
{
        struct cr_oci_blob idx = {.path = (char *)"index.json"}, pick = {};
        _cleanup_free_ char *data = NULL;
        char hex[SHA256_HEX_LEN + 1];
        size_t len;
        int r;

        x->format = "oci-layout";
        r = read_blob(x, &idx, &data, &len, hex, err);
        for (int depth = 0; r >= 0; depth++) {
                free(pick.path), free(pick.digest), free(pick.media_type);
                r = cr_oci_index_pick(data, len, &pick, err);
                if (r < 0)
                        break;
                free(data);
                data = NULL;
                r = read_blob(x, &pick, &data, &len, hex, err);
                if (r < 0 || !cr_oci_media_type_is_index(pick.media_type))
                        break;
                if (depth >= 2)
                        r = cr_error_make(err, ELOOP, CR_ERROR_INVALID, "image indexes nested too deeply");
        }
        if (r >= 0)
                r = cr_oci_manifest_parse(data, len, &x->img, err);
        free(pick.path), free(pick.digest), free(pick.media_type);
        if (r < 0)
                return cr_error_wrap(err, "OCI image layout");
        x->manifest_digest = xasprintf(SHA256_PREFIX "%s", hex);
        x->im.sha256 = xstrdup(hex);
        return read_config(x, hex, err);
}

/* A tarball is unpacked (by the image unpacker, under the store's limits)
 * into the import's private directory first. */
static int open_layout(struct oci_import *x, struct cr_error **err)
{
        struct cr_image_unpack_stats stats;
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        struct stat st;
        int r;

        if (fstat(x->input_fd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat");
        if (S_ISDIR(st.st_mode)) {
                x->layout_fd = TAKE_FD(x->input_fd);
                return 0;
        }
        if (!S_ISREG(st.st_mode))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a regular file or a directory");
        x->input_size = (uint64_t)st.st_size;
        if (mkdirat(x->im.tmpfd, SOURCE_DIR, 0700) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "mkdir '%s'", SOURCE_DIR);
        x->layout_fd = openat(x->im.tmpfd, SOURCE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (x->layout_fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s'", SOURCE_DIR);
        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        r = cr_image_unpack_fd(x->input_fd, x->layout_fd, &x->im.s->limits, h, &stats, err);
        return r < 0 ? cr_error_wrap(err, "the archive") : 0;
}

static int load(struct oci_import *x, struct cr_error **err)
{
        int r = open_layout(x, err);

        if (r < 0)
                return r;
        if (has_file(x, "manifest.json"))
                return load_docker(x, err);
        if (has_file(x, "index.json"))
                return load_oci(x, err);
        return cr_error_make(
                err, EINVAL, CR_ERROR_INVALID,
                "neither a docker save archive (manifest.json) nor an OCI image layout (index.json)");
}

/* ---- building the tree ---- */

static int apply_layers(struct oci_import *x, struct cr_error **err)
{
        uint64_t total = 0;

        for (size_t i = 0; i < x->img->n_layers; i++) {
                const struct cr_oci_blob *b = &x->img->layers[i];
                _cleanup_close_ int fd = -EBADF;
                uint64_t size;
                int r;

                r = fd = open_blob(x, b->path, err);
                if (r >= 0)
                        r = check_blob_fd(fd, b, &size, err);
                if (r >= 0)
                        r = cr_image_unpack_layer_fd(fd, x->im.rootfd, &x->im.s->limits, b->digest,
                                                     &x->im.stats, err);
                if (r < 0)
                        return cr_error_wrap(err, "layer %zu of %zu ('%s')", i + 1, x->img->n_layers,
                                             b->path);
                total += size;
        }
        if (!x->input_size)
                x->input_size = total;
        return 0;
}

/* /tmp, /proc, /dev and /box are where the sandbox mounts: empty
 * directories of root's, whatever the image had there. */
static int make_mount_points(int rootfd, struct cr_error **err)
{
        static const char *const dirs[] = {"tmp", "proc", "dev", "box"};
        struct stat st;
        int r, fd;

        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                if (fstatat(rootfd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
                    unlinkat(rootfd, dirs[i], 0) < 0)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "remove '/%s'", dirs[i]);
                if (mkdirat(rootfd, dirs[i], 0755) < 0 && errno != EEXIST)
                        return cr_error_set(err, errno, CR_ERROR_INTERNAL, "mkdir '/%s'", dirs[i]);
                fd = openat(rootfd, dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || fchmod(fd, 0755) < 0 || (geteuid() == 0 && fchown(fd, 0, 0) < 0)) {
                        r = -errno;
                        safe_close(fd);
                        return cr_error_set(err, -r, CR_ERROR_INTERNAL, "set up '/%s'", dirs[i]);
                }
                r = cr_image_tree_clear(fd, err);
                if (r < 0)
                        return cr_error_wrap(err, "emptying '/%s'", dirs[i]);
        }
        return 0;
}

static int finish(struct oci_import *x, bool replace, struct cr_image_info **ret_info, struct cr_error **err)
{
        int r;

        r = apply_layers(x, err);
        if (r >= 0)
                r = make_mount_points(x->im.rootfd, err);
        if (r < 0)
                return cr_error_wrap(err, "image '%s'", x->im.ref);
        /* the unpacked archive is not part of the image */
        x->layout_fd = safe_close(x->layout_fd);
        r = cr_image_tree_remove_at(x->im.tmpfd, SOURCE_DIR, err);
        if (r >= 0)
                r = cr_oci_record_format(x->img, x->format, x->im.name, x->im.version, x->im.sha256,
                                         x->manifest_digest, x->input_size, x->im.stats.bytes,
                                         &x->im.manifest, err);
        if (r < 0)
                return r;
        x->im.manifest_len = strlen(x->im.manifest);
        x->im.size_bytes = x->input_size;
        x->im.source = xstrdup(x->format);
        return cr_image_import_publish(&x->im, replace, ret_info, err);
}

int cr_image_import_oci(struct cr_image_store *s, const char *path, const char *name, const char *version,
                        unsigned flags, struct cr_image_info **ret_info, struct cr_error **err)
{
        struct oci_import x = {.input_fd = -EBADF, .layout_fd = -EBADF};
        int r;

        x.im = (struct cr_image_import){.tmpfd = -EBADF, .rootfd = -EBADF, .lock = -EBADF};
        x.input_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (x.input_fd < 0)
                return cr_error_set(err, errno, errno == ENOENT ? CR_ERROR_NOT_FOUND : CR_ERROR_INVALID,
                                    "'%s'", path);
        r = cr_image_import_begin(&x.im, s, name, version, err);
        if (r >= 0)
                r = load(&x, err);
        if (r >= 0)
                r = cr_image_import_check(&x.im, flags, err);
        if (r == 1)
                r = cr_image_import_present(&x.im, ret_info, err);
        else if (r >= 0)
                r = finish(&x, r == 2, ret_info, err);
        if (r < 0)
                r = cr_error_wrap(err, "'%s'", path);
        oci_import_done(&x);
        return r;
}
