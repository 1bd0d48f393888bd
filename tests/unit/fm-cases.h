/* SPDX-License-Identifier: MIT */
#pragma once

/* Table-driven detection checks shared by the test-judge-<language>.c files. */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fm-helpers.h"
#include "tests.h"

struct fm_detect_case {
        const char *code, *wanted;
        const char *name;    /* NULL: detection fails with `error` in its message */
        const char *owner;   /* NULL: a free function */
        int n_params;        /* -1: do not check */
        const char *error;
};

#define ASSERT_CONTAINS(hay, needle)                                                  \
        do {                                                                          \
                const char *h_ = (hay);                                               \
                if (!h_ || !strstr(h_, needle)) {                                     \
                        tests_fail(__FILE__, __LINE__, "\"%s\" not in \"%s\"", needle, \
                                   h_ ? h_ : "(null)");                               \
                        return;                                                       \
                }                                                                     \
        } while (0)

static inline void fm_check_detect(const char *lang, const struct fm_detect_case *cases, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct fm_detect_case *c = &cases[i];
                _cleanup_free_ char *error = NULL;
                struct cr_fm_sig sig;
                bool ok = fm_detect(lang, c->code, c->wanted, &sig, &error);

                printf("# %s case %zu: %s\n", lang, i, ok ? sig.name : error);
                if (!c->name) {
                        ASSERT_FALSE(ok);
                        ASSERT_CONTAINS(error, c->error);
                        continue;
                }
                ASSERT_TRUE(ok);
                ASSERT_STREQ(sig.name, c->name);
                if (c->owner)
                        ASSERT_STREQ(sig.owner, c->owner);
                else
                        ASSERT_TRUE(sig.owner == NULL);
                if (c->n_params >= 0)
                        ASSERT_UEQ(sig.n_params, (size_t) c->n_params);
                cr_fm_sig_done(&sig);
        }
}
