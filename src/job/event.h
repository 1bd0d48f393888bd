/* SPDX-License-Identifier: MIT */
#pragma once

/* The event a finished job leaves in the outbox (written in the same
 * transaction as its result): the original service's ExecutionMetricsEvent
 * JSON (original-interfaces.md §3.1), field for field and in its order, with
 * its code_version_id bug fixed. The events publisher (issue 11) sends it to
 * Kafka as it is; what the event holds is decided here. */

struct cr_execution;

#define CR_JOB_EVENT_TOPIC "execution.analytics"
#define CR_JOB_EVENT_TYPE "execution.finished"

/* x must be final with an outcome. Returns a malloc()ed JSON object. */
char *cr_job_event_json(const struct cr_execution *x);
