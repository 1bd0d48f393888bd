/* SPDX-License-Identifier: MIT
 * attack: perf_event_open on the CPU and on the kernel (side channels, a long CVE history)
 * expect: SECCOMP_VIOLATION
 * expect-default: OK
 */
#include <linux/perf_event.h>

int main(void)
{
        struct perf_event_attr attr = { .type = PERF_TYPE_HARDWARE, .size = sizeof(attr),
                                        .config = PERF_COUNT_HW_CPU_CYCLES };
        trying("perf_event_open");
        verdict(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0) < 0, "count this process's cycles");
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_CPU_CLOCK;
        verdict(syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0) < 0, "watch all of CPU 0");
        return over();
}
