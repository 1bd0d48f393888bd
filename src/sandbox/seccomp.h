/* SPDX-License-Identifier: MIT */
#pragma once

/* seccomp profiles: parse an auditable text profile (seccomp/ *.profile),
 * compile it to classic BPF with libseccomp once, before any sandbox is
 * cloned, and apply the raw program in the child with seccomp(2): no
 * libseccomp and no allocation after clone.
 *
 * The profile format is documented in seccomp/README.md; the pipeline in
 * docs/internals/seccomp.md. */

#include <stddef.h>

struct cr_buf;
struct cr_error;
struct cr_seccomp_profile;

struct cr_seccomp_program {
        void *filter; /* owned: struct sock_filter[len] */
        unsigned short len;
};

/* Parses profile text; errors carry "NAME:LINE: reason". */
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

/* Compiles for the native architecture; any other architecture (x32, i386
 * syscall ABIs on x86_64) is killed. */
int cr_seccomp_compile(const struct cr_seccomp_profile *p, struct cr_seccomp_program *ret,
                       struct cr_error **err);
void cr_seccomp_program_done(struct cr_seccomp_program *prog);

/* Copies the program into a new memfd, sealed against any change (write,
 * grow, shrink, further seals), for handing to an exec'd helper. */
int cr_seccomp_program_to_memfd(const struct cr_seccomp_program *prog, int *ret_fd, struct cr_error **err);
/* Reads a program back from a file descriptor (from offset 0); checks that it
 * is a whole number of instructions and within the kernel's BPF_MAXINSNS. */
int cr_seccomp_program_from_fd(int fd, struct cr_seccomp_program *ret, struct cr_error **err);

/* libseccomp's version, e.g. "2.5.4". */
const char *cr_seccomp_backend_version(void);
/* Loads and compiles a profile file, reusing a program cached in cache_dir
 * (NULL: no cache) when the file and libseccomp are unchanged. */
int cr_seccomp_load_cached(const char *profile_path, const char *cache_dir, struct cr_seccomp_program *ret,
                           struct cr_error **err);

/* Child side, async-signal-safe: installs the program (no_new_privs must be
 * set). Returns 0 or -errno. */
int cr_seccomp_apply(const struct cr_seccomp_program *prog);
