/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "execution.h"

#include <string.h>
#include <time.h>

#include "error.h"
#include "store/store.h"

uint64_t cr_now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void cr_evaluator_limits_default(struct cr_evaluator_limits *l)
{
        *l = (struct cr_evaluator_limits) {
                .bounds = {
                        .max_code_bytes = 1 << 20,
                        .max_tests = 100,
                        .max_input_bytes = 1 << 20,
                        .max_args = 64,
                        .max_arg_bytes = 4096,
                        .max_id_bytes = 256,
                },
                .max_run = {
                        .cpu_time_ms = 30 * 1000,
                        .wall_time_ms = 60 * 1000,
                        .memory_bytes = 2ULL << 30,
                        .pids = 256,
                        .output_bytes = 4ULL << 20,
                },
                .max_compile = {
                        .cpu_time_ms = 60 * 1000,
                        .wall_time_ms = 120 * 1000,
                        .memory_bytes = 2ULL << 30,
                        .pids = 256,
                        .output_bytes = 4ULL << 20,
                },
        };
}

int cr_execution_from_row(const struct cr_store_row *row, struct cr_execution *x, struct cr_job_spec **ret_spec,
                          struct cr_job_outcome **ret_outcome, struct cr_error **err)
{
        int r = 0;

        *ret_spec = NULL;
        *ret_outcome = NULL;
        if (row->spec)
                r = cr_job_spec_decode(row->spec, row->spec_len, ret_spec, err);
        if (r >= 0 && row->outcome && cr_job_status_is_final(row->status))
                r = cr_job_outcome_decode(row->outcome, row->outcome_len, ret_outcome, err);
        if (r < 0) {
                *ret_spec = cr_job_spec_free(*ret_spec);
                return cr_error_wrap(err, "execution %s", row->id);
        }
        *x = (struct cr_execution) {
                .status = row->status,
                .spec = *ret_spec,
                .outcome = *ret_outcome,
                .error_message = *ret_outcome || !cr_job_status_is_final(row->status) ? NULL : row->error_message,
                .server_instance = row->server_instance,
                .message = *ret_outcome ? NULL : row->message,
                .approved_ids = *ret_outcome ? NULL : row->approved_test_ids,
                .success = *ret_outcome ? (*ret_outcome)->success : row->success,
                .created_us = row->created_us,
                .started_us = row->started_us,
                .completed_us = row->completed_us,
        };
        memcpy(x->id, row->id, sizeof(x->id));
        return 0;
}

