/* SPDX-License-Identifier: MIT
 * attack: mount a tmpfs, bind-mount the root, remount it read-write, mount proc again
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sys/mount.h>

int main(void)
{
        trying("mount");
        verdict(mount("none", "/tmp", "tmpfs", 0, NULL) < 0, "mount a tmpfs");
        verdict(mount("/", "/tmp", NULL, MS_BIND | MS_REC, NULL) < 0, "bind-mount the root");
        verdict(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL) < 0, "remount the root read-write");
        verdict(mount("proc", "/tmp", "proc", 0, NULL) < 0, "mount another proc");
        trying("fsopen");
        verdict(syscall(SYS_fsopen, "tmpfs", 0) < 0, "fsopen a tmpfs (new mount API)");
        trying("open_tree");
        verdict(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */) < 0, "open_tree a clone of /");
        return over();
}
