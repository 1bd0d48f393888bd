/* SPDX-License-Identifier: MIT */
#pragma once

/* The error chain (crun's libcrun_error_t with systemd's strictness).
 *
 * Functions that can fail for more than one reason take `struct cr_error **err`
 * last, return < 0 and set *err on failure, return >= 0 and leave *err alone on
 * success. cr_error_wrap() prefixes context on the way up. */

#include "macro.h"

enum cr_error_kind {
        CR_ERROR_INTERNAL = 0, /* the default */
        CR_ERROR_INVALID,      /* bad input from the caller */
        CR_ERROR_LIMIT,        /* a configured bound was hit */
        CR_ERROR_NOT_FOUND,
        CR_ERROR_UNAVAILABLE,  /* a needed facility is missing or down */
        CR_ERROR_CANCELLED,
        CR_ERROR_TIMEOUT,
        _CR_ERROR_KIND_MAX,
        _CR_ERROR_KIND_INVALID = -22,
};

struct cr_error {
        int errnum;              /* positive errno, 0 when none applies */
        enum cr_error_kind kind;
        char *msg;               /* owned */
};

/* An error the system reported (errnum came from errno or a syscall's
 * return): the message ends with ": strerror(errnum)". Sets *err (if err is
 * non-NULL and *err is NULL) and returns -errnum, or -EIO when errnum is 0, so
 * callers can `return cr_error_set(...)`. */
int cr_error_set(struct cr_error **err, int errnum, enum cr_error_kind kind, const char *fmt, ...)
        _printf_(4, 5);

/* An error of our own (bad input, a limit, something not found): errnum only
 * classifies it (rpc/status.c, exit codes); the message is exactly fmt, with
 * no strerror text that would blame the system for it. */
int cr_error_make(struct cr_error **err, int errnum, enum cr_error_kind kind, const char *fmt, ...)
        _printf_(4, 5);

/* Prefixes "<context>: " to the message of *err; returns -errnum like above. */
int cr_error_wrap(struct cr_error **err, const char *fmt, ...) _printf_(2, 3);

/* Builds an error from a message received from a child (no formatting). */
int cr_error_set_raw(struct cr_error **err, int errnum, enum cr_error_kind kind, const char *msg);

struct cr_error *cr_error_free(struct cr_error *e);
const char *cr_error_kind_to_string(enum cr_error_kind kind);

/* Return value convention helper: the negative errno an error stands for. */
int cr_error_code(const struct cr_error *e);

static inline void cr_error_freep(struct cr_error **e)
{
        *e = cr_error_free(*e);
}
#define _cleanup_error_ __attribute__((__cleanup__(cr_error_freep)))
