/* SPDX-License-Identifier: MIT */
#pragma once

/* What the daemon tells the service manager (systemd):
 * readiness, stopping, a status line and watchdog pings (sd_notify), and
 * log lines as journal entries with structured fields. Every function is a
 * no-op when the daemon does not run under a service manager (no
 * NOTIFY_SOCKET, no journal on stderr). Both protocols are written
 * here, in sd-notify.c and sd-journal.c, without libsystemd (sd-protocol.h
 * says why). */

#include <stdbool.h>
#include <stdint.h>

/* READY=1 with a STATUS line. */
void cr_service_ready(const char *status);
void cr_service_status(const char *status);
/* STOPPING=1 with a STATUS line. */
void cr_service_stopping(const char *status);
/* The watchdog interval systemd expects pings within (WatchdogSec=), in
 * microseconds; 0 when there is no watchdog. */
uint64_t cr_service_watchdog_usec(void);
/* WATCHDOG=1: call from the main loop only, so pings stop when it stops. */
void cr_service_watchdog_ping(void);

/* Whether stderr is connected to the journal ($JOURNAL_STREAM names it). */
bool cr_service_journal_on_stderr(void);
/* Sends log lines to the journal with structured fields (PRIORITY,
 * CODE_FILE, CODE_LINE, SYSLOG_IDENTIFIER, ERRNO, CODERUNNER_EVENT) instead
 * of text on stderr. */
void cr_service_log_to_journal(void);
