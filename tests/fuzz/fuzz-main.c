/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

/* Replays fuzz inputs without libFuzzer (systemd's fuzz-main.c): every
 * regular file in each directory argument (or each file argument) goes once
 * through LLVMFuzzerTestOneInput, so `make check` runs the corpus with any
 * compiler, and with the sanitizers when configured with them. */

#define INPUT_SIZE_MAX (16U * 1024U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns 1 when an input was run, 0 when skipped (not a regular file), or
 * -errno. */
static int run_file(int dirfd, const char *name)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        _cleanup_free_ uint8_t *data = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0)
                return errno == ELOOP ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0;
        if ((uintmax_t)st.st_size > INPUT_SIZE_MAX)
                return -EFBIG;
        /* An exact-size copy, so the sanitizers catch reads past the end. */
        data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
        if (!data)
                return -ENOMEM;
        n = loop_read(fd, data, (size_t)st.st_size);
        if (n < 0)
                return (int)n;
        (void)LLVMFuzzerTestOneInput(data, (size_t)n);
        return 1;
}

static int entry_filter(const struct dirent *de)
{
        return de->d_name[0] != '.';
}

/* Runs every file of one directory in name order; returns the count or
 * -errno. */
static int run_dir(const char *path, int fd)
{
        struct dirent **list = NULL;
        int n, count = 0, r = 0;

        n = scandir(path, &list, entry_filter, alphasort);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                if (r >= 0) {
                        r = run_file(fd, list[i]->d_name);
                        if (r < 0)
                                fprintf(stderr, "%s/%s: %s\n", path, list[i]->d_name, strerror(-r));
                        else
                                count += r;
                }
                free(list[i]);
        }
        free(list);
        return r < 0 ? r : count;
}

static int run_arg(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        if (S_ISDIR(st.st_mode))
                return run_dir(path, fd);
        return run_file(AT_FDCWD, path);
}

int main(int argc, char **argv)
{
        int total = 0, failed = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s DIR-OR-FILE...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++) {
                int r = run_arg(argv[i]);

                if (r < 0)
                        failed++;
                else
                        total += r;
        }
        printf("%s: %d inputs replayed from %d arguments, %d unreadable\n", argv[0], total, argc - 1,
               failed);
        return failed > 0 ? 1 : 0;
}
