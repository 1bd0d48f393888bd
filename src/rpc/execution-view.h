/* SPDX-License-Identifier: MIT */
#pragma once

/* CodeExecutionService's view of an execution record (job/evaluation.h):
 * the pipeline steps, the metadata and the status, derived from the record
 * alone, so ExecuteCode's answer and a later GetExecutionStatus (read back
 * from the store, on any instance) are the same. Internal to rpc/. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code_execution.pb-c.h"
#include "job/results.h"
#include "pool.h"

struct cr_execution;

Google__Protobuf__Timestamp *v2_timestamp(struct rpc_pool *pl, uint64_t us);

#define V2_STEPS 4

/* The four steps (validate, compile, run_tests, judge) in the live log
 * table's form; strings point into the record or into buf. */
struct v2_steps {
        struct cr_exec_step s[V2_STEPS];
        char buf[16][24];
};

void v2_derive_steps(const struct cr_execution *x, struct v2_steps *ret);

Com__Levelupjourney__Coderunner__PipelineStep **v2_steps_pb(struct rpc_pool *pl, const struct v2_steps *steps);
Com__Levelupjourney__Coderunner__ExecutionMetadata *v2_metadata(struct rpc_pool *pl, const struct cr_execution *x);
char **v2_passed_ids(struct rpc_pool *pl, const struct cr_execution *x, size_t *ret_n);
/* EXECUTION_STATUS_*: the row's status, except that a compile error is
 * FAILED here (V2 said so before the store existed). */
int v2_status(const struct cr_execution *x);
bool v2_success(const struct cr_execution *x);
const char *v2_message(const struct cr_execution *x);
/* The log entries a replay of a finished (or running) execution shows
 * when its live log is not on this instance: one per step that started,
 * and one per test that ran. n at most V2_STEPS + n_tests. */
size_t v2_log_entries(const struct cr_execution *x, const struct v2_steps *steps, struct cr_exec_log *ret,
                      char (*texts)[256], size_t max);
