/* SPDX-License-Identifier: MIT
 * attack: fill the disk: /tmp and /dev/shm, file after file, until they are full
 * expect: OK
 * expect-default: OK
 */
/* One file until the file size limit (EFBIG, SIGXFSZ ignored), then the next,
 * until the filesystem is full (ENOSPC). */
static void fill(const char *dir)
{
        static char block[1 << 16];
        char path[128], what[160];
        long long total = 0;
        ssize_t n = 0;
        int i;

        for (i = 0; i < 1000; i++) {
                int fd;
                snprintf(path, sizeof(path), "%s/fill%d", dir, i);
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd < 0)
                        break;
                while ((n = write(fd, block, sizeof(block))) > 0)
                        total += n;
                close(fd);
                if (n < 0 && errno != EFBIG)
                        break;
        }
        snprintf(what, sizeof(what), "fill %s: stopped after %lld MiB in %d files", dir, total >> 20, i + 1);
        verdict(i < 1000 && total < (1LL << 30), what);
        while (i >= 0) {
                snprintf(path, sizeof(path), "%s/fill%d", dir, i--);
                unlink(path);
        }
}

int main(void)
{
        signal(SIGXFSZ, SIG_IGN);
        fill("/tmp");
        fill("/dev/shm");
        return over();
}
