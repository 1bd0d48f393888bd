/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/cpp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "xalloc.h"

/* ================================================================ literals
 *
 * A test input is data. Each value becomes exactly one C++ literal: a number
 * only if it matches the number grammar below, true/false, or an escaped
 * string or char literal. Nothing from the input reaches the source any other
 * way, so no input can inject code. */

void cr_cpp_token_done(struct cr_cpp_token *t)
{
        free(t->val);
        t->val = NULL;
}

/* The text a string-typed target receives: decoded when it was quoted. */
const char *cr_cpp_token_text(const struct cr_cpp_token *t, size_t *ret_len)
{
        *ret_len = t->val ? t->val_len : t->raw_len;
        return t->val ? t->val : t->raw;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static size_t digits(const char *s, size_t n, size_t i)
{
        while (i < n && is_digit(s[i]))
                i++;
        return i;
}

/* [+-]?[0-9]+ */
static bool is_int_literal(const char *s, size_t n)
{
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-');

        return i < n && digits(s, n, i) == n;
}

/* [+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)? with a '.' or an exponent. */
static bool is_float_literal(const char *s, size_t n)
{
        size_t i = n > 0 && (s[0] == '+' || s[0] == '-'), k;
        bool point = false;

        k = digits(s, n, i);
        if (k < n && s[k] == '.') {
                size_t f = digits(s, n, k + 1);
                if (k == i && f == k + 1)
                        return false; /* "." alone */
                point = true;
                k = f;
        } else if (k == i)
                return false;
        if (k < n && (s[k] == 'e' || s[k] == 'E')) {
                size_t x = k + 1 + (k + 1 < n && (s[k + 1] == '+' || s[k + 1] == '-'));
                size_t d = digits(s, n, x);
                if (d == x)
                        return false;
                return d == n;
        }
        return point && k == n;
}

static int hex_value(char c)
{
        if (is_digit(c))
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes the inside of a quoted token written with C escapes. Fails when an
 * unescaped quote appears inside ("a" + "b" is not one literal). */
static int decode_quoted(const char *s, size_t n, char quote, char **ret, size_t *ret_len)
{
        static const char from[] = "ntr0abfv\\\"'?", to[] = "\n\t\r\0\a\b\f\v\\\"'?";
        _cleanup_free_ char *o = xmalloc(n + 1);
        size_t len = 0;

        for (size_t i = 0; i < n; i++) {
                const char *e;
                if (s[i] == quote)
                        return -EINVAL;
                if (s[i] != '\\' || i + 1 >= n) {
                        o[len++] = s[i];
                        continue;
                }
                i++;
                if (s[i] == 'x' && i + 1 < n && hex_value(s[i + 1]) >= 0) {
                        int v = hex_value(s[++i]);
                        if (i + 1 < n && hex_value(s[i + 1]) >= 0)
                                v = v * 16 + hex_value(s[++i]);
                        o[len++] = (char)v;
                } else if ((e = memchr(from, s[i], sizeof(from) - 1)))
                        o[len++] = to[e - from];
                else {
                        o[len++] = '\\';
                        o[len++] = s[i];
                }
        }
        o[len] = 0;
        *ret = TAKE_PTR(o);
        *ret_len = len;
        return 0;
}

/* The original's four rules (§6.3) with strict number syntax. */
void cr_cpp_classify_token(const char *s, size_t n, struct cr_cpp_token *ret)
{
        *ret = (struct cr_cpp_token){.kind = CR_CPP_TOK_STRING, .raw = s, .raw_len = n};
        if (is_int_literal(s, n))
                ret->kind = CR_CPP_TOK_INT;
        else if (is_float_literal(s, n))
                ret->kind = CR_CPP_TOK_FLOAT;
        else if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0))
                ret->kind = CR_CPP_TOK_BOOL;
        else if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0] &&
                 decode_quoted(s + 1, n - 2, s[0], &ret->val, &ret->val_len) >= 0)
                ret->kind = s[0] == '\'' && ret->val_len == 1 ? CR_CPP_TOK_CHAR : CR_CPP_TOK_STRING;
}

/* One byte of a string or char literal; octal escapes are always three
 * digits, so a following digit never joins them; '?' is escaped so no
 * trigraph can form. */
static int emit_char(struct cr_buf *b, unsigned char c, char quote)
{
        if (c == '\\' || c == (unsigned char)quote || c == '?')
                return cr_buf_printf(b, "\\%c", c);
        if (c == '\n')
                return cr_buf_append(b, "\\n", 2);
        if (c == '\t')
                return cr_buf_append(b, "\\t", 2);
        if (c < 0x20 || c >= 0x7f)
                return cr_buf_printf(b, "\\%03o", c);
        return cr_buf_append(b, &c, 1);
}

int cr_cpp_emit_quoted(struct cr_buf *b, const char *s, size_t n, char quote)
{
        int r = cr_buf_append(b, &quote, 1);

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = emit_char(b, (unsigned char)s[i], quote);
        return r < 0 ? r : cr_buf_append(b, &quote, 1);
}

/* Integers: no leading zeros (010 would be octal in C++), and values past
 * long long get a type that holds them. */
static int emit_int(struct cr_buf *b, const char *s, size_t n)
{
        bool neg = s[0] == '-';
        size_t i = s[0] == '-' || s[0] == '+', len;

        while (i + 1 < n && s[i] == '0')
                i++;
        len = n - i;
        if (len == 1 && s[i] == '0')
                neg = false;
        if (len < 19 || (len == 19 && memcmp(s + i, "9223372036854775807", 19) <= 0))
                return cr_buf_printf(b, "%s%.*s", neg ? "-" : "", (int)len, s + i);
        if (neg && len == 19 && memcmp(s + i, "9223372036854775808", 19) == 0)
                return cr_buf_append(b, "(-9223372036854775807LL - 1)", 28);
        if (!neg && (len < 20 || (len == 20 && memcmp(s + i, "18446744073709551615", 20) <= 0)))
                return cr_buf_printf(b, "%.*sULL", (int)len, s + i);
        return cr_buf_printf(b, "%s%.*s.0", neg ? "-" : "", (int)len, s + i);
}

/* One value for a target of the given kind: string targets take any token
 * as text, char targets any one-byte token; otherwise the token's own type. */
int cr_cpp_emit_value(struct cr_buf *b, const struct cr_cpp_token *t, enum cr_cpp_kind target)
{
        size_t n;
        const char *s = cr_cpp_token_text(t, &n);

        if (target == CR_CPP_KIND_STRING || target == CR_CPP_KIND_CHAR_PTR)
                return cr_cpp_emit_quoted(b, s, n, '"');
        if (target == CR_CPP_KIND_CHAR && n == 1)
                return cr_cpp_emit_quoted(b, s, 1, '\'');
        switch (t->kind) {
        case CR_CPP_TOK_INT:
                return emit_int(b, t->raw, t->raw_len);
        case CR_CPP_TOK_FLOAT:
                return cr_buf_append(b, t->raw + (t->raw[0] == '+'), t->raw_len - (t->raw[0] == '+'));
        case CR_CPP_TOK_BOOL:
                return cr_buf_append(b, t->raw, t->raw_len);
        case CR_CPP_TOK_CHAR:
                return cr_cpp_emit_quoted(b, s, n, '\'');
        default:
                return cr_cpp_emit_quoted(b, s, n, '"');
        }
}

/* ================================================================ splitting */

static bool in_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct cr_cpp_span cr_cpp_trim(const char *s, struct cr_cpp_span sp)
{
        while (sp.b < sp.e && in_space(s[sp.b]))
                sp.b++;
        while (sp.e > sp.b && in_space(s[sp.e - 1]))
                sp.e--;
        return sp;
}

/* End of a quoted token starting at i (on the quote): after the closing
 * quote, or e if it never closes. */
static size_t skip_quoted(const char *s, size_t i, size_t e)
{
        char q = s[i];

        for (i++; i < e; i++) {
                if (s[i] == '\\')
                        i++;
                else if (s[i] == q)
                        return i + 1;
        }
        return e;
}

/* Splits s[b..e) on commas outside [...] (when `brackets`) and outside a
 * quoted token (one that starts with a quote right after the start, a '[' or
 * a ','). Pieces are trimmed. Fails with -E2BIG past `max` pieces. */
int cr_cpp_split(const char *s, size_t b, size_t e, bool brackets, struct cr_cpp_span *out, size_t max,
                 size_t *ret_n)
{
        size_t n = 0, start = b;
        bool token_start = true;
        unsigned depth = 0;

        for (size_t i = b; i <= e; i++) {
                if (i == e || (s[i] == ',' && depth == 0)) {
                        if (n >= max)
                                return -E2BIG;
                        out[n++] = cr_cpp_trim(s, (struct cr_cpp_span){start, i});
                        start = i + 1;
                        token_start = true;
                        continue;
                }
                if (token_start && (s[i] == '"' || s[i] == '\'')) {
                        i = skip_quoted(s, i, e) - 1;
                        token_start = false;
                } else if (brackets && s[i] == '[') {
                        depth++;
                        token_start = true;
                } else if (brackets && s[i] == ']' && depth > 0)
                        depth--;
                else if (s[i] == ',')
                        token_start = true;
                else if (!in_space(s[i]))
                        token_start = false;
        }
        *ret_n = n;
        return 0;
}

bool cr_cpp_is_array_span(const char *s, struct cr_cpp_span sp)
{
        return sp.e - sp.b >= 2 && s[sp.b] == '[' && s[sp.e - 1] == ']';
}
