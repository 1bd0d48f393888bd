/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* manifest.json (written by rootfs/build-image.sh, untrusted until its
 * sha256 matched) and image.json (ours): the only json-c user of the image
 * module. Parsers take buffers, not paths (STYLE.md rule 13). */

#define STRING_MAX    1024
#define TOOLCHAIN_MAX 64
#define RECORD_FORMAT 1

DEFINE_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_CLEANUP_FUNC(json_tokener *, json_tokener_free)

static bool charset_valid(const char *s, size_t max, const char *first, const char *rest)
{
        size_t n = strlen(s);

        if (n == 0 || n > max)
                return false;
        if (!strchr(first, s[0]))
                return false;
        return strspn(s, rest) == n;
}

#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"
#define UPPER        "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

bool cr_image_name_valid(const char *s)
{
        return charset_valid(s, CR_IMAGE_NAME_MAX, LOWER_DIGITS, LOWER_DIGITS "._+-");
}

bool cr_image_version_valid(const char *s)
{
        return charset_valid(s, CR_IMAGE_VERSION_MAX, LOWER_DIGITS UPPER, LOWER_DIGITS UPPER "._+~-");
}

int cr_image_ref_parse(const char *ref, char **ret_name, char **ret_version, struct cr_error **err)
{
        const char *at = strchr(ref, '@');
        _cleanup_free_ char *name = at ? xstrndup(ref, (size_t)(at - ref)) : xstrdup(ref);

        if (!cr_image_name_valid(name))
                return cr_error_make(
                        err, EINVAL, CR_ERROR_INVALID,
                        "invalid image name in '%s' (lowercase letters, digits, '._+-', at most %d)", ref,
                        CR_IMAGE_NAME_MAX);
        if (at && !cr_image_version_valid(at + 1))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "invalid image version in '%s' (letters, digits, '._+~-', at most %d)",
                                    ref, CR_IMAGE_VERSION_MAX);
        *ret_version = at ? xstrdup(at + 1) : NULL;
        *ret_name = TAKE_PTR(name);
        return 0;
}

static int parse_object(const char *data, size_t len, json_object **ret, struct cr_error **err)
{
        _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(16);
        json_object *o;
        size_t end;

        if (!tok)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "json tokener");
        if (len > MANIFEST_MAX_BYTES)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT, "larger than %u bytes", MANIFEST_MAX_BYTES);
        if (memchr(data, 0, len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "contains a NUL byte");
        o = json_tokener_parse_ex(tok, data, (int)len);
        if (!o)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid JSON: %s",
                                    json_tokener_error_desc(json_tokener_get_error(tok)));
        end = json_tokener_get_parse_end(tok);
        if (end < len && strspn(data + end, " \t\r\n") != len - end) {
                json_object_put(o);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "trailing data after the JSON object");
        }
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a JSON object");
        }
        *ret = o;
        return 0;
}

static int get_string(json_object *o, const char *key, bool required, char **ret, struct cr_error **err)
{
        json_object *v;
        const char *s;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is missing", key);
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is not a string", key);
        s = json_object_get_string(v);
        if ((size_t)json_object_get_string_len(v) != strlen(s) || strlen(s) > STRING_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' has a NUL byte or is too long",
                                    key);
        *ret = xstrdup(s);
        return 0;
}

static int get_u64(json_object *o, const char *key, bool required, uint64_t *ret, struct cr_error **err)
{
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v)) {
                if (required)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is missing", key);
                *ret = 0;
                return 0;
        }
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%s' is not a non-negative integer",
                                    key);
        *ret = json_object_get_uint64(v);
        return 0;
}

static void toolchain_free(struct cr_image_toolchain *t, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(t[i].key);
                free(t[i].value);
        }
        free(t);
}

static int get_toolchain(json_object *o, struct cr_image_toolchain **ret, size_t *ret_n,
                         struct cr_error **err)
{
        struct cr_image_toolchain *t;
        json_object *v;
        size_t n = 0;

        *ret = NULL;
        *ret_n = 0;
        if (!json_object_object_get_ex(o, "toolchain", &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'toolchain' is not an object");
        if (json_object_object_length(v) > TOOLCHAIN_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "'toolchain' has more than %d keys",
                                    TOOLCHAIN_MAX);
        t = xzalloc(sizeof(*t) * (size_t)(json_object_object_length(v) + 1));
        json_object_object_foreach(v, key, val)
        {
                const char *s = json_object_get_string(val);

                if (!json_object_is_type(val, json_type_string) || strlen(key) > STRING_MAX ||
                    strlen(s) > STRING_MAX || (size_t)json_object_get_string_len(val) != strlen(s)) {
                        toolchain_free(t, n);
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                            "'toolchain.%.64s' is not a string", key);
                }
                t[n].key = xstrdup(key);
                t[n].value = xstrdup(s);
                n++;
        }
        *ret = t;
        *ret_n = n;
        return 0;
}

struct cr_image_manifest *cr_image_manifest_free(struct cr_image_manifest *m)
{
        if (!m)
                return NULL;
        free(m->name);
        free(m->version);
        free(m->sha256);
        free(m->build_date);
        free(m->recipe_hash);
        free(m->suite);
        toolchain_free(m->toolchain, m->n_toolchain);
        free(m);
        return NULL;
}

/* debian.suite of build-image.sh's manifests, a plain name or absent. */
static int get_suite(json_object *o, char **ret, struct cr_error **err)
{
        json_object *debian;
        int r;

        *ret = NULL;
        if (!json_object_object_get_ex(o, "debian", &debian) || !json_object_is_type(debian, json_type_object))
                return 0;
        r = get_string(debian, "suite", false, ret, err);
        if (r < 0)
                return cr_error_wrap(err, "debian");
        if (*ret && !cr_image_name_valid(*ret))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid debian.suite '%.80s'", *ret);
        return 0;
}

static int manifest_fields(json_object *o, struct cr_image_manifest *m, struct cr_error **err)
{
        int r;

        if ((r = get_string(o, "name", true, &m->name, err)) < 0 ||
            (r = get_string(o, "version", true, &m->version, err)) < 0 ||
            (r = get_string(o, "sha256", true, &m->sha256, err)) < 0 ||
            (r = get_string(o, "build_date", false, &m->build_date, err)) < 0 ||
            (r = get_string(o, "recipe_hash", false, &m->recipe_hash, err)) < 0 ||
            (r = get_u64(o, "size_bytes", false, &m->size_bytes, err)) < 0 ||
            (r = get_u64(o, "unpacked_bytes", false, &m->unpacked_bytes, err)) < 0 ||
            (r = get_toolchain(o, &m->toolchain, &m->n_toolchain, err)) < 0 ||
            (r = get_suite(o, &m->suite, err)) < 0)
                return r;
        for (char *p = m->sha256; *p; p++)
                if (*p >= 'A' && *p <= 'F')
                        *p = (char)(*p - 'A' + 'a');
        if (!cr_image_name_valid(m->name))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid name '%.80s'", m->name);
        if (!cr_image_version_valid(m->version))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid version '%.80s'", m->version);
        if (!cr_image_sha256_hex_valid(m->sha256))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'sha256' is not 64 hex digits");
        return 0;
}

int cr_image_manifest_parse(const char *data, size_t len, struct cr_image_manifest **ret,
                            struct cr_error **err)
{
        _cleanup_(json_object_putp) json_object *o = NULL;
        struct cr_image_manifest *m;
        int r;

        r = parse_object(data, len, &o, err);
        if (r < 0)
                return r;
        m = xzalloc(sizeof(*m));
        r = manifest_fields(o, m, err);
        if (r < 0) {
                cr_image_manifest_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

/* ---- image.json ---- */

static void add_string(json_object *o, const char *key, const char *value)
{
        if (value)
                json_object_object_add(o, key, json_object_new_string(value));
}

int cr_image_record_format(const struct cr_image_info *info, char **ret, struct cr_error **err)
{
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *t = json_object_new_object();
        const char *s;

        if (!o || !t) {
                json_object_put(t);
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "json object");
        }
        json_object_object_add(o, "format", json_object_new_int(RECORD_FORMAT));
        add_string(o, "name", info->name);
        add_string(o, "version", info->version);
        add_string(o, "sha256", info->sha256);
        add_string(o, "tree_digest", info->tree_digest);
        json_object_object_add(o, "size_bytes", json_object_new_uint64(info->size_bytes));
        json_object_object_add(o, "unpacked_bytes", json_object_new_uint64(info->unpacked_bytes));
        json_object_object_add(o, "entries", json_object_new_uint64(info->entries));
        add_string(o, "import_date", info->import_date);
        add_string(o, "build_date", info->build_date);
        add_string(o, "recipe_hash", info->recipe_hash);
        add_string(o, "suite", info->suite);
        add_string(o, "source", info->source);
        for (size_t i = 0; i < info->n_toolchain; i++)
                add_string(t, info->toolchain[i].key, info->toolchain[i].value);
        json_object_object_add(o, "toolchain", t);
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "json serialise");
        *ret = xasprintf("%s\n", s);
        return 0;
}

static int record_fields(json_object *o, struct cr_image_info *i, struct cr_error **err)
{
        uint64_t format;
        int r;

        if ((r = get_u64(o, "format", true, &format, err)) < 0)
                return r;
        if (format != RECORD_FORMAT)
                return cr_error_make(err, EPROTONOSUPPORT, CR_ERROR_INVALID, "unknown image.json format %llu",
                                    (unsigned long long)format);
        if ((r = get_string(o, "name", true, &i->name, err)) < 0 ||
            (r = get_string(o, "version", true, &i->version, err)) < 0 ||
            (r = get_string(o, "sha256", true, &i->sha256, err)) < 0 ||
            (r = get_string(o, "tree_digest", true, &i->tree_digest, err)) < 0 ||
            (r = get_string(o, "import_date", true, &i->import_date, err)) < 0 ||
            (r = get_string(o, "build_date", false, &i->build_date, err)) < 0 ||
            (r = get_string(o, "recipe_hash", false, &i->recipe_hash, err)) < 0 ||
            (r = get_string(o, "suite", false, &i->suite, err)) < 0 ||
            (r = get_string(o, "source", false, &i->source, err)) < 0 ||
            (r = get_u64(o, "size_bytes", true, &i->size_bytes, err)) < 0 ||
            (r = get_u64(o, "unpacked_bytes", true, &i->unpacked_bytes, err)) < 0 ||
            (r = get_u64(o, "entries", true, &i->entries, err)) < 0 ||
            (r = get_toolchain(o, &i->toolchain, &i->n_toolchain, err)) < 0)
                return r;
        if (!cr_image_name_valid(i->name) || !cr_image_version_valid(i->version) ||
            !cr_image_sha256_hex_valid(i->sha256) || !cr_image_sha256_hex_valid(i->tree_digest))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid name, version or digest");
        i->ref = xasprintf("%s@%s", i->name, i->version);
        return 0;
}

int cr_image_record_parse(const char *data, size_t len, struct cr_image_info **ret, struct cr_error **err)
{
        _cleanup_(json_object_putp) json_object *o = NULL;
        struct cr_image_info *i;
        int r;

        r = parse_object(data, len, &o, err);
        if (r < 0)
                return r;
        i = xzalloc(sizeof(*i));
        r = record_fields(o, i, err);
        if (r < 0) {
                cr_image_info_free(i);
                return r;
        }
        *ret = i;
        return 0;
}

struct cr_image_info *cr_image_info_free(struct cr_image_info *info)
{
        if (!info)
                return NULL;
        free(info->name);
        free(info->version);
        free(info->ref);
        free(info->sha256);
        free(info->tree_digest);
        free(info->build_date);
        free(info->recipe_hash);
        free(info->suite);
        free(info->source);
        free(info->import_date);
        free(info->path);
        free(info->rootfs);
        toolchain_free(info->toolchain, info->n_toolchain);
        free(info);
        return NULL;
}

void cr_image_info_list_free(struct cr_image_info **infos, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cr_image_info_free(infos[i]);
        free(infos);
}
