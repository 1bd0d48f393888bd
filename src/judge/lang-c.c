/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/cpp.h"
#include "judge/funcmode.h"
#include "judge/value.h"
#include "macro.h"
#include "xalloc.h"

/* C: `main(` at file scope is an entry point. Function mode calls a
 * top-level function with LeetCode's C conventions: an array argument is a
 * pointer and a length (`int* nums, int numsSize`), a 2-D one adds column
 * lengths (`int** grid, int gridSize, int* gridColSize`), a returned array
 * reports its length through a trailing `int* returnSize` (and a 2-D one
 * its rows' lengths through `int** returnColumnSizes`); `char*` alone is a
 * string. The usual headers are included before the student's code (as
 * LeetCode does), under `#line 1 "main.c"`. */

/* ================================================================ C parameters */

enum c_role {
        C_SCALAR,       /* one value */
        C_STRING,       /* char* or const char*: a string */
        C_ARRAY,        /* T* (or T x[]) and an int length */
        C_ARRAY2,       /* T** rows, int count, int* lengths */
        C_OUT_SIZE,     /* int* returnSize */
        C_OUT_COLS,     /* int** returnColumnSizes */
};

struct c_param {
        char *type;     /* base type without the pointers: "int", "char", "const char" */
        unsigned stars; /* pointers (x[] counts as one) */
        char *name;
};

static void c_param_done(struct c_param *p)
{
        free(p->type);
        free(p->name);
}

static bool is_int_type(const char *t)
{
        static const char *const ints[] = {"int",          "long",      "long long",     "short",
                                           "unsigned",     "unsigned int", "unsigned long", "unsigned long long",
                                           "size_t",       "int32_t",   "int64_t",       "uint32_t",
                                           "uint64_t",     "long int",  "long long int", "signed"};

        for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
                if (strcmp(t, ints[k]) == 0)
                        return true;
        return false;
}

/* `const int* const nums`, `int nums[]`, `char **strs` -> base, stars, name. */
static void c_split_param(const char *s, size_t n, struct c_param *p)
{
        _cleanup_free_ char *text = cr_fm_normalize(s, n);
        char *name;
        size_t len = strlen(text);

        while (len > 2 && text[len - 1] == ']') { /* x[], x[N] */
                char *lb = strrchr(text, '[');
                if (!lb)
                        break;
                *lb = 0;
                p->stars++;
                len = strlen(text);
        }
        while (len > 0 && text[len - 1] == ' ')
                text[--len] = 0;
        name = text + len;
        while (name > text && cr_scan_is_ident((unsigned char) name[-1]))
                name--;
        p->name = xstrdup(name);
        *name = 0;
        for (char *q = text; *q; q++)
                if (*q == '*') {
                        p->stars++;
                        *q = ' ';
                }
        /* drop `const` after the pointers (int* const x) but keep a leading one */
        p->type = cr_fm_normalize(text, strlen(text));
        len = strlen(p->type);
        if (len > 6 && strcmp(p->type + len - 6, " const") == 0)
                p->type[len - 6] = 0;
}

/* The cr_fm_type of a C base type, or -EINVAL. */
static int c_scalar(const char *base, struct cr_fm_type *t)
{
        const char *b = strncmp(base, "const ", 6) == 0 ? base + 6 : base;

        *t = (struct cr_fm_type) {.spelling = xstrdup(b)};
        if (strcmp(b, "double") == 0 || strcmp(b, "float") == 0) {
                t->kind = CR_FM_FLOAT;
                t->bits = b[0] == 'd' ? 64 : 32;
        } else if (strcmp(b, "bool") == 0 || strcmp(b, "_Bool") == 0)
                t->kind = CR_FM_BOOL;
        else if (strcmp(b, "char") == 0)
                t->kind = CR_FM_CHAR;
        else if (is_int_type(b)) {
                t->kind = CR_FM_INT;
                t->is_unsigned = strstr(b, "unsigned") || strncmp(b, "uint", 4) == 0 || strcmp(b, "size_t") == 0;
                t->bits = strstr(b, "long") || strstr(b, "64") || strcmp(b, "size_t") == 0 ? 64 : 32;
        } else
                return -EINVAL;
        return 0;
}

static void make_list(struct cr_fm_type *t, struct cr_fm_type *elem, unsigned role)
{
        *t = (struct cr_fm_type) {.kind = CR_FM_LIST, .flavor = role, .elem = xzalloc(sizeof(*elem))};
        *t->elem = *elem;
        *elem = (struct cr_fm_type) {};
}

static int unsupported(const char *what, const char *type, unsigned stars, struct cr_error **err)
{
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                             "%s: type %s%.*s is not supported (function mode passes int, long, long long, short, "
                             "double, float, bool, char, char* strings, and arrays as a pointer and an int length; "
                             "see docs/internals/judge.md)",
                             what, type, (int) stars, "****");
}

/* One logical parameter starting at C parameter k; returns how many C
 * parameters it took (0 for an error). */
static size_t c_logical(struct c_param *cp, size_t n, size_t k, struct cr_fm_param *p, struct cr_error **err)
{
        struct c_param *c = &cp[k];
        bool sized = k + 1 < n && cp[k + 1].stars == 0 && is_int_type(cp[k + 1].type);
        struct cr_fm_type elem = {};
        int r;

        _cleanup_free_ char *what = xasprintf("parameter %s", c->name);

        p->name = xstrdup(c->name);
        if (c->stars == 0) {
                r = c_scalar(c->type, &p->type);
                p->type.flavor = C_SCALAR;
                return r < 0 ? (unsupported(what, c->type, 0, err), 0) : 1;
        }
        if (c->stars == 2 && sized && k + 2 < n && cp[k + 2].stars == 1 && is_int_type(cp[k + 2].type) &&
            c_scalar(c->type, &elem) >= 0 && elem.kind != CR_FM_CHAR) { /* int** grid, int n, int* cols */
                struct cr_fm_type row;
                make_list(&row, &elem, C_ARRAY);
                make_list(&p->type, &row, C_ARRAY2);
                return 3;
        }
        if (c->stars == 2 && sized && strstr(c->type, "char")) { /* char** strs, int n */
                elem = (struct cr_fm_type) {.kind = CR_FM_STRING, .spelling = xstrdup(c->type)};
                make_list(&p->type, &elem, C_ARRAY);
                return 2;
        }
        if (c->stars == 1 && sized && c_scalar(c->type, &elem) >= 0) { /* int* nums, int n (also char* s, int n) */
                make_list(&p->type, &elem, C_ARRAY);
                return 2;
        }
        cr_fm_type_done(&elem);
        if (c->stars == 1 && strstr(c->type, "char")) {
                p->type = (struct cr_fm_type) {.kind = CR_FM_STRING, .flavor = C_STRING,
                                               .spelling = xstrdup(c->type)};
                return 1;
        }
        unsupported(what, c->type, c->stars, err);
        return 0;
}

/* ================================================================ finding the function */

/* Preprocessor lines become spaces: `#define f(x) ...` is not a definition. */
static void blank_directives(char *t, size_t len)
{
        for (size_t i = 0; i < len;) {
                size_t q = i;
                while (q < len && (t[q] == ' ' || t[q] == '\t'))
                        q++;
                if (q < len && t[q] == '#')
                        for (; q < len && !(t[q] == '\n' && t[q - 1] != '\\'); q++)
                                if (t[q] != '\n')
                                        t[q] = ' ';
                while (q < len && t[q] != '\n')
                        q++;
                i = q + 1;
        }
}

static int c_outputs(struct c_param *cp, size_t *n, bool array_result, unsigned *ret_flags, struct cr_error **err)
{
        /* LeetCode's trailing outputs: int* returnSize [, int** returnColumnSizes] */
        if (array_result && *n >= 2 && cp[*n - 1].stars == 2 && is_int_type(cp[*n - 1].type) &&
            cp[*n - 2].stars == 1 && is_int_type(cp[*n - 2].type)) {
                *ret_flags = 3;
                *n -= 2;
        } else if (array_result && *n >= 1 && cp[*n - 1].stars == 1 && is_int_type(cp[*n - 1].type)) {
                *ret_flags = 1;
                *n -= 1;
        } else if (array_result)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "the function returns a pointer but has no trailing `int* returnSize` to say "
                                     "how many elements");
        return 0;
}

static int c_result(const char *ret, unsigned flags, struct cr_fm_type *t, const char *fn, struct cr_error **err)
{
        struct c_param rp = {};
        struct cr_fm_type elem = {};
        _cleanup_free_ char *what = xasprintf("%s()'s result", fn);
        int r = 0;

        c_split_param(ret, strlen(ret), &rp);
        free(rp.name); /* the split takes the last word as a name: put it back */
        rp.name = NULL;
        if (strcmp(ret, "void") == 0)
                *t = (struct cr_fm_type) {.kind = CR_FM_VOID, .spelling = xstrdup("void")};
        else if (rp.stars == 0)
                r = c_scalar(ret, t);
        else if (rp.stars == 1 && (flags & 1) && c_scalar(rp.type, &elem) >= 0 && elem.kind != CR_FM_CHAR)
                make_list(t, &elem, C_ARRAY);
        else if (rp.stars == 1 && strstr(rp.type, "char"))
                *t = (struct cr_fm_type) {.kind = CR_FM_STRING, .flavor = C_STRING, .spelling = xstrdup(rp.type)};
        else if (rp.stars == 2 && flags == 3 && c_scalar(rp.type, &elem) >= 0) {
                struct cr_fm_type row;
                make_list(&row, &elem, C_ARRAY);
                make_list(t, &row, C_ARRAY2);
        } else if (rp.stars == 2 && (flags & 1) && strstr(rp.type, "char")) {
                elem = (struct cr_fm_type) {.kind = CR_FM_STRING, .spelling = xstrdup(rp.type)};
                make_list(t, &elem, C_ARRAY);
        } else
                r = -EINVAL;
        if (r < 0)
                unsupported(what, ret, 0, err);
        cr_fm_type_done(&elem);
        free(rp.type);
        return r;
}

static int c_signature(const char *t, const struct cr_fm_found *f, struct cr_fm_sig *sig, struct cr_error **err)
{
        static const char *const storage[] = {"static ", "inline ", "extern ", "_Noreturn "};
        _cleanup_free_ char *head = cr_fm_normalize(t + f->head, f->name - f->head);
        size_t pb[CR_FM_PARAMS_MAX * 3 + 1], pe[CR_FM_PARAMS_MAX * 3 + 1], n, k = 0;
        struct c_param cp[CR_FM_PARAMS_MAX * 3 + 1] = {};
        char *ret = head;
        int r = 0;

        sig->name = xstrndup(t + f->name, f->name_end - f->name);
        sig->line = f->line;
        sig->is_static = true;
        for (bool again = true; again;) {
                again = false;
                for (size_t s = 0; s < sizeof(storage) / sizeof(storage[0]); s++)
                        if (strncmp(ret, storage[s], strlen(storage[s])) == 0) {
                                ret += strlen(storage[s]);
                                again = true;
                        }
        }
        n = cr_fm_split_params(t + f->params, f->params_end - f->params, pb, pe, CR_FM_PARAMS_MAX * 3 + 1);
        if (n == 1 && pe[0] - pb[0] == 4 && memcmp(t + f->params + pb[0], "void", 4) == 0)
                n = 0;
        for (size_t i = 0; i < n; i++)
                c_split_param(t + f->params + pb[i], pe[i] - pb[i], &cp[i]);
        r = c_outputs(cp, &n, strchr(ret, '*') && !(strstr(ret, "char") && !strstr(ret, "**")), &sig->flags, err);
        if (r >= 0)
                r = c_result(ret, sig->flags, &sig->ret, sig->name, err);
        sig->params = xzalloc((n + 1) * sizeof(*sig->params));
        while (r >= 0 && k < n) {
                size_t used = c_logical(cp, n, k, &sig->params[sig->n_params++], err);
                if (used == 0)
                        r = -EINVAL;
                k += used;
        }
        for (size_t i = 0; i < CR_FM_PARAMS_MAX * 3 + 1; i++)
                c_param_done(&cp[i]);
        return r;
}

static int c_detect(const char *code, size_t len, const char *wanted, struct cr_fm_sig *ret, struct cr_error **err)
{
        _cleanup_free_ struct cr_fm_found *found = xzalloc(CR_FM_CANDIDATES_MAX * sizeof(*found));
        _cleanup_free_ char *t = NULL;
        struct cr_fm_candidate c[CR_FM_CANDIDATES_MAX];
        size_t map[CR_FM_CANDIDATES_MAX], n = 0, m, pick;
        struct cr_fm_sig sig = {};
        int r;

        r = cr_judge_blank_source(CR_JUDGE_LANG_C, code, len, &t, NULL, err);
        if (r < 0)
                return r;
        blank_directives(t, len);
        m = cr_fm_scan_functions(t, 0, len, found, CR_FM_CANDIDATES_MAX);
        for (size_t k = 0; k < m; k++) {
                if (found[k].name_end - found[k].name == 4 && memcmp(t + found[k].name, "main", 4) == 0)
                        continue;
                c[n] = (struct cr_fm_candidate) {.name = found[k].name, .name_end = found[k].name_end,
                                                 .body = found[k].head, .body_end = found[k].end,
                                                 .line = found[k].line};
                map[n++] = k;
        }
        if (n == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "no function found: function mode needs a function definition");
        r = cr_fm_choose(t, len, c, n, wanted, "function", &pick, err);
        if (r >= 0)
                r = c_signature(t, &found[map[pick]], &sig, err);
        if (r < 0) {
                cr_fm_sig_done(&sig);
                return r;
        }
        *ret = sig;
        return 0;
}

/* ================================================================ literals */

static int c_int(struct cr_buf *b, const struct cr_fm_type *t, const struct cr_value *v)
{
        (void) t;
        if (!v->neg && v->mag > (uint64_t) INT64_MAX)
                return cr_buf_printf(b, "%lluULL", (unsigned long long) v->mag);
        if (v->neg && v->mag == (uint64_t) INT64_MAX + 1)
                return cr_buf_append_lit(b, "(-9223372036854775807LL - 1)");
        return cr_buf_printf(b, "%s%lluLL", v->neg ? "-" : "", (unsigned long long) v->mag);
}

static int c_float(struct cr_buf *b, const struct cr_fm_type *t, double f)
{
        (void) t;
        return cr_fm_emit_float_text(b, f);
}

/* Octal escapes (always three digits, so a following digit never joins
 * them) for every byte outside printable ASCII, and '?' (no trigraphs). */
static int c_escape(struct cr_buf *b, unsigned char c, char quote)
{
        if (c == (unsigned char) quote || c == '\\' || c == '?')
                return cr_buf_printf(b, "\\%c", c);
        if (c >= 0x20 && c < 0x7f)
                return cr_buf_printf(b, "%c", c);
        return cr_buf_printf(b, "\\%03o", c);
}

static int c_string(struct cr_buf *b, const struct cr_fm_type *t, const char *s, size_t n)
{
        int r = cr_buf_append_lit(b, "\"");

        (void) t;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = c_escape(b, (unsigned char) s[i], '"');
        return r < 0 ? r : cr_buf_append_lit(b, "\"");
}

static int c_char(struct cr_buf *b, unsigned cp)
{
        int r;

        if (cp > 0x7f) /* not one C char */
                return cr_buf_printf(b, "((char) 0x%x)", cp & 0xff);
        r = cr_buf_append_lit(b, "'");
        if (r >= 0)
                r = c_escape(b, (unsigned char) cp, '\'');
        return r < 0 ? r : cr_buf_append_lit(b, "'");
}

static int c_list_open(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "{");
}

static int c_list_close(struct cr_buf *b, const struct cr_fm_type *t)
{
        (void) t;
        return cr_buf_append_lit(b, "}");
}

static const struct cr_fm_syntax c_syntax = {
        .true_lit = "true",
        .false_lit = "false",
        .null_lit = "NULL",
        .emit_int = c_int,
        .emit_float = c_float,
        .emit_string = c_string,
        .emit_char = c_char,
        .list_open = c_list_open,
        .list_close = c_list_close,
};

/* ================================================================ the harness */

/* The headers LeetCode's C environment gives a solution without an
 * #include. Parsing them is most of the compile of a short solution, so
 * they come only when the code (or custom_validation_code) may use them:
 * c_needs_headers(). */
static const char c_head[] = "#include <assert.h>\n"
                             "#include <limits.h>\n"
                             "#include <math.h>\n"
                             "#include <stdbool.h>\n"
                             "#include <stddef.h>\n"
                             "#include <stdint.h>\n"
                             "#include <stdio.h>\n"
                             "#include <stdlib.h>\n"
                             "#include <string.h>\n";

/* C names of those headers that the C++ prelude's list (cr_cpp_prelude_names,
 * which has the rest: the C library's names) lacks, being C++ keywords or
 * absent from its headers. */
static const char *const c_only_names[] = {
        "__bool_true_false_are_defined", "assert", "bool", "false", "static_assert", "true", "wchar_t",
};

static bool c_names_header(const char *t, size_t len)
{
        for (size_t i = 0; i < len;) {
                size_t e = i;

                while (e < len && (t[e] == '_' || (t[e] >= 'a' && t[e] <= 'z') || (t[e] >= 'A' && t[e] <= 'Z') ||
                                   (t[e] >= '0' && t[e] <= '9')))
                        e++;
                for (size_t k = 0; e > i && k < ARRAY_SIZE(c_only_names); k++)
                        if (strlen(c_only_names[k]) == e - i && memcmp(t + i, c_only_names[k], e - i) == 0)
                                return true;
                i = e > i ? e : i + 1;
        }
        return cr_cpp_names_prelude(t, len);
}

/* Whether the program needs c_head: the code names something those headers
 * declare (or may, through the preprocessor), or a test has custom code
 * (which may use anything). When in doubt, yes. */
static bool c_needs_headers(const struct cr_fm_program *p)
{
        _cleanup_free_ char *t = NULL;
        bool complete = false;

        for (size_t i = 0; i < p->n_tests; i++)
                if (p->custom[i])
                        return true;
        if (cr_judge_blank_source(CR_JUDGE_LANG_C, p->code, p->code_len, &t, &complete, NULL) < 0 || !complete)
                return true;
        return c_names_header(t, p->code_len);
}

static const char c_runtime[] =
        "\n#line 1 \"harness.c\"\n"
        /* no header: what the harness uses is a builtin or declared here,
         * compatibly with glibc's headers in case the code included them */
        "struct _IO_FILE;\n"
        "extern struct _IO_FILE *stdout;\n"
        "int fflush(struct _IO_FILE *);\n"
        "double strtod(const char *, char **);\n"
        "void (*signal(int, void (*)(int)))(int);\n"
        "long write(int, const void *, unsigned long);\n"
        "void _exit(int);\n"
        "#ifndef __bool_true_false_are_defined\n"
        "#define bool _Bool\n"
        "#define true 1\n"
        "#define false 0\n"
        "#endif\n"
        "#ifndef NULL\n"
        "#define NULL ((void *) 0)\n"
        "#endif\n"
        "static void cr_h_int(long long v) { __builtin_printf(\"%lld\", v); }\n"
        "static void cr_h_uint(unsigned long long v) { __builtin_printf(\"%llu\", v); }\n"
        "static void cr_h_bool(bool v) { __builtin_printf(\"%s\", v ? \"true\" : \"false\"); }\n"
        "static void cr_h_float(double v) {\n"
        "        char b[40];\n"
        "        int p = 1;\n"
        "        if (__builtin_isnan(v)) { __builtin_printf(\"NaN\"); return; }\n"
        "        if (__builtin_isinf(v)) { __builtin_printf(\"%s\", v > 0 ? \"Infinity\" : \"-Infinity\"); return; }\n"
        "        for (; p < 17; p++) {\n"
        "                __builtin_snprintf(b, sizeof(b), \"%.*g\", p, v);\n"
        "                if (strtod(b, NULL) == v) break;\n"
        "        }\n"
        "        __builtin_printf(\"%.*g\", p, v);\n"
        "}\n"
        "static void cr_h_str(const char *s) {\n"
        "        if (!s) { __builtin_printf(\"null\"); return; }\n"
        "        __builtin_putchar('\"');\n"
        "        for (; *s; s++) {\n"
        "                unsigned char c = (unsigned char) *s;\n"
        "                if (c == '\"' || c == '\\\\') __builtin_printf(\"\\\\%c\", c);\n"
        "                else if (c < 0x20 || c == 0x7f) __builtin_printf(\"\\\\u%04x\", c);\n"
        "                else __builtin_putchar(c);\n"
        "        }\n"
        "        __builtin_putchar('\"');\n"
        "}\n"
        "static void cr_h_char(char c) { char s[2] = {c, 0}; cr_h_str(s); }\n"
        "static void cr_h_begin(const char *kind) { fflush(stdout); __builtin_printf(\"\\n\\036CR-%s \", kind); }\n"
        "static void cr_h_end(void) { __builtin_putchar('\\n'); fflush(stdout); }\n"
        "static void cr_h_verdict(int ok) {\n"
        "        cr_h_begin(\"CHECK\");\n"
        "        __builtin_printf(\"%s\", ok ? \"pass\" : \"fail it returned 0\");\n"
        "        cr_h_end();\n"
        "}\n"
        "static void cr_h_aborted(int sig) {\n"
        "        static const char m[] = \"\\n\\036CR-CHECK fail an assertion failed (abort)\\n\";\n"
        "        (void) sig;\n"
        "        if (write(1, m, sizeof(m) - 1) < 0) {}\n"
        "        _exit(0);\n"
        "}\n"
        "static int cr_h_index(const char *s) {\n"
        "        int i = 0;\n"
        "        for (; *s >= '0' && *s <= '9'; s++) i = i * 10 + (*s - '0');\n"
        "        return i;\n"
        "}\n";

/* Prints variable v of type t (k is a free loop-variable depth). */
static int c_print(struct cr_buf *b, const struct cr_fm_type *t, const char *v, const char *len, const char *cols,
                   unsigned depth)
{
        switch (t->kind) {
        case CR_FM_INT:
                return cr_buf_printf(b, t->is_unsigned ? "cr_h_uint(%s);" : "cr_h_int(%s);", v);
        case CR_FM_FLOAT:
                return cr_buf_printf(b, "cr_h_float(%s);", v);
        case CR_FM_BOOL:
                return cr_buf_printf(b, "cr_h_bool(%s);", v);
        case CR_FM_CHAR:
                return cr_buf_printf(b, "cr_h_char(%s);", v);
        case CR_FM_STRING:
                return cr_buf_printf(b, "cr_h_str(%s);", v);
        case CR_FM_LIST: {
                _cleanup_free_ char *item = xasprintf("%s[k%u]", v, depth), *ilen = xasprintf("%s[k%u]", cols, depth);
                int r = cr_buf_printf(b, "__builtin_putchar('['); for (int k%u = 0; k%u < %s; k%u++) { if (k%u) __builtin_putchar(','); ",
                                      depth, depth, len, depth, depth);
                if (r >= 0)
                        r = c_print(b, t->elem, item, ilen, NULL, depth + 1);
                return r < 0 ? r : cr_buf_append_lit(b, " } __builtin_putchar(']');");
        }
        default:
                return -EINVAL;
        }
}

/* The declaration of test i's argument k (a local named aK) and what the
 * call passes for it. */
static int c_arg(struct cr_buf *decl, struct cr_buf *call, const struct cr_fm_param *p, const struct cr_value *v,
                 size_t k)
{
        const struct cr_fm_type *t = &p->type;
        int r = 0;

        if (t->kind == CR_FM_STRING) { /* a writable copy */
                r = cr_buf_printf(decl, "                static char a%zu[] = ", k);
                if (r >= 0)
                        r = c_string(decl, t, v->s, v->len);
                if (r >= 0)
                        r = cr_buf_append_lit(decl, ";\n");
                return r < 0 ? r : cr_buf_printf(call, "a%zu", k);
        }
        if (t->kind != CR_FM_LIST)
                return cr_fm_emit(&c_syntax, call, t, v);
        if (t->elem->kind == CR_FM_LIST) { /* rows, then the row pointers and their lengths */
                for (size_t j = 0; r >= 0 && j < v->n; j++) {
                        r = cr_buf_printf(decl, "                static %s a%zu_%zu[%zu] = ", t->elem->elem->spelling, k,
                                          j, v->items[j].n ? v->items[j].n : 1);
                        if (r >= 0)
                                r = cr_fm_emit(&c_syntax, decl, t->elem, &v->items[j]);
                        if (r >= 0)
                                r = cr_buf_append_lit(decl, ";\n");
                }
                if (r >= 0)
                        r = cr_buf_printf(decl, "                static %s *a%zu[%zu] = {", t->elem->elem->spelling, k,
                                          v->n ? v->n : 1);
                for (size_t j = 0; r >= 0 && j < v->n; j++)
                        r = cr_buf_printf(decl, "%sa%zu_%zu", j ? ", " : "", k, j);
                if (r >= 0)
                        r = cr_buf_printf(decl, "};\n                static int a%zu_cols[%zu] = {", k, v->n ? v->n : 1);
                for (size_t j = 0; r >= 0 && j < v->n; j++)
                        r = cr_buf_printf(decl, "%s%zu", j ? ", " : "", v->items[j].n);
                if (r >= 0)
                        r = cr_buf_append_lit(decl, "};\n");
                return r < 0 ? r : cr_buf_printf(call, "a%zu, %zu, a%zu_cols", k, v->n, k);
        }
        if (t->elem->kind == CR_FM_STRING) { /* writable strings, then the pointers */
                for (size_t j = 0; r >= 0 && j < v->n; j++) {
                        r = cr_buf_printf(decl, "                static char a%zu_%zu[] = ", k, j);
                        if (r >= 0)
                                r = c_string(decl, t->elem, v->items[j].s, v->items[j].len);
                        if (r >= 0)
                                r = cr_buf_append_lit(decl, ";\n");
                }
                if (r >= 0)
                        r = cr_buf_printf(decl, "                static char *a%zu[%zu] = {", k, v->n ? v->n : 1);
                for (size_t j = 0; r >= 0 && j < v->n; j++)
                        r = cr_buf_printf(decl, "%sa%zu_%zu", j ? ", " : "", k, j);
                if (r >= 0)
                        r = cr_buf_append_lit(decl, "};\n");
                return r < 0 ? r : cr_buf_printf(call, "a%zu, %zu", k, v->n);
        }
        r = cr_buf_printf(decl, "                static %s a%zu[%zu] = ", t->elem->spelling, k, v->n ? v->n : 1);
        if (r >= 0)
                r = cr_fm_emit(&c_syntax, decl, t, v);
        if (r >= 0)
                r = cr_buf_append_lit(decl, ";\n");
        return r < 0 ? r : cr_buf_printf(call, "a%zu, %zu", k, v->n);
}

/* What the result is printed from: the returned value (with returnSize and
 * returnColumnSizes), or the first argument of a void function. */
static int c_print_result(struct cr_buf *b, const struct cr_fm_sig *sig, const struct cr_value *first)
{
        if (sig->ret.kind == CR_FM_VOID) {
                _cleanup_free_ char *n = xasprintf("%zu", first->kind == CR_VALUE_ARRAY ? first->n : (size_t) 0);
                const struct cr_fm_type *t = &sig->params[0].type;
                return c_print(b, t, "a0", n, t->kind == CR_FM_LIST && t->elem->kind == CR_FM_LIST ? "a0_cols" : NULL,
                               0);
        }
        return c_print(b, &sig->ret, "r", "rs", "rc", 0);
}

static const char *c_decl_type(const struct cr_fm_type *t, char *buf, size_t n)
{
        if (t->kind != CR_FM_LIST)
                snprintf(buf, n, "%s ", t->kind == CR_FM_STRING ? "const char *" : t->spelling);
        else if (t->elem->kind == CR_FM_LIST)
                snprintf(buf, n, "%s **", t->elem->elem->spelling);
        else if (t->elem->kind == CR_FM_STRING)
                snprintf(buf, n, "char **");
        else
                snprintf(buf, n, "%s *", t->elem->spelling);
        return buf;
}

static int c_case(struct cr_buf *b, const struct cr_fm_program *p, size_t i)
{
        const struct cr_fm_sig *sig = p->sig;
        _cleanup_buf_ struct cr_buf decl = CR_BUF_INIT(b->max), call = CR_BUF_INIT(b->max);
        char type[256];
        int r = 0;

        for (size_t k = 0; r >= 0 && k < sig->n_params; k++) {
                if (k > 0)
                        r = cr_buf_append_lit(&call, ", ");
                if (r >= 0)
                        r = c_arg(&decl, &call, &sig->params[k], &p->args[i].items[k], k);
        }
        if (r >= 0 && sig->flags)
                r = cr_buf_printf(&call, "%s&rs%s", sig->n_params ? ", " : "", sig->flags == 3 ? ", &rc" : "");
        if (r >= 0)
                r = cr_buf_printf(b, "        case %zu: {\n%s", i, decl.data ? decl.data : "");
        if (r >= 0 && sig->flags)
                r = cr_buf_append_lit(b, "                int rs = 0; int *rc = NULL; (void) rc;\n");
        if (r >= 0)
                r = sig->ret.kind == CR_FM_VOID ?
                            cr_buf_printf(b, "                %s(%s);\n", sig->name, call.data ? call.data : "") :
                            cr_buf_printf(b, "                %sr = %s(%s);\n", c_decl_type(&sig->ret, type, sizeof(type)),
                                          sig->name, call.data ? call.data : "");
        if (r >= 0)
                r = cr_buf_append_lit(b, "                cr_h_begin(\"RESULT\"); ");
        if (r >= 0)
                r = c_print_result(b, sig, &p->args[i].items[0]);
        if (r >= 0)
                r = cr_buf_append_lit(b, " cr_h_end();\n");
        if (r >= 0 && p->custom[i]) {
                bool in_place = sig->ret.kind == CR_FM_VOID;
                const struct cr_fm_type *t = in_place ? &sig->params[0].type : &sig->ret;
                _cleanup_free_ char *size = t->kind != CR_FM_LIST ? xstrdup("") :
                                            in_place ? xasprintf(", %zu", p->args[i].items[0].n) : xstrdup(", rs");
                r = cr_buf_printf(b, "                signal(6 /* SIGABRT */, cr_h_aborted);\n"
                                     "                cr_h_verdict(cr_h_check_%zu(%s%s));\n",
                                  i, in_place ? "a0" : "r", size);
        }
        return r < 0 ? r : cr_buf_append_lit(b, "                break;\n        }\n");
}

static int c_check_fn(struct cr_buf *b, const struct cr_fm_sig *sig, const char *code, size_t i)
{
        const struct cr_fm_type *t = sig->ret.kind == CR_FM_VOID ? &sig->params[0].type : &sig->ret;
        char type[256];

        return cr_buf_printf(b, "static int cr_h_check_%zu(%sresult%s) {\n%s\n        return 1;\n}\n", i,
                             c_decl_type(t, type, sizeof(type)), t->kind == CR_FM_LIST ? ", int result_size" : "",
                             code);
}

static int c_generate(const struct cr_fm_program *p, struct cr_buf *out, struct cr_error **err)
{
        int r = c_needs_headers(p) ? cr_buf_append(out, c_head, sizeof(c_head) - 1) : 0;

        if (r >= 0)
                r = cr_buf_append_lit(out, "#line 1 \"main.c\"\n");
        if (r >= 0)
                r = cr_buf_append(out, p->code, p->code_len);
        if (r >= 0)
                r = cr_buf_append(out, c_runtime, sizeof(c_runtime) - 1);
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                if (p->custom[i])
                        r = c_check_fn(out, p->sig, p->custom[i], i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "int main(int argc, char **argv) {\n"
                                           "        switch (argc > 1 ? cr_h_index(argv[1]) : -1) {\n");
        for (size_t i = 0; r >= 0 && i < p->n_tests; i++)
                r = c_case(out, p, i);
        if (r >= 0)
                r = cr_buf_append_lit(out, "        }\n        return 0;\n}\n");
        if (r < 0)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "the generated program is too large");
        return 0;
}

static const struct cr_fm_lang c_fm = {
        .detect = c_detect,
        .generate = c_generate,
        .syntax = &c_syntax,
        .error_markers = NULL,
};

const struct cr_judge_language cr_judge_lang_c = {
        .id = "c",
        .lex = {.comment_splice = true, .char_literals = true},
        .has_entry_point = cr_scan_c_main,
        .program_hint = "a main function",
        .funcmode = &cr_fm_ops,
        .fm = &c_fm,
};
