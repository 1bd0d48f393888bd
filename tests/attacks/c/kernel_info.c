/* SPDX-License-Identifier: MIT
 * attack: kernel addresses and internals: /proc/kallsyms, modules, timer_list, sched_debug, System.map
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 * expect-cpp: OK
 *   (the C++ profile allows getdents64, for the gold linker: listing /boot holds)
 */
#include <dirent.h>

static void no_addresses(const char *path)
{
        char line[512], what[128];
        long nonzero = 0, lines = 0;
        FILE *f = fopen(path, "r");

        while (f && fgets(line, sizeof(line), f)) {
                lines++;
                if (strtoull(line, NULL, 16) != 0)
                        nonzero++;
        }
        snprintf(what, sizeof(what), "%s gives kernel addresses (%ld of %ld lines)", path, nonzero, lines);
        printf("%s: %s\n", nonzero ? "BROKEN" : "HELD", what);
        if (f)
                fclose(f);
}

int main(void)
{
        static const char *const hidden[] = { "/proc/timer_list", "/proc/sched_debug", "/proc/self/stack",
                                              "/proc/vmallocinfo", "/proc/config.gz" };
        char buf[64];
        struct dirent *e;
        DIR *d;

        no_addresses("/proc/kallsyms");
        no_addresses("/proc/modules");
        for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++) {
                int fd = open(hidden[i], O_RDONLY);
                char what[128];
                snprintf(what, sizeof(what), "%s has content", hidden[i]);
                verdict(fd < 0 || read(fd, buf, sizeof(buf)) <= 0, what);
        }
        trying("list /boot");
        d = opendir("/boot");
        while (d && (e = readdir(d)))
                if (!strncmp(e->d_name, "System.map", 10) || !strncmp(e->d_name, "vmlinu", 6))
                        printf("BROKEN: /boot/%s is visible\n", e->d_name);
        puts("HELD: no System.map or kernel image in /boot");
        return over();
}
