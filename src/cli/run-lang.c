/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "run-lang.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "fd-util.h"
#include "image/image.h"
#include "lang/catalog.h"
#include "sandbox-env.h"
#include "lang/pipeline.h"
#include "run-opts.h"
#include "xalloc.h"

/* `coderunner run --lang NAME[@VERSION] --file SOURCE`: resolves the runtime
 * in the catalogue and its image in the store, puts the source in a per-slot
 * tmpfs work dir (in a private mount namespace, so nothing outlives us),
 * compiles once if the runtime compiles, then runs in a fresh sandbox with
 * the artefacts mounted read-only. */

#define MAX_SOURCE (4ULL << 20)

struct lang_ctx {
        struct cr_catalog *catalog;
        const struct cr_runtime *runtime;        /* not owned: in catalog */
        struct cr_image_store *store;
        struct cr_image_info *image;
        int pin_fd;
        int slot_fd;
        char *work_dir;
        struct cli_sandbox_env env;
};

static void lang_ctx_done(struct lang_ctx *c)
{
        _cleanup_error_ struct cr_error *e = NULL;

        if (c->work_dir && cr_sandbox_workdir_destroy(c->work_dir, &e) < 0)
                fprintf(stderr, "coderunner run: %s, ignoring\n", e->msg);
        free(c->work_dir);
        cli_sandbox_env_close(&c->env);
        cli_slot_release(&c->slot_fd);
        safe_close(c->pin_fd);
        cr_image_info_free(c->image);
        cr_image_store_free(c->store);
        cr_catalog_free(c->catalog);
}

static int resolve(struct lang_ctx *c, const struct run_opts *o, struct cr_error **err)
{
        _cleanup_free_ char *ref = NULL, *defaults = NULL;
        int r;

        r = cr_image_store_open(run_opts_image_store(o), 0, NULL, &c->store, err);
        if (r < 0 && (*err)->kind != CR_ERROR_NOT_FOUND)
                return r;
        if (r < 0) /* no store yet: nothing is installed */
                *err = cr_error_free(*err);
        r = cli_runtime_defaults(&defaults, err);
        if (r >= 0)
                r = cli_catalog_load(c->store, defaults, &c->catalog, err);
        if (r >= 0)
                r = cr_catalog_find(c->catalog, o->lang, &c->runtime, err);
        if (r < 0)
                return r;
        if (!c->runtime->version || !c->store)
                return cr_error_make(err, ENOENT, CR_ERROR_NOT_FOUND,
                                     "%s is not installed: no image '%s' in the store (import one with 'coderunner "
                                     "images import', or build them with 'coderunner images build %s --import')",
                                     c->runtime->id, c->runtime->image, c->runtime->image);
        ref = xasprintf("%s@%s", c->runtime->image, c->runtime->version);
        r = cr_image_resolve(c->store, ref, &c->image, err);
        if (r < 0)
                return cr_error_wrap(err, "image for %s", c->runtime->id);
        /* keep the tree from being removed or replaced while we use it */
        c->pin_fd = cr_image_pin(c->image, err);
        return c->pin_fd < 0 ? c->pin_fd : 0;
}

/* The source may be a file, a pipe (`<(...)`, /dev/fd/N) or our stdin
 * (`-`): anything we can read, up to MAX_SOURCE bytes. */
static int open_source(const char *src, struct cr_error **err)
{
        struct stat st;
        int fd;

        if (strcmp(src, "-") == 0)
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        else
                fd = open(src, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INVALID, "cannot read source file '%s'", src);
        if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
                safe_close(fd);
                return cr_error_make(err, EISDIR, CR_ERROR_INVALID, "source '%s' is a directory", src);
        }
        return fd;
}

static int copy_source(const char *src, const char *dir, const char *name, struct cr_error **err)
{
        _cleanup_close_ int in = -EBADF, dirfd = -EBADF, out = -EBADF;
        char chunk[65536];
        uint64_t total = 0;
        ssize_t n;

        in = open_source(src, err);
        if (in < 0)
                return in;
        dirfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (dirfd >= 0)
                out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (out < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "create %s/%s", dir, name);
        while ((n = read(in, chunk, sizeof(chunk))) > 0) {
                total += (uint64_t) n;
                if (total > MAX_SOURCE)
                        return cr_error_make(err, EFBIG, CR_ERROR_INVALID, "source file '%s' is larger than %llu MiB",
                                             src, (unsigned long long) (MAX_SOURCE >> 20));
                if (loop_write(out, chunk, (size_t) n) < 0)
                        return cr_error_set(err, errno, CR_ERROR_LIMIT, "write source into the work dir");
        }
        return n < 0 ? cr_error_set(err, errno, CR_ERROR_INVALID, "read '%s'", src) : 0;
}

static int prepare(struct lang_ctx *c, const struct run_opts *o, uint64_t workdir_bytes, struct cr_error **err)
{
        _cleanup_free_ char *profile = NULL;
        int r, slot;

        if (o->profile)
                profile = xstrdup(o->profile);
        else {
                _cleanup_free_ char *rel = xasprintf("seccomp/%s.profile", c->runtime->seccomp_profile);
                profile = cli_data_path(rel, rel);
        }
        r = cli_sandbox_env_open(&c->env, profile, o->allow_missing, o->cgroup_delegate, err);
        if (r < 0)
                return r;
        r = slot = cli_slot_acquire(&c->slot_fd, err);
        if (r < 0)
                return r;
        cli_slot_join_netns(c->env.sandbox, slot, c->slot_fd);
        r = cr_sandbox_private_mounts(err);
        if (r >= 0)
                r = cr_sandbox_workdir_create((unsigned) slot, workdir_bytes, &c->work_dir, err);
        if (r >= 0)
                r = copy_source(o->source, c->work_dir, c->runtime->source_file, err);
        return r < 0 ? r : slot;
}

static int report(const struct run_opts *o, const struct cr_lang_result *res, const struct cr_runtime *rt)
{
        if (o->json) {
                _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(64ULL << 20);
                if (cr_lang_result_to_json(res, rt, &b) < 0 || cr_buf_append(&b, "\n", 1) < 0 ||
                    loop_write(STDOUT_FILENO, b.data, b.len) < 0)
                        return RUN_EXIT_INTERNAL;
                return 0;
        }
        if (res->compile_failed) {
                /* like a compiler on a terminal: its messages, then failure */
                (void) loop_write(STDERR_FILENO, res->compile.out.data ? res->compile.out.data : "",
                                  res->compile.out.len);
                (void) loop_write(STDERR_FILENO, res->compile.err.data ? res->compile.err.data : "",
                                  res->compile.err.len);
                fprintf(stderr, "coderunner: COMPILE_ERROR (%s)\n", cr_verdict_to_string(res->compile.verdict));
                return 1;
        }
        if (res->run.stdin_truncated)
                fputs("coderunner: stdin was cut at the input limit (see --input-limit)\n", stderr);
        if (res->run.verdict != CR_VERDICT_OK && res->run.verdict != CR_VERDICT_RUNTIME_ERROR)
                fprintf(stderr, "coderunner: %s%s%s%s\n", cr_verdict_to_string(res->run.verdict),
                        res->run.seccomp_syscall[0] ? " (" : "", res->run.seccomp_syscall,
                        res->run.seccomp_syscall[0] ? ")" : "");
        return res->run.signal ? 128 + res->run.signal : res->run.exit_code;
}

int run_lang(struct run_opts *o, const struct run_input *input)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct lang_ctx c = { .pin_fd = -EBADF, .slot_fd = -EBADF };
        struct cr_lang_job job = { .cancel_fd = -1 };
        struct cr_lang_run run = {
                .stdin_data = input->data.data, .stdin_len = input->data.len,
                .stdin_stream_fd = input->stream_fd, .stdin_stream_max = input->max,
                .extra_args = (const char *const *) o->argv,
                .on_output = o->json ? NULL : run_passthrough,
        };
        struct cr_lang_result res;
        int r;

        r = resolve(&c, o, &err);
        if (r >= 0) {
                cr_lang_job_from_runtime(c.runtime, &job);
                run_opts_apply_limits(o, &job.run_limits);
                r = prepare(&c, o, job.run_limits.tmpfs_bytes, &err);
        }
        if (r >= 0) {
                job.slot = (unsigned) r;
                job.rootfs = c.image->rootfs;
                job.work_dir = c.work_dir;
                r = cr_lang_execute(c.env.sandbox, &job, &run, &res, &err);
        }
        if (r < 0) {
                fprintf(stderr, "coderunner run: %s\n", err ? err->msg : "failed");
                lang_ctx_done(&c);
                return run_error_exit(err);
        }
        r = report(o, &res, c.runtime);
        cr_lang_result_done(&res);
        lang_ctx_done(&c);
        return r;
}
