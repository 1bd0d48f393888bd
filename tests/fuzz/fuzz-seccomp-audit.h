/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "sandbox/seccomp.h"

/* Everything `coderunner seccomp` does with a profile that parsed: the table,
 * one syscall's explanation, the OCI export read back and diffed against the
 * original, compilation and the evaluator on a few calls. Shared by the text
 * and the JSON fuzz targets. */
static inline void fuzz_audit_profile(const struct cr_seccomp_profile *p)
{
        static const int nrs[] = {0, 56, 101, 165, 435, 1000, 0x40000000};
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *back = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL,
                                        *e6 = NULL;
        _cleanup_buf_ struct cr_buf table = CR_BUF_INIT(1 << 22), one = CR_BUF_INIT(1 << 16);
        _cleanup_buf_ struct cr_buf json = CR_BUF_INIT(1 << 22), diff = CR_BUF_INIT(1 << 22);
        bool differ;

        (void)cr_seccomp_profile_explain_table(p, &table, &e1);
        (void)cr_seccomp_profile_explain(p, "clone", &one, &e2);
        if (cr_seccomp_export_oci(p, &json, &e3) >= 0 &&
            cr_seccomp_profile_parse(json.data, json.len, "export", &back, &e4) >= 0)
                (void)cr_seccomp_profile_diff(p, back, &diff, &differ, &e5);
        if (cr_seccomp_compile(p, &prog, &e6) < 0)
                return;
        for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
                _cleanup_error_ struct cr_error *e = NULL;
                struct cr_seccomp_call call = {.nr = nrs[i], .args = {0x7e020000, 16, 0}};
                uint32_t action;

                (void)cr_seccomp_program_evaluate(&prog, &call, &action, &e);
        }
}
