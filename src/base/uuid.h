/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#define CR_UUID_STRING_LEN 36 /* canonical 8-4-4-4-12 text form */

/* A random (version 4) UUID in lower-case canonical form, from getrandom(2).
 * Returns 0 or -errno; never falls back to a weak source. */
int cr_uuid_v4(char ret[static CR_UUID_STRING_LEN + 1]);
/* Canonical 8-4-4-4-12 hex form, any case (what the original service's
 * github.com/google/uuid clients send). */
bool cr_uuid_is_valid(const char *s);
