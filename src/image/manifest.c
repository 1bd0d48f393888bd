/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "image/image-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "json/json.h"
#include "xalloc.h"

/* manifest.json (written by rootfs/build-image.sh, untrusted until its
 * sha256 matched) and image.json (ours), read and written through json/. Parsers take buffers, not paths (STYLE.md rule 13). */

#define STRING_MAX    1024
#define TOOLCHAIN_MAX 64
#define RECORD_FORMAT 1


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

static int parse_object(const char *data, size_t len, struct cr_json **ret, struct cr_error **err)
{
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
        int r;

        r = cr_json_parse(data, len, MANIFEST_MAX_BYTES, 16, &o, err);
        if (r < 0)
                return r;
        if (cr_json_type(o) != CR_JSON_OBJECT)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "not a JSON object");
        *ret = TAKE_PTR(o);
        return 0;
}

static int get_string(const struct cr_json *o, const char *key, bool required, char **ret, struct cr_error **err)
{
        const char *s;
        int r;

        r = cr_json_get_string(o, "", key, required ? CR_JSON_REQUIRED : 0, STRING_MAX, &s, err);
        *ret = s ? xstrdup(s) : NULL;
        return r;
}

static int get_u64(const struct cr_json *o, const char *key, bool required, uint64_t *ret, struct cr_error **err)
{
        return cr_json_get_uint64(o, "", key, required ? CR_JSON_REQUIRED : 0, ret, err);
}

static void toolchain_free(struct cr_image_toolchain *t, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(t[i].key);
                free(t[i].value);
        }
        free(t);
}

static int get_toolchain(const struct cr_json *o, struct cr_image_toolchain **ret, size_t *ret_n,
                         struct cr_error **err)
{
        struct cr_json_iter it = {};
        const struct cr_json *v, *val;
        struct cr_image_toolchain *t;
        const char *key;
        size_t n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if ((r = cr_json_get_object(o, "", "toolchain", 0, &v, err)) < 0 || !v)
                return r;
        if (cr_json_object_len(v) > TOOLCHAIN_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "'toolchain' has more than %d keys",
                                    TOOLCHAIN_MAX);
        t = xzalloc(sizeof(*t) * (cr_json_object_len(v) + 1));
        while (cr_json_object_next(v, &it, &key, &val)) {
                const char *s = cr_json_as_string_clean(val, STRING_MAX);

                if (!s || strlen(key) > STRING_MAX) {
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
static int get_suite(const struct cr_json *o, char **ret, struct cr_error **err)
{
        const struct cr_json *debian = cr_json_member(o, "debian");
        int r;

        *ret = NULL;
        if (cr_json_type(debian) != CR_JSON_OBJECT)
                return 0;
        r = get_string(debian, "suite", false, ret, err);
        if (r < 0)
                return cr_error_wrap(err, "debian");
        if (*ret && !cr_image_name_valid(*ret))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid debian.suite '%.80s'", *ret);
        return 0;
}

static int manifest_fields(const struct cr_json *o, struct cr_image_manifest *m, struct cr_error **err)
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
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
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

static void add_string(struct cr_json_writer *w, const char *key, const char *value)
{
        if (value)
                cr_json_field_string(w, key, value);
}

/* The toolchain's keys came from one JSON object: unique, in its order.
 * With `where`, also the fields only a listing has: the reference and the
 * rootfs path, which image.json leaves out (a store can move). */
static void write_record(struct cr_json_writer *w, const struct cr_image_info *info, bool where)
{
        cr_json_object_begin(w);
        cr_json_field_int(w, "format", RECORD_FORMAT);
        add_string(w, "name", info->name);
        add_string(w, "version", info->version);
        if (where) {
                add_string(w, "ref", info->ref);
                add_string(w, "rootfs", info->rootfs);
        }
        add_string(w, "sha256", info->sha256);
        add_string(w, "tree_digest", info->tree_digest);
        cr_json_field_uint(w, "size_bytes", info->size_bytes);
        cr_json_field_uint(w, "unpacked_bytes", info->unpacked_bytes);
        cr_json_field_uint(w, "entries", info->entries);
        add_string(w, "import_date", info->import_date);
        add_string(w, "build_date", info->build_date);
        add_string(w, "recipe_hash", info->recipe_hash);
        add_string(w, "suite", info->suite);
        add_string(w, "source", info->source);
        cr_json_key(w, "toolchain");
        cr_json_object_begin(w);
        for (size_t i = 0; i < info->n_toolchain; i++)
                add_string(w, info->toolchain[i].key, info->toolchain[i].value);
        cr_json_object_end(w);
        cr_json_object_end(w);
}

void cr_image_info_write_json(struct cr_json_writer *w, const struct cr_image_info *info)
{
        write_record(w, info, true);
}

int cr_image_record_format(const struct cr_image_info *info, char **ret, struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(MANIFEST_MAX_BYTES);
        struct cr_json_writer w;
        int r;

        cr_json_writer_init_ext(&w, &b, CR_JSON_PRETTY);
        write_record(&w, info, false);
        r = cr_json_writer_finish(&w);
        if (r >= 0)
                r = cr_buf_append(&b, "\n", 1);
        if (r < 0)
                return cr_error_make(err, -r, CR_ERROR_INTERNAL, "image.json: %s",
                                     r == -ENOSPC ? "larger than the manifest limit" : "cannot write");
        *ret = cr_buf_steal(&b);
        return 0;
}

static int record_fields(const struct cr_json *o, struct cr_image_info *i, struct cr_error **err)
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
        _cleanup_(cr_json_freep) struct cr_json *o = NULL;
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
