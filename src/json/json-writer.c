/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

void cr_json_writer_init_ext(struct cr_json_writer *w, struct cr_buf *buf, unsigned flags)
{
        *w = (struct cr_json_writer){.buf = buf, .flags = flags};
        w->first[0] = true;
}

void cr_json_writer_init(struct cr_json_writer *w, struct cr_buf *buf)
{
        cr_json_writer_init_ext(w, buf, 0);
}

int cr_json_writer_finish(struct cr_json_writer *w)
{
        if (w->error == 0 && (w->depth != 0 || w->have_key))
                w->error = -EINVAL;
        return w->error;
}

static void fail(struct cr_json_writer *w, int r)
{
        if (r < 0 && w->error == 0)
                w->error = r;
}

static void put(struct cr_json_writer *w, const char *s, size_t n)
{
        if (w->error == 0)
                fail(w, cr_buf_append(w->buf, s, n));
}

static void indent(struct cr_json_writer *w, unsigned depth)
{
        static const char spaces[] = "                                ";

        for (unsigned i = 0; i < depth; i++)
                put(w, spaces, 2);
}

/* Inside a container, before a member or an element: the comma after the
 * previous one and, when pretty, the line break and indentation. */
static void separate(struct cr_json_writer *w)
{
        bool pretty = w->flags & CR_JSON_PRETTY;

        if (!w->first[w->depth])
                put(w, pretty ? ",\n" : ",", pretty ? 2 : 1);
        w->first[w->depth] = false;
        if (pretty)
                indent(w, w->depth);
}

/* Before any value: the separating comma, and inside an object the check
 * that a key came first. */
static bool value_prefix(struct cr_json_writer *w)
{
        if (w->error != 0)
                return false;
        if (w->in_object[w->depth]) {
                if (!w->have_key) {
                        fail(w, -EINVAL);
                        return false;
                }
                w->have_key = false;
                return true;
        }
        if (w->depth == 0 && !w->first[0]) {
                fail(w, -EINVAL); /* one document, one value */
                return false;
        }
        if (w->depth == 0)
                w->first[0] = false;
        else
                separate(w);
        return w->error == 0;
}

static void open_container(struct cr_json_writer *w, bool object)
{
        if (!value_prefix(w))
                return;
        if (w->depth + 1 >= CR_JSON_MAX_DEPTH) {
                fail(w, -E2BIG);
                return;
        }
        put(w, object ? "{" : "[", 1);
        if (w->flags & CR_JSON_PRETTY)
                put(w, "\n", 1);
        w->depth++;
        w->in_object[w->depth] = object;
        w->first[w->depth] = true;
}

static void close_container(struct cr_json_writer *w, bool object)
{
        if (w->error != 0)
                return;
        if (w->depth == 0 || w->in_object[w->depth] != object || w->have_key) {
                fail(w, -EINVAL);
                return;
        }
        w->depth--;
        if (w->flags & CR_JSON_PRETTY) {
                if (!w->first[w->depth + 1])
                        put(w, "\n", 1);
                indent(w, w->depth);
        }
        put(w, object ? "}" : "]", 1);
}

void cr_json_object_begin(struct cr_json_writer *w)
{
        open_container(w, true);
}

void cr_json_object_end(struct cr_json_writer *w)
{
        close_container(w, true);
}

void cr_json_array_begin(struct cr_json_writer *w)
{
        open_container(w, false);
}

void cr_json_array_end(struct cr_json_writer *w)
{
        close_container(w, false);
}

void cr_json_key(struct cr_json_writer *w, const char *key)
{
        if (w->error != 0)
                return;
        if (!w->in_object[w->depth] || w->have_key || !key) {
                fail(w, -EINVAL);
                return;
        }
        separate(w);
        if (w->error == 0)
                fail(w, cr_buf_append_json_string(w->buf, key, strlen(key)));
        put(w, w->flags & CR_JSON_SPACED ? ": " : ":", w->flags & CR_JSON_SPACED ? 2 : 1);
        w->have_key = true;
}

void cr_json_string_n(struct cr_json_writer *w, const char *s, size_t n)
{
        if (value_prefix(w))
                fail(w, cr_buf_append_json_string(w->buf, s ? s : "", s ? n : 0));
}

void cr_json_string(struct cr_json_writer *w, const char *s)
{
        cr_json_string_n(w, s, s ? strlen(s) : 0);
}

void cr_json_int(struct cr_json_writer *w, int64_t v)
{
        if (value_prefix(w))
                fail(w, cr_buf_printf(w->buf, "%" PRId64, v));
}

void cr_json_uint(struct cr_json_writer *w, uint64_t v)
{
        if (value_prefix(w))
                fail(w, cr_buf_printf(w->buf, "%" PRIu64, v));
}

void cr_json_double(struct cr_json_writer *w, double v)
{
        char text[40];

        if (!isfinite(v)) {
                fail(w, -EINVAL);
                return;
        }
        /* the shortest precision that reads back exactly */
        for (int precision = 1; precision <= 17; precision++) {
                snprintf(text, sizeof(text), "%.*g", precision, v);
                if (strtod(text, NULL) == v)
                        break;
        }
        if (value_prefix(w))
                put(w, text, strlen(text));
}

void cr_json_bool(struct cr_json_writer *w, bool v)
{
        if (value_prefix(w))
                put(w, v ? "true" : "false", v ? 4 : 5);
}

void cr_json_null(struct cr_json_writer *w)
{
        if (value_prefix(w))
                put(w, "null", 4);
}

void cr_json_raw(struct cr_json_writer *w, const char *json, size_t n)
{
        if (value_prefix(w))
                put(w, json, n);
}

void cr_json_field_string(struct cr_json_writer *w, const char *key, const char *s)
{
        cr_json_key(w, key);
        cr_json_string(w, s);
}

void cr_json_field_int(struct cr_json_writer *w, const char *key, int64_t v)
{
        cr_json_key(w, key);
        cr_json_int(w, v);
}

void cr_json_field_uint(struct cr_json_writer *w, const char *key, uint64_t v)
{
        cr_json_key(w, key);
        cr_json_uint(w, v);
}

void cr_json_field_double(struct cr_json_writer *w, const char *key, double v)
{
        cr_json_key(w, key);
        cr_json_double(w, v);
}

void cr_json_field_bool(struct cr_json_writer *w, const char *key, bool v)
{
        cr_json_key(w, key);
        cr_json_bool(w, v);
}

void cr_json_format_time(uint64_t us, char buf[static 40])
{
        time_t t = (time_t)(us / 1000000u);
        unsigned frac = (unsigned)(us % 1000000u), digits = 6;
        struct tm tm;
        size_t n;

        gmtime_r(&t, &tm);
        n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        while (frac && frac % 10 == 0)
                frac /= 10, digits--;
        if (frac)
                snprintf(buf + n, 40 - n, ".%0*uZ", (int)digits, frac);
        else
                snprintf(buf + n, 40 - n, "Z");
}
