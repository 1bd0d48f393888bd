/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "xalloc.h"

int cr_wire_write(int fd, const ProtobufCMessage *msg, struct cr_error **err)
{
        size_t n = protobuf_c_message_get_packed_size(msg);
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        if (n > UINT32_MAX - 4)
                return cr_error_make(err, EMSGSIZE, CR_ERROR_LIMIT, "executor message too large");
        buf = xmalloc(n + 4);
        buf[0] = (uint8_t) n;
        buf[1] = (uint8_t) (n >> 8);
        buf[2] = (uint8_t) (n >> 16);
        buf[3] = (uint8_t) (n >> 24);
        protobuf_c_message_pack(msg, buf + 4);
        r = loop_write(fd, buf, n + 4);
        return r < 0 ? cr_error_set(err, r, CR_ERROR_UNAVAILABLE, "write to executor channel") : 0;
}

int cr_wire_read(int fd, size_t max, uint8_t **ret, size_t *ret_len, struct cr_error **err)
{
        uint8_t hdr[4];
        _cleanup_free_ uint8_t *buf = NULL;
        ssize_t k = loop_read(fd, hdr, sizeof(hdr));
        size_t n;

        if (k < 0)
                return cr_error_set(err, (int) -k, CR_ERROR_UNAVAILABLE, "read executor channel");
        if (k == 0) {
                *ret = NULL;
                *ret_len = 0;
                return 0;
        }
        if (k != sizeof(hdr))
                return cr_error_make(err, EPROTO, CR_ERROR_UNAVAILABLE, "executor channel closed mid-frame");
        n = (size_t) hdr[0] | (size_t) hdr[1] << 8 | (size_t) hdr[2] << 16 | (size_t) hdr[3] << 24;
        if (n == 0 || n > max)
                return cr_error_make(err, EMSGSIZE, CR_ERROR_LIMIT, "executor frame of %zu bytes", n);
        buf = malloc(n);
        if (!buf)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "executor frame");
        k = loop_read(fd, buf, n);
        if (k < 0 || (size_t) k != n)
                return cr_error_set(err, k < 0 ? (int) -k : EPROTO, CR_ERROR_UNAVAILABLE,
                                    "executor channel closed mid-frame");
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

void cr_wire_limits_to_pb(const struct cr_sandbox_limits *l, Coderunner__Internal__Limits *pb)
{
        coderunner__internal__limits__init(pb);
        pb->cpu_time_ms = l->cpu_time_ms;
        pb->wall_time_ms = l->wall_time_ms;
        pb->memory_bytes = l->memory_bytes;
        pb->pids = l->pids;
        pb->output_bytes = l->output_bytes;
        pb->tmpfs_bytes = l->tmpfs_bytes;
        pb->cpu_quota_pct = l->cpu_quota_pct;
}

int cr_wire_limits_from_pb(const Coderunner__Internal__Limits *pb, struct cr_sandbox_limits *l, struct cr_error **err)
{
        if (!pb)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "missing limits");
        cr_sandbox_limits_default(l);
        l->cpu_time_ms = pb->cpu_time_ms;
        l->wall_time_ms = pb->wall_time_ms;
        l->memory_bytes = pb->memory_bytes;
        l->pids = pb->pids;
        l->output_bytes = pb->output_bytes;
        l->tmpfs_bytes = pb->tmpfs_bytes;
        l->cpu_quota_pct = pb->cpu_quota_pct;
        l->file_size_bytes = pb->tmpfs_bytes;
        return 0;
}

void cr_wire_result_to_pb(const struct cr_sandbox_result *r, Coderunner__Internal__SandboxResult *pb)
{
        coderunner__internal__sandbox_result__init(pb);
        pb->verdict = (uint32_t) r->verdict;
        pb->limit = (uint32_t) r->limit;
        pb->exit_code = r->exit_code;
        pb->signal = r->signal;
        pb->wall_ms = r->wall_ms;
        pb->cpu_ms = r->cpu_ms;
        pb->memory_peak_bytes = r->memory_peak_bytes;
        pb->stdout.data = (uint8_t *) r->out.data;
        pb->stdout.len = r->out.len;
        pb->stderr.data = (uint8_t *) r->err.data;
        pb->stderr.len = r->err.len;
        pb->stdout_truncated = r->stdout_truncated;
        pb->stderr_truncated = r->stderr_truncated;
        pb->seccomp_syscall = (char *) r->seccomp_syscall;
        pb->seccomp_syscall_nr = r->seccomp_syscall_nr;
}

int cr_wire_result_from_pb(const Coderunner__Internal__SandboxResult *pb, struct cr_sandbox_result *r,
                           struct cr_error **err)
{
        if (!pb || pb->verdict >= _CR_VERDICT_MAX || pb->limit >= _CR_LIMIT_MAX)
                return cr_error_make(err, EPROTO, CR_ERROR_INTERNAL, "malformed sandbox result from executor");
        *r = (struct cr_sandbox_result) {
                .verdict = (enum cr_verdict) pb->verdict,
                .limit = (enum cr_limit_kind) pb->limit,
                .exit_code = pb->exit_code,
                .signal = pb->signal,
                .wall_ms = pb->wall_ms,
                .cpu_ms = pb->cpu_ms,
                .memory_peak_bytes = pb->memory_peak_bytes,
                .out = CR_BUF_INIT(pb->stdout.len),
                .err = CR_BUF_INIT(pb->stderr.len),
                .stdout_truncated = pb->stdout_truncated,
                .stderr_truncated = pb->stderr_truncated,
                .seccomp_syscall_nr = pb->seccomp_syscall_nr,
        };
        if (pb->seccomp_syscall)
                snprintf(r->seccomp_syscall, sizeof(r->seccomp_syscall), "%s", pb->seccomp_syscall);
        if (cr_buf_append(&r->out, pb->stdout.data, pb->stdout.len) < 0 ||
            cr_buf_append(&r->err, pb->stderr.data, pb->stderr.len) < 0) {
                cr_sandbox_result_done(r);
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "sandbox result");
        }
        return 0;
}
