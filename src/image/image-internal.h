/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between the files of src/image/ and its unit tests; nothing else
 * includes this. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"

struct cr_error;

#define SHA256_HEX_LEN     64
#define MANIFEST_MAX_BYTES (1U << 20)

/* Store layout: see image.h. */
#define LOCK_NAME     ".lock"
#define TMP_PREFIX    ".tmp-"
#define TRASH_PREFIX  ".trash-"
#define RECORD_NAME   "image.json"
#define MANIFEST_NAME "manifest.json"
#define DIGEST_NAME   "tree.digest"
#define ROOTFS_NAME   "rootfs"

struct cr_image_store {
        char *path; /* owned, absolute */
        int fd;     /* owned: the store root */
        struct cr_image_limits limits;
};

/* ---- store.c ---- */

/* Takes the store-wide lock serialising import and remove; returns its fd. */
int cr_image_store_lock(struct cr_image_store *s, struct cr_error **err);
/* Deletes .tmp-* and .trash-* (call with the lock held). */
void cr_image_store_remove_leftovers(struct cr_image_store *s);
/* Loads NAME@VERSION's image.json; *ret_fd (optional) is the image dir. */
int cr_image_store_load(struct cr_image_store *s, const char *dirname, struct cr_image_info **ret,
                        int *ret_fd, struct cr_error **err);
int cr_image_store_resolve(struct cr_image_store *s, const char *ref, struct cr_image_info **ret,
                           int *ret_fd, struct cr_error **err);

/* ---- path.c: entry paths ---- */

/* Normalises a relative archive path into out (size outsz): "./a//b/." →
 * "a/b", "./" → "". Rejects absolute paths and ".." (-EINVAL), names longer
 * than NAME_MAX and paths longer than PATH_MAX or deeper than
 * CR_IMAGE_MAX_DEPTH (-ENAMETOOLONG). Returns the number of components. */
int cr_image_path_normalize(const char *in, char *out, size_t outsz);
/* True when a relative symlink target, resolved lexically from a link whose
 * parent is `depth` components below the root, climbs above the root. */
bool cr_image_symlink_escapes(size_t depth, const char *target);

/* ---- tree.c: dirfd helpers ---- */

/* openat2(dirfd, path, flags, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV), falling back to a
 * component-by-component O_NOFOLLOW walk where openat2 is missing. path
 * must be normalised (no "..", not absolute). Returns an fd or -errno. */
int cr_image_open_beneath(int dirfd, const char *path, int flags);
/* Deletes everything in the directory fd (which it takes over) like
 * cr_image_tree_remove_at(); the directory itself stays. */
int cr_image_tree_clear(int fd, struct cr_error **err);
/* 16 lowercase hex characters from getrandom(). */
int cr_image_random_suffix(char out[17]);

/* ---- digest.c: sha256 (the only OpenSSL user) and the tree digest ---- */

struct cr_image_sha256;
/* Fails with CR_ERROR_UNAVAILABLE when libcrypto cannot be loaded. */
int cr_image_sha256_new(struct cr_image_sha256 **ret, struct cr_error **err);
int cr_image_sha256_update(struct cr_image_sha256 *h, const void *data, size_t n);
/* Writes 64 hex digits + NUL and resets nothing: call once. */
int cr_image_sha256_final(struct cr_image_sha256 *h, char hex[SHA256_HEX_LEN + 1]);
struct cr_image_sha256 *cr_image_sha256_free(struct cr_image_sha256 *h);
static inline void cr_image_sha256_freep(struct cr_image_sha256 **h)
{
        *h = cr_image_sha256_free(*h);
}
/* Hashes everything left in fd (from its current offset). */
int cr_image_sha256_fd(int fd, char hex[SHA256_HEX_LEN + 1], uint64_t *ret_size, struct cr_error **err);
int cr_image_sha256_buf(const void *data, size_t n, char hex[SHA256_HEX_LEN + 1]);
bool cr_image_sha256_hex_valid(const char *s);

/* Called for each line of the tree listing (NUL-terminated, ends in '\n'). */
typedef int (*cr_image_tree_line_fn)(const char *line, size_t len, void *userdata, struct cr_error **err);
/* Walks the tree beneath rootfd depth-first, names in byte order, and calls
 * fn once per entry with "T MODE UID:GID SIZE SHA256|- PATH[ -> TARGET]\n"
 * (T: d directory, f file, l symlink, ? anything else; PATH and TARGET with
 * bytes <= 0x20, 0x7f and '\\' escaped as \xHH). Returns the entry count. */
int cr_image_tree_walk(int rootfd, uint64_t max_entries, cr_image_tree_line_fn fn, void *userdata,
                       struct cr_error **err);

/* ---- manifest.c: manifest.json, image.json, names (JSON through json/) ---- */

struct cr_image_manifest {
        char *name;              /* owned */
        char *version;           /* owned */
        char *sha256;            /* owned, lowercase hex */
        char *build_date;        /* owned, may be NULL */
        char *recipe_hash;       /* owned, may be NULL */
        char *suite;             /* owned, may be NULL: debian.suite */
        uint64_t size_bytes;     /* 0 when absent */
        uint64_t unpacked_bytes; /* 0 when absent */
        struct cr_image_toolchain *toolchain;
        size_t n_toolchain;
};

bool cr_image_name_valid(const char *s);
bool cr_image_version_valid(const char *s);

int cr_image_manifest_parse(const char *data, size_t len, struct cr_image_manifest **ret,
                            struct cr_error **err);
struct cr_image_manifest *cr_image_manifest_free(struct cr_image_manifest *m);
static inline void cr_image_manifest_freep(struct cr_image_manifest **m)
{
        *m = cr_image_manifest_free(*m);
}

/* image.json: serialise an info (paths excluded) / parse one back. */
int cr_image_record_format(const struct cr_image_info *info, char **ret, struct cr_error **err);
int cr_image_record_parse(const char *data, size_t len, struct cr_image_info **ret, struct cr_error **err);

/* ---- import.c: one import session, shared by tar.zst and Docker/OCI ---- */

struct cr_image_import {
        struct cr_image_store *s; /* not owned */
        char *name, *version, *ref;
        /* what the image record says; set by the caller before check/publish */
        char *sha256; /* identity: archive digest, OCI manifest or Docker config digest */
        char *build_date, *recipe_hash, *suite, *source;
        struct cr_image_toolchain *toolchain;
        size_t n_toolchain;
        char *manifest; /* stored verbatim as manifest.json */
        size_t manifest_len;
        uint64_t size_bytes;
        int lock;    /* the store lock, held for the whole session */
        char *tmpname; /* .tmp-NAME@VERSION-RAND until published */
        int tmpfd;   /* that directory */
        int rootfd;  /* its rootfs/, where the tree is written */
        struct cr_image_unpack_stats stats;
        char tree_digest[SHA256_HEX_LEN + 1];
};

/* Validates NAME and VERSION, takes the store lock, removes crash
 * leftovers and creates .tmp-NAME@VERSION-RAND/rootfs. */
int cr_image_import_begin(struct cr_image_import *im, struct cr_image_store *s, const char *name,
                          const char *version, struct cr_error **err);
/* With im->sha256 set: 0 when NAME@VERSION is absent, 1 when the same
 * image is present (nothing to do), 2 when another one is to be replaced
 * (CR_IMAGE_IMPORT_REPLACE), else EEXIST. */
int cr_image_import_check(struct cr_image_import *im, unsigned flags, struct cr_error **err);
/* The present image for a no-op import (ret_info may be NULL). */
int cr_image_import_present(struct cr_image_import *im, struct cr_image_info **ret_info, struct cr_error **err);
/* Digest, records, sync, rename: the tree in im->rootfd becomes NAME@VERSION. */
int cr_image_import_publish(struct cr_image_import *im, bool replace, struct cr_image_info **ret_info,
                            struct cr_error **err);
/* Releases everything; an unpublished tree is deleted. */
void cr_image_import_done(struct cr_image_import *im);

/* ---- oci-json.c: Docker and OCI image metadata (the fuzzed parsers) ---- */

#define CR_OCI_MAX_LAYERS    256
#define CR_OCI_MAX_MANIFESTS 256

struct cr_oci_blob {
        char *path;       /* owned: normalised, relative to the image's container */
        char *digest;     /* owned: sha256 hex, NULL when nothing names it */
        char *media_type; /* owned, NULL for docker save */
        uint64_t size;    /* 0: unknown (docker save) */
};

struct cr_oci_image {
        struct cr_oci_blob config;
        struct cr_oci_blob *layers; /* owned, n_layers, lowest first */
        size_t n_layers;
        char *tag; /* owned, may be NULL: docker save's first RepoTags entry */
};

struct cr_oci_image *cr_oci_image_free(struct cr_oci_image *img);
static inline void cr_oci_image_freep(struct cr_oci_image **img)
{
        *img = cr_oci_image_free(*img);
}
/* docker save's manifest.json: exactly one image. */
int cr_oci_docker_manifest_parse(const char *data, size_t len, struct cr_oci_image **ret, struct cr_error **err);
/* index.json (or a nested image index): the linux/amd64 manifest, or the
 * only one. ret is filled (blob_done-able) on success only. */
int cr_oci_index_pick(const char *data, size_t len, struct cr_oci_blob *ret, struct cr_error **err);
bool cr_oci_media_type_is_index(const char *media_type);
/* An OCI (or Docker v2) image manifest: config and layer descriptors. */
int cr_oci_manifest_parse(const char *data, size_t len, struct cr_oci_image **ret, struct cr_error **err);
/* An image config: refuses other platforms than linux/amd64; returns
 * rootfs.diff_ids (sha256 hex, NULL-terminated). */
int cr_oci_config_parse(const char *data, size_t len, char ***ret_diff_ids, size_t *ret_n, struct cr_error **err);
void cr_oci_strv_free(char **v);
/* The manifest.json recorded for an imported Docker/OCI image. */
int cr_oci_record_format(const struct cr_oci_image *img, const char *source, const char *name, const char *version,
                         const char *sha256, const char *manifest_digest, uint64_t size_bytes,
                         uint64_t unpacked_bytes, char **ret, struct cr_error **err);

/* ---- tree.c (cont.) ---- */

/* Reads a whole small regular file, at most max bytes. `follow` allows a
 * symlink as the last component (paths the administrator gave us). */
int cr_image_read_file_at(int dirfd, const char *name, bool follow, size_t max, char **ret, size_t *ret_len,
                          struct cr_error **err);

/* ---- unpack.c (cont.) ---- */

/* Unpacks the archive read from fd (from its current offset to EOF) beneath
 * dirfd, feeding every byte read, trailing padding included, into h. */
int cr_image_unpack_fd(int fd, int dirfd, const struct cr_image_limits *limits, struct cr_image_sha256 *h,
                       struct cr_image_unpack_stats *ret_stats, struct cr_error **err);
/* Applies one Docker/OCI layer (a tar, optionally gzip/zstd/xz compressed,
 * read from fd, which must be seekable) over the tree beneath dirfd:
 * whiteouts first (".wh.NAME" deletes NAME, ".wh..wh..opq" empties its
 * directory; both hide lower layers only), then every other entry under the
 * rules of cr_image_unpack_archive(), except that an entry replaces what a
 * lower layer left at its path. The layer is read twice; both times its
 * bytes must hash to want_sha256 (hex) unless that is NULL. `stats` is
 * carried over from layer to layer, so the limits hold for the sum of all
 * layers (bytes written, including ones a later layer replaces). */
int cr_image_unpack_layer_fd(int fd, int dirfd, const struct cr_image_limits *limits, const char *want_sha256,
                             struct cr_image_unpack_stats *stats, struct cr_error **err);
