/* SPDX-License-Identifier: MIT */
#pragma once

/* Running the jobs this instance claimed (job/runner.c). */

#include <stdbool.h>

struct cr_queue;
struct cr_store_claimed;

/* Takes c's description; the job runs on a worker, is judged, and its
 * result is stored and published. */
void queue_run_claimed(struct cr_queue *q, struct cr_store_claimed *c);
/* Workers without a job. */
unsigned queue_idle_workers(struct cr_queue *q);
/* Cancels a job running here; false when it does not run here. */
bool queue_cancel_local(struct cr_queue *q, const char *id);
/* Waits up to ms for the jobs claimed here to be over (result stored);
 * returns how many are not. */
unsigned queue_wait_runs(struct cr_queue *q, unsigned ms);
