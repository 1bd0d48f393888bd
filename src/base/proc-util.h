/* SPDX-License-Identifier: MIT */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Thin syscall wrappers: return >= 0 or -errno. glibc 2.36 lacks some. */
int cr_pidfd_open(pid_t pid);
int cr_pidfd_send_signal(int pidfd, int sig);
int cr_close_range_from(unsigned first);
/* Closes every fd from 3 up except the (at most 16) in keep; -errno if
 * close_range() failed. */
int cr_close_all_but(const int *keep, size_t n);
/* Monotonic clock in ms / ns. */
uint64_t now_ms(void);
uint64_t now_ns(void);
/* Resets every signal disposition to default and unblocks all signals (for
 * children of a process that blocked signals). */
void reset_signals(void);

/* In a child forked by `parent` (its pid, taken before fork): SIGKILL when
 * the parent exits, whatever kills it. -ESRCH if the parent has exited
 * already (the caller should _exit), -errno if prctl fails. Same pid
 * namespace only; the credential change of a uid switch clears it. */
int cr_die_with_parent(pid_t parent);

/* The content of /proc/PID/stat: field `field` (numbered as in proc(5),
 * >= 3: 3 is the state, 22 the start time) as a token pointing into stat.
 * Fields are counted after the last ')', so a comm holding spaces or
 * parentheses (the process chooses it) cannot shift them. -ENOENT when the
 * kernel does not have that many fields, -EINVAL when malformed. Allocates
 * nothing (usable in a cloned child). */
int cr_proc_stat_field(const char *stat, unsigned field, const char **ret, size_t *ret_len);
/* The same for a numeric field. */
int cr_proc_stat_u64(const char *stat, unsigned field, uint64_t *ret);
