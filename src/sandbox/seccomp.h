/* SPDX-License-Identifier: MIT */
#pragma once

/* seccomp profiles: parse an auditable text profile (seccomp/ *.profile),
 * compile it to classic BPF with libseccomp once, before any sandbox is
 * cloned, and apply the raw program in the child with seccomp(2): no
 * libseccomp and no allocation after clone.
 *
 * The profile format is documented in seccomp/README.md; the pipeline in
 * docs/internals/seccomp.md. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_buf;
struct cr_error;
struct cr_seccomp_profile;

struct cr_seccomp_program {
        void *filter; /* owned: struct sock_filter[len] */
        unsigned short len;
};

/* Parses a profile: our text format, or a Docker/OCI seccomp JSON object,
 * told apart by content (JSON starts with '{', which our format cannot).
 * Text errors carry "NAME:LINE: reason", JSON errors the line or the member
 * ("NAME: syscalls[3].action: ..."). */
int cr_seccomp_profile_parse(const char *text, size_t len, const char *name, struct cr_seccomp_profile **ret,
                             struct cr_error **err);
/* Reads and parses a profile file (bounded size). */
int cr_seccomp_profile_load(const char *path, struct cr_seccomp_profile **ret, struct cr_error **err);
struct cr_seccomp_profile *cr_seccomp_profile_free(struct cr_seccomp_profile *p);

static inline void cr_seccomp_profile_freep(struct cr_seccomp_profile **p)
{
        *p = cr_seccomp_profile_free(*p);
}

/* Appends to `out` one line saying what the profile does with a syscall and
 * which lines decide it, e.g. "clone: allow if arg0 & 0x7e020000 == 0 (p:44);
 * otherwise errno EPERM (default, p:24)". Fails with NOT_FOUND for a name
 * libseccomp does not know. */
int cr_seccomp_profile_explain(const struct cr_seccomp_profile *p, const char *syscall_name,
                               struct cr_buf *out, struct cr_error **err);

/* What loading had to skip (syscalls libseccomp does not know, Docker rules
 * for capabilities the sandbox never grants, foreign architectures): one
 * sentence each, for `coderunner seccomp check`. */
size_t cr_seccomp_profile_notes(const struct cr_seccomp_profile *p, const char *const **ret);
bool cr_seccomp_profile_is_oci(const struct cr_seccomp_profile *p);

struct cr_seccomp_counts {
        unsigned allowed;       /* native syscalls some rule allows */
        unsigned conditional;   /* ...of which only under argument conditions */
        unsigned denied_listed; /* rules with an errno (or trap/trace/log) action */
        unsigned killed;        /* rules with a kill action */
};
void cr_seccomp_profile_count(const struct cr_seccomp_profile *p, struct cr_seccomp_counts *ret);

/* The reviewer's table: every rule in profile order, allowed first, then
 * denied, grouped under the profile's own sections and comments. */
int cr_seccomp_profile_explain_table(const struct cr_seccomp_profile *p, struct cr_buf *out,
                                     struct cr_error **err);
/* What one profile allows that the other does not, with conditions, for
 * every native syscall; *ret_differ says whether they differ at all. */
int cr_seccomp_profile_diff(const struct cr_seccomp_profile *a, const struct cr_seccomp_profile *b,
                            struct cr_buf *out, bool *ret_differ, struct cr_error **err);
/* Docker/OCI seccomp JSON (defaultAction, architectures, syscalls[{names,
 * action, errnoRet, args}]) for the native architecture. */
int cr_seccomp_export_oci(const struct cr_seccomp_profile *p, struct cr_buf *out, struct cr_error **err);
/* libseccomp's pseudo filter code, written to fd. */
int cr_seccomp_export_pfc(const struct cr_seccomp_profile *p, int fd, struct cr_error **err);

/* Compiles for the native architecture; any other architecture (x32, i386
 * syscall ABIs on x86_64) is killed. */
int cr_seccomp_compile(const struct cr_seccomp_profile *p, struct cr_seccomp_program *ret,
                       struct cr_error **err);
void cr_seccomp_program_done(struct cr_seccomp_program *prog);

/* A syscall that the filter would have killed (seccomp-notify.c). */
struct cr_seccomp_violation {
        int nr;            /* as the program passed it (x32 calls carry bit 30) */
        uint32_t arch;     /* AUDIT_ARCH_* */
        char name[32];     /* "chroot", or "syscall 1234" when nothing names it */
};

/* Whether this kernel can notify instead of kill (SECCOMP_RET_USER_NOTIF
 * with a listener fd: 5.0). */
bool cr_seccomp_notify_supported(void);
/* Child side, instead of cr_seccomp_apply(): installs the program with its
 * kill actions turned into notifications; returns the listener fd or -errno. */
int cr_seccomp_apply_notifying(const struct cr_seccomp_program *prog);
/* Supervisor side: reads one pending notification. */
int cr_seccomp_notification_receive(int listener, struct cr_seccomp_violation *ret);
/* The syscall's name on that architecture (libseccomp's table). */
void cr_seccomp_syscall_name_arch(uint32_t arch, int nr, char *buf, size_t size);

/* Copies the program into a new memfd, sealed against any change (write,
 * grow, shrink, further seals), for handing to an exec'd helper. */
int cr_seccomp_program_to_memfd(const struct cr_seccomp_program *prog, int *ret_fd, struct cr_error **err);
/* Reads a program back from a file descriptor (from offset 0); checks that it
 * is a whole number of instructions and within the kernel's BPF_MAXINSNS. */
int cr_seccomp_program_from_fd(int fd, struct cr_seccomp_program *ret, struct cr_error **err);

/* One syscall as the filter sees it (struct seccomp_data). */
struct cr_seccomp_call {
        int nr;
        uint32_t arch; /* AUDIT_ARCH_*; 0: the native one */
        uint64_t ip;
        uint64_t args[6];
};

/* Runs the compiled program on one call in user space, as the kernel would;
 * *ret_action is the SECCOMP_RET_* value. */
int cr_seccomp_program_evaluate(const struct cr_seccomp_program *prog, const struct cr_seccomp_call *call,
                                uint32_t *ret_action, struct cr_error **err);
/* "allow", "errno EPERM (1)", "kill (the process dies of SIGSYS)", ... */
int cr_seccomp_describe_action(uint32_t action, struct cr_buf *out);

/* The native AUDIT_ARCH_* value. */
uint32_t cr_seccomp_native_arch(void);
/* Native number of a syscall name: -ENOENT when unknown, -EAFNOSUPPORT when
 * it exists only on other architectures. */
int cr_seccomp_syscall_number(const char *name);
/* Name of a native syscall number, or NULL. Caller frees. */
char *cr_seccomp_syscall_name(int nr);
/* The highest native syscall number libseccomp can name. */
int cr_seccomp_syscall_highest(void);

/* libseccomp's version, e.g. "2.5.4". */
const char *cr_seccomp_backend_version(void);
/* Loads and compiles a profile file, reusing a program cached in cache_dir
 * (NULL: no cache) when the file and libseccomp are unchanged. */
int cr_seccomp_load_cached(const char *profile_path, const char *cache_dir, struct cr_seccomp_program *ret,
                           struct cr_error **err);

/* Child side, async-signal-safe: installs the program (no_new_privs must be
 * set). Returns 0 or -errno. */
int cr_seccomp_apply(const struct cr_seccomp_program *prog);
