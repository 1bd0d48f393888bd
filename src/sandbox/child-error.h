/* SPDX-License-Identifier: MIT */
#pragma once

/* How the sandbox child reports a failed setup step to its parent.
 *
 * Child-side code runs between clone and execve in a single-threaded copy
 * of the supervisor: it may not log. Each phase records what failed with
 * child_error() and returns -errno; run.c then calls child_die(), which
 * sends the record over the sync socket and exits. The parent turns the
 * record into the cr_error that cr_sandbox_run() returns.
 *
 * Its own unit so that the phase files (mount.c, userns.c, ...) and run.c,
 * which calls them, both depend on it rather than on each other. */

#include "macro.h"

struct sandbox_run;

/* Records the first failure (later ones are less specific: they are
 * usually consequences of it); returns -errnum, or -EIO when errnum is 0.
 * A non-zero errnum is appended to the message as ": strerror". */
int child_error(struct sandbox_run *run, int errnum, int kind, const char *fmt, ...) _printf_(4, 5);

/* Sends the recorded failure (or a generic one) to the parent. */
void child_report(struct sandbox_run *run);

/* child_report(), then exits with status 127. */
_noreturn_ void child_die(struct sandbox_run *run);
