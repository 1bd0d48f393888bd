/* SPDX-License-Identifier: MIT
 * attack: make device nodes for disks and memory, open the host's block devices
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sys/sysmacros.h>

int main(void)
{
        static const char *const disks[] = { "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/dm-0", "/dev/loop0" };

        for (size_t i = 0; i < sizeof(disks) / sizeof(*disks); i++)
                verdict(open(disks[i], O_RDONLY) < 0, disks[i]);
        trying("mknod");
        verdict(mknod("/tmp/sda", S_IFBLK | 0600, makedev(8, 0)) < 0, "mknod a disk in /tmp");
        verdict(mknod("/dev/shm/mem", S_IFCHR | 0600, makedev(1, 1)) < 0, "mknod /dev/mem in /dev/shm");
        return over();
}
