/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "config/cr-config.h"
#include "error.h"
#include "tests.h"

/* An injected environment: NULL-terminated NAME, VALUE pairs. */
static const char *fake_env(const char *name, void *userdata)
{
        const char *const *kv = userdata;

        for (size_t i = 0; kv && kv[i]; i += 2)
                if (strcmp(kv[i], name) == 0)
                        return kv[i + 1];
        return NULL;
}

static char *dump(const struct cr_config *c, bool sources)
{
        struct cr_buf b = CR_BUF_INIT(1 << 20);

        if (cr_config_dump(c, sources, &b) < 0 || cr_buf_append(&b, "", 1) < 0) {
                cr_buf_done(&b);
                return NULL;
        }
        return b.data;
}

TEST(defaults_are_the_old_services)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_config *c = NULL;

        ASSERT_OK(cr_config_load(NULL, NULL, fake_env, NULL, &c, &err));
        ASSERT_STREQ(c->app_name, "microservice-code-runner");
        ASSERT_STREQ(c->api_version, "v1");
        ASSERT_UEQ(c->grpc_port, 9084);
        ASSERT_UEQ(c->http_port, 8084);
        /* two deliberate differences (docs/events.md): no broker unless one is
         * named (the events go to the JSON-lines file), and KAFKA_TOPIC names the
         * challenge.completed event's topic (the original hard-codes
         * execution.analytics, which the analytics event still uses) */
        ASSERT_STREQ(c->kafka_bootstrap_servers, "");
        ASSERT_STREQ(c->kafka_topic, "challenge.completed");
        ASSERT_STREQ(c->kafka_security_protocol, "SASL_SSL");
        ASSERT_UEQ(c->kafka_producer_timeout_ms, 30000);
        ASSERT_UEQ(c->kafka_max_retries, 3);
        ASSERT_STREQ(c->service_name, "CODE-RUNNER-SERVICE");
        ASSERT_STREQ(c->service_discovery_url, "");
        ASSERT_FALSE(cr_config_discovery_enabled(c));
        ASSERT_TRUE(c->workers >= 1);
        ASSERT_EQ(cr_config_source_of(c, "PORT"), CR_CONFIG_SOURCE_DEFAULT);
        ASSERT_TRUE(c->file_name == NULL);
        cr_config_free(c);
}

TEST(environment_over_file_over_defaults)
{
        static const char file[] = "# comment\n\nPORT = 8090\nGRPC_PORT=\"9090\"\nAPP_NAME='from file'\n"
                                   "CODERUNNER_WORKERS=3\n";
        const char *env[] = { "GRPC_PORT", "9999", "CODERUNNER_WORKERS", "", NULL };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_config *c = NULL;

        ASSERT_OK(cr_config_load(file, "/etc/coderunner/coderunner.conf", fake_env, env, &c, &err));
        ASSERT_UEQ(c->http_port, 8090);
        ASSERT_EQ(cr_config_source_of(c, "PORT"), CR_CONFIG_SOURCE_FILE);
        ASSERT_UEQ(c->grpc_port, 9999);
        ASSERT_EQ(cr_config_source_of(c, "GRPC_PORT"), CR_CONFIG_SOURCE_ENV);
        ASSERT_STREQ(c->app_name, "from file");
        /* an empty variable is unset: the file's value stays */
        ASSERT_UEQ(c->workers, 3);
        ASSERT_EQ(cr_config_source_of(c, "CODERUNNER_WORKERS"), CR_CONFIG_SOURCE_FILE);
        ASSERT_EQ(cr_config_source_of(c, "API_VERSION"), CR_CONFIG_SOURCE_DEFAULT);
        ASSERT_EQ(cr_config_source_of(c, "NO_SUCH_KEY"), _CR_CONFIG_SOURCE_INVALID);
        cr_config_free(c);
}

TEST(dump_names_sources)
{
        const char *env[] = { "PORT", "8085", NULL };
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *text = NULL;
        struct cr_config *c = NULL;

        ASSERT_OK(cr_config_load("GRPC_PORT=9000\n", "/x.conf", fake_env, env, &c, &err));
        text = dump(c, true);
        ASSERT_TRUE(text != NULL);
        ASSERT_TRUE(strstr(text, "PORT=8085  # environment\n") != NULL);
        ASSERT_TRUE(strstr(text, "GRPC_PORT=9000  # /x.conf\n") != NULL);
        ASSERT_TRUE(strstr(text, "API_VERSION=v1  # default\n") != NULL);
        cr_config_free(c);
}

TEST(secrets_are_redacted)
{
        const char *env[] = { "KAFKA_CONNECTION_STRING", "Endpoint=sb://x/;SharedAccessKey=hunter2",
                              "SERVICE_DISCOVERY_URL", "http://admin:hunter3@eureka:8761/eureka", NULL };
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *text = NULL;
        struct cr_config *c = NULL;

        ASSERT_OK(cr_config_load(NULL, NULL, fake_env, env, &c, &err));
        ASSERT_STREQ(c->kafka_connection_string, "Endpoint=sb://x/;SharedAccessKey=hunter2");
        text = dump(c, true);
        ASSERT_TRUE(text != NULL);
        ASSERT_TRUE(strstr(text, "hunter2") == NULL);
        ASSERT_TRUE(strstr(text, "hunter3") == NULL);
        ASSERT_TRUE(strstr(text, "KAFKA_CONNECTION_STRING=<redacted>  # environment\n") != NULL);
        ASSERT_TRUE(strstr(text, "SERVICE_DISCOVERY_URL=http://<redacted>@eureka:8761/eureka") != NULL);
        cr_config_free(c);
}

TEST(invalid_values_are_quoted_back)
{
        static const char file[] = "KAFKA_SECURITY_PROTOCOL=hunter4\n";
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_config *c = NULL;

        /* not a secret: the value is quoted back */
        ASSERT_ERRNO(cr_config_load(file, "f", fake_env, NULL, &c, &err), EINVAL);
        ASSERT_TRUE(strstr(err->msg, "'hunter4'") != NULL);
}

struct bad_case {
        const char *key, *value, *expect;
};

/* Every kind of invalid value: one line naming the key, the origin and what
 * is accepted. */
static const struct bad_case bad_cases[] = {
        { "PORT", "0", "an integer from 1 to 65535" },
        { "PORT", "65536", "an integer from 1 to 65535" },
        { "GRPC_PORT", "90x", "an integer from 1 to 65535" },
        { "GRPC_PORT", "-1", "an integer from 1 to 65535" },
        { "CODERUNNER_WORKERS", "0", "an integer from 1 to 1024" },
        { "CODERUNNER_QUEUE_LENGTH", "100001", "an integer from 0 to 100000" },
        { "CODERUNNER_MAX_TESTS", "1001", "an integer from 1 to 1000" },
        { "CODERUNNER_MAX_CODE_BYTES", "17M", "a size from 1 to 16777216 bytes" },
        { "CODERUNNER_MAX_INPUT_BYTES", "lots", "a size from 1 to 67108864 bytes" },
        { "CODERUNNER_MAX_MESSAGE_BYTES", "1k", "a size from 4096 to 67108864 bytes" },
        { "CODERUNNER_GRACE_SECONDS", "3601", "an integer from 0 to 3600" },
        { "CODERUNNER_CGROUP_DELEGATE", "maybe", "true or false" },
        { "KAFKA_USE_SASL", "2", "true or false" },
        { "SERVICE_DISCOVERY_ENABLED", "enabled", "true or false" },
        { "KAFKA_PRODUCER_TIMEOUT_MS", "0", "an integer from 1 to 3600000" },
        { "KAFKA_CONSUMER_TIMEOUT_MS", "3600001", "an integer from 1 to 3600000" },
        { "KAFKA_MAX_RETRIES", "1001", "an integer from 0 to 1000" },
        { "KAFKA_SASL_MECHANISM", "plain", "one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512" },
        { "KAFKA_SECURITY_PROTOCOL", "TLS", "one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL" },
        { "LOG_LEVEL", "verbose", "one of error, warning, notice, info, debug" },
        { "LOG_FORMAT", "xml", "one of text, json" },
        { "SERVICE_PUBLIC_IP", "20.30.40", "an IPv4 or IPv6 address" },
        { "CODERUNNER_HTTP_ADDRESS", "localhost", "an IPv4 or IPv6 address" },
        { "SERVICE_DISCOVERY_URL", "eureka:8761/eureka", "an http:// or https:// URL" },
        { "SERVICE_DISCOVERY_URL", "http:///eureka", "an http:// or https:// URL" },
};

TEST(every_invalid_value_is_one_line_naming_key_and_range)
{
        for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
                const char *env[] = { bad_cases[i].key, bad_cases[i].value, NULL };
                _cleanup_error_ struct cr_error *err = NULL;
                _cleanup_free_ char *expect = NULL;
                struct cr_config *c = NULL;

                ASSERT_ERRNO(cr_config_load(NULL, NULL, fake_env, env, &c, &err), EINVAL);
                ASSERT_TRUE(c == NULL);
                ASSERT_TRUE(asprintf(&expect, "environment: invalid value '%s' for %s: expected %s",
                                     bad_cases[i].value, bad_cases[i].key, bad_cases[i].expect) > 0);
                if (strncmp(err->msg, expect, strlen(expect)) != 0)
                        tests_fail(__FILE__, __LINE__, "'%s' does not start with '%s'", err->msg, expect);
                ASSERT_TRUE(strchr(err->msg, '\n') == NULL);
        }
}

TEST(file_errors_name_file_and_line)
{
        _cleanup_error_ struct cr_error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        struct cr_config *c = NULL;

        ASSERT_ERRNO(cr_config_load("PORT=1\n\nPORT=70000\n", "/etc/c.conf", fake_env, NULL, &c, &e1), EINVAL);
        ASSERT_STREQ(e1->msg, "/etc/c.conf:3: invalid value '70000' for PORT: expected an integer from 1 to 65535");
        ASSERT_ERRNO(cr_config_load("PROT=1\n", "/etc/c.conf", fake_env, NULL, &c, &e2), EINVAL);
        ASSERT_STREQ(e2->msg, "/etc/c.conf:1: unknown setting 'PROT'");
        ASSERT_ERRNO(cr_config_load("just words\n", "/etc/c.conf", fake_env, NULL, &c, &e3), EINVAL);
        ASSERT_STREQ(e3->msg, "/etc/c.conf:1: expected KEY=VALUE");
}

TEST(discovery_flag_and_url)
{
        const char *url_only[] = { "SERVICE_DISCOVERY_URL", "http://eureka:8761/eureka", NULL };
        const char *off[] = { "SERVICE_DISCOVERY_URL", "http://eureka:8761/eureka", "SERVICE_DISCOVERY_ENABLED",
                              "false", NULL };
        const char *on_no_url[] = { "SERVICE_DISCOVERY_ENABLED", "true", NULL };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_config *c = NULL;

        /* as the old service: a URL enables it */
        ASSERT_OK(cr_config_load(NULL, NULL, fake_env, url_only, &c, &err));
        ASSERT_TRUE(cr_config_discovery_enabled(c));
        c = cr_config_free(c);
        /* as its guide: the flag turns it off */
        ASSERT_OK(cr_config_load(NULL, NULL, fake_env, off, &c, &err));
        ASSERT_FALSE(cr_config_discovery_enabled(c));
        c = cr_config_free(c);
        ASSERT_ERRNO(cr_config_load(NULL, NULL, fake_env, on_no_url, &c, &err), EINVAL);
        ASSERT_TRUE(strstr(err->msg, "SERVICE_DISCOVERY_URL is empty") != NULL);
}

TEST(job_parallelism_default_follows_workers)
{
        static const struct { const char *file; unsigned cpus, want; } cases[] = {
                { "CODERUNNER_WORKERS=1\n", 8, 1 },       /* never more than the workers */
                { "CODERUNNER_WORKERS=2\n", 8, 2 },       /* at least 2 */
                { "CODERUNNER_WORKERS=3\n", 8, 2 },
                { "CODERUNNER_WORKERS=8\n", 8, 4 },       /* half the workers */
                { "CODERUNNER_WORKERS=8\n", 2, 2 },       /* no more than the CPUs */
                { "CODERUNNER_WORKERS=8\n", 1, 1 },
                { "CODERUNNER_WORKERS=8\n", 0, 1 },
                { "CODERUNNER_WORKERS=8\nCODERUNNER_JOB_PARALLELISM=1\n", 8, 1 },
                { "CODERUNNER_WORKERS=8\nCODERUNNER_JOB_PARALLELISM=8\n", 2, 8 }, /* the operator's choice */
                { "CODERUNNER_WORKERS=4\nCODERUNNER_JOB_PARALLELISM=16\n", 8, 4 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_config *c = NULL;

                ASSERT_OK(cr_config_load(cases[i].file, "/x.conf", fake_env, NULL, &c, &err));
                ASSERT_UEQ(cr_config_job_parallelism(c, cases[i].cpus), cases[i].want);
                cr_config_free(c);
        }
}

TEST(named_file_must_exist)
{
        const char *env[] = { "CODERUNNER_CONFIG_FILE", "/nonexistent/coderunner.conf", NULL };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_config *c = NULL;

        ASSERT_ERRNO(cr_config_load_default(fake_env, env, &c, &err), ENOENT);
        ASSERT_TRUE(strstr(err->msg, "/nonexistent/coderunner.conf") != NULL);
}

TEST(named_file_is_read)
{
        char path[] = "/tmp/cr-test-config.XXXXXX";
        const char *env[] = { "CODERUNNER_CONFIG_FILE", path, "APP_NAME", "env-name", NULL };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_config *c = NULL;
        int fd = mkstemp(path);

        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(write(fd, "APP_NAME=file-name\nPORT=8123\n", 29) == 29);
        close(fd);
        ASSERT_OK(cr_config_load_default(fake_env, env, &c, &err));
        unlink(path);
        ASSERT_UEQ(c->http_port, 8123);
        ASSERT_STREQ(c->app_name, "env-name");
        ASSERT_STREQ(c->file_name, path);
        cr_config_free(c);
}

TESTS_MAIN
