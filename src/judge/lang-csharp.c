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

/* C#: `Main(` after void, int, Task or Task<int> and modifiers that include
 * `static` is an entry point. Function mode calls a method of class
 * Solution (in a namespace or not; static, or on a new instance); methods
 * alone are wrapped in one. The harness is a static class after the
 * student's code, with the program's Main. */

static bool entry_csharp(const struct cr_scan *sc)
{
        return cr_scan_static_main(sc, "Main", true);
}

/* ================================================================ types */

enum { CS_ARRAY, CS_LIST };

static bool eq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

static int cs_scalar(const char *a, struct cr_fm_type *t)
{
        static const struct {
                const char *name, *full;
                enum cr_fm_kind kind;
                unsigned bits;
                bool is_unsigned;
        } scalars[] = {
                {"int", "Int32", CR_FM_INT, 32, false},      {"long", "Int64", CR_FM_INT, 64, false},
                {"short", "Int16", CR_FM_INT, 16, false},    {"sbyte", "SByte", CR_FM_INT, 8, false},
                {"uint", "UInt32", CR_FM_INT, 32, true},     {"ulong", "UInt64", CR_FM_INT, 64, true},
                {"ushort", "UInt16", CR_FM_INT, 16, true},   {"byte", "Byte", CR_FM_INT, 8, true},
                {"double", "Double", CR_FM_FLOAT, 64, false}, {"float", "Single", CR_FM_FLOAT, 32, false},
                {"bool", "Boolean", CR_FM_BOOL, 0, false},   {"char", "Char", CR_FM_CHAR, 0, false},
                {"string", "String", CR_FM_STRING, 0, false},
        };
        const char *b = strncmp(a, "System.", 7) == 0 ? a + 7 : a;

        for (size_t k = 0; k < sizeof(scalars) / sizeof(scalars[0]); k++)
                if (eq(a, scalars[k].name) || eq(b, scalars[k].full)) {
                        t->kind = scalars[k].kind;
                        t->bits = scalars[k].bits;
                        t->is_unsigned = scalars[k].is_unsigned;
                        return 0;
                }
        return -EINVAL;
}

static int cs_type(const char *a, struct cr_fm_type *t, bool result)
{
        static const char *const lists[] = {"List", "IList", "ICollection", "IEnumerable", "IReadOnlyList",
                                            "IReadOnlyCollection"};
        size_t n = strlen(a);

        *t = (struct cr_fm_type) {.spelling = xstrdup(a)};
        if (result && eq(a, "void")) {
                t->kind = CR_FM_VOID;
                return 0;
        }
        if (n > 2 && eq(a + n - 2, "[]")) {
                _cleanup_free_ char *inner = cr_fm_normalize(a, n - 2);
                t->kind = CR_FM_LIST;
                t->flavor = CS_ARRAY;
                t->elem = xzalloc(sizeof(*t->elem));
                return cs_type(inner, t->elem, false);
        }
        for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
                size_t l = strlen(lists[k]);
                _cleanup_free_ char *inner = NULL;
                if (strncmp(a, lists[k], l) != 0 || a[l] != '<' || a[n - 1] != '>')
                        continue;
                inner = cr_fm_normalize(a + l + 1, n - l - 2);
                t->kind = CR_FM_LIST;
                t->flavor = CS_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                return cs_type(inner, t->elem, false);
        }
        return cs_scalar(a, t);
}

/* ================================================================ finding the method */

static bool is_modifier(const char *w, size_t n)
{
        static const char *const mods[] = {"public",   "private", "protected", "internal", "static",
                                           "virtual",  "override", "abstract", "sealed",   "async",
                                           "unsafe",   "extern",  "new",       "readonly", "partial"};

        for (size_t k = 0; k < sizeof(mods) / sizeof(mods[0]); k++)
                if (strlen(mods[k]) == n && memcmp(mods[k], w, n) == 0)
                        return true;
        return w[0] == '[';
}

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
                             "%s: type %s is not supported (function mode passes int, long, short, byte and their "
                             "unsigned kin, double, float, bool, char, string, arrays and lists of them)",
                             what, type);
}

/* `Type name [= default]`; ref, out, in, params and this are refused. */
static int cs_param(const char *s, size_t n, struct cr_fm_param *p, struct cr_error **err)
{
        _cleanup_free_ char *text = cr_fm_normalize(s, n);
        char *name, *eq_sign = strchr(text, '=');

        if (eq_sign) {
                *eq_sign = 0;
                while (eq_sign > text && eq_sign[-1] == ' ')
                        *--eq_sign = 0;
        }
        if (strncmp(text, "ref ", 4) == 0 || strncmp(text, "out ", 4) == 0 || strncmp(text, "in ", 3) == 0 ||
            strncmp(text, "params ", 7) == 0 || strncmp(text, "this ", 5) == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "parameter %s: ref, out, in, params and this parameters are not supported", text);
        name = strrchr(text, ' ');
        if (!name)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "parameter %s has no type", text);
        *name++ = 0;
        p->name = xstrdup(name);
        if (cs_type(text, &p->type, false) < 0) {
                _cleanup_free_ char *what = xasprintf("parameter %s", p->name);
                return unsupported(what, text, err);
        }
        return 0;
}

static int cs_signature(const char *t, const struct cr_fm_found *f, const char *owner, struct cr_fm_sig *sig,
                        struct cr_error **err)
{
        _cleanup_free_ char *head = cr_fm_normalize(t + f->head, f->name - f->head), *ret = NULL;
        size_t pb[CR_FM_PARAMS_MAX + 1], pe[CR_FM_PARAMS_MAX + 1], n;
        int r;

        sig->name = xstrndup(t + f->name, f->name_end - f->name);
        sig->owner = xstrdup(owner);
        sig->line = f->line;
        ret = split_head(head, &sig->is_static);
        if (cs_type(ret, &sig->ret, true) < 0) {
                _cleanup_free_ char *what = xasprintf("%s()'s result", sig->name);
                return unsupported(what, ret, err);
        }
        n = cr_fm_split_params(t + f->params, f->params_end - f->params, pb, pe, CR_FM_PARAMS_MAX + 1);
        if (n > CR_FM_PARAMS_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() has more than %u parameters", sig->name,
                                     CR_FM_PARAMS_MAX);
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        for (size_t k = 0; k < n; k++) {
                r = cs_param(t + f->params + pb[k], pe[k] - pb[k], &sig->params[sig->n_params++], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct cs_scan {
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

static void scan_methods(const char *t, size_t len, struct cs_scan *cs)
{
        bool solution = false;

        cs->n_classes = cr_fm_scan_classes(t, 0, len, cs->classes, CR_FM_CANDIDATES_MAX);
        for (size_t c = 0; c < cs->n_classes; c++)
                solution |= name_is(t, cs->classes[c].name, cs->classes[c].name_end, "Solution");
        if (cs->n_classes == 0) {
                cs->n = cr_fm_scan_functions(t, 0, len, cs->found, CR_FM_CANDIDATES_MAX);
                return;
        }
        for (size_t c = 0; c < cs->n_classes && cs->n < CR_FM_CANDIDATES_MAX; c++) {
                const struct cr_fm_class *cl = &cs->classes[c];
                size_t m;
                if (solution && !name_is(t, cl->name, cl->name_end, "Solution"))
                        continue;
                m = cr_fm_scan_functions(t, cl->body, cl->body_end, cs->found + cs->n, CR_FM_CANDIDATES_MAX - cs->n);
                for (size_t k = cs->n; k < cs->n + m; k++)
                        cs->owner[k] = cl;
                cs->n += m;
        }
}

static int cs_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct cs_scan *cs = xzalloc(sizeof(*cs));
        _cleanup_free_ char *t = NULL, *owner = NULL;
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        size_t map[CR_FM_CANDIDATES_MAX], n = 0, pick;
        struct cr_fm_sig sig = {};
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_CSHARP, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        scan_methods(t, len, cs);
        for (size_t k = 0; k < cs->n; k++) {
                const struct cr_fm_found *f = &cs->found[k];
                const struct cr_fm_class *cl = cs->owner[k];
                if (name_is(t, f->name, f->name_end, "Main"))
                        continue;
                if (cl && f->name_end - f->name == cl->name_end - cl->name &&
                    memcmp(t + f->name, t + cl->name, f->name_end - f->name) == 0)
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
        owner = cs->owner[map[pick]] ? cr_fm_class_name(t, cs->owner[map[pick]]) : xstrdup("Solution");
        r = cs_signature(t, &cs->found[map[pick]], owner, &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        sig.flags = cs->n_classes == 0; /* wrap */
        *ret = sig;
        return 0;
}

/* ================================================================ literals */

static int cs_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        int r = t->bits <= 16 ? cr_buf_printf(b, "(%s) ", t->spelling) : 0;

        if (r >= 0)
                r = cr_fm_emit_decimal(b, v);
        if (r >= 0 && t->bits == 64)
                r = cr_buf_append(b, t->is_unsigned ? "UL" : "L", t->is_unsigned ? 2 : 1);
        else if (r >= 0 && t->bits == 32 && t->is_unsigned)
                r = cr_buf_append_lit(b, "U");
        return r;
}

static int cs_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        int r = cr_fm_emit_float_text(b, f);

        return r < 0 ? r : cr_buf_append(b, t->bits == 32 ? "f" : "d", 1);
}

static int cs_escape(struct cr_buf *b, long cp, char quote)
{
        if (cp == quote || cp == '\\')
                return cr_buf_printf(b, "\\%c", (char) cp);
        if (cp >= 0x20 && cp < 0x7f)
                return cr_buf_printf(b, "%c", (char) cp);
        if (cp >= 0x10000)
                return cr_buf_printf(b, "\\u%04lx\\u%04lx", 0xd800 + ((cp - 0x10000) >> 10),
                                     0xdc00 + ((cp - 0x10000) & 0x3ff));
        return cr_buf_printf(b, "\\u%04lx", cp);
}

static int cs_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        (void) t;
        int r = cr_buf_append_lit(b, "\"");

        for (size_t i = 0; r >= 0 && i < n;)
                r = cs_escape(b, cr_fm_utf8_next(s, n, &i), '"');
        return r < 0 ? r : cr_buf_append_lit(b, "\"");
}

static int cs_char(struct cr_buf *b, unsigned cp)
{
        int r;

        if (cp >= 0x10000)
                return cr_buf_printf(b, "(char) 0x%x", cp);
        r = cr_buf_append_lit(b, "'");
        if (r >= 0)
                r = cs_escape(b, cp, '\'');
        return r < 0 ? r : cr_buf_append_lit(b, "'");
}

static int cs_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        if (t->flavor == CS_ARRAY)
                return cr_buf_printf(b, "new %s{", t->spelling);
        return cr_buf_printf(b, "new System.Collections.Generic.List<%s>{", t->elem->spelling);
}

static int cs_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "}");
}

static const struct cr_fm_syntax cs_syntax = {
        .true_lit = "true",
        .false_lit = "false",
        .null_lit = "null",
        .emit_int = cs_int,
        .emit_float = cs_float,
        .emit_string = cs_string,
        .emit_char = cs_char,
        .list_open = cs_list_open,
        .list_close = cs_list_close,
};

/* ================================================================ the harness */

static const char cs_runtime[] =
        "\nstatic class CrHarness {\n"
        "    static string Quote(string s) {\n"
        "        var b = new System.Text.StringBuilder(\"\\\"\");\n"
        "        foreach (char c in s) {\n"
        "            if (c == '\"' || c == '\\\\') b.Append('\\\\').Append(c);\n"
        "            else if (c >= 0x20 && c < 0x7f) b.Append(c);\n"
        "            else b.Append(\"\\\\u\").Append(((int) c).ToString(\"x4\"));\n"
        "        }\n"
        "        return b.Append('\"').ToString();\n"
        "    }\n"
        "    static string Fmt(object v) {\n"
        "        var inv = System.Globalization.CultureInfo.InvariantCulture;\n"
        "        if (v == null) return \"null\";\n"
        "        if (v is string) return Quote((string) v);\n"
        "        if (v is char) return Quote(v.ToString());\n"
        "        if (v is bool) return (bool) v ? \"true\" : \"false\";\n"
        "        if (v is double || v is float) {\n"
        "            double d = System.Convert.ToDouble(v, inv);\n"
        "            if (double.IsNaN(d)) return \"NaN\";\n"
        "            if (double.IsInfinity(d)) return d > 0 ? \"Infinity\" : \"-Infinity\";\n"
        "            return v is float ? ((float) v).ToString(\"R\", inv) : d.ToString(\"R\", inv);\n"
        "        }\n"
        "        if (v is sbyte || v is byte || v is short || v is ushort || v is int || v is uint || v is long ||\n"
        "            v is ulong)\n"
        "            return System.Convert.ToString(v, inv);\n"
        "        if (v is System.Collections.IEnumerable) {\n"
        "            var b = new System.Text.StringBuilder(\"[\");\n"
        "            foreach (object x in (System.Collections.IEnumerable) v)\n"
        "                b.Append(b.Length > 1 ? \",\" : \"\").Append(Fmt(x));\n"
        "            return b.Append(']').ToString();\n"
        "        }\n"
        "        throw new System.ArgumentException(\"a result of type \" + v.GetType().Name + \" cannot be compared\");\n"
        "    }\n"
        "    static void Line(string kind, string text) {\n"
        "        System.Console.Out.Write(\"\\n\\u001eCR-\" + kind + \" \" + text.Replace('\\n', ' ') + \"\\n\");\n"
        "        System.Console.Out.Flush();\n"
        "    }\n"
        "    static bool Result(object v) {\n"
        "        string text;\n"
        "        try {\n"
        "            text = Fmt(v);\n"
        "        } catch (System.ArgumentException e) {\n"
        "            Line(\"ERROR\", e.Message);\n"
        "            return false;\n"
        "        }\n"
        "        Line(\"RESULT\", text);\n"
        "        return true;\n"
        "    }\n"
        "    static void Fail(System.Exception e) {\n"
        "        Line(\"CHECK\", \"fail \" + e.GetType().Name + (e.Message.Length > 0 ? \": \" + e.Message : \"\"));\n"
        "    }\n"
        "    static void Verdict(bool ok) {\n"
        "        Line(\"CHECK\", ok ? \"pass\" : \"fail it returned false\");\n"
        "    }\n";

static const char *result_type(const struct cr_fm_sig *sig)
{
        return sig->ret.kind == CR_FM_VOID ? sig->params[0].type.spelling : sig->ret.spelling;
}

static int cs_call(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
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
                        r = cr_fm_emit(&cs_syntax, b, &sig->params[k].type, &p->args[i].items[k]);
        }
        return r < 0 ? r : cr_buf_append_lit(b, ")");
}

static int cs_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        const struct cr_fm_sig *sig = p->sig;
        int r = cr_buf_printf(b, "        case %zu: {\n", i);

        if (r >= 0 && sig->ret.kind == CR_FM_VOID) {
                r = cr_buf_printf(b, "            %s a0 = ", sig->params[0].type.spelling);
                if (r >= 0)
                        r = cr_fm_emit(&cs_syntax, b, &sig->params[0].type, &p->args[i].items[0]);
                if (r >= 0)
                        r = cr_buf_append_lit(b, ";\n            ");
                if (r >= 0)
                        r = cs_call(b, p, i);
                if (r >= 0)
                        r = cr_buf_printf(b, ";\n            %s crR = a0;\n", result_type(sig));
        } else if (r >= 0) {
                r = cr_buf_printf(b, "            %s crR = ", result_type(sig));
                if (r >= 0)
                        r = cs_call(b, p, i);
                if (r >= 0)
                        r = cr_buf_append_lit(b, ";\n");
        }
        if (r >= 0)
                r = cr_buf_append_lit(b, "            if (Result(crR))");
        if (r >= 0 && p->custom[i])
                r = cr_buf_printf(b, " try { Verdict(Check%zu(crR)); } catch (System.Exception e) { Fail(e); }", i);
        return r < 0 ? r : cr_buf_append_lit(b, " {}\n            break;\n        }\n");
}

/* Methods alone go into class Solution on their first line (after the
 * using directives), so line numbers stay. */
static int cs_student_code(const struct cr_fm_program *p, struct cr_buf *out)
{
        _cleanup_free_ char *t = NULL;
        _cleanup_error_ struct cr_error *e = NULL;
        size_t wrap_at = 0;
        int r;

        if (!p->sig->flags)
                return cr_buf_append(out, p->code, p->code_len);
        if (cr_judge_blank_source(CR_JUDGE_LANG_CSHARP, p->code, p->code_len, &t, NULL, &e) < 0)
                return -EINVAL;
        for (size_t i = 0; i < p->code_len;) {
                size_t q = i;
                while (q < p->code_len && cr_scan_is_space((unsigned char) t[q]))
                        q++;
                if (strncmp(t + q, "using ", 6) != 0)
                        break;
                while (q < p->code_len && t[q] != ';')
                        q++;
                i = wrap_at = q < p->code_len ? q + 1 : q;
        }
        r = cr_buf_append(out, p->code, wrap_at);
        if (r >= 0)
                r = cr_buf_append_lit(out, " public class Solution { ");
        if (r >= 0)
                r = cr_buf_append(out, p->code + wrap_at, p->code_len - wrap_at);
        return r < 0 ? r : cr_buf_append_lit(out, "\n}\n");
}

static int cs_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        int r = cs_student_code(p, out);

        if (r >= 0)
                r = cr_buf_append(out, cs_runtime, sizeof(cs_runtime) - 1);
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i])
                        r = cr_buf_printf(out,
                                          "    static bool Check%zu(%s result) {\n"
                                          "        if (true) {\n%s\n        }\n        return true;\n    }\n",
                                          i, result_type(p->sig), p->custom[i]);
        if (r >= 0)
                r = cr_buf_append_lit(out, "    static void Main(string[] args) {\n"
                                           "        switch (int.Parse(args[0])) {\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = cs_case(out, p, i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "        }\n    }\n}\n");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}

static const char *const cs_error_markers[] = {"Exception: ", NULL};

static const struct cr_fm_lang cs_fm = {
        .detect = cs_detect,
        .generate = cs_generate,
        .syntax = &cs_syntax,
        .error_markers = cs_error_markers,
};

const struct cr_judge_language cr_judge_lang_csharp = {
        .id = "csharp",
        .lex = {.char_literals = true, .csharp_verbatim = true},
        .has_entry_point = entry_csharp,
        .program_hint = "a class with static void Main",
        .funcmode = &cr_fm_ops,
        .fm = &cs_fm,
};
