/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int cr_uuid_v4(char ret[static CR_UUID_STRING_LEN + 1])
{
        uint8_t b[16];
        size_t got = 0;

        while (got < sizeof(b)) {
                ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                got += (size_t) n;
        }
        b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        snprintf(ret, CR_UUID_STRING_LEN + 1,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                 b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
        return 0;
}

bool cr_uuid_is_valid(const char *s)
{
        if (!s || strlen(s) != CR_UUID_STRING_LEN)
                return false;
        for (int i = 0; i < CR_UUID_STRING_LEN; i++) {
                bool want_dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (want_dash ? s[i] != '-' : !isxdigit((unsigned char) s[i]))
                        return false;
        }
        return true;
}
