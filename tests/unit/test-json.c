/* SPDX-License-Identifier: MIT */
/* JSON in one place: the writer (output, escaping, bounds, misuse, the
 * pretty layout) and the reader (bounds, typed getters, errors by path). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
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

/* json-c's JSON_C_TO_STRING_PRETTY layout, as json-c 0.16 printed this very
 * document (image.json and exported seccomp profiles were written by it). */
TEST(writer_pretty_matches_json_c)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(4096);
        struct cr_json_writer w;

        for (int spaced = 0; spaced <= 1; spaced++) {
                b.len = 0;
                cr_json_writer_init_ext(&w, &b, CR_JSON_PRETTY | (spaced ? CR_JSON_SPACED : 0));
                cr_json_object_begin(&w);
                cr_json_field_int(&w, "x", 1);
                cr_json_key(&w, "e");
                cr_json_object_begin(&w);
                cr_json_object_end(&w);
                cr_json_key(&w, "a");
                cr_json_array_begin(&w);
                cr_json_string(&w, "a/b");
                cr_json_object_begin(&w);
                cr_json_field_uint(&w, "k", 18446744073709551615ULL);
                cr_json_object_end(&w);
                cr_json_array_end(&w);
                cr_json_key(&w, "ea");
                cr_json_array_begin(&w);
                cr_json_array_end(&w);
                cr_json_key(&w, "a2");
                cr_json_array_begin(&w);
                cr_json_object_begin(&w);
                cr_json_object_end(&w);
                cr_json_array_begin(&w);
                cr_json_array_end(&w);
                cr_json_array_end(&w);
                cr_json_object_end(&w);
                ASSERT_OK(cr_json_writer_finish(&w));
                ASSERT_STREQ(b.data, spaced ? "{\n  \"x\": 1,\n  \"e\": {\n  },\n  \"a\": [\n    \"a/b\",\n    {\n"
                                              "      \"k\": 18446744073709551615\n    }\n  ],\n  \"ea\": [\n  ],\n"
                                              "  \"a2\": [\n    {\n    },\n    [\n    ]\n  ]\n}"
                                            : "{\n  \"x\":1,\n  \"e\":{\n  },\n  \"a\":[\n    \"a/b\",\n    {\n"
                                              "      \"k\":18446744073709551615\n    }\n  ],\n  \"ea\":[\n  ],\n"
                                              "  \"a2\":[\n    {\n    },\n    [\n    ]\n  ]\n}");
        }
        b.len = 0;
        cr_json_writer_init_ext(&w, &b, CR_JSON_PRETTY);
        cr_json_object_begin(&w);
        cr_json_object_end(&w);
        ASSERT_OK(cr_json_writer_finish(&w));
        ASSERT_STREQ(b.data, "{\n}");
}

static struct cr_json *parse_ok(const char *text)
{
        struct cr_json *root = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        if (cr_json_parse(text, strlen(text), 4096, 8, &root, &err) < 0)
                return NULL;
        return root;
}

static void assert_parse_fails(const char *text, size_t len, size_t max, unsigned depth, int errnum,
                               const char *msg)
{
        struct cr_json *root = NULL;
        _cleanup_error_ struct cr_error *err = NULL;

        ASSERT_ERRNO(cr_json_parse(text, len, max, depth, &root, &err), errnum);
        ASSERT_TRUE(root == NULL);
        ASSERT_TRUE(err && strstr(err->msg, msg));
}

TEST(reader_parses_whole_text_within_bounds)
{
        _cleanup_(cr_json_freep) struct cr_json *root = parse_ok(" {\"a\": [1, 2]}\n\t");

        ASSERT_TRUE(root != NULL);
        ASSERT_EQ(cr_json_type(root), CR_JSON_OBJECT);
        ASSERT_UEQ(cr_json_array_len(cr_json_member(root, "a")), 2);
        assert_parse_fails("{\"a\":1}", 7, 6, 8, EFBIG, "larger than 6 bytes");
        assert_parse_fails("{\"a\":\"x\0y\"}", 11, 64, 8, EINVAL, "contains a NUL byte");
        assert_parse_fails("{\"a\":1} x", 9, 64, 8, EINVAL, "trailing data after the JSON value");
        assert_parse_fails("{\"a\":", 5, 64, 8, EINVAL, "invalid JSON: unexpected end of input");
        assert_parse_fails("[[[[1]]]]", 9, 64, 3, EINVAL, "invalid JSON: nesting too deep");
        assert_parse_fails("{\"a\" 1}", 7, 64, 8, EINVAL, "invalid JSON");
}

/* What the reader takes, the writer writes back unchanged: no invalid UTF-8
 * gets in to be replaced by U+FFFD on the way out. */
TEST(reader_refuses_invalid_utf8)
{
        _cleanup_(cr_json_freep) struct cr_json *root = parse_ok("{\"a\": \"caf\xc3\xa9 \xe2\x82\xac\"}");

        ASSERT_TRUE(root != NULL);
        assert_parse_fails("{\"a\": \"2\x90\x90\"}", 12, 64, 8, EINVAL, "invalid JSON");
        assert_parse_fails("{\"a\": \"\xff\"}", 10, 64, 8, EINVAL, "invalid JSON");
        assert_parse_fails("{\"a\": \"\xc3\"}", 10, 64, 8, EINVAL, "invalid JSON");
}

/* What json-c's own check lets through, the string getters refuse: an
 * overlong form, a lead byte past U+10FFFF. (A lone \ud800 escape json-c
 * reads as U+FFFD, which the writer writes back as it is.) */
TEST(string_getters_want_the_writers_utf8)
{
        static const char *const texts[] = {
                "{\"s\": \"\xf0\x89\x9e\x8d\"}", /* overlong 4-byte form */
                "{\"s\": \"\xf5\x89\x9a\x8d\"}", /* past U+10FFFF */
        };
        const char *s = NULL;

        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                _cleanup_(cr_json_freep) struct cr_json *root = parse_ok(texts[i]);
                _cleanup_error_ struct cr_error *err = NULL;

                ASSERT_TRUE(root != NULL);
                ASSERT_TRUE(cr_json_as_string_clean(cr_json_member(root, "s"), 64) == NULL);
                ASSERT_TRUE(cr_json_get_string(root, "", "s", 0, 64, &s, &err) < 0);
                ASSERT_TRUE(err && strstr(err->msg, "is not UTF-8"));
        }
        ASSERT_TRUE(cr_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10));
        ASSERT_TRUE(!cr_utf8_valid("\xed\xa0\x80", 3));
}

TEST(reader_prefix_reports_end_and_strictness)
{
        const char *why = NULL;
        size_t end = 0;
        struct cr_json *root = cr_json_parse_prefix("[1][2]", 6, 4, 0, &end, &why);

        ASSERT_TRUE(root && !why);
        ASSERT_UEQ(end, 3);
        cr_json_free(root);
        /* json-c alone takes a trailing comma; strict mode does not */
        root = cr_json_parse_prefix("[1,]", 4, 4, 0, &end, &why);
        ASSERT_TRUE(root != NULL);
        cr_json_free(root);
        ASSERT_TRUE(cr_json_parse_prefix("[1,]", 4, 4, CR_JSON_STRICT, &end, &why) == NULL);
        ASSERT_TRUE(why && why[0]);
        ASSERT_TRUE(cr_json_parse_prefix("[1", 2, 4, CR_JSON_STRICT, &end, &why) == NULL);
        ASSERT_STREQ(why, "unexpected end of input");
}

TEST(reader_typed_values)
{
        _cleanup_(cr_json_freep) struct cr_json *root = parse_ok(
                "{\"s\":\"x\\u0000y\",\"big\":18446744073709551615,\"neg\":-3,\"f\":1.5,\"t\":true,\"n\":null}");
        int64_t i;
        uint64_t u;
        size_t n;
        bool t;

        ASSERT_TRUE(root != NULL);
        ASSERT_TRUE(cr_json_as_string(cr_json_member(root, "s"), &n) != NULL);
        ASSERT_UEQ(n, 3);
        ASSERT_TRUE(cr_json_as_string_clean(cr_json_member(root, "s"), 64) == NULL); /* NUL inside */
        ASSERT_OK(cr_json_as_uint64(cr_json_member(root, "big"), &u));
        ASSERT_UEQ(u, 18446744073709551615ULL);
        ASSERT_ERRNO(cr_json_as_int64(cr_json_member(root, "big"), &i), ERANGE);
        ASSERT_ERRNO(cr_json_as_uint64(cr_json_member(root, "neg"), &u), EINVAL);
        ASSERT_OK(cr_json_as_int64(cr_json_member(root, "neg"), &i));
        ASSERT_EQ(i, -3);
        ASSERT_ERRNO(cr_json_as_int64(cr_json_member(root, "f"), &i), EINVAL);
        ASSERT_EQ(cr_json_type(cr_json_member(root, "f")), CR_JSON_DOUBLE);
        ASSERT_OK(cr_json_as_bool(cr_json_member(root, "t"), &t));
        ASSERT_TRUE(t);
        /* null reads as absent, but the member is there */
        ASSERT_TRUE(cr_json_member(root, "n") == NULL);
        ASSERT_TRUE(cr_json_has_member(root, "n"));
        ASSERT_FALSE(cr_json_has_member(root, "nope"));
        ASSERT_TRUE(cr_json_member(cr_json_member(root, "s"), "x") == NULL); /* not an object */
        ASSERT_TRUE(cr_json_array_at(root, 0) == NULL);                     /* not an array */
}

TEST(reader_object_members_in_document_order)
{
        _cleanup_(cr_json_freep) struct cr_json *root = parse_ok("{\"b\":1,\"a\":2,\"c\":3}");
        struct cr_json_iter it = {};
        const struct cr_json *v;
        const char *key;
        char order[8] = "";
        size_t n = 0;

        ASSERT_UEQ(cr_json_object_len(root), 3);
        while (cr_json_object_next(root, &it, &key, &v))
                order[n++] = key[0];
        ASSERT_STREQ(order, "bac");
        ASSERT_FALSE(cr_json_object_next(root, &it, &key, &v)); /* stays at the end */
}

TEST(reader_getters_name_the_member_path)
{
        _cleanup_(cr_json_freep) struct cr_json *root =
                parse_ok("{\"d\":{\"s\":\"abc\",\"i\":-1,\"o\":[],\"a\":[1,2,3],\"b\":1}}");
        const struct cr_json *d = cr_json_member(root, "d"), *o;
        const char *s;
        uint64_t u;
        bool b;
        struct {
                int r;
                const char *msg;
        } cases[6];
        struct cr_error *errs[6] = {};

        ASSERT_TRUE(d != NULL);
        cases[0].r = cr_json_get_string(d, "d", "missing", CR_JSON_REQUIRED, 64, &s, &errs[0]);
        cases[0].msg = "'d.missing' is missing";
        cases[1].r = cr_json_get_string(d, "d", "s", 0, 2, &s, &errs[1]);
        cases[1].msg = "'d.s' has a NUL byte, is not UTF-8 or is too long";
        cases[2].r = cr_json_get_uint64(d, "d", "i", 0, &u, &errs[2]);
        cases[2].msg = "'d.i' is not a non-negative integer";
        cases[3].r = cr_json_get_object(d, "d", "o", 0, &o, &errs[3]);
        cases[3].msg = "'d.o' is not an object";
        cases[4].r = cr_json_get_array(d, "d", "a", 0, 2, &o, &errs[4]);
        cases[4].msg = "'d.a' has more than 2 elements";
        cases[5].r = cr_json_get_bool(d, "d", "b", 0, &b, &errs[5]);
        cases[5].msg = "'d.b' is not a boolean";
        for (size_t i = 0; i < 6; i++) {
                ASSERT_TRUE(cases[i].r < 0);
                ASSERT_STREQ(errs[i]->msg, cases[i].msg);
                cr_error_free(errs[i]);
        }
        /* optional and absent: no error, a NULL / 0 result */
        ASSERT_OK(cr_json_get_string(d, "d", "missing", 0, 64, &s, NULL));
        ASSERT_TRUE(s == NULL);
        ASSERT_OK(cr_json_get_string(d, "", "s", 0, 64, &s, NULL));
        ASSERT_STREQ(s, "abc");
        ASSERT_OK(cr_json_get_array(d, "d", "a", CR_JSON_REQUIRED, 3, &o, NULL));
        ASSERT_UEQ(cr_json_array_len(o), 3);
}

TESTS_MAIN
