/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "fm-helpers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"

static const char *const base_argv[] = {"/box/main", NULL};

bool fm_detect(const char *lang, const char *code, const char *wanted, struct cr_fm_sig *ret, char **ret_error)
{
        const struct cr_judge_language *l = cr_judge_language(cr_judge_lang_from_id(lang));
        _cleanup_error_ struct cr_error *err = NULL;

        *ret = (struct cr_fm_sig) {};
        if (l->fm->detect(code, strlen(code), wanted, ret, &err) < 0) {
                if (ret_error)
                        *ret_error = strdup(err->msg);
                return false;
        }
        return true;
}

struct cr_judge_plan *fm_plan(const char *lang, const char *code, const char *const (*tests)[3], size_t n,
                              char **ret_error)
{
        struct cr_judge_test t[64] = {};
        struct cr_judge_request req = {
                .language = lang,
                .code = code,
                .code_len = strlen(code),
                .tests = t,
                .n_tests = n,
                .run_argv = base_argv,
                .source_max = 16 << 20,
        };
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_judge_plan *p = NULL;

        for (size_t i = 0; i < n && i < 64; i++)
                t[i] = (struct cr_judge_test) {.id = "t", .input = tests[i][0], .expected_output = tests[i][1],
                                               .custom_validation_code = tests[i][2]};
        if (cr_judge_plan_new(&req, &p, &err) < 0) {
                if (ret_error)
                        *ret_error = strdup(err->msg);
                return NULL;
        }
        return p;
}

const char *fm_source(const struct cr_judge_plan *p)
{
        size_t len;

        return cr_judge_plan_source(p, &len);
}

void fm_judge(const struct cr_judge_plan *p, size_t i, int code, const char *out, const char *err,
              struct cr_judge_verdict *ret)
{
        static const struct cr_judge_limits limits = {.cpu_time_ms = 2000, .wall_time_ms = 5000,
                                                      .memory_bytes = 256 << 20, .output_bytes = 65536};
        struct cr_judge_run run = {
                .ran = true,
                .status = code == 0 ? CR_JUDGE_STATUS_OK : CR_JUDGE_STATUS_RUNTIME_ERROR,
                .exit_code = code > 0 ? code : -1,
                .signal = code < 0 ? -code : 0,
                .out = out,
                .out_len = out ? strlen(out) : 0,
                .err = err,
                .err_len = err ? strlen(err) : 0,
        };

        cr_judge_plan_judge(p, i, &run, &limits, ret);
}

/* Runs argv in dir with stdout and stderr captured; kills it after 10 s. */
static int run_in(const char *dir, char *const *argv, struct cr_buf *out, struct cr_buf *err, int *ret_status)
{
        int po[2], pe[2], status;
        pid_t pid;
        char chunk[4096];

        if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                dup2(null, 0);
                dup2(po[1], 1);
                dup2(pe[1], 2);
                if (chdir(dir) < 0)
                        _exit(126);
                alarm(10);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(po[1]);
        close(pe[1]);
        for (struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
             fds[0].fd >= 0 || fds[1].fd >= 0;) {
                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                        break;
                for (int k = 0; k < 2; k++) {
                        ssize_t n;
                        if (fds[k].fd < 0 || !fds[k].revents)
                                continue;
                        n = read(fds[k].fd, chunk, sizeof(chunk));
                        if (n > 0)
                                (void) cr_buf_append_truncate(k ? err : out, chunk, (size_t) n);
                        else
                                fds[k].fd = -1;
                }
        }
        close(po[0]);
        close(pe[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        *ret_status = status;
        return 0;
}

static int write_source(const struct cr_judge_plan *p, const char *dir, const char *file)
{
        _cleanup_free_ char *path = NULL;
        size_t len;
        const char *src = cr_judge_plan_source(p, &len);
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        return write(fd, src, len) == (ssize_t) len ? 0 : -EIO;
}

int fm_build(const struct cr_judge_plan *p, const char *dir, const char *file, char *const *build_argv,
             char **ret_output)
{
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(1 << 20), err = CR_BUF_INIT(1 << 20);
        int status, r;

        r = write_source(p, dir, file);
        if (r < 0 || !build_argv)
                return r;
        r = run_in(dir, build_argv, &out, &err, &status);
        if (r < 0)
                return r;
        if (ret_output)
                *ret_output = strdup(err.data ? err.data : out.data ? out.data : "");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int fm_run_test(const struct cr_judge_plan *p, const char *dir, const char *file, char *const *run_argv, size_t i,
                struct cr_judge_verdict *ret)
{
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(1 << 20), err = CR_BUF_INIT(1 << 20);
        const char *const *args = cr_judge_plan_test_args(p, i);
        char *argv[32];
        size_t n = 0;
        int status, r;

        (void) file;
        for (; run_argv[n] && n < 16; n++)
                argv[n] = run_argv[n];
        for (size_t k = 0; args && args[k] && n < 31; k++)
                argv[n++] = (char *) args[k];
        argv[n] = NULL;
        r = run_in(dir, argv, &out, &err, &status);
        if (r < 0)
                return r;
        fm_judge(p, i,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), out.data ? out.data : "",
                 err.data ? err.data : "", ret);
        return 0;
}

char *fm_mkdtemp(void)
{
        char *d = strdup("/tmp/test-judge-XXXXXX");

        if (!d || !mkdtemp(d))
                abort();
        return d;
}

void fm_rmdir(char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        if (d)
                closedir(d);
        (void) rmdir(dir);
        free(dir);
}
