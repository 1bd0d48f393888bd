/* SPDX-License-Identifier: MIT */
#pragma once

/* The dispatcher thread (job/dispatch.c). */

struct cr_error;
struct cr_queue;

/* Connects and migrates (and, the first time, takes back this instance's
 * jobs left by a crash). */
int queue_connect(struct cr_queue *q, struct cr_error **err);
int queue_dispatch_start(struct cr_queue *q, struct cr_error **err);
/* Ends the thread, then puts back the jobs still marked running here. */
void queue_dispatch_stop(struct cr_queue *q);
