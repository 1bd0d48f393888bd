/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "json.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"

/* The reader: json-c's tokener and tree behind typed getters. The only
 * includer of json-c's header (scripts/syntax-check.sh enforces it); a
 * struct cr_json is a json_object, never seen as one outside this file. */

DEFINE_CLEANUP_FUNC(json_tokener *, json_tokener_free)

static json_object *J(const struct cr_json *v)
{
        return (json_object *)v;
}

static const struct cr_json *V(const json_object *o)
{
        return (const struct cr_json *)o;
}

static const char *tokener_error(json_tokener *tok, json_object *root)
{
        enum json_tokener_error e = json_tokener_get_error(tok);

        if (root && e == json_tokener_success)
                return NULL;
        if (e == json_tokener_continue || e == json_tokener_success)
                return "unexpected end of input";
        return json_tokener_error_desc(e);
}

struct cr_json *cr_json_parse_prefix(const char *text, size_t len, unsigned max_depth, unsigned flags,
                                     size_t *ret_end, const char **ret_error)
{
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        json_object *root;

        *ret_end = 0;
        if (len > INT_MAX || max_depth == 0 || max_depth > INT_MAX) {
                *ret_error = "input too large";
                return NULL;
        }
        tok = json_tokener_new_ex((int)max_depth);
        if (!tok) {
                *ret_error = "out of memory";
                return NULL;
        }
        /* JSON text is UTF-8 (RFC 8259, 8.1). Checked on the way in, so what
         * was read is what the writer writes back: it turns invalid bytes
         * into U+FFFD, three bytes each, and a record read with them grew
         * past its own limits when written again (found by fuzz-image-manifest). */
        json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8 | (flags & CR_JSON_STRICT ? JSON_TOKENER_STRICT : 0));
        root = json_tokener_parse_ex(tok, text, (int)len);
        *ret_end = json_tokener_get_parse_end(tok);
        *ret_error = tokener_error(tok, root);
        if (*ret_error) {
                json_object_put(root);
                return NULL;
        }
        return (struct cr_json *)root;
}

int cr_json_parse(const char *text, size_t len, size_t max_bytes, unsigned max_depth, struct cr_json **ret,
                  struct cr_error **err)
{
        const char *why;
        struct cr_json *root;
        size_t end;

        if (len > max_bytes)
                return cr_error_make(err, EFBIG, CR_ERROR_LIMIT, "larger than %zu bytes", max_bytes);
        if (memchr(text, 0, len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "contains a NUL byte");
        root = cr_json_parse_prefix(text, len, max_depth, 0, &end, &why);
        if (!root)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid JSON: %s", why);
        if (end < len && strspn(text + end, " \t\r\n") != len - end) {
                cr_json_free(root);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "trailing data after the JSON value");
        }
        *ret = root;
        return 0;
}

struct cr_json *cr_json_free(struct cr_json *root)
{
        json_object_put(J(root));
        return NULL;
}

void cr_json_freep(struct cr_json **root)
{
        *root = cr_json_free(*root);
}

enum cr_json_type cr_json_type(const struct cr_json *v)
{
        if (!v)
                return CR_JSON_NULL;
        switch (json_object_get_type(J(v))) {
        case json_type_boolean:
                return CR_JSON_BOOL;
        case json_type_int:
                return CR_JSON_INT;
        case json_type_double:
                return CR_JSON_DOUBLE;
        case json_type_string:
                return CR_JSON_STRING;
        case json_type_array:
                return CR_JSON_ARRAY;
        case json_type_object:
                return CR_JSON_OBJECT;
        case json_type_null:
        default:
                return CR_JSON_NULL;
        }
}

const char *cr_json_type_name(enum cr_json_type t)
{
        static const char *const names[] = {
                [CR_JSON_NULL] = "null",       [CR_JSON_BOOL] = "a boolean",
                [CR_JSON_INT] = "an integer",  [CR_JSON_DOUBLE] = "a number", [CR_JSON_STRING] = "a string",
                [CR_JSON_ARRAY] = "an array", [CR_JSON_OBJECT] = "an object",
        };

        return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

const struct cr_json *cr_json_member(const struct cr_json *obj, const char *key)
{
        json_object *v = NULL;

        if (cr_json_type(obj) != CR_JSON_OBJECT || !json_object_object_get_ex(J(obj), key, &v))
                return NULL;
        return V(v);
}

bool cr_json_has_member(const struct cr_json *obj, const char *key)
{
        return cr_json_type(obj) == CR_JSON_OBJECT && json_object_object_get_ex(J(obj), key, NULL);
}

size_t cr_json_object_len(const struct cr_json *obj)
{
        return cr_json_type(obj) == CR_JSON_OBJECT ? (size_t)json_object_object_length(J(obj)) : 0;
}

size_t cr_json_array_len(const struct cr_json *arr)
{
        return cr_json_type(arr) == CR_JSON_ARRAY ? json_object_array_length(J(arr)) : 0;
}

const struct cr_json *cr_json_array_at(const struct cr_json *arr, size_t i)
{
        if (i >= cr_json_array_len(arr))
                return NULL;
        return V(json_object_array_get_idx(J(arr), i));
}

bool cr_json_object_next(const struct cr_json *obj, struct cr_json_iter *it, const char **ret_key,
                         const struct cr_json **ret_value)
{
        const struct lh_entry *e;

        if (cr_json_type(obj) != CR_JSON_OBJECT || (it->started && !it->entry))
                return false;
        e = it->started ? ((const struct lh_entry *)it->entry)->next : json_object_get_object(J(obj))->head;
        it->started = true;
        it->entry = e;
        if (!e)
                return false;
        *ret_key = (const char *)e->k;
        *ret_value = V((const json_object *)e->v);
        return true;
}

const char *cr_json_as_string(const struct cr_json *v, size_t *ret_len)
{
        if (cr_json_type(v) != CR_JSON_STRING)
                return NULL;
        if (ret_len)
                *ret_len = (size_t)json_object_get_string_len(J(v));
        return json_object_get_string(J(v));
}

const char *cr_json_as_string_clean(const struct cr_json *v, size_t max)
{
        size_t n;
        const char *s = cr_json_as_string(v, &n);

        /* well-formed UTF-8 as the writer judges it, so a string read here is
         * written back byte for byte (json-c's own check lets overlong and
         * out-of-range sequences through) */
        if (!s || strlen(s) != n || n > max || !cr_utf8_valid(s, n))
                return NULL;
        return s;
}

int cr_json_as_int64(const struct cr_json *v, int64_t *ret)
{
        if (cr_json_type(v) != CR_JSON_INT)
                return -EINVAL;
        /* json-c keeps numbers above INT64_MAX as uint64: out of range here */
        if (json_object_get_int64(J(v)) == INT64_MAX && json_object_get_uint64(J(v)) != (uint64_t)INT64_MAX)
                return -ERANGE;
        *ret = json_object_get_int64(J(v));
        return 0;
}

int cr_json_as_uint64(const struct cr_json *v, uint64_t *ret)
{
        if (cr_json_type(v) != CR_JSON_INT || json_object_get_int64(J(v)) < 0)
                return -EINVAL;
        *ret = json_object_get_uint64(J(v));
        return 0;
}

int cr_json_as_bool(const struct cr_json *v, bool *ret)
{
        if (cr_json_type(v) != CR_JSON_BOOL)
                return -EINVAL;
        *ret = json_object_get_boolean(J(v));
        return 0;
}
