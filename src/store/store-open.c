/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "store-internal.h"

#include <errno.h>

#include "error.h"

/* The one place that knows both backends: the rest of store/ reaches them
 * only through their table of operations. */

int cr_store_open(const struct cr_store_options *o, struct cr_store **ret, struct cr_error **err)
{
        switch (o->backend) {
        case CR_STORE_SQLITE:
                return store_sqlite_open(o, ret, err);
        case CR_STORE_POSTGRES:
                return store_pg_open(o, ret, err);
        default:
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "unknown store backend");
        }
}
