/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "error.h"
#include "lang/catalog.h"
#include "tests.h"

static const char good[] =
        "{\"id\":\"python\",\"aliases\":[\"py\",\"python3\"],\"version\":\"3.11.2\",\"image\":\"python\","
        "\"source_file\":\"main.py\",\"compile\":null,"
        "\"run\":{\"argv\":[\"python3\",\"/box/main.py\"],"
        "\"limits\":{\"time_ms\":2000,\"wall_ms\":5000,\"memory_bytes\":268435456,\"pids\":16}},"
        "\"env\":{\"HOME\":\"/box\",\"PATH\":\"/usr/bin:/bin\"},\"seccomp_profile\":\"default\"}";

static int parse_str(const char *json, struct cr_runtime *rt, struct cr_error **err)
{
        return cr_runtime_parse(json, strlen(json), "test.json", rt, err);
}

TEST(parses_a_runtime)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_runtime rt;

        ASSERT_OK(parse_str(good, &rt, &err));
        ASSERT_STREQ(rt.id, "python");
        ASSERT_STREQ(rt.version, "3.11.2");
        ASSERT_STREQ(rt.aliases[1], "python3");
        ASSERT_TRUE(rt.aliases[2] == NULL);
        ASSERT_TRUE(rt.compile == NULL);
        ASSERT_STREQ(rt.run.argv[0], "python3");
        ASSERT_UEQ(rt.run.limits.memory_bytes, 268435456);
        ASSERT_STREQ(rt.env[0], "HOME=/box");
        cr_runtime_done(&rt);
}

TEST(rejects_malformed_runtimes)
{
        static const char *const bad[] = {
                "", "[]", "{", "{\"id\":\"x\"}", "{} trailing",
                /* source_file escaping the work dir */
                "{\"id\":\"x\",\"aliases\":[],\"version\":\"1\",\"image\":\"x\",\"source_file\":\"../x\","
                "\"seccomp_profile\":\"default\",\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":1,"
                "\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* a profile name that could walk out of seccomp/ */
                "{\"id\":\"x\",\"aliases\":[],\"version\":\"1\",\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"../../etc/x\",\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":1,"
                "\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* a zero limit */
                "{\"id\":\"x\",\"aliases\":[],\"version\":\"1\",\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\",\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":0,"
                "\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* function mode's compile argv for a runtime that does not compile */
                "{\"id\":\"x\",\"aliases\":[],\"version\":\"1\",\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\",\"function_mode\":{\"compile_argv\":[\"cc\"]},"
                "\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":1,\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* empty argv */
                "{\"id\":\"x\",\"aliases\":[],\"version\":\"1\",\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\",\"run\":{\"argv\":[],\"limits\":{\"time_ms\":1,"
                "\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_runtime rt;

                if (parse_str(bad[i], &rt, &err) >= 0) {
                        cr_runtime_done(&rt);
                        tests_fail(__FILE__, __LINE__, "accepted bad runtime #%zu", i);
                        return;
                }
                ASSERT_EQ(err->kind, CR_ERROR_INVALID);
                ASSERT_TRUE(strncmp(err->msg, "test.json: ", 11) == 0);
        }
}

TEST(shipped_catalogue_loads_and_resolves)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_catalog *c = NULL;
        const struct cr_runtime *rt = NULL;
        static const char *const ids[] = { "c", "cpp", "csharp", "go", "java", "javascript", "python",
                                           "rust", "typescript" };

        ASSERT_OK(cr_catalog_load_dir(SRCDIR "/rootfs/runtimes", &c, &err));
        ASSERT_UEQ(c->n, 9);
        for (size_t i = 0; i < 9; i++) {
                ASSERT_OK(cr_catalog_find(c, ids[i], &rt, &err));
                ASSERT_STREQ(rt->id, ids[i]);
                ASSERT_TRUE(rt->version[0] >= '0' && rt->version[0] <= '9');
        }
        ASSERT_OK(cr_catalog_find(c, "py", &rt, &err));
        ASSERT_STREQ(rt->id, "python");
        ASSERT_OK(cr_catalog_find(c, "c++", &rt, &err));
        ASSERT_STREQ(rt->id, "cpp");
        /* C++ function mode links doctest's prebuilt runner */
        ASSERT_TRUE(rt->function_compile_argv != NULL);
        ASSERT_STREQ(rt->function_compile_argv[9], "/usr/lib/coderunner/doctest-runner.o");
        ASSERT_TRUE(rt->function_compile_argv[10] == NULL);
        ASSERT_OK(cr_catalog_find(c, "golang", &rt, &err));
        ASSERT_STREQ(rt->id, "go");
        ASSERT_TRUE(rt->compile != NULL);
        ASSERT_ERRNO(cr_catalog_find(c, "cobol", &rt, &err), ENOENT);
        ASSERT_EQ(err->kind, CR_ERROR_NOT_FOUND);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_catalog_find(c, "python@2.7", &rt, &err), ENOENT);
        cr_catalog_free(c);
}

TESTS_MAIN
