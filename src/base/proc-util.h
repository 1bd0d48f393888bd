/* SPDX-License-Identifier: MIT */
#pragma once

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* Thin syscall wrappers: return >= 0 or -errno. glibc 2.36 lacks some. */
int cr_pidfd_open(pid_t pid);
int cr_pidfd_send_signal(int pidfd, int sig);
int cr_close_range_from(unsigned first);
/* Monotonic clock in ms / ns. */
uint64_t now_ms(void);
uint64_t now_ns(void);
/* Resets every signal disposition to default and unblocks all signals (for
 * children of a process that blocked signals). */
void reset_signals(void);
