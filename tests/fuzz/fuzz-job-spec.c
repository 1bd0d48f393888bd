/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "jobspec/jobspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The store's job descriptions and outcomes are data another instance (or
 * anyone with write access to the database) wrote: decoding them must never
 * crash, and what decodes must re-encode to something that decodes the same. */

static void spec_invariants(const struct cr_job_spec *s)
{
        _cleanup_free_ uint8_t *buf = NULL;
        struct cr_job_spec *again = NULL;
        struct cr_error *err = NULL;
        size_t n;

        if (s->n_tests == 0 || s->origin.service <= 0 || s->origin.service >= _CR_JOB_SERVICE_MAX)
                abort();
        for (size_t i = 0; i < s->n_tests; i++)
                for (size_t k = 0; k < s->tests[i].n_args; k++)
                        if (!s->tests[i].args[k])
                                abort();
        if (cr_job_spec_encode(s, &buf, &n, &err) < 0 || cr_job_spec_decode(buf, n, &again, &err) < 0)
                abort();
        if (again->n_tests != s->n_tests || again->code_len != s->code_len ||
            memcmp(&again->run_limits, &s->run_limits, sizeof(s->run_limits)) != 0)
                abort();
        cr_job_spec_free(again);
        cr_error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cr_job_spec *s = NULL;
        struct cr_job_outcome *o = NULL;
        struct cr_error *err = NULL;

        if (cr_job_spec_decode(data, size, &s, &err) >= 0)
                spec_invariants(s);
        err = cr_error_free(err);
        if (cr_job_outcome_decode(data, size, &o, &err) >= 0) {
                uint8_t *buf = NULL;
                size_t n;
                if (cr_job_outcome_encode(o, 4096, &buf, &n, &err) < 0)
                        abort();
                free(buf);
        }
        cr_job_spec_free(s);
        cr_job_outcome_free(o);
        cr_error_free(err);
        return 0;
}
