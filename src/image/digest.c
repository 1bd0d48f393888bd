/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "buf.h"
#include "cleanup.h"
#include "dlfcn-util.h"
#include "error.h"
#include "macro.h"
#include "xalloc.h"

/* sha256 through OpenSSL's EVP interface (the only OpenSSL user), and the
 * tree digest that `verify` recomputes.
 *
 * libcrypto is dlopen()ed on first use, like libarchive (archive-dl.h): it is
 * linked with BIND_NOW and carries some 25000 relocations, which cost every
 * `coderunner run` about as much as a fork+exec of /bin/true
 * (docs/internals/performance.md), while only image import and verify hash. */

#define LIBCRYPTO_SONAME "libcrypto.so.3"
#if OPENSSL_VERSION_MAJOR != 3
#error "<openssl/evp.h> is not OpenSSL 3: update LIBCRYPTO_SONAME"
#endif

static CR_DLSYM_FUNCTION(EVP_MD_CTX_new);
static CR_DLSYM_FUNCTION(EVP_MD_CTX_free);
static CR_DLSYM_FUNCTION(EVP_sha256);
static CR_DLSYM_FUNCTION(EVP_DigestInit_ex);
static CR_DLSYM_FUNCTION(EVP_DigestUpdate);
static CR_DLSYM_FUNCTION(EVP_DigestFinal_ex);

static int dlopen_libcrypto(struct cr_error **err)
{
        static const struct cr_dlsym symbols[] = {
                CR_DLSYM_ARG(EVP_MD_CTX_new),    CR_DLSYM_ARG(EVP_MD_CTX_free),  CR_DLSYM_ARG(EVP_sha256),
                CR_DLSYM_ARG(EVP_DigestInit_ex), CR_DLSYM_ARG(EVP_DigestUpdate), CR_DLSYM_ARG(EVP_DigestFinal_ex),
        };
        static bool loaded;
        int r;

        if (loaded)
                return 0;
        r = cr_dlopen_many(LIBCRYPTO_SONAME, symbols, ARRAY_SIZE(symbols), NULL, err);
        loaded = r >= 0;
        return r;
}

#define READ_CHUNK (256U * 1024U)
/* An escaped path and target are at most 4 * PATH_MAX each. */
#define LINE_MAX_BYTES (10U * PATH_MAX)

struct cr_image_sha256 {
        EVP_MD_CTX *ctx;
};

int cr_image_sha256_new(struct cr_image_sha256 **ret, struct cr_error **err)
{
        struct cr_image_sha256 *h;
        int r = dlopen_libcrypto(err);

        if (r < 0)
                return r;
        h = xzalloc(sizeof(*h));
        h->ctx = sym_EVP_MD_CTX_new();
        if (!h->ctx || sym_EVP_DigestInit_ex(h->ctx, sym_EVP_sha256(), NULL) != 1) {
                cr_image_sha256_free(h);
                return cr_error_make(err, ENOMEM, CR_ERROR_INTERNAL, "sha256 init");
        }
        *ret = h;
        return 0;
}

int cr_image_sha256_update(struct cr_image_sha256 *h, const void *data, size_t n)
{
        return sym_EVP_DigestUpdate(h->ctx, data, n) == 1 ? 0 : -EIO;
}

int cr_image_sha256_final(struct cr_image_sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
        static const char digits[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        if (sym_EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != SHA256_HEX_LEN / 2)
                return -EIO;
        for (unsigned i = 0; i < len; i++) {
                hex[2 * i] = digits[md[i] >> 4];
                hex[2 * i + 1] = digits[md[i] & 15];
        }
        hex[SHA256_HEX_LEN] = 0;
        /* ready for the next message */
        return sym_EVP_DigestInit_ex(h->ctx, sym_EVP_sha256(), NULL) == 1 ? 0 : -EIO;
}

struct cr_image_sha256 *cr_image_sha256_free(struct cr_image_sha256 *h)
{
        if (h) {
                sym_EVP_MD_CTX_free(h->ctx);
                free(h);
        }
        return NULL;
}

int cr_image_sha256_buf(const void *data, size_t n, char hex[SHA256_HEX_LEN + 1])
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;

        if (cr_image_sha256_new(&h, NULL) < 0 || cr_image_sha256_update(h, data, n) < 0)
                return -EIO;
        return cr_image_sha256_final(h, hex);
}

bool cr_image_sha256_hex_valid(const char *s)
{
        size_t i;

        for (i = 0; s[i]; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return i == SHA256_HEX_LEN;
}

static int hash_fd(struct cr_image_sha256 *h, int fd, uint8_t *buf, uint64_t *ret_size)
{
        uint64_t total = 0;

        for (;;) {
                ssize_t n = read(fd, buf, READ_CHUNK);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                if (cr_image_sha256_update(h, buf, (size_t)n) < 0)
                        return -EIO;
                total += (uint64_t)n;
        }
        if (ret_size)
                *ret_size = total;
        return 0;
}

int cr_image_sha256_fd(int fd, char hex[SHA256_HEX_LEN + 1], uint64_t *ret_size, struct cr_error **err)
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        _cleanup_free_ uint8_t *buf = xmalloc(READ_CHUNK);
        int r;

        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        r = hash_fd(h, fd, buf, ret_size);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "read");
        if (cr_image_sha256_final(h, hex) < 0)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "sha256");
        return 0;
}

/* ---- tree digest ---- */

struct walk {
        cr_image_tree_line_fn fn;
        void *userdata;
        uint64_t max_entries;
        uint64_t n;
        dev_t dev;
        struct cr_image_sha256 *h;
        uint8_t *buf;
        struct cr_buf line;
        char path[PATH_MAX];
};

static int append_escaped(struct cr_buf *b, const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                int r = *p <= 0x20 || *p == 0x7f || *p == '\\' ? cr_buf_printf(b, "\\x%02x", *p)
                                                               : cr_buf_append(b, p, 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Content hash (files) or target (symlinks) of one entry. */
static int entry_payload(struct walk *w, int dirfd, const char *name, struct stat *st, char hex[],
                         char target[], struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;
        int r;

        if (S_ISLNK(st->st_mode)) {
                n = readlinkat(dirfd, name, target, PATH_MAX);
                if (n < 0 || n >= PATH_MAX)
                        return cr_error_set(err, n < 0 ? errno : ENAMETOOLONG, CR_ERROR_INTERNAL,
                                            "readlink '%s'", w->path);
                target[n] = 0;
                return 0;
        }
        if (!S_ISREG(st->st_mode))
                return 0;
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s'", w->path);
        if (!S_ISREG(st->st_mode)) /* replaced under us: report what is there now */
                return 0;
        r = hash_fd(w->h, fd, w->buf, NULL);
        if (r >= 0)
                r = cr_image_sha256_final(w->h, hex);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "read '%s'", w->path);
        return 0;
}

static char entry_type(mode_t m)
{
        return S_ISDIR(m) ? 'd' : S_ISREG(m) ? 'f' : S_ISLNK(m) ? 'l' : '?';
}

static int emit(struct walk *w, int dirfd, const char *name, struct stat *st, struct cr_error **err)
{
        char hex[SHA256_HEX_LEN + 1] = "-", target[PATH_MAX] = "";
        uint64_t size;
        int r;

        if (++w->n > w->max_entries)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "more than %" PRIu64 " entries",
                                    w->max_entries);
        r = entry_payload(w, dirfd, name, st, hex, target, err);
        if (r < 0)
                return r;
        size = S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) ? (uint64_t)st->st_size : 0;
        w->line.len = 0;
        r = cr_buf_printf(&w->line, "%c %04o %u:%u %" PRIu64 " %s ", entry_type(st->st_mode),
                          (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid, size,
                          hex);
        if (r >= 0)
                r = append_escaped(&w->line, w->path);
        if (r >= 0 && S_ISLNK(st->st_mode))
                r = cr_buf_append(&w->line, " -> ", 4);
        if (r >= 0)
                r = append_escaped(&w->line, target);
        if (r >= 0)
                r = cr_buf_append(&w->line, "\n", 1);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "listing line for '%s'", w->path);
        return w->fn(w->line.data, w->line.len, w->userdata, err);
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static void closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}

/* Reads and sorts the names of one directory; takes ownership of fd. */
static int read_names(struct walk *w, int fd, char ***ret, size_t *ret_n, struct cr_error **err)
{
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        char **names = NULL;
        size_t n = 0, alloc = 0;
        struct dirent *de;

        if (!d) {
                safe_close(fd);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "opendir '%s'", w->path);
        }
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (w->n + n >= w->max_entries) {
                        names_free(names, n);
                        return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "more than %" PRIu64 " entries",
                                            w->max_entries);
                }
                if (n == alloc) {
                        alloc = alloc ? alloc * 2 : 32;
                        names = xrealloc(names, alloc * sizeof(*names));
                }
                names[n++] = xstrdup(de->d_name);
        }
        if (errno != 0) {
                names_free(names, n);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "readdir '%s'", w->path);
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), name_cmp);
        *ret = names;
        *ret_n = n;
        return 0;
}

static int walk_dir(struct walk *w, int fd, size_t pathlen, unsigned depth, struct cr_error **err);

static int walk_child(struct walk *w, int dirfd, const char *name, size_t pathlen, unsigned depth,
                      struct cr_error **err)
{
        size_t n = strlen(name), len = pathlen ? pathlen + 1 + n : n;
        struct stat st;
        int fd, r;

        if (len >= sizeof(w->path))
                return cr_error_make(err, ENAMETOOLONG, CR_ERROR_INTERNAL, "path below '%s' too long",
                                    w->path);
        if (pathlen)
                w->path[pathlen] = '/';
        memcpy(w->path + (pathlen ? pathlen + 1 : 0), name, n + 1);
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat '%s'", w->path);
        r = emit(w, dirfd, name, &st, err);
        if (r < 0 || !S_ISDIR(st.st_mode))
                return r;
        if (st.st_dev != w->dev)
                return cr_error_make(err, EXDEV, CR_ERROR_INTERNAL, "'%s' is a mount point", w->path);
        if (depth >= CR_IMAGE_MAX_DEPTH)
                return cr_error_make(err, ELOOP, CR_ERROR_INTERNAL, "'%s' is nested too deeply", w->path);
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open '%s'", w->path);
        return walk_dir(w, fd, len, depth + 1, err);
}

/* Takes ownership of fd. */
static int walk_dir(struct walk *w, int fd, size_t pathlen, unsigned depth, struct cr_error **err)
{
        _cleanup_close_ int keep = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        char **names = NULL;
        size_t n = 0;
        int r;

        if (keep < 0) {
                safe_close(fd);
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "dup");
        }
        r = read_names(w, fd, &names, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = walk_child(w, keep, names[i], pathlen, depth, err);
        names_free(names, n);
        w->path[pathlen] = 0;
        return r;
}

int cr_image_tree_walk(int rootfd, uint64_t max_entries, cr_image_tree_line_fn fn, void *userdata,
                       struct cr_error **err)
{
        _cleanup_(cr_image_sha256_freep) struct cr_image_sha256 *h = NULL;
        _cleanup_free_ uint8_t *buf = xmalloc(READ_CHUNK);
        struct walk *w;
        struct stat st;
        int fd, r;

        if (fstat(rootfd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat root");
        r = cr_image_sha256_new(&h, err);
        if (r < 0)
                return r;
        fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "open root");
        w = xzalloc(sizeof(*w));
        *w = (struct walk){
                .fn = fn,
                .userdata = userdata,
                .max_entries = max_entries,
                .dev = st.st_dev,
                .h = h,
                .buf = buf,
                .line = CR_BUF_INIT(LINE_MAX_BYTES),
        };
        w->path[0] = '.';
        r = emit(w, rootfd, ".", &st, err);
        w->path[0] = 0;
        if (r >= 0)
                r = walk_dir(w, fd, 0, 0, err);
        else
                safe_close(fd);
        if (r >= 0)
                r = w->n > INT32_MAX ? INT32_MAX : (int)w->n;
        cr_buf_done(&w->line);
        free(w);
        return r;
}
