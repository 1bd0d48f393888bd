/* SPDX-License-Identifier: MIT
 * attack: unmount /proc's masks, the work dir and the root to uncover what lies beneath
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sys/mount.h>

int main(void)
{
        trying("umount2");
        verdict(umount2("/proc/kallsyms", MNT_DETACH) < 0, "unmount the mask over /proc/kallsyms");
        verdict(umount2("/box", MNT_DETACH) < 0, "unmount the work dir");
        verdict(umount2("/proc", MNT_DETACH) < 0, "unmount /proc");
        verdict(umount2("/", MNT_DETACH) < 0, "detach the root");
        return over();
}
