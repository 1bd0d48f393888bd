/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "rpc/status.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "macro.h"

#define CHECK_CODE(ours, theirs) _Static_assert((int) (ours) == (int) (theirs), #ours " != " #theirs)
CHECK_CODE(CR_RPC_STATUS_OK, GRPC_STATUS_OK);
CHECK_CODE(CR_RPC_STATUS_CANCELLED, GRPC_STATUS_CANCELLED);
CHECK_CODE(CR_RPC_STATUS_UNKNOWN, GRPC_STATUS_UNKNOWN);
CHECK_CODE(CR_RPC_STATUS_INVALID_ARGUMENT, GRPC_STATUS_INVALID_ARGUMENT);
CHECK_CODE(CR_RPC_STATUS_DEADLINE_EXCEEDED, GRPC_STATUS_DEADLINE_EXCEEDED);
CHECK_CODE(CR_RPC_STATUS_NOT_FOUND, GRPC_STATUS_NOT_FOUND);
CHECK_CODE(CR_RPC_STATUS_ALREADY_EXISTS, GRPC_STATUS_ALREADY_EXISTS);
CHECK_CODE(CR_RPC_STATUS_PERMISSION_DENIED, GRPC_STATUS_PERMISSION_DENIED);
CHECK_CODE(CR_RPC_STATUS_RESOURCE_EXHAUSTED, GRPC_STATUS_RESOURCE_EXHAUSTED);
CHECK_CODE(CR_RPC_STATUS_FAILED_PRECONDITION, GRPC_STATUS_FAILED_PRECONDITION);
CHECK_CODE(CR_RPC_STATUS_ABORTED, GRPC_STATUS_ABORTED);
CHECK_CODE(CR_RPC_STATUS_OUT_OF_RANGE, GRPC_STATUS_OUT_OF_RANGE);
CHECK_CODE(CR_RPC_STATUS_UNIMPLEMENTED, GRPC_STATUS_UNIMPLEMENTED);
CHECK_CODE(CR_RPC_STATUS_INTERNAL, GRPC_STATUS_INTERNAL);
CHECK_CODE(CR_RPC_STATUS_UNAVAILABLE, GRPC_STATUS_UNAVAILABLE);
CHECK_CODE(CR_RPC_STATUS_DATA_LOSS, GRPC_STATUS_DATA_LOSS);
CHECK_CODE(CR_RPC_STATUS_UNAUTHENTICATED, GRPC_STATUS_UNAUTHENTICATED);

static const char *const status_names[_CR_RPC_STATUS_MAX] = {
        [CR_RPC_STATUS_OK] = "OK",
        [CR_RPC_STATUS_CANCELLED] = "CANCELLED",
        [CR_RPC_STATUS_UNKNOWN] = "UNKNOWN",
        [CR_RPC_STATUS_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
        [CR_RPC_STATUS_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
        [CR_RPC_STATUS_NOT_FOUND] = "NOT_FOUND",
        [CR_RPC_STATUS_ALREADY_EXISTS] = "ALREADY_EXISTS",
        [CR_RPC_STATUS_PERMISSION_DENIED] = "PERMISSION_DENIED",
        [CR_RPC_STATUS_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
        [CR_RPC_STATUS_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
        [CR_RPC_STATUS_ABORTED] = "ABORTED",
        [CR_RPC_STATUS_OUT_OF_RANGE] = "OUT_OF_RANGE",
        [CR_RPC_STATUS_UNIMPLEMENTED] = "UNIMPLEMENTED",
        [CR_RPC_STATUS_INTERNAL] = "INTERNAL",
        [CR_RPC_STATUS_UNAVAILABLE] = "UNAVAILABLE",
        [CR_RPC_STATUS_DATA_LOSS] = "DATA_LOSS",
        [CR_RPC_STATUS_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

const char *cr_rpc_status_to_string(int status)
{
        if (status < 0 || status >= _CR_RPC_STATUS_MAX)
                return "UNKNOWN_STATUS";
        return status_names[status];
}

static enum cr_rpc_status status_from_errno(int errnum)
{
        switch (errnum) {
        case EINVAL:
                return CR_RPC_STATUS_INVALID_ARGUMENT;
        case ENOSPC:
        case EAGAIN:
        case ENOMEM:
        case ENOBUFS:
                return CR_RPC_STATUS_RESOURCE_EXHAUSTED;
        case ETIMEDOUT:
                return CR_RPC_STATUS_DEADLINE_EXCEEDED;
        case ECANCELED:
                return CR_RPC_STATUS_CANCELLED;
        case ENOENT:
                return CR_RPC_STATUS_NOT_FOUND;
        default:
                return CR_RPC_STATUS_INTERNAL;
        }
}

enum cr_rpc_status cr_rpc_status_from_error(const struct cr_error *e)
{
        if (!e)
                return CR_RPC_STATUS_OK;
        switch (e->kind) {
        case CR_ERROR_INVALID:
                return CR_RPC_STATUS_INVALID_ARGUMENT;
        case CR_ERROR_LIMIT:
                return CR_RPC_STATUS_RESOURCE_EXHAUSTED;
        case CR_ERROR_NOT_FOUND:
                return CR_RPC_STATUS_NOT_FOUND;
        case CR_ERROR_UNAVAILABLE:
                return CR_RPC_STATUS_UNAVAILABLE;
        case CR_ERROR_CANCELLED:
                return CR_RPC_STATUS_CANCELLED;
        case CR_ERROR_TIMEOUT:
                return CR_RPC_STATUS_DEADLINE_EXCEEDED;
        default:
                return status_from_errno(e->errnum);
        }
}

/* Statuses whose message describes the request, not the host. */
static bool status_is_about_request(enum cr_rpc_status status)
{
        return status == CR_RPC_STATUS_INVALID_ARGUMENT || status == CR_RPC_STATUS_NOT_FOUND ||
               status == CR_RPC_STATUS_RESOURCE_EXHAUSTED || status == CR_RPC_STATUS_FAILED_PRECONDITION;
}

static const char *fixed_summary(enum cr_rpc_status status)
{
        switch (status) {
        case CR_RPC_STATUS_OK:
                return "";
        case CR_RPC_STATUS_CANCELLED:
                return "cancelled";
        case CR_RPC_STATUS_DEADLINE_EXCEEDED:
                return "deadline exceeded";
        case CR_RPC_STATUS_UNAVAILABLE:
                return "service unavailable";
        default:
                return "internal error";
        }
}

/* Copies s into buf replacing every absolute path ('/' at the start of a
 * word) by "<path>" and dropping control characters. The error chain may
 * name host files (image store, cgroup, work dirs); the client never sees
 * them. */
static void redact(const char *s, char *buf, size_t size)
{
        static const char placeholder[] = "<path>";
        size_t o = 0;

        for (size_t i = 0; s[i] && o + 1 < size; i++) {
                unsigned char c = (unsigned char) s[i];
                bool word_start = i == 0 || strchr(" \t'\"(=:,[", s[i - 1]);

                if (c == '/' && word_start) {
                        size_t n = MIN(sizeof(placeholder) - 1, size - 1 - o);
                        memcpy(buf + o, placeholder, n);
                        o += n;
                        while (s[i + 1] && !strchr(" \t'\"),:]", s[i + 1]))
                                i++;
                        continue;
                }
                if (c < 0x20 || c == 0x7f)
                        continue;
                buf[o++] = (char) c;
        }
        buf[o] = '\0';
}

void cr_rpc_status_message(const struct cr_error *e, enum cr_rpc_status status, char *buf, size_t size)
{
        size_t cap;

        if (size == 0)
                return;
        cap = MIN(size, (size_t) CR_RPC_STATUS_MESSAGE_MAX + 1);
        if (e && e->msg && status_is_about_request(status)) {
                redact(e->msg, buf, cap);
                return;
        }
        (void) snprintf(buf, cap, "%s", fixed_summary(status));
}
