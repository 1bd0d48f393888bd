/* SPDX-License-Identifier: MIT */
#pragma once

/* libarchive, loaded on first use (systemd's dlfcn-util.h and
 * dlopen_libarchive()). coderunner is not linked with libarchive: its
 * dependencies (libxml2, ICU, libstdc++, nettle, ...) would be relocated at
 * every process start, and only `images import` reads archives. Code in
 * src/image/ calls sym_archive_*() after a successful
 * cr_image_dlopen_libarchive(); <archive.h> supplies the types and the
 * prototypes the pointers are declared from, so a mismatch does not compile.
 * Only src/image/ includes this header. */

#include <archive.h>
#include <archive_entry.h>

struct cr_error;

/* The library the headers we build against describe: libarchive 3.x has
 * had soname 13 since 3.0. A program that also links libarchive (the unit
 * test and the fuzzer do, for the writer API) gets the same copy back from
 * dlopen() because the sonames match. */
#define LIBARCHIVE_SONAME "libarchive.so.13"
#if ARCHIVE_VERSION_NUMBER < 3000000 || ARCHIVE_VERSION_NUMBER >= 4000000
#error "<archive.h> is not libarchive 3.x: update LIBARCHIVE_SONAME"
#endif

#include "dlfcn-util.h"

#define DLSYM_PROTOTYPE(symbol) CR_DLSYM_PROTOTYPE(symbol)

DLSYM_PROTOTYPE(archive_entry_filetype);
DLSYM_PROTOTYPE(archive_entry_hardlink);
DLSYM_PROTOTYPE(archive_entry_hardlink_utf8);
DLSYM_PROTOTYPE(archive_entry_mtime);
DLSYM_PROTOTYPE(archive_entry_mtime_is_set);
DLSYM_PROTOTYPE(archive_entry_mtime_nsec);
DLSYM_PROTOTYPE(archive_entry_pathname);
DLSYM_PROTOTYPE(archive_entry_pathname_utf8);
DLSYM_PROTOTYPE(archive_entry_perm);
DLSYM_PROTOTYPE(archive_entry_size);
DLSYM_PROTOTYPE(archive_entry_size_is_set);
DLSYM_PROTOTYPE(archive_entry_symlink);
DLSYM_PROTOTYPE(archive_entry_symlink_utf8);
DLSYM_PROTOTYPE(archive_errno);
DLSYM_PROTOTYPE(archive_error_string);
DLSYM_PROTOTYPE(archive_read_data_block);
DLSYM_PROTOTYPE(archive_read_free);
DLSYM_PROTOTYPE(archive_read_new);
DLSYM_PROTOTYPE(archive_read_next_header);
DLSYM_PROTOTYPE(archive_read_open);
DLSYM_PROTOTYPE(archive_read_support_filter_gzip);
DLSYM_PROTOTYPE(archive_read_support_filter_xz);
DLSYM_PROTOTYPE(archive_read_support_filter_zstd);
DLSYM_PROTOTYPE(archive_read_support_format_tar);
DLSYM_PROTOTYPE(archive_set_error);

/* Loads LIBARCHIVE_SONAME and resolves every sym_archive_*() above; cheap
 * once it succeeded. Fails with CR_ERROR_UNAVAILABLE when the library or a
 * symbol is missing (all pointers are then NULL again). Not thread-safe:
 * coderunner is single-threaded. */
int cr_image_dlopen_libarchive(struct cr_error **err);
