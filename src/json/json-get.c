/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "json.h"

#include <errno.h>

#include "error.h"

/* Typed members with errors that name the member's path, built on the
 * reader's getters (no json-c here). A null member counts as absent. */

static bool absent(const struct cr_json *v)
{
        return cr_json_type(v) == CR_JSON_NULL;
}

static int member_error(struct cr_error **err, int errnum, const char *where, const char *key, const char *what)
{
        return cr_error_make(err, errnum, CR_ERROR_INVALID, "'%s%s%s' %s", where, where[0] ? "." : "", key,
                             what);
}

/* The member, or 1 when it is absent and may be, or the error. */
static int find(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                const struct cr_json **ret, struct cr_error **err)
{
        *ret = cr_json_member(obj, key);
        if (!absent(*ret))
                return 0;
        *ret = NULL;
        if (flags & CR_JSON_REQUIRED)
                return member_error(err, EINVAL, where, key, "is missing");
        return 1;
}

int cr_json_get_string(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                       size_t max, const char **ret, struct cr_error **err)
{
        const struct cr_json *v;
        int r;

        *ret = NULL;
        if ((r = find(obj, where, key, flags, &v, err)) != 0)
                return r < 0 ? r : 0;
        if (cr_json_type(v) != CR_JSON_STRING)
                return member_error(err, EINVAL, where, key, "is not a string");
        *ret = cr_json_as_string_clean(v, max);
        if (!*ret)
                return member_error(err, EINVAL, where, key, "has a NUL byte, is not UTF-8 or is too long");
        return 0;
}

int cr_json_get_uint64(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                       uint64_t *ret, struct cr_error **err)
{
        const struct cr_json *v;
        int r;

        *ret = 0;
        if ((r = find(obj, where, key, flags, &v, err)) != 0)
                return r < 0 ? r : 0;
        if (cr_json_as_uint64(v, ret) < 0)
                return member_error(err, EINVAL, where, key, "is not a non-negative integer");
        return 0;
}

int cr_json_get_bool(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                     bool *ret, struct cr_error **err)
{
        const struct cr_json *v;
        int r;

        *ret = false;
        if ((r = find(obj, where, key, flags, &v, err)) != 0)
                return r < 0 ? r : 0;
        if (cr_json_as_bool(v, ret) < 0)
                return member_error(err, EINVAL, where, key, "is not a boolean");
        return 0;
}

int cr_json_get_object(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                       const struct cr_json **ret, struct cr_error **err)
{
        int r;

        if ((r = find(obj, where, key, flags, ret, err)) != 0)
                return r < 0 ? r : 0;
        if (cr_json_type(*ret) != CR_JSON_OBJECT) {
                *ret = NULL;
                return member_error(err, EINVAL, where, key, "is not an object");
        }
        return 0;
}

int cr_json_get_array(const struct cr_json *obj, const char *where, const char *key, unsigned flags,
                      size_t max, const struct cr_json **ret, struct cr_error **err)
{
        int r;

        if ((r = find(obj, where, key, flags, ret, err)) != 0)
                return r < 0 ? r : 0;
        if (cr_json_type(*ret) != CR_JSON_ARRAY) {
                *ret = NULL;
                return member_error(err, EINVAL, where, key, "is not an array");
        }
        if (cr_json_array_len(*ret) > max) {
                *ret = NULL;
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "'%s%s%s' has more than %zu elements", where,
                                     where[0] ? "." : "", key, max);
        }
        return 0;
}
