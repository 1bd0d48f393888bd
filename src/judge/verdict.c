/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "judge/judge-internal.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "xalloc.h"

/* Per-test messages and the request's summary, in the fields the original
 * service returned (reference §6.9), with its bugs fixed: the real limit in
 * timeout messages, a failure's error_type and error_message filled in. */

static const char *const status_names[_CR_JUDGE_STATUS_MAX] = {
        [CR_JUDGE_STATUS_OK] = "OK",
        [CR_JUDGE_STATUS_RUNTIME_ERROR] = "RUNTIME_ERROR",
        [CR_JUDGE_STATUS_TIME_LIMIT] = "TIME_LIMIT",
        [CR_JUDGE_STATUS_MEMORY_LIMIT] = "MEMORY_LIMIT",
        [CR_JUDGE_STATUS_OUTPUT_LIMIT] = "OUTPUT_LIMIT",
        [CR_JUDGE_STATUS_SECCOMP_VIOLATION] = "SECCOMP_VIOLATION",
        [CR_JUDGE_STATUS_INTERNAL_ERROR] = "INTERNAL_ERROR",
};

const char *cr_judge_status_to_string(enum cr_judge_status s)
{
        return s >= 0 && s < _CR_JUDGE_STATUS_MAX ? status_names[s] : NULL;
}

char *cr_judge_run_message(const struct cr_judge_run *r, const struct cr_judge_limits *l)
{
        switch (r->status) {
        case CR_JUDGE_STATUS_TIME_LIMIT:
                /* the real limit, not the original's "after 0 seconds" */
                return r->wall_limit ?
                        xasprintf("wall-clock limit of %.3g s exceeded", (double) l->wall_time_ms / 1000.0) :
                        xasprintf("time limit of %.3g s CPU exceeded", (double) l->cpu_time_ms / 1000.0);
        case CR_JUDGE_STATUS_MEMORY_LIMIT:
                return xasprintf("memory limit of %llu MiB exceeded", (unsigned long long) (l->memory_bytes >> 20));
        case CR_JUDGE_STATUS_OUTPUT_LIMIT:
                return xasprintf("output limit of %llu bytes exceeded", (unsigned long long) l->output_bytes);
        case CR_JUDGE_STATUS_SECCOMP_VIOLATION:
                return r->seccomp_syscall ? xasprintf("killed for a forbidden system call (%s)", r->seccomp_syscall) :
                                            xstrdup("killed for a forbidden system call");
        case CR_JUDGE_STATUS_RUNTIME_ERROR:
                if (r->signal)
                        return xasprintf("killed by signal %d (%s)", r->signal, strsignal(r->signal));
                return xasprintf("exited with code %d", r->exit_code);
        case CR_JUDGE_STATUS_INTERNAL_ERROR:
                return xstrdup("internal error while running the test");
        default:
                return NULL;
        }
}

void cr_judge_verdict_done(struct cr_judge_verdict *v)
{
        free(v->message);
        free(v->expected);
        free(v->actual);
        *v = (struct cr_judge_verdict) {};
}

static const char *error_type_of(enum cr_judge_status s)
{
        switch (s) {
        case CR_JUDGE_STATUS_TIME_LIMIT: return "timeout";
        case CR_JUDGE_STATUS_MEMORY_LIMIT: return "memory_limit";
        case CR_JUDGE_STATUS_OUTPUT_LIMIT: return "output_limit";
        case CR_JUDGE_STATUS_RUNTIME_ERROR:
        case CR_JUDGE_STATUS_SECCOMP_VIOLATION: return "runtime_error";
        case CR_JUDGE_STATUS_INTERNAL_ERROR: return "internal_error";
        default: return "test_failure";
        }
}

/* Which failure explains the result best: limits first, then crashes, then
 * wrong answers. */
static int severity(const struct cr_judge_result *t)
{
        if (!t->run->ran)
                return 1;
        if (t->verdict->wrong_answer)
                return 2;
        switch (t->run->status) {
        case CR_JUDGE_STATUS_INTERNAL_ERROR: return 7;
        case CR_JUDGE_STATUS_TIME_LIMIT: return 6;
        case CR_JUDGE_STATUS_MEMORY_LIMIT: return 5;
        case CR_JUDGE_STATUS_OUTPUT_LIMIT: return 4;
        case CR_JUDGE_STATUS_SECCOMP_VIOLATION:
        case CR_JUDGE_STATUS_RUNTIME_ERROR: return 3;
        default: return 2;
        }
}

/* The compiler's first line that mentions an error (stderr, else stdout). */
static char *first_error_line(const struct cr_judge_run *c)
{
        const char *text = c->err_len ? c->err : c->out ? c->out : "";
        size_t len = c->err_len ? c->err_len : c->out ? c->out_len : 0;
        _cleanup_free_ char *copy = xstrndup(text, len);
        const char *line = strstr(copy, "error"), *start, *end;

        if (!line)
                line = copy;
        for (start = line; start > copy && start[-1] != '\n'; start--)
                ;
        end = strchr(start, '\n');
        return xstrndup(start, end ? (size_t) (end - start) : strlen(start));
}

static void summarize_compile_error(const struct cr_judge_run *c, struct cr_judge_summary *s)
{
        _cleanup_free_ char *line = first_error_line(c);

        s->error_type = "compilation_error";
        s->message = xstrdup("Compilation failed");
        if (c->status == CR_JUDGE_STATUS_RUNTIME_ERROR)
                s->error_message = xasprintf("Compilation error: %s", line);
        else if (c->seccomp_syscall)
                s->error_message = xasprintf("Compilation error: compiler %s (%s)", cr_judge_status_to_string(c->status),
                                             c->seccomp_syscall);
        else
                s->error_message = xasprintf("Compilation error: compiler %s", cr_judge_status_to_string(c->status));
}

void cr_judge_summarize(const struct cr_judge_run *compile, bool compile_failed, const struct cr_judge_result *tests,
                        size_t n, struct cr_judge_summary *ret)
{
        const struct cr_judge_result *worst = NULL;
        struct cr_judge_summary s = {};

        if (compile_failed && compile) {
                summarize_compile_error(compile, &s);
                *ret = s;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (tests[i].verdict->passed)
                        s.passed++;
                else if (!worst || severity(&tests[i]) > severity(worst))
                        worst = &tests[i];
        }
        s.success = s.passed == n;
        s.message = xasprintf("Execution %s: %u/%zu tests passed", s.success ? "successful" : "failed", s.passed,
                              n);
        s.error_type = "";
        if (!worst) {
                s.error_message = xstrdup("");
                *ret = s;
                return;
        }
        s.error_type = !worst->run->ran             ? "internal_error" :
                       worst->verdict->wrong_answer ? "test_failure" :
                                                      error_type_of(worst->run->status);
        s.error_message = xasprintf("Test %s: %s", worst->id,
                                    worst->verdict->message ? worst->verdict->message : "failed");
        *ret = s;
}

void cr_judge_summary_done(struct cr_judge_summary *s)
{
        free(s->message);
        free(s->error_message);
        *s = (struct cr_judge_summary) {};
}
