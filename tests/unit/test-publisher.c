/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "events/events.h"
#include "events/publisher.h"
#include "store/store.h"
#include "tests.h"

/* The events publisher in-process, on a real SQLite store and the JSON-lines
 * file sink: it drains the outbox in order, marks rows sent only once they
 * are on disk, and keeps retrying while the sink cannot be made. (Kafka, a
 * crash and several instances: tests/system/test_events.py.) */

static char tmpdir[] = "/tmp/cr-test-publisher-XXXXXX";
static char db_path[256], events_dir[256];

static const struct cr_store_options store_options = { .backend = CR_STORE_SQLITE, .sqlite_path = db_path };

static int sql(const char *statement)
{
        sqlite3 *db = NULL;
        int r = sqlite3_open(db_path, &db) == SQLITE_OK && sqlite3_exec(db, statement, NULL, NULL, NULL) == SQLITE_OK;

        sqlite3_close(db);
        return r ? 0 : -1;
}

/* Rows with sent_at IS NULL. */
static long unsent(void)
{
        _cleanup_(cr_store_closep) struct cr_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_store_outbox_stats st;

        if (cr_store_open(&store_options, &s, &err) < 0 || cr_store_outbox_stats(s, &st, &err) < 0)
                return -1;
        return (long) st.unsent;
}

static bool wait_unsent(long want, int seconds)
{
        for (int i = 0; i < seconds * 20; i++) {
                if (unsent() == want)
                        return true;
                usleep(50 * 1000);
        }
        return false;
}

static char *read_events(void)
{
        char path[300], *buf = calloc(1, 1 << 16);
        FILE *f;

        snprintf(path, sizeof(path), "%s/events.jsonl", events_dir);
        f = fopen(path, "re");
        if (f) {
                size_t n = fread(buf, 1, (1 << 16) - 1, f);
                buf[n] = 0;
                fclose(f);
        }
        return buf;
}

TEST(setup)
{
        _cleanup_(cr_store_closep) struct cr_store *s = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_TRUE(mkdtemp(tmpdir) != NULL);
        snprintf(db_path, sizeof(db_path), "%s/coderunner.db", tmpdir);
        snprintf(events_dir, sizeof(events_dir), "%s/events", tmpdir);
        ASSERT_OK(cr_store_open(&store_options, &s, &err));
        ASSERT_TRUE(cr_store_migrate(s, &err) > 0);
}

TEST(drains_in_order_to_the_file)
{
        _cleanup_(cr_publisher_stopp) struct cr_publisher *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *lines = NULL;
        struct cr_publisher_options o = { .store = &store_options, .events_dir = events_dir, .instance = "t:1",
                                          .idle_poll_ms = 50 };
        struct cr_publisher_metrics m;

        ASSERT_OK(sql("INSERT INTO outbox (event_key, topic, event_type, payload) VALUES"
                      " ('k1', 'execution.analytics', 'x', '{\"n\":1}'),"
                      " ('k1', 'execution.analytics', 'x', '{\"n\":2}'),"
                      " ('k2', 'challenge.completed', 'x', '{\"n\":3}')"));
        ASSERT_EQ(unsent(), 3);
        ASSERT_OK(cr_publisher_start(&o, &p, &err));
        cr_publisher_wake(p);
        ASSERT_TRUE(wait_unsent(0, 30));
        lines = read_events();
        /* k1's second row waits for its first: it goes out in the next round */
        ASSERT_STREQ(lines, "{\"topic\":\"execution.analytics\",\"key\":\"k1\",\"value\":{\"n\":1}}\n"
                            "{\"topic\":\"challenge.completed\",\"key\":\"k2\",\"value\":{\"n\":3}}\n"
                            "{\"topic\":\"execution.analytics\",\"key\":\"k1\",\"value\":{\"n\":2}}\n");
        cr_publisher_metrics(p, &m);
        ASSERT_EQ(m.delivered_total, 3);
        ASSERT_EQ(m.latency_count, 3);
        ASSERT_EQ(m.failures_total, 0);
        ASSERT_STREQ(m.sink, "file");
}

TEST(keeps_trying_until_the_sink_works)
{
        _cleanup_(cr_publisher_stopp) struct cr_publisher *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *lines = NULL;
        struct cr_publisher_options o = { .store = &store_options, .events_dir = events_dir, .instance = "t:1",
                                          .idle_poll_ms = 50, .stuck_after_ms = 1 };
        struct cr_publisher_metrics m;
        char cmd[300];
        FILE *f;

        /* the events directory is a file: no sink can be made */
        ASSERT_OK(sql("DELETE FROM outbox"));
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", events_dir);
        ASSERT_EQ(system(cmd), 0);
        f = fopen(events_dir, "we");
        ASSERT_TRUE(f != NULL);
        fclose(f);
        ASSERT_OK(sql("INSERT INTO outbox (event_key, topic, event_type, payload) VALUES"
                      " ('k3', 'execution.analytics', 'x', '{\"n\":4}')"));
        ASSERT_OK(cr_publisher_start(&o, &p, &err));
        sleep(3);
        ASSERT_EQ(unsent(), 1);                   /* not lost, not marked */
        cr_publisher_metrics(p, &m);
        ASSERT_EQ(m.delivered_total, 0);
        ASSERT_TRUE(m.stuck);
        ASSERT_EQ(m.outbox_depth, 1);
        /* the directory comes back: delivered */
        ASSERT_EQ(unlink(events_dir), 0);
        ASSERT_EQ(mkdir(events_dir, 0750), 0);
        ASSERT_TRUE(wait_unsent(0, 60));
        lines = read_events();
        ASSERT_STREQ(lines, "{\"topic\":\"execution.analytics\",\"key\":\"k3\",\"value\":{\"n\":4}}\n");
}

TEST(cleanup)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        ASSERT_EQ(system(cmd), 0);
}

TESTS_MAIN
