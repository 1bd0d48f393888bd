/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define _unused_ __attribute__((__unused__))
#define _noreturn_ __attribute__((__noreturn__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _warn_unused_result_ __attribute__((__warn_unused_result__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* curl's UNITTEST: statics become visible to unit tests in debug builds. */
#ifdef UNITTESTS
#define UNITTEST
#else
#define UNITTEST static
#endif
