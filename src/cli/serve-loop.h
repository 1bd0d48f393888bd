/* SPDX-License-Identifier: MIT */
#pragma once

/* The daemon's main loop and what it tells the outside: it supervises the
 * executor (through its keeper), turns gRPC health, GET /health and /ready
 * to what is true, serves HTTP and metrics, and talks to systemd (READY,
 * STATUS, watchdog pings only while this loop runs, STOPPING). */

#include <stdbool.h>
#include <stddef.h>

struct cr_buf;
struct cr_config;
struct cr_error;
struct cr_queue;
struct cr_rpc_server;
struct cr_spawner;

struct serve_loop_deps {
        const struct cr_config *cfg;       /* not owned (all) */
        struct cr_spawner *spawner;
        struct cr_queue *queue;            /* the job queue: its state is what /ready and the gauges say */
        size_t runtimes_available, runtimes_total;
};

struct serve_loop;

/* A readiness condition another part adds (the job store: "store
 * reachable"): true when it holds, else appends why to reason. Called on
 * the HTTP thread and the main loop; must be thread-safe and quick. */
typedef bool (*serve_ready_fn)(void *userdata, struct cr_buf *reason);

/* Blocks the signals the loop takes (call before any thread exists). */
void serve_loop_block_signals(void);
int serve_loop_new(const struct serve_loop_deps *deps, struct serve_loop **ret, struct cr_error **err);
struct serve_loop *serve_loop_free(struct serve_loop *l);
int serve_loop_add_ready_check(struct serve_loop *l, const char *name, serve_ready_fn fn, void *userdata);
/* Waits (bounded) for the first executor to report ready. */
int serve_loop_wait_executor(struct serve_loop *l, unsigned timeout_ms, struct cr_error **err);
/* Starts the HTTP listener (PORT), after the executor is forked. */
int serve_loop_start_http(struct serve_loop *l, struct cr_error **err);
/* Makes the loop re-evaluate health, /ready and the status line now
 * rather than at its next tick (a readiness check changed). Any thread. */
void serve_loop_wake(struct serve_loop *l);
/* Runs until SIGTERM/SIGINT (returns 0, after STOPPING=1) or until the
 * executor can never run again (returns -EPIPE). rpc: for health. */
int serve_loop_run(struct serve_loop *l, struct cr_rpc_server *rpc);
/* Jobs left after draining, for the STOPPING status line. */
void serve_loop_stopping(struct serve_loop *l, const char *status);
