/* SPDX-License-Identifier: MIT
 * attack: climb out of the root with /proc/self/root, .. chains and other processes' roots
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * expect-cpp: OK
 *   (the C++ profile allows getdents64, for the gold linker: listing /proc holds)
 */
#include <dirent.h>

int main(void)
{
        const char *secret = param("secret_path");
        struct stat root, up, self;
        char path[1200];
        DIR *d;
        struct dirent *e;

        stat("/", &root);
        stat("/proc/self/root/../../../..", &up);
        stat("/proc/self/root", &self);
        if (root.st_ino == up.st_ino && root.st_dev == up.st_dev && root.st_ino == self.st_ino)
                puts("HELD: /proc/self/root/../.. is the sandbox's own root");
        else
                puts("BROKEN: /proc/self/root/.. leads above the root");
        if (chdir("/proc/self/root") == 0 && chdir("../../../../..") == 0) {
                struct stat here;
                stat(".", &here);
                printf("%s: chdir .. above /proc/self/root stays at the root\n",
                       here.st_ino == root.st_ino && here.st_dev == root.st_dev ? "HELD" : "BROKEN");
        }
        trying("list /proc");
        d = opendir("/proc");
        while (d && (e = readdir(d))) {
                if (e->d_name[0] < '1' || e->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/root%s", e->d_name, secret);
                verdict(open(path, O_RDONLY) < 0, path);
        }
        if (d)
                closedir(d);
        return over();
}
