/* SPDX-License-Identifier: MIT */
#pragma once

/* The sinks' shared shape: one struct cr_event_sink, two implementations
 * (kafka.c, file-sink.c), chosen once by sink.c. */

#include "events.h"

struct cr_event_sink_ops {
        const char *kind;
        int (*send)(struct cr_event_sink *s, uint64_t id, const char *topic, const char *key,
                    const char *payload, size_t payload_len, struct cr_error **err);
        int (*poll)(struct cr_event_sink *s, int timeout_ms);
        void (*free)(struct cr_event_sink *s);
};

struct cr_event_sink {
        const struct cr_event_sink_ops *ops;
        cr_event_report_fn report;
        void *userdata;
        size_t in_flight;
        char broken[256]; /* why the sink must be made anew; "" while it works */
};

/* Every implementation reports through this: one report per sent event.
 * Inline, so the implementations need nothing of sink.c, which chooses
 * between them. */
static inline void event_sink_report(struct cr_event_sink *s, uint64_t id, int error, const char *reason)
{
        if (s->in_flight > 0)
                s->in_flight--;
        s->report(s->userdata, id, error, reason);
}

int event_sink_new_kafka(const struct cr_kafka_settings *k, struct cr_event_sink **ret,
                         struct cr_error **err);
int event_sink_new_file(const char *dir, uint64_t max_bytes, unsigned keep, struct cr_event_sink **ret,
                        struct cr_error **err);
