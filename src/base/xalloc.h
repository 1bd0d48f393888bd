/* SPDX-License-Identifier: MIT */
#pragma once

/* Abort-on-OOM allocation for small, fixed-size internal objects only (as crun
 * and redis do). Sizes derived from client input are bounded first and
 * allocated with plain malloc + ENOMEM handling instead. */

#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);
