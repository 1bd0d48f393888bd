/* SPDX-License-Identifier: MIT */
#pragma once

/* What every command that runs sandboxes shares (sandbox-env.c, slot.c):
 * the data files, the sandbox environment, the slot lock. Its own header so
 * that the command implementations (run-lang.c) need not see cli.h, which
 * declares the commands themselves (run-cmd.c includes run-lang.h). */

#include <stdbool.h>

struct cr_error;
struct cr_sandbox;
struct cr_cgroup_manager;
struct cr_seccomp_program;

/* Everything a process needs to run sandboxes: the compiled seccomp program,
 * the cgroup manager and the sandbox context. */
struct cli_sandbox_env {
        struct cr_seccomp_program *seccomp;
        struct cr_cgroup_manager *cgroups;
        struct cr_sandbox *sandbox;
};

/* Path of a data file: $CODERUNNER_DATADIR/SOURCE_REL (a source tree), else
 * the source tree's SOURCE_REL when this binary runs from its build tree,
 * else PKGDATADIR/INSTALLED_REL. Caller frees. */
char *cli_data_path(const char *source_rel, const char *installed_rel);
/* "DIR (where it comes from)", for --version. Caller frees. */
char *cli_data_describe(void);
/* Default seccomp profile path (seccomp/default.profile, found as above). */
const char *cli_default_seccomp_profile(void);
/* cgroup_delegate: this process owns its cgroup (systemd Delegate=yes): on
 * cgroup v2 it moves itself into a leaf and enables controllers for the
 * sandboxes beneath it. */
int cli_sandbox_env_open(struct cli_sandbox_env *env, const char *profile_path, unsigned allow_missing,
                         bool cgroup_delegate, struct cr_error **err);
void cli_sandbox_env_close(struct cli_sandbox_env *env);
/* Parses "memory", "pids", "cpu" into a CR_CGROUP_* bit; -EINVAL otherwise. */
int cli_parse_controller(const char *name, unsigned *ret_bit);

/* Locks a free sandbox slot for this process (a distinct host uid per
 * concurrently running sandbox). Returns the slot; the lock lives as long as
 * the returned fd. */
int cli_slot_acquire(int *ret_fd, struct cr_error **err);
/* For a process that runs the slot's sandboxes and exits (coderunner run):
 * its runs join the slot's network namespace, kept between processes
 * (cr_sandbox_prepare_slot_pinned()), unless the slot's last run may still
 * be alive (its process was killed: then a new one). Call before the first
 * run; a failure is logged, and the runs get namespaces of their own. */
void cli_slot_join_netns(struct cr_sandbox *sb, int slot, int lock_fd);
/* Releases the slot after the process's runs have returned (all their
 * processes dead): the next run may reuse the slot's namespace. */
void cli_slot_release(int *lock_fd);
