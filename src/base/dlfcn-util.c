/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "dlfcn-util.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "cleanup.h"
#include "error.h"
#include "macro.h"
#include "xalloc.h"

/* Resets every pointer and fails with "MESSAGE: <dlerror()>". */
static int _printf_(4, 5) dl_error(const struct cr_dlsym *syms, size_t n, struct cr_error **err, const char *fmt, ...)
{
        const char *why = dlerror();
        _cleanup_free_ char *what = NULL, *msg = NULL;
        va_list ap;

        for (size_t i = 0; i < n; i++)
                *syms[i].ptr = NULL;
        va_start(ap, fmt);
        what = xvasprintf(fmt, ap);
        va_end(ap);
        if (why)
                msg = xasprintf("%s: %s", what, why);
        /* raw: dlerror() says why, a strerror() suffix would only confuse */
        return cr_error_set_raw(err, ELIBACC, CR_ERROR_UNAVAILABLE, msg ? msg : what);
}

int cr_dlopen_many(const char *soname, const struct cr_dlsym *syms, size_t n, void **ret_dl,
                   struct cr_error **err)
{
        void *dl;

        (void) dlerror(); /* forget any earlier failure */
        /* RTLD_LOCAL (the default): its symbols do not enter the global scope. */
        dl = dlopen(soname, RTLD_NOW | RTLD_NODELETE);
        if (!dl)
                return dl_error(syms, n, err, "%s could not be loaded", soname);
        for (size_t i = 0; i < n; i++) {
                *syms[i].ptr = dlsym(dl, syms[i].name);
                if (!*syms[i].ptr)
                        return dl_error(syms, n, err, "%s lacks %s", soname, syms[i].name);
        }
        if (ret_dl)
                *ret_dl = dl;
        return 0;
}
