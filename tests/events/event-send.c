/* SPDX-License-Identifier: MIT */
/* Sends COUNT executions' events (execution.analytics and the challenge
 * topic) through events/'s sink, configured from the KAFKA_* environment
 * (or CODERUNNER_EVENTS_DIR for the file sink when no broker is set), and
 * sends again what failed until everything is delivered or the deadline
 * passes: the sink's contract seen from outside.
 *
 *   event-send COUNT [DEADLINE_SECONDS]
 *
 * Prints "failed ID REASON" per failed report and, at the end,
 * "delivered N attempts M". Exit 0 when all were delivered. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "events/events.h"

struct msg {
        char key[48];
        char *payload;
        size_t len;
        const char *topic;
        int state; /* 0 to send, 1 in flight, 2 delivered */
};

static struct msg *msgs;
static size_t n_delivered, n_attempts;

static void on_report(void *userdata, uint64_t id, int error, const char *reason)
{
        (void)userdata;
        if (error == 0) {
                msgs[id].state = 2;
                n_delivered++;
                return;
        }
        msgs[id].state = 0;
        printf("failed %llu %s\n", (unsigned long long)id, reason ? reason : "");
}

static int64_t env_int(const char *name)
{
        const char *v = getenv(name);
        return v && v[0] ? strtoll(v, NULL, 10) : -1;
}

static int env_bool(const char *name)
{
        const char *v = getenv(name);
        return v && v[0] ? strcmp(v, "true") == 0 || strcmp(v, "1") == 0 : -1;
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_events(const struct cr_kafka_settings *ks, size_t count)
{
        for (size_t i = 0; i < count; i++) {
                struct cr_buf a = CR_BUF_INIT(CR_EVENT_MAX_BYTES), c = CR_BUF_INIT(CR_EVENT_MAX_BYTES);
                struct cr_event_test t = {.test_id = "11111111-1111-4111-8111-111111111111", .passed = true};
                struct cr_event_execution e = {
                        .challenge_id = "cccccccc-cccc-4ccc-8ccc-cccccccccccc",
                        .code_version_id = "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
                        .student_id = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee",
                        .language = "python",
                        .status = CR_EVENT_COMPLETED,
                        .timestamp_us = 1763316000000000ULL,
                        .execution_time_ms = 10 + i,
                        .total_tests = 1,
                        .passed_tests = 1,
                        .success = true,
                        .tests = &t,
                        .n_tests = 1,
                        .server_instance = "event-send",
                };
                char key[48];

                snprintf(key, sizeof(key), "00000000-0000-4000-8000-%012zu", i % 1000000000000u);
                e.execution_id = key;
                if (cr_event_analytics_json(&e, &a, NULL) < 0 || cr_event_challenge_json(&e, &c, NULL) < 0)
                        abort();
                msgs[2 * i] =
                        (struct msg){.payload = a.data, .len = a.len, .topic = CR_EVENTS_ANALYTICS_TOPIC};
                msgs[2 * i + 1] =
                        (struct msg){.payload = c.data, .len = c.len, .topic = ks->challenge_topic};
                memcpy(msgs[2 * i].key, key, sizeof(key));
                memcpy(msgs[2 * i + 1].key, key, sizeof(key));
        }
}

static int send_pending(struct cr_event_sink *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct cr_error *err = NULL;
                /* in order per key: the challenge event waits for its analytics event */
                if (msgs[i].state != 0 || (i % 2 == 1 && msgs[i - 1].state != 2))
                        continue;
                if (cr_event_sink_send(s, i, msgs[i].topic, msgs[i].key, msgs[i].payload, msgs[i].len,
                                       &err) < 0) {
                        int full = err->errnum == ENOBUFS;
                        if (!full)
                                fprintf(stderr, "event-send: %s\n", err->msg);
                        cr_error_free(err);
                        return full ? 0 : -1;
                }
                msgs[i].state = 1;
                n_attempts++;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct cr_kafka_input in = {
                .bootstrap_servers = getenv("KAFKA_BOOTSTRAP_SERVERS"),
                .connection_string = getenv("KAFKA_CONNECTION_STRING"),
                .use_sasl = env_bool("KAFKA_USE_SASL"),
                .topic = getenv("KAFKA_TOPIC"),
                .compression = getenv("KAFKA_COMPRESSION"),
                .enable_idempotence = env_bool("KAFKA_ENABLE_IDEMPOTENCE"),
                .producer_timeout_ms = env_int("KAFKA_PRODUCER_TIMEOUT_MS"),
                .max_retries = env_int("KAFKA_MAX_RETRIES"),
        };
        struct cr_kafka_settings *ks = NULL;
        struct cr_event_sink *s = NULL;
        struct cr_error *err = NULL;
        size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 10;
        double deadline = now() + (argc > 2 ? strtod(argv[2], NULL) : 60);
        struct cr_event_sink_options o = {.file_dir = getenv("CODERUNNER_EVENTS_DIR"), .report = on_report};

        if (cr_kafka_settings_resolve(&in, &ks, &err) < 0 ||
            (o.kafka = ks, cr_event_sink_new(&o, &s, &err)) < 0) {
                fprintf(stderr, "event-send: %s\n", err->msg);
                return 2;
        }
        msgs = calloc(2 * count, sizeof(*msgs));
        make_events(ks, count);
        while (n_delivered < 2 * count && now() < deadline) {
                if (send_pending(s, 2 * count) < 0)
                        break;
                cr_event_sink_poll(s, 100);
        }
        printf("delivered %zu attempts %zu\n", n_delivered, n_attempts);
        cr_event_sink_free(s);
        cr_kafka_settings_free(ks);
        return n_delivered == 2 * count ? 0 : 1;
}
