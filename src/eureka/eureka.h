/* SPDX-License-Identifier: MIT */
#pragma once

/* Eureka registration (SERVICE_DISCOVERY_URL), on its own thread so that a
 * slow or absent registry never delays serving: register (POST), heartbeat
 * (PUT) every interval, register again when a heartbeat gets 404 (the
 * registry forgot us), retry failures with a back-off, deregister (DELETE)
 * on stop. The instance is the old service's payload with its bugs fixed:
 * the status and health URLs point at the HTTP port (which answers), a lease
 * is declared. libcurl; the only module that includes its header. Logging
 * layer: it runs alone, so it logs what happens. */

#include <stdbool.h>

struct cr_error;

struct cr_eureka_options {
        const char *url;            /* e.g. http://eureka:8761/eureka; trailing '/' ignored */
        const char *app;            /* SERVICE_NAME */
        const char *ip;             /* advertised address; NULL/"": the host's own (cr_eureka_local_ip) */
        unsigned grpc_port;         /* what clients dial: the registered port */
        unsigned http_port;         /* /health, /ready */
        unsigned heartbeat_ms;      /* 30000 */
        unsigned timeout_ms;        /* per request; 10000 */
};

struct cr_eureka;

int cr_eureka_start(const struct cr_eureka_options *opts, struct cr_eureka **ret, struct cr_error **err);
/* Stops the thread (an ongoing request is aborted) and deregisters if
 * registered. Safe on NULL. */
struct cr_eureka *cr_eureka_stop(struct cr_eureka *e);

/* The host's own address to advertise: the first non-loopback IPv4 address
 * of an interface that is up, else a global IPv6 one. Never asks anything
 * outside the host. */
int cr_eureka_local_ip(char *buf, unsigned size, struct cr_error **err);
/* The JSON registration body (caller frees); exposed for tests. */
char *cr_eureka_instance_json(const struct cr_eureka_options *opts, const char *ip);
