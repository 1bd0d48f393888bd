/* SPDX-License-Identifier: MIT */
#pragma once

/* The threads that talk to the store, so nobody else waits on it: a gRPC
 * handler or a job worker posts an operation and returns; one of the pool's
 * threads runs it on its own connection and calls back. A slow database
 * slows the operations, not the caller.
 *
 * Each thread (re)connects on its own: after a failure that says the
 * database is gone (CR_ERROR_UNAVAILABLE) it drops its connection and opens
 * a new one, with backoff, for the next operation. An operation posted with
 * CR_STORE_UNTIL_DONE is retried until it succeeds or fails for another
 * reason (a result is never dropped because the database restarted); one
 * posted with CR_STORE_ONCE reports the first failure. */

#include <stdbool.h>
#include <stdint.h>

struct cr_error;
struct cr_store;
struct cr_store_options;

enum cr_store_retry {
        CR_STORE_ONCE,
        CR_STORE_UNTIL_DONE,
};

/* Runs on a pool thread with its connection; returns < 0 with err set on
 * failure. attempt counts from 1. */
typedef int (*cr_store_op_fn)(struct cr_store *s, void *userdata, unsigned attempt, struct cr_error **err);
/* Exactly once per posted operation, on a pool thread (or on the stopping
 * thread with -ECANCELED): r < 0 and err set when it failed. */
typedef void (*cr_store_done_fn)(void *userdata, int r, const struct cr_error *err);
/* The database came or went (false after a failure saying it is gone). */
typedef void (*cr_store_health_fn)(void *userdata, bool ok);

struct cr_store_pool;

int cr_store_pool_new(const struct cr_store_options *o, unsigned threads, cr_store_health_fn health,
                      void *userdata, struct cr_store_pool **ret, struct cr_error **err);
void cr_store_pool_post(struct cr_store_pool *p, cr_store_op_fn op, cr_store_done_fn done, void *userdata,
                        enum cr_store_retry retry);
/* Waits up to wait_ms for the posted operations (also those being retried),
 * then stops the threads; operations still waiting get done(-ECANCELED). */
void cr_store_pool_stop(struct cr_store_pool *p, unsigned wait_ms);
struct cr_store_pool *cr_store_pool_free(struct cr_store_pool *p);
unsigned cr_store_pool_pending(struct cr_store_pool *p);
