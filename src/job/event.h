/* SPDX-License-Identifier: MIT */
#pragma once

/* The events a finished job leaves in the outbox (written in the same
 * transaction as its result, docs/events.md): the original service's
 * execution-metrics event on execution.analytics, field for field with its
 * bugs fixed, and the challenge.completed event on the configured topic.
 * Both are keyed by the execution id. What the events hold is decided here,
 * how they are written in events/payload.c; the events publisher sends
 * them as they are. */

#include <stddef.h>

#include "store/store.h"

struct cr_execution;

#define CR_JOB_EVENTS_MAX 2

struct cr_job_events {
        struct cr_store_event events[CR_JOB_EVENTS_MAX];
        char *payloads[CR_JOB_EVENTS_MAX]; /* owned */
        char key[CR_STORE_ID_LEN + 1];    /* the execution id: every event's key */
        size_t n;
};

/* x is final. A cancelled job has no events (n = 0); so has a job whose
 * events cannot be written (logged). challenge_topic: KAFKA_TOPIC. */
void cr_job_events_build(const struct cr_execution *x, const char *challenge_topic, struct cr_job_events *ret);
void cr_job_events_done(struct cr_job_events *e);
