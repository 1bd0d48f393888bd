/* SPDX-License-Identifier: MIT
 * attack: sysfs and /proc/sys: core_pattern (runs a host program as root), sysrq, cgroup files
 * expect: OK
 * expect-default: OK
 */
int main(void)
{
        static const char *const writes[] = {
                "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger", "/proc/sys/kernel/modprobe",
                "/proc/sys/vm/drop_caches", "/sys/kernel/uevent_helper", "/sys/fs/cgroup/cgroup.procs",
                "/proc/self/oom_score_adj", "/proc/self/attr/current", "/proc/1/oom_score_adj",
        };
        struct stat st;

        verdict(stat("/sys/kernel", &st) < 0, "see /sys");
        for (size_t i = 0; i < sizeof(writes) / sizeof(*writes); i++) {
                int fd = open(writes[i], O_WRONLY);
                ssize_t n = fd >= 0 ? write(fd, "-1000\n", 6) : -1;
                char what[128];
                snprintf(what, sizeof(what), "write %s", writes[i]);
                /* oom_score_adj may be raised (more likely killed) but never lowered */
                verdict(n < 0, what);
                if (fd >= 0)
                        close(fd);
        }
        return over();
}
