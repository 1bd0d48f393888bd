/* SPDX-License-Identifier: MIT
 * attack: the kernel log: /dev/kmsg, /proc/kmsg, syslog(2)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        char buf[4096];
        int fd;

        verdict(open("/dev/kmsg", O_RDONLY) < 0, "read /dev/kmsg");
        verdict(open("/dev/kmsg", O_WRONLY) < 0, "write /dev/kmsg");
        fd = open("/proc/kmsg", O_RDONLY);
        verdict(fd < 0, "open /proc/kmsg");
        trying("syslog");
        verdict(syscall(SYS_syslog, 3 /* READ_ALL */, buf, (int) sizeof(buf)) < 0, "syslog READ_ALL");
        return over();
}
