/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/funcmode.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/value.h"
#include "xalloc.h"

/* ================================================================ types */

void cr_fm_type_done(struct cr_fm_type *t)
{
        if (!t)
                return;
        if (t->elem) {
                cr_fm_type_done(t->elem);
                free(t->elem);
        }
        free(t->spelling);
        *t = (struct cr_fm_type) {};
}

void cr_fm_type_copy(struct cr_fm_type *dst, const struct cr_fm_type *src)
{
        *dst = *src;
        dst->spelling = src->spelling ? xstrdup(src->spelling) : NULL;
        if (src->elem) {
                dst->elem = xzalloc(sizeof(*dst->elem));
                cr_fm_type_copy(dst->elem, src->elem);
        }
}

void cr_fm_sig_done(struct cr_fm_sig *sig)
{
        if (!sig)
                return;
        for (size_t k = 0; k < sig->n_params; k++) {
                free(sig->params[k].name);
                cr_fm_type_done(&sig->params[k].type);
        }
        free(sig->params);
        free(sig->name);
        free(sig->owner);
        cr_fm_type_done(&sig->ret);
        *sig = (struct cr_fm_sig) {};
}

char *cr_fm_type_describe(const struct cr_fm_type *t)
{
        _cleanup_free_ char *elem = NULL;

        switch (t->kind) {
        case CR_FM_ANY: return xstrdup("any value");
        case CR_FM_VOID: return xstrdup("nothing");
        case CR_FM_INT:
                return xasprintf("%s %u-bit integer", t->is_unsigned ? "an unsigned" : "a", t->bits ? t->bits : 64);
        case CR_FM_FLOAT: return xstrdup("a number");
        case CR_FM_NUMBER: return xstrdup("a number");
        case CR_FM_BOOL: return xstrdup("true or false");
        case CR_FM_STRING: return xstrdup("a string");
        case CR_FM_CHAR: return xstrdup("one character");
        case CR_FM_LIST:
                elem = t->elem ? cr_fm_type_describe(t->elem) : xstrdup("any value");
                return xasprintf("an array (each element %s)", elem);
        default: return xstrdup("?");
        }
}

/* ================================================================ choosing */

static bool is_ident(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

static bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static size_t ident_end_at(const char *t, size_t e, size_t i)
{
        while (i < e && is_ident(t[i]))
                i++;
        return i;
}

/* `name(` (or `name <...>(`, a generic call) anywhere outside [skip_b, skip_e). */
static bool called_elsewhere(const char *t, size_t len, const char *name, size_t n, size_t skip_b, size_t skip_e)
{
        for (const char *p = t; (p = memmem(p, len - (size_t) (p - t), name, n)); p++) {
                size_t i = (size_t) (p - t), k = i + n;
                if (i >= skip_b && i < skip_e)
                        continue;
                if ((i > 0 && is_ident(t[i - 1])) || (k < len && is_ident(t[k])))
                        continue;
                while (k < len && is_ws(t[k]))
                        k++;
                if (k < len && (t[k] == '(' || t[k] == '<'))
                        return true;
        }
        return false;
}

static char *candidate_list(const char *t, const struct cr_fm_candidate *c, size_t n, const bool *pick)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(64 * 1024);

        for (size_t k = 0; k < n; k++) {
                if (pick && !pick[k])
                        continue;
                (void) cr_buf_printf(&b, "%s%.*s (line %u)", b.len ? ", " : "", (int) (c[k].name_end - c[k].name),
                                     t + c[k].name, c[k].line);
        }
        return b.data ? cr_buf_steal(&b) : xstrdup("");
}

static int choose_wanted(const char *t, const struct cr_fm_candidate *c, size_t n, const char *wanted,
                         const char *what, size_t *ret, struct cr_error **err)
{
        _cleanup_free_ char *list = NULL;

        for (size_t k = 0; k < n; k++)
                if (strlen(wanted) == c[k].name_end - c[k].name && memcmp(t + c[k].name, wanted, strlen(wanted)) == 0) {
                        *ret = k;
                        return 0;
                }
        list = candidate_list(t, c, n, NULL);
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s '%s' not found; the code defines: %s", what, wanted,
                             n ? list : "none");
}

int cr_fm_choose(const char *t, size_t len, const struct cr_fm_candidate *c, size_t n, const char *wanted,
                 const char *what, size_t *ret_index, struct cr_error **err)
{
        _cleanup_free_ bool *uncalled = NULL;
        _cleanup_free_ char *list = NULL;
        size_t count = 0, last = 0;

        if (wanted)
                return choose_wanted(t, c, n, wanted, what, ret_index, err);
        uncalled = xzalloc((n + 1) * sizeof(bool));
        for (size_t k = 0; k < n; k++) {
                uncalled[k] = !called_elsewhere(t, len, t + c[k].name, c[k].name_end - c[k].name, c[k].body,
                                                c[k].body_end);
                if (uncalled[k]) {
                        count++;
                        last = k;
                }
        }
        if (count == 1 || (count == 0 && n > 0)) {
                *ret_index = count ? last : n - 1;
                return 0;
        }
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "no %s found in the code", what);
        list = candidate_list(t, c, n, uncalled);
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                             "%zu functions could be the one the tests call: %s; keep one (the others may be "
                             "helpers that it calls) or name it in the request",
                             count, list);
}

/* ================================================================ reading signatures */

size_t cr_fm_split_params(const char *s, size_t n, size_t *ret_b, size_t *ret_e, size_t max)
{
        size_t count = 0, start = 0;
        int depth = 0;

        for (size_t i = 0; i <= n && count < max; i++) {
                if (i < n && strchr("([{<", s[i]))
                        depth++;
                else if (i < n && strchr(")]}>", s[i]) && depth > 0 && !(s[i] == '>' && i > 0 && s[i - 1] == '='))
                        depth--;
                else if (i == n || (s[i] == ',' && depth == 0)) {
                        size_t b = start, e = i;
                        while (b < e && is_ws(s[b]))
                                b++;
                        while (e > b && is_ws(s[e - 1]))
                                e--;
                        if (e > b) {
                                ret_b[count] = b;
                                ret_e[count] = e;
                                count++;
                        }
                        start = i + 1;
                }
        }
        return count;
}

char *cr_fm_normalize(const char *s, size_t n)
{
        char *r = xmalloc(n + 1), *o = r;
        bool space = false;

        for (size_t i = 0; i < n; i++) {
                if (is_ws(s[i])) {
                        space = o > r;
                        continue;
                }
                if (space)
                        *o++ = ' ';
                space = false;
                *o++ = s[i];
        }
        *o = 0;
        return r;
}

unsigned cr_fm_line_of(const char *s, size_t off)
{
        unsigned line = 1;

        for (size_t i = 0; i < off; i++)
                line += s[i] == '\n';
        return line;
}

/* ================================================================ C-like definitions */

size_t cr_fm_close_of(const char *t, size_t len, size_t i)
{
        char open = t[i], close = open == '(' ? ')' : open == '[' ? ']' : open == '{' ? '}' : '>';
        unsigned depth = 0;

        for (; i < len; i++) {
                if (t[i] == open)
                        depth++;
                else if (t[i] == close && --depth == 0)
                        return i + 1;
        }
        return len;
}

static size_t skip_ws_to(const char *t, size_t e, size_t i)
{
        while (i < e && is_ws(t[i]))
                i++;
        return i;
}

static bool is_keyword(const char *w, size_t n)
{
        static const char *const keywords[] = {"if",      "for",    "while",  "switch",  "catch",  "return",
                                               "new",     "else",   "do",     "sizeof",  "typeof", "synchronized",
                                               "using",   "lock",   "foreach", "fixed",  "checked", "unchecked",
                                               "when",    "case",   "throw",  "nameof",  "default", "_Alignof",
                                               "alignof", "decltype", "assert", "await"};

        for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
                if (strlen(keywords[k]) == n && memcmp(keywords[k], w, n) == 0)
                        return true;
        return false;
}

/* Back from the name over the type and modifiers: words, *, &, ?, [], <...>,
 * dots, annotations; stops at anything else (; } { ) = , and the start). */
static size_t head_of(const char *t, size_t b, size_t name)
{
        size_t i = name, head = name;

        for (;;) {
                while (i > b && is_ws(t[i - 1]))
                        i--;
                if (i == b)
                        return head;
                char c = t[i - 1];
                if (is_ident(c) || c == '@') {
                        while (i > b && (is_ident(t[i - 1]) || t[i - 1] == '@' || t[i - 1] == '.' || t[i - 1] == ':'))
                                i--;
                } else if (c == '*' || c == '&' || c == '?') {
                        i--;
                } else if (c == ']' || c == '>') {
                        char open = c == ']' ? '[' : '<', close = c;
                        unsigned depth = 0;
                        for (; i > b; i--) {
                                if (t[i - 1] == close)
                                        depth++;
                                else if (t[i - 1] == open && --depth == 0) {
                                        i--;
                                        break;
                                }
                        }
                } else
                        return head;
                head = i;
        }
}

/* After the parameters: skip what may come before the body (throws X,
 * const, noexcept, where T : U) to `{` or `=>`; 0 when it is not a body. */
static size_t body_start(const char *t, size_t e, size_t i)
{
        for (i = skip_ws_to(t, e, i); i < e; i++) {
                if (t[i] == '{' || (t[i] == '=' && i + 1 < e && t[i + 1] == '>'))
                        return i;
                if (t[i] == ';' || t[i] == '}' || t[i] == '=' || t[i] == '(' || t[i] == ')')
                        return 0;
        }
        return 0;
}

static size_t body_end(const char *t, size_t e, size_t i)
{
        if (t[i] == '{')
                return cr_fm_close_of(t, e, i);
        for (; i < e && t[i] != ';'; i++)
                if (t[i] == '(' || t[i] == '[' || t[i] == '{')
                        i = cr_fm_close_of(t, e, i) - 1;
        return i < e ? i + 1 : e;
}

/* A definition whose name starts at i, or false. */
static bool found_at(const char *t, size_t b, size_t e, size_t i, struct cr_fm_found *f)
{
        size_t n = i, k;

        while (n < e && is_ident(t[n]))
                n++;
        k = skip_ws_to(t, e, n);
        if (k >= e || t[k] != '(' || is_keyword(t + i, n - i))
                return false;
        f->name = i;
        f->name_end = n;
        f->head = head_of(t, b, i);
        if (f->head == i)
                return false; /* no type: a call or a macro use */
        f->params = k + 1;
        k = cr_fm_close_of(t, e, k);
        f->params_end = k - 1;
        k = body_start(t, e, k);
        if (k == 0)
                return false;
        f->end = body_end(t, e, k);
        return true;
}

size_t cr_fm_scan_functions(const char *t, size_t b, size_t e, struct cr_fm_found *out, size_t max)
{
        size_t n = 0;

        for (size_t i = b; i < e && n < max;) {
                if (t[i] == '(' || t[i] == '[' || t[i] == '{') {
                        i = cr_fm_close_of(t, e, i);
                        continue;
                }
                if (is_ident(t[i]) && (i == b || !is_ident(t[i - 1])) && found_at(t, b, e, i, &out[n])) {
                        out[n].line = cr_fm_line_of(t, i);
                        i = out[n++].end;
                        continue;
                }
                i++;
        }
        return n;
}

static bool word_is(const char *t, size_t e, size_t i, const char *w)
{
        size_t n = strlen(w);

        return i + n <= e && memcmp(t + i, w, n) == 0 && (i + n == e || !is_ident(t[i + n])) &&
               (i == 0 || !is_ident(t[i - 1]));
}

struct ns_stack {
        size_t b[CR_FM_NAMESPACES_MAX], e[CR_FM_NAMESPACES_MAX];
        unsigned n;
};

static size_t scan_classes(const char *t, size_t b, size_t e, struct ns_stack ns, struct cr_fm_class *out, size_t max);

/* `namespace A.B { ... }` (look inside) or file-scoped `namespace A.B;`
 * (everything after it); returns where to go on. */
static size_t scan_namespace(const char *t, size_t i, size_t e, struct ns_stack *ns, struct cr_fm_class *out,
                             size_t max, size_t *n)
{
        size_t name = skip_ws_to(t, e, i + 9), name_end = name, k;
        struct ns_stack inner = *ns;

        while (name_end < e && (is_ident(t[name_end]) || t[name_end] == '.'))
                name_end++;
        if (inner.n < CR_FM_NAMESPACES_MAX) {
                inner.b[inner.n] = name;
                inner.e[inner.n++] = name_end;
        }
        for (k = name_end; k < e && t[k] != '{' && t[k] != ';'; k++)
                ;
        if (k < e && t[k] == ';') { /* file-scoped: the rest of the file */
                *ns = inner;
                return k + 1;
        }
        if (k >= e)
                return e;
        i = cr_fm_close_of(t, e, k);
        *n += scan_classes(t, k + 1, i - 1, inner, out + *n, max - *n);
        return i;
}

static size_t scan_classes(const char *t, size_t b, size_t e, struct ns_stack ns, struct cr_fm_class *out, size_t max)
{
        static const char *const kinds[] = {"class", "struct", "interface", "record", "enum"};
        size_t n = 0;

        for (size_t i = b; i < e && n < max;) {
                bool kind = false;
                size_t k, name, name_end;

                if (t[i] == '(' || t[i] == '[' || t[i] == '{') {
                        i = cr_fm_close_of(t, e, i);
                        continue;
                }
                if (word_is(t, e, i, "namespace")) {
                        i = scan_namespace(t, i, e, &ns, out, max, &n);
                        continue;
                }
                for (size_t q = 0; q < sizeof(kinds) / sizeof(kinds[0]) && !kind; q++)
                        kind = word_is(t, e, i, kinds[q]);
                if (!kind) {
                        i++;
                        continue;
                }
                name = skip_ws_to(t, e, ident_end_at(t, e, i));
                name_end = ident_end_at(t, e, name);
                for (k = name_end; k < e && t[k] != '{' && t[k] != ';'; k++)
                        ;
                if (k >= e || t[k] != '{' || name_end == name) {
                        i = k + 1;
                        continue;
                }
                out[n] = (struct cr_fm_class) {.head = i, .name = name, .name_end = name_end, .body = k + 1,
                                               .body_end = cr_fm_close_of(t, e, k) - 1, .n_ns = ns.n};
                memcpy(out[n].ns, ns.b, sizeof(ns.b));
                memcpy(out[n].ns_end, ns.e, sizeof(ns.e));
                i = out[n++].body_end + 1;
        }
        return n;
}

size_t cr_fm_scan_classes(const char *t, size_t b, size_t e, struct cr_fm_class *out, size_t max)
{
        return scan_classes(t, b, e, (struct ns_stack) {}, out, max);
}

char *cr_fm_class_name(const char *t, const struct cr_fm_class *c)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);

        for (unsigned k = 0; k < c->n_ns; k++)
                (void) cr_buf_printf(&b, "%.*s.", (int) (c->ns_end[k] - c->ns[k]), t + c->ns[k]);
        (void) cr_buf_printf(&b, "%.*s", (int) (c->name_end - c->name), t + c->name);
        return cr_buf_steal(&b);
}

/* ================================================================ values and types */

long cr_fm_utf8_next(const char *s, size_t n, size_t *i)
{
        const unsigned char *u = (const unsigned char *) s + *i;
        size_t left = n - *i, len;
        long cp;

        if (u[0] < 0x80) {
                (*i)++;
                return u[0];
        }
        if ((u[0] & 0xe0) == 0xc0) {
                len = 2;
                cp = u[0] & 0x1f;
        } else if ((u[0] & 0xf0) == 0xe0) {
                len = 3;
                cp = u[0] & 0x0f;
        } else if ((u[0] & 0xf8) == 0xf0) {
                len = 4;
                cp = u[0] & 0x07;
        } else
                return -1;
        if (left < len)
                return -1;
        for (size_t k = 1; k < len; k++) {
                if ((u[k] & 0xc0) != 0x80)
                        return -1;
                cp = (cp << 6) | (u[k] & 0x3f);
        }
        /* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                return -1;
        *i += len;
        return cp;
}

static bool valid_utf8(const char *s, size_t n, size_t *ret_chars)
{
        size_t i = 0, chars = 0;

        while (i < n) {
                if (cr_fm_utf8_next(s, n, &i) < 0)
                        return false;
                chars++;
        }
        *ret_chars = chars;
        return true;
}

static bool int_fits(const struct cr_fm_type *t, const struct cr_value *v)
{
        unsigned bits = t->bits ? t->bits : 64;

        if (t->is_unsigned)
                return !v->neg && (bits == 64 || v->mag < ((uint64_t) 1 << bits));
        if (v->neg)
                return v->mag <= ((uint64_t) 1 << (bits - 1));
        return v->mag < ((uint64_t) 1 << (bits - 1));
}

/* The text a string parameter receives from a scalar written without quotes. */
static bool scalar_text(const struct cr_value *v)
{
        return v->kind != CR_VALUE_ARRAY && v->s;
}

#define WHY(...) (ret_why ? (*ret_why = xasprintf(__VA_ARGS__), false) : false)

static bool string_fits(const struct cr_fm_type *t, const struct cr_value *v, char **ret_why)
{
        size_t chars = 0;

        if (!scalar_text(v) || (v->kind == CR_VALUE_NULL && t->kind == CR_FM_CHAR))
                return WHY("expected %s, got %s", t->kind == CR_FM_CHAR ? "one character" : "a string",
                           v->kind == CR_VALUE_ARRAY ? "an array" : "null");
        if (!valid_utf8(v->s, v->len, &chars))
                return WHY("the string is not valid UTF-8");
        if (memchr(v->s, 0, v->len))
                return WHY("the string holds a NUL character");
        if (t->kind == CR_FM_CHAR && chars != 1)
                return WHY("expected one character, got %zu", chars);
        return true;
}

bool cr_fm_fits(const struct cr_fm_type *t, const struct cr_value *v, char **ret_why)
{
        switch (t->kind) {
        case CR_FM_ANY:
                if (v->kind == CR_VALUE_STRING && !valid_utf8(v->s, v->len, &(size_t) {0}))
                        return WHY("the string is not valid UTF-8");
                for (size_t k = 0; v->kind == CR_VALUE_ARRAY && k < v->n; k++)
                        if (!cr_fm_fits(t, &v->items[k], ret_why))
                                return false;
                return true;
        case CR_FM_INT:
                if (t->takes_char && v->kind == CR_VALUE_STRING)
                        return v->len == 1 && (unsigned char) v->s[0] < 0x80 && v->s[0]
                                       ? true
                                       : WHY("expected an integer or one ASCII character");
                if (v->kind != CR_VALUE_INT)
                        return WHY("expected an integer");
                if (!int_fits(t, v))
                        return WHY("%s%llu does not fit in %s", v->neg ? "-" : "", (unsigned long long) v->mag,
                                   t->spelling ? t->spelling : "the parameter's type");
                return true;
        case CR_FM_FLOAT:
        case CR_FM_NUMBER:
                return v->kind == CR_VALUE_INT || v->kind == CR_VALUE_FLOAT ? true : WHY("expected a number");
        case CR_FM_BOOL:
                return v->kind == CR_VALUE_BOOL ? true : WHY("expected true or false");
        case CR_FM_STRING:
        case CR_FM_CHAR:
                return string_fits(t, v, ret_why);
        case CR_FM_LIST:
                if (v->kind != CR_VALUE_ARRAY)
                        return WHY("expected an array");
                for (size_t k = 0; k < v->n; k++) {
                        _cleanup_free_ char *inner = NULL;
                        if (!cr_fm_fits(t->elem, &v->items[k], ret_why ? &inner : NULL))
                                return WHY("element %zu: %s", k + 1, inner ? inner : "does not fit");
                }
                return true;
        default:
                return WHY("this parameter cannot take a value");
        }
}

int cr_fm_emit_decimal(struct cr_buf *b, const struct cr_value *v)
{
        return cr_buf_printf(b, "%s%llu", v->neg ? "-" : "", (unsigned long long) v->mag);
}

int cr_fm_emit_float_text(struct cr_buf *b, double f)
{
        char t[40];
        int prec = 1;

        for (; prec < 17; prec++) {
                snprintf(t, sizeof(t), "%.*g", prec, f);
                if (strtod(t, NULL) == f)
                        break;
        }
        snprintf(t, sizeof(t), "%.*g", prec, f);
        if (!strpbrk(t, ".eE"))
                return cr_buf_printf(b, "%s.0", t);
        return cr_buf_append(b, t, strlen(t));
}

/* A scalar value given to an untyped parameter: its own type. */
static int emit_any(const struct cr_fm_syntax *syn, struct cr_buf *b, const struct cr_fm_type *t,
                    const struct cr_value *v)
{
        struct cr_fm_type as = {.kind = CR_FM_ANY};

        switch (v->kind) {
        case CR_VALUE_NULL:
                return cr_buf_append(b, syn->null_lit, strlen(syn->null_lit));
        case CR_VALUE_BOOL:
                as.kind = CR_FM_BOOL;
                break;
        case CR_VALUE_INT:
                as.kind = CR_FM_INT;
                as.bits = 64;
                break;
        case CR_VALUE_FLOAT:
                as.kind = CR_FM_FLOAT;
                as.bits = 64;
                break;
        case CR_VALUE_STRING:
                as.kind = CR_FM_STRING;
                break;
        case CR_VALUE_ARRAY:
                as.kind = CR_FM_LIST;
                as.elem = (struct cr_fm_type *) t; /* elements untyped too */
                break;
        default:
                return -EINVAL;
        }
        return cr_fm_emit(syn, b, &as, v);
}

int cr_fm_emit(const struct cr_fm_syntax *syn, struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        int r = 0;
        size_t i = 0;

        switch (t->kind) {
        case CR_FM_ANY:
                return emit_any(syn, b, t, v);
        case CR_FM_INT:
                if (t->takes_char && v->kind == CR_VALUE_STRING)
                        return syn->emit_char(b, (unsigned char) v->s[0]);
                return syn->emit_int(b, t, v);
        case CR_FM_FLOAT:
        case CR_FM_NUMBER:
                if (t->kind == CR_FM_NUMBER && v->kind == CR_VALUE_INT)
                        return syn->emit_int(b, t, v);
                return syn->emit_float(b, t, v->f);
        case CR_FM_BOOL:
                return cr_buf_append(b, v->b ? syn->true_lit : syn->false_lit,
                                     strlen(v->b ? syn->true_lit : syn->false_lit));
        case CR_FM_STRING:
                return syn->emit_string(b, t, v->s, v->len);
        case CR_FM_CHAR:
                return syn->emit_char(b, (unsigned) cr_fm_utf8_next(v->s, v->len, &i));
        case CR_FM_LIST:
                r = syn->list_open(b, t);
                for (size_t k = 0; r >= 0 && k < v->n; k++) {
                        if (k > 0)
                                r = cr_buf_append_lit(b, ", ");
                        if (r >= 0)
                                r = cr_fm_emit(syn, b, t->elem, &v->items[k]);
                }
                return r < 0 ? r : syn->list_close(b, t);
        default:
                return -EINVAL;
        }
}

int cr_fm_emit_args(const struct cr_fm_syntax *syn, struct cr_buf *b, const struct cr_fm_sig *sig,
                    const struct cr_value *args, const char *sep)
{
        int r = 0;

        for (size_t k = 0; r >= 0 && k < sig->n_params; k++) {
                if (k > 0)
                        r = cr_buf_append(b, sep, strlen(sep));
                if (r >= 0)
                        r = cr_fm_emit(syn, b, &sig->params[k].type, &args->items[k]);
        }
        return r;
}

/* ================================================================ building a plan */

/* What judging needs of each test. */
struct fm_test {
        struct cr_value expected;
        bool has_expected;
        bool custom;
        double tolerance;
};

struct fm_state {
        const struct cr_fm_lang *fm; /* not owned (static) */
        struct fm_test *tests;
        size_t n;
};

static void fm_free_state(void *state)
{
        struct fm_state *s = state;

        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                cr_value_done(&s->tests[i].expected);
        free(s->tests);
        free(s);
}

static bool has_text(const char *s)
{
        for (; s && *s; s++)
                if (!is_ws(*s))
                        return true;
        return false;
}

static int check_args(const struct cr_fm_sig *sig, size_t test, const struct cr_value *args, struct cr_error **err)
{
        if (args->n != sig->n_params)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "test %zu: input has %zu value%s but %s() takes %zu argument%s", test + 1,
                                     args->n, args->n == 1 ? "" : "s", sig->name, sig->n_params,
                                     sig->n_params == 1 ? "" : "s");
        for (size_t k = 0; k < args->n; k++) {
                _cleanup_free_ char *why = NULL;
                if (!cr_fm_fits(&sig->params[k].type, &args->items[k], &why))
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                             "test %zu: argument %zu (%s) at position %zu: %s", test + 1, k + 1,
                                             sig->params[k].name, args->items[k].pos + 1, why);
        }
        return 0;
}

static int parse_expected(const struct cr_fm_sig *sig, const struct cr_judge_test *t, size_t i, struct fm_test *ft,
                          struct cr_error **err)
{
        const char *e = t->expected_output ? t->expected_output : "";
        int r;

        ft->custom = t->custom_validation_code && has_text(t->custom_validation_code);
        ft->tolerance = t->tolerance;
        if (ft->custom) {
                /* custom code judges; the expected value is only shown when it reads */
                _cleanup_error_ struct cr_error *ignored = NULL;
                ft->has_expected = has_text(e) && cr_value_parse_one(e, strlen(e), &ft->expected, &ignored) >= 0;
                return 0;
        }
        if (sig->ret.kind == CR_FM_VOID && sig->n_params == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "test %zu: %s() returns nothing and takes no argument, so there is nothing "
                                     "to compare expected_output with (use custom_validation_code)",
                                     i + 1, sig->name);
        if (!has_text(e))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "test %zu: expected_output is empty (write the value %s() should %s; null for "
                                     "none)",
                                     i + 1, sig->name,
                                     sig->ret.kind == CR_FM_VOID ? "leave in its first argument" : "return");
        r = cr_value_parse_one(e, strlen(e), &ft->expected, err);
        if (r < 0)
                return cr_error_wrap(err, "test %zu: expected_output", i + 1);
        ft->has_expected = true;
        return 0;
}

static int build_tests(struct cr_funcmode_build *b, const struct cr_fm_sig *sig, struct fm_state *st,
                       struct cr_value *args, const char **custom, struct cr_error **err)
{
        for (size_t i = 0; i < b->n_tests; i++) {
                const struct cr_judge_test *t = &b->tests[i];
                const char *in = t->input ? t->input : "";
                int r;

                r = cr_value_parse_args(in, strlen(in), &args[i], err);
                if (r < 0)
                        return cr_error_wrap(err, "test %zu: input", i + 1);
                r = check_args(sig, i, &args[i], err);
                if (r >= 0)
                        r = parse_expected(sig, t, i, &st->tests[i], err);
                if (r < 0)
                        return r;
                custom[i] = st->tests[i].custom ? t->custom_validation_code : NULL;
                b->test_args[i] = xzalloc(2 * sizeof(char *));
                b->test_args[i][0] = xasprintf("%zu", i);
        }
        return 0;
}

static int fm_build(struct cr_funcmode_build *b, struct cr_error **err)
{
        const struct cr_fm_lang *fm = b->lang->fm;
        _cleanup_free_ struct cr_value *args = xzalloc((b->n_tests + 1) * sizeof(*args));
        _cleanup_free_ const char **custom = xzalloc((b->n_tests + 1) * sizeof(char *));
        struct fm_state *st = xzalloc(sizeof(*st));
        struct cr_fm_sig sig = {};
        int r;

        st->fm = fm;
        st->n = b->n_tests;
        st->tests = xzalloc((b->n_tests + 1) * sizeof(*st->tests));
        b->state = st; /* freed with the plan, whatever happens below */
        r = fm->detect(b->code, b->code_len, b->function_name, &sig, err);
        if (r < 0)
                return r;
        if (sig.ret.kind == CR_FM_VOID && sig.n_params > 0 && sig.params[0].type.kind != CR_FM_LIST &&
            sig.params[0].type.kind != CR_FM_ANY) {
                r = cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                  "%s() returns nothing: function mode then compares its first argument after the "
                                  "call, which must be an array",
                                  sig.name);
                cr_fm_sig_done(&sig);
                return r;
        }
        r = build_tests(b, &sig, st, args, custom, err);
        if (r >= 0) {
                struct cr_fm_program p = {
                        .code = b->code,
                        .code_len = b->code_len,
                        .sig = &sig,
                        .args = args,
                        .custom = custom,
                        .n_tests = b->n_tests,
                };
                r = fm->generate(&p, b->source, err);
        }
        for (size_t i = 0; i < b->n_tests; i++)
                cr_value_done(&args[i]);
        cr_fm_sig_done(&sig);
        return r;
}

/* ================================================================ judging a run */

enum line_kind { LINE_RESULT, LINE_CHECK, LINE_ERROR, _LINE_MAX };

/* The last harness line of each kind in out (text after the marker, up to
 * the newline). */
static void find_lines(const char *out, size_t len, const char *ret[_LINE_MAX], size_t ret_len[_LINE_MAX])
{
        static const char *const tags[_LINE_MAX] = {"RESULT ", "CHECK ", "ERROR "};
        const size_t mlen = strlen(CR_FM_MARKER);

        for (const char *p = out; p && (p = memmem(p, len - (size_t) (p - out), CR_FM_MARKER, mlen)); p++) {
                const char *tag = p + mlen, *nl;
                size_t left = len - (size_t) (tag - out);
                for (int k = 0; k < _LINE_MAX; k++) {
                        size_t tl = strlen(tags[k]);
                        if (left < tl || memcmp(tag, tags[k], tl) != 0)
                                continue;
                        nl = memchr(tag + tl, '\n', left - tl);
                        ret[k] = tag + tl;
                        ret_len[k] = nl ? (size_t) (nl - ret[k]) : left - tl;
                }
        }
}

size_t cr_fm_strip_harness_lines(char *out, size_t len)
{
        static const char line[] = "\n" CR_FM_MARKER;
        size_t kept = 0, i = 0;

        /* Every harness writes "\n" CR_FM_MARKER "<kind> <text>\n": its own
         * newline first, so that the line starts on a line of its own whatever
         * the program printed before it. Dropping that newline too gives back
         * exactly what the program printed. */
        while (i < len) {
                const char *m = memmem(out + i, len - i, line, sizeof(line) - 1), *nl;
                size_t at = m ? (size_t) (m - out) : len, end;

                memmove(out + kept, out + i, at - i);
                kept += at - i;
                if (!m)
                        break;
                nl = memchr(m + 1, '\n', len - at - 1);
                end = nl ? (size_t) (nl - out) + 1 : len; /* a cut last line goes too */
                i = end;
        }
        if (kept < len)
                out[kept] = '\0';
        return kept;
}

/* The stderr line that says what crashed, cut to 300 bytes. */
static char *crash_line(const struct cr_fm_lang *fm, const struct cr_judge_run *run)
{
        const char *e = run->err ? run->err : "", *best = NULL, *last = NULL;
        size_t n = run->err ? run->err_len : 0, best_len = 0, last_len = 0;

        for (size_t i = 0; i < n;) {
                const char *nl = memchr(e + i, '\n', n - i);
                size_t end = nl ? (size_t) (nl - e) : n, b = i;
                while (b < end && is_ws(e[b]))
                        b++;
                if (b < end) {
                        last = e + b;
                        last_len = end - b;
                        for (const char *const *m = fm->error_markers; !best && m && *m; m++)
                                if (memmem(e + b, end - b, *m, strlen(*m))) {
                                        best = e + b;
                                        best_len = end - b;
                                }
                }
                i = end + 1;
        }
        if (!best) {
                best = last;
                best_len = last_len;
        }
        if (!best)
                return NULL;
        while (best_len > 0 && is_ws(best[best_len - 1]))
                best_len--;
        if (best_len > 300) {
                best_len = 300;
                while (best_len > 0 && ((unsigned char) best[best_len] & 0xc0) == 0x80)
                        best_len--;
        }
        return xstrndup(best, best_len);
}

static char *shown(const struct cr_value *v)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(CR_FM_VALUE_SHOWN_MAX + 16);

        if (cr_value_format(v, &b, CR_FM_VALUE_SHOWN_MAX) < 0 || !b.data)
                return xstrdup("");
        return cr_buf_steal(&b);
}

static void judge_failed_run(const struct fm_state *st, const struct cr_judge_run *run,
                             const struct cr_judge_limits *limits, struct cr_judge_verdict *ret)
{
        _cleanup_free_ char *why = cr_judge_run_message(run, limits), *line = NULL;

        if (run->status == CR_JUDGE_STATUS_RUNTIME_ERROR)
                line = crash_line(st->fm, run);
        if (run->status == CR_JUDGE_STATUS_OK)
                ret->message = xstrdup("the function did not return: the program ended during the call");
        else if (line)
                ret->message = xasprintf("%s: %s", why, line);
        else
                ret->message = TAKE_PTR(why);
}

static void judge_check(const char *check, size_t len, struct cr_judge_verdict *ret)
{
        if (len >= 4 && memcmp(check, "pass", 4) == 0) {
                ret->passed = true;
                return;
        }
        ret->wrong_answer = true;
        if (len > 5 && memcmp(check, "fail ", 5) == 0)
                ret->message = xasprintf("custom_validation_code failed: %.*s", (int) MIN(len - 5, (size_t) 500),
                                         check + 5);
        else
                ret->message = xstrdup("custom_validation_code failed");
}

static void fm_judge(const void *state, size_t i, const struct cr_judge_run *run, const struct cr_judge_limits *limits,
                     struct cr_judge_verdict *ret)
{
        const struct fm_state *st = state;
        const struct fm_test *t = &st->tests[i];
        const char *line[_LINE_MAX] = {};
        size_t line_len[_LINE_MAX] = {};
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value actual = {};

        if (t->has_expected)
                ret->expected = shown(&t->expected);
        find_lines(run->out ? run->out : "", run->out ? run->out_len : 0, line, line_len);
        if (run->status != CR_JUDGE_STATUS_OK || (!line[LINE_RESULT] && !line[LINE_ERROR])) {
                judge_failed_run(st, run, limits, ret);
                return;
        }
        if (line[LINE_ERROR] && !line[LINE_RESULT]) {
                ret->message = xasprintf("%.*s", (int) MIN(line_len[LINE_ERROR], (size_t) 500), line[LINE_ERROR]);
                return;
        }
        if (cr_value_parse_result(line[LINE_RESULT], line_len[LINE_RESULT], &actual, &err) < 0) {
                ret->message = xasprintf("the result could not be read: %s", err->msg);
                return;
        }
        ret->actual = shown(&actual);
        if (t->custom) {
                if (line[LINE_CHECK])
                        judge_check(line[LINE_CHECK], line_len[LINE_CHECK], ret);
                else
                        ret->message = xstrdup("custom_validation_code did not finish");
        } else if (cr_value_matches(&t->expected, &actual, t->tolerance, &ret->message))
                ret->passed = true;
        else
                ret->wrong_answer = true;
        cr_value_done(&actual);
}

const struct cr_funcmode_ops cr_fm_ops = {
        .build = fm_build,
        .judge = fm_judge,
        .free_state = fm_free_state,
};
