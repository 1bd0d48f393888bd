/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "catalog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "macro.h"
#include "xalloc.h"

/* Versions side by side: a catalogue entry per installed version of each
 * runtime, the operator's default per runtime, and the selection of
 * catalog.h ("ID[@SELECTOR]"). Pure: the caller lists the images. */

#define MAX_DEFAULTS 64

static bool charset_ok(const char *s, size_t max, const char *first, const char *rest)
{
        size_t n = strlen(s);

        return n > 0 && n <= max && strchr(first, s[0]) && strspn(s, rest) == n;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static char **strv_copy(char *const *v)
{
        size_t n = 0;
        char **c;

        while (v && v[n])
                n++;
        c = xzalloc((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++)
                c[i] = xstrdup(v[i]);
        return c;
}

static char *strdup_or_null(const char *s)
{
        return s ? xstrdup(s) : NULL;
}

static void step_copy(struct cr_runtime_step *dst, const struct cr_runtime_step *src)
{
        dst->argv = strv_copy(src->argv);
        dst->limits = src->limits;
}

/* A definition's entry for one installed version (or none: version NULL). */
static void entry_from(struct cr_runtime *dst, const struct cr_runtime *def, const char *version,
                       const char *suite)
{
        *dst = (struct cr_runtime){
                .id = xstrdup(def->id),
                .aliases = strv_copy(def->aliases),
                .version = strdup_or_null(version),
                .image = xstrdup(def->image),
                .suite = strdup_or_null(suite),
                .source_file = xstrdup(def->source_file),
                .seccomp_profile = xstrdup(def->seccomp_profile),
                .env = strv_copy(def->env),
                .function_compile_argv =
                        def->function_compile_argv ? strv_copy(def->function_compile_argv) : NULL,
                .function_run_argv = def->function_run_argv ? strv_copy(def->function_run_argv) : NULL,
        };
        step_copy(&dst->run, &def->run);
        if (def->compile) {
                dst->compile = xzalloc(sizeof(*dst->compile));
                step_copy(dst->compile, def->compile);
        }
}

static int cmp_entries(const void *a, const void *b)
{
        const struct cr_runtime *x = a, *y = b;
        int c = strcmp(x->id, y->id);

        if (c != 0)
                return c;
        if (!x->version || !y->version)
                return !!x->version - !!y->version;
        return strverscmp(x->version, y->version);
}

/* ---- selecting a version among one runtime's entries ---- */

/* The entries of one runtime: v[0..n), sorted by version. */
struct range {
        const struct cr_runtime *v;
        size_t n;
};

static struct range range_of(const struct cr_catalog *c, const char *id)
{
        struct range r = {};

        for (size_t i = 0; i < c->n; i++) {
                if (strcmp(c->runtimes[i].id, id) != 0)
                        continue;
                if (!r.v)
                        r.v = &c->runtimes[i];
                r.n++;
        }
        return r;
}

/* "3.13" is a prefix of "3.13.5" and "3.13", not of "3.130". */
static bool version_prefix(const char *version, const char *prefix)
{
        size_t n = strlen(prefix);

        return strncmp(version, prefix, n) == 0 && (!version[n] || strchr(".-+~", version[n]));
}

/* Exact, then the aliases, then a prefix; the highest version of several
 * that match. NULL when nothing installed matches. */
static const struct cr_runtime *select_in(struct range r, const char *sel, bool allow_default)
{
        const struct cr_runtime *best = NULL;

        for (size_t i = 0; i < r.n; i++)
                if (r.v[i].version && strcmp(r.v[i].version, sel) == 0)
                        return &r.v[i];
        for (size_t i = 0; i < r.n; i++) {
                const struct cr_runtime *e = &r.v[i];
                if (!e->version)
                        continue;
                if (strcmp(sel, "latest") == 0 || (e->suite && strcmp(e->suite, sel) == 0))
                        best = e; /* sorted: the last is the highest */
                else if (allow_default && strcmp(sel, "default") == 0 && e->is_default)
                        return e;
        }
        if (best)
                return best;
        for (size_t i = 0; i < r.n; i++)
                if (r.v[i].version && version_prefix(r.v[i].version, sel))
                        best = &r.v[i];
        return best;
}

/* "3.11.2, 3.13.5 (default), 3.14.8", or "none". */
static char *installed_list(struct range r)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 16);
        int k = 0;

        for (size_t i = 0; k >= 0 && i < r.n; i++)
                if (r.v[i].version)
                        k = cr_buf_printf(&b, "%s%s%s", b.len ? ", " : "", r.v[i].version,
                                          r.v[i].is_default ? " (default)" : "");
        return xstrdup(k >= 0 && b.len ? b.data : "none");
}

/* ---- defaults ---- */

struct default_sel {
        char *id; /* NULL: for every runtime */
        char *sel;
};

static void defaults_free(struct default_sel *d, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(d[i].id);
                free(d[i].sel);
        }
        free(d);
}

static int parse_defaults(const char *text, struct default_sel **ret, size_t *ret_n, struct cr_error **err)
{
        _cleanup_free_ char *copy = xstrdup(text ? text : "");
        struct default_sel *d = xzalloc(MAX_DEFAULTS * sizeof(*d));
        char *save = NULL, *tok;
        size_t n = 0;

        for (tok = strtok_r(copy, " \t\n,", &save); tok; tok = strtok_r(NULL, " \t\n,", &save)) {
                char *eq = strchr(tok, '=');
                if (eq)
                        *eq = 0;
                if (n >= MAX_DEFAULTS || (eq && !charset_ok(tok, 64, ALNUM, ALNUM "+-_.#")) ||
                    !cr_catalog_version_valid(eq ? eq + 1 : tok)) {
                        defaults_free(d, n);
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                             "runtime defaults: '%s' is not ID=SELECTOR or SELECTOR", tok);
                }
                d[n].id = eq ? xstrdup(tok) : NULL;
                d[n++].sel = xstrdup(eq ? eq + 1 : tok);
        }
        *ret = d;
        *ret_n = n;
        return 0;
}

static void warn_unmet(struct cr_catalog *c, const char *id, const char *sel, const char *used)
{
        char *all = xasprintf("%sdefault %s=%s is not installed, using %s\n", c->warnings ? c->warnings : "",
                              id, sel, used);

        free(c->warnings);
        c->warnings = all;
}

/* The runtime's own ID=SELECTOR first, then the bare selectors in order,
 * then the highest version. */
static void mark_default(struct cr_catalog *c, struct range r, const struct default_sel *d, size_t n)
{
        const struct cr_runtime *pick = NULL;
        const char *unmet = NULL;

        if (!r.v[r.n - 1].version)
                return; /* nothing installed */
        for (size_t i = 0; i < n && !pick; i++)
                if (d[i].id && strcmp(d[i].id, r.v[0].id) == 0) {
                        pick = select_in(r, d[i].sel, false);
                        unmet = pick ? NULL : d[i].sel;
                }
        for (size_t i = 0; i < n && !pick; i++)
                if (!d[i].id)
                        pick = select_in(r, d[i].sel, false);
        if (!pick)
                pick = &r.v[r.n - 1];
        if (unmet)
                warn_unmet(c, r.v[0].id, unmet, pick->version);
        ((struct cr_runtime *)r.v)[pick - r.v].is_default = true;
}

/* ---- install ---- */

static size_t expand(const struct cr_catalog *c, const struct cr_catalog_image *images, size_t n_images,
                     struct cr_runtime *out)
{
        size_t n = 0;

        for (size_t i = 0; i < c->n; i++) {
                const struct cr_runtime *def = &c->runtimes[i];
                size_t found = 0;

                for (size_t k = 0; k < n_images && n < CR_CATALOG_MAX_ENTRIES - c->n; k++) {
                        if (strcmp(images[k].name, def->image) != 0 ||
                            !cr_catalog_version_valid(images[k].version))
                                continue;
                        entry_from(&out[n++], def, images[k].version, images[k].suite);
                        found++;
                }
                if (!found)
                        entry_from(&out[n++], def, NULL, NULL);
        }
        return n;
}

int cr_catalog_install(struct cr_catalog *c, const struct cr_catalog_image *images, size_t n_images,
                       const char *defaults, struct cr_error **err)
{
        struct default_sel *d = NULL;
        struct cr_runtime *v;
        size_t nd = 0, n;
        int r;

        for (size_t i = 0; i < c->n; i++)
                if (c->runtimes[i].version)
                        return cr_error_make(err, EALREADY, CR_ERROR_INTERNAL, "catalogue installed twice");
        r = parse_defaults(defaults, &d, &nd, err);
        if (r < 0)
                return r;
        v = xzalloc(CR_CATALOG_MAX_ENTRIES * sizeof(*v));
        n = expand(c, images, n_images, v);
        for (size_t i = 0; i < c->n; i++)
                cr_runtime_done(&c->runtimes[i]);
        free(c->runtimes);
        qsort(v, n, sizeof(*v), cmp_entries);
        c->runtimes = v;
        c->n = n;
        for (size_t i = 0; i < n; i += range_of(c, v[i].id).n)
                mark_default(c, range_of(c, v[i].id), d, nd);
        defaults_free(d, nd);
        return 0;
}

/* ---- find ---- */

/* The runtime an id or alias names; *ret_alias_sel is the version an alias
 * like "java17@17" picks. */
static const struct cr_runtime *runtime_named(const struct cr_catalog *c, const char *name, size_t len,
                                              const char **ret_alias_sel)
{
        *ret_alias_sel = NULL;
        for (size_t i = 0; i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                if (strlen(rt->id) == len && strncmp(rt->id, name, len) == 0)
                        return rt;
                for (char **a = rt->aliases; *a; a++) {
                        size_t k = strcspn(*a, "@");
                        if (k == len && strncmp(*a, name, len) == 0) {
                                *ret_alias_sel = (*a)[k] ? *a + k + 1 : NULL;
                                return rt;
                        }
                }
        }
        return NULL;
}

static int unknown_language(const struct cr_catalog *c, const char *ref, size_t len, struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 16);

        for (size_t i = 0; i < c->n; i++)
                if (i == 0 || strcmp(c->runtimes[i].id, c->runtimes[i - 1].id) != 0)
                        (void)cr_buf_printf(&b, "%s%s", b.len ? ", " : "", c->runtimes[i].id);
        return cr_error_make(err, ENOENT, CR_ERROR_INVALID, "unknown language '%.*s'; known runtimes: %s",
                             (int)MIN(len, (size_t)80), ref, b.data ? b.data : "none");
}

int cr_catalog_find(const struct cr_catalog *c, const char *ref, const struct cr_runtime **ret,
                    struct cr_error **err)
{
        const char *at = strchr(ref, '@'), *sel = at ? at + 1 : NULL, *alias_sel;
        size_t len = at ? (size_t)(at - ref) : strlen(ref);
        const struct cr_runtime *rt, *pick;
        _cleanup_free_ char *list = NULL;
        struct range r;

        rt = runtime_named(c, ref, len, &alias_sel);
        if (!rt)
                return unknown_language(c, ref, len, err);
        if (sel && !cr_catalog_version_valid(sel))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid version '%.80s' for %s", sel,
                                     rt->id);
        if (sel && alias_sel)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "'%.*s' already picks version %s of %s",
                                     (int)MIN(len, (size_t)80), ref, alias_sel, rt->id);
        r = range_of(c, rt->id);
        sel = sel ? sel : alias_sel;
        pick = sel ? select_in(r, sel, true) : NULL;
        for (size_t i = 0; !sel && i < r.n; i++)
                if (r.v[i].is_default)
                        pick = &r.v[i];
        if (!sel && !pick)
                pick = &r.v[0]; /* nothing installed: the versionless entry */
        if (pick) {
                *ret = pick;
                return 0;
        }
        list = installed_list(r);
        return cr_error_make(err, ENOENT, CR_ERROR_INVALID,
                             "%s@%s is not installed; installed versions of %s: %s", rt->id, sel, rt->id,
                             list);
}
