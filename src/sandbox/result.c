/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <string.h>

#include "json/json.h"

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

void cr_sandbox_result_write_fields(const struct cr_sandbox_result *r, const char *status,
                                    struct cr_json_writer *w)
{
        const char *limit = cr_limit_kind_to_string(r->limit);

        cr_json_field_string(w, "status", status ? status : cr_verdict_to_string(r->verdict));
        cr_json_field_int(w, "exit_code", r->exit_code);
        cr_json_field_int(w, "signal", r->signal);
        cr_json_field_uint(w, "wall_ms", r->wall_ms);
        cr_json_field_uint(w, "cpu_ms", r->cpu_ms);
        cr_json_field_uint(w, "memory_peak_bytes", r->memory_peak_bytes);
        cr_json_key(w, "stdout");
        cr_json_string_n(w, r->out.data, r->out.len);
        cr_json_key(w, "stderr");
        cr_json_string_n(w, r->err.data, r->err.len);
        cr_json_field_bool(w, "stdout_truncated", r->stdout_truncated);
        cr_json_field_bool(w, "stderr_truncated", r->stderr_truncated);
        cr_json_field_bool(w, "stdin_truncated", r->stdin_truncated);
        cr_json_key(w, "limit");
        if (limit)
                cr_json_string(w, limit);
        else
                cr_json_null(w);
        cr_json_key(w, "seccomp_syscall");
        if (!r->seccomp_syscall[0]) {
                cr_json_null(w);
                return;
        }
        cr_json_object_begin(w);
        cr_json_field_int(w, "nr", r->seccomp_syscall_nr);
        cr_json_field_string(w, "name", r->seccomp_syscall);
        cr_json_object_end(w);
}

void cr_sandbox_result_write(const struct cr_sandbox_result *r, struct cr_json_writer *w)
{
        cr_json_object_begin(w);
        cr_sandbox_result_write_fields(r, NULL, w);
        cr_json_object_end(w);
}

int cr_sandbox_result_to_json(const struct cr_sandbox_result *r, struct cr_buf *b)
{
        struct cr_json_writer w;

        cr_json_writer_init(&w, b);
        cr_sandbox_result_write(r, &w);
        return cr_json_writer_finish(&w);
}
