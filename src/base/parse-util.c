/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "parse-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int safe_atou64(const char *s, uint64_t *ret)
{
        unsigned long long v;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atoi64(const char *s, int64_t *ret)
{
        long long v;
        char *end;

        if (!s || !(isdigit((unsigned char) s[0]) || (s[0] == '-' && isdigit((unsigned char) s[1]))))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou64_auto(const char *s, uint64_t *ret)
{
        unsigned long long v;
        char *end;

        if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
                return safe_atou64(s, ret);
        if (!isxdigit((unsigned char) s[2]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s + 2, &end, 16);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || *end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret)
{
        uint64_t v;
        int r = safe_atou64(s, &v);

        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = { { 'K', 10 }, { 'k', 10 }, { 'M', 20 }, { 'm', 20 }, { 'G', 30 }, { 'g', 30 } };
        char digits[32];
        size_t n = s ? strlen(s) : 0;
        unsigned shift = 0;
        uint64_t v;
        int r;

        if (n == 0 || n >= sizeof(digits))
                return -EINVAL;
        memcpy(digits, s, n + 1);
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (digits[n - 1] == units[i].suffix) {
                        shift = units[i].shift;
                        digits[--n] = 0;
                        break;
                }
        if (n > 0 && (digits[n - 1] == 'B' || digits[n - 1] == 'b') && shift == 0)
                digits[--n] = 0;
        r = safe_atou64(digits, &v);
        if (r < 0)
                return r;
        if (shift && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = v << shift;
        return 0;
}

int parse_seconds_ms(const char *s, uint64_t *ret_ms)
{
        char buf[32];
        size_t n = s ? strlen(s) : 0;
        uint64_t whole = 0, frac = 0, scale = 1000;
        const char *dot;
        int r;

        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n + 1);
        if (n > 2 && strcmp(buf + n - 2, "ms") == 0) {
                buf[n - 2] = 0;
                return safe_atou64(buf, ret_ms);
        }
        if (buf[n - 1] == 's')
                buf[--n] = 0;
        dot = strchr(buf, '.');
        if (dot) {
                const char *f = dot + 1;
                if (*f == 0 || strlen(f) > 3)
                        return -EINVAL;
                for (; *f; f++) {
                        if (!isdigit((unsigned char) *f))
                                return -EINVAL;
                        scale /= 10;
                        frac += (uint64_t) (*f - '0') * scale;
                }
                buf[dot - buf] = 0;
        }
        r = safe_atou64(buf, &whole);
        if (r < 0)
                return r;
        if (whole > UINT64_MAX / 1000 - 1)
                return -ERANGE;
        *ret_ms = whole * 1000 + frac;
        return 0;
}
