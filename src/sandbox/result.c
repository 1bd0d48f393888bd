/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <string.h>

static const char *const verdict_names[_CR_VERDICT_MAX] = {
        [CR_VERDICT_OK] = "OK",
        [CR_VERDICT_RUNTIME_ERROR] = "RUNTIME_ERROR",
        [CR_VERDICT_TIME_LIMIT] = "TIME_LIMIT",
        [CR_VERDICT_MEMORY_LIMIT] = "MEMORY_LIMIT",
        [CR_VERDICT_OUTPUT_LIMIT] = "OUTPUT_LIMIT",
        [CR_VERDICT_SECCOMP_VIOLATION] = "SECCOMP_VIOLATION",
        [CR_VERDICT_INTERNAL_ERROR] = "INTERNAL_ERROR",
};

static const char *const limit_names[_CR_LIMIT_MAX] = {
        [CR_LIMIT_NONE] = NULL, [CR_LIMIT_CPU] = "cpu", [CR_LIMIT_WALL] = "wall",
        [CR_LIMIT_MEMORY] = "memory", [CR_LIMIT_OUTPUT] = "output",
};

const char *cr_verdict_to_string(enum cr_verdict v)
{
        return v >= 0 && v < _CR_VERDICT_MAX ? verdict_names[v] : NULL;
}

const char *cr_limit_kind_to_string(enum cr_limit_kind k)
{
        return k >= 0 && k < _CR_LIMIT_MAX ? limit_names[k] : NULL;
}

void cr_sandbox_limits_default(struct cr_sandbox_limits *l)
{
        *l = (struct cr_sandbox_limits) {
                .cpu_time_ms = 10 * 1000,
                .wall_time_ms = 20 * 1000,
                .memory_bytes = 256ULL << 20,
                .pids = 64,
                .output_bytes = 1ULL << 20,
                .tmpfs_bytes = 64ULL << 20,
                .file_size_bytes = 64ULL << 20,
                .open_files = 256,
                .stack_bytes = 8ULL << 20,
                .cpu_quota_pct = 0,
        };
}

void cr_sandbox_result_done(struct cr_sandbox_result *r)
{
        cr_buf_done(&r->out);
        cr_buf_done(&r->err);
}

#define NO_SYSCALL ",\"seccomp_syscall\":null"

int cr_sandbox_result_append_fields(const struct cr_sandbox_result *r, const char *status, struct cr_buf *b)
{
        const char *limit = cr_limit_kind_to_string(r->limit);
        int k;

        k = cr_buf_printf(b, "\"status\":\"%s\",\"exit_code\":%d,\"signal\":%d,\"wall_ms\":%llu,\"cpu_ms\":%llu,"
                          "\"memory_peak_bytes\":%llu,\"stdout\":",
                          status ? status : cr_verdict_to_string(r->verdict), r->exit_code, r->signal,
                          (unsigned long long) r->wall_ms, (unsigned long long) r->cpu_ms,
                          (unsigned long long) r->memory_peak_bytes);
        if (k >= 0)
                k = cr_buf_append_json_string(b, r->out.data ? r->out.data : "", r->out.len);
        if (k >= 0)
                k = cr_buf_append(b, ",\"stderr\":", 10);
        if (k >= 0)
                k = cr_buf_append_json_string(b, r->err.data ? r->err.data : "", r->err.len);
        if (k >= 0)
                k = cr_buf_printf(b, ",\"stdout_truncated\":%s,\"stderr_truncated\":%s,\"stdin_truncated\":%s,"
                                  "\"limit\":%s%s%s",
                                  r->stdout_truncated ? "true" : "false", r->stderr_truncated ? "true" : "false",
                                  r->stdin_truncated ? "true" : "false",
                                  limit ? "\"" : "", limit ? limit : "null", limit ? "\"" : "");
        if (k >= 0 && r->seccomp_syscall[0]) {
                k = cr_buf_printf(b, ",\"seccomp_syscall\":{\"nr\":%d,\"name\":", r->seccomp_syscall_nr);
                if (k >= 0)
                        k = cr_buf_append_json_string(b, r->seccomp_syscall, strlen(r->seccomp_syscall));
                if (k >= 0)
                        k = cr_buf_append(b, "}", 1);
        } else if (k >= 0)
                k = cr_buf_append(b, NO_SYSCALL, sizeof(NO_SYSCALL) - 1);
        return k;
}

int cr_sandbox_result_to_json(const struct cr_sandbox_result *r, struct cr_buf *b)
{
        int k = cr_buf_append(b, "{", 1);

        if (k >= 0)
                k = cr_sandbox_result_append_fields(r, NULL, b);
        return k < 0 ? k : cr_buf_append(b, "}", 1);
}
