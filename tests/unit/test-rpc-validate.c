/* SPDX-License-Identifier: MIT */
#include "config.h"

/* rpc/validate.c on the fuzz seeds (tests/fuzz/corpus/rpc-request): the
 * bytes a client sends, decoded as the server decodes them; each valid
 * request passes and each invalid one is refused with its message. */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "code_execution.pb-c.h"
#include "code_runner.pb-c.h"
#include "coderunner/v1/coderunner.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "lang/catalog.h"
#include "rpc/validate.h"
#include "sandbox/sandbox.h"
#include "tests.h"

#define SEEDS CR_SRCDIR "/tests/fuzz/corpus/rpc-request/"
#define SEED_MAX 4096

struct seed {
        const char *name;
        const char *error; /* NULL: valid */
};

static size_t read_seed(const char *name, uint8_t *buf)
{
        char path[512];
        ssize_t n;

        snprintf(path, sizeof(path), SEEDS "%s", name);
        n = read_file_at(AT_FDCWD, path, (char *) buf, SEED_MAX);
        return n > 0 ? (size_t) n : 0;
}

/* What the native service checks before it needs the evaluator. */
static int validate_native(const uint8_t *data, size_t size, struct cr_error **err)
{
        char *aliases[] = { NULL };
        struct cr_runtime c = { .id = (char *) "c", .aliases = aliases, .source_file = (char *) "main.c" };
        struct cr_runtime py = { .id = (char *) "python", .aliases = aliases, .source_file = (char *) "main.py" };
        Coderunner__V1__ExecuteRequest *req = coderunner__v1__execute_request__unpack(NULL, size, data);
        const Coderunner__V1__File *src;
        struct cr_sandbox_limits l;
        int r;

        if (!req)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "undecodable");
        r = cr_rpc_validate_native_request(req, err);
        if (r >= 0)
                r = cr_rpc_native_source(req, req->runtime && !strcmp(req->runtime, "python") ? &py : &c, &src, err);
        if (r >= 0)
                r = cr_rpc_native_limits("limits", req->limits, &cr_rpc_max_run_limits, &l, err);
        if (r >= 0)
                r = cr_rpc_native_limits("compile_limits", req->compile_limits, &cr_rpc_max_compile_limits, &l, err);
        coderunner__v1__execute_request__free_unpacked(req, NULL);
        return r;
}

static int validate(const uint8_t *buf, size_t n, struct cr_error **err)
{
        Com__Levelupjourney__Coderunner__ExecutionRequest *v1;
        Com__Levelupjourney__Coderunner__CodeExecutionRequest *v2;
        int r;

        if (buf[0] == 0)
                return validate_native(buf + 1, n - 1, err);
        if (buf[0] == 1) {
                v1 = com__levelupjourney__coderunner__execution_request__unpack(NULL, n - 1, buf + 1);
                if (!v1)
                        return cr_error_set(err, 0, CR_ERROR_INVALID, "undecodable");
                r = cr_rpc_validate_solution_request(v1, err);
                com__levelupjourney__coderunner__execution_request__free_unpacked(v1, NULL);
                return r;
        }
        v2 = com__levelupjourney__coderunner__code_execution_request__unpack(NULL, n - 1, buf + 1);
        if (!v2)
                return cr_error_set(err, 0, CR_ERROR_INVALID, "undecodable");
        r = cr_rpc_validate_code_execution_request(v2, err);
        com__levelupjourney__coderunner__code_execution_request__free_unpacked(v2, NULL);
        return r;
}

TEST(seeds_get_their_verdicts)
{
        static const struct seed seeds[] = {
                { "native-run", NULL },
                { "native-tests", NULL },
                { "native-no-runtime", "runtime is required (see ListRuntimes)" },
                { "native-wrong-file", "files: the file must be named 'main.c' for runtime 'c'" },
                { "native-two-files", "files: only one file is supported" },
                { "native-limits-too-high", "limits.cpu_time_ms 99999999 is above the maximum 30000" },
                { "native-memory-too-low", "compile_limits.memory_bytes must be at least 16 MiB" },
                { "native-nul-expected", "test 1: expected_stdout contains a NUL byte" },
                { "native-nan-tolerance", "test 1: float_tolerance must be in [0, 1)" },
                { "native-stdin-with-tests", "stdin and args are for single-run mode" },
                { "solution-valid", NULL },
                { "solution-bad-uuid", "invalid ChallengeId format: not-a-uuid" },
                { "solution-no-test-id", "test 1: code_version_test_id is required" },
                { "execution-valid", NULL },
                { "execution-network", "config.enable_network is not supported" },
                { "execution-negative-timeout", "config.timeout_seconds must not be negative" },
                { "execution-no-ids", "CodeVersionId is required and cannot be empty" },
        };
        uint8_t buf[SEED_MAX];

        for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                size_t n = read_seed(seeds[i].name, buf);
                int r;

                ASSERT_TRUE(n > 0);
                r = validate(buf, n, &err);
                if (!seeds[i].error) {
                        if (r < 0)
                                fprintf(stderr, "# %s: %s\n", seeds[i].name, err->msg);
                        ASSERT_OK(r);
                        continue;
                }
                ASSERT_TRUE(r < 0);
                ASSERT_EQ(err->kind, CR_ERROR_INVALID);
                if (!strstr(err->msg, seeds[i].error))
                        fprintf(stderr, "# %s: got '%s'\n", seeds[i].name, err->msg);
                ASSERT_TRUE(strstr(err->msg, seeds[i].error));
        }
}

TESTS_MAIN
