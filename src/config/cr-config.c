/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cr-config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "parse-util.h"
#include "xalloc.h"

enum opt_type { OPT_U64, OPT_SIZE, OPT_SECONDS_MS, OPT_STRING, OPT_BOOL };

struct option_def {
        const char *name;
        enum opt_type type;
        size_t offset;
        uint64_t min, max;
        const char *def;            /* NULL: computed (workers) or empty */
        bool secret;
};

#define U64(n, f, lo, hi, d) { n, OPT_U64, offsetof(struct cr_config, f), lo, hi, d, false }
#define SIZE(n, f, lo, hi, d) { n, OPT_SIZE, offsetof(struct cr_config, f), lo, hi, d, false }
#define SECS(n, f, lo, hi, d) { n, OPT_SECONDS_MS, offsetof(struct cr_config, f), lo, hi, d, false }
#define STR(n, f, d) { n, OPT_STRING, offsetof(struct cr_config, f), 0, 0, d, false }
#define BOOL(n, f, d) { n, OPT_BOOL, offsetof(struct cr_config, f), 0, 1, d, false }

static const struct option_def options[] = {
        STR("APP_NAME", app_name, "microservice-code-runner"),
        U64("GRPC_PORT", grpc_port, 1, 65535, "9084"),
        U64("PORT", http_port, 1, 65535, "8084"),
        U64("CODERUNNER_WORKERS", workers, 1, 1024, NULL),
        U64("CODERUNNER_QUEUE_LENGTH", queue_length, 0, 100000, "64"),
        U64("CODERUNNER_MAX_TESTS", max_tests, 1, 1000, "100"),
        SIZE("CODERUNNER_MAX_CODE_BYTES", max_code_bytes, 1, 16ULL << 20, "1M"),
        SIZE("CODERUNNER_MAX_INPUT_BYTES", max_input_bytes, 1, 64ULL << 20, "1M"),
        /* the old service accepted 8 MiB messages; clients rely on that */
        SIZE("CODERUNNER_MAX_MESSAGE_BYTES", max_message_bytes, 4096, 64ULL << 20, "8M"),
        U64("CODERUNNER_GRACE_SECONDS", grace_seconds, 0, 3600, "30"),
        STR("CODERUNNER_IMAGE_STORE", image_store, "/var/lib/coderunner/images"),
        STR("CODERUNNER_DATADIR", data_dir, ""),
        BOOL("CODERUNNER_CGROUP_DELEGATE", cgroup_delegate, "false"),
        STR("CODERUNNER_ALLOW_MISSING_CONTROLLERS", allow_missing_controllers, ""),
        STR("LOG_LEVEL", log_level, "info"),
        STR("LOG_FORMAT", log_format, "text"),
};

static int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcmp(s, yes[i]) == 0)
                        return *ret = true, 0;
                if (strcmp(s, no[i]) == 0)
                        return *ret = false, 0;
        }
        return -EINVAL;
}

static int set_option(struct cr_config *c, const struct option_def *o, const char *value, const char *origin,
                      struct cr_error **err)
{
        char *base = (char *) c + o->offset;
        uint64_t v = 0;
        int r = 0;

        switch (o->type) {
        case OPT_STRING:
                free(*(char **) base);
                *(char **) base = xstrdup(value);
                return 0;
        case OPT_BOOL:
                r = parse_bool(value, (bool *) base);
                break;
        case OPT_U64:
                r = safe_atou64(value, &v);
                break;
        case OPT_SIZE:
                r = parse_size(value, &v);
                break;
        case OPT_SECONDS_MS:
                r = parse_seconds_ms(value, &v);
                break;
        }
        if (r >= 0 && o->type != OPT_BOOL && (v < o->min || v > o->max))
                r = -ERANGE;
        if (r < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: invalid value '%s' for %s", origin, value,
                                    o->name);
        if (o->type != OPT_BOOL)
                *(uint64_t *) base = v;
        return 0;
}

static const struct option_def *find_option(const char *name, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(options); i++)
                if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
                        return &options[i];
        return NULL;
}

static int apply_file(struct cr_config *c, const char *text, const char *file_name, struct cr_error **err)
{
        unsigned lineno = 0;

        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n'), *eq;
                size_t len = end ? (size_t) (end - line) : strlen(line);
                _cleanup_free_ char *copy = xstrndup(line, len);
                char *s = copy, origin[300];
                const struct option_def *o;
                int r;

                lineno++;
                line = end ? end + 1 : NULL;
                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s == 0 || *s == '#')
                        continue;
                snprintf(origin, sizeof(origin), "%s:%u", file_name, lineno);
                eq = strchr(s, '=');
                o = eq ? find_option(s, (size_t) (eq - s)) : NULL;
                if (!o)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: unknown setting '%s'", origin, s);
                r = set_option(c, o, eq + 1, origin, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cr_config_load(const char *file_text, const char *file_name, cr_config_lookup_fn lookup, void *userdata,
                   struct cr_config **ret, struct cr_error **err)
{
        struct cr_config *c = xzalloc(sizeof(*c));
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(options); i++)
                if (options[i].def || options[i].type == OPT_STRING)
                        r = set_option(c, &options[i], options[i].def ? options[i].def : "", "default", err);
        c->workers = ncpu > 0 ? (uint64_t) ncpu : 1;
        if (r >= 0 && file_text)
                r = apply_file(c, file_text, file_name ? file_name : "config", err);
        /* like the old service, an empty variable counts as unset */
        for (size_t i = 0; r >= 0 && lookup && i < ARRAY_SIZE(options); i++) {
                const char *v = lookup(options[i].name, userdata);
                if (v && v[0])
                        r = set_option(c, &options[i], v, "environment", err);
        }
        if (r < 0) {
                cr_config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

struct cr_config *cr_config_free(struct cr_config *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < ARRAY_SIZE(options); i++)
                if (options[i].type == OPT_STRING)
                        free(*(char **) ((char *) c + options[i].offset));
        free(c);
        return NULL;
}

int cr_config_dump(const struct cr_config *c, struct cr_buf *out)
{
        int k = 0;

        for (size_t i = 0; k >= 0 && i < ARRAY_SIZE(options); i++) {
                const struct option_def *o = &options[i];
                const char *base = (const char *) c + o->offset;

                if (o->secret)
                        k = cr_buf_printf(out, "%s=<redacted>\n", o->name);
                else if (o->type == OPT_STRING)
                        k = cr_buf_printf(out, "%s=%s\n", o->name, *(char *const *) base);
                else if (o->type == OPT_BOOL)
                        k = cr_buf_printf(out, "%s=%s\n", o->name, *(const bool *) base ? "true" : "false");
                else
                        k = cr_buf_printf(out, "%s=%llu\n", o->name, (unsigned long long) *(const uint64_t *) base);
        }
        return k;
}
