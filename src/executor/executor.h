/* SPDX-License-Identifier: MIT */
#pragma once

/* The executor: a single-threaded process forked by the daemon before any
 * thread exists (DESIGN §3). It receives job channels on its control socket
 * and forks one worker per job; a worker compiles once, runs each test in a
 * fresh sandbox, streams events back and exits. The executor dies with the
 * daemon (PR_SET_PDEATHSIG), its workers with it, their sandboxes with them. */

#include <stddef.h>

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
};

/* The executor's main loop; returns (for _exit) when the control socket
 * closes. */
int cr_executor_serve(int control_fd, const struct cr_executor_config *cfg);
