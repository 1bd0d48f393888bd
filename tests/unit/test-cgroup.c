/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cgroup-internal.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"
#include "cleanup.h"
#include "error.h"
#include "fd-util.h"
#include "missing.h"
#include "proc-util.h"
#include "tests.h"
#include "xalloc.h"

/* Three tiers: pure parsers; fake v1/v2 trees in a tmpdir (forced mode, the
 * test hooks create the control files the kernel would); and real cgroups
 * beneath our own on this host (root only, skipped otherwise). */

#define MiB (1024ULL * 1024ULL)

static const char HOST_V1[] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
                              "4:memory:/process_api/5b0d4e014a7a0362541e28bfdf2bbcf6\n3:cpuset:/\n"
                              "2:cpuacct:/\n1:cpu:/\n0::/\n";

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st _unused_, int flag, struct FTW *ftw _unused_)
{
        return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -errno : 0;
}

static void rm_rf_freep(char **dir)
{
        if (*dir)
                (void)nftw(*dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(*dir);
        *dir = NULL;
}

static void manager_freep(struct cr_cgroup_manager **m)
{
        *m = cr_cgroup_manager_free(*m);
}

static void cgroup_destroyp(struct cr_cgroup **cg)
{
        if (*cg)
                (void)cr_cgroup_destroy(*cg, NULL);
        *cg = NULL;
}

static int mkdir_p(const char *base, const char *rel)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", base, rel);

        for (char *p = path + strlen(base) + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *p = '/';
                }
        return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Creates (truncating) base/rel with content. */
static int put(const char *base, const char *rel, const char *content)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", base, rel);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        return loop_write(fd, content, strlen(content));
}

/* Content of base/rel (static buffer), or "<errno>" when unreadable. */
static const char *get(const char *base, const char *rel)
{
        static char buf[4096];
        _cleanup_free_ char *path = xasprintf("%s/%s", base, rel);

        if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
                (void)snprintf(buf, sizeof(buf), "<%s>", strerror(errno));
        return buf;
}

static bool exists(const char *base, const char *rel)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", base, rel);

        return access(path, F_OK) == 0;
}

static int touch_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        safe_close(fd);
        return 0;
}

/* ---- fake trees ---- */

/* The hooks' state. Tests declare it first so it outlives the cleanup of
 * their cgroup, whose destroy still calls the hooks. */
struct fake {
        enum cr_cgroup_mode mode;
        bool no_memsw, no_swap, no_peak, no_kill;
        int created, removed;
};

static int fake_leaf_created(int fd, unsigned c, void *userdata)
{
        static const struct {
                enum cr_cgroup_mode mode;
                unsigned controller; /* 0: always */
                const char *file;
        } files[] = {
                {CR_CGROUP_MODE_V1, 0, "cgroup.procs"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_MEMORY, "memory.limit_in_bytes"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_MEMORY, "memory.max_usage_in_bytes"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_MEMORY, "memory.oom_control"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_MEMORY, "memory.failcnt"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_PIDS, "pids.max"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_CPU, "cpu.cfs_period_us"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_CPU, "cpu.cfs_quota_us"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_CPUACCT, "cpuacct.usage"},
                {CR_CGROUP_MODE_V1, CR_CGROUP_FREEZER, "freezer.state"},
                {CR_CGROUP_MODE_V2, 0, "cgroup.procs"},
                {CR_CGROUP_MODE_V2, 0, "cgroup.freeze"},
                {CR_CGROUP_MODE_V2, 0, "cgroup.events"},
                {CR_CGROUP_MODE_V2, 0, "cpu.stat"},
                {CR_CGROUP_MODE_V2, CR_CGROUP_MEMORY, "memory.max"},
                {CR_CGROUP_MODE_V2, CR_CGROUP_MEMORY, "memory.current"},
                {CR_CGROUP_MODE_V2, CR_CGROUP_MEMORY, "memory.events"},
                {CR_CGROUP_MODE_V2, CR_CGROUP_PIDS, "pids.max"},
                {CR_CGROUP_MODE_V2, CR_CGROUP_CPU, "cpu.max"},
        };
        struct fake *f = userdata;
        int r = 0;

        f->created++;
        for (size_t i = 0; i < ARRAY_SIZE(files) && r >= 0; i++)
                if (files[i].mode == f->mode && (files[i].controller == 0 || (c & files[i].controller)))
                        r = touch_at(fd, files[i].file);
        if (r >= 0 && f->mode == CR_CGROUP_MODE_V1 && (c & CR_CGROUP_MEMORY) && !f->no_memsw)
                r = touch_at(fd, "memory.memsw.limit_in_bytes");
        if (r >= 0 && f->mode == CR_CGROUP_MODE_V2 && (c & CR_CGROUP_MEMORY) && !f->no_swap)
                r = touch_at(fd, "memory.swap.max");
        if (r >= 0 && f->mode == CR_CGROUP_MODE_V2 && (c & CR_CGROUP_MEMORY) && !f->no_peak)
                r = touch_at(fd, "memory.peak");
        if (r >= 0 && f->mode == CR_CGROUP_MODE_V2 && !f->no_kill)
                r = touch_at(fd, "cgroup.kill");
        return r;
}

/* The kernel removes control files with the directory; a fake tree needs it done. */
static void fake_leaf_removing(int fd, void *userdata)
{
        struct fake *f = userdata;
        DIR *d;
        struct dirent *de;
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        f->removed++;
        d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                safe_close(dfd);
                return;
        }
        while ((de = readdir(d)))
                if (de->d_type == DT_REG)
                        (void)unlinkat(fd, de->d_name, 0);
        closedir(d);
}

static void fake_hooks(struct cr_cgroup_manager *m, struct fake *f)
{
        struct cgroup_test_hooks h = {
                .leaf_created = fake_leaf_created,
                .leaf_removing = fake_leaf_removing,
                .userdata = f,
        };

        f->mode = cr_cgroup_manager_mode(m);
        cr_cgroup_manager_set_test_hooks(m, &h);
}

static char *make_tmpdir(void)
{
        char *dir = xstrdup("/tmp/test-cgroup.XXXXXX");

        if (!mkdtemp(dir)) {
                free(dir);
                return NULL;
        }
        return dir;
}

static int list_name(const char *name, void *userdata)
{
        struct {
                char seen[8][16];
                int n;
        } *names = userdata;

        if (names->n >= 8 || strlen(name) >= sizeof(names->seen[0]))
                return -E2BIG;
        memcpy(names->seen[names->n++], name, strlen(name) + 1);
        return 0;
}

/* systemd's layout: "cpu,cpuacct" with cpu and cpuacct symlinks to it;
 * memory nested like this host's /process_api/<id>. */
static char *make_fake_v1(void)
{
        char *root = make_tmpdir();
        _cleanup_free_ char *cpu = NULL, *cpuacct = NULL;

        if (!root)
                return NULL;
        cpu = xasprintf("%s/cpu", root);
        cpuacct = xasprintf("%s/cpuacct", root);
        if (mkdir_p(root, "memory/process_api/abc") < 0 || mkdir_p(root, "pids") < 0 ||
            mkdir_p(root, "cpu,cpuacct") < 0 || mkdir_p(root, "freezer") < 0 ||
            symlink("cpu,cpuacct", cpu) < 0 || symlink("cpu,cpuacct", cpuacct) < 0)
                return NULL;
        return root;
}

static const char FAKE_V1_SELF[] = "11:freezer:/\n7:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n"
                                   "1:name=systemd:/init.scope\n0::/init.scope\n";

static int fake_v1_manager(const char *root, const char *self, struct cr_cgroup_manager **ret)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_options o = {.root = root, .mode = CR_CGROUP_MODE_V1, .proc_self_cgroup = self};
        int r = cr_cgroup_manager_new(&o, ret, &err);

        if (r < 0)
                printf("# manager_new: %s\n", err->msg);
        return r;
}

static char *make_fake_v2(const char *controllers)
{
        char *root = make_tmpdir();
        const char *own = "svc.slice/coderunner.service";
        _cleanup_free_ char *sup = xasprintf("%s/supervisor", own);
        _cleanup_free_ char *file = NULL;

        if (!root || mkdir_p(root, sup) < 0)
                return NULL;
        file = xasprintf("%s/cgroup.controllers", own);
        if (put(root, file, controllers) < 0)
                return NULL;
        free(file);
        file = xasprintf("%s/cgroup.subtree_control", own);
        if (put(root, file, "") < 0)
                return NULL;
        free(file);
        file = xasprintf("%s/cgroup.freeze", own);
        if (put(root, file, "") < 0)
                return NULL;
        free(file);
        file = xasprintf("%s/cgroup.procs", sup);
        if (put(root, file, "") < 0)
                return NULL;
        return root;
}

static int fake_v2_manager(const char *root, const char *self, bool move, struct cr_cgroup_manager **ret)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_options o = {
                .root = root,
                .mode = CR_CGROUP_MODE_V2,
                .proc_self_cgroup = self,
                .move_self_to_leaf = move,
        };
        int r = cr_cgroup_manager_new(&o, ret, &err);

        if (r < 0)
                printf("# manager_new: %s\n", err->msg);
        return r;
}

/* A child that sleeps until killed: a real pid for fake attach/kill tests. */
static pid_t sleeper(void)
{
        pid_t pid = fork();

        if (pid == 0) {
                alarm(60); /* never outlive a test that lost track of us */
                for (;;)
                        pause();
        }
        return pid;
}

static void sleeper_reapp(pid_t *pid)
{
        if (*pid > 0) {
                (void)kill(*pid, SIGKILL);
                (void)waitpid(*pid, NULL, 0);
        }
}

/* ---- pure parsers ---- */

TEST(proc_self_hybrid)
{
        _cleanup_free_ char *path = NULL, *list = NULL;
        uint32_t id = 99;

        ASSERT_OK(cr_cgroup_parse_proc_self(HOST_V1, "memory", &id, &list, &path));
        ASSERT_EQ(id, 4);
        ASSERT_STREQ(list, "memory");
        ASSERT_STREQ(path, "process_api/5b0d4e014a7a0362541e28bfdf2bbcf6");
        free(path);
        path = NULL;
        ASSERT_OK(cr_cgroup_parse_proc_self(HOST_V1, "pids", &id, NULL, &path));
        ASSERT_EQ(id, 8);
        ASSERT_STREQ(path, "");
        free(path);
        path = NULL;
        ASSERT_OK(cr_cgroup_parse_proc_self(HOST_V1, "cpu", &id, NULL, &path));
        ASSERT_EQ(id, 1);
        free(path);
        path = NULL;
        ASSERT_OK(cr_cgroup_parse_proc_self(HOST_V1, "cpuacct", &id, NULL, &path));
        ASSERT_EQ(id, 2);
        free(path);
        path = NULL;
        ASSERT_OK(cr_cgroup_parse_proc_self(HOST_V1, NULL, &id, NULL, &path));
        ASSERT_EQ(id, 0);
        ASSERT_STREQ(path, "");
        ASSERT_ERRNO(cr_cgroup_parse_proc_self(HOST_V1, "systemd", &id, NULL, &path), ENOENT);
        ASSERT_ERRNO(cr_cgroup_parse_proc_self(HOST_V1, "hugetlb", &id, NULL, &path), ENOENT);
        ASSERT_ERRNO(cr_cgroup_parse_proc_self(HOST_V1, "", &id, NULL, &path), EINVAL);
}

TEST(proc_self_comounted_and_v2)
{
        static const char comounted[] = "3:cpu,cpuacct:/system.slice/x.service\n2:freezer:/";
        static const char v2[] = "0::/system.slice/coderunner.service/supervisor\n";
        _cleanup_free_ char *path = NULL, *list = NULL;
        uint32_t id;

        ASSERT_OK(cr_cgroup_parse_proc_self(comounted, "cpuacct", &id, &list, &path));
        ASSERT_EQ(id, 3);
        ASSERT_STREQ(list, "cpu,cpuacct");
        ASSERT_STREQ(path, "system.slice/x.service");
        free(path);
        path = NULL;
        ASSERT_OK(cr_cgroup_parse_proc_self(comounted, "freezer", &id, NULL, &path)); /* no final newline */
        ASSERT_STREQ(path, "");
        ASSERT_ERRNO(cr_cgroup_parse_proc_self(comounted, "cpua", &id, NULL, &path), ENOENT);
        ASSERT_ERRNO(cr_cgroup_parse_proc_self(comounted, NULL, &id, NULL, &path), ENOENT);
        free(path);
        path = NULL;
        ASSERT_OK(cr_cgroup_parse_proc_self(v2, NULL, &id, NULL, &path));
        ASSERT_STREQ(path, "system.slice/coderunner.service/supervisor");
        ASSERT_ERRNO(cr_cgroup_parse_proc_self(v2, "memory", &id, NULL, &path), ENOENT);
}

TEST(proc_self_malformed)
{
        static const char *const invalid[] = {
                "4:memory:relative\n", "4:memory:/a/../b\n", "4:memory:/..\n",  "4:memory:/a//b\n",
                "4:memory:/a/\n",      "4:memory:\n",        "4:memory:/./a\n",
        };
        static const char *const skipped[] = {"",
                                              "\n\n",
                                              "garbage\n",
                                              "x:memory:/a\n",
                                              "4memory/a\n",
                                              ":memory:/a\n",
                                              "99999999999999999999:memory:/a\n"};
        _cleanup_free_ char *path = NULL;
        uint32_t id = 7;

        for (size_t i = 0; i < ARRAY_SIZE(invalid); i++)
                ASSERT_ERRNO(cr_cgroup_parse_proc_self(invalid[i], "memory", &id, NULL, &path), EINVAL);
        for (size_t i = 0; i < ARRAY_SIZE(skipped); i++)
                ASSERT_ERRNO(cr_cgroup_parse_proc_self(skipped[i], "memory", &id, NULL, &path), ENOENT);
        ASSERT_TRUE(path == NULL);
        ASSERT_EQ(id, 7); /* outputs untouched on failure */
        /* A bad line elsewhere does not hide the one asked for. */
        ASSERT_OK(cr_cgroup_parse_proc_self("garbage\n4:memory:/ok\n", "memory", &id, NULL, &path));
        ASSERT_STREQ(path, "ok");
}

TEST(keyed)
{
        static const char cpu_stat[] = "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n"
                                       "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n";
        static const char oom_control[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        static const char events[] = "low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\noom_group_kill 0";
        uint64_t v = 0;

        ASSERT_OK(cr_cgroup_parse_keyed(cpu_stat, "usage_usec", &v));
        ASSERT_UEQ(v, 123456);
        ASSERT_OK(cr_cgroup_parse_keyed(cpu_stat, "system_usec", &v));
        ASSERT_UEQ(v, 23456);
        ASSERT_OK(cr_cgroup_parse_keyed(oom_control, "oom_kill", &v));
        ASSERT_UEQ(v, 3);
        ASSERT_OK(cr_cgroup_parse_keyed(events, "max", &v));
        ASSERT_UEQ(v, 17);
        ASSERT_OK(cr_cgroup_parse_keyed(events, "oom_kill", &v));
        ASSERT_UEQ(v, 1);
        ASSERT_OK(cr_cgroup_parse_keyed(events, "oom_group_kill", &v)); /* last line, no newline */
        ASSERT_UEQ(v, 0);
        ASSERT_ERRNO(cr_cgroup_parse_keyed(oom_control, "oom", &v), ENOENT); /* not a prefix match */
        ASSERT_ERRNO(cr_cgroup_parse_keyed(cpu_stat, "usage", &v), ENOENT);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("", "max", &v), ENOENT);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("max\n", "max", &v), ENOENT);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("max \n", "max", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("max -1\n", "max", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("max 1 2\n", "max", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("max 18446744073709551616\n", "max", &v), ERANGE);
        ASSERT_ERRNO(cr_cgroup_parse_keyed("max 1\n", "", &v), EINVAL);
        ASSERT_UEQ(v, 0);
        ASSERT_OK(cr_cgroup_parse_keyed("a 1\nmax max\n", "max", &v));
        ASSERT_UEQ(v, UINT64_MAX);
}

TEST(single_value)
{
        uint64_t v = 5;

        ASSERT_OK(cr_cgroup_parse_u64("67108864\n", &v));
        ASSERT_UEQ(v, 67108864);
        ASSERT_OK(cr_cgroup_parse_u64("0", &v));
        ASSERT_UEQ(v, 0);
        ASSERT_OK(cr_cgroup_parse_u64("max\n", &v));
        ASSERT_UEQ(v, UINT64_MAX);
        ASSERT_OK(cr_cgroup_parse_u64("9223372036854771712\n", &v));
        ASSERT_UEQ(v, 9223372036854771712ULL);
        ASSERT_ERRNO(cr_cgroup_parse_u64("", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_u64("\n", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_u64("-1\n", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_u64(" 1", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_u64("1\n\n", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_u64("12a", &v), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_u64("18446744073709551616", &v), ERANGE);
        ASSERT_UEQ(v, 9223372036854771712ULL);
}

TEST(controllers_and_pids)
{
        pid_t pids[4];
        size_t n = 99;

        ASSERT_EQ(cr_cgroup_parse_controllers("cpuset cpu io memory hugetlb pids rdma misc\n"),
                  CR_CGROUP_MEMORY | CR_CGROUP_PIDS | CR_CGROUP_CPU);
        ASSERT_EQ(cr_cgroup_parse_controllers("cpuset io\n"), 0);
        ASSERT_EQ(cr_cgroup_parse_controllers(""), 0);
        ASSERT_EQ(cr_cgroup_parse_controllers("  memory  "), CR_CGROUP_MEMORY);
        ASSERT_EQ(cr_cgroup_parse_controllers("cpuacct freezer +memory"), 0);

        ASSERT_OK(cr_cgroup_parse_pids("1\n22\n333\n", false, pids, ARRAY_SIZE(pids), &n));
        ASSERT_EQ(n, 3);
        ASSERT_EQ(pids[2], 333);
        ASSERT_OK(cr_cgroup_parse_pids("1\n2\n33", true, pids, ARRAY_SIZE(pids), &n));
        ASSERT_EQ(n, 2);
        ASSERT_OK(cr_cgroup_parse_pids("1\n2\n33", false, pids, ARRAY_SIZE(pids), &n));
        ASSERT_EQ(n, 3);
        ASSERT_OK(cr_cgroup_parse_pids("1\n2\n3\n4\n5\n6\n", false, pids, ARRAY_SIZE(pids), &n));
        ASSERT_EQ(n, 4);
        ASSERT_OK(cr_cgroup_parse_pids("", false, pids, ARRAY_SIZE(pids), &n));
        ASSERT_EQ(n, 0);
        n = 42;
        ASSERT_ERRNO(cr_cgroup_parse_pids("0\n", false, pids, ARRAY_SIZE(pids), &n), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_pids("12\nabc\n", false, pids, ARRAY_SIZE(pids), &n), EINVAL);
        ASSERT_ERRNO(cr_cgroup_parse_pids("2147483648\n", false, pids, ARRAY_SIZE(pids), &n), EINVAL);
        ASSERT_EQ(n, 42);
}

TEST(names_and_paths)
{
        ASSERT_TRUE(cr_cgroup_name_is_valid("job-0123abcd"));
        ASSERT_TRUE(cr_cgroup_name_is_valid("a.b_c:d@e"));
        ASSERT_FALSE(cr_cgroup_name_is_valid(""));
        ASSERT_FALSE(cr_cgroup_name_is_valid("."));
        ASSERT_FALSE(cr_cgroup_name_is_valid(".."));
        ASSERT_FALSE(cr_cgroup_name_is_valid("a/b"));
        ASSERT_FALSE(cr_cgroup_name_is_valid("a b"));
        ASSERT_FALSE(cr_cgroup_name_is_valid("a\nb"));
        ASSERT_FALSE(cr_cgroup_name_is_valid(NULL));

        ASSERT_TRUE(cr_cgroup_path_is_valid(""));
        ASSERT_TRUE(cr_cgroup_path_is_valid("a"));
        ASSERT_TRUE(cr_cgroup_path_is_valid("a/b.c/d"));
        ASSERT_TRUE(cr_cgroup_path_is_valid("..a/b.."));
        ASSERT_FALSE(cr_cgroup_path_is_valid("/a"));
        ASSERT_FALSE(cr_cgroup_path_is_valid("a/"));
        ASSERT_FALSE(cr_cgroup_path_is_valid("a//b"));
        ASSERT_FALSE(cr_cgroup_path_is_valid("a/../b"));
        ASSERT_FALSE(cr_cgroup_path_is_valid("./a"));
        ASSERT_FALSE(cr_cgroup_path_is_valid(".."));

        ASSERT_STREQ(cr_cgroup_mode_to_string(CR_CGROUP_MODE_V1), "v1");
        ASSERT_STREQ(cr_cgroup_mode_to_string(CR_CGROUP_MODE_V2), "v2");
        ASSERT_TRUE(cr_cgroup_mode_to_string(_CR_CGROUP_MODE_INVALID) == NULL);
        ASSERT_STREQ(cr_cgroup_controller_to_string(CR_CGROUP_CPUACCT), "cpuacct");
        ASSERT_STREQ(cr_cgroup_controller_to_string(CR_CGROUP_FREEZER), "freezer");
        ASSERT_TRUE(cr_cgroup_controller_to_string(CR_CGROUP_MEMORY | CR_CGROUP_PIDS) == NULL);
}

/* ---- fake v1 ---- */

TEST(fake_v1_create_limits_destroy)
{
        struct fake f = {0};
        _cleanup_(rm_rf_freep) char *root = make_fake_v1();
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {
                .memory_bytes = 64 * MiB,
                .pids = 16,
                .cpu_quota_us = 50000,
                .cpu_period_us = 200000,
        };
        struct cr_cgroup *dup = NULL;

        ASSERT_TRUE(root);
        ASSERT_OK(fake_v1_manager(root, FAKE_V1_SELF, &m));
        ASSERT_EQ(cr_cgroup_manager_mode(m), CR_CGROUP_MODE_V1);
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_ALL);
        ASSERT_EQ(m->n_hier, 4); /* cpu and cpuacct share one */
        fake_hooks(m, &f);

        ASSERT_OK(cr_cgroup_create(m, "job1", &l, &cg, &err));
        ASSERT_EQ(f.created, 4);
        ASSERT_EQ(cr_cgroup_dirfd(cg), -1);
        ASSERT_STREQ(get(root, "memory/process_api/abc/job1/memory.limit_in_bytes"), "67108864");
        ASSERT_STREQ(get(root, "memory/process_api/abc/job1/memory.memsw.limit_in_bytes"), "67108864");
        ASSERT_STREQ(get(root, "pids/job1/pids.max"), "16");
        ASSERT_STREQ(get(root, "cpu,cpuacct/job1/cpu.cfs_period_us"), "200000");
        ASSERT_STREQ(get(root, "cpu/job1/cpu.cfs_quota_us"), "50000");
        ASSERT_STREQ(get(root, "freezer/job1/freezer.state"), "");
        ASSERT_FALSE(exists(root, "memory/job1"));

        ASSERT_ERRNO(cr_cgroup_create(m, "job1", &l, &dup, &err), EEXIST);
        /* a clash is our fault, not the request's: INTERNAL, never INVALID_ARGUMENT */
        ASSERT_EQ(err->kind, CR_ERROR_INTERNAL);
        ASSERT_TRUE(dup == NULL);
        ASSERT_TRUE(exists(root, "pids/job1")); /* the failed duplicate removed nothing */
        err = cr_error_free(err);

        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_EQ(f.removed, 4);
        ASSERT_FALSE(exists(root, "memory/process_api/abc/job1"));
        ASSERT_FALSE(exists(root, "pids/job1"));
        ASSERT_FALSE(exists(root, "cpu,cpuacct/job1"));
        ASSERT_FALSE(exists(root, "freezer/job1"));
        ASSERT_OK(cr_cgroup_destroy(NULL, &err));
}

TEST(fake_v1_attach_stats_kill)
{
        struct fake f = {0};
        _cleanup_(rm_rf_freep) char *root = make_fake_v1();
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_(sleeper_reapp) pid_t child = -1;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_stats s;
        char pid[32];
        uint64_t ns = 0;
        int status;

        ASSERT_TRUE(root);
        ASSERT_OK(fake_v1_manager(root, FAKE_V1_SELF, &m));
        fake_hooks(m, &f);
        ASSERT_OK(cr_cgroup_create(m, "job2", NULL, &cg, &err));
        ASSERT_STREQ(get(root, "pids/job2/pids.max"), ""); /* zero limits write nothing */
        ASSERT_STREQ(get(root, "memory/process_api/abc/job2/memory.limit_in_bytes"), "");

        child = sleeper();
        ASSERT_TRUE(child > 0);
        (void)snprintf(pid, sizeof(pid), "%d", (int)child);
        ASSERT_OK(cr_cgroup_attach(cg, child, &err));
        ASSERT_STREQ(get(root, "memory/process_api/abc/job2/cgroup.procs"), pid);
        ASSERT_STREQ(get(root, "pids/job2/cgroup.procs"), pid);
        ASSERT_STREQ(get(root, "cpuacct/job2/cgroup.procs"), pid);
        ASSERT_STREQ(get(root, "freezer/job2/cgroup.procs"), pid);
        ASSERT_ERRNO(cr_cgroup_attach(cg, 0, &err), EINVAL);
        err = cr_error_free(err);

        ASSERT_OK(put(root, "cpuacct/job2/cpuacct.usage", "123456789\n"));
        ASSERT_OK(put(root, "memory/process_api/abc/job2/memory.max_usage_in_bytes", "5000\n"));
        ASSERT_OK(put(root, "memory/process_api/abc/job2/memory.oom_control",
                      "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"));
        ASSERT_OK(put(root, "memory/process_api/abc/job2/memory.failcnt", "3\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_UEQ(s.cpu_usage_ns, 123456789);
        ASSERT_UEQ(s.memory_peak_bytes, 5000);
        ASSERT_UEQ(s.oom_kills, 2);
        ASSERT_TRUE(s.memory_limit_hit);
        ASSERT_OK(cr_cgroup_read_cpu_ns(cg, &ns));
        ASSERT_UEQ(ns, 123456789);

        /* A pre-4.13 oom_control has no oom_kill line. */
        ASSERT_OK(put(root, "memory/process_api/abc/job2/memory.oom_control",
                      "oom_kill_disable 0\nunder_oom 0\n"));
        ASSERT_OK(put(root, "memory/process_api/abc/job2/memory.failcnt", "0\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_UEQ(s.oom_kills, 0);
        ASSERT_FALSE(s.memory_limit_hit);
        ASSERT_OK(put(root, "cpuacct/job2/cpuacct.usage", "garbage\n"));
        ASSERT_ERRNO(cr_cgroup_read_stats(cg, &s, &err), EINVAL);
        ASSERT_UEQ(s.memory_peak_bytes, 5000); /* untouched on failure */
        err = cr_error_free(err);

        /* freeze → kill → thaw: the fake freezer reads back FROZEN at once. */
        ASSERT_OK(cr_cgroup_kill(cg, &err));
        ASSERT_EQ(waitpid(child, &status, 0), child);
        child = -1;
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_STREQ(get(root, "freezer/job2/freezer.state"), "THAWED");
        /* The fake cgroup.procs still lists the reaped pid: clear them. */
        ASSERT_OK(put(root, "memory/process_api/abc/job2/cgroup.procs", ""));
        ASSERT_OK(put(root, "pids/job2/cgroup.procs", ""));
        ASSERT_OK(put(root, "cpuacct/job2/cgroup.procs", ""));
        ASSERT_OK(put(root, "freezer/job2/cgroup.procs", ""));
}

/* A leaf as a killed supervisor leaves it: directories (with an empty
 * cgroup.procs) in each hierarchy of the fake v1 tree but `skip`. */
static int fake_v1_leftover(const char *root, const char *name, const char *skip)
{
        static const char *const own[] = {"memory/process_api/abc", "pids", "cpu,cpuacct", "freezer"};

        for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
                _cleanup_free_ char *dir = xasprintf("%s/%s", own[i], name);
                _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
                int r;

                if (skip && strcmp(own[i], skip) == 0)
                        continue;
                r = mkdir_p(root, dir);
                if (r >= 0)
                        r = put(root, procs, "");
                if (r < 0)
                        return r;
        }
        return 0;
}

TEST(fake_v1_list_and_open)
{
        struct fake f = {0};
        _cleanup_(rm_rf_freep) char *root = make_fake_v1();
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup *cg = NULL;
        struct names {
                char seen[8][16];
                int n;
        } names = {0};

        ASSERT_TRUE(root);
        ASSERT_OK(fake_v1_manager(root, FAKE_V1_SELF, &m));
        fake_hooks(m, &f);
        ASSERT_OK(fake_v1_leftover(root, "old1", NULL));
        ASSERT_OK(fake_v1_leftover(root, "old2", "pids")); /* a removal cut short */

        ASSERT_OK(cr_cgroup_list(m, list_name, &names, &err));
        ASSERT_EQ(names.n, 7); /* old1 in 4 hierarchies, old2 in 3 */
        ASSERT_OK(cr_cgroup_open(m, "old2", &cg, &err));
        ASSERT_OK(cr_cgroup_destroy(cg, &err));
        ASSERT_FALSE(exists(root, "memory/process_api/abc/old2"));
        ASSERT_FALSE(exists(root, "freezer/old2"));
        ASSERT_TRUE(exists(root, "pids/old1"));
        ASSERT_ERRNO(cr_cgroup_open(m, "old2", &cg, &err), ENOENT);
        err = cr_error_free(err);
        ASSERT_ERRNO(cr_cgroup_open(m, "../pids", &cg, &err), EINVAL);
}

/* Leaves of supervisors that no longer run are removed; live ones, those of
 * another pid namespace and names that are not ours stay. */
TEST(fake_v1_leftovers_of_dead_supervisors)
{
        struct fake f = {0};
        _cleanup_(rm_rf_freep) char *root = make_fake_v1();
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_seccomp_program none = {0};
        struct cr_sandbox *sb = NULL;
        char buf[1024], name[4][128];
        unsigned long long ns, start;
        unsigned removed = 0;
        struct stat st;
        uint64_t v;
        pid_t dead, me = getpid();

        ASSERT_TRUE(root);
        ASSERT_OK(fake_v1_manager(root, FAKE_V1_SELF, &m));
        fake_hooks(m, &f);
        ASSERT_TRUE(stat("/proc/self/ns/pid", &st) == 0);
        ns = (unsigned long long)st.st_ino;
        ASSERT_TRUE(read_file_at(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) > 0);
        ASSERT_OK(cr_proc_stat_u64(buf, 22, &v));
        start = (unsigned long long)v;
        dead = fork();
        if (dead == 0)
                _exit(0);
        ASSERT_EQ(waitpid(dead, NULL, 0), dead);

        (void)snprintf(name[0], sizeof(name[0]), "cr-%llu-%d-%llu-3-0", ns, (int)me, start);        /* alive */
        (void)snprintf(name[1], sizeof(name[1]), "cr-%llu-%d-%llu-3-1", ns, (int)dead, start);      /* dead */
        (void)snprintf(name[2], sizeof(name[2]), "cr-%llu-%d-%llu-3-2", ns, (int)me, start + 1);    /* pid reused */
        (void)snprintf(name[3], sizeof(name[3]), "cr-%llu-%d-%llu-3-3", ns + 1, (int)dead, start);  /* other ns */
        for (size_t i = 0; i < ARRAY_SIZE(name); i++)
                ASSERT_OK(fake_v1_leftover(root, name[i], NULL));
        ASSERT_OK(fake_v1_leftover(root, "cr-1-2-3", NULL));
        ASSERT_OK(fake_v1_leftover(root, "cr-1--2-3-4-5", NULL));
        ASSERT_OK(fake_v1_leftover(root, "cr-", NULL));
        ASSERT_OK(fake_v1_leftover(root, "cr-1-2-3-4-5-", NULL));
        ASSERT_OK(fake_v1_leftover(root, "system.slice", NULL));

        ASSERT_OK(cr_sandbox_new(&(struct cr_sandbox_options){.seccomp = &none, .cgroups = m}, &sb, &err));
        ASSERT_OK(cr_sandbox_remove_leftovers(sb, &removed, &err));
        sb = cr_sandbox_free(sb);
        ASSERT_EQ(removed, 2);
        for (size_t i = 0; i < ARRAY_SIZE(name); i++) {
                _cleanup_free_ char *p = xasprintf("pids/%s", name[i]);
                _cleanup_free_ char *q = xasprintf("memory/process_api/abc/%s", name[i]);

                ASSERT_EQ(exists(root, p), i == 0 || i == 3);
                ASSERT_EQ(exists(root, q), i == 0 || i == 3);
        }
        ASSERT_TRUE(exists(root, "pids/cr-1-2-3"));
        ASSERT_TRUE(exists(root, "pids/cr-1--2-3-4-5"));
        ASSERT_TRUE(exists(root, "freezer/system.slice"));
}

TEST(fake_v1_missing_controllers)
{
        /* pids and freezer not in /proc/self/cgroup, cpu listed but not mounted,
         * cpuacct's own cgroup missing in its mount, no memsw file. */
        struct fake f = {.no_memsw = true};
        static const char self[] = "4:memory:/process_api/abc\n3:cpu:/\n2:cpuacct:/nope\n0::/\n";
        _cleanup_(rm_rf_freep) char *root = make_fake_v1();
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *cpu = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 1 * MiB, .pids = 5, .cpu_quota_us = 1000};
        struct cr_cgroup_stats s;
        uint64_t ns;

        ASSERT_TRUE(root);
        cpu = xasprintf("%s/cpu", root);
        ASSERT_OK(unlink(cpu));
        ASSERT_OK(fake_v1_manager(root, self, &m));
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_MEMORY);
        fake_hooks(m, &f);
        ASSERT_OK(cr_cgroup_create(m, "job3", &l, &cg, &err));
        ASSERT_STREQ(get(root, "memory/process_api/abc/job3/memory.limit_in_bytes"), "1048576");
        ASSERT_FALSE(exists(root, "pids/job3"));
        ASSERT_FALSE(exists(root, "cpu,cpuacct/job3"));
        ASSERT_ERRNO(cr_cgroup_read_cpu_ns(cg, &ns), EOPNOTSUPP);
        ASSERT_ERRNO(cr_cgroup_read_stats(cg, &s, &err), EINVAL); /* the fake max_usage file is empty */
        err = cr_error_free(err);
        ASSERT_OK(cr_cgroup_kill(cg, &err)); /* no freezer: kill loop on an empty leaf */
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_FALSE(exists(root, "memory/process_api/abc/job3"));
}

TEST(fake_v1_split_layout_and_errors)
{
        struct fake f = {0};
        static const char self[] = "5:cpuacct:/\n4:cpu:/\n3:memory:/\n";
        _cleanup_(rm_rf_freep) char *root = make_tmpdir();
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_options o = {.root = root, .mode = CR_CGROUP_MODE_V1, .proc_self_cgroup = self};

        ASSERT_TRUE(root);
        ASSERT_OK(mkdir_p(root, "cpu"));
        ASSERT_OK(mkdir_p(root, "cpuacct"));
        ASSERT_OK(mkdir_p(root, "memory"));
        ASSERT_OK(cr_cgroup_manager_new(&o, &m, &err));
        ASSERT_EQ(m->n_hier, 3);
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_MEMORY | CR_CGROUP_CPU | CR_CGROUP_CPUACCT);
        fake_hooks(m, &f);
        ASSERT_ERRNO(cr_cgroup_create(m, "../x", NULL, &cg, &err), EINVAL);
        ASSERT_EQ(err->kind, CR_ERROR_INVALID);
        err = cr_error_free(err);
        /* A name clash in the last hierarchy rolls back the first two. */
        ASSERT_OK(mkdir_p(root, "cpuacct/clash"));
        ASSERT_ERRNO(cr_cgroup_create(m, "clash", NULL, &cg, &err), EEXIST);
        ASSERT_FALSE(exists(root, "memory/clash"));
        ASSERT_FALSE(exists(root, "cpu/clash"));
        ASSERT_TRUE(exists(root, "cpuacct/clash"));
        err = cr_error_free(err);
        m = cr_cgroup_manager_free(m);

        /* Malformed own line is an error, not a missing controller. */
        o.proc_self_cgroup = "3:memory:/a/../..\n";
        ASSERT_ERRNO(cr_cgroup_manager_new(&o, &m, &err), EINVAL);
        err = cr_error_free(err);
        o.mode = 7;
        ASSERT_ERRNO(cr_cgroup_manager_new(&o, &m, &err), EINVAL);
        err = cr_error_free(err);
        o = (struct cr_cgroup_options){.root = "/nonexistent/cgroup", .mode = CR_CGROUP_MODE_V1};
        ASSERT_ERRNO(cr_cgroup_manager_new(&o, &m, &err), ENOENT);
        ASSERT_EQ(err->kind, CR_ERROR_UNAVAILABLE);
        ASSERT_TRUE(m == NULL);
}

/* ---- fake v2 ---- */

#define OWN "svc.slice/coderunner.service"

TEST(fake_v2_delegation)
{
        _cleanup_(rm_rf_freep) char *root = make_fake_v2("cpuset cpu io memory hugetlb pids rdma misc\n");
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        char pid[32];

        ASSERT_TRUE(root);
        (void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
        ASSERT_OK(fake_v2_manager(root, "0::/" OWN "\n", true, &m));
        ASSERT_EQ(cr_cgroup_manager_mode(m), CR_CGROUP_MODE_V2);
        ASSERT_STREQ(get(root, OWN "/supervisor/cgroup.procs"), pid);
        ASSERT_STREQ(get(root, OWN "/cgroup.subtree_control"), "+memory +pids +cpu");
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_ALL);
        ASSERT_STREQ(m->hier[0].own_path, OWN);
        m = cr_cgroup_manager_free(m);

        /* Already moved (a second manager, or a forked spawner): same own cgroup. */
        ASSERT_OK(put(root, OWN "/cgroup.subtree_control", "memory pids\n"));
        ASSERT_OK(fake_v2_manager(root, "0::/" OWN "/supervisor\n", true, &m));
        ASSERT_STREQ(m->hier[0].own_path, OWN);
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_ALL);
        m = cr_cgroup_manager_free(m);

        /* Without move_self_to_leaf, "supervisor" is just a name. */
        ASSERT_OK(fake_v2_manager(root, "0::/" OWN "/supervisor\n", false, &m));
        ASSERT_STREQ(m->hier[0].own_path, OWN "/supervisor");
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_CPUACCT); /* no cgroup.controllers there */
        m = cr_cgroup_manager_free(m);

        /* A configured delegated path wins over /proc/self/cgroup. */
        struct cr_cgroup_options o = {
                .root = root,
                .mode = CR_CGROUP_MODE_V2,
                .proc_self_cgroup = "0::/elsewhere\n",
                .delegated_path = "/" OWN,
        };
        ASSERT_OK(cr_cgroup_manager_new(&o, &m, &err));
        ASSERT_STREQ(m->hier[0].own_path, OWN);
        m = cr_cgroup_manager_free(m);
        o.delegated_path = OWN "/../..";
        ASSERT_ERRNO(cr_cgroup_manager_new(&o, &m, &err), EINVAL);
        err = cr_error_free(err);
        o.delegated_path = NULL;
        o.proc_self_cgroup = "4:memory:/\n"; /* no v2 line */
        ASSERT_ERRNO(cr_cgroup_manager_new(&o, &m, &err), ENOENT);
        ASSERT_EQ(err->kind, CR_ERROR_UNAVAILABLE);
}

TEST(fake_v2_create_stats_kill)
{
        struct fake f = {0};
        _cleanup_(rm_rf_freep) char *root = make_fake_v2("cpu memory pids\n");
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB, .pids = 16, .cpu_quota_us = 50000};
        struct cr_cgroup_stats s;
        _cleanup_free_ char *leaf = NULL;
        struct stat a, b;
        uint64_t ns = 0;

        ASSERT_TRUE(root);
        leaf = xasprintf("%s/" OWN "/job1", root);
        ASSERT_OK(fake_v2_manager(root, "0::/" OWN "\n", true, &m));
        fake_hooks(m, &f);
        ASSERT_OK(cr_cgroup_create(m, "job1", &l, &cg, &err));
        ASSERT_STREQ(get(root, OWN "/job1/memory.max"), "67108864");
        ASSERT_STREQ(get(root, OWN "/job1/memory.swap.max"), "0");
        ASSERT_STREQ(get(root, OWN "/job1/pids.max"), "16");
        ASSERT_STREQ(get(root, OWN "/job1/cpu.max"), "50000 100000");
        ASSERT_TRUE(cr_cgroup_dirfd(cg) >= 0);
        ASSERT_OK(fstat(cr_cgroup_dirfd(cg), &a));
        ASSERT_OK(stat(leaf, &b));
        ASSERT_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);

        ASSERT_OK(put(root, OWN "/job1/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"));
        ASSERT_OK(put(root, OWN "/job1/memory.peak", "7000\n"));
        ASSERT_OK(put(root, OWN "/job1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_UEQ(s.cpu_usage_ns, 1500000);
        ASSERT_UEQ(s.memory_peak_bytes, 7000);
        ASSERT_UEQ(s.oom_kills, 1);
        ASSERT_TRUE(s.memory_limit_hit);
        ASSERT_OK(cr_cgroup_read_cpu_ns(cg, &ns));
        ASSERT_UEQ(ns, 1500000);
        ASSERT_OK(put(root, OWN "/job1/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_FALSE(s.memory_limit_hit);

        ASSERT_OK(cr_cgroup_kill(cg, &err));
        ASSERT_STREQ(get(root, OWN "/job1/cgroup.kill"), "1");
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_FALSE(exists(root, OWN "/job1"));
        ASSERT_TRUE(exists(root, OWN "/supervisor"));
}

TEST(fake_v2_fallbacks)
{
        struct fake f = {.no_swap = true, .no_peak = true, .no_kill = true};
        _cleanup_(rm_rf_freep) char *root = make_fake_v2("cpu memory pids\n");
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_(sleeper_reapp) pid_t child = -1;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB};
        struct cr_cgroup_stats s;
        uint64_t ns;
        int status;

        ASSERT_TRUE(root);
        ASSERT_OK(fake_v2_manager(root, "0::/" OWN "\n", true, &m));
        fake_hooks(m, &f);
        ASSERT_OK(cr_cgroup_create(m, "job2", &l, &cg, &err));
        ASSERT_STREQ(get(root, OWN "/job2/memory.max"), "67108864");
        ASSERT_FALSE(exists(root, OWN "/job2/memory.swap.max"));

        /* Peak without memory.peak: the highest memory.current seen by polls. */
        ASSERT_OK(put(root, OWN "/job2/cpu.stat", "usage_usec 1\n"));
        ASSERT_OK(put(root, OWN "/job2/memory.current", "100\n"));
        ASSERT_OK(cr_cgroup_read_cpu_ns(cg, &ns));
        ASSERT_OK(put(root, OWN "/job2/memory.current", "50\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_UEQ(s.memory_peak_bytes, 100);
        ASSERT_OK(put(root, OWN "/job2/memory.current", "300\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_UEQ(s.memory_peak_bytes, 300);

        /* No cgroup.kill: freeze, kill what is listed, thaw. */
        child = sleeper();
        ASSERT_TRUE(child > 0);
        ASSERT_OK(cr_cgroup_attach(cg, child, &err));
        ASSERT_OK(put(root, OWN "/job2/cgroup.events", "populated 1\nfrozen 1\n"));
        ASSERT_OK(cr_cgroup_kill(cg, &err));
        ASSERT_EQ(waitpid(child, &status, 0), child);
        child = -1;
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_STREQ(get(root, OWN "/job2/cgroup.freeze"), "0");
        ASSERT_OK(put(root, OWN "/job2/cgroup.procs", ""));
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_FALSE(exists(root, OWN "/job2"));
}

TEST(fake_v2_missing_controllers)
{
        struct fake f = {0};
        _cleanup_(rm_rf_freep) char *root = make_fake_v2("cpuset io\n");
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB, .pids = 3, .cpu_quota_us = 1000};
        struct cr_cgroup_stats s;

        ASSERT_TRUE(root);
        ASSERT_OK(fake_v2_manager(root, "0::/" OWN "\n", false, &m));
        ASSERT_EQ(cr_cgroup_manager_controllers(m), CR_CGROUP_CPUACCT | CR_CGROUP_FREEZER);
        ASSERT_STREQ(get(root, OWN "/cgroup.subtree_control"), ""); /* nothing to enable */
        fake_hooks(m, &f);
        ASSERT_OK(cr_cgroup_create(m, "job3", &l, &cg, &err));
        ASSERT_FALSE(exists(root, OWN "/job3/memory.max"));
        ASSERT_FALSE(exists(root, OWN "/job3/pids.max"));
        ASSERT_OK(put(root, OWN "/job3/cpu.stat", "usage_usec 2\n"));
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_UEQ(s.cpu_usage_ns, 2000);
        ASSERT_UEQ(s.memory_peak_bytes, 0);
}

/* ---- real cgroups on this host (root) ---- */

struct child {
        pid_t pid;
        int go;  /* write end: one byte releases the child */
        int res; /* read end: what the child reports */
};

static void child_donep(struct child *c)
{
        if (c->pid > 0) {
                (void)kill(c->pid, SIGKILL);
                (void)waitpid(c->pid, NULL, 0);
        }
        c->pid = 0;
        c->go = safe_close(c->go);
        c->res = safe_close(c->res);
}

#define _cleanup_child_ _cleanup_(child_donep)
#define CHILD_INIT                                    \
        {                                             \
                .pid = 0, .go = -EBADF, .res = -EBADF \
        }

/* Forks a child that blocks until child_go(), then runs fn(res_fd) and exits 0. */
static int child_start(struct child *c, void (*fn)(int res_fd))
{
        int go[2], res[2];
        char b;

        if (pipe2(go, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(res, O_CLOEXEC) < 0) {
                safe_close(go[0]);
                safe_close(go[1]);
                return -errno;
        }
        c->pid = fork();
        if (c->pid < 0)
                return -errno;
        if (c->pid == 0) {
                alarm(60); /* never outlive a test that lost track of us */
                safe_close(go[1]);
                safe_close(res[0]);
                if (read(go[0], &b, 1) != 1)
                        _exit(2);
                fn(res[1]);
                _exit(0);
        }
        safe_close(go[0]);
        safe_close(res[1]);
        c->go = go[1];
        c->res = res[0];
        return 0;
}

static int child_go(struct child *c)
{
        return write(c->go, "g", 1) == 1 ? 0 : -errno;
}

static int child_wait(struct child *c, int *ret_status)
{
        pid_t p = waitpid(c->pid, ret_status, 0);

        if (p != c->pid)
                return -errno;
        c->pid = 0;
        return 0;
}

/* Reaps grandchildren that were reparented to us (we are a subreaper). */
static void reap_orphans(void)
{
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

static unsigned leaf_seq;

static char *leaf_name(void)
{
        return xasprintf("crtest-%d-%u", (int)getpid(), leaf_seq++);
}

/* Root in a user namespace is uid 0 without the right to create cgroups. */
static bool may_create(struct cr_cgroup_manager *m)
{
        _cleanup_error_ struct cr_error *err = NULL;
        _cleanup_free_ char *name = leaf_name();
        struct cr_cgroup *cg = NULL;
        int r = cr_cgroup_create(m, name, NULL, &cg, &err);

        if (r >= 0)
                r = cr_cgroup_destroy(cg, &err);
        return !(r == -EACCES || r == -EPERM || r == -EROFS);
}

static struct cr_cgroup_manager *real_manager(const char **ret_skip)
{
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_manager *m = NULL;

        if (geteuid() != 0) {
                *ret_skip = "needs root";
                return NULL;
        }
        if (cr_cgroup_manager_new(NULL, &m, &err) < 0) {
                printf("# %s\n", err->msg);
                *ret_skip = "no usable cgroup hierarchy";
                return NULL;
        }
        if (!may_create(m)) {
                *ret_skip = "cgroups not writable here (unprivileged user namespace?)";
                return cr_cgroup_manager_free(m);
        }
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        return m;
}

/* True if no directory `name` is left in any hierarchy. */
static bool leaf_gone(struct cr_cgroup_manager *m, const char *name)
{
        for (size_t i = 0; i < m->n_hier; i++)
                if (faccessat(m->hier[i].own_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
                        return false;
        return true;
}

/* /proc/<pid>/cgroup puts pid in <own>/<name> in every hierarchy we use. */
static bool pid_in_leaf(struct cr_cgroup_manager *m, pid_t pid, const char *name)
{
        char buf[8192], path[64];

        (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
                return false;
        for (size_t i = 0; i < m->n_hier; i++) {
                unsigned c = m->hier[i].controllers;
                const char *ctl =
                        m->mode == CR_CGROUP_MODE_V2 ? NULL : cr_cgroup_controller_to_string(c & -c);
                _cleanup_free_ char *got = NULL, *want = NULL;
                uint32_t id;

                want = m->hier[i].own_path[0] ? xasprintf("%s/%s", m->hier[i].own_path, name)
                                              : xstrdup(name);
                if (cr_cgroup_parse_proc_self(buf, ctl, &id, NULL, &got) < 0 || strcmp(got, want) != 0) {
                        printf("# hierarchy %zu: '%s' != '%s'\n", i, got ? got : "(none)", want);
                        return false;
                }
        }
        return true;
}

static void child_exit(int res _unused_)
{
}

TEST(real_attach_limits_destroy)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB, .pids = 16};
        uint64_t v;
        int status, fd;

        if (!m)
                SKIP(skip);
        if ((cr_cgroup_manager_controllers(m) & (CR_CGROUP_MEMORY | CR_CGROUP_PIDS)) !=
            (CR_CGROUP_MEMORY | CR_CGROUP_PIDS))
                SKIP("memory or pids controller missing");
        printf("# mode %s, controllers 0x%x\n", cr_cgroup_mode_to_string(cr_cgroup_manager_mode(m)),
               cr_cgroup_manager_controllers(m));
        ASSERT_OK(cr_cgroup_create(m, name, &l, &cg, &err));
        fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_PIDS);
        ASSERT_OK(cr_cgroup_read_u64_at(fd, "pids.max", &v));
        ASSERT_UEQ(v, 16);
        fd = cr_cgroup_leaf_fd(cg, CR_CGROUP_MEMORY);
        ASSERT_OK(cr_cgroup_read_u64_at(
                fd, m->mode == CR_CGROUP_MODE_V2 ? "memory.max" : "memory.limit_in_bytes", &v));
        ASSERT_UEQ(v, 64 * MiB);

        ASSERT_OK(child_start(&c, child_exit));
        ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
        ASSERT_TRUE(pid_in_leaf(m, c.pid, name));
        ASSERT_OK(child_go(&c));
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_TRUE(leaf_gone(m, name));
}

/* The entry fds for enter_self_as_nobody(): opened by the test, inherited. */
static int entry_fds[CR_CGROUP_ENTRY_MAX];
static size_t n_entry_fds;

/* As the sandbox's init: no longer root when it moves itself in. */
static void enter_self_as_nobody(int res)
{
        int r = setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0 ? -errno : 0;

        if (r == 0)
                r = cr_cgroup_enter_self(entry_fds, n_entry_fds);
        (void)!write(res, &r, sizeof(r));
        for (;;) /* until killed: an exited task is in no leaf */
                pause();
}

/* v1: a child cloned outside the leaf moves itself in, as an unprivileged
 * user, through the files the supervisor opened; on v2 there are none (the
 * child is cloned into the leaf). */
TEST(real_enter_self)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        int status, n, r = -1;

        if (!m)
                SKIP(skip);
        ASSERT_OK(cr_cgroup_create(m, name, NULL, &cg, &err));
        n = cr_cgroup_open_entry(cg, entry_fds, &err);
        ASSERT_OK(n);
        if (m->mode == CR_CGROUP_MODE_V2) {
                ASSERT_EQ(n, 0);
                return;
        }
        ASSERT_EQ(n, (int)m->n_hier);
        n_entry_fds = (size_t)n;
        ASSERT_OK(child_start(&c, enter_self_as_nobody));
        for (size_t i = 0; i < n_entry_fds; i++)
                entry_fds[i] = safe_close(entry_fds[i]);
        ASSERT_FALSE(pid_in_leaf(m, c.pid, name));
        ASSERT_OK(child_go(&c));
        ASSERT_EQ(read(c.res, &r, sizeof(r)), (ssize_t)sizeof(r));
        ASSERT_OK(r);
        ASSERT_TRUE(pid_in_leaf(m, c.pid, name));
        ASSERT_OK(kill(c.pid, SIGKILL));
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_TRUE(leaf_gone(m, name));
}

/* A closed entry fd: the child learns the error; nothing is moved. */
TEST(enter_self_bad_fd)
{
        int fds[1] = {-1};

        ASSERT_ERRNO(cr_cgroup_enter_self(fds, 1), EBADF);
        ASSERT_OK(cr_cgroup_enter_self(fds, 0));
}

/* Forks until fork fails; reports {count, errno}; the children pause. */
static void fork_bomb(int res)
{
        int out[2] = {0, 0};

        for (;;) {
                pid_t p = fork();

                if (p == 0) {
                        for (;;)
                                pause();
                }
                if (p < 0) {
                        out[1] = errno;
                        break;
                }
                if (++out[0] > 1000)
                        break;
        }
        (void)!write(res, out, sizeof(out));
        for (;;)
                pause();
}

TEST(real_fork_bomb_bounded)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB, .pids = 16};
        int out[2], status;

        if (!m)
                SKIP(skip);
        if (!(cr_cgroup_manager_controllers(m) & CR_CGROUP_PIDS))
                SKIP("pids controller missing");
        ASSERT_OK(cr_cgroup_create(m, name, &l, &cg, &err));
        ASSERT_OK(child_start(&c, fork_bomb));
        ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
        ASSERT_OK(child_go(&c));
        ASSERT_EQ(read(c.res, out, sizeof(out)), sizeof(out));
        printf("# fork bomb: %d forks, then %s\n", out[0], strerror(out[1]));
        ASSERT_EQ(out[1], EAGAIN);
        ASSERT_EQ(out[0], 15); /* 16 tasks including the bomber */

        ASSERT_OK(cr_cgroup_kill(cg, &err));
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        reap_orphans();
        ASSERT_TRUE(leaf_gone(m, name));
}

/* Where the hog keeps its blocks: escaping through a volatile global keeps
 * the compiler from eliding malloc + memset of memory nobody reads. */
static char *volatile hog_last;

static void memory_hog(int res _unused_)
{
        for (size_t i = 0; i < 1024; i++) {
                char *p = malloc(MiB);

                if (!p)
                        _exit(3);
                memset(p, (int)i, MiB);
                hog_last = p;
        }
        _exit(0); /* survived 1 GiB: the limit did not work */
}

TEST(real_memory_hog_oom_killed)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB, .pids = 16};
        struct cr_cgroup_stats s;
        int status;

        if (!m)
                SKIP(skip);
        if (!(cr_cgroup_manager_controllers(m) & CR_CGROUP_MEMORY))
                SKIP("memory controller missing");
        ASSERT_OK(cr_cgroup_create(m, name, &l, &cg, &err));
        ASSERT_OK(child_start(&c, memory_hog));
        ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
        ASSERT_OK(child_go(&c));
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        printf("# memory hog: peak %llu bytes (%.1f%% of limit), oom_kills %llu, limit hit %d, cpu %llu "
               "us\n",
               (unsigned long long)s.memory_peak_bytes, 100.0 * (double)s.memory_peak_bytes / (64.0 * MiB),
               (unsigned long long)s.oom_kills, s.memory_limit_hit,
               (unsigned long long)s.cpu_usage_ns / 1000);
        ASSERT_TRUE(s.oom_kills >= 1);
        ASSERT_TRUE(s.memory_limit_hit);
        ASSERT_TRUE(s.memory_peak_bytes >= 60 * MiB && s.memory_peak_bytes <= 64 * MiB);
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_TRUE(leaf_gone(m, name));
}

static void spin(int res _unused_)
{
        uint64_t end = now_ms() + 500;

        while (now_ms() < end)
                ;
}

TEST(real_cpu_accounting_and_quota)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.cpu_quota_us = 20000, .cpu_period_us = 100000};
        uint64_t ns = 0, t0;
        int status;

        if (!m)
                SKIP(skip);
        if ((cr_cgroup_manager_controllers(m) & (CR_CGROUP_CPU | CR_CGROUP_CPUACCT)) !=
            (CR_CGROUP_CPU | CR_CGROUP_CPUACCT))
                SKIP("cpu or cpuacct controller missing");
        ASSERT_OK(cr_cgroup_create(m, name, &l, &cg, &err));
        ASSERT_OK(child_start(&c, spin));
        ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
        t0 = now_ms();
        ASSERT_OK(child_go(&c));
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_OK(cr_cgroup_read_cpu_ns(cg, &ns));
        printf("# spin 500 ms wall at 20%% quota: %llu ms CPU in %llu ms\n",
               (unsigned long long)ns / 1000000, (unsigned long long)(now_ms() - t0));
        ASSERT_TRUE(ns >= 50 * 1000000ULL);  /* it ran */
        ASSERT_TRUE(ns <= 250 * 1000000ULL); /* ~100 ms allowed, with slack for period edges */
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_TRUE(leaf_gone(m, name));
}

static void spawn_sleepers(int res)
{
        for (int i = 0; i < 5; i++)
                if (fork() == 0) {
                        for (;;)
                                pause();
                }
        (void)!write(res, "r", 1);
        for (;;)
                pause();
}

TEST(real_kill_and_destroy)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        char b, procs[256];
        int status;
        uint64_t t0;

        if (!m)
                SKIP(skip);
        ASSERT_OK(cr_cgroup_create(m, name, NULL, &cg, &err));
        ASSERT_OK(child_start(&c, spawn_sleepers));
        ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
        ASSERT_OK(child_go(&c));
        ASSERT_EQ(read(c.res, &b, 1), 1);
        ASSERT_TRUE(read_file_at(cg->fds[0], "cgroup.procs", procs, sizeof(procs)) > 0);
        t0 = now_ns();
        ASSERT_OK(cr_cgroup_kill(cg, &err));
        printf("# kill of 6 tasks: %llu us\n", (unsigned long long)(now_ns() - t0) / 1000);
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        for (size_t i = 0; i < m->n_hier; i++)
                ASSERT_OK(cr_cgroup_kill_until_empty(cg->fds[i], 1000));
        t0 = now_ns();
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        printf("# destroy after kill: %llu us\n", (unsigned long long)(now_ns() - t0) / 1000);
        reap_orphans();
        ASSERT_TRUE(leaf_gone(m, name));
}

static void sleep_forever(int res _unused_)
{
        for (;;)
                pause();
}

/* destroy removes an empty leaf at once; one with tasks left in it (a
 * supervisor's error path, a dead supervisor's leaf) is killed first. */
TEST(real_destroy_kills_what_is_left)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        _cleanup_error_ struct cr_error *err = NULL;
        char b;
        int status;

        if (!m)
                SKIP(skip);
        ASSERT_OK(cr_cgroup_create(m, name, NULL, &cg, &err));
        ASSERT_OK(child_start(&c, spawn_sleepers));
        ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
        ASSERT_OK(child_go(&c));
        ASSERT_EQ(read(c.res, &b, 1), 1);
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_TRUE(leaf_gone(m, name));
        ASSERT_OK(child_wait(&c, &status));
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        reap_orphans();
}

TEST(real_timings)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_limits l = {.memory_bytes = 64 * MiB, .pids = 16, .cpu_quota_us = 100000};
        uint64_t create = 0, destroy = 0, attach = 0, kill_ns = 0, busy = 0, t0;
        const unsigned n = 50, nb = 20;

        if (!m)
                SKIP(skip);
        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ char *name = leaf_name();
                struct cr_cgroup *cg = NULL;

                t0 = now_ns();
                ASSERT_OK(cr_cgroup_create(m, name, &l, &cg, &err));
                create += now_ns() - t0;
                t0 = now_ns();
                ASSERT_OK(cr_cgroup_destroy(cg, &err));
                destroy += now_ns() - t0;
                ASSERT_TRUE(leaf_gone(m, name));
        }
        for (unsigned i = 0; i < nb; i++) {
                _cleanup_free_ char *name = leaf_name();
                _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
                _cleanup_child_ struct child c = CHILD_INIT;

                ASSERT_OK(cr_cgroup_create(m, name, &l, &cg, &err));
                ASSERT_OK(child_start(&c, sleep_forever));
                t0 = now_ns();
                ASSERT_OK(cr_cgroup_attach(cg, c.pid, &err));
                attach += now_ns() - t0;
                ASSERT_OK(child_go(&c));
                t0 = now_ns();
                ASSERT_OK(cr_cgroup_kill(cg, &err));
                kill_ns += now_ns() - t0;
                t0 = now_ns();
                ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err)); /* waits out the dying task */
                busy += now_ns() - t0;
                ASSERT_TRUE(leaf_gone(m, name));
        }
        printf("# %s, %zu hierarchies, mean of %u: create+limits %llu us, destroy (empty) %llu us\n",
               cr_cgroup_mode_to_string(m->mode), m->n_hier, n, (unsigned long long)create / n / 1000,
               (unsigned long long)destroy / n / 1000);
        printf("# with 1 live task, mean of %u: attach %llu us, kill %llu us, destroy after kill %llu us\n",
               nb, (unsigned long long)attach / nb / 1000, (unsigned long long)kill_ns / nb / 1000,
               (unsigned long long)busy / nb / 1000);
}

/* The cgroup2 mount for the v2 tests: the root if it is one, else the
 * hybrid layout's /unified; NULL if neither. */
static const char *v2_mount(void)
{
        static const char *const candidates[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
        struct statfs fs;

        for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
                if (statfs(candidates[i], &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                        return candidates[i];
        return NULL;
}

/* clone3(CLONE_INTO_CGROUP) on a real cgroup2 mount: leaf dirfd, cgroup.kill,
 * rmdir while draining. On a hybrid host /unified has no controllers but
 * still runs these kernel paths. Our own cgroup2 cgroup must be the root
 * (the test does not move itself). */
TEST(real_v2_clone_into_cgroup)
{
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_free_ char *name = leaf_name();
        _cleanup_(cgroup_destroyp) struct cr_cgroup *cg = NULL;
        _cleanup_(sleeper_reapp) pid_t pid = -1;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_options o = {.root = v2_mount(), .mode = CR_CGROUP_MODE_V2};
        struct cr_cgroup_stats s;
        int status;
        char self[256];
        _cleanup_free_ char *want = xasprintf("0::/%s\n", name);

        if (geteuid() != 0)
                SKIP("needs root");
        if (!o.root)
                SKIP("no cgroup2 mount");
        ASSERT_OK(cr_cgroup_manager_new(&o, &m, &err));
        if (m->hier[0].own_path[0])
                SKIP("own cgroup2 cgroup is not the root");
        if (!may_create(m))
                SKIP("cgroups not writable here (unprivileged user namespace?)");
        ASSERT_OK(cr_cgroup_create(m, name, NULL, &cg, &err));
        ASSERT_TRUE(cr_cgroup_dirfd(cg) >= 0);

        struct {
                uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
                        set_tid_size, cgroup;
        } args = {
                .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cr_cgroup_dirfd(cg)};
        pid = (pid_t)syscall(__NR_clone3, &args, sizeof(args));
        if (pid == 0) {
                for (;;)
                        pause();
        }
        if (pid < 0 && errno == ENOSYS)
                SKIP("no clone3");
        ASSERT_TRUE(pid > 0);
        {
                char path[64];

                (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
                ASSERT_TRUE(read_file_at(AT_FDCWD, path, self, sizeof(self)) > 0);
                ASSERT_TRUE(strstr(self, want) != NULL);
        }
        ASSERT_OK(cr_cgroup_read_stats(cg, &s, &err));
        ASSERT_OK(cr_cgroup_kill(cg, &err)); /* cgroup.kill, or the freezer fallback */
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        pid = -1;
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_OK(cr_cgroup_destroy(TAKE_PTR(cg), &err));
        ASSERT_TRUE(leaf_gone(m, name));
}

/* In a child: enter the fake delegated cgroup D, then let the manager move
 * us to D/supervisor and enable controllers, create a limited leaf, destroy
 * it. Exits with the failing line number, 0 on success. */
static void delegated_child(const char *mount, const char *deleg)
{
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = NULL;
        _cleanup_error_ struct cr_error *err = NULL;
        struct cr_cgroup_options o = {.root = mount, .mode = CR_CGROUP_MODE_V2, .move_self_to_leaf = true};
        struct cr_cgroup_limits l = {.memory_bytes = 32 * MiB, .pids = 8, .cpu_quota_us = 50000};
        _cleanup_free_ char *procs = xasprintf("%s/%s/cgroup.procs", mount, deleg);
        _cleanup_free_ char *want = xasprintf("0::/%s/supervisor\n", deleg);
        char pid[32], self[4096];
        struct cr_cgroup *cg = NULL;
        uint64_t v;

        (void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
        if (write_file_at(AT_FDCWD, procs, pid) < 0)
                _exit(__LINE__);
        if (cr_cgroup_manager_new(&o, &m, &err) < 0) {
                printf("# %s\n", err->msg);
                _exit(__LINE__);
        }
        if (read_file_at(AT_FDCWD, "/proc/self/cgroup", self, sizeof(self)) < 0 || !strstr(self, want))
                _exit(__LINE__);
        printf("# delegated: controllers 0x%x\n", cr_cgroup_manager_controllers(m));
        if (cr_cgroup_create(m, "job", &l, &cg, &err) < 0) {
                printf("# %s\n", err->msg);
                _exit(__LINE__);
        }
        if ((m->controllers & CR_CGROUP_MEMORY) &&
            (cr_cgroup_read_u64_at(cg->fds[0], "memory.max", &v) < 0 || v != 32 * MiB))
                _exit(__LINE__);
        if ((m->controllers & CR_CGROUP_PIDS) &&
            (cr_cgroup_read_u64_at(cg->fds[0], "pids.max", &v) < 0 || v != 8))
                _exit(__LINE__);
        if (cr_cgroup_destroy(cg, &err) < 0)
                _exit(__LINE__);
        _exit(0);
}

TEST(real_v2_delegated_move_self)
{
        const char *mount = v2_mount();
        _cleanup_free_ char *own = NULL, *deleg = NULL, *sup = NULL, *path = NULL;
        char self[4096];
        uint32_t id;
        int status;
        pid_t pid;

        if (geteuid() != 0)
                SKIP("needs root");
        if (!mount)
                SKIP("no cgroup2 mount");
        ASSERT_TRUE(read_file_at(AT_FDCWD, "/proc/self/cgroup", self, sizeof(self)) > 0);
        ASSERT_OK(cr_cgroup_parse_proc_self(self, NULL, &id, NULL, &own));
        deleg = own[0] ? xasprintf("%s/crtest-%d-deleg", own, (int)getpid())
                       : xasprintf("crtest-%d-deleg", (int)getpid());
        path = xasprintf("%s/%s", mount, deleg);
        sup = xasprintf("%s/supervisor", path);
        if (mkdir(path, 0755) < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
                SKIP("cgroups not writable here (unprivileged user namespace?)");
        ASSERT_TRUE(access(path, F_OK) == 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                alarm(60);
                delegated_child(mount, deleg);
        }
        ASSERT_TRUE(pid > 0);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        /* The child has exited, so both are empty; removal may lag a little. */
        for (int i = 0; i < 100 && rmdir(sup) < 0 && errno == EBUSY; i++)
                (void)usleep(10000);
        for (int i = 0; i < 100 && rmdir(path) < 0 && errno == EBUSY; i++)
                (void)usleep(10000);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0); /* else: the failing line in delegated_child() */
        ASSERT_FALSE(access(path, F_OK) == 0);
}

TEST(real_no_leftovers)
{
        const char *skip = NULL;
        _cleanup_(manager_freep) struct cr_cgroup_manager *m = real_manager(&skip);
        _cleanup_free_ char *prefix = xasprintf("crtest-%d-", (int)getpid());

        if (!m)
                SKIP(skip);
        for (size_t i = 0; i < m->n_hier; i++) {
                int fd = openat(m->hier[i].own_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
                struct dirent *de;

                ASSERT_TRUE(d);
                while ((de = readdir(d)))
                        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
                                printf("# left behind: /%s/%s\n", m->hier[i].own_path, de->d_name);
                                closedir(d);
                                ASSERT_TRUE(false);
                        }
                closedir(d);
        }
        reap_orphans();
}

TESTS_MAIN
