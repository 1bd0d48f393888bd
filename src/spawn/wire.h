/* SPDX-License-Identifier: MIT */
#pragma once

/* Framing of the executor protocol, shared by spawn/ (daemon side) and
 * executor/ (the spawner). Every message is a 4-byte little-endian length
 * followed by a protobuf-c message. Sandbox results travel in their one
 * protobuf form (jobspec/jobspec-pb.h). */

#include <stddef.h>
#include <stdint.h>

#include "coderunner/internal/executor.pb-c.h"

struct cr_error;

/* The largest frame either side accepts. */
#define CR_EXEC_MAX_MESSAGE (96ULL << 20)

int cr_wire_write(int fd, const ProtobufCMessage *msg, struct cr_error **err);
/* Reads one frame (at most max bytes) into *ret (caller frees with free()).
 * Returns 0 and *ret_len == 0 on a clean end of stream. */
int cr_wire_read(int fd, size_t max, uint8_t **ret, size_t *ret_len, struct cr_error **err);
