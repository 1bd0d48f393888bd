/* SPDX-License-Identifier: MIT
 * attack: read other processes' environment and command line, the supervisor's included
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * expect-cpp: OK
 *   (the C++ profile allows getdents64, for the gold linker: listing /proc holds)
 */
#include <dirent.h>

static void dump(const char *pid, const char *file)
{
        char path[300], buf[65536];
        int fd;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
        fd = open(path, O_RDONLY);
        if (fd < 0)
                return;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        for (ssize_t i = 0; i < n; i++)
                if (buf[i] == '\0')
                        buf[i] = ' ';
        buf[n > 0 ? n : 0] = '\0';
        /* printed whole: the host fails the test if its secret shows up */
        printf("%s: %s\n", path, buf);
}

int main(void)
{
        struct dirent *e;
        int seen = 0;
        DIR *d;

        trying("list /proc");
        d = opendir("/proc");

        while (d && (e = readdir(d)))
                if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
                        dump(e->d_name, "environ");
                        dump(e->d_name, "cmdline");
                        seen++;
                }
        printf("%s: %d processes visible, all the sandbox's own\n", seen < 8 ? "HELD" : "BROKEN", seen);
        verdict(secure_getenv("CR_ATTACK_SUPERVISOR_SECRET") == NULL,
                "the supervisor's environment is inherited");
        return over();
}
