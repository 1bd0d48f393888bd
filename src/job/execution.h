/* SPDX-License-Identifier: MIT */
#pragma once

/* One execution as every part of the job layer and every service sees it:
 * the record (a job, its state, its outcome), built from what runs here or
 * from a stored row; and what a request may ask for. The lowest file of
 * job/: the lifecycle, the queue and the services all use it. Includes no
 * third-party header. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobspec/jobspec.h"
#include "sandbox/sandbox.h"

struct cr_error;
struct cr_store_row;

#define CR_EXECUTION_ID_LEN 36

/* One execution as every instance sees it: the job, its state and, once
 * final, what it ended with. All pointers are borrowed for the callback. */
struct cr_execution {
        char id[CR_EXECUTION_ID_LEN + 1];
        enum cr_job_status status;
        const struct cr_job_spec *spec;
        const struct cr_job_outcome *outcome; /* final and judged; NULL otherwise */
        /* final without an outcome (FAILED, CANCELLED): why, for the client
         * and the row; NULL otherwise */
        const char *error_message;
        /* the same failure as an error chain, when it happened here (for the
         * gRPC status and the log); NULL when read back from elsewhere */
        const struct cr_error *error;
        const char *server_instance;          /* who ran it; "" before it ran */
        /* a row the original service wrote has no description nor outcome:
         * its message and comma-separated approved test ids (else NULL) */
        const char *message;
        const char *approved_ids;
        bool success;
        uint64_t created_us;                  /* CLOCK_REALTIME µs */
        uint64_t started_us;                  /* 0 until RUNNING */
        uint64_t completed_us;                /* 0 until final */
};

/* What a request may ask for. */
struct cr_evaluator_limits {
        struct cr_job_bounds bounds;
        struct cr_sandbox_limits max_run;      /* the largest override a request may give */
        struct cr_sandbox_limits max_compile;
};

/* The defaults every daemon uses (bounds from the configuration). */
void cr_evaluator_limits_default(struct cr_evaluator_limits *l);

/* CLOCK_REALTIME in µs (what rows and records hold). */
uint64_t cr_now_us(void);

/* A record from a stored row: decodes the description and the outcome into
 * *ret_spec / *ret_outcome (owned by the caller; they stay NULL for the
 * original service's rows). x points into row and into them. */
int cr_execution_from_row(const struct cr_store_row *row, struct cr_execution *x, struct cr_job_spec **ret_spec,
                          struct cr_job_outcome **ret_outcome, struct cr_error **err);
