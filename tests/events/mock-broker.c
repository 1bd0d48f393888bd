/* SPDX-License-Identifier: MIT */
/* A Kafka broker for tests: librdkafka's mock cluster (rdkafka_mock.h) as a
 * real TCP listener on loopback, in a process of its own, driven over
 * stdin. No broker exists in Debian; this is librdkafka's own protocol
 * implementation (produce, fetch, groups, idempotent producers), so
 * producers and consumers under test talk real Kafka to it.
 *
 *   mock-broker [--brokers N] [--topic NAME:PARTITIONS]...
 *
 * Prints "bootstrap HOST:PORT[,...]" once it listens, then answers each
 * command line on stdin with "ok" or "error <why>":
 *   down ID|-1             broker(s) close connections and refuse new ones
 *   up ID|-1               accept again
 *   errors APIKEY CODE N   the next N requests of APIKEY (0 = Produce) fail with CODE
 *   clear APIKEY           forget pushed errors
 *   rtt ID MS              delay broker ID's responses
 *   topic NAME PARTITIONS  create a topic
 * It exits at end of input or when its parent dies. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int command(rd_kafka_mock_cluster_t *mc, const char *line, char *why, size_t whylen)
{
        char name[256];
        long a, b, c;

        if (sscanf(line, "down %ld", &a) == 1)
                return rd_kafka_mock_broker_set_down(mc, (int32_t)a) ? -1 : 0;
        if (sscanf(line, "up %ld", &a) == 1)
                return rd_kafka_mock_broker_set_up(mc, (int32_t)a) ? -1 : 0;
        if (sscanf(line, "errors %ld %ld %ld", &a, &b, &c) == 3 && c > 0 && c < 100000) {
                rd_kafka_resp_err_t *errs = calloc((size_t)c, sizeof(*errs));
                if (!errs)
                        return -1;
                for (long i = 0; i < c; i++)
                        errs[i] = (rd_kafka_resp_err_t)b;
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)c, errs);
                free(errs);
                return 0;
        }
        if (sscanf(line, "clear %ld", &a) == 1) {
                rd_kafka_mock_clear_request_errors(mc, (int16_t)a);
                return 0;
        }
        if (sscanf(line, "rtt %ld %ld", &a, &b) == 2)
                return rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b) ? -1 : 0;
        if (sscanf(line, "topic %255s %ld", name, &a) == 2)
                return rd_kafka_mock_topic_create(mc, name, (int)a, 1) ? -1 : 0;
        snprintf(why, whylen, "unknown command");
        return -1;
}

int main(int argc, char **argv)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_mock_cluster_t *mc;
        rd_kafka_t *rk;
        char errstr[512], line[1024];
        int brokers = 1;

        prctl(PR_SET_PDEATHSIG, SIGTERM);
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc)
                        brokers = atoi(argv[++i]);
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-broker: %s\n", errstr);
                return 1;
        }
        mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "mock-broker: cannot create the mock cluster\n");
                return 1;
        }
        for (int i = 1; i < argc; i++) {
                char *colon;
                if (strcmp(argv[i], "--topic") != 0 || i + 1 >= argc)
                        continue;
                colon = strchr(argv[++i], ':');
                if (colon)
                        *colon = 0;
                rd_kafka_mock_topic_create(mc, argv[i], colon ? atoi(colon + 1) : 1, 1);
        }
        printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        while (fgets(line, sizeof(line), stdin)) {
                char why[128] = "failed";
                line[strcspn(line, "\n")] = 0;
                if (command(mc, line, why, sizeof(why)) == 0)
                        printf("ok\n");
                else
                        printf("error %s\n", why);
                fflush(stdout);
        }
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
