/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "child-error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "sandbox-internal.h"

int child_error(struct sandbox_run *run, int errnum, int kind, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (errnum < 0)
                errnum = -errnum;
        if (run->child_error.type == SYNC_ERROR) /* keep the first, most specific one */
                return errnum ? -errnum : -EIO;
        run->child_error.type = SYNC_ERROR;
        run->child_error.errnum = errnum;
        run->child_error.kind = kind;
        va_start(ap, fmt);
        n = vsnprintf(run->child_error.msg, sizeof(run->child_error.msg), fmt, ap);
        va_end(ap);
        if (errnum && n >= 0 && (size_t) n < sizeof(run->child_error.msg))
                snprintf(run->child_error.msg + n, sizeof(run->child_error.msg) - (size_t) n, ": %s",
                         strerror(errnum));
        return errnum ? -errnum : -EIO;
}

void child_report(struct sandbox_run *run)
{
        if (run->child_error.type != SYNC_ERROR)
                child_error(run, EIO, CR_ERROR_INTERNAL, "sandbox setup failed");
        (void) send(run->sync[1], &run->child_error, sizeof(run->child_error), MSG_NOSIGNAL);
}

_noreturn_ void child_die(struct sandbox_run *run)
{
        child_report(run);
        _exit(127);
}
