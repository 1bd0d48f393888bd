/* SPDX-License-Identifier: MIT */
#include "config.h"

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
#include "image/image.h"
#include "tests.h"
#include "xalloc.h"

/* Image store tests. Every archive is written here with libarchive's writer
 * (no binary fixtures, no network), into a private tmpdir laid out as
 *     T/in/       archives and manifests
 *     T/store/    the image store
 *     T/outside/  a sentinel directory malicious archives aim at
 * and every refused import must leave T/store holding only .lock and
 * T/outside holding only its untouched sentinel. */

#include "image-fixture.h"

/* ---- pure functions ---- */

TEST(path_normalize)
{
        char out[PATH_MAX];

        ASSERT_EQ(cr_image_path_normalize("./usr//bin/./python3", out, sizeof(out)), 3);
        ASSERT_STREQ(out, "usr/bin/python3");
        ASSERT_EQ(cr_image_path_normalize("./", out, sizeof(out)), 0);
        ASSERT_STREQ(out, "");
        ASSERT_EQ(cr_image_path_normalize("a/", out, sizeof(out)), 1);
        ASSERT_STREQ(out, "a");
        ASSERT_EQ(cr_image_path_normalize("...", out, sizeof(out)), 1);
        ASSERT_ERRNO(cr_image_path_normalize("/etc/passwd", out, sizeof(out)), EINVAL);
        ASSERT_ERRNO(cr_image_path_normalize("../x", out, sizeof(out)), EINVAL);
        ASSERT_ERRNO(cr_image_path_normalize("a/../../x", out, sizeof(out)), EINVAL);
        ASSERT_ERRNO(cr_image_path_normalize("a/..", out, sizeof(out)), EINVAL);
        ASSERT_ERRNO(cr_image_path_normalize("", out, sizeof(out)), EINVAL);
        ASSERT_ERRNO(cr_image_path_normalize(NULL, out, sizeof(out)), EINVAL);

        _cleanup_free_ char *longname = xzalloc(300), *deep = xzalloc(2 * (CR_IMAGE_MAX_DEPTH + 1) + 1);
        memset(longname, 'x', 256);
        ASSERT_ERRNO(cr_image_path_normalize(longname, out, sizeof(out)), ENAMETOOLONG);
        for (int i = 0; i <= CR_IMAGE_MAX_DEPTH; i++)
                memcpy(deep + 2 * i, "d/", 2);
        ASSERT_ERRNO(cr_image_path_normalize(deep, out, sizeof(out)), ENAMETOOLONG);
        ASSERT_ERRNO(cr_image_path_normalize("abc", out, 3), ENAMETOOLONG);
}

TEST(symlink_escapes)
{
        ASSERT_FALSE(cr_image_symlink_escapes(0, "/etc/alternatives/java"));
        ASSERT_FALSE(cr_image_symlink_escapes(0, "usr/bin"));
        ASSERT_FALSE(cr_image_symlink_escapes(2, "../../lib/x"));
        ASSERT_FALSE(cr_image_symlink_escapes(1, "./../a/./b"));
        ASSERT_TRUE(cr_image_symlink_escapes(0, ".."));
        ASSERT_TRUE(cr_image_symlink_escapes(0, "../../etc"));
        ASSERT_TRUE(cr_image_symlink_escapes(2, "../../../etc"));
        ASSERT_TRUE(cr_image_symlink_escapes(0, "a/../../etc"));
}

TEST(manifest_parse)
{
        _cleanup_(cr_image_manifest_freep) struct cr_image_manifest *m = NULL;
        const char sha[] = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
        _cleanup_free_ char *ok =
                xasprintf("{\"name\":\"python\",\"version\":\"3.11.2\",\"sha256\":\"%s\","
                          "\"size_bytes\":5,\"toolchain\":{\"python3\":\"3.11.2\"},\"x\":[1]} \n",
                          sha);
        struct {
                const char *json;
                const char *why;
        } bad[] = {
                {"{\"name\":\"python\",\"version\":\"1\"}", "missing"},
                {"{\"name\":\"../x\",\"version\":\"1\",\"sha256\":\"00\"}", "name"},
                {"{\"name\":\"py@x\",\"version\":\"1\",\"sha256\":\"00\"}", "name"},
                {"{\"name\":\"py\",\"version\":\"1/2\",\"sha256\":\"00\"}", "version"},
                {"{\"name\":\"py\",\"version\":\"1\",\"sha256\":\"xyz\"}", "sha256"},
                {"{\"name\":\"py\",\"version\":\"1\",\"sha256\":7}", "string"},
                {"[1,2]", "object"},
                {"{\"name\":", "JSON"},
                {"{} {}", "trailing"},
        };

        ASSERT_OK(cr_image_manifest_parse(ok, strlen(ok), &m, NULL));
        ASSERT_STREQ(m->name, "python");
        ASSERT_STREQ(m->version, "3.11.2");
        ASSERT_STREQ(m->sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
        ASSERT_UEQ(m->size_bytes, 5);
        ASSERT_EQ(m->n_toolchain, 1);
        ASSERT_STREQ(m->toolchain[0].key, "python3");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_(cr_image_manifest_freep) struct cr_image_manifest *m2 = NULL;
                _cleanup_error_ struct cr_error *err = NULL;

                ASSERT_TRUE(cr_image_manifest_parse(bad[i].json, strlen(bad[i].json), &m2, &err) < 0);
                ASSERT_TRUE(err && err->kind == CR_ERROR_INVALID);
                ASSERT_TRUE(m2 == NULL);
        }
        ASSERT_TRUE(cr_image_manifest_parse("{\"a\":1}\0x", 9, &m, NULL) < 0);
}

/* image.json as json-c wrote it before JSON moved to json/: read back and
 * written again, byte for byte (stores written then are read and rewritten). */
TEST(record_round_trip_keeps_json_c_bytes)
{
        const char text[] =
                "{\n"
                "  \"format\":1,\n"
                "  \"name\":\"c\",\n"
                "  \"version\":\"12.2.0\",\n"
                "  \"sha256\":\"dca3aee4c436aac243bcf9dffbe9c6a6bf4871b0bda6e578f65d8930bbbc7c69\",\n"
                "  \"tree_digest\":\"e2c2a093cdf9a873726a68539ecb3357ebcd936bc623d3e691e7f58327699ffd\",\n"
                "  \"size_bytes\":51831670,\n"
                "  \"unpacked_bytes\":168553801,\n"
                "  \"entries\":4423,\n"
                "  \"import_date\":\"2026-12-05T23:30:18Z\",\n"
                "  \"build_date\":\"2026-12-05T21:22:07Z\",\n"
                "  \"recipe_hash\":\"2bc81998dd69ac35273a7123acb633ea5333b327b07a8ce5aebf77996f960550\",\n"
                "  \"suite\":\"bookworm\",\n"
                "  \"source\":\"tar\",\n"
                "  \"toolchain\":{\n"
                "    \"gcc\":\"12.2.0\",\n"
                "    \"glibc\":\"2.36\",\n"
                "    \"binutils\":\"2.40\"\n"
                "  }\n"
                "}\n";
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_free_ char *again = NULL;
        size_t n;
        int r;

        ASSERT_OK(cr_image_record_parse(text, strlen(text), &info, NULL));
        ASSERT_STREQ(info->ref, "c@12.2.0");
        ASSERT_UEQ(info->n_toolchain, 3);
        ASSERT_OK(cr_image_record_format(info, &again, NULL));
        ASSERT_STREQ(again, text);
        /* no toolchain: json-c's empty object */
        free(again);
        again = NULL;
        n = info->n_toolchain;
        info->n_toolchain = 0;
        r = cr_image_record_format(info, &again, NULL);
        info->n_toolchain = n;
        ASSERT_OK(r);
        ASSERT_TRUE(strstr(again, "  \"toolchain\":{\n  }\n}\n") != NULL);
}

TEST(ref_parse)
{
        _cleanup_free_ char *n = NULL, *v = NULL, *n2 = NULL, *v2 = NULL;
        char *x = NULL, *y = NULL;

        ASSERT_OK(cr_image_ref_parse("python@3.11.2", &n, &v, NULL));
        ASSERT_STREQ(n, "python");
        ASSERT_STREQ(v, "3.11.2");
        ASSERT_OK(cr_image_ref_parse("go", &n2, &v2, NULL));
        ASSERT_STREQ(n2, "go");
        ASSERT_TRUE(v2 == NULL);
        ASSERT_TRUE(cr_image_ref_parse("", &x, &y, NULL) < 0);
        ASSERT_TRUE(cr_image_ref_parse("Py", &x, &y, NULL) < 0);
        ASSERT_TRUE(cr_image_ref_parse("py@", &x, &y, NULL) < 0);
        ASSERT_TRUE(cr_image_ref_parse("py@1@2", &x, &y, NULL) < 0);
        ASSERT_TRUE(cr_image_ref_parse("../etc", &x, &y, NULL) < 0);
        ASSERT_TRUE(x == NULL && y == NULL);
}

/* ---- a valid image ---- */

static void build_demo(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "./", 0755);
        add_dir(a, "./usr", 0775);
        add_dir(a, "./usr/bin", 0755);
        add_file(a, "./usr/bin/tool", 0777, "#!/bin/sh\necho hi\n");
        add_file(a, "./usr/bin/data", 0640, "data\n");
        add_hardlink(a, "./usr/bin/tool2", "./usr/bin/tool");
        add_symlink(a, "./bin", "usr/bin");
        add_symlink(a, "./usr/bin/java", "/etc/alternatives/java");
        add_symlink(a, "./usr/bin/up", "../../usr/bin/tool");
        add_dir(a, "./tmp", 01777);
        add_file(a, "./implicit/parents/file", 0644, "deep\n"); /* no directory entries */
}

static void build_demo2(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "./version", 0644, "2\n");
}

TEST(import_list_resolve_verify_remove)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL, *r1 = NULL, *r2 = NULL,
                                                            *again = NULL;
        struct cr_image_info **v = NULL;
        size_t n = 0;
        struct stat st;

        ASSERT_OK(fx_init(&f));
        ASSERT_EQ(build_and_import(&f, "demo", "1.9", build_demo, 0, &info, &err), 1);
        ASSERT_STREQ(info->ref, "demo@1.9");
        ASSERT_UEQ(info->entries, 12); /* implicit parents count */
        ASSERT_EQ(info->n_toolchain, 1);

        /* the tree: modes normalised, owners ignored, links as written */
        _cleanup_free_ char *tool = xasprintf("%s/usr/bin/tool", info->rootfs);
        _cleanup_free_ char *tool2 = xasprintf("%s/usr/bin/tool2", info->rootfs);
        _cleanup_free_ char *data = xasprintf("%s/usr/bin/data", info->rootfs);
        _cleanup_free_ char *tmpd = xasprintf("%s/tmp", info->rootfs);
        _cleanup_free_ char *deep = xasprintf("%s/implicit/parents/file", info->rootfs);
        _cleanup_free_ char *java = xasprintf("%s/usr/bin/java", info->rootfs);
        char target[64] = "";
        struct stat st2;

        ASSERT_OK(stat(tool, &st));
        ASSERT_EQ(st.st_mode & 07777, 0755);
        ASSERT_EQ(st.st_mtime, 1700000000);
        ASSERT_OK(stat(tool2, &st2));
        ASSERT_EQ(st.st_ino, st2.st_ino);
        ASSERT_OK(stat(data, &st));
        ASSERT_EQ(st.st_mode & 07777, 0640);
        ASSERT_OK(stat(tmpd, &st));
        ASSERT_EQ(st.st_mode & 07777, 0755);
        ASSERT_OK(stat(deep, &st));
        ASSERT_EQ(st.st_uid, geteuid());
        ASSERT_OK(readlink(java, target, sizeof(target) - 1));
        ASSERT_STREQ(target, "/etc/alternatives/java");

        ASSERT_OK(cr_image_resolve(f.s, "demo", &r1, &err));
        ASSERT_STREQ(r1->rootfs, info->rootfs);
        ASSERT_OK(cr_image_verify(f.s, "demo@1.9", &err));

        /* identical re-import: a no-op success */
        ASSERT_EQ(build_and_import(&f, "demo", "1.9", build_demo, 0, &again, &err), 0);
        ASSERT_STREQ(again->import_date, info->import_date);

        /* a new version coexists; NAME alone means the highest version */
        ASSERT_EQ(build_and_import(&f, "demo", "1.10", build_demo2, 0, NULL, &err), 1);
        ASSERT_OK(cr_image_list(f.s, &v, &n, &err));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(v[0]->ref, "demo@1.9");
        ASSERT_STREQ(v[1]->ref, "demo@1.10");
        cr_image_info_list_free(v, n);
        ASSERT_OK(cr_image_resolve(f.s, "demo", &r2, &err));
        ASSERT_STREQ(r2->version, "1.10");

        /* remove: NAME alone is ambiguous with two versions */
        ASSERT_TRUE(cr_image_remove(f.s, "demo", &err) < 0);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        err = cr_error_free(err);
        ASSERT_OK(cr_image_remove(f.s, "demo@1.9", &err));
        ASSERT_TRUE(cr_image_resolve(f.s, "demo@1.9", &again, &err) == -ENOENT);
        ASSERT_EQ(err->kind, CR_ERROR_NOT_FOUND);
        err = cr_error_free(err);
        ASSERT_OK(cr_image_remove(f.s, "demo", &err));
        _cleanup_free_ char *left = dir_names(f.store);
        ASSERT_STREQ(left, ".lock");
}

TEST(verify_detects_tampering)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        const char *what[] = {"content", "mode", "added", "removed"};

        ASSERT_OK(fx_init(&f));
        ASSERT_EQ(build_and_import(&f, "demo", "1", build_demo, 0, &info, NULL), 1);
        _cleanup_free_ char *data = xasprintf("%s/usr/bin/data", info->rootfs);
        _cleanup_free_ char *added = xasprintf("%s/usr/bin/new", info->rootfs);
        for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;

                ASSERT_OK(cr_image_verify(f.s, "demo", NULL));
                if (i == 0)
                        write_text(data, "DATA\n");
                else if (i == 1)
                        ASSERT_OK(chmod(data, 0644));
                else if (i == 2)
                        write_text(added, "x");
                else
                        ASSERT_OK(unlink(data));
                ASSERT_ERRNO(cr_image_verify(f.s, "demo", &err), EBADMSG);
                ASSERT_TRUE(strstr(err->msg, i == 2 ? "usr/bin/new" : "usr/bin/data") != NULL);
                /* put the tree back for the next case */
                if (i < 2) {
                        write_text(data, "data\n");
                        ASSERT_OK(chmod(data, 0640));
                } else if (i == 2) {
                        ASSERT_OK(unlink(added));
                }
        }
}

TEST(wrong_sha256_refused)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *archive = NULL, *manifest = NULL;
        struct archive *a;

        ASSERT_OK(fx_init(&f));
        archive = xasprintf("%s/demo.tar.zst", f.in);
        manifest = xasprintf("%s/demo.manifest.json", f.in);
        a = tar_new(archive, true);
        build_demo(a, &f);
        tar_close(a);
        write_manifest(&f, "demo", "1", archive,
                       "0000000000000000000000000000000000000000000000000000000000000000");
        ASSERT_ERRNO(cr_image_import(f.s, archive, manifest, 0, NULL, &err), EBADMSG);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        ASSERT_TRUE(strstr(err->msg, "sha256 mismatch") != NULL);
        ASSERT_TRUE(fx_untouched(&f));
}

TEST(same_version_other_content)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;

        ASSERT_OK(fx_init(&f));
        /* --replace with nothing to replace is a plain import */
        ASSERT_EQ(build_and_import(&f, "demo", "1", build_demo, CR_IMAGE_IMPORT_REPLACE, NULL, &err), 1);
        ASSERT_ERRNO(build_and_import(&f, "demo", "1", build_demo2, 0, NULL, &err), EEXIST);
        err = cr_error_free(err);

        /* a pinned image cannot be swapped out */
        ASSERT_OK(cr_image_resolve(f.s, "demo@1", &info, &err));
        int pin = cr_image_pin(info, &err);
        ASSERT_OK(pin);
        ASSERT_ERRNO(build_and_import(&f, "demo", "1", build_demo2, CR_IMAGE_IMPORT_REPLACE, NULL, &err),
                     EBUSY);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_image_remove(f.s, "demo@1", &err), EBUSY);
        err = cr_error_free(err);
        safe_close(pin);

        ASSERT_EQ(build_and_import(&f, "demo", "1", build_demo2, CR_IMAGE_IMPORT_REPLACE, NULL, &err), 1);
        _cleanup_free_ char *v = xasprintf("%s/version", info->rootfs), *content = read_text(v);
        ASSERT_STREQ(content, "2\n");
        ASSERT_OK(cr_image_verify(f.s, "demo@1", &err));
        _cleanup_free_ char *left = dir_names(f.store);
        ASSERT_STREQ(left, ".lock demo@1");
}

TEST(crash_leftovers)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        struct cr_image_info **v = NULL;
        size_t n = 9;

        ASSERT_OK(fx_init(&f));
        /* what a killed import and a killed remove leave behind */
        _cleanup_free_ char *tmp = xasprintf("%s/.tmp-demo@1-0123456789abcdef", f.store);
        _cleanup_free_ char *tmproot = xasprintf("%s/rootfs", tmp),
                            *tmpfile = xasprintf("%s/rootfs/half", tmp);
        _cleanup_free_ char *tmprec = xasprintf("%s/image.json", tmp);
        _cleanup_free_ char *trash = xasprintf("%s/.trash-old@1-0123456789abcdef", f.store);
        ASSERT_OK(mkdir(tmp, 0700));
        ASSERT_OK(mkdir(tmproot, 0555));
        write_text(tmpfile, "half");
        write_text(tmprec, "{}");
        ASSERT_OK(mkdir(trash, 0755));

        ASSERT_OK(cr_image_list(f.s, &v, &n, &err));
        ASSERT_EQ(n, 0);
        free(v);
        ASSERT_ERRNO(cr_image_resolve(f.s, "demo", &info, &err), ENOENT);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_image_resolve(f.s, "demo@1", &info, &err), ENOENT);
        err = cr_error_free(err);

        ASSERT_EQ(build_and_import(&f, "demo", "2", build_demo2, 0, NULL, &err), 1);
        _cleanup_free_ char *left = dir_names(f.store);
        ASSERT_STREQ(left, ".lock demo@2");
}

/* ---- malicious archives: each must be refused with nothing left ---- */
static void refuse(build_fn fn, enum cr_error_kind kind, const char *needle)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_image_limits l = {.max_unpacked_bytes = 1U << 20, .max_entries = 10};

        ASSERT_OK(fx_init(&f));
        ASSERT_OK(fx_open_store(&f, &l));
        ASSERT_TRUE(build_and_import(&f, "evil", "1", fn, 0, NULL, &err) < 0);
        ASSERT_TRUE(err != NULL);
        if (err->kind != kind || !strstr(err->msg, needle)) {
                tests_fail(__FILE__, __LINE__, "wanted kind %d '%s', got kind %d: %s", kind, needle,
                           err->kind, err->msg);
                return;
        }
        printf("# %s\n", err->msg);
        ASSERT_TRUE(fx_untouched(&f));
}

#define REFUSE(name, kind, needle)                \
        TEST(refuse_##name)                       \
        {                                         \
                refuse(bad_##name, kind, needle); \
        }

REFUSE(absolute, CR_ERROR_INVALID, "absolute path")
REFUSE(dotdot, CR_ERROR_INVALID, "'..'")
REFUSE(dotdot_inner, CR_ERROR_INVALID, "'..'")
REFUSE(symlink_escape, CR_ERROR_INVALID, "leaves the image")
REFUSE(symlink_escape_deep, CR_ERROR_INVALID, "leaves the image")
REFUSE(write_through_abs_symlink, CR_ERROR_INVALID, "symlink or not a directory")
REFUSE(overwrite_abs_symlink, CR_ERROR_INVALID, "duplicate entry")
REFUSE(dir_over_symlink, CR_ERROR_INVALID, "duplicate entry")
REFUSE(hardlink_abs, CR_ERROR_INVALID, "hardlink target is absolute")
REFUSE(hardlink_dotdot, CR_ERROR_INVALID, "hardlink target is absolute, contains '..'")
REFUSE(hardlink_via_symlink, CR_ERROR_INVALID, "goes through a symlink")
REFUSE(hardlink_to_dir, CR_ERROR_INVALID, "not a regular file")
REFUSE(hardlink_to_symlink, CR_ERROR_INVALID, "not a regular file")
REFUSE(hardlink_missing, CR_ERROR_INVALID, "not extracted before")
REFUSE(chardev, CR_ERROR_INVALID, "character device not allowed")
REFUSE(blockdev, CR_ERROR_INVALID, "block device not allowed")
REFUSE(fifo, CR_ERROR_INVALID, "fifo not allowed")
REFUSE(setuid, CR_ERROR_INVALID, "setuid/setgid")
REFUSE(setgid_dir, CR_ERROR_INVALID, "setuid/setgid")
REFUSE(duplicate, CR_ERROR_INVALID, "duplicate entry")
REFUSE(file_then_dir, CR_ERROR_INVALID, "duplicate entry")
REFUSE(through_file, CR_ERROR_INVALID, "not a directory")
REFUSE(size_bomb, CR_ERROR_LIMIT, "size limit")
REFUSE(too_many, CR_ERROR_LIMIT, "more than 10 entries")
REFUSE(root_not_dir, CR_ERROR_INVALID, "root must be a directory")

TEST(refuse_not_an_archive)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *archive = NULL, *manifest = NULL;

        ASSERT_OK(fx_init(&f));
        archive = xasprintf("%s/junk.tar.zst", f.in);
        manifest = xasprintf("%s/junk.manifest.json", f.in);
        write_text(archive,
                   "this is not a tar archive at all, just text that goes on for a while........\n");
        write_manifest(&f, "junk", "1", archive, NULL);
        ASSERT_TRUE(cr_image_import(f.s, archive, manifest, 0, NULL, &err) < 0);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        ASSERT_TRUE(fx_untouched(&f));
}

/* ---- the fuzzable core on its own ---- */

TEST(unpack_archive_stats_and_limits)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_free_ char *path = NULL, *root = NULL;
        struct cr_image_unpack_stats st = {};
        struct cr_image_limits l;
        struct archive *a = NULL;
        int fd;

        ASSERT_OK(fx_init(&f));
        path = xasprintf("%s/plain.tar", f.in);
        root = xasprintf("%s/root", f.dir);
        a = tar_new(path, false);
        build_demo(a, &f);
        tar_close(a);
        ASSERT_OK(mkdir(root, 0755));
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK(fd);
        ASSERT_OK(cr_image_archive_reader_new(&a, NULL));
        ASSERT_EQ(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
        cr_image_limits_default(&l);
        ASSERT_OK(cr_image_unpack_archive(a, fd, &l, &st, NULL));
        cr_image_archive_reader_free(a);
        safe_close(fd);
        ASSERT_UEQ(st.entries, 12);
        ASSERT_UEQ(st.files, 3);
        ASSERT_UEQ(st.dirs, 5);
        ASSERT_UEQ(st.symlinks, 3);
        ASSERT_UEQ(st.hardlinks, 1);
        ASSERT_UEQ(st.bytes, strlen("#!/bin/sh\necho hi\n") + strlen("data\n") + strlen("deep\n"));
}

TEST(tree_remove_at_never_follows)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *d = NULL, *link = NULL, *sentinel = NULL;

        ASSERT_OK(fx_init(&f));
        d = xasprintf("%s/victim", f.dir);
        link = xasprintf("%s/victim/out", f.dir);
        sentinel = xasprintf("%s/target", f.outside);
        ASSERT_OK(mkdir(d, 0755));
        ASSERT_OK(symlink(f.outside, link));
        ASSERT_OK(chmod(d, 0555)); /* read-only, like an image */
        fd = open(f.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK(cr_image_tree_remove_at(fd, "victim", NULL));
        ASSERT_TRUE(access(d, F_OK) < 0);
        ASSERT_OK(access(sentinel, F_OK));
        ASSERT_OK(cr_image_tree_remove_at(fd, "victim", NULL)); /* ENOENT is success */
        ASSERT_TRUE(cr_image_tree_remove_at(fd, "../x", NULL) < 0);
}

TESTS_MAIN
