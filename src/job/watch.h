/* SPDX-License-Identifier: MIT */
#pragma once

/* Who on this instance is waiting for which execution: a synchronous call
 * (its evaluation), a native Watch stream, a V2 log stream. The queue
 * publishes every state change it learns of (a job run here, a
 * notification from another instance, a row read back) and every chunk of
 * output of a job run here; subscribers of that id hear it.
 *
 * Callbacks run on the publishing thread, outside the registry's lock and
 * holding a reference on the subscriber (ops->ref/unref), so a subscriber
 * may leave at any time without a callback using freed memory. A subscriber
 * may hear a state twice (from the job and from the database): it keeps
 * the first final state it sees. A final state ends every subscription of
 * that id. Includes no third-party header. */

#include <stdbool.h>
#include <stddef.h>

#include "sandbox/sandbox.h"

struct cr_execution;

struct cr_watch_ops {
        void (*on_state)(void *userdata, const struct cr_execution *x);
        void (*on_output)(void *userdata, unsigned index, enum cr_sandbox_stream stream, const char *data, size_t n);
        void (*ref)(void *userdata);
        void (*unref)(void *userdata);
};

struct cr_watchers;
struct cr_watch;

struct cr_watchers *cr_watchers_new(void);
/* Ends every subscription (no callback). */
struct cr_watchers *cr_watchers_free(struct cr_watchers *w);

/* Takes a reference on userdata for as long as the subscription lasts. */
struct cr_watch *cr_watch_add(struct cr_watchers *w, const char *id, const struct cr_watch_ops *ops, void *userdata);
/* Idempotent; a subscription already ended by a final state is fine. */
void cr_watch_remove(struct cr_watchers *w, struct cr_watch *sub);

bool cr_watchers_has(struct cr_watchers *w, const char *id);
void cr_watchers_publish_state(struct cr_watchers *w, const struct cr_execution *x);
void cr_watchers_publish_output(struct cr_watchers *w, const char *id, unsigned index, enum cr_sandbox_stream stream,
                                const char *data, size_t n);
