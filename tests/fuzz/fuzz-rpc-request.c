/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "code_execution.pb-c.h"
#include "code_runner.pb-c.h"
#include "coderunner/v1/coderunner.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "lang/catalog.h"
#include "rpc/validate.h"
#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a gRPC client controls: the request message's bytes. The first byte
 * picks the service (0: the native Execute, 1: V1 EvaluateSolution, 2: V2
 * ExecuteCode), the rest is decoded by protobuf-c exactly as the server
 * decodes a call's message, then validated as the service does before
 * anything else. Every request type is also run through what needs a
 * runtime (the source file) and the limits. */

static void native(const uint8_t *data, size_t size)
{
        static char *aliases[] = {NULL};
        static const struct cr_runtime rt = {.id = (char *)"c", .aliases = aliases, .source_file = (char *)"main.c"};
        _cleanup_error_ struct cr_error *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
        Coderunner__V1__ExecuteRequest *req = coderunner__v1__execute_request__unpack(NULL, size, data);
        const Coderunner__V1__File *src;
        struct cr_sandbox_limits run, compile;

        if (!req)
                return;
        (void)cr_rpc_validate_native_request(req, &e1);
        (void)cr_rpc_native_source(req, &rt, &src, &e2);
        (void)cr_rpc_native_limits("limits", req->limits, &cr_rpc_max_run_limits, &run, &e3);
        (void)cr_rpc_native_limits("compile_limits", req->compile_limits, &cr_rpc_max_compile_limits, &compile,
                                   &e4);
        coderunner__v1__execute_request__free_unpacked(req, NULL);
}

static void solution(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *err = NULL;
        Com__Levelupjourney__Coderunner__ExecutionRequest *req =
                com__levelupjourney__coderunner__execution_request__unpack(NULL, size, data);

        if (!req)
                return;
        (void)cr_rpc_validate_solution_request(req, &err);
        com__levelupjourney__coderunner__execution_request__free_unpacked(req, NULL);
}

static void code_execution(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *err = NULL;
        Com__Levelupjourney__Coderunner__CodeExecutionRequest *req =
                com__levelupjourney__coderunner__code_execution_request__unpack(NULL, size, data);

        if (!req)
                return;
        (void)cr_rpc_validate_code_execution_request(req, &err);
        com__levelupjourney__coderunner__code_execution_request__free_unpacked(req, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        switch (data[0] % 3) {
        case 0:
                native(data + 1, size - 1);
                break;
        case 1:
                solution(data + 1, size - 1);
                break;
        default:
                code_execution(data + 1, size - 1);
                break;
        }
        return 0;
}
