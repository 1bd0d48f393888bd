/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cr-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "macro.h"
#include "xalloc.h"

enum opt_type { OPT_U64, OPT_SIZE, OPT_STRING, OPT_BOOL, OPT_CHOICE, OPT_IP, OPT_URL };

struct option_def {
        const char *name;
        enum opt_type type;
        size_t offset;
        uint64_t min, max;
        const char *def;                 /* NULL: computed (workers) or empty */
        bool secret;                     /* never printed, not even in errors */
        const char *const *choices;      /* OPT_CHOICE: NULL-terminated */
};

#define U64(n, f, lo, hi, d) { n, OPT_U64, offsetof(struct cr_config, f), lo, hi, d, false, NULL }
#define SIZE(n, f, lo, hi, d) { n, OPT_SIZE, offsetof(struct cr_config, f), lo, hi, d, false, NULL }
#define STR(n, f, d) { n, OPT_STRING, offsetof(struct cr_config, f), 0, 0, d, false, NULL }
#define SECRET(n, f, d) { n, OPT_STRING, offsetof(struct cr_config, f), 0, 0, d, true, NULL }
#define BOOL(n, f, d) { n, OPT_BOOL, offsetof(struct cr_config, f), 0, 1, d, false, NULL }
#define CHOICE(n, f, d, c) { n, OPT_CHOICE, offsetof(struct cr_config, f), 0, 0, d, false, c }
#define IP(n, f) { n, OPT_IP, offsetof(struct cr_config, f), 0, 0, "", false, NULL }
#define URL(n, f) { n, OPT_URL, offsetof(struct cr_config, f), 0, 0, "", false, NULL }

static const char *const log_levels[] = { "error", "warning", "notice", "info", "debug", NULL };
static const char *const log_formats[] = { "text", "json", NULL };
static const char *const sasl_mechanisms[] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", NULL };
static const char *const security_protocols[] = { "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", NULL };
static const char *const kafka_codecs[] = { "none", "gzip", "snappy", "lz4", "zstd", NULL };
/* auto: Kafka when KAFKA_BOOTSTRAP_SERVERS is set, else the JSON-lines
 * file; none: no events at all (no outbox rows, no publisher) */
static const char *const events_sinks[] = { "auto", "none", NULL };
static const char *const db_sslmodes[] = { "disable", "allow", "prefer", "require", "verify-ca", "verify-full", NULL };

/* Names and defaults of the first block are the old service's
 * (original-interfaces.md §7 and its deployment guide), so an operator's
 * existing environment means what it meant. */
static const struct option_def options[] = {
        STR("APP_NAME", app_name, "microservice-code-runner"),
        STR("API_VERSION", api_version, "v1"),
        U64("GRPC_PORT", grpc_port, 1, 65535, "9084"),
        U64("PORT", http_port, 1, 65535, "8084"),
        STR("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap_servers, ""),
        SECRET("KAFKA_CONNECTION_STRING", kafka_connection_string, ""),
        BOOL("KAFKA_USE_SASL", kafka_use_sasl, "false"),
        STR("KAFKA_TOPIC", kafka_topic, "challenge.completed"),
        STR("KAFKA_CONSUMER_GROUP", kafka_consumer_group, "code-runner-service"),
        CHOICE("KAFKA_SASL_MECHANISM", kafka_sasl_mechanism, "PLAIN", sasl_mechanisms),
        CHOICE("KAFKA_SECURITY_PROTOCOL", kafka_security_protocol, "SASL_SSL", security_protocols),
        U64("KAFKA_PRODUCER_TIMEOUT_MS", kafka_producer_timeout_ms, 1, 3600000, "30000"),
        U64("KAFKA_CONSUMER_TIMEOUT_MS", kafka_consumer_timeout_ms, 1, 3600000, "30000"),
        U64("KAFKA_MAX_RETRIES", kafka_max_retries, 0, 1000, "3"),
        BOOL("SERVICE_DISCOVERY_ENABLED", service_discovery_enabled, "false"),
        URL("SERVICE_DISCOVERY_URL", service_discovery_url),
        STR("SERVICE_NAME", service_name, "CODE-RUNNER-SERVICE"),
        IP("SERVICE_PUBLIC_IP", service_public_ip),
        U64("CODERUNNER_EUREKA_HEARTBEAT_SECONDS", eureka_heartbeat_seconds, 1, 300, "30"),
        CHOICE("LOG_LEVEL", log_level, "info", log_levels),
        CHOICE("LOG_FORMAT", log_format, "text", log_formats),
        U64("CODERUNNER_WORKERS", workers, 1, 1024, NULL),
        U64("CODERUNNER_QUEUE_LENGTH", queue_length, 0, 100000, "64"),
        /* sandboxes one job's tests may use at once; 0: half the workers, at least 2, at most the CPUs */
        U64("CODERUNNER_JOB_PARALLELISM", job_parallelism, 0, 1024, "0"),
        U64("CODERUNNER_MAX_TESTS", max_tests, 1, 1000, "100"),
        SIZE("CODERUNNER_MAX_CODE_BYTES", max_code_bytes, 1, 16ULL << 20, "1M"),
        SIZE("CODERUNNER_MAX_INPUT_BYTES", max_input_bytes, 1, 64ULL << 20, "1M"),
        /* the old service accepted 8 MiB messages; clients rely on that */
        SIZE("CODERUNNER_MAX_MESSAGE_BYTES", max_message_bytes, 4096, 64ULL << 20, "8M"),
        U64("CODERUNNER_GRACE_SECONDS", grace_seconds, 0, 3600, "30"),
        STR("CODERUNNER_IMAGE_STORE", image_store, "/var/lib/coderunner/images"),
        STR("CODERUNNER_DATADIR", data_dir, ""),
        /* the current stable Debian release's toolchains (docs/images.md) */
        STR("CODERUNNER_RUNTIME_DEFAULTS", runtime_defaults, "trixie"),
        BOOL("CODERUNNER_CGROUP_DELEGATE", cgroup_delegate, "false"),
        STR("CODERUNNER_ALLOW_MISSING_CONTROLLERS", allow_missing_controllers, ""),
        IP("CODERUNNER_HTTP_ADDRESS", http_address),
        /* the job store; DB_* are the original service's names and defaults,
         * except that an unset DB_HOST means the embedded SQLite store */
        STR("CODERUNNER_STATE_DIR", state_dir, "/var/lib/coderunner"),
        STR("DB_HOST", db_host, ""),
        U64("DB_PORT", db_port, 1, 65535, "5432"),
        STR("DB_USER", db_user, "postgres"),
        SECRET("DB_PASSWORD", db_password, "postgres"),
        STR("DB_NAME", db_name, "code_runner_db"),
        CHOICE("DB_SSLMODE", db_sslmode, "disable", db_sslmodes),
        STR("DB_TIMEZONE", db_timezone, "UTC"),
        U64("CODERUNNER_RETENTION_DAYS", retention_days, 0, 36500, "30"),
        STR("CODERUNNER_INSTANCE_ID", instance_id, ""),
        U64("CODERUNNER_LEASE_SECONDS", lease_seconds, 2, 3600, "30"),
        /* events: the original's names; the values are checked, with the
         * variable named, by events/settings.c at start-up */
        CHOICE("KAFKA_COMPRESSION", kafka_compression, "none", kafka_codecs),
        BOOL("KAFKA_ENABLE_IDEMPOTENCE", kafka_enable_idempotence, "true"),
        CHOICE("CODERUNNER_EVENTS_SINK", events_sink, "auto", events_sinks),
        U64("CODERUNNER_EVENTS_STUCK_SECONDS", events_stuck_seconds, 1, 86400, "60"),
        SIZE("CODERUNNER_EVENTS_FILE_MAX_BYTES", events_file_max_bytes, 4096, 1ULL << 40, "64M"),
};

#define N_OPTIONS ARRAY_SIZE(options)

static int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return *ret = true, 0;
                if (strcasecmp(s, no[i]) == 0)
                        return *ret = false, 0;
        }
        return -EINVAL;
}

static bool is_ip(const char *s)
{
        unsigned char addr[16];

        return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

static bool is_http_url(const char *s)
{
        const char *host = strncmp(s, "http://", 7) == 0 ? s + 7 : strncmp(s, "https://", 8) == 0 ? s + 8 : NULL;

        return host && host[0] && host[0] != '/' && !strpbrk(s, " \t\r\n");
}

static int check_choice(const struct option_def *o, const char *s)
{
        for (size_t i = 0; o->choices[i]; i++)
                if (strcmp(s, o->choices[i]) == 0)
                        return 0;
        return -EINVAL;
}

/* What an option accepts, for the one-line error. */
static void describe_accepted(const struct option_def *o, struct cr_buf *b)
{
        switch (o->type) {
        case OPT_U64:
                (void) cr_buf_printf(b, "an integer from %llu to %llu", (unsigned long long) o->min,
                                     (unsigned long long) o->max);
                return;
        case OPT_SIZE:
                (void) cr_buf_printf(b, "a size from %llu to %llu bytes (suffixes K, M, G)",
                                     (unsigned long long) o->min, (unsigned long long) o->max);
                return;
        case OPT_BOOL:
                (void) cr_buf_printf(b, "true or false (or 1/0, yes/no, on/off)");
                return;
        case OPT_CHOICE:
                (void) cr_buf_printf(b, "one of");
                for (size_t i = 0; o->choices[i]; i++)
                        (void) cr_buf_printf(b, "%s %s", i ? "," : "", o->choices[i]);
                return;
        case OPT_IP:
                (void) cr_buf_printf(b, "an IPv4 or IPv6 address");
                return;
        case OPT_URL:
                (void) cr_buf_printf(b, "an http:// or https:// URL");
                return;
        case OPT_STRING:
                (void) cr_buf_printf(b, "a string");
                return;
        }
}

static int invalid_value(const struct option_def *o, const char *value, const char *origin, struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf accepted = CR_BUF_INIT(1024);

        describe_accepted(o, &accepted);
        (void) cr_buf_append(&accepted, "", 1);
        if (o->secret)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: invalid value for %s: expected %s", origin,
                                     o->name, accepted.data);
        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: invalid value '%.128s' for %s: expected %s", origin,
                             value, o->name, accepted.data);
}

static int parse_number(const struct option_def *o, const char *value, uint64_t *ret)
{
        int r = o->type == OPT_SIZE ? parse_size(value, ret) : safe_atou64(value, ret);

        if (r >= 0 && (*ret < o->min || *ret > o->max))
                r = -ERANGE;
        return r;
}

static int set_option(struct cr_config *c, size_t idx, const char *value, enum cr_config_source source,
                      const char *origin, struct cr_error **err)
{
        const struct option_def *o = &options[idx];
        char *base = (char *) c + o->offset;
        uint64_t v = 0;
        int r = 0;

        switch (o->type) {
        case OPT_BOOL:
                r = parse_bool(value, (bool *) base);
                break;
        case OPT_U64:
        case OPT_SIZE:
                r = parse_number(o, value, &v);
                if (r >= 0)
                        *(uint64_t *) base = v;
                break;
        case OPT_CHOICE:
                r = check_choice(o, value);
                break;
        case OPT_IP:
                r = value[0] && !is_ip(value) ? -EINVAL : 0;
                break;
        case OPT_URL:
                r = value[0] && !is_http_url(value) ? -EINVAL : 0;
                break;
        case OPT_STRING:
                break;
        }
        if (r < 0)
                return invalid_value(o, value, origin, err);
        if (o->type == OPT_STRING || o->type == OPT_CHOICE || o->type == OPT_IP || o->type == OPT_URL) {
                free(*(char **) base);
                *(char **) base = xstrdup(value);
        }
        c->sources[idx] = source;
        return 0;
}

static bool is_string_type(enum opt_type t)
{
        return t == OPT_STRING || t == OPT_CHOICE || t == OPT_IP || t == OPT_URL;
}

static int find_option(const char *name, size_t len)
{
        for (size_t i = 0; i < N_OPTIONS; i++)
                if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
                        return (int) i;
        return -ENOENT;
}

static char *trim(char *s)
{
        char *end;

        while (*s == ' ' || *s == '\t')
                s++;
        end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                *--end = 0;
        return s;
}

/* KEY=VALUE, KEY = VALUE, KEY="VALUE" or KEY='VALUE' (the quoting systemd's
 * EnvironmentFile= accepts, so one file can serve both). */
static int apply_line(struct cr_config *c, char *s, const char *origin, struct cr_error **err)
{
        char *eq = strchr(s, '='), *key, *value;
        size_t n;
        int idx;

        if (!eq)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: expected KEY=VALUE", origin);
        *eq = 0;
        key = trim(s);
        value = trim(eq + 1);
        idx = find_option(key, strlen(key));
        if (idx < 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: unknown setting '%.64s'", origin, key);
        n = strlen(value);
        if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0]) {
                value[n - 1] = 0;
                value++;
        }
        if (!value[0])
                return 0; /* empty = unset, as in the environment */
        return set_option(c, (size_t) idx, value, CR_CONFIG_SOURCE_FILE, origin, err);
}

static int apply_file(struct cr_config *c, const char *text, const char *file_name, struct cr_error **err)
{
        unsigned lineno = 0;

        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                _cleanup_free_ char *copy = xstrndup(line, len);
                char *s = trim(copy), origin[300];
                int r;

                lineno++;
                line = end ? end + 1 : NULL;
                if (*s == 0 || *s == '#' || *s == ';')
                        continue;
                snprintf(origin, sizeof(origin), "%s:%u", file_name, lineno);
                r = apply_line(c, s, origin, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_defaults(struct cr_config *c, struct cr_error **err)
{
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

        for (size_t i = 0; i < N_OPTIONS; i++) {
                int r = 0;

                if (options[i].def && options[i].def[0])
                        r = set_option(c, i, options[i].def, CR_CONFIG_SOURCE_DEFAULT, "default", err);
                else if (is_string_type(options[i].type))
                        *(char **) ((char *) c + options[i].offset) = xstrdup("");
                if (r < 0)
                        return r;
        }
        c->workers = ncpu > 0 ? (uint64_t) ncpu : 1;
        return 0;
}

static int apply_env(struct cr_config *c, cr_config_lookup_fn lookup, void *userdata, struct cr_error **err)
{
        for (size_t i = 0; lookup && i < N_OPTIONS; i++) {
                const char *v = lookup(options[i].name, userdata);
                /* like the old service, an empty variable counts as unset */
                int r = v && v[0] ? set_option(c, i, v, CR_CONFIG_SOURCE_ENV, "environment", err) : 0;

                if (r < 0)
                        return r;
        }
        return 0;
}

/* Rules between settings. */
static int check_consistency(const struct cr_config *c, struct cr_error **err)
{
        if (cr_config_source_of(c, "SERVICE_DISCOVERY_ENABLED") != CR_CONFIG_SOURCE_DEFAULT &&
            c->service_discovery_enabled && !c->service_discovery_url[0])
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "SERVICE_DISCOVERY_ENABLED is true but SERVICE_DISCOVERY_URL is empty: "
                                     "expected the Eureka URL, e.g. http://eureka:8761/eureka");
        return 0;
}

int cr_config_load(const char *file_text, const char *file_name, cr_config_lookup_fn lookup, void *userdata,
                   struct cr_config **ret, struct cr_error **err)
{
        struct cr_config *c = xzalloc(sizeof(*c));
        int r;

        c->sources = xzalloc(N_OPTIONS * sizeof(*c->sources));
        if (file_text)
                c->file_name = xstrdup(file_name ? file_name : "config");
        r = apply_defaults(c, err);
        if (r >= 0 && file_text)
                r = apply_file(c, file_text, c->file_name, err);
        if (r >= 0)
                r = apply_env(c, lookup, userdata, err);
        if (r >= 0)
                r = check_consistency(c, err);
        if (r < 0) {
                cr_config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

/* A config file is small: refuse anything that is not. */
#define MAX_FILE_BYTES (1U << 20)

static int read_file(const char *path, bool must_exist, char **ret, struct cr_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(MAX_FILE_BYTES);
        char chunk[4096];
        ssize_t n;

        *ret = NULL;
        if (fd < 0 && errno == ENOENT && !must_exist)
                return 0;
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INVALID, "cannot open %s", path);
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cr_error_set(err, errno, CR_ERROR_INVALID, "cannot read %s", path);
                if (cr_buf_append(&b, chunk, (size_t) n) < 0)
                        return cr_error_make(err, EFBIG, CR_ERROR_INVALID, "%s: larger than %u bytes", path,
                                             MAX_FILE_BYTES);
        }
        if (memchr(b.data, 0, b.len))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "%s: not a text file", path);
        *ret = xstrndup(b.data ? b.data : "", b.len);
        return 0;
}

int cr_config_load_default(cr_config_lookup_fn lookup, void *userdata, struct cr_config **ret,
                           struct cr_error **err)
{
        const char *named = lookup ? lookup("CODERUNNER_CONFIG_FILE", userdata) : NULL;
        const char *path = named && named[0] ? named : CR_CONFIG_FILE_DEFAULT;
        _cleanup_free_ char *text = NULL;
        int r = read_file(path, path == named, &text, err);

        if (r < 0)
                return r;
        return cr_config_load(text, path, lookup, userdata, ret, err);
}

struct cr_config *cr_config_free(struct cr_config *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < N_OPTIONS; i++)
                if (is_string_type(options[i].type))
                        free(*(char **) ((char *) c + options[i].offset));
        free(c->sources);
        free(c->file_name);
        free(c);
        return NULL;
}

/* http://user:password@host/ → http://<redacted>@host/ */
static int dump_url(struct cr_buf *out, const char *url)
{
        const char *host = strstr(url, "://"), *at, *slash;

        if (!host)
                return cr_buf_printf(out, "%s", url);
        host += 3;
        at = strchr(host, '@');
        slash = strchr(host, '/');
        if (!at || (slash && slash < at))
                return cr_buf_printf(out, "%s", url);
        return cr_buf_printf(out, "%.*s<redacted>%s", (int) (host - url), url, at);
}

static int dump_value(const struct option_def *o, const char *base, struct cr_buf *out)
{
        const char *s = is_string_type(o->type) ? *(char *const *) base : NULL;

        if (o->secret)
                return cr_buf_printf(out, "%s", s[0] ? "<redacted>" : "");
        if (o->type == OPT_URL)
                return dump_url(out, s);
        if (s)
                return cr_buf_printf(out, "%s", s);
        if (o->type == OPT_BOOL)
                return cr_buf_printf(out, "%s", *(const bool *) base ? "true" : "false");
        return cr_buf_printf(out, "%llu", (unsigned long long) *(const uint64_t *) base);
}

int cr_config_dump(const struct cr_config *c, bool show_sources, struct cr_buf *out)
{
        int k = 0;

        for (size_t i = 0; k >= 0 && i < N_OPTIONS; i++) {
                k = cr_buf_printf(out, "%s=", options[i].name);
                if (k >= 0)
                        k = dump_value(&options[i], (const char *) c + options[i].offset, out);
                if (k >= 0 && show_sources)
                        k = cr_buf_printf(out, "  # %s", c->sources[i] == CR_CONFIG_SOURCE_FILE ?
                                          c->file_name : cr_config_source_to_string(c->sources[i]));
                if (k >= 0)
                        k = cr_buf_append(out, "\n", 1);
        }
        return k;
}

enum cr_config_source cr_config_source_of(const struct cr_config *c, const char *name)
{
        int idx = find_option(name, strlen(name));

        return idx < 0 ? _CR_CONFIG_SOURCE_INVALID : c->sources[idx];
}

const char *cr_config_source_to_string(enum cr_config_source s)
{
        static const char *const names[] = {
                [CR_CONFIG_SOURCE_DEFAULT] = "default",
                [CR_CONFIG_SOURCE_FILE] = "file",
                [CR_CONFIG_SOURCE_ENV] = "environment",
        };

        return s >= 0 && s < _CR_CONFIG_SOURCE_MAX ? names[s] : "unknown";
}

unsigned cr_config_job_parallelism(const struct cr_config *c, unsigned cpus)
{
        uint64_t n = c->job_parallelism ? c->job_parallelism : MIN(MAX(c->workers / 2, 2), MAX(cpus, 1));

        return (unsigned) MIN(n, c->workers);
}

bool cr_config_discovery_enabled(const struct cr_config *c)
{
        if (!c->service_discovery_url[0])
                return false;
        if (cr_config_source_of(c, "SERVICE_DISCOVERY_ENABLED") == CR_CONFIG_SOURCE_DEFAULT)
                return true;
        return c->service_discovery_enabled;
}
