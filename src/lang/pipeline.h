/* SPDX-License-Identifier: MIT */
#pragma once

/* Compile once (when the runtime compiles) in one sandbox, then run in a
 * fresh sandbox with the compiled artefacts mounted read-only: the pipeline
 * shared by `coderunner run --lang` and the daemon. */

#include <stdbool.h>
#include <stddef.h>

#include "sandbox/sandbox.h"

struct cr_error;
struct cr_runtime;
struct cr_buf;

struct cr_lang_job {
        const struct cr_runtime *runtime;         /* not owned */
        const char *rootfs;                       /* not owned: the runtime's unpacked image */
        const char *work_dir;                     /* not owned: host dir holding the source; writable by the slot */
        const char *const *extra_args;            /* not owned: appended to the run argv; may be NULL */
        const void *stdin_data;                   /* not owned */
        size_t stdin_len;
        struct cr_sandbox_limits run_limits;      /* the run step's limits (catalogue defaults merged by caller) */
        const struct cr_seccomp_program *seccomp; /* not owned; NULL = the sandbox's default */
        unsigned slot;
        cr_sandbox_output_fn on_output;           /* optional live output of the run step */
        void *userdata;
};

struct cr_lang_result {
        bool compiled;                  /* a compile step ran */
        bool compile_failed;            /* ... and did not produce a program: no run happened */
        struct cr_sandbox_result compile;
        struct cr_sandbox_result run;   /* valid unless compile_failed */
};

/* Run-step limits: the sandbox defaults with the catalogue's run limits. */
void cr_lang_run_limits(const struct cr_runtime *rt, struct cr_sandbox_limits *ret);

int cr_lang_execute(struct cr_sandbox *sb, const struct cr_lang_job *job, struct cr_lang_result *ret,
                    struct cr_error **err);
void cr_lang_result_done(struct cr_lang_result *r);
/* The `coderunner run --lang --json` object: the run's fields, status
 * COMPILE_ERROR when compilation failed, a "compile" section when a compile
 * step ran, and the runtime's id and version. */
int cr_lang_result_to_json(const struct cr_lang_result *r, const struct cr_runtime *rt, struct cr_buf *out);
