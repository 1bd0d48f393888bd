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

/* Python: an entry point is any top-level statement that is not a
 * definition or an import. Function mode calls a top-level function, or a
 * method of `class Solution` on a new instance (LeetCode's form). */

/* End of the logical line or ;-separated statement starting at i. */
static size_t py_statement_end(const struct cr_scan *sc, size_t i, bool *ret_semicolon)
{
        unsigned depth = 0;

        *ret_semicolon = false;
        for (; i < sc->len; i++) {
                char c = sc->t[i];
                if (c == '(' || c == '[' || c == '{')
                        depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0)
                        depth--;
                else if (c == '\\' && i + 1 < sc->len && sc->t[i + 1] == '\n')
                        i++;
                else if (c == '\n' && depth == 0)
                        return i;
                else if (c == ';' && depth == 0) {
                        *ret_semicolon = true;
                        return i;
                }
        }
        return i;
}

/* Only string markers (and a trailing ';' or whitespace) between b and e. */
static bool only_strings(const struct cr_scan *sc, size_t b, size_t e)
{
        bool any = false;

        for (size_t k = b; k < e; k++) {
                char c = sc->t[k];
                if (c == '"')
                        any = true;
                else if (!cr_scan_is_space((unsigned char)c) && c != ';' && c != '\\')
                        return false;
        }
        return any;
}

static bool py_is_definition(const struct cr_scan *sc, size_t b, size_t e)
{
        static const char *const defs[] = {"def", "class", "import", "from"};

        if (sc->t[b] == '@' || only_strings(sc, b, e))
                return true;
        for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
                if (cr_scan_word_at(sc, b, defs[k]))
                        return true;
        return cr_scan_word_at(sc, b, "async") && cr_scan_word_at(sc, cr_scan_skip_space(sc, b + 5), "def");
}

static bool entry_python(const struct cr_scan *sc)
{
        bool top = true, after_semicolon = false;
        size_t i = 0;

        while (i < sc->len) {
                size_t b = i, e;
                bool semicolon;

                while (b < sc->len && (sc->t[b] == ' ' || sc->t[b] == '\t' || sc->t[b] == '\f'))
                        b++;
                /* a statement after ';' is at the indentation of its line */
                if (!after_semicolon)
                        top = b == i;
                e = py_statement_end(sc, b, &semicolon);
                if (top && b < e && !cr_scan_is_space((unsigned char)sc->t[b]) && !py_is_definition(sc, b, e))
                        return true;
                after_semicolon = semicolon;
                i = e + 1;
        }
        return false;
}

/* ================================================================ function mode: finding the function */

/* One `def` at the top level or directly in a class. */
struct py_def {
        struct cr_fm_candidate c;
        size_t params, params_end;      /* inside the parentheses */
        size_t ret, ret_end;            /* the -> annotation, if any */
        bool is_static;                 /* @staticmethod / @classmethod: no instance */
        const char *class_name;         /* not owned: in the blanked text; NULL at the top level */
        size_t class_len;
};

struct py_scan {
        const char *t;
        size_t len;
        struct py_def defs[CR_FM_CANDIDATES_MAX];
        size_t n;
};

static size_t line_end(const char *t, size_t len, size_t i)
{
        const char *nl = memchr(t + i, '\n', len - i);

        return nl ? (size_t) (nl - t) : len;
}

/* Column of the first non-blank byte of the line at ls (tabs to 8), and that
 * byte's offset; *ret_q == line end for a blank line. */
static unsigned indent_of(const char *t, size_t len, size_t ls, size_t *ret_q)
{
        unsigned col = 0;
        size_t q = ls;

        for (; q < len && (t[q] == ' ' || t[q] == '\t' || t[q] == '\f'); q++)
                col = t[q] == '\t' ? (col / 8 + 1) * 8 : col + 1;
        *ret_q = q;
        return col;
}

/* End of the block whose header line starts at ls with indentation col: the
 * start of the next non-blank line indented no deeper, or len. */
static size_t block_end(const char *t, size_t len, size_t header_end, unsigned col)
{
        for (size_t ls = line_end(t, len, header_end) + 1; ls < len; ls = line_end(t, len, ls) + 1) {
                size_t q;
                unsigned c = indent_of(t, len, ls, &q);
                if (q < len && t[q] != '\n' && c <= col)
                        return ls;
        }
        return len;
}

static bool word_at(const char *t, size_t len, size_t i, const char *w)
{
        struct cr_scan sc = {.t = t, .len = len};

        return cr_scan_word_at(&sc, i, w);
}

static size_t skip_ws(const char *t, size_t len, size_t i)
{
        while (i < len && cr_scan_is_space((unsigned char) t[i]))
                i++;
        return i;
}

/* `def name(params) [-> ret]:` at q; false if it is not one. */
static bool read_def(const char *t, size_t len, size_t q, struct py_def *d)
{
        size_t i = q, depth = 0;

        if (word_at(t, len, i, "async"))
                i = skip_ws(t, len, i + 5);
        if (!word_at(t, len, i, "def"))
                return false;
        i = skip_ws(t, len, i + 3);
        d->c.name = i;
        while (i < len && cr_scan_is_ident((unsigned char) t[i]))
                i++;
        d->c.name_end = i;
        i = skip_ws(t, len, i);
        if (d->c.name_end == d->c.name || i >= len || t[i] != '(')
                return false;
        d->params = ++i;
        for (depth = 1; i < len && depth > 0; i++)
                depth += t[i] == '(' || t[i] == '[' || t[i] == '{' ? 1 : t[i] == ')' || t[i] == ']' || t[i] == '}' ? -1 : 0;
        if (depth > 0)
                return false;
        d->params_end = i - 1;
        i = skip_ws(t, len, i);
        if (i + 1 < len && t[i] == '-' && t[i + 1] == '>') {
                d->ret = skip_ws(t, len, i + 2);
                for (i = d->ret, depth = 0; i < len && !(depth == 0 && (t[i] == ':' || t[i] == '\n')); i++)
                        depth += t[i] == '[' ? 1 : t[i] == ']' && depth > 0 ? -1 : 0;
                d->ret_end = i;
        }
        return i < len && t[i] == ':';
}

/* The decorators right above the line at ls. */
static bool decorated_static(const char *t, size_t ls)
{
        size_t e = ls;

        while (e > 0) {
                size_t b = e - 1, q;
                while (b > 0 && t[b - 1] != '\n')
                        b--;
                for (q = b; q < e && (t[q] == ' ' || t[q] == '\t'); q++)
                        ;
                if (q >= e - 1 || t[q] != '@')
                        return false;
                if (word_at(t, e, q + 1, "staticmethod") || word_at(t, e, q + 1, "classmethod"))
                        return true;
                e = b;
        }
        return false;
}

static void add_def(struct py_scan *ps, size_t ls, size_t q, unsigned col, const char *cls, size_t cls_len)
{
        struct py_def d = {.class_name = cls, .class_len = cls_len};

        if (ps->n >= CR_FM_CANDIDATES_MAX || !read_def(ps->t, ps->len, q, &d))
                return;
        d.c.body = q;
        d.c.body_end = block_end(ps->t, ps->len, d.params_end, col);
        d.c.line = cr_fm_line_of(ps->t, q);
        d.c.in_class = cls != NULL;
        d.is_static = cls && decorated_static(ps->t, ls);
        ps->defs[ps->n++] = d;
}

/* Every def at the top level and directly inside a top-level class. */
static void scan_defs(struct py_scan *ps)
{
        const char *t = ps->t, *cls = NULL;
        size_t len = ps->len, cls_len = 0;
        int body_col = -1;

        for (size_t ls = 0; ls < len; ls = line_end(t, len, ls) + 1) {
                size_t q;
                unsigned col = indent_of(t, len, ls, &q);

                if (q >= len || t[q] == '\n')
                        continue;
                if (col == 0) {
                        cls = NULL;
                        if (word_at(t, len, q, "class")) {
                                size_t b = skip_ws(t, len, q + 5), e = b;
                                while (e < len && cr_scan_is_ident((unsigned char) t[e]))
                                        e++;
                                cls = t + b;
                                cls_len = e - b;
                                body_col = -1;
                                continue;
                        }
                        add_def(ps, ls, q, col, NULL, 0);
                } else if (cls) {
                        if (body_col < 0)
                                body_col = (int) col;
                        if ((int) col == body_col)
                                add_def(ps, ls, q, col, cls, cls_len);
                }
        }
}

static bool is_class(const struct py_def *d, const char *name)
{
        return d->class_name && d->class_len == strlen(name) && memcmp(d->class_name, name, d->class_len) == 0;
}

/* Which defs the tests may call: the public methods of class Solution when
 * it has any, else the top-level functions, else the methods of the only
 * class. */
static size_t pick_candidates(const struct py_scan *ps, const struct py_def **out)
{
        size_t n = 0;

        for (size_t k = 0; k < ps->n; k++)
                if (is_class(&ps->defs[k], "Solution") && ps->t[ps->defs[k].c.name] != '_')
                        out[n++] = &ps->defs[k];
        if (n == 0)
                for (size_t k = 0; k < ps->n; k++)
                        if (!ps->defs[k].class_name)
                                out[n++] = &ps->defs[k];
        if (n == 0)
                for (size_t k = 0; k < ps->n; k++)
                        if (ps->t[ps->defs[k].c.name] != '_')
                                out[n++] = &ps->defs[k];
        return n;
}

/* ================================================================ function mode: types */

/* Python annotations: int, float, bool, str, List[T] / list[T] (typing.
 * prefixes allowed), None for the result. */
static int py_type(const char *a, struct cr_fm_type *t, bool result)
{
        size_t n = strlen(a);

        if (strncmp(a, "typing.", 7) == 0)
                return py_type(a + 7, t, result);
        t->spelling = xstrdup(a);
        if (!a[0])
                t->kind = CR_FM_ANY;
        else if (strcmp(a, "int") == 0)
                *t = (struct cr_fm_type) {.kind = CR_FM_INT, .bits = 64, .spelling = t->spelling};
        else if (strcmp(a, "float") == 0)
                t->kind = CR_FM_FLOAT;
        else if (strcmp(a, "bool") == 0)
                t->kind = CR_FM_BOOL;
        else if (strcmp(a, "str") == 0)
                t->kind = CR_FM_STRING;
        else if (result && strcmp(a, "None") == 0)
                t->kind = CR_FM_VOID;
        else if (strcmp(a, "List") == 0 || strcmp(a, "list") == 0) {
                t->kind = CR_FM_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
        } else if ((strncmp(a, "List[", 5) == 0 || strncmp(a, "list[", 5) == 0) && a[n - 1] == ']') {
                _cleanup_free_ char *inner = cr_fm_normalize(a + 5, n - 6);
                t->kind = CR_FM_LIST;
                t->elem = xzalloc(sizeof(*t->elem));
                return py_type(inner, t->elem, false);
        } else
                return -EINVAL;
        return 0;
}

static int type_error(const char *what, const char *spelling, struct cr_error **err)
{
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                             "%s: type %s is not supported (function mode passes int, float, bool, str and lists "
                             "of them, List[...])",
                             what, spelling);
}

/* `name[: annotation][= default]`; *ret_skip for a `/` marker. */
static int py_param(const char *t, size_t b, size_t e, struct cr_fm_param *p, struct cr_error **err)
{
        _cleanup_free_ char *text = cr_fm_normalize(t + b, e - b), *annot = NULL;
        char *colon, *eq;
        int r;

        if (text[0] == '*')
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "parameter %s: variadic and keyword-only parameters are not supported", text);
        eq = strchr(text, '=');
        if (eq)
                *eq = 0;
        colon = strchr(text, ':');
        if (colon) {
                *colon = 0;
                annot = cr_fm_normalize(colon + 1, strlen(colon + 1));
        }
        p->name = cr_fm_normalize(text, strlen(text));
        r = py_type(annot ? annot : "", &p->type, false);
        if (r < 0) {
                _cleanup_free_ char *what = xasprintf("parameter %s", p->name);
                return type_error(what, annot, err);
        }
        return 0;
}

static int py_signature(const struct py_scan *ps, const struct py_def *d, struct cr_fm_sig *sig,
                        struct cr_error **err)
{
        size_t pb[CR_FM_PARAMS_MAX + 1], pe[CR_FM_PARAMS_MAX + 1], n, first = 0;
        _cleanup_free_ char *ret = NULL;
        int r;

        sig->name = xstrndup(ps->t + d->c.name, d->c.name_end - d->c.name);
        sig->owner = d->class_name ? xstrndup(d->class_name, d->class_len) : NULL;
        sig->is_static = d->is_static;
        sig->line = d->c.line;
        n = cr_fm_split_params(ps->t + d->params, d->params_end - d->params, pb, pe, CR_FM_PARAMS_MAX + 1);
        if (n > CR_FM_PARAMS_MAX)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s() has more than %u parameters", sig->name,
                                     CR_FM_PARAMS_MAX);
        if (sig->owner && n > 0)
                first = 1; /* self, or cls for a classmethod */
        if (sig->owner && d->is_static && n > 0 && !word_at(ps->t + d->params, pe[0], pb[0], "cls"))
                first = 0;
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        for (size_t k = first; k < n; k++) {
                if (pe[k] - pb[k] == 1 && ps->t[d->params + pb[k]] == '/')
                        continue;
                r = py_param(ps->t + d->params, pb[k], pe[k], &sig->params[sig->n_params++], err);
                if (r < 0)
                        return r;
        }
        ret = cr_fm_normalize(ps->t + d->ret, d->ret_end - d->ret);
        if (py_type(ret, &sig->ret, true) < 0) {
                _cleanup_free_ char *what = xasprintf("%s()'s result", sig->name);
                return type_error(what, ret, err);
        }
        return 0;
}

static int py_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct py_scan *ps = xzalloc(sizeof(*ps));
        _cleanup_free_ char *t = NULL;
        const struct py_def *cand[CR_FM_CANDIDATES_MAX];
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        struct cr_fm_sig sig = {};
        size_t n, pick;
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_PYTHON, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        ps->t = t;
        ps->len = len;
        scan_defs(ps);
        n = pick_candidates(ps, cand);
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "no function found: function mode needs a top-level def or a method of "
                                     "class Solution");
        for (size_t k = 0; k < n; k++)
                c[k] = cand[k]->c;
        r = cr_fm_choose(t, len, c, n, wanted, "function", &pick, err);
        if (r >= 0)
                r = py_signature(ps, cand[pick], &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        *ret = sig;
        return 0;
}

/* ================================================================ function mode: the harness */

static int py_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        (void) t;
        return cr_fm_emit_decimal(b, v);
}

static int py_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        (void) t;
        return cr_fm_emit_float_text(b, f);
}

/* A str literal: escapes for quotes, backslashes and control characters,
 * other text (valid UTF-8) as it is. */
static int py_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        (void) t;
        int r = cr_buf_append_lit(b, "\"");

        for (size_t i = 0; r >= 0 && i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c == '"' || c == '\\')
                        r = cr_buf_printf(b, "\\%c", c);
                else if (c < 0x20 || c == 0x7f)
                        r = cr_buf_printf(b, "\\x%02x", c);
                else
                        r = cr_buf_append(b, s + i, 1);
        }
        return r < 0 ? r : cr_buf_append_lit(b, "\"");
}

static int py_char(struct cr_buf *b, unsigned cp)
{
        return cr_buf_printf(b, "chr(%u)", cp);
}

static int py_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "[");
}

static int py_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "]");
}

static const struct cr_fm_syntax py_syntax = {
        .true_lit = "True",
        .false_lit = "False",
        .null_lit = "None",
        .emit_int = py_int,
        .emit_float = py_float,
        .emit_string = py_string,
        .emit_char = py_char,
        .list_open = py_list_open,
        .list_close = py_list_close,
};

/* After the student's code, so its line numbers are unchanged. The result
 * is printed in the literal syntax. No import but sys: json (through re)
 * would cost more than the interpreter's own start. */
static const char py_runtime[] =
        "\n\n# ---- coderunner function-mode harness\n"
        "import sys as _cr_sys\n"
        "_cr_esc = {c: '\\\\u%04x' % c for c in list(range(32)) + [127]}\n"
        "_cr_esc.update({34: '\\\\\"', 92: '\\\\\\\\'})\n"
        "\n"
        "def _cr_fmt(v):\n"
        "    if v is None:\n"
        "        return 'null'\n"
        "    if v is True or v is False:\n"
        "        return 'true' if v else 'false'\n"
        "    if isinstance(v, int):\n"
        "        return str(v)\n"
        "    if isinstance(v, float):\n"
        "        if v != v:\n"
        "            return 'NaN'\n"
        "        if v in (float('inf'), float('-inf')):\n"
        "            return 'Infinity' if v > 0 else '-Infinity'\n"
        "        return repr(v)\n"
        "    if isinstance(v, str):\n"
        "        return '\"' + v.translate(_cr_esc) + '\"'\n"
        "    if isinstance(v, (list, tuple)):\n"
        "        return '[' + ','.join(_cr_fmt(x) for x in v) + ']'\n"
        "    raise TypeError('a result of type ' + type(v).__name__ + ' cannot be compared')\n"
        "\n"
        "def _cr_line(kind, text):\n"
        "    _cr_sys.stdout.write('\\n\\x1eCR-' + kind + ' ' + text.replace('\\n', ' ') + '\\n')\n"
        "\n"
        "def _cr_run(cases, checks):\n"
        "    i = int(_cr_sys.argv[1])\n"
        "    result = cases[i]()\n"
        "    try:\n"
        "        _cr_line('RESULT', _cr_fmt(result))\n"
        "    except (TypeError, ValueError) as e:\n"
        "        _cr_line('ERROR', str(e))\n"
        "        return\n"
        "    if checks[i] is not None:\n"
        "        try:\n"
        "            ok = checks[i](result)\n"
        "        except Exception as e:\n"
        "            _cr_line('CHECK', 'fail ' + type(e).__name__ + (': ' + str(e) if str(e) else ''))\n"
        "        else:\n"
        "            _cr_line('CHECK', 'fail it returned False' if ok is False else 'pass')\n"
        "    _cr_sys.stdout.flush()\n"
        "\n";

static int py_call(struct cr_buf *b, const struct cr_fm_sig *sig)
{
        if (!sig->owner)
                return cr_buf_printf(b, "%s(*_a)", sig->name);
        return cr_buf_printf(b, "%s%s.%s(*_a)", sig->owner, sig->is_static ? "" : "()", sig->name);
}

/* def _cr_case_<i>(): the call; a function that returns None by
 * declaration is judged by its first argument afterwards. */
static int py_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        bool in_place = p->sig->ret.kind == CR_FM_VOID;
        int r = cr_buf_printf(b, "def _cr_case_%zu():\n    _a = [", i);

        if (r >= 0)
                r = cr_fm_emit_args(&py_syntax, b, p->sig, &p->args[i], ", ");
        if (r >= 0)
                r = cr_buf_printf(b, "]\n    %s", in_place ? "" : "return ");
        if (r >= 0)
                r = py_call(b, p->sig);
        if (r >= 0 && in_place)
                r = cr_buf_append_lit(b, "\n    return _a[0]");
        return r < 0 ? r : cr_buf_append_lit(b, "\n\n");
}

/* def _cr_check_<i>(result): the snippet, indented; it fails by raising or
 * returning False. */
static int py_check(struct cr_buf *b, const char *code, size_t i)
{
        int r = cr_buf_printf(b, "def _cr_check_%zu(result):\n", i);

        for (const char *l = code; r >= 0 && *l;) {
                size_t n = strcspn(l, "\n");
                r = cr_buf_printf(b, "    %.*s\n", (int) n, l);
                l += n + (l[n] == '\n');
        }
        return r < 0 ? r : cr_buf_append_lit(b, "    return True\n\n");
}

static int py_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        int r = cr_buf_append(out, p->code, p->code_len);

        if (r >= 0)
                r = cr_buf_append(out, py_runtime, sizeof(py_runtime) - 1);
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++) {
                r = py_case(out, p, i);
                if (r >= 0 && p->custom[i])
                        r = py_check(out, p->custom[i], i);
        }
        if (r >= 0)
                r = cr_buf_append_lit(out, "_cr_run([");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = cr_buf_printf(out, "%s_cr_case_%zu", i ? ", " : "", i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "], [");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = p->custom[i] ? cr_buf_printf(out, "%s_cr_check_%zu", i ? ", " : "", i) :
                                   cr_buf_printf(out, "%sNone", i ? ", " : "");
        if (r >= 0)
                r = cr_buf_append_lit(out, "])\n");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}

static const struct cr_fm_lang py_fm = {
        .detect = py_detect,
        .generate = py_generate,
        .syntax = &py_syntax,
        .error_markers = NULL, /* the traceback's last line names the exception */
};

const struct cr_judge_language cr_judge_lang_python = {
        .id = "python",
        .lex = {.hash_comments = true, .squote_strings = true, .python_strings = true},
        .has_entry_point = entry_python,
        .program_hint = "top-level statements that run it",
        .funcmode = &cr_fm_ops,
        .fm = &py_fm,
};
