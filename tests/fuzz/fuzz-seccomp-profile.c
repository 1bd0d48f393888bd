/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "sandbox/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses the input as a profile; compiles it and explains one syscall if it
 * parsed. Everything is freed, so the leak checker sees any leak. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_(cr_seccomp_program_done) struct cr_seccomp_program prog = {};
        _cleanup_error_ struct cr_error *err = NULL, *err2 = NULL, *err3 = NULL;
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);

        if (cr_seccomp_profile_parse((const char *)data, size, "fuzz", &p, &err) < 0)
                return 0;
        (void)cr_seccomp_profile_explain(p, "clone", &b, &err2);
        (void)cr_seccomp_compile(p, &prog, &err3);
        return 0;
}
