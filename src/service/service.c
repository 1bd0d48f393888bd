/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "sd-protocol.h"
#include "xalloc.h"

static void notify(const char *state, const char *status)
{
        _cleanup_free_ char *msg = NULL;

        if (status)
                msg = xasprintf("%s%sSTATUS=%s", state, state[0] ? "\n" : "", status);
        (void) cr_sd_notify(msg ? msg : state);
}

void cr_service_ready(const char *status)
{
        notify("READY=1", status);
}

void cr_service_status(const char *status)
{
        notify("", status);
}

void cr_service_stopping(const char *status)
{
        notify("STOPPING=1", status);
}

uint64_t cr_service_watchdog_usec(void)
{
        return cr_sd_watchdog_usec();
}

void cr_service_watchdog_ping(void)
{
        (void) cr_sd_notify("WATCHDOG=1");
}

bool cr_service_journal_on_stderr(void)
{
        const char *e = secure_getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;
        char tail;

        /* "<device>:<inode>" of the stream systemd connected; it is ours
         * only if stderr is still that stream */
        if (!e || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static void journal_sink(const struct cr_log_record *rec)
{
        char code_line[32], priority[16], err_no[32], event[128];
        struct iovec iov[8];
        int n = 0;

        snprintf(priority, sizeof(priority), "PRIORITY=%d", rec->level);
        snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", rec->line);
        iov[n++] = (struct iovec) { .iov_base = (char *) rec->message_field, .iov_len = strlen(rec->message_field) };
        iov[n++] = (struct iovec) { .iov_base = priority, .iov_len = strlen(priority) };
        iov[n++] = (struct iovec) { .iov_base = (char *) rec->code_file_field,
                                    .iov_len = strlen(rec->code_file_field) };
        iov[n++] = (struct iovec) { .iov_base = code_line, .iov_len = strlen(code_line) };
        iov[n++] = (struct iovec) { .iov_base = (char *) "SYSLOG_IDENTIFIER=coderunner", .iov_len = 28 };
        if (rec->errnum > 0) {
                snprintf(err_no, sizeof(err_no), "ERRNO=%d", rec->errnum);
                iov[n++] = (struct iovec) { .iov_base = err_no, .iov_len = strlen(err_no) };
        }
        if (rec->event) {
                snprintf(event, sizeof(event), "CODERUNNER_EVENT=%s", rec->event);
                iov[n++] = (struct iovec) { .iov_base = event, .iov_len = strlen(event) };
        }
        (void) cr_journal_send_to(CR_JOURNAL_SOCKET, iov, (size_t) n);
}

void cr_service_log_to_journal(void)
{
        cr_log_set_sink(journal_sink);
}
