/* SPDX-License-Identifier: MIT */
#pragma once

/* The queue's state, shared by queue.c (the facade, on top), dispatch.c (the
 * dispatcher thread) and runner.c (running claimed jobs, at the bottom), and
 * the two things all of them do: wake the dispatcher, report readiness. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "execution.h"
#include "queue.h"

struct cr_store_pool;
struct cr_watchers;
struct run;

struct cr_queue {
        struct cr_queue_options o;
        char *instance;                    /* owned copy */
        struct cr_job_engine *engine;      /* not owned */
        struct cr_store_pool *pool;
        struct cr_watchers *watchers;
        cr_queue_ready_fn ready_fn;
        void *ready_userdata;
        bool ready;                        /* atomic */

        pthread_mutex_t lock;              /* everything below */
        pthread_cond_t runs_done;          /* a run ended */
        unsigned reserved;                 /* admission places taken */
        struct run *runs;                  /* jobs claimed here and not yet stored */
        unsigned n_runs;
        unsigned busy;                     /* of them, those holding a worker */
        bool stopping;                     /* SIGTERM: nothing new is claimed */

        /* the dispatcher */
        pthread_t dispatcher;
        bool dispatcher_started;
        int wake_fd;                       /* eventfd: claim, re-check, stop */
        struct cr_store *conn;             /* the dispatcher's own connection */
        bool recovered;                    /* this instance's jobs from before a crash are back */
        bool quit;                         /* atomic: the dispatcher ends */
};

/* queue-core.c */
void queue_set_ready(struct cr_queue *q, bool ready);
void queue_wake(struct cr_queue *q);
