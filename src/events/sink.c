/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "events-internal.h"

#include <errno.h>
#include <string.h>

#include "error.h"

#define DEFAULT_FILE_MAX  (64u * 1024u * 1024u)
#define DEFAULT_FILE_KEEP 4

int cr_event_sink_new(const struct cr_event_sink_options *o, struct cr_event_sink **ret,
                      struct cr_error **err)
{
        struct cr_event_sink *s = NULL;
        int r;

        if (!o->report)
                return cr_error_make(err, EINVAL, CR_ERROR_INTERNAL,
                                     "An event sink needs a report function");
        if (o->kafka && o->kafka->broker)
                r = event_sink_new_kafka(o->kafka, &s, err);
        else if (o->file_dir)
                r = event_sink_new_file(o->file_dir,
                                        o->file_max_bytes ? o->file_max_bytes : DEFAULT_FILE_MAX,
                                        o->file_keep ? o->file_keep : DEFAULT_FILE_KEEP, &s, err);
        else
                r = cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                  "No broker and no events directory configured");
        if (r < 0)
                return r;
        s->report = o->report;
        s->userdata = o->userdata;
        *ret = s;
        return 0;
}

struct cr_event_sink *cr_event_sink_free(struct cr_event_sink *s)
{
        if (s)
                s->ops->free(s);
        return NULL;
}

const char *cr_event_sink_kind(const struct cr_event_sink *s)
{
        return s->ops->kind;
}

int cr_event_sink_send(struct cr_event_sink *s, uint64_t id, const char *topic, const char *key,
                       const char *payload, size_t payload_len, struct cr_error **err)
{
        int r = s->ops->send(s, id, topic, key, payload, payload_len, err);

        if (r >= 0)
                s->in_flight++;
        return r;
}

int cr_event_sink_poll(struct cr_event_sink *s, int timeout_ms)
{
        return s->ops->poll(s, timeout_ms);
}

size_t cr_event_sink_in_flight(const struct cr_event_sink *s)
{
        return s->in_flight;
}

const char *cr_event_sink_broken(const struct cr_event_sink *s)
{
        return s->broken[0] ? s->broken : NULL;
}
