/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* Pure functions on archive paths: no I/O, so the unit tests and the fuzzer
 * reach every branch. */

int cr_image_path_normalize(const char *in, char *out, size_t outsz)
{
        size_t len = 0, depth = 0;
        const char *p = in;

        if (!in || !in[0] || outsz == 0)
                return -EINVAL;
        /* Absolute paths are refused rather than made relative: an archive
         * that contains them was not made by build-image.sh. */
        if (in[0] == '/')
                return -EINVAL;
        while (*p) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return -EINVAL;
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (n > NAME_MAX)
                                return -ENAMETOOLONG;
                        if (++depth > CR_IMAGE_MAX_DEPTH)
                                return -ENAMETOOLONG;
                        /* room for an optional '/', the name and the NUL */
                        if (len + (len > 0) + n + 1 > outsz || len + (len > 0) + n >= PATH_MAX)
                                return -ENAMETOOLONG;
                        if (len > 0)
                                out[len++] = '/';
                        memcpy(out + len, p, n);
                        len += n;
                }
                p += n;
                if (*p == '/')
                        p++;
        }
        out[len] = 0;
        return (int)depth;
}

bool cr_image_symlink_escapes(size_t depth, const char *target)
{
        const char *p = target;
        size_t level = depth;

        if (target[0] == '/') /* resolved inside the sandbox root, never on the host */
                return false;
        while (*p) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);

                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (level == 0)
                                return true;
                        level--;
                } else if (n > 0 && !(n == 1 && p[0] == '.')) {
                        level++;
                }
                p += n;
                if (*p == '/')
                        p++;
        }
        return false;
}
