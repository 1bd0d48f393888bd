/* SPDX-License-Identifier: MIT */
#pragma once

/* Request validation of the gRPC services, as pure functions of a decoded
 * request: no call, no evaluator, no I/O. The services call these before
 * anything else; the fuzz target (tests/fuzz/fuzz-rpc-request.c) decodes
 * arbitrary bytes as each request type and runs them, so what a client can
 * send is exercised without a server. Errors are CR_ERROR_INVALID
 * (INVALID_ARGUMENT on the wire) with the originals' wording. */

#include <stdint.h>

struct cr_error;
struct cr_runtime;
struct cr_sandbox_limits;
struct Com__Levelupjourney__Coderunner__ExecutionRequest;
struct Com__Levelupjourney__Coderunner__CodeExecutionRequest;
struct Coderunner__V1__ExecuteRequest;
struct Coderunner__V1__File;
struct Coderunner__V1__Limits;

/* The largest limits a native request may ask for (0: the runtime's default). */
extern const struct cr_sandbox_limits cr_rpc_max_run_limits;
extern const struct cr_sandbox_limits cr_rpc_max_compile_limits;

/* SolutionEvaluationService.EvaluateSolution (V1): three UUIDs, test ids. */
int cr_rpc_validate_solution_request(const struct Com__Levelupjourney__Coderunner__ExecutionRequest *req,
                                     struct cr_error **err);

/* CodeExecutionService.ExecuteCode (V2): ids, test ids, the config's bounds. */
int cr_rpc_validate_code_execution_request(const struct Com__Levelupjourney__Coderunner__CodeExecutionRequest *req,
                                           struct cr_error **err);

/* coderunner.v1.CodeRunner.Execute: what needs no catalogue (runtime named,
 * ids, args, tests). */
int cr_rpc_validate_native_request(const struct Coderunner__V1__ExecuteRequest *req, struct cr_error **err);

/* The single source file, which must be the runtime's source_file. */
int cr_rpc_native_source(const struct Coderunner__V1__ExecuteRequest *req, const struct cr_runtime *rt,
                         const struct Coderunner__V1__File **ret, struct cr_error **err);

/* Requested limits (NULL: all defaults) checked against max, into *ret. */
int cr_rpc_native_limits(const char *what, const struct Coderunner__V1__Limits *pl,
                         const struct cr_sandbox_limits *max, struct cr_sandbox_limits *ret, struct cr_error **err);
