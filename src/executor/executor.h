/* SPDX-License-Identifier: MIT */
#pragma once

/* The executor: a single-threaded process forked by the keeper, which the
 * daemon forks (and which execs coderunner-executor) before any thread
 * exists (DESIGN §3). It receives job channels on its control socket
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

/* The keeper: the single-threaded process the daemon forks before it starts
 * any thread and that execs coderunner-executor, which builds the
 * executor's configuration and calls this (docs/internals/spawn.md). It
 * forks a new executor whenever the current one dies (the daemon itself,
 * threaded by then, must not fork). It keeps the executor's end of the
 * control socket open across restarts, so jobs sent meanwhile wait in the
 * socket for the next executor; jobs the dead one ran fail (their channels
 * close). It is the child subreaper of everything below it. When the
 * daemon closes the control socket (or dies), it kills the executor, waits
 * for every descendant and returns. It reports on status_fd (struct
 * cr_executor_status, spawn/spawn.h). */
int cr_executor_keep(int control_fd, int status_fd, const struct cr_executor_config *cfg);

/* Where coderunner-executor finds its sockets, and the fds kept for it
 * (each slot's lock: held until the keeper and everything below it are
 * gone) right after them: CR_EXECUTOR_FD_CONTROL + 2, + 3, ... */
#define CR_EXECUTOR_FD_CONTROL 3
#define CR_EXECUTOR_FD_STATUS 4
#define CR_EXECUTOR_MAX_KEEP_FDS 256

struct cr_executor_launch {
        const char *path;               /* coderunner-executor */
        char *const *argv;              /* NULL-terminated, argv[0] included */
        const int *keep_fds;            /* stay open in the keeper, at 5, 6, ... */
        size_t n_keep_fds;
};

/* Forks the keeper, which execs launch->path: so the keeper, the executor
 * and the workers it forks map only what they run, not the daemon's
 * dozens of gRPC and TLS libraries, whose mappings every fork would copy
 * and every exit tear down (docs/internals/performance.md, lever 17). Call
 * while the process is still single-threaded (the last moment before the
 * daemon starts threads). Returns the daemon's ends of the control and
 * status sockets (wrap them with cr_spawner_new()) and the keeper's pid. */
int cr_executor_start(const struct cr_executor_launch *launch, int *ret_control_fd, int *ret_status_fd,
                      pid_t *ret_pid, struct cr_error **err);

/* The executor's main loop; returns (for _exit) when the control socket
 * closes. */
int cr_executor_serve(int control_fd, const struct cr_executor_config *cfg);
