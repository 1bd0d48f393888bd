/* SPDX-License-Identifier: MIT
 * attack: exhaust file descriptors, then raise the limit
 * expect: OK
 * expect-default: OK
 */
#include <sys/resource.h>

int main(void)
{
        struct rlimit rl;
        int n = 0;

        while (open("/dev/null", O_RDONLY) >= 0 && n < 10000000)
                n++;
        printf("opened %d\n", n);
        verdict(errno == EMFILE && n < 1000000, "open descriptors without end");
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_max += 1024;
        rl.rlim_cur = rl.rlim_max;
        verdict(setrlimit(RLIMIT_NOFILE, &rl) < 0, "raise the descriptor hard limit");
        verdict(dup2(0, 1 << 20) < 0, "dup2 to a descriptor above the limit");
        return over();
}
