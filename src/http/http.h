/* SPDX-License-Identifier: MIT */
#pragma once

/* The HTTP listener on PORT (8084): GET /health (liveness: the old
 * service's Dockerfile probe, {"status":"healthy"}), GET /ready (readiness,
 * 503 with the reasons otherwise) and GET /metrics (Prometheus text format,
 * metrics/). libmicrohttpd with its own thread; the only module that
 * includes its header. Started after the executor is forked (it starts a
 * thread). Nothing a request sends is read beyond the path. */

#include <stdbool.h>

struct cr_error;
struct cr_buf;

struct cr_http_handlers {
        /* Each returns true when the state holds, else appends the reasons
         * to `reason` (text, no newline). Called on the HTTP thread. */
        bool (*alive)(void *userdata, struct cr_buf *reason);
        bool (*ready)(void *userdata, struct cr_buf *reason);
        void *userdata;
};

struct cr_http_server;

/* address: an IPv4/IPv6 literal, or NULL/"" for every interface (IPv6 dual
 * stack where the host has IPv6, else IPv4). port 0 picks a free one. */
int cr_http_server_start(const char *address, unsigned port, const struct cr_http_handlers *h,
                         struct cr_http_server **ret, struct cr_error **err);
unsigned cr_http_server_port(const struct cr_http_server *s);
/* Stops accepting, waits for the thread. Safe on NULL. */
struct cr_http_server *cr_http_server_stop(struct cr_http_server *s);
