/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-seccomp-audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Docker/OCI seccomp JSON: the input is always read as JSON (a leading '{' is
 * supplied when the mutator dropped it), and whatever parsed goes through
 * every audit view. The corpus holds Docker's and Podman's own profiles. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *p = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        _cleanup_free_ char *text = NULL;

        if (size == 0 || size > 256 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        text[0] = '{';
        memcpy(text + 1, data, size);
        /* data that already starts with a brace is fed unchanged */
        if (data[0] == '{' ? cr_seccomp_profile_parse((const char *)data, size, "fuzz", &p, &err) < 0
                           : cr_seccomp_profile_parse(text, size + 1, "fuzz", &p, &err) < 0)
                return 0;
        fuzz_audit_profile(p);
        return 0;
}
