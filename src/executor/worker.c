/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "executor.h"
#include "fanout.h"
#include "fd-util.h"
#include "fs-util.h"
#include "lang/catalog.h"
#include "lang/installed.h"
#include "lang/pipeline.h"
#include "spawn/wire.h"
#include "jobspec/jobspec-pb.h"
#include "jobspec/jobspec.h"
#include "xalloc.h"

/* A worker is single-threaded and lives for one job: it may clone sandboxes
 * and exits when the job is done, so everything it mounts or allocates goes
 * with it. Its private mount namespace holds the job's work dir.
 *
 * The job arrives as its description (jobspec/jobspec.h), the same bytes the store
 * keeps: the worker resolves the runtime in the table it inherited (built by
 * coderunner-executor, whose fingerprint matched the table the daemon
 * validated against) and takes every limit from the description. */

#define MAX_RUNS 1024

struct worker {
        int channel;
        const struct cr_executor_config *cfg;
        Coderunner__Internal__JobRequest *req;
        struct cr_job_spec *spec;
        const struct cr_runtime *runtime;  /* not owned */
        struct cr_lang_job job;
        char *work_dir;
        unsigned current_run;
        bool write_failed;
};

static void send_event(struct worker *w, Coderunner__Internal__JobEvent *ev)
{
        _cleanup_error_ struct cr_error *err = NULL;

        if (!w->write_failed && cr_wire_write(w->channel, &ev->base, &err) < 0)
                w->write_failed = true; /* the daemon is gone; cancel_fd stops the run */
}

static void send_error(struct worker *w, const struct cr_error *e)
{
        Coderunner__Internal__JobEvent ev = CODERUNNER__INTERNAL__JOB_EVENT__INIT;
        Coderunner__Internal__Error pe = CODERUNNER__INTERNAL__ERROR__INIT;

        pe.errnum = e ? e->errnum : EIO;
        pe.kind = e ? (int32_t) e->kind : CR_ERROR_INTERNAL;
        pe.message = (char *) (e && e->msg ? e->msg : "executor failure");
        ev.event_case = CODERUNNER__INTERNAL__JOB_EVENT__EVENT_ERROR;
        ev.error = &pe;
        send_event(w, &ev);
}

static void send_result(struct worker *w, bool compile, unsigned index, const struct cr_sandbox_result *r)
{
        Coderunner__Internal__JobEvent ev = CODERUNNER__INTERNAL__JOB_EVENT__INIT;
        Coderunner__Internal__SandboxResult pr;
        Coderunner__Internal__RunResult rr = CODERUNNER__INTERNAL__RUN_RESULT__INIT;

        cr_spec_result_to_pb(r, &pr);
        if (compile) {
                ev.event_case = CODERUNNER__INTERNAL__JOB_EVENT__EVENT_COMPILE;
                ev.compile = &pr;
        } else {
                rr.index = index;
                rr.result = &pr;
                ev.event_case = CODERUNNER__INTERNAL__JOB_EVENT__EVENT_RUN;
                ev.run = &rr;
        }
        send_event(w, &ev);
}

static void on_output(void *userdata, enum cr_sandbox_stream stream, const char *data, size_t n)
{
        struct worker *w = userdata;
        Coderunner__Internal__JobEvent ev = CODERUNNER__INTERNAL__JOB_EVENT__INIT;
        Coderunner__Internal__Output out = CODERUNNER__INTERNAL__OUTPUT__INIT;

        out.index = w->current_run;
        out.stream = (uint32_t) stream;
        out.data.data = (uint8_t *) data;
        out.data.len = n;
        ev.event_case = CODERUNNER__INTERNAL__JOB_EVENT__EVENT_OUTPUT;
        ev.output = &out;
        send_event(w, &ev);
}

static const struct cr_seccomp_program *find_profile(const struct cr_executor_config *cfg, const char *name)
{
        if (!name || !name[0])
                name = "default";
        for (size_t i = 0; i < cfg->n_profiles; i++)
                if (strcmp(cfg->profiles[i].name, name) == 0)
                        return cfg->profiles[i].program;
        return NULL;
}

static int read_request(struct worker *w, struct cr_error **err)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r = cr_wire_read(w->channel, CR_EXEC_MAX_MESSAGE, &buf, &n, err);

        if (r < 0)
                return r;
        if (n == 0)
                return cr_error_make(err, ECANCELED, CR_ERROR_CANCELLED, "job channel closed before the request");
        w->req = coderunner__internal__job_request__unpack(NULL, n, buf);
        if (!w->req)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed job request");
        r = cr_job_spec_decode(w->req->spec.data, w->req->spec.len, &w->spec, err);
        if (r >= 0 && w->spec->n_tests > MAX_RUNS)
                r = cr_error_make(err, EINVAL, CR_ERROR_INVALID, "more than %d runs", MAX_RUNS);
        return r;
}

static int resolve_runtime(struct worker *w, struct cr_error **err)
{
        _cleanup_free_ char *ref = xasprintf("%s@%s", w->spec->runtime, w->spec->runtime_version);
        const char *rootfs = NULL;
        int r;

        r = cr_installed_find(w->cfg->installed, ref, &w->runtime, &rootfs, err);
        if (r < 0)
                return r;
        cr_lang_job_from_runtime(w->runtime, &w->job);
        /* function mode may build and run differently (C++: against doctest's
         * prebuilt runner; Java: with the image's prebuilt helpers) */
        if (w->spec->function_mode && w->job.compile_argv && w->runtime->function_compile_argv)
                w->job.compile_argv = (const char *const *) w->runtime->function_compile_argv;
        if (w->spec->function_mode && w->job.compile_argv && w->runtime->function_run_argv)
                w->job.run_argv = (const char *const *) w->runtime->function_run_argv;
        w->job.rootfs = rootfs;
        w->job.run_limits = w->spec->run_limits;
        if (w->job.compile_argv)
                w->job.compile_limits = w->spec->compile_limits;
        w->job.seccomp = find_profile(w->cfg, w->runtime->seccomp_profile);
        if (!w->job.seccomp)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND, "seccomp profile '%s' is not loaded",
                                    w->runtime->seccomp_profile);
        return 0;
}

static int setup_job(struct worker *w, struct cr_error **err)
{
        struct cr_lang_job *job = &w->job;
        int r;

        r = resolve_runtime(w, err);
        if (r < 0)
                return r;
        job->slot = w->req->slot;
        job->cancel_fd = w->channel;
        r = cr_sandbox_private_mounts(err);
        if (r >= 0)
                r = cr_sandbox_workdir_create(job->slot, job->run_limits.tmpfs_bytes, &w->work_dir, err);
        if (r < 0)
                return r;
        job->work_dir = w->work_dir;
        return 0;
}

static int write_source(struct worker *w, struct cr_error **err)
{
        _cleanup_close_ int dirfd = open(w->work_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (dirfd >= 0)
                fd = openat(dirfd, w->runtime->source_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                            0644);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "create source file");
        r = loop_write(fd, w->spec->program, w->spec->program_len);
        if (r < 0)
                return cr_error_set(err, r, r == -ENOSPC ? CR_ERROR_LIMIT : CR_ERROR_INTERNAL,
                                    "write source file");
        return 0;
}

/* Test i in a fresh sandbox of `job`'s slot; its result goes to the daemon. */
static int run_test(struct worker *w, const struct cr_lang_job *job, size_t i, struct cr_error **err)
{
        const struct cr_job_test *t = &w->spec->tests[i];
        _cleanup_free_ const char **args = xzalloc((t->n_args + 1) * sizeof(char *));
        struct cr_lang_run run = {
                .extra_args = args,
                .stdin_data = t->stdin_data,
                .stdin_len = t->stdin_len,
                .on_output = w->spec->stream_output ? on_output : NULL,
                .userdata = w,
        };
        struct cr_sandbox_result res;
        int r;

        for (size_t k = 0; k < t->n_args; k++)
                args[k] = t->args[k];
        w->current_run = (unsigned) i;
        r = cr_lang_run(w->cfg->sandbox, job, &run, &res, err);
        if (r < 0)
                return r;
        send_result(w, false, (unsigned) i, &res);
        cr_sandbox_result_done(&res);
        return 0;
}

/* In a child of the fan-out: the same run in a lent slot, its one event
 * (the result, or the error) written on fd instead of the channel. */
static int run_test_child(void *userdata, unsigned index, unsigned slot, int fd)
{
        struct worker *w = userdata;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_lang_job job = w->job;
        int r;

        job.slot = slot;
        w->channel = fd;
        r = run_test(w, &job, index, &err);
        /* before this child exits and its slot counts as free again */
        cr_sandbox_release_kept(w->cfg->sandbox);
        if (r < 0)
                send_error(w, err);
        return w->write_failed ? 1 : 0;
}

/* Results reach the daemon in test order, as the sequential runs send them. */
static int deliver_test(void *userdata, unsigned index, const uint8_t *frame, size_t len, struct cr_error **err)
{
        struct worker *w = userdata;
        Coderunner__Internal__JobEvent *ev = coderunner__internal__job_event__unpack(NULL, len, frame);
        int r = 0;

        if (!ev || (ev->event_case != CODERUNNER__INTERNAL__JOB_EVENT__EVENT_RUN &&
                    ev->event_case != CODERUNNER__INTERNAL__JOB_EVENT__EVENT_ERROR))
                r = cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed result of test %u", index);
        else if (ev->event_case == CODERUNNER__INTERNAL__JOB_EVENT__EVENT_ERROR)
                r = cr_error_make(err, ev->error->errnum > 0 ? ev->error->errnum : EIO,
                                  (enum cr_error_kind) ev->error->kind, "%s", ev->error->message);
        else if (ev->run->index != index)
                r = cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "test %u answered as %u", index, ev->run->index);
        else
                send_event(w, ev);
        if (ev)
                coderunner__internal__job_event__free_unpacked(ev, NULL);
        return r;
}

static int do_runs_parallel(struct worker *w, struct cr_error **err)
{
        _cleanup_free_ unsigned *slots = xzalloc((w->req->n_extra_slots + 1) * sizeof(unsigned));
        _cleanup_close_ int dirfd = open(w->work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct cr_fanout f = {
                .n_tasks = (unsigned) w->spec->n_tests,
                .slots = slots,
                .n_slots = w->req->n_extra_slots + 1,
                .cancel_fd = w->channel,
                .run = run_test_child,
                .deliver = deliver_test,
                .userdata = w,
        };

        slots[0] = w->job.slot;
        for (size_t i = 0; i < w->req->n_extra_slots; i++)
                slots[i + 1] = w->req->extra_slots[i];
        /* The artefacts belong to the job's own slot; a lent slot runs the
         * program as another host id, so what the compiler made owner-only
         * (a strict umask) is opened to others. The tree lives on this
         * worker's private tmpfs, mounted read-only in each sandbox, and no
         * other sandbox sees it. */
        if (dirfd >= 0)
                (void) fs_share_tree_with_others(dirfd);
        /* the compile's leaf and mount namespace (its /tmp) would otherwise
         * stay until the job ends: this process runs no sandbox before then */
        cr_sandbox_release_kept(w->cfg->sandbox);
        return cr_fanout_run(&f, err);
}

/* One test after the other in the job's slot, or across the slots the job
 * layer lent it. Live output (a stream of one run's bytes) keeps them
 * sequential: its chunks carry no order across runs the client relies on. */
static int do_runs(struct worker *w, struct cr_error **err)
{
        if (w->req->n_extra_slots > 0 && w->spec->n_tests > 1 && !w->spec->stream_output)
                return do_runs_parallel(w, err);
        for (size_t i = 0; i < w->spec->n_tests; i++) {
                int r = run_test(w, &w->job, i, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int execute(struct worker *w, struct cr_error **err)
{
        int r = read_request(w, err);

        if (r >= 0)
                r = setup_job(w, err);
        if (r >= 0)
                r = write_source(w, err);
        if (r >= 0 && w->job.compile_argv) {
                struct cr_sandbox_result res;
                r = cr_lang_compile(w->cfg->sandbox, &w->job, &res, err);
                if (r >= 0) {
                        bool failed = res.verdict != CR_VERDICT_OK;
                        send_result(w, true, 0, &res);
                        cr_sandbox_result_done(&res);
                        if (failed)
                                return 0; /* the daemon reports the compile error */
                }
        }
        if (r >= 0)
                r = do_runs(w, err);
        return r;
}

int cr_worker_main(int channel, const struct cr_executor_config *cfg)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct worker w = { .channel = channel, .cfg = cfg, .job = { .cancel_fd = -1 } };
        Coderunner__Internal__JobEvent done = CODERUNNER__INTERNAL__JOB_EVENT__INIT;
        Coderunner__Internal__Done d = CODERUNNER__INTERNAL__DONE__INIT;
        int r;

        /* a job's sandboxes (compile, then each test) run one after the
         * other: each result is sent without waiting for its teardown */
        cr_sandbox_keep_between_runs(cfg->sandbox);
        r = execute(&w, &err);
        /* before the daemon hears the job is done and lends its slots again */
        cr_sandbox_release_kept(cfg->sandbox);

        if (r < 0)
                send_error(&w, err);
        else {
                done.event_case = CODERUNNER__INTERNAL__JOB_EVENT__EVENT_DONE;
                done.done = &d;
                send_event(&w, &done);
        }
        /* the process exits right after: its mounts and fds go with it */
        cr_job_spec_free(w.spec);
        if (w.req)
                coderunner__internal__job_request__free_unpacked(w.req, NULL);
        free(w.work_dir);
        return r;
}
