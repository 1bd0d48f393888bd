/* SPDX-License-Identifier: MIT */
#pragma once

/* Bounded dynamic buffer (curl's DYNBUF): every buffer has a required maximum
 * size, so no client-controlled input can grow it without bound. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

struct cr_buf {
        char *data;     /* owned; always NUL-terminated when non-NULL */
        size_t len;
        size_t alloc;
        size_t max;     /* hard cap on len */
};

#define CR_BUF_INIT(maxsize) { .data = NULL, .len = 0, .alloc = 0, .max = (maxsize) }

/* All return 0, or -ENOSPC when the cap would be exceeded (nothing appended),
 * or -ENOMEM. */
int cr_buf_append(struct cr_buf *b, const void *data, size_t n);
int cr_buf_printf(struct cr_buf *b, const char *fmt, ...) _printf_(2, 3);
/* Appends as much of data as fits; returns the number of bytes dropped. */
size_t cr_buf_append_truncate(struct cr_buf *b, const void *data, size_t n);
/* Appends a JSON string literal, quotes included; bytes that are not valid
 * UTF-8 become U+FFFD so the output is always valid JSON. */
int cr_buf_append_json_string(struct cr_buf *b, const char *s, size_t n);
/* Whether s holds only well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF): what cr_buf_append_json_string copies as is. */
bool cr_utf8_valid(const char *s, size_t n);
void cr_buf_done(struct cr_buf *b);
char *cr_buf_steal(struct cr_buf *b);

static inline void cr_buf_donep(struct cr_buf *b)
{
        cr_buf_done(b);
}
#define _cleanup_buf_ __attribute__((__cleanup__(cr_buf_donep)))
