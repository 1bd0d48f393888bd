/* SPDX-License-Identifier: MIT
 * attack: open_by_handle_at, the 'shocker' escape from early Docker
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
int main(void)
{
        struct { unsigned int bytes; int type; unsigned char f[128]; } h = { .bytes = 8, .type = 1 };
        int mount_id;

        /* the root directory of the host's filesystem is inode 2 on ext4 */
        memcpy(h.f, "\x02\x00\x00\x00\x00\x00\x00\x00", 8);
        trying("name_to_handle_at");
        verdict(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h, &mount_id, 0) < 0, "name_to_handle_at /");
        trying("open_by_handle_at");
        verdict(syscall(SYS_open_by_handle_at, AT_FDCWD, &h, O_RDONLY) < 0, "open_by_handle_at inode 2");
        return over();
}
