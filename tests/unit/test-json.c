/* SPDX-License-Identifier: MIT */
/* The JSON writer: output, escaping, bounds, misuse. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "buf.h"
#include "json/json.h"
#include "tests.h"

TEST(writer_nested_document)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "a", "x");
        cr_json_field_int(&w, "n", -5);
        cr_json_field_uint(&w, "u", 18446744073709551615ULL);
        cr_json_field_bool(&w, "t", true);
        cr_json_key(&w, "list");
        cr_json_array_begin(&w);
        cr_json_int(&w, 1);
        cr_json_null(&w);
        cr_json_object_begin(&w);
        cr_json_object_end(&w);
        cr_json_array_begin(&w);
        cr_json_array_end(&w);
        cr_json_array_end(&w);
        cr_json_key(&w, "raw");
        cr_json_raw(&w, "{\"k\":1}", 7);
        cr_json_object_end(&w);
        ASSERT_OK(cr_json_writer_finish(&w));
        ASSERT_STREQ(b.data, "{\"a\":\"x\",\"n\":-5,\"u\":18446744073709551615,\"t\":true,"
                             "\"list\":[1,null,{},[]],\"raw\":{\"k\":1}}");
}

TEST(writer_escapes_and_replaces_invalid_utf8)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;
        const char s[] = "q\"b\\n\n\t\x01\xff\xc3\xa9";

        cr_json_writer_init(&w, &b);
        cr_json_string_n(&w, s, sizeof(s) - 1);
        ASSERT_OK(cr_json_writer_finish(&w));
        ASSERT_STREQ(b.data, "\"q\\\"b\\\\n\\n\\t\\u0001\\ufffd\xc3\xa9\"");
}

TEST(writer_key_needed_inside_object)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        cr_json_object_begin(&w);
        cr_json_int(&w, 1);
        ASSERT_ERRNO(cr_json_writer_finish(&w), EINVAL);
}

TEST(writer_key_outside_object_and_unclosed)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        cr_json_array_begin(&w);
        cr_json_key(&w, "k");
        ASSERT_ERRNO(cr_json_writer_finish(&w), EINVAL);

        b.len = 0;
        cr_json_writer_init(&w, &b);
        cr_json_array_begin(&w);
        ASSERT_ERRNO(cr_json_writer_finish(&w), EINVAL);

        b.len = 0;
        cr_json_writer_init(&w, &b);
        cr_json_object_begin(&w);
        cr_json_array_end(&w);
        ASSERT_ERRNO(cr_json_writer_finish(&w), EINVAL);

        /* a document is one value */
        b.len = 0;
        cr_json_writer_init(&w, &b);
        cr_json_int(&w, 1);
        cr_json_int(&w, 2);
        ASSERT_ERRNO(cr_json_writer_finish(&w), EINVAL);
}

TEST(writer_bounded_and_sticky)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(16);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        cr_json_array_begin(&w);
        for (int i = 0; i < 100; i++)
                cr_json_string(&w, "abcdef");
        cr_json_array_end(&w);
        ASSERT_ERRNO(cr_json_writer_finish(&w), ENOSPC);
        ASSERT_TRUE(b.len <= 16);
}

TEST(writer_depth_limit)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        for (int i = 0; i < CR_JSON_MAX_DEPTH + 2; i++)
                cr_json_array_begin(&w);
        ASSERT_ERRNO(cr_json_writer_finish(&w), E2BIG);
}

TEST(writer_doubles_shortest_and_finite)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;

        cr_json_writer_init(&w, &b);
        cr_json_array_begin(&w);
        cr_json_double(&w, 12.5);
        cr_json_double(&w, 0.1);
        cr_json_double(&w, 3);
        cr_json_double(&w, 1.0 / 3.0);
        cr_json_array_end(&w);
        ASSERT_OK(cr_json_writer_finish(&w));
        ASSERT_STREQ(b.data, "[12.5,0.1,3,0.3333333333333333]");

        b.len = 0;
        cr_json_writer_init(&w, &b);
        cr_json_double(&w, NAN);
        ASSERT_ERRNO(cr_json_writer_finish(&w), EINVAL);
}

TEST(format_time_like_go)
{
        char t[40];

        cr_json_format_time(1763316000123456ULL, t);
        ASSERT_STREQ(t, "2025-11-16T18:00:00.123456Z");
        cr_json_format_time(1763316000120000ULL, t);
        ASSERT_STREQ(t, "2025-11-16T18:00:00.12Z");
        cr_json_format_time(1763316000000000ULL, t);
        ASSERT_STREQ(t, "2025-11-16T18:00:00Z");
}

TESTS_MAIN
