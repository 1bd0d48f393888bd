/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/archive-dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cleanup.h"
#include "error.h"
#include "macro.h"
#include "xalloc.h"

/* See archive-dl.h and docs/internals/image.md ("libarchive is dlopen()ed"). */

#define DLSYM_FUNCTION(symbol) __typeof__(symbol) *sym_##symbol = NULL

DLSYM_FUNCTION(archive_entry_filetype);
DLSYM_FUNCTION(archive_entry_hardlink);
DLSYM_FUNCTION(archive_entry_hardlink_utf8);
DLSYM_FUNCTION(archive_entry_mtime);
DLSYM_FUNCTION(archive_entry_mtime_is_set);
DLSYM_FUNCTION(archive_entry_mtime_nsec);
DLSYM_FUNCTION(archive_entry_pathname);
DLSYM_FUNCTION(archive_entry_pathname_utf8);
DLSYM_FUNCTION(archive_entry_perm);
DLSYM_FUNCTION(archive_entry_size);
DLSYM_FUNCTION(archive_entry_size_is_set);
DLSYM_FUNCTION(archive_entry_symlink);
DLSYM_FUNCTION(archive_entry_symlink_utf8);
DLSYM_FUNCTION(archive_errno);
DLSYM_FUNCTION(archive_error_string);
DLSYM_FUNCTION(archive_read_data_block);
DLSYM_FUNCTION(archive_read_free);
DLSYM_FUNCTION(archive_read_new);
DLSYM_FUNCTION(archive_read_next_header);
DLSYM_FUNCTION(archive_read_open);
DLSYM_FUNCTION(archive_read_support_filter_gzip);
DLSYM_FUNCTION(archive_read_support_filter_xz);
DLSYM_FUNCTION(archive_read_support_filter_zstd);
DLSYM_FUNCTION(archive_read_support_format_tar);
DLSYM_FUNCTION(archive_set_error);

/* Function pointers are stored through void ** as dlsym(3) documents. */
#define DLSYM_ARG(symbol)                       \
        {                                       \
                (void **)&sym_##symbol, #symbol \
        }

static const struct {
        void **ptr;
        const char *name;
} symbols[] = {
        DLSYM_ARG(archive_entry_filetype),
        DLSYM_ARG(archive_entry_hardlink),
        DLSYM_ARG(archive_entry_hardlink_utf8),
        DLSYM_ARG(archive_entry_mtime),
        DLSYM_ARG(archive_entry_mtime_is_set),
        DLSYM_ARG(archive_entry_mtime_nsec),
        DLSYM_ARG(archive_entry_pathname),
        DLSYM_ARG(archive_entry_pathname_utf8),
        DLSYM_ARG(archive_entry_perm),
        DLSYM_ARG(archive_entry_size),
        DLSYM_ARG(archive_entry_size_is_set),
        DLSYM_ARG(archive_entry_symlink),
        DLSYM_ARG(archive_entry_symlink_utf8),
        DLSYM_ARG(archive_errno),
        DLSYM_ARG(archive_error_string),
        DLSYM_ARG(archive_read_data_block),
        DLSYM_ARG(archive_read_free),
        DLSYM_ARG(archive_read_new),
        DLSYM_ARG(archive_read_next_header),
        DLSYM_ARG(archive_read_open),
        DLSYM_ARG(archive_read_support_filter_gzip),
        DLSYM_ARG(archive_read_support_filter_xz),
        DLSYM_ARG(archive_read_support_filter_zstd),
        DLSYM_ARG(archive_read_support_format_tar),
        DLSYM_ARG(archive_set_error),
};

static bool loaded;

/* Resets every pointer and fails with "MESSAGE: <dlerror()>". */
static int _printf_(2, 3) dl_error(struct cr_error **err, const char *fmt, ...)
{
        const char *why = dlerror();
        _cleanup_free_ char *what = NULL, *msg = NULL;
        va_list ap;

        for (size_t i = 0; i < ARRAY_SIZE(symbols); i++)
                *symbols[i].ptr = NULL;
        va_start(ap, fmt);
        what = xvasprintf(fmt, ap);
        va_end(ap);
        if (why)
                msg = xasprintf("%s: %s", what, why);
        /* raw: dlerror() says why, a strerror() suffix would only confuse */
        return cr_error_set_raw(err, ELIBACC, CR_ERROR_UNAVAILABLE, msg ? msg : what);
}

int cr_image_dlopen_libarchive(struct cr_error **err)
{
        void *dl, *linked;

        if (loaded)
                return 0;
        (void)dlerror(); /* forget any earlier failure */
        /* RTLD_NOW: a missing symbol fails here, not in the middle of an
         * unpack. RTLD_NODELETE: the library stays mapped for the life of
         * the process, as the pointers do. RTLD_LOCAL (the default): its
         * symbols do not enter the global scope. */
        dl = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_NODELETE);
        if (!dl)
                return dl_error(err, "%s could not be loaded", LIBARCHIVE_SONAME);
        for (size_t i = 0; i < ARRAY_SIZE(symbols); i++) {
                *symbols[i].ptr = dlsym(dl, symbols[i].name);
                if (!*symbols[i].ptr)
                        return dl_error(err, "%s lacks %s", LIBARCHIVE_SONAME, symbols[i].name);
        }
        /* A program that also links libarchive (the unit test, the fuzzer)
         * passes its own archive objects in: they must come from the very
         * copy we loaded, which the shared soname guarantees. */
        linked = dlsym(RTLD_DEFAULT, "archive_read_new");
        if (linked && linked != (void *)sym_archive_read_new)
                return dl_error(err, "%s is not the libarchive this program is linked with",
                                LIBARCHIVE_SONAME);
        loaded = true;
        return 0;
}
