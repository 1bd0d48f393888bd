/* SPDX-License-Identifier: MIT */
#pragma once

/* `coderunner doctor`: what this host gives the sandbox. Gathering facts
 * (probes of real kernel features, in throw-away child processes, and reads
 * of /proc) is kept apart from judging them, so the judgement and its fixes
 * are unit-tested on any fact set, and the /proc readers on fake trees. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_buf;

enum cr_doctor_status {
        CR_DOCTOR_OK,
        CR_DOCTOR_WARN,
        CR_DOCTOR_FAIL,
        _CR_DOCTOR_STATUS_MAX,
        _CR_DOCTOR_STATUS_INVALID = -22,
};

/* Facts about the host. -1 stands for "could not be read" where noted. */
struct cr_doctor_facts {
        bool root; /* euid 0 */
        /* cgroups */
        int cgroup_mode;        /* enum cr_cgroup_mode; -1: no usable cgroupfs */
        char cgroup_error[256]; /* why, when cgroup_mode is -1 */
        unsigned controllers;   /* CR_CGROUP_* usable */
        bool memory_peak;       /* v2 memory.peak / v1 memory.max_usage_in_bytes */
        bool swap_accounting;   /* v2 memory.swap.max / v1 memory.memsw.limit_in_bytes */
        int64_t swap_total_kb;  /* /proc/meminfo SwapTotal; -1 */
        /* user namespaces */
        int userns_errno;            /* 0: a child created the sandbox's namespaces */
        int64_t max_user_namespaces; /* /proc/sys/user/max_user_namespaces; -1 */
        int64_t unprivileged_userns; /* /proc/sys/kernel/unprivileged_userns_clone (Debian); -1 */
        int64_t apparmor_restrict;   /* /proc/sys/kernel/apparmor_restrict_unprivileged_userns; -1 */
        /* syscalls the sandbox needs */
        int seccomp_errno;         /* 0: a child installed a filter */
        bool seccomp_kill_process; /* SECCOMP_RET_KILL_PROCESS available */
        int clone3_errno;          /* 0: clone3 exists */
        int openat2_errno;
        int pidfd_errno;
};

struct cr_doctor_item {
        const char *name; /* static */
        enum cr_doctor_status status;
        char detail[512];
        char fix[512]; /* empty when OK */
};

#define CR_DOCTOR_ITEMS_MAX 16

struct cr_doctor_report {
        struct cr_doctor_item items[CR_DOCTOR_ITEMS_MAX];
        size_t n;
};

/* Where the host's files are: "/proc" and "/sys/fs/cgroup" in production,
 * fake trees in tests. */
struct cr_doctor_paths {
        const char *proc;
        const char *cgroup_root;
        const char *proc_self_cgroup; /* content, or NULL to read it */
};

/* Reads /proc and probes the kernel. Never fails: what cannot be learnt is
 * recorded as such in the facts. */
void cr_doctor_gather(const struct cr_doctor_paths *paths, struct cr_doctor_facts *ret);
/* Reads only the /proc files (no probes): for tests on fake trees. */
void cr_doctor_read_proc(const char *proc, struct cr_doctor_facts *f);
/* Judges the facts: one item per check, each OK, WARN or FAIL with a fix. */
void cr_doctor_evaluate(const struct cr_doctor_facts *f, struct cr_doctor_report *ret);
enum cr_doctor_status cr_doctor_worst(const struct cr_doctor_report *r);
const char *cr_doctor_status_to_string(enum cr_doctor_status s);
int cr_doctor_report_text(const struct cr_doctor_report *r, struct cr_buf *out);
int cr_doctor_report_json(const struct cr_doctor_report *r, struct cr_buf *out);
