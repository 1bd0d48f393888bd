/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "error.h"
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

DEFINE_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_CLEANUP_FUNC(json_tokener *, json_tokener_free)

static int parse_json(const char *data, size_t len, json_object **ret, struct cr_error **err)
{
        _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(32);
        json_object *o;
        size_t end;

        if (!tok)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "json tokener");
        if (len > JSON_MAX)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT, "larger than %u bytes", JSON_MAX);
        if (memchr(data, 0, len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "contains a NUL byte");
        o = json_tokener_parse_ex(tok, data, (int)len);
        if (!o)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid JSON: %s",
                                     json_tokener_error_desc(json_tokener_get_error(tok)));
        end = json_tokener_get_parse_end(tok);
        if (end < len && strspn(data + end, " \t\r\n") != len - end) {
                json_object_put(o);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "trailing data after the JSON value");
        }
        *ret = o;
        return 0;
}

/* A string member (NULL when absent and optional). */
static int member_string(json_object *o, const char *key, bool required, size_t max, const char **ret,
                         struct cr_error **err)
{
        json_object *v;
        const char *s;

        *ret = NULL;
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
            json_object_is_type(v, json_type_null)) {
                if (required)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is missing", key);
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is not a string", key);
        s = json_object_get_string(v);
        if ((size_t)json_object_get_string_len(v) != strlen(s) || strlen(s) > max)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' has a NUL byte or is too long",
                                     key);
        *ret = s;
        return 0;
}

static int member_array(json_object *o, const char *key, size_t max, json_object **ret, size_t *ret_n,
                        struct cr_error **err)
{
        json_object *v;
        size_t n;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is missing or not an array", key);
        n = json_object_array_length(v);
        if (n > max)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "'%s' has more than %zu elements", key,
                                     max);
        *ret = v;
        *ret_n = n;
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

static int docker_layers(json_object *entry, struct cr_oci_image *img, struct cr_error **err)
{
        json_object *arr;
        size_t n;
        int r;

        r = member_array(entry, "Layers", CR_OCI_MAX_LAYERS, &arr, &n, err);
        if (r < 0)
                return r;
        img->layers = xzalloc(MAX(n, (size_t)1) * sizeof(*img->layers));
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(arr, i);
                if (!json_object_is_type(v, json_type_string))
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'Layers' holds a non-string");
                r = blob_path(json_object_get_string(v), &img->layers[i].path, err);
                if (r < 0)
                        return r;
                img->n_layers = i + 1;
                img->layers[i].digest = digest_from_path(img->layers[i].path);
        }
        return 0;
}

/* The first RepoTags entry, informational. */
static int docker_tag(json_object *entry, struct cr_oci_image *img, struct cr_error **err)
{
        json_object *tags, *t;

        if (!json_object_object_get_ex(entry, "RepoTags", &tags) ||
            !json_object_is_type(tags, json_type_array) || json_object_array_length(tags) == 0)
                return 0;
        t = json_object_array_get_idx(tags, 0);
        if (!json_object_is_type(t, json_type_string) || strlen(json_object_get_string(t)) > TAG_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'RepoTags' holds a bad tag");
        img->tag = xstrdup(json_object_get_string(t));
        return 0;
}

int cr_oci_docker_manifest_parse(const char *data, size_t len, struct cr_oci_image **ret,
                                 struct cr_error **err)
{
        _cleanup_(json_object_putp) json_object *o = NULL;
        struct cr_oci_image *img;
        json_object *entry;
        const char *config;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_array) || json_object_array_length(o) == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a non-empty JSON array");
        if (json_object_array_length(o) > 1)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "holds %zu images; save one image per archive",
                                     json_object_array_length(o));
        entry = json_object_array_get_idx(o, 0);
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

static int descriptor(json_object *o, struct cr_oci_blob *b, struct cr_error **err)
{
        const char *media_type, *digest;
        json_object *v;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "descriptor is not an object");
        if ((r = member_string(o, "mediaType", true, MEDIA_TYPE_MAX, &media_type, err)) < 0 ||
            (r = member_string(o, "digest", true, 200, &digest, err)) < 0)
                return r;
        if (!json_object_object_get_ex(o, "size", &v) || !json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "descriptor 'size' is not a size");
        r = digest_hex(digest, &b->digest, err);
        if (r < 0)
                return r;
        b->media_type = xstrdup(media_type);
        b->size = (uint64_t)json_object_get_int64(v);
        b->path = xasprintf(BLOBS_DIR "%s", b->digest);
        return 0;
}

static bool platform_matches(json_object *m)
{
        const char *os = NULL, *arch = NULL;
        json_object *p;

        if (!json_object_object_get_ex(m, "platform", &p))
                return false;
        (void)member_string(p, "os", false, 64, &os, NULL);
        (void)member_string(p, "architecture", false, 64, &arch, NULL);
        return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, "amd64") == 0;
}

int cr_oci_index_pick(const char *data, size_t len, struct cr_oci_blob *ret, struct cr_error **err)
{
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *arr, *pick = NULL;
        size_t n;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a JSON object");
        r = member_array(o, "manifests", CR_OCI_MAX_MANIFESTS, &arr, &n, err);
        if (r < 0)
                return r;
        /* linux/amd64 if the index says so; else the only manifest */
        for (size_t i = 0; i < n && !pick; i++)
                if (platform_matches(json_object_array_get_idx(arr, i)))
                        pick = json_object_array_get_idx(arr, i);
        if (!pick && n == 1)
                pick = json_object_array_get_idx(arr, 0);
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

static int manifest_layers(json_object *o, struct cr_oci_image *img, struct cr_error **err)
{
        json_object *arr;
        size_t n;
        int r;

        r = member_array(o, "layers", CR_OCI_MAX_LAYERS, &arr, &n, err);
        if (r < 0)
                return r;
        img->layers = xzalloc(MAX(n, (size_t)1) * sizeof(*img->layers));
        for (size_t i = 0; i < n; i++) {
                img->n_layers = i + 1;
                r = descriptor(json_object_array_get_idx(arr, i), &img->layers[i], err);
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
        _cleanup_(json_object_putp) json_object *o = NULL;
        struct cr_oci_image *img;
        json_object *config;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "config", &config))
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

static int config_platform(json_object *o, struct cr_error **err)
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
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *rootfs, *arr;
        char **ids;
        size_t n;
        int r;

        r = parse_json(data, len, &o, err);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a JSON object");
        r = config_platform(o, err);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(o, "rootfs", &rootfs) ||
            !json_object_is_type(rootfs, json_type_object))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'rootfs' is missing");
        r = member_array(rootfs, "diff_ids", CR_OCI_MAX_LAYERS, &arr, &n, err);
        if (r < 0)
                return r;
        ids = xzalloc((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n && r >= 0; i++) {
                json_object *v = json_object_array_get_idx(arr, i);
                r = json_object_is_type(v, json_type_string)
                            ? digest_hex(json_object_get_string(v), &ids[i], err)
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

static json_object *blob_json(const struct cr_oci_blob *b)
{
        json_object *o = json_object_new_object();

        json_object_object_add(o, "path", json_object_new_string(b->path));
        if (b->digest)
                json_object_object_add(o, "digest", json_object_new_string(b->digest));
        if (b->media_type)
                json_object_object_add(o, "media_type", json_object_new_string(b->media_type));
        if (b->size)
                json_object_object_add(o, "size", json_object_new_uint64(b->size));
        return o;
}

int cr_oci_record_format(const struct cr_oci_image *img, const char *source, const char *name,
                         const char *version, const char *sha256, const char *manifest_digest,
                         uint64_t size_bytes, uint64_t unpacked_bytes, char **ret, struct cr_error **err)
{
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *src = json_object_new_object(), *layers = json_object_new_array();
        const char *s;

        json_object_object_add(o, "name", json_object_new_string(name));
        json_object_object_add(o, "version", json_object_new_string(version));
        json_object_object_add(o, "sha256", json_object_new_string(sha256));
        json_object_object_add(o, "size_bytes", json_object_new_uint64(size_bytes));
        json_object_object_add(o, "unpacked_bytes", json_object_new_uint64(unpacked_bytes));
        json_object_object_add(o, "toolchain", json_object_new_object());
        json_object_object_add(src, "format", json_object_new_string(source));
        if (img->tag)
                json_object_object_add(src, "tag", json_object_new_string(img->tag));
        if (manifest_digest)
                json_object_object_add(src, "manifest_digest", json_object_new_string(manifest_digest));
        json_object_object_add(src, "config", blob_json(&img->config));
        for (size_t i = 0; i < img->n_layers; i++)
                json_object_array_add(layers, blob_json(&img->layers[i]));
        json_object_object_add(src, "layers", layers);
        json_object_object_add(o, "source", src);
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "json serialise");
        *ret = xasprintf("%s\n", s);
        return 0;
}
