/* SPDX-License-Identifier: MIT */
#pragma once

/* Minimal TAP unit-test harness (systemd's ASSERT_* spirit).
 *
 *   TEST(name) { ASSERT_EQ(1 + 1, 2); }
 *   TESTS_MAIN
 *
 * Each TEST is registered by a constructor and runs in order; a failing
 * assertion marks that test "not ok" and returns from it. A test may call
 * SKIP("why") to report "ok N # SKIP why". Exit 0 if all passed, 1 otherwise,
 * 77 if every test skipped. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
        const char *name;
        void (*fn)(void);
};

void tests_register(const char *name, void (*fn)(void));
int tests_run_all(void);
void tests_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tests_skip(const char *why);
extern int tests_current_failed;
extern int tests_current_skipped;

#define TEST(n)                                                               \
        static void test_##n(void);                                           \
        __attribute__((constructor)) static void test_register_##n(void)      \
        {                                                                     \
                tests_register(#n, test_##n);                                 \
        }                                                                     \
        static void test_##n(void)

#define TESTS_MAIN                                  \
        int main(void)                              \
        {                                           \
                return tests_run_all();             \
        }

#define ASSERT_TRUE(expr)                                                               \
        do {                                                                            \
                if (!(expr)) {                                                          \
                        tests_fail(__FILE__, __LINE__, "assertion failed: %s", #expr);  \
                        return;                                                         \
                }                                                                       \
        } while (0)

#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_EQ(a, b)                                                                          \
        do {                                                                                     \
                long long _a = (long long) (a), _b = (long long) (b);                            \
                if (_a != _b) {                                                                  \
                        tests_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, _a, _b); \
                        return;                                                                  \
                }                                                                                \
        } while (0)

#define ASSERT_UEQ(a, b)                                                                                \
        do {                                                                                            \
                unsigned long long _a = (unsigned long long) (a), _b = (unsigned long long) (b);        \
                if (_a != _b) {                                                                         \
                        tests_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, _a, _b);       \
                        return;                                                                         \
                }                                                                                       \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                     \
        do {                                                                                   \
                const char *_a = (a), *_b = (b);                                               \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                       \
                        tests_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,   \
                                   _a ? _a : "(null)", _b ? _b : "(null)");                   \
                        return;                                                                \
                }                                                                              \
        } while (0)

#define ASSERT_OK(expr)                                                                          \
        do {                                                                                     \
                long long _r = (long long) (expr);                                               \
                if (_r < 0) {                                                                    \
                        tests_fail(__FILE__, __LINE__, "%s failed: %lld (%s)", #expr, _r,        \
                                   strerror((int) -_r));                                         \
                        return;                                                                  \
                }                                                                                \
        } while (0)

#define ASSERT_ERRNO(expr, e)                                                                     \
        do {                                                                                      \
                long long _r = (long long) (expr);                                                \
                if (_r != -(long long) (e)) {                                                     \
                        tests_fail(__FILE__, __LINE__, "%s: expected -%s, got %lld", #expr, #e, _r); \
                        return;                                                                   \
                }                                                                                 \
        } while (0)

#define SKIP(why)                       \
        do {                            \
                tests_skip(why);        \
                return;                 \
        } while (0)
