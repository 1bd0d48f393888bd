/* SPDX-License-Identifier: MIT
 * attack: raise resource limits past their hard limits, and another process's
 * expect: OK
 * expect-default: OK
 */
#include <sys/resource.h>

int main(void)
{
        static const struct { int res; const char *name; } limits[] = {
                { RLIMIT_NOFILE, "NOFILE" }, { RLIMIT_NPROC, "NPROC" }, { RLIMIT_CPU, "CPU" },
                { RLIMIT_FSIZE, "FSIZE" }, { RLIMIT_CORE, "CORE" }, { RLIMIT_MEMLOCK, "MEMLOCK" },
        };
        struct rlimit rl;

        for (size_t i = 0; i < sizeof(limits) / sizeof(*limits); i++) {
                char what[64];
                getrlimit(limits[i].res, &rl);
                if (rl.rlim_max == RLIM_INFINITY) {
                        printf("%s has no hard limit to raise\n", limits[i].name);
                        continue;
                }
                rl.rlim_max += 1;
                rl.rlim_cur = rl.rlim_max;
                snprintf(what, sizeof(what), "raise RLIMIT_%s past its hard limit", limits[i].name);
                verdict(setrlimit(limits[i].res, &rl) < 0, what);
        }
        rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
        verdict(prlimit(1, RLIMIT_NOFILE, &rl, NULL) < 0, "prlimit on the sandbox's init");
        return over();
}
