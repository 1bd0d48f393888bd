/* SPDX-License-Identifier: MIT */
/* events/: the KAFKA_* rules (Event Hub mapping, errors naming the variable,
 * redaction), the payloads, the JSON-lines file sink, and librdkafka's
 * acceptance of every property the rules produce. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "events/events.h"
#include "tests.h"

#define CONN                                                                                        \
        "Endpoint=sb://myns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;" \
        "SharedAccessKey=s3cr3t-k3y=;EntityPath=challenge.completed"

static struct cr_kafka_input unset(void)
{
        return (struct cr_kafka_input){
                .use_sasl = -1,
                .enable_idempotence = -1,
                .producer_timeout_ms = -1,
                .max_retries = -1,
        };
}

static const char *prop(const struct cr_kafka_settings *s, const char *name)
{
        for (size_t i = 0; i < s->n_props; i++)
                if (strcmp(s->props[i].name, name) == 0)
                        return s->props[i].value;
        return NULL;
}

/* Resolves and expects an error whose message starts with `variable:`. */
static int expect_error(const struct cr_kafka_input *in, const char *variable, char *msg, size_t size)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_kafka_settings *s = NULL;
        int r = cr_kafka_settings_resolve(in, &s, &err);

        cr_kafka_settings_free(s);
        if (r >= 0 || !err)
                return -1;
        snprintf(msg, size, "%s", err->msg);
        if (strncmp(err->msg, variable, strlen(variable)) != 0 || err->msg[strlen(variable)] != ':' ||
            strchr(err->msg, '\n') || err->kind != CR_ERROR_INVALID)
                return -2;
        return 0;
}

#define ASSERT_SETTING_ERROR(in, variable)                                                                  \
        do {                                                                                                \
                char _m[512] = "";                                                                          \
                int _r = expect_error(&(in), (variable), _m, sizeof(_m));                                   \
                if (_r < 0) {                                                                               \
                        tests_fail(__FILE__, __LINE__, "expected an error naming %s, got '%s'", (variable), \
                                   _m);                                                                     \
                        return;                                                                             \
                }                                                                                           \
                ASSERT_TRUE(!strstr(_m, "s3cr3t"));                                                         \
        } while (0)

TEST(no_broker_means_file_sink)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
        struct cr_kafka_input in = unset();

        ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
        ASSERT_FALSE(s->broker);
        ASSERT_EQ(s->n_props, 0);
        ASSERT_STREQ(s->challenge_topic, "challenge.completed");
}

TEST(plain_broker_list_and_producer_defaults)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
        struct cr_kafka_input in = unset();

        in.bootstrap_servers = " kafka-1:9092, 10.0.0.2:9093 ,[::1]:9094";
        ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
        ASSERT_TRUE(s->broker);
        ASSERT_STREQ(prop(s, "bootstrap.servers"), "kafka-1:9092,10.0.0.2:9093,[::1]:9094");
        ASSERT_STREQ(prop(s, "acks"), "all");
        ASSERT_STREQ(prop(s, "enable.idempotence"), "true");
        ASSERT_STREQ(prop(s, "compression.codec"), "none");
        ASSERT_STREQ(prop(s, "message.timeout.ms"), "30000");
        ASSERT_STREQ(prop(s, "message.send.max.retries"), "3");
        ASSERT_STREQ(prop(s, "security.protocol"), "PLAINTEXT");
        ASSERT_TRUE(prop(s, "sasl.password") == NULL);
        ASSERT_TRUE(prop(s, "sasl.username") == NULL);
}

TEST(event_hub_connection_string_maps_to_sasl_plain)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
        struct cr_kafka_input in = unset();

        in.bootstrap_servers = "myns.servicebus.windows.net:9093";
        in.connection_string = CONN;
        ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
        ASSERT_TRUE(s->sasl);
        ASSERT_STREQ(prop(s, "security.protocol"), "SASL_SSL");
        ASSERT_STREQ(prop(s, "sasl.mechanisms"), "PLAIN");
        ASSERT_STREQ(prop(s, "sasl.username"), "$ConnectionString");
        ASSERT_STREQ(prop(s, "sasl.password"), CONN);
}

TEST(event_hub_bootstrap_from_endpoint)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
        struct cr_kafka_input in = unset();

        in.connection_string = CONN;
        ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
        ASSERT_TRUE(s->broker);
        ASSERT_STREQ(s->bootstrap_servers, "myns.servicebus.windows.net:9093");
}

TEST(use_sasl_false_keeps_plaintext_like_the_original)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
        struct cr_kafka_input in = unset();

        in.bootstrap_servers = "localhost:9092";
        in.connection_string = CONN;
        in.use_sasl = 0;
        ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
        ASSERT_FALSE(s->sasl);
        ASSERT_STREQ(prop(s, "security.protocol"), "PLAINTEXT");
        ASSERT_TRUE(prop(s, "sasl.password") == NULL);
}

TEST(describe_redacts_the_secret)
{
        _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(1 << 16);
        struct cr_kafka_input in = unset();

        in.connection_string = CONN;
        ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
        ASSERT_OK(cr_kafka_settings_describe(s, &out));
        ASSERT_TRUE(strstr(out.data, "sasl.password=<redacted>\n") != NULL);
        ASSERT_TRUE(strstr(out.data, "sasl.username=$ConnectionString\n") != NULL);
        ASSERT_TRUE(strstr(out.data, "s3cr3t") == NULL);
        ASSERT_TRUE(strstr(out.data, "SharedAccessKey") == NULL);
}

TEST(bad_settings_name_their_variable)
{
        struct cr_kafka_input in = unset();

        in.bootstrap_servers = "kafka";
        ASSERT_SETTING_ERROR(in, "KAFKA_BOOTSTRAP_SERVERS");
        in.bootstrap_servers = "kafka:99999";
        ASSERT_SETTING_ERROR(in, "KAFKA_BOOTSTRAP_SERVERS");
        in.bootstrap_servers = "a:1,,b:2";
        ASSERT_SETTING_ERROR(in, "KAFKA_BOOTSTRAP_SERVERS");
        in.bootstrap_servers = "a b:1";
        ASSERT_SETTING_ERROR(in, "KAFKA_BOOTSTRAP_SERVERS");

        in = unset();
        in.use_sasl = 1;
        ASSERT_SETTING_ERROR(in, "KAFKA_USE_SASL");

        in = unset();
        in.connection_string = "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey=s3cr3t";
        ASSERT_SETTING_ERROR(in, "KAFKA_CONNECTION_STRING");

        in = unset();
        in.connection_string = "SharedAccessKeyName=n;SharedAccessKey=s3cr3t";
        ASSERT_SETTING_ERROR(in, "KAFKA_BOOTSTRAP_SERVERS"); /* nothing to connect to */

        in = unset();
        in.connection_string = CONN;
        in.security_protocol = "PLAINTEXT";
        ASSERT_SETTING_ERROR(in, "KAFKA_SECURITY_PROTOCOL");
        in.security_protocol = "TLS";
        ASSERT_SETTING_ERROR(in, "KAFKA_SECURITY_PROTOCOL");
        in.security_protocol = NULL;
        in.sasl_mechanism = "SCRAM-SHA-256";
        ASSERT_SETTING_ERROR(in, "KAFKA_SASL_MECHANISM");

        in = unset();
        in.bootstrap_servers = "k:9092";
        in.security_protocol = "SASL_SSL";
        ASSERT_SETTING_ERROR(in, "KAFKA_SECURITY_PROTOCOL");

        in = unset();
        in.bootstrap_servers = "k:9092";
        in.compression = "brotli";
        ASSERT_SETTING_ERROR(in, "KAFKA_COMPRESSION");
        in.compression = NULL;
        in.producer_timeout_ms = 5;
        ASSERT_SETTING_ERROR(in, "KAFKA_PRODUCER_TIMEOUT_MS");
        in.producer_timeout_ms = -1;
        in.max_retries = 0;
        ASSERT_SETTING_ERROR(in, "KAFKA_MAX_RETRIES");
        in.max_retries = -1;
        in.topic = "bad topic";
        ASSERT_SETTING_ERROR(in, "KAFKA_TOPIC");
}

TEST(no_idempotence_allows_zero_retries_and_codecs)
{
        static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
        struct cr_kafka_input in = unset();

        in.bootstrap_servers = "k:9092";
        in.enable_idempotence = 0;
        in.max_retries = 0;
        for (size_t i = 0; i < ARRAY_SIZE(codecs); i++) {
                _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;

                in.compression = codecs[i];
                ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
                ASSERT_STREQ(prop(s, "enable.idempotence"), "false");
                ASSERT_STREQ(prop(s, "message.send.max.retries"), "0");
                ASSERT_STREQ(prop(s, "compression.codec"), codecs[i]);
        }
}

static void ignore_report(void *userdata, uint64_t id, int error, const char *reason)
{
        (void)userdata, (void)id, (void)error, (void)reason;
}

/* librdkafka itself accepts everything the rules produce (it is not
 * connected: creating a producer opens no connection). */
TEST(librdkafka_accepts_every_mapping)
{
        static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
        struct cr_kafka_input in = unset();

        for (size_t i = 0; i < 2 * ARRAY_SIZE(codecs); i++) {
                _cleanup_(cr_kafka_settings_freep) struct cr_kafka_settings *s = NULL;
                _cleanup_(cr_event_sink_freep) struct cr_event_sink *sink = NULL;
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_event_sink_options o = {.report = ignore_report};

                in = unset();
                in.compression = codecs[i % ARRAY_SIZE(codecs)];
                in.enable_idempotence = (int)(i & 1);
                if (i >= ARRAY_SIZE(codecs))
                        in.connection_string = CONN;
                else
                        in.bootstrap_servers = "127.0.0.1:1";
                ASSERT_OK(cr_kafka_settings_resolve(&in, &s, NULL));
                o.kafka = s;
                if (cr_event_sink_new(&o, &sink, &err) < 0)
                        tests_fail(__FILE__, __LINE__, "%s", err->msg);
                ASSERT_TRUE(sink != NULL);
                ASSERT_STREQ(cr_event_sink_kind(sink), "kafka");
        }
}

/* ------------------------------------------------------------ payloads */

static const struct cr_event_test two_tests[] = {
        {.test_id = "11111111-1111-4111-8111-111111111111", .passed = true, .execution_time_ms = 12},
        {.test_id = "22222222-2222-4222-8222-222222222222",
         .passed = false,
         .error_message = "expected 2\ngot 3"},
};

static struct cr_event_execution sample(void)
{
        return (struct cr_event_execution){
                .execution_id = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                .challenge_id = "cccccccc-cccc-4ccc-8ccc-cccccccccccc",
                .code_version_id = "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
                .student_id = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee",
                .language = "cpp",
                .status = CR_EVENT_COMPLETED,
                .timestamp_us = 1763316000123456ULL,
                .execution_time_ms = 2140,
                .memory_peak_bytes = 3 * 1024 * 1024 + 512 * 1024,
                .exit_code = 1,
                .total_tests = 2,
                .passed_tests = 1,
                .success = false,
                .error_type = "test_failure",
                .compiled = true,
                .compilation_success = true,
                .compilation_time_ms = 350,
                .tests = two_tests,
                .n_tests = 2,
                .server_instance = "host-1",
        };
}

TEST(analytics_event_fields_and_order)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_event_execution e = sample();

        ASSERT_OK(cr_event_analytics_json(&e, &b, NULL));
        ASSERT_STREQ(
                b.data,
                "{\"execution_id\":\"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\","
                "\"challenge_id\":\"cccccccc-cccc-4ccc-8ccc-cccccccccccc\","
                "\"code_version_id\":\"dddddddd-dddd-4ddd-8ddd-dddddddddddd\","
                "\"student_id\":\"eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee\","
                "\"language\":\"cpp\",\"status\":\"completed\",\"timestamp\":\"2025-11-16T18:00:00."
                "123456Z\","
                "\"execution_time_ms\":2140,\"memory_usage_mb\":3.5,\"exit_code\":1,"
                "\"total_tests\":2,\"passed_tests\":1,\"failed_tests\":1,\"success\":false,"
                "\"error_type\":\"test_failure\",\"compilation_success\":true,\"compilation_time_ms\":350,"
                "\"test_results\":["
                "{\"test_id\":\"11111111-1111-4111-8111-111111111111\","
                "\"test_name\":\"11111111-1111-4111-8111-111111111111\",\"passed\":true,\"execution_time_"
                "ms\":12},"
                "{\"test_id\":\"22222222-2222-4222-8222-222222222222\","
                "\"test_name\":\"22222222-2222-4222-8222-222222222222\",\"passed\":false,"
                "\"error_message\":\"expected 2\\ngot 3\"}],"
                "\"server_instance\":\"host-1\"}");
}

TEST(analytics_event_omits_empty_fields)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_event_execution e = sample();

        e.memory_peak_bytes = 0;
        e.exit_code = 0;
        e.compiled = false;
        e.error_type = "";
        e.n_tests = 0;
        e.server_instance = NULL;
        e.status = CR_EVENT_TIMEOUT;
        ASSERT_OK(cr_event_analytics_json(&e, &b, NULL));
        ASSERT_TRUE(strstr(b.data, "\"status\":\"timeout\"") != NULL);
        ASSERT_TRUE(strstr(b.data, "memory_usage_mb") == NULL);
        ASSERT_TRUE(strstr(b.data, "exit_code") == NULL);
        ASSERT_TRUE(strstr(b.data, "compilation") == NULL);
        ASSERT_TRUE(strstr(b.data, "error_type") == NULL);
        ASSERT_TRUE(strstr(b.data, "test_results") == NULL);
        ASSERT_TRUE(strstr(b.data, "server_instance") == NULL);
}

TEST(failed_compilation_is_told)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_event_execution e = sample();

        e.compilation_success = false;
        e.compilation_error = "main.cpp:1: error: 'x' was not declared";
        ASSERT_OK(cr_event_analytics_json(&e, &b, NULL));
        ASSERT_TRUE(strstr(b.data,
                           "\"compilation_success\":false,\"compilation_time_ms\":350,"
                           "\"compilation_error\":\"main.cpp:1: error: 'x' was not declared\"") != NULL);
}

TEST(consumer_status_vocabulary)
{
        ASSERT_STREQ(cr_event_status_to_string(CR_EVENT_COMPLETED), "completed");
        ASSERT_STREQ(cr_event_status_to_string(CR_EVENT_FAILED), "failed");
        ASSERT_STREQ(cr_event_status_to_string(CR_EVENT_TIMEOUT), "timeout");
        ASSERT_STREQ(cr_event_status_to_string(CR_EVENT_ERROR), "error");
        ASSERT_TRUE(cr_event_status_to_string(_CR_EVENT_STATUS_MAX) == NULL);
}

TEST(challenge_event)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        struct cr_event_execution e = sample();

        ASSERT_OK(cr_event_challenge_json(&e, &b, NULL));
        ASSERT_STREQ(b.data,
                     "{\"challengeId\":\"cccccccc-cccc-4ccc-8ccc-cccccccccccc\","
                     "\"userId\":\"eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee\","
                     "\"executionId\":\"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\",\"status\":\"completed\","
                     "\"score\":50,\"totalTests\":2,\"passedTests\":1,\"executionTimeMs\":2140,"
                     "\"timestamp\":\"2025-11-16T18:00:00.123456Z\"}");
}

/* A thousand tests with huge messages still make one bounded, whole event. */
TEST(event_is_bounded)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(64u << 20);
        _cleanup_free_ struct cr_event_test *tests = calloc(1000, sizeof(*tests));
        _cleanup_free_ char *big = malloc(1 << 20);
        struct cr_event_execution e = sample();

        ASSERT_TRUE(tests && big);
        memset(big, 'x', (1 << 20) - 1);
        big[(1 << 20) - 1] = 0;
        for (size_t i = 0; i < 1000; i++)
                tests[i] = (struct cr_event_test){.test_id = "t", .error_message = big};
        e.tests = tests;
        e.n_tests = 1000;
        e.total_tests = 1000;
        e.error_message = big;
        e.compilation_warnings = big;
        ASSERT_OK(cr_event_analytics_json(&e, &b, NULL));
        ASSERT_TRUE(b.len <= CR_EVENT_MAX_BYTES);
        ASSERT_TRUE(b.data[b.len - 1] == '}');
        ASSERT_TRUE(strstr(b.data, "\"server_instance\":\"host-1\"}") != NULL);
}

/* ------------------------------------------------------------ file sink */

struct reports {
        uint64_t ids[64];
        int errors[64];
        size_t n;
};

static void record(void *userdata, uint64_t id, int error, const char *reason)
{
        struct reports *r = userdata;

        (void)reason;
        if (r->n < 64) {
                r->ids[r->n] = id;
                r->errors[r->n++] = error;
        }
}

static char *make_tmpdir(void)
{
        char *d = strdup("/tmp/test-events-XXXXXX");

        return d && mkdtemp(d) ? d : NULL;
}

static void rm_tree(char **dir)
{
        char cmd[512];

        if (!*dir)
                return;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", *dir);
        if (system(cmd) != 0)
                fprintf(stderr, "# could not remove %s\n", *dir);
        free(*dir);
}

static size_t count_lines(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        size_t n = 0;
        int c;

        while (f && (c = fgetc(f)) != EOF)
                n += c == '\n';
        return n;
}

TEST(file_sink_writes_lines_then_reports)
{
        _cleanup_(rm_tree) char *dir = make_tmpdir();
        _cleanup_(cr_event_sink_freep) struct cr_event_sink *s = NULL;
        struct reports rep = {.n = 0};
        struct cr_event_sink_options o = {.file_dir = dir, .report = record, .userdata = &rep};
        char path[512], line[512];
        _cleanup_fclose_ FILE *f = NULL;

        ASSERT_TRUE(dir != NULL);
        ASSERT_OK(cr_event_sink_new(&o, &s, NULL));
        ASSERT_STREQ(cr_event_sink_kind(s), "file");
        ASSERT_OK(cr_event_sink_send(s, 7, "execution.analytics", "k1", "{\"a\":1}", 7, NULL));
        ASSERT_OK(cr_event_sink_send(s, 8, "challenge.completed", "k1", "{\"b\":\"\\u00e9\"}", 14, NULL));
        ASSERT_EQ(cr_event_sink_in_flight(s), 2);
        ASSERT_EQ(rep.n, 0); /* nothing is reported before it is on disk */
        ASSERT_EQ(cr_event_sink_poll(s, 0), 2);
        ASSERT_EQ(rep.n, 2);
        ASSERT_UEQ(rep.ids[0], 7);
        ASSERT_UEQ(rep.ids[1], 8);
        ASSERT_EQ(rep.errors[0], 0);
        ASSERT_EQ(cr_event_sink_in_flight(s), 0);
        snprintf(path, sizeof(path), "%s/events.jsonl", dir);
        f = fopen(path, "re");
        ASSERT_TRUE(f && fgets(line, sizeof(line), f));
        ASSERT_STREQ(line, "{\"topic\":\"execution.analytics\",\"key\":\"k1\",\"value\":{\"a\":1}}\n");
        ASSERT_TRUE(fgets(line, sizeof(line), f));
        ASSERT_STREQ(line,
                     "{\"topic\":\"challenge.completed\",\"key\":\"k1\",\"value\":{\"b\":\"\\u00e9\"}}\n");
}

TEST(file_sink_rotates_by_size)
{
        _cleanup_(rm_tree) char *dir = make_tmpdir();
        _cleanup_(cr_event_sink_freep) struct cr_event_sink *s = NULL;
        struct reports rep = {.n = 0};
        struct cr_event_sink_options o = {
                .file_dir = dir,
                .file_max_bytes = 200,
                .file_keep = 2,
                .report = record,
                .userdata = &rep,
        };
        char path[512];
        size_t total = 0;

        ASSERT_TRUE(dir != NULL);
        ASSERT_OK(cr_event_sink_new(&o, &s, NULL));
        /* each line is 69 bytes: a new file every 2 lines */
        for (uint64_t i = 0; i < 12; i++) {
                ASSERT_OK(cr_event_sink_send(s, i, "execution.analytics", "key", "{\"n\":1234567890}", 16,
                                             NULL));
                ASSERT_EQ(cr_event_sink_poll(s, 0), 1);
        }
        ASSERT_EQ(rep.n, 12);
        for (size_t i = 0; i < rep.n; i++)
                ASSERT_EQ(rep.errors[i], 0);
        snprintf(path, sizeof(path), "%s/events.jsonl", dir);
        total += count_lines(path);
        ASSERT_EQ(total, 2);
        snprintf(path, sizeof(path), "%s/events.jsonl.1", dir);
        ASSERT_EQ(count_lines(path), 2);
        snprintf(path, sizeof(path), "%s/events.jsonl.2", dir);
        ASSERT_EQ(count_lines(path), 2);
        snprintf(path, sizeof(path), "%s/events.jsonl.3", dir);
        ASSERT_TRUE(access(path, F_OK) < 0); /* only `keep` rotated files */
}

TEST(file_sink_reports_write_failure)
{
        _cleanup_(rm_tree) char *dir = make_tmpdir();
        _cleanup_(cr_event_sink_freep) struct cr_event_sink *s = NULL;
        struct reports rep = {.n = 0};
        struct cr_event_sink_options o = {
                .file_dir = dir,
                .file_max_bytes = 10,
                .file_keep = 1,
                .report = record,
                .userdata = &rep,
        };
        char path[512];

        ASSERT_TRUE(dir != NULL);
        ASSERT_OK(cr_event_sink_new(&o, &s, NULL));
        ASSERT_OK(cr_event_sink_send(s, 1, "t", "k", "{}", 2, NULL));
        ASSERT_EQ(cr_event_sink_poll(s, 0), 1);
        ASSERT_EQ(rep.errors[0], 0);
        /* the next batch must rotate, and the rotation target is a directory */
        snprintf(path, sizeof(path), "%s/events.jsonl.1", dir);
        ASSERT_OK(mkdir(path, 0700));
        snprintf(path, sizeof(path), "%s/events.jsonl.1/x", dir);
        ASSERT_OK(mkdir(path, 0700));
        ASSERT_OK(cr_event_sink_send(s, 2, "t", "k", "{}", 2, NULL));
        ASSERT_EQ(cr_event_sink_poll(s, 0), 1);
        ASSERT_EQ(rep.n, 2);
        ASSERT_UEQ(rep.ids[1], 2);
        ASSERT_TRUE(rep.errors[1] < 0);
}

TESTS_MAIN
