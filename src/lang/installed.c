/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "installed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cleanup.h"
#include "error.h"
#include "image/image.h"
#include "macro.h"
#include "xalloc.h"

struct installed_runtime {
        const struct cr_runtime *runtime;  /* not owned */
        char *rootfs;                      /* NULL: no image */
        int pin_fd;                        /* keeps the image from being removed while we serve */
};

struct cr_installed {
        const struct cr_catalog *catalog;  /* not owned */
        struct installed_runtime *rts;
        size_t n;
};

static void pin_image(struct cr_image_store *store, struct installed_runtime *ir)
{
        _cleanup_error_ struct cr_error *e = NULL;
        _cleanup_free_ char *ref = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;

        if (!ir->runtime->version)
                return; /* no image of this runtime is installed */
        ref = xasprintf("%s@%s", ir->runtime->image, ir->runtime->version);
        if (cr_image_resolve(store, ref, &info, &e) < 0)
                return; /* unavailable; a request for it says so */
        ir->pin_fd = cr_image_pin(info, &e);
        if (ir->pin_fd >= 0)
                ir->rootfs = xstrdup(info->rootfs);
}

int cr_installed_new(const struct cr_catalog *catalog, struct cr_image_store *store, struct cr_installed **ret,
                     struct cr_error **err)
{
        struct cr_installed *in = xzalloc(sizeof(*in));

        (void) err;
        in->catalog = catalog;
        in->n = catalog->n;
        in->rts = xzalloc(MAX(catalog->n, (size_t) 1) * sizeof(*in->rts));
        for (size_t i = 0; i < catalog->n; i++) {
                in->rts[i].runtime = &catalog->runtimes[i];
                in->rts[i].pin_fd = -EBADF;
                if (store)
                        pin_image(store, &in->rts[i]);
        }
        *ret = in;
        return 0;
}

struct cr_installed *cr_installed_free(struct cr_installed *in)
{
        if (!in)
                return NULL;
        for (size_t i = 0; i < in->n; i++) {
                free(in->rts[i].rootfs);
                safe_close(in->rts[i].pin_fd);
        }
        free(in->rts);
        free(in);
        return NULL;
}

int cr_installed_find(const struct cr_installed *in, const char *ref, const struct cr_runtime **ret,
                      const char **ret_rootfs, struct cr_error **err)
{
        _cleanup_error_ struct cr_error *nf = NULL;
        const struct cr_runtime *rt = NULL;

        if (cr_catalog_find(in->catalog, ref && ref[0] ? ref : "cpp", &rt, &nf) < 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s",
                                    nf && nf->msg ? nf->msg : "unknown runtime");
        for (size_t i = 0; i < in->n; i++) {
                if (in->rts[i].runtime != rt)
                        continue;
                if (!in->rts[i].rootfs)
                        return cr_error_set(err, 0, CR_ERROR_UNAVAILABLE,
                                            "language '%s' is not installed on this server", rt->id);
                *ret = rt;
                if (ret_rootfs)
                        *ret_rootfs = in->rts[i].rootfs;
                return 0;
        }
        return cr_error_make(err, ENOENT, CR_ERROR_INTERNAL, "runtime '%s' is not in the table", rt->id);
}

const struct cr_catalog *cr_installed_catalog(const struct cr_installed *in)
{
        return in->catalog;
}

size_t cr_installed_count(const struct cr_installed *in)
{
        size_t n = 0;

        for (size_t i = 0; i < in->n; i++)
                n += in->rts[i].rootfs != NULL;
        return n;
}

bool cr_installed_has(const struct cr_installed *in, const struct cr_runtime *rt)
{
        for (size_t i = 0; rt && i < in->n; i++)
                if (in->rts[i].runtime == rt)
                        return in->rts[i].rootfs != NULL;
        return false;
}

/* FNV-1a over s and its terminating NUL (so "ab","c" differs from "a","bc") */
static uint64_t fnv1a(uint64_t h, const char *s)
{
        s = s ? s : "";
        do {
                h ^= (unsigned char) *s;
                h *= 0x100000001b3ULL;
        } while (*s++);
        return h;
}

uint64_t cr_installed_fingerprint(const struct cr_installed *in)
{
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < in->n; i++) {
                const struct cr_runtime *rt = in->rts[i].runtime;

                h = fnv1a(h, rt->id);
                h = fnv1a(h, rt->version);
                h = fnv1a(h, rt->is_default ? "default" : "");
                h = fnv1a(h, rt->seccomp_profile);
                h = fnv1a(h, in->rts[i].rootfs);
        }
        return h;
}
