/* SPDX-License-Identifier: MIT */
#pragma once

/* Judging a finished job: from the raw results in an outcome (compile and
 * run results, filled by the runner) to its per-test verdicts and the
 * summary the original service returned (message, error_type,
 * error_message), through judge/'s plan for the description's language,
 * code and tests. Pure: no I/O, unit-tested. */

#include <stddef.h>

struct cr_error;
struct cr_job_spec;
struct cr_job_outcome;
struct cr_judge_plan;

/* The bound on a program (the code or a generated harness): half the
 * executor's message bound, so a job with its tests' input still fits. */
#define CR_JOB_PROGRAM_MAX (48U * 1024U * 1024U)

/* The judge's plan for a description (its runtime, code and tests):
 * admission builds the program with it, and judging rebuilds the same plan.
 * run_argv may be NULL when only judging. */
int cr_job_plan(const struct cr_job_spec *s, const char *const *run_argv, size_t source_max,
                struct cr_judge_plan **ret, struct cr_error **err);

void cr_job_judge(const struct cr_job_spec *spec, struct cr_job_outcome *o);
