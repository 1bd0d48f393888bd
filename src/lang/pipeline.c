/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "pipeline.h"

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "xalloc.h"

#define MAX_RUN_ARGS 64

static void apply_runtime_limits(const struct cr_runtime_limits *rl, struct cr_sandbox_limits *l)
{
        l->cpu_time_ms = rl->time_ms;
        l->wall_time_ms = rl->wall_ms;
        l->memory_bytes = rl->memory_bytes;
        l->pids = rl->pids;
}

void cr_lang_run_limits(const struct cr_runtime *rt, struct cr_sandbox_limits *ret)
{
        cr_sandbox_limits_default(ret);
        apply_runtime_limits(&rt->run.limits, ret);
}

static int compile_step(struct cr_sandbox *sb, const struct cr_lang_job *job, struct cr_lang_result *res,
                        struct cr_error **err)
{
        const struct cr_runtime *rt = job->runtime;
        struct cr_sandbox_spec spec = {
                .rootfs = job->rootfs,
                .workdir_host = job->work_dir,
                .workdir_writable = true, /* the compiler writes its artefacts here */
                .argv = (const char *const *) rt->compile->argv,
                .envp = (const char *const *) rt->env,
                .slot = job->slot,
                .seccomp = job->seccomp,
        };
        int r;

        cr_sandbox_limits_default(&spec.limits);
        apply_runtime_limits(&rt->compile->limits, &spec.limits);
        /* the artefact dir is the tmpfs the caller sized; outputs are bounded */
        spec.limits.tmpfs_bytes = job->run_limits.tmpfs_bytes;
        spec.limits.file_size_bytes = job->run_limits.file_size_bytes;
        r = cr_sandbox_run(sb, &spec, &res->compile, err);
        if (r < 0)
                return cr_error_wrap(err, "compile step");
        res->compiled = true;
        res->compile_failed = res->compile.verdict != CR_VERDICT_OK;
        return 0;
}

static int run_step(struct cr_sandbox *sb, const struct cr_lang_job *job, struct cr_lang_result *res,
                    struct cr_error **err)
{
        const char *argv[MAX_RUN_ARGS + 1];
        size_t n = 0;
        struct cr_sandbox_spec spec = {
                .rootfs = job->rootfs,
                .workdir_host = job->work_dir,
                .workdir_writable = false, /* artefacts are read-only; /tmp is writable */
                .argv = argv,
                .envp = (const char *const *) job->runtime->env,
                .stdin_data = job->stdin_data,
                .stdin_len = job->stdin_len,
                .limits = job->run_limits,
                .slot = job->slot,
                .seccomp = job->seccomp,
                .on_output = job->on_output,
                .userdata = job->userdata,
        };
        int r;

        for (char **a = job->runtime->run.argv; *a && n < MAX_RUN_ARGS; a++)
                argv[n++] = *a;
        for (const char *const *a = job->extra_args; a && *a; a++) {
                if (n >= MAX_RUN_ARGS)
                        return cr_error_set(err, E2BIG, CR_ERROR_INVALID, "too many program arguments (max %d)",
                                            MAX_RUN_ARGS);
                argv[n++] = *a;
        }
        argv[n] = NULL;
        r = cr_sandbox_run(sb, &spec, &res->run, err);
        return r < 0 ? cr_error_wrap(err, "run step") : 0;
}

int cr_lang_execute(struct cr_sandbox *sb, const struct cr_lang_job *job, struct cr_lang_result *ret,
                    struct cr_error **err)
{
        struct cr_lang_result res = {};
        int r = 0;

        if (job->runtime->compile)
                r = compile_step(sb, job, &res, err);
        if (r >= 0 && !res.compile_failed)
                r = run_step(sb, job, &res, err);
        if (r < 0) {
                cr_lang_result_done(&res);
                return r;
        }
        *ret = res;
        return 0;
}

void cr_lang_result_done(struct cr_lang_result *r)
{
        if (r->compiled)
                cr_sandbox_result_done(&r->compile);
        if (!r->compile_failed)
                cr_sandbox_result_done(&r->run);
        *r = (struct cr_lang_result) {};
}

int cr_lang_result_to_json(const struct cr_lang_result *r, const struct cr_runtime *rt, struct cr_buf *out)
{
        /* no run happened after a failed compile: empty run fields */
        static const struct cr_sandbox_result none = { .exit_code = -1 };
        int k = cr_buf_append(out, "{", 1);

        if (k >= 0)
                k = cr_sandbox_result_append_fields(r->compile_failed ? &none : &r->run,
                                                    r->compile_failed ? "COMPILE_ERROR" : NULL, out);
        if (k >= 0)
                k = cr_buf_printf(out, ",\"runtime\":\"%s\",\"version\":\"%s\",\"compile\":", rt->id, rt->version);
        if (k >= 0)
                k = r->compiled ? cr_sandbox_result_to_json(&r->compile, out) : cr_buf_append(out, "null", 4);
        if (k >= 0)
                k = cr_buf_append(out, "}", 1);
        return k;
}
