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

/* Go: `func main(` at depth 0 is an entry point (a method `func (r T) main(`
 * does not count). Function mode calls a top-level func (LeetCode's form)
 * or a method of type Solution on a zero value. The harness puts its own
 * package clause and imports first, then the student's code under a
 * `//line main.go:1` directive (so compiler messages keep the student's
 * line numbers) with the student's package clause blanked. The helpers
 * main calls (formatting results, the protocol lines) are package
 * coderunner/harness, compiled once into the image beside std
 * (rootfs/recipes/go.conf): a request compiles only the student's code and
 * main's glue. The package imports nothing from std, so a harness links no
 * more than the student's code alone; floats are formatted by package
 * coderunner/harness/float (strconv), imported only when the result holds
 * floats. The student's code cannot replace them; a top-level name like
 * their imports' would collide with them, and is refused by go_detect. */

#define GO_HELPERS "cr_h"
#define GO_FLOATS "cr_hf"

static bool entry_go(const struct cr_scan *sc)
{
        return cr_scan_keyword_main(sc, "func");
}

/* ================================================================ types */

static int go_type(const char *a, struct cr_fm_type *t, bool result)
{
        static const struct {
                const char *name;
                enum cr_fm_kind kind;
                unsigned bits;
                bool is_unsigned;
        } scalars[] = {
                {"int", CR_FM_INT, 64, false},      {"int64", CR_FM_INT, 64, false},
                {"int32", CR_FM_INT, 32, false},    {"int16", CR_FM_INT, 16, false},
                {"int8", CR_FM_INT, 8, false},      {"rune", CR_FM_INT, 32, false},
                {"uint", CR_FM_INT, 64, true},      {"uint64", CR_FM_INT, 64, true},
                {"uint32", CR_FM_INT, 32, true},    {"uint16", CR_FM_INT, 16, true},
                {"uint8", CR_FM_INT, 8, true},      {"byte", CR_FM_INT, 8, true},
                {"float64", CR_FM_FLOAT, 64, false}, {"float32", CR_FM_FLOAT, 32, false},
                {"bool", CR_FM_BOOL, 0, false},     {"string", CR_FM_STRING, 0, false},
        };

        *t = (struct cr_fm_type) {.spelling = xstrdup(a)};
        if (result && !a[0]) {
                t->kind = CR_FM_VOID;
                return 0;
        }
        if (strncmp(a, "[]", 2) == 0) {
                _cleanup_free_ char *inner = cr_fm_normalize(a + 2, strlen(a + 2));
                t->kind = CR_FM_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                return go_type(inner, t->elem, false);
        }
        for (size_t k = 0; k < sizeof(scalars) / sizeof(scalars[0]); k++)
                if (strcmp(a, scalars[k].name) == 0) {
                        t->kind = scalars[k].kind;
                        t->bits = scalars[k].bits;
                        t->is_unsigned = scalars[k].is_unsigned;
                        /* LeetCode writes Go's [][]byte boards as characters: [["1","0"]] */
                        t->takes_char = t->kind == CR_FM_INT && t->bits == 8 && t->is_unsigned;
                        return 0;
                }
        return -EINVAL;
}

static int unsupported(const char *what, const char *type, struct cr_error **err)
{
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                             "%s: type %s is not supported (function mode passes the integer types, float64, "
                             "float32, bool, string and slices of them; one result)",
                             what, type);
}

/* ================================================================ finding the func */

struct go_func {
        struct cr_fm_candidate c;
        size_t recv, recv_end;          /* inside the receiver's parentheses */
        size_t params, params_end;
        size_t ret, ret_end;            /* the result type(s), up to the body */
};

static size_t skip_ws(const char *t, size_t len, size_t i)
{
        while (i < len && cr_scan_is_space((unsigned char) t[i]) && t[i] != '\n')
                i++;
        return i;
}

/* `func [(recv)] name(params) result {` at i (on "func"). */
static bool read_func(const char *t, size_t len, size_t i, struct go_func *f)
{
        i = skip_ws(t, len, i + 4);
        if (i < len && t[i] == '(') {
                f->recv = i + 1;
                i = cr_fm_close_of(t, len, i);
                f->recv_end = i - 1;
                i = skip_ws(t, len, i);
        }
        f->c.name = i;
        while (i < len && cr_scan_is_ident((unsigned char) t[i]))
                i++;
        f->c.name_end = i;
        i = skip_ws(t, len, i);
        if (f->c.name == f->c.name_end || i >= len || t[i] != '(')
                return false;
        f->params = i + 1;
        i = cr_fm_close_of(t, len, i);
        f->params_end = i - 1;
        f->ret = skip_ws(t, len, i);
        for (i = f->ret; i < len && t[i] != '{' && t[i] != '\n'; i++)
                if (t[i] == '(' || t[i] == '[')
                        i = cr_fm_close_of(t, len, i) - 1;
        if (i >= len || t[i] != '{')
                return false;
        f->ret_end = i;
        f->c.body_end = cr_fm_close_of(t, len, i);
        return true;
}

static size_t scan_funcs(const char *t, size_t len, struct go_func *out, size_t max)
{
        struct cr_scan sc = {.t = t, .len = len};
        size_t n = 0;

        for (size_t i = 0; i < len && n < max;) {
                if (t[i] == '{' || t[i] == '(' || t[i] == '[') {
                        i = cr_fm_close_of(t, len, i);
                        continue;
                }
                if (cr_scan_word_at(&sc, i, "func") && read_func(t, len, i, &out[n])) {
                        out[n].c.body = i;
                        out[n].c.line = cr_fm_line_of(t, i);
                        i = out[n++].c.body_end;
                        continue;
                }
                i++;
        }
        return n;
}

/* Go groups names before a type: `a, b int, s string`. */
static int go_params(const char *t, const struct go_func *f, struct cr_fm_sig *sig, struct cr_error **err)
{
        size_t pb[CR_FM_PARAMS_MAX + 1], pe[CR_FM_PARAMS_MAX + 1], n;
        _cleanup_free_ char *pending_type = NULL;

        n = cr_fm_split_params(t + f->params, f->params_end - f->params, pb, pe, CR_FM_PARAMS_MAX + 1);
        if (n > CR_FM_PARAMS_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() has more than %u parameters", sig->name,
                                     CR_FM_PARAMS_MAX);
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        sig->n_params = n;
        for (size_t k = n; k-- > 0;) { /* from the last, which always has its type */
                _cleanup_free_ char *text = cr_fm_normalize(t + f->params + pb[k], pe[k] - pb[k]);
                char *sp = strchr(text, ' ');
                struct cr_fm_param *p = &sig->params[k];
                if (sp) {
                        *sp = 0;
                        free(pending_type);
                        pending_type = xstrdup(sp + 1);
                }
                p->name = xstrdup(text);
                if (!pending_type || strncmp(pending_type, "...", 3) == 0) {
                        _cleanup_free_ char *what = xasprintf("parameter %s", p->name);
                        return unsupported(what, pending_type ? pending_type : "(none)", err);
                }
                if (go_type(pending_type, &p->type, false) < 0) {
                        _cleanup_free_ char *what = xasprintf("parameter %s", p->name);
                        return unsupported(what, pending_type, err);
                }
        }
        return 0;
}

static int go_signature(const char *t, const struct go_func *f, struct cr_fm_sig *sig, struct cr_error **err)
{
        _cleanup_free_ char *ret = cr_fm_normalize(t + f->ret, f->ret_end - f->ret);
        int r;

        sig->name = xstrndup(t + f->c.name, f->c.name_end - f->c.name);
        sig->line = f->c.line;
        if (f->recv_end > f->recv) { /* (s *Solution), (Solution) */
                _cleanup_free_ char *recv = cr_fm_normalize(t + f->recv, f->recv_end - f->recv);
                char *type = strrchr(recv, ' ');
                type = type ? type + 1 : recv;
                sig->owner = xstrdup(type[0] == '*' ? type + 1 : type); /* called on new(T) */
        }
        r = go_params(t, f, sig, err);
        if (r < 0)
                return r;
        if (ret[0] == '(') { /* (int) or (res int): one result */
                size_t n = strlen(ret);
                char *inner = ret + 1, *sp;
                ret[n - 1] = 0;
                if (strchr(inner, ','))
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                             "%s() returns more than one value: function mode compares one result",
                                             sig->name);
                sp = strrchr(inner, ' ');
                memmove(ret, sp ? sp + 1 : inner, strlen(sp ? sp + 1 : inner) + 1);
        }
        if (go_type(ret, &sig->ret, true) < 0) {
                _cleanup_free_ char *what = xasprintf("%s()'s result", sig->name);
                return unsupported(what, ret, err);
        }
        return 0;
}

/* The import names of the helpers, outside any function body: a top-level
 * declaration of one would collide with the harness's import. */
static int reserved_name(const char *t, size_t len, struct cr_error **err)
{
        static const char *const names[] = {GO_HELPERS, GO_FLOATS};
        struct cr_scan sc = {.t = t, .len = len};
        unsigned depth = 0;

        for (size_t i = 0; i < len; i++) {
                if (t[i] == '{')
                        depth++;
                else if (t[i] == '}' && depth > 0)
                        depth--;
                for (size_t k = 0; depth == 0 && k < sizeof(names) / sizeof(names[0]); k++)
                        if (cr_scan_word_at(&sc, i, names[k]))
                                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                                     "%s (line %u) is the harness's name for its helpers in "
                                                     "function mode: rename it",
                                                     names[k], cr_fm_line_of(t, i));
        }
        return 0;
}

static int go_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct go_func *fns = xzalloc(CR_FM_CANDIDATES_MAX * sizeof(*fns));
        _cleanup_free_ char *t = NULL;
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        size_t map[CR_FM_CANDIDATES_MAX], n = 0, found, pick;
        struct cr_fm_sig sig = {};
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_GO, code, len, &t, NULL, err);
        if (r >= 0)
                r = reserved_name(t, len, err);
        if (r < 0)
                return r;
        found = scan_funcs(t, len, fns, CR_FM_CANDIDATES_MAX);
        for (size_t k = 0; k < found; k++) {
                size_t nl = fns[k].c.name_end - fns[k].c.name;
                if ((nl == 4 && memcmp(t + fns[k].c.name, "init", 4) == 0) ||
                    (nl == 4 && memcmp(t + fns[k].c.name, "main", 4) == 0))
                        continue;
                c[n] = fns[k].c;
                map[n++] = k;
        }
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "no function found: function mode needs a top-level func");
        r = cr_fm_choose(t, len, c, n, wanted, "function", &pick, err);
        if (r >= 0)
                r = go_signature(t, &fns[map[pick]], &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        *ret = sig;
        return 0;
}

/* ================================================================ literals */

static int go_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        (void) t;
        return cr_fm_emit_decimal(b, v);
}

static int go_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        (void) t;
        return cr_fm_emit_float_text(b, f);
}

static int go_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        (void) t;
        int r = cr_buf_append_lit(b, "\"");

        for (size_t i = 0; r >= 0 && i < n;) {
                long cp = cr_fm_utf8_next(s, n, &i);
                if (cp == '"' || cp == '\\')
                        r = cr_buf_printf(b, "\\%c", (char) cp);
                else if (cp >= 0x20 && cp < 0x7f)
                        r = cr_buf_printf(b, "%c", (char) cp);
                else
                        r = cr_buf_printf(b, cp > 0xffff ? "\\U%08lx" : "\\u%04lx", cp);
        }
        return r < 0 ? r : cr_buf_append_lit(b, "\"");
}

/* A character given to a byte (the only type that takes one, and only
 * ASCII): its code, an untyped constant. */
static int go_char(struct cr_buf *b, unsigned cp)
{
        return cr_buf_printf(b, "%u", cp);
}

static int go_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        return cr_buf_printf(b, "%s{", t->spelling);
}

static int go_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "}");
}

static const struct cr_fm_syntax go_syntax = {
        .true_lit = "true",
        .false_lit = "false",
        .null_lit = "nil",
        .emit_int = go_int,
        .emit_float = go_float,
        .emit_string = go_string,
        .emit_char = go_char,
        .list_open = go_list_open,
        .list_close = go_list_close,
};

/* ================================================================ the harness */

static const char go_head[] = "package main\n"
                              "\n"
                              "import " GO_HELPERS " \"coderunner/harness\"\n";

/* Only a harness whose result holds floats links strconv. */
static const char go_floats_import[] = "import " GO_FLOATS " \"coderunner/harness/float\"\n";

static const char go_line[] = "\n//line main.go:1\n";

static bool holds_floats(const struct cr_fm_type *t)
{
        return t->kind == CR_FM_FLOAT || (t->kind == CR_FM_LIST && holds_floats(t->elem));
}

/* Whether a value of type t holds a byte written as a character. */
static bool has_char_byte(const struct cr_fm_type *t, const struct cr_value *v)
{
        if (t->kind == CR_FM_INT)
                return t->takes_char && v->kind == CR_VALUE_STRING;
        for (size_t k = 0; t->kind == CR_FM_LIST && v->kind == CR_VALUE_ARRAY && k < v->n; k++)
                if (has_char_byte(t->elem, &v->items[k]))
                        return true;
        return false;
}

/* Bytes print as characters when the tests write them so: a board given as
 * [["X","O"]] comes back as [["X","O"]], not [[88,79]]. */
static bool bytes_are_chars(const struct cr_fm_program *p)
{
        for (size_t i = 0; i < p->n_tests; i++)
                for (size_t k = 0; k < p->sig->n_params; k++)
                        if (has_char_byte(&p->sig->params[k].type, &p->args[i].items[k]))
                                return true;
        return false;
}

/* The expression that prints variable v of type t. */
static int go_fmt_expr(struct cr_buf *b, const struct cr_fm_type *t, const char *v, unsigned depth, bool chars)
{
        switch (t->kind) {
        case CR_FM_INT:
                if (chars && t->takes_char)
                        return cr_buf_printf(b, GO_HELPERS ".Char(%s)", v);
                return t->is_unsigned ? cr_buf_printf(b, GO_HELPERS ".Uint(uint64(%s))", v) :
                                        cr_buf_printf(b, GO_HELPERS ".Int(int64(%s))", v);
        case CR_FM_FLOAT:
                return cr_buf_printf(b, GO_FLOATS ".Float(float64(%s), %u)", v, t->bits);
        case CR_FM_BOOL:
                return cr_buf_printf(b, GO_HELPERS ".Bool(%s)", v);
        case CR_FM_STRING:
                return cr_buf_printf(b, GO_HELPERS ".Str(%s)", v);
        case CR_FM_LIST: {
                char x[16];
                int r;
                snprintf(x, sizeof(x), "x%u", depth);
                r = cr_buf_printf(b, GO_HELPERS ".List(%s, func(%s %s) string { return ", v, x, t->elem->spelling);
                if (r >= 0)
                        r = go_fmt_expr(b, t->elem, x, depth + 1, chars);
                return r < 0 ? r : cr_buf_append_lit(b, " })");
        }
        default:
                return -EINVAL;
        }
}

static int go_call(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        const struct cr_fm_sig *sig = p->sig;
        int r = sig->owner ? cr_buf_printf(b, "new(%s).%s(", sig->owner, sig->name) : cr_buf_printf(b, "%s(", sig->name);

        for (size_t k = 0; r >= 0 && k < sig->n_params; k++) {
                if (k > 0)
                        r = cr_buf_append_lit(b, ", ");
                if (r >= 0 && k == 0 && sig->ret.kind == CR_FM_VOID)
                        r = cr_buf_append_lit(b, "a0");
                else if (r >= 0)
                        r = cr_fm_emit(&go_syntax, b, &sig->params[k].type, &p->args[i].items[k]);
        }
        return r < 0 ? r : cr_buf_append_lit(b, ")");
}

static int go_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        const struct cr_fm_sig *sig = p->sig;
        const struct cr_fm_type *rt = sig->ret.kind == CR_FM_VOID ? &sig->params[0].type : &sig->ret;
        int r = cr_buf_printf(b, "\tcase %zu:\n", i);

        if (r >= 0 && sig->ret.kind == CR_FM_VOID) {
                r = cr_buf_append_lit(b, "\t\ta0 := ");
                if (r >= 0)
                        r = cr_fm_emit(&go_syntax, b, &sig->params[0].type, &p->args[i].items[0]);
                if (r >= 0)
                        r = cr_buf_append_lit(b, "\n\t\t");
                if (r >= 0)
                        r = go_call(b, p, i);
                if (r >= 0)
                        r = cr_buf_append_lit(b, "\n\t\tr := a0\n");
        } else if (r >= 0) {
                r = cr_buf_append_lit(b, "\t\tr := ");
                if (r >= 0)
                        r = go_call(b, p, i);
                if (r >= 0)
                        r = cr_buf_append_lit(b, "\n");
        }
        if (r >= 0)
                r = cr_buf_append_lit(b, "\t\t" GO_HELPERS ".Line(\"RESULT\", ");
        if (r >= 0)
                r = go_fmt_expr(b, rt, "r", 0, bytes_are_chars(p));
        if (r >= 0)
                r = cr_buf_append_lit(b, ")\n");
        if (r >= 0 && p->custom[i])
                r = cr_buf_printf(b, "\t\t" GO_HELPERS ".Check(func() bool { return crCheck%zu(r) })\n", i);
        else if (r >= 0)
                r = cr_buf_append_lit(b, "\t\t_ = r\n");
        return r;
}

/* The student's code with its package clause blanked (the harness has one). */
static int go_student_code(const struct cr_fm_program *p, struct cr_buf *out)
{
        _cleanup_free_ char *t = NULL, *code = xstrndup(p->code, p->code_len);
        _cleanup_error_ struct cr_error *e = NULL;
        struct cr_scan sc;

        if (cr_judge_blank_source(CR_JUDGE_LANG_GO, p->code, p->code_len, &t, NULL, &e) < 0)
                return -EINVAL;
        sc = (struct cr_scan) {.t = t, .len = p->code_len};
        for (size_t i = cr_scan_skip_space(&sc, 0); i < p->code_len && cr_scan_word_at(&sc, i, "package");) {
                for (; i < p->code_len && t[i] != '\n' && t[i] != ';'; i++)
                        code[i] = ' ';
                break;
        }
        return cr_buf_append(out, code, p->code_len);
}

static int go_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        const struct cr_fm_type *rt = p->sig->ret.kind == CR_FM_VOID ? &p->sig->params[0].type : &p->sig->ret;
        int r = cr_buf_append(out, go_head, sizeof(go_head) - 1);

        if (r >= 0 && holds_floats(rt))
                r = cr_buf_append(out, go_floats_import, sizeof(go_floats_import) - 1);
        if (r >= 0)
                r = cr_buf_append(out, go_line, sizeof(go_line) - 1);
        if (r >= 0)
                r = go_student_code(p, out);
        if (r >= 0) /* the student's last line may be a comment, with no line end */
                r = cr_buf_append_lit(out, "\n\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i])
                        r = cr_buf_printf(out, "func crCheck%zu(result %s) bool {\n\tif true {\n%s\n\t}\n\treturn true\n}\n",
                                          i, rt->spelling, p->custom[i]);
        if (r >= 0)
                r = cr_buf_append_lit(out, "func main() {\n\tswitch " GO_HELPERS ".Test() {\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = go_case(out, p, i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "\t}\n}\n");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}

static const char *const go_error_markers[] = {"panic:", NULL};

static const struct cr_fm_lang go_fm = {
        .detect = go_detect,
        .generate = go_generate,
        .syntax = &go_syntax,
        .error_markers = go_error_markers,
};

const struct cr_judge_language cr_judge_lang_go = {
        .id = "go",
        .lex = {.char_literals = true, .backquote_raw = true},
        .has_entry_point = entry_go,
        .program_hint = "a main function",
        .funcmode = &cr_fm_ops,
        .fm = &go_fm,
};
