/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cleanup.h"
#include "error.h"
#include "image-fixture.h"
#include "image/image-internal.h"
#include "image/image.h"
#include "tests.h"
#include "xalloc.h"

/* Images users bring from Docker: `docker save` tarballs and OCI image
 * layouts, built here (tar + JSON; there is no Docker engine), imported,
 * and checked: layers in order, whiteouts and opaque directories, mount
 * points, digests, and every malicious archive as a layer. */

#define MAX_LAYERS 8

/* ---- layers ---- */

/* T/in/NAME: a tar made by fn, compressed with `filter` (NULL, "gzip",
 * "zstd"). Returns its path. */
static char *make_layer(struct fx *f, const char *name, build_fn fn, const char *filter)
{
        char *path = xasprintf("%s/%s", f->in, name);
        struct archive *a = archive_write_new();

        archive_write_set_format_pax_restricted(a);
        if (filter && strcmp(filter, "gzip") == 0)
                archive_write_add_filter_gzip(a);
        else if (filter && strcmp(filter, "zstd") == 0)
                archive_write_add_filter_zstd(a);
        if (archive_write_open_filename(a, path) == ARCHIVE_OK)
                fn(a, f);
        archive_write_close(a);
        archive_write_free(a);
        return path;
}

static char *slurp(const char *path, size_t *ret_len)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;

        if (cr_image_read_file_at(AT_FDCWD, path, true, 64U << 20, &data, &len, NULL) < 0)
                return NULL;
        *ret_len = len;
        return TAKE_PTR(data);
}

static char *sha_of(const char *data, size_t len)
{
        char hex[SHA256_HEX_LEN + 1];

        if (cr_image_sha256_buf(data, len, hex) < 0)
                return xstrdup("");
        return xstrdup(hex);
}

static void add_blob(struct archive *a, const char *path, const char *data, size_t len)
{
        tar_entry(a, path, S_IFREG | 0644, data, len, NULL, NULL);
}

/* The image config: linux/amd64 unless `arch` says otherwise, diff_ids of
 * the (uncompressed) layers. */
static char *config_json(char **diff_ids, size_t n, const char *arch)
{
        char *ids = xstrdup("");

        for (size_t i = 0; i < n; i++) {
                char *t = xasprintf("%s%s\"sha256:%s\"", ids, i ? "," : "", diff_ids[i]);
                free(ids);
                ids = t;
        }
        char *json =
                xasprintf("{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"]},"
                          "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
                          arch ? arch : "amd64", ids);
        free(ids);
        return json;
}

/* A docker save tarball (the format before Docker 25: ID/layer.tar,
 * HEX.json, manifest.json) of uncompressed layers. `tamper` replaces the
 * first layer's bytes after its diff_id was computed. */
static char *docker_save(struct fx *f, const char *name, char **layers, size_t n, const char *arch,
                         bool tamper)
{
        char *out = xasprintf("%s/%s.tar", f->in, name);
        char *ids[MAX_LAYERS] = {}, *data[MAX_LAYERS] = {};
        size_t len[MAX_LAYERS] = {};
        _cleanup_free_ char *config = NULL, *config_sha = NULL, *list = xstrdup(""), *manifest = NULL;
        struct archive *a;

        for (size_t i = 0; i < n; i++) {
                data[i] = slurp(layers[i], &len[i]);
                ids[i] = sha_of(data[i], len[i]);
        }
        if (tamper && n > 0) { /* still a valid tar: end-of-archive padding */
                data[0] = xrealloc(data[0], len[0] + 512);
                memset(data[0] + len[0], 0, 512);
                len[0] += 512;
        }
        config = config_json(ids, n, arch);
        config_sha = sha_of(config, strlen(config));
        a = tar_new(out, false);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *dir = xasprintf("%064zu", i), *p = xasprintf("%s/layer.tar", dir);
                char *t = xasprintf("%s%s\"%s\"", list, i ? "," : "", p);
                free(list);
                list = t;
                add_dir(a, dir, 0755);
                add_blob(a, p, data[i], len[i]);
        }
        _cleanup_free_ char *cname = xasprintf("%s.json", config_sha);
        add_blob(a, cname, config, strlen(config));
        manifest =
                xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"coderunner-test:latest\"],\"Layers\":[%s]}]",
                          cname, list);
        add_blob(a, "manifest.json", manifest, strlen(manifest));
        tar_close(a);
        for (size_t i = 0; i < n; i++) {
                free(data[i]);
                free(ids[i]);
        }
        return out;
}

/* Writes T/in/DIR/blobs/sha256/HEX; returns HEX. */
static char *put_blob(const char *dir, const char *data, size_t len)
{
        char *hex = sha_of(data, len);
        _cleanup_free_ char *p = xasprintf("%s/blobs/sha256/%s", dir, hex);

        _cleanup_fclose_ FILE *fp = fopen(p, "we");
        if (fp)
                fwrite(data, 1, len, fp);
        return hex;
}

/* An OCI image layout directory: index.json → an image index (an arm64
 * manifest first, then ours) → the manifest → config and layers, with the
 * layers' media types as given. Returns the directory. */
static char *oci_layout(struct fx *f, const char *name, char **layers, const char **media, size_t n)
{
        char *dir = xasprintf("%s/%s", f->in, name);
        _cleanup_free_ char *blobs1 = xasprintf("%s/blobs", dir), *blobs = xasprintf("%s/blobs/sha256", dir);
        _cleanup_free_ char *descs = xstrdup(""), *config = NULL;
        _cleanup_free_ char *cfg_hex = NULL, *man = NULL, *man_hex = NULL, *idx = NULL, *idx_hex = NULL;
        _cleanup_free_ char *top = NULL, *top_path = xasprintf("%s/index.json", dir);
        _cleanup_free_ char *layout_path = xasprintf("%s/oci-layout", dir);
        char *ids[MAX_LAYERS] = {};

        mkdir(dir, 0755);
        mkdir(blobs1, 0755);
        mkdir(blobs, 0755);
        for (size_t i = 0; i < n; i++) {
                size_t len;
                _cleanup_free_ char *data = slurp(layers[i], &len), *hex = put_blob(dir, data, len);
                char *t = xasprintf("%s%s{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu}",
                                    descs, i ? "," : "", media[i], hex, len);
                free(descs);
                descs = t;
                ids[i] = xstrdup(hex); /* not the diff_id for compressed layers: not checked by import */
        }
        config = config_json(ids, n, NULL);
        cfg_hex = put_blob(dir, config, strlen(config));
        man = xasprintf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                        "\"digest\":\"sha256:%s\",\"size\":%zu},\"layers\":[%s]}",
                        cfg_hex, strlen(config), descs);
        man_hex = put_blob(dir, man, strlen(man));
        idx = xasprintf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                        "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        "\"digest\":\"sha256:%064d\",\"size\":1,\"platform\":{\"architecture\":\"arm64\","
                        "\"os\":\"linux\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        "\"digest\":\"sha256:%s\",\"size\":%zu,\"platform\":{\"architecture\":\"amd64\","
                        "\"os\":\"linux\"}}]}",
                        0, man_hex, strlen(man));
        idx_hex = put_blob(dir, idx, strlen(idx));
        top = xasprintf(
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu}]}",
                idx_hex, strlen(idx));
        write_text(top_path, top);
        write_text(layout_path, "{\"imageLayoutVersion\":\"1.0.0\"}");
        for (size_t i = 0; i < n; i++)
                free(ids[i]);
        return dir;
}

/* ---- the layers of a small image ---- */

/* base: files, a directory to be whited out, one to be made opaque, a
 * symlink and a file that later layers replace with other types */
static void layer_base(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "bin", 0755);
        add_file(a, "bin/tool", 0755, "#!/bin/sh\necho v1\n");
        add_dir(a, "etc", 0755);
        add_file(a, "etc/keep", 0644, "keep\n");
        add_file(a, "etc/gone", 0644, "gone\n");
        add_dir(a, "etc/gonedir", 0755);
        add_file(a, "etc/gonedir/inner", 0644, "x\n");
        add_dir(a, "opt/old/sub", 0755);
        add_file(a, "opt/old/x", 0644, "old x\n");
        add_file(a, "opt/old/sub/y", 0644, "old y\n");
        add_symlink(a, "lib", "usr/lib");
        add_file(a, "was-file", 0644, "file\n");
        add_dir(a, "was-dir/deep", 0755);
        add_file(a, "was-dir/deep/z", 0644, "z\n");
        add_file(a, "tmp/junk", 0644, "in /tmp\n"); /* mount points end up empty */
        add_symlink(a, "box", "/etc");              /* ... and directories */
}

/* whiteouts, an opaque directory with new content, replacements */
static void layer_changes(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "etc/.wh.gone", 0644, "");
        add_file(a, "etc/.wh.gonedir", 0644, "");
        add_file(a, "opt/old/new", 0644, "new\n"); /* before the marker: still kept */
        add_file(a, "opt/old/.wh..wh..opq", 0644, "");
        add_file(a, "bin/tool", 0755, "#!/bin/sh\necho v2\n");
        add_file(a, "lib", 0644, "no longer a symlink\n");
        add_dir(a, "was-file", 0755);
        add_file(a, "was-file/now", 0644, "in a dir\n");
        add_file(a, "was-dir", 0644, "now a file\n");
        add_hardlink(a, "etc/keep2", "etc/keep"); /* to a lower layer's file */
}

static void layer_top(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "hello.sh", 0755, "#!/bin/sh\necho hello\n");
        add_file(a, "etc/.wh.keep", 0644, ""); /* the hardlink keeps its own name */
}

static char *at(const struct cr_image_info *info, const char *rel)
{
        return xasprintf("%s/%s", info->rootfs, rel);
}

static void assert_text(const struct cr_image_info *info, const char *rel, const char *want)
{
        _cleanup_free_ char *p = at(info, rel), *got = read_text(p);

        if (strcmp(got, want) != 0)
                tests_fail(__FILE__, __LINE__, "%s holds '%s', wanted '%s'", rel, got, want);
}

static void assert_absent(const struct cr_image_info *info, const char *rel)
{
        _cleanup_free_ char *p = at(info, rel);
        struct stat st;

        if (lstat(p, &st) == 0)
                tests_fail(__FILE__, __LINE__, "%s is still there", rel);
}

static void check_small_image(const struct cr_image_info *info)
{
        _cleanup_free_ char *old = at(info, "opt/old"), *names = dir_names(old), *tmp = at(info, "tmp");
        _cleanup_free_ char *tmpnames = dir_names(tmp), *box = at(info, "box"), *lib = at(info, "lib");
        struct stat st;

        assert_text(info, "bin/tool", "#!/bin/sh\necho v2\n");
        assert_absent(info, "etc/gone");
        assert_absent(info, "etc/gonedir");
        assert_absent(info, "etc/keep");
        assert_text(info, "etc/keep2", "keep\n");
        ASSERT_STREQ(names, "new"); /* opaque: only this layer's entries */
        assert_text(info, "was-file/now", "in a dir\n");
        assert_text(info, "was-dir", "now a file\n");
        assert_text(info, "hello.sh", "#!/bin/sh\necho hello\n");
        ASSERT_OK(lstat(lib, &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_STREQ(tmpnames, "");
        ASSERT_OK(lstat(box, &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
        for (const char *const *d = (const char *const[]){"proc", "dev", NULL}; *d; d++) {
                _cleanup_free_ char *p = at(info, *d);
                ASSERT_OK(lstat(p, &st));
                ASSERT_TRUE(S_ISDIR(st.st_mode));
        }
}

static void small_layers(struct fx *f, char **layers, const char *filter)
{
        layers[0] = make_layer(f, "l0", layer_base, filter);
        layers[1] = make_layer(f, "l1", layer_changes, filter);
        layers[2] = make_layer(f, "l2", layer_top, filter);
}

static void free_layers(char **layers, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(layers[i]);
}

TEST(docker_save_layers_whiteouts_opaque)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL, *again = NULL;
        _cleanup_free_ char *tar = NULL, *manifest = NULL, *mtext = NULL;
        char *layers[3];

        ASSERT_OK(fx_init(&f));
        small_layers(&f, layers, NULL);
        tar = docker_save(&f, "save", layers, 3, NULL, false);
        ASSERT_EQ(cr_image_import_oci(f.s, tar, "mine", "1.0", 0, &info, &err), 1);
        ASSERT_STREQ(info->ref, "mine@1.0");
        ASSERT_STREQ(info->source, "docker-save");
        check_small_image(info);
        ASSERT_OK(cr_image_verify(f.s, "mine@1.0", &err));
        manifest = xasprintf("%s/manifest.json", info->path);
        mtext = read_text(manifest);
        ASSERT_TRUE(strstr(mtext, "\"format\":\"docker-save\"") && strstr(mtext, "coderunner-test:latest"));
        /* the same image again: a no-op; the source is gone from the store */
        ASSERT_EQ(cr_image_import_oci(f.s, tar, "mine", "1.0", 0, &again, &err), 0);
        ASSERT_STREQ(again->sha256, info->sha256);
        _cleanup_free_ char *names = dir_names(f.store);
        ASSERT_STREQ(names, ".lock mine@1.0");
        free_layers(layers, 3);
}

TEST(oci_layout_dir_and_tar_with_compressed_layers)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL, *info2 = NULL;
        static const char *media[] = {"application/vnd.oci.image.layer.v1.tar+gzip",
                                      "application/vnd.oci.image.layer.v1.tar+zstd",
                                      "application/vnd.oci.image.layer.v1.tar"};
        _cleanup_free_ char *dir = NULL, *tar = NULL;
        char *layers[3];

        ASSERT_OK(fx_init(&f));
        layers[0] = make_layer(&f, "l0.gz", layer_base, "gzip");
        layers[1] = make_layer(&f, "l1.zst", layer_changes, "zstd");
        layers[2] = make_layer(&f, "l2", layer_top, NULL);
        dir = oci_layout(&f, "oci", layers, media, 3);
        ASSERT_EQ(cr_image_import_oci(f.s, dir, "mine", "2", 0, &info, &err), 1);
        ASSERT_STREQ(info->source, "oci-layout");
        check_small_image(info);
        /* a tar of the layout: the same image (same manifest digest) */
        tar = xasprintf("%s/oci.tar", f.in);
        _cleanup_free_ char *cmd = xasprintf("tar -C %s -cf %s oci-layout index.json blobs", dir, tar);
        ASSERT_EQ(system(cmd), 0);
        ASSERT_EQ(cr_image_import_oci(f.s, tar, "mine", "3", 0, &info2, &err), 1);
        ASSERT_STREQ(info2->sha256, info->sha256);
        check_small_image(info2);
        free_layers(layers, 3);
}

TEST(same_version_other_image_needs_replace)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;
        char *layers[3];

        ASSERT_OK(fx_init(&f));
        small_layers(&f, layers, NULL);
        t1 = docker_save(&f, "one", layers, 3, NULL, false);
        t2 = docker_save(&f, "two", layers, 2, NULL, false);
        ASSERT_EQ(cr_image_import_oci(f.s, t1, "mine", "1", 0, NULL, &err), 1);
        ASSERT_ERRNO(cr_image_import_oci(f.s, t2, "mine", "1", 0, NULL, &err), EEXIST);
        err = cr_error_free(err);
        ASSERT_EQ(cr_image_import_oci(f.s, t2, "mine", "1", CR_IMAGE_IMPORT_REPLACE, NULL, &err), 1);
        free_layers(layers, 3);
}

/* ---- refusals ---- */

/* Imports `path` and expects a refusal of `kind` mentioning `needle`, with
 * nothing left in the store and nothing outside touched. */
static void refused(struct fx *f, const char *path, enum cr_error_kind kind, const char *needle)
{
        _cleanup_error_ struct cr_error *err = NULL;

        if (cr_image_import_oci(f->s, path, "evil", "1", 0, NULL, &err) >= 0) {
                tests_fail(__FILE__, __LINE__, "%s was imported", path);
                return;
        }
        if (err->kind != kind || !strstr(err->msg, needle)) {
                tests_fail(__FILE__, __LINE__, "wanted kind %d '%s', got kind %d: %s", kind, needle,
                           err->kind, err->msg);
                return;
        }
        printf("# %s\n", err->msg);
        ASSERT_TRUE(fx_untouched(f));
}

static void benign(struct archive *a, struct fx *f)
{
        add_dir(a, "etc", 0755);
        add_file(a, "etc/passwd", 0644, "root:x:0:0::/root:/bin/sh\n");
        add_symlink(a, "out", f->outside); /* allowed; never followed */
}

/* Every malicious tarball, as the second layer of an image. */
static void refuse_layer(build_fn fn, enum cr_error_kind kind, const char *needle)
{
        _cleanup_fx_ struct fx f = {};
        struct cr_image_limits l = {.max_unpacked_bytes = 1U << 20, .max_entries = 14};
        _cleanup_free_ char *tar = NULL;
        char *layers[2];

        ASSERT_OK(fx_init(&f));
        ASSERT_OK(fx_open_store(&f, &l));
        layers[0] = make_layer(&f, "l0", benign, NULL);
        layers[1] = make_layer(&f, "l1", fn, NULL);
        tar = docker_save(&f, "evil", layers, 2, NULL, false);
        refused(&f, tar, kind, needle);
        free_layers(layers, 2);
}

#define REFUSE_LAYER(name, kind, needle)                \
        TEST(layer_refuse_##name)                       \
        {                                               \
                refuse_layer(bad_##name, kind, needle); \
        }

REFUSE_LAYER(absolute, CR_ERROR_INVALID, "absolute path")
REFUSE_LAYER(dotdot, CR_ERROR_INVALID, "'..'")
REFUSE_LAYER(dotdot_inner, CR_ERROR_INVALID, "'..'")
REFUSE_LAYER(symlink_escape, CR_ERROR_INVALID, "leaves the image")
REFUSE_LAYER(symlink_escape_deep, CR_ERROR_INVALID, "leaves the image")
REFUSE_LAYER(write_through_abs_symlink, CR_ERROR_INVALID, "symlink or not a directory")
REFUSE_LAYER(hardlink_abs, CR_ERROR_INVALID, "hardlink target is absolute")
REFUSE_LAYER(hardlink_dotdot, CR_ERROR_INVALID, "hardlink target is absolute, contains '..'")
REFUSE_LAYER(hardlink_via_symlink, CR_ERROR_INVALID, "goes through a symlink")
REFUSE_LAYER(hardlink_to_dir, CR_ERROR_INVALID, "not a regular file")
REFUSE_LAYER(hardlink_to_symlink, CR_ERROR_INVALID, "not a regular file")
REFUSE_LAYER(hardlink_missing, CR_ERROR_INVALID, "not extracted before")
REFUSE_LAYER(chardev, CR_ERROR_INVALID, "character device not allowed")
REFUSE_LAYER(blockdev, CR_ERROR_INVALID, "block device not allowed")
REFUSE_LAYER(fifo, CR_ERROR_INVALID, "fifo not allowed")
REFUSE_LAYER(setuid, CR_ERROR_INVALID, "setuid/setgid")
REFUSE_LAYER(setgid_dir, CR_ERROR_INVALID, "setuid/setgid")
REFUSE_LAYER(through_file, CR_ERROR_INVALID, "not a directory")
REFUSE_LAYER(size_bomb, CR_ERROR_LIMIT, "size limit")
REFUSE_LAYER(too_many, CR_ERROR_LIMIT, "more than 14 entries")
REFUSE_LAYER(root_not_dir, CR_ERROR_INVALID, "root must be a directory")

/* In a layer, a second entry at a path replaces the first (that is what
 * layers are for): these tarballs import, but what they aimed at outside
 * stays untouched, and nothing in the tree is a link out. */
static void contain_layer(build_fn fn)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_(cr_image_info_freep) struct cr_image_info *info = NULL;
        _cleanup_free_ char *tar = NULL, *out = NULL, *sentinel = NULL, *content = NULL;
        char *layers[2];

        ASSERT_OK(fx_init(&f));
        layers[0] = make_layer(&f, "l0", benign, NULL);
        layers[1] = make_layer(&f, "l1", fn, NULL);
        tar = docker_save(&f, "c", layers, 2, NULL, false);
        ASSERT_EQ(cr_image_import_oci(f.s, tar, "contained", "1", 0, &info, &err), 1);
        out = dir_names(f.outside);
        ASSERT_STREQ(out, "target");
        sentinel = xasprintf("%s/target", f.outside);
        content = read_text(sentinel);
        ASSERT_STREQ(content, "orig\n");
        ASSERT_OK(cr_image_verify(f.s, "contained@1", &err));
        free_layers(layers, 2);
}

TEST(layer_contains_overwrite_abs_symlink)
{
        contain_layer(bad_overwrite_abs_symlink);
}

TEST(layer_contains_dir_over_symlink)
{
        contain_layer(bad_dir_over_symlink);
}

TEST(layer_contains_duplicate_and_file_then_dir)
{
        contain_layer(bad_duplicate);
        contain_layer(bad_file_then_dir);
}

/* ---- whiteouts that try to reach outside ---- */

static void wh_through_symlink(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "out/.wh.target", 0644, ""); /* out -> T/outside */
}

static void opaque_through_symlink(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "out/.wh..wh..opq", 0644, "");
}

static void wh_dotdot(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "etc/.wh..", 0644, "");
}

static void wh_empty(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "etc/.wh.", 0644, "");
}

static void wh_reserved(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "etc/.wh..wh.plnk", 0644, "");
}

static void wh_dir(struct archive *a, struct fx *f _unused_)
{
        add_dir(a, "etc/.wh.passwd", 0755);
}

static void wh_symlink(struct archive *a, struct fx *f _unused_)
{
        add_symlink(a, "etc/.wh.passwd", "/etc/passwd");
}

static void wh_absolute(struct archive *a, struct fx *f)
{
        _cleanup_free_ char *p = xasprintf("%s/.wh.target", f->outside);
        add_file(a, p, 0644, "");
}

static void wh_through_file(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "etc/passwd/.wh.x", 0644, "");
}

#define REFUSE_WH(name, kind, needle)             \
        TEST(layer_refuse_##name)                 \
        {                                         \
                refuse_layer(name, kind, needle); \
        }

REFUSE_WH(wh_through_symlink, CR_ERROR_INVALID, "whiteout below a symlink")
REFUSE_WH(opaque_through_symlink, CR_ERROR_INVALID, "whiteout below a symlink")
REFUSE_WH(wh_dotdot, CR_ERROR_INVALID, "invalid whiteout name")
REFUSE_WH(wh_empty, CR_ERROR_INVALID, "invalid whiteout name")
REFUSE_WH(wh_reserved, CR_ERROR_INVALID, "invalid whiteout name")
REFUSE_WH(wh_dir, CR_ERROR_INVALID, "whiteout that is not a regular file")
REFUSE_WH(wh_symlink, CR_ERROR_INVALID, "whiteout that is not a regular file")
REFUSE_WH(wh_absolute, CR_ERROR_INVALID, "absolute path")
REFUSE_WH(wh_through_file, CR_ERROR_INVALID, "below a symlink or a non-directory")

/* ---- the containers: digests, paths, platforms, limits ---- */

static void one_file(struct archive *a, struct fx *f _unused_)
{
        add_file(a, "f", 0644, "x\n");
}

TEST(refuse_tampered_layer)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_free_ char *tar = NULL;
        char *layers[1];

        ASSERT_OK(fx_init(&f));
        layers[0] = make_layer(&f, "l0", layer_base, NULL);
        tar = docker_save(&f, "t", layers, 1, NULL, true);
        refused(&f, tar, CR_ERROR_INVALID, "digest mismatch");
        free_layers(layers, 1);
}

TEST(refuse_other_platform)
{
        _cleanup_fx_ struct fx f = {};
        _cleanup_free_ char *tar = NULL;
        char *layers[1];

        ASSERT_OK(fx_init(&f));
        layers[0] = make_layer(&f, "l0", one_file, NULL);
        tar = docker_save(&f, "arm", layers, 1, "arm64", false);
        refused(&f, tar, CR_ERROR_INVALID, "linux/arm64, not linux/amd64");
        free_layers(layers, 1);
}

/* A docker save archive with hand-made members. */
static char *raw_save(struct fx *f, const char *name, const char *manifest, const char *extra_path,
                      const char *extra)
{
        char *out = xasprintf("%s/%s.tar", f->in, name);
        struct archive *a = tar_new(out, false);

        add_blob(a, "manifest.json", manifest, strlen(manifest));
        if (extra_path)
                add_blob(a, extra_path, extra, strlen(extra));
        tar_close(a);
        return out;
}

TEST(refuse_bad_containers)
{
        _cleanup_fx_ struct fx f = {};
        static const char cfg[] = "{\"rootfs\":{\"diff_ids\":[]}}";
        _cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL, *t5 = NULL, *t6 = NULL,
                            *t7 = NULL;
        _cleanup_free_ char *cfg_sha = sha_of(cfg, strlen(cfg)), *cfg_name = xasprintf("%s.json", cfg_sha);
        _cleanup_free_ char *m_abs =
                xasprintf("[{\"Config\":\"%s\",\"Layers\":[\"/etc/passwd\"]}]", cfg_name);
        _cleanup_free_ char *m_dotdot =
                xasprintf("[{\"Config\":\"%s\",\"Layers\":[\"../../x\"]}]", cfg_name);
        _cleanup_free_ char *m_count = xasprintf("[{\"Config\":\"%s\",\"Layers\":[\"a\"]}]", cfg_name);
        _cleanup_free_ char *bad_cfg_name = xasprintf("%064d.json", 0);
        _cleanup_free_ char *m_cfgsha = xasprintf("[{\"Config\":\"%s\",\"Layers\":[]}]", bad_cfg_name);

        ASSERT_OK(fx_init(&f));
        t1 = raw_save(&f, "abs", m_abs, cfg_name, cfg);
        refused(&f, t1, CR_ERROR_INVALID, "is absolute, contains '..' or is empty");
        t2 = raw_save(&f, "dotdot", m_dotdot, cfg_name, cfg);
        refused(&f, t2, CR_ERROR_INVALID, "is absolute, contains '..' or is empty");
        t3 = raw_save(&f, "count", m_count, cfg_name, cfg);
        refused(&f, t3, CR_ERROR_INVALID, "the config lists 0 layers, the manifest 1");
        t4 = raw_save(&f, "cfgsha", m_cfgsha, bad_cfg_name, cfg);
        refused(&f, t4, CR_ERROR_INVALID, "does not match its digest");
        t5 = raw_save(&f, "two", "[{\"Config\":\"a\",\"Layers\":[]},{\"Config\":\"b\",\"Layers\":[]}]", NULL,
                      NULL);
        refused(&f, t5, CR_ERROR_INVALID, "holds 2 images");
        t6 = raw_save(&f, "missing", m_count, NULL, NULL);
        refused(&f, t6, CR_ERROR_INVALID, "No such file");
        /* the container itself is unpacked by the image unpacker */
        t7 = xasprintf("%s/escape.tar", f.in);
        struct archive *a = tar_new(t7, false);
        add_file(a, "../../evil", 0644, "x");
        tar_close(a);
        refused(&f, t7, CR_ERROR_INVALID, "'..'");
}

TEST(refuse_oci_blob_links_and_media_types)
{
        _cleanup_fx_ struct fx f = {};
        static const char *media_enc[] = {"application/vnd.oci.image.layer.v1.tar+encrypted"};
        static const char *media_ok[] = {"application/vnd.oci.image.layer.v1.tar"};
        _cleanup_free_ char *d1 = NULL, *d2 = NULL, *blob = NULL, *target = NULL;
        char *layers[1];
        size_t len;

        ASSERT_OK(fx_init(&f));
        layers[0] = make_layer(&f, "l0", one_file, NULL);
        d1 = oci_layout(&f, "enc", layers, media_enc, 1);
        refused(&f, d1, CR_ERROR_INVALID, "unsupported media type");
        /* a blob that is a symlink out of the layout */
        d2 = oci_layout(&f, "link", layers, media_ok, 1);
        _cleanup_free_ char *data = slurp(layers[0], &len), *hex = sha_of(data, len);
        blob = xasprintf("%s/blobs/sha256/%s", d2, hex);
        target = xasprintf("%s/target", f.outside);
        ASSERT_OK(unlink(blob));
        ASSERT_OK(symlink(target, blob));
        refused(&f, d2, CR_ERROR_INVALID, "links outside the image");
        free_layers(layers, 1);
}

static void big_file(struct archive *a, struct fx *f _unused_)
{
        add_zeros(a, "big", 600U << 10);
}

TEST(limits_hold_across_layers)
{
        _cleanup_fx_ struct fx f = {};
        struct cr_image_limits l = {.max_unpacked_bytes = 1U << 20, .max_entries = 1000};
        static const char *media[] = {"application/vnd.oci.image.layer.v1.tar+gzip",
                                      "application/vnd.oci.image.layer.v1.tar+gzip"};
        _cleanup_free_ char *dir = NULL;
        char *layers[2];

        ASSERT_OK(fx_init(&f));
        ASSERT_OK(fx_open_store(&f, &l));
        /* gzip: the blobs are small, each layer unpacks to 600 KiB; each
         * fits the 1 MiB limit, both do not */
        layers[0] = make_layer(&f, "l0", big_file, "gzip");
        layers[1] = make_layer(&f, "l1", big_file, "gzip");
        dir = oci_layout(&f, "two", layers, media, 2);
        refused(&f, dir, CR_ERROR_LIMIT, "layer 2 of 2");
        free_layers(layers, 2);
}

TEST(json_parsers)
{
        _cleanup_(cr_oci_image_freep) struct cr_oci_image *img = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_oci_blob pick = {};
        char **ids = NULL;
        size_t n = 0;
        static const char idx[] =
                "{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"sha256:"
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"size\":3}]}";

        ASSERT_OK(cr_oci_index_pick(idx, strlen(idx), &pick, &err));
        ASSERT_STREQ(pick.digest, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        ASSERT_STREQ(pick.path,
                     "blobs/sha256/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        free(pick.path), free(pick.digest), free(pick.media_type);
        static const char sha512[] =
                "{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"sha512:ab\",\"size\":3}]}";
        ASSERT_TRUE(cr_oci_index_pick(sha512, strlen(sha512), &pick, &err) < 0);
        ASSERT_TRUE(strstr(err->msg, "sha256 only") != NULL);
        err = cr_error_free(err);
        ASSERT_TRUE(cr_oci_docker_manifest_parse("[]", 2, &img, &err) < 0);
        err = cr_error_free(err);
        ASSERT_TRUE(cr_oci_manifest_parse("{\"layers\":[]}", 13, &img, &err) < 0);
        err = cr_error_free(err);
        ASSERT_OK(cr_oci_config_parse("{\"rootfs\":{\"diff_ids\":[]}}", 26, &ids, &n, &err));
        ASSERT_UEQ(n, 0);
        cr_oci_strv_free(ids);
}

TESTS_MAIN
