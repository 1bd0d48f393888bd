/* SPDX-License-Identifier: MIT
 * attack: exhaust the inodes of /tmp with empty files
 * expect: OK
 * expect-default: OK
 */
int main(void)
{
        char path[64];
        int n = 0, fd;

        for (;;) {
                snprintf(path, sizeof(path), "/tmp/i%d", n);
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
                if (fd < 0)
                        break;
                close(fd);
                if (++n > 1000000)
                        break;
        }
        printf("created %d files\n", n);
        verdict(n <= 1000000 && errno == ENOSPC, "create files without end (the inode limit stops it)");
        return over();
}
