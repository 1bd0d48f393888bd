/* SPDX-License-Identifier: MIT */
#pragma once

/* The executor: a single-threaded process forked by the daemon before any
 * thread exists (DESIGN §3). It receives job channels on its control socket
 * and forks one worker per job; a worker compiles once, runs each test in a
 * fresh sandbox, streams events back and exits. The executor dies with the
 * daemon (PR_SET_PDEATHSIG), its workers with it, their sandboxes with them. */

#include <stddef.h>
#include <sys/types.h>

struct cr_error;
struct cr_installed;
struct cr_sandbox;
struct cr_seccomp_program;

struct cr_executor_profile {
        const char *name;                           /* e.g. "default" */
        const struct cr_seccomp_program *program;   /* not owned */
};

struct cr_executor_config {
        struct cr_sandbox *sandbox;                 /* not owned */
        const struct cr_executor_profile *profiles; /* not owned */
        size_t n_profiles;
        unsigned max_workers;                       /* concurrent jobs; more wait in the socket */
        int status_fd;                              /* set by the keeper: where READY goes */
        const struct cr_installed *installed;       /* not owned: runtimes and their images */
};

/* The keeper: a single-threaded process the daemon forks before any thread
 * exists, so that it can fork a new executor whenever the current one dies
 * (the daemon itself, threaded by then, must not fork). It keeps the
 * executor's end of the control socket open across restarts, so jobs sent
 * meanwhile wait in the socket for the next executor; jobs the dead one ran
 * fail (their channels close). It is the child subreaper of everything
 * below it. When the daemon closes the control socket (or dies), it kills
 * the executor, waits for every descendant and returns. It reports on
 * status_fd (struct cr_executor_status, spawn/spawn.h). */
int cr_executor_keep(int control_fd, int status_fd, const struct cr_executor_config *cfg);

/* Forks the keeper, which forks the executor; call while the process is
 * still single-threaded (the last moment before the daemon starts threads).
 * Returns the daemon's ends of the control and status sockets (wrap them
 * with cr_spawner_new()) and the keeper's pid. */
int cr_executor_start(const struct cr_executor_config *cfg, int *ret_control_fd, int *ret_status_fd,
                      pid_t *ret_pid, struct cr_error **err);

/* The executor's main loop; returns (for _exit) when the control socket
 * closes. */
int cr_executor_serve(int control_fd, const struct cr_executor_config *cfg);
