/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/archive-dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

#include "error.h"
#include "macro.h"

/* See archive-dl.h and docs/internals/image.md ("libarchive is dlopen()ed"). */

#define DLSYM_FUNCTION(symbol) CR_DLSYM_FUNCTION(symbol)

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

#define DLSYM_ARG(symbol) CR_DLSYM_ARG(symbol)

static const struct cr_dlsym symbols[] = {
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

int cr_image_dlopen_libarchive(struct cr_error **err)
{
        void *linked;
        int r;

        if (loaded)
                return 0;
        r = cr_dlopen_many(LIBARCHIVE_SONAME, symbols, ARRAY_SIZE(symbols), NULL, err);
        if (r < 0)
                return r;
        /* A program that also links libarchive (the unit test, the fuzzer)
         * passes its own archive objects in: they must come from the very
         * copy we loaded, which the shared soname guarantees. */
        linked = dlsym(RTLD_DEFAULT, "archive_read_new");
        if (linked && linked != (void *)sym_archive_read_new) {
                for (size_t i = 0; i < ARRAY_SIZE(symbols); i++)
                        *symbols[i].ptr = NULL;
                return cr_error_make(err, ELIBACC, CR_ERROR_UNAVAILABLE,
                                     "%s is not the libarchive this program is linked with", LIBARCHIVE_SONAME);
        }
        loaded = true;
        return 0;
}
