/* SPDX-License-Identifier: MIT */
#pragma once

/* Framing and conversions of the executor protocol, shared by spawn/ (daemon
 * side) and executor/ (the spawner). Every message is a 4-byte
 * little-endian length followed by a protobuf-c message. */

#include <stddef.h>
#include <stdint.h>

#include "coderunner/internal/executor.pb-c.h"
#include "sandbox/sandbox.h"

struct cr_error;

int cr_wire_write(int fd, const ProtobufCMessage *msg, struct cr_error **err);
/* Reads one frame (at most max bytes) into *ret (caller frees with free()).
 * Returns 0 and *ret_len == 0 on a clean end of stream. */
int cr_wire_read(int fd, size_t max, uint8_t **ret, size_t *ret_len, struct cr_error **err);

void cr_wire_limits_to_pb(const struct cr_sandbox_limits *l, Coderunner__Internal__Limits *pb);
int cr_wire_limits_from_pb(const Coderunner__Internal__Limits *pb, struct cr_sandbox_limits *l,
                           struct cr_error **err);
/* pb points into r (no copies): valid while r is. */
void cr_wire_result_to_pb(const struct cr_sandbox_result *r, Coderunner__Internal__SandboxResult *pb);
int cr_wire_result_from_pb(const Coderunner__Internal__SandboxResult *pb, struct cr_sandbox_result *r,
                           struct cr_error **err);
