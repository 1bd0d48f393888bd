/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "parse-util.h"
#include "xalloc.h"

/* The meaning of the KAFKA_* variables (docs/events.md). No I/O, no
 * librdkafka: the result is a list of librdkafka property names and values
 * that kafka.c applies as they are. */

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES    3
#define MIN_TIMEOUT_MS     100
#define MAX_TIMEOUT_MS     3600000
#define MAX_RETRIES        1000000
#define MAX_SERVERS        64
#define EVENT_HUB_PORT     "9093"

static bool is_set(const char *s)
{
        return s && s[0];
}

#define invalid(err, fmt, a, b) cr_error_make((err), EINVAL, CR_ERROR_INVALID, fmt, (a), (b))

static void add_prop(struct cr_kafka_settings *s, const char *name, const char *value, bool secret)
{
        s->props = xrealloc(s->props, (s->n_props + 1) * sizeof(*s->props));
        s->props[s->n_props++] = (struct cr_kafka_property){
                .name = xstrdup(name),
                .value = xstrdup(value),
                .secret = secret,
        };
}

/* ------------------------------------------------------------ bootstrap servers */

static bool valid_host(const char *h, size_t n)
{
        if (n == 0 || n > 253)
                return false;
        if (h[0] == '[') /* [IPv6] */
                return n > 2 && h[n - 1] == ']' && strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", h[i]))
                        return false;
        return true;
}

/* One "host:port", spaces around it allowed; appended to out normalised. */
static int add_server(const char *item, size_t len, struct cr_buf *out)
{
        const char *colon;
        char port[8];
        uint64_t p;

        while (len > 0 && (*item == ' ' || *item == '\t'))
                item++, len--;
        while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
                len--;
        colon = memrchr(item, ':', len);
        if (!colon || !valid_host(item, (size_t)(colon - item)))
                return -EINVAL;
        if ((size_t)(item + len - colon - 1) >= sizeof(port))
                return -EINVAL;
        memcpy(port, colon + 1, (size_t)(item + len - colon - 1));
        port[item + len - colon - 1] = 0;
        if (safe_atou64(port, &p) < 0 || p == 0 || p > 65535)
                return -EINVAL;
        if (out->len > 0 && cr_buf_append(out, ",", 1) < 0)
                return -ENOSPC;
        return cr_buf_append(out, item, len);
}

/* The original took one address; a comma list works here. */
static int parse_servers(const char *list, char **ret, struct cr_error **err)
{
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(MAX_SERVERS * 270);
        unsigned n = 0;

        for (const char *p = list;; n++) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                if (n >= MAX_SERVERS || add_server(p, len, &out) < 0)
                        return cr_error_make(
                                err, EINVAL, CR_ERROR_INVALID,
                                "KAFKA_BOOTSTRAP_SERVERS: '%.*s' is not host:port (a comma list of "
                                "host:port is accepted)",
                                (int)MIN(len, 128u), p);
                if (!comma)
                        break;
                p = comma + 1;
        }
        *ret = cr_buf_steal(&out);
        return 0;
}

/* ------------------------------------------------------------ Event Hub connection string */

/* The value of "Key=" in a ;-separated connection string, or NULL. */
static const char *conn_field(const char *conn, const char *key, size_t *ret_len)
{
        size_t klen = strlen(key);

        for (const char *p = conn; p && *p;) {
                const char *end = strchr(p, ';');
                size_t len = end ? (size_t)(end - p) : strlen(p);

                while (len > 0 && *p == ' ')
                        p++, len--;
                if (len > klen && strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
                        *ret_len = len - klen - 1;
                        return p + klen + 1;
                }
                p = end ? end + 1 : NULL;
        }
        return NULL;
}

/* Never quotes the string: it is the secret. */
static int check_connection_string(const char *conn, struct cr_error **err)
{
        size_t n = 0;
        const char *name = conn_field(conn, "SharedAccessKeyName", &n);
        size_t n2 = 0;
        const char *key = conn_field(conn, "SharedAccessKey", &n2);

        if (!name || n == 0 || !key || n2 == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "KAFKA_CONNECTION_STRING: not an Event Hub connection string (it needs "
                                     "SharedAccessKeyName=...;SharedAccessKey=...)");
        if (strpbrk(conn, "\r\n"))
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "KAFKA_CONNECTION_STRING: holds a line break");
        return 0;
}

/* Endpoint=sb://<namespace>.servicebus.windows.net/ → <namespace>...:9093,
 * so the connection string alone is enough. */
static char *endpoint_bootstrap(const char *conn)
{
        size_t n = 0;
        const char *ep = conn_field(conn, "Endpoint", &n);
        size_t host_len;

        if (!ep || n < 6 || strncasecmp(ep, "sb://", 5) != 0)
                return NULL;
        ep += 5, n -= 5;
        host_len = strcspn(ep, "/;:");
        if (host_len == 0 || host_len > n || !valid_host(ep, host_len))
                return NULL;
        return xasprintf("%.*s:" EVENT_HUB_PORT, (int)host_len, ep);
}

/* ------------------------------------------------------------ the rules */

static const char *const protocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};

static bool one_of(const char *v, const char *const *words, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v, words[i]) == 0)
                        return true;
        return false;
}

static int resolve_sasl(const struct cr_kafka_input *in, struct cr_kafka_settings *s, struct cr_error **err)
{
        bool conn = is_set(in->connection_string);
        const char *proto = in->security_protocol;

        s->sasl = in->use_sasl >= 0 ? in->use_sasl > 0 : conn;
        if (s->sasl && !conn)
                return cr_error_make(
                        err, EINVAL, CR_ERROR_INVALID,
                        "KAFKA_USE_SASL: true needs KAFKA_CONNECTION_STRING (the SASL password)");
        if (conn && s->sasl) {
                int r = check_connection_string(in->connection_string, err);
                if (r < 0)
                        return r;
        }
        if (s->sasl && is_set(in->sasl_mechanism) && strcmp(in->sasl_mechanism, "PLAIN") != 0)
                return invalid(err,
                               "KAFKA_SASL_MECHANISM: '%.64s' is not supported: the credential is an Event "
                               "Hub connection string, which is sent with %s",
                               in->sasl_mechanism, "PLAIN");
        if (!is_set(proto)) {
                s->security_protocol = xstrdup(s->sasl ? "SASL_SSL" : "PLAINTEXT");
                return 0;
        }
        if (!one_of(proto, protocols, ARRAY_SIZE(protocols)))
                return invalid(err, "KAFKA_SECURITY_PROTOCOL: '%.64s' is not one of %s", proto,
                               "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
        if (s->sasl != (strncmp(proto, "SASL_", 5) == 0))
                return invalid(
                        err, "KAFKA_SECURITY_PROTOCOL: '%.64s' %s", proto,
                        s->sasl ? "does not use SASL, but KAFKA_CONNECTION_STRING is set (SASL_SSL is "
                                  "what Event Hub needs)"
                                : "needs SASL credentials: set KAFKA_CONNECTION_STRING");
        s->security_protocol = xstrdup(proto);
        return 0;
}

static int resolve_servers(const struct cr_kafka_input *in, struct cr_kafka_settings *s,
                           struct cr_error **err)
{
        _cleanup_free_ char *derived = NULL;

        if (is_set(in->bootstrap_servers))
                return parse_servers(in->bootstrap_servers, &s->bootstrap_servers, err);
        if (s->sasl && (derived = endpoint_bootstrap(in->connection_string)))
                return parse_servers(derived, &s->bootstrap_servers, err);
        if (s->sasl)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "KAFKA_BOOTSTRAP_SERVERS: not set, and KAFKA_CONNECTION_STRING has no "
                                     "Endpoint=sb://<namespace>.servicebus.windows.net/ to take it from");
        return 0;
}

static int resolve_producer(const struct cr_kafka_input *in, struct cr_kafka_settings *s,
                            struct cr_error **err)
{
        int64_t t = in->producer_timeout_ms >= 0 ? in->producer_timeout_ms : DEFAULT_TIMEOUT_MS;
        int64_t retries = in->max_retries >= 0 ? in->max_retries : DEFAULT_RETRIES;

        s->compression = xstrdup(is_set(in->compression) ? in->compression : "none");
        if (!one_of(s->compression, codecs, ARRAY_SIZE(codecs)))
                return invalid(err, "KAFKA_COMPRESSION: '%.64s' is not one of %s", s->compression,
                               "none, gzip, snappy, lz4, zstd");
        if (t < MIN_TIMEOUT_MS || t > MAX_TIMEOUT_MS)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "KAFKA_PRODUCER_TIMEOUT_MS: %lld is not from %d to %d", (long long)t,
                                     MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
        if (retries > MAX_RETRIES)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "KAFKA_MAX_RETRIES: %lld is more than %d", (long long)retries,
                                     MAX_RETRIES);
        s->idempotence = in->enable_idempotence != 0;
        /* librdkafka refuses an idempotent producer that may not retry */
        if (s->idempotence && retries == 0)
                return cr_error_make(
                        err, EINVAL, CR_ERROR_INVALID,
                        "KAFKA_MAX_RETRIES: 0 needs KAFKA_ENABLE_IDEMPOTENCE=false (an idempotent "
                        "producer retries)");
        s->producer_timeout_ms = (uint64_t)t;
        s->max_retries = (unsigned)retries;
        return 0;
}

static void build_props(struct cr_kafka_settings *s, const char *conn)
{
        char num[32];

        add_prop(s, "bootstrap.servers", s->bootstrap_servers, false);
        add_prop(s, "client.id", "coderunner", false);
        add_prop(s, "acks", "all", false);
        add_prop(s, "enable.idempotence", s->idempotence ? "true" : "false", false);
        add_prop(s, "compression.codec", s->compression, false);
        snprintf(num, sizeof(num), "%" PRIu64, s->producer_timeout_ms);
        add_prop(s, "message.timeout.ms", num, false);
        snprintf(num, sizeof(num), "%u", s->max_retries);
        add_prop(s, "message.send.max.retries", num, false);
        add_prop(s, "security.protocol", s->security_protocol, false);
        if (s->sasl) {
                /* Azure Event Hub's Kafka endpoint: PLAIN, the literal user
                 * name $ConnectionString, the whole string as password */
                add_prop(s, "sasl.mechanisms", "PLAIN", false);
                add_prop(s, "sasl.username", "$ConnectionString", false);
                add_prop(s, "sasl.password", conn, true);
        }
}

int cr_kafka_settings_resolve(const struct cr_kafka_input *in, struct cr_kafka_settings **ret,
                              struct cr_error **err)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = xzalloc(sizeof(*s));
        int r;

        s->challenge_topic = xstrdup(is_set(in->topic) ? in->topic : CR_EVENTS_CHALLENGE_TOPIC_DEFAULT);
        if (strlen(s->challenge_topic) > 249 ||
            strspn(s->challenge_topic, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789._-") != strlen(s->challenge_topic))
                return invalid(err, "KAFKA_TOPIC: '%.64s' is not a topic name (%s)", s->challenge_topic,
                               "letters, digits, '.', '_', '-', at most 249");
        r = resolve_sasl(in, s, err);
        if (r >= 0)
                r = resolve_servers(in, s, err);
        if (r >= 0)
                r = resolve_producer(in, s, err);
        if (r < 0)
                return r;
        s->broker = s->bootstrap_servers != NULL;
        if (s->broker)
                build_props(s, in->connection_string);
        *ret = TAKE_PTR(s);
        return 0;
}

struct cr_kafka_settings *cr_kafka_settings_free(struct cr_kafka_settings *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_props; i++) {
                free(s->props[i].name);
                if (s->props[i].secret)
                        explicit_bzero(s->props[i].value, strlen(s->props[i].value));
                free(s->props[i].value);
        }
        free(s->props);
        free(s->bootstrap_servers);
        free(s->challenge_topic);
        free(s->security_protocol);
        free(s->compression);
        free(s);
        return NULL;
}

int cr_kafka_settings_describe(const struct cr_kafka_settings *s, struct cr_buf *out)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < s->n_props; i++)
                r = cr_buf_printf(out, "%s=%s\n", s->props[i].name,
                                  s->props[i].secret ? "<redacted>" : s->props[i].value);
        return r;
}
