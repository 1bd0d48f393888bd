/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include "buf.h"
#include "events/publisher.h"

/* The daemon's only: it pulls in the publisher (and with it the store),
 * which `coderunner config` (serve-events.c) must not load. */

/* The outbox on /metrics (docs/operations.md): what the publisher counts. */
static int render_latency(const struct cr_publisher_metrics *m, struct cr_buf *out)
{
        static const char name[] = "coderunner_events_publish_latency_seconds";
        int k = cr_buf_printf(out, "# HELP %s From the result's commit to the sink's acknowledgement.\n"
                                   "# TYPE %s histogram\n", name, name);

        /* the publisher's buckets are cumulative already; its last bound is +Inf */
        for (size_t i = 0; k >= 0 && i + 1 < CR_PUBLISHER_LATENCY_BUCKETS; i++)
                k = cr_buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, m->latency_bounds_s[i],
                                  (unsigned long long) m->latency_buckets[i]);
        if (k >= 0)
                k = cr_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n", name,
                                  (unsigned long long) m->latency_count, name, m->latency_sum_s, name,
                                  (unsigned long long) m->latency_count);
        return k;
}

int cli_events_collect(void *userdata, struct cr_buf *out)
{
        struct cr_publisher_metrics m;
        int k;

        cr_publisher_metrics(userdata, &m);
        k = cr_buf_printf(out,
                          "# HELP coderunner_outbox_depth Events in the outbox not yet published.\n"
                          "# TYPE coderunner_outbox_depth gauge\ncoderunner_outbox_depth %llu\n"
                          "# HELP coderunner_outbox_oldest_unsent_seconds Age of the oldest unpublished event "
                          "(0: none).\n"
                          "# TYPE coderunner_outbox_oldest_unsent_seconds gauge\n"
                          "coderunner_outbox_oldest_unsent_seconds %.3f\n"
                          "# HELP coderunner_events_stuck 1 while the oldest unpublished event is older than "
                          "CODERUNNER_EVENTS_STUCK_SECONDS.\n"
                          "# TYPE coderunner_events_stuck gauge\ncoderunner_events_stuck %d\n"
                          "# HELP coderunner_events_delivered_total Events the sink acknowledged.\n"
                          "# TYPE coderunner_events_delivered_total counter\ncoderunner_events_delivered_total %llu\n"
                          "# HELP coderunner_events_publish_failures_total Failed delivery attempts (each is "
                          "retried).\n"
                          "# TYPE coderunner_events_publish_failures_total counter\n"
                          "coderunner_events_publish_failures_total %llu\n",
                          (unsigned long long) m.outbox_depth, m.oldest_unsent_age_s, m.stuck ? 1 : 0,
                          (unsigned long long) m.delivered_total, (unsigned long long) m.failures_total);
        return k < 0 ? k : render_latency(&m, out);
}
