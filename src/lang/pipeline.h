/* SPDX-License-Identifier: MIT */
#pragma once

/* Compile once (when the runtime compiles) in one sandbox, then run in fresh
 * sandboxes with the compiled artefacts mounted read-only: the pipeline
 * shared by `coderunner run --lang` and the daemon's executor. A job names
 * everything explicitly (argv, environment, limits), so the executor needs
 * no catalogue; cr_lang_job_from_runtime() fills one from a catalogue entry. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/sandbox.h"

struct cr_error;
struct cr_runtime;
struct cr_buf;

struct cr_lang_job {
        const char *rootfs;                       /* not owned: the runtime's unpacked image */
        const char *work_dir;                     /* not owned: host dir holding the source; writable by the slot */
        const char *const *env;                   /* not owned */
        const char *const *compile_argv;          /* not owned; NULL for interpreted runtimes */
        struct cr_sandbox_limits compile_limits;
        const char *const *run_argv;              /* not owned */
        struct cr_sandbox_limits run_limits;
        const struct cr_seccomp_program *seccomp; /* not owned; NULL = the sandbox's default */
        unsigned slot;
        int cancel_fd;                            /* see cr_sandbox_spec; -1 for none */
};

/* One run of the compiled (or interpreted) program. */
struct cr_lang_run {
        const char *const *extra_args;            /* appended to run_argv; may be NULL */
        const void *stdin_data;
        size_t stdin_len;
        int stdin_stream_fd;                      /* see cr_sandbox_spec; 0 or -1 for none */
        uint64_t stdin_stream_max;
        cr_sandbox_output_fn on_output;           /* optional live output */
        void *userdata;
};

struct cr_lang_result {
        bool compiled;                  /* a compile step ran */
        bool compile_failed;            /* ... and did not produce a program: no run happened */
        struct cr_sandbox_result compile;
        struct cr_sandbox_result run;   /* valid unless compile_failed */
};

/* Argv, environment and limits (sandbox defaults overlaid with the
 * catalogue's) from a runtime; the caller sets the rest. */
void cr_lang_job_from_runtime(const struct cr_runtime *rt, struct cr_lang_job *job);

int cr_lang_compile(struct cr_sandbox *sb, const struct cr_lang_job *job, struct cr_sandbox_result *ret,
                    struct cr_error **err);
int cr_lang_run(struct cr_sandbox *sb, const struct cr_lang_job *job, const struct cr_lang_run *run,
                struct cr_sandbox_result *ret, struct cr_error **err);

/* Compile if needed, then one run: `coderunner run --lang`. */
int cr_lang_execute(struct cr_sandbox *sb, const struct cr_lang_job *job, const struct cr_lang_run *run,
                    struct cr_lang_result *ret, struct cr_error **err);
void cr_lang_result_done(struct cr_lang_result *r);
/* The `coderunner run --lang --json` object: the run's fields, status
 * COMPILE_ERROR when compilation failed, a "compile" section when a compile
 * step ran, and the runtime's id and version. */
int cr_lang_result_to_json(const struct cr_lang_result *r, const struct cr_runtime *rt, struct cr_buf *out);
