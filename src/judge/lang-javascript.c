/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/funcmode.h"
#include "judge/value.h"
#include "xalloc.h"

/* JavaScript: any top-level statement that is not a declaration or import
 * is an entry point. Function mode calls a top-level function (`function
 * f(`, `const f = function (`, `const f = (...) =>`, LeetCode's `var f =
 * function(`) or a method of `class Solution` on a new instance. TypeScript
 * (lang-typescript.c) shares all of this and adds types. */

static bool entry_js(const struct cr_scan *sc)
{
        return cr_scan_js_entry(sc, false);
}

/* ================================================================ finding the function */

struct js_fn {
        struct cr_fm_candidate c;
        size_t params, params_end;      /* inside the parentheses */
        size_t ret, ret_end;            /* TypeScript: the return annotation */
        size_t cls, cls_end;            /* the class, for a method */
        bool is_static;
        bool generator;
};

struct js_scan {
        const char *t;
        size_t len;
        struct js_fn fns[CR_FM_CANDIDATES_MAX];
        size_t n;
};

static size_t skip_ws(const char *t, size_t len, size_t i)
{
        while (i < len && cr_scan_is_space((unsigned char) t[i]))
                i++;
        return i;
}

static size_t ident_end(const char *t, size_t len, size_t i)
{
        while (i < len && cr_scan_is_ident((unsigned char) t[i]))
                i++;
        return i;
}

static bool word(const struct js_scan *js, size_t i, const char *w)
{
        struct cr_scan sc = {.t = js->t, .len = js->len};

        return cr_scan_word_at(&sc, i, w);
}

/* After the bracket at i (one of ([{<) and everything it encloses, or len. */
static size_t close_of(const char *t, size_t len, size_t i)
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

/* The end of an arrow function's body starting at i: a block, or an
 * expression up to ';' or a line end outside brackets. */
static size_t expression_end(const char *t, size_t len, size_t i)
{
        int depth = 0;

        i = skip_ws(t, len, i);
        if (i < len && t[i] == '{')
                return close_of(t, len, i);
        for (; i < len; i++) {
                if (strchr("([{", t[i]))
                        depth++;
                else if (strchr(")]}", t[i]) && --depth < 0)
                        return i;
                else if (depth == 0 && (t[i] == ';' || t[i] == '\n'))
                        return i;
        }
        return len;
}

/* `(params) [: type]` at i; returns the index after it (0 if it is not). */
static size_t read_params(const struct js_scan *js, size_t i, struct js_fn *f)
{
        const char *t = js->t;
        size_t len = js->len;

        i = skip_ws(t, len, i);
        if (i < len && t[i] == '<') /* TypeScript type parameters */
                i = skip_ws(t, len, close_of(t, len, i));
        if (i >= len || t[i] != '(')
                return 0;
        f->params = i + 1;
        i = close_of(t, len, i);
        f->params_end = i - 1;
        i = skip_ws(t, len, i);
        if (i < len && t[i] == ':') {
                int depth = 0;
                f->ret = skip_ws(t, len, i + 1);
                for (i = f->ret; i < len; i++) {
                        if (strchr("(<[", t[i]))
                                depth++;
                        else if (strchr(")>]", t[i]) && depth > 0 && !(t[i] == '>' && t[i - 1] == '='))
                                depth--;
                        else if (depth == 0 && (t[i] == '{' || (t[i] == '=' && i + 1 < len && t[i + 1] == '>')))
                                break;
                }
                f->ret_end = i;
                while (f->ret_end > f->ret && cr_scan_is_space((unsigned char) t[f->ret_end - 1]))
                        f->ret_end--;
        }
        return i;
}

/* `function [*] [name] (params) [: type] { body }` at i (on "function"). */
static size_t read_function(struct js_scan *js, size_t i, struct js_fn *f, bool named)
{
        const char *t = js->t;
        size_t len = js->len, k;

        i = skip_ws(t, len, i + 8);
        if (i < len && t[i] == '*') {
                f->generator = true;
                i = skip_ws(t, len, i + 1);
        }
        if (named) {
                f->c.name = i;
                f->c.name_end = ident_end(t, len, i);
                if (f->c.name_end == i)
                        return 0;
                i = f->c.name_end;
        } else
                i = ident_end(t, len, i); /* a function expression's own name */
        k = read_params(js, i, f);
        if (k == 0 || k >= len || t[k] != '{')
                return 0;
        return close_of(t, len, k);
}

/* What follows `const name =`: a function expression or an arrow. */
static size_t read_initializer(struct js_scan *js, size_t i, struct js_fn *f)
{
        const char *t = js->t;
        size_t len = js->len, k;

        i = skip_ws(t, len, i);
        if (word(js, i, "async"))
                i = skip_ws(t, len, i + 5);
        if (word(js, i, "function"))
                return read_function(js, i, f, false);
        if (i < len && cr_scan_is_ident((unsigned char) t[i])) { /* x => ... */
                k = ident_end(t, len, i);
                f->params = i;
                f->params_end = k;
                k = skip_ws(t, len, k);
        } else if ((k = read_params(js, i, f)) == 0)
                return 0;
        if (k + 1 >= len || t[k] != '=' || t[k + 1] != '>')
                return 0;
        return expression_end(t, len, k + 2);
}

static void add_fn(struct js_scan *js, const struct js_fn *f, size_t start, size_t end)
{
        if (js->n >= CR_FM_CANDIDATES_MAX)
                return;
        js->fns[js->n] = *f;
        js->fns[js->n].c.body = start;
        js->fns[js->n].c.body_end = end;
        js->fns[js->n].c.line = cr_fm_line_of(js->t, f->c.name);
        js->n++;
}

/* The methods of a class body [b, e). */
static void read_class_body(struct js_scan *js, size_t b, size_t e, size_t cls, size_t cls_end)
{
        static const char *const modifiers[] = {"static", "async", "public", "private", "protected", "readonly",
                                                "override", "abstract"};
        const char *t = js->t;

        for (size_t i = skip_ws(t, e, b); i < e; i = skip_ws(t, e, i)) {
                struct js_fn f = {.cls = cls, .cls_end = cls_end, .c.in_class = true};
                size_t start = i, k;
                bool mod = true;

                while (mod) {
                        mod = false;
                        for (size_t m = 0; m < sizeof(modifiers) / sizeof(modifiers[0]); m++)
                                if (word(js, i, modifiers[m])) {
                                        f.is_static |= strcmp(modifiers[m], "static") == 0;
                                        i = skip_ws(t, e, i + strlen(modifiers[m]));
                                        mod = true;
                                }
                }
                f.c.name = i;
                f.c.name_end = ident_end(t, e, i);
                k = f.c.name_end > i ? read_params(js, f.c.name_end, &f) : 0;
                if (k == 0 || k >= e || t[k] != '{') { /* a field, an accessor: skip the statement */
                        i = expression_end(t, e, f.c.name_end > i ? f.c.name_end : i + 1) + 1;
                        continue;
                }
                i = close_of(t, e, k);
                if (!word(js, f.c.name, "constructor"))
                        add_fn(js, &f, start, i);
        }
}

/* One top-level statement at i; returns where the next one may start. */
static size_t read_statement(struct js_scan *js, size_t i)
{
        const char *t = js->t;
        size_t len = js->len, start = i, e;
        struct js_fn f = {};

        while (word(js, i, "export") || word(js, i, "default") || word(js, i, "declare"))
                i = skip_ws(t, len, ident_end(t, len, i));
        if (word(js, i, "async"))
                i = skip_ws(t, len, i + 5);
        if (word(js, i, "function")) {
                e = read_function(js, i, &f, true);
                if (e)
                        add_fn(js, &f, start, e);
                return e ? e : i + 8;
        }
        if (word(js, i, "const") || word(js, i, "let") || word(js, i, "var")) {
                i = skip_ws(t, len, ident_end(t, len, i));
                f.c.name = i;
                f.c.name_end = ident_end(t, len, i);
                i = skip_ws(t, len, f.c.name_end);
                if (i < len && t[i] == ':') /* a TypeScript type on the variable */
                        while (i < len && t[i] != '=' && t[i] != ';' && t[i] != '\n')
                                i++;
                if (f.c.name_end > f.c.name && i < len && t[i] == '=' && (e = read_initializer(js, i + 1, &f))) {
                        add_fn(js, &f, start, e);
                        return e;
                }
                return expression_end(t, len, i);
        }
        if (word(js, i, "class")) {
                size_t cls = skip_ws(t, len, i + 5), cls_end = ident_end(t, len, cls), b = cls_end;
                while (b < len && t[b] != '{')
                        b++;
                e = close_of(t, len, b);
                read_class_body(js, b + 1, e > b + 1 ? e - 1 : b + 1, cls, cls_end);
                return e;
        }
        return i + 1;
}

static void scan_functions(struct js_scan *js)
{
        const char *t = js->t;
        size_t len = js->len, i = 0;

        while ((i = skip_ws(t, len, i)) < len) {
                if (cr_scan_is_ident((unsigned char) t[i]) && (i == 0 || !cr_scan_is_ident((unsigned char) t[i - 1])))
                        i = read_statement(js, i);
                else if (strchr("([{", t[i]))
                        i = close_of(t, len, i); /* an expression at the top level */
                else
                        i++;
        }
}

static bool in_class(const struct js_scan *js, const struct js_fn *f, const char *name)
{
        return f->c.in_class && f->cls_end - f->cls == strlen(name) && memcmp(js->t + f->cls, name, strlen(name)) == 0;
}

/* The methods of class Solution when it has any, else the top-level
 * functions, else the methods of any class. */
static size_t pick_candidates(const struct js_scan *js, const struct js_fn **out)
{
        size_t n = 0;

        for (size_t k = 0; k < js->n; k++)
                if (in_class(js, &js->fns[k], "Solution") && js->t[js->fns[k].c.name] != '#')
                        out[n++] = &js->fns[k];
        if (n == 0)
                for (size_t k = 0; k < js->n; k++)
                        if (!js->fns[k].c.in_class)
                                out[n++] = &js->fns[k];
        if (n == 0)
                for (size_t k = 0; k < js->n; k++)
                        out[n++] = &js->fns[k];
        return n;
}

/* ================================================================ signatures */

static int js_param(const char *t, size_t b, size_t e, cr_js_type_fn type_of, struct cr_fm_param *p,
                    struct cr_error **err)
{
        _cleanup_free_ char *text = cr_fm_normalize(t + b, e - b), *annot = NULL;
        char *colon, *eq;

        if (text[0] == '.' || text[0] == '{' || text[0] == '[')
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "parameter %s: rest and destructuring parameters are not supported", text);
        eq = strchr(text, '=');
        if (eq)
                *eq = 0;
        colon = strchr(text, ':');
        if (colon) {
                *colon = 0;
                annot = cr_fm_normalize(colon + 1, strlen(colon + 1));
        }
        for (char *q = text; *q; q++)
                if (*q == '?')
                        *q = 0;
        p->name = cr_fm_normalize(text, strlen(text));
        if (type_of(annot ? annot : "", &p->type, false) < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "parameter %s: type %s is not supported (function mode passes number, "
                                     "bigint, string, boolean and arrays of them)",
                                     p->name, annot);
        return 0;
}

static int js_signature(const struct js_scan *js, const struct js_fn *f, cr_js_type_fn type_of,
                        struct cr_fm_sig *sig, struct cr_error **err)
{
        size_t pb[CR_FM_PARAMS_MAX + 1], pe[CR_FM_PARAMS_MAX + 1], n;
        _cleanup_free_ char *ret = NULL;
        int r;

        sig->name = xstrndup(js->t + f->c.name, f->c.name_end - f->c.name);
        sig->owner = f->c.in_class ? xstrndup(js->t + f->cls, f->cls_end - f->cls) : NULL;
        sig->is_static = f->is_static;
        sig->line = f->c.line;
        if (f->generator)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() is a generator: function mode calls "
                                     "functions that return a value", sig->name);
        n = cr_fm_split_params(js->t + f->params, f->params_end - f->params, pb, pe, CR_FM_PARAMS_MAX + 1);
        if (n > CR_FM_PARAMS_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() has more than %u parameters", sig->name,
                                     CR_FM_PARAMS_MAX);
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        for (size_t k = 0; k < n; k++) {
                r = js_param(js->t + f->params, pb[k], pe[k], type_of, &sig->params[sig->n_params++], err);
                if (r < 0)
                        return r;
        }
        ret = cr_fm_normalize(js->t + f->ret, f->ret_end - f->ret);
        if (type_of(ret, &sig->ret, true) < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "%s()'s result: type %s is not supported (function mode compares number, "
                                     "bigint, string, boolean, arrays of them, and void)",
                                     sig->name, ret);
        return 0;
}

int cr_js_detect(const char *code, size_t len, const char *wanted, bool ts, cr_js_type_fn type_of,
                 struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct js_scan *js = xzalloc(sizeof(*js));
        _cleanup_free_ char *t = NULL;
        const struct js_fn *cand[CR_FM_CANDIDATES_MAX];
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        struct cr_fm_sig sig = {};
        size_t n, pick;
        int r;

        r = cr_judge_blank_source(ts ? CR_JUDGE_LANG_TYPESCRIPT : CR_JUDGE_LANG_JAVASCRIPT, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        js->t = t;
        js->len = len;
        scan_functions(js);
        n = pick_candidates(js, cand);
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "no function found: function mode needs a top-level function (function f(, "
                                     "const f = (...) =>) or a method of class Solution");
        for (size_t k = 0; k < n; k++)
                c[k] = cand[k]->c;
        r = cr_fm_choose(t, len, c, n, wanted, "function", &pick, err);
        if (r >= 0)
                r = js_signature(js, cand[pick], type_of, &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        *ret = sig;
        return 0;
}

/* Untyped JavaScript: every parameter takes any value. */
static int js_type(const char *annot, struct cr_fm_type *t, bool result)
{
        (void) result;
        *t = (struct cr_fm_type) {.kind = CR_FM_ANY, .spelling = xstrdup(annot)};
        return 0;
}

static int js_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        return cr_js_detect(code, len, wanted, false, js_type, ret, err);
}

/* ================================================================ literals */

static int js_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        int r = cr_fm_emit_decimal(b, v);

        /* a bigint parameter (TypeScript's INT kind) */
        return r < 0 || t->kind != CR_FM_INT || !t->spelling || strcmp(t->spelling, "bigint") != 0 ?
                       r :
                       cr_buf_append_lit(b, "n");
}

static int js_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        (void) t;
        return cr_fm_emit_float_text(b, f);
}

/* A string literal: every character outside printable ASCII as \uXXXX, so
 * no line separator or control character reaches the source. */
int cr_js_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        (void) t;
        int r = cr_buf_append_lit(b, "\"");

        for (size_t i = 0; r >= 0 && i < n;) {
                long cp = cr_fm_utf8_next(s, n, &i);
                if (cp == '"' || cp == '\\')
                        r = cr_buf_printf(b, "\\%c", (char) cp);
                else if (cp >= 0x20 && cp < 0x7f)
                        r = cr_buf_printf(b, "%c", (char) cp);
                else if (cp >= 0x10000)
                        r = cr_buf_printf(b, "\\u%04lx\\u%04lx", 0xd800 + ((cp - 0x10000) >> 10),
                                          0xdc00 + ((cp - 0x10000) & 0x3ff));
                else
                        r = cr_buf_printf(b, "\\u%04lx", cp < 0 ? 0xfffd : cp);
        }
        return r < 0 ? r : cr_buf_append_lit(b, "\"");
}

/* JavaScript has no char type: a one-character string. */
static int js_char(struct cr_buf *b, unsigned cp)
{
        return cr_buf_printf(b, "String.fromCodePoint(%u)", cp);
}

static int js_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "[");
}

static int js_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "]");
}

const struct cr_fm_syntax cr_js_syntax = {
        .true_lit = "true",
        .false_lit = "false",
        .null_lit = "null",
        .emit_int = js_int,
        .emit_float = js_float,
        .emit_string = cr_js_string,
        .emit_char = js_char,
        .list_open = js_list_open,
        .list_close = js_list_close,
};

/* ================================================================ the harness */

/* After the student's code, in a function of its own so that nothing leaks
 * into the student's scope. %s are TypeScript's annotations (empty for
 * JavaScript). A result that is a promise is awaited. */
static const char js_runtime_head[] =
        "\n;(function () {\n"
        "const __crFmt = (v%s)%s => {\n"
        "    if (v === null || v === undefined) return \"null\";\n"
        "    if (typeof v === \"boolean\") return v ? \"true\" : \"false\";\n"
        "    if (typeof v === \"bigint\") return v.toString();\n"
        "    if (typeof v === \"number\") {\n"
        "        if (Number.isNaN(v)) return \"NaN\";\n"
        "        if (!Number.isFinite(v)) return v > 0 ? \"Infinity\" : \"-Infinity\";\n"
        "        return String(v);\n"
        "    }\n"
        "    if (typeof v === \"string\") return JSON.stringify(v);\n"
        "    if (Array.isArray(v) || ArrayBuffer.isView(v)) return \"[\" + Array.from(v%s, __crFmt).join(\",\") + \"]\";\n"
        "    throw new TypeError(\"a result of type \" + (v.constructor ? v.constructor.name : typeof v) +\n"
        "                        \" cannot be compared\");\n"
        "};\n"
        "const __crLine = (kind%s, text%s) => {\n"
        "    process.stdout.write(\"\\n\\x1eCR-\" + kind + \" \" + String(text).replace(/\\n/g, \" \") + \"\\n\");\n"
        "};\n";

static const char js_runtime_tail[] =
        "const __crI = Number(process.argv[2]);\n"
        "Promise.resolve(__crCases[__crI]()).then((result%s) => {\n"
        "    let text;\n"
        "    try {\n"
        "        text = __crFmt(result);\n"
        "    } catch (e) {\n"
        "        __crLine(\"ERROR\", (e%s).message);\n"
        "        return;\n"
        "    }\n"
        "    __crLine(\"RESULT\", text);\n"
        "    const check = __crChecks[__crI];\n"
        "    if (!check) return;\n"
        "    let ok;\n"
        "    try {\n"
        "        ok = check(result);\n"
        "    } catch (e) {\n"
        "        __crLine(\"CHECK\", \"fail \" + (e instanceof Error ? e.name + \": \" + e.message : String(e)));\n"
        "        return;\n"
        "    }\n"
        "    __crLine(\"CHECK\", ok === false ? \"fail it returned false\" : \"pass\");\n"
        "});\n"
        "})();\n";

static int js_call(struct cr_buf *b, const struct cr_fm_program *p, size_t i, const char *first)
{
        const struct cr_fm_sig *sig = p->sig;
        int r;

        if (!sig->owner)
                r = cr_buf_printf(b, "%s(", sig->name);
        else
                r = cr_buf_printf(b, "%s%s%s.%s(", sig->is_static ? "" : "new ", sig->owner, sig->is_static ? "" : "()",
                                  sig->name);
        if (r >= 0 && first) {
                struct cr_fm_sig rest = *sig;
                struct cr_value args = p->args[i];
                rest.params++;
                rest.n_params--;
                args.items++;
                args.n--;
                r = cr_buf_printf(b, "%s%s", first, rest.n_params ? ", " : "");
                if (r >= 0)
                        r = cr_fm_emit_args(&cr_js_syntax, b, &rest, &args, ", ");
        } else if (r >= 0)
                r = cr_fm_emit_args(&cr_js_syntax, b, sig, &p->args[i], ", ");
        return r < 0 ? r : cr_buf_append_lit(b, ")");
}

/* () => f(args), or for a function that returns nothing, its first
 * argument after the call. */
static int js_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        int r;

        if (p->sig->ret.kind != CR_FM_VOID) {
                r = cr_buf_append_lit(b, "    () => ");
                if (r >= 0)
                        r = js_call(b, p, i, NULL);
                return r < 0 ? r : cr_buf_append_lit(b, ",\n");
        }
        r = cr_buf_append_lit(b, "    () => { const a0 = ");
        if (r >= 0)
                r = cr_fm_emit(&cr_js_syntax, b, &p->sig->params[0].type, &p->args[i].items[0]);
        if (r >= 0)
                r = cr_buf_append_lit(b, "; ");
        if (r >= 0)
                r = js_call(b, p, i, "a0");
        return r < 0 ? r : cr_buf_append_lit(b, "; return a0; },\n");
}

/* The formats are this file's literals. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int cr_js_generate(const struct cr_fm_program *p, bool ts, struct cr_buf *out, struct cr_error **err)
{
        const char *any = ts ? ": any" : "";
        int r = cr_buf_append(out, p->code, p->code_len);

        if (r >= 0)
                r = cr_buf_printf(out, js_runtime_head, any, ts ? ": string" : "", ts ? " as any" : "", ts ? ": string" : "",
                                  ts ? ": unknown" : "");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i])
                        r = cr_buf_printf(out, "function __crCheck%zu(result%s)%s {\n%s\nreturn true;\n}\n", i, any,
                                          ts ? ": unknown" : "", p->custom[i]);
        if (r >= 0)
                r = cr_buf_printf(out, "const __crCases%s = [\n", ts ? ": Array<() => unknown>" : "");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = js_case(out, p, i);
        if (r >= 0)
                r = cr_buf_printf(out, "];\nconst __crChecks%s = [", ts ? ": Array<((result: any) => unknown) | null>" : "");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = p->custom[i] ? cr_buf_printf(out, "%s__crCheck%zu", i ? ", " : "", i) :
                                   cr_buf_printf(out, "%snull", i ? ", " : "");
        if (r >= 0)
                r = cr_buf_append_lit(out, "];\n");
        if (r >= 0)
                r = cr_buf_printf(out, js_runtime_tail, any, ts ? " as any" : "");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}
#pragma GCC diagnostic pop

static int js_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        return cr_js_generate(p, false, out, err);
}

static const char *const js_error_markers[] = {"Error", "Exception", NULL};

static const struct cr_fm_lang js_fm = {
        .detect = js_detect,
        .generate = js_generate,
        .syntax = &cr_js_syntax,
        .error_markers = js_error_markers,
};

const struct cr_judge_language cr_judge_lang_javascript = {
        .id = "javascript",
        .lex = {.squote_strings = true, .templates = true, .regex_literals = true},
        .has_entry_point = entry_js,
        .program_hint = "top-level statements that run it",
        .funcmode = &cr_fm_ops,
        .fm = &js_fm,
};
