/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "child-error.h"
#include "cleanup.h"
#include "error.h"
#include "missing.h"
#include "sandbox-internal.h"
#include "xalloc.h"

/* The only caller of mount/umount2/pivot_root. Builds the sandbox's view:
 *
 *   /          the image, bind-mounted read-only, nosuid, nodev
 *   /proc      fresh procfs of the sandbox's pid namespace, kernel-info paths masked
 *   /dev       tiny read-only tmpfs: null zero full random urandom (bound from
 *              the host), fd/stdin/stdout/stderr links, /dev/shm tmpfs
 *   /tmp       size-capped tmpfs, 1777
 *   /box       size-capped tmpfs owned by the sandbox user: the work dir
 *   no /sys
 *
 * Every mount target inside the image is opened beneath the image root with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) and mounted on through
 * /proc/self/fd, so a symlink in an image can never redirect a mount. */

#ifndef RESOLVE_BENEATH
struct open_how {
        uint64_t flags;
        uint64_t mode;
        uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#endif

#define TMPFS_INODES 16384

static const char *const masked_proc_files[] = {
        /* kernel memory, keys of other users, scheduler and timer internals */
        "kcore", "keys", "timer_list", "sched_debug", "latency_stats", "sysrq-trigger", "kallsyms",
        "config.gz", "vmallocinfo",
};
static const char *const masked_proc_dirs[] = { "acpi", "scsi", "firmware", "driver" };
static const char *const readonly_proc_dirs[] = { "sys", "irq", "bus", "fs" };
static const char *const devices[] = { "null", "zero", "full", "random", "urandom" };

static int open_beneath(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        fd = syscall(__NR_openat2, dirfd, path, &how, sizeof(how));
        return fd < 0 ? -errno : (int) fd;
}

static void fd_path(int fd, char *buf, size_t n)
{
        snprintf(buf, n, "/proc/self/fd/%d", fd);
}

static int mount_on_fd(struct sandbox_run *run, int fd, const char *what, const char *source, const char *fstype,
                       unsigned long flags, const char *data)
{
        char target[64];

        fd_path(fd, target, sizeof(target));
        /* A bind of the target onto itself uses the magic link as source. */
        if (source && strcmp(source, ".") == 0)
                source = target;
        if (mount(source, target, fstype, flags, data) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "mount %s on %s", fstype ? fstype : "bind", what);
        return 0;
}

/* Mounts onto `path` beneath dirfd; source may be NULL. A missing target is
 * an error unless optional, when it returns -ENOENT without recording one. */
static int mount_at_full(struct sandbox_run *run, int dirfd, const char *path, const char *source, const char *fstype,
                         unsigned long flags, const char *data, int target_type, bool optional)
{
        _cleanup_close_ int fd = open_beneath(dirfd, path, O_PATH | target_type);

        if (fd == -ENOENT && optional)
                return -ENOENT;
        if (fd < 0)
                return child_error(run, fd, CR_ERROR_INVALID, "mount point '%s' missing or unsafe in rootfs", path);
        return mount_on_fd(run, fd, path, source, fstype, flags, data);
}

static int mount_at(struct sandbox_run *run, int dirfd, const char *path, const char *source, const char *fstype,
                    unsigned long flags, const char *data, int target_type)
{
        return mount_at_full(run, dirfd, path, source, fstype, flags, data, target_type, false);
}

/* Atime flags of a mount are locked in a user namespace: a remount must
 * repeat them or it fails with EPERM (bubblewrap does the same). */
static unsigned long locked_flags(const char *path)
{
        struct statvfs st;
        unsigned long f = 0;

        if (statvfs(path, &st) < 0)
                return 0;
        if (st.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (st.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (st.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        if (st.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        return f;
}

/* Remounts a bind mount nosuid, nodev plus `flags`. */
static int remount_flags(struct sandbox_run *run, int dirfd, const char *path, unsigned long flags, int type)
{
        _cleanup_close_ int fd = open_beneath(dirfd, path, O_PATH | type);
        char target[64];

        if (fd < 0)
                return child_error(run, fd, CR_ERROR_INTERNAL, "open %s", path);
        fd_path(fd, target, sizeof(target));
        if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | flags | locked_flags(target),
                  NULL) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "remount %s", path);
        return 0;
}

static int remount_ro(struct sandbox_run *run, int dirfd, const char *path, unsigned long extra, int type)
{
        return remount_flags(run, dirfd, path, MS_RDONLY | extra, type);
}

static int mount_tmpfs(struct sandbox_run *run, int rootfd, const char *path, const char *mode, bool owned)
{
        char data[160];

        snprintf(data, sizeof(data), "size=%llu,nr_inodes=%d,mode=%s%s",
                 (unsigned long long) run->spec->limits.tmpfs_bytes, TMPFS_INODES, mode,
                 owned ? ",uid=" STRINGIFY(CR_SANDBOX_UID) ",gid=" STRINGIFY(CR_SANDBOX_GID) : "");
        return mount_at(run, rootfd, path, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, data, O_DIRECTORY);
}

static int mask_proc(struct sandbox_run *run, int rootfd)
{
        _cleanup_close_ int procfd = open_beneath(rootfd, "proc", O_PATH | O_DIRECTORY);
        int r;

        if (procfd < 0)
                return child_error(run, procfd, CR_ERROR_INTERNAL, "open /proc");
        /* Entries this kernel does not have need no mask (-ENOENT). */
        for (size_t i = 0; i < ARRAY_SIZE(masked_proc_files); i++) {
                r = mount_at_full(run, procfd, masked_proc_files[i], "/dev/null", NULL, MS_BIND, NULL, 0, true);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(masked_proc_dirs); i++) {
                r = mount_at_full(run, procfd, masked_proc_dirs[i], "tmpfs", "tmpfs",
                                  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1,mode=0555",
                                  O_DIRECTORY, true);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(readonly_proc_dirs); i++) {
                r = mount_at_full(run, procfd, readonly_proc_dirs[i], ".", NULL, MS_BIND | MS_REC, NULL,
                                  O_DIRECTORY, true);
                if (r == -ENOENT)
                        continue;
                if (r < 0 || (r = remount_ro(run, procfd, readonly_proc_dirs[i], MS_NOEXEC, O_DIRECTORY)) < 0)
                        return r;
        }
        return 0;
}

static int mount_proc(struct sandbox_run *run, int rootfd)
{
        int r = mount_at(run, rootfd, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, O_DIRECTORY);
        return r < 0 ? r : mask_proc(run, rootfd);
}

static int make_dev_links(struct sandbox_run *run, int devfd)
{
        static const char *const links[][2] = {
                { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
                { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(links); i++)
                if (symlinkat(links[i][0], devfd, links[i][1]) < 0)
                        return child_error(run, errno, CR_ERROR_INTERNAL, "symlink /dev/%s", links[i][1]);
        return 0;
}

static int mount_dev(struct sandbox_run *run, int rootfd)
{
        _cleanup_close_ int devfd = -EBADF;
        char data[128];
        int r;

        r = mount_at(run, rootfd, "dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC,
                     "size=64k,nr_inodes=64,mode=0755", O_DIRECTORY);
        if (r < 0)
                return r;
        devfd = open_beneath(rootfd, "dev", O_DIRECTORY | O_RDONLY);
        if (devfd < 0)
                return child_error(run, devfd, CR_ERROR_INTERNAL, "open /dev");
        for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
                char src[32];
                int fd = openat(devfd, devices[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
                if (fd < 0)
                        return child_error(run, errno, CR_ERROR_INTERNAL, "create /dev/%s", devices[i]);
                (void) close(fd);
                snprintf(src, sizeof(src), "/dev/%s", devices[i]);
                r = mount_at(run, devfd, devices[i], src, NULL, MS_BIND, NULL, 0);
                if (r < 0)
                        return r;
        }
        r = make_dev_links(run, devfd);
        if (r < 0)
                return r;
        if (mkdirat(devfd, "shm", 01777) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "mkdir /dev/shm");
        snprintf(data, sizeof(data), "size=%llu,nr_inodes=%d,mode=1777",
                 (unsigned long long) run->spec->limits.tmpfs_bytes, TMPFS_INODES);
        r = mount_at(run, devfd, "shm", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, data, O_DIRECTORY);
        if (r < 0)
                return r;
        return remount_ro(run, rootfd, "dev", MS_NOEXEC, O_DIRECTORY);
}

/* Creates the parent directories of a work dir file. */
static int make_parents(int boxfd, const char *dest)
{
        char path[PATH_MAX];
        size_t n = strlen(dest);

        if (n >= sizeof(path))
                return -ENAMETOOLONG;
        memcpy(path, dest, n + 1);
        for (char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
                *p = 0;
                if (mkdirat(boxfd, path, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        return 0;
}

static int copy_file(int from, int to)
{
        for (;;) {
                ssize_t n = sendfile(to, from, NULL, 1 << 20);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
        }
}

static int populate_workdir(struct sandbox_run *run, int rootfd)
{
        _cleanup_close_ int boxfd = open_beneath(rootfd, CR_SANDBOX_WORKDIR, O_DIRECTORY | O_RDONLY);

        if (boxfd < 0)
                return child_error(run, boxfd, CR_ERROR_INTERNAL, "open work dir");
        for (size_t i = 0; i < run->spec->n_files; i++) {
                const struct cr_sandbox_file *f = &run->spec->files[i];
                _cleanup_close_ int fd = -EBADF;
                int r = make_parents(boxfd, f->dest);

                if (r < 0)
                        return child_error(run, r, CR_ERROR_INVALID, "create directories for '%s'", f->dest);
                fd = openat(boxfd, f->dest, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, f->mode & 0777);
                if (fd < 0)
                        return child_error(run, errno, CR_ERROR_INVALID, "create work dir file '%s'", f->dest);
                if (lseek(f->fd, 0, SEEK_SET) < 0 || (r = copy_file(f->fd, fd)) < 0)
                        return child_error(run, r < 0 ? r : errno, errno == ENOSPC || r == -ENOSPC ?
                                           CR_ERROR_LIMIT : CR_ERROR_INTERNAL, "copy '%s' into the work dir", f->dest);
        }
        return 0;
}

static int mount_workdir(struct sandbox_run *run, int rootfd)
{
        char src[64];
        int r;

        if (run->workdir_fd < 0) {
                r = mount_tmpfs(run, rootfd, CR_SANDBOX_WORKDIR, "0755", true);
                return r < 0 ? r : populate_workdir(run, rootfd);
        }
        fd_path(run->workdir_fd, src, sizeof(src));
        r = mount_at(run, rootfd, CR_SANDBOX_WORKDIR, src, NULL, MS_BIND, NULL, O_DIRECTORY);
        if (r >= 0)
                r = remount_flags(run, rootfd, CR_SANDBOX_WORKDIR, run->spec->workdir_writable ? 0 : MS_RDONLY,
                                  O_DIRECTORY);
        return r;
}

static int mount_binds(struct sandbox_run *run, int rootfd)
{
        for (size_t i = 0; i < run->spec->n_binds; i++) {
                const struct cr_sandbox_bind *b = &run->spec->binds[i];
                char src[64];
                int r;

                fd_path(run->bind_fds[i], src, sizeof(src));
                r = mount_at(run, rootfd, b->dest, src, NULL, MS_BIND | MS_REC, NULL, 0);
                if (r < 0)
                        return r;
                if (!b->writable && (r = remount_ro(run, rootfd, b->dest, 0, 0)) < 0)
                        return r;
        }
        return 0;
}

static int enter_root(struct sandbox_run *run)
{
        /* pivot_root(".", ".") stacks the old root on top of the new one;
         * detaching it leaves only the image (runc's trick: no put_old
         * directory is needed in a read-only image). */
        if (fchdir(run->root_fd) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "chdir rootfs");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "detach old root");
        if (chdir("/") < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "chdir /");
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | locked_flags("/"),
                  NULL) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "remount / read-only");
        return 0;
}

int mount_prepare_child(struct sandbox_run *run)
{
        const char *root = run->spec->rootfs;

        /* Nothing we mount may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "make mounts private");
        if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "bind rootfs");
        run->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (run->root_fd < 0)
                return child_error(run, errno, CR_ERROR_INTERNAL, "open rootfs");
        if (run->spec->workdir_host) {
                run->workdir_fd = open(run->spec->workdir_host, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (run->workdir_fd < 0)
                        return child_error(run, errno, CR_ERROR_NOT_FOUND, "work dir '%s'", run->spec->workdir_host);
        }
        for (size_t i = 0; i < run->spec->n_binds; i++) {
                run->bind_fds[i] = open(run->spec->binds[i].src, O_PATH | O_CLOEXEC);
                if (run->bind_fds[i] < 0)
                        return child_error(run, errno, CR_ERROR_NOT_FOUND, "bind source '%s'",
                                           run->spec->binds[i].src);
        }
        return 0;
}

int mount_setup_child(struct sandbox_run *run)
{
        int rootfd = run->root_fd, r;

        r = mount_proc(run, rootfd);
        if (r >= 0)
                r = mount_dev(run, rootfd);
        if (r >= 0)
                r = mount_tmpfs(run, rootfd, "tmp", "1777", false);
        if (r >= 0)
                r = mount_workdir(run, rootfd);
        if (r >= 0)
                r = mount_binds(run, rootfd);
        if (r >= 0)
                r = enter_root(run);
        return r;
}

/* ------------------------------------------------ host side: work dirs */

int cr_sandbox_private_mounts(struct cr_error **err)
{
        /* Work dirs mounted after this are invisible to the host and vanish
         * with this process, even if it is killed. */
        if (unshare(CLONE_NEWNS) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "unshare mount namespace");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "make mounts private");
        return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
        char buf[PATH_MAX];
        size_t n = strlen(path);

        if (n >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                                return -errno;
                        *p = '/';
                }
        return mkdir(buf, mode) < 0 && errno != EEXIST ? -errno : 0;
}

int cr_sandbox_workdir_create(unsigned slot, uint64_t size_bytes, char **ret_path, struct cr_error **err)
{
        unsigned id = CR_SANDBOX_HOST_ID_BASE + slot;
        char path[64], data[128];
        int r;

        snprintf(path, sizeof(path), CR_SANDBOX_WORKDIR_ROOT "/%u", slot);
        r = mkdir_p(path, 0755);
        if (r < 0)
                return cr_error_set(err, r, CR_ERROR_UNAVAILABLE, "create %s", path);
        snprintf(data, sizeof(data), "size=%llu,nr_inodes=%d,mode=0755,uid=%u,gid=%u",
                 (unsigned long long) size_bytes, TMPFS_INODES, id, id);
        if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "mount work dir %s", path);
        *ret_path = xstrdup(path);
        return 0;
}

int cr_sandbox_workdir_destroy(const char *path, struct cr_error **err)
{
        if (umount2(path, MNT_DETACH) < 0)
                return cr_error_set(err, errno, CR_ERROR_INTERNAL, "unmount work dir %s", path);
        return 0;
}
