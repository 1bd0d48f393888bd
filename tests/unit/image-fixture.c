/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image-fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cleanup.h"
#include "error.h"
#include "image/image-internal.h"
#include "tests.h"
#include "xalloc.h"

/* Shared by test-image.c and test-image-oci.c: a private tmpdir laid out as
 *     T/in/       archives and manifests
 *     T/store/    the image store
 *     T/outside/  a sentinel directory malicious archives aim at
 * an archive builder on libarchive's writer, and the malicious archives
 * every importer must refuse (or, as a layer, contain). */

/* ---- fixture ---- */

void fx_done(struct fx *f)
{
        if (f->dir) {
                _cleanup_close_ int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                (void)cr_image_tree_remove_at(tmp, f->dir + strlen("/tmp/"), NULL);
        }
        cr_image_store_free(f->s);
        free(f->dir);
        free(f->in);
        free(f->store);
        free(f->outside);
}

void write_text(const char *path, const char *text)
{
        _cleanup_fclose_ FILE *f = fopen(path, "we");

        if (f)
                fputs(text, f);
}

char *read_text(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf = xzalloc(4096);

        if (!f || fread(buf, 1, 4095, f) == 0)
                buf[0] = 0;
        return buf;
}

int fx_open_store(struct fx *f, const struct cr_image_limits *limits)
{
        _cleanup_error_ struct cr_error *err = NULL;

        f->s = cr_image_store_free(f->s);
        return cr_image_store_open(f->store, CR_IMAGE_STORE_CREATE, limits, &f->s, &err);
}

int fx_init(struct fx *f)
{
        char tmpl[] = "/tmp/test-image-XXXXXX";

        *f = (struct fx){};
        if (!mkdtemp(tmpl))
                return -errno;
        f->dir = xstrdup(tmpl);
        f->in = xasprintf("%s/in", tmpl);
        f->store = xasprintf("%s/store", tmpl);
        f->outside = xasprintf("%s/outside", tmpl);
        if (mkdir(f->in, 0755) < 0 || mkdir(f->outside, 0755) < 0)
                return -errno;
        _cleanup_free_ char *sentinel = xasprintf("%s/target", f->outside);
        write_text(sentinel, "orig\n");
        return fx_open_store(f, NULL);
}


/* Names in a directory other than "." and "..", sorted, joined by ' '. */
char *dir_names(const char *path)
{
        struct dirent **list = NULL;
        char *out = xstrdup("");
        int n = scandir(path, &list, NULL, alphasort);

        for (int i = 0; i < n; i++) {
                if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0) {
                        char *t = xasprintf("%s%s%s", out, out[0] ? " " : "", list[i]->d_name);
                        free(out);
                        out = t;
                }
                free(list[i]);
        }
        free(list);
        return out;
}

/* The invariant after a refused import: nothing in the store but the lock,
 * nothing new anywhere in T. */
bool fx_untouched(struct fx *f)
{
        _cleanup_free_ char *top = dir_names(f->dir), *store = dir_names(f->store),
                            *out = dir_names(f->outside);
        _cleanup_free_ char *sentinel = xasprintf("%s/target", f->outside);
        _cleanup_free_ char *content = read_text(sentinel);

        /* no .lock either when the import was refused before locking */
        if (strcmp(top, "in outside store") != 0 || (strcmp(store, ".lock") != 0 && store[0]) ||
            strcmp(out, "target") != 0 || strcmp(content, "orig\n") != 0) {
                fprintf(stderr, "# top='%s' store='%s' outside='%s' sentinel='%s'\n", top, store, out,
                        content);
                return false;
        }
        return true;
}

/* ---- archive builder ---- */

struct archive *tar_new(const char *path, bool zstd)
{
        struct archive *a = archive_write_new();

        archive_write_set_format_pax_restricted(a);
        if (zstd)
                archive_write_add_filter_zstd(a);
        if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
                archive_write_free(a);
                return NULL;
        }
        return a;
}

void tar_close(struct archive *a)
{
        archive_write_close(a);
        archive_write_free(a);
}

void tar_entry(struct archive *a, const char *path, mode_t mode, const char *data, size_t len,
                      const char *symlink, const char *hardlink)
{
        struct archive_entry *e = archive_entry_new();

        archive_entry_set_pathname(e, path);
        archive_entry_set_mode(e, mode);
        archive_entry_set_uid(e, 1234);
        archive_entry_set_gid(e, 1234);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (symlink)
                archive_entry_set_symlink(e, symlink);
        if (hardlink)
                archive_entry_set_hardlink(e, hardlink);
        if ((mode & S_IFMT) == S_IFCHR || (mode & S_IFMT) == S_IFBLK)
                archive_entry_set_rdev(e, makedev(1, 3));
        archive_entry_set_size(e, (mode & S_IFMT) == S_IFREG && !hardlink ? (la_int64_t)len : 0);
        archive_write_header(a, e);
        if (data && len)
                archive_write_data(a, data, len);
        archive_entry_free(e);
}

void add_file(struct archive *a, const char *path, mode_t perm, const char *data)
{
        tar_entry(a, path, S_IFREG | perm, data, strlen(data), NULL, NULL);
}

void add_dir(struct archive *a, const char *path, mode_t perm)
{
        tar_entry(a, path, S_IFDIR | perm, NULL, 0, NULL, NULL);
}

void add_symlink(struct archive *a, const char *path, const char *target)
{
        tar_entry(a, path, S_IFLNK | 0777, NULL, 0, target, NULL);
}

void add_hardlink(struct archive *a, const char *path, const char *target)
{
        tar_entry(a, path, S_IFREG | 0644, NULL, 0, NULL, target);
}

void add_zeros(struct archive *a, const char *path, size_t n)
{
        _cleanup_free_ char *z = xzalloc(n);

        tar_entry(a, path, S_IFREG | 0644, z, n, NULL, NULL);
}

/* Writes T/in/NAME.manifest.json for the archive; sha256 override when
 * `sha` is set. */
void write_manifest(struct fx *f, const char *name, const char *version, const char *archive,
                           const char *sha)
{
        _cleanup_free_ char *mpath = xasprintf("%s/%s.manifest.json", f->in, name), *json = NULL;
        _cleanup_close_ int fd = open(archive, O_RDONLY | O_CLOEXEC);
        char hex[SHA256_HEX_LEN + 1] = "";
        uint64_t size = 0;

        if (fd >= 0)
                (void)cr_image_sha256_fd(fd, hex, &size, NULL);
        json = xasprintf("{\n  \"name\": \"%s\",\n  \"version\": \"%s\",\n  \"sha256\": \"%s\",\n"
                         "  \"size_bytes\": %llu,\n  \"unpacked_bytes\": 10,\n  \"build_date\": "
                         "\"2024-01-01T00:00:00Z\",\n"
                         "  \"recipe_hash\": \"abc\",\n  \"toolchain\": { \"demo\": \"%s\" }\n}\n",
                         name, version, sha ? sha : hex, (unsigned long long)size, version);
        write_text(mpath, json);
}


/* Builds T/in/NAME.tar.zst with fn plus its manifest and imports it. */
int build_and_import(struct fx *f, const char *name, const char *version, build_fn fn, unsigned flags,
                            struct cr_image_info **ret_info, struct cr_error **err)
{
        _cleanup_free_ char *archive = xasprintf("%s/%s.tar.zst", f->in, name);
        _cleanup_free_ char *manifest = xasprintf("%s/%s.manifest.json", f->in, name);
        struct archive *a = tar_new(archive, true);

        if (!a)
                return -EIO;
        fn(a, f);
        tar_close(a);
        write_manifest(f, name, version, archive, NULL);
        return cr_image_import(f->s, archive, manifest, flags, ret_info, err);
}


/* ---- malicious archives ---- */

void bad_absolute(struct archive *a, struct fx *f)
{
        _cleanup_free_ char *p = xasprintf("%s/evil", f->outside);
        add_file(a, p, 0644, "x");
}

void bad_dotdot(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "../../../evil", 0644, "x");
}

void bad_dotdot_inner(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "a", 0755);
        add_file(a, "a/../../outside/evil", 0644, "x");
}

void bad_symlink_escape(struct archive *a, struct fx *f _unused_)
{
        add_symlink(a, "a", "../../outside");
        add_file(a, "a/evil", 0644, "x");
}

void bad_symlink_escape_deep(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "d", 0755);
        add_symlink(a, "d/up", "../../..");
}

void bad_write_through_abs_symlink(struct archive *a, struct fx *f)
{
        add_symlink(a, "a", f->outside);  /* allowed by itself ... */
        add_file(a, "a/evil", 0644, "x"); /* ... but never followed */
}

void bad_overwrite_abs_symlink(struct archive *a, struct fx *f)
{
        _cleanup_free_ char *t = xasprintf("%s/target", f->outside);
        add_symlink(a, "t", t);
        add_file(a, "t", 0644, "pwned\n");
}

void bad_dir_over_symlink(struct archive *a, struct fx *f)
{
        add_symlink(a, "t", f->outside);
        add_dir(a, "t", 0755);
        add_file(a, "t/evil", 0644, "x");
}

void bad_hardlink_abs(struct archive *a, struct fx *f _unused_)
{
        add_hardlink(a, "passwd", "/etc/passwd");
}

void bad_hardlink_dotdot(struct archive *a, struct fx *f _unused_)
{
        add_hardlink(a, "target", "../../../outside/target");
}

void bad_hardlink_via_symlink(struct archive *a, struct fx *f)
{
        add_symlink(a, "o", f->outside);
        add_hardlink(a, "target", "o/target");
}

void bad_hardlink_to_dir(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "d", 0755);
        add_hardlink(a, "h", "d");
}

void bad_hardlink_to_symlink(struct archive *a, struct fx *f)
{
        _cleanup_free_ char *t = xasprintf("%s/target", f->outside);
        add_symlink(a, "s", t);
        add_hardlink(a, "h", "s");
}

void bad_hardlink_missing(struct archive *a, struct fx *f _unused_)
{
        add_hardlink(a, "h", "later");
        add_file(a, "later", 0644, "x");
}

void bad_chardev(struct archive *a, struct fx *f _unused_)
{
        tar_entry(a, "dev/null", S_IFCHR | 0666, NULL, 0, NULL, NULL);
}

void bad_blockdev(struct archive *a, struct fx *f _unused_)
{
        tar_entry(a, "dev/sda", S_IFBLK | 0660, NULL, 0, NULL, NULL);
}

void bad_fifo(struct archive *a, struct fx *f _unused_)
{
        tar_entry(a, "fifo", S_IFIFO | 0644, NULL, 0, NULL, NULL);
}

void bad_setuid(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "usr/bin/su", 04755, "x");
}

void bad_setgid_dir(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "shared", 02775);
}

void bad_duplicate(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "f", 0644, "1");
        add_file(a, "f", 0644, "2");
}

void bad_file_then_dir(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "f", 0644, "1");
        add_dir(a, "f", 0755);
}

void bad_through_file(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "f", 0644, "1");
        add_file(a, "f/g", 0644, "2");
}

void bad_size_bomb(struct archive *a, struct fx *f _unused_)
{
        add_zeros(a, "zeros", 2U << 20);
}

void bad_too_many(struct archive *a, struct fx *f _unused_)
{
        for (int i = 0; i < 20; i++) {
                char name[16];
                snprintf(name, sizeof(name), "f%d", i);
                add_file(a, name, 0644, "x");
        }
}

void bad_root_not_dir(struct archive *a, struct fx *f _unused_)
{
        add_symlink(a, "./", "/");
}

