/* SPDX-License-Identifier: MIT */
#pragma once

/* Conversions between the sandbox's result and its protobuf form, shared by
 * the job outcome (spec-pb.c) and the executor protocol (spawn/, executor/),
 * so a result has one wire shape. Internal to those modules: it includes the
 * generated header. */

#include "coderunner/internal/job.pb-c.h"
#include "sandbox/sandbox.h"

struct cr_error;

/* pb points into r (no copies): valid while r is. */
void cr_spec_result_to_pb(const struct cr_sandbox_result *r, Coderunner__Internal__SandboxResult *pb);
/* Copies; validates the verdict and limit values. */
int cr_spec_result_from_pb(const Coderunner__Internal__SandboxResult *pb, struct cr_sandbox_result *r,
                           struct cr_error **err);
