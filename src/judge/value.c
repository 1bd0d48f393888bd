/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/value.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

/* The literal syntax of value.h: a recursive-descent parser over a bounded
 * text (depth at most CR_VALUE_DEPTH_MAX), the canonical printer, and the
 * comparison of an expected value with a harness's result. */

/* Printed values come from inputs (64 KiB) or captured output (a few MiB);
 * escaping at most sextuples them. */
#define VALUE_TEXT_MAX (64U << 20)

void cr_value_done(struct cr_value *v)
{
        if (!v)
                return;
        for (size_t k = 0; k < v->n; k++)
                cr_value_done(&v->items[k]);
        free(v->items);
        free(v->s);
        *v = (struct cr_value) {};
}

/* ================================================================ parsing */

struct parser {
        const char *s;
        size_t len;
        size_t i;
        unsigned depth;
        bool non_finite;        /* a harness's result: NaN, Infinity, -Infinity are floats */
        struct cr_error **err;
};

/* fmt is always one of this file's literals. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        return cr_error_make(p->err, EINVAL, CR_ERROR_INVALID, "position %zu: %s", pos + 1,
                             msg ? msg : "invalid value");
}
#pragma GCC diagnostic pop

static bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_ws(struct parser *p)
{
        while (p->i < p->len && is_ws(p->s[p->i]))
                p->i++;
}

static int parse_value(struct parser *p, struct cr_value *v);

static int hex4(const char *s, size_t n, unsigned *ret)
{
        unsigned v = 0;

        if (n < 4)
                return -EINVAL;
        for (size_t k = 0; k < 4; k++) {
                char c = s[k];
                int d = c >= '0' && c <= '9' ? c - '0' :
                        c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0)
                        return -EINVAL;
                v = v * 16 + (unsigned) d;
        }
        *ret = v;
        return 0;
}

/* The decoded text never outgrows the text it came from. */
static int buf_fail(struct parser *p, int r)
{
        return r < 0 ? cr_error_set(p->err, -r, CR_ERROR_INTERNAL, "decoding a string") : r;
}

static int put_utf8(struct cr_buf *b, unsigned cp)
{
        char u[4];
        size_t n;

        if (cp < 0x80) {
                u[0] = (char) cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char) (0xc0 | (cp >> 6));
                u[1] = (char) (0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char) (0xe0 | (cp >> 12));
                u[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                u[2] = (char) (0x80 | (cp & 0x3f));
                n = 3;
        } else {
                u[0] = (char) (0xf0 | (cp >> 18));
                u[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
                u[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
                u[3] = (char) (0x80 | (cp & 0x3f));
                n = 4;
        }
        return cr_buf_append(b, u, n);
}

/* \uXXXX at p->i (on the 'u'), with a following low surrogate when the
 * first is a high one. */
static int parse_unicode(struct parser *p, struct cr_buf *out)
{
        size_t at = p->i - 1;
        unsigned cp, lo;

        if (hex4(p->s + p->i + 1, p->len - p->i - 1, &cp) < 0)
                return fail(p, at, "\\u needs four hex digits");
        p->i += 5;
        if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(p, at, "lone low surrogate \\u%04X", cp);
        if (cp >= 0xd800 && cp <= 0xdbff) {
                if (p->len - p->i < 6 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u' ||
                    hex4(p->s + p->i + 2, p->len - p->i - 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                        return fail(p, at, "high surrogate \\u%04X without a low one after it", cp);
                p->i += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        return buf_fail(p, put_utf8(out, cp));
}

static int parse_escape(struct parser *p, struct cr_buf *out)
{
        static const char from[] = "\"\\/bfnrt'", to[] = "\"\\/\b\f\n\r\t'";
        const char *e;
        char c;

        if (p->i + 1 >= p->len)
                return fail(p, p->i, "unterminated escape");
        c = p->s[++p->i];
        if (c == 'u')
                return parse_unicode(p, out);
        e = memchr(from, c, sizeof(from) - 1);
        if (!e || c == 0)
                return fail(p, p->i - 1, "unknown escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
        p->i++;
        return buf_fail(p, cr_buf_append(out, &to[e - from], 1));
}

/* "..." or '...' at p->i. Raw bytes (newlines included) are taken as they
 * are; only the closing quote and backslash are special. */
static int parse_string(struct parser *p, struct cr_value *v)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(p->len + 1);
        size_t start = p->i;
        char q = p->s[p->i++];
        bool closed = false;
        int r = 0;

        while (!closed && p->i < p->len) {
                size_t k = p->i;
                while (k < p->len && p->s[k] != q && p->s[k] != '\\')
                        k++;
                r = buf_fail(p, cr_buf_append(&b, p->s + p->i, k - p->i));
                p->i = k;
                if (r >= 0 && k < p->len && p->s[k] == q) {
                        p->i++;
                        closed = true;
                } else if (r >= 0 && k < p->len)
                        r = parse_escape(p, &b);
                if (r < 0)
                        return r;
        }
        if (!closed)
                return fail(p, start, "unterminated string (no closing %c)", q);
        *v = (struct cr_value) {.kind = CR_VALUE_STRING, .quoted = true, .pos = start, .src_len = p->i - start};
        v->len = b.len;
        v->s = b.data ? cr_buf_steal(&b) : xstrdup("");
        return 0;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* [+-]? (D+ (.D*)? | .D+) ([eE][+-]?D+)? over all of t[0..n); *ret_int
 * when it has neither a point nor an exponent. */
static bool is_number(const char *t, size_t n, bool *ret_int)
{
        size_t i = n > 0 && (t[0] == '+' || t[0] == '-'), d0, d1 = 0;
        bool point = false, exp = false;

        d0 = i;
        while (i < n && is_digit(t[i]))
                i++;
        d0 = i - d0;
        if (i < n && t[i] == '.') {
                size_t f = ++i;
                point = true;
                while (i < n && is_digit(t[i]))
                        i++;
                d1 = i - f;
        }
        if (d0 + d1 == 0)
                return false;
        if (i < n && (t[i] == 'e' || t[i] == 'E')) {
                size_t x;
                i++;
                if (i < n && (t[i] == '+' || t[i] == '-'))
                        i++;
                x = i;
                while (i < n && is_digit(t[i]))
                        i++;
                if (i == x)
                        return false;
                exp = true;
        }
        *ret_int = !point && !exp;
        return i == n;
}

static int make_int(struct parser *p, const char *t, size_t n, struct cr_value *v)
{
        bool neg = t[0] == '-';
        uint64_t mag = 0;

        for (size_t i = t[0] == '+' || t[0] == '-'; i < n; i++) {
                uint64_t d = (uint64_t) (t[i] - '0');
                if (mag > (UINT64_MAX - d) / 10)
                        return fail(p, v->pos, "integer %.*s does not fit in 64 bits", (int) MIN(n, (size_t) 40), t);
                mag = mag * 10 + d;
        }
        if (neg && mag > (uint64_t) INT64_MAX + 1)
                return fail(p, v->pos, "integer %.*s is below -2^63", (int) MIN(n, (size_t) 40), t);
        v->kind = CR_VALUE_INT;
        v->neg = neg && mag > 0;
        v->mag = mag;
        v->f = v->neg ? -(double) mag : (double) mag;
        return 0;
}

static int make_float(struct parser *p, const char *t, size_t n, struct cr_value *v)
{
        _cleanup_free_ char *c = xstrndup(t, n);
        char *end = NULL;
        double f;

        errno = 0;
        f = strtod(c, &end);
        if (!end || *end || isinf(f))
                return fail(p, v->pos, "number %.*s is out of range", (int) MIN(n, (size_t) 40), t);
        v->kind = CR_VALUE_FLOAT;
        v->f = f;
        return 0;
}

static bool is_word(const char *t, size_t n, const char *word)
{
        return n == strlen(word) && memcmp(t, word, n) == 0;
}

/* A bare word: text up to the next ',' or ']' (or '[', which is refused),
 * trailing whitespace trimmed; then a keyword, a number or a string. */
static int parse_bare(struct parser *p, struct cr_value *v)
{
        size_t start = p->i, end;
        const char *t = p->s + start;
        bool is_int;
        size_t n;

        while (p->i < p->len && p->s[p->i] != ',' && p->s[p->i] != ']' && p->s[p->i] != '[')
                p->i++;
        if (p->i < p->len && p->s[p->i] == '[')
                return fail(p, p->i, "'[' inside the bare word starting at position %zu (quote strings that hold "
                                     "brackets)",
                            start + 1);
        for (end = p->i; end > start && is_ws(p->s[end - 1]); end--)
                ;
        n = end - start;
        *v = (struct cr_value) {.kind = CR_VALUE_STRING, .pos = start, .src_len = n};
        v->s = xstrndup(t, n);
        v->len = n;
        if ((n == 4 && memcmp(t, "true", 4) == 0) || (n == 5 && memcmp(t, "false", 5) == 0)) {
                v->kind = CR_VALUE_BOOL;
                v->b = t[0] == 't';
        } else if (n == 4 && memcmp(t, "null", 4) == 0)
                v->kind = CR_VALUE_NULL;
        else if (is_number(t, n, &is_int))
                return is_int ? make_int(p, t, n, v) : make_float(p, t, n, v);
        else if (p->non_finite && (is_word(t, n, "NaN") || is_word(t, n, "Infinity") || is_word(t, n, "-Infinity"))) {
                v->kind = CR_VALUE_FLOAT;
                v->f = t[0] == 'N' ? NAN : t[0] == '-' ? -INFINITY : INFINITY;
        }
        return 0;
}

static int push_item(struct cr_value *a, size_t *cap, struct cr_value *item)
{
        if (a->n == *cap) {
                *cap = *cap ? *cap * 2 : 4;
                a->items = xrealloc(a->items, *cap * sizeof(*a->items));
        }
        a->items[a->n++] = *item;
        return 0;
}

/* What follows a value inside [...] or at the top level: ',' then another
 * value, or the end. */
static int parse_list(struct parser *p, struct cr_value *a, char close, size_t open_pos)
{
        size_t cap = 0;

        skip_ws(p);
        if (close && p->i < p->len && p->s[p->i] == close) {
                p->i++;
                return 0;
        }
        if (!close && p->i >= p->len)
                return 0;
        for (;;) {
                struct cr_value item = {};
                int r = parse_value(p, &item);
                if (r < 0) {
                        cr_value_done(&item); /* a nested array may hold items already */
                        return r;
                }
                push_item(a, &cap, &item);
                skip_ws(p);
                if (p->i >= p->len)
                        return close ? fail(p, open_pos, "unterminated array (no ']')") : 0;
                if (p->s[p->i] == ',') {
                        p->i++;
                        continue;
                }
                if (close && p->s[p->i] == close) {
                        p->i++;
                        return 0;
                }
                return fail(p, p->i, close ? "expected ',' or ']' after a value, not '%c'" :
                                             "expected ',' between values, not '%c'",
                            p->s[p->i]);
        }
}

static int parse_array(struct parser *p, struct cr_value *v)
{
        size_t start = p->i;
        int r;

        if (p->depth >= CR_VALUE_DEPTH_MAX)
                return fail(p, start, "arrays nested deeper than %u", CR_VALUE_DEPTH_MAX);
        *v = (struct cr_value) {.kind = CR_VALUE_ARRAY, .pos = start};
        p->i++;
        p->depth++;
        r = parse_list(p, v, ']', start);
        p->depth--;
        v->src_len = p->i - start;
        return r;
}

static int parse_value(struct parser *p, struct cr_value *v)
{
        char c;

        skip_ws(p);
        if (p->i >= p->len)
                return fail(p, p->i, "expected a value, found the end");
        c = p->s[p->i];
        if (c == ',' || c == ']')
                return fail(p, p->i, "expected a value before '%c'", c);
        if (c == '[')
                return parse_array(p, v);
        if (c == '"' || c == '\'')
                return parse_string(p, v);
        return parse_bare(p, v);
}

static int parse_top(const char *s, size_t len, bool non_finite, struct cr_value *ret, struct cr_error **err)
{
        struct parser p = {.s = s ? s : "", .len = s ? len : 0, .non_finite = non_finite, .err = err};
        struct cr_value a = {.kind = CR_VALUE_ARRAY};
        int r;

        if (memchr(p.s, 0, p.len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "position %zu: NUL byte",
                                     (size_t) ((const char *) memchr(p.s, 0, p.len) - p.s) + 1);
        r = parse_list(&p, &a, 0, 0);
        if (r < 0) {
                cr_value_done(&a);
                return r;
        }
        a.src_len = p.len;
        *ret = a;
        return 0;
}

int cr_value_parse_args(const char *s, size_t len, struct cr_value *ret, struct cr_error **err)
{
        return parse_top(s, len, false, ret, err);
}

static int parse_one(const char *s, size_t len, bool non_finite, struct cr_value *ret, struct cr_error **err)
{
        struct cr_value a;
        int r = parse_top(s, len, non_finite, &a, err);

        if (r < 0)
                return r;
        if (a.n != 1) {
                size_t pos = a.n ? a.items[1].pos : 0;
                bool more = a.n > 1;
                cr_value_done(&a);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     more ? "position %zu: one value expected, found more (quote strings that "
                                            "hold commas)" :
                                            "position %zu: one value expected, found none",
                                     pos + 1);
        }
        *ret = a.items[0];
        free(a.items);
        return 0;
}

int cr_value_parse_one(const char *s, size_t len, struct cr_value *ret, struct cr_error **err)
{
        return parse_one(s, len, false, ret, err);
}

int cr_value_parse_result(const char *s, size_t len, struct cr_value *ret, struct cr_error **err)
{
        return parse_one(s, len, true, ret, err);
}

/* ================================================================ printing */

/* How the harnesses write a float that is not finite (and JSON5 too). */
static const char *non_finite_word(double f)
{
        return isnan(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity";
}

static int format_float(double f, struct cr_buf *out)
{
        int prec = 1, exp10 = f != 0 && isfinite(f) ? (int) floor(log10(fabs(f))) : 0;
        char b[40];

        if (!isfinite(f))
                return cr_buf_append(out, non_finite_word(f), strlen(non_finite_word(f)));

        for (; prec < 17; prec++) {
                snprintf(b, sizeof(b), "%.*g", prec, f);
                if (strtod(b, NULL) == f)
                        break;
        }
        /* 1000.0 rather than 1e+03: enough digits that %g stays positional */
        if (exp10 >= 0 && exp10 < 17 && prec <= exp10)
                prec = exp10 + 1;
        snprintf(b, sizeof(b), "%.*g", prec, f);
        /* it must read back as a float: 5 is an integer, 5.0 is not */
        if (!strpbrk(b, ".eEn"))
                return cr_buf_printf(out, "%s.0", b);
        return cr_buf_append(out, b, strlen(b));
}

static int format_string(const char *s, size_t n, struct cr_buf *out)
{
        int r = cr_buf_append(out, "\"", 1);

        for (size_t k = 0; r >= 0 && k < n; k++) {
                unsigned char c = (unsigned char) s[k];
                if (c == '"' || c == '\\')
                        r = cr_buf_printf(out, "\\%c", c);
                else if (c == '\n')
                        r = cr_buf_append(out, "\\n", 2);
                else if (c == '\t')
                        r = cr_buf_append(out, "\\t", 2);
                else if (c < 0x20 || c == 0x7f)
                        r = cr_buf_printf(out, "\\u%04x", c);
                else
                        r = cr_buf_append(out, s + k, 1);
        }
        return r < 0 ? r : cr_buf_append(out, "\"", 1);
}

static int format_value(const struct cr_value *v, struct cr_buf *out)
{
        int r = 0;

        switch (v->kind) {
        case CR_VALUE_NULL:
                return cr_buf_append(out, "null", 4);
        case CR_VALUE_BOOL:
                return cr_buf_append(out, v->b ? "true" : "false", v->b ? 4 : 5);
        case CR_VALUE_INT:
                return cr_buf_printf(out, "%s%llu", v->neg ? "-" : "", (unsigned long long) v->mag);
        case CR_VALUE_FLOAT:
                return format_float(v->f, out);
        case CR_VALUE_STRING:
                return format_string(v->s ? v->s : "", v->len, out);
        case CR_VALUE_ARRAY:
                r = cr_buf_append(out, "[", 1);
                for (size_t k = 0; r >= 0 && k < v->n; k++) {
                        if (k > 0)
                                r = cr_buf_append(out, ",", 1);
                        if (r >= 0)
                                r = format_value(&v->items[k], out);
                }
                return r < 0 ? r : cr_buf_append(out, "]", 1);
        default:
                return -EINVAL;
        }
}

int cr_value_format(const struct cr_value *v, struct cr_buf *out, size_t max)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(VALUE_TEXT_MAX);
        size_t n;
        int r;

        r = format_value(v, &b);
        if (r < 0)
                return r;
        if (max == 0 || b.len <= max)
                return cr_buf_append(out, b.data, b.len);
        /* cut at a UTF-8 character boundary */
        for (n = max; n > 0 && ((unsigned char) b.data[n] & 0xc0) == 0x80; n--)
                ;
        r = cr_buf_append(out, b.data, n);
        return r < 0 ? r : cr_buf_append(out, "...", 3);
}

/* ================================================================ comparing */

static const char *kind_name(const struct cr_value *v)
{
        static const char *const names[_CR_VALUE_KIND_MAX] = {
                [CR_VALUE_NULL] = "null",     [CR_VALUE_BOOL] = "a boolean", [CR_VALUE_INT] = "an integer",
                [CR_VALUE_FLOAT] = "a float", [CR_VALUE_STRING] = "a string", [CR_VALUE_ARRAY] = "an array",
        };

        return names[v->kind];
}

static bool is_numeric(const struct cr_value *v)
{
        return v->kind == CR_VALUE_INT || v->kind == CR_VALUE_FLOAT;
}

static bool numbers_match(const struct cr_value *e, const struct cr_value *a, double tol)
{
        if (e->kind == CR_VALUE_INT && a->kind == CR_VALUE_INT)
                return e->neg == a->neg && e->mag == a->mag;
        if (!isfinite(e->f) || !isfinite(a->f)) /* only a result is: NaN matches NaN, as its text does */
                return isnan(e->f) ? isnan(a->f) : e->f == a->f;
        return fabs(a->f - e->f) <= tol * fmax(1.0, fabs(e->f));
}

/* A scalar written without quotes is also its own text. */
static bool text_matches(const struct cr_value *e, const struct cr_value *a)
{
        const char *t = a->s;
        size_t n = a->len;

        if (a->kind == CR_VALUE_FLOAT && !isfinite(a->f)) { /* expected_output NaN: a bare word */
                t = non_finite_word(a->f);
                n = strlen(t);
        } else if (a->kind != CR_VALUE_STRING)
                return false;
        if (e->kind == CR_VALUE_ARRAY || (e->kind == CR_VALUE_STRING && e->quoted))
                return false;
        return e->s && n == e->len && memcmp(t, e->s, e->len) == 0;
}

static bool scalars_match(const struct cr_value *e, const struct cr_value *a, double tol)
{
        if (text_matches(e, a))
                return true;
        if (is_numeric(e) && is_numeric(a))
                return numbers_match(e, a, tol);
        if (e->kind != a->kind)
                return false;
        switch (e->kind) {
        case CR_VALUE_NULL:
                return true;
        case CR_VALUE_BOOL:
                return e->b == a->b;
        case CR_VALUE_STRING:
                return e->len == a->len && memcmp(e->s, a->s, e->len) == 0;
        default:
                return false;
        }
}

static char *short_form(const struct cr_value *v)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(VALUE_TEXT_MAX);

        if (cr_value_format(v, &b, 64) < 0 || !b.data)
                return xstrdup("?");
        return cr_buf_steal(&b);
}

static char *difference(const struct cr_buf *path, const struct cr_value *e, const struct cr_value *a)
{
        _cleanup_free_ char *es = short_form(e), *as = short_form(a);
        const char *where = path->len ? path->data : "";
        const char *sep = path->len ? ": " : "";

        if (e->kind == CR_VALUE_ARRAY && a->kind == CR_VALUE_ARRAY)
                return xasprintf("%s%s%sexpected %zu element%s, got %zu", path->len ? "element " : "", where, sep,
                                 e->n, e->n == 1 ? "" : "s", a->n);
        if (e->kind != a->kind && !(is_numeric(e) && is_numeric(a)) &&
            (e->kind == CR_VALUE_ARRAY || a->kind == CR_VALUE_ARRAY))
                return xasprintf("%s%s%sexpected %s %s, got %s %s", path->len ? "element " : "", where, sep,
                                 kind_name(e), es, kind_name(a), as);
        return xasprintf("%s%s%sexpected %s, got %s", path->len ? "element " : "", where, sep, es, as);
}

static bool match_at(const struct cr_value *e, const struct cr_value *a, double tol, struct cr_buf *path,
                     char **ret_why)
{
        size_t mark = path->len;

        if (e->kind != CR_VALUE_ARRAY || a->kind != CR_VALUE_ARRAY) {
                if (scalars_match(e, a, tol))
                        return true;
        } else if (e->n == a->n) {
                for (size_t k = 0; k < e->n; k++) {
                        bool ok;
                        (void) cr_buf_printf(path, "[%zu]", k);
                        ok = match_at(&e->items[k], &a->items[k], tol, path, ret_why);
                        path->len = mark;
                        if (path->data)
                                path->data[mark] = 0;
                        if (!ok)
                                return false;
                }
                return true;
        }
        if (ret_why)
                *ret_why = difference(path, e, a);
        return false;
}

bool cr_value_matches(const struct cr_value *expected, const struct cr_value *actual, double tolerance,
                      char **ret_why)
{
        _cleanup_buf_ struct cr_buf path = CR_BUF_INIT(CR_VALUE_DEPTH_MAX * 24);

        if (!(tolerance > 0))
                tolerance = CR_VALUE_DEFAULT_TOLERANCE;
        if (ret_why)
                *ret_why = NULL;
        return match_at(expected, actual, tolerance, &path, ret_why);
}
