/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "validate.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "code_execution.pb-c.h"
#include "code_runner.pb-c.h"
#include "coderunner/v1/coderunner.pb-c.h"
#include "error.h"
#include "job/results.h"
#include "lang/catalog.h"
#include "sandbox/sandbox.h"
#include "uuid.h"

#define MAX_ARGS 64
#define MAX_ARG_BYTES 4096
#define MAX_CLIENT_REQUEST_ID 64
#define MIN_MEMORY_BYTES (16ULL << 20)

const struct cr_sandbox_limits cr_rpc_max_run_limits = {
        .cpu_time_ms = 30 * 1000,
        .wall_time_ms = 60 * 1000,
        .memory_bytes = 2ULL << 30,
        .pids = 256,
        .output_bytes = 4ULL << 20,
};
const struct cr_sandbox_limits cr_rpc_max_compile_limits = {
        .cpu_time_ms = 60 * 1000,
        .wall_time_ms = 120 * 1000,
        .memory_bytes = 2ULL << 30,
        .pids = 256,
        .output_bytes = 4ULL << 20,
};

/* ------------------------------------------------------------- V1 and V2 */

/* The original parsed ids with github.com/google/uuid: 8-4-4-4-12 hex (it
 * also took urn:uuid: and braces; clients send the canonical form). */
static int check_uuid(const char *name, const char *value, struct cr_error **err)
{
        if (!value || !value[0])
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s is required and cannot be empty", name);
        if (!cr_uuid_is_valid(value))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "invalid %s format: %s", name, value);
        return 0;
}

/* V2's ids: what the execution table accepts as a key. */
static int check_exec_id(const char *name, const char *value, struct cr_error **err)
{
        if (!value || !value[0])
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s is required and cannot be empty", name);
        if (!cr_exec_id_is_valid(value))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "invalid %s format: %s", name, value);
        return 0;
}

static int check_test_id(size_t index, const char *id, struct cr_error **err)
{
        if (!id || !id[0])
                return cr_error_set(err, 0, CR_ERROR_INVALID, "test %zu: code_version_test_id is required",
                                    index + 1);
        return 0;
}

int cr_rpc_validate_solution_request(const Com__Levelupjourney__Coderunner__ExecutionRequest *req,
                                     struct cr_error **err)
{
        int r;

        /* the original's order and wording: challenge, code version, student */
        if ((r = check_uuid("ChallengeId", req->challenge_id, err)) < 0 ||
            (r = check_uuid("CodeVersionId", req->code_version_id, err)) < 0 ||
            (r = check_uuid("StudentId", req->student_id, err)) < 0)
                return r;
        for (size_t i = 0; i < req->n_tests; i++)
                if ((r = check_test_id(i, req->tests[i]->code_version_test_id, err)) < 0)
                        return r;
        return 0;
}

int cr_rpc_validate_code_execution_request(const Com__Levelupjourney__Coderunner__CodeExecutionRequest *req,
                                           struct cr_error **err)
{
        const Com__Levelupjourney__Coderunner__ExecutionConfig *c = req->config;
        int r;

        if ((r = check_exec_id("CodeVersionId", req->code_version_id, err)) < 0 ||
            (r = check_exec_id("StudentId", req->student_id, err)) < 0)
                return r;
        for (size_t i = 0; i < req->n_test_cases; i++)
                if ((r = check_test_id(i, req->test_cases[i]->code_version_test_id, err)) < 0)
                        return r;
        if (c && c->timeout_seconds < 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "config.timeout_seconds must not be negative");
        if (c && c->memory_limit_mb < 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "config.memory_limit_mb must not be negative");
        if (c && c->enable_network)
                return cr_error_set(err, 0, CR_ERROR_INVALID,
                                    "config.enable_network is not supported: sandboxes have no network");
        return 0;
}

/* ---------------------------------------------------------------- native */

static int check_args(const char *what, char **args, size_t n, struct cr_error **err)
{
        if (n > MAX_ARGS)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s: too many arguments: %zu (at most %d)", what, n,
                                    MAX_ARGS);
        for (size_t i = 0; i < n; i++)
                if (!args[i] || strlen(args[i]) > MAX_ARG_BYTES)
                        return cr_error_set(err, 0, CR_ERROR_INVALID, "%s: argument %zu is longer than %d bytes",
                                            what, i + 1, MAX_ARG_BYTES);
        return 0;
}

static int check_test(size_t index, const Coderunner__V1__TestCase *t, struct cr_error **err)
{
        char what[32];
        int r;

        snprintf(what, sizeof(what), "test %zu", index + 1);
        if ((r = check_args(what, t->args, t->n_args, err)) < 0)
                return r;
        if (t->expected_stdout.len && memchr(t->expected_stdout.data, 0, t->expected_stdout.len))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s: expected_stdout contains a NUL byte", what);
        /* written so that NaN fails too */
        if (!(t->float_tolerance >= 0 && t->float_tolerance < 1))
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s: float_tolerance must be in [0, 1)", what);
        return 0;
}

int cr_rpc_validate_native_request(const Coderunner__V1__ExecuteRequest *req, struct cr_error **err)
{
        int r;

        if (!req->runtime || !req->runtime[0])
                return cr_error_set(err, 0, CR_ERROR_INVALID, "runtime is required (see ListRuntimes)");
        if (req->client_request_id && strlen(req->client_request_id) > MAX_CLIENT_REQUEST_ID)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "client_request_id is longer than %d bytes",
                                    MAX_CLIENT_REQUEST_ID);
        if ((r = check_args("args", req->args, req->n_args, err)) < 0)
                return r;
        if (req->n_tests > 0 && (req->stdin.len > 0 || req->n_args > 0))
                return cr_error_set(err, 0, CR_ERROR_INVALID,
                                    "stdin and args are for single-run mode; with tests use each test's stdin and args");
        for (size_t i = 0; i < req->n_tests; i++)
                if ((r = check_test(i, req->tests[i], err)) < 0)
                        return r;
        return 0;
}

int cr_rpc_native_source(const Coderunner__V1__ExecuteRequest *req, const struct cr_runtime *rt,
                         const Coderunner__V1__File **ret, struct cr_error **err)
{
        const Coderunner__V1__File *f;

        if (req->n_files == 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "files: the program's source file '%s' is required",
                                    rt->source_file);
        if (req->n_files > 1)
                return cr_error_set(err, 0, CR_ERROR_INVALID,
                                    "files: only one file is supported, the runtime's source file '%s'",
                                    rt->source_file);
        f = req->files[0];
        if (!f->path || strcmp(f->path, rt->source_file) != 0)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "files: the file must be named '%s' for runtime '%s'",
                                    rt->source_file, rt->id);
        *ret = f;
        return 0;
}

static int check_limit(const char *what, const char *field, uint64_t v, uint64_t max, struct cr_error **err)
{
        if (v > max)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s.%s %" PRIu64 " is above the maximum %" PRIu64,
                                    what, field, v, max);
        return 0;
}

int cr_rpc_native_limits(const char *what, const Coderunner__V1__Limits *pl, const struct cr_sandbox_limits *max,
                         struct cr_sandbox_limits *ret, struct cr_error **err)
{
        int r;

        *ret = (struct cr_sandbox_limits) {};
        if (!pl)
                return 0;
        if ((r = check_limit(what, "cpu_time_ms", pl->cpu_time_ms, max->cpu_time_ms, err)) < 0 ||
            (r = check_limit(what, "wall_time_ms", pl->wall_time_ms, max->wall_time_ms, err)) < 0 ||
            (r = check_limit(what, "memory_bytes", pl->memory_bytes, max->memory_bytes, err)) < 0 ||
            (r = check_limit(what, "pids", pl->pids, max->pids, err)) < 0 ||
            (r = check_limit(what, "output_bytes", pl->output_bytes, max->output_bytes, err)) < 0)
                return r;
        if (pl->memory_bytes && pl->memory_bytes < MIN_MEMORY_BYTES)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "%s.memory_bytes must be at least 16 MiB", what);
        *ret = (struct cr_sandbox_limits) {
                .cpu_time_ms = pl->cpu_time_ms,
                .wall_time_ms = pl->wall_time_ms,
                .memory_bytes = pl->memory_bytes,
                .pids = pl->pids,
                .output_bytes = pl->output_bytes,
        };
        return 0;
}
