/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "sandbox/seccomp.h"
#include "xalloc.h"

/* `coderunner seccomp`: audit profiles. Every subcommand takes our text
 * format or Docker/OCI JSON (told apart by content), by path, or by the name
 * of a profile in the data directory ("default", "python").
 *
 * Exit status: 0 done (diff: no difference), 1 invalid profile or (diff)
 * a difference, 2 bad usage. */

#define OUT_MAX (4U * 1024U * 1024U)
/* AUDIT_ARCH values for `test --arch`: the ABIs an x86_64 CPU can enter. */
#define ARCH_I386   0x40000003U
#define ARCH_X86_64 0xc000003eU

static const char usage_text[] =
        "Usage: coderunner seccomp check FILE...\n"
        "       coderunner seccomp explain FILE [SYSCALL...]\n"
        "       coderunner seccomp export FILE --format pfc|bpf|oci\n"
        "       coderunner seccomp diff A B\n"
        "       coderunner seccomp test FILE SYSCALL [ARG0...ARG5] [--arch native|i386|x32]\n"
        "\n"
        "FILE is a CodeRunner profile or Docker/OCI seccomp JSON (detected by content), a path or\n"
        "a profile name from the data directory (default, python, ...).\n"
        "  check    validate; errors name the line and the problem\n"
        "  explain  every rule with its conditions and the profile's own justification;\n"
        "           with SYSCALL names, what happens to each of them\n"
        "  export   libseccomp's pseudo code (pfc), the raw BPF program (bpf), or OCI JSON (oci)\n"
        "  diff     what one allows that the other does not (exit 1 when they differ)\n"
        "  test     the action one exact call gets, evaluated on the compiled program\n";

static int usage_error(const char *fmt, ...) _printf_(1, 2);

static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("coderunner seccomp: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nRun 'coderunner seccomp --help' for usage.\n", stderr);
        return 2;
}

/* A path, or a bare name ("default") for DATADIR/seccomp/NAME.profile. */
static char *profile_path(const char *arg)
{
        _cleanup_free_ char *rel = NULL;
        struct stat st;

        if (strchr(arg, '/') || stat(arg, &st) == 0 ||
            strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(arg))
                return xstrdup(arg);
        rel = xasprintf("seccomp/%s.profile", arg);
        return cli_data_path(rel, rel);
}

static int load(const char *arg, struct cr_seccomp_profile **ret)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *path = profile_path(arg);

        if (cr_seccomp_profile_load(path, ret, &err) < 0) {
                fprintf(stderr, "coderunner seccomp: %s\n", err->msg);
                return -1;
        }
        return 0;
}

static int write_out(const struct cr_buf *b)
{
        return b->len == 0 || loop_write(STDOUT_FILENO, b->data, b->len) >= 0 ? 0 : 1;
}

static int fail(struct cr_error *err)
{
        fprintf(stderr, "coderunner seccomp: %s\n", err->msg);
        return 1;
}

/* ---------------------------------------------------------------- check */

static int check_one(const char *arg)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;
        const char *const *notes;
        struct cr_seccomp_counts c;
        size_t n;

        if (load(arg, &p) < 0)
                return 1;
        if (cr_seccomp_compile(p, &prog, &err) < 0)
                return fail(err);
        cr_seccomp_profile_count(p, &c);
        printf("%s: OK (%s): %u syscalls allowed, %u of them only under conditions; %u denied by name, %u "
               "killed; %u BPF instructions\n",
               arg, cr_seccomp_profile_is_oci(p) ? "Docker/OCI JSON" : "CodeRunner profile", c.allowed,
               c.conditional, c.denied_listed, c.killed, prog.len);
        n = cr_seccomp_profile_notes(p, &notes);
        for (size_t i = 0; i < n; i++)
                printf("%s: note: %s\n", arg, notes[i]);
        return 0;
}

static int cmd_check(int argc, char **argv)
{
        int r = 0;

        if (argc < 2)
                return usage_error("%s", "check needs at least one FILE");
        for (int i = 1; i < argc; i++)
                r |= check_one(argv[i]);
        return r;
}

/* ---------------------------------------------------------------- explain */

static int cmd_explain(int argc, char **argv)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(OUT_MAX);

        if (argc < 2)
                return usage_error("%s", "explain needs a FILE");
        if (load(argv[1], &p) < 0)
                return 1;
        if (argc == 2) {
                if (cr_seccomp_profile_explain_table(p, &out, &err) < 0)
                        return fail(err);
                return write_out(&out);
        }
        for (int i = 2; i < argc; i++) {
                if (cr_seccomp_profile_explain(p, argv[i], &out, &err) < 0)
                        return fail(err);
                if (cr_buf_append(&out, "\n", 1) < 0)
                        return 1;
        }
        return write_out(&out);
}

/* ---------------------------------------------------------------- export */

static int export_bpf(const struct cr_seccomp_profile *p)
{
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;

        /* Raw struct sock_filter[] in host byte order, as seccomp(2) takes it. */
        if (isatty(STDOUT_FILENO)) {
                fputs("coderunner seccomp: the BPF program is binary; redirect it to a file\n", stderr);
                return 2;
        }
        if (cr_seccomp_compile(p, &prog, &err) < 0)
                return fail(err);
        return loop_write(STDOUT_FILENO, prog.filter, prog.len * 8U) < 0 ? 1 : 0;
}

static int cmd_export(int argc, char **argv)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(OUT_MAX);
        const char *file = NULL, *format = NULL;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
                        format = argv[++i];
                else if (strncmp(argv[i], "--format=", 9) == 0)
                        format = argv[i] + 9;
                else if (!file && argv[i][0] != '-')
                        file = argv[i];
                else
                        return usage_error("export: unexpected argument '%s'", argv[i]);
        }
        if (!file || !format)
                return usage_error("%s", "export needs a FILE and --format pfc|bpf|oci");
        if (strcmp(format, "pfc") && strcmp(format, "bpf") && strcmp(format, "oci"))
                return usage_error("export: unknown format '%s' (pfc, bpf or oci)", format);
        if (load(file, &p) < 0)
                return 1;
        if (strcmp(format, "bpf") == 0)
                return export_bpf(p);
        if (strcmp(format, "pfc") == 0)
                return cr_seccomp_export_pfc(p, STDOUT_FILENO, &err) < 0 ? fail(err) : 0;
        if (cr_seccomp_export_oci(p, &out, &err) < 0)
                return fail(err);
        return write_out(&out);
}

/* ---------------------------------------------------------------- diff */

static int cmd_diff(int argc, char **argv)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *a = NULL, *b = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(OUT_MAX);
        bool differ;

        if (argc != 3)
                return usage_error("%s", "diff needs two profiles");
        if (load(argv[1], &a) < 0 || load(argv[2], &b) < 0)
                return 2;
        if (cr_seccomp_profile_diff(a, b, &out, &differ, &err) < 0)
                return fail(err) + 1;
        if (write_out(&out) != 0)
                return 2;
        return differ ? 1 : 0;
}

/* ---------------------------------------------------------------- test */

static int parse_arch(const char *s, uint32_t *ret)
{
        if (strcmp(s, "native") == 0)
                *ret = 0;
        else if (strcmp(s, "i386") == 0 || strcmp(s, "x86") == 0)
                *ret = ARCH_I386;
        else if (strcmp(s, "x32") == 0)
                *ret = ARCH_X86_64; /* x32 shares x86_64's arch value; its numbers carry bit 30 */
        else
                return -EINVAL;
        return 0;
}

/* SYSCALL is a name or a number; with --arch x32, bit 30 is set on it. */
static int parse_call(int argc, char **argv, struct cr_seccomp_call *call, const char **ret_arch)
{
        uint64_t v;
        int n = 0;

        *ret_arch = "native";
        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--arch") == 0 && i + 1 < argc)
                        *ret_arch = argv[++i];
                else if (n < 6 && safe_atou64_auto(argv[i], &v) >= 0)
                        call->args[n++] = v;
                else
                        return usage_error("test: bad argument '%s' (up to six numbers)", argv[i]);
        }
        if (parse_arch(*ret_arch, &call->arch) < 0)
                return usage_error("test: unknown architecture '%s' (native, i386 or x32)", *ret_arch);
        if (safe_atou64_auto(argv[1], &v) >= 0 && v < 0x40000000U)
                call->nr = (int)v;
        else if ((call->nr = cr_seccomp_syscall_number(argv[1])) < 0)
                return usage_error("test: '%s' is not a syscall of this architecture", argv[1]);
        if (strcmp(*ret_arch, "x32") == 0)
                call->nr |= 0x40000000;
        return 0;
}

static int cmd_test(int argc, char **argv)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_buf_ struct cr_buf out = CR_BUF_INIT(OUT_MAX);
        _cleanup_free_ char *name = NULL;
        struct cr_seccomp_call call = {0};
        const char *arch;
        uint32_t action;
        int r;

        if (argc < 3)
                return usage_error("%s", "test needs a FILE and a SYSCALL");
        r = parse_call(argc - 1, argv + 1, &call, &arch);
        if (r != 0)
                return r;
        if (load(argv[1], &p) < 0)
                return 1;
        if (cr_seccomp_compile(p, &prog, &err) < 0 ||
            cr_seccomp_program_evaluate(&prog, &call, &action, &err) < 0)
                return fail(err);
        /* Numbers mean other syscalls on i386: name only native ones. */
        name = call.arch == 0 ? cr_seccomp_syscall_name(call.nr) : NULL;
        r = name ? cr_buf_printf(&out, "%s (%d) [%s", name, call.nr, arch)
                 : cr_buf_printf(&out, "syscall %#x [%s", (unsigned)call.nr, arch);
        for (int i = 0; r >= 0 && i < 6; i++)
                r = cr_buf_printf(&out, "%s%#llx", i ? ", " : "; args ", (unsigned long long)call.args[i]);
        if (r >= 0)
                r = cr_buf_printf(&out, "]: ");
        if (r >= 0)
                r = cr_seccomp_describe_action(action, &out);
        if (r >= 0)
                r = cr_buf_append(&out, "\n", 1);
        return r < 0 ? 1 : write_out(&out);
}

int cmd_seccomp(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int argc, char **argv);
        } subs[] = {
                {"check", cmd_check}, {"explain", cmd_explain}, {"export", cmd_export},
                {"diff", cmd_diff},   {"test", cmd_test},
        };

        if (argc < 2)
                return usage_error("%s", "missing subcommand");
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(usage_text, stdout);
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
                if (strcmp(argv[1], subs[i].name) == 0)
                        return subs[i].fn(argc - 1, argv + 1);
        return usage_error("unknown subcommand '%s'", argv[1]);
}
