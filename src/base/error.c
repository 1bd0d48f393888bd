/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char *const kind_names[_CR_ERROR_KIND_MAX] = {
        [CR_ERROR_INTERNAL] = "internal",       [CR_ERROR_INVALID] = "invalid",
        [CR_ERROR_LIMIT] = "limit",             [CR_ERROR_NOT_FOUND] = "not-found",
        [CR_ERROR_UNAVAILABLE] = "unavailable", [CR_ERROR_CANCELLED] = "cancelled",
        [CR_ERROR_TIMEOUT] = "timeout",
};

const char *cr_error_kind_to_string(enum cr_error_kind kind)
{
        if (kind < 0 || kind >= _CR_ERROR_KIND_MAX)
                return "unknown";
        return kind_names[kind];
}

int cr_error_code(const struct cr_error *e)
{
        if (!e || e->errnum <= 0)
                return -EIO;
        return -e->errnum;
}

int cr_error_set_raw(struct cr_error **err, int errnum, enum cr_error_kind kind, const char *msg)
{
        struct cr_error *e;

        if (errnum < 0)
                errnum = -errnum;
        if (!err || *err) /* never clobber the first error */
                return errnum > 0 ? -errnum : -EIO;

        e = xmalloc(sizeof(*e));
        e->errnum = errnum;
        e->kind = kind;
        e->msg = xstrdup(msg);
        *err = e;
        return errnum > 0 ? -errnum : -EIO;
}

int cr_error_set(struct cr_error **err, int errnum, enum cr_error_kind kind, const char *fmt, ...)
{
        char *base = NULL, *msg = NULL;
        va_list ap;
        int r;

        if (errnum < 0)
                errnum = -errnum;
        va_start(ap, fmt);
        base = xvasprintf(fmt, ap);
        va_end(ap);
        if (errnum > 0)
                msg = xasprintf("%s: %s", base, strerror(errnum));
        r = cr_error_set_raw(err, errnum, kind, msg ? msg : base);
        free(base);
        free(msg);
        return r;
}

int cr_error_make(struct cr_error **err, int errnum, enum cr_error_kind kind, const char *fmt, ...)
{
        char *msg;
        va_list ap;
        int r;

        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        r = cr_error_set_raw(err, errnum, kind, msg);
        free(msg);
        return r;
}

int cr_error_wrap(struct cr_error **err, const char *fmt, ...)
{
        char *prefix, *msg;
        va_list ap;

        if (!err || !*err)
                return -EIO;
        va_start(ap, fmt);
        prefix = xvasprintf(fmt, ap);
        va_end(ap);
        msg = xasprintf("%s: %s", prefix, (*err)->msg);
        free(prefix);
        free((*err)->msg);
        (*err)->msg = msg;
        return cr_error_code(*err);
}

struct cr_error *cr_error_free(struct cr_error *e)
{
        if (!e)
                return NULL;
        free(e->msg);
        free(e);
        return NULL;
}
