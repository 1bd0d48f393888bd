/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Leaf helpers: return 0 / a count, or -errno. */

/* Writes the whole string to `name` relative to dirfd (O_WRONLY|O_CLOEXEC,
 * no O_CREAT: used for cgroupfs and procfs control files). */
int write_file_at(int dirfd, const char *name, const char *value);
/* Reads at most max-1 bytes of `name` into buf (NUL-terminated). */
ssize_t read_file_at(int dirfd, const char *name, char *buf, size_t max);
/* write()/read() loops that retry EINTR and short counts. */
int loop_write(int fd, const void *data, size_t n);
ssize_t loop_read(int fd, void *data, size_t n);
int fd_set_nonblock(int fd, int on);
int fd_set_cloexec(int fd, int on);
/* Number of open fds of this process (for leak tests). */
int fd_count_open(void);
/* Moves fd to `target` (dup2 semantics, without O_CLOEXEC) unless equal. */
int fd_move_to(int fd, int target);
