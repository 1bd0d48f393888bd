/* SPDX-License-Identifier: MIT */
#pragma once

/* Running the jobs this instance claimed (job/runner.c). */

#include <stdbool.h>

struct cr_queue;
struct cr_store;
struct cr_store_claimed;

/* Takes c's description; the job runs on a worker, is judged, and its
 * result is stored and published. */
void queue_run_claimed(struct cr_queue *q, struct cr_store_claimed *c);
/* Ends the jobs out of attempts that cr_store_requeue(s, instance) would
 * fail (instance NULL: every expired lease) the way a failed run ends: the
 * row failed with the reason and its events in one transaction (so an
 * abandoned job reaches the consumer too), and the waiting calls here told.
 * Call before cr_store_requeue(), which fails what this could not end.
 * Returns how many it ended. On the dispatcher's connection. */
unsigned queue_abandon_stale(struct cr_queue *q, struct cr_store *s, const char *instance);
/* Workers without a job. */
unsigned queue_idle_workers(struct cr_queue *q);
/* Cancels a job running here; false when it does not run here. */
bool queue_cancel_local(struct cr_queue *q, const char *id);
/* Waits up to ms for the jobs claimed here to be over (result stored);
 * returns how many are not. */
unsigned queue_wait_runs(struct cr_queue *q, unsigned ms);
