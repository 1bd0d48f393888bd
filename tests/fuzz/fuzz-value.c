/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "judge/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Function mode's literal syntax (judge/value.c): every input is parsed as a
 * test's `input`, as one `expected_output` and as a harness's result (where
 * NaN, Infinity and -Infinity are floats). Invariants:
 *   - a failure always says where ("position N: ...") and leaves nothing;
 *   - a parsed value matches itself, and its canonical form parses back to
 *     a value that matches it both ways (exactly: tolerance 1e-300);
 *   - a cut form is never longer than its bound plus "...". */

typedef int parse_fn(const char *s, size_t len, struct cr_value *ret, struct cr_error **err);

static void check_round_trip(const struct cr_value *v, parse_fn *parse)
{
        _cleanup_buf_ struct cr_buf text = CR_BUF_INIT(64U << 20), cut = CR_BUF_INIT(64U << 20);
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_value back = {};

        if (!cr_value_matches(v, v, 0, NULL))
                abort();
        if (cr_value_format(v, &text, 0) < 0 || !text.data)
                abort();
        if (parse(text.data, text.len, &back, &err) < 0)
                abort();
        if (!cr_value_matches(v, &back, 1e-300, NULL) || !cr_value_matches(&back, v, 1e-300, NULL))
                abort();
        cr_value_done(&back);
        if (cr_value_format(v, &cut, 16) < 0 || cut.len > 16 + 3)
                abort();
}

static void check_failure(int r, const struct cr_error *err, const struct cr_value *v)
{
        if (r >= 0)
                return;
        if (!err || strncmp(err->msg, "position ", 9) != 0 || err->kind != CR_ERROR_INVALID)
                abort();
        if (v->kind != CR_VALUE_NULL || v->items || v->s)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *err = NULL, *err2 = NULL, *err3 = NULL;
        struct cr_value args = {}, one = {}, result = {};
        int r;

        if (size > 64 * 1024)
                return 0;
        r = cr_value_parse_args((const char *) data, size, &args, &err);
        check_failure(r, err, &args);
        if (r >= 0) {
                if (args.kind != CR_VALUE_ARRAY)
                        abort();
                for (size_t k = 0; k < args.n; k++)
                        check_round_trip(&args.items[k], cr_value_parse_one);
                check_round_trip(&args, cr_value_parse_one);
        }
        r = cr_value_parse_one((const char *) data, size, &one, &err2);
        check_failure(r, err2, &one);
        if (r >= 0)
                check_round_trip(&one, cr_value_parse_one);
        cr_value_done(&one);
        r = cr_value_parse_result((const char *) data, size, &result, &err3);
        check_failure(r, err3, &result);
        if (r >= 0)
                check_round_trip(&result, cr_value_parse_result);
        cr_value_done(&args);
        cr_value_done(&result);
        return 0;
}
