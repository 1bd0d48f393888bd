/* SPDX-License-Identifier: MIT */
#pragma once

/* The parsed form of a seccomp profile (seccomp-model.c), shared by the
 * files of the seccomp part of sandbox/: the text parser (seccomp.c), the
 * Docker/OCI JSON reader and writer (seccomp-oci.c), the compiler
 * (seccomp-compile.c), the BPF evaluator (seccomp-bpf.c) and the audit views
 * (seccomp-audit.c). The model is their floor: it calls none of them.
 *
 * Both input formats produce this one model, so every command treats them
 * alike. Only seccomp-compile.c turns it into libseccomp calls. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "seccomp.h"

struct cr_buf;
struct cr_error;

/* Bounds on operator-supplied profiles: they are parsed by a privileged
 * process, so nothing in them may grow memory or CPU use without limit. */
#define PROFILE_SIZE_MAX  (256U * 1024U)
#define PROFILE_RULES_MAX 2048U
#define PROFILE_NOTES_MAX 64U
#define SYSCALL_NAME_MAX  40U
#define ERRNO_VALUE_MAX   4095U /* the kernel's MAX_ERRNO */
/* A rule tests at most one condition per argument register. */
#define RULE_CONDS_MAX 6U
/* libseccomp (2.5 and 2.6) merges the conditional rules of one syscall into a
 * decision tree, and that merge is where an operator's profile can take the
 * privileged process's CPU: two rules with more than one condition each can
 * make it loop without end (e.g. "arg0 < 3 and arg1 == 5" then "arg0 < 3 and
 * arg2 == 5"), and its cost grows steeply with the number of rules (one
 * syscall: 128 single-condition rules 0.1 s, 256 4 s, 1024 over a minute).
 * Profiles over these bounds are refused before libseccomp sees them. Docker's
 * default.json needs 5 and 1. See docs/SECURITY.md, "Profile complexity". */
#define SYSCALL_COND_RULES_MAX 32U
#define SYSCALL_MULTI_COND_RULES_MAX 1U
/* x86_64 tags x32 syscalls with this bit in nr while using AUDIT_ARCH_X86_64. */
#define X32_SYSCALL_BIT 0x40000000U

enum action_kind {
        ACTION_ALLOW,
        ACTION_ERRNO, /* value: the errno, 1..ERRNO_VALUE_MAX */
        ACTION_KILL,  /* the whole process (SECCOMP_RET_KILL_PROCESS) */
        /* Only from Docker/OCI profiles; our text format has no words for
         * them because the sandbox never needs them. */
        ACTION_KILL_THREAD,
        ACTION_TRAP,
        ACTION_TRACE, /* value: the tracer's message */
        ACTION_LOG,
        _ACTION_KIND_MAX,
        _ACTION_KIND_INVALID = -22,
};

struct policy_action {
        enum action_kind kind;
        int value;
};

enum cmp_op {
        CMP_EQ,
        CMP_NE,
        CMP_LT,
        CMP_LE,
        CMP_GT,
        CMP_GE,
        CMP_MASKED_EQ,
        _CMP_OP_MAX,
        _CMP_OP_INVALID = -22,
};

struct policy_cond {
        unsigned arg; /* 0..5 */
        enum cmp_op op;
        uint64_t mask; /* CMP_MASKED_EQ only */
        uint64_t value;
};

enum profile_format {
        PROFILE_FORMAT_TEXT,
        PROFILE_FORMAT_OCI,
};

struct policy_rule {
        char name[SYSCALL_NAME_MAX + 1];
        /* Native number, or a libseccomp pseudo number (< 0) for a syscall
         * that does not exist on this architecture (e.g. "open" on aarch64):
         * such rules are accepted so one profile serves every architecture,
         * and skipped at compile time. */
        int nr;
        /* Text: the line. OCI: the index in "syscalls" plus one. */
        unsigned line;
        struct policy_action action;
        unsigned n_conds; /* 0: unconditional; otherwise every one must hold */
        struct policy_cond conds[RULE_CONDS_MAX];
        int comment; /* index into profile->comments, or -1 */
        int section; /* index into profile->comments, or -1 */
};

struct cr_seccomp_profile {
        char *name; /* owned: file name or label for messages */
        enum profile_format format;
        struct policy_action default_action;
        unsigned default_line; /* 0 until the "default" line is seen */
        struct policy_action newer_action;
        unsigned newer_line;       /* 0: no "newer" line */
        struct policy_rule *rules; /* owned: rules[n_rules] in profile order */
        size_t n_rules;
        size_t n_alloc;
        /* The profile's own words: comment blocks and section titles (text),
         * "comment" members (OCI). Owned strings. */
        char **comments;
        size_t n_comments;
        /* What loading skipped or could not express, for `seccomp check`. */
        char **notes;
        size_t n_notes;
};

/* seccomp-model.c */
struct cr_seccomp_profile *profile_new(const char *name, enum profile_format format);
/* Appends a rule; E2BIG (LIMIT) past PROFILE_RULES_MAX. */
int profile_append_rule(struct cr_seccomp_profile *p, const struct policy_rule *rule, struct cr_error **err);
/* Stores a copy of text; returns its index (or -1 for NULL or empty text). */
int profile_add_comment(struct cr_seccomp_profile *p, const char *text, size_t len);
void profile_add_note(struct cr_seccomp_profile *p, const char *fmt, ...) _printf_(2, 3);
bool actions_equal(const struct policy_action *a, const struct policy_action *b);
bool conds_equal(const struct policy_rule *a, const struct policy_rule *b);
/* Appends unless an earlier append failed: lets a builder chain calls and
 * check once. */
#define APPEND(r, call) ((r) = (r) < 0 ? (r) : (call))
/* "allow", "errno EPERM", "kill", "trap", ... */
int append_action(struct cr_buf *out, const struct policy_action *a);
/* " if arg0 == 0x1 and arg2 & 0xff == 0x3", or nothing without conditions */
int append_conds(struct cr_buf *out, const struct policy_rule *rule);
/* The symbolic name of an errno below ERRNO_NAME_SCAN, or NULL. */
#define ERRNO_NAME_SCAN 256
const char *errno_name(int errnum);
const char *cmp_op_to_string(enum cmp_op op);
/* "==", "<", ... (not the masked form); _CMP_OP_INVALID for anything else. */
enum cmp_op cmp_op_from_string(const char *s);

/* seccomp-oci.c: the JSON parser for Docker/OCI profiles. */
int profile_parse_oci(const char *text, size_t len, const char *name, struct cr_seccomp_profile **ret,
                      struct cr_error **err);

/* seccomp-compile.c: libseccomp's names and numbers. */
/* A libseccomp number for a name: native (>= 0), another architecture's
 * pseudo number (< 0), or -ENOENT when no architecture knows it. */
int syscall_resolve(const char *name, int *ret_nr);
uint32_t highest_known_syscall(void);
