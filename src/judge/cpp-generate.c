/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/cpp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/judge-internal.h"
#include "xalloc.h"

/* ================================================================ generation */

static bool in_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* What a void function's result is read from: an output parameter the
 * generator added, or else the first array argument (changed in place). */
struct target {
        char *name;                 /* owned; NULL when there is none */
        enum cr_cpp_kind kind; /* of the elements (arrays, vectors) or of the chars buffer */
        const char *type;           /* not owned: element type, or the vector type */
        size_t count;               /* elements of an input array */
        bool vector, chars, scalar;
};

struct gen {
        const struct cr_cpp_sig *sig; /* not owned; NULL when every test has custom code */
        size_t test;                       /* index of the test being generated */
        const char *in;                    /* not owned: the test's input */
        const char *expected;              /* not owned: the test's expected_output */
        struct cr_buf *body;               /* not owned: setup lines of the current test */
        struct cr_buf call;                /* the argument list */
        size_t arrays;                     /* arrays declared so far in this test */
        struct target in_place, out;
        bool light;            /* the code needs no prelude: <coderunner/light-checks.h>'s checks */
        struct cr_error **err; /* not owned */
};

static void gen_done(struct gen *g)
{
        cr_buf_done(&g->call);
        free(g->in_place.name);
        free(g->out.name);
}

static int gen_fail(struct gen *g, int r, const char *what)
{
        if (r == -ENOSPC)
                return cr_error_make(g->err, E2BIG, CR_ERROR_INVALID,
                                    "test %zu: the generated source is too large", g->test);
        if (r == -E2BIG)
                return cr_error_make(g->err, E2BIG, CR_ERROR_INVALID, "test %zu: %s", g->test, what);
        if (r == -EINVAL)
                return cr_error_make(g->err, EINVAL, CR_ERROR_INVALID, "test %zu: %s", g->test, what);
        return cr_error_set(g->err, -r, CR_ERROR_INTERNAL, "test %zu: %s", g->test, what);
}

/* fmt is always one of this file's literals, taking (name, n). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int add_arg(struct gen *g, const char *fmt, const char *name, size_t n)
{
        int r = g->call.len ? cr_buf_append(&g->call, ", ", 2) : 0;

        return r < 0 ? r : cr_buf_printf(&g->call, fmt, name, n);
}
#pragma GCC diagnostic pop

/* Elements of the array written s[sp.b..sp.e) (brackets included), as tokens.
 * *ret is NULL for an empty array; -EDOM for a nested array. */
static int parse_elements(const char *s, struct cr_cpp_span sp, struct cr_cpp_token **ret, size_t *ret_n)
{
        _cleanup_free_ struct cr_cpp_span *el = NULL;
        struct cr_cpp_token *toks;
        size_t max = 1, n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (cr_cpp_trim(s, (struct cr_cpp_span){sp.b + 1, sp.e - 1}).b == sp.e - 1)
                return 0;
        for (size_t i = sp.b; i < sp.e; i++)
                max += s[i] == ',';
        el = malloc(max * sizeof(*el));
        if (!el)
                return -ENOMEM;
        r = cr_cpp_split(s, sp.b + 1, sp.e - 1, true, el, max, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n; k++)
                if (el[k].e > el[k].b && s[el[k].b] == '[')
                        return -EDOM;
        toks = calloc(n, sizeof(*toks));
        if (!toks)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                cr_cpp_classify_token(s + el[k].b, el[k].e - el[k].b, &toks[k]);
        *ret = toks;
        *ret_n = n;
        return 0;
}

static void tokens_free(struct cr_cpp_token *t, size_t n)
{
        for (size_t k = 0; t && k < n; k++)
                cr_cpp_token_done(&t[k]);
        free(t);
}

/* The element type of an array nobody declared: ints (long long when one
 * may not fit in int), doubles, bools, chars, else writable C strings. */
static enum cr_cpp_kind infer_elements(const struct cr_cpp_token *t, size_t n, const char **ret_type)
{
        unsigned counts[5] = {};
        bool wide = false;

        for (size_t k = 0; k < n; k++) {
                counts[t[k].kind]++;
                wide |= t[k].kind == CR_CPP_TOK_INT && t[k].raw_len > 10;
        }
        if (counts[CR_CPP_TOK_INT] + counts[CR_CPP_TOK_FLOAT] == n) {
                *ret_type = counts[CR_CPP_TOK_FLOAT] ? "double" : wide ? "long long" : "int";
                return counts[CR_CPP_TOK_FLOAT] ? CR_CPP_KIND_FLOAT : CR_CPP_KIND_INT;
        }
        if (counts[CR_CPP_TOK_BOOL] == n) {
                *ret_type = "bool";
                return CR_CPP_KIND_BOOL;
        }
        if (counts[CR_CPP_TOK_CHAR] == n) {
                *ret_type = "char";
                return CR_CPP_KIND_CHAR;
        }
        *ret_type = "char*";
        return CR_CPP_KIND_CHAR_PTR;
}

static int emit_list(struct cr_buf *b, const struct cr_cpp_token *t, size_t n, enum cr_cpp_kind kind)
{
        int r = 0;

        for (size_t k = 0; r >= 0 && k < n; k++) {
                if (k > 0)
                        r = cr_buf_append(b, ", ", 2);
                if (r >= 0)
                        r = cr_cpp_emit_value(b, &t[k], kind);
        }
        return r;
}

/* `    <type> <name>[] = {...};` (`[1] = {}` when empty), or for writable C
 * strings `char name_s0[] = "a", ...; char* name[] = {name_s0, ...};` on one
 * line: the strings can be modified, unlike the original's literals. */
static int emit_array(struct cr_buf *b, const char *type, const char *name, const struct cr_cpp_token *t, size_t n,
                      enum cr_cpp_kind kind, bool mutable_strings)
{
        int r;

        if (!mutable_strings || n == 0) {
                r = cr_buf_printf(b, "    %s %s[%s] = {", type, name, n ? "" : "1");
                if (r >= 0)
                        r = emit_list(b, t, n, kind);
                return r < 0 ? r : cr_buf_append(b, "};\n", 3);
        }
        r = cr_buf_append(b, "    char ", 9);
        for (size_t k = 0; r >= 0 && k < n; k++) {
                size_t len;
                const char *s = cr_cpp_token_text(&t[k], &len);
                r = cr_buf_printf(b, "%s%s_s%zu[] = ", k ? ", " : "", name, k);
                if (r >= 0)
                        r = cr_cpp_emit_quoted(b, s, len, '"');
        }
        if (r >= 0)
                r = cr_buf_printf(b, "; char* %s[] = {", name);
        for (size_t k = 0; r >= 0 && k < n; k++)
                r = cr_buf_printf(b, "%s%s_s%zu", k ? ", " : "", name, k);
        return r < 0 ? r : cr_buf_append(b, "};\n", 3);
}

/* The element kind of vector type vtype (char* counts as a string). */
static enum cr_cpp_kind vector_elem_kind(const char *vtype, char **ret_elem)
{
        char *elem = cr_cpp_vector_elem(vtype);
        enum cr_cpp_kind kind = CR_CPP_KIND_OTHER;
        unsigned stars = 0;

        if (elem)
                kind = cr_cpp_classify_type(elem, &stars);
        if (kind == CR_CPP_KIND_CHAR && stars == 1)
                kind = CR_CPP_KIND_CHAR_PTR;
        *ret_elem = elem;
        return kind;
}

#define NESTED_DEPTH_MAX 32U

/* The braced initializer of vector type vtype from the array s[sp) (brackets
 * included): `{{1, 2}, {3}}` for vector<vector<int>>. Each level of the type
 * takes one level of brackets; -EDOM when the shapes differ. */
static int emit_vector_init(struct cr_buf *b, const char *s, struct cr_cpp_span sp, const char *vtype,
                            unsigned depth)
{
        _cleanup_free_ char *elem = NULL;
        _cleanup_free_ struct cr_cpp_span *el = NULL;
        enum cr_cpp_kind kind = vector_elem_kind(vtype, &elem);
        size_t max = 1, n = 0;
        int r;

        if (!cr_cpp_is_array_span(s, sp) || depth >= NESTED_DEPTH_MAX)
                return -EDOM;
        if (kind != CR_CPP_KIND_VECTOR) {
                struct cr_cpp_token *t = NULL;
                r = parse_elements(s, sp, &t, &n);
                if (r >= 0)
                        r = cr_buf_append(b, "{", 1);
                if (r >= 0)
                        r = emit_list(b, t, n, kind);
                tokens_free(t, n);
                return r < 0 ? r : cr_buf_append(b, "}", 1);
        }
        for (size_t i = sp.b; i < sp.e; i++)
                max += s[i] == ',';
        el = xmalloc(max * sizeof(*el));
        if (cr_cpp_trim(s, (struct cr_cpp_span){sp.b + 1, sp.e - 1}).b < sp.e - 1) {
                r = cr_cpp_split(s, sp.b + 1, sp.e - 1, true, el, max, &n);
                if (r < 0)
                        return r;
        }
        r = cr_buf_append(b, "{", 1);
        for (size_t k = 0; r >= 0 && k < n; k++) {
                if (k > 0)
                        r = cr_buf_append(b, ", ", 2);
                if (r >= 0)
                        r = emit_vector_init(b, s, el[k], elem, depth + 1);
        }
        return r < 0 ? r : cr_buf_append(b, "}", 1);
}

/* A vector of vectors (2-D and deeper): `vector<vector<int>> arr0 = {{1, 2}, {3}};`. */
static int gen_nested_vector(struct gen *g, struct cr_cpp_span sp, const struct cr_cpp_param *p)
{
        _cleanup_free_ char *name =
                g->arrays ? xasprintf("arr%zu_%zu", g->test, g->arrays) : xasprintf("arr%zu", g->test);
        int r;

        g->arrays++;
        r = cr_buf_printf(g->body, "    %s %s = ", p->value_type, name);
        if (r >= 0)
                r = emit_vector_init(g->body, g->in, sp, p->value_type, 0);
        if (r == -EDOM)
                return gen_fail(g, -EINVAL, "an argument's arrays do not nest like its parameter's vectors");
        if (r >= 0)
                r = cr_buf_append(g->body, ";\n", 2);
        if (r >= 0)
                r = add_arg(g, "%s", name, 0);
        if (r >= 0 && !g->in_place.name)
                g->in_place = (struct target){.name = TAKE_PTR(name), .kind = p->kind, .type = p->value_type,
                                              .vector = true};
        return r < 0 ? gen_fail(g, r, "cannot add an array") : 0;
}

/* One array argument: a local array plus its size, or a local vector. */
static int gen_array(struct gen *g, struct cr_cpp_span sp, const struct cr_cpp_param *p)
{
        _cleanup_free_ char *name = NULL;
        struct cr_cpp_token *t = NULL;
        enum cr_cpp_kind kind;
        const char *type;
        bool vector = p && p->is_vector, mutable_strings;
        size_t n;
        int r;

        if (vector && p->kind == CR_CPP_KIND_VECTOR)
                return gen_nested_vector(g, sp, p);
        r = parse_elements(g->in, sp, &t, &n);
        if (r == -EDOM)
                return gen_fail(g, -EINVAL, "nested arrays are not supported");
        if (r < 0)
                return gen_fail(g, r, "cannot parse an array");
        name = g->arrays ? xasprintf("arr%zu_%zu", g->test, g->arrays) : xasprintf("arr%zu", g->test);
        g->arrays++;
        if (p && (p->is_vector || p->is_array)) {
                kind = p->kind;
                type = p->value_type;
        } else
                kind = infer_elements(t, n, &type);
        /* declared char* parameters say whether they write; inferred ones may */
        mutable_strings =
                kind == CR_CPP_KIND_CHAR_PTR && (!p || !p->is_array || p->needs_mutable_chars);
        if (vector) {
                r = cr_buf_printf(g->body, "    %s %s = {", type, name);
                if (r >= 0)
                        r = emit_list(g->body, t, n, kind);
                if (r >= 0)
                        r = cr_buf_append(g->body, "};\n", 3);
        } else
                r = emit_array(g->body, type, name, t, n, kind, mutable_strings);
        if (r >= 0)
                r = add_arg(g, vector ? "%s" : "%s, %zu", name, n);
        tokens_free(t, n);
        if (r >= 0 && !g->in_place.name)
                g->in_place = (struct target){
                        .name = TAKE_PTR(name), .kind = kind, .type = type, .count = n, .vector = vector};
        return r < 0 ? gen_fail(g, r, "cannot add an array") : 0;
}

/* One scalar argument: a literal, or a named local when the parameter is a
 * non-const reference or a writable char pointer. */
static int gen_scalar(struct gen *g, struct cr_cpp_span sp, size_t part, const struct cr_cpp_param *p)
{
        _cleanup_free_ char *name = xasprintf("arg%zu_%zu", g->test, part);
        struct cr_cpp_token t;
        int r;

        cr_cpp_classify_token(g->in + sp.b, sp.e - sp.b, &t);
        if (p && (p->needs_mutable_chars || p->needs_lvalue)) {
                r = p->needs_mutable_chars ? cr_buf_printf(g->body, "    char %s[] = ", name)
                                           : cr_buf_printf(g->body, "    %s %s = ", p->value_type, name);
                if (r >= 0)
                        r = cr_cpp_emit_value(g->body, &t,
                                       p->needs_mutable_chars ? CR_CPP_KIND_CHAR_PTR : p->kind);
                if (r >= 0)
                        r = cr_buf_append(g->body, ";\n", 2);
                if (r >= 0)
                        r = add_arg(g, "%s", name, 0);
        } else {
                r = g->call.len ? cr_buf_append(&g->call, ", ", 2) : 0;
                if (r >= 0)
                        r = cr_cpp_emit_value(&g->call, &t, p ? p->kind : CR_CPP_KIND_OTHER);
        }
        cr_cpp_token_done(&t);
        return r < 0 ? gen_fail(g, r, "cannot add an argument") : 0;
}

/* Parameters left over once the input is used up that can only be outputs
 * (a writable array, char buffer, vector& or T&) get a zeroed local, so e.g.
 * `void merge(int a[], int n, int b[], int m, int result[])` is callable.
 * Static, so a large buffer does not need a large stack. */
static int gen_outputs(struct gen *g, size_t param)
{
        size_t cap = strlen(g->in) + strlen(g->expected) + 16;

        for (; g->sig && param < g->sig->n_params; param++) {
                const struct cr_cpp_param *p = &g->sig->params[param];
                _cleanup_free_ char *name = xasprintf("out%zu_%zu", g->test, param);
                struct target t = {.kind = p->kind, .type = p->value_type};
                int r;

                if (cr_cpp_has_word(p->decl, "const"))
                        break;
                if (p->is_vector && p->needs_lvalue) {
                        t.vector = true;
                        r = cr_buf_printf(g->body, "    %s %s;\n", p->value_type, name);
                } else if (p->is_array && p->kind != CR_CPP_KIND_CHAR_PTR)
                        r = cr_buf_printf(g->body, "    static %s %s[%zu];\n", p->value_type, name, cap);
                else if (p->needs_mutable_chars && !p->is_array) {
                        t.chars = true;
                        r = cr_buf_printf(g->body, "    static char %s[%zu];\n", name, cap);
                } else if (p->needs_lvalue) {
                        t.scalar = true;
                        r = cr_buf_printf(g->body, "    %s %s{};\n", p->value_type, name);
                } else
                        break;
                if (r >= 0)
                        r = add_arg(g, "%s", name, 0);
                if (r < 0)
                        return gen_fail(g, r, "cannot add an output argument");
                if (!g->out.name) {
                        t.name = TAKE_PTR(name);
                        g->out = t;
                }
        }
        return 0;
}

/* The argument list of test g->test from its input (§6.3). Parameters are
 * matched by position: a C array takes two (the array and its size). */
static int gen_args(struct gen *g)
{
        struct cr_cpp_span parts[CR_CPP_ARGS_MAX], all = cr_cpp_trim(g->in, (struct cr_cpp_span){0, strlen(g->in)});
        const char *lb = memchr(g->in + all.b, '[', all.e - all.b);
        bool brackets = lb && memchr(lb, ']', (size_t)(g->in + all.e - lb));
        size_t n = 0, param = 0;
        int r = 0;

        if (all.b < all.e)
                r = cr_cpp_split(g->in, all.b, all.e, brackets, parts, CR_CPP_ARGS_MAX, &n);
        if (r < 0)
                return gen_fail(g, r, "too many arguments");
        for (size_t k = 0; k < n; k++) {
                const struct cr_cpp_param *p =
                        g->sig && param < g->sig->n_params ? &g->sig->params[param] : NULL;
                if (brackets && cr_cpp_is_array_span(g->in, parts[k])) {
                        r = gen_array(g, parts[k], p);
                        param += p && p->is_vector ? 1 : 2;
                } else {
                        r = gen_scalar(g, parts[k], k, p);
                        param++;
                }
                if (r < 0)
                        return r;
        }
        return gen_outputs(g, param);
}

/* fmt is always one of this file's literals, taking fn. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int gen_fail_check(struct cr_buf *b, const char *fmt, const char *fn)
{
        _cleanup_free_ char *msg = xasprintf(fmt, fn);
#pragma GCC diagnostic pop
        int r = cr_buf_append(b, "    FAIL_CHECK(", 15);

        if (r >= 0)
                r = cr_cpp_emit_quoted(b, msg, strlen(msg), '"');
        return r < 0 ? r : cr_buf_append(b, ");\n", 3);
}

/* The expected array (or a lone value, as a one-element array) as tokens. */
static int expected_elements(struct gen *g, struct cr_cpp_span sp, struct cr_cpp_token **ret, size_t *ret_n)
{
        int r;

        if (!cr_cpp_is_array_span(g->expected, sp)) {
                *ret = xzalloc(sizeof(**ret));
                cr_cpp_classify_token(g->expected + sp.b, sp.e - sp.b, *ret);
                *ret_n = 1;
                return 0;
        }
        r = parse_elements(g->expected, sp, ret, ret_n);
        if (r == -EDOM)
                return gen_fail(g, -EINVAL, "nested arrays are not supported in expected_output");
        return r < 0 ? gen_fail(g, r, "cannot parse expected_output") : 0;
}

/* The check of a result: `    CHECK(<pre><call><post>);`, or when the call
 * returns the value (capture), the same assertion with the value sent to
 * the judge on its way (CR_FM_RUNTIME):
 *
 *     CRFM((<pre><call> ->* cr_fm::cr_fm_cap<post>), <pre><call><post>);
 *
 * CRFM is doctest's CHECK with the expression it shows (the second copy,
 * stringified as CHECK stringifies its own) apart from the one it
 * evaluates, so doctest's messages stay the original's byte for byte;
 * "    CRFM((" is as long as "    CHECK(", so the call's tokens keep their
 * columns in compiler messages. */
static int emit_check(struct cr_buf *b, const char *pre, const char *call, const char *post, bool capture)
{
        if (!capture)
                return cr_buf_printf(b, "    CHECK(%s%s%s);\n", pre, call, post);
        return cr_buf_printf(b, "    CRFM((%s%s ->* cr_fm::cr_fm_cap%s), %s%s%s);\n", pre, call, post, pre, call,
                             post);
}

/* `CHECK(<lhs> == <vector of vectors type>{{...}, ...});` */
static int check_nested_vector(struct gen *g, const char *lhs, const char *vtype, struct cr_cpp_span sp,
                               bool capture)
{
        _cleanup_buf_ struct cr_buf post = CR_BUF_INIT(g->body->max);
        int r = cr_buf_printf(&post, " == %s", vtype);

        if (r >= 0)
                r = emit_vector_init(&post, g->expected, sp, vtype, 0);
        if (r == -EDOM)
                return gen_fail(g, -EINVAL, "expected_output's arrays do not nest like the result's vectors");
        return r < 0 ? r : emit_check(g->body, "", lhs, post.data, capture);
}

/* `CHECK(<lhs> == <vector type>{...});` */
static int check_vector(struct gen *g, const char *lhs, const char *vtype, enum cr_cpp_kind kind,
                        const struct cr_cpp_token *t, size_t n, bool capture)
{
        _cleanup_buf_ struct cr_buf post = CR_BUF_INIT(g->body->max);
        int r = cr_buf_printf(&post, " == %s{", vtype);

        if (r >= 0)
                r = emit_list(&post, t, n, kind);
        if (r >= 0)
                r = cr_buf_append(&post, "}", 1);
        return r < 0 ? r : emit_check(g->body, "", lhs, post.data, capture);
}

/* Compares a C array element by element: `T exp<i>[] = {...};` and one CHECK
 * in a loop, so the failure shows the differing values. */
static int check_c_array(struct gen *g, const struct target *tg, const struct cr_cpp_token *t, size_t n)
{
        _cleanup_free_ char *exp = xasprintf("exp%zu", g->test);
        bool strings = tg->kind == CR_CPP_KIND_CHAR_PTR;
        int r;

        if (tg->count < n && !g->out.name)
                return gen_fail_check(g->body,
                                      "expected_output has more elements than the array %s() changed",
                                      g->sig->name);
        r = emit_array(g->body, strings ? "const char*" : tg->type, exp, t, n, tg->kind, false);
        if (r >= 0)
                r = cr_buf_printf(g->body, "    for (int i = 0; i < %zu; i++) CHECK(%s%s[i]%s%s[i]%s);\n", n,
                                  strings ? "strcmp(" : "", tg->name, strings ? ", " : " == ", exp,
                                  strings ? ") == 0" : "");
        return r;
}

/* ` cr_fm::...(<target>);`: what a void function wrote, sent to the judge
 * (CR_FM_RUNTIME). An output array has no length of its own: as many
 * elements are shown as the check compares. */
static int capture_target(struct gen *g, const struct target *tg, struct cr_cpp_span sp)
{
        struct cr_cpp_token *t = NULL;
        size_t n = tg->count;
        int r;

        if (tg->chars)
                return cr_buf_printf(g->body, " cr_fm::cr_fm_emit_chars(%s);", tg->name);
        if (tg->vector || tg->scalar)
                return cr_buf_printf(g->body, " cr_fm::cr_fm_emit(%s, cr_fm::cr_fm_r1());", tg->name);
        if (tg != &g->in_place) {
                if (sp.e == sp.b || !cr_cpp_is_array_span(g->expected, sp))
                        return 0;
                if (parse_elements(g->expected, sp, &t, &n) < 0)
                        return 0; /* the check says why */
                tokens_free(t, n);
        }
        r = cr_buf_printf(g->body, " cr_fm::cr_fm_emit_n(%s, %zu);", tg->name, n);
        return r;
}

/* A void function: call it, then compare what it wrote. */
static int gen_void_check(struct gen *g, const char *call, struct cr_cpp_span sp)
{
        const struct target *tg = g->out.name ? &g->out : g->in_place.name ? &g->in_place : NULL;
        struct cr_cpp_token *t = NULL;
        size_t n = 0;
        int r;

        r = cr_buf_printf(g->body, "    %s;", call);
        if (r >= 0 && tg)
                r = capture_target(g, tg, sp);
        if (r >= 0)
                r = cr_buf_append(g->body, "\n", 1);
        if (r < 0 || sp.e == sp.b)
                return r;
        if (!tg || (tg == &g->in_place && !cr_cpp_is_array_span(g->expected, sp)))
                return gen_fail_check(g->body,
                                      "%s() returns void and writes no array: expected_output cannot "
                                      "be compared (the test needs custom_validation_code)",
                                      g->sig->name);
        if (tg->chars || tg->scalar) {
                /* one value, whatever it looks like: "[]" is a string here */
                struct cr_cpp_token one;
                cr_cpp_classify_token(g->expected + sp.b, sp.e - sp.b, &one);
                r = cr_buf_printf(g->body,
                                  tg->chars ? "    CHECK(strcmp(%s, " : "    CHECK(%s == ", tg->name);
                if (r >= 0)
                        r = cr_cpp_emit_value(g->body, &one, tg->chars ? CR_CPP_KIND_CHAR_PTR : tg->kind);
                if (r >= 0)
                        r = cr_buf_printf(g->body, "%s);\n", tg->chars ? ") == 0" : "");
                cr_cpp_token_done(&one);
                return r;
        }
        if (tg->vector && tg->kind == CR_CPP_KIND_VECTOR)
                return check_nested_vector(g, tg->name, tg->type, sp, false);
        r = expected_elements(g, sp, &t, &n);
        if (r < 0)
                return r;
        if (tg->vector)
                r = check_vector(g, tg->name, tg->type, tg->kind, t, n, false);
        else
                r = check_c_array(g, tg, t, n);
        tokens_free(t, n);
        return r;
}

/* The light check of a number, bool or char (code that needs no prelude):
 * CHECK(<call> == <literal>) with doctest's assertion prebuilt in the cpp
 * image (<coderunner/light-checks.h>), the same messages byte for byte;
 * "    CRFS((" is as long as "    CHECK(", so the call keeps its columns. */
static int emit_light_check(struct cr_buf *b, const char *call, const char *literal)
{
        return cr_buf_printf(b, "    CRFS((%s ->* cr_fm::cr_fm_cap), (%s), %s == %s);\n", call, literal, call,
                             literal);
}

/* `CHECK(<call> == <literal>);`, with strcmp for char* results (§6.4). */
static int gen_value_check(struct gen *g, const char *call, struct cr_cpp_span sp)
{
        const struct cr_cpp_sig *sig = g->sig;
        bool light = g->light && !sig->returns_char_ptr;
        struct cr_cpp_token t;
        int r;

        _cleanup_buf_ struct cr_buf post = CR_BUF_INIT(g->body->max);

        cr_cpp_classify_token(g->expected + sp.b, sp.e - sp.b, &t);
        r = light ? 0 : cr_buf_append(&post, sig->returns_char_ptr ? ", " : " == ", sig->returns_char_ptr ? 2 : 4);
        if (r >= 0)
                r = cr_cpp_emit_value(&post, &t, sig->returns_char_ptr ? CR_CPP_KIND_CHAR_PTR : sig->return_kind);
        if (r >= 0 && sig->returns_char_ptr)
                r = cr_buf_append(&post, ") == 0", 6);
        if (r >= 0 && light)
                r = emit_light_check(g->body, call, post.data);
        else if (r >= 0)
                r = emit_check(g->body, sig->returns_char_ptr ? "strcmp(" : "", call, post.data, true);
        cr_cpp_token_done(&t);
        return r;
}

/* A vector result against an expected array, element by element. */
static int gen_vector_check(struct gen *g, const char *call, struct cr_cpp_span sp)
{
        _cleanup_free_ char *elem = NULL;
        enum cr_cpp_kind kind = vector_elem_kind(g->sig->return_value_type, &elem);
        struct cr_cpp_token *t = NULL;
        size_t n = 0;
        int r;

        if (kind == CR_CPP_KIND_VECTOR)
                return check_nested_vector(g, call, g->sig->return_value_type, sp, true);
        r = expected_elements(g, sp, &t, &n);
        if (r >= 0)
                r = check_vector(g, call, g->sig->return_value_type, kind, t, n, true);
        tokens_free(t, n);
        return r;
}

/* The check (§6.4), with the fixes: an empty expected_output is compared
 * (with "" for string results) or fails the test, it never passes by
 * itself; void functions are compared through what they write. */
static int gen_check(struct gen *g)
{
        const struct cr_cpp_sig *sig = g->sig;
        _cleanup_free_ char *call = sig->owner ? xasprintf("%s().%s(%s)", sig->owner, sig->name,
                                                             g->call.data ? g->call.data : "")
                                               : xasprintf("%s(%s)", sig->name, g->call.data ? g->call.data : "");
        struct cr_cpp_span sp = cr_cpp_trim(g->expected, (struct cr_cpp_span){0, strlen(g->expected)});
        bool string_result = sig->returns_char_ptr || sig->return_kind == CR_CPP_KIND_STRING;
        int r;

        if (sig->return_kind == CR_CPP_KIND_VOID)
                r = gen_void_check(g, call, sp);
        else if (sp.e == sp.b && !string_result)
                r = gen_fail_check(g->body,
                                   "expected_output is empty: nothing to compare the result of %s() with",
                                   sig->name);
        else if (sig->return_kind == CR_CPP_KIND_VECTOR && cr_cpp_is_array_span(g->expected, sp))
                r = gen_vector_check(g, call, sp);
        else
                r = gen_value_check(g, call, sp);
        return r < 0 ? gen_fail(g, r, "cannot add the check") : 0;
}

/* custom_validation_code goes in verbatim, so it must not be able to close
 * its TEST_CASE early or swallow the ones after it. */
static int check_custom(size_t test, const char *code, size_t len, struct cr_error **err)
{
        _cleanup_free_ char *t = NULL;
        bool complete;
        int depth[3] = {};
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_CPP, code, len, &t, &complete, err);
        if (r < 0)
                return cr_error_wrap(err, "test %zu: custom_validation_code", test);
        if (!complete)
                return cr_error_make(
                        err, EINVAL, CR_ERROR_INVALID,
                        "test %zu: custom_validation_code has an unterminated comment or literal", test);
        for (size_t i = 0; i < len; i++) {
                const char *o = strchr("{([", t[i]), *c = strchr("})]", t[i]);
                if (t[i] && o)
                        depth[o - "{(["]++;
                else if (t[i] && c && --depth[c - "})]"] < 0)
                        break;
        }
        if (depth[0] || depth[1] || depth[2])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "test %zu: custom_validation_code has unbalanced brackets", test);
        while (len > 0 && in_space(code[len - 1]) && code[len - 1] != '\n')
                len--;
        if (len > 0 && code[len - 1] == '\\')
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "test %zu: custom_validation_code ends with a line continuation", test);
        return 0;
}

static const char *str_or_empty(const char *s)
{
        return s ? s : "";
}

static int check_test(const struct cr_judge_test *t, size_t i, bool have_sig, struct cr_error **err)
{
        static const char *const names[] = {"input", "expected_output", "custom_validation_code"};
        const char *fields[] = {t->input, t->expected_output, t->custom_validation_code};

        for (size_t k = 0; k < 3; k++)
                if (fields[k] && strlen(fields[k]) > CR_JUDGE_FIELD_MAX)
                        return cr_error_make(err, E2BIG, CR_ERROR_INVALID,
                                            "test %zu: %s is too long (at most %u bytes)", i, names[k],
                                            CR_JUDGE_FIELD_MAX);
        if (!have_sig && !str_or_empty(t->custom_validation_code)[0])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                    "test %zu: no solution function was found and the test has no "
                                    "custom_validation_code",
                                    i);
        return 0;
}

/* A bounded buffer refused: -ENOSPC is the caller's size limit. */
static int buf_fail(int r, struct cr_error **err)
{
        if (r == -ENOMEM)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "out of memory");
        return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated source is too large");
}

/* TEST_CASE("t<i>") { ... }; for code that needs no prelude CRFM_CASE,
 * the same registration prebuilt in the cpp image (light-checks.h). */
static int gen_test(const struct cr_cpp_sig *sig, const struct cr_judge_test *t, size_t i, bool light,
                    struct cr_buf *out, struct cr_error **err)
{
        const char *custom = str_or_empty(t->custom_validation_code);
        size_t clen = strlen(custom);
        int r;

        r = check_test(t, i, sig != NULL, err);
        if (r < 0)
                return r;
        r = cr_buf_printf(out, "%s(\"t%zu\") {\n", light ? "CRFM_CASE" : "TEST_CASE", i);
        if (r < 0)
                return buf_fail(r, err);
        if (clen > 0) {
                r = check_custom(i, custom, clen, err);
                if (r < 0)
                        return r;
                r = cr_buf_append(out, custom, clen);
                if (r >= 0 && custom[clen - 1] != '\n')
                        r = cr_buf_append(out, "\n", 1);
        } else {
                struct gen g = {.sig = sig,
                                .test = i,
                                .in = str_or_empty(t->input),
                                .expected = str_or_empty(t->expected_output),
                                .body = out,
                                .call = CR_BUF_INIT(CR_JUDGE_FIELD_MAX * 8),
                                .light = light,
                                .err = err};
                r = gen_args(&g);
                if (r >= 0)
                        r = gen_check(&g);
                gen_done(&g);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = cr_buf_append(out, "}\n", 2);
        return r < 0 ? buf_fail(r, err) : 0;
}

/* The original's layout (§6.6), so the student's line N is still reported as
 * solution.cpp:(N+6) and test lines keep their numbers. Two changes: the
 * include is <doctest/doctest.h>, where Debian's doctest-dev puts it, and
 * doctest's implementation and main are not compiled here but linked from
 * the runner the cpp image prebuilt (rootfs/recipes/cpp.conf). Where the
 * original defined DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN, the image's prelude
 * gives the code what that define gave it (doctest.h and the standard
 * headers of doctest's implementation), precompiled: only directives and
 * comments come before it. */
static const char header[] = "#line 1 \"solution.cpp\"\n"
                             "// Start Test\n"
                             "#include <coderunner/doctest.h> // doctest's main and implementation are prebuilt\n"
                             "#include <doctest/doctest.h>\n"
                             "#include <cstring>\n"
                             "\n"
                             "// Solution - Start\n";

/* The same lines for code that needs no prelude (cr_cpp_needs_prelude()):
 * instead of the standard headers, whose parsing and template
 * instantiation cost most of a compile and cannot be precompiled away (GCC
 * instantiates a header's pending templates in every file that uses its
 * .gch), the image's light header, also precompiled: what the language
 * itself relies on without a name (placement new and typeid: <exception>
 * brings <new> and <typeinfo>; braced lists: <initializer_list>). Not
 * doctest.h: such code's tests use the light checks (light_checks below).
 * The lines after it repeat its includes (guarded, free) so the file says
 * what it uses. */
static const char header_light[] = "#line 1 \"solution.cpp\"\n"
                                   "// Start Test\n"
                                   "#include <coderunner/light.h> // the code names nothing of the prelude\n"
                                   "#include <exception>\n"
                                   "#include <cstring>\n"
                                   "#include <initializer_list>\n"
                                   "// Solution - Start\n";

/* How a test sends the value its call returned (or its void call wrote) to
 * the judge: a line "\n\x1e" "CR-RESULT <literal>\n" on stdout (CR_FM_MARKER,
 * the literal syntax of value.h, read by lang-cpp.c), beside doctest's
 * report, which never prints the marker and whose parser skips such lines.
 *
 * `<call> ->* cr_fm::cr_fm_cap` prints the call's value and yields it
 * unchanged (same type and value category), inside the CHECK, so an
 * exception still happens where doctest's CHECK reports it. CRFM is
 * DOCTEST_CHECK (doctest 2.4.9 to 2.5: DOCTEST_ASSERT_IMPLEMENT_1/2) with
 * the evaluated expression apart from the text it shows (see emit_check()).
 *
 * Written for code we do not control: no standard header is needed (the
 * light header has none), names are prefixed, and no type is spelled with a
 * keyword a student's macro may redefine (`#define int long long`): types
 * come from literals. Values of other types (pairs, the student's own)
 * print nothing: the judge then shows no actual value. */
static const char capture_runtime[] =
        "#define CR_FM_ID(...) __VA_ARGS__\n"
        "#define CRFM(cr_fm_expr, ...) DOCTEST_FUNC_SCOPE_BEGIN { "
        "doctest::detail::ResultBuilder DOCTEST_RB(doctest::assertType::DT_CHECK, __FILE__, __LINE__, #__VA_ARGS__); "
        "DOCTEST_WRAP_IN_TRY(DOCTEST_RB.setResult(doctest::detail::ExpressionDecomposer(doctest::assertType::DT_CHECK) "
        "<< CR_FM_ID cr_fm_expr)) DOCTEST_ASSERT_LOG_REACT_RETURN(DOCTEST_RB); } DOCTEST_FUNC_SCOPE_END\n"
        "namespace cr_fm {\n"
        "typedef decltype(sizeof 0) cr_fm_size;\n"
        "struct cr_fm_r0 {}; struct cr_fm_r1 : cr_fm_r0 {}; struct cr_fm_r2 : cr_fm_r1 {}; struct cr_fm_r3 : cr_fm_r2 {};\n"
        "struct cr_fm_cap_t {};\n"
        "static const cr_fm_cap_t cr_fm_cap = {};\n"
        "inline void cr_fm_str(const char *cr_fm_s, cr_fm_size cr_fm_n) {\n"
        "        __builtin_putchar('\"');\n"
        "        for (cr_fm_size cr_fm_i = 0; cr_fm_i < cr_fm_n; cr_fm_i++) {\n"
        "                decltype(0U) cr_fm_c = cr_fm_s[cr_fm_i] & 0xffU;\n"
        "                if (cr_fm_c == '\"' || cr_fm_c == '\\\\') __builtin_printf(\"\\\\%c\", cr_fm_c);\n"
        "                else if (cr_fm_c < 0x20 || cr_fm_c == 0x7f) __builtin_printf(\"\\\\u%04x\", cr_fm_c);\n"
        "                else __builtin_putchar(cr_fm_c);\n"
        "        }\n"
        "        __builtin_putchar('\"');\n"
        "}\n"
        "inline decltype(0) cr_fm_scalar(decltype(true) cr_fm_v) { __builtin_printf(\"%s\", cr_fm_v ? \"true\" : \"false\"); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype('a') cr_fm_v) { cr_fm_str(&cr_fm_v, 1); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0) cr_fm_v) { __builtin_printf(\"%d\", cr_fm_v); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0U) cr_fm_v) { __builtin_printf(\"%u\", cr_fm_v); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0L) cr_fm_v) { __builtin_printf(\"%ld\", cr_fm_v); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0UL) cr_fm_v) { __builtin_printf(\"%lu\", cr_fm_v); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0LL) cr_fm_v) { __builtin_printf(\"%lld\", cr_fm_v); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0ULL) cr_fm_v) { __builtin_printf(\"%llu\", cr_fm_v); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(0.0) cr_fm_v) {\n"
        "        if (cr_fm_v != cr_fm_v) __builtin_printf(\"NaN\");\n"
        "        else if (cr_fm_v > 1.7976931348623157e308 || cr_fm_v < -1.7976931348623157e308) __builtin_printf(cr_fm_v > 0 ? \"Infinity\" : \"-Infinity\");\n"
        "        else __builtin_printf(\"%.17g\", cr_fm_v);\n"
        "        return 0;\n"
        "}\n"
        "inline decltype(0) cr_fm_scalar(decltype(0.0L) cr_fm_v) { return cr_fm_scalar(static_cast<decltype(0.0)>(cr_fm_v)); }\n"
        "inline decltype(0) cr_fm_scalar(const char *cr_fm_v) { if (cr_fm_v) cr_fm_str(cr_fm_v, __builtin_strlen(cr_fm_v)); else __builtin_printf(\"null\"); return 0; }\n"
        "inline decltype(0) cr_fm_scalar(decltype(nullptr)) { __builtin_printf(\"null\"); return 0; }\n"
        "template <class CR_FM_T> void cr_fm_pick(const CR_FM_T &, cr_fm_r0) {}\n"
        "template <class CR_FM_T> auto cr_fm_pick(const CR_FM_T &cr_fm_v, cr_fm_r1) -> decltype(cr_fm_scalar(cr_fm_v)) { return cr_fm_scalar(cr_fm_v); }\n"
        "template <class CR_FM_T> auto cr_fm_pick(const CR_FM_T &cr_fm_v, cr_fm_r2) -> decltype(cr_fm_pick(*cr_fm_v.begin(), cr_fm_r3()) + (cr_fm_v.end(), 0)) {\n"
        "        decltype(0) cr_fm_k = 0;\n"
        "        __builtin_putchar('[');\n"
        "        for (auto cr_fm_it = cr_fm_v.begin(); cr_fm_it != cr_fm_v.end(); ++cr_fm_it, cr_fm_k++) {\n"
        "                if (cr_fm_k) __builtin_putchar(',');\n"
        "                cr_fm_pick(*cr_fm_it, cr_fm_r3());\n"
        "        }\n"
        "        __builtin_putchar(']');\n"
        "        return 0;\n"
        "}\n"
        "template <class CR_FM_T> auto cr_fm_pick(const CR_FM_T &cr_fm_v, cr_fm_r3) -> decltype(cr_fm_v.c_str(), cr_fm_v.size(), 0) { cr_fm_str(cr_fm_v.data(), cr_fm_v.size()); return 0; }\n"
        "inline void cr_fm_begin() { __builtin_printf(\"\\n\\036CR-RESULT \"); }\n"
        "inline void cr_fm_end() { __builtin_putchar('\\n'); }\n"
        "template <class CR_FM_T> auto cr_fm_emit(const CR_FM_T &cr_fm_v, cr_fm_r1) -> decltype(cr_fm_pick(cr_fm_v, cr_fm_r3()) + 0, void()) {\n"
        "        cr_fm_begin(); cr_fm_pick(cr_fm_v, cr_fm_r3()); cr_fm_end();\n"
        "}\n"
        "template <class CR_FM_T> void cr_fm_emit(const CR_FM_T &, cr_fm_r0) {}\n"
        "template <class CR_FM_T> void cr_fm_emit_n(const CR_FM_T *cr_fm_v, cr_fm_size cr_fm_n) {\n"
        "        cr_fm_begin(); __builtin_putchar('[');\n"
        "        for (cr_fm_size cr_fm_i = 0; cr_fm_i < cr_fm_n; cr_fm_i++) { if (cr_fm_i) __builtin_putchar(','); cr_fm_pick(cr_fm_v[cr_fm_i], cr_fm_r3()); }\n"
        "        __builtin_putchar(']'); cr_fm_end();\n"
        "}\n"
        "inline void cr_fm_emit_chars(const char *cr_fm_v) { cr_fm_begin(); cr_fm_scalar(cr_fm_v); cr_fm_end(); }\n"
        "template <class CR_FM_T> CR_FM_T &&operator->*(CR_FM_T &&cr_fm_v, cr_fm_cap_t) { cr_fm_emit(cr_fm_v, cr_fm_r1()); return static_cast<CR_FM_T &&>(cr_fm_v); }\n"
        "}\n";

/* What code that needs no prelude checks with (rootfs/recipes/cpp.conf
 * writes it and builds its definitions into the runner): each CRFS
 * becomes calls into doctest-runner.o instead of doctest's templates and
 * inline functions instantiated and compiled here, about a third of such a
 * file's compile (docs/internals/performance.md). */
static const char light_checks[] = "#include <coderunner/light-checks.h>\n";

/* The test cases are compiled without optimisation (the student's code
 * keeps the compiler's -O2): they only call it and compare, and doctest's
 * CHECKs are much cheaper to build at -O0. For code that needs no prelude,
 * the light checks' declarations come next (after the code, so that their
 * names cannot meet the student's), then the capture runtime; the #line
 * after it puts the numbering back where it was. */
static int tests_section(struct cr_buf *b, bool light)
{
        size_t lines = 0;
        int r;

        for (size_t i = 0; i < b->len; i++)
                lines += b->data[i] == '\n';
        r = cr_buf_append(b, "#pragma GCC optimize (\"O0\")\n", 28);
        if (r >= 0 && light)
                r = cr_buf_append(b, light_checks, sizeof(light_checks) - 1);
        if (r >= 0)
                r = cr_buf_append(b, capture_runtime, sizeof(capture_runtime) - 1);
        /* physical line k is numbered k - 1 (the first line is the #line 1) */
        return r < 0 ? r : cr_buf_printf(b, "#line %zu \"solution.cpp\"\n", lines);
}

int cr_cpp_generate(const char *code, const struct cr_cpp_sig *sig,
                         const struct cr_judge_test *tests, size_t n, struct cr_buf *out_source,
                         struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(0);
        size_t clen;
        bool light;
        int r;

        if (!code || !out_source || (!tests && n > 0) || out_source->len > out_source->max)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid arguments");
        clen = strlen(code);
        if (clen > CR_JUDGE_CODE_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "code is too long (%zu bytes, at most %u)",
                                    clen, CR_JUDGE_CODE_MAX);
        if (n > CR_JUDGE_TESTS_MAX)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "too many tests (%zu, at most %u)", n,
                                    CR_JUDGE_TESTS_MAX);
        b.max = out_source->max - out_source->len;
        light = !cr_cpp_needs_prelude(code, clen, sig, tests, n);
        if (light)
                r = cr_buf_append(&b, header_light, sizeof(header_light) - 1);
        else
                r = cr_buf_append(&b, header, sizeof(header) - 1);
        if (r >= 0)
                r = cr_buf_append(&b, code, clen);
        if (r >= 0)
                r = cr_buf_printf(&b, "%s// Solution - End\n\n// Tests - Start\n",
                                  clen && code[clen - 1] != '\n' ? "\n" : "");
        if (r >= 0)
                r = tests_section(&b, light);
        if (r < 0)
                return buf_fail(r, err);
        for (size_t i = 0; i < n; i++) {
                r = gen_test(sig, &tests[i], i, light, &b, err);
                if (r < 0)
                        return r;
        }
        r = cr_buf_append(&b, "// Tests - End\n", 15);
        if (r >= 0)
                r = cr_buf_append(out_source, b.data, b.len);
        return r < 0 ? buf_fail(r, err) : 0;
}
