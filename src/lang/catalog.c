/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "json/json.h"
#include "xalloc.h"

#define MAX_ARGV 64
#define MAX_STRING 4096

static int bad(struct cr_error **err, const char *name, const char *what)
{
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: %s", name, what);
}

static int get_string(const struct cr_json *o, const char *key, bool required, char **ret, const char *name,
                      struct cr_error **err)
{
        const struct cr_json *v = cr_json_member(o, key);
        const char *s;

        if (!v) {
                if (required)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: missing \"%s\"", name, key);
                *ret = NULL;
                return 0;
        }
        if (cr_json_type(v) != CR_JSON_STRING)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: \"%s\" must be a string", name, key);
        s = cr_json_as_string_clean(v, MAX_STRING);
        if (!s || !s[0])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: \"%s\" is empty, too long or has NUL",
                                    name, key);
        *ret = xstrdup(s);
        return 0;
}

void cr_catalog_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static int get_strv(const struct cr_json *arr, char ***ret, const char *name, const char *key, struct cr_error **err)
{
        size_t n;
        char **v;

        if (cr_json_type(arr) != CR_JSON_ARRAY)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: \"%s\" must be an array", name, key);
        n = cr_json_array_len(arr);
        if (n > MAX_ARGV)
                return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "%s: \"%s\" is too long", name, key);
        v = xzalloc((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                const char *s = cr_json_as_string_clean(cr_json_array_at(arr, i), MAX_STRING);
                if (!s || !s[0]) {
                        cr_catalog_strv_free(v);
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: \"%s\" must hold non-empty strings",
                                            name, key);
                }
                v[i] = xstrdup(s);
        }
        *ret = v;
        return 0;
}

static int get_limit(const struct cr_json *limits, const char *key, uint64_t *ret, const char *name,
                     struct cr_error **err)
{
        int64_t x;

        if (cr_json_type(cr_json_member(limits, key)) != CR_JSON_INT)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: limit \"%s\" must be an integer", name, key);
        if (cr_json_as_int64(cr_json_member(limits, key), &x) < 0 || x <= 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: limit \"%s\" must be > 0", name, key);
        *ret = (uint64_t) x;
        return 0;
}

static int parse_step(const struct cr_json *o, struct cr_runtime_step *step, const char *name,
                      struct cr_error **err)
{
        const struct cr_json *limits = cr_json_member(o, "limits");
        int r;

        if (cr_json_type(o) != CR_JSON_OBJECT)
                return bad(err, name, "compile/run must be objects");
        r = get_strv(cr_json_member(o, "argv"), &step->argv, name, "argv", err);
        if (r < 0)
                return r;
        if (!step->argv[0])
                return bad(err, name, "argv is empty");
        if (cr_json_type(limits) != CR_JSON_OBJECT)
                return bad(err, name, "missing \"limits\" object");
        if ((r = get_limit(limits, "time_ms", &step->limits.time_ms, name, err)) < 0 ||
            (r = get_limit(limits, "wall_ms", &step->limits.wall_ms, name, err)) < 0 ||
            (r = get_limit(limits, "memory_bytes", &step->limits.memory_bytes, name, err)) < 0 ||
            (r = get_limit(limits, "pids", &step->limits.pids, name, err)) < 0)
                return r;
        return 0;
}

static int parse_env(const struct cr_json *o, char ***ret, const char *name, struct cr_error **err)
{
        struct cr_json_iter it = {};
        const struct cr_json *val;
        size_t n = 0, i = 0;
        const char *key;
        char **v;

        if (!o) {
                *ret = xzalloc(sizeof(char *));
                return 0;
        }
        if (cr_json_type(o) != CR_JSON_OBJECT)
                return bad(err, name, "\"env\" must be an object");
        n = cr_json_object_len(o);
        if (n > MAX_ARGV)
                return bad(err, name, "\"env\" has too many entries");
        v = xzalloc((n + 1) * sizeof(char *));
        while (cr_json_object_next(o, &it, &key, &val)) {
                if (cr_json_type(val) != CR_JSON_STRING || !key[0] || strchr(key, '=')) {
                        cr_catalog_strv_free(v);
                        return bad(err, name, "\"env\" values must be strings with plain keys");
                }
                v[i++] = xasprintf("%s=%s", key, cr_json_as_string(val, NULL));
        }
        *ret = v;
        return 0;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* an alphanumeric, then alphanumerics and ._+~- (Debian's and semver's) */
bool cr_catalog_version_valid(const char *s)
{
        size_t n = strlen(s);

        return n > 0 && n <= CR_CATALOG_VERSION_MAX && strchr(ALNUM, s[0]) && strspn(s, ALNUM "._+~-") == n;
}

static bool valid_name(const char *s)
{
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("+-_.#", *s)))
                        return false;
        return true;
}

/* "py", or "java17@17": an alias that also picks a version (prefix). */
static bool valid_alias(const char *s)
{
        const char *at = strchr(s, '@');
        _cleanup_free_ char *name = at ? xstrndup(s, (size_t) (at - s)) : xstrdup(s);

        return name[0] && valid_name(name) && (!at || cr_catalog_version_valid(at + 1));
}

static int parse_fields(const struct cr_json *root, struct cr_runtime *rt, const char *name,
                        struct cr_error **err)
{
        const struct cr_json *v;
        int r;

        if (cr_json_has_member(root, "version"))
                return bad(err, name, "\"version\" is not set here: a runtime's versions are those of its "
                                      "installed images");
        if ((r = get_string(root, "id", true, &rt->id, name, err)) < 0 ||
            (r = get_string(root, "image", true, &rt->image, name, err)) < 0 ||
            (r = get_string(root, "source_file", true, &rt->source_file, name, err)) < 0 ||
            (r = get_string(root, "seccomp_profile", true, &rt->seccomp_profile, name, err)) < 0)
                return r;
        if (!valid_name(rt->id) || !valid_name(rt->image) || !valid_name(rt->seccomp_profile))
                return bad(err, name, "id, image and seccomp_profile must be lower-case names");
        if (strchr(rt->source_file, '/') || strstr(rt->source_file, ".."))
                return bad(err, name, "source_file must be a plain file name");
        if ((r = get_strv(cr_json_member(root, "aliases"), &rt->aliases, name, "aliases", err)) < 0)
                return r;
        for (char **a = rt->aliases; *a; a++)
                if (!valid_alias(*a))
                        return bad(err, name, "aliases are lower-case names, optionally NAME@VERSION-PREFIX");
        if (!cr_json_has_member(root, "run") ||
            (r = parse_step(cr_json_member(root, "run"), &rt->run, name, err)) < 0)
                return r < 0 ? r : bad(err, name, "missing \"run\"");
        if ((v = cr_json_member(root, "compile"))) {
                rt->compile = xzalloc(sizeof(*rt->compile));
                if ((r = parse_step(v, rt->compile, name, err)) < 0)
                        return r;
        }
        if ((v = cr_json_member(root, "function_mode"))) {
                if (cr_json_type(v) != CR_JSON_OBJECT || !rt->compile)
                        return bad(err, name, "\"function_mode\" must be an object, for a compiled runtime");
                if ((r = get_strv(cr_json_member(v, "compile_argv"), &rt->function_compile_argv, name, "compile_argv", err)) < 0)
                        return r;
                if (!rt->function_compile_argv[0])
                        return bad(err, name, "function_mode.compile_argv is empty");
                if (cr_json_has_member(v, "run_argv") &&
                    (r = get_strv(cr_json_member(v, "run_argv"), &rt->function_run_argv, name, "run_argv", err)) < 0)
                        return r;
                if (rt->function_run_argv && !rt->function_run_argv[0])
                        return bad(err, name, "function_mode.run_argv is empty");
        }
        return parse_env(cr_json_member(root, "env"), &rt->env, name, err);
}

int cr_runtime_parse(const char *json, size_t len, const char *name, struct cr_runtime *ret, struct cr_error **err)
{
        _cleanup_(cr_json_freep) struct cr_json *root = NULL;
        struct cr_runtime rt = {};
        const char *why;
        size_t end;
        int r;

        if (len > CR_CATALOG_MAX_FILE)
                return cr_error_make(err, EFBIG, CR_ERROR_INVALID, "%s: larger than %d bytes", name,
                                    CR_CATALOG_MAX_FILE);
        root = cr_json_parse_prefix(json, len, 16, 0, &end, &why);
        if (root && end != len)
                why = "text after the JSON value";
        if (!root || end != len)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: not valid JSON (%s)", name, why);
        if (cr_json_type(root) != CR_JSON_OBJECT)
                return bad(err, name, "must be a JSON object");
        r = parse_fields(root, &rt, name, err);
        if (r < 0) {
                cr_runtime_done(&rt);
                return r;
        }
        *ret = rt;
        return 0;
}

void cr_runtime_done(struct cr_runtime *rt)
{
        free(rt->id);
        cr_catalog_strv_free(rt->aliases);
        free(rt->version);
        free(rt->image);
        free(rt->suite);
        free(rt->source_file);
        free(rt->seccomp_profile);
        if (rt->compile) {
                cr_catalog_strv_free(rt->compile->argv);
                free(rt->compile);
        }
        cr_catalog_strv_free(rt->function_compile_argv);
        cr_catalog_strv_free(rt->function_run_argv);
        cr_catalog_strv_free(rt->run.argv);
        cr_catalog_strv_free(rt->env);
        *rt = (struct cr_runtime) {};
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int load_file(int dirfd, const char *name, struct cr_runtime *rt, struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(CR_CATALOG_MAX_FILE);
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char chunk[8192];
        ssize_t n;

        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_NOT_FOUND, "open %s", name);
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
                if (cr_buf_append(&b, chunk, (size_t) n) < 0)
                        return cr_error_make(err, EFBIG, CR_ERROR_INVALID, "%s: too large", name);
        if (n < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "read %s", name);
        return cr_runtime_parse(b.data ? b.data : "", b.len, name, rt, err);
}

/* The alias name without its version: "java17@17" → "java17". */
static bool same_name(const char *alias, const char *s)
{
        size_t n = strcspn(alias, "@");

        return strlen(s) == n && strncmp(alias, s, n) == 0;
}

static bool name_taken(const struct cr_catalog *c, const char *s)
{
        for (size_t i = 0; i < c->n; i++) {
                if (same_name(c->runtimes[i].id, s))
                        return true;
                for (char **a = c->runtimes[i].aliases; *a; a++)
                        if (same_name(*a, s))
                                return true;
        }
        return false;
}

static int add_runtime(struct cr_catalog *c, struct cr_runtime *rt, const char *file, struct cr_error **err)
{
        if (name_taken(c, rt->id))
                return cr_error_make(err, EEXIST, CR_ERROR_INVALID, "%s: runtime '%s' defined twice", file, rt->id);
        for (char **a = rt->aliases; *a; a++) {
                _cleanup_free_ char *n = xstrndup(*a, strcspn(*a, "@"));
                if (name_taken(c, n) || strcmp(n, rt->id) == 0)
                        return cr_error_make(err, EEXIST, CR_ERROR_INVALID, "%s: alias '%s' already used", file, n);
        }
        c->runtimes[c->n++] = *rt;
        *rt = (struct cr_runtime) {};
        return 0;
}

static int list_json_files(DIR *d, char ***ret, size_t *ret_n, struct cr_error **err)
{
        char **names = xzalloc(CR_CATALOG_MAX_RUNTIMES * sizeof(char *));
        struct dirent *de;
        size_t n = 0;

        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                if (n >= CR_CATALOG_MAX_RUNTIMES) {
                        cr_catalog_strv_free(names);
                        return cr_error_make(err, E2BIG, CR_ERROR_LIMIT, "more than %d runtimes",
                                            CR_CATALOG_MAX_RUNTIMES);
                }
                names[n++] = xstrdup(de->d_name);
        }
        qsort(names, n, sizeof(char *), cmp_names);
        *ret = names;
        *ret_n = n;
        return 0;
}

int cr_catalog_load_dir(const char *dir, struct cr_catalog **ret, struct cr_error **err)
{
        struct cr_catalog *c;
        char **names = NULL;
        size_t n = 0;
        DIR *d = opendir(dir);
        int r;

        if (!d)
                return cr_error_set(err, errno, CR_ERROR_NOT_FOUND, "runtime catalogue '%s'", dir);
        r = list_json_files(d, &names, &n, err);
        c = xzalloc(sizeof(*c));
        c->runtimes = xzalloc(CR_CATALOG_MAX_RUNTIMES * sizeof(struct cr_runtime));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct cr_runtime rt = {};
                r = load_file(dirfd(d), names[i], &rt, err);
                if (r >= 0)
                        r = add_runtime(c, &rt, names[i], err);
                cr_runtime_done(&rt);
        }
        closedir(d);
        cr_catalog_strv_free(names);
        if (r < 0) {
                cr_catalog_free(c);
                return cr_error_wrap(err, "runtime catalogue '%s'", dir);
        }
        *ret = c;
        return 0;
}

struct cr_catalog *cr_catalog_free(struct cr_catalog *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++)
                cr_runtime_done(&c->runtimes[i]);
        free(c->runtimes);
        free(c->warnings);
        free(c);
        return NULL;
}
