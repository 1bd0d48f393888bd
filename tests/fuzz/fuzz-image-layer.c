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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "image/image-internal.h"
#include "image/image.h"

/* The layer reader: the input is one Docker/OCI layer (a tar, optionally
 * compressed), applied with its whiteouts over a lower layer that holds
 * what attacks aim at: an absolute symlink out of the tree (T/root/out ->
 * T/outside), a relative one, files and directories to white out. Then:
 *   - T holds only root/ and outside/, and outside/ only its untouched
 *     sentinel (no escape by "..", symlinks, hardlinks or whiteouts);
 *   - the tree holds only directories (0755), regular files (no setuid,
 *     setgid, sticky, group/other write) and symlinks.
 * Any violation aborts, so libFuzzer reports it. */

#define FUZZ_MAX_BYTES   (8U << 20)
#define FUZZ_MAX_ENTRIES 2048
#define SENTINEL         "orig\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_line(const char *line, size_t len, void *userdata, struct cr_error **err)
{
        unsigned mode = 0;
        char type = 0;

        (void)userdata;
        (void)err;
        if (len < 4 || sscanf(line, "%c %o", &type, &mode) != 2)
                abort();
        if (type == 'd' && mode != 0755 && !(len >= 3 && strcmp(line + len - 3, " .\n") == 0))
                abort();
        if (type == 'f' && (mode & 07022))
                abort();
        if (type != 'd' && type != 'f' && type != 'l')
                abort();
        return 0;
}

static void put(int dirfd, const char *name, const char *text)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

        if (fd < 0 || loop_write(fd, text, strlen(text)) < 0)
                abort();
}

/* The lower layer, as cr_image_unpack_layer_fd finds it. */
/* The lower layer: what whiteouts and replacements may aim at. */
static void lower_layer(int rootfd, const char *tmpl)
{
        _cleanup_close_ int etc = -EBADF, opt = -EBADF;
        char outside[PATH_MAX];

        if (mkdirat(rootfd, "etc", 0755) < 0 || mkdirat(rootfd, "opt", 0755) < 0)
                abort();
        etc = openat(rootfd, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        opt = openat(rootfd, "opt", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (etc < 0 || opt < 0 || mkdirat(opt, "old", 0755) < 0)
                abort();
        put(etc, "passwd", "root:x:0:0::/:/bin/sh\n");
        put(rootfd, "f", "f\n");
        snprintf(outside, sizeof(outside), "%s/outside", tmpl);
        if (symlinkat("usr/lib", rootfd, "lib") < 0 || symlinkat(outside, rootfd, "out") < 0)
                abort();
}

static bool only_root_and_outside(int top)
{
        int dfd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        struct dirent *de;
        bool ok = true;

        if (!d)
                abort();
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "root") &&
                    strcmp(de->d_name, "outside"))
                        ok = false;
        closedir(d);
        return ok;
}

static bool sentinel_intact(int top)
{
        _cleanup_close_ int fd = openat(top, "outside/target", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char buf[16] = "";
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        int dfd = openat(top, "outside", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        struct dirent *de;
        size_t entries = 0;

        if (!d)
                abort();
        while ((de = readdir(d)))
                entries++;
        closedir(d);
        return n == (ssize_t)strlen(SENTINEL) && strcmp(buf, SENTINEL) == 0 && entries == 3;
}

static void apply(int rootfd, const uint8_t *data, size_t size)
{
        _cleanup_error_ struct cr_error *err = NULL, *werr = NULL;
        struct cr_image_limits limits = {.max_unpacked_bytes = FUZZ_MAX_BYTES,
                                         .max_entries = FUZZ_MAX_ENTRIES};
        struct cr_image_unpack_stats stats = {};
        _cleanup_close_ int fd = memfd_create("layer", MFD_CLOEXEC);

        if (fd < 0 || loop_write(fd, data, size) < 0)
                abort();
        if (cr_image_unpack_layer_fd(fd, rootfd, &limits, NULL, &stats, &err) >= 0 &&
            (stats.bytes > FUZZ_MAX_BYTES || stats.entries > FUZZ_MAX_ENTRIES))
                abort();
        /* whatever was done before a refusal must obey the rules too */
        if (cr_image_tree_walk(rootfd, 4 * FUZZ_MAX_ENTRIES, check_line, NULL, &werr) < 0 &&
            werr->kind != CR_ERROR_LIMIT)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char tmpl[] = "/tmp/fuzz-layer-XXXXXX";
        _cleanup_close_ int tmp = -EBADF, top = -EBADF, rootfd = -EBADF, out = -EBADF;

        if (!mkdtemp(tmpl))
                return 0;
        tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        top = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tmp < 0 || top < 0 || mkdirat(top, "root", 0755) < 0 || mkdirat(top, "outside", 0755) < 0)
                abort();
        rootfd = openat(top, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        out = openat(top, "outside", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0 || out < 0)
                abort();
        put(out, "target", SENTINEL);
        lower_layer(rootfd, tmpl);
        apply(rootfd, data, size);
        if (!only_root_and_outside(top) || !sentinel_intact(top))
                abort();
        if (cr_image_tree_remove_at(tmp, tmpl + strlen("/tmp/"), NULL) < 0)
                abort();
        return 0;
}
