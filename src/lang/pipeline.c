/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "pipeline.h"

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "json/json.h"

#define MAX_RUN_ARGS 64

static void apply_runtime_limits(const struct cr_runtime_limits *rl, struct cr_sandbox_limits *l)
{
        cr_sandbox_limits_default(l);
        l->cpu_time_ms = rl->time_ms;
        l->wall_time_ms = rl->wall_ms;
        l->memory_bytes = rl->memory_bytes;
        l->pids = rl->pids;
}

void cr_lang_job_from_runtime(const struct cr_runtime *rt, struct cr_lang_job *job)
{
        job->env = (const char *const *) rt->env;
        job->run_argv = (const char *const *) rt->run.argv;
        apply_runtime_limits(&rt->run.limits, &job->run_limits);
        job->compile_argv = NULL;
        if (rt->compile) {
                job->compile_argv = (const char *const *) rt->compile->argv;
                apply_runtime_limits(&rt->compile->limits, &job->compile_limits);
        }
}

int cr_lang_compile(struct cr_sandbox *sb, const struct cr_lang_job *job, struct cr_sandbox_result *ret,
                    struct cr_error **err)
{
        struct cr_sandbox_spec spec = {
                .rootfs = job->rootfs,
                .workdir_host = job->work_dir,
                .workdir_writable = true, /* the compiler writes its artefacts here */
                .argv = job->compile_argv,
                .envp = job->env,
                .limits = job->compile_limits,
                .slot = job->slot,
                .seccomp = job->seccomp,
                .cancel_fd = job->cancel_fd,
        };
        /* the artefact dir is the tmpfs the caller sized; outputs are bounded */
        spec.limits.tmpfs_bytes = job->run_limits.tmpfs_bytes;
        spec.limits.file_size_bytes = job->run_limits.file_size_bytes;
        return cr_sandbox_run(sb, &spec, ret, err) < 0 ? cr_error_wrap(err, "compile step") : 0;
}

int cr_lang_run(struct cr_sandbox *sb, const struct cr_lang_job *job, const struct cr_lang_run *run,
                struct cr_sandbox_result *ret, struct cr_error **err)
{
        const char *argv[MAX_RUN_ARGS + 1];
        size_t n = 0;
        struct cr_sandbox_spec spec = {
                .rootfs = job->rootfs,
                .workdir_host = job->work_dir,
                .workdir_writable = false, /* artefacts are read-only; /tmp is writable */
                .argv = argv,
                .envp = job->env,
                .stdin_data = run->stdin_data,
                .stdin_len = run->stdin_len,
                .stdin_stream_fd = run->stdin_stream_fd,
                .stdin_stream_max = run->stdin_stream_max,
                .limits = job->run_limits,
                .slot = job->slot,
                .seccomp = job->seccomp,
                .on_output = run->on_output,
                .userdata = run->userdata,
                .cancel_fd = job->cancel_fd,
        };

        for (const char *const *a = job->run_argv; *a && n < MAX_RUN_ARGS; a++)
                argv[n++] = *a;
        for (const char *const *a = run->extra_args; a && *a; a++) {
                if (n >= MAX_RUN_ARGS)
                        return cr_error_make(err, E2BIG, CR_ERROR_INVALID, "too many program arguments (max %d)",
                                            MAX_RUN_ARGS);
                argv[n++] = *a;
        }
        argv[n] = NULL;
        return cr_sandbox_run(sb, &spec, ret, err) < 0 ? cr_error_wrap(err, "run step") : 0;
}

int cr_lang_execute(struct cr_sandbox *sb, const struct cr_lang_job *job, const struct cr_lang_run *run,
                    struct cr_lang_result *ret, struct cr_error **err)
{
        struct cr_lang_result res = {};
        int r = 0;

        if (job->compile_argv) {
                r = cr_lang_compile(sb, job, &res.compile, err);
                res.compiled = r >= 0;
                res.compile_failed = r >= 0 && res.compile.verdict != CR_VERDICT_OK;
        }
        if (r >= 0 && !res.compile_failed)
                r = cr_lang_run(sb, job, run, &res.run, err);
        if (r < 0) {
                if (res.compiled)
                        cr_sandbox_result_done(&res.compile);
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
        struct cr_json_writer w;

        cr_json_writer_init(&w, out);
        cr_json_object_begin(&w);
        cr_sandbox_result_write_fields(r->compile_failed ? &none : &r->run,
                                       r->compile_failed ? "COMPILE_ERROR" : NULL, &w);
        cr_json_field_string(&w, "runtime", rt->id);
        cr_json_field_string(&w, "version", rt->version);
        cr_json_key(&w, "compile");
        if (r->compiled)
                cr_sandbox_result_write(&r->compile, &w);
        else
                cr_json_null(&w);
        cr_json_object_end(&w);
        return cr_json_writer_finish(&w);
}
