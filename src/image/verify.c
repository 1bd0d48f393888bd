/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "image/image-internal.h"
#include "xalloc.h"

/* verify: recompute the tree listing and compare it, line by line, with the
 * tree.digest written at import, whose own sha256 is in image.json. */

struct comparer {
        FILE *stored;                     /* not owned */
        struct cr_image_sha256 *h_found;  /* not owned */
        struct cr_image_sha256 *h_stored; /* not owned */
        char *line;                       /* owned: getline buffer */
        size_t cap;
        const char *ref; /* not owned */
};

/* The path field of a listing line (after five space-separated fields),
 * without the symlink target and the newline, still escaped. */
static char *line_path(const char *line)
{
        const char *p = line;
        size_t n;

        for (int i = 0; i < 5 && p; i++) {
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        if (!p)
                return xstrdup("?");
        n = strcspn(p, " \n");
        return xstrndup(p, MIN(n, 200));
}

static int mismatch(struct comparer *c, const char *found, const char *stored, struct cr_error **err)
{
        _cleanup_free_ char *fp = found ? line_path(found) : NULL, *sp = stored ? line_path(stored) : NULL;

        if (!found)
                return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL,
                                    "image '%s' failed verification: '%s' is missing", c->ref, sp);
        if (!stored)
                return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL,
                                    "image '%s' failed verification: '%s' was added", c->ref, fp);
        if (strcmp(fp, sp) == 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL,
                                    "image '%s' failed verification: '%s' was modified", c->ref, fp);
        return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL,
                            "image '%s' failed verification: '%s' is missing or '%s' was added", c->ref, sp,
                            fp);
}

static int compare_line(const char *line, size_t len, void *userdata, struct cr_error **err)
{
        struct comparer *c = userdata;
        ssize_t n = getline(&c->line, &c->cap, c->stored);

        if (n > 0 && cr_image_sha256_update(c->h_stored, c->line, (size_t)n) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        if (cr_image_sha256_update(c->h_found, line, len) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        if (n < 0)
                return mismatch(c, line, NULL, err);
        if ((size_t)n != len || memcmp(c->line, line, len) != 0)
                return mismatch(c, line, c->line, err);
        return 0;
}

static int compare_tree(struct cr_image_info *info, int imgfd, FILE *stored, struct cr_error **err)
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *hf = NULL, *hs = NULL;
        _cleanup_close_ int rootfd =
                openat(imgfd, ROOTFS_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct comparer c = {.stored = stored, .ref = info->ref};
        char found[SHA256_HEX_LEN + 1], listed[SHA256_HEX_LEN + 1];
        int r;

        if (rootfd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "image '%s': open rootfs", info->ref);
        r = cr_image_sha256_new(&hf, err);
        if (r >= 0)
                r = cr_image_sha256_new(&hs, err);
        if (r < 0)
                return r;
        c.h_found = hf;
        c.h_stored = hs;
        /* the walk's own bound sits above the import limit so that an
         * added entry is reported as such, not as a limit */
        r = cr_image_tree_walk(rootfd, info->entries + 2, compare_line, &c, err);
        if (r >= 0 && getline(&c.line, &c.cap, stored) > 0)
                r = mismatch(&c, NULL, c.line, err);
        free(c.line);
        if (r < 0)
                return r;
        if (cr_image_sha256_final(hf, found) < 0 || cr_image_sha256_final(hs, listed) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        if (strcmp(listed, info->tree_digest) != 0 || strcmp(found, info->tree_digest) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INTERNAL,
                                    "image '%s' failed verification: %s does not match %s", info->ref,
                                    DIGEST_NAME, RECORD_NAME);
        return 0;
}

int cr_image_verify(struct cr_image_store *s, const char *ref, struct cr_error **err)
{
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_close_ int imgfd = -EBADF;
        _cleanup_fclose_ FILE *stored = NULL;
        int fd, r;

        r = cr_image_store_resolve(s, ref, &info, &imgfd, err);
        if (r < 0)
                return r;
        fd = openat(imgfd, DIGEST_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "image '%s': open %s", info->ref,
                                    DIGEST_NAME);
        stored = fdopen(fd, "r");
        if (!stored) {
                safe_close(fd);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "fdopen");
        }
        return compare_tree(info, imgfd, stored, err);
}
