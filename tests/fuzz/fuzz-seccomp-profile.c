/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz-seccomp-audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses the input as a profile (either format, detected by content), and
 * if it parsed, runs every audit view on it. Everything is freed, so the
 * leak checker sees any leak. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        if (cr_seccomp_profile_parse((const char *)data, size, "fuzz", &p, &err) < 0)
                return 0;
        fuzz_audit_profile(p);
        return 0;
}
