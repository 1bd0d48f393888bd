/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "config/cr-config.h"
#include "error.h"
#include "events/events.h"
#include "log.h"

/* The daemon's events settings from its configuration. The option table
 * shows the original's defaults; what was left at its default is passed to
 * events/settings.c as unset, so that it derives the value (the security
 * protocol and SASL from KAFKA_CONNECTION_STRING, the producer's defaults). */

static bool is_set(const struct cr_config *cfg, const char *name)
{
        return cr_config_source_of(cfg, name) != CR_CONFIG_SOURCE_DEFAULT;
}

static const char *text_if_set(const struct cr_config *cfg, const char *name, const char *value)
{
        return is_set(cfg, name) ? value : NULL;
}

int cli_kafka_settings(const struct cr_config *cfg, struct cr_kafka_settings **ret, struct cr_error **err)
{
        struct cr_kafka_input in = {
                .bootstrap_servers = cfg->kafka_bootstrap_servers,
                .connection_string = cfg->kafka_connection_string,
                .use_sasl = is_set(cfg, "KAFKA_USE_SASL") ? cfg->kafka_use_sasl : -1,
                .sasl_mechanism = text_if_set(cfg, "KAFKA_SASL_MECHANISM", cfg->kafka_sasl_mechanism),
                .security_protocol = text_if_set(cfg, "KAFKA_SECURITY_PROTOCOL", cfg->kafka_security_protocol),
                .topic = cfg->kafka_topic,
                .compression = cfg->kafka_compression,
                .enable_idempotence = cfg->kafka_enable_idempotence,
                .producer_timeout_ms = (int64_t) cfg->kafka_producer_timeout_ms,
                .max_retries = (int64_t) cfg->kafka_max_retries,
        };

        return cr_kafka_settings_resolve(&in, ret, err);
}

bool cli_events_off(const struct cr_config *cfg)
{
        return strcmp(cfg->events_sink, "none") == 0;
}

void cli_events_describe(const struct cr_kafka_settings *k, const char *events_dir)
{
        if (k->broker)
                log_info("Events: Kafka at %s (%s%s), topics execution.analytics and %s, through the outbox",
                         k->bootstrap_servers, k->security_protocol, k->sasl ? ", SASL PLAIN" : "",
                         k->challenge_topic);
        else
                log_info("Events: no broker configured (KAFKA_BOOTSTRAP_SERVERS); written to %s/events.jsonl "
                         "through the outbox", events_dir);
}

