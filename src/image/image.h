/* SPDX-License-Identifier: MIT */
#pragma once

/* The image store: language root filesystems imported from NAME.tar.zst +
 * NAME.manifest.json, verified, unpacked by our own code (never
 * archive_write_disk) through dirfds opened with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), and published with one atomic rename(2).
 *
 * Store layout (docs/internals/image.md):
 *     <root>/.lock                    flock(2) serialising import/remove
 *     <root>/NAME@VERSION/            complete images only
 *             rootfs/                 the read-only tree the sandbox binds
 *             manifest.json           the manifest as imported (verbatim)
 *             image.json              what list/resolve read (ours)
 *             tree.digest             one line per entry, see verify
 *     <root>/.tmp-NAME@VERSION-RAND/  an import in progress (or a crash)
 *     <root>/.trash-NAME@VERSION-RAND/ a removal in progress
 *
 * Non-logging module: errors travel in struct cr_error. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct archive; /* libarchive's reader; only src/image/ includes <archive.h> */
struct cr_error;
struct cr_image_store;
struct cr_json_writer;

#define CR_IMAGE_STORE_DEFAULT              "/var/lib/coderunner/images"
#define CR_IMAGE_MAX_UNPACKED_BYTES_DEFAULT (4ULL << 30)
#define CR_IMAGE_MAX_ENTRIES_DEFAULT        500000ULL
/* Deepest entry path accepted, in components: every tree walk holds one fd
 * per level, so depth must stay far below RLIMIT_NOFILE. */
#define CR_IMAGE_MAX_DEPTH   128
#define CR_IMAGE_NAME_MAX    64
#define CR_IMAGE_VERSION_MAX 64

struct cr_image_limits {
        uint64_t max_unpacked_bytes; /* sum of regular file sizes (apparent) */
        uint64_t max_entries;        /* entries created, implicit parents included */
};

struct cr_image_unpack_stats {
        uint64_t entries;
        uint64_t bytes;
        uint64_t files, dirs, symlinks, hardlinks;
};

struct cr_image_toolchain {
        char *key;   /* owned */
        char *value; /* owned */
};

struct cr_image_info {
        char *name;                           /* owned */
        char *version;                        /* owned */
        char *ref;                            /* owned: NAME@VERSION */
        char *sha256;                         /* owned: hex digest of the imported archive */
        char *tree_digest;                    /* owned: hex sha256 of tree.digest */
        char *build_date;                     /* owned, may be NULL */
        char *recipe_hash;                    /* owned, may be NULL */
        char *suite;                          /* owned, may be NULL: the Debian suite it was built from */
        char *source;                         /* owned, may be NULL: "tar", "docker-save", "oci-layout" */
        char *import_date;                    /* owned: UTC, ISO 8601 */
        char *path;                           /* owned: absolute image directory */
        char *rootfs;                         /* owned: absolute path of the read-only tree */
        uint64_t size_bytes;                  /* archive size */
        uint64_t unpacked_bytes;              /* measured at import */
        uint64_t entries;                     /* measured at import */
        struct cr_image_toolchain *toolchain; /* owned, n_toolchain items */
        size_t n_toolchain;
};

enum {
        CR_IMAGE_STORE_CREATE = 1U << 0, /* create the store directory if missing */
};

enum {
        /* An image of the same NAME@VERSION but another sha256 is swapped out
         * atomically (renameat2 RENAME_EXCHANGE) instead of refused. */
        CR_IMAGE_IMPORT_REPLACE = 1U << 0,
};

void cr_image_limits_default(struct cr_image_limits *l);

/* Opens (and with CR_IMAGE_STORE_CREATE creates) the store at `root`, which
 * is made absolute. `limits` may be NULL for the defaults. */
int cr_image_store_open(const char *root, unsigned flags, const struct cr_image_limits *limits,
                        struct cr_image_store **ret, struct cr_error **err);
struct cr_image_store *cr_image_store_free(struct cr_image_store *s);
const char *cr_image_store_path(const struct cr_image_store *s);

/* Verifies the archive against the manifest's sha256, unpacks it and
 * publishes it as NAME@VERSION. Returns 1 when the image was imported, 0
 * when an identical one (same sha256) was already present. ret_info may be
 * NULL. Nothing is left in the store on failure. */
int cr_image_import(struct cr_image_store *s, const char *archive_path, const char *manifest_path,
                    unsigned flags, struct cr_image_info **ret_info, struct cr_error **err);

/* Imports an image users bring from Docker as NAME@VERSION: `path` is a
 * `docker save` tarball (optionally gzip/zstd/xz compressed), an OCI image
 * layout directory, or a tar of one. Layers are applied in order with their
 * whiteouts by the same unpacker and limits as cr_image_import(); the
 * mount-point directories are created; manifest.json records where the
 * image came from (format, digests, layers). Returns 1 when imported, 0
 * when the identical image (same manifest/config digest) was present. */
int cr_image_import_oci(struct cr_image_store *s, const char *path, const char *name, const char *version,
                        unsigned flags, struct cr_image_info **ret_info, struct cr_error **err);

/* Every complete image, sorted by name then version (strverscmp). */
int cr_image_list(struct cr_image_store *s, struct cr_image_info ***ret_infos, size_t *ret_n,
                  struct cr_error **err);

/* "NAME" (highest version) or "NAME@VERSION" → the image, with the absolute
 * rootfs path the sandbox binds. */
int cr_image_resolve(struct cr_image_store *s, const char *ref, struct cr_image_info **ret,
                     struct cr_error **err);

/* Recomputes the tree digest; a difference is an error naming the first
 * entry that differs (errnum EBADMSG). */
int cr_image_verify(struct cr_image_store *s, const char *ref, struct cr_error **err);

/* Renames the image to .trash-* (atomic for lookups), then deletes it. Fails
 * with EBUSY while a pin is held. */
int cr_image_remove(struct cr_image_store *s, const char *ref, struct cr_error **err);

/* Holds a shared lock on an image for as long as the returned fd is open,
 * so remove/replace refuse to delete a tree a sandbox is using. */
int cr_image_pin(const struct cr_image_info *info, struct cr_error **err);

/* One image as a JSON object: the fields of its image.json, plus its
 * reference and rootfs path (`images list --json`). */
void cr_image_info_write_json(struct cr_json_writer *w, const struct cr_image_info *info);

struct cr_image_info *cr_image_info_free(struct cr_image_info *info);
void cr_image_info_list_free(struct cr_image_info **infos, size_t n);

/* Splits "NAME[@VERSION]" and validates both parts; *ret_version is NULL
 * when absent. */
int cr_image_ref_parse(const char *ref, char **ret_name, char **ret_version, struct cr_error **err);

/* The fuzzable core: a libarchive reader set up for images (tar; none, zstd,
 * gzip, xz filters; no external decompressor programs). */
int cr_image_archive_reader_new(struct archive **ret, struct cr_error **err);
struct archive *cr_image_archive_reader_free(struct archive *a);

/* Writes every entry of `a` beneath dirfd (an empty directory) with the
 * rules of docs/internals/image.md. On failure the partial tree is left for
 * the caller to remove. */
int cr_image_unpack_archive(struct archive *a, int dirfd, const struct cr_image_limits *limits,
                            struct cr_image_unpack_stats *ret_stats, struct cr_error **err);

/* Deletes `name` beneath dirfd recursively through dirfds, never following
 * a symlink and never crossing into another file system. ENOENT is success. */
int cr_image_tree_remove_at(int dirfd, const char *name, struct cr_error **err);

static inline void cr_image_store_freep(struct cr_image_store **s)
{
        *s = cr_image_store_free(*s);
}
static inline void cr_image_info_freep(struct cr_image_info **i)
{
        *i = cr_image_info_free(*i);
}
