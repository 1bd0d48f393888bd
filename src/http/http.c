/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "json/json.h"
#include "metrics/metrics.h"
#include "xalloc.h"

/* Probes and scrapers only: a few connections, short timeouts. */
#define MAX_CONNECTIONS 64
#define MAX_PER_IP 16
#define TIMEOUT_SECONDS 10
#define MAX_REASON 4096
#define MAX_METRICS (4U << 20)

struct cr_http_server {
        struct MHD_Daemon *daemon;
        struct cr_http_handlers handlers;
        unsigned port;
};

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
                               size_t len)
{
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *) body, MHD_RESPMEM_MUST_COPY);
        enum MHD_Result r;

        if (!resp)
                return MHD_NO;
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        r = MHD_queue_response(c, code, resp);
        MHD_destroy_response(resp);
        return r;
}

/* {"status":"<ok or bad>"} or {"status":"<bad>","reason":"..."}, 200 or 503. */
static enum MHD_Result respond_state(struct MHD_Connection *c,
                                     bool (*check)(void *userdata, struct cr_buf *reason), void *userdata,
                                     const char *ok, const char *bad)
{
        _cleanup_buf_ struct cr_buf reason = CR_BUF_INIT(MAX_REASON);
        /* room for the reason escaped at its worst (\u00XX, 6 bytes a byte) */
        _cleanup_buf_ struct cr_buf body = CR_BUF_INIT(6 * MAX_REASON + 64);
        bool good = !check || check(userdata, &reason);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &body);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "status", good ? ok : bad);
        if (!good) {
                cr_json_key(&w, "reason");
                cr_json_string_n(&w, reason.data, reason.len);
        }
        cr_json_object_end(&w);
        if (cr_json_writer_finish(&w) < 0 || cr_buf_append(&body, "\n", 1) < 0)
                return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n", 14);
        return respond(c, good ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", body.data,
                       body.len);
}

static enum MHD_Result respond_metrics(struct MHD_Connection *c)
{
        _cleanup_buf_ struct cr_buf body = CR_BUF_INIT(MAX_METRICS);

        if (cr_metrics_render(&body) < 0)
                return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "metrics too large\n", 18);
        return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body.data ? body.data : "",
                       body.len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
        static int first_call_marker;
        struct cr_http_server *s = cls;

        (void) version;
        (void) upload_data;
        /* the headers are in; answer on the next call, once any body is
         * discarded (libmicrohttpd's protocol) */
        if (!*req_cls) {
                *req_cls = &first_call_marker;
                return MHD_YES;
        }
        if (*upload_data_size) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json",
                               "{\"error\":\"method not allowed\"}\n", 31);
        if (strcmp(url, "/health") == 0)
                return respond_state(c, s->handlers.alive, s->handlers.userdata, "healthy", "unhealthy");
        if (strcmp(url, "/ready") == 0)
                return respond_state(c, s->handlers.ready, s->handlers.userdata, "ready", "not ready");
        if (strcmp(url, "/metrics") == 0)
                return respond_metrics(c);
        return respond(c, MHD_HTTP_NOT_FOUND, "application/json", "{\"error\":\"not found\"}\n", 22);
}

static int parse_address(const char *address, unsigned port, struct sockaddr_storage *ss)
{
        struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

        memset(ss, 0, sizeof(*ss));
        if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
                in4->sin_family = AF_INET;
                in4->sin_port = htons((uint16_t) port);
                return AF_INET;
        }
        if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons((uint16_t) port);
                return AF_INET6;
        }
        return -EINVAL;
}

static struct MHD_Daemon *start_daemon(struct cr_http_server *s, unsigned flags, unsigned port,
                                       const struct sockaddr *addr)
{
        return MHD_start_daemon(flags | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, (uint16_t) port, NULL,
                                NULL, on_request, s, MHD_OPTION_CONNECTION_LIMIT, (unsigned) MAX_CONNECTIONS,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) MAX_PER_IP,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) TIMEOUT_SECONDS,
                                addr ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, addr, MHD_OPTION_END);
}

int cr_http_server_start(const char *address, unsigned port, const struct cr_http_handlers *h,
                         struct cr_http_server **ret, struct cr_error **err)
{
        struct cr_http_server *s = xzalloc(sizeof(*s));
        struct sockaddr_storage ss;
        const union MHD_DaemonInfo *info;
        int family = 0;

        s->handlers = *h;
        if (address && address[0]) {
                family = parse_address(address, port, &ss);
                if (family < 0) {
                        free(s);
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "invalid HTTP address '%s'", address);
                }
                s->daemon = start_daemon(s, family == AF_INET6 ? MHD_USE_IPv6 : 0, port,
                                         (const struct sockaddr *) &ss);
        } else {
                s->daemon = start_daemon(s, MHD_USE_DUAL_STACK, port, NULL);
                if (!s->daemon) /* a host without IPv6 */
                        s->daemon = start_daemon(s, 0, port, NULL);
        }
        if (!s->daemon) {
                int e = errno ? errno : EADDRINUSE;
                free(s);
                return cr_error_set(err, e, CR_ERROR_UNAVAILABLE, "cannot listen for HTTP on port %u", port);
        }
        info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
        s->port = info && info->port ? info->port : port;
        *ret = s;
        return 0;
}

unsigned cr_http_server_port(const struct cr_http_server *s)
{
        return s->port;
}

struct cr_http_server *cr_http_server_stop(struct cr_http_server *s)
{
        if (!s)
                return NULL;
        MHD_stop_daemon(s->daemon);
        free(s);
        return NULL;
}
