/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "lang/catalog.h"
#include "sandbox/seccomp.h"
#include "../lib/tests.h"

/* The audit side of the seccomp module: Docker/OCI JSON profiles, the
 * reviewer's table, diff, the OCI and pfc exports, and the user-space
 * evaluator, which must agree with the kernel on the same program. */

#ifndef SRCDIR
#error "SRCDIR must be defined to the absolute source directory"
#endif

#define DEFAULT_PROFILE SRCDIR "/seccomp/default.profile"
#define DOCKER_PROFILE  SRCDIR "/tests/fixtures/seccomp/docker-default.json"
#define PODMAN_PROFILE  SRCDIR "/tests/fixtures/seccomp/containers-common.json"

static struct cr_seccomp_profile *parse(const char *text)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_seccomp_profile *p = NULL;

        if (cr_seccomp_profile_parse(text, strlen(text), "t", &p, &err) < 0)
                printf("# parse failed: %s\n", err->msg);
        return p;
}

static struct cr_seccomp_profile *load(const char *path)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_seccomp_profile *p = NULL;

        if (cr_seccomp_profile_load(path, &p, &err) < 0)
                printf("# load failed: %s\n", err->msg);
        return p;
}

/* What the profile does with one syscall (cr_seccomp_profile_explain). */
static char *explain(const struct cr_seccomp_profile *p, const char *name)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);

        if (cr_seccomp_profile_explain(p, name, &b, &err) < 0)
                return NULL;
        return cr_buf_steal(&b);
}

/* The action the compiled program gives one call, by the evaluator. */
static uint32_t evaluate(const struct cr_seccomp_program *prog, int nr, uint64_t a0, uint64_t a1,
                         uint64_t a2)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_seccomp_call call = {.nr = nr, .args = {a0, a1, a2}};
        uint32_t action = 0xdeadbeef;

        if (cr_seccomp_program_evaluate(prog, &call, &action, &err) < 0)
                printf("# evaluate failed: %s\n", err->msg);
        return action;
}

static bool has_note(const struct cr_seccomp_profile *p, const char *what)
{
        const char *const *notes;
        size_t n = cr_seccomp_profile_notes(p, &notes);

        for (size_t i = 0; i < n; i++)
                if (strstr(notes[i], what))
                        return true;
        return false;
}

#define ASSERT_EXPLAINS(p, name, want)                                                  \
        do {                                                                            \
                _cleanup_free_ char *_e = explain((p), (name));                         \
                if (!_e || !strstr(_e, (want)))                                         \
                        printf("# explain %s: want \"%s\" in \"%s\"\n", (name), (want), \
                               _e ? _e : "(null)");                                     \
                ASSERT_TRUE(_e &&strstr(_e, (want)));                                   \
        } while (0)

/* ---------------------------------------------------------------- Docker/OCI JSON */

TEST(docker_default_loads_as_docker_applies_it)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(DOCKER_PROFILE);
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_seccomp_counts c;

        ASSERT_TRUE(p);
        ASSERT_TRUE(cr_seccomp_profile_is_oci(p));
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        cr_seccomp_profile_count(p, &c);
#if defined(__x86_64__)
        /* Docker 20.10's list, minus 32-bit-only names, capability-gated
         * entries and other architectures' entries. */
        ASSERT_TRUE(c.allowed > 280 && c.allowed < 320);
        ASSERT_EXPLAINS(p, "arch_prctl", "arch_prctl: allow");
        ASSERT_EXPLAINS(p, "clone", "allow if arg0 & 0x7e020000 == 0 (" DOCKER_PROFILE " syscalls[14])");
#endif
        ASSERT_EXPLAINS(p, "read", "read: allow");
        /* includes.minKernel 4.8: the running kernel is newer. */
        ASSERT_EXPLAINS(p, "ptrace", "ptrace: allow");
        ASSERT_EXPLAINS(p, "clone3", "clone3: errno ENOSYS");
        /* capability-gated entries do not apply to the sandbox */
        ASSERT_EXPLAINS(p, "bpf", "bpf: errno EPERM (default");
        ASSERT_EXPLAINS(p, "mount", "mount: errno EPERM (default");
        ASSERT_EXPLAINS(p, "personality", "allow if arg0 == 0x20008");
        ASSERT_TRUE(has_note(p, "includes.caps"));
        ASSERT_TRUE(has_note(p, "archMap ignored"));
        ASSERT_EQ(evaluate(&prog, SYS_mount, 0, 0, 0), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(evaluate(&prog, SYS_clone3, 0, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
        ASSERT_EQ(evaluate(&prog, SYS_clone, CLONE_NEWUSER, 0, 0), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(evaluate(&prog, SYS_clone, SIGCHLD, 0, 0), SECCOMP_RET_ALLOW);
}

TEST(podman_profile_overlap_follows_libseccomp)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(PODMAN_PROFILE);
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;

        /* setns is allowed by entry 1, then denied for containers without
         * CAP_SYS_ADMIN by entry 15: libseccomp keeps the first. */
        ASSERT_TRUE(p);
        ASSERT_TRUE(has_note(p, "syscalls[15]: 'setns' has no effect: syscalls[1] already gives it allow"));
        ASSERT_EXPLAINS(p, "setns", "setns: allow (");
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        ASSERT_EQ(evaluate(&prog, SYS_setns, 0, 0, 0), SECCOMP_RET_ALLOW);
        /* entry 0: errno EPERM although the default is ENOSYS */
        ASSERT_EXPLAINS(p, "kexec_load", "kexec_load: errno EPERM");
        ASSERT_EQ(evaluate(&prog, SYS_kexec_load, 0, 0, 0), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(evaluate(&prog, SYS_add_key, 0, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
}

TEST(oci_conditions_actions_and_notes)
{
        static const char json[] =
                "\xef\xbb\xbf  {\n"
                "  \"defaultAction\": \"SCMP_ACT_KILL_PROCESS\",\n"
                "  \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],\n"
                "  \"syscalls\": [\n"
                "    {\"names\": [\"read\", \"write\", \"no_such_call\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
                "    {\"name\": \"close\", \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"old format\"},\n"
                "    {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22,\n"
                "     \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_EQ\"}]},\n"
                "    {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
                "     \"args\": [{\"index\": 2, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},\n"
                "              {\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\"}]},\n"
                "    {\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
                "     \"args\": [{\"index\": 1, \"value\": 4294967295, \"valueTwo\": 21505, \"op\": "
                "\"SCMP_CMP_MASKED_EQ\"}]},\n"
                "    {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_KILL\"},\n"
                "    {\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_TRAP\"},\n"
                "    {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_LOG\"},\n"
                "    {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},\n"
                "    {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
                "\"999.0\"}},\n"
                "    {\"names\": [\"umount2\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": "
                "[\"CAP_SYS_ADMIN\"]}}\n"
                "  ]\n"
                "}\n";
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = parse(json);
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_TRUE(p);
        ASSERT_TRUE(has_note(p, "'no_such_call' skipped"));
        ASSERT_TRUE(has_note(p, "the 1 others are killed"));
        ASSERT_TRUE(has_note(p, "minKernel"));
        ASSERT_EXPLAINS(p, "socket",
                        "socket: errno EINVAL if arg0 == 0x28 (t syscalls[2]), "
                        "allow if arg0 != 0x28 and arg2 == 0 (t syscalls[3]); otherwise kill");
        ASSERT_EXPLAINS(p, "ioctl", "allow if arg1 & 0xffffffff == 0x5401");
        ASSERT_EXPLAINS(p, "getpid", "getpid: kill-thread");
        ASSERT_EXPLAINS(p, "gettid", "gettid: trap");
        ASSERT_EXPLAINS(p, "getppid", "getppid: log");
        ASSERT_EXPLAINS(p, "getuid", "getuid: trace 7");
        ASSERT_EXPLAINS(p, "mount", "mount: kill (default");
        ASSERT_EXPLAINS(p, "umount2", "umount2: allow");
        ASSERT_EXPLAINS(p, "close", "close: allow");
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        ASSERT_EQ(evaluate(&prog, SYS_socket, 40, 1, 0), SECCOMP_RET_ERRNO | EINVAL);
        ASSERT_EQ(evaluate(&prog, SYS_socket, 2, 1, 0), SECCOMP_RET_ALLOW);
        ASSERT_EQ(evaluate(&prog, SYS_socket, 2, 1, 6), SECCOMP_RET_KILL_PROCESS);
        ASSERT_EQ(evaluate(&prog, SYS_ioctl, 0, 0x5401, 0), SECCOMP_RET_ALLOW);
        ASSERT_EQ(evaluate(&prog, SYS_ioctl, 0, 0x5412, 0), SECCOMP_RET_KILL_PROCESS);
        ASSERT_EQ(evaluate(&prog, SYS_getpid, 0, 0, 0), SECCOMP_RET_KILL_THREAD);
        ASSERT_EQ(evaluate(&prog, SYS_gettid, 0, 0, 0), SECCOMP_RET_TRAP);
        ASSERT_EQ(evaluate(&prog, SYS_getppid, 0, 0, 0), SECCOMP_RET_LOG);
        ASSERT_EQ(evaluate(&prog, SYS_getuid, 0, 0, 0), SECCOMP_RET_TRACE | 7);
}

static const struct {
        const char *json;
        const char *want;
} bad_json[] = {
        {"{", "t:1: invalid JSON: unexpected end of input"},
        {"{\n\"defaultAction\": \"SCMP_ACT_ERRNO\",\n\"syscalls\": [ x ]\n}", "t:3: invalid JSON"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\"} {}", "t:1: invalid JSON"},
        {"{}", "t: defaultAction: missing action"},
        {"[]", "t: not a JSON object"},
        {"{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "defaultAction: would allow syscalls nobody listed"},
        {"{\"defaultAction\": \"SCMP_ACT_LOG\"}", "defaultAction: would allow"},
        {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY needs a listener"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"listenerPath\": \"/run/x.sock\"}", "listenerPath"},
        {"{\"defaultAction\": \"SCMP_ACT_BOGUS\"}", "defaultAction: unknown action 'SCMP_ACT_BOGUS'"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 0}",
         "errno must be an integer from 1"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}", "errno must be an integer"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"EPERM\"}",
         "errno must be an integer"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"newerAction\": \"SCMP_ACT_ALLOW\"}",
         "newerAction: would allow"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}", "syscalls: not an array"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [1]}", "syscalls[0]: not an object"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
         "syscalls[0]: no \"names\""},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}",
         "syscalls[0]: missing action"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"Read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\"}]}",
         "syscalls[0].names: invalid syscall name"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
         "syscalls[0].args[0].index: must be 0 to 5"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
         "syscalls[0].args[0]: value and valueTwo must be integers"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1.5, \"op\": \"SCMP_CMP_EQ\"}]}]}",
         "value and valueTwo must be integers"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}",
         "syscalls[0].args[0].op: unknown operator 'SCMP_CMP_ABOUT'"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
         "mask 0 makes the condition always true"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"valueTwo\": 2, \"op\": "
         "\"SCMP_CMP_MASKED_EQ\"}]}]}",
         "valueTwo has bits outside the mask"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": "
         "0, "
         "\"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}",
         "syscalls[0].args[1]: arg0 is compared twice in one rule"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ALLOW\", \"args\": 3}]}",
         "syscalls[0].args: not an array"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
         "\"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
         "syscalls[0]: errno must be an integer"},
        {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"a\": [[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]}",
         "invalid JSON: nesting too deep"},
};

TEST(oci_rejects_malformed)
{
        for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
                _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
                _cleanup_error_ struct cr_error *err = NULL;
                int r = cr_seccomp_profile_parse(bad_json[i].json, strlen(bad_json[i].json), "t", &p, &err);

                if (r >= 0 || !strstr(err->msg, bad_json[i].want))
                        printf("# case %zu: want \"%s\", got \"%s\"\n", i, bad_json[i].want,
                               err ? err->msg : "(success)");
                ASSERT_ERRNO(r, EINVAL);
                ASSERT_EQ(err->kind, CR_ERROR_INVALID);
                ASSERT_TRUE(strstr(err->msg, bad_json[i].want));
                ASSERT_TRUE(!p);
        }
}

/* ---------------------------------------------------------------- text format additions */

TEST(text_conditions_combine_with_and)
{
        static const char text[] = "default errno EPERM\n"
                                   "# netlink route only\n"
                                   "allow socket if arg0 == 16 and arg2 == 0\n"
                                   "allow socket if arg0 == 1\n";
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = parse(text);
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_TRUE(p);
        ASSERT_EXPLAINS(p, "socket",
                        "socket: allow if arg0 == 0x10 and arg2 == 0 (t:3), allow if arg0 == 0x1 (t:4)");
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        ASSERT_EQ(evaluate(&prog, SYS_socket, 16, 3, 0), SECCOMP_RET_ALLOW);
        ASSERT_EQ(evaluate(&prog, SYS_socket, 16, 3, 9), SECCOMP_RET_ERRNO | EPERM);
        ASSERT_EQ(evaluate(&prog, SYS_socket, 1, 1, 9), SECCOMP_RET_ALLOW);
        ASSERT_EQ(evaluate(&prog, SYS_socket, 2, 1, 0), SECCOMP_RET_ERRNO | EPERM);
}

TEST(text_condition_errors)
{
        static const struct {
                const char *text, *want;
        } cases[] = {
                {"default kill\nallow socket if arg0 == 1 and arg0 == 2\n",
                 "t:2: arg0 is compared twice in one rule"},
                {"default kill\nallow socket if arg0 == 1 and\n",
                 "t:2: 'and' needs a comparison on each side"},
                {"default kill\nallow socket if and arg0 == 1\n",
                 "t:2: 'and' needs a comparison on each side"},
                {"default kill\nallow socket if\n", "t:2: 'if' needs a condition"},
                {"default kill\nallow socket if arg0 == 1 && arg1 == 2\n", "unexpected token '&&'"},
                /* the same rule written in another order is a duplicate */
                {"default kill\nallow socket if arg0 == 1 and arg2 == 0\nallow socket if arg2 == 0 and arg0 "
                 "== 1\n",
                 "t:3: duplicate rule for 'socket' (first on line 2)"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
                _cleanup_error_ struct cr_error *err = NULL;
                int r = cr_seccomp_profile_parse(cases[i].text, strlen(cases[i].text), "t", &p, &err);

                if (r >= 0 || !strstr(err->msg, cases[i].want))
                        printf("# case %zu: want \"%s\", got \"%s\"\n", i, cases[i].want,
                               err ? err->msg : "(success)");
                ASSERT_ERRNO(r, EINVAL);
                ASSERT_TRUE(strstr(err->msg, cases[i].want));
        }
}

/* ---------------------------------------------------------------- table */

TEST(explain_table_carries_the_profiles_words)
{
        static const char text[] = "# file header: not about any rule\n"
                                   "\n"
                                   "default errno EPERM\n"
                                   "# ------------------------------ basics\n"
                                   "# Reading and writing\n"
                                   "# what the job was given.\n"
                                   "allow read write\n"
                                   "allow close # every fd must close\n"
                                   "# ------------------------------ denied\n"
                                   "# No mounts.\n"
                                   "errno EPERM mount\n"
                                   "kill reboot\n";
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = parse(text);
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);
        const char *allowed, *denied;

        ASSERT_TRUE(p);
        ASSERT_OK(cr_seccomp_profile_explain_table(p, &b, &err));
        allowed = strstr(b.data, "ALLOWED");
        denied = strstr(b.data, "DENIED  (everything not listed: errno EPERM)");
        ASSERT_TRUE(allowed && denied && allowed < denied);
        ASSERT_TRUE(strstr(b.data,
                           "3 syscalls allowed (0 of them only under argument conditions), 1 denied by "
                           "name, 1 killed"));
        ASSERT_TRUE(strstr(b.data, "-- basics\n     7  allow         read write\n"
                                   "         why: Reading and writing what the job was given.\n"));
        ASSERT_TRUE(strstr(b.data, "     8  allow         close\n         why: every fd must close\n"));
        ASSERT_TRUE(strstr(b.data, "-- denied\n    11  errno EPERM   mount\n    12  kill          reboot\n"
                                   "         why: No mounts.\n"));
        ASSERT_FALSE(strstr(b.data, "file header"));
}

TEST(explain_table_of_the_default_profile)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(DEFAULT_PROFILE);
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1 << 20);

        ASSERT_TRUE(p);
        ASSERT_OK(cr_seccomp_profile_explain_table(p, &b, &err));
        ASSERT_TRUE(strstr(b.data, "-- processes\n"));
        ASSERT_TRUE(strstr(b.data, "allow         clone if arg0 & 0x7e020000 == 0\n"));
        ASSERT_TRUE(strstr(b.data, "why: Thread and process creation."));
        ASSERT_TRUE(strstr(b.data, "kill          kexec_load kexec_file_load"));
        ASSERT_TRUE(strstr(b.data, "errno ENOSYS  clone3 io_uring_setup"));
        ASSERT_TRUE(strstr(b.data, "syscalls above"));
}

/* ---------------------------------------------------------------- diff and export */

static char *diff(const struct cr_seccomp_profile *a, const struct cr_seccomp_profile *b, bool *differ)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(1 << 20);

        if (cr_seccomp_profile_diff(a, b, &out, differ, &err) < 0)
                return NULL;
        return cr_buf_steal(&out);
}

TEST(diff_shows_what_each_side_allows)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *a =
                parse("default errno EPERM\nallow read write getpid\nallow socket if arg0 == 1\n"
                      "errno ENOSYS clone3\nerrno EPERM mount\n");
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *b =
                parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                      "{\"names\": [\"read\", \"write\", \"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                      "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");
        _cleanup_free_ char *d = NULL, *same = NULL;
        bool differ = false;

        ASSERT_TRUE(a && b);
        d = diff(a, b, &differ);
        ASSERT_TRUE(d && differ);
        ASSERT_TRUE(strstr(d, "Allowed only by A (1):\n  getpid                 A: allow\n"
                              "                         B: errno EPERM\n"));
        ASSERT_TRUE(strstr(d, "Allowed only by B (1):\n  ptrace                 A: errno EPERM\n"));
        ASSERT_TRUE(strstr(d, "Allowed by both, under different conditions (1):\n"
                              "  socket                 A: allow if arg0 == 0x1; otherwise errno EPERM\n"
                              "                         B: allow\n"));
        ASSERT_TRUE(strstr(d, "Denied by both, differently (1):\n  clone3                 A: errno ENOSYS\n"
                              "                         B: kill\n"));
        /* an explicit denial equal to the default is no difference */
        ASSERT_FALSE(strstr(d, "mount"));
        ASSERT_TRUE(
                strstr(d, "1 only in A, 1 only in B, 1 with different conditions, 1 denied differently"));
        same = diff(a, a, &differ);
        ASSERT_TRUE(same && !differ);
}

TEST(oci_export_round_trips)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(DEFAULT_PROFILE),
                                                                      *back = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program p1 = {}, p2 = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf json = CR_BUF_INIT(1 << 20);
        _cleanup_free_ char *d = NULL;
        bool differ = true;

        ASSERT_TRUE(p);
        ASSERT_OK(cr_seccomp_export_oci(p, &json, &err));
        ASSERT_TRUE(strstr(json.data, "\"defaultAction\": \"SCMP_ACT_ERRNO\""));
        ASSERT_TRUE(strstr(json.data, "\"defaultErrnoRet\": 1"));
        ASSERT_TRUE(strstr(json.data, "\"op\": \"SCMP_CMP_MASKED_EQ\""));
        ASSERT_TRUE(strstr(json.data, "\"comment\": \"Thread and process creation."));
        ASSERT_OK(cr_seccomp_profile_parse(json.data, json.len, "exported", &back, &err));
        ASSERT_TRUE(cr_seccomp_profile_is_oci(back));
        d = diff(p, back, &differ);
        ASSERT_TRUE(d);
        ASSERT_FALSE(differ);
        /* the same filter, instruction for instruction */
        ASSERT_OK(cr_seccomp_compile(p, &p1, &err));
        ASSERT_OK(cr_seccomp_compile(back, &p2, &err));
        ASSERT_EQ(p1.len, p2.len);
        ASSERT_TRUE(memcmp(p1.filter, p2.filter, p1.len * sizeof(struct sock_filter)) == 0);
}

TEST(pfc_export_shows_the_newer_check)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(DEFAULT_PROFILE);
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_close_ int fd = memfd_create("pfc", MFD_CLOEXEC);
        char buf[65536];
        ssize_t n;

        ASSERT_TRUE(p && fd >= 0);
        ASSERT_OK(cr_seccomp_export_pfc(p, fd, &err));
        ASSERT_OK(lseek(fd, 0, SEEK_SET));
        n = loop_read(fd, buf, sizeof(buf) - 1);
        ASSERT_TRUE(n > 0);
        buf[n] = 0;
        ASSERT_TRUE(strstr(buf, "# CodeRunner runs this check before the filter below:"));
        ASSERT_TRUE(strstr(buf, "action errno ENOSYS;"));
        ASSERT_TRUE(strstr(buf, "# filter for syscall \"clone\""));
        ASSERT_TRUE(strstr(buf, "action KILL_PROCESS;"));
}

/* ---------------------------------------------------------------- evaluator */

/* The evaluator and the kernel run the same program on the same calls.
 * Every call here is harmless whether it runs or not, and each denial's
 * errno differs from what the call would return if it ran. */
static const struct {
        const char *name;
        long nr;
        long a0, a1, a2;
} probes[] = {
        {"getpid", SYS_getpid, 0, 0, 0},
        {"personality query", SYS_personality, 0xffffffff, 0, 0},
        {"personality READ_IMPLIES_EXEC", SYS_personality, 0x0400000, 0, 0},
        {"socket AF_UNIX", SYS_socket, AF_UNIX, SOCK_STREAM, 0},
        {"socket AF_PACKET", SYS_socket, 17, SOCK_RAW, 0},
        {"mount", SYS_mount, 0, 0, 0},
        {"clone3", SYS_clone3, 0, 0, 0},
        {"io_uring_setup", SYS_io_uring_setup, 0, 0, 0},
        {"unshare(0)", SYS_unshare, 0, 0, 0},
        {"newer than libseccomp", 1000, 0, 0, 0},
};

static int run_probe_child(const struct cr_seccomp_program *prog, size_t i)
{
        long r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cr_seccomp_apply(prog) < 0)
                _exit(200);
        r = syscall(probes[i].nr, probes[i].a0, probes[i].a1, probes[i].a2, 0, 0, 0);
        _exit(r < 0 ? (errno & 0x7f) : 0);
}

TEST(evaluator_agrees_with_the_kernel)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(DEFAULT_PROFILE);
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_TRUE(p);
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
                uint32_t want = evaluate(&prog, (int)probes[i].nr, (uint64_t)probes[i].a0,
                                         (uint64_t)probes[i].a1, (uint64_t)probes[i].a2);
                int status;
                pid_t pid = fork();

                ASSERT_TRUE(pid >= 0);
                if (pid == 0)
                        run_probe_child(&prog, i);
                ASSERT_EQ(waitpid(pid, &status, 0), pid);
                ASSERT_TRUE(WIFEXITED(status));
                printf("# %s: evaluator %#x, kernel exit %d\n", probes[i].name, want, WEXITSTATUS(status));
                if ((want & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
                        ASSERT_EQ(WEXITSTATUS(status), want & SECCOMP_RET_DATA);
                else {
                        ASSERT_EQ(want, SECCOMP_RET_ALLOW);
                        ASSERT_TRUE(WEXITSTATUS(status) != EPERM && WEXITSTATUS(status) != ENOSYS);
                }
        }
}

TEST(evaluator_kill_matches_the_kernel)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = load(DEFAULT_PROFILE);
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;
        int status;
        pid_t pid;

        ASSERT_TRUE(p);
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        ASSERT_EQ(evaluate(&prog, SYS_kexec_load, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cr_seccomp_apply(&prog) < 0)
                        _exit(200);
                (void)syscall(SYS_kexec_load, 0, 0, 0, 0);
                _exit(0);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status));
        ASSERT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(evaluator_refuses_malformed_programs)
{
        static const struct sock_filter no_ret[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
        static const struct sock_filter far_jump[] = {
                BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        static const struct sock_filter bad_offset[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 62),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        static const struct sock_filter bad_mem[] = {
                BPF_STMT(BPF_LD | BPF_MEM, 16),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        static const struct sock_filter div_zero[] = {
                BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        /* scratch memory, X, ALU and RET A work */
        static const struct sock_filter ok[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_STMT(BPF_ST, 3),
                BPF_STMT(BPF_LDX | BPF_MEM, 3),
                BPF_STMT(BPF_MISC | BPF_TXA, 0),
                BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 40, 0, 1),
                BPF_STMT(BPF_RET | BPF_A, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        };
        const struct {
                const struct sock_filter *f;
                size_t len;
        } bad[] = {
                {no_ret, 1}, {far_jump, 2}, {bad_offset, 2}, {bad_mem, 2}, {div_zero, 2},
        };
        struct cr_seccomp_call call = {.nr = 39};
        uint32_t action;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_seccomp_program prog = {.filter = (void *)bad[i].f,
                                                  .len = (unsigned short)bad[i].len};

                ASSERT_TRUE(cr_seccomp_program_evaluate(&prog, &call, &action, &err) < 0);
        }
        {
                _cleanup_error_ struct cr_error *err = NULL;
                struct cr_seccomp_program prog = {.filter = (void *)ok, .len = 8};

                ASSERT_OK(cr_seccomp_program_evaluate(&prog, &call, &action, &err));
                ASSERT_EQ(action, 40);
                call.nr = 7;
                ASSERT_OK(cr_seccomp_program_evaluate(&prog, &call, &action, &err));
                ASSERT_EQ(action, SECCOMP_RET_KILL_PROCESS);
        }
}

TEST(describe_actions)
{
        static const struct {
                uint32_t action;
                const char *want;
        } cases[] = {
                {SECCOMP_RET_ALLOW, "allow"},
                {SECCOMP_RET_ERRNO | EPERM, "errno EPERM (1)"},
                {SECCOMP_RET_ERRNO | 4000, "errno 4000"},
                {SECCOMP_RET_KILL_PROCESS, "kill (the process dies of SIGSYS)"},
                {SECCOMP_RET_KILL_THREAD, "kill-thread"},
                {SECCOMP_RET_TRAP | 3, "trap (SIGSYS, data 3)"},
                {SECCOMP_RET_LOG, "log"},
                {0x12340000, "unknown action"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(256);

                ASSERT_OK(cr_seccomp_describe_action(cases[i].action, &b));
                ASSERT_TRUE(strstr(b.data, cases[i].want));
        }
}

TEST(syscall_names_and_numbers)
{
        _cleanup_free_ char *name = cr_seccomp_syscall_name(SYS_getpid);

        ASSERT_STREQ(name, "getpid");
        ASSERT_EQ(cr_seccomp_syscall_number("getpid"), SYS_getpid);
        ASSERT_ERRNO(cr_seccomp_syscall_number("no_such_call"), ENOENT);
#if defined(__x86_64__)
        ASSERT_ERRNO(cr_seccomp_syscall_number("_llseek"), EAFNOSUPPORT);
#endif
        ASSERT_TRUE(cr_seccomp_syscall_highest() >= SYS_clone3);
}

/* Every runtime names its own profile; each loads, compiles, kills what it
 * does not list, and allows less than the default (issue 13's goal). */
TEST(catalogue_profiles_are_narrower_than_the_default)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *def = load(DEFAULT_PROFILE);
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_catalog *cat = NULL;
        struct cr_seccomp_counts dc;

        ASSERT_TRUE(def);
        cr_seccomp_profile_count(def, &dc);
        ASSERT_OK(cr_catalog_load_dir(SRCDIR "/rootfs/runtimes", &cat, &err));
        for (size_t i = 0; i < cat->n; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
                _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
                struct cr_seccomp_counts c;

                ASSERT_TRUE(asprintf(&path, SRCDIR "/seccomp/%s.profile", cat->runtimes[i].seccomp_profile) >
                            0);
                ASSERT_TRUE(strcmp(cat->runtimes[i].seccomp_profile, "default") != 0);
                p = load(path);
                ASSERT_TRUE(p);
                ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
                cr_seccomp_profile_count(p, &c);
                printf("# %s: %u syscalls allowed (default: %u)\n", cat->runtimes[i].id, c.allowed,
                       dc.allowed);
                ASSERT_TRUE(c.allowed < dc.allowed);
                /* unlisted: killed; the sandbox's own init and exec: allowed */
                ASSERT_EQ(evaluate(&prog, SYS_chroot, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
                ASSERT_EQ(evaluate(&prog, SYS_wait4, 0, 0, 0), SECCOMP_RET_ALLOW);
                ASSERT_EQ(evaluate(&prog, SYS_execve, 0, 0, 0), SECCOMP_RET_ALLOW);
                ASSERT_EQ(evaluate(&prog, SYS_rt_sigreturn, 0, 0, 0), SECCOMP_RET_ALLOW);
                ASSERT_EQ(evaluate(&prog, SYS_clone3, 0, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
                ASSERT_EQ(evaluate(&prog, SYS_clone, CLONE_NEWUSER, 0, 0), SECCOMP_RET_KILL_PROCESS);
        }
        cr_catalog_free(cat);
}

TESTS_MAIN
