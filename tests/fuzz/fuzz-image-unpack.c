/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>

#include "cleanup.h"
#include "error.h"
#include "image/image-internal.h"
#include "image/image.h"

/* Feeds the input to the unpacker as an archive (tar, optionally zstd/gzip/
 * xz compressed) targeting a fresh T/root, then checks what the rules
 * promise and removes T:
 *   - nothing appears in T next to root/ (no escape by "..", symlinks or
 *     hardlinks; absolute paths would land elsewhere, and are caught by
 *     the unit tests and the path checks below);
 *   - the tree holds only directories (0755), regular files (no setuid,
 *     setgid, sticky, group/other write) and symlinks whose relative
 *     targets stay inside.
 * Any violation aborts, so libFuzzer reports it. */

#define FUZZ_MAX_BYTES   (8U << 20)
#define FUZZ_MAX_ENTRIES 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_line(const char *line, size_t len, void *userdata, struct cr_error **err)
{
        unsigned mode = 0;
        char type = 0;

        (void)userdata;
        (void)err;
        if (len < 4 || sscanf(line, "%c %o", &type, &mode) != 2)
                abort();
        switch (type) {
        case 'd': /* the root "." is ours, made under the process umask */
                if (mode != 0755 && !(len >= 3 && strcmp(line + len - 3, " .\n") == 0))
                        abort();
                break;
        case 'f':
                if (mode & 07022)
                        abort();
                break;
        case 'l':
                break;
        default: /* device, fifo, socket */
                abort();
        }
        return 0;
}

static bool only_root_in(int fd)
{
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        struct dirent *de;
        bool ok = true;

        if (!d)
                abort();
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
                    strcmp(de->d_name, "root") != 0)
                        ok = false;
        closedir(d);
        return ok;
}

static void unpack_into(int rootfd, const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *err = NULL, *werr = NULL;
        struct cr_image_limits limits = {.max_unpacked_bytes = FUZZ_MAX_BYTES,
                                         .max_entries = FUZZ_MAX_ENTRIES};
        struct cr_image_unpack_stats stats;
        struct archive *a = NULL;

        if (cr_image_archive_reader_new(&a, &err) < 0)
                abort();
        if (archive_read_open_memory(a, data, size) == ARCHIVE_OK &&
            cr_image_unpack_archive(a, rootfd, &limits, &stats, &err) >= 0) {
                if (stats.bytes > FUZZ_MAX_BYTES || stats.entries > FUZZ_MAX_ENTRIES)
                        abort();
        }
        cr_image_archive_reader_free(a);
        /* whatever was created before a refusal must obey the rules too */
        if (cr_image_tree_walk(rootfd, 4 * FUZZ_MAX_ENTRIES, check_line, NULL, &werr) < 0 &&
            werr->kind != CR_ERROR_LIMIT)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char tmpl[] = "/tmp/fuzz-image-XXXXXX";
        _cleanup_close_ int tmp = -EBADF, top = -EBADF, rootfd = -EBADF;

        if (!mkdtemp(tmpl))
                return 0;
        tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        top = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tmp < 0 || top < 0 || mkdirat(top, "root", 0755) < 0)
                abort();
        rootfd = openat(top, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                abort();
        unpack_into(rootfd, data, size);
        if (!only_root_in(top))
                abort();
        if (cr_image_tree_remove_at(tmp, tmpl + strlen("/tmp/"), NULL) < 0)
                abort();
        return 0;
}
