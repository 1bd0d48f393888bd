/* SPDX-License-Identifier: MIT */
#pragma once

/* The image tests' fixture, archive builder and malicious archives
 * (image-fixture.c). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cleanup.h"

struct archive;
struct cr_error;
struct cr_image_info;
struct cr_image_limits;
struct cr_image_store;

struct fx {
        char *dir;                  /* T */
        char *in, *store, *outside; /* T/in, T/store, T/outside */
        struct cr_image_store *s;
};

void fx_done(struct fx *f);
int fx_init(struct fx *f);
int fx_open_store(struct fx *f, const struct cr_image_limits *limits);
/* The invariant after a refused import: nothing in the store but the lock,
 * nothing new anywhere in T. */
bool fx_untouched(struct fx *f);
#define _cleanup_fx_ _cleanup_(fx_done)

void write_text(const char *path, const char *text);
char *read_text(const char *path);
/* Names in a directory other than "." and "..", sorted, joined by ' '. */
char *dir_names(const char *path);

struct archive *tar_new(const char *path, bool zstd);
void tar_close(struct archive *a);
void tar_entry(struct archive *a, const char *path, mode_t mode, const char *data, size_t len, const char *symlink,
               const char *hardlink);
void add_file(struct archive *a, const char *path, mode_t perm, const char *data);
void add_dir(struct archive *a, const char *path, mode_t perm);
void add_symlink(struct archive *a, const char *path, const char *target);
void add_hardlink(struct archive *a, const char *path, const char *target);
void add_zeros(struct archive *a, const char *path, size_t n);

/* Writes T/in/NAME.manifest.json for the archive; sha256 override when
 * `sha` is set. */
void write_manifest(struct fx *f, const char *name, const char *version, const char *archive, const char *sha);

typedef void (*build_fn)(struct archive *a, struct fx *f);
/* Builds T/in/NAME.tar.zst with fn plus its manifest and imports it. */
int build_and_import(struct fx *f, const char *name, const char *version, build_fn fn, unsigned flags,
                     struct cr_image_info **ret_info, struct cr_error **err);

/* ---- malicious archives ---- */
void bad_absolute(struct archive *a, struct fx *f);
void bad_dotdot(struct archive *a, struct fx *f);
void bad_dotdot_inner(struct archive *a, struct fx *f);
void bad_symlink_escape(struct archive *a, struct fx *f);
void bad_symlink_escape_deep(struct archive *a, struct fx *f);
void bad_write_through_abs_symlink(struct archive *a, struct fx *f);
void bad_overwrite_abs_symlink(struct archive *a, struct fx *f);
void bad_dir_over_symlink(struct archive *a, struct fx *f);
void bad_hardlink_abs(struct archive *a, struct fx *f);
void bad_hardlink_dotdot(struct archive *a, struct fx *f);
void bad_hardlink_via_symlink(struct archive *a, struct fx *f);
void bad_hardlink_to_dir(struct archive *a, struct fx *f);
void bad_hardlink_to_symlink(struct archive *a, struct fx *f);
void bad_hardlink_missing(struct archive *a, struct fx *f);
void bad_chardev(struct archive *a, struct fx *f);
void bad_blockdev(struct archive *a, struct fx *f);
void bad_fifo(struct archive *a, struct fx *f);
void bad_setuid(struct archive *a, struct fx *f);
void bad_setgid_dir(struct archive *a, struct fx *f);
void bad_duplicate(struct archive *a, struct fx *f);
void bad_file_then_dir(struct archive *a, struct fx *f);
void bad_through_file(struct archive *a, struct fx *f);
void bad_size_bomb(struct archive *a, struct fx *f);
void bad_too_many(struct archive *a, struct fx *f);
void bad_root_not_dir(struct archive *a, struct fx *f);
