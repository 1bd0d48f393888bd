/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "json/json.h"
#include "xalloc.h"

/* The JSON of Docker and OCI images: docker save's manifest.json, an OCI
 * layout's index.json, image manifests and image configs. All of it is
 * untrusted: every parser takes a buffer (fuzzed by fuzz-oci-json), bounds
 * sizes and counts, accepts sha256 digests only, and turns every blob
 * reference into a normalised relative path (no "/", no ".."), so nothing
 * it returns can name a file outside the image it came from. */

#define JSON_MAX       MANIFEST_MAX_BYTES
#define MEDIA_TYPE_MAX 256
#define TAG_MAX        256
#define SHA256_PREFIX  "sha256:"
#define BLOBS_DIR      "blobs/sha256/"

static int parse_json(const char *data, size_t len, struct cr_json **ret, struct cr_error **err)
{
        return cr_json_parse(data, len, JSON_MAX, 32, ret, err);
}

/* A string member (NULL when absent and optional). */
static int member_string(const struct cr_json *o, const char *key, bool required, size_t max, const char **ret,
                         struct cr_error **err)
{
        return cr_json_get_string(o, "", key, required ? CR_JSON_REQUIRED : 0, max, ret, err);
}

static int member_array(const struct cr_json *o, const char *key, size_t max, const struct cr_json **ret,
                        size_t *ret_n, struct cr_error **err)
{
        const struct cr_json *v = cr_json_member(o, key);

        if (cr_json_type(v) != CR_JSON_ARRAY)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is missing or not an array", key);
        if (cr_json_array_len(v) > max)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "'%s' has more than %zu elements", key,
                                     max);
        *ret = v;
        *ret_n = cr_json_array_len(v);
        return 0;
}

/* "sha256:HEX" → HEX (lowercase); other algorithms are refused. */
static int digest_hex(const char *digest, char **ret, struct cr_error **err)
{
        char *hex;

        if (strncmp(digest, SHA256_PREFIX, strlen(SHA256_PREFIX)) != 0)
                return cr_error_make(err, ENOTSUP, CR_ERROR_INVALID,
                                     "unsupported digest '%.80s' (sha256 only)", digest);
        hex = xstrdup(digest + strlen(SHA256_PREFIX));
        for (char *p = hex; *p; p++)
                if (*p >= 'A' && *p <= 'F')
                        *p = (char)(*p - 'A' + 'a');
        if (!cr_image_sha256_hex_valid(hex)) {
                free(hex);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid digest '%.80s'", digest);
        }
        *ret = hex;
        return 0;
}

/* A path inside the image's container (docker save's entries), normalised;
 * absolute paths, "..", the root itself and over-long paths are refused. */
static int blob_path(const char *raw, char **ret, struct cr_error **err)
{
        char buf[PATH_MAX];

        if (cr_image_path_normalize(raw, buf, sizeof(buf)) <= 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "blob path '%.80s' is absolute, contains '..' or is empty", raw);
        *ret = xstrdup(buf);
        return 0;
}

/* blobs/sha256/HEX (docker save since Docker 25, and OCI layouts) names
 * its own digest; so does HEX.json, docker save's config name. */
static char *digest_from_path(const char *path)
{
        size_t n = strlen(path);

        if (strncmp(path, BLOBS_DIR, strlen(BLOBS_DIR)) == 0 &&
            cr_image_sha256_hex_valid(path + strlen(BLOBS_DIR)))
                return xstrdup(path + strlen(BLOBS_DIR));
        if (n == SHA256_HEX_LEN + 5 && strcmp(path + SHA256_HEX_LEN, ".json") == 0) {
                char *hex = xstrndup(path, SHA256_HEX_LEN);
                if (cr_image_sha256_hex_valid(hex))
                        return hex;
                free(hex);
        }
        return NULL;
}

static void blob_done(struct cr_oci_blob *b)
{
        free(b->path);
        free(b->digest);
        free(b->media_type);
        *b = (struct cr_oci_blob){};
}

struct cr_oci_image *cr_oci_image_free(struct cr_oci_image *img)
{
        if (!img)
                return NULL;
        blob_done(&img->config);
        for (size_t i = 0; i < img->n_layers; i++)
                blob_done(&img->layers[i]);
        free(img->layers);
        free(img->tag);
        free(img);
        return NULL;
}

/* ---- docker save: manifest.json ---- */

static int docker_layers(const struct cr_json *entry, struct cr_oci_image *img, struct cr_error **err)
{
        const struct cr_json *arr;
        size_t n;
        int r;

        r = member_array(entry, "Layers", CR_OCI_MAX_LAYERS, &arr, &n, err);
        if (r < 0)
                return r;
        img->layers = xzalloc(MAX(n, (size_t)1) * sizeof(*img->layers));
        for (size_t i = 0; i < n; i++) {
                const char *v = cr_json_as_string(cr_json_array_at(arr, i), NULL);
                if (!v)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'Layers' holds a non-string");
                r = blob_path(v, &img->layers[i].path, err);
                if (r < 0)
                        return r;
                img->n_layers = i + 1;
                img->layers[i].digest = digest_from_path(img->layers[i].path);
        }
        return 0;
}

/* The first RepoTags entry, informational. */
static int docker_tag(const struct cr_json *entry, struct cr_oci_image *img, struct cr_error **err)
{
        const struct cr_json *tags = cr_json_member(entry, "RepoTags");
        const char *t;

        if (cr_json_array_len(tags) == 0)
                return 0;
        t = cr_json_as_string(cr_json_array_at(tags, 0), NULL);
        if (!t || strlen(t) > TAG_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'RepoTags' holds a bad tag");
        img->tag = xstrdup(t);
        return 0;
}

int cr_oci_docker_manifest_parse(const char *data, size_t len, struct cr_oci_image **ret,
                                 struct cr_error **err)
{
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
        struct cr_oci_image *img;
        const struct cr_json *entry;
        const char *config;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (cr_json_array_len(o) == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a non-empty JSON array");
        if (cr_json_array_len(o) > 1)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "holds %zu images; save one image per archive", cr_json_array_len(o));
        entry = cr_json_array_at(o, 0);
        r = member_string(entry, "Config", true, PATH_MAX, &config, err);
        if (r < 0)
                return r;
        img = xzalloc(sizeof(*img));
        r = blob_path(config, &img->config.path, err);
        if (r >= 0) {
                img->config.digest = digest_from_path(img->config.path);
                r = docker_layers(entry, img, err);
        }
        if (r >= 0)
                r = docker_tag(entry, img, err);
        if (r < 0) {
                cr_oci_image_free(img);
                return r;
        }
        *ret = img;
        return 0;
}

/* ---- OCI: descriptors, index.json, image manifests ---- */

static int descriptor(const struct cr_json *o, struct cr_oci_blob *b, struct cr_error **err)
{
        const char *media_type, *digest;
        uint64_t size;
        int r;

        if (cr_json_type(o) != CR_JSON_OBJECT)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "descriptor is not an object");
        if ((r = member_string(o, "mediaType", true, MEDIA_TYPE_MAX, &media_type, err)) < 0 ||
            (r = member_string(o, "digest", true, 200, &digest, err)) < 0)
                return r;
        if (cr_json_as_uint64(cr_json_member(o, "size"), &size) < 0 || size > INT64_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "descriptor 'size' is not a size");
        r = digest_hex(digest, &b->digest, err);
        if (r < 0)
                return r;
        b->media_type = xstrdup(media_type);
        b->size = size;
        b->path = xasprintf(BLOBS_DIR "%s", b->digest);
        return 0;
}

static bool platform_matches(const struct cr_json *m)
{
        const char *os = NULL, *arch = NULL;
        const struct cr_json *p = cr_json_member(m, "platform");

        if (!p)
                return false;
        (void)member_string(p, "os", false, 64, &os, NULL);
        (void)member_string(p, "architecture", false, 64, &arch, NULL);
        return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, "amd64") == 0;
}

int cr_oci_index_pick(const char *data, size_t len, struct cr_oci_blob *ret, struct cr_error **err)
{
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
        const struct cr_json *arr, *pick = NULL;
        size_t n;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (cr_json_type(o) != CR_JSON_OBJECT)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a JSON object");
        r = member_array(o, "manifests", CR_OCI_MAX_MANIFESTS, &arr, &n, err);
        if (r < 0)
                return r;
        /* linux/amd64 if the index says so; else the only manifest */
        for (size_t i = 0; i < n && !pick; i++)
                if (platform_matches(cr_json_array_at(arr, i)))
                        pick = cr_json_array_at(arr, i);
        if (!pick && n == 1)
                pick = cr_json_array_at(arr, 0);
        if (!pick)
                return cr_error_make(err, ENOENT, CR_ERROR_INVALID, "%zu manifests and none for linux/amd64",
                                     n);
        *ret = (struct cr_oci_blob){};
        r = descriptor(pick, ret, err);
        if (r < 0)
                blob_done(ret);
        return r;
}

static bool media_type_in(const char *t, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(t, *list) == 0)
                        return true;
        return false;
}

bool cr_oci_media_type_is_index(const char *t)
{
        static const char *const index[] = {"application/vnd.oci.image.index.v1+json",
                                            "application/vnd.docker.distribution.manifest.list.v2+json",
                                            NULL};
        return media_type_in(t, index);
}

static bool layer_media_type_ok(const char *t)
{
        /* plain, gzip and zstd tars (the reader takes exactly these);
         * encrypted or foreign formats are not */
        static const char *const layer[] = {
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.v1.tar+gzip",
                "application/vnd.oci.image.layer.v1.tar+zstd",
                "application/vnd.oci.image.layer.nondistributable.v1.tar",
                "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
                "application/vnd.docker.image.rootfs.diff.tar",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                NULL,
        };
        return media_type_in(t, layer);
}

static int manifest_layers(const struct cr_json *o, struct cr_oci_image *img, struct cr_error **err)
{
        const struct cr_json *arr;
        size_t n;
        int r;

        r = member_array(o, "layers", CR_OCI_MAX_LAYERS, &arr, &n, err);
        if (r < 0)
                return r;
        img->layers = xzalloc(MAX(n, (size_t)1) * sizeof(*img->layers));
        for (size_t i = 0; i < n; i++) {
                img->n_layers = i + 1;
                r = descriptor(cr_json_array_at(arr, i), &img->layers[i], err);
                if (r < 0)
                        return cr_error_wrap(err, "layer %zu", i + 1);
                if (!layer_media_type_ok(img->layers[i].media_type))
                        return cr_error_make(err, ENOTSUP, CR_ERROR_INVALID,
                                             "layer %zu: unsupported media type '%s'", i + 1,
                                             img->layers[i].media_type);
        }
        return 0;
}

int cr_oci_manifest_parse(const char *data, size_t len, struct cr_oci_image **ret, struct cr_error **err)
{
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
        struct cr_oci_image *img;
        const struct cr_json *config;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        config = cr_json_member(o, "config");
        if (!config)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not an image manifest (no 'config')");
        img = xzalloc(sizeof(*img));
        r = descriptor(config, &img->config, err);
        if (r < 0)
                r = cr_error_wrap(err, "config");
        if (r >= 0)
                r = manifest_layers(o, img, err);
        if (r < 0) {
                cr_oci_image_free(img);
                return r;
        }
        *ret = img;
        return 0;
}

/* ---- image config ---- */

static int config_platform(const struct cr_json *o, struct cr_error **err)
{
        const char *os = NULL, *arch = NULL;
        int r;

        if ((r = member_string(o, "os", false, 64, &os, err)) < 0 ||
            (r = member_string(o, "architecture", false, 64, &arch, err)) < 0)
                return r;
        if ((os && strcmp(os, "linux") != 0) || (arch && strcmp(arch, "amd64") != 0))
                return cr_error_make(err, ENOEXEC, CR_ERROR_INVALID,
                                     "the image is for %s/%s, not linux/amd64", os ? os : "?",
                                     arch ? arch : "?");
        return 0;
}

int cr_oci_config_parse(const char *data, size_t len, char ***ret_diff_ids, size_t *ret_n,
                        struct cr_error **err)
{
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
        const struct cr_json *rootfs, *arr;
        char **ids;
        size_t n;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (cr_json_type(o) != CR_JSON_OBJECT)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a JSON object");
        r = config_platform(o, err);
        if (r < 0)
                return r;
        rootfs = cr_json_member(o, "rootfs");
        if (cr_json_type(rootfs) != CR_JSON_OBJECT)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'rootfs' is missing");
        r = member_array(rootfs, "diff_ids", CR_OCI_MAX_LAYERS, &arr, &n, err);
        if (r < 0)
                return r;
        ids = xzalloc((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *v = cr_json_as_string(cr_json_array_at(arr, i), NULL);
                r = v ? digest_hex(v, &ids[i], err)
                            : cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'diff_ids' holds a non-string");
        }
        if (r < 0) {
                cr_oci_strv_free(ids);
                return r;
        }
        *ret_diff_ids = ids;
        *ret_n = n;
        return 0;
}

void cr_oci_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

/* ---- the manifest.json we record ---- */

static void write_blob(struct cr_json_writer *w, const char *key, const struct cr_oci_blob *b)
{
        if (key)
                cr_json_key(w, key);
        cr_json_object_begin(w);
        cr_json_field_string(w, "path", b->path);
        if (b->digest)
                cr_json_field_string(w, "digest", b->digest);
        if (b->media_type)
                cr_json_field_string(w, "media_type", b->media_type);
        if (b->size)
                cr_json_field_uint(w, "size", b->size);
        cr_json_object_end(w);
}

static void write_source(struct cr_json_writer *w, const struct cr_oci_image *img, const char *source,
                         const char *manifest_digest)
{
        cr_json_key(w, "source");
        cr_json_object_begin(w);
        cr_json_field_string(w, "format", source);
        if (img->tag)
                cr_json_field_string(w, "tag", img->tag);
        if (manifest_digest)
                cr_json_field_string(w, "manifest_digest", manifest_digest);
        write_blob(w, "config", &img->config);
        cr_json_key(w, "layers");
        cr_json_array_begin(w);
        for (size_t i = 0; i < img->n_layers; i++)
                write_blob(w, NULL, &img->layers[i]);
        cr_json_array_end(w);
        cr_json_object_end(w);
}

int cr_oci_record_format(const struct cr_oci_image *img, const char *source, const char *name,
                         const char *version, const char *sha256, const char *manifest_digest,
                         uint64_t size_bytes, uint64_t unpacked_bytes, char **ret, struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(JSON_MAX);
        struct cr_json_writer w;
        int r;

        cr_json_writer_init_ext(&w, &b, CR_JSON_PRETTY);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "name", name);
        cr_json_field_string(&w, "version", version);
        cr_json_field_string(&w, "sha256", sha256);
        cr_json_field_uint(&w, "size_bytes", size_bytes);
        cr_json_field_uint(&w, "unpacked_bytes", unpacked_bytes);
        cr_json_key(&w, "toolchain");
        cr_json_object_begin(&w);
        cr_json_object_end(&w);
        write_source(&w, img, source, manifest_digest);
        cr_json_object_end(&w);
        r = cr_json_writer_finish(&w);
        if (r >= 0)
                r = cr_buf_append(&b, "\n", 1);
        if (r < 0)
                return cr_error_make(err, -r, CR_ERROR_INTERNAL, "manifest.json: %s",
                                     r == -ENOSPC ? "larger than the manifest limit" : "cannot write");
        *ret = cr_buf_steal(&b);
        return 0;
}
