/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "xalloc.h"

/* Compiling the default profile costs libseccomp ~3 ms, a third of a short
 * `coderunner run`. Short-lived processes therefore cache the BPF on disk,
 * keyed by everything that could change it: the profile file's identity
 * (device, inode, size, mtime and ctime to the nanosecond), libseccomp's
 * version, the machine and the kernel release (a Docker profile's
 * minKernel entries depend on it). Both profile formats are cached alike. A cache entry holds that key line,
 * then the raw program. Any mismatch, short read or odd size means "compile afresh"; a cache that cannot be
 * written is silently skipped. The daemon compiles once at start-up and does not need this. */

#define CACHE_FILE_MAX (64 + 4096 * 8 + 4096)

static char *cache_key(const char *path, const struct stat *st)
{
        struct utsname u;

        if (uname(&u) < 0)
                u.machine[0] = u.release[0] = 0;
        return xasprintf("cr-seccomp-v2 %s %s %s %s %llu:%llu %lld %lld.%09ld %lld.%09ld",
                         cr_seccomp_backend_version(), u.machine, u.release, path,
                         (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
                         (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                         (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static char *cache_file_name(const char *key)
{
        uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a: a name, not a check */

        for (const unsigned char *p = (const unsigned char *)key; *p; p++)
                h = (h ^ *p) * 0x100000001b3ULL;
        return xasprintf("%016llx.bpf", (unsigned long long)h);
}

static int load_entry(int dirfd, const char *name, const char *key, struct cr_seccomp_program *ret)
{
        _cleanup_free_ char *data = xmalloc(CACHE_FILE_MAX);
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t klen = strlen(key), plen;
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = loop_read(fd, data, CACHE_FILE_MAX);
        if (n < 0 || (size_t)n <= klen + 1 || (size_t)n >= CACHE_FILE_MAX)
                return -EINVAL;
        if (memcmp(data, key, klen) != 0 || data[klen] != '\n')
                return -ESTALE;
        plen = (size_t)n - klen - 1;
        if (plen % sizeof(struct sock_filter) != 0 || plen / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EINVAL;
        ret->filter = xmalloc(plen);
        memcpy(ret->filter, data + klen + 1, plen);
        ret->len = (unsigned short)(plen / sizeof(struct sock_filter));
        return 0;
}

static void store_entry(int dirfd, const char *name, const char *key, const struct cr_seccomp_program *prog)
{
        char tmp[64];
        int fd, r;

        snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        r = loop_write(fd, key, strlen(key));
        if (r >= 0)
                r = loop_write(fd, "\n", 1);
        if (r >= 0)
                r = loop_write(fd, prog->filter, prog->len * sizeof(struct sock_filter));
        (void)close(fd);
        if (r < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
                (void)unlinkat(dirfd, tmp, 0);
}

int cr_seccomp_load_cached(const char *profile_path, const char *cache_dir, struct cr_seccomp_program *ret,
                           struct cr_error **err)
{
        _cleanup_(cr_seccomp_profile_freep) struct cr_seccomp_profile *profile = NULL;
        _cleanup_free_ char *key = NULL, *name = NULL;
        _cleanup_close_ int dirfd = -EBADF;
        struct stat st;
        int r;

        if (cache_dir && stat(profile_path, &st) == 0 && S_ISREG(st.st_mode)) {
                key = cache_key(profile_path, &st);
                name = cache_file_name(key);
                (void)mkdir(cache_dir, 0700);
                dirfd = open(cache_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (dirfd >= 0 && load_entry(dirfd, name, key, ret) >= 0)
                        return 0;
        }
        r = cr_seccomp_profile_load(profile_path, &profile, err);
        if (r >= 0)
                r = cr_seccomp_compile(profile, ret, err);
        if (r >= 0 && dirfd >= 0)
                store_entry(dirfd, name, key, ret);
        return r;
}
