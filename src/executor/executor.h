/* SPDX-License-Identifier: MIT */
#pragma once

/* The executor: a single-threaded process forked by the daemon before any
 * thread exists (DESIGN §3). It receives job channels on its control socket
 * and forks one worker per job; a worker compiles once, runs each test in a
 * fresh sandbox, streams events back and exits. The executor dies with the
 * daemon (PR_SET_PDEATHSIG), its workers with it, their sandboxes with them. */

#include <stddef.h>
#include <stdint.h>

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
};

/* What the keeper and the executor tell the daemon on the status socket,
 * one datagram each. */
enum cr_executor_event {
        CR_EXECUTOR_READY = 1,  /* an executor took the control socket: jobs run */
        CR_EXECUTOR_EXITED = 2, /* it died (wait status); the keeper starts another */
};

struct cr_executor_status {
        uint32_t event;         /* enum cr_executor_event */
        int32_t pid;
        int32_t wait_status;    /* EXITED: as waitpid() reports it */
};

/* The keeper: a single-threaded process the daemon forks before any thread
 * exists, so that it can fork a new executor whenever the current one dies
 * (the daemon itself, threaded by then, must not fork). It keeps the
 * executor's end of the control socket open across restarts, so jobs sent
 * meanwhile wait in the socket for the next executor; jobs the dead one ran
 * fail (their channels close). It is the child subreaper of everything
 * below it. When the daemon closes the control socket (or dies), it kills
 * the executor, waits for every descendant and returns. */
int cr_executor_keep(int control_fd, int status_fd, const struct cr_executor_config *cfg);

/* The executor's main loop; returns (for _exit) when the control socket
 * closes. */
int cr_executor_serve(int control_fd, const struct cr_executor_config *cfg);
