/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "eureka.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cleanup.h"
#include "dlfcn-util.h"
#include "error.h"
#include "json/json.h"
#include "log.h"
#include "xalloc.h"

#define LIBCURL_SONAME "libcurl.so.4"

static CR_DLSYM_FUNCTION(curl_easy_cleanup);
static CR_DLSYM_FUNCTION(curl_easy_getinfo);
static CR_DLSYM_FUNCTION(curl_easy_init);
static CR_DLSYM_FUNCTION(curl_easy_perform);
static CR_DLSYM_FUNCTION(curl_easy_setopt);
static CR_DLSYM_FUNCTION(curl_easy_strerror);
static CR_DLSYM_FUNCTION(curl_global_init);
static CR_DLSYM_FUNCTION(curl_slist_append);
static CR_DLSYM_FUNCTION(curl_slist_free_all);

/* Loaded on first use (like libcrypto in src/image/digest.c): a daemon that
 * does not use it does not map it and the libraries it pulls in. */
static int dlopen_libcurl(struct cr_error **err)
{
        static const struct cr_dlsym symbols[] = {
                CR_DLSYM_ARG(curl_easy_cleanup),
                CR_DLSYM_ARG(curl_easy_getinfo),
                CR_DLSYM_ARG(curl_easy_init),
                CR_DLSYM_ARG(curl_easy_perform),
                CR_DLSYM_ARG(curl_easy_setopt),
                CR_DLSYM_ARG(curl_easy_strerror),
                CR_DLSYM_ARG(curl_global_init),
                CR_DLSYM_ARG(curl_slist_append),
                CR_DLSYM_ARG(curl_slist_free_all),
        };
        static bool loaded;
        int r;

        if (loaded)
                return 0;
        r = cr_dlopen_many(LIBCURL_SONAME, symbols, ARRAY_SIZE(symbols), NULL, err);
        loaded = r >= 0;
        return r;
}

/* Failed registrations are retried after 1 s, doubling up to the heartbeat
 * interval. */
#define RETRY_MIN_MS 1000
#define DEREGISTER_TIMEOUT_MS 3000
#define MAX_RESPONSE 65536

struct cr_eureka {
        char *base;                 /* URL without trailing '/' */
        char *app, *ip, *instance_id, *body;
        unsigned heartbeat_ms, timeout_ms;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool stopping;              /* under lock; read unlocked by the abort callback */
        bool registered;            /* the thread's */
};

/* ----------------------------------------------------------- payload */

static void url_of(char *buf, size_t n, const char *ip, unsigned port, const char *path)
{
        snprintf(buf, n, strchr(ip, ':') ? "http://[%s]:%u%s" : "http://%s:%u%s", ip, port, path);
}

/* {"$": value, "@enabled": enabled}: Eureka's XML-minded port objects */
static void write_port(struct cr_json_writer *w, const char *key, unsigned value, bool enabled)
{
        cr_json_key(w, key);
        cr_json_object_begin(w);
        cr_json_field_uint(w, "$", value);
        cr_json_field_bool(w, "@enabled", enabled);
        cr_json_object_end(w);
}

static void lease_and_metadata(struct cr_json_writer *w, const struct cr_eureka_options *o)
{
        unsigned renew = (o->heartbeat_ms + 999) / 1000;
        char grpc[16], http[16];

        snprintf(grpc, sizeof(grpc), "%u", o->grpc_port);
        snprintf(http, sizeof(http), "%u", o->http_port);
        cr_json_key(w, "dataCenterInfo");
        cr_json_object_begin(w);
        cr_json_field_string(w, "@class", "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo");
        cr_json_field_string(w, "name", "MyOwn");
        cr_json_object_end(w);
        cr_json_key(w, "leaseInfo");
        cr_json_object_begin(w);
        cr_json_field_uint(w, "renewalIntervalInSecs", renew);
        cr_json_field_uint(w, "durationInSecs", 3 * renew);
        cr_json_object_end(w);
        cr_json_key(w, "metadata");
        cr_json_object_begin(w);
        cr_json_field_string(w, "gRPC_port", grpc);
        cr_json_field_string(w, "management.port", http);
        cr_json_object_end(w);
}

char *cr_eureka_instance_json(const struct cr_eureka_options *o, const char *ip)
{
        struct cr_buf b = CR_BUF_INIT(16384);
        char id[128], home[160], status[160], health[160];
        struct cr_json_writer w;

        snprintf(id, sizeof(id), "%s:%u", ip, o->grpc_port);
        url_of(home, sizeof(home), ip, o->http_port, "/");
        url_of(status, sizeof(status), ip, o->http_port, "/ready");
        url_of(health, sizeof(health), ip, o->http_port, "/health");
        cr_json_writer_init(&w, &b);
        cr_json_object_begin(&w);
        cr_json_key(&w, "instance");
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "instanceId", id);
        cr_json_field_string(&w, "hostName", ip);
        cr_json_field_string(&w, "app", o->app);
        cr_json_field_string(&w, "ipAddr", ip);
        cr_json_field_string(&w, "vipAddress", o->app);
        cr_json_field_string(&w, "secureVipAddress", o->app);
        cr_json_field_string(&w, "status", "UP");
        /* clients dial hostName:port, so port stays the gRPC port */
        write_port(&w, "port", o->grpc_port, true);
        write_port(&w, "securePort", 443, false);
        cr_json_field_string(&w, "homePageUrl", home);
        cr_json_field_string(&w, "statusPageUrl", status);
        cr_json_field_string(&w, "healthCheckUrl", health);
        lease_and_metadata(&w, o);
        cr_json_object_end(&w);
        cr_json_object_end(&w);
        /* 16 KiB holds any app name the settings accept; a failure is
         * a registration Eureka refuses, logged by the caller */
        (void) cr_json_writer_finish(&w);
        (void) cr_buf_append(&b, "", 1);
        return b.data;
}

/* ---------------------------------------------------------- local ip */

static bool usable(const struct ifaddrs *a, int family)
{
        if (!a->ifa_addr || a->ifa_addr->sa_family != family || !(a->ifa_flags & IFF_UP) ||
            (a->ifa_flags & IFF_LOOPBACK))
                return false;
        if (family == AF_INET6) {
                const struct in6_addr *in6 = &((const struct sockaddr_in6 *) a->ifa_addr)->sin6_addr;
                return !IN6_IS_ADDR_LINKLOCAL(in6) && !IN6_IS_ADDR_LOOPBACK(in6);
        }
        return true;
}

int cr_eureka_local_ip(char *buf, unsigned size, struct cr_error **err)
{
        static const int families[] = { AF_INET, AF_INET6 };
        struct ifaddrs *list = NULL;

        if (getifaddrs(&list) < 0)
                return cr_error_set(err, errno, CR_ERROR_UNAVAILABLE, "list network interfaces");
        for (size_t f = 0; f < 2; f++)
                for (struct ifaddrs *a = list; a; a = a->ifa_next) {
                        const void *addr;

                        if (!usable(a, families[f]))
                                continue;
                        addr = families[f] == AF_INET ? (const void *) &((struct sockaddr_in *) a->ifa_addr)->sin_addr
                                                      : (const void *) &((struct sockaddr_in6 *) a->ifa_addr)->sin6_addr;
                        if (inet_ntop(families[f], addr, buf, size)) {
                                freeifaddrs(list);
                                return 0;
                        }
                }
        freeifaddrs(list);
        return cr_error_make(err, ENOENT, CR_ERROR_UNAVAILABLE,
                             "no non-loopback address on any interface (set SERVICE_PUBLIC_IP)");
}

/* -------------------------------------------------------------- HTTP */

static size_t discard(char *data, size_t size, size_t n, void *userdata)
{
        (void) data;
        (void) userdata;
        return size * n; /* the registry's answers are not needed, only their status */
}

static int abort_when_stopping(void *userdata, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
        struct cr_eureka *e = userdata;

        (void) a, (void) b, (void) c, (void) d;
        return __atomic_load_n(&e->stopping, __ATOMIC_RELAXED) ? 1 : 0;
}

/* One request; returns the HTTP status, or -errno-ish on transport failure
 * with the reason in `why`. */
static long request(struct cr_eureka *e, const char *method, const char *url, const char *body, unsigned timeout_ms,
                    bool abortable, char *why, size_t why_size)
{
        CURL *c = sym_curl_easy_init();
        struct curl_slist *hdr = NULL;
        long status = -1;
        CURLcode rc;

        if (!c) {
                snprintf(why, why_size, "curl_easy_init failed");
                return -1;
        }
        hdr = sym_curl_slist_append(hdr, "Content-Type: application/json");
        hdr = sym_curl_slist_append(hdr, "Accept: application/json");
        sym_curl_easy_setopt(c, CURLOPT_URL, url);
        sym_curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        sym_curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        sym_curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        sym_curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
        sym_curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout_ms);
        sym_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        sym_curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        sym_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        sym_curl_easy_setopt(c, CURLOPT_NOPROGRESS, abortable ? 0L : 1L);
        sym_curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
        sym_curl_easy_setopt(c, CURLOPT_XFERINFODATA, e);
        rc = sym_curl_easy_perform(c);
        if (rc == CURLE_OK)
                sym_curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        else
                snprintf(why, why_size, "%s", sym_curl_easy_strerror(rc));
        sym_curl_slist_free_all(hdr);
        sym_curl_easy_cleanup(c);
        return status;
}

static bool do_register(struct cr_eureka *e)
{
        char url[1024], why[256] = "";
        long st;

        snprintf(url, sizeof(url), "%s/apps/%s", e->base, e->app);
        st = request(e, "POST", url, e->body, e->timeout_ms, true, why, sizeof(why));
        if (st == 200 || st == 201 || st == 204) {
                log_event(LOG_LEVEL_INFO, "eureka-registered", "Registered with Eureka as %s/%s", e->app,
                          e->instance_id);
                return true;
        }
        if (!__atomic_load_n(&e->stopping, __ATOMIC_RELAXED))
                log_event(LOG_LEVEL_WARNING, "eureka-failed", "Eureka registration failed (%s), retrying",
                          st > 0 ? "unexpected HTTP status" : why);
        if (st > 0)
                log_debug("Eureka answered HTTP %ld to the registration", st);
        return false;
}

/* 1: alive; 0: the registry forgot us (404); -1: failed. */
static int do_heartbeat(struct cr_eureka *e)
{
        char url[1024], why[256] = "";
        long st;

        snprintf(url, sizeof(url), "%s/apps/%s/%s", e->base, e->app, e->instance_id);
        st = request(e, "PUT", url, NULL, e->timeout_ms, true, why, sizeof(why));
        if (st == 200 || st == 204)
                return 1;
        if (st == 404) {
                log_event(LOG_LEVEL_NOTICE, "eureka-unknown", "Eureka does not know this instance: registering again");
                return 0;
        }
        if (!__atomic_load_n(&e->stopping, __ATOMIC_RELAXED))
                log_event(LOG_LEVEL_WARNING, "eureka-failed", "Eureka heartbeat failed (%s%.0ld), ignoring",
                          st > 0 ? "HTTP " : why, st > 0 ? st : 0);
        return -1;
}

static void do_deregister(struct cr_eureka *e)
{
        char url[1024], why[256] = "";
        long st;

        snprintf(url, sizeof(url), "%s/apps/%s/%s", e->base, e->app, e->instance_id);
        st = request(e, "DELETE", url, NULL, DEREGISTER_TIMEOUT_MS, false, why, sizeof(why));
        if (st == 200 || st == 204)
                log_event(LOG_LEVEL_INFO, "eureka-deregistered", "Deregistered from Eureka");
        else
                log_warning("Eureka deregistration failed (%s), ignoring: the lease expires",
                            st > 0 ? "unexpected HTTP status" : why);
}

/* ------------------------------------------------------------ thread */

/* Waits up to ms; false when stopping. */
static bool pause_ms(struct cr_eureka *e, unsigned ms)
{
        struct timespec until;
        bool stopping;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += ms / 1000;
        until.tv_nsec += (long) (ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L)
                until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&e->lock);
        while (!e->stopping && pthread_cond_timedwait(&e->wake, &e->lock, &until) != ETIMEDOUT)
                ;
        stopping = e->stopping;
        pthread_mutex_unlock(&e->lock);
        return !stopping;
}

static void *eureka_main(void *p)
{
        struct cr_eureka *e = p;
        unsigned retry_ms = RETRY_MIN_MS;

        for (;;) {
                if (!e->registered) {
                        e->registered = do_register(e);
                        if (!e->registered) {
                                if (!pause_ms(e, retry_ms))
                                        break;
                                retry_ms = retry_ms * 2 > e->heartbeat_ms ? e->heartbeat_ms : retry_ms * 2;
                                continue;
                        }
                        retry_ms = RETRY_MIN_MS;
                }
                if (!pause_ms(e, e->heartbeat_ms))
                        break;
                if (do_heartbeat(e) == 0)
                        e->registered = false;
        }
        if (e->registered)
                do_deregister(e);
        return NULL;
}

/* The URL for a log line: credentials in it (user:password@) replaced. */
static char *loggable_url(const char *url)
{
        const char *host = strstr(url, "://"), *at, *slash;

        if (!host)
                return xstrdup(url);
        host += 3;
        at = strchr(host, '@');
        slash = strchr(host, '/');
        if (!at || (slash && slash < at))
                return xstrdup(url);
        return xasprintf("%.*s<redacted>%s", (int) (host - url), url, at);
}

static void eureka_free(struct cr_eureka *e)
{
        free(e->base);
        free(e->app);
        free(e->ip);
        free(e->instance_id);
        free(e->body);
        pthread_cond_destroy(&e->wake);
        pthread_mutex_destroy(&e->lock);
        free(e);
}

int cr_eureka_start(const struct cr_eureka_options *o, struct cr_eureka **ret, struct cr_error **err)
{
        char ip[INET6_ADDRSTRLEN] = "";
        _cleanup_free_ char *shown = NULL;
        struct cr_eureka *e;
        pthread_condattr_t ca;
        size_t n;
        int r;

        if (o->ip && o->ip[0])
                snprintf(ip, sizeof(ip), "%s", o->ip);
        else if ((r = cr_eureka_local_ip(ip, sizeof(ip), err)) < 0)
                return r;
        if ((r = dlopen_libcurl(err)) < 0)
                return r;
        if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "curl_global_init failed");
        e = xzalloc(sizeof(*e));
        e->base = xstrdup(o->url);
        for (n = strlen(e->base); n > 0 && e->base[n - 1] == '/'; n--)
                e->base[n - 1] = 0;
        e->app = xstrdup(o->app);
        e->ip = xstrdup(ip);
        e->instance_id = xasprintf("%s:%u", ip, o->grpc_port);
        e->body = cr_eureka_instance_json(o, ip);
        e->heartbeat_ms = o->heartbeat_ms ? o->heartbeat_ms : 30000;
        e->timeout_ms = o->timeout_ms ? o->timeout_ms : 10000;
        pthread_mutex_init(&e->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&e->wake, &ca);
        pthread_condattr_destroy(&ca);
        r = pthread_create(&e->thread, NULL, eureka_main, e);
        if (r != 0) {
                eureka_free(e);
                return cr_error_set(err, r, CR_ERROR_INTERNAL, "start the Eureka thread");
        }
        shown = loggable_url(e->base);
        log_info("Eureka: registering %s as %s at %s", e->app, e->instance_id, shown);
        *ret = e;
        return 0;
}

struct cr_eureka *cr_eureka_stop(struct cr_eureka *e)
{
        if (!e)
                return NULL;
        pthread_mutex_lock(&e->lock);
        __atomic_store_n(&e->stopping, true, __ATOMIC_RELAXED);
        pthread_cond_broadcast(&e->wake);
        pthread_mutex_unlock(&e->lock);
        pthread_join(e->thread, NULL);
        eureka_free(e);
        return NULL;
}
