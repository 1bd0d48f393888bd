/* SPDX-License-Identifier: MIT */
#pragma once

/* The two service-manager protocols the daemon speaks, written here rather
 * than linked from libsystemd (which maps libgcrypt, libgpg-error and more,
 * ~0.7 MiB of an idle daemon's RSS, for two datagram formats systemd
 * documents as stable for exactly this use):
 *   - sd_notify: one datagram of "KEY=VALUE\n..." to $NOTIFY_SOCKET, a path
 *     or an abstract name ("@name"); systemd.io/NOTIFY (sd_notify(3));
 *   - the journal's native protocol: one datagram per entry to
 *     /run/systemd/journal/socket, each field "KEY=VALUE\n", or, when the
 *     value holds a newline, "KEY\n" + its length as a little-endian 64-bit
 *     number + the value + "\n"; an entry too large for a datagram goes in a
 *     sealed memfd passed with SCM_RIGHTS and an empty payload;
 *     systemd.io/JOURNAL_NATIVE_PROTOCOL.
 * Internal to src/service/; service.h is the daemon's interface. */

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct cr_buf;

#define CR_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Sends `state` to $NOTIFY_SOCKET: 1 when sent, 0 when there is no socket
 * to tell, -errno when it could not be sent. */
int cr_sd_notify(const char *state);
/* $WATCHDOG_USEC when $WATCHDOG_PID is unset or names this process; else 0. */
uint64_t cr_sd_watchdog_usec(void);

/* The entry of n fields ("KEY=VALUE", not NUL-terminated by need) in the
 * native protocol's encoding; -EINVAL for a field without '=' or a key the
 * journal would refuse (empty, or not [A-Z0-9_], or starting with '_'). */
int cr_journal_encode(const struct iovec *fields, size_t n, struct cr_buf *out);
/* Encodes and sends one entry to the journal socket at `path`: 0, or -errno. */
int cr_journal_send_to(const char *path, const struct iovec *fields, size_t n);
