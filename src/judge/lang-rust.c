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

/* Rust: `fn main(` at depth 0 (not inside `mod x { }`) is an entry point.
 * Function mode calls an associated function of `impl Solution` (LeetCode's
 * form; the harness declares `struct Solution;` when the code does not) or
 * a top-level fn. Each argument is a local of the owned type (Vec<T>,
 * String) passed as the parameter wants it (by value, &, &mut); a function
 * that returns nothing is judged by its first argument afterwards. */

static bool entry_rust(const struct cr_scan *sc)
{
        return cr_scan_keyword_main(sc, "fn");
}

/* ================================================================ types */

enum { RUST_OWNED, RUST_REF, RUST_MUT }; /* how a parameter takes its argument */

static bool eq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* The T of Name<T>, or NULL. */
static char *generic_arg(const char *a, const char *name)
{
        size_t n = strlen(a), k = strlen(name);

        if (n <= k + 2 || strncmp(a, name, k) != 0 || a[k] != '<' || a[n - 1] != '>')
                return NULL;
        return cr_fm_normalize(a + k + 1, n - k - 2);
}

static int rust_scalar(const char *a, struct cr_fm_type *t)
{
        static const struct {
                const char *name;
                enum cr_fm_kind kind;
                unsigned bits;
                bool is_unsigned;
        } scalars[] = {
                {"i32", CR_FM_INT, 32, false},   {"i64", CR_FM_INT, 64, false},   {"i16", CR_FM_INT, 16, false},
                {"i8", CR_FM_INT, 8, false},     {"isize", CR_FM_INT, 64, false}, {"u32", CR_FM_INT, 32, true},
                {"u64", CR_FM_INT, 64, true},    {"u16", CR_FM_INT, 16, true},    {"u8", CR_FM_INT, 8, true},
                {"usize", CR_FM_INT, 64, true},  {"f64", CR_FM_FLOAT, 64, false}, {"f32", CR_FM_FLOAT, 32, false},
                {"bool", CR_FM_BOOL, 0, false},  {"char", CR_FM_CHAR, 0, false},  {"String", CR_FM_STRING, 0, false},
                {"&str", CR_FM_STRING, 0, false}, {"&'static str", CR_FM_STRING, 0, false},
        };

        for (size_t k = 0; k < sizeof(scalars) / sizeof(scalars[0]); k++)
                if (eq(a, scalars[k].name)) {
                        t->kind = scalars[k].kind;
                        t->bits = scalars[k].bits;
                        t->is_unsigned = scalars[k].is_unsigned;
                        return 0;
                }
        return -EINVAL;
}

/* An element or owned type: scalars, Vec<T>, &str. */
static int rust_owned(const char *a, struct cr_fm_type *t)
{
        _cleanup_free_ char *inner = generic_arg(a, "Vec");

        *t = (struct cr_fm_type) {.spelling = xstrdup(a)};
        if (inner) {
                t->kind = CR_FM_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                return rust_owned(inner, t->elem);
        }
        return rust_scalar(a, t);
}

/* A parameter's type: &[T] and &mut [T] become a Vec<T> local passed by
 * reference, &str and &String a String one. */
static int rust_param_type(const char *a, struct cr_fm_type *t)
{
        unsigned flavor = RUST_OWNED;
        _cleanup_free_ char *owned = NULL;
        size_t n;
        int r;

        if (strncmp(a, "&mut ", 5) == 0) {
                flavor = RUST_MUT;
                a += 5;
        } else if (a[0] == '&' && !eq(a, "&str") && !eq(a, "&'static str")) {
                flavor = RUST_REF;
                a += 1;
        } else if (eq(a, "&str")) {
                flavor = RUST_REF;
                a = "String";
        }
        while (*a == ' ')
                a++;
        n = strlen(a);
        if (n > 2 && a[0] == '[' && a[n - 1] == ']') { /* a slice */
                _cleanup_free_ char *elem = cr_fm_normalize(a + 1, n - 2);
                owned = xasprintf("Vec<%s>", elem);
        } else
                owned = xstrdup(a);
        r = rust_owned(owned, t);
        t->flavor = flavor;
        return r;
}

static int unsupported(const char *what, const char *type, struct cr_error **err)
{
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                             "%s: type %s is not supported (function mode passes the integer types, f64, f32, bool, "
                             "char, String, &str, and Vec<T>, &[T], &Vec<T>, &mut Vec<T> of them)",
                             what, type);
}

/* ================================================================ finding the fn */

struct rust_fn {
        struct cr_fm_candidate c;
        size_t params, params_end;
        size_t ret, ret_end;
};

static size_t skip_ws(const char *t, size_t len, size_t i)
{
        while (i < len && cr_scan_is_space((unsigned char) t[i]))
                i++;
        return i;
}

/* `fn name[<..>](params) [-> ret] [where ...] {` at i (on "fn"). */
static bool read_fn(const char *t, size_t len, size_t i, struct rust_fn *f)
{
        i = skip_ws(t, len, i + 2);
        f->c.name = i;
        while (i < len && cr_scan_is_ident((unsigned char) t[i]))
                i++;
        f->c.name_end = i;
        i = skip_ws(t, len, i);
        if (i < len && t[i] == '<')
                i = skip_ws(t, len, cr_fm_close_of(t, len, i));
        if (f->c.name == f->c.name_end || i >= len || t[i] != '(')
                return false;
        f->params = i + 1;
        i = cr_fm_close_of(t, len, i);
        f->params_end = i - 1;
        i = skip_ws(t, len, i);
        f->ret = f->ret_end = i;
        if (i + 1 < len && t[i] == '-' && t[i + 1] == '>') {
                f->ret = skip_ws(t, len, i + 2);
                for (i = f->ret; i < len && t[i] != '{' && !(cr_scan_is_space((unsigned char) t[i - 1]) &&
                                                            strncmp(t + i, "where", 5) == 0); i++)
                        if (t[i] == '<' || t[i] == '(' || t[i] == '[')
                                i = cr_fm_close_of(t, len, i) - 1;
                f->ret_end = i;
                while (f->ret_end > f->ret && cr_scan_is_space((unsigned char) t[f->ret_end - 1]))
                        f->ret_end--;
        }
        while (i < len && t[i] != '{' && t[i] != ';')
                i++;
        if (i >= len || t[i] != '{')
                return false;
        f->c.body_end = cr_fm_close_of(t, len, i);
        return true;
}

/* The fns directly in t[b..e); in_impl marks methods. */
static size_t scan_fns(const char *t, size_t b, size_t e, bool in_impl, struct rust_fn *out, size_t max)
{
        struct cr_scan sc = {.t = t, .len = e};
        size_t n = 0;

        for (size_t i = b; i < e && n < max;) {
                if (t[i] == '{' || t[i] == '(' || t[i] == '[') {
                        i = cr_fm_close_of(t, e, i);
                        continue;
                }
                if (cr_scan_word_at(&sc, i, "fn") && read_fn(t, e, i, &out[n])) {
                        out[n].c.body = i;
                        out[n].c.line = cr_fm_line_of(t, i);
                        out[n].c.in_class = in_impl;
                        i = out[n++].c.body_end;
                        continue;
                }
                i++;
        }
        return n;
}

/* The body of `impl Solution {` (not `impl Trait for Solution`), or 0. */
static size_t impl_solution(const char *t, size_t len, size_t *ret_end)
{
        struct cr_scan sc = {.t = t, .len = len};

        for (size_t i = 0; i < len; i++) {
                size_t k, b;
                if (t[i] == '{' && i > 0) {
                        i = cr_fm_close_of(t, len, i) - 1;
                        continue;
                }
                if (!cr_scan_word_at(&sc, i, "impl"))
                        continue;
                b = skip_ws(t, len, i + 4);
                if (cr_scan_word_at(&sc, b, "Solution") && (k = skip_ws(t, len, b + 8)) < len && t[k] == '{') {
                        *ret_end = cr_fm_close_of(t, len, k) - 1;
                        return k + 1;
                }
        }
        return 0;
}

static int rust_params(const char *t, const struct rust_fn *f, struct cr_fm_sig *sig, struct cr_error **err)
{
        size_t pb[CR_FM_PARAMS_MAX + 1], pe[CR_FM_PARAMS_MAX + 1], n;

        n = cr_fm_split_params(t + f->params, f->params_end - f->params, pb, pe, CR_FM_PARAMS_MAX + 1);
        if (n > CR_FM_PARAMS_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() has more than %u parameters", sig->name,
                                     CR_FM_PARAMS_MAX);
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        sig->is_static = true;
        for (size_t k = 0; k < n; k++) {
                _cleanup_free_ char *text = cr_fm_normalize(t + f->params + pb[k], pe[k] - pb[k]);
                char *colon = strchr(text, ':'), *name = text, *type;
                struct cr_fm_param *p;
                if (k == 0 && strstr(text, "self") && !colon) {
                        sig->is_static = false;
                        continue;
                }
                if (!colon)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "parameter %s has no type", text);
                *colon = 0;
                type = cr_fm_normalize(colon + 1, strlen(colon + 1));
                if (strncmp(name, "mut ", 4) == 0)
                        name += 4;
                p = &sig->params[sig->n_params++];
                p->name = cr_fm_normalize(name, strlen(name));
                if (rust_param_type(type, &p->type) < 0) {
                        _cleanup_free_ char *what = xasprintf("parameter %s", p->name);
                        int r = unsupported(what, type, err);
                        free(type);
                        return r;
                }
                free(type);
        }
        return 0;
}

static int rust_signature(const char *t, const struct rust_fn *f, struct cr_fm_sig *sig, struct cr_error **err)
{
        _cleanup_free_ char *ret = cr_fm_normalize(t + f->ret, f->ret_end - f->ret);
        int r;

        sig->name = xstrndup(t + f->c.name, f->c.name_end - f->c.name);
        sig->owner = f->c.in_class ? xstrdup("Solution") : NULL;
        sig->line = f->c.line;
        r = rust_params(t, f, sig, err);
        if (r < 0)
                return r;
        if (!ret[0] || eq(ret, "()"))
                sig->ret = (struct cr_fm_type) {.kind = CR_FM_VOID, .spelling = xstrdup("()")};
        else if (rust_owned(ret, &sig->ret) < 0) {
                _cleanup_free_ char *what = xasprintf("%s()'s result", sig->name);
                return unsupported(what, ret, err);
        }
        return 0;
}

static int rust_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct rust_fn *fns = xzalloc(CR_FM_CANDIDATES_MAX * sizeof(*fns));
        _cleanup_free_ char *t = NULL;
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        size_t map[CR_FM_CANDIDATES_MAX], n = 0, found, pick, ib, ie = 0;
        struct cr_fm_sig sig = {};
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_RUST, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        ib = impl_solution(t, len, &ie);
        found = ib ? scan_fns(t, ib, ie, true, fns, CR_FM_CANDIDATES_MAX) : 0;
        if (found == 0)
                found = scan_fns(t, 0, len, false, fns, CR_FM_CANDIDATES_MAX);
        for (size_t k = 0; k < found; k++) {
                if (fns[k].c.name_end - fns[k].c.name == 4 && memcmp(t + fns[k].c.name, "main", 4) == 0)
                        continue;
                c[n] = fns[k].c;
                map[n++] = k;
        }
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "no function found: function mode needs `impl Solution { pub fn ... }` or a "
                                     "top-level fn");
        r = cr_fm_choose(t, len, c, n, wanted, "function", &pick, err);
        if (r >= 0)
                r = rust_signature(t, &fns[map[pick]], &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        /* the harness declares `struct Solution;` when the code does not */
        sig.flags = ib && !strstr(t, "struct Solution");
        *ret = sig;
        return 0;
}

/* ================================================================ literals */

static int rust_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        int r = cr_fm_emit_decimal(b, v);

        return r < 0 || !t->spelling ? r : cr_buf_printf(b, "_%s", t->spelling);
}

static int rust_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        int r = cr_fm_emit_float_text(b, f);

        return r < 0 ? r : cr_buf_printf(b, "_%s", t->bits == 32 ? "f32" : "f64");
}

static int rust_escape(struct cr_buf *b, long cp, char quote)
{
        if (cp == quote || cp == '\\')
                return cr_buf_printf(b, "\\%c", (char) cp);
        if (cp >= 0x20 && cp < 0x7f)
                return cr_buf_printf(b, "%c", (char) cp);
        return cr_buf_printf(b, "\\u{%lx}", cp);
}

/* "..." for &str elements, String::from("...") for String. */
static int rust_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        bool owned = !t->spelling || !strchr(t->spelling, '&');
        int r = owned ? cr_buf_append_lit(b, "String::from(\"") : cr_buf_append_lit(b, "\"");

        for (size_t i = 0; r >= 0 && i < n;)
                r = rust_escape(b, cr_fm_utf8_next(s, n, &i), '"');
        return r < 0 ? r : owned ? cr_buf_append_lit(b, "\")") : cr_buf_append_lit(b, "\"");
}

static int rust_char(struct cr_buf *b, unsigned cp)
{
        int r = cr_buf_append_lit(b, "'");

        if (r >= 0)
                r = rust_escape(b, cp, '\'');
        return r < 0 ? r : cr_buf_append_lit(b, "'");
}

static int rust_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "vec![");
}

static int rust_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "]");
}

static const struct cr_fm_syntax rust_syntax = {
        .true_lit = "true",
        .false_lit = "false",
        .null_lit = "None",
        .emit_int = rust_int,
        .emit_float = rust_float,
        .emit_string = rust_string,
        .emit_char = rust_char,
        .list_open = rust_list_open,
        .list_close = rust_list_close,
};

/* ================================================================ the harness */

/* Printing is generated for the one result type (cr_result below) with
 * print! (std's formatting is precompiled), and the test is selected by
 * comparing the argument as a string: the harness instantiates as little
 * generic code as possible, which is what rustc -O spends its time on. */
static const char rust_runtime[] =
        "\n\n// ---- coderunner function-mode harness\n"
        "#[allow(dead_code)]\n"
        "mod cr_harness {\n"
        "    pub fn quote(s: &str) {\n"
        "        const HEX: &[u8; 16] = b\"0123456789abcdef\";\n"
        "        let mut o = String::with_capacity(s.len() + 2);\n"
        "        o.push('\"');\n"
        "        for c in s.chars() {\n"
        "            if c == '\"' || c == '\\\\' {\n"
        "                o.push('\\\\');\n"
        "                o.push(c);\n"
        "            } else if (c as u32) < 0x20 || c as u32 == 0x7f {\n"
        "                o.push_str(\"\\\\u00\");\n"
        "                o.push(HEX[(c as usize) >> 4] as char);\n"
        "                o.push(HEX[(c as usize) & 15] as char);\n"
        "            } else {\n"
        "                o.push(c);\n"
        "            }\n"
        "        }\n"
        "        o.push('\"');\n"
        "        print!(\"{}\", o);\n"
        "    }\n"
        "    pub fn float(x: f64) {\n"
        "        if x.is_nan() { print!(\"NaN\") }\n"
        "        else if x.is_infinite() { print!(\"{}\", if x > 0.0 { \"Infinity\" } else { \"-Infinity\" }) }\n"
        "        else { print!(\"{:?}\", x) }\n"
        "    }\n"
        "    pub fn float32(x: f32) {\n"
        "        if x.is_nan() || x.is_infinite() { float(x as f64) } else { print!(\"{:?}\", x) }\n"
        "    }\n"
        "}\n";

/* Only with custom code: catch the snippet's panics. */
static const char rust_check_runtime[] =
        "fn cr_check<F: FnOnce() -> bool>(f: F) {\n"
        "    std::panic::set_hook(Box::new(|_| {}));\n"
        "    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {\n"
        "        Ok(true) => print!(\"\\n\\x1eCR-CHECK pass\\n\"),\n"
        "        Ok(false) => print!(\"\\n\\x1eCR-CHECK fail it returned false\\n\"),\n"
        "        Err(e) => {\n"
        "            let m = e.downcast_ref::<&str>().map(|s| s.to_string())\n"
        "                .or_else(|| e.downcast_ref::<String>().cloned()).unwrap_or_default();\n"
        "            print!(\"\\n\\x1eCR-CHECK fail panic: {}\\n\", m.replace('\\n', \" \"));\n"
        "        }\n"
        "    }\n"
        "}\n";

/* Statements printing the value that the expression e (a reference to a
 * value of type t) holds, in the literal syntax. */
static int rust_print(struct cr_buf *b, const struct cr_fm_type *t, const char *e, unsigned depth)
{
        switch (t->kind) {
        case CR_FM_INT:
        case CR_FM_BOOL:
                return cr_buf_printf(b, "print!(\"{}\", %s);", e);
        case CR_FM_FLOAT:
                return cr_buf_printf(b, "cr_harness::float%s(*(%s));", t->bits == 32 ? "32" : "", e);
        case CR_FM_CHAR:
                return cr_buf_printf(b, "cr_harness::quote(&(%s).to_string());", e);
        case CR_FM_STRING:
                return cr_buf_printf(b, "cr_harness::quote(&**(%s));", e);
        case CR_FM_LIST: {
                char x[24];
                int r;
                snprintf(x, sizeof(x), "x%u", depth);
                r = cr_buf_printf(b, "print!(\"[\"); for (k%u, %s) in (%s).iter().enumerate() { if k%u > 0 { print!(\",\"); } ",
                                  depth, x, e, depth);
                if (r >= 0)
                        r = rust_print(b, t->elem, x, depth + 1);
                return r < 0 ? r : cr_buf_append_lit(b, " } print!(\"]\");");
        }
        default:
                return -EINVAL;
        }
}

/* `let mut aK: T = literal;` for every argument; the call passes them as
 * the parameters take them. */
static int rust_locals(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        int r = 0;

        for (size_t k = 0; r >= 0 && k < p->sig->n_params; k++) {
                const struct cr_fm_type *t = &p->sig->params[k].type;
                r = cr_buf_printf(b, "            let mut a%zu: %s = ", k, t->spelling);
                if (r >= 0)
                        r = cr_fm_emit(&rust_syntax, b, t, &p->args[i].items[k]);
                if (r >= 0)
                        r = cr_buf_append_lit(b, ";\n");
        }
        return r;
}

static int rust_call(struct cr_buf *b, const struct cr_fm_sig *sig)
{
        bool in_place = sig->ret.kind == CR_FM_VOID;
        int r = !sig->owner      ? cr_buf_printf(b, "%s(", sig->name) :
                sig->is_static   ? cr_buf_printf(b, "Solution::%s(", sig->name) :
                                   cr_buf_printf(b, "Solution.%s(", sig->name);

        for (size_t k = 0; r >= 0 && k < sig->n_params; k++) {
                unsigned flavor = sig->params[k].type.flavor;
                r = cr_buf_printf(b, "%s%sa%zu%s", k ? ", " : "",
                                  flavor == RUST_MUT ? "&mut " : flavor == RUST_REF ? "&" : "", k,
                                  in_place && k == 0 && flavor == RUST_OWNED ? ".clone()" : "");
        }
        return r < 0 ? r : cr_buf_append_lit(b, ")");
}

static int rust_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        bool in_place = p->sig->ret.kind == CR_FM_VOID;
        int r = cr_buf_printf(b, "        Some(\"%zu\") => {\n", i);

        if (r >= 0)
                r = rust_locals(b, p, i);
        if (r >= 0)
                r = cr_buf_append_lit(b, "            let r = ");
        if (r >= 0)
                r = rust_call(b, p->sig);
        if (r >= 0 && in_place)
                r = cr_buf_append_lit(b, ";\n            let r = a0");
        if (r >= 0)
                r = cr_buf_append_lit(b, ";\n            cr_result(&r);\n");
        if (r >= 0 && p->custom[i])
                r = cr_buf_printf(b, "            cr_check(move || cr_check_%zu(r));\n", i);
        return r < 0 ? r : cr_buf_append_lit(b, "        }\n");
}

static const char *result_type(const struct cr_fm_sig *sig)
{
        return sig->ret.kind == CR_FM_VOID ? sig->params[0].type.spelling : sig->ret.spelling;
}

static int rust_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        int r = cr_buf_append(out, p->code, p->code_len);

        if (r >= 0 && p->sig->flags)
                r = cr_buf_append_lit(out, "\n\nstruct Solution;");
        if (r >= 0)
                r = cr_buf_append(out, rust_runtime, sizeof(rust_runtime) - 1);
        if (r >= 0)
                r = cr_buf_printf(out, "fn cr_result(r: &%s) {\n    print!(\"\\n\\x1eCR-RESULT \");\n    ",
                                  result_type(p->sig));
        if (r >= 0)
                r = rust_print(out, p->sig->ret.kind == CR_FM_VOID ? &p->sig->params[0].type : &p->sig->ret, "r", 0);
        if (r >= 0)
                r = cr_buf_append_lit(out, "\n    print!(\"\\n\");\n}\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i]) {
                        r = cr_buf_append(out, rust_check_runtime, sizeof(rust_check_runtime) - 1);
                        break;
                }
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i])
                        r = cr_buf_printf(out,
                                          "#[allow(unused, unreachable_code)]\n"
                                          "fn cr_check_%zu(result: %s) -> bool {\n    {\n%s\n    };\n    true\n}\n",
                                          i, result_type(p->sig), p->custom[i]);
        if (r >= 0)
                r = cr_buf_append_lit(out, "#[allow(unused_mut, unused_variables, clippy::all)]\n"
                                           "fn main() {\n"
                                           "    match std::env::args().nth(1).as_deref() {\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = rust_case(out, p, i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "        _ => {}\n    }\n}\n");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}

static const char *const rust_error_markers[] = {"panicked", NULL};

static const struct cr_fm_lang rust_fm = {
        .detect = rust_detect,
        .generate = rust_generate,
        .syntax = &rust_syntax,
        .error_markers = rust_error_markers,
};

const struct cr_judge_language cr_judge_lang_rust = {
        .id = "rust",
        .lex = {.nested_comments = true,
                .char_literals = true,
                .rust_lifetimes = true,
                .multiline_strings = true,
                .rust_raw = true},
        .has_entry_point = entry_rust,
        .program_hint = "a main function",
        .funcmode = &cr_fm_ops,
        .fm = &rust_fm,
};
