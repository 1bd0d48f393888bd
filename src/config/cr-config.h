/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon's configuration: one table of options (name, type, bounds,
 * default), read from the environment (the variables of the service it
 * replaces keep their names and defaults: GRPC_PORT, PORT, APP_NAME, KAFKA_*,
 * SERVICE_DISCOVERY_*, ...) over an optional KEY=VALUE file, over the
 * defaults, into an immutable struct that remembers where each value came
 * from. Parsing takes strings so it is unit-tested; the only I/O is reading
 * the file. */

#include <stdbool.h>
#include <stdint.h>

struct cr_error;
struct cr_buf;

/* The default file; CODERUNNER_CONFIG_FILE (environment only) names another. */
#define CR_CONFIG_FILE_DEFAULT SYSCONFDIR "/coderunner/coderunner.conf"

enum cr_config_source {
        CR_CONFIG_SOURCE_DEFAULT,
        CR_CONFIG_SOURCE_FILE,
        CR_CONFIG_SOURCE_ENV,
        _CR_CONFIG_SOURCE_MAX,
        _CR_CONFIG_SOURCE_INVALID = -22,
};

struct cr_config {
        /* the original service's settings (original-interfaces.md §7) */
        char *app_name;
        char *api_version;
        uint64_t grpc_port;
        uint64_t http_port;
        char *kafka_bootstrap_servers;
        char *kafka_connection_string;        /* secret */
        bool kafka_use_sasl;
        char *kafka_topic;
        char *kafka_consumer_group;
        char *kafka_sasl_mechanism;
        char *kafka_security_protocol;
        uint64_t kafka_producer_timeout_ms;
        uint64_t kafka_consumer_timeout_ms;
        uint64_t kafka_max_retries;
        bool service_discovery_enabled;       /* see cr_config_discovery_enabled() */
        char *service_discovery_url;          /* "" = no Eureka */
        char *service_name;
        char *service_public_ip;              /* "" = from the host's interfaces */
        uint64_t eureka_heartbeat_seconds;
        /* ours */
        uint64_t workers;
        uint64_t job_parallelism;            /* 0: computed from workers (cr_config_job_parallelism) */
        uint64_t queue_length;
        uint64_t max_tests;
        uint64_t max_code_bytes;
        uint64_t max_input_bytes;
        uint64_t max_message_bytes;
        uint64_t grace_seconds;
        char *image_store;
        char *data_dir;               /* catalogue and seccomp profiles */
        char *runtime_defaults;       /* default version per runtime: "trixie", "python=3.13 trixie" */
        bool cgroup_delegate;
        char *allow_missing_controllers;
        char *http_address;           /* the HTTP listener's address; "" = every interface */
        char *log_level;
        char *log_format;
        /* the job store: SQLite in state_dir unless db_host is set */
        char *state_dir;
        char *db_host;
        uint64_t db_port;
        char *db_user;
        char *db_password;            /* secret: never printed */
        char *db_name;
        char *db_sslmode;
        char *db_timezone;
        uint64_t retention_days;      /* 0 = keep */
        char *instance_id;            /* "" = hostname:GRPC_PORT */
        uint64_t lease_seconds;
        char *file_name;              /* the file that was read, or NULL */
        enum cr_config_source *sources; /* one per option, in table order */
        /* events (docs/events.md), beyond the original's KAFKA_* above */
        char *kafka_compression;        /* none, gzip, snappy, lz4, zstd */
        bool kafka_enable_idempotence;
        uint64_t events_stuck_seconds;  /* the oldest unsent event older than this: a log line */
        uint64_t events_file_max_bytes; /* the JSON-lines file rotates past this */
        char *events_sink;              /* auto (Kafka or the file), none (no events) */
};

/* getenv-like lookup, so tests can inject an environment. */
typedef const char *(*cr_config_lookup_fn)(const char *name, void *userdata);

/* Defaults, then the file's KEY=VALUE lines (file_text may be NULL), then
 * the environment. An empty value, in the file or the environment, counts as
 * unset (as the old service's getEnv did). Unknown keys in a file are errors;
 * an invalid value is an error of one line naming the key, where the value
 * came from and what is accepted. */
int cr_config_load(const char *file_text, const char *file_name, cr_config_lookup_fn lookup, void *userdata,
                   struct cr_config **ret, struct cr_error **err);
/* The file named by CODERUNNER_CONFIG_FILE (must exist) or the default file
 * (may be missing), then cr_config_load(). */
int cr_config_load_default(cr_config_lookup_fn lookup, void *userdata, struct cr_config **ret,
                           struct cr_error **err);
struct cr_config *cr_config_free(struct cr_config *c);

/* KEY=VALUE lines of the effective configuration, secrets redacted; with
 * show_sources, each line ends in "  # default|environment|<file>". */
int cr_config_dump(const struct cr_config *c, bool show_sources, struct cr_buf *out);
/* Where `name` got its value; _CR_CONFIG_SOURCE_INVALID for an unknown name. */
enum cr_config_source cr_config_source_of(const struct cr_config *c, const char *name);
const char *cr_config_source_to_string(enum cr_config_source s);

/* Eureka registration: SERVICE_DISCOVERY_URL set, unless
 * SERVICE_DISCOVERY_ENABLED says false (the old service derived the flag
 * from the URL; its guide documents the flag). */
bool cr_config_discovery_enabled(const struct cr_config *c);

/* Sandboxes one job's tests may use at once: CODERUNNER_JOB_PARALLELISM,
 * or when it is 0, half the workers and at least 2, but no more than `cpus`
 * (a job's own tests then never share a CPU, so they cannot push one
 * another's wall clock towards its limit); never more than the workers. */
unsigned cr_config_job_parallelism(const struct cr_config *c, unsigned cpus);
