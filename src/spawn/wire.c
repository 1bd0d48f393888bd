/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "xalloc.h"

int cr_wire_write(int fd, const ProtobufCMessage *msg, struct cr_error **err)
{
        size_t n = protobuf_c_message_get_packed_size(msg);
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        if (n > UINT32_MAX - 4)
                return cr_error_make(err, EMSGSIZE, CR_ERROR_LIMIT, "executor message too large");
        buf = xmalloc(n + 4);
        buf[0] = (uint8_t) n;
        buf[1] = (uint8_t) (n >> 8);
        buf[2] = (uint8_t) (n >> 16);
        buf[3] = (uint8_t) (n >> 24);
        protobuf_c_message_pack(msg, buf + 4);
        r = loop_write(fd, buf, n + 4);
        return r < 0 ? cr_error_set(err, r, CR_ERROR_UNAVAILABLE, "write to executor channel") : 0;
}

int cr_wire_read(int fd, size_t max, uint8_t **ret, size_t *ret_len, struct cr_error **err)
{
        uint8_t hdr[4];
        _cleanup_free_ uint8_t *buf = NULL;
        ssize_t k = loop_read(fd, hdr, sizeof(hdr));
        size_t n;

        if (k < 0)
                return cr_error_set(err, (int) -k, CR_ERROR_UNAVAILABLE, "read executor channel");
        if (k == 0) {
                *ret = NULL;
                *ret_len = 0;
                return 0;
        }
        if (k != sizeof(hdr))
                return cr_error_make(err, EPROTO, CR_ERROR_UNAVAILABLE, "executor channel closed mid-frame");
        n = (size_t) hdr[0] | (size_t) hdr[1] << 8 | (size_t) hdr[2] << 16 | (size_t) hdr[3] << 24;
        if (n == 0 || n > max)
                return cr_error_make(err, EMSGSIZE, CR_ERROR_LIMIT, "executor frame of %zu bytes", n);
        buf = malloc(n);
        if (!buf)
                return cr_error_set(err, ENOMEM, CR_ERROR_INTERNAL, "executor frame");
        k = loop_read(fd, buf, n);
        if (k < 0 || (size_t) k != n)
                return cr_error_set(err, k < 0 ? (int) -k : EPROTO, CR_ERROR_UNAVAILABLE,
                                    "executor channel closed mid-frame");
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}
