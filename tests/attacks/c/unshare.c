/* SPDX-License-Identifier: MIT
 * attack: unshare every namespace type, a user namespace above all (full capabilities inside)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sched.h>

int main(void)
{
        static const struct { int flag; const char *name; } ns[] = {
                { CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mount" }, { CLONE_NEWNET, "network" },
                { CLONE_NEWPID, "pid" }, { CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" },
                { CLONE_NEWCGROUP, "cgroup" }, { 0x80 /* CLONE_NEWTIME */, "time" },
        };
        trying("unshare");
        for (size_t i = 0; i < sizeof(ns) / sizeof(*ns); i++) {
                char what[64];
                snprintf(what, sizeof(what), "unshare a %s namespace", ns[i].name);
                verdict(unshare(ns[i].flag) < 0, what);
        }
        return over();
}
