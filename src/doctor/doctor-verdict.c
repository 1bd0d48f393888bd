/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "doctor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json/json.h"
#include "sandbox/cgroup.h"

/* Judges the facts cr_doctor_gather() found: each check says OK, WARN (the
 * sandbox works, with a weaker guarantee the operator should know about)
 * or FAIL (the sandbox refuses to run, or a protection would be missing),
 * and how to fix it. */

#define NEEDED_CONTROLLERS (CR_CGROUP_MEMORY | CR_CGROUP_PIDS | CR_CGROUP_CPUACCT)

static struct cr_doctor_item *add(struct cr_doctor_report *r, const char *name, enum cr_doctor_status status,
                                  const char *fmt, ...) _printf_(4, 5);

static struct cr_doctor_item *add(struct cr_doctor_report *r, const char *name, enum cr_doctor_status status,
                                  const char *fmt, ...)
{
        struct cr_doctor_item *it = &r->items[r->n < CR_DOCTOR_ITEMS_MAX ? r->n++ : CR_DOCTOR_ITEMS_MAX - 1];
        va_list ap;

        *it = (struct cr_doctor_item){.name = name, .status = status};
        va_start(ap, fmt);
        vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
        va_end(ap);
        return it;
}

static void fix(struct cr_doctor_item *it, const char *fmt, ...) _printf_(2, 3);

static void fix(struct cr_doctor_item *it, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(it->fix, sizeof(it->fix), fmt, ap);
        va_end(ap);
}

static void controller_names(unsigned bits, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = 0;
        for (unsigned bit = 1; bit < CR_CGROUP_ALL; bit <<= 1)
                if ((bits & bit) && len < size)
                        len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                                cr_cgroup_controller_to_string(bit));
        if (!buf[0])
                snprintf(buf, size, "none");
}

static void check_privileges(const struct cr_doctor_facts *f, struct cr_doctor_report *r)
{
        struct cr_doctor_item *it;

        if (f->root) {
                add(r, "privileges", CR_DOCTOR_OK, "running as root");
                return;
        }
        it = add(r, "privileges", CR_DOCTOR_FAIL,
                 "not root: the sandbox maps its user onto host ids from 0x70010000 and writes cgroups");
        fix(it, "run coderunner as root (systemd/coderunner.service does)");
}

static void check_cgroups(const struct cr_doctor_facts *f, struct cr_doctor_report *r)
{
        bool v2 = f->cgroup_mode == CR_CGROUP_MODE_V2;
        unsigned missing = NEEDED_CONTROLLERS & ~f->controllers;
        char have[128], lack[128];
        struct cr_doctor_item *it;

        if (f->cgroup_mode < 0) {
                it = add(r, "cgroups", CR_DOCTOR_FAIL, "no usable cgroup filesystem: %s", f->cgroup_error);
                fix(it, "mount cgroup2 on /sys/fs/cgroup (or the v1 hierarchies)");
                return;
        }
        controller_names(f->controllers, have, sizeof(have));
        controller_names(missing, lack, sizeof(lack));
        if (missing) {
                it = add(r, "cgroups", CR_DOCTOR_FAIL,
                         "cgroup %s: controller(s) %s not usable (usable: %s); the sandbox refuses "
                         "untrusted code "
                         "without their limits",
                         v2 ? "v2" : "v1", lack, have);
                fix(it, v2 ? "delegate a cgroup with the controllers: run from systemd with Delegate=yes "
                             "(systemd/coderunner.service), or write '+memory +pids +cpu' to the parent's "
                             "cgroup.subtree_control"
                           : "mount the v1 hierarchies memory, pids and cpu,cpuacct under /sys/fs/cgroup");
                return;
        }
        it = add(r, "cgroups", (f->controllers & CR_CGROUP_CPU) ? CR_DOCTOR_OK : CR_DOCTOR_WARN,
                 "cgroup %s%s: %s", v2 ? "v2 (unified)" : "v1", v2 ? "" : " (legacy or hybrid)", have);
        if (!(f->controllers & CR_CGROUP_CPU))
                fix(it,
                    "enable the cpu controller for CPU throttling (--cpus); time limits work without it");
}

static void check_memory_peak(const struct cr_doctor_facts *f, struct cr_doctor_report *r)
{
        struct cr_doctor_item *it;

        if (f->cgroup_mode < 0 || !(f->controllers & CR_CGROUP_MEMORY)) {
                add(r, "memory.peak", CR_DOCTOR_WARN, "not checked: no memory controller");
                return;
        }
        if (f->memory_peak) {
                add(r, "memory.peak", CR_DOCTOR_OK, "the kernel records each run's peak memory (%s)",
                    f->cgroup_mode == CR_CGROUP_MODE_V2 ? "memory.peak" : "memory.max_usage_in_bytes");
                return;
        }
        it = add(r, "memory.peak", CR_DOCTOR_WARN,
                 "no memory.peak: peak memory is sampled from memory.current, so short peaks can be missed");
        fix(it, "Linux 5.19 or newer");
}

static void check_swap(const struct cr_doctor_facts *f, struct cr_doctor_report *r)
{
        struct cr_doctor_item *it;

        if (f->swap_total_kb == 0) {
                add(r, "swap", CR_DOCTOR_OK, "no swap: memory limits are exact");
                return;
        }
        if (f->swap_total_kb > 0 && f->swap_accounting) {
                add(r, "swap", CR_DOCTOR_OK, "%lld MiB of swap, accounted: each run's swap is limited to 0",
                    (long long)(f->swap_total_kb / 1024));
                return;
        }
        if (f->swap_total_kb < 0) {
                it = add(r, "swap", CR_DOCTOR_WARN, "could not read SwapTotal from /proc/meminfo");
                fix(it, "check that /proc is mounted");
                return;
        }
        it = add(r, "swap", CR_DOCTOR_WARN,
                 "%lld MiB of swap and no swap accounting: a job can swap beyond its memory limit and run "
                 "slowly instead of failing with MEMORY_LIMIT",
                 (long long)(f->swap_total_kb / 1024));
        fix(it, f->cgroup_mode == CR_CGROUP_MODE_V2
                        ? "boot without swapaccount=0 (memory.swap.max), or swapoff -a"
                        : "boot with swapaccount=1, or swapoff -a");
}

static void userns_fix(const struct cr_doctor_facts *f, struct cr_doctor_item *it)
{
        if (f->max_user_namespaces == 0)
                fix(it, "sysctl -w user.max_user_namespaces=15000");
        else if (f->apparmor_restrict == 1)
                fix(it,
                    "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or load an AppArmor profile "
                    "that allows user namespaces for coderunner (Ubuntu 24.04 restricts them)");
        else if (f->unprivileged_userns == 0 && !f->root)
                fix(it, "sysctl -w kernel.unprivileged_userns_clone=1, or run as root");
        else
                fix(it,
                    "run on the host or in a privileged container: a container runtime's seccomp profile "
                    "or missing CAP_SYS_ADMIN refuses unshare(CLONE_NEWUSER)");
}

static void check_userns(const struct cr_doctor_facts *f, struct cr_doctor_report *r)
{
        struct cr_doctor_item *it;

        if (f->userns_errno == 0) {
                add(r, "user namespaces", CR_DOCTOR_OK,
                    "a child created user, mount, pid, net, ipc and uts "
                    "namespaces%s",
                    f->apparmor_restrict == 1
                            ? " (AppArmor restricts unprivileged users; root is not affected)"
                            : "");
                return;
        }
        it = add(r, "user namespaces", CR_DOCTOR_FAIL,
                 "unshare(user, mount, pid, net, ipc, uts) failed: %s%s", strerror(f->userns_errno),
                 f->apparmor_restrict == 1 ? " (kernel.apparmor_restrict_unprivileged_userns=1)" : "");
        userns_fix(f, it);
}

static void check_seccomp(const struct cr_doctor_facts *f, struct cr_doctor_report *r)
{
        struct cr_doctor_item *it;

        if (f->seccomp_errno == 0 && f->seccomp_kill_process) {
                add(r, "seccomp", CR_DOCTOR_OK,
                    "filters install, and SECCOMP_RET_KILL_PROCESS is available");
                return;
        }
        if (f->seccomp_errno != 0) {
                it = add(r, "seccomp", CR_DOCTOR_FAIL, "a child could not install a seccomp filter: %s",
                         strerror(f->seccomp_errno));
                fix(it, "a kernel built with CONFIG_SECCOMP_FILTER");
                return;
        }
        it = add(r, "seccomp", CR_DOCTOR_FAIL, "SECCOMP_RET_KILL_PROCESS is not available");
        fix(it, "Linux 4.14 or newer");
}

/* A syscall the sandbox needs (or can do without, for WARN). */
static void check_syscall(struct cr_doctor_report *r, const char *name, int e, enum cr_doctor_status missing,
                          const char *use, const char *remedy)
{
        struct cr_doctor_item *it;

        if (e == 0) {
                add(r, name, CR_DOCTOR_OK, "available: %s", use);
                return;
        }
        it = add(r, name, missing, "%s: %s", e == ENOSYS ? "missing (ENOSYS)" : strerror(e), use);
        fix(it, "%s", remedy);
}

void cr_doctor_evaluate(const struct cr_doctor_facts *f, struct cr_doctor_report *ret)
{
        *ret = (struct cr_doctor_report){.n = 0};
        check_privileges(f, ret);
        check_cgroups(f, ret);
        check_memory_peak(f, ret);
        check_swap(f, ret);
        check_userns(f, ret);
        check_seccomp(f, ret);
        check_syscall(
                ret, "clone3", f->clone3_errno, CR_DOCTOR_FAIL,
                "every sandbox starts with clone3 (CLONE_INTO_CGROUP on cgroup v2)",
                "Linux 5.3 or newer (5.7 for cgroup v2); inside a container, a seccomp profile that answers "
                "clone3 with ENOSYS (Docker's default does) must allow it");
        check_syscall(ret, "pidfd", f->pidfd_errno, CR_DOCTOR_FAIL,
                      "the supervisor watches and kills each sandbox through a pidfd", "Linux 5.3 or newer");
        check_syscall(ret, "openat2", f->openat2_errno, CR_DOCTOR_WARN,
                      "image unpacking walks paths with RESOLVE_BENEATH",
                      "Linux 5.6 or newer; until then the O_NOFOLLOW component walk is used");
}

enum cr_doctor_status cr_doctor_worst(const struct cr_doctor_report *r)
{
        enum cr_doctor_status worst = CR_DOCTOR_OK;

        for (size_t i = 0; i < r->n; i++)
                if (r->items[i].status > worst)
                        worst = r->items[i].status;
        return worst;
}

int cr_doctor_report_text(const struct cr_doctor_report *r, struct cr_buf *out)
{
        unsigned counts[_CR_DOCTOR_STATUS_MAX] = {0};
        int k = 0;

        for (size_t i = 0; i < r->n && k >= 0; i++) {
                const struct cr_doctor_item *it = &r->items[i];

                counts[it->status]++;
                k = cr_buf_printf(out, "%-5s %-16s %s\n", cr_doctor_status_to_string(it->status), it->name,
                                  it->detail);
                if (k >= 0 && it->fix[0])
                        k = cr_buf_printf(out, "%-22s fix: %s\n", "", it->fix);
        }
        if (k >= 0)
                k = cr_buf_printf(out, "%u OK, %u WARN, %u FAIL\n", counts[CR_DOCTOR_OK],
                                  counts[CR_DOCTOR_WARN], counts[CR_DOCTOR_FAIL]);
        return k;
}

int cr_doctor_report_json(const struct cr_doctor_report *r, struct cr_buf *out)
{
        struct cr_json_writer w;
        int k;

        cr_json_writer_init(&w, out);
        cr_json_object_begin(&w);
        cr_json_field_string(&w, "status", cr_doctor_status_to_string(cr_doctor_worst(r)));
        cr_json_key(&w, "items");
        cr_json_array_begin(&w);
        for (size_t i = 0; i < r->n; i++) {
                const struct cr_doctor_item *it = &r->items[i];

                cr_json_object_begin(&w);
                cr_json_field_string(&w, "name", it->name);
                cr_json_field_string(&w, "status", cr_doctor_status_to_string(it->status));
                cr_json_field_string(&w, "detail", it->detail);
                cr_json_field_string(&w, "fix", it->fix);
                cr_json_object_end(&w);
        }
        cr_json_array_end(&w);
        cr_json_object_end(&w);
        k = cr_json_writer_finish(&w);
        return k < 0 ? k : cr_buf_append(out, "\n", 1);
}
