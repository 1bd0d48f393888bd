/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "parse-util.h"
#include "proc-util.h"
#include "sandbox/cgroup.h"

/* Every probe that changes process state (namespaces, a seccomp filter) runs
 * in a forked child that exits at once, so the caller is left as it was. */

#define PROC_FILE_MAX 65536
/* The namespaces every sandbox gets (sandbox/run.c), created at once. */
#define SANDBOX_NAMESPACES \
        (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

static const char *const status_names[_CR_DOCTOR_STATUS_MAX] = {
        [CR_DOCTOR_OK] = "OK",
        [CR_DOCTOR_WARN] = "WARN",
        [CR_DOCTOR_FAIL] = "FAIL",
};

const char *cr_doctor_status_to_string(enum cr_doctor_status s)
{
        return s >= 0 && s < _CR_DOCTOR_STATUS_MAX ? status_names[s] : NULL;
}

/* ---------------------------------------------------------------- /proc */

static ssize_t read_proc(const char *proc, const char *rel, char *buf, size_t size)
{
        char path[512];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/%s", proc, rel);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = loop_read(fd, buf, size - 1);
        if (n < 0)
                return n;
        buf[n] = 0;
        return n;
}

/* A sysctl file holding one integer; -1 when absent or unreadable. */
static int64_t read_sysctl(const char *proc, const char *rel)
{
        char buf[64];
        int64_t v;

        if (read_proc(proc, rel, buf, sizeof(buf)) < 0)
                return -1;
        buf[strcspn(buf, "\n")] = 0;
        return safe_atoi64(buf, &v) < 0 ? -1 : v;
}

/* "SwapTotal:       2097148 kB" in /proc/meminfo; -1 when absent. */
static int64_t parse_swap_total(const char *meminfo)
{
        const char *p = strstr(meminfo, "\nSwapTotal:");
        char num[32];
        size_t n;
        uint64_t v;

        if (!p && strncmp(meminfo, "SwapTotal:", 10) == 0)
                p = meminfo - 1;
        if (!p)
                return -1;
        p += 11;
        p += strspn(p, " \t");
        n = strspn(p, "0123456789");
        if (n == 0 || n >= sizeof(num))
                return -1;
        memcpy(num, p, n);
        num[n] = 0;
        return safe_atou64(num, &v) < 0 || v > INT64_MAX ? -1 : (int64_t)v;
}

void cr_doctor_read_proc(const char *proc, struct cr_doctor_facts *f)
{
        _cleanup_free_ char *buf = malloc(PROC_FILE_MAX);

        f->max_user_namespaces = read_sysctl(proc, "sys/user/max_user_namespaces");
        f->unprivileged_userns = read_sysctl(proc, "sys/kernel/unprivileged_userns_clone");
        f->apparmor_restrict = read_sysctl(proc, "sys/kernel/apparmor_restrict_unprivileged_userns");
        f->swap_total_kb =
                buf && read_proc(proc, "meminfo", buf, PROC_FILE_MAX) >= 0 ? parse_swap_total(buf) : -1;
}

/* ---------------------------------------------------------------- probes */

/* Runs fn in a child; returns what it returned (an errno, 0 for success),
 * or EIO when the child died otherwise. */
static int in_child(int (*fn)(void))
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(fn() & 0xff);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return EIO;
        return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

static int probe_userns(void)
{
        return unshare(SANDBOX_NAMESPACES) < 0 ? errno : 0;
}

static int probe_seccomp(void)
{
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = {.len = 1, .filter = &allow};

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return errno;
        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? errno : 0;
}

/* clone3 with a size of 0 is refused with EINVAL where it exists, before
 * anything is created. */
static int probe_clone3(void)
{
        return syscall(SYS_clone3, NULL, 0UL) < 0 && errno != EINVAL ? errno : 0;
}

static int probe_openat2(void)
{
        struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
        long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

        if (fd < 0)
                return errno;
        close((int)fd);
        return 0;
}

static int probe_pidfd(void)
{
        int fd = cr_pidfd_open(getpid());

        if (fd < 0)
                return -fd;
        close(fd);
        return 0;
}

static void gather_cgroups(const struct cr_doctor_paths *paths, struct cr_doctor_facts *f)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_options opts = {.root = paths->cgroup_root,
                                         .proc_self_cgroup = paths->proc_self_cgroup};
        struct cr_cgroup_manager *m = NULL;
        bool v2;

        f->cgroup_mode = -1;
        if (cr_cgroup_manager_new(&opts, &m, &err) < 0) {
                snprintf(f->cgroup_error, sizeof(f->cgroup_error), "%s", err->msg);
                return;
        }
        f->cgroup_mode = cr_cgroup_manager_mode(m);
        f->controllers = cr_cgroup_manager_controllers(m);
        v2 = f->cgroup_mode == CR_CGROUP_MODE_V2;
        f->memory_peak = cr_cgroup_manager_has_file(m, CR_CGROUP_MEMORY,
                                                    v2 ? "memory.peak" : "memory.max_usage_in_bytes");
        f->swap_accounting = cr_cgroup_manager_has_file(
                m, CR_CGROUP_MEMORY, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
        cr_cgroup_manager_free(m);
}

void cr_doctor_gather(const struct cr_doctor_paths *paths, struct cr_doctor_facts *ret)
{
        static const struct cr_doctor_paths defaults = {.proc = "/proc", .cgroup_root = NULL};
        struct cr_doctor_facts f = {.root = geteuid() == 0};

        paths = paths ? paths : &defaults;
        cr_doctor_read_proc(paths->proc ? paths->proc : "/proc", &f);
        gather_cgroups(paths, &f);
        f.userns_errno = in_child(probe_userns);
        f.seccomp_errno = in_child(probe_seccomp);
        f.seccomp_kill_process = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
                                         &(uint32_t){SECCOMP_RET_KILL_PROCESS}) == 0;
        f.clone3_errno = probe_clone3();
        f.openat2_errno = probe_openat2();
        f.pidfd_errno = probe_pidfd();
        *ret = f;
}
