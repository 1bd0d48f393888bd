/* SPDX-License-Identifier: MIT */
#pragma once

/* Events (docs/events.md, docs/internals/events.md).
 *
 * Three concerns, no I/O in the first two:
 * - settings: the KAFKA_* variables of the service this one replaces, their
 *   meaning and validation (an Event Hub connection string becomes SASL_SSL +
 *   PLAIN with the user `$ConnectionString`), resolved into the producer's
 *   properties; errors are one line naming the variable, and never hold the
 *   secret;
 * - payloads: the original's execution-metrics event (topic
 *   execution.analytics) and the seed guide's challenge.completed event, as
 *   JSON, with the consumer's status vocabulary;
 * - sinks: where an event goes. The Kafka sink (librdkafka, acks=all,
 *   idempotent by default, keyed by the caller's key) and the JSON-lines
 *   file sink (no broker configured). Sending is asynchronous: every sent
 *   event gets exactly one report, delivered or failed, from
 *   cr_event_sink_poll(), which the caller's own thread calls; nothing here
 *   starts a thread of its own but librdkafka's.
 *
 * Non-logging. librdkafka's header is included by kafka.c only; the settings
 * and payload code link without it (`coderunner config` uses them). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_buf;
struct cr_error;
struct cr_event_sink;

#define CR_EVENTS_ANALYTICS_TOPIC         "execution.analytics"
#define CR_EVENTS_CHALLENGE_TOPIC_DEFAULT "challenge.completed"
#define CR_EVENTS_ANALYTICS_TYPE          "execution.analytics"
#define CR_EVENTS_CHALLENGE_TYPE          "challenge.completed"

/* ------------------------------------------------------------ settings */

/* The variables as configured. Strings: NULL or "" = not set. Numbers and
 * booleans: < 0 = not set. */
struct cr_kafka_input {
        const char *bootstrap_servers; /* KAFKA_BOOTSTRAP_SERVERS: host:port[,host:port...] */
        const char *connection_string; /* KAFKA_CONNECTION_STRING (secret) */
        int use_sasl;                  /* KAFKA_USE_SASL */
        const char *sasl_mechanism;    /* KAFKA_SASL_MECHANISM */
        const char *security_protocol; /* KAFKA_SECURITY_PROTOCOL */
        const char *topic;             /* KAFKA_TOPIC: the challenge.completed event's topic */
        const char *compression;       /* KAFKA_COMPRESSION */
        int enable_idempotence;        /* KAFKA_ENABLE_IDEMPOTENCE */
        int64_t producer_timeout_ms;   /* KAFKA_PRODUCER_TIMEOUT_MS */
        int64_t max_retries;           /* KAFKA_MAX_RETRIES */
};

struct cr_kafka_property {
        char *name;
        char *value;
        bool secret; /* never printed */
};

struct cr_kafka_settings {
        bool broker;             /* false: no broker configured, the file sink is used */
        char *bootstrap_servers; /* normalised: host:port,host:port */
        char *challenge_topic;
        char *security_protocol; /* PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL */
        bool sasl;
        bool idempotence;
        char *compression; /* none, gzip, snappy, lz4, zstd */
        uint64_t producer_timeout_ms;
        unsigned max_retries;
        struct cr_kafka_property *props; /* the producer's configuration, in order */
        size_t n_props;
};

/* Defaults for what is not set, then every rule of docs/events.md. An
 * invalid combination is CR_ERROR_INVALID with one line that names the
 * variable to fix. */
int cr_kafka_settings_resolve(const struct cr_kafka_input *in, struct cr_kafka_settings **ret,
                              struct cr_error **err);
struct cr_kafka_settings *cr_kafka_settings_free(struct cr_kafka_settings *s);
/* name=value lines of the producer's properties, secrets as <redacted>. */
int cr_kafka_settings_describe(const struct cr_kafka_settings *s, struct cr_buf *out);

/* ------------------------------------------------------------ payloads */

/* The consumer (Microservice-Analytics) drops any other status. */
enum cr_event_status {
        CR_EVENT_COMPLETED, /* judged, whatever the verdict */
        CR_EVENT_FAILED,    /* the service gave up on it: no verdict */
        CR_EVENT_TIMEOUT,   /* judged, and a time limit ended it */
        CR_EVENT_ERROR,     /* judging hit an internal error */
        _CR_EVENT_STATUS_MAX,
        _CR_EVENT_STATUS_INVALID = -22,
};

const char *cr_event_status_to_string(enum cr_event_status s);

struct cr_event_test {
        const char *test_id;
        bool passed;
        uint64_t execution_time_ms; /* 0: omitted, as the original's omitempty */
        const char *error_message;  /* NULL or "": omitted */
};

/* One finished execution, as the events tell it. Strings may be NULL ("").
 * Fields that are 0/NULL are omitted where the original's JSON said
 * omitempty. */
struct cr_event_execution {
        const char *execution_id;
        const char *challenge_id;
        const char *code_version_id;
        const char *student_id;
        const char *language; /* the runtime: cpp, python, ... */
        enum cr_event_status status;
        uint64_t timestamp_us; /* when it finished (CLOCK_REALTIME) */
        uint64_t execution_time_ms;
        uint64_t memory_peak_bytes; /* memory_usage_mb */
        int exit_code;
        unsigned total_tests;
        unsigned passed_tests;
        bool success;
        const char *error_message;
        const char *error_type;
        bool compiled; /* the runtime compiles: the compilation_* fields */
        bool compilation_success;
        uint64_t compilation_time_ms;
        const char *compilation_error;    /* the compiler's messages when it failed */
        const char *compilation_warnings; /* its messages when it succeeded */
        const struct cr_event_test *tests;
        size_t n_tests;
        const char *server_instance;
};

/* Largest payload either builder writes: test messages are cut to fit. */
#define CR_EVENT_MAX_BYTES (1024u * 1024u)

/* The execution-metrics event (execution.analytics): the original's field
 * names and order. Appends one JSON object to out. */
int cr_event_analytics_json(const struct cr_event_execution *e, struct cr_buf *out, struct cr_error **err);
/* The challenge.completed event: the seed guide's camelCase fields. */
int cr_event_challenge_json(const struct cr_event_execution *e, struct cr_buf *out, struct cr_error **err);

/* ------------------------------------------------------------ sinks */

/* One report per sent event. error is 0 when the event is delivered (the
 * broker acknowledged it with acks=all, or the file line is on disk), else a
 * negative errno; reason is a short text for logs (never a secret). */
typedef void (*cr_event_report_fn)(void *userdata, uint64_t id, int error, const char *reason);

struct cr_event_sink_options {
        const struct cr_kafka_settings *kafka; /* with kafka->broker: the Kafka sink */
        const char *file_dir;                  /* else: the JSON-lines file in this directory */
        uint64_t file_max_bytes;               /* rotate past this size (0 = 64 MiB) */
        unsigned file_keep;                    /* rotated files kept (0 = 4) */
        cr_event_report_fn report;
        void *userdata;
};

int cr_event_sink_new(const struct cr_event_sink_options *o, struct cr_event_sink **ret,
                      struct cr_error **err);
struct cr_event_sink *cr_event_sink_free(struct cr_event_sink *s);
/* "kafka" or "file". */
const char *cr_event_sink_kind(const struct cr_event_sink *s);
/* Queues one event; its report comes from a later poll. id is the caller's
 * (the outbox row). -ENOBUFS: the local queue is full, poll first. */
int cr_event_sink_send(struct cr_event_sink *s, uint64_t id, const char *topic, const char *key,
                       const char *payload, size_t payload_len, struct cr_error **err);
/* Waits at most timeout_ms for reports and calls the report function for
 * each that arrived, in this thread. Returns how many. */
int cr_event_sink_poll(struct cr_event_sink *s, int timeout_ms);
/* Events sent whose report has not been delivered yet. */
size_t cr_event_sink_in_flight(const struct cr_event_sink *s);
/* Why the sink cannot go on (librdkafka's fatal error, e.g. a broker that
 * refuses the idempotent producer): the caller frees it and makes a new
 * one. NULL while it works. Every event it still had is reported failed. */
const char *cr_event_sink_broken(const struct cr_event_sink *s);

static inline void cr_event_sink_freep(struct cr_event_sink **s)
{
        *s = cr_event_sink_free(*s);
}

static inline void cr_kafka_settings_freep(struct cr_kafka_settings **s)
{
        *s = cr_kafka_settings_free(*s);
}
