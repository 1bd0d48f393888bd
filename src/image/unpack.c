/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"
#include "image/archive-dl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* The archive → tree writer. Every entry is created by this file, never by
 * archive_write_disk: the archive is untrusted until it is fully unpacked and
 * digested, so each path is normalised and checked, each type and mode
 * filtered, and every file system call is relative to a directory fd that
 * was opened without following any symlink (the archive's own symlinks
 * included). See docs/internals/image.md for the rules and their reasons.
 *
 * Layer mode (Docker/OCI image layers, cr_image_unpack_layer_fd) differs in
 * two ways only: whiteouts (.wh.NAME, .wh..wh..opq) delete what lower
 * layers left, and an entry may replace what is at its path. Both go
 * through the same dirfd-relative calls, and replacing never follows what
 * it replaces.
 *
 * libarchive is dlopen()ed by cr_image_archive_reader_new() (archive-dl.h):
 * every call goes through a sym_archive_*() pointer. */

/* Read-only for everyone but the owner; no setuid/setgid/sticky. */
#define FILE_MODE_MASK 0755
#define DIR_MODE       0755

/* The whiteout prefix and the opaque-directory marker (OCI image spec,
 * "Representing Changes"). */
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct unpack {
        struct archive *a; /* not owned */
        int rootfd;        /* not owned */
        const struct cr_image_limits *limits;
        struct cr_image_unpack_stats stats;
        bool chown_root;
        bool layer; /* entries may replace lower layers' ones; whiteouts are skipped */
        int parent_fd;         /* owned: directory of the previous entry */
        char parent[PATH_MAX]; /* its normalised path */
        char path[PATH_MAX];   /* the current entry, normalised */
        char dir[PATH_MAX];    /* its parent directory */
        char link[PATH_MAX];   /* hardlink target, normalised */
        char shown[160];       /* printable copy for messages */
};

DEFINE_CLEANUP_FUNC(struct archive *, sym_archive_read_free)

/* Archive paths go into error messages and terminals: no control bytes. */
static const char *printable(struct unpack *u, const char *s)
{
        size_t i;

        for (i = 0; s[i] && i < sizeof(u->shown) - 4; i++)
                u->shown[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
        if (s[i]) {
                memcpy(u->shown + i, "...", 3);
                i += 3;
        }
        u->shown[i] = 0;
        return u->shown;
}

static int entry_error(struct unpack *u, struct cr_error **err, int errnum, enum cr_error_kind kind,
                       const char *what)
{
        return cr_error_set(err, errnum, kind, "entry '%s': %s", u->path[0] ? printable(u, u->path) : ".",
                            what);
}

static int count_entry(struct unpack *u, struct cr_error **err)
{
        if (u->stats.entries >= u->limits->max_entries)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "image has more than %" PRIu64 " entries",
                                    u->limits->max_entries);
        u->stats.entries++;
        return 0;
}

static int own(struct unpack *u, int fd)
{
        /* Ownership from the archive is ignored: the tree is root's. */
        if (u->chown_root && fchown(fd, 0, 0) < 0)
                return -errno;
        return 0;
}

/* mkdir, or accept an existing directory (a tar may name a directory again
 * after creating files in it); anything else at that name is a duplicate. */
static int make_dir(struct unpack *u, int dirfd, const char *name, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (mkdirat(dirfd, name, 0700) < 0) {
                if (errno != EEXIST)
                        return entry_error(u, err, errno, CR_ERROR_INTERNAL, "mkdir");
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        return entry_error(u, err, EEXIST, CR_ERROR_INVALID,
                                           "duplicate entry (a non-directory exists at this path)");
                return 0;
        }
        u->stats.dirs++;
        fd = cr_image_open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || fchmod(fd, DIR_MODE) < 0 || own(u, fd) < 0)
                return entry_error(u, err, fd < 0 ? -fd : errno, CR_ERROR_INTERNAL, "set directory mode");
        return 0;
}

static int parent_error(struct unpack *u, int r, struct cr_error **err)
{
        if (r == -ELOOP || r == -ENOTDIR || r == -EXDEV)
                return entry_error(u, err, -r, CR_ERROR_INVALID,
                                   "a parent directory is a symlink or not a directory");
        return entry_error(u, err, -r, CR_ERROR_INTERNAL, "open parent directory");
}

/* The cached parent fd may name a directory a layer entry just removed. */
static void forget_parent(struct unpack *u)
{
        u->parent_fd = safe_close(u->parent_fd);
        u->parent[0] = 0;
}

/* Layer mode: what a lower layer left at the entry's path makes way for
 * the entry (a directory stays when the entry is a directory too). Never
 * follows it: a symlink is unlinked, not its target. */
static int replace_existing(struct unpack *u, int dirfd, const char *name, bool entry_is_dir,
                            struct cr_error **err)
{
        struct stat st;
        int r;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : entry_error(u, err, errno, CR_ERROR_INTERNAL, "stat");
        if (S_ISDIR(st.st_mode)) {
                if (entry_is_dir)
                        return 0;
                forget_parent(u);
                r = cr_image_tree_remove_at(dirfd, name, err);
                return r < 0 ? cr_error_wrap(err, "entry '%s': replacing a directory", printable(u, u->path))
                             : 0;
        }
        if (unlinkat(dirfd, name, 0) < 0)
                return entry_error(u, err, errno, CR_ERROR_INTERNAL, "replace");
        return 0;
}

/* Slow path when the parent is missing: tar need not list directories, so
 * create them one component at a time (each counts as an entry). */
static int make_parents(struct unpack *u, const char *parent, struct cr_error **err)
{
        _cleanup_close_ int cur = -EBADF;
        char comp[NAME_MAX + 1];
        const char *p = parent;

        while (*p) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);
                int dirfd = cur >= 0 ? cur : u->rootfd, fd, r;

                memcpy(comp, p, n); /* normalised: 0 < n <= NAME_MAX */
                comp[n] = 0;
                p += n + (slash ? 1 : 0);
                fd = cr_image_open_beneath(dirfd, comp, O_PATH | O_DIRECTORY);
                if (fd == -ENOENT) {
                        r = count_entry(u, err);
                        if (r >= 0)
                                r = make_dir(u, dirfd, comp, err);
                        if (r < 0)
                                return r;
                        fd = cr_image_open_beneath(dirfd, comp, O_PATH | O_DIRECTORY);
                }
                if (fd < 0)
                        return parent_error(u, fd, err);
                safe_close(cur);
                cur = fd;
        }
        return TAKE_FD(cur);
}

/* The directory that will hold the entry; entries of one directory are
 * usually consecutive, so the last one is kept open. */
static int open_parent(struct unpack *u, const char *parent, struct cr_error **err)
{
        int fd;

        if (!parent[0])
                return u->rootfd;
        if (u->parent_fd >= 0 && strcmp(u->parent, parent) == 0)
                return u->parent_fd;
        fd = cr_image_open_beneath(u->rootfd, parent, O_PATH | O_DIRECTORY);
        if (fd == -ENOENT)
                fd = make_parents(u, parent, err);
        else if (fd < 0)
                return parent_error(u, fd, err);
        if (fd < 0)
                return fd;
        safe_close(u->parent_fd);
        u->parent_fd = fd;
        memcpy(u->parent, parent, strlen(parent) + 1);
        return fd;
}

static int write_data(struct unpack *u, int fd, int64_t size, uint64_t *ret_end, struct cr_error **err)
{
        uint64_t budget = u->limits->max_unpacked_bytes - u->stats.bytes, end = 0;
        const void *buf;
        size_t len;
        int64_t off;
        int r;

        while ((r = sym_archive_read_data_block(u->a, &buf, &len, &off)) != ARCHIVE_EOF) {
                if (r < ARCHIVE_WARN)
                        return entry_error(u, err, EINVAL, CR_ERROR_INVALID, sym_archive_error_string(u->a));
                if (off < 0 || (size >= 0 && (uint64_t)off + len > (uint64_t)size))
                        return entry_error(u, err, EINVAL, CR_ERROR_INVALID,
                                           "data beyond the declared size");
                if ((uint64_t)off + len > budget)
                        return entry_error(u, err, EFBIG, CR_ERROR_LIMIT,
                                           "image exceeds the unpacked size limit");
                for (size_t done = 0; done < len;) {
                        ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                return entry_error(u, err, n < 0 ? errno : EIO, CR_ERROR_INTERNAL, "write");
                        done += (size_t)n;
                }
                end = MAX(end, (uint64_t)off + len);
        }
        *ret_end = end;
        return 0;
}

static int make_file(struct unpack *u, int dirfd, const char *name, struct archive_entry *e,
                     struct cr_error **err)
{
        int64_t size = sym_archive_entry_size_is_set(e) ? sym_archive_entry_size(e) : -1;
        _cleanup_close_ int fd = -EBADF;
        uint64_t end = 0;
        int r;

        if (size >= 0 && (uint64_t)size > u->limits->max_unpacked_bytes - u->stats.bytes)
                return entry_error(u, err, EFBIG, CR_ERROR_LIMIT, "image exceeds the unpacked size limit");
        /* O_EXCL|O_NOFOLLOW: never write through anything already there, in
         * particular not through a symlink the archive made. */
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return entry_error(u, err, errno, errno == EEXIST ? CR_ERROR_INVALID : CR_ERROR_INTERNAL,
                                   errno == EEXIST ? "duplicate entry" : "create");
        r = write_data(u, fd, size, &end, err);
        if (r < 0)
                return r;
        if (size >= 0 && (uint64_t)size > end && ftruncate(fd, size) < 0) /* sparse tail */
                return entry_error(u, err, errno, CR_ERROR_INTERNAL, "truncate");
        u->stats.bytes += size >= 0 ? MAX((uint64_t)size, end) : end;
        u->stats.files++;
        if (fchmod(fd, sym_archive_entry_perm(e) & FILE_MODE_MASK) < 0 || own(u, fd) < 0)
                return entry_error(u, err, errno, CR_ERROR_INTERNAL, "set mode");
        if (sym_archive_entry_mtime_is_set(e)) {
                /* keeps .pyc files valid: Python compares the source mtime */
                struct timespec ts[2] = {
                        {.tv_sec = sym_archive_entry_mtime(e), .tv_nsec = sym_archive_entry_mtime_nsec(e)},
                        {.tv_sec = sym_archive_entry_mtime(e), .tv_nsec = sym_archive_entry_mtime_nsec(e)},
                };
                (void)futimens(fd, ts);
        }
        return 0;
}

static int make_symlink(struct unpack *u, int dirfd, const char *name, size_t depth, struct archive_entry *e,
                        struct cr_error **err)
{
        const char *target = sym_archive_entry_symlink(e);

        if (!target)
                target = sym_archive_entry_symlink_utf8(e);
        if (!target || !target[0])
                return entry_error(u, err, EINVAL, CR_ERROR_INVALID, "symlink with an empty target");
        if (strlen(target) >= PATH_MAX)
                return entry_error(u, err, ENAMETOOLONG, CR_ERROR_INVALID, "symlink target too long");
        /* Absolute targets resolve inside the sandbox root after
         * pivot_root; relative ones must stay inside the image. */
        if (cr_image_symlink_escapes(depth - 1, target))
                return entry_error(u, err, EPERM, CR_ERROR_INVALID,
                                   "relative symlink target leaves the image");
        if (symlinkat(target, dirfd, name) < 0)
                return entry_error(u, err, errno, errno == EEXIST ? CR_ERROR_INVALID : CR_ERROR_INTERNAL,
                                   errno == EEXIST ? "duplicate entry" : "symlink");
        if (u->chown_root && fchownat(dirfd, name, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(u, err, errno, CR_ERROR_INTERNAL, "chown symlink");
        u->stats.symlinks++;
        return 0;
}

/* "a/b/c" → dir "a/b" (copied into dir, PATH_MAX bytes), leaf "c" (inside path). */
static const char *split(const char *path, char *dir)
{
        const char *slash = strrchr(path, '/');

        if (!slash) {
                dir[0] = 0;
                return path;
        }
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = 0;
        return slash + 1;
}

static int make_hardlink(struct unpack *u, int dirfd, const char *name, const char *raw,
                         struct cr_error **err)
{
        _cleanup_close_ int tfd = -EBADF;
        char tparent[PATH_MAX];
        const char *tleaf;
        struct stat st;

        if (cr_image_path_normalize(raw, u->link, sizeof(u->link)) <= 0)
                return entry_error(u, err, EINVAL, CR_ERROR_INVALID,
                                   "hardlink target is absolute, contains '..', is the root or is too long");
        tleaf = split(u->link, tparent);
        tfd = cr_image_open_beneath(u->rootfd, tparent, O_PATH | O_DIRECTORY);
        if (tfd < 0 && tfd != -ENOENT)
                return entry_error(u, err, -tfd, CR_ERROR_INVALID, "hardlink target goes through a symlink");
        if (tfd < 0 || fstatat(tfd, tleaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(u, err, ENOENT, CR_ERROR_INVALID,
                                   "hardlink target was not extracted before");
        if (!S_ISREG(st.st_mode))
                return entry_error(u, err, EPERM, CR_ERROR_INVALID, "hardlink target is not a regular file");
        /* flags 0: link the entry itself, never what a symlink points to */
        if (linkat(tfd, tleaf, dirfd, name, 0) < 0)
                return entry_error(u, err, errno, errno == EEXIST ? CR_ERROR_INVALID : CR_ERROR_INTERNAL,
                                   errno == EEXIST ? "duplicate entry" : "link");
        u->stats.hardlinks++;
        return 0;
}

static const char *type_name(mode_t type)
{
        switch (type) {
        case AE_IFCHR:
                return "character device";
        case AE_IFBLK:
                return "block device";
        case AE_IFIFO:
                return "fifo";
        case AE_IFSOCK:
                return "socket";
        default:
                return "unknown file type";
        }
}

/* Type and mode rules that need no file system access. */
static int check_entry(struct unpack *u, struct archive_entry *e, const char *hardlink,
                       struct cr_error **err)
{
        mode_t type = sym_archive_entry_filetype(e);
        char what[80];

        if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
                (void)snprintf(what, sizeof(what), "%s not allowed", type_name(type));
                return entry_error(u, err, EPERM, CR_ERROR_INVALID, what);
        }
        if (type != AE_IFLNK && (sym_archive_entry_perm(e) & (S_ISUID | S_ISGID)))
                return entry_error(u, err, EPERM, CR_ERROR_INVALID, "setuid/setgid bit not allowed");
        return 0;
}

static int path_error(struct unpack *u, const char *raw, int r, struct cr_error **err)
{
        const char *why = r == -ENAMETOOLONG ? "path too long or too deep"
                          : raw[0] == '/'    ? "absolute path"
                          : !raw[0]          ? "empty path"
                                             : "path contains '..'";

        return cr_error_set(err, -r, CR_ERROR_INVALID, "entry '%s': %s", printable(u, raw), why);
}

static bool is_whiteout(const char *leaf)
{
        return strncmp(leaf, WH_PREFIX, strlen(WH_PREFIX)) == 0;
}

/* The entry's normalised path into u->path; returns its depth. */
static int entry_path(struct unpack *u, struct archive_entry *e, struct cr_error **err)
{
        const char *raw = sym_archive_entry_pathname(e);
        int depth;

        if (!raw)
                raw = sym_archive_entry_pathname_utf8(e);
        if (!raw)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "entry without a path");
        depth = cr_image_path_normalize(raw, u->path, sizeof(u->path));
        if (depth < 0)
                return path_error(u, raw, depth, err);
        return depth;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e, struct cr_error **err)
{
        const char *hardlink, *leaf;
        int depth, dirfd, r;

        depth = entry_path(u, e, err);
        if (depth < 0)
                return depth;
        leaf = split(u->path, u->dir);
        if (u->layer && depth > 0 && is_whiteout(leaf))
                return 0; /* applied by the whiteout pass */
        hardlink = sym_archive_entry_hardlink(e);
        if (!hardlink)
                hardlink = sym_archive_entry_hardlink_utf8(e);
        r = check_entry(u, e, hardlink, err);
        if (r < 0)
                return r;
        if (depth == 0) { /* "./": the root itself, created by the caller */
                if (hardlink || sym_archive_entry_filetype(e) != AE_IFDIR)
                        return entry_error(u, err, EINVAL, CR_ERROR_INVALID, "the root must be a directory");
                return 0;
        }
        r = count_entry(u, err);
        if (r < 0)
                return r;
        dirfd = open_parent(u, u->dir, err);
        if (dirfd < 0)
                return dirfd;
        if (u->layer) {
                r = replace_existing(u, dirfd, leaf, !hardlink && sym_archive_entry_filetype(e) == AE_IFDIR,
                                     err);
                if (r < 0)
                        return r;
        }
        if (hardlink)
                return make_hardlink(u, dirfd, leaf, hardlink, err);
        switch (sym_archive_entry_filetype(e)) {
        case AE_IFDIR:
                return make_dir(u, dirfd, leaf, err);
        case AE_IFLNK:
                return make_symlink(u, dirfd, leaf, (size_t)depth, e, err);
        default:
                return make_file(u, dirfd, leaf, e, err);
        }
}

typedef int (*entry_fn)(struct unpack *u, struct archive_entry *e, struct cr_error **err);

/* Calls fn for every entry of u->a. */
static int for_each_entry(struct unpack *u, entry_fn fn, struct cr_error **err)
{
        struct archive_entry *e;
        int r;

        for (;;) {
                r = sym_archive_read_next_header(u->a, &e);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return cr_error_set(err, sym_archive_errno(u->a) > 0 ? sym_archive_errno(u->a) : EINVAL,
                                            CR_ERROR_INVALID, "reading the archive: %s",
                                            sym_archive_error_string(u->a) ? sym_archive_error_string(u->a)
                                                                           : "unknown error");
                r = fn(u, e, err);
                if (r < 0)
                        return r;
        }
}

static struct unpack *unpack_new(struct archive *a, int dirfd, const struct cr_image_limits *limits, bool layer)
{
        struct unpack *u = xzalloc(sizeof(*u));

        u->a = a;
        u->rootfd = dirfd;
        u->limits = limits;
        u->parent_fd = -EBADF;
        u->chown_root = geteuid() == 0;
        u->layer = layer;
        return u;
}

static struct unpack *unpack_free(struct unpack *u)
{
        if (u) {
                safe_close(u->parent_fd);
                free(u);
        }
        return NULL;
}

int cr_image_unpack_archive(struct archive *a, int dirfd, const struct cr_image_limits *limits,
                            struct cr_image_unpack_stats *ret_stats, struct cr_error **err)
{
        struct cr_image_limits defaults;
        struct unpack *u;
        int r;

        /* loaded already if a came from cr_image_archive_reader_new() */
        r = cr_image_dlopen_libarchive(err);
        if (r < 0)
                return r;
        if (!limits) {
                cr_image_limits_default(&defaults);
                limits = &defaults;
        }
        u = unpack_new(a, dirfd, limits, false);
        r = for_each_entry(u, unpack_entry, err);
        if (r >= 0 && ret_stats)
                *ret_stats = u->stats;
        unpack_free(u);
        return r;
}

void cr_image_limits_default(struct cr_image_limits *l)
{
        *l = (struct cr_image_limits){
                .max_unpacked_bytes = CR_IMAGE_MAX_UNPACKED_BYTES_DEFAULT,
                .max_entries = CR_IMAGE_MAX_ENTRIES_DEFAULT,
        };
}

int cr_image_archive_reader_new(struct archive **ret, struct cr_error **err)
{
        _cleanup_(sym_archive_read_freep) struct archive *a = NULL;
        int r;

        r = cr_image_dlopen_libarchive(err);
        if (r < 0)
                return r;
        a = sym_archive_read_new();
        if (!a)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "archive_read_new");
        /* tar only, and only filters libarchive implements itself:
         * archive_read_support_filter_all() would run external programs
         * (lrzip, lzop, grzip) chosen by the untrusted input. */
        if (sym_archive_read_support_format_tar(a) != ARCHIVE_OK ||
            sym_archive_read_support_filter_zstd(a) < ARCHIVE_WARN ||
            sym_archive_read_support_filter_gzip(a) < ARCHIVE_WARN ||
            sym_archive_read_support_filter_xz(a) < ARCHIVE_WARN)
                return cr_error_make(err, ENOTSUP, CR_ERROR_UNAVAILABLE,
                                    "libarchive lacks tar/zstd support: %s",
                                    sym_archive_error_string(a) ? sym_archive_error_string(a) : "?");
        *ret = TAKE_PTR(a);
        return 0;
}

struct archive *cr_image_archive_reader_free(struct archive *a)
{
        if (a)
                sym_archive_read_free(a);
        return NULL;
}

/* ---- reading from a file while hashing what was read ---- */

#define READ_CHUNK (1U << 20)

struct hashed_reader {
        int fd;                    /* not owned */
        struct cr_image_sha256 *h; /* not owned */
        uint8_t *buf;              /* owned */
};

/* Returns the byte count, 0 at EOF, or -errno. */
static ssize_t read_chunk(struct hashed_reader *hr)
{
        ssize_t n;

        do
                n = read(hr->fd, hr->buf, READ_CHUNK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n > 0 && cr_image_sha256_update(hr->h, hr->buf, (size_t)n) < 0)
                return -EIO;
        return n;
}

static la_ssize_t hashed_read(struct archive *a, void *userdata, const void **ret_buf)
{
        struct hashed_reader *hr = userdata;
        ssize_t n = read_chunk(hr);

        if (n < 0) {
                sym_archive_set_error(a, (int)-n, "read failed");
                return -1;
        }
        *ret_buf = hr->buf;
        return n;
}

/* libarchive stops at the end-of-archive blocks; the digest covers the
 * whole file, so hash what it left unread. */
static int drain(struct hashed_reader *hr)
{
        ssize_t n;

        while ((n = read_chunk(hr)) > 0)
                ;
        return (int)n;
}

int cr_image_unpack_fd(int fd, int dirfd, const struct cr_image_limits *limits, struct cr_image_sha256 *h,
                       struct cr_image_unpack_stats *ret_stats, struct cr_error **err)
{
        _cleanup_(sym_archive_read_freep) struct archive *a = NULL;
        _cleanup_free_ uint8_t *buf = xmalloc(READ_CHUNK);
        struct hashed_reader hr = {.fd = fd, .h = h, .buf = buf};
        int r;

        r = cr_image_archive_reader_new(&a, err);
        if (r < 0)
                return r;
        if (sym_archive_read_open(a, &hr, NULL, hashed_read, NULL) != ARCHIVE_OK)
                return cr_error_set(err, sym_archive_errno(a) > 0 ? sym_archive_errno(a) : EINVAL,
                                    CR_ERROR_INVALID, "not a supported archive: %s",
                                    sym_archive_error_string(a) ? sym_archive_error_string(a)
                                                                : "unknown error");
        r = cr_image_unpack_archive(a, dirfd, limits, ret_stats, err);
        if (r < 0)
                return r;
        if (drain(&hr) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "reading the archive");
        return 0;
}

/* ---- layers: whiteouts, then entries ---- */

/* Opens the directory `dir` (normalised) for a whiteout; -ENOENT when a
 * lower layer has no such directory (the whiteout has nothing to hide). */
static int whiteout_dir(struct unpack *u, const char *dir, struct cr_error **err)
{
        int fd = cr_image_open_beneath(u->rootfd, dir, O_RDONLY | O_DIRECTORY);

        if (fd == -ENOENT)
                return fd;
        if (fd == -ELOOP || fd == -ENOTDIR || fd == -EXDEV)
                return entry_error(u, err, -fd, CR_ERROR_INVALID,
                                   "whiteout below a symlink or a non-directory");
        if (fd < 0)
                return entry_error(u, err, -fd, CR_ERROR_INTERNAL, "open whiteout directory");
        return fd;
}

/* .wh..wh..opq: the directory keeps only what this layer puts in it.
 * .wh.NAME: NAME (and all below it) is deleted. Both only affect lower
 * layers: this pass runs before any entry of the layer is written. */
static int apply_whiteout(struct unpack *u, struct archive_entry *e, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        const char *leaf, *name;
        int depth, r;

        depth = entry_path(u, e, err);
        if (depth <= 0)
                return depth;
        leaf = split(u->path, u->dir);
        if (!is_whiteout(leaf))
                return 0;
        r = count_entry(u, err);
        if (r < 0)
                return r;
        if (sym_archive_entry_filetype(e) != AE_IFREG || sym_archive_entry_hardlink(e))
                return entry_error(u, err, EINVAL, CR_ERROR_INVALID, "whiteout that is not a regular file");
        name = leaf + strlen(WH_PREFIX);
        if (strcmp(leaf, WH_OPAQUE) != 0 &&
            (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || is_whiteout(name)))
                return entry_error(u, err, EINVAL, CR_ERROR_INVALID, "invalid whiteout name");
        fd = whiteout_dir(u, u->dir, err);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        if (strcmp(leaf, WH_OPAQUE) == 0)
                r = cr_image_tree_clear(TAKE_FD(fd), err);
        else
                r = cr_image_tree_remove_at(fd, name, err);
        return r < 0 ? cr_error_wrap(err, "whiteout '%s'", printable(u, u->path)) : 0;
}

/* One pass of fn over the layer read from fd (from its start); the
 * layer's bytes, trailing padding included, must hash to want (hex) when
 * want is given: a blob named by its digest is checked as it is read. */
static int layer_pass(struct unpack *u, int fd, entry_fn fn, const char *want, struct cr_error **err)
{
        _cleanup_(sym_archive_read_freep) struct archive *a = NULL;
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        _cleanup_free_ uint8_t *buf = xmalloc(READ_CHUNK);
        struct hashed_reader hr = {.fd = fd, .buf = buf};
        char hex[SHA256_HEX_LEN + 1];
        int r;

        if (lseek(fd, 0, SEEK_SET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seek layer");
        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        hr.h = h;
        r = cr_image_archive_reader_new(&a, err);
        if (r < 0)
                return r;
        if (sym_archive_read_open(a, &hr, NULL, hashed_read, NULL) != ARCHIVE_OK)
                return cr_error_set(err, sym_archive_errno(a) > 0 ? sym_archive_errno(a) : EINVAL,
                                    CR_ERROR_INVALID, "not a supported layer archive: %s",
                                    sym_archive_error_string(a) ? sym_archive_error_string(a) : "unknown error");
        u->a = a;
        r = for_each_entry(u, fn, err);
        u->a = NULL;
        if (r < 0)
                return r;
        if (drain(&hr) < 0 || cr_image_sha256_final(h, hex) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "reading the layer");
        if (want && strcmp(hex, want) != 0)
                return cr_error_make(err, EBADMSG, CR_ERROR_INVALID, "layer digest mismatch: expected %s, read %s",
                                    want, hex);
        return 0;
}

int cr_image_unpack_layer_fd(int fd, int dirfd, const struct cr_image_limits *limits, const char *want_sha256,
                             struct cr_image_unpack_stats *stats, struct cr_error **err)
{
        struct unpack *u;
        int r;

        r = cr_image_dlopen_libarchive(err);
        if (r < 0)
                return r;
        u = unpack_new(NULL, dirfd, limits, true);
        u->stats = *stats;
        /* whiteouts hide lower layers only: all of them are applied before
         * the first entry of this layer is written */
        r = layer_pass(u, fd, apply_whiteout, want_sha256, err);
        if (r >= 0) {
                forget_parent(u);
                r = layer_pass(u, fd, unpack_entry, want_sha256, err);
        }
        if (r >= 0)
                *stats = u->stats;
        unpack_free(u);
        return r;
}
