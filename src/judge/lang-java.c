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

/* Java: `main(` after `void` and modifiers that include `static` is an
 * entry point. Function mode calls a method of class Solution (static, or
 * on a new instance); code with no class at all is wrapped in one. The
 * harness is class Main, in the same file (Main.java): the student's
 * top-level types lose their `public` so that the file compiles. Main
 * calls helpers (formatting results, the protocol lines) that are class
 * coderunner.Harness, compiled once into the image (rootfs/recipes/java.conf)
 * and on the class path of function mode's compile and runs
 * (rootfs/runtimes/java.json): a request compiles only the student's code
 * and Main's glue. Main names them in full: the student's classes live in
 * the default package and cannot replace them (a type named like the
 * package would hide it, and is refused by java_detect). */

#define JAVA_HELPERS "coderunner.Harness"
#define JAVA_HELPERS_PACKAGE "coderunner"

static bool entry_java(const struct cr_scan *sc)
{
        return cr_scan_static_main(sc, "main", false);
}

/* ================================================================ types */

enum { JAVA_ARRAY, JAVA_LIST }; /* LIST flavors */
enum { JAVA_PRIMITIVE, JAVA_BOXED }; /* scalar flavors */

static bool eq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* The type inside Name<...>, or NULL. */
static char *generic_arg(const char *a, const char *name)
{
        size_t n = strlen(a), k = strlen(name);

        if (n <= k + 2 || strncmp(a, name, k) != 0 || a[k] != '<' || a[n - 1] != '>')
                return NULL;
        return cr_fm_normalize(a + k + 1, n - k - 2);
}

static int java_scalar(const char *a, struct cr_fm_type *t)
{
        static const struct {
                const char *prim, *boxed;
                enum cr_fm_kind kind;
                unsigned bits;
        } scalars[] = {
                {"int", "Integer", CR_FM_INT, 32},     {"long", "Long", CR_FM_INT, 64},
                {"short", "Short", CR_FM_INT, 16},     {"byte", "Byte", CR_FM_INT, 8},
                {"double", "Double", CR_FM_FLOAT, 64}, {"float", "Float", CR_FM_FLOAT, 32},
                {"boolean", "Boolean", CR_FM_BOOL, 0}, {"char", "Character", CR_FM_CHAR, 0},
                {"String", "java.lang.String", CR_FM_STRING, 0},
        };

        for (size_t k = 0; k < sizeof(scalars) / sizeof(scalars[0]); k++)
                if (eq(a, scalars[k].prim) || eq(a, scalars[k].boxed)) {
                        t->kind = scalars[k].kind;
                        t->bits = scalars[k].bits;
                        t->flavor = eq(a, scalars[k].boxed) ? JAVA_BOXED : JAVA_PRIMITIVE;
                        return 0;
                }
        return -EINVAL;
}

static int java_type(const char *a, struct cr_fm_type *t, bool result)
{
        static const char *const lists[] = {"List", "ArrayList", "LinkedList", "Collection", "Iterable",
                                            "java.util.List", "java.util.ArrayList"};
        size_t n = strlen(a);

        *t = (struct cr_fm_type) {.spelling = xstrdup(a)};
        if (result && eq(a, "void")) {
                t->kind = CR_FM_VOID;
                return 0;
        }
        if (n > 2 && eq(a + n - 2, "[]")) {
                _cleanup_free_ char *inner = cr_fm_normalize(a, n - 2);
                t->kind = CR_FM_LIST;
                t->flavor = JAVA_ARRAY;
                t->elem = xzalloc(sizeof(*t->elem));
                return java_type(inner, t->elem, false);
        }
        for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
                _cleanup_free_ char *inner = generic_arg(a, lists[k]);
                if (!inner)
                        continue;
                t->kind = CR_FM_LIST;
                t->flavor = JAVA_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                if (java_type(inner, t->elem, false) < 0 || (t->elem->kind != CR_FM_LIST && t->elem->kind != CR_FM_STRING &&
                                                             t->elem->flavor != JAVA_BOXED))
                        return -EINVAL;
                return 0;
        }
        return java_scalar(a, t);
}

/* ================================================================ finding the method */

static const char *const modifiers[] = {"public", "private",      "protected", "static",   "final",
                                        "abstract", "synchronized", "native",  "strictfp", "default"};

static bool is_modifier(const char *w, size_t n)
{
        for (size_t k = 0; k < sizeof(modifiers) / sizeof(modifiers[0]); k++)
                if (strlen(modifiers[k]) == n && memcmp(modifiers[k], w, n) == 0)
                        return true;
        return w[0] == '@';
}

/* Splits "public static int[]" into static-ness and the type. */
static char *split_head(const char *head, bool *ret_static)
{
        const char *p = head;

        *ret_static = false;
        for (;;) {
                size_t n = strcspn(p, " ");
                if (!p[n] || !is_modifier(p, n))
                        break;
                *ret_static |= n == 6 && memcmp(p, "static", 6) == 0;
                p += n + 1;
        }
        return xstrdup(p);
}

static int unsupported(const char *what, const char *type, struct cr_error **err)
{
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                             "%s: type %s is not supported (function mode passes int, long, short, byte, double, "
                             "float, boolean, char, String, their boxes, arrays and Lists of them)",
                             what, type);
}

/* `[final] [@A] Type name[[]]` */
static int java_param(const char *s, size_t n, struct cr_fm_param *p, struct cr_error **err)
{
        _cleanup_free_ char *text = cr_fm_normalize(s, n), *type = NULL;
        char *name, *q = text;
        size_t dims = 0;

        while (strncmp(q, "final ", 6) == 0 || q[0] == '@')
                q += strcspn(q, " ") + (q[strcspn(q, " ")] == ' ');
        while (strlen(q) > 2 && eq(q + strlen(q) - 2, "[]")) { /* int nums[] */
                q[strlen(q) - 2] = 0;
                dims++;
        }
        name = strrchr(q, ' ');
        if (!name || strstr(q, "..."))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "parameter %s: not supported (varargs, or no type)",
                                     text);
        *name++ = 0;
        p->name = xstrdup(name);
        type = cr_fm_normalize(q, strlen(q));
        while (dims-- > 0) {
                char *t2 = xasprintf("%s[]", type);
                free(type);
                type = t2;
        }
        if (java_type(type, &p->type, false) < 0) {
                _cleanup_free_ char *what = xasprintf("parameter %s", p->name);
                return unsupported(what, type, err);
        }
        return 0;
}

static int java_signature(const char *t, const struct cr_fm_found *f, const char *owner, struct cr_fm_sig *sig,
                          struct cr_error **err)
{
        _cleanup_free_ char *head = cr_fm_normalize(t + f->head, f->name - f->head), *ret = NULL;
        size_t pb[CR_FM_PARAMS_MAX + 1], pe[CR_FM_PARAMS_MAX + 1], n;
        int r;

        sig->name = xstrndup(t + f->name, f->name_end - f->name);
        sig->owner = xstrdup(owner);
        sig->line = f->line;
        ret = split_head(head, &sig->is_static);
        if (java_type(ret, &sig->ret, true) < 0) {
                _cleanup_free_ char *what = xasprintf("%s()'s result", sig->name);
                return unsupported(what, ret, err);
        }
        n = cr_fm_split_params(t + f->params, f->params_end - f->params, pb, pe, CR_FM_PARAMS_MAX + 1);
        if (n > CR_FM_PARAMS_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() has more than %u parameters", sig->name,
                                     CR_FM_PARAMS_MAX);
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        for (size_t k = 0; k < n; k++) {
                r = java_param(t + f->params + pb[k], pe[k] - pb[k], &sig->params[sig->n_params++], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct java_scan {
        struct cr_fm_class classes[CR_FM_CANDIDATES_MAX];
        size_t n_classes;
        struct cr_fm_found found[CR_FM_CANDIDATES_MAX];
        const struct cr_fm_class *owner[CR_FM_CANDIDATES_MAX]; /* not owned; NULL: wrapped */
        size_t n;
};

static bool is_private(const char *t, const struct cr_fm_found *f)
{
        struct cr_scan sc = {.t = t, .len = f->name};

        for (size_t i = f->head; i < f->name; i++)
                if (cr_scan_word_at(&sc, i, "private"))
                        return true;
        return false;
}

static bool name_is(const char *t, size_t b, size_t e, const char *name)
{
        return e - b == strlen(name) && memcmp(t + b, name, e - b) == 0;
}

/* The methods of class Solution if there is one, else of every class, else
 * (no class: the code will be wrapped in one) the file's own. */
static void scan_methods(const char *t, size_t len, struct java_scan *js, bool *ret_wrap)
{
        bool solution = false;

        js->n_classes = cr_fm_scan_classes(t, 0, len, js->classes, CR_FM_CANDIDATES_MAX);
        for (size_t c = 0; c < js->n_classes; c++)
                solution |= name_is(t, js->classes[c].name, js->classes[c].name_end, "Solution");
        *ret_wrap = js->n_classes == 0;
        if (*ret_wrap) {
                js->n = cr_fm_scan_functions(t, 0, len, js->found, CR_FM_CANDIDATES_MAX);
                return;
        }
        for (size_t c = 0; c < js->n_classes && js->n < CR_FM_CANDIDATES_MAX; c++) {
                const struct cr_fm_class *cl = &js->classes[c];
                size_t m;
                if (solution && !name_is(t, cl->name, cl->name_end, "Solution"))
                        continue;
                m = cr_fm_scan_functions(t, cl->body, cl->body_end, js->found + js->n, CR_FM_CANDIDATES_MAX - js->n);
                for (size_t k = js->n; k < js->n + m; k++)
                        js->owner[k] = cl;
                js->n += m;
        }
}

/* Main is the harness's class; a type named like the helpers' package would
 * hide that package from Main's qualified calls (JLS 6.4.2), so that the
 * harness would not compile. */
static int reserved_names(const char *t, const struct java_scan *js, struct cr_error **err)
{
        for (size_t c = 0; c < js->n_classes; c++) {
                const struct cr_fm_class *cl = &js->classes[c];
                if (name_is(t, cl->name, cl->name_end, "Main"))
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                             "class Main (line %u) is the harness's name in function mode: rename it",
                                             cr_fm_line_of(t, cl->name));
                if (name_is(t, cl->name, cl->name_end, JAVA_HELPERS_PACKAGE))
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                             "type " JAVA_HELPERS_PACKAGE " (line %u) is the name of the harness's "
                                             "package in function mode: rename it",
                                             cr_fm_line_of(t, cl->name));
        }
        return 0;
}

static int java_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct java_scan *js = xzalloc(sizeof(*js));
        _cleanup_free_ char *t = NULL, *owner = NULL;
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        size_t map[CR_FM_CANDIDATES_MAX], n = 0, pick;
        struct cr_fm_sig sig = {};
        bool wrap;
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_JAVA, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        scan_methods(t, len, js, &wrap);
        r = reserved_names(t, js, err);
        if (r < 0)
                return r;
        for (size_t k = 0; k < js->n; k++) {
                const struct cr_fm_found *f = &js->found[k];
                if (name_is(t, f->name, f->name_end, "main"))
                        continue;
                if (js->owner[k] && f->name_end - f->name == js->owner[k]->name_end - js->owner[k]->name &&
                    memcmp(t + f->name, t + js->owner[k]->name, f->name_end - f->name) == 0)
                        continue; /* a constructor */
                if (!wanted && is_private(t, f))
                        continue; /* a helper: private methods are not what the tests call */
                c[n] = (struct cr_fm_candidate) {.name = f->name, .name_end = f->name_end, .body = f->head,
                                                 .body_end = f->end, .line = f->line, .in_class = true};
                map[n++] = k;
        }
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "no method found: function mode needs a method of class Solution (or of "
                                     "another class, or methods alone)");
        r = cr_fm_choose(t, len, c, n, wanted, "method", &pick, err);
        if (r < 0)
                return r;
        if (wrap)
                owner = xstrdup("Solution");
        else
                owner = xstrndup(t + js->owner[map[pick]]->name,
                                 js->owner[map[pick]]->name_end - js->owner[map[pick]]->name);
        r = java_signature(t, &js->found[map[pick]], owner, &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        sig.flags = wrap;
        *ret = sig;
        return 0;
}

/* ================================================================ literals */

static int java_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        int r;

        if (t->bits == 16 || t->bits == 8)
                r = cr_buf_printf(b, "(%s) ", t->bits == 16 ? "short" : "byte");
        else
                r = 0;
        if (r >= 0)
                r = cr_fm_emit_decimal(b, v);
        return r < 0 || t->bits != 64 ? r : cr_buf_append_lit(b, "L");
}

static int java_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        int r = cr_fm_emit_float_text(b, f);

        return r < 0 ? r : cr_buf_append(b, t->bits == 32 ? "f" : "d", 1);
}

/* Escapes that Java's early \u processing cannot turn into a quote, a
 * backslash or a line end: octal for ASCII controls, \uXXXX (UTF-16) for
 * everything past ASCII. */
static int java_char_escape(struct cr_buf *b, long cp, char quote)
{
        if (cp == quote || cp == '\\')
                return cr_buf_printf(b, "\\%c", (char) cp);
        if (cp >= 0x20 && cp < 0x7f)
                return cr_buf_printf(b, "%c", (char) cp);
        if (cp < 0x80)
                return cr_buf_printf(b, "\\%03lo", cp);
        if (cp >= 0x10000)
                return cr_buf_printf(b, "\\u%04lx\\u%04lx", 0xd800 + ((cp - 0x10000) >> 10),
                                     0xdc00 + ((cp - 0x10000) & 0x3ff));
        return cr_buf_printf(b, "\\u%04lx", cp);
}

static int java_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        (void) t;
        int r = cr_buf_append_lit(b, "\"");

        for (size_t i = 0; r >= 0 && i < n;)
                r = java_char_escape(b, cr_fm_utf8_next(s, n, &i), '"');
        return r < 0 ? r : cr_buf_append_lit(b, "\"");
}

static int java_char(struct cr_buf *b, unsigned cp)
{
        int r;

        if (cp >= 0x10000) /* not one Java char */
                return cr_buf_printf(b, "(char) 0x%x", cp);
        r = cr_buf_append_lit(b, "'");
        if (r >= 0)
                r = java_char_escape(b, cp, '\'');
        return r < 0 ? r : cr_buf_append_lit(b, "'");
}

/* The boxed spelling of an element type, for List<...> and asList. */
static const char *boxed(const struct cr_fm_type *t)
{
        if (t->kind == CR_FM_INT)
                return t->bits == 64 ? "Long" : t->bits == 16 ? "Short" : t->bits == 8 ? "Byte" : "Integer";
        if (t->kind == CR_FM_FLOAT)
                return t->bits == 32 ? "Float" : "Double";
        if (t->kind == CR_FM_BOOL)
                return "Boolean";
        if (t->kind == CR_FM_CHAR)
                return "Character";
        return t->spelling;
}

static int java_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        if (t->flavor == JAVA_ARRAY)
                return cr_buf_printf(b, "new %s{", t->spelling);
        return cr_buf_printf(b, "new java.util.%s<%s>(java.util.Arrays.<%s>asList(",
                             strstr(t->spelling, "LinkedList") ? "LinkedList" : "ArrayList", boxed(t->elem),
                             boxed(t->elem));
}

static int java_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        return t->flavor == JAVA_ARRAY ? cr_buf_append_lit(b, "}") : cr_buf_append_lit(b, "))");
}

static const struct cr_fm_syntax java_syntax = {
        .true_lit = "true",
        .false_lit = "false",
        .null_lit = "null",
        .emit_int = java_int,
        .emit_float = java_float,
        .emit_string = java_string,
        .emit_char = java_char,
        .list_open = java_list_open,
        .list_close = java_list_close,
};

/* ================================================================ the harness */

static const char java_runtime[] = "\nclass Main {\n";

/* The result's declared type: the first parameter's for a void method. */
static const char *result_type(const struct cr_fm_sig *sig)
{
        return sig->ret.kind == CR_FM_VOID ? sig->params[0].type.spelling : sig->ret.spelling;
}

static int java_call(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        const struct cr_fm_sig *sig = p->sig;
        int r = cr_buf_printf(b, "%s%s%s.%s(", sig->is_static ? "" : "new ", sig->owner, sig->is_static ? "" : "()",
                              sig->name);

        for (size_t k = 0; r >= 0 && k < sig->n_params; k++) {
                if (k > 0)
                        r = cr_buf_append_lit(b, ", ");
                if (r >= 0 && k == 0 && sig->ret.kind == CR_FM_VOID)
                        r = cr_buf_append_lit(b, "a0");
                else if (r >= 0)
                        r = cr_fm_emit(&java_syntax, b, &sig->params[k].type, &p->args[i].items[k]);
        }
        return r < 0 ? r : cr_buf_append_lit(b, ")");
}

/* case i: { T crR = call; if (crResult(crR)) <check>; break; } */
static int java_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        const struct cr_fm_sig *sig = p->sig;
        bool in_place = sig->ret.kind == CR_FM_VOID;
        int r = cr_buf_printf(b, "        case %zu: {\n", i);

        if (r >= 0 && in_place) {
                r = cr_buf_printf(b, "            %s a0 = ", sig->params[0].type.spelling);
                if (r >= 0)
                        r = cr_fm_emit(&java_syntax, b, &sig->params[0].type, &p->args[i].items[0]);
                if (r >= 0)
                        r = cr_buf_append_lit(b, ";\n            ");
                if (r >= 0)
                        r = java_call(b, p, i);
                if (r >= 0)
                        r = cr_buf_printf(b, ";\n            %s crR = a0;\n", result_type(sig));
        } else if (r >= 0) {
                r = cr_buf_printf(b, "            %s crR = ", result_type(sig));
                if (r >= 0)
                        r = java_call(b, p, i);
                if (r >= 0)
                        r = cr_buf_append_lit(b, ";\n");
        }
        if (r >= 0)
                r = cr_buf_append_lit(b, "            if (" JAVA_HELPERS ".crResult(crR))");
        if (r >= 0 && p->custom[i])
                r = cr_buf_printf(b,
                                  " try { " JAVA_HELPERS ".crVerdict(crCheck%zu(crR)); } catch (Throwable e) { "
                                  JAVA_HELPERS ".crFail(e); }",
                                  i);
        return r < 0 ? r : cr_buf_append_lit(b, " {}\n            break;\n        }\n");
}

/* The student's code, with `public` taken off top-level types and the
 * package statement blanked (Main.java holds them all, in the default
 * package); methods alone are wrapped in class Solution on their first
 * line, so line numbers stay. */
static int java_student_code(const struct cr_fm_program *p, struct cr_buf *out)
{
        _cleanup_free_ char *t = NULL, *code = xstrndup(p->code, p->code_len);
        _cleanup_error_ struct cr_error *e = NULL;
        struct cr_fm_class classes[CR_FM_CANDIDATES_MAX];
        size_t n, wrap_at = 0;
        int r;

        if (cr_judge_blank_source(CR_JUDGE_LANG_JAVA, p->code, p->code_len, &t, NULL, &e) < 0)
                return -EINVAL;
        n = cr_fm_scan_classes(t, 0, p->code_len, classes, CR_FM_CANDIDATES_MAX);
        for (size_t k = 0; k < n; k++)
                for (size_t i = classes[k].head; i > 0;) {
                        struct cr_scan sc = {.t = t, .len = p->code_len};
                        size_t b, e2 = cr_scan_word_before(&sc, i, &b);
                        if (b == e2 || !is_modifier(t + b, e2 - b))
                                break;
                        if (e2 - b == 6 && memcmp(t + b, "public", 6) == 0)
                                memset(code + b, ' ', 6);
                        i = b;
                }
        for (size_t i = 0; i < p->code_len; i++) /* package x.y; */
                if ((i == 0 || t[i - 1] == '\n') && strncmp(t + i, "package ", 8) == 0)
                        for (; i < p->code_len && t[i] != ';'; i++)
                                code[i] = t[i] == '\n' ? '\n' : ' ';
        if (p->sig->flags) { /* no class: after the imports */
                for (size_t i = 0; i < p->code_len;) {
                        size_t q = i;
                        while (q < p->code_len && cr_scan_is_space((unsigned char) t[q]))
                                q++;
                        if (strncmp(t + q, "import ", 7) != 0 && strncmp(t + q, "package ", 8) != 0)
                                break;
                        while (q < p->code_len && t[q] != ';')
                                q++;
                        i = wrap_at = q < p->code_len ? q + 1 : q;
                }
        }
        r = cr_buf_append(out, code, p->sig->flags ? wrap_at : p->code_len);
        if (r >= 0 && p->sig->flags) {
                r = cr_buf_append_lit(out, " class Solution { ");
                if (r >= 0)
                        r = cr_buf_append(out, code + wrap_at, p->code_len - wrap_at);
                if (r >= 0)
                        r = cr_buf_append_lit(out, "\n}\n");
        }
        return r;
}

static int java_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        int r = java_student_code(p, out);

        if (r >= 0)
                r = cr_buf_append(out, java_runtime, sizeof(java_runtime) - 1);
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i])
                        r = cr_buf_printf(out,
                                          "    static boolean crCheck%zu(%s result) throws Throwable {\n"
                                          "        if (true) {\n%s\n        }\n        return true;\n    }\n",
                                          i, result_type(p->sig), p->custom[i]);
        if (r >= 0)
                r = cr_buf_append_lit(out, "    public static void main(String[] crArgs) throws Throwable {\n"
                                           "        switch (Integer.parseInt(crArgs[0])) {\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = java_case(out, p, i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "        }\n    }\n}\n");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}

static const char *const java_error_markers[] = {"Exception", "Error", NULL};

static const struct cr_fm_lang java_fm = {
        .detect = java_detect,
        .generate = java_generate,
        .syntax = &java_syntax,
        .error_markers = java_error_markers,
};

const struct cr_judge_language cr_judge_lang_java = {
        .id = "java",
        .lex = {.char_literals = true, .text_blocks = true},
        .has_entry_point = entry_java,
        .program_hint = "a class with static void main",
        .funcmode = &cr_fm_ops,
        .fm = &java_fm,
};
