/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "lang/catalog.h"
#include "tests.h"

static const char good[] =
        "{\"id\":\"python\",\"aliases\":[\"py\",\"python3\"],\"image\":\"python\","
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
        ASSERT_TRUE(rt.version == NULL); /* versions come from installed images */
        ASSERT_STREQ(rt.aliases[1], "python3");
        ASSERT_TRUE(rt.aliases[2] == NULL);
        ASSERT_TRUE(rt.compile == NULL);
        ASSERT_STREQ(rt.run.argv[0], "python3");
        ASSERT_UEQ(rt.run.limits.memory_bytes, 268435456);
        ASSERT_STREQ(rt.env[0], "HOME=/box");
        cr_runtime_done(&rt);
}

#define RUN_OK "\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":1,\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}"

TEST(rejects_malformed_runtimes)
{
        static const char *const bad[] = {
                "", "[]", "{", "{\"id\":\"x\"}", "{} trailing",
                /* source_file escaping the work dir */
                "{\"id\":\"x\",\"aliases\":[],\"image\":\"x\",\"source_file\":\"../x\","
                "\"seccomp_profile\":\"default\"," RUN_OK "}",
                /* a profile name that could walk out of seccomp/ */
                "{\"id\":\"x\",\"aliases\":[],\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"../../etc/x\"," RUN_OK "}",
                /* a zero limit */
                "{\"id\":\"x\",\"aliases\":[],\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\",\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":0,"
                "\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* function mode's compile argv for a runtime that does not compile */
                "{\"id\":\"x\",\"aliases\":[],\"version\":\"1\",\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\",\"function_mode\":{\"compile_argv\":[\"cc\"]},"
                "\"run\":{\"argv\":[\"a\"],\"limits\":{\"time_ms\":1,\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* function mode's run argv empty */
                "{\"id\":\"x\",\"aliases\":[],\"image\":\"x\",\"source_file\":\"m\",\"seccomp_profile\":\"default\","
                "\"compile\":{\"argv\":[\"cc\"],\"limits\":{\"time_ms\":1,\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}},"
                "\"function_mode\":{\"compile_argv\":[\"cc\"],\"run_argv\":[]}," RUN_OK "}",
                /* empty argv */
                "{\"id\":\"x\",\"aliases\":[],\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\",\"run\":{\"argv\":[],\"limits\":{\"time_ms\":1,"
                "\"wall_ms\":1,\"memory_bytes\":1,\"pids\":1}}}",
                /* a pinned version: versions are the installed images' */
                "{\"id\":\"x\",\"version\":\"1\",\"aliases\":[],\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\"," RUN_OK "}",
                /* an alias with a bad version, and one with an upper-case name */
                "{\"id\":\"x\",\"aliases\":[\"x1@\"],\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\"," RUN_OK "}",
                "{\"id\":\"x\",\"aliases\":[\"X\"],\"image\":\"x\",\"source_file\":\"m\","
                "\"seccomp_profile\":\"default\"," RUN_OK "}",
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

/* The shipped catalogue with this set of images installed. */
static const struct cr_catalog_image images[] = {
        {"python", "3.11.2", "bookworm"}, {"python", "3.13.5", "trixie"}, {"python", "3.14.8", "forky"},
        {"java", "17.0.21.1", "bookworm"}, {"java", "21.0.13.1", "trixie"}, {"java", "25.0.5", "forky"},
        {"typescript", "4.8.4", "bookworm"}, {"typescript", "4.9.5", "trixie"},
        {"typescript", "5.9.3", "forky"}, {"typescript", "7.0.2", "forky"},
        {"go", "1.24.4", "trixie"}, {"go", "1.9.1", NULL}, {"go", "1.10", NULL},
        {"unrelated", "1.0", NULL}, {"python", "not a version!", NULL},
};

static struct cr_catalog *installed(const char *defaults)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_catalog *c = NULL;

        if (cr_catalog_load_dir(SRCDIR "/rootfs/runtimes", &c, &err) < 0 ||
            cr_catalog_install(c, images, sizeof(images) / sizeof(images[0]), defaults, &err) < 0) {
                fprintf(stderr, "# %s\n", err ? err->msg : "?");
                cr_catalog_free(c);
                return NULL;
        }
        return c;
}

/* find(ref) gives this version ("-" for the versionless entry). */
static void expect(const struct cr_catalog *c, const char *ref, const char *id, const char *version)
{
        _cleanup_error_ struct cr_error *err = NULL;
        const struct cr_runtime *rt = NULL;

        if (cr_catalog_find(c, ref, &rt, &err) < 0) {
                tests_fail(__FILE__, __LINE__, "%s: %s", ref, err->msg);
                return;
        }
        if (strcmp(rt->id, id) != 0 || strcmp(rt->version ? rt->version : "-", version) != 0)
                tests_fail(__FILE__, __LINE__, "%s gave %s@%s, wanted %s@%s", ref, rt->id,
                           rt->version ? rt->version : "-", id, version);
}

/* find(ref) fails with CR_ERROR_INVALID whose message holds `needle`. */
static void refused(const struct cr_catalog *c, const char *ref, const char *needle)
{
        _cleanup_error_ struct cr_error *err = NULL;
        const struct cr_runtime *rt = NULL;

        if (cr_catalog_find(c, ref, &rt, &err) >= 0) {
                tests_fail(__FILE__, __LINE__, "%s was accepted (%s@%s)", ref, rt->id, rt->version);
                return;
        }
        if (err->kind != CR_ERROR_INVALID || !strstr(err->msg, needle))
                tests_fail(__FILE__, __LINE__, "%s: kind %d, '%s' lacks '%s'", ref, err->kind, err->msg, needle);
        else
                printf("# %s: %s\n", ref, err->msg);
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
                ASSERT_TRUE(rt->version == NULL); /* nothing installed yet */
        }
        ASSERT_OK(cr_catalog_find(c, "py", &rt, &err));
        ASSERT_STREQ(rt->id, "python");
        ASSERT_OK(cr_catalog_find(c, "c++", &rt, &err));
        ASSERT_STREQ(rt->id, "cpp");
        /* C++ function mode links doctest's prebuilt runner */
        ASSERT_TRUE(rt->function_compile_argv != NULL);
        ASSERT_STREQ(rt->function_compile_argv[9], "/usr/lib/coderunner/doctest-runner.o");
        ASSERT_TRUE(rt->function_compile_argv[10] == NULL);
        /* Java function mode compiles and runs with the image's prebuilt helpers on the class path */
        ASSERT_OK(cr_catalog_find(c, "java", &rt, &err));
        ASSERT_TRUE(rt->function_compile_argv != NULL && rt->function_run_argv != NULL);
        ASSERT_STREQ(rt->function_compile_argv[8], "/usr/lib/coderunner/java");
        ASSERT_STREQ(rt->function_run_argv[7], "/box:/usr/lib/coderunner/java");
        ASSERT_STREQ(rt->run.argv[7], "/box"); /* stdio mode's class path is unchanged */
        ASSERT_OK(cr_catalog_find(c, "c++", &rt, &err));
        ASSERT_TRUE(rt->function_run_argv == NULL);
        ASSERT_OK(cr_catalog_find(c, "golang", &rt, &err));
        ASSERT_STREQ(rt->id, "go");
        ASSERT_TRUE(rt->compile != NULL);
        ASSERT_ERRNO(cr_catalog_find(c, "cobol", &rt, &err), ENOENT);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_catalog_find(c, "python@2.7", &rt, &err), ENOENT);
        ASSERT_TRUE(strstr(err->msg, "installed versions of python: none") != NULL);
        cr_catalog_free(c);
}

TEST(every_installed_version_is_listed)
{
        struct cr_catalog *c = installed("trixie");
        size_t python = 0, typescript = 0, csharp = 0;

        ASSERT_TRUE(c != NULL);
        for (size_t i = 0; i < c->n; i++) {
                const struct cr_runtime *rt = &c->runtimes[i];
                if (i > 0) /* sorted by id, then version */
                        ASSERT_TRUE(strcmp(c->runtimes[i - 1].id, rt->id) < 0 ||
                                    strverscmp(c->runtimes[i - 1].version, rt->version) < 0);
                python += strcmp(rt->id, "python") == 0;
                typescript += strcmp(rt->id, "typescript") == 0;
                if (strcmp(rt->id, "csharp") == 0) {
                        csharp++;
                        ASSERT_TRUE(rt->version == NULL && !rt->is_default);
                }
        }
        ASSERT_UEQ(python, 3); /* "not a version!" is no version */
        ASSERT_UEQ(typescript, 4);
        ASSERT_UEQ(csharp, 1); /* known, not installed */
        cr_catalog_free(c);
}

TEST(selects_exact_prefix_alias_and_default)
{
        struct cr_catalog *c = installed("trixie");

        ASSERT_TRUE(c != NULL);
        /* default: the operator's suite */
        expect(c, "python", "python", "3.13.5");
        expect(c, "py", "python", "3.13.5");
        expect(c, "python@default", "python", "3.13.5");
        expect(c, "java", "java", "21.0.13.1");
        /* exact */
        expect(c, "python@3.11.2", "python", "3.11.2");
        expect(c, "ts@7.0.2", "typescript", "7.0.2");
        /* prefix, on component boundaries, highest match */
        expect(c, "python@3.14", "python", "3.14.8");
        expect(c, "python@3", "python", "3.14.8");
        expect(c, "java@25", "java", "25.0.5");
        expect(c, "typescript@4", "typescript", "4.9.5");
        expect(c, "go@1.9", "go", "1.9.1");   /* not 1.24 or 1.10 */
        expect(c, "go@1", "go", "1.24.4");    /* strverscmp: 1.24 > 1.10 > 1.9 */
        /* aliases: latest and suites */
        expect(c, "python@latest", "python", "3.14.8");
        expect(c, "python@bookworm", "python", "3.11.2");
        expect(c, "typescript@forky", "typescript", "7.0.2"); /* two on forky: the higher */
        /* runtime aliases that pick a version */
        expect(c, "java17", "java", "17.0.21.1");
        expect(c, "java25", "java", "25.0.5");
        /* nothing installed: the versionless entry, for an "unavailable" answer */
        expect(c, "csharp", "csharp", "-");
        cr_catalog_free(c);
}

TEST(unknown_or_missing_versions_name_what_is_installed)
{
        struct cr_catalog *c = installed("trixie");

        ASSERT_TRUE(c != NULL);
        refused(c, "python@2.7", "installed versions of python: 3.11.2, 3.13.5 (default), 3.14.8");
        refused(c, "python@3.1", "python@3.1 is not installed"); /* not a prefix of 3.11.2 */
        refused(c, "python@3.13.50", "not installed");
        refused(c, "python@sid", "not installed");
        refused(c, "csharp@6.12", "installed versions of csharp: none");
        refused(c, "cobol", "unknown language 'cobol'; known runtimes: c, cpp, csharp, go, java");
        refused(c, "cobol@1", "unknown language 'cobol'");
        refused(c, "python@", "invalid version");
        refused(c, "python@../x", "invalid version");
        refused(c, "java17@21", "already picks version 17");
        refused(c, "", "unknown language");
        cr_catalog_free(c);
}

TEST(operator_defaults)
{
        struct cr_catalog *c = installed("typescript=5.9 python=3.11, forky");
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_TRUE(c != NULL);
        expect(c, "typescript", "typescript", "5.9.3");
        expect(c, "python", "python", "3.11.2");
        expect(c, "java", "java", "25.0.5"); /* the bare selector */
        expect(c, "go", "go", "1.24.4");     /* no forky go: the highest */
        ASSERT_TRUE(c->warnings == NULL);
        cr_catalog_free(c);

        c = installed("python=3.12 bookworm");
        ASSERT_TRUE(c != NULL);
        expect(c, "python", "python", "3.11.2"); /* 3.12 is missing: the next rule */
        ASSERT_TRUE(c->warnings && strstr(c->warnings, "default python=3.12 is not installed, using 3.11.2"));
        cr_catalog_free(c);

        c = installed(NULL);
        ASSERT_TRUE(c != NULL);
        expect(c, "python", "python", "3.14.8"); /* no defaults: the highest */
        cr_catalog_free(c);

        ASSERT_OK(cr_catalog_load_dir(SRCDIR "/rootfs/runtimes", &c, &err));
        ASSERT_ERRNO(cr_catalog_install(c, images, 1, "python=", &err), EINVAL);
        ASSERT_TRUE(strstr(err->msg, "runtime defaults") != NULL);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_catalog_install(c, images, 1, "a/b=1", &err), EINVAL);
        cr_catalog_free(c);
}

TESTS_MAIN
