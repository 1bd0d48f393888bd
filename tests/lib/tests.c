/* SPDX-License-Identifier: MIT */
#include "tests.h"

#include <stdarg.h>

#define MAX_TESTS 512

static struct test_case cases[MAX_TESTS];
static int n_cases;
int tests_current_failed;
int tests_current_skipped;
static char skip_reason[256];

void tests_register(const char *name, void (*fn)(void))
{
        if (n_cases >= MAX_TESTS) {
                fprintf(stderr, "too many tests\n");
                abort();
        }
        cases[n_cases].name = name;
        cases[n_cases].fn = fn;
        n_cases++;
}

void tests_fail(const char *file, int line, const char *fmt, ...)
{
        va_list ap;

        printf("# %s:%d: ", file, line);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        tests_current_failed = 1;
}

void tests_skip(const char *why)
{
        snprintf(skip_reason, sizeof(skip_reason), "%s", why);
        tests_current_skipped = 1;
}

int tests_run_all(void)
{
        int failed = 0, skipped = 0;

        setvbuf(stdout, NULL, _IONBF, 0);
        printf("1..%d\n", n_cases);
        for (int i = 0; i < n_cases; i++) {
                tests_current_failed = tests_current_skipped = 0;
                cases[i].fn();
                if (tests_current_failed) {
                        failed++;
                        printf("not ok %d - %s\n", i + 1, cases[i].name);
                } else if (tests_current_skipped) {
                        skipped++;
                        printf("ok %d - %s # SKIP %s\n", i + 1, cases[i].name, skip_reason);
                } else
                        printf("ok %d - %s\n", i + 1, cases[i].name);
        }
        /* TAP reports skips itself; tap-driver treats exit 77 as an error. */
        printf("# %d passed, %d failed, %d skipped\n", n_cases - failed - skipped, failed, skipped);
        return failed ? 1 : 0;
}
