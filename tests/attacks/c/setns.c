/* SPDX-License-Identifier: MIT
 * attack: setns into the namespaces of pid 1 (not even opened: its init is not ours to inspect) and of itself
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sched.h>

int main(void)
{
        static const char *const ns[] = { "user", "mnt", "net", "pid", "uts", "ipc", "cgroup", "time" };
        int fds[32], n = 0;

        for (size_t i = 0; i < sizeof(ns) / sizeof(*ns); i++) {
                char path[64];
                for (int self = 0; self < 2; self++) {
                        snprintf(path, sizeof(path), "/proc/%s/ns/%s", self ? "self" : "1", ns[i]);
                        fds[n] = open(path, O_RDONLY);
                        if (fds[n] >= 0)
                                n++;
                }
        }
        printf("opened %d namespace files\n", n);
        trying("setns");
        for (int i = 0; i < n; i++)
                verdict(setns(fds[i], 0) < 0, "setns into a namespace");
        return over();
}
