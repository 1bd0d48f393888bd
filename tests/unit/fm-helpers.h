/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers for the function-mode unit tests (test-judge-<language>.c): detect
 * a signature, build a plan, judge a run, and for languages whose toolchain
 * is on every test machine (python3, gcc), really run a generated program. */

#include <stdbool.h>
#include <stddef.h>

#include "judge/funcmode.h"
#include "judge/judge.h"

struct cr_error;

/* Detects the function; returns NULL and sets *ret_error (a copy of the
 * message) on failure. */
bool fm_detect(const char *lang, const char *code, const char *wanted, struct cr_fm_sig *ret, char **ret_error);

/* A plan for lang over n tests given as {input, expected, custom} triples
 * (custom may be NULL); NULL and *ret_error on failure. */
struct cr_judge_plan *fm_plan(const char *lang, const char *code, const char *const (*tests)[3], size_t n,
                              char **ret_error);

/* The generated program, NUL-terminated (owned by the plan). */
const char *fm_source(const struct cr_judge_plan *p);

/* Judges test i of p as if its run exited with `code` (a signal when
 * negative) and printed out/err. */
void fm_judge(const struct cr_judge_plan *p, size_t i, int code, const char *out, const char *err,
              struct cr_judge_verdict *ret);

/* Writes the plan's program to dir/file, builds it with build_argv (NULL for
 * none; run in dir), runs test i with run_argv + its arguments (in dir, 10 s
 * at most), and judges it. Returns -errno when something could not run. */
int fm_run_test(const struct cr_judge_plan *p, const char *dir, const char *file, char *const *run_argv, size_t i,
                struct cr_judge_verdict *ret);
int fm_build(const struct cr_judge_plan *p, const char *dir, const char *file, char *const *build_argv,
             char **ret_output);

/* A fresh temporary directory (removed by fm_rmdir). */
char *fm_mkdtemp(void);
void fm_rmdir(char *dir);
