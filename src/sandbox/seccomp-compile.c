/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "seccomp-model.h"
#include "xalloc.h"

/* Profile model → classic BPF with libseccomp (the only includer of
 * <seccomp.h> besides seccomp.c's name lookups), the raw program's
 * transport, and the child-side apply. */

#define SYSCALL_NR_SCAN 8192 /* syscall numbers scanned for the highest known */

DEFINE_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

static const enum scmp_compare cmp_op_to_scmp[_CMP_OP_MAX] = {
        [CMP_EQ] = SCMP_CMP_EQ,
        [CMP_NE] = SCMP_CMP_NE,
        [CMP_LT] = SCMP_CMP_LT,
        [CMP_LE] = SCMP_CMP_LE,
        [CMP_GT] = SCMP_CMP_GT,
        [CMP_GE] = SCMP_CMP_GE,
        [CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static uint32_t action_to_scmp(const struct policy_action *a)
{
        switch (a->kind) {
        case ACTION_ALLOW:
                return SCMP_ACT_ALLOW;
        case ACTION_ERRNO:
                return SCMP_ACT_ERRNO((uint32_t)a->value);
        case ACTION_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case ACTION_TRAP:
                return SCMP_ACT_TRAP;
        case ACTION_TRACE:
                return SCMP_ACT_TRACE((uint32_t)a->value);
        case ACTION_LOG:
                return SCMP_ACT_LOG;
        default:
                return SCMP_ACT_KILL_PROCESS;
        }
}

static int set_attributes(scmp_filter_ctx ctx, struct cr_error **err)
{
        static const struct {
                enum scmp_filter_attr attr;
                uint32_t value;
        } attrs[] = {
                /* Any other ABI reachable from this CPU (i386 via int 0x80,
                 * x32 via the x32 bit) bypasses a native-only table: kill. */
                {SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS},
                /* Binary-tree dispatch: a few hundred rules stay cheap. */
                {SCMP_FLTATR_CTL_OPTIMIZE, 2},
                /* Real errnos from libseccomp instead of a generic -ECANCELED. */
                {SCMP_FLTATR_API_SYSRAWRC, 1},
        };

        for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
                int r = seccomp_attr_set(ctx, attrs[i].attr, attrs[i].value);

                if (r < 0)
                        return cr_error_set(err, -r, CR_ERROR_UNAVAILABLE, "seccomp_attr_set(%d)",
                                            attrs[i].attr);
        }
        return 0;
}

static int compile_rule(scmp_filter_ctx ctx, const struct cr_seccomp_profile *p,
                        const struct policy_rule *rule, struct cr_error **err)
{
        struct scmp_arg_cmp cmp[RULE_CONDS_MAX];
        int r;

        /* Not on this architecture: nothing to filter. */
        if (rule->nr < 0)
                return 0;
        /* Rules repeating the default action are explicit denials kept for
         * the auditor (and so an accidental "allow" later is a conflict);
         * libseccomp rejects them as redundant. */
        if (actions_equal(&rule->action, &p->default_action))
                return 0;
        for (unsigned i = 0; i < rule->n_conds; i++) {
                const struct policy_cond *c = &rule->conds[i];

                cmp[i] = (struct scmp_arg_cmp){
                        .arg = c->arg,
                        .op = cmp_op_to_scmp[c->op],
                        .datum_a = c->op == CMP_MASKED_EQ ? c->mask : c->value,
                        .datum_b = c->op == CMP_MASKED_EQ ? c->value : 0,
                };
        }
        r = seccomp_rule_add_exact_array(ctx, action_to_scmp(&rule->action), rule->nr, rule->n_conds,
                                         rule->n_conds ? cmp : NULL);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INVALID, "%s:%u: cannot add rule for '%s'", p->name,
                                    rule->line, rule->name);
        return 0;
}

static int build_ctx(const struct cr_seccomp_profile *p, scmp_filter_ctx *ret, struct cr_error **err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        ctx = seccomp_init(action_to_scmp(&p->default_action));
        if (!ctx)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "%s: seccomp_init", p->name);
        r = set_attributes(ctx, err);
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++)
                r = compile_rule(ctx, p, &p->rules[i], err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}

int syscall_resolve(const char *name, int *ret_nr)
{
        int nr = seccomp_syscall_resolve_name(name);

        if (nr == __NR_SCMP_ERROR)
                return -ENOENT;
        *ret_nr = nr;
        return 0;
}

/* The highest syscall number libseccomp can name on this architecture;
 * libseccomp's table is immutable, so this is computed once. */
uint32_t highest_known_syscall(void)
{
        static uint32_t cached;

        if (cached > 0)
                return cached;
        for (int nr = 0; nr < SYSCALL_NR_SCAN; nr++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

                if (name)
                        cached = (uint32_t)nr;
        }
        return cached;
}

uint32_t cr_seccomp_native_arch(void)
{
        return seccomp_arch_native();
}

int cr_seccomp_syscall_highest(void)
{
        return (int)highest_known_syscall();
}

char *cr_seccomp_syscall_name(int nr)
{
        return nr >= 0 ? seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr) : NULL;
}

int cr_seccomp_syscall_number(const char *name)
{
        int nr;

        if (syscall_resolve(name, &nr) < 0)
                return -ENOENT;
        return nr < 0 ? -EAFNOSUPPORT : nr;
}

/* "newer ACTION": syscalls numbered above anything libseccomp can name are
 * newer than this profile could have been reviewed against; they get ACTION
 * (normally ENOSYS, so libcs take their fallback path) instead of the
 * default. Prepended to libseccomp's program; BPF jumps are relative and
 * forward-only, so libseccomp's own code is unaffected. */
static int prepend_newer(const struct cr_seccomp_profile *p, struct cr_seccomp_program *prog,
                         struct cr_error **err)
{
        const struct sock_filter head[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, 4),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, highest_known_syscall(), 0, 2),
                /* x32 numbers are left to libseccomp, which kills them. */
                BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, action_to_scmp(&p->newer_action)),
        };
        size_t len = ARRAY_SIZE(head) + prog->len;
        struct sock_filter *f;

        if (len > BPF_MAXINSNS)
                return cr_error_make(err, E2BIG, CR_ERROR_LIMIT,
                                     "%s: filter needs %zu instructions, more than %d", p->name, len,
                                     BPF_MAXINSNS);
        f = xmalloc(len * sizeof(*f));
        memcpy(f, head, sizeof(head));
        memcpy(f + ARRAY_SIZE(head), prog->filter, prog->len * sizeof(*f));
        free(prog->filter);
        prog->filter = f;
        prog->len = (unsigned short)len;
        return 0;
}

static int export_program(scmp_filter_ctx ctx, struct cr_seccomp_program *ret, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* libseccomp 2.5 exports only to a file descriptor. */
        fd = memfd_create("cr-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "memfd_create");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "seccomp_export_bpf");
        return cr_seccomp_program_from_fd(fd, ret, err);
}

int cr_seccomp_compile(const struct cr_seccomp_profile *p, struct cr_seccomp_program *ret,
                       struct cr_error **err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        int r;

        r = build_ctx(p, &ctx, err);
        if (r >= 0)
                r = export_program(ctx, &prog, err);
        if (r >= 0 && p->newer_line > 0)
                r = prepend_newer(p, &prog, err);
        if (r < 0)
                return r;
        ret->len = prog.len;
        ret->filter = TAKE_PTR(prog.filter);
        return 0;
}

/* libseccomp's pseudo filter code, after a header saying what CodeRunner
 * adds in front of it (the "newer" check), so the listing is the whole
 * program's logic. */
int cr_seccomp_export_pfc(const struct cr_seccomp_profile *p, int fd, struct cr_error **err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_buf_ struct cr_buf head = CR_BUF_INIT(4096);
        int r;

        r = build_ctx(p, &ctx, err);
        if (r < 0)
                return r;
        r = cr_buf_printf(&head, "#\n# profile: %s\n", p->name);
        if (r >= 0 && p->newer_line > 0) {
                r = cr_buf_printf(&head,
                                  "# CodeRunner runs this check before the filter below:\n"
                                  "#   if ($arch == %u && $syscall > %u && $syscall < %#x)\n#     action ",
                                  seccomp_arch_native(), highest_known_syscall(), X32_SYSCALL_BIT);
                if (r >= 0)
                        r = append_action(&head, &p->newer_action);
                if (r >= 0)
                        r = cr_buf_printf(&head, ";\n");
        }
        if (r >= 0)
                r = loop_write(fd, head.data, head.len);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "write pseudo filter code");
        r = seccomp_export_pfc(ctx, fd);
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "seccomp_export_pfc");
        return 0;
}

void cr_seccomp_program_done(struct cr_seccomp_program *prog)
{
        if (!prog)
                return;
        free(prog->filter);
        prog->filter = NULL;
        prog->len = 0;
}

/* ---------------------------------------------------------------- program I/O */

int cr_seccomp_program_from_fd(int fd, struct cr_seccomp_program *ret, struct cr_error **err)
{
        _cleanup_free_ struct sock_filter *f = NULL;
        struct stat st;
        size_t size;
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "stat BPF program");
        size = (size_t)st.st_size;
        if (st.st_size <= 0 || size % sizeof(*f) != 0 || size / sizeof(*f) > BPF_MAXINSNS)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID,
                                     "BPF program of %jd bytes is not 1-%d instructions",
                                     (intmax_t)st.st_size, BPF_MAXINSNS);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seek BPF program");
        f = xmalloc(size);
        n = loop_read(fd, f, size);
        if (n < 0)
                return cr_error_set(err, (int)-n, CR_ERROR_INTERNAL, "read BPF program");
        if ((size_t)n != size)
                return cr_error_make(err, EIO, CR_ERROR_INTERNAL, "BPF program shrank while reading");
        ret->filter = TAKE_PTR(f);
        ret->len = (unsigned short)(size / sizeof(struct sock_filter));
        return 0;
}

int cr_seccomp_program_to_memfd(const struct cr_seccomp_program *prog, int *ret_fd, struct cr_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!prog->filter || prog->len == 0)
                return cr_error_make(err, EINVAL, CR_ERROR_INVALID, "empty BPF program");
        fd = memfd_create("cr-seccomp-bpf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "memfd_create");
        r = loop_write(fd, prog->filter, prog->len * sizeof(struct sock_filter));
        if (r < 0)
                return cr_error_set(err, -r, CR_ERROR_INTERNAL, "write BPF program");
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "seal BPF program");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

const char *cr_seccomp_backend_version(void)
{
        static char v[32];
        const struct scmp_version *ver = seccomp_version();

        if (!v[0])
                snprintf(v, sizeof(v), "%u.%u.%u", ver->major, ver->minor, ver->micro);
        return v;
}

/* ---------------------------------------------------------------- child side */

int cr_seccomp_apply(const struct cr_seccomp_program *prog)
{
        struct sock_fprog fprog;

        if (!prog || !prog->filter || prog->len == 0)
                return -EINVAL;
        fprog.len = prog->len;
        fprog.filter = prog->filter;
        /* Raw syscall, no libseccomp: async-signal-safe, no allocation. No
         * TSYNC: the child is single-threaded by construction. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
                return -errno;
        return 0;
}

void cr_seccomp_syscall_name_arch(uint32_t arch, int nr, char *buf, size_t size)
{
        char *name = NULL;

        /* x86_64 reports x32 calls under its own AUDIT_ARCH, with bit 30 set */
        if (arch == SCMP_ARCH_X86_64 && ((unsigned) nr & X32_SYSCALL_BIT))
                name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X32, nr);
        else if (arch != 0)
                name = seccomp_syscall_resolve_num_arch(arch, nr);
        if (name)
                snprintf(buf, size, "%s", name);
        else
                snprintf(buf, size, "syscall %d", nr);
        free(name);
}
