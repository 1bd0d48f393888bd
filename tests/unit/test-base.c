/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dlfcn-util.h"
#include "error.h"
#include "fd-util.h"
#include "fs-util.h"
#include "parse-util.h"
#include "proc-util.h"
#include "uuid.h"
#include "tests.h"

TEST(parse_size_units)
{
        uint64_t v;

        ASSERT_OK(parse_size("4096", &v));
        ASSERT_UEQ(v, 4096);
        ASSERT_OK(parse_size("64k", &v));
        ASSERT_UEQ(v, 64 * 1024);
        ASSERT_OK(parse_size("256M", &v));
        ASSERT_UEQ(v, 256ULL << 20);
        ASSERT_OK(parse_size("1G", &v));
        ASSERT_UEQ(v, 1ULL << 30);
        ASSERT_OK(parse_size("100b", &v));
        ASSERT_UEQ(v, 100);
}

TEST(parse_size_rejects_garbage)
{
        uint64_t v = 7;

        ASSERT_ERRNO(parse_size("12Q", &v), EINVAL);
        ASSERT_ERRNO(parse_size("", &v), EINVAL);
        ASSERT_ERRNO(parse_size("-1M", &v), EINVAL);
        ASSERT_ERRNO(parse_size(" 1M", &v), EINVAL);
        ASSERT_ERRNO(parse_size("M", &v), EINVAL);
        ASSERT_ERRNO(parse_size("99999999999999999999", &v), ERANGE);
        ASSERT_ERRNO(parse_size("17179869184G", &v), ERANGE);
        ASSERT_UEQ(v, 7); /* untouched on failure */
}

TEST(parse_seconds)
{
        uint64_t ms;

        ASSERT_OK(parse_seconds_ms("2", &ms));
        ASSERT_UEQ(ms, 2000);
        ASSERT_OK(parse_seconds_ms("1.5", &ms));
        ASSERT_UEQ(ms, 1500);
        ASSERT_OK(parse_seconds_ms("0.25s", &ms));
        ASSERT_UEQ(ms, 250);
        ASSERT_OK(parse_seconds_ms("500ms", &ms));
        ASSERT_UEQ(ms, 500);
        ASSERT_ERRNO(parse_seconds_ms("1.2345", &ms), EINVAL);
        ASSERT_ERRNO(parse_seconds_ms("1.", &ms), EINVAL);
        ASSERT_ERRNO(parse_seconds_ms("abc", &ms), EINVAL);
        ASSERT_ERRNO(parse_seconds_ms("-1", &ms), EINVAL);
}

TEST(safe_atou64_strict)
{
        uint64_t v;
        uint32_t w;

        ASSERT_OK(safe_atou64("18446744073709551615", &v));
        ASSERT_TRUE(v == UINT64_MAX);
        ASSERT_ERRNO(safe_atou64("18446744073709551616", &v), ERANGE);
        ASSERT_ERRNO(safe_atou64("+1", &v), EINVAL);
        ASSERT_ERRNO(safe_atou64("1 ", &v), EINVAL);
        ASSERT_ERRNO(safe_atou32("4294967296", &w), ERANGE);
}

TEST(safe_atou64_auto_takes_hex)
{
        uint64_t v;

        ASSERT_OK(safe_atou64_auto("0x7E020000", &v));
        ASSERT_UEQ(v, 0x7e020000);
        ASSERT_OK(safe_atou64_auto("0xffffffffffffffff", &v));
        ASSERT_TRUE(v == UINT64_MAX);
        ASSERT_OK(safe_atou64_auto("42", &v));
        ASSERT_UEQ(v, 42);
        ASSERT_ERRNO(safe_atou64_auto("0x", &v), EINVAL);
        ASSERT_ERRNO(safe_atou64_auto("0x-1", &v), EINVAL);
        ASSERT_ERRNO(safe_atou64_auto("0x1g", &v), EINVAL);
        ASSERT_ERRNO(safe_atou64_auto("0x10000000000000000", &v), ERANGE);
}

TEST(buf_is_bounded)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(8);

        ASSERT_OK(cr_buf_append(&b, "12345", 5));
        ASSERT_ERRNO(cr_buf_append(&b, "6789", 4), ENOSPC);
        ASSERT_UEQ(b.len, 5);
        ASSERT_UEQ(cr_buf_append_truncate(&b, "abcdef", 6), 3);
        ASSERT_UEQ(b.len, 8);
        ASSERT_STREQ(b.data, "12345abc");
        ASSERT_UEQ(cr_buf_append_truncate(&b, "x", 1), 1);
}

TEST(json_string_escapes_and_repairs_utf8)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(1024);
        static const char in[] = "a\"b\\c\n\x01\xc3\xa9\xff\xc0\xaf\xed\xa0\x80z";

        ASSERT_OK(cr_buf_append_json_string(&b, in, sizeof(in) - 1));
        ASSERT_STREQ(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffdz\"");
}

TEST(json_string_keeps_nul_bytes)
{
        _cleanup_buf_ struct cr_buf b = CR_BUF_INIT(64);

        ASSERT_OK(cr_buf_append_json_string(&b, "a\0b", 3));
        ASSERT_STREQ(b.data, "\"a\\u0000b\"");
}

TEST(error_chain)
{
        _cleanup_error_ struct cr_error *e = NULL;

        ASSERT_EQ(cr_error_set(&e, ENOENT, CR_ERROR_NOT_FOUND, "open '%s'", "x"), -ENOENT);
        ASSERT_EQ(cr_error_wrap(&e, "job %d", 7), -ENOENT);
        ASSERT_STREQ(e->msg, "job 7: open 'x': No such file or directory");
        ASSERT_EQ(e->kind, CR_ERROR_NOT_FOUND);
        /* the first error wins */
        ASSERT_EQ(cr_error_make(&e, EINVAL, CR_ERROR_INVALID, "later"), -EINVAL);
        ASSERT_EQ(e->errnum, ENOENT);
}

/* Our own errors carry an errno for classification but no strerror text. */
TEST(error_of_our_own_has_no_errno_text)
{
        _cleanup_error_ struct cr_error *e = NULL;

        ASSERT_EQ(cr_error_make(&e, ENOENT, CR_ERROR_NOT_FOUND, "unknown language '%s'", "nosuch"), -ENOENT);
        ASSERT_STREQ(e->msg, "unknown language 'nosuch'");
        ASSERT_EQ(e->errnum, ENOENT);
        ASSERT_EQ(e->kind, CR_ERROR_NOT_FOUND);
}

TEST(uuid_v4_is_random_and_canonical)
{
        char a[CR_UUID_STRING_LEN + 1], b[CR_UUID_STRING_LEN + 1];

        ASSERT_OK(cr_uuid_v4(a));
        ASSERT_OK(cr_uuid_v4(b));
        ASSERT_TRUE(strcmp(a, b) != 0);
        ASSERT_TRUE(cr_uuid_is_valid(a));
        ASSERT_TRUE(a[14] == '4');                                  /* version */
        ASSERT_TRUE(strchr("89ab", a[19]) != NULL);                 /* variant */
        ASSERT_TRUE(cr_uuid_is_valid("9F0D0B5B-0FB6-40A6-A2EB-14F2850F54AA"));
        ASSERT_FALSE(cr_uuid_is_valid("9f0d0b5b0fb640a6a2eb14f2850f54aa"));
        ASSERT_FALSE(cr_uuid_is_valid("9f0d0b5b-0fb6-40a6-a2eb-14f2850f54a"));
        ASSERT_FALSE(cr_uuid_is_valid("9f0d0b5b-0fb6-40a6-a2eb-14f2850f54ag"));
        ASSERT_FALSE(cr_uuid_is_valid(""));
        ASSERT_FALSE(cr_uuid_is_valid(NULL));
}

TEST(proc_stat_fields_after_the_comm)
{
        /* The comm is the process's choice: it may hold spaces and ')'. */
        static const char stat[] = "4242 (a) Z 1 2 (x) S 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 987654 23\n";
        const char *tok;
        size_t n;
        uint64_t v;

        ASSERT_OK(cr_proc_stat_field(stat, 3, &tok, &n));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(tok[0], 'S');
        ASSERT_OK(cr_proc_stat_u64(stat, 4, &v));
        ASSERT_EQ(v, 4);
        ASSERT_OK(cr_proc_stat_u64(stat, 22, &v));
        ASSERT_EQ(v, 987654);
        ASSERT_OK(cr_proc_stat_u64(stat, 23, &v)); /* the last one, before the newline */
        ASSERT_EQ(v, 23);
        ASSERT_ERRNO(cr_proc_stat_u64(stat, 24, &v), ENOENT);
        ASSERT_ERRNO(cr_proc_stat_u64(stat, 3, &v), EINVAL); /* not a number */
        ASSERT_ERRNO(cr_proc_stat_field(stat, 2, &tok, &n), EINVAL);
        ASSERT_ERRNO(cr_proc_stat_field("4242 no parenthesis S 1", 3, &tok, &n), EINVAL);
        ASSERT_ERRNO(cr_proc_stat_field("1 (a)  S 1", 3, &tok, &n), EINVAL); /* empty field */
        ASSERT_ERRNO(cr_proc_stat_field("1 (a) S", 4, &tok, &n), ENOENT);
        ASSERT_ERRNO(cr_proc_stat_field("1 (a)S 1", 3, &tok, &n), EINVAL);
        ASSERT_ERRNO(cr_proc_stat_field(NULL, 3, &tok, &n), EINVAL);

        /* our own, for real */
        {
                char buf[1024];
                ssize_t len = read_file_at(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf));

                ASSERT_TRUE(len > 0);
                ASSERT_OK(cr_proc_stat_u64(buf, 4, &v));
                ASSERT_EQ(v, (uint64_t) getppid());
                ASSERT_OK(cr_proc_stat_u64(buf, 51, &v)); /* env_end: Linux >= 3.5 */
                ASSERT_TRUE(v > 0);
        }
}

/* A library loaded on first use: every symbol resolved, or none and a
 * message that says which library or symbol was missing. */
TEST(dlopen_many_all_or_nothing)
{
        size_t (*sym_strlen)(const char *) = NULL;
        void *sym_missing = NULL;
        struct cr_dlsym good[] = { { (void **) &sym_strlen, "strlen" } };
        struct cr_dlsym bad[] = { { (void **) &sym_strlen, "strlen" }, { &sym_missing, "cr_no_such_symbol" } };
        struct cr_error *err = NULL;

        ASSERT_OK(cr_dlopen_many("libc.so.6", good, 1, NULL, &err));
        ASSERT_TRUE(sym_strlen != NULL);
        ASSERT_EQ(sym_strlen("four"), 4);

        ASSERT_ERRNO(cr_dlopen_many("libc.so.6", bad, 2, NULL, &err), ELIBACC);
        ASSERT_TRUE(sym_strlen == NULL && sym_missing == NULL);
        ASSERT_TRUE(err && strstr(err->msg, "lacks cr_no_such_symbol"));
        err = cr_error_free(err);

        ASSERT_ERRNO(cr_dlopen_many("libcr-no-such-library.so.0", good, 1, NULL, &err), ELIBACC);
        ASSERT_TRUE(err && strstr(err->msg, "libcr-no-such-library.so.0 could not be loaded"));
        err = cr_error_free(err);
}

static mode_t mode_of(const char *dir, const char *name)
{
        char path[512];
        struct stat st;

        (void) snprintf(path, sizeof(path), "%s/%s", dir, name);
        return lstat(path, &st) < 0 ? (mode_t) -1 : (st.st_mode & 07777);
}

static void make_file(const char *dir, const char *name, mode_t mode)
{
        char path[512];
        int fd;

        (void) snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        ASSERT_TRUE(fd >= 0);
        close(fd);
        ASSERT_OK(chmod(path, mode));
}

/* The tree is opened to others, but a symlink in it (to a file or to a
 * directory outside) is never followed: what it points to keeps its mode. */
TEST(share_tree_opens_the_tree_and_follows_no_symlink)
{
        char tree[] = "/tmp/cr-share-XXXXXX", outside[] = "/tmp/cr-outside-XXXXXX";
        char path[512], target[512];
        int dirfd;

        ASSERT_TRUE(mkdtemp(tree) != NULL);
        ASSERT_TRUE(mkdtemp(outside) != NULL);
        ASSERT_OK(chmod(outside, 0700));
        make_file(outside, "secret", 0600);
        make_file(tree, "prog", 0700);
        make_file(tree, "data", 0600);
        (void) snprintf(path, sizeof(path), "%s/sub", tree);
        ASSERT_OK(mkdir(path, 0700));
        make_file(path, "deep", 0600);
        (void) snprintf(path, sizeof(path), "%s/to-secret", tree);
        (void) snprintf(target, sizeof(target), "%s/secret", outside);
        ASSERT_OK(symlink(target, path));
        (void) snprintf(path, sizeof(path), "%s/to-outside", tree);
        ASSERT_OK(symlink(outside, path));

        dirfd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(dirfd >= 0);
        ASSERT_OK(fs_share_tree_with_others(dirfd));
        close(dirfd);

        ASSERT_UEQ(mode_of(tree, "prog"), 0705);
        ASSERT_UEQ(mode_of(tree, "data"), 0604);
        ASSERT_UEQ(mode_of(tree, "sub"), 0705);
        ASSERT_UEQ(mode_of(tree, "sub/deep"), 0604);
        ASSERT_UEQ(mode_of(outside, "secret"), 0600);
        ASSERT_UEQ(mode_of("/tmp", outside + 5), 0700);

        (void) snprintf(path, sizeof(path), "rm -rf '%s' '%s'", tree, outside);
        ASSERT_TRUE(system(path) == 0);
}

TEST(share_tree_refuses_a_file)
{
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

        ASSERT_TRUE(fd >= 0);
        ASSERT_ERRNO(fs_share_tree_with_others(fd), ENOTDIR);
        close(fd);
}

TESTS_MAIN
