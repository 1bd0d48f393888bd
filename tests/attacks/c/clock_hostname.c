/* SPDX-License-Identifier: MIT
 * attack: set the clock, adjust it, change the hostname and domain name
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

int main(void)
{
        struct timespec ts = { .tv_sec = 86400 };
        struct timeval tv = { .tv_sec = 86400 };
        struct timex tx = { .modes = ADJ_OFFSET, .offset = 1000000 };

        trying("clock_settime");
        verdict(clock_settime(CLOCK_REALTIME, &ts) < 0, "clock_settime(CLOCK_REALTIME)");
        trying("settimeofday");
        verdict(settimeofday(&tv, NULL) < 0, "settimeofday");
        trying("adjtimex");
        verdict(adjtimex(&tx) < 0, "adjtimex an offset");
        trying("sethostname");
        verdict(sethostname("pwned", 5) < 0, "sethostname");
        trying("setdomainname");
        verdict(setdomainname("pwned", 5) < 0, "setdomainname");
        return over();
}
