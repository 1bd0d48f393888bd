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
#include "cleanup.h"
#include "doctor/doctor.h"
#include "sandbox/cgroup.h"
#include "../lib/tests.h"

/* The judgement on made-up hosts (every FAIL and WARN with its fix), the
 * /proc readers on a fake tree, and the probes on this machine. */

static struct cr_doctor_facts good_host(void)
{
        return (struct cr_doctor_facts){
                .root = true,
                .cgroup_mode = CR_CGROUP_MODE_V2,
                .controllers = CR_CGROUP_MEMORY | CR_CGROUP_PIDS | CR_CGROUP_CPU | CR_CGROUP_CPUACCT,
                .memory_peak = true,
                .swap_accounting = true,
                .swap_total_kb = 0,
                .max_user_namespaces = 15000,
                .unprivileged_userns = -1,
                .apparmor_restrict = -1,
                .seccomp_kill_process = true,
        };
}

static const struct cr_doctor_item *item(const struct cr_doctor_report *r, const char *name)
{
        for (size_t i = 0; i < r->n; i++)
                if (strcmp(r->items[i].name, name) == 0)
                        return &r->items[i];
        return NULL;
}

#define ASSERT_ITEM(r, which, st, detail_part, fix_part)                                         \
        do {                                                                                    \
                const struct cr_doctor_item *_it = item((r), (which));                           \
                ASSERT_TRUE(_it);                                                               \
                if (_it->status != (st) || !strstr(_it->detail, (detail_part)) ||               \
                    !strstr(_it->fix, (fix_part)))                                              \
                        printf("# %s: %s | %s | fix: %s\n", _it->name,                          \
                               cr_doctor_status_to_string(_it->status), _it->detail, _it->fix); \
                ASSERT_EQ(_it->status, (st));                                                   \
                ASSERT_TRUE(strstr(_it->detail, (detail_part)));                                \
                ASSERT_TRUE(strstr(_it->fix, (fix_part)));                                      \
        } while (0)

TEST(good_host_is_all_ok)
{
        struct cr_doctor_facts f = good_host();
        struct cr_doctor_report r;

        cr_doctor_evaluate(&f, &r);
        ASSERT_EQ(r.n, 9);
        ASSERT_EQ(cr_doctor_worst(&r), CR_DOCTOR_OK);
        ASSERT_ITEM(&r, "cgroups", CR_DOCTOR_OK, "cgroup v2 (unified): memory, pids, cpu, cpuacct", "");
        ASSERT_ITEM(&r, "swap", CR_DOCTOR_OK, "no swap", "");
        for (size_t i = 0; i < r.n; i++)
                ASSERT_TRUE(r.items[i].fix[0] == 0);
}

TEST(cgroup_failures)
{
        struct cr_doctor_facts f = good_host();
        struct cr_doctor_report r;

        f.controllers = CR_CGROUP_CPU | CR_CGROUP_CPUACCT;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "cgroups", CR_DOCTOR_FAIL, "controller(s) memory, pids not usable", "Delegate=yes");
        ASSERT_ITEM(&r, "memory.peak", CR_DOCTOR_WARN, "no memory controller", "");
        ASSERT_EQ(cr_doctor_worst(&r), CR_DOCTOR_FAIL);

        f.cgroup_mode = CR_CGROUP_MODE_V1;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "cgroups", CR_DOCTOR_FAIL, "cgroup v1", "mount the v1 hierarchies");

        f.cgroup_mode = -1;
        snprintf(f.cgroup_error, sizeof(f.cgroup_error), "open cgroup root: No such file or directory");
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "cgroups", CR_DOCTOR_FAIL, "no usable cgroup filesystem: open cgroup root",
                    "mount cgroup2");

        f = good_host();
        f.controllers &= ~(unsigned)CR_CGROUP_CPU;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "cgroups", CR_DOCTOR_WARN, "memory, pids, cpuacct", "cpu controller");
        ASSERT_EQ(cr_doctor_worst(&r), CR_DOCTOR_WARN);
}

TEST(memory_peak_and_swap)
{
        struct cr_doctor_facts f = good_host();
        struct cr_doctor_report r;

        f.memory_peak = false;
        f.swap_total_kb = 2048 * 1024;
        f.swap_accounting = false;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "memory.peak", CR_DOCTOR_WARN, "short peaks can be missed", "Linux 5.19");
        ASSERT_ITEM(&r, "swap", CR_DOCTOR_WARN, "2048 MiB of swap and no swap accounting", "swapoff -a");
        f.cgroup_mode = CR_CGROUP_MODE_V1;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "swap", CR_DOCTOR_WARN, "MEMORY_LIMIT", "swapaccount=1");
        f.swap_accounting = true;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "swap", CR_DOCTOR_OK, "2048 MiB of swap, accounted", "");
        f.swap_total_kb = -1;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "swap", CR_DOCTOR_WARN, "could not read SwapTotal", "/proc");
}

TEST(user_namespace_failures_name_the_fix)
{
        struct cr_doctor_facts f = good_host();
        struct cr_doctor_report r;

        f.userns_errno = EPERM;
        f.apparmor_restrict = 1;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "user namespaces", CR_DOCTOR_FAIL, "apparmor_restrict_unprivileged_userns=1",
                    "kernel.apparmor_restrict_unprivileged_userns=0");
        f.max_user_namespaces = 0;
        f.userns_errno = ENOSPC;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "user namespaces", CR_DOCTOR_FAIL, "No space left on device",
                    "user.max_user_namespaces");
        f = good_host();
        f.root = false;
        f.unprivileged_userns = 0;
        f.userns_errno = EPERM;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "user namespaces", CR_DOCTOR_FAIL, "Operation not permitted",
                    "unprivileged_userns_clone=1");
        ASSERT_ITEM(&r, "privileges", CR_DOCTOR_FAIL, "not root", "run coderunner as root");
        f = good_host();
        f.userns_errno = EPERM;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "user namespaces", CR_DOCTOR_FAIL, "failed", "privileged container");
        /* restricted for others, fine for root */
        f = good_host();
        f.apparmor_restrict = 1;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "user namespaces", CR_DOCTOR_OK, "root is not affected", "");
}

TEST(syscall_failures)
{
        struct cr_doctor_facts f = good_host();
        struct cr_doctor_report r;

        f.clone3_errno = ENOSYS;
        f.pidfd_errno = ENOSYS;
        f.openat2_errno = ENOSYS;
        f.seccomp_errno = EINVAL;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "clone3", CR_DOCTOR_FAIL, "missing (ENOSYS)", "Docker's default does");
        ASSERT_ITEM(&r, "pidfd", CR_DOCTOR_FAIL, "missing", "Linux 5.3");
        ASSERT_ITEM(&r, "openat2", CR_DOCTOR_WARN, "missing", "O_NOFOLLOW component walk");
        ASSERT_ITEM(&r, "seccomp", CR_DOCTOR_FAIL, "could not install", "CONFIG_SECCOMP_FILTER");
        f.seccomp_errno = 0;
        f.seccomp_kill_process = false;
        cr_doctor_evaluate(&f, &r);
        ASSERT_ITEM(&r, "seccomp", CR_DOCTOR_FAIL, "KILL_PROCESS is not available", "4.14");
}

static void write_file(const char *dir, const char *rel, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        f = fopen(path, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void remove_fake_tree(const char *dir)
{
        static const char *const files[] = {"sys/user/max_user_namespaces",
                                            "sys/kernel/apparmor_restrict_unprivileged_userns",
                                            "meminfo",
                                            "sys/user",
                                            "sys/kernel",
                                            "sys",
                                            ""};
        char path[512];

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                (void)remove(path);
        }
}

TEST(proc_readers_on_a_fake_tree)
{
        char dir[] = "/tmp/cr-doctor-XXXXXX", path[512];
        struct cr_doctor_facts f = {0};

        ASSERT_TRUE(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/sys", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/sys/user", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/sys/kernel", dir);
        mkdir(path, 0700);
        write_file(dir, "sys/user/max_user_namespaces", "0\n");
        write_file(dir, "sys/kernel/apparmor_restrict_unprivileged_userns", "1\n");
        write_file(dir, "meminfo",
                   "MemTotal:       24000000 kB\nSwapCached:            0 kB\n"
                   "SwapTotal:       2097148 kB\nSwapFree:        2097148 kB\n");
        cr_doctor_read_proc(dir, &f);
        ASSERT_EQ(f.max_user_namespaces, 0);
        ASSERT_EQ(f.apparmor_restrict, 1);
        ASSERT_EQ(f.unprivileged_userns, -1); /* absent: not a Debian kernel knob here */
        ASSERT_EQ(f.swap_total_kb, 2097148);

        write_file(dir, "meminfo", "SwapTotal: lots\n");
        write_file(dir, "sys/user/max_user_namespaces", "many\n");
        cr_doctor_read_proc(dir, &f);
        ASSERT_EQ(f.swap_total_kb, -1);
        ASSERT_EQ(f.max_user_namespaces, -1);

        write_file(dir, "meminfo", "SwapTotal:             0 kB\n");
        cr_doctor_read_proc(dir, &f);
        ASSERT_EQ(f.swap_total_kb, 0);
        remove_fake_tree(dir);
}

TEST(reports)
{
        struct cr_doctor_facts f = good_host();
        struct cr_doctor_report r;
        _cleanup_buf_ struct cr_buf text = CR_BUF_INIT(1 << 16), json = CR_BUF_INIT(1 << 16);

        f.openat2_errno = ENOSYS;
        cr_doctor_evaluate(&f, &r);
        ASSERT_OK(cr_doctor_report_text(&r, &text));
        ASSERT_TRUE(strstr(text.data, "WARN  openat2          missing (ENOSYS): image unpacking"));
        ASSERT_TRUE(strstr(text.data, "                       fix: Linux 5.6 or newer"));
        ASSERT_TRUE(strstr(text.data, "8 OK, 1 WARN, 0 FAIL\n"));
        ASSERT_OK(cr_doctor_report_json(&r, &json));
        ASSERT_TRUE(strncmp(json.data,
                            "{\"status\":\"WARN\",\"items\":[{\"name\":\"privileges\",\"status\":\"OK\"",
                            60) == 0);
        ASSERT_TRUE(
                strstr(json.data,
                       "\"fix\":\"Linux 5.6 or newer; until then the O_NOFOLLOW component walk is used\"}"));
}

/* This machine: every kernel CI runs on has these (Debian 12's is 6.1). */
TEST(probes_on_this_host)
{
        struct cr_doctor_facts f;
        struct cr_doctor_report r;

        cr_doctor_gather(NULL, &f);
        cr_doctor_evaluate(&f, &r);
        ASSERT_EQ(f.clone3_errno, 0);
        ASSERT_EQ(f.pidfd_errno, 0);
        ASSERT_EQ(f.openat2_errno, 0);
        ASSERT_EQ(f.seccomp_errno, 0);
        ASSERT_TRUE(f.seccomp_kill_process);
        ASSERT_TRUE(f.swap_total_kb >= 0);
        ASSERT_EQ(r.n, 9);
        if (!f.root)
                SKIP("not root: the user namespace and cgroup probes need root");
        ASSERT_EQ(f.userns_errno, 0);
        ASSERT_TRUE(f.cgroup_mode >= 0);
        ASSERT_TRUE(f.controllers & CR_CGROUP_PIDS);
        ASSERT_ITEM(&r, "user namespaces", CR_DOCTOR_OK, "a child created", "");
}

TESTS_MAIN
