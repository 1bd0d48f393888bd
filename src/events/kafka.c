/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "cleanup.h"
#include "dlfcn-util.h"
#include "error.h"
#include "events-internal.h"
#include "xalloc.h"

#define LIBRDKAFKA_SONAME "librdkafka.so.1"

static CR_DLSYM_FUNCTION(rd_kafka_conf_destroy);
static CR_DLSYM_FUNCTION(rd_kafka_conf_new);
static CR_DLSYM_FUNCTION(rd_kafka_conf_set);
static CR_DLSYM_FUNCTION(rd_kafka_conf_set_dr_msg_cb);
static CR_DLSYM_FUNCTION(rd_kafka_conf_set_error_cb);
static CR_DLSYM_FUNCTION(rd_kafka_conf_set_log_cb);
static CR_DLSYM_FUNCTION(rd_kafka_conf_set_opaque);
static CR_DLSYM_FUNCTION(rd_kafka_destroy);
static CR_DLSYM_FUNCTION(rd_kafka_err2str);
static CR_DLSYM_FUNCTION(rd_kafka_fatal_error);
static CR_DLSYM_FUNCTION(rd_kafka_flush);
static CR_DLSYM_FUNCTION(rd_kafka_new);
static CR_DLSYM_FUNCTION(rd_kafka_poll);
static CR_DLSYM_FUNCTION(rd_kafka_producev);
static CR_DLSYM_FUNCTION(rd_kafka_purge);

/* Loaded on first use (like libcrypto in src/image/digest.c): a daemon that
 * does not use it does not map it and the libraries it pulls in. */
static int dlopen_librdkafka(struct cr_error **err)
{
        static const struct cr_dlsym symbols[] = {
                CR_DLSYM_ARG(rd_kafka_conf_destroy),
                CR_DLSYM_ARG(rd_kafka_conf_new),
                CR_DLSYM_ARG(rd_kafka_conf_set),
                CR_DLSYM_ARG(rd_kafka_conf_set_dr_msg_cb),
                CR_DLSYM_ARG(rd_kafka_conf_set_error_cb),
                CR_DLSYM_ARG(rd_kafka_conf_set_log_cb),
                CR_DLSYM_ARG(rd_kafka_conf_set_opaque),
                CR_DLSYM_ARG(rd_kafka_destroy),
                CR_DLSYM_ARG(rd_kafka_err2str),
                CR_DLSYM_ARG(rd_kafka_fatal_error),
                CR_DLSYM_ARG(rd_kafka_flush),
                CR_DLSYM_ARG(rd_kafka_new),
                CR_DLSYM_ARG(rd_kafka_poll),
                CR_DLSYM_ARG(rd_kafka_producev),
                CR_DLSYM_ARG(rd_kafka_purge),
        };
        static bool loaded;
        int r;

        if (loaded)
                return 0;
        r = cr_dlopen_many(LIBRDKAFKA_SONAME, symbols, ARRAY_SIZE(symbols), NULL, err);
        loaded = r >= 0;
        return r;
}

/* The Kafka sink: the ONLY includer of librdkafka's header.
 *
 * librdkafka runs its own threads (one per broker, plus its main thread);
 * delivery reports are queued and handed to us only inside rd_kafka_poll(),
 * which the caller runs in its own thread, so reports never arrive on a
 * thread of ours that does something else. The outbox row id travels as the
 * message's opaque pointer. */

struct kafka_sink {
        struct cr_event_sink base;
        rd_kafka_t *rk;
};

DEFINE_CLEANUP_FUNC(rd_kafka_conf_t *, sym_rd_kafka_conf_destroy)

static int report_errno(rd_kafka_resp_err_t e)
{
        switch (e) {
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
                return -ETIMEDOUT;
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
        case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
                return -ECANCELED;
        default:
                return -EIO;
        }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        struct kafka_sink *k = opaque;
        uint64_t id = (uint64_t)(uintptr_t)m->_private;

        (void)rk;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
                event_sink_report(&k->base, id, 0, NULL);
        else
                event_sink_report(&k->base, id, report_errno(m->err), sym_rd_kafka_err2str(m->err));
}

/* Connection trouble (all brokers down, authentication) arrives here; it is
 * transient unless librdkafka calls it fatal. The publisher sees the effect
 * in the reports (timeouts), so only fatal errors are kept. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        struct kafka_sink *k = opaque;
        char fatal[200];

        if (err != RD_KAFKA_RESP_ERR__FATAL)
                return;
        if (sym_rd_kafka_fatal_error(rk, fatal, sizeof(fatal)) == RD_KAFKA_RESP_ERR_NO_ERROR)
                snprintf(fatal, sizeof(fatal), "%s", reason);
        snprintf(k->base.broken, sizeof(k->base.broken), "the Kafka producer failed: %s", fatal);
}

static int kafka_send(struct cr_event_sink *s, uint64_t id, const char *topic, const char *key,
                      const char *payload, size_t payload_len, struct cr_error **err)
{
        struct kafka_sink *k = (struct kafka_sink *)s;
        rd_kafka_resp_err_t e;

        if (sizeof(uintptr_t) < sizeof(uint64_t) && id > UINTPTR_MAX)
                return cr_error_make(err, EOVERFLOW, CR_ERROR_INTERNAL, "Event id %llu too large",
                                     (unsigned long long)id);
        e = sym_rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE((void *)payload, payload_len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_OPAQUE((void *)(uintptr_t)id), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return cr_error_make(err, ENOBUFS, CR_ERROR_LIMIT, "The Kafka producer's queue is full");
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
                return cr_error_make(err, EIO, CR_ERROR_UNAVAILABLE, "Kafka produce to '%s': %s", topic,
                                     sym_rd_kafka_err2str(e));
        return 0;
}

static int kafka_poll(struct cr_event_sink *s, int timeout_ms)
{
        struct kafka_sink *k = (struct kafka_sink *)s;

        return sym_rd_kafka_poll(k->rk, timeout_ms);
}

/* What was not delivered yet is reported failed (purged), so the caller
 * knows every row it sent is settled; the outbox sends those again. */
static void kafka_free(struct cr_event_sink *s)
{
        struct kafka_sink *k = (struct kafka_sink *)s;

        if (k->rk) {
                (void)sym_rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT |
                                                    RD_KAFKA_PURGE_F_NON_BLOCKING);
                (void)sym_rd_kafka_flush(k->rk, 1000);
                while (k->base.in_flight > 0 && sym_rd_kafka_poll(k->rk, 100) > 0)
                        ;
                sym_rd_kafka_destroy(k->rk);
        }
        free(k);
}

static const struct cr_event_sink_ops kafka_ops = {
        .kind = "kafka",
        .send = kafka_send,
        .poll = kafka_poll,
        .free = kafka_free,
};

static int apply_settings(rd_kafka_conf_t *conf, const struct cr_kafka_settings *ks, struct cr_error **err)
{
        char errstr[256];

        for (size_t i = 0; i < ks->n_props; i++) {
                const struct cr_kafka_property *p = &ks->props[i];

                if (sym_rd_kafka_conf_set(conf, p->name, p->value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
                        return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "Kafka property %s: %s", p->name,
                                             p->secret ? "rejected" : errstr);
        }
        return 0;
}

int event_sink_new_kafka(const struct cr_kafka_settings *ks, struct cr_event_sink **ret,
                         struct cr_error **err)
{
        _cleanup_(sym_rd_kafka_conf_destroyp) rd_kafka_conf_t *conf = NULL;
        struct kafka_sink *k;
        char errstr[512];
        int r;

        r = dlopen_librdkafka(err);
        if (r < 0)
                return r;
        conf = sym_rd_kafka_conf_new();
        k = xzalloc(sizeof(*k));
        k->base.ops = &kafka_ops;
        r = apply_settings(conf, ks, err);
        if (r < 0) {
                free(k);
                return r;
        }
        sym_rd_kafka_conf_set_opaque(conf, k);
        sym_rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        sym_rd_kafka_conf_set_error_cb(conf, on_error);
        /* library modules do not log: no text of librdkafka's on stderr */
        sym_rd_kafka_conf_set_log_cb(conf, NULL);
        k->rk = sym_rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!k->rk) {
                free(k);
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "Kafka producer: %s", errstr);
        }
        conf = NULL; /* rd_kafka_new() took it */
        *ret = &k->base;
        return 0;
}
