/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

/* Strict number parsers: whole string, no sign for unsigned, no whitespace,
 * overflow is -ERANGE, anything else malformed is -EINVAL. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atoi64(const char *s, int64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
/* Decimal, or hexadecimal with a 0x prefix. */
int safe_atou64_auto(const char *s, uint64_t *ret);

/* "256M", "1G", "4096", "64k" (binary multiples) → bytes. */
int parse_size(const char *s, uint64_t *ret);
/* "2", "1.5", "0.25", "500ms" → milliseconds. Plain numbers are seconds. */
int parse_seconds_ms(const char *s, uint64_t *ret_ms);
