/* SPDX-License-Identifier: MIT */
#include "config.h"

/* rpc/status.c: the cr_error → gRPC status mapping and what clients read. */

#include <errno.h>
#include <string.h>

#include "error.h"
#include "rpc/status.h"
#include "tests.h"

static enum cr_rpc_status map(enum cr_error_kind kind, int errnum)
{
        struct cr_error e = { .errnum = errnum, .kind = kind, .msg = (char *) "x" };

        return cr_rpc_status_from_error(&e);
}

TEST(status_by_kind)
{
        ASSERT_EQ(cr_rpc_status_from_error(NULL), CR_RPC_STATUS_OK);
        ASSERT_EQ(map(CR_ERROR_INVALID, EIO), CR_RPC_STATUS_INVALID_ARGUMENT);
        ASSERT_EQ(map(CR_ERROR_LIMIT, 0), CR_RPC_STATUS_RESOURCE_EXHAUSTED);
        ASSERT_EQ(map(CR_ERROR_NOT_FOUND, 0), CR_RPC_STATUS_NOT_FOUND);
        ASSERT_EQ(map(CR_ERROR_UNAVAILABLE, EINVAL), CR_RPC_STATUS_UNAVAILABLE);
        ASSERT_EQ(map(CR_ERROR_CANCELLED, 0), CR_RPC_STATUS_CANCELLED);
        ASSERT_EQ(map(CR_ERROR_TIMEOUT, 0), CR_RPC_STATUS_DEADLINE_EXCEEDED);
}

TEST(status_internal_by_errno)
{
        ASSERT_EQ(map(CR_ERROR_INTERNAL, EINVAL), CR_RPC_STATUS_INVALID_ARGUMENT);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, ENOSPC), CR_RPC_STATUS_RESOURCE_EXHAUSTED);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, EAGAIN), CR_RPC_STATUS_RESOURCE_EXHAUSTED);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, ENOMEM), CR_RPC_STATUS_RESOURCE_EXHAUSTED);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, ETIMEDOUT), CR_RPC_STATUS_DEADLINE_EXCEEDED);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, ECANCELED), CR_RPC_STATUS_CANCELLED);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, ENOENT), CR_RPC_STATUS_NOT_FOUND);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, EIO), CR_RPC_STATUS_INTERNAL);
        ASSERT_EQ(map(CR_ERROR_INTERNAL, 0), CR_RPC_STATUS_INTERNAL);
        ASSERT_EQ(map((enum cr_error_kind) 99, EPERM), CR_RPC_STATUS_INTERNAL);
}

static const char *message(enum cr_error_kind kind, int errnum, const char *msg, char *buf, size_t size)
{
        struct cr_error e = { .errnum = errnum, .kind = kind, .msg = (char *) msg };

        cr_rpc_status_message(&e, cr_rpc_status_from_error(&e), buf, size);
        return buf;
}

TEST(message_redacts_paths)
{
        char buf[CR_RPC_STATUS_MESSAGE_MAX + 1];

        ASSERT_STREQ(message(CR_ERROR_INVALID, 0, "file '/etc/passwd' not allowed", buf, sizeof(buf)),
                     "file '<path>' not allowed");
        ASSERT_STREQ(message(CR_ERROR_NOT_FOUND, 0, "/a/b: c (/d/e)", buf, sizeof(buf)), "<path>: c (<path>)");
        ASSERT_STREQ(message(CR_ERROR_INVALID, 0, "ratio 1/2 ok", buf, sizeof(buf)), "ratio 1/2 ok");
        ASSERT_STREQ(message(CR_ERROR_LIMIT, 0, "line\nbreak\ttab\x7f", buf, sizeof(buf)), "linebreaktab");
}

TEST(message_fixed_for_host_errors)
{
        char buf[64];

        ASSERT_STREQ(message(CR_ERROR_INTERNAL, EIO, "mount /srv failed", buf, sizeof(buf)), "internal error");
        ASSERT_STREQ(message(CR_ERROR_UNAVAILABLE, 0, "/var/lib down", buf, sizeof(buf)), "service unavailable");
        ASSERT_STREQ(message(CR_ERROR_TIMEOUT, 0, "x", buf, sizeof(buf)), "deadline exceeded");
        ASSERT_STREQ(message(CR_ERROR_CANCELLED, 0, "x", buf, sizeof(buf)), "cancelled");
}

TEST(message_bounded)
{
        char big[4096], buf[CR_RPC_STATUS_MESSAGE_MAX + 100], small[8];

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ASSERT_UEQ(strlen(message(CR_ERROR_INVALID, 0, big, buf, sizeof(buf))), CR_RPC_STATUS_MESSAGE_MAX);
        ASSERT_STREQ(message(CR_ERROR_INVALID, 0, "/x/y/z", small, sizeof(small)), "<path>");
        ASSERT_STREQ(message(CR_ERROR_INVALID, 0, "ab /x", small, sizeof(small)), "ab <pat");
        ASSERT_STREQ(message(CR_ERROR_INTERNAL, EIO, "x", small, sizeof(small)), "interna");
}

TEST(status_names)
{
        ASSERT_STREQ(cr_rpc_status_to_string(CR_RPC_STATUS_OK), "OK");
        ASSERT_STREQ(cr_rpc_status_to_string(CR_RPC_STATUS_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
        ASSERT_STREQ(cr_rpc_status_to_string(16), "UNAUTHENTICATED");
        ASSERT_STREQ(cr_rpc_status_to_string(17), "UNKNOWN_STATUS");
        ASSERT_STREQ(cr_rpc_status_to_string(-1), "UNKNOWN_STATUS");
}

TESTS_MAIN
