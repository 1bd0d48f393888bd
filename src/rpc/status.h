/* SPDX-License-Identifier: MIT */
#pragma once

/* The single mapping from struct cr_error to a gRPC status (STYLE §3).
 * Values are the gRPC status codes of the wire protocol (grpc_status_code);
 * status.c asserts that they agree with <grpc/status.h>. */

#include <stddef.h>

struct cr_error;

enum cr_rpc_status {
        CR_RPC_STATUS_OK = 0,
        CR_RPC_STATUS_CANCELLED = 1,
        CR_RPC_STATUS_UNKNOWN = 2,
        CR_RPC_STATUS_INVALID_ARGUMENT = 3,
        CR_RPC_STATUS_DEADLINE_EXCEEDED = 4,
        CR_RPC_STATUS_NOT_FOUND = 5,
        CR_RPC_STATUS_ALREADY_EXISTS = 6,
        CR_RPC_STATUS_PERMISSION_DENIED = 7,
        CR_RPC_STATUS_RESOURCE_EXHAUSTED = 8,
        CR_RPC_STATUS_FAILED_PRECONDITION = 9,
        CR_RPC_STATUS_ABORTED = 10,
        CR_RPC_STATUS_OUT_OF_RANGE = 11,
        CR_RPC_STATUS_UNIMPLEMENTED = 12,
        CR_RPC_STATUS_INTERNAL = 13,
        CR_RPC_STATUS_UNAVAILABLE = 14,
        CR_RPC_STATUS_DATA_LOSS = 15,
        CR_RPC_STATUS_UNAUTHENTICATED = 16,
        _CR_RPC_STATUS_MAX,
        _CR_RPC_STATUS_INVALID = -22,
};

/* The error's kind decides first (INVALID → INVALID_ARGUMENT, LIMIT →
 * RESOURCE_EXHAUSTED, NOT_FOUND, UNAVAILABLE, CANCELLED, TIMEOUT →
 * DEADLINE_EXCEEDED); an INTERNAL error is refined by its errno (EINVAL →
 * INVALID_ARGUMENT, ENOSPC/EAGAIN/ENOMEM/ENOBUFS → RESOURCE_EXHAUSTED,
 * ETIMEDOUT → DEADLINE_EXCEEDED, ECANCELED → CANCELLED, ENOENT → NOT_FOUND,
 * otherwise INTERNAL). NULL → OK. */
enum cr_rpc_status cr_rpc_status_from_error(const struct cr_error *e);

/* What the client may read. For statuses caused by the request (invalid
 * argument, not found, resource exhausted) that is the error's message with
 * absolute paths replaced by "<path>", control characters dropped and the
 * length capped; for everything else a fixed summary ("internal error"), since
 * the chain may describe the host. Always NUL-terminates buf (size > 0).
 * The full chain belongs in the log, with the job or call id. */
void cr_rpc_status_message(const struct cr_error *e, enum cr_rpc_status status, char *buf, size_t size);
#define CR_RPC_STATUS_MESSAGE_MAX 256

/* "INVALID_ARGUMENT"; "UNKNOWN_STATUS" for values out of range. */
const char *cr_rpc_status_to_string(int status);
