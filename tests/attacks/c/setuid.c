/* SPDX-License-Identifier: MIT
 * attack: find setuid and setgid files to run, and mounts that would honour them
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <ftw.h>
#include <sys/statvfs.h>

static int found;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) ftw;
        if (type == FTW_F && (st->st_mode & (S_ISUID | S_ISGID))) {
                printf("BROKEN: %s is setuid or setgid\n", path);
                found++;
        }
        return 0;
}

int main(void)
{
        static const char *const mounts[] = { "/", "/tmp", "/dev/shm", "/box", "/proc" };
        struct statvfs sv;

        trying("walk the image");
        nftw("/usr", visit, 32, FTW_PHYS | FTW_MOUNT);
        nftw("/bin", visit, 32, FTW_PHYS | FTW_MOUNT);
        nftw("/sbin", visit, 32, FTW_PHYS | FTW_MOUNT);
        if (!found)
                puts("HELD: no setuid or setgid file in the image");
        for (size_t i = 0; i < sizeof(mounts) / sizeof(*mounts); i++) {
                char what[64];
                errno = 0;
                snprintf(what, sizeof(what), "%s is mounted without nosuid", mounts[i]);
                verdict(statvfs(mounts[i], &sv) == 0 && (sv.f_flag & ST_NOSUID), what);
        }
        verdict(setuid(0) < 0, "setuid(0)");
        return over();
}
