/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "missing.h"
#include "sandbox/seccomp.h"
#include "../lib/tests.h"

#ifndef SRCDIR
#error "SRCDIR must be defined to the absolute source directory"
#endif

#define DEFAULT_PROFILE SRCDIR "/seccomp/default.profile"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* ---------------------------------------------------------------- helpers */

static int compile_text(const char *text, struct cr_seccomp_program *ret, struct cr_error **err)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        int r = cr_seccomp_profile_parse(text, strlen(text), "t", &p, err);

        return r < 0 ? r : cr_seccomp_compile(p, ret, err);
}

/* The shipped default profile, compiled once for all behaviour tests. */
static const struct cr_seccomp_program *default_program(void)
{
        static struct cr_seccomp_program prog;
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        if (prog.filter)
                return &prog;
        if (cr_seccomp_profile_load(DEFAULT_PROFILE, &p, &err) < 0 ||
            cr_seccomp_compile(p, &prog, &err) < 0) {
                printf("# %s\n", err->msg);
                return NULL;
        }
        return &prog;
}

struct outcome {
        bool reported; /* the child got as far as writing a result */
        long ret;      /* what fn returned */
        int errnum;    /* errno when ret < 0 */
        int signal;    /* terminating signal, or 0 */
        int exit_code; /* exit status when signal == 0 */
};

struct report {
        long ret;
        int errnum;
};

/* Forks; the child sets no_new_privs, applies prog, calls fn and writes
 * what it returned (and errno) to a pipe, then _exit()s (no atexit, no
 * sanitizer leak check under the filter). */
static int run_filtered(const struct cr_seccomp_program *prog, long (*fn)(void), struct outcome *ret)
{
        _cleanup_close_pair_ int p[2] = {-EBADF, -EBADF};
        struct report rep = {};
        int status;
        ssize_t n;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cr_seccomp_apply(prog) < 0)
                        _exit(126);
                errno = 0;
                rep.ret = fn();
                rep.errnum = rep.ret < 0 ? errno : 0;
                (void)!write(p[1], &rep, sizeof(rep));
                _exit(0);
        }
        p[1] = safe_close(p[1]);
        n = loop_read(p[0], &rep, sizeof(rep));
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        *ret = (struct outcome){
                .reported = n == (ssize_t)sizeof(rep),
                .ret = rep.ret,
                .errnum = rep.errnum,
                .signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                .exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        };
        return 0;
}

#define ASSERT_FAILS_WITH(fn, e)                                            \
        do {                                                                \
                const struct cr_seccomp_program *_prog = default_program(); \
                struct outcome _o;                                          \
                ASSERT_TRUE(_prog);                                         \
                ASSERT_OK(run_filtered(_prog, (fn), &_o));                  \
                ASSERT_EQ(_o.signal, 0);                                    \
                ASSERT_EQ(_o.exit_code, 0);                                 \
                ASSERT_TRUE(_o.reported);                                   \
                ASSERT_EQ(_o.ret, -1);                                      \
                ASSERT_EQ(_o.errnum, (e));                                  \
        } while (0)

#define ASSERT_SUCCEEDS(fn)                                                 \
        do {                                                                \
                const struct cr_seccomp_program *_prog = default_program(); \
                struct outcome _o;                                          \
                ASSERT_TRUE(_prog);                                         \
                ASSERT_OK(run_filtered(_prog, (fn), &_o));                  \
                ASSERT_EQ(_o.signal, 0);                                    \
                ASSERT_TRUE(_o.reported);                                   \
                ASSERT_EQ(_o.errnum, 0);                                    \
                ASSERT_TRUE(_o.ret >= 0);                                   \
        } while (0)

#define ASSERT_KILLED(fn)                                                   \
        do {                                                                \
                const struct cr_seccomp_program *_prog = default_program(); \
                struct outcome _o;                                          \
                ASSERT_TRUE(_prog);                                         \
                ASSERT_OK(run_filtered(_prog, (fn), &_o));                  \
                ASSERT_FALSE(_o.reported);                                  \
                ASSERT_EQ(_o.signal, SIGSYS);                               \
        } while (0)

/* ---------------------------------------------------------------- parser */

TEST(default_profile_parses)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        int r = cr_seccomp_profile_load(DEFAULT_PROFILE, &p, &err);

        if (r < 0)
                printf("# %s\n", err->msg);
        ASSERT_OK(r);
        ASSERT_TRUE(p);
}

TEST(default_profile_compiles)
{
        const struct cr_seccomp_program *prog = default_program();

        ASSERT_TRUE(prog);
        ASSERT_TRUE(prog->len > 100);
        ASSERT_TRUE(prog->len <= 4096);
}

TEST(load_missing_file)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_ERRNO(cr_seccomp_profile_load(SRCDIR "/seccomp/no-such.profile", &p, &err), ENOENT);
        ASSERT_EQ(err->kind, CR_ERROR_NOT_FOUND);
        ASSERT_TRUE(strstr(err->msg, "no-such.profile"));
        ASSERT_TRUE(!p);
}

static const struct {
        const char *text;
        const char *want; /* substring of the message, line number included */
} malformed[] = {
        {"", "t:1: no 'default' line"},
        {"allow read\n", "t:1: no 'default' line"},
        {"default errno EPERM\ndefault kill\n", "t:2: duplicate 'default' line (first on line 1)"},
        {"default errno EPERM\n\nallow no_such_call\n", "t:3: unknown syscall 'no_such_call'"},
        {"default errno EPERM\nallow read\n# c\nallow write read\n",
         "t:4: syscall 'read' is already listed on line 2"},
        {"default errno EPERM\nallow Read\n", "t:2: invalid syscall name 'Read'"},
        {"default errno EBOGUS\n", "t:1: unknown errno name 'EBOGUS'"},
        {"default errno 0\n", "t:1: invalid errno number '0'"},
        {"default errno 4096\n", "t:1: invalid errno number '4096'"},
        {"default errno\n", "t:1: 'errno' needs an error name or number"},
        {"default\n", "t:1: missing action"},
        {"default errno EPERM EPERM\n", "t:1: unexpected token 'EPERM' after the action"},
        {"default allow\n", "t:1: 'default allow' would allow"},
        {"default errno EPERM\nnewer allow\n", "t:2: 'newer allow' would allow"},
        {"default errno EPERM\nnewer errno ENOSYS\nnewer kill\n", "t:3: duplicate 'newer' line"},
        {"default kill\npermit read\n", "t:2: unknown action 'permit'"},
        {"default kill\nallow\n", "t:2: no syscall named after the action"},
        {"default kill\nallow # read\n", "t:2: no syscall named after the action"},
        {"default kill\nallow if arg0 == 1\n", "t:2: no syscall named after the action"},
        {"default kill\nallow read write if arg0 == 1\n",
         "t:2: a conditional rule names exactly one syscall"},
        {"default kill\nallow clone if\n", "t:2: 'if' needs a condition"},
        {"default kill\nallow clone if arg6 == 0\n", "t:2: expected arg0 to arg5, got 'arg6'"},
        {"default kill\nallow clone if flags == 0\n", "t:2: expected arg0 to arg5"},
        {"default kill\nallow clone if arg0 === 0\n", "t:2: expected a comparison"},
        {"default kill\nallow clone if arg0\n", "t:2: expected a comparison"},
        {"default kill\nallow clone if arg0 ==\n", "t:2: incomplete condition"},
        {"default kill\nallow clone if arg0 & 0xff\n", "t:2: incomplete condition"},
        {"default kill\nallow clone if arg0 & 0xff != 1\n", "t:2: incomplete condition"},
        {"default kill\nallow clone if arg0 == 0 or 1\n", "t:2: unexpected token 'or' after the condition"},
        {"default kill\nallow clone if arg0 == 0x\n", "t:2: invalid number '0x'"},
        {"default kill\nallow clone if arg0 == 010\n", "t:2: invalid number '010'"},
        {"default kill\nallow clone if arg0 == -1\n", "t:2: invalid number '-1'"},
        {"default kill\nallow clone if arg0 == 18446744073709551616\n", "t:2: invalid number"},
        {"default kill\nallow clone if arg0 == 0x10000000000000000\n", "t:2: invalid number"},
        {"default kill\nallow clone if arg0 & 0x1 == 0x2\n", "t:2: value 0x2 has bits outside mask 0x1"},
        {"default kill\nallow clone if arg0 & 0 == 0\n", "t:2: mask 0 makes the condition always true"},
        {"default kill\nallow clone\nallow clone if arg0 == 0\n",
         "t:3: syscall 'clone' has an unconditional"},
        {"default kill\nallow clone if arg0 == 0\nallow clone\n",
         "t:3: syscall 'clone' has an unconditional"},
        {"default kill\nallow clone if arg0 == 0\nerrno EINVAL clone if arg0 == 1\n",
         "t:3: syscall 'clone' already has a different action on line 2"},
        {"default kill\nallow clone if arg0 == 0\nallow clone if arg0 == 0\n",
         "t:3: duplicate rule for 'clone' (first on line 2)"},
        {"default kill\nallow socket if arg0 == 16 and arg0 == 1\n", "t:2: arg0 is compared twice in one rule"},
        {"default kill\nallow socket if arg0 == 16 and\n", "t:2: 'and' needs a comparison on each side"},
        {"default kill\nallow socket if and arg0 == 16\n", "t:2: 'and' needs a comparison on each side"},
        {"default kill\nallow socket if arg0 == 16 and and arg2 == 0\n", "t:2: 'and' needs a comparison"},
        {"default kill\nallow socket if arg0 == 16 and arg2 0\n", "t:2: expected a comparison"},
        {"default kill\nallow socket if arg0 == 1 and arg2 == 0\nallow socket if arg2 == 0 and arg0 == 1\n",
         "t:3: duplicate rule for 'socket' (first on line 2)"},
        {"default kill\nallow read\r\nallow \x01\xff\n", "t:3: invalid syscall name '?\?'"},
        {"default kill\n\x7f\xc3\xa9 read\n", "t:2: unknown action '?\?\?'"},
};

TEST(parser_rejects_malformed)
{
        for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
                _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
                _cleanup_error_ struct cr_error *err = NULL;
                int r = cr_seccomp_profile_parse(malformed[i].text, strlen(malformed[i].text), "t", &p,
                                                 &err);

                if (r >= 0 || !err || !strstr(err->msg, malformed[i].want))
                        printf("# case %zu: want \"%s\", got \"%s\"\n", i, malformed[i].want,
                               err ? err->msg : "(success)");
                ASSERT_ERRNO(r, EINVAL);
                ASSERT_EQ(err->kind, CR_ERROR_INVALID);
                ASSERT_TRUE(strstr(err->msg, malformed[i].want));
                ASSERT_TRUE(!p);
        }
}

TEST(parser_rejects_nul_and_long_lines)
{
        static const char nul[] = "default kill\nallow read\nallow wr\0ite\n";
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL, *err2 = NULL;
        _cleanup_free_ char *big = malloc(2048);

        ASSERT_ERRNO(cr_seccomp_profile_parse(nul, sizeof(nul) - 1, "t", &p, &err), EINVAL);
        ASSERT_TRUE(strstr(err->msg, "t:3: NUL byte"));

        ASSERT_TRUE(big);
        memset(big, ' ', 2047);
        memcpy(big, "default kill\nallow read", 23);
        big[2047] = 0;
        ASSERT_ERRNO(cr_seccomp_profile_parse(big, strlen(big), "t", &p, &err2), EINVAL);
        ASSERT_TRUE(strstr(err2->msg, "t:2: line longer than 1024 bytes"));
        ASSERT_TRUE(!p);
}

TEST(parser_bounds_size_and_rules)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL, *err2 = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(512 * 1024);
        _cleanup_free_ char *huge = calloc(1, 256 * 1024 + 2);

        /* Above 256 KiB: refused before looking at the content. */
        ASSERT_TRUE(huge);
        memset(huge, '#', 256 * 1024 + 1);
        ASSERT_ERRNO(cr_seccomp_profile_parse(huge, 256 * 1024 + 1, "t", &p, &err), E2BIG);
        ASSERT_EQ(err->kind, CR_ERROR_LIMIT);

        /* More than 2048 rules: 32 conditional rules (the limit per
         * syscall) on each of the first syscalls. */
        ASSERT_OK(cr_buf_printf(&b, "default kill\n"));
        for (int i = 0; i < 2049; i++) {
                _cleanup_free_ char *name = cr_seccomp_syscall_name(i / 32);

                ASSERT_TRUE(name);
                ASSERT_OK(cr_buf_printf(&b, "allow %s if arg1 == %d\n", name, i));
        }
        ASSERT_ERRNO(cr_seccomp_profile_parse(b.data, b.len, "t", &p, &err2), E2BIG);
        ASSERT_TRUE(strstr(err2->msg, "t:2050: more than 2048 rules"));
        ASSERT_TRUE(!p);
}

/* Found by the fuzzer: with two rules like these libseccomp's rule builder
 * (2.5.4) did not return within 300 s. The parser refuses the profile, so
 * neither `seccomp check` nor a daemon loading it ever reaches libseccomp. */
TEST(parser_refuses_two_multi_condition_rules_per_syscall)
{
        static const char *const inputs[] = {
                SRCDIR "/tests/fuzz/corpus/seccomp-profile/dos-two-multi-condition-rules",
                SRCDIR "/tests/fuzz/corpus/seccomp-profile/dos-minimal-pair",
                SRCDIR "/tests/fuzz/corpus/seccomp-oci/dos-two-multi-condition-rules.json",
        };

        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
                _cleanup_error_ struct cr_error *err = NULL;

                ASSERT_ERRNO(cr_seccomp_profile_load(inputs[i], &p, &err), E2BIG);
                ASSERT_EQ(err->kind, CR_ERROR_LIMIT);
                ASSERT_TRUE(strstr(err->msg, "'ioctl' has more than 1 rule with several conditions"));
                ASSERT_TRUE(!p);
        }
}

TEST(parser_bounds_conditional_rules_per_syscall)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL, *q = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL, *err2 = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(8192);

        /* At the limit: one rule with a condition on every argument and 31
         * one-condition rules parse and compile. */
        ASSERT_OK(cr_buf_printf(&b, "default errno EPERM\nallow ioctl if arg0 < 3 and arg1 != 4 and "
                                    "arg2 > 5 and arg3 <= 6 and arg4 >= 7 and arg5 & 0xf == 8\n"));
        for (int i = 1; i < 32; i++)
                ASSERT_OK(cr_buf_printf(&b, "allow ioctl if arg%d > %d\n", i % 6, i << 20));
        ASSERT_OK(cr_seccomp_profile_parse(b.data, b.len, "t", &p, &err));
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));

        /* One more: refused, naming the line, the syscall and the limit. */
        ASSERT_OK(cr_buf_printf(&b, "allow ioctl if arg1 == 99\n"));
        ASSERT_ERRNO(cr_seccomp_profile_parse(b.data, b.len, "t", &q, &err2), E2BIG);
        ASSERT_TRUE(strstr(err2->msg, "t:34: syscall 'ioctl' has more than 32 conditional rules"));
        ASSERT_TRUE(!q);
}

/* Every shipped profile and the Docker/Podman fixtures stay within the
 * complexity limits (the parser would refuse them otherwise). */
TEST(shipped_profiles_within_complexity_limits)
{
        static const char *const paths[] = {
                "seccomp/default.profile",
                "seccomp/c.profile",
                "seccomp/cpp.profile",
                "seccomp/csharp.profile",
                "seccomp/go.profile",
                "seccomp/java.profile",
                "seccomp/javascript.profile",
                "seccomp/python.profile",
                "seccomp/rust.profile",
                "seccomp/typescript.profile",
                "tests/fixtures/seccomp/docker-default.json",
                "tests/fixtures/seccomp/containers-common.json",
        };
        char path[512];

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
                _cleanup_error_ struct cr_error *err = NULL;

                (void)snprintf(path, sizeof(path), "%s/%s", SRCDIR, paths[i]);
                ASSERT_OK(cr_seccomp_profile_load(path, &p, &err));
        }
}

static int explain(const struct cr_seccomp_profile *p, const char *name, struct cr_buf *b)
{
        _cleanup_error_ struct cr_error *err = NULL;

        cr_buf_done(b);
        return cr_seccomp_profile_explain(p, name, b, &err);
}

TEST(parser_accepts_format)
{
        static const char text[] = "# header comment\n"
                                   "\n"
                                   "   default\terrno   EPERM   # trailing comment\r\n"
                                   "newer errno 38\n"
                                   "allow read write\tclose\n"
                                   "errno 13 mount\n"
                                   "errno EPERM ptrace # same as the default: documentation only\n"
                                   "kill reboot\n"
                                   "allow clone if arg0 & 0x7E020000 == 0\n"
                                   "allow personality if arg0 == 0xffffffff\n"
                                   "allow personality if arg0 == 8\n"
                                   "allow socket if arg0 <= 2\n"
                                   "allow ioctl if arg1 != 21522\n"
                                   "allow setpriority if arg2 >= 0\n"
                                   "allow mmap if arg3 > 0\n"
                                   "allow munmap if arg1 < 0x1000\n"
                                   "allow _llseek\n" /* not a syscall on x86_64/aarch64 */
                                   "allow socketpair if arg2 == 0 and arg0 & 0xff == 0x10\n"
                                   "allow socketpair if arg0 == 1\n";
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);

        ASSERT_OK(cr_seccomp_profile_parse(text, sizeof(text) - 1, "t", &p, &err));
        ASSERT_OK(explain(p, "read", &b));
        ASSERT_STREQ(b.data, "read: allow (t:5)");
        ASSERT_OK(explain(p, "mount", &b));
        ASSERT_STREQ(b.data, "mount: errno EACCES (t:6)");
        ASSERT_OK(explain(p, "ptrace", &b));
        ASSERT_STREQ(b.data, "ptrace: errno EPERM (t:7)");
        ASSERT_OK(explain(p, "reboot", &b));
        ASSERT_STREQ(b.data, "reboot: kill (t:8)");
        ASSERT_OK(explain(p, "clone", &b));
        ASSERT_STREQ(b.data,
                     "clone: allow if arg0 & 0x7e020000 == 0 (t:9); otherwise errno EPERM (default, t:3)");
        ASSERT_OK(explain(p, "personality", &b));
        ASSERT_STREQ(b.data, "personality: allow if arg0 == 0xffffffff (t:10), allow if arg0 == 0x8 (t:11); "
                             "otherwise errno EPERM (default, t:3)");
        ASSERT_OK(explain(p, "ioctl", &b));
        ASSERT_STREQ(b.data, "ioctl: allow if arg1 != 0x5412 (t:13); otherwise errno EPERM (default, t:3)");
        ASSERT_OK(explain(p, "getpid", &b));
        ASSERT_STREQ(b.data, "getpid: errno EPERM (default, t:3)");
        /* conjunctions print in argument order */
        ASSERT_OK(explain(p, "socketpair", &b));
        ASSERT_STREQ(b.data, "socketpair: allow if arg0 & 0xff == 0x10 and arg2 == 0 (t:18), allow if arg0 == 0x1 "
                             "(t:19); otherwise errno EPERM (default, t:3)");
        ASSERT_ERRNO(explain(p, "no_such_call", &b), ENOENT);
#if defined(__x86_64__) || defined(__aarch64__)
        ASSERT_OK(explain(p, "_llseek", &b));
        ASSERT_STREQ(b.data, "_llseek: not a syscall on this architecture; allow (t:17)");
#endif
        ASSERT_OK(cr_seccomp_compile(p, &prog, &err));
        ASSERT_TRUE(prog.len > 0);
}

TEST(default_profile_explained)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);

        ASSERT_OK(cr_seccomp_profile_load(DEFAULT_PROFILE, &p, &err));
        ASSERT_OK(explain(p, "clone", &b));
        ASSERT_TRUE(strstr(b.data, "clone: allow if arg0 & 0x7e020000 == 0 ("));
        ASSERT_OK(explain(p, "clone3", &b));
        ASSERT_TRUE(strstr(b.data, "clone3: errno ENOSYS ("));
        ASSERT_OK(explain(p, "read", &b));
        ASSERT_TRUE(strstr(b.data, "read: allow ("));
        ASSERT_OK(explain(p, "mount", &b));
        ASSERT_TRUE(strstr(b.data, "mount: errno EPERM ("));
        ASSERT_OK(explain(p, "ptrace", &b));
        ASSERT_TRUE(strstr(b.data, "ptrace: errno EPERM ("));
        ASSERT_OK(explain(p, "kexec_load", &b));
        ASSERT_TRUE(strstr(b.data, "kexec_load: kill ("));
        ASSERT_OK(explain(p, "io_uring_setup", &b));
        ASSERT_TRUE(strstr(b.data, "io_uring_setup: errno ENOSYS ("));
}

TEST(program_memfd_roundtrip)
{
        const struct cr_seccomp_program *prog = default_program();
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program copy = {};
        _cleanup_error_ struct cr_error *err = NULL, *err2 = NULL;
        _cleanup_close_ int fd = -EBADF, junk = -EBADF;

        ASSERT_TRUE(prog);
        ASSERT_OK(cr_seccomp_program_to_memfd(prog, &fd, &err));
        ASSERT_ERRNO(write(fd, "x", 1) < 0 ? -errno : 0, EPERM); /* sealed */
        ASSERT_OK(cr_seccomp_program_from_fd(fd, &copy, &err));
        ASSERT_EQ(copy.len, prog->len);
        ASSERT_TRUE(memcmp(copy.filter, prog->filter, prog->len * 8) == 0);

        /* Not a whole number of instructions. */
        junk = memfd_create("junk", MFD_CLOEXEC);
        ASSERT_TRUE(junk >= 0);
        ASSERT_OK(loop_write(junk, "0123456789", 10));
        ASSERT_ERRNO(cr_seccomp_program_from_fd(junk, &copy, &err2), EINVAL);
        ASSERT_EQ(copy.len, prog->len); /* untouched on failure */
}

TEST(apply_rejects_empty_program)
{
        struct cr_seccomp_program empty = {};

        ASSERT_ERRNO(cr_seccomp_apply(&empty), EINVAL);
}

/* ---------------------------------------------------------------- behaviour */

static long do_getpid(void)
{
        return syscall(SYS_getpid);
}

static long do_write(void)
{
        int p[2];
        char c = 0;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        if (write(p[1], "x", 1) != 1 || read(p[0], &c, 1) != 1)
                return -1;
        return c == 'x' ? 0 : -1;
}

/* Each denied call below uses arguments for which the unfiltered kernel
 * would report something other than EPERM (or would do nothing harmful), so
 * a pass really shows the filter at work. */
static long do_mount(void)
{
        return syscall(SYS_mount, "none", "/nonexistent/cr-test-seccomp", "tmpfs", 0UL, NULL);
}

static long do_umount2(void)
{
        return syscall(SYS_umount2, "/nonexistent/cr-test-seccomp", 0);
}

static long do_unshare(void)
{
        return syscall(SYS_unshare, CLONE_NEWUSER);
}

static long do_setns(void)
{
        return syscall(SYS_setns, -1, 0);
}

static long do_ptrace(void)
{
        return syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
}

static long do_keyctl(void)
{
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static long do_bpf(void)
{
        return syscall(SYS_bpf, -1, NULL, 0);
}

static long do_perf_event_open(void)
{
        return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
}

static long do_kexec_load(void)
{
        /* Invalid flags: EINVAL, never a real load, if unfiltered. */
        return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL);
}

static long do_init_module(void)
{
        return syscall(SYS_init_module, NULL, 0UL, "");
}

static long do_finit_module(void)
{
        return syscall(SYS_finit_module, -1, "", 0);
}

static long do_delete_module(void)
{
        return syscall(SYS_delete_module, "cr_test_no_such_module", O_NONBLOCK);
}

static long do_reboot(void)
{
        /* Wrong magic: EINVAL if unfiltered. */
        return syscall(SYS_reboot, 0, 0, 0, NULL);
}

static long do_clone3(void)
{
        return syscall(__NR_clone3, NULL, 0UL);
}

static long do_io_uring_setup(void)
{
        return syscall(SYS_io_uring_setup, 0, NULL);
}

static long do_clone_newuser(void)
{
        long r = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0UL);

        if (r == 0) /* unfiltered: the new child must not run test code */
                _exit(0);
        if (r > 0)
                (void)waitpid((pid_t)r, NULL, 0);
        return r;
}

static long do_fork(void)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0)
                _exit(7);
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : -1;
}

static void *thread_main(void *arg)
{
        return arg;
}

/* glibc tries clone3 first and must fall back to clone on ENOSYS. */
static long do_thread(void)
{
        static int token;
        void *res = NULL;
        pthread_t t;
        int r = pthread_create(&t, NULL, thread_main, &token);

        if (r != 0) {
                errno = r;
                return -1;
        }
        (void)pthread_join(t, &res);
        return res == &token ? 0 : -1;
}

static long do_socket_packet(void)
{
        return syscall(SYS_socket, 17 /* AF_PACKET */, SOCK_RAW, 0);
}

static long do_socket_unix(void)
{
        long fd = syscall(SYS_socket, 1 /* AF_UNIX */, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd >= 0)
                (void)close((int)fd);
        return fd;
}

static long do_socket_netlink(int protocol)
{
        long fd = syscall(SYS_socket, 16 /* AF_NETLINK */, SOCK_RAW | SOCK_CLOEXEC, protocol);

        if (fd >= 0)
                (void)close((int)fd);
        return fd;
}

static long do_socket_netlink_route(void)
{
        return do_socket_netlink(0 /* NETLINK_ROUTE */);
}

static long do_socket_netlink_audit(void)
{
        return do_socket_netlink(9 /* NETLINK_AUDIT */);
}

static long do_socket_netlink_generic(void)
{
        return do_socket_netlink(16 /* NETLINK_GENERIC */);
}

static long do_inotify_init1(void)
{
        return syscall(SYS_inotify_init1, IN_CLOEXEC);
}

static long do_personality_query(void)
{
        return syscall(SYS_personality, 0xffffffffUL);
}

static long do_personality_no_aslr(void)
{
        return syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */);
}

static long do_newer_syscall(void)
{
        return syscall(1000);
}

TEST(allows_basic_calls)
{
        ASSERT_SUCCEEDS(do_getpid);
        ASSERT_SUCCEEDS(do_write);
        ASSERT_SUCCEEDS(do_socket_unix);
        ASSERT_SUCCEEDS(do_personality_query);
}

TEST(denies_with_eperm)
{
        ASSERT_FAILS_WITH(do_mount, EPERM);
        ASSERT_FAILS_WITH(do_umount2, EPERM);
        ASSERT_FAILS_WITH(do_unshare, EPERM);
        ASSERT_FAILS_WITH(do_setns, EPERM);
        ASSERT_FAILS_WITH(do_ptrace, EPERM);
        ASSERT_FAILS_WITH(do_keyctl, EPERM);
        ASSERT_FAILS_WITH(do_bpf, EPERM);
        ASSERT_FAILS_WITH(do_perf_event_open, EPERM);
        ASSERT_FAILS_WITH(do_socket_packet, EPERM);
        ASSERT_FAILS_WITH(do_personality_no_aslr, EPERM);
}

/* Side channels through the shared image and netlink beyond rtnetlink:
 * docs/SECURITY.md, "Side channels". */
TEST(netlink_route_only_and_no_inotify)
{
        ASSERT_SUCCEEDS(do_socket_netlink_route);
        ASSERT_FAILS_WITH(do_socket_netlink_audit, EPERM);
        ASSERT_FAILS_WITH(do_socket_netlink_generic, EPERM);
        ASSERT_FAILS_WITH(do_inotify_init1, EPERM);
}

TEST(kills_kernel_loading)
{
        ASSERT_KILLED(do_kexec_load);
        ASSERT_KILLED(do_init_module);
        ASSERT_KILLED(do_finit_module);
        ASSERT_KILLED(do_delete_module);
        ASSERT_KILLED(do_reboot);
}

TEST(enosys_for_fallback_calls)
{
        ASSERT_FAILS_WITH(do_clone3, ENOSYS);
        ASSERT_FAILS_WITH(do_io_uring_setup, ENOSYS);
        ASSERT_FAILS_WITH(do_newer_syscall, ENOSYS);
}

TEST(clone_namespace_flags_denied)
{
        ASSERT_FAILS_WITH(do_clone_newuser, EPERM);
        ASSERT_SUCCEEDS(do_fork);
        ASSERT_SUCCEEDS(do_thread);
}

#if defined(__x86_64__)
static long do_x32_getpid(void)
{
        return syscall(__X32_SYSCALL_BIT | SYS_getpid);
}

static long do_i386_getpid(void)
{
        long ret;

        /* int 0x80 enters the i386 ABI: AUDIT_ARCH_I386, a foreign arch. */
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L /* i386 getpid */) : "memory");
        return ret;
}
#endif

TEST(x32_abi_killed)
{
#if defined(__x86_64__)
        ASSERT_KILLED(do_x32_getpid);
#else
        SKIP("the x32 ABI exists only on x86_64");
#endif
}

#if defined(__x86_64__)
/* Whether this kernel runs i386 system calls at all: without IA32 emulation
 * (CONFIG_IA32_EMULATION=n, or ia32_emulation=false on 6.7+) `int 0x80`
 * raises SIGSEGV before seccomp ever sees it. Probed in an unfiltered child
 * with the default SIGSEGV action, so a sanitizer's handler cannot turn the
 * signal into an exit status. */
static bool kernel_runs_i386_syscalls(void)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return false;
        if (pid == 0) {
                signal(SIGSEGV, SIG_DFL);
                _exit(do_i386_getpid() == getpid() ? 0 : 1);
        }
        if (waitpid(pid, &status, 0) < 0)
                return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

TEST(i386_abi_killed)
{
#if defined(__x86_64__)
        const struct cr_seccomp_program *prog = default_program();
        struct outcome o;

        if (!kernel_runs_i386_syscalls())
                SKIP("kernel without IA32 emulation: int 0x80 faults before seccomp, nothing to filter");
        ASSERT_TRUE(prog);
        ASSERT_OK(run_filtered(prog, do_i386_getpid, &o));
        ASSERT_FALSE(o.reported);
        ASSERT_EQ(o.signal, SIGSYS);
#else
        SKIP("the i386 ABI exists only on x86_64");
#endif
}

/* The default profile's text with its "newer" line replaced by `newer`. */
static char *default_profile_with_newer(const char *newer)
{
        _cleanup_close_ int fd = open(DEFAULT_PROFILE, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = calloc(1, 256 * 1024 + 1);
        const char *line = "newer errno ENOSYS\n";
        char *at, *out = NULL;

        if (fd < 0 || !text || loop_read(fd, text, 256 * 1024) < 0)
                return NULL;
        at = strstr(text, line);
        if (!at)
                return NULL;
        *at = 0;
        if (asprintf(&out, "%s%s%s", text, newer, at + strlen(line)) < 0)
                return NULL;
        return out;
}

/* A "newer" line changes the action for syscalls libseccomp cannot name;
 * EXDEV cannot come from the kernel for syscall 1000. Without the line,
 * they get the default action. */
TEST(newer_action_applies_above_known_syscalls)
{
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program with = {}, without = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *with_text = default_profile_with_newer("newer errno EXDEV\n");
        _cleanup_free_ char *without_text = default_profile_with_newer("");
        struct outcome o;

        ASSERT_TRUE(with_text && without_text);
        ASSERT_OK(compile_text(with_text, &with, &err));
        ASSERT_OK(compile_text(without_text, &without, &err));
        ASSERT_EQ(with.len, without.len + 6);

        ASSERT_OK(run_filtered(&with, do_newer_syscall, &o));
        ASSERT_TRUE(o.reported);
        ASSERT_EQ(o.errnum, EXDEV);
        ASSERT_OK(run_filtered(&without, do_newer_syscall, &o));
        ASSERT_TRUE(o.reported);
        ASSERT_EQ(o.errnum, EPERM);
        ASSERT_OK(run_filtered(&with, do_getpid, &o));
        ASSERT_TRUE(o.reported);
        ASSERT_EQ(o.errnum, 0);
        ASSERT_OK(run_filtered(&with, do_clone3, &o));
        ASSERT_TRUE(o.reported);
        ASSERT_EQ(o.errnum, ENOSYS);
#if defined(__x86_64__)
        ASSERT_OK(run_filtered(&with, do_x32_getpid, &o));
        ASSERT_FALSE(o.reported);
        ASSERT_EQ(o.signal, SIGSYS);
#endif
}

/* ---------------------------------------------------------------- real runtimes */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)type;
        (void)ftw;
        (void)remove(path);
        return 0;
}

static void rm_rf(const char *dir)
{
        (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void print_log(const char *dir)
{
        char buf[4096];
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ssize_t n = dfd >= 0 ? read_file_at(dfd, "log", buf, sizeof(buf)) : -1;

        for (char *line = n > 0 ? strtok(buf, "\n") : NULL; line; line = strtok(NULL, "\n"))
                printf("#   %s\n", line);
}

/* Runs `script` with /bin/sh under the default profile in a fresh temporary
 * directory; returns the exit status (77: the runtime is not installed). */
static int run_script_filtered(const char *script)
{
        const struct cr_seccomp_program *prog = default_program();
        char dir[] = "/tmp/test-seccomp-XXXXXX";
        int status = -1, fd;
        pid_t pid;

        if (!prog || !mkdtemp(dir))
                return -1;
        pid = fork();
        if (pid == 0) {
                if (chdir(dir) < 0 || (fd = open("log", O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
                        _exit(126);
                if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
                        _exit(126);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cr_seccomp_apply(prog) < 0)
                        _exit(126);
                execl("/bin/sh", "sh", "-ec", script, (char *)NULL);
                _exit(127);
        }
        if (pid > 0 && waitpid(pid, &status, 0) == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
            !(WIFEXITED(status) && WEXITSTATUS(status) == 77)) {
                printf("# script failed (status 0x%x): %s\n", (unsigned)status, script);
                print_log(dir);
        }
        rm_rf(dir);
        if (pid < 0 || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

#define ASSERT_SCRIPT(script, what)                   \
        do {                                          \
                int _s = run_script_filtered(script); \
                if (_s == 77)                         \
                        SKIP(what " not installed");  \
                ASSERT_EQ(_s, 0);                     \
        } while (0)

TEST(runtime_shell)
{
        ASSERT_SCRIPT("echo hello | cat > out; test -x /bin/sh; ls -la / > /dev/null; sort out | uniq -c > "
                      "/dev/null;"
                      "mkfifo f; rm f; ln -s out l; readlink l; chmod 600 out; test -r out; (sleep 0; true) "
                      "& wait",
                      "sh");
}

TEST(runtime_gcc)
{
        ASSERT_SCRIPT("command -v gcc > /dev/null || exit 77\n"
                      "printf '#include <pthread.h>\\n#include <stdio.h>\\n"
                      "static void *f(void *a) { return a; }\\n"
                      "int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0);"
                      " puts(\"ok\"); return 0; }\\n' > a.c\n"
                      "gcc -O2 -pthread a.c -o a\n"
                      "./a | grep -q ok",
                      "gcc");
}

TEST(runtime_gxx)
{
        ASSERT_SCRIPT("command -v g++ > /dev/null || exit 77\n"
                      "printf '#include <future>\\n#include <iostream>\\n#include <thread>\\n"
                      "int main() { auto f = std::async(std::launch::async, [] { return 6 * 7; });"
                      " std::thread t([] {}); t.join(); std::cout << f.get() << std::endl; }\\n' > a.cc\n"
                      "g++ -O1 -pthread a.cc -o a\n"
                      "test \"$(./a)\" = 42",
                      "g++");
}

TEST(runtime_python3)
{
        ASSERT_SCRIPT("PY=$(command -v python3 || true); [ -n \"$PY\" ] || exit 77\n"
                      "\"$PY\" -c '\n"
                      "import multiprocessing, os, socket, subprocess, tempfile, threading\n"
                      "subprocess.run([\"true\"], check=True)\n"
                      "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
                      "a, b = socket.socketpair(); a.send(b\"x\"); assert b.recv(1) == b\"x\"\n"
                      "socket.getaddrinfo(\"localhost\", 80)\n"
                      "with multiprocessing.Pool(2) as p: assert p.map(abs, [-1, -2]) == [1, 2]\n"
                      "with tempfile.TemporaryDirectory(dir=\".\") as d: open(os.path.join(d, \"f\"), "
                      "\"w\").write(\"x\")\n"
                      "os.urandom(8); os.cpu_count()\n"
                      "'",
                      "python3");
}

TEST(runtime_node)
{
        ASSERT_SCRIPT(
                "command -v node > /dev/null || exit 77\n"
                "node -e '\n"
                "const cp = require(\"child_process\"), fs = require(\"fs\"), net = require(\"net\");\n"
                "cp.execSync(\"true\"); require(\"os\").networkInterfaces();\n"
                "fs.writeFileSync(\"x\", \"y\"); fs.copyFileSync(\"x\", \"z\"); "
                "require(\"crypto\").randomBytes(8);\n"
                "const { Worker } = require(\"worker_threads\");\n"
                "new Worker(\"process.exit(0)\", { eval: true }).on(\"exit\", () => {\n"
                "  const s = net.createServer().listen(0, \"127.0.0.1\", () => s.close());\n"
                "});\n"
                "'",
                "node");
}

TEST(runtime_java)
{
        ASSERT_SCRIPT("command -v java > /dev/null || exit 77\n"
                      "printf 'class Hello { public static void main(String[] a) throws Exception {"
                      " Thread t = new Thread(() -> {}); t.start(); t.join();"
                      " if (new ProcessBuilder(\"true\").start().waitFor() != 0) throw new Error();"
                      " System.out.println(\"ok\"); } }\\n' > Hello.java\n"
                      "java -Xmx256m Hello.java | grep -q ok",
                      "java");
}

TEST(runtime_go)
{
        ASSERT_SCRIPT("GO=$(command -v go || echo /usr/lib/go-1.19/bin/go); [ -x \"$GO\" ] || exit 77\n"
                      "export HOME=$PWD GOCACHE=$PWD/cache GOPATH=$PWD/gopath GO111MODULE=off\n"
                      "printf 'package main\\nimport (\"fmt\"; \"os/exec\"; \"sync\")\\n"
                      "func main() { var wg sync.WaitGroup; for i := 0; i < 8; i++ { wg.Add(1);"
                      " go func() { wg.Done() }() }; wg.Wait();"
                      " if err := exec.Command(\"true\").Run(); err != nil { panic(err) }; "
                      "fmt.Println(\"ok\") }\\n'"
                      " > m.go\n"
                      "\"$GO\" build -o m m.go\n"
                      "./m | grep -q ok",
                      "go");
}

TEST(runtime_mono)
{
        ASSERT_SCRIPT("command -v mcs > /dev/null && command -v mono > /dev/null || exit 77\n"
                      "printf 'using System; using System.Threading; class P { static void Main() {"
                      " var t = new Thread(() => {}); t.Start(); t.Join();"
                      " System.Diagnostics.Process.Start(\"true\").WaitForExit(); "
                      "Console.WriteLine(\"ok\"); } }\\n'"
                      " > p.cs\n"
                      "mcs p.cs\n"
                      "mono p.exe | grep -q ok",
                      "mono");
}

TEST(runtime_rustc)
{
        ASSERT_SCRIPT(
                "command -v rustc > /dev/null || exit 77\n"
                "printf 'fn main() { let h = std::thread::spawn(|| 1); assert_eq!(h.join().unwrap(), 1);"
                " assert!(std::process::Command::new(\"true\").status().unwrap().success());"
                " println!(\"ok\"); }\\n' > m.rs\n"
                "rustc -O m.rs\n"
                "./m | grep -q ok",
                "rustc");
}

/* ------------------------------------------------ naming the killed call */

static const char NOTIFY_PROFILE[] =
        "default errno EPERM\n"
        "allow read write close ioctl mmap munmap mprotect brk madvise futex rt_sigreturn rt_sigprocmask\n"
        "allow clone fork wait4 kill exit exit_group getpid gettid set_robust_list rseq\n"
        "allow sigaltstack\n" /* ASan's fork interceptor checks the signal stack */
        "kill chroot\n";

/* In a child: the would-be kill of a grandchild's chroot() arrives on the
 * listener with its number and name, and the call has not run. */
static int notified_child(const struct cr_seccomp_program *prog)
{
        struct cr_seccomp_violation v;
        int fd = cr_seccomp_apply_notifying(prog), r;
        pid_t g;

        if (fd < 0)
                return 10;
        g = fork();
        if (g == 0) {
                syscall(SYS_chroot, "/");
                _exit(20); /* the call returned: it should be stopped for good */
        }
        r = cr_seccomp_notification_receive(fd, &v);
        kill(g, SIGKILL);
        waitpid(g, NULL, 0);
        if (r < 0)
                return 11;
        return v.nr == SYS_chroot && strcmp(v.name, "chroot") == 0 ? 0 : 12;
}

TEST(notifying_filter_names_the_killed_call)
{
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;
        int status;
        pid_t pid;

        if (!cr_seccomp_notify_supported())
                SKIP("this kernel has no SECCOMP_RET_USER_NOTIF");
        ASSERT_OK(compile_text(NOTIFY_PROFILE, &prog, &err));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                _exit(notified_child(&prog));
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(syscall_names_per_architecture)
{
#if defined(__x86_64__)
        char name[32];

        cr_seccomp_syscall_name_arch(0xc000003eU /* AUDIT_ARCH_X86_64 */, SYS_chroot, name, sizeof(name));
        ASSERT_STREQ(name, "chroot");
        cr_seccomp_syscall_name_arch(0xc000003eU, 0x40000000 | SYS_chroot, name, sizeof(name));
        ASSERT_STREQ(name, "chroot"); /* x32 */
        cr_seccomp_syscall_name_arch(0xc000003eU, 99999, name, sizeof(name));
        ASSERT_STREQ(name, "syscall 99999");
#else
        SKIP("names are checked against the x86_64 table");
#endif
}

TESTS_MAIN
